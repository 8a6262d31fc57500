//! A cluster's reader endpoint and the paging of the describe calls (issue 29), end to end:
//! the real AWS CLI drives the RDS API of a real `borealis serve`, the real mysql client
//! connects through the reader endpoint the API reports.
//!
//! Before, DescribeDBClusters' ReaderEndpoint was the server's bare address (a client
//! following it reached the default cluster's writer), and every describe call answered
//! everything in one page, ignoring MaxRecords and Marker.

mod harness;

use std::collections::BTreeMap;
use std::process::Output;
use std::time::{Duration, Instant};

use harness::*;

fn create_cluster(b: &Borealis, id: &str) {
    aws(
        b,
        &[
            "create-db-cluster",
            "--db-cluster-identifier",
            id,
            "--engine",
            "aurora-mysql",
            "--master-username",
            "admin",
            "--master-user-password",
            PASSWORD,
        ],
    );
}

/// `(status, port)` of an instance.
fn instance_state(b: &Borealis, id: &str) -> (String, u16) {
    let out = aws(
        b,
        &[
            "describe-db-instances",
            "--db-instance-identifier",
            id,
            "--query",
            "DBInstances[0].[DBInstanceStatus,Endpoint.Port]",
            "--output",
            "text",
        ],
    );
    let mut f = out.split_whitespace();
    (
        f.next().unwrap().to_string(),
        f.next().unwrap().parse().unwrap(),
    )
}

