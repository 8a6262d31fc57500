//! The seam between the wire protocol and the engine: implements the protocol
//! crate's `SessionFactory`/`Session` over engine sessions, converting values,
//! column definitions and errors.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use borealis_engine::sql::binlog::ReplicaHost;
use borealis_engine::sql::catalog::{UserDef, CACHING_SHA2_PASSWORD};
use borealis_engine::sql::exec::{OutColumn, RowIter, RowSink};
use borealis_engine::sql::session::{Instance, Output, Session as EngineSession};
use borealis_engine::sql::SqlError as EngineError;
use borealis_engine::value::temporal::{Date, DateTime, Time};
use borealis_engine::value::{Collation, Decimal, IntKind, LobKind, SqlType, Value};
use borealis_protocol::{
    AuthMethod, AuthRequest, BinlogDumpRequest, BinlogEvents, Column, ColumnFlags, ColumnType,
    Limits, Outcome, Prepared, RegisterReplica, ResultSink, Session, SessionFactory, SessionStatus,
    SqlError, Statistics, WireValue,
};

fn err(e: EngineError) -> SqlError {
    SqlError::new(e.code, e.message)
}

/// Opens engine sessions for authenticated clients of one endpoint (instance).
pub struct Factory {
    pub inst: Arc<Instance>,
    /// A reader instance: sessions are read-only (writes fail with 1290). Cleared when
    /// the reader is promoted to writer.
    pub read_only: Arc<AtomicBool>,
    /// Connection ids of the sessions open through this endpoint (closed when the
    /// instance is deleted), and whether the endpoint has stopped ([`Factory::close`]).
    pub conns: Arc<Mutex<Conns>>,
    /// The instance's port (`@@port` of its sessions); 0: the cluster's.
    pub port: u16,
    /// The instance's identifier (`@@aurora_server_id` of its sessions); follows a rename.
    pub name: Mutex<String>,
}

/// The sessions of one endpoint.
#[derive(Default)]
pub struct Conns {
    pub ids: BTreeSet<u32>,
    /// The endpoint has stopped: a client still logging in is refused rather than left
    /// with a session nobody will close.
    pub closed: bool,
}

impl Factory {
    pub fn new(inst: Arc<Instance>, read_only: bool, port: u16, name: &str) -> Factory {
        Factory {
            inst,
            read_only: Arc::new(AtomicBool::new(read_only)),
            conns: Arc::default(),
            port,
            name: Mutex::new(name.to_string()),
        }
    }

    /// The connection ids of the sessions open now.
    pub fn conn_ids(&self) -> Vec<u32> {
        lock(&self.conns).ids.iter().copied().collect()
    }

    /// Marks the endpoint stopped and returns the sessions open through it (to be closed):
    /// a login finishing after this is refused (1053), so no session outlives its endpoint.
    pub fn close(&self) -> Vec<u32> {
        let mut c = lock(&self.conns);
        c.closed = true;
        c.ids.iter().copied().collect()
    }

    /// Renames the instance (its sessions' `@@aurora_server_id` from the next login).
    pub fn rename(&self, name: &str) {
        *self.name.lock().unwrap_or_else(|e| e.into_inner()) = name.to_string();
    }
}

fn lock(c: &Mutex<Conns>) -> std::sync::MutexGuard<'_, Conns> {
    c.lock().unwrap_or_else(|e| e.into_inner())
}

