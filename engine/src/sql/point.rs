//! Point reads of prepared statements.
//!
//! `SELECT <columns> FROM <table> WHERE <primary key> = ?` — sysbench's point select,
//! and an ORM's find-by-id — is planned once, at COM_STMT_PREPARE, into a
//! [`PointGet`]; each COM_STMT_EXECUTE then encodes its parameter as the primary key,
//! reads that one row and decodes the wanted columns, instead of substituting the
//! parameter into a copy of the statement and binding and planning it again (which
//! cost several times the read itself). TiDB's PointGet plan and MySQL's `const`
//! access are the same idea.
//!
//! The plan holds the table definition it was made from and the catalog version:
//! an execution under another catalog version or current database (for an unqualified
//! name), or with a value that is not an exact key of the column (NULL, a string, out
//! of range), takes the general path, which gives the statement its usual meaning.

use std::sync::Arc;

use sqlparser::ast;

use super::catalog::TableDef;
use super::ddl::key_part;
use super::error::SqlResult;
use super::exec::{
    encode_part, is_plain_table_name, projection_text, Exec, OutColumn, Picks, RowSet,
};
use crate::value::keycode::KeyPart;
use crate::value::{SqlType, Value};

/// A planned point read (see the module docs).
pub(crate) struct PointGet {
    /// Catalog version the plan was made under.
    version: u64,
    /// The current database the table name was resolved in (None: the name has one).
    resolved_in: Option<String>,
    table: Arc<TableDef>,
    key: KeyPart,
    types: Vec<SqlType>,
    defaults: Vec<Value>,
    /// The result's stored columns.
    picks: Picks,
    /// The result columns, as COM_STMT_PREPARE described them.
    columns: Vec<OutColumn>,
}

impl PointGet {
    /// The plan for `q` if it is a point read of one integer primary key, resolved
    /// against `ex`'s catalog; `columns` are its described result columns.
    pub(crate) fn plan(ex: &Exec, q: &ast::Query, columns: &[OutColumn]) -> Option<PointGet> {
        let ast::SetExpr::Select(s) = q.body.as_ref() else {
            return None;
        };
        let [from] = s.from.as_slice() else {
            return None;
        };
        let ast::TableFactor::Table { name, .. } = &from.relation else {
            return None;
        };
        let mut names = Vec::with_capacity(s.projection.len());
        for item in &s.projection {
            let ast::SelectItem::UnnamedExpr(ast::Expr::Identifier(id)) = item else {
                return None;
            };
            names.push(id.value.as_str());
        }
        let where_col = match s.selection.as_ref()? {
            ast::Expr::BinaryOp {
                left,
                op: ast::BinaryOperator::Eq,
                right,
            } => match (left.as_ref(), right.as_ref()) {
                (ast::Expr::Identifier(c), p) | (p, ast::Expr::Identifier(c))
                    if is_placeholder(p) =>
                {
                    c.value.as_str()
                }
                _ => return None,
            },
            _ => return None,
        };
        // The rendered query has every clause it holds: it is exactly this and nothing
        // more (no DISTINCT, joins, grouping, ORDER BY, LIMIT, locking clause, ...).
        let table = name.to_string();
        let shape = format!(
            "SELECT {} FROM {table} WHERE {}",
            projection_text(s),
            s.selection.as_ref()?
        );
        if q.to_string() != shape || !is_plain_table_name(&table) {
            return None;
        }
        if ex.view(name).is_some() || ex.may_read(name).is_err() {
            return None;
        }
        let t = ex.table(name).ok()?;
        let [pk] = t.primary.as_slice() else {
            return None;
        };
        let pk_col = t.column(where_col)?;
        if pk.column != pk_col || !matches!(t.columns[pk_col].ty, SqlType::Int { .. }) {
            return None;
        }
        let picks = Picks::by_name(&t, names)?;
        if picks.len() != columns.len() {
            return None;
        }
        Some(PointGet {
            version: ex.catalog.version,
            resolved_in: match name.0.len() {
                1 => Some(t.db.clone()),
                _ => None,
            },
            key: key_part(&t, pk),
            types: t.types(),
            defaults: t.defaults(),
            picks,
            columns: columns.to_vec(),
            table: t,
        })
    }
}

fn is_placeholder(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Value(v) if matches!(v.value, ast::Value::Placeholder(_)))
}

impl Exec<'_> {
    /// Runs `plan` with its parameter `v`: the result, or None when the plan does not
    /// apply (catalog changed, `v` not an exact key) and the general path must run.
    pub(crate) fn point_get(&mut self, plan: &PointGet, v: &Value) -> SqlResult<Option<RowSet>> {
        if self.catalog.version != plan.version || !matches!(v, Value::Int(_) | Value::UInt(_)) {
            return Ok(None);
        }
        if let Some(db) = &plan.resolved_in {
            if self.session.current_db().as_deref() != Some(db.as_str()) {
                return Ok(None);
            }
        }
        let mut key = Vec::with_capacity(9);
        if encode_part(&mut key, v, &plan.key).is_none() {
            return Ok(None);
        }
        let mut rows = Vec::new();
        if let Some(bytes) = self.reader.get(plan.table.tree, &key)? {
            rows.push(plan.picks.decode(&bytes, &plan.types, &plan.defaults)?);
        }
        Ok(Some(RowSet {
            columns: plan.columns.clone(),
            rows,
        }))
    }
}
