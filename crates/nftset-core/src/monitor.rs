//! Set and element events from the nf_tables multicast group.
//!
//! The kernel sends one message per created or deleted set and per added or
//! deleted element, then `NFT_MSG_NEWGEN` when the transaction commits.
//! Events are held until that message, so that each carries the generation
//! it belongs to. Holding them also pairs the start and end elements of a
//! range in a single-field interval set, which arrive as separate messages,
//! back into one range.

use std::collections::HashMap;

use crate::client::Client;
use crate::element::{self, WireElement};
use crate::error::{ErrorKind, Result};
use crate::family::Family;
use crate::interval::{self, RbtreeElement};
use crate::query::{format_one, ElementInfo};
use crate::reply::{Message, Messages};
use crate::set::SetDef;
use crate::socket::{Netns, Socket};
use crate::sys::*;
use crate::transaction::SetRef;

/// Event filter; a field that is `None` matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Table family.
    pub family: Option<Family>,
    /// Table name.
    pub table: Option<String>,
    /// Set name.
    pub set: Option<String>,
}

impl Filter {
    fn matches(&self, set: &SetRef) -> bool {
        self.family.is_none_or(|family| family == set.family)
            && self.table.as_ref().is_none_or(|table| *table == set.table)
            && self.set.as_ref().is_none_or(|name| *name == set.set)
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A set or map was created; carries its definition.
    SetCreated(Box<SetDef>),
    /// A set or map was deleted.
    SetDeleted,
    /// An element was added.
    ElementAdded(ElementInfo),
    /// An element was deleted.
    ElementDeleted(ElementInfo),
    /// The receive buffer overflowed and events were lost; read the sets
    /// again to learn their state.
    Lost,
}

/// One event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// The set it happened to; empty names for [`EventKind::Lost`].
    pub set: SetRef,
    /// Ruleset generation the transaction created, from `NFT_MSG_NEWGEN`.
    pub generation: u32,
}

/// An element event waiting for its transaction to commit.
struct PendingElement {
    set: SetRef,
    added: bool,
    wire: WireElement,
}

/// The set and direction (true for added) of a group of range elements.
type RangeGroup = (SetRef, bool);

/// A set event waiting for its transaction to commit.
enum Pending {
    Set(SetRef, EventKind),
    Element(PendingElement),
}

/// A subscription to nf_tables events, with a second socket to read the
/// definitions of sets that existed before it started.
pub struct Monitor {
    events: Socket,
    control: Client,
    filter: Filter,
    sets: HashMap<SetRef, SetDef>,
    pending: Vec<Pending>,
    /// After an overflow, the generation that was current once the socket
    /// was drained: events of transactions up to it may be partial and
    /// are dropped.
    skip_through: Option<u32>,
}

/// Receive buffer asked for, to ride out bursts such as a bulk load, which
/// sends one event per element.
const EVENT_BUFFER: usize = 32 << 20;

impl Monitor {
    /// Subscribes to events in the caller's network namespace or in `netns`.
    pub fn open(netns: Option<&Netns>, filter: Filter) -> Result<Monitor> {
        let mut events = Socket::open(netns)?;
        events.subscribe(NFNLGRP_NFTABLES)?;
        events.reserve_recv(EVENT_BUFFER)?;
        let control = Client::open(netns)?;
        Ok(Monitor {
            events,
            control,
            filter,
            sets: HashMap::new(),
            pending: Vec::new(),
            skip_through: None,
        })
    }

