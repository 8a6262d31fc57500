//! Commits racing a clean shutdown. The server closes each cluster's binlog at shutdown
//! while a session may still be committing; that commit used to fail with 1030 "Got error
//! from storage engine: volume unusable until restart: binlog: the binlog was closed
//! (server shutdown)" (found by scripts/soak.sh, SIGTERM then kill -9 under load), which
//! tells the client the volume is broken. It is refused as MySQL refuses statements
//! during shutdown (1053), and nothing of it is committed.

mod common;

use std::sync::Arc;

use borealis_engine::sql::session::{Instance, Output, Session};
use borealis_engine::sql::vars::ServerInfo;
use borealis_engine::storage::Volume;
use common::*;

#[test]
fn a_commit_after_the_binlog_closed_for_shutdown_is_1053_and_not_committed() {
    let dir = TempDir::new("shutdown-commit");
    let vol = Arc::new(Volume::open(&dir.0, small_opts()).unwrap());
    vol.create_cluster("borealis").unwrap();
    let info = ServerInfo {
        datadir: format!("{}/", dir.0.display()),
        log_bin: true,
        ..ServerInfo::default()
    };
    let inst = Instance::new(vol.clone(), "borealis", info, Some(("admin", "pw"))).unwrap();
    let mut s = inst.session("admin", "127.0.0.1", None).unwrap();
    s.execute("CREATE DATABASE d").unwrap();
    s.execute("CREATE TABLE d.t (id INT PRIMARY KEY)").unwrap();
    s.execute("BEGIN").unwrap();
    s.execute("INSERT INTO d.t VALUES (1)").unwrap();

    inst.shutdown();
    assert_eq!(
        error(&mut s, "COMMIT"),
        (1053, "Server shutdown in progress".to_string())
    );
    // An autocommit write is refused the same way.
    assert_eq!(error(&mut s, "INSERT INTO d.t VALUES (2)").0, 1053);

    let mut r = inst.session("admin", "127.0.0.1", None).unwrap();
    match r.execute("SELECT COUNT(*) FROM d.t") {
        Ok(Output::Rows(rs)) => assert_eq!(format!("{:?}", rs.rows), "[[Int(0)]]"),
        Ok(_) => panic!("SELECT gave no rows"),
        Err(e) => panic!("SELECT failed: {e:?}"),
    }
}

/// The error `q` fails with: (code, message).
fn error(s: &mut Session, q: &str) -> (u16, String) {
    match s.execute(q) {
        Ok(_) => panic!("{q} succeeded"),
        Err(e) => (e.code, e.message),
    }
}
