//! Clones and the control plane end to end (issue 6): the real AWS CLI (awscli from PyPI)
//! drives the RDS API of a real `borealis serve`; the real mysql client and sysbench check
//! what the clones hold; the `borealis` subcommands do the same from the shell.

mod harness;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use harness::*;

const MASTER: &str = "masteruser";
const MASTER_PW: &str = "masterpass1";

/// Runs SQL as the master user of the default cluster.
fn sql(b: &Borealis, q: &str) -> String {
    succeeded(b.mysql(&["-N", "-B", "-e", q], ""), q)
}

/// Runs SQL on any endpoint as `masteruser`.
fn sql_at(port: u16, db: &str, q: &str) -> Output {
    mysql(
        port,
        MASTER,
        MASTER_PW,
        &["-N", "-B", "-D", db, "-e", q],
        "",
    )
}

fn checksum_at(port: u16) -> String {
    succeeded(sql_at(port, "mylab", "checksum table sbtest1"), "checksum")
}

fn sysbench_prepare(port: u16, rows: u32) {
    let out = Command::new("sysbench")
        .args([
            "oltp_write_only",
            "--threads=1",
            "--mysql-host=127.0.0.1",
            &format!("--mysql-user={MASTER}"),
            &format!("--mysql-password={MASTER_PW}"),
            &format!("--mysql-port={port}"),
            "--tables=1",
            "--mysql-db=mylab",
            &format!("--table-size={rows}"),
            "prepare",
        ])
        .output()
        .expect("sysbench (Debian package sysbench) is needed");
    succeeded(out, "sysbench prepare");
}

/// The lab's setup: a database `mylab` and a `masteruser` with every privilege.
fn lab(b: &Borealis, rows: u32) {
    sql(
        b,
        &format!(
            "CREATE DATABASE mylab; CREATE USER {MASTER} IDENTIFIED BY '{MASTER_PW}'; \
             GRANT ALL ON *.* TO {MASTER} WITH GRANT OPTION"
        ),
    );
    sysbench_prepare(b.port, rows);
}

