//! Shared harness for the end-to-end tests: starts the real `borealis` binary
//! and a real MariaDB server on loopback ports with temporary data
//! directories, and runs the real `mysql` client against them.
#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "e2e-secret";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn wait_port(port: u16, child: &mut Child, log: &Path) {
    let start = Instant::now();
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "server exited with {status} before listening; log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "server did not listen on {port}; log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "borealis-e2e-{name}-{}-{}",
        std::process::id(),
        free_port()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A running `borealis serve`.
pub struct Borealis {
    pub child: Child,
    pub port: u16,
    /// The RDS API (`--api-port`).
    pub api_port: u16,
    pub dir: PathBuf,
    pub log: PathBuf,
    keep_dir: bool,
}

impl Borealis {
    pub fn start(name: &str) -> Borealis {
        Borealis::start_in(temp_dir(name), free_port())
    }

    pub fn start_in(dir: PathBuf, port: u16) -> Borealis {
        Borealis::start_with(dir, port, &[])
    }

    /// Starts with extra `borealis serve` flags. The API listens on a free port and new
    /// instances get ports from a range of 200 picked for this server (the fleet skips
    /// ports that are taken, so concurrent tests do not collide).
    pub fn start_with(dir: PathBuf, port: u16, extra: &[&str]) -> Borealis {
        let log = dir.with_extension("log");
        let api_port = free_port();
        let base = 20_000 + (free_port() % 40) * 250;
        let range = format!("{base}-{}", base + 199);
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_borealis"))
            .args(["serve", "--data-dir"])
            .arg(&dir)
            .args([
                "--port",
                &port.to_string(),
                "--master-password",
                PASSWORD,
                "--cache-size",
                "64M",
                "--api-port",
                &api_port.to_string(),
                "--instance-ports",
                &range,
            ])
            .args(extra)
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start borealis");
        wait_port(port, &mut child, &log);
        wait_port(api_port, &mut child, &log);
        Borealis {
            child,
            port,
            api_port,
            dir,
            log,
            keep_dir: false,
        }
    }

    /// `kill -9`: no shutdown work at all.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `kill -9`, keeping the data directory: its path and the MySQL port, to start again
    /// after tampering with the files.
    pub fn kill9_keep(mut self) -> (PathBuf, u16) {
        self.kill9();
        self.keep_dir = true;
        (self.dir.clone(), self.port)
    }

    /// SIGTERM and wait for a clean exit.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().expect("wait for borealis")
    }

    /// Restarts on the same data directory and port (after stop or kill9).
    pub fn restart(mut self) -> Borealis {
        self.keep_dir = true;
        let dir = self.dir.clone();
        let port = self.port;
        drop(self);
        Borealis::start_in(dir, port)
    }

    /// [`Borealis::restart`] after a clean stop, with extra `borealis serve` flags.
    pub fn restart_with(mut self, extra: &[&str]) -> Borealis {
        self.stop();
        self.keep_dir = true;
        let dir = self.dir.clone();
        let port = self.port;
        drop(self);
        Borealis::start_with(dir, port, extra)
    }

    pub fn mysql(&self, args: &[&str], stdin: &str) -> Output {
        mysql(self.port, "admin", PASSWORD, args, stdin)
    }

    /// Starts `mysql -N -e sql` as the master user without waiting for it.
    pub fn spawn_mysql(&self, sql: &str) -> std::process::Child {
        self.mysql_session(&["-N", "-e", sql])
    }

    /// Starts the `mysql` client as the master user with `args`, stdin, stdout and stderr
    /// piped, for a test that talks to one session over time.
    pub fn mysql_session(&self, args: &[&str]) -> std::process::Child {
        Command::new("mysql")
            .args([
                "-h127.0.0.1",
                &format!("-P{}", self.port),
                "-uadmin",
                &format!("-p{PASSWORD}"),
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the mysql client (Debian package mariadb-client) is needed")
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Runs `aws --endpoint-url http://127.0.0.1:API rds ARGS` (awscli v1 from PyPI) with
    /// test credentials; returns its output.
    pub fn aws(&self, args: &[&str]) -> Output {
        self.aws_as(("test-key", "test-secret"), args)
    }

    /// [`Borealis::aws`] signing with the given access key and secret.
    pub fn aws_as(&self, keys: (&str, &str), args: &[&str]) -> Output {
        self.aws_service(keys, "rds", args)
    }

    /// `aws --endpoint-url http://127.0.0.1:API SERVICE ARGS` (`rds` or `ram`) signing with
    /// the given access key and secret.
    pub fn aws_service(&self, keys: (&str, &str), service: &str, args: &[&str]) -> Output {
        // `python3 -m awscli` is the `aws` command without depending on where pip put its
        // entry script (a pyenv shim may not exist until `pyenv rehash`).
        Command::new("python3")
            .args([
                "-m",
                "awscli",
                "--endpoint-url",
                &format!("http://127.0.0.1:{}", self.api_port),
                service,
            ])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", keys.0)
            .env("AWS_SECRET_ACCESS_KEY", keys.1)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .output()
            .expect("python3 with the AWS CLI (pip install awscli) is needed")
    }

    /// CreateDBInstance `id` on `cluster` through the raw API; its port once it listens.
    pub fn api_instance(&self, cluster: &str, id: &str) -> u16 {
        let (status, xml) = self.api(&[
            ("Action", "CreateDBInstance"),
            ("DBInstanceIdentifier", id),
            ("DBClusterIdentifier", cluster),
        ]);
        assert_eq!(status, 200, "{xml}");
        let port: u16 = xml_value(&xml, "Port").unwrap().parse().unwrap();
        wait_listening(port);
        port
    }

    /// One unsigned RDS Query API call over plain HTTP: (HTTP status, XML body).
    pub fn api(&self, params: &[(&str, &str)]) -> (u16, String) {
        use std::io::Read;
        let mut body = String::from("Version=2014-10-31");
        for (k, v) in params {
            body.push_str(&format!(
                "&{k}={}",
                v.replace('%', "%25")
                    .replace('&', "%26")
                    .replace('+', "%2B")
                    .replace(' ', "%20")
                    .replace(':', "%3A")
            ));
        }
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.api_port)).unwrap();
        write!(
            s,
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, body.to_string())
    }
}

