//! `NativeCursor`: a listing read in chunks on a socket and thread of its
//! own, so a long listing never blocks the connection's other calls.
//!
//! Chunks travel as columns: the keys in one string, numbers in typed
//! arrays. Building one JavaScript object per element through Node-API
//! costs about a microsecond per property, so the TypeScript side builds
//! the objects from the columns instead.

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{Float64Array, Object};
use napi::Env;
use napi_derive::napi;

use nftset_core::listing::Listing;
use nftset_core::query::ElementInfo;
use nftset_core::SetRef;

use crate::connection::spawn;
use crate::worker::Worker;

/// Separates keys, values and comments in a chunk: no key, value or
/// comment nftset writes or reads contains a NUL byte.
const SEPARATOR: char = '\0';

/// A chunk of elements in columns. Absent columns mean no element of the
/// chunk has that field.
#[napi(object)]
pub struct NativeChunk {
    /// Number of elements.
    pub count: u32,
    /// Keys as nft prints them, separated by NUL.
    pub keys: String,
    /// Map values, separated by NUL.
    pub values: Option<String>,
    /// Timeouts in milliseconds; NaN where an element has none.
    pub timeouts: Option<Float64Array>,
    /// Milliseconds left before expiry; NaN where an element has none.
    pub expires: Option<Float64Array>,
    /// Comments, separated by NUL; `has_comment` says which are real.
    pub comments: Option<String>,
    /// 1 where the element has a comment, else 0.
    pub has_comment: Option<Vec<u8>>,
    /// Counter packets; NaN where an element has no counter.
    pub packets: Option<Float64Array>,
    /// Counter bytes; NaN where an element has no counter.
    pub bytes: Option<Float64Array>,
}

/// Where a cursor is: not started, listing, or done.
enum State {
    Idle(SetRef),
    Listing(Box<Listing>),
    Done,
}

/// A listing in progress.
#[napi]
pub struct NativeCursor {
    worker: Arc<Worker>,
    state: Arc<Mutex<State>>,
}

impl NativeCursor {
    pub(crate) fn new(worker: Arc<Worker>, set: SetRef) -> Self {
        NativeCursor {
            worker,
            state: Arc::new(Mutex::new(State::Idle(set))),
        }
    }
}

#[napi]
impl NativeCursor {
    /// Reads the next chunk of at least `min` elements; resolves to `null`
    /// when the listing is complete.
    #[napi(ts_return_type = "Promise<NativeChunk | null>")]
    pub fn next<'env>(&self, env: &'env Env, min: u32) -> napi::Result<Object<'env>> {
        let state = Arc::clone(&self.state);
        spawn(env, &self.worker, move |client| {
            let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
            if let State::Idle(set) = &*state {
                *state = State::Listing(Box::new(Listing::start(client, set)?));
            }
            let State::Listing(listing) = &mut *state else {
                return Ok(None);
            };
            let chunk = match listing.next_chunk(client, min.max(1) as usize) {
                Ok(chunk) => chunk,
                Err(error) => {
                    *state = State::Done;
                    return Err(error);
                }
            };
            if chunk.is_empty() {
                *state = State::Done;
                return Ok(None);
            }
            Ok(Some(columns(chunk)))
        })
    }

    /// Stops the listing and releases its socket and thread.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
        let state = Arc::clone(&self.state);
        let promise = spawn(env, &self.worker, move |client| {
            let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
            if let State::Listing(listing) = std::mem::replace(&mut *state, State::Done) {
                listing.abandon(client)?;
            }
            Ok(())
        });
        self.worker.close();
        promise
    }
}

fn columns(chunk: Vec<ElementInfo>) -> NativeChunk {
    let count = chunk.len();
    let mut keys = String::with_capacity(count * 16);
    let mut values: Option<String> = None;
    let mut timeouts: Option<Vec<f64>> = None;
    let mut expires: Option<Vec<f64>> = None;
    let mut comments: Option<(String, Vec<u8>)> = None;
    let mut counters: Option<(Vec<f64>, Vec<f64>)> = None;
    for (index, info) in chunk.into_iter().enumerate() {
        if index > 0 {
            keys.push(SEPARATOR);
        }
        keys.push_str(&info.key);
        if let Some(value) = info.value {
            let column = values.get_or_insert_with(|| SEPARATOR.to_string().repeat(index));
            column.push_str(&value);
        }
        if let Some(column) = values.as_mut() {
            if index + 1 < count {
                column.push(SEPARATOR);
            }
        }
        fill(
            &mut timeouts,
            index,
            count,
            info.timeout_ms.map(|ms| ms as f64),
        );
        fill(
            &mut expires,
            index,
            count,
            info.expires_ms.map(|ms| ms as f64),
        );
        if let Some(comment) = info.comment {
            let (text, present) = comments
                .get_or_insert_with(|| (SEPARATOR.to_string().repeat(index), vec![0; count]));
            text.push_str(&comment);
            present[index] = 1;
        }
        if let Some((text, _)) = comments.as_mut() {
            if index + 1 < count {
                text.push(SEPARATOR);
            }
        }
        if let Some(counter) = info.counter {
            let (packets, bytes) =
                counters.get_or_insert_with(|| (vec![f64::NAN; count], vec![f64::NAN; count]));
            packets[index] = counter.packets as f64;
            bytes[index] = counter.bytes as f64;
        }
    }
    let (comments, has_comment) =
        comments.map_or((None, None), |(text, present)| (Some(text), Some(present)));
    let (packets, bytes) = counters.map_or((None, None), |(p, b)| (Some(p), Some(b)));
    NativeChunk {
        count: count as u32,
        keys,
        values,
        timeouts: timeouts.map(Float64Array::new),
        expires: expires.map(Float64Array::new),
        comments,
        has_comment,
        packets: packets.map(Float64Array::new),
        bytes: bytes.map(Float64Array::new),
    }
}

/// Records `value` at `index` of a column that exists once any element
/// has the field; earlier elements get NaN.
fn fill(column: &mut Option<Vec<f64>>, index: usize, count: usize, value: Option<f64>) {
    if let Some(value) = value {
        column.get_or_insert_with(|| vec![f64::NAN; count])[index] = value;
    }
}