/// Polls `describe` (an aws command printing one status word) until it says `available`.
fn wait_available(b: &Borealis, describe: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = aws(b, describe);
        if status == "available" {
            return;
        }
        assert!(
            status == "creating" && Instant::now() < deadline,
            "{describe:?}: status {status}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until describe-db-clusters says cluster `id` is available.
fn wait_cluster_available(b: &Borealis, id: &str) {
    wait_available(
        b,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            id,
            "--query",
            "DBClusters[0].Status",
            "--output",
            "text",
        ],
    );
}

/// Runs a `borealis` subcommand against `b`'s API; its output (it must succeed).
fn borealis_cli(b: &Borealis, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_borealis"))
        .args(args)
        .args(["--api", &format!("http://127.0.0.1:{}", b.api_port)])
        .output()
        .unwrap();
    succeeded(out, &args.join(" "))
}

/// create-db-instance, then the instance's (address, port) once it is available.
fn create_instance(b: &Borealis, cluster: &str, instance: &str) -> (String, u16) {
    aws(
        b,
        &[
            "create-db-instance",
            "--db-instance-class",
            "db.r4.large",
            "--engine",
            "aurora",
            "--db-cluster-identifier",
            cluster,
            "--db-instance-identifier",
            instance,
        ],
    );
    wait_available(
        b,
        &[
            "describe-db-instances",
            "--db-instance-identifier",
            instance,
            "--query",
            "DBInstances[0].DBInstanceStatus",
            "--output",
            "text",
        ],
    );
    let ep = aws(
        b,
        &[
            "describe-db-instances",
            "--db-instance-identifier",
            instance,
            "--query",
            "DBInstances[0].[Endpoint.Address,Endpoint.Port]",
            "--output",
            "text",
        ],
    );
    let mut f = ep.split_whitespace();
    let addr = f.next().unwrap().to_string();
    let port = f.next().unwrap().parse().unwrap();
    (addr, port)
}

fn clone_cluster(b: &Borealis, source: &str, id: &str) {
    aws(
        b,
        &[
            "restore-db-cluster-to-point-in-time",
            "--restore-type",
            "copy-on-write",
            "--use-latest-restorable-time",
            "--source-db-cluster-identifier",
            source,
            "--db-cluster-identifier",
            id,
            "--vpc-security-group-ids",
            "sg-0a1b2c3d",
            "--db-subnet-group-name",
            "lab-db-subnets",
            "--backtrack-window",
            "86400",
        ],
    );
    wait_cluster_available(b, id);
}

/// Seed 003 task 3.1 as it reads (the lab's cluster is the default cluster `borealis`),
/// then the seed-000 walk-through: writes on either side stay on that side; a clone of
/// the clone; readers; the binlog coordinate; a restart brings every instance back.
#[test]
fn seed_003_clone_with_the_aws_cli_and_seed_000_walkthrough() {
    let b = Borealis::start("clone-seed");
    lab(&b, 5000);
    let original = checksum_at(b.port);

    // Task 3.1, exactly as the lab's bastion runs it.
    let out = aws(
        &b,
        &[
            "restore-db-cluster-to-point-in-time",
            "--restore-type",
            "copy-on-write",
            "--use-latest-restorable-time",
            "--source-db-cluster-identifier",
            "borealis",
            "--db-cluster-identifier",
            "borealis-clone",
            "--vpc-security-group-ids",
            "sg-0a1b2c3d",
            "--db-subnet-group-name",
            "lab-db-subnets",
            "--backtrack-window",
            "86400",
        ],
    );
    assert!(
        out.contains("\"DBClusterIdentifier\": \"borealis-clone\""),
        "{out}"
    );
    assert!(
        out.contains("sg-0a1b2c3d"),
        "security groups are echoed: {out}"
    );
    assert!(out.contains("\"BacktrackWindow\": 86400"), "{out}");
    assert!(out.contains("CloneGroupId"), "{out}");
    wait_cluster_available(&b, "borealis-clone");
    let (addr, clone_port) = create_instance(&b, "borealis-clone", "borealis-clone-instance");
    assert_eq!(addr, "127.0.0.1");
    assert_ne!(clone_port, b.port);
    let out = mysql(
        clone_port,
        MASTER,
        MASTER_PW,
        &["-h", &addr, "mylab", "-e", "checksum table sbtest1"],
        "",
    );
    let clone_sum = succeeded(out, "checksum on the clone");
    assert!(
        clone_sum.contains(original.split('\t').nth(1).unwrap()),
        "{clone_sum} vs {original}"
    );
    assert_eq!(checksum_at(clone_port), original);

    // The clone point's binlog coordinate: DescribeEvents and the clone's status variables.
    let events = aws(
        &b,
        &[
            "describe-events",
            "--source-identifier",
            "borealis-clone",
            "--source-type",
            "db-cluster",
            "--query",
            "Events[].Message",
            "--output",
            "text",
        ],
    );
    let coord = events
        .split("Binlog position from crash recovery is ")
        .nth(1)
        .unwrap_or_else(|| panic!("no binlog position event: {events}"));
    let mut c = coord.split_whitespace();
    let (file, pos) = (c.next().unwrap(), c.next().unwrap());
    assert!(file.starts_with("mysql-bin-changelog."), "{events}");
    let status = succeeded(
        sql_at(
            clone_port,
            "mylab",
            "SHOW STATUS LIKE 'Borealis_clone_source_binlog%'",
        ),
        "clone status",
    );
    assert_eq!(
        status,
        format!(
            "Borealis_clone_source_binlog_file\t{file}\nBorealis_clone_source_binlog_position\t{pos}"
        )
    );
    // Nothing was written since: the coordinate is where the source is now.
    assert_eq!(
        sql(&b, "SHOW MASTER STATUS")
            .split('\t')
            .take(2)
            .collect::<Vec<_>>(),
        vec![file, pos]
    );
    // The clone carries the source's binlog up to the coordinate (the coordinate's file
    // cut there) and writes its own from the next file on.
    let logs = succeeded(
        sql_at(clone_port, "mylab", "SHOW BINARY LOGS"),
        "clone binlogs",
    );
    let files: Vec<(&str, &str)> = logs
        .lines()
        .map(|l| {
            let mut f = l.split('\t');
            (f.next().unwrap(), f.next().unwrap())
        })
        .collect();
    assert!(files.contains(&(file, pos)), "{logs}");
    let n: u32 = file.rsplit('.').next().unwrap().parse().unwrap();
    assert_eq!(
        files.last().unwrap().0,
        format!("mysql-bin-changelog.{:06}", n + 1),
        "{logs}"
    );

    // Seed 000: a write on the source does not reach the clone ...
    succeeded(
        sql_at(
            b.port,
            "mylab",
            "UPDATE sbtest1 SET k = k + 1000 WHERE id = 1",
        ),
        "update source",
    );
    let src_k = succeeded(
        sql_at(b.port, "mylab", "SELECT k FROM sbtest1 WHERE id = 1"),
        "k",
    );
    let clone_k = succeeded(
        sql_at(clone_port, "mylab", "SELECT k FROM sbtest1 WHERE id = 1"),
        "k",
    );
    assert_eq!(
        src_k.parse::<i64>().unwrap(),
        clone_k.parse::<i64>().unwrap() + 1000
    );
    assert_eq!(checksum_at(clone_port), original);
    let source_after = checksum_at(b.port);
    assert_ne!(source_after, original);
    // ... and writes on the clone (DML and DDL) do not reach the source.
    succeeded(
        sql_at(
            clone_port,
            "mylab",
            "DELETE FROM sbtest1 WHERE id <= 10; CREATE TABLE only_on_clone (x INT PRIMARY KEY); \
             INSERT INTO only_on_clone VALUES (1)",
        ),
        "write clone",
    );
    assert_eq!(checksum_at(b.port), source_after);
    assert_eq!(
        succeeded(
            sql_at(b.port, "mylab", "SELECT COUNT(*) FROM sbtest1"),
            "count"
        ),
        "5000"
    );
    assert_eq!(
        succeeded(
            sql_at(b.port, "mylab", "SHOW TABLES LIKE 'only_on_clone'"),
            "tables"
        ),
        ""
    );
    let clone_now = checksum_at(clone_port);
    assert_ne!(clone_now, original);

    // A clone of the clone sees the clone's writes, not the source's.
    clone_cluster(&b, "borealis-clone", "borealis-clone-2");
    let (_, c2_port) = create_instance(&b, "borealis-clone-2", "borealis-clone-2-instance");
    assert_eq!(checksum_at(c2_port), clone_now);
    assert_eq!(
        succeeded(sql_at(c2_port, "mylab", "SELECT x FROM only_on_clone"), "x"),
        "1"
    );

    // A second instance is a reader: it sees commits at once and refuses writes.
    let (_, reader_port) = create_instance(&b, "borealis-clone", "borealis-clone-reader");
    let out = sql_at(reader_port, "mylab", "INSERT INTO only_on_clone VALUES (2)");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("ERROR 1290"),
        "{}",
        text(&out.stderr)
    );
    succeeded(
        sql_at(clone_port, "mylab", "INSERT INTO only_on_clone VALUES (3)"),
        "insert",
    );
    assert_eq!(
        succeeded(
            sql_at(reader_port, "mylab", "SELECT COUNT(*) FROM only_on_clone"),
            "count"
        ),
        "2"
    );
    let members = aws(
        &b,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "borealis-clone",
            "--query",
            "DBClusters[0].DBClusterMembers[].[DBInstanceIdentifier,IsClusterWriter]",
            "--output",
            "text",
        ],
    );
    assert_eq!(
        members,
        "borealis-clone-instance\tTrue\nborealis-clone-reader\tFalse"
    );

    // Errors with RDS codes.
    aws_fails(
        &b,
        &[
            "restore-db-cluster-to-point-in-time",
            "--restore-type",
            "copy-on-write",
            "--use-latest-restorable-time",
            "--source-db-cluster-identifier",
            "borealis",
            "--db-cluster-identifier",
            "borealis-clone",
        ],
        "DBClusterAlreadyExistsFault",
    );
    aws_fails(
        &b,
        &[
            "restore-db-cluster-to-point-in-time",
            "--use-latest-restorable-time",
            "--source-db-cluster-identifier",
            "no-such-cluster",
            "--db-cluster-identifier",
            "x1",
        ],
        "DBClusterNotFoundFault",
    );
    aws_fails(
        &b,
        &[
            "delete-db-cluster",
            "--db-cluster-identifier",
            "borealis-clone",
            "--skip-final-snapshot",
        ],
        "InvalidDBClusterStateFault",
    );

    // A restart brings every instance back on its port, with its data.
    let mut b = b;
    assert!(b.stop().success());
    let b = b.restart();
    wait_listening(clone_port);
    assert_eq!(checksum_at(clone_port), checksum_at(reader_port));
    assert_eq!(checksum_at(c2_port), clone_now);
    assert_eq!(checksum_at(b.port), source_after);

    // Deleting the source of a clone leaves the clone intact.
    aws(
        &b,
        &[
            "delete-db-instance",
            "--db-instance-identifier",
            "borealis-clone-reader",
        ],
    );
    aws(
        &b,
        &[
            "delete-db-instance",
            "--db-instance-identifier",
            "borealis-clone-instance",
        ],
    );
    aws(
        &b,
        &[
            "delete-db-cluster",
            "--db-cluster-identifier",
            "borealis-clone",
            "--skip-final-snapshot",
        ],
    );
    assert!(
        mysql(clone_port, MASTER, MASTER_PW, &["-e", "select 1"], "")
            .status
            .code()
            .is_some_and(|c| c != 0)
    );
    assert_eq!(checksum_at(c2_port), clone_now);
    aws_fails(
        &b,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "borealis-clone",
        ],
        "DBClusterNotFoundFault",
    );
}

