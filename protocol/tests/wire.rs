//! End-to-end tests of the protocol layer: a listener on 127.0.0.1:0 with a test-double
//! engine, driven by the real `mysql` CLI (MariaDB 10.11 client, libmariadb), by sysbench's
//! prepared statements, and by hand-built packets on a raw socket.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use borealis_protocol::auth::{native_password_scramble, native_password_stage2};
use borealis_protocol::{
    AuthRequest, Column, ColumnFlags, ColumnType, Listener, Outcome, Prepared, ResultSink,
    ServerConfig, Session, SessionFactory, SessionStatus, SqlError, Statistics, WireValue,
};

// ---------------------------------------------------------------------------------------------
// Test double: a fake engine. It knows two users and answers a few fixed statements.
// ---------------------------------------------------------------------------------------------

type Log = Arc<Mutex<Vec<String>>>;

struct FakeFactory {
    users: HashMap<String, [u8; 20]>,
    log: Log,
}

fn fake_factory() -> (Arc<FakeFactory>, Log) {
    let log: Log = Arc::default();
    let mut users = HashMap::new();
    users.insert("app".to_string(), native_password_stage2("secret"));
    users.insert("repl".to_string(), native_password_stage2("replpw"));
    (
        Arc::new(FakeFactory {
            users,
            log: log.clone(),
        }),
        log,
    )
}

impl SessionFactory for FakeFactory {
    fn authenticate(&self, req: &AuthRequest) -> Result<Box<dyn Session>, SqlError> {
        let ok = self
            .users
            .get(&req.user)
            .is_some_and(|h| req.verify_native_password(Some(h)));
        if !ok {
            return Err(req.access_denied());
        }
        if req.database.as_deref() == Some("nope") {
            return Err(SqlError::new(1049, "Unknown database 'nope'"));
        }
        self.log
            .lock()
            .unwrap()
            .push(format!("login {} db={:?}", req.user, req.database));
        Ok(Box::new(FakeSession {
            log: self.log.clone(),
            next_id: 1,
            stmts: HashMap::new(),
        }))
    }

    fn statistics(&self) -> Statistics {
        Statistics {
            uptime_secs: 10,
            threads: 1,
            questions: 25,
            opens: 3,
            flush_tables: 1,
            open_tables: 2,
            ..Default::default()
        }
    }
}

struct FakeSession {
    log: Log,
    next_id: u32,
    stmts: HashMap<u32, String>,
}

fn int_col(name: &str) -> Column {
    Column::new(name, ColumnType::MYSQL_TYPE_LONGLONG).with_flags(ColumnFlags::NOT_NULL_FLAG)
}

fn all_types() -> (Vec<Column>, Vec<WireValue>) {
    use ColumnType::*;
    let cols = vec![
        Column::new("i", MYSQL_TYPE_LONG),
        Column::new("u", MYSQL_TYPE_LONGLONG).with_flags(ColumnFlags::UNSIGNED_FLAG),
        Column::new("f", MYSQL_TYPE_FLOAT),
        Column::new("d", MYSQL_TYPE_DOUBLE),
        Column::new("dec", MYSQL_TYPE_NEWDECIMAL),
        Column::new("s", MYSQL_TYPE_VAR_STRING),
        Column::new("dt", MYSQL_TYPE_DATE),
        Column::new("ts", MYSQL_TYPE_DATETIME).with_length(26, 6),
        Column::new("t", MYSQL_TYPE_TIME),
        Column::new("n", MYSQL_TYPE_VAR_STRING),
    ];
    let row = vec![
        WireValue::Int(-5),
        WireValue::UInt(u64::MAX),
        WireValue::Float(1.5),
        WireValue::Double(0.25),
        WireValue::Decimal("-99999999.99".into()),
        WireValue::Bytes("ümlaut é 日本".as_bytes().to_vec()),
        WireValue::Date(2024, 2, 29),
        WireValue::DateTime(2038, 1, 19, 3, 14, 7, 123456),
        WireValue::Time(true, 1, 2, 3, 4, 0),
        WireValue::Null,
    ];
    (cols, row)
}

impl FakeSession {
    fn note(&self, s: String) {
        self.log.lock().unwrap().push(s);
    }
}

