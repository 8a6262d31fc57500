//! The catalog: databases, tables, indexes and users of one cluster, stored in
//! the reserved catalog tree so that DDL is transactional, snapshots see the
//! schema of their own moment, and a fork has the source's schema and users.
//!
//! Keys in the catalog tree: `D<db>` database, `T<db>\0<table>` table,
//! `U<user>\0<host>` user, `W<db>\0<view>` view, `G<db>\0<trigger>` trigger,
//! `R<db>\0<F|P>\0<lower-case name>` stored function/procedure, `E<db>\0<lower-case name>`
//! event, `V` the catalog version (bumped by every DDL, so a
//! session knows when its cached [`Catalog`] is stale and two concurrent DDLs
//! conflict).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::storage::codec::{Reader, Writer};
use crate::value::row::{decode_row, encode_row};
use crate::value::{Collation, IntKind, LobKind, SqlType, Value};

/// The reserved tree holding the catalog.
pub const CATALOG_TREE: u64 = 1;
const FORMAT: u8 = 1;

/// A column's DEFAULT.
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnDefault {
    /// No DEFAULT clause: NULL for nullable columns, an error (1364) in strict mode otherwise.
    None,
    Null,
    Value(Value),
    /// DEFAULT CURRENT_TIMESTAMP[(fsp)].
    CurrentTimestamp,
    /// ALTER ... DROP DEFAULT: no default even for a nullable column (1364 in strict
    /// mode; SHOW CREATE TABLE prints no DEFAULT clause).
    Dropped,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    pub default: ColumnDefault,
    pub auto_increment: bool,
    /// ON UPDATE CURRENT_TIMESTAMP.
    pub on_update_now: bool,
    pub comment: String,
    /// `GENERATED ALWAYS AS (expr) VIRTUAL|STORED` (see [`super::generated`]).
    pub generated: Option<Generated>,
    /// INVISIBLE (MySQL 8.0.23): left out of `SELECT *` and of an INSERT without a
    /// column list; named, it reads and writes as any column.
    pub invisible: bool,
}

/// The expression of a generated column, stored as MySQL prints it.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub expr: String,
    /// STORED; VIRTUAL otherwise (Borealis keeps the value in the row either way).
    pub stored: bool,
}

impl ColumnDef {
    /// EXTRA of SHOW COLUMNS and information_schema.COLUMNS.
    pub fn extra(&self) -> String {
        let base = self.extra_base();
        match (self.invisible, base.is_empty()) {
            (false, _) => base.to_string(),
            (true, true) => "INVISIBLE".to_string(),
            (true, false) => format!("{base} INVISIBLE"),
        }
    }

    fn extra_base(&self) -> &'static str {
        match &self.generated {
            Some(g) if g.stored => "STORED GENERATED",
            Some(_) => "VIRTUAL GENERATED",
            None if self.auto_increment => "auto_increment",
            None if self.on_update_now => "DEFAULT_GENERATED on update CURRENT_TIMESTAMP",
            None if self.default == ColumnDefault::CurrentTimestamp => "DEFAULT_GENERATED",
            None => "",
        }
    }
}

/// One column of an index, with an optional prefix length in characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexColumn {
    pub column: usize,
    pub prefix: Option<u32>,
}

/// What kind of index an [`IndexDef`] is: a B-tree over the column values, or a
/// FULLTEXT inverted index over the words of its columns (see [`super::fulltext`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IndexKind {
    #[default]
    Btree,
    Fulltext,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IndexDef {
    pub name: String,
    pub unique: bool,
    /// A SPATIAL index (MySQL's R-tree): kept as a B-tree over the first 32 bytes of the
    /// geometry, shown as SPATIAL, never chosen for a spatial predicate.
    pub spatial: bool,
    pub columns: Vec<IndexColumn>,
    /// The tree holding the index entries.
    pub tree: u64,
    pub kind: IndexKind,
    /// MySQL 8.0's INVISIBLE index: kept current (and a UNIQUE one enforced) but not
    /// chosen by the planner unless `optimizer_switch` has `use_invisible_indexes=on`.
    pub invisible: bool,
}

impl IndexDef {
    /// A FULLTEXT index: its tree holds `word 0x00 pk -> count`, never read as a key
    /// range over column values.
    pub fn is_fulltext(&self) -> bool {
        self.kind == IndexKind::Fulltext
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableDef {
    pub db: String,
    pub name: String,
    /// The clustered tree: rows keyed by primary key (or hidden row id).
    pub tree: u64,
    pub columns: Vec<ColumnDef>,
    /// Primary key columns; empty means a hidden 8-byte row id.
    pub primary: Vec<IndexColumn>,
    /// Secondary indexes (UNIQUE and plain).
    pub indexes: Vec<IndexDef>,
    pub engine: String,
    pub collation: Collation,
    pub comment: String,
    /// AUTO_INCREMENT table option (first value), 1 when not given.
    pub auto_increment_start: u64,
    pub created_us: u64,
    /// FOREIGN KEY constraints of this table (it is their child), in name order as
    /// InnoDB lists them.
    pub foreign_keys: Vec<ForeignKeyDef>,
    /// CHECK constraints (see [`super::check`]), in name order: the order MySQL 8.0
    /// evaluates and shows them in.
    pub checks: Vec<CheckDef>,
}

/// One CHECK constraint. The condition is kept as MySQL 8.0 prints it
/// (`(`a` > 0)`), which is also what SHOW CREATE TABLE and
/// information_schema.CHECK_CONSTRAINTS show and what is parsed again to evaluate it.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckDef {
    pub name: String,
    pub clause: String,
    /// `NOT ENFORCED` constraints are kept and shown but not evaluated.
    pub enforced: bool,
}

/// What a foreign key does to child rows when their parent row is deleted or its key
/// changes. `Unspecified` (no clause) acts as RESTRICT, and is NO ACTION in
/// information_schema as in MySQL 8.0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FkAction {
    Unspecified,
    Restrict,
    NoAction,
    Cascade,
    SetNull,
}

impl FkAction {
    fn code(self) -> u8 {
        match self {
            FkAction::Unspecified => 0,
            FkAction::Restrict => 1,
            FkAction::NoAction => 2,
            FkAction::Cascade => 3,
            FkAction::SetNull => 4,
        }
    }

    fn from_code(c: u8) -> Option<FkAction> {
        Some(match c {
            0 => FkAction::Unspecified,
            1 => FkAction::Restrict,
            2 => FkAction::NoAction,
            3 => FkAction::Cascade,
            4 => FkAction::SetNull,
            _ => return None,
        })
    }

    /// The rule as information_schema.REFERENTIAL_CONSTRAINTS shows it.
    pub fn rule_name(self) -> &'static str {
        match self {
            FkAction::Unspecified | FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
        }
    }

    /// The clause SHOW CREATE TABLE prints after ON DELETE/ON UPDATE, if any (MySQL 8.0
    /// prints an explicit RESTRICT and omits NO ACTION, the default).
    pub fn shown(self) -> Option<&'static str> {
        match self {
            FkAction::Unspecified | FkAction::NoAction => None,
            other => Some(other.rule_name()),
        }
    }

    /// Whether the action refuses the parent change while children exist.
    pub fn refuses(self) -> bool {
        matches!(
            self,
            FkAction::Unspecified | FkAction::Restrict | FkAction::NoAction
        )
    }
}

