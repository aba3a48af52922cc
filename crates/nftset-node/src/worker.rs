//! The connection's own thread: it owns the client and runs one job at a
//! time, so concurrent calls from JavaScript never interleave their netlink
//! requests and replies, and no netlink I/O runs on the event loop or the
//! libuv pool.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use nftset_core::socket::Netns;
use nftset_core::{Client, Error};

/// A unit of work for the connection thread. It receives `None` when the
/// connection is closed, and must then settle its promise with an error.
pub type Job = Box<dyn FnOnce(Option<&mut Client>) + Send>;

/// Handle to a connection thread.
pub struct Worker {
    sender: Mutex<Option<Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    pending: Arc<AtomicUsize>,
}

impl Worker {
    /// Starts the thread and opens the socket on it, inside `netns` if given.
    /// Calls `ready` on that thread with the socket's port id or the error.
    pub fn start(
        netns: Option<Netns>,
        ready: impl FnOnce(Result<u32, Error>) + Send + 'static,
    ) -> Result<Arc<Worker>, Error> {
        let (sender, receiver) = mpsc::channel::<Job>();
        let pending = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&pending);
        let thread = std::thread::Builder::new()
            .name("nftset".into())
            .spawn(move || run(netns, receiver, counter, ready))
            .map_err(|error| Error::io("spawning the connection thread", error))?;
        Ok(Arc::new(Worker {
            sender: Mutex::new(Some(sender)),
            thread: Mutex::new(Some(thread)),
            pending,
        }))
    }

    /// Queues a job. After [`Worker::close`], or when the thread has ended,
    /// the job runs at once with `None`.
    pub fn submit(&self, job: Job) {
        self.pending.fetch_add(1, Ordering::AcqRel);
        let sender = self.sender.lock().unwrap_or_else(|e| e.into_inner());
        let refused = match sender.as_ref() {
            Some(sender) => sender.send(job).err().map(|error| error.0),
            None => Some(job),
        };
        drop(sender);
        if let Some(job) = refused {
            self.pending.fetch_sub(1, Ordering::AcqRel);
            job(None);
        }
    }

    /// Number of jobs queued or running.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }

    /// Stops accepting jobs. Jobs already queued still run, then the thread
    /// closes the socket and exits.
    pub fn close(&self) {
        self.sender.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// Returns true once [`Worker::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.sender
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // The thread is not joined: it ends by itself once its queue is
        // drained, and joining here could stall the event loop.
        self.close();
        self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

fn run(
    netns: Option<Netns>,
    receiver: Receiver<Job>,
    pending: Arc<AtomicUsize>,
    ready: impl FnOnce(Result<u32, Error>),
) {
    // A panic while opening becomes the error of the open call, which would
    // otherwise never settle.
    let opened = std::panic::catch_unwind(|| Client::open(netns.as_ref()))
        .unwrap_or_else(|panic| Err(crate::errors::panic_error(panic)));
    let mut client = match opened {
        Ok(client) => client,
        Err(error) => {
            ready(Err(error));
            return;
        }
    };
    ready(Ok(client.socket().portid()));
    while let Some(job) = next_job(&receiver) {
        job(Some(&mut client));
        pending.fetch_sub(1, Ordering::AcqRel);
    }
}

/// How long the thread polls for the next job before it sleeps. Calls made
/// one after another then find it awake: waking a sleeping thread costs
/// about 20 µs on the 2-core benchmark machine, several times a
/// one-element add.
const POLL: std::time::Duration = std::time::Duration::from_micros(200);

fn next_job(receiver: &Receiver<Job>) -> Option<Job> {
    let start = std::time::Instant::now();
    while start.elapsed() < POLL {
        match receiver.try_recv() {
            Ok(job) => return Some(job),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) => std::hint::spin_loop(),
        }
    }
    receiver.recv().ok()
}
