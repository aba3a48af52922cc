//! Planning a sync: the smallest change that makes a set hold exactly the
//! given elements.
//!
//! Elements are compared by their key bounds and, in maps, their value. An
//! element in both lists keeps its timeout, comment and counters. Ranges of
//! interval sets are compared whole: a range that differs only in one
//! bound is removed and the new one added.

use std::collections::HashMap;

use crate::client::Client;
use crate::element::{DataValue, Element};
use crate::error::{Error, Result};
use crate::interval::{self, Interval, RbtreeElement};
use crate::key::{KeyBuf, KeyRange};
use crate::set::SetDef;

/// The changes of a sync: elements to delete, then elements to add with
/// their index in the caller's list.
#[derive(Debug, Default)]
pub(crate) struct SyncPlan {
    /// Elements the set has but should not.
    pub remove: Vec<Element>,
    /// Elements the set should have but does not, with their input index.
    pub add: Vec<(usize, Element)>,
}

type Bounds = (KeyBuf, KeyBuf);

/// Plans the sync of `def` to `desired`. `existing` is false for a set
/// created earlier in the same batch, which starts empty.
pub(crate) fn plan(
    client: &mut Client,
    def: &SetDef,
    existing: bool,
    desired: Vec<(usize, Element)>,
) -> Result<SyncPlan> {
    let desired = normalize(def, desired)?;
    let current = if existing {
        current_elements(client, def)?
    } else {
        HashMap::new()
    };

    let mut wanted: HashMap<Bounds, usize> = HashMap::with_capacity(desired.len());
    for (position, (_, element)) in desired.iter().enumerate() {
        wanted.insert((element.key.lo, element.key.hi), position);
    }
    let mut plan = SyncPlan::default();
    for (bounds, data) in &current {
        let keep = wanted
            .get(bounds)
            .is_some_and(|&position| desired[position].1.data == *data);
        if !keep {
            plan.remove.push(bare_element(*bounds, data.clone()));
        }
    }
    for (index, element) in desired {
        let bounds = (element.key.lo, element.key.hi);
        let present = current
            .get(&bounds)
            .is_some_and(|data| *data == element.data);
        if !present {
            plan.add.push((index, element));
        }
    }
    Ok(plan)
}

/// Checks the desired ranges of an interval set. With `auto-merge`,
/// overlapping and adjacent ranges are merged, as an add would merge them.
/// Without it, an overlap is an error, as it is for an add.
fn normalize(def: &SetDef, desired: Vec<(usize, Element)>) -> Result<Vec<(usize, Element)>> {
    if !def.is_interval() {
        return Ok(desired);
    }
    let intervals: Vec<Interval> = desired
        .iter()
        .enumerate()
        .map(|(position, (_, element))| Interval::new(element.key.lo, element.key.hi, position))
        .collect();
    if def.auto_merge && !def.is_concat_interval() {
        let merged = interval::merge(&[], &intervals);
        return Ok(merged
            .add
            .iter()
            .map(|range| {
                let (index, source) = &desired[range.index];
                let mut element = source.clone();
                element.key = KeyRange {
                    lo: range.lo,
                    hi: range.hi,
                    is_range: range.lo != range.hi,
                };
                (*index, element)
            })
            .collect());
    }
    let key_type = def.key.as_ref().expect("parsed against a typed set");
    let overlap = if key_type.is_concat() {
        interval::find_box_overlap(key_type, &intervals)
    } else {
        interval::find_overlap(&intervals)
    };
    if let Some((a, b)) = overlap {
        let (first, second) = (desired[a].0, desired[b].0);
        let mut error = Error::invalid_element(
            second,
            String::new(),
            format!(
                "elements {first} and {second} overlap; merge them, or create the set with \
                 auto-merge"
            ),
        );
        error.conflict_index = Some(first);
        return Err(error);
    }
    Ok(desired)
}

/// Reads the set's elements as key bounds and values.
fn current_elements(
    client: &mut Client,
    def: &SetDef,
) -> Result<HashMap<Bounds, Option<DataValue>>> {
    let single_interval = def.is_interval() && !def.is_concat_interval();
    let mut flat: HashMap<Bounds, Option<DataValue>> = HashMap::new();
    let mut entries: Vec<RbtreeElement<Option<DataValue>>> = Vec::new();
    client.dump_elements(def, |wire| {
        let Some(wire) = wire else {
            flat.clear();
            entries.clear();
            return Ok(());
        };
        let Some(key) = wire.key else {
            return Ok(());
        };
        if single_interval {
            entries.push(RbtreeElement {
                key,
                is_end: wire.is_end(),
                payload: wire.data,
            });
        } else if !wire.is_catchall() {
            flat.insert((key, wire.key_end.unwrap_or(key)), wire.data);
        }
        Ok(())
    })?;
    for range in interval::decode_rbtree(entries) {
        flat.insert((range.lo, range.hi), range.payload);
    }
    Ok(flat)
}

fn bare_element((lo, hi): Bounds, data: Option<DataValue>) -> Element {
    Element {
        key: KeyRange {
            lo,
            hi,
            is_range: lo != hi,
        },
        data,
        timeout_ms: None,
        expires_ms: None,
        comment: None,
        counter: None,
    }
}
