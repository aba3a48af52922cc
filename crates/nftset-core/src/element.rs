//! Set and map elements: parsing nft's element syntax, checking an element
//! against its set, and writing and reading the element nests.
//!
//! nft's syntax for one element is
//! `KEY [counter packets N bytes M] [timeout T] [expires E] [comment "C"] [: VALUE]`.
//! The map separator must have white space on both sides, because IPv6 and
//! MAC addresses contain colons.

use crate::attr::{Attr, Writer};
use crate::datatype::{js_number, quoted, HostBits, SHOWN_MAX_CHARS};
use crate::duration;
use crate::error::DecodeError;
use crate::key::{FieldInput, KeyBuf, KeyRange, KeyType};
use crate::set::{MapData, SetDef};
use crate::sys::*;
use crate::udata;
use crate::verdict::Verdict;

/// Maximum length of an element's text, in bytes. Written without padding,
/// a valid element is far shorter: by an estimate from the longest spelling
/// of each part, five IPv6 range fields, a 128-byte comment and a 255-byte
/// chain name take under 2 KiB. The limit catches input that is not
/// elements, such as a file without line breaks.
pub const ELEMENT_MAX_BYTES: usize = 64 * 1024;

/// The value a map element maps its key to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataValue {
    /// A typed value in sortable form.
    Value(KeyBuf),
    /// A verdict.
    Verdict(Verdict),
}

/// Packet and byte counts of an element's counter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counter {
    /// Packets counted.
    pub packets: u64,
    /// Bytes counted.
    pub bytes: u64,
}

/// One element, parsed and checked against its set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    /// Key bounds in sortable form; `lo == hi` for a single value.
    pub key: KeyRange,
    /// Map value.
    pub data: Option<DataValue>,
    /// Element timeout in milliseconds; 0 means never (Linux 6.12+).
    pub timeout_ms: Option<u64>,
    /// Initial time left before expiry, in milliseconds.
    pub expires_ms: Option<u64>,
    /// Element comment.
    pub comment: Option<String>,
    /// Initial counter values.
    pub counter: Option<Counter>,
}

/// How strictly input is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Host bits below a prefix: masked as nft does, or rejected.
    pub host_bits: HostBits,
    /// True when the element only has to identify a key (delete, get):
    /// map values and options may be left out.
    pub key_only: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            host_bits: HostBits::Mask,
            key_only: false,
        }
    }
}

/// An element as the caller wrote it, before parsing.
#[derive(Clone, Debug)]
pub enum ElementInput<'a> {
    /// nft's element syntax, such as `192.0.2.1 timeout 10s : accept`.
    Text(&'a str),
    /// Separate fields, as an object from JavaScript.
    Fields(ElementFields<'a>),
}

/// An element given field by field.
#[derive(Clone, Debug, Default)]
pub struct ElementFields<'a> {
    /// Key: one field, or one per concatenated field.
    pub key: Vec<FieldInput<'a>>,
    /// Map value: one field, or one per concatenated field; a verdict is text.
    pub value: Option<Vec<FieldInput<'a>>>,
    /// Timeout: milliseconds, or nft's duration text.
    pub timeout: Option<DurationInput<'a>>,
    /// Initial expiry: milliseconds, or nft's duration text.
    pub expires: Option<DurationInput<'a>>,
    /// Comment.
    pub comment: Option<&'a str>,
    /// Initial counter values.
    pub counter: Option<Counter>,
}

/// A duration as milliseconds or as nft text such as `1h30m`.
#[derive(Clone, Copy, Debug)]
pub enum DurationInput<'a> {
    /// Milliseconds.
    Millis(f64),
    /// nft's syntax.
    Text(&'a str),
}

impl DurationInput<'_> {
    fn to_ms(self) -> Result<u64, String> {
        match self {
            DurationInput::Text(text) => {
                duration::parse(text).map_err(|message| cut_quoted(message, text))
            }
            DurationInput::Millis(ms) => {
                if !ms.is_finite() || ms < 0.0 || ms.fract() != 0.0 || ms > duration::MAX_MS as f64
                {
                    Err(format!(
                        "invalid duration {}: expected whole milliseconds from 0 to {}",
                        js_number(ms),
                        duration::MAX_MS
                    ))
                } else {
                    Ok(ms as u64)
                }
            }
        }
    }
}

