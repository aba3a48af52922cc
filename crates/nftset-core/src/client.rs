//! The client: one socket, the read requests, and sending batches.
//!
//! Reads (`GETSET`, `GETSETELEM`, `GETGEN`) are plain requests; writes go
//! through [`Client::commit`] in one batch, which [`crate::delivery`] sends.
//! Every reply is drained before a call returns, so the socket is clean for
//! the next call.

use crate::attr::Writer;
use crate::element::{self, WireElement};
use crate::error::{Error, ErrorKind, Result};
use crate::family::Family;
use crate::kernel_error::Failure;
use crate::outcome::{ElementKey, SetName};
use crate::reply::{self, Message, Messages};
use crate::set::SetDef;
use crate::socket::{Netns, Socket};
use crate::sys::*;
use crate::transaction::SetRef;

/// How often a listing is restarted when the ruleset changes under it.
const LIST_RETRIES: usize = 8;

/// A connection to nf_tables in one network namespace.
#[derive(Debug)]
pub struct Client {
    socket: Socket,
}

impl Client {
    /// Opens a connection in the caller's network namespace or in `netns`.
    pub fn open(netns: Option<&Netns>) -> Result<Client> {
        Ok(Client {
            socket: Socket::open(netns)?,
        })
    }

    /// The underlying socket.
    pub fn socket(&mut self) -> &mut Socket {
        &mut self.socket
    }

    /// Reads the ruleset generation id (`NFT_MSG_GETGEN`).
    pub fn generation(&mut self) -> Result<u32> {
        let mut generation = None;
        self.request(
            NFT_MSG_GETGEN,
            0,
            NFPROTO_UNSPEC,
            |_| {},
            |message| {
                for attr in message.attrs() {
                    let attr = attr?;
                    if attr.ty == NFTA_GEN_ID {
                        generation = Some(attr.u32_be()?);
                    }
                }
                Ok(())
            },
        )
        .map_err(|failure| failure.into_error("get generation", &Default::default(), None))?;
        generation
            .ok_or_else(|| Error::new(ErrorKind::Decode, "NEWGEN reply without a generation id"))
    }

    /// Reads one set's definition (`NFT_MSG_GETSET`).
    pub fn get_set(&mut self, set: &SetRef) -> Result<SetDef> {
        let mut found = None;
        self.request(
            NFT_MSG_GETSET,
            NLM_F_ACK,
            set.family.nfproto(),
            |w| {
                w.string(NFTA_SET_TABLE, &set.table);
                w.string(NFTA_SET_NAME, &set.set);
            },
            |message| {
                found = Some(SetDef::decode(message)?);
                Ok(())
            },
        )
        .map_err(|failure| failure.into_error("get set", &set.target(), None))?;
        found.ok_or_else(|| Error::new(ErrorKind::Decode, format!("no reply for set {set}")))
    }

    /// Lists the sets and maps of a family, or of all families, optionally
    /// in one table. Anonymous sets of rules are left out.
    pub fn list_sets(
        &mut self,
        family: Option<Family>,
        table: Option<&str>,
    ) -> Result<Vec<SetDef>> {
        let mut sets = Vec::new();
        let nfproto = family.map_or(NFPROTO_UNSPEC, Family::nfproto);
        self.request(
            NFT_MSG_GETSET,
            NLM_F_DUMP,
            nfproto,
            |w| {
                if let Some(table) = table {
                    w.string(NFTA_SET_TABLE, table);
                }
            },
            |message| {
                let set = SetDef::decode(message)?;
                if !set.is_anonymous() {
                    sets.push(set);
                }
                Ok(())
            },
        )
        .map_err(|failure| {
            let target = crate::error::Target {
                family: family.map_or_else(String::new, |f| f.name().to_string()),
                table: table.unwrap_or_default().to_string(),
                set: String::new(),
            };
            failure.into_error("list sets", &target, None)
        })?;
        Ok(sets)
    }

    /// Dumps every element of a set (`NFT_MSG_GETSETELEM` with `NLM_F_DUMP`)
    /// and passes each element nest to `each`, in kernel order.
    ///
    /// The dump is restarted when the ruleset changes during it, so the
    /// elements always come from one generation: `each` then receives
    /// `None`, and must forget the elements it was given before.
    pub fn dump_elements(
        &mut self,
        set: &SetDef,
        mut each: impl FnMut(Option<WireElement>) -> Result<()>,
    ) -> Result<()> {
        let target = SetRef::new(set.family, &set.table, &set.name);
        for _ in 0..LIST_RETRIES {
            let generation = self.generation()? as u16;
            let mut changed = false;
            self.request(
                NFT_MSG_GETSETELEM,
                NLM_F_DUMP,
                set.family.nfproto(),
                |w| {
                    w.string(NFTA_SET_ELEM_LIST_TABLE, &set.table);
                    w.string(NFTA_SET_ELEM_LIST_SET, &set.name);
                },
                |message| {
                    let (_, res_id) = message.nfgen()?;
                    changed |= res_id != generation;
                    if changed {
                        return Ok(());
                    }
                    for_each_element(set, message, &mut |element| each(Some(element)))
                },
            )
            .map_err(|failure| failure.into_error("list elements", &target.target(), None))?;
            if !changed {
                return Ok(());
            }
            each(None)?;
        }
        let mut error = Error::new(
            ErrorKind::Interrupted,
            format!(
                "set {target} kept changing while it was listed ({LIST_RETRIES} attempts); \
                 try again when the ruleset is quieter"
            ),
        );
        error.operation = Some("list elements".into());
        error.target = Some(target.target());
        Err(error)
    }