/// Used pages of the volume (DescribeDBClusters' BorealisVolume, after pending reclaims).
fn used_pages(b: &Borealis) -> u64 {
    let (status, xml) = b.api(&[("Action", "DescribeDBClusters")]);
    assert_eq!(status, 200, "{xml}");
    let total: u64 = xml_value(&xml, "TotalPages").unwrap().parse().unwrap();
    let free: u64 = xml_value(&xml, "FreePages").unwrap().parse().unwrap();
    total - free
}

fn restore(b: &Borealis, source: &str, id: &str) {
    let (status, xml) = b.api(&[
        ("Action", "RestoreDBClusterToPointInTime"),
        ("SourceDBClusterIdentifier", source),
        ("DBClusterIdentifier", id),
        ("RestoreType", "copy-on-write"),
        ("UseLatestRestorableTime", "true"),
    ]);
    assert_eq!(status, 200, "{id}: {xml}");
}

fn delete(b: &Borealis, id: &str) {
    let (status, xml) = b.api(&[
        ("Action", "DeleteDBCluster"),
        ("DBClusterIdentifier", id),
        ("SkipFinalSnapshot", "true"),
    ]);
    assert_eq!(status, 200, "{id}: {xml}");
}

/// 100 clones of one source and a chain 20 deep cost no data pages; writes on a clone
/// cost only the pages they change; deleting everything in mixed order (sources before
/// their clones included) gives every page back.
#[test]
fn hundred_clones_a_chain_of_twenty_and_space_comes_back() {
    let b = Borealis::start("clone-space");
    lab(&b, 10_000);
    let original = checksum_at(b.port);
    let base = used_pages(&b);
    assert!(base > 50, "the table spans pages: {base}");

    for i in 1..=100 {
        restore(&b, "borealis", &format!("c-{i}"));
    }
    restore(&b, "borealis", "d-1");
    for i in 2..=20 {
        restore(&b, &format!("d-{}", i - 1), &format!("d-{i}"));
    }
    // Every cluster reaches the same data pages and owns none of them: the clones added
    // no data page. (The volume's own registry of clusters may take a page for the 120 new
    // records; that is not data, so the exact check is on what each cluster reaches.)
    // Every page: the API answers 100 clusters at a time, as RDS does.
    let mut xml = String::new();
    let mut marker = String::new();
    loop {
        let mut params = vec![("Action", "DescribeDBClusters")];
        if !marker.is_empty() {
            params.push(("Marker", marker.as_str()));
        }
        let (status, page) = b.api(&params);
        assert_eq!(status, 200, "{page}");
        xml.push_str(&page);
        match xml_value(&page, "Marker") {
            Some(m) => marker = m,
            None => break,
        }
    }
    assert_eq!(xml.matches("<DBCluster>").count(), 121);
    assert_eq!(
        xml.matches("<BorealisExclusiveBytes>0</BorealisExclusiveBytes>")
            .count(),
        121,
        "idle clones own no pages: {xml}"
    );
    let shared = xml_value(&xml, "BorealisSharedBytes").unwrap();
    let source_bytes: u64 = shared.parse().unwrap();
    assert!(
        source_bytes >= base * 16384 / 2,
        "{source_bytes} bytes for {base} pages"
    );
    assert_eq!(
        xml.matches(&format!(
            "<BorealisSharedBytes>{shared}</BorealisSharedBytes>"
        ))
        .count(),
        121,
        "every clone reaches exactly the source's pages: {xml}"
    );
    let with_clones = used_pages(&b);

    // Write 1% of the rows on the end of the chain.
    let port = b.api_instance("d-20", "d-20-writer");
    assert_eq!(checksum_at(port), original);
    succeeded(
        sql_at(
            port,
            "mylab",
            "UPDATE sbtest1 SET c = REPEAT('z', 120) WHERE id % 100 = 0",
        ),
        "update 1%",
    );
    let changed = checksum_at(port);
    assert_ne!(changed, original);
    assert_eq!(checksum_at(b.port), original);
    let grown = used_pages(&b) - with_clones;
    assert!(grown > 0, "the clone's writes take new pages");
    let (_, xml) = b.api(&[
        ("Action", "DescribeDBClusters"),
        ("DBClusterIdentifier", "d-20"),
    ]);
    let excl: u64 = xml_value(&xml, "BorealisExclusiveBytes")
        .unwrap()
        .parse()
        .unwrap();
    assert!(excl > 0, "{xml}");

    // Delete in mixed order: the middle of the chain first, then sources before clones.
    for i in [
        10, 1, 15, 2, 19, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18,
    ] {
        delete(&b, &format!("d-{i}"));
    }
    for i in (1..=100).rev().step_by(2).chain((1..=100).step_by(2)) {
        delete(&b, &format!("c-{i}"));
    }
    // The end of the chain outlived every cluster it came from.
    assert_eq!(checksum_at(port), changed);
    let (status, xml) = b.api(&[
        ("Action", "DeleteDBInstance"),
        ("DBInstanceIdentifier", "d-20-writer"),
    ]);
    assert_eq!(status, 200, "{xml}");
    delete(&b, "d-20");
    assert_eq!(used_pages(&b), base, "every page of the clones is back");
    assert_eq!(checksum_at(b.port), original);
    let (_, xml) = b.api(&[("Action", "DescribeDBClusters")]);
    assert_eq!(xml.matches("<DBCluster>").count(), 1, "{xml}");
}

