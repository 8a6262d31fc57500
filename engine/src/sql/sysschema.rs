//! The `mysql` and `performance_schema` tables that tools read (admin GUIs list accounts
//! from `mysql.user`, monitoring agents read variables, status and threads from
//! performance_schema), computed on each read like information_schema's
//! ([`super::infoschema`]): `mysql.user` and `mysql.db` from the accounts of the catalog,
//! performance_schema's tables from the server's variables, counters and sessions.
//!
//! They are read-only: Borealis keeps accounts in its catalog, changed with CREATE USER
//! and GRANT (writing the grant tables directly is what MySQL 8.0 also advises against),
//! so an INSERT or UPDATE finds no such table (1146). A database a user created with
//! the same name and table keeps its own table.
//!
//! Privileges as MySQL's: `mysql.*` needs SELECT on it (1142); performance_schema's
//! variables and status tables are readable by every account, and its process lists
//! show other users' sessions only to an account with PROCESS.

use super::catalog::{privs, UserDef, CACHING_SHA2_PASSWORD};
use super::error::SqlResult;
use super::exec::{Exec, OutColumn, RowSet};
use crate::value::{Collation, IntKind, LobKind, SqlType, Value};

/// Whether `db`.`table` is one of the tables of this module.
pub fn is_system_table(db: &str, table: &str) -> bool {
    let t = table.to_ascii_lowercase();
    if db.eq_ignore_ascii_case("mysql") {
        matches!(t.as_str(), "user" | "db")
    } else if db.eq_ignore_ascii_case("performance_schema") {
        matches!(
            t.as_str(),
            "global_variables"
                | "session_variables"
                | "global_status"
                | "session_status"
                | "processlist"
                | "threads"
        )
    } else {
        false
    }
}

fn col(name: &str, ty: SqlType, nullable: bool) -> OutColumn {
    OutColumn {
        name: name.into(),
        org_name: name.into(),
        ty: Some(ty),
        nullable,
        ..Default::default()
    }
}

fn text(len: u32) -> SqlType {
    SqlType::VarChar {
        len,
        collation: Collation::Utf8mb3GeneralCi,
    }
}

fn uint(kind: IntKind) -> SqlType {
    SqlType::Int {
        kind,
        unsigned: true,
        width: None,
    }
}

fn s(v: &str) -> Value {
    Value::Bytes(v.as_bytes().to_vec())
}

fn yn(b: bool) -> Value {
    s(if b { "Y" } else { "N" })
}

/// The rows of `db`.`table` (one of [`is_system_table`]'s), for `ex`'s account.
pub fn table(ex: &Exec, db: &str, table: &str) -> SqlResult<RowSet> {
    let t = table.to_ascii_lowercase();
    if db.eq_ignore_ascii_case("mysql") {
        ex.security.table(privs::SELECT, "SELECT", "mysql", &t)?;
        return Ok(match t.as_str() {
            "user" => mysql_user(ex),
            _ => mysql_db(ex),
        });
    }
    let vars = |rows: Vec<(String, String)>| RowSet {
        columns: vec![
            col("VARIABLE_NAME", text(64), false),
            col("VARIABLE_VALUE", text(1024), true),
        ],
        rows: rows.into_iter().map(|(n, v)| vec![s(&n), s(&v)]).collect(),
    };
    Ok(match t.as_str() {
        "global_variables" => vars(ex.session.variables(true)),
        "session_variables" => vars(ex.session.variables(false)),
        "global_status" => vars(ex.session.status(true)),
        "session_status" => vars(ex.session.status(false)),
        "processlist" => processlist(ex),
        _ => threads(ex),
    })
}

