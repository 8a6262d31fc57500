#!/usr/bin/env bash
# Differential tester, long run: N random queries (default 1,000,000) over random schemas
# and data, each run on Borealis and a real MariaDB 10.11 and the answers compared.
# scripts/difftest.py does the work and says what is generated and compared; the bounded
# run in scripts/test.sh is tests/difftest.rs.
#
# Usage: scripts/difftest.sh [N] [difftest.py options, e.g. --seed S --max-report 50]
# Env: BOREALIS_BIN (a built binary; default: cargo build --release and use that one).
# Exits non-zero when any difference is not explained by tests/difftest_known.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
n=1000000
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then n=$1; shift; fi
bin=${BOREALIS_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release -p borealis-server >&2
  bin="${CARGO_TARGET_DIR:-target}/release/borealis"
fi
exec python3 scripts/difftest.py --borealis "$bin" --queries "$n" "$@"
