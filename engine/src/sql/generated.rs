//! Generated columns as MySQL 8.0 keeps them (WL#411).
//!
//! 1. `col type [GENERATED ALWAYS] AS (expr) [VIRTUAL | STORED]` in CREATE TABLE and
//!    ALTER TABLE ADD / MODIFY / CHANGE: `ddl::column_def` keeps the expression as MySQL
//!    prints it ([`super::check::clause_text`]), which SHOW CREATE TABLE
//!    (`GENERATED ALWAYS AS ((`a` + 1)) VIRTUAL`), SHOW COLUMNS (EXTRA `VIRTUAL GENERATED`
//!    / `STORED GENERATED`) and information_schema.COLUMNS (GENERATION_EXPRESSION) show.
//!    DEFAULT, AUTO_INCREMENT or ON UPDATE on one is a syntax error (1064), as in MySQL's
//!    grammar.
//! 2. [`Exec::validate_generated`] refuses what MySQL refuses: 3102 a non-deterministic or
//!    stored function, a subquery, a variable, an aggregate or window function; 1054 an
//!    unknown column; 3107 a generated column defined after this one; 3109 the
//!    AUTO_INCREMENT column; 3106 a VIRTUAL column in the primary key.
//! 3. Every row INSERT, REPLACE, INSERT ... SELECT, ON DUPLICATE KEY UPDATE, UPDATE (one
//!    table, several, through a view), a foreign key's cascade and a copying ALTER TABLE
//!    write gets its generated columns computed in column order ([`Exec::fill_generated`]),
//!    after BEFORE triggers and before CHECK constraints and unique keys, and stored under
//!    the column's type as a value given for it would be (an error in strict mode, a
//!    warning otherwise). A value given for one, other than DEFAULT, is 3105 in strict
//!    mode; outside it, warning 3105 and the value is ignored, as MariaDB does (its
//!    mysqldump writes generated values into INSERTs; see `Exec::generated_value_given`).
//! 4. VIRTUAL columns are computed when the row is written and kept in it, like STORED
//!    ones: a read, an index and the binlog's row images see the value MySQL computes when
//!    it reads the row (the expression reads nothing but the row). What differs is space,
//!    and that ALTER TABLE ADD of a VIRTUAL column rewrites the table.
//! 5. DROP COLUMN or RENAME COLUMN of a column a generated column reads is 3108.

use std::ops::ControlFlow;

use sqlparser::ast;

use super::catalog::TableDef;
use super::check::{calls_stored, fn_name, parse_clause, row_scope, DISALLOWED};
use super::error::{SqlError, SqlResult};
use super::exec::Exec;
use super::expr::{Binder, Expr};
use crate::value::Value;

/// 3105: a value other than DEFAULT given for generated column `i` of `t`.
pub fn value_not_allowed(t: &TableDef, i: usize) -> SqlError {
    SqlError::new(
        3105,
        format!(
            "The value specified for generated column '{}' in table '{}' is not allowed.",
            t.columns[i].name, t.name
        ),
    )
}

/// 3108 when a generated column of `t` other than `col` itself reads column `col`.
pub fn refuse_dependency(t: &TableDef, col: &str) -> SqlResult<()> {
    for c in &t.columns {
        let Some(g) = &c.generated else { continue };
        if c.name.eq_ignore_ascii_case(col) {
            continue;
        }
        if super::check::clause_columns(&g.expr)
            .iter()
            .any(|x| x.eq_ignore_ascii_case(col))
        {
            return Err(SqlError::new(
                3108,
                format!("Column '{col}' has a generated column dependency."),
            ));
        }
    }
    Ok(())
}

