//! The seam between the wire protocol and the SQL engine: [`SessionFactory`] and [`Session`].
//!
//! Both traits are synchronous: engine calls may block (scans, commits waiting on fsync), so the
//! connection loop runs them inline on the connection's own thread, which serves nobody else.
//! Nothing here knows about sockets, packets or sequence ids.

use std::fmt;

use tokio::sync::mpsc;

use crate::codes;
pub use crate::flags::{ColumnFlags, ColumnType};

/// An error to send to the client as an ERR packet; the connection stays usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    /// MySQL error number, see [`crate::codes`].
    pub code: u16,
    /// Five-character SQLSTATE.
    pub sqlstate: [u8; 5],
    /// Human-readable message, as MySQL would word it.
    pub message: String,
}

impl SqlError {
    /// An error with the SQLSTATE that MySQL pairs with `code`.
    pub fn new(code: u16, message: impl Into<String>) -> Self {
        SqlError {
            code,
            sqlstate: codes::sqlstate(code),
            message: message.into(),
        }
    }

    /// ER_ACCESS_DENIED_ERROR (1045) worded exactly like MySQL.
    pub fn access_denied(user: &str, host: &str, using_password: bool) -> Self {
        let yes_no = if using_password { "YES" } else { "NO" };
        SqlError::new(
            codes::ER_ACCESS_DENIED_ERROR,
            format!("Access denied for user '{user}'@'{host}' (using password: {yes_no})"),
        )
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = String::from_utf8_lossy(&self.sqlstate);
        write!(f, "ERROR {} ({}): {}", self.code, state, self.message)
    }
}

impl std::error::Error for SqlError {}

/// utf8mb4_general_ci, Borealis' default collation (DESIGN.md, compatibility choices).
pub const CHARSET_UTF8MB4_GENERAL_CI: u16 = 45;
/// utf8mb3_general_ci, what the Debian `mysql` CLI connects with.
pub const CHARSET_UTF8_GENERAL_CI: u16 = 33;
/// The `binary` pseudo charset: numbers, temporals, BLOB/BINARY columns.
pub const CHARSET_BINARY: u16 = 63;

/// Metadata of one result column or statement parameter (Protocol::ColumnDefinition41).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Database of the underlying table ("" for expressions).
    pub schema: String,
    /// Table alias as written in the query.
    pub table: String,
    /// Real table name.
    pub org_table: String,
    /// Column alias (what clients show as the header).
    pub name: String,
    /// Real column name.
    pub org_name: String,
    /// MySQL type code; also decides the binary-protocol encoding of values.
    pub column_type: ColumnType,
    /// NOT_NULL, PRI_KEY, UNSIGNED, BINARY, BLOB, AUTO_INCREMENT, ...
    pub flags: ColumnFlags,
    /// Collation id (45 utf8mb4_general_ci, 33 utf8_general_ci, 63 binary, ...).
    pub charset: u16,
    /// Maximum display length in bytes.
    pub length: u32,
    /// Fractional digits (DECIMAL scale, DATETIME(n) precision; 31 = not fixed).
    pub decimals: u8,
}

