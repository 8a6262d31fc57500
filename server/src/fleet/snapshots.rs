//! DB cluster snapshots (DESIGN "Control plane"): CreateDBClusterSnapshot,
//! DescribeDBClusterSnapshots, CopyDBClusterSnapshot, DeleteDBClusterSnapshot,
//! RestoreDBClusterFromSnapshot and DeleteDBCluster's final snapshot.
//!
//! A snapshot is a fork of its cluster's volume state at the latest commit, held as a volume
//! cluster of its own ([`SNAPSHOT_PREFIX`] and a random suffix: a name no RDS identifier
//! can take) that nothing ever writes. It copies no page (storage invariant 3) and, being a
//! cluster of the volume, keeps every page its state reaches from GC (invariant 4) for as
//! long as it exists, whatever happens to the cluster it was taken of (deleted, rewound,
//! aged out of its retention). A copy is a fork of the snapshot's state; a restore is a
//! fork into a new, writable cluster that records the binlog coordinate of the snapshot's
//! point. Deleting a snapshot drops its volume cluster; the pages only it reached return
//! at the next GC. A snapshot also holds its cluster's binlog files up to its point
//! (`DATA_DIR/binlog/<volume cluster>/`: links and one cut copy, see
//! `borealis_engine::binlog::share`); a restore or a copy inherits them the same way, so
//! the restored cluster's binlog continues the source's numbering.

use super::*;
use crate::registry::SnapshotMeta;

/// Prefix of the volume clusters that hold snapshots (`_` is not allowed in RDS
/// identifiers, so no cluster of the API can collide with one).
pub const SNAPSHOT_PREFIX: &str = "_snapshot_";

/// A snapshot as DescribeDBClusterSnapshots shows it.
#[derive(Clone, Debug)]
pub struct SnapshotView {
    pub meta: SnapshotMeta,
    /// Bytes only this snapshot reaches.
    pub exclusive_bytes: u64,
    /// Bytes it shares with clusters or other snapshots.
    pub shared_bytes: u64,
    /// Its tags (TagList).
    pub tags: Vec<(String, String)>,
}

/// RestoreDBClusterFromSnapshot's inputs.
#[derive(Default)]
pub struct RestoreFromSnapshot {
    pub id: String,
    pub snapshot: String,
    pub engine: String,
    pub engine_version: String,
    pub port: Option<u16>,
    pub backtrack_window: Option<u64>,
    pub backup_retention_days: Option<u64>,
    pub echo: Echo,
}

/// RDS's rule for snapshot identifiers: 1 to 255 letters, digits or hyphens; first a
/// letter; no trailing hyphen, no two consecutive hyphens. Stored lower-case.
pub fn check_snapshot_identifier(kind: &str, id: &str) -> Result<String, ApiError> {
    super::check_rds_identifier(kind, id, 255)
}

pub fn snapshot_not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "DBClusterSnapshotNotFoundFault",
        format!(
            "DBClusterSnapshot {id} not found. Check the identifier with \
             describe-db-cluster-snapshots."
        ),
    )
}

fn snapshot_exists(id: &str) -> ApiError {
    ApiError::new(
        400,
        "DBClusterSnapshotAlreadyExistsFault",
        format!(
            "Cannot create the cluster snapshot because one with the identifier {id} already \
             exists. Choose another identifier or delete it first."
        ),
    )
}

/// Backup retention in days as RDS shows it (1 when never set).
pub fn retention_days(d: u64) -> u64 {
    if d == 0 {
        1
    } else {
        d
    }
}

impl Fleet {
    /// Reconciles snapshot records with the volume at start: a record whose volume cluster
    /// is gone is dropped; a snapshot volume cluster no record names (a crash between the
    /// fork and the registry write: the snapshot was never acknowledged) is dropped too.
    /// The binlog directories of snapshots no record names (in `binlog_root`) are removed.
    pub(super) fn reconcile_snapshots(
        volume: &Volume,
        reg: &mut Registry,
        in_volume: &[String],
        binlog_root: &std::path::Path,
    ) {
        reg.snapshots.retain(|_, s| in_volume.contains(&s.volume));
        for name in in_volume.iter().filter(|n| n.starts_with(SNAPSHOT_PREFIX)) {
            if !reg.snapshots.values().any(|s| s.volume == *name) {
                match volume.drop_cluster(name) {
                    Ok(()) => tracing::warn!(volume_cluster = %name, "unfinished snapshot dropped"),
                    Err(e) => {
                        tracing::warn!(volume_cluster = %name, error = %e, "unfinished snapshot not dropped")
                    }
                }
            }
        }
        let Ok(dirs) = std::fs::read_dir(binlog_root) else {
            return;
        };
        for d in dirs.flatten() {
            let name = d.file_name().to_string_lossy().to_string();
            if name.starts_with(SNAPSHOT_PREFIX)
                && !reg.snapshots.values().any(|s| s.volume == name)
            {
                if let Err(e) = std::fs::remove_dir_all(d.path()) {
                    tracing::warn!(dir = %d.path().display(), error = %e, "binlog files of a dropped snapshot not removed");
                }
            }
        }
    }