/// One FOREIGN KEY constraint, kept in its child table's definition. Columns are kept by
/// name: the parent may not exist (created with `foreign_key_checks=0`).
#[derive(Clone, Debug, PartialEq)]
pub struct ForeignKeyDef {
    pub name: String,
    /// The child's columns, in constraint order.
    pub columns: Vec<String>,
    pub ref_db: String,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
}

impl ForeignKeyDef {
    /// Whether this constraint's parent is `db`.`table` (names compare as MySQL's
    /// case-sensitive table names do on Linux).
    pub fn references(&self, db: &str, table: &str) -> bool {
        self.ref_db == db && self.ref_table == table
    }
}

impl TableDef {
    /// Whether a column of this table is generated.
    pub fn has_generated(&self) -> bool {
        self.columns.iter().any(|c| c.generated.is_some())
    }

    /// The positions of the columns `SELECT *` and an INSERT without a column list see
    /// (all but the INVISIBLE ones).
    pub fn visible_columns(&self) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&i| !self.columns[i].invisible)
            .collect()
    }

    /// Adds CHECK constraints, keeping them in name order.
    pub fn add_checks(&mut self, checks: Vec<CheckDef>) {
        self.checks.extend(checks);
        self.checks.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// The position of CHECK constraint `name` (case-insensitive).
    pub fn check(&self, name: &str) -> Option<usize> {
        self.checks
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The constraint named `name` (case-insensitive), if this table has it.
    pub fn foreign_key(&self, name: &str) -> Option<&ForeignKeyDef> {
        self.foreign_keys
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Index of the column called `name` (case-insensitive, as MySQL).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub fn types(&self) -> Vec<SqlType> {
        self.columns.iter().map(|c| c.ty.clone()).collect()
    }

    /// The `Key` of column `i` as SHOW COLUMNS and information_schema show it:
    /// PRI (in the primary key), UNI (first column of a unique index), MUL
    /// (first column of another index), or empty.
    pub fn column_key(&self, i: usize) -> &'static str {
        if self.primary.iter().any(|p| p.column == i) {
            "PRI"
        } else if self
            .indexes
            .iter()
            .any(|x| x.unique && x.columns.first().is_some_and(|p| p.column == i))
        {
            "UNI"
        } else if self
            .indexes
            .iter()
            .any(|x| x.columns.first().is_some_and(|p| p.column == i))
        {
            "MUL"
        } else {
            ""
        }
    }

    /// The AUTO_INCREMENT column, if any.
    pub fn auto_increment_column(&self) -> Option<usize> {
        self.columns.iter().position(|c| c.auto_increment)
    }

    /// Values used when a stored row has fewer columns than the table (ADD COLUMN).
    pub fn defaults(&self) -> Vec<Value> {
        self.columns
            .iter()
            .map(|c| match &c.default {
                ColumnDefault::Value(v) => v.clone(),
                _ => Value::Null,
            })
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseDef {
    pub name: String,
    pub collation: Collation,
}

/// Privilege bits, as GRANT names them.
pub mod privs {
    pub const SELECT: u32 = 1;
    pub const INSERT: u32 = 1 << 1;
    pub const UPDATE: u32 = 1 << 2;
    pub const DELETE: u32 = 1 << 3;
    pub const CREATE: u32 = 1 << 4;
    pub const DROP: u32 = 1 << 5;
    pub const ALTER: u32 = 1 << 6;
    pub const INDEX: u32 = 1 << 7;
    pub const REPLICATION_SLAVE: u32 = 1 << 8;
    pub const REPLICATION_CLIENT: u32 = 1 << 9;
    pub const SUPER: u32 = 1 << 10;
    pub const CREATE_USER: u32 = 1 << 11;
    pub const PROCESS: u32 = 1 << 12;
    pub const RELOAD: u32 = 1 << 13;
    pub const LOCK_TABLES: u32 = 1 << 14;
    pub const GRANT_OPTION: u32 = 1 << 15;
    pub const SHOW_DATABASES: u32 = 1 << 16;
    pub const CREATE_VIEW: u32 = 1 << 17;
    pub const SHOW_VIEW: u32 = 1 << 18;
    pub const CREATE_ROUTINE: u32 = 1 << 19;
    pub const ALTER_ROUTINE: u32 = 1 << 20;
    pub const EXECUTE: u32 = 1 << 21;
    pub const TRIGGER: u32 = 1 << 22;
    pub const EVENT: u32 = 1 << 23;
    pub const CREATE_TEMPORARY_TABLES: u32 = 1 << 24;
    pub const REFERENCES: u32 = 1 << 25;
    /// Everything ALL [PRIVILEGES] grants at the global level.
    pub const ALL: u32 = (1 << 26) - 1 - GRANT_OPTION;
    /// What ALL meant before bits 17.. existed: an account stored with all of these
    /// had ALL, and is read back with the new ALL ([`super::decode_user`]).
    pub const OLD_ALL: u32 = (1 << 17) - 1 - GRANT_OPTION;
    /// What ALL means on a database.
    pub const ALL_DB: u32 = SELECT
        | INSERT
        | UPDATE
        | DELETE
        | CREATE
        | DROP
        | REFERENCES
        | INDEX
        | ALTER
        | CREATE_TEMPORARY_TABLES
        | LOCK_TABLES
        | EXECUTE
        | CREATE_VIEW
        | SHOW_VIEW
        | CREATE_ROUTINE
        | ALTER_ROUTINE
        | EVENT
        | TRIGGER;
    /// What ALL means on a table.
    pub const ALL_TABLE: u32 = SELECT
        | INSERT
        | UPDATE
        | DELETE
        | CREATE
        | DROP
        | REFERENCES
        | INDEX
        | ALTER
        | CREATE_VIEW
        | SHOW_VIEW
        | TRIGGER;

    /// `(bit, name)` in the order SHOW GRANTS lists them (MySQL 8.0's).
    pub const NAMES: &[(u32, &str)] = &[
        (SELECT, "SELECT"),
        (INSERT, "INSERT"),
        (UPDATE, "UPDATE"),
        (DELETE, "DELETE"),
        (CREATE, "CREATE"),
        (DROP, "DROP"),
        (RELOAD, "RELOAD"),
        (PROCESS, "PROCESS"),
        (REFERENCES, "REFERENCES"),
        (INDEX, "INDEX"),
        (ALTER, "ALTER"),
        (SHOW_DATABASES, "SHOW DATABASES"),
        (SUPER, "SUPER"),
        (CREATE_TEMPORARY_TABLES, "CREATE TEMPORARY TABLES"),
        (LOCK_TABLES, "LOCK TABLES"),
        (EXECUTE, "EXECUTE"),
        (REPLICATION_SLAVE, "REPLICATION SLAVE"),
        (REPLICATION_CLIENT, "REPLICATION CLIENT"),
        (CREATE_VIEW, "CREATE VIEW"),
        (SHOW_VIEW, "SHOW VIEW"),
        (CREATE_ROUTINE, "CREATE ROUTINE"),
        (ALTER_ROUTINE, "ALTER ROUTINE"),
        (CREATE_USER, "CREATE USER"),
        (EVENT, "EVENT"),
        (TRIGGER, "TRIGGER"),
    ];
}

/// The plugin names Borealis accounts use.
pub const NATIVE_PASSWORD: &str = "mysql_native_password";
/// See [`NATIVE_PASSWORD`].
pub const CACHING_SHA2_PASSWORD: &str = "caching_sha2_password";

#[derive(Clone, Debug, PartialEq, Default)]
pub struct UserDef {
    pub user: String,
    pub host: String,
    /// SHA1(SHA1(password)) (mysql_native_password); empty for no password.
    pub auth_stage2: Vec<u8>,
    /// The authentication plugin; empty means mysql_native_password (accounts written
    /// before plugins were stored).
    pub plugin: String,
    /// caching_sha2_password: the salted SHA-256 crypt in MySQL's `$A$005$` form
    /// ([`super::sha2auth`]); empty for no password.
    pub sha2_hash: Vec<u8>,
    /// `REQUIRE SSL`: the account may only log in over TLS.
    pub require_ssl: bool,
    pub global: u32,
    pub dbs: BTreeMap<String, u32>,
    pub tables: BTreeMap<(String, String), u32>,
    /// Routine privileges (EXECUTE, ALTER ROUTINE, GRANT OPTION) by (db, 'F'|'P',
    /// lower-case name): MySQL's mysql.procs_priv.
    pub routines: BTreeMap<(String, char, String), u32>,
    /// Column privileges (SELECT, INSERT, UPDATE, REFERENCES) by (db, table, column as
    /// first granted; compared case-insensitively): MySQL's mysql.columns_priv.
    pub columns: BTreeMap<(String, String, String), u32>,
}

impl UserDef {
    /// The privileges held on routine `db`.`name` of kind `kind` ('F' or 'P') itself.
    pub fn routine_privs(&self, db: &str, kind: char, name: &str) -> u32 {
        self.routines
            .get(&(db.to_string(), kind, name.to_ascii_lowercase()))
            .copied()
            .unwrap_or(0)
    }

    /// The privileges held on column `col` of `db`.`table` at the column level.
    pub fn column_privs(&self, db: &str, table: &str, col: &str) -> u32 {
        self.column_key(db, table, col)
            .and_then(|k| self.columns.get(&k))
            .copied()
            .unwrap_or(0)
    }

    /// The key column privileges on `db`.`table`.`col` are held under: the column as
    /// first granted (MySQL's mysql.columns_priv keeps the name as typed and compares it
    /// case-insensitively).
    pub fn column_key(&self, db: &str, table: &str, col: &str) -> Option<(String, String, String)> {
        self.columns
            .range((db.to_string(), table.to_string(), String::new())..)
            .take_while(|((d, t, _), _)| d == db && t == table)
            .find(|((_, _, c), _)| c.eq_ignore_ascii_case(col))
            .map(|(k, _)| k.clone())
    }

    /// The union of the column-level privileges held on any column of `db`.`table`.
    pub fn any_column_privs(&self, db: &str, table: &str) -> u32 {
        self.columns
            .range((db.to_string(), table.to_string(), String::new())..)
            .take_while(|((d, t, _), _)| d == db && t == table)
            .fold(0, |acc, (_, p)| acc | p)
    }

    /// The account's authentication plugin, as `mysql.user.plugin` names it.
    pub fn plugin_name(&self) -> &str {
        if self.plugin.is_empty() {
            NATIVE_PASSWORD
        } else {
            &self.plugin
        }
    }

    /// Whether the account has no password.
    pub fn has_empty_password(&self) -> bool {
        if self.plugin_name() == CACHING_SHA2_PASSWORD {
            self.sha2_hash.is_empty()
        } else {
            self.auth_stage2.is_empty()
        }
    }

    /// Whether the user holds `need` on `db`.`table` (either may be absent).
    pub fn allows(&self, need: u32, db: Option<&str>, table: Option<&str>) -> bool {
        let mut have = self.global;
        if let Some(db) = db {
            have |= self.dbs.get(db).copied().unwrap_or(0);
            if let Some(t) = table {
                have |= self
                    .tables
                    .get(&(db.to_string(), t.to_string()))
                    .copied()
                    .unwrap_or(0);
            }
        }
        have & need == need
    }
}

/// The decoded catalog of one snapshot.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub version: u64,
    pub dbs: BTreeMap<String, DatabaseDef>,
    pub tables: BTreeMap<(String, String), Arc<TableDef>>,
    pub users: BTreeMap<(String, String), UserDef>,
    pub views: BTreeMap<(String, String), Arc<ViewDef>>,
    /// Triggers by (db, name).
    pub triggers: BTreeMap<(String, String), Arc<TriggerDef>>,
    /// Stored functions and procedures by (db, 'F'|'P', lower-case name).
    pub routines: BTreeMap<(String, char, String), Arc<RoutineDef>>,
    /// Events by (db, lower-case name).
    pub events: BTreeMap<(String, String), Arc<EventDef>>,
}

/// Session state a stored program keeps from its CREATE (shown by SHOW and
/// information_schema; `sql_mode` is also the mode the program runs in).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ProgramEnv {
    /// `user@host`, unquoted.
    pub definer: String,
    pub sql_mode: String,
    pub charset_client: String,
    pub collation_connection: String,
    pub db_collation: String,
    /// Creation time, µs since the epoch (UTC).
    pub created_us: u64,
}

/// A trigger: a body run for each row an INSERT, UPDATE or DELETE changes in its table.
#[derive(Clone, Debug, PartialEq)]
pub struct TriggerDef {
    pub db: String,
    pub name: String,
    pub table: String,
    /// BEFORE or AFTER.
    pub timing: String,
    /// INSERT, UPDATE or DELETE.
    pub event: String,
    /// 1-based position among the table's triggers of the same timing and event.
    pub order: u64,
    /// One statement or BEGIN … END, as written.
    pub body: String,
    pub env: ProgramEnv,
}

/// A parameter of a stored routine.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamDef {
    /// IN, OUT or INOUT.
    pub mode: String,
    pub name: String,
    /// The type as written.
    pub ty: String,
}

