//! nft's userdata: type-length-value records in `NFTA_SET_USERDATA` and
//! `NFTA_SET_ELEM_USERDATA`.
//!
//! Each record is a `u8` type, a `u8` length and the value, with no
//! alignment. Integers are 4 bytes in host order, strings end with a NUL.
//! Types and layouts follow libnftnl's `udata.h`.

/// `NFTNL_UDATA_SET_KEYBYTEORDER`: byte order of the key type.
pub const SET_KEYBYTEORDER: u8 = 0;
/// `NFTNL_UDATA_SET_DATABYTEORDER`: byte order of map values.
pub const SET_DATABYTEORDER: u8 = 1;
/// `NFTNL_UDATA_SET_MERGE_ELEMENTS`: 1 when the set has `auto-merge`.
pub const SET_MERGE_ELEMENTS: u8 = 2;
/// `NFTNL_UDATA_SET_KEY_TYPEOF`: the expression of a `typeof` key.
pub const SET_KEY_TYPEOF: u8 = 3;
/// `NFTNL_UDATA_SET_DATA_TYPEOF`: the expression of a `typeof` value.
pub const SET_DATA_TYPEOF: u8 = 4;
/// `NFTNL_UDATA_SET_DATA_INTERVAL`: 1 when map values are ranges.
pub const SET_DATA_INTERVAL: u8 = 6;
/// `NFTNL_UDATA_SET_COMMENT`: the set's comment.
pub const SET_COMMENT: u8 = 7;

/// `NFTNL_UDATA_SET_ELEM_COMMENT`: an element's comment.
pub const ELEM_COMMENT: u8 = 0;
/// `NFTNL_UDATA_SET_ELEM_FLAGS`: element flags kept by nft.
pub const ELEM_FLAGS: u8 = 1;
/// `NFTNL_SET_ELEM_F_INTERVAL_OPEN`: a range that runs to the maximum
/// value and so has no end element.
pub const ELEM_F_INTERVAL_OPEN: u32 = 0x1;

/// Longest comment nft accepts, in bytes (`NFTNL_UDATA_COMMENT_MAXLEN`).
pub const COMMENT_MAXLEN: usize = 128;

/// Appends a 4-byte host-order integer record.
pub fn put_u32(buf: &mut Vec<u8>, ty: u8, value: u32) {
    buf.push(ty);
    buf.push(4);
    buf.extend_from_slice(&value.to_ne_bytes());
}

/// Appends a NUL-terminated string record. The caller keeps `value` under
/// 255 bytes.
pub fn put_string(buf: &mut Vec<u8>, ty: u8, value: &str) {
    buf.push(ty);
    buf.push((value.len() + 1) as u8);
    buf.extend_from_slice(value.as_bytes());
    buf.push(0);
}

/// Appends a record with a raw value, such as a nested `typeof` record.
pub fn put_bytes(buf: &mut Vec<u8>, ty: u8, value: &[u8]) {
    buf.push(ty);
    buf.push(value.len() as u8);
    buf.extend_from_slice(value);
}

/// Iterates over the records of a userdata blob. A record that runs past
/// the end stops the iteration.
pub fn records(data: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let ty = *data.get(pos)?;
        let len = *data.get(pos + 1)? as usize;
        let value = data.get(pos + 2..pos + 2 + len)?;
        pos += 2 + len;
        Some((ty, value))
    })
}

/// Reads a 4-byte host-order integer value.
pub fn value_u32(value: &[u8]) -> Option<u32> {
    Some(u32::from_ne_bytes(value.try_into().ok()?))
}

/// Reads a string value up to its NUL.
pub fn value_string(value: &[u8]) -> String {
    let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    String::from_utf8_lossy(&value[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_userdata_matches_nft() {
        let mut buf = Vec::new();
        put_u32(&mut buf, SET_KEYBYTEORDER, 2);
        put_string(&mut buf, SET_COMMENT, "hello");
        let expected = [
            0x00, 0x04, 0x02, 0x00, 0x00, 0x00, // KEYBYTEORDER 2 (x86-64)
            0x07, 0x06, b'h', b'e', b'l', b'l', b'o', 0x00, // COMMENT "hello"
        ];
        if cfg!(target_endian = "little") {
            assert_eq!(buf, expected);
        }
        let parsed: Vec<(u8, &[u8])> = records(&buf).collect();
        assert_eq!(parsed.len(), 2);
        assert_eq!(value_u32(parsed[0].1), Some(2));
        assert_eq!(value_string(parsed[1].1), "hello");
    }

    #[test]
    fn truncated_record_stops() {
        let parsed: Vec<(u8, &[u8])> = records(&[0x00, 0x04, 0x02]).collect();
        assert!(parsed.is_empty());
    }
}
