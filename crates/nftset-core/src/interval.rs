//! Interval arithmetic for interval sets, done in userspace as nft does it.
//!
//! Keys are in sortable form (see [`crate::key`]), so comparing their bytes
//! compares their values, and every bound here is inclusive. The kernel never
//! merges ranges and rejects only some overlaps of concatenated ranges. nft
//! merges the ranges of sets with `auto-merge` and checks single-field
//! ranges for overlaps before it sends a request. This module does the same:
//!
//! - [`find_overlap`] checks one request, as nft does for a set without
//!   `auto-merge` ("conflicting intervals specified").
//! - [`find_existing_overlap`] checks a request against the set contents
//!   ("interval overlaps with an existing one").
//! - [`find_box_overlap`] checks one request to a concatenated set, which
//!   nft 1.0.6 leaves to the kernel.
//! - [`merge`] plans an add to a set with `auto-merge`.
//! - [`end_key`] and [`decode_rbtree`] convert ranges to and from the start
//!   and end elements of a single-field interval set.
//!
//! The single-field functions work on keys of at most 16 bytes, the widest
//! basic type (`ipv6_addr`, `ifname`), and all keys of one call must have the
//! same length. They sort compact copies of the bounds rather than the
//! 144-byte [`Interval`]s, so each call makes a few allocations, never one
//! per element.

use crate::key::{KeyBuf, KeyType, MAX_FIELDS};

/// Widest key of a single-field set: `ipv6_addr` and `ifname`.
const MAX_SINGLE_KEY_LEN: usize = 16;

/// An inclusive range of keys and its position in the caller's input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    /// Lower bound.
    pub lo: KeyBuf,
    /// Upper bound, equal to `lo` for a single value.
    pub hi: KeyBuf,
    /// Position in the caller's input, which results use to name the range.
    pub index: usize,
}

impl Interval {
    /// Creates the range `[lo, hi]`.
    pub fn new(lo: KeyBuf, hi: KeyBuf, index: usize) -> Self {
        Interval { lo, hi, index }
    }

    /// Creates the range `[key, key]` of a single value.
    pub fn single(key: KeyBuf, index: usize) -> Self {
        Interval::new(key, key, index)
    }

    fn same_range(&self, other: &Interval) -> bool {
        self.lo.as_slice() == other.lo.as_slice() && self.hi.as_slice() == other.hi.as_slice()
    }
}

/// Returns the key one past `hi`, which the end element of the range
/// `[lo, hi]` carries in a single-field interval set.
///
/// Returns `None` when `hi` is the maximum key (all bytes `0xff`). Such a
/// range has no end element, and nft marks its start element as open.
pub fn end_key(hi: &KeyBuf) -> Option<KeyBuf> {
    let mut key = *hi;
    for byte in key.as_mut_slice().iter_mut().rev() {
        if *byte == 0xff {
            *byte = 0;
        } else {
            *byte += 1;
            return Some(key);
        }
    }
    None
}

/// Returns the key one below `end`: the upper bound of a range whose end
/// element carries `end`. Returns `None` when `end` is all zeros.
pub fn prev_key(end: &KeyBuf) -> Option<KeyBuf> {
    let mut key = *end;
    for byte in key.as_mut_slice().iter_mut().rev() {
        if *byte == 0 {
            *byte = 0xff;
        } else {
            *byte -= 1;
            return Some(key);
        }
    }
    None
}

/// Returns the maximum key of `len` bytes, the upper bound of an open range.
pub fn max_key(len: usize) -> KeyBuf {
    let mut key = KeyBuf::zeroed(len);
    key.as_mut_slice().fill(0xff);
    key
}

/// Bounds of one range as integers, with the position of its item in the
/// input slice and its `index`, so that sweeps need not read the item.
#[derive(Clone, Copy, Debug)]
struct Span {
    lo: u128,
    hi: u128,
    pos: usize,
    index: usize,
}

/// Reads a key of at most 16 bytes as a big-endian integer, so that integer
/// order is key order and `hi + 1` is the end element's key.
///
/// Panics if the key is longer than 16 bytes or its length is not `len`.
fn key_value(key: &KeyBuf, len: usize) -> u128 {
    let bytes = key.as_slice();
    assert!(
        bytes.len() == len && len <= MAX_SINGLE_KEY_LEN,
        "interval key of {} bytes in a call on keys of {len} bytes. Single-field keys share one \
         length of at most {MAX_SINGLE_KEY_LEN} bytes. Use find_box_overlap for concatenations.",
        bytes.len()
    );
    let mut buf = [0u8; MAX_SINGLE_KEY_LEN];
    buf[MAX_SINGLE_KEY_LEN - len..].copy_from_slice(bytes);
    u128::from_be_bytes(buf)
}

/// Writes an integer from [`key_value`] back as a key of `len` bytes.
fn value_key(value: u128, len: usize) -> KeyBuf {
    KeyBuf::from_slice(&value.to_be_bytes()[MAX_SINGLE_KEY_LEN - len..])
}

/// Returns the key length shared by `intervals`, or 0 when there are none.
fn key_len(intervals: &[Interval]) -> usize {
    intervals.first().map_or(0, |interval| interval.lo.len())
}

impl Span {
    fn to_interval(self, len: usize) -> Interval {
        Interval::new(value_key(self.lo, len), value_key(self.hi, len), self.index)
    }
}

/// Returns the spans of `intervals`, numbering positions from `first_pos`.
fn spans_from(
    intervals: &[Interval],
    len: usize,
    first_pos: usize,
) -> impl Iterator<Item = Span> + '_ {
    intervals.iter().enumerate().map(move |(i, interval)| Span {
        lo: key_value(&interval.lo, len),
        hi: key_value(&interval.hi, len),
        pos: first_pos + i,
        index: interval.index,
    })
}

/// Returns the spans of `intervals` sorted by lower bound, then upper bound,
/// then position.
fn sorted_spans(intervals: &[Interval]) -> Vec<Span> {
    let mut spans: Vec<Span> = spans_from(intervals, key_len(intervals), 0).collect();
    spans.sort_unstable_by_key(|span| (span.lo, span.hi, span.pos));
    spans
}

/// Sorts single-field ranges by lower bound, then upper bound, keeping the
/// input order of identical ranges. nft lists an interval set in this order.
///
/// Panics if the keys are longer than 16 bytes or differ in length.
pub fn sort_intervals(intervals: &mut [Interval]) {
    let mut order: Vec<usize> = sorted_spans(intervals)
        .iter()
        .map(|span| span.pos)
        .collect();

    // Position `i` receives the item at `order[i]`. Follow each cycle of that
    // permutation once, marking filled positions with usize::MAX, so that
    // each 144-byte item moves once.
    for start in 0..order.len() {
        if order[start] == usize::MAX {
            continue;
        }
        let first = intervals[start];
        let mut target = start;
        loop {
            let source = order[target];
            order[target] = usize::MAX;
            if source == start {
                intervals[target] = first;
                break;
            }
            intervals[target] = intervals[source];
            target = source;
        }
    }
}

fn ordered_pair(a: usize, b: usize) -> (usize, usize) {
    (a.min(b), a.max(b))
}