/// Parses one element and checks it against the set's definition.
pub fn parse(
    set: &SetDef,
    input: &ElementInput<'_>,
    options: ParseOptions,
) -> Result<Element, String> {
    let key_type = set_key(set)?;
    if let ElementInput::Text(text) = input {
        if text.len() > ELEMENT_MAX_BYTES {
            return Err(format!(
                "the element is {} bytes long; an element is at most {ELEMENT_MAX_BYTES} bytes",
                text.len()
            ));
        }
    }
    let fields = match input {
        ElementInput::Text(text) if is_bare_key(key_type, set, text) => {
            // The common case of a bulk load, such as "192.0.2.1" or
            // "10.0.0.0/8", parsed without splitting or allocating.
            let key = key_type
                .parse_fields(&[FieldInput::Text(text)], options.host_bits)
                .map_err(|error| error.0)?;
            check_range(set, &key)?;
            return Ok(Element {
                key,
                data: None,
                timeout_ms: None,
                expires_ms: None,
                comment: None,
                counter: None,
            });
        }
        ElementInput::Text(text) => split_text(key_type, text)?,
        ElementInput::Fields(fields) => fields.clone(),
    };
    build(set, key_type, &fields, options)
}

/// Returns true for a single-field key of a set without map values,
/// written as one token with no options.
fn is_bare_key(key_type: &KeyType, set: &SetDef, text: &str) -> bool {
    !key_type.is_concat()
        && set.data.is_none()
        && !text.is_empty()
        && !text.bytes().any(|b| b.is_ascii_whitespace() || b == b'"')
}

/// Rejects a prefix, range or ifname wildcard for a set without `flags
/// interval`, in every family and for every key type. In such a set the
/// kernel would store only the first value of the range and report no error.
fn check_range(set: &SetDef, key: &KeyRange) -> Result<(), String> {
    if key.is_range && !set.is_interval() {
        return Err(format!(
            "set {} needs \"flags interval\" for prefixes, ranges and wildcards: create it \
             with flags: ['interval']; without the flag the kernel would store only the first \
             value",
            set.name
        ));
    }
    Ok(())
}

/// Cuts a long input in a message of a parser that quotes it whole, such
/// as `invalid duration "…"`.
fn cut_quoted(message: String, text: &str) -> String {
    if text.chars().count() <= SHOWN_MAX_CHARS {
        return message;
    }
    message.replacen(&format!("\"{text}\""), &quoted(text), 1)
}

fn set_key(set: &SetDef) -> Result<&KeyType, String> {
    set.key.as_ref().ok_or_else(|| {
        format!(
            "set {} has key type 0x{:x} ({} bytes), which nftset cannot encode",
            set.name, set.key_type_id, set.key_len
        )
    })
}

fn build(
    set: &SetDef,
    key_type: &KeyType,
    fields: &ElementFields<'_>,
    options: ParseOptions,
) -> Result<Element, String> {
    let key = key_type
        .parse_fields(&fields.key, options.host_bits)
        .map_err(|error| error.0)?;
    check_range(set, &key)?;
    let mut element = Element {
        key,
        data: None,
        timeout_ms: None,
        expires_ms: None,
        comment: None,
        counter: None,
    };
    if options.key_only {
        return Ok(element);
    }
    element.data = parse_data(set, fields.value.as_deref())?;
    element.timeout_ms = fields.timeout.map(DurationInput::to_ms).transpose()?;
    element.expires_ms = fields.expires.map(DurationInput::to_ms).transpose()?;
    if (element.timeout_ms.is_some() || element.expires_ms.is_some()) && !set.has_timeout() {
        return Err(format!(
            "set {} does not support timeouts: create it with a timeout or \"flags timeout\"",
            set.name
        ));
    }
    let effective_timeout = element.timeout_ms.or(set.timeout_ms);
    if let Some(expires) = element.expires_ms {
        match effective_timeout {
            Some(timeout) if expires > timeout => {
                return Err(format!(
                    "expires {} is longer than the timeout {}",
                    duration::format(expires),
                    duration::format(timeout)
                ))
            }
            Some(0) | None => {
                return Err("expires needs a timeout on the element or the set".to_string())
            }
            Some(_) => {}
        }
    }
    if let Some(comment) = fields.comment {
        check_comment(comment)?;
        element.comment = Some(comment.to_string());
    }
    if let Some(counter) = fields.counter {
        if !set.counter {
            return Err(format!(
                "set {} has no counters: create it with \"counter\" to give elements counters",
                set.name
            ));
        }
        element.counter = Some(counter);
    }
    Ok(element)
}

