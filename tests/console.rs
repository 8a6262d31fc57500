//! The web console (issue 30) end to end: the real `borealis` binary with API keys, a real
//! headless Chromium (Debian's chromium and chromium-driver) driven by selenium through the
//! page's data-test hooks (tests/console_drive.py) signs in, creates a clone, backtracks
//! it, restores a cluster to a point in time and deletes it; the aws CLI and the mysql
//! client check what the clicks did.

mod harness;

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

use harness::*;

const KEY: &str = "console-key";
const SECRET: &str = "console/secret+with=signs";

/// Fails with what to install when the browser stack is missing: the test must not pass
/// without having driven a browser.
fn require_browser() {
    let mut missing = Vec::new();
    for (bin, pkg) in [
        ("/usr/bin/chromium", "chromium"),
        ("/usr/bin/chromedriver", "chromium-driver"),
    ] {
        if !Path::new(bin).exists() {
            missing.push(format!("{bin} (Debian package {pkg})"));
        }
    }
    let selenium = Command::new("python3")
        .args(["-c", "import selenium"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !selenium {
        missing.push("the Python package selenium (pip install selenium)".into());
    }
    assert!(
        missing.is_empty(),
        "the console tests drive a real headless Chromium; missing: {} \
         (scripts/test.sh installs them)",
        missing.join(", ")
    );
}

/// Runs tests/console_drive.py against `b`'s console with `steps`; its output.
fn drive(b: &Borealis, extra: &[&str], steps: &[&str]) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/console_drive.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(format!("http://127.0.0.1:{}/console/", b.api_port))
        .args(["--key", KEY, "--secret", SECRET])
        .args(extra)
        .args(steps)
        .output()
        .expect("python3 runs the selenium script");
    succeeded(out, &format!("console_drive.py {steps:?}"))
}

fn aws(b: &Borealis, args: &[&str]) -> String {
    succeeded(b.aws_as((KEY, SECRET), args), &args.join(" "))
}

fn sql_at(port: u16, q: &str) -> String {
    succeeded(
        mysql(port, "admin", PASSWORD, &["-N", "-B", "-e", q], ""),
        q,
    )
}

/// One raw HTTP GET: (status line, headers and body).
fn get(port: u16, path: &str) -> (String, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let (status, rest) = resp.split_once("\r\n").unwrap_or((&resp, ""));
    (status.to_string(), rest.to_string())
}

#[test]
fn console_files_are_served_on_the_api_port_without_a_signature() {
    let b = Borealis::start_with(
        temp_dir("console-files"),
        free_port(),
        &["--api-access-key", KEY, "--api-secret-key", SECRET],
    );
    let (status, rest) = get(b.api_port, "/console/");
    assert!(status.contains(" 200 "), "{status}\n{rest}");
    assert!(rest.contains("<title>Borealis console</title>"), "{rest}");
    assert!(
        rest.to_ascii_lowercase()
            .contains("content-security-policy: default-src 'none'; script-src 'self'"),
        "{rest}"
    );
    let (status, rest) = get(b.api_port, "/console/console.js");
    assert!(status.contains(" 200 "), "{status}");
    assert!(
        rest.contains("AWS4-HMAC-SHA256"),
        "the script signs requests"
    );
    let (status, rest) = get(b.api_port, "/console");
    assert!(status.contains(" 301 "), "{status}");
    assert!(
        rest.to_ascii_lowercase().contains("location: /console/"),
        "{rest}"
    );
    assert!(get(b.api_port, "/console/nope.js").0.contains(" 404 "));
    // The API itself still wants a signature.
    let (status, xml) = b.api(&[("Action", "DescribeDBClusters")]);
    assert_eq!(status, 403, "{xml}");
    assert!(xml.contains("MissingAuthenticationToken"), "{xml}");
}

#[test]
fn console_clones_backtracks_restores_and_deletes_in_a_real_browser() {
    require_browser();
    let b = Borealis::start_with(
        temp_dir("console"),
        free_port(),
        &["--api-access-key", KEY, "--api-secret-key", SECRET],
    );
    sql_at(
        b.port,
        "CREATE DATABASE shop; \
         CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(20)); \
         INSERT INTO shop.orders VALUES (1, 'tea'), (2, 'bread')",
    );

    // Sign in with a wrong secret: the page shows the API's refusal; then with the right
    // one, Clone on the default cluster's row.
    let clone_port = free_port();
    let port_arg = clone_port.to_string();
    let clone_step = format!("clone:borealis:shop-clone:{port_arg}:24");
    let out = drive(&b, &[], &["login-refused:not-the-secret", &clone_step]);
    assert!(out.contains("SignatureDoesNotMatch"), "{out}");
    assert!(
        out.contains(&format!(
            "shop-clone is available at 127.0.0.1:{clone_port}"
        )),
        "{out}"
    );

    // What the clicks made, as the aws CLI sees it.
    let c = aws(
        &b,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "shop-clone",
            "--query",
            "DBClusters[0].[Status,BacktrackWindow,CloneGroupId]",
            "--output",
            "text",
        ],
    );
    let source_group = aws(
        &b,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "borealis",
            "--query",
            "DBClusters[0].CloneGroupId",
            "--output",
            "text",
        ],
    );
    let f: Vec<&str> = c.split_whitespace().collect();
    assert_eq!(f, ["available", "86400", source_group.as_str()], "{c}");
    let i = aws(
        &b,
        &[
            "describe-db-instances",
            "--db-instance-identifier",
            "shop-clone-instance-1",
            "--query",
            "DBInstances[0].[DBInstanceStatus,DBClusterIdentifier,Endpoint.Port]",
            "--output",
            "text",
        ],
    );
    let f: Vec<&str> = i.split_whitespace().collect();
    assert_eq!(f, ["available", "shop-clone", port_arg.as_str()], "{i}");

    // The clone holds the source's rows; writes on either side stay on that side.
    let rows = "SELECT GROUP_CONCAT(id, item ORDER BY id) FROM shop.orders";
    assert_eq!(sql_at(clone_port, rows), "1tea,2bread");
    let before_nine = sql_at(
        b.port,
        "SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ')",
    );
    sql_at(b.port, "INSERT INTO shop.orders VALUES (9, 'source only')");
    let moment = sql_at(
        clone_port,
        "SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ')",
    );
    sql_at(
        clone_port,
        "INSERT INTO shop.orders VALUES (3, 'cheese'); DELETE FROM shop.orders WHERE id = 1",
    );
    assert_eq!(sql_at(clone_port, rows), "2bread,3cheese");

    // Backtrack the clone to that moment through the page.
    let shot = b.dir.with_extension("png");
    let screenshot =
        std::env::var("CONSOLE_SCREENSHOT").unwrap_or_else(|_| shot.to_string_lossy().into_owned());
    let out = drive(
        &b,
        &["--screenshot", &screenshot],
        &[&format!("backtrack:shop-clone:{moment}")],
    );
    assert!(out.contains("shop-clone is back at"), "{out}");
    assert_eq!(
        sql_at(clone_port, rows),
        "1tea,2bread",
        "after the backtrack"
    );
    assert_eq!(
        sql_at(b.port, rows),
        "1tea,2bread,9source only",
        "the source is untouched"
    );
    let bt = aws(
        &b,
        &[
            "describe-db-cluster-backtracks",
            "--db-cluster-identifier",
            "shop-clone",
            "--query",
            "DBClusterBacktracks[0].[Status,BacktrackTo]",
            "--output",
            "text",
        ],
    );
    let f: Vec<&str> = bt.split_whitespace().collect();
    assert_eq!(f[0], "completed", "{bt}");
    assert!(
        f[1].starts_with(&moment[..19]),
        "backtracked to {bt}, asked {moment}"
    );

    // Point-in-time restore of the source to before row 9, then delete it, both through
    // the page.
    let out = drive(
        &b,
        &[],
        &[&format!("restore:borealis:shop-before:{before_nine}")],
    );
    let port: u16 = out
        .split("Cluster shop-before is available at 127.0.0.1:")
        .nth(1)
        .and_then(|r| r.trim_end_matches('.').parse().ok())
        .unwrap_or_else(|| panic!("no endpoint in {out}"));
    assert_eq!(sql_at(port, rows), "1tea,2bread", "as of {before_nine}");
    let out = drive(&b, &[], &["delete:shop-before"]);
    assert!(out.contains("Cluster shop-before deleted."), "{out}");
    let events = aws(
        &b,
        &[
            "describe-events",
            "--source-identifier",
            "shop-before",
            "--source-type",
            "db-cluster",
            "--query",
            "Events[].Message",
            "--output",
            "text",
        ],
    );
    assert!(
        events.contains(&format!(
            "Restored from DB cluster borealis (full-copy, {before_nine}"
        )),
        "{events}"
    );
    let gone = b.aws_as(
        (KEY, SECRET),
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "shop-before",
        ],
    );
    assert!(!gone.status.success(), "shop-before still exists");
    assert!(
        text(&gone.stderr).contains("DBClusterNotFoundFault"),
        "{}",
        text(&gone.stderr)
    );

    let png = std::fs::read(&screenshot).expect("the browser wrote a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
}

