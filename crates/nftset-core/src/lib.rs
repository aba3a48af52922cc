//! nf_tables sets and maps over netlink, with no C library.
//!
//! Layers, from the wire up:
//! - [`sys`]: kernel constants.
//! - [`attr`], [`reply`]: netlink messages and attributes, and kernel replies.
//! - [`socket`]: the `NETLINK_NETFILTER` socket, namespaces and buffers.
//! - [`batch`]: atomic transactions, split under the 64 KiB attribute limit.
//! - [`datatype`], [`key`], [`verdict`]: nft types, parsed and printed as nft does.
//! - [`set`], [`element`], [`interval`]: sets, their elements and ranges.
//! - [`client`], [`commit`], [`query`]: the operations a caller runs.
//! - [`delivery`], [`outcome`]: sending a batch whole or split, and reading
//!   back what it did when replies were lost.

pub mod attr;
pub mod batch;
pub mod client;
pub mod commit;
pub mod datatype;
pub mod delivery;
pub mod dump;
pub mod duration;
pub mod element;
pub mod error;
pub mod family;
#[doc(hidden)]
pub mod fuzz;
pub mod input;
pub mod interval;
pub mod kernel_error;
pub mod key;
pub mod listing;
pub mod monitor;
pub mod names;
pub mod outcome;
pub mod query;
pub mod render;
pub mod reply;
pub mod set;
pub mod socket;
mod sync;
pub mod sys;
pub mod transaction;
pub mod udata;
pub mod verdict;

pub use client::Client;
pub use error::{Error, ErrorKind, Result};
pub use family::Family;
pub use set::SetDef;
pub use transaction::{CommitOptions, IfTooLarge, Op, SetRef, Verb};
