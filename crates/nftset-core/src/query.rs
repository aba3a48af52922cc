//! Reading elements back: listing a whole set and looking up keys, with
//! every value spelled as nft prints it.

use crate::client::Client;
use crate::element::{
    self, Counter, DataValue, ElementInput, ParseOptions, Part, Purpose, WireElement,
};
use crate::error::{Error, ErrorKind, Result};
use crate::input::Elements;
use crate::interval::{self, RbtreeElement};
use crate::kernel_error::Failure;
use crate::key::{KeyBuf, KeyType};
use crate::set::{MapData, SetDef};
use crate::sys::*;
use crate::transaction::SetRef;

/// Attempts of a whole listing before `ERR_INTERRUPTED` reaches the caller.
pub const LISTING_ATTEMPTS: u32 = 5;
/// Wait before the second attempt of a listing, doubled for each later one.
const LISTING_RETRY_WAIT: std::time::Duration = std::time::Duration::from_millis(10);

/// One element as nft prints it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ElementInfo {
    /// Key: `192.0.2.1`, `10.0.0.0/8`, `1-1023`, `192.0.2.1 . tcp . 443`.
    pub key: String,
    /// Map value: `accept`, `jump chain`, `0x00000010`...
    pub value: Option<String>,
    /// Element timeout in milliseconds, when it differs from the set's.
    pub timeout_ms: Option<u64>,
    /// Milliseconds left before the element expires.
    pub expires_ms: Option<u64>,
    /// Element comment.
    pub comment: Option<String>,
    /// Counter values, for sets with counters.
    pub counter: Option<Counter>,
}

impl ElementInfo {
    /// Spells the element in nft's syntax, as `nft list set` prints it.
    pub fn to_nft(&self) -> String {
        let mut text = self.key.clone();
        if let Some(counter) = self.counter {
            text.push_str(&format!(
                " counter packets {} bytes {}",
                counter.packets, counter.bytes
            ));
        }
        if let Some(timeout) = self.timeout_ms {
            text.push_str(&format!(" timeout {}", crate::duration::format(timeout)));
        }
        if let Some(expires) = self.expires_ms {
            text.push_str(&format!(" expires {}", crate::duration::format(expires)));
        }
        if let Some(comment) = &self.comment {
            text.push_str(&format!(" comment \"{comment}\""));
        }
        if let Some(value) = &self.value {
            text.push_str(" : ");
            text.push_str(value);
        }
        text
    }
}

