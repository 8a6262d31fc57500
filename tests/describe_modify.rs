//! The RDS describe and modify calls the AWS CLI users reach for (issue 29), end to end
//! with the real AWS CLI against a real `borealis serve`: TagList in the describe calls,
//! `--filters` on DescribeDBClusters / DescribeDBInstances / DescribeDBClusterSnapshots,
//! and ModifyDBInstance (every parameter applied and shown, or refused with RDS's error).

mod harness;

use std::time::{Duration, Instant};

use harness::*;

const ACCOUNT: &str = "000000000000";

fn arn(kind: &str, name: &str) -> String {
    format!("arn:aws:rds:us-east-1:{ACCOUNT}:{kind}:{name}")
}

/// `aws rds ARGS --query QUERY --output text`, whitespace-separated words sorted (the
/// describe calls list in no promised order).
fn words(b: &Borealis, args: &[&str], query: &str) -> Vec<String> {
    let mut a: Vec<&str> = args.to_vec();
    a.extend(["--query", query, "--output", "text"]);
    let mut w: Vec<String> = aws(b, &a)
        .split_whitespace()
        .filter(|w| *w != "None")
        .map(str::to_string)
        .collect();
    w.sort();
    w
}

fn clusters(b: &Borealis, filters: &[&str]) -> Vec<String> {
    let mut a = vec!["describe-db-clusters", "--filters"];
    a.extend(filters);
    words(b, &a, "DBClusters[].DBClusterIdentifier")
}

fn instances(b: &Borealis, filters: &[&str]) -> Vec<String> {
    let mut a = vec!["describe-db-instances", "--filters"];
    a.extend(filters);
    words(b, &a, "DBInstances[].DBInstanceIdentifier")
}

fn snapshots(b: &Borealis, filters: &[&str]) -> Vec<String> {
    let mut a = vec!["describe-db-cluster-snapshots", "--filters"];
    a.extend(filters);
    words(b, &a, "DBClusterSnapshots[].DBClusterSnapshotIdentifier")
}

fn v(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn create_cluster(b: &Borealis, id: &str, tags: &[&str]) {
    let mut a = vec![
        "create-db-cluster",
        "--db-cluster-identifier",
        id,
        "--engine",
        "aurora-mysql",
        "--master-username",
        "admin",
        "--master-user-password",
        PASSWORD,
    ];
    if !tags.is_empty() {
        a.push("--tags");
        a.extend(tags);
    }
    aws(b, &a);
}

/// create-db-instance; its port once it is available.
fn create_instance(b: &Borealis, cluster: &str, id: &str) -> u16 {
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
            id,
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = instance(b, id, "[DBInstanceStatus,Endpoint.Port]");
        let mut f = out.split_whitespace();
        let (status, port) = (f.next().unwrap().to_string(), f.next().unwrap());
        if status == "available" {
            return port.parse().unwrap();
        }
        assert_eq!(status, "creating", "{id}");
        assert!(Instant::now() < deadline, "{id} never became available");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// describe-db-instances of `id`, `query` over its DBInstances[0], as text.
fn instance(b: &Borealis, id: &str, query: &str) -> String {
    aws(
        b,
        &[
            "describe-db-instances",
            "--db-instance-identifier",
            id,
            "--query",
            &format!("DBInstances[0].{query}"),
            "--output",
            "text",
        ],
    )
}

/// create-db-instance arguments for instance `id` of cluster `mod`, plus `extra`.
fn create<'a>(id: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "create-db-instance",
        "--db-instance-class",
        "db.r6g.large",
        "--engine",
        "aurora-mysql",
        "--db-cluster-identifier",
        "mod",
        "--db-instance-identifier",
        id,
    ];
    a.extend(extra);
    a
}

/// modify-db-instance of `id` with `args`, refused with `code`.
fn modify_fails(b: &Borealis, id: &str, args: &[&str], code: &str) {
    let mut a = vec!["modify-db-instance", "--db-instance-identifier", id];
    a.extend(args);
    aws_fails(b, &a, code);
}

fn modify(b: &Borealis, id: &str, args: &[&str]) -> String {
    let mut a = vec!["modify-db-instance", "--db-instance-identifier", id];
    a.extend(args);
    a.extend([
        "--query",
        "DBInstance.DBInstanceIdentifier",
        "--output",
        "text",
    ]);
    aws(b, &a)
}

