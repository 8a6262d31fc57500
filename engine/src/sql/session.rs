//! Sessions: one per client connection. Parses each statement, runs it in the
//! right transaction (autocommit, explicit, or a DDL's own), and keeps the
//! session state MySQL clients rely on (current database, variables, user
//! variables, warnings, LAST_INSERT_ID, prepared statements).
//!
//! Life of a statement: [`Session::execute`] parses (front end, then
//! sqlparser), dispatches on the statement kind, opens an [`Exec`] over the
//! open transaction or a fresh snapshot, runs, and for writes outside an
//! explicit transaction commits through the engine's pipeline. A failing
//! statement inside a transaction rolls back to its statement savepoint, so
//! the transaction keeps every earlier statement (MySQL's statement atomicity).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use sha1::{Digest, Sha1};
use sqlparser::ast;

use super::binlog::{ClusterBinlog, LoggedStatement, RenderCtx};
use super::catalog::{self, privs, UserDef, CATALOG_TREE};
use super::checksum::{ChecksumColumn, TableChecksum};
use super::ddl::{self, ensure_catalog, show_create_table_with};
use super::error::{SqlError, SqlResult};
use super::exec::{
    load_catalog, Exec, OutColumn, Reader, RowIter, RowSet, RowSink, SessionEnv, SqlCluster,
};
use super::expr::{truth, EvalCx, Interrupt, Scope as ExprScope, ScopeCol};
use super::front::{
    self, IsolationLevel, OwnStatement, Parsed, SetTarget, SetValue as FrontSetValue, ShowFilter,
    ShowStatement, VarScope,
};
use super::point::PointGet;
use super::privilege::{GrantOn, Security};
use super::progddl::{show_create_event, show_create_routine, show_create_trigger, time_text};
use super::replica::Replica;
use super::vars::{self, Com, GlobalVars, Scope, SessionCounters, SessionVars, StatusCounters};
use crate::storage::{now_us, CommitInfo, Savepoint, Transaction, Volume};
use crate::value::{Collation, IntKind, SqlType, Value, Warning};

/// What a statement returns.
pub enum Output {
    Ok {
        affected: u64,
        last_insert_id: u64,
        info: String,
    },
    Rows(RowSet),
    /// A result set whose rows are produced as the client reads them (a top-level
    /// `SELECT * FROM t` of a COM_QUERY, see [`Exec::stream_table`]).
    Stream(Vec<OutColumn>, RowIter),
    /// A result set already sent, row by row as it was produced, to the sink the
    /// statement was given ([`Session::execute_into`]): this many rows.
    Streamed(u64),
}

/// A [`RowSink`] that counts what went through it (FOUND_ROWS()).
struct Counted<'a> {
    sink: &'a mut dyn RowSink,
    started: bool,
    rows: u64,
}

impl RowSink for Counted<'_> {
    fn columns(&mut self, columns: &[OutColumn]) -> SqlResult<()> {
        self.started = true;
        self.sink.columns(columns)
    }

    fn row(&mut self, row: Vec<Value>) -> SqlResult<()> {
        self.rows += 1;
        self.sink.row(row)
    }
}

impl Output {
    fn ok() -> Self {
        Output::Ok {
            affected: 0,
            last_insert_id: 0,
            info: String::new(),
        }
    }
    fn affected(n: u64) -> Self {
        Output::Ok {
            affected: n,
            last_insert_id: 0,
            info: String::new(),
        }
    }
}

/// A row of SHOW PROCESSLIST.
#[derive(Clone)]
pub struct ProcEntry {
    pub user: String,
    pub host: String,
    pub db: Option<String>,
    pub command: &'static str,
    pub since: Instant,
    /// The statement running (whole; rows show its first 100 characters).
    pub info: Option<Arc<str>>,
    /// The session's kill switch.
    pub interrupt: Interrupt,
    /// Closes the session's client connection (set by the server; KILL CONNECTION).
    pub disconnect: Option<Disconnect>,
}

/// SHOW PROCESSLIST's command of a connection streaming the binlog to a replica.
pub const BINLOG_DUMP: &str = "Binlog Dump";

/// Closes a client connection from another thread, telling the client why when there is a
/// reason (the server sends it as the answer to the client's next command).
pub type Disconnect = Arc<dyn Fn(Option<&SqlError>) + Send + Sync>;

/// Server-wide state: the cluster this instance serves, variables, counters.
pub struct Instance {
    pub volume: Arc<Volume>,
    pub sql: Arc<SqlCluster>,
    pub globals: Arc<GlobalVars>,
    pub status: Arc<StatusCounters>,
    next_conn: AtomicU32,
    pub procs: Mutex<BTreeMap<u32, ProcEntry>>,
    /// LOCK TABLES / FLUSH TABLES WITH READ LOCK.
    pub locks: super::locks::TableLocks,
    /// GET_LOCK and friends.
    pub user_locks: Arc<super::userlocks::UserLocks>,
    /// The cluster's binlog, when `log_bin` is on.
    pub binlog: Option<Arc<ClusterBinlog>>,
    /// The binlog's fsync in the log's group commit (removed at shutdown).
    sync_hook: Option<crate::storage::CheckpointHook>,
    /// Where this cluster was cloned from, when it is a clone.
    clone_origin: Mutex<Option<CloneOrigin>>,
    /// Replication from a source into this cluster ([`super::replica`]).
    pub replica: super::replica::Replica,
    /// caching_sha2_password's cache of successful logins: per account, the stored hash
    /// it was checked against and `SHA256(SHA256(password))` ([`super::sha2auth`]). An
    /// entry only counts while the account's stored hash is still the same, so a changed
    /// or dropped account (by any path: ALTER USER, replication, backtrack) needs a full
    /// authentication again.
    sha2_cache: Mutex<HashMap<(String, String), (Vec<u8>, [u8; 32])>>,
}

/// The source's binlog coordinate at a clone point: replication from the source started
/// there misses and repeats nothing (Aurora: "Binlog position from crash recovery is …").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloneOrigin {
    pub source: String,
    pub file: String,
    pub position: u64,
}

/// MySQL 8.0's SHOW CREATE USER text for `u` (the options Borealis does not keep are
/// shown with their defaults, as MySQL shows an account that never set them).
fn show_create_user(u: &catalog::UserDef) -> String {
    let q = |x: &str| x.replace('`', "``");
    let mut out = format!(
        "CREATE USER `{}`@`{}` IDENTIFIED WITH '{}'",
        q(&u.user),
        q(&u.host),
        u.plugin_name()
    );
    let hash = if u.plugin_name() == catalog::CACHING_SHA2_PASSWORD {
        String::from_utf8_lossy(&u.sha2_hash).into_owned()
    } else if u.auth_stage2.is_empty() {
        String::new()
    } else {
        let hex: String = u.auth_stage2.iter().map(|b| format!("{b:02X}")).collect();
        format!("*{hex}")
    };
    if !hash.is_empty() {
        out.push_str(&format!(
            " AS '{}'",
            hash.replace('\\', "\\\\").replace('\'', "\\'")
        ));
    }
    out.push_str(if u.require_ssl {
        " REQUIRE SSL"
    } else {
        " REQUIRE NONE"
    });
    out.push_str(
        " PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK PASSWORD HISTORY DEFAULT PASSWORD REUSE \
         INTERVAL DEFAULT PASSWORD REQUIRE CURRENT DEFAULT",
    );
    out
}

/// The credentials CREATE/ALTER USER gives an account from `spec`: plugin (empty for the
/// default, mysql_native_password), native stage-2 hash and caching_sha2 hash. `default` is
/// the plugin of an account that names none (`default_authentication_plugin` for CREATE,
/// the account's own for ALTER).
fn credentials(spec: &front::UserSpec, default: &str) -> SqlResult<(String, Vec<u8>, Vec<u8>)> {
    let plugin = spec
        .plugin
        .as_deref()
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| default.to_string());
    let password = spec.password.as_deref().unwrap_or("");
    match plugin.as_str() {
        catalog::NATIVE_PASSWORD => {
            let stage2 = if !spec.hashed {
                password_stage2(password)
            } else if password.is_empty() {
                Vec::new()
            } else {
                // `*` + 40 hex digits, as PASSWORD() and SHOW CREATE USER print it.
                let hex = password.strip_prefix('*').filter(|h| h.len() == 40);
                let bytes = hex.and_then(|h| {
                    (0..20)
                        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok())
                        .collect::<Option<Vec<u8>>>()
                });
                bytes.ok_or_else(|| {
                    SqlError::new(1827, "The password hash doesn't have the expected format.")
                })?
            };
            Ok((String::new(), stage2, Vec::new()))
        }
        catalog::CACHING_SHA2_PASSWORD => {
            let hash = if spec.hashed {
                let h = password.as_bytes().to_vec();
                if !super::sha2auth::is_valid_hash(&h) {
                    return Err(SqlError::new(
                        1827,
                        "The password hash doesn't have the expected format.",
                    ));
                }
                h
            } else {
                super::sha2auth::hash_password(password).ok_or_else(|| {
                    SqlError::new(
                        1819,
                        "Your password does not satisfy the current policy requirements",
                    )
                })?
            };
            Ok((plugin, Vec::new(), hash))
        }
        other => Err(SqlError::new(
            1524,
            format!("Plugin '{other}' is not loaded"),
        )),
    }
}

/// What `REQUIRE` sets: `Some(true)` for SSL, `Some(false)` for NONE, `None` when absent.
/// Certificate requirements need client certificates, which Borealis does not ask for.
fn require_ssl(r: Option<&front::Require>) -> SqlResult<Option<bool>> {
    match r {
        None => Ok(None),
        Some(front::Require::None) => Ok(Some(false)),
        Some(front::Require::Ssl) => Ok(Some(true)),
        Some(front::Require::Certificate(w)) => Err(SqlError::new(
            1235,
            format!(
                "This version of Borealis doesn't yet support 'REQUIRE {w}' (client certificates); use REQUIRE SSL"
            ),
        )),
    }
}

/// `SHA1(SHA1(password))`, what mysql_native_password stores.
pub fn password_stage2(password: &str) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let s1 = Sha1::digest(password.as_bytes());
    Sha1::digest(s1).to_vec()
}

impl Instance {
    /// Serves `cluster` of `volume`. On a cluster without users, creates the
    /// master user with every privilege.
    pub fn new(
        volume: Arc<Volume>,
        cluster: &str,
        info: vars::ServerInfo,
        master: Option<(&str, &str)>,
    ) -> SqlResult<Arc<Instance>> {
        Self::new_with(volume, cluster, info, master, &[])
    }

    /// [`Instance::new`] with startup values of global variables (`--var name=value`).
    /// With `log_bin` on, opens the cluster's binlog in `DATADIR/binlog/<cluster>/`
    /// (after the master user is created: that commit is not logged) and registers its
    /// fsync with the log's group commit.
    pub fn new_with(
        volume: Arc<Volume>,
        cluster: &str,
        mut info: vars::ServerInfo,
        master: Option<(&str, &str)>,
        startup: &[(String, String)],
    ) -> SqlResult<Arc<Instance>> {
        let c = volume
            .cluster(cluster)
            .ok_or_else(|| SqlError::new(1049, format!("Unknown cluster '{cluster}'")))?;
        let sql = Arc::new(SqlCluster::new(c.clone()));
        let binlog_dir = std::path::Path::new(&info.datadir)
            .join("binlog")
            .join(cluster);
        if info.log_bin {
            let base = binlog_dir.join("mysql-bin-changelog");
            info.log_bin_basename = base.display().to_string();
            info.log_bin_index = format!("{}.index", base.display());
        } else {
            info.log_bin_basename.clear();
            info.log_bin_index.clear();
        }
        let mut globals = GlobalVars::new(info);
        for (name, value) in startup {
            globals
                .set_startup(name, value)
                .map_err(|e| SqlError::new(1193, format!("--var {name}={value}: {e}")))?;
        }
        let mut inst = Instance {
            volume: volume.clone(),
            sql,
            globals: Arc::new(globals),
            status: Arc::new(StatusCounters::new()),
            next_conn: AtomicU32::new(1),
            procs: Mutex::new(BTreeMap::new()),
            locks: Default::default(),
            user_locks: Default::default(),
            binlog: None,
            sync_hook: None,
            clone_origin: Mutex::new(None),
            replica: Default::default(),
            sha2_cache: Mutex::default(),
        };
        if let Some((user, password)) = master {
            let mut tx = c.begin();
            ensure_catalog(&mut tx)?;
            let reader = Reader::Tx(&mut tx);
            let cat = load_catalog(&inst.sql, &reader)?;
            drop(reader);
            if cat.users.is_empty() {
                let u = UserDef {
                    user: user.into(),
                    host: "%".into(),
                    auth_stage2: password_stage2(password),
                    global: privs::ALL | privs::GRANT_OPTION,
                    ..Default::default()
                };
                tx.put(
                    CATALOG_TREE,
                    &catalog::user_key(user, "%"),
                    &catalog::encode_user(&u),
                )?;
                tx.put(
                    CATALOG_TREE,
                    &catalog::version_key(),
                    &(cat.version + 1).to_le_bytes(),
                )?;
                tx.add_statement(
                    "",
                    &format!("CREATE USER '{user}'@'%' IDENTIFIED BY <secret>"),
                );
                tx.commit(CommitInfo {
                    server_id: inst.globals.info().server_id,
                    ..Default::default()
                })?;
                tracing::info!(user, "created the master user");
            }
        }
        if inst.globals.info().log_bin {
            let g = &inst.globals;
            let text = |n: &str| g.get(n).map(|v| v.show_text()).unwrap_or_default();
            let num = |n: &str| text(n).parse::<u64>().unwrap_or(0);
            let opts = crate::binlog::BinlogOptions {
                checksum: crate::binlog::Checksum::from_name(&text("binlog_checksum"))
                    .unwrap_or_default(),
                max_size: num("max_binlog_size").max(4096),
                server_id: g.info().server_id,
                ..Default::default()
            };
            let bl = Arc::new(ClusterBinlog::open(&binlog_dir, &c, opts)?);
            bl.follow_globals(g);
            bl.purge_expired();
            let for_hook = bl.clone();
            let hook: crate::storage::CheckpointHook =
                Arc::new(move || for_hook.sync_for_checkpoint());
            volume.add_checkpoint_hook(hook.clone());
            inst.sync_hook = Some(hook);
            let for_rollback = bl.clone();
            c.set_rollback_hook(Some(Arc::new(move |coord| {
                for_rollback.roll_back_to(coord)
            })));
            inst.binlog = Some(bl);
        } else {
            let lost = c.take_recovered_binlog();
            if !lost.is_empty() {
                tracing::warn!(
                    commits = lost.len(),
                    "log_bin is off: binlog events of recovered commits are not checked against the binlog files"
                );
            }
        }
        Ok(Arc::new(inst))
    }

    /// Clean shutdown of what the instance owns beyond the volume: ends the binlog with a
    /// Stop event.
    pub fn shutdown(&self) {
        super::replica::Replica::shutdown(self);
        if let Some(hook) = &self.sync_hook {
            self.volume.remove_checkpoint_hook(hook);
            self.sql.cluster.set_rollback_hook(None);
        }
        if let Some(bl) = &self.binlog {
            if let Err(e) = bl.dir.close() {
                tracing::warn!(error = %e, "closing the binlog failed");
            }
        }
    }

    /// Closes the client connections `ids` (KILL CONNECTION for each), telling each client
    /// `reason`: the endpoint they came through, or their cluster, is being deleted or
    /// backtracked.
    pub fn disconnect(&self, ids: &[u32], reason: &SqlError) {
        let procs: Vec<ProcEntry> = {
            let procs = self.procs.lock().unwrap_or_else(|e| e.into_inner());
            ids.iter().filter_map(|id| procs.get(id).cloned()).collect()
        };
        for p in procs {
            p.interrupt.kill_connection();
            if let Some(d) = &p.disconnect {
                d(Some(reason));
            }
        }
    }

    /// Closes every client connection of the cluster (all of its endpoints); with
    /// `keep_replicas`, replicas streaming the binlog stay (a backtrack sends them its
    /// events; Aurora closes a backtracked cluster's connections the same way). Each client
    /// is told `reason` (error 1927 at its next command). Returns how many it closed.
    pub fn close_sessions(&self, keep_replicas: bool, reason: &SqlError) -> usize {
        let ids: Vec<u32> = self
            .procs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(_, p)| !keep_replicas || p.command != BINLOG_DUMP)
            .map(|(id, _)| *id)
            .collect();
        self.disconnect(&ids, reason);
        ids.len()
    }

    /// Records where this cluster was cloned from (status variables
    /// `Borealis_clone_source`, `Borealis_clone_source_binlog_file`, `…_position`).
    pub fn set_clone_origin(&self, origin: Option<CloneOrigin>) {
        *self.clone_origin.lock().unwrap_or_else(|e| e.into_inner()) = origin;
    }

    /// See [`Instance::set_clone_origin`].
    pub fn clone_origin(&self) -> Option<CloneOrigin> {
        self.clone_origin
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The stored password hash of `user` connecting from `host`, if the user exists.
    pub fn user_stage2(&self, user: &str, host: &str) -> SqlResult<Option<Vec<u8>>> {
        Ok(self.account(user, host)?.map(|u| u.auth_stage2))
    }

    /// The account `user` connecting from `host` matches, if any.
    pub fn account(&self, user: &str, host: &str) -> SqlResult<Option<catalog::UserDef>> {
        let snap = self.sql.cluster.snapshot();
        let cat = load_catalog(&self.sql, &Reader::Snap(snap))?;
        Ok(cat.find_user(user, host).cloned())
    }

    /// caching_sha2_password's fast path: whether `scramble` (made with `nonce`) proves
    /// the password of `account`, by the cache of successful logins.
    pub fn sha2_fast_check(
        &self,
        account: &catalog::UserDef,
        nonce: &[u8],
        scramble: &[u8],
    ) -> bool {
        let cache = self.sha2_cache.lock().unwrap_or_else(|e| e.into_inner());
        let key = (account.user.clone(), account.host.clone());
        cache.get(&key).is_some_and(|(hash, entry)| {
            *hash == account.sha2_hash && super::sha2auth::verify_scramble(entry, nonce, scramble)
        })
    }

    /// caching_sha2_password's full authentication: checks the cleartext `password`
    /// against the stored hash and, when it matches, caches it for the fast path.
    pub fn sha2_full_check(&self, account: &catalog::UserDef, password: &[u8]) -> bool {
        if !super::sha2auth::verify_password(&account.sha2_hash, password) {
            return false;
        }
        self.sha2_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                (account.user.clone(), account.host.clone()),
                (
                    account.sha2_hash.clone(),
                    super::sha2auth::cache_entry(password),
                ),
            );
        true
    }

    /// A new session for an authenticated user, with the next free connection id.
    pub fn session(
        self: &Arc<Self>,
        user: &str,
        host: &str,
        db: Option<&str>,
    ) -> SqlResult<Session> {
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        self.session_with_id(id, user, host, db)
    }

    /// A new session whose CONNECTION_ID() is `id`: the thread id the handshake announced,
    /// which the mysql client's Ctrl-C sends back as `KILL QUERY id`.
    pub fn session_with_id(
        self: &Arc<Self>,
        id: u32,
        user: &str,
        host: &str,
        db: Option<&str>,
    ) -> SqlResult<Session> {
        let interrupt = Interrupt::default();
        let mut s = Session {
            inst: self.clone(),
            conn_id: id,
            user: user.into(),
            host: host.into(),
            db: None,
            vars: SessionVars::new(&self.globals, id),
            user_vars: HashMap::new(),
            txn: None,
            explicit: false,
            txn_read_only: None,
            next_txn_read_only: None,
            txn_level: IsolationLevel::RepeatableRead,
            next_txn_isolation: None,
            savepoints: Vec::new(),
            prepared: HashMap::new(),
            named: HashMap::new(),
            next_stmt: 1,
            warnings: Vec::new(),
            row_count: -1,
            found_rows: 0,
            streamed_rows: None,
            may_stream: false,
            deadline: None,
            point: None,
            counters: SessionCounters::default(),
            text: Arc::from(""),
            locked: None,
            global_read: false,
            interrupt: interrupt.clone(),
            rand: Arc::new(std::sync::atomic::AtomicU64::new(
                connection_rand(id).pack(),
            )),
            txn_ddl: false,
            binlog_reader_client: false,
            tls: None,
            read_only: false,
            endpoint_port: None,
            endpoint_name: None,
            stmt_log: Some(Vec::new()),
            sec: None,
            account_host: None,
            replica: Default::default(),
        };
        self.status.connected();
        self.procs.lock().unwrap_or_else(|e| e.into_inner()).insert(
            id,
            ProcEntry {
                user: user.into(),
                host: host.into(),
                db: None,
                command: "Sleep",
                since: Instant::now(),
                info: None,
                interrupt,
                disconnect: None,
            },
        );
        if let Some(d) = db.filter(|d| !d.is_empty()) {
            s.use_db(d)?;
        }
        Ok(s)
    }

    /// A session for the server's own work (the replication applier): every privilege,
    /// shown in the process list as `system user`.
    pub fn system_session(self: &Arc<Self>) -> SqlResult<Session> {
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        let mut s = self.session_with_id(id, "system user", "", None)?;
        s.replica.system = true;
        Ok(s)
    }

    /// The COM_STATISTICS line.
    pub fn statistics_line(&self) -> String {
        self.status.statistics_line()
    }
}

struct Prepared {
    sql: String,
    parsed: Arc<Parsed>,
    /// Byte offsets of its `?` placeholders in `sql`.
    marks: Vec<usize>,
    /// The current database at prepare time: as in MariaDB, the statement runs in it
    /// (its unqualified names resolve there, and `DATABASE()` returns it) wherever the
    /// session has moved since.
    db: Option<String>,
    /// The statement is a point read by primary key, planned at prepare time.
    point: Option<Arc<PointGet>>,
}

