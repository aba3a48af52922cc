//! Replays the fuzz corpus in `fuzz/corpus/` through the same entry points
//! as the fuzz targets, so that `cargo test` catches a regression on any
//! input the fuzzer kept, without cargo-fuzz or a nightly compiler.

use std::fs;
use std::path::Path;

/// Runs `entry` on every file of `fuzz/corpus/<target>` and returns how
/// many there were.
fn replay(target: &str, entry: impl Fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut count = 0;
    for file in fs::read_dir(&dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display())) {
        let path = file.expect("a readable corpus entry").path();
        let data = fs::read(&path).expect("a readable corpus file");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| entry(&data)));
        assert!(outcome.is_ok(), "{} panics on {}", target, path.display());
        count += 1;
    }
    count
}

#[test]
fn reply_corpus_parses_without_panic() {
    let count = replay("reply", |data| {
        nftset_core::fuzz::replies(data);
    });
    assert!(count >= 20, "only {count} reply inputs");
}

#[test]
fn element_literal_corpus_parses_without_panic() {
    let count = replay("element_literal", |data| {
        nftset_core::fuzz::element_literal(data);
    });
    assert!(count >= 15, "only {count} element inputs");
}

#[test]
fn interval_corpus_runs_without_panic() {
    let count = replay("interval", |data| {
        nftset_core::fuzz::intervals(data);
    });
    assert!(count >= 5, "only {count} interval inputs");
}

#[test]
fn captured_replies_parse_whole() {
    // Replies captured from Linux 6.18 must parse completely: every
    // message of every datagram.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/reply");
    for name in [
        "getset-plain-0",
        "dump-ranges-0",
        "dump-map-0",
        "getgen-0",
        "batch-error-0",
    ] {
        let data = fs::read(dir.join(name)).expect("a captured reply");
        assert!(
            nftset_core::fuzz::replies(&data) >= 1,
            "{name} has no message"
        );
    }
}
