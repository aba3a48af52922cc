//! Conversions between JavaScript objects and the core's types.
//!
//! The TypeScript facade validates every argument with zod first; the
//! checks here are the backstop and raise `ERR_INVALID_ARGUMENT` with the
//! field's path.

use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;

use nftset_core::element::Counter;
use nftset_core::input::{Elements, Fields, Item, Value};
use nftset_core::key::KeyType;
use nftset_core::query::ElementInfo;
use nftset_core::set::{flag_names, MapData, Policy};
use nftset_core::sys::*;
use nftset_core::transaction::CommitOptions;
use nftset_core::{duration, Error, Family, IfTooLarge, Op, SetDef, SetRef, Verb};

/// A set or map inside a table.
#[napi(object)]
pub struct NativeSetRef {
    /// Table family: `inet`, `ip`, `ip6`, `arp`, `bridge` or `netdev`.
    pub family: String,
    /// Table name.
    pub table: String,
    /// Set or map name.
    pub set: String,
}

/// Packet and byte counts.
#[napi(object)]
#[derive(Clone, Copy)]
pub struct NativeCounter {
    /// Packets.
    pub packets: f64,
    /// Bytes.
    pub bytes: f64,
}

/// One element: nft's syntax in `text`, or field by field.
#[napi(object)]
pub struct NativeElement {
    /// The whole element in nft's syntax; the other fields are then unused.
    pub text: Option<String>,
    /// Key, one entry per concatenated field.
    pub key: Option<Vec<Either<String, f64>>>,
    /// Map value, one entry per concatenated field.
    pub value: Option<Vec<Either<String, f64>>>,
    /// Timeout: milliseconds or nft's duration text.
    pub timeout: Option<Either<String, f64>>,
    /// Initial expiry: milliseconds or nft's duration text.
    pub expires: Option<Either<String, f64>>,
    /// Comment.
    pub comment: Option<String>,
    /// Initial counter values.
    pub counter: Option<NativeCounter>,
}

/// A set or map definition.
#[napi(object)]
pub struct NativeSetDef {
    /// Table family.
    pub family: String,
    /// Table name.
    pub table: String,
    /// Set name.
    pub name: String,
    /// Key type in nft's spelling, such as `ipv4_addr . inet_service`.
    #[napi(js_name = "type")]
    pub key_type: String,
    /// Map value type, or `verdict`; absent for a set.
    pub map: Option<String>,
    /// Any of `constant`, `interval`, `timeout`, `dynamic`.
    pub flags: Option<Vec<String>>,
    /// Default element timeout: milliseconds or nft's duration text.
    pub timeout: Option<Either<String, f64>>,
    /// Garbage-collection interval: milliseconds or nft's duration text.
    pub gc_interval: Option<Either<String, f64>>,
    /// Maximum number of elements.
    pub size: Option<u32>,
    /// `performance` or `memory`.
    pub policy: Option<String>,
    /// Merge overlapping and adjacent ranges, as nft's `auto-merge`.
    pub auto_merge: Option<bool>,
    /// Set comment.
    pub comment: Option<String>,
    /// Give every element a counter.
    pub counter: Option<bool>,
}

/// One step of a transaction, tagged by `kind`.
#[napi(object)]
pub struct NativeOp {
    /// `createTable`, `deleteTable`, `createChain`, `deleteChain`,
    /// `createSet`, `deleteSet`, `flushSet`, `elements`, `updateElements`
    /// or `syncElements`.
    pub kind: String,
    /// Table family, for table and chain operations.
    pub family: Option<String>,
    /// Table name, for chain operations.
    pub table: Option<String>,
    /// Table or chain name.
    pub name: Option<String>,
    /// Fail if the object exists (`create` instead of `add`).
    pub exclusive: Option<bool>,
    /// Succeed if the object is missing (`destroy` instead of `delete`).
    pub if_exists: Option<bool>,
    /// The set, for set and element operations.
    pub set: Option<NativeSetRef>,
    /// The definition, for `createSet`.
    pub def: Option<NativeSetDef>,
    /// `add`, `create`, `delete` or `destroy`, for `elements`.
    pub verb: Option<String>,
    /// Elements in nft's syntax, one per line.
    pub lines: Option<String>,
    /// Id of elements staged with `stageAppend`, in nft's syntax, one per line.
    pub staged: Option<u32>,
    /// The content of an element file: nft's syntax, one element per line,
    /// blank lines and `#` comments allowed.
    pub text: Option<Buffer>,
    /// Path of an element file, read on the connection thread.
    pub file: Option<String>,
    /// Elements given field by field.
    pub elements: Option<Vec<NativeElement>>,
}

