//! Instance and cluster lifecycle (DESIGN "Control plane"): RebootDBInstance,
//! StopDBCluster / StartDBCluster, FailoverDBCluster and DescribeDBClusterEndpoints.
//!
//! - **Reboot** of a cluster's writer restarts the cluster's engine, as a server restart
//!   does for it: every endpoint of the cluster closes its client sessions (each gets
//!   `ERROR 1927 Connection was killed: DB instance X was rebooted`, as a backtrack closes
//!   them) and replicas' dump threads, the engine shuts down (its binlog file ends with a
//!   Stop event), opens again (a new binlog file; the cluster parameter group applied
//!   again, `pending-reboot` values included) and the endpoints listen again on their
//!   ports. A reader's reboot closes that reader's sessions and restarts its listener; the
//!   engine the readers share with the writer stays. The status is `rebooting` until it is
//!   done (in the background), then `available`.
//! - **Stop** closes every endpoint of the cluster (its sessions closed, its port refusing
//!   connections) and shuts the engine down; the cluster and its instances are `stopped`
//!   (kept in the registry: a server restart leaves them stopped). The data stays; the
//!   cluster can still be cloned, restored to a point in time and snapshotted from.
//!   **Start** opens the engine and the endpoints again on their ports (`starting`, then
//!   `available`).
//! - **Failover** swaps roles: the named reader (or the one of the lowest PromotionTier,
//!   the oldest of equals) becomes the writer,
//!   the writer a reader. Both instances' sessions are closed (as Aurora's failover
//!   restarts both), so every new session sees its instance's role in `@@read_only`. The
//!   cluster endpoint (DescribeDBClusters `Port`) follows the writer.
//! - **Modify** (ModifyDBInstance) renames an instance (NewDBInstanceIdentifier: its
//!   listener, port, sessions, tags and owner move to the new name) and sets its
//!   DBInstanceClass (recorded), PromotionTier (which reader a failover promotes),
//!   CACertificateIdentifier and AutoMinorVersionUpgrade (recorded). Borealis has no
//!   maintenance window: what RDS defers to one (class, rename, certificate) needs
//!   ApplyImmediately and is refused without it.
//! - **Endpoints**: every cluster has a WRITER endpoint and a READER endpoint
//!   (DescribeDBClusterEndpoints), `available` while the cluster has a writer / an
//!   instance and runs. The reader endpoint is a port of its own (taken from
//!   `--instance-ports` when the cluster first has an instance, kept in the registry, so
//!   the same after a restart) whose accept loop hands each new connection to the next of
//!   the cluster's running readers, round robin (Aurora balances per connection), or to
//!   the writer when there is no reader ([`glue::ReaderFactory`]). Such a connection is a
//!   session of that instance: its `@@port`, `@@aurora_server_id` and `@@read_only`, and it
//!   is closed with the instance's sessions. [`Fleet::sync_reader`] recomputes the targets
//!   after every change of a cluster's endpoints (start, stop, reboot, failover, instances
//!   added, deleted or renamed): a promoted reader stops being a target, the demoted writer
//!   becomes one; the port listens exactly while the cluster has a running instance.

use super::*;

/// How long a restarting endpoint waits for its port to be released by the listener it
/// replaces (whose task ends asynchronously).
const REBIND_WAIT: Duration = Duration::from_secs(10);

/// The CA certificates an instance can name (RDS's CACertificateIdentifier values).
pub const CA_CERTIFICATES: &[&str] = &[
    "rds-ca-2019",
    "rds-ca-rsa2048-g1",
    "rds-ca-rsa4096-g1",
    "rds-ca-ecc384-g1",
];

/// A PromotionTier: 0 to 15.
pub fn check_promotion_tier(t: u64) -> Result<u8, ApiError> {
    u8::try_from(t).ok().filter(|t| *t <= 15).ok_or_else(|| {
        ApiError::invalid(format!(
            "Invalid PromotionTier {t}: use a value from 0 to 15."
        ))
    })
}

/// A CACertificateIdentifier: one of [`CA_CERTIFICATES`], else RDS's CertificateNotFound.
pub fn check_ca_certificate(ca: &str) -> Result<(), ApiError> {
    if CA_CERTIFICATES.contains(&ca) {
        return Ok(());
    }
    Err(ApiError::new(
        404,
        "CertificateNotFound",
        format!(
            "Certificate not found: {ca} (use one of {}).",
            CA_CERTIFICATES.join(", ")
        ),
    ))
}

