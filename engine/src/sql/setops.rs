//! Set operations of queries: `UNION`, `EXCEPT` and `INTERSECT`, each DISTINCT (the
//! default) or ALL.
//!
//! sqlparser builds the tree with MySQL's precedence (INTERSECT binds tighter than UNION
//! and EXCEPT, which associate to the left; parentheses group), so
//! [`Exec::set_operation`] evaluates both sides ([`Exec::set_expr`]) and combines them.
//! Rows compare as MySQL compares them in a set operation: column by column, strings
//! under the column's collation, NULL equal to NULL; a column's type aggregates both
//! sides' ([`unify_columns`]). EXCEPT and INTERSECT sort the
//! row numbers of both sides together and count each group of equal rows on either side
//! (O((n+m) log(n+m)), not one scan of the right side per left row); the result keeps
//! the left side's order. ORDER BY and LIMIT of the whole are applied by the caller.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::sync::Arc;

use sqlparser::ast;

use super::error::{SqlError, SqlResult};
use super::exec::{out_collation, Exec, OutColumn, RowSet};
use super::expr::{ColType, EvalCx, Expr};
use crate::value::{sort_cmp, Collation, SqlType, Value};

/// ER_WRONG_NUMBER_OF_COLUMNS_IN_SELECT.
pub(crate) fn column_count_error() -> SqlError {
    SqlError::new(
        1222,
        "The used SELECT statements have a different number of columns",
    )
}

