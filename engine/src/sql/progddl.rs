//! DDL of stored programs (CREATE/DROP TRIGGER, FUNCTION, PROCEDURE, EVENT) and the
//! text SHOW CREATE gives back for them.
//!
//! Definitions go to the catalog tree in the statement's transaction like every other DDL
//! (keys in [`super::catalog`]), so they commit atomically, survive restarts and fork with
//! the cluster. The body is parsed and checked at CREATE (syntax 1064, MySQL's CREATE-time
//! errors 1313, 1362, 1363, 1415, 1054) and kept as written.

use std::sync::Arc;

use super::catalog::{
    self, privs, EventDef, ParamDef, ProgramEnv, RoutineDef, TriggerDef, CATALOG_TREE,
};
use super::ddl::bump_version;
use super::error::{SqlError, SqlResult};
use super::exec::Exec;
use super::front::{EventSpec, RoutineKind, RoutineSpec, RoutineTraits, TableName, TriggerSpec};
use super::interp::{self, ProgKind};
use crate::value::temporal::DateTime;
use crate::value::{Value, Warning};

/// `user@host` → `` `user`@`host` ``.
pub fn quote_definer(d: &str) -> String {
    let (u, h) = d.rsplit_once('@').unwrap_or((d, "%"));
    format!("`{}`@`{}`", u.replace('`', "``"), h.replace('`', "``"))
}

