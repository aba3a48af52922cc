//! `inet_proto`, `inet_service` and `mark` values, and the range syntax
//! (`a/len`, `a-b`, `br-*`) of every type.
//!
//! Numbers are decimal or `0x` hex. nft 1.0.6 reads a leading `0` as octal
//! (`022` is port 18), so decimal numbers with a leading zero are rejected
//! here rather than read either way.

use std::fmt::Write;

use super::{
    ifname, js_number, names, quoted, shortened, DataType, HostBits, RangeForm, ValueError,
};

fn invalid(ty: DataType, text: &str, reason: &str) -> ValueError {
    ValueError::new(format!(
        "invalid {} value {}: {reason}",
        ty.name(),
        quoted(text)
    ))
}

/// Text read as an unsigned integer.
#[derive(Debug, PartialEq)]
enum Integer {
    Value(u64),
    /// Digits that do not fit in 64 bits.
    TooLarge,
    /// A decimal number such as `022`, which nft reads as octal.
    LeadingZero,
    /// Not decimal or `0x` hex digits, so possibly a name.
    NotNumeric,
}

fn read_integer(text: &str) -> Integer {
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Integer::NotNumeric;
    }
    if radix == 10 && digits.len() > 1 && digits.starts_with('0') {
        return Integer::LeadingZero;
    }
    match u64::from_str_radix(digits, radix) {
        Ok(value) => Integer::Value(value),
        Err(_) => Integer::TooLarge,
    }
}

const LEADING_ZERO: &str =
    "nft reads a leading 0 as octal, so write the number without it or in 0x hex";

/// Reads a number no larger than `max`, or returns `Ok(None)` if the text
/// is not a number and may be a name.
fn parse_integer(
    ty: DataType,
    text: &str,
    max: u64,
    range: &str,
) -> Result<Option<u64>, ValueError> {
    match read_integer(text) {
        Integer::Value(value) if value <= max => Ok(Some(value)),
        Integer::Value(_) | Integer::TooLarge => Err(invalid(ty, text, range)),
        Integer::LeadingZero => Err(invalid(ty, text, LEADING_ZERO)),
        Integer::NotNumeric => Ok(None),
    }
}

/// Parses an IP protocol number (0 to 255) or a name from `/etc/protocols`.
pub(super) fn parse_proto(text: &str, out: &mut [u8]) -> Result<(), ValueError> {
    let ty = DataType::InetProto;
    let unknown = "not a protocol number 0 to 255 or a name from /etc/protocols";
    let number = match parse_integer(ty, text, 0xff, "the protocol number must be 0 to 255")? {
        Some(number) => number as u8,
        None => names::protocol_number(text).ok_or_else(|| invalid(ty, text, unknown))?,
    };
    out[0] = number;
    Ok(())
}

/// Parses a port number (0 to 65535) or a name from `/etc/services`.
pub(super) fn parse_service(text: &str, out: &mut [u8]) -> Result<(), ValueError> {
    let ty = DataType::InetService;
    let unknown = "not a port number 0 to 65535 or a name from /etc/services";
    let port = match parse_integer(ty, text, 0xffff, "the port must be 0 to 65535")? {
        Some(port) => port as u16,
        None => names::service_port(text).ok_or_else(|| invalid(ty, text, unknown))?,
    };
    out.copy_from_slice(&port.to_be_bytes());
    Ok(())
}

/// Parses a mark (0 to 0xffffffff) into 4 big-endian bytes.
pub(super) fn parse_mark(text: &str, out: &mut [u8]) -> Result<(), ValueError> {
    let ty = DataType::Mark;
    let range = "the mark must be 0 to 0xffffffff";
    let Some(mark) = parse_integer(ty, text, u32::MAX.into(), range)? else {
        let reason = "expected a number 0 to 0xffffffff, in decimal or 0x hex";
        return Err(invalid(ty, text, reason));
    };
    out.copy_from_slice(&(mark as u32).to_be_bytes());
    Ok(())
}

/// Parses a JavaScript number for one of the integer types.
pub(super) fn parse_number(ty: DataType, value: f64, out: &mut [u8]) -> Result<(), ValueError> {
    let max = match ty {
        DataType::InetProto => 0xff,
        DataType::InetService => 0xffff,
        DataType::Mark => u32::MAX,
        _ => {
            let reason = "expected a string, because only inet_proto, inet_service and mark \
                          values can be numbers";
            let message = format!("invalid {} value {}: {reason}", ty.name(), js_number(value));
            return Err(ValueError::new(message));
        }
    };
    if !(value.fract() == 0.0 && value >= 0.0 && value <= f64::from(max)) {
        let message = format!(
            "invalid {} value {}: expected an integer 0 to {max}",
            ty.name(),
            js_number(value)
        );
        return Err(ValueError::new(message));
    }

    let bytes = (value as u32).to_be_bytes();
    out.copy_from_slice(&bytes[4 - ty.size()..]);
    Ok(())
}

/// Appends the protocol's name from `/etc/protocols`, or its number.
pub(super) fn format_proto(value: &[u8], out: &mut String) {
    match names::protocol_name(value[0]) {
        Some(name) => out.push_str(name),
        None => {
            let _ = write!(out, "{}", value[0]);
        }
    }
}

pub(super) fn format_service(value: &[u8], out: &mut String) {
    let _ = write!(out, "{}", u16::from_be_bytes([value[0], value[1]]));
}

