//! Durations in nft's syntax: `1d2h3m4s5ms`, each unit at most once, from
//! days down to milliseconds. The kernel takes them as milliseconds.

/// Longest duration the kernel converts without overflow, in milliseconds:
/// it multiplies by 1,000,000 into a u64 and answers `ERANGE` beyond.
pub const MAX_MS: u64 = u64::MAX / 1_000_000;

const UNITS: [(&str, u64); 5] = [
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Parses `1h30m`, `10s` or `250ms` into milliseconds.
pub fn parse(text: &str) -> Result<u64, String> {
    let invalid = |reason: &str| format!("invalid duration \"{text}\": {reason}");
    if text.is_empty() {
        return Err(invalid("expected a number and a unit such as 30s or 1h30m"));
    }
    let mut rest = text;
    let mut total: u64 = 0;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(invalid("expected a number before each unit"));
        }
        let value: u64 = rest[..digits]
            .parse()
            .map_err(|_| invalid("number out of range"))?;
        rest = &rest[digits..];
        if rest.starts_with('.') {
            return Err(invalid("fractions are not allowed: write 1s500ms for 1.5s"));
        }
        let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..letters];
        rest = &rest[letters..];
        let Some(position) = UNITS.iter().position(|(name, _)| *name == unit) else {
            return Err(if unit.is_empty() {
                invalid("a unit (d, h, m, s or ms) is needed after each number")
            } else {
                invalid(&format!("unknown unit \"{unit}\": use d, h, m, s or ms"))
            });
        };
        if position < next_unit {
            return Err(invalid("units must appear once each, from d down to ms"));
        }
        next_unit = position + 1;
        total = value
            .checked_mul(UNITS[position].1)
            .and_then(|ms| total.checked_add(ms))
            .filter(|&ms| ms <= MAX_MS)
            .ok_or_else(|| invalid(&format!("longer than the kernel maximum of {MAX_MS}ms")))?;
    }
    Ok(total)
}

/// Formats milliseconds as nft prints them: `1h`, `9s996ms`, `0s`.
pub fn format(ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = ms;
    for (name, unit) in UNITS {
        let count = rest / unit;
        if count > 0 {
            out.push_str(&count.to_string());
            out.push_str(name);
            rest -= count * unit;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nft_spellings() {
        assert_eq!(parse("1h30m"), Ok(5_400_000));
        assert_eq!(parse("10s"), Ok(10_000));
        assert_eq!(parse("1d2h3m4s5ms"), Ok(93_784_005));
        assert_eq!(parse("250ms"), Ok(250));
        assert_eq!(parse("0s"), Ok(0));
    }

    #[test]
    fn rejects_bad_spellings() {
        assert!(parse("").unwrap_err().contains("expected a number"));
        assert!(parse("30").unwrap_err().contains("a unit"));
        assert!(parse("1h1h").unwrap_err().contains("once each"));
        assert!(parse("30m1h").unwrap_err().contains("once each"));
        assert!(parse("5w").unwrap_err().contains("unknown unit \"w\""));
        assert!(parse("-5s").unwrap_err().contains("a number before"));
        assert!(parse("1.5s")
            .unwrap_err()
            .contains("fractions are not allowed"));
        assert!(parse("99999999999d")
            .unwrap_err()
            .contains("kernel maximum"));
    }

    #[test]
    fn formats_like_nft() {
        assert_eq!(format(3_600_000), "1h");
        assert_eq!(format(9_996), "9s996ms");
        assert_eq!(format(3_599_996), "59m59s996ms");
        assert_eq!(format(0), "0s");
        assert_eq!(format(93_784_004), "1d2h3m4s4ms");
    }
}
