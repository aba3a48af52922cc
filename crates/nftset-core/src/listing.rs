//! Listing a set in chunks, with memory bounded by the chunk size.
//!
//! Elements of sets without `flags interval` are formatted as the dump
//! arrives. The start and end elements of a single-field interval set can
//! come in any order, so those are read whole, paired into ranges, and then
//! handed out in chunks.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashSet, VecDeque};
use std::hash::{Hash, Hasher};

use crate::client::Client;
use crate::dump::ElementDump;
use crate::element::WireElement;
use crate::error::{Error, ErrorKind, Result};
use crate::interval::{self, RbtreeElement};
use crate::key::KeyType;
use crate::query::{format_one, ElementInfo};
use crate::set::SetDef;
use crate::transaction::SetRef;

/// A listing in progress.
#[derive(Debug)]
pub struct Listing {
    def: SetDef,
    key_type: KeyType,
    dump: ElementDump,
    ranges: Option<VecDeque<ElementInfo>>,
    /// Hashes of the keys listed so far, to notice a repeat.
    seen: HashSet<u64>,
}

impl Listing {
    /// Reads the set's definition and starts the dump.
    pub fn start(client: &mut Client, set: &SetRef) -> Result<Listing> {
        let def = client.get_set(set)?;
        let key_type = def.key.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::NotSupported,
                format!(
                    "set {set} has key type 0x{:x} of {} bytes, which nftset cannot decode",
                    def.key_type_id, def.key_len
                ),
            )
        })?;
        let dump = client.start_element_dump(&def)?;
        Ok(Listing {
            def,
            key_type,
            dump,
            ranges: None,
            seen: HashSet::new(),
        })
    }

    /// The set's definition.
    pub fn def(&self) -> &SetDef {
        &self.def
    }

    /// Returns the next elements: at least `min` unless the listing ends
    /// first, and at most one dump datagram more. An empty result means the
    /// listing is complete.
    pub fn next_chunk(&mut self, client: &mut Client, min: usize) -> Result<Vec<ElementInfo>> {
        if self.def.is_interval() && !self.def.is_concat_interval() {
            return self.next_ranges(client, min);
        }
        let mut chunk = Vec::with_capacity(min);
        let mut repeated = false;
        while chunk.len() < min && !self.dump.is_finished() && !repeated {
            let (def, key_type, seen) = (&self.def, &self.key_type, &mut self.seen);
            client
                .read_element_dump(def, &mut self.dump, |wire| {
                    if wire.is_catchall() {
                        return Ok(());
                    }
                    let mut hasher = DefaultHasher::new();
                    wire.key.hash(&mut hasher);
                    wire.key_end.hash(&mut hasher);
                    repeated |= !seen.insert(hasher.finish());
                    chunk.push(format_one(def, key_type, wire, None));
                    Ok(())
                })
                .map_err(|error| ruleset_changed(error, &self.def))?;
        }
        if repeated {
            // The kernel walks a hash set again from its start when it
            // resizes the table during a dump (Linux 6.18 resizes on its own
            // after many adds or deletes), which repeats elements and skips
            // others with no generation change. A repeat shows it happened.
            client.abandon_dump(&mut self.dump)?;
            let mut error = Error::new(
                ErrorKind::Interrupted,
                format!(
                    "set {} {} {} was resized by the kernel while it was listed, so the listing \
                     repeated elements; list it again",
                    self.def.family, self.def.table, self.def.name
                ),
            );
            error.operation = Some("list elements".into());
            return Err(error);
        }
        Ok(chunk)
    }

    fn next_ranges(&mut self, client: &mut Client, min: usize) -> Result<Vec<ElementInfo>> {
        if self.ranges.is_none() {
            let mut entries = Vec::new();
            while !self.dump.is_finished() {
                client
                    .read_element_dump(&self.def, &mut self.dump, |wire| {
                        if let Some(key) = wire.key {
                            // Most ranges carry nothing but their keys; only the
                            // others keep their decoded element, to save memory.
                            let is_end = wire.is_end();
                            let payload = (!is_end && has_extras(&wire)).then(|| Box::new(wire));
                            entries.push(RbtreeElement {
                                key,
                                is_end,
                                payload,
                            });
                        }
                        Ok(())
                    })
                    .map_err(|error| ruleset_changed(error, &self.def))?;
            }
            let ranges = interval::decode_rbtree(entries)
                .into_iter()
                .map(|range| {
                    let wire = range.payload.map_or_else(
                        || WireElement {
                            key: Some(range.lo),
                            ..WireElement::default()
                        },
                        |boxed| *boxed,
                    );
                    format_one(&self.def, &self.key_type, wire, Some(range.hi))
                })
                .collect();
            self.ranges = Some(ranges);
        }
        let ranges = self.ranges.as_mut().expect("filled above");
        let count = min.max(1).min(ranges.len());
        Ok(ranges.drain(..count).collect())
    }

    /// Stops early: reads and drops the rest of the dump so that the
    /// client's socket can be used again.
    pub fn abandon(mut self, client: &mut Client) -> Result<()> {
        client.abandon_dump(&mut self.dump)
    }
}

/// Rewords the `ERR_INTERRUPTED` of a dump whose replies changed
/// generation. The generation id counts every commit in the network
/// namespace, so a commit to any other table or set interrupts the listing
/// too, and the set itself may be unchanged.
fn ruleset_changed(mut error: Error, def: &SetDef) -> Error {
    if error.kind == ErrorKind::Interrupted {
        error.message = format!(
            "the ruleset changed while set {} {} {} was listed, because another commit was made \
             in this network namespace (to any table or set). Listing it again is safe.",
            def.family, def.table, def.name
        );
    }
    error
}

fn has_extras(wire: &WireElement) -> bool {
    wire.data.is_some()
        || wire.timeout_ms.is_some()
        || wire.expires_ms.is_some()
        || wire.comment.is_some()
        || wire.counter.is_some()
        || wire.open
}