/// Finds two ranges of one request that overlap, for single-field keys.
///
/// Returns the `index` of both ranges, the lower first, for the first
/// overlapping pair in ascending key order. Identical ranges are not an
/// overlap: nft 1.0.6 sends every copy, and the kernel accepts the repeats
/// unless the request has `NLM_F_EXCL` (`nft create element`). Ranges
/// that only touch (`a.hi + 1 == b.lo`) do not overlap either, and nft keeps
/// them apart unless the set has `auto-merge`.
///
/// Panics if the keys are longer than 16 bytes or differ in length.
pub fn find_overlap(intervals: &[Interval]) -> Option<(usize, usize)> {
    let spans = sorted_spans(intervals);

    // Without an overlap so far the ranges seen are disjoint, so only the
    // previous distinct range can reach the next one.
    let mut prev: Option<&Span> = None;
    for current in &spans {
        if let Some(prev) = prev {
            if (current.lo, current.hi) == (prev.lo, prev.hi) {
                continue;
            }
            if current.lo <= prev.hi {
                return Some(ordered_pair(prev.index, current.index));
            }
        }
        prev = Some(current);
    }
    None
}

/// Finds a range of a request that overlaps a range already in the set, for
/// single-field keys.
///
/// `existing` must be disjoint, as the kernel keeps a set that nft or this
/// crate filled. Returns `(existing index, incoming index)` for the first
/// incoming range, in input order, that overlaps an existing range, and the
/// highest existing range that it overlaps. An
/// incoming range identical to an existing one is not an overlap, because
/// the kernel accepts it again unless the request has `NLM_F_EXCL`.
///
/// Panics if the keys are longer than 16 bytes or differ in length.
pub fn find_existing_overlap(
    existing: &[Interval],
    incoming: &[Interval],
) -> Option<(usize, usize)> {
    if existing.is_empty() {
        return None;
    }
    let spans = sorted_spans(existing);
    let len = key_len(existing);

    for current in incoming {
        let (lo, hi) = (key_value(&current.lo, len), key_value(&current.hi, len));
        // Only the last existing range that starts at or below `hi` needs a
        // check. The ranges before it end below its start, so none of them
        // reaches `lo` unless it does.
        let below = spans.partition_point(|span| span.lo <= hi);
        let Some(candidate) = below.checked_sub(1).map(|last| spans[last]) else {
            continue;
        };
        if candidate.hi >= lo && (candidate.lo, candidate.hi) != (lo, hi) {
            return Some((candidate.index, current.index));
        }
    }
    None
}

/// Finds two entries of a concatenated interval set that overlap.
///
/// Two entries overlap when the ranges of every field intersect. Identical
/// entries are not an overlap, because nft 1.0.6 sends both and the kernel
/// accepts the repeat unless the request has `NLM_F_EXCL`. Returns the
/// `index` of both entries, the lower first.
///
/// The entries are sorted on the first field and swept, so that each entry
/// is compared only with entries whose first field reaches it. Inputs in
/// which many entries share one first-field value cost up to O(n²).
///
/// NOTE: this check is stricter than the kernel. Linux 6.18 rejected
/// (EEXIST) new entries with a lower or upper corner inside an existing
/// entry, but accepted `10.2.0.5 . 70-100` next to `10.2.0.0/24 . 80-90`,
/// and `10.0.0.0/8 . 1-1000` around `10.5.0.0/24 . 80-90`.
///
/// Panics if a key does not have the length of `key_type`.
pub fn find_box_overlap(key_type: &KeyType, intervals: &[Interval]) -> Option<(usize, usize)> {
    let fields = field_spans(key_type);
    let fields = &fields[..key_type.fields().len()];
    let first = fields[0];

    // The first field's bounds as integers (every basic type is at most 16
    // bytes), sorted by lower bound.
    let mut spans: Vec<Span> = intervals
        .iter()
        .enumerate()
        .map(|(pos, interval)| {
            assert!(
                interval.lo.len() == key_type.len() && interval.hi.len() == key_type.len(),
                "interval bounds of {} and {} bytes do not fit {} ({} bytes)",
                interval.lo.len(),
                interval.hi.len(),
                key_type.name(),
                key_type.len()
            );
            Span {
                lo: field_value(first.lo(interval)),
                hi: field_value(first.hi(interval)),
                pos,
                index: interval.index,
            }
        })
        .collect();
    spans.sort_unstable_by_key(|span| (span.lo, span.pos));

    // Entries whose first field reaches the current entry's. Their first
    // fields all intersect the current one, so only the other fields are
    // compared.
    let mut active: Vec<Span> = Vec::new();
    for current in &spans {
        active.retain(|other| other.hi >= current.lo);
        let entry = &intervals[current.pos];
        for other in &active {
            let other = &intervals[other.pos];
            let intersects = fields[1..].iter().all(|f| f.intersects(other, entry));
            if intersects && !other.same_range(entry) {
                return Some(ordered_pair(other.index, entry.index));
            }
        }
        active.push(*current);
    }
    None
}

fn field_value(bytes: &[u8]) -> u128 {
    let mut buf = [0u8; MAX_SINGLE_KEY_LEN];
    buf[MAX_SINGLE_KEY_LEN - bytes.len()..].copy_from_slice(bytes);
    u128::from_be_bytes(buf)
}

/// Byte span of one field inside a concatenated key.
#[derive(Clone, Copy, Default)]
struct FieldSpan {
    offset: usize,
    size: usize,
}

impl FieldSpan {
    fn lo<'a>(&self, interval: &'a Interval) -> &'a [u8] {
        &interval.lo.as_slice()[self.offset..self.offset + self.size]
    }

    fn hi<'a>(&self, interval: &'a Interval) -> &'a [u8] {
        &interval.hi.as_slice()[self.offset..self.offset + self.size]
    }

    fn intersects(&self, a: &Interval, b: &Interval) -> bool {
        self.lo(a) <= self.hi(b) && self.lo(b) <= self.hi(a)
    }
}

/// Returns the span of each field, skipping the padding after it, which is
/// zero in both bounds and so cannot change a comparison.
fn field_spans(key_type: &KeyType) -> [FieldSpan; MAX_FIELDS] {
    let mut spans = [FieldSpan::default(); MAX_FIELDS];
    let mut offset = 0;
    for (i, ty) in key_type.fields().iter().enumerate() {
        spans[i] = FieldSpan {
            offset,
            size: ty.size(),
        };
        offset += key_type.field_width(i);
    }
    spans
}

/// Changes to send for an add to a set with `auto-merge`.
///
/// Send `remove` as deletions and `add` as additions in one batch. Incoming
/// ranges listed in `covered` need nothing sent. Every other incoming range
/// lies inside exactly one range of `add`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergePlan {
    /// Existing ranges that a merged range replaces, in ascending order.
    pub remove: Vec<Interval>,
    /// Merged ranges, in ascending order. Each `index` names the incoming
    /// range whose element attributes (timeout, comment) the merged range
    /// takes: the first incoming range, in ascending key order, that reached
    /// past everything before it in the merged range. nft 1.0.6 keeps the
    /// same element's comment.
    pub add: Vec<Interval>,
    /// `index` of each incoming range that needs nothing sent, because
    /// existing ranges cover it and no other incoming range extends them,
    /// in ascending order.
    pub covered: Vec<usize>,
}

