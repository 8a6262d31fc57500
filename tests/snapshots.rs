//! DB cluster snapshots, ARNs and the control plane's small settings end to end (issue 29):
//! the real AWS CLI drives the RDS API of a real `borealis serve`; the real mysql client
//! checks what the clusters restored from snapshots hold, before and after a restart.

mod harness;

use std::process::Command;
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
