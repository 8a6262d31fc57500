//! Binlog and replication end to end (issue 5): the real `mysqlbinlog` (mariadb-binlog
//! 10.11) reads Borealis' binlog files, locally and from the server; a real MariaDB 10.11
//! replica streams a workload and ends equal (CHECKSUM TABLE); it survives a restart and a
//! `kill -9` of Borealis; replicas seeded from `mysqldump --master-data=2` converge.

mod harness;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use harness::*;

/// Runs SQL on Borealis as the master user; panics on failure.
/// (file, position) of SHOW MASTER STATUS.
fn master_status(b: &Borealis) -> (String, u64) {
    let out = sql(b, "SHOW MASTER STATUS");
    let f: Vec<&str> = out.trim_end().split('\t').collect();
    (f[0].to_string(), f[1].parse().unwrap())
}

/// SHOW BINARY LOGS as (name, size).
fn binary_logs(b: &Borealis) -> Vec<(String, u64)> {
    sql(b, "SHOW BINARY LOGS")
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 3, "{l}");
            assert_eq!(f[2], "No");
            (f[0].to_string(), f[1].parse().unwrap())
        })
        .collect()
}

fn binlog_dir(b: &Borealis) -> PathBuf {
    b.dir.join("binlog").join("borealis")
}

/// A table with (nearly) every column type, and a workload of inserts, updates,
/// deletes, multi-statement transactions and DDL.
const SCHEMA: &str = "
CREATE DATABASE rp;
CREATE TABLE rp.all_types (
  id INT NOT NULL PRIMARY KEY,
  ti TINYINT, si SMALLINT, mi MEDIUMINT, i INT, bi BIGINT, ui INT UNSIGNED, ubi BIGINT UNSIGNED,
  d DECIMAL(12,3), f FLOAT, db DOUBLE,
  c CHAR(10), vc VARCHAR(50), vb VARBINARY(20), t TEXT, b BLOB,
  dt DATE, dtm DATETIME, dtm6 DATETIME(6), ts TIMESTAMP NULL, tm TIME, y YEAR,
  e ENUM('red','green','blue')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE rp.kv (k VARCHAR(20) NOT NULL PRIMARY KEY, v INT NOT NULL, note TEXT, KEY v_idx (v));
CREATE TABLE rp.nopk (a INT, b VARCHAR(10));
";

const WORKLOAD: &str = "
INSERT INTO rp.all_types VALUES
 (1, -128, -32768, -8388608, -2147483648, -9223372036854775808, 4294967295, 18446744073709551615,
  -123456789.123, 1.5, -2.25, 'abc', 'héllo wörld', X'00FF10', 'some text', X'DEADBEEF',
  '2024-02-29', '1999-12-31 23:59:59', '2038-01-19 03:14:07.123456', '2020-01-01 00:00:01', '-838:59:59', 2155, 'green'),
 (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (3, 127, 32767, 8388607, 2147483647, 9223372036854775807, 0, 0, 0.001, 0, 0, '', '', '', '', '',
  '1000-01-01', '1000-01-01 00:00:00', '2024-06-01 12:00:00.5', '2024-06-01 12:00:00', '12:34:56', 1901, 'red'),
 (4, 1, 2, 3, 4, 5, 6, 7, 8.5, 9.25, 10.125, 'ü日本', REPEAT('x', 50), X'01', REPEAT('long ', 400), REPEAT(X'AB', 300),
  '2000-01-01', '2000-01-01 00:00:00', '2000-01-01 00:00:00', NULL, '00:00:00', 2000, 'blue');
UPDATE rp.all_types SET vc = 'updated', i = i - 1 WHERE id IN (3, 4);
DELETE FROM rp.all_types WHERE id = 2;
BEGIN;
INSERT INTO rp.kv VALUES ('a', 1, 'one'), ('b', 2, NULL), ('c', 3, 'three');
UPDATE rp.kv SET v = v * 10 WHERE k <> 'b';
DELETE FROM rp.kv WHERE k = 'b';
INSERT INTO rp.kv VALUES ('b', 20, 'again');
COMMIT;
INSERT INTO rp.nopk VALUES (1, 'x'), (1, 'x'), (2, 'y');
DELETE FROM rp.nopk WHERE a = 2;
ALTER TABLE rp.kv ADD COLUMN extra INT NOT NULL DEFAULT 7;
INSERT INTO rp.kv (k, v) VALUES ('d', 4);
CREATE TABLE rp.gone (x INT PRIMARY KEY);
INSERT INTO rp.gone VALUES (1);
DROP TABLE rp.gone;
CREATE TABLE rp.copy (PRIMARY KEY (k)) AS SELECT k, v * 2 AS v2, CONCAT(k, '!') AS kk, note FROM rp.kv;
BEGIN;
INSERT INTO rp.all_types (id, vc) VALUES (10, 'rolled back');
ROLLBACK;
";

const TABLES: &[&str] = &["rp.all_types", "rp.kv", "rp.nopk", "rp.copy"];

/// `mysqlbinlog` on a local file: the positions it prints chain (each end_log_pos is the
/// next event's `# at`), the last one is the file size, and the decoded rows are there.
fn check_local_file(path: &Path, size: u64) -> String {
    let out = Command::new("mysqlbinlog")
        .args(["-v", "--base64-output=decode-rows"])
        .arg(path)
        .output()
        .expect("mysqlbinlog");
    assert!(
        out.status.success(),
        "mysqlbinlog {}: {}",
        path.display(),
        text(&out.stderr)
    );
    let listing = text(&out.stdout);
    let mut ats = Vec::new();
    let mut ends = Vec::new();
    for l in listing.lines() {
        if let Some(p) = l.strip_prefix("# at ") {
            ats.push(p.trim().parse::<u64>().unwrap());
        }
        if let Some(i) = l.find("end_log_pos ") {
            let rest = &l[i + 12..];
            let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            ends.push(n.parse::<u64>().unwrap());
        }
    }
    assert!(!ats.is_empty(), "{listing}");
    assert_eq!(ats[0], 4);
    assert_eq!(ats.len(), ends.len(), "{listing}");
    for (k, end) in ends.iter().enumerate() {
        let next = ats.get(k + 1).copied().unwrap_or(size);
        assert_eq!(*end, next, "event {k} of {}:\n{listing}", path.display());
    }
    assert_eq!(std::fs::metadata(path).unwrap().len(), size);
    listing
}

#[test]
fn mysqlbinlog_reads_files_and_positions_agree() {
    let b = Borealis::start("binlog-read");
    let out = b.mysql(&[], &format!("{SCHEMA}{WORKLOAD}"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    sql(&b, "FLUSH BINARY LOGS");
    sql(&b, "INSERT INTO rp.kv (k, v) VALUES ('after-flush', 99)");

    let logs = binary_logs(&b);
    assert!(logs.len() >= 2, "{logs:?}");
    let (file, pos) = master_status(&b);
    assert_eq!(&(file.clone(), pos), logs.last().unwrap());

    let mut all = String::new();
    for (name, size) in &logs {
        all.push_str(&check_local_file(&binlog_dir(&b).join(name), *size));
        // SHOW BINLOG EVENTS reports the same positions.
        let ev = sql(&b, &format!("SHOW BINLOG EVENTS IN '{name}'"));
        let last_end: u64 = ev
            .lines()
            .last()
            .unwrap()
            .split('\t')
            .nth(4)
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(last_end, *size, "{ev}");
        let first: Vec<&str> = ev.lines().next().unwrap().split('\t').collect();
        assert_eq!(
            &first[..5],
            &[name.as_str(), "4", "Format_desc", "1", "126"]
        );
    }
    for want in [
        "### INSERT INTO `rp`.`all_types`",
        "### UPDATE `rp`.`all_types`",
        "### DELETE FROM `rp`.`all_types`",
        "### INSERT INTO `rp`.`kv`",
        "'héllo wörld'",
        "ALTER TABLE rp.kv ADD COLUMN extra",
        "DROP TABLE rp.gone",
    ] {
        assert!(all.contains(want), "missing {want:?} in:\n{all}");
    }
    assert!(!all.contains("rolled back"), "a rolled back row was logged");
    // LIMIT and FROM.
    let two = sql(
        &b,
        &format!("SHOW BINLOG EVENTS IN '{}' FROM 126 LIMIT 1, 2", logs[0].0),
    );
    assert_eq!(two.lines().count(), 2, "{two}");

    // From the server, as a replica would read it.
    let remote = Command::new("mysqlbinlog")
        .args([
            "--read-from-remote-server",
            "-h127.0.0.1",
            &format!("-P{}", b.port),
            "-uadmin",
            &format!("-p{PASSWORD}"),
            "-v",
            "--base64-output=decode-rows",
            "--to-last-log",
            &logs[0].0,
        ])
        .output()
        .unwrap();
    assert!(remote.status.success(), "{}", text(&remote.stderr));
    let r = text(&remote.stdout);
    assert!(r.contains("### INSERT INTO `rp`.`all_types`"), "{r}");
    assert!(r.contains("'after-flush'"), "{r}");

    // Replaying the binlogs into a fresh MariaDB reproduces the data.
    let m = MariaDb::start("binlog-replay");
    let paths: Vec<PathBuf> = logs.iter().map(|(n, _)| binlog_dir(&b).join(n)).collect();
    let dump = Command::new("mysqlbinlog").args(&paths).output().unwrap();
    assert!(dump.status.success(), "{}", text(&dump.stderr));
    let load = m.mysql(&[], &text(&dump.stdout));
    assert!(
        load.status.success(),
        "replay failed: {}",
        text(&load.stderr)
    );
    let q = format!("CHECKSUM TABLE {}", TABLES.join(", "));
    assert_eq!(msql(&m, &q), sql(&b, &q));

    // Errors with MySQL's codes.
    let bad = b.mysql(
        &["-e", "PURGE BINARY LOGS TO 'mysql-bin-changelog.999999'"],
        "",
    );
    assert!(
        text(&bad.stderr).contains("ERROR 1373"),
        "{}",
        text(&bad.stderr)
    );
    let bad = b.mysql(&["-e", "SELECT @@no_such_binlog_var"], "");
    assert!(
        text(&bad.stderr).contains("ERROR 1193"),
        "{}",
        text(&bad.stderr)
    );
    sql(&b, &format!("PURGE BINARY LOGS TO '{}'", logs[1].0));
    assert_eq!(binary_logs(&b)[0].0, logs[1].0);
    assert_eq!(
        sql(
            &b,
            "SELECT @@log_bin, @@binlog_format, @@binlog_checksum, @@sync_binlog"
        ),
        "1\tROW\tCRC32\t1\n"
    );
    // SET GLOBAL binlog_checksum rotates to a file without CRCs.
    sql(&b, "SET GLOBAL binlog_checksum = NONE");
    sql(&b, "INSERT INTO rp.kv (k, v) VALUES ('no-crc', 1)");
    let (name, size) = binary_logs(&b).last().unwrap().clone();
    let listing = check_local_file(&binlog_dir(&b).join(&name), size);
    assert!(!listing.contains("CRC32 0x"), "{listing}");
    assert!(listing.contains("'no-crc'"), "{listing}");
}

/// A MariaDB replica streams DDL, DML of every type and sysbench, follows a restart of
/// Borealis, and a second replica seeded from SHOW BINARY LOGS after the restart catches up.
#[test]
fn mariadb_replica_streams_and_survives_restart() {
    let b = Borealis::start("repl");
    create_repl_user(b.port);
    let (file, pos) = master_status(&b);
    let m = replica("repl-replica");
    start_replica(&m, b.port, &file, pos);

    let out = b.mysql(&[], &format!("{SCHEMA}{WORKLOAD}"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    wait_converged(&m, b.port, TABLES);
    let hosts = sql(&b, "SHOW SLAVE HOSTS");
    assert!(hosts.starts_with("2\t127.0.0.1\t"), "{hosts}");

    // sysbench write workload while the replica follows.
    sql(&b, "CREATE DATABASE sb");
    let sb = |args: &[&str]| {
        let out = Command::new("sysbench")
            .args(args)
            .args([
                "--mysql-host=127.0.0.1",
                &format!("--mysql-port={}", b.port),
                "--mysql-user=admin",
                &format!("--mysql-password={PASSWORD}"),
                "--mysql-db=sb",
                "--tables=2",
                "--table-size=500",
            ])
            .output()
            .expect("sysbench");
        assert!(out.status.success(), "{}", text(&out.stdout));
    };
    sb(&["oltp_write_only", "prepare"]);
    sb(&[
        "oltp_write_only",
        "--threads=4",
        "--events=2000",
        "--time=0",
        "run",
    ]);
    wait_converged(&m, b.port, &["sb.sbtest1", "sb.sbtest2"]);

    // A restart opens a new file; the replica reconnects and goes on.
    let mut b = b;
    assert!(b.stop().success());
    let b = b.restart();
    let logs = binary_logs(&b);
    let (prev, prev_size) = logs[logs.len() - 2].clone();
    assert_eq!(master_status(&b), logs.last().unwrap().clone());
    // The seed flow: a copy of the data as of the restart plus the previous file's size.
    let seed = Command::new("mysqldump")
        .args([
            "-h127.0.0.1",
            &format!("-P{}", b.port),
            "-uadmin",
            &format!("-p{PASSWORD}"),
            "--hex-blob",
            "--databases",
            "rp",
        ])
        .output()
        .unwrap();
    assert!(seed.status.success(), "{}", text(&seed.stderr));
    sql(
        &b,
        "UPDATE rp.kv SET v = v + 1; INSERT INTO rp.nopk VALUES (3, 'after')",
    );
    let m2 = replica("repl-seeded");
    let load = m2.mysql(&[], &text(&seed.stdout));
    assert!(load.status.success(), "{}", text(&load.stderr));
    start_replica(&m2, b.port, &prev, prev_size);
    // The replica that followed the restart reports coordinates in the new file.
    sql(&b, "INSERT INTO rp.nopk VALUES (4, 'new file')");
    wait_converged(&m, b.port, TABLES);
    let st = slave_status(&m);
    assert_eq!(
        field(&st, "Master_Log_File"),
        logs.last().unwrap().0,
        "{st}"
    );
    assert_eq!(
        field(&st, "Read_Master_Log_Pos").parse::<u64>().unwrap(),
        master_status(&b).1,
        "{st}"
    );
    sql(&b, "DELETE FROM rp.all_types WHERE id = 4");
    wait_converged(&m, b.port, TABLES);
    wait_converged(&m2, b.port, TABLES);
    wait_converged(&m, b.port, &["sb.sbtest1", "sb.sbtest2"]);
}

/// kill -9 of Borealis during writes with a replica attached: after the restart the
/// replica reconnects and ends equal to Borealis, with every acknowledged commit once.
#[test]
fn kill_9_with_a_replica_attached() {
    let b = Borealis::start("repl-crash");
    create_repl_user(b.port);
    // (The replica skips the account statements: it runs with --skip-grant-tables.)
    let (file, pos) = master_status(&b);
    let m = replica("crash-replica");
    start_replica(&m, b.port, &file, pos);
    sql(&b, "CREATE DATABASE c; CREATE TABLE c.t (id INT PRIMARY KEY, part INT NOT NULL, v VARCHAR(50)); CREATE TABLE c.counter (id INT PRIMARY KEY, n INT NOT NULL); INSERT INTO c.counter VALUES (1, 0)");
    wait_converged(&m, b.port, &["c.t", "c.counter"]);

    let mut client = Command::new("mysql")
        .args([
            "-h127.0.0.1",
            &format!("-P{}", b.port),
            "-uadmin",
            &format!("-p{PASSWORD}"),
            "-N",
            "-B",
            "--unbuffered",
            "c",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut input = client.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        for i in 1..100_000u64 {
            let s = format!(
                "BEGIN;\nINSERT INTO t VALUES ({i}, 1, 'x');\nINSERT INTO t VALUES ({}, 2, 'y');\nUPDATE counter SET n = n + 1;\nCOMMIT;\nSELECT {i};\n",
                i + 1_000_000
            );
            if input.write_all(s.as_bytes()).is_err() {
                break;
            }
        }
    });
    let stdout = client.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut last = 0u64;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Ok(n) = line.trim().parse::<u64>() {
                last = n;
                let _ = tx.send(n);
            }
        }
        last
    });
    // Kill once a good number of transactions were acknowledged.
    while rx.recv().is_ok_and(|n| n < 300) {}
    let mut b = b;
    b.kill9();
    let acked = reader.join().unwrap();
    let _ = client.kill();
    let _ = client.wait();
    let _ = feeder.join();
    let b = b.restart();
    let v: Vec<u64> = sql(&b, "SELECT count(*), sum(part=1), coalesce(max(id * (part=1)), 0), (SELECT n FROM c.counter) FROM c.t")
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    assert!(v[2] >= acked, "acknowledged {acked}, present {v:?}");
    assert_eq!(v[0], 2 * v[1]);
    assert_eq!(v[1], v[3]);
    sql(&b, "INSERT INTO c.t VALUES (0, 0, 'after the crash')");
    wait_converged(&m, b.port, &["c.t", "c.counter"]);
    let st = slave_status(&m);
    assert_eq!(field(&st, "Slave_IO_Running"), "Yes", "{st}");
}

/// The replica's connection is cut in the middle of a transaction, between two of its
/// statements (here by a proxy; in life by a network failure, or by a `kill -9` of
/// Borealis while it was sending a committed transaction). The replica reconnects at the
/// last event it received and must finish the transaction: the Format_description that
/// starts the resumed stream says `created` 0, or MariaDB takes it for a restarted source
/// and rolls back the part it holds, then applies the rest alone.
///
/// (A cut inside one statement's row events stops a MariaDB replica in file/position mode
/// with 1595 "did not receive an expected Rows-log end-of-statement" whatever the source:
/// a MariaDB source gives the same.)
#[test]
fn replica_cut_mid_transaction_finishes_it() {
    let b = Borealis::start("repl-cut");
    create_repl_user(b.port);
    let (file, pos) = master_status(&b);
    let proxy = CutProxy::start(b.port);
    let m = replica("cut-replica");
    start_replica(&m, proxy.port, &file, pos);
    sql(
        &b,
        "CREATE DATABASE cut; CREATE TABLE cut.t (id INT PRIMARY KEY, v VARCHAR(20)); \
         CREATE TABLE cut.u (id INT PRIMARY KEY, n INT)",
    );
    wait_converged(&m, b.port, &["cut.t", "cut.u"]);
    // BEGIN, then Table_map + rows for each statement, then the Xid: cut after the
    // second statement's rows (event 5 of 10).
    proxy.cut_after_events(5);
    sql(
        &b,
        "BEGIN; INSERT INTO cut.t VALUES (1, 'a'); INSERT INTO cut.u VALUES (1, 1); \
         INSERT INTO cut.t VALUES (2, 'b'); UPDATE cut.u SET n = n + 1; COMMIT",
    );
    wait_converged(&m, b.port, &["cut.t", "cut.u"]);
    assert_eq!(proxy.cuts(), 1, "the proxy never cut the stream");
    assert_eq!(
        msql(&m, "SELECT count(*), (SELECT n FROM cut.u) FROM cut.t").trim(),
        "2\t2"
    );
    // The stream goes on after the cut.
    sql(&b, "INSERT INTO cut.t VALUES (3, 'c')");
    wait_converged(&m, b.port, &["cut.t", "cut.u"]);
}

/// An OS crash can drop binlog writes that were never fsynced (Borealis fsyncs only its
/// log at commit; the commit records hold the events, or for row-logged transactions what
/// renders them again from the records' row images). Simulated here: after `kill -9`
/// the active binlog file loses everything after its header (cut, then zero-filled back
/// to its old length, as a file system may leave it). At restart the events come back
/// from the log byte for byte, `mysqlbinlog` reads the file, and replaying it into a
/// fresh MariaDB reproduces the data.
#[test]
fn binlog_events_lost_in_an_os_crash_come_back_from_the_log() {
    let mut b = Borealis::start("binlog-os-crash");
    let (file, header_end) = master_status(&b);
    let out = b.mysql(&[], &format!("{SCHEMA}{WORKLOAD}"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    for i in 0..200 {
        sql(
            &b,
            &format!("INSERT INTO rp.kv (k, v) VALUES ('k{i}', {i})"),
        );
    }
    let (end_file, end) = master_status(&b);
    assert_eq!(end_file, file, "no rotation expected");
    let want = sql(&b, &format!("CHECKSUM TABLE {}", TABLES.join(", ")));
    b.kill9();

    let path = binlog_dir(&b).join(&file);
    let before = std::fs::read(&path).unwrap();
    assert_eq!(before.len() as u64, end);
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(header_end).unwrap();
    f.set_len(end).unwrap();
    drop(f);

    let b = b.restart();
    let after = std::fs::read(&path).unwrap();
    assert_eq!(after.len(), before.len());
    // Byte for byte after the header (whose in-use flag the restart cleared).
    let h = header_end as usize;
    assert!(after[h..] == before[h..], "the restored events differ");
    assert!(b.log_text().contains("written back from the log"));
    check_local_file(&path, end);

    let m = MariaDb::start("binlog-os-crash-replay");
    let dump = Command::new("mysqlbinlog").arg(&path).output().unwrap();
    assert!(dump.status.success(), "{}", text(&dump.stderr));
    let load = m.mysql(&[], &text(&dump.stdout));
    assert!(
        load.status.success(),
        "replay failed: {}",
        text(&load.stderr)
    );
    let q = format!("CHECKSUM TABLE {}", TABLES.join(", "));
    assert_eq!(msql(&m, &q), want);
    assert_eq!(sql(&b, &q), want);
}

/// Replicas loaded from `mysqldump --master-data=2` (with and without
/// --single-transaction) start at the dump's coordinate and converge, while writes run
/// during the single-transaction dump.
#[test]
fn mysqldump_master_data_coordinates_converge() {
    let b = Borealis::start("repl-dump");
    create_repl_user(b.port);
    sql(
        &b,
        "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v INT NOT NULL)",
    );
    sql(&b, "INSERT INTO d.t VALUES (1, 1), (2, 2), (3, 3)");
    for single in [false, true] {
        let port = b.port;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop2 = stop.clone();
        let base = if single { 1_000 } else { 100 };
        let writer = std::thread::spawn(move || {
            let mut i = 0;
            while !stop2.load(std::sync::atomic::Ordering::Relaxed) && i < 200 {
                i += 1;
                let q = format!(
                    "INSERT INTO d.t VALUES ({}, {i}); UPDATE d.t SET v = v + 1 WHERE id = 1",
                    base + i
                );
                let out = mysql(port, "admin", PASSWORD, &["-e", &q], "");
                assert!(out.status.success(), "{}", text(&out.stderr));
            }
        });
        let mut args = vec![
            "-h127.0.0.1".to_string(),
            format!("-P{}", b.port),
            "-uadmin".into(),
            format!("-p{PASSWORD}"),
            "--master-data=2".into(),
            "--databases".into(),
            "d".into(),
        ];
        if single {
            args.push("--single-transaction".into());
        }
        let dump = Command::new("mysqldump").args(&args).output().unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        writer.join().unwrap();
        assert!(dump.status.success(), "{}", text(&dump.stderr));
        let dump = text(&dump.stdout);
        let line = dump
            .lines()
            .find(|l| l.starts_with("-- CHANGE MASTER TO MASTER_LOG_FILE="))
            .unwrap_or_else(|| panic!("no coordinate in the dump:\n{dump}"));
        let file = line.split('\'').nth(1).unwrap().to_string();
        let pos: u64 = line
            .rsplit("MASTER_LOG_POS=")
            .next()
            .unwrap()
            .trim_end_matches(';')
            .parse()
            .unwrap();
        let m = replica(if single { "dump-single" } else { "dump-ftwrl" });
        let load = m.mysql(&[], &dump);
        assert!(load.status.success(), "{}", text(&load.stderr));
        start_replica(&m, b.port, &file, pos);
        sql(&b, "INSERT INTO d.t VALUES (99999, 0)");
        wait_converged(&m, b.port, &["d.t"]);
        sql(&b, "DELETE FROM d.t WHERE id = 99999");
        wait_converged(&m, b.port, &["d.t"]);
    }
}

/// The migration rehearsal (issue 6 item 5): clone the cluster while writes run, seed a
/// MariaDB replica from a dump of the clone, then replicate from the source starting at
/// the clone's recorded binlog coordinate: the replica misses and repeats nothing.
#[test]
fn replica_seeded_from_a_clone_continues_at_its_coordinate() {
    let b = Borealis::start("repl-clone");
    create_repl_user(b.port);
    sql(
        &b,
        "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v INT NOT NULL)",
    );
    let port = b.port;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let writer = std::thread::spawn(move || {
        let mut i = 0;
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) || i < 50 {
            i += 1;
            let q = format!(
                "INSERT INTO d.t VALUES ({i}, {i}); UPDATE d.t SET v = v + 1 WHERE id = {}",
                i / 2 + 1
            );
            let out = mysql(port, "admin", PASSWORD, &["-e", &q], "");
            assert!(out.status.success(), "{}", text(&out.stderr));
        }
    });
    // Let some writes land, then clone in the middle of them.
    while sql(&b, "SELECT COUNT(*) FROM d.t")
        .trim()
        .parse::<u32>()
        .unwrap()
        < 20
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let (status, xml) = b.api(&[
        ("Action", "RestoreDBClusterToPointInTime"),
        ("SourceDBClusterIdentifier", "borealis"),
        ("DBClusterIdentifier", "rehearsal"),
        ("RestoreType", "copy-on-write"),
        ("UseLatestRestorableTime", "true"),
    ]);
    assert_eq!(status, 200, "{xml}");
    let file = xml_value(&xml, "BorealisSourceBinlogFile").expect("coordinate");
    let pos: u64 = xml_value(&xml, "BorealisSourceBinlogPosition")
        .unwrap()
        .parse()
        .unwrap();
    let clone_port = b.api_instance("rehearsal", "rehearsal-1");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    // The clone's status variables say the same coordinate.
    let st = text(
        &mysql(
            clone_port,
            "admin",
            PASSWORD,
            &[
                "-N",
                "-B",
                "-e",
                "SHOW STATUS LIKE 'Borealis_clone_source_binlog%'",
            ],
            "",
        )
        .stdout,
    );
    assert_eq!(
        st.trim(),
        format!("Borealis_clone_source_binlog_file\t{file}\nBorealis_clone_source_binlog_position\t{pos}")
    );
    let dump = Command::new("mysqldump")
        .args([
            "-h127.0.0.1",
            &format!("-P{clone_port}"),
            "-uadmin",
            &format!("-p{PASSWORD}"),
            "--databases",
            "d",
        ])
        .output()
        .unwrap();
    assert!(dump.status.success(), "{}", text(&dump.stderr));
    let m = replica("from-clone");
    let load = m.mysql(&[], &text(&dump.stdout));
    assert!(load.status.success(), "{}", text(&load.stderr));
    let at_clone: u32 = msql(&m, "SELECT COUNT(*) FROM d.t").trim().parse().unwrap();
    let now: u32 = sql(&b, "SELECT COUNT(*) FROM d.t").trim().parse().unwrap();
    assert!(
        at_clone >= 20 && at_clone < now,
        "the clone is a point in the middle: {at_clone} of {now}"
    );
    start_replica(&m, b.port, &file, pos);
    wait_converged(&m, b.port, &["d.t"]);
}

/// A MIXED workload: statements that are safe as text (AUTO_INCREMENT inserts, NOW(),
/// LAST_INSERT_ID(), user variables, RAND() in INSERT ... VALUES with its Rand event) and
/// unsafe ones (RAND() in UPDATE, UUID(), DELETE ... LIMIT, a transaction mixing both).
const MIXED_SCHEMA: &str = "
CREATE DATABASE mx;
CREATE TABLE mx.ai (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64), ts DATETIME, r DOUBLE, n INT);
CREATE TABLE mx.kv (k INT PRIMARY KEY, v INT, u VARCHAR(40), KEY v_idx (v));
CREATE TABLE mx.stmt (id INT PRIMARY KEY, u VARCHAR(40));
";

const MIXED_WORKLOAD: &str = r"
USE mx;
INSERT INTO ai (v, ts) VALUES ('first', NOW()), ('it''s', NOW()), ('back\\slash', CURRENT_TIMESTAMP);
INSERT INTO kv VALUES (1, LAST_INSERT_ID(), 'lid');
SET @n = 7, @s = 'user var', @d = 2.5;
INSERT INTO ai (v, n) VALUES (@s, @n);
INSERT INTO kv VALUES (2, @n * 2, CONCAT(@s, '!')), (3, LAST_INSERT_ID(), NULL);
UPDATE ai SET r = @d WHERE id = 1;
INSERT INTO ai (v, r) VALUES ('rand', RAND());
SELECT RAND(), RAND();
INSERT INTO ai (v, r, n) VALUES ('rand2', RAND(), FLOOR(RAND(3) * 1000)), ('rand3', RAND(), FLOOR(RAND(3) * 1000));
UPDATE ai SET r = RAND() WHERE id = 1;
INSERT INTO ai (v) VALUES (UUID());
BEGIN;
INSERT INTO ai (v, ts) VALUES ('in txn', NOW());
UPDATE kv SET u = 'txn' WHERE k = 2;
COMMIT;
BEGIN;
UPDATE kv SET v = v + 1 WHERE k = 3;
UPDATE ai SET v = UUID() WHERE id = 2;
COMMIT;
DELETE FROM ai WHERE v = 'rand' LIMIT 1;
UPDATE ai SET n = id * 10 ORDER BY id;
UPDATE kv JOIN ai ON ai.id = kv.k SET kv.u = CONCAT('joined ', ai.id), ai.n = kv.v WHERE kv.k = 2;
DELETE ai, kv FROM ai JOIN kv ON kv.k = ai.id WHERE kv.k = 3;
SET @c = 100;
UPDATE ai SET r = (@c := @c + 1) ORDER BY id;
";

const MIXED_TABLES: &[&str] = &["mx.ai", "mx.kv", "sb.sbtest1", "sb.sbtest2"];

/// Runs sysbench against Borealis' `sb` database (2 tables of 500 rows).
fn sysbench(b: &Borealis, args: &[&str]) {
    let out = Command::new("sysbench")
        .args(args)
        .args([
            "--mysql-host=127.0.0.1",
            &format!("--mysql-port={}", b.port),
            "--mysql-user=admin",
            &format!("--mysql-password={PASSWORD}"),
            "--mysql-db=sb",
            "--tables=2",
            "--table-size=500",
        ])
        .output()
        .expect("sysbench");
    assert!(out.status.success(), "{}", text(&out.stdout));
}

/// binlog_format=MIXED: safe DML is logged as Query events with its Intvar and User_var
/// context (prepared statements with their parameters as literals), unsafe DML and
/// transactions holding any as rows; a MariaDB replica streaming it (and sysbench
/// oltp_write_only) and a fresh MariaDB fed `mysqlbinlog` output both end equal.
#[test]
fn mixed_format_statements_replicate_and_replay() {
    let b = Borealis::start("mixed");
    create_repl_user(b.port);
    sql(&b, "SET GLOBAL binlog_format = 'MIXED'");
    let (file, pos) = master_status(&b);
    let m = replica("mixed-replica");
    start_replica(&m, b.port, &file, pos);

    let out = b.mysql(&[], &format!("{MIXED_SCHEMA}{MIXED_WORKLOAD}"));
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Write skew: a statement that read rows another transaction changed before this
    // one committed would replay differently in commit order, so it is logged as rows.
    let mut a = Command::new("mysql")
        .args([
            "-h127.0.0.1",
            &format!("-P{}", b.port),
            "-uadmin",
            &format!("-p{PASSWORD}"),
            "-N",
            "-B",
            "--unbuffered",
            "mx",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut a_in = a.stdin.take().unwrap();
    let mut a_out = std::io::BufReader::new(a.stdout.take().unwrap());
    let mut step = |input: &mut std::process::ChildStdin, s: &str, mark: &str| {
        use std::io::BufRead;
        input
            .write_all(format!("{s}\nSELECT '{mark}';\n").as_bytes())
            .unwrap();
        let mut line = String::new();
        while line.trim() != mark {
            line.clear();
            assert!(a_out.read_line(&mut line).unwrap() > 0, "session A ended");
        }
    };
    step(
        &mut a_in,
        "BEGIN; UPDATE kv SET u = 'skew' WHERE v > 100; INSERT INTO kv VALUES (9, 9, 'a');",
        "a1",
    );
    // As in InnoDB, the range A's UPDATE read (v > 100 on v_idx) is locked: moving row 1
    // into it waits for A's commit instead of skewing A's statement. A then replays the
    // same in commit order (it may be logged as its statement); the waiter read rows
    // committed after its snapshot, so it is logged as rows. The replica ends equal.
    let port = b.port;
    let moved = std::thread::spawn(move || {
        mysql(
            port,
            "admin",
            PASSWORD,
            &["-e", "UPDATE mx.kv SET v = 1000 WHERE k = 1"],
            "",
        )
    });
    std::thread::sleep(Duration::from_millis(500));
    step(&mut a_in, "COMMIT;", "a2");
    let moved = moved.join().unwrap();
    assert!(moved.status.success(), "{}", text(&moved.stderr));
    drop(a_in);
    assert!(a.wait().unwrap().success());
    assert_eq!(sql(&b, "SELECT u FROM mx.kv WHERE k = 1"), "lid\n");

    // STATEMENT logs even unsafe statements, with warning 1592.
    let w = sql(
        &b,
        "SET SESSION binlog_format = 'STATEMENT'; INSERT INTO mx.stmt VALUES (1, UUID()); SHOW WARNINGS",
    );
    assert!(w.contains("1592"), "{w}");

    // sysbench: its prepare inserts AUTO_INCREMENT rows; one thread runs prepared
    // statements (all logged as statements), then four concurrently.
    sql(&b, "CREATE DATABASE sb");
    sysbench(&b, &["oltp_write_only", "prepare"]);
    sysbench(
        &b,
        &[
            "oltp_write_only",
            "--threads=1",
            "--events=30",
            "--time=0",
            "run",
        ],
    );
    sysbench(
        &b,
        &[
            "oltp_write_only",
            "--threads=4",
            "--events=1500",
            "--time=0",
            "run",
        ],
    );
    wait_converged(&m, b.port, MIXED_TABLES);

    let logs = binary_logs(&b);
    let mut listing = String::new();
    for (name, size) in &logs {
        listing.push_str(&check_local_file(&binlog_dir(&b).join(name), *size));
    }
    for want in [
        "SET INSERT_ID=1/*!*/;",
        "INSERT INTO ai (v, ts) VALUES ('first', NOW()), ('it''s', NOW()), ('back\\\\slash', CURRENT_TIMESTAMP)",
        "SET LAST_INSERT_ID=1/*!*/;",
        "INSERT INTO kv VALUES (1, LAST_INSERT_ID(), 'lid')",
        "SET @`n`:=7/*!*/;",
        "INSERT INTO kv VALUES (2, @n * 2, CONCAT(@s, '!')), (3, LAST_INSERT_ID(), NULL)",
        "UPDATE kv SET u = 'txn' WHERE k = 2",
        "UPDATE ai SET n = id * 10 ORDER BY id",
        "INSERT INTO mx.stmt VALUES (1, UUID())",
        // RAND() goes on from the session's seeds, which the Rand event carries.
        "SET @@RAND_SEED1=",
        "INSERT INTO ai (v, r) VALUES ('rand', RAND())",
        "FLOOR(RAND(3) * 1000)), ('rand3', RAND()",
        // RAND() in UPDATE, UUID(), the transaction holding one, DELETE ... LIMIT: rows.
        "### INSERT INTO `mx`.`ai`",
        "### UPDATE `mx`.`kv`",
        "### DELETE FROM `mx`.`ai`",
        // sysbench's prepared statements, parameters substituted.
        "UPDATE sbtest1 SET k=k+1 WHERE id=",
        "DELETE FROM sbtest1 WHERE id=",
    ] {
        assert!(listing.contains(want), "missing {want:?} in:\n{listing}");
    }
    for unwanted in [
        "SET r = RAND()",
        "VALUES (UUID())",
        "UPDATE kv SET v = v + 1 WHERE k = 3",
        "LIMIT 1",
        "WHERE id=?",
        // Multi-table UPDATE/DELETE are unsafe as statements (rows reached through a
        // join in an order the replica may not share): rows.
        "JOIN ai ON",
        "JOIN kv ON",
    ] {
        assert!(
            !listing.contains(unwanted),
            "{unwanted:?} was logged as a statement:\n{listing}"
        );
    }

    // Replaying the binlogs from the same coordinate into a fresh MariaDB.
    let fresh = MariaDb::start("mixed-replay");
    let paths: Vec<PathBuf> = logs.iter().map(|(n, _)| binlog_dir(&b).join(n)).collect();
    let start = logs.iter().position(|(n, _)| *n == file).unwrap();
    let dump = Command::new("mysqlbinlog")
        .arg(format!("--start-position={pos}"))
        .args(&paths[start..])
        .output()
        .unwrap();
    assert!(dump.status.success(), "{}", text(&dump.stderr));
    let load = fresh.mysql(&[], &text(&dump.stdout));
    assert!(load.status.success(), "replay: {}", text(&load.stderr));
    let q = format!("CHECKSUM TABLE {}", MIXED_TABLES.join(", "));
    assert_eq!(msql(&fresh, &q), sql(&b, &q));
}

/// python-mysql-replication (PyPI `mysql-replication`), the CDC library many pipelines
/// use, decodes Borealis' row events with column names and values when
/// `binlog_row_metadata=FULL` (tests/cdc_stream.py does the writes and the checks).
#[test]
fn python_mysql_replication_decodes_rows_with_names() {
    let b = Borealis::start("cdc-python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tests")
        .join("cdc_stream.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(b.port.to_string())
        .arg(PASSWORD)
        .output()
        .expect("python3 (scripts/test.sh installs mysql-replication)");
    assert!(
        out.status.success(),
        "{}\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr),
        b.log_text()
    );
    assert!(text(&out.stdout).contains("cdc ok: 5 row events"));
}
