//! Helpers of the golden tests: encoding the way `commit.rs` does, removing
//! the differences from nft that are intended, decoding, and hexdumps.

use std::fmt::Write as _;

use nftset_core::batch::{Batch, FinishedBatch, ListHeader};
use nftset_core::element::{self, Element, ElementInput, ParseOptions, Part, Purpose, WireElement};
use nftset_core::key::{KeyBuf, KeyType};
use nftset_core::reply::{Message, Messages};
use nftset_core::set::SetDef;
use nftset_core::sys::*;
use nftset_core::{Family, Verb};

/// Length of `BATCH_BEGIN` and `BATCH_END` without attributes.
const MARKER_LEN: usize = 20;
/// Length of `nlmsghdr` plus `nfgenmsg`, where attributes start.
const HEADER_LEN: usize = 20;

/// Creates set `s` of table `inet t`, the set of every captured scenario.
pub fn set(key: &str) -> SetDef {
    let key = KeyType::parse(key).expect("a valid key type");
    SetDef::new(Family::Inet, "t", "s", key)
}

/// Returns the name of the running test, which libtest gives its thread.
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("golden")
        .to_string()
}

// ---------------------------------------------------------------------------
// Encoding

/// Encodes `add set` the way `commit.rs` does: flags derived from the
/// definition, `NLM_F_CREATE`, set id 1. Returns the `NEWSET` message.
pub fn encode_newset(def: &SetDef) -> Vec<u8> {
    let mut batch = Batch::new(0);
    push_newset(&mut batch, def);
    messages_between_markers(&batch.finish())
}

/// Writes the `NEWSET` message of `def`, whose flags are already derived.
pub fn push_newset(batch: &mut Batch, def: &SetDef) {
    batch.push(NFT_MSG_NEWSET, NLM_F_CREATE, def.family.nfproto(), 0, |w| {
        def.write_newset(w, 1)
    });
}

/// Returns `def` with the flags `commit.rs` derives before sending it.
pub fn derived(def: &SetDef) -> SetDef {
    let mut def = def.clone();
    def.derive_flags();
    def
}

/// Parses element texts against `def`; delete only needs the keys.
pub fn parse_elements(def: &SetDef, verb: Verb, texts: &[&str]) -> Vec<Element> {
    let options = ParseOptions {
        key_only: matches!(verb, Verb::Delete | Verb::Destroy),
        ..ParseOptions::default()
    };
    texts
        .iter()
        .map(|text| {
            element::parse(def, &ElementInput::Text(text), options)
                .unwrap_or_else(|error| panic!("element \"{text}\" does not parse: {error}"))
        })
        .collect()
}

/// Maps a verb to its command, netlink flags and element content, as
/// `commit.rs` does.
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

/// Writes the element list of one operation the way `commit.rs` does: for
/// each element, its wire parts in the order `element::parts` lists them.
pub fn push_elements(
    batch: &mut Batch,
    def: &SetDef,
    verb: Verb,
    set_id: Option<u32>,
    elements: &[Element],
) {
    let (command, flags, purpose) = verb_message(verb);
    let header = ListHeader {
        command,
        flags,
        family: def.family.nfproto(),
        table: def.table.clone(),
        set: def.name.clone(),
        set_id,
        operation: 0,
    };
    for (index, item) in elements.iter().enumerate() {
        let (first, second) = element::parts(def, item);
        for part in [Some(first), second].into_iter().flatten() {
            batch.push_element(&header, index, |w| {
                element::write(w, def, item, part, purpose)
            });
        }
    }
}

/// Encodes one element operation on a set that exists already, so with
/// no set id. Returns the element message.
pub fn encode_elements(def: &SetDef, verb: Verb, elements: &[Element]) -> Vec<u8> {
    let mut batch = Batch::new(0);
    push_elements(&mut batch, def, verb, None, elements);
    messages_between_markers(&batch.finish())
}

/// Encodes `flush set` the way `commit.rs` does: `DELSETELEM` without an
/// element list, with the set name before the table as nft writes them.
pub fn encode_flush(def: &SetDef) -> Vec<u8> {
    let mut batch = Batch::new(0);
    batch.push(NFT_MSG_DELSETELEM, 0, def.family.nfproto(), 0, |w| {
        w.string(NFTA_SET_ELEM_LIST_SET, &def.name);
        w.string(NFTA_SET_ELEM_LIST_TABLE, &def.table);
    });
    messages_between_markers(&batch.finish())
}

