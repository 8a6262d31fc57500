//! End-to-end recovery and data-directory tests: the real `borealis` binary, `kill -9`,
//! damage done to its files by hand, and a restart.

mod harness;

use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use harness::*;

const ROWS: u64 = 300;

/// A fresh server with `ROWS` rows in `d.t`, each inserted by its own acknowledged
/// autocommit statement, then `kill -9`: the data directory and port.
fn acknowledged_rows_then_kill9(name: &str) -> (PathBuf, u16) {
    let b = Borealis::start(name);
    let mut sql = String::from(
        "create database d; create table d.t (id int primary key, pad varchar(200));\n",
    );
    for i in 1..=ROWS {
        sql.push_str(&format!(
            "insert into d.t values ({i}, repeat('p', 150));\n"
        ));
    }
    let out = b.mysql(&[], &sql);
    assert!(out.status.success(), "{}", text(&out.stderr));
    b.kill9_keep()
}

/// The last log segment and where its data ends (zeros follow: preallocated space).
fn log_end(dir: &Path) -> (PathBuf, u64) {
    let mut segs: Vec<PathBuf> = std::fs::read_dir(dir.join("log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wal"))
        .collect();
    segs.sort();
    let last = segs.pop().expect("a log segment");
    let data = std::fs::read(&last).unwrap();
    let end = data.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    (last, end as u64)
}

/// Runs `borealis serve` on `dir` expecting it to refuse to start: its exit status and
/// output. Panics if it starts listening instead.
fn serve_refused(dir: &Path, port: u16) -> (std::process::ExitStatus, String) {
    let log = dir.with_extension("refused.log");
    let out = std::fs::File::create(&log).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_borealis"))
        .args(["serve", "--data-dir"])
        .arg(dir)
        .args(["--port", &port.to_string(), "--api-port", "0"])
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let text = std::fs::read_to_string(&log).unwrap();
            let _ = std::fs::remove_file(&log);
            return (status, text);
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the server started on a damaged log; log:\n{}",
                std::fs::read_to_string(&log).unwrap()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn query(b: &Borealis, sql: &str) -> String {
    let out = b.mysql(&["-N", "-B", "-e", sql], "");
    assert!(out.status.success(), "{sql}: {}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

/// Row events of `d.t` across every binlog file of the server.
fn binlog_rows(b: &Borealis) -> u64 {
    let files = query(b, "show binary logs");
    files
        .lines()
        .map(|l| {
            let f = l.split('\t').next().unwrap();
            query(b, &format!("show binlog events in '{f}'"))
                .lines()
                .filter(|e| e.contains("Table_map") && e.contains("(d.t)"))
                .count() as u64
        })
        .sum()
}

/// One byte flipped ~30 KB before the end of the log (media damage) used to read as a
/// torn tail: the server started with a warning and ~70 of 300 acknowledged commits were
/// gone, the binlog cut to match. Now it refuses to start, naming the file, the offset and
/// the commits it would drop, and starts only with --recover-truncate-log-at-corruption,
/// which drops exactly the commits it announced.
#[test]
fn damaged_log_record_refuses_to_start_until_told_to_cut() {
    let (dir, port) = acknowledged_rows_then_kill9("logdamage");
    let (seg, end) = log_end(&dir);
    assert!(
        end > 40_000,
        "the log holds {end} bytes, too few for the test"
    );
    let at = end - 30_000;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&seg)
        .unwrap();
    let mut byte = [0u8];
    f.read_exact_at(&mut byte, at).unwrap();
    f.write_all_at(&[byte[0] ^ 0x10], at).unwrap();
    drop(f);

    let (status, out) = serve_refused(&dir, port);
    assert!(!status.success(), "{out}");
    assert!(out.contains("corrupt write-ahead log"), "{out}");
    assert!(out.contains(&seg.display().to_string()), "{out}");
    assert!(
        out.contains("--recover-truncate-log-at-corruption"),
        "{out}"
    );
    let offset: u64 = number_after(&out, "at offset ");
    assert!(
        offset <= at && offset + 2_000 > at,
        "offset {offset}, flipped {at}: {out}"
    );
    let dropped = number_after(&out, "drops ");
    assert!(out.contains(&format!("{dropped} commits, seq ")), "{out}");
    assert!(dropped > 10 && dropped < ROWS, "{out}");
    // Refusing changed nothing: the same refusal again.
    let (_, again) = serve_refused(&dir, port);
    assert_eq!(number_after(&again, "drops "), dropped, "{again}");

    let b = Borealis::start_with(dir, port, &["--recover-truncate-log-at-corruption"]);
    assert!(b.log_text().contains("CUTTING THE LOG"), "{}", b.log_text());
    assert_eq!(
        query(&b, "select count(*), max(id) from d.t"),
        format!("{}\t{}", ROWS - dropped, ROWS - dropped)
    );
    assert_eq!(
        binlog_rows(&b),
        ROWS - dropped,
        "the binlog is cut to match"
    );
    // The volume goes on: a new commit survives another kill -9, without any complaint.
    query(&b, "insert into d.t values (1000, 'after')");
    let (dir, port) = b.kill9_keep();
    let b = Borealis::start_in(dir, port);
    assert_eq!(
        query(&b, "select count(*) from d.t"),
        (ROWS - dropped + 1).to_string()
    );
    assert!(!b.log_text().contains("corrupt write-ahead log"));
}

/// A torn tail (the log's last record cut short, as a crash during its write leaves it)
/// is still cut silently: the server starts and every whole commit is there.
#[test]
fn torn_log_tail_is_cut_silently() {
    let (dir, port) = acknowledged_rows_then_kill9("torntail");
    let (seg, end) = log_end(&dir);
    let f = std::fs::OpenOptions::new().write(true).open(&seg).unwrap();
    f.set_len(end - 10).unwrap();
    drop(f);
    let b = Borealis::start_in(dir, port);
    assert_eq!(
        query(&b, "select count(*), max(id) from d.t"),
        format!("{}\t{}", ROWS - 1, ROWS - 1)
    );
    assert_eq!(binlog_rows(&b), ROWS - 1);
    assert!(
        b.log_text().contains("truncating torn log tail"),
        "{}",
        b.log_text()
    );
}

/// The data directory and everything in it used to be created 0755/0644, so any local
/// user could read the log and binlogs, which hold `CREATE USER ... IDENTIFIED BY`
/// statements. Now directories are 0700 and files 0600.
#[test]
fn data_directory_is_private() {
    let dir = temp_dir("private").join("data");
    let b = Borealis::start_in(dir.clone(), free_port());
    query(&b, "create user u identified by 'secret-pw'; create database p; create table p.t (a int primary key); insert into p.t values (1); flush binary logs");
    let mut b = b;
    assert!(b.stop().success());
    let mut seen = 0;
    let mut bad = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
        if mode != 0o700 {
            bad.push(format!("{} {mode:o}", d.display()));
        }
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                stack.push(p);
            } else {
                seen += 1;
                let mode = m.permissions().mode() & 0o777;
                if mode != 0o600 {
                    bad.push(format!("{} {mode:o}", p.display()));
                }
            }
        }
    }
    assert!(seen >= 5, "only {seen} files");
    assert!(bad.is_empty(), "not private: {bad:#?}");
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

/// The number right after the first `prefix` in `s`.
fn number_after(s: &str, prefix: &str) -> u64 {
    let i = s
        .find(prefix)
        .unwrap_or_else(|| panic!("no '{prefix}' in {s}"))
        + prefix.len();
    s[i..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("no number after '{prefix}' in {s}"))
}
