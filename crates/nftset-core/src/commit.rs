//! Building a transaction into one batch and committing it.
//!
//! Every element is parsed and checked before the first byte is sent, so
//! bad input never reaches the kernel. Sets created earlier in the same
//! transaction are referred to by their transaction id; other sets are read
//! with `GETSET` once per transaction to learn their types.

use std::collections::{HashMap, HashSet};

use crate::batch::{Batch, ListHeader};
use crate::client::Client;
use crate::datatype::HostBits;
use crate::element::{self, Element, ParseOptions, Part, Purpose};
use crate::error::{Error, ErrorKind, Result};
use crate::interval::{self, Interval};
use crate::kernel_error::{kernel_before, BatchContext};
use crate::key::KeyBuf;
use crate::names::check_name;
use crate::set::SetDef;
use crate::sys::*;
use crate::transaction::{CommitOptions, CommitSummary, Op, SetRef, Verb};

/// A set as the transaction sees it: read from the kernel, or created by an
/// earlier operation of the same transaction.
#[derive(Clone, Debug)]
struct Resolved {
    def: SetDef,
    set_id: Option<u32>,
}

/// An element waiting to be written, with its index in the caller's list.
struct Pending {
    element: Element,
    index: usize,
}

impl Client {
    /// Applies `ops` as one atomic transaction: either all of them take
    /// effect or none does.
    pub fn commit(&mut self, ops: &[Op], options: CommitOptions) -> Result<CommitSummary> {
        let first_seq = self.socket().take_seqs(0);
        let mut batch = Batch::with_genid(first_seq, options.generation);
        if options.ack_each {
            batch.acknowledge_each();
        }
        let mut builder = Builder {
            batch,
            sets: HashMap::new(),
            next_set_id: 1,
            host_bits: if options.strict {
                HostBits::Reject
            } else {
                HostBits::Mask
            },
            set_sizes: vec![None; ops.len()],
            merged: HashMap::new(),
            deleted: HashMap::new(),
            added: 0,
            removed: 0,
        };
        for (index, op) in ops.iter().enumerate() {
            builder
                .add(self, index, op)
                .map_err(|error| error.with_operation(op.name()).with_target(&op.target()))
                .map_err(|mut error| {
                    error.operation_index.get_or_insert(index);
                    error
                })?;
        }
        let set_sizes = std::mem::take(&mut builder.set_sizes);
        let batch = builder.batch.finish();
        let count = batch.end_seq().wrapping_sub(first_seq).wrapping_add(1);
        self.socket().take_seqs(count);
        let summary = CommitSummary {
            messages: batch.batch().messages().len() + 2,
            bytes: batch.len(),
            wire_elements: batch.batch().element_origins().len(),
            added: builder.added,
            removed: builder.removed,
            batches: 0,
            replies_lost: false,
        };
        if summary.messages == 2 {
            return Ok(summary);
        }
        let size_of = |operation: usize| set_sizes.get(operation).copied().flatten();
        let context = BatchContext {
            batch: batch.batch(),
            ops,
            set_size: &size_of,
        };
        let delivery = self.deliver(&batch, &options, &context)?;
        Ok(CommitSummary {
            batches: delivery.batches,
            replies_lost: delivery.replies_lost,
            ..summary
        })
    }
}

struct Builder {
    batch: Batch,
    sets: HashMap<SetRef, Resolved>,
    next_set_id: u32,
    host_bits: HostBits,
    set_sizes: Vec<Option<u32>>,
    /// Ranges of the single-field interval sets this batch already added
    /// to, as they will be after the batch applies. A later add to the same
    /// set in this batch merges with them or is checked against them, not
    /// against the ranges the kernel has now.
    merged: HashMap<SetRef, Vec<Interval>>,
    /// Ranges this batch deletes from auto-merge sets not in `merged`. They
    /// are left out when a later add reads the set's ranges from the kernel.
    deleted: HashMap<SetRef, HashSet<(KeyBuf, KeyBuf)>>,
    /// Elements added by sync operations.
    added: usize,
    /// Elements removed by sync operations.
    removed: usize,
}

