//! `NativeMonitor`: nf_tables events, read on a thread of their own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::Object;
use napi::Env;
use napi_derive::napi;

use nftset_core::monitor::{Event, EventKind, Filter, Monitor};
use nftset_core::socket::Netns;
use nftset_core::Error;

use crate::connection::{open_with, spawn};
use crate::convert::{element_info, family, set_info, NativeElementInfo, NativeSetInfo};
use crate::errors;
use crate::worker::Worker;

/// How long one wait for events lasts before the closed flag is checked.
const POLL_MS: i32 = 200;

/// Which events to report.
#[napi(object)]
pub struct NativeMonitorFilter {
    /// Table family.
    pub family: Option<String>,
    /// Table name.
    pub table: Option<String>,
    /// Set name.
    pub set: Option<String>,
}

/// One event.
#[napi(object)]
pub struct NativeEvent {
    /// `setCreated`, `setDeleted`, `elementAdded`, `elementDeleted` or `lost`.
    #[napi(js_name = "type")]
    pub kind: String,
    /// Table family.
    pub family: String,
    /// Table name.
    pub table: String,
    /// Set name.
    pub set: String,
    /// Ruleset generation of the transaction.
    pub generation: u32,
    /// The element, for element events.
    pub element: Option<NativeElementInfo>,
    /// The definition, for `setCreated`.
    pub info: Option<NativeSetInfo>,
}

/// A subscription to nf_tables events.
#[napi]
pub struct NativeMonitor {
    worker: Arc<Worker>,
    state: Arc<Mutex<State>>,
    closed: Arc<AtomicBool>,
}

/// The subscription, made on the monitor's thread by the first `next()`.
enum State {
    Unopened(Option<Netns>, Filter),
    Open(Box<Monitor>),
}

#[napi]
impl NativeMonitor {
    /// Starts a monitor in the current network namespace or in `netns`.
    #[napi(ts_return_type = "Promise<NativeMonitor>")]
    pub fn open(
        env: &Env,
        netns: Option<String>,
        filter: Option<NativeMonitorFilter>,
    ) -> napi::Result<Object<'_>> {
        let filter = match filter {
            Some(filter) => Filter {
                family: filter
                    .family
                    .map(|name| family(&name, "filter.family"))
                    .transpose()
                    .map_err(|error| errors::to_js(env, &error))?,
                table: filter.table,
                set: filter.set,
            },
            None => Filter::default(),
        };
        let path = netns.clone().map(|path| Netns(path.into()));
        open_with(env, netns, move |worker, _| NativeMonitor {
            worker,
            state: Arc::new(Mutex::new(State::Unopened(path, filter))),
            closed: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Subscribes now, so that events from this point on are kept; later
    /// calls do nothing.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn start<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
        let state = Arc::clone(&self.state);
        spawn(env, &self.worker, move |_| {
            let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
            subscribe(&mut state)?;
            Ok(())
        })
    }

    /// Waits for the next events; resolves to an empty array once the
    /// monitor is closed.
    #[napi(ts_return_type = "Promise<NativeEvent[]>")]
    pub fn next<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
        let state = Arc::clone(&self.state);
        let closed = Arc::clone(&self.closed);
        spawn(env, &self.worker, move |_| {
            let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
            let monitor = subscribe(&mut state)?;
            while !closed.load(Ordering::Acquire) {
                let events = monitor.poll(POLL_MS)?;
                if !events.is_empty() {
                    return Ok(events.into_iter().map(native_event).collect::<Vec<_>>());
                }
            }
            Ok(Vec::new())
        })
    }

    /// Ends the subscription and releases its sockets and thread.
    #[napi]
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.worker.close();
    }
}

fn subscribe(state: &mut State) -> Result<&mut Monitor, Error> {
    if let State::Unopened(netns, filter) = state {
        let monitor = Monitor::open(netns.as_ref(), filter.clone())?;
        *state = State::Open(Box::new(monitor));
    }
    match state {
        State::Open(monitor) => Ok(monitor),
        State::Unopened(..) => unreachable!("opened above"),
    }
}

fn native_event(event: Event) -> NativeEvent {
    let (kind, element, info) = match event.kind {
        EventKind::SetCreated(def) => ("setCreated", None, Some(set_info(&def))),
        EventKind::SetDeleted => ("setDeleted", None, None),
        EventKind::ElementAdded(element) => ("elementAdded", Some(element_info(element)), None),
        EventKind::ElementDeleted(element) => ("elementDeleted", Some(element_info(element)), None),
        EventKind::Lost => ("lost", None, None),
    };
    NativeEvent {
        kind: kind.to_string(),
        family: event.set.family.name().to_string(),
        table: event.set.table,
        set: event.set.set,
        generation: event.generation,
        element,
        info,
    }
}