impl Column {
    /// A column named `name` of type `column_type`, with MySQL's defaults for that type:
    /// charset binary for numbers and temporals, utf8mb4 for strings, the type's usual length.
    pub fn new(name: impl Into<String>, column_type: ColumnType) -> Self {
        use ColumnType::*;
        let name = name.into();
        let (charset, length, decimals, flags) = match column_type {
            MYSQL_TYPE_TINY => (CHARSET_BINARY, 4, 0, ColumnFlags::NUM_FLAG),
            MYSQL_TYPE_SHORT => (CHARSET_BINARY, 6, 0, ColumnFlags::NUM_FLAG),
            MYSQL_TYPE_INT24 => (CHARSET_BINARY, 9, 0, ColumnFlags::NUM_FLAG),
            MYSQL_TYPE_LONG => (CHARSET_BINARY, 11, 0, ColumnFlags::NUM_FLAG),
            MYSQL_TYPE_LONGLONG => (CHARSET_BINARY, 20, 0, ColumnFlags::NUM_FLAG),
            MYSQL_TYPE_YEAR => (CHARSET_BINARY, 4, 0, ColumnFlags::NUM_FLAG),
            MYSQL_TYPE_FLOAT => (CHARSET_BINARY, 12, 31, ColumnFlags::NUM_FLAG),
            MYSQL_TYPE_DOUBLE => (CHARSET_BINARY, 22, 31, ColumnFlags::NUM_FLAG),
            MYSQL_TYPE_DECIMAL | MYSQL_TYPE_NEWDECIMAL => {
                (CHARSET_BINARY, 12, 2, ColumnFlags::NUM_FLAG)
            }
            MYSQL_TYPE_DATE => (CHARSET_BINARY, 10, 0, ColumnFlags::BINARY_FLAG),
            MYSQL_TYPE_TIME => (CHARSET_BINARY, 10, 0, ColumnFlags::BINARY_FLAG),
            MYSQL_TYPE_DATETIME | MYSQL_TYPE_TIMESTAMP => {
                (CHARSET_BINARY, 19, 0, ColumnFlags::BINARY_FLAG)
            }
            MYSQL_TYPE_TINY_BLOB
            | MYSQL_TYPE_MEDIUM_BLOB
            | MYSQL_TYPE_LONG_BLOB
            | MYSQL_TYPE_BLOB => (
                CHARSET_BINARY,
                65535,
                0,
                ColumnFlags::BLOB_FLAG | ColumnFlags::BINARY_FLAG,
            ),
            MYSQL_TYPE_NULL => (CHARSET_BINARY, 0, 0, ColumnFlags::BINARY_FLAG),
            _ => (CHARSET_UTF8MB4_GENERAL_CI, 1024, 0, ColumnFlags::empty()),
        };
        Column {
            schema: String::new(),
            table: String::new(),
            org_table: String::new(),
            org_name: name.clone(),
            name,
            column_type,
            flags,
            charset,
            length,
            decimals,
        }
    }

    /// Sets schema, table alias and real table name.
    pub fn with_table(mut self, schema: &str, table: &str) -> Self {
        self.schema = schema.to_string();
        self.table = table.to_string();
        self.org_table = table.to_string();
        self
    }

    /// Adds `flags` to the column's flags.
    pub fn with_flags(mut self, flags: ColumnFlags) -> Self {
        self.flags |= flags;
        self
    }

    /// Sets the collation id.
    pub fn with_charset(mut self, charset: u16) -> Self {
        self.charset = charset;
        self
    }

    /// Sets display length and fractional digits.
    pub fn with_length(mut self, length: u32, decimals: u8) -> Self {
        self.length = length;
        self.decimals = decimals;
        self
    }
}

/// One value of a result row or of a COM_STMT_EXECUTE parameter.
///
/// The column's [`ColumnType`] decides the wire form: text protocol renders every value as a
/// string; the binary protocol (prepared statements) uses the fixed-width or length-prefixed
/// form of the column type, converting between integer widths and to strings when needed.
#[derive(Debug, Clone, PartialEq)]
pub enum WireValue {
    /// SQL NULL.
    Null,
    /// Signed integer (TINY..LONGLONG, YEAR).
    Int(i64),
    /// Unsigned integer (BIGINT UNSIGNED, BIT as number).
    UInt(u64),
    /// FLOAT.
    Float(f32),
    /// DOUBLE.
    Double(f64),
    /// DECIMAL, already rendered with its scale ("12.30").
    Decimal(String),
    /// Strings, BLOBs, JSON, ENUM/SET text, BIT bytes.
    Bytes(Vec<u8>),
    /// DATE: year, month, day (0000-00-00 allowed).
    Date(u16, u8, u8),
    /// DATETIME / TIMESTAMP: year, month, day, hour, minute, second, microsecond.
    DateTime(u16, u8, u8, u8, u8, u8, u32),
    /// TIME: negative, days, hours (0-23), minutes, seconds, microseconds.
    Time(bool, u32, u8, u8, u8, u32),
}

