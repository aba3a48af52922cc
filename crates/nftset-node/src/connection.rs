//! `NativeConnection`: one netlink connection, each call a promise that the
//! connection's thread settles.

use std::collections::HashMap;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::{Env, JsDeferred};
use napi_derive::napi;

use nftset_core::socket::{BufferLimits, Netns};
use nftset_core::Error;

use crate::convert::*;
use crate::cursor::NativeCursor;
use crate::errors;
use crate::settle::closed;
pub(crate) use crate::settle::spawn;
use crate::worker::Worker;

type Settle<T> = Box<dyn FnOnce(Env) -> napi::Result<T> + Send>;

/// Settles `deferred` on the JavaScript thread with `result`.
fn settle<T: ToNapiValue + Send + 'static>(
    deferred: JsDeferred<T, Settle<T>>,
    result: Result<T, Error>,
) {
    deferred.resolve(Box::new(move |env| match result {
        Ok(value) => Ok(value),
        Err(error) => Err(errors::to_js(&env, &error)),
    }));
}

/// A connection to nf_tables, with its own thread and socket.
#[napi]
pub struct NativeConnection {
    worker: Arc<Worker>,
    stages: Mutex<Stages>,
    /// The namespace file, kept open so that listings open their sockets
    /// in this very namespace through `/proc/self/fd/N`, even after its
    /// path is gone or names another namespace.
    netns: Option<Arc<File>>,
}

/// Element text handed over in pieces before a commit, so that no single
/// call copies a whole large list while the event loop waits.
#[derive(Default)]
struct Stages {
    next_id: u32,
    chunks: HashMap<u32, Vec<String>>,
}