/// One client connection's state.
pub struct Session {
    inst: Arc<Instance>,
    pub conn_id: u32,
    pub user: String,
    pub host: String,
    pub db: Option<String>,
    pub vars: SessionVars,
    user_vars: HashMap<String, Value>,
    txn: Option<Transaction>,
    /// True after BEGIN/START TRANSACTION (or with autocommit=0).
    explicit: bool,
    /// The open transaction's access mode when it was given for it (START TRANSACTION
    /// READ ONLY|READ WRITE, or SET TRANSACTION before it); else `transaction_read_only`.
    txn_read_only: Option<bool>,
    /// SET TRANSACTION READ ONLY|READ WRITE without SESSION/GLOBAL: for the next
    /// transaction only.
    next_txn_read_only: Option<bool>,
    /// The open transaction's isolation level (fixed when it began).
    txn_level: IsolationLevel,
    /// SET TRANSACTION ISOLATION LEVEL without SESSION/GLOBAL: for the next transaction
    /// only.
    next_txn_isolation: Option<IsolationLevel>,
    savepoints: Vec<(String, Savepoint)>,
    prepared: HashMap<u32, Prepared>,
    /// SQL-level prepared statements (PREPARE name FROM ...) by name.
    named: HashMap<String, u32>,
    next_stmt: u32,
    pub warnings: Vec<Warning>,
    row_count: i64,
    found_rows: u64,
    /// Rows sent so far of the last statement's streamed result ([`Output::Stream`]);
    /// `found_rows` once the next statement starts.
    streamed_rows: Option<Arc<AtomicU64>>,
    /// The statement about to run is a COM_QUERY's SELECT: it may stream its result
    /// ([`Output::Stream`]); taken by the first dispatch of a query.
    may_stream: bool,
    /// When the running SELECT must stop (`max_execution_time`, 3024).
    deadline: Option<Instant>,
    /// The prepared statement about to run is a planned point read, and its parameter
    /// ([`Session::execute_prepared`]); taken by the first dispatch of a query.
    point: Option<(Arc<PointGet>, Value)>,
    pub counters: SessionCounters,
    /// Text of the statement being run.
    text: Arc<str>,
    /// Tables held with LOCK TABLES (`true`: WRITE), while in effect.
    locked: Option<HashMap<(String, String), bool>>,
    /// This session holds FLUSH TABLES WITH READ LOCK.
    global_read: bool,
    /// Set by KILL from another session.
    interrupt: Interrupt,
    /// RAND()'s generator ([`super::functions::MyRnd`] packed), seeded per connection as
    /// MySQL does; statements' evaluation contexts share it.
    rand: Arc<std::sync::atomic::AtomicU64>,
    /// The open transaction is one DDL statement's own (binlogged as its text).
    txn_ddl: bool,
    /// The client is mariadb-binlog (connection attribute `program_name=mysqlbinlog`).
    binlog_reader_client: bool,
    /// TLS version and cipher of the connection (`Ssl_version`, `Ssl_cipher`).
    tls: Option<(String, String)>,
    /// Connected to a reader instance: every write fails with 1290 (`--read-only`), and
    /// `@@read_only` / `@@global.read_only` show 1 (as on an Aurora reader).
    read_only: bool,
    /// The port of the listener (instance) the connection came through: `@@port`, which
    /// differs between instances serving one cluster.
    endpoint_port: Option<u16>,
    /// The identifier of that instance: `@@aurora_server_id`, as Aurora names the instance
    /// a connection landed on (through a reader endpoint, one of several).
    endpoint_name: Option<Arc<str>>,
    /// `binlog_format` MIXED/STATEMENT: the open transaction's DML as statements to log;
    /// `None` once one of them must be logged as rows (then the whole transaction is).
    stmt_log: Option<Vec<LoggedStatement>>,
    /// The privileges the current statement runs with (the user's, from the current
    /// catalog); computed once per statement.
    sec: Option<Security>,
    /// The host part of the account the connection logged in as (`%` for `'u'@'%'`):
    /// CURRENT_USER() and a default DEFINER name it. Found at first use.
    account_host: Option<String>,
    /// The replication applier's hooks into commits ([`super::replica`]).
    replica: super::replica::SessionHooks,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.inst
            .procs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.conn_id);
        self.inst.locks.release(self.conn_id);
        self.inst.user_locks.release_all(self.conn_id);
        self.inst.status.disconnected();
    }
}

/// The session pieces an [`Exec`] borrows (everything but the transaction).
struct Env<'a> {
    inst: &'a Instance,
    vars: &'a mut SessionVars,
    user_vars: &'a mut HashMap<String, Value>,
    db: Option<String>,
    user: &'a str,
    host: &'a str,
    /// Host part of the account logged in as.
    account_host: String,
    conn_id: u32,
    row_count: i64,
    found_rows: u64,
    last_insert: Option<u64>,
    binlog_reader_client: bool,
    /// AUTO_INCREMENT values the statement generated, and whether a row gave its own.
    auto_ids: Vec<u64>,
    explicit_auto: bool,
    /// The session's instance ([`endpoint_var`]).
    endpoint: EndpointView<'a>,
    /// The session's status counters and TLS parameters (performance_schema's status
    /// tables).
    counters: &'a vars::SessionCounters,
    tls: Option<&'a (String, String)>,
}

/// The instance a session connected through, as its variables show it ([`endpoint_var`]).
#[derive(Clone, Copy)]
struct EndpointView<'a> {
    /// The instance's port, if known.
    port: Option<u16>,
    /// The session is on a reader.
    read_only: bool,
    /// The instance's identifier, if known.
    name: Option<&'a str>,
}

/// The value of `name` as a session's instance shows it, where that differs from the
/// cluster's globals: `port` (the instance's listener), `read_only` and `innodb_read_only`
/// on a reader, and `aurora_server_id` (the instance's identifier, as on Aurora).
fn endpoint_var(name: &str, endpoint: EndpointView<'_>) -> Option<vars::VarValue> {
    if name.eq_ignore_ascii_case("port") {
        return endpoint.port.map(|p| vars::VarValue::UInt(u64::from(p)));
    }
    if (name.eq_ignore_ascii_case("read_only") || name.eq_ignore_ascii_case("innodb_read_only"))
        && endpoint.read_only
    {
        return Some(vars::VarValue::Bool(true));
    }
    if name.eq_ignore_ascii_case("aurora_server_id") {
        return endpoint.name.map(|n| vars::VarValue::Str(n.to_string()));
    }
    None
}

/// The status variables that are not counters of [`StatusCounters`]: the page cache, write
/// conflicts, the connection's TLS parameters (empty for a plain connection and in the
/// GLOBAL view, as MySQL shows them) and where a clone came from.
fn status_extra(
    inst: &Instance,
    tls: Option<&(String, String)>,
    global: bool,
) -> Vec<(String, String)> {
    let cs = inst.volume.cache_stats();
    let mut extra = vec![
        ("Borealis_page_cache_hits".to_string(), cs.hits.to_string()),
        (
            "Borealis_page_cache_misses".to_string(),
            cs.misses.to_string(),
        ),
        (
            "Borealis_page_cache_bytes".to_string(),
            cs.bytes.to_string(),
        ),
        (
            "Borealis_write_conflicts".to_string(),
            inst.conflicts().to_string(),
        ),
    ];
    let (version, cipher) = match tls {
        Some((v, c)) if !global => (v.clone(), c.clone()),
        _ => Default::default(),
    };
    extra.push(("Ssl_cipher".to_string(), cipher));
    extra.push(("Ssl_version".to_string(), version));
    if let Some(o) = inst.clone_origin() {
        extra.push(("Borealis_clone_source".to_string(), o.source));
        extra.push(("Borealis_clone_source_binlog_file".to_string(), o.file));
        extra.push((
            "Borealis_clone_source_binlog_position".to_string(),
            o.position.to_string(),
        ));
    }
    extra
}

/// SHOW CREATE VIEW's statement, which re-creates the view (and loads into MySQL/MariaDB).
pub fn show_create_view(v: &catalog::ViewDef) -> String {
    let cols = if v.columns.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            v.columns
                .iter()
                .map(|c| format!("`{}`", c.replace('`', "``")))
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    // As MySQL prints it: tables of the view's own database unqualified, so the
    // statement re-creates the view in whatever database a dump is loaded into.
    let query =
        match sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::MySqlDialect {}, &v.query)
            .ok()
            .and_then(|mut s| s.pop())
        {
            Some(mut st) => {
                let _ = ast::visit_relations_mut(&mut st, |r: &mut ast::ObjectName| {
                    if r.0.len() == 2 && r.0[0].as_ident().is_some_and(|i| i.value == v.db) {
                        r.0.remove(0);
                    }
                    std::ops::ControlFlow::<()>::Continue(())
                });
                st.to_string()
            }
            None => v.query.clone(),
        };
    format!(
        "CREATE ALGORITHM={} DEFINER={} SQL SECURITY {} VIEW `{}`{cols} AS {query}",
        v.algorithm,
        v.definer,
        v.security,
        v.name.replace('`', "``"),
    )
}

/// The first `n` characters of `text`.
fn first_chars(text: &str, n: usize) -> &str {
    text.char_indices()
        .nth(n)
        .map_or(text, |(at, _)| &text[..at])
}

/// SHOW PROCESSLIST / information_schema.PROCESSLIST rows; the asking session shows `own_info`.
fn processlist_rows(
    inst: &Instance,
    own_id: u32,
    own_info: &str,
    sec: &Security,
) -> Vec<Vec<Value>> {
    let s = |v: &str| Value::Bytes(v.as_bytes().to_vec());
    let procs = inst.procs.lock().unwrap_or_else(|e| e.into_inner());
    procs
        .iter()
        .filter(|(id, p)| **id == own_id || sec.sees_thread(&p.user))
        .map(|(id, p)| {
            let own = *id == own_id;
            vec![
                Value::UInt(u64::from(*id)),
                s(&p.user),
                s(&p.host),
                p.db.as_deref().map(s).unwrap_or(Value::Null),
                s(if own { "Query" } else { p.command }),
                Value::UInt(p.since.elapsed().as_secs()),
                s(""),
                if own {
                    s(first_chars(own_info, 100))
                } else {
                    p.info
                        .as_deref()
                        .map(|i| s(first_chars(i, 100)))
                        .unwrap_or(Value::Null)
                },
            ]
        })
        .collect()
}

impl SessionEnv for Env<'_> {
    fn note_autoinc(&mut self, generated: Option<u64>) {
        match generated {
            Some(id) => self.auto_ids.push(id),
            None => self.explicit_auto = true,
        }
    }

    fn definer(&self) -> String {
        format!("`{}`@`{}`", self.user, self.account_host)
    }

    fn variables(&self, global: bool) -> Vec<(String, String)> {
        self.vars
            .show_variables(None, global, &self.inst.globals)
            .into_iter()
            .map(|(n, v)| {
                let v = endpoint_var(&n, self.endpoint).map_or(v, |e| e.show_text());
                (n, v)
            })
            .collect()
    }

    fn status(&self, global: bool) -> Vec<(String, String)> {
        let extra = status_extra(self.inst, self.tls, global);
        self.inst
            .status
            .show_status(None, global, self.counters, &extra)
    }

    fn processlist(&self, sec: &Security) -> Vec<Vec<Value>> {
        let own = self
            .inst
            .procs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&self.conn_id)
            .and_then(|p| p.info.clone())
            .unwrap_or_else(|| Arc::from(""));
        processlist_rows(self.inst, self.conn_id, &own, sec)
    }

    fn system_var(&mut self, name: &str, scope: Option<&str>) -> SqlResult<Value> {
        let scope = match scope.map(|s| s.to_ascii_lowercase()) {
            Some(s) if s == "global" => Scope::Global,
            Some(s) if s == "session" || s == "local" => Scope::Session,
            _ => Scope::Default,
        };
        match self.vars.get(name, scope, &self.inst.globals) {
            Ok(v) => Ok(endpoint_var(name, self.endpoint).unwrap_or(v).to_value()),
            Err(e) => Err(SqlError::new(e.code(), e.message())),
        }
    }
    fn user_var(&mut self, name: &str) -> Value {
        self.user_vars
            .get(&name.to_ascii_lowercase())
            .cloned()
            .unwrap_or(Value::Null)
    }
    fn session_fn(&mut self, name: &str, args: &[Value]) -> Option<SqlResult<Value>> {
        let s = |v: &str| Value::Bytes(v.as_bytes().to_vec());
        Some(Ok(match name {
            "DATABASE" | "SCHEMA" if args.is_empty() => {
                self.db.as_deref().map(s).unwrap_or(Value::Null)
            }
            "USER" | "SESSION_USER" | "SYSTEM_USER" if args.is_empty() => {
                s(&format!("{}@{}", self.user, self.host))
            }
            "CURRENT_USER" if args.is_empty() => s(&format!("{}@{}", self.user, self.account_host)),
            // mariadb-binlog --read-from-remote-server accepts only servers whose version
            // starts with 5 or 10; MariaDB's "5.5.5-" prefix convention lets it read ours.
            "VERSION" if args.is_empty() && self.binlog_reader_client => {
                s(&format!("5.5.5-{}", self.inst.globals.info().version))
            }
            "VERSION" if args.is_empty() => s(&self.inst.globals.info().version),
            "CONNECTION_ID" if args.is_empty() => Value::UInt(u64::from(self.conn_id)),
            "LAST_INSERT_ID" if args.is_empty() => Value::UInt(self.vars.last_insert_id()),
            "LAST_INSERT_ID" if args.len() == 1 => {
                let v = match &args[0] {
                    Value::Int(i) => *i as u64,
                    Value::UInt(u) => *u,
                    other => other.to_f64().unwrap_or(0.0) as u64,
                };
                self.vars.set_last_insert_id(v);
                Value::UInt(v)
            }
            "ROW_COUNT" if args.is_empty() => Value::Int(self.row_count),
            "FOUND_ROWS" if args.is_empty() => Value::UInt(self.found_rows),
            "BINLOG_GTID_POS" => {
                let Some(bl) = &self.inst.binlog else {
                    return Some(Err(SqlError::new(1381, "You are not using binary logging")));
                };
                match args {
                    [file, pos] => {
                        let file = String::from_utf8_lossy(&file.to_text().unwrap_or_default())
                            .into_owned();
                        let pos = pos
                            .to_text()
                            .and_then(|t| String::from_utf8_lossy(&t).trim().parse::<u64>().ok());
                        match pos {
                            Some(p) => bl.gtid_pos(&file, p),
                            None => Value::Null,
                        }
                    }
                    _ => {
                        return Some(Err(SqlError::new(
                            1582,
                            "Incorrect parameter count in the call to native function 'BINLOG_GTID_POS'",
                        )))
                    }
                }
            }
            _ => return None,
        }))
    }
    fn literal_collation(&self) -> Collation {
        self.vars.collation_connection()
    }
    fn current_db(&self) -> Option<String> {
        self.db.clone()
    }
    fn strict(&self) -> bool {
        self.vars.sql_mode().strict()
    }
    fn set_last_insert_id(&mut self, id: u64) {
        self.vars.set_last_insert_id(id);
        self.last_insert = Some(id);
    }
    fn set_user_var(&mut self, name: &str, v: Value) {
        self.user_vars.insert(name.to_ascii_lowercase(), v);
    }
}

fn text_col(name: &str) -> OutColumn {
    OutColumn {
        name: name.into(),
        org_name: name.into(),
        ty: Some(SqlType::VarChar {
            len: 64,
            collation: Collation::Utf8mb3GeneralCi,
        }),
        nullable: true,
        ..Default::default()
    }
}

fn int_col(name: &str) -> OutColumn {
    OutColumn {
        name: name.into(),
        org_name: name.into(),
        ty: Some(SqlType::Int {
            kind: IntKind::Big,
            unsigned: true,
            width: Some(21),
        }),
        nullable: true,
        ..Default::default()
    }
}

fn replica_threads(t: &front::ReplicaThreads) -> super::replica::Threads {
    super::replica::Threads {
        io: t.io,
        sql: t.sql,
    }
}

fn s(v: &str) -> Value {
    Value::Bytes(v.as_bytes().to_vec())
}

fn rows(cols: &[&str], data: Vec<Vec<Value>>) -> Output {
    Output::Rows(RowSet {
        columns: cols.iter().map(|c| text_col(c)).collect(),
        rows: data,
    })
}

/// The LIKE pattern of a SHOW; a WHERE is applied to the rows afterwards
/// ([`Session::show`]).
fn like_filter(f: &Option<ShowFilter>) -> SqlResult<Option<String>> {
    match f {
        Some(ShowFilter::Like(p)) => Ok(Some(p.clone())),
        None | Some(ShowFilter::Where(_)) => Ok(None),
    }
}

/// The `WHERE` of a SHOW that has one.
fn show_where(sh: &ShowStatement) -> Option<&ast::Expr> {
    let filter = match sh {
        ShowStatement::Variables { filter, .. }
        | ShowStatement::Status { filter, .. }
        | ShowStatement::Databases { filter }
        | ShowStatement::Tables { filter, .. }
        | ShowStatement::Columns { filter, .. }
        | ShowStatement::Index { filter, .. }
        | ShowStatement::TableStatus { filter, .. }
        | ShowStatement::CharacterSet { filter }
        | ShowStatement::Collation { filter }
        | ShowStatement::Events { filter, .. }
        | ShowStatement::RoutineStatus { filter, .. }
        | ShowStatement::Triggers { filter, .. } => filter,
        _ => return None,
    };
    match filter {
        Some(ShowFilter::Where(e)) => Some(e),
        _ => None,
    }
}

fn like_ok(pattern: &Option<String>, name: &str) -> bool {
    pattern.as_ref().is_none_or(|p| vars::like_match(p, name))
}

fn com_of(p: &Parsed) -> Option<Com> {
    match p {
        Parsed::Sql(st) => match st.as_ref() {
            ast::Statement::Query(_) => Some(Com::Select),
            ast::Statement::Insert(i) if i.replace_into => Some(Com::Replace),
            ast::Statement::Insert(_) => Some(Com::Insert),
            ast::Statement::Update(_) => Some(Com::Update),
            ast::Statement::Delete(_) => Some(Com::Delete),
            _ => None,
        },
        Parsed::Own(o) => match o {
            OwnStatement::Begin | OwnStatement::StartTransaction { .. } => Some(Com::Begin),
            OwnStatement::Commit { .. } => Some(Com::Commit),
            OwnStatement::Rollback { .. } => Some(Com::Rollback),
            OwnStatement::Set(_) | OwnStatement::SetNames { .. } => Some(Com::SetOption),
            _ => None,
        },
    }
}

/// How a statement uses transactions.
enum Kind {
    Read,
    Write,
    Ddl,
}

impl Session {
    pub fn instance(&self) -> &Arc<Instance> {
        &self.inst
    }

    /// Whether a transaction is open (for the OK packet status flags).
    pub fn in_transaction(&self) -> bool {
        self.txn.is_some() && self.explicit
    }

    pub fn autocommit(&self) -> bool {
        self.vars.autocommit()
    }

    /// The host of the account this connection logged in as ([`Session::account_host`]).
    fn account_host(&mut self) -> String {
        if let Some(h) = &self.account_host {
            return h.clone();
        }
        let h = self
            .catalog()
            .ok()
            .and_then(|c| c.find_user(&self.user, &self.host).map(|d| d.host.clone()))
            .unwrap_or_else(|| "%".into());
        self.account_host = Some(h.clone());
        h
    }

    fn env(&mut self) -> (Env<'_>, Option<&mut Transaction>) {
        let account_host = self.account_host();
        let env = Env {
            account_host,
            inst: &self.inst,
            vars: &mut self.vars,
            user_vars: &mut self.user_vars,
            db: self.db.clone(),
            user: &self.user,
            host: &self.host,
            conn_id: self.conn_id,
            row_count: self.row_count,
            found_rows: self.found_rows,
            last_insert: None,
            binlog_reader_client: self.binlog_reader_client,
            auto_ids: Vec::new(),
            explicit_auto: false,
            endpoint: EndpointView {
                port: self.endpoint_port,
                read_only: self.read_only,
                name: self.endpoint_name.as_deref(),
            },
            counters: &self.counters,
            tls: self.tls.as_ref(),
        };
        (env, self.txn.as_mut())
    }

    /// Whether the account holds SUPER (it may take the connection kept beyond
    /// `max_connections`, as in MySQL).
    pub fn has_super(&mut self) -> bool {
        let Ok(cat) = self.catalog() else {
            return false;
        };
        cat.find_user(&self.user, &self.host)
            .is_some_and(|u| u.allows(privs::SUPER, None, None))
    }

    fn eval_cx(&self) -> EvalCx {
        let now = match self.vars.timestamp_override() {
            Some(t) => (t * 1e6) as i64,
            None => now_us() as i64,
        };
        let mut cx = EvalCx::new(now, self.vars.time_zone());
        cx.interrupt = self.interrupt.clone();
        cx.rand = self.rand.clone();
        cx.max_allowed_packet = self.vars.max_allowed_packet();
        cx.mem = crate::sql::memory::MemCharge::new(self.inst.globals.clone());
        cx.sort = crate::sql::spill::SortEnv {
            buffer: self.vars.sort_buffer_size(),
            tmpdir: std::path::PathBuf::from(&self.inst.globals.info().tmpdir),
            passes: vec![
                self.counters.sort_merge_passes.clone(),
                self.inst.status.sort_merge_passes.clone(),
            ],
        };
        cx.deadline = self.deadline;
        cx.conn_id = self.conn_id;
        cx.server_id = self.inst.globals.info().server_id;
        cx.user_locks = Some(self.inst.user_locks.clone());
        cx
    }

    /// KILL [QUERY] id. Killing another user's session needs SUPER (1095 otherwise, as in
    /// MySQL). The target notices at its next row or SLEEP slice (1317); KILL CONNECTION also
    /// closes its socket, so an idle client finds the connection gone.
    fn kill(&mut self, id: u64, query_only: bool) -> SqlResult<()> {
        let unknown = || SqlError::new(1094, format!("Unknown thread id: {id}"));
        let id = u32::try_from(id).map_err(|_| unknown())?;
        let target_user = {
            let procs = self.inst.procs.lock().unwrap_or_else(|e| e.into_inner());
            procs.get(&id).ok_or_else(unknown)?.user.clone()
        };
        if target_user != self.user {
            let cat = self.catalog()?;
            let allowed = cat
                .find_user(&self.user, &self.host)
                .is_some_and(|u| u.allows(privs::SUPER, None, None));
            if !allowed {
                return Err(SqlError::new(
                    1095,
                    format!("You are not owner of thread {id}"),
                ));
            }
        }
        let procs = self.inst.procs.lock().unwrap_or_else(|e| e.into_inner());
        let p = procs.get(&id).ok_or_else(unknown)?;
        if query_only {
            p.interrupt.kill_query();
        } else {
            p.interrupt.kill_connection();
            if let Some(close) = &p.disconnect {
                // No message, as in MariaDB: the client sees the connection end.
                close(None);
            }
        }
        tracing::info!(by = self.conn_id, target = id, query_only, "KILL");
        Ok(())
    }

    /// A new engine transaction whose row lock waits end at innodb_lock_wait_timeout (1205)
    /// or at KILL (1317), at the isolation level SET TRANSACTION gave the next transaction,
    /// else `transaction_isolation`'s. READ UNCOMMITTED runs as READ COMMITTED: another
    /// transaction's uncommitted rows live in its own write buffer, never in the tree.
    fn begin_txn(&mut self) -> Transaction {
        let mut t = self.inst.sql.cluster.begin();
        self.txn_level = self.txn_isolation();
        self.next_txn_isolation = None;
        t.set_read_committed(matches!(
            self.txn_level,
            IsolationLevel::ReadCommitted | IsolationLevel::ReadUncommitted
        ));
        t.set_lock_timeout(self.vars.lock_wait_timeout());
        let kill = self.interrupt.clone();
        t.set_abort_check(Arc::new(move || kill.is_set()));
        t
    }

    /// The isolation level of the open transaction, or of the next one when none is open.
    fn txn_isolation(&self) -> IsolationLevel {
        match &self.txn {
            Some(_) => self.txn_level,
            None => self
                .next_txn_isolation
                .unwrap_or_else(|| self.vars.transaction_isolation()),
        }
    }

    /// `read_only` refuses writes to accounts without SUPER (or CONNECTION_ADMIN, which
    /// Borealis folds into SUPER); `super_read_only` refuses them to everyone. The
    /// replication applier writes on, as MySQL's replica threads do.
    fn check_global_read_only(&mut self) -> SqlResult<()> {
        if self.replica.system {
            return Ok(());
        }
        let on = |n: &str| self.inst.globals.get(n).is_ok_and(|v| v.as_bool());
        let option = if on("super_read_only") {
            "--super-read-only"
        } else if on("read_only") && !self.has_super() {
            "--read-only"
        } else {
            return Ok(());
        };
        Err(SqlError::new(
            1290,
            format!(
                "The MySQL server is running with the {option} option so it cannot execute this statement"
            ),
        ))
    }

    /// Makes this a session of a reader instance: writes fail with 1290, as on a MySQL
    /// server started with `--read-only`.
    pub fn set_read_only(&mut self, on: bool) {
        self.read_only = on;
    }

    /// The port of the instance this session connected through (`@@port`).
    pub fn set_endpoint_port(&mut self, port: u16) {
        self.endpoint_port = Some(port);
    }

    /// The identifier of the instance this session connected through
    /// (`@@aurora_server_id`).
    pub fn set_endpoint_name(&mut self, name: &str) {
        self.endpoint_name = Some(Arc::from(name));
    }