/// The one DB (instance) parameter group there is: it sets nothing.
pub const DEFAULT_DB_PARAMETER_GROUP: &str = "default.aurora-mysql8.0";

/// ModifyDBInstance's inputs (module docs).
#[derive(Default)]
pub struct ModifyInstance {
    pub id: String,
    pub apply_immediately: bool,
    pub new_id: Option<String>,
    pub class: Option<String>,
    pub promotion_tier: Option<u64>,
    pub ca_certificate: Option<String>,
    pub auto_minor_version_upgrade: Option<bool>,
    pub parameter_group: Option<String>,
}

/// An endpoint of a cluster as DescribeDBClusterEndpoints shows it.
#[derive(Clone, Debug)]
pub struct ClusterEndpointView {
    pub cluster: String,
    /// `WRITER` or `READER`.
    pub kind: &'static str,
    /// `HOST:PORT` (the cluster's endpoints do not share one port, as Aurora's do).
    pub address: String,
    pub status: &'static str,
    pub resource_id: String,
}

pub(super) fn instance_not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "DBInstanceNotFound",
        format!("DBInstance {id} not found."),
    )
}

fn instance_state(message: String) -> ApiError {
    ApiError::new(400, "InvalidDBInstanceState", message)
}

fn cluster_state(message: String) -> ApiError {
    ApiError::new(400, "InvalidDBClusterStateFault", message)
}

impl Fleet {
    /// Brings `cluster`'s reader endpoint in line with its running instance endpoints
    /// (module docs): its targets are the running readers, else the running writer; it
    /// listens while there is a target (taking its port on first use) and is closed when
    /// there is none. Sessions already open stay on their instances.
    pub(super) fn sync_reader(&self, st: &mut State, cluster: &str) {
        let running: Vec<(bool, Arc<glue::Factory>)> = st
            .reg
            .instances_of(cluster)
            .into_iter()
            .filter_map(|i| {
                st.endpoints
                    .get(&i.id)
                    .map(|e| (i.writer, e.factory.clone()))
            })
            .collect();
        let readers: Vec<Arc<glue::Factory>> = running
            .iter()
            .filter(|(w, _)| !w)
            .map(|(_, f)| f.clone())
            .collect();
        let targets = if readers.is_empty() {
            running.into_iter().map(|(_, f)| f).collect()
        } else {
            readers
        };
        if targets.is_empty() {
            if let Some(r) = st.readers.remove(cluster) {
                r.listening.close();
                tracing::info!(cluster, "reader endpoint closed");
            }
            return;
        }
        if let Some(r) = st.readers.get(cluster) {
            r.factory.set_targets(targets);
            return;
        }
        let Some(meta) = st.reg.clusters.get(cluster).cloned() else {
            return;
        };
        let bound = if meta.reader_port == 0 {
            match self.free_port(st) {
                Ok(l) => {
                    let port = l.local_addr().map_or(0, |a| a.port());
                    if let Some(c) = st.reg.clusters.get_mut(cluster) {
                        c.reader_port = port;
                    }
                    if let Err(e) = self.save(st) {
                        tracing::error!("{}", e.message);
                    }
                    Ok(l)
                }
                Err(e) => Err(e.message),
            }
        } else {
            self.rebind(meta.reader_port)
        };
        let port = st.reg.clusters.get(cluster).map_or(0, |c| c.reader_port);
        let factory = Arc::new(glue::ReaderFactory::new(targets));
        let started = bound.and_then(|l| {
            self.listen(l, factory.clone())
                .map_err(|e| format!("cannot serve port {port}: {e}"))
        });
        match started {
            Ok(listening) => {
                tracing::info!(cluster, port, "reader endpoint listening");
                st.readers
                    .insert(cluster.to_string(), ReaderEndpoint { listening, factory });
            }
            Err(e) => tracing::error!(cluster, port, "reader endpoint not started: {e}"),
        }
    }

    /// Binds `port` again for an endpoint being restarted, waiting (up to
    /// [`REBIND_WAIT`]) while the listener it replaces still holds it.
    fn rebind(&self, port: u16) -> Result<StdListener, String> {
        let deadline = Instant::now() + REBIND_WAIT;
        loop {
            match StdListener::bind((self.opts.bind, port)) {
                Ok(l) => return Ok(l),
                Err(e)
                    if e.kind() == std::io::ErrorKind::AddrInUse && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => {
                    return Err(format!(
                        "cannot listen on {}:{port} again: {e}",
                        self.opts.bind
                    ))
                }
            }
        }
    }

