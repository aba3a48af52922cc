//! Element text in nft's syntax, parsed, written and decoded again.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    nftset_core::fuzz::element_literal(data);
});