/// Waits until `what()` is `want`, failing if it is anything but `want` or one of `passing`.
fn wait_for(what: impl Fn() -> String, want: &str, passing: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = what();
        if now == want {
            return;
        }
        assert!(
            passing.contains(&now.as_str()) && Instant::now() < deadline,
            "status {now}, waiting for {want}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// create-db-instance, then the instance's port once it is available.
fn create_instance(b: &Borealis, cluster: &str, instance: &str) -> u16 {
    aws(
        b,
        &[
            "create-db-instance",
            "--db-instance-class",
            "db.r6g.large",
            "--engine",
            "aurora-mysql",
            "--db-cluster-identifier",
            cluster,
            "--db-instance-identifier",
            instance,
        ],
    );
    wait_for(|| instance_state(b, instance).0, "available", &["creating"]);
    instance_state(b, instance).1
}

fn admin_at(port: u16, q: &str) -> Output {
    mysql(port, "admin", PASSWORD, &["-N", "-B", "-e", q], "")
}

/// DescribeDBClusters' ReaderEndpoint (`HOST:PORT`), split.
fn reader_endpoint(b: &Borealis, cluster: &str) -> (String, u16) {
    let ep = aws(
        b,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            cluster,
            "--query",
            "DBClusters[0].ReaderEndpoint",
            "--output",
            "text",
        ],
    );
    let (host, port) = ep.rsplit_once(':').unwrap_or_else(|| panic!("{ep}"));
    (host.to_string(), port.parse().unwrap())
}

/// What a connection through `port` lands on: `aurora_server_id`, `port`, `read_only`,
/// `innodb_read_only`.
fn landing(port: u16) -> String {
    succeeded(
        admin_at(
            port,
            "SELECT @@aurora_server_id, @@port, @@read_only, @@innodb_read_only",
        ),
        "landing",
    )
}

/// How many of `n` new connections through `port` land on each instance; every row must
/// be that instance's own (its `@@port`) with `read_only` as given.
fn spread(
    port: u16,
    n: usize,
    ports: &BTreeMap<&str, u16>,
    read_only: &str,
) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for _ in 0..n {
        let row = landing(port);
        let f: Vec<&str> = row.split('\t').collect();
        assert_eq!(f.len(), 4, "{row}");
        assert_eq!(
            f[1],
            ports[f[0]].to_string(),
            "@@port is the instance's: {row}"
        );
        assert_eq!(&f[2..], [read_only, read_only], "{row}");
        *seen.entry(f[0].to_string()).or_insert(0) += 1;
    }
    seen
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn endpoint_rows(b: &Borealis, cluster: &str) -> String {
    aws(
        b,
        &[
            "describe-db-cluster-endpoints",
            "--db-cluster-identifier",
            cluster,
            "--query",
            "DBClusterEndpoints[].[EndpointType,Endpoint,Status]",
            "--output",
            "text",
        ],
    )
}

/// The reader endpoint: its own port (DescribeDBClusters ReaderEndpoint,
/// DescribeDBClusterEndpoints READER), the writer while there is no reader, then each new
/// connection to the next reader, each such connection a session of that reader (its
/// `@@port`, `@@aurora_server_id`, read-only, closed when the reader goes); it follows a
/// failover, deleted instances, a stop and start and a server restart, on the same port.
#[test]
fn the_reader_endpoint_spreads_connections_over_the_readers() {
    let b = Borealis::start("reader-endpoint");
    create_cluster(&b, "ro");
    // No instance yet: no endpoint of any kind.
    assert_eq!(
        aws(
            &b,
            &[
                "describe-db-clusters",
                "--db-cluster-identifier",
                "ro",
                "--query",
                "DBClusters[0].ReaderEndpoint",
                "--output",
                "text",
            ],
        ),
        "None"
    );
    let w = create_instance(&b, "ro", "ro-1");
    let (host, p) = reader_endpoint(&b, "ro");
    assert_eq!(host, "127.0.0.1");
    assert!(p != w && p != b.port, "a port of its own: {p}");
    succeeded(
        admin_at(
            w,
            "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY); INSERT INTO d.t VALUES (1)",
        ),
        "setup",
    );
    // Only a writer: the reader endpoint leads to it (as Aurora's then does).
    assert_eq!(landing(p), format!("ro-1\t{w}\t0\t0"));
    // The instance's own port says the same about itself.
    assert_eq!(landing(w), format!("ro-1\t{w}\t0\t0"));

    let r2 = create_instance(&b, "ro", "ro-2");
    let r3 = create_instance(&b, "ro", "ro-3");
    let ports = BTreeMap::from([("ro-1", w), ("ro-2", r2), ("ro-3", r3)]);
    assert_eq!(landing(r2), format!("ro-2\t{r2}\t1\t1"));
    // Round robin over the two readers, never the writer.
    assert_eq!(
        spread(p, 6, &ports, "1"),
        counts(&[("ro-2", 3), ("ro-3", 3)])
    );
    // A reader's session: reads see the cluster, writes are refused with 1290.
    assert_eq!(succeeded(admin_at(p, "SELECT * FROM d.t"), "read"), "1");
    let out = admin_at(p, "INSERT INTO d.t VALUES (2)");
    assert!(
        text(&out.stderr).contains("ERROR 1290"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        endpoint_rows(&b, "ro"),
        format!("WRITER\t127.0.0.1:{w}\tavailable\nREADER\t127.0.0.1:{p}\tavailable")
    );

    // Failover: the promoted reader leaves the reader endpoint, the old writer joins it.
    aws(
        &b,
        &[
            "failover-db-cluster",
            "--db-cluster-identifier",
            "ro",
            "--target-db-instance-identifier",
            "ro-2",
        ],
    );
    assert_eq!(
        spread(p, 4, &ports, "1"),
        counts(&[("ro-1", 2), ("ro-3", 2)])
    );

    // Instances deleted: the remaining reader takes every connection; a session that came
    // through the reader endpoint is closed with its instance.
    aws(
        &b,
        &["delete-db-instance", "--db-instance-identifier", "ro-3"],
    );
    assert_eq!(spread(p, 3, &ports, "1"), counts(&[("ro-1", 3)]));
    let mut open = std::process::Command::new("mysql")
        .args([
            "-h127.0.0.1",
            &format!("-P{p}"),
            "-uadmin",
            &format!("-p{PASSWORD}"),
            "-N",
            "-B",
            "--unbuffered",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("mysql client");
    {
        use std::io::{BufRead, BufReader, Write};
        writeln!(open.stdin.as_mut().unwrap(), "SELECT @@aurora_server_id;").unwrap();
        let mut line = String::new();
        BufReader::new(open.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ro-1");
    }
    aws(
        &b,
        &["delete-db-instance", "--db-instance-identifier", "ro-1"],
    );
    {
        use std::io::Write;
        let mut stdin = open.stdin.take().unwrap();
        writeln!(stdin, "SELECT 'still here';").unwrap();
        drop(stdin);
    }
    let err = text(&open.wait_with_output().unwrap().stderr);
    assert!(
        err.contains("ERROR 1927") && err.contains("ro-1 was deleted"),
        "{err}"
    );
    // No reader left: the writer again, writable.
    assert_eq!(landing(p), format!("ro-2\t{r2}\t0\t0"));
    succeeded(
        admin_at(p, "INSERT INTO d.t VALUES (3)"),
        "write through it",
    );

    // A new reader joins; a reboot of the writer restarts the cluster and the reader
    // endpoint with it.
    let r4 = create_instance(&b, "ro", "ro-4");
    let ports = BTreeMap::from([("ro-2", r2), ("ro-4", r4)]);
    assert_eq!(spread(p, 2, &ports, "1"), counts(&[("ro-4", 2)]));
    aws(
        &b,
        &["reboot-db-instance", "--db-instance-identifier", "ro-2"],
    );
    wait_for(|| instance_state(&b, "ro-4").0, "available", &["rebooting"]);
    wait_for(|| instance_state(&b, "ro-2").0, "available", &["rebooting"]);
    assert_eq!(spread(p, 2, &ports, "1"), counts(&[("ro-4", 2)]));

    // Stopped: the reader endpoint refuses connections, also after a server restart;
    // started again on the same port.
    aws(&b, &["stop-db-cluster", "--db-cluster-identifier", "ro"]);
    let refused = |port: u16| {
        let out = admin_at(port, "SELECT 1");
        assert!(
            text(&out.stderr).contains("Can't connect"),
            "{}",
            text(&out.stderr)
        );
    };
    refused(p);
    assert_eq!(
        endpoint_rows(&b, "ro"),
        format!("WRITER\t127.0.0.1:{r2}\tinactive\nREADER\t127.0.0.1:{p}\tinactive")
    );
    let b = b.restart();
    refused(p);
    aws(&b, &["start-db-cluster", "--db-cluster-identifier", "ro"]);
    wait_for(|| instance_state(&b, "ro-4").0, "available", &["starting"]);
    assert_eq!(reader_endpoint(&b, "ro").1, p);
    assert_eq!(spread(p, 2, &ports, "1"), counts(&[("ro-4", 2)]));
    // A restart of a running cluster: the same port again.
    let b = b.restart();
    assert_eq!(reader_endpoint(&b, "ro").1, p);
    assert_eq!(landing(p), format!("ro-4\t{r4}\t1\t1"));
    // The default cluster has one too, leading to its writer.
    let (_, dp) = reader_endpoint(&b, "borealis");
    assert_eq!(
        landing(dp),
        format!("borealis-instance-1\t{}\t0\t0", b.port)
    );
}

/// The ids an aws CLI `--query ...[].X --output text` printed.
fn words(out: &str) -> Vec<String> {
    out.split_whitespace().map(str::to_string).collect()
}

/// MaxRecords and Marker: the AWS CLI pages describe calls by itself (`--page-size`,
/// `--max-items`, `--starting-token`) and sees every record once; the raw API answers a
/// Marker while more remain; bad values are RDS's InvalidParameterValue.
#[test]
fn describe_calls_page_with_max_records_and_marker() {
    let b = Borealis::start("paging");
    let mut want: Vec<String> = vec!["borealis".to_string()];
    for i in 0..25 {
        let id = format!("page-{i:02}");
        create_cluster(&b, &id);
        want.push(id);
    }
    want.sort();
    let ids = |extra: &[&str]| {
        let mut a = vec![
            "describe-db-clusters",
            "--query",
            "DBClusters[].DBClusterIdentifier",
            "--output",
            "text",
        ];
        a.extend(extra);
        words(&aws(&b, &a))
    };
    // Pages of 20 (MaxRecords=20): all 26 clusters, each once, in order.
    assert_eq!(ids(&["--page-size", "20"]), want);
    assert_eq!(ids(&[]), want);

    // --max-items 5: five, and a token to go on from; the rest from there.
    let first = aws(&b, &["describe-db-clusters", "--max-items", "5"]);
    let token = first
        .lines()
        .find_map(|l| l.trim().strip_prefix("\"NextToken\": \""))
        .map(|t| t.trim_end_matches([',', '"']).to_string())
        .unwrap_or_else(|| panic!("no NextToken: {first}"));
    assert_eq!(first.matches("\"DBClusterIdentifier\"").count(), 5);
    // (With --output text the CLI adds a line for the NextToken it does not print.)
    let mut seen: Vec<String> = ids(&["--max-items", "5", "--page-size", "20"])
        .into_iter()
        .take(5)
        .collect();
    assert_eq!(seen, want[..5].to_vec());
    seen.extend(ids(&["--starting-token", &token]));
    assert_eq!(seen, want);

    // The raw API: a Marker while more remain, none on the last page.
    let (status, xml) = b.api(&[("Action", "DescribeDBClusters"), ("MaxRecords", "20")]);
    assert_eq!(status, 200, "{xml}");
    assert_eq!(xml.matches("<DBCluster>").count(), 20);
    let marker = xml_value(&xml, "Marker").expect("a Marker");
    let (status, xml) = b.api(&[
        ("Action", "DescribeDBClusters"),
        ("MaxRecords", "20"),
        ("Marker", &marker),
    ]);
    assert_eq!(status, 200, "{xml}");
    assert_eq!(xml.matches("<DBCluster>").count(), 6);
    assert_eq!(xml_value(&xml, "Marker"), None);
    // A cluster deleted between two pages moves nothing: the page after the marker is
    // the same but for it.
    aws(
        &b,
        &[
            "delete-db-cluster",
            "--db-cluster-identifier",
            "page-20",
            "--skip-final-snapshot",
        ],
    );
    let (_, xml) = b.api(&[
        ("Action", "DescribeDBClusters"),
        ("MaxRecords", "20"),
        ("Marker", &marker),
    ]);
    assert_eq!(xml.matches("<DBCluster>").count(), 5);
    assert!(xml.contains("page-19") && !xml.contains("page-20"), "{xml}");

    // Bad values, as RDS answers them.
    let refused = |params: &[(&str, &str)], message: &str| {
        let (status, xml) = b.api(params);
        assert_eq!(status, 400, "{xml}");
        assert_eq!(
            xml_value(&xml, "Code").as_deref(),
            Some("InvalidParameterValue")
        );
        assert!(xml.contains(message), "{xml}");
    };
    refused(
        &[("Action", "DescribeDBClusters"), ("MaxRecords", "19")],
        "Invalid value 19 for MaxRecords. Must be between 20 and 100",
    );
    refused(
        &[("Action", "DescribeDBInstances"), ("MaxRecords", "101")],
        "Invalid value 101 for MaxRecords. Must be between 20 and 100",
    );
    refused(
        &[("Action", "DescribeEvents"), ("Marker", "not-a-marker")],
        "Marker",
    );
    // A Marker of another call is not one of this call.
    refused(
        &[("Action", "DescribeDBInstances"), ("Marker", &marker)],
        "Marker",
    );
    aws_fails(
        &b,
        &["describe-db-clusters", "--page-size", "10"],
        "InvalidParameterValue",
    );
    // DescribeOrderableDBInstanceOptions takes up to 1000, as RDS.
    let (status, xml) = b.api(&[
        ("Action", "DescribeOrderableDBInstanceOptions"),
        ("Engine", "aurora-mysql"),
        ("MaxRecords", "1000"),
    ]);
    assert_eq!(status, 200, "{xml}");
    refused(
        &[
            ("Action", "DescribeOrderableDBInstanceOptions"),
            ("Engine", "aurora-mysql"),
            ("MaxRecords", "1001"),
        ],
        "Must be between 20 and 1000",
    );

    // Events: more than a page; pages of 20 give the same list as one page.
    let events = |extra: &[&str]| {
        let mut a = vec![
            "describe-events",
            "--duration",
            "60",
            "--query",
            "Events[].[Date,SourceIdentifier,Message]",
            "--output",
            "text",
        ];
        a.extend(extra);
        aws(&b, &a)
    };
    let all = events(&[]);
    assert!(all.lines().count() > 25, "{all}");
    assert_eq!(events(&["--page-size", "20"]), all);
    let (_, xml) = b.api(&[("Action", "DescribeEvents"), ("MaxRecords", "20")]);
    assert_eq!(xml.matches("<Event>").count(), 20);
    assert!(xml_value(&xml, "Marker").is_some(), "{xml}");

    // The others page too (fewer records than a page here: all of them, no Marker).
    for (call, query, n) in [
        (
            "describe-db-cluster-parameters",
            "Parameters[].ParameterName",
            12,
        ),
        (
            "describe-db-cluster-parameter-groups",
            "DBClusterParameterGroups[].DBClusterParameterGroupName",
            1,
        ),
        (
            "describe-db-cluster-endpoints",
            "DBClusterEndpoints[].EndpointType",
            50,
        ),
        (
            "describe-db-instances",
            "DBInstances[].DBInstanceIdentifier",
            1,
        ),
    ] {
        let mut a = vec![
            call,
            "--page-size",
            "20",
            "--query",
            query,
            "--output",
            "text",
        ];
        if call == "describe-db-cluster-parameters" {
            a.extend([
                "--db-cluster-parameter-group-name",
                "default.aurora-mysql8.0",
            ]);
        }
        assert_eq!(words(&aws(&b, &a)).len(), n, "{call}");
    }
}
