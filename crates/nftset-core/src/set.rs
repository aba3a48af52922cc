//! Sets and maps: their definition, the `NEWSET` message that creates one,
//! and the decoding of `GETSET` replies.
//!
//! Sets are created with the attributes and userdata nft 1.0.6 writes, in
//! nft's attribute order, so that `nft list` prints them as if nft had
//! created them.

use crate::attr::{Attr, Writer};
use crate::datatype::ByteOrder;
use crate::error::DecodeError;
use crate::family::Family;
use crate::key::KeyType;
use crate::reply::Message;
use crate::sys::*;
use crate::udata;

/// The `typeof` record nft 1.0.6 writes for a concatenation declared with
/// `type`: expression type 13 (`EXPR_CONCAT`) and an empty list of parts.
const EMPTY_CONCAT_TYPEOF: [u8; 8] = {
    let order = 13u32.to_ne_bytes();
    [0, 4, order[0], order[1], order[2], order[3], 1, 0]
};

/// What a map stores for each key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapData {
    /// Typed values, such as `ipv4_addr` or a concatenation.
    Value(KeyType),
    /// Verdicts: accept, drop, jump CHAIN...
    Verdict,
}

/// `policy performance` or `policy memory`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// The kernel default: fastest lookups.
    Performance,
    /// Smallest memory footprint.
    Memory,
}

/// A set or map definition, as created or as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetDef {
    /// Table family.
    pub family: Family,
    /// Table name.
    pub table: String,
    /// Set name.
    pub name: String,
    /// Key datatype; `None` when the kernel reports a type this crate does
    /// not decode.
    pub key: Option<KeyType>,
    /// nft's key type id, as the kernel stores it.
    pub key_type_id: u32,
    /// Key length in bytes.
    pub key_len: u32,
    /// Map data, for maps.
    pub data: Option<MapData>,
    /// Map data type id as the kernel stores it, for maps.
    pub data_type_id: Option<u32>,
    /// `NFT_SET_*` flags, including `MAP` and `CONCAT`.
    pub flags: u32,
    /// Default element timeout in milliseconds.
    pub timeout_ms: Option<u64>,
    /// Garbage-collection interval in milliseconds.
    pub gc_interval_ms: Option<u32>,
    /// Maximum number of elements.
    pub size: Option<u32>,
    /// Lookup policy, when not the default.
    pub policy: Option<Policy>,
    /// nft `auto-merge`, kept in userdata.
    pub auto_merge: bool,
    /// Set comment, kept in userdata.
    pub comment: Option<String>,
    /// True if every element has a counter (`counter` in the set).
    pub counter: bool,
    /// Kernel handle, when read back.
    pub handle: Option<u64>,
    /// Element count, from kernels that report it (Linux 6.16+).
    pub count: Option<u32>,
    /// True if nft recorded a `typeof` expression for the key.
    pub key_typeof: bool,
    /// Field lengths from `NFTA_SET_DESC_CONCAT`, when present.
    pub concat_lengths: Vec<u32>,
}

impl SetDef {
    /// A new set with only a key: no flags, no map data.
    pub fn new(family: Family, table: &str, name: &str, key: KeyType) -> SetDef {
        SetDef {
            family,
            table: table.to_string(),
            name: name.to_string(),
            key_type_id: key.id(),
            key_len: key.len() as u32,
            key: Some(key),
            data: None,
            data_type_id: None,
            flags: 0,
            timeout_ms: None,
            gc_interval_ms: None,
            size: None,
            policy: None,
            auto_merge: false,
            comment: None,
            counter: false,
            handle: None,
            count: None,
            key_typeof: false,
            concat_lengths: Vec::new(),
        }
    }

    /// Returns true for `flags interval`.
    pub fn is_interval(&self) -> bool {
        self.flags & NFT_SET_INTERVAL != 0
    }

    /// Returns true for maps, verdict maps included.
    pub fn is_map(&self) -> bool {
        self.flags & NFT_SET_MAP != 0
    }

