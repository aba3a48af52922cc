//! The `NETLINK_NETFILTER` socket: creation inside a network namespace,
//! buffer sizing, sending batches and receiving replies.
//!
//! neli's [`NlSocket`] owns the descriptor and does `socket`, `bind`, the
//! extended-ACK option and `recv`. Batches go out through `sendmsg` with one
//! `iovec` per batch page, which neli has no call for.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use neli::consts::socket::{Msg, NlFamily};
use neli::socket::NlSocket;
use neli::utils::Groups;

use crate::batch::FinishedBatch;
use crate::error::{Error, ErrorKind, Result};

/// Receive buffer for one datagram. Dump datagrams are at most 32 KiB, and
/// an error echoes a request message of up to 64 KiB plus its ACK TLVs.
const DATAGRAM_BUFFER: usize = 128 << 10;
/// Send buffer the kernel must allow beyond the batch itself: `netlink_sendmsg`
/// rejects a message longer than `sk_sndbuf - 32`.
pub const SEND_OVERHEAD: usize = 4096;

/// A network namespace given by path, such as `/run/netns/blue` or
/// `/proc/1234/ns/net`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Netns(pub PathBuf);

impl Netns {
    /// Opens the namespace file, with the error [`Socket::open`] would give.
    /// A descriptor kept open keeps the namespace reachable through
    /// `/proc/self/fd/N` after its path is gone.
    pub fn open_file(&self) -> Result<File> {
        File::open(&self.0).map_err(|error| netns_error(&self.0, "open", error))
    }
}

/// Fixed socket buffer sizes, instead of growing them to fit each batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BufferLimits {
    /// Send buffer in bytes: a batch longer than this minus 4 KiB fails with
    /// `EMSGSIZE` or is split, as the commit options select.
    pub send: Option<usize>,
    /// Receive buffer in bytes: replies beyond it are dropped and the
    /// kernel reports `ENOBUFS`.
    pub receive: Option<usize>,
}

/// An open `NETLINK_NETFILTER` socket bound to a kernel-assigned port id.
pub struct Socket {
    inner: NlSocket,
    portid: u32,
    next_seq: u32,
    buffer: Vec<u8>,
    datagram_len: usize,
    send_capacity: usize,
    recv_capacity: usize,
    limits: BufferLimits,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("fd", &self.inner.as_raw_fd())
            .field("portid", &self.portid)
            .finish()
    }
}

impl Socket {
    /// Opens a socket in the caller's network namespace, or inside `netns`.
    ///
    /// For a namespace the socket is created on a short-lived thread that
    /// enters it with `setns`, because a socket stays in the namespace it was
    /// created in while the threads that share the process keep theirs.
    /// Entering needs `CAP_SYS_ADMIN` over the namespace.
    pub fn open(netns: Option<&Netns>) -> Result<Socket> {
        let Some(netns) = netns else {
            return Socket::open_here();
        };
        let file = netns.open_file()?;
        let path = netns.0.clone();
        std::thread::Builder::new()
            .name("nftset-netns".into())
            .spawn(move || {
                // SAFETY: setns only reads the descriptor, which `file` keeps open.
                let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
                if rc != 0 {
                    return Err(netns_error(&path, "enter", io::Error::last_os_error()));
                }
                Socket::open_here()
            })
            .map_err(|error| Error::io("spawning the namespace thread", error))?
            .join()
            .map_err(|_| Error::new(ErrorKind::Netns, "the namespace thread panicked"))?
    }

