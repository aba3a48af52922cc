//! Batch framing: `BATCH_BEGIN` and `BATCH_END` around the messages, one
//! sequence number per message, and set ids inside one batch.

use nftset_core::batch::Batch;
use nftset_core::sys::*;
use nftset_core::Verb;

use crate::support::*;

/// A set and its first element in one batch: `add set inet t s { type ipv4_addr; }`, `add
/// element inet t s { 192.0.2.1 }`.
const BATCH_SET_AND_ELEMENT: &[u8] = &[
    0x14, 0x00, 0x00, 0x00, // nlmsg_len 20
    0x10, 0x00, 0x01, 0x00, // NFNL_MSG_BATCH_BEGIN, flags REQUEST
    0x00, 0x00, 0x00, 0x00, // nlmsg_seq 0
    0x00, 0x00, 0x00, 0x00, // nlmsg_pid 0
    0x00, 0x00, 0x00, 0x0a, // nfgenmsg: family unspec, version 0, res_id 10 (nf_tables)
    0x50, 0x00, 0x00, 0x00, // nlmsg_len 80
    0x09, 0x0a, 0x01, 0x04, // NFT_MSG_NEWSET, flags REQUEST|CREATE
    0x01, 0x00, 0x00, 0x00, // nlmsg_seq 1
    0x00, 0x00, 0x00, 0x00, // nlmsg_pid 0
    0x01, 0x00, 0x00, 0x00, // nfgenmsg: family inet, version 0, res_id 0
    0x06, 0x00, 0x01, 0x00, // NFTA_SET_TABLE, len 6
    0x74, 0x00, 0x00, 0x00, //   "t\0"; padding
    0x06, 0x00, 0x02, 0x00, // NFTA_SET_NAME, len 6
    0x73, 0x00, 0x00, 0x00, //   "s\0"; padding
    0x08, 0x00, 0x03, 0x00, // NFTA_SET_FLAGS, len 8
    0x00, 0x00, 0x00, 0x00, //   be32 0
    0x08, 0x00, 0x04, 0x00, // NFTA_SET_KEY_TYPE, len 8
    0x00, 0x00, 0x00, 0x07, //   be32 7 (ipv4_addr)
    0x08, 0x00, 0x05, 0x00, // NFTA_SET_KEY_LEN, len 8
    0x00, 0x00, 0x00, 0x04, //   be32 4 bytes
    0x08, 0x00, 0x0a, 0x00, // NFTA_SET_ID, len 8
    0x00, 0x00, 0x00, 0x01, //   be32 1
    0x0a, 0x00, 0x0d, 0x00, // NFTA_SET_USERDATA, len 10: records, u32 in host order
    0x00, 0x04, 0x02, 0x00, //   udata KEYBYTEORDER, len 4; KEYBYTEORDER 2 (BIG_ENDIAN)
    0x00, 0x00, 0x00, 0x00, //   KEYBYTEORDER (bytes 2-3); padding
    0x40, 0x00, 0x00, 0x00, // nlmsg_len 64
    0x0c, 0x0a, 0x01, 0x04, // NFT_MSG_NEWSETELEM, flags REQUEST|CREATE
    0x02, 0x00, 0x00, 0x00, // nlmsg_seq 2
    0x00, 0x00, 0x00, 0x00, // nlmsg_pid 0
    0x01, 0x00, 0x00, 0x00, // nfgenmsg: family inet, version 0, res_id 0
    0x06, 0x00, 0x01, 0x00, // NFTA_SET_ELEM_LIST_TABLE, len 6
    0x74, 0x00, 0x00, 0x00, //   "t\0"; padding
    0x06, 0x00, 0x02, 0x00, // NFTA_SET_ELEM_LIST_SET, len 6
    0x73, 0x00, 0x00, 0x00, //   "s\0"; padding
    0x08, 0x00, 0x04, 0x00, // NFTA_SET_ELEM_LIST_SET_ID, len 8
    0x00, 0x00, 0x00, 0x01, //   be32 1
    0x14, 0x00, 0x03, 0x80, // NFTA_SET_ELEM_LIST_ELEMENTS, len 20, nested
    0x10, 0x00, 0x01, 0x80, //   list element, type 1, len 16, nested
    0x0c, 0x00, 0x01, 0x80, //     NFTA_SET_ELEM_KEY, len 12, nested
    0x08, 0x00, 0x01, 0x00, //       NFTA_DATA_VALUE, len 8
    0xc0, 0x00, 0x02, 0x01, //         ipv4_addr 192.0.2.1
    0x14, 0x00, 0x00, 0x00, // nlmsg_len 20
    0x11, 0x00, 0x01, 0x00, // NFNL_MSG_BATCH_END, flags REQUEST
    0x03, 0x00, 0x00, 0x00, // nlmsg_seq 3
    0x00, 0x00, 0x00, 0x00, // nlmsg_pid 0
    0x00, 0x00, 0x00, 0x0a, // nfgenmsg: family unspec, version 0, res_id 10 (nf_tables)
];

