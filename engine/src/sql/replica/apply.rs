//! The applier: one event group at a time through an internal [`Session`].
//!
//! Statements run with the source's session state, set only when it changes. Row events
//! become prepared INSERT / UPDATE ... LIMIT 1 / DELETE ... LIMIT 1 statements whose
//! parameters are the decoded images: the row is found by its primary key when the
//! replica's table has one and the before image carries it, else by every column of the
//! before image (`<=>`, so NULLs match). Values are decoded with the replica's column
//! types and converted by the normal assignment rules, so a replica column of a wider
//! type takes the value. Row events run with `sql_mode=NO_AUTO_VALUE_ON_ZERO` and the
//! time zone UTC (TIMESTAMP images are UTC seconds), as MySQL's applier does.

use std::collections::HashMap;
use std::sync::Arc;

use super::events::{self, Query, Rd, RowsEvent, RowsKind, SourceEvent, TableMapEvent, UserVar};
use super::{Position, Queued};
use crate::binlog::{types, EventHeader};
use crate::sql::catalog::TableDef;
use crate::sql::session::{Instance, Output, Session};
use crate::sql::{SqlError, SqlResult};
use crate::value::{Collation, Value};

/// Whether an event starts, continues or ends a group (see [`GroupTracker::feed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Feed {
    /// The event belongs to a group (it is applied with it).
    pub in_group: bool,
    /// The event is the last of its group.
    pub ends_group: bool,
}

/// Follows BEGIN ... COMMIT/Xid, MariaDB Gtid events and standalone statements.
#[derive(Default)]
pub struct GroupTracker {
    open: bool,
}

fn is_word(stmt: &[u8], word: &str) -> bool {
    let s = String::from_utf8_lossy(stmt);
    let t = s.trim().trim_end_matches(';').trim();
    t.eq_ignore_ascii_case(word) || (word == "BEGIN" && t.eq_ignore_ascii_case("START TRANSACTION"))
}

impl GroupTracker {
    /// Classifies the next event.
    pub(crate) fn feed(&mut self, q: &Queued) -> Result<Feed, String> {
        let ev = events::decode(&q.raw, q.footer).map_err(|m| m.0)?;
        let part = Feed {
            in_group: true,
            ends_group: false,
        };
        Ok(match ev {
            SourceEvent::Query(q) if is_word(&q.statement, "BEGIN") => {
                self.open = true;
                part
            }
            SourceEvent::Query(q)
                if self.open
                    && (is_word(&q.statement, "COMMIT") || is_word(&q.statement, "ROLLBACK")) =>
            {
                self.open = false;
                Feed {
                    in_group: true,
                    ends_group: true,
                }
            }
            SourceEvent::Query(_) => Feed {
                in_group: true,
                ends_group: !self.open,
            },
            SourceEvent::Xid => {
                self.open = false;
                Feed {
                    in_group: true,
                    ends_group: true,
                }
            }
            SourceEvent::MariaGtid { standalone } => {
                self.open = !standalone;
                part
            }
            SourceEvent::Rows(r) if !self.open && r.flags & crate::binlog::STMT_END_F != 0 => {
                Feed {
                    in_group: true,
                    ends_group: true,
                }
            }
            SourceEvent::Intvar { .. }
            | SourceEvent::Rand { .. }
            | SourceEvent::UserVar { .. }
            | SourceEvent::TableMap(_)
            | SourceEvent::Rows(_)
            | SourceEvent::Unsupported(_) => part,
            SourceEvent::FormatDescription { .. }
            | SourceEvent::Rotate { .. }
            | SourceEvent::Heartbeat
            | SourceEvent::Ignored => Feed {
                in_group: self.open,
                ends_group: false,
            },
        })
    }
}

/// The session state last set, so unchanged settings are not set again.
#[derive(Default, PartialEq)]
struct Cur {
    sql_mode: Option<String>,
    charset: Option<(u16, u16, u16)>,
    collation_db: Option<u16>,
    time_zone: Option<String>,
    auto_increment: Option<(u16, u16)>,
    fk_checks: Option<bool>,
    unique_checks: Option<bool>,
    db: Option<String>,
}

