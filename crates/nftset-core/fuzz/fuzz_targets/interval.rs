//! Range overlap checks, the auto-merge planner and the range decoder.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    nftset_core::fuzz::intervals(data);
});
