//! Common table expressions: `WITH [RECURSIVE] name [(columns)] AS (query), …`.
//!
//! The CTEs a statement can see live in one place, [`Exec::ctes`]: a stack, innermost
//! last. [`Exec::query`] pushes the CTEs of a query's WITH clause before running its
//! body and pops them after, so a CTE is visible in that body and in every subquery and
//! derived table of it, and a nested WITH shadows an outer CTE of the same name.
//! `Exec::factor` looks a one-part table name up here ([`Exec::cte_source`]) before it
//! tries views and tables: a CTE shadows a table of the same name, `db.name` never
//! names a CTE.
//!
//! A CTE is materialised once, on its first reference, and every later reference of the
//! same query reads those rows (MySQL does the same; RAND() in a CTE read twice gives
//! the same rows twice). Its body runs with the stack cut back to the CTEs defined
//! before it (and itself, for a recursive one), so it sees earlier CTEs of its WITH and
//! the enclosing queries' CTEs, never later ones. Views and stored functions run their
//! own queries with no CTEs in sight.
//!
//! A recursive CTE (`WITH RECURSIVE` whose body names itself) is a UNION of one or more
//! non-recursive query blocks (the anchor) followed by recursive ones. The anchor's
//! rows fix the column types; each iteration runs the recursive blocks over the rows
//! the previous iteration produced (the reference reads [`CteState::Iterating`]) and
//! stops when one produces nothing. Values a recursive block makes are stored in the
//! anchor's types: too long for them is 1406 in strict mode (MySQL; MariaDB truncates).
//! Every iteration charges its rows to the statement's memory account and checks
//! KILL/max_execution_time, and `cte_max_recursion_depth` bounds the iterations (3636).

use std::sync::Arc;

use sqlparser::ast;

use super::error::{SqlError, SqlResult};
use super::exec::{Exec, OutColumn, RowSet};
use crate::value::{coerce_for_column_at, Value};

/// One CTE in scope.
pub struct Cte {
    /// Its name, compared as table names are (case-sensitively).
    pub name: String,
    /// The column list `name(a, b)`, empty when not given.
    pub columns: Vec<String>,
    pub query: Arc<ast::Query>,
    /// Declared in a `WITH RECURSIVE` clause: its body may name itself.
    pub recursive: bool,
    pub state: CteState,
}

/// How far a CTE's materialisation has come.
#[derive(Clone)]
pub enum CteState {
    /// Not read yet.
    Pending,
    /// A recursive CTE between iterations: its reference reads the rows the previous
    /// iteration produced.
    Iterating(Arc<RowSet>),
    /// Materialised.
    Done(Arc<RowSet>),
}

/// ER_CTE_RECURSIVE_* and friends, with MySQL's texts.
fn recursive_error(code: u16, name: &str) -> SqlError {
    let msg = match code {
        3573 => format!("Recursive Common Table Expression '{name}' should contain a UNION"),
        3574 => format!(
            "Recursive Common Table Expression '{name}' should have one or more non-recursive query blocks followed by one or more recursive ones"
        ),
        3575 => format!(
            "Recursive Common Table Expression '{name}' can contain neither aggregation nor window functions in recursive query block"
        ),
        3576 => format!(
            "In recursive query block of Recursive Common Table Expression '{name}', the recursive table must neither be in the right argument of a LEFT JOIN, nor be forced to be non-first with join order hints"
        ),
        _ => format!(
            "In recursive query block of Recursive Common Table Expression '{name}', the recursive table must be referenced only once, and not in any subquery"
        ),
    };
    SqlError::new(code, msg)
}