/// Applies event groups.
pub struct Applier {
    s: Session,
    my_id: u32,
    file: String,
    maps: HashMap<u64, TableMapEvent>,
    prepared: HashMap<String, u32>,
    cur: Cur,
    /// The stream's Format_description names a MariaDB server.
    mariadb: bool,
}

fn q(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A MySQL handler error name for the applier's messages.
fn handler_error(code: u16) -> &'static str {
    match code {
        1062 => "HA_ERR_FOUND_DUPP_KEY",
        1032 => "HA_ERR_KEY_NOT_FOUND",
        1451 | 1452 => "HA_ERR_NO_REFERENCED_ROW",
        1205 => "HA_ERR_LOCK_WAIT_TIMEOUT",
        1213 => "HA_ERR_LOCK_DEADLOCK",
        _ => "",
    }
}

impl Applier {
    pub fn new(inst: &Arc<Instance>) -> SqlResult<Applier> {
        let s = inst.system_session()?;
        let file = inst
            .replica
            .st
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .exec
            .clone()
            .unwrap_or_default()
            .file;
        Ok(Applier {
            s,
            my_id: inst.globals.info().server_id,
            file,
            maps: HashMap::new(),
            prepared: HashMap::new(),
            cur: Cur::default(),
            mariadb: false,
        })
    }

    /// Rolls back whatever the session has open.
    pub fn rollback(&mut self) {
        self.s.rollback_replica();
        self.cur.db = None;
    }

    fn exec(&mut self, sql: &str) -> SqlResult<Output> {
        self.s.execute(sql)
    }

    /// An event outside any group: the stream's Rotate and Format_description, skipped
    /// events. Returns the new applied coordinate after a Rotate.
    pub(crate) fn apply_outside(&mut self, ev: &Queued) -> SqlResult<Option<Position>> {
        let decoded = events::decode(&ev.raw, ev.footer).map_err(relay_err)?;
        if let SourceEvent::FormatDescription { mariadb } = &decoded {
            self.mariadb = *mariadb;
        }
        if let SourceEvent::Rotate { position, file } = decoded {
            self.file = file.clone();
            return Ok(Some(Position {
                file,
                pos: position,
            }));
        }
        Ok(None)
    }

    /// Applies one whole group (or with `skip`, only moves the position past it) and
    /// commits it with the position after it. The caller rolls back on error.
    pub(crate) fn apply_group(&mut self, group: &[Queued], skip: bool) -> SqlResult<Position> {
        let first = EventHeader::parse(&group[0].raw)
            .map_err(|e| relay_err(events::Malformed(e.to_string())))?;
        let mut end = Position {
            file: self.file.clone(),
            pos: 0,
        };
        if skip || first.server_id == self.my_id {
            for ev in group {
                let h = EventHeader::parse(&ev.raw)
                    .map_err(|e| relay_err(events::Malformed(e.to_string())))?;
                if h.type_code == types::ROTATE {
                    if let Ok(SourceEvent::Rotate { file, .. }) = events::decode(&ev.raw, ev.footer)
                    {
                        self.file = file.clone();
                        end.file = file;
                    }
                } else if h.log_pos != 0 {
                    end.pos = u64::from(h.log_pos);
                }
            }
            self.s.stage_replica_position(end.encode());
            self.s.commit_replica_position()?;
            return Ok(end);
        }
        self.s.set_replica_origin(Some(first.server_id));
        let r = self.apply_events(group, &mut end);
        self.s.set_replica_origin(None);
        r?;
        Ok(end)
    }

