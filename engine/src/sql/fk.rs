//! FOREIGN KEY constraints as InnoDB has them: their definition checks at CREATE/ALTER
//! (MySQL 8.0's errors), the clause SHOW CREATE TABLE and the error messages print, and
//! their enforcement row by row during DML.
//!
//! # Enforcement
//!
//! The constraint lives in the child's [`TableDef`]; the parent finds its children with
//! [`super::catalog::Catalog::referencing`]. DML's row writers
//! ([`Exec::put_row`], [`Exec::remove_row`], [`Exec::change_row`] in `dml.rs`) call in here
//! after each row change, as InnoDB checks each row when it writes it (not at the end of
//! the statement):
//!
//! 1. A child row inserted, or its key columns changed to non-NULL values: the parent row
//!    is looked up through the parent's index on the referenced columns and **locked
//!    shared** (a range lock on the key, so a concurrent deleter of the parent waits for
//!    this transaction, and a parent deleted by an open transaction makes this one wait),
//!    read current with this transaction's own writes; none is 1452.
//! 2. A parent row deleted, or its referenced columns changed: the child rows holding the
//!    old values are found through the child's index (range-locked the same way, so a
//!    concurrent insert of a child waits) and, per the constraint's rule, refuse (1451:
//!    RESTRICT, NO ACTION, none given), are deleted (CASCADE), get the new values (ON UPDATE
//!    CASCADE) or NULL (SET NULL). Changed children are parents in turn (nested cascades,
//!    self-referencing tables), to InnoDB's depth limit of 15 (3008).
//!
//! `foreign_key_checks=0` turns all of it off, cascades included, as in MySQL. Cascaded
//! changes fire no triggers (InnoDB's do not either).

use std::ops::Bound;

use sqlparser::ast;

use super::catalog::{FkAction, ForeignKeyDef, IndexColumn, TableDef};
use super::ddl::key_part;
use super::error::{SqlError, SqlResult};
use super::exec::{decode, Exec};
use crate::storage::page::Bytes;
use crate::storage::rowlock::Mode;
use crate::value::keycode::{encode_key_part, prefix_successor};
use crate::value::{SqlType, Value};

/// InnoDB's limit on nested cascades (`FK_MAX_CASCADE_DEL`).
const MAX_CASCADE_DEPTH: usize = 15;

fn quote(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

fn quoted_list(cols: &[String]) -> String {
    cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
}

/// The constraint as SHOW CREATE TABLE prints it (and MySQL's 1451/1452 messages quote
/// it): the parent's database only when it is not the child's.
pub fn fk_clause(child_db: &str, fk: &ForeignKeyDef) -> String {
    let parent = if fk.ref_db == child_db {
        quote(&fk.ref_table)
    } else {
        format!("{}.{}", quote(&fk.ref_db), quote(&fk.ref_table))
    };
    let mut s = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {parent} ({})",
        quote(&fk.name),
        quoted_list(&fk.columns),
        quoted_list(&fk.ref_columns)
    );
    if let Some(a) = fk.on_delete.shown() {
        s.push_str(" ON DELETE ");
        s.push_str(a);
    }
    if let Some(a) = fk.on_update.shown() {
        s.push_str(" ON UPDATE ");
        s.push_str(a);
    }
    s
}

fn child_error(t: &TableDef, fk: &ForeignKeyDef) -> SqlError {
    SqlError::new(
        1452,
        format!(
            "Cannot add or update a child row: a foreign key constraint fails ({}.{}, {})",
            quote(&t.db),
            quote(&t.name),
            fk_clause(&t.db, fk)
        ),
    )
}

fn parent_error(child: &TableDef, fk: &ForeignKeyDef) -> SqlError {
    SqlError::new(
        1451,
        format!(
            "Cannot delete or update a parent row: a foreign key constraint fails ({}.{}, {})",
            quote(&child.db),
            quote(&child.name),
            fk_clause(&child.db, fk)
        ),
    )
}