/// Returns the bytes between `BATCH_BEGIN` and `BATCH_END` of a batch.
pub fn messages_between_markers(batch: &FinishedBatch) -> Vec<u8> {
    let bytes = batch.to_bytes();
    let messages = split(&bytes);
    assert_eq!(messages.first().map(|m| m.ty), Some(NFNL_MSG_BATCH_BEGIN));
    assert_eq!(messages.last().map(|m| m.ty), Some(NFNL_MSG_BATCH_END));
    bytes[MARKER_LEN..bytes.len() - MARKER_LEN].to_vec()
}

/// Splits a run of netlink messages.
pub fn split(bytes: &[u8]) -> Vec<Message<'_>> {
    Messages::new(bytes)
        .collect::<Result<_, _>>()
        .expect("well-formed netlink messages")
}

// ---------------------------------------------------------------------------
// Normalisation of nft's bytes

/// nft's bytes after [`normalise`], with counts of what it changed, so
/// that a test can assert that each intended difference was there.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Normalised {
    /// The bytes after normalisation.
    pub bytes: Vec<u8>,
    /// Element messages that carried `NFTA_SET_ELEM_LIST_SET_ID`.
    pub set_ids_dropped: usize,
    /// Element messages that began with an all-zero `INTERVAL_END` element.
    pub zero_ends_dropped: usize,
    /// Element nests whose type was not `NFTA_LIST_ELEM`.
    pub nests_renumbered: usize,
}

/// Rewrites nft's element messages into what nftset sends on purpose:
///
/// - nft sends `NFTA_SET_ELEM_LIST_SET_ID` on every `NEWSETELEM`, also
///   for sets of earlier batches, which the kernel finds by name. nftset
///   sends it only for sets created in the same batch, so unless
///   `keep_set_id` is true it is removed.
/// - nft starts an addition to an interval set that its cache shows empty
///   with an `INTERVAL_END` element whose key is all zeros. The kernel
///   does not need it, and nftset does not send it, so it is removed.
/// - nft numbers the element nests of a list 1, 2, 3... The kernel ignores
///   the type of list members, and nftset types every nest
///   `NFTA_LIST_ELEM` (1), which cannot run into the flag bits of
///   `nla_type` however long the list is. The types are set to 1.
///
/// Sequence numbers need no rewriting: like nft, the tests start each
/// batch at sequence number 0, while nftset's commit continues the
/// socket's counter.
pub fn normalise(nft: &[u8], keep_set_id: bool) -> Normalised {
    let mut out = Normalised::default();
    for message in split(nft) {
        let command = message.nft_command();
        let is_element_list = matches!(
            command,
            Some(NFT_MSG_NEWSETELEM | NFT_MSG_DELSETELEM | NFT_MSG_DESTROYSETELEM)
        );
        if !is_element_list {
            out.bytes.extend_from_slice(message.bytes);
            continue;
        }
        let start = out.bytes.len();
        out.bytes.extend_from_slice(&message.bytes[..HEADER_LEN]);
        for (ty, payload) in raw_attrs(&message.bytes[HEADER_LEN..]) {
            match ty & NLA_TYPE_MASK {
                NFTA_SET_ELEM_LIST_SET_ID if !keep_set_id => out.set_ids_dropped += 1,
                NFTA_SET_ELEM_LIST_ELEMENTS => {
                    let list = normalise_list(payload, &mut out);
                    put_attr(&mut out.bytes, ty, &list);
                }
                _ => put_attr(&mut out.bytes, ty, payload),
            }
        }
        let len = (out.bytes.len() - start) as u32;
        out.bytes[start..start + 4].copy_from_slice(&len.to_ne_bytes());
    }
    out
}

