//! The low-level API of the original Python wrapper over libnftnl: a batch
//! of raw element messages, a netlink socket to send it, and a reply
//! handler with libmnl's return convention.

use std::sync::Arc;

use napi::bindgen_prelude::{Buffer, Object};
use napi::Env;
use napi_derive::napi;

use nftset_core::attr::Writer;
use nftset_core::reply::{self, Messages};
use nftset_core::sys::*;
use nftset_core::{Error, ErrorKind};

use crate::errors;
use crate::worker::Worker;

/// One raw element: key bytes and, for maps, data bytes.
#[napi(object)]
pub struct NativeRawElement {
    /// Key bytes exactly as the kernel stores them.
    pub key: Buffer,
    /// Data bytes for map elements.
    pub data: Option<Buffer>,
}

/// A batch of raw netlink messages, built the way libnftnl builds them.
#[napi]
pub struct NativeBatch {
    buf: Vec<u8>,
    seq: u32,
}

#[napi]
impl NativeBatch {
    /// Creates an empty batch whose first message gets sequence number `seq`.
    #[napi(constructor)]
    pub fn new(seq: Option<u32>) -> Self {
        NativeBatch {
            buf: Vec::with_capacity(4096),
            seq: seq.unwrap_or(0),
        }
    }

    /// Appends `NFNL_MSG_BATCH_BEGIN`.
    #[napi]
    pub fn begin(&mut self) {
        self.batch_marker(NFNL_MSG_BATCH_BEGIN);
    }

    /// Appends `NFNL_MSG_BATCH_END`.
    #[napi]
    pub fn end(&mut self) {
        self.batch_marker(NFNL_MSG_BATCH_END);
    }

    /// Appends a `NEWSETELEM` message for `table`/`set` with the elements;
    /// `ack` requests an acknowledgement from the kernel. An invalid argument fails
    /// with `ERR_INVALID_ARGUMENT` and appends nothing.
    #[napi]
    pub fn elem_put(
        &mut self,
        env: &Env,
        table: String,
        set: String,
        elements: Vec<NativeRawElement>,
        family: u32,
        ack: bool,
    ) -> napi::Result<()> {
        let header = ListHeader {
            command: NFT_MSG_NEWSETELEM,
            flags: NLM_F_CREATE,
            table: &table,
            set: &set,
            family,
            ack,
        };
        self.elements(header, &elements)
            .map_err(|error| errors::to_js(env, &error))
    }

    /// Appends a `DELSETELEM` message for `table`/`set` with the elements;
    /// fails as `elemPut` does.
    #[napi]
    pub fn elem_del(
        &mut self,
        env: &Env,
        table: String,
        set: String,
        elements: Vec<NativeRawElement>,
        family: u32,
        ack: bool,
    ) -> napi::Result<()> {
        let header = ListHeader {
            command: NFT_MSG_DELSETELEM,
            flags: 0,
            table: &table,
            set: &set,
            family,
            ack,
        };
        self.elements(header, &elements)
            .map_err(|error| errors::to_js(env, &error))
    }

    /// The exact bytes of the batch so far.
    #[napi]
    pub fn dump(&self) -> Buffer {
        self.buf.clone().into()
    }

    /// Sequence number the next message will get.
    #[napi(getter)]
    pub fn seq(&self) -> u32 {
        self.seq
    }

    fn batch_marker(&mut self, ty: u16) {
        let seq = self.take_seq();
        let mut w = Writer::new(&mut self.buf);
        let start = w.begin_message(ty, NLM_F_REQUEST, seq, NFPROTO_UNSPEC, NFNL_SUBSYS_NFTABLES);
        w.end_message(start);
    }

