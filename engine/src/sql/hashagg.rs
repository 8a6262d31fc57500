//! GROUP BY as the rows come: a hash table from each row's group key to its group (the
//! group's first row and its folded aggregates), so what is held is one entry per group,
//! not every input row. [`Exec::select`](super::exec::Exec::select) feeds it straight
//! from the FROM clause (a join included) when no ROLLUP needs the rows in key order;
//! the groups come out sorted by their keys, as the sorting path (and MariaDB) gives
//! them.
//!
//! A key value is encoded so that two encodings are equal exactly when the values
//! compare equal under the key's collation: integers and decimals as exact numbers,
//! strings as their collation's sort key, temporal values by their value. Values of
//! different kinds can still compare equal (`1` and `'1'`, `1` and `1.0e0`): once one
//! key position has seen two kinds, every later row finds its group by comparing keys
//! with each group's, as the sorting path compares them.
//!
//! [`HashDistinct`] is the same key over a select list: SELECT DISTINCT without ORDER BY
//! sends each row the first time its values are seen and holds only the distinct ones.

use std::collections::{HashMap, HashSet};

use super::error::SqlResult;
use super::exec::{AggInputs, GroupFold};
use super::expr::{AggSpec, EvalCx, Expr};
use super::spill::{sort_rows, KeySpec, SortMode};
use crate::value::{sort_cmp, Collation, Value};

/// The groups of one GROUP BY, filled row by row.
pub(crate) struct HashGroups<'a> {
    keys: &'a [(Expr, Collation)],
    aggs: &'a [AggSpec],
    /// Input columns of a row (aggregate slots follow them in an output row).
    width: usize,
    index: HashMap<Vec<u8>, usize>,
    /// Per group: its first row (`width` columns, then its key values) and its fold.
    groups: Vec<(Vec<Value>, GroupFold)>,
    /// The kind of value each key position has seen (None: only NULLs so far).
    kinds: Vec<Option<u8>>,
    /// Set once a key position saw two kinds: groups are then found by comparison.
    mixed: bool,
    inputs: AggInputs,
    key: Vec<u8>,
    tmp: Vec<u8>,
    vals: Vec<Value>,
}

impl<'a> HashGroups<'a> {
    pub(crate) fn new(
        keys: &'a [(Expr, Collation)],
        aggs: &'a [AggSpec],
        width: usize,
    ) -> HashGroups<'a> {
        HashGroups {
            keys,
            aggs,
            width,
            index: HashMap::new(),
            groups: Vec::new(),
            kinds: vec![None; keys.len()],
            mixed: false,
            inputs: AggInputs::default(),
            key: Vec::new(),
            tmp: Vec::new(),
            vals: Vec::with_capacity(keys.len()),
        }
    }

    /// Folds one input row into its group.
    pub(crate) fn push(&mut self, mut row: Vec<Value>, cx: &EvalCx) -> SqlResult<()> {
        cx.check()?;
        row.resize(self.width, Value::Null);
        self.vals.clear();
        for (e, _) in self.keys {
            let v = match e {
                Expr::Col(i) => row.get(*i).cloned().unwrap_or(Value::Null),
                e => e.eval(&row, cx)?,
            };
            self.vals.push(v);
        }
        self.inputs.eval(&row, self.aggs, cx)?;
        self.key.clear();
        for (j, v) in self.vals.iter().enumerate() {
            let kind = encode(&mut self.key, v, self.keys[j].1, &mut self.tmp);
            match (kind, self.kinds[j]) {
                (None, _) => {}
                (Some(k), None) => self.kinds[j] = Some(k),
                (Some(k), Some(seen)) => self.mixed |= k != seen,
            }
        }
        let found = if self.mixed {
            let (keys, width) = (self.keys, self.width);
            let vals = &self.vals;
            self.groups.iter().position(|(first, _)| {
                keys.iter()
                    .enumerate()
                    .all(|(j, (_, c))| sort_cmp(&first[width + j], &vals[j], *c).is_eq())
            })
        } else {
            self.index.get(self.key.as_slice()).copied()
        };
        let g = match found {
            Some(g) => g,
            None => {
                row.extend(self.vals.iter().cloned());
                cx.mem.charge(
                    super::memory::row_bytes(&row)
                        + 2 * self.key.len() as u64
                        + 48 * (self.aggs.len() as u64 + 1),
                )?;
                self.groups.push((row, GroupFold::new(self.aggs)));
                if !self.mixed {
                    self.index.insert(self.key.clone(), self.groups.len() - 1);
                }
                self.groups.len() - 1
            }
        };
        self.groups[g].1.add(self.aggs, &self.inputs, cx)
    }

    /// The groups in key order: each its first row's `width` columns, then one value per
    /// aggregate (as the sorting path's output rows).
    pub(crate) fn finish(self, cx: &EvalCx) -> SqlResult<Vec<Vec<Value>>> {
        let (width, nk) = (self.width, self.keys.len());
        let mut rows = Vec::with_capacity(self.groups.len());
        for (mut first, fold) in self.groups {
            let keys = first.split_off(width);
            first.extend(fold.close(self.aggs, &[], nk, cx)?);
            first.extend(keys);
            rows.push(first);
        }
        let out = width + self.aggs.len();
        let specs: Vec<KeySpec> = self
            .keys
            .iter()
            .enumerate()
            .map(|(j, (_, c))| KeySpec {
                e: Expr::Col(out + j),
                desc: false,
                coll: *c,
            })
            .collect();
        let mut rows = sort_rows(rows, &specs, SortMode::Sort, None, cx)?;
        for r in &mut rows {
            r.truncate(out);
        }
        Ok(rows)
    }
}

