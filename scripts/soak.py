#!/usr/bin/env python3
"""Chaos soak: kill -9 cycles of Borealis under write load, a MariaDB replica attached.

Usage: soak.py --borealis BIN [--cycles N] [options]   (scripts/soak.sh runs it)

One Borealis on a fresh data directory (loopback), sysbench tables, and a real MariaDB
10.11 replica following Borealis' binlog (CHANGE MASTER TO file/pos, as
tests/replication.rs does). Then, per cycle:

  1. load: `sysbench oltp_write_only` plus recorder threads. Each recorder transaction
     inserts a row with a known id into soak.a and soak.b and bumps the thread's row of
     soak.counter; the id counts as acknowledged only once COMMIT returned OK;
  2. after a random delay, kill -9 Borealis;
  3. restart it on the same directory (the recovery time is until it answers a query);
  4. check, in one consistent snapshot: every acknowledged id is in both tables with the
     contents it was written with; no transaction is partial (soak.a and soak.b hold the
     same ids, SUM(counter.n) equals their row count); nothing is there that was never
     attempted. (Present but not acknowledged is fine: the COMMIT was in flight.)
     The replica's SQL thread must not have stopped with an error.

At the end: the replica catches up and CHECKSUM TABLE of every table equals Borealis';
Borealis stops cleanly on SIGTERM; `mysqlbinlog` reads every binlog file of Borealis, the
positions it prints chain and end at the file size SHOW BINARY LOGS reported. The numbers
are printed; any failure prints `soak: FAIL: ...`, keeps the work directory and exits 1.

`--fault lost-ack` tests the checker itself: it counts one id as acknowledged that was
never written, so the first check must fail.
"""

import argparse
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import pymysql

PW = "soak-secret"
REPL_PW = "soak-repl"
# Client-side errors that mean "the connection is gone" (the server was killed).
CONN_ERRNOS = {2003, 2006, 2013, 2014, 2055, 1053}
# What a statement in flight gets when a SIGTERM shutdown closes its connection: Borealis
# answers it 1317 (Query execution was interrupted) before it closes the connection, where
# MariaDB 10.11 just closes it (2013). Accepted only in the cycles that send SIGTERM.
SHUTDOWN_ERRNOS = {1317}


