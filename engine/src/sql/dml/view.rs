//! UPDATE, DELETE and INSERT through an updatable view.
//!
//! A view is updatable, as MySQL defines it for the one-table case, when its SELECT
//! reads one base table (no join, no derived table, no other view) and has no DISTINCT,
//! GROUP BY, HAVING, aggregate or window function, LIMIT, UNION, subquery in its select
//! list or subquery in its WHERE reading its own table, and the view is not
//! ALGORITHM=TEMPTABLE. Other views are 1288 (1471 for INSERT), and
//! `information_schema.VIEWS.IS_UPDATABLE` says which is which ([`Exec::updatable_view`]).
//!
//! A statement through the view works on the base table's rows, each seen as
//! `base row ++ view row` (the view's columns computed from the base row): the
//! statement's WHERE, SET and ORDER BY bind to the view's columns (the base columns sit
//! under a hidden name), the view's own WHERE keeps only the rows the view shows, and a
//! SET or INSERT column is the base column the view column names (an expression column is
//! 1348). The view needs the statement's privilege (checked by the caller); the base table
//! is read and written with the rights of the view's SQL SECURITY (its definer's for
//! DEFINER).

use std::sync::Arc;

use sqlparser::ast;

use super::super::catalog::{privs, TableDef, ViewDef};
use super::super::error::{SqlError, SqlResult};
use super::super::exec::{choose_path, conjuncts, mark_unreadable_by, Exec};
use super::super::expr::{Binder, Expr, Scope, ScopeCol};
use super::super::privilege::Security;
use super::{rows_equal, table_scope, DmlResult};
use crate::storage::rowlock::Mode;
use crate::value::Value;

/// The table qualifier of the base columns in a view statement's scope: names starting
/// with `__` resolve only when written out, so the statement sees the view's columns.
const BASE: &str = "__view_base__";

/// An updatable view taken apart.
pub(crate) struct UpdatableView {
    /// Its base table.
    pub table: Arc<TableDef>,
    /// The view's columns: name, and the SELECT expression over the base table.
    pub columns: Vec<(String, ast::Expr)>,
    /// The view's WHERE.
    pub selection: Option<ast::Expr>,
    /// The name (alias) the view's SELECT gives the base table.
    pub alias: String,
}

const AGGREGATES: &[&str] = &[
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "GROUP_CONCAT",
    "BIT_AND",
    "BIT_OR",
    "BIT_XOR",
    "STD",
    "STDDEV",
    "STDDEV_POP",
    "STDDEV_SAMP",
    "VARIANCE",
    "VAR_POP",
    "VAR_SAMP",
    "JSON_ARRAYAGG",
    "JSON_OBJECTAGG",
];

