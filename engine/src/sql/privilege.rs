//! Privileges: the one place that says whether an account may do something.
//!
//! Every check, whatever the statement kind, goes through a [`Security`]: the account
//! whose privileges are in force (the session's user, or a view's or stored program's
//! definer while it runs with SQL SECURITY DEFINER) and the accounts of the current
//! catalog (never a historical one: an AS OF read checks today's grants).
//!
//! Where the checks are made:
//! 1. Before a client statement runs, [`super::session::Session`] checks what the
//!    statement's text names (the tables it writes, DDL, global privileges).
//! 2. While it runs, the executor checks each table and view as it opens it (SELECT in
//!    `factor`, the DML privilege on the table a DML statement changes), each stored
//!    routine it calls (EXECUTE), so that what a view, function, procedure or trigger
//!    reads or writes is checked with the privileges its SQL SECURITY says, and AS OF
//!    reads like any SELECT.
//! 3. What SHOW and information_schema list is filtered with [`Security::sees_db`] and
//!    [`Security::sees_table`].
//!
//! Privileges are held at five levels, as in MySQL: global, database, table, routine
//! (EXECUTE, ALTER ROUTINE on one function or procedure) and column (SELECT, INSERT,
//! UPDATE, REFERENCES on one column). A table is reachable with column privileges alone;
//! each column a statement reads or writes is then checked ([`Security::columns`]; the
//! executor marks the columns of such a table as it opens it, so a reference to one
//! without the privilege fails where it is resolved).
//!
//! GRANT and REVOKE give or take only what the granter holds, with GRANT OPTION, at that
//! level or above ([`Security::may_grant`]); views carry column privileges like tables.
//!
//! Errors are MySQL 8.0's: 1142 (table), 1143 (column), 1044 (database), 1227 (global),
//! 1370 (routine), 1449 (a definer account that does not exist), 1045 (GRANT on `*.*`
//! without the privileges).

use std::sync::Arc;

use super::catalog::{privs, Catalog, UserDef};
use super::error::{SqlError, SqlResult};

/// The account whose privileges are in force.
#[derive(Debug)]
pub struct Account {
    /// User and host as error messages name them (the connection's, or the definer's).
    pub user: String,
    pub host: String,
    /// Its grants.
    pub def: UserDef,
}

/// Who is acting, for privilege checks. `who: None` holds every privilege (an account
/// with ALL PRIVILEGES, or the server's own work).
#[derive(Clone, Debug, Default)]
pub struct Security {
    /// The current catalog's accounts (definers are looked up here); None: no catalog
    /// to look in (the server's own work), so definers change nothing.
    accounts: Option<Arc<Catalog>>,
    who: Option<Arc<Account>>,
}

/// What a GRANT or REVOKE is on ([`Security::may_grant`]).
#[derive(Clone, Copy, Debug)]
pub enum GrantOn<'a> {
    Global,
    Db(&'a str),
    Table(&'a str, &'a str),
    /// (db, 'F' or 'P', name)
    Routine(&'a str, char, &'a str),
}

/// Whether every account may read `db`.`t`: information_schema (which lists only what
/// the account may see) and performance_schema's variables, status and process lists
/// ([`super::sysschema`]).
fn everyone_reads(db: &str, t: &str) -> bool {
    db.eq_ignore_ascii_case("information_schema")
        || (db.eq_ignore_ascii_case("performance_schema")
            && super::sysschema::is_system_table(db, t))
}

/// Splits a stored definer (`user@host`, `` `user`@`host` `` or `'user'@'host'`).
pub fn split_definer(d: &str) -> (String, String) {
    let (u, h) = d.rsplit_once('@').unwrap_or((d, "%"));
    let unq = |s: &str| {
        s.trim()
            .trim_matches(|c| c == '`' || c == '\'' || c == '"')
            .to_string()
    };
    (unq(u), unq(h))
}

impl Security {
    /// Every privilege, no account (the server's own statements).
    pub fn unrestricted() -> Security {
        Security::default()
    }