/// Row `a` against row `b`, as a set operation compares them.
fn cmp_rows(a: &[Value], b: &[Value], colls: &[Collation]) -> Ordering {
    for ((x, y), c) in a.iter().zip(b).zip(colls) {
        let o = sort_cmp(x, y, *c);
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

fn collations(columns: &[OutColumn]) -> Arc<[Collation]> {
    columns.iter().map(out_collation).collect()
}

/// A row ordered as [`cmp_rows`] orders it.
struct Key {
    row: Vec<Value>,
    colls: Arc<[Collation]>,
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_rows(&self.row, &other.row, &self.colls)
    }
}

/// The distinct rows seen so far (a recursive CTE under UNION DISTINCT).
#[derive(Default)]
pub(crate) struct Seen {
    set: BTreeSet<Key>,
}

impl Seen {
    /// The rows of `rows` not seen before (each once), remembering them; every row kept
    /// is charged to the statement's memory account.
    pub(crate) fn insert_new(
        &mut self,
        rows: Vec<Vec<Value>>,
        columns: &[OutColumn],
        cx: &EvalCx,
    ) -> SqlResult<Vec<Vec<Value>>> {
        let colls = collations(columns);
        let mut out = Vec::new();
        for row in rows {
            cx.check()?;
            let key = Key {
                row: row.clone(),
                colls: colls.clone(),
            };
            if !self.set.contains(&key) {
                cx.mem.charge_row(&row)?;
                self.set.insert(key);
                out.push(row);
            }
        }
        Ok(out)
    }
}

/// The result columns of a set operation: a column's type aggregates both sides' as
/// MySQL does for UNION (an INT beside a DECIMAL(6,2) makes DECIMAL with scale 2, so
/// `8` reads `8.00`; any floating point makes DOUBLE), the values of the side whose
/// type differs are converted to it, and a column is nullable if either side's is.
fn unify_columns(l: &mut RowSet, r: &mut RowSet, cx: &EvalCx) -> SqlResult<()> {
    use super::expr::CastTo;
    for i in 0..l.columns.len() {
        l.columns[i].nullable |= r.columns[i].nullable;
        let types = [l.columns[i].ty.clone(), r.columns[i].ty.clone()];
        let Some(agg) = super::expr::aggregate_numeric(&types) else {
            // A string beside anything else makes the column a string of that collation
            // (an INT beside a utf8mb4_bin VARCHAR compares as utf8mb4_bin).
            let string = |t: &ColType| t.as_ref().is_some_and(SqlType::is_string);
            if !string(&types[0]) && string(&types[1]) {
                l.columns[i].ty = types[1].clone();
            }
            continue;
        };
        let to = match agg {
            SqlType::Decimal { precision, scale } => CastTo::Decimal(precision, scale),
            _ => CastTo::Double,
        };
        for (side, ty) in [(&mut l.rows, &types[0]), (&mut r.rows, &types[1])] {
            if ty.as_ref() == Some(&agg) {
                continue;
            }
            for row in side.iter_mut() {
                let v = std::mem::replace(&mut row[i], Value::Null);
                row[i] = if v.is_null() {
                    v
                } else {
                    Expr::Cast(Box::new(Expr::Lit(v)), to.clone()).eval(&[], cx)?
                };
            }
        }
        l.columns[i].ty = Some(agg);
    }
    Ok(())
}

/// What a group of equal rows keeps of its left-side rows.
#[derive(Clone, Copy, PartialEq)]
enum Combine {
    UnionDistinct,
    Except { all: bool },
    Intersect { all: bool },
}

/// Combines `left` and `right` (same width) by `how`: keeps rows of `left`, then for
/// UNION DISTINCT the first of `right`'s new ones.
fn combine(
    left: Vec<Vec<Value>>,
    right: Vec<Vec<Value>>,
    colls: &[Collation],
    how: Combine,
    cx: &EvalCx,
) -> SqlResult<Vec<Vec<Value>>> {
    let n = left.len();
    let row = |i: usize| -> &[Value] {
        if i < n {
            &left[i]
        } else {
            &right[i - n]
        }
    };
    cx.mem
        .charge(((n + right.len()) * 2 * std::mem::size_of::<usize>()) as u64)?;
    let mut order: Vec<usize> = (0..n + right.len()).collect();
    // Stable: within a group, left rows come first, each side in its own order.
    order.sort_by(|&a, &b| cmp_rows(row(a), row(b), colls));
    let mut keep = vec![false; n + right.len()];
    let mut g = 0;
    while g < order.len() {
        cx.check()?;
        let mut end = g + 1;
        while end < order.len()
            && cmp_rows(row(order[g]), row(order[end]), colls) == Ordering::Equal
        {
            end += 1;
        }
        let group = &order[g..end];
        let l = group.iter().filter(|&&i| i < n).count();
        let r = group.len() - l;
        let kept = match how {
            Combine::UnionDistinct => {
                // The first row of the group, from whichever side.
                keep[group[0]] = true;
                0
            }
            Combine::Except { all: false } => usize::from(l > 0 && r == 0),
            Combine::Except { all: true } => l.saturating_sub(r),
            Combine::Intersect { all: false } => usize::from(l > 0 && r > 0),
            Combine::Intersect { all: true } => l.min(r),
        };
        for &i in group.iter().filter(|&&i| i < n).take(kept) {
            keep[i] = true;
        }
        g = end;
    }
    let mut out = Vec::new();
    for (i, r) in left.into_iter().chain(right).enumerate() {
        if keep[i] {
            out.push(r);
        }
    }
    Ok(out)
}

impl Exec<'_> {
    /// `left op [ALL|DISTINCT] right`.
    pub(crate) fn set_operation(
        &mut self,
        op: &ast::SetOperator,
        quantifier: &ast::SetQuantifier,
        left: &ast::SetExpr,
        right: &ast::SetExpr,
    ) -> SqlResult<RowSet> {
        let all = match quantifier {
            ast::SetQuantifier::All => true,
            ast::SetQuantifier::Distinct | ast::SetQuantifier::None => false,
            other => {
                return Err(SqlError::new(
                    1064,
                    format!("You have an error in your SQL syntax; '{other}' is not MySQL syntax"),
                ))
            }
        };
        let how = match op {
            ast::SetOperator::Union if all => None,
            ast::SetOperator::Union => Some(Combine::UnionDistinct),
            ast::SetOperator::Except => Some(Combine::Except { all }),
            ast::SetOperator::Intersect => Some(Combine::Intersect { all }),
            other => {
                return Err(SqlError::new(
                    1064,
                    format!("You have an error in your SQL syntax; '{other}' is not MySQL syntax"),
                ))
            }
        };
        let mut l = self.set_expr(left)?;
        let mut r = self.set_expr(right)?;
        if l.columns.len() != r.columns.len() {
            return Err(column_count_error());
        }
        unify_columns(&mut l, &mut r, &self.cx)?;
        l.rows = match how {
            None => {
                let mut rows = l.rows;
                rows.extend(r.rows);
                rows
            }
            Some(how) => {
                let colls = collations(&l.columns);
                combine(l.rows, r.rows, &colls, how, &self.cx)?
            }
        };
        Ok(l)
    }
}