/// Whether `e` holds an aggregate or window function, or (with `subqueries`) a subquery.
fn has_aggregate_or(e: &ast::Expr, subqueries: bool) -> bool {
    let mut found = false;
    let _ = ast::visit_expressions(e, |x: &ast::Expr| {
        match x {
            ast::Expr::Function(f) => {
                let n = f.name.to_string().to_ascii_uppercase();
                if f.over.is_some() || AGGREGATES.contains(&n.as_str()) {
                    found = true;
                }
            }
            ast::Expr::Subquery(_) | ast::Expr::Exists { .. } | ast::Expr::InSubquery { .. }
                if subqueries =>
            {
                found = true
            }
            _ => {}
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    found
}

impl Exec<'_> {
    /// Whether view `v` is updatable (see the module docs).
    pub(crate) fn is_updatable_view(&self, v: &ViewDef) -> bool {
        self.view_shape(v).is_some()
    }

    /// An updatable view's base table, select-list expressions, WHERE and base table
    /// alias; `None` when the view is not updatable.
    #[allow(clippy::type_complexity)]
    fn view_shape(
        &self,
        v: &ViewDef,
    ) -> Option<(Arc<TableDef>, Vec<ast::Expr>, Option<ast::Expr>, String)> {
        if v.algorithm.eq_ignore_ascii_case("TEMPTABLE") {
            return None;
        }
        let parsed =
            sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::MySqlDialect {}, &v.query);
        let Some(ast::Statement::Query(q)) = parsed.ok().and_then(|mut s| s.pop()) else {
            return None;
        };
        if q.with.is_some() || q.limit_clause.is_some() || q.fetch.is_some() {
            return None;
        }
        let ast::SetExpr::Select(sel) = q.body.as_ref() else {
            return None;
        };
        let grouped = match &sel.group_by {
            ast::GroupByExpr::Expressions(e, m) => !e.is_empty() || !m.is_empty(),
            ast::GroupByExpr::All(_) => true,
        };
        if sel.distinct.is_some() || grouped || sel.having.is_some() || sel.from.len() != 1 {
            return None;
        }
        let twj = &sel.from[0];
        let ast::TableFactor::Table {
            name, alias, args, ..
        } = &twj.relation
        else {
            return None;
        };
        if !twj.joins.is_empty() || args.is_some() || self.view(name).is_some() {
            return None;
        }
        let table = self.table(name).ok()?;
        let alias = alias
            .as_ref()
            .map(|a| a.name.value.clone())
            .unwrap_or_else(|| table.name.clone());
        if let Some(w) = &sel.selection {
            if has_aggregate_or(w, false) {
                return None;
            }
            let target = [(table.db.clone(), table.name.clone())];
            if self.check_target_not_in_subquery(&target, &[w]).is_err() {
                return None;
            }
        }
        let mut exprs = Vec::new();
        for item in &sel.projection {
            match item {
                ast::SelectItem::UnnamedExpr(e)
                | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                    if has_aggregate_or(e, true) {
                        return None;
                    }
                    exprs.push(e.clone());
                }
                ast::SelectItem::ExprWithAliases { .. } => return None,
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                    exprs.extend(table.columns.iter().map(|c| {
                        ast::Expr::CompoundIdentifier(vec![
                            ast::Ident::new(&alias),
                            ast::Ident::new(&c.name),
                        ])
                    }));
                }
            }
        }
        Some((table, exprs, sel.selection.clone(), alias))
    }

    /// The view `v` taken apart when it is updatable (see the module docs), else `None`.
    pub(crate) fn updatable_view(&mut self, v: &ViewDef) -> Option<UpdatableView> {
        let (table, exprs, selection, alias) = self.view_shape(v)?;
        // The view's column names, as reading it names them.
        let saved = std::mem::replace(&mut self.describe, true);
        let described = self.view_rows(v);
        self.describe = saved;
        let names: Vec<String> = described
            .ok()?
            .columns
            .into_iter()
            .map(|c| c.name)
            .collect();
        if names.len() != exprs.len() {
            return None;
        }
        Some(UpdatableView {
            table,
            columns: names.into_iter().zip(exprs).collect(),
            selection,
            alias,
        })
    }

    /// The view `name` names, taken apart for a write (`cmd` UPDATE, DELETE or INSERT):
    /// 1288 (1471 for INSERT) when it is not updatable.
    fn view_target(
        &mut self,
        v: &ViewDef,
        cmd: &str,
    ) -> SqlResult<(UpdatableView, super::super::privilege::Security)> {
        let Some(uv) = self.updatable_view(v) else {
            return Err(if cmd == "INSERT" {
                SqlError::new(
                    1471,
                    format!(
                        "The target table {} of the INSERT is not insertable-into",
                        v.name
                    ),
                )
            } else {
                SqlError::new(
                    1288,
                    format!("The target table {} of the {cmd} is not updatable", v.name),
                )
            });
        };
        let sec = self.security.for_body(&v.definer, &v.security)?;
        Ok((uv, sec))
    }

    /// The scope of a view statement's rows (`base row ++ view row`), and the view's
    /// columns bound over the base row.
    /// The view's columns that `invoker` (the statement's user, whose privileges apply to
    /// the view itself) may not read are marked denied.
    fn view_scope(
        &mut self,
        uv: &UpdatableView,
        v: &ViewDef,
        alias: &str,
        invoker: &Security,
    ) -> SqlResult<(Scope, Vec<Expr>)> {
        let base_scope = table_scope(&uv.table, &uv.alias);
        let mut items = Vec::new();
        let mut cols = Vec::new();
        for (name, e) in &uv.columns {
            let (x, ty) = Binder {
                scope: &base_scope,
                env: self,
                aggs: None,
                agg_base: 0,
                clause: "field list",
            }
            .bind(e)?;
            cols.push(ScopeCol {
                table: alias.to_string(),
                db: v.db.clone(),
                org_table: v.name.clone(),
                name: name.clone(),
                ty,
                nullable: true,
                denied: None,
                hidden: false,
            });
            items.push(x);
        }
        mark_unreadable_by(invoker, &mut cols, &v.db, &v.name);
        let mut scope = table_scope(&uv.table, BASE);
        scope.cols.extend(cols);
        Ok((scope, items))
    }

    /// `base row ++ view row`.
    fn view_row(&self, items: &[Expr], base: Vec<Value>) -> SqlResult<Vec<Value>> {
        let mut row = base;
        let n = row.len();
        for x in items {
            let v = x.eval(&row[..n], &self.cx)?;
            row.push(v);
        }
        Ok(row)
    }

    /// The base rows a view statement touches, as `(pk, base row ++ view row)`: the view's
    /// WHERE and the statement's, in ORDER BY order, LIMIT applied.
    fn view_rows_for_write(
        &mut self,
        uv: &UpdatableView,
        scope: &Scope,
        items: &[Expr],
        selection: Option<&ast::Expr>,
        order_by: &[ast::OrderByExpr],
        limit: Option<&ast::Expr>,
    ) -> SqlResult<Vec<(Vec<u8>, Vec<Value>)>> {
        let t = uv.table.clone();
        let n = t.columns.len();
        let base_scope = table_scope(&t, &uv.alias);
        let view_filter = self.bind_where(&base_scope, uv.selection.as_ref())?;
        let corr_before = self.corr.len();
        let user_filter = self.bind_where(scope, selection)?;
        // Without correlated subqueries the statement's WHERE reads the view's columns
        // as their expressions over the base row, so it can choose the access path.
        let (base_filter, post_filter) = match user_filter {
            Some(mut f) if self.corr.len() == corr_before => {
                f.walk_mut(&mut |e| {
                    if let Expr::Col(i) = e {
                        if *i >= n {
                            *e = items[*i - n].clone();
                        }
                    }
                });
                let f = match view_filter {
                    Some(w) => Expr::And(Box::new(w), Box::new(f)),
                    None => f,
                };
                (Some(f), None)
            }
            other => (view_filter, other),
        };
        let mut conj = Vec::new();
        if let Some(f) = &base_filter {
            conjuncts(f, &mut conj);
        }
        let path = choose_path(&t, 0, &conj, self.use_invisible_indexes());
        let limit = match limit {
            Some(e) => match self.const_expr(e)? {
                Value::Int(i) if i >= 0 => Some(i as usize),
                Value::UInt(u) => Some(u as usize),
                _ => return Err(SqlError::new(1210, "Incorrect arguments to LIMIT")),
            },
            None => None,
        };
        let stop_after = limit.filter(|_| order_by.is_empty() && post_filter.is_none());
        // The view's correlated subqueries are not read by the base filter.
        let saved = std::mem::take(&mut self.corr);
        let read = self.locking_read(
            &t,
            &path,
            base_filter.as_ref(),
            Mode::Exclusive,
            stop_after,
            &mut Vec::new(),
        );
        self.corr = saved;
        let mut rows = Vec::new();
        for (pk, base) in read? {
            let row = self.view_row(items, base)?;
            if post_filter.is_none() || self.filter_keeps(post_filter.as_ref(), &row)? {
                self.cx.mem.charge_row(&row)?;
                rows.push((pk, row));
            }
        }
        self.order_and_limit(scope, rows, order_by, limit)
    }

    /// The base column view column `at` of a view statement's scope writes, or 1348 for
    /// a column that is an expression.
    fn view_base_column(scope: &Scope, items: &[Expr], n: usize, at: usize) -> SqlResult<usize> {
        match at.checked_sub(n).and_then(|i| items.get(i)) {
            Some(Expr::Col(j)) if *j < n => Ok(*j),
            _ => Err(SqlError::new(
                1348,
                format!("Column '{}' is not updatable", scope.cols[at].name),
            )),
        }
    }

    /// UPDATE of view `v` (see the module docs).
    pub(super) fn update_view(&mut self, u: &ast::Update, v: &ViewDef) -> SqlResult<DmlResult> {
        let (uv, sec) = self.view_target(v, "UPDATE")?;
        let alias = match &u.table.relation {
            ast::TableFactor::Table { alias: Some(a), .. } => a.name.value.clone(),
            _ => v.name.clone(),
        };
        let t = uv.table.clone();
        let invoker = self.security.clone();
        self.enter_table(&t)?;
        let r = self.with_security(sec, |ex| {
            ex.security.table(privs::UPDATE, "UPDATE", &t.db, &t.name)?;
            ex.update_view_rows(u, v, &uv, &alias, &invoker)
        });
        self.leave_table();
        r.map_err(|e| definer_lacks(e, v))
    }

    fn update_view_rows(
        &mut self,
        u: &ast::Update,
        v: &ViewDef,
        uv: &UpdatableView,
        alias: &str,
        invoker: &Security,
    ) -> SqlResult<DmlResult> {
        let t = uv.table.clone();
        let n = t.columns.len();
        let (scope, items) = self.view_scope(uv, v, alias, invoker)?;
        let mut exprs: Vec<&ast::Expr> = u.assignments.iter().map(|a| &a.value).collect();
        exprs.extend(u.selection.as_ref());
        self.check_target_not_in_subquery(&[(t.db.clone(), t.name.clone())], &exprs)?;
        let rows = self.view_rows_for_write(
            uv,
            &scope,
            &items,
            u.selection.as_ref(),
            &u.order_by,
            u.limit.as_ref(),
        )?;
        let mut sets: Vec<(usize, usize, Expr)> = Vec::new();
        for a in &u.assignments {
            let parts: Vec<String> = match &a.target {
                ast::AssignmentTarget::ColumnName(c) => {
                    c.0.iter()
                        .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                        .collect()
                }
                ast::AssignmentTarget::Tuple(_) => {
                    return Err(SqlError::new(1064, "tuple assignment is not MySQL syntax"))
                }
            };
            let at = scope.resolve_target(&parts, "field list")?;
            let j = Self::view_base_column(&scope, &items, n, at)?;
            if self.generated_assignment(&t, j, a)? {
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
            sets.push((at, j, x));
        }
        let triggers = self.catalog.has_triggers(&t.db, &t.name);
        let strict = self.session.strict();
        let correlated = !self.corr.is_empty();
        let matched = rows.len() as u64;
        let mut changed = 0u64;
        for (k, (pk, mut row)) in rows.into_iter().enumerate() {
            self.cx.check()?;
            let old = row[..n].to_vec();
            let mut assigned = vec![false; n];
            if correlated {
                self.eval_correlated(&row)?;
            }
            let mut set = || -> SqlResult<()> {
                for (at, j, x) in &sets {
                    let val = x.eval(&row, &self.cx)?;
                    let val = self.store_value(&t, *j, val, k as u64 + 1, strict, true)?;
                    row[*j] = val.clone();
                    row[*at] = val;
                    assigned[*j] = true;
                }
                Ok(())
            };
            let done = set();
            self.cx.corr_values.borrow_mut().take();
            done?;
            let mut new = row[..n].to_vec();
            if triggers {
                self.fire_triggers(&t, "BEFORE", "UPDATE", Some(&old), Some(&mut new))?;
            }
            self.fill_generated(&t, &mut new, k as u64 + 1, strict, true)?;
            if !rows_equal(&t, &old, &new) {
                self.touch_on_update(&t, &mut new, &assigned);
                self.change_row(&t, &pk, &old, &new)?;
                changed += 1;
            }
            if triggers {
                self.fire_triggers(&t, "AFTER", "UPDATE", Some(&old), Some(&mut new))?;
            }
        }
        let warnings = self.cx.warnings.borrow().len();
        Ok(DmlResult {
            affected: changed,
            last_insert_id: None,
            info: format!("Rows matched: {matched}  Changed: {changed}  Warnings: {warnings}"),
        })
    }

    /// DELETE from view `v` (see the module docs).
    pub(super) fn delete_view(
        &mut self,
        d: &ast::Delete,
        v: &ViewDef,
        alias: Option<String>,
    ) -> SqlResult<DmlResult> {
        let (uv, sec) = self.view_target(v, "DELETE")?;
        let alias = alias.unwrap_or_else(|| v.name.clone());
        let t = uv.table.clone();
        let invoker = self.security.clone();
        self.enter_table(&t)?;
        let r = self.with_security(sec, |ex| {
            ex.security.table(privs::DELETE, "DELETE", &t.db, &t.name)?;
            let (scope, items) = ex.view_scope(&uv, v, &alias, &invoker)?;
            let exprs: Vec<&ast::Expr> = d.selection.iter().collect();
            ex.check_target_not_in_subquery(&[(t.db.clone(), t.name.clone())], &exprs)?;
            let rows = ex.view_rows_for_write(
                &uv,
                &scope,
                &items,
                d.selection.as_ref(),
                &d.order_by,
                d.limit.as_ref(),
            )?;
            let triggers = ex.catalog.has_triggers(&t.db, &t.name);
            let n = rows.len() as u64;
            for (pk, row) in rows {
                let old = &row[..t.columns.len()];
                if triggers {
                    ex.fire_triggers(&t, "BEFORE", "DELETE", Some(old), None)?;
                }
                ex.remove_row(&t, &pk, old)?;
                if triggers {
                    ex.fire_triggers(&t, "AFTER", "DELETE", Some(old), None)?;
                }
            }
            Ok(DmlResult {
                affected: n,
                last_insert_id: None,
                info: String::new(),
            })
        });
        self.leave_table();
        r.map_err(|e| definer_lacks(e, v))
    }

    /// INSERT into view `v`: the same INSERT into its base table, the view's columns
    /// named as the base columns they are.
    pub(super) fn insert_view(&mut self, ins: &ast::Insert, v: &ViewDef) -> SqlResult<DmlResult> {
        let (uv, sec) = self.view_target(v, "INSERT")?;
        let base_col = |name: &str| -> SqlResult<ast::Ident> {
            let Some((_, e)) = uv
                .columns
                .iter()
                .find(|(c, _)| c.eq_ignore_ascii_case(name))
            else {
                return Err(SqlError::new(
                    1054,
                    format!("Unknown column '{name}' in 'field list'"),
                ));
            };
            let col = match e {
                ast::Expr::Identifier(i) => Some(i.value.clone()),
                ast::Expr::CompoundIdentifier(p) => p.last().map(|i| i.value.clone()),
                _ => None,
            };
            match col.filter(|c| uv.table.column(c).is_some()) {
                Some(c) => Ok(ast::Ident::new(c)),
                None => Err(SqlError::new(
                    1471,
                    format!(
                        "The target table {} of the INSERT is not insertable-into",
                        v.name
                    ),
                )),
            }
        };
        let mut base = ins.clone();
        base.table = ast::TableObject::TableName(ast::ObjectName::from(vec![
            ast::Ident::new(&uv.table.db),
            ast::Ident::new(&uv.table.name),
        ]));
        if ins.assignments.is_empty() {
            let names: Vec<String> = if ins.columns.is_empty() {
                uv.columns.iter().map(|(c, _)| c.clone()).collect()
            } else {
                ins.columns
                    .iter()
                    .map(|c| c.to_string().trim_matches('`').to_string())
                    .collect()
            };
            base.columns = names
                .iter()
                .map(|c| base_col(c).map(|i| ast::ObjectName::from(vec![i])))
                .collect::<SqlResult<_>>()?;
        } else {
            for a in &mut base.assignments {
                if let ast::AssignmentTarget::ColumnName(c) = &a.target {
                    let name = c.to_string();
                    let name = name
                        .rsplit('.')
                        .next()
                        .unwrap_or_default()
                        .trim_matches('`');
                    a.target =
                        ast::AssignmentTarget::ColumnName(ast::ObjectName::from(vec![base_col(
                            name,
                        )?]));
                }
            }
        }
        self.with_security(sec, |ex| ex.insert(&base))
            .map_err(|e| match e.code {
                // A base column the view leaves out and that has no default.
                1364 => SqlError::new(
                    1423,
                    format!(
                        "Field of view '{}.{}' underlying table doesn't have a default value",
                        v.db, v.name
                    ),
                ),
                _ => definer_lacks(e, v),
            })
    }
}

/// A view's definer (or invoker) lacking a privilege on the base table is 1356, as MySQL
/// reports it.
fn definer_lacks(e: SqlError, v: &ViewDef) -> SqlError {
    if e.code == 1142 {
        SqlError::new(
            1356,
            format!(
                "View '{}.{}' references invalid table(s) or column(s) or function(s) or definer/invoker of view lack rights to use them",
                v.db, v.name
            ),
        )
    } else {
        e
    }
}