/// The global privilege columns of `mysql.user`, in MySQL 8.0's order, with the bit each
/// reads (None: a privilege Borealis does not have, held only with ALL PRIVILEGES).
const USER_PRIVS: &[(&str, Option<u32>)] = &[
    ("Select_priv", Some(privs::SELECT)),
    ("Insert_priv", Some(privs::INSERT)),
    ("Update_priv", Some(privs::UPDATE)),
    ("Delete_priv", Some(privs::DELETE)),
    ("Create_priv", Some(privs::CREATE)),
    ("Drop_priv", Some(privs::DROP)),
    ("Reload_priv", Some(privs::RELOAD)),
    ("Shutdown_priv", None),
    ("Process_priv", Some(privs::PROCESS)),
    ("File_priv", None),
    ("Grant_priv", Some(privs::GRANT_OPTION)),
    ("References_priv", Some(privs::REFERENCES)),
    ("Index_priv", Some(privs::INDEX)),
    ("Alter_priv", Some(privs::ALTER)),
    ("Show_db_priv", Some(privs::SHOW_DATABASES)),
    ("Super_priv", Some(privs::SUPER)),
    (
        "Create_tmp_table_priv",
        Some(privs::CREATE_TEMPORARY_TABLES),
    ),
    ("Lock_tables_priv", Some(privs::LOCK_TABLES)),
    ("Execute_priv", Some(privs::EXECUTE)),
    ("Repl_slave_priv", Some(privs::REPLICATION_SLAVE)),
    ("Repl_client_priv", Some(privs::REPLICATION_CLIENT)),
    ("Create_view_priv", Some(privs::CREATE_VIEW)),
    ("Show_view_priv", Some(privs::SHOW_VIEW)),
    ("Create_routine_priv", Some(privs::CREATE_ROUTINE)),
    ("Alter_routine_priv", Some(privs::ALTER_ROUTINE)),
    ("Create_user_priv", Some(privs::CREATE_USER)),
    ("Event_priv", Some(privs::EVENT)),
    ("Trigger_priv", Some(privs::TRIGGER)),
    ("Create_tablespace_priv", None),
];

/// The columns of `mysql.db` after Host, Db and User, as in MySQL 8.0.
const DB_PRIVS: &[(&str, u32)] = &[
    ("Select_priv", privs::SELECT),
    ("Insert_priv", privs::INSERT),
    ("Update_priv", privs::UPDATE),
    ("Delete_priv", privs::DELETE),
    ("Create_priv", privs::CREATE),
    ("Drop_priv", privs::DROP),
    ("Grant_priv", privs::GRANT_OPTION),
    ("References_priv", privs::REFERENCES),
    ("Index_priv", privs::INDEX),
    ("Alter_priv", privs::ALTER),
    ("Create_tmp_table_priv", privs::CREATE_TEMPORARY_TABLES),
    ("Lock_tables_priv", privs::LOCK_TABLES),
    ("Create_view_priv", privs::CREATE_VIEW),
    ("Show_view_priv", privs::SHOW_VIEW),
    ("Create_routine_priv", privs::CREATE_ROUTINE),
    ("Alter_routine_priv", privs::ALTER_ROUTINE),
    ("Execute_priv", privs::EXECUTE),
    ("Event_priv", privs::EVENT),
    ("Trigger_priv", privs::TRIGGER),
];

fn enum_yn() -> SqlType {
    text(1)
}

/// `mysql.authentication_string`: `*HEX` of the stage-2 hash for mysql_native_password,
/// the `$A$005$…` crypt for caching_sha2_password, empty without a password.
fn authentication_string(u: &UserDef) -> Value {
    if u.plugin_name() == CACHING_SHA2_PASSWORD {
        return Value::Bytes(u.sha2_hash.clone());
    }
    if u.auth_stage2.is_empty() {
        return s("");
    }
    let hex: String = u.auth_stage2.iter().map(|b| format!("{b:02X}")).collect();
    s(&format!("*{hex}"))
}

fn mysql_user(ex: &Exec) -> RowSet {
    let mut columns = vec![col("Host", text(255), false), col("User", text(32), false)];
    columns.extend(USER_PRIVS.iter().map(|(n, _)| col(n, enum_yn(), false)));
    for (n, ty, nullable) in [
        ("ssl_type", text(9), false),
        (
            "ssl_cipher",
            SqlType::Blob {
                kind: LobKind::Normal,
            },
            false,
        ),
        (
            "x509_issuer",
            SqlType::Blob {
                kind: LobKind::Normal,
            },
            false,
        ),
        (
            "x509_subject",
            SqlType::Blob {
                kind: LobKind::Normal,
            },
            false,
        ),
        ("max_questions", uint(IntKind::Int), false),
        ("max_updates", uint(IntKind::Int), false),
        ("max_connections", uint(IntKind::Int), false),
        ("max_user_connections", uint(IntKind::Int), false),
        ("plugin", text(64), false),
        (
            "authentication_string",
            SqlType::Text {
                kind: LobKind::Normal,
                collation: Collation::Utf8mb4Bin,
            },
            true,
        ),
        ("password_expired", enum_yn(), false),
        ("password_last_changed", SqlType::Timestamp { fsp: 0 }, true),
        ("password_lifetime", uint(IntKind::Small), true),
        ("account_locked", enum_yn(), false),
        ("Create_role_priv", enum_yn(), false),
        ("Drop_role_priv", enum_yn(), false),
        ("Password_reuse_history", uint(IntKind::Small), true),
        ("Password_reuse_time", uint(IntKind::Small), true),
        ("Password_require_current", enum_yn(), true),
        ("User_attributes", SqlType::Json, true),
    ] {
        columns.push(col(n, ty, nullable));
    }
    let rows = ex
        .catalog
        .users
        .values()
        .map(|u| {
            let all = u.global & privs::ALL == privs::ALL;
            let mut row = vec![s(&u.host), s(&u.user)];
            row.extend(
                USER_PRIVS
                    .iter()
                    .map(|(_, bit)| yn(bit.map_or(all, |b| u.global & b != 0))),
            );
            row.extend([
                s(if u.require_ssl { "ANY" } else { "" }),
                Value::Bytes(Vec::new()),
                Value::Bytes(Vec::new()),
                Value::Bytes(Vec::new()),
                Value::UInt(0),
                Value::UInt(0),
                Value::UInt(0),
                Value::UInt(0),
                s(u.plugin_name()),
                authentication_string(u),
                yn(false),
                Value::Null,
                Value::Null,
                yn(false),
                yn(all),
                yn(all),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
            ]);
            row
        })
        .collect();
    RowSet { columns, rows }
}

