//! Replication into Borealis: a cluster follows a MySQL-protocol source (MySQL 8.0,
//! MariaDB 10.11, or another Borealis cluster) over the replication protocol.
//!
//! # Design
//!
//! Two threads per cluster, as MySQL has them, and no relay log file:
//!
//! 1. The **receiver** (IO thread) opens a [`SourceLink`] through the [`Connector`] the
//!    server installed (the socket side lives in the protocol crate: handshake,
//!    `COM_REGISTER_SLAVE`, checksum and heartbeat negotiation, `COM_BINLOG_DUMP`). It
//!    verifies every event (size, CRC32 with the algorithm of the stream's
//!    Format_description) and queues it in memory (bounded: the receiver waits when the
//!    applier is behind). A corrupt event stops the receiver with `Last_IO_Error` and
//!    is never queued; a lost connection reconnects from the last event received, every
//!    `CONNECT_RETRY` seconds, `RETRY_COUNT` times.
//! 2. The **applier** (SQL thread) collects one event group (a transaction, or a single
//!    DDL statement) and applies it through an internal [`Session`] — statements with
//!    the source's session state (database, `sql_mode`, character sets, time zone,
//!    auto-increment settings, timestamp, Intvar/Rand/User_var context), row events as
//!    primary-key (or full before image) DML with the replica table's column types — so
//!    the replica's own commit path does locking, secondary indexes, and the replica's
//!    binlog (`log_replica_updates`: applied transactions keep the source's server id, so
//!    a chain or a loop skips its own). The source position after the group is written
//!    into [`REPLICA_TREE`] **in the same storage transaction** as the group's changes
//!    ([`Session::stage_replica_position`]): the position is exactly as durable as the
//!    data, and is part of clones, snapshots and backtrack like every other tree.
//!
//! Why no relay log: the applied position is crash-safe on its own, and restarting from
//! it re-reads what the queue lost from the source (MySQL with `relay_log_recovery=ON`
//! does the same after a crash). A relay log would let the applier run while the source
//! is down, at the price of writing every event twice; the source keeps its binlogs for
//! `binlog retention hours`, so re-reading is safe. The receiver acknowledges nothing to
//! the source (asynchronous replication), so "durably kept before acknowledged" holds
//! trivially: progress becomes durable only with the applied changes.
//!
//! A group is applied whole or not at all: on a write conflict or lock wait timeout it
//! is rolled back and retried (10 times, as `replica_transaction_retries`); any other
//! error rolls it back, stops the applier with the MySQL error in `Last_SQL_Errno` /
//! `Last_SQL_Error`, and puts the group back in front of the queue, so `START REPLICA`
//! (after a fix) or a skip (`rds_skip_repl_error`, `sql_replica_skip_counter`) resumes
//! exactly there.
//!
//! The configuration (`CHANGE REPLICATION SOURCE TO`) lives in the same tree and commits
//! on its own; after a server restart the threads start again by themselves unless
//! `skip_replica_start` is on.

pub mod apply;
pub mod events;
pub mod procedures;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::binlog::{types, Checksum, EventHeader};
use crate::storage::CommitInfo;
use crate::value::Value;

use super::session::Instance;
use super::{SqlError, SqlResult};

/// The reserved storage tree holding the source configuration and the applied position.
pub const REPLICA_TREE: u64 = 2;
/// Key of the configuration in [`REPLICA_TREE`].
pub const CONFIG_KEY: &[u8] = b"source";
/// Key of the applied position (`file NUL position`) in [`REPLICA_TREE`].
pub const APPLIED_KEY: &[u8] = b"applied";

/// Events the receiver may hold before the applier takes them (bytes).
const QUEUE_LIMIT: usize = 32 << 20;
/// How often a group that failed on a write conflict or lock timeout is tried again.
const TRANSACTION_RETRIES: u32 = 10;

/// `CHANGE REPLICATION SOURCE TO`'s settings.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceConfig {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    /// Seconds between connection attempts.
    pub connect_retry: u32,
    /// Connection attempts before the receiver gives up.
    pub retry_count: u64,
    /// Seconds between heartbeats the source sends when idle (0 = none).
    pub heartbeat_period: f64,
}

