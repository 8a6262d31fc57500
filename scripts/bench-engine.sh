#!/usr/bin/env bash
# Engine micro-benchmarks: point get, range scan, commit throughput at 1/8/64
# committers with fsync on, fork time at 10^5/10^6/10^7 rows. Prints medians.
# Usage: scripts/bench-engine.sh [rows for the largest fork, default 10000000]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p borealis-engine --example bench_engine
dir=$(mktemp -d /tmp/borealis-bench-engine.XXXXXX)
trap 'rm -rf "$dir"' EXIT
target/release/examples/bench_engine "$dir/vol" "${1:-10000000}"
