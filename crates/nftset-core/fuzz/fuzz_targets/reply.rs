//! Kernel replies: dumps, errors with extended-ACK attributes, GETSET
//! replies, monitor events.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    nftset_core::fuzz::replies(data);
});