impl Builder {
    fn add(&mut self, client: &mut Client, index: usize, op: &Op) -> Result<()> {
        match op {
            Op::CreateTable {
                family,
                name,
                exclusive,
            } => {
                check(check_name("table", name), "table")?;
                let flags = NLM_F_CREATE | if *exclusive { NLM_F_EXCL } else { 0 };
                self.batch
                    .push(NFT_MSG_NEWTABLE, flags, family.nfproto(), index, |w| {
                        w.string(NFTA_TABLE_NAME, name);
                        w.u32_be(NFTA_TABLE_FLAGS, 0);
                    });
            }
            Op::DeleteTable {
                family,
                name,
                if_exists,
            } => {
                check(check_name("table", name), "table")?;
                let command = if *if_exists {
                    NFT_MSG_DESTROYTABLE
                } else {
                    NFT_MSG_DELTABLE
                };
                self.batch.push(command, 0, family.nfproto(), index, |w| {
                    w.string(NFTA_TABLE_NAME, name);
                });
                self.sets
                    .retain(|set, _| set.family != *family || set.table != *name);
                self.merged
                    .retain(|set, _| set.family != *family || set.table != *name);
                self.deleted
                    .retain(|set, _| set.family != *family || set.table != *name);
            }
            Op::CreateChain {
                family,
                table,
                name,
                exclusive,
            } => {
                check(check_name("table", table), "table")?;
                check(check_name("chain", name), "chain")?;
                let flags = NLM_F_CREATE | if *exclusive { NLM_F_EXCL } else { 0 };
                self.batch
                    .push(NFT_MSG_NEWCHAIN, flags, family.nfproto(), index, |w| {
                        w.string(NFTA_CHAIN_TABLE, table);
                        w.string(NFTA_CHAIN_NAME, name);
                    });
            }
            Op::DeleteChain {
                family,
                table,
                name,
                if_exists,
            } => {
                check(check_name("table", table), "table")?;
                check(check_name("chain", name), "chain")?;
                let command = if *if_exists {
                    NFT_MSG_DESTROYCHAIN
                } else {
                    NFT_MSG_DELCHAIN
                };
                self.batch.push(command, 0, family.nfproto(), index, |w| {
                    w.string(NFTA_CHAIN_TABLE, table);
                    w.string(NFTA_CHAIN_NAME, name);
                });
            }
            Op::CreateSet { def, exclusive } => self.create_set(index, def, *exclusive)?,
            Op::DeleteSet { set, if_exists } => {
                check_ref(set)?;
                let command = if *if_exists {
                    NFT_MSG_DESTROYSET
                } else {
                    NFT_MSG_DELSET
                };
                self.batch
                    .push(command, 0, set.family.nfproto(), index, |w| {
                        w.string(NFTA_SET_TABLE, &set.table);
                        w.string(NFTA_SET_NAME, &set.set);
                    });
                self.sets.remove(set);
                self.merged.remove(set);
                self.deleted.remove(set);
            }
            Op::FlushSet { set } => {
                let resolved = self.resolve(client, set)?;
                if tracks_ranges(&resolved.def) {
                    self.merged.insert(set.clone(), Vec::new());
                    self.deleted.remove(set);
                }
                self.batch
                    .push(NFT_MSG_DELSETELEM, 0, set.family.nfproto(), index, |w| {
                        // nft 1.0.6 writes the set name before the table here.
                        w.string(NFTA_SET_ELEM_LIST_SET, &set.set);
                        w.string(NFTA_SET_ELEM_LIST_TABLE, &set.table);
                        if let Some(id) = resolved.set_id {
                            w.u32_be(NFTA_SET_ELEM_LIST_SET_ID, id);
                        }
                    });
            }
            Op::Elements {
                verb,
                set,
                elements,
            } => {
                let resolved = self.resolve(client, set)?;
                self.set_sizes[index] = resolved.def.size;
                if resolved.def.is_interval() {
                    let pending = self.parse(&resolved.def, *verb, elements)?;
                    if tracks_ranges(&resolved.def) && matches!(verb, Verb::Delete | Verb::Destroy)
                    {
                        self.forget_merged(set, &pending);
                    }
                    self.write_elements(client, index, *verb, &resolved, pending, elements)?;
                } else {
                    self.stream_elements(index, *verb, &resolved, elements)?;
                }
            }
            Op::UpdateElements { set, elements } => {
                let resolved = self.resolve(client, set)?;
                self.set_sizes[index] = resolved.def.size;
                let pending = self.parse(&resolved.def, Verb::Add, elements)?;
                self.update_elements(client, index, &resolved, pending)?;
            }
            Op::SyncElements { set, elements } => {
                let resolved = self.resolve(client, set)?;
                self.set_sizes[index] = resolved.def.size;
                let pending = self.parse(&resolved.def, Verb::Add, elements)?;
                self.sync_elements(client, index, &resolved, pending, elements)?;
            }
        }
        Ok(())
    }