impl Session for FakeSession {
    /// `pushed N` writes N rows through the sink as it makes them; `pushed N then
    /// deadlock` fails after them.
    fn query_to(&mut self, sql: &str, sink: &mut dyn ResultSink) -> Result<Outcome, SqlError> {
        let lower = sql.trim().to_ascii_lowercase();
        let Some(rest) = lower.strip_prefix("pushed ") else {
            return self.query(sql);
        };
        let (n, fails) = match rest.strip_suffix(" then deadlock") {
            Some(n) => (n, true),
            None => (rest, false),
        };
        let n: i64 = n.parse().map_err(|_| SqlError::new(1064, "pushed N"))?;
        sink.columns(vec![
            int_col("id"),
            Column::new("c", ColumnType::MYSQL_TYPE_VAR_STRING),
        ])?;
        for i in 1..=n {
            sink.row(&[
                WireValue::Int(i),
                WireValue::Bytes(format!("pushed{i}").into_bytes()),
            ])?;
        }
        if fails {
            return Err(SqlError::new(
                1213,
                "Deadlock found when trying to get lock; try restarting transaction",
            ));
        }
        Ok(Outcome::Streamed)
    }

    fn query(&mut self, sql: &str) -> Result<Outcome, SqlError> {
        self.note(format!(
            "query {}",
            sql.chars().take(60).collect::<String>()
        ));
        if sql.len() > 100_000 {
            return Ok(Outcome::rows(
                vec![int_col("len")],
                vec![vec![WireValue::Int(sql.len() as i64)]],
            ));
        }
        let lower = sql.trim().to_ascii_lowercase();
        if let Some(n) = lower
            .strip_prefix("select ")
            .and_then(|r| r.parse::<i64>().ok())
        {
            return Ok(Outcome::rows(
                vec![int_col(&n.to_string())],
                vec![vec![WireValue::Int(n)]],
            ));
        }
        if let Some(n) = lower
            .strip_prefix("series ")
            .and_then(|r| r.parse::<i64>().ok())
        {
            let rows = (1..=n).map(|i| {
                Ok(vec![
                    WireValue::Int(i),
                    WireValue::Bytes(format!("row{i}").into_bytes()),
                ])
            });
            return Ok(Outcome::Rows {
                columns: vec![
                    int_col("id"),
                    Column::new("c", ColumnType::MYSQL_TYPE_VAR_STRING),
                ],
                rows: Box::new(rows),
            });
        }
        if let Some(n) = lower
            .strip_prefix("big ")
            .and_then(|r| r.parse::<usize>().ok())
        {
            return Ok(Outcome::rows(
                vec![Column::new("b", ColumnType::MYSQL_TYPE_LONG_BLOB)],
                vec![vec![WireValue::Bytes(vec![b'x'; n])]],
            ));
        }
        match lower.as_str() {
            "select @@version_comment limit 1" => Ok(Outcome::rows(
                vec![Column::new("@@version_comment", ColumnType::MYSQL_TYPE_VAR_STRING)],
                vec![vec![WireValue::Bytes(b"Borealis test double".to_vec())]],
            )),
            "select types" => {
                let (c, r) = all_types();
                Ok(Outcome::rows(c, vec![r]))
            }
            "select database(), user() limit 1" => Ok(Outcome::rows(
                vec![Column::new("DATABASE()", ColumnType::MYSQL_TYPE_VAR_STRING), Column::new("USER()", ColumnType::MYSQL_TYPE_VAR_STRING)],
                vec![vec![WireValue::Bytes(b"shop".to_vec()), WireValue::Bytes(b"app@127.0.0.1".to_vec())]],
            )),
            "select @@character_set_client, @@character_set_connection, @@character_set_server, @@character_set_database limit 1" => {
                let cols = ["client", "connection", "server", "database"]
                    .iter()
                    .map(|n| Column::new(format!("@@character_set_{n}"), ColumnType::MYSQL_TYPE_VAR_STRING))
                    .collect();
                Ok(Outcome::rows(cols, vec![vec![WireValue::Bytes(b"utf8mb4".to_vec()); 4]]))
            }
            "insert" => Ok(Outcome::Ok { affected_rows: 3, last_insert_id: 7, info: "Records: 3  Duplicates: 0  Warnings: 0".into() }),
            "deadlock after one row" => Ok(Outcome::Rows {
                columns: vec![int_col("x")],
                rows: Box::new(vec![Ok(vec![WireValue::Int(1)]), Err(SqlError::new(1213, "Deadlock found when trying to get lock; try restarting transaction"))].into_iter()),
            }),
            _ => Err(SqlError::new(1064, format!("You have an error in your SQL syntax near '{sql}'"))),
        }
    }