impl Default for SourceConfig {
    fn default() -> Self {
        SourceConfig {
            host: String::new(),
            port: 3306,
            user: String::new(),
            password: String::new(),
            connect_retry: 60,
            retry_count: 86400,
            heartbeat_period: 30.0,
        }
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

impl SourceConfig {
    fn encode(&self) -> Vec<u8> {
        let mut out = vec![1u8];
        put_str(&mut out, &self.host);
        out.extend_from_slice(&self.port.to_le_bytes());
        put_str(&mut out, &self.user);
        put_str(&mut out, &self.password);
        out.extend_from_slice(&self.connect_retry.to_le_bytes());
        out.extend_from_slice(&self.retry_count.to_le_bytes());
        out.extend_from_slice(&self.heartbeat_period.to_le_bytes());
        out
    }

    fn decode(b: &[u8]) -> Option<SourceConfig> {
        let mut c = events::Rd::new(b);
        if c.u8().ok()? != 1 {
            return None;
        }
        fn st(c: &mut events::Rd<'_>) -> Option<String> {
            let n = c.u32().ok()? as usize;
            Some(String::from_utf8_lossy(c.take(n).ok()?).into_owned())
        }
        Some(SourceConfig {
            host: st(&mut c)?,
            port: c.u16().ok()?,
            user: st(&mut c)?,
            password: st(&mut c)?,
            connect_retry: c.u32().ok()?,
            retry_count: c.u64().ok()?,
            heartbeat_period: f64::from_bits(c.u64().ok()?),
        })
    }
}

/// A coordinate in the source's binlog.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Position {
    pub file: String,
    pub pos: u64,
}

impl Position {
    /// The value stored under [`APPLIED_KEY`].
    pub fn encode(&self) -> Vec<u8> {
        let mut v = self.file.as_bytes().to_vec();
        v.push(0);
        v.extend_from_slice(&self.pos.to_le_bytes());
        v
    }

    fn decode(b: &[u8]) -> Option<Position> {
        let nul = b.iter().position(|&x| x == 0)?;
        let pos = u64::from_le_bytes(b.get(nul + 1..nul + 9)?.try_into().ok()?);
        Some(Position {
            file: String::from_utf8_lossy(&b[..nul]).into_owned(),
            pos,
        })
    }
}

/// Why a link to the source failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkErrorKind {
    /// Could not connect or log in: retry after `CONNECT_RETRY`.
    Connect,
    /// The connection broke while streaming: reconnect.
    Lost,
    /// The source refused the dump (error 1236 and the like): the receiver stops.
    Fatal,
    /// The receiver was asked to stop.
    Stopped,
}

/// A failure of the link, with the MySQL error the source or the client library gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkError {
    pub kind: LinkErrorKind,
    pub code: u32,
    pub message: String,
}

/// What the receiver asks the connector for.
#[derive(Clone, Debug)]
pub struct ConnectRequest {
    pub config: SourceConfig,
    /// Where the dump starts.
    pub from: Position,
    /// This server's id (COM_REGISTER_SLAVE, COM_BINLOG_DUMP).
    pub server_id: u32,
    /// This server's port, for SHOW REPLICAS on the source.
    pub report_port: u16,
    /// Set when the receiver must stop; the link returns [`LinkErrorKind::Stopped`].
    pub stop: Arc<AtomicBool>,
}

/// An open replication stream.
pub trait SourceLink: Send {
    /// The next event (header, body, footer), heartbeats included.
    fn next_event(&mut self) -> Result<Vec<u8>, LinkError>;
    /// The source's `server_id`.
    fn source_server_id(&self) -> u32;
    /// The source's `server_uuid` (empty for MariaDB).
    fn source_uuid(&self) -> String;
    /// The checksum the source puts on its events (`@@global.binlog_checksum`): the
    /// stream's first event, the Rotate a dump starts with, comes before any
    /// Format_description says so.
    fn checksum(&self) -> Checksum;
}

/// Opens links; installed by the server ([`Replica::set_connector`]).
pub type Connector =
    Arc<dyn Fn(&ConnectRequest) -> Result<Box<dyn SourceLink>, LinkError> + Send + Sync>;

/// An event as received, with the length of its checksum footer.
#[derive(Clone, Debug)]
pub(crate) struct Queued {
    raw: Vec<u8>,
    footer: usize,
}

#[derive(Default)]
struct Worker {
    running: bool,
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

#[derive(Clone, Debug, Default)]
struct LastError {
    code: u32,
    message: String,
    at: String,
}

#[derive(Default)]
struct State {
    io: Worker,
    sql: Worker,
    /// Receiver connected and streaming (Replica_IO_Running Yes, else Connecting).
    io_connected: bool,
    io_state: &'static str,
    sql_state: &'static str,
    queue: VecDeque<Queued>,
    queue_bytes: usize,
    /// Received up to here (None: the receiver starts from the applied position).
    read: Option<Position>,
    /// Applied up to here (cached from the tree).
    exec: Option<Position>,
    config: Option<SourceConfig>,
    io_error: LastError,
    sql_error: LastError,
    source_server_id: u32,
    source_uuid: String,
    /// Source timestamp of the group being applied (0: none).
    group_ts: u32,
    skip_counter: u64,
    loaded: bool,
}

/// The replication state of one cluster (held by its [`Instance`]).
#[derive(Default)]
pub struct Replica {
    connector: Mutex<Option<Connector>>,
    st: Mutex<State>,
    cv: Condvar,
}

fn now_secs() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs().min(u64::from(u32::MAX)) as u32)
}

fn now_text() -> String {
    crate::value::DateTime::from_unix_micros(i64::from(now_secs()) * 1_000_000)
        .map(|d| {
            let s = d.format(0);
            // MySQL shows `YYMMDD HH:MM:SS` in Last_*_Error_Timestamp.
            format!("{}{}{} {}", &s[2..4], &s[5..7], &s[8..10], &s[11..])
        })
        .unwrap_or_default()
}

