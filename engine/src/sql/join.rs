//! Join steps and the join order of [`Exec::build_from`].
//!
//! A join step adds one FROM item to the rows joined so far ([`Exec::join_step`]). A
//! table is read through the access path [`choose_path`] picks from the conjuncts: an
//! index lookup per outer row when an equality on its key is available. When that is a
//! full scan and an equality `new.col = earlier.col` of a hashable pair of types exists
//! ([`hash_keys`]), the item is read once, filtered by the conjuncts that read only it,
//! into a hash table charged to the statement's memory account, and each outer row
//! probes it: a hash join (MySQL 8.0's "Using join buffer (hash join)"). The hash only
//! narrows the candidates: each candidate still passes the ON conjuncts (and the WHERE
//! clause afterwards), so two keys need only be equal whenever `=` holds; a value that
//! has no key (a type the class does not expect) is compared with every row instead.
//!
//! When every join of a FROM clause is inner and no STRAIGHT_JOIN fixes the order,
//! [`Exec::inner_join`] picks the order greedily: first the item with the most selective
//! access (a unique key on constants, then fewest estimated rows from the trees' row
//! counts), then repeatedly an item connected to the joined ones by an equality
//! (preferring one with an index path), a cross product only when nothing connects.
//! ON and WHERE conjuncts apply at the first step where every column they read is
//! joined. Rows are built in that order and permuted back: the scope, `SELECT *` and
//! every bound position stay in the written order. Such a join ([`InnerJoin`]) runs
//! depth first and hands each joined row to its consumer as it is made
//! ([`Exec::run_inner`]): it holds its hash tables and one row per step, not its
//! result, so `SELECT COUNT(*) FROM a, b, c` runs in constant memory (stopped, like
//! MySQL's, by KILL or max_execution_time). A later step that would scan a table of up
//! to 100,000 rows in full per outer row, with no key to hash on, reads it into memory
//! once instead (a block nested loop). LEFT JOINs run in the same pipeline, in
//! the written order: an outer row that no row of the item matches goes on with NULLs.
//! RIGHT JOINs and USING ([`Exec::join_step`]) still build each step's rows before the
//! next.

use std::collections::HashMap;
use std::sync::Arc;

use sqlparser::ast;

use super::catalog::TableDef;
use super::error::SqlResult;
use super::exec::{
    choose_path, conjuncts, has_corr, has_subquery, on_pass, Exec, JoinKind, Path, Source,
};
use super::expr::{Binder, CmpOp, Expr, Scope};
use crate::value::{Collation, SqlType, Value};

/// How one FROM item was joined (what EXPLAIN shows), in the order the steps ran.
#[derive(Clone, Debug)]
pub struct JoinTrace {
    /// The base table read, None for a derived table, view or CTE.
    pub table: Option<Arc<TableDef>>,
    /// The name the query gives it.
    pub alias: String,
    /// The access path of the table (`Full` for a hash join or a scan).
    pub path: Path,
    /// Read once into a hash table probed per outer row.
    pub hash: bool,
    /// Some conjunct applies at this step.
    pub filtered: bool,
}

/// Which values of two columns `=` compares in a way a hash key can reproduce.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum KeyClass {
    /// Integers and decimals: compared exactly as numbers.
    Num,
    /// Strings of one collation: compared by their collation sort keys (case, accents
    /// and PAD SPACE trailing spaces as the collation says).
    Str(Collation),
    Date,
    DateTime,
    Timestamp,
    Year,
}

fn key_class(ty: &SqlType) -> Option<KeyClass> {
    Some(match ty {
        SqlType::Int { .. } | SqlType::Decimal { .. } => KeyClass::Num,
        t if t.is_string() => KeyClass::Str(t.collation()),
        SqlType::Date => KeyClass::Date,
        SqlType::DateTime { .. } => KeyClass::DateTime,
        SqlType::Timestamp { .. } => KeyClass::Timestamp,
        SqlType::Year => KeyClass::Year,
        // FLOAT/DOUBLE (compared approximately), TIME, ENUM, mixed classes: no hash.
        _ => return None,
    })
}

