//! System variables and status counters: the one table that answers client chatter.
//!
//! 1. [`VARS`] is a static table of every system variable Borealis knows: name, scope,
//!    [`VarKind`] (how values are validated and rendered), default and [`Access`]. Lookup is
//!    case-insensitive ([`lookup`]). A name that is not in the table is error 1193, never a
//!    silent "0" (STYLE practice 6). Every value describes Borealis truthfully: knobs Borealis
//!    does not implement either are absent or are [`Access::Pinned`] to the value that is
//!    true (they accept that value, so dumps and binlog replays that set it still load).
//! 2. [`GlobalVars`] holds the current global values (defaults + [`ServerInfo`]) behind a
//!    `RwLock`; [`SessionVars`] is one connection's copy, taken from the globals at connect
//!    and again on [`SessionVars::reset`] (COM_RESET_CONNECTION / COM_CHANGE_USER).
//! 3. `SELECT @@x` goes through [`SessionVars::get`], `SET [GLOBAL|SESSION] x = v` through
//!    [`SessionVars::set`], `SET NAMES` through [`SessionVars::set_names`], `SHOW
//!    VARIABLES` through [`SessionVars::show_variables`]. [`VarValue`] renders as MySQL
//!    8.0 renders `SELECT @@x` (booleans as 1/0) and `SHOW VARIABLES` (ON/OFF, NULL as '').
//! 4. [`StatusCounters`] (global atomics) and [`SessionCounters`] back `SHOW STATUS` and
//!    COM_STATISTICS ([`StatusCounters::statistics_line`]); engine counters (`Borealis_*`)
//!    and binlog ones (`Binlog_snapshot_*`) come in as `extra` rows from their owners.
//!
//! Choices, and where MySQL 8.0 and MariaDB 10.11 differ (we speak MySQL 8.0):
//! - `time_zone` defaults to `'+00:00'` (DESIGN: default time zone UTC); `system_time_zone`
//!   is `UTC` and `SYSTEM` means UTC. Named zones: only `UTC`, `GMT` (and `Etc/` forms);
//!   offsets `-13:59..+14:00` as MySQL 8.0.19+ (MariaDB allows `-12:59..+13:00`).
//! - `sql_mode` follows MySQL 8.0's mode names and bit numbers (numeric values as
//!   `mysqlbinlog` prints them). `NO_AUTO_CREATE_USER` (MySQL 5.7 / MariaDB) is accepted and
//!   dropped, because MariaDB dumps set it around routines and it means nothing in MySQL 8
//!   semantics; MySQL 8.0 itself rejects it.
//! - Booleans accept `0`/`1`, `ON`/`OFF`, and also the strings `'TRUE'`/`'FALSE'` (MySQL and
//!   MariaDB reject those two strings; unquoted TRUE/FALSE arrive as integers anyway).
//! - MariaDB-only names some MariaDB clients read (`max_statement_time`, `gtid_*_pos`,
//!   `gtid_domain_id`, `storage_engine`, `tx_isolation`, `query_cache_*`) are present.
//! - Out-of-range integers are clamped with warning 1292, as both servers do when
//!   `STRICT_ALL_TABLES` is off (Borealis clamps regardless of sql_mode).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::value::temporal::DateTime;
use crate::value::{Collation, Value, Warning};

// ---------------------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------------------

/// Where a variable lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarScope {
    /// Only a global value (`max_connections`).
    Global,
    /// Only a per-connection value (`last_insert_id`).
    Session,
    /// A global value that seeds each session's own value (`sql_mode`).
    Both,
}

/// Which value a statement names: `@@session.x`, `@@global.x`, or plain `@@x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `@@session.x`, `SET SESSION x`, `SET x`, `SET @@x`.
    Session,
    /// `@@global.x`, `SET GLOBAL x` (and `SET PERSIST x`).
    Global,
    /// `@@x` when reading: the session value if the variable has one, else the global one.
    /// When setting it means [`Scope::Session`].
    Default,
}

/// Who may change a variable, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// `SET` may change it at run time.
    Dynamic,
    /// `SET GLOBAL` may change it; the session value is read-only (error 1621).
    SessionReadOnly,
    /// Read-only at run time; server configuration may set it at start
    /// ([`GlobalVars::set_startup`]).
    Startup,
    /// A fact about this build or this server; only the server itself updates it
    /// ([`GlobalVars::set_internal`], [`SessionVars::set_diagnostics_counts`]).
    Fixed,
    /// Settable, but only to its default: Borealis does not implement the alternatives,
    /// and a dump or binlog replay that sets the default must still load.
    Pinned,
}

/// How values are validated, normalised and rendered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum VarKind {
    /// ON/OFF; `SELECT` renders 1/0, `SHOW VARIABLES` ON/OFF.
    Bool,
    /// Signed integer clamped to `min..=max`.
    Int { min: i64, max: i64 },
    /// Unsigned integer clamped to `min..=max`.
    UInt { min: u64, max: u64 },
    /// Floating point clamped to `min..=max`, rendered with 6 decimals.
    Double { min: f64, max: f64 },
    /// One of the names (case-insensitive; also the 0-based index).
    Enum(&'static [&'static str]),
    /// `sql_mode`: a comma list of [`SQL_MODE_NAMES`], or a bit mask.
    SqlMode,
    /// Free text; `nullable` lets it be NULL.
    Str { nullable: bool },
    /// A character set name (`utf8` is `utf8mb3`), or a collation id.
    Charset { nullable: bool },
    /// A collation name, or its id.
    Collation,
    /// `SYSTEM`, `+HH:MM` or a named zone.
    TimeZone,
    /// A storage engine name; only InnoDB (Borealis storage answers to that name).
    Engine,
    /// `optimizer_switch`: `flag=on|off|default,...` or `default`.
    OptimizerSwitch,
    /// `timestamp`: a Unix time with microseconds, or unset (reads the clock).
    Timestamp,
}

/// A default: a literal in `SET` syntax, NULL, or a fact from the running server.
#[derive(Clone, Copy)]
pub enum Dflt {
    /// Parsed through the variable's [`VarKind`] as if by `SET x = 'lit'`.
    Lit(&'static str),
    /// SQL NULL.
    Null,
    /// Taken from [`ServerInfo`].
    Info(fn(&ServerInfo) -> String),
}

impl fmt::Debug for Dflt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dflt::Lit(s) => write!(f, "Lit({s:?})"),
            Dflt::Null => write!(f, "Null"),
            Dflt::Info(_) => write!(f, "Info(..)"),
        }
    }
}

/// One row of the registry.
#[derive(Clone, Copy, Debug)]
pub struct VarDef {
    /// Lower-case name, as `SHOW VARIABLES` prints it.
    pub name: &'static str,
    pub scope: VarScope,
    pub kind: VarKind,
    pub default: Dflt,
    pub access: Access,
    /// For aliases (`tx_isolation`), the variable whose value this name shares.
    pub alias_of: Option<&'static str>,
}

impl VarDef {
    /// True when `SET` can never change it (MySQL's "read only variable").
    pub fn read_only(&self) -> bool {
        matches!(self.access, Access::Startup | Access::Fixed)
    }

    /// True when it may change at run time (MySQL's "dynamic").
    pub fn dynamic(&self) -> bool {
        !self.read_only()
    }
}

const fn def(
    name: &'static str,
    scope: VarScope,
    kind: VarKind,
    default: Dflt,
    access: Access,
) -> VarDef {
    VarDef {
        name,
        scope,
        kind,
        default,
        access,
        alias_of: None,
    }
}

/// Session + global, dynamic.
const fn both(name: &'static str, kind: VarKind, d: &'static str) -> VarDef {
    def(name, VarScope::Both, kind, Dflt::Lit(d), Access::Dynamic)
}
/// Session only, dynamic.
const fn sess(name: &'static str, kind: VarKind, d: &'static str) -> VarDef {
    def(name, VarScope::Session, kind, Dflt::Lit(d), Access::Dynamic)
}
/// Global only, dynamic.
const fn glob(name: &'static str, kind: VarKind, d: &'static str) -> VarDef {
    def(name, VarScope::Global, kind, Dflt::Lit(d), Access::Dynamic)
}
/// Global only, a fixed fact.
const fn fixed(name: &'static str, kind: VarKind, d: &'static str) -> VarDef {
    def(name, VarScope::Global, kind, Dflt::Lit(d), Access::Fixed)
}
/// Global only, fixed, from the running server.
const fn info(name: &'static str, kind: VarKind, f: fn(&ServerInfo) -> String) -> VarDef {
    def(name, VarScope::Global, kind, Dflt::Info(f), Access::Fixed)
}
/// Pinned to its default.
const fn pinned(name: &'static str, scope: VarScope, kind: VarKind, d: &'static str) -> VarDef {
    def(name, scope, kind, Dflt::Lit(d), Access::Pinned)
}
const fn alias(name: &'static str, target: VarDef) -> VarDef {
    VarDef {
        name,
        alias_of: Some(target.name),
        ..target
    }
}

const BOOL: VarKind = VarKind::Bool;
const STR: VarKind = VarKind::Str { nullable: false };
const STR_NULL: VarKind = VarKind::Str { nullable: true };
const CHARSET: VarKind = VarKind::Charset { nullable: false };
const U32MAX: u64 = 4_294_967_295;
const YEAR_SECS: u64 = 31_536_000;
const fn uint(min: u64, max: u64) -> VarKind {
    VarKind::UInt { min, max }
}
const TIMEOUT: VarKind = uint(1, YEAR_SECS);

const ISOLATION: &[&str] = &[
    "READ-UNCOMMITTED",
    "READ-COMMITTED",
    "REPEATABLE-READ",
    "SERIALIZABLE",
];
const V_TRANSACTION_ISOLATION: VarDef = both(
    "transaction_isolation",
    VarKind::Enum(ISOLATION),
    "REPEATABLE-READ",
);
const V_TRANSACTION_READ_ONLY: VarDef = both("transaction_read_only", BOOL, "OFF");
const V_DEFAULT_STORAGE_ENGINE: VarDef = both("default_storage_engine", VarKind::Engine, "InnoDB");
const V_SKIP_REPLICA_START: VarDef = def(
    "skip_replica_start",
    VarScope::Global,
    BOOL,
    Dflt::Lit("OFF"),
    Access::Startup,
);
const V_SQL_REPLICA_SKIP_COUNTER: VarDef = glob("sql_replica_skip_counter", uint(0, U32MAX), "0");
const V_LAST_INSERT_ID: VarDef = sess("last_insert_id", uint(0, u64::MAX), "0");

/// MySQL 8.0's default `sql_mode`.
pub const DEFAULT_SQL_MODE: &str = "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,\
NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

fn info_version(i: &ServerInfo) -> String {
    i.version.clone()
}
fn info_innodb_version(i: &ServerInfo) -> String {
    // MySQL 8 reports the server's numeric version; Borealis storage answers to "InnoDB".
    i.version.split('-').next().unwrap_or_default().to_string()
}
fn info_os(i: &ServerInfo) -> String {
    i.version_compile_os.clone()
}
fn info_machine(i: &ServerInfo) -> String {
    i.version_compile_machine.clone()
}
fn info_port(i: &ServerInfo) -> String {
    i.port.to_string()
}
fn info_hostname(i: &ServerInfo) -> String {
    i.hostname.clone()
}
fn info_datadir(i: &ServerInfo) -> String {
    i.datadir.clone()
}
fn info_basedir(i: &ServerInfo) -> String {
    i.basedir.clone()
}
fn info_tmpdir(i: &ServerInfo) -> String {
    i.tmpdir.clone()
}
fn info_socket(i: &ServerInfo) -> String {
    i.socket.clone()
}
fn info_pid_file(i: &ServerInfo) -> String {
    i.pid_file.clone()
}
fn info_server_id(i: &ServerInfo) -> String {
    i.server_id.to_string()
}
fn info_server_uuid(i: &ServerInfo) -> String {
    i.server_uuid.clone()
}
fn info_log_bin(i: &ServerInfo) -> String {
    if i.log_bin { "ON" } else { "OFF" }.to_string()
}
fn info_log_bin_basename(i: &ServerInfo) -> String {
    i.log_bin_basename.clone()
}
fn info_log_bin_index(i: &ServerInfo) -> String {
    i.log_bin_index.clone()
}
fn info_have_ssl(i: &ServerInfo) -> String {
    if i.ssl_cert.is_empty() {
        "DISABLED"
    } else {
        "YES"
    }
    .to_string()
}
fn info_ssl_ca(i: &ServerInfo) -> String {
    i.ssl_ca.clone()
}
fn info_ssl_cert(i: &ServerInfo) -> String {
    i.ssl_cert.clone()
}
fn info_ssl_key(i: &ServerInfo) -> String {
    i.ssl_key.clone()
}
fn info_rsa_private_key(i: &ServerInfo) -> String {
    i.rsa_private_key.clone()
}
fn info_rsa_public_key(i: &ServerInfo) -> String {
    i.rsa_public_key.clone()
}
fn info_open_files_limit(i: &ServerInfo) -> String {
    i.open_files_limit.to_string()
}