pub(super) fn format_mark(value: &[u8], out: &mut String) {
    let mark = u32::from_be_bytes([value[0], value[1], value[2], value[3]]);
    let _ = write!(out, "0x{mark:08x}");
}

/// Parses a value, a prefix, a range or an ifname wildcard into inclusive
/// sortable bounds.
pub(super) fn parse_range(
    ty: DataType,
    text: &str,
    host_bits: HostBits,
    lo: &mut [u8],
    hi: &mut [u8],
) -> Result<RangeForm, ValueError> {
    if ty == DataType::Ifname {
        return ifname::parse_range(text, lo, hi);
    }
    if ty.has_prefixes() {
        if let Some((value, len)) = text.split_once('/') {
            return parse_prefix(ty, text, value, len, host_bits, lo, hi);
        }
    }

    // Names such as `http-alt` and `ipv6-icmp` contain a dash, so the
    // whole text is tried as one value before it is split into a range.
    let Err(whole_error) = ty.parse(text, lo) else {
        hi.copy_from_slice(lo);
        return Ok(RangeForm::Single);
    };
    if text.contains('/') {
        let reason = "only ipv4_addr, ipv6_addr and mark values can be prefixes";
        return Err(invalid(ty, text, reason));
    }

    // The error of a split whose start parsed names the bad end. Without
    // one, the error of the first start is reported.
    let mut start_error = None;
    let mut end_error = None;
    for (dash, _) in text.match_indices('-') {
        let start = text[..dash].trim_end();
        let end = text[dash + 1..].trim_start();
        if start.is_empty() || end.is_empty() {
            // Not a range but a sign or a stray dash, as in "-1" or "80-":
            // the error of the whole text shows the value as written.
            continue;
        }
        if let Err(error) = ty.parse(start, lo) {
            start_error.get_or_insert(error);
            continue;
        }
        if let Err(error) = ty.parse(end, hi) {
            end_error.get_or_insert(error);
            continue;
        }

        if lo > hi {
            let (start, end) = (shortened(start), shortened(end));
            let reason = format!("the start {start} is greater than the end {end}");
            let message = format!("invalid {} range {}: {reason}", ty.name(), quoted(text));
            return Err(ValueError::new(message));
        }
        return Ok(RangeForm::Range);
    }

    Err(end_error.or(start_error).unwrap_or(whole_error))
}

/// Parses `value/len` into the bounds of the prefix.
fn parse_prefix(
    ty: DataType,
    text: &str,
    value: &str,
    len: &str,
    host_bits: HostBits,
    lo: &mut [u8],
    hi: &mut [u8],
) -> Result<RangeForm, ValueError> {
    ty.parse(value.trim_end(), lo)?;

    let bits = 8 * ty.size();
    let len = len.trim_start();
    let decimal = !len.is_empty() && len.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = len.len() > 1 && len.starts_with('0');
    let parsed_len = len.parse::<usize>().ok().filter(|&n| n <= bits);
    let Some(len) = parsed_len.filter(|_| decimal && !leading_zero) else {
        let reason = format!("the prefix length must be a decimal number 0 to {bits}");
        return Err(invalid_prefix(ty, text, &reason));
    };

    hi.copy_from_slice(lo);
    let mut host_bits_set = false;
    for (index, (low, high)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
        let host_mask = host_mask(len, index);
        host_bits_set |= *low & host_mask != 0;
        *low &= !host_mask;
        *high |= host_mask;
    }

    if host_bits_set && host_bits == HostBits::Reject {
        let mut network = String::new();
        ty.format(lo, &mut network);
        let reason = format!("the value has host bits set, so write {network}/{len}");
        return Err(invalid_prefix(ty, text, &reason));
    }
    Ok(RangeForm::Prefix(len as u32))
}

fn invalid_prefix(ty: DataType, text: &str, reason: &str) -> ValueError {
    ValueError::new(format!(
        "invalid {} prefix {}: {reason}",
        ty.name(),
        quoted(text)
    ))
}

/// Bits of byte `index` that lie below a prefix of `len` bits.
fn host_mask(len: usize, index: usize) -> u8 {
    let network_bits = len.saturating_sub(8 * index).min(8);
    0xffu8.checked_shr(network_bits as u32).unwrap_or(0)
}

/// Returns the length of the prefix that is exactly `[lo, hi]`, if any.
fn prefix_len(lo: &[u8], hi: &[u8]) -> Option<u32> {
    let mut len = 0;
    let mut in_host_part = false;
    for (&low, &high) in lo.iter().zip(hi) {
        let diff = low ^ high;
        let network_bits = if in_host_part {
            0
        } else {
            diff.leading_zeros()
        };
        let host_mask = 0xffu8.checked_shr(network_bits).unwrap_or(0);
        if diff != host_mask || low & host_mask != 0 {
            return None;
        }
        len += network_bits;
        in_host_part |= network_bits < 8;
    }
    Some(len)
}

/// Appends `[lo, hi]` as nft 1.0.6 lists it: a single value, `a/len` for
/// an aligned prefix of a prefix type (`10.0.0.0/24`, `0x00000100/24`), an
/// ifname wildcard, or `lo-hi`. A range of protocols prints numbers (`6-17`)
/// because nft prints range ends numerically.
pub(super) fn format_range(ty: DataType, lo: &[u8], hi: &[u8], out: &mut String) {
    if lo == hi {
        ty.format(lo, out);
        return;
    }
    if ty == DataType::Ifname && ifname::format_wildcard(lo, hi, out) {
        return;
    }
    if ty.has_prefixes() {
        if let Some(len) = prefix_len(lo, hi) {
            ty.format(lo, out);
            let _ = write!(out, "/{len}");
            return;
        }
    }

    format_range_end(ty, lo, out);
    out.push('-');
    format_range_end(ty, hi, out);
}

