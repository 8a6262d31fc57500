//! The clusters and instances one `borealis serve` hosts (DESIGN "Vocabulary", "Control
//! plane"): what the RDS API and the `borealis` subcommands act on.
//!
//! - A **cluster** is a volume cluster plus its [`ClusterMeta`]. It has storage (and, once
//!   something needed it, an engine [`Instance`] with its own binlog) but no endpoint.
//! - An **instance** is a MySQL listener on a port of `--instance-ports` (or the port it
//!   was created with) attached to a cluster. The first is the writer; later ones are
//!   readers: they serve the same engine instance, so they see every commit at once (lag
//!   0), and their sessions refuse writes with 1290.
//! - A **clone** (RestoreDBClusterToPointInTime) is a volume fork: no page is copied. It
//!   records the source's binlog coordinate at the clone point, reported as Aurora does
//!   ("Binlog position from crash recovery is FILE POS") in DescribeEvents and as the
//!   status variables `Borealis_clone_source_binlog_file/_position` on the clone.
//! - **Binlog continuity**: a cluster made from a clone, a point-in-time restore or a
//!   snapshot restore inherits its source's binlog files up to that coordinate (older
//!   files hard-linked, the coordinate's file a copy cut there:
//!   `borealis_engine::binlog::share`), so the coordinate is the last file and its size in
//!   the new cluster's own `SHOW BINARY LOGS`, and its writes continue in the next file.
//!   The source's engine is opened before the fork (its binlog recovered) and its pending
//!   events flushed before the files are read. A snapshot keeps such a directory of its
//!   own (`binlog/_snapshot_…`), which restores and copies inherit from.
//!
//! - A **parameter group** sets server variables of the clusters using it: see [`params`].
//! - A **snapshot** (CreateDBClusterSnapshot) is a fork too, held by the volume as a
//!   cluster nothing writes: see [`snapshots`].
//!
//! Control-plane operations are serialized by one lock; none of them waits on data size.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, TcpListener as StdListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use borealis_engine::sql::session::{CloneOrigin, Instance};
use borealis_engine::sql::vars::ServerInfo;
use borealis_engine::sql::SqlError;
use borealis_engine::storage::{now_us, PointInTime, SpaceReport, Volume};
use borealis_engine::Error as EngineError;
use borealis_protocol::{Listener, ServerConfig};

use crate::glue;
use crate::registry::{BacktrackMeta, ClusterMeta, InstanceMeta, Registry};

mod catalog;
mod lifecycle;
mod params;
mod sharing;
mod snapshots;
pub use catalog::{check_tags, engine_versions, orderable_classes, ENGINE_VERSION};
pub use lifecycle::{ClusterEndpointView, ModifyInstance, DEFAULT_DB_PARAMETER_GROUP};
pub use params::{group_not_found, ParamChange};
pub use snapshots::{
    check_snapshot_identifier, retention_days, snapshot_not_found, RestoreFromSnapshot,
    SnapshotView,
};

/// What `borealis serve` was started with.
pub struct FleetOptions {
    pub data_dir: PathBuf,
    pub bind: IpAddr,
    /// `--instance-ports`: where instances without a port of their own listen.
    pub instance_ports: (u16, u16),
    pub default_cluster: String,
    pub default_port: u16,
    pub master_username: String,
    /// Template of every engine instance's server facts (the port is the instance's).
    pub info: ServerInfo,
    /// `--var` startup values, for every cluster.
    pub vars: Vec<(String, String)>,
    /// What every MySQL listener serves with (TLS certificate, RSA keys).
    pub mysql: ServerConfig,
}

/// An RDS error response: HTTP status, error code, message.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "InvalidParameterValue", message)
    }
    pub fn cluster_not_found(id: &str) -> ApiError {
        ApiError::new(
            404,
            "DBClusterNotFoundFault",
            format!("DBCluster {id} not found. Check the identifier with describe-db-clusters."),
        )
    }
    fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(500, "InternalFailure", message)
    }
}

/// Error 1927 (ER_CONNECTION_KILLED) saying why the server closed a client's connection.
fn killed(why: String) -> SqlError {
    SqlError::new(1927, format!("Connection was killed: {why}"))
}

/// How long stopping an endpoint waits for its accept loop to close the socket.
const ENDPOINT_CLOSE_WAIT: Duration = Duration::from_secs(5);

/// A listening socket and its accept loop: an instance's endpoint or a cluster's reader
/// endpoint.
struct Listening {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// Signalled once the accept loop has ended and its socket is closed.
    closed: std::sync::mpsc::Receiver<()>,
}

impl Listening {
    /// Stops accepting. The listening socket is closed when this returns (bounded wait),
    /// so a client connecting after a stop answered is refused rather than accepted by a
    /// loop that has not yet seen the signal. Called off the runtime's workers (API calls
    /// run on blocking threads).
    fn close(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if self.closed.recv_timeout(ENDPOINT_CLOSE_WAIT).is_err() {
            tracing::warn!("an endpoint's accept loop did not end in time");
        }
    }
}

/// A running instance endpoint.
struct Endpoint {
    listening: Listening,
    /// Its sessions, role and port; also a target of the cluster's reader endpoint.
    factory: Arc<glue::Factory>,
}

impl Endpoint {
    /// Stops accepting and closes the connections that came through this endpoint (or
    /// through the cluster's reader endpoint to this instance), telling each client
    /// `reason`.
    fn stop(self, reason: &SqlError) {
        self.listening.close();
        let ids = self.factory.close();
        self.factory.inst.disconnect(&ids, reason);
    }
}

/// A cluster's running reader endpoint (module docs of [`lifecycle`]).
struct ReaderEndpoint {
    listening: Listening,
    factory: Arc<glue::ReaderFactory>,
}

struct State {
    reg: Registry,
    /// Engine instances by cluster, opened when first needed.
    engines: HashMap<String, Arc<Instance>>,
    /// Running endpoints by instance identifier.
    endpoints: HashMap<String, Endpoint>,
    /// Running reader endpoints by cluster.
    readers: HashMap<String, ReaderEndpoint>,
    /// The last space report and the clusters' commit sequences it saw (a report walks
    /// every page; it is reused until something commits or a cluster comes or goes).
    space: Option<(Vec<(u64, u64)>, Arc<SpaceReport>)>,
    /// Clusters whose parameter group has changes kept for the next start
    /// (`ApplyMethod pending-reboot`).
    pending_reboot: BTreeSet<String>,
}

/// A cluster as DescribeDBClusters shows it.
#[derive(Clone, Debug)]
pub struct ClusterView {
    pub meta: ClusterMeta,
    pub address: String,
    /// The writer's port, else the cluster's.
    pub port: u16,
    /// DBClusterParameterGroupStatus of its members: `in-sync` or `pending-reboot`.
    pub param_status: &'static str,
    /// (instance, is writer, promotion tier).
    pub members: Vec<(String, bool, u8)>,
    pub earliest_restorable_us: u64,
    pub latest_restorable_us: u64,
    pub exclusive_bytes: u64,
    pub shared_bytes: u64,
    /// Bytes only the cluster's history holds (BacktrackChangeRecordsStored).
    pub history_bytes: u64,
    /// The oldest time a backtrack can target (0: backtracking is off).
    pub earliest_backtrack_us: u64,
    /// Commits on the retained timeline.
    pub history_commits: u64,
    /// Its tags (TagList).
    pub tags: Vec<(String, String)>,
}

/// An instance as DescribeDBInstances shows it.
#[derive(Clone, Debug)]
pub struct InstanceView {
    pub meta: InstanceMeta,
    pub address: String,
    pub master_username: String,
    pub database_name: String,
    pub latest_restorable_us: u64,
    /// The cluster's BackupRetentionPeriod (0: never set).
    pub backup_retention_days: u64,
    /// Its tags (TagList).
    pub tags: Vec<(String, String)>,
}

