//! Element dumps that the caller reads in pieces.
//!
//! The kernel fills one dump datagram of up to 32 KiB each time the socket
//! is read, so reading on demand keeps memory bounded however large the
//! set is. Every reply carries the low 16 bits of the ruleset generation;
//! a change means the listing would mix two generations, which is reported
//! as `ERR_INTERRUPTED`.

use crate::attr::Writer;
use crate::client::Client;
use crate::element::{self, WireElement};
use crate::error::{Error, ErrorKind, Result};
use crate::kernel_error::Failure;
use crate::reply::{self, Messages};
use crate::set::SetDef;
use crate::sys::*;
use crate::transaction::SetRef;

/// A dump in progress on one socket. Only one dump can run on a socket at
/// a time, so the socket must not be used for anything else until
/// [`ElementDump::is_finished`] is true or [`Client::abandon_dump`] ran.
#[derive(Debug)]
pub struct ElementDump {
    seq: u32,
    generation: u16,
    finished: bool,
    request: Vec<u8>,
}

impl ElementDump {
    /// Returns true once the kernel sent the end of the dump.
    pub fn is_finished(&self) -> bool {
        self.finished
    }
}

impl Client {
    /// Starts dumping the elements of `set`.
    pub fn start_element_dump(&mut self, set: &SetDef) -> Result<ElementDump> {
        self.start_dump_command(set, NFT_MSG_GETSETELEM)
    }

    /// Starts dumping the elements of `set` and resetting their counters
    /// (`NFT_MSG_GETSETELEM_RESET`, Linux 6.5+); the dump carries the
    /// values from before the reset.
    pub fn start_reset_dump(&mut self, set: &SetDef) -> Result<ElementDump> {
        self.start_dump_command(set, NFT_MSG_GETSETELEM_RESET)
    }

    fn start_dump_command(&mut self, set: &SetDef, command: u16) -> Result<ElementDump> {
        let generation = self.generation()? as u16;
        let socket = self.socket();
        socket.discard_pending()?;
        let seq = socket.take_seqs(1);
        let mut request = Vec::with_capacity(128);
        let mut w = Writer::new(&mut request);
        let start = w.begin_message(
            nft_type(command),
            NLM_F_REQUEST | NLM_F_DUMP,
            seq,
            set.family.nfproto(),
            0,
        );
        w.string(NFTA_SET_ELEM_LIST_TABLE, &set.table);
        w.string(NFTA_SET_ELEM_LIST_SET, &set.name);
        w.end_message(start);
        socket.send(&request)?;
        Ok(ElementDump {
            seq,
            generation,
            finished: false,
            request,
        })
    }

    /// Reads one datagram of the dump and passes its elements to `each`.
    /// Does nothing once the dump is finished.
    pub fn read_element_dump(
        &mut self,
        set: &SetDef,
        dump: &mut ElementDump,
        mut each: impl FnMut(WireElement) -> Result<()>,
    ) -> Result<()> {
        if dump.finished {
            return Ok(());
        }
        let target = SetRef::new(set.family, &set.table, &set.name).target();
        let socket = self.socket();
        socket.recv(true)?;
        let datagram = socket.datagram().to_vec();
        for message in Messages::new(&datagram) {
            let message = message?;
            if message.seq != dump.seq {
                continue;
            }
            match message.ty {
                NLMSG_ERROR | NLMSG_DONE => {
                    dump.finished = true;
                    let errno = if message.ty == NLMSG_DONE {
                        reply::parse_done(&message)
                    } else {
                        reply::parse_ack(&message)?.errno
                    };
                    if errno == 0 {
                        return Ok(());
                    }
                    let ack = reply::Ack {
                        seq: dump.seq,
                        errno,
                        offset: None,
                        message: None,
                    };
                    let failure = Failure::Kernel {
                        ack,
                        request: dump.request.clone(),
                    };
                    return Err(failure.into_error("list elements", &target, None));
                }
                _ => {
                    let (_, res_id) = message.nfgen()?;
                    if res_id != dump.generation {
                        self.abandon_dump(dump)?;
                        let mut error = Error::new(
                            ErrorKind::Interrupted,
                            format!(
                                "set {} {} {} changed while it was listed; list it again",
                                target.family, target.table, target.set
                            ),
                        );
                        error.operation = Some("list elements".into());
                        error.target = Some(target);
                        return Err(error);
                    }
                    if message.nft_command() != Some(NFT_MSG_NEWSETELEM) {
                        continue;
                    }
                    for attr in message.attrs() {
                        let attr = attr?;
                        if attr.ty != NFTA_SET_ELEM_LIST_ELEMENTS {
                            continue;
                        }
                        for nest in attr.nested() {
                            each(element::decode(set, &nest?)?)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Reads and drops the rest of a dump so that the socket can be used
    /// again.
    pub fn abandon_dump(&mut self, dump: &mut ElementDump) -> Result<()> {
        while !dump.finished {
            let socket = self.socket();
            socket.recv(true)?;
            for message in Messages::new(socket.datagram()) {
                let message = message?;
                if message.seq == dump.seq && matches!(message.ty, NLMSG_DONE | NLMSG_ERROR) {
                    dump.finished = true;
                }
            }
        }
        Ok(())
    }
}