/// The equalities of `conj` a hash join of the item at `base..base + width` can use:
/// `(column of the item, counted from its first, column of the outer row, class)`.
/// Only column = column of one class (and, for strings, compared under the columns'
/// own collation) qualifies: other comparisons convert (`1 = '1'`, DOUBLE) and are left
/// to the loop.
pub(crate) fn hash_keys(
    conj: &[Expr],
    base: usize,
    width: usize,
    types: &[Option<SqlType>],
) -> Vec<(usize, usize, KeyClass)> {
    let mut out = Vec::new();
    for e in conj {
        let Expr::Cmp(CmpOp::Eq, a, b, coll) = e else {
            continue;
        };
        let (Expr::Col(x), Expr::Col(y)) = (a.as_ref(), b.as_ref()) else {
            continue;
        };
        let inner = |c: usize| c >= base && c < base + width;
        let (build, probe) = match (inner(*x), inner(*y)) {
            (true, false) if *y < base => (*x, *y),
            (false, true) if *x < base => (*y, *x),
            _ => continue,
        };
        let class = |c: usize| types.get(c).and_then(|t| t.as_ref()).and_then(key_class);
        let (Some(cb), Some(cp)) = (class(build), class(probe)) else {
            continue;
        };
        if cb != cp || matches!(cb, KeyClass::Str(c) if c != *coll) {
            continue;
        }
        if !out
            .iter()
            .any(|k: &(usize, usize, KeyClass)| k.0 == build - base && k.1 == probe)
        {
            out.push((build - base, probe, cb));
        }
    }
    out
}

/// Appends the hash key of `v` (length-prefixed, so keys concatenate unambiguously);
/// None when `v` is not a value of the class.
fn push_key(out: &mut Vec<u8>, v: &Value, class: KeyClass, tmp: &mut Vec<u8>) -> Option<()> {
    tmp.clear();
    let int = |tmp: &mut Vec<u8>, i: i128| {
        tmp.push(0);
        tmp.extend_from_slice(&i.to_be_bytes());
    };
    match (class, v) {
        (KeyClass::Num, Value::Int(i)) => int(tmp, i128::from(*i)),
        (KeyClass::Num, Value::UInt(u)) => int(tmp, i128::from(*u)),
        (KeyClass::Num, Value::Decimal(d)) => {
            let n = d.normalized();
            match n.to_i128_unscaled() {
                Some((u, 0)) => int(tmp, u),
                _ => {
                    tmp.push(1);
                    tmp.extend_from_slice(n.to_string().as_bytes());
                }
            }
        }
        (KeyClass::Str(c), Value::Bytes(b)) => c.sort_key_into(b, tmp),
        (KeyClass::Date, Value::Date(d)) => tmp.extend_from_slice(format!("{d:?}").as_bytes()),
        (KeyClass::DateTime | KeyClass::Timestamp, Value::DateTime(d)) => {
            tmp.extend_from_slice(format!("{d:?}").as_bytes())
        }
        (KeyClass::Year, Value::Year(y)) => int(tmp, i128::from(*y)),
        (KeyClass::Year, Value::Int(i)) => int(tmp, i128::from(*i)),
        (KeyClass::Year, Value::UInt(u)) => int(tmp, i128::from(*u)),
        _ => return None,
    }
    out.extend_from_slice(&(tmp.len() as u32).to_be_bytes());
    out.extend_from_slice(tmp);
    Some(())
}

