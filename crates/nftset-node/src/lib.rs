//! Node.js binding of nftset-core, built with napi-rs.
//!
//! This crate only converts types and errors. Every call that talks to the
//! kernel runs on the connection's own thread and returns a promise; see
//! [`connection`]. The TypeScript package validates arguments with zod and
//! wraps these classes in the public API.

mod connection;
mod convert;
mod cursor;
mod errors;
mod lowlevel;
mod monitor;
mod settle;
mod worker;

pub use connection::NativeConnection;
pub use cursor::NativeCursor;
pub use lowlevel::{handle, NativeBatch, NativeSocket};
pub use monitor::NativeMonitor;
