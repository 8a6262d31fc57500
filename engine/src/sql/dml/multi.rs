//! Multi-table UPDATE and DELETE: `UPDATE t1 JOIN t2 ON … SET t1.a = t2.b, t2.c = …`,
//! `UPDATE t1, t2 SET …` (the parser makes the comma a `CROSS JOIN`), `DELETE t1, t2 FROM
//! t1 JOIN t2 …` and `DELETE FROM t1, t2 USING t1 JOIN t2 …`.
//!
//! Life of one statement:
//!
//! 1. The tables are joined as a SELECT's FROM clause is ([`Exec::build_from`], WHERE
//!    picking the access paths), as a current read: what the join reads of each base
//!    table is locked shared first, as InnoDB's next-key locks would lock it (see
//!    [`super::join_lock`]), and the join reads the newest committed rows.
//! 2. WHERE keeps joined rows (correlated subqueries are computed per joined row).
//! 3. Each target table owns a run of columns of the joined row; that run identifies a
//!    stored row, by its primary key or, in a table without one, by its bytes. The
//!    NULL-complemented side of an outer join is no row. A stored row is changed at most
//!    once: the first joined row that reaches it decides its new values, as in MySQL.
//! 4. The rows are locked exclusive and changed (or removed) with the table's triggers
//!    and indexes, as single-table DML does. What reaches the binlog is the row changes
//!    (the statement is unsafe for statement-based logging, see [`super::super::stmtlog`]).
//!
//! MySQL's rules kept here: ORDER BY and LIMIT are not allowed with several tables (1221
//! for UPDATE, a syntax error for DELETE);
//! a target table read again in a subquery is 1093; a DELETE target must name a table of
//! the join by its alias when it has one (1109); only base tables are targets (1288).
//! Privileges: UPDATE (DELETE) on the targets; every table the join reads needs SELECT,
//! checked as the join opens it (MySQL checks SELECT per column read; Borealis per table).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sqlparser::ast;

use super::super::catalog::{privs, TableDef};
use super::super::ddl::{encode, primary_key};
use super::super::error::{SqlError, SqlResult};
use super::super::exec::{qualified_name, Exec, Path};
use super::super::expr::{truth, Binder, Expr, Scope};
use super::{rows_equal, DmlResult};
use crate::storage::rowlock::{Mode, OnBusy};
use crate::value::Value;

/// One table of the join, and where its columns sit in a joined row.
struct Joined {
    /// The name the statement refers to it by: its alias, else its table name.
    alias: String,
    /// Whether the FROM clause gave it an alias.
    aliased: bool,
    /// Its database and table name (for DELETE's `db.t` targets and messages).
    db: String,
    name: String,
    /// The base table; `None` for a view or a derived table (read, never written).
    table: Option<Arc<TableDef>>,
    /// Its first column in the joined row, and how many columns it has there.
    base: usize,
    width: usize,
}

/// A stored row of a target table that the statement changes.
struct Change {
    table: Arc<TableDef>,
    pk: Vec<u8>,
    old: Vec<Value>,
    new: Vec<Value>,
    /// Columns the statement assigns (ON UPDATE CURRENT_TIMESTAMP leaves those alone).
    assigned: Vec<bool>,
}

/// Collects the named tables of a FROM list in join order (nested joins flattened),
/// checking that their names are unique (1066).
fn table_factors<'a>(from: &'a [ast::TableWithJoins], out: &mut Vec<&'a ast::TableFactor>) {
    for twj in from {
        for f in std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)) {
            match f {
                ast::TableFactor::NestedJoin {
                    table_with_joins, ..
                } => table_factors(std::slice::from_ref(table_with_joins.as_ref()), out),
                other => out.push(other),
            }
        }
    }
}

/// The expressions of a statement that may hold subqueries reading a target table.
fn subquery_tables(e: &ast::Expr, out: &mut Vec<ast::ObjectName>) {
    let _ = ast::visit_expressions(e, |x: &ast::Expr| {
        let q = match x {
            ast::Expr::Subquery(q)
            | ast::Expr::Exists { subquery: q, .. }
            | ast::Expr::InSubquery { subquery: q, .. } => q,
            _ => return std::ops::ControlFlow::<()>::Continue(()),
        };
        query_tables(q, out);
        std::ops::ControlFlow::<()>::Continue(())
    });
}