fn err(code: u16, msg: impl Into<String>) -> SqlError {
    SqlError::new(code, msg)
}

fn must_stop() -> SqlError {
    err(
        1198,
        "This operation cannot be performed with a running replica; run STOP REPLICA first",
    )
}

fn not_configured() -> SqlError {
    err(
        1200,
        "The server is not configured as replica; fix in config file or with CHANGE REPLICATION SOURCE TO",
    )
}

/// Reads the durable configuration and applied position.
fn load(inst: &Instance) -> SqlResult<(Option<SourceConfig>, Option<Position>)> {
    let snap = inst.sql.cluster.snapshot();
    if !snap.has_tree(REPLICA_TREE) {
        return Ok((None, None));
    }
    let cfg = snap
        .get(REPLICA_TREE, CONFIG_KEY)?
        .and_then(|b| SourceConfig::decode(&b));
    let pos = snap
        .get(REPLICA_TREE, APPLIED_KEY)?
        .and_then(|b| Position::decode(&b));
    Ok((cfg, pos))
}

/// Writes (or with `None` removes) the configuration and the applied position.
fn save(inst: &Instance, cfg: Option<&SourceConfig>, pos: Option<&Position>) -> SqlResult<()> {
    let mut tx = inst.sql.cluster.begin();
    if !tx.has_tree(REPLICA_TREE) {
        tx.create_tree_with_id(REPLICA_TREE)?;
    }
    match cfg {
        Some(c) => tx.put(REPLICA_TREE, CONFIG_KEY, &c.encode())?,
        None => tx.delete(REPLICA_TREE, CONFIG_KEY)?,
    }
    match pos {
        Some(p) => tx.put(REPLICA_TREE, APPLIED_KEY, &p.encode())?,
        None => tx.delete(REPLICA_TREE, APPLIED_KEY)?,
    }
    tx.commit(CommitInfo {
        server_id: inst.globals.info().server_id,
        ..Default::default()
    })?;
    Ok(())
}

/// What a [`super::session::Session`] keeps for the applier.
#[derive(Default)]
pub struct SessionHooks {
    /// The server's own session: every privilege.
    pub system: bool,
    /// Commits carry this server id (the source's) instead of ours.
    pub origin: Option<u32>,
    /// The next commit writes this applied position ([`Position::encode`]).
    pub position: Option<Vec<u8>>,
}

/// Writes an applied position into a transaction (creating the tree if needed).
pub fn put_position(tx: &mut crate::storage::Transaction, encoded: &[u8]) -> SqlResult<()> {
    if !tx.has_tree(REPLICA_TREE) {
        tx.create_tree_with_id(REPLICA_TREE)?;
    }
    tx.put(REPLICA_TREE, APPLIED_KEY, encoded)?;
    Ok(())
}

/// Which threads START/STOP REPLICA name (both when neither is named).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threads {
    pub io: bool,
    pub sql: bool,
}

impl Threads {
    pub const BOTH: Threads = Threads {
        io: true,
        sql: true,
    };
}

impl Replica {
    /// Installs how links to a source are opened (the server does this at start).
    pub fn set_connector(&self, c: Connector) {
        *self.connector.lock().unwrap_or_else(|e| e.into_inner()) = Some(c);
    }

