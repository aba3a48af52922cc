//! Promises settled by the connection thread, with a fast path for short
//! calls.
//!
//! Settling a promise from another thread goes through a threadsafe
//! function, which costs a libuv handle and an event-loop wake-up: about
//! 80 µs a call on the 2-core benchmark machine, many times the kernel's
//! own cost of a one-element add. So when no earlier call is queued, the
//! JavaScript thread waits up to [`SPIN`] for the result and returns an
//! already settled promise. The netlink work still runs on the connection
//! thread; only the wait happens on the JavaScript thread, and it is
//! bounded.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use napi::bindgen_prelude::{Object, PromiseRaw, ToNapiValue};
use napi::{Env, JsDeferred, JsValue};

use nftset_core::{Client, Error, ErrorKind};

use crate::errors;
use crate::worker::Worker;

/// Longest wait on the JavaScript thread for a call to finish.
const SPIN: Duration = Duration::from_micros(50);

const WAITING: u8 = 0;
const DONE: u8 = 1;
const DEFERRED: u8 = 2;

type Settle<T> = Box<dyn FnOnce(Env) -> napi::Result<T> + Send>;

/// Where the result of one call meets its promise.
struct Slot<T: ToNapiValue + Send + 'static> {
    state: AtomicU8,
    result: Mutex<Option<Result<T, Error>>>,
    deferred: Mutex<Option<JsDeferred<T, Settle<T>>>>,
}

impl<T: ToNapiValue + Send + 'static> Slot<T> {
    fn take_result(&self) -> Result<T, Error> {
        self.result
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_else(|| Err(Error::new(ErrorKind::Closed, "the call lost its result")))
    }

    /// Settles the promise through its deferred, from any thread.
    fn settle_deferred(&self) {
        let deferred = self
            .deferred
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(deferred) = deferred {
            let result = self.take_result();
            deferred.resolve(Box::new(move |env| match result {
                Ok(value) => Ok(value),
                Err(error) => Err(errors::to_js(&env, &error)),
            }));
        }
    }
}

/// Runs `work` on the connection thread and returns a promise of its result.
pub(crate) fn spawn<'env, T, W>(
    env: &'env Env,
    worker: &Worker,
    work: W,
) -> napi::Result<Object<'env>>
where
    T: ToNapiValue + Send + 'static,
    W: FnOnce(&mut Client) -> Result<T, Error> + Send + 'static,
{
    let slot = Arc::new(Slot::<T> {
        state: AtomicU8::new(WAITING),
        result: Mutex::new(None),
        deferred: Mutex::new(None),
    });
    let queued_before = worker.pending();
    let job_slot = Arc::clone(&slot);
    worker.submit(Box::new(move |client| {
        let result = match client {
            Some(client) => catch_unwind(AssertUnwindSafe(|| work(client)))
                .unwrap_or_else(|panic| Err(errors::panic_error(panic))),
            None => Err(closed()),
        };
        *job_slot.result.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
        let finished =
            job_slot
                .state
                .compare_exchange(WAITING, DONE, Ordering::AcqRel, Ordering::Acquire);
        if finished.is_err() {
            job_slot.settle_deferred();
        }
    }));

    if queued_before == 0 {
        let start = Instant::now();
        while start.elapsed() < SPIN {
            if slot.state.load(Ordering::Acquire) == DONE {
                return settled(env, slot.take_result());
            }
            std::hint::spin_loop();
        }
    }

    let (deferred, promise) = env.create_deferred::<T, Settle<T>>()?;
    *slot.deferred.lock().unwrap_or_else(|e| e.into_inner()) = Some(deferred);
    let handed_over =
        slot.state
            .compare_exchange(WAITING, DEFERRED, Ordering::AcqRel, Ordering::Acquire);
    if handed_over.is_err() {
        // The call finished between the wait and the hand-over.
        slot.settle_deferred();
    }
    Ok(promise)
}

/// An already settled promise.
fn settled<T: ToNapiValue>(env: &Env, result: Result<T, Error>) -> napi::Result<Object<'_>> {
    let raw = match result {
        Ok(value) => PromiseRaw::resolve(env, value)?.value().value,
        Err(error) => {
            PromiseRaw::<T>::reject(env, errors::to_js(env, &error))?
                .value()
                .value
        }
    };
    Ok(Object::from_raw(env.raw(), raw))
}

/// The error of a call made after `close()`.
pub(crate) fn closed() -> Error {
    Error::new(
        ErrorKind::Closed,
        "the connection is closed: open a new one with Nftables.open()",
    )
}
