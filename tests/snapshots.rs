//! DB cluster snapshots, ARNs and the control plane's small settings end to end (issue 29):
//! the real AWS CLI drives the RDS API of a real `borealis serve`; the real mysql client
//! checks what the clusters restored from snapshots hold, before and after a restart.

mod harness;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use harness::*;

const MASTER: &str = "masteruser";
const MASTER_PW: &str = "masterpass1";

fn sql(b: &Borealis, q: &str) -> String {
    succeeded(b.mysql(&["-N", "-B", "-e", q], ""), q)
}

fn sql_at(port: u16, q: &str) -> String {
    succeeded(
        mysql(
            port,
            MASTER,
            MASTER_PW,
            &["-N", "-B", "-D", "mylab", "-e", q],
            "",
        ),
        q,
    )
}

fn checksum_at(port: u16) -> String {
    sql_at(port, "checksum table sbtest1")
}

/// A database `mylab` with a sysbench table of `rows` rows and a `masteruser`.
fn lab(b: &Borealis, rows: u32) {
    sql(
        b,
        &format!(
            "CREATE DATABASE mylab; CREATE USER {MASTER} IDENTIFIED BY '{MASTER_PW}'; \
             GRANT ALL ON *.* TO {MASTER} WITH GRANT OPTION"
        ),
    );
    let out = Command::new("sysbench")
        .args([
            "oltp_write_only",
            "--threads=1",
            "--mysql-host=127.0.0.1",
            &format!("--mysql-user={MASTER}"),
            &format!("--mysql-password={MASTER_PW}"),
            &format!("--mysql-port={}", b.port),
            "--tables=1",
            "--mysql-db=mylab",
            &format!("--table-size={rows}"),
            "prepare",
        ])
        .output()
        .expect("sysbench (Debian package sysbench) is needed");
    succeeded(out, "sysbench prepare");
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
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = aws(
            b,
            &[
                "describe-db-instances",
                "--db-instance-identifier",
                instance,
                "--query",
                "DBInstances[0].[DBInstanceStatus,Endpoint.Port]",
                "--output",
                "text",
            ],
        );
        let mut f = out.split_whitespace();
        let (status, port) = (f.next().unwrap().to_string(), f.next().unwrap());
        if status == "available" {
            return port.parse().unwrap();
        }
        assert!(
            status == "creating" && Instant::now() < deadline,
            "{instance}: status {status}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn snapshot_field(b: &Borealis, id: &str, query: &str) -> String {
    aws(
        b,
        &[
            "describe-db-cluster-snapshots",
            "--db-cluster-snapshot-identifier",
            id,
            "--query",
            &format!("DBClusterSnapshots[0].{query}"),
            "--output",
            "text",
        ],
    )
}

fn snapshot_ids(b: &Borealis, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "describe-db-cluster-snapshots",
        "--query",
        "DBClusterSnapshots[].DBClusterSnapshotIdentifier",
        "--output",
        "text",
    ];
    args.extend_from_slice(extra);
    let mut v: Vec<String> = aws(b, &args)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

fn restore_from_snapshot(b: &Borealis, snapshot: &str, id: &str) -> u16 {
    let out = aws(
        b,
        &[
            "restore-db-cluster-from-snapshot",
            "--db-cluster-identifier",
            id,
            "--snapshot-identifier",
            snapshot,
            "--engine",
            "aurora-mysql",
        ],
    );
    assert!(
        out.contains(&format!("\"DBClusterIdentifier\": \"{id}\"")),
        "{out}"
    );
    create_instance(b, id, &format!("{id}-1"))
}

/// The snapshot lifecycle with the AWS CLI: a snapshot holds its cluster's state at its
/// moment (later writes do not reach it), outlives the cluster (DeleteDBCluster's final
/// snapshot too) and a restart, restores into new clusters, copies, and deletes; every
/// misuse gets RDS's error code.
#[test]
fn snapshots_fork_the_volume_outlive_their_cluster_and_a_restart() {
    let b = Borealis::start("snapshots");
    lab(&b, 3000);
    let original = checksum_at(b.port);

    // A cluster of its own to snapshot and delete (the default cluster lives as long as
    // the server): a clone of the lab's.
    aws(
        &b,
        &[
            "restore-db-cluster-to-point-in-time",
            "--restore-type",
            "copy-on-write",
            "--use-latest-restorable-time",
            "--source-db-cluster-identifier",
            "borealis",
            "--db-cluster-identifier",
            "app",
        ],
    );
    let app = create_instance(&b, "app", "app-1");
    assert_eq!(checksum_at(app), original);

    let out = aws(
        &b,
        &[
            "create-db-cluster-snapshot",
            "--db-cluster-identifier",
            "app",
            "--db-cluster-snapshot-identifier",
            "snap-1",
        ],
    );
    for want in [
        "\"DBClusterSnapshotIdentifier\": \"snap-1\"",
        "\"DBClusterIdentifier\": \"app\"",
        "\"Status\": \"available\"",
        "\"SnapshotType\": \"manual\"",
        "\"Engine\": \"aurora-mysql\"",
        "\"EngineMode\": \"provisioned\"",
        "\"PercentProgress\": 100",
        "\"SnapshotCreateTime\"",
        "\"ClusterCreateTime\"",
        "\"MasterUsername\"",
        "\"DBClusterSnapshotArn\": \"arn:aws:rds:us-east-1:000000000000:cluster-snapshot:snap-1\"",
    ] {
        assert!(out.contains(want), "{want} missing: {out}");
    }
    assert_eq!(
        snapshot_field(&b, "snap-1", "Port"),
        app.to_string(),
        "the cluster's port"
    );
    aws_fails(
        &b,
        &[
            "create-db-cluster-snapshot",
            "--db-cluster-identifier",
            "app",
            "--db-cluster-snapshot-identifier",
            "snap-1",
        ],
        "DBClusterSnapshotAlreadyExistsFault",
    );
    aws_fails(
        &b,
        &[
            "create-db-cluster-snapshot",
            "--db-cluster-identifier",
            "nope",
            "--db-cluster-snapshot-identifier",
            "snap-x",
        ],
        "DBClusterNotFoundFault",
    );
    aws_fails(
        &b,
        &[
            "create-db-cluster-snapshot",
            "--db-cluster-identifier",
            "app",
            "--db-cluster-snapshot-identifier",
            "bad--name",
        ],
        "InvalidParameterValue",
    );

    // Writes after the snapshot stay out of it.
    sql_at(app, "UPDATE sbtest1 SET k = k + 1 WHERE id <= 100");
    let changed = checksum_at(app);
    assert_ne!(changed, original);

    // The snapshot shares the cluster's pages and owns none.
    let (_, xml) = b.api(&[
        ("Action", "DescribeDBClusterSnapshots"),
        ("DBClusterSnapshotIdentifier", "snap-1"),
    ]);
    let shared: u64 = xml_value(&xml, "BorealisSharedBytes")
        .unwrap()
        .parse()
        .unwrap();
    assert!(shared > 0, "{xml}");

    // Describe by cluster and type; copy (by ARN).
    assert_eq!(
        snapshot_ids(
            &b,
            &[
                "--db-cluster-identifier",
                "app",
                "--snapshot-type",
                "manual"
            ]
        ),
        vec!["snap-1"]
    );
    assert!(snapshot_ids(&b, &["--snapshot-type", "automated"]).is_empty());
    aws_fails(
        &b,
        &[
            "describe-db-cluster-snapshots",
            "--db-cluster-snapshot-identifier",
            "nope",
        ],
        "DBClusterSnapshotNotFoundFault",
    );
    let out = aws(
        &b,
        &[
            "copy-db-cluster-snapshot",
            "--source-db-cluster-snapshot-identifier",
            "arn:aws:rds:us-east-1:000000000000:cluster-snapshot:snap-1",
            "--target-db-cluster-snapshot-identifier",
            "snap-2",
        ],
    );
    assert!(
        out.contains("\"SourceDBClusterSnapshotArn\": \"arn:aws:rds:us-east-1:000000000000:cluster-snapshot:snap-1\""),
        "{out}"
    );
    aws_fails(
        &b,
        &[
            "copy-db-cluster-snapshot",
            "--source-db-cluster-snapshot-identifier",
            "snap-1",
            "--target-db-cluster-snapshot-identifier",
            "snap-2",
        ],
        "DBClusterSnapshotAlreadyExistsFault",
    );

    // DeleteDBCluster wants a final snapshot or --skip-final-snapshot, not both.
    aws(
        &b,
        &["delete-db-instance", "--db-instance-identifier", "app-1"],
    );
    aws_fails(
        &b,
        &["delete-db-cluster", "--db-cluster-identifier", "app"],
        "InvalidParameterCombination",
    );
    aws_fails(
        &b,
        &[
            "delete-db-cluster",
            "--db-cluster-identifier",
            "app",
            "--skip-final-snapshot",
            "--final-db-snapshot-identifier",
            "app-final",
        ],
        "InvalidParameterCombination",
    );
    aws_fails(
        &b,
        &[
            "delete-db-cluster",
            "--db-cluster-identifier",
            "app",
            "--final-db-snapshot-identifier",
            "snap-1",
        ],
        "DBClusterSnapshotAlreadyExistsFault",
    );
    aws(
        &b,
        &[
            "delete-db-cluster",
            "--db-cluster-identifier",
            "app",
            "--final-db-snapshot-identifier",
            "app-final",
        ],
    );
    assert_eq!(snapshot_ids(&b, &[]), vec!["app-final", "snap-1", "snap-2"]);
    assert_eq!(
        snapshot_field(&b, "app-final", "DBClusterIdentifier"),
        "app"
    );
    // The cluster's pages are reclaimed now (DescribeDBClusters waits for the reclaimer);
    // the snapshots keep what they reach.
    aws(&b, &["describe-db-clusters"]);

    let r1 = restore_from_snapshot(&b, "snap-1", "r1");
    assert_eq!(
        checksum_at(r1),
        original,
        "snap-1 is the state before the update"
    );
    let r2 = restore_from_snapshot(&b, "app-final", "r2");
    assert_eq!(
        checksum_at(r2),
        changed,
        "the final snapshot has the update"
    );
    // The restored cluster is writable and its own.
    sql_at(r1, "DELETE FROM sbtest1 WHERE id <= 10");
    assert_eq!(checksum_at(r2), changed);
    // The binlog coordinate of the snapshot's point.
    let events = aws(
        &b,
        &[
            "describe-events",
            "--source-identifier",
            "r2",
            "--source-type",
            "db-cluster",
            "--query",
            "Events[].Message",
            "--output",
            "text",
        ],
    );
    assert!(
        events.contains("Binlog position from crash recovery is mysql-bin-changelog."),
        "{events}"
    );
    aws_fails(
        &b,
        &[
            "restore-db-cluster-from-snapshot",
            "--db-cluster-identifier",
            "r9",
            "--snapshot-identifier",
            "nope",
            "--engine",
            "aurora-mysql",
        ],
        "DBClusterSnapshotNotFoundFault",
    );
    aws_fails(
        &b,
        &[
            "restore-db-cluster-from-snapshot",
            "--db-cluster-identifier",
            "r1",
            "--snapshot-identifier",
            "snap-1",
            "--engine",
            "aurora-mysql",
        ],
        "DBClusterAlreadyExistsFault",
    );

    // A restart keeps every snapshot and what it holds.
    let mut b = b;
    b.stop();
    let b = b.restart();
    assert_eq!(snapshot_ids(&b, &[]), vec!["app-final", "snap-1", "snap-2"]);
    let r3 = restore_from_snapshot(&b, "snap-2", "r3");
    assert_eq!(checksum_at(r3), original, "the copy holds snap-1's state");

    // Delete: gone, and a second delete is not found.
    let out = aws(
        &b,
        &[
            "delete-db-cluster-snapshot",
            "--db-cluster-snapshot-identifier",
            "snap-1",
        ],
    );
    assert!(
        out.contains("\"DBClusterSnapshotIdentifier\": \"snap-1\""),
        "{out}"
    );
    aws_fails(
        &b,
        &[
            "delete-db-cluster-snapshot",
            "--db-cluster-snapshot-identifier",
            "snap-1",
        ],
        "DBClusterSnapshotNotFoundFault",
    );
    assert_eq!(snapshot_ids(&b, &[]), vec!["app-final", "snap-2"]);
    // Clusters restored from it are unaffected.
    assert_eq!(checksum_at(r3), original);
}

/// ARNs name clusters, snapshots and instances wherever an identifier goes; DBClusterArn
/// carries the region of the request's credential scope; another account's ARN names
/// nothing here.
#[test]
fn arns_are_accepted_wherever_an_identifier_is() {
    let b = Borealis::start("arns");
    sql(
        &b,
        "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY); INSERT INTO d.t VALUES (1),(2)",
    );
    let arn = aws(
        &b,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "borealis",
            "--query",
            "DBClusters[0].DBClusterArn",
            "--output",
            "text",
        ],
    );
    assert_eq!(arn, "arn:aws:rds:us-east-1:000000000000:cluster:borealis");
    let out = aws(
        &b,
        &[
            "restore-db-cluster-to-point-in-time",
            "--restore-type",
            "copy-on-write",
            "--use-latest-restorable-time",
            "--source-db-cluster-identifier",
            &arn,
            "--db-cluster-identifier",
            "by-arn",
        ],
    );
    assert!(out.contains("\"DBClusterIdentifier\": \"by-arn\""), "{out}");
    let st = aws(
        &b,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "arn:aws:rds:eu-west-1:000000000000:cluster:by-arn",
            "--query",
            "DBClusters[0].Status",
            "--output",
            "text",
        ],
    );
    assert_eq!(st, "available");
    aws_fails(
        &b,
        &[
            "restore-db-cluster-to-point-in-time",
            "--restore-type",
            "copy-on-write",
            "--use-latest-restorable-time",
            "--source-db-cluster-identifier",
            "arn:aws:rds:us-east-1:123456789012:cluster:borealis",
            "--db-cluster-identifier",
            "other-account",
        ],
        "DBClusterNotFoundFault",
    );
    aws_fails(
        &b,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "arn:aws:rds:us-east-1:000000000000:db:borealis",
        ],
        "DBClusterNotFoundFault",
    );
    aws(
        &b,
        &[
            "create-db-cluster-snapshot",
            "--db-cluster-identifier",
            "arn:aws:rds:us-east-1:000000000000:cluster:by-arn",
            "--db-cluster-snapshot-identifier",
            "s1",
        ],
    );
    aws(
        &b,
        &[
            "restore-db-cluster-from-snapshot",
            "--db-cluster-identifier",
            "from-arn",
            "--snapshot-identifier",
            "arn:aws:rds:us-east-1:000000000000:cluster-snapshot:s1",
            "--engine",
            "aurora-mysql",
        ],
    );
    let port = create_instance(&b, "from-arn", "from-arn-1");
    assert_eq!(
        succeeded(
            mysql(
                port,
                "admin",
                PASSWORD,
                &["-N", "-B", "-e", "SELECT COUNT(*) FROM d.t"],
                ""
            ),
            "count"
        ),
        "2"
    );
    let inst = aws(
        &b,
        &[
            "describe-db-instances",
            "--db-instance-identifier",
            "arn:aws:rds:us-east-1:000000000000:db:from-arn-1",
            "--query",
            "DBInstances[0].[DBInstanceArn,DBClusterIdentifier]",
            "--output",
            "text",
        ],
    );
    assert_eq!(
        inst,
        "arn:aws:rds:us-east-1:000000000000:db:from-arn-1\tfrom-arn"
    );
    aws(
        &b,
        &[
            "delete-db-instance",
            "--db-instance-identifier",
            "arn:aws:rds:us-east-1:000000000000:db:from-arn-1",
        ],
    );
    aws(
        &b,
        &[
            "delete-db-cluster",
            "--db-cluster-identifier",
            "arn:aws:rds:us-east-1:000000000000:cluster:from-arn",
            "--skip-final-snapshot",
        ],
    );
    aws_fails(
        &b,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "from-arn",
        ],
        "DBClusterNotFoundFault",
    );
}