/// Options for a whole transaction.
#[napi(object)]
pub struct NativeCommitOptions {
    /// Reject prefixes with host bits set instead of masking them.
    pub strict: Option<bool>,
    /// Fail with `ERR_GENERATION_CONFLICT` unless the ruleset is still at
    /// this generation.
    pub generation: Option<u32>,
    /// Ask the kernel to acknowledge every message, not only errors.
    pub ack_every_message: Option<bool>,
    /// `fail` (the default) or `split`, for a batch larger than the send
    /// buffer.
    pub if_too_large: Option<String>,
}

/// Fixed socket buffer sizes in bytes.
#[napi(object)]
pub struct NativeBufferLimits {
    /// Send buffer.
    pub send: Option<u32>,
    /// Receive buffer.
    pub receive: Option<u32>,
}

/// What a committed transaction sent.
#[napi(object)]
pub struct NativeCommitSummary {
    /// Netlink messages.
    pub messages: u32,
    /// Bytes.
    pub bytes: f64,
    /// Element nests.
    pub wire_elements: f64,
    /// Elements a sync added.
    pub added: f64,
    /// Elements a sync removed.
    pub removed: f64,
    /// Batches sent; more than one when the transaction was split.
    pub batches: u32,
    /// True when replies were lost and the outcome was read back.
    pub replies_lost: bool,
}

/// One element as nft prints it.
#[napi(object)]
pub struct NativeElementInfo {
    /// Key.
    pub key: String,
    /// Map value.
    pub value: Option<String>,
    /// Timeout in milliseconds, when it differs from the set's.
    pub timeout: Option<f64>,
    /// Milliseconds left before expiry.
    pub expires: Option<f64>,
    /// Comment.
    pub comment: Option<String>,
    /// Counter values.
    pub counter: Option<NativeCounter>,
}

/// A set or map as the kernel reports it.
#[napi(object)]
pub struct NativeSetInfo {
    /// Table family.
    pub family: String,
    /// Table name.
    pub table: String,
    /// Set name.
    pub name: String,
    /// Key type in nft's spelling, or `0x...` for a type nftset cannot decode.
    #[napi(js_name = "type")]
    pub key_type: String,
    /// Map value type or `verdict`, for maps.
    pub map: Option<String>,
    /// nft flag names: `constant`, `interval`, `timeout`, `dynamic`.
    pub flags: Vec<String>,
    /// Default element timeout in milliseconds.
    pub timeout: Option<f64>,
    /// Garbage-collection interval in milliseconds.
    pub gc_interval: Option<f64>,
    /// Maximum number of elements.
    pub size: Option<u32>,
    /// `memory` when set; absent for the default.
    pub policy: Option<String>,
    /// True with nft's `auto-merge`.
    pub auto_merge: bool,
    /// Set comment.
    pub comment: Option<String>,
    /// True if elements have counters.
    pub counter: bool,
    /// Kernel handle.
    pub handle: Option<f64>,
    /// Element count (Linux 6.16+ only).
    pub count: Option<u32>,
}

pub fn family(value: &str, path: &str) -> Result<Family, Error> {
    Family::parse(value).map_err(|message| Error::invalid_argument(path, message))
}