    fn apply_events(&mut self, group: &[Queued], end: &mut Position) -> SqlResult<()> {
        for ev in group {
            let h = EventHeader::parse(&ev.raw)
                .map_err(|e| relay_err(events::Malformed(e.to_string())))?;
            let decoded = events::decode(&ev.raw, ev.footer).map_err(relay_err)?;
            if h.log_pos != 0 && h.type_code != types::ROTATE {
                end.pos = u64::from(h.log_pos);
            }
            match decoded {
                SourceEvent::FormatDescription { mariadb } => self.mariadb = mariadb,
                SourceEvent::Heartbeat | SourceEvent::Ignored => {}
                SourceEvent::Rotate { position, file } => {
                    self.file = file.clone();
                    *end = Position {
                        file,
                        pos: position,
                    };
                }
                SourceEvent::Query(qe) => self.query(qe, &h, end)?,
                SourceEvent::Xid => {
                    self.s.stage_replica_position(end.encode());
                    self.exec("COMMIT")?;
                }
                SourceEvent::Intvar { kind, value } => {
                    let name = if kind == 1 { "LAST_INSERT_ID" } else { "INSERT_ID" };
                    self.exec(&format!("SET {name} = {value}"))?;
                }
                SourceEvent::Rand { seed1, seed2 } => self.s.set_rand_seeds(seed1, seed2),
                SourceEvent::UserVar { name, value } => {
                    let lit = user_var_literal(&value)?;
                    let simple = !name.is_empty()
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'.');
                    let var = if simple {
                        name.clone()
                    } else {
                        format!("'{}'", name.replace('\\', "\\\\").replace('\'', "''"))
                    };
                    self.exec(&format!("SET @{var} = {lit}"))?;
                }
                SourceEvent::TableMap(m) => {
                    self.maps.insert(m.table_id, m);
                }
                SourceEvent::Rows(r) => self.rows(&r, end)?,
                SourceEvent::MariaGtid { standalone } => {
                    if !standalone {
                        self.exec("BEGIN")?;
                    }
                }
                SourceEvent::Unsupported(t) => {
                    return Err(SqlError::new(
                        13121,
                        format!(
                            "Relay log read failure: Could not parse relay log event entry: event type {t} ({}) is not supported by this replica",
                            crate::binlog::event::type_name(t)
                        ),
                    ))
                }
            }
        }
        if self.s.in_transaction() {
            // Row events without BEGIN ended by STMT_END_F.
            self.s.stage_replica_position(end.encode());
            self.exec("COMMIT")?;
        }
        self.s.commit_replica_position()
    }

    fn set_if(&mut self, changed: bool, sql: String) -> SqlResult<()> {
        if changed {
            self.exec(&sql)?;
        }
        Ok(())
    }

    fn query(&mut self, qe: Query, h: &EventHeader, end: &Position) -> SqlResult<()> {
        let text = String::from_utf8_lossy(&qe.statement).into_owned();
        if is_word(&qe.statement, "BEGIN") {
            self.exec("BEGIN")?;
            return Ok(());
        }
        if is_word(&qe.statement, "COMMIT") {
            self.s.stage_replica_position(end.encode());
            self.exec("COMMIT")?;
            return Ok(());
        }
        if is_word(&qe.statement, "ROLLBACK") {
            self.exec("ROLLBACK")?;
            self.s.stage_replica_position(end.encode());
            return self.s.commit_replica_position();
        }
        self.session_state(&qe, h)?;
        let standalone = !self.s.in_transaction();
        if standalone {
            self.s.stage_replica_position(end.encode());
        }
        let r = self.exec(&text);
        match r {
            Ok(_) => {}
            Err(e) if qe.error_code != 0 && e.code == qe.error_code => {}
            Err(e) => {
                return Err(SqlError::new(
                    e.code,
                    format!(
                        "Error '{}' on query. Default database: '{}'. Query: '{}'",
                        e.message, qe.db, text
                    ),
                ))
            }
        }
        if standalone {
            self.s.commit_replica_position()?;
        }
        Ok(())
    }

    fn session_state(&mut self, qe: &Query, h: &EventHeader) -> SqlResult<()> {
        let st = &qe.state;
        // CREATE/DROP DATABASE name their database with SUPPRESS_USE: not to be entered.
        let suppress = h.flags & crate::binlog::event::LOG_EVENT_SUPPRESS_USE_F != 0;
        if !suppress && !qe.db.is_empty() && self.cur.db.as_deref() != Some(qe.db.as_str()) {
            match self.s.use_db(&qe.db) {
                Ok(()) => self.cur.db = Some(qe.db.clone()),
                // MySQL's applier sets a default database without looking it up; a
                // statement that needs it fails on its own.
                Err(e) if e.code == 1049 => {}
                Err(e) => {
                    return Err(SqlError::new(
                        e.code,
                        format!(
                            "Error '{}' on query. Default database: '{}'.",
                            e.message, qe.db
                        ),
                    ))
                }
            }
        }
        if let Some(bits) = st.sql_mode {
            let known: u64 = crate::sql::vars::SQL_MODE_NAMES
                .iter()
                .enumerate()
                .filter(|(_, n)| !n.is_empty())
                .map(|(i, _)| 1u64 << i)
                .sum();
            // MariaDB numbers its own modes from bit 32 (EMPTY_STRING_IS_NULL, ...), where
            // MySQL has TIME_TRUNCATE_FRACTIONAL.
            let known = if self.mariadb {
                known & 0xFFFF_FFFF
            } else {
                known
            };
            let mode = crate::sql::vars::SqlMode(bits & known).to_string();
            let changed = self.cur.sql_mode.as_deref() != Some(mode.as_str());
            self.set_if(changed, format!("SET SESSION sql_mode = '{mode}'"))?;
            self.cur.sql_mode = Some(mode);
        }
        if let Some(cs) = st.charset {
            if self.cur.charset != Some(cs) {
                let name = |id: u16| {
                    Collation::from_id(id)
                        .ok_or_else(|| SqlError::new(1273, format!("Unknown collation: '{id}'")))
                };
                let (client, conn, server) = (name(cs.0)?, name(cs.1)?, name(cs.2)?);
                self.exec(&format!(
                    "SET character_set_client = {}, collation_connection = {}, collation_server = {}",
                    client.charset(),
                    conn.name(),
                    server.name()
                ))?;
                self.cur.charset = Some(cs);
            }
        }
        if let Some(id) = st.collation_database {
            if self.cur.collation_db != Some(id) {
                let c = Collation::from_id(id)
                    .ok_or_else(|| SqlError::new(1273, format!("Unknown collation: '{id}'")))?;
                self.exec(&format!("SET collation_database = {}", c.name()))?;
                self.cur.collation_db = Some(id);
            }
        }
        let tz = st.time_zone.clone().unwrap_or_else(|| "+00:00".into());
        let tz = if tz == "SYSTEM" { "+00:00".into() } else { tz };
        if self.cur.time_zone.as_deref() != Some(tz.as_str()) {
            self.exec(&format!("SET time_zone = '{}'", tz.replace('\'', "''")))?;
            self.cur.time_zone = Some(tz);
        }
        let ai = st.auto_increment.unwrap_or((1, 1));
        if self.cur.auto_increment != Some(ai) {
            self.exec(&format!(
                "SET auto_increment_increment = {}, auto_increment_offset = {}",
                ai.0, ai.1
            ))?;
            self.cur.auto_increment = Some(ai);
        }
        if let Some(f2) = st.flags2 {
            let fk = f2 & crate::binlog::QueryEvent::OPTION_NO_FOREIGN_KEY_CHECKS == 0;
            let uc = f2 & crate::binlog::QueryEvent::OPTION_RELAXED_UNIQUE_CHECKS == 0;
            self.checks(fk, uc)?;
        }
        let micros = st.micros.unwrap_or(0);
        self.exec(&format!(
            "SET timestamp = {}.{micros:06}, pseudo_thread_id = {}",
            h.timestamp, qe.thread_id
        ))?;
        Ok(())
    }

    fn checks(&mut self, fk: bool, uc: bool) -> SqlResult<()> {
        if self.cur.fk_checks != Some(fk) || self.cur.unique_checks != Some(uc) {
            self.exec(&format!(
                "SET foreign_key_checks = {}, unique_checks = {}",
                u8::from(fk),
                u8::from(uc)
            ))?;
            self.cur.fk_checks = Some(fk);
            self.cur.unique_checks = Some(uc);
        }
        Ok(())
    }

    fn rows(&mut self, r: &RowsEvent<'_>, end: &Position) -> SqlResult<()> {
        let Some(map) = self.maps.get(&r.table_id).cloned() else {
            return Err(SqlError::new(
                1105,
                format!(
                    "{} event for table id {} without its Table_map; the event's source log {}, end_log_pos {}",
                    r.kind.event_name(),
                    r.table_id,
                    end.file,
                    end.pos
                ),
            ));
        };
        let ctx = |e: SqlError| {
            let he = handler_error(e.code);
            SqlError::new(
                e.code,
                format!(
                    "Could not execute {} event on table {}.{}; {}, Error_code: {}; handler error {}; the event's source log {}, end_log_pos {}",
                    r.kind.event_name(),
                    map.db,
                    map.table,
                    e.message,
                    e.code,
                    if he.is_empty() { "HA_ERR_GENERIC" } else { he },
                    end.file,
                    end.pos
                ),
            )
        };
        let Some(def) = self.s.table_def(&map.db, &map.table)? else {
            return Err(ctx(SqlError::new(
                1146,
                format!("Table '{}.{}' doesn't exist", map.db, map.table),
            )));
        };
        if r.columns > def.columns.len() {
            return Err(ctx(SqlError::new(
                1136,
                format!(
                    "the source's table has {} columns, the replica's {}",
                    r.columns,
                    def.columns.len()
                ),
            )));
        }
        // Row events: the source's values as they are.
        let mode = "NO_AUTO_VALUE_ON_ZERO".to_string();
        if self.cur.sql_mode.as_deref() != Some(mode.as_str()) {
            self.exec(&format!("SET SESSION sql_mode = '{mode}'"))?;
            self.cur.sql_mode = Some(mode);
        }
        if self.cur.time_zone.as_deref() != Some("+00:00") {
            self.exec("SET time_zone = '+00:00'")?;
            self.cur.time_zone = Some("+00:00".into());
        }
        self.checks(
            r.flags & crate::binlog::NO_FOREIGN_KEY_CHECKS_F == 0,
            r.flags & crate::binlog::RELAXED_UNIQUE_CHECKS_F == 0,
        )?;
        let target = def.types();
        let mut c = Rd::new(r.rows);
        while !c.at_end() {
            let img = |c: &mut Rd<'_>, present: &[bool]| {
                events::read_image(c, &map, present, &target).map_err(relay_err)
            };
            match r.kind {
                RowsKind::Write => {
                    let after = img(&mut c, &r.present)?;
                    self.insert(&def, after).map_err(&ctx)?;
                }
                RowsKind::Delete => {
                    let before = img(&mut c, &r.present)?;
                    self.delete(&def, before).map_err(&ctx)?;
                }
                RowsKind::Update => {
                    let before = img(&mut c, &r.present)?;
                    let after = img(&mut c, &r.present_after)?;
                    self.update(&def, before, after).map_err(&ctx)?;
                }
            }
        }
        Ok(())
    }

    fn run(&mut self, sql: String, params: Vec<Value>) -> SqlResult<Output> {
        let id = match self.prepared.get(&sql) {
            Some(&id) => id,
            None => {
                let (id, _, _) = self.s.prepare(&sql)?;
                self.prepared.insert(sql, id);
                id
            }
        };
        self.s.execute_prepared(id, params)
    }

    fn table(def: &TableDef) -> String {
        format!("{}.{}", q(&def.db), q(&def.name))
    }

    fn insert(&mut self, def: &TableDef, after: Vec<Option<Value>>) -> SqlResult<()> {
        let mut cols = Vec::new();
        let mut vals = Vec::new();
        for (i, v) in after.into_iter().enumerate() {
            if let Some(v) = v {
                cols.push(q(&def.columns[i].name));
                vals.push(v);
            }
        }
        let marks = vec!["?"; vals.len()].join(",");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({marks})",
            Self::table(def),
            cols.join(",")
        );
        self.run(sql, vals).map(|_| ())
    }

    /// ` WHERE ...` finding the row of `before`, with its parameters.
    fn locate(def: &TableDef, before: &[Option<Value>]) -> (String, Vec<Value>) {
        let pk: Vec<usize> = def.primary.iter().map(|p| p.column).collect();
        let by_pk = !pk.is_empty()
            && pk
                .iter()
                .all(|&i| matches!(before.get(i), Some(Some(v)) if !v.is_null()));
        let mut conds = Vec::new();
        let mut params = Vec::new();
        if by_pk {
            for &i in &pk {
                conds.push(format!("{} = ?", q(&def.columns[i].name)));
                params.push(before[i].clone().unwrap_or(Value::Null));
            }
        } else {
            for (i, v) in before.iter().enumerate() {
                if let Some(v) = v {
                    conds.push(format!("{} <=> ?", q(&def.columns[i].name)));
                    params.push(v.clone());
                }
            }
        }
        (format!(" WHERE {}", conds.join(" AND ")), params)
    }

    fn not_found(def: &TableDef) -> SqlError {
        SqlError::new(1032, format!("Can't find record in '{}'", def.name))
    }

    fn update(
        &mut self,
        def: &TableDef,
        before: Vec<Option<Value>>,
        after: Vec<Option<Value>>,
    ) -> SqlResult<()> {
        let mut sets = Vec::new();
        let mut params = Vec::new();
        for (i, v) in after.into_iter().enumerate() {
            if let Some(v) = v {
                sets.push(format!("{} = ?", q(&def.columns[i].name)));
                params.push(v);
            }
        }
        let (wh, wp) = Self::locate(def, &before);
        params.extend(wp);
        let sql = format!(
            "UPDATE {} SET {}{wh} LIMIT 1",
            Self::table(def),
            sets.join(", ")
        );
        match self.run(sql, params)? {
            Output::Ok { info, affected, .. } => {
                let matched = info
                    .strip_prefix("Rows matched: ")
                    .and_then(|r| r.split_whitespace().next())
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or(affected);
                if matched == 0 {
                    return Err(Self::not_found(def));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn delete(&mut self, def: &TableDef, before: Vec<Option<Value>>) -> SqlResult<()> {
        let (wh, params) = Self::locate(def, &before);
        let sql = format!("DELETE FROM {}{wh} LIMIT 1", Self::table(def));
        match self.run(sql, params)? {
            Output::Ok { affected: 0, .. } => Err(Self::not_found(def)),
            _ => Ok(()),
        }
    }
}

fn relay_err(m: events::Malformed) -> SqlError {
    SqlError::new(
        13121,
        format!(
            "Relay log read failure: Could not parse relay log event entry: {}",
            m.0
        ),
    )
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn user_var_literal(v: &UserVar) -> SqlResult<String> {
    Ok(match v {
        UserVar::Null => "NULL".into(),
        UserVar::Int { value, unsigned } => {
            if *unsigned {
                (*value as u64).to_string()
            } else {
                value.to_string()
            }
        }
        UserVar::Real(f) => format!("{f:e}"),
        UserVar::Decimal(t) => t.clone(),
        UserVar::Str { bytes, collation } => {
            let c = u16::try_from(*collation)
                .ok()
                .and_then(Collation::from_id)
                .unwrap_or(Collation::Binary);
            if c == Collation::Binary {
                format!("X'{}'", hex(bytes))
            } else {
                format!(
                    "CONVERT(X'{}' USING {}) COLLATE {}",
                    hex(bytes),
                    c.charset(),
                    c.name()
                )
            }
        }
    })
}
