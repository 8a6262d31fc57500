//! Parser front-end: text in, one parsed statement out, or MySQL's error 1064/1065.
//!
//! Life of a statement through this module:
//!
//! 1. [`strip_comments`] blanks every comment out of the raw text, keeping byte offsets and
//!    line breaks, so an error position in the cleaned text is the same position in the
//!    original. String literals (`'…'`, `"…"`, `` `…` ``, with `\` escapes and doubled quotes)
//!    are copied untouched. Executable comments follow MySQL 8.0.36:
//!    * `/*!NNNNN body */`: the body is kept when `NNNNN <= 80036`, else the whole comment is
//!      dropped; `/*! body */` (no version) is always kept;
//!    * `/*M!NNNNNN body */` is MariaDB-only. MySQL 8.0 treats it as an ordinary comment and
//!      so do we: Borealis speaks as MySQL 8.0, and the statements MariaDB dumps hide there
//!      (`SET @@MAX_STATEMENT_TIME=…`, `SET WAIT_TIMEOUT=DEFAULT`, and the sandbox marker
//!      `/*M!999999\- enable the sandbox mode */`, which a 10.11 server also skips because
//!      999999 is above its own version) are MariaDB session settings we do not have;
//!    * `/*+ hints */` and plain `/* … */`, `-- …` and `# …` comments are dropped.
//! 2. The cleaned text is tokenized once with sqlparser's MySQL tokenizer.
//! 3. If nothing but comments was sent the result is [`OwnStatement::Empty`] (MySQL answers
//!    OK, `SQLCOM_EMPTY_QUERY`); truly empty text is error 1065 "Query was empty".
//! 4. Dispatch on the leading keyword tokens (never on raw string prefixes): the statements
//!    sqlparser 0.63 rejects or misreads go to the small parser in this file
//!    ([`OwnStatement`]), which reuses sqlparser's `Parser` for names and expressions.
//! 5. Everything else goes to sqlparser, after token rewrites for MySQL/MariaDB syntax
//!    it lacks (`LOCK IN SHARE MODE` → `FOR SHARE`; `FROM DUAL` dropped; `ZEROFILL`,
//!    `PAGE_CHECKSUM=n` and `TRANSACTIONAL=n` dropped from CREATE/ALTER TABLE; a character
//!    column's BINARY attribute → `COLLATE` [`super::ddl::BINARY_ATTR`]; `TABLE t` as a
//!    query → `SELECT * FROM t`; `UPDATE t1, t2 SET` → `UPDATE t1 CROSS JOIN t2 SET`). A
//!    SELECT that fails only because of MariaDB's `[FOR SYSTEM_TIME] AS OF [TIMESTAMP]
//!    expr` is returned as [`OwnStatement::AsOf`].
//! 6. One trailing `;` is tolerated; anything after it is error 1064 (no multi-statements).
//!    Errors carry MySQL's text: `… near '<rest of the original text, 80 chars>' at line N`.

use std::fmt;

use sqlparser::ast::{Expr, Ident, ObjectName, ObjectNamePart, Statement};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

/// The MySQL version we claim, as used by `/*!NNNNN … */` (8.0.36).
pub const SERVER_VERSION_ID: u32 = 80036;
/// ER_PARSE_ERROR.
pub const ER_PARSE_ERROR: u16 = 1064;
/// ER_EMPTY_QUERY.
pub const ER_EMPTY_QUERY: u16 = 1065;

/// How many characters of the remaining text MySQL quotes after "near".
const NEAR_CHARS: usize = 80;

/// How deep the parser nests (expressions in parentheses, subqueries, function calls):
/// sqlparser's default of 50 refuses generated WHERE clauses of a few dozen nested
/// AND/OR groups that MySQL parses. Deeper text is 1064. Binding and evaluation recurse
/// once per level as well, which a connection thread's 8 MiB stack holds at this depth
/// (the e2e test `deep_expressions_parse_and_run` runs this depth, not one level less).
pub const PARSE_DEPTH: usize = 400;

/// A parser for MySQL text with Borealis' nesting limit.
pub fn parser() -> Parser<'static> {
    Parser::new(&MySqlDialect {}).with_recursion_limit(PARSE_DEPTH)
}

/// A statement that could not be parsed: MySQL error code (1064 or 1065) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1064 (syntax) or 1065 (empty query).
    pub code: u16,
    /// The message exactly as MySQL words it.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ERROR {}: {}", self.code, self.message)
    }
}

impl std::error::Error for ParseError {}

/// The result of [`parse`].
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// A statement sqlparser understood correctly.
    Sql(Box<Statement>),
    /// A statement taken by our own parser.
    Own(OwnStatement),
}

/// `db.name` or `name`, unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName {
    /// Schema, when given.
    pub db: Option<String>,
    /// Object name.
    pub name: String,
}

/// `'user'@'host'`; host is `%` when omitted. `CURRENT_USER` is user `CURRENT_USER`, host ``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserHost {
    /// User part.
    pub user: String,
    /// Host part.
    pub host: String,
}

/// Scope keyword of a system variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarScope {
    /// SESSION, LOCAL, `@@session.`, `@@local.`, or none.
    Session,
    /// GLOBAL, `@@global.`.
    Global,
    /// PERSIST, `@@persist.`.
    Persist,
    /// PERSIST_ONLY, `@@persist_only.`.
    PersistOnly,
}

/// Left side of one SET assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetTarget {
    /// A system variable (name lower-cased).
    System {
        /// Scope that applies to this assignment.
        scope: VarScope,
        /// Variable name, lower-case (`component.var` kept as one name).
        name: String,
    },
    /// `@name`, user variable (name without `@`, as written).
    User(String),
}

/// Right side of one SET assignment.
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    /// `DEFAULT`.
    Default,
    /// Any expression; a bare word such as `ON`/`OFF` is an `Expr::Identifier`.
    Expr(Expr),
}

/// One `target = value` of SET.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// What is assigned.
    pub target: SetTarget,
    /// The new value.
    pub value: SetValue,
}

/// Isolation levels of SET TRANSACTION (those `transaction_isolation` names).
pub use super::vars::IsolationLevel;

/// CHECKSUM TABLE option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumMode {
    /// No option.
    Default,
    /// QUICK (live checksum; NULL on InnoDB).
    Quick,
    /// EXTENDED.
    Extended,
}

/// Lock kind of one LOCK TABLES item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// READ [LOCAL].
    Read {
        /// LOCAL given (also via `/*!32311 LOCAL */`).
        local: bool,
    },
    /// [LOW_PRIORITY] WRITE.
    Write {
        /// LOW_PRIORITY given (deprecated, no effect in MySQL 8).
        low_priority: bool,
    },
}

/// One LOCK TABLES item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockItem {
    /// Locked table.
    pub table: TableName,
    /// Alias, when given.
    pub alias: Option<String>,
    /// Lock kind.
    pub kind: LockKind,
}

/// Authentication part of CREATE/ALTER USER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSpec {
    /// The account.
    pub user: UserHost,
    /// `IDENTIFIED WITH plugin`.
    pub plugin: Option<String>,
    /// `IDENTIFIED BY 'p'` (cleartext) or `BY PASSWORD 'h'`/`AS 'h'` (hashed).
    pub password: Option<String>,
    /// The password is already hashed (`AS`, `BY PASSWORD`).
    pub hashed: bool,
}

/// `REQUIRE` of CREATE/ALTER USER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Require {
    /// `REQUIRE NONE`.
    None,
    /// `REQUIRE SSL`.
    Ssl,
    /// `X509`, `ISSUER`, `SUBJECT` or `CIPHER` (client certificates): the first word.
    Certificate(String),
}

/// The object of GRANT/REVOKE: `ON [kind] db.table`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantObject {
    /// TABLE (default), FUNCTION or PROCEDURE, upper-case.
    pub kind: String,
    /// Schema; `None` for `*`/`*.*`... see `db_all`.
    pub db: Option<String>,
    /// Table; `None` means `*`.
    pub table: Option<String>,
    /// `*.*` (or `*` with no current-database reference resolved yet: `*` alone sets `db: None,
    /// table: None, db_all: false`).
    pub db_all: bool,
}

/// One privilege of GRANT/REVOKE, e.g. `SELECT (a, b)` or `REPLICATION SLAVE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Privilege {
    /// Upper-case words joined by one space (`ALL` for ALL [PRIVILEGES]); a role name when
    /// the statement has no ON clause.
    pub name: String,
    /// Column list.
    pub columns: Vec<String>,
}

/// GRANT or REVOKE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Privileges (or roles when `object` is `None`).
    pub privileges: Vec<Privilege>,
    /// `ON …`; `None` for role grants.
    pub object: Option<GrantObject>,
    /// Accounts after TO/FROM.
    pub users: Vec<UserHost>,
    /// `WITH GRANT OPTION` (GRANT only).
    pub with_grant_option: bool,
}

/// The characteristics CREATE or ALTER FUNCTION/PROCEDURE gives; `None`: not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutineTraits {
    /// [NOT] DETERMINISTIC
    pub deterministic: Option<bool>,
    /// CONTAINS SQL, NO SQL, READS SQL DATA or MODIFIES SQL DATA.
    pub data_access: Option<&'static str>,
    /// SQL SECURITY: DEFINER or INVOKER.
    pub security: Option<&'static str>,
    /// COMMENT
    pub comment: Option<String>,
}

/// ANALYZE/OPTIMIZE/CHECK/REPAIR TABLE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaintenanceOp {
    /// ANALYZE TABLE
    Analyze,
    /// OPTIMIZE TABLE
    Optimize,
    /// CHECK TABLE
    Check,
    /// REPAIR TABLE
    Repair,
}

/// Stored program kinds of [`OwnStatement::CreateProgram`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgramKind {
    /// PROCEDURE
    Procedure,
    /// FUNCTION
    Function,
    /// TRIGGER
    Trigger,
    /// EVENT
    Event,
}

/// `LIKE 'pattern'` or `WHERE expr` of SHOW.
#[derive(Debug, Clone, PartialEq)]
pub enum ShowFilter {
    /// LIKE pattern.
    Like(String),
    /// WHERE expression over the result columns.
    Where(Expr),
}

/// What SHOW CREATE shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShowCreateKind {
    /// TABLE
    Table,
    /// VIEW
    View,
    /// DATABASE / SCHEMA
    Database {
        /// IF NOT EXISTS
        if_not_exists: bool,
    },
    /// EVENT
    Event,
    /// FUNCTION
    Function,
    /// PROCEDURE
    Procedure,
    /// TRIGGER
    Trigger,
    /// USER (name is `user@host`)
    User,
}

/// Routine kinds of SHOW … STATUS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutineKind {
    /// FUNCTION
    Function,
    /// PROCEDURE
    Procedure,
    /// PACKAGE (MariaDB)
    Package,
    /// PACKAGE BODY (MariaDB)
    PackageBody,
}

/// `LIMIT [offset,] count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Rows skipped.
    pub offset: u64,
    /// Rows returned.
    pub count: u64,
}

/// `CREATE TRIGGER`.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerSpec {
    /// DEFINER, when given.
    pub definer: Option<UserHost>,
    /// OR REPLACE (MariaDB)
    pub or_replace: bool,
    /// IF NOT EXISTS
    pub if_not_exists: bool,
    /// Trigger name.
    pub name: TableName,
    /// BEFORE or AFTER.
    pub timing: String,
    /// INSERT, UPDATE or DELETE.
    pub event: String,
    /// The table.
    pub table: TableName,
    /// FOLLOWS (`true`) or PRECEDES another trigger.
    pub order: Option<(bool, String)>,
    /// The body text (one statement or BEGIN … END).
    pub body: String,
}

/// A parameter of a stored routine.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// IN, OUT or INOUT (functions: IN).
    pub mode: String,
    /// Name.
    pub name: String,
    /// Type as written (e.g. `DECIMAL(10,2)`).
    pub ty: String,
}

/// `CREATE FUNCTION` / `CREATE PROCEDURE`.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutineSpec {
    /// Function or Procedure.
    pub kind: RoutineKind,
    /// DEFINER, when given.
    pub definer: Option<UserHost>,
    /// OR REPLACE (MariaDB)
    pub or_replace: bool,
    /// IF NOT EXISTS
    pub if_not_exists: bool,
    /// Routine name.
    pub name: TableName,
    /// Parameters in order.
    pub params: Vec<ParamSpec>,
    /// RETURNS type as written (functions).
    pub returns: Option<String>,
    /// DETERMINISTIC
    pub deterministic: bool,
    /// CONTAINS SQL, NO SQL, READS SQL DATA or MODIFIES SQL DATA.
    pub data_access: String,
    /// SQL SECURITY: DEFINER or INVOKER.
    pub security: String,
    /// COMMENT
    pub comment: String,
    /// The body text.
    pub body: String,
}

/// `CREATE EVENT`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpec {
    /// DEFINER, when given.
    pub definer: Option<UserHost>,
    /// OR REPLACE (MariaDB)
    pub or_replace: bool,
    /// IF NOT EXISTS
    pub if_not_exists: bool,
    /// Event name.
    pub name: TableName,
    /// `AT ts` (one time).
    pub at: Option<Expr>,
    /// `EVERY n unit` (recurring): the count and the unit (upper-case).
    pub every: Option<(Expr, String)>,
    /// STARTS
    pub starts: Option<Expr>,
    /// ENDS
    pub ends: Option<Expr>,
    /// ON COMPLETION PRESERVE
    pub preserve: bool,
    /// ENABLED, DISABLED or SLAVESIDE_DISABLED.
    pub status: String,
    /// COMMENT
    pub comment: String,
    /// The body text (after DO).
    pub body: String,
}

/// Every SHOW form we answer. sqlparser turns most of these into a bag of identifiers and
/// drops the literals (LIKE patterns, LIMIT, `FOR user`, `IN 'file'`), so all SHOW is ours.
#[derive(Debug, Clone, PartialEq)]
pub enum ShowStatement {
    /// SHOW [GLOBAL|SESSION] VARIABLES
    Variables {
        /// GLOBAL or SESSION (default)
        scope: VarScope,
        /// LIKE/WHERE
        filter: Option<ShowFilter>,
    },
    /// SHOW [GLOBAL|SESSION] STATUS
    Status {
        /// GLOBAL or SESSION (default)
        scope: VarScope,
        /// LIKE/WHERE
        filter: Option<ShowFilter>,
    },
    /// SHOW DATABASES|SCHEMAS
    Databases {
        /// LIKE/WHERE
        filter: Option<ShowFilter>,
    },
    /// SHOW [FULL] TABLES [FROM|IN db]
    Tables {
        /// FULL
        full: bool,
        /// FROM db
        db: Option<String>,
        /// LIKE/WHERE
        filter: Option<ShowFilter>,
    },
    /// SHOW [FULL] COLUMNS|FIELDS FROM t [FROM db]
    Columns {
        /// FULL
        full: bool,
        /// The table (FROM db folded in).
        table: TableName,
        /// LIKE/WHERE
        filter: Option<ShowFilter>,
    },
    /// SHOW INDEX|INDEXES|KEYS FROM t [FROM db] [WHERE]
    Index {
        /// The table.
        table: TableName,
        /// WHERE
        filter: Option<ShowFilter>,
    },
    /// SHOW CREATE …
    Create {
        /// Object kind.
        kind: ShowCreateKind,
        /// Object name (for USER: user in `name`, host in `db`).
        name: TableName,
    },
    /// SHOW TABLE STATUS [FROM db]
    TableStatus {
        /// FROM db
        db: Option<String>,
        /// LIKE/WHERE
        filter: Option<ShowFilter>,
    },
    /// SHOW WARNINGS [LIMIT]
    Warnings {
        /// LIMIT
        limit: Option<Limit>,
    },
    /// SHOW ERRORS [LIMIT]
    Errors {
        /// LIMIT
        limit: Option<Limit>,
    },
    /// SHOW COUNT(*) WARNINGS
    WarningCount,
    /// SHOW COUNT(*) ERRORS
    ErrorCount,
    /// SHOW [FULL] PROCESSLIST
    Processlist {
        /// FULL
        full: bool,
    },
    /// SHOW [STORAGE] ENGINES
    Engines,
    /// SHOW CHARACTER SET|CHARSET
    CharacterSet {
        /// LIKE/WHERE
        filter: Option<ShowFilter>,
    },
    /// SHOW COLLATION
    Collation {
        /// LIKE/WHERE
        filter: Option<ShowFilter>,
    },
    /// SHOW GRANTS [FOR user]
    Grants {
        /// FOR user; `None` is the current user.
        user: Option<UserHost>,
    },
    /// SHOW MASTER STATUS, SHOW BINARY LOG STATUS
    MasterStatus,
    /// SHOW BINARY|MASTER LOGS
    BinaryLogs,
    /// SHOW BINLOG EVENTS [IN 'f'] [FROM pos] [LIMIT]
    BinlogEvents {
        /// IN 'file'
        file: Option<String>,
        /// FROM pos
        pos: Option<u64>,
        /// LIMIT
        limit: Option<Limit>,
    },
    /// SHOW SLAVE|REPLICA STATUS
    ReplicaStatus {
        /// SHOW SLAVE STATUS: MySQL's old column names (Master_Host, Slave_IO_Running …).
        old_names: bool,
    },
    /// SHOW SLAVE HOSTS, SHOW REPLICAS
    ReplicaHosts,
    /// SHOW EVENTS [FROM db]
    Events {
        /// FROM db
        db: Option<String>,
        /// LIKE/WHERE
        filter: Option<ShowFilter>,
    },
    /// SHOW FUNCTION|PROCEDURE|PACKAGE [BODY] STATUS
    RoutineStatus {
        /// Which routines.
        kind: RoutineKind,
        /// LIKE/WHERE
        filter: Option<ShowFilter>,
    },
    /// SHOW TRIGGERS [FROM db]
    Triggers {
        /// FROM db
        db: Option<String>,
        /// LIKE/WHERE
        filter: Option<ShowFilter>,
    },
    /// SHOW PLUGINS
    Plugins,
    /// SHOW PRIVILEGES
    Privileges,
    /// SHOW [FULL] OPEN TABLES [FROM db]
    OpenTables {
        /// FROM db
        db: Option<String>,
        /// LIKE/WHERE
        filter: Option<ShowFilter>,
    },
    /// SHOW ENGINE name STATUS|MUTEX
    EngineStatus {
        /// Engine name.
        engine: String,
        /// STATUS or MUTEX.
        what: String,
    },
}

/// The threads START/STOP REPLICA names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicaThreads {
    /// IO_THREAD (the receiver).
    pub io: bool,
    /// SQL_THREAD (the applier).
    pub sql: bool,
}

impl ReplicaThreads {
    /// Both threads (none named).
    pub const BOTH: ReplicaThreads = ReplicaThreads {
        io: true,
        sql: true,
    };
}