    fn endpoint_view(&self) -> EndpointView<'_> {
        EndpointView {
            port: self.endpoint_port,
            read_only: self.read_only,
            name: self.endpoint_name.as_deref(),
        }
    }

    /// Changes this session's SHOW PROCESSLIST entry.
    fn update_proc(&self, f: impl FnOnce(&mut ProcEntry)) {
        if let Some(p) = self
            .inst
            .procs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&self.conn_id)
        {
            f(p);
        }
    }

    /// Lets KILL CONNECTION close this session's client connection.
    pub fn set_disconnect(&mut self, f: Disconnect) {
        self.update_proc(|p| {
            p.disconnect = Some(f);
        });
    }

    /// The catalog a statement would see now: the open transaction's, else the newest
    /// (shared, decoded once per catalog version).
    fn catalog(&mut self) -> SqlResult<Arc<catalog::Catalog>> {
        let sql = self.inst.sql.clone();
        let reader = match self.txn.as_mut() {
            Some(t) => Reader::Tx(t),
            None => Reader::Snap(sql.cluster.snapshot()),
        };
        load_catalog(&sql, &reader)
    }

    /// The user's privileges for the current statement (from the current catalog, also
    /// for an AS OF read); 1045 when the account was dropped.
    fn security(&mut self) -> SqlResult<Security> {
        if let Some(s) = &self.sec {
            return Ok(s.clone());
        }
        if self.replica.system {
            return Ok(Security::unrestricted());
        }
        let cat = self.catalog()?;
        let s = Security::session(cat, &self.user, &self.host)?;
        self.sec = Some(s.clone());
        Ok(s)
    }

    /// The catalog less what the user has no privilege on (SHOW lists from it).
    fn visible_catalog(&mut self) -> SqlResult<Arc<catalog::Catalog>> {
        let cat = self.catalog()?;
        Ok(self.security()?.visible(&cat))
    }

    /// Runs `f` with an executor reading the open transaction or a snapshot.
    fn read<T>(
        &mut self,
        params: Vec<Value>,
        f: impl FnOnce(&mut Exec) -> SqlResult<T>,
    ) -> SqlResult<T> {
        self.read_on(None, params, f)
    }

    /// [`Session::read`] on `snap` (AS OF) instead of the session's transaction or
    /// newest snapshot when given.
    fn read_on<T>(
        &mut self,
        snap: Option<crate::storage::Snapshot>,
        params: Vec<Value>,
        f: impl FnOnce(&mut Exec) -> SqlResult<T>,
    ) -> SqlResult<T> {
        let security = self.security()?;
        let cx = self.eval_cx();
        let sql = self.inst.sql.clone();
        let stmt_text = self.text.clone();
        let (mut env, txn) = self.env();
        let reader = match (snap, txn) {
            (Some(s), _) => Reader::Snap(s),
            (None, Some(t)) => Reader::Tx(t),
            (None, None) => Reader::Snap(sql.cluster.snapshot()),
        };
        let catalog = load_catalog(&sql, &reader)?;
        let mut ex = Exec {
            shared: &sql,
            reader,
            catalog,
            session: &mut env,
            params,
            next_param: 0,
            cx,
            text: stmt_text,
            describe: false,
            corr: Vec::new(),
            prog: Default::default(),
            security,
            skip: HashMap::new(),
            join_reads: None,
            ctes: Vec::new(),
            trace: None,
            checks: Default::default(),
            generated: Default::default(),
        };
        let out = f(&mut ex);
        ex.keep_user_vars();
        let warnings = ex.cx.warnings.take();
        drop(ex);
        self.warnings.extend(warnings);
        out
    }

    /// `SELECT … FROM t AS OF [TIMESTAMP] expr`: the query reads the cluster as it was
    /// after the last commit at or before that time (in the session time zone), from
    /// the cluster's timeline; a time before its retained history is error 1210.
    fn select_as_of(
        &mut self,
        statement: &ast::Statement,
        timestamp: &ast::Expr,
        params: Vec<Value>,
    ) -> SqlResult<Output> {
        let ast::Statement::Query(q) = statement else {
            return Err(SqlError::new(
                1235,
                "This version of Borealis doesn't yet support AS OF outside SELECT",
            ));
        };
        let v = self.read(Vec::new(), |ex| ex.const_expr(timestamp))?;
        let dt = match &v {
            Value::DateTime(d) => Some(*d),
            Value::Date(d) => Some(crate::value::temporal::DateTime {
                date: *d,
                ..Default::default()
            }),
            Value::Null => None,
            other => other
                .to_text()
                .and_then(|t| crate::value::temporal::parse_datetime(&t))
                .map(|p| p.0),
        };
        let shown = v
            .to_text()
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .unwrap_or_else(|| "NULL".into());
        let dt = dt.ok_or_else(|| {
            SqlError::new(
                1292,
                format!("Incorrect datetime value: '{shown}' for AS OF"),
            )
        })?;
        let us = self.vars.time_zone().to_utc(&dt);
        let us = u64::try_from(us).map_err(|_| {
            SqlError::new(
                1210,
                format!("Incorrect arguments to AS OF: '{shown}' is before 1970"),
            )
        })?;
        let cluster = &self.inst.sql.cluster;
        let snap = cluster
            .snapshot_at(crate::storage::PointInTime::Time(us))
            .map_err(|e| {
                let earliest = cluster.info().earliest_restorable_us;
                let earliest = self
                    .vars
                    .time_zone()
                    .to_local(i64::try_from(earliest).unwrap_or(0));
                SqlError::new(
                    1210,
                    format!(
                        "Incorrect arguments to AS OF: '{shown}' is outside this cluster's \
                         history, which starts at '{}' ({e})",
                        earliest.map(|d| d.format(6)).unwrap_or_default()
                    ),
                )
            })?;
        let rs = self.read_on(Some(snap), params, |ex| ex.query(q))?;
        Ok(Output::Rows(rs))
    }

    /// SELECT ... FOR UPDATE / FOR SHARE: runs in the open transaction, whose locks it
    /// keeps, or in one of its own (autocommit), whose locks go with the statement.
    fn locking_select(&mut self, q: &ast::Query, params: Vec<Value>) -> SqlResult<Output> {
        let own = self.txn.is_none();
        if own {
            self.txn = Some(self.begin_txn());
        }
        let rs = self.read(params, |ex| ex.locking_query(q, &q.locks));
        if own {
            self.txn = None;
        }
        if rs.as_ref().is_err_and(|e| e.code == 1213) && !own {
            // A deadlock victim loses its whole transaction, as in InnoDB.
            self.inst.status_conflict();
            self.rollback_txn();
        }
        Ok(Output::Rows(rs?))
    }

    /// Runs a writing statement: in the open transaction (rolled back to the
    /// statement start on error) or as its own autocommitted transaction.
    fn write<T>(
        &mut self,
        text: &str,
        params: Vec<Value>,
        ddl: bool,
        dml: Option<&ast::Statement>,
        f: impl FnOnce(&mut Exec) -> SqlResult<T>,
    ) -> SqlResult<(T, Option<u64>)> {
        if self.read_only {
            return Err(SqlError::new(
                1290,
                "The MySQL server is running with the --read-only option so it cannot execute this statement",
            ));
        }
        self.check_global_read_only()?;
        if ddl {
            self.implicit_commit()?;
        }
        // DDL statements run one at a time per cluster, from snapshot to commit.
        let ddl_sql = self.inst.sql.clone();
        let _ddl_guard = if ddl {
            Some(ddl_sql.ddl_lock.lock().unwrap_or_else(|e| e.into_inner()))
        } else {
            None
        };
        if self.txn.is_none() {
            self.txn_read_only = self.next_txn_read_only.take();
        }
        let read_only = self
            .txn_read_only
            .unwrap_or_else(|| self.vars.transaction_read_only());
        if read_only && (self.explicit || self.txn_read_only.is_some()) {
            if self.txn.is_none() {
                // No transaction started: SET TRANSACTION's mode still waits for the next
                // one (as MariaDB keeps it).
                self.next_txn_read_only = self.txn_read_only.take();
            }
            return Err(SqlError::new(
                1792,
                "Cannot execute statement in a READ ONLY transaction.",
            ));
        }
        if dml.is_some()
            && self.inst.binlog.is_some()
            && self.vars.sql_log_bin()
            && self.vars.binlog_format().eq_ignore_ascii_case("STATEMENT")
            && matches!(
                self.txn_isolation(),
                IsolationLevel::ReadCommitted | IsolationLevel::ReadUncommitted
            )
        {
            return Err(SqlError::new(
                1665,
                "Cannot execute statement: impossible to write to binary log since \
                 BINLOG_FORMAT = STATEMENT and at least one table uses a storage engine \
                 limited to row-based logging. InnoDB is limited to row-logging when \
                 transaction isolation level is READ COMMITTED or READ UNCOMMITTED.",
            ));
        }
        let own = self.txn.is_none();
        if own {
            self.txn = Some(self.begin_txn());
            self.txn_ddl = ddl;
            if !self.vars.autocommit() {
                self.explicit = true;
            }
        }
        let security = self.security()?;
        let cx = self.eval_cx();
        let started_us = cx.now_us;
        let last_insert_before = self.vars.last_insert_id();
        let rand_before = self.rand.load(std::sync::atomic::Ordering::Relaxed);
        // A statement that assigns user variables (`@v := e`) changes them as it runs;
        // its User_var events carry the values it started with.
        let user_vars_before = (dml.is_some() && super::stmtlog::code_contains(text, ":="))
            .then(|| self.user_vars.clone());
        let strict =
            self.vars.sql_mode().strict() && self.vars.sql_mode().error_for_division_by_zero();
        let sql = self.inst.sql.clone();
        let db = self.db.clone().unwrap_or_default();
        let stmt_text = self.text.clone();
        let (mut env, txn) = self.env();
        let Some(txn) = txn else {
            return Err(SqlError::new(1105, "internal error: no transaction"));
        };
        if ddl {
            ensure_catalog(txn)?;
        }
        let sp = txn.savepoint();
        txn.add_statement(&db, text);
        let mut reader = Reader::Tx(txn);
        let catalog = load_catalog(&sql, &reader)?;
        let log_catalog = dml.map(|_| catalog.clone());
        let _ = &mut reader;
        let mut cx = cx;
        cx.div_zero_error = strict;
        let mut ex = Exec {
            shared: &sql,
            reader,
            catalog,
            session: &mut env,
            params,
            next_param: 0,
            cx,
            text: stmt_text,
            describe: false,
            corr: Vec::new(),
            prog: Default::default(),
            security,
            skip: HashMap::new(),
            join_reads: None,
            ctes: Vec::new(),
            trace: None,
            checks: Default::default(),
            generated: Default::default(),
        };
        let out = f(&mut ex);
        ex.keep_user_vars();
        let warnings = ex.cx.warnings.take();
        drop(ex);
        let last_insert = env.last_insert;
        let auto = (std::mem::take(&mut env.auto_ids), env.explicit_auto);
        drop(env);
        let warned = !warnings.is_empty();
        self.warnings.extend(warnings);
        let out = match out {
            Ok(v) => v,
            Err(e) => {
                self.txn_ddl = false;
                if let Some(t) = self.txn.as_mut() {
                    t.rollback_to(sp);
                }
                if own && !self.explicit {
                    self.txn = None;
                }
                if e.code == 1213 {
                    // A deadlock victim loses its whole transaction, as in InnoDB.
                    self.inst.status_conflict();
                    self.rollback_txn();
                }
                return Err(e);
            }
        };
        if dml.is_none() && !ddl {
            // A write that is not one loggable statement (CALL): the transaction is
            // logged as rows.
            self.stmt_log = None;
        }
        if let (Some(st), Some(cat)) = (dml, log_catalog) {
            self.log_statement(
                st,
                text,
                &cat,
                StmtFacts {
                    started_us,
                    last_insert_before,
                    rand_before,
                    user_vars_before,
                    auto_ids: auto.0,
                    explicit_auto: auto.1,
                    warned,
                },
            );
        }
        if (own && !self.explicit) || ddl {
            self.commit_txn()?;
        }
        Ok((out, last_insert))
    }

    /// Adds a DML statement that just ran to the transaction's statements for the binlog
    /// (`binlog_format` MIXED or STATEMENT), or marks the transaction for row logging
    /// when MIXED finds it unsafe (see [`super::binlog`], "Statement-based logging").
    fn log_statement(
        &mut self,
        st: &ast::Statement,
        text: &str,
        cat: &catalog::Catalog,
        f: StmtFacts,
    ) {
        if self.inst.binlog.is_none() || !self.vars.sql_log_bin() || self.stmt_log.is_none() {
            return;
        }
        let format = self.vars.binlog_format().to_ascii_uppercase();
        let read_committed = matches!(
            self.txn_level,
            IsolationLevel::ReadCommitted | IsolationLevel::ReadUncommitted
        );
        // MIXED logs rows under READ COMMITTED, as InnoDB requires (STATEMENT is 1665).
        if format == "ROW" || read_committed {
            self.stmt_log = None;
            return;
        }
        let db = self.db.clone().unwrap_or_default();
        let a = super::stmtlog::analyze(st, text, &db, cat);
        let mut reason = a.unsafe_reason;
        if f.warned {
            // Conversions with warnings may come out differently on the replica.
            reason.get_or_insert("the statement raised warnings");
        }
        let mut intvars = Vec::new();
        if a.reads_last_insert_id {
            intvars.push((
                crate::binlog::IntvarKind::LastInsertId,
                f.last_insert_before,
            ));
        }
        if let Some(&first) = f.auto_ids.first() {
            let consecutive = f.auto_ids.windows(2).all(|w| w[1] == w[0] + 1);
            let steps = (
                self.vars.auto_increment_increment(),
                self.vars.auto_increment_offset(),
            );
            if !consecutive || f.explicit_auto || steps != (1, 1) {
                reason.get_or_insert("AUTO_INCREMENT values a replica would not generate");
            }
            intvars.push((crate::binlog::IntvarKind::InsertId, first));
        }
        let coll = self.vars.collation_connection().id();
        let mut user_vars = Vec::new();
        for name in &a.user_vars {
            let vars = f.user_vars_before.as_ref().unwrap_or(&self.user_vars);
            let v = vars.get(name).cloned().unwrap_or(Value::Null);
            let (uv, exact) = user_var_value(&v, coll);
            if !exact {
                reason.get_or_insert("a user variable of a temporal type");
            }
            user_vars.push((name.clone(), uv));
        }
        if let Some(why) = reason {
            if format != "STATEMENT" {
                self.stmt_log = None;
                return;
            }
            self.warnings.push(Warning::warn(
                1592,
                format!(
                    "Unsafe statement written to the binary log using statement format since \
                     BINLOG_FORMAT = STATEMENT. {why}."
                ),
            ));
        }
        let ctx = self.render_ctx(false);
        let query = ctx.query_event(&db, text.as_bytes());
        let entry = LoggedStatement {
            query,
            time: u32::try_from(f.started_us.div_euclid(1_000_000)).unwrap_or(0),
            intvars,
            rand: a.session_rand.then(|| {
                let g = super::functions::MyRnd::unpack(f.rand_before);
                (u64::from(g.seed1), u64::from(g.seed2))
            }),
            user_vars,
            depends_on: a.depends_on,
        };
        if let Some(list) = self.stmt_log.as_mut() {
            list.push(entry);
        }
    }

    fn commit_txn(&mut self) -> SqlResult<()> {
        self.explicit = false;
        self.txn_read_only = None;
        self.savepoints.clear();
        let ddl = std::mem::take(&mut self.txn_ddl);
        let statements = self.stmt_log.replace(Vec::new());
        if let Some(mut t) = self.txn.take() {
            if let Some(pos) = self.replica.position.take() {
                super::replica::put_position(&mut t, &pos)?;
            }
            let inst = self.inst.clone();
            let _committing = if t.is_read_only() {
                None
            } else {
                Some(inst.locks.begin_commit(self.conn_id, self.lock_timeout())?)
            };
            let info = CommitInfo {
                server_id: self.server_id(),
                extra: Vec::new(),
            };
            let result = match &self.inst.binlog {
                Some(bl) if !t.is_read_only() && self.vars.sql_log_bin() => {
                    let catalog = if ddl {
                        Arc::new(catalog::Catalog::default())
                    } else {
                        load_catalog(&self.inst.sql, &Reader::Tx(&mut t))?
                    };
                    let mut ctx = self.render_ctx(ddl);
                    ctx.statements = statements.filter(|s| !ddl && !s.is_empty());
                    let mut coord = None;
                    let r = t.commit_with(info, |rec, view| {
                        let written = bl.write_commit(rec, view, &catalog, &ctx)?;
                        coord = written.as_ref().map(|w| w.coord);
                        Ok(written)
                    });
                    if let (Ok(_), Some(c)) = (&r, coord) {
                        bl.mark_safe(&self.inst.sql.cluster, c);
                    }
                    r
                }
                _ => t.commit(info),
            };
            if let Err(e) = result {
                let e = SqlError::from(e);
                if e.code == 1213 {
                    self.inst.status_conflict();
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// The session state a binlogged commit's Query events carry.
    fn render_ctx(&self, ddl: bool) -> RenderCtx {
        let g = &self.inst.globals;
        let full = match &self.inst.binlog {
            Some(bl) => bl.follow_globals(g),
            None => super::binlog::full_row_metadata(g),
        };
        let mut flags2 = 0;
        if !self.vars.autocommit() {
            flags2 |= crate::binlog::QueryEvent::OPTION_NOT_AUTOCOMMIT;
        }
        if !self.vars.foreign_key_checks() {
            flags2 |= crate::binlog::QueryEvent::OPTION_NO_FOREIGN_KEY_CHECKS;
        }
        if !self.vars.unique_checks() {
            flags2 |= crate::binlog::QueryEvent::OPTION_RELAXED_UNIQUE_CHECKS;
        }
        let server = self.vars.collation_server().id();
        let database = self.vars.collation_database().id();
        let zone = self.vars.time_zone();
        RenderCtx {
            server_id: self.server_id(),
            thread_id: self.conn_id,
            ddl,
            row_metadata: if full {
                crate::binlog::RowMetadata::Full
            } else {
                crate::binlog::RowMetadata::Minimal
            },
            charset: (
                self.vars.charset_client().id(),
                self.vars.collation_connection().id(),
                server,
            ),
            collation_database: (database != server).then_some(database),
            sql_mode: self.vars.sql_mode().0,
            flags2,
            // A named zone goes by its name (the replica looks it up, as MySQL's do).
            time_zone: match zone.fixed_offset() {
                Some(0) => None,
                Some(offset) => {
                    let a = offset.unsigned_abs();
                    let sign = if offset < 0 { '-' } else { '+' };
                    Some(format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60))
                }
                None => Some(zone.to_string()),
            },
            auto_increment: (
                u16::try_from(self.vars.auto_increment_increment()).unwrap_or(1),
                u16::try_from(self.vars.auto_increment_offset()).unwrap_or(1),
            ),
            statements: None,
        }
    }

    /// The server id this session's commits carry: the source's for applied events.
    fn server_id(&self) -> u32 {
        self.replica
            .origin
            .unwrap_or(self.inst.globals.info().server_id)
    }

    /// Applier: commits carry `server_id` (the source's) until set back to `None`.
    pub fn set_replica_origin(&mut self, server_id: Option<u32>) {
        self.replica.origin = server_id;
    }

    /// Applier: the next commit also writes this applied position.
    pub fn stage_replica_position(&mut self, encoded: Vec<u8>) {
        self.replica.position = Some(encoded);
    }

    /// Applier: commits a staged position no statement committed (a skipped group, a DDL
    /// that commits outside the transaction path).
    pub fn commit_replica_position(&mut self) -> SqlResult<()> {
        if self.replica.position.is_some() {
            if self.txn.is_none() {
                self.txn = Some(self.begin_txn());
            }
            self.commit_txn()?;
        }
        Ok(())
    }

    /// Applier: rolls back the open transaction and forgets a staged position.
    pub fn rollback_replica(&mut self) {
        self.rollback_txn();
        self.replica.position = None;
    }

    /// Applier: RAND()'s seeds from a Rand event.
    pub fn set_rand_seeds(&mut self, seed1: u64, seed2: u64) {
        let packed = (seed1 & 0xFFFF_FFFF) << 32 | (seed2 & 0xFFFF_FFFF);
        self.rand
            .store(packed, std::sync::atomic::Ordering::Relaxed);
    }

    /// The current definition of table `db`.`name`, if it exists.
    pub fn table_def(&mut self, db: &str, name: &str) -> SqlResult<Option<Arc<catalog::TableDef>>> {
        Ok(self.catalog()?.table(db, name).cloned())
    }

    fn implicit_commit(&mut self) -> SqlResult<()> {
        if self.txn.is_some() {
            self.commit_txn()?;
        }
        Ok(())
    }

    fn rollback_txn(&mut self) {
        self.txn = None;
        self.stmt_log = Some(Vec::new());
        self.txn_ddl = false;
        self.explicit = false;
        self.txn_read_only = None;
        self.savepoints.clear();
    }

    /// COM_INIT_DB / USE.
    pub fn use_db(&mut self, db: &str) -> SqlResult<()> {
        self.sec = None;
        let cat = self.catalog()?;
        if db.eq_ignore_ascii_case("information_schema") {
            self.db = Some("information_schema".into());
            return Ok(());
        }
        // Whether or not it exists, as MySQL: no privilege, no answer about it.
        self.security()?.shows_db(db)?;
        match cat.dbs.get(db) {
            Some(d) => {
                self.vars.set_database_collation(d.collation);
                self.db = Some(db.to_string());
                self.update_proc(|p| {
                    p.db = Some(db.to_string());
                });
                Ok(())
            }
            None => Err(SqlError::new(1049, format!("Unknown database '{db}'"))),
        }
    }

    /// COM_RESET_CONNECTION: back to a fresh session, same user.
    pub fn reset(&mut self) {
        self.rollback_txn();
        self.prepared.clear();
        self.named.clear();
        self.user_vars.clear();
        self.warnings.clear();
        self.vars.reset(&self.inst.globals);
        self.row_count = -1;
    }

    /// COM_FIELD_LIST: the columns of a table.
    pub fn field_list(&mut self, table: &str) -> SqlResult<Vec<OutColumn>> {
        self.sec = None;
        let db = self
            .db
            .clone()
            .ok_or_else(|| SqlError::new(1046, "No database selected"))?;
        self.read(Vec::new(), |ex| {
            ex.security.shows_table("SELECT", &db, table)?;
            let t = ex.table_by(&db, table)?;
            Ok(t.columns
                .iter()
                .enumerate()
                .map(|(i, c)| OutColumn {
                    name: c.name.clone(),
                    org_name: c.name.clone(),
                    table: t.name.clone(),
                    org_table: t.name.clone(),
                    db: t.db.clone(),
                    ty: Some(c.ty.clone()),
                    nullable: c.nullable,
                    primary: t.primary.iter().any(|p| p.column == i),
                    auto_increment: c.auto_increment,
                    ..Default::default()
                })
                .collect())
        })
    }

    /// COM_STMT_PREPARE: parses once; returns id, parameter count and columns.
    pub fn prepare(&mut self, sql: &str) -> SqlResult<(u32, usize, Vec<OutColumn>)> {
        self.sec = None;
        let parsed = front::parse(sql).map_err(|e| SqlError::new(e.code, e.message))?;
        let marks = super::stmtlog::placeholders(sql);
        let params = marks.len();
        let id = self.next_stmt;
        self.next_stmt += 1;
        let (columns, point) = match &parsed {
            Parsed::Sql(st) => match st.as_ref() {
                ast::Statement::Query(q) => {
                    let q = q.clone();
                    self.read(Vec::new(), |ex| {
                        ex.describe = true;
                        let columns = ex.query(&q)?.columns;
                        let point = match params {
                            1 => PointGet::plan(ex, &q, &columns).map(Arc::new),
                            _ => None,
                        };
                        Ok((columns, point))
                    })
                    .unwrap_or_default()
                }
                _ => Default::default(),
            },
            Parsed::Own(_) => Default::default(),
        };
        self.prepared.insert(
            id,
            Prepared {
                sql: sql.to_string(),
                parsed: Arc::new(parsed),
                marks,
                db: self.db.clone(),
                point,
            },
        );
        Ok((id, params, columns))
    }

    pub fn close_prepared(&mut self, id: u32) {
        self.prepared.remove(&id);
    }

    /// COM_STMT_EXECUTE.
    pub fn execute_prepared(&mut self, id: u32, params: Vec<Value>) -> SqlResult<Output> {
        self.execute_prepared_into(id, params, None)
    }

    /// COM_STMT_EXECUTE whose SELECT may send its rows to `sink` as it produces them
    /// ([`Output::Streamed`]).
    pub fn execute_prepared_into(
        &mut self,
        id: u32,
        params: Vec<Value>,
        sink: Option<&mut dyn RowSink>,
    ) -> SqlResult<Output> {
        let Some(p) = self.prepared.get(&id) else {
            return Err(SqlError::new(
                1243,
                format!("Unknown prepared statement handler ({id}) given to mysqld_stmt_execute"),
            ));
        };
        if params.len() != p.marks.len() {
            return Err(SqlError::new(
                1210,
                "Incorrect arguments to mysqld_stmt_execute",
            ));
        }
        // As MySQL, the statement runs (and is logged) with its parameters as literals.
        let text = if params.is_empty() {
            p.sql.clone()
        } else {
            super::stmtlog::with_literals(
                &p.sql,
                &p.marks,
                &params,
                self.vars.sql_mode().no_backslash_escapes(),
            )
        };
        let parsed = if params.is_empty() {
            p.parsed.clone()
        } else if let (Some(plan), [v]) = (&p.point, params.as_slice()) {
            // The statement as prepared, placeholder and all: its dispatch runs the plan
            // (or substitutes the parameter if the plan does not apply).
            self.point = Some((plan.clone(), v.clone()));
            p.parsed.clone()
        } else {
            let mut parsed = Parsed::clone(&p.parsed);
            substitute_params(&mut parsed, &params)?;
            Arc::new(parsed)
        };
        let prepared_in = p.db.clone();
        let current = std::mem::replace(&mut self.db, prepared_in.clone());
        let out = self.run(&parsed, Vec::new(), &text, sink);
        self.point = None;
        // Back to the session's database, unless the statement moved (a prepared USE)
        // or dropped the one it ran in while the session was in it (as MariaDB).
        match &self.db {
            moved @ Some(_) if *moved != prepared_in => {}
            None if prepared_in.is_some() && current == prepared_in => {}
            _ => self.db = current,
        }
        out
    }

    /// COM_QUERY.
    pub fn execute(&mut self, sql: &str) -> SqlResult<Output> {
        self.execute_into(sql, None)
    }

    /// COM_QUERY whose SELECT may send its rows to `sink` as it produces them
    /// ([`Output::Streamed`]).
    pub fn execute_into(&mut self, sql: &str, sink: Option<&mut dyn RowSink>) -> SqlResult<Output> {
        let parsed = match front::parse(sql) {
            Ok(p) => p,
            Err(e) => {
                self.warnings.clear();
                return Err(SqlError::new(e.code, e.message));
            }
        };
        self.may_stream = true;
        let out = self.run(&parsed, Vec::new(), sql, sink);
        self.may_stream = false;
        out
    }

    fn run(
        &mut self,
        parsed: &Parsed,
        params: Vec<Value>,
        text: &str,
        sink: Option<&mut dyn RowSink>,
    ) -> SqlResult<Output> {
        // Only the COM_QUERY's own SELECT streams, not statements it runs (CALL bodies,
        // stored functions), whose results are consumed here.
        self.may_stream = std::mem::take(&mut self.may_stream)
            && matches!(parsed, Parsed::Sql(st) if matches!(**st, ast::Statement::Query(_)));
        self.interrupt.reset_query();
        // max_execution_time bounds a SELECT (MySQL: read-only SELECTs only); the
        // statement's MAX_EXECUTION_TIME(N) hint takes its place (0: no limit).
        self.deadline = match parsed {
            Parsed::Sql(st) if matches!(**st, ast::Statement::Query(_)) => {
                // MySQL's range for the hint is that of max_execution_time (a u32 of
                // ms); past it the hint is ignored. A deadline past what the clock can
                // hold is no deadline (Instant + Duration would panic).
                match super::front::max_execution_time_hint(text)
                    .filter(|&ms| ms <= u64::from(u32::MAX))
                {
                    Some(0) => None,
                    Some(ms) => Instant::now().checked_add(std::time::Duration::from_millis(ms)),
                    None => self
                        .vars
                        .statement_timeout()
                        .and_then(|d| Instant::now().checked_add(d)),
                }
            }
            _ => None,
        };
        self.sec = None;
        if let Some(t) = self.txn.as_mut() {
            // READ COMMITTED: each statement reads the newest commits.
            t.statement_start();
        } else if (self.next_txn_isolation.is_some() || self.next_txn_read_only.is_some())
            && matches!(parsed, Parsed::Sql(st) if matches!(**st, ast::Statement::Query(_)))
            && !self.statement_tables(parsed).is_empty()
        {
            // An autocommit SELECT that reads a table is a transaction of its own: it
            // uses up a one-shot SET TRANSACTION as InnoDB's does (its level and access
            // mode change nothing for one consistent read).
            self.next_txn_isolation = None;
            self.next_txn_read_only = None;
        }
        if let Some(n) = self.streamed_rows.take() {
            self.found_rows = n.load(Ordering::Relaxed);
        }
        self.text = Arc::from(text);
        let keeps_warnings = matches!(
            parsed,
            Parsed::Own(OwnStatement::Show(
                ShowStatement::Warnings { .. }
                    | ShowStatement::Errors { .. }
                    | ShowStatement::WarningCount
                    | ShowStatement::ErrorCount
            ))
        );
        if !keeps_warnings {
            self.warnings.clear();
        }
        self.inst
            .status
            .statement(&mut self.counters, com_of(parsed));
        let info = self.text.clone();
        self.update_proc(|p| {
            p.command = "Query";
            p.since = Instant::now();
            p.info = Some(info);
        });
        let out = match self
            .authorize(parsed)
            .and_then(|()| self.check_locks(parsed))
        {
            Ok(()) => self.dispatch(parsed, params, text, sink),
            Err(e) => Err(e),
        };
        self.update_proc(|p| {
            p.command = "Sleep";
            p.info = None;
        });
        let nwarn = self.warnings.len() as u64;
        match &out {
            Ok(Output::Ok { affected, .. }) => {
                self.row_count = *affected as i64;
                self.vars.set_diagnostics_counts(nwarn, 0);
            }
            Ok(Output::Rows(r)) => {
                self.row_count = -1;
                self.found_rows = r.rows.len() as u64;
                self.vars.set_diagnostics_counts(nwarn, 0);
            }
            Ok(Output::Stream(..)) => {
                self.row_count = -1;
                self.vars.set_diagnostics_counts(nwarn, 0);
            }
            Ok(Output::Streamed(n)) => {
                self.row_count = -1;
                self.found_rows = *n;
                self.vars.set_diagnostics_counts(nwarn, 0);
            }
            Err(e) => {
                self.warnings.push(Warning {
                    level: crate::value::Level::Error,
                    code: e.code,
                    message: e.message.clone(),
                });
                self.vars.set_diagnostics_counts(nwarn, 1);
            }
        }
        out
    }

    fn lock_timeout(&self) -> std::time::Duration {
        let secs = match self
            .vars
            .get("lock_wait_timeout", Scope::Session, &self.inst.globals)
        {
            Ok(v) => v.to_value().to_f64().unwrap_or(50.0),
            Err(_) => 50.0,
        };
        std::time::Duration::from_secs_f64(secs.clamp(0.001, 31_536_000.0))
    }

    /// The tables a statement reads and writes, as `(db, table), write`.
    fn statement_tables(&self, parsed: &Parsed) -> Vec<((String, String), bool)> {
        let cur = self.db.clone().unwrap_or_default();
        let key = |n: &ast::ObjectName| -> Option<(String, String)> {
            let parts: Vec<String> =
                n.0.iter()
                    .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                    .collect();
            match parts.as_slice() {
                [t] => Some((cur.clone(), t.clone())),
                [d, _] if d.eq_ignore_ascii_case("information_schema") => None,
                // performance_schema's tables are every account's to read
                // ([`super::sysschema`]).
                [d, t]
                    if d.eq_ignore_ascii_case("performance_schema")
                        && super::sysschema::is_system_table(d, t) =>
                {
                    None
                }
                [d, t] => Some((d.clone(), t.clone())),
                _ => None,
            }
        };
        let mut out = Vec::new();
        use ast::Statement as S;
        match parsed {
            Parsed::Sql(st) => {
                let write_target: Option<ast::ObjectName> = match st.as_ref() {
                    S::Insert(i) => match &i.table {
                        ast::TableObject::TableName(n) => Some(n.clone()),
                        _ => None,
                    },
                    _ => None,
                };
                let all_write = matches!(
                    st.as_ref(),
                    S::Update(_)
                        | S::Delete(_)
                        | S::CreateTable(_)
                        | S::CreateIndex(_)
                        | S::Drop { .. }
                        | S::AlterTable(_)
                        | S::Truncate(_)
                        | S::RenameTable(_)
                );
                let _ = ast::visit_relations(st.as_ref(), |r: &ast::ObjectName| {
                    if let Some(k) = key(r) {
                        out.push((k, all_write || Some(r) == write_target.as_ref()));
                    }
                    std::ops::ControlFlow::<()>::Continue(())
                });
            }
            Parsed::Own(OwnStatement::Checksum { tables, .. }) => {
                for t in tables {
                    out.push((
                        (t.db.clone().unwrap_or_else(|| cur.clone()), t.name.clone()),
                        false,
                    ));
                }
            }
            _ => {}
        }
        out
    }

    /// Applies LOCK TABLES / FTWRL to a statement: errors for a session holding
    /// locks (1100, 1099, 1223), waiting on other sessions' locks otherwise.
    fn check_locks(&mut self, parsed: &Parsed) -> SqlResult<()> {
        // No lock held by anyone (the common case): nothing to check the statement's
        // tables against, so skip walking it for them.
        if !self.global_read && self.locked.is_none() && !self.inst.locks.any_held() {
            return Ok(());
        }
        let tables = self.statement_tables(parsed);
        if self.global_read && tables.iter().any(|(_, w)| *w) {
            return Err(SqlError::new(
                1223,
                "Can't execute the query because you have a conflicting read lock",
            ));
        }
        if let Some(held) = &self.locked {
            for ((db, t), write) in &tables {
                match held.get(&(db.clone(), t.clone())) {
                    None => {
                        return Err(SqlError::new(
                            1100,
                            format!("Table '{t}' was not locked with LOCK TABLES"),
                        ))
                    }
                    Some(false) if *write => {
                        return Err(SqlError::new(
                            1099,
                            format!("Table '{t}' was locked with a READ lock and can't be updated"),
                        ))
                    }
                    _ => {}
                }
            }
            return Ok(());
        }
        self.inst
            .locks
            .wait_access(self.conn_id, &tables, self.lock_timeout())
    }

    /// Checks the user's privileges for what a statement names (1142, 1044, 1227,
    /// 1370); what it reads through views and stored programs is checked as the
    /// executor opens it ([`super::privilege`]).
    fn authorize(&mut self, parsed: &Parsed) -> SqlResult<()> {
        let sec = self.security()?;
        if sec.is_unrestricted() {
            return Ok(());
        }
        let cur = self.db.clone();
        let split = |name: &ast::ObjectName| -> Option<(String, String)> {
            let parts: Vec<String> = name
                .0
                .iter()
                .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                .collect();
            match parts.as_slice() {
                [t] => Some((cur.clone().unwrap_or_default(), t.clone())),
                [d, t] => Some((d.clone(), t.clone())),
                _ => None,
            }
        };
        let need_table = |bits: u32, cmd: &str, name: &ast::ObjectName| -> SqlResult<()> {
            match split(name) {
                Some((db, t)) => sec.table(bits, cmd, &db, &t),
                None => Ok(()),
            }
        };
        // A privilege that column privileges may stand in for (the executor checks
        // each column).
        let need_some = |bit: u32, cmd: &str, name: &ast::ObjectName| -> SqlResult<()> {
            match split(name) {
                Some((db, t)) => sec.table_or_columns(bit, bit, cmd, &db, &t),
                None => Ok(()),
            }
        };
        let need_tn = |bits: u32, cmd: &str, t: &front::TableName| -> SqlResult<()> {
            let db = t.db.clone().or_else(|| cur.clone()).unwrap_or_default();
            sec.table(bits, cmd, &db, &t.name)
        };
        let db_of = |t: &front::TableName| t.db.clone().or_else(|| cur.clone()).unwrap_or_default();
        let need_db = |bits: u32, db: &str| sec.db(bits, db);
        let need_global = |bits: u32, what: &str| sec.global(bits, what);
        let relations = |st: &ast::Statement| -> Vec<ast::ObjectName> {
            let mut v = Vec::new();
            let _ = ast::visit_relations(st, |r: &ast::ObjectName| {
                if !super::cte::names_cte(st, r) {
                    v.push(r.clone());
                }
                std::ops::ControlFlow::<()>::Continue(())
            });
            v
        };
        let definer_of = |d: &Option<front::UserHost>| -> SqlResult<()> {
            sec.definer_clause(d.as_ref().map(|u| (u.user.as_str(), u.host.as_str())))
        };
        use ast::Statement as S;
        match parsed {
            Parsed::Sql(st) => match st.as_ref() {
                S::Query(_) => {
                    for r in relations(st) {
                        need_some(privs::SELECT, "SELECT", &r)?;
                    }
                }
                S::Insert(i) => {
                    let target = match &i.table {
                        ast::TableObject::TableName(n) => Some(n.clone()),
                        _ => None,
                    };
                    for r in relations(st) {
                        if Some(&r) == target.as_ref() {
                            need_some(privs::INSERT, "INSERT", &r)?;
                            if i.replace_into {
                                need_table(privs::DELETE, "DELETE", &r)?;
                            }
                            if i.on.is_some() {
                                need_some(privs::UPDATE, "UPDATE", &r)?;
                            }
                        } else {
                            need_some(privs::SELECT, "SELECT", &r)?;
                        }
                    }
                }
                // UPDATE and DELETE are checked by the executor, which tells the tables
                // written (UPDATE/DELETE) from those only read (SELECT) in a join or a
                // subquery.
                S::Update(_) | S::Delete(_) => {}
                S::CreateDatabase { db_name, .. } => {
                    need_db(privs::CREATE, db_name.to_string().trim_matches('`'))?
                }
                S::CreateTable(ct) => {
                    need_table(privs::CREATE, "CREATE", &ct.name)?;
                    // CREATE TABLE … LIKE t reads t's definition; … AS SELECT is
                    // checked as its SELECT runs.
                    for r in relations(st) {
                        if r != ct.name && ct.query.is_none() {
                            need_table(privs::SELECT, "SELECT", &r)?;
                        }
                    }
                }
                S::CreateView(cv) => {
                    need_table(privs::CREATE_VIEW, "CREATE VIEW", &cv.name)?;
                    if cv.or_replace {
                        need_table(privs::DROP, "DROP", &cv.name)?;
                    }
                    if let Some(d) = cv.params.as_ref().and_then(|p| p.definer.as_ref()) {
                        let (user, host) = super::privilege::split_definer(&d.to_string());
                        sec.definer_clause(Some((&user, &host)))?;
                    }
                    // What the view reads is checked as CREATE VIEW describes it.
                }
                S::Drop {
                    object_type: ast::ObjectType::Database | ast::ObjectType::Schema,
                    names,
                    ..
                } => {
                    for n in names {
                        need_db(privs::DROP, n.to_string().trim_matches('`'))?;
                    }
                }
                S::Drop { names, .. } => {
                    for n in names {
                        need_table(privs::DROP, "DROP", n)?;
                    }
                }
                S::AlterTable(a) => need_table(privs::ALTER, "ALTER", &a.name)?,
                S::CreateIndex(ci) => need_table(privs::INDEX, "INDEX", &ci.table_name)?,
                S::Truncate(t) => {
                    for n in &t.table_names {
                        need_table(privs::DROP, "DROP", &n.name)?;
                    }
                }
                S::RenameTable(rs) => {
                    for r in rs {
                        need_table(privs::ALTER | privs::DROP, "ALTER", &r.old_name)?;
                        need_table(privs::CREATE | privs::INSERT, "CREATE", &r.new_name)?;
                    }
                }
                S::ExplainTable { table_name, .. } => {
                    if let Some((db, t)) = split(table_name) {
                        sec.shows_table("SELECT", &db, &t)?;
                    }
                }
                S::Flush {
                    read_lock, tables, ..
                } => {
                    need_global(privs::RELOAD, "RELOAD")?;
                    if *read_lock {
                        for t in tables {
                            if let Some((db, _)) = split(t) {
                                need_db(privs::LOCK_TABLES, &db)?;
                            }
                            need_table(privs::SELECT, "SELECT", t)?;
                        }
                    }
                }
                _ => {}
            },
            Parsed::Own(o) => match o {
                OwnStatement::CreateUser { .. }
                | OwnStatement::DropUser { .. }
                | OwnStatement::AlterUser { .. } => need_global(privs::CREATE_USER, "CREATE USER")?,
                OwnStatement::Grant(g) | OwnStatement::Revoke(g) => match &g.object {
                    Some(front::GrantObject {
                        kind,
                        db,
                        table: Some(name),
                        db_all: false,
                    }) if kind != "TABLE" => {
                        let db = db.clone().or_else(|| cur.clone()).unwrap_or_default();
                        let k = if kind == "FUNCTION" { 'F' } else { 'P' };
                        sec.routine(privs::GRANT_OPTION, "grant", &db, k, name)?
                    }
                    Some(front::GrantObject {
                        db: None,
                        table: Some(t),
                        db_all: false,
                        ..
                    }) => sec.table(
                        privs::GRANT_OPTION,
                        "GRANT",
                        &cur.clone().unwrap_or_default(),
                        t,
                    )?,
                    Some(front::GrantObject {
                        db: Some(db),
                        table: None,
                        db_all: false,
                        ..
                    }) => need_db(privs::GRANT_OPTION, db)?,
                    Some(front::GrantObject {
                        db: Some(db),
                        table: Some(t),
                        db_all: false,
                        ..
                    }) => sec.table(privs::GRANT_OPTION, "GRANT", db, t)?,
                    // REVOKE ALL PRIVILEGES, GRANT OPTION FROM u (CREATE USER there)
                    // and ON *.* (1045 there, as MySQL) are checked by grant_revoke.
                    None if matches!(o, OwnStatement::Revoke(_)) => {}
                    Some(front::GrantObject { db_all: true, .. }) => {}
                    _ => need_global(privs::GRANT_OPTION, "GRANT OPTION")?,
                },
                OwnStatement::Show(
                    ShowStatement::MasterStatus
                    | ShowStatement::BinaryLogs
                    | ShowStatement::ReplicaStatus { .. },
                ) => need_global(
                    privs::REPLICATION_CLIENT | privs::SUPER,
                    "SUPER, REPLICATION CLIENT",
                )?,
                OwnStatement::Show(
                    ShowStatement::BinlogEvents { .. } | ShowStatement::ReplicaHosts,
                ) => need_global(privs::REPLICATION_SLAVE, "REPLICATION SLAVE")?,
                OwnStatement::ChangeSource { .. }
                | OwnStatement::StartReplica { .. }
                | OwnStatement::StopReplica { .. }
                | OwnStatement::ResetReplica { .. } => {
                    need_global(privs::SUPER, "SUPER, REPLICATION_SLAVE_ADMIN")?
                }
                OwnStatement::Show(ShowStatement::Create { kind, name }) => match kind {
                    front::ShowCreateKind::Table | front::ShowCreateKind::View => {
                        let db = db_of(name);
                        sec.shows_table("SHOW", &db, &name.name)?;
                        if matches!(kind, front::ShowCreateKind::View)
                            || self.catalog()?.view(&db, &name.name).is_some()
                        {
                            need_tn(privs::SHOW_VIEW, "SHOW VIEW", name)?;
                        }
                    }
                    front::ShowCreateKind::Database { .. } => sec.shows_db(&name.name)?,
                    // Another account is read from the mysql schema.
                    front::ShowCreateKind::User if name.name != self.user => {
                        need_db(privs::SELECT, "mysql")?
                    }
                    _ => {}
                },
                OwnStatement::Show(
                    ShowStatement::Columns { table, .. } | ShowStatement::Index { table, .. },
                )
                | OwnStatement::Describe { table, .. } => {
                    sec.shows_table("SELECT", &db_of(table), &table.name)?
                }
                OwnStatement::Show(
                    ShowStatement::Tables { db, .. }
                    | ShowStatement::TableStatus { db, .. }
                    | ShowStatement::Triggers { db, .. }
                    | ShowStatement::Events { db, .. },
                ) => {
                    let db = db.clone().or_else(|| cur.clone()).unwrap_or_default();
                    sec.shows_db(&db)?;
                }
                OwnStatement::Show(ShowStatement::Grants { user: Some(uh) })
                    if uh.user != "CURRENT_USER" && uh.user != self.user =>
                {
                    // Another account's grants are read from the mysql schema.
                    need_db(privs::SELECT, "mysql")?
                }
                OwnStatement::ResetMaster
                | OwnStatement::PurgeLogsTo(_)
                | OwnStatement::PurgeLogsBefore(_) => {
                    need_global(privs::SUPER, "SUPER, BINLOG_ADMIN")?
                }
                OwnStatement::Set(assignments) => {
                    for a in assignments {
                        if matches!(
                            a.target,
                            SetTarget::System {
                                scope: VarScope::Global | VarScope::Persist | VarScope::PersistOnly,
                                ..
                            }
                        ) {
                            need_global(privs::SUPER, "SUPER or SYSTEM_VARIABLES_ADMIN")?;
                        }
                    }
                }
                OwnStatement::Checksum { tables, .. } => {
                    for t in tables {
                        need_tn(privs::SELECT, "SELECT", t)?;
                    }
                }
                OwnStatement::TableMaintenance { op, tables, .. } => {
                    for t in tables {
                        need_tn(privs::SELECT, "SELECT", t)?;
                        if !matches!(op, front::MaintenanceOp::Check) {
                            need_tn(privs::INSERT, "INSERT", t)?;
                        }
                    }
                }
                OwnStatement::AlterTableOptions { table: t, .. }
                | OwnStatement::DisableKeys(t)
                | OwnStatement::EnableKeys(t) => need_tn(privs::ALTER, "ALTER", t)?,
                OwnStatement::LockTables(items) => {
                    for it in items {
                        need_db(privs::LOCK_TABLES, &db_of(&it.table))?;
                        need_tn(privs::SELECT, "SELECT", &it.table)?;
                    }
                }
                OwnStatement::CreateTrigger(t) => {
                    // MySQL checks DEFINER first, then TRIGGER on the table.
                    definer_of(&t.definer)?;
                    let mut table = t.table.clone();
                    if table.db.is_none() {
                        table.db = t.name.db.clone();
                    }
                    need_tn(privs::TRIGGER, "TRIGGER", &table)?;
                }
                OwnStatement::DropTrigger { name, .. } => {
                    let db = db_of(name);
                    let cat = self.catalog()?;
                    if let Some(trg) = cat.triggers.get(&(db.clone(), name.name.clone())) {
                        sec.table(privs::TRIGGER, "TRIGGER", &db, &trg.table)?;
                    }
                }
                OwnStatement::CreateRoutine(r) => {
                    need_db(privs::CREATE_ROUTINE, &db_of(&r.name))?;
                    definer_of(&r.definer)?;
                }
                OwnStatement::DropRoutine { kind, name, .. }
                | OwnStatement::AlterRoutine { kind, name, .. } => {
                    let db = db_of(name);
                    let k = if matches!(kind, front::RoutineKind::Function) {
                        'F'
                    } else {
                        'P'
                    };
                    sec.routine(privs::ALTER_ROUTINE, "alter routine", &db, k, &name.name)?;
                }
                OwnStatement::CreateEvent(e) => {
                    need_db(privs::EVENT, &db_of(&e.name))?;
                    definer_of(&e.definer)?;
                }
                OwnStatement::DropEvent { name, .. } => need_db(privs::EVENT, &db_of(name))?,
                OwnStatement::AsOf { statement, .. } => {
                    for r in relations(statement) {
                        need_table(privs::SELECT, "SELECT", &r)?;
                    }
                }
                _ => {}
            },
        }
        Ok(())
    }

    fn kind(st: &ast::Statement) -> Kind {
        use ast::Statement as S;
        match st {
            S::Insert(_) | S::Update(_) | S::Delete(_) => Kind::Write,
            S::CreateDatabase { .. }
            | S::CreateSchema { .. }
            | S::CreateTable(_)
            | S::CreateView(_)
            | S::CreateIndex(_)
            | S::Drop { .. }
            | S::AlterTable(_)
            | S::Truncate(_)
            | S::RenameTable(_) => Kind::Ddl,
            _ => Kind::Read,
        }
    }

    /// `CREATE TABLE t [(definitions)] [AS] SELECT …`, run as MySQL logs it in row format:
    /// a CREATE TABLE whose columns are the definitions given plus the SELECT's columns
    /// with their result types (that statement is what the binlog gets), then
    /// `INSERT INTO t (columns) SELECT …`, both committed; if the insert fails the table
    /// is dropped again and its error returned.
    fn create_table_select(
        &mut self,
        ct: &ast::CreateTable,
        params: &[Value],
    ) -> SqlResult<Output> {
        let Some(query) = &ct.query else {
            return Err(SqlError::new(
                1105,
                "CREATE TABLE ... SELECT without a SELECT",
            ));
        };
        if !params.is_empty() {
            return Err(SqlError::new(
                1235,
                "This version of Borealis doesn't yet support placeholders in 'CREATE TABLE ... SELECT'",
            ));
        }
        // The SELECT's columns, described without running it (as PREPARE does).
        let q = query.clone();
        let columns = self
            .read(Vec::new(), |ex| {
                ex.describe = true;
                ex.query(&q)
            })?
            .columns;
        let explicit: Vec<String> = ct.columns.iter().map(|c| c.name.value.clone()).collect();
        let mut defs: Vec<String> = ct.columns.iter().map(|c| c.to_string()).collect();
        defs.extend(ct.constraints.iter().map(|c| c.to_string()));
        let mut names = Vec::with_capacity(columns.len());
        for c in &columns {
            names.push(format!("`{}`", c.name.replace('`', "``")));
            if explicit.iter().any(|e| e.eq_ignore_ascii_case(&c.name)) {
                continue;
            }
            defs.push(format!(
                "`{}` {}{}",
                c.name.replace('`', "``"),
                create_select_type(c.ty.as_ref()),
                if c.nullable { "" } else { " NOT NULL" }
            ));
        }
        let mut create = ct.clone();
        create.query = None;
        let shell = format!("CREATE TABLE t ({})", defs.join(", "));
        match front::parse(&shell) {
            Ok(Parsed::Sql(st)) => match *st {
                ast::Statement::CreateTable(parsed) => {
                    create.columns = parsed.columns;
                    create.constraints = parsed.constraints;
                }
                _ => {
                    return Err(SqlError::new(
                        1105,
                        "CREATE TABLE ... SELECT: bad definitions",
                    ))
                }
            },
            Ok(_) => {
                return Err(SqlError::new(
                    1105,
                    "CREATE TABLE ... SELECT: bad definitions",
                ))
            }
            Err(e) => return Err(SqlError::new(e.code, e.message)),
        }
        let existed = ct.if_not_exists && {
            let from = match ct.name.0.as_slice() {
                [db, _] => format!(" FROM {db}"),
                _ => String::new(),
            };
            let show = format!("SHOW TABLES{from} LIKE '{}'", like_escape(&ct.name));
            matches!(self.execute(&show), Ok(Output::Rows(rs)) if !rs.rows.is_empty())
        };
        self.execute(&create.to_string())?;
        if existed {
            // MySQL inserts nothing into a table that already existed (note 1050).
            return Ok(Output::ok());
        }
        let insert = format!("INSERT INTO {} ({}) {query}", ct.name, names.join(", "));
        let mut done = self.execute(&insert);
        if done.is_ok() && self.txn.is_some() {
            done = self.execute("COMMIT").and(done);
        }
        if let Err(e) = done {
            if self.txn.is_some() {
                let _ = self.execute("ROLLBACK");
            }
            let temporary = if ct.temporary { "TEMPORARY " } else { "" };
            if let Err(d) = self.execute(&format!("DROP {temporary}TABLE IF EXISTS {}", ct.name)) {
                tracing::warn!(error = %d.message, "dropping the table of a failed CREATE TABLE ... SELECT");
            }
            return Err(e);
        }
        done
    }

    /// MySQL 8.0's `WITH … UPDATE …` / `WITH … DELETE …`: the statement with the CTEs
    /// in scope (sqlparser gives it as a query whose body is the statement).
    fn with_dml(&mut self, q: &ast::Query, params: Vec<Value>, text: &str) -> SqlResult<Output> {
        use ast::Statement as S;
        let (Some(with), ast::SetExpr::Update(st) | ast::SetExpr::Delete(st)) =
            (&q.with, q.body.as_ref())
        else {
            return Err(SqlError::new(1064, "WITH must precede UPDATE or DELETE"));
        };
        match st {
            S::Update(u) => {
                let (r, _) = self.write(text, params, false, Some(st), |ex| {
                    ex.in_with(with, |ex| ex.update(u))
                })?;
                Ok(Output::Ok {
                    affected: r.affected,
                    last_insert_id: 0,
                    info: r.info,
                })
            }
            S::Delete(d) => {
                let (r, _) = self.write(text, params, false, Some(st), |ex| {
                    ex.in_with(with, |ex| ex.delete(d))
                })?;
                Ok(Output::affected(r.affected))
            }
            _ => Err(SqlError::new(1064, "WITH must precede UPDATE or DELETE")),
        }
    }

    fn dispatch(
        &mut self,
        parsed: &Parsed,
        params: Vec<Value>,
        text: &str,
        sink: Option<&mut dyn RowSink>,
    ) -> SqlResult<Output> {
        let st = match parsed {
            Parsed::Own(o) => return self.own(o, params, text),
            Parsed::Sql(st) => st.as_ref(),
        };
        use ast::Statement as S;
        match (Self::kind(st), st) {
            (_, S::Query(q))
                if matches!(
                    q.body.as_ref(),
                    ast::SetExpr::Update(_) | ast::SetExpr::Delete(_)
                ) =>
            {
                self.with_dml(q, params, text)
            }
            (_, S::Query(q)) => {
                if self.txn.is_none() && !self.vars.autocommit() {
                    self.txn = Some(self.begin_txn());
                    self.explicit = true;
                }
                if !q.locks.is_empty() {
                    return self.locking_select(q, params);
                }
                let reads_tables =
                    matches!(q.body.as_ref(), ast::SetExpr::Select(sel) if !sel.from.is_empty());
                if self.explicit && self.txn_level == IsolationLevel::Serializable && reads_tables {
                    // SERIALIZABLE: InnoDB reads a plain SELECT inside a transaction as
                    // SELECT ... FOR SHARE.
                    self.point = None;
                    let mut q = q.clone();
                    q.locks.push(ast::LockClause {
                        lock_type: ast::LockType::Share,
                        of: None,
                        nonblock: None,
                    });
                    return self.locking_select(&q, params);
                }
                if let Some((plan, v)) = self.point.take() {
                    if let Some(rs) = self.read(Vec::new(), |ex| ex.point_get(&plan, &v))? {
                        return Ok(Output::Rows(rs));
                    }
                    // The plan does not apply (the catalog changed, `v` is no key): the
                    // statement with its parameter, as any other.
                    let mut q = q.clone();
                    substitute_in(q.as_mut(), std::slice::from_ref(&v))?;
                    let rs = self.read(params, |ex| ex.query(&q))?;
                    return Ok(Output::Rows(rs));
                }
                if std::mem::take(&mut self.may_stream) && params.is_empty() {
                    if let Some((columns, rows)) = self.read(Vec::new(), |ex| ex.stream_table(q))? {
                        let sent = Arc::new(AtomicU64::new(0));
                        self.streamed_rows = Some(Arc::clone(&sent));
                        let rows = rows.inspect(move |r| {
                            if r.is_ok() {
                                sent.fetch_add(1, Ordering::Relaxed);
                            }
                        });
                        return Ok(Output::Stream(columns, Box::new(rows)));
                    }
                }
                if let Some(sink) = sink {
                    let mut counted = Counted {
                        sink,
                        started: false,
                        rows: 0,
                    };
                    let rs = self.read(params, |ex| ex.query_into(q, &mut counted))?;
                    if counted.started {
                        return Ok(Output::Streamed(counted.rows));
                    }
                    return Ok(Output::Rows(rs));
                }
                let rs = self.read(params, |ex| ex.query(q))?;
                Ok(Output::Rows(rs))
            }
            (Kind::Write, S::Insert(ins)) => {
                let (r, _) = self.write(text, params, false, Some(st), |ex| ex.insert(ins))?;
                Ok(Output::Ok {
                    affected: r.affected,
                    last_insert_id: r.last_insert_id.unwrap_or(0),
                    info: r.info,
                })
            }
            (Kind::Write, S::Update(u)) => {
                let (r, _) = self.write(text, params, false, Some(st), |ex| ex.update(u))?;
                Ok(Output::Ok {
                    affected: r.affected,
                    last_insert_id: 0,
                    info: r.info,
                })
            }
            (Kind::Write, S::Delete(d)) => {
                let (r, _) = self.write(text, params, false, Some(st), |ex| ex.delete(d))?;
                Ok(Output::affected(r.affected))
            }
            (Kind::Ddl, S::CreateTable(ct)) if ct.query.is_some() => {
                self.create_table_select(ct, &params)
            }
            (Kind::Ddl, st) => {
                let (n, _) = self.write(text, params, true, None, |ex| ex.ddl(st))?;
                // Dropping the current database leaves the session without one (as MySQL).
                if let S::Drop {
                    object_type: ast::ObjectType::Database | ast::ObjectType::Schema,
                    names,
                    ..
                } = st
                {
                    let dropped = |n: &ast::ObjectName| n.to_string().trim_matches('`').to_string();
                    if names
                        .iter()
                        .any(|n| self.db.as_deref() == Some(&dropped(n)))
                    {
                        self.db = None;
                    }
                }
                Ok(Output::affected(n))
            }
            (_, S::Use(u)) => {
                let name = match u {
                    ast::Use::Object(n) | ast::Use::Database(n) | ast::Use::Schema(n) => {
                        n.to_string()
                    }
                    other => other.to_string(),
                };
                self.use_db(name.trim_matches('`'))?;
                Ok(Output::ok())
            }
            (_, S::ExplainTable { table_name, .. }) => {
                let tn = front::TableName {
                    db: None,
                    name: table_name.to_string().trim_matches('`').to_string(),
                };
                let tn = match table_name.0.as_slice() {
                    [d, t] => front::TableName {
                        db: d.as_ident().map(|i| i.value.clone()),
                        name: t.as_ident().map(|i| i.value.clone()).unwrap_or_default(),
                    },
                    _ => tn,
                };
                self.show(&ShowStatement::Columns {
                    full: false,
                    table: tn,
                    filter: None,
                })
            }
            (_, S::Explain { statement, .. }) => self.explain(statement),
            (_, S::Kill { id, modifier }) => {
                let query_only = matches!(modifier, Some(ast::KillType::Query));
                self.kill(*id, query_only)?;
                Ok(Output::ok())
            }
            (
                _,
                S::Flush {
                    read_lock: true,
                    tables,
                    ..
                },
            ) => {
                self.implicit_commit()?;
                if tables.is_empty() {
                    self.inst
                        .locks
                        .global_read_lock(self.conn_id, self.lock_timeout())?;
                    self.global_read = true;
                } else {
                    let mut want = Vec::new();
                    for t in tables {
                        let parts: Vec<String> =
                            t.0.iter()
                                .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                                .collect();
                        let key = match parts.as_slice() {
                            [n] => (self.db.clone().unwrap_or_default(), n.clone()),
                            [d, n] => (d.clone(), n.clone()),
                            _ => continue,
                        };
                        want.push((key, false));
                    }
                    self.inst
                        .locks
                        .lock_tables(self.conn_id, &want, self.lock_timeout())?;
                    self.locked = Some(want.into_iter().collect());
                }
                Ok(Output::ok())
            }
            (
                _,
                S::Flush {
                    object_type: ast::FlushType::BinaryLogs | ast::FlushType::Logs,
                    ..
                },
            ) => {
                if let Some(bl) = &self.inst.binlog {
                    bl.flush(&self.inst.sql.cluster)?;
                }
                Ok(Output::ok())
            }
            (_, S::Flush { .. }) => Ok(Output::ok()),
            (_, S::Call(f)) => self.call(f, text, params),
            (_, other) => Err(SqlError::new(
                1235,
                format!(
                    "This version of Borealis doesn't yet support '{}'",
                    first_words(&other.to_string())
                ),
            )),
        }
    }

    /// `CALL`: Aurora's binlog configuration procedures, then stored procedures. A
    /// procedure's SELECTs are result sets; the client gets the last one.
    fn call(&mut self, f: &ast::Function, text: &str, params: Vec<Value>) -> SqlResult<Output> {
        let name = f.name.to_string().replace('`', "").to_ascii_lowercase();
        let args: Vec<String> = match &f.args {
            ast::FunctionArguments::List(l) => l.args.iter().map(|a| a.to_string()).collect(),
            _ => Vec::new(),
        };
        let unquote = |a: &str| a.trim().trim_matches('\'').trim_matches('"').to_string();
        match name.as_str() {
            "mysql.rds_set_configuration" => {
                if !self.has_super() {
                    return Err(SqlError::new(1227, "Access denied; you need (at least one of) the SUPER privilege(s) for this operation"));
                }
                let [key, value] = args.as_slice() else {
                    return Err(SqlError::new(1318, "Incorrect number of arguments for PROCEDURE mysql.rds_set_configuration; expected 2"));
                };
                if !unquote(key).eq_ignore_ascii_case("binlog retention hours") {
                    return Err(SqlError::new(
                        1644,
                        format!("Unsupported configuration name {}", unquote(key)),
                    ));
                }
                let v = unquote(value);
                let hours = if v.eq_ignore_ascii_case("NULL") {
                    None
                } else {
                    match v.parse::<u64>() {
                        // Aurora MySQL keeps binlogs at most 90 days (2160 hours).
                        Ok(h) if (1..=2160).contains(&h) => Some(h),
                        _ => {
                            return Err(SqlError::new(
                                1644,
                                "binlog retention hours must be between 1 and 2160, or NULL",
                            ))
                        }
                    }
                };
                if let Some(bl) = &self.inst.binlog {
                    bl.set_retention_hours(hours)?;
                    bl.purge_expired();
                }
                // History (backtrack, point-in-time, AS OF) is kept at least as long as
                // the binlog: GC's horizon is the largest of the retentions.
                let c = &self.inst.sql.cluster;
                let want = hours.unwrap_or(0).saturating_mul(3_600_000_000);
                if want > c.info().retention_us {
                    c.set_retention(want)?;
                }
                Ok(Output::ok())
            }
            n if n.starts_with("mysql.rds_")
                && super::replica::procedures::is_replication_procedure(n) =>
            {
                if !self.has_super() {
                    return Err(SqlError::new(1227, "Access denied; you need (at least one of) the SUPER privilege(s) for this operation"));
                }
                let mut values = Vec::with_capacity(args.len());
                if let ast::FunctionArguments::List(l) = &f.args {
                    for a in &l.args {
                        let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
                            return Err(SqlError::new(1064, format!("Bad argument to {name}")));
                        };
                        values.push(self.read(params.clone(), |ex| ex.const_expr(e))?);
                    }
                }
                match super::replica::procedures::call(&self.inst, &name, &values)? {
                    Some((col, msg)) => Ok(rows(&[col], vec![vec![s(&msg)]])),
                    None => Ok(Output::ok()),
                }
            }
            "mysql.rds_show_configuration" => {
                let hours =
                    self.inst.binlog.as_ref().and_then(|bl| {
                        *bl.retention_hours.lock().unwrap_or_else(|e| e.into_inner())
                    });
                Ok(rows(
                    &["name", "value", "description"],
                    vec![vec![
                        s("binlog retention hours"),
                        hours.map_or(Value::Null, |h| s(&h.to_string())),
                        s("binlog retention hours specifies the duration in hours before binary logs are automatically deleted."),
                    ]],
                ))
            }
            _ => {
                let (mut results, _) = self.write(text, params, false, None, |ex| {
                    ex.call_statement(f)?;
                    Ok(std::mem::take(&mut ex.prog.results))
                })?;
                match results.pop() {
                    Some(rs) => Ok(Output::Rows(rs)),
                    None => Ok(Output::ok()),
                }
            }
        }
    }

    fn replica_warnings(&mut self, w: Vec<(u16, String)>) {
        for (code, msg) in w {
            self.warnings.push(Warning::warn(code, msg));
        }
    }

    /// A session variable's value as text.
    fn session_var_text(&self, name: &str) -> String {
        self.vars
            .get(name, Scope::Session, &self.inst.globals)
            .ok()
            .and_then(|v| v.to_value().to_text())
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .unwrap_or_default()
    }

    /// What a stored program keeps of the creating session.
    fn program_env(&mut self, definer: &Option<front::UserHost>) -> catalog::ProgramEnv {
        let definer = match definer {
            Some(u) if u.user != "CURRENT_USER" => format!("{}@{}", u.user, u.host),
            _ => {
                let host = self.account_host();
                format!("{}@{host}", self.user)
            }
        };
        catalog::ProgramEnv {
            definer,
            sql_mode: self.session_var_text("sql_mode"),
            charset_client: self.vars.charset_client().charset().to_string(),
            collation_connection: self.vars.collation_connection().name().to_string(),
            db_collation: self.vars.collation_database().name().to_string(),
            created_us: now_us(),
        }
    }

    /// Applies SHOW's `LIKE` (to column `like_col`); a `WHERE` is applied by
    /// [`Session::show`] to every SHOW's rows.
    fn show_rows(
        &mut self,
        cols: &[&str],
        data: Vec<Vec<Value>>,
        filter: &Option<ShowFilter>,
        like_col: usize,
    ) -> SqlResult<Output> {
        let data = match filter {
            Some(ShowFilter::Like(p)) => data
                .into_iter()
                .filter(|r| {
                    let t = r[like_col].to_text().unwrap_or_default();
                    vars::like_match(p, &String::from_utf8_lossy(&t))
                })
                .collect(),
            None | Some(ShowFilter::Where(_)) => data,
        };
        Ok(rows(cols, data))
    }

    /// Tells the session its connection is encrypted: TLS `version` and `cipher`.
    pub fn set_tls(&mut self, version: &str, cipher: &str) {
        self.tls = Some((version.to_string(), cipher.to_string()));
    }

    /// Tells the session which program connected (connection attribute `program_name`).
    pub fn set_client_program(&mut self, name: &str) {
        self.binlog_reader_client = name == "mysqlbinlog" || name == "mariadb-binlog";
    }

    /// Registers a replica (COM_REGISTER_SLAVE); needs REPLICATION SLAVE (1227).
    pub fn register_replica(&mut self, host: super::binlog::ReplicaHost) -> SqlResult<()> {
        self.need_replication_slave()?;
        if let Some(bl) = &self.inst.binlog {
            bl.register_replica(self.conn_id, host);
        }
        Ok(())
    }

    /// Forgets this connection's replica registration (the connection closed).
    pub fn unregister_replica(&self) {
        if let Some(bl) = &self.inst.binlog {
            bl.unregister_replica(self.conn_id);
        }
    }

    fn need_replication_slave(&mut self) -> SqlResult<()> {
        let cat = self.catalog()?;
        let me = cat
            .find_user(&self.user, &self.host)
            .cloned()
            .unwrap_or_default();
        if me.global & (privs::REPLICATION_SLAVE | privs::SUPER) == 0 {
            return Err(SqlError::new(
                1227,
                "Access denied; you need (at least one of) the REPLICATION SLAVE privilege(s) for this operation",
            ));
        }
        Ok(())
    }

    /// COM_BINLOG_DUMP: checks the privilege and the start, and returns the binlog and
    /// where to start (the caller runs [`ClusterBinlog::dump`] on its own thread).
    pub fn binlog_dump_start(
        &mut self,
        file: &str,
        pos: u64,
        flags: u16,
    ) -> SqlResult<(Arc<ClusterBinlog>, super::binlog::DumpStart)> {
        self.need_replication_slave()?;
        let Some(bl) = self.inst.binlog.clone() else {
            return Err(SqlError::new(1236, "Binary log is not open"));
        };
        let file = bl.check_dump_start(file, pos)?;
        self.update_proc(|p| {
            p.command = BINLOG_DUMP;
        });
        let checksum = match self.user_vars.get("master_binlog_checksum") {
            Some(Value::Bytes(b)) => {
                crate::binlog::Checksum::from_name(&String::from_utf8_lossy(b))
                    .unwrap_or(crate::binlog::Checksum::None)
            }
            _ => crate::binlog::Checksum::None,
        };
        let heartbeat = match self.user_vars.get("master_heartbeat_period") {
            Some(v) => v
                .to_f64()
                .filter(|ns| *ns >= 1.0)
                .map(|ns| std::time::Duration::from_nanos(ns as u64)),
            None => None,
        };
        Ok((
            bl,
            super::binlog::DumpStart {
                file,
                pos,
                checksum,
                heartbeat,
                non_block: flags & 1 != 0,
            },
        ))
    }

    fn explain(&mut self, st: &ast::Statement) -> SqlResult<Output> {
        let ast::Statement::Query(q) = st else {
            return Err(SqlError::new(
                1235,
                "This version of Borealis doesn't yet support EXPLAIN of this statement",
            ));
        };
        let ast::SetExpr::Select(sel) = q.body.as_ref() else {
            return Err(SqlError::new(
                1235,
                "This version of Borealis doesn't yet support EXPLAIN of this query",
            ));
        };
        let cols = [
            "id",
            "select_type",
            "table",
            "partitions",
            "type",
            "possible_keys",
            "key",
            "key_len",
            "ref",
            "rows",
            "filtered",
            "Extra",
        ];
        self.read(Vec::new(), |ex| {
            // The FROM clause is planned by the code that runs it, reading no rows: the
            // steps come out in the order they run.
            let mut where_conj = Vec::new();
            if let Some(w) = &sel.selection {
                super::exec::ast_conjuncts(w, &mut where_conj);
            }
            let was = ex.describe;
            ex.describe = true;
            ex.trace = Some(Vec::new());
            let built = ex.build_from(
                &sel.from,
                &where_conj,
                None,
                super::exec::straight_join(sel),
            );
            ex.describe = was;
            let steps = ex.trace.take().unwrap_or_default();
            built?;
            let mut out = Vec::new();
            for step in steps {
                let Some(t) = &step.table else {
                    continue;
                };
                let (ty, key) = match &step.path {
                    super::exec::Path::Full => ("ALL", Value::Null),
                    super::exec::Path::Range {
                        index,
                        eq,
                        lo,
                        hi,
                        in_list,
                    } => {
                        let ncols = match index {
                            None => t.primary.len(),
                            Some(i) => t.indexes[*i].columns.len(),
                        };
                        let unique = index.is_none_or(|i| t.indexes[i].unique);
                        let kind = if eq.len() == ncols && unique {
                            if eq.iter().all(|e| e.max_col().is_none()) {
                                "const"
                            } else {
                                "eq_ref"
                            }
                        } else if lo.is_some() || hi.is_some() || in_list.is_some() {
                            "range"
                        } else {
                            "ref"
                        };
                        (
                            kind,
                            s(index.map_or("PRIMARY", |i| t.indexes[i].name.as_str())),
                        )
                    }
                };
                let extra = if step.hash {
                    s("Using where; Using join buffer (hash join)")
                } else if step.filtered {
                    s("Using where")
                } else {
                    Value::Null
                };
                out.push(vec![
                    Value::UInt(1),
                    s("SIMPLE"),
                    s(&step.alias),
                    Value::Null,
                    s(ty),
                    key.clone(),
                    key,
                    Value::Null,
                    Value::Null,
                    Value::UInt(ex.table_rows(t)),
                    s("100.00"),
                    extra,
                ]);
            }
            Ok(rows(&cols, out))
        })
    }

    fn own(&mut self, o: &OwnStatement, params: Vec<Value>, text: &str) -> SqlResult<Output> {
        match o {
            OwnStatement::Empty => Ok(Output::ok()),
            OwnStatement::PrepareText { name, source } => {
                let text = match self.read(params.clone(), |ex| ex.const_expr(source))? {
                    Value::Bytes(b) => String::from_utf8(b).map_err(|_| {
                        SqlError::new(1300, "Invalid utf8mb4 character string in PREPARE")
                    })?,
                    Value::Null => "NULL".to_string(),
                    other => {
                        String::from_utf8_lossy(&other.to_text().unwrap_or_default()).into_owned()
                    }
                };
                let (id, _, _) = self.prepare(&text)?;
                let key = name.to_ascii_lowercase();
                if let Some(old) = self.named.insert(key, id) {
                    self.prepared.remove(&old);
                }
                Ok(Output::Ok {
                    affected: 0,
                    last_insert_id: 0,
                    info: "Statement prepared".into(),
                })
            }
            OwnStatement::ExecuteText { name, using } => {
                let Some(&id) = self.named.get(&name.to_ascii_lowercase()) else {
                    return Err(SqlError::new(
                        1243,
                        format!("Unknown prepared statement handler ({name}) given to EXECUTE"),
                    ));
                };
                let mut vals = Vec::with_capacity(using.len());
                for e in using {
                    vals.push(self.read(Vec::new(), |ex| ex.const_expr(e))?);
                }
                self.execute_prepared(id, vals)
            }
            OwnStatement::DeallocatePrepare(name) => {
                match self.named.remove(&name.to_ascii_lowercase()) {
                    Some(id) => {
                        self.prepared.remove(&id);
                        Ok(Output::ok())
                    }
                    None => Err(SqlError::new(
                        1243,
                        format!(
                        "Unknown prepared statement handler ({name}) given to DEALLOCATE PREPARE"
                    ),
                    )),
                }
            }
            OwnStatement::Begin | OwnStatement::StartTransaction { .. } => {
                self.implicit_commit()?;
                let given = match o {
                    OwnStatement::StartTransaction { read_only, .. } => *read_only,
                    _ => None,
                };
                self.txn = Some(self.begin_txn());
                self.explicit = true;
                self.txn_read_only = given.or(self.next_txn_read_only.take());
                Ok(Output::ok())
            }
            OwnStatement::Commit { .. } => {
                self.commit_txn()?;
                Ok(Output::ok())
            }
            OwnStatement::Rollback { .. } => {
                self.rollback_txn();
                Ok(Output::ok())
            }
            OwnStatement::Savepoint(name) => {
                if self.txn.is_none() {
                    self.txn = Some(self.begin_txn());
                    self.explicit = !self.vars.autocommit();
                }
                if let Some(t) = &self.txn {
                    let sp = t.savepoint();
                    self.savepoints
                        .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
                    self.savepoints.push((name.clone(), sp));
                }
                if !self.explicit {
                    self.txn = None;
                    self.savepoints.clear();
                }
                Ok(Output::ok())
            }
            OwnStatement::RollbackTo(name) => {
                let pos = self
                    .savepoints
                    .iter()
                    .position(|(n, _)| n.eq_ignore_ascii_case(name));
                match (pos, self.txn.as_mut()) {
                    (Some(i), Some(t)) => {
                        t.rollback_to(self.savepoints[i].1);
                        // The statements kept are not tracked per savepoint: rows.
                        self.stmt_log = None;
                        self.savepoints.truncate(i + 1);
                        Ok(Output::ok())
                    }
                    _ => Err(SqlError::new(
                        1305,
                        format!("SAVEPOINT {name} does not exist"),
                    )),
                }
            }
            OwnStatement::Release(name) => match self
                .savepoints
                .iter()
                .position(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                Some(i) => {
                    self.savepoints.truncate(i);
                    Ok(Output::ok())
                }
                None => Err(SqlError::new(
                    1305,
                    format!("SAVEPOINT {name} does not exist"),
                )),
            },
            OwnStatement::Set(assignments) => {
                for a in assignments {
                    let value = match &a.value {
                        FrontSetValue::Default => None,
                        FrontSetValue::Expr(e) => Some(match e {
                            ast::Expr::Identifier(i)
                                if i.quote_style.is_none() && !i.value.starts_with('@') =>
                            {
                                s(&i.value)
                            }
                            other => self.read(params.clone(), |ex| ex.const_expr(other))?,
                        }),
                    };
                    match &a.target {
                        SetTarget::User(name) => {
                            self.user_vars
                                .insert(name.to_ascii_lowercase(), value.unwrap_or(Value::Null));
                        }
                        SetTarget::System { scope, name } => {
                            let sv = match &value {
                                None => vars::SetValue::Default,
                                Some(v) => vars::SetValue::from(v),
                            };
                            let scope = match scope {
                                VarScope::Session => Scope::Session,
                                _ => Scope::Global,
                            };
                            let was_autocommit = self.vars.autocommit();
                            let skip_counter =
                                ["sql_replica_skip_counter", "sql_slave_skip_counter"]
                                    .iter()
                                    .any(|n| name.eq_ignore_ascii_case(n));
                            if skip_counter && scope == Scope::Global {
                                // The applier's count: refused while it runs (3017, ER_REPLICA_SQL_THREAD_MUST_STOP).
                                super::replica::Replica::set_skip_counter(&self.inst, 0)?;
                            }
                            match self.vars.set(name, scope, sv, &self.inst.globals) {
                                Ok(Some(w)) => self.warnings.push(w),
                                Ok(None) => {}
                                Err(e) => return Err(SqlError::new(e.code(), e.message())),
                            }
                            if skip_counter && scope == Scope::Global {
                                let n = self
                                    .inst
                                    .globals
                                    .get("sql_replica_skip_counter")
                                    .map_or(0, |v| v.as_u64());
                                super::replica::Replica::set_skip_counter(&self.inst, n)?;
                            }
                            if name.eq_ignore_ascii_case("binlog_checksum")
                                && scope == Scope::Global
                            {
                                // As MySQL: the binlog rotates and the new file uses it.
                                if let Some(bl) = &self.inst.binlog {
                                    let v = self
                                        .inst
                                        .globals
                                        .get("binlog_checksum")
                                        .map(|v| v.show_text())
                                        .unwrap_or_default();
                                    bl.set_checksum(
                                        &self.inst.sql.cluster,
                                        crate::binlog::Checksum::from_name(&v).unwrap_or_default(),
                                    )?;
                                }
                            }
                            if name.eq_ignore_ascii_case("autocommit") && scope == Scope::Session {
                                let now = self.vars.autocommit();
                                if now && !was_autocommit {
                                    self.commit_txn()?;
                                }
                            }
                        }
                    }
                }
                Ok(Output::ok())
            }
            OwnStatement::SetNames { charset, collation } => {
                let cs = charset.clone().unwrap_or_else(|| "utf8mb4".into());
                self.vars
                    .set_names(&cs, collation.as_deref())
                    .map_err(|e| SqlError::new(e.code(), e.message()))?;
                Ok(Output::ok())
            }
            OwnStatement::SetCharacterSet(cs) => {
                self.vars
                    .set_character_set(cs.as_deref().unwrap_or("utf8mb4"))
                    .map_err(|e| SqlError::new(e.code(), e.message()))?;
                Ok(Output::ok())
            }
            OwnStatement::SetTransaction {
                scope,
                isolation,
                read_only,
            } => {
                let mut set = |name: &str, v: String, scope: Scope| {
                    self.vars
                        .set(name, scope, vars::SetValue::Str(v), &self.inst.globals)
                        .map(|_| ())
                        .map_err(|e| SqlError::new(e.code(), e.message()))
                };
                let scope = match scope {
                    None => {
                        // The next transaction only; not inside one (MySQL's 1568).
                        if self.txn.is_some() && self.explicit {
                            return Err(SqlError::new(
                                1568,
                                "Transaction characteristics can't be changed while a transaction is in progress",
                            ));
                        }
                        if let Some(ro) = read_only {
                            self.next_txn_read_only = Some(*ro);
                        }
                        if isolation.is_some() {
                            self.next_txn_isolation = *isolation;
                        }
                        return Ok(Output::ok());
                    }
                    Some(VarScope::Session) => {
                        // The session's mode replaces a pending one-transaction mode.
                        if read_only.is_some() {
                            self.next_txn_read_only = None;
                        }
                        if isolation.is_some() {
                            self.next_txn_isolation = None;
                        }
                        Scope::Session
                    }
                    Some(_) => Scope::Global,
                };
                if let Some(level) = isolation {
                    set("transaction_isolation", level.name().into(), scope)?;
                }
                if let Some(ro) = read_only {
                    set(
                        "transaction_read_only",
                        if *ro { "ON" } else { "OFF" }.into(),
                        scope,
                    )?;
                }
                Ok(Output::ok())
            }
            OwnStatement::LockTables(items) => {
                self.implicit_commit()?;
                self.inst.locks.release(self.conn_id);
                self.locked = None;
                self.global_read = false;
                let cat = self.catalog()?;
                let mut want: Vec<((String, String), bool)> = Vec::new();
                for it in items {
                    let db = it
                        .table
                        .db
                        .clone()
                        .or_else(|| self.db.clone())
                        .ok_or_else(|| SqlError::new(1046, "No database selected"))?;
                    if cat.table(&db, &it.table.name).is_none()
                        && cat.view(&db, &it.table.name).is_none()
                    {
                        return Err(SqlError::new(
                            1146,
                            format!("Table '{db}.{}' doesn't exist", it.table.name),
                        ));
                    }
                    let write = matches!(it.kind, front::LockKind::Write { .. });
                    want.push(((db, it.table.name.clone()), write));
                }
                self.inst
                    .locks
                    .lock_tables(self.conn_id, &want, self.lock_timeout())?;
                let mut held: HashMap<(String, String), bool> = HashMap::new();
                for (k, w) in want {
                    let e = held.entry(k).or_insert(false);
                    *e |= w;
                }
                self.locked = Some(held);
                Ok(Output::ok())
            }
            OwnStatement::UnlockTables => {
                if self.locked.is_some() {
                    // UNLOCK TABLES commits what was done under LOCK TABLES.
                    self.implicit_commit()?;
                }
                self.inst.locks.release(self.conn_id);
                self.locked = None;
                self.global_read = false;
                Ok(Output::ok())
            }
            OwnStatement::DisableKeys(_) | OwnStatement::EnableKeys(_) => Ok(Output::ok()),
            OwnStatement::Show(sh) => self.show(sh),
            OwnStatement::Describe { table, .. } => self.show(&ShowStatement::Columns {
                full: false,
                table: table.clone(),
                filter: None,
            }),
            OwnStatement::Checksum { tables, .. } => self.checksum(tables),
            OwnStatement::Do(exprs) => {
                for e in exprs {
                    self.read(params.clone(), |ex| ex.const_expr(e))?;
                }
                Ok(Output::ok())
            }
            OwnStatement::CreateUser {
                if_not_exists,
                users,
                require,
                ..
            } => {
                let require_ssl = require_ssl(require.as_ref())?.unwrap_or(false);
                let default_plugin = self
                    .inst
                    .globals
                    .get("default_authentication_plugin")
                    .map(|v| v.show_text())
                    .unwrap_or_default();
                self.users_ddl(text, |cat, tx| {
                    for u in users {
                        check_account_name(&u.user.user, &u.user.host)?;
                        let key = (u.user.user.clone(), u.user.host.clone());
                        if cat.users.contains_key(&key) {
                            if *if_not_exists {
                                continue;
                            }
                            return Err(SqlError::new(
                                1396,
                                format!("Operation CREATE USER failed for '{}'@'{}'", key.0, key.1),
                            ));
                        }
                        let (plugin, auth_stage2, sha2_hash) = credentials(u, &default_plugin)?;
                        let d = UserDef {
                            user: key.0.clone(),
                            host: key.1.clone(),
                            auth_stage2,
                            plugin,
                            sha2_hash,
                            require_ssl,
                            ..Default::default()
                        };
                        tx.put(
                            CATALOG_TREE,
                            &catalog::user_key(&key.0, &key.1),
                            &catalog::encode_user(&d),
                        )?;
                    }
                    Ok(())
                })
            }
            OwnStatement::AlterUser {
                if_exists,
                users,
                require,
                ..
            } => {
                let require_ssl = require_ssl(require.as_ref())?;
                self.users_ddl(text, |cat, tx| {
                    for u in users {
                        let key = (u.user.user.clone(), u.user.host.clone());
                        let Some(d) = cat.users.get(&key) else {
                            if *if_exists {
                                continue;
                            }
                            return Err(SqlError::new(
                                1396,
                                format!("Operation ALTER USER failed for '{}'@'{}'", key.0, key.1),
                            ));
                        };
                        let mut d = d.clone();
                        if u.password.is_some() || u.plugin.is_some() {
                            let own = d.plugin_name().to_string();
                            let (plugin, stage2, sha2) = credentials(u, &own)?;
                            d.plugin = plugin;
                            d.auth_stage2 = stage2;
                            d.sha2_hash = sha2;
                        }
                        if let Some(r) = require_ssl {
                            d.require_ssl = r;
                        }
                        tx.put(
                            CATALOG_TREE,
                            &catalog::user_key(&key.0, &key.1),
                            &catalog::encode_user(&d),
                        )?;
                    }
                    Ok(())
                })
            }
            OwnStatement::DropUser { if_exists, users } => self.users_ddl(text, |cat, tx| {
                for u in users {
                    if !cat.users.contains_key(&(u.user.clone(), u.host.clone())) {
                        if *if_exists {
                            continue;
                        }
                        return Err(SqlError::new(
                            1396,
                            format!("Operation DROP USER failed for '{}'@'{}'", u.user, u.host),
                        ));
                    }
                    tx.delete(CATALOG_TREE, &catalog::user_key(&u.user, &u.host))?;
                }
                Ok(())
            }),
            OwnStatement::Grant(g) | OwnStatement::Revoke(g) => {
                let grant = matches!(o, OwnStatement::Grant(_));
                let cur = self.db.clone();
                let sec = self.security()?;
                let view_cols = self.grant_view_columns(g)?;
                self.users_ddl(text, |cat, tx| {
                    grant_revoke(
                        &sec,
                        cat,
                        tx,
                        g,
                        grant,
                        cur.as_deref(),
                        view_cols.as_deref(),
                    )
                })
            }
            OwnStatement::TableMaintenance { tables, op, .. } => {
                let verb = format!("{op:?}").to_ascii_lowercase();
                let db = self.db.clone().unwrap_or_default();
                let mut data = Vec::new();
                for t in tables {
                    let d = t.db.clone().unwrap_or_else(|| db.clone());
                    let label = s(&format!("{d}.{}", t.name));
                    let name = t.name.clone();
                    let mut failed = None;
                    let (kind, msg): (&str, String) = match self.read(Vec::new(), |ex| {
                        let def = ex.table_by(&d, &name)?;
                        if *op != front::MaintenanceOp::Check {
                            // Nothing to rebuild or collect: pages are written fresh by
                            // every checkpoint and the planner keeps no statistics.
                            return Ok(("status", "Table is already up to date".to_string()));
                        }
                        // Read every row and every index entry: each page read checks its
                        // CRC; each index must hold exactly one entry per row.
                        let mut rows_n = 0u64;
                        ex.scan(&def, &super::exec::Path::Full, &[], false, &mut |_, _| {
                            rows_n += 1;
                            Ok(true)
                        })?;
                        for ix in def.indexes.iter().filter(|x| !x.is_fulltext()) {
                            let mut n = 0u64;
                            for kv in ex.reader.range(
                                ix.tree,
                                std::ops::Bound::Unbounded,
                                std::ops::Bound::Unbounded,
                                false,
                            )? {
                                let (_, pk) = kv?;
                                if ex.reader.get(def.tree, &pk)?.is_none() {
                                    return Ok((
                                        "error",
                                        format!(
                                            "Index '{}' has an entry for a missing row",
                                            ix.name
                                        ),
                                    ));
                                }
                                n += 1;
                            }
                            if n != rows_n {
                                return Ok((
                                    "error",
                                    format!(
                                        "Index '{}' has {n} entries for {rows_n} rows",
                                        ix.name
                                    ),
                                ));
                            }
                        }
                        Ok(("status", "OK".to_string()))
                    }) {
                        Ok(x) => x,
                        Err(e) => {
                            failed = Some(e.code);
                            ("Error", e.message)
                        }
                    };
                    data.push(vec![label.clone(), s(&verb), s(kind), s(&msg)]);
                    // As MySQL: a table whose data failed its check (a page checksum,
                    // an index out of step) ends with `error Corrupt`; a statement that
                    // could not run on it (no such table) with `status Operation failed`.
                    match failed {
                        Some(1030) | None if kind != "status" => {
                            data.push(vec![label, s(&verb), s("error"), s("Corrupt")]);
                        }
                        Some(_) => {
                            data.push(vec![label, s(&verb), s("status"), s("Operation failed")]);
                        }
                        None => {}
                    }
                }
                Ok(rows(&["Table", "Op", "Msg_type", "Msg_text"], data))
            }
            OwnStatement::AlterTableOptions { table, options } => {
                let db = table
                    .db
                    .clone()
                    .or_else(|| self.db.clone())
                    .ok_or_else(|| SqlError::new(1046, "No database selected"))?;
                let name = table.name.clone();
                self.write(text, Vec::new(), true, None, |ex| {
                    ex.alter_table_options(&db, &name, options)
                })?;
                Ok(Output::ok())
            }
            OwnStatement::CreateTrigger(spec) => {
                let env = self.program_env(&spec.definer);
                self.write(text, params, true, None, |ex| ex.create_trigger(spec, env))?;
                Ok(Output::ok())
            }
            OwnStatement::CreateRoutine(spec) => {
                let env = self.program_env(&spec.definer);
                self.write(text, params, true, None, |ex| ex.create_routine(spec, env))?;
                Ok(Output::ok())
            }
            OwnStatement::CreateEvent(spec) => {
                let env = self.program_env(&spec.definer);
                let tz = self.session_var_text("time_zone");
                self.write(text, params, true, None, |ex| {
                    ex.create_event(spec, env, tz)
                })?;
                Ok(Output::ok())
            }
            OwnStatement::DropTrigger { if_exists, name } => {
                self.write(text, params, true, None, |ex| {
                    ex.drop_trigger(name, *if_exists)
                })?;
                Ok(Output::ok())
            }
            OwnStatement::DropRoutine {
                kind,
                if_exists,
                name,
            } => {
                self.write(text, params, true, None, |ex| {
                    ex.drop_routine(*kind, name, *if_exists)
                })?;
                Ok(Output::ok())
            }
            OwnStatement::AlterRoutine { kind, name, traits } => {
                self.write(text, params, true, None, |ex| {
                    ex.alter_routine(*kind, name, traits)
                })?;
                Ok(Output::ok())
            }
            OwnStatement::DropEvent { if_exists, name } => {
                self.write(text, params, true, None, |ex| {
                    ex.drop_event(name, *if_exists)
                })?;
                Ok(Output::ok())
            }
            OwnStatement::AsOf {
                statement,
                timestamp,
            } => self.select_as_of(statement, timestamp, params),
            OwnStatement::ChangeSource { options, channel } => {
                if channel.as_deref().is_some_and(|c| !c.is_empty()) {
                    return Err(SqlError::new(
                        1235,
                        "This version of Borealis doesn't yet support replication channels",
                    ));
                }
                let mut values = Vec::with_capacity(options.len());
                for (name, e) in options {
                    let v = self.read(params.clone(), |ex| ex.const_expr(e))?;
                    values.push((name.clone(), v));
                }
                Replica::change_source(&self.inst, &values)?;
                Ok(Output::ok())
            }
            OwnStatement::StartReplica { threads } => {
                let w = Replica::start(&self.inst, replica_threads(threads))?;
                self.replica_warnings(w);
                Ok(Output::ok())
            }
            OwnStatement::StopReplica { threads } => {
                let w = Replica::stop(&self.inst, replica_threads(threads))?;
                self.replica_warnings(w);
                Ok(Output::ok())
            }
            OwnStatement::ResetReplica { all } => {
                Replica::reset(&self.inst, *all)?;
                Ok(Output::ok())
            }
            OwnStatement::ResetMaster
            | OwnStatement::PurgeLogsTo(_)
            | OwnStatement::PurgeLogsBefore(_) => {
                let Some(bl) = self.inst.binlog.clone() else {
                    return Err(SqlError::new(1381, "You are not using binary logging"));
                };
                match o {
                    OwnStatement::ResetMaster => bl.reset()?,
                    OwnStatement::PurgeLogsTo(name) => bl.purge_to(name)?,
                    OwnStatement::PurgeLogsBefore(e) => {
                        let v = self.read(params, |ex| ex.const_expr(e))?;
                        let t = super::binlog::unix_time_of(&v, &self.vars.time_zone())
                            .ok_or_else(|| {
                                SqlError::new(1210, "Incorrect arguments to PURGE LOGS BEFORE")
                            })?;
                        bl.purge_before(t)?
                    }
                    _ => {}
                }
                Ok(Output::ok())
            }
            other => Err(SqlError::new(
                1235,
                format!(
                    "This version of Borealis doesn't yet support '{}'",
                    first_words(&format!("{other:?}"))
                ),
            )),
        }
    }

    /// The columns of the view a column-level GRANT names (None: no column privileges, or
    /// not a view), from describing its SELECT.
    fn grant_view_columns(&mut self, g: &front::Grant) -> SqlResult<Option<Vec<String>>> {
        let Some(front::GrantObject {
            kind,
            db,
            table: Some(t),
            db_all: false,
        }) = &g.object
        else {
            return Ok(None);
        };
        if kind != "TABLE" || g.privileges.iter().all(|p| p.columns.is_empty()) {
            return Ok(None);
        }
        let Some(db) = db.clone().or_else(|| self.db.clone()) else {
            return Ok(None);
        };
        let t = t.clone();
        self.read(Vec::new(), |ex| match ex.catalog.view(&db, &t).cloned() {
            Some(v) => {
                ex.describe = true;
                let rs = ex.view_rows(&v)?;
                Ok(Some(rs.columns.into_iter().map(|c| c.name).collect()))
            }
            None => Ok(None),
        })
    }

    fn users_ddl(
        &mut self,
        text: &str,
        f: impl FnOnce(&catalog::Catalog, &mut Transaction) -> SqlResult<()>,
    ) -> SqlResult<Output> {
        self.write(text, Vec::new(), true, None, |ex| {
            let cat = ex.catalog.clone();
            f(&cat, ex.reader.tx()?)?;
            ddl::bump_version(ex)?;
            Ok(())
        })?;
        Ok(Output::ok())
    }

    fn checksum(&mut self, tables: &[front::TableName]) -> SqlResult<Output> {
        let db = self.db.clone();
        let mut notes = Vec::new();
        let out = self.read(Vec::new(), |ex| {
            let mut data = Vec::new();
            for tn in tables {
                let d = tn.db.clone().or_else(|| db.clone()).unwrap_or_default();
                let label = format!("{d}.{}", tn.name);
                let Some(t) = ex.catalog.table(&d, &tn.name).cloned() else {
                    notes.push(Warning {
                        level: crate::value::Level::Error,
                        code: 1146,
                        message: format!("Table '{d}.{}' doesn't exist", tn.name),
                    });
                    data.push(vec![s(&label), Value::Null]);
                    continue;
                };
                // MariaDB leaves generated columns (VIRTUAL and STORED) out of the row
                // it hashes: no bytes, and the null bit (if any) set.
                let cols: Vec<ChecksumColumn> = t
                    .columns
                    .iter()
                    .filter(|c| c.generated.is_none() || c.nullable)
                    .map(|c| ChecksumColumn {
                        ty: c.ty.clone(),
                        nullable: c.nullable,
                    })
                    .collect();
                let mut sum = TableChecksum::new(&cols);
                let mut err = None;
                let plain = !t.has_generated();
                ex.scan(&t, &super::exec::Path::Full, &[], false, &mut |_, r| {
                    let r = if plain {
                        r
                    } else {
                        r.into_iter()
                            .zip(&t.columns)
                            .filter(|(_, c)| c.generated.is_none() || c.nullable)
                            .map(|(v, c)| {
                                if c.generated.is_some() {
                                    Value::Null
                                } else {
                                    v
                                }
                            })
                            .collect()
                    };
                    if let Err(e) = sum.add_row(&r) {
                        err = Some(e);
                        return Ok(false);
                    }
                    Ok(true)
                })?;
                if let Some(e) = err {
                    return Err(e.into());
                }
                data.push(vec![s(&label), Value::UInt(sum.finish())]);
            }
            Ok(data)
        })?;
        self.warnings.extend(notes);
        let mut cols = vec![text_col("Table"), int_col("Checksum")];
        cols[0].ty = Some(SqlType::VarChar {
            len: 128,
            collation: Collation::Utf8mb3GeneralCi,
        });
        Ok(Output::Rows(RowSet {
            columns: cols,
            rows: out,
        }))
    }

    /// A SHOW statement's rows; `SHOW … WHERE cond` keeps those for which `cond`, over
    /// the output's column names (`Variable_name`, `Value`, …), is true, as MySQL does.
    fn show(&mut self, sh: &ShowStatement) -> SqlResult<Output> {
        let Some(cond) = show_where(sh) else {
            return self.show_all(sh);
        };
        let rs = match self.show_all(sh)? {
            Output::Rows(rs) => rs,
            other => return Ok(other),
        };
        let scope = ExprScope {
            cols: rs
                .columns
                .iter()
                .map(|c| ScopeCol {
                    table: String::new(),
                    db: String::new(),
                    org_table: String::new(),
                    name: c.name.clone(),
                    ty: c.ty.clone(),
                    nullable: true,
                    denied: None,
                    hidden: false,
                })
                .collect(),
        };
        self.read(Vec::new(), |ex| {
            let Some(f) = ex.bind_where(&scope, Some(cond))? else {
                return Ok(Output::Rows(rs));
            };
            let mut kept = Vec::new();
            for row in rs.rows {
                if truth(&f.eval(&row, &ex.cx)?) == Some(true) {
                    kept.push(row);
                }
            }
            Ok(Output::Rows(RowSet {
                columns: rs.columns,
                rows: kept,
            }))
        })
    }

    fn show_all(&mut self, sh: &ShowStatement) -> SqlResult<Output> {
        let cur = self.db.clone();
        let need_db = |d: &Option<String>| {
            d.clone()
                .or_else(|| cur.clone())
                .ok_or_else(|| SqlError::new(1046, "No database selected"))
        };
        match sh {
            ShowStatement::Variables { scope, filter } => {
                let like = like_filter(filter)?;
                let v = self.vars.show_variables(
                    like.as_deref(),
                    *scope == VarScope::Global,
                    &self.inst.globals,
                );
                Ok(rows(
                    &["Variable_name", "Value"],
                    v.into_iter()
                        .map(|(n, v)| {
                            let v =
                                endpoint_var(&n, self.endpoint_view()).map_or(v, |e| e.show_text());
                            vec![s(&n), s(&v)]
                        })
                        .collect(),
                ))
            }
            ShowStatement::Status { scope, filter } => {
                let like = like_filter(filter)?;
                let global = *scope == VarScope::Global;
                let mut extra = status_extra(&self.inst, self.tls.as_ref(), global);
                if let Some(bl) = &self.inst.binlog {
                    // MariaDB's coordinate consistent with this session's snapshot
                    // (mysqldump --single-transaction --master-data).
                    let c = &self.inst.sql.cluster;
                    let (f, p) = match &self.txn {
                        Some(t) => bl.coord_for_snapshot(c, t.snapshot().seq())?,
                        None => bl.status(c)?,
                    };
                    extra.push(("Binlog_snapshot_file".to_string(), f));
                    extra.push(("Binlog_snapshot_position".to_string(), p.to_string()));
                }
                let v =
                    self.inst
                        .status
                        .show_status(like.as_deref(), global, &self.counters, &extra);
                Ok(rows(
                    &["Variable_name", "Value"],
                    v.into_iter().map(|(n, v)| vec![s(&n), s(&v)]).collect(),
                ))
            }
            ShowStatement::Databases { filter } => {
                let like = like_filter(filter)?;
                let cat = self.visible_catalog()?;
                let mut names: Vec<String> = vec!["information_schema".into()];
                names.extend(cat.dbs.keys().cloned());
                names.sort();
                Ok(rows(
                    &["Database"],
                    names
                        .into_iter()
                        .filter(|n| like_ok(&like, n))
                        .map(|n| vec![s(&n)])
                        .collect(),
                ))
            }
            ShowStatement::Tables { full, db, filter } => {
                let d = need_db(db)?;
                let like = like_filter(filter)?;
                let cat = self.visible_catalog()?;
                if !cat.dbs.contains_key(&d) && d != "information_schema" {
                    return Err(SqlError::new(1049, format!("Unknown database '{d}'")));
                }
                let col = format!("Tables_in_{d}");
                let mut names: Vec<(&str, &str)> = cat
                    .tables_in(&d)
                    .map(|t| (t.name.as_str(), "BASE TABLE"))
                    .chain(cat.views_in(&d).map(|v| (v.name.as_str(), "VIEW")))
                    .filter(|(n, _)| like_ok(&like, n))
                    .collect();
                names.sort();
                let data: Vec<Vec<Value>> = names
                    .into_iter()
                    .map(|(n, kind)| {
                        if *full {
                            vec![s(n), s(kind)]
                        } else {
                            vec![s(n)]
                        }
                    })
                    .collect();
                if *full {
                    Ok(rows(&[&col, "Table_type"], data))
                } else {
                    Ok(rows(&[&col], data))
                }
            }
            ShowStatement::Columns {
                full,
                table,
                filter,
            } => {
                let d = need_db(&table.db)?;
                let like = like_filter(filter)?;
                let name = table.name.clone();
                let view_cols =
                    self.read(Vec::new(), |ex| match ex.catalog.view(&d, &name).cloned() {
                        Some(v) => {
                            ex.describe = true;
                            ex.view_rows(&v).map(Some)
                        }
                        None => Ok(None),
                    })?;
                if let Some(rs) = view_cols {
                    let sec = self.security()?;
                    let data = rs
                        .columns
                        .iter()
                        // Only the columns the user holds some privilege on.
                        .filter(|c| like_ok(&like, &c.name) && sec.sees_column(&d, &name, &c.name))
                        .map(|c| {
                            let ty =
                                c.ty.as_ref()
                                    .map(|t| t.mysql_name())
                                    .unwrap_or_else(|| "varchar(0)".into());
                            let mut row = vec![s(&c.name), s(&ty)];
                            if *full {
                                row.push(match &c.ty {
                                    Some(t) if t.is_string() => s(t.collation().name()),
                                    _ => Value::Null,
                                });
                            }
                            row.extend([
                                s(if c.nullable { "YES" } else { "NO" }),
                                s(""),
                                Value::Null,
                                s(""),
                            ]);
                            if *full {
                                row.push(s(&sec.column_privilege_text(&d, &name, &c.name)));
                                row.push(s(""));
                            }
                            row
                        })
                        .collect();
                    let mut names = vec!["Field", "Type"];
                    if *full {
                        names.push("Collation");
                    }
                    names.extend(["Null", "Key", "Default", "Extra"]);
                    if *full {
                        names.extend(["Privileges", "Comment"]);
                    }
                    return Ok(rows(&names, data));
                }
                let t = self.read(Vec::new(), |ex| ex.table_by(&d, &name))?;
                let sec = self.security()?;
                let mut data = Vec::new();
                for (i, c) in t.columns.iter().enumerate() {
                    // Only the columns the user holds some privilege on.
                    if !like_ok(&like, &c.name) || !sec.sees_column(&t.db, &t.name, &c.name) {
                        continue;
                    }
                    let key = t.column_key(i);
                    let default = ddl::default_text(c).map(|d| s(&d)).unwrap_or(Value::Null);
                    let default = if matches!(c.default, catalog::ColumnDefault::Null) {
                        Value::Null
                    } else {
                        default
                    };
                    let extra = c.extra();
                    let mut row = vec![s(&c.name), s(&c.ty.mysql_name())];
                    if *full {
                        row.push(if c.ty.is_string() {
                            s(c.ty.collation().name())
                        } else {
                            Value::Null
                        });
                    }
                    row.extend([
                        s(if c.nullable { "YES" } else { "NO" }),
                        s(key),
                        default,
                        s(&extra),
                    ]);
                    if *full {
                        row.push(s(&sec.column_privilege_text(&t.db, &t.name, &c.name)));
                        row.push(s(&c.comment));
                    }
                    data.push(row);
                }
                if *full {
                    Ok(rows(
                        &[
                            "Field",
                            "Type",
                            "Collation",
                            "Null",
                            "Key",
                            "Default",
                            "Extra",
                            "Privileges",
                            "Comment",
                        ],
                        data,
                    ))
                } else {
                    Ok(rows(
                        &["Field", "Type", "Null", "Key", "Default", "Extra"],
                        data,
                    ))
                }
            }
            ShowStatement::Index { table, .. } => {
                let d = need_db(&table.db)?;
                let name = table.name.clone();
                let t = self.read(Vec::new(), |ex| ex.table_by(&d, &name))?;
                let data = super::infoschema::index_rows(&t, |n| {
                    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
                })
                .into_iter()
                .map(|r| {
                    let mut row = vec![s(&t.name)];
                    row.extend(r);
                    row
                })
                .collect();
                Ok(rows(
                    &[
                        "Table",
                        "Non_unique",
                        "Key_name",
                        "Seq_in_index",
                        "Column_name",
                        "Collation",
                        "Cardinality",
                        "Sub_part",
                        "Packed",
                        "Null",
                        "Index_type",
                        "Comment",
                        "Index_comment",
                        "Visible",
                        "Expression",
                    ],
                    data,
                ))
            }
            ShowStatement::Create { kind, name } => {
                match kind {
                    front::ShowCreateKind::Table | front::ShowCreateKind::View => {
                        let d = need_db(&name.db)?;
                        let n = name.name.clone();
                        let view =
                            self.read(Vec::new(), |ex| Ok(ex.catalog.view(&d, &n).cloned()))?;
                        if let Some(v) = view {
                            let cs = self.vars.collation_connection();
                            return Ok(rows(
                                &[
                                    "View",
                                    "Create View",
                                    "character_set_client",
                                    "collation_connection",
                                ],
                                vec![vec![
                                    s(&v.name),
                                    s(&show_create_view(&v)),
                                    s(cs.charset()),
                                    s(cs.name()),
                                ]],
                            ));
                        }
                        if matches!(kind, front::ShowCreateKind::View) {
                            return Err(SqlError::new(1347, format!("'{d}.{n}' is not VIEW")));
                        }
                        let (t, next) = self.read(Vec::new(), |ex| {
                            let t = ex.table_by(&d, &n)?;
                            let next = ex.auto_increment_next(&t)?;
                            Ok((t, next))
                        })?;
                        Ok(rows(
                            &["Table", "Create Table"],
                            vec![vec![s(&t.name), s(&show_create_table_with(&t, next))]],
                        ))
                    }
                    front::ShowCreateKind::Database { if_not_exists } => {
                        let cat = self.catalog()?;
                        let Some(d) = cat.dbs.get(&name.name) else {
                            return Err(SqlError::new(
                                1049,
                                format!("Unknown database '{}'", name.name),
                            ));
                        };
                        let ine = if *if_not_exists {
                            "/*!32312 IF NOT EXISTS*/ "
                        } else {
                            ""
                        };
                        let text = format!("CREATE DATABASE {ine}`{}` /*!40100 DEFAULT CHARACTER SET {} COLLATE {} */", d.name, d.collation.charset(), d.collation.name());
                        Ok(rows(
                            &["Database", "Create Database"],
                            vec![vec![s(&d.name), s(&text)]],
                        ))
                    }
                    front::ShowCreateKind::Trigger => {
                        let d = need_db(&name.db)?;
                        let cat = self.catalog()?;
                        let Some(t) = cat.triggers.get(&(d, name.name.clone())) else {
                            return Err(SqlError::new(1360, "Trigger does not exist"));
                        };
                        Ok(rows(
                            &[
                                "Trigger",
                                "sql_mode",
                                "SQL Original Statement",
                                "character_set_client",
                                "collation_connection",
                                "Database Collation",
                                "Created",
                            ],
                            vec![vec![
                                s(&t.name),
                                s(&t.env.sql_mode),
                                s(&show_create_trigger(t)),
                                s(&t.env.charset_client),
                                s(&t.env.collation_connection),
                                s(&t.env.db_collation),
                                s(&format!("{}.00", time_text(t.env.created_us))),
                            ]],
                        ))
                    }
                    front::ShowCreateKind::Function | front::ShowCreateKind::Procedure => {
                        let (k, kn, col) = if matches!(kind, front::ShowCreateKind::Function) {
                            ('F', "FUNCTION", "Function")
                        } else {
                            ('P', "PROCEDURE", "Procedure")
                        };
                        let d = need_db(&name.db)?;
                        let cat = self.catalog()?;
                        let Some(r) = cat.routine(&d, k, &name.name) else {
                            return Err(SqlError::new(
                                1305,
                                format!("{kn} {} does not exist", name.name),
                            ));
                        };
                        let create = format!("Create {col}");
                        Ok(rows(
                            &[
                                col,
                                "sql_mode",
                                &create,
                                "character_set_client",
                                "collation_connection",
                                "Database Collation",
                            ],
                            vec![vec![
                                s(&r.name),
                                s(&r.env.sql_mode),
                                s(&show_create_routine(r)),
                                s(&r.env.charset_client),
                                s(&r.env.collation_connection),
                                s(&r.env.db_collation),
                            ]],
                        ))
                    }
                    front::ShowCreateKind::Event => {
                        let d = need_db(&name.db)?;
                        let cat = self.catalog()?;
                        let Some(e) = cat.event(&d, &name.name) else {
                            return Err(SqlError::new(
                                1539,
                                format!("Unknown event '{}'", name.name),
                            ));
                        };
                        Ok(rows(
                            &[
                                "Event",
                                "sql_mode",
                                "time_zone",
                                "Create Event",
                                "character_set_client",
                                "collation_connection",
                                "Database Collation",
                            ],
                            vec![vec![
                                s(&e.name),
                                s(&e.env.sql_mode),
                                s(&e.time_zone),
                                s(&show_create_event(e)),
                                s(&e.env.charset_client),
                                s(&e.env.collation_connection),
                                s(&e.env.db_collation),
                            ]],
                        ))
                    }
                    front::ShowCreateKind::User => {
                        let user = name.name.clone();
                        let host = name.db.clone().unwrap_or_else(|| "%".into());
                        let key = (user.clone(), host.clone());
                        let Some(u) = self.catalog()?.users.get(&key).cloned() else {
                            return Err(SqlError::new(
                                1396,
                                format!("Operation SHOW CREATE USER failed for '{user}'@'{host}'"),
                            ));
                        };
                        Ok(rows(
                            &[&format!("CREATE USER for {user}@{host}")],
                            vec![vec![s(&show_create_user(&u))]],
                        ))
                    }
                }
            }
            ShowStatement::TableStatus { db, filter } => {
                let d = need_db(db)?;
                let like = like_filter(filter)?;
                let data = self.read(Vec::new(), |ex| {
                    let tables: Vec<_> = ex
                        .catalog
                        .tables_in(&d)
                        .filter(|t| ex.security.sees_table(&t.db, &t.name))
                        .cloned()
                        .collect();
                    Ok(tables
                        .iter()
                        .filter(|t| like_ok(&like, &t.name))
                        .map(|t| {
                            vec![
                                s(&t.name),
                                s(&t.engine),
                                Value::Int(10),
                                s("Dynamic"),
                                Value::UInt(ex.table_rows(t)),
                                Value::Int(0),
                                Value::Int(0),
                                Value::Int(0),
                                Value::Int(0),
                                Value::Int(0),
                                super::infoschema::auto_increment(ex, t),
                                Value::Null,
                                Value::Null,
                                Value::Null,
                                s(t.collation.name()),
                                Value::Null,
                                s(""),
                                s(&t.comment),
                            ]
                        })
                        .collect())
                })?;
                Ok(rows(
                    &[
                        "Name",
                        "Engine",
                        "Version",
                        "Row_format",
                        "Rows",
                        "Avg_row_length",
                        "Data_length",
                        "Max_data_length",
                        "Index_length",
                        "Data_free",
                        "Auto_increment",
                        "Create_time",
                        "Update_time",
                        "Check_time",
                        "Collation",
                        "Checksum",
                        "Create_options",
                        "Comment",
                    ],
                    data,
                ))
            }
            ShowStatement::Warnings { .. } | ShowStatement::Errors { .. } => {
                let errors_only = matches!(sh, ShowStatement::Errors { .. });
                let data = self
                    .warnings
                    .iter()
                    .filter(|w| !errors_only || w.level == crate::value::Level::Error)
                    .map(|w| {
                        vec![
                            s(w.level.as_str()),
                            Value::UInt(u64::from(w.code)),
                            s(&w.message),
                        ]
                    })
                    .collect();
                Ok(rows(&["Level", "Code", "Message"], data))
            }
            ShowStatement::WarningCount | ShowStatement::ErrorCount => {
                let n = self
                    .warnings
                    .iter()
                    .filter(|w| {
                        matches!(sh, ShowStatement::WarningCount)
                            || w.level == crate::value::Level::Error
                    })
                    .count();
                Ok(rows(
                    &["@@session.warning_count"],
                    vec![vec![Value::UInt(n as u64)]],
                ))
            }
            ShowStatement::Processlist { .. } => {
                let sec = self.security()?;
                Ok(rows(
                    &[
                        "Id", "User", "Host", "db", "Command", "Time", "State", "Info",
                    ],
                    processlist_rows(&self.inst, self.conn_id, "SHOW PROCESSLIST", &sec),
                ))
            }
            ShowStatement::Engines => Ok(rows(
                &[
                    "Engine",
                    "Support",
                    "Comment",
                    "Transactions",
                    "XA",
                    "Savepoints",
                ],
                vec![vec![
                    s("InnoDB"),
                    s("DEFAULT"),
                    s("Borealis copy-on-write page volume (all engines map to it)"),
                    s("YES"),
                    s("NO"),
                    s("YES"),
                ]],
            )),
            ShowStatement::CharacterSet { filter } => {
                let like = like_filter(filter)?;
                let mut seen = Vec::new();
                for c in Collation::all() {
                    if !seen.contains(&c.charset()) {
                        seen.push(c.charset());
                    }
                }
                let data = seen
                    .into_iter()
                    .filter(|cs| like_ok(&like, cs))
                    .map(|cs| {
                        let d = Collation::default_for_charset(cs).unwrap_or(Collation::Binary);
                        // MySQL 8.0's (and MariaDB's) descriptions.
                        let description = match cs {
                            "binary" => "Binary pseudo charset",
                            "latin1" => "cp1252 West European",
                            "ascii" => "US ASCII",
                            "utf8mb3" | "utf8mb4" => "UTF-8 Unicode",
                            other => other,
                        };
                        vec![
                            s(cs),
                            s(description),
                            s(d.name()),
                            Value::UInt(u64::from(d.max_bytes_per_char())),
                        ]
                    })
                    .collect();
                let mut columns: Vec<OutColumn> = ["Charset", "Description", "Default collation"]
                    .iter()
                    .map(|c| text_col(c))
                    .collect();
                columns.push(OutColumn::expr(
                    "Maxlen",
                    Some(SqlType::Int {
                        kind: IntKind::Big,
                        unsigned: true,
                        width: Some(3),
                    }),
                ));
                Ok(Output::Rows(RowSet {
                    columns,
                    rows: data,
                }))
            }
            ShowStatement::Collation { filter } => {
                let like = like_filter(filter)?;
                let data = Collation::all()
                    .iter()
                    .filter(|c| like_ok(&like, c.name()))
                    .map(|c| {
                        let dflt = Collation::default_for_charset(c.charset()) == Some(*c);
                        vec![
                            s(c.name()),
                            s(c.charset()),
                            Value::UInt(u64::from(c.id())),
                            s(if dflt { "Yes" } else { "" }),
                            s("Yes"),
                            Value::UInt(1),
                            s(if c.pad_space() { "PAD SPACE" } else { "NO PAD" }),
                        ]
                    })
                    .collect();
                Ok(rows(
                    &[
                        "Collation",
                        "Charset",
                        "Id",
                        "Default",
                        "Compiled",
                        "Sortlen",
                        "Pad_attribute",
                    ],
                    data,
                ))
            }
            ShowStatement::Grants { user } => {
                let (u, h) = match user {
                    Some(uh) if uh.user != "CURRENT_USER" => (uh.user.clone(), uh.host.clone()),
                    _ => (self.user.clone(), self.account_host()),
                };
                let cat = self.catalog()?;
                let Some(d) = cat
                    .users
                    .get(&(u.clone(), h.clone()))
                    .or_else(|| cat.find_user(&u, &h))
                else {
                    return Err(SqlError::new(
                        1141,
                        format!("There is no such grant defined for user '{u}' on host '{h}'"),
                    ));
                };
                let mut lines = vec![format!(
                    "GRANT {} ON *.* TO `{}`@`{}`{}",
                    privs_text(d.global, privs::ALL),
                    d.user,
                    d.host,
                    if d.global & privs::GRANT_OPTION != 0 {
                        " WITH GRANT OPTION"
                    } else {
                        ""
                    }
                )];
                for (db, p) in &d.dbs {
                    lines.push(format!(
                        "GRANT {} ON `{db}`.* TO `{}`@`{}`",
                        privs_text(*p, privs::ALL_DB),
                        d.user,
                        d.host
                    ));
                }
                lines.extend(table_grant_lines(d));
                for kind in ['P', 'F'] {
                    for ((db, k, name), p) in &d.routines {
                        if *k != kind {
                            continue;
                        }
                        lines.push(format!(
                            "GRANT {} ON {} `{db}`.`{name}` TO `{}`@`{}`{}",
                            // MySQL lists them (never ALL PRIVILEGES) on one routine.
                            privs_text(*p & ROUTINE_PRIVS, u32::MAX),
                            if kind == 'P' { "PROCEDURE" } else { "FUNCTION" },
                            d.user,
                            d.host,
                            if *p & privs::GRANT_OPTION != 0 {
                                " WITH GRANT OPTION"
                            } else {
                                ""
                            }
                        ));
                    }
                }
                let col = format!("Grants for {}@{}", d.user, d.host);
                Ok(rows(
                    &[&col],
                    lines.into_iter().map(|l| vec![s(&l)]).collect(),
                ))
            }
            ShowStatement::MasterStatus => match &self.inst.binlog {
                Some(bl) => Ok(Output::Rows(bl.show_master_status(&self.inst.sql.cluster)?)),
                None => Ok(rows(
                    &[
                        "File",
                        "Position",
                        "Binlog_Do_DB",
                        "Binlog_Ignore_DB",
                        "Executed_Gtid_Set",
                    ],
                    Vec::new(),
                )),
            },
            ShowStatement::BinaryLogs => match &self.inst.binlog {
                Some(bl) => Ok(Output::Rows(bl.show_binary_logs()?)),
                None => Err(SqlError::new(1381, "You are not using binary logging")),
            },
            ShowStatement::BinlogEvents { file, pos, limit } => match &self.inst.binlog {
                Some(bl) => Ok(Output::Rows(bl.show_binlog_events(
                    file.as_deref(),
                    *pos,
                    limit.as_ref().map_or(0, |l| l.offset),
                    limit.as_ref().map(|l| l.count),
                )?)),
                None => Ok(rows(
                    &[
                        "Log_name",
                        "Pos",
                        "Event_type",
                        "Server_id",
                        "End_log_pos",
                        "Info",
                    ],
                    Vec::new(),
                )),
            },
            ShowStatement::ReplicaHosts if self.inst.binlog.is_some() => {
                let bl = self.inst.binlog.clone();
                Ok(Output::Rows(bl.map(|b| b.replica_hosts()).ok_or_else(
                    || SqlError::new(1381, "You are not using binary logging"),
                )?))
            }
            ShowStatement::ReplicaStatus { old_names } => {
                let (cols, data) = Replica::status(&self.inst, *old_names)?;
                let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
                Ok(rows(&cols, data))
            }
            ShowStatement::ReplicaHosts => Ok(rows(
                &["Server_id", "Host", "Port", "Master_id"],
                Vec::new(),
            )),
            ShowStatement::Events { db, filter } => {
                let d = need_db(db)?;
                let cat = self.visible_catalog()?;
                let data = cat
                    .events
                    .values()
                    .filter(|e| e.db == d)
                    .map(|e| {
                        let one_time = !e.execute_at.is_empty();
                        let opt = |v: &str| if v.is_empty() { Value::Null } else { s(v) };
                        vec![
                            s(&e.db),
                            s(&e.name),
                            s(&e.env.definer),
                            s(&e.time_zone),
                            s(if one_time { "ONE TIME" } else { "RECURRING" }),
                            opt(&e.execute_at),
                            opt(&e.interval_value),
                            opt(&e.interval_field),
                            opt(&e.starts),
                            opt(&e.ends),
                            s(&e.status),
                            s(&self.inst.globals.info().server_id.to_string()),
                            s(&e.env.charset_client),
                            s(&e.env.collation_connection),
                            s(&e.env.db_collation),
                        ]
                    })
                    .collect();
                self.show_rows(
                    &[
                        "Db",
                        "Name",
                        "Definer",
                        "Time zone",
                        "Type",
                        "Execute at",
                        "Interval value",
                        "Interval field",
                        "Starts",
                        "Ends",
                        "Status",
                        "Originator",
                        "character_set_client",
                        "collation_connection",
                        "Database Collation",
                    ],
                    data,
                    filter,
                    1,
                )
            }
            ShowStatement::RoutineStatus { kind, filter } => {
                let k = match kind {
                    front::RoutineKind::Function => Some('F'),
                    front::RoutineKind::Procedure => Some('P'),
                    _ => None,
                };
                let cat = self.visible_catalog()?;
                let data = cat
                    .routines
                    .values()
                    .filter(|r| Some(r.kind) == k)
                    .map(|r| {
                        vec![
                            s(&r.db),
                            s(&r.name),
                            s(r.kind_name()),
                            s(&r.env.definer),
                            s(&time_text(r.env.created_us)),
                            s(&time_text(r.env.created_us)),
                            s(&r.security),
                            s(&r.comment),
                            s(&r.env.charset_client),
                            s(&r.env.collation_connection),
                            s(&r.env.db_collation),
                        ]
                    })
                    .collect();
                self.show_rows(
                    &[
                        "Db",
                        "Name",
                        "Type",
                        "Definer",
                        "Modified",
                        "Created",
                        "Security_type",
                        "Comment",
                        "character_set_client",
                        "collation_connection",
                        "Database Collation",
                    ],
                    data,
                    filter,
                    1,
                )
            }
            ShowStatement::Triggers { db, filter } => {
                let d = need_db(db)?;
                let cat = self.visible_catalog()?;
                let mut trgs: Vec<_> = cat.triggers.values().filter(|t| t.db == d).collect();
                let rank = |t: &catalog::TriggerDef| {
                    let ev = ["INSERT", "UPDATE", "DELETE"]
                        .iter()
                        .position(|e| *e == t.event);
                    (t.table.clone(), ev, t.timing != "BEFORE", t.order)
                };
                trgs.sort_by_key(|t| rank(t));
                let data = trgs
                    .into_iter()
                    .map(|t| {
                        vec![
                            s(&t.name),
                            s(&t.event),
                            s(&t.table),
                            s(&t.body),
                            s(&t.timing),
                            s(&format!("{}.00", time_text(t.env.created_us))),
                            s(&t.env.sql_mode),
                            s(&t.env.definer),
                            s(&t.env.charset_client),
                            s(&t.env.collation_connection),
                            s(&t.env.db_collation),
                        ]
                    })
                    .collect();
                self.show_rows(
                    &[
                        "Trigger",
                        "Event",
                        "Table",
                        "Statement",
                        "Timing",
                        "Created",
                        "sql_mode",
                        "Definer",
                        "character_set_client",
                        "collation_connection",
                        "Database Collation",
                    ],
                    data,
                    filter,
                    2,
                )
            }
            ShowStatement::Plugins => Ok(rows(
                &["Name", "Status", "Type", "Library", "License"],
                vec![vec![
                    s("mysql_native_password"),
                    s("ACTIVE"),
                    s("AUTHENTICATION"),
                    Value::Null,
                    s("GPL"),
                ]],
            )),
            ShowStatement::Privileges => Ok(rows(
                &["Privilege", "Context", "Comment"],
                privs::NAMES
                    .iter()
                    .map(|(_, n)| vec![s(n), s("Server Admin"), s("")])
                    .collect(),
            )),
            ShowStatement::OpenTables { .. } => Ok(rows(
                &["Database", "Table", "In_use", "Name_locked"],
                Vec::new(),
            )),
            ShowStatement::EngineStatus { .. } => Ok(rows(&["Type", "Name", "Status"], Vec::new())),
        }
    }
}

/// MySQL 8.0's limits on an account name: 32 characters of user, 255 of host (1470).
fn check_account_name(user: &str, host: &str) -> SqlResult<()> {
    for (v, what, max) in [(user, "user name", 32), (host, "host name", 255)] {
        if v.chars().count() > max {
            return Err(SqlError::new(
                1470,
                format!("String '{v}' is too long for {what} (should be no longer than {max})"),
            ));
        }
    }
    Ok(())
}

/// SHOW GRANTS' list of `p` at a level where ALL means `all`.
/// SHOW GRANTS' lines for the table and column privileges of `d`, as MySQL 8.0 prints
/// them: one line per table, each privilege in order, a column privilege as
/// `SELECT (`a`, `b`)` (after the same privilege on the whole table when both are held).
fn table_grant_lines(d: &UserDef) -> Vec<String> {
    let mut keys: std::collections::BTreeSet<(String, String)> = d.tables.keys().cloned().collect();
    keys.extend(d.columns.keys().map(|(db, t, _)| (db.clone(), t.clone())));
    let mut lines = Vec::new();
    for (db, t) in keys {
        let table = d.tables.get(&(db.clone(), t.clone())).copied().unwrap_or(0);
        let mut cols: Vec<(&String, u32)> = d
            .columns
            .range((db.clone(), t.clone(), String::new())..)
            .take_while(|((cd, ct, _), _)| *cd == db && *ct == t)
            .map(|((_, _, c), p)| (c, *p))
            .collect();
        // Column names compare case-insensitively, so they are listed in that order.
        cols.sort_by_key(|(c, _)| c.to_ascii_lowercase());
        let col_bits = cols.iter().fold(0, |a, (_, p)| a | p);
        let text = if table & privs::ALL_TABLE == privs::ALL_TABLE {
            "ALL PRIVILEGES".to_string()
        } else {
            let mut parts = Vec::new();
            for (b, n) in privs::NAMES {
                if (table | col_bits) & b == 0 {
                    continue;
                }
                if table & b != 0 {
                    parts.push(n.to_string());
                }
                let with: Vec<String> = cols
                    .iter()
                    .filter(|(_, p)| p & b != 0)
                    .map(|(c, _)| format!("`{c}`"))
                    .collect();
                if !with.is_empty() {
                    parts.push(format!("{n} ({})", with.join(", ")));
                }
            }
            if parts.is_empty() {
                "USAGE".to_string()
            } else {
                parts.join(", ")
            }
        };
        lines.push(format!(
            "GRANT {text} ON `{db}`.`{t}` TO `{}`@`{}`{}",
            d.user,
            d.host,
            if table & privs::GRANT_OPTION != 0 {
                " WITH GRANT OPTION"
            } else {
                ""
            }
        ));
    }
    lines
}

fn privs_text(p: u32, all: u32) -> String {
    if p & all == all {
        return "ALL PRIVILEGES".into();
    }
    let names: Vec<&str> = privs::NAMES
        .iter()
        .filter(|(b, _)| p & b != 0)
        .map(|(_, n)| *n)
        .collect();
    if names.is_empty() {
        "USAGE".into()
    } else {
        names.join(", ")
    }
}

/// The privilege bits GRANT/REVOKE names in `g` (ALL as [`privs::ALL`]); 1149 for an
/// unknown name.
fn grant_bits(ps: &[&front::Privilege]) -> SqlResult<u32> {
    let mut bits = 0u32;
    for p in ps {
        let name = p.name.to_ascii_uppercase();
        bits |= match name.as_str() {
            // What ALL means depends on the level; cut by the caller.
            "ALL" | "ALL PRIVILEGES" => privs::ALL,
            "USAGE" => 0,
            "GRANT OPTION" => privs::GRANT_OPTION,
            other => privs::NAMES
                .iter()
                .find(|(_, n)| *n == other)
                .map(|(b, _)| *b)
                .ok_or_else(|| SqlError::new(1149, format!("Illegal privilege '{other}'")))?,
        };
    }
    Ok(bits)
}

fn illegal_grant() -> SqlError {
    SqlError::new(
        1144,
        "Illegal GRANT/REVOKE command; please consult the manual to see which privileges can be used",
    )
}

/// What ALL means on one routine.
const ROUTINE_PRIVS: u32 = privs::EXECUTE | privs::ALTER_ROUTINE;
/// The privileges a column can carry.
const COLUMN_PRIVS: u32 = privs::SELECT | privs::INSERT | privs::UPDATE | privs::REFERENCES;

/// GRANT (`grant`) or REVOKE `g` on the accounts of `cat`, with `cur_db` the session's
/// database (for `ON t` and `ON *`), by `sec` (who must hold what it grants or revokes).
/// Levels as MySQL's: global, database, table with its columns (`SELECT (a, b)`), and one
/// FUNCTION or PROCEDURE.
fn grant_revoke(
    sec: &Security,
    cat: &catalog::Catalog,
    tx: &mut Transaction,
    g: &front::Grant,
    grant: bool,
    cur_db: Option<&str>,
    view_cols: Option<&[String]>,
) -> SqlResult<()> {
    let all = g.privileges.iter().any(|p| {
        let n = p.name.to_ascii_uppercase();
        n == "ALL" || n == "ALL PRIVILEGES"
    });
    let table_privs: Vec<&front::Privilege> = g
        .privileges
        .iter()
        .filter(|p| p.columns.is_empty())
        .collect();
    let mut bits = grant_bits(&table_privs)?;
    // Column privileges: (column as typed first, bits).
    let mut col_grants: Vec<(String, u32)> = Vec::new();
    for p in g.privileges.iter().filter(|p| !p.columns.is_empty()) {
        let b = grant_bits(&[p])?;
        if b & !COLUMN_PRIVS != 0 || b == 0 {
            // MySQL's grammar has a column list only after these four.
            return Err(SqlError::new(
                1064,
                format!(
                    "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '({})'",
                    p.columns.join(", ")
                ),
            ));
        }
        for c in &p.columns {
            match col_grants
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case(c))
            {
                Some((_, have)) => *have |= b,
                None => col_grants.push((c.clone(), b)),
            }
        }
    }
    enum Level {
        Global,
        Db(String),
        Table(String, String),
        Routine(String, char, String),
    }
    let no_db = || SqlError::new(1046, "No database selected");
    let level = match &g.object {
        None => Level::Global,
        Some(o) if o.db_all => Level::Global,
        Some(o) if o.kind != "TABLE" => {
            let (Some(name), db) = (&o.table, o.db.as_deref().or(cur_db)) else {
                return Err(illegal_grant());
            };
            let db = db.ok_or_else(no_db)?.to_string();
            let k = if o.kind == "FUNCTION" { 'F' } else { 'P' };
            if grant && cat.routine(&db, k, name).is_none() {
                return Err(SqlError::new(
                    1305,
                    format!("{} {db}.{name} does not exist", o.kind),
                ));
            }
            Level::Routine(db, k, name.to_ascii_lowercase())
        }
        Some(o) => match (&o.db, &o.table) {
            (Some(db), Some(t)) => Level::Table(db.clone(), t.clone()),
            (Some(db), None) => Level::Db(db.clone()),
            (None, Some(t)) => Level::Table(cur_db.ok_or_else(no_db)?.to_string(), t.clone()),
            (None, None) => Level::Db(cur_db.ok_or_else(no_db)?.to_string()),
        },
    };
    let allowed = match &level {
        Level::Global => privs::ALL,
        Level::Db(_) => privs::ALL_DB,
        Level::Table(..) => privs::ALL_TABLE,
        Level::Routine(..) => ROUTINE_PRIVS,
    };
    if all {
        bits &= allowed | privs::GRANT_OPTION;
    }
    if bits & !(allowed | privs::GRANT_OPTION) != 0 {
        // A global privilege on a database or table, as MySQL.
        return Err(if matches!(level, Level::Db(_)) {
            SqlError::new(1221, "Incorrect usage of DB GRANT and GLOBAL PRIVILEGES")
        } else {
            illegal_grant()
        });
    }
    if !col_grants.is_empty() {
        let Level::Table(db, t) = &level else {
            return Err(illegal_grant());
        };
        if grant {
            // A table's columns, or a view's (described by the caller).
            let names: Vec<&str> = match (cat.table(db, t), view_cols) {
                (Some(def), _) => def.columns.iter().map(|c| c.name.as_str()).collect(),
                (None, Some(v)) => v.iter().map(String::as_str).collect(),
                (None, None) => {
                    return Err(SqlError::new(
                        1146,
                        format!("Table '{db}.{t}' doesn't exist"),
                    ))
                }
            };
            for (c, _) in &col_grants {
                if !names.iter().any(|n| n.eq_ignore_ascii_case(c)) {
                    return Err(SqlError::new(
                        1054,
                        format!("Unknown column '{c}' in '{t}'"),
                    ));
                }
            }
        }
    }
    if !grant && all && g.object.is_none() {
        // REVOKE ALL PRIVILEGES, GRANT OPTION FROM u: MySQL asks for CREATE USER.
        sec.global(privs::CREATE_USER, "CREATE USER")?;
    } else {
        sec.may_grant(
            match &level {
                Level::Global => GrantOn::Global,
                Level::Db(db) => GrantOn::Db(db),
                Level::Table(db, t) => GrantOn::Table(db, t),
                Level::Routine(db, k, name) => GrantOn::Routine(db, *k, name),
            },
            bits,
            &col_grants,
        )?;
    }
    if g.with_grant_option {
        bits |= privs::GRANT_OPTION;
    }
    for u in &g.users {
        let Some(d) = cat.users.get(&(u.user.clone(), u.host.clone())) else {
            return Err(SqlError::new(
                1133,
                "Can't find any matching row in the user table",
            ));
        };
        let mut d = d.clone();
        if let (false, Level::Table(db, t)) = (grant, &level) {
            // MySQL: revoking a column privilege not held is 1147.
            for (c, b) in &col_grants {
                if d.column_privs(db, t, c) & b != *b {
                    return Err(SqlError::new(
                        1147,
                        format!(
                            "There is no such grant defined for user '{}' on host '{}' on table '{t}'",
                            d.user, d.host
                        ),
                    ));
                }
            }
        }
        match &level {
            Level::Global if !grant && all && g.object.is_none() => {
                // REVOKE ALL PRIVILEGES, GRANT OPTION FROM u: every level.
                d.global = 0;
                d.dbs.clear();
                d.tables.clear();
                d.routines.clear();
                d.columns.clear();
            }
            Level::Global => apply(&mut d.global, bits, grant),
            Level::Db(db) => apply(d.dbs.entry(db.clone()).or_insert(0), bits, grant),
            Level::Table(db, t) => {
                apply(
                    d.tables.entry((db.clone(), t.clone())).or_insert(0),
                    bits,
                    grant,
                );
                for (c, b) in &col_grants {
                    let key = d
                        .column_key(db, t, c)
                        .unwrap_or_else(|| (db.clone(), t.clone(), c.clone()));
                    apply(d.columns.entry(key).or_insert(0), *b, grant);
                }
                if !grant {
                    // Revoking a privilege on the table revokes it on its columns too.
                    for ((cd, ct, _), p) in d.columns.iter_mut() {
                        if cd == db && ct == t {
                            *p &= !bits;
                        }
                    }
                }
            }
            Level::Routine(db, k, name) => apply(
                d.routines
                    .entry((db.clone(), *k, name.clone()))
                    .or_insert(0),
                bits,
                grant,
            ),
        }
        d.dbs.retain(|_, p| *p != 0);
        d.tables.retain(|_, p| *p != 0);
        d.routines.retain(|_, p| *p != 0);
        d.columns.retain(|_, p| *p != 0);
        tx.put(
            CATALOG_TREE,
            &catalog::user_key(&d.user, &d.host),
            &catalog::encode_user(&d),
        )?;
    }
    Ok(())
}