pub fn set_ref(value: &NativeSetRef) -> Result<SetRef, Error> {
    Ok(SetRef::new(
        family(&value.family, "family")?,
        &value.table,
        &value.set,
    ))
}

fn value(input: &Either<String, f64>) -> Value {
    match input {
        Either::A(text) => Value::Text(text.clone()),
        Either::B(number) => Value::Number(*number),
    }
}

fn counter(input: &NativeCounter, path: &str) -> Result<Counter, Error> {
    let count = |number: f64, field: &str| {
        if number.is_finite()
            && number >= 0.0
            && number.fract() == 0.0
            && number <= 9007199254740991.0
        {
            Ok(number as u64)
        } else {
            Err(Error::invalid_argument(
                format!("{path}.counter.{field}"),
                format!("counter {field} must be a whole number from 0 to 2^53-1, got {number}"),
            ))
        }
    };
    Ok(Counter {
        packets: count(input.packets, "packets")?,
        bytes: count(input.bytes, "bytes")?,
    })
}

/// Where the elements of one operation come from.
#[derive(Default)]
pub struct Source {
    /// One newline-joined string.
    pub lines: Option<String>,
    /// Newline-joined strings staged beforehand.
    pub chunks: Option<Vec<String>>,
    /// File content.
    pub text: Option<Buffer>,
    /// File path.
    pub file: Option<String>,
    /// Elements one by one.
    pub list: Option<Vec<NativeElement>>,
}

/// Builds the elements of an operation. Runs on the connection thread,
/// because it may read a file.
pub fn elements(source: Source) -> Result<Elements, Error> {
    if let Some(lines) = source.lines {
        return Ok(Elements::Lines(lines));
    }
    if let Some(chunks) = source.chunks {
        return Ok(Elements::Chunks(chunks));
    }
    if let Some(text) = source.text {
        let text = String::from_utf8(text.to_vec()).map_err(|error| {
            Error::invalid_argument(
                "elements",
                format!(
                    "element text is not UTF-8 (first bad byte at offset {})",
                    error.utf8_error().valid_up_to()
                ),
            )
        })?;
        return Ok(Elements::File(text));
    }
    if let Some(path) = source.file {
        let text = std::fs::read_to_string(&path).map_err(|error| {
            Error::invalid_argument("file", format!("cannot read element file {path}: {error}"))
        })?;
        return Ok(Elements::File(text));
    }
    let list = source.list;
    let mut out = Vec::new();
    for (index, element) in list.unwrap_or_default().iter().enumerate() {
        let path = format!("elements[{index}]");
        if let Some(text) = &element.text {
            out.push(Item::Text(text.clone()));
            continue;
        }
        let Some(key) = &element.key else {
            return Err(Error::invalid_argument(
                format!("{path}.key"),
                "an element needs a key, or text in nft's syntax",
            ));
        };
        out.push(Item::Fields(Fields {
            key: key.iter().map(value).collect(),
            value: element
                .value
                .as_ref()
                .map(|value_list| value_list.iter().map(value).collect()),
            timeout: element.timeout.as_ref().map(value),
            expires: element.expires.as_ref().map(value),
            comment: element.comment.clone(),
            counter: element
                .counter
                .as_ref()
                .map(|c| counter(c, &path))
                .transpose()?,
        }));
    }
    Ok(Elements::Items(out))
}

fn duration_ms(input: &Either<String, f64>, path: &str) -> Result<u64, Error> {
    match input {
        Either::A(text) => {
            duration::parse(text).map_err(|message| Error::invalid_argument(path, message))
        }
        Either::B(ms)
            if ms.is_finite()
                && *ms >= 0.0
                && ms.fract() == 0.0
                && *ms <= duration::MAX_MS as f64 =>
        {
            Ok(*ms as u64)
        }
        Either::B(ms) => Err(Error::invalid_argument(
            path,
            format!(
                "invalid duration {ms}: expected whole milliseconds from 0 to {}",
                duration::MAX_MS
            ),
        )),
    }
}

