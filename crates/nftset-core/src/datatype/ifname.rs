//! `ifname` values: interface names as 16 NUL-padded bytes (`IFNAMSIZ`).
//!
//! Names follow the kernel's `dev_valid_name`: 1 to 15 bytes, without NUL,
//! `/`, `:` or whitespace, and not `.` or `..`. nft 1.0.6 takes any string of
//! up to 15 bytes, but a name the kernel rejects can never match an interface.
//!
//! A trailing `*` makes a wildcard (`br-*`), which is a range of names and so
//! is only valid in an interval set. nft 1.0.6 counts the `*` in the 15 bytes.

use super::{quoted, RangeForm, ValueError};

/// Maximum length of a name, without the terminating NUL.
const MAX_LEN: usize = 15;

fn invalid(text: &str, reason: &str) -> ValueError {
    ValueError::new(format!("invalid ifname value {}: {reason}", quoted(text)))
}

/// Checks the bytes that a name or a wildcard prefix may contain.
fn check_bytes(text: &str, name: &str) -> Result<(), ValueError> {
    let forbidden = |b: u8| matches!(b, b'\0' | b'/' | b':' | b' ' | b'\t'..=b'\r');
    if name.bytes().any(forbidden) {
        let reason = "an interface name cannot contain whitespace, '/', ':' or NUL";
        return Err(invalid(text, reason));
    }
    Ok(())
}

fn check_len(text: &str) -> Result<(), ValueError> {
    if text.is_empty() {
        return Err(invalid(text, "the name is empty"));
    }
    if text.len() > MAX_LEN {
        let reason = format!(
            "the name must be at most {MAX_LEN} bytes, not {}",
            text.len()
        );
        return Err(invalid(text, &reason));
    }
    Ok(())
}

/// Parses an interface name into 16 bytes, NUL-padded.
pub(super) fn parse(text: &str, out: &mut [u8]) -> Result<(), ValueError> {
    check_len(text)?;
    check_bytes(text, text)?;
    if text == "." || text == ".." {
        return Err(invalid(
            text,
            "\".\" and \"..\" are not valid interface names",
        ));
    }
    if text.ends_with('*') {
        let reason = "a trailing * makes a wildcard, which only an interval set can hold";
        return Err(invalid(text, reason));
    }

    out.fill(0);
    out[..text.len()].copy_from_slice(text.as_bytes());
    Ok(())
}

/// Parses a name or a wildcard such as `br-*`. A wildcard covers every name
/// that starts with its prefix: `lo` is the prefix padded with NUL bytes and
/// `hi` is the prefix padded with 0xff bytes.
pub(super) fn parse_range(
    text: &str,
    lo: &mut [u8],
    hi: &mut [u8],
) -> Result<RangeForm, ValueError> {
    let Some(prefix) = text.strip_suffix('*') else {
        parse(text, lo)?;
        hi.copy_from_slice(lo);
        return Ok(RangeForm::Single);
    };

    check_len(text)?;
    if prefix.is_empty() {
        return Err(invalid(
            text,
            "a wildcard needs at least one byte before the *",
        ));
    }
    check_bytes(text, prefix)?;

    lo.fill(0);
    hi.fill(0xff);
    lo[..prefix.len()].copy_from_slice(prefix.as_bytes());
    hi[..prefix.len()].copy_from_slice(prefix.as_bytes());
    Ok(RangeForm::Wildcard)
}

/// Appends the name: the bytes before the first NUL, without quotes, as
/// `nft -j` prints it. Bytes that are not UTF-8 print as U+FFFD.
pub(super) fn format(value: &[u8], out: &mut String) {
    let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    out.push_str(&String::from_utf8_lossy(&value[..end]));
}