/// Plans an add to a single-field set with `auto-merge`.
///
/// Overlapping ranges and ranges that touch (`a.hi + 1 == b.lo`) form one
/// merged range, across `existing` and `incoming`. A merged range that
/// contains only existing ranges is left alone, so existing ranges that no
/// incoming range extends are neither removed nor re-added. An incoming
/// range that repeats an existing one, or lies inside it, is `covered`.
///
/// NOTE: nft 1.0.6 deletes and re-adds an existing range when the same range
/// is added again. This plan sends nothing, so the element keeps its
/// counters, comment and expiration.
///
/// Use it for sets only, because nft 1.0.6 rejects `auto-merge` in a map.
///
/// Panics if the keys are longer than 16 bytes or differ in length.
pub fn merge(existing: &[Interval], incoming: &[Interval]) -> MergePlan {
    let len = key_len(existing).max(key_len(incoming));
    // Positions below `split` are existing ranges, the rest incoming.
    let split = existing.len();
    let mut spans: Vec<Span> = spans_from(existing, len, 0).collect();
    spans.extend(spans_from(incoming, len, split));

    // A wider range sorts before a narrower one with the same start, and an
    // existing range before an identical incoming one, so that a range
    // inside another never extends the merged range and never carries it.
    spans.sort_unstable_by_key(|span| (span.lo, u128::MAX - span.hi, span.pos));

    let mut sweep = MergeSweep {
        plan: MergePlan::default(),
        split,
        len,
        members: Vec::new(),
    };
    let mut group: Option<MergeGroup> = None;
    for span in &spans {
        let is_existing = span.pos < split;
        match group.as_mut() {
            Some(open) if span.lo <= open.hi || open.hi.checked_add(1) == Some(span.lo) => {
                if span.hi > open.hi {
                    open.hi = span.hi;
                    if !is_existing && open.carrier.is_none() {
                        open.carrier = Some(span.index);
                    }
                }
            }
            _ => {
                if let Some(done) = group.take() {
                    sweep.close(done);
                }
                group = Some(MergeGroup {
                    lo: span.lo,
                    hi: span.hi,
                    carrier: (!is_existing).then_some(span.index),
                });
            }
        }
        sweep.members.push(*span);
    }
    if let Some(done) = group {
        sweep.close(done);
    }

    let mut plan = sweep.plan;
    plan.covered.sort_unstable();
    plan
}

/// Ranges that overlap or touch, gathered while [`merge`] sweeps.
struct MergeGroup {
    lo: u128,
    hi: u128,
    /// `index` of the first incoming range that extended the group.
    carrier: Option<usize>,
}

/// State of the [`merge`] sweep.
struct MergeSweep {
    plan: MergePlan,
    split: usize,
    len: usize,
    /// Ranges of the open group.
    members: Vec<Span>,
}

impl MergeSweep {
    fn close(&mut self, group: MergeGroup) {
        let (split, len) = (self.split, self.len);
        match group.carrier {
            // The group grew past its existing ranges: replace them.
            Some(carrier) => {
                let existing = self.members.iter().filter(|span| span.pos < split);
                self.plan
                    .remove
                    .extend(existing.map(|span| span.to_interval(len)));
                let merged = Span {
                    lo: group.lo,
                    hi: group.hi,
                    pos: 0,
                    index: carrier,
                };
                self.plan.add.push(merged.to_interval(len));
            }
            // Existing ranges already cover the group: change nothing.
            None => {
                let incoming = self.members.iter().filter(|span| span.pos >= split);
                self.plan.covered.extend(incoming.map(|span| span.index));
            }
        }
        self.members.clear();
    }
}

/// One element of a single-field interval set, as a dump returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RbtreeElement<P> {
    /// `NFTA_SET_ELEM_KEY`, in sortable form.
    pub key: KeyBuf,
    /// True if `NFTA_SET_ELEM_FLAGS` has `NFT_SET_ELEM_INTERVAL_END`.
    pub is_end: bool,
    /// Caller data, such as the element's map value, timeout and comment.
    pub payload: P,
}

/// A range decoded from the start and end elements of a dump.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedRange<P> {
    /// Key of the start element.
    pub lo: KeyBuf,
    /// One below the key of the end element, or the maximum key when the
    /// start element has no end element after it.
    pub hi: KeyBuf,
    /// Payload of the start element.
    pub payload: P,
}

/// Pairs the start and end elements of a single-field interval set into
/// ranges, in ascending order.
///
/// Elements may come in any order, and the kernel returns them in
/// descending order. They are sorted by key, an end element before a start
/// element with the same key, because one range may end where the next
/// begins. A start followed by an end `e` gives `[start, e - 1]`. A start
/// followed by another start, or by nothing, gives `[start, max]`. An end
/// with no start before it is skipped, such as the all-zero end element that
/// nft adds in front of the first range of an empty set. The payloads of end
/// elements are dropped.
///
/// Panics if the keys are longer than 16 bytes or differ in length.
pub fn decode_rbtree<P>(elements: Vec<RbtreeElement<P>>) -> Vec<DecodedRange<P>> {
    let len = elements.first().map_or(0, |element| element.key.len());
    let mut keys: Vec<(u128, bool, usize)> = elements
        .iter()
        .enumerate()
        .map(|(pos, element)| (key_value(&element.key, len), !element.is_end, pos))
        .collect();
    // Sorting on `!is_end` puts an end element before a start element with
    // the same key.
    keys.sort_unstable();
    // Payloads are taken in sorted order, so each one waits in an Option.
    let mut payloads: Vec<Option<P>> = elements.into_iter().map(|e| Some(e.payload)).collect();

    let mut ranges = Vec::with_capacity(keys.len() / 2 + 1);
    let mut start: Option<(u128, usize)> = None;
    for (key, is_start, pos) in keys {
        if is_start {
            if let Some(open) = start.replace((key, pos)) {
                ranges.push(decoded(open, None, len, &mut payloads));
            }
        } else if let Some(open) = start.take() {
            // The sort puts an end with the start's key before that start,
            // so this end is above the start and `key - 1` cannot wrap.
            ranges.push(decoded(open, Some(key - 1), len, &mut payloads));
        }
    }
    if let Some(open) = start {
        ranges.push(decoded(open, None, len, &mut payloads));
    }
    ranges
}