    /// Waits up to `timeout_ms` for events and returns those of every
    /// transaction that committed meanwhile; empty when none did.
    pub fn poll(&mut self, timeout_ms: i32) -> Result<Vec<Event>> {
        let mut out = Vec::new();
        let mut wait = timeout_ms;
        while out.is_empty() {
            if !self.events.wait_readable(wait)? {
                return Ok(out);
            }
            // Drain what is queued now without waiting again.
            wait = 0;
            loop {
                match self.events.recv(false) {
                    Ok(true) => {
                        let datagram = self.events.datagram().to_vec();
                        self.handle_datagram(&datagram, &mut out)?;
                    }
                    Ok(false) => break,
                    Err(error) if error.kind == ErrorKind::Kernel(libc::ENOBUFS) => {
                        self.after_overflow()?;
                        out.push(Event {
                            kind: EventKind::Lost,
                            set: SetRef::new(Family::Inet, "", ""),
                            generation: 0,
                        });
                    }
                    Err(error) => return Err(error),
                }
            }
        }
        Ok(out)
    }

    /// Starts over after the kernel dropped events. What is still queued
    /// is the head of a transaction whose end was dropped, so it is read
    /// and discarded, and so are the events of a transaction still being
    /// sent: every transaction up to the generation current now. Set
    /// definitions are read again, as sets may have changed unseen.
    fn after_overflow(&mut self) -> Result<()> {
        loop {
            match self.events.recv(false) {
                Ok(true) => {}
                Ok(false) => break,
                Err(error) if error.kind == ErrorKind::Kernel(libc::ENOBUFS) => {}
                Err(error) => return Err(error),
            }
        }
        self.pending.clear();
        self.sets.clear();
        self.skip_through = Some(self.control.generation()?);
        Ok(())
    }