/// BackupRetentionPeriod is applied and shown (CreateDBCluster, ModifyDBCluster,
/// RestoreDBClusterFromSnapshot), survives a restart, and is refused outside 1–35.
#[test]
fn backup_retention_period_is_kept_and_shown() {
    let b = Borealis::start("retention");
    let retention = |b: &Borealis, id: &str| {
        aws(
            b,
            &[
                "describe-db-clusters",
                "--db-cluster-identifier",
                id,
                "--query",
                "DBClusters[0].[BackupRetentionPeriod,EngineMode]",
                "--output",
                "text",
            ],
        )
    };
    assert_eq!(retention(&b, "borealis"), "1\tprovisioned");
    let out = aws(
        &b,
        &[
            "modify-db-cluster",
            "--db-cluster-identifier",
            "borealis",
            "--backup-retention-period",
            "7",
            "--apply-immediately",
        ],
    );
    assert!(out.contains("\"BackupRetentionPeriod\": 7"), "{out}");
    assert_eq!(retention(&b, "borealis"), "7\tprovisioned");
    // What Borealis cannot apply is refused, not accepted and ignored.
    aws_fails(
        &b,
        &[
            "modify-db-cluster",
            "--db-cluster-identifier",
            "borealis",
            "--preferred-backup-window",
            "07:00-09:00",
        ],
        "InvalidParameterValue",
    );
    aws_fails(
        &b,
        &[
            "modify-db-cluster",
            "--db-cluster-identifier",
            "borealis",
            "--deletion-protection",
        ],
        "InvalidParameterValue",
    );
    let out = aws(
        &b,
        &[
            "modify-db-cluster",
            "--db-cluster-identifier",
            "borealis",
            "--no-deletion-protection",
            "--vpc-security-group-ids",
            "sg-1",
            "sg-2",
        ],
    );
    assert!(out.contains("\"VpcSecurityGroupId\": \"sg-2\""), "{out}");
    for bad in ["0", "36"] {
        aws_fails(
            &b,
            &[
                "modify-db-cluster",
                "--db-cluster-identifier",
                "borealis",
                "--backup-retention-period",
                bad,
            ],
            "InvalidParameterValue",
        );
    }
    aws(
        &b,
        &[
            "create-db-cluster",
            "--db-cluster-identifier",
            "keep",
            "--engine",
            "aurora-mysql",
            "--master-username",
            "admin",
            "--master-user-password",
            "secret-pass-1",
            "--backup-retention-period",
            "14",
        ],
    );
    assert_eq!(retention(&b, "keep"), "14\tprovisioned");
    aws(
        &b,
        &[
            "create-db-cluster-snapshot",
            "--db-cluster-identifier",
            "keep",
            "--db-cluster-snapshot-identifier",
            "keep-s",
        ],
    );
    assert_eq!(snapshot_field(&b, "keep-s", "BackupRetentionPeriod"), "14");
    let mut b = b;
    b.stop();
    let b = b.restart();
    assert_eq!(retention(&b, "borealis"), "7\tprovisioned");
    assert_eq!(retention(&b, "keep"), "14\tprovisioned");
}