fn parse_data(set: &SetDef, value: Option<&[FieldInput<'_>]>) -> Result<Option<DataValue>, String> {
    let (Some(data), Some(value)) = (&set.data, value) else {
        return match (&set.data, value) {
            (Some(_), None) => Err(format!("map {} needs a value: write KEY : VALUE", set.name)),
            (None, Some(_)) => Err(format!("set {} is not a map and takes no value", set.name)),
            _ => Ok(None),
        };
    };
    match data {
        MapData::Verdict => {
            let [FieldInput::Text(text)] = value else {
                return Err("a verdict is text such as \"accept\" or \"jump CHAIN\"".into());
            };
            let verdict = Verdict::parse(text).map_err(|message| cut_quoted(message, text))?;
            Ok(Some(DataValue::Verdict(verdict)))
        }
        MapData::Value(data_type) => {
            let range = data_type
                .parse_fields(value, HostBits::Reject)
                .map_err(|error| error.0)?;
            if range.is_range {
                return Err(format!(
                    "map {} stores single {} values, not ranges",
                    set.name,
                    data_type.name()
                ));
            }
            Ok(Some(DataValue::Value(range.lo)))
        }
    }
}

/// Checks a comment against nft's limit of 128 bytes.
pub fn check_comment(comment: &str) -> Result<(), String> {
    if comment.len() > udata::COMMENT_MAXLEN {
        return Err(format!(
            "comment is {} bytes; nft allows at most {}",
            comment.len(),
            udata::COMMENT_MAXLEN
        ));
    }
    if comment.contains('\0') {
        return Err("comment contains a NUL byte".into());
    }
    // nft's scanner has no escape for a quote, so nft could neither read
    // back nor list such a comment.
    if comment.contains('"') {
        return Err(
            "comment contains a double quote, which nft cannot print or read back; use ' instead"
                .into(),
        );
    }
    Ok(())
}

/// Splits nft's element syntax into key, value and options.
fn split_text<'t>(key_type: &KeyType, text: &'t str) -> Result<ElementFields<'t>, String> {
    let tokens = tokenize(text)?;
    let colon = tokens
        .iter()
        .position(|token| !token.quoted && token.text == ":");
    let head = &tokens[..colon.unwrap_or(tokens.len())];
    let option_start = head
        .iter()
        .position(|token| !token.quoted && OPTIONS.contains(&token.text))
        .unwrap_or(head.len());
    if option_start == 0 {
        return Err("the element has no key".into());
    }
    let key_text = span(text, &head[..option_start]);
    let mut fields = ElementFields {
        key: key_type
            .split_literal(key_text)
            .into_iter()
            .map(|part| FieldInput::Text(unquote(part)))
            .collect(),
        ..ElementFields::default()
    };
    if let Some(colon) = colon {
        let value = &tokens[colon + 1..];
        if value.is_empty() {
            return Err("the map value after \" : \" is empty".into());
        }
        fields.value = Some(split_value(span(text, value)));
    }
    parse_options(&head[option_start..], &mut fields)?;
    Ok(fields)
}

const OPTIONS: [&str; 4] = ["counter", "timeout", "expires", "comment"];