impl Factory {
    /// Whether `req` proves the password of `account`, by the account's plugin: a
    /// mysql_native_password scramble, or for caching_sha2_password the fast-path scramble
    /// (by the cache of earlier logins) or the cleartext password (full authentication).
    fn proves_password(&self, account: &UserDef, req: &AuthRequest) -> bool {
        let response = &req.auth_response;
        match (account.plugin_name(), req.method) {
            (CACHING_SHA2_PASSWORD, AuthMethod::Sha2Scramble) => {
                if account.sha2_hash.is_empty() {
                    response.is_empty()
                } else {
                    self.inst.sha2_fast_check(account, &req.salt, response)
                }
            }
            (CACHING_SHA2_PASSWORD, AuthMethod::Cleartext) => {
                self.inst.sha2_full_check(account, response)
            }
            (CACHING_SHA2_PASSWORD, _) => false,
            (_, AuthMethod::NativeScramble) => {
                if account.auth_stage2.is_empty() {
                    response.is_empty()
                } else {
                    <[u8; 20]>::try_from(account.auth_stage2.as_slice())
                        .is_ok_and(|arr| req.verify_native_password(Some(&arr)))
                }
            }
            _ => false,
        }
    }
}

impl SessionFactory for Factory {
    fn authenticate(&self, req: &AuthRequest) -> Result<Box<dyn Session>, SqlError> {
        let secure = req.tls.is_some();
        let globals = &self.inst.globals;
        if !secure
            && globals
                .get("require_secure_transport")
                .is_ok_and(|v| v.as_u64() != 0)
        {
            return Err(SqlError::new(
                3159,
                "Connections using insecure transport are prohibited while \
                 --require_secure_transport=ON.",
            ));
        }
        let account = self.inst.account(&req.user, &req.host).map_err(err)?;
        let ok = account
            .as_ref()
            .is_some_and(|a| self.proves_password(a, req));
        // REQUIRE SSL: a plain connection is refused like a wrong password, as in MySQL.
        if !ok || account.as_ref().is_some_and(|a| a.require_ssl && !secure) {
            tracing::info!(user = %req.user, host = %req.host, "access denied");
            return Err(req.access_denied());
        }
        let mut s = self
            .inst
            .session_with_id(
                req.connection_id,
                &req.user,
                &req.host,
                req.database.as_deref(),
            )
            .map_err(err)?;
        if let Some((_, p)) = req.attributes.iter().find(|(k, _)| k == "program_name") {
            s.set_client_program(p);
        }
        if let Some(c) = Collation::from_id(req.charset) {
            s.vars.set_names_collation(c);
        }
        if let Some(t) = &req.tls {
            s.set_tls(&t.version, &t.cipher);
        }
        s.set_read_only(self.read_only.load(Ordering::SeqCst));
        if self.port != 0 {
            s.set_endpoint_port(self.port);
        }
        s.set_endpoint_name(&self.name.lock().unwrap_or_else(|e| e.into_inner()));
        {
            let mut c = lock(&self.conns);
            if c.closed {
                return Err(SqlError::new(1053, "Server shutdown in progress"));
            }
            c.ids.insert(req.connection_id);
        }
        let has_super = s.has_super();
        Ok(Box::new(Conn {
            s,
            conns: self.conns.clone(),
            has_super,
        }))
    }

    fn auth_plugin(&self, user: &str, host: &str) -> Option<String> {
        match self.inst.account(user, host) {
            Ok(a) => a.map(|a| a.plugin_name().to_string()),
            Err(e) => {
                tracing::warn!(error = %e.message, "cannot read the account");
                None
            }
        }
    }

    fn sha2_fast_auth(&self, req: &AuthRequest) -> bool {
        matches!(
            self.inst.account(&req.user, &req.host),
            Ok(Some(a)) if a.plugin_name() == CACHING_SHA2_PASSWORD
                && !a.sha2_hash.is_empty()
                && self.inst.sha2_fast_check(&a, &req.salt, &req.auth_response)
        )
    }

    fn statistics(&self) -> Statistics {
        use std::sync::atomic::Ordering::Relaxed;
        let st = &self.inst.status;
        Statistics {
            uptime_secs: st.uptime(),
            threads: st.threads_connected.load(Relaxed),
            questions: st.questions.load(Relaxed),
            slow_queries: st.slow_queries.load(Relaxed),
            opens: st.opened_tables.load(Relaxed),
            flush_tables: 1,
            open_tables: st.open_tables.load(Relaxed),
        }
    }