    /// The session user `user` connected from `host`, with the grants of `accounts`.
    /// 1045 when the account was dropped since it connected.
    pub fn session(accounts: Arc<Catalog>, user: &str, host: &str) -> SqlResult<Security> {
        let Some(def) = accounts.find_user(user, host).cloned() else {
            return Err(SqlError::new(
                1045,
                format!("Access denied for user '{user}'@'{host}' (user dropped)"),
            ));
        };
        let who = Self::restricted(def, user, host);
        Ok(Security {
            accounts: Some(accounts),
            who,
        })
    }

    fn restricted(def: UserDef, user: &str, host: &str) -> Option<Arc<Account>> {
        if def.global & privs::ALL == privs::ALL {
            return None;
        }
        Some(Arc::new(Account {
            user: user.to_string(),
            host: host.to_string(),
            def,
        }))
    }

    /// Whether every privilege is held (no check can fail).
    pub fn is_unrestricted(&self) -> bool {
        self.who.is_none()
    }

    /// `'user'@'host'` for messages.
    fn who_text(&self) -> String {
        match &self.who {
            Some(a) => format!("'{}'@'{}'", a.user, a.host),
            None => "''@''".into(),
        }
    }

    /// The privileges a body defined by `definer` with SQL SECURITY `security` runs with:
    /// the definer's for DEFINER, these for INVOKER. 1449 when the definer's account
    /// does not exist (unless these hold every privilege: a dump loaded with a definer
    /// this server lacks still reads for the master user).
    pub fn for_body(&self, definer: &str, security: &str) -> SqlResult<Security> {
        if security.eq_ignore_ascii_case("INVOKER") {
            return Ok(self.clone());
        }
        let Some(accounts) = &self.accounts else {
            return Ok(self.clone());
        };
        let (user, host) = split_definer(definer);
        match accounts.users.get(&(user.clone(), host.clone())) {
            Some(def) => Ok(Security {
                accounts: Some(accounts.clone()),
                who: Self::restricted(def.clone(), &user, &host),
            }),
            None if self.who.is_none() => Ok(self.clone()),
            None => Err(SqlError::new(
                1449,
                format!("The user specified as a definer ('{user}'@'{host}') does not exist"),
            )),
        }
    }

    fn holds(&self, need: u32, db: Option<&str>, table: Option<&str>) -> bool {
        match &self.who {
            None => true,
            Some(a) => a.def.allows(need, db, table),
        }
    }

    /// `need` (every bit) on table `db`.`t`, else 1142 naming `cmd`.
    pub fn table(&self, need: u32, cmd: &str, db: &str, t: &str) -> SqlResult<()> {
        self.table_or_columns(need, 0, cmd, db, t)
    }

    /// `need` on table `db`.`t`, where the bits of `by_column` may instead be held on
    /// some of its columns (the statement then checks each column it touches with
    /// [`Self::columns`]); else 1142 naming `cmd`.
    pub fn table_or_columns(
        &self,
        need: u32,
        by_column: u32,
        cmd: &str,
        db: &str,
        t: &str,
    ) -> SqlResult<()> {
        let col_bits = match &self.who {
            Some(a) if by_column != 0 => a.def.any_column_privs(db, t) & by_column,
            _ => 0,
        };
        if col_bits != 0 && self.holds(need & !col_bits, Some(db), Some(t)) {
            return Ok(());
        }
        if everyone_reads(db, t) || self.holds(need, Some(db), Some(t)) {
            return Ok(());
        }
        Err(SqlError::new(
            1142,
            format!(
                "{cmd} command denied to user {} for table '{t}'",
                self.who_text()
            ),
        ))
    }