#[test]
fn set_and_element_batch() {
    let def = derived(&set("ipv4_addr"));
    let elements = parse_elements(&def, Verb::Add, &["192.0.2.1"]);
    let mut batch = Batch::new(0);
    push_newset(&mut batch, &def);
    push_elements(&mut batch, &def, Verb::Add, Some(1), &elements);
    let encoded = batch.finish().to_bytes();

    // The set is created in this batch, so both send its id 1.
    let nft = normalise(BATCH_SET_AND_ELEMENT, true);
    assert_eq!(nft.set_ids_dropped, 0);
    assert_eq!(nft.nests_renumbered, 0);
    assert_bytes_eq(&nft.bytes, &encoded);

    let messages = split(BATCH_SET_AND_ELEMENT);
    let headers: Vec<(u16, u16, u32)> = messages.iter().map(|m| (m.ty, m.flags, m.seq)).collect();
    let create = NLM_F_REQUEST | NLM_F_CREATE;
    assert_eq!(
        headers,
        [
            (NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 0),
            (nft_type(NFT_MSG_NEWSET), create, 1),
            (nft_type(NFT_MSG_NEWSETELEM), create, 2),
            (NFNL_MSG_BATCH_END, NLM_F_REQUEST, 3),
        ]
    );
    let markers = (NFPROTO_UNSPEC, NFNL_SUBSYS_NFTABLES);
    assert_eq!(messages[0].nfgen().unwrap(), markers);
    assert_eq!(messages[3].nfgen().unwrap(), markers);
    assert_eq!(decode_set(messages[1].bytes), expected_decoded(&def));
    assert_eq!(
        decode_elements(&def, messages[2].bytes),
        expected_wire(&def, &elements)
    );
}

#[test]
fn sequence_numbers_follow_first_seq() {
    let def = derived(&set("ipv4_addr"));
    let elements = parse_elements(&def, Verb::Add, &["192.0.2.1"]);
    let mut batch = Batch::new(1000);
    push_newset(&mut batch, &def);
    push_elements(&mut batch, &def, Verb::Add, Some(1), &elements);
    let finished = batch.finish();
    let bytes = finished.to_bytes();

    let seqs: Vec<u32> = split(&bytes).iter().map(|m| m.seq).collect();
    assert_eq!(seqs, [1000, 1001, 1002, 1003]);
    assert_eq!(finished.batch().begin_seq(), 1000);
    assert_eq!(finished.end_seq(), 1003);
    let element_message = finished.batch().message_by_seq(1002).unwrap();
    assert_eq!(element_message.command, NFT_MSG_NEWSETELEM);

    // Apart from the sequence numbers, the batch is nft's.
    let mut renumbered = bytes.clone();
    let mut offset = 0;
    for (index, message) in split(&bytes).iter().enumerate() {
        let seq = index as u32;
        renumbered[offset + 8..offset + 12].copy_from_slice(&seq.to_ne_bytes());
        offset += message.bytes.len();
    }
    assert_bytes_eq(&normalise(BATCH_SET_AND_ELEMENT, true).bytes, &renumbered);
}

