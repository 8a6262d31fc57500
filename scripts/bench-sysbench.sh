#!/usr/bin/env bash
# sysbench: Borealis vs MariaDB 10.11 side by side, same durability (MariaDB:
# innodb_flush_log_at_trx_commit=1, sync_binlog=1, log_bin ROW; Borealis: fsync
# on commit). Alternates the servers over several rounds and prints, per
# workload and thread count, the median tps and p95 latency of each and the
# Borealis/MariaDB ratio; then peak RSS of both servers, and the time each takes to
# prepare one table of BIG rows (sysbench oltp_write_only, one thread, as the seed lab
# does) and to mysqldump it (--single-transaction), with both dumps' sizes.
#
# Usage: scripts/bench-sysbench.sh [rounds=3] [table_size=100000] [seconds=20]
# Env: WORKLOADS, THREADS ("1 8"), BIG (1000000; 0 skips the prepare and dump timing),
# SBOPTS (extra options for the runs, e.g. "--point_selects=0 --order_ranges=1" to time
# one of oltp_read_only's statement kinds alone).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SIZE=${2:-100000}
SECS=${3:-20}
TABLES=4
WORKLOADS=${WORKLOADS:-"oltp_point_select oltp_read_only oltp_read_write oltp_write_only oltp_insert"}
THREADS=${THREADS:-"1 8"}
BIG=${BIG:-1000000}

cargo build --release -p borealis-server >/dev/null
work=$(mktemp -d /tmp/borealis-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$work"; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

BP=$(port); MP=$(port)
"${CARGO_TARGET_DIR:-target}"/release/borealis serve --data-dir "$work/borealis" --port "$BP" --api-port 0 --master-password bench --cache-size 512M --log-level warn >"$work/borealis.log" 2>&1 &
BPID=$!; pids+=("$BPID")
mkdir -p "$work/mariadb"
extra=(); [ "$(id -u)" = 0 ] && extra=(--user=root)
mariadb-install-db --no-defaults --datadir="$work/mariadb" --auth-root-authentication-method=normal --skip-test-db "${extra[@]}" >/dev/null 2>&1
/usr/sbin/mariadbd --no-defaults --datadir="$work/mariadb" --socket="$work/mariadb.sock" --port="$MP" --bind-address=127.0.0.1 \
  --skip-grant-tables --innodb-flush-log-at-trx-commit=1 --sync-binlog=1 --log-bin="$work/mariadb/bin" --binlog-format=ROW \
  --server-id=1 --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci "${extra[@]}" >"$work/mariadb.log" 2>&1 &
MPID=$!; pids+=("$MPID")
wait_port "$BP"; wait_port "$MP"

sb() { # server port workload threads command...
  local who=$1 p=$2; shift 2
  local auth=(--mysql-user=root)
  [ "$who" = borealis ] && auth=(--mysql-user=admin --mysql-password=bench)
  sysbench "$@" --mysql-host=127.0.0.1 --mysql-port="$p" "${auth[@]}" --mysql-db=sbtest --tables=$TABLES --table-size="$SIZE"
}
mysql -h127.0.0.1 -P"$BP" -uadmin -pbench -e "create database sbtest"
mysql -h127.0.0.1 -P"$MP" -uroot -e "create database sbtest"
for who in borealis mariadb; do
  p=$BP; [ $who = mariadb ] && p=$MP
  start=$(date +%s.%N)
  sb $who "$p" oltp_read_write --threads=4 prepare >/dev/null
  echo "prepare $TABLES x $SIZE rows on $who: $(echo "$(date +%s.%N) - $start" | bc) s"
done

results="$work/results"
: >"$results"
for round in $(seq 1 "$ROUNDS"); do
  for w in $WORKLOADS; do
    for t in $THREADS; do
      for who in borealis mariadb; do
        p=$BP; [ $who = mariadb ] && p=$MP
        out=$(sb $who "$p" "$w" ${SBOPTS:-} --threads="$t" --time="$SECS" --report-interval=0 run 2>&1 || true)
        tps=$(echo "$out" | awk '/transactions:/ {gsub(/\(/,"",$3); print $3}')
        p95=$(echo "$out" | awk '/95th percentile:/ {print $3}')
        errs=$(echo "$out" | awk '/ignored errors:/ {print $3}')
        echo "$w $t $who ${tps:-0} ${p95:-0} ${errs:-0}" >>"$results"
      done
    done
  done
done

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
printf "\n%-20s %3s %12s %10s %12s %10s %8s\n" workload thr borealis_tps p95_ms mariadb_tps p95_ms ratio
for w in $WORKLOADS; do
  for t in $THREADS; do
    bt=$(awk -v w=$w -v t=$t '$1==w && $2==t && $3=="borealis" {print $4}' "$results" | median)
    bp=$(awk -v w=$w -v t=$t '$1==w && $2==t && $3=="borealis" {print $5}' "$results" | median)
    mt=$(awk -v w=$w -v t=$t '$1==w && $2==t && $3=="mariadb" {print $4}' "$results" | median)
    mp=$(awk -v w=$w -v t=$t '$1==w && $2==t && $3=="mariadb" {print $5}' "$results" | median)
    ratio=$(echo "scale=2; if ($mt > 0) $bt / $mt else 0" | bc)
    printf "%-20s %3s %12.1f %10.2f %12.1f %10.2f %8s\n" "$w" "$t" "$bt" "$bp" "$mt" "$mp" "$ratio"
  done
done
echo
echo "peak RSS: borealis $(awk '/VmHWM/ {print $2, $3}' /proc/$BPID/status), mariadb $(awk '/VmHWM/ {print $2, $3}' /proc/$MPID/status)"
echo "ignored errors (retried deadlocks) per run are in the raw results: $(awk '{s+=$6} END {print s}' "$results") in total"

[ "$BIG" -gt 0 ] || exit 0
elapsed() { local s; s=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $s" | bc; }
for who in borealis mariadb; do
  p=$BP; auth=(-uroot); [ $who = mariadb ] && p=$MP
  [ $who = borealis ] && auth=(-uadmin -pbench)
  mysql -h127.0.0.1 -P"$p" "${auth[@]}" -e "create database big"
  sbauth=(--mysql-user=root); [ $who = borealis ] && sbauth=(--mysql-user=admin --mysql-password=bench)
  t=$(elapsed sysbench oltp_write_only --threads=1 --mysql-host=127.0.0.1 --mysql-port="$p" "${sbauth[@]}" \
    --mysql-db=big --tables=1 --table-size="$BIG" prepare)
  echo "prepare 1 x $BIG rows on $who: $t s"
done
for who in borealis mariadb; do
  p=$BP; auth=(-uroot); [ $who = mariadb ] && p=$MP
  [ $who = borealis ] && auth=(-uadmin -pbench)
  t=$(elapsed sh -c 'mysqldump "$@" > "'"$work/$who.sql"'"' _ -h127.0.0.1 -P"$p" "${auth[@]}" --single-transaction big)
  echo "mysqldump of $BIG rows from $who: $t s ($(stat -c %s "$work/$who.sql") bytes)"
done
echo "peak RSS after: borealis $(awk '/VmHWM/ {print $2, $3}' /proc/$BPID/status), mariadb $(awk '/VmHWM/ {print $2, $3}' /proc/$MPID/status)"