    fn limits(&self) -> Limits {
        let globals = &self.inst.globals;
        let num = |name: &str, default: u64| globals.get(name).map_or(default, |v| v.as_u64());
        Limits {
            max_connections: u32::try_from(num("max_connections", 151)).unwrap_or(u32::MAX),
            connect_timeout: Duration::from_secs(num("connect_timeout", 10)),
        }
    }
}

/// A cluster's reader endpoint: each new connection goes to the next of its targets (the
/// cluster's running readers, else its writer: [`crate::fleet`] keeps the list), round
/// robin, as Aurora balances its reader endpoint per connection. The session is the
/// target instance's in every way ([`Factory::authenticate`]: its `@@port`,
/// `@@aurora_server_id`, `@@read_only`, its list of sessions to close). Every target
/// serves the same engine instance, so the login exchange may ask any of them.
pub struct ReaderFactory {
    targets: Mutex<Vec<Arc<Factory>>>,
    next: AtomicUsize,
}

impl ReaderFactory {
    pub fn new(targets: Vec<Arc<Factory>>) -> ReaderFactory {
        ReaderFactory {
            targets: Mutex::new(targets),
            next: AtomicUsize::new(0),
        }
    }

    /// Replaces the targets (new connections only; open sessions stay where they are).
    pub fn set_targets(&self, targets: Vec<Arc<Factory>>) {
        *self.targets.lock().unwrap_or_else(|e| e.into_inner()) = targets;
    }

    /// The target of the next connection.
    fn pick(&self) -> Option<Arc<Factory>> {
        let t = self.targets.lock().unwrap_or_else(|e| e.into_inner());
        if t.is_empty() {
            return None;
        }
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        Some(t[n % t.len()].clone())
    }

    /// Any target (for what every target answers alike).
    fn any(&self) -> Option<Arc<Factory>> {
        self.targets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .first()
            .cloned()
    }
}

impl SessionFactory for ReaderFactory {
    fn authenticate(&self, req: &AuthRequest) -> Result<Box<dyn Session>, SqlError> {
        match self.pick() {
            Some(f) => f.authenticate(req),
            None => Err(SqlError::new(1053, "Server shutdown in progress")),
        }
    }

    fn statistics(&self) -> Statistics {
        self.any().map(|f| f.statistics()).unwrap_or_default()
    }

    fn auth_plugin(&self, user: &str, host: &str) -> Option<String> {
        self.any()?.auth_plugin(user, host)
    }

    fn sha2_fast_auth(&self, req: &AuthRequest) -> bool {
        self.any().is_some_and(|f| f.sha2_fast_auth(req))
    }

    fn limits(&self) -> Limits {
        self.any().map(|f| f.limits()).unwrap_or_default()
    }
}

/// One connection's engine session.
pub struct Conn {
    s: EngineSession,
    conns: Arc<Mutex<Conns>>,
    /// The account holds SUPER (checked at login).
    has_super: bool,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.s.unregister_replica();
        lock(&self.conns).ids.remove(&self.s.conn_id);
    }
}