    fn open_here() -> Result<Socket> {
        let inner = NlSocket::connect(NlFamily::Netfilter, None, Groups::empty())
            .map_err(|error| Error::io("creating the NETLINK_NETFILTER socket", error))?;
        inner
            .enable_ext_ack(true)
            .map_err(|error| Error::io("enabling NETLINK_EXT_ACK", error))?;
        let portid = inner
            .pid()
            .map_err(|error| Error::io("reading the netlink port id", error))?;
        let send_capacity = get_buffer(&inner, libc::SO_SNDBUF)?;
        let recv_capacity = get_buffer(&inner, libc::SO_RCVBUF)?;
        Ok(Socket {
            inner,
            portid,
            next_seq: initial_seq(),
            buffer: vec![0; DATAGRAM_BUFFER],
            datagram_len: 0,
            send_capacity,
            recv_capacity,
            limits: BufferLimits::default(),
        })
    }

    /// Sets the send and receive buffers to fixed sizes (`SO_SNDBUF`,
    /// `SO_RCVBUF`, capped by `net.core.wmem_max` and `rmem_max`); they no
    /// longer grow to fit a batch. Returns the sizes in effect, which the
    /// kernel may round up to its minimum.
    pub fn limit_buffers(&mut self, limits: BufferLimits) -> Result<(usize, usize)> {
        if let Some(bytes) = limits.send {
            self.send_capacity = set_buffer(&self.inner, libc::SO_SNDBUF, bytes)?;
        }
        if let Some(bytes) = limits.receive {
            self.recv_capacity = set_buffer(&self.inner, libc::SO_RCVBUF, bytes)?;
        }
        self.limits = limits;
        Ok((self.send_capacity, self.recv_capacity))
    }

    /// Joins a multicast group, such as `NFNLGRP_NFTABLES` for nf_tables
    /// events.
    pub fn subscribe(&mut self, group: u32) -> Result<()> {
        self.inner
            .add_mcast_membership(Groups::new_groups(&[group]))
            .map_err(|error| Error::io("joining the nf_tables event group", error))
    }