/// With --api-access-key/--api-secret-key the API checks SigV4 signatures.
#[test]
fn the_api_verifies_signatures_when_keys_are_set() {
    let dir = temp_dir("clone-sigv4");
    let b = Borealis::start_with(
        dir,
        free_port(),
        &[
            "--api-access-key",
            "AKIDBOREALIS",
            "--api-secret-key",
            "s3cret/key",
        ],
    );
    let out = b.aws_as(
        ("AKIDBOREALIS", "s3cret/key"),
        &[
            "describe-db-clusters",
            "--query",
            "DBClusters[0].DBClusterIdentifier",
            "--output",
            "text",
        ],
    );
    assert_eq!(succeeded(out, "signed describe"), "borealis");
    let out = b.aws_as(("AKIDBOREALIS", "wrong"), &["describe-db-clusters"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("SignatureDoesNotMatch"),
        "{}",
        text(&out.stderr)
    );
    let out = b.aws_as(("SOMEONEELSE", "s3cret/key"), &["describe-db-clusters"]);
    assert!(
        text(&out.stderr).contains("InvalidClientTokenId"),
        "{}",
        text(&out.stderr)
    );
    let (status, xml) = b.api(&[("Action", "DescribeDBClusters")]);
    assert_eq!(status, 403, "{xml}");
    assert!(xml.contains("MissingAuthenticationToken"), "{xml}");
}

const SIGNED_KEYS: (&str, &str) = ("AKIDBOREALIS", "s3cret/key");

fn start_signed(name: &str) -> Borealis {
    Borealis::start_with(
        temp_dir(name),
        free_port(),
        &[
            "--api-access-key",
            SIGNED_KEYS.0,
            "--api-secret-key",
            SIGNED_KEYS.1,
        ],
    )
}

/// The headers botocore's own SigV4 signer sets on a POST of `body` (tests/sigv4_sign.py):
/// `content_hash` is `none`, `body` or `unsigned`; the request is dated `age_secs` ago.
fn botocore_signed(b: &Borealis, body: &str, content_hash: &str, age_secs: u64) -> String {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tests")
        .join("sigv4_sign.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(format!("127.0.0.1:{}", b.api_port))
        .args([SIGNED_KEYS.0, SIGNED_KEYS.1, body, content_hash])
        .arg(age_secs.to_string())
        .output()
        .expect("python3 with botocore (installed with awscli)");
    let headers = succeeded(out, "sigv4_sign.py");
    headers.lines().map(|l| format!("{l}\r\n")).collect()
}

/// Sends `head` (header lines, each ending in CRLF) and `body` as one HTTP/1.1 POST and
/// reads the answer: (status, body). What arrived before a reset still counts: a server
/// that refuses a request before reading all of it may reset the connection after
/// answering.
fn raw_post(b: &Borealis, head: &str, body: &[u8]) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", b.api_port)).unwrap();
    let mut req = format!(
        "POST / HTTP/1.1\r\n{head}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    let _ = s.write_all(&req);
    let mut resp = Vec::new();
    let mut buf = [0u8; 8192];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        resp.extend_from_slice(&buf[..n]);
    }
    let resp = text(&resp);
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_string())
}

fn cluster_exists(b: &Borealis, id: &str) -> bool {
    b.aws_as(
        SIGNED_KEYS,
        &["describe-db-clusters", "--db-cluster-identifier", id],
    )
    .status
    .success()
}

const DESCRIBE_BODY: &str = "Action=DescribeDBClusters&Version=2014-10-31";
const DELETE_VICTIM_BODY: &str =
    "Action=DeleteDBCluster&DBClusterIdentifier=victim&SkipFinalSnapshot=true&Version=2014-10-31";

/// The signature used to cover the X-Amz-Content-Sha256 header's claim instead of the body
/// received: a captured, signed DescribeDBClusters replayed with a DeleteDBCluster body got
/// HTTP 200 and the cluster was gone; so did any body under an UNSIGNED-PAYLOAD signature.
#[test]
fn a_signature_covers_the_body_that_arrived() {
    let b = start_signed("clone-sigv4-body");
    let out = b.aws_as(
        SIGNED_KEYS,
        &[
            "create-db-cluster",
            "--db-cluster-identifier",
            "victim",
            "--engine",
            "aurora-mysql",
            "--master-username",
            "boss",
            "--master-user-password",
            "first-password",
        ],
    );
    succeeded(out, "signed create-db-cluster");
    // Signed as botocore signs it, with the content hash header: answered as it stands.
    let signed = botocore_signed(&b, DESCRIBE_BODY, "body", 0);
    let (status, xml) = raw_post(&b, &signed, DESCRIBE_BODY.as_bytes());
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains("<DBClusterIdentifier>victim<"), "{xml}");
    // The same headers with another body: refused, whether the header went along or not.
    let (status, xml) = raw_post(&b, &signed, DELETE_VICTIM_BODY.as_bytes());
    assert_eq!(status, 403, "{xml}");
    assert!(xml.contains("<Code>SignatureDoesNotMatch</Code>"), "{xml}");
    let plain = botocore_signed(&b, DESCRIBE_BODY, "none", 0);
    let (status, xml) = raw_post(&b, &plain, DELETE_VICTIM_BODY.as_bytes());
    assert_eq!(status, 403, "{xml}");
    // UNSIGNED-PAYLOAD signs no body at all: refused with the body it was made for too.
    let unsigned = botocore_signed(&b, DESCRIBE_BODY, "unsigned", 0);
    for body in [DELETE_VICTIM_BODY, DESCRIBE_BODY] {
        let (status, xml) = raw_post(&b, &unsigned, body.as_bytes());
        assert_eq!(status, 403, "{xml}");
        assert!(xml.contains("UNSIGNED-PAYLOAD"), "{xml}");
    }
    assert!(
        cluster_exists(&b, "victim"),
        "the tampered requests deleted nothing"
    );
}