#[test]
fn describe_calls_show_tags_and_take_filters() {
    let b = Borealis::start("describe_filters");
    create_cluster(&b, "alpha", &["Key=team,Value=core", "Key=env,Value=prod"]);
    create_cluster(&b, "beta", &[]);
    // A copy-on-write clone keeps alpha's clone group; beta has its own.
    aws(
        &b,
        &[
            "restore-db-cluster-to-point-in-time",
            "--restore-type",
            "copy-on-write",
            "--use-latest-restorable-time",
            "--source-db-cluster-identifier",
            "alpha",
            "--db-cluster-identifier",
            "alpha-clone",
            "--tags",
            "Key=team,Value=clones",
        ],
    );

    // TagList: in the create answer, in describe, and following AddTagsToResource /
    // RemoveTagsFromResource; an untagged resource has an empty one.
    let created = aws(
        &b,
        &[
            "create-db-cluster-snapshot",
            "--db-cluster-identifier",
            "alpha",
            "--db-cluster-snapshot-identifier",
            "alpha-snap",
            "--tags",
            "Key=kept,Value=yes",
            "--query",
            "DBClusterSnapshot.TagList[].[Key,Value]",
            "--output",
            "text",
        ],
    );
    assert_eq!(created, "kept\tyes");
    aws(
        &b,
        &[
            "create-db-cluster-snapshot",
            "--db-cluster-identifier",
            "beta",
            "--db-cluster-snapshot-identifier",
            "beta-snap",
        ],
    );
    let tags = |kind: &str, args: &[&str], query: &str| {
        let mut a = vec![kind];
        a.extend(args);
        a.extend(["--query", query, "--output", "text"]);
        aws(&b, &a)
    };
    assert_eq!(
        tags(
            "describe-db-clusters",
            &["--db-cluster-identifier", "alpha"],
            "DBClusters[0].TagList[].[Key,Value]"
        ),
        "env\tprod\nteam\tcore"
    );
    assert_eq!(
        tags(
            "describe-db-clusters",
            &["--db-cluster-identifier", "beta"],
            "length(DBClusters[0].TagList)"
        ),
        "0"
    );
    assert_eq!(
        tags(
            "describe-db-cluster-snapshots",
            &["--db-cluster-snapshot-identifier", "alpha-snap"],
            "DBClusterSnapshots[0].TagList[].[Key,Value]"
        ),
        "kept\tyes"
    );
    aws(
        &b,
        &[
            "add-tags-to-resource",
            "--resource-name",
            &arn("cluster", "beta"),
            "--tags",
            "Key=team,Value=edge",
        ],
    );
    aws(
        &b,
        &[
            "remove-tags-from-resource",
            "--resource-name",
            &arn("cluster", "alpha"),
            "--tag-keys",
            "env",
        ],
    );
    let mut listed: Vec<String> = aws(
        &b,
        &[
            "describe-db-clusters",
            "--query",
            "DBClusters[].[DBClusterIdentifier,join(',', TagList[].[Key,Value][])]",
            "--output",
            "text",
        ],
    )
    .lines()
    .map(str::to_string)
    .collect();
    listed.sort();
    assert_eq!(
        listed,
        v(&[
            "alpha\tteam,core",
            "alpha-clone\tteam,clones",
            "beta\tteam,edge",
            "borealis"
        ])
    );

    // DescribeDBClusters filters: identifiers or ARNs, values OR'd, filters AND'd.
    assert_eq!(
        clusters(&b, &["Name=db-cluster-id,Values=alpha"]),
        v(&["alpha"])
    );
    assert_eq!(
        clusters(
            &b,
            &[&format!(
                "Name=db-cluster-id,Values=BETA,{}",
                arn("cluster", "alpha-clone")
            )]
        ),
        v(&["alpha-clone", "beta"])
    );
    // Another account's ARN names nothing of this caller's.
    assert_eq!(
        clusters(
            &b,
            &["Name=db-cluster-id,Values=arn:aws:rds:us-east-1:111111111111:cluster:alpha"]
        ),
        v(&[])
    );
    assert_eq!(
        clusters(&b, &["Name=db-cluster-id,Values=nothing-here"]),
        v(&[])
    );
    assert_eq!(
        clusters(&b, &["Name=engine,Values=aurora-mysql"]),
        v(&["alpha", "alpha-clone", "beta", "borealis"])
    );
    assert_eq!(clusters(&b, &["Name=engine,Values=postgres"]), v(&[]));
    let group = aws(
        &b,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "alpha",
            "--query",
            "DBClusters[0].CloneGroupId",
            "--output",
            "text",
        ],
    );
    assert_eq!(
        clusters(&b, &[&format!("Name=clone-group-id,Values={group}")]),
        v(&["alpha", "alpha-clone"])
    );
    assert_eq!(
        clusters(
            &b,
            &[
                &format!("Name=clone-group-id,Values={group}"),
                "Name=db-cluster-id,Values=alpha-clone,beta",
            ]
        ),
        v(&["alpha-clone"])
    );
    let beta_resource = aws(
        &b,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "beta",
            "--query",
            "DBClusters[0].DbClusterResourceId",
            "--output",
            "text",
        ],
    );
    assert_eq!(
        clusters(
            &b,
            &[&format!(
                "Name=db-cluster-resource-id,Values={beta_resource}"
            )]
        ),
        v(&["beta"])
    );
    // No Borealis cluster belongs to an Active Directory domain.
    assert_eq!(clusters(&b, &["Name=domain,Values=d-1234567890"]), v(&[]));
    // With DBClusterIdentifier too, both apply.
    assert_eq!(
        words(
            &b,
            &[
                "describe-db-clusters",
                "--db-cluster-identifier",
                "alpha",
                "--filters",
                "Name=db-cluster-id,Values=beta",
            ],
            "DBClusters[].DBClusterIdentifier"
        ),
        v(&[])
    );
    aws_fails(
        &b,
        &[
            "describe-db-clusters",
            "--filters",
            "Name=status,Values=available",
        ],
        "InvalidParameterValue",
    );
    let out = b.aws(&["describe-db-clusters", "--filters", "Name=status,Values=x"]);
    assert!(
        text(&out.stderr).contains("Unrecognized filter name: status"),
        "{}",
        text(&out.stderr)
    );

    // DescribeDBInstances filters.
    create_instance(&b, "alpha", "alpha-1");
    create_instance(&b, "beta", "beta-1");
    create_instance(&b, "beta", "beta-2");
    assert_eq!(
        instances(&b, &["Name=db-cluster-id,Values=beta"]),
        v(&["beta-1", "beta-2"])
    );
    assert_eq!(
        instances(
            &b,
            &[&format!(
                "Name=db-cluster-id,Values={}",
                arn("cluster", "alpha")
            )]
        ),
        v(&["alpha-1"])
    );
    assert_eq!(
        instances(
            &b,
            &[&format!(
                "Name=db-instance-id,Values={},alpha-1",
                arn("db", "beta-2")
            )]
        ),
        v(&["alpha-1", "beta-2"])
    );
    assert_eq!(
        instances(
            &b,
            &[
                "Name=db-cluster-id,Values=beta",
                "Name=db-instance-id,Values=alpha-1,beta-1",
            ]
        ),
        v(&["beta-1"])
    );
    let dbi = instance(&b, "beta-2", "DbiResourceId");
    assert_eq!(
        instances(&b, &[&format!("Name=dbi-resource-id,Values={dbi}")]),
        v(&["beta-2"])
    );
    assert_eq!(
        instances(&b, &["Name=engine,Values=aurora-mysql"]),
        v(&["alpha-1", "beta-1", "beta-2", "borealis-instance-1"])
    );
    assert_eq!(instances(&b, &["Name=engine,Values=mysql"]), v(&[]));
    aws_fails(
        &b,
        &[
            "describe-db-instances",
            "--filters",
            "Name=tag:env,Values=prod",
        ],
        "InvalidParameterValue",
    );
    // TagList of an instance.
    aws(
        &b,
        &[
            "add-tags-to-resource",
            "--resource-name",
            &arn("db", "beta-1"),
            "--tags",
            "Key=role,Value=writer",
        ],
    );
    assert_eq!(
        instance(&b, "beta-1", "TagList[].[Key,Value]"),
        "role\twriter"
    );
    assert_eq!(instance(&b, "beta-2", "length(TagList)"), "0");

    // DescribeDBClusterSnapshots filters.
    assert_eq!(
        snapshots(&b, &["Name=db-cluster-id,Values=alpha"]),
        v(&["alpha-snap"])
    );
    assert_eq!(
        snapshots(
            &b,
            &[&format!(
                "Name=db-cluster-snapshot-id,Values={}",
                arn("cluster-snapshot", "beta-snap")
            )]
        ),
        v(&["beta-snap"])
    );
    assert_eq!(
        snapshots(&b, &["Name=snapshot-type,Values=manual"]),
        v(&["alpha-snap", "beta-snap"])
    );
    assert_eq!(
        snapshots(&b, &["Name=snapshot-type,Values=automated"]),
        v(&[])
    );
    assert_eq!(
        snapshots(
            &b,
            &[
                "Name=engine,Values=aurora-mysql",
                "Name=db-cluster-snapshot-id,Values=alpha-snap,nope",
            ]
        ),
        v(&["alpha-snap"])
    );
    assert_eq!(
        words(
            &b,
            &[
                "describe-db-cluster-snapshots",
                "--db-cluster-resource-id",
                &beta_resource,
            ],
            "DBClusterSnapshots[].DBClusterSnapshotIdentifier"
        ),
        v(&["beta-snap"])
    );
    aws_fails(
        &b,
        &[
            "describe-db-cluster-snapshots",
            "--filters",
            "Name=db-instance-id,Values=x",
        ],
        "InvalidParameterValue",
    );

    // DescribeDBClusterEndpoints: beta has both endpoints; the WRITER and READER
    // endpoints are neither custom nor named.
    let endpoints = |filters: &[&str]| {
        let mut a = vec![
            "describe-db-cluster-endpoints",
            "--db-cluster-identifier",
            "beta",
            "--filters",
        ];
        a.extend(filters);
        words(&b, &a, "DBClusterEndpoints[].EndpointType")
    };
    assert_eq!(
        endpoints(&["Name=db-cluster-endpoint-type,Values=writer"]),
        v(&["WRITER"])
    );
    assert_eq!(
        endpoints(&["Name=db-cluster-endpoint-status,Values=available"]),
        v(&["READER", "WRITER"])
    );
    assert_eq!(
        endpoints(&["Name=db-cluster-endpoint-status,Values=inactive"]),
        v(&[])
    );
    assert_eq!(
        endpoints(&["Name=db-cluster-endpoint-custom-type,Values=any"]),
        v(&[])
    );
    aws_fails(
        &b,
        &[
            "describe-db-cluster-endpoints",
            "--filters",
            "Name=engine,Values=aurora-mysql",
        ],
        "InvalidParameterValue",
    );

    // A describe call that takes no filters refuses them rather than listing everything.
    aws_fails(
        &b,
        &[
            "describe-db-cluster-parameter-groups",
            "--filters",
            "Name=db-cluster-id,Values=alpha",
        ],
        "InvalidParameterValue",
    );

    // Tags survive a restart and still show in TagList.
    let b = b.restart();
    assert_eq!(
        instance(&b, "beta-1", "TagList[].[Key,Value]"),
        "role\twriter"
    );
    assert_eq!(
        clusters(&b, &["Name=db-cluster-id,Values=alpha,beta"]),
        v(&["alpha", "beta"])
    );
}