/// Builds the range of the start element `(key, pos)`, open when `hi` is None.
fn decoded<P>(
    (lo, pos): (u128, usize),
    hi: Option<u128>,
    len: usize,
    payloads: &mut [Option<P>],
) -> DecodedRange<P> {
    DecodedRange {
        lo: value_key(lo, len),
        hi: hi.map_or_else(|| max_key(len), |hi| value_key(hi, len)),
        payload: payloads[pos]
            .take()
            .expect("each start element is decoded once"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datatype::DataType;

    fn key(bytes: &[u8]) -> KeyBuf {
        KeyBuf::from_slice(bytes)
    }

    fn v4(lo: [u8; 4], hi: [u8; 4], index: usize) -> Interval {
        Interval::new(key(&lo), key(&hi), index)
    }

    fn v4_single(value: [u8; 4], index: usize) -> Interval {
        Interval::single(key(&value), index)
    }

    /// Builds an IPv6 key from its first two bytes and a fill byte for the
    /// rest, enough for /16 prefixes.
    fn v6(top: [u8; 2], fill: u8) -> KeyBuf {
        let mut bytes = [fill; 16];
        bytes[..2].copy_from_slice(&top);
        key(&bytes)
    }

    fn bounds(interval: &Interval) -> (&[u8], &[u8], usize) {
        (
            interval.lo.as_slice(),
            interval.hi.as_slice(),
            interval.index,
        )
    }

    #[test]
    fn end_key_adds_one() {
        let end = end_key(&key(&[10, 1, 0, 5])).unwrap();
        assert_eq!(end.as_slice(), [10, 1, 0, 6]);
    }

    #[test]
    fn end_key_carries() {
        // 10.0.0.0/24 ends at 10.0.0.255, so its end element is 10.0.1.0.
        let end = end_key(&key(&[10, 0, 0, 0xff])).unwrap();
        assert_eq!(end.as_slice(), [10, 0, 1, 0]);
        let end = end_key(&key(&[10, 0xff, 0xff, 0xff])).unwrap();
        assert_eq!(end.as_slice(), [11, 0, 0, 0]);
    }

    #[test]
    fn end_key_of_max_is_none() {
        assert_eq!(end_key(&key(&[0xff; 4])), None);
        assert_eq!(end_key(&key(&[0xff; 16])), None);
        assert_eq!(end_key(&key(&[0xff; 2])), None);
    }

    #[test]
    fn end_key_of_host_routes() {
        // 10.0.0.1/32 and ::1/128 are single values.
        assert_eq!(
            end_key(&key(&[10, 0, 0, 1])).unwrap().as_slice(),
            [10, 0, 0, 2]
        );
        let mut loopback = [0u8; 16];
        loopback[15] = 1;
        let mut expected = [0u8; 16];
        expected[15] = 2;
        assert_eq!(end_key(&key(&loopback)).unwrap().as_slice(), expected);
        // ffff:...:fffe/128 ends just below the maximum and still has an end.
        let mut below_max = [0xff; 16];
        below_max[15] = 0xfe;
        assert_eq!(end_key(&key(&below_max)).unwrap().as_slice(), [0xff; 16]);
    }

    #[test]
    fn prev_key_borrows() {
        let hi = prev_key(&key(&[10, 0, 1, 0])).unwrap();
        assert_eq!(hi.as_slice(), [10, 0, 0, 0xff]);
        let hi = prev_key(&key(&[11, 0, 0, 0])).unwrap();
        assert_eq!(hi.as_slice(), [10, 0xff, 0xff, 0xff]);
        assert_eq!(prev_key(&key(&[0; 4])), None);
    }

    #[test]
    fn max_key_is_all_ones() {
        assert_eq!(max_key(4).as_slice(), [0xff; 4]);
        assert_eq!(max_key(16).as_slice(), [0xff; 16]);
    }

    #[test]
    fn key_value_round_trip() {
        let port = key(&[0x01, 0xbb]);
        assert_eq!(key_value(&port, 2), 443);
        assert_eq!(value_key(444, 2).as_slice(), [0x01, 0xbc]);
        assert_eq!(key_value(&key(&[0xff; 16]), 16), u128::MAX);
        assert_eq!(value_key(u128::MAX, 16).as_slice(), [0xff; 16]);
        assert_eq!(value_key(0x0a00_0100, 4).as_slice(), [10, 0, 1, 0]);
    }

    #[test]
    #[should_panic(expected = "Use find_box_overlap for concatenations")]
    fn key_value_rejects_concatenations() {
        key_value(&key(&[0; 20]), 20);
    }

    #[test]
    #[should_panic(expected = "interval key of 4 bytes in a call on keys of 16 bytes")]
    fn merge_rejects_mixed_lengths() {
        let v6 = Interval::single(KeyBuf::zeroed(16), 1);
        merge(&[v4_single([10, 0, 0, 1], 0)], &[v6]);
    }

    #[test]
    fn sort_orders_by_bounds() {
        let mut intervals = vec![
            v4([10, 0, 1, 0], [10, 0, 1, 0xff], 0),
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 1),
            v4_single([10, 0, 0, 0], 2),
            v4_single([10, 0, 0, 0], 3),
        ];
        sort_intervals(&mut intervals);
        let indices: Vec<usize> = intervals.iter().map(|i| i.index).collect();
        assert_eq!(indices, [2, 3, 1, 0]);
        assert_eq!(intervals[2].hi.as_slice(), [10, 0, 0, 0xff]);
    }

    #[test]
    fn overlap_none_when_disjoint() {
        let intervals = [
            v4([192, 0, 2, 0], [192, 0, 2, 0xff], 0),
            v4([198, 51, 100, 10], [198, 51, 100, 20], 1),
            v4_single([10, 0, 0, 1], 2),
        ];
        assert_eq!(find_overlap(&intervals), None);
    }

    #[test]
    fn overlap_none_when_adjacent() {
        // 198.51.100.32, .33 and .34 stay three elements without auto-merge.
        let intervals = [
            v4_single([198, 51, 100, 33], 0),
            v4_single([198, 51, 100, 32], 1),
            v4_single([198, 51, 100, 34], 2),
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 3),
            v4([10, 0, 1, 0], [10, 0, 1, 0xff], 4),
        ];
        assert_eq!(find_overlap(&intervals), None);
    }

    #[test]
    fn overlap_ignores_identical_duplicates() {
        // nft accepts { 10.0.0.0/24, 10.0.0.0/24 } and { 10.9.0.5, 10.9.0.5 }.
        let intervals = [
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 0),
            v4_single([10, 9, 0, 5], 1),
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 2),
            v4_single([10, 9, 0, 5], 3),
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 4),
        ];
        assert_eq!(find_overlap(&intervals), None);
    }

    #[test]
    fn overlap_after_duplicates() {
        let intervals = [
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 0),
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 1),
            v4_single([10, 0, 0, 0xff], 2),
        ];
        assert_eq!(find_overlap(&intervals), Some((0, 2)));
    }

    #[test]
    fn overlap_prefix_and_value() {
        // { 192.0.2.0/24, 192.0.2.50 } is "conflicting intervals specified".
        let intervals = [
            v4([192, 0, 2, 0], [192, 0, 2, 0xff], 0),
            v4_single([192, 0, 2, 50], 1),
        ];
        assert_eq!(find_overlap(&intervals), Some((0, 1)));
    }

    #[test]
    fn overlap_same_start() {
        // { 10.0.0.0/24, 10.0.0.0/25 }, in either order.
        let slash24 = v4([10, 0, 0, 0], [10, 0, 0, 0xff], 0);
        let slash25 = v4([10, 0, 0, 0], [10, 0, 0, 0x7f], 1);
        assert_eq!(find_overlap(&[slash24, slash25]), Some((0, 1)));
        let reversed = [
            Interval {
                index: 1,
                ..slash24
            },
            Interval {
                index: 0,
                ..slash25
            },
        ];
        assert_eq!(find_overlap(&reversed), Some((0, 1)));
    }

    #[test]
    fn overlap_shared_bound() {
        let intervals = [
            v4([10, 0, 0, 10], [10, 0, 0, 20], 0),
            v4([10, 0, 0, 20], [10, 0, 0, 30], 1),
        ];
        assert_eq!(find_overlap(&intervals), Some((0, 1)));
    }

    #[test]
    fn overlap_names_input_indices() {
        let intervals = [
            v4_single([203, 0, 113, 1], 7),
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 3),
            v4([192, 0, 2, 0], [192, 0, 2, 0xff], 9),
            v4([192, 0, 2, 10], [192, 0, 2, 20], 5),
        ];
        assert_eq!(find_overlap(&intervals), Some((5, 9)));
    }

    #[test]
    fn overlap_at_zero_and_top() {
        let everything = v4([0; 4], [0xff; 4], 0);
        let zero = v4_single([0; 4], 1);
        assert_eq!(find_overlap(&[everything, zero]), Some((0, 1)));

        let top = v4_single([0xff; 4], 0);
        let top_slash24 = v4([0xff, 0xff, 0xff, 0], [0xff; 4], 1);
        assert_eq!(find_overlap(&[top, top_slash24]), Some((0, 1)));

        let below_top = v4([0xff, 0xff, 0xfe, 0], [0xff, 0xff, 0xfe, 0xff], 2);
        assert_eq!(find_overlap(&[top_slash24, below_top, zero]), None);
    }

    #[test]
    fn overlap_ipv6_prefixes() {
        // 2001:db8:11::/48 and 2001:db8:11::/64.
        let mut lo = [0u8; 16];
        lo[..6].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0x00, 0x11]);
        let mut hi48 = lo;
        hi48[6..].fill(0xff);
        let mut hi64 = lo;
        hi64[8..].fill(0xff);
        let slash48 = Interval::new(key(&lo), key(&hi48), 0);
        let slash64 = Interval::new(key(&lo), key(&hi64), 1);
        assert_eq!(find_overlap(&[slash48, slash64]), Some((0, 1)));
        assert_eq!(find_overlap(&[slash48, slash48]), None);
    }

    #[test]
    fn existing_overlap_found() {
        let existing = [
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 0),
            v4([192, 0, 2, 0], [192, 0, 2, 0xff], 1),
        ];
        // 192.0.2.128/25 inside, 192.0.0.0/16 around.
        let inside = [
            v4_single([10, 1, 0, 1], 0),
            v4([192, 0, 2, 128], [192, 0, 2, 0xff], 1),
        ];
        assert_eq!(find_existing_overlap(&existing, &inside), Some((1, 1)));
        let around = [v4([192, 0, 0, 0], [192, 0, 0xff, 0xff], 0)];
        assert_eq!(find_existing_overlap(&existing, &around), Some((1, 0)));
    }

    #[test]
    fn existing_overlap_allows_identical_and_adjacent() {
        let existing = [
            v4([192, 0, 2, 0], [192, 0, 2, 0xff], 0),
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 1),
        ];
        let incoming = [
            v4([192, 0, 2, 0], [192, 0, 2, 0xff], 0),
            v4([10, 0, 1, 0], [10, 0, 1, 0xff], 1),
            v4_single([9, 0xff, 0xff, 0xff], 2),
            v4_single([192, 0, 3, 0], 3),
        ];
        assert_eq!(find_existing_overlap(&existing, &incoming), None);
    }

    #[test]
    fn existing_overlap_open_range() {
        let existing = [v4([200, 0, 0, 0], [0xff; 4], 4)];
        let incoming = [
            v4_single([199, 0xff, 0xff, 0xff], 0),
            v4_single([0xff; 4], 1),
        ];
        assert_eq!(find_existing_overlap(&existing, &incoming), Some((4, 1)));
    }

    fn addr_port() -> KeyType {
        KeyType::new(vec![DataType::Ipv4Addr, DataType::InetService]).unwrap()
    }

    /// Builds an `ipv4_addr . inet_service` range, each field padded to 4 bytes.
    fn addr_port_range(addr: ([u8; 4], [u8; 4]), port: (u16, u16), index: usize) -> Interval {
        let mut lo = [0u8; 8];
        let mut hi = [0u8; 8];
        lo[..4].copy_from_slice(&addr.0);
        hi[..4].copy_from_slice(&addr.1);
        lo[4..6].copy_from_slice(&port.0.to_be_bytes());
        hi[4..6].copy_from_slice(&port.1.to_be_bytes());
        Interval::new(key(&lo), key(&hi), index)
    }

    #[test]
    fn box_key_layout() {
        // 10.0.0.0/8 . 80-90 is KEY 0a000000 00500000, KEY_END 0affffff 005a0000.
        let entry = addr_port_range(([10, 0, 0, 0], [10, 0xff, 0xff, 0xff]), (80, 90), 0);
        assert_eq!(entry.lo.as_slice(), [0x0a, 0, 0, 0, 0, 0x50, 0, 0]);
        assert_eq!(entry.hi.as_slice(), [0x0a, 0xff, 0xff, 0xff, 0, 0x5a, 0, 0]);
    }

    #[test]
    fn box_overlap_two_fields() {
        let key_type = addr_port();
        // The kernel returns EEXIST for 10.1.0.5 . 80-90 next to 10.1.0.0/24 . 80.
        let entries = [
            addr_port_range(([10, 1, 0, 0], [10, 1, 0, 0xff]), (80, 80), 0),
            addr_port_range(([10, 1, 0, 5], [10, 1, 0, 5]), (80, 90), 1),
        ];
        assert_eq!(find_box_overlap(&key_type, &entries), Some((0, 1)));
    }

    #[test]
    fn box_overlap_needs_every_field() {
        let key_type = addr_port();
        let entries = [
            addr_port_range(([10, 1, 0, 0], [10, 1, 0, 0xff]), (80, 80), 0),
            // Same addresses, another port.
            addr_port_range(([10, 1, 0, 5], [10, 1, 0, 5]), (81, 90), 1),
            // Same port in the next /24, which touches but does not overlap.
            addr_port_range(([10, 1, 1, 0], [10, 1, 1, 0xff]), (80, 80), 2),
            // Every port of one address outside both /24s.
            addr_port_range(([10, 1, 2, 0], [10, 1, 2, 0]), (0, 0xffff), 3),
        ];
        assert_eq!(find_box_overlap(&key_type, &entries), None);
    }

    #[test]
    fn box_overlap_crossing_entries() {
        // Neither corner of one entry lies in the other, but the boxes cross.
        let key_type = addr_port();
        let entries = [
            addr_port_range(([10, 2, 0, 0], [10, 2, 0, 0xff]), (80, 90), 0),
            addr_port_range(([10, 2, 0, 5], [10, 2, 0, 5]), (70, 100), 1),
        ];
        assert_eq!(find_box_overlap(&key_type, &entries), Some((0, 1)));
    }

    #[test]
    fn box_overlap_ignores_identical() {
        let key_type = addr_port();
        let single = addr_port_range(([10, 0, 0, 1], [10, 0, 0, 1]), (80, 80), 0);
        let entries = [single, Interval { index: 1, ..single }];
        assert_eq!(find_box_overlap(&key_type, &entries), None);
    }

    #[test]
    fn box_overlap_late_in_sweep() {
        // The first field of entry 2 starts after entry 1 ends, so only
        // entry 0 is still active when entry 2 is checked.
        let key_type = addr_port();
        let entries = [
            addr_port_range(([10, 0, 0, 0], [10, 0, 0xff, 0xff]), (443, 443), 0),
            addr_port_range(([10, 0, 0, 0], [10, 0, 0, 0xff]), (80, 80), 1),
            addr_port_range(([10, 0, 5, 0], [10, 0, 5, 0]), (400, 500), 2),
        ];
        assert_eq!(find_box_overlap(&key_type, &entries), Some((0, 2)));
    }

    #[test]
    #[should_panic(
        expected = "interval bounds of 4 and 4 bytes do not fit ipv4_addr . inet_service"
    )]
    fn box_overlap_rejects_short_keys() {
        find_box_overlap(&addr_port(), &[v4_single([10, 0, 0, 1], 0)]);
    }

    #[test]
    fn empty_inputs() {
        assert_eq!(find_overlap(&[]), None);
        assert_eq!(
            find_existing_overlap(&[], &[v4_single([10, 0, 0, 1], 0)]),
            None
        );
        assert_eq!(
            find_existing_overlap(&[v4_single([10, 0, 0, 1], 0)], &[]),
            None
        );
        assert_eq!(find_box_overlap(&addr_port(), &[]), None);
        assert_eq!(merge(&[], &[]), MergePlan::default());
        let existing = [v4_single([10, 0, 0, 1], 0)];
        assert_eq!(merge(&existing, &[]), MergePlan::default());
    }

    fn addr_proto_port() -> KeyType {
        KeyType::new(vec![
            DataType::Ipv4Addr,
            DataType::InetProto,
            DataType::InetService,
        ])
        .unwrap()
    }

    /// Builds an `ipv4_addr . inet_proto . inet_service` range of 12 bytes.
    fn addr_proto_port_range(
        addr: ([u8; 4], [u8; 4]),
        proto: (u8, u8),
        port: (u16, u16),
        index: usize,
    ) -> Interval {
        let mut lo = [0u8; 12];
        let mut hi = [0u8; 12];
        lo[..4].copy_from_slice(&addr.0);
        hi[..4].copy_from_slice(&addr.1);
        lo[4] = proto.0;
        hi[4] = proto.1;
        lo[8..10].copy_from_slice(&port.0.to_be_bytes());
        hi[8..10].copy_from_slice(&port.1.to_be_bytes());
        Interval::new(key(&lo), key(&hi), index)
    }

    #[test]
    fn box_overlap_three_fields() {
        let key_type = addr_proto_port();
        let tcp = addr_proto_port_range(([192, 0, 2, 0], [192, 0, 2, 0xff]), (6, 6), (443, 443), 0);
        let udp = addr_proto_port_range(([192, 0, 2, 7], [192, 0, 2, 7]), (17, 17), (443, 443), 1);
        assert_eq!(
            tcp.lo.as_slice(),
            [192, 0, 2, 0, 6, 0, 0, 0, 0x01, 0xbb, 0, 0]
        );
        assert_eq!(find_box_overlap(&key_type, &[tcp, udp]), None);

        let any_proto =
            addr_proto_port_range(([192, 0, 2, 7], [192, 0, 2, 7]), (0, 0xff), (1, 1024), 2);
        assert_eq!(
            find_box_overlap(&key_type, &[tcp, udp, any_proto]),
            Some((0, 2))
        );

        // UDP to the whole /24 from port 443 up meets only the UDP entry.
        let udp_high_ports = addr_proto_port_range(
            ([192, 0, 2, 0], [192, 0, 2, 0xff]),
            (17, 17),
            (443, 0xffff),
            3,
        );
        assert_eq!(
            find_box_overlap(&key_type, &[tcp, udp, udp_high_ports]),
            Some((1, 3))
        );
    }

    #[test]
    fn merge_adjacent_prefix_with_existing() {
        // 10.0.1.0/24 added to a set holding 10.0.0.0/24 gives 10.0.0.0/23.
        let existing = [v4([10, 0, 0, 0], [10, 0, 0, 0xff], 0)];
        let incoming = [v4([10, 0, 1, 0], [10, 0, 1, 0xff], 0)];
        let plan = merge(&existing, &incoming);
        assert_eq!(plan.remove.len(), 1);
        assert_eq!(
            bounds(&plan.remove[0]),
            (&[10, 0, 0, 0][..], &[10, 0, 0, 0xff][..], 0)
        );
        assert_eq!(plan.add.len(), 1);
        assert_eq!(
            bounds(&plan.add[0]),
            (&[10, 0, 0, 0][..], &[10, 0, 1, 0xff][..], 0)
        );
        assert_eq!(end_key(&plan.add[0].hi).unwrap().as_slice(), [10, 0, 2, 0]);
        assert!(plan.covered.is_empty());
    }

    #[test]
    fn merge_covered_value_sends_nothing() {
        let existing = [v4([10, 0, 0, 0], [10, 0, 1, 0xff], 0)];
        let incoming = [v4_single([10, 0, 0, 7], 0)];
        let plan = merge(&existing, &incoming);
        assert!(plan.remove.is_empty());
        assert!(plan.add.is_empty());
        assert_eq!(plan.covered, [0]);
    }

    #[test]
    fn merge_identical_range_is_covered() {
        let existing = [v4([10, 0, 0, 0], [10, 0, 0, 0xff], 0)];
        let incoming = [v4([10, 0, 0, 0], [10, 0, 0, 0xff], 0)];
        let plan = merge(&existing, &incoming);
        assert!(plan.remove.is_empty());
        assert!(plan.add.is_empty());
        assert_eq!(plan.covered, [0]);
    }

    #[test]
    fn merge_same_start_shorter_is_covered() {
        let existing = [v4([10, 0, 0, 0], [10, 0, 0, 0xff], 0)];
        let incoming = [
            v4([10, 0, 0, 0], [10, 0, 0, 0x7f], 0),
            v4_single([10, 0, 0, 0xff], 1),
        ];
        let plan = merge(&existing, &incoming);
        assert!(plan.remove.is_empty());
        assert!(plan.add.is_empty());
        assert_eq!(plan.covered, [0, 1]);
    }

    #[test]
    fn merge_duplicates_in_request() {
        let incoming = [
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 0),
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 1),
        ];
        let plan = merge(&[], &incoming);
        assert!(plan.remove.is_empty());
        assert_eq!(plan.add.len(), 1);
        assert_eq!(
            bounds(&plan.add[0]),
            (&[10, 0, 0, 0][..], &[10, 0, 0, 0xff][..], 0)
        );
        assert!(plan.covered.is_empty());
    }

    #[test]
    fn merge_bridges_existing_ranges() {
        // 10.0.1.0/24 joins 10.0.0.0/24 and 10.0.2.0/24, and 192.0.2.0/24 stays.
        let existing = [
            v4([192, 0, 2, 0], [192, 0, 2, 0xff], 0),
            v4([10, 0, 2, 0], [10, 0, 2, 0xff], 1),
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 2),
        ];
        let incoming = [v4([10, 0, 1, 0], [10, 0, 1, 0xff], 0)];
        let plan = merge(&existing, &incoming);
        assert_eq!(plan.remove.len(), 2);
        assert_eq!(
            bounds(&plan.remove[0]),
            (&[10, 0, 0, 0][..], &[10, 0, 0, 0xff][..], 2)
        );
        assert_eq!(
            bounds(&plan.remove[1]),
            (&[10, 0, 2, 0][..], &[10, 0, 2, 0xff][..], 1)
        );
        assert_eq!(plan.add.len(), 1);
        assert_eq!(
            bounds(&plan.add[0]),
            (&[10, 0, 0, 0][..], &[10, 0, 2, 0xff][..], 0)
        );
        assert!(plan.covered.is_empty());
    }

    #[test]
    fn merge_superset_replaces_existing() {
        let existing = [v4([10, 0, 0, 0], [10, 0, 0, 0xff], 0)];
        let incoming = [v4([10, 0, 0, 0], [10, 0, 0xff, 0xff], 0)];
        let plan = merge(&existing, &incoming);
        assert_eq!(plan.remove.len(), 1);
        assert_eq!(
            bounds(&plan.remove[0]),
            (&[10, 0, 0, 0][..], &[10, 0, 0, 0xff][..], 0)
        );
        assert_eq!(plan.add.len(), 1);
        assert_eq!(
            bounds(&plan.add[0]),
            (&[10, 0, 0, 0][..], &[10, 0, 0xff, 0xff][..], 0)
        );
    }

    #[test]
    fn merge_adjacent_values() {
        // { 198.51.100.32, 198.51.100.33, 198.51.100.34 } lists as .32-.34.
        let incoming = [
            v4_single([198, 51, 100, 34], 0),
            v4_single([198, 51, 100, 32], 1),
            v4_single([198, 51, 100, 33], 2),
        ];
        let plan = merge(&[], &incoming);
        assert!(plan.remove.is_empty());
        assert_eq!(plan.add.len(), 1);
        assert_eq!(
            bounds(&plan.add[0]),
            (&[198, 51, 100, 32][..], &[198, 51, 100, 34][..], 1)
        );
        assert!(plan.covered.is_empty());
    }

    #[test]
    fn merge_keeps_gaps() {
        let existing = [v4_single([10, 0, 0, 1], 0)];
        let incoming = [v4_single([10, 0, 0, 3], 0), v4_single([10, 0, 0, 5], 1)];
        let plan = merge(&existing, &incoming);
        assert!(plan.remove.is_empty());
        assert_eq!(plan.add.len(), 2);
        assert_eq!(
            bounds(&plan.add[0]),
            (&[10, 0, 0, 3][..], &[10, 0, 0, 3][..], 0)
        );
        assert_eq!(
            bounds(&plan.add[1]),
            (&[10, 0, 0, 5][..], &[10, 0, 0, 5][..], 1)
        );
        assert!(plan.covered.is_empty());
    }

    #[test]
    fn merge_carrier_extends_first() {
        // Adding 10.0.0.2 and 10.0.0.9-10.0.0.12 to 10.0.0.0-10.0.0.10 gives
        // 10.0.0.0-10.0.0.12, and nft keeps the comment of the second.
        let existing = [v4([10, 0, 0, 0], [10, 0, 0, 10], 0)];
        let incoming = [
            v4_single([10, 0, 0, 2], 0),
            v4([10, 0, 0, 9], [10, 0, 0, 12], 1),
        ];
        let plan = merge(&existing, &incoming);
        assert_eq!(plan.remove.len(), 1);
        assert_eq!(
            bounds(&plan.remove[0]),
            (&[10, 0, 0, 0][..], &[10, 0, 0, 10][..], 0)
        );
        assert_eq!(plan.add.len(), 1);
        assert_eq!(
            bounds(&plan.add[0]),
            (&[10, 0, 0, 0][..], &[10, 0, 0, 12][..], 1)
        );
        assert!(plan.covered.is_empty());
    }

    #[test]
    fn merge_carrier_is_lowest_incoming() {
        // From { 10.0.0.5-10.0.0.10, 10.0.0.0-10.0.0.5 } nft keeps the comment
        // of the second.
        let incoming = [
            v4([10, 0, 0, 5], [10, 0, 0, 10], 0),
            v4([10, 0, 0, 0], [10, 0, 0, 5], 1),
        ];
        let plan = merge(&[], &incoming);
        assert_eq!(plan.add.len(), 1);
        assert_eq!(
            bounds(&plan.add[0]),
            (&[10, 0, 0, 0][..], &[10, 0, 0, 10][..], 1)
        );
    }

    #[test]
    fn merge_covered_list_is_sorted() {
        let existing = [
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 0),
            v4([192, 0, 2, 0], [192, 0, 2, 0xff], 1),
        ];
        let incoming = [
            v4_single([192, 0, 2, 1], 0),
            v4_single([10, 0, 0, 1], 1),
            v4_single([198, 51, 100, 1], 2),
            v4_single([10, 0, 0, 9], 3),
        ];
        let plan = merge(&existing, &incoming);
        assert!(plan.remove.is_empty());
        assert_eq!(plan.add.len(), 1);
        assert_eq!(
            bounds(&plan.add[0]),
            (&[198, 51, 100, 1][..], &[198, 51, 100, 1][..], 2)
        );
        assert_eq!(plan.covered, [0, 1, 3]);
    }

    #[test]
    fn merge_leaves_adjacent_existing_alone() {
        // Existing ranges that touch each other but no incoming range.
        let existing = [
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 0),
            v4([10, 0, 1, 0], [10, 0, 1, 0xff], 1),
        ];
        let incoming = [v4_single([10, 0, 1, 7], 0)];
        let plan = merge(&existing, &incoming);
        assert!(plan.remove.is_empty());
        assert!(plan.add.is_empty());
        assert_eq!(plan.covered, [0]);
    }

    #[test]
    fn merge_at_top_of_ipv4() {
        // 255.255.254.0/24 added to 255.255.255.0/24 gives 255.255.254.0/23,
        // an open range with no end element.
        let existing = [v4([0xff, 0xff, 0xff, 0], [0xff; 4], 0)];
        let incoming = [v4([0xff, 0xff, 0xfe, 0], [0xff, 0xff, 0xfe, 0xff], 0)];
        let plan = merge(&existing, &incoming);
        assert_eq!(plan.remove.len(), 1);
        assert_eq!(
            bounds(&plan.remove[0]),
            (&[0xff, 0xff, 0xff, 0][..], &[0xff; 4][..], 0)
        );
        assert_eq!(plan.add.len(), 1);
        assert_eq!(
            bounds(&plan.add[0]),
            (&[0xff, 0xff, 0xfe, 0][..], &[0xff; 4][..], 0)
        );
        assert_eq!(end_key(&plan.add[0].hi), None);
    }

    #[test]
    fn merge_top_value_is_covered() {
        let existing = [v4([0xff, 0xff, 0xff, 0], [0xff; 4], 0)];
        let incoming = [v4_single([0xff; 4], 0)];
        let plan = merge(&existing, &incoming);
        assert!(plan.add.is_empty());
        assert!(plan.remove.is_empty());
        assert_eq!(plan.covered, [0]);
    }

    #[test]
    fn merge_at_top_of_ipv6() {
        // { ffff::/16, fffe::/16 } gives fffe::/15, open at ffff:...:ffff.
        let incoming = [
            Interval::new(v6([0xff, 0xff], 0), v6([0xff, 0xff], 0xff), 0),
            Interval::new(v6([0xff, 0xfe], 0), v6([0xff, 0xfe], 0xff), 1),
        ];
        let plan = merge(&[], &incoming);
        assert_eq!(plan.add.len(), 1);
        let mut lo = [0u8; 16];
        lo[..2].copy_from_slice(&[0xff, 0xfe]);
        assert_eq!(bounds(&plan.add[0]), (&lo[..], &[0xff; 16][..], 1));
        assert_eq!(end_key(&plan.add[0].hi), None);
    }

    #[test]
    fn merge_slash_zero_absorbs_all() {
        // 0.0.0.0/0 replaces 10.0.0.0/24 and 255.255.254.0/23.
        let existing = [
            v4([10, 0, 0, 0], [10, 0, 0, 0xff], 0),
            v4([0xff, 0xff, 0xfe, 0], [0xff; 4], 1),
        ];
        let incoming = [v4([0; 4], [0xff; 4], 0)];
        let plan = merge(&existing, &incoming);
        assert_eq!(plan.remove.len(), 2);
        assert_eq!(
            bounds(&plan.remove[0]),
            (&[10, 0, 0, 0][..], &[10, 0, 0, 0xff][..], 0)
        );
        assert_eq!(
            bounds(&plan.remove[1]),
            (&[0xff, 0xff, 0xfe, 0][..], &[0xff; 4][..], 1)
        );
        assert_eq!(plan.add.len(), 1);
        assert_eq!(bounds(&plan.add[0]), (&[0; 4][..], &[0xff; 4][..], 0));
    }

    #[test]
    fn merge_at_zero() {
        // 0.0.0.1 touches 0.0.0.0/32. A set holding 0.0.0.0/8 covers it.
        let existing = [v4_single([0; 4], 0)];
        let plan = merge(&existing, &[v4_single([0, 0, 0, 1], 0)]);
        assert_eq!(plan.remove.len(), 1);
        assert_eq!(bounds(&plan.remove[0]), (&[0; 4][..], &[0; 4][..], 0));
        assert_eq!(bounds(&plan.add[0]), (&[0; 4][..], &[0, 0, 0, 1][..], 0));

        let existing = [v4([0; 4], [0, 0xff, 0xff, 0xff], 0)];
        let plan = merge(&existing, &[v4_single([0, 0, 0, 1], 0)]);
        assert!(plan.add.is_empty());
        assert_eq!(plan.covered, [0]);
    }

    fn start(bytes: [u8; 4], payload: usize) -> RbtreeElement<usize> {
        RbtreeElement {
            key: key(&bytes),
            is_end: false,
            payload,
        }
    }

    fn end(bytes: [u8; 4], payload: usize) -> RbtreeElement<usize> {
        RbtreeElement {
            key: key(&bytes),
            is_end: true,
            payload,
        }
    }

    fn decoded(range: &DecodedRange<usize>) -> (&[u8], &[u8], usize) {
        (range.lo.as_slice(), range.hi.as_slice(), range.payload)
    }

    #[test]
    fn decode_descending_dump() {
        // Linux 6.18 dumps 10.0.0.0/24, 10.0.1.0/24 and 192.168.1.1 in this
        // order, with the 0.0.0.0 end element that nft sent first.
        let elements = vec![
            end([192, 168, 1, 2], 100),
            start([192, 168, 1, 1], 1),
            end([10, 0, 2, 0], 101),
            start([10, 0, 1, 0], 2),
            end([10, 0, 1, 0], 102),
            start([10, 0, 0, 0], 3),
            end([0, 0, 0, 0], 103),
        ];
        let ranges = decode_rbtree(elements);
        assert_eq!(ranges.len(), 3);
        assert_eq!(
            decoded(&ranges[0]),
            (&[10, 0, 0, 0][..], &[10, 0, 0, 0xff][..], 3)
        );
        assert_eq!(
            decoded(&ranges[1]),
            (&[10, 0, 1, 0][..], &[10, 0, 1, 0xff][..], 2)
        );
        assert_eq!(
            decoded(&ranges[2]),
            (&[192, 168, 1, 1][..], &[192, 168, 1, 1][..], 1)
        );
    }

    #[test]
    fn decode_ascending_and_shuffled() {
        let ascending = vec![
            end([0, 0, 0, 0], 100),
            start([10, 0, 0, 0], 1),
            end([10, 0, 1, 0], 101),
            start([10, 0, 1, 0], 2),
            end([10, 0, 2, 0], 102),
        ];
        let mut shuffled = ascending.clone();
        shuffled.swap(0, 3);
        shuffled.swap(1, 4);
        for elements in [ascending, shuffled] {
            let ranges = decode_rbtree(elements);
            assert_eq!(ranges.len(), 2);
            assert_eq!(
                decoded(&ranges[0]),
                (&[10, 0, 0, 0][..], &[10, 0, 0, 0xff][..], 1)
            );
            assert_eq!(
                decoded(&ranges[1]),
                (&[10, 0, 1, 0][..], &[10, 0, 1, 0xff][..], 2)
            );
        }
    }

    #[test]
    fn decode_open_range() {
        // 200.0.0.0 with no end element lists as 200.0.0.0-255.255.255.255.
        let ranges = decode_rbtree(vec![start([200, 0, 0, 0], 1), end([0; 4], 100)]);
        assert_eq!(ranges.len(), 1);
        assert_eq!(
            decoded(&ranges[0]),
            (&[200, 0, 0, 0][..], &[0xff; 4][..], 1)
        );
    }

    #[test]
    fn decode_start_after_start() {
        let elements = vec![
            start([198, 51, 100, 10], 1),
            start([10, 0, 0, 0], 2),
            end([10, 0, 1, 0], 100),
            start([203, 0, 113, 0], 3),
        ];
        let ranges = decode_rbtree(elements);
        assert_eq!(ranges.len(), 3);
        assert_eq!(
            decoded(&ranges[0]),
            (&[10, 0, 0, 0][..], &[10, 0, 0, 0xff][..], 2)
        );
        assert_eq!(
            decoded(&ranges[1]),
            (&[198, 51, 100, 10][..], &[0xff; 4][..], 1)
        );
        assert_eq!(
            decoded(&ranges[2]),
            (&[203, 0, 113, 0][..], &[0xff; 4][..], 3)
        );
    }

    #[test]
    fn decode_zero_start_and_max_end() {
        // 0.0.0.0/0 is a start at zero with no end. 0.0.0.0 alone ends at 0.0.0.1.
        let ranges = decode_rbtree(vec![start([0; 4], 1)]);
        assert_eq!(decoded(&ranges[0]), (&[0; 4][..], &[0xff; 4][..], 1));
        let ranges = decode_rbtree(vec![end([0, 0, 0, 1], 100), start([0; 4], 2)]);
        assert_eq!(decoded(&ranges[0]), (&[0; 4][..], &[0; 4][..], 2));
        // 255.255.255.254 ends at the maximum key, which is still an end element.
        let ranges = decode_rbtree(vec![
            end([0xff; 4], 100),
            start([0xff, 0xff, 0xff, 0xfe], 3),
        ]);
        assert_eq!(
            decoded(&ranges[0]),
            (
                &[0xff, 0xff, 0xff, 0xfe][..],
                &[0xff, 0xff, 0xff, 0xfe][..],
                3
            )
        );
    }

    #[test]
    fn decode_ipv6_open_range() {
        let elements = vec![
            RbtreeElement {
                key: v6([0xff, 0xfe], 0),
                is_end: false,
                payload: 1,
            },
            RbtreeElement {
                key: KeyBuf::zeroed(16),
                is_end: true,
                payload: 100,
            },
        ];
        let ranges = decode_rbtree(elements);
        assert_eq!(ranges.len(), 1);
        assert_eq!(ranges[0].lo.as_slice(), v6([0xff, 0xfe], 0).as_slice());
        assert_eq!(ranges[0].hi.as_slice(), [0xff; 16]);
        assert_eq!(ranges[0].payload, 1);
    }

    #[test]
    fn decode_empty_dump() {
        assert!(decode_rbtree::<usize>(Vec::new()).is_empty());
        assert!(decode_rbtree(vec![end([0; 4], 100)]).is_empty());
    }
}
