//! Every statement real clients sent (shared/reference: general logs, mysqldump output,
//! checksum scripts, inputs) and every statement named in the open issues must parse with
//! `sql::front::parse`. A failure prints the statement and MySQL's error for it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use borealis_engine::sql::front::{parse, OwnStatement, Parsed};

fn reference_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("BOREALIS_REFERENCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference"));
    dir.is_dir().then_some(dir)
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.to_string_lossy().ends_with(ext));
    v.sort();
    v
}

/// `C<n>\t<Command>\t<argument>` lines of a clean general log; `\n` stands for a newline.
fn general_log_statements(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, '\t');
            let (_conn, cmd, arg) = (parts.next()?, parts.next()?, parts.next()?);
            matches!(cmd, "Query" | "Prepare" | "Execute").then(|| unescape_log(arg))
        })
        .collect()
}

/// The clean log writes a newline as `\n` and a backslash as `\\`.
fn unescape_log(arg: &str) -> String {
    let mut out = String::with_capacity(arg.len());
    let mut chars = arg.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Splits a script the way the mysql client does: on the delimiter, outside quotes and
/// comments, honouring `DELIMITER` lines; drops `--` comment lines between statements.
fn split_script(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut delim = b";".to_vec();
    let (mut i, mut start, mut bol) = (0usize, 0usize, true);
    while i < b.len() {
        if bol {
            bol = false;
            let j = i + b[i..]
                .iter()
                .take_while(|c| **c == b' ' || **c == b'\t')
                .count();
            let pending = text[start..i].trim().is_empty();
            let eol = b[j..]
                .iter()
                .position(|c| *c == b'\n')
                .map_or(b.len(), |p| j + p);
            if pending && b.len() >= j + 10 && b[j..j + 10].eq_ignore_ascii_case(b"DELIMITER ") {
                delim = text[j + 10..eol].trim().as_bytes().to_vec();
                i = eol;
                start = eol;
                continue;
            }
            if pending && b[j..].starts_with(b"--") {
                i = eol;
                start = eol;
                continue;
            }
        }
        let c = b[i];
        match c {
            b'\n' => {
                bol = true;
                i += 1;
            }
            b'\'' | b'"' | b'`' => {
                i += 1;
                while i < b.len() {
                    if b[i] == b'\\' && c != b'`' {
                        i += 2;
                        continue;
                    }
                    if b[i] == c {
                        if b.get(i + 1) == Some(&c) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
            }
            _ if b[i..].starts_with(&delim) => {
                let after = i + delim.len();
                let stmt = text[start..i].trim();
                if !stmt.is_empty() {
                    out.push(stmt.to_string());
                }
                start = after;
                i = after;
            }
            _ => i += 1,
        }
    }
    let rest = text.get(start..).unwrap_or("").trim();
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out
}

/// Statements named in the open issues.
const ISSUE_STATEMENTS: &[&str] = &[
    "CHECKSUM TABLE t",
    "CHECKSUM TABLE t, t2 QUICK",
    "CHECKSUM TABLE db.t EXTENDED",
    "START TRANSACTION",
    "START TRANSACTION READ ONLY",
    "START TRANSACTION READ WRITE",
    "START TRANSACTION WITH CONSISTENT SNAPSHOT",
    "BEGIN",
    "BEGIN WORK",
    "COMMIT",
    "COMMIT WORK",
    "ROLLBACK",
    "ROLLBACK WORK",
    "SAVEPOINT x",
    "ROLLBACK TO x",
    "ROLLBACK WORK TO SAVEPOINT x",
    "RELEASE SAVEPOINT x",
    "SET GLOBAL max_connections = 10",
    "SET SESSION sql_mode = ''",
    "SET LOCAL wait_timeout = 10",
    "SET @@global.x = 1, @@x = 2, @user = 3, y = DEFAULT",
    "SET NAMES utf8mb4",
    "SET NAMES utf8mb4 COLLATE utf8mb4_general_ci",
    "SET CHARACTER SET utf8mb4",
    "SET GLOBAL TRANSACTION ISOLATION LEVEL READ COMMITTED",
    "SET SESSION TRANSACTION READ ONLY",
    "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
    "LOCK TABLES t READ",
    "LOCK TABLES t AS a READ LOCAL, u LOW_PRIORITY WRITE, db.v WRITE",
    "UNLOCK TABLES",
    "FLUSH TABLES",
    "FLUSH LOCAL TABLES t1, t2",
    "FLUSH NO_WRITE_TO_BINLOG TABLES WITH READ LOCK",
    "FLUSH TABLES t WITH READ LOCK",
    "FLUSH BINARY LOGS",
    "FLUSH PRIVILEGES",
    "KILL 5",
    "KILL CONNECTION 5",
    "KILL QUERY 5",
    "SHOW VARIABLES",
    "SHOW GLOBAL VARIABLES LIKE 'x%'",
    "SHOW SESSION VARIABLES WHERE Variable_name = 'x'",
    "SHOW GLOBAL STATUS LIKE 'Uptime'",
    "SHOW STATUS",
    "SHOW DATABASES LIKE 'a%'",
    "SHOW FULL TABLES FROM db LIKE 'a'",
    "SHOW TABLES WHERE Tables_in_db = 'x'",
    "SHOW FULL COLUMNS FROM t FROM db LIKE 'a'",
    "SHOW FIELDS FROM t",
    "SHOW INDEX FROM t FROM db",
    "SHOW INDEXES FROM t",
    "SHOW KEYS FROM t",
    "SHOW CREATE TABLE t",
    "SHOW CREATE DATABASE IF NOT EXISTS db",
    "SHOW CREATE DATABASE db",
    "SHOW TABLE STATUS FROM db LIKE 'x'",
    "SHOW WARNINGS",
    "SHOW WARNINGS LIMIT 10",
    "SHOW ERRORS LIMIT 1, 2",
    "SHOW COUNT(*) WARNINGS",
    "SHOW COUNT(*) ERRORS",
    "SHOW PROCESSLIST",
    "SHOW FULL PROCESSLIST",
    "SHOW ENGINES",
    "SHOW CHARACTER SET",
    "SHOW COLLATION",
    "SHOW GRANTS",
    "SHOW GRANTS FOR 'u'@'h'",
    "SHOW MASTER STATUS",
    "SHOW BINARY LOG STATUS",
    "SHOW BINARY LOGS",
    "SHOW MASTER LOGS",
    "SHOW BINLOG EVENTS",
    "SHOW BINLOG EVENTS IN 'mysql-bin.000001' FROM 4 LIMIT 1, 10",
    "SHOW SLAVE STATUS",
    "SHOW REPLICA STATUS",
    "SHOW SLAVE HOSTS",
    "SHOW REPLICAS",
    "SHOW EVENTS",
    "SHOW CREATE EVENT e",
    "SHOW CREATE FUNCTION f",
    "SHOW CREATE PROCEDURE p",
    "SHOW CREATE TRIGGER t",
    "SHOW CREATE VIEW v",
    "SHOW FUNCTION STATUS WHERE Db = 'x'",
    "SHOW PROCEDURE STATUS LIKE 'x'",
    "SHOW PACKAGE STATUS WHERE Db = 'x'",
    "SHOW PACKAGE BODY STATUS WHERE Db = 'x'",
    "SHOW TRIGGERS",
    "SHOW PLUGINS",
    "SHOW PRIVILEGES",
    "CHANGE MASTER TO MASTER_HOST='h', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='p', MASTER_LOG_FILE='mysql-bin.000001', MASTER_LOG_POS=4",
    "CHANGE REPLICATION SOURCE TO SOURCE_HOST='h', SOURCE_PORT=3306",
    "START SLAVE",
    "START REPLICA",
    "STOP SLAVE",
    "STOP REPLICA",
    "RESET SLAVE",
    "RESET SLAVE ALL",
    "RESET REPLICA ALL",
    "RESET MASTER",
    "PURGE BINARY LOGS TO 'mysql-bin.000010'",
    "PURGE MASTER LOGS BEFORE '2024-01-01 00:00:00'",
    "CALL mysql.rds_set_configuration('binlog retention hours', 24)",
    "CALL proc(1, 'a')",
    "CREATE USER 'u'@'h' IDENTIFIED BY 'p'",
    "CREATE USER IF NOT EXISTS 'u'@'h' IDENTIFIED BY 'p', 'v'@'%' IDENTIFIED BY 'q'",
    "ALTER USER 'u'@'h' IDENTIFIED BY 'x'",
    "DROP USER 'u'@'h'",
    "DROP USER IF EXISTS 'u'@'h'",
    "GRANT ALL PRIVILEGES ON db.* TO 'u'@'h' WITH GRANT OPTION",
    "GRANT SELECT, INSERT ON db.t TO 'u'@'h'",
    "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl'@'%'",
    "REVOKE ALL PRIVILEGES ON db.* FROM 'u'@'h'",
    "RENAME TABLE a TO b, c TO d",
    "TRUNCATE TABLE t",
    "TRUNCATE t",
    "USE db",
    "HELP 'contents'",
    "DO 1 + 1",
    "ANALYZE TABLE t",
    "OPTIMIZE TABLE t",
    "CHECK TABLE t",
    "REPAIR TABLE t",
    "ALTER TABLE t DISABLE KEYS",
    "ALTER TABLE t ENABLE KEYS",
    "EXPLAIN SELECT * FROM t WHERE id = 1",
    "DESCRIBE t",
    "DESC t",
    "SELECT * FROM t AS OF TIMESTAMP '2024-01-01 00:00:00'",
    "SELECT c FROM sbtest1 WHERE id BETWEEN 1 AND 10 ORDER BY c LIMIT 5 FOR UPDATE",
    "SELECT * FROM t USE INDEX (k) FORCE INDEX (PRIMARY)",
    "SELECT SQL_NO_CACHE `a` FROM `t`",
    "SELECT _utf8mb4'x', X'ab', b'01', 0x1F, 'a\\'b', 'a' 'b'",
    "INSERT INTO t (a, c) VALUES (1, 'x'), (2, 'y') ON DUPLICATE KEY UPDATE c = VALUES(c)",
    "CREATE TABLE t (a int(11) unsigned zerofill NOT NULL DEFAULT b'0' COMMENT 'x', ts timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, s varchar(10) CHARACTER SET latin1 COLLATE latin1_bin, KEY k_1 (a)) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
];

fn corpus(dir: &Path) -> Vec<(String, String)> {
    let mut stmts: Vec<(String, String)> = Vec::new();
    for f in files(&dir.join("general-log"), ".log") {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        stmts.extend(
            general_log_statements(&text)
                .into_iter()
                .map(|s| (name.clone(), s)),
        );
    }
    let mut scripts = files(&dir.join("dumps"), ".sql");
    scripts.extend(files(&dir.join("checksum"), ".sql"));
    scripts.extend(files(&dir.join("inputs"), ".sql"));
    for f in scripts {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        stmts.extend(split_script(&text).into_iter().map(|s| (name.clone(), s)));
    }
    // The all-databases dump is gzipped; read it through gzip when available.
    for f in files(&dir.join("dumps"), ".sql.gz") {
        if let Ok(out) = std::process::Command::new("gzip")
            .arg("-dc")
            .arg(&f)
            .output()
        {
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            stmts.extend(split_script(&text).into_iter().map(|s| (name.clone(), s)));
        }
    }
    stmts
}

#[test]
fn issue_statements_parse() {
    let failures: Vec<String> = ISSUE_STATEMENTS
        .iter()
        .filter_map(|s| parse(s).err().map(|e| format!("{s}\n    -> {e}")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} issue statements failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn reference_corpus_parses() {
    let Some(dir) = reference_dir() else {
        eprintln!("shared/reference not found; set BOREALIS_REFERENCE");
        return;
    };
    let stmts = corpus(&dir);
    assert!(stmts.len() > 1000, "corpus too small: {}", stmts.len());
    eprintln!("corpus: {} statements", stmts.len());
    let mut failures = Vec::new();
    for (file, s) in &stmts {
        match parse(s) {
            Ok(Parsed::Own(OwnStatement::Empty)) if !s.contains("/*") => {
                failures.push(format!("[{file}] {s}\n    -> empty"));
            }
            Ok(_) => {}
            Err(e) => {
                let short: String = s.chars().take(300).collect();
                failures.push(format!("[{file}] {short}\n    -> {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} statements failed:\n{}",
        failures.len(),
        stmts.len(),
        failures.join("\n")
    );
}

#[test]
fn truncated_and_spliced_corpus_never_panics() {
    let Some(dir) = reference_dir() else {
        return;
    };
    let stmts = corpus(&dir);
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (_, s) in stmts.iter().filter(|(_, s)| s.len() < 20_000) {
        let bounds: Vec<usize> = (0..=s.len()).filter(|&i| s.is_char_boundary(i)).collect();
        for _ in 0..8 {
            let a = bounds[(next() % bounds.len() as u64) as usize];
            let b = bounds[(next() % bounds.len() as u64) as usize];
            let _ = parse(&s[..a]);
            let _ = parse(&s[a.min(b)..a.max(b)]);
            let _ = parse(&format!("{}{}", &s[..a], &s[b..]));
        }
    }
}

#[test]
fn thousand_row_insert_is_fast() {
    // sysbench prepare's shape: INSERT INTO sbtest1(k, c, pad) VALUES (…),… ×1000, ~190 KB.
    let mut sql = String::from("INSERT INTO sbtest1(k, c, pad) VALUES");
    for i in 0..1000 {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!(
            "({}, '68487932199-96439406143-93774651418-41631865787-96406072701-20604855487-25459966574-28203206787-41238978918-19503783441', '22195207048-70116052123-74140395089-76317954521-98694025897')",
            i * 7919 % 100_000
        ));
    }
    assert!(sql.len() > 180_000);
    let runs = 5;
    let started = Instant::now();
    for _ in 0..runs {
        assert!(matches!(parse(&sql), Ok(Parsed::Sql(_))));
    }
    let per = started.elapsed() / runs;
    eprintln!("1000-row INSERT ({} bytes): {per:?} per parse", sql.len());
    // Release builds measure ~ms; the bound only catches pathologies in debug builds.
    assert!(per.as_millis() < 500, "{per:?}");
}
