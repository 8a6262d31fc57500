//! The control plane's records: clusters as the RDS API describes them, their instances
//! (listeners) and the event log, kept in `DATA_DIR/control/registry`.
//!
//! The volume owns the data of a cluster (its pages and timeline); this file owns what
//! Aurora keeps beside it: the port each instance listens on, the master user name, the
//! backtrack window, the clone group, the source's binlog coordinate at the clone point,
//! the backtracks done, the DB cluster snapshots (each a volume cluster of its own that
//! nothing writes, named [`SnapshotMeta::volume`]), the parameter groups, the tags and the
//! owning account of every resource, and the AWS RAM resource shares ([`ShareMeta`]).
//! It is rewritten whole (write, fsync, rename) after every change. A cluster the volume
//! has but this file lacks (a crash between the two) is adopted with defaults at start;
//! a record whose cluster the volume lacks is dropped.
//!
//! Format: one record per line, `kind` then tab-separated `key=value` fields, with `\`,
//! tab and newline escaped as `\\`, `\t`, `\n`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A cluster's control-plane facts.
#[derive(Clone, Debug, Default)]
pub struct ClusterMeta {
    pub id: String,
    pub engine: String,
    pub engine_version: String,
    pub master_username: String,
    pub database_name: String,
    /// Port of the writer instance (0: the next free one of `--instance-ports`).
    pub port: u16,
    pub backtrack_window: u64,
    pub created_us: u64,
    pub clone_group_id: String,
    /// The cluster this one was cloned or restored from.
    pub source: String,
    /// The source's binlog coordinate at the clone point.
    pub source_binlog: Option<(String, u64)>,
    pub restore_type: String,
    pub status: String,
    /// Echoed back as given (Borealis has no VPCs, subnets or KMS keys).
    pub vpc_security_group_ids: Vec<String>,
    pub db_subnet_group_name: String,
    pub kms_key_id: String,
    pub parameter_group: String,
    pub resource_id: String,
    /// BackupRetentionPeriod in days (0: not set, shown as RDS's default 1).
    pub backup_retention_days: u64,
    /// Port of the cluster's reader endpoint (0: none yet; one of `--instance-ports` is
    /// taken when the cluster first has an instance, and kept).
    pub reader_port: u16,
}

/// A DB cluster snapshot: a fork of its cluster's volume state that nothing writes (so it
/// pins, for GC, exactly the pages that state reaches) plus what RDS shows of it.
#[derive(Clone, Debug, Default)]
pub struct SnapshotMeta {
    pub id: String,
    /// The cluster it was taken of.
    pub cluster: String,
    /// The volume cluster that holds its state (a name no RDS identifier can take).
    pub volume: String,
    pub created_us: u64,
    pub cluster_created_us: u64,
    pub engine: String,
    pub engine_version: String,
    pub master_username: String,
    pub database_name: String,
    pub port: u16,
    pub kms_key_id: String,
    pub resource_id: String,
    pub backup_retention_days: u64,
    /// `manual` (CreateDBClusterSnapshot, CopyDBClusterSnapshot, a final snapshot).
    pub snapshot_type: String,
    pub status: String,
    /// For a copy: the snapshot it was copied from.
    pub source_snapshot: String,
    /// The cluster's binlog coordinate at the snapshot's point.
    pub binlog: Option<(String, u64)>,
}

/// A DB cluster parameter group: parameter name -> value as given.
#[derive(Clone, Debug, Default)]
pub struct ParamGroupMeta {
    pub name: String,
    pub family: String,
    pub description: String,
    pub params: BTreeMap<String, String>,
}

/// An instance: a MySQL listener attached to a cluster.
#[derive(Clone, Debug)]
pub struct InstanceMeta {
    pub id: String,
    pub cluster: String,
    pub class: String,
    pub engine: String,
    pub port: u16,
    pub created_us: u64,
    pub writer: bool,
    pub status: String,
    pub resource_id: String,
    /// PromotionTier 0–15 (RDS's default 1): failover promotes the reader with the lowest.
    pub promotion_tier: u8,
    /// CACertificateIdentifier as set (empty: [`DEFAULT_CA`]); recorded and shown.
    pub ca_certificate: String,
    /// AutoMinorVersionUpgrade (RDS's default true); recorded and shown.
    pub auto_minor_version_upgrade: bool,
}