    /// Stops every endpoint of `cluster` and shuts its engine down, closing every session
    /// with `reason`.
    fn shut_cluster(&self, st: &mut State, cluster: &str, reason: &SqlError) {
        let members: Vec<String> = st
            .reg
            .instances_of(cluster)
            .into_iter()
            .map(|i| i.id.clone())
            .collect();
        let stopping: Vec<Endpoint> = members
            .iter()
            .filter_map(|m| st.endpoints.remove(m))
            .collect();
        // The reader endpoint closes first: no new session lands on a closing instance.
        self.sync_reader(st, cluster);
        for ep in stopping {
            ep.stop(reason);
        }
        if let Some(e) = st.engines.remove(cluster) {
            e.close_sessions(false, reason);
            e.shutdown();
        }
    }

    /// Starts the endpoints of `cluster` again (its engine opens with the first); returns
    /// the instances that could not start, with why.
    fn open_cluster(&self, st: &mut State, cluster: &str) -> Vec<(String, String)> {
        let members: Vec<InstanceMeta> =
            st.reg.instances_of(cluster).into_iter().cloned().collect();
        let mut failed = Vec::new();
        for m in members {
            let started = self
                .rebind(m.port)
                .and_then(|l| self.start_endpoint(st, &m, Some(l)));
            if let Err(e) = started {
                tracing::error!(instance = %m.id, "instance did not start: {e}");
                failed.push((m.id.clone(), e));
            }
        }
        self.sync_reader(st, cluster);
        failed
    }

    /// RebootDBInstance: answers `rebooting`; the restart runs in the background (module
    /// docs).
    pub fn reboot_instance(
        self: &Arc<Self>,
        id: &str,
        force_failover: bool,
    ) -> Result<InstanceView, ApiError> {
        let id = id.to_ascii_lowercase();
        let mut st = self.lock();
        let meta = st
            .reg
            .instances
            .get(&id)
            .cloned()
            .ok_or_else(|| instance_not_found(&id))?;
        if force_failover {
            return Err(ApiError::new(
                400,
                "InvalidParameterCombination",
                format!(
                    "ForceFailover applies to Multi-AZ DB instances; {id} is an Aurora \
                     instance: use failover-db-cluster."
                ),
            ));
        }
        if meta.status != "available" {
            return Err(instance_state(format!(
                "DB instance {id} is {}; it can be rebooted only when available.",
                meta.status
            )));
        }
        let cluster_status = st
            .reg
            .clusters
            .get(&meta.cluster)
            .map(|c| c.status.clone())
            .unwrap_or_default();
        if cluster_status != "available" {
            return Err(instance_state(format!(
                "DB instance {id} cannot be rebooted: its cluster {} is {cluster_status}.",
                meta.cluster
            )));
        }
        let rebooting: Vec<String> = if meta.writer {
            st.reg
                .instances_of(&meta.cluster)
                .into_iter()
                .map(|i| i.id.clone())
                .collect()
        } else {
            vec![id.clone()]
        };
        for r in &rebooting {
            if let Some(m) = st.reg.instances.get_mut(r) {
                m.status = "rebooting".into();
            }
        }
        self.save(&st)?;
        let view = self.instance_view(&st, &st.reg.instances[&id].clone());
        drop(st);
        let fleet = self.clone();
        std::thread::spawn(move || fleet.finish_reboot(&meta, &rebooting));
        Ok(view)
    }