/// A stored function (`kind` 'F') or procedure ('P').
#[derive(Clone, Debug, PartialEq)]
pub struct RoutineDef {
    pub db: String,
    pub name: String,
    pub kind: char,
    pub params: Vec<ParamDef>,
    /// RETURNS type as written (functions; empty for procedures).
    pub returns: String,
    pub body: String,
    pub deterministic: bool,
    /// CONTAINS SQL, NO SQL, READS SQL DATA or MODIFIES SQL DATA.
    pub data_access: String,
    /// DEFINER or INVOKER.
    pub security: String,
    pub comment: String,
    pub env: ProgramEnv,
}

impl RoutineDef {
    /// FUNCTION or PROCEDURE.
    pub fn kind_name(&self) -> &'static str {
        if self.kind == 'F' {
            "FUNCTION"
        } else {
            "PROCEDURE"
        }
    }
}

/// An event: a body with a schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct EventDef {
    pub db: String,
    pub name: String,
    /// `AT` time of a one-time event, `YYYY-MM-DD hh:mm:ss` (empty when recurring).
    pub execute_at: String,
    /// `EVERY` count and unit of a recurring event (empty when one-time).
    pub interval_value: String,
    pub interval_field: String,
    /// STARTS / ENDS of a recurring event (`ends` may be empty).
    pub starts: String,
    pub ends: String,
    /// ENABLED, DISABLED or SLAVESIDE_DISABLED.
    pub status: String,
    /// ON COMPLETION PRESERVE.
    pub preserve: bool,
    pub comment: String,
    /// The session time zone at CREATE (what the times above are in).
    pub time_zone: String,
    pub body: String,
    pub env: ProgramEnv,
}