/// A raw POST of DescribeDBClusters with the given Host and Origin headers: (status line,
/// rest of the answer).
fn post_from(port: u16, host: &str, origin: &str) -> (String, String) {
    let body = "Action=DescribeDBClusters&Version=2014-10-31";
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let (status, rest) = resp.split_once("\r\n").unwrap_or((&resp, ""));
    (status.to_string(), rest.to_string())
}

/// Without keys the API is open to this machine: another site's page in the user's browser
/// must not be able to use it (a form POST needs no CORS preflight), nor a page whose host
/// name resolves here (DNS rebinding). The console's own requests and clients that send no
/// Origin (the CLI) are answered.
#[test]
fn other_sites_pages_cannot_call_the_api() {
    let b = Borealis::start("console-origin");
    let own = format!("127.0.0.1:{}", b.api_port);
    let (status, rest) = post_from(b.api_port, &own, &format!("http://{own}"));
    assert!(status.contains(" 200 "), "{status}\n{rest}");
    assert!(rest.contains("<DBClusterIdentifier>borealis<"), "{rest}");
    let (status, rest) = post_from(b.api_port, &own, "http://evil.example");
    assert!(status.contains(" 403 "), "{status}\n{rest}");
    assert!(rest.contains("<Code>AccessDenied</Code>"), "{rest}");
    let rebound = format!("evil.example:{}", b.api_port);
    let (status, rest) = post_from(b.api_port, &rebound, &format!("http://{rebound}"));
    assert!(status.contains(" 403 "), "{status}\n{rest}");
    assert!(rest.contains("loopback"), "{rest}");
    // No Origin: not a browser; answered as before.
    let (status, xml) = b.api(&[("Action", "DescribeDBClusters")]);
    assert_eq!(status, 200, "{xml}");
}