    /// Forks `cluster` at its latest commit into snapshot `id` (under the fleet lock; the
    /// caller saves the registry).
    pub(super) fn take_snapshot(
        &self,
        st: &mut State,
        id: &str,
        cluster: &str,
        asked: &str,
    ) -> Result<SnapshotMeta, ApiError> {
        let meta = cluster_meta(st, cluster, asked)?;
        if st.reg.snapshots.contains_key(id) {
            return Err(snapshot_exists(id));
        }
        if meta.status != "available" {
            return Err(ApiError::new(
                400,
                "InvalidDBClusterStateFault",
                format!(
                    "DB cluster {cluster} is {}; a snapshot needs it available.",
                    meta.status
                ),
            ));
        }
        let volume = format!("{SNAPSHOT_PREFIX}{}", random_id("").to_ascii_lowercase());
        self.open_for_fork(st, cluster);
        let started = Instant::now();
        let c = self
            .volume
            .fork(cluster, &volume, PointInTime::Latest)
            .map_err(engine_error)?;
        let took = started.elapsed();
        let seq = c.info().source.map_or(0, |(_, s)| s);
        let binlog = self.source_coord(st, cluster, seq);
        // The snapshot keeps the binlog up to its point, so a restore has it whatever
        // happens to the cluster's files later.
        self.inherit_binlog(st, cluster, &volume, binlog.as_ref());
        let port = st.reg.writer_of(cluster).map_or(meta.port, |i| i.port);
        let sn = SnapshotMeta {
            id: id.to_string(),
            cluster: cluster.to_string(),
            volume,
            created_us: now_us(),
            cluster_created_us: meta.created_us,
            engine: meta.engine.clone(),
            engine_version: meta.engine_version.clone(),
            master_username: meta.master_username.clone(),
            database_name: meta.database_name.clone(),
            port,
            kms_key_id: meta.kms_key_id.clone(),
            resource_id: meta.resource_id.clone(),
            backup_retention_days: meta.backup_retention_days,
            snapshot_type: "manual".into(),
            status: "available".into(),
            source_snapshot: String::new(),
            binlog: binlog.clone(),
        };
        st.reg.snapshots.insert(id.to_string(), sn.clone());
        st.reg.event(
            "db-cluster-snapshot",
            id,
            "creation",
            format!(
                "Manual cluster snapshot of {cluster} created in {:.3} ms{}",
                took.as_secs_f64() * 1e3,
                binlog
                    .map(|(f, p)| format!("; binlog position {f} {p}"))
                    .unwrap_or_default()
            ),
        );
        st.space = None;
        Ok(sn)
    }

    fn snapshot_view(&self, st: &mut State, sn: &SnapshotMeta, with_space: bool) -> SnapshotView {
        let report = if with_space { self.space(st) } else { None };
        let (exclusive_bytes, shared_bytes) = report
            .and_then(|r| {
                r.clusters.iter().find(|c| c.name == sn.volume).map(|c| {
                    (
                        c.exclusive_pages * r.page_size,
                        c.shared_pages * r.page_size,
                    )
                })
            })
            .unwrap_or((0, 0));
        SnapshotView {
            meta: sn.clone(),
            exclusive_bytes,
            shared_bytes,
            tags: catalog::tags_of(st, "cluster-snapshot", &sn.id),
        }
    }

    fn snapshot_meta(st: &State, id: &str) -> Result<SnapshotMeta, ApiError> {
        st.reg
            .snapshots
            .get(&id.to_ascii_lowercase())
            .cloned()
            .ok_or_else(|| snapshot_not_found(id))
    }

