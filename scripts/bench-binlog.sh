#!/usr/bin/env bash
# Cost of the binlog: the same Borealis binary with log_bin ON (ROW, sync_binlog=1, the
# default) and with --skip-log-bin, same data, sysbench oltp_write_only and
# oltp_read_write. Alternates the two servers over several rounds and prints, per
# workload, the median tps of each and the overhead of the binlog in percent
# (issue 5's target: at most 10 %; Aurora documents 13-50 %).
#
# Usage: scripts/bench-binlog.sh [rounds=3] [table_size=10000] [seconds=20]
# Env: THREADS (8), WORKLOADS, TABLES (4), BINLOG_FORMAT (ROW; e.g. MIXED), ON_VARS (more
# options for the log_bin server, e.g. "--var sync_binlog=0" to see what the fsync costs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SIZE=${2:-10000}
SECS=${3:-20}
TABLES=${TABLES:-4}
THREADS=${THREADS:-8}
WORKLOADS=${WORKLOADS:-"oltp_write_only oltp_read_write"}
FORMAT=${BINLOG_FORMAT:-ROW}
BIN="${CARGO_TARGET_DIR:-target}/release/borealis"

cargo build --release -p borealis-server >/dev/null
work=$(mktemp -d /tmp/borealis-bench-binlog.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$work"; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

ON=$(port); OFF=$(port)
"$BIN" serve --data-dir "$work/on" --port "$ON" --api-port "$(port)" --master-password bench --cache-size 256M \
  --log-level warn --var "binlog_format=$FORMAT" ${ON_VARS:-} >"$work/on.log" 2>&1 &
pids+=($!)
"$BIN" serve --data-dir "$work/off" --port "$OFF" --api-port "$(port)" --master-password bench --cache-size 256M \
  --log-level warn --skip-log-bin >"$work/off.log" 2>&1 &
pids+=($!)
wait_port "$ON"; wait_port "$OFF"

sb() { # port sysbench-args...
  local p=$1; shift
  sysbench "$@" --mysql-host=127.0.0.1 --mysql-port="$p" --mysql-user=admin --mysql-password=bench \
    --mysql-db=sbtest --tables="$TABLES" --table-size="$SIZE"
}
for p in $ON $OFF; do
  mysql -h127.0.0.1 -P"$p" -uadmin -pbench -e "create database sbtest"
  sb "$p" oltp_read_write --threads=4 prepare >/dev/null
done
echo "log_bin: $(mysql -h127.0.0.1 -P"$ON" -uadmin -pbench -N -e 'select @@log_bin, @@binlog_format, @@sync_binlog') (ON) / $(mysql -h127.0.0.1 -P"$OFF" -uadmin -pbench -N -e 'select @@log_bin') (OFF)"

results="$work/results"
: >"$results"
for round in $(seq 1 "$ROUNDS"); do
  for w in $WORKLOADS; do
    for who in on off; do
      p=$ON; [ $who = off ] && p=$OFF
      out=$(sb "$p" "$w" --threads="$THREADS" --time="$SECS" --report-interval=0 run 2>&1 || true)
      tps=$(echo "$out" | awk '/transactions:/ {gsub(/\(/,"",$3); print $3}')
      echo "$w $who ${tps:-0}" >>"$results"
      echo "round $round $w log_bin=$who: ${tps:-0} tps" >&2
    done
  done
done

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
printf "\n%-18s %4s %14s %14s %10s\n" workload thr log_bin_on_tps log_bin_off_tps overhead
for w in $WORKLOADS; do
  on=$(awk -v w=$w '$1==w && $2=="on" {print $3}' "$results" | median)
  off=$(awk -v w=$w '$1==w && $2=="off" {print $3}' "$results" | median)
  ovh=$(echo "scale=1; if ($off > 0) 100 * ($off - $on) / $off else 0" | bc)
  printf "%-18s %4s %14.1f %14.1f %9s%%\n" "$w" "$THREADS" "$on" "$off" "$ovh"
done
echo "binlog size: $(du -sh "$work/on/binlog" | cut -f1)"