/// The CACertificateIdentifier of an instance that never set one (RDS's default).
pub const DEFAULT_CA: &str = "rds-ca-rsa2048-g1";

impl Default for InstanceMeta {
    fn default() -> InstanceMeta {
        InstanceMeta {
            id: String::new(),
            cluster: String::new(),
            class: String::new(),
            engine: String::new(),
            port: 0,
            created_us: 0,
            writer: false,
            status: String::new(),
            resource_id: String::new(),
            promotion_tier: 1,
            ca_certificate: String::new(),
            auto_minor_version_upgrade: true,
        }
    }
}

/// One DescribeEvents entry.
#[derive(Clone, Debug, Default)]
pub struct EventMeta {
    pub time_us: u64,
    pub source_id: String,
    /// `db-cluster` or `db-instance`.
    pub source_type: String,
    pub category: String,
    pub message: String,
}

/// One backtrack of a cluster (DescribeDBClusterBacktracks).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BacktrackMeta {
    pub cluster: String,
    pub id: String,
    /// The time the cluster was rewound to, µs since the epoch.
    pub to_us: u64,
    /// The moment it was rewound from (the request's time).
    pub from_us: u64,
    pub created_us: u64,
    pub status: String,
}

/// Everything the control plane remembers.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    pub clusters: BTreeMap<String, ClusterMeta>,
    pub instances: BTreeMap<String, InstanceMeta>,
    pub events: Vec<EventMeta>,
    /// Backtracks, oldest first.
    pub backtracks: Vec<BacktrackMeta>,
    /// DB cluster snapshots by identifier.
    pub snapshots: BTreeMap<String, SnapshotMeta>,
    /// DB cluster parameter groups by name (not the default group, which sets nothing).
    pub param_groups: BTreeMap<String, ParamGroupMeta>,
    /// Tags by resource (`KIND:NAME`, KIND as in the resource's ARN: `cluster`, `db`,
    /// `cluster-snapshot`, `cluster-pg`), key to value.
    pub tags: BTreeMap<String, BTreeMap<String, String>>,
    /// The account each resource belongs to, by `KIND:NAME` as for tags (NAME lower case).
    /// A resource without a record belongs to the default account (`crate::accounts`).
    pub owners: BTreeMap<String, String>,
    /// AWS RAM resource shares, by ARN.
    pub shares: BTreeMap<String, ShareMeta>,
}

/// An AWS RAM resource share: clusters of its owner made visible to other accounts once
/// they accept their invitation.
#[derive(Clone, Debug, Default)]
pub struct ShareMeta {
    /// `arn:aws:ram:REGION:OWNER:resource-share/UUID`.
    pub arn: String,
    pub name: String,
    pub owner: String,
    /// `ACTIVE` or `DELETED`.
    pub status: String,
    pub allow_external: bool,
    /// The `clientToken` it was created with (a retry with it gets this share back).
    pub client_token: String,
    pub created_us: u64,
    pub updated_us: u64,
    /// The shared resources' ARNs (as given; the region is not compared).
    pub resources: Vec<String>,
    /// The accounts it is shared with, each with its invitation.
    pub invites: Vec<InviteMeta>,
}

/// One principal of a resource share and its invitation.
#[derive(Clone, Debug, Default)]
pub struct InviteMeta {
    pub account: String,
    /// `arn:aws:ram:REGION:OWNER:resource-share-invitation/UUID`.
    pub arn: String,
    /// `PENDING`, `ACCEPTED` or `REJECTED`.
    pub status: String,
    pub created_us: u64,
}

/// Events kept (the oldest are dropped first); Aurora keeps 14 days.
const MAX_EVENTS: usize = 10_000;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn unesc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some(o) => out.push(o),
            None => {}
        }
    }
    out
}

struct Fields(BTreeMap<String, String>);

impl Fields {
    fn s(&self, k: &str) -> String {
        self.0.get(k).cloned().unwrap_or_default()
    }
    fn n(&self, k: &str) -> u64 {
        self.0.get(k).and_then(|v| v.parse().ok()).unwrap_or(0)
    }
}