    fn elements(
        &mut self,
        header: ListHeader<'_>,
        elements: &[NativeRawElement],
    ) -> Result<(), Error> {
        let family = u8::try_from(header.family).map_err(|_| {
            Error::invalid_argument(
                "family",
                format!(
                    "invalid family: expected an NFPROTO_* value from 0 to 255 (got {})",
                    header.family
                ),
            )
        })?;
        for (index, element) in elements.iter().enumerate() {
            if element.key.len() > NFT_DATA_VALUE_MAXLEN {
                return Err(Error::invalid_argument(
                    format!("set.elements[{index}].key"),
                    format!(
                        "element {index}: key of {} bytes exceeds the kernel maximum of \
                         {NFT_DATA_VALUE_MAXLEN}",
                        element.key.len()
                    ),
                ));
            }
        }
        let mark = self.buf.len();
        let seq = self.take_seq();
        let mut w = Writer::new(&mut self.buf);
        let ack_flag = if header.ack { NLM_F_ACK } else { 0 };
        let start = w.begin_message(
            nft_type(header.command),
            NLM_F_REQUEST | header.flags | ack_flag,
            seq,
            family,
            0,
        );
        w.string(NFTA_SET_ELEM_LIST_TABLE, header.table);
        w.string(NFTA_SET_ELEM_LIST_SET, header.set);
        let list = w.begin_nest(NFTA_SET_ELEM_LIST_ELEMENTS);
        for element in elements {
            let nest = w.begin_nest(NFTA_LIST_ELEM);
            let key = w.begin_nest(NFTA_SET_ELEM_KEY);
            w.bytes(NFTA_DATA_VALUE, &element.key);
            w.end_nest(key);
            if let Some(data) = &element.data {
                let value = w.begin_nest(NFTA_SET_ELEM_DATA);
                w.bytes(NFTA_DATA_VALUE, data);
                w.end_nest(value);
            }
            w.end_nest(nest);
            if w.nest_len(list) > u16::MAX as usize {
                // Drop the partial message, so that the batch stays valid
                // for a caller that splits the list and goes on.
                self.buf.truncate(mark);
                self.seq = seq;
                return Err(Error::invalid_argument(
                    "set.elements",
                    "the element list passes 64 KiB: put the elements in several elemPut calls",
                ));
            }
        }
        w.end_nest(list);
        w.end_message(start);
        Ok(())
    }

    fn take_seq(&mut self) -> u32 {
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        seq
    }
}

/// The identity of an element list message of the low-level batch.
struct ListHeader<'a> {
    command: u16,
    flags: u16,
    table: &'a str,
    set: &'a str,
    family: u32,
    ack: bool,
}

/// Runs the replies in `reply` through libmnl's callback convention:
/// returns 1 when more replies are expected, 0 when done (an ACK or the end
/// of a dump), and `-errno` for an error reply. As in libmnl, a reply from
/// another port id than a non-zero `portid` gives `-ESRCH`, one with
/// another sequence number than a non-zero `seq` gives `-EPROTO`, and one
/// flagged `NLM_F_DUMP_INTR` gives `-EINTR`. An empty buffer gives 1, as
/// libmnl returns `MNL_CB_OK` for 0 bytes. A malformed reply gives
/// `-EBADMSG`.
#[napi(catch_unwind)]
pub fn handle(reply: Buffer, seq: u32, portid: u32) -> i32 {
    run_callbacks(&reply, seq, portid)
}

/// Runs the callbacks of [`handle`] on plain bytes.
fn run_callbacks(reply: &[u8], seq: u32, portid: u32) -> i32 {
    for message in Messages::new(reply) {
        let Ok(message) = message else {
            return -libc::EBADMSG;
        };
        if portid != 0 && message.pid != 0 && message.pid != portid {
            return -libc::ESRCH;
        }
        if seq != 0 && message.seq != 0 && message.seq != seq {
            return -libc::EPROTO;
        }
        if message.flags & NLM_F_DUMP_INTR != 0 {
            return -libc::EINTR;
        }
        match message.ty {
            NLMSG_ERROR => {
                return match reply::parse_ack(&message) {
                    Ok(ack) if ack.errno == 0 => 0,
                    Ok(ack) => -ack.errno,
                    Err(_) => -libc::EBADMSG,
                };
            }
            NLMSG_DONE => return 0,
            _ => {}
        }
    }
    1
}

/// A raw `NETLINK_NETFILTER` socket for the low-level API.
#[napi]
pub struct NativeSocket {
    worker: Arc<Worker>,
    portid: u32,
}