    fn lock(&self, inst: &Instance) -> SqlResult<MutexGuard<'_, State>> {
        let mut st = self.st.lock().unwrap_or_else(|e| e.into_inner());
        if !st.loaded {
            let (cfg, pos) = load(inst)?;
            st.config = cfg;
            st.exec = pos;
            st.loaded = true;
        }
        Ok(st)
    }

    /// At server start: starts both threads when a source is configured, unless
    /// `skip_replica_start`.
    pub fn start_at_boot(inst: &Arc<Instance>) {
        let skip = inst
            .globals
            .get("skip_replica_start")
            .map(|v| v.show_text() == "ON")
            .unwrap_or(false);
        let configured = match inst.replica.lock(inst) {
            Ok(st) => st.config.is_some(),
            Err(e) => {
                tracing::error!(error = %e.message, "reading the replication configuration failed");
                false
            }
        };
        if configured && !skip {
            if let Err(e) = Replica::start(inst, Threads::BOTH) {
                tracing::error!(error = %e.message, "starting replication failed");
            } else {
                tracing::info!("replication threads started");
            }
        }
    }

    /// `CHANGE REPLICATION SOURCE TO` with its options (names upper-case, MASTER_ or
    /// SOURCE_ prefixed) already evaluated.
    pub fn change_source(inst: &Instance, options: &[(String, Value)]) -> SqlResult<()> {
        let r = &inst.replica;
        let mut st = r.lock(inst)?;
        if st.io.running || st.sql.running {
            return Err(must_stop());
        }
        let mut cfg = st.config.clone().unwrap_or_default();
        let mut pos = st.exec.clone();
        let (mut new_file, mut new_pos, mut moved) = (None, None, false);
        for (name, v) in options {
            let key = name
                .strip_prefix("SOURCE_")
                .or_else(|| name.strip_prefix("MASTER_"))
                .unwrap_or("");
            let text = || {
                v.to_text()
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
                    .unwrap_or_default()
            };
            let int = |max: u64| -> SqlResult<u64> {
                match v {
                    Value::Int(i) if *i >= 0 && (*i as u64) <= max => Ok(*i as u64),
                    Value::UInt(u) if *u <= max => Ok(*u),
                    _ => Err(err(1064, format!("Incorrect value for {name}: {}", text()))),
                }
            };
            match key {
                "HOST" => {
                    let h = text();
                    if h.len() > 255 {
                        return Err(err(1064, format!("{name} is too long")));
                    }
                    moved |= h != cfg.host;
                    cfg.host = h;
                }
                "PORT" => {
                    let p = int(65535)? as u16;
                    moved |= p != cfg.port;
                    cfg.port = p;
                }
                "USER" => cfg.user = text(),
                "PASSWORD" => cfg.password = text(),
                "LOG_FILE" => new_file = Some(text()),
                "LOG_POS" => new_pos = Some(int(u64::MAX)?),
                "CONNECT_RETRY" => cfg.connect_retry = int(u64::from(u32::MAX))? as u32,
                "RETRY_COUNT" => cfg.retry_count = int(u64::MAX)?,
                "HEARTBEAT_PERIOD" => {
                    let p = v.to_f64().unwrap_or(-1.0);
                    if !(0.0..=4_294_967.0).contains(&p) {
                        return Err(err(
                            1703,
                            "The requested value for the heartbeat period is either negative or exceeds the maximum allowed (4294967 seconds).",
                        ));
                    }
                    cfg.heartbeat_period = p;
                }
                "SSL" if int(1)? == 0 => {}
                _ => {
                    return Err(err(
                        1235,
                        format!("This version of Borealis doesn't yet support '{name}' in CHANGE REPLICATION SOURCE TO"),
                    ))
                }
            }
        }
        if cfg.host.is_empty() {
            return Err(err(
                1210,
                "Incorrect arguments to CHANGE REPLICATION SOURCE TO: SOURCE_HOST is empty",
            ));
        }
        if new_file.is_some() || new_pos.is_some() {
            pos = Some(Position {
                file: new_file.unwrap_or_else(|| pos.map(|p| p.file).unwrap_or_default()),
                pos: new_pos.unwrap_or(4).max(4),
            });
        } else if moved || pos.is_none() {
            // A new source without a coordinate: from its first binlog (MySQL forgets
            // the old position when host or port change).
            pos = Some(Position {
                file: String::new(),
                pos: 4,
            });
        }
        save(inst, Some(&cfg), pos.as_ref())?;
        st.config = Some(cfg);
        st.exec = pos;
        st.read = None;
        st.queue.clear();
        st.queue_bytes = 0;
        Ok(())
    }

    /// START REPLICA [IO_THREAD] [SQL_THREAD]. Returns warnings `(code, message)`.
    pub fn start(inst: &Arc<Instance>, which: Threads) -> SqlResult<Vec<(u16, String)>> {
        let r = &inst.replica;
        let connector = r
            .connector
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut st = r.lock(inst)?;
        if st.config.is_none() {
            return Err(not_configured());
        }
        let mut warnings = Vec::new();
        if (!which.io || st.io.running) && (!which.sql || st.sql.running) {
            warnings.push((
                3083,
                "Replication thread(s) for channel '' are already runnning.".to_string(),
            ));
            return Ok(warnings);
        }
        if which.io && !st.io.running {
            let Some(connector) = connector else {
                return Err(err(1105, "this server cannot open connections to a source"));
            };
            reap(&mut st.io);
            st.io_error = LastError::default();
            st.io.running = true;
            st.io_connected = false;
            st.io.stop = Arc::new(AtomicBool::new(false));
            let stop = st.io.stop.clone();
            let inst2 = inst.clone();
            st.io.handle = Some(
                std::thread::Builder::new()
                    .name("replica-io".into())
                    .spawn(move || receiver(inst2, connector, stop))
                    .map_err(|e| err(1105, format!("cannot start the receiver: {e}")))?,
            );
        }
        if which.sql && !st.sql.running {
            reap(&mut st.sql);
            st.sql_error = LastError::default();
            st.sql.running = true;
            st.sql.stop = Arc::new(AtomicBool::new(false));
            let stop = st.sql.stop.clone();
            let inst2 = inst.clone();
            st.sql.handle = Some(
                std::thread::Builder::new()
                    .name("replica-sql".into())
                    .spawn(move || applier(inst2, stop))
                    .map_err(|e| err(1105, format!("cannot start the applier: {e}")))?,
            );
        }
        r.cv.notify_all();
        Ok(warnings)
    }

    /// STOP REPLICA [IO_THREAD] [SQL_THREAD]: waits for the threads to end (the applier
    /// finishes or rolls back the group in hand). Returns warnings.
    pub fn stop(inst: &Instance, which: Threads) -> SqlResult<Vec<(u16, String)>> {
        let r = &inst.replica;
        let mut handles = Vec::new();
        let mut warnings = Vec::new();
        {
            let mut st = r.lock(inst)?;
            if (!which.io || !st.io.running) && (!which.sql || !st.sql.running) {
                warnings.push((
                    3084,
                    "Replication thread(s) for channel '' are already stopped.".to_string(),
                ));
            }
            if which.io {
                st.io.stop.store(true, Ordering::SeqCst);
                handles.extend(st.io.handle.take());
            }
            if which.sql {
                st.sql.stop.store(true, Ordering::SeqCst);
                handles.extend(st.sql.handle.take());
            }
            r.cv.notify_all();
        }
        for h in handles {
            let _ = h.join();
        }
        let mut st = r.lock(inst)?;
        if !st.io.running && !st.sql.running {
            // Both stopped: the next start reads again from the applied position, as
            // stored (a backtrack or restore may have moved it).
            st.queue.clear();
            st.queue_bytes = 0;
            st.read = None;
            st.loaded = false;
        }
        Ok(warnings)
    }

    /// RESET REPLICA [ALL]: forgets the position (and with ALL the configuration).
    pub fn reset(inst: &Instance, all: bool) -> SqlResult<()> {
        let r = &inst.replica;
        let mut st = r.lock(inst)?;
        if st.io.running || st.sql.running {
            return Err(must_stop());
        }
        let cfg = if all { None } else { st.config.clone() };
        let pos = cfg.as_ref().map(|_| Position {
            file: String::new(),
            pos: 4,
        });
        if st.config.is_some() || pos.is_some() {
            save(inst, cfg.as_ref(), pos.as_ref())?;
        }
        st.config = cfg;
        st.exec = pos;
        st.read = None;
        st.queue.clear();
        st.queue_bytes = 0;
        st.io_error = LastError::default();
        st.sql_error = LastError::default();
        st.skip_counter = 0;
        publish_skip_counter(inst, 0);
        Ok(())
    }

    /// Sets the number of events the applier skips at its next start
    /// (`sql_replica_skip_counter`; the group where the count runs out is skipped whole).
    pub fn set_skip_counter(inst: &Instance, n: u64) -> SqlResult<()> {
        let mut st = inst.replica.lock(inst)?;
        if st.sql.running {
            return Err(err(
                3017,
                "This operation cannot be performed with a running replica sql thread; run STOP REPLICA SQL_THREAD first",
            ));
        }
        st.skip_counter = n;
        publish_skip_counter(inst, n);
        Ok(())
    }

    /// True when the applier stopped on an error.
    pub fn sql_error(inst: &Instance) -> SqlResult<Option<(u32, String)>> {
        let st = inst.replica.lock(inst)?;
        Ok((st.sql_error.code != 0).then(|| (st.sql_error.code, st.sql_error.message.clone())))
    }

    /// Whether both threads run.
    pub fn running(inst: &Instance) -> SqlResult<Threads> {
        let st = inst.replica.lock(inst)?;
        Ok(Threads {
            io: st.io.running,
            sql: st.sql.running,
        })
    }

    /// Stops both threads (server shutdown).
    pub fn shutdown(inst: &Instance) {
        let _ = Replica::stop(inst, Threads::BOTH);
    }

    /// SHOW REPLICA STATUS (`old_names`: SHOW SLAVE STATUS's column names): no row when
    /// no source is configured.
    pub fn status(inst: &Instance, old_names: bool) -> SqlResult<(Vec<String>, Vec<Vec<Value>>)> {
        let st = inst.replica.lock(inst)?;
        let cols: Vec<String> = STATUS_COLUMNS
            .iter()
            .map(|c| {
                if old_names {
                    old_name(c)
                } else {
                    c.to_string()
                }
            })
            .collect();
        let Some(cfg) = st.config.clone() else {
            return Ok((cols, Vec::new()));
        };
        let s = |v: &str| Value::Bytes(v.as_bytes().to_vec());
        let n = Value::UInt;
        let exec = st.exec.clone().unwrap_or_default();
        let read = st.read.clone().unwrap_or_else(|| exec.clone());
        let io_running = match (st.io.running, st.io_connected) {
            (false, _) => "No",
            (true, false) => "Connecting",
            (true, true) => "Yes",
        };
        let behind = if !(st.io.running && st.io_connected && st.sql.running) {
            Value::Null
        } else if st.group_ts == 0 && st.queue.is_empty() {
            n(0)
        } else {
            let ts = if st.group_ts != 0 {
                st.group_ts
            } else {
                st.queue
                    .front()
                    .and_then(|q| EventHeader::parse(&q.raw).ok())
                    .map_or(0, |h| h.timestamp)
            };
            let now = now_secs();
            n(u64::from(now.saturating_sub(ts)))
        };
        let io_state = if st.io.running { st.io_state } else { "" };
        let sql_state = if st.sql.running { st.sql_state } else { "" };
        let err_ts = |e: &LastError| s(&e.at);
        let last_err = if st.sql_error.code != 0 {
            &st.sql_error
        } else {
            &st.io_error
        };
        let row = vec![
            s(io_state),
            s(&cfg.host),
            s(&cfg.user),
            n(u64::from(cfg.port)),
            n(u64::from(cfg.connect_retry)),
            s(&read.file),
            n(read.pos),
            s(""),
            n(st.queue_bytes as u64),
            s(&exec.file),
            s(io_running),
            s(if st.sql.running { "Yes" } else { "No" }),
            s(""),
            s(""),
            s(""),
            s(""),
            s(""),
            s(""),
            n(u64::from(last_err.code)),
            s(&last_err.message),
            n(st.skip_counter),
            n(exec.pos),
            n(st.queue_bytes as u64),
            s("None"),
            s(""),
            n(0),
            s("No"),
            s(""),
            s(""),
            s(""),
            s(""),
            s(""),
            behind,
            s("No"),
            n(u64::from(st.io_error.code)),
            s(&st.io_error.message),
            n(u64::from(st.sql_error.code)),
            s(&st.sql_error.message),
            s(""),
            n(u64::from(st.source_server_id)),
            s(&st.source_uuid),
            s("mysql.slave_master_info"),
            n(0),
            Value::Null,
            s(sql_state),
            n(cfg.retry_count),
            s(""),
            err_ts(&st.io_error),
            err_ts(&st.sql_error),
            s(""),
            s(""),
            s(""),
            s(""),
            n(0),
            s(""),
            s(""),
            s(""),
            s(""),
            n(0),
            s(""),
        ];
        debug_assert_eq!(row.len(), cols.len());
        Ok((cols, vec![row]))
    }
}