/// The request time is checked against the server's clock: a request signed 20 minutes
/// ago is refused as AWS refuses it (400 RequestExpired), one signed now is answered.
#[test]
fn a_request_dated_twenty_minutes_ago_is_expired() {
    let b = start_signed("clone-sigv4-expired");
    let old = botocore_signed(&b, DESCRIBE_BODY, "none", 20 * 60);
    let (status, xml) = raw_post(&b, &old, DESCRIBE_BODY.as_bytes());
    assert_eq!(status, 400, "{xml}");
    assert!(xml.contains("<Code>RequestExpired</Code>"), "{xml}");
    assert!(xml.contains("Signature expired: "), "{xml}");
    let fresh = botocore_signed(&b, DESCRIBE_BODY, "none", 0);
    let (status, xml) = raw_post(&b, &fresh, DESCRIBE_BODY.as_bytes());
    assert_eq!(status, 200, "{xml}");
}

/// The hand-written HTTP reader had no bound on a header line and dropped the connection
/// without an answer on a large body. Oversized heads and bodies now get a 4xx, and the
/// server goes on answering.
#[test]
fn oversized_requests_get_a_4xx_and_the_server_goes_on() {
    let b = Borealis::start("clone-api-limits");
    let big = "x".repeat(64 << 10);
    let (status, _) = raw_post(
        &b,
        &format!("Host: 127.0.0.1\r\nX-Padding: {big}\r\n"),
        DESCRIBE_BODY.as_bytes(),
    );
    assert_eq!(status, 431, "a 64 KiB header");
    let many: String = (0..200).map(|i| format!("X-Field-{i}: {i}\r\n")).collect();
    let (status, _) = raw_post(&b, &many, DESCRIBE_BODY.as_bytes());
    assert_eq!(status, 431, "200 header fields");
    // A Content-Length over the limit is refused before the body is read.
    let (status, xml) = raw_post(&b, "Host: 127.0.0.1\r\n", &vec![b'a'; 2 << 20]);
    assert_eq!(status, 413, "{xml}");
    assert!(
        xml.contains("<Code>RequestEntityTooLargeException</Code>"),
        "{xml}"
    );
    let (status, xml) = b.api(&[("Action", "DescribeDBClusters")]);
    assert_eq!(status, 200, "{xml}");
}

/// Sockets held open cannot take the API from everyone: past 256 connections at once a
/// new one is answered 400 Throttling and closed; when one of them goes, its slot serves
/// the next client.
#[test]
fn api_connections_past_the_cap_are_throttled_and_slots_come_back() {
    use std::io::Read;
    let b = Borealis::start("clone-api-cap");
    let held: Vec<std::net::TcpStream> = (0..256)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", b.api_port)).unwrap())
        .collect();
    // The server accepts in order: the next connection is the 257th.
    let mut extra = std::net::TcpStream::connect(("127.0.0.1", b.api_port)).unwrap();
    extra
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut resp = String::new();
    let _ = extra.read_to_string(&mut resp);
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
    assert!(resp.contains("<Code>Throttling</Code>"), "{resp}");
    drop(held);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (status, xml) = raw_post(&b, "Host: 127.0.0.1\r\n", DESCRIBE_BODY.as_bytes());
        if status == 200 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{status} {xml}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A client that sends requests and never reads the answers is closed once a response
/// write has waited 30 s (hyper alone would wait forever, holding the connection).
#[test]
fn an_api_client_that_never_reads_is_closed_after_the_write_timeout() {
    use std::io::{Read, Write};
    let b = Borealis::start("clone-api-write-timeout");
    let mut s = std::net::TcpStream::connect(("127.0.0.1", b.api_port)).unwrap();
    let req = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{DESCRIBE_BODY}",
        DESCRIBE_BODY.len()
    );
    // Send until the server stops reading (its response writes are blocked).
    s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut sent = 0u64;
    while sent < 1_000_000 && s.write_all(req.as_bytes()).is_ok() {
        sent += 1;
    }
    assert!(sent < 1_000_000, "the server never stopped reading");
    std::thread::sleep(api_write_timeout() + Duration::from_secs(10));
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let answered = String::from_utf8_lossy(&got)
        .matches("HTTP/1.1 200")
        .count() as u64;
    assert!(
        answered < sent,
        "every one of {sent} requests was answered: the connection was not closed"
    );
    let (status, xml) = b.api(&[("Action", "DescribeDBClusters")]);
    assert_eq!(status, 200, "{xml}");
}

/// The API's response write timeout (server/src/api.rs `WRITE_TIMEOUT`).
fn api_write_timeout() -> Duration {
    Duration::from_secs(30)
}

/// CreateDBCluster makes an empty cluster with its master user and database; an instance
/// gives it an endpoint; ModifyDBCluster changes the master password.
#[test]
fn create_db_cluster_then_instance() {
    let b = Borealis::start("clone-create");
    let out = aws(
        &b,
        &[
            "create-db-cluster",
            "--db-cluster-identifier",
            "fresh",
            "--engine",
            "aurora-mysql",
            "--master-username",
            "boss",
            "--master-user-password",
            "first-password",
            "--database-name",
            "app",
        ],
    );
    assert!(out.contains("\"Status\": \"available\""), "{out}");
    let (_, port) = create_instance(&b, "fresh", "fresh-1");
    let out = mysql(
        port,
        "boss",
        "first-password",
        &["-N", "-e", "SHOW DATABASES LIKE 'app'"],
        "",
    );
    assert_eq!(succeeded(out, "show databases"), "app");
    // The default cluster's users are not the new cluster's.
    let out = mysql(port, "admin", PASSWORD, &["-e", "select 1"], "");
    assert!(
        text(&out.stderr).contains("ERROR 1045"),
        "{}",
        text(&out.stderr)
    );
    aws(
        &b,
        &[
            "modify-db-cluster",
            "--db-cluster-identifier",
            "fresh",
            "--master-user-password",
            "second-password",
            "--apply-immediately",
        ],
    );
    let out = mysql(
        port,
        "boss",
        "second-password",
        &["-N", "-e", "select 1"],
        "",
    );
    assert_eq!(succeeded(out, "new password"), "1");
    aws_fails(
        &b,
        &[
            "create-db-cluster",
            "--db-cluster-identifier",
            "bad--name",
            "--engine",
            "aurora-mysql",
            "--master-username",
            "u",
            "--master-user-password",
            "password1",
        ],
        "InvalidParameterValue",
    );
}