impl Client {
    /// Lists every element of a set: ranges of interval sets in ascending
    /// order, other sets in the kernel's order. A listing interrupted by a
    /// commit in the network namespace, or by the kernel resizing the set,
    /// runs again after a wait that doubles each time, up to
    /// [`LISTING_ATTEMPTS`] attempts in all.
    pub fn list_elements(&mut self, set: &SetRef) -> Result<(SetDef, Vec<ElementInfo>)> {
        let mut attempt = 1;
        loop {
            let mut listing = crate::listing::Listing::start(self, set)?;
            let mut all = Vec::new();
            let outcome = loop {
                match listing.next_chunk(self, 4096) {
                    Ok(chunk) if chunk.is_empty() => break Ok(()),
                    Ok(chunk) => all.extend(chunk),
                    Err(error) => break Err(error),
                }
            };
            match outcome {
                Ok(()) => return Ok((listing.def().clone(), all)),
                Err(error)
                    if error.kind == ErrorKind::Interrupted && attempt < LISTING_ATTEMPTS =>
                {
                    std::thread::sleep(LISTING_RETRY_WAIT * 2u32.pow(attempt - 1));
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Looks keys up and returns the elements that hold them. In an interval
    /// set the containing range is returned. A key that is not in the set
    /// fails with `ENOENT` naming it.
    pub fn get_elements(&mut self, set: &SetRef, keys: &Elements) -> Result<Vec<ElementInfo>> {
        let def = self.get_set(set)?;
        let key_type = typed_key(&def)?;
        let options = ParseOptions {
            key_only: true,
            ..ParseOptions::default()
        };
        let mut parsed = Vec::with_capacity(keys.len());
        keys.try_for_each(|index, input: ElementInput<'_>| {
            let element = element::parse(&def, &input, options).map_err(|message| {
                let shown = keys.display(index).unwrap_or_default();
                Error::invalid_element(
                    index,
                    shown.clone(),
                    format!("invalid element \"{shown}\": {message}"),
                )
            })?;
            parsed.push(element);
            Ok::<(), Error>(())
        })?;
        let mut found = Vec::with_capacity(parsed.len());
        let lookup_error = |failure: Failure, index: Option<usize>| -> Error {
            let error = failure.into_error("get element", &set.target(), None);
            match (error.kind, index) {
                (ErrorKind::Kernel(libc::ENOENT), Some(index)) => {
                    let shown = keys.display(index).unwrap_or_default();
                    let mut error = Error::new(
                        ErrorKind::Kernel(libc::ENOENT),
                        format!("element \"{shown}\" not found in set {set}"),
                    );
                    error.operation = Some("get element".into());
                    error.target = Some(set.target());
                    error.element_index = Some(index);
                    error.element = Some(shown);
                    error
                }
                _ => error,
            }
        };
        // One request per key keeps the mapping from a missing key to its
        // index exact; the kernel stops at the first missing key anyway.
        for (index, element) in parsed.iter().enumerate() {
            let mut replies: Vec<WireElement> = Vec::new();
            let (first, _) = element::parts(&def, element);
            let first = match first {
                Part::Start { .. } => Part::Start { open: false },
                other => other,
            };
            self.lookup(
                &def,
                |w| {
                    let nest = w.begin_nest(NFTA_LIST_ELEM);
                    element::write(w, &def, element, first, Purpose::Identify);
                    w.end_nest(nest);
                },
                |wire| {
                    replies.push(wire);
                    Ok(())
                },
            )
            .map_err(|failure| lookup_error(failure, Some(index)))?;
            let Some(start) = replies.into_iter().next() else {
                continue;
            };
            let hi = if def.is_interval() && !def.is_concat_interval() {
                self.range_end(&def, &start)
                    .map_err(|f| lookup_error(f, Some(index)))?
            } else {
                None
            };
            found.push(format_one(&def, &key_type, start, hi));
        }
        Ok(found)
    }

    /// Finds the last key of the range that starts at `start` by looking up
    /// its end element.
    fn range_end(
        &mut self,
        def: &SetDef,
        start: &WireElement,
    ) -> std::result::Result<Option<KeyBuf>, Failure> {
        let Some(key) = start.key else {
            return Ok(None);
        };
        if start.open {
            return Ok(Some(interval::max_key(key.len())));
        }
        let key_type = def.key.as_ref().expect("typed set");
        let mut end = None;
        let wire_key = key_type.to_wire(&key, true);
        self.lookup(
            def,
            |w| {
                let nest = w.begin_nest(NFTA_LIST_ELEM);
                w.u32_be(NFTA_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
                let key_nest = w.begin_nest(NFTA_SET_ELEM_KEY);
                w.bytes(NFTA_DATA_VALUE, wire_key.as_slice());
                w.end_nest(key_nest);
                w.end_nest(nest);
            },
            |wire| {
                end = wire.key;
                Ok(())
            },
        )?;
        // Linux 6.18 returns no end element for a start that has none after
        // it, such as a start key sent alone. That range runs to the
        // maximum key, as a dump of the set shows it.
        match end {
            Some(end) => Ok(interval::prev_key(&end)),
            None => Ok(Some(interval::max_key(key.len()))),
        }
    }
}

impl Client {
    /// Resets the counters of every element of a set and returns the
    /// elements with the values they had (`NFT_MSG_GETSETELEM_RESET`,
    /// Linux 6.5+). An older kernel gets `ERR_NOT_SUPPORTED`.
    pub fn reset_counters(&mut self, set: &SetRef) -> Result<Vec<ElementInfo>> {
        let def = self.get_set(set)?;
        let key_type = typed_key(&def)?;
        if !def.counter {
            let mut error = Error::new(
                ErrorKind::InvalidArgument,
                format!("set {set} has no counters: create it with \"counter\""),
            );
            error.target = Some(set.target());
            return Err(error);
        }
        let mut dump = self
            .start_reset_dump(&def)
            .map_err(|e| reset_error(e, set))?;
        let mut wire = Vec::new();
        while !dump.is_finished() {
            self.read_element_dump(&def, &mut dump, |element| {
                wire.push(element);
                Ok(())
            })
            .map_err(|e| reset_error(e, set))?;
        }
        Ok(format_all(&def, &key_type, wire))
    }
}

/// Explains a failed reset: kernels before 6.5 do not know the message.
fn reset_error(mut error: Error, set: &SetRef) -> Error {
    let unknown = matches!(
        error.kind,
        ErrorKind::Kernel(libc::EINVAL | libc::EOPNOTSUPP)
    );
    if unknown && crate::kernel_error::kernel_before(6, 5) {
        error.kind = ErrorKind::NotSupported;
        error.message = format!(
            "resetting counters needs Linux 6.5 or later (NFT_MSG_GETSETELEM_RESET); this \
             kernel is {}",
            crate::kernel_error::kernel_release()
        );
    }
    error.operation = Some("reset counters".into());
    error.target.get_or_insert_with(|| set.target());
    error
}

fn typed_key(def: &SetDef) -> Result<KeyType> {
    def.key.clone().ok_or_else(|| {
        Error::new(
            ErrorKind::NotSupported,
            format!(
                "set {} has key type 0x{:x} of {} bytes, which nftset cannot decode",
                def.name, def.key_type_id, def.key_len
            ),
        )
    })
}

/// Formats dumped elements; interval sets are paired into ranges first.
pub fn format_all(def: &SetDef, key_type: &KeyType, wire: Vec<WireElement>) -> Vec<ElementInfo> {
    if def.is_interval() && !def.is_concat_interval() {
        let entries = wire
            .into_iter()
            .filter_map(|element| {
                let key = element.key?;
                Some(RbtreeElement {
                    key,
                    is_end: element.is_end(),
                    payload: element,
                })
            })
            .collect();
        return interval::decode_rbtree(entries)
            .into_iter()
            .map(|range| format_one(def, key_type, range.payload, Some(range.hi)))
            .collect();
    }
    wire.into_iter()
        .filter(|element| !element.is_catchall())
        .map(|element| format_one(def, key_type, element, None))
        .collect()
}

/// Formats one element; `hi` is the last key of a single-field range.
pub fn format_one(
    def: &SetDef,
    key_type: &KeyType,
    element: WireElement,
    hi: Option<KeyBuf>,
) -> ElementInfo {
    let mut key = String::new();
    if let Some(lo) = &element.key {
        let hi = hi.or(element.key_end).unwrap_or(*lo);
        key_type.format_range(lo, &hi, &mut key);
    }
    let value = element.data.as_ref().map(|data| format_data(def, data));
    ElementInfo {
        key,
        value,
        timeout_ms: element.timeout_ms,
        expires_ms: element.expires_ms,
        comment: element.comment,
        counter: element.counter,
    }
}

/// Formats a map value as nft prints it: a verdict, or a value of the map's
/// data type.
pub fn format_data(def: &SetDef, data: &DataValue) -> String {
    match (data, &def.data) {
        (DataValue::Verdict(verdict), _) => verdict.to_string(),
        (DataValue::Value(value), Some(MapData::Value(data_type))) => {
            let mut text = String::new();
            data_type.format(value, &mut text);
            text
        }
        (DataValue::Value(value), _) => format!("{value:?}"),
    }
}
