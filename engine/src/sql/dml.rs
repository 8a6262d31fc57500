//! DML: INSERT (IGNORE, REPLACE, ON DUPLICATE KEY UPDATE), UPDATE and DELETE.
//! Every row change also maintains the table's secondary indexes; a failed
//! statement is undone by the session (statement savepoint). UPDATE and DELETE of
//! several tables (a join) live in [`multi`]. WHERE and SET may hold correlated
//! subqueries (computed per row); a subquery that reads the table being changed is
//! 1093, as in MySQL. Writes through an updatable view live in [`view`].

mod join_lock;
mod multi;
mod view;

pub(crate) use join_lock::JoinReads;

use std::ops::Bound;

use sqlparser::ast;

use super::catalog::{privs, ColumnDefault, TableDef};
use super::ddl::{duplicate_entry, encode, implicit_default, index_entry, primary_key};
use super::error::{SqlError, SqlResult};
use super::exec::{choose_path, conjuncts, decode, locate, Exec, Locate, Path};
use super::expr::{truth, Binder, Expr, Scope, ScopeCol};
use crate::storage::rowlock::{Mode, OnBusy};
use crate::value::keycode::{decode_key, KeyPart};
use crate::value::{coerce_for_column_at, sort_cmp, Value, Warning};

/// What a DML statement reports.
#[derive(Debug, Default)]
pub struct DmlResult {
    pub affected: u64,
    pub last_insert_id: Option<u64>,
    pub info: String,
}

fn table_scope(t: &TableDef, alias: &str) -> Scope {
    Scope {
        cols: t
            .columns
            .iter()
            .map(|c| ScopeCol {
                table: alias.to_string(),
                db: t.db.clone(),
                org_table: t.name.clone(),
                name: c.name.clone(),
                ty: Some(c.ty.clone()),
                nullable: c.nullable,
                denied: None,
                hidden: c.invisible,
            })
            .collect(),
    }
}

/// Rewrites `VALUES(col)` (and `alias.col` for `AS alias`) into a reference to the
/// row being inserted, which sits after the table's columns in the scope.
fn rewrite_values(e: &ast::Expr, alias: Option<&str>) -> ast::Expr {
    use ast::Expr as A;
    let rec = |x: &ast::Expr| Box::new(rewrite_values(x, alias));
    match e {
        A::Function(f) if f.name.to_string().eq_ignore_ascii_case("VALUES") => {
            if let ast::FunctionArguments::List(l) = &f.args {
                if let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(A::Identifier(
                    i,
                )))) = l.args.first()
                {
                    return A::CompoundIdentifier(vec![ast::Ident::new("__new__"), i.clone()]);
                }
            }
            e.clone()
        }
        A::CompoundIdentifier(p) if p.len() == 2 && alias.is_some_and(|a| p[0].value == a) => {
            A::CompoundIdentifier(vec![ast::Ident::new("__new__"), p[1].clone()])
        }
        A::BinaryOp { left, op, right } => A::BinaryOp {
            left: rec(left),
            op: op.clone(),
            right: rec(right),
        },
        A::UnaryOp { op, expr } => A::UnaryOp {
            op: *op,
            expr: rec(expr),
        },
        A::Nested(x) => A::Nested(rec(x)),
        A::Function(f) => {
            let mut f = f.clone();
            if let ast::FunctionArguments::List(l) = &mut f.args {
                for a in &mut l.args {
                    if let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) = a {
                        *x = rewrite_values(x, alias);
                    }
                }
            }
            A::Function(f)
        }
        other => other.clone(),
    }
}

fn assignment_column(t: &TableDef, a: &ast::Assignment) -> SqlResult<usize> {
    let name = match &a.target {
        ast::AssignmentTarget::ColumnName(n) => {
            n.0.last()
                .and_then(|p| p.as_ident())
                .map(|i| i.value.clone())
                .unwrap_or_default()
        }
        ast::AssignmentTarget::Tuple(_) => {
            return Err(SqlError::new(1064, "tuple assignment is not MySQL syntax"))
        }
    };
    t.column(&name)
        .ok_or_else(|| SqlError::new(1054, format!("Unknown column '{name}' in 'field list'")))
}

fn is_default_kw(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(i) if i.value.eq_ignore_ascii_case("DEFAULT") && i.quote_style.is_none())
}