/// `CALL mysql.rds_set_configuration('binlog retention hours', 72)` survives a clean
/// restart (Aurora keeps it in the cluster, not the session).
#[test]
fn binlog_retention_hours_survive_a_restart() {
    let b = Borealis::start("binlog-hours");
    sql(
        &b,
        "CALL mysql.rds_set_configuration('binlog retention hours', 72)",
    );
    let show = |b: &Borealis| sql(b, "CALL mysql.rds_show_configuration");
    assert!(
        show(&b).starts_with("binlog retention hours\t72\t"),
        "{}",
        show(&b)
    );
    let mut b = b;
    b.stop();
    let b = b.restart();
    assert!(
        show(&b).starts_with("binlog retention hours\t72\t"),
        "{}",
        show(&b)
    );
    sql(
        &b,
        "CALL mysql.rds_set_configuration('binlog retention hours', NULL)",
    );
    let mut b = b;
    b.stop();
    let b = b.restart();
    assert!(
        show(&b).starts_with("binlog retention hours\tNULL\t"),
        "{}",
        show(&b)
    );
}

/// Every instance reports its own `@@port`; a reader shows `@@read_only` = 1 (and refuses
/// writes); the writer of a clone reports the source's binlog coordinate as a db-instance
/// event, as Aurora does.
#[test]
fn instances_report_their_port_role_and_the_clone_position() {
    let b = Borealis::start("instances");
    sql(
        &b,
        "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY)",
    );
    let vars = |port: u16| {
        succeeded(
            mysql(
                port,
                "admin",
                PASSWORD,
                &[
                    "-N",
                    "-B",
                    "-e",
                    "SELECT @@port, @@read_only, @@global.read_only",
                ],
                "",
            ),
            "vars",
        )
    };
    assert_eq!(vars(b.port), format!("{}\t0\t0", b.port));
    aws(
        &b,
        &[
            "restore-db-cluster-to-point-in-time",
            "--restore-type",
            "copy-on-write",
            "--use-latest-restorable-time",
            "--source-db-cluster-identifier",
            "borealis",
            "--db-cluster-identifier",
            "c",
        ],
    );
    let writer = create_instance(&b, "c", "c-1");
    let reader = create_instance(&b, "c", "c-2");
    assert_eq!(vars(writer), format!("{writer}\t0\t0"));
    assert_eq!(vars(reader), format!("{reader}\t1\t1"));
    let show = succeeded(
        mysql(
            reader,
            "admin",
            PASSWORD,
            &[
                "-N",
                "-B",
                "-e",
                "SHOW VARIABLES LIKE 'port'; SHOW VARIABLES LIKE 'read_only'",
            ],
            "",
        ),
        "show variables",
    );
    assert_eq!(show, format!("port\t{reader}\nread_only\tON"));
    let out = mysql(
        reader,
        "admin",
        PASSWORD,
        &["-e", "INSERT INTO d.t VALUES (1)"],
        "",
    );
    assert!(text(&out.stderr).contains("1290"), "{}", text(&out.stderr));

    let events = aws(
        &b,
        &[
            "describe-events",
            "--source-identifier",
            "c-1",
            "--source-type",
            "db-instance",
            "--query",
            "Events[].Message",
            "--output",
            "text",
        ],
    );
    let master = sql(&b, "SHOW MASTER STATUS");
    let mut f = master.split('\t');
    let want = format!(
        "Binlog position from crash recovery is {} {}",
        f.next().unwrap(),
        f.next().unwrap()
    );
    assert!(events.contains(&want), "{want} not in {events}");
}

