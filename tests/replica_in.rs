//! Replication into Borealis (issue 26), end to end with the real binaries: the migration
//! rehearsal (a Borealis cluster under write load, cloned with the aws CLI, the clone
//! replicating from the coordinate `describe-events` reports through Aurora's
//! `mysql.rds_*` procedures until CHECKSUM TABLE agrees), a MariaDB 10.11 source in MIXED
//! format, `kill -9` of a replica in the middle of the stream (nothing lost, nothing
//! applied twice), and an apply error that stops the applier and is skipped.

mod harness;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::*;

/// `SHOW REPLICA STATUS\G` on a Borealis endpoint.
fn replica_status(port: u16) -> String {
    let out = mysql(
        port,
        "admin",
        PASSWORD,
        &["-e", "SHOW REPLICA STATUS\\G"],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// (file, position) of SHOW MASTER STATUS.
fn master_status(port: u16) -> (String, u64) {
    let out = admin_sql(port, "SHOW MASTER STATUS");
    let f: Vec<&str> = out.trim_end().split('\t').collect();
    (f[0].to_string(), f[1].parse().unwrap())
}

/// Runs SQL and returns (success, stdout, stderr).
fn try_sql(port: u16, q: &str) -> (bool, String, String) {
    let out = mysql(port, "admin", PASSWORD, &["-N", "-B", "-e", q], "");
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

/// Waits until the Borealis replica on `replica` has applied everything the source's
/// SHOW MASTER STATUS (`source_coord`) shows, with Seconds_Behind_Source 0, then checks
/// CHECKSUM TABLE of `tables` against `source_sums`. Fails at once on an IO or SQL error.
fn wait_applied(replica: u16, coord: &(String, u64), tables: &[&str], source_sums: &str) {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let st = replica_status(replica);
        assert_eq!(field(&st, "Last_SQL_Errno"), "0", "{st}");
        assert_eq!(field(&st, "Last_IO_Errno"), "0", "{st}");
        if field(&st, "Relay_Source_Log_File") == coord.0
            && field(&st, "Exec_Source_Log_Pos") == coord.1.to_string()
            && field(&st, "Seconds_Behind_Source") == "0"
        {
            assert_eq!(field(&st, "Replica_IO_Running"), "Yes", "{st}");
            assert_eq!(field(&st, "Replica_SQL_Running"), "Yes", "{st}");
            assert_eq!(
                field(&st, "Read_Source_Log_Pos"),
                coord.1.to_string(),
                "{st}"
            );
            let q = format!("CHECKSUM TABLE {}", tables.join(", "));
            assert_eq!(admin_sql(replica, &q), source_sums);
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the replica did not reach {coord:?}:\n{st}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A writer on `port` until `stop`: each round a transaction of inserts and updates, an
/// autocommit insert into a table without a primary key (a doubled apply would double its
/// rows), and a delete.
fn writer(port: u16, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u32> {
    std::thread::spawn(move || {
        let mut i = 0u32;
        while !stop.load(Ordering::Relaxed) || i < 30 {
            i += 1;
            let q = format!(
                "BEGIN; INSERT INTO d.t VALUES ({i}, {i}, REPEAT('x', {i} % 40), NOW(3), {i}.25); \
                 UPDATE d.t SET v = v + 1, s = CONCAT('u', {i}) WHERE id = {half}; COMMIT; \
                 INSERT INTO d.nopk VALUES ({i}, 'n{i}'); \
                 DELETE FROM d.t WHERE id = {gone}",
                half = i / 2 + 1,
                gone = i.saturating_sub(7) * 3,
            );
            let (ok, _, err) = try_sql(port, &q);
            assert!(ok, "{q}: {err}");
        }
        i
    })
}

const SCHEMA: &str = "CREATE DATABASE d; \
    CREATE TABLE d.t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(40), ts TIMESTAMP(3) NULL, dec1 DECIMAL(10,2), KEY v_idx (v)); \
    CREATE TABLE d.nopk (a INT, b VARCHAR(10))";

const TABLES: &[&str] = &["d.t", "d.nopk"];

fn count(port: u16, q: &str) -> u64 {
    admin_sql(port, q).trim().parse().unwrap()
}

/// The seed flow of the migration rehearsal, as a user runs it with the aws CLI and
/// Aurora's procedures.
#[test]
fn clone_replicates_from_its_coordinate_until_checksums_match() {
    let b = Borealis::start("rin-seed");
    create_repl_user(b.port);
    admin_sql(b.port, SCHEMA);
    let stop = Arc::new(AtomicBool::new(false));
    let w = writer(b.port, stop.clone());
    while count(b.port, "SELECT COUNT(*) FROM d.nopk") < 10 {
        std::thread::sleep(Duration::from_millis(20));
    }
    // Clone under load with the aws CLI.
    let out = b.aws(&[
        "restore-db-cluster-to-point-in-time",
        "--restore-type",
        "copy-on-write",
        "--use-latest-restorable-time",
        "--source-db-cluster-identifier",
        "borealis",
        "--db-cluster-identifier",
        "rehearsal",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let st = b.aws(&[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "rehearsal",
            "--query",
            "DBClusters[0].Status",
            "--output",
            "text",
        ]);
        if text(&st.stdout).trim() == "available" {
            break;
        }
        assert!(Instant::now() < deadline, "{}", text(&st.stdout));
        std::thread::sleep(Duration::from_millis(100));
    }
    let clone_port = b.api_instance("rehearsal", "rehearsal-1");
    let events = text(
        &b.aws(&[
            "describe-events",
            "--source-identifier",
            "rehearsal",
            "--source-type",
            "db-cluster",
            "--query",
            "Events[].Message",
            "--output",
            "text",
        ])
        .stdout,
    );
    let coord = events
        .split("Binlog position from crash recovery is ")
        .nth(1)
        .unwrap_or_else(|| panic!("no binlog coordinate: {events}"));
    let mut c = coord.split_whitespace();
    let (file, pos) = (c.next().unwrap().to_string(), c.next().unwrap().to_string());
    let at_clone = count(clone_port, "SELECT COUNT(*) FROM d.nopk");

    // Before: nothing configured.
    assert_eq!(replica_status(clone_port), "");
    let (ok, _, err) = try_sql(clone_port, "START REPLICA");
    assert!(!ok && err.contains("ERROR 1200"), "{err}");

    let set = format!(
        "CALL mysql.rds_set_external_source('127.0.0.1', {}, 'repl', '{REPL_PW}', '{file}', {pos}, 0)",
        b.port
    );
    admin_sql(clone_port, &set);
    let st = replica_status(clone_port);
    assert_eq!(field(&st, "Source_Log_File"), file, "{st}");
    assert_eq!(field(&st, "Exec_Source_Log_Pos"), pos, "{st}");
    assert_eq!(field(&st, "Replica_IO_Running"), "No", "{st}");
    assert_eq!(field(&st, "Seconds_Behind_Source"), "NULL", "{st}");
    let started = admin_sql(clone_port, "CALL mysql.rds_start_replication");
    assert_eq!(started.trim(), "Slave running normally.");

    // Let the clone follow the load for a while, then stop the load and catch up.
    let deadline = Instant::now() + Duration::from_secs(120);
    while count(clone_port, "SELECT COUNT(*) FROM d.nopk") < at_clone + 10 {
        let st = replica_status(clone_port);
        assert_eq!(field(&st, "Last_SQL_Errno"), "0", "{st}");
        assert_eq!(field(&st, "Last_IO_Errno"), "0", "{st}");
        assert!(Instant::now() < deadline, "no progress:\n{st}");
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    let rounds = w.join().unwrap();
    // DDL and a statement with session state go through too.
    admin_sql(
        b.port,
        "ALTER TABLE d.t ADD COLUMN extra INT NOT NULL DEFAULT 7; \
         SET time_zone = '+05:00'; INSERT INTO d.t (id, v, ts) VALUES (100000, 1, '2024-01-01 10:00:00')",
    );
    let sums = admin_sql(b.port, "CHECKSUM TABLE d.t, d.nopk");
    wait_applied(clone_port, &master_status(b.port), TABLES, &sums);
    assert_eq!(
        count(clone_port, "SELECT COUNT(*) FROM d.nopk"),
        u64::from(rounds)
    );
    // The replica's binlog has the applied transactions (log_replica_updates) with the
    // source's server id.
    let src_id = admin_sql(b.port, "SELECT @@server_id");
    let (clone_file, _) = master_status(clone_port);
    let evs = admin_sql(clone_port, &format!("SHOW BINLOG EVENTS IN '{clone_file}'"));
    assert!(
        evs.lines()
            .any(|l| l.contains("Write_rows") && l.split('\t').nth(3) == Some(src_id.trim())),
        "{evs}"
    );

    // Stop, cut over: writes on the clone do not go back.
    let stopped = admin_sql(clone_port, "CALL mysql.rds_stop_replication");
    assert_eq!(stopped.trim(), "Replica is down or disabled");
    let st = replica_status(clone_port);
    assert_eq!(field(&st, "Replica_IO_Running"), "No", "{st}");
    assert_eq!(field(&st, "Replica_SQL_Running"), "No", "{st}");
    // Fallback: the old source follows the new primary.
    create_repl_user(clone_port);
    let (cf, cp) = master_status(clone_port);
    admin_sql(
        b.port,
        &format!(
            "CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT={clone_port}, \
             SOURCE_USER='repl', SOURCE_PASSWORD='{REPL_PW}', SOURCE_LOG_FILE='{cf}', \
             SOURCE_LOG_POS={cp}, SOURCE_CONNECT_RETRY=1; START REPLICA"
        ),
    );
    admin_sql(
        clone_port,
        "INSERT INTO d.nopk VALUES (-1, 'cutover'); UPDATE d.t SET v = -v WHERE id < 10",
    );
    let sums = admin_sql(clone_port, "CHECKSUM TABLE d.t, d.nopk");
    wait_applied(b.port, &master_status(clone_port), TABLES, &sums);
    // The old source's own binlog now carries the clone's transactions; the clone's
    // RESET through Aurora's procedure forgets its source.
    admin_sql(clone_port, "CALL mysql.rds_reset_external_source");
    assert_eq!(replica_status(clone_port), "");
    admin_sql(b.port, "STOP REPLICA; RESET REPLICA ALL");
}

/// A MariaDB 10.11 source writing MIXED binlogs (statements with their session state,
/// rows for unsafe statements, Gtid events) feeds a Borealis replica.
#[test]
fn mariadb_source_in_mixed_format_feeds_a_borealis_replica() {
    let m = MariaDb::start_with(
        "rin-src",
        &[
            "--server-id=7",
            "--log-bin=mariadb-bin",
            "--binlog-format=MIXED",
        ],
    );
    let b = Borealis::start("rin-from-maria");
    admin_sql(
        b.port,
        &format!(
            "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={}, MASTER_USER='root', \
             MASTER_PASSWORD='', MASTER_LOG_FILE='mariadb-bin.000001', MASTER_LOG_POS=4, \
             MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1; START SLAVE",
            m.port
        ),
    );
    let workload = r"
CREATE DATABASE mx;
USE mx;
CREATE TABLE ai (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64), ts DATETIME, r DOUBLE, n INT) ENGINE=InnoDB;
CREATE TABLE kv (k INT PRIMARY KEY, v INT, u VARCHAR(40), d DECIMAL(12,3), t TIME(2), e ENUM('a','b','c'), KEY v_idx (v)) ENGINE=InnoDB;
CREATE TABLE nopk (a INT, b VARCHAR(10)) ENGINE=InnoDB;
INSERT INTO ai (v, ts) VALUES ('first', NOW()), ('it''s', NOW()), ('back\\slash', CURRENT_TIMESTAMP);
INSERT INTO kv VALUES (1, LAST_INSERT_ID(), 'lid', -12.5, '-10:00:00.5', 'b');
SET @n = 7, @s = 'user var', @d = 2.5;
INSERT INTO ai (v, n) VALUES (@s, @n);
INSERT INTO kv VALUES (2, @n * 2, CONCAT(@s, '!'), @d, '01:02:03', 'c'), (3, LAST_INSERT_ID(), NULL, NULL, NULL, NULL);
UPDATE ai SET r = @d WHERE id = 1;
INSERT INTO ai (v, r) VALUES ('rand', RAND(5));
UPDATE ai SET r = RAND() WHERE id = 2;
INSERT INTO ai (v) VALUES (UUID());
BEGIN;
INSERT INTO ai (v, ts) VALUES ('in txn', NOW());
UPDATE kv SET u = 'txn', d = d * 2 WHERE k = 2;
COMMIT;
BEGIN;
UPDATE kv SET v = v + 1 WHERE k = 3;
UPDATE ai SET v = UUID() WHERE id = 2;
COMMIT;
INSERT INTO nopk VALUES (1, 'x'), (1, 'x'), (2, 'y');
DELETE FROM nopk WHERE a = 1 LIMIT 1;
DELETE FROM ai WHERE v = 'rand' LIMIT 1;
UPDATE ai SET n = id * 10 ORDER BY id;
SET time_zone = '+03:00';
INSERT INTO ai (v, ts) VALUES ('tz', FROM_UNIXTIME(1700000000));
ALTER TABLE kv ADD COLUMN extra INT NOT NULL DEFAULT 5;
";
    let out = m.mysql(&[], workload);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let tables = ["mx.ai", "mx.kv", "mx.nopk"];
    let q = format!("CHECKSUM TABLE {}", tables.join(", "));
    let want = msql(&m, &q);
    let st = msql(&m, "SHOW MASTER STATUS");
    let f: Vec<&str> = st.trim_end().split('\t').collect();
    wait_applied(
        b.port,
        &(f[0].to_string(), f[1].parse().unwrap()),
        &tables,
        &want,
    );
    let st = replica_status(b.port);
    assert_eq!(field(&st, "Source_Server_Id"), "7", "{st}");
    // SHOW SLAVE STATUS: the same row under MySQL's old names.
    let out = mysql(
        b.port,
        "admin",
        PASSWORD,
        &["-e", "SHOW SLAVE STATUS\\G"],
        "",
    );
    let old = text(&out.stdout);
    assert_eq!(field(&old, "Slave_IO_Running"), "Yes", "{old}");
    assert_eq!(field(&old, "Master_Port"), m.port.to_string(), "{old}");
    assert_eq!(field(&old, "Exec_Master_Log_Pos"), f[1], "{old}");
}

/// A Borealis replica killed with `kill -9` in the middle of the stream comes back by
/// itself and continues with the next transaction: equal checksums, and the table without
/// a primary key (where a transaction applied twice would leave a second copy) has each
/// row once.
#[test]
fn kill_9_of_a_replica_loses_and_doubles_nothing() {
    let src = Borealis::start("rin-k9-src");
    create_repl_user(src.port);
    admin_sql(src.port, SCHEMA);
    let dir = temp_dir("rin-k9-replica");
    let rport = free_port();
    let mut r = Borealis::start_with(dir, rport, &["--server-id", "2"]);
    admin_sql(
        rport,
        &format!(
            "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={}, MASTER_USER='repl', \
             MASTER_PASSWORD='{REPL_PW}', MASTER_LOG_FILE='{}', MASTER_LOG_POS=4, \
             MASTER_CONNECT_RETRY=1; START SLAVE",
            src.port,
            master_status(src.port).0
        ),
    );
    // The schema arrives first.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !try_sql(rport, "SELECT COUNT(*) FROM d.nopk").0 {
        let st = replica_status(rport);
        assert_eq!(field(&st, "Last_SQL_Errno"), "0", "{st}");
        assert!(Instant::now() < deadline, "no schema:\n{st}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let w = writer(src.port, stop.clone());
    // Kill the replica twice while it applies.
    for round in 0..2 {
        let seen = count(rport, "SELECT COUNT(*) FROM d.nopk");
        let deadline = Instant::now() + Duration::from_secs(120);
        while count(rport, "SELECT COUNT(*) FROM d.nopk") < seen + 5 {
            let st = replica_status(rport);
            assert_eq!(field(&st, "Last_SQL_Errno"), "0", "{st}");
            assert_eq!(field(&st, "Last_IO_Errno"), "0", "{st}");
            assert!(
                Instant::now() < deadline,
                "round {round}: no progress\n{st}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let (d, p) = r.kill9_keep();
        r = Borealis::start_with(d, p, &["--server-id", "2"]);
        let st = replica_status(rport);
        assert_ne!(
            field(&st, "Replica_SQL_Running"),
            "No",
            "round {round}: {st}"
        );
    }
    stop.store(true, Ordering::Relaxed);
    let rounds = w.join().unwrap();
    let sums = admin_sql(src.port, "CHECKSUM TABLE d.t, d.nopk");
    wait_applied(rport, &master_status(src.port), TABLES, &sums);
    assert_eq!(
        count(rport, "SELECT COUNT(*) FROM d.nopk"),
        u64::from(rounds)
    );
    assert_eq!(
        count(rport, "SELECT COUNT(DISTINCT a) FROM d.nopk"),
        u64::from(rounds)
    );
    drop(r);
}

/// A row the replica already has stops the applier with MySQL's duplicate-key error in
/// Last_SQL_Error; `rds_skip_repl_error` skips that transaction and replication goes on.
#[test]
fn duplicate_key_stops_the_applier_and_is_skipped() {
    let src = Borealis::start("rin-dup-src");
    create_repl_user(src.port);
    admin_sql(src.port, SCHEMA);
    let r = Borealis::start_with(
        temp_dir("rin-dup-replica"),
        free_port(),
        &["--server-id", "3"],
    );
    let (file, pos) = master_status(src.port);
    admin_sql(r.port, SCHEMA);
    admin_sql(
        r.port,
        &format!(
            "CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT={}, \
             SOURCE_USER='repl', SOURCE_PASSWORD='{REPL_PW}', SOURCE_LOG_FILE='{file}', \
             SOURCE_LOG_POS={pos}, SOURCE_CONNECT_RETRY=1; START REPLICA",
            src.port
        ),
    );
    // The same row on both sides, written on the replica first.
    admin_sql(r.port, "INSERT INTO d.t VALUES (5, 50, 'same', NULL, 1.00)");
    admin_sql(
        src.port,
        "INSERT INTO d.t VALUES (5, 50, 'same', NULL, 1.00)",
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let st = loop {
        let st = replica_status(r.port);
        if field(&st, "Last_SQL_Errno") != "0" {
            break st;
        }
        assert!(Instant::now() < deadline, "no apply error: {st}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(field(&st, "Last_SQL_Errno"), "1062", "{st}");
    let e = field(&st, "Last_SQL_Error");
    assert!(
        e.starts_with("Could not execute Write_rows event on table d.t; Duplicate entry '5'")
            && e.contains("Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY"),
        "{st}"
    );
    assert_eq!(field(&st, "Replica_SQL_Running"), "No", "{st}");
    assert_eq!(field(&st, "Replica_IO_Running"), "Yes", "{st}");
    assert_eq!(field(&st, "Seconds_Behind_Source"), "NULL", "{st}");
    // Later transactions wait behind it.
    admin_sql(
        src.port,
        "INSERT INTO d.t VALUES (6, 60, 'after', NULL, 2.00)",
    );
    let skipped = admin_sql(r.port, "CALL mysql.rds_skip_repl_error");
    assert_eq!(skipped.trim(), "Statement in error has been skipped");
    let sums = admin_sql(src.port, "CHECKSUM TABLE d.t, d.nopk");
    wait_applied(r.port, &master_status(src.port), TABLES, &sums);
    // The same with MySQL's own knob: refused while the applier runs (3017); once it
    // stopped, SET GLOBAL sql_replica_skip_counter = 1 skips the failing transaction
    // whole (it counts events; the group where the count ends is skipped to its end).
    let (ok, _, err) = try_sql(r.port, "SET GLOBAL sql_replica_skip_counter = 1");
    assert!(!ok && err.contains("ERROR 3017"), "{err}");
    admin_sql(
        r.port,
        "INSERT INTO d.t VALUES (7, 70, 'again', NULL, 3.00)",
    );
    admin_sql(
        src.port,
        "BEGIN; INSERT INTO d.t VALUES (7, 70, 'again', NULL, 3.00); \
         INSERT INTO d.t VALUES (8, 80, 'with it', NULL, 4.00); COMMIT",
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while field(&replica_status(r.port), "Last_SQL_Errno") != "1062" {
        assert!(Instant::now() < deadline, "{}", replica_status(r.port));
        std::thread::sleep(Duration::from_millis(50));
    }
    admin_sql(r.port, "SET GLOBAL sql_replica_skip_counter = 1");
    assert_eq!(
        admin_sql(
            r.port,
            "SELECT @@global.sql_replica_skip_counter, @@global.sql_slave_skip_counter"
        )
        .trim(),
        "1\t1"
    );
    admin_sql(r.port, "START REPLICA SQL_THREAD");
    admin_sql(
        src.port,
        "INSERT INTO d.t VALUES (9, 90, 'after the skip', NULL, 5.00)",
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while count(r.port, "SELECT count(*) FROM d.t WHERE id = 9") == 0 {
        let st = replica_status(r.port);
        assert_eq!(field(&st, "Last_SQL_Errno"), "0", "{st}");
        assert!(Instant::now() < deadline, "{st}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Row 8 came with the skipped transaction.
    assert_eq!(count(r.port, "SELECT count(*) FROM d.t WHERE id = 8"), 0);
    assert_eq!(
        admin_sql(r.port, "SELECT @@global.sql_replica_skip_counter").trim(),
        "0"
    );
    // Privileges: a user without SUPER cannot change or start replication.
    admin_sql(
        r.port,
        "CREATE USER 'app'@'%' IDENTIFIED BY 'apppw'; GRANT SELECT, INSERT ON *.* TO 'app'@'%'",
    );
    let out = mysql(r.port, "app", "apppw", &["-e", "STOP REPLICA"], "");
    assert!(
        text(&out.stderr).contains("ERROR 1227"),
        "{}",
        text(&out.stderr)
    );
    let out = mysql(
        r.port,
        "app",
        "apppw",
        &["-e", "CALL mysql.rds_stop_replication"],
        "",
    );
    assert!(
        text(&out.stderr).contains("ERROR 1227"),
        "{}",
        text(&out.stderr)
    );
    // A read-only replica: super_read_only refuses every client (and turns read_only on),
    // the applier writes on; read_only alone lets SUPER accounts write.
    admin_sql(r.port, "SET GLOBAL super_read_only = ON");
    assert_eq!(
        admin_sql(
            r.port,
            "SELECT @@global.read_only, @@global.super_read_only"
        )
        .trim(),
        "1\t1"
    );
    let (ok, _, err) = try_sql(r.port, "INSERT INTO d.t VALUES (100, 1, 'x', NULL, 1.00)");
    assert!(
        !ok && err.contains("ERROR 1290") && err.contains("--super-read-only"),
        "{err}"
    );
    admin_sql(
        src.port,
        "INSERT INTO d.t VALUES (10, 100, 'to a read-only replica', NULL, 6.00)",
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while count(r.port, "SELECT count(*) FROM d.t WHERE id = 10") == 0 {
        assert!(Instant::now() < deadline, "{}", replica_status(r.port));
        std::thread::sleep(Duration::from_millis(50));
    }
    admin_sql(r.port, "SET GLOBAL super_read_only = OFF");
    admin_sql(r.port, "INSERT INTO d.t VALUES (100, 1, 'x', NULL, 1.00)");
    let app = |q: &str| text(&mysql(r.port, "app", "apppw", &["-e", q], "").stderr);
    let err = app("INSERT INTO d.t VALUES (101, 1, 'x', NULL, 1.00)");
    assert!(
        err.contains("ERROR 1290") && err.contains("--read-only"),
        "{err}"
    );
    // read_only OFF turns super_read_only off too.
    admin_sql(
        r.port,
        "SET GLOBAL super_read_only = ON; SET GLOBAL read_only = OFF",
    );
    assert_eq!(
        admin_sql(
            r.port,
            "SELECT @@global.read_only, @@global.super_read_only"
        )
        .trim(),
        "0\t0"
    );
    assert_eq!(app("INSERT INTO d.t VALUES (101, 1, 'x', NULL, 1.00)"), "");
}

/// The source restarts (its binlog moves to a new file): the receiver loses the
/// connection, reconnects every CONNECT_RETRY second until the source is back, and goes on
/// from the last event it received.
#[test]
fn the_receiver_reconnects_after_the_source_restarts() {
    let src = Borealis::start("rin-restart-src");
    create_repl_user(src.port);
    admin_sql(src.port, SCHEMA);
    let r = Borealis::start_with(
        temp_dir("rin-restart-replica"),
        free_port(),
        &["--server-id", "4"],
    );
    let (file, _) = master_status(src.port);
    admin_sql(
        r.port,
        &format!(
            "CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT={}, \
             SOURCE_USER='repl', SOURCE_PASSWORD='{REPL_PW}', SOURCE_LOG_FILE='{file}', \
             SOURCE_LOG_POS=4, SOURCE_CONNECT_RETRY=1; START REPLICA",
            src.port
        ),
    );
    admin_sql(src.port, "INSERT INTO d.nopk VALUES (1, 'before')");
    let sums = admin_sql(src.port, "CHECKSUM TABLE d.t, d.nopk");
    wait_applied(r.port, &master_status(src.port), TABLES, &sums);
    let src = src.restart();
    admin_sql(src.port, "INSERT INTO d.nopk VALUES (2, 'after')");
    let deadline = Instant::now() + Duration::from_secs(120);
    while count(r.port, "SELECT COUNT(*) FROM d.nopk") < 2 {
        let st = replica_status(r.port);
        assert_eq!(field(&st, "Last_SQL_Errno"), "0", "{st}");
        assert_ne!(field(&st, "Replica_IO_Running"), "No", "{st}");
        assert!(Instant::now() < deadline, "no reconnect:\n{st}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let sums = admin_sql(src.port, "CHECKSUM TABLE d.t, d.nopk");
    wait_applied(r.port, &master_status(src.port), TABLES, &sums);
}