fn parse_options<'t>(tokens: &[Token<'t>], fields: &mut ElementFields<'t>) -> Result<(), String> {
    let mut rest = tokens;
    while let Some((option, tail)) = rest.split_first() {
        let mut take = |what: &str| -> Result<Token<'t>, String> {
            let (value, tail2) = tail
                .split_first()
                .ok_or_else(|| format!("\"{}\" needs a {what}", option.text))?;
            rest = tail2;
            Ok(*value)
        };
        match option.text {
            "timeout" if fields.timeout.is_none() => {
                fields.timeout = Some(DurationInput::Text(take("duration such as 30s")?.text));
            }
            "expires" if fields.expires.is_none() => {
                fields.expires = Some(DurationInput::Text(take("duration such as 30s")?.text));
            }
            "comment" if fields.comment.is_none() => {
                fields.comment = Some(take("quoted text")?.text);
            }
            "counter" if fields.counter.is_none() => {
                let mut counter = Counter::default();
                let mut tail = tail;
                for _ in 0..2 {
                    match tail {
                        [name, value, more @ ..]
                            if name.text == "packets" || name.text == "bytes" =>
                        {
                            let count: u64 = value.text.parse().map_err(|_| {
                                let shown = quoted(value.text);
                                format!("invalid counter {} value {shown}", name.text)
                            })?;
                            if name.text == "packets" {
                                counter.packets = count;
                            } else {
                                counter.bytes = count;
                            }
                            tail = more;
                        }
                        _ => break,
                    }
                }
                rest = tail;
                fields.counter = Some(counter);
            }
            other if OPTIONS.contains(&other) => {
                return Err(format!("\"{other}\" is given twice"));
            }
            other => {
                return Err(format!(
                    "unexpected {}: expected counter, timeout, expires, comment or \" : VALUE\"",
                    quoted(other)
                ))
            }
        }
    }
    Ok(())
}

fn split_value(value: &str) -> Vec<FieldInput<'_>> {
    value
        .split(" . ")
        .map(|part| FieldInput::Text(unquote(part.trim())))
        .collect()
}

fn unquote(text: &str) -> &str {
    text.strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(text)
}

#[derive(Clone, Copy, Debug)]
struct Token<'t> {
    text: &'t str,
    start: usize,
    end: usize,
    quoted: bool,
}

/// Splits on white space; a double-quoted run is one token, quotes removed.
fn tokenize(text: &str) -> Result<Vec<Token<'_>>, String> {
    let mut tokens = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if bytes[i] == b'"' {
            let close = text[i + 1..]
                .find('"')
                .ok_or_else(|| format!("unterminated quote in {}", quoted(text)))?;
            tokens.push(Token {
                text: &text[i + 1..i + 1 + close],
                start: i,
                end: i + close + 2,
                quoted: true,
            });
            i += close + 2;
            continue;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'"' {
            i += 1;
        }
        tokens.push(Token {
            text: &text[start..i],
            start,
            end: i,
            quoted: false,
        });
    }
    Ok(tokens)
}

fn span<'t>(text: &'t str, tokens: &[Token<'t>]) -> &'t str {
    let start = tokens.first().map_or(0, |token| token.start);
    let end = tokens.last().map_or(0, |token| token.end);
    &text[start..end]
}

/// One wire element to write for an element, in the order nft writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The element of a set without `flags interval`.
    Plain,
    /// Start of a range in an interval set; `open` when it has no end.
    Start {
        /// True when the range runs to the maximum key.
        open: bool,
    },
    /// End of a range: the key after the last one, flagged `INTERVAL_END`.
    End(KeyBuf),
    /// A concatenated range with `KEY_END`.
    Concat,
}

/// What the element nests carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Add or create: everything.
    Write,
    /// Delete or lookup: only what identifies the key.
    Identify,
}

/// Lists the wire elements that stand for `element` in `set`.
pub fn parts(set: &SetDef, element: &Element) -> (Part, Option<Part>) {
    if !set.is_interval() {
        return (Part::Plain, None);
    }
    if set.is_concat_interval() {
        return (Part::Concat, None);
    }
    match crate::interval::end_key(&element.key.hi) {
        Some(end) => (Part::Start { open: false }, Some(Part::End(end))),
        None => (Part::Start { open: true }, None),
    }
}