/// Cluster parameter groups set the server's real variables: a change to a group applies at
/// once to the clusters using it and again after a restart; a cluster that changes group
/// takes the new group's values and drops the old one's; bad names and values, the default
/// group and a group in use are refused with RDS's codes.
#[test]
fn cluster_parameter_groups_set_the_servers_variables() {
    let b = Borealis::start("params");
    let global = |b: &Borealis, name: &str| sql(b, &format!("SELECT @@global.{name}"));
    let out = aws(
        &b,
        &[
            "create-db-cluster-parameter-group",
            "--db-cluster-parameter-group-name",
            "repl-pg",
            "--db-parameter-group-family",
            "aurora-mysql8.0",
            "--description",
            "binlog for an external replica",
        ],
    );
    assert!(
        out.contains("\"DBClusterParameterGroupArn\": \"arn:aws:rds:us-east-1:000000000000:cluster-pg:repl-pg\""),
        "{out}"
    );
    aws_fails(
        &b,
        &[
            "create-db-cluster-parameter-group",
            "--db-cluster-parameter-group-name",
            "repl-pg",
            "--db-parameter-group-family",
            "aurora-mysql8.0",
            "--description",
            "again",
        ],
        "DBParameterGroupAlreadyExists",
    );
    let modify = |b: &Borealis, group: &str, param: &str| {
        b.aws(&[
            "modify-db-cluster-parameter-group",
            "--db-cluster-parameter-group-name",
            group,
            "--parameters",
            param,
        ])
    };
    let out = succeeded(
        modify(
            &b,
            "repl-pg",
            "ParameterName=binlog_format,ParameterValue=MIXED,ApplyMethod=immediate",
        ),
        "modify",
    );
    assert!(
        out.contains("\"DBClusterParameterGroupName\": \"repl-pg\""),
        "{out}"
    );
    for (group, param, code) in [
        (
            "repl-pg",
            "ParameterName=binlog_format,ParameterValue=BOGUS,ApplyMethod=immediate",
            "InvalidParameterValue",
        ),
        (
            "repl-pg",
            "ParameterName=max_connections,ParameterValue=0,ApplyMethod=immediate",
            "InvalidParameterValue",
        ),
        (
            "repl-pg",
            "ParameterName=no_such_thing,ParameterValue=1,ApplyMethod=immediate",
            "InvalidParameterValue",
        ),
        (
            "default.aurora-mysql8.0",
            "ParameterName=binlog_format,ParameterValue=MIXED,ApplyMethod=immediate",
            "InvalidDBParameterGroupState",
        ),
        (
            "nope",
            "ParameterName=binlog_format,ParameterValue=MIXED,ApplyMethod=immediate",
            "DBParameterGroupNotFound",
        ),
    ] {
        let out = modify(&b, group, param);
        assert!(!out.status.success(), "{param} accepted");
        assert!(
            text(&out.stderr).contains(code),
            "{param}: {}",
            text(&out.stderr)
        );
    }
    let user = aws(
        &b,
        &[
            "describe-db-cluster-parameters",
            "--db-cluster-parameter-group-name",
            "repl-pg",
            "--source",
            "user",
            "--query",
            "Parameters[].[ParameterName,ParameterValue,ApplyType,DataType,AllowedValues,IsModifiable]",
            "--output",
            "text",
        ],
    );
    assert_eq!(
        user,
        "binlog_format\tMIXED\tdynamic\tstring\tMIXED,STATEMENT,ROW\tTrue"
    );

    // Not in use yet: the cluster runs with the defaults.
    assert_eq!(global(&b, "binlog_format"), "ROW");
    let out = aws(
        &b,
        &[
            "modify-db-cluster",
            "--db-cluster-identifier",
            "borealis",
            "--db-cluster-parameter-group-name",
            "repl-pg",
            "--apply-immediately",
        ],
    );
    assert!(
        out.contains("\"DBClusterParameterGroup\": \"repl-pg\""),
        "{out}"
    );
    assert_eq!(global(&b, "binlog_format"), "MIXED");
    succeeded(
        modify(
            &b,
            "repl-pg",
            "ParameterName=max_connections,ParameterValue=500,ApplyMethod=immediate",
        ),
        "max_connections",
    );
    assert_eq!(global(&b, "max_connections"), "500");
    aws_fails(
        &b,
        &[
            "delete-db-cluster-parameter-group",
            "--db-cluster-parameter-group-name",
            "repl-pg",
        ],
        "InvalidDBParameterGroupState",
    );

    // pending-reboot: kept for the next start, and the members say so.
    let member_status = |b: &Borealis| {
        aws(
            b,
            &[
                "describe-db-clusters",
                "--db-cluster-identifier",
                "borealis",
                "--query",
                "DBClusters[0].DBClusterMembers[0].DBClusterParameterGroupStatus",
                "--output",
                "text",
            ],
        )
    };
    assert_eq!(member_status(&b), "in-sync");
    succeeded(
        modify(
            &b,
            "repl-pg",
            "ParameterName=long_query_time,ParameterValue=5,ApplyMethod=pending-reboot",
        ),
        "long_query_time",
    );
    assert_eq!(global(&b, "long_query_time").parse::<f64>().unwrap(), 10.0);
    assert_eq!(member_status(&b), "pending-reboot");

    // A restart: the group is what the cluster runs with.
    let mut b = b;
    b.stop();
    let b = b.restart();
    assert_eq!(global(&b, "binlog_format"), "MIXED");
    assert_eq!(global(&b, "max_connections"), "500");
    assert_eq!(global(&b, "long_query_time").parse::<f64>().unwrap(), 5.0);
    assert_eq!(member_status(&b), "in-sync");

    aws(
        &b,
        &[
            "reset-db-cluster-parameter-group",
            "--db-cluster-parameter-group-name",
            "repl-pg",
            "--parameters",
            "ParameterName=max_connections,ApplyMethod=immediate",
        ],
    );
    assert_eq!(global(&b, "max_connections"), "151");
    assert_eq!(global(&b, "binlog_format"), "MIXED");
    aws(
        &b,
        &[
            "modify-db-cluster",
            "--db-cluster-identifier",
            "borealis",
            "--db-cluster-parameter-group-name",
            "default.aurora-mysql8.0",
        ],
    );
    assert_eq!(global(&b, "binlog_format"), "ROW");
    aws(
        &b,
        &[
            "delete-db-cluster-parameter-group",
            "--db-cluster-parameter-group-name",
            "repl-pg",
        ],
    );
    let groups = aws(
        &b,
        &[
            "describe-db-cluster-parameter-groups",
            "--query",
            "DBClusterParameterGroups[].DBClusterParameterGroupName",
            "--output",
            "text",
        ],
    );
    assert_eq!(groups, "default.aurora-mysql8.0");
}