fn action(a: &Option<ast::ReferentialAction>, name: &str) -> SqlResult<FkAction> {
    Ok(match a {
        None => FkAction::Unspecified,
        Some(ast::ReferentialAction::Restrict) => FkAction::Restrict,
        Some(ast::ReferentialAction::NoAction) => FkAction::NoAction,
        Some(ast::ReferentialAction::Cascade) => FkAction::Cascade,
        Some(ast::ReferentialAction::SetNull) => FkAction::SetNull,
        Some(ast::ReferentialAction::SetDefault) => {
            // InnoDB has no SET DEFAULT.
            return Err(SqlError::new(
                1215,
                format!("Cannot add foreign key constraint '{name}': SET DEFAULT is not supported by InnoDB"),
            ));
        }
    })
}

/// Column positions of `names` in `t`, if every one exists.
fn positions(t: &TableDef, names: &[String]) -> Option<Vec<usize>> {
    names.iter().map(|n| t.column(n)).collect()
}

/// Whether an index of `t` (the primary key included) starts with `cols`, whole columns,
/// in that order: what InnoDB needs to find rows by the constraint's key.
pub fn has_index_on(t: &TableDef, cols: &[usize]) -> bool {
    lookup_tree(t, cols).is_some()
}

/// The tree to find rows of `t` by `cols` in: `(tree, its leading key columns, whether
/// it is the clustered tree)`.
fn lookup_tree(t: &TableDef, cols: &[usize]) -> Option<(u64, Vec<IndexColumn>, bool)> {
    let leads = |ics: &[IndexColumn]| {
        ics.len() >= cols.len()
            && ics
                .iter()
                .zip(cols)
                .all(|(ic, c)| ic.column == *c && ic.prefix.is_none())
    };
    if !t.primary.is_empty() && leads(&t.primary) {
        return Some((t.tree, t.primary[..cols.len()].to_vec(), true));
    }
    t.indexes
        .iter()
        .find(|ix| !ix.is_fulltext() && leads(&ix.columns))
        .map(|ix| (ix.tree, ix.columns[..cols.len()].to_vec(), false))
}

/// The name of the index of parent `p` a constraint on `ref_columns` uses (`PRIMARY` for
/// the primary key), as REFERENTIAL_CONSTRAINTS.UNIQUE_CONSTRAINT_NAME shows it.
pub fn parent_index_name(p: &TableDef, ref_columns: &[String]) -> Option<String> {
    let cols = positions(p, ref_columns)?;
    let (tree, _, clustered) = lookup_tree(p, &cols)?;
    if clustered {
        return Some("PRIMARY".into());
    }
    p.indexes
        .iter()
        .find(|ix| ix.tree == tree)
        .map(|ix| ix.name.clone())
}

/// Whether a child column of type `a` may reference a parent column of type `b`
/// (MySQL 8.0: integers of one size and sign, DECIMALs of one precision and scale,
/// strings of one character set whatever their length, temporal types alike).
fn compatible(a: &SqlType, b: &SqlType) -> bool {
    use SqlType as T;
    match (a, b) {
        (
            T::Int {
                kind: k1,
                unsigned: u1,
                ..
            },
            T::Int {
                kind: k2,
                unsigned: u2,
                ..
            },
        ) => k1 == k2 && u1 == u2,
        (
            T::Decimal {
                precision: p1,
                scale: s1,
            },
            T::Decimal {
                precision: p2,
                scale: s2,
            },
        ) => p1 == p2 && s1 == s2,
        (
            T::Char { collation: c1, .. } | T::VarChar { collation: c1, .. },
            T::Char { collation: c2, .. } | T::VarChar { collation: c2, .. },
        ) => c1.charset() == c2.charset(),
        (T::Binary { .. } | T::VarBinary { .. }, T::Binary { .. } | T::VarBinary { .. }) => true,
        (T::Float, T::Float) | (T::Double, T::Double) | (T::Date, T::Date) | (T::Year, T::Year) => {
            true
        }
        (T::DateTime { fsp: f1 }, T::DateTime { fsp: f2 })
        | (T::Timestamp { fsp: f1 }, T::Timestamp { fsp: f2 })
        | (T::Time { fsp: f1 }, T::Time { fsp: f2 }) => f1 == f2,
        (T::Enum { values: v1, .. }, T::Enum { values: v2, .. })
        | (T::Set { values: v1, .. }, T::Set { values: v2, .. }) => v1 == v2,
        (T::Bit { len: a }, T::Bit { len: b }) => a == b,
        _ => false,
    }
}