    /// CreateDBClusterSnapshot: instant, whatever the size (a fork of the volume).
    pub fn create_snapshot(&self, id: &str, cluster: &str) -> Result<SnapshotView, ApiError> {
        let id = check_snapshot_identifier("DBClusterSnapshotIdentifier", id)?;
        if cluster.is_empty() {
            return Err(ApiError::invalid(
                "The parameter DBClusterIdentifier must be provided.",
            ));
        }
        let mut st = self.lock();
        let sn = self.take_snapshot(&mut st, &id, &cluster.to_ascii_lowercase(), cluster)?;
        self.save(&st)?;
        Ok(self.snapshot_view(&mut st, &sn, false))
    }

    /// DescribeDBClusterSnapshots: by identifier, by cluster, by type (`manual`; Borealis
    /// keeps no automated snapshots: its point-in-time history is the retained timeline),
    /// oldest first.
    pub fn describe_snapshots(
        &self,
        id: Option<&str>,
        cluster: Option<&str>,
        snapshot_type: Option<&str>,
    ) -> Result<Vec<SnapshotView>, ApiError> {
        if let Some(t) = snapshot_type {
            if !["automated", "manual", "shared", "public", "awsbackup"].contains(&t) {
                return Err(ApiError::invalid(format!(
                    "Invalid SnapshotType {t}: use automated, manual, shared, public or awsbackup."
                )));
            }
        }
        let mut st = self.lock();
        let mut list: Vec<SnapshotMeta> = match id {
            Some(id) => vec![Self::snapshot_meta(&st, id)?],
            None => st.reg.snapshots.values().cloned().collect(),
        };
        list.retain(|s| {
            cluster.is_none_or(|c| s.cluster.eq_ignore_ascii_case(c))
                && snapshot_type.is_none_or(|t| s.snapshot_type == t)
        });
        list.sort_by(|a, b| (a.created_us, &a.id).cmp(&(b.created_us, &b.id)));
        Ok(list
            .iter()
            .map(|s| self.snapshot_view(&mut st, s, true))
            .collect())
    }

    /// DeleteDBClusterSnapshot: the pages only the snapshot reached come back in the
    /// background.
    pub fn delete_snapshot(&self, id: &str) -> Result<SnapshotView, ApiError> {
        let mut st = self.lock();
        let sn = Self::snapshot_meta(&st, id)?;
        if sn.status != "available" {
            return Err(ApiError::new(
                400,
                "InvalidDBClusterSnapshotStateFault",
                format!(
                    "DBClusterSnapshot {} is {}, not available.",
                    sn.id, sn.status
                ),
            ));
        }
        let mut view = self.snapshot_view(&mut st, &sn, false);
        match self.volume.drop_cluster(&sn.volume) {
            Ok(()) | Err(EngineError::NotFound { .. }) => {}
            Err(e) => return Err(engine_error(e)),
        }
        self.remove_binlog_dir(&sn.volume);
        st.reg.snapshots.remove(&sn.id);
        catalog::drop_tags(&mut st, "cluster-snapshot", &sn.id);
        st.reg.event(
            "db-cluster-snapshot",
            &sn.id,
            "deletion",
            "Manual cluster snapshot deleted".into(),
        );
        st.space = None;
        self.save(&st)?;
        drop(st);
        self.request_reclaim();
        view.meta.status = "deleted".into();
        Ok(view)
    }

    /// CopyDBClusterSnapshot: a fork of the snapshot's state (no page copied). The copy
    /// keeps the source's point in time (SnapshotCreateTime, binlog coordinate).
    pub fn copy_snapshot(
        &self,
        source: &str,
        target: &str,
        kms_key_id: Option<&str>,
    ) -> Result<SnapshotView, ApiError> {
        let target = check_snapshot_identifier("TargetDBClusterSnapshotIdentifier", target)?;
        let mut st = self.lock();
        let src = Self::snapshot_meta(&st, source)?;
        if src.status != "available" {
            return Err(ApiError::new(
                400,
                "InvalidDBClusterSnapshotStateFault",
                format!(
                    "DBClusterSnapshot {} is {}, not available.",
                    src.id, src.status
                ),
            ));
        }
        if st.reg.snapshots.contains_key(&target) {
            return Err(snapshot_exists(&target));
        }
        let volume = format!("{SNAPSHOT_PREFIX}{}", random_id("").to_ascii_lowercase());
        self.volume
            .fork(&src.volume, &volume, PointInTime::Latest)
            .map_err(engine_error)?;
        self.inherit_binlog(&st, &src.volume, &volume, src.binlog.as_ref());
        let sn = SnapshotMeta {
            id: target.clone(),
            volume,
            snapshot_type: "manual".into(),
            status: "available".into(),
            source_snapshot: src.id.clone(),
            kms_key_id: kms_key_id.map_or(src.kms_key_id.clone(), str::to_string),
            ..src.clone()
        };
        st.reg.snapshots.insert(target.clone(), sn.clone());
        st.reg.event(
            "db-cluster-snapshot",
            &target,
            "creation",
            format!("Cluster snapshot copied from {}", src.id),
        );
        st.space = None;
        self.save(&st)?;
        Ok(self.snapshot_view(&mut st, &sn, false))
    }