/// The same snapshots from the shell: `borealis snapshot`, `snapshots`, `delete-snapshot`.
#[test]
fn borealis_cli_snapshots() {
    let b = Borealis::start("cli-snapshots");
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_borealis"))
            .args(args)
            .args(["--api", &format!("http://127.0.0.1:{}", b.api_port)])
            .output()
            .unwrap();
        succeeded(out, &args.join(" "))
    };
    assert_eq!(
        cli(&["snapshot", "borealis", "nightly"]),
        "snapshot nightly of borealis created"
    );
    let list = cli(&["snapshots"]);
    assert!(
        list.contains("nightly") && list.contains("borealis") && list.contains("available"),
        "{list}"
    );
    let json = cli(&["snapshots", "--json"]);
    assert!(
        json.contains("\"id\":\"nightly\"") && json.contains("\"cluster\":\"borealis\""),
        "{json}"
    );
    assert_eq!(
        cli(&["delete-snapshot", "nightly"]),
        "deleted snapshot nightly"
    );
    assert_eq!(cli(&["snapshots", "--json"]), "{\"snapshots\":[]}");
}

/// `(file, pos)` of the "Binlog position from crash recovery is FILE POS" event of `source`.
fn binlog_position_event(b: &Borealis, source: &str, source_type: &str) -> (String, u64) {
    let events = aws(
        b,
        &[
            "describe-events",
            "--source-identifier",
            source,
            "--source-type",
            source_type,
            "--query",
            "Events[].Message",
            "--output",
            "text",
        ],
    );
    let coord = events
        .split("Binlog position from crash recovery is ")
        .nth(1)
        .unwrap_or_else(|| panic!("no binlog position event for {source}: {events}"));
    let mut c = coord.split_whitespace();
    (
        c.next().unwrap().to_string(),
        c.next().unwrap().parse().unwrap(),
    )
}