    /// Waits up to `timeout_ms` for a datagram; returns true when one is
    /// ready to read.
    pub fn wait_readable(&self, timeout_ms: i32) -> Result<bool> {
        let mut poll = libc::pollfd {
            fd: self.inner.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        loop {
            // SAFETY: one valid pollfd is passed.
            let ready = unsafe { libc::poll(&mut poll, 1, timeout_ms) };
            if ready >= 0 {
                return Ok(ready > 0);
            }
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::Interrupted {
                return Err(Error::io("poll on the netlink socket", error));
            }
        }
    }

    /// Port id the kernel assigned; replies carry it in `nlmsg_pid`.
    pub fn portid(&self) -> u32 {
        self.portid
    }

    /// Reserves `count` consecutive sequence numbers and returns the first.
    pub fn take_seqs(&mut self, count: u32) -> u32 {
        let first = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(count.max(1));
        first
    }

    /// Raw descriptor, for polling.
    pub fn raw_fd(&self) -> i32 {
        self.inner.as_raw_fd()
    }

    /// Grows the send buffer so that a batch of `bytes` fits in one
    /// `sendmsg`. Returns the capacity in effect, which may still be
    /// smaller when `SO_SNDBUFFORCE` is not permitted and
    /// `net.core.wmem_max` is low.
    pub fn reserve_send(&mut self, bytes: usize) -> Result<usize> {
        let wanted = bytes + SEND_OVERHEAD;
        if self.send_capacity >= wanted || self.limits.send.is_some() {
            return Ok(self.send_capacity);
        }
        self.send_capacity =
            grow_buffer(&self.inner, libc::SO_SNDBUFFORCE, libc::SO_SNDBUF, wanted)?;
        Ok(self.send_capacity)
    }

    /// Grows the receive buffer to at least `bytes`, as far as permitted.
    pub fn reserve_recv(&mut self, bytes: usize) -> Result<usize> {
        if self.recv_capacity >= bytes || self.limits.receive.is_some() {
            return Ok(self.recv_capacity);
        }
        self.recv_capacity =
            grow_buffer(&self.inner, libc::SO_RCVBUFFORCE, libc::SO_RCVBUF, bytes)?;
        Ok(self.recv_capacity)
    }

    /// Largest batch that fits the current send buffer.
    pub fn send_capacity(&self) -> usize {
        self.send_capacity.saturating_sub(SEND_OVERHEAD)
    }

    /// Receive buffer in effect, in bytes of kernel accounting.
    pub fn recv_capacity(&self) -> usize {
        self.recv_capacity
    }

    /// Returns true when the send buffer was fixed with
    /// [`Socket::limit_buffers`].
    pub fn send_limited(&self) -> bool {
        self.limits.send.is_some()
    }

    /// Sends several buffers as one datagram, such as a `BATCH_BEGIN`, the
    /// messages of part of a batch and a `BATCH_END`.
    pub fn send_parts(&mut self, parts: &[&[u8]]) -> Result<()> {
        let mut iov: Vec<libc::iovec> = parts
            .iter()
            .map(|part| libc::iovec {
                iov_base: part.as_ptr() as *mut libc::c_void,
                iov_len: part.len(),
            })
            .collect();
        let total = parts.iter().map(|part| part.len()).sum();
        self.sendmsg(&mut iov, total)
    }

    /// Sends a whole batch in one `sendmsg`, one `iovec` per page.
    pub fn send_batch(&mut self, batch: &FinishedBatch) -> Result<()> {
        let mut iov: Vec<libc::iovec> = batch
            .pages()
            .map(|page| libc::iovec {
                iov_base: page.as_ptr() as *mut libc::c_void,
                iov_len: page.len(),
            })
            .collect();
        self.sendmsg(&mut iov, batch.len())
    }

    /// Sends one buffer of netlink messages.
    pub fn send(&mut self, bytes: &[u8]) -> Result<()> {
        let mut iov = [libc::iovec {
            iov_base: bytes.as_ptr() as *mut libc::c_void,
            iov_len: bytes.len(),
        }];
        self.sendmsg(&mut iov, bytes.len())
    }

    fn sendmsg(&mut self, iov: &mut [libc::iovec], total: usize) -> Result<()> {
        // SAFETY: an all-zero sockaddr_nl addresses the kernel (port 0).
        let mut kernel: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        kernel.nl_family = libc::AF_NETLINK as u16;
        // SAFETY: msghdr is plain data; every pointer set below outlives the call.
        let mut message: libc::msghdr = unsafe { std::mem::zeroed() };
        message.msg_name = (&mut kernel as *mut libc::sockaddr_nl).cast();
        message.msg_namelen = std::mem::size_of::<libc::sockaddr_nl>() as u32;
        message.msg_iov = iov.as_mut_ptr();
        message.msg_iovlen = iov.len();
        loop {
            // SAFETY: `message` points at live buffers for the duration of the call.
            let sent = unsafe { libc::sendmsg(self.inner.as_raw_fd(), &message, 0) };
            if sent >= 0 {
                debug_assert_eq!(sent as usize, total);
                return Ok(());
            }
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(send_error(error, total, self.send_capacity));
        }
    }

    /// Receives one datagram; `Ok(false)` means nothing was queued and
    /// `wait` was false. The datagram is then available from [`Self::datagram`].
    pub fn recv(&mut self, wait: bool) -> Result<bool> {
        let flags = if wait {
            Msg::TRUNC
        } else {
            Msg::TRUNC | Msg::DONTWAIT
        };
        loop {
            match self.inner.recv(&mut self.buffer[..], flags) {
                Ok((len, _)) if len > self.buffer.len() => {
                    // MSG_TRUNC reported the real length: the datagram was cut.
                    return Err(Error::new(
                        ErrorKind::Decode,
                        format!(
                            "a netlink reply of {len} bytes was cut to {} bytes",
                            self.buffer.len()
                        ),
                    ));
                }
                Ok((len, _)) => {
                    self.datagram_len = len;
                    return Ok(true);
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) if error.raw_os_error() == Some(libc::ENOBUFS) => {
                    return Err(Error::new(
                        ErrorKind::Kernel(libc::ENOBUFS),
                        "the socket receive buffer overflowed and replies were lost",
                    ));
                }
                Err(error) => return Err(Error::io("recv on the netlink socket", error)),
            }
        }
    }

    /// The datagram read by the last successful [`Self::recv`].
    pub fn datagram(&self) -> &[u8] {
        &self.buffer[..self.datagram_len]
    }

    /// Reads and drops every queued datagram, such as the rest of an
    /// abandoned dump.
    pub fn discard_pending(&mut self) -> Result<()> {
        loop {
            match self.recv(false) {
                Ok(true) => continue,
                Ok(false) => return Ok(()),
                Err(error) if error.kind == ErrorKind::Kernel(libc::ENOBUFS) => continue,
                Err(error) => return Err(error),
            }
        }
    }
}

fn initial_seq() -> u32 {
    // Start away from 0 so that replies to another socket's requests are
    // unlikely to match by accident; the value has no other meaning.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or(1);
    now | 1
}

fn get_buffer(socket: &NlSocket, option: i32) -> Result<usize> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: value and len are valid for writes of an int.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            option,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(Error::io("getsockopt", io::Error::last_os_error()));
    }
    Ok(value.max(0) as usize)
}

