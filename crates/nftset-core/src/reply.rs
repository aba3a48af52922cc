//! Kernel replies: splitting datagrams into messages, and reading ACKs and
//! errors with their extended-ACK attributes.
//!
//! Dump datagrams carry up to 32 KiB of elements, so their headers are
//! walked in place with no copy. Errors are rare and are decoded with neli,
//! which also parses the extended-ACK TLVs.

use std::io::Cursor;

use neli::consts::nl::NlmsgerrAttr;
use neli::nl::{NlPayload, Nlmsghdr};
use neli::types::Buffer;
use neli::FromBytes;

use crate::error::DecodeError;
use crate::sys::*;

/// One netlink message inside a datagram.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    /// `nlmsg_type`.
    pub ty: u16,
    /// `nlmsg_flags`.
    pub flags: u16,
    /// `nlmsg_seq`, copied from the request.
    pub seq: u32,
    /// `nlmsg_pid`.
    pub pid: u32,
    /// The whole message, header included.
    pub bytes: &'a [u8],
}

impl<'a> Message<'a> {
    /// Payload after the 16-byte header.
    pub fn payload(&self) -> &'a [u8] {
        &self.bytes[NLMSG_HDRLEN..]
    }

    /// nf_tables command of a reply, or `None` for other subsystems.
    pub fn nft_command(&self) -> Option<u16> {
        (self.ty >> 8 == NFNL_SUBSYS_NFTABLES).then_some(self.ty & 0xff)
    }

    /// `nfgenmsg` of an nf_tables message: family and `res_id`, the low
    /// 16 bits of the ruleset generation in kernel replies.
    pub fn nfgen(&self) -> Result<(u8, u16), DecodeError> {
        let payload = self.payload();
        if payload.len() < NFGENMSG_LEN {
            return Err(DecodeError::new("nf_tables message shorter than nfgenmsg"));
        }
        Ok((payload[0], u16::from_be_bytes([payload[2], payload[3]])))
    }

    /// Attributes after the `nfgenmsg`, with offsets from the message start.
    pub fn attrs(&self) -> crate::attr::Attrs<'a> {
        let start = (NLMSG_HDRLEN + NFGENMSG_LEN).min(self.bytes.len());
        crate::attr::Attrs::with_base(&self.bytes[start..], start)
    }
}

/// Iterator over the messages of one datagram.
#[derive(Clone, Debug)]
pub struct Messages<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Messages<'a> {
    /// Splits a datagram.
    pub fn new(data: &'a [u8]) -> Self {
        Messages { data, pos: 0 }
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.data.get(self.pos..)?;
        if rest.len() < NLMSG_HDRLEN {
            if !rest.is_empty() {
                self.pos = self.data.len();
                return Some(Err(DecodeError::new(format!(
                    "{} stray bytes after the last message",
                    rest.len()
                ))));
            }
            return None;
        }
        let len = u32::from_ne_bytes(rest[0..4].try_into().expect("4 bytes")) as usize;
        if len < NLMSG_HDRLEN || len > rest.len() {
            self.pos = self.data.len();
            return Some(Err(DecodeError::new(format!(
                "message claims {len} bytes but the datagram has {} left",
                rest.len()
            ))));
        }
        let message = Message {
            ty: u16::from_ne_bytes([rest[4], rest[5]]),
            flags: u16::from_ne_bytes([rest[6], rest[7]]),
            seq: u32::from_ne_bytes(rest[8..12].try_into().expect("4 bytes")),
            pid: u32::from_ne_bytes(rest[12..16].try_into().expect("4 bytes")),
            bytes: &rest[..len],
        };
        self.pos += crate::attr::align(len);
        Some(Ok(message))
    }
}

/// An `NLMSG_ERROR` reply: an ACK when `errno` is 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ack {
    /// Sequence number of the request it answers.
    pub seq: u32,
    /// Positive errno, 0 for success.
    pub errno: i32,
    /// `NLMSGERR_ATTR_OFFS`: offset of the offending attribute from the
    /// start of the request message.
    pub offset: Option<u32>,
    /// `NLMSGERR_ATTR_MSG`: the kernel's text, if any.
    pub message: Option<String>,
}