impl Catalog {
    /// The triggers of `db.table` for `timing` and `event`, in action order.
    pub fn triggers_for(
        &self,
        db: &str,
        table: &str,
        timing: &str,
        event: &str,
    ) -> Vec<Arc<TriggerDef>> {
        let mut v: Vec<Arc<TriggerDef>> = self
            .triggers
            .range((db.to_string(), String::new())..)
            .take_while(|((d, _), _)| d == db)
            .map(|(_, t)| t)
            .filter(|t| t.table == table && t.timing == timing && t.event == event)
            .cloned()
            .collect();
        v.sort_by_key(|t| t.order);
        v
    }

    /// Whether `db.table` has any trigger.
    pub fn has_triggers(&self, db: &str, table: &str) -> bool {
        self.triggers
            .range((db.to_string(), String::new())..)
            .take_while(|((d, _), _)| d == db)
            .any(|(_, t)| t.table == table)
    }

    /// A stored function ('F') or procedure ('P'), names compared case-insensitively.
    pub fn routine(&self, db: &str, kind: char, name: &str) -> Option<&Arc<RoutineDef>> {
        self.routines
            .get(&(db.to_string(), kind, name.to_lowercase()))
    }

    /// An event, names compared case-insensitively.
    pub fn event(&self, db: &str, name: &str) -> Option<&Arc<EventDef>> {
        self.events.get(&(db.to_string(), name.to_lowercase()))
    }
}

/// A view: a stored SELECT, expanded as a derived table wherever the view is named.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewDef {
    pub db: String,
    pub name: String,
    /// The SELECT, with every table name qualified by its database (so the view reads the
    /// same tables whatever the session's current database).
    pub query: String,
    /// Column names given in `CREATE VIEW v (a, b)`; empty: the SELECT's names.
    pub columns: Vec<String>,
    /// UNDEFINED, MERGE or TEMPTABLE (kept for SHOW CREATE VIEW; every view is expanded).
    pub algorithm: String,
    /// `user`@`host`.
    pub definer: String,
    /// DEFINER or INVOKER.
    pub security: String,
}

impl Catalog {
    pub fn view(&self, db: &str, name: &str) -> Option<&Arc<ViewDef>> {
        self.views.get(&(db.to_string(), name.to_string()))
    }

    pub fn views_in<'a>(&'a self, db: &'a str) -> impl Iterator<Item = &'a Arc<ViewDef>> + 'a {
        self.views
            .range((db.to_string(), String::new())..)
            .take_while(move |((d, _), _)| d == db)
            .map(|(_, v)| v)
    }

    pub fn table(&self, db: &str, name: &str) -> Option<&Arc<TableDef>> {
        self.tables.get(&(db.to_string(), name.to_string()))
    }

    /// The foreign keys whose parent is `db`.`table`: (child table, constraint index),
    /// the table's own self-references included.
    pub fn referencing(&self, db: &str, table: &str) -> Vec<(Arc<TableDef>, usize)> {
        let mut out = Vec::new();
        for t in self.tables.values() {
            for (i, fk) in t.foreign_keys.iter().enumerate() {
                if fk.references(db, table) {
                    out.push((t.clone(), i));
                }
            }
        }
        out
    }

    pub fn tables_in<'a>(&'a self, db: &'a str) -> impl Iterator<Item = &'a Arc<TableDef>> + 'a {
        self.tables
            .range((db.to_string(), String::new())..)
            .take_while(move |((d, _), _)| d == db)
            .map(|(_, t)| t)
    }

    /// The user entry that matches `user` connecting from `host` (`%` matches any host).
    pub fn find_user(&self, user: &str, host: &str) -> Option<&UserDef> {
        self.users
            .get(&(user.to_string(), host.to_string()))
            .or_else(|| self.users.get(&(user.to_string(), "%".to_string())))
            .or_else(|| {
                if host == "127.0.0.1" || host == "::1" {
                    self.users.get(&(user.to_string(), "localhost".to_string()))
                } else {
                    None
                }
            })
    }

    /// Decodes the catalog from its tree entries.
    pub fn decode<'a>(entries: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> Option<Catalog> {
        let mut c = Catalog::default();
        for (k, v) in entries {
            match k.first()? {
                b'V' => c.version = u64::from_le_bytes(v.try_into().ok()?),
                b'D' => {
                    let d = decode_db(v)?;
                    c.dbs.insert(d.name.clone(), d);
                }
                b'T' => {
                    let t = decode_table(v)?;
                    c.tables.insert((t.db.clone(), t.name.clone()), Arc::new(t));
                }
                b'U' => {
                    let u = decode_user(v)?;
                    c.users.insert((u.user.clone(), u.host.clone()), u);
                }
                b'W' => {
                    let v = decode_view(v)?;
                    c.views.insert((v.db.clone(), v.name.clone()), Arc::new(v));
                }
                b'G' => {
                    let t = decode_trigger(v)?;
                    c.triggers
                        .insert((t.db.clone(), t.name.clone()), Arc::new(t));
                }
                b'R' => {
                    let r = decode_routine(v)?;
                    c.routines
                        .insert((r.db.clone(), r.kind, r.name.to_lowercase()), Arc::new(r));
                }
                b'E' => {
                    let e = decode_event(v)?;
                    c.events
                        .insert((e.db.clone(), e.name.to_lowercase()), Arc::new(e));
                }
                _ => return None,
            }
        }
        Some(c)
    }
}