fn normalise_list(list: &[u8], out: &mut Normalised) -> Vec<u8> {
    let mut rebuilt = Vec::with_capacity(list.len());
    for (index, (ty, nest)) in raw_attrs(list).into_iter().enumerate() {
        if index == 0 && is_zero_end(nest) {
            out.zero_ends_dropped += 1;
            continue;
        }
        if ty & NLA_TYPE_MASK != NFTA_LIST_ELEM {
            out.nests_renumbered += 1;
        }
        put_attr(&mut rebuilt, NFTA_LIST_ELEM | NLA_F_NESTED, nest);
    }
    rebuilt
}

/// Returns true for an element that contains only `FLAGS = INTERVAL_END` and
/// a key of zeros.
fn is_zero_end(nest: &[u8]) -> bool {
    let mut flags = None;
    let mut zero_key = false;
    for (ty, payload) in raw_attrs(nest) {
        match ty & NLA_TYPE_MASK {
            NFTA_SET_ELEM_FLAGS => flags = payload.try_into().ok().map(u32::from_be_bytes),
            NFTA_SET_ELEM_KEY => {
                zero_key = raw_attrs(payload)
                    .iter()
                    .all(|(_, value)| value.iter().all(|&byte| byte == 0))
            }
            _ => return false,
        }
    }
    flags == Some(NFT_SET_ELEM_INTERVAL_END) && zero_key
}

/// Reads attributes with their type bits as sent, flags included.
fn raw_attrs(mut data: &[u8]) -> Vec<(u16, &[u8])> {
    let mut attrs = Vec::new();
    while data.len() >= 4 {
        let len = u16::from_ne_bytes([data[0], data[1]]) as usize;
        let ty = u16::from_ne_bytes([data[2], data[3]]);
        assert!((4..=data.len()).contains(&len), "attribute of {len} bytes");
        attrs.push((ty, &data[4..len]));
        data = &data[align(len).min(data.len())..];
    }
    attrs
}

fn put_attr(buf: &mut Vec<u8>, ty: u16, payload: &[u8]) {
    buf.extend_from_slice(&((payload.len() + 4) as u16).to_ne_bytes());
    buf.extend_from_slice(&ty.to_ne_bytes());
    buf.extend_from_slice(payload);
    buf.resize(align(buf.len()), 0);
}

fn align(len: usize) -> usize {
    (len + 3) & !3
}

// ---------------------------------------------------------------------------
// Decoding

/// Decodes the one `NEWSET` message of `bytes`.
pub fn decode_set(bytes: &[u8]) -> SetDef {
    let messages = split(bytes);
    assert_eq!(messages.len(), 1, "one NEWSET message");
    assert_eq!(messages[0].nft_command(), Some(NFT_MSG_NEWSET));
    SetDef::decode(&messages[0]).expect("nft's NEWSET decodes")
}

/// Builds what [`SetDef::decode`] should return for the `NEWSET` of `def`.
/// Besides the definition, nft 1.0.6 writes an empty `typeof` record for
/// every concatenation, and `NFTA_SET_DESC_CONCAT` with the field sizes
/// for concatenated interval sets.
pub fn expected_decoded(def: &SetDef) -> SetDef {
    let mut expected = derived(def);
    let key = expected.key.clone().expect("a typed key");
    expected.key_typeof = key.is_concat();
    if expected.flags & NFT_SET_CONCAT != 0 {
        expected.concat_lengths = key.fields().iter().map(|ty| ty.size() as u32).collect();
    }
    expected
}

/// Decodes every element nest of every element message in `bytes`.
pub fn decode_elements(def: &SetDef, bytes: &[u8]) -> Vec<WireElement> {
    let mut decoded = Vec::new();
    for message in split(bytes) {
        for attr in message.attrs() {
            let attr = attr.expect("a well-formed attribute");
            if attr.ty != NFTA_SET_ELEM_LIST_ELEMENTS {
                continue;
            }
            for nest in attr.nested() {
                let nest = nest.expect("a well-formed element nest");
                decoded.push(element::decode(def, &nest).expect("the element decodes"));
            }
        }
    }
    decoded
}

/// Lists the wire elements that stand for `elements`, in sortable form, as
/// [`element::decode`] should return them.
pub fn expected_wire(def: &SetDef, elements: &[Element]) -> Vec<WireElement> {
    let mut expected = Vec::new();
    for item in elements {
        let (first, second) = element::parts(def, item);
        for part in [Some(first), second].into_iter().flatten() {
            expected.push(wire_part(item, part));
        }
    }
    expected
}