/// Every system variable Borealis knows. Order does not matter; names are unique.
pub const VARS: &[VarDef] = &[
    // --- identity of this server -----------------------------------------------------
    info("version", STR, info_version),
    fixed("version_comment", STR, "Borealis"),
    info("version_compile_os", STR, info_os),
    info("version_compile_machine", STR, info_machine),
    info("innodb_version", STR, info_innodb_version),
    fixed("protocol_version", uint(0, 255), "10"),
    fixed("license", STR, "Apache-2.0"),
    info("hostname", STR, info_hostname),
    info("port", uint(0, 65535), info_port),
    info("report_port", uint(0, 65535), info_port),
    def(
        "report_host",
        VarScope::Global,
        STR_NULL,
        Dflt::Null,
        Access::Startup,
    ),
    info("socket", STR, info_socket),
    info("datadir", STR, info_datadir),
    info("basedir", STR, info_basedir),
    info("tmpdir", STR, info_tmpdir),
    info("pid_file", STR, info_pid_file),
    // Borealis has no charset files; the empty string says so.
    fixed("character_sets_dir", STR, ""),
    def(
        "server_id",
        VarScope::Global,
        uint(0, U32MAX),
        Dflt::Info(info_server_id),
        Access::Startup,
    ),
    info("server_uuid", STR, info_server_uuid),
    // Aurora's name of the instance a session is on; a session sees its instance's
    // identifier (empty outside an instance's listener).
    fixed("aurora_server_id", STR, ""),
    info("open_files_limit", uint(0, u64::MAX), info_open_files_limit),
    fixed("lower_case_table_names", uint(0, 2), "0"),
    fixed("lower_case_file_system", BOOL, "OFF"),
    // Connections are tokio tasks over a small pool of worker threads.
    fixed("thread_handling", STR, "pool-of-threads"),
    // TLS: YES when the server has a certificate (always, unless it could not make one).
    info("have_ssl", STR, info_have_ssl),
    info("have_openssl", STR, info_have_ssl),
    info("ssl_ca", STR, info_ssl_ca),
    info("ssl_cert", STR, info_ssl_cert),
    info("ssl_key", STR, info_ssl_key),
    fixed("tls_version", STR, "TLSv1.2,TLSv1.3"),
    glob("require_secure_transport", BOOL, "OFF"),
    info(
        "caching_sha2_password_private_key_path",
        STR,
        info_rsa_private_key,
    ),
    info(
        "caching_sha2_password_public_key_path",
        STR,
        info_rsa_public_key,
    ),
    fixed("have_query_cache", STR, "NO"),
    fixed(
        "query_cache_type",
        VarKind::Enum(&["OFF", "ON", "DEMAND"]),
        "OFF",
    ),
    fixed("query_cache_size", uint(0, u64::MAX), "0"),
    fixed("performance_schema", BOOL, "OFF"),
    fixed("skip_networking", BOOL, "OFF"),
    fixed("skip_name_resolve", BOOL, "ON"),
    fixed("system_time_zone", STR, "UTC"),
    fixed("character_set_system", CHARSET, "utf8mb3"),
    // The plugin of CREATE USER without IDENTIFIED WITH (`--var
    // default_authentication_plugin=caching_sha2_password`).
    def(
        "default_authentication_plugin",
        VarScope::Global,
        VarKind::Enum(&["mysql_native_password", "caching_sha2_password"]),
        Dflt::Lit("mysql_native_password"),
        Access::Startup,
    ),
    // NULL: LOAD DATA INFILE / SELECT ... INTO OUTFILE are not available.
    def(
        "secure_file_priv",
        VarScope::Global,
        STR_NULL,
        Dflt::Null,
        Access::Fixed,
    ),
    pinned("local_infile", VarScope::Global, BOOL, "OFF"),
    // --- connection and client character sets --------------------------------------------
    both("character_set_client", CHARSET, "utf8mb4"),
    both("character_set_connection", CHARSET, "utf8mb4"),
    both("character_set_database", CHARSET, "utf8mb4"),
    both("character_set_filesystem", CHARSET, "binary"),
    both(
        "character_set_results",
        VarKind::Charset { nullable: true },
        "utf8mb4",
    ),
    both("character_set_server", CHARSET, "utf8mb4"),
    both(
        "collation_connection",
        VarKind::Collation,
        "utf8mb4_general_ci",
    ),
    both(
        "collation_database",
        VarKind::Collation,
        "utf8mb4_general_ci",
    ),
    both("collation_server", VarKind::Collation, "utf8mb4_general_ci"),
    both(
        "default_collation_for_utf8mb4",
        VarKind::Collation,
        "utf8mb4_general_ci",
    ),
    both("lc_messages", VarKind::Enum(&["en_US"]), "en_US"),
    both("lc_time_names", VarKind::Enum(&["en_US"]), "en_US"),
    // --- timeouts and limits ---------------------------------------------------------
    glob("connect_timeout", uint(2, YEAR_SECS), "10"),
    // What every running statement together may hold in materialised rows (sql/memory.rs).
    glob("temptable_max_ram", uint(2 << 20, u64::MAX), "1073741824"),
    // The rows an ORDER BY, DISTINCT or GROUP BY sorts in memory; past it the sort writes
    // sorted runs to `tmpdir` and merges them (sql/spill.rs, Sort_merge_passes).
    both("sort_buffer_size", uint(32768, u64::MAX), "262144"),
    both("wait_timeout", TIMEOUT, "28800"),
    both("interactive_timeout", TIMEOUT, "28800"),
    both("net_read_timeout", TIMEOUT, "30"),
    both("net_write_timeout", TIMEOUT, "60"),
    both("lock_wait_timeout", TIMEOUT, "31536000"),
    both("innodb_lock_wait_timeout", uint(1, 1_073_741_824), "50"),
    def(
        "max_allowed_packet",
        VarScope::Both,
        uint(1024, 1_073_741_824),
        Dflt::Lit("67108864"),
        Access::SessionReadOnly,
    ),
    def(
        "net_buffer_length",
        VarScope::Both,
        uint(1024, 1_048_576),
        Dflt::Lit("16384"),
        Access::SessionReadOnly,
    ),
    both("max_execution_time", uint(0, U32MAX), "0"),
    // MariaDB's statement timeout in seconds (mysqldump sends it); 0 = none.
    both(
        "max_statement_time",
        VarKind::Double {
            min: 0.0,
            max: 31_536_000.0,
        },
        "0",
    ),
    both("max_join_size", uint(1, u64::MAX), "18446744073709551615"),
    both(
        "sql_select_limit",
        uint(0, u64::MAX),
        "18446744073709551615",
    ),
    both("group_concat_max_len", uint(4, u64::MAX), "1024"),
    both("cte_max_recursion_depth", uint(0, U32MAX), "1000"),
    both(
        "information_schema_stats_expiry",
        uint(0, YEAR_SECS),
        "86400",
    ),
    both("max_delayed_threads", uint(0, 16384), "20"),
    glob("max_connections", uint(1, 100_000), "151"),
    glob("automatic_sp_privileges", BOOL, "ON"),
    both(
        "long_query_time",
        VarKind::Double {
            min: 0.0,
            max: 31_536_000.0,
        },
        "10",
    ),
    // --- SQL behaviour ---------------------------------------------------------------
    both("autocommit", BOOL, "ON"),
    both("sql_mode", VarKind::SqlMode, DEFAULT_SQL_MODE),
    both("time_zone", VarKind::TimeZone, "+00:00"),
    V_TRANSACTION_ISOLATION,
    alias("tx_isolation", V_TRANSACTION_ISOLATION),
    V_TRANSACTION_READ_ONLY,
    alias("tx_read_only", V_TRANSACTION_READ_ONLY),
    both("auto_increment_increment", uint(1, 65535), "1"),
    both("auto_increment_offset", uint(1, 65535), "1"),
    both("big_tables", BOOL, "OFF"),
    both("div_precision_increment", uint(0, 30), "4"),
    both("default_week_format", uint(0, 7), "0"),
    both("explicit_defaults_for_timestamp", BOOL, "ON"),
    both("foreign_key_checks", BOOL, "ON"),
    both("unique_checks", BOOL, "ON"),
    both("sql_auto_is_null", BOOL, "OFF"),
    both("sql_big_selects", BOOL, "ON"),
    both("sql_buffer_result", BOOL, "OFF"),
    both("sql_notes", BOOL, "ON"),
    both("sql_quote_show_create", BOOL, "ON"),
    both("sql_require_primary_key", BOOL, "OFF"),
    both("sql_safe_updates", BOOL, "OFF"),
    both("sql_warnings", BOOL, "OFF"),
    V_DEFAULT_STORAGE_ENGINE,
    alias("storage_engine", V_DEFAULT_STORAGE_ENGINE),
    both("default_tmp_storage_engine", VarKind::Engine, "InnoDB"),
    both("optimizer_switch", VarKind::OptimizerSwitch, "default"),
    // MariaDB session flags that mariadb-binlog prints before every statement.
    pinned("check_constraint_checks", VarScope::Both, BOOL, "ON"),
    pinned("sql_if_exists", VarScope::Both, BOOL, "OFF"),
    pinned(
        "system_versioning_insert_history",
        VarScope::Both,
        BOOL,
        "OFF",
    ),
    // --- per-session state -----------------------------------------------------------
    V_LAST_INSERT_ID,
    alias("identity", V_LAST_INSERT_ID),
    sess("insert_id", uint(0, u64::MAX), "0"),
    sess("timestamp", VarKind::Timestamp, "0"),
    def(
        "warning_count",
        VarScope::Session,
        uint(0, u64::MAX),
        Dflt::Lit("0"),
        Access::Fixed,
    ),
    def(
        "error_count",
        VarScope::Session,
        uint(0, u64::MAX),
        Dflt::Lit("0"),
        Access::Fixed,
    ),
    sess("sql_log_bin", BOOL, "ON"),
    sess("pseudo_thread_id", uint(0, U32MAX), "0"),
    sess("pseudo_slave_mode", BOOL, "OFF"),
    // MySQL 8 mysqlbinlog output sets these before each transaction.
    // With gtid_mode=OFF only AUTOMATIC and ANONYMOUS are meaningful (MySQL: error 1781
    // for a GTID; here 1231).
    sess(
        "gtid_next",
        VarKind::Enum(&["AUTOMATIC", "ANONYMOUS"]),
        "AUTOMATIC",
    ),
    sess("original_commit_timestamp", uint(0, u64::MAX), "0"),
    sess("original_server_version", uint(0, U32MAX), "999999"),
    sess("immediate_server_version", uint(0, U32MAX), "999999"),
    sess("profiling", BOOL, "OFF"),
    both("profiling_history_size", uint(0, 100), "15"),
    // --- binary log and replication ---------------------------------------------------
    info("log_bin", BOOL, info_log_bin),
    info("log_bin_basename", STR, info_log_bin_basename),
    info("log_bin_index", STR, info_log_bin_index),
    both(
        "binlog_format",
        VarKind::Enum(&["MIXED", "STATEMENT", "ROW"]),
        "ROW",
    ),
    both(
        "binlog_row_image",
        VarKind::Enum(&["MINIMAL", "NOBLOB", "FULL"]),
        "FULL",
    ),
    glob(
        "binlog_row_metadata",
        VarKind::Enum(&["MINIMAL", "FULL"]),
        "MINIMAL",
    ),
    glob(
        "binlog_checksum",
        VarKind::Enum(&["NONE", "CRC32"]),
        "CRC32",
    ),
    glob("binlog_expire_logs_seconds", uint(0, U32MAX), "2592000"),
    glob("max_binlog_size", uint(4096, 1_073_741_824), "134217728"),
    glob("sync_binlog", uint(0, U32MAX), "1"),
    glob("innodb_flush_log_at_trx_commit", uint(0, 2), "1"),
    fixed(
        "gtid_mode",
        VarKind::Enum(&["OFF", "OFF_PERMISSIVE", "ON_PERMISSIVE", "ON"]),
        "OFF",
    ),
    fixed(
        "enforce_gtid_consistency",
        VarKind::Enum(&["OFF", "ON", "WARN"]),
        "OFF",
    ),
    fixed("gtid_executed", STR, ""),
    fixed("gtid_purged", STR, ""),
    // MariaDB GTID names a MariaDB replica or mysqldump --master-data reads.
    pinned("gtid_domain_id", VarScope::Both, uint(0, U32MAX), "0"),
    fixed("gtid_binlog_pos", STR, ""),
    fixed("gtid_binlog_state", STR, ""),
    fixed("gtid_current_pos", STR, ""),
    glob("gtid_slave_pos", STR, ""),
    pinned("gtid_strict_mode", VarScope::Global, BOOL, "OFF"),
    glob("read_only", BOOL, "OFF"),
    glob("super_read_only", BOOL, "OFF"),
    // ON on a reader instance (what Aurora's documentation checks to tell a reader).
    fixed("innodb_read_only", BOOL, "OFF"),
    // Replication into this cluster (sql/replica): threads start at boot unless this is
    // on; applied transactions always go to this cluster's binlog.
    V_SKIP_REPLICA_START,
    alias("skip_slave_start", V_SKIP_REPLICA_START),
    // Set through the applier (SET GLOBAL runs `Replica::set_skip_counter`), which shows
    // the count as it is used up.
    V_SQL_REPLICA_SKIP_COUNTER,
    alias("sql_slave_skip_counter", V_SQL_REPLICA_SKIP_COUNTER),
    fixed("log_replica_updates", BOOL, "ON"),
    fixed("log_slave_updates", BOOL, "ON"),
    // --- logs and schedulers Borealis does not have ---------------------------------------
    pinned("general_log", VarScope::Global, BOOL, "OFF"),
    pinned("slow_query_log", VarScope::Global, BOOL, "OFF"),
    pinned(
        "event_scheduler",
        VarScope::Global,
        VarKind::Enum(&["OFF", "ON", "DISABLED"]),
        "OFF",
    ),
    pinned("init_connect", VarScope::Global, STR, ""),
];

/// `sql_mode` names by bit number, as MySQL 8.0 numbers them (`""` = unused bit).
pub const SQL_MODE_NAMES: [&str; 33] = [
    "REAL_AS_FLOAT",
    "PIPES_AS_CONCAT",
    "ANSI_QUOTES",
    "IGNORE_SPACE",
    "",
    "ONLY_FULL_GROUP_BY",
    "NO_UNSIGNED_SUBTRACTION",
    "NO_DIR_IN_CREATE",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "ANSI",
    "NO_AUTO_VALUE_ON_ZERO",
    "NO_BACKSLASH_ESCAPES",
    "STRICT_TRANS_TABLES",
    "STRICT_ALL_TABLES",
    "NO_ZERO_IN_DATE",
    "NO_ZERO_DATE",
    "ALLOW_INVALID_DATES",
    "ERROR_FOR_DIVISION_BY_ZERO",
    "TRADITIONAL",
    "",
    "HIGH_NOT_PRECEDENCE",
    "NO_ENGINE_SUBSTITUTION",
    "PAD_CHAR_TO_FULL_LENGTH",
    "TIME_TRUNCATE_FRACTIONAL",
];

/// Bit 28: MySQL 5.7 / MariaDB `NO_AUTO_CREATE_USER`, accepted and dropped.
const NO_AUTO_CREATE_USER_BIT: u64 = 1 << 28;

/// MySQL 8.0 `optimizer_switch` flags with their defaults. Borealis records them so clients
/// that set them (mysqldump sends `semijoin=off`) keep working; its planner reads only
/// `use_invisible_indexes` (see [`optimizer_flag`]) and ignores the others.
const OPTIMIZER_FLAGS: &[(&str, bool)] = &[
    ("index_merge", true),
    ("index_merge_union", true),
    ("index_merge_sort_union", true),
    ("index_merge_intersection", true),
    ("engine_condition_pushdown", true),
    ("index_condition_pushdown", true),
    ("mrr", true),
    ("mrr_cost_based", true),
    ("block_nested_loop", true),
    ("batched_key_access", false),
    ("materialization", true),
    ("semijoin", true),
    ("loosescan", true),
    ("firstmatch", true),
    ("duplicateweedout", true),
    ("subquery_materialization_cost_based", true),
    ("use_index_extensions", true),
    ("condition_fanout_filter", true),
    ("derived_merge", true),
    ("use_invisible_indexes", false),
    ("skip_scan", true),
    ("hash_join", true),
    ("subquery_to_derived", false),
    ("prefer_ordering_index", true),
    ("hypergraph_optimizer", false),
    ("derived_condition_pushdown", true),
];

struct Index {
    /// lower-case name -> (definition index, storage slot).
    by_name: HashMap<String, (usize, usize)>,
    /// Definition indices sorted by name.
    sorted: Vec<usize>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let pos: HashMap<&str, usize> = VARS.iter().enumerate().map(|(i, d)| (d.name, i)).collect();
        let mut by_name = HashMap::new();
        for (i, d) in VARS.iter().enumerate() {
            let slot = d.alias_of.and_then(|t| pos.get(t).copied()).unwrap_or(i);
            by_name.insert(d.name.to_string(), (i, slot));
        }
        let mut sorted: Vec<usize> = (0..VARS.len()).collect();
        sorted.sort_by_key(|&i| VARS[i].name);
        Index { by_name, sorted }
    })
}

fn resolve(name: &str) -> Option<(&'static VarDef, usize)> {
    let key = name.trim().to_ascii_lowercase();
    index().by_name.get(&key).map(|&(i, slot)| (&VARS[i], slot))
}

/// The definition of `name` (case-insensitive), aliases included.
pub fn lookup(name: &str) -> Option<&'static VarDef> {
    resolve(name).map(|(d, _)| d)
}

/// Storage slot of a name known to be in [`VARS`] (checked by a unit test).
const fn slot_of(name: &str) -> usize {
    let n = name.as_bytes();
    let mut i = 0;
    while i < VARS.len() {
        let m = VARS[i].name.as_bytes();
        if m.len() == n.len() {
            let mut j = 0;
            while j < n.len() && m[j] == n[j] {
                j += 1;
            }
            if j == n.len() {
                return i;
            }
        }
        i += 1;
    }
    // Not reachable at run time: every caller is a `const` item, so a missing name fails
    // the build.
    usize::MAX
}