    /// Looks elements up by key (`NFT_MSG_GETSETELEM` without a dump).
    /// `write` appends the element nests; a missing key fails with `ENOENT`
    /// whose offset names it.
    pub fn lookup(
        &mut self,
        set: &SetDef,
        write: impl FnOnce(&mut Writer<'_>),
        each: impl FnMut(WireElement) -> Result<()>,
    ) -> std::result::Result<(), Failure> {
        let mut each = each;
        self.request(
            NFT_MSG_GETSETELEM,
            NLM_F_ACK,
            set.family.nfproto(),
            |w| {
                w.string(NFTA_SET_ELEM_LIST_TABLE, &set.table);
                w.string(NFTA_SET_ELEM_LIST_SET, &set.name);
                let list = w.begin_nest(NFTA_SET_ELEM_LIST_ELEMENTS);
                write(w);
                w.end_nest(list);
            },
            |message| for_each_element(set, message, &mut each),
        )
    }

    /// Sends one request and feeds every reply message to `on_message`,
    /// until the ACK, the end of the dump, or an error.
    fn request(
        &mut self,
        command: u16,
        flags: u16,
        family: u8,
        body: impl FnOnce(&mut Writer<'_>),
        mut on_message: impl FnMut(&Message<'_>) -> Result<()>,
    ) -> std::result::Result<(), Failure> {
        self.socket.discard_pending().map_err(Failure::Local)?;
        let seq = self.socket.take_seqs(1);
        let mut buf = Vec::with_capacity(256);
        let mut w = Writer::new(&mut buf);
        let start = w.begin_message(nft_type(command), NLM_F_REQUEST | flags, seq, family, 0);
        body(&mut w);
        w.end_message(start);
        self.socket.send(&buf).map_err(Failure::Local)?;
        let ends_with_ack = flags & NLM_F_ACK != 0 && flags & NLM_F_DUMP == 0;
        let mut result = Ok(());
        loop {
            self.socket.recv(true).map_err(Failure::Local)?;
            for message in Messages::new(self.socket.datagram()) {
                let message = message.map_err(|error| Failure::Local(error.into()))?;
                if message.seq != seq {
                    continue;
                }
                match message.ty {
                    NLMSG_ERROR => {
                        let ack =
                            reply::parse_ack(&message).map_err(|e| Failure::Local(e.into()))?;
                        if ack.errno != 0 {
                            return Err(Failure::Kernel { ack, request: buf });
                        }
                        return result.map_err(Failure::Local);
                    }
                    NLMSG_DONE => {
                        let errno = reply::parse_done(&message);
                        if errno != 0 {
                            return Err(Failure::Kernel {
                                ack: reply::Ack {
                                    seq,
                                    errno,
                                    offset: None,
                                    message: None,
                                },
                                request: buf,
                            });
                        }
                        return result.map_err(Failure::Local);
                    }
                    _ => {
                        // Keep reading after a callback error so that the
                        // socket is drained, then report the first error.
                        if result.is_ok() {
                            result = on_message(&message);
                        }
                        if !ends_with_ack && flags & NLM_F_DUMP == 0 {
                            return result.map_err(Failure::Local);
                        }
                    }
                }
            }
        }
    }

    /// Returns true if `set` contains the element `key` identifies, looked up
    /// the way a batch sent it (`NFT_MSG_GETSETELEM`). The request carries no
    /// ACK flag, so a single reply comes back, whatever the receive buffer.
    pub(crate) fn holds_element(&mut self, set: &SetName, key: &ElementKey) -> Result<bool> {
        let result = self.request(
            NFT_MSG_GETSETELEM,
            0,
            set.family,
            |w| {
                w.string(NFTA_SET_ELEM_LIST_TABLE, &set.table);
                w.string(NFTA_SET_ELEM_LIST_SET, &set.set);
                let list = w.begin_nest(NFTA_SET_ELEM_LIST_ELEMENTS);
                let nest = w.begin_nest(NFTA_LIST_ELEM);
                let value = w.begin_nest(NFTA_SET_ELEM_KEY);
                w.bytes(NFTA_DATA_VALUE, &key.key);
                w.end_nest(value);
                if let Some(end) = &key.key_end {
                    let value = w.begin_nest(NFTA_SET_ELEM_KEY_END);
                    w.bytes(NFTA_DATA_VALUE, end);
                    w.end_nest(value);
                }
                w.end_nest(nest);
                w.end_nest(list);
            },
            |_| Ok(()),
        );
        match result {
            Ok(()) => Ok(true),
            Err(Failure::Kernel { ack, .. }) if ack.errno == libc::ENOENT => Ok(false),
            Err(failure) => {
                let target = crate::error::Target {
                    family: String::new(),
                    table: set.table.clone(),
                    set: set.set.clone(),
                };
                Err(failure.into_error("get element", &target, None))
            }
        }
    }
}

/// Why a batch did not commit.
#[derive(Debug)]
pub enum BatchFailure {
    /// The kernel rejected it; nothing was applied. `lost` is true when
    /// further replies were dropped because the receive buffer was full.
    Rejected {
        /// Every error reply, in message order.
        errors: Vec<reply::Ack>,
        /// True if some replies were lost.
        lost: bool,
    },
    /// A local failure before or while sending.
    Local(Error),
}

fn for_each_element(
    set: &SetDef,
    message: &Message<'_>,
    each: &mut impl FnMut(WireElement) -> Result<()>,
) -> Result<()> {
    if message.nft_command() != Some(NFT_MSG_NEWSETELEM) {
        return Ok(());
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
    Ok(())
}

pub use crate::kernel_error::describe_batch_failure;