/// MySQL 8.0's SHOW REPLICA STATUS columns, in order.
const STATUS_COLUMNS: &[&str] = &[
    "Replica_IO_State",
    "Source_Host",
    "Source_User",
    "Source_Port",
    "Connect_Retry",
    "Source_Log_File",
    "Read_Source_Log_Pos",
    "Relay_Log_File",
    "Relay_Log_Pos",
    "Relay_Source_Log_File",
    "Replica_IO_Running",
    "Replica_SQL_Running",
    "Replicate_Do_DB",
    "Replicate_Ignore_DB",
    "Replicate_Do_Table",
    "Replicate_Ignore_Table",
    "Replicate_Wild_Do_Table",
    "Replicate_Wild_Ignore_Table",
    "Last_Errno",
    "Last_Error",
    "Skip_Counter",
    "Exec_Source_Log_Pos",
    "Relay_Log_Space",
    "Until_Condition",
    "Until_Log_File",
    "Until_Log_Pos",
    "Source_SSL_Allowed",
    "Source_SSL_CA_File",
    "Source_SSL_CA_Path",
    "Source_SSL_Cert",
    "Source_SSL_Cipher",
    "Source_SSL_Key",
    "Seconds_Behind_Source",
    "Source_SSL_Verify_Server_Cert",
    "Last_IO_Errno",
    "Last_IO_Error",
    "Last_SQL_Errno",
    "Last_SQL_Error",
    "Replicate_Ignore_Server_Ids",
    "Source_Server_Id",
    "Source_UUID",
    "Source_Info_File",
    "SQL_Delay",
    "SQL_Remaining_Delay",
    "Replica_SQL_Running_State",
    "Source_Retry_Count",
    "Source_Bind",
    "Last_IO_Error_Timestamp",
    "Last_SQL_Error_Timestamp",
    "Source_SSL_Crl",
    "Source_SSL_Crlpath",
    "Retrieved_Gtid_Set",
    "Executed_Gtid_Set",
    "Auto_Position",
    "Replicate_Rewrite_DB",
    "Channel_Name",
    "Source_TLS_Version",
    "Source_public_key_path",
    "Get_Source_public_key",
    "Network_Namespace",
];