    fn handle_datagram(&mut self, datagram: &[u8], out: &mut Vec<Event>) -> Result<()> {
        for message in Messages::new(datagram) {
            let message = message?;
            match message.nft_command() {
                Some(NFT_MSG_NEWSET) => self.on_set(&message, true)?,
                Some(NFT_MSG_DELSET) => self.on_set(&message, false)?,
                Some(NFT_MSG_NEWSETELEM) => self.on_elements(&message, true)?,
                Some(NFT_MSG_DELSETELEM) => self.on_elements(&message, false)?,
                Some(NFT_MSG_DELTABLE) => self.on_table_deleted(&message)?,
                Some(NFT_MSG_NEWGEN) => self.on_generation(&message, out)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn on_set(&mut self, message: &Message<'_>, created: bool) -> Result<()> {
        let def = SetDef::decode(message)?;
        if def.is_anonymous() {
            return Ok(());
        }
        let set = SetRef::new(def.family, &def.table, &def.name);
        let kind = if created {
            self.sets.insert(set.clone(), def.clone());
            EventKind::SetCreated(Box::new(def))
        } else {
            EventKind::SetDeleted
        };
        if self.filter.matches(&set) {
            self.pending.push(Pending::Set(set, kind));
        }
        Ok(())
    }

    fn on_table_deleted(&mut self, message: &Message<'_>) -> Result<()> {
        let (nfproto, _) = message.nfgen()?;
        let mut name = String::new();
        for attr in message.attrs() {
            let attr = attr?;
            if attr.ty == NFTA_TABLE_NAME {
                name = attr.string()?.to_string();
            }
        }
        let family = Family::from_nfproto(nfproto);
        self.sets
            .retain(|set, _| Some(set.family) != family || set.table != name);
        Ok(())
    }

    fn on_elements(&mut self, message: &Message<'_>, added: bool) -> Result<()> {
        let (nfproto, _) = message.nfgen()?;
        let Some(family) = Family::from_nfproto(nfproto) else {
            return Ok(());
        };
        let (mut table, mut name) = (String::new(), String::new());
        let mut list = None;
        for attr in message.attrs() {
            let attr = attr?;
            match attr.ty {
                NFTA_SET_ELEM_LIST_TABLE => table = attr.string()?.to_string(),
                NFTA_SET_ELEM_LIST_SET => name = attr.string()?.to_string(),
                NFTA_SET_ELEM_LIST_ELEMENTS => list = Some(attr),
                _ => {}
            }
        }
        let set = SetRef::new(family, &table, &name);
        let Some(list) = list else {
            return Ok(());
        };
        if !self.filter.matches(&set) {
            return Ok(());
        }
        let Some(def) = self.definition(&set)? else {
            return Ok(());
        };
        for nest in list.nested() {
            let wire = element::decode(&def, &nest?)?;
            if wire.is_catchall() {
                continue;
            }
            self.pending.push(Pending::Element(PendingElement {
                set: set.clone(),
                added,
                wire,
            }));
        }
        Ok(())
    }

    /// Looks up the definition of a set, read once and kept; `None` for a
    /// set that is gone already or whose type nftset cannot decode.
    fn definition(&mut self, set: &SetRef) -> Result<Option<SetDef>> {
        if let Some(def) = self.sets.get(set) {
            return Ok(def.key.is_some().then(|| def.clone()));
        }
        match self.control.get_set(set) {
            Ok(def) => {
                self.sets.insert(set.clone(), def.clone());
                Ok(def.key.is_some().then_some(def))
            }
            Err(error) if error.kind == ErrorKind::Kernel(libc::ENOENT) => Ok(None),
            Err(error) => Err(error),
        }
    }

    fn on_generation(&mut self, message: &Message<'_>, out: &mut Vec<Event>) -> Result<()> {
        let mut generation = 0;
        for attr in message.attrs() {
            let attr = attr?;
            if attr.ty == NFTA_GEN_ID {
                generation = attr.u32_be()?;
            }
        }
        if let Some(limit) = self.skip_through {
            // Generations wrap, so compare by distance.
            if (generation.wrapping_sub(limit) as i32) <= 0 {
                self.pending.clear();
                return Ok(());
            }
            self.skip_through = None;
        }
        let pending = std::mem::take(&mut self.pending);
        let mut ranges: Vec<PendingElement> = Vec::new();
        for item in pending {
            match item {
                Pending::Set(set, kind) => {
                    if matches!(kind, EventKind::SetDeleted) {
                        self.sets.remove(&set);
                    }
                    out.push(Event {
                        kind,
                        set,
                        generation,
                    });
                }
                Pending::Element(element) => {
                    let def = self.sets.get(&element.set);
                    let single_interval =
                        def.is_some_and(|d| d.is_interval() && !d.is_concat_interval());
                    if single_interval {
                        ranges.push(element);
                        continue;
                    }
                    if let Some(event) = self.element_event(element, None, generation) {
                        out.push(event);
                    }
                }
            }
        }
        self.pair_ranges(ranges, generation, out);
        Ok(())
    }

    /// Pairs the start and end elements of interval sets, per set and per
    /// direction, into ranges.
    fn pair_ranges(&self, ranges: Vec<PendingElement>, generation: u32, out: &mut Vec<Event>) {
        let mut groups: Vec<(RangeGroup, Vec<RbtreeElement<WireElement>>)> = Vec::new();
        for element in ranges {
            let Some(key) = element.wire.key else {
                continue;
            };
            let group_key = (element.set, element.added);
            let entry = RbtreeElement {
                key,
                is_end: element.wire.is_end(),
                payload: element.wire,
            };
            match groups.iter_mut().find(|(k, _)| *k == group_key) {
                Some((_, entries)) => entries.push(entry),
                None => groups.push((group_key, vec![entry])),
            }
        }
        for ((set, added), entries) in groups {
            for range in interval::decode_rbtree(entries) {
                let element = PendingElement {
                    set: set.clone(),
                    added,
                    wire: range.payload,
                };
                if let Some(event) = self.element_event(element, Some(range.hi), generation) {
                    out.push(event);
                }
            }
        }
    }

    fn element_event(
        &self,
        element: PendingElement,
        hi: Option<crate::key::KeyBuf>,
        generation: u32,
    ) -> Option<Event> {
        let def = self.sets.get(&element.set)?;
        let key_type = def.key.as_ref()?;
        let info = format_one(def, key_type, element.wire, hi);
        let kind = if element.added {
            EventKind::ElementAdded(info)
        } else {
            EventKind::ElementDeleted(info)
        };
        Some(Event {
            kind,
            set: element.set,
            generation,
        })
    }
}
