#!/usr/bin/env bash
# Clone benchmark: time to clone a cluster of N sysbench rows (engine time, and time until
# the new instance accepts connections), for several N, next to the old way on MariaDB
# 10.11 for the same rows (mysqldump | mysql, and INSERT ... SELECT); then the bytes a clone
# adds after changing 1% of its rows, next to the pages those rows live on.
#
# Usage: scripts/bench-clone.sh [clones_per_size=5]   (env SIZES="100000 1000000 10000000")
set -euo pipefail
cd "$(dirname "$0")/.."
K=${1:-5}
SIZES=${SIZES:-"100000 1000000"}
OLDWAY=${OLDWAY:-1000000}

cargo build --release -p borealis-server >/dev/null
work=$(mktemp -d /tmp/borealis-bench-clone.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$work"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

BP=$(port); AP=$(port); MP=$(port)
target/release/borealis serve --data-dir "$work/borealis" --port "$BP" --api-port "$AP" \
  --master-password benchpass --cache-size 512M --log-level warn --instance-ports 24000-24999 \
  >"$work/borealis.log" 2>&1 &
pids+=("$!")
mkdir -p "$work/mariadb"
extra=(); [ "$(id -u)" = 0 ] && extra=(--user=root)
mariadb-install-db --no-defaults --datadir="$work/mariadb" --auth-root-authentication-method=normal --skip-test-db "${extra[@]}" >/dev/null 2>&1
/usr/sbin/mariadbd --no-defaults --datadir="$work/mariadb" --socket="$work/mariadb.sock" --port="$MP" --bind-address=127.0.0.1 \
  --skip-grant-tables --innodb-flush-log-at-trx-commit=1 --sync-binlog=1 --log-bin="$work/mariadb/bin" --binlog-format=ROW \
  --server-id=1 --innodb-buffer-pool-size=512M "${extra[@]}" >"$work/mariadb.log" 2>&1 &
pids+=("$!")
wait_port "$BP"; wait_port "$AP"; wait_port "$MP"

python3 - "$AP" "$K" "$SIZES" "$MP" "$OLDWAY" <<'PY'
import re, socket, statistics, subprocess, sys, time, urllib.parse, urllib.request

api, K, sizes, mport, oldway = int(sys.argv[1]), int(sys.argv[2]), [int(s) for s in sys.argv[3].split()], int(sys.argv[4]), int(sys.argv[5])

def call(**p):
    p["Version"] = "2014-10-31"
    body = urllib.parse.urlencode(p).encode()
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{api}/", body, timeout=600).read().decode()
    except urllib.error.HTTPError as e:
        raise SystemExit(f"{p['Action']}: {e.read().decode()}")

def val(xml, tag):
    m = re.search(f"<{tag}>([^<]*)</{tag}>", xml)
    return m.group(1) if m else None

def wait_sql(port, user, pw):
    while True:
        r = subprocess.run(["mysql", "-h127.0.0.1", f"-P{port}", f"-u{user}", f"-p{pw}", "-e", "select 1"], capture_output=True)
        if r.returncode == 0:
            return
        time.sleep(0.005)

def instance(cluster, name):
    port = int(val(call(Action="CreateDBInstance", DBInstanceIdentifier=name, DBClusterIdentifier=cluster,
                        DBInstanceClass="db.r6g.large", Engine="aurora-mysql"), "Port"))
    wait_sql(port, "boss", "bosspass1")
    return port

def sysbench(port, user, pw, rows, *extra):
    subprocess.run(["sysbench", "oltp_write_only", "--threads=4", "--mysql-host=127.0.0.1", f"--mysql-port={port}",
                    f"--mysql-user={user}", f"--mysql-password={pw}", "--mysql-db=sbtest", "--tables=1",
                    f"--table-size={rows}", *extra, "prepare"], check=True, capture_output=True)

def mysql(port, user, pw, q, db="sbtest"):
    args = ["mysql", "-h127.0.0.1", f"-P{port}", f"-u{user}", "-N", "-B", db, "-e", q]
    if pw:
        args.insert(4, f"-p{pw}")
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()

def used_and(cluster):
    xml = call(Action="DescribeDBClusters", DBClusterIdentifier=cluster)
    total, free, ps = int(val(xml, "TotalPages")), int(val(xml, "FreePages")), int(val(xml, "PageSize"))
    block = xml.split(f"<DBClusterIdentifier>{cluster}</DBClusterIdentifier>")[1]
    return (total - free) * ps, int(val(block, "BorealisExclusiveBytes")), int(val(block, "BorealisSharedBytes")), ps

print(f"{'rows':>10} {'engine ms (median)':>19} {'to endpoint ms (median)':>24}  clones")
results = {}
for n in sizes:
    src = f"src{n}"
    call(Action="CreateDBCluster", DBClusterIdentifier=src, Engine="aurora-mysql", MasterUsername="boss",
         MasterUserPassword="bosspass1", DatabaseName="sbtest")
    sport = instance(src, f"{src}-w")
    t = time.time()
    sysbench(sport, "boss", "bosspass1", n)
    prep = time.time() - t
    engine, endpoint = [], []
    for i in range(K):
        t = time.time()
        xml = call(Action="RestoreDBClusterToPointInTime", SourceDBClusterIdentifier=src, DBClusterIdentifier=f"{src}-c{i}",
                   RestoreType="copy-on-write", UseLatestRestorableTime="true")
        ev = call(Action="DescribeEvents", SourceIdentifier=f"{src}-c{i}")
        engine.append(float(re.search(r"in ([0-9.]+) ms", ev).group(1)))
        instance(f"{src}-c{i}", f"{src}-c{i}-w")
        endpoint.append((time.time() - t) * 1000)
    results[n] = (sport, prep)
    print(f"{n:>10} {statistics.median(engine):>19.2f} {statistics.median(endpoint):>24.1f}  {K} (prepare took {prep:.1f} s)")

# Space: change 1% of the rows of one clone, contiguously (id <= n/100), of the largest size.
n = max(sizes)
src = f"src{n}"
xml = call(Action="DescribeDBInstances", DBInstanceIdentifier=f"{src}-c0-w")
clone_port = int(val(xml, "Port"))
used0, excl0, shared0, ps = used_and(f"{src}-c0")
src_used = used_and(src)
table_pages = (src_used[1] + src_used[2]) // ps
changed_rows = n // 100
mysql(clone_port, "boss", "bosspass1", f"UPDATE sbtest1 SET c = CONCAT('x', SUBSTRING(c, 2)) WHERE id <= {changed_rows}")
used1, excl1, shared1, ps = used_and(f"{src}-c0")
rows_per_page = n / max(1, table_pages)
changed_pages = -(-changed_rows // int(rows_per_page))
print(f"\nspace after changing {changed_rows} of {n} rows on a clone:")
print(f"  clone exclusive bytes {excl1} ({excl1 // ps} pages); volume grew {used1 - used0} bytes")
print(f"  the changed rows live on ~{changed_pages} pages (cluster {table_pages} pages, ~{rows_per_page:.0f} rows/page)")
print(f"  ratio added/changed pages: {excl1 / ps / max(1, changed_pages):.2f}")

# The old way on MariaDB for the same rows.
mysql(mport, "root", "", "CREATE DATABASE sbtest", db="mysql")
t = time.time(); sysbench(mport, "root", "", oldway); prep = time.time() - t
t = time.time()
dump = subprocess.run(["mysqldump", "-h127.0.0.1", f"-P{mport}", "-uroot", "--single-transaction", "sbtest"], check=True, capture_output=True).stdout
mysql(mport, "root", "", "CREATE DATABASE copy1", db="mysql")
subprocess.run(["mysql", "-h127.0.0.1", f"-P{mport}", "-uroot", "copy1"], input=dump, check=True, capture_output=True)
dump_restore = time.time() - t
t = time.time()
mysql(mport, "root", "", "CREATE DATABASE copy2; CREATE TABLE copy2.sbtest1 LIKE sbtest.sbtest1; INSERT INTO copy2.sbtest1 SELECT * FROM sbtest.sbtest1", db="mysql")
insert_select = time.time() - t
print(f"\nMariaDB, {oldway} rows (prepare {prep:.1f} s): mysqldump | mysql {dump_restore:.2f} s; INSERT ... SELECT {insert_select:.2f} s")
PY
