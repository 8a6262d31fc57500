#!/usr/bin/env bash
# The long fuzz runs; the test suite runs a bounded version of each.
#   scripts/fuzz.sh [CALLS] [SEED]
# - SQL functions and operators with extreme arguments (engine/tests/function_fuzz.rs):
#   CALLS random calls (default 2,000,000) from SEED (default: the clock), after every
#   function with every edge argument in every position. Zero panics and zero aborts.
# Runs in the test profile: overflow checks on, so an overflowing client value panics here
# instead of wrapping silently as in release.
# Prints the counts; exits non-zero on the first panic or abort, with the seed to replay.
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-2000000}
seed=${2:-$(date +%s)}
echo "== function fuzz: $calls random calls, seed $seed"
BOREALIS_FUZZ_ITERS=$calls BOREALIS_FUZZ_SEED=$seed \
  cargo test -p borealis-engine --test function_fuzz -- --nocapture --test-threads=2
echo "== function fuzz passed: $calls random calls, seed $seed, 0 panics, 0 aborts"