/// Appends `prefix*` if `[lo, hi]` is the range of a wildcard, and returns
/// whether it did.
pub(super) fn format_wildcard(lo: &[u8], hi: &[u8], out: &mut String) -> bool {
    let Some(len) = lo.iter().position(|&b| b == 0) else {
        return false;
    };
    let is_wildcard = len > 0
        && lo[..len] == hi[..len]
        && lo[len..].iter().all(|&b| b == 0)
        && hi[len..].iter().all(|&b| b == 0xff);
    if is_wildcard {
        format(lo, out);
        out.push('*');
    }
    is_wildcard
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Result<[u8; 16], String> {
        let mut out = [0xaau8; 16];
        parse(text, &mut out).map_err(|e| e.0)?;
        Ok(out)
    }

    fn range(text: &str) -> Result<(RangeForm, [u8; 16], [u8; 16]), String> {
        let mut lo = [0xaau8; 16];
        let mut hi = [0xaau8; 16];
        let form = parse_range(text, &mut lo, &mut hi).map_err(|e| e.0)?;
        Ok((form, lo, hi))
    }

    fn padded(text: &str, fill: u8) -> [u8; 16] {
        let mut out = [fill; 16];
        out[..text.len()].copy_from_slice(text.as_bytes());
        out
    }

    fn text(value: &[u8]) -> String {
        let mut out = String::new();
        format(value, &mut out);
        out
    }

    #[test]
    fn wire_bytes() {
        let eth0 = [
            0x65, 0x74, 0x68, 0x30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, //
        ];
        assert_eq!(name("eth0"), Ok(eth0));
        assert_eq!(name("a"), Ok(padded("a", 0)));
        assert_eq!(name("averyveryverylo"), Ok(padded("averyveryverylo", 0)));
    }

    #[test]
    fn round_trip() {
        for value in [
            "eth0",
            "a",
            "averyveryverylo",
            "br-lan",
            "eth0-eth1",
            "a*b",
            "veth.10",
            "é",
        ] {
            assert_eq!(text(&name(value).unwrap()), value);
        }
    }

    #[test]
    fn format_full_width() {
        assert_eq!(text(b"averyveryverylon"), "averyveryverylon");
        assert_eq!(text(&[0u8; 16]), "");
        assert_eq!(text(&padded("a\u{ff}", 0)[..]), "a\u{ff}");
    }

    #[test]
    fn invalid_names() {
        let bytes = "an interface name cannot contain whitespace, '/', ':' or NUL";
        let wildcard = "a trailing * makes a wildcard, which only an interval set can hold";
        let cases = [
            ("", "the name is empty".to_owned()),
            (
                "averyveryverylongname",
                "the name must be at most 15 bytes, not 21".to_owned(),
            ),
            (
                "averyveryverylon",
                "the name must be at most 15 bytes, not 16".to_owned(),
            ),
            (
                "ééééééééé",
                "the name must be at most 15 bytes, not 18".to_owned(),
            ),
            ("a b", bytes.to_owned()),
            ("eth0\t", bytes.to_owned()),
            ("a\nb", bytes.to_owned()),
            ("a/b", bytes.to_owned()),
            ("eth0:1", bytes.to_owned()),
            ("a\0b", bytes.to_owned()),
            (
                ".",
                "\".\" and \"..\" are not valid interface names".to_owned(),
            ),
            (
                "..",
                "\".\" and \"..\" are not valid interface names".to_owned(),
            ),
            ("br-*", wildcard.to_owned()),
            ("*", wildcard.to_owned()),
        ];
        for (text, reason) in cases {
            let expected = format!("invalid ifname value {text:?}: {reason}");
            assert_eq!(name(text), Err(expected), "input {text:?}");
        }
    }

    #[test]
    fn range_of_name() {
        let eth0 = padded("eth0", 0);
        assert_eq!(range("eth0"), Ok((RangeForm::Single, eth0, eth0)));
        assert_eq!(
            range("br-lan"),
            Ok((RangeForm::Single, padded("br-lan", 0), padded("br-lan", 0)))
        );
    }

    #[test]
    fn range_of_wildcard() {
        let (form, lo, hi) = range("br-*").unwrap();
        assert_eq!(form, RangeForm::Wildcard);
        assert_eq!(
            lo,
            [b'b', b'r', b'-', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(hi[..3], *b"br-");
        assert_eq!(hi[3..], [0xff; 13]);

        let (form, lo, hi) = range("averyveryvery*").unwrap();
        assert_eq!(form, RangeForm::Wildcard);
        assert_eq!(lo, padded("averyveryvery", 0));
        assert_eq!(hi, padded("averyveryvery", 0xff));

        let (form, lo, hi) = range("a**").unwrap();
        assert_eq!(form, RangeForm::Wildcard);
        assert_eq!(lo, padded("a*", 0));
        assert_eq!(hi, padded("a*", 0xff));
    }

    #[test]
    fn range_invalid() {
        let cases = [
            ("*", "a wildcard needs at least one byte before the *"),
            (
                "averyveryverylo*",
                "the name must be at most 15 bytes, not 16",
            ),
            (
                "a b*",
                "an interface name cannot contain whitespace, '/', ':' or NUL",
            ),
            (
                "a/*",
                "an interface name cannot contain whitespace, '/', ':' or NUL",
            ),
            ("", "the name is empty"),
        ];
        for (text, reason) in cases {
            let expected = format!("invalid ifname value {text:?}: {reason}");
            assert_eq!(range(text), Err(expected), "input {text:?}");
        }
    }

    #[test]
    fn wildcard_prints_back() {
        for value in ["br-*", "a*", "a**", "averyveryvery*", ".*"] {
            let (_, lo, hi) = range(value).unwrap();
            let mut out = String::new();
            assert!(format_wildcard(&lo, &hi, &mut out), "input {value:?}");
            assert_eq!(out, value);
        }
    }

    #[test]
    fn wildcard_shape_only() {
        let mut out = String::new();
        let eth = padded("eth", 0);
        assert!(!format_wildcard(&eth, &eth, &mut out));
        assert!(!format_wildcard(&eth, &padded("eth1", 0xff), &mut out));
        assert!(!format_wildcard(&[0u8; 16], &[0xffu8; 16], &mut out));
        assert!(!format_wildcard(
            &padded("averyveryverylon", 0),
            &[0xffu8; 16],
            &mut out
        ));
        assert!(!format_wildcard(&eth, &padded("eth", 0xfe), &mut out));
        assert_eq!(out, "");
    }
}