/// Decodes an `NLMSG_ERROR` message, with its extended-ACK attributes.
pub fn parse_ack(message: &Message<'_>) -> Result<Ack, DecodeError> {
    let error_code = message
        .payload()
        .get(..4)
        .map(|bytes| i32::from_ne_bytes(bytes.try_into().expect("4 bytes")))
        .ok_or_else(|| DecodeError::new("NLMSG_ERROR without an error code"))?;
    // The kernel sends 0 or a negative errno, and errnos stop at 4095.
    if !(-4095..=0).contains(&error_code) {
        return Err(DecodeError::new(format!(
            "invalid NLMSG_ERROR: error code {error_code} is neither 0 nor a negative errno"
        )));
    }
    if error_code == 0 {
        return Ok(Ack {
            seq: message.seq,
            errno: 0,
            offset: None,
            message: None,
        });
    }
    check_echo(message)?;
    let parsed = Nlmsghdr::<u16, Buffer>::from_bytes(&mut Cursor::new(message.bytes))
        .map_err(|error| DecodeError::new(format!("NLMSG_ERROR: {error}")))?;
    let NlPayload::Err(error) = parsed.nl_payload() else {
        return Err(DecodeError::new("NLMSG_ERROR payload is not an error"));
    };
    let mut ack = Ack {
        seq: message.seq,
        errno: -*error.error(),
        offset: None,
        message: None,
    };
    for attr in error.ext_ack().iter() {
        let payload: &[u8] = attr.nla_payload().as_ref();
        match attr.nla_type().nla_type() {
            NlmsgerrAttr::Offset => {
                if let Ok(bytes) = <[u8; 4]>::try_from(payload) {
                    ack.offset = Some(u32::from_ne_bytes(bytes));
                }
            }
            NlmsgerrAttr::Msg => {
                let text = payload.split(|&b| b == 0).next().unwrap_or_default();
                ack.message = Some(String::from_utf8_lossy(text).into_owned());
            }
            _ => {}
        }
    }
    Ok(ack)
}

/// Checks that the request an error echoes fits the message, padding
/// included, before neli reads it. neli sizes its buffers from the echoed
/// length and panics when that length is below the 16-byte header or its
/// padded size passes the end of the message.
fn check_echo(message: &Message<'_>) -> Result<(), DecodeError> {
    let payload = message.payload();
    let echoed = payload
        .get(4..8)
        .map(|bytes| u32::from_ne_bytes(bytes.try_into().expect("4 bytes")) as usize)
        .ok_or_else(|| DecodeError::new("NLMSG_ERROR without the echoed request header"))?;
    if echoed < NLMSG_HDRLEN || 4 + crate::attr::align(echoed) > payload.len() {
        return Err(DecodeError::new(format!(
            "NLMSG_ERROR echoes a request of {echoed} bytes in a payload of {} bytes",
            payload.len()
        )));
    }
    Ok(())
}