/// `borealis clone`, `clusters`, `events`, `delete` against the running server.
#[test]
fn borealis_cli_clones_lists_and_deletes() {
    let b = Borealis::start("clone-cli");
    lab(&b, 1000);
    let out = borealis_cli(&b, &["clone", "borealis", "feature-x"]);
    assert!(out.contains("cloned borealis -> feature-x"), "{out}");
    let port: u16 = out
        .split("-P ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(checksum_at(port), checksum_at(b.port));
    let list = borealis_cli(&b, &["clusters"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("feature-x ") && l.contains(&format!("127.0.0.1:{port}"))),
        "{list}"
    );
    let json = borealis_cli(&b, &["clusters", "--json"]);
    assert!(json.contains("\"id\":\"feature-x\""), "{json}");
    assert!(json.contains("\"source\":\"borealis\""), "{json}");
    let events = borealis_cli(&b, &["events", "feature-x"]);
    assert!(
        events.contains("Binlog position from crash recovery is mysql-bin-changelog."),
        "{events}"
    );
    let out = borealis_cli(&b, &["delete", "feature-x"]);
    assert!(out.contains("deleted cluster feature-x"), "{out}");
    assert!(!borealis_cli(&b, &["clusters"]).contains("feature-x"));
    let out = Command::new(env!("CARGO_BIN_EXE_borealis"))
        .args(["delete", "feature-x", "--api"])
        .arg(format!("http://127.0.0.1:{}", b.api_port))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("DBClusterNotFoundFault"),
        "{}",
        text(&out.stderr)
    );
}

/// Point-in-time restore: RestoreDBClusterToPointInTime with RestoreToTime gives the state
/// after the last commit at or before that time, for times recorded between commits; and
/// `SELECT … AS OF TIMESTAMP` on the source reads that same state.
#[test]
fn restore_to_point_in_time_gives_the_state_at_each_recorded_time() {
    let b = Borealis::start("clone-pitr");
    sql(
        &b,
        "CREATE DATABASE p; CREATE TABLE p.t (id INT PRIMARY KEY, v INT NOT NULL)",
    );
    let mut marks = Vec::new();
    for i in 0..20 {
        let q = match i % 3 {
            0 => format!("INSERT INTO p.t VALUES ({i}, {i})"),
            1 => format!("UPDATE p.t SET v = v + {i}"),
            _ => format!("DELETE FROM p.t WHERE id = {}", i - 2),
        };
        // The time read after the commit lies between this commit and the next.
        let out = sql(
            &b,
            &format!("{q}; SELECT DATE_FORMAT(NOW(6), '%Y-%m-%dT%H:%i:%s.%fZ')"),
        );
        let sum = sql(&b, "CHECKSUM TABLE p.t");
        marks.push((out.trim().to_string(), sum));
    }
    for (i, (at, sum)) in marks.iter().enumerate() {
        let id = format!("pitr-{i}");
        let port = if i < 3 {
            // The AWS CLI's own time syntax for a few; the raw API (quicker) for the rest.
            aws(
                &b,
                &[
                    "restore-db-cluster-to-point-in-time",
                    "--source-db-cluster-identifier",
                    "borealis",
                    "--db-cluster-identifier",
                    &id,
                    "--restore-type",
                    "copy-on-write",
                    "--restore-to-time",
                    at,
                ],
            );
            create_instance(&b, &id, &format!("{id}-1")).1
        } else {
            let (status, xml) = b.api(&[
                ("Action", "RestoreDBClusterToPointInTime"),
                ("SourceDBClusterIdentifier", "borealis"),
                ("DBClusterIdentifier", &id),
                ("RestoreType", "copy-on-write"),
                ("RestoreToTime", at),
            ]);
            assert_eq!(status, 200, "{xml}");
            b.api_instance(&id, &format!("{id}-1"))
        };
        let got = succeeded(
            mysql(
                port,
                "admin",
                PASSWORD,
                &["-N", "-B", "-e", "CHECKSUM TABLE p.t"],
                "",
            ),
            "checksum",
        );
        assert_eq!(&got, sum, "restore to {at} (after statement {i})");
        // AS OF on the source reads the same state as the restored cluster, joins too.
        let q = "SELECT COUNT(*), COALESCE(SUM(a.v), 0), COALESCE(SUM(b.id), 0) FROM p.t a JOIN p.t b ON a.id = b.id";
        let restored = succeeded(
            mysql(port, "admin", PASSWORD, &["-N", "-B", "-e", q], ""),
            "restored",
        );
        let ts = at.replace('T', " ").replace('Z', "");
        let as_of = sql(
            &b,
            &format!(
                "SELECT COUNT(*), COALESCE(SUM(a.v), 0), COALESCE(SUM(b.id), 0) \
                 FROM p.t AS OF TIMESTAMP '{ts}' a JOIN p.t AS OF TIMESTAMP '{ts}' b ON a.id = b.id"
            ),
        );
        assert_eq!(as_of, restored, "AS OF {ts}");
    }
    let out = b.mysql(
        &[
            "-e",
            "SELECT * FROM p.t AS OF TIMESTAMP '2001-01-01 00:00:00'",
        ],
        "",
    );
    assert!(
        text(&out.stderr).contains("ERROR 1210"),
        "{}",
        text(&out.stderr)
    );
    aws_fails(
        &b,
        &[
            "restore-db-cluster-to-point-in-time",
            "--source-db-cluster-identifier",
            "borealis",
            "--db-cluster-identifier",
            "too-early",
            "--restore-to-time",
            "2001-01-01T00:00:00Z",
        ],
        "InvalidRestoreFault",
    );
}

