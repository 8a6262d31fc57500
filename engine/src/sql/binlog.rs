//! The binlog of the served cluster, as the SQL layer drives it: rendering each commit
//! into events, crash recovery, the statements (SHOW BINARY LOGS, SHOW BINLOG EVENTS,
//! PURGE, RESET MASTER, FLUSH BINARY LOGS, ...) and the dump stream replicas read.
//! The file format itself is [`crate::binlog`].
//!
//! # Life of a binlogged commit
//!
//! 1. The session commits with [`crate::storage::Transaction::commit_with`]; the hook
//!    ([`ClusterBinlog::write_commit`]) runs under the cluster's commit lock, so the
//!    order of transactions in the files is the commit order.
//! 2. The hook renders the commit record ([`render`]): a DDL transaction is its statement
//!    as one Query event; with `binlog_format` MIXED or STATEMENT, a transaction whose
//!    DML could all be logged as statements is Query `BEGIN`, per statement its context
//!    events and Query, and an Xid (see "Statement-based logging"); any other is Query
//!    `BEGIN`, per table (by primary tree) a
//!    Table_map and its Delete/Update/Write_rows events (deletes first, then updates,
//!    then inserts, `STMT_END_F` on the table's last event), and an Xid. Changes of
//!    secondary-index trees and of the catalog tree are not logged.
//! 3. The events are placed after the previous transaction's in the active file
//!    ([`crate::binlog::BinlogDir::append`]; not written yet) and the coordinate (file
//!    number, end) goes into the WAL commit record and the timeline. So do the events,
//!    for recovery: a row-logged commit's record keeps only a *render note* (the Query
//!    `BEGIN`'s session state, `binlog_row_metadata`, the checksum, the events' length and
//!    its tables' definitions), since the record already holds every row's before and
//!    after image and the events are a function of those ([`KeptEvents::Render`]); any
//!    other keeps the events' bytes. A file that reached `max_binlog_size` rotates once
//!    this commit is durable (step 5, "Rotation"); rotation writes what is pending and
//!    fsyncs the file it closes.
//! 4. The group commit's one fsync of the log makes the events durable with the record:
//!    the binlog file is not fsynced at commit. It is fsynced by every checkpoint before
//!    recovery may skip the records before it
//!    ([`crate::storage::Volume::add_checkpoint_hook`]), at rotation and at shutdown. A
//!    transaction whose events exceed [`crate::storage::MAX_KEPT_BINLOG_EVENTS`] is not
//!    kept in its record; the binlog is fsynced before that record instead.
//! 5. When the commit is durable and published, the session writes the pending events
//!    (its own and those of commits before it: one `write` for a group of commits) and
//!    moves the *safe coordinate* ([`ClusterBinlog::mark_safe`]) past them. Dump threads
//!    never send a transaction's events beyond the safe coordinate: a replica never
//!    receives what a crash could take back (DESIGN "Durability and the log" 3).
//!
//! # Rotation
//!
//! A commit whose log write fails (a full disk) is rolled back after its events were
//! appended, and the rollback hook ([`ClusterBinlog::roll_back_to`]) drops them. A
//! Rotate written after them could not be taken back without removing the new file
//! that dump threads (and their replicas) may already have been told about, so no
//! rotation follows a commit that can still be rolled back (see
//! [`crate::binlog::BinlogDir::discard_after`]): every rotation (size, FLUSH BINARY
//! LOGS, SET GLOBAL binlog_checksum) runs under the cluster's commit lock once every
//! commit appended is durable ([`Cluster::with_commits_durable`]: one fsync of the log
//! if commits are in flight; new commits wait meanwhile, as MySQL's rotation waits for
//! its prepared transactions). The commit that takes the file past `max_binlog_size`
//! only marks the rotation due; its session rotates in [`ClusterBinlog::mark_safe`],
//! once its own commit is durable, so a file may end a few commits past the size
//! (MySQL's files too end past it, at the transaction that crossed it). On a full disk
//! a rotation may fail (FLUSH BINARY LOGS then reports it); a due size rotation is
//! tried again after the next commit. Writes therefore work again as soon as space is
//! freed, with nothing to repair and no restart.
//!
//! # Crash recovery
//!
//! [`ClusterBinlog::open`] runs after the engine's recovery. After an OS crash the binlog
//! file may have lost events that were written but not fsynced: those of every commit
//! recovery replayed are written back from the records
//! ([`crate::storage::Cluster::take_recovered_binlog`]; older ones were fsynced by the
//! checkpoint), row-logged ones rendered again from their render notes and changes (a
//! rendering whose length differs from the note's is not written). The binlog may also hold events of transactions whose WAL record did not
//! become durable: it is cut after the coordinate of the newest commit the engine
//! recovered ([`crate::storage::Cluster::binlog_coord_at`]) and a new file is started,
//! as MySQL rotates at every start. If the timeline has no coordinate (nothing binlogged
//! inside the retention window), the binlog is only cut back to whole transactions.
//!
//! # Choices
//!
//! - See "Statement-based logging" for MIXED and STATEMENT.
//! - Collation ids MariaDB does not know (MySQL 8's 255 `utf8mb4_0900_ai_ci`, 309
//!   `utf8mb4_0900_bin`, any id over 254) are logged as the default collation of their
//!   character set in Query events, so a MariaDB replica runs them.
//! - Within one transaction each key appears once (its net change); rows are ordered by
//!   table, then deletes / updates / inserts, then key. A transaction that swaps unique
//!   secondary-key values between rows in several statements can therefore not be
//!   replayed row by row on a replica.
//! - Users created at first start (the master user) are not logged: they exist on a
//!   replica only if created there, as with MySQL's `--initialize`.
//!
//! # Foreign keys
//!
//! MySQL 8.0 (InnoDB) does not log cascaded changes: a replica's InnoDB cascades again
//! from the parent's row event, and the statement order keeps parents before children.
//! Borealis logs each table's *net* changes grouped by table (above), so neither holds:
//! a child's rows may come before its parent's, and a replica that cascaded itself would
//! then miss the child rows the events delete. So the cascaded changes are logged like
//! any other, and every rows event of a transaction that changed a table with foreign
//! keys (or ran with `foreign_key_checks=0`) carries `NO_FOREIGN_KEY_CHECKS_F`: a
//! MySQL/MariaDB replica applies the rows as they are, without checks or cascades, and
//! ends equal. The source already enforced the constraints.
//!
//! # Statement-based logging
//!
//! With `binlog_format=MIXED`, each INSERT / REPLACE / UPDATE / DELETE that succeeds is
//! checked ([`super::stmtlog::analyze`]) when it ends. A safe one is kept as a
//! [`LoggedStatement`]: its text (for COM_STMT_EXECUTE, the statement with its
//! parameters as literals, as MySQL logs it), the Query event status block of the moment
//! (db, flags2, sql_mode, charsets and collations, time zone, auto_increment
//! increment/offset), the statement's start second as the event timestamp, and the
//! context events MySQL writes before it, in MySQL's order: Intvar LAST_INSERT_ID (the
//! statement calls LAST_INSERT_ID()), Intvar INSERT_ID (the first AUTO_INCREMENT value it
//! generated), User_var for each `@variable` it reads. At commit, the transaction is
//! logged as `BEGIN`, those events, `Xid` if every DML statement of it was kept and
//! nothing it depends on changed (below); otherwise the whole transaction is logged as
//! rows. MySQL mixes the two formats inside one transaction; Borealis does not, because
//! a transaction's write set holds one net change per key, not each statement's rows.
//!
//! Safe (logged as text): single-table INSERT/REPLACE ... VALUES/SET, INSERT ... SELECT
//! without LIMIT into a table without AUTO_INCREMENT, single-table UPDATE and DELETE
//! without LIMIT (ORDER BY allowed), over base tables, using only built-in deterministic
//! functions, aggregates COUNT/SUM/MIN/MAX/AVG, DATABASE(), LAST_INSERT_ID() (Intvar),
//! user variables holding NULL, integers, reals, decimals or strings (User_var), and
//! NOW()/CURRENT_TIMESTAMP/LOCALTIME[STAMP]/CURTIME/CURDATE/UNIX_TIMESTAMP() without
//! fractional seconds: the replica's NOW() is the event timestamp, which is the second
//! the engine used for NOW() (the engine truncates NOW() as MySQL does).
//!
//! RAND() and RAND(N) in INSERT/REPLACE ... VALUES/SET are safe: Borealis' generator is
//! MySQL's, RAND() is logged with a Rand event holding the session's seeds before the
//! statement (a replica continues the same sequence), RAND(N) reproduces itself.
//!
//! Unsafe (the transaction is logged as rows): RAND() in UPDATE, DELETE and INSERT ...
//! SELECT (each call's value depends on the order rows are visited in, which a replica
//! need not share), UUID(), UUID_SHORT(), SYSDATE(),
//! UTC_TIMESTAMP(), SLEEP(), LOAD_FILE(), USER()/CURRENT_USER()/CONNECTION_ID()/
//! VERSION()/ROW_COUNT()/FOUND_ROWS(), LAST_INSERT_ID(expr), any other function not in
//! the built-in list (stored functions included); time functions or column defaults /
//! ON UPDATE with fractional seconds (the Query event has whole seconds only);
//! `@@system` variables; user-variable assignments (`:=`); user variables holding
//! temporal values; `/*! ... */` comments; UPDATE/DELETE/INSERT ... SELECT with LIMIT
//! (with or without ORDER BY: ties may order differently on a replica); multi-table
//! UPDATE/DELETE; UPDATE of a primary or unique key column (row order decides duplicate
//! errors); INSERT ... ON DUPLICATE KEY UPDATE on a table with more than one unique key;
//! REPLACE, INSERT IGNORE, INSERT ... SELECT and ON DUPLICATE KEY UPDATE into a table with
//! an AUTO_INCREMENT column; AUTO_INCREMENT values that a replica would not generate from
//! INSERT_ID (not consecutive, mixed with given ones, or auto_increment_increment/offset
//! not 1); views; a statement that raised warnings (conversions may differ on a
//! replica); a transaction with ROLLBACK TO SAVEPOINT; anything with `sql_log_bin=0`
//! or `binlog_format=ROW` for one of its statements.
//!
//! Snapshot isolation has no gap or next-key locks: a statement that read rows another
//! transaction changed after this transaction's snapshot could do something else when
//! replayed after it in commit order (write skew). Each kept statement records the
//! tables it depends on; if any of them was changed by a transaction committed after
//! this one's snapshot ([`crate::storage::CommitView`], checked under the commit lock),
//! the transaction is logged as rows. A plain INSERT ... VALUES depends only on the keys
//! it writes, which the commit's conflict check already covers.
//!
//! `binlog_format=STATEMENT` logs unsafe statements as text too, with warning 1592 as
//! MySQL gives; the write-skew check still turns such a transaction into rows, since a
//! replica could not reproduce it otherwise.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::catalog::{Catalog, TableDef, CATALOG_TREE};
use super::error::{SqlError, SqlResult};
use super::exec::{OutColumn, RowSet};
use super::vars::GlobalVars;
use crate::binlog::{
    describe, format_description_for_dump, rows_events, types, BinlogDir, BinlogError,
    BinlogOptions, Checksum, Column, Event, IntvarKind, Origin, QueryEvent, RowChange, RowMetadata,
    RowsKind, TableMap, UserVarValue,
};
use crate::signal::Signal;
use crate::storage::codec::{Reader, Writer};
use crate::storage::{
    BinlogCoord, BinlogWrite, Change, Cluster, CommitRecord, CommitView, KeptEvents,
    MAX_KEPT_BINLOG_EVENTS,
};
use crate::value::row::decode_row;
use crate::value::{Collation, IntKind, SqlType, Value};