    /// GRANT and REVOKE, as MySQL checks them: the granter holds GRANT OPTION and every
    /// privilege it gives or takes away (`bits`, and `columns`' bits on their columns), at
    /// `on`'s level or above; a column privilege may also be held on that column. Errors
    /// as MySQL's: 1045 at the global level, 1044 on a database, 1142 on a table naming
    /// the first privilege missing, 1370 on a routine.
    pub fn may_grant(
        &self,
        on: GrantOn<'_>,
        bits: u32,
        columns: &[(String, u32)],
    ) -> SqlResult<()> {
        let Some(a) = &self.who else {
            return Ok(());
        };
        let need = bits | privs::GRANT_OPTION;
        match on {
            GrantOn::Global if a.def.global & need == need => Ok(()),
            GrantOn::Global => Err(SqlError::new(
                1045,
                format!(
                    "Access denied for user {} (using password: {})",
                    self.who_text(),
                    if a.def.has_empty_password() {
                        "NO"
                    } else {
                        "YES"
                    }
                ),
            )),
            GrantOn::Db(db) => self.db(need, db),
            GrantOn::Routine(db, kind, name) => {
                // The first privilege missing is named, GRANT OPTION last.
                let named = privs::NAMES
                    .iter()
                    .copied()
                    .chain([(privs::GRANT_OPTION, "GRANT")]);
                for (bit, what) in named.filter(|(b, _)| need & b != 0) {
                    self.routine(bit, &what.to_ascii_lowercase(), db, kind, name)?;
                }
                Ok(())
            }
            GrantOn::Table(db, t) => {
                let named = privs::NAMES
                    .iter()
                    .copied()
                    .chain([(privs::GRANT_OPTION, "GRANT")]);
                for (bit, name) in named {
                    let on_table = self.holds(bit, Some(db), Some(t));
                    if need & bit != 0 && !on_table {
                        return self.table(bit, name, db, t);
                    }
                    for (c, cb) in columns {
                        if cb & bit != 0 && !on_table && a.def.column_privs(db, t, c) & bit == 0 {
                            // 1142 when no column of the table carries it, as MySQL.
                            if a.def.any_column_privs(db, t) & bit == 0 {
                                return self.table(bit, name, db, t);
                            }
                            return Err(self.column_denied(name, c, t));
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// `need` (every bit) on database `db`, else 1044.
    pub fn db(&self, need: u32, db: &str) -> SqlResult<()> {
        if self.holds(need, Some(db), None) {
            return Ok(());
        }
        Err(SqlError::new(
            1044,
            format!(
                "Access denied for user {} to database '{db}'",
                self.who_text()
            ),
        ))
    }

    /// Any of the bits of `any` globally, else 1227 naming `what`.
    pub fn global(&self, any: u32, what: &str) -> SqlResult<()> {
        match &self.who {
            None => Ok(()),
            Some(a) if a.def.global & any != 0 => Ok(()),
            Some(_) => Err(SqlError::new(
                1227,
                format!(
                    "Access denied; you need (at least one of) the {what} privilege(s) for this operation"
                ),
            )),
        }
    }

    /// `need` on routine `db`.`name` of kind `kind` ('F' or 'P'), held globally, on
    /// its database or on the routine itself, else 1370 naming `cmd` (`execute`,
    /// `alter routine`).
    pub fn routine(&self, need: u32, cmd: &str, db: &str, kind: char, name: &str) -> SqlResult<()> {
        if self.holds_routine(need, db, kind, name) {
            return Ok(());
        }
        Err(SqlError::new(
            1370,
            format!(
                "{cmd} command denied to user {} for routine '{db}.{name}'",
                self.who_text()
            ),
        ))
    }

    /// Whether `need` (every bit) is held on routine `db`.`name` at any level.
    pub fn holds_routine(&self, need: u32, db: &str, kind: char, name: &str) -> bool {
        match &self.who {
            None => true,
            Some(a) => {
                let d = &a.def;
                let have = d.global
                    | d.dbs.get(db).copied().unwrap_or(0)
                    | d.routine_privs(db, kind, name);
                have & need == need
            }
        }
    }

    /// Whether a session of `user` shows in SHOW PROCESSLIST and the process lists of
    /// information_schema and performance_schema: every session with PROCESS, else only
    /// the account's own user's, as in MySQL.
    pub fn sees_thread(&self, user: &str) -> bool {
        match &self.who {
            None => true,
            Some(a) => a.def.global & privs::PROCESS != 0 || a.def.user == user,
        }
    }

    /// The account in force (`user`, `host` as stored), None when every privilege is
    /// held.
    pub fn account(&self) -> Option<(&str, &str)> {
        self.who
            .as_ref()
            .map(|a| (a.def.user.as_str(), a.def.host.as_str()))
    }

    /// How column privileges limit `need` (one bit: SELECT, INSERT, UPDATE or
    /// REFERENCES) on table `db`.`t`: None when it is held on the whole table (globally,
    /// on the database or on the table); otherwise the columns (as granted) it is held
    /// on, an empty list when none (then the table itself is refused, 1142).
    pub fn column_limits(&self, need: u32, db: &str, t: &str) -> Option<Vec<String>> {
        if everyone_reads(db, t) || self.holds(need, Some(db), Some(t)) {
            return None;
        }
        let a = self.who.as_ref()?;
        Some(
            a.def
                .columns
                .range((db.to_string(), t.to_string(), String::new())..)
                .take_while(|((d, tt, _), _)| d == db && tt == t)
                .filter(|(_, p)| *p & need != 0)
                .map(|((_, _, c), _)| c.clone())
                .collect(),
        )
    }

    /// 1143: `cmd` denied on column `col` of table `t`.
    pub fn column_denied(&self, cmd: &str, col: &str, t: &str) -> SqlError {
        SqlError::new(
            1143,
            format!(
                "{cmd} command denied to user {} for column '{col}' in table '{t}'",
                self.who_text()
            ),
        )
    }

    /// `need` on table `db`.`t` for the columns `cols`: table-level privileges, else
    /// column privileges on each (1143 naming the first without), else 1142 when no
    /// column of the table carries `need`.
    pub fn columns(&self, need: u32, cmd: &str, db: &str, t: &str, cols: &[&str]) -> SqlResult<()> {
        let Some(allowed) = self.column_limits(need, db, t) else {
            return Ok(());
        };
        if allowed.is_empty() {
            return self.table(need, cmd, db, t);
        }
        for c in cols {
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(c)) {
                return Err(self.column_denied(cmd, c, t));
            }
        }
        Ok(())
    }

    /// A DEFINER clause naming someone else needs SUPER (MySQL 8.0: or SET_USER_ID), 1227.
    pub fn definer_clause(&self, definer: Option<(&str, &str)>) -> SqlResult<()> {
        let (Some(a), Some((user, host))) = (&self.who, definer) else {
            return Ok(());
        };
        if user.eq_ignore_ascii_case("CURRENT_USER") || (user == a.def.user && host == a.def.host) {
            return Ok(());
        }
        self.global(privs::SUPER, "SUPER or SET_USER_ID")
    }

    /// Whether `db` is visible at all (SHOW DATABASES, information_schema.SCHEMATA):
    /// some privilege on it or on something in it, or SHOW DATABASES.
    pub fn sees_db(&self, db: &str) -> bool {
        match &self.who {
            None => true,
            Some(a) => {
                a.def.global & (privs::SHOW_DATABASES | privs::ALL_DB) != 0
                    || a.def.dbs.get(db).is_some_and(|p| *p != 0)
                    || a.def.tables.iter().any(|((d, _), p)| d == db && *p != 0)
                    || a.def
                        .columns
                        .iter()
                        .any(|((d, _, _), p)| d == db && *p != 0)
                    || a.def
                        .routines
                        .iter()
                        .any(|((d, _, _), p)| d == db && *p != 0)
            }
        }
    }

    /// Whether table (or view) `db`.`t` is visible (SHOW TABLES, information_schema):
    /// some privilege on it.
    pub fn sees_table(&self, db: &str, t: &str) -> bool {
        if db.eq_ignore_ascii_case("information_schema") {
            return true;
        }
        match &self.who {
            None => true,
            Some(a) => {
                let d = &a.def;
                let bits = privs::ALL_TABLE;
                d.global & bits != 0
                    || d.dbs.get(db).is_some_and(|p| *p & bits != 0)
                    || d.tables
                        .get(&(db.to_string(), t.to_string()))
                        .is_some_and(|p| *p != 0)
                    || d.any_column_privs(db, t) != 0
            }
        }
    }

    /// The privileges held on column `col` of `db`.`t` at any level, as SHOW FULL
    /// COLUMNS and information_schema.COLUMNS list them (`select,insert,update,references`).
    pub fn column_privilege_text(&self, db: &str, t: &str, col: &str) -> String {
        let have = match &self.who {
            None => privs::ALL,
            Some(a) => {
                let d = &a.def;
                d.global
                    | d.dbs.get(db).copied().unwrap_or(0)
                    | d.tables
                        .get(&(db.to_string(), t.to_string()))
                        .copied()
                        .unwrap_or(0)
                    | d.column_privs(db, t, col)
            }
        };
        [
            (privs::SELECT, "select"),
            (privs::INSERT, "insert"),
            (privs::UPDATE, "update"),
            (privs::REFERENCES, "references"),
        ]
        .iter()
        .filter(|(b, _)| have & b != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",")
    }

    /// Whether column `col` of `db`.`t` is visible (SHOW COLUMNS, DESCRIBE,
    /// information_schema.COLUMNS): some privilege on the table, or some privilege on
    /// the column.
    pub fn sees_column(&self, db: &str, t: &str, col: &str) -> bool {
        if db.eq_ignore_ascii_case("information_schema") {
            return true;
        }
        match &self.who {
            None => true,
            Some(a) => {
                // Only privileges a column can carry make it visible (MySQL's COL_ACLS).
                let d = &a.def;
                let bits = privs::SELECT | privs::INSERT | privs::UPDATE | privs::REFERENCES;
                d.global & bits != 0
                    || d.dbs.get(db).is_some_and(|p| *p & bits != 0)
                    || d.tables
                        .get(&(db.to_string(), t.to_string()))
                        .is_some_and(|p| *p & bits != 0)
                    || d.column_privs(db, t, col) != 0
            }
        }
    }

    /// `cat` less what these privileges cannot see: databases, tables, views and the
    /// programs in them (information_schema and SHOW list from it).
    pub fn visible(&self, cat: &Arc<Catalog>) -> Arc<Catalog> {
        if self.who.is_none() {
            return cat.clone();
        }
        let mut c = (**cat).clone();
        c.dbs.retain(|d, _| self.sees_db(d));
        c.tables.retain(|(d, t), _| self.sees_table(d, t));
        c.views.retain(|(d, v), _| self.sees_table(d, v));
        c.triggers
            .retain(|(d, _), t| self.holds(privs::TRIGGER, Some(d), Some(&t.table)));
        c.routines
            .retain(|(d, k, n), _| self.sees_routine(d) || self.routine_grant(d, *k, n));
        c.events
            .retain(|(d, _), _| self.holds(privs::EVENT, Some(d), None));
        Arc::new(c)
    }

    /// Ok when table `db`.`t` is visible ([`Self::sees_table`]), else 1142 naming `cmd`
    /// (SHOW COLUMNS, SHOW INDEX, DESCRIBE, SHOW CREATE TABLE).
    pub fn shows_table(&self, cmd: &str, db: &str, t: &str) -> SqlResult<()> {
        if self.sees_table(db, t) {
            return Ok(());
        }
        self.table(privs::SELECT, cmd, db, t)
    }

    /// Ok when database `db` is visible ([`Self::sees_db`]), else 1044 (SHOW TABLES
    /// FROM, SHOW CREATE DATABASE, USE).
    pub fn shows_db(&self, db: &str) -> SqlResult<()> {
        if db.eq_ignore_ascii_case("information_schema") || self.sees_db(db) {
            return Ok(());
        }
        self.db(privs::ALL_DB, db)
    }

    /// Whether some privilege is held on routine `db`.`name` itself.
    fn routine_grant(&self, db: &str, kind: char, name: &str) -> bool {
        match &self.who {
            None => true,
            Some(a) => a.def.routine_privs(db, kind, name) != 0,
        }
    }

    /// Whether the routines of `db` are visible (SHOW … STATUS, information_schema.ROUTINES).
    pub fn sees_routine(&self, db: &str) -> bool {
        self.holds(privs::EXECUTE, Some(db), None)
            || self.holds(privs::CREATE_ROUTINE, Some(db), None)
            || self.holds(privs::ALTER_ROUTINE, Some(db), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(def: UserDef) -> Security {
        let mut cat = Catalog::default();
        cat.users
            .insert((def.user.clone(), def.host.clone()), def.clone());
        Security::session(Arc::new(cat), &def.user, "127.0.0.1").unwrap()
    }

    fn reader() -> UserDef {
        let mut u = UserDef {
            user: "u".into(),
            host: "%".into(),
            ..Default::default()
        };
        u.dbs.insert("db1".into(), privs::SELECT);
        u
    }

    #[test]
    fn select_on_one_database_reads_only_it() {
        let s = with(reader());
        assert!(s.table(privs::SELECT, "SELECT", "db1", "t").is_ok());
        assert_eq!(
            s.table(privs::SELECT, "SELECT", "db2", "t")
                .unwrap_err()
                .code,
            1142
        );
        assert_eq!(s.db(privs::CREATE, "db1").unwrap_err().code, 1044);
        assert_eq!(s.global(privs::RELOAD, "RELOAD").unwrap_err().code, 1227);
        assert_eq!(
            s.routine(privs::EXECUTE, "execute", "db1", 'P', "p")
                .unwrap_err()
                .code,
            1370
        );
        assert!(s.sees_db("db1") && !s.sees_db("db2"));
        assert!(s.sees_table("db1", "t") && !s.sees_table("db2", "t"));
    }

    #[test]
    fn definer_bodies_run_with_the_definers_grants() {
        let mut cat = Catalog::default();
        let mut admin = UserDef {
            user: "admin".into(),
            host: "%".into(),
            ..Default::default()
        };
        admin.global = privs::ALL;
        cat.users.insert(("admin".into(), "%".into()), admin);
        let u = reader();
        cat.users.insert(("u".into(), "%".into()), u);
        let s = Security::session(Arc::new(cat), "u", "127.0.0.1").unwrap();
        let as_admin = s.for_body("`admin`@`%`", "DEFINER").unwrap();
        assert!(as_admin.is_unrestricted());
        let as_invoker = s.for_body("`admin`@`%`", "INVOKER").unwrap();
        assert!(!as_invoker.is_unrestricted());
        assert_eq!(s.for_body("nobody@%", "DEFINER").unwrap_err().code, 1449);
        assert_eq!(
            s.definer_clause(Some(("admin", "%"))).unwrap_err().code,
            1227
        );
        assert!(s.definer_clause(Some(("u", "%"))).is_ok());
    }

    #[test]
    fn routine_and_column_grants() {
        let mut u = reader();
        u.routines
            .insert(("db2".into(), 'P', "p".into()), privs::EXECUTE);
        u.columns.insert(
            ("db2".into(), "t".into(), "a".into()),
            privs::SELECT | privs::UPDATE,
        );
        let s = with(u);
        assert!(s
            .routine(privs::EXECUTE, "execute", "db2", 'P', "P")
            .is_ok());
        assert_eq!(
            s.routine(privs::EXECUTE, "execute", "db2", 'F', "p")
                .unwrap_err()
                .code,
            1370
        );
        assert_eq!(
            s.routine(privs::ALTER_ROUTINE, "alter routine", "db2", 'P', "p")
                .unwrap_err()
                .code,
            1370
        );
        assert!(s
            .columns(privs::SELECT, "SELECT", "db2", "t", &["A"])
            .is_ok());
        let e = s
            .columns(privs::SELECT, "SELECT", "db2", "t", &["a", "b"])
            .unwrap_err();
        assert_eq!(e.code, 1143);
        assert_eq!(
            e.message,
            "SELECT command denied to user 'u'@'127.0.0.1' for column 'b' in table 't'"
        );
        assert_eq!(
            s.columns(privs::INSERT, "INSERT", "db2", "t", &["a"])
                .unwrap_err()
                .code,
            1142
        );
        assert!(s
            .columns(privs::SELECT, "SELECT", "db1", "t", &["z"])
            .is_ok());
        assert!(s
            .table_or_columns(privs::SELECT, privs::SELECT, "SELECT", "db2", "t")
            .is_ok());
        assert!(s.table(privs::SELECT, "SELECT", "db2", "t").is_err());
        assert!(s.sees_table("db2", "t") && s.sees_column("db2", "t", "a"));
        assert!(!s.sees_column("db2", "t", "b"));
    }
}