/// SHOW BINARY LOGS on `port` as (name, size).
fn binary_logs(port: u16) -> Vec<(String, u64)> {
    sql_at(port, "SHOW BINARY LOGS")
        .lines()
        .map(|l| {
            let mut f = l.split('\t');
            (
                f.next().unwrap().to_string(),
                f.next().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

/// The published procedure for an external replica of a cluster restored from a snapshot,
/// verbatim with the AWS CLI: a cluster parameter group with `binlog_format` ROW on the
/// cluster, a snapshot taken under write load, a restore and its writer instance, `SHOW
/// BINARY LOGS` on it, a mysqldump of it loaded into a MariaDB 10.11, `CHANGE MASTER TO`
/// the last file and its size, more writes on the restored cluster, equal CHECKSUM TABLE
/// (and again after a restart). The restored cluster carries the source's binlog files up
/// to the snapshot's point (the older ones shared with the source: hard links), the
/// coordinate of the position event is a file of its own binlog and that file's size,
/// `mysqlbinlog` reads every file, and its own writes continue in the next file number.
#[test]
fn an_external_replica_of_a_cluster_restored_from_a_snapshot() {
    // Small binlog files: the snapshot's point is several files in.
    let b = Borealis::start_with(
        temp_dir("snap-replica"),
        free_port(),
        &["--var", "max_binlog_size=16384"],
    );
    lab(&b, 200);
    sql(
        &b,
        "CREATE TABLE mylab.ticks (id INT AUTO_INCREMENT PRIMARY KEY, n INT, note VARCHAR(100))",
    );
    create_repl_user(b.port);
    aws(
        &b,
        &[
            "create-db-cluster-parameter-group",
            "--db-cluster-parameter-group-name",
            "binlog-row",
            "--db-parameter-group-family",
            "aurora-mysql8.0",
            "--description",
            "binlog for an external replica",
        ],
    );
    aws(
        &b,
        &[
            "modify-db-cluster",
            "--db-cluster-identifier",
            "borealis",
            "--db-cluster-parameter-group-name",
            "binlog-row",
            "--apply-immediately",
        ],
    );
    aws(
        &b,
        &[
            "modify-db-cluster-parameter-group",
            "--db-cluster-parameter-group-name",
            "binlog-row",
            "--parameters",
            "ParameterName=binlog_format,ParameterValue=ROW,ApplyMethod=pending-reboot",
        ],
    );
    let pg_status = || {
        aws(
            &b,
            &[
                "describe-db-clusters",
                "--db-cluster-identifier",
                "borealis",
                "--query",
                "DBClusters[0].DBClusterMembers[0].DBClusterParameterGroupStatus",
                "--output",
                "text",
            ],
        )
    };
    assert_eq!(pg_status(), "pending-reboot");
    aws(
        &b,
        &[
            "reboot-db-instance",
            "--db-instance-identifier",
            "borealis-instance-1",
        ],
    );
    wait_for(
        || instance_state(&b, "borealis-instance-1").0,
        "available",
        &["rebooting"],
    );
    assert_eq!(pg_status(), "in-sync");
    assert_eq!(sql(&b, "SELECT @@global.binlog_format"), "ROW");

    // Write load on the source while the snapshot is taken.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let stop = stop.clone();
        let port = b.port;
        std::thread::spawn(move || {
            let mut n = 0u32;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                n += 1;
                sql_at(
                    port,
                    &format!(
                        "INSERT INTO ticks (n, note) VALUES ({n}, REPEAT('x', 90)); \
                         UPDATE sbtest1 SET k = k + 1 WHERE id = {}",
                        n % 200 + 1
                    ),
                );
            }
        })
    };
    let ticks = |port: u16| -> u64 { sql_at(port, "SELECT COUNT(*) FROM ticks").parse().unwrap() };
    let wait_ticks = |at_least: u64| {
        let deadline = Instant::now() + Duration::from_secs(120);
        while ticks(b.port) < at_least {
            assert!(Instant::now() < deadline, "the write load stalled");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_ticks(30);
    aws(
        &b,
        &[
            "create-db-cluster-snapshot",
            "--db-cluster-identifier",
            "borealis",
            "--db-cluster-snapshot-identifier",
            "repl-snap",
        ],
    );
    let at_snapshot = ticks(b.port);
    wait_ticks(at_snapshot + 30);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    load.join().unwrap();

    aws(
        &b,
        &[
            "restore-db-cluster-from-snapshot",
            "--db-cluster-identifier",
            "repl-target",
            "--snapshot-identifier",
            "repl-snap",
            "--engine",
            "aurora-mysql",
            "--db-cluster-parameter-group-name",
            "binlog-row",
        ],
    );
    let port = create_instance(&b, "repl-target", "repl-target-1");
    let restored_ticks = ticks(port);
    assert!(
        restored_ticks <= at_snapshot && restored_ticks < ticks(b.port),
        "{restored_ticks} rows restored, {at_snapshot} at the snapshot"
    );

    // The position event, as a db-cluster and a db-instance event, names a file of the
    // restored cluster's own binlog, and that file's size.
    let (file, pos) = binlog_position_event(&b, "repl-target", "db-cluster");
    assert_eq!(
        binlog_position_event(&b, "repl-target-1", "db-instance"),
        (file.clone(), pos)
    );
    let logs = binary_logs(port);
    let number = |f: &str| -> u32 { f.rsplit('.').next().unwrap().parse().unwrap() };
    assert!(number(&file) > 1, "the point is several files in: {logs:?}");
    let at = logs
        .iter()
        .position(|l| *l == (file.clone(), pos))
        .unwrap_or_else(|| panic!("{file} {pos} not in {logs:?}"));
    assert_eq!(at, logs.len() - 2, "{logs:?}");
    let (last, last_size) = logs.last().unwrap().clone();
    assert_eq!(number(&last), number(&file) + 1, "{logs:?}");
    // The files before the point are the source's, shared; the point's file is a copy.
    let dir = b.dir.join("binlog").join("repl-target");
    {
        use std::os::unix::fs::MetadataExt;
        for (f, _) in &logs[..at] {
            let nlink = std::fs::metadata(dir.join(f)).unwrap().nlink();
            assert!(nlink >= 2, "{f} is not shared ({nlink} links)");
        }
        assert_eq!(std::fs::metadata(dir.join(&file)).unwrap().nlink(), 1);
    }
    // mysqlbinlog reads every file.
    for (f, _) in &logs {
        let out = Command::new("mysqlbinlog")
            .arg(dir.join(f))
            .output()
            .expect("mysqlbinlog");
        succeeded(out, &format!("mysqlbinlog {f}"));
    }

    // mysqldump into MariaDB, then replicate from the last file and its size.
    let m = replica("snap-replica");
    let dump = Command::new("mysqldump")
        .args([
            "-h127.0.0.1",
            &format!("-P{port}"),
            &format!("-u{MASTER}"),
            &format!("-p{MASTER_PW}"),
            "--single-transaction",
            "--databases",
            "mylab",
        ])
        .output()
        .expect("mysqldump (Debian package mariadb-client) is needed");
    let dump = succeeded(dump, "mysqldump");
    succeeded(m.mysql(&[], &dump), "loading the dump into MariaDB");
    start_replica(&m, port, &last, last_size);
    for n in 0..50 {
        sql_at(
            port,
            &format!(
                "INSERT INTO ticks (n, note) VALUES ({}, 'after the restore'); \
                 UPDATE sbtest1 SET k = k - 1 WHERE id = {}; DELETE FROM sbtest1 WHERE id = {}",
                100_000 + n,
                n + 1,
                150 + n
            ),
        );
    }
    wait_converged(&m, port, &["mylab.sbtest1", "mylab.ticks"]);
    assert_eq!(
        ticks(port),
        restored_ticks + 50,
        "the restored cluster's writes only"
    );

    // After a restart the restored cluster keeps the inherited files and goes on.
    let b = b.restart();
    let after = binary_logs(port);
    assert_eq!(after[..logs.len() - 1], logs[..logs.len() - 1]);
    assert!(
        number(&after.last().unwrap().0) > number(&last),
        "{after:?}"
    );
    sql_at(
        port,
        "INSERT INTO ticks (n, note) VALUES (200000, 'after the restart')",
    );
    wait_converged(&m, port, &["mylab.sbtest1", "mylab.ticks"]);
    drop(b);
}

/// A `mysql` client kept open on `port` as the admin user; `start` waits for its first
/// answer.
struct Session(std::process::Child);

impl Session {
    fn start(port: u16) -> Session {
        use std::io::{BufRead, BufReader, Write};
        let mut child = Command::new("mysql")
            .args([
                "-h127.0.0.1",
                &format!("-P{port}"),
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
        writeln!(child.stdin.as_mut().unwrap(), "SELECT 'answered';").unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "answered");
        Session(child)
    }

    /// Sends `sql`, closes the input and returns what the client printed on stderr.
    fn finish(mut self, sql: &str) -> String {
        use std::io::Write;
        let mut stdin = self.0.stdin.take().unwrap();
        let _ = writeln!(stdin, "{sql}");
        drop(stdin);
        text(&self.0.wait_with_output().unwrap().stderr)
    }
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

fn cluster_status(b: &Borealis, id: &str) -> String {
    aws(
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

fn admin_at(port: u16, q: &str) -> Output {
    mysql(port, "admin", PASSWORD, &["-N", "-B", "-e", q], "")
}

/// RebootDBInstance, FailoverDBCluster, StopDBCluster / StartDBCluster and
/// DescribeDBClusterEndpoints with the AWS CLI: a reboot closes the sessions with error
/// 1927, rotates the binlog and applies `pending-reboot` parameters; a failover swaps the
/// writer and reader roles (`@@read_only` follows); a stopped cluster refuses connections,
/// stays stopped across a server restart and keeps its data; invalid states get RDS's
/// codes.
#[test]
fn reboot_failover_stop_and_start() {
    let b = Borealis::start("lifecycle");
    aws(
        &b,
        &[
            "create-db-cluster",
            "--db-cluster-identifier",
            "life",
            "--engine",
            "aurora-mysql",
            "--master-username",
            "admin",
            "--master-user-password",
            PASSWORD,
        ],
    );
    let w = create_instance(&b, "life", "life-1");
    let r = create_instance(&b, "life", "life-2");
    succeeded(
        admin_at(
            w,
            "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY); INSERT INTO d.t VALUES (1)",
        ),
        "setup",
    );
    let read_only =
        |port: u16| succeeded(admin_at(port, "SELECT @@port, @@read_only"), "read_only");
    assert_eq!(read_only(w), format!("{w}\t0"));
    assert_eq!(read_only(r), format!("{r}\t1"));

    // A pending-reboot parameter waits for the reboot.
    aws(
        &b,
        &[
            "create-db-cluster-parameter-group",
            "--db-cluster-parameter-group-name",
            "life-pg",
            "--db-parameter-group-family",
            "aurora-mysql8.0",
            "--description",
            "lifecycle",
        ],
    );
    aws(
        &b,
        &[
            "modify-db-cluster",
            "--db-cluster-identifier",
            "life",
            "--db-cluster-parameter-group-name",
            "life-pg",
        ],
    );
    aws(
        &b,
        &[
            "modify-db-cluster-parameter-group",
            "--db-cluster-parameter-group-name",
            "life-pg",
            "--parameters",
            "ParameterName=max_connections,ParameterValue=77,ApplyMethod=pending-reboot",
        ],
    );
    let pg_status = || {
        aws(
            &b,
            &[
                "describe-db-clusters",
                "--db-cluster-identifier",
                "life",
                "--query",
                "DBClusters[0].DBClusterMembers[].DBClusterParameterGroupStatus",
                "--output",
                "text",
            ],
        )
    };
    assert_eq!(pg_status(), "pending-reboot\tpending-reboot");
    let max_conn = |port: u16| succeeded(admin_at(port, "SELECT @@global.max_connections"), "max");
    assert_ne!(max_conn(w), "77");
    let logs_before = succeeded(admin_at(w, "SHOW BINARY LOGS"), "logs")
        .lines()
        .count();

    let open = Session::start(w);
    let out = aws(
        &b,
        &["reboot-db-instance", "--db-instance-identifier", "life-1"],
    );
    assert!(out.contains("\"DBInstanceStatus\": \"rebooting\""), "{out}");
    wait_for(
        || instance_state(&b, "life-1").0,
        "available",
        &["rebooting"],
    );
    wait_for(
        || instance_state(&b, "life-2").0,
        "available",
        &["rebooting"],
    );
    let err = open.finish("SELECT 'still here';");
    assert!(
        err.contains("ERROR 1927 (70100)") && err.contains("was rebooted"),
        "{err}"
    );
    assert_eq!(max_conn(w), "77");
    assert_eq!(max_conn(r), "77");
    assert_eq!(pg_status(), "in-sync\tin-sync");
    let logs_after = succeeded(admin_at(w, "SHOW BINARY LOGS"), "logs")
        .lines()
        .count();
    assert_eq!(logs_after, logs_before + 1, "the reboot rotates the binlog");
    assert_eq!(succeeded(admin_at(w, "SELECT * FROM d.t"), "data"), "1");
    // A reader's reboot.
    let open = Session::start(r);
    aws(
        &b,
        &["reboot-db-instance", "--db-instance-identifier", "life-2"],
    );
    wait_for(
        || instance_state(&b, "life-2").0,
        "available",
        &["rebooting"],
    );
    assert!(open.finish("SELECT 1;").contains("ERROR 1927"));
    assert_eq!(read_only(r), format!("{r}\t1"));
    aws_fails(
        &b,
        &["reboot-db-instance", "--db-instance-identifier", "nope"],
        "DBInstanceNotFound",
    );

    // Failover: roles swap.
    let members = || {
        aws(
            &b,
            &[
                "describe-db-clusters",
                "--db-cluster-identifier",
                "life",
                "--query",
                "DBClusters[0].DBClusterMembers[].[DBInstanceIdentifier,IsClusterWriter]",
                "--output",
                "text",
            ],
        )
    };
    assert_eq!(members(), "life-1\tTrue\nlife-2\tFalse");
    aws(
        &b,
        &[
            "failover-db-cluster",
            "--db-cluster-identifier",
            "life",
            "--target-db-instance-identifier",
            "life-2",
        ],
    );
    assert_eq!(members(), "life-2\tTrue\nlife-1\tFalse");
    assert_eq!(read_only(r), format!("{r}\t0"));
    assert_eq!(read_only(w), format!("{w}\t1"));
    succeeded(
        admin_at(r, "INSERT INTO d.t VALUES (2)"),
        "insert on the new writer",
    );
    let out = admin_at(w, "INSERT INTO d.t VALUES (3)");
    assert!(text(&out.stderr).contains("1290"), "{}", text(&out.stderr));
    aws_fails(
        &b,
        &[
            "failover-db-cluster",
            "--db-cluster-identifier",
            "life",
            "--target-db-instance-identifier",
            "life-2",
        ],
        "InvalidParameterValue",
    );
    // Without a target: the reader.
    aws(
        &b,
        &["failover-db-cluster", "--db-cluster-identifier", "life"],
    );
    assert_eq!(members(), "life-1\tTrue\nlife-2\tFalse");
    let endpoints = aws(
        &b,
        &[
            "describe-db-cluster-endpoints",
            "--db-cluster-identifier",
            "life",
            "--query",
            "DBClusterEndpoints[].[EndpointType,Status]",
            "--output",
            "text",
        ],
    );
    assert_eq!(endpoints, "WRITER\tavailable\nREADER\tavailable");

    // Stop: connections refused, state kept across a restart; start brings it back.
    let out = aws(&b, &["stop-db-cluster", "--db-cluster-identifier", "life"]);
    assert!(out.contains("\"Status\": \"stopping\""), "{out}");
    assert_eq!(cluster_status(&b, "life"), "stopped");
    assert_eq!(instance_state(&b, "life-1").0, "stopped");
    for port in [w, r] {
        let out = admin_at(port, "SELECT 1");
        assert!(
            text(&out.stderr).contains("Can't connect"),
            "{}",
            text(&out.stderr)
        );
    }
    aws_fails(
        &b,
        &["stop-db-cluster", "--db-cluster-identifier", "life"],
        "InvalidDBClusterStateFault",
    );
    aws_fails(
        &b,
        &["reboot-db-instance", "--db-instance-identifier", "life-1"],
        "InvalidDBInstanceState",
    );
    aws_fails(
        &b,
        &[
            "create-db-instance",
            "--db-instance-class",
            "db.r6g.large",
            "--engine",
            "aurora-mysql",
            "--db-cluster-identifier",
            "life",
            "--db-instance-identifier",
            "life-3",
        ],
        "InvalidDBClusterStateFault",
    );
    aws_fails(
        &b,
        &["stop-db-cluster", "--db-cluster-identifier", "borealis"],
        "InvalidDBClusterStateFault",
    );
    let b = b.restart();
    assert_eq!(cluster_status(&b, "life"), "stopped");
    // Nothing of `life` answers on its port. (The port is free while the cluster is
    // stopped, so a server another test of this binary starts meanwhile may take it: then
    // whoever answers is not life-1.)
    let out = admin_at(w, "SELECT @@aurora_server_id");
    assert!(
        text(&out.stderr).contains("Can't connect") || text(&out.stdout).trim() != "life-1",
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let out = aws(&b, &["start-db-cluster", "--db-cluster-identifier", "life"]);
    assert!(out.contains("\"Status\": \"starting\""), "{out}");
    wait_for(|| cluster_status(&b, "life"), "available", &["starting"]);
    wait_for(
        || instance_state(&b, "life-2").0,
        "available",
        &["starting"],
    );
    assert_eq!(succeeded(admin_at(w, "SELECT * FROM d.t"), "data"), "1\n2");
    assert_eq!(read_only(r), format!("{r}\t1"));
    aws_fails(
        &b,
        &["start-db-cluster", "--db-cluster-identifier", "life"],
        "InvalidDBClusterStateFault",
    );
}

/// DescribeDBEngineVersions and DescribeOrderableDBInstanceOptions list what the server
/// runs (and CreateDBInstance takes only a listed class); tags are added with `--tags` on
/// create and AddTagsToResource, listed, removed, kept across a restart and dropped with
/// their resource; describe-db-clusters says EngineMode provisioned.
#[test]
fn catalog_and_tags() {
    let b = Borealis::start("catalog");
    let versions = aws(
        &b,
        &[
            "describe-db-engine-versions",
            "--engine",
            "aurora-mysql",
            "--query",
            "DBEngineVersions[].[EngineVersion,DBParameterGroupFamily,Status]",
            "--output",
            "text",
        ],
    );
    assert_eq!(
        versions,
        "8.0.mysql_aurora.3.05.2\taurora-mysql8.0\tavailable"
    );
    let cluster_version = aws(
        &b,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "borealis",
            "--query",
            "DBClusters[0].[EngineVersion,EngineMode]",
            "--output",
            "text",
        ],
    );
    assert_eq!(cluster_version, "8.0.mysql_aurora.3.05.2\tprovisioned");
    assert_eq!(
        aws(
            &b,
            &[
                "describe-db-engine-versions",
                "--engine",
                "postgres",
                "--query",
                "length(DBEngineVersions)",
            ],
        ),
        "0"
    );
    let classes = aws(
        &b,
        &[
            "describe-orderable-db-instance-options",
            "--engine",
            "aurora-mysql",
            "--query",
            "OrderableDBInstanceOptions[].DBInstanceClass",
            "--output",
            "text",
        ],
    );
    assert!(classes.contains("db.r6g.large"), "{classes}");
    aws_fails(
        &b,
        &[
            "create-db-instance",
            "--db-instance-class",
            "db.bogus.huge",
            "--engine",
            "aurora-mysql",
            "--db-cluster-identifier",
            "borealis",
            "--db-instance-identifier",
            "bogus",
        ],
        "InvalidParameterCombination",
    );

    let arn = "arn:aws:rds:us-east-1:000000000000:cluster:tagged";
    aws(
        &b,
        &[
            "create-db-cluster",
            "--db-cluster-identifier",
            "tagged",
            "--engine",
            "aurora-mysql",
            "--master-username",
            "admin",
            "--master-user-password",
            PASSWORD,
            "--tags",
            "Key=team,Value=data",
            "Key=env,Value=lab",
        ],
    );
    let list = |b: &Borealis, arn: &str| {
        aws(
            b,
            &[
                "list-tags-for-resource",
                "--resource-name",
                arn,
                "--query",
                "TagList[].[Key,Value]",
                "--output",
                "text",
            ],
        )
    };
    assert_eq!(list(&b, arn), "env\tlab\nteam\tdata");
    aws(
        &b,
        &[
            "add-tags-to-resource",
            "--resource-name",
            arn,
            "--tags",
            "Key=env,Value=prod",
            "Key=owner,Value=me@example.com",
        ],
    );
    aws(
        &b,
        &[
            "remove-tags-from-resource",
            "--resource-name",
            arn,
            "--tag-keys",
            "team",
        ],
    );
    assert_eq!(list(&b, arn), "env\tprod\nowner\tme@example.com");
    aws_fails(
        &b,
        &[
            "add-tags-to-resource",
            "--resource-name",
            arn,
            "--tags",
            "Key=aws:reserved,Value=x",
        ],
        "InvalidParameterValue",
    );
    aws_fails(
        &b,
        &[
            "list-tags-for-resource",
            "--resource-name",
            "arn:aws:rds:us-east-1:000000000000:cluster:nope",
        ],
        "DBClusterNotFoundFault",
    );
    // Snapshots and instances carry tags too.
    aws(
        &b,
        &[
            "create-db-cluster-snapshot",
            "--db-cluster-identifier",
            "tagged",
            "--db-cluster-snapshot-identifier",
            "tagged-snap",
            "--tags",
            "Key=kind,Value=nightly",
        ],
    );
    assert_eq!(
        list(
            &b,
            "arn:aws:rds:us-east-1:000000000000:cluster-snapshot:tagged-snap"
        ),
        "kind\tnightly"
    );
    let b = b.restart();
    assert_eq!(list(&b, arn), "env\tprod\nowner\tme@example.com");
    aws(
        &b,
        &[
            "delete-db-cluster",
            "--db-cluster-identifier",
            "tagged",
            "--skip-final-snapshot",
        ],
    );
    aws(
        &b,
        &[
            "create-db-cluster",
            "--db-cluster-identifier",
            "tagged",
            "--engine",
            "aurora-mysql",
            "--master-username",
            "admin",
            "--master-user-password",
            PASSWORD,
        ],
    );
    assert_eq!(list(&b, arn), "", "a deleted cluster's tags go with it");
}