    /// Deletes the elements the set should not have and adds the missing
    /// ones, in this batch.
    fn sync_elements(
        &mut self,
        client: &mut Client,
        index: usize,
        resolved: &Resolved,
        pending: Vec<Pending>,
        elements: &crate::input::Elements,
    ) -> Result<()> {
        let def = &resolved.def;
        let desired = pending
            .into_iter()
            .map(|item| (item.index, item.element))
            .collect();
        let plan = crate::sync::plan(client, def, resolved.set_id.is_none(), desired).map_err(
            |mut error| {
                if let Some(index) = error.element_index {
                    error.element = elements.display(index);
                    error.line = elements.line(index);
                    error.conflict_element = error.conflict_index.and_then(|i| elements.display(i));
                    error.message = format!(
                        "elements \"{}\" (index {}) and \"{}\" (index {index}) overlap; merge \
                         them, or create the set with auto-merge",
                        error.conflict_element.clone().unwrap_or_default(),
                        error.conflict_index.unwrap_or_default(),
                        error.element.clone().unwrap_or_default(),
                    );
                }
                error
            },
        )?;
        self.added += plan.add.len();
        self.removed += plan.remove.len();
        let delete = self.header(index, NFT_MSG_DELSETELEM, 0, resolved);
        for element in &plan.remove {
            let (first, second) = element::parts(def, element);
            for part in [Some(first), second].into_iter().flatten() {
                self.batch.push_element(&delete, u32::MAX as usize, |w| {
                    element::write(w, def, element, part, Purpose::Identify)
                });
            }
        }
        let add = self.header(index, NFT_MSG_NEWSETELEM, NLM_F_CREATE, resolved);
        for (origin, element) in &plan.add {
            let (first, second) = element::parts(def, element);
            for part in [Some(first), second].into_iter().flatten() {
                self.batch.push_element(&add, *origin, |w| {
                    element::write(w, def, element, part, Purpose::Write)
                });
            }
        }
        Ok(())
    }

    fn create_set(&mut self, index: usize, def: &SetDef, exclusive: bool) -> Result<()> {
        let def = checked_definition(def)?;
        let id = self.next_set_id;
        self.next_set_id += 1;
        let flags = NLM_F_CREATE | if exclusive { NLM_F_EXCL } else { 0 };
        self.batch
            .push(NFT_MSG_NEWSET, flags, def.family.nfproto(), index, |w| {
                def.write_newset(w, id)
            });
        let set = SetRef::new(def.family, &def.table, &def.name);
        self.sets.insert(
            set,
            Resolved {
                def,
                set_id: Some(id),
            },
        );
        Ok(())
    }

    fn resolve(&mut self, client: &mut Client, set: &SetRef) -> Result<Resolved> {
        check_ref(set)?;
        if let Some(resolved) = self.sets.get(set) {
            return Ok(resolved.clone());
        }
        // The set is read only to encode the elements, so a failure is
        // reported as the caller's operation (`add element`), not `get set`.
        let def = client.get_set(set).map_err(|mut error| {
            error.operation = None;
            error
        })?;
        let resolved = Resolved { def, set_id: None };
        self.sets.insert(set.clone(), resolved.clone());
        Ok(resolved)
    }

    fn parse(
        &self,
        def: &SetDef,
        verb: Verb,
        elements: &crate::input::Elements,
    ) -> Result<Vec<Pending>> {
        if def.key.is_none() {
            return Err(Error::new(
                ErrorKind::NotSupported,
                format!(
                    "set {} has key type 0x{:x} of {} bytes, which nftset cannot encode; use the \
                     low-level Batch API with raw key bytes",
                    def.name, def.key_type_id, def.key_len
                ),
            ));
        }
        let options = ParseOptions {
            host_bits: self.host_bits,
            key_only: matches!(verb, Verb::Delete | Verb::Destroy),
        };
        let mut pending = Vec::with_capacity(elements.len());
        elements.try_for_each(|index, input| {
            let element = element::parse(def, &input, options)
                .map_err(|message| invalid_element(elements, index, message))?;
            pending.push(Pending { element, index });
            Ok::<(), Error>(())
        })?;
        Ok(pending)
    }