/// Writes the attributes of one element nest.
pub fn write(w: &mut Writer<'_>, set: &SetDef, element: &Element, part: Part, purpose: Purpose) {
    let key_type = set
        .key
        .as_ref()
        .expect("elements are parsed against a typed set");
    let interval = set.is_interval();
    if let Part::End(end) = part {
        w.u32_be(NFTA_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
        write_value(
            w,
            NFTA_SET_ELEM_KEY,
            key_type.to_wire(&end, interval).as_slice(),
        );
        return;
    }
    let full = purpose == Purpose::Write;
    if full {
        if let Some(timeout) = element.timeout_ms {
            w.u64_be(NFTA_SET_ELEM_TIMEOUT, timeout);
        }
        if let Some(expires) = element.expires_ms {
            w.u64_be(NFTA_SET_ELEM_EXPIRATION, expires);
        }
    }
    write_value(
        w,
        NFTA_SET_ELEM_KEY,
        key_type.to_wire(&element.key.lo, interval).as_slice(),
    );
    if part == Part::Concat {
        write_value(
            w,
            NFTA_SET_ELEM_KEY_END,
            key_type.to_wire(&element.key.hi, interval).as_slice(),
        );
    }
    if !full {
        return;
    }
    match (&element.data, &set.data) {
        (Some(DataValue::Value(value)), Some(MapData::Value(data_type))) => {
            write_value(
                w,
                NFTA_SET_ELEM_DATA,
                data_type.to_wire(value, false).as_slice(),
            );
        }
        (Some(DataValue::Verdict(verdict)), _) => {
            let data = w.begin_nest(NFTA_SET_ELEM_DATA);
            verdict.write(w);
            w.end_nest(data);
        }
        _ => {}
    }
    let open = part == Part::Start { open: true };
    if element.comment.is_some() || open {
        let mut userdata = Vec::with_capacity(16);
        if let Some(comment) = &element.comment {
            udata::put_string(&mut userdata, udata::ELEM_COMMENT, comment);
        }
        if open {
            udata::put_u32(
                &mut userdata,
                udata::ELEM_FLAGS,
                udata::ELEM_F_INTERVAL_OPEN,
            );
        }
        w.bytes(NFTA_SET_ELEM_USERDATA, &userdata);
    }
    if let Some(counter) = element.counter {
        let expr = w.begin_nest(NFTA_SET_ELEM_EXPR);
        w.string(NFTA_EXPR_NAME, "counter");
        let data = w.begin_nest(NFTA_EXPR_DATA);
        w.u64_be(NFTA_COUNTER_BYTES, counter.bytes);
        w.u64_be(NFTA_COUNTER_PACKETS, counter.packets);
        w.end_nest(data);
        w.end_nest(expr);
    }
}

fn write_value(w: &mut Writer<'_>, ty: u16, bytes: &[u8]) {
    let nest = w.begin_nest(ty);
    w.bytes(NFTA_DATA_VALUE, bytes);
    w.end_nest(nest);
}

/// An element nest as the kernel returned it, still in wire form except
/// for the key, which is converted to sortable form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WireElement {
    /// Key in sortable form.
    pub key: Option<KeyBuf>,
    /// `KEY_END` in sortable form, for concatenated ranges.
    pub key_end: Option<KeyBuf>,
    /// `NFT_SET_ELEM_*` flags.
    pub flags: u32,
    /// Map value in sortable form.
    pub data: Option<DataValue>,
    /// Timeout in milliseconds, when it differs from the set's default.
    pub timeout_ms: Option<u64>,
    /// Time left before expiry, in milliseconds.
    pub expires_ms: Option<u64>,
    /// Comment from element userdata.
    pub comment: Option<String>,
    /// True when nft marked the element as an open range.
    pub open: bool,
    /// Counter values, for sets with counters.
    pub counter: Option<Counter>,
}

impl WireElement {
    /// Returns true for the end element of a range.
    pub fn is_end(&self) -> bool {
        self.flags & NFT_SET_ELEM_INTERVAL_END != 0
    }

    /// Returns true for a catch-all element, which has no key.
    pub fn is_catchall(&self) -> bool {
        self.flags & NFT_SET_ELEM_CATCHALL != 0
    }
}