/// ER_MASTER_FATAL_ERROR_READING_BINLOG.
pub const ER_BINLOG_READ: u16 = 1236;
/// ER_UNKNOWN_TARGET_BINLOG (PURGE of a file not in the index).
pub const ER_UNKNOWN_TARGET_BINLOG: u16 = 1373;

/// How one commit is rendered: the session state its events carry.
#[derive(Clone, Debug)]
pub struct RenderCtx {
    pub server_id: u32,
    pub thread_id: u32,
    /// The transaction is one DDL (or account) statement: logged as its text.
    pub ddl: bool,
    /// `binlog_row_metadata`.
    pub row_metadata: RowMetadata,
    /// character_set_client, collation_connection, collation_server.
    pub charset: (u16, u16, u16),
    pub collation_database: Option<u16>,
    /// `sql_mode` bits (MySQL 8.0 numbering).
    pub sql_mode: u64,
    /// Query-event `flags2` (`OPTION_*` bits).
    pub flags2: u32,
    /// Session time zone when it is not `+00:00`.
    pub time_zone: Option<String>,
    /// `auto_increment_increment`, `auto_increment_offset`.
    pub auto_increment: (u16, u16),
    /// MIXED/STATEMENT: the transaction's DML as statements, when every one of them could
    /// be logged so (see the module docs, "Statement-based logging"); rows otherwise.
    pub statements: Option<Vec<LoggedStatement>>,
}

impl RenderCtx {
    /// A Query event for `text` run in `db` with this session state.
    pub fn query_event(&self, db: &str, text: &[u8]) -> QueryEvent {
        let mut q = QueryEvent::new(db, text.to_vec());
        q.thread_id = self.thread_id;
        q.flags2 = self.flags2;
        q.sql_mode = self.sql_mode;
        q.charset = (
            replica_collation_id(self.charset.0),
            replica_collation_id(self.charset.1),
            replica_collation_id(self.charset.2),
        );
        q.collation_database = self.collation_database.map(replica_collation_id);
        q.time_zone = self.time_zone.clone();
        q.auto_increment = self.auto_increment;
        q
    }
}

/// One DML statement logged as its text (`binlog_format` MIXED or STATEMENT), with the
/// context events a replica needs to run it as the source did.
#[derive(Clone, Debug, PartialEq)]
pub struct LoggedStatement {
    /// The statement with the session state of the moment it ran.
    pub query: QueryEvent,
    /// Statement start in seconds since the epoch: the events' timestamp, which is what
    /// NOW() returns on a replica.
    pub time: u32,
    /// Intvar events: LAST_INSERT_ID (the statement reads it) and INSERT_ID (the first
    /// AUTO_INCREMENT value it generated).
    pub intvars: Vec<(IntvarKind, u64)>,
    /// The session's random seeds before the statement, when it calls RAND().
    pub rand: Option<(u64, u64)>,
    /// The user variables the statement reads, with their values.
    pub user_vars: Vec<(String, UserVarValue)>,
    /// Primary trees of the tables whose contents the statement's effect depends on.
    /// If another transaction committed a change to one of them after this
    /// transaction's snapshot, a replay in commit order could see other rows than the
    /// statement saw (snapshot isolation has no gap locks): the transaction is then
    /// logged as rows.
    pub depends_on: Vec<u64>,
}

/// Whether the statements of a transaction replay on a replica exactly as they ran here:
/// nothing they depend on changed between the transaction's snapshot and its commit.
pub fn statements_replayable(stmts: &[LoggedStatement], view: &CommitView<'_>) -> bool {
    stmts.iter().all(|s| {
        s.depends_on
            .iter()
            .all(|t| !view.tree_changed_since_snapshot(*t))
    })
}

/// A collation id a MariaDB replica accepts: MySQL 8-only ids become the default
/// collation of their character set.
pub fn replica_collation_id(id: u16) -> u16 {
    if id < 255 {
        return id;
    }
    Collation::from_id(id)
        .and_then(|c| Collation::default_for_charset(c.charset()))
        .map(|c| c.id())
        .filter(|&d| d < 255)
        .unwrap_or(45)
}

/// The file beside a cluster's binlog files that keeps its `mysql.rds_set_configuration`
/// settings, one `name=value` line each.
pub const RDS_CONFIGURATION_FILE: &str = "rds-configuration";

/// `binlog retention hours` as kept in `path` (None when absent, NULL or unreadable).
fn read_retention_hours(path: &Path) -> Option<u64> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "rds configuration unreadable");
            return None;
        }
    };
    text.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == "binlog retention hours")
        .and_then(|(_, v)| v.trim().parse().ok())
}

fn bl_err(e: BinlogError) -> SqlError {
    match e {
        BinlogError::NotFound { .. } => SqlError::new(
            ER_UNKNOWN_TARGET_BINLOG,
            "Target log not found in binlog index",
        ),
        e => SqlError::new(1105, e.to_string()),
    }
}

/// A replica registered with COM_REGISTER_SLAVE (`SHOW SLAVE HOSTS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaHost {
    pub server_id: u32,
    pub host: String,
    pub port: u16,
}