/// Column definition for a result column.
pub fn column(c: &OutColumn) -> Column {
    use ColumnType::*;
    let mut flags = ColumnFlags::empty();
    let (ty, charset, length, decimals) = match &c.ty {
        None => (MYSQL_TYPE_NULL, 63u16, 0u32, 0u8),
        Some(t) => match t {
            SqlType::Int {
                kind,
                unsigned,
                width,
            } => {
                if *unsigned {
                    flags |= ColumnFlags::UNSIGNED_FLAG;
                }
                flags |= ColumnFlags::NUM_FLAG;
                let w = u32::from(width.unwrap_or(kind.default_width(*unsigned)));
                let ty = match kind {
                    IntKind::Tiny => MYSQL_TYPE_TINY,
                    IntKind::Small => MYSQL_TYPE_SHORT,
                    IntKind::Medium => MYSQL_TYPE_INT24,
                    IntKind::Int => MYSQL_TYPE_LONG,
                    IntKind::Big => MYSQL_TYPE_LONGLONG,
                };
                (ty, 63, w, 0)
            }
            SqlType::Decimal { precision, scale } => {
                flags |= ColumnFlags::NUM_FLAG;
                (MYSQL_TYPE_NEWDECIMAL, 63, u32::from(*precision) + 2, *scale)
            }
            SqlType::Float => (MYSQL_TYPE_FLOAT, 63, 12, 31),
            SqlType::Double => (MYSQL_TYPE_DOUBLE, 63, 22, 31),
            SqlType::Char { len, collation } => (
                MYSQL_TYPE_STRING,
                collation.id(),
                len * collation.max_bytes_per_char(),
                0,
            ),
            SqlType::VarChar { len, collation } => (
                MYSQL_TYPE_VAR_STRING,
                collation.id(),
                len.saturating_mul(collation.max_bytes_per_char()),
                0,
            ),
            SqlType::Text { kind, collation } => {
                flags |= ColumnFlags::BLOB_FLAG;
                (MYSQL_TYPE_BLOB, collation.id(), lob_len(*kind), 0)
            }
            SqlType::Binary { len } => {
                flags |= ColumnFlags::BINARY_FLAG;
                (MYSQL_TYPE_STRING, 63, *len, 0)
            }
            SqlType::VarBinary { len } => {
                flags |= ColumnFlags::BINARY_FLAG;
                (MYSQL_TYPE_VAR_STRING, 63, *len, 0)
            }
            SqlType::Blob { kind } => {
                flags |= ColumnFlags::BLOB_FLAG | ColumnFlags::BINARY_FLAG;
                (MYSQL_TYPE_BLOB, 63, lob_len(*kind), 0)
            }
            // As MySQL 8.0 describes JSON: its own type, binary charset, the text in UTF-8.
            SqlType::Json => {
                flags |= ColumnFlags::BLOB_FLAG | ColumnFlags::BINARY_FLAG;
                (MYSQL_TYPE_JSON, 63, u32::MAX, 0)
            }
            // As MySQL describes a geometry: its own type, binary, a LONGBLOB's length.
            SqlType::Geometry { .. } => {
                flags |= ColumnFlags::BLOB_FLAG | ColumnFlags::BINARY_FLAG;
                (MYSQL_TYPE_GEOMETRY, 63, u32::MAX, 0)
            }
            SqlType::Date => {
                flags |= ColumnFlags::BINARY_FLAG;
                (MYSQL_TYPE_DATE, 63, 10, 0)
            }
            SqlType::DateTime { fsp } => {
                flags |= ColumnFlags::BINARY_FLAG;
                (
                    MYSQL_TYPE_DATETIME,
                    63,
                    19 + u32::from(*fsp) + u32::from(*fsp > 0),
                    *fsp,
                )
            }
            SqlType::Timestamp { fsp } => {
                flags |= ColumnFlags::BINARY_FLAG | ColumnFlags::TIMESTAMP_FLAG;
                (
                    MYSQL_TYPE_TIMESTAMP,
                    63,
                    19 + u32::from(*fsp) + u32::from(*fsp > 0),
                    *fsp,
                )
            }
            SqlType::Time { fsp } => {
                flags |= ColumnFlags::BINARY_FLAG;
                (
                    MYSQL_TYPE_TIME,
                    63,
                    10 + u32::from(*fsp) + u32::from(*fsp > 0),
                    *fsp,
                )
            }
            SqlType::Year => {
                flags |= ColumnFlags::UNSIGNED_FLAG | ColumnFlags::NUM_FLAG;
                (MYSQL_TYPE_YEAR, 63, 4, 0)
            }
            SqlType::Bit { len } => {
                flags |= ColumnFlags::UNSIGNED_FLAG | ColumnFlags::BINARY_FLAG;
                (MYSQL_TYPE_BIT, 63, u32::from(*len), 0)
            }
            SqlType::Set { values, collation } => {
                // MySQL: STRING with SET_FLAG, as long as every member with its comma.
                flags |= ColumnFlags::SET_FLAG;
                let w: u32 = values.iter().map(|v| v.chars().count() as u32).sum::<u32>()
                    + (values.len() as u32).saturating_sub(1);
                (
                    MYSQL_TYPE_STRING,
                    collation.id(),
                    w * collation.max_bytes_per_char(),
                    0,
                )
            }
            SqlType::Enum { values, collation } => {
                flags |= ColumnFlags::ENUM_FLAG;
                let w = values
                    .iter()
                    .map(|v| v.chars().count() as u32)
                    .max()
                    .unwrap_or(0);
                (
                    MYSQL_TYPE_STRING,
                    collation.id(),
                    w * collation.max_bytes_per_char(),
                    0,
                )
            }
        },
    };
    if !c.nullable {
        flags |= ColumnFlags::NOT_NULL_FLAG;
    }
    if c.primary {
        flags |= ColumnFlags::PRI_KEY_FLAG;
    }
    if c.auto_increment {
        flags |= ColumnFlags::AUTO_INCREMENT_FLAG;
    }
    let mut col = Column::new(c.name.clone(), ty)
        .with_flags(flags)
        .with_charset(charset)
        .with_length(length, decimals);
    col.schema = c.db.clone();
    col.table = c.table.clone();
    col.org_table = c.org_table.clone();
    col.org_name = if c.org_name.is_empty() {
        c.name.clone()
    } else {
        c.org_name.clone()
    };
    col
}