/// Waits up to 30 s until something accepts connections on `port` of 127.0.0.1.
pub fn wait_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The text of the first `<tag>…</tag>` in `xml`.
pub fn xml_value(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].to_string())
}

impl Drop for Borealis {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if !self.keep_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// Runs the real `sysbench` against the Borealis endpoint on `port`, database `sb`, as the
/// master user.
pub fn sysbench(port: u16, args: &[&str]) -> std::process::Output {
    Command::new("sysbench")
        .args(args)
        .args([
            "--mysql-host=127.0.0.1",
            &format!("--mysql-port={port}"),
            "--mysql-user=admin",
            &format!("--mysql-password={PASSWORD}"),
            "--mysql-db=sb",
        ])
        .output()
        .expect("sysbench (Debian package sysbench) is needed")
}

/// Runs the real `mysql` client.
pub fn mysql(port: u16, user: &str, password: &str, args: &[&str], stdin: &str) -> Output {
    mysql_bytes(port, user, password, args, stdin.as_bytes())
}

/// Runs the real `mysql` client on input that need not be UTF-8 (a dump with raw BLOBs).
pub fn mysql_bytes(port: u16, user: &str, password: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut cmd = Command::new("mysql");
    cmd.args(["-h127.0.0.1", &format!("-P{port}"), &format!("-u{user}")]);
    if !password.is_empty() {
        cmd.arg(format!("-p{password}"));
    }
    let mut child = cmd
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the mysql client (Debian package mariadb-client) is needed");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    out
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The trimmed standard output of a command that must have succeeded; `what` names it
/// in the failure, with both streams.
pub fn succeeded(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        text(&out.stderr),
        text(&out.stdout)
    );
    text(&out.stdout).trim().to_string()
}

/// Runs an aws command against `b` that must succeed: its trimmed output.
/// Runs SQL as the admin (batch, no column names) and gives its output; panics with the
/// error and the server's log when it fails.
pub fn sql(b: &Borealis, q: &str) -> String {
    let out = b.mysql(&["-N", "-B", "-e", q], "");
    assert!(
        out.status.success(),
        "{q}: {}\n{}",
        text(&out.stderr),
        b.log_text()
    );
    text(&out.stdout)
}

/// The error line of SQL that must fail.
pub fn err(b: &Borealis, q: &str) -> String {
    let out = b.mysql(&["-N", "-B", "-e", q], "");
    assert!(
        !out.status.success(),
        "{q} succeeded: {}",
        text(&out.stdout)
    );
    let stderr = text(&out.stderr);
    stderr
        .lines()
        .find(|l| l.starts_with("ERROR"))
        .unwrap_or(&stderr)
        .to_string()
}

pub fn aws(b: &Borealis, args: &[&str]) -> String {
    succeeded(b.aws(args), &args.join(" "))
}

/// Runs an aws command against `b` that must fail with the RDS error `code`.
pub fn aws_fails(b: &Borealis, args: &[&str], code: &str) {
    let out = b.aws(args);
    assert!(
        !out.status.success(),
        "{args:?} succeeded: {}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains(code),
        "{args:?}: want {code}: {}",
        text(&out.stderr)
    );
}

/// A real MariaDB server (the reference peer), root without password.
pub struct MariaDb {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

pub fn mariadbd() -> Option<PathBuf> {
    ["/usr/sbin/mariadbd", "/usr/bin/mariadbd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

impl MariaDb {
    pub fn start(name: &str) -> MariaDb {
        MariaDb::start_with(name, &[])
    }

    /// A MariaDB server with more `mariadbd` options (e.g. `--server-id=2` for a replica).
    pub fn start_with(name: &str, extra: &[&str]) -> MariaDb {
        Self::start_inner(name, extra, false)
    }

    /// A server with its grant tables on (root without a password), as events need:
    /// `--skip-grant-tables` also disables MariaDB's event scheduler, and with it
    /// CREATE/DROP EVENT (1577).
    pub fn start_with_grants(name: &str) -> MariaDb {
        Self::start_inner(name, &[], true)
    }

    fn start_inner(name: &str, extra: &[&str], grants: bool) -> MariaDb {
        let bin = mariadbd().expect(
            "mariadbd (Debian package mariadb-server) is needed; scripts/test.sh installs it",
        );
        let dir = temp_dir(&format!("mariadb-{name}"));
        let data = dir.join("data");
        std::fs::create_dir_all(&data).unwrap();
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| text(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let mut install = Command::new("mariadb-install-db");
        install
            .args([
                "--no-defaults",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ])
            .arg(format!("--datadir={}", data.display()));
        // A private tmpdir: concurrent bootstraps otherwise collide on temporary tables.
        let tmp = dir.join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        install.arg(format!("--tmpdir={}", tmp.display()));
        if is_root {
            install.arg("--user=root");
        }
        let out = install.output().expect("mariadb-install-db");
        assert!(
            out.status.success(),
            "mariadb-install-db failed: {}",
            text(&out.stderr)
        );
        let port = free_port();
        let log = dir.join("mariadb.log");
        let mut cmd = Command::new(bin);
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.join("sock").display()))
            .arg(format!("--port={port}"))
            .args([
                "--bind-address=127.0.0.1",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_general_ci",
                "--default-time-zone=+00:00",
                "--innodb-buffer-pool-size=64M",
            ]);
        if !grants {
            cmd.arg("--skip-grant-tables");
        }
        cmd.arg(format!("--log-error={}", log.display()))
            .args(extra);
        if is_root {
            cmd.arg("--user=root");
        }
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mariadbd");
        wait_port(port, &mut child, &log);
        MariaDb { child, port, dir }
    }

    pub fn mysql(&self, args: &[&str], stdin: &str) -> Output {
        mysql(self.port, "root", "", args, stdin)
    }

    /// Loads IANA time zones into MariaDB's `mysql.time_zone*` tables (from the system's
    /// zoneinfo, with `mysql_tzinfo_to_sql`), so `CONVERT_TZ(.., 'Europe/Berlin')` and
    /// `SET time_zone = 'Europe/Berlin'` work there as in MySQL with its tables loaded.
    pub fn load_time_zones(&self, zones: &[&str]) {
        let mut sql = String::new();
        for z in zones {
            let file = PathBuf::from("/usr/share/zoneinfo").join(z);
            let out = Command::new("mysql_tzinfo_to_sql")
                .arg(&file)
                .arg(z)
                .output()
                .expect("mysql_tzinfo_to_sql (Debian package mariadb-server)");
            assert!(
                out.status.success(),
                "mysql_tzinfo_to_sql {z} (Debian package tzdata): {}",
                text(&out.stderr)
            );
            sql.push_str(&text(&out.stdout));
        }
        let out = self.mysql(&["mysql"], &sql);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---- replication: a MariaDB replica of a Borealis endpoint ----

pub const REPL_PW: &str = "replpass";

/// Runs SQL as the master user on the Borealis endpoint on `port`; panics on failure.
pub fn admin_sql(port: u16, q: &str) -> String {
    let out = mysql(port, "admin", PASSWORD, &["-N", "-B", "-e", q], "");
    assert!(out.status.success(), "{q}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// Runs SQL on a MariaDB server as root; panics on failure.
pub fn msql(m: &MariaDb, q: &str) -> String {
    let out = m.mysql(&["-N", "-B", "-e", q], "");
    assert!(out.status.success(), "{q}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// The text of `mysqldump ARGS` run as the admin against the server on `port` (it must
/// succeed).
pub fn mysqldump_port(port: u16, args: &[&str]) -> String {
    let out = Command::new("mysqldump")
        .args([
            "-h127.0.0.1",
            &format!("-P{port}"),
            "-uadmin",
            &format!("-p{PASSWORD}"),
        ])
        .args(args)
        .output()
        .expect("mysqldump");
    assert!(out.status.success(), "mysqldump: {}", text(&out.stderr));
    text(&out.stdout)
}

/// [`mysqldump_port`] of `b`.
pub fn mysqldump(b: &Borealis, args: &[&str]) -> String {
    mysqldump_port(b.port, args)
}

/// The CREATE TABLE statement SHOW CREATE TABLE `t` prints, with its newlines.
pub fn show_create(b: &Borealis, t: &str) -> String {
    let out = sql(b, &format!("SHOW CREATE TABLE {t}"));
    out.split_once('\t')
        .map(|x| x.1)
        .unwrap_or("")
        .replace("\\n", "\n")
}

/// A MariaDB replica of `b` ([`replica`]) following it from its current binlog position.
pub fn replica_of(b: &Borealis, name: &str) -> MariaDb {
    create_repl_user(b.port);
    let st = sql(b, "SHOW MASTER STATUS");
    let f: Vec<&str> = st.trim_end().split('\t').collect();
    let m = replica(name);
    start_replica(&m, b.port, f[0], f[1].parse().expect("binlog position"));
    m
}

/// A MariaDB 10.11 replica (server_id 2).
pub fn replica(name: &str) -> MariaDb {
    MariaDb::start_with(
        name,
        &[
            "--server-id=2",
            "--skip-slave-start",
            "--slave-net-timeout=10",
            "--report-host=127.0.0.1",
        ],
    )
}

/// CHANGE MASTER TO the Borealis endpoint on `port` at (file, pos), and START SLAVE.
pub fn start_replica(m: &MariaDb, port: u16, file: &str, pos: u64) {
    msql(
        m,
        &format!(
            "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={port}, MASTER_USER='repl', \
             MASTER_PASSWORD='{REPL_PW}', MASTER_LOG_FILE='{file}', MASTER_LOG_POS={pos}, \
             MASTER_CONNECT_RETRY=1; START SLAVE"
        ),
    );
}

/// The replication account `repl` on the Borealis endpoint on `port`.
pub fn create_repl_user(port: u16) {
    admin_sql(
        port,
        &format!(
            "CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY '{REPL_PW}'; \
             GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl'@'%'"
        ),
    );
}

pub fn slave_status(m: &MariaDb) -> String {
    let out = m.mysql(&["-e", "SHOW SLAVE STATUS\\G"], "");
    text(&out.stdout)
}

pub fn field<'a>(status: &'a str, name: &str) -> &'a str {
    status
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{name}: ")))
        .unwrap_or("")
}

/// CHECKSUM TABLE of `tables` (`db.t`) as text.
pub fn checksums(out: String) -> Vec<String> {
    out.lines().map(|l| l.to_string()).collect()
}

/// Waits until the replica's CHECKSUM TABLE of every table in `tables` equals Borealis',
/// failing at once when a replication thread stopped with an error.
pub fn wait_converged(m: &MariaDb, port: u16, tables: &[&str]) {
    let q = format!("CHECKSUM TABLE {}", tables.join(", "));
    let want = checksums(admin_sql(port, &q));
    // Equal rows are not enough: DDL that follows the last row change (an index, say)
    // must have been applied too, so the replica must also have executed up to the
    // source's current coordinate.
    let master = admin_sql(port, "SHOW MASTER STATUS");
    let mut coordinate = master.split('\t');
    let (want_file, want_pos) = (
        coordinate.next().unwrap_or("").trim().to_string(),
        coordinate.next().and_then(|p| p.trim().parse::<u64>().ok()),
    );
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let st = slave_status(m);
        let sql_err = field(&st, "Last_SQL_Error");
        assert!(sql_err.is_empty(), "replica SQL error: {st}");
        let got = m.mysql(&["-N", "-B", "-e", &q], "");
        // A stopped I/O thread does not come back by itself ("Connecting" retries).
        let io_stopped = field(&st, "Slave_IO_Running") == "No";
        let executed = field(&st, "Exec_Master_Log_Pos").parse::<u64>().ok();
        let caught_up = match want_pos {
            Some(pos) => {
                let file = field(&st, "Relay_Master_Log_File");
                file > want_file.as_str() || (file == want_file && executed >= Some(pos))
            }
            None => true,
        };
        if caught_up
            && text(&got.stdout)
                .lines()
                .map(String::from)
                .collect::<Vec<_>>()
                == want
        {
            assert_eq!(field(&st, "Slave_SQL_Running"), "Yes", "{st}");
            return;
        }
        if io_stopped || Instant::now() > deadline {
            let mut detail = String::new();
            for t in tables {
                let s = format!("SELECT * FROM {t}");
                detail.push_str(&format!(
                    "--- {t}\nborealis:\n{}\nreplica:\n{}\n",
                    admin_sql(port, &s),
                    text(&m.mysql(&["-N", "-B", "-e", &s], "").stdout)
                ));
            }
            let log = std::fs::read_to_string(m.dir.join("mariadb.log")).unwrap_or_default();
            let log_tail: Vec<&str> = log.lines().rev().take(40).collect();
            panic!(
                "replica on port {} did not converge: want {want:?}, got {}\n{st}\n{detail}\n\
                 replica's error log (last lines, newest first):\n{}",
                m.port,
                text(&got.stdout),
                log_tail.join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A loopback TCP proxy to `127.0.0.1:target` that can cut a replica's binlog stream at
/// an exact event: after [`CutProxy::cut_after_events`]`(n)`, the connection that next
/// forwards `n` whole event packets from the server (heartbeats not counted) is shut down
/// both ways right after the `n`th, as a network failure or a crash of the source would
/// leave it. New connections are accepted and forwarded as before.
pub struct CutProxy {
    pub port: u16,
    armed: std::sync::Arc<std::sync::atomic::AtomicU64>,
    cuts: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl CutProxy {
    pub fn start(target: u16) -> CutProxy {
        use std::sync::atomic::Ordering;
        use std::sync::Arc;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let armed = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let cuts = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (a, c) = (armed.clone(), cuts.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let (c_in, s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut &c_in, &mut &s_out);
                    let _ = s_out.shutdown(std::net::Shutdown::Write);
                });
                let (a, c) = (a.clone(), c.clone());
                std::thread::spawn(move || {
                    use std::io::Read;
                    // Whole packets only: 3-byte length, sequence id, payload. A binlog
                    // event packet is an OK byte (0) and the event (type at byte 4).
                    let mut counted = 0u64;
                    loop {
                        let mut head = [0u8; 4];
                        if (&server).read_exact(&mut head).is_err() {
                            break;
                        }
                        let len = u32::from_le_bytes([head[0], head[1], head[2], 0]) as usize;
                        let mut payload = vec![0u8; len];
                        if (&server).read_exact(&mut payload).is_err() {
                            break;
                        }
                        if (&client).write_all(&head).is_err()
                            || (&client).write_all(&payload).is_err()
                        {
                            break;
                        }
                        let want = a.load(Ordering::SeqCst);
                        let is_event = len > 20 && payload[0] == 0 && payload[5] != 27;
                        if want == 0 || !is_event {
                            continue;
                        }
                        counted += 1;
                        if counted >= want && a.swap(0, Ordering::SeqCst) > 0 {
                            c.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                    }
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    let _ = server.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        CutProxy { port, armed, cuts }
    }

    /// Cuts the connection that next forwards `events` whole binlog events.
    pub fn cut_after_events(&self, events: u64) {
        self.armed
            .store(events, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many connections were cut so far.
    pub fn cuts(&self) -> u64 {
        self.cuts.load(std::sync::atomic::Ordering::SeqCst)
    }
}
