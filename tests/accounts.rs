//! Accounts and cross-account sharing end to end (issue 29 item 6): a real `borealis
//! serve` with two accounts (`--account` and `--accounts-file`), driven by the real AWS
//! CLI (`aws rds` and `aws ram`) signing as either account, through Aurora's published
//! cross-account clone procedure: the owner creates a cluster and an instance and writes
//! rows; shares the cluster with the other account through RAM; the other account accepts
//! the invitation, clones the cluster by its ARN, connects to its clone with the real mysql
//! client and sees the rows; the two sides' writes stay apart. Around it, the isolation an
//! account gets: another account's resources are NotFound until shared, a wrong secret is
//! SignatureDoesNotMatch, and everything (owners, shares) survives a restart.

mod harness;

use std::process::Output;
use std::time::{Duration, Instant};

use harness::*;

const OWNER: &str = "111122223333";
const OWNER_KEYS: (&str, &str) = ("AKIAOWNER0001", "owner-secret/123");
const OTHER: &str = "444455556666";
const OTHER_KEYS: (&str, &str) = ("AKIAOTHER0002", "other-secret/456");

const MASTER: &str = "owneradmin";
const MASTER_PW: &str = "ownerpass1";

/// `aws SERVICE ARGS` as `keys`; its trimmed output (it must succeed).
fn aws_ok(b: &Borealis, keys: (&str, &str), service: &str, args: &[&str]) -> String {
    succeeded(
        b.aws_service(keys, service, args),
        &format!("{service} {}", args.join(" ")),
    )
}

/// `aws SERVICE ARGS` as `keys`, which must fail with error `code`.
fn aws_err(b: &Borealis, keys: (&str, &str), service: &str, args: &[&str], code: &str) {
    let out: Output = b.aws_service(keys, service, args);
    assert!(
        !out.status.success(),
        "{service} {args:?} as {} succeeded: {}",
        keys.0,
        text(&out.stdout)
    );
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("({code})")),
        "{service} {args:?} as {}: want {code}: {err}",
        keys.0
    );
}

fn rds(b: &Borealis, keys: (&str, &str), args: &[&str]) -> String {
    aws_ok(b, keys, "rds", args)
}

fn ram(b: &Borealis, keys: (&str, &str), args: &[&str]) -> String {
    aws_ok(b, keys, "ram", args)
}