/// Asks for `bytes` with the forcing option (needs CAP_NET_ADMIN over the
/// initial user namespace), then with the capped one, and returns the size
/// in effect. The kernel doubles the value it is given.
fn grow_buffer(socket: &NlSocket, force: i32, capped: i32, bytes: usize) -> Result<usize> {
    let half = bytes.div_ceil(2).min(i32::MAX as usize) as libc::c_int;
    for option in [force, capped] {
        // SAFETY: the option value is a live int of the size given.
        let rc = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                option,
                (&half as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc == 0 {
            let capacity = get_buffer(socket, capped)?;
            if capacity >= bytes || option == capped {
                return Ok(capacity);
            }
        }
    }
    get_buffer(socket, capped)
}

/// Sets a buffer to `bytes` with the capped option and returns the size in
/// effect. The kernel doubles the value it is given, so half is passed.
fn set_buffer(socket: &NlSocket, option: i32, bytes: usize) -> Result<usize> {
    let half = bytes.div_ceil(2).min(i32::MAX as usize) as libc::c_int;
    // SAFETY: the option value is a live int of the size given.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            option,
            (&half as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(Error::io("setsockopt", io::Error::last_os_error()));
    }
    get_buffer(socket, option)
}

fn send_error(error: io::Error, total: usize, capacity: usize) -> Error {
    match error.raw_os_error() {
        Some(libc::EMSGSIZE) => Error::new(
            ErrorKind::Kernel(libc::EMSGSIZE),
            format!(
                "the batch of {total} bytes does not fit the socket send buffer of {capacity} \
                 bytes; raise net.core.wmem_max, run with CAP_NET_ADMIN, or split the batch"
            ),
        ),
        Some(libc::EPERM) => Error::new(
            ErrorKind::Kernel(libc::EPERM),
            "the kernel rejected the request: CAP_NET_ADMIN is needed in the network namespace",
        ),
        _ => Error::io("sendmsg on the netlink socket", error),
    }
}

fn netns_error(path: &Path, action: &str, error: io::Error) -> Error {
    let path = path.display();
    let message = match (action, error.raw_os_error()) {
        ("open", Some(libc::ENOENT)) => {
            format!("network namespace {path} not found: check the name or that the process is alive")
        }
        ("enter", Some(libc::EINVAL)) => {
            format!("{path} is not a network namespace: give /run/netns/NAME or /proc/PID/ns/net")
        }
        ("enter", Some(libc::EPERM)) => format!(
            "entering network namespace {path} was denied: CAP_SYS_ADMIN over the namespace is needed"
        ),
        _ => format!("failed to {action} network namespace {path}: {error}"),
    };
    let mut error = Error::new(ErrorKind::Netns, message);
    error.path = Some("netns".into());
    error
}