fn format_range_end(ty: DataType, value: &[u8], out: &mut String) {
    match ty {
        DataType::InetProto => {
            let _ = write!(out, "{}", value[0]);
        }
        _ => ty.format(value, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(ty: DataType, text: &str) -> Result<Vec<u8>, String> {
        let mut out = vec![0xaa; ty.size()];
        ty.parse(text, &mut out).map_err(|e| e.0)?;
        Ok(out)
    }

    fn printed(ty: DataType, bytes: &[u8]) -> String {
        let mut out = String::new();
        ty.format(bytes, &mut out);
        out
    }

    fn number(ty: DataType, number: f64) -> Result<Vec<u8>, String> {
        let mut out = vec![0xaa; ty.size()];
        ty.parse_number(number, &mut out).map_err(|e| e.0)?;
        Ok(out)
    }

    type Bounds = (RangeForm, Vec<u8>, Vec<u8>);

    fn range(ty: DataType, text: &str, host_bits: HostBits) -> Result<Bounds, String> {
        let mut lo = vec![0xaa; ty.size()];
        let mut hi = vec![0xaa; ty.size()];
        let form = ty
            .parse_range(text, host_bits, &mut lo, &mut hi)
            .map_err(|e| e.0)?;
        Ok((form, lo, hi))
    }

    /// Parses a range with host bits masked and prints it back.
    fn range_printed(ty: DataType, text: &str) -> String {
        let (_, lo, hi) = range(ty, text, HostBits::Mask).unwrap();
        let mut out = String::new();
        ty.format_range(&lo, &hi, &mut out);
        out
    }

    fn check_invalid(ty: DataType, cases: &[(&str, &str)]) {
        for &(text, reason) in cases {
            let expected = format!("invalid {} value {text:?}: {reason}", ty.name());
            assert_eq!(value(ty, text), Err(expected), "input {text:?}");
        }
    }

    #[test]
    fn proto_wire_bytes() {
        let proto = DataType::InetProto;
        assert_eq!(value(proto, "tcp"), Ok(vec![0x06]));
        assert_eq!(value(proto, "TCP"), Ok(vec![0x06]));
        assert_eq!(value(proto, "6"), Ok(vec![0x06]));
        assert_eq!(value(proto, "0x11"), Ok(vec![0x11]));
        assert_eq!(value(proto, "ipv6-icmp"), Ok(vec![58]));
        assert_eq!(value(proto, "0"), Ok(vec![0]));
        assert_eq!(value(proto, "255"), Ok(vec![0xff]));
        assert_eq!(value(proto, "0xff"), Ok(vec![0xff]));
    }

    // Each expected string is what nft 1.0.6 lists for the number.
    #[test]
    fn proto_prints_as_nft() {
        let proto = DataType::InetProto;
        assert_eq!(printed(proto, &[0]), "ip");
        assert_eq!(printed(proto, &[6]), "tcp");
        assert_eq!(printed(proto, &[17]), "udp");
        assert_eq!(printed(proto, &[41]), "ipv6");
        assert_eq!(printed(proto, &[58]), "ipv6-icmp");
        assert_eq!(printed(proto, &[250]), "250");
        assert_eq!(printed(proto, &[255]), "255");
        assert_eq!(printed(proto, &value(proto, "hopopt").unwrap()), "ip");
    }

    #[test]
    fn proto_invalid() {
        let range = "the protocol number must be 0 to 255";
        let unknown = "not a protocol number 0 to 255 or a name from /etc/protocols";
        check_invalid(
            DataType::InetProto,
            &[
                ("256", range),
                ("0x100", range),
                ("99999999999999999999999", range),
                ("017", LEADING_ZERO),
                ("", unknown),
                ("-1", unknown),
                ("nosuch", unknown),
                ("Tcp", unknown),
                (" tcp", unknown),
                ("6 ", unknown),
                ("1e3", unknown),
                ("0x", unknown),
            ],
        );
    }

    #[test]
    fn service_wire_bytes() {
        let service = DataType::InetService;
        assert_eq!(value(service, "22"), Ok(vec![0x00, 0x16]));
        assert_eq!(value(service, "ssh"), Ok(vec![0x00, 0x16]));
        assert_eq!(value(service, "0x16"), Ok(vec![0x00, 0x16]));
        assert_eq!(value(service, "http-alt"), Ok(vec![0x1f, 0x90]));
        assert_eq!(value(service, "0"), Ok(vec![0x00, 0x00]));
        assert_eq!(value(service, "65535"), Ok(vec![0xff, 0xff]));
    }

    #[test]
    fn service_prints_number() {
        let service = DataType::InetService;
        assert_eq!(printed(service, &[0x00, 0x16]), "22");
        assert_eq!(printed(service, &[0x00, 0x00]), "0");
        assert_eq!(printed(service, &[0xff, 0xff]), "65535");
        assert_eq!(
            printed(service, &value(service, "http-alt").unwrap()),
            "8080"
        );
    }

    #[test]
    fn service_invalid() {
        let range = "the port must be 0 to 65535";
        let unknown = "not a port number 0 to 65535 or a name from /etc/services";
        check_invalid(
            DataType::InetService,
            &[
                ("65536", range),
                ("0x10000", range),
                ("022", LEADING_ZERO),
                ("00", LEADING_ZERO),
                ("", unknown),
                ("nosuch", unknown),
                ("SSH", unknown),
                ("-1", unknown),
                ("22 ", unknown),
                ("+22", unknown),
                ("1e3", unknown),
                ("0b101", unknown),
            ],
        );
    }

    #[test]
    fn mark_wire_bytes() {
        let mark = DataType::Mark;
        assert_eq!(value(mark, "0x1234"), Ok(vec![0x00, 0x00, 0x12, 0x34]));
        assert_eq!(value(mark, "4660"), Ok(vec![0x00, 0x00, 0x12, 0x34]));
        assert_eq!(value(mark, "0"), Ok(vec![0; 4]));
        assert_eq!(value(mark, "0xffffffff"), Ok(vec![0xff; 4]));
        assert_eq!(value(mark, "4294967295"), Ok(vec![0xff; 4]));
        assert_eq!(value(mark, "0XFF"), Ok(vec![0, 0, 0, 0xff]));
        assert_eq!(value(mark, "0x00000000ff"), Ok(vec![0, 0, 0, 0xff]));
    }

    #[test]
    fn mark_prints_hex() {
        let mark = DataType::Mark;
        assert_eq!(printed(mark, &[0, 0, 0, 0x10]), "0x00000010");
        assert_eq!(printed(mark, &[0, 0, 0, 0]), "0x00000000");
        assert_eq!(printed(mark, &[0xff; 4]), "0xffffffff");
        assert_eq!(printed(mark, &value(mark, "16").unwrap()), "0x00000010");
    }

    #[test]
    fn mark_invalid() {
        let range = "the mark must be 0 to 0xffffffff";
        let shape = "expected a number 0 to 0xffffffff, in decimal or 0x hex";
        check_invalid(
            DataType::Mark,
            &[
                ("0x100000000", range),
                ("4294967296", range),
                ("0x10000000000000000", range),
                ("020", LEADING_ZERO),
                ("", shape),
                ("abc", shape),
                ("-1", shape),
                ("0x", shape),
                ("0xg", shape),
                ("1.5", shape),
                (" 1", shape),
                ("1 ", shape),
            ],
        );
    }

    #[test]
    fn numbers_for_integer_types() {
        assert_eq!(number(DataType::InetProto, 6.0), Ok(vec![0x06]));
        assert_eq!(number(DataType::InetProto, 255.0), Ok(vec![0xff]));
        assert_eq!(number(DataType::InetService, 22.0), Ok(vec![0x00, 0x16]));
        assert_eq!(number(DataType::InetService, 65535.0), Ok(vec![0xff, 0xff]));
        assert_eq!(
            number(DataType::Mark, 4660.0),
            Ok(vec![0x00, 0x00, 0x12, 0x34])
        );
        assert_eq!(number(DataType::Mark, 4294967295.0), Ok(vec![0xff; 4]));
        assert_eq!(number(DataType::Mark, 0.0), Ok(vec![0; 4]));
        assert_eq!(number(DataType::Mark, -0.0), Ok(vec![0; 4]));
    }

    #[test]
    fn numbers_invalid() {
        let cases = [
            (
                DataType::InetProto,
                256.0,
                "invalid inet_proto value 256: expected an integer 0 to 255",
            ),
            (
                DataType::InetProto,
                -1.0,
                "invalid inet_proto value -1: expected an integer 0 to 255",
            ),
            (
                DataType::InetService,
                65536.0,
                "invalid inet_service value 65536: expected an integer 0 to 65535",
            ),
            (
                DataType::InetService,
                22.5,
                "invalid inet_service value 22.5: expected an integer 0 to 65535",
            ),
            (
                DataType::Mark,
                4294967296.0,
                "invalid mark value 4294967296: expected an integer 0 to 4294967295",
            ),
            (
                DataType::Mark,
                f64::NAN,
                "invalid mark value NaN: expected an integer 0 to 4294967295",
            ),
            (
                DataType::Mark,
                f64::INFINITY,
                "invalid mark value Infinity: expected an integer 0 to 4294967295",
            ),
            (
                DataType::InetService,
                f64::NEG_INFINITY,
                "invalid inet_service value -Infinity: expected an integer 0 to 65535",
            ),
            (
                DataType::InetService,
                f64::NAN,
                "invalid inet_service value NaN: expected an integer 0 to 65535",
            ),
            (
                DataType::Mark,
                0.1,
                "invalid mark value 0.1: expected an integer 0 to 4294967295",
            ),
        ];
        for (ty, input, expected) in cases {
            assert_eq!(number(ty, input), Err(expected.to_owned()), "input {input}");
        }

        let needs_string = "expected a string, because only inet_proto, inet_service and mark \
                            values can be numbers";
        for ty in [
            DataType::Ipv4Addr,
            DataType::Ipv6Addr,
            DataType::EtherAddr,
            DataType::Ifname,
        ] {
            let expected = format!("invalid {} value 1: {needs_string}", ty.name());
            assert_eq!(number(ty, 1.0), Err(expected));
        }
    }

    #[test]
    fn range_single_values() {
        let cases = [
            (DataType::Ipv4Addr, "10.0.0.1", vec![0x0a, 0x00, 0x00, 0x01]),
            (
                DataType::EtherAddr,
                "00:11:22:33:44:55",
                vec![0x00, 0x11, 0x22, 0x33, 0x44, 0x55],
            ),
            (
                DataType::EtherAddr,
                "00-11-22-33-44-55",
                vec![0x00, 0x11, 0x22, 0x33, 0x44, 0x55],
            ),
            (DataType::InetProto, "ipv6-icmp", vec![58]),
            (DataType::InetService, "http-alt", vec![0x1f, 0x90]),
            (DataType::Mark, "0x1234", vec![0x00, 0x00, 0x12, 0x34]),
        ];
        for (ty, text, bytes) in cases {
            let expected = (RangeForm::Single, bytes.clone(), bytes);
            assert_eq!(
                range(ty, text, HostBits::Reject),
                Ok(expected),
                "input {text:?}"
            );
        }
    }

    #[test]
    fn range_explicit() {
        let cases = [
            (
                DataType::Ipv4Addr,
                "10.0.0.1-10.0.0.9",
                vec![10, 0, 0, 1],
                vec![10, 0, 0, 9],
            ),
            (
                DataType::Ipv4Addr,
                "1.2.3.4 - 1.2.3.4",
                vec![1, 2, 3, 4],
                vec![1, 2, 3, 4],
            ),
            (DataType::InetService, "1 - 5", vec![0, 1], vec![0, 5]),
            (
                DataType::InetService,
                "0-65535",
                vec![0, 0],
                vec![0xff, 0xff],
            ),
            (
                DataType::InetService,
                "ssh-http-alt",
                vec![0, 22],
                vec![0x1f, 0x90],
            ),
            (
                DataType::InetService,
                "http-alt-8081",
                vec![0x1f, 0x90],
                vec![0x1f, 0x91],
            ),
            (DataType::InetProto, "tcp-ipv6-icmp", vec![6], vec![58]),
            (DataType::InetProto, "tcp - udp", vec![6], vec![17]),
            (
                DataType::Mark,
                "0x10-0x20",
                vec![0, 0, 0, 0x10],
                vec![0, 0, 0, 0x20],
            ),
            (DataType::Mark, "0-0xffffffff", vec![0; 4], vec![0xff; 4]),
            (
                DataType::EtherAddr,
                "00-11-22-33-44-55-00-11-22-33-44-66",
                vec![0x00, 0x11, 0x22, 0x33, 0x44, 0x55],
                vec![0x00, 0x11, 0x22, 0x33, 0x44, 0x66],
            ),
        ];
        for (ty, text, lo, hi) in cases {
            let expected = (RangeForm::Range, lo, hi);
            assert_eq!(
                range(ty, text, HostBits::Reject),
                Ok(expected),
                "input {text:?}"
            );
        }

        let (form, lo, hi) = range(DataType::Ipv6Addr, "::1 - ::ffff", HostBits::Reject).unwrap();
        assert_eq!(form, RangeForm::Range);
        assert_eq!(lo[..15], [0u8; 15]);
        assert_eq!(lo[15], 0x01);
        assert_eq!(hi[..14], [0u8; 14]);
        assert_eq!(hi[14..], [0xff, 0xff]);
    }

    #[test]
    fn range_reversed() {
        let cases = [
            (
                DataType::Ipv4Addr,
                "10.0.0.9-10.0.0.1",
                "the start 10.0.0.9 is greater than the end 10.0.0.1",
            ),
            (
                DataType::Ipv6Addr,
                "::2 - ::1",
                "the start ::2 is greater than the end ::1",
            ),
            (
                DataType::InetService,
                "5-1",
                "the start 5 is greater than the end 1",
            ),
            (
                DataType::InetService,
                "https-http",
                "the start https is greater than the end http",
            ),
            (
                DataType::InetProto,
                "ipv6-icmp-udp",
                "the start ipv6-icmp is greater than the end udp",
            ),
            (
                DataType::Mark,
                "0x20-0x10",
                "the start 0x20 is greater than the end 0x10",
            ),
            (
                DataType::EtherAddr,
                "00:11:22:33:44:56-00:11:22:33:44:55",
                "the start 00:11:22:33:44:56 is greater than the end 00:11:22:33:44:55",
            ),
        ];
        for (ty, text, reason) in cases {
            let expected = format!("invalid {} range {text:?}: {reason}", ty.name());
            assert_eq!(
                range(ty, text, HostBits::Mask),
                Err(expected),
                "input {text:?}"
            );
        }
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "1".repeat(100_000);
        let cut = format!("{}…", "1".repeat(super::super::SHOWN_MAX_CHARS));
        for ty in [
            DataType::InetService,
            DataType::Mark,
            DataType::Ipv4Addr,
            DataType::Ifname,
        ] {
            let message = range(ty, &long, HostBits::Mask).unwrap_err();
            assert!(message.contains(&format!("\"{cut}\"")), "{message}");
            assert!(
                message.len() < 300,
                "{} bytes: {message:.200}",
                message.len()
            );
        }

        // A reversed range of two valid values: a hex mark with many zeros.
        let zeros = "0".repeat(100_000);
        let reversed = format!("0x{zeros}2-0x{zeros}1");
        let message = range(DataType::Mark, &reversed, HostBits::Mask).unwrap_err();
        assert!(
            message.len() < 400,
            "{} bytes: {message:.200}",
            message.len()
        );
    }

    #[test]
    fn range_bad_end() {
        let service_range = "the port must be 0 to 65535";
        let cases = [
            (DataType::Ipv4Addr, "10.0.0.1-10.0.0.300", "invalid ipv4_addr value \"10.0.0.300\": each of the 4 parts must be 0 to 255".to_owned()),
            (DataType::Ipv4Addr, "10.0.0-10.0.0.3", "invalid ipv4_addr value \"10.0.0\": expected 4 decimal parts separated by dots, such as 192.0.2.1".to_owned()),
            (DataType::InetService, "1-65536", format!("invalid inet_service value \"65536\": {service_range}")),
            (DataType::InetService, "-5", "invalid inet_service value \"-5\": not a port number 0 to 65535 or a name from /etc/services".to_owned()),
            (DataType::InetService, "5-", "invalid inet_service value \"5-\": not a port number 0 to 65535 or a name from /etc/services".to_owned()),
            (DataType::InetService, "-", "invalid inet_service value \"-\": not a port number 0 to 65535 or a name from /etc/services".to_owned()),
            (DataType::InetProto, "-1", "invalid inet_proto value \"-1\": not a protocol number 0 to 255 or a name from /etc/protocols".to_owned()),
            (DataType::Mark, "-1", "invalid mark value \"-1\": expected a number 0 to 0xffffffff, in decimal or 0x hex".to_owned()),
            (DataType::Mark, "-0x10", "invalid mark value \"-0x10\": expected a number 0 to 0xffffffff, in decimal or 0x hex".to_owned()),
            (DataType::Ipv4Addr, "-10.0.0.1", "invalid ipv4_addr value \"-10.0.0.1\": expected 4 decimal parts separated by dots, such as 192.0.2.1".to_owned()),
            (DataType::InetProto, "tcp-nosuch", "invalid inet_proto value \"nosuch\": not a protocol number 0 to 255 or a name from /etc/protocols".to_owned()),
            (DataType::Mark, "1-2-3", "invalid mark value \"2-3\": expected a number 0 to 0xffffffff, in decimal or 0x hex".to_owned()),
            (DataType::InetService, "1024/6", "invalid inet_service value \"1024/6\": only ipv4_addr, ipv6_addr and mark values can be prefixes".to_owned()),
            (DataType::EtherAddr, "00:11:22:33:44:55/40", "invalid ether_addr value \"00:11:22:33:44:55/40\": only ipv4_addr, ipv6_addr and mark values can be prefixes".to_owned()),
            (DataType::InetService, "nosuch", "invalid inet_service value \"nosuch\": not a port number 0 to 65535 or a name from /etc/services".to_owned()),
        ];
        for (ty, text, expected) in cases {
            assert_eq!(
                range(ty, text, HostBits::Mask),
                Err(expected),
                "input {text:?}"
            );
        }
    }

    #[test]
    fn prefix_bounds() {
        let ipv4 = DataType::Ipv4Addr;
        let cases = [
            ("10.0.0.0/8", 8, vec![10, 0, 0, 0], vec![10, 255, 255, 255]),
            ("0.0.0.0/0", 0, vec![0; 4], vec![0xff; 4]),
            ("255.255.255.255/32", 32, vec![0xff; 4], vec![0xff; 4]),
            (
                "192.0.2.128/25",
                25,
                vec![192, 0, 2, 128],
                vec![192, 0, 2, 255],
            ),
            (
                "10.0.0.0 / 16",
                16,
                vec![10, 0, 0, 0],
                vec![10, 0, 255, 255],
            ),
        ];
        for (text, len, lo, hi) in cases {
            let expected = (RangeForm::Prefix(len), lo, hi);
            assert_eq!(
                range(ipv4, text, HostBits::Reject),
                Ok(expected),
                "input {text:?}"
            );
        }

        let (form, lo, hi) = range(DataType::Ipv6Addr, "2001:db8::/32", HostBits::Reject).unwrap();
        assert_eq!(form, RangeForm::Prefix(32));
        assert_eq!(lo[..4], [0x20, 0x01, 0x0d, 0xb8]);
        assert_eq!(lo[4..], [0u8; 12]);
        assert_eq!(hi[..4], [0x20, 0x01, 0x0d, 0xb8]);
        assert_eq!(hi[4..], [0xffu8; 12]);

        let all = range(DataType::Ipv6Addr, "::/0", HostBits::Reject);
        assert_eq!(all, Ok((RangeForm::Prefix(0), vec![0; 16], vec![0xff; 16])));
        let one = range(DataType::Ipv6Addr, "::1/128", HostBits::Reject);
        let mut loopback = vec![0; 16];
        loopback[15] = 1;
        assert_eq!(
            one,
            Ok((RangeForm::Prefix(128), loopback.clone(), loopback))
        );

        let mark = range(DataType::Mark, "0x100/24", HostBits::Reject);
        assert_eq!(
            mark,
            Ok((RangeForm::Prefix(24), vec![0, 0, 1, 0], vec![0, 0, 1, 0xff]))
        );
    }

    #[test]
    fn prefix_host_bits_masked() {
        let ipv4 = range(DataType::Ipv4Addr, "198.51.100.183/24", HostBits::Mask);
        let expected = (
            RangeForm::Prefix(24),
            vec![198, 51, 100, 0],
            vec![198, 51, 100, 255],
        );
        assert_eq!(ipv4, Ok(expected));

        let all = range(DataType::Ipv4Addr, "1.2.3.4/0", HostBits::Mask);
        assert_eq!(all, Ok((RangeForm::Prefix(0), vec![0; 4], vec![0xff; 4])));

        let (form, lo, hi) = range(DataType::Ipv6Addr, "2001:db8::1/64", HostBits::Mask).unwrap();
        assert_eq!(form, RangeForm::Prefix(64));
        assert_eq!(lo[8..], [0u8; 8]);
        assert_eq!(hi[8..], [0xffu8; 8]);

        let mark = range(DataType::Mark, "0x1ff/24", HostBits::Mask);
        assert_eq!(
            mark,
            Ok((RangeForm::Prefix(24), vec![0, 0, 1, 0], vec![0, 0, 1, 0xff]))
        );
    }

    #[test]
    fn prefix_host_bits_rejected() {
        let cases = [
            (DataType::Ipv4Addr, "198.51.100.183/24", "198.51.100.0/24"),
            (DataType::Ipv4Addr, "1.2.3.4/0", "0.0.0.0/0"),
            (DataType::Ipv4Addr, "10.0.0.1/31", "10.0.0.0/31"),
            (DataType::Ipv6Addr, "2001:db8::1/64", "2001:db8::/64"),
            (
                DataType::Ipv6Addr,
                "::ffff:1.2.3.4/120",
                "::ffff:1.2.3.0/120",
            ),
            (DataType::Mark, "0x1ff/24", "0x00000100/24"),
        ];
        for (ty, text, fixed) in cases {
            let reason = format!("the value has host bits set, so write {fixed}");
            let expected = format!("invalid {} prefix {text:?}: {reason}", ty.name());
            assert_eq!(
                range(ty, text, HostBits::Reject),
                Err(expected),
                "input {text:?}"
            );
        }
    }

    #[test]
    fn prefix_invalid() {
        let v4 = "the prefix length must be a decimal number 0 to 32";
        let v6 = "the prefix length must be a decimal number 0 to 128";
        let cases = [
            (DataType::Ipv4Addr, "10.0.0.0/33", v4),
            (DataType::Ipv4Addr, "10.0.0.0/-1", v4),
            (DataType::Ipv4Addr, "10.0.0.0/", v4),
            (DataType::Ipv4Addr, "10.0.0.0/024", v4),
            (DataType::Ipv4Addr, "10.0.0.0/0x10", v4),
            (DataType::Ipv4Addr, "10.0.0.0/8/8", v4),
            (DataType::Ipv4Addr, "10.0.0.0/abc", v4),
            (DataType::Ipv4Addr, "10.0.0.0/99999999999999999999999", v4),
            (DataType::Ipv6Addr, "::/129", v6),
            (
                DataType::Mark,
                "0x100/33",
                "the prefix length must be a decimal number 0 to 32",
            ),
        ];
        for (ty, text, reason) in cases {
            let expected = format!("invalid {} prefix {text:?}: {reason}", ty.name());
            assert_eq!(
                range(ty, text, HostBits::Mask),
                Err(expected),
                "input {text:?}"
            );
        }

        let bad_address = range(DataType::Ipv4Addr, "10.0.0/8", HostBits::Mask);
        let reason = "expected 4 decimal parts separated by dots, such as 192.0.2.1";
        assert_eq!(
            bad_address,
            Err(format!("invalid ipv4_addr value \"10.0.0\": {reason}"))
        );
    }

    // Each expected string is what nft 1.0.6 lists for the input.
    #[test]
    fn ranges_print_as_nft() {
        let cases = [
            (DataType::Ipv4Addr, "1.2.3.4", "1.2.3.4"),
            (DataType::Ipv4Addr, "10.0.0.0-10.0.0.255", "10.0.0.0/24"),
            (DataType::Ipv4Addr, "1.2.3.4 - 1.2.3.5", "1.2.3.4/31"),
            (DataType::Ipv4Addr, "1.2.3.4-1.2.3.4", "1.2.3.4"),
            (DataType::Ipv4Addr, "10.0.0.0/32", "10.0.0.0"),
            (DataType::Ipv4Addr, "5.0.0.0-5.0.0.10", "5.0.0.0-5.0.0.10"),
            (DataType::Ipv4Addr, "198.51.100.183/24", "198.51.100.0/24"),
            (
                DataType::Ipv4Addr,
                "192.0.0.0-255.255.255.255",
                "192.0.0.0/2",
            ),
            (
                DataType::Ipv4Addr,
                "200.0.0.0-255.255.255.255",
                "200.0.0.0-255.255.255.255",
            ),
            (DataType::Ipv4Addr, "0.0.0.0-255.255.255.255", "0.0.0.0/0"),
            (DataType::Ipv4Addr, "0.0.0.0/0", "0.0.0.0/0"),
            (DataType::Ipv4Addr, "255.255.255.255/32", "255.255.255.255"),
            (DataType::Ipv6Addr, "::/0", "::/0"),
            (DataType::Ipv6Addr, "::/128", "::"),
            (DataType::Ipv6Addr, "2001:db8::1/64", "2001:db8::/64"),
            (
                DataType::Ipv6Addr,
                "2001:db8::-2001:db8::ffff",
                "2001:db8::/112",
            ),
            (
                DataType::Ipv6Addr,
                "2001:db9::1-2001:db9::5",
                "2001:db9::1-2001:db9::5",
            ),
            (
                DataType::Ipv6Addr,
                "ffff::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "ffff::/16",
            ),
            (
                DataType::Ipv6Addr,
                "ff02::1:ff00:0/104",
                "ff02::1:ff00:0/104",
            ),
            (DataType::InetService, "22", "22"),
            (DataType::InetService, "ssh", "22"),
            (DataType::InetService, "0-0", "0"),
            (DataType::InetService, "1-5", "1-5"),
            (DataType::InetService, "256-511", "256-511"),
            (DataType::InetService, "0-65535", "0-65535"),
            (DataType::InetService, "0x10-0x20", "16-32"),
            (DataType::InetService, "80 - 443", "80-443"),
            (DataType::InetProto, "tcp", "tcp"),
            (DataType::InetProto, "0", "ip"),
            (DataType::InetProto, "250", "250"),
            (DataType::InetProto, "tcp - udp", "6-17"),
            (DataType::InetProto, "0-255", "0-255"),
            (DataType::Mark, "7", "0x00000007"),
            (DataType::Mark, "0x10-0x20", "0x00000010-0x00000020"),
            (DataType::Mark, "0x100-0x1ff", "0x00000100/24"),
            (DataType::Mark, "0x10-0x1f", "0x00000010/28"),
            (DataType::Mark, "0x1ff/24", "0x00000100/24"),
            (DataType::Mark, "0-0xffffffff", "0x00000000/0"),
            (
                DataType::EtherAddr,
                "0a:bb:cc:dd:ee:ff",
                "0a:bb:cc:dd:ee:ff",
            ),
            (
                DataType::EtherAddr,
                "00:11:22:33:44:00-00:11:22:33:44:ff",
                "00:11:22:33:44:00-00:11:22:33:44:ff",
            ),
            (
                DataType::EtherAddr,
                "00:00:00:00:00:00-ff:ff:ff:ff:ff:ff",
                "00:00:00:00:00:00-ff:ff:ff:ff:ff:ff",
            ),
            (DataType::Ifname, "eth0", "eth0"),
            (DataType::Ifname, "br-*", "br-*"),
            (DataType::Ifname, "a**", "a**"),
        ];
        for (ty, text, nft) in cases {
            assert_eq!(range_printed(ty, text), nft, "{} input {text:?}", ty.name());
        }
    }

    #[test]
    fn format_range_other_bounds() {
        let mut out = String::new();
        let eth0 = b"eth0\0\0\0\0\0\0\0\0\0\0\0\0";
        let eth1 = b"eth1\0\0\0\0\0\0\0\0\0\0\0\0";
        DataType::Ifname.format_range(eth0, eth1, &mut out);
        assert_eq!(out, "eth0-eth1");

        out.clear();
        DataType::Ipv4Addr.format_range(&[10, 0, 0, 9], &[10, 0, 0, 1], &mut out);
        assert_eq!(out, "10.0.0.9-10.0.0.1");

        out.clear();
        DataType::Ipv4Addr.format_range(&[10, 0, 0, 1], &[10, 0, 0, 2], &mut out);
        assert_eq!(out, "10.0.0.1-10.0.0.2");
    }

    #[test]
    fn prefix_len_of_bounds() {
        assert_eq!(prefix_len(&[10, 0, 0, 0], &[10, 0, 0, 255]), Some(24));
        assert_eq!(prefix_len(&[0; 4], &[0xff; 4]), Some(0));
        assert_eq!(prefix_len(&[1, 2, 3, 4], &[1, 2, 3, 4]), Some(32));
        assert_eq!(prefix_len(&[10, 0, 0, 0], &[10, 0, 1, 255]), Some(23));
        assert_eq!(prefix_len(&[10, 0, 0, 1], &[10, 0, 0, 255]), None);
        assert_eq!(prefix_len(&[10, 0, 0, 0], &[10, 0, 0, 254]), None);
        assert_eq!(prefix_len(&[10, 0, 0, 0], &[10, 0, 255, 0]), None);
        assert_eq!(prefix_len(&[10, 0, 0, 0], &[10, 1, 0, 255]), None);
    }

    #[test]
    fn host_mask_per_byte() {
        assert_eq!(host_mask(24, 2), 0x00);
        assert_eq!(host_mask(24, 3), 0xff);
        assert_eq!(host_mask(25, 3), 0x7f);
        assert_eq!(host_mask(0, 0), 0xff);
        assert_eq!(host_mask(32, 3), 0x00);
        assert_eq!(host_mask(128, 15), 0x00);
    }

    #[test]
    fn read_integer_forms() {
        assert_eq!(read_integer("0"), Integer::Value(0));
        assert_eq!(read_integer("0x0"), Integer::Value(0));
        assert_eq!(read_integer("0X1f"), Integer::Value(31));
        assert_eq!(
            read_integer("18446744073709551615"),
            Integer::Value(u64::MAX)
        );
        assert_eq!(read_integer("18446744073709551616"), Integer::TooLarge);
        assert_eq!(read_integer("010"), Integer::LeadingZero);
        assert_eq!(read_integer("0x"), Integer::NotNumeric);
        assert_eq!(read_integer("x1"), Integer::NotNumeric);
        assert_eq!(read_integer("1_000"), Integer::NotNumeric);
    }
}