fn apply(slot: &mut u32, bits: u32, grant: bool) {
    if grant {
        *slot |= bits;
    } else {
        *slot &= !bits;
    }
}

/// Replaces the `?` placeholders of a prepared statement by its parameters, in
/// the order they appear.
fn substitute_params(p: &mut Parsed, params: &[Value]) -> SqlResult<()> {
    match p {
        Parsed::Sql(st) => substitute_in(st.as_mut(), params),
        Parsed::Own(_) => Err(SqlError::new(
            1235,
            "This version of Borealis doesn't yet support parameters in this statement",
        )),
    }
}

/// Replaces the placeholders of `node`, in order, with `params` as literals.
fn substitute_in<V: ast::VisitMut>(node: &mut V, params: &[Value]) -> SqlResult<()> {
    use std::ops::ControlFlow;
    let mut next = 0;
    let mut missing = false;
    let mut visit = |e: &mut ast::Expr| {
        if let ast::Expr::Value(v) = e {
            if matches!(v.value, ast::Value::Placeholder(_)) {
                match params.get(next) {
                    Some(val) => *e = super::exec::value_literal(val),
                    None => missing = true,
                }
                next += 1;
            }
        }
        ControlFlow::<()>::Continue(())
    };
    let _ = ast::visit_expressions_mut(node, &mut visit);
    if missing || next != params.len() {
        return Err(SqlError::new(
            1210,
            "Incorrect arguments to mysqld_stmt_execute",
        ));
    }
    Ok(())
}