    fn finish_reboot(&self, meta: &InstanceMeta, rebooting: &[String]) {
        let mut st = self.lock();
        let reason = killed(format!("DB instance {} was rebooted", meta.id));
        let failed = if meta.writer {
            self.shut_cluster(&mut st, &meta.cluster, &reason);
            // The engine opens again with the group's values, pending-reboot ones too.
            st.pending_reboot.remove(&meta.cluster);
            self.open_cluster(&mut st, &meta.cluster)
        } else {
            if let Some(ep) = st.endpoints.remove(&meta.id) {
                self.sync_reader(&mut st, &meta.cluster);
                ep.stop(&reason);
            }
            let restarted = self
                .rebind(meta.port)
                .and_then(|l| self.start_endpoint(&mut st, meta, Some(l)));
            self.sync_reader(&mut st, &meta.cluster);
            match restarted {
                Ok(()) => Vec::new(),
                Err(e) => vec![(meta.id.clone(), e)],
            }
        };
        for r in rebooting {
            let bad = failed.iter().find(|(f, _)| f == r);
            if let Some(m) = st.reg.instances.get_mut(r) {
                m.status = if bad.is_some() { "failed" } else { "available" }.into();
            }
            let msg = match bad {
                Some((_, e)) => format!("DB instance failed to restart: {e}"),
                None => "DB instance restarted".to_string(),
            };
            st.reg.event("db-instance", r, "availability", msg);
        }
        if let Err(e) = self.save(&st) {
            tracing::error!("{}", e.message);
        }
    }

    /// StopDBCluster (module docs).
    pub fn stop_cluster(&self, id: &str) -> Result<ClusterView, ApiError> {
        let id = id.to_ascii_lowercase();
        let mut st = self.lock();
        let meta = cluster_meta(&st, &id, &id)?;
        if id == self.opts.default_cluster {
            return Err(cluster_state(format!(
                "{id} is the default cluster of this server (--cluster-id); it runs as long                  as the server."
            )));
        }
        if meta.status != "available" {
            return Err(cluster_state(format!(
                "DbCluster {id} is in {} state but expected it to be one of available.",
                meta.status
            )));
        }
        if let Some(i) = st
            .reg
            .instances_of(&id)
            .into_iter()
            .find(|i| i.status != "available")
        {
            return Err(instance_state(format!(
                "DB instance {} of cluster {id} is {}; the cluster can be stopped when every \
                 instance is available.",
                i.id, i.status
            )));
        }
        self.shut_cluster(
            &mut st,
            &id,
            &killed(format!("DB cluster {id} was stopped")),
        );
        let members: Vec<String> = st
            .reg
            .instances_of(&id)
            .into_iter()
            .map(|i| i.id.clone())
            .collect();
        for m in &members {
            if let Some(i) = st.reg.instances.get_mut(m) {
                i.status = "stopped".into();
            }
        }
        if let Some(c) = st.reg.clusters.get_mut(&id) {
            c.status = "stopped".into();
        }
        st.reg.event(
            "db-cluster",
            &id,
            "notification",
            "DB cluster stopped".into(),
        );
        self.save(&st)?;
        let mut view = self.cluster_view(&mut st, &meta, false);
        view.meta.status = "stopping".into();
        Ok(view)
    }

    /// StartDBCluster: answers `starting`; the engine and endpoints open in the background.
    pub fn start_cluster(self: &Arc<Self>, id: &str) -> Result<ClusterView, ApiError> {
        let id = id.to_ascii_lowercase();
        let mut st = self.lock();
        let meta = cluster_meta(&st, &id, &id)?;
        if meta.status != "stopped" {
            return Err(cluster_state(format!(
                "DbCluster {id} is in {} state but expected it to be one of stopped.",
                meta.status
            )));
        }
        let members: Vec<String> = st
            .reg
            .instances_of(&id)
            .into_iter()
            .map(|i| i.id.clone())
            .collect();
        for m in &members {
            if let Some(i) = st.reg.instances.get_mut(m) {
                i.status = "starting".into();
            }
        }
        if let Some(c) = st.reg.clusters.get_mut(&id) {
            c.status = "starting".into();
        }
        self.save(&st)?;
        let now = st.reg.clusters[&id].clone();
        let view = self.cluster_view(&mut st, &now, false);
        drop(st);
        let fleet = self.clone();
        std::thread::spawn(move || {
            let mut st = fleet.lock();
            let failed = fleet.open_cluster(&mut st, &id);
            for m in &members {
                let bad = failed.iter().find(|(f, _)| f == m);
                if let Some(i) = st.reg.instances.get_mut(m) {
                    i.status = if bad.is_some() { "failed" } else { "available" }.into();
                }
            }
            if let Some(c) = st.reg.clusters.get_mut(&id) {
                c.status = "available".into();
            }
            st.reg.event(
                "db-cluster",
                &id,
                "notification",
                "DB cluster started".into(),
            );
            if let Err(e) = fleet.save(&st) {
                tracing::error!("{}", e.message);
            }
        });
        Ok(view)
    }

