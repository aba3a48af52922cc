//! Round trips with random values: every datatype printed and parsed back,
//! keys through their wire form and through nft's text, and elements
//! written as netlink nests and decoded again.

use nftset_core::attr::{Attrs, Writer};
use nftset_core::datatype::{self, DataType, HostBits};
use nftset_core::element::{self, Counter, DataValue, Element, Part, Purpose};
use nftset_core::key::{FieldInput, KeyBuf, KeyRange, KeyType};
use nftset_core::set::{MapData, SetDef};
use nftset_core::sys::{NFTA_LIST_ELEM, NFT_SET_TIMEOUT};
use nftset_core::verdict::Verdict;
use nftset_core::Family;
use proptest::prelude::*;

/// Valid sortable bytes of one field of `ty`.
fn field(ty: DataType) -> BoxedStrategy<Vec<u8>> {
    match ty {
        DataType::Ifname => "[a-z][a-z0-9_.-]{0,14}"
            .prop_map(|name| {
                let mut bytes = name.into_bytes();
                bytes.resize(16, 0);
                bytes
            })
            .boxed(),
        other => proptest::collection::vec(any::<u8>(), other.size()).boxed(),
    }
}

/// A key type of one to five fields, at most 64 bytes as the kernel
/// allows, and a key of that type, field by field.
fn typed_key() -> impl Strategy<Value = (KeyType, Vec<Vec<u8>>)> {
    proptest::collection::vec(proptest::sample::select(datatype::ALL.to_vec()), 1..=5)
        .prop_filter_map("keys over 64 bytes", |types| {
            KeyType::new(types.clone())
                .ok()
                .map(|key_type| (types, key_type))
        })
        .prop_flat_map(|(types, key_type)| {
            let fields: Vec<BoxedStrategy<Vec<u8>>> = types.iter().map(|ty| field(*ty)).collect();
            (Just(key_type), fields)
        })
}

/// Lays the fields out as the key type does, with their padding.
fn key_bytes(key_type: &KeyType, fields: &[Vec<u8>]) -> KeyBuf {
    let mut key = KeyBuf::zeroed(key_type.len());
    let mut offset = 0;
    for (index, value) in fields.iter().enumerate() {
        key.as_mut_slice()[offset..offset + value.len()].copy_from_slice(value);
        offset += key_type.field_width(index);
    }
    key
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_datatype_prints_and_parses_back(
        (ty, value) in proptest::sample::select(datatype::ALL.to_vec())
            .prop_flat_map(|ty| (Just(ty), field(ty)))
    ) {
        let mut text = String::new();
        ty.format(&value, &mut text);
        let mut parsed = vec![0u8; ty.size()];
        ty.parse(&text, &mut parsed).map_err(|error| TestCaseError::fail(error.0))?;
        prop_assert_eq!(parsed, value, "{:?} printed as {}", ty, text);
    }

    #[test]
    fn keys_round_trip_through_wire_and_text((key_type, fields) in typed_key(), interval in any::<bool>()) {
        let key = key_bytes(&key_type, &fields);

        let wire = key_type.to_wire(&key, interval);
        let back = key_type.from_wire(wire.as_slice(), interval).map_err(|error| TestCaseError::fail(error.0))?;
        prop_assert_eq!(back, key);

        let mut text = String::new();
        key_type.format(&key, &mut text);
        let parts: Vec<FieldInput<'_>> = key_type.split_literal(&text).into_iter().map(FieldInput::Text).collect();
        let range = key_type
            .parse_fields(&parts, HostBits::Reject)
            .map_err(|error| TestCaseError::fail(format!("{text}: {}", error.0)))?;
        prop_assert_eq!(range.lo, key, "{}", text);
        prop_assert_eq!(range.hi, key, "{}", text);
    }

    #[test]
    fn elements_round_trip_through_nests(
        (key_type, fields) in typed_key(),
        (data_type, data_fields) in typed_key(),
        map in 0u8..3,
        timeout in proptest::option::of(1u64..=18_446_744_073_709),
        comment in proptest::option::of("[ -~]{0,40}"),
        counter in proptest::option::of((any::<u64>(), any::<u64>())),
    ) {
        let mut def = SetDef::new(Family::Inet, "t", "s", key_type.clone());
        def.flags |= NFT_SET_TIMEOUT;
        def.counter = counter.is_some();
        let data = match map {
            1 => {
                def.data = Some(MapData::Value(data_type.clone()));
                Some(DataValue::Value(key_bytes(&data_type, &data_fields)))
            }
            2 => {
                def.data = Some(MapData::Verdict);
                Some(DataValue::Verdict(Verdict::parse("jump ban").expect("a verdict")))
            }
            _ => None,
        };
        def.derive_flags();
        let key = key_bytes(&key_type, &fields);
        let element = Element {
            key: KeyRange { lo: key, hi: key, is_range: false },
            data: data.clone(),
            timeout_ms: timeout,
            expires_ms: None,
            comment: comment.clone(),
            counter: counter.map(|(packets, bytes)| Counter { packets, bytes }),
        };

        let mut buf = Vec::new();
        let mut w = Writer::new(&mut buf);
        let nest = w.begin_nest(NFTA_LIST_ELEM);
        element::write(&mut w, &def, &element, Part::Plain, Purpose::Write);
        w.end_nest(nest);
        let nests: Vec<_> = Attrs::new(&buf).collect::<Result<_, _>>().map_err(|error| TestCaseError::fail(error.0))?;
        prop_assert_eq!(nests.len(), 1);
        let decoded = element::decode(&def, &nests[0]).map_err(|error| TestCaseError::fail(error.0))?;

        prop_assert_eq!(decoded.key, Some(key));
        prop_assert_eq!(decoded.data, data);
        prop_assert_eq!(decoded.timeout_ms, timeout);
        prop_assert_eq!(decoded.comment, comment);
        prop_assert_eq!(decoded.counter, element.counter);
    }
}