/// Transaction state and warning count after a statement, sent in OK/EOF status flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionStatus {
    /// A transaction is open (SERVER_STATUS_IN_TRANS).
    pub in_transaction: bool,
    /// autocommit is on (SERVER_STATUS_AUTOCOMMIT).
    pub autocommit: bool,
    /// Warnings raised by the last statement.
    pub warnings: u16,
}

/// The rows of a result set, pulled lazily so a large SELECT is never materialised. The driver
/// pulls it in batches; an `Err` item ends the result set with an ERR packet.
pub type RowStream = Box<dyn Iterator<Item = Result<Vec<WireValue>, SqlError>> + Send>;

/// What one statement produced.
pub enum Outcome {
    /// No result set (INSERT, SET, BEGIN, ...): an OK packet.
    Ok {
        /// Rows changed (or matched, with CLIENT_FOUND_ROWS).
        affected_rows: u64,
        /// LAST_INSERT_ID() after the statement.
        last_insert_id: u64,
        /// Info string, e.g. "Rows matched: 1  Changed: 1  Warnings: 0".
        info: String,
    },
    /// A result set. Each row must have exactly `columns.len()` values.
    Rows {
        /// Column metadata.
        columns: Vec<Column>,
        /// The rows, streamed.
        rows: RowStream,
    },
    /// A result set already written through the [`ResultSink`] the driver passed to
    /// [`Session::query_to`] or [`Session::execute_to`]: the driver ends it.
    Streamed,
}

/// Where a session writes a result set as it produces it: the column definitions once,
/// then each row. The driver encodes them at once and sends them in batches, so rows
/// reach the client while the statement runs and none is held. An error from the sink
/// (the client stopped reading, the socket failed) must end the statement; an error the
/// statement meets after [`ResultSink::columns`] ends the result set with an ERR packet.
pub trait ResultSink {
    /// Starts the result set. Called at most once, before any row.
    fn columns(&mut self, columns: Vec<Column>) -> Result<(), SqlError>;

    /// One row: exactly as many values as there are columns.
    fn row(&mut self, row: &[WireValue]) -> Result<(), SqlError>;
}

impl Outcome {
    /// An OK outcome with `affected_rows` and nothing else.
    pub fn ok(affected_rows: u64) -> Self {
        Outcome::Ok {
            affected_rows,
            last_insert_id: 0,
            info: String::new(),
        }
    }

    /// A result set from rows already in memory (small results, tests).
    pub fn rows(columns: Vec<Column>, rows: Vec<Vec<WireValue>>) -> Self {
        Outcome::Rows {
            columns,
            rows: Box::new(rows.into_iter().map(Ok)),
        }
    }
}

impl fmt::Debug for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok {
                affected_rows,
                last_insert_id,
                info,
            } => f
                .debug_struct("Ok")
                .field("affected_rows", affected_rows)
                .field("last_insert_id", last_insert_id)
                .field("info", info)
                .finish(),
            Outcome::Rows { columns, .. } => {
                f.debug_struct("Rows").field("columns", columns).finish()
            }
            Outcome::Streamed => f.write_str("Streamed"),
        }
    }
}

/// A prepared statement as the engine registered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// Statement id, unique within the session; the client sends it back in EXECUTE.
    pub id: u32,
    /// One entry per `?` placeholder.
    pub params: Vec<Column>,
    /// Result columns, empty when the statement returns no rows.
    pub columns: Vec<Column>,
}

