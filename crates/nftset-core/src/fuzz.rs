//! Entry points for the fuzz targets in `crates/nftset-core/fuzz` and for
//! the test that replays their corpus. Each takes arbitrary bytes and must
//! return without panicking; what they return only serves the checks.
//!
//! Not a stable API.

use std::sync::OnceLock;

use crate::attr::{Attrs, Writer};
use crate::datatype::HostBits;
use crate::element::{self, ElementInput, ParseOptions, Part, Purpose};
use crate::family::Family;
use crate::interval::{self, Interval, RbtreeElement};
use crate::key::{KeyBuf, KeyType};
use crate::query::format_all;
use crate::reply::{self, Messages};
use crate::set::{MapData, SetDef};
use crate::sys::*;

/// Set definitions the element decoders and parsers run against: one per
/// key layout nftset handles differently. Built once.
pub fn sample_sets() -> &'static [SetDef] {
    static SETS: OnceLock<Vec<SetDef>> = OnceLock::new();
    SETS.get_or_init(build_sample_sets)
}

fn build_sample_sets() -> Vec<SetDef> {
    let typed = |key: &str| KeyType::parse(key).expect("a known key type");
    let mut sets = Vec::new();

    sets.push(SetDef::new(Family::Inet, "t", "plain", typed("ipv4_addr")));

    let mut interval = SetDef::new(Family::Inet, "t", "ranges", typed("ipv4_addr"));
    interval.flags |= NFT_SET_INTERVAL;
    sets.push(interval);

    let mut concat = SetDef::new(
        Family::Inet,
        "t",
        "concat",
        typed("ipv4_addr . inet_proto . inet_service"),
    );
    concat.flags |= NFT_SET_INTERVAL;
    concat.derive_flags();
    sets.push(concat);

    let mut map = SetDef::new(Family::Ip6, "t", "map", typed("ipv6_addr"));
    map.data = Some(MapData::Value(typed("mark")));
    map.flags |= NFT_SET_TIMEOUT;
    map.counter = true;
    map.derive_flags();
    sets.push(map);

    let mut verdicts = SetDef::new(Family::Inet, "t", "verdicts", typed("ifname"));
    verdicts.data = Some(MapData::Verdict);
    verdicts.derive_flags();
    sets.push(verdicts);

    let mut ether = SetDef::new(Family::Bridge, "t", "ether", typed("ether_addr"));
    ether.data = Some(MapData::Value(typed("ipv4_addr . inet_service")));
    ether.derive_flags();
    sets.push(ether);
    sets
}

/// Parses a datagram as kernel replies: ACKs and errors with extended-ACK
/// attributes, `NLMSG_DONE`, `GETSET` replies and set events, element dumps
/// and element events against every sample set, and `NEWGEN`. Returns the
/// number of messages that parsed.
pub fn replies(data: &[u8]) -> usize {
    let sets = sample_sets();
    let mut parsed = 0;
    for message in Messages::new(data) {
        let Ok(message) = message else { break };
        parsed += 1;
        let _ = message.nfgen();
        match message.ty {
            NLMSG_ERROR => {
                let _ = reply::parse_ack(&message);
                continue;
            }
            NLMSG_DONE => {
                let _ = reply::parse_done(&message);
                continue;
            }
            _ => {}
        }
        match message.nft_command() {
            Some(NFT_MSG_NEWSET | NFT_MSG_DELSET) => {
                if let Ok(def) = SetDef::decode(&message) {
                    let _ = def.to_nft();
                }
            }
            Some(NFT_MSG_NEWSETELEM | NFT_MSG_DELSETELEM) => {
                for set in sets {
                    decode_elements(set, &message);
                }
            }
            _ => {
                for attr in message.attrs().flatten() {
                    if attr.ty == NFTA_GEN_ID {
                        let _ = attr.u32_be();
                    }
                }
            }
        }
    }
    parsed
}

/// Decodes the element list of one message as a dump would, then formats
/// the elements as a listing does.
fn decode_elements(set: &SetDef, message: &reply::Message<'_>) {
    let mut wire = Vec::new();
    for attr in message.attrs() {
        let Ok(attr) = attr else { return };
        if attr.ty != NFTA_SET_ELEM_LIST_ELEMENTS {
            continue;
        }
        for nest in attr.nested() {
            let Ok(nest) = nest else { return };
            match element::decode(set, &nest) {
                Ok(element) => wire.push(element),
                Err(_) => return,
            }
        }
    }
    if let Some(key_type) = &set.key {
        let listed = format_all(set, key_type, wire);
        for info in listed {
            let _ = info.to_nft();
        }
    }
}

