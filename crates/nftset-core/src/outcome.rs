//! Checking what a batch did after some of its replies were lost: the
//! elements it adds are looked up one by one.
//!
//! The check runs only when the ruleset generation moved on by exactly one
//! since the batch was sent. The batch carried the generation it was built
//! on, so that one commit was this batch or, if this batch failed, another
//! process's. A missing element that the batch adds rules this batch out,
//! because no later commit could have removed it.

use std::collections::HashMap;
use std::ops::Range;

use crate::attr::{Attr, Attrs};
use crate::batch::FinishedBatch;
use crate::client::Client;
use crate::error::{DecodeError, Result};
use crate::sys::*;

/// Maximum number of elements looked up to check one batch. The additions
/// of a larger batch are sampled evenly, so a check costs at most this many
/// round trips.
const MAX_LOOKUPS: usize = 4096;

/// Outcome of a batch whose replies were lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It committed.
    Applied,
    /// The kernel rejected it; nothing of it was applied.
    NotApplied,
    /// The outcome is unknown.
    Unknown,
}

/// A set, as element-list messages name it.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub(crate) struct SetName {
    /// `NFPROTO_*` value.
    pub family: u8,
    /// Table name.
    pub table: String,
    /// Set name.
    pub set: String,
}

/// The key of an element as it was sent: `NFTA_DATA_VALUE` of `KEY` and,
/// for a concatenated range, of `KEY_END`.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub(crate) struct ElementKey {
    /// Key bytes as sent.
    pub key: Vec<u8>,
    /// End key bytes of a concatenated range.
    pub key_end: Option<Vec<u8>>,
}