    /// RestoreDBClusterFromSnapshot: a new cluster forked from the snapshot's state, with
    /// the snapshot's master user and databases, no instances yet (CreateDBInstance adds
    /// them, as on RDS), and the binlog coordinate of the snapshot's point in
    /// DescribeEvents and `Borealis_clone_source_binlog_*`.
    pub fn restore_from_snapshot(&self, r: RestoreFromSnapshot) -> Result<ClusterView, ApiError> {
        let id = check_identifier("DBClusterIdentifier", &r.id)?;
        match r.engine.as_str() {
            "" => {
                return Err(ApiError::invalid(
                    "The parameter Engine must be provided: use aurora-mysql.",
                ))
            }
            "aurora-mysql" | "aurora" | "mysql" => {}
            other => {
                return Err(ApiError::invalid(format!(
                    "Invalid DB engine: {other}. Borealis serves aurora-mysql."
                )))
            }
        }
        if r.snapshot.is_empty() {
            return Err(ApiError::invalid(
                "The parameter SnapshotIdentifier must be provided.",
            ));
        }
        if let Some(w) = r.backtrack_window {
            check_backtrack_window(w)?;
        }
        if let Some(days) = r.backup_retention_days {
            check_backup_retention(days)?;
        }
        let mut st = self.lock();
        Self::check_new_cluster(&st, &id)?;
        let sn = Self::snapshot_meta(&st, &r.snapshot)?;
        let parameter_group = Self::check_param_group(&st, &r.echo.parameter_group)?;
        if sn.status != "available" {
            return Err(ApiError::new(
                400,
                "InvalidDBClusterSnapshotStateFault",
                format!(
                    "DBClusterSnapshot {} is {}, not available.",
                    sn.id, sn.status
                ),
            ));
        }
        if let Some(p) = r.port {
            drop(self.bind_port(&st, p)?);
        }
        let started = Instant::now();
        self.volume
            .fork(&sn.volume, &id, PointInTime::Latest)
            .map_err(engine_error)?;
        let took = started.elapsed();
        self.inherit_binlog(&st, &sn.volume, &id, sn.binlog.as_ref());
        let backup_days = r.backup_retention_days.unwrap_or(sn.backup_retention_days);
        let meta = ClusterMeta {
            id: id.clone(),
            engine: sn.engine.clone(),
            engine_version: if r.engine_version.is_empty() {
                sn.engine_version.clone()
            } else {
                r.engine_version.clone()
            },
            master_username: sn.master_username.clone(),
            database_name: sn.database_name.clone(),
            port: r.port.unwrap_or(0),
            backtrack_window: r.backtrack_window.unwrap_or(0),
            created_us: now_us(),
            clone_group_id: uuid(),
            source: sn.cluster.clone(),
            source_binlog: sn.binlog.clone(),
            restore_type: "snapshot".into(),
            status: "available".into(),
            vpc_security_group_ids: r.echo.vpc_security_group_ids.clone(),
            db_subnet_group_name: r.echo.db_subnet_group_name.clone(),
            kms_key_id: if r.echo.kms_key_id.is_empty() {
                sn.kms_key_id.clone()
            } else {
                r.echo.kms_key_id.clone()
            },
            parameter_group,
            resource_id: random_id("cluster-"),
            backup_retention_days: backup_days,
            reader_port: 0,
        };
        st.reg.clusters.insert(id.clone(), meta.clone());
        self.apply_retention(&mut st, &meta)?;
        st.reg.event(
            "db-cluster",
            &id,
            "creation",
            format!(
                "Restored from DB cluster snapshot {} (of {} at {}) in {:.3} ms",
                sn.id,
                sn.cluster,
                crate::isotime::format_us(sn.created_us),
                took.as_secs_f64() * 1e3
            ),
        );
        if let Some((f, p)) = &sn.binlog {
            st.reg.event(
                "db-cluster",
                &id,
                "notification",
                format!("Binlog position from crash recovery is {f} {p}"),
            );
        }
        st.space = None;
        self.save(&st)?;
        Ok(self.cluster_view(&mut st, &meta, false))
    }
}