    /// Parses and writes the elements of a set without `flags interval` one
    /// at a time, so that a large load never holds all parsed elements.
    fn stream_elements(
        &mut self,
        index: usize,
        verb: Verb,
        resolved: &Resolved,
        elements: &crate::input::Elements,
    ) -> Result<()> {
        let def = &resolved.def;
        check_typed(def)?;
        let (command, flags, purpose) = verb_message(verb);
        let options = ParseOptions {
            host_bits: self.host_bits,
            key_only: purpose == Purpose::Identify,
        };
        let header = self.header(index, command, flags, resolved);
        let batch = &mut self.batch;
        elements.try_for_each(|position, input| {
            let element = element::parse(def, &input, options)
                .map_err(|message| invalid_element(elements, position, message))?;
            batch.push_element(&header, position, |w| {
                element::write(w, def, &element, Part::Plain, purpose)
            });
            Ok::<(), Error>(())
        })
    }

    fn header(&self, index: usize, command: u16, flags: u16, resolved: &Resolved) -> ListHeader {
        ListHeader {
            command,
            flags,
            family: resolved.def.family.nfproto(),
            table: resolved.def.table.clone(),
            set: resolved.def.name.clone(),
            set_id: resolved.set_id,
            operation: index,
        }
    }

    fn write_elements(
        &mut self,
        client: &mut Client,
        index: usize,
        verb: Verb,
        resolved: &Resolved,
        pending: Vec<Pending>,
        elements: &crate::input::Elements,
    ) -> Result<()> {
        let def = &resolved.def;
        let (command, flags, purpose) = match verb {
            Verb::Add => (NFT_MSG_NEWSETELEM, NLM_F_CREATE, Purpose::Write),
            Verb::Create => (
                NFT_MSG_NEWSETELEM,
                NLM_F_CREATE | NLM_F_EXCL,
                Purpose::Write,
            ),
            Verb::Delete => (NFT_MSG_DELSETELEM, 0, Purpose::Identify),
            Verb::Destroy => (NFT_MSG_DESTROYSETELEM, 0, Purpose::Identify),
        };
        if def.is_interval() && purpose == Purpose::Write {
            if def.auto_merge && !def.is_concat_interval() {
                return self.merge_elements(client, index, resolved, pending);
            }
            check_overlaps(def, &pending, elements)?;
            if tracks_ranges(def) {
                self.check_existing_overlaps(client, resolved, &pending, elements)?;
            }
        }
        let header = self.header(index, command, flags, resolved);
        for item in &pending {
            let (first, second) = element::parts(def, &item.element);
            for part in [Some(first), second].into_iter().flatten() {
                self.batch.push_element(&header, item.index, |w| {
                    element::write(w, def, &item.element, part, purpose)
                });
            }
        }
        Ok(())
    }

    /// Adds to an `auto-merge` set the way nft does: read the set, merge
    /// overlapping and adjacent ranges, then delete the ranges a merged one
    /// replaces and add the merged ranges, in this batch.
    fn merge_elements(
        &mut self,
        client: &mut Client,
        index: usize,
        resolved: &Resolved,
        pending: Vec<Pending>,
    ) -> Result<()> {
        let def = &resolved.def;
        let (set, existing) = self.take_merged(client, resolved)?;
        let incoming = intervals(&pending);
        let plan = interval::merge(&existing, &incoming);

        let delete = self.header(index, NFT_MSG_DELSETELEM, 0, resolved);
        for range in &plan.remove {
            let element = range_element(range);
            let (first, second) = element::parts(def, &element);
            for part in [Some(first), second].into_iter().flatten() {
                self.batch.push_element(&delete, u32::MAX as usize, |w| {
                    element::write(w, def, &element, part, Purpose::Identify)
                });
            }
        }
        let add = self.header(index, NFT_MSG_NEWSETELEM, NLM_F_CREATE, resolved);
        for range in &plan.add {
            let source = &pending[range.index];
            let mut element = source.element.clone();
            element.key = crate::key::KeyRange {
                lo: range.lo,
                hi: range.hi,
                is_range: range.lo != range.hi,
            };
            let (first, second) = element::parts(def, &element);
            for part in [Some(first), second].into_iter().flatten() {
                self.batch.push_element(&add, source.index, |w| {
                    element::write(w, def, &element, part, Purpose::Write)
                });
            }
        }

        let removed: HashSet<(KeyBuf, KeyBuf)> = plan
            .remove
            .iter()
            .map(|range| (range.lo, range.hi))
            .collect();
        let mut after: Vec<Interval> = existing
            .into_iter()
            .filter(|range| !removed.contains(&(range.lo, range.hi)))
            .collect();
        after.extend(plan.add.iter().copied());
        self.merged.insert(set, after);
        Ok(())
    }