/// The key of `row` over `cols`: `Err(())` when a value is NULL (it matches nothing),
/// `Ok(false)` when a value has no key.
fn row_key(
    out: &mut Vec<u8>,
    row: &[Value],
    cols: impl Iterator<Item = (usize, KeyClass)>,
    tmp: &mut Vec<u8>,
) -> Result<bool, ()> {
    out.clear();
    for (c, class) in cols {
        let v = row.get(c).unwrap_or(&Value::Null);
        if v.is_null() {
            return Err(());
        }
        if push_key(out, v, class, tmp).is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether evaluating `e` twice or early changes nothing (no RAND(), UUID(), …).
fn deterministic(e: &Expr) -> bool {
    let mut ok = true;
    e.walk(&mut |x| {
        if matches!(x, Expr::Func(f, _) if !f.is_deterministic())
            || matches!(x, Expr::Corr(_) | Expr::UserVar(..) | Expr::SetUserVar(..))
        {
            ok = false;
        }
    });
    ok
}

/// The lowest column `e` reads.
fn min_col(e: &Expr) -> Option<usize> {
    let mut m: Option<usize> = None;
    e.walk(&mut |x| {
        if let Expr::Col(i) = x {
            m = Some(m.map_or(*i, |y| y.min(*i)));
        }
    });
    m
}

/// A hash join's build side: the item's rows, and where each key's rows are.
#[derive(Default)]
struct HashBuild {
    rows: Vec<Vec<Value>>,
    table: HashMap<Vec<u8>, Vec<usize>>,
    /// Rows whose key has no encoding: compared with every outer row.
    loose: Vec<usize>,
}

/// Buffers a key is built in, kept across rows.
#[derive(Default)]
struct KeyScratch {
    key: Vec<u8>,
    tmp: Vec<u8>,
}

impl HashBuild {
    /// The build rows `outer` may match on `keys`: none for a NULL key, every row when
    /// a value has no key, else its key's rows and the loose ones.
    fn candidates<'h>(
        &'h self,
        outer: &[Value],
        keys: &[(usize, usize, KeyClass)],
        s: &mut KeyScratch,
    ) -> Box<dyn Iterator<Item = usize> + 'h> {
        match row_key(
            &mut s.key,
            outer,
            keys.iter().map(|k| (k.1, k.2)),
            &mut s.tmp,
        ) {
            Err(()) => Box::new(std::iter::empty()),
            Ok(true) => Box::new(
                self.table
                    .get(s.key.as_slice())
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .chain(&self.loose)
                    .copied(),
            ),
            Ok(false) => Box::new(0..self.rows.len()),
        }
    }
}

/// The most rows (as the trees count them) a table scanned in full for every outer row
/// is read into memory once instead.
const BUFFERED_ROWS: f64 = 100_000.0;

/// An all-inner FROM clause planned by [`Exec::plan_inner`], run by [`Exec::run_inner`]:
/// its items, and per step (in the order they join) how the item is read.
pub(crate) struct InnerJoin {
    sources: Vec<Source>,
    steps: Vec<StepPlan>,
    /// Where each written item's columns start in a joined row (laid out in step order).
    ebase: Vec<usize>,
    /// The steps run in another order than the items are written.
    permuted: bool,
    /// Conjuncts that run a correlated subquery (or stored function) per row: they need
    /// the whole row and a mutable [`Exec`], so they apply to the collected rows.
    pub(crate) late: Vec<Expr>,
    names: Option<Vec<String>>,
}

/// One step of an [`InnerJoin`].
struct StepPlan {
    /// The item joined (its position in the FROM clause).
    item: usize,
    /// Where its columns start in the joined row.
    base: usize,
    path: Path,
    /// The conjuncts that apply once it is joined, over the step-order layout.
    conj: Vec<Expr>,
    /// A hash join's keys (empty: an index lookup or a loop).
    keys: Vec<(usize, usize, KeyClass)>,
    /// A LEFT JOIN: an outer row nothing matches goes on with NULLs for the item.
    left: bool,
    /// Read once into memory rather than once per outer row: a table scanned in full,
    /// with no key to hash on, small enough to hold (a block nested loop).
    buffered: bool,
}

