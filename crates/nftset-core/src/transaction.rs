//! Transactions: the operations a caller groups into one atomic batch.

use crate::error::Target;
use crate::family::Family;
use crate::input::Elements;
use crate::set::SetDef;

/// A set or map inside a table.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SetRef {
    /// Table family.
    pub family: Family,
    /// Table name.
    pub table: String,
    /// Set or map name.
    pub set: String,
}

impl SetRef {
    /// Creates a reference to `family table set`.
    pub fn new(family: Family, table: &str, set: &str) -> SetRef {
        SetRef {
            family,
            table: table.to_string(),
            set: set.to_string(),
        }
    }

    /// The reference as error context.
    pub fn target(&self) -> Target {
        Target {
            family: self.family.name().to_string(),
            table: self.table.clone(),
            set: self.set.clone(),
        }
    }
}

impl std::fmt::Display for SetRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.family, self.table, self.set)
    }
}

/// What to do with a list of elements; the names are nft's verbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// Add elements; one that exists already is left as it is.
    Add,
    /// Add elements; one that exists already fails with `EEXIST`.
    Create,
    /// Delete elements; one that is missing fails with `ENOENT`.
    Delete,
    /// Delete elements that exist and ignore the others (Linux 6.3+).
    Destroy,
}

impl Verb {
    /// nft's name of the verb.
    pub fn name(self) -> &'static str {
        match self {
            Verb::Add => "add",
            Verb::Create => "create",
            Verb::Delete => "delete",
            Verb::Destroy => "destroy",
        }
    }
}

/// One step of a transaction.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// `add table` or, with `exclusive`, `create table`.
    CreateTable {
        /// Table family.
        family: Family,
        /// Table name.
        name: String,
        /// Fail with `EEXIST` if the table exists.
        exclusive: bool,
    },
    /// `delete table`, or `destroy table` when `if_exists`.
    DeleteTable {
        /// Table family.
        family: Family,
        /// Table name.
        name: String,
        /// Succeed when the table is missing (Linux 6.3+).
        if_exists: bool,
    },
    /// `add chain` of a regular chain, for jump and goto targets.
    CreateChain {
        /// Table family.
        family: Family,
        /// Table name.
        table: String,
        /// Chain name.
        name: String,
        /// Fail with `EEXIST` if the chain exists.
        exclusive: bool,
    },
    /// `delete chain`, or `destroy chain` when `if_exists`.
    DeleteChain {
        /// Table family.
        family: Family,
        /// Table name.
        table: String,
        /// Chain name.
        name: String,
        /// Succeed when the chain is missing (Linux 6.3+).
        if_exists: bool,
    },
    /// `add set` or, with `exclusive`, `create set`.
    CreateSet {
        /// The definition.
        def: Box<SetDef>,
        /// Fail with `EEXIST` if a set with that name exists.
        exclusive: bool,
    },
    /// `delete set`, or `destroy set` when `if_exists`.
    DeleteSet {
        /// The set.
        set: SetRef,
        /// Succeed when the set is missing (Linux 6.3+).
        if_exists: bool,
    },
    /// `flush set`: delete every element.
    FlushSet {
        /// The set.
        set: SetRef,
    },
    /// Add, create, delete or destroy elements.
    Elements {
        /// What to do.
        verb: Verb,
        /// The set.
        set: SetRef,
        /// The elements.
        elements: Elements,
    },
    /// Replace the values of existing map keys, or add the keys: each
    /// element is deleted if present and added, in the same batch.
    UpdateElements {
        /// The map.
        set: SetRef,
        /// The elements with their new values.
        elements: Elements,
    },
    /// Makes the set hold exactly these elements, by deleting the others
    /// and adding the missing ones in this batch.
    SyncElements {
        /// The set.
        set: SetRef,
        /// Every element the set should hold.
        elements: Elements,
    },
}