macro_rules! slots {
    ($($c:ident = $n:literal;)*) => { $(const $c: usize = { let s = slot_of($n); assert!(s != usize::MAX, $n); s };)* };
}
slots! {
    S_AUTOCOMMIT = "autocommit";
    S_SQL_MODE = "sql_mode";
    S_TIME_ZONE = "time_zone";
    S_CS_CLIENT = "character_set_client";
    S_CS_CONNECTION = "character_set_connection";
    S_CS_RESULTS = "character_set_results";
    S_CS_DATABASE = "character_set_database";
    S_CS_SERVER = "character_set_server";
    S_COLL_CONNECTION = "collation_connection";
    S_COLL_DATABASE = "collation_database";
    S_COLL_SERVER = "collation_server";
    S_MAX_EXECUTION_TIME = "max_execution_time";
    S_MAX_STATEMENT_TIME = "max_statement_time";
    S_FOREIGN_KEY_CHECKS = "foreign_key_checks";
    S_UNIQUE_CHECKS = "unique_checks";
    S_SQL_NOTES = "sql_notes";
    S_SQL_QUOTE_SHOW_CREATE = "sql_quote_show_create";
    S_SQL_AUTO_IS_NULL = "sql_auto_is_null";
    S_SQL_SAFE_UPDATES = "sql_safe_updates";
    S_SQL_SELECT_LIMIT = "sql_select_limit";
    S_SQL_LOG_BIN = "sql_log_bin";
    S_ISOLATION = "transaction_isolation";
    S_READ_ONLY_TX = "transaction_read_only";
    S_LOCK_WAIT = "innodb_lock_wait_timeout";
    S_AI_INCREMENT = "auto_increment_increment";
    S_AI_OFFSET = "auto_increment_offset";
    S_LAST_INSERT_ID = "last_insert_id";
    S_INSERT_ID = "insert_id";
    S_TIMESTAMP = "timestamp";
    S_WARNING_COUNT = "warning_count";
    S_ERROR_COUNT = "error_count";
    S_DIV_PRECISION = "div_precision_increment";
    S_GROUP_CONCAT_MAX_LEN = "group_concat_max_len";
    S_WAIT_TIMEOUT = "wait_timeout";
    S_INTERACTIVE_TIMEOUT = "interactive_timeout";
    S_NET_WRITE_TIMEOUT = "net_write_timeout";
    S_DEFAULT_WEEK_FORMAT = "default_week_format";
    S_PSEUDO_THREAD_ID = "pseudo_thread_id";
    S_MAX_ALLOWED_PACKET = "max_allowed_packet";
    S_SORT_BUFFER_SIZE = "sort_buffer_size";
    S_BINLOG_FORMAT = "binlog_format";
    S_BINLOG_ROW_IMAGE = "binlog_row_image";
}

// ---------------------------------------------------------------------------------------
// Values and errors
// ---------------------------------------------------------------------------------------

/// A variable's current value.
#[derive(Clone, Debug, PartialEq)]
pub enum VarValue {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    Str(String),
}

impl VarValue {
    /// The value `SELECT @@x` returns (booleans as integers 1/0, doubles as DOUBLE).
    pub fn to_value(&self) -> Value {
        match self {
            VarValue::Null => Value::Null,
            VarValue::Bool(b) => Value::Int(i64::from(*b)),
            VarValue::Int(i) => Value::Int(*i),
            VarValue::UInt(u) => Value::UInt(*u),
            VarValue::Double(d) => Value::Double(*d),
            VarValue::Str(s) => Value::Bytes(s.as_bytes().to_vec()),
        }
    }

    /// The text `SELECT @@x` sends in the text protocol; `None` for NULL.
    pub fn select_text(&self) -> Option<String> {
        match self {
            VarValue::Null => None,
            VarValue::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
            other => Some(other.show_text()),
        }
    }

    /// The `Value` column of `SHOW VARIABLES`: ON/OFF, doubles with 6 decimals, NULL as ''.
    pub fn show_text(&self) -> String {
        match self {
            VarValue::Null => String::new(),
            VarValue::Bool(b) => if *b { "ON" } else { "OFF" }.to_string(),
            VarValue::Int(i) => i.to_string(),
            VarValue::UInt(u) => u.to_string(),
            VarValue::Double(d) => format!("{d:.6}"),
            VarValue::Str(s) => s.clone(),
        }
    }

    /// Decimals MySQL declares for the `SELECT @@x` column (6 for doubles).
    pub fn decimals(&self) -> u8 {
        if matches!(self, VarValue::Double(_)) {
            6
        } else {
            0
        }
    }

    /// Whether the value is true (a non-zero number, `ON`).
    pub fn as_bool(&self) -> bool {
        match self {
            VarValue::Bool(b) => *b,
            VarValue::Int(i) => *i != 0,
            VarValue::UInt(u) => *u != 0,
            _ => false,
        }
    }

    /// The value as an unsigned number (0 when it is not one).
    pub fn as_u64(&self) -> u64 {
        match self {
            VarValue::UInt(u) => *u,
            VarValue::Int(i) => u64::try_from(*i).unwrap_or(0),
            VarValue::Bool(b) => u64::from(*b),
            VarValue::Double(d) if *d >= 0.0 => *d as u64,
            _ => 0,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            VarValue::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// The right-hand side of `SET x = ...`, independent of the parser.
#[derive(Clone, Debug, PartialEq)]
pub enum SetValue {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    /// Any non-integer number (`0.000000` is a decimal literal in MySQL).
    Double(f64),
    /// A string literal or a bare word (`SET x = ON`).
    Str(String),
    /// `SET x = DEFAULT`.
    Default,
    /// A value of another type (a date, ...): always error 1232.
    Other,
}

impl From<&Value> for SetValue {
    fn from(v: &Value) -> SetValue {
        match v {
            Value::Null => SetValue::Null,
            Value::Int(i) => SetValue::Int(*i),
            Value::UInt(u) => SetValue::UInt(*u),
            Value::Float(f) => SetValue::Double(f64::from(*f)),
            Value::Double(d) => SetValue::Double(*d),
            Value::Decimal(d) => match (d.scale(), d.to_i64()) {
                (0, Some(i)) => SetValue::Int(i),
                _ => SetValue::Double(d.to_f64()),
            },
            Value::Bytes(b) => SetValue::Str(String::from_utf8_lossy(b).into_owned()),
            Value::Year(y) => SetValue::Int(i64::from(*y)),
            _ => SetValue::Other,
        }
    }
}

impl SetValue {
    /// How MySQL quotes the value in error 1231.
    fn describe(&self) -> String {
        match self {
            SetValue::Null => "NULL".to_string(),
            SetValue::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            SetValue::Int(i) => i.to_string(),
            SetValue::UInt(u) => u.to_string(),
            SetValue::Double(d) => d.to_string(),
            SetValue::Str(s) => s.clone(),
            SetValue::Default => "DEFAULT".to_string(),
            SetValue::Other => String::new(),
        }
    }
}

/// Why reading or setting a variable failed; [`VarError::code`] is the MySQL error number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VarError {
    /// 1193 ER_UNKNOWN_SYSTEM_VARIABLE.
    Unknown { name: String },
    /// 1238 "is a read only variable".
    ReadOnly { name: String },
    /// 1229 ER_GLOBAL_VARIABLE: set without GLOBAL.
    GlobalOnly { name: String },
    /// 1228 ER_LOCAL_VARIABLE: SET GLOBAL on a session-only variable.
    SessionOnly { name: String },
    /// 1238 "is a GLOBAL variable": `@@session.x` for a global-only variable.
    NoSessionValue { name: String },
    /// 1238 "is a SESSION variable": `@@global.x` for a session-only variable.
    NoGlobalValue { name: String },
    /// 1621 ER_VARIABLE_IS_READONLY: the session value is read-only.
    SessionReadOnly { name: String },
    /// 1231 ER_WRONG_VALUE_FOR_VAR.
    WrongValue { name: String, value: String },
    /// 1232 ER_WRONG_TYPE_FOR_VAR.
    WrongType { name: String },
    /// 1298 ER_UNKNOWN_TIME_ZONE.
    UnknownTimeZone { zone: String },
    /// 1115 ER_UNKNOWN_CHARACTER_SET.
    UnknownCharset { charset: String },
    /// 1273 ER_UNKNOWN_COLLATION.
    UnknownCollation { collation: String },
    /// 1253 ER_COLLATION_CHARSET_MISMATCH.
    CollationMismatch { collation: String, charset: String },
    /// 1286 ER_UNKNOWN_STORAGE_ENGINE.
    UnknownEngine { engine: String },
}

impl VarError {
    /// MySQL error number.
    pub fn code(&self) -> u16 {
        match self {
            VarError::Unknown { .. } => 1193,
            VarError::ReadOnly { .. }
            | VarError::NoSessionValue { .. }
            | VarError::NoGlobalValue { .. } => 1238,
            VarError::GlobalOnly { .. } => 1229,
            VarError::SessionOnly { .. } => 1228,
            VarError::SessionReadOnly { .. } => 1621,
            VarError::WrongValue { .. } => 1231,
            VarError::WrongType { .. } => 1232,
            VarError::UnknownTimeZone { .. } => 1298,
            VarError::UnknownCharset { .. } => 1115,
            VarError::UnknownCollation { .. } => 1273,
            VarError::CollationMismatch { .. } => 1253,
            VarError::UnknownEngine { .. } => 1286,
        }
    }

    /// SQLSTATE for the error packet.
    pub fn sqlstate(&self) -> &'static str {
        match self.code() {
            1231 | 1232 | 1115 | 1253 | 1286 => "42000",
            _ => "HY000",
        }
    }

    /// MySQL's message text.
    pub fn message(&self) -> String {
        self.to_string()
    }

    fn wrong_value(name: &str, v: &SetValue) -> VarError {
        VarError::WrongValue {
            name: name.to_string(),
            value: v.describe(),
        }
    }

    fn wrong_type(name: &str) -> VarError {
        VarError::WrongType {
            name: name.to_string(),
        }
    }
}

impl fmt::Display for VarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VarError::Unknown { name } => write!(f, "Unknown system variable '{name}'"),
            VarError::ReadOnly { name } => write!(f, "Variable '{name}' is a read only variable"),
            VarError::GlobalOnly { name } => write!(
                f,
                "Variable '{name}' is a GLOBAL variable and should be set with SET GLOBAL"
            ),
            VarError::SessionOnly { name } => write!(
                f,
                "Variable '{name}' is a SESSION variable and can't be used with SET GLOBAL"
            ),
            VarError::NoSessionValue { name } => {
                write!(f, "Variable '{name}' is a GLOBAL variable")
            }
            VarError::NoGlobalValue { name } => {
                write!(f, "Variable '{name}' is a SESSION variable")
            }
            VarError::SessionReadOnly { name } => write!(
                f,
                "SESSION variable '{name}' is read-only. Use SET GLOBAL to assign the value"
            ),
            VarError::WrongValue { name, value } => {
                write!(
                    f,
                    "Variable '{name}' can't be set to the value of '{value}'"
                )
            }
            VarError::WrongType { name } => {
                write!(f, "Incorrect argument type to variable '{name}'")
            }
            VarError::UnknownTimeZone { zone } => {
                write!(f, "Unknown or incorrect time zone: '{zone}'")
            }
            VarError::UnknownCharset { charset } => {
                write!(f, "Unknown character set: '{charset}'")
            }
            VarError::UnknownCollation { collation } => {
                write!(f, "Unknown collation: '{collation}'")
            }
            VarError::CollationMismatch { collation, charset } => write!(
                f,
                "COLLATION '{collation}' is not valid for CHARACTER SET '{charset}'"
            ),
            VarError::UnknownEngine { engine } => write!(f, "Unknown storage engine '{engine}'"),
        }
    }
}

impl std::error::Error for VarError {}

// ---------------------------------------------------------------------------------------
// sql_mode and time zones
// ---------------------------------------------------------------------------------------

/// `sql_mode` as bits numbered like MySQL 8.0 ([`SQL_MODE_NAMES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SqlMode(pub u64);

impl SqlMode {
    pub const REAL_AS_FLOAT: SqlMode = SqlMode(1 << 0);
    pub const PIPES_AS_CONCAT: SqlMode = SqlMode(1 << 1);
    pub const ANSI_QUOTES: SqlMode = SqlMode(1 << 2);
    pub const IGNORE_SPACE: SqlMode = SqlMode(1 << 3);
    pub const ONLY_FULL_GROUP_BY: SqlMode = SqlMode(1 << 5);
    pub const NO_UNSIGNED_SUBTRACTION: SqlMode = SqlMode(1 << 6);
    pub const NO_DIR_IN_CREATE: SqlMode = SqlMode(1 << 7);
    pub const ANSI: SqlMode = SqlMode(1 << 18);
    pub const NO_AUTO_VALUE_ON_ZERO: SqlMode = SqlMode(1 << 19);
    pub const NO_BACKSLASH_ESCAPES: SqlMode = SqlMode(1 << 20);
    pub const STRICT_TRANS_TABLES: SqlMode = SqlMode(1 << 21);
    pub const STRICT_ALL_TABLES: SqlMode = SqlMode(1 << 22);
    pub const NO_ZERO_IN_DATE: SqlMode = SqlMode(1 << 23);
    pub const NO_ZERO_DATE: SqlMode = SqlMode(1 << 24);
    pub const ALLOW_INVALID_DATES: SqlMode = SqlMode(1 << 25);
    pub const ERROR_FOR_DIVISION_BY_ZERO: SqlMode = SqlMode(1 << 26);
    pub const TRADITIONAL: SqlMode = SqlMode(1 << 27);
    pub const HIGH_NOT_PRECEDENCE: SqlMode = SqlMode(1 << 29);
    pub const NO_ENGINE_SUBSTITUTION: SqlMode = SqlMode(1 << 30);
    pub const PAD_CHAR_TO_FULL_LENGTH: SqlMode = SqlMode(1 << 31);
    pub const TIME_TRUNCATE_FRACTIONAL: SqlMode = SqlMode(1 << 32);

    /// True when every bit of `other` is set.
    pub fn contains(self, other: SqlMode) -> bool {
        self.0 & other.0 == other.0
    }
    /// STRICT_TRANS_TABLES or STRICT_ALL_TABLES.
    pub fn strict(self) -> bool {
        self.0 & (Self::STRICT_TRANS_TABLES.0 | Self::STRICT_ALL_TABLES.0) != 0
    }
    pub fn strict_trans_tables(self) -> bool {
        self.contains(Self::STRICT_TRANS_TABLES)
    }
    pub fn strict_all_tables(self) -> bool {
        self.contains(Self::STRICT_ALL_TABLES)
    }
    pub fn no_zero_date(self) -> bool {
        self.contains(Self::NO_ZERO_DATE)
    }
    pub fn no_zero_in_date(self) -> bool {
        self.contains(Self::NO_ZERO_IN_DATE)
    }
    pub fn allow_invalid_dates(self) -> bool {
        self.contains(Self::ALLOW_INVALID_DATES)
    }
    pub fn error_for_division_by_zero(self) -> bool {
        self.contains(Self::ERROR_FOR_DIVISION_BY_ZERO)
    }
    pub fn ansi_quotes(self) -> bool {
        self.contains(Self::ANSI_QUOTES)
    }
    pub fn pipes_as_concat(self) -> bool {
        self.contains(Self::PIPES_AS_CONCAT)
    }
    pub fn no_backslash_escapes(self) -> bool {
        self.contains(Self::NO_BACKSLASH_ESCAPES)
    }
    pub fn no_auto_value_on_zero(self) -> bool {
        self.contains(Self::NO_AUTO_VALUE_ON_ZERO)
    }
    pub fn only_full_group_by(self) -> bool {
        self.contains(Self::ONLY_FULL_GROUP_BY)
    }
    pub fn high_not_precedence(self) -> bool {
        self.contains(Self::HIGH_NOT_PRECEDENCE)
    }
    pub fn pad_char_to_full_length(self) -> bool {
        self.contains(Self::PAD_CHAR_TO_FULL_LENGTH)
    }
    pub fn no_unsigned_subtraction(self) -> bool {
        self.contains(Self::NO_UNSIGNED_SUBTRACTION)
    }
    pub fn real_as_float(self) -> bool {
        self.contains(Self::REAL_AS_FLOAT)
    }
    pub fn ignore_space(self) -> bool {
        self.contains(Self::IGNORE_SPACE)
    }
    pub fn time_truncate_fractional(self) -> bool {
        self.contains(Self::TIME_TRUNCATE_FRACTIONAL)
    }

    /// Adds what ANSI and TRADITIONAL stand for, as MySQL 8.0's `expand_sql_mode`.
    fn expand(self) -> SqlMode {
        let mut m = self.0;
        if m & Self::ANSI.0 != 0 {
            m |= Self::REAL_AS_FLOAT.0
                | Self::PIPES_AS_CONCAT.0
                | Self::ANSI_QUOTES.0
                | Self::IGNORE_SPACE.0
                | Self::ONLY_FULL_GROUP_BY.0;
        }
        if m & Self::TRADITIONAL.0 != 0 {
            m |= Self::STRICT_TRANS_TABLES.0
                | Self::STRICT_ALL_TABLES.0
                | Self::NO_ZERO_IN_DATE.0
                | Self::NO_ZERO_DATE.0
                | Self::ERROR_FOR_DIVISION_BY_ZERO.0
                | Self::NO_ENGINE_SUBSTITUTION.0;
        }
        SqlMode(m)
    }

