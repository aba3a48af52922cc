//! nft datatypes: their ids, widths and byte orders, and how values are
//! parsed from and printed to the text nft uses.
//!
//! Every value is handled in its *sortable* form: integers big-endian,
//! addresses in network order, interface names as NUL-padded bytes. In that
//! form `memcmp` order is numeric order, so ranges and prefixes can be
//! computed on bytes. Host-endian types such as `mark` are converted to host
//! order only when a key is written to a set that is not an interval set
//! (see [`crate::key`]).
//!
//! Ids, widths and byte orders follow `include/datatype.h` and the datatype
//! definitions of nftables 1.1.

use std::borrow::Cow;

mod addr;
mod ifname;
mod names;
mod number;

pub use names::{protocol_name, protocol_number, service_port};

/// Byte order of a datatype, as nft records it in set userdata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteOrder {
    /// Single bytes and concatenations.
    Invalid = 0,
    /// Host order, such as `mark`.
    Host = 1,
    /// Network order, such as addresses and ports.
    Big = 2,
}

/// A basic nft datatype that can be a set key or map value field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataType {
    /// `ipv4_addr`: 4 bytes, network order.
    Ipv4Addr,
    /// `ipv6_addr`: 16 bytes, network order.
    Ipv6Addr,
    /// `ether_addr`: 6 bytes, wire order.
    EtherAddr,
    /// `inet_proto`: 1 byte, an IP protocol number.
    InetProto,
    /// `inet_service`: 2 bytes, a port in network order.
    InetService,
    /// `mark`: 4 bytes, host order.
    Mark,
    /// `ifname`: 16 bytes, NUL-padded interface name.
    Ifname,
}

/// How a field value was written, which decides how it prints back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeForm {
    /// A single value: `lo == hi`.
    Single,
    /// A CIDR prefix of this many bits.
    Prefix(u32),
    /// An explicit range `a-b`.
    Range,
    /// An interface-name wildcard such as `br-*`.
    Wildcard,
}

/// What to do with host bits set below a prefix, as in `198.51.100.183/24`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostBits {
    /// Clear them, as nft does: `198.51.100.183/24` is `198.51.100.0/24`.
    Mask,
    /// Reject the value.
    Reject,
}

/// A value that does not parse as its datatype.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

impl ValueError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ValueError(message.into())
    }
}

/// Maximum number of characters of a value that an error message quotes.
/// Longer values are cut and end in `…`, so that a huge input line never
/// fills a message.
pub const SHOWN_MAX_CHARS: usize = 64;

/// Cuts `text` after [`SHOWN_MAX_CHARS`] characters and appends `…`.
pub fn shortened(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(SHOWN_MAX_CHARS) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
        None => Cow::Borrowed(text),
    }
}

/// Quotes a value for an error message, as Rust's `{:?}` does, cut after
/// [`SHOWN_MAX_CHARS`] characters.
pub fn quoted(text: &str) -> String {
    format!("{:?}", shortened(text))
}

/// Formats a number from JavaScript for an error message. `NaN`,
/// `Infinity` and `-Infinity` print as in JavaScript, where Rust prints
/// `inf`. Other values match JavaScript's form from 1e-6 up to 1e21,
/// outside which JavaScript switches to exponent notation and Rust does not.
pub fn js_number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else {
        value.to_string()
    }
}

/// Every supported datatype, in id order.
pub const ALL: [DataType; 7] = [
    DataType::Ipv4Addr,
    DataType::Ipv6Addr,
    DataType::EtherAddr,
    DataType::InetProto,
    DataType::InetService,
    DataType::Mark,
    DataType::Ifname,
];

impl DataType {
    /// nft's datatype id, sent as `NFTA_SET_KEY_TYPE` and `NFTA_SET_DATA_TYPE`.
    pub const fn id(self) -> u32 {
        match self {
            DataType::Ipv4Addr => 7,
            DataType::Ipv6Addr => 8,
            DataType::EtherAddr => 9,
            DataType::InetProto => 12,
            DataType::InetService => 13,
            DataType::Mark => 19,
            DataType::Ifname => 41,
        }
    }

    /// Looks a datatype up by nft's id.
    pub fn from_id(id: u32) -> Option<DataType> {
        ALL.into_iter().find(|ty| ty.id() == id)
    }