fn lob_len(k: LobKind) -> u32 {
    match k {
        LobKind::Tiny => 255,
        LobKind::Normal => 65535,
        LobKind::Medium => 16_777_215,
        LobKind::Long => u32::MAX,
    }
}

/// An engine value on the wire, rendered for its column type.
pub fn wire(v: Value, ty: &Option<SqlType>) -> WireValue {
    // A BIT column's value goes out as its big-endian bytes, as MySQL sends it.
    if let (Value::UInt(n), Some(SqlType::Bit { len })) = (&v, ty) {
        return WireValue::Bytes(borealis_engine::value::bit_bytes(*n, *len));
    }
    match v {
        Value::Null => WireValue::Null,
        Value::Int(i) => WireValue::Int(i),
        Value::UInt(u) => WireValue::UInt(u),
        Value::Float(f) => WireValue::Float(f),
        Value::Double(d) => WireValue::Double(d),
        Value::Decimal(d) => {
            let d = match ty {
                Some(SqlType::Decimal { scale, .. }) if *scale != d.scale() => {
                    d.round_to_scale(*scale)
                }
                _ => d,
            };
            WireValue::Decimal(d.to_string())
        }
        Value::Bytes(b) => WireValue::Bytes(b),
        Value::Date(d) => WireValue::Date(d.year, d.month, d.day),
        Value::DateTime(d) => {
            let fsp = ty.as_ref().map_or(6, |t| t.fsp());
            let micro = if ty.is_some() {
                trunc_micro(d.micro, fsp)
            } else {
                d.micro
            };
            WireValue::DateTime(
                d.date.year,
                d.date.month,
                d.date.day,
                d.hour,
                d.minute,
                d.second,
                micro,
            )
        }
        Value::Time(t) => WireValue::Time(
            t.neg,
            u32::from(t.hour) / 24,
            (t.hour % 24) as u8,
            t.minute,
            t.second,
            t.micro,
        ),
        Value::Year(y) => WireValue::Int(i64::from(y)),
    }
}

fn trunc_micro(m: u32, fsp: u8) -> u32 {
    let div = 10u32.pow(6 - u32::from(fsp.min(6)));
    m / div * div
}