/// A statement parsed by this module's own parser.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnStatement {
    /// `PREPARE name FROM 'text' | @var` (SQL-level prepared statement).
    PrepareText { name: String, source: Expr },
    /// `EXECUTE name [USING @a, ...]`.
    ExecuteText { name: String, using: Vec<Expr> },
    /// `{DEALLOCATE | DROP} PREPARE name`.
    DeallocatePrepare(String),
    /// Only comments were sent (MySQL answers OK).
    Empty,
    /// CHECKSUM TABLE t[, t2] [QUICK|EXTENDED]
    Checksum {
        /// Tables in order.
        tables: Vec<TableName>,
        /// Option.
        mode: ChecksumMode,
    },
    /// START TRANSACTION [READ ONLY|READ WRITE] [, WITH CONSISTENT SNAPSHOT]
    StartTransaction {
        /// READ ONLY → Some(true), READ WRITE → Some(false).
        read_only: Option<bool>,
        /// WITH CONSISTENT SNAPSHOT.
        consistent_snapshot: bool,
    },
    /// BEGIN [WORK]
    Begin,
    /// COMMIT [WORK] [AND [NO] CHAIN] [[NO] RELEASE]
    Commit {
        /// AND CHAIN
        chain: bool,
        /// RELEASE
        release: bool,
    },
    /// ROLLBACK [WORK] [AND [NO] CHAIN] [[NO] RELEASE]
    Rollback {
        /// AND CHAIN
        chain: bool,
        /// RELEASE
        release: bool,
    },
    /// SAVEPOINT x
    Savepoint(String),
    /// ROLLBACK [WORK] TO [SAVEPOINT] x
    RollbackTo(String),
    /// RELEASE SAVEPOINT x
    Release(String),
    /// SET a = 1, @@global.b = 2, @c = 3, …
    Set(Vec<Assignment>),
    /// SET NAMES cs [COLLATE c] | SET NAMES DEFAULT (charset `None`)
    SetNames {
        /// Charset; `None` for DEFAULT.
        charset: Option<String>,
        /// COLLATE
        collation: Option<String>,
    },
    /// SET CHARACTER SET cs | CHARSET cs | … DEFAULT (`None`)
    SetCharacterSet(Option<String>),
    /// SET [GLOBAL|SESSION] TRANSACTION …
    SetTransaction {
        /// `None`: next transaction only; else SESSION/GLOBAL.
        scope: Option<VarScope>,
        /// ISOLATION LEVEL
        isolation: Option<IsolationLevel>,
        /// READ ONLY → Some(true), READ WRITE → Some(false)
        read_only: Option<bool>,
    },
    /// LOCK TABLES …
    LockTables(Vec<LockItem>),
    /// UNLOCK TABLES
    UnlockTables,
    /// SHOW …
    Show(ShowStatement),
    /// CHANGE MASTER TO / CHANGE REPLICATION SOURCE TO (option names upper-case).
    ChangeSource {
        /// `KEY = value` pairs in order.
        options: Vec<(String, Expr)>,
        /// FOR CHANNEL 'c'
        channel: Option<String>,
    },
    /// START SLAVE|REPLICA [IO_THREAD] [, SQL_THREAD]
    StartReplica {
        /// The threads named; both when none is.
        threads: ReplicaThreads,
    },
    /// STOP SLAVE|REPLICA [IO_THREAD] [, SQL_THREAD]
    StopReplica {
        /// The threads named; both when none is.
        threads: ReplicaThreads,
    },
    /// RESET SLAVE|REPLICA [ALL]
    ResetReplica {
        /// ALL
        all: bool,
    },
    /// RESET MASTER, RESET BINARY LOGS AND GTIDS
    ResetMaster,
    /// PURGE BINARY|MASTER LOGS TO 'f'
    PurgeLogsTo(String),
    /// PURGE BINARY|MASTER LOGS BEFORE expr
    PurgeLogsBefore(Expr),
    /// CREATE USER [IF NOT EXISTS] …
    CreateUser {
        /// IF NOT EXISTS
        if_not_exists: bool,
        /// Accounts.
        users: Vec<UserSpec>,
        /// `REQUIRE …`, when given.
        require: Option<Require>,
        /// Trailing account options (WITH, PASSWORD …) as text, not interpreted.
        options: String,
    },
    /// ALTER USER [IF EXISTS] …
    AlterUser {
        /// IF EXISTS
        if_exists: bool,
        /// Accounts.
        users: Vec<UserSpec>,
        /// `REQUIRE …`, when given.
        require: Option<Require>,
        /// Trailing account options as text.
        options: String,
    },
    /// DROP USER [IF EXISTS] u, …
    DropUser {
        /// IF EXISTS
        if_exists: bool,
        /// Accounts.
        users: Vec<UserHost>,
    },
    /// GRANT …
    Grant(Grant),
    /// REVOKE …
    Revoke(Grant),
    /// ALTER TABLE t ENGINE=…, [DEFAULT] CHARSET=…, COLLATE=…, COMMENT=…, ROW_FORMAT=…,
    /// CONVERT TO CHARACTER SET … (only table options; sqlparser rejects these).
    AlterTableOptions {
        /// The table.
        table: TableName,
        /// `(NAME, value)` in order; names upper-case, `CHARACTER SET`/`CHARSET` as
        /// `CHARSET`; `CONVERT TO CHARACTER SET cs` as `("CONVERT", cs)`.
        options: Vec<(String, String)>,
    },
    /// DROP EVENT [IF EXISTS] name
    DropEvent {
        /// IF EXISTS
        if_exists: bool,
        /// Event name.
        name: TableName,
    },
    /// ALTER TABLE t DISABLE KEYS (mysqldump)
    DisableKeys(TableName),
    /// ALTER TABLE t ENABLE KEYS
    EnableKeys(TableName),
    /// DESCRIBE|DESC|EXPLAIN t [column|'pattern']
    Describe {
        /// Table.
        table: TableName,
        /// Column name or LIKE-style pattern.
        column: Option<String>,
    },
    /// EXPLAIN FOR CONNECTION n
    ExplainConnection(u64),
    /// HELP 'topic'
    Help(String),
    /// DO expr, …
    Do(Vec<Expr>),
    /// ANALYZE/OPTIMIZE/CHECK/REPAIR [NO_WRITE_TO_BINLOG|LOCAL] TABLE t, … [options]
    TableMaintenance {
        /// Which command.
        op: MaintenanceOp,
        /// NO_WRITE_TO_BINLOG or LOCAL.
        no_write_to_binlog: bool,
        /// Tables.
        tables: Vec<TableName>,
        /// Trailing option words (QUICK, EXTENDED, USE_FRM, …), upper-case.
        options: Vec<String>,
    },
    /// CREATE [DEFINER=…] TRIGGER …
    CreateTrigger(Box<TriggerSpec>),
    /// CREATE [DEFINER=…] FUNCTION|PROCEDURE …
    CreateRoutine(Box<RoutineSpec>),
    /// CREATE [DEFINER=…] EVENT …
    CreateEvent(Box<EventSpec>),
    /// DROP TRIGGER [IF EXISTS] [db.]name
    DropTrigger {
        /// IF EXISTS
        if_exists: bool,
        /// Trigger name.
        name: TableName,
    },
    /// ALTER FUNCTION|PROCEDURE [db.]name characteristic …
    AlterRoutine {
        /// Function or Procedure.
        kind: RoutineKind,
        /// Routine name.
        name: TableName,
        /// The characteristics given (the others stay).
        traits: RoutineTraits,
    },
    /// DROP FUNCTION|PROCEDURE [IF EXISTS] [db.]name
    DropRoutine {
        /// Function or Procedure.
        kind: RoutineKind,
        /// IF EXISTS
        if_exists: bool,
        /// Routine name.
        name: TableName,
    },
    /// A SELECT using MariaDB's `[FOR SYSTEM_TIME] AS OF [TIMESTAMP] expr` after a table
    /// (after several, all with the same time). `statement` is the query with the clauses
    /// removed; it reads the cluster as of that time (its timeline).
    AsOf {
        /// The query without the clause.
        statement: Box<Statement>,
        /// The point in time.
        timestamp: Expr,
    },
}

/// The raw text with every comment blanked out (same byte length, same line breaks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    /// Text to tokenize.
    pub text: String,
    /// At least one comment (of any kind) was seen.
    pub had_comment: bool,
}

/// Parses one statement (an optional trailing `;` is allowed).
pub fn parse(sql: &str) -> Result<Parsed, ParseError> {
    let cleaned = strip_comments(sql)?;
    if let Some(stmt) = parse_literal_insert(&cleaned) {
        return Ok(Parsed::Sql(Box::new(stmt)));
    }
    parse_cleaned(sql, &cleaned)
}

/// [`parse`] after the comments are blanked out, through the tokenizer.
fn parse_cleaned(sql: &str, cleaned: &Cleaned) -> Result<Parsed, ParseError> {
    let err = |e: ParserError| syntax_error_from(sql, &cleaned.text, &e);
    let tokens = Tokenizer::new(&MySqlDialect {}, &cleaned.text)
        .tokenize_with_location()
        .map_err(|e| {
            syntax_error_from(
                sql,
                &cleaned.text,
                &ParserError::TokenizerError(e.to_string()),
            )
        })?;
    if !tokens
        .iter()
        .any(|t| !matches!(t.token, Token::Whitespace(_)))
    {
        return if cleaned.had_comment {
            Ok(Parsed::Own(OwnStatement::Empty))
        } else {
            Err(ParseError {
                code: ER_EMPTY_QUERY,
                message: "Query was empty".to_string(),
            })
        };
    }
    if let Some(name) = fulltext_parser(&tokens) {
        // No full-text parser plugin is built in (not even ngram): MySQL's answer for
        // one it does not know.
        return Err(ParseError {
            code: 1128,
            message: format!("Function '{name}' is not defined"),
        });
    }
    let route = route(&tokens);
    match route {
        Route::Own => {
            let mut own = Own::new(rewrite_units(rewrite_bang(tokens)), &cleaned.text);
            let err = |e: ParserError| match e.to_string().split_once(super::program::UNSUPPORTED) {
                Some((_, what)) => ParseError {
                    code: 1235,
                    message: format!("This version of Borealis doesn't yet support '{what}'"),
                },
                None => err(e),
            };
            let stmt = own.statement().map_err(err)?;
            own.end().map_err(err)?;
            Ok(Parsed::Own(stmt))
        }
        Route::Sql => {
            match parse_with_sqlparser(rewrite_tokens(tokens)) {
                Ok(stmt) => Ok(Parsed::Sql(Box::new(stmt))),
                Err(e) => {
                    // Rare path: tokenize again rather than clone every token up front
                    // (a 1000-row INSERT has ~20k tokens).
                    let retry = Tokenizer::new(&MySqlDialect {}, &cleaned.text)
                        .tokenize_with_location()
                        .ok()
                        .map(rewrite_tokens)
                        .and_then(|t| parse_as_of(&t));
                    match retry {
                        Some(Ok(parsed)) => Ok(parsed),
                        _ => Err(err(e)),
                    }
                }
            }
        }
    }
}

/// A multi-row `INSERT|REPLACE ... VALUES (...), (...), ...` whose rows hold only plain
/// literals (unsigned or negated decimal numbers, single-quoted strings, NULL) and end the
/// statement: what sysbench's prepare and mysqldump send, thousands of rows and tens of
/// thousands of tokens at a time. The statement up to the end of its first row goes
/// through the tokenizer and sqlparser as usual; the rows are read by a literal scanner
/// into the expressions sqlparser makes of them (the first row is checked against
/// sqlparser's). None when the text is anything else: the caller parses all of it.
fn parse_literal_insert(cleaned: &Cleaned) -> Option<Statement> {
    let text = &cleaned.text;
    let b = text.as_bytes();
    let start = b.iter().position(|c| !c.is_ascii_whitespace())?;
    let first_word_end = start + b[start..].iter().position(|c| !c.is_ascii_alphabetic())?;
    let verb = &text[start..first_word_end];
    if !verb.eq_ignore_ascii_case("INSERT") && !verb.eq_ignore_ascii_case("REPLACE") {
        return None;
    }
    let rows_at = values_keyword_end(b, first_word_end)?;
    let (rows, first_end) = scan_literal_rows(b, rows_at)?;
    let head = Cleaned {
        text: text[..first_end].to_string(),
        had_comment: cleaned.had_comment,
    };
    let Ok(Parsed::Sql(mut stmt)) = parse_cleaned(&head.text, &head) else {
        return None;
    };
    let Statement::Insert(ins) = &mut *stmt else {
        return None;
    };
    let query = ins.source.as_mut()?;
    let sqlparser::ast::SetExpr::Values(values) = &mut *query.body else {
        return None;
    };
    if values.rows.len() != 1 || values.rows[0].content != rows[0] {
        debug_assert!(
            values.rows.len() != 1,
            "literal scanner disagrees with sqlparser: {:?} vs {:?}",
            rows[0],
            values.rows[0].content
        );
        return None;
    }
    values.rows = rows
        .into_iter()
        .map(sqlparser::ast::Parens::with_empty_span)
        .collect();
    Some(*stmt)
}

/// Where the rows of an INSERT start: after its `VALUES`/`VALUE` keyword, the first one
/// outside parentheses, quotes and backquotes.
fn values_keyword_end(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' | b'`' => i = skip_quoted(b, i),
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' => {
                let end = i + b[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$'))
                    .unwrap_or(b.len() - i);
                let w = &b[i..end];
                if depth == 0
                    && (w.eq_ignore_ascii_case(b"VALUES") || w.eq_ignore_ascii_case(b"VALUE"))
                {
                    return Some(end);
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    None
}

/// The rows of a VALUES list from `at` to the end of the statement (an optional `;` and
/// white space may follow), each value a plain literal; with the offset just past the
/// first row. None at anything else.
fn scan_literal_rows(b: &[u8], mut at: usize) -> Option<(Vec<Vec<Expr>>, usize)> {
    let ws = |at: &mut usize| {
        while b.get(*at).is_some_and(u8::is_ascii_whitespace) {
            *at += 1;
        }
    };
    let mut rows = Vec::new();
    let mut first_end = 0;
    let mut width = None;
    loop {
        ws(&mut at);
        if b.get(at) != Some(&b'(') {
            return None;
        }
        at += 1;
        let mut row = Vec::with_capacity(width.unwrap_or(4));
        loop {
            ws(&mut at);
            row.push(scan_literal(b, &mut at)?);
            ws(&mut at);
            match b.get(at)? {
                b',' => at += 1,
                b')' => {
                    at += 1;
                    break;
                }
                _ => return None,
            }
        }
        width = Some(row.len());
        rows.push(row);
        if first_end == 0 {
            first_end = at;
        }
        ws(&mut at);
        match b.get(at) {
            Some(b',') => at += 1,
            Some(b';') => {
                at += 1;
                ws(&mut at);
                return (at == b.len()).then_some((rows, first_end));
            }
            None => return Some((rows, first_end)),
            Some(_) => return None,
        }
    }
}

/// One literal as sqlparser's MySQL dialect reads it: `NULL`, a decimal number (digits,
/// optionally a fraction; `-` before it is a unary minus), a single-quoted string (its
/// backslash escapes and doubled quotes resolved as the tokenizer does). The literal must
/// end at a delimiter.
fn scan_literal(b: &[u8], at: &mut usize) -> Option<Expr> {
    use sqlparser::ast::{UnaryOperator, Value};
    let delimited = |i: usize| {
        b.get(i)
            .is_none_or(|c| c.is_ascii_whitespace() || matches!(c, b',' | b')'))
    };
    let start = *at;
    match *b.get(start)? {
        b'-' => {
            *at += 1;
            if !b.get(*at).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            let operand = scan_literal(b, at)?;
            Some(Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr: Box::new(operand),
            })
        }
        c if c.is_ascii_digit() => {
            let mut i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if b.get(i) == Some(&b'.') {
                i += 1;
                if !b.get(i).is_some_and(u8::is_ascii_digit) {
                    return None;
                }
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            if !delimited(i) {
                return None;
            }
            *at = i;
            let digits = std::str::from_utf8(&b[start..i]).ok()?;
            Some(Expr::Value(
                Value::Number(digits.to_string(), false).with_empty_span(),
            ))
        }
        b'N' | b'n' => {
            let end = start + 4;
            if !b.get(start..end)?.eq_ignore_ascii_case(b"NULL") || !delimited(end) {
                return None;
            }
            *at = end;
            Some(Expr::Value(Value::Null.with_empty_span()))
        }
        b'\'' => {
            let mut out: Vec<u8> = Vec::new();
            let mut i = start + 1;
            loop {
                // Copy the run up to the next quote or backslash.
                let run = b[i..].iter().position(|c| matches!(c, b'\'' | b'\\'))?;
                out.extend_from_slice(&b[i..i + run]);
                i += run;
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        out.push(b'\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                let next = *b.get(i + 1)?;
                if !next.is_ascii() {
                    // A multi-byte character after the backslash stands for itself.
                    i += 1;
                    continue;
                }
                match next {
                    b'%' | b'_' => out.extend_from_slice(&[b'\\', next]),
                    b'0' => out.push(0),
                    b'a' => out.push(7),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'Z' => out.push(26),
                    c => out.push(c),
                }
                i += 2;
            }
            if !delimited(i) {
                return None;
            }
            *at = i;
            let s = String::from_utf8(out).ok()?;
            Some(Expr::Value(Value::SingleQuotedString(s).with_empty_span()))
        }
        _ => None,
    }
}

/// Parses with sqlparser and requires the end of input after an optional `;`.
fn parse_with_sqlparser(tokens: Vec<TokenWithSpan>) -> Result<Statement, ParserError> {
    let mut p = parser().with_tokens_with_locations(tokens);
    let stmt = p.parse_statement()?;
    expect_end(&mut p)?;
    Ok(stmt)
}

fn expect_end(p: &mut Parser<'_>) -> Result<(), ParserError> {
    if p.consume_token(&Token::SemiColon) {
        // MySQL without CLIENT_MULTI_STATEMENTS: only one statement per packet.
    }
    let next = p.peek_token();
    if next.token == Token::EOF {
        Ok(())
    } else {
        p.expected("end of statement", next)
    }
}

// ---------------------------------------------------------------------------------------
// 1. Comments
// ---------------------------------------------------------------------------------------

/// Blanks comments out of `sql` following MySQL 8.0.36 (see the module doc). Executable
/// comment markers are blanked and their bodies kept. Errors: an unterminated `/* … */`.
pub fn strip_comments(sql: &str) -> Result<Cleaned, ParseError> {
    let src = sql.as_bytes();
    let n = src.len();
    let mut out: Vec<u8> = src.to_vec();
    let mut had_comment = false;
    let mut in_exec = false;
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for b in out.iter_mut().take(to).skip(from) {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    while i < n {
        let c = src[i];
        match c {
            b'\'' | b'"' | b'`' => {
                i = skip_quoted(src, i);
            }
            b'#' => {
                let end = line_end(src, i);
                blank(&mut out, i, end);
                had_comment = true;
                i = end;
            }
            b'-' if src.get(i + 1) == Some(&b'-')
                && src
                    .get(i + 2)
                    .is_none_or(|b| b.is_ascii_whitespace() || b.is_ascii_control()) =>
            {
                let end = line_end(src, i);
                blank(&mut out, i, end);
                had_comment = true;
                i = end;
            }
            b'*' if in_exec && src.get(i + 1) == Some(&b'/') => {
                blank(&mut out, i, i + 2);
                in_exec = false;
                i += 2;
            }
            b'/' if src.get(i + 1) == Some(&b'*') => {
                had_comment = true;
                let Some(close) = find_close(src, i + 2) else {
                    return Err(syntax_error_at(sql, i));
                };
                if src.get(i + 2) == Some(&b'!') && !in_exec {
                    // MySQL: exactly five digits of version may follow.
                    let digits = src[i + 3..]
                        .iter()
                        .take(5)
                        .take_while(|b| b.is_ascii_digit())
                        .count();
                    let version = if digits == 5 {
                        std::str::from_utf8(&src[i + 3..i + 8])
                            .ok()
                            .and_then(|s| s.parse::<u32>().ok())
                    } else {
                        None
                    };
                    let keep = version.is_none_or(|v| v <= SERVER_VERSION_ID);
                    if keep {
                        let marker = if digits == 5 { 8 } else { 3 };
                        blank(&mut out, i, i + marker);
                        in_exec = true;
                        i += marker;
                        continue;
                    }
                }
                // Plain comment, optimizer hint, MariaDB-only `/*M!`, or a too-new version.
                blank(&mut out, i, close + 2);
                i = close + 2;
            }
            _ => i += 1,
        }
    }
    if in_exec {
        // MySQL reports an unterminated executable comment as a syntax error at the end.
        return Err(syntax_error_at(sql, n));
    }
    let text = String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok(Cleaned { text, had_comment })
}

/// The `MAX_EXECUTION_TIME(N)` optimizer hint of a SELECT statement, in milliseconds.
///
/// MySQL reads hints only in a `/*+ … */` comment right after the keyword that starts the
/// main query block: `SELECT /*+ MAX_EXECUTION_TIME(1000) */ …`, also inside leading
/// parentheses and after a WITH clause. [`strip_comments`] drops hints before parsing, so
/// this reads the statement's text; a hint anywhere else (a subquery, after the select
/// list) is not MAX_EXECUTION_TIME's place and is ignored, as MySQL ignores it there.
pub fn max_execution_time_hint(sql: &str) -> Option<u64> {
    let src = sql.as_bytes();
    let word_at = |i: usize, w: &str| {
        src.len() >= i + w.len()
            && src[i..i + w.len()].eq_ignore_ascii_case(w.as_bytes())
            && src
                .get(i + w.len())
                .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$'))
    };
    let mut i = 0;
    let mut depth = 0usize;
    while i < src.len() && (src[i].is_ascii_whitespace() || src[i] == b'(') {
        depth += usize::from(src[i] == b'(');
        i += 1;
    }
    if word_at(i, "WITH") {
        // The main block's SELECT: the first one back at the starting depth.
        let start_depth = depth;
        i += 4;
        loop {
            let c = *src.get(i)?;
            match c {
                b'\'' | b'"' | b'`' => {
                    i = skip_quoted(src, i);
                    continue;
                }
                b'(' => depth += 1,
                b')' => depth = depth.checked_sub(1)?,
                _ if depth == start_depth
                    && word_at(i, "SELECT")
                    && (i == 0 || !src[i - 1].is_ascii_alphanumeric()) =>
                {
                    break
                }
                _ => {}
            }
            i += 1;
        }
    }
    if !word_at(i, "SELECT") {
        return None;
    }
    i += 6;
    while i < src.len() && src[i].is_ascii_whitespace() {
        i += 1;
    }
    if !src[i..].starts_with(b"/*+") {
        return None;
    }
    let close = find_close(src, i + 3)?;
    let hints = std::str::from_utf8(&src[i + 3..close]).ok()?;
    let upper = hints.to_ascii_uppercase();
    let at = upper.find("MAX_EXECUTION_TIME")?;
    let rest = hints[at + "MAX_EXECUTION_TIME".len()..].trim_start();
    let rest = rest.strip_prefix('(')?;
    let (n, _) = rest.split_once(')')?;
    n.trim().parse().ok()
}

