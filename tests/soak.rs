//! The chaos soak (`scripts/soak.sh`, issue 24) in short: a few `kill -9` cycles of the
//! real binary under sysbench write load and a recorder client, a real MariaDB replica
//! attached; every acknowledged commit present and whole, the replica's CHECKSUM TABLE equal
//! to Borealis', `mysqlbinlog` reading every binlog file. The long run is
//! `scripts/soak.sh` (100 cycles by default).

use std::path::PathBuf;
use std::process::{Command, Output};

fn soak(cycles: u32, extra: &[&str]) -> (Output, String) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/soak.sh");
    let out = Command::new(script)
        .arg(cycles.to_string())
        .args([
            "--tables",
            "2",
            "--table-size",
            "500",
            "--min-delay",
            "1",
            "--max-delay",
            "4",
            "--long-every",
            "0",
            // Cycle 2's restart is killed again while recovering, cycle 3's kill comes
            // during a SIGTERM shutdown.
            "--recovery-kill-every",
            "2",
            "--term-kill-every",
            "3",
        ])
        .args(extra)
        .env("BOREALIS_BIN", env!("CARGO_BIN_EXE_borealis"))
        .output()
        .expect("scripts/soak.sh (python3 with PyMySQL, sysbench, mariadb-server)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // A failed run keeps its work directory for a person to look at; not in the suite.
    if let Some(dir) = text
        .lines()
        .find_map(|l| l.strip_prefix("soak: work directory kept: "))
    {
        let _ = std::fs::remove_dir_all(dir.trim());
    }
    (out, text)
}

#[test]
fn soak_three_kill_9_cycles_lose_nothing() {
    let (out, text) = soak(3, &[]);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("soak: cycles: 3 kill -9 under load"),
        "{text}"
    );
    assert!(
        text.contains("soak: replica: CHECKSUM TABLE equal on "),
        "{text}"
    );
    assert!(text.contains("all read by mysqlbinlog"), "{text}");
    assert!(text.trim_end().ends_with("soak: PASS"), "{text}");
    // Each cycle acknowledged something: the checks had work to do.
    let cycles: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(": killed after"))
        .collect();
    assert_eq!(cycles.len(), 3, "{text}");
    let acked: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("soak: acknowledged commits: "))
        .and_then(|l| l.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(acked > 0, "{text}");
}

/// The checker fails when an acknowledged commit is missing (`--fault lost-ack` counts an
/// id as acknowledged that was never written).
#[test]
fn soak_checker_catches_a_lost_commit() {
    let (out, text) = soak(2, &["--fault", "lost-ack"]);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("soak: FAIL: cycle 1: 1 acknowledged commit(s) missing, e.g. [1]"),
        "{text}"
    );
}