/// A parameter from COM_STMT_EXECUTE as an engine value.
pub fn param(v: &WireValue) -> Value {
    match v {
        WireValue::Null => Value::Null,
        WireValue::Int(i) => Value::Int(*i),
        WireValue::UInt(u) => Value::UInt(*u),
        WireValue::Float(f) => Value::Float(*f),
        WireValue::Double(d) => Value::Double(*d),
        WireValue::Decimal(s) => Decimal::parse(s)
            .map(Value::Decimal)
            .unwrap_or_else(|_| Value::Bytes(s.as_bytes().to_vec())),
        WireValue::Bytes(b) => Value::Bytes(b.clone()),
        WireValue::Date(y, m, d) => Value::Date(Date::new(*y, *m, *d)),
        WireValue::DateTime(y, mo, d, h, mi, s, us) => {
            let mut dt = DateTime::from_date(Date::new(*y, *mo, *d));
            dt.hour = *h;
            dt.minute = *mi;
            dt.second = *s;
            dt.micro = *us;
            Value::DateTime(dt)
        }
        WireValue::Time(neg, days, h, m, s, us) => {
            let micros = ((i64::from(*days) * 24 + i64::from(*h)) * 3600
                + i64::from(*m) * 60
                + i64::from(*s))
                * 1_000_000
                + i64::from(*us);
            Value::Time(Time::from_micros(if *neg { -micros } else { micros }))
        }
    }
}

fn outcome(o: Output) -> Outcome {
    match o {
        Output::Ok {
            affected,
            last_insert_id,
            info,
        } => Outcome::Ok {
            affected_rows: affected,
            last_insert_id,
            info,
        },
        Output::Stream(cols, rows) => rows_outcome(&cols, rows),
        Output::Streamed(_) => Outcome::Streamed,
        Output::Rows(rs) => rows_outcome(&rs.columns, Box::new(rs.rows.into_iter().map(Ok))),
    }
}

/// A result set for the wire: its column definitions and its rows converted as they are
/// sent.
fn rows_outcome(cols: &[OutColumn], rows: RowIter) -> Outcome {
    let columns: Vec<Column> = cols.iter().map(column).collect();
    let types: Vec<Option<SqlType>> = cols.iter().map(|c| c.ty.clone()).collect();
    let rows = rows.map(move |r| {
        Ok(r.map_err(err)?
            .into_iter()
            .zip(types.iter())
            .map(|(v, t)| wire(v, t))
            .collect())
    });
    Outcome::Rows {
        columns,
        rows: Box::new(rows),
    }
}

/// The engine's [`RowSink`] over the driver's [`ResultSink`]: columns and rows converted
/// for the wire as they are produced.
struct WireRows<'a> {
    sink: &'a mut dyn ResultSink,
    types: Vec<Option<SqlType>>,
}

impl RowSink for WireRows<'_> {
    fn columns(&mut self, cols: &[OutColumn]) -> Result<(), EngineError> {
        self.types = cols.iter().map(|c| c.ty.clone()).collect();
        self.sink
            .columns(cols.iter().map(column).collect())
            .map_err(|e| EngineError::new(e.code, e.message))
    }

    fn row(&mut self, row: Vec<Value>) -> Result<(), EngineError> {
        let row: Vec<WireValue> = row
            .into_iter()
            .zip(self.types.iter())
            .map(|(v, t)| wire(v, t))
            .collect();
        self.sink
            .row(&row)
            .map_err(|e| EngineError::new(e.code, e.message))
    }
}

impl Session for Conn {
    fn set_closer(&mut self, close: borealis_protocol::Closer) {
        self.s
            .set_disconnect(Arc::new(move |reason: Option<&EngineError>| {
                close(reason.map(|e| err(e.clone())).as_ref())
            }));
    }

    fn idle_timeout(&self, interactive: bool) -> Option<Duration> {
        Some(Duration::from_secs(
            self.s.vars.idle_timeout_secs(interactive),
        ))
    }