    /// Removes and returns the ranges an auto-merge set will have once the
    /// earlier operations of this batch apply. They are read from the
    /// kernel when no earlier add in this batch merged into the set.
    fn take_merged(
        &mut self,
        client: &mut Client,
        resolved: &Resolved,
    ) -> Result<(SetRef, Vec<Interval>)> {
        let def = &resolved.def;
        let set = SetRef::new(def.family, &def.table, &def.name);
        if let Some(ranges) = self.merged.remove(&set) {
            return Ok((set, ranges));
        }
        let mut ranges = if resolved.set_id.is_some() {
            Vec::new()
        } else {
            existing_ranges(client, def)?
        };
        if let Some(deleted) = self.deleted.remove(&set) {
            ranges.retain(|range| !deleted.contains(&(range.lo, range.hi)));
        }
        Ok((set, ranges))
    }

    /// Rejects ranges that overlap a range the set holds, or will hold once
    /// the earlier operations of this batch apply, and records the new
    /// ranges for the operations after this one.
    ///
    /// Linux 6.18 does not reject every such range itself. An add of
    /// `10.0.0.4-10.0.0.9` next to `10.0.0.5-10.0.0.9` shares its end
    /// element with the existing range, which the kernel takes for a repeat
    /// and skips, and leaves a start element with no end: nft then lists
    /// `10.0.0.4` alone. nft avoids this by checking against the set it
    /// reads first, and so does this check.
    ///
    /// NOTE: this reads the whole set once per transaction, as nft does; a
    /// one-range add to a large interval set costs a full dump.
    fn check_existing_overlaps(
        &mut self,
        client: &mut Client,
        resolved: &Resolved,
        pending: &[Pending],
        elements: &crate::input::Elements,
    ) -> Result<()> {
        let def = &resolved.def;
        let (set, mut ranges) = self.take_merged(client, resolved)?;
        let incoming = intervals(pending);
        if let Some((existing, position)) = interval::find_existing_overlap(&ranges, &incoming) {
            let held = ranges
                .iter()
                .find(|range| range.index == existing)
                .expect("the overlap names a range of the list");
            let key_type = def.key.as_ref().expect("parsed against a typed set");
            let mut held_text = String::new();
            key_type.format_range(&held.lo, &held.hi, &mut held_text);
            let index = pending[position].index;
            let shown = elements.display(index).unwrap_or_default();
            let mut error = Error::new(
                ErrorKind::Kernel(libc::EEXIST),
                format!(
                    "element \"{shown}\" overlaps an existing range of set {set}, {held_text}; \
                     delete that range first, or create the set with auto-merge. Nothing was \
                     applied: the transaction was not sent."
                ),
            );
            error.element_index = Some(index);
            error.element = Some(shown);
            error.line = elements.line(index);
            error.conflict_element = Some(held_text);
            return Err(error);
        }
        // A range added again is listed twice. find_existing_overlap takes an
        // identical range for no overlap, so the repeat does no harm, and
        // sets with auto-merge, whose plans could delete it twice, never
        // come here.
        let first_index = ranges.iter().map(|held| held.index + 1).max().unwrap_or(0);
        ranges.extend(
            incoming
                .iter()
                .enumerate()
                .map(|(offset, range)| Interval::new(range.lo, range.hi, first_index + offset)),
        );
        self.merged.insert(set, ranges);
        Ok(())
    }