/// Index just past the closing quote of the literal starting at `start` (or the end).
fn skip_quoted(src: &[u8], start: usize) -> usize {
    let q = src[start];
    let mut i = start + 1;
    while i < src.len() {
        let c = src[i];
        if c == b'\\' && q != b'`' {
            i += 2;
            continue;
        }
        if c == q {
            if src.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    src.len()
}

fn line_end(src: &[u8], from: usize) -> usize {
    src[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(src.len(), |p| from + p)
}

/// Position of the `*/` closing a comment whose body starts at `from`.
fn find_close(src: &[u8], from: usize) -> Option<usize> {
    src.get(from..)?
        .windows(2)
        .position(|w| w == b"*/")
        .map(|p| from + p)
}

// ---------------------------------------------------------------------------------------
// 2. Errors
// ---------------------------------------------------------------------------------------

/// Error 1064 pointing at byte `offset` of the original text.
fn syntax_error_at(sql: &str, offset: usize) -> ParseError {
    let mut off = offset.min(sql.len());
    while !sql.is_char_boundary(off) {
        off += 1;
    }
    let near: String = sql[off..].chars().take(NEAR_CHARS).collect();
    let line = if off >= sql.trim_end().len() {
        1 + sql.trim_end().matches('\n').count()
    } else {
        1 + sql[..off].matches('\n').count()
    };
    ParseError {
        code: ER_PARSE_ERROR,
        message: format!(
            "You have an error in your SQL syntax; check the manual that corresponds to your \
             MySQL server version for the right syntax to use near '{near}' at line {line}"
        ),
    }
}

/// Maps a sqlparser error (whose message ends with "at Line: L, Column: C", columns counted
/// in characters of the cleaned text) to error 1064 on the original text.
fn syntax_error_from(sql: &str, cleaned: &str, e: &ParserError) -> ParseError {
    let msg = e.to_string();
    let found_eof = msg.contains("found: EOF");
    let offset = match location_of(&msg) {
        Some((line, col)) if !found_eof => byte_offset(cleaned, line, col).unwrap_or(sql.len()),
        _ if found_eof => sql.len(),
        _ => first_token_offset(cleaned),
    };
    syntax_error_at(sql, offset)
}

fn first_token_offset(cleaned: &str) -> usize {
    cleaned.len() - cleaned.trim_start().len()
}

/// Parses "... at Line: L, Column: C" at the end of a sqlparser message.
fn location_of(msg: &str) -> Option<(usize, usize)> {
    let at = msg.rfind(" at Line: ")?;
    let rest = &msg[at + " at Line: ".len()..];
    let (line, rest) = rest.split_once(", Column: ")?;
    let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, col.parse().ok()?))
}

/// Byte offset of 1-based (line, column-in-chars) in `text`.
fn byte_offset(text: &str, line: usize, col: usize) -> Option<usize> {
    if line == 0 || col == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..line {
        start += text.get(start..)?.find('\n')? + 1;
    }
    let line_text = &text[start..];
    let within = line_text
        .char_indices()
        .nth(col - 1)
        .map_or(line_text.len(), |(b, _)| b);
    Some(start + within)
}

// ---------------------------------------------------------------------------------------
// 3. Dispatch
// ---------------------------------------------------------------------------------------

enum Route {
    Own,
    Sql,
}

/// Upper-case value of an unquoted word token.
fn word(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

/// Decides from the leading keywords who parses the statement.
fn route(tokens: &[TokenWithSpan]) -> Route {
    let sig: Vec<&Token> = tokens
        .iter()
        .map(|t| &t.token)
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let w = |i: usize| sig.get(i).and_then(|t| word(t)).unwrap_or_default();
    let first = w(0);
    let own = match first.as_str() {
        "CHECKSUM" | "BEGIN" | "COMMIT" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" | "SHOW"
        | "CHANGE" | "STOP" | "PURGE" | "GRANT" | "REVOKE" | "HELP" | "DO" | "OPTIMIZE"
        | "CHECK" | "REPAIR" | "ANALYZE" | "PREPARE" | "EXECUTE" | "DEALLOCATE" => true,
        "START" => matches!(w(1).as_str(), "TRANSACTION" | "SLAVE" | "REPLICA"),
        "RESET" => matches!(w(1).as_str(), "SLAVE" | "REPLICA" | "MASTER" | "BINARY"),
        "SET" => {
            // SET PASSWORD / ROLE / DEFAULT ROLE / RESOURCE GROUP / STATEMENT … FOR: sqlparser.
            !(matches!(
                w(1).as_str(),
                "PASSWORD" | "ROLE" | "RESOURCE" | "STATEMENT"
            ) || (w(1) == "DEFAULT" && w(2) == "ROLE"))
        }
        "LOCK" | "UNLOCK" => matches!(w(1).as_str(), "TABLES" | "TABLE"),
        "DROP" => matches!(
            w(1).as_str(),
            "USER" | "EVENT" | "PREPARE" | "TRIGGER" | "FUNCTION" | "PROCEDURE"
        ),
        "ALTER" => {
            matches!(w(1).as_str(), "USER" | "FUNCTION" | "PROCEDURE")
                || (w(1) == "TABLE" && alter_table_options_only(&sig))
                || (w(1) == "TABLE"
                    && sig.len() >= 5
                    && matches!(w(sig.len() - 2).as_str(), "DISABLE" | "ENABLE")
                    && w(sig.len() - 1) == "KEYS")
                || (w(1) == "TABLE"
                    && sig.len() >= 6
                    && matches!(sig[sig.len() - 1], Token::SemiColon)
                    && matches!(w(sig.len() - 3).as_str(), "DISABLE" | "ENABLE")
                    && w(sig.len() - 2) == "KEYS")
        }
        "CREATE" => w(1) == "USER" || program_kind(&sig).is_some(),
        "DESCRIBE" | "DESC" | "EXPLAIN" => {
            let next = sig.get(1);
            match next {
                Some(Token::Word(wd)) if wd.quote_style.is_some() => true,
                Some(Token::Word(wd)) => {
                    let up = wd.value.to_ascii_uppercase();
                    !matches!(
                        up.as_str(),
                        "SELECT"
                            | "INSERT"
                            | "UPDATE"
                            | "DELETE"
                            | "REPLACE"
                            | "TABLE"
                            | "WITH"
                            | "FORMAT"
                            | "ANALYZE"
                            | "EXTENDED"
                            | "PARTITIONS"
                            | "VALUES"
                    ) || (up == "FOR" && w(2) == "CONNECTION")
                }
                _ => false,
            }
        }
        _ => false,
    };
    if own {
        Route::Own
    } else {
        Route::Sql
    }
}

/// `ALTER TABLE name` followed by a table option sqlparser does not know.
fn alter_table_options_only(sig: &[&Token]) -> bool {
    let w = |i: usize| sig.get(i).and_then(|t| word(t)).unwrap_or_default();
    let after_name = if matches!(sig.get(3), Some(Token::Period)) {
        4
    } else {
        2
    } + 1;
    matches!(
        w(after_name).as_str(),
        "ENGINE"
            | "COMMENT"
            | "ROW_FORMAT"
            | "DEFAULT"
            | "CHARSET"
            | "CHARACTER"
            | "COLLATE"
            | "CONVERT"
    )
}

/// `CREATE [OR REPLACE] [DEFINER = u] [AGGREGATE] PROCEDURE|FUNCTION|TRIGGER|EVENT`, found
/// by skipping the prefix words; `None` for every other CREATE.
fn program_kind(sig: &[&Token]) -> Option<ProgramKind> {
    let mut i = 1;
    let w = |i: usize| sig.get(i).and_then(|t| word(t)).unwrap_or_default();
    if w(i) == "OR" && w(i + 1) == "REPLACE" {
        i += 2;
    }
    if w(i) == "DEFINER" {
        i += 1;
        if matches!(sig.get(i), Some(Token::Eq)) {
            i += 1;
        }
        // user, optionally followed by @ host (one or two tokens), or CURRENT_USER[()]
        i += 1;
        match sig.get(i) {
            Some(Token::AtSign) => i += 2,
            Some(Token::Word(wd)) if wd.value.starts_with('@') && wd.quote_style.is_none() => {
                i += 1
            }
            Some(Token::LParen) => i += 2,
            _ => {}
        }
    }
    if w(i) == "AGGREGATE" {
        i += 1;
    }
    match w(i).as_str() {
        "PROCEDURE" => Some(ProgramKind::Procedure),
        "FUNCTION" => Some(ProgramKind::Function),
        "TRIGGER" => Some(ProgramKind::Trigger),
        "EVENT" => Some(ProgramKind::Event),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// 4. Token rewrites for sqlparser
// ---------------------------------------------------------------------------------------

/// MySQL's compound interval units, which sqlparser does not know.
const COMPOUND_UNITS: [&str; 11] = [
    "YEAR_MONTH",
    "DAY_HOUR",
    "DAY_MINUTE",
    "DAY_SECOND",
    "DAY_MICROSECOND",
    "HOUR_MINUTE",
    "HOUR_SECOND",
    "HOUR_MICROSECOND",
    "MINUTE_SECOND",
    "MINUTE_MICROSECOND",
    "SECOND_MICROSECOND",
];

/// `LOCK IN SHARE MODE` → `FOR SHARE`; in CREATE/ALTER TABLE drop `ZEROFILL` (display-only,
/// deprecated in 8.0) and MariaDB's Aria options `PAGE_CHECKSUM=n`, `TRANSACTIONAL=n`, and
/// make the BINARY attribute of CHAR/VARCHAR/TEXT (`VARCHAR(40) BINARY`) a COLLATE the
/// binder turns into the charset's _bin collation.
/// MySQL's compound interval units (reserved words there): `INTERVAL '1:30' HOUR_MINUTE`
/// becomes sqlparser's `INTERVAL '1:30' HOUR TO MINUTE`, and `EXTRACT(DAY_HOUR FROM d)`
/// the call `` `EXTRACT`('DAY_HOUR', d) `` (the binder takes both back to MySQL's unit).
/// MySQL 8.0.19's `TABLE t` where a query starts (the statement, after `(` or a set
/// operator) becomes `SELECT * FROM t`: sqlparser reads it only inside a query and then
/// swallows the token after the name.
fn rewrite_tokens(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let tokens = rewrite_create_fulltext(rewrite_alter_checks(rewrite_units(
        rewrite_create_spatial(rewrite_index_visibility(rewrite_bang(tokens))),
    )));
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let w = |k: usize| {
        sig.get(k)
            .and_then(|&i| word(&tokens[i].token))
            .unwrap_or_default()
    };
    let is_table_ddl = (w(0) == "CREATE" || w(0) == "ALTER")
        && (w(1) == "TABLE" || (w(1) == "TEMPORARY" && w(2) == "TABLE"));
    let mut drop = vec![false; tokens.len()];
    let mut replace_for_share: Vec<usize> = Vec::new();
    let mut table_query: Vec<usize> = Vec::new();
    let set_op = |x: &str| matches!(x, "UNION" | "EXCEPT" | "INTERSECT");
    // `UPDATE t1, t2 SET …`: sqlparser takes one table reference before SET; MySQL's comma
    // is an inner join without condition, which `CROSS JOIN` is too.
    let mut comma_join: Vec<usize> = Vec::new();
    let mut binary_attr: Vec<usize> = Vec::new();
    if w(0) == "UPDATE" {
        let mut depth = 0i32;
        for &i in &sig[1..] {
            match &tokens[i].token {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                Token::Comma if depth == 0 => comma_join.push(i),
                t if depth == 0 && word(t).as_deref() == Some("SET") => break,
                _ => {}
            }
        }
    }
    let mut k = 0;
    while k < sig.len() {
        let here = w(k);
        if here == "TABLE"
            && (k == 0
                || tokens[sig[k - 1]].token == Token::LParen
                || set_op(&w(k - 1))
                || (k >= 2 && matches!(w(k - 1).as_str(), "ALL" | "DISTINCT") && set_op(&w(k - 2))))
        {
            table_query.push(sig[k]);
        }
        if here == "LOCK" && w(k + 1) == "IN" && w(k + 2) == "SHARE" && w(k + 3) == "MODE" {
            replace_for_share.push(sig[k]);
            drop[sig[k + 1]] = true;
            drop[sig[k + 3]] = true;
            k += 4;
            continue;
        }
        // NTH_VALUE(…) FROM FIRST [RESPECT NULLS] OVER: MySQL's only (and default)
        // choice, which sqlparser does not read (a table named `first` is followed by
        // none of these). FROM LAST stays and is a syntax error.
        if here == "FROM"
            && w(k + 1) == "FIRST"
            && matches!(w(k + 2).as_str(), "OVER" | "RESPECT" | "IGNORE")
            && k > 0
            && tokens[sig[k - 1]].token == Token::RParen
        {
            drop[sig[k]] = true;
            drop[sig[k + 1]] = true;
            k += 2;
            continue;
        }
        // `FROM DUAL`: MySQL's name for "no table" (a reserved word, so an unquoted DUAL
        // is never a table), as if there were no FROM: `SELECT 1 FROM DUAL WHERE 0`.
        if here == "FROM" && w(k + 1) == "DUAL" {
            drop[sig[k]] = true;
            drop[sig[k + 1]] = true;
            k += 2;
            continue;
        }
        if is_table_ddl {
            // The BINARY attribute of a character column (`VARCHAR(40) BINARY`,
            // `TEXT BINARY`), not the BINARY(n) type: becomes a COLLATE the binder reads.
            let char_type = |x: &str| {
                matches!(
                    x,
                    "CHAR" | "VARCHAR" | "CHARACTER" | "NCHAR" | "NVARCHAR" | "VARCHARACTER"
                )
            };
            let text_type =
                |x: &str| matches!(x, "TEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" | "CHAR");
            if here == "BINARY"
                && k >= 1
                && sig
                    .get(k + 1)
                    .is_none_or(|&i| tokens[i].token != Token::LParen)
                && (text_type(&w(k - 1))
                    || (k >= 4
                        && tokens[sig[k - 1]].token == Token::RParen
                        && tokens[sig[k - 3]].token == Token::LParen
                        && char_type(&w(k - 4))))
            {
                binary_attr.push(sig[k]);
            }
            if here == "ZEROFILL" {
                drop[sig[k]] = true;
            } else if here == "PAGE_CHECKSUM" || here == "TRANSACTIONAL" {
                let mut j = k + 1;
                if sig.get(j).is_some_and(|&i| tokens[i].token == Token::Eq) {
                    j += 1;
                }
                if sig
                    .get(j)
                    .is_some_and(|&i| matches!(tokens[i].token, Token::Number(..)))
                {
                    for m in k..=j {
                        drop[sig[m]] = true;
                    }
                    k = j + 1;
                    continue;
                }
            }
        }
        k += 1;
    }
    let mut out = Vec::with_capacity(tokens.len());
    for (i, mut t) in tokens.into_iter().enumerate() {
        if drop[i] {
            continue;
        }
        if replace_for_share.contains(&i) {
            t.token = Token::make_keyword("FOR");
        }
        if table_query.contains(&i) {
            for tok in [Token::make_keyword("SELECT"), Token::Mul] {
                out.push(TokenWithSpan {
                    token: tok,
                    span: t.span,
                });
            }
            t.token = Token::make_keyword("FROM");
        }
        if binary_attr.contains(&i) {
            let span = t.span;
            for tok in [
                Token::make_keyword("COLLATE"),
                Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
                Token::make_word(super::ddl::BINARY_ATTR, None),
            ] {
                out.push(TokenWithSpan::new(tok, span));
            }
            continue;
        }
        if comma_join.contains(&i) {
            let span = t.span;
            for tok in [
                Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
                Token::make_keyword("CROSS"),
                Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
                Token::make_keyword("JOIN"),
            ] {
                out.push(TokenWithSpan::new(tok, span));
            }
            continue;
        }
        out.push(t);
    }
    out
}

/// MySQL 8.0's index option `VISIBLE | INVISIBLE`, written after an index's key parts in
/// CREATE TABLE, ALTER TABLE … ADD and CREATE INDEX (`KEY k (b) /*!80000 INVISIBLE */` in a
/// MySQL 8.0 dump), which sqlparser does not read. The word is dropped; INVISIBLE adds one
/// more key part, `` `ddl::INVISIBLE_PART` ``, that `ddl` takes back: the key parts are
/// what every kind of index definition (FULLTEXT and SPATIAL too) carries through sqlparser.
/// Only words after the key parts count: `KEY invisible (a)` names an index `invisible`.
fn rewrite_index_visibility(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    if !tokens
        .iter()
        .any(|t| matches!(word(&t.token).as_deref(), Some("VISIBLE" | "INVISIBLE")))
    {
        return tokens;
    }
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let w = |k: usize| {
        sig.get(k)
            .and_then(|&i| word(&tokens[i].token))
            .unwrap_or_default()
    };
    // Parenthesis depth before each significant token (a pair shares its depth).
    let mut depth = Vec::with_capacity(sig.len());
    let mut d = 0i32;
    for &i in &sig {
        match tokens[i].token {
            Token::LParen => {
                depth.push(d);
                d += 1;
            }
            Token::RParen => {
                d -= 1;
                depth.push(d);
            }
            _ => depth.push(d),
        }
    }
    // Index definitions as (first token, end, depth of their own tokens).
    let mut defs: Vec<(usize, usize, i32)> = Vec::new();
    let create_table =
        w(0) == "CREATE" && (w(1) == "TABLE" || (w(1) == "TEMPORARY" && w(2) == "TABLE"));
    if create_table {
        if let Some(open) = (0..sig.len()).find(|&k| tokens[sig[k]].token == Token::LParen) {
            let close = (open + 1..sig.len())
                .find(|&k| depth[k] == 0)
                .unwrap_or(sig.len());
            let mut start = open + 1;
            for k in open + 1..=close {
                if k == close || (depth[k] == 1 && tokens[sig[k]].token == Token::Comma) {
                    defs.push((start, k, 1));
                    start = k + 1;
                }
            }
        }
    } else if w(0) == "ALTER" && w(1) == "TABLE" {
        let adds: Vec<usize> = (2..sig.len())
            .filter(|&k| depth[k] == 0 && w(k) == "ADD")
            .collect();
        for &a in &adds {
            let end = (a + 1..sig.len())
                .find(|&k| depth[k] == 0 && tokens[sig[k]].token == Token::Comma)
                .unwrap_or(sig.len());
            defs.push((a + 1, end, 0));
        }
    } else if w(0) == "CREATE"
        && (w(1) == "INDEX"
            || (matches!(w(1).as_str(), "UNIQUE" | "FULLTEXT" | "SPATIAL") && w(2) == "INDEX"))
    {
        if let Some(on) = (2..sig.len()).find(|&k| depth[k] == 0 && w(k) == "ON") {
            defs.push((on, sig.len(), 0));
        }
    }
    let mut drop = vec![false; tokens.len()];
    let mut marker_before: Vec<usize> = Vec::new();
    for (start, end, d) in defs {
        let mut k = start;
        if w(k) == "CONSTRAINT" {
            k += 1;
            if !matches!(w(k).as_str(), "PRIMARY" | "UNIQUE" | "FOREIGN" | "CHECK") {
                k += 1;
            }
        }
        let is_index = w(start) == "ON"
            || matches!(
                w(k).as_str(),
                "KEY" | "INDEX" | "UNIQUE" | "PRIMARY" | "FULLTEXT" | "SPATIAL"
            );
        if !is_index {
            continue;
        }
        let Some(open) = (k..end).find(|&j| depth[j] == d && tokens[sig[j]].token == Token::LParen)
        else {
            continue;
        };
        let Some(close) = (open + 1..end).find(|&j| depth[j] == d) else {
            continue;
        };
        let mut invisible = None;
        for j in close + 1..end {
            if depth[j] == d && matches!(w(j).as_str(), "VISIBLE" | "INVISIBLE") {
                drop[sig[j]] = true;
                invisible = Some(w(j) == "INVISIBLE");
            }
        }
        if invisible == Some(true) {
            marker_before.push(sig[close]);
        }
    }
    let mut out = Vec::with_capacity(tokens.len() + 2 * marker_before.len());
    for (i, t) in tokens.into_iter().enumerate() {
        if drop[i] {
            continue;
        }
        if marker_before.contains(&i) {
            let marker = Token::Word(sqlparser::tokenizer::Word {
                value: super::ddl::INVISIBLE_PART.into(),
                quote_style: Some('`'),
                keyword: sqlparser::keywords::Keyword::NoKeyword,
            });
            out.push(TokenWithSpan::new(Token::Comma, t.span));
            out.push(TokenWithSpan::new(marker, t.span));
        }
        out.push(t);
    }
    out
}

/// MySQL's `!` (logical NOT, binding tighter than every binary operator: `!1 + 1` is
/// `(!1) + 1`), which sqlparser's MySQL dialect does not read: `! operand` becomes the
/// call `` `!`(operand) `` (a name no unquoted call can have), which the binder reads as
/// NOT. The operand is what MySQL's grammar allows after `!` (a `simple_expr`): more
/// prefix operators, then a literal, a name, a call, a parenthesized expression, a CASE
/// … END, with an optional COLLATE. A `!` before anything else is left alone (1064).
fn rewrite_bang(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    // PostgreSQL's operators the tokenizer makes of `!!`, `!~` and `!~~` are MySQL's `!`
    // before `!` or `~`.
    let split = |t: &Token| -> Option<&'static [Token]> {
        Some(match t {
            Token::DoubleExclamationMark => &[Token::ExclamationMark, Token::ExclamationMark],
            Token::ExclamationMarkTilde => &[Token::ExclamationMark, Token::Tilde],
            Token::ExclamationMarkDoubleTilde => {
                &[Token::ExclamationMark, Token::Tilde, Token::Tilde]
            }
            _ => return None,
        })
    };
    if !tokens
        .iter()
        .any(|t| t.token == Token::ExclamationMark || split(&t.token).is_some())
    {
        return tokens;
    }
    let tokens: Vec<TokenWithSpan> = tokens
        .into_iter()
        .flat_map(|t| match split(&t.token) {
            Some(parts) => parts
                .iter()
                .map(|p| TokenWithSpan::new(p.clone(), t.span))
                .collect(),
            None => vec![t],
        })
        .collect();
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    // (position in `sig` of the `!`, of the operand's last token)
    let mut calls: Vec<(usize, usize)> = Vec::new();
    for k in 0..sig.len() {
        if tokens[sig[k]].token == Token::ExclamationMark {
            if let Some(end) = bang_operand_end(&tokens, &sig, k + 1) {
                calls.push((k, end));
            }
        }
    }
    if calls.is_empty() {
        return tokens;
    }
    let mut opens: std::collections::HashMap<usize, usize> = Default::default();
    let mut closes: std::collections::HashMap<usize, usize> = Default::default();
    for (bang, end) in calls {
        opens.insert(sig[bang], 1);
        *closes.entry(sig[end]).or_default() += 1;
    }
    let mut out = Vec::with_capacity(tokens.len() + 2 * opens.len());
    for (i, mut t) in tokens.into_iter().enumerate() {
        if opens.contains_key(&i) {
            let span = t.span;
            t.token = Token::Word(sqlparser::tokenizer::Word {
                value: "!".into(),
                quote_style: Some('`'),
                keyword: sqlparser::keywords::Keyword::NoKeyword,
            });
            out.push(t);
            out.push(TokenWithSpan::new(Token::LParen, span));
            continue;
        }
        let span = t.span;
        out.push(t);
        for _ in 0..closes.get(&i).copied().unwrap_or(0) {
            out.push(TokenWithSpan::new(Token::RParen, span));
        }
    }
    out
}

/// Where the operand of a `!` that starts at `sig[k]` ends (its last token's position in
/// `sig`), or None when it is not one [`rewrite_bang`] knows.
fn bang_operand_end(tokens: &[TokenWithSpan], sig: &[usize], k: usize) -> Option<usize> {
    let tok = |j: usize| sig.get(j).map(|&i| &tokens[i].token);
    let w = |j: usize| tok(j).and_then(word).unwrap_or_default();
    // The matching parenthesis of the `(` at `j`.
    let matching = |j: usize| {
        let mut d = 0i32;
        for (m, &i) in sig.iter().enumerate().skip(j) {
            match tokens[i].token {
                Token::LParen => d += 1,
                Token::RParen => {
                    d -= 1;
                    if d == 0 {
                        return Some(m);
                    }
                }
                _ => {}
            }
        }
        None
    };
    let mut end = match tok(k)? {
        Token::ExclamationMark | Token::Minus | Token::Plus | Token::Tilde => {
            return bang_operand_end(tokens, sig, k + 1);
        }
        Token::Word(x) if x.quote_style.is_none() && w(k) == "BINARY" => {
            return bang_operand_end(tokens, sig, k + 1);
        }
        Token::LParen => matching(k)?,
        Token::Word(x) if x.quote_style.is_none() && w(k) == "CASE" => {
            let mut d = 0;
            let mut m = k;
            loop {
                match w(m).as_str() {
                    "CASE" => d += 1,
                    "END" => {
                        d -= 1;
                        if d == 0 {
                            break m;
                        }
                    }
                    _ => {}
                }
                m += 1;
                tok(m)?;
            }
        }
        Token::Word(x) if x.quote_style.is_none() && w(k) == "NOT" => return None,
        Token::Word(x) => {
            let introducer = x.quote_style.is_none()
                && (x.value.starts_with('_')
                    || matches!(w(k).as_str(), "DATE" | "TIME" | "TIMESTAMP"));
            let mut m = k;
            if introducer && matches!(tok(k + 1), Some(Token::SingleQuotedString(_))) {
                m = k + 1;
            } else {
                // A qualified name `a.b.c`, or a call `f(…)` / `a.f(…)`.
                while matches!(tok(m + 1), Some(Token::Period))
                    && matches!(tok(m + 2), Some(Token::Word(_)))
                {
                    m += 2;
                }
                if matches!(tok(m + 1), Some(Token::LParen)) {
                    m = matching(m + 1)?;
                }
            }
            m
        }
        Token::Number(..)
        | Token::SingleQuotedString(_)
        | Token::DoubleQuotedString(_)
        | Token::NationalStringLiteral(_)
        | Token::HexStringLiteral(_)
        | Token::SingleQuotedByteStringLiteral(_)
        | Token::Placeholder(_) => k,
        _ => return None,
    };
    if w(end + 1) == "COLLATE"
        && matches!(
            tok(end + 2),
            Some(Token::Word(_) | Token::SingleQuotedString(_))
        )
    {
        end += 2;
    }
    Some(end)
}

/// `CREATE SPATIAL INDEX i ON t (c)` (which sqlparser does not read) as the statement
/// MySQL makes of it, `ALTER TABLE t ADD SPATIAL INDEX i (c)`.
fn rewrite_create_spatial(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let w = |k: usize| {
        sig.get(k)
            .and_then(|&i| word(&tokens[i].token))
            .unwrap_or_default()
    };
    if !(w(0) == "CREATE" && w(1) == "SPATIAL" && matches!(w(2).as_str(), "INDEX" | "KEY")) {
        return tokens;
    }
    let Some(on) = (3..sig.len()).find(|&k| w(k) == "ON") else {
        return tokens;
    };
    let Some(paren) = (on..sig.len()).find(|&k| tokens[sig[k]].token == Token::LParen) else {
        return tokens;
    };
    let span = tokens[sig[0]].span;
    let sp = || {
        TokenWithSpan::new(
            Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
            span,
        )
    };
    let kw = |k: &str| TokenWithSpan::new(Token::make_keyword(k), span);
    let mut out = vec![kw("ALTER"), sp(), kw("TABLE"), sp()];
    out.extend(tokens[sig[on + 1]..sig[paren]].iter().cloned());
    out.extend([
        sp(),
        kw("ADD"),
        sp(),
        kw("SPATIAL"),
        sp(),
        kw("INDEX"),
        sp(),
    ]);
    out.extend(tokens[sig[3]..sig[on]].iter().cloned());
    out.push(sp());
    out.extend(tokens[sig[paren]..].iter().cloned());
    out
}

/// ALTER TABLE's CHECK clauses sqlparser does not read, as operations it reads and
/// MySQL has no syntax for (`ddl::alter_table` takes them back):
/// `DROP CHECK c` → `DROP CONSTRAINT c RESTRICT`; `ALTER CHECK c [NOT] ENFORCED` →
/// `ENABLE|DISABLE TRIGGER c`; `ALTER CONSTRAINT c [NOT] ENFORCED` → `ENABLE|DISABLE RULE c`;
/// a column's visibility: `ALTER [COLUMN] c SET INVISIBLE` → `ALTER COLUMN c SET NOT
/// NULL`, `SET VISIBLE` → `DROP NOT NULL`; and an index's: `ALTER INDEX i INVISIBLE` →
/// `ENABLE ALWAYS RULE i`, `VISIBLE` → `ENABLE REPLICA RULE i`.
/// The parser a FULLTEXT key of CREATE TABLE, ALTER TABLE or CREATE FULLTEXT INDEX
/// names in `WITH PARSER name` (right after its column list).
fn fulltext_parser(tokens: &[TokenWithSpan]) -> Option<String> {
    let sig: Vec<&Token> = tokens
        .iter()
        .map(|t| &t.token)
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let w = |k: usize| sig.get(k).and_then(|t| word(t)).unwrap_or_default();
    let ddl = matches!(w(0).as_str(), "CREATE" | "ALTER")
        && (w(1) == "TABLE" || (w(1) == "FULLTEXT" && w(2) == "INDEX"));
    if !ddl || !sig.iter().any(|t| word(t).as_deref() == Some("FULLTEXT")) {
        return None;
    }
    (1..sig.len()).find_map(|k| {
        (*sig[k - 1] == Token::RParen && w(k) == "WITH" && w(k + 1) == "PARSER")
            .then(|| match sig.get(k + 2) {
                Some(Token::Word(x)) => Some(x.value.clone()),
                _ => None,
            })
            .flatten()
    })
}

/// `CREATE FULLTEXT INDEX n ON t (…)`, which sqlparser does not read, becomes
/// `CREATE INDEX n USING <FULLTEXT_USING> ON t (…)`; DDL makes it a FULLTEXT index.
fn rewrite_create_fulltext(mut tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let w = |k: usize| {
        sig.get(k)
            .and_then(|&i| word(&tokens[i].token))
            .unwrap_or_default()
    };
    if !(w(0) == "CREATE" && w(1) == "FULLTEXT" && w(2) == "INDEX" && sig.len() > 4) {
        return tokens;
    }
    let (fulltext, name) = (sig[1], sig[3]);
    tokens[fulltext].token = Token::Whitespace(sqlparser::tokenizer::Whitespace::Space);
    let space = || TokenWithSpan::wrap(Token::Whitespace(sqlparser::tokenizer::Whitespace::Space));
    let extra = [
        space(),
        TokenWithSpan::wrap(Token::make_keyword("USING")),
        space(),
        TokenWithSpan::wrap(Token::make_word(super::ddl::FULLTEXT_USING, None)),
    ];
    tokens.splice(name + 1..name + 1, extra);
    tokens
}

fn rewrite_alter_checks(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let w = |k: usize| {
        sig.get(k)
            .and_then(|&i| word(&tokens[i].token))
            .unwrap_or_default()
    };
    if !(w(0) == "ALTER" && w(1) == "TABLE") {
        return tokens;
    }
    let mut replace: std::collections::HashMap<usize, Vec<Token>> = Default::default();
    let mut depth = 0i32;
    for k in 2..sig.len() {
        match tokens[sig[k]].token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
        if depth != 0 {
            continue;
        }
        if matches!(w(k).as_str(), "ENABLE" | "DISABLE")
            && matches!(w(k + 1).as_str(), "TRIGGER" | "RULE" | "ALWAYS" | "REPLICA")
        {
            // Written by the user, this is not MySQL: quoted, the word no longer reads
            // as an operation and the statement fails to parse (1064), as in MySQL.
            replace.insert(sig[k], vec![Token::make_word(&w(k), Some('`'))]);
            continue;
        }
        // `ALTER INDEX i INVISIBLE|VISIBLE` → `ENABLE ALWAYS|REPLICA RULE i`. PRIMARY is a
        // reserved word there, so `ALTER INDEX PRIMARY …` stays and fails to parse (1064).
        if w(k) == "ALTER" && w(k + 1) == "INDEX" {
            let named = sig
                .get(k + 2)
                .is_some_and(|&i| matches!(tokens[i].token, Token::Word(_)))
                && w(k + 2) != "PRIMARY";
            if named && matches!(w(k + 3).as_str(), "VISIBLE" | "INVISIBLE") {
                let how = if w(k + 3) == "INVISIBLE" {
                    "ALWAYS"
                } else {
                    "REPLICA"
                };
                replace.insert(sig[k], vec![Token::make_keyword("ENABLE")]);
                replace.insert(
                    sig[k + 1],
                    vec![
                        Token::make_keyword(how),
                        Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
                        Token::make_keyword("RULE"),
                    ],
                );
                replace.insert(sig[k + 3], Vec::new());
            }
            continue;
        }
        if w(k) == "ALTER" && !matches!(w(k + 1).as_str(), "CHECK" | "CONSTRAINT" | "INDEX") {
            // `ALTER [COLUMN] c SET VISIBLE|INVISIBLE` → `... DROP|SET NOT NULL`; those
            // written by the user are not MySQL and fail to parse.
            let at = if w(k + 1) == "COLUMN" { k + 2 } else { k + 1 };
            let (verb, what) = (w(at + 1), w(at + 2));
            match (verb.as_str(), what.as_str()) {
                ("SET", "VISIBLE") | ("SET", "INVISIBLE") => {
                    if what == "VISIBLE" {
                        replace.insert(sig[at + 1], vec![Token::make_keyword("DROP")]);
                    }
                    replace.insert(
                        sig[at + 2],
                        vec![
                            Token::make_keyword("NOT"),
                            Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
                            Token::make_keyword("NULL"),
                        ],
                    );
                }
                ("SET", "NOT") | ("DROP", "NOT") => {
                    replace.insert(sig[at + 1], vec![Token::make_word(&verb, Some('`'))]);
                }
                _ => {}
            }
            continue;
        }
        let name = sig.get(k + 2).map(|&i| tokens[i].token.clone());
        let Some(name) = name.filter(|t| matches!(t, Token::Word(_))) else {
            continue;
        };
        if w(k) == "DROP" && w(k + 1) == "CHECK" {
            replace.insert(sig[k + 1], vec![Token::make_keyword("CONSTRAINT")]);
            replace.insert(
                sig[k + 2],
                vec![
                    name,
                    Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
                    Token::make_keyword("RESTRICT"),
                ],
            );
        } else if w(k) == "ALTER" && matches!(w(k + 1).as_str(), "CHECK" | "CONSTRAINT") {
            let not = w(k + 3) == "NOT";
            let enforced = if not { k + 4 } else { k + 3 };
            if w(enforced) != "ENFORCED" {
                continue;
            }
            let verb = if not { "DISABLE" } else { "ENABLE" };
            let what = if w(k + 1) == "CHECK" {
                "TRIGGER"
            } else {
                "RULE"
            };
            replace.insert(sig[k], vec![Token::make_keyword(verb)]);
            replace.insert(sig[k + 1], vec![Token::make_keyword(what)]);
            for &j in &sig[k + 3..=enforced] {
                replace.insert(j, Vec::new());
            }
        }
    }
    if replace.is_empty() {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len() + 2);
    for (i, t) in tokens.into_iter().enumerate() {
        match replace.remove(&i) {
            Some(toks) => {
                for tok in toks {
                    out.push(TokenWithSpan::new(tok, t.span));
                }
            }
            None => out.push(t),
        }
    }
    out
}

/// Calls sqlparser reads differently from MySQL, made plain calls:
/// * `INTERVAL(N, N1, …)` (a comma directly inside the parentheses) is MySQL's
///   INTERVAL() function, which sqlparser would read as an INTERVAL expression: the
///   keyword becomes a quoted name (`INTERVAL (1) DAY` stays an interval);
/// * `CHAR(N, … USING cs)` becomes `` `CHAR USING`(N, …, 'cs') `` (a name no unquoted
///   call can have), which the binder knows as [`super::functions::Func::CharUsing`].
///
/// One pass with a stack of open parentheses, so nesting costs nothing extra.
fn rewrite_calls(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    if !tokens
        .iter()
        .any(|t| matches!(word(&t.token).as_deref(), Some("INTERVAL" | "CHAR")))
    {
        return tokens;
    }
    // Per open parenthesis: the INTERVAL or CHAR word just before it (spaces between
    // are allowed, as MySQL's grammar allows them for these keywords).
    let mut stack: Vec<Option<usize>> = Vec::new();
    let mut prev: Option<usize> = None;
    let mut interval_fn: Vec<usize> = Vec::new();
    let mut char_using: Vec<(usize, usize)> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match &t.token {
            Token::Whitespace(_) => continue,
            Token::LParen => {
                let owner = prev.filter(|&p| {
                    matches!(word(&tokens[p].token).as_deref(), Some("INTERVAL" | "CHAR"))
                });
                stack.push(owner);
            }
            Token::RParen => {
                stack.pop();
            }
            Token::Comma => {
                if let Some(Some(p)) = stack.last() {
                    if word(&tokens[*p].token).as_deref() == Some("INTERVAL")
                        && interval_fn.last() != Some(p)
                    {
                        interval_fn.push(*p);
                    }
                }
            }
            tok if word(tok).as_deref() == Some("USING") => {
                if let Some(Some(p)) = stack.last() {
                    if word(&tokens[*p].token).as_deref() == Some("CHAR") {
                        char_using.push((*p, i));
                    }
                }
            }
            _ => {}
        }
        prev = Some(i);
    }
    if interval_fn.is_empty() && char_using.is_empty() {
        return tokens;
    }
    let quoted = |name: &str| {
        Token::Word(sqlparser::tokenizer::Word {
            value: name.into(),
            quote_style: Some('`'),
            keyword: sqlparser::keywords::Keyword::NoKeyword,
        })
    };
    let mut replace: std::collections::HashMap<usize, Token> = Default::default();
    for i in interval_fn {
        replace.insert(i, quoted("INTERVAL"));
    }
    for (ch, using) in char_using {
        replace.insert(ch, quoted("CHAR USING"));
        replace.insert(using, Token::Comma);
        // The character set name: a word (or a string) becomes a string argument.
        if let Some(j) =
            (using + 1..tokens.len()).find(|&j| !matches!(tokens[j].token, Token::Whitespace(_)))
        {
            if let Token::Word(w) = &tokens[j].token {
                replace.insert(j, Token::SingleQuotedString(w.value.clone()));
            }
        }
    }
    tokens
        .into_iter()
        .enumerate()
        .map(|(i, mut t)| {
            if let Some(new) = replace.remove(&i) {
                t.token = new;
            }
            t
        })
        .collect()
}

fn rewrite_units(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let tokens = rewrite_calls(tokens);
    let is_compound = |t: &Token| word(t).is_some_and(|w| COMPOUND_UNITS.contains(&w.as_str()));
    if !tokens
        .iter()
        .any(|t| is_compound(&t.token) || word(&t.token).as_deref() == Some("EXTRACT"))
    {
        return tokens;
    }
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let w = |k: usize| {
        sig.get(k)
            .and_then(|&i| word(&tokens[i].token))
            .unwrap_or_default()
    };
    let mut replace: std::collections::HashMap<usize, Vec<Token>> = Default::default();
    for k in 0..sig.len() {
        let here = w(k);
        // EXTRACT(<any unit> FROM …) with a unit sqlparser lacks: a plain call.
        if here == "EXTRACT"
            && sig
                .get(k + 1)
                .is_some_and(|&i| tokens[i].token == Token::LParen)
            && is_compound(&tokens[sig.get(k + 2).copied().unwrap_or(0)].token)
            && w(k + 3) == "FROM"
        {
            replace.insert(
                sig[k],
                vec![Token::Word(sqlparser::tokenizer::Word {
                    value: "EXTRACT".into(),
                    quote_style: Some('`'),
                    keyword: sqlparser::keywords::Keyword::NoKeyword,
                })],
            );
            replace.insert(sig[k + 2], vec![Token::SingleQuotedString(w(k + 2))]);
            replace.insert(sig[k + 3], vec![Token::Comma]);
            continue;
        }
        if is_compound(&tokens[sig[k]].token) && !replace.contains_key(&sig[k]) {
            if let Some((a, b)) = here.split_once('_') {
                let sp = Token::Whitespace(sqlparser::tokenizer::Whitespace::Space);
                replace.insert(
                    sig[k],
                    vec![
                        Token::make_keyword(a),
                        sp.clone(),
                        Token::make_keyword("TO"),
                        sp,
                        Token::make_keyword(b),
                    ],
                );
            }
        }
    }
    let mut out = Vec::with_capacity(tokens.len());
    for (i, t) in tokens.into_iter().enumerate() {
        match replace.remove(&i) {
            Some(new) => out.extend(new.into_iter().map(|token| TokenWithSpan {
                token,
                span: t.span,
            })),
            None => out.push(t),
        }
    }
    out
}

/// Retries a failed SELECT without MariaDB's `[FOR SYSTEM_TIME] AS OF [TIMESTAMP] expr`.
fn parse_as_of(tokens: &[TokenWithSpan]) -> Option<Result<Parsed, ParserError>> {
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let w = |k: usize| {
        sig.get(k)
            .and_then(|&i| word(&tokens[i].token))
            .unwrap_or_default()
    };
    if !matches!(w(0).as_str(), "SELECT" | "WITH") {
        return None;
    }
    let k = (1..sig.len()).find(|&k| w(k) == "AS" && w(k + 1) == "OF")?;
    let start = if k >= 2 && w(k - 1) == "SYSTEM_TIME" && w(k - 2) == "FOR" {
        k - 2
    } else {
        k
    };
    let mut expr_k = k + 2;
    if w(expr_k) == "TIMESTAMP" {
        expr_k += 1;
    }
    let expr_at = *sig.get(expr_k)?;
    let mut sub = parser().with_tokens_with_locations(tokens[expr_at..].to_vec());
    let timestamp = match sub.parse_expr() {
        Ok(e) => e,
        Err(e) => return Some(Err(e)),
    };
    let expr_end = expr_at + sub.index();
    let mut rest: Vec<TokenWithSpan> = tokens[..sig[start]].to_vec();
    rest.extend_from_slice(tokens.get(expr_end..).unwrap_or(&[]));
    // More tables with their own clause (a join read at one time): the same time for
    // every table, since the statement reads one snapshot.
    if let Some(more) = parse_as_of(&rest) {
        return Some(more.and_then(|p| match p {
            Parsed::Own(OwnStatement::AsOf {
                statement,
                timestamp: other,
            }) if other.to_string() == timestamp.to_string() => {
                Ok(Parsed::Own(OwnStatement::AsOf {
                    statement,
                    timestamp,
                }))
            }
            _ => Err(ParserError::ParserError(
                "every AS OF in one statement must name the same time".into(),
            )),
        }));
    }
    Some(parse_with_sqlparser(rest).map(|statement| {
        Parsed::Own(OwnStatement::AsOf {
            statement: Box::new(statement),
            timestamp,
        })
    }))
}

// ---------------------------------------------------------------------------------------
// 5. Our own parser
// ---------------------------------------------------------------------------------------

type R<T> = Result<T, ParserError>;

/// A cursor over the tokens, reusing sqlparser's `Parser` for names and expressions.
struct Own<'a> {
    p: Parser<'a>,
    text: &'a str,
}

impl<'a> Own<'a> {
    fn new(tokens: Vec<TokenWithSpan>, text: &'a str) -> Self {
        Own {
            p: parser().with_tokens_with_locations(tokens),
            text,
        }
    }

    /// Upper-case unquoted word at lookahead `n`.
    fn peek_word(&self, n: usize) -> Option<String> {
        word(&self.p.peek_nth_token_ref(n).token)
    }

    fn is(&self, w: &str) -> bool {
        self.peek_word(0).as_deref() == Some(w)
    }

    /// Consumes the word `w` if it is next.
    fn eat(&mut self, w: &str) -> bool {
        if self.is(w) {
            self.p.next_token();
            true
        } else {
            false
        }
    }

    /// Consumes all of `ws` if they are next, else nothing.
    fn eat_seq(&mut self, ws: &[&str]) -> bool {
        if ws
            .iter()
            .enumerate()
            .all(|(n, w)| self.peek_word(n).as_deref() == Some(*w))
        {
            for _ in ws {
                self.p.next_token();
            }
            true
        } else {
            false
        }
    }

    /// Consumes and returns whichever of `ws` is next.
    fn eat_one_of(&mut self, ws: &[&'static str]) -> Option<&'static str> {
        let next = self.peek_word(0)?;
        let hit = ws.iter().find(|w| **w == next)?;
        self.p.next_token();
        Some(hit)
    }

    fn expect(&mut self, w: &str) -> R<()> {
        if self.eat(w) {
            Ok(())
        } else {
            self.fail(w)
        }
    }

    fn fail<T>(&self, what: &str) -> R<T> {
        self.p.expected(what, self.p.peek_token())
    }

    fn eat_tok(&mut self, t: &Token) -> bool {
        self.p.consume_token(t)
    }

    fn at_end(&self) -> bool {
        matches!(self.p.peek_token_ref().token, Token::EOF | Token::SemiColon)
    }

    fn end(&mut self) -> R<()> {
        expect_end(&mut self.p)
    }

    fn ident(&mut self) -> R<String> {
        Ok(self.p.parse_identifier()?.value)
    }

    fn string(&mut self) -> R<String> {
        self.p.parse_literal_string()
    }

    fn uint(&mut self) -> R<u64> {
        self.p.parse_literal_uint()
    }

    fn expr(&mut self) -> R<Expr> {
        self.p.parse_expr()
    }

    fn table_name(&mut self) -> R<TableName> {
        let name: ObjectName = self.p.parse_object_name(false)?;
        let mut parts = Vec::new();
        for part in name.0 {
            match part {
                ObjectNamePart::Identifier(Ident { value, .. }) => parts.push(value),
                _ => return self.fail("a table name"),
            }
        }
        match parts.len() {
            1 => Ok(TableName {
                db: None,
                name: parts.remove(0),
            }),
            2 => {
                let name = parts.remove(1);
                Ok(TableName {
                    db: Some(parts.remove(0)),
                    name,
                })
            }
            _ => self.fail("a table name"),
        }
    }

    fn table_list(&mut self) -> R<Vec<TableName>> {
        let mut v = vec![self.table_name()?];
        while self.eat_tok(&Token::Comma) {
            v.push(self.table_name()?);
        }
        Ok(v)
    }

    /// `'u'@'h'`, `u@h`, `` `u`@`h` ``, `'u'` (host `%`), `CURRENT_USER[()]`.
    fn user(&mut self) -> R<UserHost> {
        if self.is("CURRENT_USER") {
            self.p.next_token();
            if self.eat_tok(&Token::LParen) {
                self.p.expect_token(&Token::RParen)?;
            }
            return Ok(UserHost {
                user: "CURRENT_USER".into(),
                host: String::new(),
            });
        }
        let t = self.p.next_token();
        let mut user = match t.token {
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => s,
            Token::Word(w) => w.value,
            _ => return self.p.expected("a user name", t),
        };
        // The tokenizer glues an unquoted `@host` into one word and may glue `u@` into the
        // user word; a quoted host comes as AtSign + literal.
        let mut host = None;
        if let Some((u, h)) = user.split_once('@') {
            if !h.is_empty() {
                host = Some(h.to_string());
            }
            user = u.to_string();
        } else {
            match &self.p.peek_token_ref().token {
                Token::AtSign => {
                    self.p.next_token();
                }
                Token::Word(w)
                    if w.quote_style.is_none() && w.value.starts_with('@') && w.value.len() > 1 =>
                {
                    host = Some(w.value[1..].to_string());
                    self.p.next_token();
                }
                _ => {
                    return Ok(UserHost {
                        user,
                        host: "%".into(),
                    })
                }
            }
        }
        let host = match host {
            Some(h) => h,
            None => {
                let t = self.p.next_token();
                match t.token {
                    Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => s,
                    Token::Word(w) => w.value,
                    Token::Number(n, _) => n,
                    _ => return self.p.expected("a host name", t),
                }
            }
        };
        Ok(UserHost { user, host })
    }

    /// Remaining tokens as text (for options we keep but do not interpret).
    fn rest_as_text(&mut self) -> String {
        let mut parts = Vec::new();
        while !self.at_end() {
            parts.push(self.p.next_token().token.to_string());
        }
        parts.join(" ")
    }

    fn statement(&mut self) -> R<OwnStatement> {
        let first = self.peek_word(0).unwrap_or_default();
        self.p.next_token();
        match first.as_str() {
            "CHECKSUM" => self.checksum(),
            "START" => self.start(),
            "BEGIN" => {
                self.eat("WORK");
                Ok(OwnStatement::Begin)
            }
            "COMMIT" => {
                self.eat("WORK");
                let (chain, release) = self.chain_release()?;
                Ok(OwnStatement::Commit { chain, release })
            }
            "ROLLBACK" => self.rollback(),
            "SAVEPOINT" => Ok(OwnStatement::Savepoint(self.ident()?)),
            "RELEASE" => {
                self.expect("SAVEPOINT")?;
                Ok(OwnStatement::Release(self.ident()?))
            }
            "SET" => self.set(),
            "LOCK" => self.lock_tables(),
            "UNLOCK" => {
                if self.eat_one_of(&["TABLES", "TABLE"]).is_none() {
                    return self.fail("TABLES");
                }
                Ok(OwnStatement::UnlockTables)
            }
            "SHOW" => Ok(OwnStatement::Show(self.show()?)),
            "CHANGE" => self.change_source(),
            "STOP" => {
                if self.eat_one_of(&["SLAVE", "REPLICA"]).is_none() {
                    return self.fail("SLAVE or REPLICA");
                }
                Ok(OwnStatement::StopReplica {
                    threads: self.replica_threads()?,
                })
            }
            "RESET" => self.reset(),
            "PURGE" => self.purge(),
            "CREATE" => self.create(),
            "ALTER" => self.alter(),
            "DROP" if self.eat("EVENT") => {
                let if_exists = self.eat_seq(&["IF", "EXISTS"]);
                Ok(OwnStatement::DropEvent {
                    if_exists,
                    name: self.table_name()?,
                })
            }
            "DROP" if self.eat("TRIGGER") => {
                let if_exists = self.eat_seq(&["IF", "EXISTS"]);
                Ok(OwnStatement::DropTrigger {
                    if_exists,
                    name: self.table_name()?,
                })
            }
            "DROP" if self.is("FUNCTION") || self.is("PROCEDURE") => {
                let kind = if self.eat("FUNCTION") {
                    RoutineKind::Function
                } else {
                    self.p.next_token();
                    RoutineKind::Procedure
                };
                let if_exists = self.eat_seq(&["IF", "EXISTS"]);
                Ok(OwnStatement::DropRoutine {
                    kind,
                    if_exists,
                    name: self.table_name()?,
                })
            }
            "DROP" if self.eat("PREPARE") => {
                let name = self.ident()?;
                self.end()?;
                Ok(OwnStatement::DeallocatePrepare(name))
            }
            "DROP" => {
                self.expect("USER")?;
                let if_exists = self.eat_seq(&["IF", "EXISTS"]);
                let mut users = vec![self.user()?];
                while self.eat_tok(&Token::Comma) {
                    users.push(self.user()?);
                }
                Ok(OwnStatement::DropUser { if_exists, users })
            }
            "GRANT" => Ok(OwnStatement::Grant(self.grant(true)?)),
            "REVOKE" => Ok(OwnStatement::Revoke(self.grant(false)?)),
            "PREPARE" => {
                let name = self.ident()?;
                self.expect("FROM")?;
                let source = self.expr()?;
                self.end()?;
                Ok(OwnStatement::PrepareText { name, source })
            }
            "EXECUTE" => {
                let name = self.ident()?;
                let using = if self.eat("USING") {
                    self.p.parse_comma_separated(Parser::parse_expr)?
                } else {
                    Vec::new()
                };
                self.end()?;
                Ok(OwnStatement::ExecuteText { name, using })
            }
            "DEALLOCATE" => {
                self.expect("PREPARE")?;
                let name = self.ident()?;
                self.end()?;
                Ok(OwnStatement::DeallocatePrepare(name))
            }
            "HELP" => {
                let t = self.p.next_token();
                match t.token {
                    Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
                        Ok(OwnStatement::Help(s))
                    }
                    Token::Word(w) => Ok(OwnStatement::Help(w.value)),
                    _ => self.p.expected("a help topic", t),
                }
            }
            "DO" => Ok(OwnStatement::Do(
                self.p.parse_comma_separated(Parser::parse_expr)?,
            )),
            "ANALYZE" => self.maintenance(MaintenanceOp::Analyze),
            "OPTIMIZE" => self.maintenance(MaintenanceOp::Optimize),
            "CHECK" => self.maintenance(MaintenanceOp::Check),
            "REPAIR" => self.maintenance(MaintenanceOp::Repair),
            "DESCRIBE" | "DESC" | "EXPLAIN" => self.describe(),
            _ => {
                self.p.prev_token();
                self.fail("a statement")
            }
        }
    }

    fn checksum(&mut self) -> R<OwnStatement> {
        if self.eat_one_of(&["TABLE", "TABLES"]).is_none() {
            return self.fail("TABLE");
        }
        let tables = self.table_list()?;
        let mode = match self.eat_one_of(&["QUICK", "EXTENDED"]) {
            Some("QUICK") => ChecksumMode::Quick,
            Some(_) => ChecksumMode::Extended,
            None => ChecksumMode::Default,
        };
        Ok(OwnStatement::Checksum { tables, mode })
    }

    fn start(&mut self) -> R<OwnStatement> {
        if self.eat_one_of(&["SLAVE", "REPLICA"]).is_some() {
            return Ok(OwnStatement::StartReplica {
                threads: self.replica_threads()?,
            });
        }
        self.expect("TRANSACTION")?;
        let mut read_only = None;
        let mut consistent_snapshot = false;
        if !self.at_end() {
            loop {
                if self.eat_seq(&["WITH", "CONSISTENT", "SNAPSHOT"]) {
                    consistent_snapshot = true;
                } else if self.eat_seq(&["READ", "ONLY"]) {
                    read_only = Some(true);
                } else if self.eat_seq(&["READ", "WRITE"]) {
                    read_only = Some(false);
                } else {
                    return self.fail("WITH CONSISTENT SNAPSHOT, READ ONLY or READ WRITE");
                }
                if !self.eat_tok(&Token::Comma) {
                    break;
                }
            }
        }
        Ok(OwnStatement::StartTransaction {
            read_only,
            consistent_snapshot,
        })
    }

    fn chain_release(&mut self) -> R<(bool, bool)> {
        let mut chain = false;
        if self.eat("AND") {
            chain = !self.eat("NO");
            self.expect("CHAIN")?;
        }
        let release = if self.eat_seq(&["NO", "RELEASE"]) {
            false
        } else {
            self.eat("RELEASE")
        };
        Ok((chain, release))
    }

    fn rollback(&mut self) -> R<OwnStatement> {
        self.eat("WORK");
        if self.eat("TO") {
            self.eat("SAVEPOINT");
            return Ok(OwnStatement::RollbackTo(self.ident()?));
        }
        let (chain, release) = self.chain_release()?;
        Ok(OwnStatement::Rollback { chain, release })
    }

    fn scope_keyword(&mut self) -> Option<VarScope> {
        match self.eat_one_of(&["GLOBAL", "SESSION", "LOCAL", "PERSIST", "PERSIST_ONLY"])? {
            "GLOBAL" => Some(VarScope::Global),
            "PERSIST" => Some(VarScope::Persist),
            "PERSIST_ONLY" => Some(VarScope::PersistOnly),
            _ => Some(VarScope::Session),
        }
    }

    fn charset_name(&mut self) -> R<Option<String>> {
        if self.eat("DEFAULT") {
            return Ok(None);
        }
        let t = self.p.next_token();
        match t.token {
            Token::Word(w) => Ok(Some(w.value)),
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Ok(Some(s)),
            _ => self.p.expected("a character set name", t),
        }
    }

    fn set(&mut self) -> R<OwnStatement> {
        // Forms decided by the first words.
        let scope_then_txn = matches!(
            self.peek_word(0).as_deref(),
            Some("GLOBAL" | "SESSION" | "LOCAL")
        ) && self.peek_word(1).as_deref() == Some("TRANSACTION");
        if scope_then_txn || self.is("TRANSACTION") {
            let scope = self.scope_keyword();
            self.expect("TRANSACTION")?;
            return self.set_transaction(scope);
        }
        if self.is("NAMES") && self.peek_nth_tok_is_not_assign(1) {
            self.p.next_token();
            let charset = self.charset_name()?;
            let collation = if self.eat("COLLATE") {
                self.charset_name()?
            } else {
                None
            };
            return Ok(OwnStatement::SetNames { charset, collation });
        }
        if self.eat_seq(&["CHARACTER", "SET"])
            || (self.is("CHARSET") && self.peek_nth_tok_is_not_assign(1) && self.eat("CHARSET"))
        {
            return Ok(OwnStatement::SetCharacterSet(self.charset_name()?));
        }
        let mut scope = VarScope::Session;
        let mut out = Vec::new();
        loop {
            if let Some(s) = self.scope_keyword() {
                scope = s;
            }
            let target = self.set_target(scope)?;
            if !(self.eat_tok(&Token::Eq) || self.eat_tok(&Token::Assignment)) {
                return self.fail("=");
            }
            let value = self.set_value()?;
            out.push(Assignment { target, value });
            if !self.eat_tok(&Token::Comma) {
                break;
            }
        }
        Ok(OwnStatement::Set(out))
    }

    fn peek_nth_tok_is_not_assign(&self, n: usize) -> bool {
        !matches!(
            self.p.peek_nth_token_ref(n).token,
            Token::Eq | Token::Assignment
        )
    }

    fn set_target(&mut self, scope: VarScope) -> R<SetTarget> {
        let t = self.p.next_token();
        let Token::Word(w) = &t.token else {
            return self.p.expected("a variable name", t);
        };
        let value = w.value.clone();
        if w.quote_style.is_none() && value.starts_with("@@") {
            let first = value[2..].to_ascii_lowercase();
            let explicit = match first.as_str() {
                "global" => Some(VarScope::Global),
                "session" | "local" => Some(VarScope::Session),
                "persist" => Some(VarScope::Persist),
                "persist_only" => Some(VarScope::PersistOnly),
                _ => None,
            };
            if let (Some(s), true) = (explicit, self.p.peek_token_ref().token == Token::Period) {
                self.p.next_token();
                let name = self.dotted_name()?;
                return Ok(SetTarget::System { scope: s, name });
            }
            let mut name = first;
            while self.eat_tok(&Token::Period) {
                name.push('.');
                name.push_str(&self.ident()?.to_ascii_lowercase());
            }
            return Ok(SetTarget::System {
                scope: VarScope::Session,
                name,
            });
        }
        if w.quote_style.is_none() && value.starts_with('@') {
            let mut name = value[1..].to_string();
            if name.is_empty() {
                // `@'quoted name'` or @`name`
                let t = self.p.next_token();
                name = match t.token {
                    Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => s,
                    Token::Word(w) => w.value,
                    _ => return self.p.expected("a user variable name", t),
                };
            }
            return Ok(SetTarget::User(name));
        }
        let mut name = value.to_ascii_lowercase();
        while self.eat_tok(&Token::Period) {
            name.push('.');
            name.push_str(&self.ident()?.to_ascii_lowercase());
        }
        Ok(SetTarget::System { scope, name })
    }

    fn dotted_name(&mut self) -> R<String> {
        let mut name = self.ident()?.to_ascii_lowercase();
        while self.eat_tok(&Token::Period) {
            name.push('.');
            name.push_str(&self.ident()?.to_ascii_lowercase());
        }
        Ok(name)
    }

    fn set_value(&mut self) -> R<SetValue> {
        let next_is_end = matches!(
            self.p.peek_nth_token_ref(1).token,
            Token::Comma | Token::EOF | Token::SemiColon
        );
        if next_is_end {
            if self.is("DEFAULT") {
                self.p.next_token();
                return Ok(SetValue::Default);
            }
            // Bare keywords MySQL accepts as values: ON, OFF, ALL, BINARY, …
            if let Token::Word(w) = &self.p.peek_token_ref().token {
                if w.quote_style.is_none() && !w.value.starts_with('@') {
                    let ident = Ident::new(w.value.clone());
                    self.p.next_token();
                    return Ok(SetValue::Expr(Expr::Identifier(ident)));
                }
            }
        }
        Ok(SetValue::Expr(self.expr()?))
    }

    fn set_transaction(&mut self, scope: Option<VarScope>) -> R<OwnStatement> {
        let mut isolation = None;
        let mut read_only = None;
        loop {
            if self.eat_seq(&["ISOLATION", "LEVEL"]) {
                isolation = Some(if self.eat_seq(&["REPEATABLE", "READ"]) {
                    IsolationLevel::RepeatableRead
                } else if self.eat_seq(&["READ", "COMMITTED"]) {
                    IsolationLevel::ReadCommitted
                } else if self.eat_seq(&["READ", "UNCOMMITTED"]) {
                    IsolationLevel::ReadUncommitted
                } else if self.eat("SERIALIZABLE") {
                    IsolationLevel::Serializable
                } else {
                    return self.fail("an isolation level");
                });
            } else if self.eat_seq(&["READ", "ONLY"]) {
                read_only = Some(true);
            } else if self.eat_seq(&["READ", "WRITE"]) {
                read_only = Some(false);
            } else {
                return self.fail("ISOLATION LEVEL, READ ONLY or READ WRITE");
            }
            if !self.eat_tok(&Token::Comma) {
                break;
            }
        }
        Ok(OwnStatement::SetTransaction {
            scope,
            isolation,
            read_only,
        })
    }

    fn lock_tables(&mut self) -> R<OwnStatement> {
        if self.eat_one_of(&["TABLES", "TABLE"]).is_none() {
            return self.fail("TABLES");
        }
        let mut items = Vec::new();
        loop {
            let table = self.table_name()?;
            let explicit = self.eat("AS");
            let alias = if explicit
                || !matches!(
                    self.peek_word(0).as_deref(),
                    Some("READ" | "WRITE" | "LOW_PRIORITY")
                ) {
                Some(self.ident()?)
            } else {
                None
            };
            let kind = if self.eat("READ") {
                LockKind::Read {
                    local: self.eat("LOCAL"),
                }
            } else {
                let low_priority = self.eat("LOW_PRIORITY");
                self.expect("WRITE")?;
                LockKind::Write { low_priority }
            };
            items.push(LockItem { table, alias, kind });
            if !self.eat_tok(&Token::Comma) {
                break;
            }
        }
        Ok(OwnStatement::LockTables(items))
    }

    fn filter(&mut self) -> R<Option<ShowFilter>> {
        if self.eat("LIKE") {
            Ok(Some(ShowFilter::Like(self.string()?)))
        } else if self.eat("WHERE") {
            Ok(Some(ShowFilter::Where(self.expr()?)))
        } else {
            Ok(None)
        }
    }

    fn parse_from_db(&mut self) -> R<Option<String>> {
        if self.eat_one_of(&["FROM", "IN"]).is_some() {
            Ok(Some(self.ident()?))
        } else {
            Ok(None)
        }
    }

    fn limit(&mut self) -> R<Option<Limit>> {
        if !self.eat("LIMIT") {
            return Ok(None);
        }
        let a = self.uint()?;
        if self.eat_tok(&Token::Comma) {
            let b = self.uint()?;
            return Ok(Some(Limit {
                offset: a,
                count: b,
            }));
        }
        if self.eat("OFFSET") {
            let b = self.uint()?;
            return Ok(Some(Limit {
                offset: b,
                count: a,
            }));
        }
        Ok(Some(Limit {
            offset: 0,
            count: a,
        }))
    }

    fn show(&mut self) -> R<ShowStatement> {
        use ShowStatement as S;
        let full = self.eat("FULL");
        let scope = match self.eat_one_of(&["GLOBAL", "SESSION", "LOCAL"]) {
            Some("GLOBAL") => Some(VarScope::Global),
            Some(_) => Some(VarScope::Session),
            None => None,
        };
        let kw = self.peek_word(0).unwrap_or_default();
        if scope.is_some() && !matches!(kw.as_str(), "VARIABLES" | "STATUS") {
            return self.fail("VARIABLES or STATUS");
        }
        if full
            && !matches!(
                kw.as_str(),
                "TABLES" | "COLUMNS" | "FIELDS" | "PROCESSLIST" | "OPEN"
            )
        {
            return self.fail("TABLES, COLUMNS or PROCESSLIST");
        }
        if kw == "COUNT" {
            self.p.next_token();
            self.p.expect_token(&Token::LParen)?;
            self.p.expect_token(&Token::Mul)?;
            self.p.expect_token(&Token::RParen)?;
            return match self.eat_one_of(&["WARNINGS", "ERRORS"]) {
                Some("WARNINGS") => Ok(S::WarningCount),
                Some(_) => Ok(S::ErrorCount),
                None => self.fail("WARNINGS or ERRORS"),
            };
        }
        if kw.is_empty() {
            return self.fail("a SHOW statement");
        }
        self.p.next_token();
        let scope = scope.unwrap_or(VarScope::Session);
        Ok(match kw.as_str() {
            "VARIABLES" => S::Variables {
                scope,
                filter: self.filter()?,
            },
            "STATUS" => S::Status {
                scope,
                filter: self.filter()?,
            },
            "DATABASES" | "SCHEMAS" => S::Databases {
                filter: self.filter()?,
            },
            "TABLES" => S::Tables {
                full,
                db: self.parse_from_db()?,
                filter: self.filter()?,
            },
            "OPEN" => {
                self.expect("TABLES")?;
                S::OpenTables {
                    db: self.parse_from_db()?,
                    filter: self.filter()?,
                }
            }
            "COLUMNS" | "FIELDS" => {
                let table = self.show_table()?;
                S::Columns {
                    full,
                    table,
                    filter: self.filter()?,
                }
            }
            "INDEX" | "INDEXES" | "KEYS" => {
                let table = self.show_table()?;
                S::Index {
                    table,
                    filter: self.filter()?,
                }
            }
            "CREATE" => self.show_create()?,
            "TABLE" => {
                self.expect("STATUS")?;
                S::TableStatus {
                    db: self.parse_from_db()?,
                    filter: self.filter()?,
                }
            }
            "WARNINGS" => S::Warnings {
                limit: self.limit()?,
            },
            "ERRORS" => S::Errors {
                limit: self.limit()?,
            },
            "PROCESSLIST" => S::Processlist { full },
            "ENGINES" => S::Engines,
            "STORAGE" => {
                self.expect("ENGINES")?;
                S::Engines
            }
            "ENGINE" => {
                let engine = self.ident()?;
                let what = match self.eat_one_of(&["STATUS", "MUTEX", "LOGS"]) {
                    Some(w) => w.to_string(),
                    None => return self.fail("STATUS or MUTEX"),
                };
                S::EngineStatus { engine, what }
            }
            "CHARACTER" => {
                self.expect("SET")?;
                S::CharacterSet {
                    filter: self.filter()?,
                }
            }
            "CHARSET" => S::CharacterSet {
                filter: self.filter()?,
            },
            "COLLATION" => S::Collation {
                filter: self.filter()?,
            },
            "GRANTS" => {
                let user = if self.eat("FOR") {
                    Some(self.user()?)
                } else {
                    None
                };
                S::Grants { user }
            }
            "MASTER" => match self.eat_one_of(&["STATUS", "LOGS"]) {
                Some("STATUS") => S::MasterStatus,
                Some(_) => S::BinaryLogs,
                None => return self.fail("STATUS or LOGS"),
            },
            "BINARY" => {
                if self.eat_seq(&["LOG", "STATUS"]) {
                    S::MasterStatus
                } else {
                    self.expect("LOGS")?;
                    S::BinaryLogs
                }
            }
            "BINLOG" => {
                self.expect("EVENTS")?;
                let file = if self.eat("IN") {
                    Some(self.string()?)
                } else {
                    None
                };
                let pos = if self.eat("FROM") {
                    Some(self.uint()?)
                } else {
                    None
                };
                S::BinlogEvents {
                    file,
                    pos,
                    limit: self.limit()?,
                }
            }
            w @ ("SLAVE" | "REPLICA") => match self.eat_one_of(&["STATUS", "HOSTS"]) {
                Some("STATUS") => S::ReplicaStatus {
                    old_names: w == "SLAVE",
                },
                Some(_) => S::ReplicaHosts,
                None => return self.fail("STATUS or HOSTS"),
            },
            "REPLICAS" => S::ReplicaHosts,
            "EVENTS" => S::Events {
                db: self.parse_from_db()?,
                filter: self.filter()?,
            },
            "TRIGGERS" => S::Triggers {
                db: self.parse_from_db()?,
                filter: self.filter()?,
            },
            "FUNCTION" | "PROCEDURE" | "PACKAGE" => {
                let kind = match kw.as_str() {
                    "FUNCTION" => RoutineKind::Function,
                    "PROCEDURE" => RoutineKind::Procedure,
                    _ if self.eat("BODY") => RoutineKind::PackageBody,
                    _ => RoutineKind::Package,
                };
                self.expect("STATUS")?;
                S::RoutineStatus {
                    kind,
                    filter: self.filter()?,
                }
            }
            "PLUGINS" => S::Plugins,
            "PRIVILEGES" => S::Privileges,
            _ => {
                self.p.prev_token();
                return self.fail("a SHOW statement");
            }
        })
    }

    /// `FROM|IN t [FROM|IN db]`.
    fn show_table(&mut self) -> R<TableName> {
        if self.eat_one_of(&["FROM", "IN"]).is_none() {
            return self.fail("FROM");
        }
        let mut table = self.table_name()?;
        if let Some(db) = self.parse_from_db()? {
            table.db = Some(db);
        }
        Ok(table)
    }

    fn show_create(&mut self) -> R<ShowStatement> {
        let kind = match self.eat_one_of(&[
            "TABLE",
            "VIEW",
            "DATABASE",
            "SCHEMA",
            "EVENT",
            "FUNCTION",
            "PROCEDURE",
            "TRIGGER",
            "USER",
        ]) {
            Some("TABLE") => ShowCreateKind::Table,
            Some("VIEW") => ShowCreateKind::View,
            Some("DATABASE" | "SCHEMA") => ShowCreateKind::Database {
                if_not_exists: self.eat_seq(&["IF", "NOT", "EXISTS"]),
            },
            Some("EVENT") => ShowCreateKind::Event,
            Some("FUNCTION") => ShowCreateKind::Function,
            Some("PROCEDURE") => ShowCreateKind::Procedure,
            Some("TRIGGER") => ShowCreateKind::Trigger,
            Some(_) => {
                let u = self.user()?;
                return Ok(ShowStatement::Create {
                    kind: ShowCreateKind::User,
                    name: TableName {
                        db: Some(u.host),
                        name: u.user,
                    },
                });
            }
            None => {
                return self.fail("TABLE, VIEW, DATABASE, EVENT, FUNCTION, PROCEDURE or TRIGGER")
            }
        };
        let name = if matches!(kind, ShowCreateKind::Database { .. }) {
            TableName {
                db: None,
                name: self.ident()?,
            }
        } else {
            self.table_name()?
        };
        Ok(ShowStatement::Create { kind, name })
    }

    /// `[IO_THREAD] [, SQL_THREAD]` after START/STOP REPLICA.
    fn replica_threads(&mut self) -> R<ReplicaThreads> {
        let mut t = ReplicaThreads {
            io: false,
            sql: false,
        };
        while let Some(w) = self.eat_one_of(&["IO_THREAD", "SQL_THREAD"]) {
            if w == "IO_THREAD" {
                t.io = true;
            } else {
                t.sql = true;
            }
            if !self.eat_tok(&Token::Comma) {
                break;
            }
        }
        if !t.io && !t.sql {
            t = ReplicaThreads::BOTH;
        }
        Ok(t)
    }

    fn change_source(&mut self) -> R<OwnStatement> {
        if !(self.eat("MASTER") || self.eat_seq(&["REPLICATION", "SOURCE"])) {
            return self.fail("MASTER or REPLICATION SOURCE");
        }
        self.expect("TO")?;
        let mut options = Vec::new();
        loop {
            let key = self.ident()?.to_ascii_uppercase();
            self.p.expect_token(&Token::Eq)?;
            let value = if self.p.peek_token_ref().token == Token::LParen
                && self.p.peek_nth_token_ref(1).token == Token::RParen
            {
                // IGNORE_SERVER_IDS = ()
                self.p.next_token();
                self.p.next_token();
                Expr::Tuple(Vec::new())
            } else {
                self.expr()?
            };
            options.push((key, value));
            if !self.eat_tok(&Token::Comma) {
                break;
            }
        }
        let channel = if self.eat_seq(&["FOR", "CHANNEL"]) {
            Some(self.string()?)
        } else {
            None
        };
        Ok(OwnStatement::ChangeSource { options, channel })
    }

    fn reset(&mut self) -> R<OwnStatement> {
        if self.eat_one_of(&["SLAVE", "REPLICA"]).is_some() {
            return Ok(OwnStatement::ResetReplica {
                all: self.eat("ALL"),
            });
        }
        if self.eat("MASTER") || self.eat_seq(&["BINARY", "LOGS", "AND", "GTIDS"]) {
            return Ok(OwnStatement::ResetMaster);
        }
        self.fail("SLAVE, REPLICA or MASTER")
    }

    fn purge(&mut self) -> R<OwnStatement> {
        if self.eat_one_of(&["BINARY", "MASTER"]).is_none() {
            return self.fail("BINARY or MASTER");
        }
        self.expect("LOGS")?;
        if self.eat("TO") {
            return Ok(OwnStatement::PurgeLogsTo(self.string()?));
        }
        self.expect("BEFORE")?;
        Ok(OwnStatement::PurgeLogsBefore(self.expr()?))
    }

    fn user_specs(&mut self) -> R<Vec<UserSpec>> {
        let mut users = Vec::new();
        loop {
            let user = self.user()?;
            let mut spec = UserSpec {
                user,
                plugin: None,
                password: None,
                hashed: false,
            };
            if self.eat("IDENTIFIED") {
                if self.eat_one_of(&["WITH", "VIA"]).is_some() {
                    let t = self.p.next_token();
                    spec.plugin = Some(match t.token {
                        Token::Word(w) => w.value,
                        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => s,
                        _ => return self.p.expected("an authentication plugin", t),
                    });
                    if self.eat_one_of(&["BY", "USING"]).is_some() {
                        spec.password = Some(self.password_literal()?);
                    } else if self.eat("AS") {
                        spec.password = Some(self.string()?);
                        spec.hashed = true;
                    }
                } else {
                    self.expect("BY")?;
                    if self.eat("PASSWORD") {
                        spec.hashed = true;
                    }
                    spec.password = Some(self.password_literal()?);
                }
            }
            users.push(spec);
            if !self.eat_tok(&Token::Comma) {
                break;
            }
        }
        Ok(users)
    }

    /// `REQUIRE NONE | SSL | X509 | ISSUER … | SUBJECT … | CIPHER …`, if present.
    fn require(&mut self) -> R<Option<Require>> {
        if !self.eat("REQUIRE") {
            return Ok(None);
        }
        if self.eat("NONE") {
            return Ok(Some(Require::None));
        }
        if self.eat("SSL") {
            return Ok(Some(Require::Ssl));
        }
        match self.eat_one_of(&["X509", "ISSUER", "SUBJECT", "CIPHER"]) {
            Some(w) => {
                // The rest of a certificate requirement: strings joined by AND.
                while matches!(
                    self.p.peek_token_ref().token,
                    Token::SingleQuotedString(_) | Token::DoubleQuotedString(_)
                ) {
                    self.p.next_token();
                    self.eat("AND");
                    self.eat_one_of(&["ISSUER", "SUBJECT", "CIPHER"]);
                }
                Ok(Some(Require::Certificate(w.to_string())))
            }
            None => self.fail("NONE, SSL, X509, ISSUER, SUBJECT or CIPHER"),
        }
    }

    /// A password literal, or MariaDB's `PASSWORD('x')` form inside USING.
    fn password_literal(&mut self) -> R<String> {
        if self.is("PASSWORD") && self.p.peek_nth_token_ref(1).token == Token::LParen {
            self.p.next_token();
            self.p.next_token();
            let s = self.string()?;
            self.p.expect_token(&Token::RParen)?;
            return Ok(s);
        }
        self.string()
    }

    fn create(&mut self) -> R<OwnStatement> {
        if self.eat("USER") {
            let if_not_exists = self.eat_seq(&["IF", "NOT", "EXISTS"]);
            let users = self.user_specs()?;
            let require = self.require()?;
            let options = self.rest_as_text();
            return Ok(OwnStatement::CreateUser {
                if_not_exists,
                users,
                require,
                options,
            });
        }
        // Stored programs.
        let or_replace = self.eat_seq(&["OR", "REPLACE"]);
        let definer = if self.eat("DEFINER") {
            self.p.expect_token(&Token::Eq)?;
            Some(self.user()?)
        } else {
            None
        };
        if self.eat("AGGREGATE") {
            return Err(ParserError::ParserError(format!(
                "{}AGGREGATE functions",
                super::program::UNSUPPORTED
            )));
        }
        match self.eat_one_of(&["PROCEDURE", "FUNCTION", "TRIGGER", "EVENT"]) {
            Some("TRIGGER") => self.create_trigger(definer, or_replace),
            Some("EVENT") => self.create_event(definer, or_replace),
            Some(kind) => {
                let kind = if kind == "FUNCTION" {
                    RoutineKind::Function
                } else {
                    RoutineKind::Procedure
                };
                self.create_routine(kind, definer, or_replace)
            }
            None => self.fail("PROCEDURE, FUNCTION, TRIGGER or EVENT"),
        }
    }

    /// Byte offset in the text of the next token.
    fn offset(&self) -> usize {
        let at = self.p.peek_token_ref();
        if at.token == Token::EOF {
            return self.text.len();
        }
        let loc = at.span.start;
        byte_offset(self.text, loc.line as usize, loc.column as usize).unwrap_or(self.text.len())
    }

    /// A stored program body: parsed (so syntax errors are the CREATE's), returned as text.
    fn program_body(&mut self) -> R<String> {
        let from = self.offset();
        super::program::parse_stmt(&mut self.p)?;
        let to = self.offset();
        self.end()?;
        Ok(self.text[from..to.max(from)].trim().to_string())
    }

    fn create_trigger(&mut self, definer: Option<UserHost>, or_replace: bool) -> R<OwnStatement> {
        let if_not_exists = self.eat_seq(&["IF", "NOT", "EXISTS"]);
        let name = self.table_name()?;
        let Some(timing) = self.eat_one_of(&["BEFORE", "AFTER"]) else {
            return self.fail("BEFORE or AFTER");
        };
        let Some(event) = self.eat_one_of(&["INSERT", "UPDATE", "DELETE"]) else {
            return self.fail("INSERT, UPDATE or DELETE");
        };
        self.expect("ON")?;
        let table = self.table_name()?;
        if !self.eat_seq(&["FOR", "EACH", "ROW"]) {
            return self.fail("FOR EACH ROW");
        }
        let order = match self.eat_one_of(&["FOLLOWS", "PRECEDES"]) {
            Some(w) => Some((w == "FOLLOWS", self.ident()?)),
            None => None,
        };
        let body = self.program_body()?;
        Ok(OwnStatement::CreateTrigger(Box::new(TriggerSpec {
            definer,
            or_replace,
            if_not_exists,
            name,
            timing: timing.into(),
            event: event.into(),
            table,
            order,
            body,
        })))
    }

    /// A type as written, up to the next token after it.
    fn type_text(&mut self) -> R<String> {
        let from = self.offset();
        super::program::data_type(&mut self.p)?;
        let to = self.offset();
        Ok(self.text[from..to.max(from)].trim().to_string())
    }

    fn create_routine(
        &mut self,
        kind: RoutineKind,
        definer: Option<UserHost>,
        or_replace: bool,
    ) -> R<OwnStatement> {
        let if_not_exists = self.eat_seq(&["IF", "NOT", "EXISTS"]);
        let name = self.table_name()?;
        self.p.expect_token(&Token::LParen)?;
        let mut params = Vec::new();
        if !self.eat_tok(&Token::RParen) {
            loop {
                let mode = match kind {
                    RoutineKind::Function => "IN",
                    _ => self.eat_one_of(&["IN", "OUT", "INOUT"]).unwrap_or("IN"),
                };
                let pname = self.ident()?;
                let ty = self.type_text()?;
                params.push(ParamSpec {
                    mode: mode.into(),
                    name: pname,
                    ty,
                });
                if self.eat_tok(&Token::RParen) {
                    break;
                }
                self.p.expect_token(&Token::Comma)?;
            }
        }
        let returns = if kind == RoutineKind::Function {
            self.expect("RETURNS")?;
            Some(self.type_text()?)
        } else {
            None
        };
        let traits = self.routine_traits(true)?;
        let spec = RoutineSpec {
            kind,
            definer,
            or_replace,
            if_not_exists,
            name,
            params,
            returns,
            deterministic: traits.deterministic.unwrap_or(false),
            data_access: traits.data_access.unwrap_or("CONTAINS SQL").into(),
            security: traits.security.unwrap_or("DEFINER").into(),
            comment: traits.comment.unwrap_or_default(),
            body: self.program_body()?,
        };
        Ok(OwnStatement::CreateRoutine(Box::new(spec)))
    }

    /// A routine's characteristics, each as last given: CREATE's, or ALTER
    /// FUNCTION/PROCEDURE's (`create` false), which has no [NOT] DETERMINISTIC in MySQL's
    /// grammar.
    fn routine_traits(&mut self, create: bool) -> R<RoutineTraits> {
        let mut t = RoutineTraits::default();
        loop {
            if self.eat("COMMENT") {
                t.comment = Some(self.string()?);
            } else if self.eat_seq(&["LANGUAGE", "SQL"]) {
            } else if create && self.eat_seq(&["NOT", "DETERMINISTIC"]) {
                t.deterministic = Some(false);
            } else if create && self.eat("DETERMINISTIC") {
                t.deterministic = Some(true);
            } else if self.eat_seq(&["CONTAINS", "SQL"]) {
                t.data_access = Some("CONTAINS SQL");
            } else if self.eat_seq(&["NO", "SQL"]) {
                t.data_access = Some("NO SQL");
            } else if self.eat_seq(&["READS", "SQL", "DATA"]) {
                t.data_access = Some("READS SQL DATA");
            } else if self.eat_seq(&["MODIFIES", "SQL", "DATA"]) {
                t.data_access = Some("MODIFIES SQL DATA");
            } else if self.eat_seq(&["SQL", "SECURITY"]) {
                match self.eat_one_of(&["DEFINER", "INVOKER"]) {
                    Some(s) => t.security = Some(s),
                    None => return self.fail("DEFINER or INVOKER"),
                }
            } else {
                break;
            }
        }
        Ok(t)
    }

    fn create_event(&mut self, definer: Option<UserHost>, or_replace: bool) -> R<OwnStatement> {
        let if_not_exists = self.eat_seq(&["IF", "NOT", "EXISTS"]);
        let name = self.table_name()?;
        if !self.eat_seq(&["ON", "SCHEDULE"]) {
            return self.fail("ON SCHEDULE");
        }
        let mut spec = EventSpec {
            definer,
            or_replace,
            if_not_exists,
            name,
            at: None,
            every: None,
            starts: None,
            ends: None,
            preserve: false,
            status: "ENABLED".into(),
            comment: String::new(),
            body: String::new(),
        };
        if self.eat("AT") {
            spec.at = Some(self.expr()?);
        } else if self.eat("EVERY") {
            let n = self.expr()?;
            let t = self.p.next_token();
            let Some(unit) = word(&t.token) else {
                return self.p.expected("an interval unit", t);
            };
            spec.every = Some((n, unit));
            if self.eat("STARTS") {
                spec.starts = Some(self.expr()?);
            }
            if self.eat("ENDS") {
                spec.ends = Some(self.expr()?);
            }
        } else {
            return self.fail("AT or EVERY");
        }
        if self.eat_seq(&["ON", "COMPLETION"]) {
            spec.preserve = !self.eat("NOT");
            self.expect("PRESERVE")?;
        }
        if self.eat("ENABLE") {
            spec.status = "ENABLED".into();
        } else if self.eat("DISABLE") {
            spec.status = if self.eat_seq(&["ON", "SLAVE"]) {
                "SLAVESIDE_DISABLED".into()
            } else {
                "DISABLED".into()
            };
        }
        if self.eat("COMMENT") {
            spec.comment = self.string()?;
        }
        self.expect("DO")?;
        spec.body = self.program_body()?;
        Ok(OwnStatement::CreateEvent(Box::new(spec)))
    }

    fn alter(&mut self) -> R<OwnStatement> {
        if let Some(k) = self.eat_one_of(&["FUNCTION", "PROCEDURE"]) {
            let kind = if k == "FUNCTION" {
                RoutineKind::Function
            } else {
                RoutineKind::Procedure
            };
            let name = self.table_name()?;
            let traits = self.routine_traits(false)?;
            self.end()?;
            return Ok(OwnStatement::AlterRoutine { kind, name, traits });
        }
        if self.eat("USER") {
            let if_exists = self.eat_seq(&["IF", "EXISTS"]);
            let users = self.user_specs()?;
            let require = self.require()?;
            let options = self.rest_as_text();
            return Ok(OwnStatement::AlterUser {
                if_exists,
                users,
                require,
                options,
            });
        }
        self.expect("TABLE")?;
        let table = self.table_name()?;
        if matches!(
            self.peek_word(0).as_deref(),
            Some(
                "ENGINE"
                    | "COMMENT"
                    | "ROW_FORMAT"
                    | "DEFAULT"
                    | "CHARSET"
                    | "CHARACTER"
                    | "COLLATE"
                    | "CONVERT"
            )
        ) {
            return self.alter_table_options(table);
        }
        if self.eat_seq(&["DISABLE", "KEYS"]) {
            Ok(OwnStatement::DisableKeys(table))
        } else {
            self.expect("ENABLE")?;
            self.expect("KEYS")?;
            Ok(OwnStatement::EnableKeys(table))
        }
    }

    fn alter_table_options(&mut self, table: TableName) -> R<OwnStatement> {
        let mut options = Vec::new();
        while !self.at_end() {
            if self.eat_tok(&Token::Comma) {
                continue;
            }
            let name = if self.eat_seq(&["CONVERT", "TO"]) {
                if !(self.eat_seq(&["CHARACTER", "SET"]) || self.eat("CHARSET")) {
                    return self.fail("CHARACTER SET");
                }
                let cs = self.option_value()?;
                options.push(("CONVERT".to_string(), cs));
                continue;
            } else {
                self.eat("DEFAULT");
                if self.eat_seq(&["CHARACTER", "SET"]) || self.eat("CHARSET") {
                    "CHARSET".to_string()
                } else {
                    self.ident()?.to_ascii_uppercase()
                }
            };
            self.eat_tok(&Token::Eq);
            let value = self.option_value()?;
            options.push((name, value));
        }
        Ok(OwnStatement::AlterTableOptions { table, options })
    }

    fn option_value(&mut self) -> R<String> {
        let t = self.p.next_token();
        match t.token {
            Token::Word(w) => Ok(w.value),
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Ok(s),
            Token::Number(n, _) => Ok(n),
            _ => self.p.expected("an option value", t),
        }
    }

    fn grant(&mut self, is_grant: bool) -> R<Grant> {
        let mut privileges = Vec::new();
        loop {
            let mut words: Vec<String> = Vec::new();
            while let Token::Word(w) = &self.p.peek_token_ref().token {
                let up = w.value.to_ascii_uppercase();
                if w.quote_style.is_none() && (up == "ON" || up == "TO" || up == "FROM") {
                    break;
                }
                words.push(if w.quote_style.is_none() {
                    up
                } else {
                    w.value.clone()
                });
                self.p.next_token();
                // A role may be written as 'r'@'h'.
                if self.p.peek_token_ref().token == Token::AtSign {
                    self.p.next_token();
                    self.p.next_token();
                }
            }
            if words.is_empty() {
                // 'role' quoted as a string
                match self.p.peek_token().token {
                    Token::SingleQuotedString(s) => {
                        self.p.next_token();
                        words.push(s);
                    }
                    _ => return self.fail("a privilege"),
                }
            }
            if words.last().map(String::as_str) == Some("PRIVILEGES")
                && words.len() == 2
                && words[0] == "ALL"
            {
                words.pop();
            }
            let mut columns = Vec::new();
            if self.eat_tok(&Token::LParen) {
                columns = self
                    .p
                    .parse_comma_separated(|p| Ok(p.parse_identifier()?.value))?;
                self.p.expect_token(&Token::RParen)?;
            }
            privileges.push(Privilege {
                name: words.join(" "),
                columns,
            });
            if !self.eat_tok(&Token::Comma) {
                break;
            }
        }
        let object = if self.eat("ON") {
            Some(self.grant_object()?)
        } else {
            None
        };
        if is_grant {
            self.expect("TO")?;
        } else {
            self.expect("FROM")?;
        }
        let mut users = vec![self.user()?];
        while self.eat_tok(&Token::Comma) {
            users.push(self.user()?);
        }
        let mut with_grant_option = false;
        if is_grant {
            // IDENTIFIED BY is MariaDB/5.7 syntax; accept and ignore password here.
            if self.eat_seq(&["IDENTIFIED", "BY"]) {
                self.eat("PASSWORD");
                self.string()?;
            }
            if self.eat("WITH") {
                while !self.at_end() {
                    if self.eat_seq(&["GRANT", "OPTION"]) || self.eat_seq(&["ADMIN", "OPTION"]) {
                        with_grant_option = true;
                    } else {
                        // MAX_QUERIES_PER_HOUR n …
                        self.p.next_token();
                    }
                }
            }
        }
        Ok(Grant {
            privileges,
            object,
            users,
            with_grant_option,
        })
    }

    fn grant_object(&mut self) -> R<GrantObject> {
        let kind = self
            .eat_one_of(&["TABLE", "FUNCTION", "PROCEDURE"])
            .unwrap_or("TABLE")
            .to_string();
        let star_or_ident = |s: &mut Self| -> R<Option<String>> {
            if s.eat_tok(&Token::Mul) {
                Ok(None)
            } else {
                Ok(Some(s.ident()?))
            }
        };
        let first = star_or_ident(self)?;
        if self.eat_tok(&Token::Period) {
            let second = star_or_ident(self)?;
            let db_all = first.is_none();
            return Ok(GrantObject {
                kind,
                db: first,
                table: second,
                db_all,
            });
        }
        Ok(GrantObject {
            kind,
            db: None,
            table: first,
            db_all: false,
        })
    }

    fn maintenance(&mut self, op: MaintenanceOp) -> R<OwnStatement> {
        let no_write_to_binlog = self.eat_one_of(&["NO_WRITE_TO_BINLOG", "LOCAL"]).is_some();
        if self.eat_one_of(&["TABLE", "TABLES"]).is_none() {
            return self.fail("TABLE");
        }
        let tables = self.table_list()?;
        let mut options = Vec::new();
        while !self.at_end() {
            options.push(self.p.next_token().token.to_string().to_ascii_uppercase());
        }
        Ok(OwnStatement::TableMaintenance {
            op,
            no_write_to_binlog,
            tables,
            options,
        })
    }

    fn describe(&mut self) -> R<OwnStatement> {
        if self.eat_seq(&["FOR", "CONNECTION"]) {
            return Ok(OwnStatement::ExplainConnection(self.uint()?));
        }
        let table = self.table_name()?;
        let column = if self.at_end() {
            None
        } else {
            let t = self.p.next_token();
            match t.token {
                Token::Word(w) => Some(w.value),
                Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Some(s),
                _ => return self.p.expected("a column name", t),
            }
        };
        Ok(OwnStatement::Describe { table, column })
    }
}

#[cfg(test)]
mod tests {
    /// The literal-row shortcut makes exactly the statement sqlparser makes of the whole
    /// text, and steps aside for anything it does not read.
    #[test]
    fn max_execution_time_hint_is_read_where_mysql_reads_it() {
        let h = max_execution_time_hint;
        assert_eq!(h("SELECT /*+ MAX_EXECUTION_TIME(1000) */ 1"), Some(1000));
        assert_eq!(
            h("  select /*+ BKA(t) max_execution_time( 5 ) */ * from t"),
            Some(5)
        );
        assert_eq!(
            h("(SELECT /*+ MAX_EXECUTION_TIME(7) */ 1) UNION SELECT 2"),
            Some(7)
        );
        assert_eq!(
            h("WITH c AS (SELECT /*+ MAX_EXECUTION_TIME(1) */ 1) SELECT /*+ MAX_EXECUTION_TIME(9) */ * FROM c"),
            Some(9)
        );
        assert_eq!(h("WITH c AS (SELECT 1) SELECT * FROM c"), None);
        assert_eq!(h("SELECT 1, (SELECT /*+ MAX_EXECUTION_TIME(1) */ 2)"), None);
        assert_eq!(h("SELECT /* MAX_EXECUTION_TIME(1) */ 1"), None);
        assert_eq!(h("UPDATE /*+ MAX_EXECUTION_TIME(1) */ t SET a = 1"), None);
        assert_eq!(h("SELECT /*+ MAX_EXECUTION_TIME(x) */ 1"), None);
        assert_eq!(h("SELECT /*+ MAX_EXECUTION_TIME(1"), None);
        assert_eq!(h("SELECT"), None);
        assert_eq!(h("WITH ("), None);
    }

    #[test]
    fn literal_inserts_parse_as_sqlparser_parses_them() {
        use super::*;
        for sql in [
            "INSERT INTO sbtest1(k, c, pad) VALUES(5, '123-456', '789'),(6,'a','b')",
            r"INSERT INTO `t` VALUES (1,'it''s','a\'b\\c\n\0\%\_\Z\x\a\b\f\r\t'),(-2,NULL,'héllo \é'),(3.25,'',-0.5);",
            "replace into d.t value (1), (2)  ;  ",
            "  INSERT IGNORE INTO t (a) VALUES (00123)",
            "INSERT INTO t (`values`, b) VALUES (1, 2)",
            "INSERT /* a comment */ INTO `t1` VALUES (1,'x',NULL),(2,'y\r\n',null),(3,'(,)',0)",
            "INSERT LOW_PRIORITY INTO db1.t (a) VALUES (18446744073709551615)",
        ] {
            let cleaned = strip_comments(sql).unwrap();
            let fast = parse_literal_insert(&cleaned).unwrap_or_else(|| panic!("not taken: {sql}"));
            let Parsed::Sql(slow) = parse_cleaned(sql, &cleaned).unwrap() else {
                panic!("{sql}");
            };
            assert_eq!(fast, *slow, "{sql}");
        }
        for sql in [
            "INSERT INTO t VALUES (1, NOW())",
            "INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a = 1",
            "INSERT INTO t VALUES (1),(2) AS n ON DUPLICATE KEY UPDATE a = n.a",
            "INSERT INTO t SELECT 1",
            "INSERT INTO t SET a = 1",
            "INSERT INTO t VALUES (1e3)",
            "INSERT INTO t VALUES (0x1F)",
            "INSERT INTO t VALUES ('a' 'b')",
            "INSERT INTO t VALUES (\"dq\")",
            "INSERT INTO t VALUES (DEFAULT)",
            "INSERT INTO t VALUES (- 1)",
            "INSERT INTO t VALUES (1.)",
            "INSERT INTO t VALUES (1)x",
            "INSERT INTO t VALUES (1); SELECT 1",
            "INSERT INTO t VALUES ('unterminated)",
            "INSERT INTO value VALUES (1)",
            "SELECT 1",
        ] {
            let cleaned = strip_comments(sql).unwrap();
            assert!(parse_literal_insert(&cleaned).is_none(), "taken: {sql}");
        }
    }

    use super::*;

    fn own(sql: &str) -> OwnStatement {
        match parse(sql) {
            Ok(Parsed::Own(s)) => s,
            other => panic!("{sql}: expected own statement, got {other:?}"),
        }
    }

    fn sql(sql: &str) -> Statement {
        match parse(sql) {
            Ok(Parsed::Sql(s)) => *s,
            other => panic!("{sql}: expected sqlparser statement, got {other:?}"),
        }
    }

    fn err(sql: &str) -> ParseError {
        match parse(sql) {
            Err(e) => e,
            other => panic!("{sql}: expected an error, got {other:?}"),
        }
    }

    fn near(sql: &str) -> String {
        let e = err(sql);
        assert_eq!(e.code, 1064, "{e:?}");
        let m = e.message;
        let start = m.find("near '").map(|i| i + 6).unwrap_or(0);
        m[start..].to_string()
    }

    fn t(name: &str) -> TableName {
        match name.split_once('.') {
            Some((d, n)) => TableName {
                db: Some(d.into()),
                name: n.into(),
            },
            None => TableName {
                db: None,
                name: name.into(),
            },
        }
    }

    #[test]
    fn versioned_comments() {
        let c = strip_comments("/*!40101 SET NAMES utf8mb4 */").unwrap();
        assert_eq!(c.text.trim(), "SET NAMES utf8mb4");
        assert_eq!(c.text.len(), "/*!40101 SET NAMES utf8mb4 */".len());
        // too new: dropped
        assert_eq!(
            strip_comments("SELECT 1 /*!90000 + 1 */")
                .unwrap()
                .text
                .trim(),
            "SELECT 1"
        );
        assert_eq!(
            strip_comments("SELECT 1 /*!80036 + 1 */")
                .unwrap()
                .text
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["SELECT", "1", "+", "1"]
        );
        // no version: kept
        assert!(
            strip_comments("CREATE TABLE t (a int) /*! ENGINE = innodb */")
                .unwrap()
                .text
                .contains("ENGINE = innodb")
        );
        // MariaDB-only: dropped; hints dropped
        assert_eq!(
            strip_comments("/*M!100100 SET @@MAX_STATEMENT_TIME=0.000000 */")
                .unwrap()
                .text
                .trim(),
            ""
        );
        assert_eq!(
            strip_comments("SELECT /*+ BKA(t) */ 1")
                .unwrap()
                .text
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["SELECT", "1"]
        );
        // strings untouched
        let s = "SELECT '/*!40101 x */', \"-- y\", `#z`, 'it\\'s /* no */'";
        assert_eq!(strip_comments(s).unwrap().text, s);
        // comments
        assert_eq!(
            strip_comments("SELECT 1 -- c\n# d\n").unwrap().text.trim(),
            "SELECT 1"
        );
        assert_eq!(strip_comments("SELECT 1--1").unwrap().text, "SELECT 1--1");
        assert_eq!(err("SELECT 1 /* open").code, 1064);
    }

    #[test]
    fn mysqldump_forms() {
        assert_eq!(
            own("LOCK TABLES `customers` READ /*!32311 LOCAL */,`orders` READ /*!32311 LOCAL */"),
            OwnStatement::LockTables(vec![
                LockItem {
                    table: t("customers"),
                    alias: None,
                    kind: LockKind::Read { local: true }
                },
                LockItem {
                    table: t("orders"),
                    alias: None,
                    kind: LockKind::Read { local: true }
                },
            ])
        );
        // The sandbox marker glued to the first statement.
        assert_eq!(
            own("/*M!999999\\- enable the sandbox mode */ \n\n\n/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */"),
            OwnStatement::Set(vec![Assignment {
                target: SetTarget::User("OLD_CHARACTER_SET_CLIENT".into()),
                value: SetValue::Expr(Expr::Identifier(Ident::new("@@CHARACTER_SET_CLIENT"))),
            }])
        );
        assert_eq!(
            own("/*M!100100 SET @@MAX_STATEMENT_TIME=0.000000 */"),
            OwnStatement::Empty
        );
        assert_eq!(own("/* only a comment */"), OwnStatement::Empty);
        assert_eq!(err("   ").code, 1065);
        assert_eq!(err("").message, "Query was empty");
        assert_eq!(
            own("START TRANSACTION /*!40100 WITH CONSISTENT SNAPSHOT */"),
            OwnStatement::StartTransaction {
                read_only: None,
                consistent_snapshot: true
            }
        );
        assert_eq!(
            own("/*!40000 ALTER TABLE `customers` DISABLE KEYS */"),
            OwnStatement::DisableKeys(t("customers"))
        );
        assert_eq!(
            own("/*!40000 ALTER TABLE `customers` ENABLE KEYS */;"),
            OwnStatement::EnableKeys(t("customers"))
        );
        assert!(matches!(
            sql("FLUSH /*!40101 LOCAL */ TABLES"),
            Statement::Flush { .. }
        ));
        assert!(matches!(
            sql("SELECT /*!40001 SQL_NO_CACHE */ `id` FROM `customers`"),
            Statement::Query(_)
        ));
        let OwnStatement::CreateTrigger(tr) = own("/*!50003 CREATE*/ /*!50017 DEFINER=`app`@`%`*/ /*!50003 TRIGGER orders_bi BEFORE INSERT ON orders FOR EACH ROW SET NEW.status = LOWER(NEW.status) \n*/") else {
            panic!("not a trigger")
        };
        assert_eq!(
            tr.definer,
            Some(UserHost {
                user: "app".into(),
                host: "%".into()
            })
        );
        assert_eq!(
            (tr.timing.as_str(), tr.event.as_str()),
            ("BEFORE", "INSERT")
        );
        assert_eq!(tr.table, t("orders"));
        assert_eq!(tr.body, "SET NEW.status = LOWER(NEW.status)");
    }

    #[test]
    fn stored_programs() {
        let OwnStatement::CreateRoutine(r) = own("CREATE DEFINER=`app`@`%` FUNCTION `order_total`(c INT) RETURNS decimal(12,2)\n    READS SQL DATA\nRETURN (SELECT COALESCE(SUM(amount),0) FROM orders WHERE customer_id = c)\n") else {
            panic!("not a routine")
        };
        assert_eq!(r.kind, RoutineKind::Function);
        assert_eq!(
            r.params,
            vec![ParamSpec {
                mode: "IN".into(),
                name: "c".into(),
                ty: "INT".into()
            }]
        );
        assert_eq!(r.returns.as_deref(), Some("decimal(12,2)"));
        assert_eq!(r.data_access, "READS SQL DATA");
        assert!(r.body.starts_with("RETURN (SELECT") && r.body.ends_with("= c)"));
        let OwnStatement::CreateRoutine(r) = own("CREATE PROCEDURE p(IN a INT, OUT b VARCHAR(10) CHARSET utf8mb4, INOUT c INT) DETERMINISTIC BEGIN SET b = 'x'; SET c = c + a; END;") else {
            panic!("not a routine")
        };
        assert_eq!(r.params[1].ty, "VARCHAR(10) CHARSET utf8mb4");
        assert_eq!(r.params[2].mode, "INOUT");
        assert!(r.deterministic);
        assert_eq!(r.body, "BEGIN SET b = 'x'; SET c = c + a; END");
        let OwnStatement::CreateEvent(e) = own("/*!50106 CREATE*/ /*!50117 DEFINER=`app`@`%`*/ /*!50106 EVENT `nightly` ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' ON COMPLETION NOT PRESERVE DISABLE DO DELETE FROM orders WHERE status = 'cancelled' \n*/") else {
            panic!("not an event")
        };
        assert_eq!(e.every.as_ref().map(|(_, u)| u.as_str()), Some("DAY"));
        assert!(!e.preserve);
        assert_eq!(e.status, "DISABLED");
        assert_eq!(e.body, "DELETE FROM orders WHERE status = 'cancelled'");
        assert_eq!(
            own("DROP FUNCTION IF EXISTS `order_total`"),
            OwnStatement::DropRoutine {
                kind: RoutineKind::Function,
                if_exists: true,
                name: t("order_total")
            }
        );
        assert_eq!(
            own("drop trigger s.tr"),
            OwnStatement::DropTrigger {
                if_exists: false,
                name: TableName {
                    db: Some("s".into()),
                    name: "tr".into()
                }
            }
        );
        assert_eq!(err("CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN LOOP SET @a = 1; END LOOP; END").code, 1235);
        assert_eq!(
            err("CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a = 1 END").code,
            1064
        );
    }

    #[test]
    fn transactions() {
        assert_eq!(own("BEGIN"), OwnStatement::Begin);
        assert_eq!(own("begin work;"), OwnStatement::Begin);
        assert_eq!(
            own("COMMIT WORK"),
            OwnStatement::Commit {
                chain: false,
                release: false
            }
        );
        assert_eq!(
            own("ROLLBACK AND CHAIN"),
            OwnStatement::Rollback {
                chain: true,
                release: false
            }
        );
        assert_eq!(own("SAVEPOINT sp"), OwnStatement::Savepoint("sp".into()));
        assert_eq!(
            own("ROLLBACK TO SAVEPOINT sp"),
            OwnStatement::RollbackTo("sp".into())
        );
        assert_eq!(
            own("ROLLBACK WORK TO sp"),
            OwnStatement::RollbackTo("sp".into())
        );
        assert_eq!(
            own("RELEASE SAVEPOINT sp"),
            OwnStatement::Release("sp".into())
        );
        assert_eq!(
            own("START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT"),
            OwnStatement::StartTransaction {
                read_only: Some(true),
                consistent_snapshot: true
            }
        );
        assert_eq!(
            own("START TRANSACTION READ WRITE"),
            OwnStatement::StartTransaction {
                read_only: Some(false),
                consistent_snapshot: false
            }
        );
        assert_eq!(
            own("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"),
            OwnStatement::SetTransaction {
                scope: Some(VarScope::Session),
                isolation: Some(IsolationLevel::RepeatableRead),
                read_only: None
            }
        );
        assert_eq!(
            own("SET TRANSACTION READ ONLY"),
            OwnStatement::SetTransaction {
                scope: None,
                isolation: None,
                read_only: Some(true)
            }
        );
        assert_eq!(
            own("SET GLOBAL TRANSACTION ISOLATION LEVEL READ COMMITTED, READ WRITE"),
            OwnStatement::SetTransaction {
                scope: Some(VarScope::Global),
                isolation: Some(IsolationLevel::ReadCommitted),
                read_only: Some(false)
            }
        );
    }

    #[test]
    fn set_forms() {
        let OwnStatement::Set(a) =
            own("SET GLOBAL max_connections = 10, @@session.sql_mode = '', @@y = 2, @u := 3, wait_timeout = DEFAULT, LOCAL autocommit = ON")
        else {
            panic!()
        };
        let targets: Vec<_> = a.iter().map(|x| x.target.clone()).collect();
        assert_eq!(
            targets,
            vec![
                SetTarget::System {
                    scope: VarScope::Global,
                    name: "max_connections".into()
                },
                SetTarget::System {
                    scope: VarScope::Session,
                    name: "sql_mode".into()
                },
                SetTarget::System {
                    scope: VarScope::Session,
                    name: "y".into()
                },
                SetTarget::User("u".into()),
                // the last scope keyword carries over (MySQL docs)
                SetTarget::System {
                    scope: VarScope::Global,
                    name: "wait_timeout".into()
                },
                SetTarget::System {
                    scope: VarScope::Session,
                    name: "autocommit".into()
                },
            ]
        );
        assert_eq!(a[4].value, SetValue::Default);
        assert_eq!(
            a[5].value,
            SetValue::Expr(Expr::Identifier(Ident::new("ON")))
        );
        let OwnStatement::Set(a) = own("SET @@GLOBAL.gtid_slave_pos = '0-1-5'") else {
            panic!()
        };
        assert_eq!(
            a[0].target,
            SetTarget::System {
                scope: VarScope::Global,
                name: "gtid_slave_pos".into()
            }
        );
        assert_eq!(
            own("SET NAMES utf8mb4 COLLATE utf8mb4_general_ci"),
            OwnStatement::SetNames {
                charset: Some("utf8mb4".into()),
                collation: Some("utf8mb4_general_ci".into())
            }
        );
        assert_eq!(
            own("SET NAMES 'utf8'"),
            OwnStatement::SetNames {
                charset: Some("utf8".into()),
                collation: None
            }
        );
        assert_eq!(
            own("SET CHARACTER SET utf8"),
            OwnStatement::SetCharacterSet(Some("utf8".into()))
        );
        assert_eq!(
            own("SET CHARSET DEFAULT"),
            OwnStatement::SetCharacterSet(None)
        );
        assert!(matches!(
            own("SET @master_heartbeat_period= 30000001024"),
            OwnStatement::Set(_)
        ));
        assert!(matches!(
            own("set optimizer_switch=default"),
            OwnStatement::Set(_)
        ));
        assert!(matches!(own("SET @x = (SELECT 1)"), OwnStatement::Set(_)));
        assert_eq!(near("SET x"), "' at line 1");
    }

    #[test]
    fn show_forms() {
        use ShowStatement as S;
        let show = |s: &str| match own(s) {
            OwnStatement::Show(x) => x,
            o => panic!("{o:?}"),
        };
        assert_eq!(
            show("SHOW GLOBAL VARIABLES LIKE 'BINLOG_CHECKSUM'"),
            S::Variables {
                scope: VarScope::Global,
                filter: Some(ShowFilter::Like("BINLOG_CHECKSUM".into()))
            }
        );
        assert!(matches!(
            show("SHOW VARIABLES WHERE Variable_name = 'x'"),
            S::Variables {
                filter: Some(ShowFilter::Where(_)),
                ..
            }
        ));
        assert_eq!(
            show("SHOW STATUS LIKE 'binlog_snapshot_%'"),
            S::Status {
                scope: VarScope::Session,
                filter: Some(ShowFilter::Like("binlog_snapshot_%".into()))
            }
        );
        assert_eq!(show("show databases"), S::Databases { filter: None });
        assert_eq!(
            show("SHOW FULL TABLES FROM db LIKE 'a%'"),
            S::Tables {
                full: true,
                db: Some("db".into()),
                filter: Some(ShowFilter::Like("a%".into()))
            }
        );
        assert_eq!(
            show("SHOW FULL COLUMNS FROM t FROM db LIKE 'a'"),
            S::Columns {
                full: true,
                table: t("db.t"),
                filter: Some(ShowFilter::Like("a".into()))
            }
        );
        assert_eq!(
            show("SHOW FIELDS FROM `v`"),
            S::Columns {
                full: false,
                table: t("v"),
                filter: None
            }
        );
        assert_eq!(
            show("SHOW KEYS FROM db.t"),
            S::Index {
                table: t("db.t"),
                filter: None
            }
        );
        assert_eq!(
            show("SHOW INDEXES IN t IN db"),
            S::Index {
                table: t("db.t"),
                filter: None
            }
        );
        assert_eq!(
            show("show create table `t`"),
            S::Create {
                kind: ShowCreateKind::Table,
                name: t("t")
            }
        );
        assert_eq!(
            show("SHOW CREATE DATABASE IF NOT EXISTS `db`"),
            S::Create {
                kind: ShowCreateKind::Database {
                    if_not_exists: true
                },
                name: t("db")
            }
        );
        assert_eq!(
            show("SHOW TABLE STATUS FROM db LIKE 'x'"),
            S::TableStatus {
                db: Some("db".into()),
                filter: Some(ShowFilter::Like("x".into()))
            }
        );
        assert_eq!(
            show("SHOW WARNINGS LIMIT 5"),
            S::Warnings {
                limit: Some(Limit {
                    offset: 0,
                    count: 5
                })
            }
        );
        assert_eq!(
            show("SHOW ERRORS LIMIT 2, 3"),
            S::Errors {
                limit: Some(Limit {
                    offset: 2,
                    count: 3
                })
            }
        );
        assert_eq!(show("SHOW COUNT(*) WARNINGS"), S::WarningCount);
        assert_eq!(show("SHOW FULL PROCESSLIST"), S::Processlist { full: true });
        assert_eq!(show("SHOW ENGINES"), S::Engines);
        assert_eq!(show("SHOW CHARACTER SET"), S::CharacterSet { filter: None });
        assert_eq!(
            show("SHOW COLLATION LIKE 'utf8%'"),
            S::Collation {
                filter: Some(ShowFilter::Like("utf8%".into()))
            }
        );
        assert_eq!(
            show("SHOW GRANTS FOR 'repl'@'%'"),
            S::Grants {
                user: Some(UserHost {
                    user: "repl".into(),
                    host: "%".into()
                })
            }
        );
        assert_eq!(
            show("SHOW GRANTS FOR app@localhost"),
            S::Grants {
                user: Some(UserHost {
                    user: "app".into(),
                    host: "localhost".into()
                })
            }
        );
        assert_eq!(show("SHOW GRANTS"), S::Grants { user: None });
        assert_eq!(show("SHOW MASTER STATUS"), S::MasterStatus);
        assert_eq!(show("SHOW BINARY LOG STATUS"), S::MasterStatus);
        assert_eq!(show("SHOW BINARY LOGS"), S::BinaryLogs);
        assert_eq!(show("SHOW MASTER LOGS"), S::BinaryLogs);
        assert_eq!(
            show("SHOW BINLOG EVENTS IN 'mysql-bin.000001' FROM 4 LIMIT 1, 2"),
            S::BinlogEvents {
                file: Some("mysql-bin.000001".into()),
                pos: Some(4),
                limit: Some(Limit {
                    offset: 1,
                    count: 2
                })
            }
        );
        assert_eq!(
            show("SHOW SLAVE STATUS"),
            S::ReplicaStatus { old_names: true }
        );
        assert_eq!(
            show("SHOW REPLICA STATUS"),
            S::ReplicaStatus { old_names: false }
        );
        assert_eq!(show("SHOW SLAVE HOSTS"), S::ReplicaHosts);
        assert_eq!(show("SHOW REPLICAS"), S::ReplicaHosts);
        assert_eq!(
            show("show events"),
            S::Events {
                db: None,
                filter: None
            }
        );
        assert_eq!(
            show("SHOW CREATE EVENT `nightly`"),
            S::Create {
                kind: ShowCreateKind::Event,
                name: t("nightly")
            }
        );
        assert_eq!(
            show("SHOW CREATE FUNCTION f"),
            S::Create {
                kind: ShowCreateKind::Function,
                name: t("f")
            }
        );
        assert_eq!(
            show("SHOW CREATE PROCEDURE db.p"),
            S::Create {
                kind: ShowCreateKind::Procedure,
                name: t("db.p")
            }
        );
        assert_eq!(
            show("SHOW CREATE TRIGGER tr"),
            S::Create {
                kind: ShowCreateKind::Trigger,
                name: t("tr")
            }
        );
        assert_eq!(
            show("SHOW CREATE VIEW v"),
            S::Create {
                kind: ShowCreateKind::View,
                name: t("v")
            }
        );
        assert!(matches!(
            show("SHOW FUNCTION STATUS WHERE Db = 'shopx'"),
            S::RoutineStatus {
                kind: RoutineKind::Function,
                filter: Some(ShowFilter::Where(_))
            }
        ));
        assert!(matches!(
            show("SHOW PROCEDURE STATUS LIKE 'x'"),
            S::RoutineStatus {
                kind: RoutineKind::Procedure,
                ..
            }
        ));
        assert!(matches!(
            show("SHOW PACKAGE BODY STATUS WHERE Db = 'x'"),
            S::RoutineStatus {
                kind: RoutineKind::PackageBody,
                ..
            }
        ));
        assert!(matches!(
            show("SHOW PACKAGE STATUS WHERE Db = 'x'"),
            S::RoutineStatus {
                kind: RoutineKind::Package,
                ..
            }
        ));
        assert_eq!(
            show("SHOW TRIGGERS FROM db"),
            S::Triggers {
                db: Some("db".into()),
                filter: None
            }
        );
        assert_eq!(show("SHOW PLUGINS"), S::Plugins);
        assert_eq!(show("SHOW PRIVILEGES"), S::Privileges);
        assert_eq!(near("SHOW NONSENSE"), "NONSENSE' at line 1");
        assert_eq!(near("SHOW GLOBAL TABLES"), "TABLES' at line 1");
    }

    #[test]
    fn replication_and_admin() {
        let OwnStatement::ChangeSource { options, channel } =
            own("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=3306, master_log_file='mysql-bin.000001', MASTER_LOG_POS=4, MASTER_USE_GTID=slave_pos")
        else {
            panic!()
        };
        assert_eq!(options.len(), 5);
        assert_eq!(options[0].0, "MASTER_HOST");
        assert_eq!(options[2].0, "MASTER_LOG_FILE");
        assert_eq!(channel, None);
        assert!(matches!(
            own("CHANGE REPLICATION SOURCE TO SOURCE_HOST='h' FOR CHANNEL 'c'"),
            OwnStatement::ChangeSource {
                channel: Some(_),
                ..
            }
        ));
        let both = ReplicaThreads::BOTH;
        assert_eq!(
            own("START SLAVE"),
            OwnStatement::StartReplica { threads: both }
        );
        assert_eq!(
            own("START REPLICA"),
            OwnStatement::StartReplica { threads: both }
        );
        assert_eq!(
            own("STOP SLAVE"),
            OwnStatement::StopReplica { threads: both }
        );
        assert_eq!(
            own("STOP REPLICA SQL_THREAD"),
            OwnStatement::StopReplica {
                threads: ReplicaThreads {
                    io: false,
                    sql: true
                }
            }
        );
        assert_eq!(
            own("START SLAVE IO_THREAD, SQL_THREAD"),
            OwnStatement::StartReplica { threads: both }
        );
        assert_eq!(
            own("RESET SLAVE ALL"),
            OwnStatement::ResetReplica { all: true }
        );
        assert_eq!(
            own("RESET REPLICA"),
            OwnStatement::ResetReplica { all: false }
        );
        assert_eq!(own("RESET MASTER"), OwnStatement::ResetMaster);
        assert_eq!(
            own("PURGE BINARY LOGS TO 'mysql-bin.000003'"),
            OwnStatement::PurgeLogsTo("mysql-bin.000003".into())
        );
        assert!(matches!(
            own("PURGE MASTER LOGS BEFORE '2024-01-01 00:00:00'"),
            OwnStatement::PurgeLogsBefore(_)
        ));
        assert_eq!(
            own("CHECKSUM TABLE ck.t1, t2 EXTENDED"),
            OwnStatement::Checksum {
                tables: vec![t("ck.t1"), t("t2")],
                mode: ChecksumMode::Extended
            }
        );
        assert_eq!(
            own("CHECKSUM TABLE t QUICK"),
            OwnStatement::Checksum {
                tables: vec![t("t")],
                mode: ChecksumMode::Quick
            }
        );
        assert_eq!(
            own("checksum table `t`"),
            OwnStatement::Checksum {
                tables: vec![t("t")],
                mode: ChecksumMode::Default
            }
        );
        assert_eq!(
            own("LOCK TABLES mysql.event READ, t AS a LOW_PRIORITY WRITE, u b WRITE"),
            OwnStatement::LockTables(vec![
                LockItem {
                    table: t("mysql.event"),
                    alias: None,
                    kind: LockKind::Read { local: false }
                },
                LockItem {
                    table: t("t"),
                    alias: Some("a".into()),
                    kind: LockKind::Write { low_priority: true }
                },
                LockItem {
                    table: t("u"),
                    alias: Some("b".into()),
                    kind: LockKind::Write {
                        low_priority: false
                    }
                },
            ])
        );
        assert_eq!(own("UNLOCK TABLES"), OwnStatement::UnlockTables);
        assert_eq!(
            own("ALTER TABLE db.t ENGINE=MyISAM, DEFAULT CHARSET = utf8mb4 COLLATE utf8mb4_bin"),
            OwnStatement::AlterTableOptions {
                table: t("db.t"),
                options: vec![
                    ("ENGINE".into(), "MyISAM".into()),
                    ("CHARSET".into(), "utf8mb4".into()),
                    ("COLLATE".into(), "utf8mb4_bin".into())
                ]
            }
        );
        assert!(matches!(
            own("ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4"),
            OwnStatement::AlterTableOptions { .. }
        ));
        assert!(matches!(
            sql("ALTER TABLE t ADD COLUMN c INT"),
            Statement::AlterTable { .. }
        ));
        assert_eq!(
            own("/*!50106 DROP EVENT IF EXISTS `nightly` */"),
            OwnStatement::DropEvent {
                if_exists: true,
                name: t("nightly")
            }
        );
        assert_eq!(
            own("HELP 'contents'"),
            OwnStatement::Help("contents".into())
        );
        assert!(matches!(own("DO SLEEP(1), 2"), OwnStatement::Do(v) if v.len() == 2));
        assert_eq!(
            own("OPTIMIZE NO_WRITE_TO_BINLOG TABLE a, b"),
            OwnStatement::TableMaintenance {
                op: MaintenanceOp::Optimize,
                no_write_to_binlog: true,
                tables: vec![t("a"), t("b")],
                options: vec![]
            }
        );
        assert!(
            matches!(own("CHECK TABLE t QUICK"), OwnStatement::TableMaintenance { op: MaintenanceOp::Check, ref options, .. } if options == &["QUICK"])
        );
        assert!(matches!(
            own("REPAIR TABLE t"),
            OwnStatement::TableMaintenance {
                op: MaintenanceOp::Repair,
                ..
            }
        ));
        assert!(matches!(
            own("ANALYZE TABLE t"),
            OwnStatement::TableMaintenance {
                op: MaintenanceOp::Analyze,
                ..
            }
        ));
        assert_eq!(
            own("DESCRIBE t"),
            OwnStatement::Describe {
                table: t("t"),
                column: None
            }
        );
        assert_eq!(
            own("DESC db.t c"),
            OwnStatement::Describe {
                table: t("db.t"),
                column: Some("c".into())
            }
        );
        assert_eq!(
            own("EXPLAIN `t`"),
            OwnStatement::Describe {
                table: t("t"),
                column: None
            }
        );
        assert_eq!(
            own("EXPLAIN FOR CONNECTION 7"),
            OwnStatement::ExplainConnection(7)
        );
        assert!(matches!(sql("EXPLAIN SELECT 1"), Statement::Explain { .. }));
        assert!(matches!(sql("KILL QUERY 5"), Statement::Kill { id: 5, .. }));
        assert!(matches!(sql("USE `db`"), Statement::Use(_)));
        assert!(matches!(
            sql("TRUNCATE TABLE t"),
            Statement::Truncate { .. }
        ));
        assert!(
            matches!(sql("RENAME TABLE a TO b, c TO d"), Statement::RenameTable(v) if v.len() == 2)
        );
        assert!(matches!(
            sql("CALL mysql.rds_set_configuration('binlog retention hours', 24)"),
            Statement::Call(_)
        ));
        assert!(matches!(sql("FLUSH BINARY LOGS"), Statement::Flush { .. }));
        assert!(matches!(
            sql("FLUSH TABLES WITH READ LOCK"),
            Statement::Flush {
                read_lock: true,
                ..
            }
        ));
    }

    #[test]
    fn users_and_grants() {
        let OwnStatement::CreateUser { if_not_exists, users, .. } =
            own("CREATE USER IF NOT EXISTS 'u'@'h' IDENTIFIED BY 'p', v@'%' IDENTIFIED WITH mysql_native_password AS '*ABC'")
        else {
            panic!()
        };
        assert!(if_not_exists);
        assert_eq!(
            users[0],
            UserSpec {
                user: UserHost {
                    user: "u".into(),
                    host: "h".into()
                },
                plugin: None,
                password: Some("p".into()),
                hashed: false
            }
        );
        assert_eq!(
            users[1].user,
            UserHost {
                user: "v".into(),
                host: "%".into()
            }
        );
        assert_eq!(users[1].plugin.as_deref(), Some("mysql_native_password"));
        assert!(users[1].hashed);
        assert!(matches!(
            own("ALTER USER 'u'@'h' IDENTIFIED BY 'x'"),
            OwnStatement::AlterUser { .. }
        ));
        assert_eq!(
            own("DROP USER IF EXISTS 'u'@'h', `w`@`localhost`"),
            OwnStatement::DropUser {
                if_exists: true,
                users: vec![
                    UserHost {
                        user: "u".into(),
                        host: "h".into()
                    },
                    UserHost {
                        user: "w".into(),
                        host: "localhost".into()
                    }
                ]
            }
        );
        let OwnStatement::Grant(g) =
            own("GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl'@'%'")
        else {
            panic!()
        };
        assert_eq!(
            g.privileges
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>(),
            ["REPLICATION SLAVE", "REPLICATION CLIENT"]
        );
        assert_eq!(
            g.object,
            Some(GrantObject {
                kind: "TABLE".into(),
                db: None,
                table: None,
                db_all: true
            })
        );
        let OwnStatement::Grant(g) =
            own("GRANT ALL PRIVILEGES ON shop.* TO app@'%' WITH GRANT OPTION")
        else {
            panic!()
        };
        assert_eq!(g.privileges[0].name, "ALL");
        assert_eq!(
            g.object,
            Some(GrantObject {
                kind: "TABLE".into(),
                db: Some("shop".into()),
                table: None,
                db_all: false
            })
        );
        assert!(g.with_grant_option);
        let OwnStatement::Grant(g) = own("GRANT SELECT (a, b), INSERT ON db.t TO u") else {
            panic!()
        };
        assert_eq!(g.privileges[0].columns, ["a", "b"]);
        let OwnStatement::Revoke(g) = own("REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'u'@'h'")
        else {
            panic!()
        };
        assert_eq!(g.privileges.len(), 2);
        assert!(g.object.is_none());
        assert!(matches!(
            own("REVOKE INSERT ON db.* FROM u"),
            OwnStatement::Revoke(_)
        ));
    }

    #[test]
    fn index_visibility_reads_as_a_key_part() {
        let marker = |cols: &[sqlparser::ast::IndexColumn]| {
            cols.last().is_some_and(|c| {
                c.column.expr.to_string() == format!("`{}`", super::super::ddl::INVISIBLE_PART)
            })
        };
        let Statement::CreateTable(ct) = sql(
            "CREATE TABLE t (a INT INVISIBLE, b INT, invisible INT, KEY invisible (b) INVISIBLE, \
             UNIQUE KEY u (a) VISIBLE, CONSTRAINT c UNIQUE (b) /*!80000 INVISIBLE */, \
             FULLTEXT KEY f (b) INVISIBLE, KEY k2 (b) USING BTREE INVISIBLE COMMENT 'x')",
        ) else {
            panic!("not a CREATE TABLE")
        };
        let flags: Vec<bool> = ct
            .constraints
            .iter()
            .map(|c| match c {
                sqlparser::ast::TableConstraint::Index(x) => marker(&x.columns),
                sqlparser::ast::TableConstraint::Unique(x) => marker(&x.columns),
                sqlparser::ast::TableConstraint::FulltextOrSpatial(x) => marker(&x.columns),
                other => panic!("{other}"),
            })
            .collect();
        assert_eq!(flags, [true, false, true, true, true]);
        // The column option stays a column option.
        assert!(ct.columns[0].to_string().ends_with("INVISIBLE"));
        let Statement::CreateIndex(ci) = sql("CREATE INDEX i ON t (a) INVISIBLE") else {
            panic!("not a CREATE INDEX")
        };
        assert!(marker(&ci.columns));
        let Statement::AlterTable(at) = sql(
            "ALTER TABLE t ADD INDEX i (a) INVISIBLE, ADD COLUMN c INT INVISIBLE, \
             ALTER INDEX i VISIBLE, ALTER INDEX `j` INVISIBLE",
        ) else {
            panic!("not an ALTER TABLE")
        };
        let ops: Vec<String> = at.operations.iter().map(|o| o.to_string()).collect();
        assert_eq!(ops[2], "ENABLE REPLICA RULE i");
        assert_eq!(ops[3], "ENABLE ALWAYS RULE `j`");
        for q in [
            "ALTER TABLE t ALTER INDEX PRIMARY INVISIBLE",
            "ALTER TABLE t ENABLE ALWAYS RULE i",
            "ALTER TABLE t ENABLE REPLICA RULE i",
            "CREATE TABLE t (a INT, KEY k (a) INVISIBLE INVISIBLE x)",
        ] {
            assert_eq!(err(q).code, ER_PARSE_ERROR, "{q}");
        }
    }

    #[test]
    fn bang_is_a_tight_not() {
        let item = |q: &str| match sql(q) {
            Statement::Query(q) => match *q.body {
                sqlparser::ast::SetExpr::Select(s) => s.projection[0].to_string(),
                other => panic!("{other}"),
            },
            other => panic!("{other}"),
        };
        assert_eq!(item("SELECT !1 + 1"), "`!`(1) + 1");
        assert_eq!(item("SELECT !!a * 2"), "`!`(`!`(a)) * 2");
        assert_eq!(item("SELECT ! (1 = 2) OR b"), "`!`((1 = 2)) OR b");
        assert_eq!(item("SELECT !-t.a.b = 1"), "`!`(-t.a.b) = 1");
        assert_eq!(item("SELECT !f(x, (y)) IS NULL"), "`!`(f(x, (y))) IS NULL");
        assert_eq!(
            item("SELECT !CASE WHEN a THEN 1 END + 1"),
            "`!`(CASE WHEN a THEN 1 END) + 1"
        );
        assert_eq!(
            item("SELECT !_utf8mb4'a' COLLATE utf8mb4_bin"),
            "`!`(_utf8mb4 'a' COLLATE utf8mb4_bin)"
        );
        assert_eq!(item("SELECT a != !b"), "a <> `!`(b)");
        assert_eq!(err("SELECT !NOT 1").code, ER_PARSE_ERROR);
        assert_eq!(err("SELECT 1 !").code, ER_PARSE_ERROR);
    }

    #[test]
    fn sqlparser_ast_keeps_meaning() {
        use sqlparser::ast::{SetExpr, TableFactor, Value};
        let Statement::Query(q) = sql(
            "SELECT SQL_NO_CACHE `id` FROM `t` FORCE INDEX (k) WHERE id = 1 LIMIT 10 FOR UPDATE",
        ) else {
            panic!()
        };
        assert_eq!(q.locks.len(), 1);
        assert!(q.limit_clause.is_some());
        let SetExpr::Select(s) = q.body.as_ref() else {
            panic!()
        };
        let TableFactor::Table { index_hints, .. } = &s.from[0].relation else {
            panic!()
        };
        assert_eq!(index_hints.len(), 1);
        assert!(s.to_string().contains("SQL_NO_CACHE"));
        let Statement::Query(q) = sql("SELECT * FROM t LOCK IN SHARE MODE") else {
            panic!()
        };
        assert_eq!(q.locks.len(), 1);
        let Statement::Query(q) = sql("SELECT 'a' 'b', 'it\\'s', X'ab', 0x1F, b'01', _utf8mb4'x'")
        else {
            panic!()
        };
        let SetExpr::Select(s) = q.body.as_ref() else {
            panic!()
        };
        let text: Vec<String> = s.projection.iter().map(|p| p.to_string()).collect();
        assert_eq!(text[0], "'ab'");
        assert!(
            matches!(&s.projection[1], sqlparser::ast::SelectItem::UnnamedExpr(Expr::Value(v)) if v.value == Value::SingleQuotedString("it's".into()))
        );
        assert!(matches!(
            sql("CREATE TABLE t (a int(11) unsigned zerofill NOT NULL DEFAULT b'0') ENGINE=Aria PAGE_CHECKSUM=1 TRANSACTIONAL=1"),
            Statement::CreateTable(_)
        ));
        assert!(matches!(
            own(
                "SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2024-01-01 00:00:00' WHERE a = 1"
            ),
            OwnStatement::AsOf { .. }
        ));
        assert!(matches!(
            own("SELECT * FROM t AS OF TIMESTAMP NOW() - INTERVAL 1 HOUR"),
            OwnStatement::AsOf { .. }
        ));
    }

    #[test]
    fn error_messages_match_mysql() {
        assert_eq!(
            err("SELEC 1").message,
            "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near 'SELEC 1' at line 1"
        );
        assert_eq!(near("SELECT * FROM t WHERE"), "' at line 1");
        assert_eq!(near("SELECT 1 FROM t\nWHERE a = = 1"), "= 1' at line 2");
        assert_eq!(near("SELECT 1; SELECT 2"), "SELECT 2' at line 1");
        assert_eq!(
            near("/*!40101 SET NAMES utf8mb4 */ garbage"),
            "garbage' at line 1"
        );
        assert_eq!(
            near("LOCK TABLES t READ /*!32311 LOCAL */ x"),
            "x' at line 1"
        );
        let long = format!("SELEC {}", "x".repeat(200));
        assert_eq!(near(&long), format!("{}' at line 1", &long[..80]));
        assert_eq!(near("CHECKSUM TABLE"), "' at line 1");
    }

    #[test]
    fn no_panics_on_garbage() {
        // xorshift; deterministic
        let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let pieces = [
            "SELECT",
            "SET",
            "SHOW",
            "LOCK",
            "TABLES",
            "/*!",
            "/*!40101",
            "*/",
            "/*M!100100",
            "/*",
            "--",
            "#",
            "'",
            "\"",
            "`",
            "\\",
            "@",
            "@@",
            "GLOBAL",
            ".",
            ",",
            "(",
            ")",
            "=",
            ":=",
            "FROM",
            "TO",
            "ON",
            "*",
            "CHECKSUM",
            "TABLE",
            "GRANT",
            "ALL",
            "CREATE",
            "USER",
            "DEFINER",
            "AS",
            "OF",
            "TIMESTAMP",
            "1",
            "x",
            "'a'",
            "\n",
            ";",
            "é",
            "日本",
            "START",
            "TRANSACTION",
            "WITH",
            "READ",
            "ALTER",
            "KEYS",
            "DISABLE",
            "EXPLAIN",
            "FOR",
            "LIMIT",
            "IN",
            "SHARE",
            "MODE",
            "ZEROFILL",
            "PAGE_CHECKSUM",
            "!",
            "INVISIBLE",
            "VISIBLE",
            "INDEX",
            "KEY",
            "ADD",
            "CASE",
            "END",
            "COLLATE",
        ];
        for _ in 0..50_000 {
            let n = (next() % 12) as usize;
            let mut q = String::new();
            for _ in 0..n {
                q.push_str(pieces[(next() % pieces.len() as u64) as usize]);
                if next() % 3 != 0 {
                    q.push(' ');
                }
            }
            let _ = parse(&q);
        }
        for _ in 0..50_000 {
            let n = (next() % 24) as usize;
            let bytes: Vec<u8> = (0..n).map(|_| (next() % 128) as u8).collect();
            let _ = parse(&String::from_utf8_lossy(&bytes));
        }
    }
}