    /// Returns true if elements can time out.
    pub fn has_timeout(&self) -> bool {
        self.flags & NFT_SET_TIMEOUT != 0
    }

    /// Returns true for a concatenated interval set, which the kernel
    /// stores in its pipapo backend with one element per range.
    pub fn is_concat_interval(&self) -> bool {
        self.is_interval() && self.key.as_ref().is_some_and(KeyType::is_concat)
    }

    /// Sets the flags nft derives from the definition: `MAP`, `TIMEOUT`
    /// when a default timeout is given, and `CONCAT` for concatenated
    /// interval sets.
    pub fn derive_flags(&mut self) {
        if self.data.is_some() {
            self.flags |= NFT_SET_MAP;
        }
        if self.timeout_ms.is_some() || self.gc_interval_ms.is_some() {
            self.flags |= NFT_SET_TIMEOUT;
        }
        if self.is_concat_interval() {
            self.flags |= NFT_SET_CONCAT;
        }
        if let Some(MapData::Value(data)) = &self.data {
            self.data_type_id = Some(data.id());
        } else if self.data == Some(MapData::Verdict) {
            self.data_type_id = Some(NFT_DATA_VERDICT);
        }
    }

    /// Spells the definition in nft syntax, as `nft list set` would.
    pub fn to_nft(&self) -> String {
        let kind = if self.is_map() { "map" } else { "set" };
        let mut text = format!(
            "{kind} {} {} {} {{ type {}",
            self.family,
            self.table,
            self.name,
            self.key
                .as_ref()
                .map_or_else(|| format!("0x{:x}", self.key_type_id), KeyType::name)
        );
        match &self.data {
            Some(MapData::Value(data)) => text.push_str(&format!(" : {}", data.name())),
            Some(MapData::Verdict) => text.push_str(" : verdict"),
            None => {}
        }
        text.push(';');
        let flags = flag_names(self.flags);
        if !flags.is_empty() {
            text.push_str(&format!(" flags {};", flags.join(",")));
        }
        if let Some(timeout) = self.timeout_ms {
            text.push_str(&format!(" timeout {};", crate::duration::format(timeout)));
        }
        if let Some(gc) = self.gc_interval_ms {
            text.push_str(&format!(
                " gc-interval {};",
                crate::duration::format(gc.into())
            ));
        }
        if let Some(size) = self.size {
            text.push_str(&format!(" size {size};"));
        }
        if self.policy == Some(Policy::Memory) {
            text.push_str(" policy memory;");
        }
        if self.counter {
            text.push_str(" counter;");
        }
        if self.auto_merge {
            text.push_str(" auto-merge;");
        }
        if let Some(comment) = &self.comment {
            text.push_str(&format!(" comment \"{comment}\";"));
        }
        text.push_str(" }");
        text
    }

    /// Writes the attributes of a `NEWSET` message for this definition.
    /// `id` is the transaction-local `NFTA_SET_ID`.
    pub fn write_newset(&self, w: &mut Writer<'_>, id: u32) {
        w.string(NFTA_SET_TABLE, &self.table);
        w.string(NFTA_SET_NAME, &self.name);
        w.u32_be(NFTA_SET_FLAGS, self.flags);
        w.u32_be(NFTA_SET_KEY_TYPE, self.key_type_id);
        w.u32_be(NFTA_SET_KEY_LEN, self.key_len);
        match &self.data {
            Some(MapData::Value(data)) => {
                w.u32_be(NFTA_SET_DATA_TYPE, data.id());
                w.u32_be(NFTA_SET_DATA_LEN, data.len() as u32);
            }
            Some(MapData::Verdict) => {
                w.u32_be(NFTA_SET_DATA_TYPE, NFT_DATA_VERDICT);
                w.u32_be(NFTA_SET_DATA_LEN, 0);
            }
            None => {}
        }
        w.u32_be(NFTA_SET_ID, id);
        if self.policy == Some(Policy::Memory) {
            w.u32_be(NFTA_SET_POLICY, NFT_SET_POL_MEMORY);
        }
        self.write_desc(w);
        if let Some(timeout) = self.timeout_ms {
            w.u64_be(NFTA_SET_TIMEOUT, timeout);
        }
        if let Some(gc) = self.gc_interval_ms {
            w.u32_be(NFTA_SET_GC_INTERVAL, gc);
        }
        w.bytes(NFTA_SET_USERDATA, &self.userdata());
        if self.counter {
            let expr = w.begin_nest(NFTA_SET_EXPR);
            w.string(NFTA_EXPR_NAME, "counter");
            let data = w.begin_nest(NFTA_EXPR_DATA);
            w.end_nest(data);
            w.end_nest(expr);
        }
    }