#[napi]
impl NativeConnection {
    /// Opens a connection in the current network namespace, or in `netns`
    /// (`/run/netns/NAME` or `/proc/PID/ns/net`).
    #[napi(ts_return_type = "Promise<NativeConnection>")]
    pub fn open(env: &Env, netns: Option<String>) -> napi::Result<Object<'_>> {
        let file = match &netns {
            Some(path) => Some(Arc::new(
                Netns(path.into())
                    .open_file()
                    .map_err(|error| errors::to_js(env, &error))?,
            )),
            None => None,
        };
        open_with(env, netns, move |worker, _| NativeConnection {
            worker,
            stages: Mutex::default(),
            netns: file,
        })
    }

    /// Stops the connection. Calls already made still complete; later calls
    /// fail with `ERR_CLOSED`. The socket closes when its queue is empty.
    #[napi]
    pub fn close(&self) {
        self.worker.close();
    }

    /// True once `close()` was called.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.worker.is_closed()
    }

    /// Starts a staging area for element text; returns its id.
    #[napi]
    pub fn stage_open(&self) -> u32 {
        let mut stages = self.stages.lock().unwrap_or_else(|e| e.into_inner());
        stages.next_id = stages.next_id.wrapping_add(1);
        let id = stages.next_id;
        stages.chunks.insert(id, Vec::new());
        id
    }

    /// Appends newline-joined elements to a staging area.
    #[napi]
    pub fn stage_append(&self, id: u32, chunk: String) -> napi::Result<()> {
        let mut stages = self.stages.lock().unwrap_or_else(|e| e.into_inner());
        let chunks = stages
            .chunks
            .get_mut(&id)
            .ok_or_else(|| napi::Error::from_reason(format!("no staging area {id}")))?;
        chunks.push(chunk);
        Ok(())
    }

    /// Drops a staging area that will not be committed.
    #[napi]
    pub fn stage_discard(&self, id: u32) {
        let mut stages = self.stages.lock().unwrap_or_else(|e| e.into_inner());
        stages.chunks.remove(&id);
    }

    /// Applies operations as one atomic transaction.
    #[napi(ts_return_type = "Promise<NativeCommitSummary>")]
    pub fn commit<'env>(
        &self,
        env: &'env Env,
        ops: Vec<NativeOp>,
        options: Option<NativeCommitOptions>,
    ) -> napi::Result<Object<'env>> {
        let staged: Vec<Option<Vec<String>>> = {
            let mut stages = self.stages.lock().unwrap_or_else(|e| e.into_inner());
            ops.iter()
                .map(|op| op.staged.and_then(|id| stages.chunks.remove(&id)))
                .collect()
        };
        let options = commit_options(options);
        spawn(env, &self.worker, move |client| {
            let options = options?;
            let converted = ops
                .into_iter()
                .zip(staged)
                .enumerate()
                .map(|(index, (op, chunks))| op_at(op, chunks, index))
                .collect::<Result<Vec<_>, Error>>()?;
            // A transaction that fails before sending, such as one with an
            // invalid element, renders with an error and prints nothing.
            if diagnostics_enabled() {
                if let Ok(script) = nftset_core::render::render(client, &converted, &options) {
                    eprint!("{script}");
                }
            }
            let summary = client.commit(&converted, options)?;
            Ok(NativeCommitSummary {
                messages: summary.messages as u32,
                bytes: summary.bytes as f64,
                wire_elements: summary.wire_elements as f64,
                added: summary.added as f64,
                removed: summary.removed as f64,
                batches: summary.batches as u32,
                replies_lost: summary.replies_lost,
            })
        })
    }

    /// Reads a set's definition.
    #[napi(ts_return_type = "Promise<NativeSetInfo>")]
    pub fn get_set<'env>(&self, env: &'env Env, set: NativeSetRef) -> napi::Result<Object<'env>> {
        let set = set_ref(&set);
        spawn(env, &self.worker, move |client| {
            Ok(set_info(&client.get_set(&set?)?))
        })
    }

    /// Lists the sets and maps of a family, or all, optionally in one table.
    #[napi(ts_return_type = "Promise<NativeSetInfo[]>")]
    pub fn list_sets<'env>(
        &self,
        env: &'env Env,
        family: Option<String>,
        table: Option<String>,
    ) -> napi::Result<Object<'env>> {
        let family = family
            .map(|name| crate::convert::family(&name, "family"))
            .transpose();
        spawn(env, &self.worker, move |client| {
            let sets = client.list_sets(family?, table.as_deref())?;
            Ok(sets.iter().map(set_info).collect::<Vec<_>>())
        })
    }

    /// Lists every element of a set, spelled as nft prints them.
    #[napi(ts_return_type = "Promise<NativeElementInfo[]>")]
    pub fn list_elements<'env>(
        &self,
        env: &'env Env,
        set: NativeSetRef,
    ) -> napi::Result<Object<'env>> {
        let set = set_ref(&set);
        spawn(env, &self.worker, move |client| {
            let (_, elements) = client.list_elements(&set?)?;
            Ok(elements.into_iter().map(element_info).collect::<Vec<_>>())
        })
    }

    /// Looks keys up; a missing key fails with `ENOENT` naming it.
    #[napi(ts_return_type = "Promise<NativeElementInfo[]>")]
    pub fn get_elements<'env>(
        &self,
        env: &'env Env,
        set: NativeSetRef,
        lines: Option<String>,
        elements: Option<Vec<NativeElement>>,
    ) -> napi::Result<Object<'env>> {
        let set = set_ref(&set);
        spawn(env, &self.worker, move |client| {
            let keys = crate::convert::elements(Source {
                lines,
                list: elements,
                ..Source::default()
            })?;
            let found = client.get_elements(&set?, &keys)?;
            Ok(found.into_iter().map(element_info).collect::<Vec<_>>())
        })
    }

    /// Opens a cursor that lists the set in chunks, on a socket and thread
    /// of its own in the same network namespace.
    #[napi(ts_return_type = "Promise<NativeCursor>")]
    pub fn open_cursor<'env>(
        &self,
        env: &'env Env,
        set: NativeSetRef,
    ) -> napi::Result<Object<'env>> {
        if self.worker.is_closed() {
            return Err(errors::to_js(env, &closed()));
        }
        let set = set_ref(&set).map_err(|error| errors::to_js(env, &error))?;
        let file = self.netns.clone();
        let path = file
            .as_ref()
            .map(|file| format!("/proc/self/fd/{}", file.as_raw_fd()));
        open_with(env, path, move |worker, _| {
            // Holding the file until the cursor's socket is open keeps the
            // descriptor in the path valid.
            drop(file);
            NativeCursor::new(worker, set)
        })
    }

    /// Resets the counters of every element and returns the values they had.
    #[napi(ts_return_type = "Promise<NativeElementInfo[]>")]
    pub fn reset_counters<'env>(
        &self,
        env: &'env Env,
        set: NativeSetRef,
    ) -> napi::Result<Object<'env>> {
        let set = set_ref(&set);
        spawn(env, &self.worker, move |client| {
            let elements = client.reset_counters(&set?)?;
            Ok(elements.into_iter().map(element_info).collect::<Vec<_>>())
        })
    }

    /// Fixes the socket's send and receive buffers at these sizes; resolves
    /// to the sizes in effect.
    #[napi(ts_return_type = "Promise<NativeBufferLimits>")]
    pub fn limit_buffers<'env>(
        &self,
        env: &'env Env,
        limits: NativeBufferLimits,
    ) -> napi::Result<Object<'env>> {
        let limits = BufferLimits {
            send: limits.send.map(|bytes| bytes as usize),
            receive: limits.receive.map(|bytes| bytes as usize),
        };
        spawn(env, &self.worker, move |client| {
            let (send, receive) = client.socket().limit_buffers(limits)?;
            Ok(NativeBufferLimits {
                send: Some(send.min(u32::MAX as usize) as u32),
                receive: Some(receive.min(u32::MAX as usize) as u32),
            })
        })
    }

    /// Reads the ruleset generation id.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn generation<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
        spawn(env, &self.worker, |client| client.generation())
    }
}

