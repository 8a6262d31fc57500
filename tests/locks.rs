//! Locking in InnoDB's terms, checked on Borealis and on a real MariaDB with the same
//! two-session scripts: locking reads lock the keys they find missing and the ranges they
//! read (gap and next-key locks), NOWAIT and SKIP LOCKED, sysbench's delete-then-insert
//! under concurrency, joins that lock what their plan reads, and the isolation levels (READ COMMITTED's fresh reads, row-only
//! locks and row binlogging; SERIALIZABLE's shared reads).
//!
//! What broke: a DELETE of a missing id locked nothing, so two transactions that each
//! deleted id N and then inserted it ended with the second failing on a duplicate key
//! (1062) instead of a deadlock (1213, what InnoDB gives and sysbench retries): `sysbench
//! oltp_delete` followed by `oltp_read_write` stopped with "FATAL: ... 1062 Duplicate
//! entry". SELECT ... FOR UPDATE locked nothing at all, and an insert into a range another
//! transaction had read FOR UPDATE went through.

mod harness;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};

use harness::*;

/// One open client session (the real `mysql` client, `--force` so an error does not end
/// it), driven a statement at a time. A statement's outcome is its output and error lines,
/// read up to a marker row the session selects after it.
struct Session {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    /// Lines read ahead by [`Session::wait_blocked`].
    pending: std::collections::VecDeque<String>,
    step: usize,
}

impl Session {
    fn open(port: u16, user: &str, password: &str, db: &str) -> Session {
        let (reader, writer) = std::io::pipe().unwrap();
        let mut cmd = Command::new("mysql");
        cmd.args(["-h127.0.0.1", &format!("-P{port}"), &format!("-u{user}")]);
        if !password.is_empty() {
            cmd.arg(format!("-p{password}"));
        }
        let mut child = cmd
            .args(["-N", "-B", "--force", "--unbuffered", db])
            .stdin(Stdio::piped())
            .stdout(writer.try_clone().unwrap())
            .stderr(writer)
            .spawn()
            .expect("the mysql client (Debian package mariadb-client) is needed");
        let stdin = child.stdin.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(reader).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Session {
            child,
            stdin,
            lines,
            pending: Default::default(),
            step: 0,
        }
    }

    /// Sends `sql` without waiting for it; [`Session::outcome`] collects it.
    fn send(&mut self, sql: &str) {
        self.step += 1;
        writeln!(self.stdin, "{sql};\nselect '~step {}~';", self.step).unwrap();
        self.stdin.flush().unwrap();
    }

    fn marker(&self) -> String {
        format!("~step {}~", self.step)
    }