/// Two element commands on an existing set in one batch: `add element inet t s { 192.0.2.1
/// }`, `delete element inet t s { 192.0.2.9 }`.
const BATCH_ADD_AND_DELETE: &[u8] = &[
    0x14, 0x00, 0x00, 0x00, // nlmsg_len 20
    0x10, 0x00, 0x01, 0x00, // NFNL_MSG_BATCH_BEGIN, flags REQUEST
    0x00, 0x00, 0x00, 0x00, // nlmsg_seq 0
    0x00, 0x00, 0x00, 0x00, // nlmsg_pid 0
    0x00, 0x00, 0x00, 0x0a, // nfgenmsg: family unspec, version 0, res_id 10 (nf_tables)
    0x40, 0x00, 0x00, 0x00, // nlmsg_len 64
    0x0c, 0x0a, 0x01, 0x04, // NFT_MSG_NEWSETELEM, flags REQUEST|CREATE
    0x01, 0x00, 0x00, 0x00, // nlmsg_seq 1
    0x00, 0x00, 0x00, 0x00, // nlmsg_pid 0
    0x01, 0x00, 0x00, 0x00, // nfgenmsg: family inet, version 0, res_id 0
    0x06, 0x00, 0x01, 0x00, // NFTA_SET_ELEM_LIST_TABLE, len 6
    0x74, 0x00, 0x00, 0x00, //   "t\0"; padding
    0x06, 0x00, 0x02, 0x00, // NFTA_SET_ELEM_LIST_SET, len 6
    0x73, 0x00, 0x00, 0x00, //   "s\0"; padding
    0x08, 0x00, 0x04, 0x00, // NFTA_SET_ELEM_LIST_SET_ID, len 8
    0x00, 0x00, 0x00, 0x01, //   be32 1
    0x14, 0x00, 0x03, 0x80, // NFTA_SET_ELEM_LIST_ELEMENTS, len 20, nested
    0x10, 0x00, 0x01, 0x80, //   list element, type 1, len 16, nested
    0x0c, 0x00, 0x01, 0x80, //     NFTA_SET_ELEM_KEY, len 12, nested
    0x08, 0x00, 0x01, 0x00, //       NFTA_DATA_VALUE, len 8
    0xc0, 0x00, 0x02, 0x01, //         ipv4_addr 192.0.2.1
    0x38, 0x00, 0x00, 0x00, // nlmsg_len 56
    0x0e, 0x0a, 0x01, 0x00, // NFT_MSG_DELSETELEM, flags REQUEST
    0x02, 0x00, 0x00, 0x00, // nlmsg_seq 2
    0x00, 0x00, 0x00, 0x00, // nlmsg_pid 0
    0x01, 0x00, 0x00, 0x00, // nfgenmsg: family inet, version 0, res_id 0
    0x06, 0x00, 0x01, 0x00, // NFTA_SET_ELEM_LIST_TABLE, len 6
    0x74, 0x00, 0x00, 0x00, //   "t\0"; padding
    0x06, 0x00, 0x02, 0x00, // NFTA_SET_ELEM_LIST_SET, len 6
    0x73, 0x00, 0x00, 0x00, //   "s\0"; padding
    0x14, 0x00, 0x03, 0x80, // NFTA_SET_ELEM_LIST_ELEMENTS, len 20, nested
    0x10, 0x00, 0x01, 0x80, //   list element, type 1, len 16, nested
    0x0c, 0x00, 0x01, 0x80, //     NFTA_SET_ELEM_KEY, len 12, nested
    0x08, 0x00, 0x01, 0x00, //       NFTA_DATA_VALUE, len 8
    0xc0, 0x00, 0x02, 0x09, //         ipv4_addr 192.0.2.9
    0x14, 0x00, 0x00, 0x00, // nlmsg_len 20
    0x11, 0x00, 0x01, 0x00, // NFNL_MSG_BATCH_END, flags REQUEST
    0x03, 0x00, 0x00, 0x00, // nlmsg_seq 3
    0x00, 0x00, 0x00, 0x00, // nlmsg_pid 0
    0x00, 0x00, 0x00, 0x0a, // nfgenmsg: family unspec, version 0, res_id 10 (nf_tables)
];

#[test]
fn add_and_delete_batch() {
    let def = derived(&set("ipv4_addr"));
    let added = parse_elements(&def, Verb::Add, &["192.0.2.1"]);
    let deleted = parse_elements(&def, Verb::Delete, &["192.0.2.9"]);
    let mut batch = Batch::new(0);
    push_elements(&mut batch, &def, Verb::Add, None, &added);
    push_elements(&mut batch, &def, Verb::Delete, None, &deleted);
    let encoded = batch.finish().to_bytes();

    // nft names the existing set by id on NEWSETELEM only.
    let nft = normalise(BATCH_ADD_AND_DELETE, false);
    assert_eq!(nft.set_ids_dropped, 1);
    assert_bytes_eq(&nft.bytes, &encoded);

    let messages = split(BATCH_ADD_AND_DELETE);
    let headers: Vec<(u16, u16, u32)> = messages.iter().map(|m| (m.ty, m.flags, m.seq)).collect();
    assert_eq!(
        headers,
        [
            (NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 0),
            (
                nft_type(NFT_MSG_NEWSETELEM),
                NLM_F_REQUEST | NLM_F_CREATE,
                1
            ),
            (nft_type(NFT_MSG_DELSETELEM), NLM_F_REQUEST, 2),
            (NFNL_MSG_BATCH_END, NLM_F_REQUEST, 3),
        ]
    );
    assert_eq!(
        decode_elements(&def, messages[1].bytes),
        expected_wire(&def, &added)
    );
    assert_eq!(
        decode_elements(&def, messages[2].bytes),
        expected_wire(&def, &deleted)
    );
}