/// The tables a query reads directly (not through a derived table, which MySQL
/// materialises first, so reading a target there is allowed).
fn query_tables(q: &ast::Query, out: &mut Vec<ast::ObjectName>) {
    fn set_expr(s: &ast::SetExpr, out: &mut Vec<ast::ObjectName>) {
        match s {
            ast::SetExpr::Select(sel) => {
                let mut fs = Vec::new();
                table_factors(&sel.from, &mut fs);
                for f in fs {
                    if let ast::TableFactor::Table { name, .. } = f {
                        out.push(name.clone());
                    }
                }
            }
            ast::SetExpr::Query(q) => set_expr(&q.body, out),
            ast::SetExpr::SetOperation { left, right, .. } => {
                set_expr(left, out);
                set_expr(right, out);
            }
            _ => {}
        }
    }
    set_expr(&q.body, out);
}

impl Exec<'_> {
    /// 1093 when a subquery in `exprs` reads one of `targets` (db, table) directly, as
    /// MySQL refuses: the statement would read the rows it is changing.
    pub(crate) fn check_target_not_in_subquery(
        &self,
        targets: &[(String, String)],
        exprs: &[&ast::Expr],
    ) -> SqlResult<()> {
        let mut read = Vec::new();
        for e in exprs {
            subquery_tables(e, &mut read);
        }
        for name in read {
            let Ok((db, t)) = qualified_name(&name, self.session.current_db(), "table") else {
                continue;
            };
            if targets.iter().any(|(d, n)| *d == db && *n == t) {
                return Err(SqlError::new(
                    1093,
                    format!("You can't specify target table '{t}' for update in FROM clause"),
                ));
            }
        }
        Ok(())
    }

    /// The tables of `from` with their place in the joined row [`Exec::build_from`]
    /// makes of it (`scope`).
    fn joined_tables(&self, from: &[ast::TableWithJoins], scope: &Scope) -> SqlResult<Vec<Joined>> {
        let mut factors = Vec::new();
        table_factors(from, &mut factors);
        let mut out: Vec<Joined> = Vec::new();
        for f in factors {
            let (alias, aliased, db, name, table) = match f {
                ast::TableFactor::Table { name, alias, .. } => {
                    let (db, t) = qualified_name(name, self.session.current_db(), "table")?;
                    let table = match self.view(name) {
                        Some(_) => None,
                        None => Some(self.table(name)?),
                    };
                    let a = alias.as_ref().map(|a| a.name.value.clone());
                    (
                        a.clone().unwrap_or_else(|| t.clone()),
                        a.is_some(),
                        db,
                        t,
                        table,
                    )
                }
                ast::TableFactor::Derived { alias, .. } => {
                    let a = alias
                        .as_ref()
                        .map(|a| a.name.value.clone())
                        .unwrap_or_default();
                    (a.clone(), true, String::new(), a, None)
                }
                other => {
                    return Err(SqlError::new(
                        1235,
                        format!(
                        "This version of Borealis doesn't yet support '{other}' in UPDATE/DELETE"
                    ),
                    ))
                }
            };
            if out.iter().any(|j| j.alias == alias) {
                return Err(SqlError::new(
                    1066,
                    format!("Not unique table/alias: '{alias}'"),
                ));
            }
            out.push(Joined {
                alias,
                aliased,
                db,
                name,
                table,
                base: 0,
                width: 0,
            });
        }
        // build_from lays the tables' columns out in this same order.
        let mut base = 0;
        for j in &mut out {
            j.base = base;
            j.width = scope.cols[base..]
                .iter()
                .take_while(|c| c.table == j.alias)
                .count();
            base += j.width;
        }
        Ok(out)
    }

    /// Runs the join of a multi-table statement as a current read (see the module docs):
    /// the joined rows, where each table sits in them, and their scope. Call under
    /// [`Exec::current_read`].
    fn join_rows(
        &mut self,
        from: &[ast::TableWithJoins],
        selection: Option<&ast::Expr>,
    ) -> SqlResult<(Scope, Vec<Joined>, Vec<Vec<Value>>)> {
        // Names must be unique (1066) before the join binds its ON clauses (1052).
        let mut names: Vec<String> = Vec::new();
        let mut factors = Vec::new();
        table_factors(from, &mut factors);
        for f in factors {
            let name = match f {
                ast::TableFactor::Table { name, alias, .. } => match alias {
                    Some(a) => a.name.value.clone(),
                    None => name
                        .0
                        .last()
                        .and_then(|p| p.as_ident())
                        .map(|i| i.value.clone())
                        .unwrap_or_default(),
                },
                ast::TableFactor::Derived { alias: Some(a), .. } => a.name.value.clone(),
                _ => continue,
            };
            if names.contains(&name) {
                return Err(SqlError::new(
                    1066,
                    format!("Not unique table/alias: '{name}'"),
                ));
            }
            names.push(name);
        }
        // WHERE's conjuncts pick the access paths, as a SELECT's do (the caller applies
        // WHERE to the joined rows again).
        let mut where_conj = Vec::new();
        if let Some(w) = selection {
            super::super::exec::ast_conjuncts(w, &mut where_conj);
        }
        let (scope, rows) = self.build_from(from, &where_conj, None, false)?;
        let joined = self.joined_tables(from, &scope)?;
        // Correlated subqueries of the join's ON clauses were the join's own.
        self.corr.clear();
        Ok((scope, joined, rows))
    }

    /// Runs `f` as a current read of the tables `from` names: what the join (with WHERE
    /// `selection` picking its paths) reads of each base table locked shared first
    /// ([`super::join_lock`]), reads seeing the newest committed rows; the correlated
    /// subqueries `f` registers are its own.
    fn current_read<T>(
        &mut self,
        from: &[ast::TableWithJoins],
        selection: Option<&ast::Expr>,
        f: impl FnOnce(&mut Self) -> SqlResult<T>,
    ) -> SqlResult<T> {
        let mut factors = Vec::new();
        table_factors(from, &mut factors);
        let mut covered = HashMap::new();
        for f in factors {
            if let ast::TableFactor::Table { name, .. } = f {
                if self.view(name).is_none() {
                    let t = self.table(name)?;
                    covered.insert(t.tree, (Mode::Shared, OnBusy::Wait));
                }
            }
        }
        self.lock_join_reads(covered, &mut |ex| {
            let read = ex.join_rows(from, selection).map(drop);
            for _ in ex.corr.drain(..) {}
            read
        })?;
        let snap = self.reader.tx()?.read_latest();
        let saved = std::mem::take(&mut self.corr);
        let r = f(self);
        self.corr = saved;
        self.reader.tx()?.restore_snapshot(snap);
        r
    }

    /// Whether WHERE keeps joined row `r`; its correlated subqueries are computed into
    /// `cx.corr_values` (the caller clears them when done with the row).
    fn where_keeps(&mut self, filter: Option<&Expr>, r: &[Value]) -> SqlResult<bool> {
        self.cx.check()?;
        self.eval_correlated(r)?;
        Ok(match filter {
            Some(f) => truth(&f.eval(r, &self.cx)?) == Some(true),
            None => true,
        })
    }

    /// The primary keys of the stored rows of `t` that a joined row's run `slice` is:
    /// none for the NULL-complemented side of an outer join; in a table without a
    /// primary key, every row with the same bytes (found through `by_bytes`, built once).
    fn stored_rows(
        &self,
        t: &TableDef,
        slice: &[Value],
        by_bytes: &mut Option<HashMap<Vec<u8>, Vec<Vec<u8>>>>,
    ) -> SqlResult<Vec<Vec<u8>>> {
        if !t.primary.is_empty() {
            if t.primary.iter().any(|p| slice[p.column].is_null()) {
                return Ok(Vec::new());
            }
            return Ok(vec![primary_key(t, slice)?]);
        }
        if by_bytes.is_none() {
            let mut m: HashMap<Vec<u8>, Vec<Vec<u8>>> = HashMap::new();
            let mut err = None;
            self.scan(t, &Path::Full, &[], false, &mut |pk, r| {
                let b = self.cx.mem.charge_row(&r).and_then(|()| encode(t, &r));
                match b {
                    Ok(b) => m.entry(b).or_default().push(pk.to_vec()),
                    Err(e) => {
                        err = Some(e);
                        return Ok(false);
                    }
                }
                Ok(true)
            })?;
            if let Some(e) = err {
                return Err(e);
            }
            *by_bytes = Some(m);
        }
        let key = encode(t, slice)?;
        Ok(by_bytes
            .as_ref()
            .and_then(|m| m.get(&key))
            .cloned()
            .unwrap_or_default())
    }

    /// UPDATE (DELETE) on the base table of target `j`, or 1288 for a view or derived
    /// table; returns the table.
    fn writable(&self, j: &Joined, need: u32, cmd: &str) -> SqlResult<Arc<TableDef>> {
        let Some(t) = &j.table else {
            return Err(SqlError::new(
                1288,
                format!("The target table {} of the {cmd} is not updatable", j.alias),
            ));
        };
        let name = ast::ObjectName::from(vec![ast::Ident::new(&t.db), ast::Ident::new(&t.name)]);
        self.may(need, cmd, &name)?;
        Ok(t.clone())
    }

    /// Multi-table UPDATE (see the module docs).
    pub(super) fn update_multi(&mut self, u: &ast::Update) -> SqlResult<DmlResult> {
        if !u.order_by.is_empty() {
            return Err(SqlError::new(
                1221,
                "Incorrect usage of UPDATE and ORDER BY",
            ));
        }
        if u.limit.is_some() {
            return Err(SqlError::new(1221, "Incorrect usage of UPDATE and LIMIT"));
        }
        let from = std::slice::from_ref(&u.table);
        let mut entered = Vec::new();
        let r = self.current_read(from, u.selection.as_ref(), |ex| {
            ex.update_changes(u, from, &mut entered)
        });
        let r = r.and_then(|changes| self.apply_updates(changes));
        for _ in entered {
            self.leave_table();
        }
        r
    }

    /// The rows a multi-table UPDATE changes and their new values; `entered` gets the
    /// target tables (see [`Exec::enter_table`]).
    fn update_changes(
        &mut self,
        u: &ast::Update,
        from: &[ast::TableWithJoins],
        entered: &mut Vec<Arc<TableDef>>,
    ) -> SqlResult<Vec<Change>> {
        let strict = self.session.strict();
        let (scope, joined, rows) = self.join_rows(from, u.selection.as_ref())?;
        let filter = self.bind_where(&scope, u.selection.as_ref())?;
        // (target, column of its table, column of the joined row, value)
        let mut sets: Vec<(usize, usize, usize, Expr)> = Vec::new();
        // (target, column of its table, whether `= DEFAULT`) of each assignment
        let mut written: Vec<(usize, usize, bool)> = Vec::new();
        for a in &u.assignments {
            let parts: Vec<String> = match &a.target {
                ast::AssignmentTarget::ColumnName(n) => {
                    n.0.iter()
                        .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                        .collect()
                }
                ast::AssignmentTarget::Tuple(_) => {
                    return Err(SqlError::new(1064, "tuple assignment is not MySQL syntax"))
                }
            };
            let at = scope.resolve(&parts, "field list")?;
            let Some(k) = joined
                .iter()
                .position(|j| at >= j.base && at < j.base + j.width)
            else {
                return Err(SqlError::new(
                    1054,
                    format!("Unknown column '{}' in 'field list'", parts.join(".")),
                ));
            };
            let default = super::is_default_kw(&a.value);
            written.push((k, at - joined[k].base, default));
            if default {
                // Only a generated column takes DEFAULT here (checked below): it is
                // computed after the assignments anyway.
                continue;
            }
            let (x, _) = Binder {
                scope: &scope,
                env: self,
                aggs: None,
                agg_base: 0,
                clause: "field list",
            }
            .bind(&a.value)?;
            sets.push((k, at - joined[k].base, at, x));
        }
        let mut targets: Vec<(usize, Arc<TableDef>)> = Vec::new();
        for (k, j) in joined.iter().enumerate() {
            if written.iter().any(|s| s.0 == k) {
                targets.push((k, self.writable(j, privs::UPDATE, "UPDATE")?));
            }
        }
        for (k, col, default) in &written {
            let Some((_, t)) = targets.iter().find(|(tk, _)| tk == k) else {
                continue;
            };
            match (t.columns[*col].generated.is_some(), default) {
                (true, false) => {
                    let t = t.clone();
                    self.generated_value_given(&t, *col)?;
                    sets.retain(|s| !(s.0 == *k && s.1 == *col));
                }
                (false, true) => {
                    return Err(SqlError::new(
                        1235,
                        "This version of Borealis doesn't yet support 'SET col = DEFAULT' in a multi-table UPDATE",
                    ))
                }
                _ => {}
            }
        }
        let names: Vec<(String, String)> = targets
            .iter()
            .map(|(_, t)| (t.db.clone(), t.name.clone()))
            .collect();
        let mut exprs: Vec<&ast::Expr> = u.assignments.iter().map(|a| &a.value).collect();
        exprs.extend(u.selection.as_ref());
        self.check_target_not_in_subquery(&names, &exprs)?;
        for (_, t) in &targets {
            self.enter_table(t)?;
            entered.push(t.clone());
        }
        let mut changes: Vec<Change> = Vec::new();
        let mut seen: HashSet<(u64, Vec<u8>)> = HashSet::new();
        let mut by_bytes: HashMap<usize, Option<HashMap<Vec<u8>, Vec<Vec<u8>>>>> = HashMap::new();
        for row in rows {
            let keep = self.where_keeps(filter.as_ref(), &row);
            let r = keep.and_then(|keep| {
                if !keep {
                    return Ok(());
                }
                for (k, t) in &targets {
                    let j = &joined[*k];
                    let slice = &row[j.base..j.base + j.width];
                    for pk in self.stored_rows(t, slice, by_bytes.entry(*k).or_default())? {
                        if !seen.insert((t.tree, pk.clone())) {
                            continue;
                        }
                        // Assignments run left to right, each seeing the ones before.
                        let mut cur = row.clone();
                        let mut assigned = vec![false; t.columns.len()];
                        for (_, col, at, x) in sets.iter().filter(|s| s.0 == *k) {
                            let v = x.eval(&cur, &self.cx)?;
                            let n = changes.len() as u64 + 1;
                            cur[*at] = self.store_value(t, *col, v, n, strict, true)?;
                            assigned[*col] = true;
                        }
                        let new = cur[j.base..j.base + j.width].to_vec();
                        self.cx.mem.charge_row(&new)?;
                        changes.push(Change {
                            table: t.clone(),
                            pk,
                            old: slice.to_vec(),
                            new,
                            assigned,
                        });
                    }
                }
                Ok(())
            });
            self.cx.corr_values.borrow_mut().take();
            r?;
        }
        Ok(changes)
    }

    /// Multi-table DELETE (see the module docs): `targets` name tables of `from`.
    pub(super) fn delete_multi(
        &mut self,
        d: &ast::Delete,
        targets: &[ast::ObjectName],
        from: &[ast::TableWithJoins],
    ) -> SqlResult<DmlResult> {
        // MySQL's grammar has neither for several tables.
        let extra = if !d.order_by.is_empty() {
            Some("ORDER BY")
        } else if d.limit.is_some() {
            Some("LIMIT")
        } else {
            None
        };
        if let Some(w) = extra {
            return Err(SqlError::new(
                1064,
                format!("You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '{w}'"),
            ));
        }
        let mut entered = Vec::new();
        let r = self.current_read(from, d.selection.as_ref(), |ex| {
            ex.delete_changes(d, targets, from, &mut entered)
        });
        let r = r.and_then(|doomed| {
            let mut n = 0u64;
            for c in doomed {
                self.cx.check()?;
                let t = c.table;
                // Locked exclusive now; the range lock taken before the join kept it as read.
                if !matches!(
                    self.reader
                        .tx()?
                        .lock_read(t.tree, &c.pk, Mode::Exclusive)?,
                    Some(Some(_))
                ) {
                    continue;
                }
                let triggers = self.catalog.has_triggers(&t.db, &t.name);
                if triggers {
                    self.fire_triggers(&t, "BEFORE", "DELETE", Some(&c.old), None)?;
                }
                self.remove_row(&t, &c.pk, &c.old)?;
                n += 1;
                if triggers {
                    self.fire_triggers(&t, "AFTER", "DELETE", Some(&c.old), None)?;
                }
            }
            Ok(DmlResult {
                affected: n,
                last_insert_id: None,
                info: String::new(),
            })
        });
        for _ in entered {
            self.leave_table();
        }
        r
    }

    /// The rows a multi-table DELETE removes; `entered` gets the target tables.
    fn delete_changes(
        &mut self,
        d: &ast::Delete,
        targets: &[ast::ObjectName],
        from: &[ast::TableWithJoins],
        entered: &mut Vec<Arc<TableDef>>,
    ) -> SqlResult<Vec<Change>> {
        let (scope, joined, rows) = self.join_rows(from, d.selection.as_ref())?;
        let mut picked: Vec<(usize, Arc<TableDef>)> = Vec::new();
        for n in targets {
            let parts: Vec<String> =
                n.0.iter()
                    .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                    .collect();
            // A table with an alias is named by its alias; `db.t` names one without.
            let k = joined.iter().position(|j| match parts.as_slice() {
                [t] => j.alias == *t,
                [db, t] => !j.aliased && j.db == *db && j.name == *t,
                _ => false,
            });
            let Some(k) = k else {
                let shown = parts.last().cloned().unwrap_or_default();
                return Err(SqlError::new(
                    1109,
                    format!("Unknown table '{shown}' in MULTI DELETE"),
                ));
            };
            if !picked.iter().any(|(p, _)| *p == k) {
                picked.push((k, self.writable(&joined[k], privs::DELETE, "DELETE")?));
            }
        }
        picked.sort_by_key(|(k, _)| *k);
        let names: Vec<(String, String)> = picked
            .iter()
            .map(|(_, t)| (t.db.clone(), t.name.clone()))
            .collect();
        let exprs: Vec<&ast::Expr> = d.selection.iter().collect();
        self.check_target_not_in_subquery(&names, &exprs)?;
        for (_, t) in &picked {
            self.enter_table(t)?;
            entered.push(t.clone());
        }
        let filter = self.bind_where(&scope, d.selection.as_ref())?;
        let mut doomed: Vec<Change> = Vec::new();
        let mut seen: HashSet<(u64, Vec<u8>)> = HashSet::new();
        let mut by_bytes: HashMap<usize, Option<HashMap<Vec<u8>, Vec<Vec<u8>>>>> = HashMap::new();
        for row in rows {
            let keep = self.where_keeps(filter.as_ref(), &row);
            let r = keep.and_then(|keep| {
                if !keep {
                    return Ok(());
                }
                for (k, t) in &picked {
                    let j = &joined[*k];
                    let slice = &row[j.base..j.base + j.width];
                    for pk in self.stored_rows(t, slice, by_bytes.entry(*k).or_default())? {
                        if seen.insert((t.tree, pk.clone())) {
                            self.cx.mem.charge_row(slice)?;
                            doomed.push(Change {
                                table: t.clone(),
                                pk,
                                old: slice.to_vec(),
                                new: Vec::new(),
                                assigned: Vec::new(),
                            });
                        }
                    }
                }
                Ok(())
            });
            self.cx.corr_values.borrow_mut().take();
            r?;
        }
        Ok(doomed)
    }

    /// Writes the rows a multi-table UPDATE computed, with triggers.
    fn apply_updates(&mut self, changes: Vec<Change>) -> SqlResult<DmlResult> {
        let matched = changes.len() as u64;
        let mut changed = 0u64;
        for (n, mut c) in changes.into_iter().enumerate() {
            self.cx.check()?;
            let t = c.table;
            // Locked exclusive now; the range lock taken before the join kept it as read.
            if !matches!(
                self.reader
                    .tx()?
                    .lock_read(t.tree, &c.pk, Mode::Exclusive)?,
                Some(Some(_))
            ) {
                continue;
            }
            let triggers = self.catalog.has_triggers(&t.db, &t.name);
            if triggers {
                self.fire_triggers(&t, "BEFORE", "UPDATE", Some(&c.old), Some(&mut c.new))?;
            }
            let strict = self.session.strict();
            self.fill_generated(&t, &mut c.new, n as u64 + 1, strict, true)?;
            if !rows_equal(&t, &c.old, &c.new) {
                self.touch_on_update(&t, &mut c.new, &c.assigned);
                self.change_row(&t, &c.pk, &c.old, &c.new)?;
                changed += 1;
            }
            if triggers {
                self.fire_triggers(&t, "AFTER", "UPDATE", Some(&c.old), Some(&mut c.new))?;
            }
        }
        let warnings = self.cx.warnings.borrow().len();
        Ok(DmlResult {
            affected: changed,
            last_insert_id: None,
            info: format!("Rows matched: {matched}  Changed: {changed}  Warnings: {warnings}"),
        })
    }
}