    /// Waits until the statement just sent (which starts with `start`) is running on `s`
    /// (blocked in a lock wait, in these scripts) or has ended.
    fn wait_blocked(&mut self, s: &Server, start: &str) {
        let q = format!(
            "select count(*) from information_schema.PROCESSLIST where INFO like '{start}%'"
        );
        let marker = self.marker();
        loop {
            while let Ok(line) = self.lines.try_recv() {
                self.pending.push_back(line);
            }
            if self.pending.contains(&marker) || s.sql(&q) != "0" {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// The outcome of the last statement sent: its rows and errors, one per line.
    fn outcome(&mut self) -> String {
        let marker = self.marker();
        let mut out = Vec::new();
        while let Some(line) = self.pending.pop_front() {
            if line == marker {
                return out.join("\n");
            }
            out.push(line);
        }
        loop {
            // Not a timing expectation: only a hang (a statement that never ends) trips it.
            let line = self
                .lines
                .recv_timeout(std::time::Duration::from_secs(600))
                .unwrap_or_else(|e| panic!("no outcome for step {}: {e}", self.step));
            if line == marker {
                return out.join("\n");
            }
            out.push(line);
        }
    }

    fn run(&mut self, sql: &str) -> String {
        self.send(sql);
        self.outcome()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server both scripts run on: Borealis or the MariaDB reference.
struct Server {
    name: &'static str,
    port: u16,
    user: &'static str,
    password: &'static str,
}

impl Server {
    fn session(&self) -> Session {
        Session::open(self.port, self.user, self.password, "l")
    }

    fn sql(&self, q: &str) -> String {
        let out = mysql(
            self.port,
            self.user,
            self.password,
            &["-N", "-B", "-e", q],
            "",
        );
        assert!(
            out.status.success(),
            "{}: {q}: {}",
            self.name,
            text(&out.stderr)
        );
        text(&out.stdout).trim().to_string()
    }

    fn reset(&self) {
        self.sql(
            "drop database if exists l; create database l; \
             create table l.t (id int primary key, v int); \
             insert into l.t values (1,1),(2,2),(3,3),(10,10),(20,20)",
        );
    }
}

/// Runs `script` on Borealis and on MariaDB.
fn on_both(script: impl Fn(&Server)) {
    let b = Borealis::start("locks");
    let m = MariaDb::start_with("locks", &["--log-bin=mariadb-bin", "--server-id=1"]);
    let servers = [
        Server {
            name: "borealis",
            port: b.port,
            user: "admin",
            password: PASSWORD,
        },
        Server {
            name: "mariadb",
            port: m.port,
            user: "root",
            password: "",
        },
    ];
    for s in &servers {
        s.reset();
        script(s);
    }
}

fn err_code(outcome: &str) -> Option<&str> {
    let rest = outcome.split("ERROR ").nth(1)?;
    rest.split_whitespace().next()
}

/// Both transactions delete a missing id, then both insert it: the second insert closes a
/// waits-for cycle (each waits for the other's gap lock), so one is the deadlock victim
/// (1213, rolled back) and the other inserts. Never a duplicate-key error.
#[test]
fn delete_missing_then_insert_in_two_sessions_is_a_deadlock() {
    on_both(|s| {
        let (mut a, mut c) = (s.session(), s.session());
        a.run("begin");
        c.run("begin");
        assert_eq!(a.run("delete from t where id = 5"), "", "{}", s.name);
        assert_eq!(c.run("delete from t where id = 5"), "", "{}", s.name);
        a.send("insert into t values (5, 100)");
        a.wait_blocked(s, "insert into t values (5, 100)");
        let second = c.run("insert into t values (5, 200)");
        let first = a.outcome();
        let codes = [err_code(&first), err_code(&second)];
        assert!(
            codes == [None, Some("1213")] || codes == [Some("1213"), None],
            "{}: first {first:?}, second {second:?}",
            s.name
        );
        a.run("commit");
        c.run("commit");
        let want = if codes[0].is_none() { "100" } else { "200" };
        assert_eq!(s.sql("select v from l.t where id = 5"), want, "{}", s.name);
    });
}

/// A locking read of a range (SELECT ... FOR UPDATE, DELETE) locks the range: another
/// transaction's insert into it waits (1205 at innodb_lock_wait_timeout=1), inserts and
/// updates outside it do not; a row found missing FOR SHARE is shared by another locking
/// reader but an insert of it waits.
#[test]
fn range_and_missing_key_locks_keep_inserts_out() {
    on_both(|s| {
        let (mut a, mut c) = (s.session(), s.session());
        c.run("set session innodb_lock_wait_timeout = 1");
        a.run("begin");
        assert_eq!(
            a.run("select id from t where id between 4 and 9 for update"),
            "",
            "{}",
            s.name
        );
        let waited = c.run("insert into t values (6, 6)");
        assert_eq!(err_code(&waited), Some("1205"), "{}: {waited}", s.name);
        assert_eq!(c.run("insert into t values (30, 30)"), "", "{}", s.name);
        assert_eq!(
            c.run("update t set v = v + 1 where id = 1"),
            "",
            "{}",
            s.name
        );
        // Plain reads never wait.
        assert_eq!(c.run("select count(*) from t"), "6", "{}", s.name);
        a.run("rollback");
        assert_eq!(c.run("insert into t values (6, 6)"), "", "{}", s.name);

        a.run("begin");
        assert_eq!(a.run("delete from t where id > 11 and id < 19"), "");
        let waited = c.run("insert into t values (15, 15)");
        assert_eq!(err_code(&waited), Some("1205"), "{}: {waited}", s.name);
        a.run("rollback");

        a.run("begin");
        c.run("begin");
        assert_eq!(a.run("select v from t where id = 7 lock in share mode"), "");
        assert_eq!(c.run("select v from t where id = 7 lock in share mode"), "");
        c.run("rollback");
        let waited = c.run("insert into t values (7, 7)");
        assert_eq!(err_code(&waited), Some("1205"), "{}: {waited}", s.name);
        a.run("rollback");
        assert_eq!(c.run("insert into t values (7, 7)"), "", "{}", s.name);
    });
}

/// UPDATE and DELETE read current, as InnoDB's: a row another transaction committed after
/// this one's snapshot is deleted, and inserting its id again is no duplicate.
#[test]
fn delete_reads_rows_committed_after_the_snapshot() {
    on_both(|s| {
        let (mut a, mut c) = (s.session(), s.session());
        a.run("begin");
        assert_eq!(a.run("select count(*) from t"), "5", "{}", s.name);
        c.run("insert into t values (8, 8)");
        assert_eq!(a.run("select count(*) from t"), "5", "{}: snapshot", s.name);
        assert_eq!(
            a.run("delete from t where id = 8; select row_count()"),
            "1",
            "{}",
            s.name
        );
        assert_eq!(a.run("insert into t values (8, 80)"), "", "{}", s.name);
        a.run("commit");
        assert_eq!(s.sql("select v from l.t where id = 8"), "80", "{}", s.name);
    });
}

/// NOWAIT fails at once on a row another transaction holds (MySQL 8: 3572; MariaDB 10.11
/// reports it as a lock wait timeout, 1205); SKIP LOCKED passes over such rows.
#[test]
fn nowait_and_skip_locked() {
    on_both(|s| {
        let (mut a, mut c) = (s.session(), s.session());
        a.run("begin");
        assert_eq!(a.run("select v from t where id = 1 for update"), "1");
        let nowait = c.run("select v from t where id = 1 for update nowait");
        let want = if s.name == "mariadb" { "1205" } else { "3572" };
        assert_eq!(err_code(&nowait), Some(want), "{}: {nowait}", s.name);
        if s.name == "borealis" {
            assert!(
                nowait.contains("Statement aborted because lock(s) could not be acquired immediately and NOWAIT is set."),
                "{nowait}"
            );
        }
        assert_eq!(
            c.run("select id from t where id <= 3 order by id for update skip locked"),
            "2\n3",
            "{}",
            s.name
        );
        assert_eq!(
            c.run("select id from t where id = 1 lock in share mode skip locked"),
            "",
            "{}",
            s.name
        );
        // A plain read sees the row.
        assert_eq!(c.run("select v from t where id = 1"), "1", "{}", s.name);
        a.run("commit");
        assert_eq!(
            c.run("select v from t where id = 1 for update nowait"),
            "1",
            "{}",
            s.name
        );
    });
}

/// MySQL 8.0's `FOR UPDATE OF t` (MariaDB 10.11 has no OF, so this runs on Borealis
/// only, with MySQL 8.0's documented answers): a join locks only the tables its clauses
/// name, each clause with its own NOWAIT / SKIP LOCKED; an OF naming no table of the FROM
/// is 3568.
#[test]
fn for_update_of_locks_only_the_named_tables() {
    let b = Borealis::start("lock-of");
    let s = Server {
        name: "borealis",
        port: b.port,
        user: "admin",
        password: PASSWORD,
    };
    s.reset();
    s.sql("create table l.u (id int primary key, w int); insert into l.u values (1,100),(2,200)");
    let (mut a, mut c) = (s.session(), s.session());
    a.run("begin");
    assert_eq!(
        a.run("select t.v, x.w from t join u as x on x.id = t.id where t.id = 1 for update of x"),
        "1\t100"
    );
    // `t` was only read: another transaction writes it at once; `u` (as x) is locked.
    assert_eq!(c.run("update t set v = 11 where id = 1"), "");
    let busy = c.run("select w from u where id = 1 for update nowait");
    assert_eq!(err_code(&busy), Some("3572"), "{busy}");
    a.run("commit");
    // A clause per table: FOR SHARE OF one, FOR UPDATE OF the other.
    a.run("begin");
    assert_eq!(
        a.run("select t.v, u.w from t, u where t.id = u.id and t.id = 2 for share of t for update of u"),
        "2\t200"
    );
    assert_eq!(c.run("select v from t where id = 2 for share nowait"), "2");
    let busy = c.run("select v from t where id = 2 for update nowait");
    assert_eq!(err_code(&busy), Some("3572"), "{busy}");
    let busy = c.run("select w from u where id = 2 for update nowait");
    assert_eq!(err_code(&busy), Some("3572"), "{busy}");
    a.run("commit");
    let bad = c.run("select * from t for update of nosuch");
    assert_eq!(err_code(&bad), Some("3568"), "{bad}");
    assert!(
        bad.contains("Unresolved table name `nosuch` in locking clause."),
        "{bad}"
    );
}

/// `oltp_delete` leaves ids missing; `oltp_read_write` then deletes and re-inserts random
/// ids from 4 threads, so two transactions often delete the same missing id and insert
/// it. That has to be a deadlock or a wait (which sysbench retries), not a duplicate key
/// (which it reports as FATAL and stops on), in both prepared-statement modes.
#[test]
fn sysbench_delete_then_read_write_runs_to_the_end() {
    let b = Borealis::start("locks-sysbench");
    b.mysql(&["-e", "create database sb"], "");
    for mode in ["auto", "disable"] {
        let common = [
            "--tables=1",
            "--table-size=100",
            "--threads=4",
            &format!("--db-ps-mode={mode}"),
        ]
        .map(String::from);
        let step = |script: &str, extra: &[&str]| {
            let mut args: Vec<&str> = vec![script];
            args.extend(common.iter().map(String::as_str));
            args.extend(extra);
            let out = sysbench(b.port, &args);
            let (o, e) = (text(&out.stdout), text(&out.stderr));
            assert!(
                out.status.success() && !e.contains("FATAL") && !o.contains("FATAL"),
                "{script} {mode} {extra:?}: {o}{e}"
            );
            o
        };
        step("oltp_delete", &["prepare"]);
        step("oltp_delete", &["--events=4000", "--time=0", "run"]);
        let out = step("oltp_read_write", &["--events=2000", "--time=0", "run"]);
        assert!(out.contains("transactions:"), "{mode}: {out}");
        let check = b.mysql(&["-N", "-B", "-e", "check table sb.sbtest1"], "");
        assert!(
            text(&check.stdout).contains("OK"),
            "{}",
            text(&check.stdout)
        );
        step("oltp_delete", &["cleanup"]);
    }
}

/// The table the gap-lock cases run on: ids 1, 3, 5, 10, 20 (so the gaps are (-inf,1),
/// (1,3), (3,5), (5,10), (10,20), (20,+inf)) and a non-unique index on `k`, whose values
/// are 1, 5, 5, 10, 20 (ids 3 and 5 share k = 5).
fn gap_table(s: &Server) {
    s.sql(
        "create table l.g (id int primary key, v int, k int, key k (k)); \
         insert into l.g values (1,1,1),(3,3,5),(5,5,5),(10,10,10),(20,20,20)",
    );
}

/// Runs each statement in `c` (its own autocommit transaction; the session's lock wait
/// timeout is 1 s) and gives what it answered: "ok", or the error code (1205 when it
/// waited for a lock another transaction holds).
fn answers(c: &mut Session, stmts: &[&str]) -> Vec<String> {
    stmts
        .iter()
        .map(|q| {
            let out = c.run(q);
            format!("{q}: {}", err_code(&out).unwrap_or("ok"))
        })
        .collect()
}

/// The expected [`answers`]: each statement with its code.
fn want(cases: &[(&str, &str)]) -> Vec<String> {
    cases.iter().map(|(q, a)| format!("{q}: {a}")).collect()
}

/// A locking read of a missing primary key locks the gap between its neighbours (here
/// 7: the gap (5, 10)), as InnoDB's unique search that finds nothing does: inserts into
/// that gap wait, inserts elsewhere, and updates of the neighbouring rows, do not; a
/// locking read of another missing key in the same gap does not wait either (gap locks
/// never conflict with each other).
#[test]
fn missing_key_locks_the_gap_between_its_neighbours() {
    on_both(|s| {
        let (mut a, mut c) = (s.session(), s.session());
        c.run("set session innodb_lock_wait_timeout = 1");
        for read in [
            "select id from g where id = 7 for update",
            "select id from g where id = 7 lock in share mode",
            "delete from g where id = 7",
            "update g set v = 0 where id = 7",
        ] {
            // A fresh table each time: InnoDB keeps a deleted row's key in its index
            // until purge, and a gap ends at it meanwhile.
            s.sql("drop table if exists l.g");
            gap_table(s);
            a.run("begin");
            assert_eq!(a.run(read), "", "{}: {read}", s.name);
            let got = answers(
                &mut c,
                &[
                    "insert into g values (8, 8, 8)",
                    "insert into g values (6, 6, 6)",
                    "insert into g values (7, 7, 7)",
                    "select id from g where id = 9 for update",
                    "update g set v = v + 1 where id = 10",
                    "update g set v = v + 1 where id = 5",
                    "insert into g values (4, 4, 4)",
                    "insert into g values (30, 30, 30)",
                    "delete from g where id in (4, 30)",
                ],
            );
            let expected = want(&[
                ("insert into g values (8, 8, 8)", "1205"),
                ("insert into g values (6, 6, 6)", "1205"),
                ("insert into g values (7, 7, 7)", "1205"),
                ("select id from g where id = 9 for update", "ok"),
                ("update g set v = v + 1 where id = 10", "ok"),
                ("update g set v = v + 1 where id = 5", "ok"),
                ("insert into g values (4, 4, 4)", "ok"),
                ("insert into g values (30, 30, 30)", "ok"),
                ("delete from g where id in (4, 30)", "ok"),
            ]);
            assert_eq!(got, expected, "{}: after {read}", s.name);
            a.run("rollback");
            assert_eq!(
                answers(&mut c, &["insert into g values (8, 8, 8)"]),
                want(&[("insert into g values (8, 8, 8)", "ok")]),
                "{}",
                s.name
            );
        }
    });
}

/// Two transactions lock the same gap through different missing keys (6 and 8, both in
/// (5, 10)) and each then inserts into it: each insert waits for the other's gap lock, so
/// one of them is the deadlock victim (1213, rolled back) and the other goes on.
#[test]
fn two_gap_lockers_inserting_into_their_gap_deadlock() {
    on_both(|s| {
        gap_table(s);
        let (mut a, mut c) = (s.session(), s.session());
        a.run("begin");
        c.run("begin");
        assert_eq!(a.run("delete from g where id = 6"), "", "{}", s.name);
        assert_eq!(c.run("delete from g where id = 8"), "", "{}", s.name);
        a.send("insert into g values (7, 7, 7)");
        a.wait_blocked(s, "insert into g values (7, 7, 7)");
        let second = c.run("insert into g values (9, 9, 9)");
        let first = a.outcome();
        let codes = [err_code(&first), err_code(&second)];
        assert!(
            codes == [None, Some("1213")] || codes == [Some("1213"), None],
            "{}: first {first:?}, second {second:?}",
            s.name
        );
        a.run("commit");
        c.run("commit");
        let want = if codes[0].is_none() { "7" } else { "9" };
        assert_eq!(
            s.sql("select group_concat(id order by id) from l.g"),
            format!("1,3,5,{want},10,20"),
            "{}",
            s.name
        );
    });
}

/// A locking read of a primary key range locks the gaps it scans up to the first key past
/// its end, and the gap before its first row down to the key before it: `id < 4` keeps
/// inserts of 0, 2 and 4 out (4 is in the gap (3, 5) before the first key past the end),
/// `id > 15` those of 12 (the gap (10, 20) before its first row) and of anything past 20
/// (up to the supremum). A range starting at an included whole primary key that exists
/// (`id >= 10`) locks that row only, not the gap below it, as InnoDB's clustered-index
/// search does.
///
/// The row past the end: MariaDB 10.11 (like MySQL before 8.0.18) locks it too, with a
/// next-key lock, so an update of id 5 after `id < 4` waits there; MySQL 8.0.18 and
/// later lock only the gap before it on a unique index ("only rows and gaps that
/// intersect the searched range are locked"), and Borealis follows MySQL 8.0.
#[test]
fn range_reads_lock_up_to_the_key_past_their_end() {
    on_both(|s| {
        gap_table(s);
        let next_key = if s.name == "mariadb" { "1205" } else { "ok" };
        let (mut a, mut c) = (s.session(), s.session());
        c.run("set session innodb_lock_wait_timeout = 1");

        a.run("begin");
        assert_eq!(a.run("select id from g where id < 4 for update"), "1\n3");
        let got = answers(
            &mut c,
            &[
                "insert into g values (4, 4, 4)",
                "insert into g values (2, 2, 2)",
                "insert into g values (0, 0, 0)",
                "update g set v = v + 1 where id = 5",
                "update g set v = v + 1 where id = 3",
                "insert into g values (6, 6, 6)",
                "delete from g where id = 6",
            ],
        );
        let expected = want(&[
            ("insert into g values (4, 4, 4)", "1205"),
            ("insert into g values (2, 2, 2)", "1205"),
            ("insert into g values (0, 0, 0)", "1205"),
            ("update g set v = v + 1 where id = 5", next_key),
            ("update g set v = v + 1 where id = 3", "1205"),
            ("insert into g values (6, 6, 6)", "ok"),
            ("delete from g where id = 6", "ok"),
        ]);
        assert_eq!(got, expected, "{}: id < 4", s.name);
        a.run("rollback");

        a.run("begin");
        assert_eq!(a.run("select id from g where id > 15 for update"), "20");
        let got = answers(
            &mut c,
            &[
                "insert into g values (30, 30, 30)",
                "insert into g values (12, 12, 12)",
                "update g set v = v + 1 where id = 10",
                "insert into g values (9, 9, 9)",
                "delete from g where id = 9",
            ],
        );
        let expected = want(&[
            ("insert into g values (30, 30, 30)", "1205"),
            ("insert into g values (12, 12, 12)", "1205"),
            ("update g set v = v + 1 where id = 10", "ok"),
            ("insert into g values (9, 9, 9)", "ok"),
            ("delete from g where id = 9", "ok"),
        ]);
        assert_eq!(got, expected, "{}: id > 15", s.name);
        a.run("rollback");

        a.run("begin");
        assert_eq!(
            a.run("select id from g where id >= 10 for update"),
            "10\n20"
        );
        let got = answers(
            &mut c,
            &[
                "insert into g values (7, 7, 7)",
                "delete from g where id = 7",
                "insert into g values (15, 15, 15)",
                "insert into g values (25, 25, 25)",
                "update g set v = v + 1 where id = 5",
            ],
        );
        let expected = want(&[
            ("insert into g values (7, 7, 7)", "ok"),
            ("delete from g where id = 7", "ok"),
            ("insert into g values (15, 15, 15)", "1205"),
            ("insert into g values (25, 25, 25)", "1205"),
            ("update g set v = v + 1 where id = 5", "ok"),
        ]);
        assert_eq!(got, expected, "{}: id >= 10", s.name);
        a.run("rollback");
    });
}

/// An equality on a non-unique index (`k = 5`, rows id 3 and 5) locks the matching index
/// entries, the gap before the first of them (down to k = 1) and the gap up to the next
/// k (10): inserts of another k = 5 row, or of any k between 1 and 10, wait; inserts of
/// k = 0 or 11, and updates of rows outside, do not; the matching rows are locked.
#[test]
fn non_unique_equality_locks_the_gaps_around_its_entries() {
    on_both(|s| {
        gap_table(s);
        let (mut a, mut c) = (s.session(), s.session());
        c.run("set session innodb_lock_wait_timeout = 1");
        a.run("begin");
        assert_eq!(
            a.run("select id from g where k = 5 order by id for update"),
            "3\n5",
            "{}",
            s.name
        );
        let got = answers(
            &mut c,
            &[
                "insert into g values (4, 4, 5)",
                "insert into g values (30, 30, 5)",
                "insert into g values (31, 31, 7)",
                "insert into g values (32, 32, 3)",
                "update g set v = v + 1 where id = 3",
                "insert into g values (33, 33, 11)",
                "insert into g values (34, 34, 0)",
                "update g set v = v + 1 where id = 10",
                "delete from g where id in (33, 34)",
            ],
        );
        let expected = want(&[
            ("insert into g values (4, 4, 5)", "1205"),
            ("insert into g values (30, 30, 5)", "1205"),
            ("insert into g values (31, 31, 7)", "1205"),
            ("insert into g values (32, 32, 3)", "1205"),
            ("update g set v = v + 1 where id = 3", "1205"),
            ("insert into g values (33, 33, 11)", "ok"),
            ("insert into g values (34, 34, 0)", "ok"),
            ("update g set v = v + 1 where id = 10", "ok"),
            ("delete from g where id in (33, 34)", "ok"),
        ]);
        assert_eq!(got, expected, "{}: k = 5", s.name);
        a.run("rollback");
    });
}

/// A locking read over a join locks the rows it reads in its mode: after FOR UPDATE another
/// transaction's FOR SHARE of a joined row of either table waits, after FOR SHARE it does
/// not (and a write of the row waits).
#[test]
fn join_locking_reads_lock_the_rows_they_read() {
    on_both(|s| {
        gap_table(s);
        let (mut a, mut c) = (s.session(), s.session());
        c.run("set session innodb_lock_wait_timeout = 1");
        let join = "select g.id, t.v from g join t on t.id = g.id order by g.id";
        a.run("begin");
        assert_eq!(
            a.run(&format!("{join} for update")),
            "1\t1\n3\t3\n10\t10\n20\t20",
            "{}",
            s.name
        );
        let got = answers(
            &mut c,
            &[
                "select v from t where id = 1 lock in share mode",
                "select v from g where id = 3 lock in share mode",
                "select count(*) from g join t on t.id = g.id",
            ],
        );
        let expected = want(&[
            ("select v from t where id = 1 lock in share mode", "1205"),
            ("select v from g where id = 3 lock in share mode", "1205"),
            ("select count(*) from g join t on t.id = g.id", "ok"),
        ]);
        assert_eq!(got, expected, "{}: for update", s.name);
        a.run("rollback");

        a.run("begin");
        assert_eq!(
            a.run(&format!("{join} lock in share mode")),
            "1\t1\n3\t3\n10\t10\n20\t20",
            "{}",
            s.name
        );
        let got = answers(
            &mut c,
            &[
                "select v from t where id = 1 lock in share mode",
                "select v from g where id = 3 lock in share mode",
                "update t set v = v + 1 where id = 1",
                "update g set v = v + 1 where id = 3",
            ],
        );
        let expected = want(&[
            ("select v from t where id = 1 lock in share mode", "ok"),
            ("select v from g where id = 3 lock in share mode", "ok"),
            ("update t set v = v + 1 where id = 1", "1205"),
            ("update g set v = v + 1 where id = 3", "1205"),
        ]);
        assert_eq!(got, expected, "{}: lock in share mode", s.name);
        a.run("rollback");
    });
}

/// A join locks what its plan reads, no more (it used to lock each covered table whole;
/// multi-table UPDATE and DELETE locked every table they name):
/// `t` by its primary key constant and `u` through its `tid` index lock one row each,
/// so the other rows of both tables and inserts far from them stay free; `t` read by a
/// full scan (no index on `v`) is locked whole, rows and gaps, and `u` looked up by
/// primary key per `t` row only in the row found. The plans are the same on both
/// servers (EXPLAIN: const + ref, ALL + eq_ref).
#[test]
fn join_locking_reads_lock_only_what_their_plan_reads() {
    on_both(|s| {
        s.sql(
            "create table l.u (id int primary key, tid int, w int, key (tid)); \
             insert into l.u values (1,1,100),(2,2,200),(3,3,300),(4,10,400),(5,20,500),(6,1,600)",
        );
        let (mut a, mut c) = (s.session(), s.session());
        c.run("set session innodb_lock_wait_timeout = 1");
        let probes = [
            "update t set v = v where id = 1",
            "update t set v = v where id = 2",
            "update t set v = v where id = 3",
            "update u set w = w where id = 1",
            "update u set w = w where id = 2",
            "update u set w = w where id = 6",
            "insert into u values (50, 30, 0)",
            "insert into t values (50, 50)",
        ];
        let (one, all_t) = (
            ["ok", "1205", "ok", "ok", "1205", "ok", "ok", "ok"],
            ["1205", "1205", "1205", "ok", "1205", "ok", "ok", "1205"],
        );
        let cases = [
            (
                "select t.v, u.w from t join u on u.tid = t.id where t.id = 2 for update",
                "2\t200",
                one,
            ),
            (
                "select t.v, u.w from t join u on u.tid = t.id where t.id = 2 lock in share mode",
                "2\t200",
                one,
            ),
            (
                "select t.v, u.w from t join u on u.id = t.id where t.v = 2 for update",
                "2\t200",
                all_t,
            ),
            // Multi-table UPDATE and DELETE lock what their join reads the same way.
            (
                "update t join u on u.tid = t.id set u.w = u.w + 1 where t.id = 2",
                "",
                one,
            ),
            (
                "delete u from t join u on u.tid = t.id where t.id = 2",
                "",
                one,
            ),
        ];
        for (read, output, codes) in cases {
            a.run("begin");
            assert_eq!(a.run(read), output, "{}: {read}", s.name);
            let got = answers(&mut c, &probes);
            let expected: Vec<(&str, &str)> = probes.iter().copied().zip(codes).collect();
            assert_eq!(got, want(&expected), "{}: {read}", s.name);
            a.run("rollback");
            c.run("delete from u where id = 50");
            c.run("delete from t where id = 50");
        }
        // A lock in share mode leaves the rows to other shared readers.
        a.run("begin");
        a.run("select t.v, u.w from t join u on u.tid = t.id where t.id = 2 lock in share mode");
        assert_eq!(
            c.run("select w from u where id = 2 lock in share mode"),
            "200",
            "{}",
            s.name
        );
        a.run("rollback");
    });
}

/// A range over a non-unique index (`k < 5`, the row with k = 1) locks the first index
/// entry past its end too, with the gap before it (a next-key lock, in MySQL 8.0 as in
/// MariaDB: only unique indexes lock just the gap there): a locking read or delete of the
/// k = 5 rows waits, and so do inserts of k below 5 or of a k = 5 entry before that
/// first one (id 2 < 3); an insert of k = 5 after the other k = 5 entry does not.
#[test]
fn non_unique_range_locks_the_entry_past_its_end() {
    on_both(|s| {
        gap_table(s);
        let (mut a, mut c) = (s.session(), s.session());
        c.run("set session innodb_lock_wait_timeout = 1");
        a.run("begin");
        assert_eq!(a.run("select id from g where k < 5 for update"), "1");
        let got = answers(
            &mut c,
            &[
                "select id from g where k = 5 lock in share mode",
                "delete from g where k = 5",
                "insert into g values (41, 41, 0)",
                "insert into g values (42, 42, 4)",
                "insert into g values (2, 2, 5)",
                "insert into g values (40, 40, 5)",
                "insert into g values (43, 43, 11)",
            ],
        );
        let expected = want(&[
            ("select id from g where k = 5 lock in share mode", "1205"),
            ("delete from g where k = 5", "1205"),
            ("insert into g values (41, 41, 0)", "1205"),
            ("insert into g values (42, 42, 4)", "1205"),
            ("insert into g values (2, 2, 5)", "1205"),
            ("insert into g values (40, 40, 5)", "ok"),
            ("insert into g values (43, 43, 11)", "ok"),
        ]);
        assert_eq!(got, expected, "{}: k < 5", s.name);
        a.run("rollback");
    });
}

/// A transaction's own uncommitted insert is a neighbour too (InnoDB's index holds it):
/// after inserting 7, a locking read of the missing 8 locks the gap (7, 10), not (5, 10),
/// so another transaction's insert of 6 goes through and one of 9 waits.
#[test]
fn an_own_insert_bounds_the_gap_of_a_missing_key() {
    on_both(|s| {
        gap_table(s);
        let (mut a, mut c) = (s.session(), s.session());
        c.run("set session innodb_lock_wait_timeout = 1");
        a.run("begin");
        assert_eq!(a.run("insert into g values (7, 7, 7)"), "", "{}", s.name);
        assert_eq!(a.run("select id from g where id = 8 for update"), "");
        let got = answers(
            &mut c,
            &[
                "insert into g values (9, 9, 9)",
                "insert into g values (6, 6, 6)",
            ],
        );
        let expected = want(&[
            ("insert into g values (9, 9, 9)", "1205"),
            ("insert into g values (6, 6, 6)", "ok"),
        ]);
        assert_eq!(got, expected, "{}: own insert", s.name);
        a.run("rollback");
    });
}

/// The session's `mysql` sessions at READ COMMITTED.
fn read_committed(s: &Server) -> (Session, Session) {
    let (mut a, mut c) = (s.session(), s.session());
    a.run("set session transaction isolation level read committed");
    c.run("set session innodb_lock_wait_timeout = 1");
    (a, c)
}

/// READ COMMITTED reads the newest commits at each statement; REPEATABLE READ keeps the
/// transaction's first snapshot. `SET TRANSACTION` without SESSION sets the next
/// transaction's level only.
#[test]
fn read_committed_reads_each_statement_fresh() {
    on_both(|s| {
        let (mut a, mut c) = (s.session(), s.session());
        a.run("set transaction isolation level read committed");
        a.run("begin");
        assert_eq!(a.run("select count(*) from t"), "5", "{}", s.name);
        c.run("insert into t values (8, 8)");
        assert_eq!(a.run("select count(*) from t"), "6", "{}: fresh", s.name);
        c.run("update t set v = 100 where id = 8");
        assert_eq!(a.run("select v from t where id = 8"), "100", "{}", s.name);
        a.run("commit");
        // The next transaction is REPEATABLE READ again.
        a.run("begin");
        assert_eq!(a.run("select count(*) from t"), "6", "{}", s.name);
        c.run("insert into t values (9, 9)");
        assert_eq!(a.run("select count(*) from t"), "6", "{}: snapshot", s.name);
        a.run("commit");
        // An autocommit SELECT of a table is a transaction: it uses the one-shot level
        // up. A SELECT of no table is none (MariaDB and InnoDB alike).
        for (between, level) in [("select 1", "fresh"), ("select count(*) from t", "kept")] {
            a.run("set transaction isolation level read committed");
            a.run(between);
            a.run("begin");
            let before = a.run("select count(*) from t");
            c.run("insert into t values (11, 11)");
            let after = a.run("select count(*) from t");
            a.run("commit");
            c.run("delete from t where id = 11");
            let saw = if before == after { "kept" } else { "fresh" };
            assert_eq!(saw, level, "{}: {between}", s.name);
        }
        a.run("set session transaction isolation level read committed");
        assert_eq!(
            a.run("select @@tx_isolation"),
            "READ-COMMITTED",
            "{}",
            s.name
        );
        // Changes a READ COMMITTED transaction writes after reading newer commits are
        // checked from what it read: no conflict with what committed before it read.
        a.run("begin");
        c.run("update t set v = 30 where id = 3");
        assert_eq!(a.run("select v from t where id = 3"), "30", "{}", s.name);
        assert_eq!(a.run("insert into t values (4, 4)"), "", "{}", s.name);
        c.run("delete from t where id = 9");
        assert_eq!(a.run("insert into t values (9, 90)"), "", "{}", s.name);
        assert_eq!(a.run("commit"), "", "{}", s.name);
        assert_eq!(
            s.sql("select group_concat(v order by id) from l.t"),
            "1,2,30,4,100,90,10,20",
            "{}",
            s.name
        );
    });
}

/// READ COMMITTED takes no gap locks: a range or a missing key read FOR UPDATE keeps no
/// insert out, only the rows found are locked; two transactions inserting the same id
/// after deleting it while missing end in a duplicate key, not a deadlock.
#[test]
fn read_committed_locks_rows_not_gaps() {
    on_both(|s| {
        let (mut a, mut c) = read_committed(s);
        a.run("begin");
        assert_eq!(
            a.run("select id from t where id between 2 and 9 for update"),
            "2\n3",
            "{}",
            s.name
        );
        assert_eq!(c.run("insert into t values (6, 6)"), "", "{}", s.name);
        assert_eq!(
            a.run("select v from t where id = 7 for update"),
            "",
            "{}",
            s.name
        );
        assert_eq!(c.run("insert into t values (7, 7)"), "", "{}", s.name);
        let waited = c.run("update t set v = 0 where id = 3");
        assert_eq!(err_code(&waited), Some("1205"), "{}: {waited}", s.name);
        // A row committed since is found by the next locking read, and locked.
        assert_eq!(
            a.run("select id from t where id between 2 and 9 for update"),
            "2\n3\n6\n7",
            "{}",
            s.name
        );
        let waited = c.run("delete from t where id = 6");
        assert_eq!(err_code(&waited), Some("1205"), "{}: {waited}", s.name);
        a.run("rollback");

        // UPDATE locks only the rows it changes: rows it passes over and inserts stay free.
        a.run("begin");
        assert_eq!(
            a.run("update t set v = v + 1 where v >= 10"),
            "",
            "{}",
            s.name
        );
        assert_eq!(c.run("update t set v = 0 where id = 1"), "", "{}", s.name);
        assert_eq!(c.run("insert into t values (15, 15)"), "", "{}", s.name);
        let waited = c.run("update t set v = 0 where id = 20");
        assert_eq!(err_code(&waited), Some("1205"), "{}: {waited}", s.name);
        a.run("commit");
        assert_eq!(
            s.sql("select group_concat(v order by id) from l.t"),
            "0,2,3,6,7,11,15,21",
            "{}",
            s.name
        );

        c.run("set session transaction isolation level read committed");
        c.run("set session innodb_lock_wait_timeout = 50");
        a.run("begin");
        c.run("begin");
        assert_eq!(a.run("delete from t where id = 5"), "", "{}", s.name);
        assert_eq!(c.run("delete from t where id = 5"), "", "{}", s.name);
        assert_eq!(a.run("insert into t values (5, 100)"), "", "{}", s.name);
        c.send("insert into t values (5, 200)");
        c.wait_blocked(s, "insert into t values (5, 200)");
        a.run("commit");
        let second = c.outcome();
        assert_eq!(err_code(&second), Some("1062"), "{}: {second}", s.name);
        c.run("commit");
        assert_eq!(s.sql("select v from l.t where id = 5"), "100", "{}", s.name);
    });
}

/// SERIALIZABLE reads a plain SELECT inside a transaction as SELECT ... FOR SHARE: a
/// writer of what it read waits; outside a transaction (autocommit) a SELECT locks nothing.
#[test]
fn serializable_selects_lock_what_they_read() {
    on_both(|s| {
        let (mut a, mut c) = (s.session(), s.session());
        a.run("set session transaction isolation level serializable");
        c.run("set session innodb_lock_wait_timeout = 1");
        assert_eq!(a.run("select v from t where id = 1"), "1", "{}", s.name);
        assert_eq!(c.run("update t set v = 5 where id = 1"), "", "{}", s.name);
        a.run("begin");
        assert_eq!(a.run("select v from t where id = 1"), "5", "{}", s.name);
        let waited = c.run("update t set v = 6 where id = 1");
        assert_eq!(err_code(&waited), Some("1205"), "{}: {waited}", s.name);
        // Shared: another reader's locking read goes through.
        assert_eq!(
            c.run("select v from t where id = 1 lock in share mode"),
            "5",
            "{}",
            s.name
        );
        a.run("commit");
        assert_eq!(c.run("update t set v = 6 where id = 1"), "", "{}", s.name);
    });
}

/// Under READ COMMITTED InnoDB can only be logged as rows: `binlog_format=STATEMENT`
/// refuses DML (1665), MIXED logs rows.
#[test]
fn read_committed_binlogs_rows() {
    on_both(|s| {
        let (mut a, _) = read_committed(s);
        a.run("set session binlog_format = 'STATEMENT'");
        let refused = a.run("insert into t values (4, 4)");
        assert_eq!(err_code(&refused), Some("1665"), "{}: {refused}", s.name);
        assert!(
            refused.contains(
                "InnoDB is limited to row-logging when transaction isolation level is \
                 READ COMMITTED or READ UNCOMMITTED."
            ),
            "{}: {refused}",
            s.name
        );
        a.run("set session transaction isolation level repeatable read");
        assert_eq!(a.run("insert into t values (4, 4)"), "", "{}", s.name);
        a.run("set session transaction isolation level read committed");
        a.run("set session binlog_format = 'MIXED'");
        assert_eq!(a.run("insert into t values (5, 5)"), "", "{}", s.name);
        let events = s.sql("show binlog events");
        let logged_as_text = |stmt: &str| {
            events
                .lines()
                .any(|l| l.contains("\tQuery\t") && l.contains(stmt))
        };
        assert!(
            logged_as_text("insert into t values (4, 4)")
                && !logged_as_text("insert into t values (5, 5)")
                && events.contains("Write_rows"),
            "{}: {events}",
            s.name
        );
        assert_eq!(s.sql("select count(*) from l.t"), "7", "{}", s.name);
    });
}

/// A locking read with a LIMIT, in the order its path reads (no ORDER BY, or ORDER BY
/// the key), locks no further than the rows it returns: the job queue pattern (`ORDER BY
/// id LIMIT 1 FOR UPDATE SKIP LOCKED`) hands each worker its own row, and rows past the
/// limit stay free for other writers.
#[test]
fn limit_locks_only_as_far_as_the_rows_it_returns() {
    on_both(|s| {
        s.sql(
            "create table l.jobs (id int primary key, status varchar(10), key (status)); \
             insert into l.jobs values (1,'new'),(2,'new'),(3,'new'),(4,'done')",
        );
        let (mut a, mut c) = (s.session(), s.session());
        c.run("set session innodb_lock_wait_timeout = 1");
        for w in ["status = 'new'", "id > 0", "1 = 1"] {
            let q =
                format!("select id from jobs where {w} order by id limit 1 for update skip locked");
            a.run("begin");
            c.run("begin");
            assert_eq!(a.run(&q), "1", "{}: {w}", s.name);
            assert_eq!(c.run(&q), "2", "{}: {w}", s.name);
            a.run("commit");
            c.run("commit");
        }
        a.run("begin");
        assert_eq!(
            a.run("select id from jobs where id > 0 order by id limit 1 for update"),
            "1",
            "{}",
            s.name
        );
        assert_eq!(
            c.run("update jobs set status = 'x' where id = 3"),
            "",
            "{}",
            s.name
        );
        assert_eq!(
            c.run("insert into jobs values (12, 'new')"),
            "",
            "{}",
            s.name
        );
        let waited = c.run("update jobs set status = 'y' where id = 1");
        assert_eq!(err_code(&waited), Some("1205"), "{}: {waited}", s.name);
        a.run("commit");
    });
}