    /// ModifyDBInstance (module docs): every input is checked before anything changes.
    pub fn modify_instance(&self, r: ModifyInstance) -> Result<InstanceView, ApiError> {
        let id = r.id.to_ascii_lowercase();
        let mut st = self.lock();
        let mut meta = st
            .reg
            .instances
            .get(&id)
            .cloned()
            .ok_or_else(|| instance_not_found(&r.id))?;
        if let Some(c) = &r.class {
            catalog::check_instance_class(c)?;
        }
        let new_id = match &r.new_id {
            Some(n) => Some(check_identifier("NewDBInstanceIdentifier", n)?),
            None => None,
        }
        .filter(|n| *n != id);
        if let Some(n) = &new_id {
            if st.reg.instances.contains_key(n) {
                return Err(ApiError::new(
                    400,
                    "DBInstanceAlreadyExists",
                    format!("DB instance already exists: {n}"),
                ));
            }
        }
        let tier = r.promotion_tier.map(check_promotion_tier).transpose()?;
        if let Some(ca) = &r.ca_certificate {
            check_ca_certificate(ca)?;
        }
        if let Some(g) = &r.parameter_group {
            if !g.eq_ignore_ascii_case(DEFAULT_DB_PARAMETER_GROUP) {
                return Err(ApiError::new(
                    404,
                    "DBParameterGroupNotFound",
                    format!(
                        "DBParameterGroup not found: {g}. Borealis has no DB (instance) \
                         parameter groups but {DEFAULT_DB_PARAMETER_GROUP}: set parameters \
                         in the cluster's parameter group (modify-db-cluster \
                         --db-cluster-parameter-group-name)."
                    ),
                ));
            }
        }
        let current_ca = if meta.ca_certificate.is_empty() {
            crate::registry::DEFAULT_CA
        } else {
            &meta.ca_certificate
        };
        let deferred: Vec<&str> = [
            (
                "DBInstanceClass",
                r.class.as_ref().is_some_and(|c| *c != meta.class),
            ),
            ("NewDBInstanceIdentifier", new_id.is_some()),
            (
                "CACertificateIdentifier",
                r.ca_certificate.as_ref().is_some_and(|c| c != current_ca),
            ),
        ]
        .into_iter()
        .filter_map(|(k, changed)| changed.then_some(k))
        .collect();
        if !deferred.is_empty() && !r.apply_immediately {
            return Err(ApiError::new(
                400,
                "InvalidParameterCombination",
                format!(
                    "{} would wait for the next maintenance window, and Borealis has none: \
                     pass --apply-immediately to apply it now.",
                    deferred.join(", ")
                ),
            ));
        }
        if meta.status != "available" {
            return Err(instance_state(format!(
                "DB instance {id} is {}; it can be modified only when available.",
                meta.status
            )));
        }
        let mut changes = Vec::new();
        if let Some(c) = r.class.filter(|c| *c != meta.class) {
            changes.push(format!("DB instance class changed to {c}"));
            meta.class = c;
        }
        if let Some(t) = tier.filter(|t| *t != meta.promotion_tier) {
            changes.push(format!("Promotion tier changed to {t}"));
            meta.promotion_tier = t;
        }
        if let Some(ca) = r.ca_certificate.filter(|c| c != current_ca) {
            changes.push(format!("CA certificate changed to {ca}"));
            meta.ca_certificate = ca;
        }
        if let Some(a) = r
            .auto_minor_version_upgrade
            .filter(|a| *a != meta.auto_minor_version_upgrade)
        {
            changes.push(format!("Auto minor version upgrade set to {a}"));
            meta.auto_minor_version_upgrade = a;
        }
        for c in changes {
            st.reg.event("db-instance", &id, "configuration change", c);
        }
        if let Some(n) = new_id {
            // The listener keeps its port and sessions: only its name changes.
            st.reg.instances.remove(&id);
            if let Some(ep) = st.endpoints.remove(&id) {
                ep.factory.rename(&n);
                st.endpoints.insert(n.clone(), ep);
            }
            catalog::move_tags(&mut st, "db", &id, &n);
            sharing::move_owner(&mut st, "db", &id, &n);
            st.reg.event(
                "db-instance",
                &n,
                "configuration change",
                format!("Renamed instance from {id} to {n}"),
            );
            meta.id = n;
        }
        st.reg.instances.insert(meta.id.clone(), meta.clone());
        self.save(&st)?;
        Ok(self.instance_view(&st, &meta))
    }

