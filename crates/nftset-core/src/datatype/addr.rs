//! `ipv4_addr`, `ipv6_addr` and `ether_addr` values.
//!
//! Addresses are read as `inet_pton` reads them and printed as glibc's
//! `inet_ntop` prints them, which is what nft 1.0.6 prints. nft itself reads
//! addresses with `getaddrinfo`, which also takes host names and the old
//! `inet_aton` forms (`1.2.3` is 1.2.0.3 and `010.0.0.1` is 8.0.0.1). Those
//! forms are rejected here because they are ambiguous.

use std::fmt::Write;
use std::net::Ipv6Addr;

use super::{quoted, ValueError};

fn invalid(type_name: &str, text: &str, reason: &str) -> ValueError {
    ValueError::new(format!(
        "invalid {type_name} value {}: {reason}",
        quoted(text)
    ))
}

/// Parses a dotted quad such as `192.0.2.1` into 4 bytes.
pub(super) fn parse_ipv4(text: &str, out: &mut [u8]) -> Result<(), ValueError> {
    let shape = "expected 4 decimal parts separated by dots, such as 192.0.2.1";
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return Err(invalid("ipv4_addr", text, shape));
    }

    for (byte, part) in out.iter_mut().zip(parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("ipv4_addr", text, shape));
        }
        if part.len() > 1 && part.starts_with('0') {
            let reason = "a part has a leading zero, which nft reads as octal";
            return Err(invalid("ipv4_addr", text, reason));
        }
        match part.parse::<u8>() {
            Ok(value) => *byte = value,
            Err(_) => {
                let reason = "each of the 4 parts must be 0 to 255";
                return Err(invalid("ipv4_addr", text, reason));
            }
        }
    }
    Ok(())
}

/// Parses an IPv6 address, including the embedded IPv4 form
/// `::ffff:192.0.2.1`, into 16 bytes.
pub(super) fn parse_ipv6(text: &str, out: &mut [u8]) -> Result<(), ValueError> {
    match text.parse::<Ipv6Addr>() {
        Ok(addr) => {
            out.copy_from_slice(&addr.octets());
            Ok(())
        }
        Err(_) if text.contains('%') => {
            let reason = "a zone index such as %eth0 cannot be part of a set element";
            Err(invalid("ipv6_addr", text, reason))
        }
        Err(_) => {
            let reason = "expected 8 groups of up to 4 hex digits separated by colons, \
                          with at most one ::, such as 2001:db8::1";
            Err(invalid("ipv6_addr", text, reason))
        }
    }
}

/// Parses a MAC address: 6 octets of 1 or 2 hex digits, separated by
/// colons or, as nft also takes, by dashes (`00-11-22-33-44-55`).
pub(super) fn parse_ether(text: &str, out: &mut [u8]) -> Result<(), ValueError> {
    let reason = "expected 6 hex octets separated by colons, such as 00:11:22:33:44:55";
    let separator = if text.contains(':') { ':' } else { '-' };
    let parts: Vec<&str> = text.split(separator).collect();
    if parts.len() != 6 {
        return Err(invalid("ether_addr", text, reason));
    }

    for (byte, part) in out.iter_mut().zip(parts) {
        let hex = !part.is_empty() && part.len() <= 2;
        if !hex || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid("ether_addr", text, reason));
        }
        *byte = u8::from_str_radix(part, 16).map_err(|_| invalid("ether_addr", text, reason))?;
    }
    Ok(())
}

pub(super) fn format_ipv4(value: &[u8], out: &mut String) {
    let _ = write!(out, "{}.{}.{}.{}", value[0], value[1], value[2], value[3]);
}

