//! Keys and map values: single datatypes and concatenations.
//!
//! A key is held in its sortable form (see [`crate::datatype`]): each field
//! big-endian, and in a concatenation each field padded with zeros after its
//! bytes to a multiple of 4. The wire form differs only for host-order
//! integer fields (`mark`) of sets without `flags interval`, which the kernel
//! stores in host order; nft converts them to big-endian for interval sets
//! because the range backends compare keys with `memcmp`.

use crate::datatype::{DataType, HostBits, RangeForm, ValueError};
use crate::sys::NFT_DATA_VALUE_MAXLEN;

/// Widest key or value, in bytes.
pub const MAX_KEY_LEN: usize = NFT_DATA_VALUE_MAXLEN;
/// Most fields a concatenated type id can hold: 5 ids of 6 bits in 32 bits.
pub const MAX_FIELDS: usize = 5;
const TYPE_BITS: u32 = 6;

/// A key or value of up to 64 bytes, stored inline so that bulk loads do
/// not allocate per element.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyBuf {
    len: u8,
    bytes: [u8; MAX_KEY_LEN],
}

impl KeyBuf {
    /// Creates a zeroed key of `len` bytes.
    pub fn zeroed(len: usize) -> Self {
        assert!(
            len <= MAX_KEY_LEN,
            "key of {len} bytes exceeds {MAX_KEY_LEN}"
        );
        KeyBuf {
            len: len as u8,
            bytes: [0; MAX_KEY_LEN],
        }
    }

    /// Copies a key from a slice of at most 64 bytes.
    pub fn from_slice(data: &[u8]) -> Self {
        let mut key = KeyBuf::zeroed(data.len());
        key.as_mut_slice().copy_from_slice(data);
        key
    }

    /// The key bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// The key bytes, writable.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.bytes[..self.len as usize]
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Returns true for a zero-length key.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl std::fmt::Debug for KeyBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for byte in self.as_slice() {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// The datatype of a key or map value: one field, or a concatenation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyType {
    fields: Vec<DataType>,
}

/// A parsed key: inclusive bounds in sortable form, and how each field was
/// written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRange {
    /// Lower bound of every field.
    pub lo: KeyBuf,
    /// Upper bound of every field; equal to `lo` for a single value.
    pub hi: KeyBuf,
    /// True if any field is a prefix, range or wildcard.
    pub is_range: bool,
}

impl KeyType {
    /// Creates a key type from its fields; a concatenation has 2 to 5.
    pub fn new(fields: Vec<DataType>) -> Result<Self, String> {
        if fields.is_empty() {
            return Err("a key type needs at least one datatype".into());
        }
        if fields.len() > MAX_FIELDS {
            return Err(format!(
                "a concatenation has at most {MAX_FIELDS} fields, got {}",
                fields.len()
            ));
        }
        let key_type = KeyType { fields };
        if key_type.len() > MAX_KEY_LEN {
            return Err(format!(
                "concatenation is {} bytes, the kernel allows at most {MAX_KEY_LEN}",
                key_type.len()
            ));
        }
        Ok(key_type)
    }

    /// Creates a single-field key type.
    pub fn single(ty: DataType) -> Self {
        KeyType { fields: vec![ty] }
    }