/// How the client proved its password ([`AuthRequest::auth_response`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMethod {
    /// A mysql_native_password scramble (20 bytes; empty for no password).
    #[default]
    NativeScramble,
    /// A caching_sha2_password fast-path scramble (32 bytes; empty for no password):
    /// checkable only against the cache of earlier logins.
    Sha2Scramble,
    /// The cleartext password (caching_sha2_password's full authentication, sent over TLS
    /// or decrypted here from RSA).
    Cleartext,
}

/// Everything the client sent to log in (handshake or COM_CHANGE_USER).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRequest {
    /// User name.
    pub user: String,
    /// Client host as MySQL shows it in 'user'@'host'.
    pub host: String,
    /// The proof of the password, of the kind [`AuthRequest::method`] says.
    pub auth_response: Vec<u8>,
    /// What `auth_response` is.
    pub method: AuthMethod,
    /// The 20-byte salt this connection sent the client.
    pub salt: [u8; 20],
    /// Initial database, if any.
    pub database: Option<String>,
    /// Connection id assigned by the listener (CONNECTION_ID()).
    pub connection_id: u32,
    /// Client collation id (33 for the Debian mysql CLI, 45 for sysbench...).
    pub charset: u16,
    /// Connection attributes (`_client_name`, `program_name`, ...).
    pub attributes: Vec<(String, String)>,
    /// The TLS version and cipher when the connection is encrypted.
    pub tls: Option<crate::TlsInfo>,
}

impl AuthRequest {
    /// Checks the scramble against the stored `SHA1(SHA1(password))`; an empty password is
    /// `None` and only matches an empty response.
    pub fn verify_native_password(&self, stage2: Option<&[u8; 20]>) -> bool {
        crate::auth::verify_native_password(&self.salt, &self.auth_response, stage2)
    }

    /// ER_ACCESS_DENIED_ERROR for this request.
    pub fn access_denied(&self) -> SqlError {
        SqlError::access_denied(&self.user, &self.host, !self.auth_response.is_empty())
    }
}

/// Server-wide counters for COM_STATISTICS (the mysql CLI's `\s`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Statistics {
    /// Seconds since start.
    pub uptime_secs: u64,
    /// Open client connections.
    pub threads: u64,
    /// Statements received.
    pub questions: u64,
    /// Slow queries.
    pub slow_queries: u64,
    /// Tables opened.
    pub opens: u64,
    /// FLUSH TABLES count.
    pub flush_tables: u64,
    /// Tables currently open.
    pub open_tables: u64,
}

impl fmt::Display for Statistics {
    /// MySQL's exact status line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let milli_qps = self
            .questions
            .saturating_mul(1000)
            .checked_div(self.uptime_secs)
            .unwrap_or(0);
        write!(
            f,
            "Uptime: {}  Threads: {}  Questions: {}  Slow queries: {}  Opens: {}  \
             Flush tables: {}  Open tables: {}  Queries per second avg: {}.{:03}",
            self.uptime_secs,
            self.threads,
            self.questions,
            self.slow_queries,
            self.opens,
            self.flush_tables,
            self.open_tables,
            milli_qps / 1000,
            milli_qps % 1000
        )
    }
}

/// COM_REGISTER_SLAVE as sent by a replica with `report_host` set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegisterReplica {
    /// The replica's server_id.
    pub server_id: u32,
    /// report_host.
    pub host: String,
    /// report_user.
    pub user: String,
    /// report_password.
    pub password: String,
    /// report_port.
    pub port: u16,
}

/// COM_BINLOG_DUMP: where a replica (or `mysqlbinlog --read-from-remote-server`) starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BinlogDumpRequest {
    /// Start position in `file`.
    pub position: u32,
    /// Dump flags (0x01 BINLOG_DUMP_NON_BLOCK, 0x02 send annotate rows).
    pub flags: u16,
    /// The replica's server_id.
    pub server_id: u32,
    /// Binlog file name; empty means the first one.
    pub file: String,
}