    /// Parses a comma list (case-insensitive, empty items skipped). `Err` carries the
    /// first unknown item, which MySQL names in error 1231.
    pub fn parse(s: &str) -> Result<SqlMode, String> {
        let mut m = 0u64;
        for item in s.split(',') {
            let item = item.trim();
            if item.is_empty() || item.eq_ignore_ascii_case("NO_AUTO_CREATE_USER") {
                continue;
            }
            match SQL_MODE_NAMES
                .iter()
                .position(|n| !n.is_empty() && n.eq_ignore_ascii_case(item))
            {
                Some(bit) => m |= 1 << bit,
                None => return Err(item.to_string()),
            }
        }
        Ok(SqlMode(m).expand())
    }

    /// From the numeric form (`mysqlbinlog` prints `SET @@session.sql_mode=1168113696`).
    pub fn from_bits(bits: u64) -> Option<SqlMode> {
        let bits = bits & !NO_AUTO_CREATE_USER_BIT;
        let known: u64 = SQL_MODE_NAMES
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.is_empty())
            .map(|(i, _)| 1u64 << i)
            .sum();
        (bits & !known == 0).then_some(SqlMode(bits).expand())
    }
}

impl fmt::Display for SqlMode {
    /// Upper-case names in bit order, comma-separated, as `SELECT @@sql_mode` shows them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (bit, name) in SQL_MODE_NAMES.iter().enumerate() {
            if !name.is_empty() && self.0 & (1 << bit) != 0 {
                if !first {
                    f.write_str(",")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}

/// A session time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeZone {
    /// `SYSTEM`: the server's zone, which is UTC for Borealis.
    System,
    /// A fixed offset east of UTC in seconds (`+05:30` = 19800).
    Offset(i32),
    /// A zone of the IANA database (`Europe/Berlin`, `UTC`), whose offset depends on the
    /// instant (daylight saving time, historical changes).
    Named(NamedZone),
}

/// An IANA time zone with its canonical name (the database bundled into the binary).
#[derive(Clone, Debug)]
pub struct NamedZone {
    name: String,
    tz: jiff::tz::TimeZone,
}

impl PartialEq for NamedZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for NamedZone {}

impl TimeZone {
    /// Parses what `SET time_zone` accepts; `None` is error 1298. Names are looked up in
    /// the IANA database case-insensitively, as MySQL's `mysql.time_zone_name`.
    pub fn parse(s: &str) -> Option<TimeZone> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("SYSTEM") {
            return Some(TimeZone::System);
        }
        let (sign, rest) = match t.as_bytes().first() {
            Some(b'+') => (1, &t[1..]),
            Some(b'-') => (-1, &t[1..]),
            _ => return Self::named(t),
        };
        let (h, m) = rest.split_once(':')?;
        let digits =
            |x: &str| !x.is_empty() && x.len() <= 2 && x.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || !digits(m) {
            return None;
        }
        let h: i32 = h.parse().ok()?;
        let m: i32 = m.parse().ok()?;
        if m > 59 {
            return None;
        }
        let secs = sign * (h * 3600 + m * 60);
        // MySQL 8.0.19+: -13:59 .. +14:00.
        if !(-(13 * 3600 + 59 * 60)..=14 * 3600).contains(&secs) {
            return None;
        }
        Some(TimeZone::Offset(secs))
    }

    fn named(t: &str) -> Option<TimeZone> {
        // Only names as the database spells them: letters, digits, `/`, `_`, `-`, `+`.
        if t.is_empty()
            || !t
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_-+".contains(&b))
        {
            return None;
        }
        let tz = jiff::tz::db().get(t).ok()?;
        let name = tz.iana_name()?.to_string();
        Some(TimeZone::Named(NamedZone { name, tz }))
    }

    /// Seconds east of UTC at `unix_secs` (SYSTEM is UTC).
    pub fn offset_at(&self, unix_secs: i64) -> i32 {
        match self {
            TimeZone::System => 0,
            TimeZone::Offset(s) => *s,
            TimeZone::Named(z) => jiff::Timestamp::from_second(unix_secs)
                .map(|ts| z.tz.to_offset(ts).seconds())
                .unwrap_or(0),
        }
    }

    /// The wall-clock time in this zone at `us` microseconds since the epoch (`None`
    /// outside years 0..9999).
    pub fn to_local(&self, us: i64) -> Option<DateTime> {
        let off = i64::from(self.offset_at(us.div_euclid(1_000_000)));
        DateTime::from_unix_micros(us.checked_add(off * 1_000_000)?)
    }

    /// The instant (µs since the epoch) of wall-clock time `local` in this zone. As in
    /// MySQL, a time skipped by a change to summer time is the instant of the change, and
    /// a time that occurs twice is its first occurrence.
    pub fn to_utc(&self, local: &DateTime) -> i64 {
        let naive = local.to_unix_micros();
        let z = match self {
            TimeZone::System => return naive,
            TimeZone::Offset(s) => return naive - i64::from(*s) * 1_000_000,
            TimeZone::Named(z) => z,
        };
        let secs = naive.div_euclid(1_000_000);
        let civil = jiff::civil::DateTime::new(
            i16::try_from(local.date.year).unwrap_or(9999),
            i8::try_from(local.date.month).unwrap_or(1),
            i8::try_from(local.date.day).unwrap_or(1),
            i8::try_from(local.hour).unwrap_or(0),
            i8::try_from(local.minute).unwrap_or(0),
            i8::try_from(local.second).unwrap_or(0),
            0,
        );
        let Ok(civil) = civil else {
            return naive - i64::from(self.offset_at(secs)) * 1_000_000;
        };
        use jiff::tz::AmbiguousOffset as A;
        let utc_secs = match z.tz.to_ambiguous_timestamp(civil).offset() {
            A::Unambiguous { offset } => secs - i64::from(offset.seconds()),
            A::Fold { before, .. } => secs - i64::from(before.seconds()),
            A::Gap { before, after } => {
                // The change happened in (secs - after, secs - before]: find its second.
                let (mut lo, mut hi) = (
                    secs - i64::from(after.seconds()),
                    secs - i64::from(before.seconds()),
                );
                let start = self.offset_at(lo);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if self.offset_at(mid) == start {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                return hi * 1_000_000;
            }
        };
        utc_secs * 1_000_000 + naive.rem_euclid(1_000_000)
    }

    /// The fixed offset, if the zone has one (binlog events carry a name otherwise).
    pub fn fixed_offset(&self) -> Option<i32> {
        match self {
            TimeZone::System => Some(0),
            TimeZone::Offset(s) => Some(*s),
            // UTC by another name stays UTC (a replica needs no zone tables for it).
            TimeZone::Named(z)
                if matches!(
                    z.name.trim_start_matches("Etc/"),
                    "UTC" | "UCT" | "GMT" | "GMT0" | "Universal" | "Zulu" | "Greenwich"
                ) =>
            {
                Some(0)
            }
            TimeZone::Named(_) => None,
        }
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeZone::System => f.write_str("SYSTEM"),
            TimeZone::Named(z) => f.write_str(&z.name),
            TimeZone::Offset(s) => {
                let sign = if *s < 0 { '-' } else { '+' };
                let a = s.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
            }
        }
    }
}

/// Transaction isolation level as `transaction_isolation` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsolationLevel {
    ReadUncommitted,
    ReadCommitted,
    RepeatableRead,
    Serializable,
}

impl IsolationLevel {
    /// Parses `READ-COMMITTED` or `READ COMMITTED` (case-insensitive).
    pub fn parse(s: &str) -> Option<IsolationLevel> {
        match s.trim().to_ascii_uppercase().replace(' ', "-").as_str() {
            "READ-UNCOMMITTED" => Some(IsolationLevel::ReadUncommitted),
            "READ-COMMITTED" => Some(IsolationLevel::ReadCommitted),
            "REPEATABLE-READ" => Some(IsolationLevel::RepeatableRead),
            "SERIALIZABLE" => Some(IsolationLevel::Serializable),
            _ => None,
        }
    }

    /// The `@@transaction_isolation` spelling.
    pub fn name(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "READ-UNCOMMITTED",
            IsolationLevel::ReadCommitted => "READ-COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE-READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
        }
    }
}

fn optimizer_switch_render(flags: &[bool]) -> String {
    OPTIMIZER_FLAGS
        .iter()
        .zip(flags)
        .map(|((n, _), on)| format!("{n}={}", if *on { "on" } else { "off" }))
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether flag `name` is on in an `optimizer_switch` value (its default when the value
/// does not name it).
pub fn optimizer_flag(switch: &str, name: &str) -> bool {
    switch
        .split(',')
        .find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim() == "on")
        })
        .unwrap_or_else(|| OPTIMIZER_FLAGS.iter().any(|(n, d)| *n == name && *d))
}

/// Applies `SET optimizer_switch = s` to the current value.
fn optimizer_switch_apply(current: &str, s: &str) -> Result<String, String> {
    let mut flags: Vec<bool> = OPTIMIZER_FLAGS
        .iter()
        .map(|(n, d)| {
            current
                .split(',')
                .find_map(|kv| kv.strip_prefix(n).and_then(|r| r.strip_prefix('=')))
                .map_or(*d, |v| v == "on")
        })
        .collect();
    for item in s.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        if item.eq_ignore_ascii_case("default") {
            for (f, (_, d)) in flags.iter_mut().zip(OPTIMIZER_FLAGS) {
                *f = *d;
            }
            continue;
        }
        let (k, v) = item.split_once('=').ok_or_else(|| item.to_string())?;
        let pos = OPTIMIZER_FLAGS
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(k.trim()))
            .ok_or_else(|| item.to_string())?;
        flags[pos] = match v.trim().to_ascii_lowercase().as_str() {
            "on" => true,
            "off" => false,
            "default" => OPTIMIZER_FLAGS[pos].1,
            _ => return Err(item.to_string()),
        };
    }
    Ok(optimizer_switch_render(&flags))
}

fn canonical_charset(name: &str) -> Option<&'static str> {
    Collation::default_for_charset(name).map(Collation::charset)
}

fn now_unix() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as f64 / 1e6)
        .unwrap_or(0.0)
}

/// A default or configuration value given as text, typed the way `SET` would receive it
/// (numbers as numbers: `SET wait_timeout = '10'` is error 1232, a config file's `10` is not).
fn text_value(d: &VarDef, text: &str) -> SetValue {
    let t = text.trim();
    let numeric = matches!(
        d.kind,
        VarKind::Int { .. } | VarKind::UInt { .. } | VarKind::Double { .. } | VarKind::Timestamp
    );
    if numeric {
        if let Ok(i) = t.parse::<i64>() {
            return SetValue::Int(i);
        }
        if let Ok(u) = t.parse::<u64>() {
            return SetValue::UInt(u);
        }
        if let Ok(x) = t.parse::<f64>() {
            return SetValue::Double(x);
        }
    }
    SetValue::Str(text.to_string())
}

fn truncated(name: &str, v: &SetValue) -> Warning {
    Warning::warn(
        1292,
        format!("Truncated incorrect {name} value: '{}'", v.describe()),
    )
}