    fn prepare(&mut self, sql: &str) -> Result<Prepared, SqlError> {
        let n = sql.matches('?').count();
        let columns = if sql.eq_ignore_ascii_case("select types") {
            all_types().0
        } else if sql.to_ascii_lowercase().starts_with("select") {
            (0..n)
                .map(|i| Column::new(format!("p{i}"), ColumnType::MYSQL_TYPE_VAR_STRING))
                .collect()
        } else if sql.eq_ignore_ascii_case("begin") || sql.eq_ignore_ascii_case("commit") {
            Vec::new()
        } else {
            return Err(SqlError::new(1146, "Table 'db.nope' doesn't exist"));
        };
        let id = self.next_id;
        self.next_id += 1;
        self.stmts.insert(id, sql.to_string());
        self.note(format!("prepare {id} {sql}"));
        let params = (0..n)
            .map(|_| Column::new("?", ColumnType::MYSQL_TYPE_VAR_STRING))
            .collect();
        Ok(Prepared {
            id,
            params,
            columns,
        })
    }

    fn execute(&mut self, id: u32, params: &[WireValue]) -> Result<Outcome, SqlError> {
        self.note(format!("execute {id} {params:?}"));
        let Some(sql) = self.stmts.get(&id) else {
            return Err(SqlError::new(1243, "unknown"));
        };
        if sql.eq_ignore_ascii_case("select types") {
            let (c, r) = all_types();
            return Ok(Outcome::rows(c, vec![r]));
        }
        if params.is_empty() {
            return Ok(Outcome::ok(0));
        }
        let cols = (0..params.len())
            .map(|i| Column::new(format!("p{i}"), ColumnType::MYSQL_TYPE_VAR_STRING))
            .collect();
        let row = params
            .iter()
            .map(|p| match p {
                WireValue::Int(i) => WireValue::Bytes(i.to_string().into_bytes()),
                other => other.clone(),
            })
            .collect();
        Ok(Outcome::rows(cols, vec![row]))
    }

    fn close_statement(&mut self, id: u32) {
        self.note(format!("close {id}"));
        self.stmts.remove(&id);
    }

    fn init_db(&mut self, db: &str) -> Result<(), SqlError> {
        self.note(format!("init_db {db}"));
        if db == "nope" {
            return Err(SqlError::new(1049, "Unknown database 'nope'"));
        }
        Ok(())
    }

    fn field_list(&mut self, table: &str, _wildcard: &str) -> Result<Vec<Column>, SqlError> {
        if table != "t" {
            return Err(SqlError::new(
                1146,
                format!("Table 'shop.{table}' doesn't exist"),
            ));
        }
        Ok(vec![
            int_col("id")
                .with_table("shop", "t")
                .with_flags(ColumnFlags::PRI_KEY_FLAG),
            Column::new("name", ColumnType::MYSQL_TYPE_VAR_STRING).with_table("shop", "t"),
        ])
    }

    fn reset_connection(&mut self) -> Result<(), SqlError> {
        self.note("reset_connection".into());
        self.stmts.clear();
        Ok(())
    }

