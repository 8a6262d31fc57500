#!/usr/bin/env bash
# Backtrack and point-in-time restore benchmark (issue 7): on a cluster of N sysbench rows,
# change C rows (one UPDATE), then time, K times each (medians):
#   - BacktrackDBCluster back to before the change, and forward again to after it
#     (API call to answer; the rewind is one commit whose size is what changed);
#   - RestoreDBClusterToPointInTime (copy-on-write) to before the change, until the
#     new instance answers (what `borealis restore` reports).
# Each (N, C) pair runs on a fresh server. With the binlog on (the default) a backtrack
# also writes the undo/redo row events a replica needs; BINLOG=off runs with
# --skip-log-bin to show the engine's part alone.
#
# Usage: scripts/bench-backtrack.sh [K=5]
#   env PAIRS="1000000:10000 1000000:100000 1000000:1000000 100000:10000 10000000:10000"
#       BINLOG=on|off
set -euo pipefail
cd "$(dirname "$0")/.."
K=${1:-5}
PAIRS=${PAIRS:-"1000000:10000 1000000:100000 1000000:1000000 100000:10000"}
BINLOG=${BINLOG:-on}

cargo build --release -p borealis-server >/dev/null
work=$(mktemp -d /tmp/borealis-bench-backtrack.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; sleep 1; rm -rf "$work"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }
flags=(); [ "$BINLOG" = off ] && flags=(--skip-log-bin)

printf "%-10s %-9s %-7s %14s %14s %14s\n" rows changed binlog "backtrack ms" "forward ms" "restore ms"
for pair in $PAIRS; do
  rows=${pair%%:*}; changed=${pair##*:}
  BP=$(port); AP=$(port)
  rm -rf "$work/data"
  target/release/borealis serve --data-dir "$work/data" --port "$BP" --api-port "$AP" \
    --master-password benchpass --cache-size 1G --log-level warn --instance-ports 25000-25999 \
    "${flags[@]}" >"$work/borealis.log" 2>&1 &
  pid=$!
  wait_port "$BP"; wait_port "$AP"
  mysql -h127.0.0.1 -P"$BP" -uadmin -pbenchpass -e "create database sbtest"
  sysbench oltp_write_only --mysql-host=127.0.0.1 --mysql-port="$BP" --mysql-user=admin \
    --mysql-password=benchpass --mysql-db=sbtest --tables=1 --table-size="$rows" prepare >/dev/null
  python3 - "$AP" "$BP" "$K" "$rows" "$changed" "$BINLOG" <<'PY'
import re, statistics, subprocess, sys, time, urllib.parse, urllib.request
api, port, K, rows, changed, binlog = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]

def call(**p):
    body = urllib.parse.urlencode(dict(Version="2014-10-31", **p)).encode()
    with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{api}/", body)) as r:
        return r.read().decode()

def sql(q):
    return subprocess.run(["mysql", "-h127.0.0.1", f"-P{port}", "-uadmin", "-pbenchpass", "-N", "-B", "-e", q],
                          check=True, capture_output=True, text=True).stdout.strip()

now = "SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ')"
call(Action="ModifyDBCluster", DBClusterIdentifier="borealis", BacktrackWindow="86400")
sum_before = sql("CHECKSUM TABLE sbtest.sbtest1")
before = sql(now)
sql(f"UPDATE sbtest.sbtest1 SET k = k + 1 WHERE id <= {changed}")
after = sql(now)
back, fwd, restore = [], [], []
for i in range(K):
    t = time.perf_counter(); call(Action="BacktrackDBCluster", DBClusterIdentifier="borealis", BacktrackTo=before)
    back.append((time.perf_counter() - t) * 1e3)
    t = time.perf_counter(); call(Action="BacktrackDBCluster", DBClusterIdentifier="borealis", BacktrackTo=after)
    fwd.append((time.perf_counter() - t) * 1e3)
    name = f"pitr-{i}"
    t = time.perf_counter()
    call(Action="RestoreDBClusterToPointInTime", SourceDBClusterIdentifier="borealis", DBClusterIdentifier=name,
         RestoreType="copy-on-write", RestoreToTime=before)
    xml = call(Action="CreateDBInstance", DBInstanceIdentifier=name + "-1", DBClusterIdentifier=name)
    p = int(re.search(r"<Port>(\d+)</Port>", xml).group(1))
    while subprocess.run(["mysql", "-h127.0.0.1", f"-P{p}", "-uadmin", "-pbenchpass", "-e", "select 1"],
                         capture_output=True).returncode != 0:
        time.sleep(0.005)
    restore.append((time.perf_counter() - t) * 1e3)
    call(Action="DeleteDBInstance", DBInstanceIdentifier=name + "-1")
    call(Action="DeleteDBCluster", DBClusterIdentifier=name, SkipFinalSnapshot="true")
# The last forward left the cluster after the change; one more backtrack checks the result.
call(Action="BacktrackDBCluster", DBClusterIdentifier="borealis", BacktrackTo=before)
got = sql("CHECKSUM TABLE sbtest.sbtest1")
assert got == sum_before, f"after backtracking: {got} != {sum_before}"
med = statistics.median
print(f"{rows:<10} {changed:<9} {binlog:<7} {med(back):14.1f} {med(fwd):14.1f} {med(restore):14.1f}", flush=True)
PY
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
done