fn wire_part(item: &Element, part: Part) -> WireElement {
    if let Part::End(end) = part {
        return WireElement {
            key: Some(end),
            flags: NFT_SET_ELEM_INTERVAL_END,
            ..WireElement::default()
        };
    }
    WireElement {
        key: Some(item.key.lo),
        key_end: (part == Part::Concat).then_some(item.key.hi),
        flags: 0,
        data: item.data.clone(),
        timeout_ms: item.timeout_ms,
        expires_ms: item.expires_ms,
        comment: item.comment.clone(),
        open: part == (Part::Start { open: true }),
        counter: item.counter,
    }
}

/// Builds the all-zero `INTERVAL_END` element that nft adds to an empty
/// interval set.
pub fn zero_end(def: &SetDef) -> WireElement {
    WireElement {
        key: Some(KeyBuf::zeroed(def.key_len as usize)),
        flags: NFT_SET_ELEM_INTERVAL_END,
        ..WireElement::default()
    }
}

// ---------------------------------------------------------------------------
// Checks

/// What nft sends in an element message besides the elements themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NftAdds {
    /// `NFTA_SET_ELEM_LIST_SET_ID`, as on every `NEWSETELEM`.
    SetId,
    /// The set id, and a leading zero `INTERVAL_END` element, as on the
    /// first `NEWSETELEM` of an empty interval set.
    SetIdAndZeroEnd,
    /// Neither, as on `DELSETELEM`.
    Nothing,
}

/// Checks an element scenario both ways: nftset's encoding of `texts`
/// against nft's normalised bytes, and the decoding of nft's bytes against
/// the parsed elements.
pub fn check_elements(def: &SetDef, verb: Verb, texts: &[&str], nft: &[u8], adds: NftAdds) {
    let def = derived(def);
    let elements = parse_elements(&def, verb, texts);

    let normalised = normalise(nft, false);
    let has_set_id = adds != NftAdds::Nothing;
    assert_eq!(normalised.set_ids_dropped, usize::from(has_set_id));
    let has_zero_end = adds == NftAdds::SetIdAndZeroEnd;
    assert_eq!(normalised.zero_ends_dropped, usize::from(has_zero_end));
    let encoded = encode_elements(&def, verb, &elements);
    assert_bytes_eq(&normalised.bytes, &encoded);

    let mut expected = expected_wire(&def, &elements);
    if has_zero_end {
        expected.insert(0, zero_end(&def));
    }
    assert_eq!(decode_elements(&def, nft), expected);
}

/// Checks a `NEWSET` scenario both ways.
pub fn check_newset(def: &SetDef, nft: &[u8]) {
    assert_bytes_eq(nft, &encode_newset(&derived(def)));
    assert_eq!(decode_set(nft), expected_decoded(def));
}

/// Asserts that nft's bytes equal nftset's; on failure, panics with both
/// side by side, 4 bytes a line, and marks the lines that differ.
pub fn assert_bytes_eq(nft: &[u8], nftset: &[u8]) {
    if nft == nftset {
        return;
    }
    let first = nft
        .iter()
        .zip(nftset)
        .position(|(a, b)| a != b)
        .unwrap_or(nft.len().min(nftset.len()));
    let mut text = format!(
        "{}: bytes differ from offset {first:#06x} (nft {} bytes, nftset {} bytes)\n",
        test_name(),
        nft.len(),
        nftset.len()
    );
    text.push_str("The nft column is after normalisation; lines marked << differ.\n");
    text.push_str("offset  nft          nftset\n");
    for offset in (0..nft.len().max(nftset.len())).step_by(4) {
        let left = hex_line(nft, offset);
        let right = hex_line(nftset, offset);
        let marker = if left == right { "" } else { "  <<" };
        writeln!(text, "{offset:04x}    {left:<11}  {right:<11}{marker}").expect("write to String");
    }
    panic!("{text}");
}

fn hex_line(bytes: &[u8], offset: usize) -> String {
    let end = (offset + 4).min(bytes.len());
    let line = bytes.get(offset..end).unwrap_or_default();
    line.iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
