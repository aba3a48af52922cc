//! Golden-byte tests: nftset's messages against the bytes nft 1.0.6 sends.
//!
//! Every constant is one batch, or the messages between `BATCH_BEGIN` and
//! `BATCH_END` of one batch, recorded with strace from `nft -f` in a
//! throwaway network namespace on Linux 6.18, x86-64.
//! `node scripts/capture-golden.mjs` records them again and prints each
//! constant with a comment on every 4-byte line. The vectors hold
//! host-order fields, so the tests run on little-endian hosts only.
//!
//! Each scenario is checked both ways: nftset encodes the same command
//! and must produce nft's bytes, and nftset decodes nft's bytes into the
//! values the command parses to. nft differs from nftset on purpose in
//! three ways, and `support::normalise` removes them from nft's bytes
//! before the comparison. nft sends set ids on element messages for
//! existing sets, a leading zero `INTERVAL_END` element in empty interval
//! sets, and element nests numbered 1, 2, 3... instead of all 1.

#![cfg(target_endian = "little")]

mod elements;
mod framing;
mod intervals;
mod newset;
mod support;