pub fn version_key() -> Vec<u8> {
    b"V".to_vec()
}
pub fn db_key(db: &str) -> Vec<u8> {
    let mut k = b"D".to_vec();
    k.extend_from_slice(db.as_bytes());
    k
}
pub fn table_key(db: &str, name: &str) -> Vec<u8> {
    let mut k = b"T".to_vec();
    k.extend_from_slice(db.as_bytes());
    k.push(0);
    k.extend_from_slice(name.as_bytes());
    k
}
pub fn view_key(db: &str, name: &str) -> Vec<u8> {
    let mut k = b"W".to_vec();
    k.extend_from_slice(db.as_bytes());
    k.push(0);
    k.extend_from_slice(name.as_bytes());
    k
}

pub fn encode_view(v: &ViewDef) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(FORMAT);
    w.str(&v.db);
    w.str(&v.name);
    w.str(&v.query);
    w.var(v.columns.len() as u64);
    for c in &v.columns {
        w.str(c);
    }
    w.str(&v.algorithm);
    w.str(&v.definer);
    w.str(&v.security);
    w.buf
}

fn decode_view(b: &[u8]) -> Option<ViewDef> {
    let mut r = Reader::new(b);
    if r.u8()? != FORMAT {
        return None;
    }
    let db = r.str()?;
    let name = r.str()?;
    let query = r.str()?;
    let n = r.var()?;
    let mut columns = Vec::new();
    for _ in 0..n {
        columns.push(r.str()?);
    }
    Some(ViewDef {
        db,
        name,
        query,
        columns,
        algorithm: r.str()?,
        definer: r.str()?,
        security: r.str()?,
    })
}

fn named_key(tag: u8, db: &str, parts: &[&str]) -> Vec<u8> {
    let mut k = vec![tag];
    k.extend_from_slice(db.as_bytes());
    for p in parts {
        k.push(0);
        k.extend_from_slice(p.as_bytes());
    }
    k
}

pub fn trigger_key(db: &str, name: &str) -> Vec<u8> {
    named_key(b'G', db, &[name])
}

pub fn routine_key(db: &str, kind: char, name: &str) -> Vec<u8> {
    named_key(
        b'R',
        db,
        &[if kind == 'F' { "F" } else { "P" }, &name.to_lowercase()],
    )
}

pub fn event_key(db: &str, name: &str) -> Vec<u8> {
    named_key(b'E', db, &[&name.to_lowercase()])
}

fn put_env(w: &mut Writer, e: &ProgramEnv) {
    w.str(&e.definer);
    w.str(&e.sql_mode);
    w.str(&e.charset_client);
    w.str(&e.collation_connection);
    w.str(&e.db_collation);
    w.var(e.created_us);
}

fn get_env(r: &mut Reader) -> Option<ProgramEnv> {
    Some(ProgramEnv {
        definer: r.str()?,
        sql_mode: r.str()?,
        charset_client: r.str()?,
        collation_connection: r.str()?,
        db_collation: r.str()?,
        created_us: r.var()?,
    })
}

pub fn encode_trigger(t: &TriggerDef) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(FORMAT);
    for s in [&t.db, &t.name, &t.table, &t.timing, &t.event] {
        w.str(s);
    }
    w.var(t.order);
    w.str(&t.body);
    put_env(&mut w, &t.env);
    w.buf
}

fn decode_trigger(b: &[u8]) -> Option<TriggerDef> {
    let mut r = Reader::new(b);
    if r.u8()? != FORMAT {
        return None;
    }
    Some(TriggerDef {
        db: r.str()?,
        name: r.str()?,
        table: r.str()?,
        timing: r.str()?,
        event: r.str()?,
        order: r.var()?,
        body: r.str()?,
        env: get_env(&mut r)?,
    })
}

pub fn encode_routine(d: &RoutineDef) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(FORMAT);
    w.str(&d.db);
    w.str(&d.name);
    w.u8(d.kind as u8);
    w.var(d.params.len() as u64);
    for p in &d.params {
        w.str(&p.mode);
        w.str(&p.name);
        w.str(&p.ty);
    }
    w.str(&d.returns);
    w.str(&d.body);
    w.u8(u8::from(d.deterministic));
    w.str(&d.data_access);
    w.str(&d.security);
    w.str(&d.comment);
    put_env(&mut w, &d.env);
    w.buf
}

fn decode_routine(b: &[u8]) -> Option<RoutineDef> {
    let mut r = Reader::new(b);
    if r.u8()? != FORMAT {
        return None;
    }
    let db = r.str()?;
    let name = r.str()?;
    let kind = char::from(r.u8()?);
    let mut params = Vec::new();
    for _ in 0..r.var()? {
        params.push(ParamDef {
            mode: r.str()?,
            name: r.str()?,
            ty: r.str()?,
        });
    }
    Some(RoutineDef {
        db,
        name,
        kind,
        params,
        returns: r.str()?,
        body: r.str()?,
        deterministic: r.u8()? != 0,
        data_access: r.str()?,
        security: r.str()?,
        comment: r.str()?,
        env: get_env(&mut r)?,
    })
}

pub fn encode_event(e: &EventDef) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(FORMAT);
    for s in [
        &e.db,
        &e.name,
        &e.execute_at,
        &e.interval_value,
        &e.interval_field,
        &e.starts,
        &e.ends,
        &e.status,
    ] {
        w.str(s);
    }
    w.u8(u8::from(e.preserve));
    w.str(&e.comment);
    w.str(&e.time_zone);
    w.str(&e.body);
    put_env(&mut w, &e.env);
    w.buf
}

fn decode_event(b: &[u8]) -> Option<EventDef> {
    let mut r = Reader::new(b);
    if r.u8()? != FORMAT {
        return None;
    }
    Some(EventDef {
        db: r.str()?,
        name: r.str()?,
        execute_at: r.str()?,
        interval_value: r.str()?,
        interval_field: r.str()?,
        starts: r.str()?,
        ends: r.str()?,
        status: r.str()?,
        preserve: r.u8()? != 0,
        comment: r.str()?,
        time_zone: r.str()?,
        body: r.str()?,
        env: get_env(&mut r)?,
    })
}

pub fn user_key(user: &str, host: &str) -> Vec<u8> {
    let mut k = b"U".to_vec();
    k.extend_from_slice(user.as_bytes());
    k.push(0);
    k.extend_from_slice(host.as_bytes());
    k
}