/// SHOW SLAVE STATUS's name of a SHOW REPLICA STATUS column.
fn old_name(c: &str) -> String {
    match c {
        "Source_public_key_path" => "Master_public_key_path".into(),
        "Get_Source_public_key" => "Get_master_public_key".into(),
        _ => c.replace("Replica", "Slave").replace("Source", "Master"),
    }
}

fn reap(w: &mut Worker) {
    if let Some(h) = w.handle.take() {
        let _ = h.join();
    }
}

impl Replica {
    fn set_io_error(&self, code: u32, message: String) {
        let mut st = self.st.lock().unwrap_or_else(|e| e.into_inner());
        tracing::warn!(code, %message, "replication receiver");
        st.io_error = LastError {
            code,
            message,
            at: now_text(),
        };
    }

    /// Waits up to `d` or until stopped; true when stopped.
    fn sleep(&self, stop: &AtomicBool, d: Duration) -> bool {
        let deadline = std::time::Instant::now() + d;
        let mut st = self.st.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if stop.load(Ordering::SeqCst) {
                return true;
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return false;
            }
            st = self
                .cv
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// The receiver thread.
fn receiver(inst: Arc<Instance>, connector: Connector, stop: Arc<AtomicBool>) {
    let r = &inst.replica;
    let mut attempts: u64 = 0;
    let info = inst.globals.info();
    'connect: while !stop.load(Ordering::SeqCst) {
        let (cfg, from) = {
            let mut st = r.st.lock().unwrap_or_else(|e| e.into_inner());
            st.io_connected = false;
            st.io_state = "Connecting to source";
            let Some(cfg) = st.config.clone() else { break };
            let from = st
                .read
                .clone()
                .or_else(|| st.exec.clone())
                .unwrap_or_default();
            (cfg, from)
        };
        attempts += 1;
        let req = ConnectRequest {
            config: cfg.clone(),
            from: from.clone(),
            server_id: info.server_id,
            report_port: info.port,
            stop: stop.clone(),
        };
        let mut link = match connector(&req) {
            Ok(l) => l,
            Err(e) if e.kind == LinkErrorKind::Stopped => break,
            Err(e) if e.kind == LinkErrorKind::Fatal => {
                r.set_io_error(e.code, e.message);
                break;
            }
            Err(e) => {
                r.set_io_error(
                    e.code,
                    format!(
                        "Error connecting to source '{}@{}:{}'. This was attempt {attempts}/{}, with a delay of {} seconds between attempts. Message: {}",
                        cfg.user, cfg.host, cfg.port, cfg.retry_count, cfg.connect_retry, e.message
                    ),
                );
                if attempts >= cfg.retry_count
                    || r.sleep(&stop, Duration::from_secs(u64::from(cfg.connect_retry)))
                {
                    break;
                }
                continue;
            }
        };
        attempts = 0;
        {
            let mut st = r.st.lock().unwrap_or_else(|e| e.into_inner());
            st.io_connected = true;
            st.io_state = "Waiting for source to send event";
            st.io_error = LastError::default();
            st.source_server_id = link.source_server_id();
            st.source_uuid = link.source_uuid();
            if st.read.is_none() {
                st.read = Some(from.clone());
            }
        }
        let mut checksum = link.checksum();
        loop {
            let raw = match link.next_event() {
                Ok(raw) => raw,
                Err(e) if e.kind == LinkErrorKind::Stopped => break 'connect,
                Err(e) if e.kind == LinkErrorKind::Fatal => {
                    r.set_io_error(
                        13114,
                        format!(
                            "Got fatal error {} from source when reading data from binary log: '{}'",
                            e.code, e.message
                        ),
                    );
                    break 'connect;
                }
                Err(e) => {
                    tracing::warn!(error = %e.message, "replication stream lost; reconnecting");
                    let mut st = r.st.lock().unwrap_or_else(|e| e.into_inner());
                    st.io_state = "Reconnecting after a failed source event read";
                    continue 'connect;
                }
            };
            let header = match check_event(&raw, &mut checksum) {
                Ok(h) => h,
                Err(message) => {
                    r.set_io_error(
                        13115,
                        format!("Replication event checksum verification failed while reading from network: {message}"),
                    );
                    break 'connect;
                }
            };
            let footer = if header.type_code == types::FORMAT_DESCRIPTION {
                4
            } else {
                checksum.footer_len()
            };
            let mut st = r.st.lock().unwrap_or_else(|e| e.into_inner());
            let read = st.read.get_or_insert_with(Position::default);
            match header.type_code {
                types::ROTATE => {
                    if let Ok(events::SourceEvent::Rotate { position, file }) =
                        events::decode(&raw, footer)
                    {
                        read.file = file;
                        read.pos = position;
                    }
                }
                types::HEARTBEAT | 41 => {
                    if header.log_pos != 0 {
                        read.pos = u64::from(header.log_pos);
                    }
                    continue;
                }
                _ if header.log_pos != 0 => read.pos = u64::from(header.log_pos),
                _ => {}
            }
            while st.queue_bytes > QUEUE_LIMIT && !stop.load(Ordering::SeqCst) {
                st =
                    r.cv.wait_timeout(st, Duration::from_millis(200))
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
            }
            st.queue_bytes += raw.len();
            st.queue.push_back(Queued { raw, footer });
            r.cv.notify_all();
        }
    }
    let mut st = r.st.lock().unwrap_or_else(|e| e.into_inner());
    st.io.running = false;
    st.io_connected = false;
    st.io_state = "";
    r.cv.notify_all();
}

/// Verifies one received event: its size, and its CRC32 under the stream's algorithm
/// (which a Format_description sets).
fn check_event(raw: &[u8], checksum: &mut Checksum) -> Result<EventHeader, String> {
    let h = EventHeader::parse(raw).map_err(|e| e.to_string())?;
    if h.type_code == types::FORMAT_DESCRIPTION {
        let fd = crate::binlog::parse_format_description(raw).map_err(|e| e.to_string())?;
        *checksum = fd.checksum;
        return Ok(h);
    }
    crate::binlog::verify_event(raw, *checksum).map_err(|e| e.to_string())
}

/// The applier thread.
/// Shows the applier's skip count as `@@global.sql_replica_skip_counter`.
fn publish_skip_counter(inst: &Instance, n: u64) {
    inst.globals
        .set_internal("sql_replica_skip_counter", super::vars::VarValue::UInt(n));
}

fn applier(inst: Arc<Instance>, stop: Arc<AtomicBool>) {
    let r = &inst.replica;
    let mut ap = match apply::Applier::new(&inst) {
        Ok(a) => a,
        Err(e) => {
            let mut st = r.st.lock().unwrap_or_else(|e| e.into_inner());
            st.sql_error = LastError {
                code: u32::from(e.code),
                message: e.message,
                at: now_text(),
            };
            st.sql.running = false;
            return;
        }
    };
    let mut group: Vec<Queued> = Vec::new();
    let mut tracker = apply::GroupTracker::default();
    loop {
        let ev = {
            let mut st = r.st.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if stop.load(Ordering::SeqCst) {
                    break None;
                }
                if let Some(q) = st.queue.pop_front() {
                    st.queue_bytes -= q.raw.len();
                    r.cv.notify_all();
                    break Some(q);
                }
                st.sql_state = "Replica has read all relay log; waiting for more updates";
                if group.is_empty() {
                    st.group_ts = 0;
                }
                st =
                    r.cv.wait_timeout(st, Duration::from_millis(500))
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
            }
        };
        let Some(ev) = ev else { break };
        let ends = match tracker.feed(&ev) {
            Ok(e) => e,
            Err(m) => {
                group.push(ev);
                fail(
                    &inst,
                    &mut group,
                    13121,
                    format!("Relay log read failure: Could not parse relay log event entry: {m}"),
                );
                return;
            }
        };
        if group.is_empty() && !ends.in_group && !ends.ends_group {
            // Outside a group: Format_description, Rotate, skipped events.
            match ap.apply_outside(&ev) {
                Ok(Some(pos)) => {
                    r.st.lock().unwrap_or_else(|e| e.into_inner()).exec = Some(pos);
                }
                Ok(None) => {}
                Err(e) => {
                    group.push(ev);
                    fail(&inst, &mut group, u32::from(e.code), e.message);
                    return;
                }
            }
            continue;
        }
        if group.is_empty() {
            let ts = EventHeader::parse(&ev.raw).map_or(0, |h| h.timestamp);
            let mut st = r.st.lock().unwrap_or_else(|e| e.into_inner());
            st.group_ts = ts.max(1);
            st.sql_state = "Applying event group";
        }
        group.push(ev);
        if !ends.ends_group {
            continue;
        }
        // `sql_replica_skip_counter` counts events, as MySQL's: a group is skipped whole
        // when the count runs out inside it.
        let skip = {
            let mut st = r.st.lock().unwrap_or_else(|e| e.into_inner());
            if st.skip_counter > 0 {
                st.skip_counter = st.skip_counter.saturating_sub(group.len() as u64);
                publish_skip_counter(&inst, st.skip_counter);
                true
            } else {
                false
            }
        };
        let mut tries = 0;
        let result = loop {
            match ap.apply_group(&group, skip) {
                Err(e) if (e.code == 1213 || e.code == 1205) && tries < TRANSACTION_RETRIES => {
                    ap.rollback();
                    tries += 1;
                    if r.sleep(&stop, Duration::from_millis(10 << tries.min(6))) {
                        break Err(e);
                    }
                }
                other => break other,
            }
        };
        match result {
            Ok(pos) => {
                let mut st = r.st.lock().unwrap_or_else(|e| e.into_inner());
                st.exec = Some(pos);
                st.group_ts = 0;
                group.clear();
            }
            Err(e) => {
                ap.rollback();
                if stop.load(Ordering::SeqCst) && (e.code == 1213 || e.code == 1205) {
                    break;
                }
                fail(&inst, &mut group, u32::from(e.code), e.message);
                return;
            }
        }
    }
    // Stopped: a partial group goes back to the front of the queue.
    ap.rollback();
    let mut st = r.st.lock().unwrap_or_else(|e| e.into_inner());
    requeue(&mut st, &mut group);
    st.sql.running = false;
    st.group_ts = 0;
    r.cv.notify_all();
}

fn requeue(st: &mut State, group: &mut Vec<Queued>) {
    for q in group.drain(..).rev() {
        st.queue_bytes += q.raw.len();
        st.queue.push_front(q);
    }
}

/// Stops the applier on an error: the group goes back in front of the queue.
fn fail(inst: &Instance, group: &mut Vec<Queued>, code: u32, message: String) {
    let r = &inst.replica;
    tracing::error!(code, %message, "replication applier stopped");
    let mut st = r.st.lock().unwrap_or_else(|e| e.into_inner());
    requeue(&mut st, group);
    st.sql_error = LastError {
        code,
        message,
        at: now_text(),
    };
    st.sql.running = false;
    st.group_ts = 0;
    r.cv.notify_all();
}