impl Exec<'_> {
    /// Whether assignment `a` to column `i` of `t` assigns nothing because `i` is
    /// generated (computed after every assignment): `= DEFAULT`, or any value outside
    /// strict mode (see [`Self::generated_value_given`]).
    pub(crate) fn generated_assignment(
        &mut self,
        t: &TableDef,
        i: usize,
        a: &ast::Assignment,
    ) -> SqlResult<bool> {
        if t.columns[i].generated.is_none() {
            return Ok(false);
        }
        if !is_default_kw(&a.value) {
            self.generated_value_given(t, i)?;
        }
        Ok(true)
    }

    /// A value other than DEFAULT given for generated column `i` of `t`: 3105 in strict
    /// mode, as in MySQL; otherwise warning 3105 and the value is ignored, as MariaDB
    /// does, so that a dump whose INSERTs carry the generated values (MariaDB's
    /// mysqldump writes them, under `SQL_MODE='NO_AUTO_VALUE_ON_ZERO'`) loads.
    pub(crate) fn generated_value_given(&mut self, t: &TableDef, i: usize) -> SqlResult<()> {
        if self.session.strict() {
            return Err(super::generated::value_not_allowed(t, i));
        }
        self.cx.warn(Warning::warn(
            3105,
            format!(
                "The value specified for generated column '{}' in table '{}' has been ignored.",
                t.columns[i].name, t.name
            ),
        ));
        Ok(())
    }

    /// The next AUTO_INCREMENT value for `t` (reserving `n` values).
    fn next_autoinc(&mut self, t: &TableDef, col: usize) -> SqlResult<u64> {
        let start = self.autoinc_start(t, col)?;
        // Take the value and advance the counter under one lock: concurrent inserts
        // never get the same value.
        let c = self.shared_counters().0;
        let mut m = c.lock().unwrap_or_else(|e| e.into_inner());
        let next = m.entry(t.tree).or_insert(start);
        let v = (*next).max(start);
        *next = v + 1;
        Ok(v)
    }

    /// Where the counter of `t` starts if it has none yet (after a restart or DDL): past
    /// the largest stored value. Zero when the counter exists.
    fn autoinc_start(&self, t: &TableDef, col: usize) -> SqlResult<u64> {
        let known = self
            .shared_counters()
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&t.tree);
        if known {
            return Ok(0);
        }
        let max = self.max_column_value(t, col)?;
        Ok(max.map_or(t.auto_increment_start, |m| {
            (m + 1).max(t.auto_increment_start)
        }))
    }

    /// The value the AUTO_INCREMENT counter of `t` gives next (SHOW CREATE TABLE's
    /// `AUTO_INCREMENT=`), or None when `t` has no AUTO_INCREMENT column.
    pub fn auto_increment_next(&self, t: &TableDef) -> SqlResult<Option<u64>> {
        let Some(col) = t.columns.iter().position(|c| c.auto_increment) else {
            return Ok(None);
        };
        let start = self.autoinc_start(t, col)?;
        let c = self.shared_counters().0;
        let m = c.lock().unwrap_or_else(|e| e.into_inner());
        Ok(Some(m.get(&t.tree).copied().unwrap_or(start).max(start)))
    }

    /// An explicit value was stored: the counter moves past it, never back.
    fn shared_autoinc_set(&self, t: &TableDef, col: usize, next: u64) -> SqlResult<()> {
        let start = self.autoinc_start(t, col)?;
        let c = self.shared_counters().0;
        let mut m = c.lock().unwrap_or_else(|e| e.into_inner());
        let e = m.entry(t.tree).or_insert(start);
        *e = (*e).max(start).max(next);
        Ok(())
    }

    /// Largest value of integer column `col` (by the primary key when it leads it).
    fn max_column_value(&self, t: &TableDef, col: usize) -> SqlResult<Option<u64>> {
        let as_u64 = |v: &Value| match v {
            Value::Int(i) => Some((*i).max(0) as u64),
            Value::UInt(u) => Some(*u),
            other => other.to_f64().map(|f| f.max(0.0) as u64),
        };
        if t.primary.first().is_some_and(|p| p.column == col) {
            let mut it = self
                .reader
                .range(t.tree, Bound::Unbounded, Bound::Unbounded, true)?;
            if let Some(kv) = it.next() {
                let (k, _) = kv?;
                let part = KeyPart {
                    ty: t.columns[col].ty.clone(),
                    desc: false,
                    prefix_chars: None,
                };
                let vals = decode_key(&k, std::slice::from_ref(&part))?;
                return Ok(vals.into_iter().next().flatten().as_ref().and_then(as_u64));
            }
            return Ok(None);
        }
        let mut max = None;
        self.scan(t, &Path::Full, &[], false, &mut |_, r| {
            if let Some(v) = as_u64(&r[col]) {
                max = Some(max.map_or(v, |m: u64| m.max(v)));
            }
            Ok(true)
        })?;
        Ok(max)
    }

    fn next_rowid(&mut self, t: &TableDef) -> SqlResult<u64> {
        let c = self.shared_counters().1;
        let cur = c
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&t.tree)
            .copied();
        let next = match cur {
            Some(n) => n,
            None => {
                let mut it = self
                    .reader
                    .range(t.tree, Bound::Unbounded, Bound::Unbounded, true)?;
                match it.next() {
                    Some(kv) => {
                        let (k, _) = kv?;
                        u64::from_be_bytes(k.as_ref().try_into().unwrap_or([0; 8])) + 1
                    }
                    None => 1,
                }
            }
        };
        let mut m = c.lock().unwrap_or_else(|e| e.into_inner());
        let e = m.entry(t.tree).or_insert(next);
        let id = (*e).max(next);
        *e = id + 1;
        Ok(id)
    }

    fn pk_of(&mut self, t: &TableDef, row: &[Value]) -> SqlResult<Vec<u8>> {
        if t.primary.is_empty() {
            Ok(self.next_rowid(t)?.to_be_bytes().to_vec())
        } else {
            primary_key(t, row)
        }
    }

    /// Makes the transaction fail (retryably) if `t`'s definition changes
    /// before it commits: a concurrent ALTER/DROP must not miss our rows.
    fn watch_table(&mut self, t: &TableDef) -> SqlResult<()> {
        let key = super::catalog::table_key(&t.db, &t.name);
        self.reader
            .tx()?
            .watch_key(super::catalog::CATALOG_TREE, &key);
        Ok(())
    }

    /// Writes a new row and its index entries (no duplicate checks), then checks its
    /// foreign keys (see [`super::fk`]).
    fn put_row(&mut self, t: &TableDef, pk: &[u8], row: &[Value]) -> SqlResult<()> {
        self.put_row_raw(t, pk, row)?;
        self.fk_check_parents(t, None, row)
    }

    /// Removes a row and its index entries, then refuses or cascades to the rows that
    /// reference it (see [`super::fk`]).
    fn remove_row(&mut self, t: &TableDef, pk: &[u8], row: &[Value]) -> SqlResult<()> {
        self.remove_row_raw(t, pk, row)?;
        self.fk_parent_changed(t, row, None, &[], 0)
    }

    /// Replaces `old` (at `old_pk`) by `new`; checks unique keys and foreign keys, both
    /// those of the row and those that reference it (see [`super::fk`]).
    fn change_row(
        &mut self,
        t: &TableDef,
        old_pk: &[u8],
        old: &[Value],
        new: &[Value],
    ) -> SqlResult<()> {
        self.enforce_checks(t, new)?;
        self.change_row_raw(t, old_pk, old, new)?;
        self.fk_check_parents(t, Some(old), new)?;
        self.fk_parent_changed(t, old, Some(new), &[(t.db.clone(), t.name.clone())], 0)
    }

    /// Writes a new row and its index entries (no duplicate or foreign key checks).
    fn put_row_raw(&mut self, t: &TableDef, pk: &[u8], row: &[Value]) -> SqlResult<()> {
        self.watch_table(t)?;
        let bytes = encode(t, row)?;
        let mut entries = Vec::with_capacity(t.indexes.len());
        for ix in t.indexes.iter().filter(|x| !x.is_fulltext()) {
            entries.push((ix.tree, index_entry(t, ix, row, pk)?));
        }
        let tx = self.reader.tx()?;
        tx.lock_key(t.tree, pk)?;
        tx.put(t.tree, pk, &bytes)?;
        for (tree, (k, v)) in entries {
            tx.lock_key(tree, &k)?;
            tx.put(tree, &k, v.as_deref().unwrap_or(pk))?;
        }
        self.fulltext_change(t, pk, None, Some(row))
    }

    /// Keeps the FULLTEXT indexes of `t` right for row `pk` changing from `old` to
    /// `new` (either absent: an insert or a delete): the words that went are deleted,
    /// the new ones and those whose count changed are written. The entries end with
    /// the primary key, so only this row's lock guards them.
    fn fulltext_change(
        &mut self,
        t: &TableDef,
        pk: &[u8],
        old: Option<&[Value]>,
        new: Option<&[Value]>,
    ) -> SqlResult<()> {
        for ix in t.indexes.iter().filter(|x| x.is_fulltext()) {
            let before = old.map_or_else(Vec::new, |r| super::fulltext::entries(ix, r, pk));
            let after = new.map_or_else(Vec::new, |r| super::fulltext::entries(ix, r, pk));
            let tx = self.reader.tx()?;
            for (k, _) in &before {
                if !after.iter().any(|(a, _)| a == k) {
                    tx.delete(ix.tree, k)?;
                }
            }
            for (k, v) in &after {
                if !before.iter().any(|(b, bv)| b == k && bv == v) {
                    tx.put(ix.tree, k, v)?;
                }
            }
        }
        Ok(())
    }

    /// Removes a row and its index entries (no foreign key actions).
    pub(crate) fn remove_row_raw(
        &mut self,
        t: &TableDef,
        pk: &[u8],
        row: &[Value],
    ) -> SqlResult<()> {
        self.watch_table(t)?;
        let mut keys = Vec::with_capacity(t.indexes.len());
        for ix in t.indexes.iter().filter(|x| !x.is_fulltext()) {
            keys.push((ix.tree, index_entry(t, ix, row, pk)?.0));
        }
        let tx = self.reader.tx()?;
        tx.lock_key(t.tree, pk)?;
        tx.delete(t.tree, pk)?;
        for (tree, k) in keys {
            tx.lock_key(tree, &k)?;
            tx.delete(tree, &k)?;
        }
        self.fulltext_change(t, pk, Some(row), None)
    }

    /// The primary keys of rows that would collide with `row` on a unique key. The keys are
    /// locked and read current, so a concurrent insert of the same key waits for the other
    /// transaction and then sees its row (1062), as in InnoDB.
    fn conflicts(
        &mut self,
        t: &TableDef,
        pk: &[u8],
        row: &[Value],
    ) -> SqlResult<Vec<(Vec<u8>, String)>> {
        let mut out = Vec::new();
        if !t.primary.is_empty() && self.reader.tx()?.lock(t.tree, pk)?.is_some() {
            out.push((pk.to_vec(), duplicate_entry(t, None, row).message));
        }
        for ix in t.indexes.iter().filter(|i| i.unique) {
            let (k, v) = index_entry(t, ix, row, pk)?;
            if v.is_none() {
                continue; // NULLs never collide
            }
            if let Some(other) = self.reader.tx()?.lock(ix.tree, &k)? {
                if &other[..] != pk && !out.iter().any(|(p, _)| p[..] == other[..]) {
                    out.push((other.to_vec(), duplicate_entry(t, Some(ix), row).message));
                }
            }
        }
        Ok(out)
    }

    /// Replaces `old` (at `old_pk`) by `new`; checks unique keys (no foreign keys).
    pub(crate) fn change_row_raw(
        &mut self,
        t: &TableDef,
        old_pk: &[u8],
        old: &[Value],
        new: &[Value],
    ) -> SqlResult<()> {
        let new_pk = if t.primary.is_empty() {
            old_pk.to_vec()
        } else {
            primary_key(t, new)?
        };
        if new_pk != old_pk {
            self.remove_row_raw(t, old_pk, old)?;
            if let Some((_, msg)) = self.conflicts(t, &new_pk, new)?.into_iter().next() {
                return Err(SqlError::new(1062, msg));
            }
            return self.put_row_raw(t, &new_pk, new);
        }
        // Same primary key: rewrite the row, and only the index entries that change (an
        // entry deleted and put back unchanged would still copy its page at commit).
        self.watch_table(t)?;
        let bytes = encode(t, new)?;
        let mut changed = Vec::new();
        for ix in t.indexes.iter().filter(|x| !x.is_fulltext()) {
            let (old_key, old_val) = index_entry(t, ix, old, old_pk)?;
            let (new_key, new_val) = index_entry(t, ix, new, &new_pk)?;
            if old_key == new_key && old_val == new_val {
                continue;
            }
            if ix.unique && new_val.is_some() {
                if let Some(other) = self.reader.tx()?.lock(ix.tree, &new_key)? {
                    if other[..] != new_pk[..] {
                        return Err(duplicate_entry(t, Some(ix), new));
                    }
                }
            }
            changed.push((ix.tree, old_key, new_key, new_val));
        }
        let tx = self.reader.tx()?;
        tx.lock_key(t.tree, &new_pk)?;
        tx.put(t.tree, &new_pk, &bytes)?;
        for (tree, old_key, new_key, new_val) in changed {
            tx.lock_key(tree, &old_key)?;
            tx.delete(tree, &old_key)?;
            tx.lock_key(tree, &new_key)?;
            tx.put(tree, &new_key, new_val.as_deref().unwrap_or(&new_pk))?;
        }
        self.fulltext_change(t, &new_pk, Some(old), Some(new))
    }

    /// Coerces one value into column `i` of `t` for row number `row_no`.
    pub(crate) fn store_value(
        &mut self,
        t: &TableDef,
        i: usize,
        v: Value,
        row_no: u64,
        strict: bool,
        multi: bool,
    ) -> SqlResult<Value> {
        let c = &t.columns[i];
        if v.is_null() {
            if c.nullable
                || c.auto_increment
                || matches!(c.ty, crate::value::SqlType::Timestamp { .. })
                    && c.default == ColumnDefault::CurrentTimestamp
            {
                return Ok(Value::Null);
            }
            if strict || !multi {
                return Err(SqlError::new(
                    1048,
                    format!("Column '{}' cannot be null", c.name),
                ));
            }
            self.cx.warn(Warning::warn(
                1048,
                format!("Column '{}' cannot be null", c.name),
            ));
            return Ok(implicit_default(&c.ty));
        }
        // MySQL names a JSON column with its table in 3140.
        let shown;
        let name = if c.ty == crate::value::SqlType::Json {
            shown = format!("{}.{}", t.name, c.name);
            &shown
        } else {
            &c.name
        };
        let (v, w) = coerce_for_column_at(v, &c.ty, strict, name, row_no)?;
        if let Some(w) = w {
            self.cx.warn(w);
        }
        Ok(v)
    }

    /// The value of column `i` when a row does not give one.
    fn column_default(&mut self, t: &TableDef, i: usize, strict: bool) -> SqlResult<Value> {
        let c = &t.columns[i];
        Ok(match &c.default {
            ColumnDefault::Value(v) => v.clone(),
            ColumnDefault::Null => Value::Null,
            ColumnDefault::CurrentTimestamp => {
                let now = self.cx.now.truncate_fsp(c.ty.fsp());
                Value::DateTime(now)
            }
            ColumnDefault::None | ColumnDefault::Dropped => {
                let dropped = c.default == ColumnDefault::Dropped;
                if c.auto_increment || (c.nullable && !dropped) {
                    Value::Null
                } else if strict {
                    return Err(SqlError::new(
                        1364,
                        format!("Field '{}' doesn't have a default value", c.name),
                    ));
                } else {
                    self.cx.warn(Warning::warn(
                        1364,
                        format!("Field '{}' doesn't have a default value", c.name),
                    ));
                    if c.nullable {
                        Value::Null
                    } else {
                        implicit_default(&c.ty)
                    }
                }
            }
        })
    }

    /// INSERT / REPLACE, with the table's triggers.
    pub fn insert(&mut self, ins: &ast::Insert) -> SqlResult<DmlResult> {
        if let ast::TableObject::TableName(n) = &ins.table {
            if let Some(v) = self.view(n) {
                self.may(privs::INSERT, "INSERT", n)?;
                return self.insert_view(ins, &v);
            }
        }
        let t = match &ins.table {
            ast::TableObject::TableName(n) => self.table(n).ok(),
            _ => None,
        };
        let Some(t) = t else {
            return self.insert_rows(ins);
        };
        self.enter_table(&t)?;
        let r = self.insert_rows(ins);
        self.leave_table();
        r
    }

    fn insert_rows(&mut self, ins: &ast::Insert) -> SqlResult<DmlResult> {
        let name = match &ins.table {
            ast::TableObject::TableName(n) => n.clone(),
            other => {
                return Err(SqlError::new(
                    1235,
                    format!("This version of Borealis doesn't yet support 'INSERT INTO {other}'"),
                ))
            }
        };
        self.may_some(privs::INSERT, "INSERT", &name)?;
        if ins.replace_into {
            self.may(privs::DELETE, "DELETE", &name)?;
        }
        if ins.on.is_some() {
            self.may_some(privs::UPDATE, "UPDATE", &name)?;
        }
        let t = self.table(&name)?;
        let triggers = self.catalog.has_triggers(&t.db, &t.name);
        let strict = self.session.strict();
        // Target columns.
        let mut cols: Vec<usize> = Vec::new();
        let mut rows_ast: Vec<Vec<ast::Expr>> = Vec::new();
        let mut rows_val: Option<Vec<Vec<Value>>> = None;
        if !ins.assignments.is_empty() {
            let mut row = Vec::new();
            for a in &ins.assignments {
                cols.push(assignment_column(&t, a)?);
                row.push(a.value.clone());
            }
            rows_ast.push(row);
        } else {
            if ins.columns.is_empty() {
                cols = t.visible_columns();
            } else {
                for c in &ins.columns {
                    let n = c.to_string();
                    let n = n.trim_matches('`');
                    let i = t.column(n).ok_or_else(|| {
                        SqlError::new(1054, format!("Unknown column '{n}' in 'field list'"))
                    })?;
                    if cols.contains(&i) {
                        return Err(SqlError::new(1110, format!("Column '{n}' specified twice")));
                    }
                    cols.push(i);
                }
            }
            match ins.source.as_deref() {
                Some(q) => match q.body.as_ref() {
                    ast::SetExpr::Values(v) if q.order_by.is_none() && q.limit_clause.is_none() => {
                        rows_ast = v.rows.iter().map(|r| r.content.clone()).collect();
                    }
                    _ => rows_val = Some(self.query(q)?.rows),
                },
                None => rows_ast.push(Vec::new()),
            }
        }
        // Column privileges: INSERT on each column given a value (every column when the
        // statement names none).
        let named: Vec<&str> = cols.iter().map(|&i| t.columns[i].name.as_str()).collect();
        match self.may_columns(privs::INSERT, "INSERT", &t, &named) {
            // No column list: MySQL names the table.
            Err(e) if e.code == 1143 && ins.columns.is_empty() && ins.assignments.is_empty() => {
                self.security
                    .table(privs::INSERT, "INSERT", &t.db, &t.name)?;
                return Err(e);
            }
            r => r?,
        }
        let selected = rows_val.is_some();
        let nrows = rows_val.as_ref().map_or(rows_ast.len(), Vec::len);
        let multi = nrows > 1 || selected;
        let odku: Vec<ast::Assignment> = match &ins.on {
            Some(ast::OnInsert::DuplicateKeyUpdate(a)) => a.clone(),
            Some(_) => return Err(SqlError::new(1064, "ON CONFLICT is not MySQL syntax")),
            None => Vec::new(),
        };
        // Assignments to generated columns are refused (or dropped) before any row.
        let mut kept = Vec::with_capacity(odku.len());
        for a in odku {
            let i = assignment_column(&t, &a)?;
            if !self.generated_assignment(&t, i, &a)? {
                kept.push(a);
            }
        }
        let odku = kept;
        let alias = ins.insert_alias.as_ref().map(|a| a.row_alias.to_string());
        let auto_col = t.auto_increment_column();
        let mut res = DmlResult::default();
        let mut first_auto: Option<u64> = None;
        let mut duplicates = 0u64;
        let mut check_skipped = 0u64;
        let empty = Scope::default();
        for n in 0..nrows {
            let row_no = n as u64 + 1;
            let provided: Vec<Option<Value>> = match &rows_val {
                Some(rows) => {
                    let r = &rows[n];
                    if r.len() != cols.len() {
                        return Err(SqlError::new(
                            1136,
                            format!("Column count doesn't match value count at row {row_no}"),
                        ));
                    }
                    r.iter().cloned().map(Some).collect()
                }
                None => {
                    let r = &rows_ast[n];
                    if r.len() != cols.len()
                        && !(r.is_empty() && ins.columns.is_empty() && ins.assignments.is_empty())
                    {
                        return Err(SqlError::new(
                            1136,
                            format!("Column count doesn't match value count at row {row_no}"),
                        ));
                    }
                    let mut out = Vec::with_capacity(r.len());
                    for (k, e) in r.iter().enumerate() {
                        let numeric = cols.get(k).is_some_and(|&i| t.columns[i].ty.is_numeric());
                        if is_default_kw(e) {
                            out.push(None);
                        } else if let Some(n) =
                            super::expr::hex_literal_number(e).filter(|_| numeric)
                        {
                            // `0x41` into a numeric column is the number 65.
                            out.push(Some(Value::UInt(n)));
                        } else {
                            let (x, _) = Binder {
                                scope: &empty,
                                env: self,
                                aggs: None,
                                agg_base: 0,
                                clause: "field list",
                            }
                            .bind(e)?;
                            out.push(Some(match x {
                                Expr::Lit(v) => v,
                                x => x.eval(&[], &self.cx)?,
                            }));
                        }
                    }
                    out
                }
            };
            let given: Vec<Option<Value>> = if provided.is_empty() {
                vec![None; cols.len()]
            } else {
                provided
            };
            let mut row = vec![Value::Null; t.columns.len()];
            let mut set = vec![false; t.columns.len()];
            for (&i, v) in cols.iter().zip(given) {
                if let Some(v) = v {
                    if t.columns[i].generated.is_some() {
                        self.generated_value_given(&t, i)?;
                        continue;
                    }
                    row[i] = self.store_value(&t, i, v, row_no, strict, multi)?;
                    set[i] = true;
                }
            }
            for i in 0..t.columns.len() {
                if !set[i] && t.columns[i].generated.is_none() {
                    row[i] = self.column_default(&t, i, strict)?;
                }
            }
            if triggers {
                self.fire_triggers(&t, "BEFORE", "INSERT", None, Some(&mut row))?;
            }
            self.fill_generated(&t, &mut row, row_no, strict, multi)?;
            // CHECK constraints before the AUTO_INCREMENT value is taken (they may not
            // name that column): a refused row costs no value, as in MySQL.
            if !self.checks_pass(&t, &row, ins.ignore)? {
                check_skipped += 1;
                continue;
            }
            if let Some(ac) = auto_col {
                let zero = matches!(row[ac], Value::Int(0) | Value::UInt(0));
                if row[ac].is_null() || zero {
                    let id = self.next_autoinc(&t, ac)?;
                    row[ac] = self.store_value(&t, ac, Value::UInt(id), row_no, strict, multi)?;
                    first_auto.get_or_insert(id);
                    self.session.note_autoinc(Some(id));
                } else if let Some(v) = match &row[ac] {
                    Value::Int(i) if *i > 0 => Some(*i as u64),
                    Value::UInt(u) => Some(*u),
                    _ => None,
                } {
                    self.session.note_autoinc(None);
                    self.shared_autoinc_set(&t, ac, v + 1)?;
                }
            }
            // TIMESTAMP NOT NULL given NULL gets the current time, as MySQL.
            for (i, c) in t.columns.iter().enumerate() {
                if row[i].is_null() && !c.nullable {
                    if matches!(c.ty, crate::value::SqlType::Timestamp { .. }) {
                        row[i] = Value::DateTime(self.cx.now.truncate_fsp(c.ty.fsp()));
                    } else if !c.auto_increment {
                        return Err(SqlError::new(
                            1048,
                            format!("Column '{}' cannot be null", c.name),
                        ));
                    }
                }
            }
            let pk = self.pk_of(&t, &row)?;
            let clashes = self.conflicts(&t, &pk, &row)?;
            if clashes.is_empty() {
                if ins.ignore && !t.foreign_keys.is_empty() {
                    // INSERT IGNORE skips a row without its parent, with warning 1452.
                    let sp = self.reader.tx()?.savepoint();
                    match self.put_row(&t, &pk, &row) {
                        Err(e) if e.code == 1452 => {
                            self.reader.tx()?.rollback_to(sp);
                            self.cx.warn(Warning::warn(1452, e.message.clone()));
                            continue;
                        }
                        other => other?,
                    }
                } else {
                    self.put_row(&t, &pk, &row)?;
                }
                res.affected += 1;
                if triggers {
                    self.fire_triggers(&t, "AFTER", "INSERT", None, Some(&mut row))?;
                }
                continue;
            }
            duplicates += 1;
            if ins.replace_into {
                for (other_pk, _) in &clashes {
                    if let Some(old) = self.reader.tx()?.lock(t.tree, other_pk)? {
                        let old = decode(&t, &old)?;
                        if triggers {
                            self.fire_triggers(&t, "BEFORE", "DELETE", Some(&old), None)?;
                        }
                        self.remove_row(&t, other_pk, &old)?;
                        res.affected += 1;
                        if triggers {
                            self.fire_triggers(&t, "AFTER", "DELETE", Some(&old), None)?;
                        }
                    }
                }
                self.put_row(&t, &pk, &row)?;
                res.affected += 1;
                if triggers {
                    self.fire_triggers(&t, "AFTER", "INSERT", None, Some(&mut row))?;
                }
            } else if ins.on.is_some() {
                let (other_pk, _) = &clashes[0];
                let Some(old) = self.reader.tx()?.lock(t.tree, other_pk)? else {
                    continue;
                };
                let old = decode(&t, &old)?;
                let mut scope = table_scope(&t, &t.name);
                let extra = table_scope(&t, "__new__");
                scope.cols.extend(extra.cols);
                let mut new = old.clone();
                let mut assigned = vec![false; t.columns.len()];
                for a in &odku {
                    let i = assignment_column(&t, a)?;
                    let e = rewrite_values(&a.value, alias.as_deref());
                    let (x, _) = Binder {
                        scope: &scope,
                        env: self,
                        aggs: None,
                        agg_base: 0,
                        clause: "field list",
                    }
                    .bind(&e)?;
                    let mut ctx_row = new.clone();
                    ctx_row.extend(row.iter().cloned());
                    let v = x.eval(&ctx_row, &self.cx)?;
                    new[i] = self.store_value(&t, i, v, row_no, strict, multi)?;
                    assigned[i] = true;
                }
                if triggers {
                    self.fire_triggers(&t, "BEFORE", "UPDATE", Some(&old), Some(&mut new))?;
                }
                self.fill_generated(&t, &mut new, row_no, strict, multi)?;
                if rows_equal(&t, &old, &new) {
                    continue;
                }
                self.touch_on_update(&t, &mut new, &assigned);
                if !self.checks_pass(&t, &new, ins.ignore)? {
                    continue;
                }
                self.change_row(&t, other_pk, &old, &new)?;
                res.affected += 2;
                if triggers {
                    self.fire_triggers(&t, "AFTER", "UPDATE", Some(&old), Some(&mut new))?;
                }
            } else if ins.ignore {
                let (_, msg) = &clashes[0];
                self.cx.warn(Warning::warn(1062, msg.clone()));
            } else {
                let (_, msg) = clashes.into_iter().next().unwrap_or_default();
                return Err(SqlError::new(1062, msg));
            }
        }
        if let Some(id) = first_auto {
            self.session.set_last_insert_id(id);
            res.last_insert_id = Some(id);
        }
        if multi {
            let warnings = self.cx.warnings.borrow().len();
            // A row a CHECK constraint refused (IGNORE) is not counted, as in MySQL.
            let records = nrows as u64 - check_skipped;
            res.info =
                format!("Records: {records}  Duplicates: {duplicates}  Warnings: {warnings}");
        }
        Ok(res)
    }

    fn touch_on_update(&self, t: &TableDef, row: &mut [Value], assigned: &[bool]) {
        for (i, c) in t.columns.iter().enumerate() {
            if c.on_update_now && !assigned[i] {
                row[i] = Value::DateTime(self.cx.now.truncate_fsp(c.ty.fsp()));
            }
        }
    }

    /// Finds the rows a single-table UPDATE/DELETE touches, in order, limited.
    fn target_rows(
        &mut self,
        t: &TableDef,
        alias: &str,
        selection: Option<&ast::Expr>,
        order_by: &[ast::OrderByExpr],
        limit: Option<&ast::Expr>,
    ) -> SqlResult<(Scope, Vec<(Vec<u8>, Vec<Value>)>)> {
        let mut scope = table_scope(t, alias);
        // What WHERE, ORDER BY and SET read needs SELECT on it.
        self.mark_unreadable(&mut scope.cols, t);
        let filter = self.bind_where(&scope, selection)?;
        let mut conj = Vec::new();
        if let Some(f) = &filter {
            conjuncts(f, &mut conj);
        }
        let path = choose_path(t, 0, &conj, self.use_invisible_indexes());
        let limit = match limit {
            Some(e) => match self.const_expr(e)? {
                Value::Int(i) if i >= 0 => Some(i as usize),
                Value::UInt(u) => Some(u as usize),
                _ => return Err(SqlError::new(1210, "Incorrect arguments to LIMIT")),
            },
            None => None,
        };
        let stop_after = if order_by.is_empty() { limit } else { None };
        let rows = self.locking_read(
            t,
            &path,
            filter.as_ref(),
            Mode::Exclusive,
            stop_after,
            &mut Vec::new(),
        )?;
        let rows = self.order_and_limit(&scope, rows, order_by, limit)?;
        Ok((scope, rows))
    }

    /// The rows an UPDATE or DELETE changes, in its ORDER BY order (each key compared under
    /// its own collation, as SELECT's ORDER BY) and cut to its LIMIT; `P` is what locates a
    /// row (its primary key).
    pub(crate) fn order_and_limit<P>(
        &mut self,
        scope: &Scope,
        mut rows: Vec<(P, Vec<Value>)>,
        order_by: &[ast::OrderByExpr],
        limit: Option<usize>,
    ) -> SqlResult<Vec<(P, Vec<Value>)>> {
        if !order_by.is_empty() {
            let lit = self.session.literal_collation();
            let mut keys = Vec::new();
            for o in order_by {
                let (e, ty) = Binder {
                    scope,
                    env: self,
                    aggs: None,
                    agg_base: 0,
                    clause: "order clause",
                }
                .bind(&o.expr)?;
                let coll = super::expr::pick_collation(&ty, &None, lit);
                keys.push((e, o.options.sort == Some(ast::OrderBySort::Desc), coll));
            }
            let mut keyed = Vec::with_capacity(rows.len());
            for (pk, r) in rows {
                let k: Vec<Value> = keys
                    .iter()
                    .map(|(e, _, _)| e.eval(&r, &self.cx))
                    .collect::<SqlResult<_>>()?;
                keyed.push((k, pk, r));
            }
            keyed.sort_by(|a, b| {
                for (j, (_, desc, coll)) in keys.iter().enumerate() {
                    let o = sort_cmp(&a.0[j], &b.0[j], *coll);
                    let o = if *desc { o.reverse() } else { o };
                    if o != std::cmp::Ordering::Equal {
                        return o;
                    }
                }
                std::cmp::Ordering::Equal
            });
            rows = keyed.into_iter().map(|(_, pk, r)| (pk, r)).collect();
        }
        if let Some(l) = limit {
            rows.truncate(l);
        }
        Ok(rows)
    }

    /// A locking read of `t` along `path`, as InnoDB's current read under record, gap and
    /// next-key locks: locks what it reads, found or missing (see [`Locate`]), and returns
    /// the rows `filter` keeps, as the newest committed versions (or this transaction's
    /// own), in path order; `stop_after` rows are enough (a LIMIT without ORDER BY). Under
    /// SKIP LOCKED, rows other transactions hold are passed over, their keys put in
    /// `skipped`.
    pub(crate) fn locking_read(
        &mut self,
        t: &TableDef,
        path: &Path,
        filter: Option<&Expr>,
        mode: Mode,
        stop_after: Option<usize>,
        skipped: &mut Vec<Vec<u8>>,
    ) -> SqlResult<Vec<(Vec<u8>, Vec<Value>)>> {
        let enough = |n: usize| stop_after.is_some_and(|l| n >= l);
        let mut rows = Vec::new();
        match locate(t, path, &[], &self.cx)? {
            Locate::Points { index, keys } => {
                for k in keys {
                    if enough(rows.len()) {
                        break;
                    }
                    let tx = self.reader.tx()?;
                    let pk = match index {
                        None => k,
                        Some(i) => match tx.lock_read(t.indexes[i].tree, &k, mode)? {
                            Some(Some(pk)) => pk.to_vec(),
                            Some(None) => continue, // missing: its gap is locked
                            None => {
                                if let Some(pk) = self.reader.get(t.indexes[i].tree, &k)? {
                                    skipped.push(pk.to_vec());
                                }
                                continue;
                            }
                        },
                    };
                    match self.reader.tx()?.lock_read(t.tree, &pk, mode)? {
                        None => skipped.push(pk),
                        Some(None) => {}
                        Some(Some(bytes)) => {
                            let row = decode(t, &bytes)?;
                            if self.filter_keeps(filter, &row)? {
                                rows.push((pk, row));
                            }
                        }
                    }
                }
            }
            Locate::Ranges {
                tree,
                ranges,
                exact_start,
                next_key,
            } if stop_after.is_some() && !self.reader.tx()?.read_committed() => {
                let ranges = RangesToLock {
                    tree,
                    ranges,
                    exact_start,
                    next_key,
                };
                self.locking_read_first(t, path, filter, mode, &ranges, stop_after, skipped)?
                    .into_iter()
                    .for_each(|r| rows.push(r));
            }
            Locate::Ranges {
                tree,
                ranges,
                exact_start,
                next_key,
            } => {
                for range in ranges {
                    self.reader
                        .tx()?
                        .lock_range_read(tree, range, mode, exact_start, next_key)?;
                }
                for (pk, r) in self.lock_candidates(t, path, filter, stop_after)? {
                    if enough(rows.len()) {
                        break;
                    }
                    if let Some(row) = self.lock_candidate(t, pk, r, filter, mode, skipped)? {
                        rows.push(row);
                    }
                }
            }
        }
        Ok(rows)
    }

    /// [`Exec::locking_read`] of the first `stop_after` rows along `ranges` (a LIMIT
    /// in path order), as InnoDB's scan locks them: each row read with the gap before it
    /// (a next-key lock), and no further than the last row wanted, so the rows past it
    /// stay free for other transactions (a job queue's `ORDER BY id LIMIT 1 FOR UPDATE
    /// SKIP LOCKED` gives each worker its own row). What is read follows the newest
    /// committed state; a row found gone when locked is passed over.
    #[allow(clippy::too_many_arguments)]
    fn locking_read_first(
        &mut self,
        t: &TableDef,
        path: &Path,
        filter: Option<&Expr>,
        mode: Mode,
        ranges: &RangesToLock,
        stop_after: Option<usize>,
        skipped: &mut Vec<Vec<u8>>,
    ) -> SqlResult<Vec<(Vec<u8>, Vec<Value>)>> {
        let enough = |n: usize| stop_after.is_some_and(|l| n >= l);
        let found = self.lock_candidates(t, path, filter, stop_after)?;
        let index = match path {
            Path::Range { index, .. } => *index,
            Path::Full => None,
        };
        let mut rows = Vec::new();
        // Locked so far: every range before `cur`, and `cur` up to `from`.
        let mut cur = 0;
        let mut from: Option<Bound<crate::storage::page::Bytes>> = None;
        for (pk, r) in found {
            if enough(rows.len()) {
                break;
            }
            let key: crate::storage::page::Bytes = match index {
                None => pk.clone().into(),
                Some(i) => index_entry(t, &t.indexes[i], &r, &pk)?.0.into(),
            };
            while cur < ranges.ranges.len() && !in_range(&ranges.ranges[cur], &key) {
                // Nothing more wanted in this range: lock the rest of it.
                ranges.lock_rest(self.reader.tx()?, cur, from.take(), mode)?;
                cur += 1;
            }
            if cur == ranges.ranges.len() {
                break;
            }
            let (lo, first) = match from.take() {
                Some(b) => (b, false),
                None => (ranges.ranges[cur].0.clone(), true),
            };
            // The row and the gap before it; the first piece of a range also the gap
            // below the range.
            let around = crate::storage::ScanLock {
                exact_start: first && ranges.exact_start,
                gap_below: first,
                gap_above: false,
                next_key: false,
            };
            self.reader.tx()?.lock_scan(
                ranges.tree,
                (lo, Bound::Included(key.clone())),
                mode,
                around,
            )?;
            from = Some(Bound::Excluded(key));
            if let Some(row) = self.lock_candidate(t, pk, r, filter, mode, skipped)? {
                rows.push(row);
            }
        }
        if !enough(rows.len()) {
            // Every candidate was read and more are wanted: the rest of the ranges, to
            // their ends, as a scan reaching them locks them.
            while cur < ranges.ranges.len() {
                ranges.lock_rest(self.reader.tx()?, cur, from.take(), mode)?;
                cur += 1;
            }
        }
        Ok(rows)
    }

    /// The rows of a locking read along `path` that `filter` keeps, in path order, from
    /// the newest committed state (not the snapshot's: a row another transaction inserted
    /// since is found and locked too). The first `stop_after` are enough, unless SKIP
    /// LOCKED may pass some over. A filter with correlated subqueries is applied once the
    /// row is locked ([`Exec::lock_candidate`]: computing them needs the executor, which a
    /// scan's callback cannot borrow).
    fn lock_candidates(
        &mut self,
        t: &TableDef,
        path: &Path,
        filter: Option<&Expr>,
        stop_after: Option<usize>,
    ) -> SqlResult<Vec<(Vec<u8>, Vec<Value>)>> {
        let correlated = !self.corr.is_empty();
        let snap = self.reader.tx()?.read_latest();
        let mut found = Vec::new();
        let mut err = None;
        let skipping = self.reader.tx()?.on_busy() == OnBusy::Skip;
        let early = stop_after.filter(|_| !skipping);
        let scanned = self.scan(t, path, &[], false, &mut |pk, r| {
            let keep = match filter {
                _ if correlated => Ok(true),
                Some(f) => f.eval(&r, &self.cx).map(|v| truth(&v) == Some(true)),
                None => Ok(true),
            };
            match keep {
                Ok(true) => found.push((pk.to_vec(), r)),
                Ok(false) => {}
                Err(e) => {
                    err = Some(e);
                    return Ok(false);
                }
            }
            Ok(early.is_none_or(|l| found.len() < l))
        });
        self.reader.tx()?.restore_snapshot(snap);
        scanned?;
        match err {
            Some(e) => Err(e),
            None => Ok(found),
        }
    }

    /// Locks candidate row `pk` (read as `r`) and returns its newest committed version if
    /// `filter` still keeps it; None when it is gone, no longer kept, or (SKIP LOCKED)
    /// held by another transaction, whose key then goes to `skipped`.
    fn lock_candidate(
        &mut self,
        t: &TableDef,
        pk: Vec<u8>,
        r: Vec<Value>,
        filter: Option<&Expr>,
        mode: Mode,
        skipped: &mut Vec<Vec<u8>>,
    ) -> SqlResult<Option<(Vec<u8>, Vec<Value>)>> {
        let Some(latest) = self.reader.tx()?.lock_read(t.tree, &pk, mode)? else {
            skipped.push(pk);
            return Ok(None);
        };
        let Some(bytes) = latest else { return Ok(None) };
        let latest = decode(t, &bytes)?;
        // The scan's filter saw `r`; a newer version is filtered again, and a correlated
        // filter is applied only now.
        let (row, recheck) = if rows_equal(t, &latest, &r) {
            (r, !self.corr.is_empty())
        } else {
            (latest, true)
        };
        Ok((!recheck || self.filter_keeps(filter, &row)?).then_some((pk, row)))
    }

    /// Whether `filter` keeps `row`, its correlated subqueries computed for the row.
    fn filter_keeps(&mut self, filter: Option<&Expr>, row: &[Value]) -> SqlResult<bool> {
        let Some(f) = filter else { return Ok(true) };
        self.cx.check()?;
        self.eval_correlated(row)?;
        let v = f.eval(row, &self.cx);
        self.cx.corr_values.borrow_mut().take();
        Ok(truth(&v?) == Some(true))
    }

    /// SELECT ... FOR UPDATE / FOR SHARE (NOWAIT, SKIP LOCKED, OF t): a locking read of
    /// the rows the WHERE clause selects from a single table (see [`Exec::locking_read`]),
    /// then the query over the newest committed state (a current read, as InnoDB's) without
    /// the rows SKIP LOCKED passed over. A query over several tables locks what it reads
    /// of each table a clause covers, in the clause's mode (see [`join_lock`]). A clause with `OF name` covers only the table known by that name
    /// (its alias, if it has one); a table no clause covers is read without locks.
    pub fn locking_query(
        &mut self,
        q: &ast::Query,
        locks: &[ast::LockClause],
    ) -> SqlResult<super::exec::RowSet> {
        let locked = self.lock_query_rows(q, locks);
        self.reader.tx()?.set_on_busy(OnBusy::Wait);
        locked?;
        let snap = self.reader.tx()?.read_latest();
        let rs = self.query(q);
        self.reader.tx()?.restore_snapshot(snap);
        self.skip.clear();
        rs
    }

    fn lock_query_rows(&mut self, q: &ast::Query, locks: &[ast::LockClause]) -> SqlResult<()> {
        let ast::SetExpr::Select(sel) = q.body.as_ref() else {
            return Ok(());
        };
        // The base tables of FROM, each with the name a locking clause's OF calls it by.
        let mut tables = Vec::new();
        for twj in &sel.from {
            for f in std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)) {
                if let ast::TableFactor::Table { name, alias, .. } = f {
                    let known_as = alias.as_ref().map_or_else(
                        || name.0.last().map(|p| p.to_string()).unwrap_or_default(),
                        |a| a.name.value.clone(),
                    );
                    tables.push((name, known_as.trim_matches('`').to_string()));
                }
            }
        }
        for l in locks {
            if let Some(of) = &l.of {
                let of = of.to_string().trim_matches('`').to_string();
                if !tables.iter().any(|(_, k)| *k == of) {
                    return Err(SqlError::new(
                        3568,
                        format!("Unresolved table name `{of}` in locking clause."),
                    ));
                }
            }
        }
        let clause_for = |known_as: &str| {
            locks.iter().find(|l| {
                l.of.as_ref()
                    .is_none_or(|of| of.to_string().trim_matches('`') == known_as)
            })
        };
        let single = match sel.from.as_slice() {
            [twj] if twj.joins.is_empty() => match &twj.relation {
                ast::TableFactor::Table {
                    name,
                    alias,
                    args: None,
                    ..
                } if self.view(name).is_none() => Some((name, alias)),
                _ => None,
            },
            _ => None,
        };
        let Some((name, alias)) = single else {
            // A join: what it reads of each covered table (see [`join_lock`]).
            let mut covered = std::collections::HashMap::new();
            for (name, known_as) in &tables {
                let Some(l) = clause_for(known_as) else {
                    continue;
                };
                if self.view(name).is_some() {
                    continue;
                }
                let t = self.table(name)?;
                let (mode, busy) = (lock_mode(l), on_busy(l));
                // The same table under two names: the stronger clause.
                let e = covered.entry(t.tree).or_insert((mode, busy));
                if mode == Mode::Exclusive {
                    *e = (mode, busy);
                }
            }
            return self.lock_join_reads(covered, &mut |ex| ex.query(q).map(drop));
        };
        let t = self.table(name)?;
        let alias = alias
            .as_ref()
            .map(|a| a.name.value.clone())
            .unwrap_or_else(|| t.name.clone());
        let Some(l) = tables.first().and_then(|(_, k)| clause_for(k)) else {
            return Ok(());
        };
        let mode = lock_mode(l);
        self.reader.tx()?.set_on_busy(on_busy(l));
        let scope = table_scope(&t, &alias);
        // The query binds its parameters again.
        let first_param = self.next_param;
        let filter = self.bind_where(&scope, sel.selection.as_ref())?;
        self.next_param = first_param;
        let mut conj = Vec::new();
        if let Some(f) = &filter {
            conjuncts(f, &mut conj);
        }
        let path = choose_path(&t, 0, &conj, self.use_invisible_indexes());
        let (order, limit, offset) = self.order_limit(q)?;
        let stop_after = match limit {
            Some(l) if in_path_order(&t, &path, &order, &alias) => {
                usize::try_from(l.saturating_add(offset)).ok()
            }
            _ => None,
        };
        let mut skipped = Vec::new();
        let read = self.locking_read(&t, &path, filter.as_ref(), mode, stop_after, &mut skipped);
        // The query binds its correlated subqueries again too.
        self.corr.clear();
        read?;
        if !skipped.is_empty() {
            self.skip.insert(t.tree, skipped.into_iter().collect());
        }
        Ok(())
    }

    fn single_table(
        &self,
        twj: &ast::TableWithJoins,
    ) -> SqlResult<(std::sync::Arc<TableDef>, String)> {
        if !twj.joins.is_empty() {
            // `DELETE FROM t1 JOIN t2`: a join needs the multi-table forms.
            return Err(SqlError::new(
                1064,
                "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near 'JOIN'",
            ));
        }
        match &twj.relation {
            ast::TableFactor::Table { name, alias, .. } => {
                let t = self.table(name)?;
                let a = alias
                    .as_ref()
                    .map(|a| a.name.value.clone())
                    .unwrap_or_else(|| t.name.clone());
                Ok((t, a))
            }
            other => Err(SqlError::new(
                1235,
                format!("This version of Borealis doesn't yet support UPDATE/DELETE of '{other}'"),
            )),
        }
    }

    pub fn update(&mut self, u: &ast::Update) -> SqlResult<DmlResult> {
        if u.from.is_some() {
            // PostgreSQL's form; MySQL has none.
            return Err(SqlError::new(
                1064,
                "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near 'FROM'",
            ));
        }
        if !u.table.joins.is_empty() {
            return self.update_multi(u);
        }
        if let ast::TableFactor::Table { name, .. } = &u.table.relation {
            if let Some(v) = self.view(name) {
                // UPDATE on the view, or on each view column SET.
                self.may_some(privs::UPDATE, "UPDATE", name)?;
                if !self.security.is_unrestricted() {
                    let set: Vec<String> = u
                        .assignments
                        .iter()
                        .filter_map(|a| match &a.target {
                            ast::AssignmentTarget::ColumnName(c) => {
                                c.0.last()
                                    .and_then(|p| p.as_ident())
                                    .map(|i| i.value.clone())
                            }
                            ast::AssignmentTarget::Tuple(_) => None,
                        })
                        .collect();
                    let set: Vec<&str> = set.iter().map(String::as_str).collect();
                    self.security
                        .columns(privs::UPDATE, "UPDATE", &v.db, &v.name, &set)?;
                }
                return self.update_view(u, &v);
            }
            self.may_some(privs::UPDATE, "UPDATE", name)?;
        }
        let (t, alias) = self.single_table(&u.table)?;
        // Column privileges: UPDATE on each column SET.
        let mut set_cols = Vec::new();
        for a in &u.assignments {
            set_cols.push(t.columns[assignment_column(&t, a)?].name.as_str());
        }
        self.may_columns(privs::UPDATE, "UPDATE", &t, &set_cols)?;
        let mut exprs: Vec<&ast::Expr> = u.assignments.iter().map(|a| &a.value).collect();
        exprs.extend(u.selection.as_ref());
        self.check_target_not_in_subquery(&[(t.db.clone(), t.name.clone())], &exprs)?;
        self.enter_table(&t)?;
        let r = self.update_rows(u, t, &alias);
        self.leave_table();
        r
    }

    fn update_rows(
        &mut self,
        u: &ast::Update,
        t: std::sync::Arc<TableDef>,
        alias: &str,
    ) -> SqlResult<DmlResult> {
        let triggers = self.catalog.has_triggers(&t.db, &t.name);
        let strict = self.session.strict();
        let (scope, rows) = self.target_rows(
            &t,
            alias,
            u.selection.as_ref(),
            &u.order_by,
            u.limit.as_ref(),
        )?;
        let mut sets: Vec<(usize, Expr)> = Vec::new();
        for a in &u.assignments {
            let i = assignment_column(&t, a)?;
            if self.generated_assignment(&t, i, a)? {
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
            sets.push((i, x));
        }
        let matched = rows.len() as u64;
        let mut changed = 0u64;
        let correlated = !self.corr.is_empty();
        for (n, (pk, old)) in rows.into_iter().enumerate() {
            let mut new = old.clone();
            let mut assigned = vec![false; t.columns.len()];
            if correlated {
                self.cx.check()?;
                self.eval_correlated(&old)?;
            }
            for (i, x) in &sets {
                let v = x.eval(&new, &self.cx);
                let v = match v {
                    Ok(v) => self.store_value(&t, *i, v, n as u64 + 1, strict, true),
                    Err(e) => Err(e),
                };
                if v.is_err() {
                    self.cx.corr_values.borrow_mut().take();
                }
                new[*i] = v?;
                assigned[*i] = true;
            }
            self.cx.corr_values.borrow_mut().take();
            if triggers {
                self.fire_triggers(&t, "BEFORE", "UPDATE", Some(&old), Some(&mut new))?;
            }
            self.fill_generated(&t, &mut new, n as u64 + 1, strict, true)?;
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

    pub fn delete(&mut self, d: &ast::Delete) -> SqlResult<DmlResult> {
        let from = match &d.from {
            ast::FromTable::WithFromKeyword(f) | ast::FromTable::WithoutKeyword(f) => f,
        };
        // `DELETE t1, t2 FROM <join>` and `DELETE FROM t1, t2 USING <join>`.
        if !d.tables.is_empty() {
            return self.delete_multi(d, &d.tables, from);
        }
        if let Some(using) = &d.using {
            let mut targets = Vec::new();
            for twj in from {
                match &twj.relation {
                    ast::TableFactor::Table { name, .. } if twj.joins.is_empty() => {
                        targets.push(name.clone())
                    }
                    _ => return Err(SqlError::new(1064, "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near 'USING'")),
                }
            }
            return self.delete_multi(d, &targets, using);
        }
        let [twj] = from.as_slice() else {
            return Err(SqlError::new(
                1064,
                "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near ','",
            ));
        };
        if let ast::TableFactor::Table { name, alias, .. } = &twj.relation {
            self.may(privs::DELETE, "DELETE", name)?;
            if let Some(v) = self.view(name) {
                if !twj.joins.is_empty() {
                    return self.single_table(twj).map(|_| DmlResult::default());
                }
                return self.delete_view(d, &v, alias.as_ref().map(|a| a.name.value.clone()));
            }
        }
        let (t, alias) = self.single_table(twj)?;
        let exprs: Vec<&ast::Expr> = d.selection.iter().collect();
        self.check_target_not_in_subquery(&[(t.db.clone(), t.name.clone())], &exprs)?;
        self.enter_table(&t)?;
        let r = self.delete_rows(d, t, &alias);
        self.leave_table();
        r
    }

    fn delete_rows(
        &mut self,
        d: &ast::Delete,
        t: std::sync::Arc<TableDef>,
        alias: &str,
    ) -> SqlResult<DmlResult> {
        let triggers = self.catalog.has_triggers(&t.db, &t.name);
        let (_, rows) = self.target_rows(
            &t,
            alias,
            d.selection.as_ref(),
            &d.order_by,
            d.limit.as_ref(),
        )?;
        let n = rows.len() as u64;
        for (pk, old) in rows {
            if triggers {
                self.fire_triggers(&t, "BEFORE", "DELETE", Some(&old), None)?;
            }
            self.remove_row(&t, &pk, &old)?;
            if triggers {
                self.fire_triggers(&t, "AFTER", "DELETE", Some(&old), None)?;
            }
        }
        Ok(DmlResult {
            affected: n,
            last_insert_id: None,
            info: String::new(),
        })
    }
}

/// Whether two rows store the same bytes (what "changed" means to MySQL).
fn rows_equal(t: &TableDef, a: &[Value], b: &[Value]) -> bool {
    match (encode(t, a), encode(t, b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// The lock a FOR UPDATE / FOR SHARE clause takes.
fn lock_mode(l: &ast::LockClause) -> Mode {
    match l.lock_type {
        ast::LockType::Update => Mode::Exclusive,
        ast::LockType::Share => Mode::Shared,
    }
}

/// What a locking clause does when a row is locked by another transaction.
fn on_busy(l: &ast::LockClause) -> OnBusy {
    match l.nonblock {
        None => OnBusy::Wait,
        Some(ast::NonBlock::Nowait) => OnBusy::Fail,
        Some(ast::NonBlock::SkipLocked) => OnBusy::Skip,
    }
}

/// The ranges of a locking read along a path ([`Locate::Ranges`]), locked piece by piece.
struct RangesToLock {
    tree: u64,
    ranges: Vec<(
        Bound<crate::storage::page::Bytes>,
        Bound<crate::storage::page::Bytes>,
    )>,
    exact_start: bool,
    next_key: bool,
}

impl RangesToLock {
    /// Locks range `i` from `from` (its start when None) to its end, with the gaps around
    /// it (see [`crate::storage::Transaction::lock_range_read`]).
    fn lock_rest(
        &self,
        tx: &mut crate::storage::Transaction,
        i: usize,
        from: Option<Bound<crate::storage::page::Bytes>>,
        mode: Mode,
    ) -> SqlResult<()> {
        let (lo, hi) = &self.ranges[i];
        let around = crate::storage::ScanLock {
            exact_start: from.is_none() && self.exact_start,
            // Past a row already locked with the gap before it: no gap below.
            gap_below: from.is_none(),
            gap_above: true,
            next_key: self.next_key,
        };
        let lo = from.unwrap_or_else(|| lo.clone());
        tx.lock_scan(self.tree, (lo, hi.clone()), mode, around)?;
        Ok(())
    }
}

/// Whether `key` lies inside `range`.
fn in_range(
    range: &(
        Bound<crate::storage::page::Bytes>,
        Bound<crate::storage::page::Bytes>,
    ),
    key: &[u8],
) -> bool {
    let above = match &range.0 {
        Bound::Included(lo) => key >= &lo[..],
        Bound::Excluded(lo) => key > &lo[..],
        Bound::Unbounded => true,
    };
    let below = match &range.1 {
        Bound::Included(hi) => key <= &hi[..],
        Bound::Excluded(hi) => key < &hi[..],
        Bound::Unbounded => true,
    };
    above && below
}

/// Whether `order` (an ORDER BY of the single table `t`, known as `alias`) sorts rows as
/// `path` reads them: ascending over the key columns after the path's equalities (columns
/// an equality fixes may appear anywhere). No ORDER BY is any order.
fn in_path_order(t: &TableDef, path: &Path, order: &[ast::OrderByExpr], alias: &str) -> bool {
    let (cols, fixed) = match path {
        Path::Full => (t.primary.iter().collect::<Vec<_>>(), 0),
        Path::Range {
            index: None, eq, ..
        } => (t.primary.iter().collect(), eq.len()),
        Path::Range {
            index: Some(i), eq, ..
        } => {
            let ix = &t.indexes[*i];
            let mut cols: Vec<_> = ix.columns.iter().collect();
            if !ix.unique {
                // A non-unique entry's key ends with the primary key.
                cols.extend(t.primary.iter());
            }
            (cols, eq.len())
        }
    };
    let fixed = fixed.min(cols.len());
    let (fixed, rest) = cols.split_at(fixed);
    let mut next = rest.iter();
    order.iter().all(|o| {
        if o.options.sort == Some(ast::OrderBySort::Desc) {
            return false;
        }
        let name = match &o.expr {
            ast::Expr::Identifier(id) => id,
            ast::Expr::CompoundIdentifier(parts)
                if parts.len() == 2 && parts[0].value.eq_ignore_ascii_case(alias) =>
            {
                &parts[1]
            }
            _ => return false,
        };
        let Some(c) = t
            .columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(&name.value))
        else {
            return false;
        };
        fixed.iter().any(|ic| ic.column == c)
            || next
                .next()
                .is_some_and(|ic| ic.column == c && ic.prefix.is_none())
    })
}