/// Polls an aws command printing one status word until it says `available`.
fn wait_available(b: &Borealis, keys: (&str, &str), describe: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = rds(b, keys, describe);
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

/// create-db-instance on `cluster` as `keys`; the instance's port once it is available.
fn create_instance(b: &Borealis, keys: (&str, &str), cluster: &str, instance: &str) -> u16 {
    rds(
        b,
        keys,
        &[
            "create-db-instance",
            "--db-instance-class",
            "db.r5.large",
            "--engine",
            "aurora-mysql",
            "--db-cluster-identifier",
            cluster,
            "--db-instance-identifier",
            instance,
        ],
    );
    wait_available(
        b,
        keys,
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
    let port = rds(
        b,
        keys,
        &[
            "describe-db-instances",
            "--db-instance-identifier",
            instance,
            "--query",
            "DBInstances[0].Endpoint.Port",
            "--output",
            "text",
        ],
    );
    let port: u16 = port.parse().unwrap();
    wait_listening(port);
    port
}

/// The clusters `keys` sees, by identifier.
fn cluster_ids(b: &Borealis, keys: (&str, &str)) -> Vec<String> {
    let out = rds(
        b,
        keys,
        &[
            "describe-db-clusters",
            "--query",
            "DBClusters[].DBClusterIdentifier",
            "--output",
            "text",
        ],
    );
    let mut ids: Vec<String> = out.split_whitespace().map(str::to_string).collect();
    ids.sort();
    ids
}

/// SQL as `user` on `port`, which must succeed; its output.
fn sql_as(port: u16, user: &str, pw: &str, q: &str) -> String {
    succeeded(mysql(port, user, pw, &["-N", "-B", "-e", q], ""), q)
}

#[test]
fn a_cluster_shared_through_ram_is_cloned_by_the_other_account() {
    let dir = temp_dir("accounts");
    let file = dir.with_extension("accounts");
    std::fs::write(
        &file,
        format!(
            "# the account the cluster is shared with\n{OTHER}:{}:{}\n",
            OTHER_KEYS.0, OTHER_KEYS.1
        ),
    )
    .unwrap();
    let owner_spec = format!("{OWNER}:{}:{}", OWNER_KEYS.0, OWNER_KEYS.1);
    let file_arg = file.display().to_string();
    let b = Borealis::start_with(
        dir,
        free_port(),
        &["--account", &owner_spec, "--accounts-file", &file_arg],
    );

    // Credentials: an unknown key, a wrong secret, for both APIs.
    for service in ["rds", "ram"] {
        let args: &[&str] = if service == "rds" {
            &["describe-db-clusters"]
        } else {
            &["get-resource-shares", "--resource-owner", "SELF"]
        };
        aws_err(
            &b,
            (OTHER_KEYS.0, "not-the-secret"),
            service,
            args,
            "SignatureDoesNotMatch",
        );
        aws_err(
            &b,
            ("AKIAUNKNOWN", OTHER_KEYS.1),
            service,
            args,
            "InvalidClientTokenId",
        );
    }

    // The owner: a cluster and its writer (Aurora's docs start from there), rows in it.
    // The default cluster made at first start is the first account's.
    rds(
        &b,
        OWNER_KEYS,
        &[
            "create-db-cluster",
            "--db-cluster-identifier",
            "sales",
            "--engine",
            "aurora-mysql",
            "--master-username",
            MASTER,
            "--master-user-password",
            MASTER_PW,
        ],
    );
    let owner_port = create_instance(&b, OWNER_KEYS, "sales", "sales-1");
    sql_as(
        owner_port,
        MASTER,
        MASTER_PW,
        "CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(20)); \
         INSERT INTO shop.orders VALUES (1, 'apple'), (2, 'pear'), (3, 'plum')",
    );
    assert_eq!(cluster_ids(&b, OWNER_KEYS), ["borealis", "sales"]);
    let arn = rds(
        &b,
        OWNER_KEYS,
        &[
            "describe-db-clusters",
            "--db-cluster-identifier",
            "sales",
            "--query",
            "DBClusters[0].DBClusterArn",
            "--output",
            "text",
        ],
    );
    assert_eq!(arn, format!("arn:aws:rds:us-east-1:{OWNER}:cluster:sales"));

    // The other account sees none of it, and cannot touch it, by name or ARN.
    assert!(cluster_ids(&b, OTHER_KEYS).is_empty());
    let instances = rds(
        &b,
        OTHER_KEYS,
        &[
            "describe-db-instances",
            "--query",
            "DBInstances[].DBInstanceIdentifier",
            "--output",
            "text",
        ],
    );
    assert!(instances.is_empty(), "{instances}");
    for id in ["sales", arn.as_str()] {
        for args in [
            vec!["describe-db-clusters", "--db-cluster-identifier", id],
            vec![
                "delete-db-cluster",
                "--db-cluster-identifier",
                id,
                "--skip-final-snapshot",
            ],
            vec![
                "modify-db-cluster",
                "--db-cluster-identifier",
                id,
                "--master-user-password",
                "stolenpass1",
                "--apply-immediately",
            ],
            vec![
                "create-db-cluster-snapshot",
                "--db-cluster-identifier",
                id,
                "--db-cluster-snapshot-identifier",
                "theft",
            ],
            vec![
                "restore-db-cluster-to-point-in-time",
                "--source-db-cluster-identifier",
                id,
                "--db-cluster-identifier",
                "myclone",
                "--restore-type",
                "copy-on-write",
                "--use-latest-restorable-time",
            ],
        ] {
            aws_err(&b, OTHER_KEYS, "rds", &args, "DBClusterNotFoundFault");
        }
    }
    aws_err(
        &b,
        OTHER_KEYS,
        "rds",
        &[
            "describe-db-instances",
            "--db-instance-identifier",
            "sales-1",
        ],
        "DBInstanceNotFound",
    );
    aws_err(
        &b,
        OTHER_KEYS,
        "rds",
        &["list-tags-for-resource", "--resource-name", &arn],
        "DBClusterNotFoundFault",
    );
    // Identifiers are one namespace (README "Not yet").
    aws_err(
        &b,
        OTHER_KEYS,
        "rds",
        &[
            "create-db-cluster",
            "--db-cluster-identifier",
            "sales",
            "--engine",
            "aurora-mysql",
            "--master-username",
            "x",
            "--master-user-password",
            "xxxxxxxx1",
        ],
        "DBClusterAlreadyExistsFault",
    );
    // The other account cannot share what is not its own.
    aws_err(
        &b,
        OTHER_KEYS,
        "ram",
        &[
            "create-resource-share",
            "--name",
            "theft",
            "--resource-arns",
            &arn,
            "--principals",
            OTHER,
        ],
        "UnknownResourceException",
    );

    // The owner shares the cluster with the other account.
    let share = ram(
        &b,
        OWNER_KEYS,
        &[
            "create-resource-share",
            "--name",
            "sales-share",
            "--resource-arns",
            &arn,
            "--principals",
            OTHER,
            "--query",
            "resourceShare.[resourceShareArn,owningAccountId,status]",
            "--output",
            "text",
        ],
    );
    let f: Vec<&str> = share.split_whitespace().collect();
    assert_eq!(f[1..], [OWNER, "ACTIVE"], "{share}");
    let share_arn = f[0].to_string();
    assert!(
        share_arn.starts_with(&format!("arn:aws:ram:us-east-1:{OWNER}:resource-share/")),
        "{share_arn}"
    );
    let owned = ram(
        &b,
        OWNER_KEYS,
        &[
            "list-resources",
            "--resource-owner",
            "SELF",
            "--query",
            "resources[].[arn,type,status]",
            "--output",
            "text",
        ],
    );
    assert_eq!(owned, format!("{arn}\trds:Cluster\tAVAILABLE"));

    // A pending invitation gives nothing yet.
    aws_err(
        &b,
        OTHER_KEYS,
        "rds",
        &[
            "restore-db-cluster-to-point-in-time",
            "--source-db-cluster-identifier",
            &arn,
            "--db-cluster-identifier",
            "myclone",
            "--restore-type",
            "copy-on-write",
            "--use-latest-restorable-time",
        ],
        "DBClusterNotFoundFault",
    );
    let shared = ram(
        &b,
        OTHER_KEYS,
        &["list-resources", "--resource-owner", "OTHER-ACCOUNTS"],
    );
    assert!(!shared.contains(&arn), "{shared}");

    // The other account accepts the invitation.
    let inv = ram(
        &b,
        OTHER_KEYS,
        &[
            "get-resource-share-invitations",
            "--query",
            "resourceShareInvitations[].[resourceShareInvitationArn,resourceShareName,senderAccountId,receiverAccountId,status]",
            "--output",
            "text",
        ],
    );
    let f: Vec<&str> = inv.split_whitespace().collect();
    assert_eq!(
        f[1..],
        ["sales-share", OWNER, OTHER, "PENDING"],
        "one pending invitation: {inv}"
    );
    let inv_arn = f[0].to_string();
    // Nobody else's invitation to answer: the owner has none.
    let none = ram(
        &b,
        OWNER_KEYS,
        &[
            "get-resource-share-invitations",
            "--query",
            "resourceShareInvitations",
            "--output",
            "text",
        ],
    );
    assert!(none.is_empty(), "{none}");
    aws_err(
        &b,
        OWNER_KEYS,
        "ram",
        &[
            "accept-resource-share-invitation",
            "--resource-share-invitation-arn",
            &inv_arn,
        ],
        "ResourceShareInvitationArnNotFoundException",
    );
    let accepted = ram(
        &b,
        OTHER_KEYS,
        &[
            "accept-resource-share-invitation",
            "--resource-share-invitation-arn",
            &inv_arn,
            "--query",
            "resourceShareInvitation.status",
            "--output",
            "text",
        ],
    );
    assert_eq!(accepted, "ACCEPTED");
    aws_err(
        &b,
        OTHER_KEYS,
        "ram",
        &[
            "reject-resource-share-invitation",
            "--resource-share-invitation-arn",
            &inv_arn,
        ],
        "ResourceShareInvitationAlreadyAcceptedException",
    );
    let shared = ram(
        &b,
        OTHER_KEYS,
        &[
            "list-resources",
            "--resource-owner",
            "OTHER-ACCOUNTS",
            "--query",
            "resources[].[arn,resourceShareArn]",
            "--output",
            "text",
        ],
    );
    assert_eq!(shared, format!("{arn}\t{share_arn}"));
    let shares = ram(
        &b,
        OTHER_KEYS,
        &[
            "get-resource-shares",
            "--resource-owner",
            "OTHER-ACCOUNTS",
            "--query",
            "resourceShares[].[name,owningAccountId]",
            "--output",
            "text",
        ],
    );
    assert_eq!(shares, format!("sales-share\t{OWNER}"));
    // describe-db-clusters lists it with --include-shared only.
    assert!(cluster_ids(&b, OTHER_KEYS).is_empty());
    let listed = rds(
        &b,
        OTHER_KEYS,
        &[
            "describe-db-clusters",
            "--include-shared",
            "--query",
            "DBClusters[].DBClusterArn",
            "--output",
            "text",
        ],
    );
    assert_eq!(listed, arn);
    // Sharing is for cloning: the cluster itself stays the owner's.
    aws_err(
        &b,
        OTHER_KEYS,
        "rds",
        &[
            "delete-db-cluster",
            "--db-cluster-identifier",
            &arn,
            "--skip-final-snapshot",
        ],
        "DBClusterNotFoundFault",
    );

    // The other account clones it by ARN, copy-on-write, with its own KMS key.
    let clone = rds(
        &b,
        OTHER_KEYS,
        &[
            "restore-db-cluster-to-point-in-time",
            "--source-db-cluster-identifier",
            &arn,
            "--db-cluster-identifier",
            "myclone",
            "--restore-type",
            "copy-on-write",
            "--use-latest-restorable-time",
            "--kms-key-id",
            "arn:aws:kms:us-east-1:444455556666:key/other-key",
            "--query",
            "DBCluster.[DBClusterArn,KmsKeyId,StorageEncrypted]",
            "--output",
            "text",
        ],
    );
    assert_eq!(
        clone,
        format!(
            "arn:aws:rds:us-east-1:{OTHER}:cluster:myclone\t\
             arn:aws:kms:us-east-1:444455556666:key/other-key\tTrue"
        )
    );
    assert_eq!(cluster_ids(&b, OTHER_KEYS), ["myclone"]);
    assert_eq!(cluster_ids(&b, OWNER_KEYS), ["borealis", "sales"]);
    aws_err(
        &b,
        OWNER_KEYS,
        "rds",
        &["describe-db-clusters", "--db-cluster-identifier", "myclone"],
        "DBClusterNotFoundFault",
    );
    // Each account's events are its own.
    let events = |keys| {
        rds(
            &b,
            keys,
            &[
                "describe-events",
                "--query",
                "Events[].SourceIdentifier",
                "--output",
                "text",
            ],
        )
    };
    let (mine, theirs) = (events(OTHER_KEYS), events(OWNER_KEYS));
    assert!(
        mine.contains("myclone") && !mine.contains("sales"),
        "{mine}"
    );
    assert!(
        theirs.contains("sales") && !theirs.contains("myclone"),
        "{theirs}"
    );
    // The clone comes with the source's users; the other account sets its own password.
    rds(
        &b,
        OTHER_KEYS,
        &[
            "modify-db-cluster",
            "--db-cluster-identifier",
            "myclone",
            "--master-user-password",
            "otherpass1",
            "--apply-immediately",
        ],
    );
    let clone_port = create_instance(&b, OTHER_KEYS, "myclone", "myclone-1");
    assert_eq!(
        sql_as(
            clone_port,
            MASTER,
            "otherpass1",
            "SELECT GROUP_CONCAT(item ORDER BY id) FROM shop.orders"
        ),
        "apple,pear,plum"
    );
    sql_as(
        clone_port,
        MASTER,
        "otherpass1",
        "INSERT INTO shop.orders VALUES (4, 'fig'); DELETE FROM shop.orders WHERE id = 1",
    );
    assert_eq!(
        sql_as(
            clone_port,
            MASTER,
            "otherpass1",
            "SELECT GROUP_CONCAT(item ORDER BY id) FROM shop.orders"
        ),
        "pear,plum,fig"
    );
    // The owner's data is unchanged, and so is the owner's password.
    assert_eq!(
        sql_as(
            owner_port,
            MASTER,
            MASTER_PW,
            "SELECT GROUP_CONCAT(item ORDER BY id) FROM shop.orders"
        ),
        "apple,pear,plum"
    );

    // The owner takes the account off the share: no more clones, the one made stays.
    ram(
        &b,
        OWNER_KEYS,
        &[
            "disassociate-resource-share",
            "--resource-share-arn",
            &share_arn,
            "--principals",
            OTHER,
        ],
    );
    let shared = ram(
        &b,
        OTHER_KEYS,
        &[
            "list-resources",
            "--resource-owner",
            "OTHER-ACCOUNTS",
            "--query",
            "resources",
            "--output",
            "text",
        ],
    );
    assert!(shared.is_empty(), "{shared}");
    aws_err(
        &b,
        OTHER_KEYS,
        "rds",
        &[
            "restore-db-cluster-to-point-in-time",
            "--source-db-cluster-identifier",
            &arn,
            "--db-cluster-identifier",
            "myclone2",
            "--restore-type",
            "copy-on-write",
            "--use-latest-restorable-time",
        ],
        "DBClusterNotFoundFault",
    );
    let deleted = ram(
        &b,
        OWNER_KEYS,
        &[
            "delete-resource-share",
            "--resource-share-arn",
            &share_arn,
            "--query",
            "returnValue",
            "--output",
            "text",
        ],
    );
    assert_eq!(deleted, "True");
    aws_err(
        &b,
        OTHER_KEYS,
        "ram",
        &["delete-resource-share", "--resource-share-arn", &share_arn],
        "UnknownResourceException",
    );

    // A restart keeps who owns what, and the share's end.
    let b = b.restart_with(&["--account", &owner_spec, "--accounts-file", &file_arg]);
    assert_eq!(cluster_ids(&b, OTHER_KEYS), ["myclone"]);
    assert_eq!(cluster_ids(&b, OWNER_KEYS), ["borealis", "sales"]);
    let status = ram(
        &b,
        OWNER_KEYS,
        &[
            "get-resource-shares",
            "--resource-owner",
            "SELF",
            "--query",
            "resourceShares[].[name,status]",
            "--output",
            "text",
        ],
    );
    assert_eq!(status, "sales-share\tDELETED");
    wait_listening(clone_port);
    assert_eq!(
        sql_as(
            clone_port,
            MASTER,
            "otherpass1",
            "SELECT COUNT(*) FROM shop.orders"
        ),
        "3"
    );
    aws_err(
        &b,
        OTHER_KEYS,
        "rds",
        &[
            "describe-db-instances",
            "--db-instance-identifier",
            "sales-1",
        ],
        "DBInstanceNotFound",
    );
    drop(b);
    let _ = std::fs::remove_file(&file);
}

/// `borealis serve` refuses account flags it cannot use, saying why, before it starts.
#[test]
fn serve_refuses_malformed_or_conflicting_accounts() {
    let dir = temp_dir("accounts-flags");
    let dup = dir.with_extension("dup-accounts");
    std::fs::write(
        &dup,
        format!("{OWNER}:SAMEKEY:a\n# same key again\n{OTHER}:SAMEKEY:b\n"),
    )
    .unwrap();
    let dup_arg = dup.display().to_string();
    let cases: [(&[&str], &str); 4] = [
        (&["--account", "1234:AK:SK"], "12-digit"),
        (&["--account", "111122223333:AK"], "ID:ACCESS_KEY:SECRET"),
        (
            &[
                "--api-access-key",
                "k",
                "--api-secret-key",
                "s",
                "--account",
                "111122223333:AK:SK",
            ],
            "exclude each other",
        ),
        (&["--accounts-file", &dup_arg], "given to two accounts"),
    ];
    for (flags, want) in cases {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_borealis"))
            .args(["serve", "--data-dir"])
            .arg(&dir)
            .args(["--port", &free_port().to_string(), "--api-port", "0"])
            .args(flags)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{flags:?} started");
        let err = text(&out.stderr);
        assert!(err.contains(want), "{flags:?}: want {want}: {err}");
    }
    let _ = std::fs::remove_file(&dup);
    let _ = std::fs::remove_dir_all(&dir);
}
