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
    /// `ack` asks the kernel to acknowledge it.
    #[napi]
    pub fn elem_put(
        &mut self,
        table: String,
        set: String,
        elements: Vec<NativeRawElement>,
        family: u32,
        ack: bool,
    ) -> napi::Result<()> {
        self.elements(
            NFT_MSG_NEWSETELEM,
            NLM_F_CREATE,
            &table,
            &set,
            &elements,
            family,
            ack,
        )
    }

    /// Appends a `DELSETELEM` message for `table`/`set` with the elements.
    #[napi]
    pub fn elem_del(
        &mut self,
        table: String,
        set: String,
        elements: Vec<NativeRawElement>,
        family: u32,
        ack: bool,
    ) -> napi::Result<()> {
        self.elements(NFT_MSG_DELSETELEM, 0, &table, &set, &elements, family, ack)
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

    #[allow(clippy::too_many_arguments)]
    fn elements(
        &mut self,
        command: u16,
        flags: u16,
        table: &str,
        set: &str,
        elements: &[NativeRawElement],
        family: u32,
        ack: bool,
    ) -> napi::Result<()> {
        let family = u8::try_from(family).map_err(|_| {
            napi::Error::from_reason(format!("family {family} is not an NFPROTO_* value"))
        })?;
        for (index, element) in elements.iter().enumerate() {
            if element.key.len() > NFT_DATA_VALUE_MAXLEN {
                return Err(napi::Error::from_reason(format!(
                    "element {index}: key of {} bytes exceeds the kernel maximum of {NFT_DATA_VALUE_MAXLEN}",
                    element.key.len()
                )));
            }
        }
        let mark = self.buf.len();
        let seq = self.take_seq();
        let mut w = Writer::new(&mut self.buf);
        let ack_flag = if ack { NLM_F_ACK } else { 0 };
        let start = w.begin_message(
            nft_type(command),
            NLM_F_REQUEST | flags | ack_flag,
            seq,
            family,
            0,
        );
        w.string(NFTA_SET_ELEM_LIST_TABLE, table);
        w.string(NFTA_SET_ELEM_LIST_SET, set);
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
                return Err(napi::Error::from_reason(
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

/// Runs the replies in `reply` through libmnl's callback convention:
/// returns 1 when more replies are expected, 0 when done (an ACK or the end
/// of a dump), and `-errno` for an error reply. As in libmnl, a reply from
/// another port id than a non-zero `portid` gives `-ESRCH`, and one with
/// another sequence number than a non-zero `seq` gives `-EPROTO`.
/// A malformed reply gives `-EBADMSG`.
#[napi(catch_unwind)]
pub fn handle(reply: Buffer, seq: u32, portid: u32) -> i32 {
    for message in Messages::new(&reply) {
        let Ok(message) = message else {
            return -libc::EBADMSG;
        };
        if portid != 0 && message.pid != 0 && message.pid != portid {
            return -libc::ESRCH;
        }
        if seq != 0 && message.seq != 0 && message.seq != seq {
            return -libc::EPROTO;
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