    fn status(&self) -> SessionStatus {
        SessionStatus {
            in_transaction: false,
            autocommit: true,
            warnings: 0,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

struct Server {
    addr: SocketAddr,
    log: Log,
    _rt: tokio::runtime::Runtime,
}

fn start(config: ServerConfig) -> Server {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (factory, log) = fake_factory();
    let listener = rt
        .block_on(Listener::bind("127.0.0.1:0", factory, config))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(listener.run());
    Server { addr, log, _rt: rt }
}

const MYSQL: &str = "/usr/bin/mysql";

fn have_mysql() -> bool {
    if std::path::Path::new(MYSQL).exists() {
        return true;
    }
    eprintln!("SKIP: {MYSQL} not installed (apt-get install mariadb-client)");
    false
}

fn mysql(s: &Server, user_pw: (&str, &str), extra: &[&str]) -> Output {
    mysql_stdin(s, user_pw, extra, None)
}

/// Runs the CLI; with `input`, statements come from stdin (batch mode, like restoring a dump).
fn mysql_stdin(s: &Server, user_pw: (&str, &str), extra: &[&str], input: Option<&str>) -> Output {
    let port = s.addr.port().to_string();
    let mut cmd = Command::new(MYSQL);
    cmd.args([
        "--no-defaults",
        "-h",
        "127.0.0.1",
        "-P",
        &port,
        "-u",
        user_pw.0,
    ])
    .arg(format!("-p{}", user_pw.1))
    .args(["--connect-timeout=5"])
    .args(extra)
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    if let Some(text) = input {
        stdin.write_all(text.as_bytes()).unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    eprintln!(
        "mysql {:?}\n  status={}\n  stdout={}\n  stderr={}",
        extra,
        out.status,
        String::from_utf8_lossy(&out.stdout[..out.stdout.len().min(2000)]),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Real mysql CLI
// ---------------------------------------------------------------------------------------------

#[test]
fn cli_right_password_and_two_queries() {
    if !have_mysql() {
        return;
    }
    let s = start(ServerConfig::default());
    let out = mysql(
        &s,
        ("app", "secret"),
        &["-N", "-B", "-e", "select 1; select 2"],
    );
    assert!(out.status.success());
    assert_eq!(stdout(&out), "1\n2\n");
}

#[test]
fn cli_wrong_password_is_1045() {
    if !have_mysql() {
        return;
    }
    let s = start(ServerConfig::default());
    let out = mysql(&s, ("app", "wrong"), &["-e", "select 1"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(
            "ERROR 1045 (28000): Access denied for user 'app'@'127.0.0.1' (using password: YES)"
        ),
        "{}",
        stderr(&out)
    );
    let out = mysql(&s, ("nobody", "x"), &["-e", "select 1"]);
    assert!(stderr(&out).contains("ERROR 1045 (28000)"));
}

#[test]
fn cli_errors_keep_connection_and_types_render() {
    if !have_mysql() {
        return;
    }
    let s = start(ServerConfig::default());
    let out = mysql_stdin(
        &s,
        ("app", "secret"),
        &["--force", "-N", "-B"],
        Some("select 1;\nbogus;\ninsert;\nselect types;\nselect 2;\n"),
    );
    eprintln!("{:?}", s.log.lock().unwrap());
    let err = stderr(&out);
    assert!(
        err.contains(
            "ERROR 1064 (42000) at line 2: You have an error in your SQL syntax near 'bogus'"
        ),
        "{err}"
    );
    assert_eq!(
        stdout(&out),
        "1\n-5\t18446744073709551615\t1.5\t0.25\t-99999999.99\tümlaut é 日本\t2024-02-29\t2038-01-19 03:14:07.123456\t-26:03:04\tNULL\n2\n"
    );
    // Only one connection was used: every query reached the same session.
    let log = s.log.lock().unwrap().clone();
    assert_eq!(log.iter().filter(|l| l.starts_with("login")).count(), 1);
    assert!(log.contains(&"query insert".to_string()));
}

#[test]
fn cli_database_use_status_and_streaming() {
    if !have_mysql() {
        return;
    }
    let s = start(ServerConfig::default());
    let out = mysql(
        &s,
        ("app", "secret"),
        &["shop", "-e", "use other; \\s series 200000"],
    );
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("Server version:\t\t8.0.36-borealis"),
        "{text}"
    );
    assert!(text.contains("Uptime:\t\t\t10 sec"), "{text}");
    assert!(
        text.contains("Threads: 1  Questions: 25  Slow queries: 0  Opens: 3  Flush tables: 1  Open tables: 2  Queries per second avg: 2.500"),
        "{text}"
    );
    assert!(text.contains("199999\trow199999\n200000\trow200000\n"));
    let log = s.log.lock().unwrap().clone();
    assert!(
        log.contains(&"login app db=Some(\"shop\")".to_string()),
        "{log:?}"
    );
    assert!(log.contains(&"init_db other".to_string()));

    let out = mysql(&s, ("app", "secret"), &["-e", "use nope"]);
    assert!(stderr(&out).contains("ERROR 1049 (42000)"));
    let out = mysql_stdin(
        &s,
        ("app", "secret"),
        &["--force", "-N"],
        Some("deadlock after one row;\nselect 3;\n"),
    );
    assert!(
        stderr(&out).contains("ERROR 1213 (40001)"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).ends_with("3\n"));
}

#[test]
fn cli_rows_pushed_through_the_sink() {
    if !have_mysql() {
        return;
    }
    let s = start(ServerConfig::default());
    // 300,000 rows: more than one batch goes out while the statement runs.
    let out = mysql(
        &s,
        ("app", "secret"),
        &["--quick", "-N", "-B", "-e", "pushed 300000"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 300_000);
    assert!(text.ends_with("299999\tpushed299999\n300000\tpushed300000\n"));
    // An error after rows ends the result set; the connection goes on.
    let out = mysql_stdin(
        &s,
        ("app", "secret"),
        &["--force", "-N"],
        Some("pushed 2 then deadlock;\npushed 1;\nselect 3;\n"),
    );
    assert!(
        stderr(&out).contains("ERROR 1213 (40001)"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).ends_with("1\tpushed1\n3\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn cli_large_result_over_16mib() {
    if !have_mysql() {
        return;
    }
    let s = start(ServerConfig::default());
    // 16 MiB - 1 + a few bytes: the row spans two physical packets; exactly 2^24-1 needs the
    // empty trailing packet.
    for n in [20_000_000usize, 16_777_215 - 5] {
        let q = format!("big {n}");
        let out = mysql(
            &s,
            ("app", "secret"),
            &["--max-allowed-packet=64M", "-N", "-B", "-e", &q],
        );
        assert!(out.status.success());
        assert_eq!(out.stdout.len(), n + 1);
    }
}

#[test]
fn sysbench_prepared_statements() {
    let sysbench = "/usr/bin/sysbench";
    if !std::path::Path::new(sysbench).exists() {
        eprintln!("SKIP: sysbench not installed");
        return;
    }
    let s = start(ServerConfig::default());
    let dir = std::env::temp_dir().join(format!("borealis-proto-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("ps.lua");
    std::fs::write(
        &script,
        r#"
function thread_init()
  drv = sysbench.sql.driver()
  con = drv:connect()
  b = con:prepare("BEGIN")
  st = con:prepare("SELECT ? , ?")
  p1 = st:bind_create(sysbench.sql.type.INT)
  p2 = st:bind_create(sysbench.sql.type.VARCHAR, 20)
  st:bind_param(p1, p2)
  n = 0
end
function event()
  n = n + 1
  b:execute()
  p1:set(n)
  p2:set("v" .. n)
  st:execute()
end
function thread_done()
  st:close()
  b:close()
  con:disconnect()
end
"#,
    )
    .unwrap();
    let out = Command::new(sysbench)
        .args([
            "--db-driver=mysql",
            "--mysql-host=127.0.0.1",
            "--mysql-user=app",
            "--mysql-password=secret",
            "--events=50",
            "--threads=1",
        ])
        .arg(format!("--mysql-port={}", s.addr.port()))
        .arg(&script)
        .arg("run")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("{}\n{}", stdout(&out), stderr(&out));
    assert!(out.status.success());
    let log = s.log.lock().unwrap().clone();
    let execs: Vec<_> = log.iter().filter(|l| l.starts_with("execute 2 ")).collect();
    assert_eq!(execs.len(), 50, "{log:?}");
    assert_eq!(execs[0], "execute 2 [Int(1), Bytes([118, 49])]");
    assert_eq!(execs[49], "execute 2 [Int(50), Bytes([118, 53, 48])]");
    assert!(log.contains(&"close 2".to_string()));
}

// ---------------------------------------------------------------------------------------------
// Raw packets
// ---------------------------------------------------------------------------------------------

struct Raw {
    s: TcpStream,
}

impl Raw {
    fn send(&mut self, seq: u8, payload: &[u8]) {
        let mut buf = Vec::new();
        let mut seq = seq;
        borealis_protocol::packet::frame(payload, &mut seq, &mut buf);
        self.s.write_all(&buf).unwrap();
    }

    /// One packet (seq, payload), or None on EOF.
    fn recv(&mut self) -> Option<(u8, Vec<u8>)> {
        let mut h = [0u8; 4];
        self.s.read_exact(&mut h).ok()?;
        let len = u32::from_le_bytes([h[0], h[1], h[2], 0]) as usize;
        let mut p = vec![0; len];
        self.s.read_exact(&mut p).ok()?;
        Some((h[3], p))
    }

    fn recv_ok(&mut self) -> Vec<u8> {
        let (_, p) = self.recv().expect("reply");
        assert_eq!(
            p[0],
            0x00,
            "expected OK, got {:?}",
            String::from_utf8_lossy(&p)
        );
        p
    }

    fn recv_err(&mut self) -> (u16, String) {
        let (_, p) = self.recv().expect("reply");
        assert_eq!(p[0], 0xff, "expected ERR, got {p:?}");
        (
            u16::from_le_bytes([p[1], p[2]]),
            String::from_utf8_lossy(&p[9..]).into_owned(),
        )
    }

    /// A whole text or binary result set: count, definitions, EOF, rows, EOF (or one OK/ERR).
    fn recv_resultset(&mut self) -> Vec<Vec<u8>> {
        let mut v = self.read_to_eof(true);
        if v.len() > 1 && v.last().is_some_and(|p| p[0] == 0xfe) {
            v.extend(self.read_to_eof(false));
        }
        v
    }

    fn recv_until_eof(&mut self) -> Vec<Vec<u8>> {
        self.read_to_eof(false)
    }

    /// Reads packets up to and including an EOF (0xfe, short), OK-first or ERR.
    fn read_to_eof(&mut self, ok_ends: bool) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        loop {
            let (_, p) = self.recv().expect("reply");
            let end = (p[0] == 0xfe && p.len() < 9)
                || p[0] == 0xff
                || (ok_ends && v.is_empty() && p[0] == 0);
            v.push(p);
            if end {
                return v;
            }
        }
    }
}

fn login(addr: SocketAddr, user: &str, password: &str) -> (Raw, [u8; 20]) {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut raw = Raw { s };
    let (seq, g) = raw.recv().unwrap();
    assert_eq!(seq, 0);
    assert_eq!(g[0], 10);
    assert!(g[1..].starts_with(b"8.0.36-borealis\0"));
    let rest = &g[17..];
    let mut salt = [0u8; 20];
    salt[..8].copy_from_slice(&rest[4..12]);
    salt[8..].copy_from_slice(&rest[31..43]);
    let caps: u32 =
        0x0000_0200 | 0x0000_8000 | 0x0008_0000 | 0x0020_0000 | 0x0001_0000 | 0x0002_0000;
    let mut p = Vec::new();
    p.extend_from_slice(&caps.to_le_bytes());
    p.extend_from_slice(&(1u32 << 24).to_le_bytes());
    p.push(45);
    p.extend_from_slice(&[0; 23]);
    p.extend_from_slice(user.as_bytes());
    p.push(0);
    let scramble = native_password_scramble(&salt, password);
    p.push(scramble.len() as u8);
    p.extend_from_slice(&scramble);
    p.extend_from_slice(b"mysql_native_password\0");
    raw.send(1, &p);
    (raw, salt)
}

#[test]
fn raw_commands_opensrv_would_swallow() {
    let s = start(ServerConfig::default());
    let (mut c, salt) = login(s.addr, "app", "secret");
    let (seq, ok) = c.recv().unwrap();
    assert_eq!((seq, ok[0]), (2, 0));

    // COM_PING
    c.send(0, &[0x0e]);
    let ok = c.recv_ok();
    assert_eq!(&ok[3..5], &[2, 0], "autocommit status flag");

    // COM_RESET_CONNECTION reaches the session.
    c.send(0, &[0x1f]);
    c.recv_ok();
    assert!(s
        .log
        .lock()
        .unwrap()
        .contains(&"reset_connection".to_string()));

    // COM_STATISTICS answers the status line as a bare string.
    c.send(0, &[0x09]);
    let (seq, p) = c.recv().unwrap();
    assert_eq!(seq, 1);
    assert_eq!(
        String::from_utf8(p).unwrap(),
        "Uptime: 10  Threads: 1  Questions: 25  Slow queries: 0  Opens: 3  Flush tables: 1  Open tables: 2  Queries per second avg: 2.500"
    );

    // COM_FIELD_LIST: column definitions then EOF.
    c.send(0, b"\x04t\x00");
    let defs = c.recv_until_eof();
    assert_eq!(defs.len(), 3);
    assert!(defs[0].starts_with(b"\x03def\x04shop\x01t\x01t\x02id\x02id\x0c"));
    assert_eq!(defs[0].last(), Some(&0xfb));
    assert_eq!(defs[2][0], 0xfe);
    c.send(0, b"\x04missing\x00");
    assert_eq!(c.recv_err().0, 1146);

    // COM_STMT_RESET / EXECUTE / FETCH on unknown ids: errors, connection stays.
    c.send(0, &[0x1a, 9, 0, 0, 0]);
    assert_eq!(
        c.recv_err(),
        (
            1243,
            "Unknown prepared statement handler (9) given to mysqld_stmt_reset".into()
        )
    );
    c.send(0, &[0x17, 9, 0, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(c.recv_err().0, 1243);
    c.send(0, &[0x1c, 9, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(c.recv_err().0, 1421);
    // COM_STMT_CLOSE of an unknown id: no reply at all; the next command is answered.
    c.send(0, &[0x19, 9, 0, 0, 0]);

    // Replication hooks: default refusals.
    c.send(
        0,
        b"\x12\x04\x00\x00\x00\x00\x00\x02\x00\x00\x00mysql-bin.000001",
    );
    assert_eq!(c.recv_err().0, 1236);
    c.send(
        0,
        b"\x15\x02\x00\x00\x00\x09127.0.0.1\x00\x00\x53\x0d\x00\x00\x00\x00\x00\x00\x00\x00",
    );
    assert_eq!(c.recv_err().0, 1227);
    // COM_SET_OPTION answers EOF; unknown commands 1047.
    c.send(0, &[0x1b, 0, 0]);
    assert_eq!(c.recv().unwrap().1[0], 0xfe);
    c.send(0, &[0x99]);
    assert_eq!(c.recv_err().0, 1047);
    c.send(0, &[]);
    assert_eq!(c.recv_err().0, 1047);

    // Prepared statement with binary rows, types sent on the first execute only.
    c.send(0, b"\x16select ?");
    let (_, ok) = c.recv().unwrap();
    assert_eq!(ok[0], 0);
    let id = u32::from_le_bytes([ok[1], ok[2], ok[3], ok[4]]);
    assert_eq!(u16::from_le_bytes([ok[7], ok[8]]), 1, "one param");
    let rest = c.recv_until_eof(); // param def + EOF
    assert_eq!(rest.len(), 2);
    let rest = c.recv_until_eof(); // column def + EOF
    assert_eq!(rest.len(), 2);
    for (i, bound) in [(41u64, true), (42, false)] {
        let mut e = vec![0x17];
        e.extend_from_slice(&id.to_le_bytes());
        e.extend_from_slice(&[0, 1, 0, 0, 0, 0]);
        if bound {
            e.extend_from_slice(&[1, 0x08, 0]);
        } else {
            e.push(0);
        }
        e.extend_from_slice(&i.to_le_bytes());
        c.send(0, &e);
        let rs = c.recv_resultset();
        assert_eq!(rs.len(), 5, "count, def, eof, row, eof");
        assert_eq!(rs[3], [0, 0, 2, b'4', if bound { b'1' } else { b'2' }]);
    }
    // Malformed execute: 1210, connection stays.
    c.send(0, &[0x17, id as u8, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0xee]);
    assert_eq!(c.recv_err().0, 1210);
    // COM_STMT_RESET on the known id.
    let mut r = vec![0x1a];
    r.extend_from_slice(&id.to_le_bytes());
    c.send(0, &r);
    c.recv_ok();

    // Binary protocol for every value kind.
    c.send(0, b"\x16select types");
    let (_, ok) = c.recv().unwrap();
    let tid = u32::from_le_bytes([ok[1], ok[2], ok[3], ok[4]]);
    assert_eq!(c.recv_until_eof().len(), 11);
    let mut e = vec![0x17];
    e.extend_from_slice(&tid.to_le_bytes());
    e.extend_from_slice(&[0, 1, 0, 0, 0]);
    c.send(0, &e);
    let rs = c.recv_resultset();
    assert_eq!(rs.len(), 1 + 10 + 1 + 1 + 1);
    let row = &rs[12];
    let mut want = vec![0u8, 0, 0b0000_1000];
    want.extend_from_slice(&(-5i32).to_le_bytes());
    want.extend_from_slice(&[0xff; 8]);
    want.extend_from_slice(&1.5f32.to_le_bytes());
    want.extend_from_slice(&0.25f64.to_le_bytes());
    want.push(12);
    want.extend_from_slice(b"-99999999.99");
    let s8 = "ümlaut é 日本".as_bytes();
    want.push(s8.len() as u8);
    want.extend_from_slice(s8);
    want.extend_from_slice(&[4, 0xe8, 0x07, 2, 29]);
    want.extend_from_slice(&[11, 0xf6, 0x07, 1, 19, 3, 14, 7]);
    want.extend_from_slice(&123456u32.to_le_bytes());
    want.extend_from_slice(&[8, 1, 1, 0, 0, 0, 2, 3, 4]);
    assert_eq!(row, &want);

    // COM_CHANGE_USER to another user, with the connection's salt.
    let mut cu = b"\x11repl\x00".to_vec();
    let sc = native_password_scramble(&salt, "replpw");
    cu.push(20);
    cu.extend_from_slice(&sc);
    cu.extend_from_slice(b"shop\x00");
    cu.extend_from_slice(&45u16.to_le_bytes());
    cu.extend_from_slice(b"mysql_native_password\x00");
    c.send(0, &cu);
    c.recv_ok();
    assert!(s
        .log
        .lock()
        .unwrap()
        .contains(&"login repl db=Some(\"shop\")".to_string()));
    // Statements of the old session are gone.
    let mut e = vec![0x17];
    e.extend_from_slice(&tid.to_le_bytes());
    e.extend_from_slice(&[0, 1, 0, 0, 0]);
    c.send(0, &e);
    assert_eq!(c.recv_err().0, 1243);
    c.send(0, b"\x03select 5");
    assert_eq!(c.recv_resultset().len(), 5);

    // COM_CHANGE_USER with a wrong password: 1045, then the server closes.
    let mut cu = b"\x11app\x00".to_vec();
    cu.push(20);
    cu.extend_from_slice(&native_password_scramble(&salt, "nope"));
    cu.extend_from_slice(b"\x00");
    c.send(0, &cu);
    let (code, msg) = c.recv_err();
    assert_eq!(code, 1045);
    assert_eq!(
        msg,
        "Access denied for user 'app'@'127.0.0.1' (using password: YES)"
    );
    assert!(c.recv().is_none());
}

#[test]
fn raw_large_packets_both_directions() {
    let s = start(ServerConfig {
        max_allowed_packet: 80 << 20,
        ..Default::default()
    });
    let (mut c, _) = login(s.addr, "app", "secret");
    c.recv_ok();
    // 65 MiB query: five physical packets.
    let mut q = b"\x03select 1 /*".to_vec();
    q.resize(65 << 20, b'x');
    q.extend_from_slice(b"*/");
    c.send(0, &q);
    let rs = c.recv_resultset();
    let row = &rs[3];
    assert_eq!(row[0] as usize, row.len() - 1);
    let n: usize = std::str::from_utf8(&row[1..]).unwrap().parse().unwrap();
    assert_eq!(n, q.len() - 1);
    // Over max_allowed_packet: 1153 and the connection closes.
    let mut q = b"\x03select 1 /*".to_vec();
    q.resize(81 << 20, b'x');
    c.send(0, &q);
    assert_eq!(c.recv_err().0, 1153);
    assert!(c.recv().is_none());
}

#[test]
fn raw_malformed_packets_do_not_panic() {
    static PANICS: AtomicUsize = AtomicUsize::new(0);
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    let s = start(ServerConfig::default());
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..40 {
        let (mut c, _) = login(s.addr, "app", "secret");
        c.recv_ok();
        // Prepare something so EXECUTE/LONG_DATA/CLOSE hit a real id sometimes.
        c.send(0, b"\x16select ?, ?");
        c.recv().unwrap();
        c.recv_until_eof();
        c.recv_until_eof();
        for _ in 0..30 {
            let len = (rnd() % 40) as usize;
            let mut p: Vec<u8> = (0..len).map(|_| rnd() as u8).collect();
            if !p.is_empty() {
                // Bias toward the commands with binary bodies.
                let cmds = [0x17, 0x18, 0x19, 0x1a, 0x11, 0x12, 0x15, 0x04, 0x1b, 0x1c];
                if round % 2 == 0 {
                    p[0] = cmds[(rnd() % cmds.len() as u64) as usize];
                }
                if p[0] == 0x01 || p[0] == 0x11 {
                    p[0] = 0x17;
                }
                if p.len() > 1 && ![0x16, 0x03, 0x02].contains(&p[0]) && rnd() % 2 == 0 {
                    p[1] = 1; // a statement id that exists
                }
            }
            c.send(0, &p);
        }
        // Whatever happened, a ping either gets an answer or the socket is closed cleanly;
        // skip unanswered packets (SEND_LONG_DATA/CLOSE have none).
        c.send(0, &[0x0e]);
        let _ = c.s.set_read_timeout(Some(Duration::from_millis(300)));
        while c.recv().is_some() {}
    }
    // Garbage framing: random bytes straight after the handshake.
    for _ in 0..10 {
        let (mut c, _) = login(s.addr, "app", "secret");
        c.recv_ok();
        let junk: Vec<u8> = (0..200).map(|_| rnd() as u8).collect();
        let _ = c.s.write_all(&junk);
        let _ = c.s.set_read_timeout(Some(Duration::from_millis(200)));
        while c.recv().is_some() {}
    }
    // Random bytes instead of a handshake response.
    for _ in 0..10 {
        let mut c = Raw {
            s: TcpStream::connect(s.addr).unwrap(),
        };
        c.s.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        c.recv().unwrap();
        let len = (rnd() % 60) as usize;
        let junk: Vec<u8> = (0..len).map(|_| rnd() as u8).collect();
        c.send(1, &junk);
        while c.recv().is_some() {}
    }
    // The server still serves normal clients.
    let (mut c, _) = login(s.addr, "app", "secret");
    c.recv_ok();
    c.send(0, b"\x03select 7");
    assert_eq!(c.recv_resultset()[3], [1, b'7']);
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a server task panicked");
}