#[test]
fn modify_db_instance_applies_or_refuses_every_parameter() {
    let b = Borealis::start("modify_instance");
    create_cluster(&b, "mod", &[]);
    let w = create_instance(&b, "mod", "mod-1");
    let r1 = create_instance(&b, "mod", "mod-2");
    create_instance(&b, "mod", "mod-3");
    succeeded(
        mysql(
            w,
            "admin",
            PASSWORD,
            &["-e", "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY); INSERT INTO d.t VALUES (1)"],
            "",
        ),
        "seed",
    );
    aws(
        &b,
        &[
            "add-tags-to-resource",
            "--resource-name",
            &arn("db", "mod-2"),
            "--tags",
            "Key=team,Value=core",
        ],
    );
    // A session open on the reader before it is renamed.
    let mut session = Session::open(r1);
    assert_eq!(session.query("SELECT id FROM d.t"), "1");

    // Defaults, as RDS shows them.
    assert_eq!(
        instance(
            &b,
            "mod-2",
            "[PromotionTier,CACertificateIdentifier,AutoMinorVersionUpgrade,DBParameterGroups[0].DBParameterGroupName]"
        ),
        "1\trds-ca-rsa2048-g1\tTrue\tdefault.aurora-mysql8.0"
    );

    // What RDS defers to the maintenance window needs --apply-immediately here.
    modify_fails(
        &b,
        "mod-2",
        &["--db-instance-class", "db.r6g.xlarge"],
        "InvalidParameterCombination",
    );
    modify_fails(
        &b,
        "mod-2",
        &["--new-db-instance-identifier", "renamed"],
        "InvalidParameterCombination",
    );
    assert_eq!(instance(&b, "mod-2", "DBInstanceClass"), "db.r6g.large");

    // Rename: same port, the open session goes on, new sessions connect, tags and the
    // cluster's member list follow; the old name is gone.
    assert_eq!(
        modify(
            &b,
            "mod-2",
            &[
                "--new-db-instance-identifier",
                "renamed",
                "--db-instance-class",
                "db.r6g.xlarge",
                "--apply-immediately",
            ]
        ),
        "renamed"
    );
    assert_eq!(
        instance(
            &b,
            "renamed",
            "[DBInstanceStatus,Endpoint.Port,DBInstanceClass]"
        ),
        format!("available\t{r1}\tdb.r6g.xlarge")
    );
    aws_fails(
        &b,
        &["describe-db-instances", "--db-instance-identifier", "mod-2"],
        "DBInstanceNotFound",
    );
    assert_eq!(session.query("SELECT id + 1 FROM d.t"), "2");
    drop(session);
    assert_eq!(
        succeeded(
            mysql(
                r1,
                "admin",
                PASSWORD,
                &["-N", "-B", "-e", "SELECT id FROM d.t"],
                ""
            ),
            "select on the renamed instance"
        ),
        "1"
    );
    assert_eq!(
        aws(
            &b,
            &[
                "list-tags-for-resource",
                "--resource-name",
                &arn("db", "renamed"),
                "--query",
                "TagList[].[Key,Value]",
                "--output",
                "text",
            ]
        ),
        "team\tcore"
    );
    assert_eq!(
        words(
            &b,
            &["describe-db-clusters", "--db-cluster-identifier", "mod"],
            "DBClusters[0].DBClusterMembers[].DBInstanceIdentifier"
        ),
        v(&["mod-1", "mod-3", "renamed"])
    );
    modify_fails(
        &b,
        "renamed",
        &[
            "--new-db-instance-identifier",
            "mod-3",
            "--apply-immediately",
        ],
        "DBInstanceAlreadyExists",
    );
    modify_fails(
        &b,
        "mod-2",
        &["--promotion-tier", "2"],
        "DBInstanceNotFound",
    );

    // PromotionTier decides which reader a failover promotes: mod-3 (newer) at tier 0
    // goes before renamed (older) at tier 4.
    modify(&b, "renamed", &["--promotion-tier", "4"]);
    modify(&b, "mod-3", &["--promotion-tier", "0"]);
    assert_eq!(
        words(
            &b,
            &["describe-db-clusters", "--db-cluster-identifier", "mod"],
            "DBClusters[0].DBClusterMembers[].[DBInstanceIdentifier,PromotionTier]"
        ),
        v(&["0", "1", "4", "mod-1", "mod-3", "renamed"])
    );
    aws(
        &b,
        &["failover-db-cluster", "--db-cluster-identifier", "mod"],
    );
    assert_eq!(
        words(
            &b,
            &["describe-db-clusters", "--db-cluster-identifier", "mod"],
            "DBClusters[0].DBClusterMembers[?IsClusterWriter].DBInstanceIdentifier"
        ),
        v(&["mod-3"])
    );

    // CreateDBInstance takes the same settings.
    assert_eq!(
        aws(
            &b,
            &[
                create(
                    "mod-4",
                    &[
                        "--promotion-tier",
                        "7",
                        "--ca-certificate-identifier",
                        "rds-ca-ecc384-g1",
                        "--no-auto-minor-version-upgrade",
                    ],
                ),
                vec![
                    "--query",
                    "DBInstance.[PromotionTier,CACertificateIdentifier,AutoMinorVersionUpgrade]",
                    "--output",
                    "text",
                ],
            ]
            .concat(),
        ),
        "7\trds-ca-ecc384-g1\tFalse"
    );
    aws_fails(
        &b,
        &create("mod-5", &["--promotion-tier", "20"]),
        "InvalidParameterValue",
    );
    aws_fails(
        &b,
        &create("mod-5", &["--ca-certificate-identifier", "rds-ca-x"]),
        "CertificateNotFound",
    );
    aws_fails(
        &b,
        &["describe-db-instances", "--db-instance-identifier", "mod-5"],
        "DBInstanceNotFound",
    );

    // Recorded settings.
    modify(
        &b,
        "renamed",
        &[
            "--ca-certificate-identifier",
            "rds-ca-rsa4096-g1",
            "--no-auto-minor-version-upgrade",
            "--apply-immediately",
        ],
    );
    modify(
        &b,
        "renamed",
        &["--db-parameter-group-name", "default.aurora-mysql8.0"],
    );

    // Refusals change nothing, even the valid parameters beside the refused one.
    modify_fails(
        &b,
        "renamed",
        &[
            "--db-parameter-group-name",
            "custom-group",
            "--promotion-tier",
            "9",
        ],
        "DBParameterGroupNotFound",
    );
    modify_fails(
        &b,
        "renamed",
        &[
            "--ca-certificate-identifier",
            "rds-ca-nope",
            "--promotion-tier",
            "9",
            "--apply-immediately",
        ],
        "CertificateNotFound",
    );
    modify_fails(
        &b,
        "renamed",
        &["--promotion-tier", "16"],
        "InvalidParameterValue",
    );
    modify_fails(
        &b,
        "renamed",
        &[
            "--db-instance-class",
            "db.nope.large",
            "--apply-immediately",
        ],
        "InvalidParameterCombination",
    );
    modify_fails(
        &b,
        "renamed",
        &["--backup-retention-period", "7", "--promotion-tier", "9"],
        "InvalidParameterCombination",
    );
    modify_fails(
        &b,
        "renamed",
        &["--master-user-password", "another-pass-1"],
        "InvalidParameterCombination",
    );
    modify_fails(
        &b,
        "renamed",
        &["--monitoring-interval", "5", "--promotion-tier", "9"],
        "InvalidParameterValue",
    );
    modify_fails(
        &b,
        "renamed",
        &["--enable-performance-insights"],
        "InvalidParameterValue",
    );
    modify_fails(
        &b,
        "nosuch",
        &["--promotion-tier", "2"],
        "DBInstanceNotFound",
    );
    let shown = "[DBInstanceClass,PromotionTier,CACertificateIdentifier,AutoMinorVersionUpgrade]";
    assert_eq!(
        instance(&b, "renamed", shown),
        "db.r6g.xlarge\t4\trds-ca-rsa4096-g1\tFalse"
    );

    // All of it is kept across a restart, and the renamed instance listens on its port.
    let b = b.restart();
    assert_eq!(
        instance(&b, "renamed", shown),
        "db.r6g.xlarge\t4\trds-ca-rsa4096-g1\tFalse"
    );
    wait_listening(r1);
    assert_eq!(
        instance(&b, "renamed", "[DBInstanceStatus,Endpoint.Port]"),
        format!("available\t{r1}")
    );
}

/// A mysql client session kept open: statements go to its stdin, answers come from its
/// stdout.
struct Session {
    child: std::process::Child,
    out: std::io::BufReader<std::process::ChildStdout>,
}

impl Session {
    fn open(port: u16) -> Session {
        use std::process::{Command, Stdio};
        let mut child = Command::new("mysql")
            .args([
                "-h",
                "127.0.0.1",
                "-P",
                &port.to_string(),
                "-u",
                "admin",
                &format!("-p{PASSWORD}"),
                "-N",
                "-B",
                "-n",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the mysql client (Debian package mariadb-client) is needed");
        let out = std::io::BufReader::new(child.stdout.take().unwrap());
        Session { child, out }
    }

    /// Runs `q` and reads its one-line answer.
    fn query(&mut self, q: &str) -> String {
        use std::io::{BufRead, Write};
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{q};").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        self.out.read_line(&mut line).unwrap();
        line.trim().to_string()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