/// The events a binlog dump sends: each `Ok` item is one raw event (header, body, checksum),
/// sent as `0x00 + event`. The connection thread waits on it with `blocking_recv` (it has no
/// async runtime); the producer is a thread of the session's making. The channel closing ends the dump with an EOF packet (non-blocking
/// dumps); an `Err` item ends it with an ERR packet.
pub type BinlogEvents = mpsc::Receiver<Result<Vec<u8>, SqlError>>;

/// Creates sessions; one per server (shared by every connection).
pub trait SessionFactory: Send + Sync + 'static {
    /// Verifies credentials (see [`AuthRequest::verify_native_password`]) and opens a session.
    /// Wrong credentials must give [`AuthRequest::access_denied`] (1045); an unknown initial
    /// database 1049.
    fn authenticate(&self, request: &AuthRequest) -> Result<Box<dyn Session>, SqlError>;

    /// Counters for COM_STATISTICS.
    fn statistics(&self) -> Statistics;

    /// The authentication plugin of the account `user` from `host` logs in as
    /// ([`crate::handshake::NATIVE_PASSWORD`] or [`crate::handshake::CACHING_SHA2_PASSWORD`]);
    /// `None` when no account matches. The connection switches the client to it and runs
    /// its exchange. Default: mysql_native_password for everyone.
    fn auth_plugin(&self, _user: &str, _host: &str) -> Option<String> {
        Some(crate::handshake::NATIVE_PASSWORD.to_string())
    }

    /// caching_sha2_password's fast path: whether the request's [`AuthMethod::Sha2Scramble`]
    /// matches the cache of earlier logins. `false` makes the client send its password
    /// (full authentication). Default: no cache.
    fn sha2_fast_auth(&self, _request: &AuthRequest) -> bool {
        false
    }

    /// The connection limits in force now, read at every accepted connection (they are
    /// global variables a client may change). Default: MySQL's defaults.
    fn limits(&self) -> Limits {
        Limits::default()
    }
}

/// What bounds the connections of one listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `max_connections`: more sockets than this (plus one kept for an account with
    /// SUPER or CONNECTION_ADMIN) are refused with 1040 before a thread is started.
    pub max_connections: u32,
    /// `connect_timeout`: a socket that has not finished its handshake by then is closed.
    pub connect_timeout: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 151,
            connect_timeout: std::time::Duration::from_secs(10),
        }
    }
}

/// Closes a client connection from any thread, telling the client why if there is a reason
/// (see [`crate::Hangup`]); the connection's thread then sees end-of-file and ends.
pub type Closer = std::sync::Arc<dyn Fn(Option<&SqlError>) + Send + Sync>;