/// The next generated constraint name of `table`: `<table>_ibfk_<n>`, n one past the
/// highest such number in use (MySQL 8.0).
pub fn generated_name(table: &str, taken: &[ForeignKeyDef]) -> String {
    let prefix = format!("{}_ibfk_", table.to_lowercase());
    let n = taken
        .iter()
        .filter_map(|f| {
            f.name
                .to_lowercase()
                .strip_prefix(&prefix)
                .and_then(|n| n.parse::<u64>().ok())
        })
        .max()
        .unwrap_or(0);
    format!("{table}_ibfk_{}", n + 1)
}

impl Exec<'_> {
    /// Whether `foreign_key_checks` is on in this session.
    pub(crate) fn fk_checks(&mut self) -> bool {
        self.session
            .system_var("foreign_key_checks", None)
            .map(|v| !matches!(v, Value::Int(0) | Value::UInt(0)))
            .unwrap_or(true)
    }

    /// Builds the constraint `fk` of child `t` (its columns final, `t.foreign_keys` the
    /// constraints before this one) and checks it against its parent as MySQL 8.0 does.
    /// With `foreign_key_checks=0` a missing parent is allowed. Also returns the name an
    /// index created for it gets when the child has none (the constraint's own name when
    /// it was given, else its first column's).
    pub(crate) fn foreign_key_def(
        &mut self,
        t: &TableDef,
        fk: &ast::ForeignKeyConstraint,
    ) -> SqlResult<(ForeignKeyDef, String)> {
        let given = fk.name.as_ref().map(|n| n.value.clone());
        let name = given
            .clone()
            .unwrap_or_else(|| generated_name(&t.name, &t.foreign_keys));
        if name.len() > 64 {
            return Err(SqlError::new(
                1059,
                format!("Identifier name '{name}' is too long"),
            ));
        }
        let columns: Vec<String> = fk.columns.iter().map(|c| c.value.clone()).collect();
        let ref_columns: Vec<String> = fk
            .referred_columns
            .iter()
            .map(|c| c.value.clone())
            .collect();
        let parts: Vec<String> = fk
            .foreign_table
            .0
            .iter()
            .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
            .collect();
        let (ref_db, ref_table) = match parts.as_slice() {
            [tb] => (t.db.clone(), tb.clone()),
            [d, tb] => (d.clone(), tb.clone()),
            _ => {
                return Err(SqlError::new(
                    1103,
                    format!("Incorrect table name '{}'", fk.foreign_table),
                ))
            }
        };
        let mut child_cols = Vec::new();
        for c in &columns {
            let Some(i) = t.column(c) else {
                return Err(SqlError::new(
                    1072,
                    format!("Key column '{c}' doesn't exist in table"),
                ));
            };
            child_cols.push(i);
        }
        if columns.len() != ref_columns.len() || columns.is_empty() {
            return Err(SqlError::new(
                1239,
                format!("Incorrect foreign key definition for '{name}': Key reference and table reference don't match"),
            ));
        }
        let def = ForeignKeyDef {
            name: name.clone(),
            columns,
            ref_db,
            ref_table,
            ref_columns,
            on_delete: action(&fk.on_delete, &name)?,
            on_update: action(&fk.on_update, &name)?,
        };
        if self
            .catalog
            .tables
            .values()
            .filter(|o| o.db == t.db && o.name != t.name)
            .flat_map(|o| o.foreign_keys.iter())
            .chain(t.foreign_keys.iter())
            .any(|f| f.name.eq_ignore_ascii_case(&name))
        {
            return Err(SqlError::new(
                1826,
                format!("Duplicate foreign key constraint name '{name}'"),
            ));
        }
        for (c, i) in def.columns.iter().zip(&child_cols) {
            let col = &t.columns[*i];
            if (def.on_delete == FkAction::SetNull || def.on_update == FkAction::SetNull)
                && !col.nullable
            {
                return Err(SqlError::new(
                    1830,
                    format!("Column '{c}' cannot be NOT NULL: needed in a foreign key constraint '{name}' SET NULL"),
                ));
            }
            if matches!(col.ty, SqlType::Text { .. } | SqlType::Blob { .. }) {
                return Err(SqlError::new(
                    1170,
                    format!(
                        "BLOB/TEXT column '{c}' used in key specification without a key length"
                    ),
                ));
            }
        }
        let checks = self.fk_checks();
        let self_ref = def.references(&t.db, &t.name);
        let parent = if self_ref {
            Some(std::sync::Arc::new(t.clone()))
        } else {
            self.catalog.table(&def.ref_db, &def.ref_table).cloned()
        };
        match parent {
            None if checks => {
                return Err(SqlError::new(
                    1824,
                    format!("Failed to open the referenced table '{}'", def.ref_table),
                ))
            }
            None => {}
            Some(p) => {
                let mut pcols = Vec::new();
                for rc in &def.ref_columns {
                    let Some(i) = p.column(rc) else {
                        return Err(SqlError::new(
                            3734,
                            format!("Failed to add the foreign key constraint. Missing column '{rc}' for constraint '{name}' in the referenced table '{}'", p.name),
                        ));
                    };
                    pcols.push(i);
                }
                for (k, (ci, pi)) in child_cols.iter().zip(&pcols).enumerate() {
                    if !compatible(&t.columns[*ci].ty, &p.columns[*pi].ty) {
                        return Err(SqlError::new(
                            3780,
                            format!("Referencing column '{}' and referenced column '{}' in foreign key constraint '{name}' are incompatible.", def.columns[k], def.ref_columns[k]),
                        ));
                    }
                }
                if checks && !has_index_on(&p, &pcols) {
                    return Err(SqlError::new(
                        1822,
                        format!("Failed to add the foreign key constraint. Missing index for constraint '{name}' in the referenced table '{}'", p.name),
                    ));
                }
            }
        }
        let index_name = given
            .or_else(|| fk.index_name.as_ref().map(|n| n.value.clone()))
            .unwrap_or_else(|| def.columns[0].clone());
        Ok((def, index_name))
    }

    /// DROP TABLE of a parent: 3730 when a table not dropped with it references it
    /// (unless `foreign_key_checks=0`).
    pub(crate) fn check_drop_parents(
        &mut self,
        dropped: &[std::sync::Arc<TableDef>],
    ) -> SqlResult<()> {
        if !self.fk_checks() {
            return Ok(());
        }
        for t in dropped {
            for (child, i) in self.catalog.referencing(&t.db, &t.name) {
                if dropped
                    .iter()
                    .any(|d| d.db == child.db && d.name == child.name)
                {
                    continue;
                }
                return Err(SqlError::new(
                    3730,
                    format!(
                        "Cannot drop table '{}' referenced by a foreign key constraint '{}' on table '{}'.",
                        t.name, child.foreign_keys[i].name, child.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The rows of `t` whose columns `cols` equal `vals`, found through an index on them
    /// (the whole table when there is none: a parent created without one under
    /// `foreign_key_checks=0`), their key range locked shared and each row locked in
    /// `mode`, read current with this transaction's writes. `first`: stop at one row.
    fn fk_rows(
        &mut self,
        t: &TableDef,
        cols: &[usize],
        vals: &[Value],
        mode: Mode,
        first: bool,
    ) -> SqlResult<Vec<(Vec<u8>, Vec<Value>)>> {
        let (tree, lo, hi, clustered) = match lookup_tree(t, cols) {
            Some((tree, parts, clustered)) => {
                let mut k = Vec::new();
                for (ic, v) in parts.iter().zip(vals) {
                    encode_key_part(&mut k, v, &key_part(t, ic))?;
                }
                let hi = match prefix_successor(&k) {
                    Some(s) => Bound::Excluded(Bytes::from(s)),
                    None => Bound::Unbounded,
                };
                (tree, Bound::Included(Bytes::from(k)), hi, clustered)
            }
            None => (t.tree, Bound::Unbounded, Bound::Unbounded, true),
        };
        let tx = self.reader.tx()?;
        tx.lock_range(tree, lo.clone(), hi.clone(), Mode::Shared)?;
        let snap = tx.read_latest();
        let mut found: Vec<(Vec<u8>, Option<Vec<u8>>)> = Vec::new();
        let scanned = (|| -> SqlResult<()> {
            for kv in self.reader.tx()?.range(tree, lo, hi, false)? {
                let (k, v) = kv?;
                if clustered {
                    found.push((k.to_vec(), Some(v.to_vec())));
                } else {
                    found.push((v.to_vec(), None));
                }
            }
            Ok(())
        })();
        self.reader.tx()?.restore_snapshot(snap);
        scanned?;
        let mut out = Vec::new();
        for (pk, _) in found {
            let tx = self.reader.tx()?;
            let Some(latest) = tx.lock_read(t.tree, &pk, mode)? else {
                return Err(SqlError::new(
                    1205,
                    "Lock wait timeout exceeded; try restarting transaction",
                ));
            };
            let Some(bytes) = latest else { continue };
            let row = decode(t, &bytes)?;
            let same = cols.iter().zip(vals).all(|(c, v)| {
                crate::value::sort_cmp(&row[*c], v, t.columns[*c].ty.collation())
                    == std::cmp::Ordering::Equal
                    && !row[*c].is_null()
            });
            if !same {
                continue;
            }
            self.cx.mem.charge_row(&row)?;
            out.push((pk, row));
            if first {
                break;
            }
        }
        Ok(out)
    }

    /// After a row of `t` was written (`old` its previous version for an update): each
    /// constraint of `t` whose key is non-NULL and new needs its parent row (1452).
    pub(crate) fn fk_check_parents(
        &mut self,
        t: &TableDef,
        old: Option<&[Value]>,
        row: &[Value],
    ) -> SqlResult<()> {
        if t.foreign_keys.is_empty() || !self.fk_checks() {
            return Ok(());
        }
        for fk in &t.foreign_keys {
            let Some(cols) = positions(t, &fk.columns) else {
                continue;
            };
            if let Some(old) = old {
                if cols.iter().all(|c| old[*c] == row[*c]) {
                    continue;
                }
            }
            self.check_one_parent(t, fk, row)?;
        }
        Ok(())
    }

    /// Constraint `fk` of `t` holds for `row`: its key has a NULL or its parent row
    /// exists (locked shared); else 1452.
    pub(crate) fn check_one_parent(
        &mut self,
        t: &TableDef,
        fk: &ForeignKeyDef,
        row: &[Value],
    ) -> SqlResult<()> {
        {
            let Some(cols) = positions(t, &fk.columns) else {
                return Ok(());
            };
            if cols.iter().any(|c| row[*c].is_null()) {
                return Ok(()); // MATCH SIMPLE: a NULL in the key refers to nothing
            }
            let parent = self.catalog.table(&fk.ref_db, &fk.ref_table).cloned();
            let found = match parent {
                None => false,
                Some(p) => match positions(&p, &fk.ref_columns) {
                    None => false,
                    Some(pcols) => {
                        let vals: Vec<Value> = cols.iter().map(|c| row[*c].clone()).collect();
                        !self
                            .fk_rows(&p, &pcols, &vals, Mode::Shared, true)?
                            .is_empty()
                    }
                },
            };
            if !found {
                return Err(child_error(t, fk));
            }
        }
        Ok(())
    }

    /// After a row of parent `t` was deleted (`new` None) or updated: the children holding
    /// its old key are refused (1451), deleted, updated or set NULL by each constraint's
    /// rule, and the changed children act as parents in turn.
    pub(crate) fn fk_parent_changed(
        &mut self,
        t: &TableDef,
        old: &[Value],
        new: Option<&[Value]>,
        updated: &[(String, String)],
        depth: usize,
    ) -> SqlResult<()> {
        let refs = self.catalog.referencing(&t.db, &t.name);
        if refs.is_empty() || !self.fk_checks() {
            return Ok(());
        }
        for (child, i) in refs {
            let fk = &child.foreign_keys[i];
            let Some(pcols) = positions(t, &fk.ref_columns) else {
                continue;
            };
            let Some(ccols) = positions(&child, &fk.columns) else {
                continue;
            };
            if pcols.iter().any(|c| old[*c].is_null()) {
                continue;
            }
            if let Some(new) = new {
                // InnoDB compares the referenced columns' bytes: 'a' to 'A' changes them.
                if pcols.iter().all(|c| old[*c] == new[*c]) {
                    continue;
                }
            }
            let rule = if new.is_some() {
                fk.on_update
            } else {
                fk.on_delete
            };
            let vals: Vec<Value> = pcols.iter().map(|c| old[*c].clone()).collect();
            let mode = if rule.refuses() {
                Mode::Shared
            } else {
                Mode::Exclusive
            };
            let children = self.fk_rows(&child, &ccols, &vals, mode, rule.refuses())?;
            if children.is_empty() {
                continue;
            }
            if rule.refuses() {
                return Err(parent_error(&child, fk));
            }
            let updates_child = rule == FkAction::SetNull || new.is_some();
            if updates_child
                && updated
                    .iter()
                    .any(|(d, n)| *d == child.db && *n == child.name)
            {
                // InnoDB refuses to update, by a cascade, a table that an UPDATE above it
                // in the same cascade changes (it could cycle forever): 1451.
                return Err(parent_error(&child, fk));
            }
            let mut below = updated.to_vec();
            if updates_child {
                below.push((child.db.clone(), child.name.clone()));
            }
            if depth >= MAX_CASCADE_DEPTH {
                return Err(SqlError::new(
                    3008,
                    format!("Foreign key cascade delete/update exceeds max depth of {MAX_CASCADE_DEPTH}."),
                ));
            }
            for (pk, row) in children {
                match (rule, new) {
                    (FkAction::Cascade, None) => {
                        self.remove_row_raw(&child, &pk, &row)?;
                        self.fk_parent_changed(&child, &row, None, &below, depth + 1)?;
                    }
                    (FkAction::Cascade, Some(new)) => {
                        let mut changed = row.clone();
                        for (c, p) in ccols.iter().zip(&pcols) {
                            changed[*c] = new[*p].clone();
                        }
                        let strict = self.session.strict();
                        self.fill_generated(&child, &mut changed, 1, strict, true)?;
                        self.change_row_raw(&child, &pk, &row, &changed)?;
                        self.fk_parent_changed(&child, &row, Some(&changed), &below, depth + 1)?;
                    }
                    _ => {
                        let mut changed = row.clone();
                        for c in &ccols {
                            changed[*c] = Value::Null;
                        }
                        let strict = self.session.strict();
                        self.fill_generated(&child, &mut changed, 1, strict, true)?;
                        self.change_row_raw(&child, &pk, &row, &changed)?;
                        self.fk_parent_changed(&child, &row, Some(&changed), &below, depth + 1)?;
                    }
                }
            }
        }
        Ok(())
    }
}