    fn write_desc(&self, w: &mut Writer<'_>) {
        let concat = self.flags & NFT_SET_CONCAT != 0;
        if self.size.is_none() && !concat {
            return;
        }
        let desc = w.begin_nest(NFTA_SET_DESC);
        if let Some(size) = self.size {
            w.u32_be(NFTA_SET_DESC_SIZE, size);
        }
        if let (true, Some(key)) = (concat, &self.key) {
            let list = w.begin_nest(NFTA_SET_DESC_CONCAT);
            for ty in key.fields() {
                let field = w.begin_nest(NFTA_LIST_ELEM);
                w.u32_be(NFTA_SET_FIELD_LEN, ty.size() as u32);
                w.end_nest(field);
            }
            w.end_nest(list);
        }
        w.end_nest(desc);
    }

    /// Builds the set userdata nft writes: key byte order, map data byte
    /// order and interval flag, auto-merge, the empty `typeof` record nft
    /// writes for concatenations, and the comment.
    pub fn userdata(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(32);
        let key_order = match &self.key {
            Some(key) if !key.is_concat() => key.fields()[0].byte_order(),
            _ => ByteOrder::Invalid,
        };
        udata::put_u32(&mut buf, udata::SET_KEYBYTEORDER, key_order as u32);
        if let Some(data) = &self.data {
            let data_order = match data {
                MapData::Value(data) if !data.is_concat() => data.fields()[0].byte_order(),
                _ => ByteOrder::Invalid,
            };
            udata::put_u32(&mut buf, udata::SET_DATABYTEORDER, data_order as u32);
        }
        if self.auto_merge {
            udata::put_u32(&mut buf, udata::SET_MERGE_ELEMENTS, 1);
        }
        if self.key.as_ref().is_some_and(KeyType::is_concat) {
            udata::put_bytes(&mut buf, udata::SET_KEY_TYPEOF, &EMPTY_CONCAT_TYPEOF);
        }
        if matches!(&self.data, Some(MapData::Value(data)) if data.is_concat()) {
            udata::put_bytes(&mut buf, udata::SET_DATA_TYPEOF, &EMPTY_CONCAT_TYPEOF);
        }
        if self.data.is_some() {
            udata::put_u32(&mut buf, udata::SET_DATA_INTERVAL, 0);
        }
        if let Some(comment) = &self.comment {
            udata::put_string(&mut buf, udata::SET_COMMENT, comment);
        }
        buf
    }