/// Reads the `int` that `NLMSG_DONE` carries: 0, or a negative errno when
/// the dump failed, for example because the set was deleted meanwhile.
/// A value outside the errno range, which no kernel sends, gives `EBADMSG`.
pub fn parse_done(message: &Message<'_>) -> i32 {
    let Some(bytes) = message.payload().get(..4) else {
        return 0;
    };
    let code = i32::from_ne_bytes(bytes.try_into().expect("4 bytes"));
    match code.checked_neg() {
        Some(errno) if (0..=4095).contains(&errno) => errno,
        _ => libc::EBADMSG,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An EEXIST error for a NEWSETELEM of 40 bytes, with OFFS 0x28 and the
    /// echoed request, as a kernel with NETLINK_EXT_ACK sends it.
    fn eexist_reply() -> Vec<u8> {
        let mut request = vec![
            0x28, 0, 0, 0, // nlmsg_len 40
            0x0c, 0x0a, // NEWSETELEM
            0x05, 0x04, // REQUEST|ACK|CREATE
            7, 0, 0, 0, // seq 7
            0, 0, 0, 0, // pid
            1, 0, 0, 0, // nfgenmsg: inet
            6, 0, 1, 0, b't', 0, 0, 0, // LIST_TABLE "t"
            6, 0, 2, 0, b's', 0, 0, 0, // LIST_SET "s"
        ];
        request.truncate(36);
        request[0] = 36;
        let mut reply = Vec::new();
        let total = 16 + 4 + request.len() + 8;
        reply.extend_from_slice(&(total as u32).to_ne_bytes());
        reply.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        reply.extend_from_slice(&NLM_F_ACK_TLVS.to_ne_bytes());
        reply.extend_from_slice(&7u32.to_ne_bytes());
        reply.extend_from_slice(&99u32.to_ne_bytes());
        reply.extend_from_slice(&(-libc::EEXIST).to_ne_bytes());
        reply.extend_from_slice(&request);
        reply.extend_from_slice(&[8, 0, 2, 0]); // OFFS
        reply.extend_from_slice(&0x1cu32.to_ne_bytes());
        reply
    }

    #[test]
    fn error_with_offset_decodes() {
        let bytes = eexist_reply();
        let message = Messages::new(&bytes).next().unwrap().unwrap();
        assert_eq!(message.ty, NLMSG_ERROR);
        let ack = parse_ack(&message).unwrap();
        assert_eq!(ack.errno, libc::EEXIST);
        assert_eq!(ack.seq, 7);
        assert_eq!(ack.offset, Some(0x1c));
        assert_eq!(ack.message, None);
    }

    #[test]
    fn plain_ack_decodes() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&36u32.to_ne_bytes());
        bytes.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        bytes.extend_from_slice(&NLM_F_CAPPED.to_ne_bytes());
        bytes.extend_from_slice(&3u32.to_ne_bytes());
        bytes.extend_from_slice(&0u32.to_ne_bytes());
        bytes.extend_from_slice(&0i32.to_ne_bytes());
        bytes.extend_from_slice(&[0; 16]);
        let message = Messages::new(&bytes).next().unwrap().unwrap();
        let ack = parse_ack(&message).unwrap();
        assert_eq!(ack.errno, 0);
        assert_eq!(ack.seq, 3);
    }

    #[test]
    fn short_echoed_header_fails() {
        // An error whose echoed request claims 0 bytes, which once made
        // neli allocate usize::MAX bytes; found by the reply fuzz target.
        let mut bytes = eexist_reply();
        bytes[20..24].copy_from_slice(&0u32.to_ne_bytes());
        let message = Messages::new(&bytes).next().unwrap().unwrap();
        assert!(parse_ack(&message).is_err());
        bytes[20..24].copy_from_slice(&4096u32.to_ne_bytes());
        let message = Messages::new(&bytes).next().unwrap().unwrap();
        assert!(parse_ack(&message).is_err());
        // An echo of 37 bytes fits a payload of 42 only without its padding;
        // found by replaying the fuzz corpus with overflow checks on.
        bytes[20..24].copy_from_slice(&37u32.to_ne_bytes());
        bytes.truncate(16 + 42);
        bytes[0..4].copy_from_slice(&(16u32 + 42).to_ne_bytes());
        let message = Messages::new(&bytes).next().unwrap().unwrap();
        assert!(parse_ack(&message).is_err());
    }

    #[test]
    fn out_of_range_error_code_fails() {
        for code in [1, 402_653_182, i32::MIN, -4096] {
            let mut bytes = eexist_reply();
            bytes[16..20].copy_from_slice(&code.to_ne_bytes());
            let message = Messages::new(&bytes).next().unwrap().unwrap();
            assert!(parse_ack(&message).is_err(), "error code {code}");
        }
    }

    #[test]
    fn truncated_message_is_an_error() {
        let bytes = [40u8, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let result = Messages::new(&bytes).next().unwrap();
        assert!(result.is_err());
    }
}