#[napi]
impl NativeSocket {
    /// Opens a socket bound to a kernel-assigned port id, in the current
    /// network namespace or in `netns`.
    #[napi(ts_return_type = "Promise<NativeSocket>")]
    pub fn open(env: &Env, netns: Option<String>) -> napi::Result<Object<'_>> {
        crate::connection::open_with(env, netns, NativeSocket::new)
    }

    /// Port id the kernel assigned.
    #[napi(getter)]
    pub fn portid(&self) -> u32 {
        self.portid
    }

    /// Sends the bytes as one datagram to the kernel; resolves to the byte
    /// count.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn send<'env>(&self, env: &'env Env, data: Buffer) -> napi::Result<Object<'env>> {
        let data = data.to_vec();
        crate::connection::spawn(env, &self.worker, move |client| {
            client.socket().send(&data)?;
            Ok(data.len() as u32)
        })
    }

    /// Receives one datagram, cut to `size` bytes as `recv(2)` cuts it.
    /// Fails with `ETIMEDOUT` when nothing arrives within `timeoutMs`
    /// (default 5000).
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn recv<'env>(
        &self,
        env: &'env Env,
        size: u32,
        timeout_ms: Option<u32>,
    ) -> napi::Result<Object<'env>> {
        let timeout = timeout_ms.unwrap_or(5000);
        crate::connection::spawn(env, &self.worker, move |client| {
            let socket = client.socket();
            wait_readable(socket.raw_fd(), timeout)?;
            socket.recv(true)?;
            let datagram = socket.datagram();
            let len = datagram.len().min(size as usize);
            Ok(Buffer::from(datagram[..len].to_vec()))
        })
    }

    /// Closes the socket once pending calls are done.
    #[napi]
    pub fn close(&self) {
        self.worker.close();
    }
}

impl NativeSocket {
    pub(crate) fn new(worker: Arc<Worker>, portid: u32) -> Self {
        NativeSocket { worker, portid }
    }
}

fn wait_readable(fd: i32, timeout_ms: u32) -> Result<(), Error> {
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd is passed.
    let ready = unsafe { libc::poll(&mut poll, 1, timeout_ms.min(i32::MAX as u32) as i32) };
    match ready {
        0 => Err(Error::new(
            ErrorKind::Io(libc::ETIMEDOUT),
            format!("no netlink reply within {timeout_ms} ms"),
        )),
        n if n < 0 => Err(Error::io("poll", std::io::Error::last_os_error())),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds one netlink message: a 16-byte header in host byte order, then `payload`.
    fn message(ty: u16, flags: u16, seq: u32, pid: u32, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&(16 + payload.len() as u32).to_ne_bytes());
        out.extend_from_slice(&ty.to_ne_bytes());
        out.extend_from_slice(&flags.to_ne_bytes());
        out.extend_from_slice(&seq.to_ne_bytes());
        out.extend_from_slice(&pid.to_ne_bytes());
        out.extend_from_slice(payload);
        out
    }

    /// Builds an `NLMSG_ERROR` reply with `errno` (0 for an ACK) and the request header.
    fn ack(errno: i32, seq: u32) -> Vec<u8> {
        let mut payload = (-errno).to_ne_bytes().to_vec();
        payload.extend_from_slice(&message(nft_type(NFT_MSG_NEWSETELEM), 0, seq, 0, &[]));
        message(NLMSG_ERROR, 0, seq, 7, &payload)
    }

    #[test]
    fn empty_buffer_reads_on() {
        assert_eq!(run_callbacks(&[], 0, 0), 1);
        assert_eq!(run_callbacks(&[], 5, 7), 1);
    }

    #[test]
    fn ack_error_and_done() {
        assert_eq!(run_callbacks(&ack(0, 5), 5, 7), 0);
        assert_eq!(run_callbacks(&ack(libc::ENOENT, 5), 5, 7), -libc::ENOENT);
        let done = message(NLMSG_DONE, NLM_F_MULTI, 5, 7, &0i32.to_ne_bytes());
        assert_eq!(run_callbacks(&done, 5, 7), 0);
    }

    #[test]
    fn data_part_reads_on() {
        let part = message(nft_type(NFT_MSG_NEWSETELEM), NLM_F_MULTI, 5, 7, &[0; 4]);
        assert_eq!(run_callbacks(&part, 5, 7), 1);
    }

    #[test]
    fn interrupted_dump_is_eintr() {
        let flags = NLM_F_MULTI | NLM_F_DUMP_INTR;
        let part = message(nft_type(NFT_MSG_NEWSETELEM), flags, 5, 7, &[0; 4]);
        assert_eq!(run_callbacks(&part, 5, 7), -libc::EINTR);
    }

    #[test]
    fn foreign_seq_and_port() {
        assert_eq!(run_callbacks(&ack(0, 5), 6, 7), -libc::EPROTO);
        assert_eq!(run_callbacks(&ack(0, 5), 5, 8), -libc::ESRCH);
        assert_eq!(
            run_callbacks(&ack(0, 5), 0, 0),
            0,
            "0 accepts any seq and port id"
        );
    }

    #[test]
    fn truncated_reply_is_ebadmsg() {
        let mut reply = ack(0, 5);
        reply.truncate(reply.len() - 4);
        assert_eq!(run_callbacks(&reply, 5, 7), -libc::EBADMSG);
    }
}