/// Volume-wide space figures.
#[derive(Clone, Debug, Default)]
pub struct VolumeView {
    pub page_size: u64,
    pub total_pages: u64,
    pub free_pages: u64,
}

/// CreateDBCluster's inputs.
#[derive(Default)]
pub struct CreateCluster {
    pub id: String,
    pub engine: String,
    pub engine_version: String,
    pub master_username: String,
    pub master_password: String,
    pub database_name: String,
    pub port: Option<u16>,
    pub backtrack_window: u64,
    pub backup_retention_days: Option<u64>,
    pub echo: Echo,
}

/// Inputs Borealis has no use for but returns as given (VPC, subnets, KMS, parameters).
#[derive(Default, Clone)]
pub struct Echo {
    pub vpc_security_group_ids: Vec<String>,
    pub db_subnet_group_name: String,
    pub kms_key_id: String,
    pub parameter_group: String,
}

/// RestoreDBClusterToPointInTime's inputs.
#[derive(Default)]
pub struct Restore {
    pub id: String,
    pub source: String,
    pub restore_type: String,
    pub use_latest: bool,
    pub restore_to_us: Option<u64>,
    pub port: Option<u16>,
    pub backtrack_window: Option<u64>,
    pub echo: Echo,
}

/// CreateDBInstance's inputs.
#[derive(Default)]
pub struct CreateInstance {
    pub id: String,
    pub cluster: String,
    pub class: String,
    pub engine: String,
    pub port: Option<u16>,
    pub promotion_tier: Option<u64>,
    pub ca_certificate: Option<String>,
    pub auto_minor_version_upgrade: Option<bool>,
}

/// ModifyDBCluster's inputs.
#[derive(Default)]
pub struct ModifyCluster {
    pub id: String,
    pub backtrack_window: Option<u64>,
    pub master_password: Option<String>,
    pub port: Option<u16>,
    pub backup_retention_days: Option<u64>,
    pub new_id: Option<String>,
    pub parameter_group: Option<String>,
    /// Recorded and shown (Borealis has no VPCs).
    pub vpc_security_group_ids: Option<Vec<String>>,
}

/// BacktrackDBCluster's inputs.
#[derive(Default)]
pub struct Backtrack {
    pub id: String,
    pub to_us: u64,
    pub use_earliest: bool,
}

/// Aurora's identifier rule: 1 to 63 letters, digits or hyphens; first a letter; no
/// trailing hyphen, no two consecutive hyphens. Stored lower-case, as RDS does.
pub fn check_identifier(kind: &str, id: &str) -> Result<String, ApiError> {
    check_rds_identifier(kind, id, 63)
}

/// RDS's identifier rule with the longest length `max` (63 for clusters and instances,
/// 255 for snapshots).
pub fn check_rds_identifier(kind: &str, id: &str, max: usize) -> Result<String, ApiError> {
    let ok = !id.is_empty()
        && id.len() <= max
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !id.ends_with('-')
        && !id.contains("--");
    if ok {
        Ok(id.to_ascii_lowercase())
    } else {
        Err(ApiError::invalid(format!(
            "The parameter {kind} is not a valid identifier. Identifiers must begin with a \
             letter; must contain only ASCII letters, digits, and hyphens; and must not end \
             with a hyphen or contain two consecutive hyphens."
        )))
    }
}

fn random_id(prefix: &str) -> String {
    let mut b = [0u8; 13];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut f, &mut b);
    }
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let s: String = b.iter().map(|x| A[*x as usize % A.len()] as char).collect();
    format!("{prefix}{s}")
}

fn engine_error(e: EngineError) -> ApiError {
    match e {
        EngineError::NotFound { what } => ApiError::new(404, "DBClusterNotFoundFault", what),
        EngineError::AlreadyExists { what } => ApiError::new(
            400,
            "DBClusterAlreadyExistsFault",
            format!("{what} already exists"),
        ),
        EngineError::InvalidArgument { detail } => ApiError::invalid(detail),
        other => ApiError::internal(other.to_string()),
    }
}

/// Reclaims pages after deletions in the background: a checkpoint (so the durable view
/// no longer reaches the deleted cluster) and a GC pass, coalescing requests.
struct Reclaimer {
    requested: Mutex<(u64, u64)>,
    changed: Condvar,
}

/// Every cluster and instance of one server.
pub struct Fleet {
    volume: Arc<Volume>,
    opts: FleetOptions,
    rt: tokio::runtime::Handle,
    ids: Arc<AtomicU32>,
    state: Mutex<State>,
    reclaim: Arc<Reclaimer>,
}