/// The rows of a build side, read once.
enum BuildInput<'s> {
    Table(&'s Arc<TableDef>),
    Rows(&'s [Vec<Value>]),
}

impl Exec<'_> {
    /// Joins `src` (its columns at `base..` of the joined row) to `rows`: an index
    /// lookup or a hash join when the conjuncts `conj` (ON, and WHERE for inner joins)
    /// allow one, else a loop over the item per outer row. Each joined row passes
    /// `on_filter`; a LEFT join keeps an unmatched outer row with NULLs. `types` are the
    /// types of the joined row's columns.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn join_step(
        &mut self,
        rows: Vec<Vec<Value>>,
        src: &Source,
        base: usize,
        conj: &[Expr],
        on_filter: &[Expr],
        kind: JoinKind,
        names: Option<&[String]>,
        types: &[Option<SqlType>],
    ) -> SqlResult<(Vec<Vec<Value>>, JoinTrace)> {
        let width = src.cols.len();
        let path = match &src.table {
            Some(t) => choose_path(t, base, conj, self.use_invisible_indexes()),
            None => Path::Full,
        };
        let keys = if matches!(path, Path::Full) {
            hash_keys(conj, base, width, types)
        } else {
            Vec::new()
        };
        let trace = JoinTrace {
            table: src.table.clone(),
            alias: src.alias.clone(),
            path: path.clone(),
            hash: !keys.is_empty(),
            filtered: !conj.is_empty() || !on_filter.is_empty(),
        };
        let input = match &src.table {
            Some(t) => BuildInput::Table(t),
            None => BuildInput::Rows(&src.rows),
        };
        let rows = if !keys.is_empty() {
            self.hash_join(
                rows, input, base, width, conj, on_filter, kind, names, &keys,
            )?
        } else {
            self.loop_join(rows, input, &path, width, on_filter, kind, names)?
        };
        Ok((rows, trace))
    }

    /// Per outer row, the item's rows along `path` (the whole item for a derived one).
    #[allow(clippy::too_many_arguments)]
    fn loop_join(
        &mut self,
        rows: Vec<Vec<Value>>,
        input: BuildInput,
        path: &Path,
        width: usize,
        on_filter: &[Expr],
        kind: JoinKind,
        names: Option<&[String]>,
    ) -> SqlResult<Vec<Vec<Value>>> {
        // An ON condition with a correlated subquery is evaluated outside the scan
        // (the subquery runs through `self`): the scan then only collects candidates.
        let on_corr = on_filter.iter().any(has_corr);
        let mut next = Vec::new();
        for outer in &rows {
            let mut err = None;
            let mut candidates = Vec::new();
            let mut take = |r: Vec<Value>, cx: &super::expr::EvalCx| -> SqlResult<()> {
                let full = if outer.is_empty() {
                    r
                } else {
                    let mut full = outer.clone();
                    full.extend(r);
                    full
                };
                if !on_corr && !on_pass(on_filter, &full, cx)? {
                    return Ok(());
                }
                cx.mem.charge_row(&full)?;
                candidates.push(full);
                Ok(())
            };
            match &input {
                BuildInput::Table(t) => {
                    self.scan_columns(t, path, outer, false, names, &mut |_, r| match take(
                        r, &self.cx,
                    ) {
                        Ok(()) => Ok(true),
                        Err(e) => {
                            err = Some(e);
                            Ok(false)
                        }
                    })?;
                    if let Some(e) = err {
                        return Err(e);
                    }
                }
                BuildInput::Rows(inner) => {
                    for r in inner.iter() {
                        self.cx.check()?;
                        take(r.clone(), &self.cx)?;
                    }
                }
            }
            let mut matched = false;
            for full in candidates {
                if on_corr && !self.on_pass_correlated(on_filter, &full)? {
                    continue;
                }
                matched = true;
                next.push(full);
            }
            if !matched && kind == JoinKind::Left {
                let mut full = outer.clone();
                full.extend(std::iter::repeat_n(Value::Null, width));
                self.cx.mem.charge_row(&full)?;
                next.push(full);
            }
        }
        Ok(next)
    }

    /// Reads the item once into a hash table on `keys`, then probes it per outer row.
    #[allow(clippy::too_many_arguments)]
    fn hash_join(
        &mut self,
        rows: Vec<Vec<Value>>,
        input: BuildInput,
        base: usize,
        width: usize,
        conj: &[Expr],
        on_filter: &[Expr],
        kind: JoinKind,
        names: Option<&[String]>,
        keys: &[(usize, usize, KeyClass)],
    ) -> SqlResult<Vec<Vec<Value>>> {
        let build = self.hash_build(input, base, conj, names, keys)?;
        let on_corr = on_filter.iter().any(has_corr);
        let mut next = Vec::new();
        let mut scratch = KeyScratch::default();
        for outer in &rows {
            self.cx.check()?;
            let mut matched = false;
            for i in build.candidates(outer, keys, &mut scratch) {
                let mut full = Vec::with_capacity(outer.len() + width);
                full.extend(outer.iter().cloned());
                full.extend(build.rows[i].iter().cloned());
                if on_corr {
                    if !self.on_pass_correlated(on_filter, &full)? {
                        continue;
                    }
                } else if !on_pass(on_filter, &full, &self.cx)? {
                    continue;
                }
                self.cx.mem.charge_row(&full)?;
                matched = true;
                next.push(full);
            }
            if !matched && kind == JoinKind::Left {
                let mut full = outer.clone();
                full.extend(std::iter::repeat_n(Value::Null, width));
                self.cx.mem.charge_row(&full)?;
                next.push(full);
            }
        }
        Ok(next)
    }

    /// Reads a hash join's build side once: the item's rows that pass the conjuncts of
    /// `conj` reading only it, hashed on their side of `keys`.
    fn hash_build(
        &self,
        input: BuildInput,
        base: usize,
        conj: &[Expr],
        names: Option<&[String]>,
        keys: &[(usize, usize, KeyClass)],
    ) -> SqlResult<HashBuild> {
        let local: Vec<Expr> = conj
            .iter()
            .filter(|e| min_col(e).is_none_or(|m| m >= base) && deterministic(e))
            .map(|e| {
                let mut e = e.clone();
                e.shift_cols(base, -(base as isize));
                e
            })
            .collect();
        let mut h = HashBuild::default();
        let mut scratch = KeyScratch::default();
        let mut add = |r: Vec<Value>, cx: &super::expr::EvalCx| -> SqlResult<bool> {
            if !on_pass(&local, &r, cx)? {
                return Ok(true);
            }
            let KeyScratch { key, tmp } = &mut scratch;
            let Ok(encoded) = row_key(key, &r, keys.iter().map(|k| (k.0, k.2)), tmp) else {
                return Ok(true); // a NULL key equals nothing
            };
            cx.mem.charge_row(&r)?;
            let i = h.rows.len();
            h.rows.push(r);
            if encoded {
                match h.table.get_mut(key.as_slice()) {
                    Some(v) => v.push(i),
                    None => {
                        cx.mem.charge(key.len() as u64 + 48)?;
                        h.table.insert(key.clone(), vec![i]);
                    }
                }
            } else {
                h.loose.push(i);
            }
            Ok(true)
        };
        match input {
            BuildInput::Table(t) => {
                self.scan_columns(t, &Path::Full, &[], false, names, &mut |_, r| {
                    add(r, &self.cx)
                })?;
            }
            BuildInput::Rows(inner) => {
                for r in inner {
                    self.cx.check()?;
                    add(r.clone(), &self.cx)?;
                }
            }
        }
        Ok(h)
    }

    /// Plans a FROM clause of inner joins (`items` as [`Exec::build_from`] flattened them):
    /// the join order, greedy (module doc), and per step its conjuncts and access path.
    /// LEFT JOINs may be among the joins: the items then join in the written order, each
    /// LEFT step filtered by its own ON only. Reads only derived tables. None when the
    /// FROM is not one: a RIGHT join, USING/NATURAL, a subquery in an ON condition, or
    /// more than 64 items, having read nothing; a stored function in a LEFT JOIN's ON,
    /// having read the derived tables. A single item is a plan of one step.
    pub(crate) fn plan_inner(
        &mut self,
        items: &[(&ast::TableFactor, Option<&ast::JoinOperator>)],
        where_conj: &[ast::Expr],
        names: Option<&[String]>,
    ) -> SqlResult<Option<(Scope, InnerJoin, Vec<JoinTrace>)>> {
        use ast::JoinConstraint as C;
        use ast::JoinOperator as J;
        if items.is_empty() || items.len() > 64 {
            return Ok(None);
        }
        let eligible = items.iter().all(|(_, op)| match op {
            None | Some(J::CrossJoin(C::None)) => true,
            Some(J::Join(c) | J::Inner(c)) => match c {
                C::None => true,
                C::On(e) => !has_subquery(e),
                _ => false,
            },
            Some(J::Left(C::On(e)) | J::LeftOuter(C::On(e))) => !has_subquery(e),
            _ => false,
        });
        if !eligible {
            return Ok(None);
        }
        // Every item in written order; ON conditions bound over the items up to theirs.
        let mut scope = Scope::default();
        let mut sources: Vec<Source> = Vec::with_capacity(items.len());
        let mut bases = Vec::with_capacity(items.len());
        let mut pool: Vec<Expr> = Vec::new();
        // Conjuncts that run a stored function per row: applied to the final rows.
        let mut late: Vec<Expr> = Vec::new();
        // Per item: its LEFT JOIN's ON conjuncts (None: an inner item).
        let mut left_on: Vec<Option<Vec<Expr>>> = Vec::with_capacity(items.len());
        for (factor, op) in items {
            let base = scope.cols.len();
            let source = self.factor(factor)?;
            scope.cols.extend(source.cols.iter().cloned());
            if let Some(J::Left(C::On(on)) | J::LeftOuter(C::On(on))) = op {
                // The optional side reads NULL where nothing matched.
                scope.cols[base..]
                    .iter_mut()
                    .for_each(|c| c.nullable = true);
                let (e, _) = Binder {
                    scope: &scope,
                    env: self,
                    aggs: None,
                    agg_base: 0,
                    clause: "on clause",
                }
                .bind(on)?;
                let mut c = Vec::new();
                conjuncts(&e, &mut c);
                if c.iter().any(has_corr) {
                    // A stored function per row needs a mutable Exec: the step-by-step
                    // join of build_from runs it.
                    return Ok(None);
                }
                left_on.push(Some(c));
            } else {
                left_on.push(None);
            }
            if let Some(J::Join(C::On(on)) | J::Inner(C::On(on))) = op {
                let (e, _) = Binder {
                    scope: &scope,
                    env: self,
                    aggs: None,
                    agg_base: 0,
                    clause: "on clause",
                }
                .bind(on)?;
                let mut c = Vec::new();
                conjuncts(&e, &mut c);
                for e in c {
                    if has_corr(&e) {
                        late.push(e);
                    } else {
                        pool.push(e);
                    }
                }
            }
            bases.push(base);
            sources.push(source);
        }
        for w in where_conj.iter().filter(|w| !has_subquery(w)) {
            if let Ok((e, _)) = (Binder {
                scope: &scope,
                env: self,
                aggs: None,
                agg_base: 0,
                clause: "where clause",
            })
            .bind(w)
            {
                // The WHERE clause runs again on the result: only what may run early.
                if deterministic(&e) {
                    pool.push(e);
                }
            }
        }
        let n = sources.len();
        let item_of = |c: usize| bases.partition_point(|&b| b <= c) - 1;
        let masks: Vec<u64> = pool
            .iter()
            .map(|e| {
                let mut m = 0u64;
                e.walk(&mut |x| {
                    if let Expr::Col(c) = x {
                        m |= 1 << item_of(*c);
                    }
                });
                m
            })
            .collect();
        let est_rows: Vec<f64> = sources
            .iter()
            .map(|s| match &s.table {
                Some(t) => self.table_rows(t) as f64,
                None => s.rows.len() as f64,
            })
            .collect();
        // Where each item's columns sit in the joined row (None: not joined yet).
        let remap = |e: &Expr, ebase: &[Option<usize>]| -> Option<Expr> {
            let mut e = e.clone();
            let mut ok = true;
            e.walk_mut(&mut |x| {
                if let Expr::Col(c) = x {
                    let i = item_of(*c);
                    match ebase[i] {
                        Some(b) => *c = b + (*c - bases[i]),
                        None => ok = false,
                    }
                }
            });
            ok.then_some(e)
        };
        let mut order: Vec<usize> = Vec::with_capacity(n);
        let mut ebase: Vec<Option<usize>> = vec![None; n];
        let mut joined = 0u64;
        let mut width = 0;
        // An outer join keeps the written order.
        let outer_join = left_on.iter().any(Option::is_some);
        if outer_join {
            for (i, s) in sources.iter().enumerate() {
                order.push(i);
                ebase[i] = Some(width);
                width += s.cols.len();
            }
        }
        while order.len() < n {
            let mut best: Option<((u8, f64), usize)> = None;
            for i in (0..n).filter(|i| joined & (1 << i) == 0) {
                let bit = 1u64 << i;
                let mut tentative = ebase.clone();
                tentative[i] = Some(width);
                let here: Vec<(usize, Expr)> = pool
                    .iter()
                    .zip(&masks)
                    .enumerate()
                    .filter(|(_, (_, m))| **m & bit != 0 && **m & !(joined | bit) == 0)
                    .filter_map(|(k, (e, _))| remap(e, &tentative).map(|e| (k, e)))
                    .collect();
                let connected = here
                    .iter()
                    .any(|(k, e)| masks[*k] & joined != 0 && matches!(e, Expr::Cmp(CmpOp::Eq, ..)));
                let conj: Vec<Expr> = here.into_iter().map(|(_, e)| e).collect();
                let rows = est_rows[i];
                let (indexed, est) = match &sources[i].table {
                    Some(t) => match choose_path(t, width, &conj, self.use_invisible_indexes()) {
                        Path::Full => (false, rows),
                        Path::Range {
                            index, eq, in_list, ..
                        } => {
                            let (unique, parts) = match index {
                                None => (true, t.primary.len()),
                                Some(x) => (t.indexes[x].unique, t.indexes[x].columns.len()),
                            };
                            let est = if unique && eq.len() == parts {
                                1.0
                            } else if !eq.is_empty() {
                                (rows / 10.0).max(1.0)
                            } else if let Some(l) = in_list {
                                l.len() as f64
                            } else {
                                (rows / 3.0).max(1.0)
                            };
                            (true, est)
                        }
                    },
                    None => (false, rows),
                };
                let tier = if order.is_empty() || (connected && indexed) {
                    0
                } else if connected {
                    1
                } else {
                    2
                };
                let score = (tier, est);
                if best.as_ref().is_none_or(|(s, _)| score < *s) {
                    best = Some((score, i));
                }
            }
            let Some((_, i)) = best else { break };
            order.push(i);
            ebase[i] = Some(width);
            width += sources[i].cols.len();
            joined |= 1 << i;
        }
        // Each step's conjuncts over rows laid out in that order.
        let pool: Vec<Expr> = pool
            .iter()
            .map(|e| remap(e, &ebase).unwrap_or_else(|| e.clone()))
            .collect();
        let mut types: Vec<Option<SqlType>> = Vec::with_capacity(width);
        let mut done = 0u64;
        let mut used = vec![false; pool.len()];
        let mut steps = Vec::with_capacity(n);
        let mut trace = Vec::with_capacity(n);
        for &i in &order {
            let src = &sources[i];
            let base = types.len();
            let width = src.cols.len();
            types.extend(src.cols.iter().map(|c| c.ty.clone()));
            done |= 1 << i;
            // A LEFT JOIN's step filters by its own ON only: a WHERE (or later ON)
            // conjunct applies at the next inner step, or to the result.
            let left = left_on[i].is_some();
            let mut conj = left_on[i].clone().unwrap_or_default();
            for (k, e) in pool.iter().enumerate() {
                if !left && !used[k] && masks[k] & !done == 0 {
                    used[k] = true;
                    conj.push(e.clone());
                }
            }
            let path = match &src.table {
                Some(t) => choose_path(t, base, &conj, self.use_invisible_indexes()),
                None => Path::Full,
            };
            let keys = if matches!(path, Path::Full) {
                hash_keys(&conj, base, width, &types)
            } else {
                Vec::new()
            };
            trace.push(JoinTrace {
                table: src.table.clone(),
                alias: src.alias.clone(),
                path: path.clone(),
                hash: !keys.is_empty(),
                filtered: !conj.is_empty(),
            });
            let buffered = !steps.is_empty()
                && keys.is_empty()
                && matches!(path, Path::Full)
                && src.table.is_some()
                && est_rows[i] <= BUFFERED_ROWS;
            steps.push(StepPlan {
                item: i,
                base,
                path,
                conj,
                keys,
                left,
                buffered,
            });
        }
        let ebase: Vec<usize> = ebase.iter().map(|b| b.unwrap_or(0)).collect();
        let permuted = order.iter().enumerate().any(|(k, &i)| k != i);
        let join = InnerJoin {
            sources,
            steps,
            ebase,
            permuted,
            late,
            names: names.map(<[String]>::to_vec),
        };
        Ok(Some((scope, join, trace)))
    }

    /// Runs a planned inner join, handing each joined row (in the written order of the
    /// items) to `sink` until it returns false. Rows are joined depth first: an outer
    /// row goes through every later step before the next outer row is read, so what is
    /// held is the hash tables and one row per step, whatever the join's size. The
    /// [`InnerJoin::late`] conjuncts are not applied (see [`Exec::collect_inner`]).
    pub(crate) fn run_inner(
        &self,
        j: &InnerJoin,
        sink: &mut dyn FnMut(Vec<Value>) -> SqlResult<bool>,
    ) -> SqlResult<()> {
        if self.describe {
            return Ok(());
        }
        let names = j.names.as_deref();
        let mut hashes = Vec::with_capacity(j.steps.len());
        for s in &j.steps {
            hashes.push(if s.keys.is_empty() && !s.buffered {
                None
            } else {
                let src = &j.sources[s.item];
                let input = match &src.table {
                    Some(t) => BuildInput::Table(t),
                    None => BuildInput::Rows(&src.rows),
                };
                Some(self.hash_build(input, s.base, &s.conj, names, &s.keys)?)
            });
        }
        let mut out = |r: Vec<Value>| -> SqlResult<bool> {
            if !j.permuted {
                return sink(r);
            }
            let mut w = Vec::with_capacity(r.len());
            for (i, s) in j.sources.iter().enumerate() {
                w.extend(r[j.ebase[i]..j.ebase[i] + s.cols.len()].iter().cloned());
            }
            sink(w)
        };
        let mut scratch = KeyScratch::default();
        self.run_step(j, &hashes, 0, Vec::new(), &mut scratch, &mut out)?;
        Ok(())
    }

    /// Joins `outer` (the row of the steps before `level`) with step `level`'s item and
    /// each result with the steps after it. False once `out` asked to stop.
    fn run_step(
        &self,
        j: &InnerJoin,
        hashes: &[Option<HashBuild>],
        level: usize,
        outer: Vec<Value>,
        scratch: &mut KeyScratch,
        out: &mut dyn FnMut(Vec<Value>) -> SqlResult<bool>,
    ) -> SqlResult<bool> {
        let Some(s) = j.steps.get(level) else {
            return out(outer);
        };
        let src = &j.sources[s.item];
        let matched = std::cell::Cell::new(false);
        let mut next = |r: Vec<Value>, scratch: &mut KeyScratch| -> SqlResult<bool> {
            let full = if outer.is_empty() {
                r
            } else {
                let mut full = Vec::with_capacity(outer.len() + r.len());
                full.extend(outer.iter().cloned());
                full.extend(r);
                full
            };
            if !on_pass(&s.conj, &full, &self.cx)? {
                return Ok(true);
            }
            matched.set(true);
            self.run_step(j, hashes, level + 1, full, scratch, out)
        };
        match (&hashes[level], &src.table) {
            (Some(h), _) => {
                for i in h.candidates(&outer, &s.keys, scratch) {
                    self.cx.check()?;
                    if !next(h.rows[i].clone(), scratch)? {
                        return Ok(false);
                    }
                }
            }
            (None, Some(t)) => {
                let mut go = true;
                self.scan_columns(
                    t,
                    &s.path,
                    &outer,
                    false,
                    j.names.as_deref(),
                    &mut |_, r| {
                        go = next(r, scratch)?;
                        Ok(go)
                    },
                )?;
                if !go {
                    return Ok(false);
                }
            }
            (None, None) => {
                for r in &src.rows {
                    self.cx.check()?;
                    if !next(r.clone(), scratch)? {
                        return Ok(false);
                    }
                }
            }
        }
        if s.left && !matched.get() {
            let mut full = outer;
            full.extend(std::iter::repeat_n(Value::Null, src.cols.len()));
            return self.run_step(j, hashes, level + 1, full, scratch, out);
        }
        Ok(true)
    }

    /// Every row of a planned inner join, charged to the statement's memory, with its
    /// [`InnerJoin::late`] conjuncts applied.
    pub(crate) fn collect_inner(&mut self, j: &InnerJoin) -> SqlResult<Vec<Vec<Value>>> {
        let mut rows = Vec::new();
        self.run_inner(j, &mut |r| {
            self.cx.mem.charge_row(&r)?;
            rows.push(r);
            Ok(true)
        })?;
        if !j.late.is_empty() {
            let mut kept = Vec::with_capacity(rows.len());
            for r in rows {
                if self.on_pass_correlated(&j.late, &r)? {
                    kept.push(r);
                }
            }
            rows = kept;
        }
        Ok(rows)
    }
}