pub fn set_def(input: &NativeSetDef) -> Result<SetDef, Error> {
    let family = family(&input.family, "family")?;
    let key = KeyType::parse(&input.key_type)
        .map_err(|message| Error::invalid_argument("spec.type", message))?;
    let mut def = SetDef::new(family, &input.table, &input.name, key);
    def.data = match input.map.as_deref() {
        None => None,
        Some("verdict") => Some(MapData::Verdict),
        Some(data) => {
            Some(MapData::Value(KeyType::parse(data).map_err(|message| {
                Error::invalid_argument("spec.map", message)
            })?))
        }
    };
    for flag in input.flags.iter().flatten() {
        def.flags |= match flag.as_str() {
            "constant" => NFT_SET_CONSTANT,
            "interval" => NFT_SET_INTERVAL,
            "timeout" => NFT_SET_TIMEOUT,
            "dynamic" => NFT_SET_EVAL,
            other => {
                return Err(Error::invalid_argument(
                    "flags",
                    format!(
                    "unknown set flag \"{other}\": expected constant, interval, timeout or dynamic"
                ),
                ))
            }
        };
    }
    def.timeout_ms = input
        .timeout
        .as_ref()
        .map(|t| duration_ms(t, "timeout"))
        .transpose()?;
    def.gc_interval_ms = input
        .gc_interval
        .as_ref()
        .map(|t| duration_ms(t, "gcInterval"))
        .transpose()?
        .map(|ms| {
            u32::try_from(ms).map_err(|_| {
                Error::invalid_argument(
                    "gcInterval",
                    format!("gc-interval of {ms}ms exceeds 2^32-1 ms"),
                )
            })
        })
        .transpose()?;
    def.size = input.size;
    def.policy = match input.policy.as_deref() {
        None => None,
        Some("performance") => Some(Policy::Performance),
        Some("memory") => Some(Policy::Memory),
        Some(other) => {
            return Err(Error::invalid_argument(
                "policy",
                format!("unknown policy \"{other}\": expected performance or memory"),
            ))
        }
    };
    def.auto_merge = input.auto_merge.unwrap_or(false);
    def.comment = input.comment.clone();
    def.counter = input.counter.unwrap_or(false);
    Ok(def)
}

fn required<'a, T>(value: &'a Option<T>, path: &str) -> Result<&'a T, Error> {
    value
        .as_ref()
        .ok_or_else(|| Error::invalid_argument(path, format!("{path} is required")))
}