/// Returns true if the sets hold every element that messages `range` of
/// the batch add and do not delete again, sampled down to [`MAX_LOOKUPS`].
/// End elements of ranges and elements with a timeout are not checked,
/// because a lookup does not find the first and the second may expire.
pub(crate) fn additions_present(
    client: &mut Client,
    batch: &FinishedBatch,
    range: Range<usize>,
) -> Result<bool> {
    let expected = expected_elements(batch, range)?;
    let step = expected.len().div_ceil(MAX_LOOKUPS).max(1);
    for (set, key) in expected.iter().step_by(step) {
        if !client.holds_element(set, key)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Replays the element messages of the batch: the elements added and not
/// deleted afterwards, in the order they were added.
pub(crate) fn expected_elements(
    batch: &FinishedBatch,
    range: Range<usize>,
) -> std::result::Result<Vec<(SetName, ElementKey)>, DecodeError> {
    let mut expected: HashMap<(SetName, ElementKey), usize> = HashMap::new();
    let mut order = 0;
    for info in &batch.batch().messages()[range] {
        let message = Message::parse(batch.batch().message_bytes(info))?;
        match info.command {
            NFT_MSG_NEWSETELEM => {
                let Some(list) = message.list else { continue };
                for nest in list.nested() {
                    if let Some(key) = added_key(&nest?)? {
                        expected.insert((message.set_name(), key), order);
                        order += 1;
                    }
                }
            }
            NFT_MSG_DELSETELEM | NFT_MSG_DESTROYSETELEM => {
                let set = message.set_name();
                match message.list {
                    Some(list) => {
                        for nest in list.nested() {
                            if let Some(key) = element_key(&nest?)? {
                                expected.remove(&(set.clone(), key));
                            }
                        }
                    }
                    None => expected.retain(|(name, _), _| *name != set),
                }
            }
            NFT_MSG_DELSET | NFT_MSG_DESTROYSET => {
                let set = message.set_name();
                expected.retain(|(name, _), _| *name != set);
            }
            NFT_MSG_DELTABLE | NFT_MSG_DESTROYTABLE => {
                expected.retain(|(name, _), _| {
                    name.family != message.family || name.table != message.table
                });
            }
            _ => {}
        }
    }
    let mut ordered: Vec<((SetName, ElementKey), usize)> = expected.into_iter().collect();
    ordered.sort_unstable_by_key(|(_, order)| *order);
    Ok(ordered.into_iter().map(|(entry, _)| entry).collect())
}

/// The names and element list of one message of a batch.
struct Message<'a> {
    family: u8,
    table: String,
    set: String,
    list: Option<Attr<'a>>,
}

impl<'a> Message<'a> {
    fn parse(bytes: &'a [u8]) -> std::result::Result<Self, DecodeError> {
        let start = NLMSG_HDRLEN + NFGENMSG_LEN;
        let attrs = bytes
            .get(start..)
            .ok_or_else(|| DecodeError::new("batch message shorter than its headers"))?;
        let mut message = Message {
            family: bytes[NLMSG_HDRLEN],
            table: String::new(),
            set: String::new(),
            list: None,
        };
        // Element lists, sets and tables number their name attributes
        // alike: 1 is the table (or a table's name), 2 the set.
        for attr in Attrs::with_base(attrs, start) {
            let attr = attr?;
            match attr.ty {
                NFTA_SET_ELEM_LIST_TABLE => message.table = attr.string()?.to_string(),
                NFTA_SET_ELEM_LIST_SET => message.set = attr.string()?.to_string(),
                NFTA_SET_ELEM_LIST_ELEMENTS => message.list = Some(attr),
                _ => {}
            }
        }
        Ok(message)
    }

    fn set_name(&self) -> SetName {
        SetName {
            family: self.family,
            table: self.table.clone(),
            set: self.set.clone(),
        }
    }
}

/// Returns the key of an element nest that an add leaves in the set, or
/// `None` for an end element or an element with a timeout.
fn added_key(nest: &Attr<'_>) -> std::result::Result<Option<ElementKey>, DecodeError> {
    for attr in nest.nested() {
        let attr = attr?;
        match attr.ty {
            NFTA_SET_ELEM_FLAGS if attr.u32_be()? & NFT_SET_ELEM_INTERVAL_END != 0 => {
                return Ok(None)
            }
            NFTA_SET_ELEM_TIMEOUT | NFTA_SET_ELEM_EXPIRATION => return Ok(None),
            _ => {}
        }
    }
    element_key(nest)
}

fn element_key(nest: &Attr<'_>) -> std::result::Result<Option<ElementKey>, DecodeError> {
    let mut key = None;
    let mut key_end = None;
    for attr in nest.nested() {
        let attr = attr?;
        match attr.ty {
            NFTA_SET_ELEM_KEY => key = data_value(&attr)?,
            NFTA_SET_ELEM_KEY_END => key_end = data_value(&attr)?,
            _ => {}
        }
    }
    Ok(key.map(|key| ElementKey { key, key_end }))
}

fn data_value(attr: &Attr<'_>) -> std::result::Result<Option<Vec<u8>>, DecodeError> {
    for inner in attr.nested() {
        let inner = inner?;
        if inner.ty == NFTA_DATA_VALUE {
            return Ok(Some(inner.payload.to_vec()));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::Writer;
    use crate::batch::{Batch, ListHeader};

    fn header(command: u16, operation: usize) -> ListHeader {
        ListHeader {
            command,
            flags: 0,
            family: NFPROTO_INET,
            table: "t".into(),
            set: "s".into(),
            set_id: None,
            operation,
        }
    }

    fn key(w: &mut Writer<'_>, value: u8, timeout: bool) {
        if timeout {
            w.u64_be(NFTA_SET_ELEM_TIMEOUT, 1000);
        }
        let nest = w.begin_nest(NFTA_SET_ELEM_KEY);
        w.bytes(NFTA_DATA_VALUE, &[192, 0, 2, value]);
        w.end_nest(nest);
    }

    fn keys(expected: &[(SetName, ElementKey)]) -> Vec<u8> {
        expected.iter().map(|(_, key)| key.key[3]).collect()
    }

    #[test]
    fn deletes_and_flushes_cancel_additions() {
        let mut batch = Batch::new(1);
        let add = header(NFT_MSG_NEWSETELEM, 0);
        for value in [1, 2, 3] {
            batch.push_element(&add, 0, |w| key(w, value, false));
        }
        batch.push_element(&add, 0, |w| key(w, 4, true));
        let delete = header(NFT_MSG_DELSETELEM, 1);
        batch.push_element(&delete, 0, |w| key(w, 2, false));
        let batch = batch.finish();

        let expected = expected_elements(&batch, 0..batch.batch().messages().len()).unwrap();

        assert_eq!(keys(&expected), [1, 3]);
        assert_eq!(expected[0].0.table, "t");
        assert_eq!(expected[0].0.set, "s");
    }

    #[test]
    fn flush_forgets_earlier_additions() {
        let mut batch = Batch::new(1);
        batch.push_element(&header(NFT_MSG_NEWSETELEM, 0), 0, |w| key(w, 1, false));
        batch.push(NFT_MSG_DELSETELEM, 0, NFPROTO_INET, 1, |w| {
            w.string(NFTA_SET_ELEM_LIST_SET, "s");
            w.string(NFTA_SET_ELEM_LIST_TABLE, "t");
        });
        batch.push_element(&header(NFT_MSG_NEWSETELEM, 2), 0, |w| key(w, 5, false));
        let batch = batch.finish();

        let expected = expected_elements(&batch, 0..3).unwrap();

        assert_eq!(keys(&expected), [5]);
    }
}