    /// Name as nft writes it in `type ...`.
    pub const fn name(self) -> &'static str {
        match self {
            DataType::Ipv4Addr => "ipv4_addr",
            DataType::Ipv6Addr => "ipv6_addr",
            DataType::EtherAddr => "ether_addr",
            DataType::InetProto => "inet_proto",
            DataType::InetService => "inet_service",
            DataType::Mark => "mark",
            DataType::Ifname => "ifname",
        }
    }

    /// Looks a datatype up by the name nft writes.
    pub fn from_name(name: &str) -> Option<DataType> {
        ALL.into_iter().find(|ty| ty.name() == name)
    }

    /// Width of a value in bytes, before the 4-byte padding of concatenations.
    pub const fn size(self) -> usize {
        match self {
            DataType::Ipv4Addr => 4,
            DataType::Ipv6Addr => 16,
            DataType::EtherAddr => 6,
            DataType::InetProto => 1,
            DataType::InetService => 2,
            DataType::Mark => 4,
            DataType::Ifname => 16,
        }
    }

    /// Byte order nft records for this type in `NFTNL_UDATA_SET_KEYBYTEORDER`.
    pub const fn byte_order(self) -> ByteOrder {
        match self {
            DataType::Ipv4Addr
            | DataType::Ipv6Addr
            | DataType::EtherAddr
            | DataType::InetService => ByteOrder::Big,
            DataType::InetProto => ByteOrder::Invalid,
            DataType::Mark | DataType::Ifname => ByteOrder::Host,
        }
    }

    /// Returns true for integer types stored in host order outside interval
    /// sets. `ifname` is host-order in nft's table but is a byte string, so
    /// it is never swapped.
    pub const fn is_host_integer(self) -> bool {
        matches!(self, DataType::Mark)
    }

    /// Returns true if prefixes such as `10.0.0.0/8` are valid values and
    /// aligned ranges print as prefixes. As in nft 1.0.6 this includes
    /// `mark`, where `0x100/24` is `0x100-0x1ff`.
    pub const fn has_prefixes(self) -> bool {
        matches!(
            self,
            DataType::Ipv4Addr | DataType::Ipv6Addr | DataType::Mark
        )
    }

    /// Parses one value into its sortable form; `out.len()` is [`Self::size`].
    pub fn parse(self, text: &str, out: &mut [u8]) -> Result<(), ValueError> {
        debug_assert_eq!(out.len(), self.size());
        match self {
            DataType::Ipv4Addr => addr::parse_ipv4(text, out),
            DataType::Ipv6Addr => addr::parse_ipv6(text, out),
            DataType::EtherAddr => addr::parse_ether(text, out),
            DataType::InetProto => number::parse_proto(text, out),
            DataType::InetService => number::parse_service(text, out),
            DataType::Mark => number::parse_mark(text, out),
            DataType::Ifname => ifname::parse(text, out),
        }
    }

    /// Parses a JavaScript number, for the integer types only.
    pub fn parse_number(self, value: f64, out: &mut [u8]) -> Result<(), ValueError> {
        debug_assert_eq!(out.len(), self.size());
        number::parse_number(self, value, out)
    }

    /// Parses a value, prefix, range or wildcard into inclusive bounds.
    ///
    /// `lo` and `hi` receive sortable forms and are [`Self::size`] long.
    /// A reversed range is an error that names both ends.
    pub fn parse_range(
        self,
        text: &str,
        host_bits: HostBits,
        lo: &mut [u8],
        hi: &mut [u8],
    ) -> Result<RangeForm, ValueError> {
        number::parse_range(self, text, host_bits, lo, hi)
    }

    /// Appends a value as nft prints it: `443`, `tcp`, `0x00000010`, `eth0`.
    pub fn format(self, value: &[u8], out: &mut String) {
        debug_assert_eq!(value.len(), self.size());
        match self {
            DataType::Ipv4Addr => addr::format_ipv4(value, out),
            DataType::Ipv6Addr => addr::format_ipv6(value, out),
            DataType::EtherAddr => addr::format_ether(value, out),
            DataType::InetProto => number::format_proto(value, out),
            DataType::InetService => number::format_service(value, out),
            DataType::Mark => number::format_mark(value, out),
            DataType::Ifname => ifname::format(value, out),
        }
    }

    /// Appends the inclusive range `[lo, hi]` as nft prints it: a single
    /// value, a prefix where the range is aligned and the type has prefixes,
    /// an ifname wildcard, or `lo-hi`.
    pub fn format_range(self, lo: &[u8], hi: &[u8], out: &mut String) {
        number::format_range(self, lo, hi, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortened_cuts_after_64_characters() {
        let short = "x".repeat(SHOWN_MAX_CHARS);
        assert_eq!(shortened(&short), short);
        let long = "é".repeat(SHOWN_MAX_CHARS + 1);
        assert_eq!(
            shortened(&long),
            format!("{}…", "é".repeat(SHOWN_MAX_CHARS))
        );
    }

    #[test]
    fn quoted_escapes_and_cuts() {
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
        assert_eq!(quoted("\u{feff}1"), "\"\\u{feff}1\"");
        let long = "y".repeat(3_000_000);
        assert_eq!(
            quoted(&long),
            format!("\"{}…\"", "y".repeat(SHOWN_MAX_CHARS))
        );
    }

    #[test]
    fn js_number_matches_javascript() {
        let cases = [
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-1.0, "-1"),
            (1.5, "1.5"),
            (65536.0, "65536"),
            (4294967296.0, "4294967296"),
        ];
        for (value, printed) in cases {
            assert_eq!(js_number(value), printed);
        }
    }
}
