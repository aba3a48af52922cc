//! Netlink message and attribute encoding.
//!
//! Messages are written straight into a byte buffer: a 16-byte `nlmsghdr`,
//! the 4-byte `nfgenmsg`, then attributes padded to 4 bytes. Lengths are
//! patched in when a message or nest is closed, so nothing is built twice.

use crate::error::DecodeError;
use crate::sys::*;

/// Rounds a length up to the 4-byte netlink alignment.
pub const fn align(len: usize) -> usize {
    (len + 3) & !3
}

/// Appends netlink messages and attributes to a buffer.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut Vec<u8>,
}

impl<'a> Writer<'a> {
    /// Wraps a buffer; new bytes are appended after its current end.
    pub fn new(buf: &'a mut Vec<u8>) -> Self {
        Writer { buf }
    }

    /// Current length of the buffer, used as a nest or message start.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Returns true if nothing has been written to the buffer.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Starts a message with its `nlmsghdr` and `nfgenmsg`; returns its start.
    pub fn begin_message(
        &mut self,
        ty: u16,
        flags: u16,
        seq: u32,
        family: u8,
        res_id: u16,
    ) -> usize {
        let start = self.buf.len();
        self.buf.extend_from_slice(&0u32.to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(&flags.to_ne_bytes());
        self.buf.extend_from_slice(&seq.to_ne_bytes());
        self.buf.extend_from_slice(&0u32.to_ne_bytes());
        self.buf.push(family);
        self.buf.push(NFNETLINK_V0);
        self.buf.extend_from_slice(&res_id.to_be_bytes());
        start
    }

    /// Writes the final length into the header of the message at `start`.
    pub fn end_message(&mut self, start: usize) {
        let len = (self.buf.len() - start) as u32;
        self.buf[start..start + 4].copy_from_slice(&len.to_ne_bytes());
    }

    /// Appends one attribute with a raw payload.
    pub fn bytes(&mut self, ty: u16, payload: &[u8]) {
        let len = NLA_HDRLEN + payload.len();
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(payload);
        self.pad();
    }

    /// Appends a big-endian u32 attribute, as every nf_tables integer is.
    pub fn u32_be(&mut self, ty: u16, value: u32) {
        self.bytes(ty, &value.to_be_bytes());
    }

    /// Appends a big-endian u64 attribute.
    pub fn u64_be(&mut self, ty: u16, value: u64) {
        self.bytes(ty, &value.to_be_bytes());
    }

    /// Appends a NUL-terminated string attribute, as nft sends names.
    pub fn string(&mut self, ty: u16, value: &str) {
        let len = NLA_HDRLEN + value.len() + 1;
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(value.as_bytes());
        self.buf.push(0);
        self.pad();
    }

    /// Opens a nested attribute; returns its start for [`Writer::end_nest`].
    pub fn begin_nest(&mut self, ty: u16) -> usize {
        let start = self.buf.len();
        self.buf.extend_from_slice(&0u16.to_ne_bytes());
        self.buf
            .extend_from_slice(&(ty | NLA_F_NESTED).to_ne_bytes());
        start
    }

    /// Closes a nest. The caller keeps nests under 64 KiB; see [`Writer::nest_len`].
    pub fn end_nest(&mut self, start: usize) {
        let len = self.buf.len() - start;
        debug_assert!(
            len <= u16::MAX as usize,
            "nest of {len} bytes overflows nla_len"
        );
        self.buf[start..start + 2].copy_from_slice(&(len as u16).to_ne_bytes());
    }

    /// Bytes written so far since the nest at `start` was opened.
    pub fn nest_len(&self, start: usize) -> usize {
        self.buf.len() - start
    }

    /// Drops everything written after `len`, to undo a partial element.
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    fn pad(&mut self) {
        let padded = align(self.buf.len());
        self.buf.resize(padded, 0);
    }
}

/// One attribute read from a message, with the flag bits removed from its type.
#[derive(Clone, Copy, Debug)]
pub struct Attr<'a> {
    /// Attribute type without `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER`.
    pub ty: u16,
    /// Payload without the 4-byte header and padding.
    pub payload: &'a [u8],
    /// Offset of the attribute header inside the buffer that was parsed.
    pub offset: usize,
}

impl<'a> Attr<'a> {
    /// Reads a big-endian u32 payload.
    pub fn u32_be(&self) -> Result<u32, DecodeError> {
        let bytes: [u8; 4] = self.payload.try_into().map_err(|_| self.bad_len(4))?;
        Ok(u32::from_be_bytes(bytes))
    }

    /// Reads a big-endian u64 payload; the kernel may only 4-byte align it.
    pub fn u64_be(&self) -> Result<u64, DecodeError> {
        let bytes: [u8; 8] = self.payload.try_into().map_err(|_| self.bad_len(8))?;
        Ok(u64::from_be_bytes(bytes))
    }

    /// Reads a string payload up to its first NUL.
    pub fn string(&self) -> Result<&'a str, DecodeError> {
        let end = self
            .payload
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.payload.len());
        std::str::from_utf8(&self.payload[..end])
            .map_err(|_| DecodeError::new("attribute string is not UTF-8"))
    }

    /// Iterates over the attributes nested in this one.
    pub fn nested(&self) -> Attrs<'a> {
        Attrs::with_base(self.payload, self.offset + NLA_HDRLEN)
    }

    fn bad_len(&self, expected: usize) -> DecodeError {
        DecodeError::new(format!(
            "attribute {} has {} bytes, expected {expected}",
            self.ty,
            self.payload.len()
        ))
    }
}

/// Iterator over a run of attributes.
#[derive(Clone, Debug)]
pub struct Attrs<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Attrs<'a> {
    /// Parses `data` as consecutive attributes.
    pub fn new(data: &'a [u8]) -> Self {
        Attrs::with_base(data, 0)
    }

    /// Parses `data`, reporting offsets relative to an outer buffer.
    pub fn with_base(data: &'a [u8], base: usize) -> Self {
        Attrs { data, pos: 0, base }
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Result<Attr<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = &self.data[self.pos.min(self.data.len())..];
        if rest.len() < NLA_HDRLEN {
            return None;
        }
        let len = u16::from_ne_bytes([rest[0], rest[1]]) as usize;
        let ty = u16::from_ne_bytes([rest[2], rest[3]]) & NLA_TYPE_MASK;
        if len < NLA_HDRLEN || len > rest.len() {
            self.pos = self.data.len();
            return Some(Err(DecodeError::new(format!(
                "attribute {ty} claims {len} bytes but {} remain",
                rest.len()
            ))));
        }
        let attr = Attr {
            ty,
            payload: &rest[NLA_HDRLEN..len],
            offset: self.base + self.pos,
        };
        self.pos += align(len);
        Some(Ok(attr))
    }
}