fn line(kind: &str, fields: &[(&str, String)]) -> String {
    let mut l = kind.to_string();
    for (k, v) in fields {
        l.push('\t');
        l.push_str(k);
        l.push('=');
        l.push_str(&esc(v));
    }
    l.push('\n');
    l
}

impl Registry {
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("control").join("registry")
    }

    /// Reads the registry; a missing file is an empty registry.
    pub fn load(path: &Path) -> Result<Registry, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Registry::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let mut r = Registry::default();
        for l in text.lines() {
            let mut parts = l.split('\t');
            let kind = parts.next().unwrap_or("");
            let f = Fields(
                parts
                    .filter_map(|p| p.split_once('='))
                    .map(|(k, v)| (k.to_string(), unesc(v)))
                    .collect(),
            );
            match kind {
                "cluster" => {
                    let binlog_file = f.s("source_binlog_file");
                    let c = ClusterMeta {
                        id: f.s("id"),
                        engine: f.s("engine"),
                        engine_version: f.s("engine_version"),
                        master_username: f.s("master_username"),
                        database_name: f.s("database_name"),
                        port: u16::try_from(f.n("port")).unwrap_or(0),
                        backtrack_window: f.n("backtrack_window"),
                        created_us: f.n("created_us"),
                        clone_group_id: f.s("clone_group_id"),
                        source: f.s("source"),
                        source_binlog: (!binlog_file.is_empty())
                            .then(|| (binlog_file, f.n("source_binlog_pos"))),
                        restore_type: f.s("restore_type"),
                        status: f.s("status"),
                        vpc_security_group_ids: f
                            .s("vpc_security_group_ids")
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect(),
                        db_subnet_group_name: f.s("db_subnet_group_name"),
                        kms_key_id: f.s("kms_key_id"),
                        parameter_group: f.s("parameter_group"),
                        resource_id: f.s("resource_id"),
                        backup_retention_days: f.n("backup_retention_days"),
                        reader_port: u16::try_from(f.n("reader_port")).unwrap_or(0),
                    };
                    r.clusters.insert(c.id.clone(), c);
                }
                "instance" => {
                    let i = InstanceMeta {
                        id: f.s("id"),
                        cluster: f.s("cluster"),
                        class: f.s("class"),
                        engine: f.s("engine"),
                        port: u16::try_from(f.n("port")).unwrap_or(0),
                        created_us: f.n("created_us"),
                        writer: f.s("writer") == "1",
                        status: f.s("status"),
                        resource_id: f.s("resource_id"),
                        // Records of earlier versions lack these: RDS's defaults.
                        promotion_tier: f
                            .0
                            .get("promotion_tier")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(1),
                        ca_certificate: f.s("ca_certificate"),
                        auto_minor_version_upgrade: f.s("auto_minor_version_upgrade") != "0",
                    };
                    r.instances.insert(i.id.clone(), i);
                }
                "event" => r.events.push(EventMeta {
                    time_us: f.n("time_us"),
                    source_id: f.s("source_id"),
                    source_type: f.s("source_type"),
                    category: f.s("category"),
                    message: f.s("message"),
                }),
                "backtrack" => r.backtracks.push(BacktrackMeta {
                    cluster: f.s("cluster"),
                    id: f.s("id"),
                    to_us: f.n("to_us"),
                    from_us: f.n("from_us"),
                    created_us: f.n("created_us"),
                    status: f.s("status"),
                }),
                "snapshot" => {
                    let binlog_file = f.s("binlog_file");
                    let sn = SnapshotMeta {
                        id: f.s("id"),
                        cluster: f.s("cluster"),
                        volume: f.s("volume"),
                        created_us: f.n("created_us"),
                        cluster_created_us: f.n("cluster_created_us"),
                        engine: f.s("engine"),
                        engine_version: f.s("engine_version"),
                        master_username: f.s("master_username"),
                        database_name: f.s("database_name"),
                        port: u16::try_from(f.n("port")).unwrap_or(0),
                        kms_key_id: f.s("kms_key_id"),
                        resource_id: f.s("resource_id"),
                        backup_retention_days: f.n("backup_retention_days"),
                        snapshot_type: f.s("snapshot_type"),
                        status: f.s("status"),
                        source_snapshot: f.s("source_snapshot"),
                        binlog: (!binlog_file.is_empty()).then(|| (binlog_file, f.n("binlog_pos"))),
                    };
                    r.snapshots.insert(sn.id.clone(), sn);
                }
                "paramgroup" => {
                    let g = ParamGroupMeta {
                        name: f.s("name"),
                        family: f.s("family"),
                        description: f.s("description"),
                        params: f
                            .0
                            .iter()
                            .filter_map(|(k, v)| {
                                Some((k.strip_prefix("p.")?.to_string(), v.clone()))
                            })
                            .collect(),
                    };
                    r.param_groups.insert(g.name.clone(), g);
                }
                "tags" => {
                    // `k.N` and `v.N` pairs (a key may hold `=`, which a field name cannot).
                    let tags =
                        f.0.iter()
                            .filter_map(|(k, key)| {
                                let n = k.strip_prefix("k.")?;
                                Some((key.clone(), f.s(&format!("v.{n}"))))
                            })
                            .collect();
                    r.tags.insert(f.s("resource"), tags);
                }
                "owner" => {
                    r.owners.insert(f.s("resource"), f.s("account"));
                }
                "share" => {
                    let list = |prefix: &str| -> Vec<String> {
                        let mut v: Vec<(u64, String)> =
                            f.0.iter()
                                .filter_map(|(k, val)| {
                                    Some((k.strip_prefix(prefix)?.parse().ok()?, val.clone()))
                                })
                                .collect();
                        v.sort();
                        v.into_iter().map(|(_, s)| s).collect()
                    };
                    // An invitation is `account,status,created_us,arn` (no field holds a comma
                    // but the ARN, which comes last).
                    let invites = list("i.")
                        .iter()
                        .filter_map(|i| {
                            let mut p = i.splitn(4, ',');
                            Some(InviteMeta {
                                account: p.next()?.to_string(),
                                status: p.next()?.to_string(),
                                created_us: p.next()?.parse().ok()?,
                                arn: p.next()?.to_string(),
                            })
                        })
                        .collect();
                    let sh = ShareMeta {
                        arn: f.s("arn"),
                        name: f.s("name"),
                        owner: f.s("owner"),
                        status: f.s("status"),
                        allow_external: f.s("allow_external") == "1",
                        client_token: f.s("client_token"),
                        created_us: f.n("created_us"),
                        updated_us: f.n("updated_us"),
                        resources: list("r."),
                        invites,
                    };
                    r.shares.insert(sh.arn.clone(), sh);
                }
                "" => {}
                other => tracing::warn!(kind = other, "unknown registry record skipped"),
            }
        }
        Ok(r)
    }

    /// Writes the registry atomically (temporary file, fsync, rename, fsync of the
    /// directory), unless the file already holds exactly this.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let mut text = String::new();
        for c in self.clusters.values() {
            let (bf, bp) = c.source_binlog.clone().unwrap_or_default();
            text.push_str(&line(
                "cluster",
                &[
                    ("id", c.id.clone()),
                    ("engine", c.engine.clone()),
                    ("engine_version", c.engine_version.clone()),
                    ("master_username", c.master_username.clone()),
                    ("database_name", c.database_name.clone()),
                    ("port", c.port.to_string()),
                    ("backtrack_window", c.backtrack_window.to_string()),
                    ("created_us", c.created_us.to_string()),
                    ("clone_group_id", c.clone_group_id.clone()),
                    ("source", c.source.clone()),
                    ("source_binlog_file", bf),
                    ("source_binlog_pos", bp.to_string()),
                    ("restore_type", c.restore_type.clone()),
                    ("status", c.status.clone()),
                    ("vpc_security_group_ids", c.vpc_security_group_ids.join(",")),
                    ("db_subnet_group_name", c.db_subnet_group_name.clone()),
                    ("kms_key_id", c.kms_key_id.clone()),
                    ("parameter_group", c.parameter_group.clone()),
                    ("resource_id", c.resource_id.clone()),
                    ("backup_retention_days", c.backup_retention_days.to_string()),
                    ("reader_port", c.reader_port.to_string()),
                ],
            ));
        }
        for sn in self.snapshots.values() {
            let (bf, bp) = sn.binlog.clone().unwrap_or_default();
            text.push_str(&line(
                "snapshot",
                &[
                    ("id", sn.id.clone()),
                    ("cluster", sn.cluster.clone()),
                    ("volume", sn.volume.clone()),
                    ("created_us", sn.created_us.to_string()),
                    ("cluster_created_us", sn.cluster_created_us.to_string()),
                    ("engine", sn.engine.clone()),
                    ("engine_version", sn.engine_version.clone()),
                    ("master_username", sn.master_username.clone()),
                    ("database_name", sn.database_name.clone()),
                    ("port", sn.port.to_string()),
                    ("kms_key_id", sn.kms_key_id.clone()),
                    ("resource_id", sn.resource_id.clone()),
                    (
                        "backup_retention_days",
                        sn.backup_retention_days.to_string(),
                    ),
                    ("snapshot_type", sn.snapshot_type.clone()),
                    ("status", sn.status.clone()),
                    ("source_snapshot", sn.source_snapshot.clone()),
                    ("binlog_file", bf),
                    ("binlog_pos", bp.to_string()),
                ],
            ));
        }
        for g in self.param_groups.values() {
            let mut fields = vec![
                ("name", g.name.clone()),
                ("family", g.family.clone()),
                ("description", g.description.clone()),
            ];
            let keys: Vec<String> = g.params.keys().map(|k| format!("p.{k}")).collect();
            for (k, v) in keys.iter().zip(g.params.values()) {
                fields.push((k.as_str(), v.clone()));
            }
            text.push_str(&line("paramgroup", &fields));
        }
        for (resource, tags) in &self.tags {
            let names: Vec<(String, String)> = (0..tags.len())
                .map(|n| (format!("k.{n}"), format!("v.{n}")))
                .collect();
            let mut fields = vec![("resource", resource.clone())];
            for ((k, v), (key, value)) in names.iter().zip(tags) {
                fields.push((k.as_str(), key.clone()));
                fields.push((v.as_str(), value.clone()));
            }
            text.push_str(&line("tags", &fields));
        }
        for (resource, account) in &self.owners {
            text.push_str(&line(
                "owner",
                &[("resource", resource.clone()), ("account", account.clone())],
            ));
        }
        for sh in self.shares.values() {
            let mut fields: Vec<(String, String)> = vec![
                ("arn".into(), sh.arn.clone()),
                ("name".into(), sh.name.clone()),
                ("owner".into(), sh.owner.clone()),
                ("status".into(), sh.status.clone()),
                (
                    "allow_external".into(),
                    if sh.allow_external { "1" } else { "0" }.into(),
                ),
                ("client_token".into(), sh.client_token.clone()),
                ("created_us".into(), sh.created_us.to_string()),
                ("updated_us".into(), sh.updated_us.to_string()),
            ];
            for (n, r) in sh.resources.iter().enumerate() {
                fields.push((format!("r.{n}"), r.clone()));
            }
            for (n, i) in sh.invites.iter().enumerate() {
                fields.push((
                    format!("i.{n}"),
                    format!("{},{},{},{}", i.account, i.status, i.created_us, i.arn),
                ));
            }
            let fields: Vec<(&str, String)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            text.push_str(&line("share", &fields));
        }
        for i in self.instances.values() {
            text.push_str(&line(
                "instance",
                &[
                    ("id", i.id.clone()),
                    ("cluster", i.cluster.clone()),
                    ("class", i.class.clone()),
                    ("engine", i.engine.clone()),
                    ("port", i.port.to_string()),
                    ("created_us", i.created_us.to_string()),
                    ("writer", if i.writer { "1" } else { "0" }.to_string()),
                    ("status", i.status.clone()),
                    ("resource_id", i.resource_id.clone()),
                    ("promotion_tier", i.promotion_tier.to_string()),
                    ("ca_certificate", i.ca_certificate.clone()),
                    (
                        "auto_minor_version_upgrade",
                        if i.auto_minor_version_upgrade {
                            "1"
                        } else {
                            "0"
                        }
                        .to_string(),
                    ),
                ],
            ));
        }
        for e in &self.events {
            text.push_str(&line(
                "event",
                &[
                    ("time_us", e.time_us.to_string()),
                    ("source_id", e.source_id.clone()),
                    ("source_type", e.source_type.clone()),
                    ("category", e.category.clone()),
                    ("message", e.message.clone()),
                ],
            ));
        }
        for b in &self.backtracks {
            text.push_str(&line(
                "backtrack",
                &[
                    ("cluster", b.cluster.clone()),
                    ("id", b.id.clone()),
                    ("to_us", b.to_us.to_string()),
                    ("from_us", b.from_us.to_string()),
                    ("created_us", b.created_us.to_string()),
                    ("status", b.status.clone()),
                ],
            ));
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        borealis_engine::storage::create_private_dir(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // Unchanged (a restart): nothing to write, so a restart needs no free space here.
        if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
            return Ok(());
        }
        let tmp = path.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            let mut f = borealis_engine::storage::private_options()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)?;
            std::fs::File::open(dir)?.sync_all()
        };
        write().map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// Appends an event, dropping the oldest past [`MAX_EVENTS`].
    pub fn event(&mut self, source_type: &str, source_id: &str, category: &str, message: String) {
        tracing::info!(source = source_id, "{message}");
        self.events.push(EventMeta {
            time_us: borealis_engine::storage::now_us(),
            source_id: source_id.to_string(),
            source_type: source_type.to_string(),
            category: category.to_string(),
            message,
        });
        if self.events.len() > MAX_EVENTS {
            let cut = self.events.len() - MAX_EVENTS;
            self.events.drain(..cut);
        }
    }

    /// The writer instance of `cluster`, if it has one.
    pub fn writer_of(&self, cluster: &str) -> Option<&InstanceMeta> {
        self.instances
            .values()
            .find(|i| i.cluster == cluster && i.writer)
    }

    /// The reader of `cluster` a failover promotes: the lowest PromotionTier, the oldest
    /// of equals (RDS breaks ties by size; Borealis's instances are all one size).
    pub fn promotion_target(&self, cluster: &str) -> Option<&InstanceMeta> {
        self.instances_of(cluster)
            .into_iter()
            .filter(|i| !i.writer)
            .min_by_key(|i| (i.promotion_tier, i.created_us))
    }

    /// The instances of `cluster`, writer first.
    pub fn instances_of(&self, cluster: &str) -> Vec<&InstanceMeta> {
        let mut v: Vec<&InstanceMeta> = self
            .instances
            .values()
            .filter(|i| i.cluster == cluster)
            .collect();
        v.sort_by_key(|i| (!i.writer, i.created_us));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_file() {
        let dir = std::env::temp_dir().join(format!("borealis-registry-{}", std::process::id()));
        let path = dir.join("registry");
        let mut r = Registry::default();
        r.clusters.insert(
            "a-clone".into(),
            ClusterMeta {
                id: "a-clone".into(),
                port: 3307,
                source: "a".into(),
                source_binlog: Some(("mysql-bin-changelog.000002".into(), 1234)),
                vpc_security_group_ids: vec!["sg-1".into(), "sg-2".into()],
                master_username: "tab\there\\ and\nnewline".into(),
                ..Default::default()
            },
        );
        r.instances.insert(
            "i".into(),
            InstanceMeta {
                id: "i".into(),
                cluster: "a-clone".into(),
                writer: true,
                port: 3307,
                promotion_tier: 0,
                ca_certificate: "rds-ca-ecc384-g1".into(),
                auto_minor_version_upgrade: false,
                ..Default::default()
            },
        );
        r.instances.insert(
            "j".into(),
            InstanceMeta {
                id: "j".into(),
                ..Default::default()
            },
        );
        r.event("db-cluster", "a-clone", "notification", "hello".into());
        r.backtracks.push(BacktrackMeta {
            cluster: "a-clone".into(),
            id: "bt-1".into(),
            to_us: 5,
            from_us: 9,
            created_us: 9,
            status: "completed".into(),
        });
        r.snapshots.insert(
            "snap-1".into(),
            SnapshotMeta {
                id: "snap-1".into(),
                cluster: "a-clone".into(),
                volume: "_snapshot_abc".into(),
                binlog: Some(("mysql-bin-changelog.000003".into(), 99)),
                port: 3307,
                ..Default::default()
            },
        );
        r.param_groups.insert(
            "pg".into(),
            ParamGroupMeta {
                name: "pg".into(),
                family: "aurora-mysql8.0".into(),
                description: "tab\there".into(),
                params: [("binlog_format".to_string(), "MIXED".to_string())].into(),
            },
        );
        r.owners
            .insert("cluster:a-clone".into(), "444455556666".into());
        let share = ShareMeta {
            arn: "arn:aws:ram:us-east-1:111122223333:resource-share/x".into(),
            name: "tab\there".into(),
            owner: "111122223333".into(),
            status: "ACTIVE".into(),
            allow_external: true,
            client_token: "tok".into(),
            created_us: 7,
            updated_us: 8,
            // More than ten, so their order is the numeric one.
            resources: (0..12)
                .map(|n| format!("arn:aws:rds:us-east-1:111122223333:cluster:c{n}"))
                .collect(),
            invites: vec![InviteMeta {
                account: "444455556666".into(),
                arn: "arn:aws:ram:us-east-1:111122223333:resource-share-invitation/y,z".into(),
                status: "ACCEPTED".into(),
                created_us: 7,
            }],
        };
        r.shares.insert(share.arn.clone(), share.clone());
        r.save(&path).unwrap();
        let back = Registry::load(&path).unwrap();
        assert_eq!(back.owners, r.owners);
        let sh = &back.shares[&share.arn];
        assert_eq!(
            (sh.name.as_str(), sh.owner.as_str(), sh.status.as_str()),
            ("tab\there", "111122223333", "ACTIVE")
        );
        assert_eq!(
            (sh.created_us, sh.updated_us, sh.allow_external),
            (7, 8, true)
        );
        assert_eq!(sh.client_token, "tok");
        assert_eq!(sh.resources, share.resources);
        assert_eq!(sh.invites.len(), 1);
        assert_eq!(sh.invites[0].arn, share.invites[0].arn);
        assert_eq!(sh.invites[0].status, "ACCEPTED");
        assert_eq!(back.param_groups["pg"].params["binlog_format"], "MIXED");
        assert_eq!(back.param_groups["pg"].description, "tab\there");
        let sn = &back.snapshots["snap-1"];
        assert_eq!(sn.volume, "_snapshot_abc");
        assert_eq!(sn.port, 3307);
        assert_eq!(
            sn.binlog,
            Some(("mysql-bin-changelog.000003".to_string(), 99))
        );
        let c = &back.clusters["a-clone"];
        assert_eq!(c.port, 3307);
        assert_eq!(c.master_username, "tab\there\\ and\nnewline");
        assert_eq!(
            c.source_binlog,
            Some(("mysql-bin-changelog.000002".to_string(), 1234))
        );
        assert_eq!(c.vpc_security_group_ids, vec!["sg-1", "sg-2"]);
        let i = &back.instances["i"];
        assert!(i.writer);
        assert_eq!(
            (i.promotion_tier, i.ca_certificate.as_str()),
            (0, "rds-ca-ecc384-g1")
        );
        assert!(!i.auto_minor_version_upgrade);
        // RDS's defaults, also for a record written before these fields existed.
        let j = &back.instances["j"];
        assert_eq!((j.promotion_tier, j.auto_minor_version_upgrade), (1, true));
        let old = "instance\tid=k\tcluster=a-clone\tport=3308\n";
        let old_path = dir.join("old");
        std::fs::write(&old_path, old).unwrap();
        let k = &Registry::load(&old_path).unwrap().instances["k"];
        assert_eq!((k.promotion_tier, k.auto_minor_version_upgrade), (1, true));
        assert!(k.ca_certificate.is_empty());
        assert_eq!(back.events.len(), 1);
        assert_eq!(back.events[0].message, "hello");
        assert_eq!(back.backtracks, r.backtracks);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