/// One client connection's view of the database. Dropping it must roll back any open
/// transaction and free its prepared statements (the driver drops it on the connection's thread).
pub trait Session: Send + 'static {
    /// Hands the session a way to close its own client connection (KILL CONNECTION from
    /// another session, a backtrack of its cluster). Called after login and after
    /// COM_CHANGE_USER.
    fn set_closer(&mut self, _close: Closer) {}

    /// How long the connection may wait for the client's next command before it is closed
    /// (`wait_timeout`, or `interactive_timeout` for a CLIENT_INTERACTIVE client). `None`:
    /// forever.
    fn idle_timeout(&self, _interactive: bool) -> Option<std::time::Duration> {
        None
    }

    /// How long a reply may wait for a client that does not read it before the connection
    /// is dropped (`net_write_timeout`). `None`: forever.
    fn write_timeout(&self) -> Option<std::time::Duration> {
        None
    }

    /// Whether the account may take the connection kept beyond `max_connections` (MySQL:
    /// SUPER or CONNECTION_ADMIN).
    fn may_exceed_max_connections(&self) -> bool {
        false
    }

    /// Runs COM_QUERY text. With several statements in one query, return the first statement's
    /// outcome here and the rest from [`Session::more_results`].
    fn query(&mut self, sql: &str) -> Result<Outcome, SqlError>;

    /// [`Session::query`] that may write its first statement's result set through `sink`
    /// as it runs, answering [`Outcome::Streamed`] when it did. Default: `query`.
    fn query_to(&mut self, sql: &str, _sink: &mut dyn ResultSink) -> Result<Outcome, SqlError> {
        self.query(sql)
    }

    /// The next statement's outcome of a multi-statement query; `None` when done. Not called
    /// after an error (the rest of that query is abandoned).
    fn more_results(&mut self) -> Option<Result<Outcome, SqlError>> {
        None
    }

    /// Prepares a statement (COM_STMT_PREPARE).
    fn prepare(&mut self, sql: &str) -> Result<Prepared, SqlError>;

    /// Executes a prepared statement with one value per placeholder (COM_STMT_EXECUTE).
    fn execute(&mut self, id: u32, params: &[WireValue]) -> Result<Outcome, SqlError>;

    /// [`Session::execute`] that may write its result set through `sink` as it runs,
    /// answering [`Outcome::Streamed`] when it did. Default: `execute`.
    fn execute_to(
        &mut self,
        id: u32,
        params: &[WireValue],
        _sink: &mut dyn ResultSink,
    ) -> Result<Outcome, SqlError> {
        self.execute(id, params)
    }

    /// Forgets a prepared statement (COM_STMT_CLOSE; no reply is sent).
    fn close_statement(&mut self, id: u32);

    /// COM_STMT_RESET: discards state of the statement (long data is handled by the driver).
    fn reset_statement(&mut self, _id: u32) -> Result<(), SqlError> {
        Ok(())
    }

    /// Changes the default database (COM_INIT_DB, `USE db`).
    fn init_db(&mut self, database: &str) -> Result<(), SqlError>;

    /// Column definitions of `table` whose names match `wildcard` (COM_FIELD_LIST, used by the
    /// mysql CLI's auto-rehash).
    fn field_list(&mut self, table: &str, wildcard: &str) -> Result<Vec<Column>, SqlError>;

    /// COM_RESET_CONNECTION: roll back, drop prepared statements, temporary tables and user
    /// variables, reset session variables; keep user and database.
    fn reset_connection(&mut self) -> Result<(), SqlError>;

    /// Transaction flags and warning count after the last statement.
    fn status(&self) -> SessionStatus;

    /// COM_REGISTER_SLAVE. Default: refused with 1227.
    fn register_replica(&mut self, _request: &RegisterReplica) -> Result<(), SqlError> {
        Err(SqlError::new(
            codes::ER_SPECIFIC_ACCESS_DENIED_ERROR,
            "Access denied; you need (at least one of) the REPLICATION SLAVE privilege(s) for this operation",
        ))
    }

    /// COM_BINLOG_DUMP: returns the stream of events to send. Default: refused with 1236.
    fn binlog_dump(&mut self, _request: &BinlogDumpRequest) -> Result<BinlogEvents, SqlError> {
        Err(SqlError::new(
            codes::ER_MASTER_FATAL_ERROR_READING_BINLOG,
            "Binary log dump is not supported by this server yet",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_line() {
        let s = Statistics {
            uptime_secs: 8,
            threads: 1,
            questions: 10,
            slow_queries: 0,
            opens: 3,
            flush_tables: 1,
            open_tables: 2,
        };
        assert_eq!(
            s.to_string(),
            "Uptime: 8  Threads: 1  Questions: 10  Slow queries: 0  Opens: 3  Flush tables: 1  \
             Open tables: 2  Queries per second avg: 1.250"
        );
    }

    #[test]
    fn access_denied_wording() {
        let e = SqlError::access_denied("app", "localhost", true);
        assert_eq!(e.code, 1045);
        assert_eq!(&e.sqlstate, b"28000");
        assert_eq!(
            e.message,
            "Access denied for user 'app'@'localhost' (using password: YES)"
        );
    }
}
