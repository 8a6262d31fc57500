#!/usr/bin/env bash
# The one gate, locally and in CI: install what is missing, then fmt, clippy and
# every test (unit, integration, end-to-end with the real clients).
set -euo pipefail
cd "$(dirname "$0")/.."

# Real peers the tests drive: the mysql client, a MariaDB server, sysbench, Chromium.
need=()
command -v mysql >/dev/null 2>&1 || need+=(mariadb-client)
[ -x /usr/sbin/mariadbd ] || command -v mariadbd >/dev/null 2>&1 || need+=(mariadb-server)
command -v sysbench >/dev/null 2>&1 || need+=(sysbench)
# A real headless browser for the web console's tests (tests/console.rs).
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing packages: ${need[*]} (run: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi
# The AWS CLI (v1, from PyPI) drives the RDS API in the clone tests.
if ! python3 -c 'import awscli' >/dev/null 2>&1; then
  echo "== installing awscli (pip)"
  python3 -m pip install --quiet awscli
fi
# python-mysql-replication (CDC client the binlog tests drive) and its PyMySQL.
if ! python3 -c 'import pymysqlreplication, pymysql' >/dev/null 2>&1; then
  echo "== pip install mysql-replication"
  python3 -m pip install --quiet mysql-replication
fi
# cryptography: PyMySQL's RSA exchange of caching_sha2_password without TLS (tests/tls.rs).
if ! python3 -c 'import cryptography' >/dev/null 2>&1; then
  echo "== pip install cryptography"
  python3 -m pip install --quiet cryptography
fi
# selenium drives that browser (tests/console_drive.py).
if ! python3 -c 'import selenium' >/dev/null 2>&1; then
  echo "== pip install selenium"
  python3 -m pip install --quiet selenium
fi
rustup component list --installed 2>/dev/null | grep -q rustfmt || rustup component add rustfmt clippy

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo build --release (the binary end-to-end tests start)"
cargo build --release --workspace
echo "== cargo test"
log=$(mktemp)
set +e
cargo test --workspace --all-targets --no-fail-fast -- --test-threads=2 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line for the whole run: the sum over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i == "passed;") p += $(i-1); if ($i == "failed;") f += $(i-1) } }
     END { printf "%d passed, %d failed\n", p, f }' "$log"
rm -f "$log"
exit "$status"
