//! Locking in InnoDB's terms, checked on Borealis and on a real MariaDB with the same
//! two-session scripts: locking reads lock the keys they find missing and the ranges they
//! read (gap and next-key locks), NOWAIT and SKIP LOCKED, and sysbench's delete-then-insert
//! under concurrency.
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
    let m = MariaDb::start("locks");
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