class Fail(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def connect(port, user="admin", password=PW, timeout=10, autocommit=True):
    return pymysql.connect(
        host="127.0.0.1",
        port=port,
        user=user,
        password=password,
        connect_timeout=timeout,
        read_timeout=120,
        write_timeout=120,
        autocommit=autocommit,
    )


def query(port, sql, user="admin", password=PW):
    conn = connect(port, user, password)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


def is_conn_error(e):
    if isinstance(e, (pymysql.err.InterfaceError, ConnectionError, OSError, EOFError)):
        return True
    if isinstance(e, pymysql.err.OperationalError) and e.args and e.args[0] in CONN_ERRNOS:
        return True
    return False


def errno_of(e):
    return e.args[0] if isinstance(e, pymysql.err.MySQLError) and e.args else None


def unexpected_errors(found, term_kill):
    """The (errno, text) pairs that neither a kill nor (with `term_kill`) a shutdown explains."""
    return [t for n, t in found if not (term_kill and n in SHUTDOWN_ERRNOS)]


def pad_for(ident):
    """The deterministic contents of an id's rows: (a.pad, b.pad)."""
    r = random.Random(ident)
    unit = f"{ident}-"
    a_len = r.randrange(0, 300)
    # One in twenty carries a large value (several pages of overflow).
    b_len = r.randrange(5_000, 40_000) if r.random() < 0.05 else r.randrange(0, 500)
    return (unit * (a_len // len(unit) + 1))[:a_len], (unit * (b_len // len(unit) + 1))[:b_len]


def expected_row(ident):
    a, b = pad_for(ident)
    return (len(a), a[:12], a[-12:], len(b), b[:12], b[-12:])


class Borealis:
    def __init__(self, binary, data, port, extra):
        self.binary, self.data, self.port, self.extra = binary, data, port, extra
        self.log_path = data + ".log"
        self.proc = None

    def start(self, label):
        """Starts and waits until it answers a query: the seconds that took."""
        t0 = time.monotonic()
        self.start_async(label)
        return self.wait_ready(t0, label)

    def start_async(self, label):
        with open(self.log_path, "a") as f:
            f.write(f"===== soak: start ({label}) {time.strftime('%H:%M:%S')}\n")
        out = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data-dir", self.data, "--port", str(self.port),
             "--api-port", "0", "--master-password", PW, "--cache-size", "128M",
             "--log-level", "info"] + self.extra,
            stdout=out, stderr=out, stdin=subprocess.DEVNULL)
        out.close()

    def wait_ready(self, t0, label):
        deadline = t0 + 300
        while True:
            if self.proc.poll() is not None:
                raise Fail(f"borealis exited with {self.proc.returncode} while starting "
                           f"({label}); see {self.log_path}:\n{self.log_tail()}")
            try:
                query(self.port, "SELECT 1")
                return time.monotonic() - t0
            except Exception:
                pass
            if time.monotonic() > deadline:
                raise Fail(f"borealis did not answer within 300 s ({label}):\n{self.log_tail()}")
            time.sleep(0.02)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise Fail("borealis did not stop within 120 s of SIGTERM")

    def check_log(self):
        """No panic in the server's log."""
        with open(self.log_path, errors="replace") as f:
            lines = f.readlines()
        for i, line in enumerate(lines):
            if "panicked at" in line:
                raise Fail(f"borealis panicked:\n{''.join(lines[max(0, i - 5):i + 20])}")

    def log_tail(self, n=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


class MariaDb:
    def __init__(self, work):
        self.dir = os.path.join(work, "mariadb")
        data = os.path.join(self.dir, "data")
        tmp = os.path.join(self.dir, "tmp")
        os.makedirs(data)
        os.makedirs(tmp)
        root = ["--user=root"] if os.getuid() == 0 else []
        subprocess.run(
            ["mariadb-install-db", "--no-defaults", "--auth-root-authentication-method=normal",
             "--skip-test-db", f"--datadir={data}", f"--tmpdir={tmp}"] + root,
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.port = free_port()
        self.io_restarts = 0
        self.log_path = os.path.join(self.dir, "mariadb.log")
        binary = next(p for p in ("/usr/sbin/mariadbd", "/usr/bin/mariadbd") if os.path.exists(p))
        self.proc = subprocess.Popen(
            [binary, "--no-defaults", f"--datadir={data}", f"--socket={self.dir}/sock",
             f"--port={self.port}", "--bind-address=127.0.0.1",
             "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
             "--default-time-zone=+00:00", "--innodb-buffer-pool-size=128M",
             "--skip-grant-tables", f"--log-error={self.log_path}", "--server-id=2",
             "--skip-slave-start", "--slave-net-timeout=10", "--report-host=127.0.0.1"] + root,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while True:
            try:
                self.query("SELECT 1")
                return
            except Exception:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise Fail(f"mariadbd did not start; see {self.log_path}")
                time.sleep(0.1)

    def query(self, sql):
        return query(self.port, sql, user="root", password="")

    def slave_status(self):
        conn = connect(self.port, "root", "")
        try:
            with conn.cursor(pymysql.cursors.DictCursor) as cur:
                cur.execute("SHOW SLAVE STATUS")
                return cur.fetchone() or {}
        finally:
            conn.close()

    def check_threads(self):
        """Fails when a replication thread stopped with an error, except for one MariaDB
        limitation: a connection lost in the middle of a statement's Rows events (a kill -9
        while a big transaction streams) stops MariaDB 10.11's IO thread at the reconnect
        ("did not receive an expected Rows-log end-of-statement", 1595), whatever the
        master: a MariaDB master does the same. START SLAVE IO_THREAD goes on from there
        and the replica ends equal, so the soak does that and counts it."""
        st = self.slave_status()
        if st.get("Last_SQL_Error") or st.get("Slave_SQL_Running") != "Yes":
            raise Fail(f"the replica's SQL thread stopped: {st.get('Last_SQL_Errno')} "
                       f"{st.get('Last_SQL_Error')}")
        if st.get("Slave_IO_Running") != "No":
            return
        with open(self.log_path, errors="replace") as f:
            cut = f.read().count("did not receive an expected Rows-log end-of-statement")
        if st.get("Last_IO_Errno") == 1595 and cut > self.io_restarts:
            self.io_restarts += 1
            self.query("START SLAVE IO_THREAD")
            return
        raise Fail(f"the replica's IO thread stopped: {st.get('Last_IO_Errno')} "
                   f"{st.get('Last_IO_Error')}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Recorder:
    """Threads committing id-numbered transactions; `acked` gets an id only after its
    COMMIT returned OK."""

    def __init__(self, port, threads, base, acked, attempted, acked_file):
        self.port, self.threads, self.base = port, threads, base
        self.acked, self.attempted, self.acked_file = acked, attempted, acked_file
        self.lock = threading.Lock()
        self.unexpected = []
        self.in_doubt = 0
        self.workers = [threading.Thread(target=self.run, args=(t,), daemon=True)
                        for t in range(threads)]
        for w in self.workers:
            w.start()

    def run(self, t):
        try:
            conn = connect(self.port)
        except Exception as e:
            if not is_conn_error(e):
                self.unexpected.append((errno_of(e), f"connect: {e!r}"))
            return
        seq = 0
        while True:
            ident = self.base + seq * self.threads + t
            seq += 1
            a, b = pad_for(ident)
            with self.lock:
                self.attempted.add(ident)
            stage = "begin"
            try:
                with conn.cursor() as cur:
                    cur.execute("BEGIN")
                    stage = "statements"
                    cur.execute("INSERT INTO soak.a (id, pad) VALUES (%s, %s)", (ident, a))
                    cur.execute("INSERT INTO soak.b (id, pad) VALUES (%s, %s)", (ident, b))
                    cur.execute("UPDATE soak.counter SET n = n + 1 WHERE t = %s", (t,))
                    stage = "commit"
                    conn.commit()
            except Exception as e:
                if stage == "commit":
                    self.in_doubt += 1
                if not is_conn_error(e):
                    self.unexpected.append((errno_of(e), f"id {ident} at {stage}: {e!r}"))
                return
            with self.lock:
                self.acked.add(ident)
                self.acked_file.write(f"{ident}\n")
                self.acked_file.flush()

    def join(self, timeout=60):
        for w in self.workers:
            w.join(timeout)
            if w.is_alive():
                raise Fail("a recorder thread did not end after the kill")


BIG_ROWS = 100_000


class BigRecorder:
    """One transaction of 100,000 rows (~70 MB of binlog events: past the size whose events
    a log record keeps, so the binlog is written and fsynced before the commit record):
    soak.big gets ids K*1,000,000 + 0..99,999. `state[K]` is "acked" once it returned OK."""

    def __init__(self, port, state, k):
        self.port, self.state, self.k = port, state, k
        self.unexpected = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        k = self.k
        try:
            conn = connect(self.port)
            with conn.cursor() as cur:
                self.state[k] = "in doubt"
                cur.execute(
                    f"INSERT INTO soak.big SELECT {k * 1_000_000} + a.d * 10000 + b.d * 1000 "
                    "+ c.d * 100 + e.d * 10 + f.d, REPEAT(f.d, 700) FROM soak.ten a, "
                    "soak.ten b, soak.ten c, soak.ten e, soak.ten f")
                self.state[k] = "acked"
        except Exception as e:
            if not is_conn_error(e):
                self.unexpected.append((errno_of(e), f"big transaction {k}: {e!r}"))

    def join(self, timeout=120):
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise Fail("the big transaction did not end after the kill")


def check_big(port, state):
    """Each big transaction is all there or not at all; acknowledged ones are there."""
    rows = dict(query(port, "SELECT id DIV 1000000, COUNT(*) FROM soak.big GROUP BY 1"))
    problems = []
    for k, n in rows.items():
        if n != BIG_ROWS:
            problems.append(f"big transaction {k} is partial: {n} of {BIG_ROWS} rows")
        if k not in state:
            problems.append(f"big transaction {k} was never run, yet it has rows")
    for k, st in state.items():
        if st == "acked" and rows.get(k) != BIG_ROWS:
            problems.append(f"acknowledged big transaction {k} holds {rows.get(k, 0)} rows")
    if problems:
        raise Fail("; ".join(problems))
    return sum(1 for k in rows)


class DdlRecorder:
    """A thread creating and dropping tables: `soak.dK` is created, gets the row (1, K),
    and the table created three steps before is dropped; every 25th step also rotates the
    binlog (FLUSH BINARY LOGS). `state` keeps, per K, what was
    acknowledged: "created" (CREATE and INSERT returned OK) or "dropped"."""

    def __init__(self, port, state, next_k):
        self.port, self.state, self.k = port, state, next_k
        self.unexpected = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        try:
            conn = connect(self.port)
        except Exception as e:
            if not is_conn_error(e):
                self.unexpected.append((errno_of(e), f"connect: {e!r}"))
            return
        while True:
            k = self.k
            self.k += 1
            step = f"create soak.d{k}"
            try:
                with conn.cursor() as cur:
                    self.state.setdefault(k, "attempted")
                    cur.execute(f"CREATE TABLE soak.d{k} (id INT PRIMARY KEY, v INT NOT NULL)")
                    cur.execute(f"INSERT INTO soak.d{k} VALUES (1, {k})")
                    self.state[k] = "created"
                    old = [j for j, st in self.state.items() if st == "created" and j <= k - 3]
                    for j in old:
                        step = f"drop soak.d{j}"
                        self.state[j] = "dropping"
                        cur.execute(f"DROP TABLE soak.d{j}")
                        self.state[j] = "dropped"
                    if k % 25 == 0:
                        step = "flush binary logs"
                        cur.execute("FLUSH BINARY LOGS")
                time.sleep(0.05)
            except Exception as e:
                if not is_conn_error(e):
                    self.unexpected.append((errno_of(e), f"{step}: {e!r}"))
                return

    def join(self, timeout=60):
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise Fail("the DDL thread did not end after the kill")


def check_ddl(port, state):
    """Tables acknowledged as created are there with their row; dropped ones are gone;
    nothing else is there (a CREATE or DROP in flight may have gone either way)."""
    names = {r[0] for r in query(port, "SHOW TABLES FROM soak LIKE 'd%'")}
    problems = []
    for k, st in state.items():
        name = f"d{k}"
        if st == "created":
            if name not in names:
                problems.append(f"acknowledged CREATE TABLE soak.{name} is gone")
                continue
            rows = query(port, f"SELECT id, v FROM soak.{name}")
            if list(rows) != [(1, k)]:
                problems.append(f"soak.{name} holds {list(rows)}, acknowledged (1, {k})")
        elif st == "dropped" and name in names:
            problems.append(f"acknowledged DROP TABLE soak.{name}, yet it is there")
    strange = names - {f"d{k}" for k in state}
    if strange:
        problems.append(f"tables never created: {sorted(strange)}")
    if problems:
        raise Fail("; ".join(problems))
    return sorted(names)


def sysbench_args(port, opts):
    return ["sysbench", "--db-driver=mysql", "--mysql-host=127.0.0.1", f"--mysql-port={port}",
            "--mysql-user=admin", f"--mysql-password={PW}", "--mysql-db=sbtest",
            f"--tables={opts.tables}", f"--table-size={opts.table_size}"]


def check(port, acked, attempted, recorder_threads):
    """Every acknowledged id whole and intact, no transaction partial."""
    conn = connect(port, autocommit=False)
    try:
        with conn.cursor() as cur:
            cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
            cur.execute("SELECT id, LENGTH(pad), LEFT(pad, 12), RIGHT(pad, 12) FROM soak.a")
            a = {r[0]: r[1:] for r in cur.fetchall()}
            cur.execute("SELECT id, LENGTH(pad), LEFT(pad, 12), RIGHT(pad, 12) FROM soak.b")
            b = {r[0]: r[1:] for r in cur.fetchall()}
            cur.execute("SELECT t, n FROM soak.counter ORDER BY t")
            counters = dict(cur.fetchall())
            cur.execute("COMMIT")
    finally:
        conn.close()
    problems = []
    lost = sorted(i for i in acked if i not in a or i not in b)
    if lost:
        problems.append(f"{len(lost)} acknowledged commit(s) missing, e.g. {lost[:10]}")
    only_a = sorted(set(a) - set(b))
    only_b = sorted(set(b) - set(a))
    if only_a or only_b:
        problems.append(f"partial transactions: ids only in soak.a {only_a[:10]}, "
                        f"only in soak.b {only_b[:10]}")
    total = sum(counters.values())
    if total != len(a) or total != len(b):
        problems.append(f"partial transactions: SUM(counter.n) = {total}, "
                        f"soak.a has {len(a)} rows, soak.b {len(b)}")
    # Per thread: its counter equals its rows.
    for t, n in counters.items():
        rows = sum(1 for i in a if i % recorder_threads == t)
        if rows != n:
            problems.append(f"counter of thread {t} is {n}, its rows {rows}")
    strange = sorted(set(a) - attempted)
    if strange:
        problems.append(f"ids present that were never written: {strange[:10]}")
    bad = []
    for i, got in a.items():
        want = expected_row(i)
        if got != want[:3] or b.get(i, want[3:]) != want[3:]:
            bad.append(i)
    if bad:
        problems.append(f"{len(bad)} rows with wrong contents, e.g. {bad[:10]}")
    if problems:
        raise Fail("; ".join(problems))
    return len(a)


def checksums(port, tables, user="admin", password=PW):
    rows = query(port, "CHECKSUM TABLE " + ", ".join(tables), user, password)
    return [(r[0], r[1]) for r in rows]


def mysqlbinlog_check(path, size):
    """mysqlbinlog reads the file; its positions chain and end at `size`: the event count."""
    out = subprocess.run(["mysqlbinlog", "-v", "--base64-output=decode-rows", path],
                         capture_output=True, text=True, errors="replace")
    if out.returncode != 0:
        raise Fail(f"mysqlbinlog {path} exited {out.returncode}: {out.stderr.strip()[:2000]}")
    if "ERROR" in out.stderr or "WARNING" in out.stderr.upper():
        raise Fail(f"mysqlbinlog {path}: {out.stderr.strip()[:2000]}")
    ats, ends = [], []
    for line in out.stdout.splitlines():
        if line.startswith("# at "):
            ats.append(int(line[5:].strip()))
        m = re.search(r"end_log_pos (\d+)", line)
        if m:
            ends.append(int(m.group(1)))
    if not ats or ats[0] != 4 or len(ats) != len(ends):
        raise Fail(f"mysqlbinlog {path}: {len(ats)} '# at' lines, {len(ends)} end_log_pos")
    for k, end in enumerate(ends):
        nxt = ats[k + 1] if k + 1 < len(ats) else size
        if end != nxt:
            raise Fail(f"mysqlbinlog {path}: event {k} ends at {end}, the next is at {nxt}")
    if os.path.getsize(path) != size:
        raise Fail(f"{path}: {os.path.getsize(path)} bytes, SHOW BINARY LOGS said {size}")
    return len(ats)


def run(opts, work):
    rng = random.Random(opts.seed)
    data = os.path.join(work, "borealis")
    extra = [a for v in opts.var for a in ("--var", v)]
    bor = Borealis(opts.borealis, data, free_port(), extra)
    maria = None
    sysbench_proc = None
    try:
        bor.start("first")
        log(f"soak: borealis on port {bor.port}, data {data}, seed {opts.seed}")
        query(bor.port, f"CREATE USER 'repl'@'%' IDENTIFIED BY '{REPL_PW}'")
        query(bor.port, "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl'@'%'")
        file, pos = query(bor.port, "SHOW MASTER STATUS")[0][:2]
        maria = MariaDb(work)
        maria.query(f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={bor.port}, "
                    f"MASTER_USER='repl', MASTER_PASSWORD='{REPL_PW}', MASTER_LOG_FILE='{file}', "
                    f"MASTER_LOG_POS={pos}, MASTER_CONNECT_RETRY=1")
        maria.query("START SLAVE")
        log(f"soak: MariaDB replica on port {maria.port} from {file}:{pos}")

        threads = opts.recorder_threads
        conn = connect(bor.port)
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE soak")
            cur.execute("CREATE TABLE soak.a (id BIGINT PRIMARY KEY, pad VARCHAR(400) NOT NULL)")
            cur.execute("CREATE TABLE soak.b (id BIGINT PRIMARY KEY, pad MEDIUMTEXT NOT NULL)")
            cur.execute("CREATE TABLE soak.counter (t INT PRIMARY KEY, n BIGINT NOT NULL)")
            cur.execute("INSERT INTO soak.counter VALUES " +
                        ", ".join(f"({t}, 0)" for t in range(threads)))
            cur.execute("CREATE TABLE soak.big (id BIGINT PRIMARY KEY, pad VARCHAR(700) NOT NULL)")
            cur.execute("CREATE TABLE soak.ten (d INT PRIMARY KEY)")
            cur.execute("INSERT INTO soak.ten VALUES " + ", ".join(f"({d})" for d in range(10)))
            cur.execute("CREATE DATABASE sbtest")
        conn.close()
        prep = subprocess.run(sysbench_args(bor.port, opts) + ["oltp_write_only", "prepare"],
                              capture_output=True, text=True)
        if prep.returncode != 0:
            raise Fail(f"sysbench prepare: {prep.stdout[-2000:]}{prep.stderr[-2000:]}")
        tables = [f"sbtest.sbtest{i}" for i in range(1, opts.tables + 1)] + \
                 ["soak.a", "soak.b", "soak.counter", "soak.big", "soak.ten"]

        acked, attempted = set(), set()
        ddl_state = {}
        big_state = {}
        big_present = 0
        ddl_next = 1
        recovery_kills = 0
        term_kills = 0
        acked_file = open(os.path.join(work, "acknowledged.txt"), "a")
        recoveries = []
        sb_total = 0.0
        in_doubt = 0
        present = 0
        for cycle in range(1, opts.cycles + 1):
            sysbench_proc = subprocess.Popen(
                sysbench_args(bor.port, opts) +
                ["oltp_write_only", f"--threads={opts.sysbench_threads}", "--time=0",
                 "--report-interval=1", "run"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            base = cycle * threads * 50_000_000
            rec = Recorder(bor.port, threads, base, acked, attempted, acked_file)
            ddl = DdlRecorder(bor.port, ddl_state, ddl_next) if opts.ddl else None
            big_cycle = opts.big_every and cycle % opts.big_every == 0
            big = BigRecorder(bor.port, big_state, cycle) if big_cycle else None
            long_cycle = opts.long_every and cycle % opts.long_every == 0
            if long_cycle:
                delay = rng.uniform(opts.long_delay, opts.long_delay + 10)
            elif big_cycle:
                # Long enough for the big transaction to commit about half the time.
                delay = rng.uniform(opts.max_delay / 2, opts.max_delay * 1.5)
            else:
                delay = rng.uniform(opts.min_delay, opts.max_delay)
            time.sleep(delay)
            if bor.proc.poll() is not None:
                raise Fail(f"borealis died under load in cycle {cycle} "
                           f"(exit {bor.proc.returncode}):\n{bor.log_tail()}")
            term_kill = opts.term_kill_every and cycle % opts.term_kill_every == 0
            if term_kill:
                # A crash during the clean shutdown (its final checkpoint and binlog sync).
                bor.proc.send_signal(signal.SIGTERM)
                time.sleep(rng.uniform(0, 0.5))
                term_kills += 1
            bor.kill9()
            rec.join()
            if ddl is not None:
                ddl.join()
                ddl_next = ddl.k
                bad = unexpected_errors(ddl.unexpected, term_kill)
                if bad:
                    raise Fail(f"cycle {cycle}: the DDL thread got errors other than the lost "
                               f"connection: {bad[:5]}")
                # A CREATE or DROP in flight at the kill may have gone either way.
                for k, st in ddl_state.items():
                    if st in ("attempted", "dropping"):
                        ddl_state[k] = "in doubt"
            try:
                sb_out, _ = sysbench_proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                sysbench_proc.kill()
                sb_out, _ = sysbench_proc.communicate()
            sysbench_proc = None
            sb_total += sum(float(m) for m in re.findall(r"\] thds: \d+ tps: ([\d.]+)", sb_out))
            codes = {int(c) for c in re.findall(r"returned error (\d+)", sb_out)}
            if codes - CONN_ERRNOS - (SHUTDOWN_ERRNOS if term_kill else set()):
                raise Fail(f"cycle {cycle}: sysbench failed other than by the kill:\n"
                           f"{sb_out[-3000:]}")
            if big is not None:
                big.join()
                bad = unexpected_errors(big.unexpected, term_kill)
                if bad:
                    raise Fail(f"cycle {cycle}: {bad[0]}")
            bad = unexpected_errors(rec.unexpected, term_kill)
            if bad:
                raise Fail(f"cycle {cycle}: the recorder got errors other than the lost "
                           f"connection: {bad[:5]}")
            in_doubt += rec.in_doubt
            if opts.fault == "lost-ack" and cycle == 1:
                acked.add(1)  # never written: ids start at 50,000,000
            if opts.recovery_kill_every and cycle % opts.recovery_kill_every == 0:
                # A crash during recovery: kill -9 again at a random moment of the restart.
                bor.start_async(f"cycle {cycle}, killed while recovering")
                time.sleep(rng.uniform(0, statistics.median(recoveries or [0.5])))
                bor.kill9()
                recovery_kills += 1
            secs = bor.start(f"cycle {cycle}")
            recoveries.append(secs)
            try:
                present = check(bor.port, acked, attempted, threads)
                ddl_tables = check_ddl(bor.port, ddl_state)
                big_present = check_big(bor.port, big_state)
            except Fail as e:
                raise Fail(f"cycle {cycle}: {e}")
            maria.check_threads()
            bor.check_log()
            log(f"soak: cycle {cycle}/{opts.cycles}: killed after {delay:.1f} s, "
                f"restarted in {secs:.2f} s; {len(acked)} acknowledged, {present} present, "
                f"all whole")
        acked_file.close()

        tables += [f"soak.{n}" for n in ddl_tables]
        # The replica catches up: CHECKSUM TABLE equal on every table.
        want = checksums(bor.port, tables)
        deadline = time.monotonic() + opts.converge_timeout
        while True:
            maria.check_threads()
            got = checksums(maria.port, tables, "root", "")
            if got == want:
                break
            if time.monotonic() > deadline:
                st = maria.slave_status()
                raise Fail(f"the replica did not converge in {opts.converge_timeout} s: "
                           f"borealis {want}, replica {got}; IO: {st.get('Slave_IO_Running')} "
                           f"{st.get('Last_IO_Error')}")
            time.sleep(0.5)
        rows = query(maria.port, "SELECT COUNT(*) FROM soak.a", "root", "")[0][0]
        log(f"soak: replica converged: CHECKSUM TABLE equal on {len(tables)} tables "
            f"({rows} recorder rows)")

        # mysqlbinlog reads every file, on the running server (sizes as SHOW BINARY LOGS
        # reports them) and again after a clean stop (which may append a Stop event).
        logs = [(r[0], int(r[1])) for r in query(bor.port, "SHOW BINARY LOGS")]
        bindir = os.path.join(data, "binlog", "borealis")
        on_disk = sorted(f for f in os.listdir(bindir) if re.search(r"\.\d+$", f))
        if on_disk != sorted(n for n, _ in logs):
            raise Fail(f"binlog files on disk {on_disk} differ from SHOW BINARY LOGS {logs}")
        events = sum(mysqlbinlog_check(os.path.join(bindir, n), size) for n, size in logs)
        status = bor.stop()
        if status != 0:
            raise Fail(f"borealis exited {status} on SIGTERM:\n{bor.log_tail()}")
        name, size = logs[-1]
        after = os.path.getsize(os.path.join(bindir, name))
        if after < size:
            raise Fail(f"{name} shrank from {size} to {after} bytes at the clean stop")
        mysqlbinlog_check(os.path.join(bindir, name), after)

        log("")
        log(f"soak: cycles: {opts.cycles} kill -9 under load ({term_kills} of them during a "
            f"SIGTERM shutdown), {recovery_kills} more during recovery (seed {opts.seed})")
        log(f"soak: big transactions ({BIG_ROWS} rows): {len(big_state)} run, "
            f"{sum(1 for st in big_state.values() if st == 'acked')} acknowledged, "
            f"{big_present} present, none partial")
        made = sum(1 for st in ddl_state.values() if st in ("created", "dropped"))
        log(f"soak: DDL: {made} acknowledged CREATE TABLE, "
            f"{sum(1 for st in ddl_state.values() if st == 'dropped')} DROP TABLE, as acknowledged")
        log(f"soak: acknowledged commits: {len(acked)}, every one present and whole "
            f"({present} present, {in_doubt} COMMITs in flight at a kill)")
        log(f"soak: sysbench transactions: {int(sb_total)} (sum of its 1 s reports)")
        log(f"soak: recovery time: median {statistics.median(recoveries):.2f} s, "
            f"max {max(recoveries):.2f} s")
        log(f"soak: replica: CHECKSUM TABLE equal on {len(tables)} tables ({maria.io_restarts} "
            f"IO thread restarts after a stream cut inside a Rows-event statement)")
        log(f"soak: binlog: {len(logs)} files, {events} events, all read by mysqlbinlog")
    finally:
        if sysbench_proc is not None and sysbench_proc.poll() is None:
            sysbench_proc.kill()
            sysbench_proc.wait()
        if bor.proc is not None and bor.proc.poll() is None:
            bor.kill9()
        if maria is not None:
            maria.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--borealis", required=True, help="the borealis binary")
    p.add_argument("--cycles", type=int, default=100)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--tables", type=int, default=4, help="sysbench tables")
    p.add_argument("--table-size", type=int, default=10_000)
    p.add_argument("--sysbench-threads", type=int, default=2)
    p.add_argument("--recorder-threads", type=int, default=2)
    p.add_argument("--min-delay", type=float, default=1.0, help="seconds of load before a kill")
    p.add_argument("--max-delay", type=float, default=8.0)
    p.add_argument("--long-every", type=int, default=20,
                   help="every Nth cycle runs past a timed checkpoint (0: never)")
    p.add_argument("--long-delay", type=float, default=65.0)
    p.add_argument("--recovery-kill-every", type=int, default=5,
                   help="every Nth restart is killed -9 again while recovering (0: never)")
    p.add_argument("--term-kill-every", type=int, default=7,
                   help="every Nth kill -9 comes during a SIGTERM shutdown (0: never)")
    p.add_argument("--big-every", type=int, default=10,
                   help="every Nth cycle also runs a ~70 MB transaction (0: never)")
    p.add_argument("--no-ddl", dest="ddl", action="store_false",
                   help="no CREATE/DROP TABLE thread")
    p.add_argument("--converge-timeout", type=float, default=600.0)
    p.add_argument("--var", action="append", default=[],
                   help="borealis --var NAME=VALUE (repeatable)")
    p.add_argument("--fault", choices=["lost-ack"], help="test the checker (must fail)")
    p.add_argument("--keep", action="store_true", help="keep the work directory on success")
    opts = p.parse_args()
    if opts.seed is None:
        opts.seed = random.randrange(1 << 32)
    work = tempfile.mkdtemp(prefix="borealis-soak.")
    os.chmod(work, 0o700)
    try:
        run(opts, work)
    except Fail as e:
        log(f"soak: FAIL: {e}")
        log(f"soak: work directory kept: {work}")
        return 1
    except BaseException:
        log(f"soak: work directory kept: {work}")
        raise
    if opts.keep:
        log(f"soak: work directory kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    log("soak: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