fn mysql_db(ex: &Exec) -> RowSet {
    let mut columns = vec![
        col("Host", text(255), false),
        col("Db", text(64), false),
        col("User", text(32), false),
    ];
    columns.extend(DB_PRIVS.iter().map(|(n, _)| col(n, enum_yn(), false)));
    let mut rows = Vec::new();
    for u in ex.catalog.users.values() {
        for (db, p) in &u.dbs {
            let mut row = vec![s(&u.host), s(db), s(&u.user)];
            row.extend(DB_PRIVS.iter().map(|(_, b)| yn(p & b != 0)));
            rows.push(row);
        }
    }
    RowSet { columns, rows }
}

/// `performance_schema.processlist`, MySQL 8.0.22's: SHOW PROCESSLIST's rows.
fn processlist(ex: &Exec) -> RowSet {
    let columns = vec![
        col("ID", uint(IntKind::Big), false),
        col("USER", text(32), true),
        col("HOST", text(261), true),
        col("DB", text(64), true),
        col("COMMAND", text(16), true),
        col(
            "TIME",
            SqlType::Int {
                kind: IntKind::Big,
                unsigned: false,
                width: None,
            },
            true,
        ),
        col("STATE", text(64), true),
        col(
            "INFO",
            SqlType::Text {
                kind: LobKind::Long,
                collation: Collation::Utf8mb4GeneralCi,
            },
            true,
        ),
        col("EXECUTION_ENGINE", text(9), true),
    ];
    let rows = ex
        .session
        .processlist(&ex.security)
        .into_iter()
        .map(|mut r| {
            r.push(s("PRIMARY"));
            r
        })
        .collect();
    RowSet { columns, rows }
}

/// `performance_schema.threads`: one foreground thread per session (THREAD_ID is the
/// connection id, as Borealis runs one thread per connection).
fn threads(ex: &Exec) -> RowSet {
    let big = || uint(IntKind::Big);
    let columns = vec![
        col("THREAD_ID", big(), false),
        col("NAME", text(128), false),
        col("TYPE", text(10), false),
        col("PROCESSLIST_ID", big(), true),
        col("PROCESSLIST_USER", text(32), true),
        col("PROCESSLIST_HOST", text(255), true),
        col("PROCESSLIST_DB", text(64), true),
        col("PROCESSLIST_COMMAND", text(16), true),
        col(
            "PROCESSLIST_TIME",
            SqlType::Int {
                kind: IntKind::Big,
                unsigned: false,
                width: None,
            },
            true,
        ),
        col("PROCESSLIST_STATE", text(64), true),
        col(
            "PROCESSLIST_INFO",
            SqlType::Text {
                kind: LobKind::Long,
                collation: Collation::Utf8mb4GeneralCi,
            },
            true,
        ),
        col("PARENT_THREAD_ID", big(), true),
        col("ROLE", text(64), true),
        col("INSTRUMENTED", text(3), false),
        col("HISTORY", text(3), false),
        col("CONNECTION_TYPE", text(16), true),
        col("THREAD_OS_ID", big(), true),
        col("RESOURCE_GROUP", text(64), true),
    ];
    let rows = ex
        .session
        .processlist(&ex.security)
        .into_iter()
        .map(|r| {
            let mut row = vec![
                r[0].clone(),
                s("thread/sql/one_connection"),
                s("FOREGROUND"),
            ];
            row.extend(r);
            row.extend([
                Value::Null,
                Value::Null,
                s("YES"),
                s("YES"),
                s("TCP/IP"),
                Value::Null,
                Value::Null,
            ]);
            row
        })
        .collect();
    RowSet { columns, rows }
}