/// The binlog of the cluster an instance serves.
pub struct ClusterBinlog {
    pub dir: Arc<BinlogDir>,
    server_id: u32,
    /// (file number, position) up to which transactions are durable and published.
    safe: Mutex<(u64, u64)>,
    safe_changed: Signal,
    /// Snapshots at or before this commit sequence see everything before `start_coord`.
    start_seq: u64,
    start_coord: (String, u64),
    /// `max_binlog_size`, read at every append (SET GLOBAL takes effect at once).
    pub max_size: AtomicU64,
    /// A commit left the active file at `max_size` or more: the next
    /// [`ClusterBinlog::mark_safe`] rotates (see "Rotation").
    rotate_due: AtomicBool,
    /// `sync_binlog`: kept for SHOW VARIABLES; the events' durability comes from the
    /// log (module docs, step 4), whatever its value.
    pub sync_every: AtomicU64,
    /// `binlog_expire_logs_seconds`.
    pub expire_seconds: AtomicU64,
    /// [`GlobalVars::changes`] when the settings above were last read from the globals.
    globals_seen: AtomicU64,
    /// `binlog_row_metadata` is FULL (as of `globals_seen`).
    full_metadata: AtomicBool,
    /// Table_map events of the tables logged so far.
    maps: TableMaps,
    /// `binlog retention hours` (mysql.rds_set_configuration); None = NULL. Kept in
    /// [`RDS_CONFIGURATION_FILE`] beside the binlog files, so it survives restarts; set it
    /// with [`ClusterBinlog::set_retention_hours`].
    pub retention_hours: Mutex<Option<u64>>,
    /// Where `retention_hours` is kept.
    config_path: PathBuf,
    /// Registered replicas by connection id.
    replicas: Mutex<BTreeMap<u32, ReplicaHost>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ClusterBinlog {
    /// Opens the binlog of `cluster` in `dir` after the engine's recovery: repairs and cuts
    /// it back to the newest commit the engine kept, then starts a new file (see the
    /// module docs, "Crash recovery").
    pub fn open(dir: &Path, cluster: &Cluster, opts: BinlogOptions) -> SqlResult<ClusterBinlog> {
        let max = opts.max_size;
        let server_id = opts.server_id;
        // Rotation by size is decided here, with the current max_binlog_size.
        let opts = BinlogOptions {
            max_size: u64::MAX,
            ..opts
        };
        let bd = BinlogDir::open(dir, opts).map_err(bl_err)?;
        restore_lost_events(&bd, cluster.take_recovered_binlog());
        let last_seq = cluster.snapshot().seq();
        if let Some(c) = cluster.binlog_coord_at(u64::MAX)? {
            let name = bd.name_of(u64::from(c.file));
            let cut = match transactions_after(&bd, &name, c.pos) {
                Ok(found) => found,
                Err(e) => {
                    tracing::warn!(error = %e, file = %name, pos = c.pos, "binlog tail unreadable; cutting");
                    true
                }
            };
            let result = if cut {
                bd.recover_to(&name, c.pos)
            } else {
                Ok(Vec::new())
            };
            match result {
                Ok(removed) if !removed.is_empty() => {
                    tracing::warn!(files = ?removed, "binlog files of lost transactions removed")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(
                    error = %e,
                    file = %name,
                    pos = c.pos,
                    "the binlog could not be cut back to the last durable commit"
                ),
            }
        }
        let start = bd.current();
        let start_no = bd.number_of(&start.0).unwrap_or(0);
        tracing::info!(file = %start.0, pos = start.1, "binlog open");
        let config_path = dir.join(RDS_CONFIGURATION_FILE);
        let retention_hours = read_retention_hours(&config_path);
        Ok(ClusterBinlog {
            dir: Arc::new(bd),
            server_id,
            safe: Mutex::new((start_no, start.1)),
            safe_changed: Signal::new(),
            start_seq: last_seq,
            start_coord: start,
            max_size: AtomicU64::new(max),
            rotate_due: AtomicBool::new(false),
            globals_seen: AtomicU64::new(u64::MAX),
            maps: TableMaps::default(),
            full_metadata: AtomicBool::new(false),
            sync_every: AtomicU64::new(1),
            expire_seconds: AtomicU64::new(0),
            retention_hours: Mutex::new(retention_hours),
            config_path,
            replicas: Mutex::new(BTreeMap::new()),
        })
    }

    /// Takes `sync_binlog`, `max_binlog_size`, `binlog_expire_logs_seconds` and
    /// `binlog_row_metadata` from the globals if any global changed since the last call
    /// (every commit calls it); returns whether `binlog_row_metadata` is FULL.
    pub fn follow_globals(&self, g: &GlobalVars) -> bool {
        let seen = g.changes();
        if self.globals_seen.load(Ordering::Acquire) != seen {
            let num = |n: &str| {
                g.get(n)
                    .map(|v| v.show_text())
                    .ok()
                    .and_then(|t| t.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            self.configure(
                num("sync_binlog"),
                num("max_binlog_size"),
                num("binlog_expire_logs_seconds"),
            );
            self.full_metadata
                .store(full_row_metadata(g), Ordering::Relaxed);
            self.globals_seen.store(seen, Ordering::Release);
        }
        self.full_metadata.load(Ordering::Relaxed)
    }

    /// Takes the current `sync_binlog`, `max_binlog_size` and
    /// `binlog_expire_logs_seconds`.
    pub fn configure(&self, sync_binlog: u64, max_size: u64, expire_seconds: u64) {
        self.sync_every.store(sync_binlog, Ordering::Relaxed);
        self.max_size.store(max_size.max(4096), Ordering::Relaxed);
        self.expire_seconds.store(expire_seconds, Ordering::Relaxed);
    }

    /// The server id events are written with.
    pub fn server_id(&self) -> u32 {
        self.server_id
    }

    /// The checkpoint's hook: makes every event appended so far durable.
    pub fn sync_for_checkpoint(&self) -> crate::Result<()> {
        if self.dir.is_open() {
            self.dir.sync()?;
        }
        Ok(())
    }

    /// The commit hook: renders `rec` and appends it. Returns its coordinate (none when
    /// the transaction changed nothing that is logged).
    pub fn write_commit(
        &self,
        rec: &CommitRecord,
        view: &CommitView<'_>,
        catalog: &Catalog,
        ctx: &RenderCtx,
    ) -> crate::Result<Option<BinlogWrite>> {
        let as_statements = ctx
            .statements
            .as_deref()
            .is_some_and(|st| statements_replayable(st, view));
        let r = render(rec, catalog, ctx, as_statements, &self.maps)?;
        let note = r.row_tables.as_deref().map(|t| (ctx, t));
        self.write_kept(&r.events, note)
    }

    /// Appends the events of one commit (rotating past `max_binlog_size`); returns their
    /// end coordinate and bytes for the commit record, none when there are no events.
    /// Events too many for the record are fsynced here instead.
    pub fn write_events(&self, events: &[Event]) -> crate::Result<Option<BinlogWrite>> {
        self.write_kept(events, None)
    }

    /// [`ClusterBinlog::write_events`]; with `note` (the events are the row events of a
    /// commit, rendered with this context from these tables), the record keeps what
    /// renders them again from its changes ([`KeptEvents::Render`]) instead of their bytes.
    fn write_kept(
        &self,
        events: &[Event],
        note: Option<(&RenderCtx, &[Arc<[u8]>])>,
    ) -> crate::Result<Option<BinlogWrite>> {
        if events.is_empty() {
            return Ok(None);
        }
        let at = self.dir.append(events)?;
        let too_big = at.bytes.len() > MAX_KEPT_BINLOG_EVENTS;
        let kept = match note {
            _ if too_big => KeptEvents::None,
            Some((ctx, tables)) => {
                KeptEvents::Render(encode_render_note(ctx, at.checksum, at.bytes.len(), tables))
            }
            None => KeptEvents::Bytes(at.bytes),
        };
        self.finish_write(&at.file, at.end, kept, too_big).map(Some)
    }

    /// [`ClusterBinlog::write_events`] for a transaction too big to render in memory:
    /// `fill` pushes its events and they are written as they come (see
    /// [`BinlogDir::append_streamed`]). None when `fill` pushed nothing.
    pub fn write_streamed(
        &self,
        fill: impl FnOnce(&mut crate::binlog::EventSink) -> crate::Result<()>,
    ) -> crate::Result<Option<BinlogWrite>> {
        match self.dir.append_streamed(MAX_KEPT_BINLOG_EVENTS, fill)? {
            Some((at, streamed)) => {
                let kept = if streamed {
                    KeptEvents::None
                } else {
                    KeptEvents::Bytes(at.bytes)
                };
                self.finish_write(&at.file, at.end, kept, streamed)
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    /// The tail of a write: events not kept for the commit record are fsynced now;
    /// rotates past `max_binlog_size`.
    fn finish_write(
        &self,
        file: &str,
        pos: u64,
        events: KeptEvents,
        unkept: bool,
    ) -> crate::Result<BinlogWrite> {
        if unkept {
            self.dir.sync()?;
        }
        if pos >= self.max_size.load(Ordering::Relaxed) {
            // Not now: this commit is not durable yet (see "Rotation").
            self.rotate_due.store(true, Ordering::Release);
        }
        let number = self.dir.number_of(file).unwrap_or(0);
        Ok(BinlogWrite {
            coord: BinlogCoord {
                file: u32::try_from(number).unwrap_or(u32::MAX),
                pos,
            },
            events,
        })
    }

    /// A commit with this coordinate is durable and published: its events (and those of
    /// the commits before it) are written to the file and dump threads may send them.
    /// If the write fails (a full disk) the events stay pending and the coordinate
    /// unsafe: the next flush (the next commit's, or the checkpoint's) writes them; the
    /// engine's log holds them meanwhile.
    /// Then, if a commit left the file at `max_binlog_size` or more, the binlog rotates
    /// (see "Rotation"; `cluster` is the binlog's cluster).
    pub fn mark_safe(&self, cluster: &Cluster, c: BinlogCoord) {
        if let Err(e) = self.dir.flush() {
            tracing::error!(error = %e, "binlog events could not be written yet; retried at the next flush");
            return;
        }
        {
            let mut s = lock(&self.safe);
            let c = (u64::from(c.file), c.pos);
            if c > *s {
                *s = c;
                self.safe_changed.notify_all();
            }
        }
        if self.rotate_due.swap(false, Ordering::AcqRel) {
            let max = self.max_size.load(Ordering::Relaxed);
            let rotated = cluster
                .with_commits_durable(|| {
                    if self.dir.current().1 >= max {
                        self.dir.flush_logs().map(|_| true)
                    } else {
                        Ok(false)
                    }
                })
                .and_then(|r| r.map_err(crate::Error::from));
            match rotated {
                Ok(true) => self.purge_expired(),
                Ok(false) => {}
                Err(e) => {
                    self.rotate_due.store(true, Ordering::Release);
                    tracing::warn!(error = %e, "binlog rotation failed; retried after the next commit");
                }
            }
        }
    }

    /// The rollback hook ([`crate::storage::RollbackHook`]): commits whose log write
    /// failed were rolled back; their events (appended, perhaps written, never safe) go,
    /// and the binlog ends at `c` again (at this run's start when `c` is older or none).
    pub fn roll_back_to(&self, c: Option<BinlogCoord>) -> crate::Result<()> {
        let (name, pos) = match c {
            Some(c) if (u64::from(c.file), c.pos) >= self.start_no_pos() => {
                (self.dir.name_of(u64::from(c.file)), c.pos)
            }
            _ => self.start_coord.clone(),
        };
        self.dir.discard_after(&name, pos)?;
        Ok(())
    }

    /// After a rotation with nothing committed since, the new file's header is safe too.
    fn safe_at_least(&self, file_no: u64, pos: u64) -> bool {
        *lock(&self.safe) >= (file_no, pos)
    }

    /// Waits up to `timeout` for the safe coordinate to reach (`file_no`, `pos`).
    fn wait_safe(&self, file_no: u64, pos: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut s = lock(&self.safe);
        loop {
            if *s >= (file_no, pos) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            s = self.safe_changed.wait_timeout(s, deadline - now);
        }
    }

    /// The binlog coordinate consistent with a snapshot at commit `seq`
    /// (`Binlog_snapshot_file/position`): the end of the newest binlogged commit it sees.
    pub fn coord_for_snapshot(&self, cluster: &Cluster, seq: u64) -> SqlResult<(String, u64)> {
        if seq <= self.start_seq {
            return Ok(self.start_coord.clone());
        }
        Ok(match cluster.binlog_coord_at(seq)? {
            Some(c) if (u64::from(c.file), c.pos) >= self.start_no_pos() => {
                (self.dir.name_of(u64::from(c.file)), c.pos)
            }
            _ => self.start_coord.clone(),
        })
    }

    /// The binlog coordinate of the state after commit `seq` for a cluster made from it
    /// (a clone, a restore, a snapshot: [`crate::binlog::share`]): for a commit since this
    /// binlog opened, [`ClusterBinlog::coord_for_snapshot`]; for an older one, the end of
    /// the newest binlogged commit at or before it on the timeline (the files after it hold
    /// only later commits), none when the timeline has none.
    pub fn coord_at(&self, cluster: &Cluster, seq: u64) -> SqlResult<Option<(String, u64)>> {
        if seq >= self.start_seq {
            return self.coord_for_snapshot(cluster, seq).map(Some);
        }
        Ok(cluster
            .binlog_coord_at(seq)?
            .map(|c| (self.dir.name_of(u64::from(c.file)), c.pos)))
    }

    fn start_no_pos(&self) -> (u64, u64) {
        (
            self.dir.number_of(&self.start_coord.0).unwrap_or(0),
            self.start_coord.1,
        )
    }

    /// `SHOW MASTER STATUS`'s file and position: where a replica of the newest published
    /// state starts. The end of the newest published commit; or, when the binlog has
    /// rotated since, the end of the active file's header (every transaction after it is
    /// newer than that state).
    pub fn status(&self, cluster: &Cluster) -> SqlResult<(String, u64)> {
        let (name, pos) = self.coord_for_snapshot(cluster, cluster.snapshot().seq())?;
        let no = self.dir.number_of(&name).unwrap_or(0);
        let (cur, cur_pos) = self.dir.current();
        let cur_no = self.dir.number_of(&cur).unwrap_or(0);
        if cur_no > no {
            let header =
                (crate::binlog::BINLOG_MAGIC.len() + crate::binlog::FORMAT_DESCRIPTION_LEN) as u64;
            return Ok((cur, header.min(cur_pos)));
        }
        Ok((name, pos))
    }

    /// Records a replica from COM_REGISTER_SLAVE.
    pub fn register_replica(&self, conn_id: u32, r: ReplicaHost) {
        lock(&self.replicas).insert(conn_id, r);
    }

    /// Forgets the replica of a closed connection.
    pub fn unregister_replica(&self, conn_id: u32) {
        lock(&self.replicas).remove(&conn_id);
    }

    /// `SHOW SLAVE HOSTS` / `SHOW REPLICAS`.
    pub fn replica_hosts(&self) -> RowSet {
        let data = lock(&self.replicas)
            .values()
            .map(|r| {
                vec![
                    Value::UInt(u64::from(r.server_id)),
                    s(&r.host),
                    Value::UInt(u64::from(r.port)),
                    Value::UInt(u64::from(self.server_id)),
                ]
            })
            .collect();
        RowSet {
            columns: vec![
                int_col("Server_id"),
                text_col("Host"),
                int_col("Port"),
                int_col("Master_id"),
            ],
            rows: data,
        }
    }

    /// `SHOW BINARY LOGS`.
    pub fn show_binary_logs(&self) -> SqlResult<RowSet> {
        let files = self.dir.list().map_err(bl_err)?;
        Ok(RowSet {
            columns: vec![
                text_col("Log_name"),
                int_col("File_size"),
                text_col("Encrypted"),
            ],
            rows: files
                .into_iter()
                .map(|(n, size)| vec![s(&n), Value::UInt(size), s("No")])
                .collect(),
        })
    }

    /// `SHOW MASTER STATUS` / `SHOW BINARY LOG STATUS`.
    pub fn show_master_status(&self, cluster: &Cluster) -> SqlResult<RowSet> {
        let (file, pos) = self.status(cluster)?;
        Ok(RowSet {
            columns: vec![
                text_col("File"),
                int_col("Position"),
                text_col("Binlog_Do_DB"),
                text_col("Binlog_Ignore_DB"),
                text_col("Executed_Gtid_Set"),
            ],
            rows: vec![vec![s(&file), Value::UInt(pos), s(""), s(""), s("")]],
        })
    }

    /// `SHOW BINLOG EVENTS [IN file] [FROM pos] [LIMIT [offset,] count]`.
    pub fn show_binlog_events(
        &self,
        file: Option<&str>,
        from: Option<u64>,
        offset: u64,
        count: Option<u64>,
    ) -> SqlResult<RowSet> {
        let name = match file {
            Some(f) => f.to_string(),
            None => self
                .dir
                .list()
                .map_err(bl_err)?
                .first()
                .map(|(n, _)| n.clone())
                .unwrap_or_default(),
        };
        let fail = |e: BinlogError| match e {
            BinlogError::NotFound { .. } => SqlError::new(
                1220,
                "Error when executing command SHOW BINLOG EVENTS: Could not find target log",
            ),
            e => SqlError::new(
                1220,
                format!("Error when executing command SHOW BINLOG EVENTS: {e}"),
            ),
        };
        let reader = self
            .dir
            .read_file_events(&name, from.unwrap_or(4))
            .map_err(fail)?;
        let mut out = Vec::new();
        for (i, ev) in reader.enumerate() {
            let ev = ev.map_err(fail)?;
            if (i as u64) < offset {
                continue;
            }
            if count.is_some_and(|c| out.len() as u64 >= c) {
                break;
            }
            let d = describe(&ev.raw, ev.checksum).map_err(fail)?;
            out.push(vec![
                s(&ev.file),
                Value::UInt(ev.pos),
                s(d.type_name),
                Value::UInt(u64::from(d.header.server_id)),
                Value::UInt(u64::from(d.header.log_pos)),
                s(&d.info),
            ]);
        }
        Ok(RowSet {
            columns: vec![
                text_col("Log_name"),
                int_col("Pos"),
                text_col("Event_type"),
                int_col("Server_id"),
                int_col("End_log_pos"),
                text_col("Info"),
            ],
            rows: out,
        })
    }

    /// `PURGE BINARY LOGS TO 'name'`.
    pub fn purge_to(&self, name: &str) -> SqlResult<()> {
        self.dir.purge_to(name).map(|_| ()).map_err(|e| match e {
            BinlogError::NotFound { .. } => SqlError::new(
                ER_UNKNOWN_TARGET_BINLOG,
                "Target log not found in binlog index",
            ),
            e => bl_err(e),
        })
    }

    /// `PURGE BINARY LOGS BEFORE t` (seconds since the epoch).
    pub fn purge_before(&self, unix_time: u64) -> SqlResult<()> {
        self.dir.purge_before(unix_time).map(|_| ()).map_err(bl_err)
    }

    /// Sets `binlog retention hours` (None: NULL) and writes it to
    /// [`RDS_CONFIGURATION_FILE`] (temporary file, fsync, rename) before it takes effect.
    pub fn set_retention_hours(&self, hours: Option<u64>) -> SqlResult<()> {
        let text = match hours {
            Some(h) => format!("binlog retention hours={h}\n"),
            None => "binlog retention hours=NULL\n".to_string(),
        };
        let tmp = self.config_path.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = crate::storage::private_options()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.config_path)?;
            if let Some(d) = self.config_path.parent() {
                std::fs::File::open(d)?.sync_all()?;
            }
            Ok(())
        };
        write().map_err(|e| {
            SqlError::new(
                3,
                format!(
                    "Error writing file '{}' (errno: {})",
                    self.config_path.display(),
                    e.raw_os_error().unwrap_or(0)
                ),
            )
        })?;
        *lock(&self.retention_hours) = hours;
        Ok(())
    }

    /// Purges files older than the retention: `binlog retention hours` when set, else
    /// `binlog_expire_logs_seconds` (0 = never).
    pub fn purge_expired(&self) {
        let secs = match *lock(&self.retention_hours) {
            Some(h) => h.saturating_mul(3600),
            None => self.expire_seconds.load(Ordering::Relaxed),
        };
        if secs == 0 {
            return;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if let Err(e) = self.dir.purge_before(now.saturating_sub(secs)) {
            tracing::warn!(error = %e, "binlog expiry failed");
        }
    }

    /// `RESET MASTER`.
    pub fn reset(&self) -> SqlResult<()> {
        self.dir.reset().map_err(bl_err)?;
        let (f, p) = self.dir.current();
        *lock(&self.safe) = (self.dir.number_of(&f).unwrap_or(0), p);
        self.safe_changed.notify_all();
        Ok(())
    }

    /// `SET GLOBAL binlog_checksum`: rotates to a file written with `checksum`.
    pub fn set_checksum(&self, cluster: &Cluster, checksum: Checksum) -> SqlResult<()> {
        self.dir.set_checksum(checksum);
        self.flush(cluster)
    }

    /// `FLUSH BINARY LOGS`: rotates once the commits in flight are durable (see
    /// "Rotation"); fails, not rotating, if their log write fails.
    pub fn flush(&self, cluster: &Cluster) -> SqlResult<()> {
        cluster
            .with_commits_durable(|| self.dir.flush_logs())?
            .map_err(bl_err)?;
        self.purge_expired();
        Ok(())
    }

    /// `BINLOG_GTID_POS(file, pos)`: Borealis has no MariaDB GTIDs, so a valid coordinate
    /// maps to the empty GTID position, and an unknown file to NULL (as MariaDB).
    pub fn gtid_pos(&self, file: &str, pos: u64) -> Value {
        match self.dir.list() {
            Ok(files) => match files.iter().find(|(n, _)| n == file) {
                Some((_, size)) if pos <= *size => s(""),
                _ => Value::Null,
            },
            Err(_) => Value::Null,
        }
    }

    /// Checks where a COM_BINLOG_DUMP starts (MySQL's 1236 messages) and resolves an
    /// empty file name to the first file.
    pub fn check_dump_start(&self, file: &str, pos: u64) -> SqlResult<String> {
        let files = self.dir.list().map_err(bl_err)?;
        let name = if file.is_empty() {
            files.first().map(|(n, _)| n.clone()).unwrap_or_default()
        } else {
            file.to_string()
        };
        let fatal = |m: String| SqlError::new(ER_BINLOG_READ, m);
        let Some((_, size)) = files.iter().find(|(n, _)| *n == name) else {
            return Err(fatal(
                "Could not find first log file name in binary log index file".into(),
            ));
        };
        if pos < 4 {
            return Err(fatal(
                "Client requested master to start replication from position < 4".into(),
            ));
        }
        if pos > *size {
            return Err(fatal(
                "Client requested master to start replication from position > file size".into(),
            ));
        }
        if pos > 4 {
            let reader = self.dir.read_file_events(&name, 4).map_err(bl_err)?;
            let mut last = 4;
            for ev in reader {
                let ev = ev.map_err(|e| fatal(e.to_string()))?;
                if ev.end() >= pos {
                    if ev.end() != pos {
                        return Err(fatal(format!(
                            "bogus data in log event; the first event '{name}' at {pos}, \
                             the last event read from '{name}' at {last}, the last byte read \
                             from '{name}' at {}.",
                            ev.end()
                        )));
                    }
                    break;
                }
                last = ev.end();
            }
        }
        Ok(name)
    }

    /// Runs a binlog dump from (`file`, `pos`) (checked with
    /// [`ClusterBinlog::check_dump_start`]), handing each raw event to `send` until it
    /// returns false (the replica is gone), the log closes, or, for a non-blocking dump,
    /// the end is reached. Sends heartbeats every `heartbeat` when idle.
    pub fn dump(&self, start: &DumpStart, mut send: impl FnMut(Vec<u8>) -> bool) -> SqlResult<()> {
        let fatal = |e: BinlogError| SqlError::new(ER_BINLOG_READ, e.to_string());
        let art = start.checksum;
        let rotate = |file: &str, pos: u64| {
            Event::artificial_rotate(self.server_id, file, pos)
                .encode(0, art)
                .map_err(fatal)
        };
        let mut reader = self
            .dir
            .read_events(&start.file, start.pos)
            .map_err(fatal)?;
        if !send(rotate(&start.file, start.pos)?) {
            return Ok(());
        }
        if start.pos > 4 {
            let fde = format_description_for_dump(reader.format_description(), start.pos)
                .map_err(fatal)?;
            if !send(fde) {
                return Ok(());
            }
        }
        let tick = Duration::from_millis(500);
        let mut last_sent = Instant::now();
        let mut current = start.file.clone();
        loop {
            let next = reader.next();
            let ev = match next {
                Some(Ok(ev)) => ev,
                Some(Err(e)) => return Err(fatal(e)),
                None => {
                    if start.non_block {
                        return Ok(());
                    }
                    if !self.dir.is_open() {
                        return Ok(());
                    }
                    let (file, pos) = {
                        let (f, p) = reader.position();
                        (f.to_string(), p)
                    };
                    let wait = start.heartbeat.map_or(tick, |h| h.min(tick));
                    if !self.dir.wait_for_more(&file, pos, wait) {
                        if let Some(h) = start.heartbeat {
                            if last_sent.elapsed() >= h {
                                let hb = Event::heartbeat(self.server_id, &file)
                                    .encode(pos as u32, art)
                                    .map_err(fatal)?;
                                if !send(hb) {
                                    return Ok(());
                                }
                                last_sent = Instant::now();
                            }
                        } else if !send_probe(&mut send) {
                            return Ok(());
                        }
                    }
                    continue;
                }
            };
            let h = ev.header().map_err(fatal)?;
            if ev.file != current {
                // A new file: the replica learns its name from an artificial Rotate.
                if !send(rotate(&ev.file, 4)?) {
                    return Ok(());
                }
                current = ev.file.clone();
            }
            let raw = if h.type_code == types::FORMAT_DESCRIPTION {
                format_description_for_dump(&ev.raw, 4).map_err(fatal)?
            } else {
                ev.raw
            };
            if !matches!(
                h.type_code,
                types::FORMAT_DESCRIPTION | types::ROTATE | types::STOP
            ) {
                // Never send what a crash could take back.
                let no = self.dir.number_of(&ev.file).unwrap_or(0);
                let end = ev.pos + raw.len() as u64;
                while !self.safe_at_least(no, end) {
                    if self.wait_safe(no, end, start.heartbeat.unwrap_or(tick).min(tick)) {
                        break;
                    }
                    if !self.dir.is_open() {
                        return Ok(());
                    }
                    if let Some(hb) = start.heartbeat {
                        if last_sent.elapsed() >= hb {
                            let e = Event::heartbeat(self.server_id, &ev.file)
                                .encode(ev.pos as u32, art)
                                .map_err(fatal)?;
                            if !send(e) {
                                return Ok(());
                            }
                            last_sent = Instant::now();
                        }
                    } else if !send_probe(&mut send) {
                        return Ok(());
                    }
                }
            }
            if !send(raw) {
                return Ok(());
            }
            last_sent = Instant::now();
        }
    }
}

/// Whether the binlog holds transaction events after (`name`, `pos`), in that file or in a
/// later one before the active file (Rotate/Stop/Format_description are not).
/// Crash recovery, first step: writes back the events of recovered commits that their
/// files lost (module docs, "Crash recovery"), in commit order, and fsyncs what changed.
/// Records of files no longer listed (purged, or before RESET MASTER) are skipped; a later
/// commit's events overwrite whatever an earlier one left at the same place.
fn restore_lost_events(bd: &BinlogDir, recovered: Vec<CommitRecord>) {
    let mut touched = BTreeSet::new();
    let listed: BTreeSet<String> = match bd.list() {
        Ok(files) => files.into_iter().map(|(name, _)| name).collect(),
        Err(e) => {
            tracing::error!(error = %e, "binlog index unreadable; lost events not restored");
            return;
        }
    };
    for rec in recovered {
        let Some(coord) = rec.binlog else { continue };
        let name = bd.name_of(u64::from(coord.file));
        if !listed.contains(&name) {
            continue;
        }
        let events = match &rec.binlog_events {
            KeptEvents::None => continue,
            KeptEvents::Bytes(b) => std::borrow::Cow::Borrowed(&b[..]),
            KeptEvents::Render(note) => match render_again(&rec, coord, note) {
                Ok(b) => std::borrow::Cow::Owned(b),
                Err(e) => {
                    tracing::error!(error = %e, file = %name, pos = coord.pos, "binlog events of a recovered commit could not be rendered again");
                    continue;
                }
            },
        };
        let start = coord.pos.saturating_sub(events.len() as u64);
        match bd.restore(&name, start, &events) {
            Ok(true) => {
                touched.insert(name);
            }
            Ok(false) => {}
            Err(e) => {
                tracing::error!(error = %e, file = %name, pos = coord.pos, "binlog events could not be restored")
            }
        }
    }
    for name in touched {
        tracing::warn!(file = %name, "binlog events lost in a crash were written back from the log");
        if let Err(e) = bd.sync_file(&name) {
            tracing::error!(error = %e, file = %name, "syncing a restored binlog file failed");
        }
    }
}

fn transactions_after(bd: &BinlogDir, name: &str, pos: u64) -> crate::binlog::Result<bool> {
    let files = bd.list()?;
    let Some(idx) = files.iter().position(|(n, _)| n == name) else {
        return Ok(false);
    };
    let last = files.len().saturating_sub(1);
    for (i, (f, _)) in files
        .iter()
        .enumerate()
        .skip(idx)
        .take(last.saturating_sub(idx))
    {
        let from = if i == idx { pos } else { 4 };
        for ev in bd.read_file_events(f, from)? {
            let t = ev?.header()?.type_code;
            if !matches!(t, types::FORMAT_DESCRIPTION | types::ROTATE | types::STOP) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// `binlog_row_metadata` is FULL.
pub fn full_row_metadata(g: &GlobalVars) -> bool {
    g.get("binlog_row_metadata")
        .map(|v| v.show_text().eq_ignore_ascii_case("FULL"))
        .unwrap_or(false)
}

/// Without heartbeats there is nothing to send while idle; the caller's `send` decides
/// whether the replica is still there when given an empty probe (never sent).
fn send_probe(send: &mut impl FnMut(Vec<u8>) -> bool) -> bool {
    send(Vec::new())
}

/// Where and how a dump runs.
#[derive(Clone, Debug)]
pub struct DumpStart {
    pub file: String,
    pub pos: u64,
    /// `@master_binlog_checksum` of the replica: artificial events use it.
    pub checksum: Checksum,
    /// `@master_heartbeat_period`, if set and not 0.
    pub heartbeat: Option<Duration>,
    /// BINLOG_DUMP_NON_BLOCK: end (EOF) at the end of the log instead of waiting.
    pub non_block: bool,
}

/// Seconds since the epoch of a `PURGE BINARY LOGS BEFORE` argument (a DATETIME or its
/// text, in the session time zone `tz`).
pub fn unix_time_of(v: &Value, tz: &super::vars::TimeZone) -> Option<u64> {
    let dt = match v {
        Value::DateTime(d) => *d,
        Value::Date(d) => crate::value::temporal::DateTime {
            date: *d,
            ..Default::default()
        },
        other => crate::value::temporal::parse_datetime(&other.to_text()?)?.0,
    };
    u64::try_from(tz.to_utc(&dt).div_euclid(1_000_000)).ok()
}

fn s(v: &str) -> Value {
    Value::Bytes(v.as_bytes().to_vec())
}

fn text_col(name: &str) -> OutColumn {
    OutColumn {
        name: name.into(),
        org_name: name.into(),
        ty: Some(SqlType::VarChar {
            len: 512,
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
            width: Some(20),
        }),
        nullable: false,
        ..Default::default()
    }
}

/// One commit's events, as [`render`] makes them.
pub struct Rendered {
    pub events: Vec<Event>,
    /// Row-logged: the encoded definitions of the tables whose rows the events hold
    /// (with the commit's changes and the context, all it takes to render them again).
    pub row_tables: Option<Vec<Arc<[u8]>>>,
}

/// The events of one commit (see the module docs, "Life of a binlogged commit"); with
/// `as_statements`, its DML as the statements of `ctx.statements`.
pub fn render(
    rec: &CommitRecord,
    catalog: &Catalog,
    ctx: &RenderCtx,
    as_statements: bool,
    maps: &TableMaps,
) -> crate::Result<Rendered> {
    let origin = Origin::new(
        ctx.server_id,
        u32::try_from(rec.time_us / 1_000_000).unwrap_or(u32::MAX),
    );
    let query = |db: &str, text: &[u8]| Event::query(origin, &ctx.query_event(db, text));
    let mut events = Vec::new();
    let done = |events| {
        Ok(Rendered {
            events,
            row_tables: None,
        })
    };
    if ctx.ddl {
        for st in &rec.statements {
            events.push(query(&st.db, st.text.as_bytes())?);
        }
        return done(events);
    }
    if let (true, Some(stmts)) = (as_statements, &ctx.statements) {
        if let Some(first) = stmts.first() {
            let begin = Origin::new(ctx.server_id, first.time);
            events.push(Event::query(begin, &ctx.query_event("", b"BEGIN"))?);
            for st in stmts {
                events.extend(statement_events(ctx.server_id, st)?);
            }
            events.push(Event::xid(origin, rec.seq));
            return done(events);
        }
    }
    // Primary trees of the tables this commit wrote, and their changes.
    let by_tree: BTreeMap<u64, &Arc<TableDef>> =
        catalog.tables.values().map(|t| (t.tree, t)).collect();
    let mut per_table: BTreeMap<u64, (&Arc<TableDef>, RowDecoder<'_>, TableRows)> = BTreeMap::new();
    for (tree, before, after) in rec.changes.iter().filter_map(Change::images) {
        if tree == CATALOG_TREE {
            continue;
        }
        let Some(t) = by_tree.get(&tree) else {
            continue; // a secondary index (or a table this catalog does not know)
        };
        let (_, dec, rows) = per_table
            .entry(tree)
            .or_insert_with(|| (*t, RowDecoder::new(t), TableRows::default()));
        dec.add(rows, before, after)?;
    }
    if per_table.is_empty() {
        return done(events);
    }
    events.push(query("", b"BEGIN")?);
    let mut tables = Vec::with_capacity(per_table.len());
    // Rows events carry NO_FOREIGN_KEY_CHECKS_F when the session had foreign_key_checks=0
    // (as MySQL's do) and in every transaction that changed a table with foreign keys: the
    // events hold each table's net changes, cascaded ones included, grouped by table, so a
    // replica must apply them as they are, neither checking the order of tables nor
    // cascading again (see "Foreign keys" in the module doc).
    let no_fk_checks = ctx.flags2 & crate::binlog::QueryEvent::OPTION_NO_FOREIGN_KEY_CHECKS != 0
        || per_table
            .values()
            .any(|(t, _, _)| !t.foreign_keys.is_empty());
    let flags = if no_fk_checks {
        crate::binlog::NO_FOREIGN_KEY_CHECKS_F
    } else {
        0
    };
    for (t, _, rows) in per_table.values() {
        let (map, map_event, def) = maps.get(ctx, t, origin)?;
        events.push(map_event);
        events.extend(table_row_events(origin, &map, rows, flags)?);
        tables.push(def);
    }
    events.push(Event::xid(origin, rec.seq));
    Ok(Rendered {
        events,
        row_tables: Some(tables),
    })
}

/// What a row-logged commit's record keeps instead of its events
/// ([`KeptEvents::Render`]): the context its events were rendered with (the Query
/// `BEGIN`'s session state, `binlog_row_metadata`, the checksum), their length, and its
/// tables' definitions, which may have changed or gone by the time recovery needs them.
fn encode_render_note(
    ctx: &RenderCtx,
    checksum: Checksum,
    len: usize,
    tables: &[Arc<[u8]>],
) -> Vec<u8> {
    let mut w = Writer::with_capacity(64 + tables.iter().map(|t| t.len() + 4).sum::<usize>());
    w.u8(RENDER_NOTE_FORMAT);
    w.u8(checksum.alg_byte());
    w.u64(len as u64);
    w.u32(ctx.server_id);
    w.u32(ctx.thread_id);
    w.u8(match ctx.row_metadata {
        RowMetadata::NoLog => 0,
        RowMetadata::Minimal => 1,
        RowMetadata::Full => 2,
    });
    for id in [ctx.charset.0, ctx.charset.1, ctx.charset.2] {
        w.u32(u32::from(id));
    }
    w.u32(ctx.collation_database.map_or(u32::MAX, u32::from));
    w.u64(ctx.sql_mode);
    w.u32(ctx.flags2);
    w.opt_bytes(ctx.time_zone.as_deref().map(str::as_bytes));
    w.u32(u32::from(ctx.auto_increment.0));
    w.u32(u32::from(ctx.auto_increment.1));
    w.var(tables.len() as u64);
    for t in tables {
        w.bytes(t);
    }
    w.buf
}

/// Format byte of a render note.
const RENDER_NOTE_FORMAT: u8 = 1;

/// A decoded render note: the context, the checksum, the events' length, the tables.
type RenderNote = (RenderCtx, Checksum, u64, Vec<TableDef>);

fn decode_render_note(b: &[u8]) -> Option<RenderNote> {
    let mut r = Reader::new(b);
    if r.u8()? != RENDER_NOTE_FORMAT {
        return None;
    }
    let checksum = match r.u8()? {
        0 => Checksum::None,
        1 => Checksum::Crc32,
        _ => return None,
    };
    let len = r.u64()?;
    let server_id = r.u32()?;
    let thread_id = r.u32()?;
    let row_metadata = match r.u8()? {
        0 => RowMetadata::NoLog,
        1 => RowMetadata::Minimal,
        2 => RowMetadata::Full,
        _ => return None,
    };
    let mut id = || u16::try_from(r.u32()?).ok();
    let charset = (id()?, id()?, id()?);
    let collation_database = match r.u32()? {
        u32::MAX => None,
        v => Some(u16::try_from(v).ok()?),
    };
    let sql_mode = r.u64()?;
    let flags2 = r.u32()?;
    let time_zone = match r.opt_bytes()? {
        Some(tz) => Some(String::from_utf8(tz.to_vec()).ok()?),
        None => None,
    };
    let auto_increment = (u16::try_from(r.u32()?).ok()?, u16::try_from(r.u32()?).ok()?);
    let n = r.var()?;
    let mut tables = Vec::with_capacity(n.min(64) as usize);
    for _ in 0..n {
        tables.push(super::catalog::decode_table(r.bytes()?)?);
    }
    let ctx = RenderCtx {
        server_id,
        thread_id,
        ddl: false,
        row_metadata,
        charset,
        collation_database,
        sql_mode,
        flags2,
        time_zone,
        auto_increment,
        statements: None,
    };
    r.is_empty().then_some((ctx, checksum, len, tables))
}

/// Crash recovery: the bytes of a row-logged commit's events, rendered again from its
/// record's changes and render note, exactly as they were written ending at `coord`.
fn render_again(rec: &CommitRecord, coord: BinlogCoord, note: &[u8]) -> crate::Result<Vec<u8>> {
    let bad = |detail: String| crate::Error::InvalidArgument {
        detail: format!("binlog: commit {}: {detail}", rec.seq),
    };
    let (ctx, checksum, len, tables) =
        decode_render_note(note).ok_or_else(|| bad("unreadable render note".into()))?;
    let mut catalog = Catalog::default();
    for t in tables {
        catalog
            .tables
            .insert((t.db.clone(), t.name.clone()), Arc::new(t));
    }
    let events = render(rec, &catalog, &ctx, false, &TableMaps::default())?.events;
    let mut pos = coord
        .pos
        .checked_sub(len)
        .ok_or_else(|| bad(format!("{len} bytes of events cannot end at {}", coord.pos)))?;
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    for ev in &events {
        let end = pos + ev.encoded_len(checksum) as u64;
        let log_pos = u32::try_from(end).map_err(|_| bad(format!("event end {end} past 4 GiB")))?;
        ev.encode_into(&mut buf, log_pos, checksum)
            .map_err(|e| bad(e.to_string()))?;
        pos = end;
    }
    if buf.len() as u64 != len {
        return Err(bad(format!(
            "its events rendered again are {} bytes, not the {len} written",
            buf.len()
        )));
    }
    Ok(buf)
}

/// One table's rows of a transaction: deletes, updates (before, after), inserts.
pub(crate) type TableRows = (
    Vec<Vec<Value>>,
    Vec<(Vec<Value>, Vec<Value>)>,
    Vec<Vec<Value>>,
);

/// Decodes one table's stored row images for its row events (the column types and
/// defaults are taken once, not per row).
pub(crate) struct RowDecoder<'a> {
    pub(crate) table: &'a TableDef,
    types: Vec<SqlType>,
    defaults: Vec<Value>,
}

impl<'a> RowDecoder<'a> {
    pub(crate) fn new(table: &'a TableDef) -> Self {
        RowDecoder {
            table,
            types: table.types(),
            defaults: table.defaults(),
        }
    }

    fn decode(&self, b: &[u8]) -> crate::Result<Vec<Value>> {
        decode_row(b, &self.types, &self.defaults).map_err(|e| crate::Error::InvalidArgument {
            detail: format!(
                "binlog: row of `{}`.`{}`: {}",
                self.table.db, self.table.name, e.message
            ),
        })
    }

    /// Adds one row change (stored images) to `rows`, decoded.
    pub(crate) fn add(
        &self,
        rows: &mut TableRows,
        before: Option<&[u8]>,
        after: Option<&[u8]>,
    ) -> crate::Result<()> {
        match (before, after) {
            (None, Some(a)) => rows.2.push(self.decode(a)?),
            (Some(b), Some(a)) => rows.1.push((self.decode(b)?, self.decode(a)?)),
            (Some(b), None) => rows.0.push(self.decode(b)?),
            (None, None) => {}
        }
        Ok(())
    }
}

/// A table's Table_map and its Delete/Update/Write_rows events (deletes first, then
/// updates, then inserts; `STMT_END_F` on the last).
pub(crate) fn table_row_events(
    origin: Origin,
    map: &TableMap,
    (deletes, updates, inserts): &TableRows,
    flags: u16,
) -> crate::Result<Vec<Event>> {
    let rows_events = |origin, kind, map: &TableMap, rows: &[RowChange<'_>], end| {
        let opts = crate::binlog::RowsOptions {
            end_of_statement: end,
            flags,
            ..Default::default()
        };
        crate::binlog::rows_events_with(origin, kind, map, rows, &opts)
    };
    let mut events = Vec::new();
    let last_kind = if !inserts.is_empty() {
        RowsKind::Write
    } else if !updates.is_empty() {
        RowsKind::Update
    } else {
        RowsKind::Delete
    };
    if !deletes.is_empty() {
        let rows: Vec<_> = deletes.iter().map(|r| (Some(&r[..]), None)).collect();
        events.extend(rows_events(
            origin,
            RowsKind::Delete,
            map,
            &rows,
            last_kind == RowsKind::Delete,
        )?);
    }
    if !updates.is_empty() {
        let rows: Vec<_> = updates
            .iter()
            .map(|(b, a)| (Some(&b[..]), Some(&a[..])))
            .collect();
        events.extend(rows_events(
            origin,
            RowsKind::Update,
            map,
            &rows,
            last_kind == RowsKind::Update,
        )?);
    }
    if !inserts.is_empty() {
        let rows: Vec<_> = inserts.iter().map(|r| (None, Some(&r[..]))).collect();
        events.extend(rows_events(origin, RowsKind::Write, map, &rows, true)?);
    }
    Ok(events)
}

/// The Table_map of each table the binlog logged rows of, with its event, kept while the
/// table's definition is the same (the catalog is shared until DDL changes it, so the
/// definition is recognised by its address) and rebuilt after: a commit of a few rows
/// would otherwise spend a good part of its rendering on the map.
#[derive(Default)]
pub struct TableMaps(Mutex<HashMap<u64, CachedMap>>);

/// Tables whose maps [`TableMaps`] keeps at most.
const MAX_CACHED_MAPS: usize = 1024;

struct CachedMap {
    /// Kept alive so that its address stays its identity.
    def: Arc<TableDef>,
    row_metadata: RowMetadata,
    map: Arc<TableMap>,
    event: Event,
    /// `def` encoded, for commit records' render notes.
    encoded: Arc<[u8]>,
}

impl TableMaps {
    /// The map of `t`, its event with `origin`, and `t` encoded.
    fn get(
        &self,
        ctx: &RenderCtx,
        t: &Arc<TableDef>,
        origin: Origin,
    ) -> crate::Result<(Arc<TableMap>, Event, Arc<[u8]>)> {
        let mut maps = lock(&self.0);
        let fresh = maps
            .get(&t.tree)
            .is_some_and(|c| Arc::ptr_eq(&c.def, t) && c.row_metadata == ctx.row_metadata);
        if !fresh {
            if maps.len() >= MAX_CACHED_MAPS {
                // Mostly tables dropped since: start again.
                maps.clear();
            }
            let map = table_map(ctx, t);
            let event = map.event(origin)?;
            maps.insert(
                t.tree,
                CachedMap {
                    def: Arc::clone(t),
                    row_metadata: ctx.row_metadata,
                    map: Arc::new(map),
                    event,
                    encoded: super::catalog::encode_table(t).into(),
                },
            );
        }
        let c = &maps[&t.tree];
        let mut event = c.event.clone();
        event.origin = origin;
        Ok((Arc::clone(&c.map), event, Arc::clone(&c.encoded)))
    }
}

/// The Table_map of `t`.
fn table_map(ctx: &RenderCtx, t: &TableDef) -> TableMap {
    let mut map = TableMap::new(
        t.tree,
        &t.db,
        &t.name,
        t.columns
            .iter()
            .map(|c| Column::new(&c.name, c.ty.clone(), c.nullable))
            .collect(),
    );
    map.row_metadata = ctx.row_metadata;
    map.primary_key = t.primary.iter().map(|p| p.column).collect();
    map
}

/// One row change as stored: the image before and the image after.
pub(crate) type RowImages<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// Rows decoded and encoded at a time by [`stream_table_row_events`].
const STREAM_BATCH: usize = 2048;

/// [`table_row_events`] for changes given as stored images, pushed to `push` as they
/// are rendered, a batch of rows at a time: the Table_map, then the Delete, Update and
/// Write_rows events (that order; `STMT_END_F` on the last). A backtrack over millions
/// of rows holds a few batches of decoded rows, not all of them.
///
/// Past one batch, a helper thread renders every other batch while this thread renders
/// the rest and pushes all of them in order: decoding and encoding rows is most of a big
/// backtrack's time, and it parallelises by batch.
pub(crate) fn stream_table_row_events(
    origin: Origin,
    ctx: &RenderCtx,
    t: &TableDef,
    changes: &[RowImages<'_>],
    push: &mut dyn FnMut(&Event) -> crate::Result<()>,
) -> crate::Result<()> {
    let kind_of = |c: &RowImages<'_>| match c {
        (Some(_), None) => Some(RowsKind::Delete),
        (Some(_), Some(_)) => Some(RowsKind::Update),
        (None, Some(_)) => Some(RowsKind::Write),
        (None, None) => None,
    };
    let kinds = [RowsKind::Delete, RowsKind::Update, RowsKind::Write];
    // Each kind's changes, in order, cut into batches; the last batch ends the statement.
    let mut ordered: Vec<RowImages<'_>> = Vec::with_capacity(changes.len());
    let mut batches: Vec<(RowsKind, std::ops::Range<usize>)> = Vec::new();
    for kind in kinds {
        let start = ordered.len();
        ordered.extend(changes.iter().filter(|c| kind_of(c) == Some(kind)));
        batches.extend(
            (start..ordered.len())
                .step_by(STREAM_BATCH)
                .map(|b| (kind, b..(b + STREAM_BATCH).min(ordered.len()))),
        );
    }
    if batches.is_empty() {
        return Ok(());
    }
    let map = table_map(ctx, t);
    push(&map.event(origin)?)?;
    let dec = RowDecoder::new(t);
    let last = batches.len() - 1;
    let render = |i: usize| -> crate::Result<Vec<Event>> {
        let (kind, range) = &batches[i];
        let mut rows = TableRows::default();
        for &(before, after) in &ordered[range.clone()] {
            dec.add(&mut rows, before, after)?;
        }
        let changes: Vec<RowChange<'_>> = match kind {
            RowsKind::Delete => rows.0.iter().map(|r| (Some(&r[..]), None)).collect(),
            RowsKind::Update => rows
                .1
                .iter()
                .map(|(b, a)| (Some(&b[..]), Some(&a[..])))
                .collect(),
            _ => rows.2.iter().map(|r| (None, Some(&r[..]))).collect(),
        };
        Ok(rows_events(origin, *kind, &map, &changes, i == last)?)
    };
    if batches.len() == 1 {
        return render(0)?.iter().try_for_each(&mut *push);
    }
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (done, rendered) = std::sync::mpsc::sync_channel::<crate::Result<Vec<Event>>>(1);
        let (render, stop) = (&render, &stop);
        let helper = std::thread::Builder::new()
            .name("binlog-render".into())
            .spawn_scoped(scope, move || {
                for i in (1..=last).step_by(2) {
                    if stop.load(std::sync::atomic::Ordering::Relaxed)
                        || done.send(render(i)).is_err()
                    {
                        return;
                    }
                }
            });
        let helped = helper.is_ok();
        let result = (|| {
            for i in 0..=last {
                let events = if i % 2 == 1 && helped {
                    rendered
                        .recv()
                        .map_err(|_| crate::Error::InvalidArgument {
                            detail: "binlog: the row rendering thread stopped".into(),
                        })??
                } else {
                    render(i)?
                };
                events.iter().try_for_each(&mut *push)?;
            }
            Ok(())
        })();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        drop(rendered);
        result
    })
}

/// A statement's context events (Intvar, Rand, User_var, in MySQL's order) and its Query.
fn statement_events(server_id: u32, st: &LoggedStatement) -> crate::Result<Vec<Event>> {
    let origin = Origin::new(server_id, st.time);
    let mut out = Vec::with_capacity(2 + st.intvars.len() + st.user_vars.len());
    for (kind, v) in &st.intvars {
        out.push(Event::intvar(origin, *kind, *v));
    }
    if let Some((s1, s2)) = st.rand {
        out.push(Event::rand(origin, s1, s2));
    }
    for (name, v) in &st.user_vars {
        out.push(Event::user_var(origin, name, v)?);
    }
    out.push(Event::query(origin, &st.query)?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collations_a_mariadb_replica_knows() {
        assert_eq!(replica_collation_id(45), 45);
        assert_eq!(replica_collation_id(33), 33);
        assert_eq!(replica_collation_id(255), 45);
        assert_eq!(replica_collation_id(309), 45);
    }

    /// A row-logged commit's events come back byte for byte from its record's changes
    /// and render note, whatever the session state they were rendered with; a note whose
    /// length does not match what renders is refused, not written.
    #[test]
    fn render_notes_render_the_same_bytes() {
        use super::super::catalog::{ColumnDef, ColumnDefault, IndexColumn};
        let int = SqlType::Int {
            kind: IntKind::Int,
            unsigned: false,
            width: None,
        };
        let chr = SqlType::Char {
            len: 20,
            collation: Collation::Utf8mb4GeneralCi,
        };
        let col = |name: &str, ty: &SqlType| ColumnDef {
            name: name.into(),
            ty: ty.clone(),
            nullable: name != "id",
            default: ColumnDefault::Null,
            auto_increment: false,
            on_update_now: false,
            comment: String::new(),
            generated: None,
            invisible: false,
        };
        let table = Arc::new(TableDef {
            db: "shop".into(),
            name: "t".into(),
            tree: 1030,
            columns: vec![col("id", &int), col("c", &chr)],
            primary: vec![IndexColumn {
                column: 0,
                prefix: None,
            }],
            indexes: Vec::new(),
            engine: "InnoDB".into(),
            collation: Collation::Utf8mb4GeneralCi,
            comment: String::new(),
            auto_increment_start: 1,
            created_us: 0,
            foreign_keys: Vec::new(),
            checks: Vec::new(),
        });
        let types = table.types();
        let row = |id: i64, c: &str| -> crate::storage::page::Bytes {
            crate::value::row::encode_row(&[Value::Int(id), Value::Bytes(c.into())], &types)
                .unwrap()
                .as_slice()
                .into()
        };
        let put = |before, after| Change::Put {
            tree: 1030,
            key: b"k".as_slice().into(),
            before,
            after,
            stmt: 0,
        };
        let rec = CommitRecord {
            seq: 41,
            time_us: 1_700_000_000_123_456,
            server_id: 9,
            changes: vec![
                put(None, row(1, "new")),
                put(Some(row(2, "old")), row(2, "changed")),
                Change::Delete {
                    tree: 1030,
                    key: b"j".as_slice().into(),
                    before: row(3, "gone"),
                    stmt: 1,
                },
                // A secondary index's change is not logged.
                Change::Put {
                    tree: 1031,
                    key: b"ix".as_slice().into(),
                    before: None,
                    after: b"".as_slice().into(),
                    stmt: 0,
                },
            ],
            ..CommitRecord::default()
        };
        let mut catalog = Catalog::default();
        catalog
            .tables
            .insert(("shop".into(), "t".into()), Arc::clone(&table));
        for (checksum, row_metadata, time_zone) in [
            (Checksum::Crc32, RowMetadata::Minimal, None),
            (
                Checksum::None,
                RowMetadata::Full,
                Some("+05:30".to_string()),
            ),
        ] {
            let ctx = RenderCtx {
                server_id: 9,
                thread_id: 77,
                ddl: false,
                row_metadata,
                charset: (33, 8, 45),
                collation_database: Some(8),
                sql_mode: 1 << 21,
                flags2: QueryEvent::OPTION_NOT_AUTOCOMMIT,
                time_zone,
                auto_increment: (2, 1),
                statements: None,
            };
            let r = render(&rec, &catalog, &ctx, false, &TableMaps::default()).unwrap();
            let tables = r.row_tables.expect("row-logged");
            assert_eq!(tables.len(), 1);
            let start = 1000u64;
            let mut written = Vec::new();
            let mut pos = start;
            for ev in &r.events {
                pos += ev.encoded_len(checksum) as u64;
                ev.encode_into(&mut written, u32::try_from(pos).unwrap(), checksum)
                    .unwrap();
            }
            let coord = BinlogCoord { file: 1, pos };
            let note = encode_render_note(&ctx, checksum, written.len(), &tables);
            assert_eq!(render_again(&rec, coord, &note).unwrap(), written);
            let wrong = encode_render_note(&ctx, checksum, written.len() + 1, &tables);
            assert!(render_again(
                &rec,
                BinlogCoord {
                    file: 1,
                    pos: pos + 1
                },
                &wrong
            )
            .is_err());
            assert!(render_again(&rec, coord, &note[..note.len() - 1]).is_err());
        }
    }
}