fn put_type(w: &mut Writer, t: &SqlType) {
    let coll = |w: &mut Writer, c: &Collation| w.var(u64::from(c.id()));
    match t {
        SqlType::Int {
            kind,
            unsigned,
            width,
        } => {
            w.u8(1);
            w.u8(*kind as u8);
            w.u8(u8::from(*unsigned));
            w.u8(width.unwrap_or(0));
        }
        SqlType::Decimal { precision, scale } => {
            w.u8(2);
            w.u8(*precision);
            w.u8(*scale);
        }
        SqlType::Float => w.u8(3),
        SqlType::Double => w.u8(4),
        SqlType::Char { len, collation } => {
            w.u8(5);
            w.var(u64::from(*len));
            coll(w, collation);
        }
        SqlType::VarChar { len, collation } => {
            w.u8(6);
            w.var(u64::from(*len));
            coll(w, collation);
        }
        SqlType::Text { kind, collation } => {
            w.u8(7);
            w.u8(*kind as u8);
            coll(w, collation);
        }
        SqlType::Binary { len } => {
            w.u8(8);
            w.var(u64::from(*len));
        }
        SqlType::VarBinary { len } => {
            w.u8(9);
            w.var(u64::from(*len));
        }
        SqlType::Blob { kind } => {
            w.u8(10);
            w.u8(*kind as u8);
        }
        SqlType::Date => w.u8(11),
        SqlType::DateTime { fsp } => {
            w.u8(12);
            w.u8(*fsp);
        }
        SqlType::Timestamp { fsp } => {
            w.u8(13);
            w.u8(*fsp);
        }
        SqlType::Time { fsp } => {
            w.u8(14);
            w.u8(*fsp);
        }
        SqlType::Year => w.u8(15),
        SqlType::Enum { values, collation } => {
            w.u8(16);
            w.var(values.len() as u64);
            for v in values {
                w.str(v);
            }
            coll(w, collation);
        }
        SqlType::Json => w.u8(17),
        SqlType::Bit { len } => {
            w.u8(19);
            w.u8(*len);
        }
        SqlType::Geometry { kind, srid } => {
            w.u8(20);
            w.u8(*kind as u8);
            match srid {
                None => w.u8(0),
                Some(n) => {
                    w.u8(1);
                    w.var(u64::from(*n));
                }
            }
        }
        SqlType::Set { values, collation } => {
            w.u8(18);
            w.var(values.len() as u64);
            for v in values {
                w.str(v);
            }
            coll(w, collation);
        }
    }
}

fn int_kind(b: u8) -> Option<IntKind> {
    Some(match b {
        0 => IntKind::Tiny,
        1 => IntKind::Small,
        2 => IntKind::Medium,
        3 => IntKind::Int,
        4 => IntKind::Big,
        _ => return None,
    })
}

fn lob_kind(b: u8) -> Option<LobKind> {
    Some(match b {
        0 => LobKind::Tiny,
        1 => LobKind::Normal,
        2 => LobKind::Medium,
        3 => LobKind::Long,
        _ => return None,
    })
}

fn get_type(r: &mut Reader) -> Option<SqlType> {
    let coll = |r: &mut Reader| Collation::from_id(u16::try_from(r.var()?).ok()?);
    let len = |r: &mut Reader| u32::try_from(r.var()?).ok();
    Some(match r.u8()? {
        1 => {
            let kind = int_kind(r.u8()?)?;
            let unsigned = r.u8()? != 0;
            let width = match r.u8()? {
                0 => None,
                w => Some(w),
            };
            SqlType::Int {
                kind,
                unsigned,
                width,
            }
        }
        2 => SqlType::Decimal {
            precision: r.u8()?,
            scale: r.u8()?,
        },
        3 => SqlType::Float,
        4 => SqlType::Double,
        5 => SqlType::Char {
            len: len(r)?,
            collation: coll(r)?,
        },
        6 => SqlType::VarChar {
            len: len(r)?,
            collation: coll(r)?,
        },
        7 => SqlType::Text {
            kind: lob_kind(r.u8()?)?,
            collation: coll(r)?,
        },
        8 => SqlType::Binary { len: len(r)? },
        9 => SqlType::VarBinary { len: len(r)? },
        10 => SqlType::Blob {
            kind: lob_kind(r.u8()?)?,
        },
        11 => SqlType::Date,
        12 => SqlType::DateTime { fsp: r.u8()? },
        13 => SqlType::Timestamp { fsp: r.u8()? },
        14 => SqlType::Time { fsp: r.u8()? },
        15 => SqlType::Year,
        16 => {
            let n = r.var()?;
            let mut values = Vec::new();
            for _ in 0..n {
                values.push(r.str()?);
            }
            SqlType::Enum {
                values,
                collation: coll(r)?,
            }
        }
        17 => SqlType::Json,
        20 => SqlType::Geometry {
            kind: crate::value::geometry::GeomKind::from_code(u32::from(r.u8()?))?,
            srid: match r.u8()? {
                0 => None,
                1 => Some(u32::try_from(r.var()?).ok()?),
                _ => return None,
            },
        },
        19 => SqlType::Bit {
            len: Some(r.u8()?).filter(|l| (1..=64).contains(l))?,
        },
        18 => {
            let n = r.var()?;
            if n > crate::value::SET_MAX_MEMBERS as u64 {
                return None;
            }
            let mut values = Vec::new();
            for _ in 0..n {
                values.push(r.str()?);
            }
            SqlType::Set {
                values,
                collation: coll(r)?,
            }
        }
        _ => return None,
    })
}

fn put_index_cols(w: &mut Writer, cols: &[IndexColumn]) {
    w.var(cols.len() as u64);
    for c in cols {
        w.var(c.column as u64);
        w.var(c.prefix.map_or(0, |p| u64::from(p) + 1));
    }
}

fn get_index_cols(r: &mut Reader) -> Option<Vec<IndexColumn>> {
    let n = r.var()?;
    let mut out = Vec::new();
    for _ in 0..n {
        let column = usize::try_from(r.var()?).ok()?;
        let prefix = match r.var()? {
            0 => None,
            p => Some(u32::try_from(p - 1).ok()?),
        };
        out.push(IndexColumn { column, prefix });
    }
    Some(out)
}