/// The distinct rows of a select list seen so far.
pub(crate) struct HashDistinct {
    colls: Vec<Collation>,
    index: HashSet<Vec<u8>>,
    /// Every distinct row, for comparing once kinds mix (see the module doc).
    seen: Vec<Vec<Value>>,
    kinds: Vec<Option<u8>>,
    mixed: bool,
    key: Vec<u8>,
    tmp: Vec<u8>,
}

impl HashDistinct {
    /// Rows of one value per collation in `colls`.
    pub(crate) fn new(colls: Vec<Collation>) -> HashDistinct {
        let n = colls.len();
        HashDistinct {
            colls,
            index: HashSet::new(),
            seen: Vec::new(),
            kinds: vec![None; n],
            mixed: false,
            key: Vec::new(),
            tmp: Vec::new(),
        }
    }

    /// Whether `row` is new (it is then kept, charged to the statement).
    pub(crate) fn insert(&mut self, row: &[Value], cx: &EvalCx) -> SqlResult<bool> {
        self.key.clear();
        for (j, v) in row.iter().enumerate() {
            let coll = self.colls.get(j).copied().unwrap_or_default();
            let kind = encode(&mut self.key, v, coll, &mut self.tmp);
            if let (Some(k), Some(slot)) = (kind, self.kinds.get_mut(j)) {
                match *slot {
                    None => *slot = Some(k),
                    Some(seen) => self.mixed |= k != seen,
                }
            }
        }
        let found = if self.mixed {
            let colls = &self.colls;
            self.seen.iter().any(|s| {
                s.iter()
                    .zip(row)
                    .zip(colls)
                    .all(|((a, b), c)| sort_cmp(a, b, *c).is_eq())
            })
        } else {
            self.index.contains(self.key.as_slice())
        };
        if found {
            return Ok(false);
        }
        cx.mem
            .charge(super::memory::row_bytes(row) + 2 * self.key.len() as u64 + 48)?;
        self.seen.push(row.to_vec());
        if !self.mixed {
            self.index.insert(self.key.clone());
        }
        Ok(true)
    }
}

/// Appends `v`'s encoding to `out` (length-prefixed, so keys concatenate unambiguously)
/// and gives its kind; None for NULL. Values of one kind encode equal exactly when they
/// compare equal under `coll`.
fn encode(out: &mut Vec<u8>, v: &Value, coll: Collation, tmp: &mut Vec<u8>) -> Option<u8> {
    tmp.clear();
    let int = |tmp: &mut Vec<u8>, i: i128| {
        tmp.push(0);
        tmp.extend_from_slice(&i.to_be_bytes());
    };
    let kind = match v {
        Value::Null => {
            out.extend_from_slice(&u32::MAX.to_be_bytes());
            return None;
        }
        Value::Int(i) => {
            int(tmp, i128::from(*i));
            1
        }
        Value::UInt(u) => {
            int(tmp, i128::from(*u));
            1
        }
        Value::Year(y) => {
            int(tmp, i128::from(*y));
            1
        }
        Value::Decimal(d) => {
            let n = d.normalized();
            match n.to_i128_unscaled() {
                Some((u, 0)) => int(tmp, u),
                _ => {
                    tmp.push(1);
                    tmp.extend_from_slice(n.to_string().as_bytes());
                }
            }
            1
        }
        Value::Float(f) => {
            tmp.extend_from_slice(&(f64::from(*f) + 0.0).to_bits().to_be_bytes());
            2
        }
        Value::Double(f) => {
            // -0.0 + 0.0 is 0.0: the two zeros compare equal.
            tmp.extend_from_slice(&(*f + 0.0).to_bits().to_be_bytes());
            2
        }
        Value::Bytes(b) => {
            coll.sort_key_into(b, tmp);
            3
        }
        Value::Date(d) => {
            tmp.extend_from_slice(format!("{d:?}").as_bytes());
            4
        }
        Value::DateTime(d) => {
            tmp.extend_from_slice(format!("{d:?}").as_bytes());
            5
        }
        Value::Time(t) => {
            tmp.extend_from_slice(format!("{t:?}").as_bytes());
            6
        }
    };
    out.push(kind);
    out.extend_from_slice(&(tmp.len() as u32).to_be_bytes());
    out.extend_from_slice(tmp);
    Some(kind)
}