fn quote(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

fn quote_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// `YYYY-MM-DD hh:mm:ss` of a µs timestamp (UTC).
pub fn time_text(us: u64) -> String {
    DateTime::from_unix_micros(us as i64)
        .map(|d| d.format(0))
        .unwrap_or_default()
}

/// A µs timestamp as a DATETIME value (what SHOW and information_schema show).
pub fn time_value(us: u64) -> Value {
    DateTime::from_unix_micros(us as i64).map_or(Value::Null, Value::DateTime)
}

/// SHOW CREATE TRIGGER's statement (mysqldump wraps its DEFINER and TRIGGER parts in
/// versioned comments by finding " DEFINER=" and " TRIGGER").
pub fn show_create_trigger(t: &TriggerDef) -> String {
    format!(
        "CREATE DEFINER={} TRIGGER {} {} {} ON {} FOR EACH ROW {}",
        quote_definer(&t.env.definer),
        quote(&t.name),
        t.timing,
        t.event,
        quote(&t.table),
        t.body
    )
}

/// The parameter list as written, `(IN a INT, …)` (functions without modes).
pub fn param_list(r: &RoutineDef) -> String {
    let ps: Vec<String> = r
        .params
        .iter()
        .map(|p| {
            if r.kind == 'F' {
                format!("{} {}", p.name, p.ty)
            } else {
                format!("{} {} {}", p.mode, p.name, p.ty)
            }
        })
        .collect();
    ps.join(", ")
}

/// SHOW CREATE FUNCTION/PROCEDURE's statement.
pub fn show_create_routine(r: &RoutineDef) -> String {
    let mut s = format!(
        "CREATE DEFINER={} {} {}({})",
        quote_definer(&r.env.definer),
        r.kind_name(),
        quote(&r.name),
        param_list(r)
    );
    if r.kind == 'F' {
        s.push_str(&format!(" RETURNS {}", r.returns));
    }
    s.push('\n');
    if r.deterministic {
        s.push_str("    DETERMINISTIC\n");
    }
    if r.data_access != "CONTAINS SQL" {
        s.push_str(&format!("    {}\n", r.data_access));
    }
    if r.security == "INVOKER" {
        s.push_str("    SQL SECURITY INVOKER\n");
    }
    if !r.comment.is_empty() {
        s.push_str(&format!("    COMMENT {}\n", quote_str(&r.comment)));
    }
    s.push_str(&r.body);
    s
}

/// SHOW CREATE EVENT's statement.
pub fn show_create_event(e: &EventDef) -> String {
    let schedule = if e.execute_at.is_empty() {
        let mut s = format!(
            "EVERY {} {} STARTS '{}'",
            e.interval_value, e.interval_field, e.starts
        );
        if !e.ends.is_empty() {
            s.push_str(&format!(" ENDS '{}'", e.ends));
        }
        s
    } else {
        format!("AT '{}'", e.execute_at)
    };
    let status = match e.status.as_str() {
        "ENABLED" => "ENABLE",
        "SLAVESIDE_DISABLED" => "DISABLE ON SLAVE",
        _ => "DISABLE",
    };
    let comment = if e.comment.is_empty() {
        String::new()
    } else {
        format!(" COMMENT {}", quote_str(&e.comment))
    };
    format!(
        "CREATE DEFINER={} EVENT {} ON SCHEDULE {} ON COMPLETION {}PRESERVE {}{} DO {}",
        quote_definer(&e.env.definer),
        quote(&e.name),
        schedule,
        if e.preserve { "" } else { "NOT " },
        status,
        comment,
        e.body
    )
}

impl Exec<'_> {
    fn program_db(&self, name: &TableName) -> SqlResult<String> {
        let db = match &name.db {
            Some(d) => d.clone(),
            None => self
                .session
                .current_db()
                .ok_or_else(|| SqlError::new(1046, "No database selected"))?,
        };
        if !self.catalog.dbs.contains_key(&db) {
            return Err(SqlError::new(1049, format!("Unknown database '{db}'")));
        }
        Ok(db)
    }

    /// CREATE TRIGGER.
    pub fn create_trigger(&mut self, spec: &TriggerSpec, env: ProgramEnv) -> SqlResult<()> {
        let db = match (&spec.name.db, &spec.table.db) {
            (Some(d), Some(t)) if d != t => {
                return Err(SqlError::new(1435, "Trigger in wrong schema"));
            }
            (Some(d), _) | (None, Some(d)) => d.clone(),
            (None, None) => self.program_db(&spec.name)?,
        };
        let Some(table) = self.catalog.table(&db, &spec.table.name).cloned() else {
            if self.catalog.view(&db, &spec.table.name).is_some() {
                return Err(SqlError::new(
                    1347,
                    format!("'{db}.{}' is not of type 'BASE TABLE'", spec.table.name),
                ));
            }
            return Err(SqlError::new(
                1146,
                format!("Table '{db}.{}' doesn't exist", spec.table.name),
            ));
        };
        let name = spec.name.name.clone();
        let existing = self
            .catalog
            .triggers
            .get(&(db.clone(), name.clone()))
            .cloned();
        if existing.is_some() && !spec.or_replace {
            if spec.if_not_exists {
                self.cx.warn(Warning::note(
                    1359,
                    format!("Trigger '{db}.{name}' already exists"),
                ));
                return Ok(());
            }
            return Err(SqlError::new(1359, "Trigger already exists"));
        }
        let body = interp::parse(&spec.body)?;
        interp::check(
            &body,
            ProgKind::Trigger,
            Some((&table, &spec.timing, &spec.event)),
        )?;
        // Action order: the others of the same table, timing and event, with this one
        // placed by FOLLOWS/PRECEDES (else last).
        let mut order: Vec<Arc<TriggerDef>> = self
            .catalog
            .triggers_for(&db, &table.name, &spec.timing, &spec.event)
            .into_iter()
            .filter(|t| t.name != name)
            .collect();
        let at = match &spec.order {
            None => order.len(),
            Some((follows, other)) => match order.iter().position(|t| &t.name == other) {
                Some(i) => i + usize::from(*follows),
                None => {
                    return Err(SqlError::new(
                        3011,
                        format!("Referenced trigger '{other}' for the given action time and event type does not exist."),
                    ))
                }
            },
        };
        let def = Arc::new(TriggerDef {
            db: db.clone(),
            name: name.clone(),
            table: table.name.clone(),
            timing: spec.timing.clone(),
            event: spec.event.clone(),
            order: 0,
            body: spec.body.clone(),
            env,
        });
        order.insert(at, def);
        let tx = self.reader.tx()?;
        if let Some(old) = existing {
            tx.delete(CATALOG_TREE, &catalog::trigger_key(&old.db, &old.name))?;
        }
        for (i, t) in order.iter().enumerate() {
            let mut t = (**t).clone();
            t.order = i as u64 + 1;
            tx.put(
                CATALOG_TREE,
                &catalog::trigger_key(&t.db, &t.name),
                &catalog::encode_trigger(&t),
            )?;
        }
        bump_version(self)
    }

    /// DROP TRIGGER.
    pub fn drop_trigger(&mut self, name: &TableName, if_exists: bool) -> SqlResult<()> {
        let db = self.program_db(name)?;
        if self
            .catalog
            .triggers
            .contains_key(&(db.clone(), name.name.clone()))
        {
            self.reader
                .tx()?
                .delete(CATALOG_TREE, &catalog::trigger_key(&db, &name.name))?;
            return bump_version(self);
        }
        if if_exists {
            self.cx.warn(Warning::note(1360, "Trigger does not exist"));
            return Ok(());
        }
        Err(SqlError::new(1360, "Trigger does not exist"))
    }

    /// Deletes the triggers of `db.table` (DROP TABLE).
    pub fn drop_table_triggers(&mut self, db: &str, table: &str) -> SqlResult<()> {
        let names: Vec<String> = self
            .catalog
            .triggers
            .values()
            .filter(|t| t.db == db && t.table == table)
            .map(|t| t.name.clone())
            .collect();
        for n in names {
            self.reader
                .tx()?
                .delete(CATALOG_TREE, &catalog::trigger_key(db, &n))?;
        }
        Ok(())
    }

    /// Points the triggers of `db.from` at `to` (RENAME TABLE within a database).
    pub fn rename_table_triggers(
        &mut self,
        db: &str,
        from: &str,
        to_db: &str,
        to: &str,
    ) -> SqlResult<()> {
        let trgs: Vec<Arc<TriggerDef>> = self
            .catalog
            .triggers
            .values()
            .filter(|t| t.db == db && t.table == from)
            .cloned()
            .collect();
        if !trgs.is_empty() && db != to_db {
            return Err(SqlError::new(1435, "Trigger in wrong schema"));
        }
        for t in trgs {
            let mut t = (*t).clone();
            t.table = to.to_string();
            self.reader.tx()?.put(
                CATALOG_TREE,
                &catalog::trigger_key(&t.db, &t.name),
                &catalog::encode_trigger(&t),
            )?;
        }
        Ok(())
    }

    /// Deletes the routines and events of `db` (DROP DATABASE).
    pub fn drop_db_programs(&mut self, db: &str) -> SqlResult<()> {
        let mut keys: Vec<Vec<u8>> = Vec::new();
        for t in self.catalog.triggers.values().filter(|t| t.db == db) {
            keys.push(catalog::trigger_key(&t.db, &t.name));
        }
        for r in self.catalog.routines.values().filter(|r| r.db == db) {
            keys.push(catalog::routine_key(&r.db, r.kind, &r.name));
        }
        for e in self.catalog.events.values().filter(|e| e.db == db) {
            keys.push(catalog::event_key(&e.db, &e.name));
        }
        let tx = self.reader.tx()?;
        for k in keys {
            tx.delete(CATALOG_TREE, &k)?;
        }
        Ok(())
    }

    /// CREATE FUNCTION / PROCEDURE.
    pub fn create_routine(&mut self, spec: &RoutineSpec, env: ProgramEnv) -> SqlResult<()> {
        let db = self.program_db(&spec.name)?;
        let kind = if spec.kind == RoutineKind::Function {
            'F'
        } else {
            'P'
        };
        let kind_name = if kind == 'F' { "FUNCTION" } else { "PROCEDURE" };
        let name = spec.name.name.clone();
        if name.is_empty() || name.len() > 64 || name.ends_with(' ') {
            return Err(SqlError::new(
                1458,
                format!("Incorrect routine name '{name}'"),
            ));
        }
        if self.catalog.routine(&db, kind, &name).is_some() && !spec.or_replace {
            if spec.if_not_exists {
                self.cx.warn(Warning::note(
                    1304,
                    format!("{kind_name} {name} already exists"),
                ));
                return Ok(());
            }
            return Err(SqlError::new(
                1304,
                format!("{kind_name} {name} already exists"),
            ));
        }
        let mut params = Vec::new();
        for p in &spec.params {
            if params
                .iter()
                .any(|q: &ParamDef| q.name.eq_ignore_ascii_case(&p.name))
            {
                return Err(SqlError::new(
                    1330,
                    format!("Duplicate parameter: {}", p.name),
                ));
            }
            let dt = super::program::parse_type(&p.ty)
                .map_err(|e| SqlError::new(1064, e.to_string()))?;
            interp::type_of(&dt)?;
            params.push(ParamDef {
                mode: p.mode.clone(),
                name: p.name.clone(),
                ty: p.ty.clone(),
            });
        }
        let returns = spec.returns.clone().unwrap_or_default();
        if kind == 'F' {
            let dt = super::program::parse_type(&returns)
                .map_err(|e| SqlError::new(1064, e.to_string()))?;
            interp::type_of(&dt)?;
        }
        let body = interp::parse(&spec.body)?;
        let pk = if kind == 'F' {
            ProgKind::Function
        } else {
            ProgKind::Procedure
        };
        interp::check(&body, pk, None)?;
        let def = RoutineDef {
            db: db.clone(),
            name: name.clone(),
            kind,
            params,
            returns,
            body: spec.body.clone(),
            deterministic: spec.deterministic,
            data_access: spec.data_access.clone(),
            security: spec.security.clone(),
            comment: spec.comment.clone(),
            env,
        };
        self.reader.tx()?.put(
            CATALOG_TREE,
            &catalog::routine_key(&db, kind, &name),
            &catalog::encode_routine(&def),
        )?;
        // automatic_sp_privileges: the creator may run, alter and drop what it created.
        let both = privs::EXECUTE | privs::ALTER_ROUTINE;
        if self.automatic_sp_privileges()? && !self.security.holds_routine(both, &db, kind, &name) {
            if let Some(mut u) = self.security.account().and_then(|(user, host)| {
                self.catalog
                    .users
                    .get(&(user.to_string(), host.to_string()))
                    .cloned()
            }) {
                *u.routines
                    .entry((db.clone(), kind, name.to_ascii_lowercase()))
                    .or_insert(0) |= both;
                self.reader.tx()?.put(
                    CATALOG_TREE,
                    &catalog::user_key(&u.user, &u.host),
                    &catalog::encode_user(&u),
                )?;
            }
        }
        bump_version(self)
    }

    /// Whether `automatic_sp_privileges` is ON.
    fn automatic_sp_privileges(&mut self) -> SqlResult<bool> {
        let v = self
            .session
            .system_var("automatic_sp_privileges", Some("global"))?;
        Ok(v.to_text()
            .is_some_and(|t| t.eq_ignore_ascii_case(b"ON") || t.as_slice() == b"1"))
    }

    /// ALTER FUNCTION / PROCEDURE: changes the characteristics given; 1305 when the
    /// routine does not exist.
    pub fn alter_routine(
        &mut self,
        kind: RoutineKind,
        name: &TableName,
        traits: &RoutineTraits,
    ) -> SqlResult<()> {
        let (k, kind_name) = if kind == RoutineKind::Function {
            ('F', "FUNCTION")
        } else {
            ('P', "PROCEDURE")
        };
        let db = self.program_db(name)?;
        let Some(old) = self.catalog.routine(&db, k, &name.name) else {
            return Err(SqlError::new(
                1305,
                format!("{kind_name} {db}.{} does not exist", name.name),
            ));
        };
        let mut def = RoutineDef::clone(old);
        if let Some(a) = traits.data_access {
            def.data_access = a.into();
        }
        if let Some(s) = traits.security {
            def.security = s.into();
        }
        if let Some(c) = &traits.comment {
            def.comment = c.clone();
        }
        self.reader.tx()?.put(
            CATALOG_TREE,
            &catalog::routine_key(&db, k, &def.name),
            &catalog::encode_routine(&def),
        )?;
        bump_version(self)
    }

    /// DROP FUNCTION / PROCEDURE.
    pub fn drop_routine(
        &mut self,
        kind: RoutineKind,
        name: &TableName,
        if_exists: bool,
    ) -> SqlResult<()> {
        let (k, kind_name) = if kind == RoutineKind::Function {
            ('F', "FUNCTION")
        } else {
            ('P', "PROCEDURE")
        };
        let db = match &name.db {
            Some(d) => d.clone(),
            None => self
                .session
                .current_db()
                .ok_or_else(|| SqlError::new(1046, "No database selected"))?,
        };
        if self.catalog.routine(&db, k, &name.name).is_some() {
            self.reader
                .tx()?
                .delete(CATALOG_TREE, &catalog::routine_key(&db, k, &name.name))?;
            if self.automatic_sp_privileges()? {
                // The routine's own privileges go with it, from every account.
                let key = (db.clone(), k, name.name.to_ascii_lowercase());
                let holders: Vec<_> = self
                    .catalog
                    .users
                    .values()
                    .filter(|u| u.routines.contains_key(&key))
                    .cloned()
                    .collect();
                for mut u in holders {
                    u.routines.remove(&key);
                    self.reader.tx()?.put(
                        CATALOG_TREE,
                        &catalog::user_key(&u.user, &u.host),
                        &catalog::encode_user(&u),
                    )?;
                }
            }
            return bump_version(self);
        }
        let msg = format!("{kind_name} {db}.{} does not exist", name.name);
        if if_exists {
            self.cx.warn(Warning::note(1305, msg));
            return Ok(());
        }
        Err(SqlError::new(1305, msg))
    }

    fn datetime_text(&mut self, e: &sqlparser::ast::Expr) -> SqlResult<String> {
        let v = self.const_expr(e)?;
        let shown = String::from_utf8_lossy(&v.to_text().unwrap_or_default()).into_owned();
        match super::expr::cast(v, &super::expr::CastTo::DateTime(0), &self.cx) {
            Ok(Value::DateTime(d)) => Ok(d.format(0)),
            _ => Err(SqlError::new(
                1525,
                format!("Incorrect DATETIME value: '{shown}'"),
            )),
        }
    }

    /// CREATE EVENT. Times are evaluated now, in the session's time zone `tz`.
    pub fn create_event(&mut self, spec: &EventSpec, env: ProgramEnv, tz: String) -> SqlResult<()> {
        let db = self.program_db(&spec.name)?;
        let name = spec.name.name.clone();
        if self.catalog.event(&db, &name).is_some() && !spec.or_replace {
            if spec.if_not_exists {
                self.cx.warn(Warning::note(
                    1537,
                    format!("Event '{name}' already exists"),
                ));
                return Ok(());
            }
            return Err(SqlError::new(
                1537,
                format!("Event '{name}' already exists"),
            ));
        }
        let body = interp::parse(&spec.body)?;
        interp::check(&body, ProgKind::Event, None)?;
        let now = self.cx.now.format(0);
        let mut def = EventDef {
            db: db.clone(),
            name: name.clone(),
            execute_at: String::new(),
            interval_value: String::new(),
            interval_field: String::new(),
            starts: String::new(),
            ends: String::new(),
            status: spec.status.clone(),
            preserve: spec.preserve,
            comment: spec.comment.clone(),
            time_zone: tz,
            body: spec.body.clone(),
            env,
        };
        if let Some(at) = &spec.at {
            def.execute_at = self.datetime_text(at)?;
        }
        if let Some((n, unit)) = &spec.every {
            let v = self.const_expr(n)?;
            let text = String::from_utf8_lossy(&v.to_text().unwrap_or_default()).into_owned();
            if text.is_empty() || text.starts_with('-') || text == "0" {
                return Err(SqlError::new(
                    1542,
                    "INTERVAL is either not positive or too big",
                ));
            }
            def.interval_value = text;
            def.interval_field = unit.clone();
            def.starts = match &spec.starts {
                Some(e) => self.datetime_text(e)?,
                None => now,
            };
            if let Some(e) = &spec.ends {
                def.ends = self.datetime_text(e)?;
                if def.ends < def.starts {
                    return Err(SqlError::new(
                        1521,
                        "ENDS is either invalid or before STARTS",
                    ));
                }
            }
        }
        self.reader.tx()?.put(
            CATALOG_TREE,
            &catalog::event_key(&db, &name),
            &catalog::encode_event(&def),
        )?;
        bump_version(self)
    }

    /// DROP EVENT.
    pub fn drop_event(&mut self, name: &TableName, if_exists: bool) -> SqlResult<()> {
        let db = match &name.db {
            Some(d) => d.clone(),
            None => self
                .session
                .current_db()
                .ok_or_else(|| SqlError::new(1046, "No database selected"))?,
        };
        if self.catalog.event(&db, &name.name).is_some() {
            self.reader
                .tx()?
                .delete(CATALOG_TREE, &catalog::event_key(&db, &name.name))?;
            return bump_version(self);
        }
        let msg = format!("Unknown event '{}'", name.name);
        if if_exists {
            self.cx.warn(Warning::note(
                1305,
                format!("Event {} does not exist", name.name),
            ));
            return Ok(());
        }
        Err(SqlError::new(1539, msg))
    }
}