/// Starts a connection thread and returns a promise of `make(worker, portid)`.
pub(crate) fn open_with<T, M>(env: &Env, netns: Option<String>, make: M) -> napi::Result<Object<'_>>
where
    T: ToNapiValue + Send + 'static,
    M: FnOnce(Arc<Worker>, u32) -> T + Send + 'static,
{
    let (deferred, promise) = env.create_deferred::<T, Settle<T>>()?;
    let slot: Arc<std::sync::Mutex<Option<Arc<Worker>>>> = Arc::default();
    let pending = Arc::clone(&slot);
    // Hold the slot until the handle is stored: the thread's callback locks
    // it too, so it cannot run ahead and find the slot empty.
    let mut guard = slot.lock().unwrap_or_else(|e| e.into_inner());
    let started = Worker::start(netns.map(|path| Netns(path.into())), move |outcome| {
        let worker = pending.lock().unwrap_or_else(|e| e.into_inner()).take();
        let result = match (outcome, worker) {
            (Ok(portid), Some(worker)) => Ok(make(worker, portid)),
            (Err(error), _) => Err(error),
            (Ok(_), None) => Err(closed()),
        };
        settle(deferred, result);
    });
    match started {
        Ok(worker) => *guard = Some(worker),
        Err(error) => return Err(napi::Error::from_reason(error.message.clone())),
    }
    drop(guard);
    Ok(promise)
}

/// Returns true when `NFTSET_DEBUG` lists `batch`: each transaction is then
/// printed to stderr in nft syntax before it is sent, as the elements and
/// changes the commit sends. Silent otherwise.
fn diagnostics_enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| {
        std::env::var("NFTSET_DEBUG")
            .map(|value| value.split(',').any(|part| part.trim() == "batch"))
            .unwrap_or(false)
    })
}

fn op_at(
    op: NativeOp,
    chunks: Option<Vec<String>>,
    index: usize,
) -> Result<nftset_core::Op, Error> {
    crate::convert::op(op, chunks, index).map_err(|mut error| {
        error.operation_index.get_or_insert(index);
        error
    })
}