/// How often `name` is read as a table in `e` (one-part names only), anywhere.
fn references(e: &impl ast::Visit, name: &str) -> usize {
    let mut n = 0;
    let _ = ast::visit_relations(e, |r: &ast::ObjectName| {
        if let [p] = r.0.as_slice() {
            if p.as_ident().is_some_and(|i| i.value == name) {
                n += 1;
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    n
}

/// Whether `name` (a table reference of statement `st`) is one part naming a CTE that
/// some WITH clause of `st` defines: such names are no tables for privilege checks
/// and view definitions. (Scopes are not followed: a table of a CTE's name read
/// outside that CTE's query is taken for the CTE here.)
pub fn names_cte(st: &impl ast::Visit, name: &ast::ObjectName) -> bool {
    let [p] = name.0.as_slice() else { return false };
    let Some(n) = p.as_ident().map(|i| i.value.clone()) else {
        return false;
    };
    struct Finder(String, bool);
    impl ast::Visitor for Finder {
        type Break = ();
        fn pre_visit_query(&mut self, q: &ast::Query) -> std::ops::ControlFlow<()> {
            if let Some(w) = &q.with {
                self.1 |= w.cte_tables.iter().any(|c| c.alias.name.value == self.0);
            }
            std::ops::ControlFlow::Continue(())
        }
    }
    let mut f = Finder(n, false);
    let _ = st.visit(&mut f);
    f.1
}

/// The query blocks of a chain of UNIONs, left to right, each with whether the UNION
/// before it is DISTINCT (the first block's flag is unused).
fn union_blocks<'q>(e: &'q ast::SetExpr, out: &mut Vec<(&'q ast::SetExpr, bool)>) -> bool {
    match e {
        ast::SetExpr::SetOperation {
            op: ast::SetOperator::Union,
            set_quantifier,
            left,
            right,
        } => {
            if !union_blocks(left, out) {
                return false;
            }
            let distinct = !matches!(set_quantifier, ast::SetQuantifier::All);
            out.push((right.as_ref(), distinct));
            true
        }
        ast::SetExpr::SetOperation { .. } => false,
        other => {
            out.push((other, false));
            true
        }
    }
}

/// Whether `name` appears as a table of the top-level FROM clause of `s` (not in a
/// derived table or subquery), and whether it is on the inner side of an outer join.
fn top_level_reference(s: &ast::Select, name: &str) -> (usize, bool) {
    let is_ref = |f: &ast::TableFactor| match f {
        ast::TableFactor::Table { name: n, .. } => matches!(n.0.as_slice(),
            [p] if p.as_ident().is_some_and(|i| i.value == name)),
        _ => false,
    };
    let mut count = 0;
    let mut inner = false;
    for twj in &s.from {
        if is_ref(&twj.relation) {
            count += 1;
        }
        for j in &twj.joins {
            if is_ref(&j.relation) {
                count += 1;
                if matches!(
                    j.join_operator,
                    ast::JoinOperator::Left(_) | ast::JoinOperator::LeftOuter(_)
                ) {
                    inner = true;
                }
            }
            if matches!(
                j.join_operator,
                ast::JoinOperator::Right(_) | ast::JoinOperator::RightOuter(_)
            ) && is_ref(&twj.relation)
            {
                inner = true;
            }
        }
    }
    (count, inner)
}

/// Whether a query block aggregates (GROUP BY, an aggregate or window function).
fn is_grouped(s: &ast::Select) -> bool {
    if !matches!(&s.group_by, ast::GroupByExpr::Expressions(v, _) if v.is_empty()) {
        return true;
    }
    let mut found = false;
    let _ = ast::visit_expressions(&s.projection, |e: &ast::Expr| {
        if let ast::Expr::Function(f) = e {
            let n = f.name.to_string().to_ascii_lowercase();
            if f.over.is_some()
                || matches!(
                    n.as_str(),
                    "count"
                        | "sum"
                        | "avg"
                        | "min"
                        | "max"
                        | "group_concat"
                        | "bit_and"
                        | "bit_or"
                        | "bit_xor"
                        | "std"
                        | "stddev"
                        | "stddev_pop"
                        | "stddev_samp"
                        | "variance"
                        | "var_pop"
                        | "var_samp"
                        | "json_arrayagg"
                        | "json_objectagg"
                )
            {
                found = true;
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    found
}

impl Exec<'_> {
    /// Runs `q`, whose WITH clause is `with`: its CTEs are in scope for the body.
    pub(crate) fn with_ctes(&mut self, with: &ast::With, q: &ast::Query) -> SqlResult<RowSet> {
        let mut body = q.clone();
        body.with = None;
        self.in_with(with, |ex| ex.query(&body))
    }

    /// Runs `f` with the CTEs of `with` in scope (a query's body, or the UPDATE or
    /// DELETE of MySQL's `WITH … UPDATE` / `WITH … DELETE`); 1066 for a name defined
    /// twice.
    pub(crate) fn in_with<T>(
        &mut self,
        with: &ast::With,
        f: impl FnOnce(&mut Self) -> SqlResult<T>,
    ) -> SqlResult<T> {
        for (i, c) in with.cte_tables.iter().enumerate() {
            let name = &c.alias.name.value;
            if with.cte_tables[..i]
                .iter()
                .any(|d| &d.alias.name.value == name)
            {
                return Err(SqlError::new(
                    1066,
                    format!("Not unique table/alias: '{name}'"),
                ));
            }
        }
        let mark = self.ctes.len();
        for c in &with.cte_tables {
            self.ctes.push(Cte {
                name: c.alias.name.value.clone(),
                columns: c
                    .alias
                    .columns
                    .iter()
                    .map(|c| c.name.value.clone())
                    .collect(),
                query: Arc::new((*c.query).clone()),
                recursive: with.recursive,
                state: CteState::Pending,
            });
        }
        let out = f(self);
        self.ctes.truncate(mark);
        out
    }

    /// Runs `f` with no CTE in scope (a view's or stored program's own query).
    pub(crate) fn without_ctes<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> SqlResult<T>,
    ) -> SqlResult<T> {
        let saved = std::mem::take(&mut self.ctes);
        let out = f(self);
        self.ctes = saved;
        out
    }

    /// The CTE a one-part table name `name` reads, innermost first.
    pub(crate) fn find_cte(&self, name: &ast::ObjectName) -> Option<usize> {
        let [p] = name.0.as_slice() else { return None };
        let n = &p.as_ident()?.value;
        self.ctes.iter().rposition(|c| &c.name == n)
    }

    /// The column names of the CTE a one-part table name reads, when known without
    /// running it (materialised, or declared with a column list).
    pub(crate) fn cte_columns(&self, name: &ast::ObjectName) -> Option<Vec<String>> {
        let c = &self.ctes[self.find_cte(name)?];
        match &c.state {
            CteState::Done(rs) | CteState::Iterating(rs) => {
                Some(rs.columns.iter().map(|c| c.name.clone()).collect())
            }
            CteState::Pending => Some(c.columns.clone()),
        }
    }

    /// The rows of CTE `i`, materialised on first use.
    pub(crate) fn cte_rows(&mut self, i: usize) -> SqlResult<Arc<RowSet>> {
        match &self.ctes[i].state {
            CteState::Done(rs) | CteState::Iterating(rs) => return Ok(rs.clone()),
            CteState::Pending => {}
        }
        let (name, query) = (self.ctes[i].name.clone(), self.ctes[i].query.clone());
        let recursive = self.ctes[i].recursive && references(query.as_ref(), &name) > 0;
        // The body sees the CTEs before it (and itself when recursive), nothing later.
        let cut = if recursive { i + 1 } else { i };
        let tail = self.ctes.split_off(cut);
        let out = if recursive {
            self.recursive_rows(i, &name, &query)
        } else {
            self.query(&query)
        };
        // The body's own WITH clauses popped what they pushed.
        self.ctes.truncate(cut);
        self.ctes.extend(tail);
        let out = out.and_then(|rs| self.name_columns(i, rs));
        let rs = Arc::new(out?);
        if !self.describe {
            self.ctes[i].state = CteState::Done(rs.clone());
        }
        Ok(rs)
    }

    /// Applies CTE `i`'s column list to its result (1353 on a count mismatch) and
    /// refuses duplicate column names (1060).
    fn name_columns(&self, i: usize, mut rs: RowSet) -> SqlResult<RowSet> {
        let names = &self.ctes[i].columns;
        if !names.is_empty() {
            if names.len() != rs.columns.len() {
                return Err(SqlError::new(
                    1353,
                    "In definition of view, derived table or common table expression, SELECT list and column names list have different column counts",
                ));
            }
            for (c, n) in rs.columns.iter_mut().zip(names) {
                c.name = n.clone();
            }
        }
        for (k, c) in rs.columns.iter().enumerate() {
            if rs.columns[..k]
                .iter()
                .any(|d| d.name.eq_ignore_ascii_case(&c.name))
            {
                return Err(SqlError::new(
                    1060,
                    format!("Duplicate column name '{}'", c.name),
                ));
            }
        }
        Ok(rs)
    }

    /// Materialises recursive CTE `i` (the top of the stack while this runs).
    fn recursive_rows(&mut self, i: usize, name: &str, q: &ast::Query) -> SqlResult<RowSet> {
        let mut blocks = Vec::new();
        if !union_blocks(&q.body, &mut blocks) || blocks.len() < 2 {
            return Err(recursive_error(3573, name));
        }
        let first_recursive = blocks
            .iter()
            .position(|(b, _)| references(*b, name) > 0)
            .unwrap_or(blocks.len());
        if first_recursive == 0
            || blocks[first_recursive..]
                .iter()
                .any(|(b, _)| references(*b, name) == 0)
        {
            return Err(recursive_error(3574, name));
        }
        for (b, _) in &blocks[first_recursive..] {
            let s = match b {
                ast::SetExpr::Select(s) => s.as_ref(),
                ast::SetExpr::Query(inner) => {
                    if inner.order_by.is_some() || inner.limit_clause.is_some() {
                        return Err(SqlError::new(
                            1235,
                            "This version of MySQL doesn't yet support 'ORDER BY / LIMIT / SELECT DISTINCT in recursive query block of Common Table Expression'",
                        ));
                    }
                    match inner.body.as_ref() {
                        ast::SetExpr::Select(s) => s.as_ref(),
                        _ => return Err(recursive_error(3577, name)),
                    }
                }
                _ => return Err(recursive_error(3577, name)),
            };
            if is_grouped(s) {
                return Err(recursive_error(3575, name));
            }
            if matches!(
                s.distinct,
                Some(ast::Distinct::Distinct | ast::Distinct::On(_))
            ) {
                return Err(SqlError::new(
                    1235,
                    "This version of MySQL doesn't yet support 'ORDER BY / LIMIT / SELECT DISTINCT in recursive query block of Common Table Expression'",
                ));
            }
            let (top, inner_side) = top_level_reference(s, name);
            if top != 1 || references(*b, name) != 1 {
                return Err(recursive_error(3577, name));
            }
            if inner_side {
                return Err(recursive_error(3576, name));
            }
        }
        if q.order_by.is_some() {
            return Err(SqlError::new(
                1235,
                "This version of MySQL doesn't yet support 'ORDER BY over UNION in recursive Common Table Expression'",
            ));
        }
        let (_, limit, offset) = self.order_limit(q)?;
        let stop_at = limit.map(|l| l.saturating_add(offset));
        let distinct = blocks.iter().skip(1).any(|(_, d)| *d);
        // The anchor: the non-recursive blocks, as a UNION of their own.
        let mut acc: Option<RowSet> = None;
        for (b, _) in &blocks[..first_recursive] {
            let rs = self.set_expr(b)?;
            acc = Some(match acc {
                None => rs,
                Some(mut a) => {
                    if a.columns.len() != rs.columns.len() {
                        return Err(super::setops::column_count_error());
                    }
                    a.rows.extend(rs.rows);
                    a
                }
            });
        }
        let Some(mut all) = acc else {
            return Err(recursive_error(3574, name));
        };
        all = self.name_columns(i, all)?;
        // The recursive blocks read the CTE with the anchor's columns, nullable.
        for c in &mut all.columns {
            c.nullable = true;
        }
        let mut seen = super::setops::Seen::default();
        if distinct {
            all.rows = seen.insert_new(std::mem::take(&mut all.rows), &all.columns, &self.cx)?;
        }
        self.cx.mem.charge_rows(&all.rows)?;
        if self.describe {
            return Ok(all);
        }
        let strict = self.session.strict();
        let max_depth = match self.session.system_var("cte_max_recursion_depth", None)? {
            Value::Int(n) => u64::try_from(n).unwrap_or(0),
            Value::UInt(n) => n,
            _ => 1000,
        };
        let columns = all.columns.clone();
        let mut working = all.rows.clone();
        let mut iterations: u64 = 0;
        while !working.is_empty() && stop_at.is_none_or(|s| (all.rows.len() as u64) < s) {
            self.cx.check()?;
            iterations += 1;
            if iterations > max_depth {
                return Err(SqlError::new(
                    3636,
                    format!(
                        "Recursive query aborted after {iterations} iterations. Try increasing @@cte_max_recursion_depth to a larger value."
                    ),
                ));
            }
            let last = RowSet {
                columns: columns.clone(),
                rows: std::mem::take(&mut working),
            };
            self.ctes[i].state = CteState::Iterating(Arc::new(last));
            let mut produced = Vec::new();
            for (b, _) in &blocks[first_recursive..] {
                let rs = self.set_expr(b);
                let rs = rs?;
                if rs.columns.len() != columns.len() {
                    return Err(super::setops::column_count_error());
                }
                for row in rs.rows {
                    let at = (all.rows.len() + produced.len() + 1) as u64;
                    let row = self.store_row(row, &columns, strict, at)?;
                    produced.push(row);
                }
            }
            if distinct {
                produced = seen.insert_new(produced, &columns, &self.cx)?;
            }
            // Held twice: in the result and as the next iteration's input.
            self.cx.mem.charge_rows(&produced)?;
            self.cx.mem.charge_rows(&produced)?;
            all.rows.extend(produced.iter().cloned());
            working = produced;
        }
        self.ctes[i].state = CteState::Pending;
        if let Some(s) = stop_at {
            all.rows.truncate(usize::try_from(s).unwrap_or(usize::MAX));
        }
        all.rows.drain(
            ..usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(all.rows.len()),
        );
        Ok(all)
    }

    /// A row a recursive block made, stored in the anchor's column types.
    fn store_row(
        &mut self,
        row: Vec<Value>,
        columns: &[OutColumn],
        strict: bool,
        at: u64,
    ) -> SqlResult<Vec<Value>> {
        let mut out = Vec::with_capacity(row.len());
        for (v, c) in row.into_iter().zip(columns) {
            let Some(ty) = &c.ty else {
                out.push(v);
                continue;
            };
            if v.is_null() {
                out.push(v);
                continue;
            }
            let (v, warn) = coerce_for_column_at(v, ty, strict, &c.name, at)?;
            if let Some(w) = warn {
                self.cx.warn(w);
            }
            out.push(v);
        }
        Ok(out)
    }
}