/// `mysqldump` of `db` from the endpoint on `port` (as the master user), loaded into `m`.
fn copy_to_replica(port: u16, db: &str, m: &MariaDb) {
    let dump = Command::new("mysqldump")
        .args([
            "-h127.0.0.1",
            &format!("-P{port}"),
            &format!("-u{MASTER}"),
            &format!("-p{MASTER_PW}"),
            "--single-transaction",
            "--databases",
            db,
        ])
        .output()
        .expect("mysqldump (Debian package mariadb-client) is needed");
    let dump = succeeded(dump, "mysqldump");
    succeeded(m.mysql(&[], &dump), "loading the dump into the replica");
}

/// `select current_timestamp()` on `port`, as the seed's operator runs it, as ISO 8601.
fn marker(port: u16) -> String {
    std::thread::sleep(Duration::from_millis(1100));
    let t = succeeded(
        sql_at(port, "mylab", "select current_timestamp()"),
        "marker",
    );
    std::thread::sleep(Duration::from_millis(1100));
    format!("{}Z", t.replace(' ', "T"))
}

/// Seed 003 task 3.2 as it reads, on the clone task 3.1 creates: drop sbtest1 between two
/// time markers, re-create it with sysbench; backtrack to just after the second marker
/// (no sbtest1), then to before the first (sbtest1 back, checksum as before). A MariaDB
/// replica of the clone, attached all along, follows both backtracks (Aurora refuses
/// to backtrack with binlog replication on).
#[test]
fn seed_003_task_3_2_backtrack_with_a_replica_attached() {
    let b = Borealis::start("backtrack-seed");
    lab(&b, 3000);
    let source_sum = checksum_at(b.port);
    clone_cluster(&b, "borealis", "borealis-clone");
    let (_, port) = create_instance(&b, "borealis-clone", "borealis-clone-instance");
    let original = checksum_at(port);
    assert_eq!(original, source_sum);

    create_repl_user(port);
    let m = replica("backtrack-replica");
    copy_to_replica(port, "mylab", &m);
    let status = succeeded(sql_at(port, "mylab", "SHOW MASTER STATUS"), "status");
    let f: Vec<&str> = status.split('\t').collect();
    start_replica(&m, port, f[0], f[1].parse().unwrap());
    wait_converged(&m, port, &["mylab.sbtest1"]);

    // Task 3.2.
    let first = marker(port);
    succeeded(sql_at(port, "mylab", "drop table sbtest1;"), "drop");
    let second = marker(port);
    sysbench_prepare(port, 700);
    let recreated = checksum_at(port);
    assert_ne!(recreated, original);
    assert_ne!(recreated, checksum_at(b.port));

    // A mysql session left open in a transaction across the backtrack: its work is
    // discarded and its next statement gets error 1927 saying why, as Aurora closes them.
    let open = OpenSession::start(port, "BEGIN; UPDATE sbtest1 SET k = k + 1 WHERE id = 1;");
    let out = aws(
        &b,
        &[
            "backtrack-db-cluster",
            "--db-cluster-identifier",
            "borealis-clone",
            "--backtrack-to",
            &second,
        ],
    );
    assert!(out.contains("\"Status\": \"completed\""), "{out}");
    assert!(out.contains("BacktrackIdentifier"), "{out}");
    wait_cluster_available(&b, "borealis-clone");
    let err = open.finish("SELECT 'still here';");
    assert!(
        err.contains("ERROR 1927 (70100)") && err.contains("was backtracked to"),
        "{err}"
    );
    let tables = succeeded(sql_at(port, "mylab", "show tables"), "show tables");
    assert!(!tables.contains("sbtest1"), "{tables}");

    aws(
        &b,
        &[
            "backtrack-db-cluster",
            "--db-cluster-identifier",
            "borealis-clone",
            "--backtrack-to",
            &first,
        ],
    );
    assert_eq!(checksum_at(port), original, "sbtest1 is back as it was");
    wait_converged(&m, port, &["mylab.sbtest1"]);
    // The source never moved.
    assert_eq!(checksum_at(b.port), source_sum);

    let list = aws(
        &b,
        &[
            "describe-db-cluster-backtracks",
            "--db-cluster-identifier",
            "borealis-clone",
            "--query",
            "DBClusterBacktracks[].BacktrackTo",
            "--output",
            "text",
        ],
    );
    assert_eq!(list.split_whitespace().count(), 2, "{list}");
    let earliest = aws(
        &b,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "borealis-clone",
            "--query",
            "DBClusters[0].EarliestBacktrackTime",
            "--output",
            "text",
        ],
    );
    // A clone's window starts at its creation: before it is refused, or clamped on request.
    let out = b.aws(&[
        "backtrack-db-cluster",
        "--db-cluster-identifier",
        "borealis-clone",
        "--backtrack-to",
        "2001-01-01T00:00:00Z",
    ]);
    let err = text(&out.stderr);
    assert!(
        err.contains("InvalidParameterValue") && err.contains("earliest backtrack time"),
        "{err}"
    );
    assert!(err.contains(&earliest[..19]), "{err} names {earliest}");
    // `borealis backtrack` goes forward again, to the moment before the first backtrack
    // (sbtest1 re-created by sysbench), and `borealis clusters` shows what history holds.
    let from = aws(
        &b,
        &[
            "describe-db-cluster-backtracks",
            "--db-cluster-identifier",
            "borealis-clone",
            "--query",
            "DBClusterBacktracks[-1].BacktrackedFrom",
            "--output",
            "text",
        ],
    );
    let out = borealis_cli(&b, &["backtrack", "borealis-clone", "--to", &from]);
    assert!(out.contains("backtracked borealis-clone"), "{out}");
    assert_eq!(
        checksum_at(port),
        recreated,
        "forward to before the first backtrack"
    );
    wait_converged(&m, port, &["mylab.sbtest1"]);
    let json = borealis_cli(&b, &["clusters", "--json"]);
    let history: u64 = json
        .split("\"id\":\"borealis-clone\"")
        .nth(1)
        .and_then(|r| r.split("\"history_bytes\":").nth(1))
        .and_then(|r| r.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no history_bytes for the clone: {json}"));
    assert!(
        history > 0,
        "the rewound versions are held by history: {json}"
    );
    // The default cluster has no backtrack window.
    aws_fails(
        &b,
        &[
            "backtrack-db-cluster",
            "--db-cluster-identifier",
            "borealis",
            "--backtrack-to",
            &first,
        ],
        "InvalidDBClusterStateFault",
    );
}