/// Validates `v` for `d` (named `name` in messages) and returns the normalised value plus
/// an optional clamp warning. `current` is needed by `optimizer_switch`.
fn parse_value(
    d: &VarDef,
    name: &str,
    v: &SetValue,
    current: &VarValue,
) -> Result<(VarValue, Option<Warning>), VarError> {
    let wrong_value = || VarError::wrong_value(name, v);
    let wrong_type = || VarError::wrong_type(name);
    let int_of = |v: &SetValue| -> Option<i128> {
        match v {
            SetValue::Int(i) => Some(i128::from(*i)),
            SetValue::UInt(u) => Some(i128::from(*u)),
            SetValue::Bool(b) => Some(i128::from(*b)),
            _ => None,
        }
    };
    match d.kind {
        VarKind::Bool => match v {
            SetValue::Str(s) => match s.trim().to_ascii_uppercase().as_str() {
                "ON" | "TRUE" => Ok((VarValue::Bool(true), None)),
                "OFF" | "FALSE" => Ok((VarValue::Bool(false), None)),
                _ => Err(wrong_value()),
            },
            SetValue::Double(_) | SetValue::Other => Err(wrong_type()),
            SetValue::Null | SetValue::Default => Err(wrong_value()),
            _ => match int_of(v) {
                Some(0) => Ok((VarValue::Bool(false), None)),
                Some(1) => Ok((VarValue::Bool(true), None)),
                _ => Err(wrong_value()),
            },
        },
        VarKind::Int { min, max } => {
            let i = int_of(v).ok_or_else(wrong_type)?;
            let c = i.clamp(i128::from(min), i128::from(max));
            let w = (c != i).then(|| truncated(name, v));
            Ok((VarValue::Int(c as i64), w))
        }
        VarKind::UInt { min, max } => {
            let i = int_of(v).ok_or_else(wrong_type)?;
            let c = i.clamp(i128::from(min), i128::from(max));
            let w = (c != i).then(|| truncated(name, v));
            Ok((VarValue::UInt(c as u64), w))
        }
        VarKind::Double { min, max } => {
            let x = match v {
                SetValue::Double(x) => *x,
                _ => int_of(v).ok_or_else(wrong_type)? as f64,
            };
            if x.is_nan() {
                return Err(wrong_type());
            }
            let c = x.clamp(min, max);
            let w = (c != x).then(|| truncated(name, v));
            Ok((VarValue::Double(c), w))
        }
        VarKind::Enum(names) => {
            let found = match v {
                SetValue::Str(s) => names.iter().find(|n| n.eq_ignore_ascii_case(s.trim())),
                SetValue::Double(_) | SetValue::Other => return Err(wrong_type()),
                _ => int_of(v)
                    .and_then(|i| usize::try_from(i).ok())
                    .and_then(|i| names.get(i)),
            };
            found
                .map(|n| (VarValue::Str((*n).to_string()), None))
                .ok_or_else(wrong_value)
        }
        VarKind::SqlMode => {
            let mode = match v {
                SetValue::Str(s) => SqlMode::parse(s).map_err(|bad| VarError::WrongValue {
                    name: name.to_string(),
                    value: bad,
                })?,
                SetValue::Double(_) | SetValue::Other => return Err(wrong_type()),
                _ => int_of(v)
                    .and_then(|i| u64::try_from(i).ok())
                    .and_then(SqlMode::from_bits)
                    .ok_or_else(wrong_value)?,
            };
            Ok((VarValue::Str(mode.to_string()), None))
        }
        VarKind::Str { nullable } => match v {
            SetValue::Str(s) => Ok((VarValue::Str(s.clone()), None)),
            SetValue::Null if nullable => Ok((VarValue::Null, None)),
            SetValue::Null => Err(wrong_value()),
            _ => Err(wrong_type()),
        },
        VarKind::Charset { nullable } => match v {
            SetValue::Str(s) => canonical_charset(s)
                .map(|c| (VarValue::Str(c.to_string()), None))
                .ok_or_else(|| VarError::UnknownCharset { charset: s.clone() }),
            SetValue::Null if nullable => Ok((VarValue::Null, None)),
            SetValue::Null => Err(wrong_value()),
            SetValue::Double(_) | SetValue::Other => Err(wrong_type()),
            _ => int_of(v)
                .and_then(|i| u16::try_from(i).ok())
                .and_then(Collation::from_id)
                .map(|c| (VarValue::Str(c.charset().to_string()), None))
                .ok_or_else(|| VarError::UnknownCharset {
                    charset: v.describe(),
                }),
        },
        VarKind::Collation => match v {
            SetValue::Str(s) => Collation::from_name(s)
                .map(|c| (VarValue::Str(c.name().to_string()), None))
                .ok_or_else(|| VarError::UnknownCollation {
                    collation: s.clone(),
                }),
            SetValue::Null => Err(wrong_value()),
            SetValue::Double(_) | SetValue::Other => Err(wrong_type()),
            _ => int_of(v)
                .and_then(|i| u16::try_from(i).ok())
                .and_then(Collation::from_id)
                .map(|c| (VarValue::Str(c.name().to_string()), None))
                .ok_or_else(|| VarError::UnknownCollation {
                    collation: v.describe(),
                }),
        },
        VarKind::TimeZone => match v {
            SetValue::Str(s) => TimeZone::parse(s)
                .map(|tz| (VarValue::Str(tz.to_string()), None))
                .ok_or_else(|| VarError::UnknownTimeZone { zone: s.clone() }),
            SetValue::Null => Err(wrong_value()),
            _ => Err(wrong_type()),
        },
        VarKind::Engine => match v {
            SetValue::Str(s) if s.trim().eq_ignore_ascii_case("InnoDB") => {
                Ok((VarValue::Str("InnoDB".to_string()), None))
            }
            SetValue::Str(s) => Err(VarError::UnknownEngine { engine: s.clone() }),
            SetValue::Null => Err(wrong_value()),
            _ => Err(wrong_type()),
        },
        VarKind::OptimizerSwitch => match v {
            SetValue::Str(s) => optimizer_switch_apply(current.as_str().unwrap_or(""), s)
                .map(|r| (VarValue::Str(r), None))
                .map_err(|bad| VarError::WrongValue {
                    name: name.to_string(),
                    value: bad,
                }),
            SetValue::Null => Err(wrong_value()),
            _ => Err(wrong_type()),
        },
        VarKind::Timestamp => {
            let x = match v {
                SetValue::Double(x) => *x,
                SetValue::Str(_) | SetValue::Other => return Err(wrong_type()),
                SetValue::Null | SetValue::Default => return Err(wrong_value()),
                _ => int_of(v).ok_or_else(wrong_type)? as f64,
            };
            // MySQL 8: 1 .. 2^31-1 (32-bit TIMESTAMP range); 0 means "use the clock".
            let max = 2_147_483_647.999_999;
            if x == 0.0 {
                return Ok((VarValue::Null, None));
            }
            if x.is_nan() {
                return Err(wrong_type());
            }
            let c = x.clamp(1.0, max);
            let w = (c != x).then(|| truncated(name, v));
            Ok((VarValue::Double(c), w))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Server facts, global and session state
// ---------------------------------------------------------------------------------------

/// Facts about the running server that some variables report.
#[derive(Clone, Debug)]
pub struct ServerInfo {
    /// `8.0.x-borealis`.
    pub version: String,
    /// `Linux`, as MySQL prints it.
    pub version_compile_os: String,
    /// `x86_64`.
    pub version_compile_machine: String,
    pub port: u16,
    pub hostname: String,
    pub datadir: String,
    pub basedir: String,
    pub tmpdir: String,
    pub socket: String,
    pub pid_file: String,
    pub server_id: u32,
    pub server_uuid: String,
    pub log_bin: bool,
    pub log_bin_basename: String,
    pub log_bin_index: String,
    pub open_files_limit: u64,
    /// TLS files (`ssl_ca`, `ssl_cert`, `ssl_key`); empty when the server has no TLS.
    pub ssl_ca: String,
    pub ssl_cert: String,
    pub ssl_key: String,
    /// caching_sha2_password's RSA key pair files.
    pub rsa_private_key: String,
    pub rsa_public_key: String,
}

impl Default for ServerInfo {
    fn default() -> ServerInfo {
        let os = match std::env::consts::OS {
            "linux" => "Linux".to_string(),
            other => other.to_string(),
        };
        ServerInfo {
            version: "8.0.36-borealis".to_string(),
            version_compile_os: os,
            version_compile_machine: std::env::consts::ARCH.to_string(),
            port: 3306,
            hostname: "localhost".to_string(),
            datadir: "/var/lib/borealis/".to_string(),
            basedir: "/usr/".to_string(),
            tmpdir: "/tmp".to_string(),
            socket: String::new(),
            pid_file: String::new(),
            server_id: 1,
            server_uuid: "00000000-0000-0000-0000-000000000000".to_string(),
            // Off unless the server turns it on: the binlog lives in `datadir`, which a
            // default ServerInfo does not really have.
            log_bin: false,
            log_bin_basename: String::new(),
            log_bin_index: String::new(),
            open_files_limit: 1024,
            ssl_ca: String::new(),
            ssl_cert: String::new(),
            ssl_key: String::new(),
            rsa_private_key: String::new(),
            rsa_public_key: String::new(),
        }
    }
}

fn default_value(d: &VarDef, info: &ServerInfo) -> VarValue {
    let text = match d.default {
        Dflt::Null => return VarValue::Null,
        Dflt::Lit(s) => s.to_string(),
        Dflt::Info(f) => f(info),
    };
    if d.kind == VarKind::Timestamp {
        return VarValue::Null;
    }
    match parse_value(d, d.name, &text_value(d, &text), &VarValue::Null) {
        Ok((v, _)) => v,
        Err(e) => {
            // A broken default is a bug in VARS (a unit test parses them all).
            tracing::error!(var = d.name, error = %e, "bad system variable default");
            VarValue::Null
        }
    }
}

fn compiled_defaults(info: &ServerInfo) -> Vec<VarValue> {
    VARS.iter().map(|d| default_value(d, info)).collect()
}

/// Stores `v` into `slot` and keeps charset/collation pairs in step, as MySQL does:
/// setting a character set sets its pair collation to the charset's default, and setting a
/// collation sets its pair charset.
fn store(values: &mut [VarValue], slot: usize, v: VarValue) {
    let pairs = [
        (S_CS_CONNECTION, S_COLL_CONNECTION),
        (S_CS_DATABASE, S_COLL_DATABASE),
        (S_CS_SERVER, S_COLL_SERVER),
    ];
    for (cs, coll) in pairs {
        if slot == cs {
            if let Some(c) = v.as_str().and_then(Collation::default_for_charset) {
                values[coll] = VarValue::Str(c.name().to_string());
            }
        } else if slot == coll {
            if let Some(c) = v.as_str().and_then(Collation::from_name) {
                values[cs] = VarValue::Str(c.charset().to_string());
            }
        }
    }
    if let Some(x) = values.get_mut(slot) {
        *x = v;
    }
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}
fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

/// The server's global values. Share one per server (`Arc<GlobalVars>`).
pub struct GlobalVars {
    info: ServerInfo,
    defaults: Vec<VarValue>,
    values: RwLock<Vec<VarValue>>,
    /// Counts changes of `values` after start ([`GlobalVars::changes`]).
    changes: std::sync::atomic::AtomicU64,
}

impl GlobalVars {
    /// Globals at their defaults, with server facts from `info`.
    pub fn new(info: ServerInfo) -> GlobalVars {
        let defaults = compiled_defaults(&info);
        GlobalVars {
            values: RwLock::new(defaults.clone()),
            defaults,
            info,
            changes: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// How many times a global changed since start: a reader that derives settings from
    /// globals reads them again only when this moved.
    pub fn changes(&self) -> u64 {
        self.changes.load(std::sync::atomic::Ordering::Acquire)
    }

    fn changed(&self) {
        self.changes
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// The facts this server was started with.
    pub fn info(&self) -> &ServerInfo {
        &self.info
    }

    /// `@@global.name`.
    pub fn get(&self, name: &str) -> Result<VarValue, VarError> {
        let (d, slot) = resolve(name).ok_or_else(|| VarError::Unknown {
            name: name.to_string(),
        })?;
        if d.scope == VarScope::Session {
            return Err(VarError::NoGlobalValue {
                name: d.name.to_string(),
            });
        }
        Ok(read(&self.values)[slot].clone())
    }

    /// `SET GLOBAL name = v`.
    pub fn set(&self, name: &str, v: SetValue) -> Result<Option<Warning>, VarError> {
        let (d, slot) = resolve(name).ok_or_else(|| VarError::Unknown {
            name: name.to_string(),
        })?;
        if d.read_only() {
            return Err(VarError::ReadOnly {
                name: d.name.to_string(),
            });
        }
        if d.scope == VarScope::Session {
            return Err(VarError::SessionOnly {
                name: d.name.to_string(),
            });
        }
        let mut values = write(&self.values);
        let (val, warn) = if v == SetValue::Default {
            (self.defaults[slot].clone(), None)
        } else {
            parse_value(d, d.name, &v, &values[slot])?
        };
        check_pinned(d, &val, &self.defaults[slot], &v)?;
        // MySQL ties the two: super_read_only ON turns read_only on, read_only OFF turns
        // super_read_only off.
        let tied = match (d.name, val.as_bool()) {
            ("super_read_only", true) => Some(("read_only", true)),
            ("read_only", false) => Some(("super_read_only", false)),
            _ => None,
        };
        store(&mut values, slot, val);
        if let Some((other, on)) = tied.and_then(|(n, on)| Some((resolve(n)?.1, on))) {
            store(&mut values, other, VarValue::Bool(on));
        }
        self.changed();
        Ok(warn)
    }

    /// Server configuration at start: like `SET GLOBAL` but also for [`Access::Startup`]
    /// variables; the value is given as text, as in a config file.
    pub fn set_startup(&mut self, name: &str, text: &str) -> Result<Option<Warning>, VarError> {
        let (d, slot) = resolve(name).ok_or_else(|| VarError::Unknown {
            name: name.to_string(),
        })?;
        if d.access == Access::Fixed || d.scope == VarScope::Session {
            return Err(VarError::ReadOnly {
                name: d.name.to_string(),
            });
        }
        let values = self.values.get_mut().unwrap_or_else(|e| e.into_inner());
        let v = text_value(d, text);
        let (val, warn) = parse_value(d, d.name, &v, &values[slot])?;
        check_pinned(d, &val, &self.defaults[slot], &v)?;
        store(values, slot, val);
        Ok(warn)
    }

    /// Updates a value the server maintains (`gtid_executed`, `gtid_binlog_pos`, ...),
    /// bypassing read-only checks. Unknown names are ignored and reported as `false`.
    pub fn set_internal(&self, name: &str, v: VarValue) -> bool {
        match resolve(name) {
            Some((d, slot)) if d.scope != VarScope::Session => {
                store(&mut write(&self.values), slot, v);
                self.changed();
                true
            }
            _ => false,
        }
    }

    fn snapshot(&self) -> Vec<VarValue> {
        read(&self.values).clone()
    }

    fn slot_value(&self, slot: usize) -> VarValue {
        read(&self.values)[slot].clone()
    }
}

fn check_pinned(
    d: &VarDef,
    val: &VarValue,
    default: &VarValue,
    v: &SetValue,
) -> Result<(), VarError> {
    if d.access == Access::Pinned && val != default {
        return Err(VarError::wrong_value(d.name, v));
    }
    Ok(())
}

/// One connection's variables.
#[derive(Clone, Debug)]
pub struct SessionVars {
    values: Vec<VarValue>,
    connection_id: u32,
    /// The last `sql_mode` text parsed and its bits: most statements ask for the mode,
    /// and it rarely changes.
    sql_mode_memo: RefCell<Option<(String, SqlMode)>>,
}

impl SessionVars {
    /// A new connection's variables: the current globals (MySQL copies them at connect).
    pub fn new(g: &GlobalVars, connection_id: u32) -> SessionVars {
        let mut s = SessionVars {
            values: Vec::new(),
            connection_id,
            sql_mode_memo: RefCell::new(None),
        };
        s.reset(g);
        s
    }

    /// COM_RESET_CONNECTION / COM_CHANGE_USER: back to the current globals.
    pub fn reset(&mut self, g: &GlobalVars) {
        self.values = g.snapshot();
        for (i, d) in VARS.iter().enumerate() {
            if d.scope == VarScope::Session {
                self.values[i] = g.defaults[i].clone();
            }
        }
        self.values[S_PSEUDO_THREAD_ID] = VarValue::UInt(u64::from(self.connection_id));
    }

    /// `SELECT @@name` (`Scope::Default`), `@@session.name` or `@@global.name`.
    pub fn get(&self, name: &str, scope: Scope, g: &GlobalVars) -> Result<VarValue, VarError> {
        let (d, slot) = resolve(name).ok_or_else(|| VarError::Unknown {
            name: name.to_string(),
        })?;
        let global = match (scope, d.scope) {
            (Scope::Global, VarScope::Session) => {
                return Err(VarError::NoGlobalValue {
                    name: d.name.to_string(),
                })
            }
            (Scope::Session, VarScope::Global) => {
                return Err(VarError::NoSessionValue {
                    name: d.name.to_string(),
                })
            }
            (Scope::Global, _) | (Scope::Default, VarScope::Global) => true,
            _ => false,
        };
        if global {
            return Ok(g.slot_value(slot));
        }
        if slot == S_TIMESTAMP {
            return Ok(match &self.values[slot] {
                VarValue::Double(t) => VarValue::Double(*t),
                _ => VarValue::Double(now_unix()),
            });
        }
        Ok(self.values[slot].clone())
    }

    /// `SET [SESSION|GLOBAL] name = v`. A clamped value comes back as warning 1292.
    pub fn set(
        &mut self,
        name: &str,
        scope: Scope,
        v: SetValue,
        g: &GlobalVars,
    ) -> Result<Option<Warning>, VarError> {
        if scope == Scope::Global {
            return g.set(name, v);
        }
        let (d, slot) = resolve(name).ok_or_else(|| VarError::Unknown {
            name: name.to_string(),
        })?;
        if d.read_only() {
            return Err(VarError::ReadOnly {
                name: d.name.to_string(),
            });
        }
        match (d.scope, d.access) {
            (VarScope::Global, _) => {
                return Err(VarError::GlobalOnly {
                    name: d.name.to_string(),
                })
            }
            (_, Access::SessionReadOnly) => {
                return Err(VarError::SessionReadOnly {
                    name: d.name.to_string(),
                })
            }
            _ => {}
        }
        let (val, warn) = match v {
            // SESSION x = DEFAULT takes the global value; session-only variables their
            // compiled default (the connection id for pseudo_thread_id).
            SetValue::Default if slot == S_PSEUDO_THREAD_ID => {
                (VarValue::UInt(u64::from(self.connection_id)), None)
            }
            SetValue::Default if d.scope == VarScope::Session => (g.defaults[slot].clone(), None),
            SetValue::Default => (g.slot_value(slot), None),
            _ => parse_value(d, d.name, &v, &self.values[slot])?,
        };
        check_pinned(d, &val, &g.defaults[slot], &v)?;
        store(&mut self.values, slot, val);
        Ok(warn)
    }

    /// `SET NAMES charset [COLLATE collation]`: client, connection and results character
    /// sets, and the connection collation.
    pub fn set_names(&mut self, charset: &str, collation: Option<&str>) -> Result<(), VarError> {
        let cs = canonical_charset(charset).ok_or_else(|| VarError::UnknownCharset {
            charset: charset.to_string(),
        })?;
        let coll = match collation {
            None => Collation::default_for_charset(cs),
            Some(c) => {
                let coll = Collation::from_name(c).ok_or_else(|| VarError::UnknownCollation {
                    collation: c.to_string(),
                })?;
                if coll.charset() != cs {
                    return Err(VarError::CollationMismatch {
                        collation: c.to_string(),
                        charset: cs.to_string(),
                    });
                }
                Some(coll)
            }
        };
        let coll = coll.ok_or_else(|| VarError::UnknownCharset {
            charset: charset.to_string(),
        })?;
        self.set_names_collation(coll);
        Ok(())
    }

    /// The handshake's collation (or `SET NAMES` resolved): client, connection and results
    /// character sets follow it.
    pub fn set_names_collation(&mut self, c: Collation) {
        let cs = VarValue::Str(c.charset().to_string());
        self.values[S_CS_CLIENT] = cs.clone();
        self.values[S_CS_RESULTS] = cs.clone();
        self.values[S_CS_CONNECTION] = cs;
        self.values[S_COLL_CONNECTION] = VarValue::Str(c.name().to_string());
    }

    /// `SET CHARACTER SET charset`: client and results to `charset`, the connection to
    /// the database's character set.
    pub fn set_character_set(&mut self, charset: &str) -> Result<(), VarError> {
        let cs = canonical_charset(charset).ok_or_else(|| VarError::UnknownCharset {
            charset: charset.to_string(),
        })?;
        self.values[S_CS_CLIENT] = VarValue::Str(cs.to_string());
        self.values[S_CS_RESULTS] = VarValue::Str(cs.to_string());
        let db = self.values[S_CS_DATABASE].clone();
        store(&mut self.values, S_CS_CONNECTION, db);
        Ok(())
    }

    /// `USE db` (COM_INIT_DB): `character_set_database` / `collation_database` follow the
    /// database's default collation.
    pub fn set_database_collation(&mut self, c: Collation) {
        store(
            &mut self.values,
            S_COLL_DATABASE,
            VarValue::Str(c.name().to_string()),
        );
    }

    /// Records the diagnostics area of the last statement (`@@warning_count`,
    /// `@@error_count`).
    pub fn set_diagnostics_counts(&mut self, warnings: u64, errors: u64) {
        self.values[S_WARNING_COUNT] = VarValue::UInt(warnings);
        self.values[S_ERROR_COUNT] = VarValue::UInt(errors);
    }

    /// `LAST_INSERT_ID()` after an insert, or `LAST_INSERT_ID(x)`.
    pub fn set_last_insert_id(&mut self, id: u64) {
        self.values[S_LAST_INSERT_ID] = VarValue::UInt(id);
    }

    /// `SHOW [SESSION|GLOBAL] VARIABLES [LIKE pattern]`, sorted by name. Session rows show
    /// session values where the variable has one, global values otherwise; GLOBAL leaves
    /// out session-only variables.
    pub fn show_variables(
        &self,
        like: Option<&str>,
        global: bool,
        g: &GlobalVars,
    ) -> Vec<(String, String)> {
        let gv = g.snapshot();
        let idx = index();
        let mut out = Vec::new();
        for &i in &idx.sorted {
            let d = &VARS[i];
            if like.is_some_and(|p| !like_match(p, d.name)) {
                continue;
            }
            let slot = idx.by_name.get(d.name).map_or(i, |&(_, s)| s);
            let v = match (global, d.scope) {
                (true, VarScope::Session) => continue,
                (true, _) | (false, VarScope::Global) => gv[slot].clone(),
                (false, _) if slot == S_TIMESTAMP => self
                    .get(d.name, Scope::Session, g)
                    .unwrap_or(VarValue::Null),
                (false, _) => self.values[slot].clone(),
            };
            out.push((d.name.to_string(), v.show_text()));
        }
        out
    }

    // --- typed accessors for the executor -----------------------------------------------

    pub fn autocommit(&self) -> bool {
        self.values[S_AUTOCOMMIT].as_bool()
    }
    /// Sets autocommit without going through `SET` (e.g. the protocol's server status).
    pub fn set_autocommit(&mut self, on: bool) {
        self.values[S_AUTOCOMMIT] = VarValue::Bool(on);
    }
    pub fn sql_mode(&self) -> SqlMode {
        let Some(text) = self.values[S_SQL_MODE].as_str() else {
            return SqlMode::default();
        };
        let mut memo = self.sql_mode_memo.borrow_mut();
        match &*memo {
            Some((t, mode)) if t == text => *mode,
            _ => {
                let mode = SqlMode::parse(text).unwrap_or_default();
                *memo = Some((text.to_string(), mode));
                mode
            }
        }
    }
    pub fn time_zone(&self) -> TimeZone {
        self.values[S_TIME_ZONE]
            .as_str()
            .and_then(TimeZone::parse)
            .unwrap_or(TimeZone::System)
    }
    fn collation_of(&self, slot: usize) -> Option<Collation> {
        self.values[slot]
            .as_str()
            .and_then(Collation::default_for_charset)
    }
    /// Default collation of `character_set_client`.
    pub fn charset_client(&self) -> Collation {
        self.collation_of(S_CS_CLIENT).unwrap_or_default()
    }
    /// Default collation of `character_set_results`; `None` when it is NULL (no
    /// conversion) or unknown.
    pub fn charset_results(&self) -> Option<Collation> {
        self.collation_of(S_CS_RESULTS)
    }
    pub fn collation_connection(&self) -> Collation {
        self.values[S_COLL_CONNECTION]
            .as_str()
            .and_then(Collation::from_name)
            .unwrap_or_default()
    }
    pub fn collation_database(&self) -> Collation {
        self.values[S_COLL_DATABASE]
            .as_str()
            .and_then(Collation::from_name)
            .unwrap_or_default()
    }
    pub fn collation_server(&self) -> Collation {
        self.values[S_COLL_SERVER]
            .as_str()
            .and_then(Collation::from_name)
            .unwrap_or_default()
    }
    /// `max_execution_time` in milliseconds (0 = none).
    pub fn max_execution_time_ms(&self) -> u64 {
        self.values[S_MAX_EXECUTION_TIME].as_u64()
    }
    /// The statement time limit from `max_execution_time` (ms) and MariaDB's
    /// `max_statement_time` (s), whichever is tighter; `None` when neither is set.
    pub fn statement_timeout(&self) -> Option<std::time::Duration> {
        let ms = self.max_execution_time_ms();
        let a = (ms > 0).then(|| std::time::Duration::from_millis(ms));
        let b = match self.values[S_MAX_STATEMENT_TIME] {
            VarValue::Double(s) if s > 0.0 => std::time::Duration::try_from_secs_f64(s).ok(),
            _ => None,
        };
        match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
    pub fn foreign_key_checks(&self) -> bool {
        self.values[S_FOREIGN_KEY_CHECKS].as_bool()
    }
    pub fn unique_checks(&self) -> bool {
        self.values[S_UNIQUE_CHECKS].as_bool()
    }
    pub fn sql_notes(&self) -> bool {
        self.values[S_SQL_NOTES].as_bool()
    }
    pub fn sql_quote_show_create(&self) -> bool {
        self.values[S_SQL_QUOTE_SHOW_CREATE].as_bool()
    }
    pub fn sql_auto_is_null(&self) -> bool {
        self.values[S_SQL_AUTO_IS_NULL].as_bool()
    }
    pub fn sql_safe_updates(&self) -> bool {
        self.values[S_SQL_SAFE_UPDATES].as_bool()
    }
    /// `sql_select_limit`; `None` when unlimited.
    pub fn sql_select_limit(&self) -> Option<u64> {
        let v = self.values[S_SQL_SELECT_LIMIT].as_u64();
        (v != u64::MAX).then_some(v)
    }
    pub fn sql_log_bin(&self) -> bool {
        self.values[S_SQL_LOG_BIN].as_bool()
    }
    pub fn transaction_isolation(&self) -> IsolationLevel {
        self.values[S_ISOLATION]
            .as_str()
            .and_then(IsolationLevel::parse)
            .unwrap_or(IsolationLevel::RepeatableRead)
    }
    /// innodb_lock_wait_timeout: how long a row lock wait lasts before 1205.
    pub fn lock_wait_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.values[S_LOCK_WAIT].as_u64().max(1))
    }
    pub fn transaction_read_only(&self) -> bool {
        self.values[S_READ_ONLY_TX].as_bool()
    }
    pub fn auto_increment_increment(&self) -> u64 {
        self.values[S_AI_INCREMENT].as_u64().max(1)
    }
    pub fn auto_increment_offset(&self) -> u64 {
        self.values[S_AI_OFFSET].as_u64().max(1)
    }
    pub fn last_insert_id(&self) -> u64 {
        self.values[S_LAST_INSERT_ID].as_u64()
    }
    /// `SET insert_id = n` applies to the next insert only: returns it and clears it.
    pub fn take_insert_id(&mut self) -> Option<u64> {
        let v = self.values[S_INSERT_ID].as_u64();
        self.values[S_INSERT_ID] = VarValue::UInt(0);
        (v != 0).then_some(v)
    }
    /// `SET timestamp = t` in effect (seconds with microseconds), or `None` for the clock.
    pub fn timestamp_override(&self) -> Option<f64> {
        match self.values[S_TIMESTAMP] {
            VarValue::Double(t) => Some(t),
            _ => None,
        }
    }
    pub fn div_precision_increment(&self) -> u32 {
        self.values[S_DIV_PRECISION].as_u64().min(30) as u32
    }
    pub fn group_concat_max_len(&self) -> u64 {
        self.values[S_GROUP_CONCAT_MAX_LEN].as_u64()
    }
    pub fn default_week_format(&self) -> u32 {
        self.values[S_DEFAULT_WEEK_FORMAT].as_u64().min(7) as u32
    }
    /// `wait_timeout` (or `interactive_timeout` for CLIENT_INTERACTIVE connections).
    pub fn idle_timeout_secs(&self, interactive: bool) -> u64 {
        let slot = if interactive {
            S_INTERACTIVE_TIMEOUT
        } else {
            S_WAIT_TIMEOUT
        };
        self.values[slot].as_u64()
    }
    /// `net_write_timeout`: how long a reply may wait for a client that does not read it.
    pub fn net_write_timeout_secs(&self) -> u64 {
        self.values[S_NET_WRITE_TIMEOUT].as_u64()
    }
    pub fn max_allowed_packet(&self) -> u64 {
        self.values[S_MAX_ALLOWED_PACKET].as_u64()
    }
    /// `sort_buffer_size`: the bytes of rows a sort holds before it spills to disk.
    pub fn sort_buffer_size(&self) -> u64 {
        self.values[S_SORT_BUFFER_SIZE].as_u64()
    }
    /// `binlog_format` of this session: `ROW`, `MIXED` or `STATEMENT`.
    pub fn binlog_format(&self) -> &str {
        self.values[S_BINLOG_FORMAT].as_str().unwrap_or("ROW")
    }
    /// `binlog_row_image`: `FULL`, `MINIMAL` or `NOBLOB`.
    pub fn binlog_row_image(&self) -> &str {
        self.values[S_BINLOG_ROW_IMAGE].as_str().unwrap_or("FULL")
    }
}

// ---------------------------------------------------------------------------------------
// LIKE
// ---------------------------------------------------------------------------------------

/// SQL `LIKE` for SHOW ... LIKE: `%` any run, `_` one character, `\` escapes the next
/// character; case-insensitive (ASCII), as MySQL matches variable names.
pub fn like_match(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Any,
        One,
        Lit(char),
    }
    let mut toks = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        toks.push(match c {
            '%' => Tok::Any,
            '_' => Tok::One,
            '\\' => Tok::Lit(it.next().unwrap_or('\\')),
            c => Tok::Lit(c),
        });
    }
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut back: Option<(usize, usize)> = None;
    while ti < t.len() {
        match toks.get(pi) {
            Some(Tok::Any) => {
                back = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some(Tok::One) => {
                pi += 1;
                ti += 1;
                continue;
            }
            Some(Tok::Lit(c)) if c.to_lowercase().eq(t[ti].to_lowercase()) => {
                pi += 1;
                ti += 1;
                continue;
            }
            _ => {}
        }
        match back {
            Some((bp, bt)) => {
                pi = bp + 1;
                ti = bt + 1;
                back = Some((bp, bt + 1));
            }
            None => return false,
        }
    }
    toks[pi.min(toks.len())..].iter().all(|t| *t == Tok::Any)
}

// ---------------------------------------------------------------------------------------
// Status counters
// ---------------------------------------------------------------------------------------

/// Statement kinds counted as `Com_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Com {
    Select,
    Insert,
    InsertSelect,
    Update,
    Delete,
    Replace,
    Begin,
    Commit,
    Rollback,
    SetOption,
    ShowVariables,
    ShowStatus,
    CreateTable,
    DropTable,
    AlterTable,
    CreateDb,
    DropDb,
    ChangeDb,
    LockTables,
    UnlockTables,
    StmtPrepare,
    StmtExecute,
    StmtClose,
    Savepoint,
}

/// `(kind, Com_ name)` in `SHOW STATUS` order.
const COMS: [(Com, &str); 24] = [
    (Com::AlterTable, "Com_alter_table"),
    (Com::Begin, "Com_begin"),
    (Com::ChangeDb, "Com_change_db"),
    (Com::Commit, "Com_commit"),
    (Com::CreateDb, "Com_create_db"),
    (Com::CreateTable, "Com_create_table"),
    (Com::Delete, "Com_delete"),
    (Com::DropDb, "Com_drop_db"),
    (Com::DropTable, "Com_drop_table"),
    (Com::Insert, "Com_insert"),
    (Com::InsertSelect, "Com_insert_select"),
    (Com::LockTables, "Com_lock_tables"),
    (Com::Replace, "Com_replace"),
    (Com::Rollback, "Com_rollback"),
    (Com::Savepoint, "Com_savepoint"),
    (Com::Select, "Com_select"),
    (Com::SetOption, "Com_set_option"),
    (Com::ShowStatus, "Com_show_status"),
    (Com::ShowVariables, "Com_show_variables"),
    (Com::StmtClose, "Com_stmt_close"),
    (Com::StmtExecute, "Com_stmt_execute"),
    (Com::StmtPrepare, "Com_stmt_prepare"),
    (Com::UnlockTables, "Com_unlock_tables"),
    (Com::Update, "Com_update"),
];
const N_COM: usize = COMS.len();

fn com_index(c: Com) -> usize {
    COMS.iter().position(|(k, _)| *k == c).unwrap_or(0)
}

/// One connection's counters (`SHOW SESSION STATUS`).
#[derive(Clone, Debug, Default)]
pub struct SessionCounters {
    pub questions: u64,
    pub bytes_received: u64,
    pub bytes_sent: u64,
    pub slow_queries: u64,
    pub com: [u64; N_COM],
    /// Sort_merge_passes of this session's statements (their sorts add to it).
    pub sort_merge_passes: Arc<AtomicU64>,
}

impl SessionCounters {
    /// This session's count for `c`.
    pub fn com(&self, c: Com) -> u64 {
        self.com[com_index(c)]
    }
}

/// Server-wide counters (`SHOW GLOBAL STATUS`, COM_STATISTICS).
#[derive(Debug)]
pub struct StatusCounters {
    started: Instant,
    pub connections: AtomicU64,
    pub aborted_clients: AtomicU64,
    pub aborted_connects: AtomicU64,
    pub threads_connected: AtomicU64,
    pub threads_running: AtomicU64,
    pub threads_created: AtomicU64,
    pub max_used_connections: AtomicU64,
    pub questions: AtomicU64,
    pub slow_queries: AtomicU64,
    pub opened_tables: AtomicU64,
    /// A gauge the catalog keeps current.
    pub open_tables: AtomicU64,
    pub bytes_received: AtomicU64,
    pub bytes_sent: AtomicU64,
    /// Merges of sorted runs by sorts that spilled (sql/spill.rs).
    pub sort_merge_passes: Arc<AtomicU64>,
    com: [AtomicU64; N_COM],
}

impl Default for StatusCounters {
    fn default() -> Self {
        Self::new()
    }
}

impl StatusCounters {
    /// Zeroed counters; uptime counts from now.
    pub fn new() -> StatusCounters {
        StatusCounters {
            started: Instant::now(),
            connections: AtomicU64::new(0),
            aborted_clients: AtomicU64::new(0),
            aborted_connects: AtomicU64::new(0),
            threads_connected: AtomicU64::new(0),
            threads_running: AtomicU64::new(0),
            threads_created: AtomicU64::new(0),
            max_used_connections: AtomicU64::new(0),
            questions: AtomicU64::new(0),
            slow_queries: AtomicU64::new(0),
            opened_tables: AtomicU64::new(0),
            open_tables: AtomicU64::new(0),
            bytes_received: AtomicU64::new(0),
            bytes_sent: AtomicU64::new(0),
            sort_merge_passes: Arc::new(AtomicU64::new(0)),
            com: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    /// Seconds since the server started.
    pub fn uptime(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// A client connected (Connections, Threads_connected, Threads_created,
    /// Max_used_connections).
    pub fn connected(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
        self.threads_created.fetch_add(1, Ordering::Relaxed);
        let now = self.threads_connected.fetch_add(1, Ordering::Relaxed) + 1;
        self.max_used_connections.fetch_max(now, Ordering::Relaxed);
    }

    /// A client went away.
    pub fn disconnected(&self) {
        let _ = self
            .threads_connected
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }

    /// One client statement (COM_QUERY / COM_STMT_EXECUTE): Questions, plus `Com_*` when
    /// the kind is known.
    pub fn statement(&self, s: &mut SessionCounters, kind: Option<Com>) {
        self.questions.fetch_add(1, Ordering::Relaxed);
        s.questions += 1;
        if let Some(c) = kind {
            let i = com_index(c);
            self.com[i].fetch_add(1, Ordering::Relaxed);
            s.com[i] += 1;
        }
    }

    /// Bytes read from / written to a client socket.
    pub fn bytes(&self, s: &mut SessionCounters, received: u64, sent: u64) {
        self.bytes_received.fetch_add(received, Ordering::Relaxed);
        self.bytes_sent.fetch_add(sent, Ordering::Relaxed);
        s.bytes_received += received;
        s.bytes_sent += sent;
    }

    /// Server-wide count for `c`.
    pub fn com(&self, c: Com) -> u64 {
        self.com[com_index(c)].load(Ordering::Relaxed)
    }

    /// `SHOW [GLOBAL|SESSION] STATUS [LIKE p]`, sorted by name (case-insensitive).
    /// SESSION shows the session's own Questions/Queries/Bytes/Com_* and global values for
    /// the rest, as MySQL does. `extra` rows (`Borealis_*` from the engine,
    /// `Binlog_snapshot_*` from the binlog) are merged in.
    pub fn show_status(
        &self,
        like: Option<&str>,
        global: bool,
        session: &SessionCounters,
        extra: &[(String, String)],
    ) -> Vec<(String, String)> {
        let ld = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let pick = |g: u64, s: u64| if global { g } else { s };
        let questions = pick(ld(&self.questions), session.questions);
        let up = self.uptime();
        let mut rows: Vec<(String, String)> = vec![
            (
                "Aborted_clients".into(),
                ld(&self.aborted_clients).to_string(),
            ),
            (
                "Aborted_connects".into(),
                ld(&self.aborted_connects).to_string(),
            ),
            (
                "Bytes_received".into(),
                pick(ld(&self.bytes_received), session.bytes_received).to_string(),
            ),
            (
                "Bytes_sent".into(),
                pick(ld(&self.bytes_sent), session.bytes_sent).to_string(),
            ),
            ("Connections".into(), ld(&self.connections).to_string()),
            (
                "Max_used_connections".into(),
                ld(&self.max_used_connections).to_string(),
            ),
            ("Open_tables".into(), ld(&self.open_tables).to_string()),
            ("Opened_tables".into(), ld(&self.opened_tables).to_string()),
            ("Queries".into(), questions.to_string()),
            ("Questions".into(), questions.to_string()),
            (
                "Slow_queries".into(),
                pick(ld(&self.slow_queries), session.slow_queries).to_string(),
            ),
            (
                "Sort_merge_passes".into(),
                pick(ld(&self.sort_merge_passes), ld(&session.sort_merge_passes)).to_string(),
            ),
            (
                "Threads_connected".into(),
                ld(&self.threads_connected).to_string(),
            ),
            (
                "Threads_created".into(),
                ld(&self.threads_created).to_string(),
            ),
            (
                "Threads_running".into(),
                ld(&self.threads_running).to_string(),
            ),
            ("Uptime".into(), up.to_string()),
            ("Uptime_since_flush_status".into(), up.to_string()),
        ];
        for (i, (_, name)) in COMS.iter().enumerate() {
            let v = pick(self.com[i].load(Ordering::Relaxed), session.com[i]);
            rows.push(((*name).to_string(), v.to_string()));
        }
        rows.extend(extra.iter().cloned());
        rows.retain(|(n, _)| like.is_none_or(|p| like_match(p, n)));
        rows.sort_by_key(|(n, _)| n.to_ascii_lowercase());
        rows
    }

    /// The COM_STATISTICS reply, formatted as MySQL 8.0's `dispatch_command` does
    /// (`Queries per second avg` = Questions / Uptime with 3 decimals, truncated; MariaDB
    /// leaves out `Flush tables`).
    pub fn statistics_line(&self) -> String {
        let up = self.uptime();
        let q = self.questions.load(Ordering::Relaxed);
        let qps1000 = if up == 0 {
            0
        } else {
            u128::from(q) * 1000 / u128::from(up)
        };
        format!(
            "Uptime: {up}  Threads: {}  Questions: {q}  Slow queries: {}  Opens: {}  \
             Flush tables: 1  Open tables: {}  Queries per second avg: {}.{:03}",
            self.threads_connected.load(Ordering::Relaxed),
            self.slow_queries.load(Ordering::Relaxed),
            self.opened_tables.load(Ordering::Relaxed),
            self.open_tables.load(Ordering::Relaxed),
            qps1000 / 1000,
            qps1000 % 1000
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (GlobalVars, SessionVars) {
        let g = GlobalVars::new(ServerInfo::default());
        let s = SessionVars::new(&g, 7);
        (g, s)
    }

    fn sel(s: &SessionVars, g: &GlobalVars, name: &str) -> Option<String> {
        s.get(name, Scope::Default, g).unwrap().select_text()
    }

    fn st(x: &str) -> SetValue {
        SetValue::Str(x.to_string())
    }

    #[test]
    fn table_is_consistent() {
        let mut seen = std::collections::HashSet::new();
        for d in VARS {
            assert!(seen.insert(d.name), "duplicate {}", d.name);
            assert_eq!(d.name, d.name.to_ascii_lowercase());
            if let Some(t) = d.alias_of {
                assert!(lookup(t).is_some(), "alias target {t}");
            }
            if let Dflt::Lit(text) = d.default {
                if d.kind != VarKind::Timestamp {
                    parse_value(d, d.name, &text_value(d, text), &VarValue::Null)
                        .unwrap_or_else(|e| panic!("{}: {e}", d.name));
                }
            }
        }
        let info = ServerInfo::default();
        for d in VARS {
            if let Dflt::Info(f) = d.default {
                parse_value(d, d.name, &text_value(d, &f(&info)), &VarValue::Null)
                    .unwrap_or_else(|e| panic!("{}: {e}", d.name));
            }
        }
    }

    /// Every variable the reference clients read or set (general logs, wire captures,
    /// dumps, baseline/server-variables.txt, mysqlbinlog output) resolves.
    #[test]
    fn reference_client_variables_resolve() {
        let (g, s) = setup();
        let read = [
            "collation_database",
            "sql_mode",
            "max_statement_time",
            "binlog_checksum",
            "character_set_client",
            "version_comment",
            "unique_checks",
            "time_zone",
            "sql_notes",
            "gtid_domain_id",
            "gtid_binlog_pos",
            "foreign_key_checks",
            "collation_connection",
            "character_set_server",
            "character_set_results",
            "character_set_database",
            "character_set_connection",
            "server_id",
            "binlog_row_metadata",
            "binlog_format",
            "general_log",
            "innodb_flush_log_at_trx_commit",
            "log_bin",
            "max_allowed_packet",
            "max_connections",
            "sync_binlog",
            "thread_handling",
            "version",
            "autocommit",
            "wait_timeout",
            "sql_quote_show_create",
            "optimizer_switch",
            "gtid_current_pos",
            "gtid_binlog_state",
            "gtid_slave_pos",
            "tx_isolation",
            "transaction_isolation",
            "interactive_timeout",
            "net_write_timeout",
            "license",
            "lower_case_table_names",
            "init_connect",
            "performance_schema",
            "system_time_zone",
            "collation_server",
            "auto_increment_increment",
            "sql_auto_is_null",
            "pseudo_thread_id",
            "lc_time_names",
            "explicit_defaults_for_timestamp",
            "auto_increment_offset",
            "pseudo_slave_mode",
            "max_delayed_threads",
            "check_constraint_checks",
            "sql_if_exists",
            "system_versioning_insert_history",
            "gtid_next",
            "default_storage_engine",
            "transaction_read_only",
            "tx_read_only",
            "gtid_mode",
            "server_uuid",
            "hostname",
            "port",
            "datadir",
            "warning_count",
            "error_count",
            "last_insert_id",
            "identity",
            "timestamp",
            "have_ssl",
            "query_cache_type",
            "query_cache_size",
            "storage_engine",
        ];
        for name in read {
            let upper = name.to_ascii_uppercase();
            s.get(&upper, Scope::Default, &g)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(s.show_variables(Some(name), false, &g).len(), 1, "{name}");
        }
    }

    #[test]
    fn select_and_show_renderings() {
        let (g, s) = setup();
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("autocommit", Some("1"), "ON"),
            ("sql_notes", Some("1"), "ON"),
            ("sql_auto_is_null", Some("0"), "OFF"),
            ("log_bin", Some("0"), "OFF"),
            ("version_comment", Some("Borealis"), "Borealis"),
            ("long_query_time", Some("10.000000"), "10.000000"),
            ("max_statement_time", Some("0.000000"), "0.000000"),
            ("max_allowed_packet", Some("67108864"), "67108864"),
            (
                "sql_select_limit",
                Some("18446744073709551615"),
                "18446744073709551615",
            ),
            ("tx_isolation", Some("REPEATABLE-READ"), "REPEATABLE-READ"),
            ("time_zone", Some("+00:00"), "+00:00"),
            ("system_time_zone", Some("UTC"), "UTC"),
            ("sql_mode", Some(DEFAULT_SQL_MODE), DEFAULT_SQL_MODE),
            ("have_ssl", Some("DISABLED"), "DISABLED"),
            ("report_host", None, ""),
            ("binlog_checksum", Some("CRC32"), "CRC32"),
            ("binlog_format", Some("ROW"), "ROW"),
            ("max_binlog_size", Some("134217728"), "134217728"),
            ("server_id", Some("1"), "1"),
            ("port", Some("3306"), "3306"),
            ("innodb_version", Some("8.0.36"), "8.0.36"),
            ("pseudo_thread_id", Some("7"), "7"),
            (
                "collation_connection",
                Some("utf8mb4_general_ci"),
                "utf8mb4_general_ci",
            ),
        ];
        for (name, select, show) in cases {
            assert_eq!(sel(&s, &g, name).as_deref(), *select, "{name}");
            let rows = s.show_variables(Some(name), false, &g);
            assert_eq!(rows, vec![(name.to_string(), show.to_string())], "{name}");
        }
        assert_eq!(
            s.get("autocommit", Scope::Default, &g).unwrap().to_value(),
            Value::Int(1)
        );
        // timestamp reads the clock until set.
        let t = s.get("timestamp", Scope::Default, &g).unwrap();
        assert!(matches!(t, VarValue::Double(x) if x > 1.6e9));
    }

    #[test]
    fn error_cases() {
        let (g, mut s) = setup();
        let cases: Vec<(&str, Scope, SetValue, u16, &str)> = vec![
            ("nosuch", Scope::Default, SetValue::Int(1), 1193, "Unknown system variable 'nosuch'"),
            ("version", Scope::Default, st("x"), 1238, "Variable 'version' is a read only variable"),
            ("VERSION", Scope::Global, st("x"), 1238, "Variable 'version' is a read only variable"),
            ("warning_count", Scope::Global, SetValue::Int(1), 1238, "Variable 'warning_count' is a read only variable"),
            ("max_connections", Scope::Session, SetValue::Int(1), 1229, "Variable 'max_connections' is a GLOBAL variable and should be set with SET GLOBAL"),
            ("max_connections", Scope::Default, SetValue::Int(1), 1229, "Variable 'max_connections' is a GLOBAL variable and should be set with SET GLOBAL"),
            ("last_insert_id", Scope::Global, SetValue::Int(1), 1228, "Variable 'last_insert_id' is a SESSION variable and can't be used with SET GLOBAL"),
            ("autocommit", Scope::Default, st("foo"), 1231, "Variable 'autocommit' can't be set to the value of 'foo'"),
            ("autocommit", Scope::Default, SetValue::Int(2), 1231, "Variable 'autocommit' can't be set to the value of '2'"),
            ("autocommit", Scope::Default, SetValue::Null, 1231, "Variable 'autocommit' can't be set to the value of 'NULL'"),
            ("autocommit", Scope::Default, SetValue::Double(1.5), 1232, "Incorrect argument type to variable 'autocommit'"),
            ("wait_timeout", Scope::Default, st("abc"), 1232, "Incorrect argument type to variable 'wait_timeout'"),
            ("wait_timeout", Scope::Default, SetValue::Double(1.5), 1232, "Incorrect argument type to variable 'wait_timeout'"),
            ("wait_timeout", Scope::Default, SetValue::Null, 1232, "Incorrect argument type to variable 'wait_timeout'"),
            ("sql_mode", Scope::Default, st("foo"), 1231, "Variable 'sql_mode' can't be set to the value of 'foo'"),
            ("sql_mode", Scope::Default, st("TRADITIONAL,foo"), 1231, "Variable 'sql_mode' can't be set to the value of 'foo'"),
            ("sql_mode", Scope::Default, SetValue::Null, 1231, "Variable 'sql_mode' can't be set to the value of 'NULL'"),
            ("sql_mode", Scope::Default, SetValue::Int(256), 1231, "Variable 'sql_mode' can't be set to the value of '256'"),
            ("time_zone", Scope::Default, st("Mars/X"), 1298, "Unknown or incorrect time zone: 'Mars/X'"),
            ("time_zone", Scope::Default, st("+14:01"), 1298, "Unknown or incorrect time zone: '+14:01'"),
            ("time_zone", Scope::Default, st("-14:00"), 1298, "Unknown or incorrect time zone: '-14:00'"),
            ("character_set_client", Scope::Default, st("foo"), 1115, "Unknown character set: 'foo'"),
            ("character_set_client", Scope::Default, SetValue::Null, 1231, "Variable 'character_set_client' can't be set to the value of 'NULL'"),
            ("collation_connection", Scope::Default, st("foo"), 1273, "Unknown collation: 'foo'"),
            ("binlog_format", Scope::Default, st("x"), 1231, "Variable 'binlog_format' can't be set to the value of 'x'"),
            ("max_allowed_packet", Scope::Session, SetValue::Int(1), 1621, "SESSION variable 'max_allowed_packet' is read-only. Use SET GLOBAL to assign the value"),
            ("default_storage_engine", Scope::Default, st("foo"), 1286, "Unknown storage engine 'foo'"),
            ("default_storage_engine", Scope::Default, st("MyISAM"), 1286, "Unknown storage engine 'MyISAM'"),
            ("optimizer_switch", Scope::Default, st("semijoin=off,foo=on"), 1231, "Variable 'optimizer_switch' can't be set to the value of 'foo=on'"),
            ("optimizer_switch", Scope::Default, st("semijoin=maybe"), 1231, "Variable 'optimizer_switch' can't be set to the value of 'semijoin=maybe'"),
            ("timestamp", Scope::Default, st("x"), 1232, "Incorrect argument type to variable 'timestamp'"),
            ("tx_isolation", Scope::Default, SetValue::Int(5), 1231, "Variable 'tx_isolation' can't be set to the value of '5'"),
            ("event_scheduler", Scope::Global, st("ON"), 1231, "Variable 'event_scheduler' can't be set to the value of 'ON'"),
            ("gtid_next", Scope::Default, st("3E11FA47-71CA-11E1-9E33-C80AA9429562:23"), 1231, "Variable 'gtid_next' can't be set to the value of '3E11FA47-71CA-11E1-9E33-C80AA9429562:23'"),
            ("gtid_mode", Scope::Global, st("ON"), 1238, "Variable 'gtid_mode' is a read only variable"),
            ("server_id", Scope::Global, SetValue::Int(2), 1238, "Variable 'server_id' is a read only variable"),
        ];
        for (name, scope, v, code, msg) in cases {
            let e = s.set(name, scope, v.clone(), &g).expect_err(name);
            assert_eq!(
                (e.code(), e.message().as_str()),
                (code, msg),
                "{name} = {v:?}"
            );
        }
        let reads = [
            (
                "max_connections",
                Scope::Session,
                1238,
                "Variable 'max_connections' is a GLOBAL variable",
            ),
            (
                "last_insert_id",
                Scope::Global,
                1238,
                "Variable 'last_insert_id' is a SESSION variable",
            ),
            (
                "NoSuch",
                Scope::Default,
                1193,
                "Unknown system variable 'NoSuch'",
            ),
        ];
        for (name, scope, code, msg) in reads {
            let e = s.get(name, scope, &g).expect_err(name);
            assert_eq!((e.code(), e.message().as_str()), (code, msg));
        }
        assert_eq!(VarError::wrong_type("x").sqlstate(), "42000");
        assert_eq!(VarError::Unknown { name: "x".into() }.sqlstate(), "HY000");
    }

    #[test]
    fn successful_sets() {
        let (g, mut s) = setup();
        // What mysqldump, the mysql CLI, restores, replicas and drivers send.
        let ok: Vec<(&str, Scope, SetValue, &str)> = vec![
            ("SQL_MODE", Scope::Default, st(""), ""),
            ("sql_mode", Scope::Default, st("no_auto_value_on_zero"), "NO_AUTO_VALUE_ON_ZERO"),
            ("sql_mode", Scope::Default, st("STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION"), "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"),
            ("sql_mode", Scope::Default, SetValue::UInt(1_411_383_296), "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"),
            ("sql_mode", Scope::Default, SetValue::Int(1_168_113_696), DEFAULT_SQL_MODE),
            ("TIME_ZONE", Scope::Default, st("+00:00"), "+00:00"),
            ("time_zone", Scope::Default, st("+5:3"), "+05:03"),
            ("time_zone", Scope::Default, st("-13:59"), "-13:59"),
            ("time_zone", Scope::Default, st("utc"), "UTC"),
            ("time_zone", Scope::Default, st("system"), "SYSTEM"),
            ("max_statement_time", Scope::Default, SetValue::Double(0.0), "0.000000"),
            ("wait_timeout", Scope::Default, SetValue::Default, "28800"),
            ("optimizer_switch", Scope::Default, st("default"), ""),
            ("sql_quote_show_create", Scope::Default, SetValue::Int(1), "1"),
            ("character_set_results", Scope::Session, st("binary"), "binary"),
            ("character_set_results", Scope::Session, st("UTF8"), "utf8mb3"),
            ("character_set_results", Scope::Session, SetValue::Null, ""),
            ("character_set_results", Scope::Session, SetValue::Int(33), "utf8mb3"),
            ("character_set_client", Scope::Default, st("utf8mb4"), "utf8mb4"),
            ("collation_connection", Scope::Default, SetValue::Int(255), "utf8mb4_0900_ai_ci"),
            ("unique_checks", Scope::Default, SetValue::Int(0), "0"),
            ("foreign_key_checks", Scope::Default, st("OFF"), "0"),
            ("autocommit", Scope::Default, st("true"), "1"),
            ("autocommit", Scope::Default, SetValue::Bool(false), "0"),
            ("sql_notes", Scope::Default, SetValue::Int(0), "0"),
            ("transaction_isolation", Scope::Session, st("read-committed"), "READ-COMMITTED"),
            ("lc_time_names", Scope::Session, SetValue::Int(0), "en_US"),
            ("binlog_format", Scope::Session, SetValue::Int(1), "STATEMENT"),
            ("default_storage_engine", Scope::Default, st("innodb"), "InnoDB"),
            ("pseudo_slave_mode", Scope::Default, SetValue::Int(1), "1"),
            ("check_constraint_checks", Scope::Default, SetValue::Int(1), "1"),
            ("gtid_next", Scope::Default, st("ANONYMOUS"), "ANONYMOUS"),
            ("gtid_domain_id", Scope::Default, SetValue::Int(0), "0"),
            ("pseudo_thread_id", Scope::Default, SetValue::Int(113), "113"),
            ("pseudo_thread_id", Scope::Default, SetValue::Default, "7"),
            ("insert_id", Scope::Default, SetValue::Int(5), "5"),
            ("timestamp", Scope::Default, SetValue::Double(1_700_000_000.25), "1700000000.250000"),
            ("max_connections", Scope::Global, SetValue::Int(500), "500"),
            ("read_only", Scope::Global, SetValue::Int(1), "1"),
            ("binlog_row_metadata", Scope::Global, st("full"), "FULL"),
        ];
        for (name, scope, v, want) in ok {
            let w = s
                .set(name, scope, v.clone(), &g)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(w.is_none(), "{name}");
            let got = s.get(name, scope, &g).unwrap();
            if name != "optimizer_switch" {
                assert_eq!(
                    got.select_text().unwrap_or_default(),
                    want,
                    "{name} = {v:?}"
                );
            }
        }
        assert_eq!(s.sql_mode(), SqlMode::parse(DEFAULT_SQL_MODE).unwrap());
        assert_eq!(s.timestamp_override(), Some(1_700_000_000.25));
        s.set("timestamp", Scope::Default, SetValue::Int(0), &g)
            .unwrap();
        assert_eq!(s.timestamp_override(), None);
        assert_eq!(s.take_insert_id(), Some(5));
        assert_eq!(s.take_insert_id(), None);
        // Clamping gives warning 1292.
        let w = s
            .set("wait_timeout", Scope::Default, SetValue::Int(0), &g)
            .unwrap()
            .unwrap();
        assert_eq!(
            (w.code, w.message.as_str()),
            (1292, "Truncated incorrect wait_timeout value: '0'")
        );
        assert_eq!(sel(&s, &g, "wait_timeout").as_deref(), Some("1"));
        let w = s
            .set("sql_select_limit", Scope::Default, SetValue::Int(-1), &g)
            .unwrap();
        assert!(w.is_some());
        assert_eq!(s.sql_select_limit(), Some(0));
        // Aliases share storage.
        assert_eq!(
            sel(&s, &g, "tx_isolation").as_deref(),
            Some("READ-COMMITTED")
        );
        assert_eq!(s.transaction_isolation(), IsolationLevel::ReadCommitted);
        // collation_connection moved character_set_connection with it.
        assert_eq!(
            sel(&s, &g, "character_set_connection").as_deref(),
            Some("utf8mb4")
        );
        s.set("character_set_connection", Scope::Default, st("latin1"), &g)
            .unwrap();
        assert_eq!(
            sel(&s, &g, "collation_connection").as_deref(),
            Some("latin1_swedish_ci")
        );
    }

    #[test]
    fn sql_mode_normalisation() {
        let cases = [
            ("", ""),
            ("ansi_quotes,no_zero_date,,", "ANSI_QUOTES,NO_ZERO_DATE"),
            ("no_zero_date , ANSI_QUOTES", "ANSI_QUOTES,NO_ZERO_DATE"),
            ("ANSI", "REAL_AS_FLOAT,PIPES_AS_CONCAT,ANSI_QUOTES,IGNORE_SPACE,ONLY_FULL_GROUP_BY,ANSI"),
            ("traditional", "STRICT_TRANS_TABLES,STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,TRADITIONAL,NO_ENGINE_SUBSTITUTION"),
            (DEFAULT_SQL_MODE, DEFAULT_SQL_MODE),
        ];
        for (input, want) in cases {
            assert_eq!(SqlMode::parse(input).unwrap().to_string(), want, "{input}");
        }
        let m = SqlMode::parse("PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES").unwrap();
        assert!(m.pipes_as_concat() && m.no_backslash_escapes() && !m.strict());
        assert_eq!(SqlMode::parse(DEFAULT_SQL_MODE).unwrap().0, 1_168_113_696);
        assert_eq!(SqlMode::from_bits(1 << 9), None);
    }

    #[test]
    fn set_names_and_character_set() {
        let (g, mut s) = setup();
        s.set_names("utf8", None).unwrap();
        for v in [
            "character_set_client",
            "character_set_connection",
            "character_set_results",
        ] {
            assert_eq!(sel(&s, &g, v).as_deref(), Some("utf8mb3"), "{v}");
        }
        assert_eq!(
            sel(&s, &g, "collation_connection").as_deref(),
            Some("utf8mb3_general_ci")
        );
        s.set_names("utf8mb4", Some("utf8mb4_bin")).unwrap();
        assert_eq!(s.collation_connection(), Collation::Utf8mb4Bin);
        assert_eq!(s.charset_client(), Collation::Utf8mb4GeneralCi);
        let e = s.set_names("utf8", Some("latin1_bin")).unwrap_err();
        assert_eq!(
            (e.code(), e.message().as_str()),
            (
                1253,
                "COLLATION 'latin1_bin' is not valid for CHARACTER SET 'utf8mb3'"
            )
        );
        assert_eq!(s.set_names("foo", None).unwrap_err().code(), 1115);
        assert_eq!(
            s.set_names("utf8mb4", Some("nope")).unwrap_err().code(),
            1273
        );
        s.set("character_set_results", Scope::Session, SetValue::Null, &g)
            .unwrap();
        assert_eq!(s.charset_results(), None);
        s.set_database_collation(Collation::Latin1Bin);
        s.set_character_set("latin1").unwrap();
        assert_eq!(
            sel(&s, &g, "character_set_connection").as_deref(),
            Some("latin1")
        );
        assert_eq!(
            sel(&s, &g, "collation_database").as_deref(),
            Some("latin1_bin")
        );
    }

    #[test]
    fn reset_and_global_scope() {
        let (g, mut s) = setup();
        s.set("sql_mode", Scope::Default, st("ANSI_QUOTES"), &g)
            .unwrap();
        s.set("autocommit", Scope::Default, SetValue::Int(0), &g)
            .unwrap();
        s.set_last_insert_id(42);
        g.set("wait_timeout", SetValue::Int(100)).unwrap();
        // Session keeps its own value; the global changed.
        assert_eq!(sel(&s, &g, "wait_timeout").as_deref(), Some("28800"));
        assert_eq!(
            s.get("wait_timeout", Scope::Global, &g)
                .unwrap()
                .select_text()
                .as_deref(),
            Some("100")
        );
        s.reset(&g);
        assert!(s.autocommit());
        assert_eq!(s.last_insert_id(), 0);
        assert!(s.sql_mode().strict_trans_tables());
        assert_eq!(sel(&s, &g, "wait_timeout").as_deref(), Some("100"));
        assert_eq!(sel(&s, &g, "pseudo_thread_id").as_deref(), Some("7"));
        // SET GLOBAL x = DEFAULT goes back to the compiled default.
        g.set("wait_timeout", SetValue::Default).unwrap();
        assert_eq!(g.get("wait_timeout").unwrap(), VarValue::UInt(28800));
        // Startup configuration and internal updates.
        let mut g2 = GlobalVars::new(ServerInfo::default());
        g2.set_startup("server_id", "5").unwrap();
        assert_eq!(g2.get("server_id").unwrap(), VarValue::UInt(5));
        assert_eq!(g2.set_startup("version", "x").unwrap_err().code(), 1238);
        assert!(g2.set_internal("gtid_binlog_pos", VarValue::Str("0-1-5".into())));
        assert_eq!(g2.get("gtid_binlog_pos").unwrap().show_text(), "0-1-5");
        assert!(!g2.set_internal("nosuch", VarValue::Null));
    }

    #[test]
    fn show_variables_filters_and_sorts() {
        let (g, s) = setup();
        let rows = s.show_variables(Some("character\\_set\\_%"), false, &g);
        let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "character_set_client",
                "character_set_connection",
                "character_set_database",
                "character_set_filesystem",
                "character_set_results",
                "character_set_server",
                "character_set_system",
            ]
        );
        assert_eq!(s.show_variables(Some("BINLOG_CHECKSUM"), true, &g).len(), 1);
        assert!(s
            .show_variables(Some("last_insert_id"), true, &g)
            .is_empty());
        let all = s.show_variables(None, false, &g);
        assert_eq!(all.len(), VARS.len());
        assert!(all.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn like_matching() {
        let cases = [
            ("SERVER_ID", "server_id", true),
            ("server\\_id", "server_id", true),
            ("server\\_id", "serverxid", false),
            ("server_id", "serverxid", true),
            ("binlog_snapshot_%", "Binlog_snapshot_file", true),
            ("%", "", true),
            ("", "", true),
            ("a%", "", false),
            ("%time%", "wait_timeout", true),
            ("%o%o%", "foo", true),
            ("%x", "foo", false),
            ("_", "ab", false),
            ("a\\%", "a%", true),
            ("a\\%", "ab", false),
            ("ver%ion", "version", true),
        ];
        for (p, t, want) in cases {
            assert_eq!(like_match(p, t), want, "{p} ~ {t}");
        }
    }

    #[test]
    fn time_zone_parsing() {
        assert_eq!(TimeZone::parse("+05:30").unwrap().offset_at(0), 19800);
        assert_eq!(TimeZone::parse("-00:30").unwrap().offset_at(0), -1800);
        assert_eq!(TimeZone::parse("+14:00").unwrap().to_string(), "+14:00");
        for bad in [
            "",
            "+",
            "5:00",
            "+05",
            "+05:60",
            "+005:00",
            "+05:3x",
            "Mars/Olympus",
            "Europe/../UTC",
        ] {
            assert_eq!(TimeZone::parse(bad), None, "{bad}");
        }
        // Named zones: per-instant offsets, case-insensitive names shown canonically.
        let berlin = TimeZone::parse("europe/berlin").unwrap();
        assert_eq!(berlin.to_string(), "Europe/Berlin");
        assert_eq!(berlin.offset_at(1_704_067_200), 3600); // 2024-01-01 00:00 UTC
        assert_eq!(berlin.offset_at(1_719_792_000), 7200); // 2024-07-01 00:00 UTC
        let local = |s: &str| {
            crate::value::temporal::parse_datetime(s.as_bytes())
                .unwrap()
                .0
        };
        // 02:30 on 2024-03-31 does not exist in Berlin: the instant of the change, 01:00 UTC.
        assert_eq!(
            berlin.to_utc(&local("2024-03-31 02:30:00")),
            local("2024-03-31 01:00:00").to_unix_micros()
        );
        // 02:30 on 2024-10-27 occurs twice: the first, 00:30 UTC.
        assert_eq!(
            berlin.to_utc(&local("2024-10-27 02:30:00")),
            local("2024-10-27 00:30:00").to_unix_micros()
        );
        assert_eq!(
            berlin.to_local(local("2024-07-01 12:00:00").to_unix_micros()),
            Some(local("2024-07-01 14:00:00"))
        );
        let (g, mut s) = setup();
        assert_eq!(s.time_zone(), TimeZone::Offset(0));
        s.set("time_zone", Scope::Default, st("-08:00"), &g)
            .unwrap();
        assert_eq!(s.time_zone(), TimeZone::Offset(-28800));
    }

    #[test]
    fn status_counters() {
        let c = StatusCounters::new();
        let mut s1 = SessionCounters::default();
        let mut s2 = SessionCounters::default();
        c.connected();
        c.connected();
        c.disconnected();
        c.statement(&mut s1, Some(Com::Select));
        c.statement(&mut s1, Some(Com::Select));
        c.statement(&mut s2, Some(Com::Insert));
        c.statement(&mut s2, None);
        c.bytes(&mut s1, 10, 20);
        let extra = vec![("Borealis_page_cache_hits".to_string(), "9".to_string())];
        let g = c.show_status(None, true, &s1, &extra);
        let get = |rows: &[(String, String)], n: &str| {
            rows.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone())
        };
        assert_eq!(get(&g, "Questions").as_deref(), Some("4"));
        assert_eq!(get(&g, "Com_select").as_deref(), Some("2"));
        assert_eq!(get(&g, "Threads_connected").as_deref(), Some("1"));
        assert_eq!(get(&g, "Max_used_connections").as_deref(), Some("2"));
        assert_eq!(get(&g, "Borealis_page_cache_hits").as_deref(), Some("9"));
        assert!(g
            .windows(2)
            .all(|w| w[0].0.to_lowercase() < w[1].0.to_lowercase()));
        let sess = c.show_status(None, false, &s2, &extra);
        assert_eq!(get(&sess, "Questions").as_deref(), Some("2"));
        assert_eq!(get(&sess, "Com_select").as_deref(), Some("0"));
        assert_eq!(get(&sess, "Com_insert").as_deref(), Some("1"));
        assert_eq!(get(&sess, "Connections").as_deref(), Some("2"));
        let l = c.show_status(Some("com\\_sel%"), true, &s1, &[]);
        assert_eq!(l, vec![("Com_select".to_string(), "2".to_string())]);
        let b = vec![(
            "Binlog_snapshot_file".to_string(),
            "mysql-bin.000001".to_string(),
        )];
        assert_eq!(
            c.show_status(Some("binlog_snapshot_%"), false, &s1, &b)
                .len(),
            1
        );
    }

    #[test]
    fn statistics_line_format() {
        let c = StatusCounters::new();
        c.connected();
        let line = c.statistics_line();
        assert_eq!(
            line,
            "Uptime: 0  Threads: 1  Questions: 0  Slow queries: 0  Opens: 0  Flush tables: 1  \
             Open tables: 0  Queries per second avg: 0.000"
        );
    }

    #[test]
    fn set_value_from_engine_value() {
        assert_eq!(SetValue::from(&Value::Int(3)), SetValue::Int(3));
        assert_eq!(
            SetValue::from(&Value::Bytes(b"ON".to_vec())),
            SetValue::Str("ON".into())
        );
        assert_eq!(SetValue::from(&Value::Null), SetValue::Null);
    }
}