/// Decodes one element nest of a dump or lookup reply.
pub fn decode(set: &SetDef, nest: &Attr<'_>) -> Result<WireElement, DecodeError> {
    let interval = set.is_interval();
    let key_type = set.key.as_ref();
    let mut element = WireElement::default();
    for attr in nest.nested() {
        let attr = attr?;
        match attr.ty {
            NFTA_SET_ELEM_KEY => element.key = Some(decode_key(key_type, &attr, interval)?),
            NFTA_SET_ELEM_KEY_END => element.key_end = Some(decode_key(key_type, &attr, interval)?),
            NFTA_SET_ELEM_FLAGS => element.flags = attr.u32_be()?,
            NFTA_SET_ELEM_DATA => element.data = decode_data(set, &attr)?,
            NFTA_SET_ELEM_TIMEOUT => element.timeout_ms = Some(attr.u64_be()?),
            NFTA_SET_ELEM_EXPIRATION => element.expires_ms = Some(attr.u64_be()?),
            NFTA_SET_ELEM_USERDATA => {
                for (ty, value) in udata::records(attr.payload) {
                    match ty {
                        udata::ELEM_COMMENT => element.comment = Some(udata::value_string(value)),
                        udata::ELEM_FLAGS => {
                            element.open = udata::value_u32(value)
                                .is_some_and(|flags| flags & udata::ELEM_F_INTERVAL_OPEN != 0)
                        }
                        _ => {}
                    }
                }
            }
            NFTA_SET_ELEM_EXPR => element.counter = decode_counter(&attr)?.or(element.counter),
            NFTA_SET_ELEM_EXPRESSIONS => {
                for expr in attr.nested() {
                    if let Some(counter) = decode_counter(&expr?)? {
                        element.counter = Some(counter);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(element)
}

fn value_bytes<'a>(attr: &Attr<'a>) -> Result<&'a [u8], DecodeError> {
    for inner in attr.nested() {
        let inner = inner?;
        if inner.ty == NFTA_DATA_VALUE {
            return Ok(inner.payload);
        }
    }
    Err(DecodeError::new("data attribute without NFTA_DATA_VALUE"))
}

fn decode_key(
    key_type: Option<&KeyType>,
    attr: &Attr<'_>,
    interval: bool,
) -> Result<KeyBuf, DecodeError> {
    let bytes = value_bytes(attr)?;
    match key_type {
        Some(key_type) => key_type
            .from_wire(bytes, interval)
            .map_err(|error| DecodeError::new(error.0)),
        None if bytes.len() <= crate::key::MAX_KEY_LEN => Ok(KeyBuf::from_slice(bytes)),
        None => Err(DecodeError::new(format!("key of {} bytes", bytes.len()))),
    }
}

fn decode_data(set: &SetDef, attr: &Attr<'_>) -> Result<Option<DataValue>, DecodeError> {
    for inner in attr.nested() {
        let inner = inner?;
        match inner.ty {
            NFTA_DATA_VERDICT => return Ok(Some(DataValue::Verdict(Verdict::decode(&inner)?))),
            NFTA_DATA_VALUE => {
                let value = match &set.data {
                    Some(MapData::Value(data_type)) => data_type
                        .from_wire(inner.payload, false)
                        .map_err(|error| DecodeError::new(error.0))?,
                    _ if inner.payload.len() <= crate::key::MAX_KEY_LEN => {
                        KeyBuf::from_slice(inner.payload)
                    }
                    _ => return Err(DecodeError::new("map value longer than 64 bytes")),
                };
                return Ok(Some(DataValue::Value(value)));
            }
            _ => {}
        }
    }
    Ok(None)
}

fn decode_counter(expr: &Attr<'_>) -> Result<Option<Counter>, DecodeError> {
    let mut is_counter = false;
    let mut counter = Counter::default();
    for attr in expr.nested() {
        let attr = attr?;
        match attr.ty {
            NFTA_EXPR_NAME => is_counter = attr.string()? == "counter",
            NFTA_EXPR_DATA => {
                for field in attr.nested() {
                    let field = field?;
                    match field.ty {
                        NFTA_COUNTER_BYTES => counter.bytes = field.u64_be()?,
                        NFTA_COUNTER_PACKETS => counter.packets = field.u64_be()?,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Ok(is_counter.then_some(counter))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::set::MapData;
    use crate::Family;

    fn set(family: Family, type_name: &str) -> SetDef {
        SetDef::new(family, "t", "s", KeyType::parse(type_name).unwrap())
    }

    fn parse_text(set: &SetDef, text: &str) -> Result<Element, String> {
        parse(set, &ElementInput::Text(text), ParseOptions::default())
    }

    #[test]
    fn ranges_without_interval_flag_name_the_flag() {
        let cases = [
            (Family::Inet, "ipv4_addr", "10.0.0.0/8"),
            (Family::Inet, "ipv6_addr", "2001:db8::/32"),
            (Family::Inet, "inet_service", "80-90"),
            (Family::Bridge, "ifname", "br-*"),
            (
                Family::Bridge,
                "ether_addr",
                "00:11:22:33:44:55-00:11:22:33:44:66",
            ),
            (
                Family::Bridge,
                "ifname . ether_addr",
                "br-* . 00:11:22:33:44:55",
            ),
            (Family::Netdev, "mark", "0x100/24"),
        ];
        for (family, type_name, text) in cases {
            let error = parse_text(&set(family, type_name), text).unwrap_err();
            assert!(
                error.contains("needs \"flags interval\""),
                "{text}: {error}"
            );
            assert!(error.contains("flags: ['interval']"), "{text}: {error}");
        }
    }

    #[test]
    fn element_over_max_length_is_rejected() {
        let ip4 = set(Family::Inet, "ipv4_addr");
        let text = "x".repeat(ELEMENT_MAX_BYTES + 1);
        let error = parse_text(&ip4, &text).unwrap_err();
        assert_eq!(
            error,
            format!(
                "the element is {} bytes long; an element is at most {ELEMENT_MAX_BYTES} bytes",
                ELEMENT_MAX_BYTES + 1
            )
        );
        let at_max = format!("192.0.2.1{}", " ".repeat(ELEMENT_MAX_BYTES - 9));
        assert!(parse_text(&ip4, &at_max).is_ok());
    }

    #[test]
    fn long_tokens_are_cut_in_messages() {
        let mut timeouts = set(Family::Inet, "ipv4_addr");
        timeouts.flags |= NFT_SET_TIMEOUT;
        let mut verdicts = set(Family::Inet, "ipv4_addr");
        verdicts.data = Some(MapData::Verdict);
        verdicts.flags |= NFT_SET_MAP;
        let long = "7".repeat(10_000);
        let cut = format!("\"{}…\"", "7".repeat(SHOWN_MAX_CHARS));
        let cases = [
            (&timeouts, format!("192.0.2.1 timeout {long}")),
            (&timeouts, format!("192.0.2.1 counter packets {long}")),
            (&timeouts, format!("192.0.2.1 {long}")),
            (&timeouts, format!("192.0.2.1 comment \"{long}")),
            (&verdicts, format!("192.0.2.1 : {long}")),
        ];
        for (set, text) in cases {
            let error = parse_text(set, &text).unwrap_err();
            assert!(error.len() < 300, "{} bytes: {error:.200}", error.len());
            assert!(error.contains(&cut) || error.contains("…"), "{error:.200}");
        }
    }

    #[test]
    fn duration_numbers_print_as_javascript() {
        let mut timeouts = set(Family::Inet, "ipv4_addr");
        timeouts.flags |= NFT_SET_TIMEOUT;
        let fields = ElementFields {
            key: vec![FieldInput::Text("192.0.2.1")],
            timeout: Some(DurationInput::Millis(f64::INFINITY)),
            ..ElementFields::default()
        };
        let error = parse(
            &timeouts,
            &ElementInput::Fields(fields),
            ParseOptions::default(),
        )
        .unwrap_err();
        assert!(error.starts_with("invalid duration Infinity:"), "{error}");
    }
}
