#!/usr/bin/env bash
# Chaos soak: CYCLES kill -9 cycles of Borealis under sysbench write load and a recorder
# client that keeps what was acknowledged, with a real MariaDB 10.11 replica attached; at
# the end every acknowledged commit is present and whole, the replica's CHECKSUM TABLE
# equals Borealis', and mysqlbinlog reads every binlog file. scripts/soak.py does the work
# and says what each check is.
#
# Usage: scripts/soak.sh [CYCLES=100] [soak.py options, e.g. --seed N --max-delay 4]
# Env: BOREALIS_BIN (a built binary; default: cargo build --release and use that one).
# Needs sysbench, mariadb-server, the mysql client tools and PyMySQL (scripts/test.sh
# installs them). Exits non-zero on any failure, keeping its work directory.
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=100
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then cycles=$1; shift; fi
bin=${BOREALIS_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release -p borealis-server >&2
  bin="${CARGO_TARGET_DIR:-target}/release/borealis"
fi
exec python3 scripts/soak.py --borealis "$bin" --cycles "$cycles" "$@"