pub fn encode_table(t: &TableDef) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(FORMAT);
    w.str(&t.db);
    w.str(&t.name);
    w.u64(t.tree);
    w.var(t.columns.len() as u64);
    for c in &t.columns {
        w.str(&c.name);
        put_type(&mut w, &c.ty);
        w.u8(u8::from(c.nullable)
            | (u8::from(c.auto_increment) << 1)
            | (u8::from(c.on_update_now) << 2));
        match &c.default {
            ColumnDefault::None => w.u8(0),
            ColumnDefault::Null => w.u8(1),
            ColumnDefault::CurrentTimestamp => w.u8(2),
            ColumnDefault::Dropped => w.u8(4),
            ColumnDefault::Value(v) => {
                w.u8(3);
                let bytes = encode_row(std::slice::from_ref(v), std::slice::from_ref(&c.ty))
                    .unwrap_or_default();
                w.bytes(&bytes);
            }
        }
        w.str(&c.comment);
    }
    put_index_cols(&mut w, &t.primary);
    w.var(t.indexes.len() as u64);
    for i in &t.indexes {
        w.str(&i.name);
        // Bit 0 unique, bit 1 spatial, bit 2 invisible (older definitions wrote only
        // bits 0 and 1, so they read as visible).
        w.u8(u8::from(i.unique) | (u8::from(i.spatial) << 1) | (u8::from(i.invisible) << 2));
        put_index_cols(&mut w, &i.columns);
        w.u64(i.tree);
    }
    w.str(&t.engine);
    w.var(u64::from(t.collation.id()));
    w.str(&t.comment);
    w.u64(t.auto_increment_start);
    w.u64(t.created_us);
    // Appended after the fields of the first format: a definition written before
    // foreign keys existed ends here and decodes with none.
    w.var(t.foreign_keys.len() as u64);
    for f in &t.foreign_keys {
        w.str(&f.name);
        w.var(f.columns.len() as u64);
        for c in &f.columns {
            w.str(c);
        }
        w.str(&f.ref_db);
        w.str(&f.ref_table);
        w.var(f.ref_columns.len() as u64);
        for c in &f.ref_columns {
            w.str(c);
        }
        w.u8(f.on_delete.code());
        w.u8(f.on_update.code());
    }
    // Appended after the foreign keys: a definition written before CHECK constraints
    // existed ends there and decodes with none.
    w.var(t.checks.len() as u64);
    for c in &t.checks {
        w.str(&c.name);
        w.str(&c.clause);
        w.u8(u8::from(c.enforced));
    }
    // Appended after the CHECK constraints: the generated columns, by position.
    let generated: Vec<(usize, &Generated)> = t
        .columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.generated.as_ref().map(|g| (i, g)))
        .collect();
    w.var(generated.len() as u64);
    for (i, g) in generated {
        w.var(i as u64);
        w.u8(u8::from(g.stored));
        w.str(&g.expr);
    }
    // Appended after the generated columns: the invisible ones, by position.
    let invisible: Vec<usize> = (0..t.columns.len())
        .filter(|&i| t.columns[i].invisible)
        .collect();
    w.var(invisible.len() as u64);
    for i in invisible {
        w.var(i as u64);
    }
    // Appended after the invisible columns: the indexes that are not B-trees, by
    // position in `indexes`, with their kind (1 FULLTEXT).
    let kinds: Vec<(usize, u8)> = t
        .indexes
        .iter()
        .enumerate()
        .filter_map(|(i, x)| match x.kind {
            IndexKind::Btree => None,
            IndexKind::Fulltext => Some((i, 1)),
        })
        .collect();
    w.var(kinds.len() as u64);
    for (i, k) in kinds {
        w.var(i as u64);
        w.u8(k);
    }
    w.buf
}

pub fn decode_table(b: &[u8]) -> Option<TableDef> {
    let mut r = Reader::new(b);
    if r.u8()? != FORMAT {
        return None;
    }
    let db = r.str()?;
    let name = r.str()?;
    let tree = r.u64()?;
    let n = r.var()?;
    let mut columns = Vec::new();
    for _ in 0..n {
        let name = r.str()?;
        let ty = get_type(&mut r)?;
        let flags = r.u8()?;
        let default = match r.u8()? {
            0 => ColumnDefault::None,
            1 => ColumnDefault::Null,
            2 => ColumnDefault::CurrentTimestamp,
            4 => ColumnDefault::Dropped,
            3 => {
                let bytes = r.bytes()?;
                let v = decode_row(bytes, std::slice::from_ref(&ty), &[])
                    .ok()?
                    .pop()?;
                ColumnDefault::Value(v)
            }
            _ => return None,
        };
        let comment = r.str()?;
        columns.push(ColumnDef {
            name,
            ty,
            nullable: flags & 1 != 0,
            auto_increment: flags & 2 != 0,
            on_update_now: flags & 4 != 0,
            default,
            comment,
            generated: None,
            invisible: false,
        });
    }
    let primary = get_index_cols(&mut r)?;
    let ni = r.var()?;
    let mut indexes = Vec::new();
    for _ in 0..ni {
        let name = r.str()?;
        let flags = r.u8()?;
        let columns = get_index_cols(&mut r)?;
        let tree = r.u64()?;
        indexes.push(IndexDef {
            name,
            unique: flags & 1 != 0,
            spatial: flags & 2 != 0,
            columns,
            tree,
            kind: IndexKind::Btree,
            invisible: flags & 4 != 0,
        });
    }
    let engine = r.str()?;
    let collation = Collation::from_id(u16::try_from(r.var()?).ok()?)?;
    let comment = r.str()?;
    let auto_increment_start = r.u64()?;
    let created_us = r.u64()?;
    let mut foreign_keys = Vec::new();
    if !r.is_empty() {
        let names = |r: &mut Reader| -> Option<Vec<String>> {
            let n = r.var()?;
            let mut v = Vec::new();
            for _ in 0..n {
                v.push(r.str()?);
            }
            Some(v)
        };
        for _ in 0..r.var()? {
            let name = r.str()?;
            let columns = names(&mut r)?;
            let ref_db = r.str()?;
            let ref_table = r.str()?;
            let ref_columns = names(&mut r)?;
            let on_delete = FkAction::from_code(r.u8()?)?;
            let on_update = FkAction::from_code(r.u8()?)?;
            foreign_keys.push(ForeignKeyDef {
                name,
                columns,
                ref_db,
                ref_table,
                ref_columns,
                on_delete,
                on_update,
            });
        }
    }
    let mut checks = Vec::new();
    if !r.is_empty() {
        for _ in 0..r.var()? {
            let name = r.str()?;
            let clause = r.str()?;
            let enforced = r.u8()? != 0;
            checks.push(CheckDef {
                name,
                clause,
                enforced,
            });
        }
    }
    if !r.is_empty() {
        for _ in 0..r.var()? {
            let i = usize::try_from(r.var()?).ok()?;
            let stored = r.u8()? != 0;
            let expr = r.str()?;
            columns.get_mut(i)?.generated = Some(Generated { expr, stored });
        }
    }
    if !r.is_empty() {
        for _ in 0..r.var()? {
            let i = usize::try_from(r.var()?).ok()?;
            columns.get_mut(i)?.invisible = true;
        }
    }
    if !r.is_empty() {
        for _ in 0..r.var()? {
            let i = usize::try_from(r.var()?).ok()?;
            indexes.get_mut(i)?.kind = match r.u8()? {
                1 => IndexKind::Fulltext,
                _ => return None,
            };
        }
    }
    Some(TableDef {
        db,
        name,
        tree,
        columns,
        primary,
        indexes,
        engine,
        collation,
        comment,
        auto_increment_start,
        created_us,
        foreign_keys,
        checks,
    })
}

pub fn encode_db(d: &DatabaseDef) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(FORMAT);
    w.str(&d.name);
    w.var(u64::from(d.collation.id()));
    w.buf
}

fn decode_db(b: &[u8]) -> Option<DatabaseDef> {
    let mut r = Reader::new(b);
    if r.u8()? != FORMAT {
        return None;
    }
    Some(DatabaseDef {
        name: r.str()?,
        collation: Collation::from_id(u16::try_from(r.var()?).ok()?)?,
    })
}