    /// Parses nft's spelling: `ipv4_addr` or `ipv4_addr . inet_service`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut fields = Vec::new();
        for part in text.split('.') {
            let name = part.trim();
            let ty = DataType::from_name(name).ok_or_else(|| unknown_type(name))?;
            fields.push(ty);
        }
        KeyType::new(fields)
    }

    /// Decodes nft's type id, in which each field takes 6 bits and the
    /// first field is the most significant.
    pub fn from_id(id: u32) -> Option<Self> {
        if let Some(ty) = DataType::from_id(id) {
            return Some(KeyType::single(ty));
        }
        let bits = 32 - id.leading_zeros();
        let count = bits.div_ceil(TYPE_BITS) as usize;
        let mut fields = Vec::with_capacity(count);
        for i in (0..count).rev() {
            let field = (id >> (TYPE_BITS * i as u32)) & ((1 << TYPE_BITS) - 1);
            fields.push(DataType::from_id(field)?);
        }
        KeyType::new(fields).ok()
    }

    /// nft's type id: a basic id, or the 6-bit ids of a concatenation.
    pub fn id(&self) -> u32 {
        if let [ty] = self.fields[..] {
            return ty.id();
        }
        self.fields
            .iter()
            .fold(0, |id, ty| (id << TYPE_BITS) | ty.id())
    }

    /// The fields, in order.
    pub fn fields(&self) -> &[DataType] {
        &self.fields
    }

    /// Returns true for a concatenation of two or more fields.
    pub fn is_concat(&self) -> bool {
        self.fields.len() > 1
    }

    /// Width of each field on the wire: its size, padded to 4 bytes in a
    /// concatenation.
    pub fn field_width(&self, index: usize) -> usize {
        let size = self.fields[index].size();
        if self.is_concat() {
            size.div_ceil(4) * 4
        } else {
            size
        }
    }

    /// Key length in bytes, as sent in `NFTA_SET_KEY_LEN`.
    pub fn len(&self) -> usize {
        (0..self.fields.len()).map(|i| self.field_width(i)).sum()
    }

    /// Always false: a key type has at least one field.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// nft's spelling, such as `ipv4_addr . inet_service`.
    pub fn name(&self) -> String {
        let names: Vec<&str> = self.fields.iter().map(|ty| ty.name()).collect();
        names.join(" . ")
    }

    /// Splits a literal such as `192.0.2.1 . tcp . 443` into field texts.
    ///
    /// The separator is a dot with white space on both sides, as nft writes
    /// it, so the dots inside addresses are left alone.
    pub fn split_literal<'t>(&self, text: &'t str) -> Vec<&'t str> {
        if !self.is_concat() {
            return vec![text.trim()];
        }
        text.split(" . ").map(str::trim).collect()
    }

    /// Parses one key from the text of each field into sortable bounds.
    pub fn parse_fields(
        &self,
        parts: &[FieldInput<'_>],
        host_bits: HostBits,
    ) -> Result<KeyRange, ValueError> {
        if parts.len() != self.fields.len() {
            return Err(ValueError(format!(
                "expected {} fields ({}), got {}",
                self.fields.len(),
                self.name(),
                parts.len()
            )));
        }
        let mut lo = KeyBuf::zeroed(self.len());
        let mut hi = KeyBuf::zeroed(self.len());
        let mut is_range = false;
        let mut offset = 0;
        for (i, (ty, part)) in self.fields.iter().zip(parts).enumerate() {
            let size = ty.size();
            let lo_field = &mut lo.as_mut_slice()[offset..offset + size];
            let form = match *part {
                FieldInput::Text(text) => {
                    let mut hi_field = [0u8; 16];
                    let form = ty.parse_range(text, host_bits, lo_field, &mut hi_field[..size])?;
                    hi.as_mut_slice()[offset..offset + size].copy_from_slice(&hi_field[..size]);
                    form
                }
                FieldInput::Number(value) => {
                    ty.parse_number(value, lo_field)?;
                    let value_bytes = lo.as_slice()[offset..offset + size].to_vec();
                    hi.as_mut_slice()[offset..offset + size].copy_from_slice(&value_bytes);
                    RangeForm::Single
                }
            };
            is_range |= form != RangeForm::Single;
            offset += self.field_width(i);
        }
        Ok(KeyRange { lo, hi, is_range })
    }

    /// Converts a sortable key to the bytes the kernel stores for a set
    /// with or without `flags interval`.
    pub fn to_wire(&self, key: &KeyBuf, interval: bool) -> KeyBuf {
        let mut wire = *key;
        if !interval {
            self.swap_host_fields(&mut wire);
        }
        wire
    }

    /// Converts key bytes read from the kernel back to sortable form.
    pub fn from_wire(&self, wire: &[u8], interval: bool) -> Result<KeyBuf, ValueError> {
        if wire.len() != self.len() {
            return Err(ValueError(format!(
                "key of {} bytes does not fit {} ({} bytes)",
                wire.len(),
                self.name(),
                self.len()
            )));
        }
        let mut key = KeyBuf::from_slice(wire);
        if !interval {
            self.swap_host_fields(&mut key);
        }
        Ok(key)
    }

    /// Appends a sortable single key as nft prints it.
    pub fn format(&self, key: &KeyBuf, out: &mut String) {
        self.format_range(key, key, out)
    }

    /// Appends an inclusive range of keys as nft prints it, field by field.
    pub fn format_range(&self, lo: &KeyBuf, hi: &KeyBuf, out: &mut String) {
        let mut offset = 0;
        for (i, ty) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push_str(" . ");
            }
            let size = ty.size();
            ty.format_range(
                &lo.as_slice()[offset..offset + size],
                &hi.as_slice()[offset..offset + size],
                out,
            );
            offset += self.field_width(i);
        }
    }

    fn swap_host_fields(&self, key: &mut KeyBuf) {
        if cfg!(target_endian = "big") {
            return;
        }
        let mut offset = 0;
        for (i, ty) in self.fields.iter().enumerate() {
            if ty.is_host_integer() {
                key.as_mut_slice()[offset..offset + ty.size()].reverse();
            }
            offset += self.field_width(i);
        }
    }
}

/// One field of a key as the caller wrote it.
#[derive(Clone, Copy, Debug)]
pub enum FieldInput<'a> {
    /// Text in nft's syntax: a value, prefix, range or wildcard.
    Text(&'a str),
    /// A JavaScript number, for integer types.
    Number(f64),
}

fn unknown_type(name: &str) -> String {
    let known: Vec<&str> = crate::datatype::ALL.iter().map(|ty| ty.name()).collect();
    format!(
        "unknown datatype \"{name}\": expected one of {}, or a concatenation such as \"ipv4_addr . inet_service\"",
        known.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_type_id_matches_nft() {
        let three = KeyType::parse("ipv4_addr . inet_proto . inet_service").unwrap();
        assert_eq!(three.id(), 0x730d);
        assert_eq!(three.len(), 12);
        let two = KeyType::parse("ipv4_addr . inet_service").unwrap();
        assert_eq!(two.id(), 0x1cd);
        assert_eq!(two.len(), 8);
        let ifname_first = KeyType::parse("ifname . ipv4_addr").unwrap();
        assert_eq!(ifname_first.id(), 0xa47);
        assert_eq!(ifname_first.len(), 20);
    }

    #[test]
    fn concat_type_id_decodes() {
        let key = KeyType::from_id(0x0724_c353).unwrap();
        assert_eq!(
            key.name(),
            "ipv4_addr . ether_addr . inet_proto . inet_service . mark"
        );
        assert_eq!(key.len(), 24);
        assert_eq!(KeyType::from_id(7).unwrap().name(), "ipv4_addr");
        assert!(KeyType::from_id(0x3f).is_none());
    }

    #[test]
    fn single_key_has_no_padding() {
        assert_eq!(KeyType::single(DataType::EtherAddr).len(), 6);
        assert_eq!(KeyType::single(DataType::InetProto).len(), 1);
    }

    #[test]
    fn unknown_type_names_value() {
        let error = KeyType::parse("ipv4_addr . port").unwrap_err();
        assert!(error.starts_with("unknown datatype \"port\""), "{error}");
    }
}