/// A `mysql` client (batch mode, flushing after each statement) kept open on `mylab`.
struct OpenSession(std::process::Child);

impl OpenSession {
    /// Runs `sql` and waits until it has been answered.
    fn start(port: u16, sql: &str) -> OpenSession {
        use std::io::{BufRead, BufReader, Write};
        let mut child = Command::new("mysql")
            .args([
                "-h127.0.0.1",
                &format!("-P{port}"),
                &format!("-u{MASTER}"),
                &format!("-p{MASTER_PW}"),
                "-N",
                "-B",
                "--unbuffered",
                "mylab",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("mysql client");
        let stdin = child.stdin.as_mut().unwrap();
        writeln!(stdin, "{sql} SELECT 'answered';").unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "answered");
        OpenSession(child)
    }

    /// Sends `sql`, closes the input and returns what the client printed on stderr.
    fn finish(mut self, sql: &str) -> String {
        use std::io::Write;
        let mut stdin = self.0.stdin.take().unwrap();
        let _ = writeln!(stdin, "{sql}");
        drop(stdin);
        let out = self.0.wait_with_output().unwrap();
        text(&out.stderr)
    }
}

/// The content of database `p` on `port`: its tables and each one's checksum.
fn p_state(port: u16) -> String {
    let tables = admin_sql(port, "SHOW TABLES FROM p");
    let names: Vec<String> = tables.lines().map(|t| format!("p.{t}")).collect();
    if names.is_empty() {
        return String::new();
    }
    admin_sql(port, &format!("CHECKSUM TABLE {}", names.join(", ")))
}

/// Random writes (DML and DDL) with the times read after each commit, and 50 backtracks
/// to random recorded times (back, and forward to moments an earlier backtrack skipped),
/// each checked against the state recorded at that time, AS OF too; a MariaDB replica
/// streaming the binlog all along ends equal to the cluster.
#[test]
fn backtrack_back_and_forth_matches_the_recorded_states() {
    let mut b = Borealis::start("backtrack-prop");
    let (status, xml) = b.api(&[
        ("Action", "ModifyDBCluster"),
        ("DBClusterIdentifier", "borealis"),
        ("BacktrackWindow", "3600"),
    ]);
    assert_eq!(status, 200, "{xml}");
    create_repl_user(b.port);
    let m = replica("backtrack-prop-replica");
    let status = sql(&b, "SHOW MASTER STATUS");
    let f: Vec<&str> = status.split('\t').collect();
    start_replica(&m, b.port, f[0], f[1].parse().unwrap());
    sql(
        &b,
        "CREATE DATABASE p; \
         CREATE TABLE p.t1 (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(40), KEY v (v)); \
         CREATE TABLE p.t2 (id INT AUTO_INCREMENT PRIMARY KEY, x TEXT)",
    );
    let now = "SELECT DATE_FORMAT(NOW(6), '%Y-%m-%dT%H:%i:%s.%fZ')";
    let mut records: Vec<(String, String)> = Vec::new();
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let mut t3 = false;
    for round in 0..50 {
        for _ in 0..=next(2) {
            let k = next(40);
            let q = match next(8) {
                0 | 1 => format!(
                    "INSERT INTO p.t1 VALUES ({k}, {}, 'r{round}') ON DUPLICATE KEY UPDATE v = v + 1",
                    next(100)
                ),
                2 => format!("UPDATE p.t1 SET v = v * 2, s = 'u{round}' WHERE id >= {k}"),
                3 => format!("DELETE FROM p.t1 WHERE id < {k} AND v % 3 = 0"),
                4 => format!("INSERT INTO p.t2 (x) VALUES (REPEAT('x{round}', {}))", next(50)),
                5 => format!("DELETE FROM p.t2 WHERE id % 4 = {}", next(4)),
                6 if t3 => {
                    t3 = false;
                    "DROP TABLE p.t3".into()
                }
                6 => {
                    t3 = true;
                    format!("CREATE TABLE p.t3 (a INT PRIMARY KEY); INSERT INTO p.t3 VALUES ({k})")
                }
                _ => format!(
                    "BEGIN; UPDATE p.t1 SET v = v + 5 WHERE id = {k}; \
                     INSERT INTO p.t2 (x) VALUES ('tx{round}'); COMMIT"
                ),
            };
            let at = sql(&b, &format!("{q}; {now}"));
            records.push((at.trim().to_string(), p_state(b.port)));
        }
        let (at, want) = records[next(records.len() as u64) as usize].clone();
        let (status, xml) = b.api(&[
            ("Action", "BacktrackDBCluster"),
            ("DBClusterIdentifier", "borealis"),
            ("BacktrackTo", &at),
        ]);
        assert_eq!(status, 200, "{xml}");
        let got = p_state(b.port);
        assert_eq!(got, want, "round {round}: backtrack to {at}");
        t3 = got.contains("p.t3");
        if round % 10 == 0 {
            // AS OF reads the recorded moment too.
            let ts = at.replace('T', " ").replace('Z', "");
            let count = sql(
                &b,
                &format!("SELECT COUNT(*) FROM p.t1 AS OF TIMESTAMP '{ts}'"),
            );
            let live = sql(&b, "SELECT COUNT(*) FROM p.t1");
            assert_eq!(count, live, "AS OF {ts}");
        }
        let at = sql(&b, now);
        records.push((at.trim().to_string(), got));
    }
    // kill -9 right after the backtracks: recovery replays them (they are commits), the
    // binlog agrees, and the replica goes on from where it was.
    let last = p_state(b.port);
    b.kill9();
    let b = b.restart();
    assert_eq!(p_state(b.port), last, "after kill -9 and recovery");
    sql(&b, "INSERT INTO p.t1 VALUES (1000, 1, 'after the restart')");
    let list = sql(&b, "SHOW TABLES FROM p");
    let tables: Vec<String> = list.lines().map(|t| format!("p.{t}")).collect();
    let tables: Vec<&str> = tables.iter().map(String::as_str).collect();
    wait_converged(&m, b.port, &tables);
    let replica_tables = msql(&m, "SHOW TABLES FROM p");
    assert_eq!(
        replica_tables.trim(),
        list,
        "the replica has the same tables"
    );
}