/// Parses `data` as element text against the sample set its first byte
/// picks, and when it parses, writes its element nests and decodes them
/// again. Returns true when the text parsed.
pub fn element_literal(data: &[u8]) -> bool {
    let Some((&selector, text)) = data.split_first() else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    let sets = sample_sets();
    let set = &sets[usize::from(selector) % sets.len()];
    let options = ParseOptions {
        host_bits: if selector & 0x80 != 0 {
            HostBits::Reject
        } else {
            HostBits::Mask
        },
        key_only: selector & 0x40 != 0,
    };
    let Ok(parsed) = element::parse(set, &ElementInput::Text(text), options) else {
        return false;
    };

    let purpose = if options.key_only {
        Purpose::Identify
    } else {
        Purpose::Write
    };
    let (first, second) = element::parts(set, &parsed);
    let mut buf = Vec::new();
    let mut w = Writer::new(&mut buf);
    for part in [Some(first), second].into_iter().flatten() {
        let nest = w.begin_nest(NFTA_LIST_ELEM);
        element::write(&mut w, set, &parsed, part, purpose);
        w.end_nest(nest);
    }
    for nest in Attrs::new(&buf) {
        let nest = nest.expect("nftset writes well-formed nests");
        element::decode(set, &nest).expect("nftset decodes the nests it writes");
    }

    if first == Part::Plain && !options.key_only {
        let key_type = set.key.as_ref().expect("sample sets are typed");
        let mut text = String::new();
        key_type.format_range(&parsed.key.lo, &parsed.key.hi, &mut text);
    }
    true
}

/// Reads `data` as 4-byte range bounds and runs the interval checks, the
/// auto-merge planner and the range decoder on them. Panics when the merge
/// plan breaks its own rules.
pub fn intervals(data: &[u8]) -> usize {
    let keys: Vec<KeyBuf> = data.chunks_exact(4).map(KeyBuf::from_slice).collect();
    let ranges: Vec<Interval> = keys
        .chunks_exact(2)
        .enumerate()
        .map(|(index, pair)| {
            let (lo, hi) = if pair[0] <= pair[1] {
                (pair[0], pair[1])
            } else {
                (pair[1], pair[0])
            };
            Interval::new(lo, hi, index)
        })
        .collect();
    let split = ranges.len() / 2;
    let (existing, incoming) = ranges.split_at(split);

    let _ = interval::find_overlap(&ranges);
    if interval::find_overlap(existing).is_none() {
        let _ = interval::find_existing_overlap(existing, incoming);
        let plan = interval::merge(existing, incoming);
        for pair in plan.add.windows(2) {
            assert!(
                pair[0].hi < pair[1].lo,
                "merged ranges overlap or are out of order: {pair:?}"
            );
        }
        for range in &plan.remove {
            assert!(
                existing
                    .iter()
                    .any(|e| e.lo == range.lo && e.hi == range.hi),
                "the plan removes a range that does not exist: {range:?}"
            );
        }
    }
    let pair_key = KeyType::parse("ipv4_addr . inet_service").expect("a known key type");
    let boxes: Vec<Interval> = data
        .chunks_exact(12)
        .enumerate()
        .map(|(index, chunk)| {
            let mut lo = [0u8; 8];
            let mut hi = [0u8; 8];
            lo[..4].copy_from_slice(&chunk[..4]);
            lo[4..6].copy_from_slice(&chunk[4..6]);
            hi[..4].copy_from_slice(&chunk[6..10]);
            hi[4..6].copy_from_slice(&chunk[10..12]);
            let (lo, hi) = (KeyBuf::from_slice(&lo), KeyBuf::from_slice(&hi));
            let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
            Interval::new(lo, hi, index)
        })
        .collect();
    let _ = interval::find_box_overlap(&pair_key, &boxes);

    let elements: Vec<RbtreeElement<usize>> = keys
        .iter()
        .enumerate()
        .map(|(index, key)| RbtreeElement {
            key: *key,
            is_end: data.get(index).is_some_and(|byte| byte & 1 == 1),
            payload: index,
        })
        .collect();
    interval::decode_rbtree(elements).len()
}