pub fn encode_user(u: &UserDef) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(FORMAT);
    w.str(&u.user);
    w.str(&u.host);
    w.bytes(&u.auth_stage2);
    w.u32(u.global);
    w.var(u.dbs.len() as u64);
    for (d, p) in &u.dbs {
        w.str(d);
        w.u32(*p);
    }
    w.var(u.tables.len() as u64);
    for ((d, t), p) in &u.tables {
        w.str(d);
        w.str(t);
        w.u32(*p);
    }
    // Sections added later, in this order; an account written before one ends there.
    w.var(u.routines.len() as u64);
    for ((d, k, n), p) in &u.routines {
        w.str(d);
        w.u8(*k as u8);
        w.str(n);
        w.u32(*p);
    }
    w.var(u.columns.len() as u64);
    for ((d, t, c), p) in &u.columns {
        w.str(d);
        w.str(t);
        w.str(c);
        w.u32(*p);
    }
    w.str(&u.plugin);
    w.bytes(&u.sha2_hash);
    w.u8(u8::from(u.require_ssl));
    w.buf
}

fn decode_user(b: &[u8]) -> Option<UserDef> {
    let mut r = Reader::new(b);
    if r.u8()? != FORMAT {
        return None;
    }
    let user = r.str()?;
    let host = r.str()?;
    let auth_stage2 = r.bytes()?.to_vec();
    let global = r.u32()?;
    let mut dbs = BTreeMap::new();
    for _ in 0..r.var()? {
        let d = r.str()?;
        dbs.insert(d, r.u32()?);
    }
    let mut tables = BTreeMap::new();
    for _ in 0..r.var()? {
        let d = r.str()?;
        let t = r.str()?;
        tables.insert((d, t), r.u32()?);
    }
    let mut routines = BTreeMap::new();
    let mut columns = BTreeMap::new();
    if !r.is_empty() {
        for _ in 0..r.var()? {
            let d = r.str()?;
            let k = char::from(r.u8()?);
            let n = r.str()?;
            routines.insert((d, k, n), r.u32()?);
        }
        for _ in 0..r.var()? {
            let d = r.str()?;
            let t = r.str()?;
            let c = r.str()?;
            columns.insert((d, t, c), r.u32()?);
        }
    }
    // Plugin, caching_sha2 hash and REQUIRE: absent from accounts written before them.
    let (plugin, sha2_hash, require_ssl) = if r.is_empty() {
        (String::new(), Vec::new(), false)
    } else {
        (r.str()?, r.bytes()?.to_vec(), r.u8()? != 0)
    };
    // Accounts written before the privileges of bits 17.. existed: ALL then is ALL now.
    let upgrade = |p: u32| {
        if p & privs::OLD_ALL == privs::OLD_ALL {
            p | privs::ALL
        } else {
            p
        }
    };
    let global = upgrade(global);
    for p in dbs.values_mut().chain(tables.values_mut()) {
        *p = upgrade(*p);
    }
    Some(UserDef {
        user,
        host,
        auth_stage2,
        plugin,
        sha2_hash,
        require_ssl,
        global,
        dbs,
        tables,
        routines,
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_round_trip() {
        let t = TableDef {
            db: "shop".into(),
            name: "t".into(),
            tree: 1030,
            columns: vec![
                ColumnDef {
                    name: "id".into(),
                    ty: SqlType::Int {
                        kind: IntKind::Int,
                        unsigned: false,
                        width: None,
                    },
                    nullable: false,
                    default: ColumnDefault::None,
                    auto_increment: true,
                    on_update_now: false,
                    comment: String::new(),
                    generated: None,
                    invisible: false,
                },
                ColumnDef {
                    name: "c".into(),
                    ty: SqlType::Char {
                        len: 120,
                        collation: Collation::Utf8mb4GeneralCi,
                    },
                    nullable: false,
                    default: ColumnDefault::Value(Value::Bytes(b"x".to_vec())),
                    auto_increment: false,
                    on_update_now: false,
                    comment: "hi".into(),
                    generated: Some(Generated {
                        expr: "(`id` + 1)".into(),
                        stored: true,
                    }),
                    invisible: true,
                },
                ColumnDef {
                    name: "e".into(),
                    ty: SqlType::Enum {
                        values: vec!["a".into(), "b".into()],
                        collation: Collation::Utf8mb4Bin,
                    },
                    nullable: true,
                    default: ColumnDefault::CurrentTimestamp,
                    auto_increment: false,
                    on_update_now: true,
                    comment: String::new(),
                    generated: None,
                    invisible: false,
                },
            ],
            primary: vec![IndexColumn {
                column: 0,
                prefix: None,
            }],
            indexes: vec![
                IndexDef {
                    name: "k".into(),
                    unique: false,
                    spatial: false,
                    columns: vec![IndexColumn {
                        column: 1,
                        prefix: Some(10),
                    }],
                    tree: 1031,
                    kind: IndexKind::Btree,
                    invisible: true,
                },
                IndexDef {
                    name: "ft".into(),
                    unique: false,
                    spatial: false,
                    columns: vec![IndexColumn {
                        column: 1,
                        prefix: None,
                    }],
                    tree: 1032,
                    kind: IndexKind::Fulltext,
                    invisible: false,
                },
            ],
            engine: "InnoDB".into(),
            collation: Collation::Utf8mb4GeneralCi,
            comment: String::new(),
            auto_increment_start: 5,
            created_us: 7,
            foreign_keys: vec![ForeignKeyDef {
                name: "t_ibfk_1".into(),
                columns: vec!["c".into()],
                ref_db: "other".into(),
                ref_table: "p".into(),
                ref_columns: vec!["code".into()],
                on_delete: FkAction::Cascade,
                on_update: FkAction::SetNull,
            }],
            checks: vec![CheckDef {
                name: "t_chk_1".into(),
                clause: "(`c` > 0)".into(),
                enforced: false,
            }],
        };
        let bytes = encode_table(&t);
        assert_eq!(decode_table(&bytes), Some(t.clone()));
        // Definitions written by older versions end before the sections added since
        // (each count here is one byte): they decode with none of those.
        let without = |generated: bool, invisible: bool| {
            let mut d = t.clone();
            for c in &mut d.columns {
                if !generated {
                    c.generated = None;
                }
                if !invisible {
                    c.invisible = false;
                }
            }
            for x in &mut d.indexes {
                x.kind = IndexKind::Btree;
            }
            d
        };
        let plain = without(false, false);
        // Before foreign keys: it ends after `created_us`.
        let old = encode_table(&TableDef {
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            ..plain.clone()
        });
        assert_eq!(
            decode_table(&old[..old.len() - 5]),
            Some(TableDef {
                foreign_keys: Vec::new(),
                checks: Vec::new(),
                ..plain.clone()
            })
        );
        // Before CHECK constraints: after its foreign keys.
        let old = encode_table(&TableDef {
            checks: Vec::new(),
            ..plain.clone()
        });
        assert_eq!(
            decode_table(&old[..old.len() - 4]),
            Some(TableDef {
                checks: Vec::new(),
                ..plain
            })
        );
        // Before INVISIBLE columns: after the generated ones.
        let old = encode_table(&without(true, false));
        assert_eq!(
            decode_table(&old[..old.len() - 2]),
            Some(without(true, false))
        );
        // Before index kinds: after the invisible columns, every index a B-tree.
        let old = encode_table(&without(true, true));
        assert_eq!(
            decode_table(&old[..old.len() - 1]),
            Some(without(true, true))
        );
    }
}