impl Fleet {
    /// Loads the registry, reconciles it with the volume and makes sure the default
    /// cluster has its record and its writer on `--port`. `master` creates the master user
    /// of a new default cluster.
    pub fn open(
        volume: Arc<Volume>,
        opts: FleetOptions,
        rt: tokio::runtime::Handle,
        master: Option<(&str, &str)>,
    ) -> Result<Arc<Fleet>, String> {
        let path = Registry::path(&opts.data_dir);
        let mut reg = Registry::load(&path)?;
        let all: Vec<String> = volume.clusters().into_iter().map(|c| c.name).collect();
        Fleet::reconcile_snapshots(&volume, &mut reg, &all, &opts.data_dir.join("binlog"));
        let in_volume: HashMap<String, u64> = volume
            .clusters()
            .into_iter()
            .filter(|c| !c.name.starts_with(snapshots::SNAPSHOT_PREFIX))
            .map(|c| (c.name, c.created_us))
            .collect();
        reg.clusters.retain(|id, _| in_volume.contains_key(id));
        let clusters = reg.clusters.clone();
        reg.instances
            .retain(|_, i| clusters.contains_key(&i.cluster));
        for (name, created_us) in &in_volume {
            if !reg.clusters.contains_key(name) {
                reg.clusters.insert(
                    name.clone(),
                    ClusterMeta {
                        id: name.clone(),
                        master_username: opts.master_username.clone(),
                        created_us: *created_us,
                        ..Default::default()
                    },
                );
            }
        }
        for c in reg.clusters.values_mut() {
            if c.engine.is_empty() {
                c.engine = "aurora-mysql".into();
            }
            if c.engine_version.is_empty() {
                c.engine_version = catalog::ENGINE_VERSION.into();
            }
            if c.resource_id.is_empty() {
                c.resource_id = random_id("cluster-");
            }
            if c.clone_group_id.is_empty() {
                c.clone_group_id = uuid();
            }
            // A stopped cluster stays stopped across a restart (StartDBCluster starts it).
            if c.status != "stopped" {
                c.status = "available".into();
            }
        }
        let def = opts.default_cluster.clone();
        let writer = format!("{def}-instance-1");
        if let Some(c) = reg.clusters.get_mut(&def) {
            c.port = opts.default_port;
            if c.master_username.is_empty() {
                c.master_username = opts.master_username.clone();
            }
        }
        // The default cluster's writer always listens on --port.
        let existing_writer = reg.writer_of(&def).map(|i| i.id.clone());
        let writer_id = existing_writer.unwrap_or(writer);
        let entry = reg
            .instances
            .entry(writer_id.clone())
            .or_insert_with(|| InstanceMeta {
                id: writer_id.clone(),
                cluster: def.clone(),
                class: "db.r6g.large".into(),
                engine: "aurora-mysql".into(),
                created_us: in_volume.get(&def).copied().unwrap_or_else(now_us),
                writer: true,
                resource_id: random_id("db-"),
                ..Default::default()
            });
        entry.port = opts.default_port;
        reg.save(&path)?;
        let reclaim = Arc::new(Reclaimer {
            requested: Mutex::new((0, 0)),
            changed: Condvar::new(),
        });
        let fleet = Arc::new(Fleet {
            volume,
            opts,
            rt,
            ids: Arc::new(AtomicU32::new(1)),
            state: Mutex::new(State {
                reg,
                engines: HashMap::new(),
                endpoints: HashMap::new(),
                readers: HashMap::new(),
                space: None,
                pending_reboot: BTreeSet::new(),
            }),
            reclaim: reclaim.clone(),
        });
        {
            let mut st = fleet.lock();
            fleet.engine(&mut st, &def, master)?;
        }
        let weak = Arc::downgrade(&fleet);
        std::thread::Builder::new()
            .name("reclaim".into())
            .spawn(move || reclaim_loop(weak, reclaim))
            .map_err(|e| format!("cannot start the reclaim thread: {e}"))?;
        Ok(fleet)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn save(&self, st: &State) -> Result<(), ApiError> {
        st.reg
            .save(&Registry::path(&self.opts.data_dir))
            .map_err(ApiError::internal)
    }

    /// The engine instance of `cluster`, opened (with its binlog) on first use.
    fn engine(
        &self,
        st: &mut State,
        cluster: &str,
        master: Option<(&str, &str)>,
    ) -> Result<Arc<Instance>, String> {
        if let Some(e) = st.engines.get(cluster) {
            return Ok(e.clone());
        }
        let meta = st.reg.clusters.get(cluster).cloned().unwrap_or_default();
        if meta.status == "stopped" {
            return Err(format!("DB cluster {cluster} is stopped"));
        }
        let mut info = self.opts.info.clone();
        info.port = st.reg.writer_of(cluster).map_or(meta.port, |i| i.port);
        info.server_id = cluster_server_id(info.server_id, cluster, &self.opts.default_cluster);
        let inst = Instance::new_with(self.volume.clone(), cluster, info, master, &self.opts.vars)
            .map_err(|e| format!("cluster {cluster}: {}", e.message))?;
        if !meta.parameter_group.is_empty() {
            let group = st
                .reg
                .param_groups
                .get(&meta.parameter_group)
                .map(|g| g.params.clone())
                .unwrap_or_default();
            Self::apply_params(&inst, &group, &Default::default());
        }
        if let Some((file, position)) = meta.source_binlog.clone() {
            inst.set_clone_origin(Some(CloneOrigin {
                source: meta.source.clone(),
                file,
                position,
            }));
        }
        st.engines.insert(cluster.to_string(), inst.clone());
        // Replication into this cluster: its receiver connects through the protocol
        // crate; configured threads start again after a restart.
        inst.replica.set_connector(crate::source::connector());
        borealis_engine::sql::replica::Replica::start_at_boot(&inst);
        Ok(inst)
    }

    /// Starts every registered instance (at server start). The default cluster's writer
    /// must come up; another instance whose port is taken is logged and marked
    /// `incompatible-network`, as RDS marks an instance it cannot place.
    pub fn start_all(&self) -> Result<(), String> {
        let mut st = self.lock();
        let instances: Vec<InstanceMeta> = st.reg.instances.values().cloned().collect();
        for i in instances {
            if st
                .reg
                .clusters
                .get(&i.cluster)
                .is_some_and(|c| c.status == "stopped")
            {
                if let Some(m) = st.reg.instances.get_mut(&i.id) {
                    m.status = "stopped".into();
                }
                continue;
            }
            let default_writer = i.cluster == self.opts.default_cluster && i.writer;
            let status = match self.start_endpoint(&mut st, &i, None) {
                Ok(()) => "available",
                Err(e) if default_writer => return Err(e),
                Err(e) => {
                    tracing::error!(instance = %i.id, port = i.port, "instance not started: {e}");
                    "incompatible-network"
                }
            };
            if let Some(m) = st.reg.instances.get_mut(&i.id) {
                m.status = status.into();
            }
        }
        let clusters: Vec<String> = st.reg.clusters.keys().cloned().collect();
        for c in &clusters {
            self.sync_reader(&mut st, c);
        }
        self.save(&st).map_err(|e| e.message)
    }

    /// Binds (unless `bound`) and serves instance `i`.
    fn start_endpoint(
        &self,
        st: &mut State,
        i: &InstanceMeta,
        bound: Option<StdListener>,
    ) -> Result<(), String> {
        let engine = self.engine(st, &i.cluster, None)?;
        let std_l = match bound {
            Some(l) => l,
            None => StdListener::bind((self.opts.bind, i.port))
                .map_err(|e| format!("cannot listen on {}:{}: {e}", self.opts.bind, i.port))?,
        };
        let factory = Arc::new(glue::Factory::new(engine, !i.writer, i.port, &i.id));
        let listening = self
            .listen(std_l, factory.clone())
            .map_err(|e| format!("cannot serve port {}: {e}", i.port))?;
        tracing::info!(instance = %i.id, cluster = %i.cluster, port = i.port, writer = i.writer, "instance listening");
        st.endpoints
            .insert(i.id.clone(), Endpoint { listening, factory });
        Ok(())
    }

    /// Runs an accept loop on `std_l` whose connections `factory` serves.
    fn listen(
        &self,
        std_l: StdListener,
        factory: Arc<dyn borealis_protocol::SessionFactory>,
    ) -> std::io::Result<Listening> {
        let _guard = self.rt.enter();
        let listener = Listener::from_std(std_l, factory, self.opts.mysql.clone())?
            .with_connection_ids(self.ids.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (closed_tx, closed) = std::sync::mpsc::sync_channel::<()>(1);
        self.rt.spawn(async move {
            listener
                .run_until(async move {
                    let _ = rx.await;
                })
                .await;
            let _ = closed_tx.send(());
        });
        Ok(Listening {
            stop: Some(tx),
            closed,
        })
    }

    /// Stops every endpoint and closes every engine instance (server shutdown).
    pub fn shutdown(&self) {
        let mut st = self.lock();
        let reason = SqlError::new(1053, "Server shutdown in progress");
        for (_, r) in st.readers.drain() {
            r.listening.close();
        }
        for (_, ep) in st.endpoints.drain() {
            ep.stop(&reason);
        }
        for (_, e) in st.engines.drain() {
            e.shutdown();
        }
    }

    /// Binds the first free port of `--instance-ports` that no instance or reader
    /// endpoint is registered on.
    fn free_port(&self, st: &State) -> Result<StdListener, ApiError> {
        let used: BTreeSet<u16> = st
            .reg
            .instances
            .values()
            .map(|i| i.port)
            .chain(st.reg.clusters.values().map(|c| c.reader_port))
            .collect();
        let (lo, hi) = self.opts.instance_ports;
        for p in lo..=hi {
            if used.contains(&p) || p == self.opts.default_port {
                continue;
            }
            if let Ok(l) = StdListener::bind((self.opts.bind, p)) {
                return Ok(l);
            }
        }
        Err(ApiError::new(
            400,
            "InstanceQuotaExceededFault",
            format!(
                "No free port in --instance-ports {lo}-{hi}. Delete an instance or restart \
                 the server with a wider range."
            ),
        ))
    }

    fn bind_port(&self, st: &State, port: u16) -> Result<StdListener, ApiError> {
        if let Some(i) = st.reg.instances.values().find(|i| i.port == port) {
            return Err(ApiError::invalid(format!(
                "Port {port} is already used by instance {}. Choose another port or omit it \
                 to get one from --instance-ports.",
                i.id
            )));
        }
        if let Some(c) = st.reg.clusters.values().find(|c| c.reader_port == port) {
            return Err(ApiError::invalid(format!(
                "Port {port} is already used by the reader endpoint of cluster {}. Choose \
                 another port or omit it to get one from --instance-ports.",
                c.id
            )));
        }
        StdListener::bind((self.opts.bind, port)).map_err(|e| {
            ApiError::invalid(format!(
                "Port {port} cannot be used ({e}). Choose another port or omit it to get one \
                 from --instance-ports."
            ))
        })
    }

    /// The source's binlog coordinate consistent with its commit `seq`; none (and a
    /// warning) when it cannot be read, rather than a wrong one.
    fn source_coord(&self, st: &State, source: &str, seq: u64) -> Option<(String, u64)> {
        let c = self.volume.cluster(source)?;
        let coord = match st.engines.get(source).and_then(|e| e.binlog.clone()) {
            Some(bl) => bl.coord_at(&c, seq).map_err(|e| e.message).transpose()?,
            None => c
                .binlog_coord_at(seq)
                .map(|b| b.map(|b| (format!("mysql-bin-changelog.{:06}", b.file), b.pos)))
                .map_err(|e| e.to_string())
                .transpose()?,
        };
        coord
            .inspect_err(|e| tracing::warn!(error = %e, source, "source binlog coordinate"))
            .ok()
    }

    /// The binlog directory of cluster (or snapshot volume cluster) `name`.
    fn binlog_dir(&self, name: &str) -> PathBuf {
        self.opts.data_dir.join("binlog").join(name)
    }

    /// Opens `source`'s engine before it is forked, when the binlog is on: its binlog is
    /// then recovered (a torn tail cut, lost events written back) and its pending events
    /// can be flushed, so [`Fleet::inherit_binlog`] reads complete files.
    fn open_for_fork(&self, st: &mut State, source: &str) {
        if self.opts.info.log_bin {
            if let Err(e) = self.engine(st, source, None) {
                tracing::warn!(source, error = %e, "source not opened before the fork");
            }
        }
    }

    /// Gives the new cluster or snapshot `to` the binlog files of `from` up to `coord`
    /// (`borealis_engine::binlog::share`: older files hard-linked, the last one a copy cut
    /// at the coordinate), so `to`'s own binlog continues in the next file. Done before
    /// anything opens `to`'s engine. A failure is logged; `to` then starts its binlog at
    /// `.000001` and the coordinate names the source's file only.
    fn inherit_binlog(&self, st: &State, from: &str, to: &str, coord: Option<&(String, u64)>) {
        let Some((file, pos)) = coord.filter(|_| self.opts.info.log_bin) else {
            return;
        };
        if let Some(bl) = st.engines.get(from).and_then(|e| e.binlog.clone()) {
            // The events up to the coordinate may still be pending (appended, not written).
            if let Err(e) = bl.dir.flush() {
                tracing::warn!(source = from, error = %e, "flushing the source's binlog");
            }
        }
        let dst = self.binlog_dir(to);
        // Left by an earlier cluster of this name whose removal failed.
        if let Err(e) = std::fs::remove_dir_all(&dst) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(dir = %dst.display(), error = %e, "stale binlog directory not removed");
            }
        }
        let basename = borealis_engine::binlog::BinlogOptions::default().basename;
        match borealis_engine::binlog::share::inherit(
            &self.binlog_dir(from),
            &dst,
            &basename,
            file,
            *pos,
        ) {
            Ok(i) => tracing::info!(
                from,
                to,
                file = %file,
                pos,
                linked = i.linked,
                copied = i.copied,
                "binlog files inherited"
            ),
            Err(e) => tracing::warn!(
                from,
                to,
                file = %file,
                pos,
                error = %e,
                "binlog files not inherited; the new binlog starts at .000001"
            ),
        }
    }