/// Prints an IPv6 address as glibc's `inet_ntop` does: RFC 5952 zero
/// compression in lowercase, with the last 32 bits as a dotted quad for
/// `::ffff:a.b.c.d` and for `::a.b.c.d` (but `::1` and `::` stay hex).
pub(super) fn format_ipv6(value: &[u8], out: &mut String) {
    let groups: Vec<u16> = value
        .chunks_exact(2)
        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
        .collect();

    // The longest run of at least two zero groups, the first one on a tie.
    let mut best: Option<(usize, usize)> = None;
    let mut start = 0;
    while start < 8 {
        let len = groups[start..].iter().take_while(|&&g| g == 0).count();
        let longer = match best {
            Some((_, best_len)) => len > best_len,
            None => true,
        };
        if len >= 2 && longer {
            best = Some((start, len));
        }
        start += len.max(1);
    }

    let embedded_ipv4 = match best {
        Some((0, 6)) => true,
        Some((0, 5)) => groups[5] == 0xffff,
        _ => false,
    };

    let mut index = 0;
    while index < 8 {
        if let Some((run_start, run_len)) = best {
            if index == run_start {
                out.push_str("::");
                index += run_len;
                continue;
            }
        }
        if index > 0 && !out.ends_with(':') {
            out.push(':');
        }
        if index == 6 && embedded_ipv4 {
            format_ipv4(&value[12..], out);
            return;
        }
        let _ = write!(out, "{:x}", groups[index]);
        index += 1;
    }
}