/// Without API keys (loopback only): no sign-in; Create cluster and Add reader through the
/// page, a refused clone shows the API's error; mysql checks the new endpoints.
#[test]
fn console_without_keys_creates_a_cluster_and_a_reader() {
    require_browser();
    let b = Borealis::start("console-open");
    let out = drive(
        &b,
        &[],
        &[
            "create:books:librarian:shelf-pass-1",
            "!clone:books:borealis::",
            "add-reader:books",
        ],
    );
    assert!(
        out.contains("DBClusterAlreadyExistsFault: DB Cluster already exists: borealis"),
        "{out}"
    );
    let endpoint = |id: &str| -> (String, u16) {
        let i = succeeded(
            b.aws(&[
                "describe-db-instances",
                "--db-instance-identifier",
                id,
                "--query",
                "DBInstances[0].[DBInstanceStatus,Endpoint.Port]",
                "--output",
                "text",
            ]),
            id,
        );
        let f: Vec<&str> = i.split_whitespace().collect();
        (f[0].to_string(), f[1].parse().unwrap())
    };
    let (status, writer) = endpoint("books-instance-1");
    assert_eq!(status, "available");
    let (status, reader) = endpoint("books-instance-2");
    assert_eq!(status, "available");
    let as_librarian = |port: u16, q: &str| {
        mysql(
            port,
            "librarian",
            "shelf-pass-1",
            &["-N", "-B", "-e", q],
            "",
        )
    };
    succeeded(
        as_librarian(
            writer,
            "CREATE DATABASE lib; CREATE TABLE lib.b (id INT PRIMARY KEY); \
             INSERT INTO lib.b VALUES (7)",
        ),
        "write on the writer",
    );
    assert_eq!(
        succeeded(as_librarian(reader, "SELECT id FROM lib.b"), "read"),
        "7"
    );
    let refused = as_librarian(reader, "INSERT INTO lib.b VALUES (8)");
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("1290"),
        "{}",
        text(&refused.stderr)
    );
}