pub fn op(input: NativeOp, chunks: Option<Vec<String>>, index: usize) -> Result<Op, Error> {
    let at = |field: &str| format!("ops[{index}].{field}");
    let op = match input.kind.as_str() {
        "createTable" | "deleteTable" => {
            let family = family(required(&input.family, &at("family"))?, &at("family"))?;
            let name = required(&input.name, &at("name"))?.clone();
            if input.kind == "createTable" {
                Op::CreateTable {
                    family,
                    name,
                    exclusive: input.exclusive.unwrap_or(false),
                }
            } else {
                Op::DeleteTable {
                    family,
                    name,
                    if_exists: input.if_exists.unwrap_or(false),
                }
            }
        }
        "createChain" | "deleteChain" => {
            let family = family(required(&input.family, &at("family"))?, &at("family"))?;
            let table = required(&input.table, &at("table"))?.clone();
            let name = required(&input.name, &at("name"))?.clone();
            if input.kind == "createChain" {
                Op::CreateChain {
                    family,
                    table,
                    name,
                    exclusive: input.exclusive.unwrap_or(false),
                }
            } else {
                Op::DeleteChain {
                    family,
                    table,
                    name,
                    if_exists: input.if_exists.unwrap_or(false),
                }
            }
        }
        "createSet" => Op::CreateSet {
            def: Box::new(set_def(required(&input.def, &at("def"))?)?),
            exclusive: input.exclusive.unwrap_or(false),
        },
        "deleteSet" => Op::DeleteSet {
            set: set_ref(required(&input.set, &at("set"))?)?,
            if_exists: input.if_exists.unwrap_or(false),
        },
        "flushSet" => Op::FlushSet {
            set: set_ref(required(&input.set, &at("set"))?)?,
        },
        "elements" | "updateElements" | "syncElements" => {
            let set = set_ref(required(&input.set, &at("set"))?)?;
            let elements = elements(Source {
                lines: input.lines,
                chunks,
                text: input.text,
                file: input.file,
                list: input.elements,
            })?;
            if input.kind == "updateElements" {
                Op::UpdateElements { set, elements }
            } else if input.kind == "syncElements" {
                Op::SyncElements { set, elements }
            } else {
                let verb = match input.verb.as_deref() {
                    Some("add") => Verb::Add,
                    Some("create") => Verb::Create,
                    Some("delete") => Verb::Delete,
                    Some("destroy") => Verb::Destroy,
                    other => {
                        return Err(Error::invalid_argument(
                            at("verb"),
                            format!(
                                "unknown verb {other:?}: expected add, create, delete or destroy"
                            ),
                        ))
                    }
                };
                Op::Elements {
                    verb,
                    set,
                    elements,
                }
            }
        }
        other => {
            return Err(Error::invalid_argument(
                at("kind"),
                format!("unknown operation kind \"{other}\""),
            ))
        }
    };
    Ok(op)
}

pub fn commit_options(input: Option<NativeCommitOptions>) -> Result<CommitOptions, Error> {
    let input = input.unwrap_or(NativeCommitOptions {
        strict: None,
        generation: None,
        ack_every_message: None,
        if_too_large: None,
    });
    let if_too_large = match input.if_too_large.as_deref() {
        None | Some("fail") => IfTooLarge::Fail,
        Some("split") => IfTooLarge::Split,
        Some(other) => {
            return Err(Error::invalid_argument(
                "options.ifTooLarge",
                format!("unknown ifTooLarge \"{other}\": expected fail or split"),
            ))
        }
    };
    Ok(CommitOptions {
        strict: input.strict.unwrap_or(false),
        generation: input.generation,
        ack_each: input.ack_every_message.unwrap_or(false),
        if_too_large,
    })
}

pub fn element_info(info: ElementInfo) -> NativeElementInfo {
    NativeElementInfo {
        key: info.key,
        value: info.value,
        timeout: info.timeout_ms.map(|ms| ms as f64),
        expires: info.expires_ms.map(|ms| ms as f64),
        comment: info.comment,
        counter: info.counter.map(|c| NativeCounter {
            packets: c.packets as f64,
            bytes: c.bytes as f64,
        }),
    }
}

pub fn set_info(def: &SetDef) -> NativeSetInfo {
    let key_type = def
        .key
        .as_ref()
        .map_or_else(|| format!("0x{:x}", def.key_type_id), KeyType::name);
    let map = if def.is_map() {
        Some(match &def.data {
            Some(MapData::Verdict) => "verdict".to_string(),
            Some(MapData::Value(data)) => data.name(),
            None => format!("0x{:x}", def.data_type_id.unwrap_or(0)),
        })
    } else {
        None
    };
    NativeSetInfo {
        family: def.family.name().to_string(),
        table: def.table.clone(),
        name: def.name.clone(),
        key_type,
        map,
        flags: flag_names(def.flags)
            .into_iter()
            .map(str::to_string)
            .collect(),
        timeout: def.timeout_ms.map(|ms| ms as f64),
        gc_interval: def.gc_interval_ms.map(f64::from),
        size: def.size,
        policy: (def.policy == Some(Policy::Memory)).then(|| "memory".to_string()),
        auto_merge: def.auto_merge,
        comment: def.comment.clone(),
        counter: def.counter,
        handle: def.handle.map(|handle| handle as f64),
        count: def.count,
    }
}