/// A connection's first RAND() seeds: different per connection and per server run, as
/// MySQL's (which mixes a global generator, an address and the query id).
fn connection_rand(id: u32) -> super::functions::MyRnd {
    let t = now_us();
    let mix = |x: u64| {
        let x = (x ^ (x >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        (x ^ (x >> 29)).wrapping_mul(0x94D0_49BB_1331_11EB) ^ (x >> 32)
    };
    super::functions::MyRnd::new(
        mix(t ^ u64::from(id)),
        mix(t.rotate_left(17) + u64::from(id)),
    )
}

/// What [`Session::log_statement`] needs to know about a statement that ran.
struct StmtFacts {
    /// Statement start (NOW()), µs since the epoch.
    started_us: i64,
    /// LAST_INSERT_ID() when it started.
    last_insert_before: u64,
    /// The session's RAND() seeds when it started (packed), for a Rand event.
    rand_before: u64,
    /// The session's user variables when it started, if it assigns any.
    user_vars_before: Option<HashMap<String, Value>>,
    auto_ids: Vec<u64>,
    explicit_auto: bool,
    warned: bool,
}

/// A user variable's value for a User_var event, and whether a replica gets exactly it
/// (temporal values travel as their text).
fn user_var_value(v: &Value, collation: u16) -> (crate::binlog::UserVarValue, bool) {
    use crate::binlog::UserVarValue as U;
    match v {
        Value::Null => (U::Null, true),
        Value::Int(i) => (
            U::Int {
                value: *i,
                unsigned: false,
            },
            true,
        ),
        Value::UInt(u) => (
            U::Int {
                value: *u as i64,
                unsigned: true,
            },
            true,
        ),
        Value::Double(d) => (U::Real(*d), true),
        Value::Decimal(d) => (U::Decimal(d.clone()), true),
        Value::Bytes(b) => (
            U::String {
                bytes: b.clone(),
                collation,
            },
            true,
        ),
        other => (
            U::String {
                bytes: other.to_text().unwrap_or_default(),
                collation,
            },
            false,
        ),
    }
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

impl Instance {
    fn status_conflict(&self) {
        CONFLICTS.fetch_add(1, Ordering::Relaxed);
    }
    fn conflicts(&self) -> u64 {
        CONFLICTS.load(Ordering::Relaxed)
    }
}

static CONFLICTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The column type CREATE TABLE ... SELECT gives a SELECT column of type `ty`.
fn create_select_type(ty: Option<&SqlType>) -> String {
    match ty {
        // A NULL literal: MySQL makes it binary(0).
        None => "binary(0)".into(),
        // Computed strings of unknown length would pass the row size limit as VARCHAR.
        Some(SqlType::VarChar { len, collation }) if *len > 16383 => {
            format!(
                "mediumtext CHARACTER SET {} COLLATE {}",
                collation.charset(),
                collation.name()
            )
        }
        Some(t) if t.is_string() && !t.collation().is_binary() => format!(
            "{} CHARACTER SET {} COLLATE {}",
            t.mysql_name(),
            t.collation().charset(),
            t.collation().name()
        ),
        Some(t) => t.mysql_name(),
    }
}

/// `name`'s last part, as a LIKE pattern matching only itself.
fn like_escape(name: &ast::ObjectName) -> String {
    let last = name
        .0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
        .unwrap_or_default();
    last.replace('\\', "\\\\")
        .replace('\'', "\\'")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