/// What makes the expression of generated column `i` unacceptable, found by walking it.
fn refusal(
    t: &TableDef,
    i: usize,
    e: &ast::Expr,
    is_stored_fn: &dyn Fn(&ast::Function) -> bool,
) -> Option<SqlError> {
    let name = &t.columns[i].name;
    let disallowed = || {
        SqlError::new(
            3102,
            format!("Expression of generated column '{name}' contains a disallowed function."),
        )
    };
    let mut err: Option<SqlError> = None;
    let _ = ast::visit_expressions(e, |x: &ast::Expr| {
        let found = match x {
            ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_) => {
                let col = match x {
                    ast::Expr::Identifier(id) => id.value.clone(),
                    ast::Expr::CompoundIdentifier(p) => {
                        p.last().map(|id| id.value.clone()).unwrap_or_default()
                    }
                    _ => String::new(),
                };
                if col.starts_with('@') {
                    Some(disallowed())
                } else {
                    match t.column(&col) {
                        None => Some(SqlError::new(
                            1054,
                            format!("Unknown column '{col}' in 'generated column function'"),
                        )),
                        Some(j) if t.columns[j].generated.is_some() && j >= i => {
                            Some(SqlError::new(
                                3107,
                                "Generated column can refer only to generated columns defined prior to it.",
                            ))
                        }
                        Some(j) if t.columns[j].auto_increment => Some(SqlError::new(
                            3109,
                            format!("Generated column '{name}' cannot refer to auto-increment column."),
                        )),
                        Some(_) => None,
                    }
                }
            }
            ast::Expr::Subquery(_) | ast::Expr::Exists { .. } | ast::Expr::InSubquery { .. } => {
                Some(disallowed())
            }
            ast::Expr::Function(f)
                if DISALLOWED.contains(&fn_name(f).as_str())
                    || f.over.is_some()
                    || is_stored_fn(f) =>
            {
                Some(disallowed())
            }
            _ => None,
        };
        match found {
            Some(e) => {
                err = Some(e);
                ControlFlow::Break(())
            }
            None => ControlFlow::Continue(()),
        }
    });
    err
}

impl Exec<'_> {
    /// Refuses generated columns of `t` (its columns and keys final) that MySQL refuses.
    pub(crate) fn validate_generated(&mut self, t: &TableDef) -> SqlResult<()> {
        for (i, c) in t.columns.iter().enumerate() {
            let Some(g) = &c.generated else { continue };
            let e = parse_clause(&g.expr)?;
            let catalog = self.catalog.clone();
            let stored_fn = |f: &ast::Function| calls_stored(&catalog, &t.db, f);
            if let Some(err) = refusal(t, i, &e, &stored_fn) {
                return Err(err);
            }
            if !g.stored && t.primary.iter().any(|p| p.column == i) {
                return Err(SqlError::new(
                    3106,
                    "'Defining a virtual generated column as primary key' is not supported for generated columns.",
                ));
            }
            // Binding finds what the walk does not (unknown functions, bad arguments).
            let scope = row_scope(t);
            Binder {
                scope: &scope,
                env: self,
                aggs: None,
                agg_base: 0,
                clause: "generated column function",
            }
            .bind(&e)?;
        }
        Ok(())
    }

    /// The generated columns of `t` with their expressions bound to its row layout
    /// (cached per statement).
    fn bound_generated(&mut self, t: &TableDef) -> SqlResult<std::rc::Rc<Vec<(usize, Expr)>>> {
        let mut key = format!("{}\0{}", t.db, t.name);
        for c in &t.columns {
            key.push('\0');
            key.push_str(&c.name);
            if let Some(g) = &c.generated {
                key.push('\u{1}');
                key.push_str(&g.expr);
            }
        }
        if let Some(b) = self.generated.get(&key) {
            return Ok(b.clone());
        }
        let scope = row_scope(t);
        let mut bound = Vec::new();
        for (i, c) in t.columns.iter().enumerate() {
            let Some(g) = &c.generated else { continue };
            let e = parse_clause(&g.expr)?;
            let (x, _) = Binder {
                scope: &scope,
                env: self,
                aggs: None,
                agg_base: 0,
                clause: "generated column function",
            }
            .bind(&e)?;
            bound.push((i, x));
        }
        let b = std::rc::Rc::new(bound);
        self.generated.insert(key, b.clone());
        Ok(b)
    }

    /// Computes the generated columns of `row` (a row of `t`), in column order: a later
    /// one reads the earlier ones' new values. `row_no` and `multi` as for a value given.
    pub(crate) fn fill_generated(
        &mut self,
        t: &TableDef,
        row: &mut [Value],
        row_no: u64,
        strict: bool,
        multi: bool,
    ) -> SqlResult<()> {
        if !t.has_generated() {
            return Ok(());
        }
        let bound = self.bound_generated(t)?;
        for (i, x) in bound.iter() {
            let v = x.eval(row, &self.cx)?;
            row[*i] = self.store_value(t, *i, v, row_no, strict, multi)?;
        }
        Ok(())
    }
}
