//! TLS and MySQL 8.0's authentication, end to end with the real `mysql` client (MariaDB
//! 10.11's, libmariadb) and PyMySQL (issue 28). Before: the server offered no CLIENT_SSL
//! (`mysql --ssl` failed, `have_ssl` was DISABLED), every account was switched to
//! mysql_native_password, and `REQUIRE SSL` was accepted and ignored.

mod harness;

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

use harness::*;

fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        text(&out.stderr),
        text(&out.stdout)
    );
    text(&out.stdout)
}

fn admin(b: &Borealis, q: &str) -> String {
    ok(&b.mysql(&["-N", "-B", "-e", q], ""), q)
}

/// `mysql` as `user` with `args`, running `q`.
fn as_user(b: &Borealis, user: &str, pw: &str, args: &[&str], q: &str) -> Output {
    let mut all = vec!["-N", "-B"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-e", q]);
    mysql(b.port, user, pw, &all, "")
}

/// Runs PyMySQL: connects as `user` (TLS with the server's CA when `ca` is given, else
/// plain, so caching_sha2_password's RSA exchange) and prints `SELECT CURRENT_USER()` or
/// the error code.
fn pymysql(b: &Borealis, user: &str, pw: &str, ca: Option<&str>) -> String {
    let script = r#"
import sys, pymysql
port, user, pw, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
tls = {"ssl": {"ca": ca, "check_hostname": True}} if ca else {"ssl_disabled": True}
try:
    c = pymysql.connect(host="127.0.0.1", port=port, user=user, password=pw, **tls)
    cur = c.cursor()
    cur.execute("SELECT CURRENT_USER()")
    who = cur.fetchone()[0]
    cur.execute("SHOW STATUS LIKE 'Ssl_version'")
    print(who, cur.fetchone()[1] or "plain")
except pymysql.err.OperationalError as e:
    print("error", e.args[0])
"#;
    let out = Command::new("python3")
        .args([
            "-c",
            script,
            &b.port.to_string(),
            user,
            pw,
            ca.unwrap_or(""),
        ])
        .output()
        .expect("python3 with PyMySQL and cryptography");
    ok(&out, "pymysql").trim().to_string()
}

#[test]
fn tls_with_the_mysql_client() {
    let b = Borealis::start("tls-client");
    // First start made MySQL's certificate files and RSA keys, private to the server.
    for f in [
        "ca.pem",
        "ca-key.pem",
        "server-cert.pem",
        "server-key.pem",
        "private_key.pem",
        "public_key.pem",
    ] {
        let meta = std::fs::metadata(b.dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{f}");
    }
    let ca = b.dir.join("ca.pem").display().to_string();
    let vars = admin(
        &b,
        "SELECT CONCAT_WS(' ', @@have_ssl, @@have_openssl, @@ssl_ca, @@tls_version)",
    );
    let canon = std::fs::canonicalize(&ca).unwrap();
    assert_eq!(
        vars.trim(),
        format!("YES YES {} TLSv1.2,TLSv1.3", canon.display())
    );

    // --ssl: encrypted; the client's \s names the cipher, the session status agrees.
    let out = ok(&b.mysql(&["--ssl", "-e", "\\s"], ""), "\\s over TLS");
    assert!(out.contains("Cipher in use is"), "{out}");
    let st = ok(
        &b.mysql(&["--ssl", "-N", "-B", "-e", "SHOW STATUS LIKE 'Ssl%'"], ""),
        "Ssl status",
    );
    assert!(st.contains("Ssl_version\tTLSv1.3"), "{st}");
    assert!(st.contains("Ssl_cipher\tTLS_"), "{st}");
    // Verifying the server's certificate against the generated CA, by IP and by name.
    for host in ["127.0.0.1", "localhost"] {
        let out = Command::new("mysql")
            .args([
                &format!("-h{host}"),
                "--protocol=TCP",
                &format!("-P{}", b.port),
                "-uadmin",
                &format!("-p{PASSWORD}"),
                "--ssl-verify-server-cert",
                &format!("--ssl-ca={ca}"),
                "-N",
                "-B",
                "-e",
                "SHOW STATUS LIKE 'Ssl_version'",
            ])
            .output()
            .unwrap();
        assert!(ok(&out, host).contains("TLSv1.3"));
    }
    // TLS 1.2 too, with an OpenSSL-named cipher.
    let st = ok(
        &b.mysql(
            &[
                "--ssl",
                "--tls-version=TLSv1.2",
                "-N",
                "-B",
                "-e",
                "SHOW STATUS LIKE 'Ssl%'",
            ],
            "",
        ),
        "TLS 1.2",
    );
    assert!(st.contains("Ssl_version\tTLSv1.2"), "{st}");
    assert!(st.contains("Ssl_cipher\tECDHE-ECDSA-"), "{st}");
    // A plain connection shows empty values (the client takes TLS when offered: refuse it).
    let st = ok(
        &b.mysql(
            &[
                "--skip-ssl",
                "-N",
                "-B",
                "-e",
                "SHOW STATUS LIKE 'Ssl_version'",
            ],
            "",
        ),
        "plain",
    );
    assert_eq!(st.trim(), "Ssl_version");

    // require_secure_transport: plain logins fail with 3159, TLS ones go on.
    admin(&b, "SET GLOBAL require_secure_transport = ON");
    let out = b.mysql(&["--skip-ssl", "-e", "SELECT 1"], "");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("ERROR 3159"),
        "{}",
        text(&out.stderr)
    );
    ok(
        &b.mysql(
            &["--ssl", "-e", "SET GLOBAL require_secure_transport = OFF"],
            "",
        ),
        "off",
    );
    admin(&b, "SELECT 1");

    // REQUIRE SSL: stored, shown, enforced with 1045; REQUIRE NONE lifts it.
    admin(&b, "CREATE USER 'sec'@'%' IDENTIFIED BY 'pw1' REQUIRE SSL");
    let show = admin(&b, "SHOW CREATE USER 'sec'@'%'");
    assert!(show.contains("REQUIRE SSL"), "{show}");
    assert!(
        show.starts_with("CREATE USER `sec`@`%` IDENTIFIED WITH 'mysql_native_password' AS '*"),
        "{show}"
    );
    let out = as_user(&b, "sec", "pw1", &["--skip-ssl"], "SELECT 1");
    assert!(
        text(&out.stderr).contains("ERROR 1045"),
        "{}",
        text(&out.stderr)
    );
    ok(
        &as_user(&b, "sec", "pw1", &["--ssl"], "SELECT 1"),
        "sec over TLS",
    );
    admin(&b, "ALTER USER 'sec'@'%' REQUIRE NONE");
    ok(&as_user(&b, "sec", "pw1", &[], "SELECT 1"), "sec plain");
    let out = b.mysql(&["-e", "ALTER USER 'sec'@'%' REQUIRE X509"], "");
    assert!(
        text(&out.stderr).contains("ERROR 1235"),
        "{}",
        text(&out.stderr)
    );

    // The files are reused on the next start: the CA a client holds stays valid.
    let before = std::fs::read(&ca).unwrap();
    let b = b.restart();
    assert_eq!(std::fs::read(&ca).unwrap(), before);
    ok(
        &b.mysql(
            &[
                "--ssl-verify-server-cert",
                &format!("--ssl-ca={ca}"),
                "-e",
                "SELECT 1",
            ],
            "",
        ),
        "after restart",
    );
}

#[test]
fn caching_sha2_password() {
    let dir = temp_dir("tls-sha2");
    let b = Borealis::start_with(
        dir,
        free_port(),
        &[
            "--var",
            "default_authentication_plugin=caching_sha2_password",
        ],
    );
    let ca = b.dir.join("ca.pem").display().to_string();
    admin(
        &b,
        "CREATE USER 'cs'@'%' IDENTIFIED WITH caching_sha2_password BY 'sha-pw'; \
         CREATE USER 'dflt'@'%' IDENTIFIED BY 'd-pw'; \
         CREATE USER 'py_rsa'@'%' IDENTIFIED WITH caching_sha2_password BY 'py-pw'; \
         CREATE USER 'py_tls'@'%' IDENTIFIED WITH caching_sha2_password BY 'py-pw'; \
         CREATE USER 'nat'@'%' IDENTIFIED WITH mysql_native_password BY 'n-pw'; \
         GRANT SELECT ON *.* TO 'cs'@'%'",
    );
    let show = admin(&b, "SHOW CREATE USER 'cs'@'%'");
    assert!(
        show.starts_with(
            "CREATE USER `cs`@`%` IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$"
        ),
        "{show}"
    );
    // default_authentication_plugin decides the plugin of an account that names none.
    let show = admin(&b, "SHOW CREATE USER 'dflt'@'%'");
    assert!(show.contains("'caching_sha2_password'"), "{show}");
    assert!(admin(&b, "SELECT @@default_authentication_plugin").contains("caching_sha2_password"));
    let out = b.mysql(
        &[
            "-e",
            "SET GLOBAL default_authentication_plugin = 'mysql_native_password'",
        ],
        "",
    );
    assert!(
        text(&out.stderr).contains("ERROR 1238"),
        "{}",
        text(&out.stderr)
    );

    // Without TLS and before any login: full authentication with the server's RSA key.
    let who = as_user(&b, "cs", "sha-pw", &["--skip-ssl"], "SELECT CURRENT_USER()");
    assert_eq!(ok(&who, "cs by RSA").trim(), "cs@%");
    // Now cached: the scramble fast path, plain and over TLS.
    ok(
        &as_user(&b, "cs", "sha-pw", &["--skip-ssl"], "SELECT 1"),
        "cs fast",
    );
    ok(
        &as_user(&b, "cs", "sha-pw", &["--ssl"], "SELECT 1"),
        "cs fast TLS",
    );
    // Full authentication over TLS (cleartext inside it), for an account not yet cached.
    ok(
        &as_user(
            &b,
            "dflt",
            "d-pw",
            &["--ssl-verify-server-cert", &format!("--ssl-ca={ca}")],
            "SELECT 1",
        ),
        "dflt over TLS",
    );
    // Wrong passwords: 1045 on both paths, cached or not.
    for (user, args) in [
        ("cs", "--skip-ssl"),
        ("cs", "--ssl"),
        ("py_rsa", "--skip-ssl"),
        ("py_tls", "--ssl"),
    ] {
        let out = as_user(&b, user, "wrong", &[args], "SELECT 1");
        assert!(
            text(&out.stderr).contains("ERROR 1045"),
            "{user} {args}: {}",
            text(&out.stderr)
        );
    }
    // A changed password empties the account's cache entry: the old one fails.
    admin(&b, "ALTER USER 'cs'@'%' IDENTIFIED BY 'new-pw'");
    let out = as_user(&b, "cs", "sha-pw", &["--skip-ssl"], "SELECT 1");
    assert!(
        text(&out.stderr).contains("ERROR 1045"),
        "{}",
        text(&out.stderr)
    );
    ok(
        &as_user(&b, "cs", "new-pw", &["--skip-ssl"], "SELECT 1"),
        "cs new pw",
    );
    // ALTER USER keeps the plugin; mysql_native_password accounts still work.
    assert!(admin(&b, "SHOW CREATE USER 'cs'@'%'").contains("caching_sha2_password"));
    ok(&as_user(&b, "nat", "n-pw", &[], "SELECT 1"), "native");
    // The stored hash moves between servers: AS '<hash>' logs in with the same password.
    let hash = admin(&b, "SHOW CREATE USER 'py_rsa'@'%'");
    let hash = hash
        .split(" AS '")
        .nth(1)
        .unwrap()
        .split("' REQUIRE")
        .next()
        .unwrap()
        .to_string();
    admin(
        &b,
        &format!("CREATE USER 'copy'@'%' IDENTIFIED WITH caching_sha2_password AS '{hash}'"),
    );
    ok(
        &as_user(&b, "copy", "py-pw", &["--ssl"], "SELECT 1"),
        "copied hash",
    );
    let out = b.mysql(
        &[
            "-e",
            "CREATE USER 'bad'@'%' IDENTIFIED WITH caching_sha2_password AS 'nope'",
        ],
        "",
    );
    assert!(
        text(&out.stderr).contains("ERROR 1827"),
        "{}",
        text(&out.stderr)
    );

    // PyMySQL: RSA without TLS, cleartext over verified TLS, then the fast path; 1045.
    assert_eq!(pymysql(&b, "py_rsa", "py-pw", None), "py_rsa@% plain");
    assert_eq!(
        pymysql(&b, "py_tls", "py-pw", Some(&ca)),
        "py_tls@% TLSv1.3"
    );
    assert_eq!(pymysql(&b, "py_tls", "py-pw", None), "py_tls@% plain");
    assert_eq!(pymysql(&b, "py_rsa", "nope", None), "error 1045");
    assert_eq!(pymysql(&b, "py_tls", "nope", Some(&ca)), "error 1045");
    assert_eq!(pymysql(&b, "nat", "n-pw", None), "nat@% plain");
}

#[test]
fn mariadb_replica_streams_the_binlog_over_tls() {
    if mariadbd().is_none() {
        return;
    }
    let b = Borealis::start("tls-repl");
    let ca = b.dir.join("ca.pem").display().to_string();
    // The replication account may only come over TLS.
    admin(
        &b,
        &format!(
            "CREATE USER 'repl'@'%' IDENTIFIED BY '{REPL_PW}' REQUIRE SSL; \
             GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl'@'%'"
        ),
    );
    let status = admin(&b, "SHOW MASTER STATUS");
    let mut cols = status.split('\t');
    let (file, pos) = (
        cols.next().unwrap().to_string(),
        cols.next().unwrap().trim().to_string(),
    );
    let m = replica("tls-repl-replica");
    msql(
        &m,
        &format!(
            "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={}, MASTER_USER='repl', \
             MASTER_PASSWORD='{REPL_PW}', MASTER_LOG_FILE='{file}', MASTER_LOG_POS={pos}, \
             MASTER_CONNECT_RETRY=1, MASTER_SSL=1, MASTER_SSL_CA='{ca}', \
             MASTER_SSL_VERIFY_SERVER_CERT=1; START SLAVE",
            b.port
        ),
    );
    admin(
        &b,
        "CREATE DATABASE tr; CREATE TABLE tr.t (id INT PRIMARY KEY, v VARCHAR(20)); \
         INSERT INTO tr.t VALUES (1, 'one'), (2, 'two'), (3, 'three')",
    );
    let mut last = String::new();
    for _ in 0..600 {
        let out = m.mysql(&["-N", "-B", "-e", "SELECT COUNT(*) FROM tr.t"], "");
        last = text(&out.stdout);
        if last.trim() == "3" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let st = slave_status(&m);
    assert_eq!(last.trim(), "3", "{st}");
    assert_eq!(field(&st, "Master_SSL_Allowed"), "Yes", "{st}");
    assert_eq!(field(&st, "Slave_IO_Running"), "Yes", "{st}");
}