    /// Removes the binlog directory of a dropped cluster or snapshot.
    fn remove_binlog_dir(&self, name: &str) {
        let dir = self.binlog_dir(name);
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(dir = %dir.display(), error = %e, "binlog files of a dropped cluster or snapshot not removed");
            }
        }
    }

    fn space(&self, st: &mut State) -> Option<Arc<SpaceReport>> {
        let seen: Vec<(u64, u64)> = self
            .volume
            .clusters()
            .iter()
            .map(|c| (c.id, c.last_seq))
            .collect();
        if let Some((at, r)) = &st.space {
            if *at == seen {
                return Some(r.clone());
            }
        }
        // Space is counted on the durable view: checkpoint first so recent writes count,
        // and collect garbage so pages no snapshot reaches any more (old metadata, the
        // pages of deleted clusters) count as free.
        if let Err(e) = self.volume.checkpoint().and_then(|_| self.volume.gc()) {
            tracing::warn!(error = %e, "checkpoint before the space report failed");
        }
        match self.volume.space() {
            Ok(r) => {
                let r = Arc::new(r);
                st.space = Some((seen, r.clone()));
                Some(r)
            }
            Err(e) => {
                tracing::warn!(error = %e, "space report failed");
                None
            }
        }
    }

    /// A cluster's view; `with_space` adds its exclusive and shared bytes (a checkpoint
    /// and a walk of every page, so only Describe asks for it).
    fn cluster_view(&self, st: &mut State, meta: &ClusterMeta, with_space: bool) -> ClusterView {
        let members: Vec<(String, bool, u8)> = st
            .reg
            .instances_of(&meta.id)
            .into_iter()
            .map(|i| (i.id.clone(), i.writer, i.promotion_tier))
            .collect();
        let port = st.reg.writer_of(&meta.id).map_or(meta.port, |i| i.port);
        let info = self.volume.cluster(&meta.id).map(|c| c.info());
        let report = if with_space { self.space(st) } else { None };
        let (excl, shared, history) = report
            .and_then(|r| {
                r.clusters.iter().find(|c| c.name == meta.id).map(|c| {
                    (
                        c.exclusive_pages * r.page_size,
                        c.shared_pages * r.page_size,
                        c.history_pages * r.page_size,
                    )
                })
            })
            .unwrap_or((0, 0, 0));
        let earliest_restorable_us = info.as_ref().map_or(0, |i| i.earliest_restorable_us);
        ClusterView {
            meta: meta.clone(),
            address: self.opts.bind.to_string(),
            port,
            param_status: if st.pending_reboot.contains(&meta.id) {
                "pending-reboot"
            } else {
                "in-sync"
            },
            members,
            earliest_restorable_us,
            latest_restorable_us: info.as_ref().map_or(0, |i| i.last_commit_us),
            exclusive_bytes: excl,
            shared_bytes: shared,
            history_bytes: history,
            earliest_backtrack_us: earliest_backtrack_us(meta, earliest_restorable_us),
            history_commits: self
                .volume
                .cluster(&meta.id)
                .map_or(0, |c| c.history_commits()),
            tags: catalog::tags_of(st, "cluster", &meta.id),
        }
    }

    fn instance_view(&self, st: &State, i: &InstanceMeta) -> InstanceView {
        let c = st.reg.clusters.get(&i.cluster);
        InstanceView {
            meta: i.clone(),
            address: self.opts.bind.to_string(),
            master_username: c.map(|c| c.master_username.clone()).unwrap_or_default(),
            database_name: c.map(|c| c.database_name.clone()).unwrap_or_default(),
            backup_retention_days: c.map_or(0, |c| c.backup_retention_days),
            tags: catalog::tags_of(st, "db", &i.id),
            latest_restorable_us: self
                .volume
                .cluster(&i.cluster)
                .map_or(0, |c| c.info().last_commit_us),
        }
    }

    /// DescribeDBClusters.
    pub fn describe_clusters(&self, id: Option<&str>) -> Result<Vec<ClusterView>, ApiError> {
        let mut st = self.lock();
        let metas: Vec<ClusterMeta> = match id {
            Some(id) => vec![st
                .reg
                .clusters
                .get(&id.to_ascii_lowercase())
                .cloned()
                .ok_or_else(|| ApiError::cluster_not_found(id))?],
            None => st.reg.clusters.values().cloned().collect(),
        };
        Ok(metas
            .iter()
            .map(|m| self.cluster_view(&mut st, m, true))
            .collect())
    }

    /// Page size and page counts of the whole volume.
    pub fn volume_view(&self) -> VolumeView {
        self.settle();
        let mut st = self.lock();
        self.space(&mut st)
            .map(|r| VolumeView {
                page_size: r.page_size,
                total_pages: r.total_pages,
                free_pages: r.free_pages,
            })
            .unwrap_or_default()
    }

    /// DescribeDBInstances.
    pub fn describe_instances(&self, id: Option<&str>) -> Result<Vec<InstanceView>, ApiError> {
        let st = self.lock();
        let metas: Vec<InstanceMeta> = match id {
            Some(id) => vec![st
                .reg
                .instances
                .get(&id.to_ascii_lowercase())
                .cloned()
                .ok_or_else(|| {
                    ApiError::new(
                        404,
                        "DBInstanceNotFound",
                        format!("DBInstance {id} not found."),
                    )
                })?],
            None => st.reg.instances.values().cloned().collect(),
        };
        Ok(metas.iter().map(|m| self.instance_view(&st, m)).collect())
    }

    /// DescribeEvents: events of `source` (all when None) at or after `since_us`.
    pub fn events(
        &self,
        source: Option<&str>,
        source_type: Option<&str>,
        since_us: u64,
        until_us: u64,
    ) -> Vec<crate::registry::EventMeta> {
        let st = self.lock();
        st.reg
            .events
            .iter()
            .filter(|e| source.is_none_or(|s| e.source_id.eq_ignore_ascii_case(s)))
            .filter(|e| source_type.is_none_or(|t| e.source_type == t))
            .filter(|e| e.time_us >= since_us && e.time_us <= until_us)
            .cloned()
            .collect()
    }

    fn check_new_cluster(st: &State, id: &str) -> Result<(), ApiError> {
        if st.reg.clusters.contains_key(id) {
            return Err(ApiError::new(
                400,
                "DBClusterAlreadyExistsFault",
                format!("DB Cluster already exists: {id}. Choose another identifier or delete it first."),
            ));
        }
        Ok(())
    }

    /// CreateDBCluster: a new, empty cluster with its master user (and database).
    pub fn create_cluster(&self, r: CreateCluster) -> Result<ClusterView, ApiError> {
        let id = check_identifier("DBClusterIdentifier", &r.id)?;
        match r.engine.as_str() {
            "aurora-mysql" | "aurora" | "mysql" => {}
            "" => {
                return Err(ApiError::invalid(
                    "The parameter Engine must be provided: use aurora-mysql.",
                ))
            }
            other => {
                return Err(ApiError::invalid(format!(
                    "Invalid DB engine: {other}. Borealis serves aurora-mysql."
                )))
            }
        }
        if r.master_username.is_empty() {
            return Err(ApiError::invalid(
                "The parameter MasterUsername must be provided and must not be blank.",
            ));
        }
        if r.master_password.len() < 8 {
            return Err(ApiError::invalid(
                "The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.",
            ));
        }
        check_backtrack_window(r.backtrack_window)?;
        if let Some(days) = r.backup_retention_days {
            check_backup_retention(days)?;
        }
        let mut st = self.lock();
        Self::check_new_cluster(&st, &id)?;
        let parameter_group = Self::check_param_group(&st, &r.echo.parameter_group)?;
        if let Some(p) = r.port {
            // Checked now so the later CreateDBInstance does not fail on it.
            drop(self.bind_port(&st, p)?);
        }
        self.volume.create_cluster(&id).map_err(engine_error)?;
        let meta = ClusterMeta {
            id: id.clone(),
            engine: r.engine.clone(),
            engine_version: if r.engine_version.is_empty() {
                catalog::ENGINE_VERSION.into()
            } else {
                r.engine_version.clone()
            },
            master_username: r.master_username.clone(),
            database_name: r.database_name.clone(),
            port: r.port.unwrap_or(0),
            backtrack_window: r.backtrack_window,
            created_us: now_us(),
            clone_group_id: uuid(),
            status: "available".into(),
            vpc_security_group_ids: r.echo.vpc_security_group_ids.clone(),
            db_subnet_group_name: r.echo.db_subnet_group_name.clone(),
            kms_key_id: r.echo.kms_key_id.clone(),
            parameter_group,
            resource_id: random_id("cluster-"),
            backup_retention_days: r.backup_retention_days.unwrap_or(0),
            ..Default::default()
        };
        st.reg.clusters.insert(id.clone(), meta.clone());
        let made = self
            .engine(
                &mut st,
                &id,
                Some((r.master_username.as_str(), r.master_password.as_str())),
            )
            .map_err(ApiError::internal)
            .and_then(|e| {
                if r.database_name.is_empty() {
                    return Ok(());
                }
                let mut s = e
                    .session_with_id(u32::MAX, &r.master_username, "localhost", None)
                    .map_err(|e| ApiError::internal(e.message))?;
                s.execute(&format!(
                    "CREATE DATABASE IF NOT EXISTS `{}`",
                    r.database_name.replace('`', "``")
                ))
                .map(|_| ())
                .map_err(|e| ApiError::invalid(format!("DatabaseName: {}", e.message)))
            })
            .and_then(|()| self.apply_retention(&mut st, &meta));
        if let Err(e) = made {
            st.reg.clusters.remove(&id);
            if let Some(e) = st.engines.remove(&id) {
                e.shutdown();
            }
            let _ = self.volume.drop_cluster(&id);
            return Err(e);
        }
        st.reg
            .event("db-cluster", &id, "creation", "DB cluster created".into());
        self.save(&st)?;
        Ok(self.cluster_view(&mut st, &meta, false))
    }

    /// RestoreDBClusterToPointInTime: a fork of the source at the latest commit or at a
    /// time, sharing every page.
    pub fn restore(&self, r: Restore) -> Result<ClusterView, ApiError> {
        let id = check_identifier("DBClusterIdentifier", &r.id)?;
        let source = r.source.to_ascii_lowercase();
        let restore_type = match r.restore_type.as_str() {
            "" | "full-copy" => "full-copy",
            "copy-on-write" => "copy-on-write",
            other => {
                return Err(ApiError::invalid(format!(
                    "Invalid RestoreType {other}: use copy-on-write or full-copy."
                )))
            }
        };
        let at = match (r.use_latest, r.restore_to_us) {
            (true, Some(_)) => {
                return Err(ApiError::invalid(
                    "Specify either RestoreToTime or UseLatestRestorableTime, not both.",
                ))
            }
            (true, None) => PointInTime::Latest,
            (false, Some(t)) => PointInTime::Time(t),
            (false, None) => {
                return Err(ApiError::invalid(
                    "Specify RestoreToTime or UseLatestRestorableTime.",
                ))
            }
        };
        if let Some(w) = r.backtrack_window {
            check_backtrack_window(w)?;
        }
        let mut st = self.lock();
        Self::check_new_cluster(&st, &id)?;
        let src = cluster_meta(&st, &source, &r.source)?;
        let parameter_group = Self::check_param_group(&st, &r.echo.parameter_group)?;
        if let Some(p) = r.port {
            drop(self.bind_port(&st, p)?);
        }
        if let PointInTime::Time(t) = at {
            let info = self
                .volume
                .cluster(&source)
                .map(|c| c.info())
                .ok_or_else(|| ApiError::cluster_not_found(&r.source))?;
            if t < info.earliest_restorable_us || t > now_us() {
                return Err(ApiError::new(
                    400,
                    "InvalidRestoreFault",
                    format!(
                        "RestoreToTime {} is outside the restorable window of {source}: \
                         {} to {}.",
                        crate::isotime::format_us(t),
                        crate::isotime::format_us(info.earliest_restorable_us),
                        crate::isotime::format_us(now_us())
                    ),
                ));
            }
        }
        self.open_for_fork(&mut st, &source);
        let started = Instant::now();
        let cluster = self.volume.fork(&source, &id, at).map_err(|e| match e {
            EngineError::InvalidArgument { detail } => {
                ApiError::new(400, "InvalidRestoreFault", detail)
            }
            other => engine_error(other),
        })?;
        let took = started.elapsed();
        self.keep_history_for(&id, r.backtrack_window.unwrap_or(0))?;
        let seq = cluster.info().source.map_or(0, |(_, s)| s);
        let coord = self.source_coord(&st, &source, seq);
        self.inherit_binlog(&st, &source, &id, coord.as_ref());
        let meta = ClusterMeta {
            id: id.clone(),
            engine: src.engine.clone(),
            engine_version: src.engine_version.clone(),
            master_username: src.master_username.clone(),
            database_name: src.database_name.clone(),
            port: r.port.unwrap_or(0),
            backtrack_window: r.backtrack_window.unwrap_or(0),
            created_us: now_us(),
            clone_group_id: if restore_type == "copy-on-write" {
                src.clone_group_id.clone()
            } else {
                uuid()
            },
            source: source.clone(),
            source_binlog: coord.clone(),
            restore_type: restore_type.into(),
            status: "available".into(),
            vpc_security_group_ids: r.echo.vpc_security_group_ids.clone(),
            db_subnet_group_name: r.echo.db_subnet_group_name.clone(),
            kms_key_id: r.echo.kms_key_id.clone(),
            parameter_group,
            resource_id: random_id("cluster-"),
            backup_retention_days: src.backup_retention_days,
            reader_port: 0,
        };
        st.reg.clusters.insert(id.clone(), meta.clone());
        st.reg.event(
            "db-cluster",
            &id,
            "creation",
            format!(
                "Restored from DB cluster {source} ({restore_type}, {}) in {:.3} ms",
                match at {
                    PointInTime::Time(t) => crate::isotime::format_us(t),
                    _ => "latest restorable time".into(),
                },
                took.as_secs_f64() * 1e3
            ),
        );
        if let Some((f, p)) = &coord {
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

    /// CreateDBInstance: an endpoint for a cluster; the first is the writer, later ones
    /// readers. Answers `creating`; the listener starts in the background.
    pub fn create_instance(self: &Arc<Self>, r: CreateInstance) -> Result<InstanceView, ApiError> {
        let id = check_identifier("DBInstanceIdentifier", &r.id)?;
        if r.cluster.is_empty() {
            return Err(ApiError::invalid(
                "The parameter DBClusterIdentifier must be provided: an aurora-mysql instance \
                 belongs to a cluster.",
            ));
        }
        let cluster = r.cluster.to_ascii_lowercase();
        if !r.class.is_empty() {
            catalog::check_instance_class(&r.class)?;
        }
        let promotion_tier = r
            .promotion_tier
            .map(lifecycle::check_promotion_tier)
            .transpose()?
            .unwrap_or(1);
        if let Some(ca) = &r.ca_certificate {
            lifecycle::check_ca_certificate(ca)?;
        }
        let mut st = self.lock();
        if st.reg.instances.contains_key(&id) {
            return Err(ApiError::new(
                400,
                "DBInstanceAlreadyExists",
                format!("DB instance already exists: {id}"),
            ));
        }
        let cm = cluster_meta(&st, &cluster, &r.cluster)?;
        if cm.status != "available" {
            return Err(ApiError::new(
                400,
                "InvalidDBClusterStateFault",
                format!(
                    "DB cluster {cluster} is {}; instances can be added when it is available.",
                    cm.status
                ),
            ));
        }
        let writer = st.reg.writer_of(&cluster).is_none();
        let want = r.port.or(if writer && cm.port != 0 {
            Some(cm.port)
        } else {
            None
        });
        let bound = match want {
            Some(p) => self.bind_port(&st, p)?,
            None => self.free_port(&st)?,
        };
        let port = bound
            .local_addr()
            .map_err(|e| ApiError::internal(e.to_string()))?
            .port();
        let meta = InstanceMeta {
            id: id.clone(),
            cluster: cluster.clone(),
            class: if r.class.is_empty() {
                "db.r6g.large".into()
            } else {
                r.class.clone()
            },
            engine: if r.engine.is_empty() {
                cm.engine.clone()
            } else {
                r.engine.clone()
            },
            port,
            created_us: now_us(),
            writer,
            status: "creating".into(),
            resource_id: random_id("db-"),
            promotion_tier,
            ca_certificate: r.ca_certificate.clone().unwrap_or_default(),
            auto_minor_version_upgrade: r.auto_minor_version_upgrade.unwrap_or(true),
        };
        st.reg.instances.insert(id.clone(), meta.clone());
        st.reg.event(
            "db-instance",
            &id,
            "creation",
            format!(
                "DB instance created ({} of cluster {cluster} on port {port})",
                if writer { "writer" } else { "reader" }
            ),
        );
        self.save(&st)?;
        let view = self.instance_view(&st, &meta);
        drop(st);
        let fleet = self.clone();
        std::thread::spawn(move || {
            let mut st = fleet.lock();
            let started = fleet.start_endpoint(&mut st, &meta, Some(bound));
            let status = match &started {
                Ok(()) => "available",
                Err(e) => {
                    tracing::error!(instance = %meta.id, "instance failed to start: {e}");
                    "failed"
                }
            };
            if let Some(m) = st.reg.instances.get_mut(&meta.id) {
                m.status = status.into();
            }
            fleet.sync_reader(&mut st, &meta.cluster);
            let ok = started.is_ok();
            let msg = match started {
                Ok(()) => "DB instance available".to_string(),
                Err(e) => format!("DB instance failed to start: {e}"),
            };
            st.reg.event("db-instance", &meta.id, "availability", msg);
            // As on Aurora, the writer of a cluster made from a clone, a point-in-time
            // restore or a snapshot reports the source's binlog coordinate at that point.
            let coord = st
                .reg
                .clusters
                .get(&meta.cluster)
                .and_then(|c| c.source_binlog.clone());
            if let (true, true, Some((f, p))) = (ok, meta.writer, coord) {
                st.reg.event(
                    "db-instance",
                    &meta.id,
                    "notification",
                    format!("Binlog position from crash recovery is {f} {p}"),
                );
            }
            if let Err(e) = fleet.save(&st) {
                tracing::error!("{}", e.message);
            }
        });
        Ok(view)
    }

    /// DeleteDBInstance: stops the endpoint and closes its connections. Deleting the
    /// writer promotes the oldest reader (Aurora's failover).
    pub fn delete_instance(&self, id: &str) -> Result<InstanceView, ApiError> {
        let id = id.to_ascii_lowercase();
        let mut st = self.lock();
        let meta = st.reg.instances.get(&id).cloned().ok_or_else(|| {
            ApiError::new(
                404,
                "DBInstanceNotFound",
                format!("DBInstance {id} not found."),
            )
        })?;
        if meta.cluster == self.opts.default_cluster && meta.port == self.opts.default_port {
            return Err(ApiError::new(
                400,
                "InvalidDBInstanceState",
                format!(
                    "Instance {id} is the default cluster's writer on --port {}; it lives as \
                     long as the server.",
                    meta.port
                ),
            ));
        }
        // Out of the reader endpoint's targets before its sessions are closed.
        let ep = st.endpoints.remove(&id);
        self.sync_reader(&mut st, &meta.cluster);
        if let Some(ep) = ep {
            ep.stop(&killed(format!("DB instance {id} was deleted")));
        }
        st.reg.instances.remove(&id);
        catalog::drop_tags(&mut st, "db", &id);
        st.reg
            .event("db-instance", &id, "deletion", "DB instance deleted".into());
        if meta.writer {
            let next = st.reg.promotion_target(&meta.cluster).map(|i| i.id.clone());
            if let Some(n) = next {
                if let Some(m) = st.reg.instances.get_mut(&n) {
                    m.writer = true;
                }
                // The reader endpoint first stops sending connections to it.
                self.sync_reader(&mut st, &meta.cluster);
                if let Some(ep) = st.endpoints.get(&n) {
                    ep.factory.read_only.store(false, Ordering::SeqCst);
                }
                st.reg.event(
                    "db-cluster",
                    &meta.cluster,
                    "failover",
                    format!("Promoted {n} to writer after {id} was deleted"),
                );
            }
        }
        self.sync_reader(&mut st, &meta.cluster);
        self.save(&st)?;
        let mut view = self.instance_view(&st, &meta);
        view.meta.status = "deleting".into();
        Ok(view)
    }

    /// DeleteDBCluster: the cluster must have no instances left. With `final_snapshot`, a
    /// snapshot of it is taken first (and kept). Its pages that nothing else reaches return
    /// to the free list in the background.
    pub fn delete_cluster(
        &self,
        id: &str,
        final_snapshot: Option<&str>,
    ) -> Result<ClusterView, ApiError> {
        let id = id.to_ascii_lowercase();
        let final_snapshot = final_snapshot
            .map(|s| check_snapshot_identifier("FinalDBSnapshotIdentifier", s))
            .transpose()?;
        let mut st = self.lock();
        let meta = cluster_meta(&st, &id, &id)?;
        if id == self.opts.default_cluster {
            return Err(ApiError::new(
                400,
                "InvalidDBClusterStateFault",
                format!(
                    "{id} is the default cluster of this server (--cluster-id); it cannot be \
                     deleted while the server runs with it."
                ),
            ));
        }
        let members = st.reg.instances_of(&id).len();
        if members > 0 {
            return Err(ApiError::new(
                400,
                "InvalidDBClusterStateFault",
                format!(
                    "Cluster cannot be deleted, it still contains {members} DB instance(s). \
                     Delete them first (delete-db-instance)."
                ),
            ));
        }
        if let Some(f) = &final_snapshot {
            self.take_snapshot(&mut st, f, &id, &id)?;
            // Recorded before the cluster goes: a crash in between keeps both.
            self.save(&st)?;
        }
        let mut view = self.cluster_view(&mut st, &meta, false);
        if let Some(r) = st.readers.remove(&id) {
            r.listening.close();
        }
        if let Some(e) = st.engines.remove(&id) {
            e.close_sessions(false, &killed(format!("DB cluster {id} was deleted")));
            e.shutdown();
        }
        self.volume.drop_cluster(&id).map_err(engine_error)?;
        self.remove_binlog_dir(&id);
        st.reg.clusters.remove(&id);
        catalog::drop_tags(&mut st, "cluster", &id);
        st.reg
            .event("db-cluster", &id, "deletion", "DB cluster deleted".into());
        st.space = None;
        self.save(&st)?;
        drop(st);
        self.request_reclaim();
        view.meta.status = "deleting".into();
        Ok(view)
    }

    /// ModifyDBCluster: backtrack window, master password, port, backup retention,
    /// parameter group, VPC security groups (recorded).
    pub fn modify_cluster(&self, r: ModifyCluster) -> Result<ClusterView, ApiError> {
        let id = r.id.to_ascii_lowercase();
        let mut st = self.lock();
        let mut meta = cluster_meta(&st, &id, &r.id)?;
        if r.new_id.is_some() {
            return Err(ApiError::invalid(
                "Renaming a cluster (NewDBClusterIdentifier) is not supported; clone it under \
                 the new name and delete the old one.",
            ));
        }
        if let Some(w) = r.backtrack_window {
            check_backtrack_window(w)?;
        }
        if let Some(days) = r.backup_retention_days {
            check_backup_retention(days)?;
        }
        let mut new_listener = None;
        if let Some(p) = r.port {
            if st.reg.writer_of(&id).is_some_and(|w| w.port == p) {
                // Already there.
            } else {
                new_listener = Some(self.bind_port(&st, p)?);
            }
        }
        if let Some(pw) = &r.master_password {
            if pw.len() < 8 {
                return Err(ApiError::invalid(
                    "The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.",
                ));
            }
            let e = self
                .engine(&mut st, &id, None)
                .map_err(ApiError::internal)?;
            let mut s = e
                .session_with_id(u32::MAX, &meta.master_username, "localhost", None)
                .map_err(|e| ApiError::internal(e.message))?;
            s.execute(&format!(
                "ALTER USER '{}'@'%' IDENTIFIED BY '{}'",
                meta.master_username.replace('\'', "''"),
                pw.replace('\\', "\\\\").replace('\'', "''")
            ))
            .map_err(|e| {
                ApiError::internal(format!("changing the master password: {}", e.message))
            })?;
            st.reg.event(
                "db-cluster",
                &id,
                "configuration change",
                "Master user password changed".into(),
            );
        }
        if let Some(g) = &r.parameter_group {
            self.switch_param_group(&mut st, &mut meta, g)?;
        }
        if let Some(sgs) = r.vpc_security_group_ids {
            meta.vpc_security_group_ids = sgs;
        }
        if let Some(days) = r.backup_retention_days {
            meta.backup_retention_days = days;
        }
        if let Some(w) = r.backtrack_window {
            meta.backtrack_window = w;
        }
        if r.backup_retention_days.is_some() || r.backtrack_window.is_some() {
            self.apply_retention(&mut st, &meta)?;
            if let Some(days) = r.backup_retention_days {
                st.reg.event(
                    "db-cluster",
                    &id,
                    "configuration change",
                    format!("Backup retention period changed to {days} days"),
                );
            }
        }
        if let (Some(p), Some(l)) = (r.port, new_listener) {
            meta.port = p;
            if let Some(mut w) = st.reg.writer_of(&id).cloned() {
                if let Some(ep) = st.endpoints.remove(&w.id) {
                    ep.stop(&killed(format!(
                        "DB cluster {id} moved to port {p}; reconnect there"
                    )));
                }
                w.port = p;
                st.reg.instances.insert(w.id.clone(), w.clone());
                let started = self.start_endpoint(&mut st, &w, Some(l));
                // The writer's endpoint is new: the reader endpoint's targets follow.
                self.sync_reader(&mut st, &id);
                started.map_err(ApiError::internal)?;
            }
            st.reg.event(
                "db-cluster",
                &id,
                "configuration change",
                format!("Port changed to {p}"),
            );
        }
        st.reg.clusters.insert(id.clone(), meta.clone());
        self.save(&st)?;
        Ok(self.cluster_view(&mut st, &meta, false))
    }

    /// Sets how long GC keeps `meta`'s history: the largest of its BackupRetentionPeriod
    /// (the point-in-time window), its backtrack window and its `binlog retention hours`
    /// (which the cluster's engine keeps; it is opened for it).
    fn apply_retention(&self, st: &mut State, meta: &ClusterMeta) -> Result<(), ApiError> {
        let Some(c) = self.volume.cluster(&meta.id) else {
            return Ok(());
        };
        let backup = retention_days(meta.backup_retention_days).saturating_mul(86_400_000_000);
        let backtrack = meta.backtrack_window.saturating_mul(1_000_000);
        let binlog = binlog_retention_hours(self, st, &meta.id)
            .unwrap_or(0)
            .saturating_mul(3_600_000_000);
        let want = backup.max(backtrack).max(binlog);
        if want != c.info().retention_us {
            c.set_retention(want).map_err(engine_error)?;
        }
        Ok(())
    }

    /// Keeps at least `window` seconds of `cluster`'s history (GC keeps the largest of the
    /// backtrack window and the point-in-time retention).
    fn keep_history_for(&self, cluster: &str, window: u64) -> Result<(), ApiError> {
        if let Some(c) = self.volume.cluster(cluster) {
            let want = window.saturating_mul(1_000_000);
            if want > c.info().retention_us {
                c.set_retention(want).map_err(engine_error)?;
            }
        }
        Ok(())
    }

    /// BacktrackDBCluster: rewinds the cluster in place to `to_us` (or forward to a moment
    /// an earlier backtrack skipped). Closes the cluster's client sessions (replicas
    /// streaming its binlog stay and receive the rewind as events).
    pub fn backtrack(&self, r: Backtrack) -> Result<BacktrackMeta, ApiError> {
        let id = r.id.to_ascii_lowercase();
        let mut st = self.lock();
        let meta = cluster_meta(&st, &id, &r.id)?;
        if meta.backtrack_window == 0 {
            return Err(ApiError::new(
                400,
                "InvalidDBClusterStateFault",
                format!(
                    "Backtrack is not enabled for DB cluster {id}: set a backtrack window first \
                     (aws rds modify-db-cluster --db-cluster-identifier {id} --backtrack-window SECONDS)."
                ),
            ));
        }
        let now = now_us();
        let info = self.volume.cluster(&id).map(|c| c.info());
        let earliest = earliest_backtrack_us(&meta, info.map_or(0, |i| i.earliest_restorable_us));
        if r.to_us > now {
            return Err(ApiError::invalid(format!(
                "The backtrack time {} is in the future (now is {}).",
                crate::isotime::format_us(r.to_us),
                crate::isotime::format_us(now)
            )));
        }
        let to_us = if r.to_us >= earliest {
            r.to_us
        } else if r.use_earliest {
            earliest
        } else {
            return Err(ApiError::invalid(format!(
                "The backtrack time {} is before the earliest backtrack time {} of DB cluster \
                 {id}. Choose a time at or after it, or pass \
                 --use-earliest-time-on-point-in-time-unavailable.",
                crate::isotime::format_us(r.to_us),
                crate::isotime::format_us(earliest)
            )));
        };
        let engine = self
            .engine(&mut st, &id, None)
            .map_err(ApiError::internal)?;
        let closed = engine.close_sessions(
            true,
            &killed(format!(
                "DB cluster {id} was backtracked to {}; uncommitted work was discarded. \
                 Reconnect to continue.",
                crate::isotime::format_us(to_us)
            )),
        );
        let done = engine.backtrack(to_us).map_err(|e| match e.code {
            1210 => ApiError::invalid(e.message),
            _ => ApiError::internal(format!("backtrack failed: {}", e.message)),
        })?;
        let bt = BacktrackMeta {
            cluster: id.clone(),
            id: uuid(),
            to_us,
            from_us: now,
            created_us: now,
            status: "completed".into(),
        };
        st.reg.backtracks.push(bt.clone());
        st.reg.event(
            "db-cluster",
            &id,
            "backtrack",
            format!(
                "Backtracked the DB cluster to {} (the state after the last commit at or before \
                 it, {}); {closed} client connections closed{}{}",
                crate::isotime::format_us(to_us),
                crate::isotime::format_us(done.to_time_us),
                done.changes
                    .map(|n| format!("; {n} changed rows undone in the binlog"))
                    .unwrap_or_default(),
                done.binlog
                    .map(|(f, p)| format!("; binlog now at {f} {p}"))
                    .unwrap_or_default()
            ),
        );
        st.space = None;
        self.save(&st)?;
        Ok(bt)
    }

    /// DescribeDBClusterBacktracks: newest first.
    pub fn describe_backtracks(
        &self,
        id: &str,
        backtrack_id: Option<&str>,
    ) -> Result<Vec<BacktrackMeta>, ApiError> {
        let id = id.to_ascii_lowercase();
        let st = self.lock();
        if !st.reg.clusters.contains_key(&id) {
            return Err(ApiError::cluster_not_found(&id));
        }
        let list: Vec<BacktrackMeta> = st
            .reg
            .backtracks
            .iter()
            .rev()
            .filter(|b| b.cluster == id && backtrack_id.is_none_or(|x| x == b.id))
            .cloned()
            .collect();
        if let (Some(x), true) = (backtrack_id, list.is_empty()) {
            return Err(ApiError::new(
                404,
                "DBClusterBacktrackNotFoundFault",
                format!("Backtrack {x} not found for DB cluster {id}."),
            ));
        }
        Ok(list)
    }

    fn request_reclaim(&self) {
        let mut r = self
            .reclaim
            .requested
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        r.0 += 1;
        self.reclaim.changed.notify_all();
    }

    /// Waits until every reclaim requested so far has run, so volume figures include
    /// the pages of deleted clusters.
    pub fn settle(&self) {
        let mut r = self
            .reclaim
            .requested
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let want = r.0;
        while r.1 < want {
            r = self
                .reclaim
                .changed
                .wait_timeout(r, Duration::from_millis(200))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        drop(r);
        self.lock().space = None;
    }
}

fn reclaim_loop(fleet: std::sync::Weak<Fleet>, r: Arc<Reclaimer>) {
    loop {
        let want = {
            let mut g = r.requested.lock().unwrap_or_else(|e| e.into_inner());
            while g.1 >= g.0 {
                g = r
                    .changed
                    .wait_timeout(g, Duration::from_secs(1))
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
                if fleet.strong_count() == 0 {
                    return;
                }
            }
            g.0
        };
        let Some(f) = fleet.upgrade() else { return };
        let vol = f.volume.clone();
        drop(f);
        let res = vol.checkpoint().and_then(|_| vol.gc());
        match res {
            Ok(g) => tracing::info!(freed = g.freed, "pages of deleted clusters reclaimed"),
            Err(e) => tracing::warn!(error = %e, "reclaiming pages failed"),
        }
        let mut g = r.requested.lock().unwrap_or_else(|e| e.into_inner());
        g.1 = g.1.max(want);
        r.changed.notify_all();
    }
}

/// The registry record of cluster `id` (`asked`: the identifier as the caller wrote it).
fn cluster_meta(st: &State, id: &str, asked: &str) -> Result<ClusterMeta, ApiError> {
    st.reg
        .clusters
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::cluster_not_found(asked))
}

/// The oldest time a backtrack of the cluster can target: inside its window, not before
/// its creation (a clone's window starts when it was made), not before its retained
/// history. 0 when backtracking is off.
fn earliest_backtrack_us(meta: &ClusterMeta, earliest_restorable_us: u64) -> u64 {
    if meta.backtrack_window == 0 {
        return 0;
    }
    now_us()
        .saturating_sub(meta.backtrack_window.saturating_mul(1_000_000))
        .max(meta.created_us)
        .max(earliest_restorable_us)
}

/// The cluster's `binlog retention hours` (mysql.rds_set_configuration), if set (and its
/// binlog on).
fn binlog_retention_hours(fleet: &Fleet, st: &mut State, cluster: &str) -> Option<u64> {
    let bl = fleet.engine(st, cluster, None).ok()?.binlog.clone()?;
    let h = *bl.retention_hours.lock().unwrap_or_else(|e| e.into_inner());
    h
}

/// RDS's limit for Aurora: 1 to 35 days.
fn check_backup_retention(days: u64) -> Result<(), ApiError> {
    if !(1..=35).contains(&days) {
        return Err(ApiError::invalid(format!(
            "Invalid backup retention period {days}: use 1 to 35 days."
        )));
    }
    Ok(())
}

/// Aurora's limit: 0 (off) to 259200 seconds (72 hours).
fn check_backtrack_window(w: u64) -> Result<(), ApiError> {
    if w > 259_200 {
        return Err(ApiError::invalid(format!(
            "BacktrackWindow {w} is out of range: use 0 (off) to 259200 seconds (72 hours)."
        )));
    }
    Ok(())
}

/// A random UUID (version 4) in its text form.
pub fn uuid() -> String {
    let mut b = [0u8; 16];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut f, &mut b);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The `server_id` of `cluster`: `--server-id` for the default cluster, a stable id of its
/// own for every other (clones replicate from their source in the same process, and a
/// replica skips events that carry its own id), as Aurora gives each cluster its own.
fn cluster_server_id(base: u32, cluster: &str, default_cluster: &str) -> u32 {
    if cluster == default_cluster {
        return base;
    }
    // FNV-1a of the name, kept clear of the base id.
    let mut h: u32 = 0x811c_9dc5;
    for b in cluster.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    let id = 1000 + h % 1_000_000_000;
    if id == base {
        id + 1
    } else {
        id
    }
}