impl Op {
    /// nft-style name of the operation, used in errors.
    pub fn name(&self) -> &'static str {
        match self {
            Op::CreateTable {
                exclusive: false, ..
            } => "add table",
            Op::CreateTable {
                exclusive: true, ..
            } => "create table",
            Op::DeleteTable {
                if_exists: false, ..
            } => "delete table",
            Op::DeleteTable {
                if_exists: true, ..
            } => "destroy table",
            Op::CreateChain {
                exclusive: false, ..
            } => "add chain",
            Op::CreateChain {
                exclusive: true, ..
            } => "create chain",
            Op::DeleteChain {
                if_exists: false, ..
            } => "delete chain",
            Op::DeleteChain {
                if_exists: true, ..
            } => "destroy chain",
            Op::CreateSet {
                exclusive: false, ..
            } => "add set",
            Op::CreateSet {
                exclusive: true, ..
            } => "create set",
            Op::DeleteSet {
                if_exists: false, ..
            } => "delete set",
            Op::DeleteSet {
                if_exists: true, ..
            } => "destroy set",
            Op::FlushSet { .. } => "flush set",
            Op::Elements { verb, .. } => match verb {
                Verb::Add => "add element",
                Verb::Create => "create element",
                Verb::Delete => "delete element",
                Verb::Destroy => "destroy element",
            },
            Op::UpdateElements { .. } => "update element",
            Op::SyncElements { .. } => "sync element",
        }
    }

    /// The table, set or chain the operation is aimed at, as error context.
    pub fn target(&self) -> Target {
        let table_target = |family: &Family, table: &str, set: &str| Target {
            family: family.name().to_string(),
            table: table.to_string(),
            set: set.to_string(),
        };
        match self {
            Op::CreateTable { family, name, .. } | Op::DeleteTable { family, name, .. } => {
                table_target(family, name, "")
            }
            Op::CreateChain { family, table, .. } | Op::DeleteChain { family, table, .. } => {
                table_target(family, table, "")
            }
            Op::CreateSet { def, .. } => table_target(&def.family, &def.table, &def.name),
            Op::DeleteSet { set, .. }
            | Op::FlushSet { set }
            | Op::Elements { set, .. }
            | Op::UpdateElements { set, .. }
            | Op::SyncElements { set, .. } => set.target(),
        }
    }

    /// The elements of an element operation.
    pub fn elements(&self) -> Option<&Elements> {
        match self {
            Op::Elements { elements, .. }
            | Op::UpdateElements { elements, .. }
            | Op::SyncElements { elements, .. } => Some(elements),
            _ => None,
        }
    }
}

/// Options that apply to a whole transaction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommitOptions {
    /// Reject prefixes with host bits set instead of masking them.
    pub strict: bool,
    /// Fail with `ERR_GENERATION_CONFLICT` unless the ruleset generation
    /// still equals this value when the kernel applies the batch.
    pub generation: Option<u32>,
    /// Ask the kernel to acknowledge every message (`NLM_F_ACK`), not only
    /// to report errors.
    pub ack_each: bool,
    /// What to do with a batch larger than the socket send buffer.
    pub if_too_large: IfTooLarge,
}

/// What to do with a batch larger than the socket send buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IfTooLarge {
    /// Fail with `EMSGSIZE` before sending anything.
    #[default]
    Fail,
    /// Send it as several batches, cut between messages. Each batch is
    /// atomic on its own; when one fails, the batches before it stay
    /// applied.
    Split,
}

/// What a committed transaction did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommitSummary {
    /// Netlink messages sent, `BATCH_BEGIN` and `BATCH_END` included.
    pub messages: usize,
    /// Bytes sent.
    pub bytes: usize,
    /// Element nests written.
    pub wire_elements: usize,
    /// Elements a sync added.
    pub added: usize,
    /// Elements a sync removed.
    pub removed: usize,
    /// Batches sent: 1, more when the transaction was split, 0 when it was
    /// empty.
    pub batches: usize,
    /// True when kernel replies were lost to a full receive buffer and the
    /// outcome was established by reading the ruleset generation back.
    pub replies_lost: bool,
}