pub(super) fn format_ether(value: &[u8], out: &mut String) {
    for (index, byte) in value.iter().enumerate() {
        if index > 0 {
            out.push(':');
        }
        let _ = write!(out, "{byte:02x}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipv4(text: &str) -> Result<[u8; 4], String> {
        let mut out = [0u8; 4];
        parse_ipv4(text, &mut out).map_err(|e| e.0)?;
        Ok(out)
    }

    fn ipv6(text: &str) -> Result<[u8; 16], String> {
        let mut out = [0u8; 16];
        parse_ipv6(text, &mut out).map_err(|e| e.0)?;
        Ok(out)
    }

    fn ether(text: &str) -> Result<[u8; 6], String> {
        let mut out = [0u8; 6];
        parse_ether(text, &mut out).map_err(|e| e.0)?;
        Ok(out)
    }

    fn ipv6_text(value: &[u8]) -> String {
        let mut out = String::new();
        format_ipv6(value, &mut out);
        out
    }

    /// Parses and prints back, which must give nft's spelling.
    fn ipv6_round_trip(text: &str) -> String {
        ipv6_text(&ipv6(text).unwrap())
    }

    #[test]
    fn ipv4_wire_bytes() {
        assert_eq!(ipv4("10.0.0.1"), Ok([0x0a, 0x00, 0x00, 0x01]));
        assert_eq!(ipv4("0.0.0.0"), Ok([0, 0, 0, 0]));
        assert_eq!(ipv4("255.255.255.255"), Ok([0xff; 4]));
        assert_eq!(ipv4("192.0.2.10"), Ok([192, 0, 2, 10]));
    }

    #[test]
    fn ipv4_round_trip() {
        for text in ["10.0.0.1", "0.0.0.0", "255.255.255.255", "198.51.100.183"] {
            let mut out = String::new();
            format_ipv4(&ipv4(text).unwrap(), &mut out);
            assert_eq!(out, text);
        }
    }

    #[test]
    fn ipv4_invalid() {
        let shape = "expected 4 decimal parts separated by dots, such as 192.0.2.1";
        let range = "each of the 4 parts must be 0 to 255";
        let octal = "a part has a leading zero, which nft reads as octal";
        let cases = [
            ("300.1.2.3", range),
            ("1.2.3.256", range),
            ("1.2.3.1000", range),
            ("1.2.3", shape),
            ("1.2.3.4.5", shape),
            ("", shape),
            ("1..2.3", shape),
            ("1.2.3.4.", shape),
            (" 1.2.3.4", shape),
            ("1.2.3.-4", shape),
            ("0x1.2.3.4", shape),
            ("+1.2.3.4", shape),
            ("localhost", shape),
            ("1.2.3.4/24", shape),
            ("01.2.3.4", octal),
            ("1.2.3.00", octal),
        ];
        for (text, reason) in cases {
            let expected = format!("invalid ipv4_addr value {text:?}: {reason}");
            assert_eq!(ipv4(text), Err(expected), "input {text:?}");
        }
    }

    #[test]
    fn ipv6_wire_bytes() {
        let mut loopback = [0u8; 16];
        loopback[15] = 1;
        assert_eq!(ipv6("::"), Ok([0u8; 16]));
        assert_eq!(ipv6("::1"), Ok(loopback));
        assert_eq!(
            ipv6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            Ok([0xff; 16])
        );

        let mapped = ipv6("::ffff:1.2.3.4").unwrap();
        assert_eq!(mapped[..10], [0u8; 10]);
        assert_eq!(mapped[10..], [0xff, 0xff, 1, 2, 3, 4]);

        let doc = ipv6("2001:DB8::1").unwrap();
        assert_eq!(doc[..4], [0x20, 0x01, 0x0d, 0xb8]);
        assert_eq!(doc[4..15], [0u8; 11]);
        assert_eq!(doc[15], 1);
    }

    // Each expected string is what nft 1.0.6 lists for the input.
    #[test]
    fn ipv6_prints_as_nft() {
        let cases = [
            ("::", "::"),
            ("0::0", "::"),
            ("::1", "::1"),
            ("::1.2.3.4", "::1.2.3.4"),
            ("::0.0.1.0", "::100"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("::ffff:0:0", "::ffff:0.0.0.0"),
            ("::ffff:0:1.2.3.4", "::ffff:0:102:304"),
            ("64:ff9b::1.2.3.4", "64:ff9b::102:304"),
            ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
            ("1:0:0:1:0:0:0:1", "1:0:0:1::1"),
            ("1:0:0:0:1:0:0:1", "1::1:0:0:1"),
            ("1::2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
            ("2001:DB8::1", "2001:db8::1"),
            ("0001:0db8::1", "1:db8::1"),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
            ("ff02::1:ff00:0", "ff02::1:ff00:0"),
            ("fe80::", "fe80::"),
            (
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
        ];
        for (text, printed) in cases {
            assert_eq!(ipv6_round_trip(text), printed, "input {text:?}");
        }
    }

    #[test]
    fn ipv6_invalid() {
        let shape = "expected 8 groups of up to 4 hex digits separated by colons, \
                     with at most one ::, such as 2001:db8::1";
        let zone = "a zone index such as %eth0 cannot be part of a set element";
        let cases = [
            ("", shape),
            (":", shape),
            ("1::2::3", shape),
            (":1::", shape),
            ("12345::", shape),
            ("1:2:3:4:5:6:7:8:9", shape),
            ("1:2:3:4:5:6:7", shape),
            ("::1.2.3", shape),
            ("::01.2.3.4", shape),
            ("::256.1.1.1", shape),
            ("g::", shape),
            ("1.2.3.4", shape),
            ("::/0", shape),
            (" ::1", shape),
            ("fe80::1%lo", zone),
        ];
        for (text, reason) in cases {
            let expected = format!("invalid ipv6_addr value {text:?}: {reason}");
            assert_eq!(ipv6(text), Err(expected), "input {text:?}");
        }
    }

    /// Compares parsing and printing with glibc's `inet_pton` and `inet_ntop`.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn ipv6_matches_glibc() {
        use std::ffi::{CStr, CString};

        use libc::{c_char, c_int, c_void, socklen_t};

        // The libc crate does not declare these two.
        extern "C" {
            fn inet_pton(af: c_int, src: *const c_char, dst: *mut c_void) -> c_int;
            fn inet_ntop(
                af: c_int,
                src: *const c_void,
                dst: *mut c_char,
                size: socklen_t,
            ) -> *const c_char;
        }

        let inputs = [
            "::",
            "::1",
            "::2",
            "::1.2.3.4",
            "::ffff:1.2.3.4",
            "::ffff:0:0",
            "::ffff:0:1.2.3.4",
            "::fffe:1.2.3.4",
            "0:0:0:0:0:1:0:0",
            "1::",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:0:0:2:0:0:0:3",
            "1:0:0:2:0:0:3:4",
            "0:0:1:0:0:1:0:0",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:1.2.3.4",
            "::1:2:3:4:5:6:7",
            "0:0:0:0:0:0:1.2.3.4",
            "1::2:3",
            "1:2::3:4:5",
            "0:1:0:1:0:1:0:1",
            "::ffff:ffff:ffff",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            ":1::",
            "1:::",
            "::01.2.3.4",
            "::1.2.3",
            "12345::",
            "1:2:3:4:5:6:7",
            "::1:2:3:4:5:6:7:8",
            "1:2:3:4::5:6:7:8",
            "::ffff:1.2.3.4.5",
            "[::1]",
        ];
        for text in inputs {
            let c_text = CString::new(text).unwrap();
            let mut glibc = [0u8; 16];
            // SAFETY: the source is NUL-terminated and the buffer has room for 16 bytes.
            let rc =
                unsafe { inet_pton(libc::AF_INET6, c_text.as_ptr(), glibc.as_mut_ptr().cast()) };
            assert_eq!(
                ipv6(text).ok(),
                (rc == 1).then_some(glibc),
                "parse {text:?}"
            );
        }

        let mut value = [0u8; 16];
        for pattern in 0u32..(1 << 16) {
            for (group, pair) in value.chunks_exact_mut(2).enumerate() {
                let word: u16 = match (pattern >> (2 * group)) & 3 {
                    0 => 0,
                    1 => 1,
                    2 => 0xffff,
                    _ => 0x0102,
                };
                pair.copy_from_slice(&word.to_be_bytes());
            }
            let mut buffer = [0 as c_char; 64];
            // SAFETY: the source is 16 bytes and the buffer is larger than
            // INET6_ADDRSTRLEN (46).
            let printed = unsafe {
                inet_ntop(
                    libc::AF_INET6,
                    value.as_ptr().cast(),
                    buffer.as_mut_ptr(),
                    64,
                )
            };
            assert!(!printed.is_null());
            // SAFETY: inet_ntop wrote a NUL-terminated string into the buffer.
            let glibc = unsafe { CStr::from_ptr(buffer.as_ptr()) }.to_str().unwrap();
            assert_eq!(ipv6_text(&value), glibc, "bytes {value:02x?}");
        }
    }

    #[test]
    fn ether_wire_bytes() {
        assert_eq!(
            ether("00:11:22:33:44:55"),
            Ok([0x00, 0x11, 0x22, 0x33, 0x44, 0x55])
        );
        assert_eq!(
            ether("AA:bb:Cc:dd:EE:ff"),
            Ok([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff])
        );
        assert_eq!(ether("0:1:2:3:4:5"), Ok([0, 1, 2, 3, 4, 5]));
        assert_eq!(
            ether("00-11-22-33-44-55"),
            Ok([0x00, 0x11, 0x22, 0x33, 0x44, 0x55])
        );
        assert_eq!(ether("00:00:00:00:00:00"), Ok([0; 6]));
        assert_eq!(ether("ff:ff:ff:ff:ff:ff"), Ok([0xff; 6]));
    }

    #[test]
    fn ether_round_trip() {
        let cases = [
            ("00:11:22:33:44:55", "00:11:22:33:44:55"),
            ("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff"),
            ("0:1:2:3:4:5", "00:01:02:03:04:05"),
            ("0a-bb-cc-dd-ee-ff", "0a:bb:cc:dd:ee:ff"),
        ];
        for (text, printed) in cases {
            let mut out = String::new();
            format_ether(&ether(text).unwrap(), &mut out);
            assert_eq!(out, printed, "input {text:?}");
        }
    }

    #[test]
    fn ether_invalid() {
        let reason = "expected 6 hex octets separated by colons, such as 00:11:22:33:44:55";
        let cases = [
            "",
            "00:11:22:33:44",
            "00:11:22:33:44:55:66",
            "001:11:22:33:44:55",
            "00:11:22:33:44:5g",
            "00::22:33:44:55",
            "00:11-22:33:44:55",
            "0011.2233.4455",
            "0x0:11:22:33:44:55",
            "+0:11:22:33:44:55",
            " 00:11:22:33:44:55",
            "00:11:22:33:44:55/40",
        ];
        for text in cases {
            let expected = format!("invalid ether_addr value {text:?}: {reason}");
            assert_eq!(ether(text), Err(expected), "input {text:?}");
        }
    }
}