    /// Records the ranges that a delete in this batch removes from a
    /// single-field interval set, so that a later add neither merges with
    /// them nor is checked against them.
    fn forget_merged(&mut self, set: &SetRef, pending: &[Pending]) {
        let bounds = pending
            .iter()
            .map(|item| (item.element.key.lo, item.element.key.hi));
        match self.merged.get_mut(set) {
            Some(ranges) => {
                let deleted: HashSet<(KeyBuf, KeyBuf)> = bounds.collect();
                ranges.retain(|range| !deleted.contains(&(range.lo, range.hi)));
            }
            None => self.deleted.entry(set.clone()).or_default().extend(bounds),
        }
    }

    /// Changes the values of map keys: each key is removed if present and
    /// added with its new value, in this batch.
    fn update_elements(
        &mut self,
        client: &mut Client,
        index: usize,
        resolved: &Resolved,
        pending: Vec<Pending>,
    ) -> Result<()> {
        let def = &resolved.def;
        let header_add = self.header(index, NFT_MSG_NEWSETELEM, NLM_F_CREATE, resolved);
        if kernel_before(6, 3) {
            // Without DESTROYSETELEM, delete only the keys the set holds now.
            let present = if resolved.set_id.is_some() {
                Vec::new()
            } else {
                present_keys(client, def)?
            };
            let header = self.header(index, NFT_MSG_DELSETELEM, 0, resolved);
            for item in pending
                .iter()
                .filter(|item| present.binary_search(&item.element.key.lo).is_ok())
            {
                self.push_parts(&header, def, item, Purpose::Identify);
            }
        } else {
            let header = self.header(index, NFT_MSG_DESTROYSETELEM, 0, resolved);
            for item in &pending {
                self.push_parts(&header, def, item, Purpose::Identify);
            }
        }
        for item in &pending {
            self.push_parts(&header_add, def, item, Purpose::Write);
        }
        Ok(())
    }

    fn push_parts(&mut self, header: &ListHeader, def: &SetDef, item: &Pending, purpose: Purpose) {
        let (first, second) = element::parts(def, &item.element);
        for part in [Some(first), second].into_iter().flatten() {
            self.batch.push_element(header, item.index, |w| {
                element::write(w, def, &item.element, part, purpose)
            });
        }
    }
}

/// Checks a set definition before it is sent and returns it with the
/// flags its properties imply.
pub(crate) fn checked_definition(def: &SetDef) -> Result<SetDef> {
    check(check_name("table", &def.table), "table")?;
    check(check_name("set", &def.name), "name")?;
    if let Some(comment) = &def.comment {
        check(element::check_comment(comment), "comment")?;
    }
    if def.key.is_none() {
        return Err(Error::invalid_argument("type", "the set needs a key type"));
    }
    let mut def = def.clone();
    def.derive_flags();
    if def.auto_merge && !def.is_interval() {
        return Err(Error::invalid_argument(
            "autoMerge",
            "auto-merge needs \"flags interval\": add interval to the set's flags",
        ));
    }
    if def.auto_merge && def.is_concat_interval() {
        return Err(Error::invalid_argument(
            "autoMerge",
            "auto-merge works on single-field interval sets, not on concatenations",
        ));
    }
    if def.flags & NFT_SET_CONSTANT != 0 && def.has_timeout() {
        return Err(Error::invalid_argument(
            "flags",
            "a constant set cannot have timeouts: drop \"constant\" or the timeout",
        ));
    }
    Ok(def)
}

/// Returns the key ranges of pending elements, numbered by position.
fn intervals(pending: &[Pending]) -> Vec<Interval> {
    pending
        .iter()
        .enumerate()
        .map(|(position, item)| Interval::new(item.element.key.lo, item.element.key.hi, position))
        .collect()
}

/// Returns true for the sets whose ranges a transaction tracks as it is
/// built: single-field interval sets, which need the ranges to merge or to
/// check overlaps with.
pub(crate) fn tracks_ranges(def: &SetDef) -> bool {
    def.is_interval() && !def.is_concat_interval()
}