    /// Decodes a `NEWSET` message from a `GETSET` reply or dump.
    pub fn decode(message: &Message<'_>) -> Result<SetDef, DecodeError> {
        let (nfproto, _) = message.nfgen()?;
        let family = Family::from_nfproto(nfproto)
            .ok_or_else(|| DecodeError::new(format!("unknown table family {nfproto}")))?;
        let mut set = SetDef::new(
            family,
            "",
            "",
            KeyType::single(crate::datatype::DataType::Ipv4Addr),
        );
        set.key = None;
        let mut data_len = 0;
        for attr in message.attrs() {
            let attr = attr?;
            match attr.ty {
                NFTA_SET_TABLE => set.table = attr.string()?.to_string(),
                NFTA_SET_NAME => set.name = attr.string()?.to_string(),
                NFTA_SET_FLAGS => set.flags = attr.u32_be()?,
                NFTA_SET_KEY_TYPE => set.key_type_id = attr.u32_be()?,
                NFTA_SET_KEY_LEN => set.key_len = attr.u32_be()?,
                NFTA_SET_DATA_TYPE => set.data_type_id = Some(attr.u32_be()?),
                NFTA_SET_DATA_LEN => data_len = attr.u32_be()?,
                NFTA_SET_POLICY => {
                    set.policy = Some(match attr.u32_be()? {
                        NFT_SET_POL_MEMORY => Policy::Memory,
                        _ => Policy::Performance,
                    })
                }
                NFTA_SET_DESC => decode_desc(&attr, &mut set)?,
                NFTA_SET_TIMEOUT => set.timeout_ms = Some(attr.u64_be()?),
                NFTA_SET_GC_INTERVAL => set.gc_interval_ms = Some(attr.u32_be()?),
                NFTA_SET_USERDATA => decode_userdata(attr.payload, &mut set),
                NFTA_SET_HANDLE => set.handle = Some(attr.u64_be()?),
                NFTA_SET_COUNT => set.count = Some(attr.u32_be()?),
                NFTA_SET_EXPR => set.counter |= expr_is_counter(&attr)?,
                NFTA_SET_EXPRESSIONS => {
                    for expr in attr.nested() {
                        set.counter |= expr_is_counter(&expr?)?;
                    }
                }
                _ => {}
            }
        }
        set.key = KeyType::from_id(set.key_type_id).filter(|key| key.len() as u32 == set.key_len);
        if set.is_map() {
            set.data = match set.data_type_id {
                Some(NFT_DATA_VERDICT) => Some(MapData::Verdict),
                Some(id) => KeyType::from_id(id)
                    .filter(|data| data.len() as u32 == data_len)
                    .map(MapData::Value),
                None => None,
            };
        }
        Ok(set)
    }

    /// Returns true for sets nft creates for anonymous set expressions
    /// in rules, which this library does not list.
    pub fn is_anonymous(&self) -> bool {
        self.flags & NFT_SET_ANONYMOUS != 0
    }
}

fn decode_desc(attr: &Attr<'_>, set: &mut SetDef) -> Result<(), DecodeError> {
    for inner in attr.nested() {
        let inner = inner?;
        match inner.ty {
            NFTA_SET_DESC_SIZE => set.size = Some(inner.u32_be()?).filter(|&size| size != 0),
            NFTA_SET_DESC_CONCAT => {
                for field in inner.nested() {
                    for len in field?.nested() {
                        let len = len?;
                        if len.ty == NFTA_SET_FIELD_LEN {
                            set.concat_lengths.push(len.u32_be()?);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn decode_userdata(data: &[u8], set: &mut SetDef) {
    for (ty, value) in udata::records(data) {
        match ty {
            udata::SET_MERGE_ELEMENTS => set.auto_merge = udata::value_u32(value) == Some(1),
            udata::SET_KEY_TYPEOF => set.key_typeof = true,
            udata::SET_COMMENT => set.comment = Some(udata::value_string(value)),
            _ => {}
        }
    }
}

fn expr_is_counter(attr: &Attr<'_>) -> Result<bool, DecodeError> {
    for inner in attr.nested() {
        let inner = inner?;
        if inner.ty == NFTA_EXPR_NAME {
            return Ok(inner.string()? == "counter");
        }
    }
    Ok(false)
}

/// nft's names of the user-visible set flags, in the order `nft list`
/// prints them: constant, dynamic, interval, timeout (nftables
/// `set_print_declaration`; nft 1.0.6 lists `flags dynamic,timeout`).
pub fn flag_names(flags: u32) -> Vec<&'static str> {
    let mut names = Vec::new();
    for (bit, name) in [
        (NFT_SET_CONSTANT, "constant"),
        (NFT_SET_EVAL, "dynamic"),
        (NFT_SET_INTERVAL, "interval"),
        (NFT_SET_TIMEOUT, "timeout"),
    ] {
        if flags & bit != 0 {
            names.push(name);
        }
    }
    names
}
