#!/usr/bin/env bash
# Multi-table joins: Borealis (release build) vs a scratch MariaDB 10.11 side by side on
# the same TPC-H-like data (scripts/tpch-lite.sql: 7 tables, 40,000 lineitems). Runs each
# query ROUNDS times on each server (alternating), prints the median wall time of each,
# the ratio Borealis/MariaDB and whether both printed the same answer; then peak RSS of
# both servers.
#
# Usage: scripts/bench-joins.sh [rounds=3]
# Env: BOREALIS_BIN, a borealis binary to use instead of building the release one (say
# target/debug/borealis for a quick look; its times are not comparable).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}

BIN=${BOREALIS_BIN:-}
if [ -z "$BIN" ]; then
  cargo build --release -p borealis-server >/dev/null
  BIN="${CARGO_TARGET_DIR:-target}"/release/borealis
fi
work=$(mktemp -d /tmp/borealis-bench-joins.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$work"; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

BP=$(port); MP=$(port)
"$BIN" serve --data-dir "$work/borealis" --port "$BP" --api-port 0 --master-password bench --cache-size 512M --log-level warn >"$work/borealis.log" 2>&1 &
BPID=$!; pids+=("$BPID")
mkdir -p "$work/mariadb"
extra=(); [ "$(id -u)" = 0 ] && extra=(--user=root)
mariadb-install-db --no-defaults --datadir="$work/mariadb" --auth-root-authentication-method=normal --skip-test-db "${extra[@]}" >/dev/null 2>&1
/usr/sbin/mariadbd --no-defaults --datadir="$work/mariadb" --socket="$work/mariadb.sock" --port="$MP" --bind-address=127.0.0.1 \
  --skip-grant-tables --skip-log-bin --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci "${extra[@]}" >"$work/mariadb.log" 2>&1 &
MPID=$!; pids+=("$MPID")
wait_port "$BP"; wait_port "$MP"

q() { # who sql...
  local who=$1; shift
  if [ "$who" = borealis ]; then mysql -h127.0.0.1 -P"$BP" -uadmin -pbench -N -B tp "$@"
  else mysql -h127.0.0.1 -P"$MP" -uroot -N -B tp "$@"; fi
}
for who in borealis mariadb; do
  p=$BP; auth=(-uadmin -pbench); [ $who = mariadb ] && { p=$MP; auth=(-uroot); }
  mysql -h127.0.0.1 -P"$p" "${auth[@]}" -e "create database tp"
  start=$(date +%s.%N)
  q $who <scripts/tpch-lite.sql
  echo "load on $who: $(echo "$(date +%s.%N) - $start" | bc) s"
done

names=(q5_6_tables q8_7_tables q3_join_on equi_no_index left_join_hash)
queries=(
"SELECT n_name, SUM(l_extendedprice - l_discount) AS revenue FROM customer, orders, lineitem, supplier, nation, region WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey AND r_name = 'ASIA' AND o_orderdate >= DATE '1994-01-01' AND o_orderdate < DATE '1995-01-01' GROUP BY n_name ORDER BY revenue DESC, n_name"
"SELECT n_name, COUNT(*), SUM(l_extendedprice - l_discount) AS volume FROM part, supplier, lineitem, orders, customer, nation, region WHERE p_partkey = l_partkey AND s_suppkey = l_suppkey AND l_orderkey = o_orderkey AND o_custkey = c_custkey AND c_nationkey = n_nationkey AND n_regionkey = r_regionkey AND r_name = 'AMERICA' AND p_type = 'ECONOMY ANODIZED STEEL' AND o_orderdate BETWEEN DATE '1995-01-01' AND DATE '1996-12-31' GROUP BY n_name ORDER BY n_name"
"SELECT l_orderkey, SUM(l_extendedprice - l_discount) AS revenue, o_orderdate FROM customer JOIN orders ON c_custkey = o_custkey JOIN lineitem ON l_orderkey = o_orderkey WHERE c_mktsegment = 'BUILDING' AND o_orderdate < DATE '1995-03-15' GROUP BY l_orderkey, o_orderdate ORDER BY revenue DESC, o_orderdate, l_orderkey LIMIT 10"
"SELECT s_nationkey, COUNT(*), SUM(l_quantity) FROM lineitem, supplier WHERE l_suppkey = s_suppkey AND s_acctbal > 50 GROUP BY s_nationkey ORDER BY s_nationkey"
"SELECT c_mktsegment, COUNT(*), COUNT(o_orderkey) FROM customer LEFT JOIN orders ON o_custkey = c_custkey AND o_totalprice > 9000 GROUP BY c_mktsegment ORDER BY c_mktsegment"
)

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
results="$work/results"; : >"$results"
for i in "${!queries[@]}"; do
  for round in $(seq 1 "$ROUNDS"); do
    for who in borealis mariadb; do
      start=$(date +%s.%N)
      q $who -e "${queries[$i]}" >"$work/out.$who.$i"
      echo "${names[$i]} $who $(echo "$(date +%s.%N) - $start" | bc)" >>"$results"
    done
  done
done
printf "\n%-16s %12s %12s %8s %s\n" query borealis_s mariadb_s ratio same_answer
for i in "${!queries[@]}"; do
  n=${names[$i]}
  bt=$(awk -v n=$n '$1==n && $2=="borealis" {print $3}' "$results" | median)
  mt=$(awk -v n=$n '$1==n && $2=="mariadb" {print $3}' "$results" | median)
  ratio=$(echo "scale=2; if ($mt > 0) $bt / $mt else 0" | bc)
  same=no; cmp -s "$work/out.borealis.$i" "$work/out.mariadb.$i" && same=yes
  printf "%-16s %12.3f %12.3f %8s %s\n" "$n" "$bt" "$mt" "$ratio" "$same"
done
echo
echo "peak RSS: borealis $(awk '/VmHWM/ {print $2, $3}' /proc/$BPID/status), mariadb $(awk '/VmHWM/ {print $2, $3}' /proc/$MPID/status)"