    /// FailoverDBCluster (module docs).
    pub fn failover_cluster(
        &self,
        id: &str,
        target: Option<&str>,
    ) -> Result<ClusterView, ApiError> {
        let id = id.to_ascii_lowercase();
        let mut st = self.lock();
        let meta = cluster_meta(&st, &id, &id)?;
        if meta.status != "available" {
            return Err(cluster_state(format!(
                "DbCluster {id} is in {} state but expected it to be one of available.",
                meta.status
            )));
        }
        let members: Vec<InstanceMeta> = st.reg.instances_of(&id).into_iter().cloned().collect();
        let Some(writer) = members.iter().find(|i| i.writer).cloned() else {
            return Err(cluster_state(format!(
                "DB cluster {id} has no instances to fail over."
            )));
        };
        let promote = match target {
            Some(t) => {
                let t = t.to_ascii_lowercase();
                let Some(m) = members.iter().find(|i| i.id == t) else {
                    return Err(instance_not_found(&t));
                };
                if m.writer {
                    return Err(ApiError::invalid(format!(
                        "DB instance {t} is already the writer of DB cluster {id}."
                    )));
                }
                m.clone()
            }
            None => st.reg.promotion_target(&id).cloned().ok_or_else(|| {
                cluster_state(format!(
                    "DB cluster {id} has no reader instance to fail over to."
                ))
            })?,
        };
        if promote.status != "available" {
            return Err(instance_state(format!(
                "DB instance {} is {}; it can be promoted only when available.",
                promote.id, promote.status
            )));
        }
        st.reg.event(
            "db-cluster",
            &id,
            "failover",
            format!("Started cross AZ failover to DB instance: {}", promote.id),
        );
        let swap = [(&writer.id, false), (&promote.id, true)];
        for (m, writer_now) in swap {
            if let Some(i) = st.reg.instances.get_mut(m) {
                i.writer = writer_now;
            }
        }
        // First the reader endpoint's targets (the promoted reader is no longer one, the
        // demoted writer is), so no new connection through it lands on the new writer.
        self.sync_reader(&mut st, &id);
        for (m, writer_now) in swap {
            if let Some(ep) = st.endpoints.get(m) {
                ep.factory.read_only.store(!writer_now, Ordering::SeqCst);
                let ids = ep.factory.conn_ids();
                ep.factory.inst.disconnect(
                    &ids,
                    &killed(format!(
                        "DB cluster {id} failed over to DB instance {}",
                        promote.id
                    )),
                );
            }
        }
        st.reg.event(
            "db-cluster",
            &id,
            "failover",
            format!("Completed failover to DB instance: {}", promote.id),
        );
        self.save(&st)?;
        Ok(self.cluster_view(&mut st, &meta, false))
    }

    /// DescribeDBClusterEndpoints: the WRITER and READER endpoints of one cluster or all.
    pub fn describe_cluster_endpoints(
        &self,
        cluster: Option<&str>,
    ) -> Result<Vec<ClusterEndpointView>, ApiError> {
        let st = self.lock();
        let ids: Vec<String> = match cluster {
            Some(c) => vec![cluster_meta(&st, &c.to_ascii_lowercase(), c)?.id],
            None => st.reg.clusters.keys().cloned().collect(),
        };
        let mut out = Vec::new();
        let host = self.opts.bind.to_string();
        for id in ids {
            let meta = &st.reg.clusters[&id];
            let members = st.reg.instances_of(&id);
            let running = meta.status == "available";
            let writer = members.iter().find(|i| i.writer);
            // WRITER: the writer instance's port; READER: the reader endpoint's own.
            for (kind, port, up) in [
                (
                    "WRITER",
                    writer.map_or(0, |w| w.port),
                    running && writer.is_some(),
                ),
                ("READER", meta.reader_port, st.readers.contains_key(&id)),
            ] {
                out.push(ClusterEndpointView {
                    cluster: id.clone(),
                    kind,
                    address: if port == 0 {
                        host.clone()
                    } else {
                        format!("{host}:{port}")
                    },
                    status: if up { "available" } else { "inactive" },
                    resource_id: format!(
                        "{}-{}",
                        meta.resource_id.to_ascii_lowercase(),
                        kind.to_ascii_lowercase()
                    ),
                });
            }
        }
        Ok(out)
    }
}
