#!/usr/bin/env bash
# Runs each fuzz target of nftset-core, by default for 10 seconds, from a
# copy of its corpus, so that new inputs do not land in the repository.
#   scripts/fuzz.sh                 # smoke run: 10 s per target
#   scripts/fuzz.sh -runs=10000000  # any libFuzzer options, per target
# Needs cargo-fuzz (`cargo install cargo-fuzz`). On a stable toolchain the
# nightly flags it passes are allowed through RUSTC_BOOTSTRAP=1. Crashes
# are written to crates/nftset-core/fuzz/artifacts/. Builds are optimized, with
# debug assertions and overflow checks on (-O -a).
set -euo pipefail

cd "$(dirname "$0")/../crates/nftset-core/fuzz"
options=("$@")
if [ "${#options[@]}" -eq 0 ]; then
  options=(-max_total_time=10)
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for target in reply element_literal interval; do
  mkdir -p "$work/$target"
  RUSTC_BOOTSTRAP=1 cargo fuzz run -O -a "$target" "$work/$target" "corpus/$target" -- "${options[@]}"
done