/// Rejects overlapping ranges inside one request, naming both elements.
/// Exact duplicates pass: the kernel accepts a repeated range in an add and
/// rejects it in a create, as it does for nft, which sends every copy.
fn check_overlaps(
    def: &SetDef,
    pending: &[Pending],
    elements: &crate::input::Elements,
) -> Result<()> {
    let intervals: Vec<Interval> = pending
        .iter()
        .enumerate()
        .map(|(position, item)| Interval::new(item.element.key.lo, item.element.key.hi, position))
        .collect();
    let key_type = def.key.as_ref().expect("parsed against a typed set");
    let overlap = if key_type.is_concat() {
        interval::find_box_overlap(key_type, &intervals)
    } else {
        interval::find_overlap(&intervals)
    };
    if let Some((a, b)) = overlap {
        let (first, second) = (pending[a].index, pending[b].index);
        let first_text = elements.display(first).unwrap_or_default();
        let second_text = elements.display(second).unwrap_or_default();
        let mut error = Error::invalid_element(
            second,
            second_text.clone(),
            format!(
                "elements \"{first_text}\" (index {first}) and \"{second_text}\" (index {second}) \
                 overlap; merge them, or create the set with auto-merge"
            ),
        );
        error.conflict_index = Some(first);
        error.conflict_element = Some(first_text);
        error.line = elements.line(second);
        return Err(error);
    }
    Ok(())
}

/// The element message, netlink flags and element content of a verb.
fn verb_message(verb: Verb) -> (u16, u16, Purpose) {
    match verb {
        Verb::Add => (NFT_MSG_NEWSETELEM, NLM_F_CREATE, Purpose::Write),
        Verb::Create => (
            NFT_MSG_NEWSETELEM,
            NLM_F_CREATE | NLM_F_EXCL,
            Purpose::Write,
        ),
        Verb::Delete => (NFT_MSG_DELSETELEM, 0, Purpose::Identify),
        Verb::Destroy => (NFT_MSG_DESTROYSETELEM, 0, Purpose::Identify),
    }
}

fn check_typed(def: &SetDef) -> Result<()> {
    if def.key.is_some() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::NotSupported,
        format!(
            "set {} has key type 0x{:x} of {} bytes, which nftset cannot encode; use the \
             low-level Batch API with raw key bytes",
            def.name, def.key_type_id, def.key_len
        ),
    ))
}

fn invalid_element(elements: &crate::input::Elements, index: usize, message: String) -> Error {
    let shown = elements.display(index).unwrap_or_default();
    let line = elements.line(index);
    let place = line
        .map(|line| format!(" on line {line}"))
        .unwrap_or_default();
    let mut error = Error::invalid_element(
        index,
        shown.clone(),
        format!("invalid element \"{shown}\"{place}: {message}"),
    );
    error.line = line;
    error
}

pub(crate) fn range_element(range: &Interval) -> Element {
    Element {
        key: crate::key::KeyRange {
            lo: range.lo,
            hi: range.hi,
            is_range: range.lo != range.hi,
        },
        data: None,
        timeout_ms: None,
        expires_ms: None,
        comment: None,
        counter: None,
    }
}

pub(crate) fn existing_ranges(client: &mut Client, def: &SetDef) -> Result<Vec<Interval>> {
    let mut elements = Vec::new();
    client.dump_elements(def, |wire| {
        match wire {
            None => elements.clear(),
            Some(wire) => {
                if let Some(key) = wire.key {
                    elements.push(interval::RbtreeElement {
                        key,
                        is_end: wire.is_end(),
                        payload: (),
                    });
                }
            }
        }
        Ok(())
    })?;
    Ok(interval::decode_rbtree(elements)
        .into_iter()
        .enumerate()
        .map(|(position, range)| Interval::new(range.lo, range.hi, position))
        .collect())
}

pub(crate) fn present_keys(client: &mut Client, def: &SetDef) -> Result<Vec<crate::key::KeyBuf>> {
    let mut keys = Vec::new();
    client.dump_elements(def, |wire| {
        match wire {
            None => keys.clear(),
            Some(wire) => {
                if let (Some(key), false) = (wire.key, wire.is_end()) {
                    keys.push(key);
                }
            }
        }
        Ok(())
    })?;
    keys.sort_unstable();
    Ok(keys)
}

pub(crate) fn check(result: std::result::Result<(), String>, path: &str) -> Result<()> {
    result.map_err(|message| Error::invalid_argument(path, message))
}

pub(crate) fn check_ref(set: &SetRef) -> Result<()> {
    check(check_name("table", &set.table), "table")?;
    check(check_name("set", &set.set), "set")
}