    fn write_timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(self.s.vars.net_write_timeout_secs()))
    }

    fn may_exceed_max_connections(&self) -> bool {
        self.has_super
    }

    fn query(&mut self, sql: &str) -> Result<Outcome, SqlError> {
        self.s.execute(sql).map(outcome).map_err(err)
    }

    fn query_to(&mut self, sql: &str, sink: &mut dyn ResultSink) -> Result<Outcome, SqlError> {
        let mut rows = WireRows {
            sink,
            types: Vec::new(),
        };
        self.s
            .execute_into(sql, Some(&mut rows))
            .map(outcome)
            .map_err(err)
    }

    fn execute_to(
        &mut self,
        id: u32,
        params: &[WireValue],
        sink: &mut dyn ResultSink,
    ) -> Result<Outcome, SqlError> {
        let vals = params.iter().map(param).collect();
        let mut rows = WireRows {
            sink,
            types: Vec::new(),
        };
        self.s
            .execute_prepared_into(id, vals, Some(&mut rows))
            .map(outcome)
            .map_err(err)
    }

    fn prepare(&mut self, sql: &str) -> Result<Prepared, SqlError> {
        let (id, n, cols) = self.s.prepare(sql).map_err(err)?;
        Ok(Prepared {
            id,
            params: (0..n)
                .map(|_| Column::new("?", ColumnType::MYSQL_TYPE_VAR_STRING))
                .collect(),
            columns: cols.iter().map(column).collect(),
        })
    }

    fn execute(
        &mut self,
        id: u32,
        params: &[borealis_protocol::WireValue],
    ) -> Result<Outcome, SqlError> {
        let vals = params.iter().map(param).collect();
        self.s.execute_prepared(id, vals).map(outcome).map_err(err)
    }

    fn close_statement(&mut self, id: u32) {
        self.s.close_prepared(id);
    }

    fn init_db(&mut self, database: &str) -> Result<(), SqlError> {
        self.s.use_db(database).map_err(err)
    }

    fn field_list(&mut self, table: &str, _wildcard: &str) -> Result<Vec<Column>, SqlError> {
        Ok(self
            .s
            .field_list(table)
            .map_err(err)?
            .iter()
            .map(column)
            .collect())
    }

    fn reset_connection(&mut self) -> Result<(), SqlError> {
        self.s.reset();
        Ok(())
    }

    fn register_replica(&mut self, r: &RegisterReplica) -> Result<(), SqlError> {
        self.s
            .register_replica(ReplicaHost {
                server_id: r.server_id,
                host: r.host.clone(),
                port: r.port,
            })
            .map_err(err)
    }

    /// Checks the request on the connection's thread (errors go back as ERR before any
    /// event), then produces the events on a thread of their own: it blocks on the binlog
    /// (waiting for commits, heartbeats) while the connection's thread writes to the
    /// socket. The producer ends when the receiver is dropped (the replica left).
    fn binlog_dump(&mut self, req: &BinlogDumpRequest) -> Result<BinlogEvents, SqlError> {
        let (bl, start) = self
            .s
            .binlog_dump_start(&req.file, u64::from(req.position), req.flags)
            .map_err(err)?;
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let replica = req.server_id;
        std::thread::Builder::new()
            .name(format!("binlog-dump-{replica}"))
            .spawn(move || {
                tracing::info!(replica, file = %start.file, pos = start.pos, "binlog dump started");
                let result = bl.dump(&start, |ev| {
                    if ev.is_empty() {
                        return !tx.is_closed();
                    }
                    tx.blocking_send(Ok(ev)).is_ok()
                });
                if let Err(e) = result {
                    tracing::warn!(replica, error = %e, "binlog dump failed");
                    let _ = tx.blocking_send(Err(err(e)));
                }
                tracing::info!(replica, "binlog dump ended");
            })
            .map_err(|e| SqlError::new(1236, format!("cannot start the dump thread: {e}")))?;
        Ok(rx)
    }

    fn status(&self) -> SessionStatus {
        SessionStatus {
            in_transaction: self.s.in_transaction(),
            autocommit: self.s.autocommit(),
            warnings: self
                .s
                .warnings
                .iter()
                .filter(|w| w.level != borealis_engine::value::Level::Error)
                .count()
                .min(65535) as u16,
        }
    }
}
