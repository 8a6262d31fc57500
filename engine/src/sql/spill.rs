//! Sorting within `sort_buffer_size`: the one sort ORDER BY, DISTINCT and GROUP BY use.
//!
//! [`sort_rows`] orders rows by key expressions (collation, direction and NULL order as
//! [`KeyTable`] compares them; rows with equal keys keep their input order). Three ways,
//! chosen as MySQL's filesort chooses them:
//! - the rows fit in `sort_buffer_size` (their bytes as [`row_bytes`] counts them): one
//!   in-memory sort of a key table;
//! - a LIMIT smaller than the input (ORDER BY … LIMIT n): a bounded priority queue that
//!   keeps only the best `limit` rows and their keys;
//! - otherwise an external merge sort: the input is cut into runs of at most
//!   `sort_buffer_size` bytes; each run is sorted in memory and written to a temp file;
//!   runs are merged MERGEBUFF (7) at a time while more than MERGEBUFF2 (15) remain, then
//!   in one final merge, as MySQL's `merge_many_buff` does. Every merge adds one to
//!   `Sort_merge_passes` (session and global). Only one run's key table is in memory at a
//!   time (charged to the statement's account and given back when the run is written).
//!
//! Temp files live in `tmpdir` (the server sets it to `DATA_DIR/tmp`, emptied at
//! startup): created with mode 0600 and a fresh name, unlinked at once, so a file is gone
//! when the statement ends, fails or the process dies. I/O errors are MySQL's: 1004 (can't
//! create), 1026 (error writing, e.g. a full disk), 1024 (error reading).
//!
//! A record in a run file: varint length, then the key values and the row's values, each
//! in the self-describing [`encode_value`] form (a tag byte and the value's bytes).

use std::cmp::Ordering;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::Arc;

use super::error::{SqlError, SqlResult};
use super::exec::KeyTable;
use super::expr::{EvalCx, Expr};
use super::memory::row_bytes;
use crate::value::row::{get_varint, put_varint};
use crate::value::temporal::{Date, DateTime, Time};
use crate::value::{sort_cmp, Collation, Decimal, Value};

/// Runs merged at once by an intermediate pass (MySQL's MERGEBUFF).
const MERGEBUFF: usize = 7;
/// At most this many runs go into the final merge (MySQL's MERGEBUFF2).
const MERGEBUFF2: usize = 15;

/// Where and how much a statement's sorts may use.
pub struct SortEnv {
    /// `sort_buffer_size` of the session.
    pub buffer: u64,
    /// Where run files go (`tmpdir`).
    pub tmpdir: PathBuf,
    /// Counters a merge adds one to (the session's and the server's Sort_merge_passes).
    pub passes: Vec<Arc<AtomicU64>>,
}

impl Default for SortEnv {
    fn default() -> SortEnv {
        SortEnv {
            buffer: 262_144,
            tmpdir: std::env::temp_dir(),
            passes: Vec::new(),
        }
    }
}

/// One sort key: the expression, its direction and the collation its strings sort by.
pub(crate) struct KeySpec {
    pub e: Expr,
    pub desc: bool,
    pub coll: Collation,
}

/// What [`sort_rows`] returns.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortMode {
    /// Every row, in key order.
    Sort,
    /// The first row of each run of equal keys, in key order (DISTINCT ordered by exactly
    /// its outputs).
    Distinct,
    /// The first row of each run of equal keys, in input order (DISTINCT without ORDER BY:
    /// MySQL returns the first occurrences as they came).
    DistinctInputOrder,
}

/// `rows` ordered by `keys` (stable), see the module doc. `limit` (LIMIT + OFFSET, when
/// known) lets a plain sort keep only that many rows.
pub(crate) fn sort_rows(
    rows: Vec<Vec<Value>>,
    keys: &[KeySpec],
    mode: SortMode,
    limit: Option<u64>,
    cx: &EvalCx,
) -> SqlResult<Vec<Vec<Value>>> {
    if mode == SortMode::Sort && (rows.len() < 2 || keys.is_empty()) {
        return Ok(rows);
    }
    if let (Some(n), SortMode::Sort) = (limit, mode) {
        if n < rows.len() as u64 {
            return top_n(rows, keys, n as usize, cx);
        }
    }
    let total: u64 = rows.iter().map(|r| row_bytes(r)).sum();
    if total <= cx.sort.buffer {
        return sort_in_memory(rows, keys, mode, cx);
    }
    external(rows, keys, mode, cx)
}

/// Bytes a key table of `rows` rows and `keys` keys takes beyond the rows themselves.
fn key_table_bytes(rows: usize, keys: usize, key_bytes: usize) -> u64 {
    (rows * (keys * 40 + std::mem::size_of::<usize>()) + key_bytes) as u64
}

fn sort_in_memory(
    mut rows: Vec<Vec<Value>>,
    keys: &[KeySpec],
    mode: SortMode,
    cx: &EvalCx,
) -> SqlResult<Vec<Vec<Value>>> {
    let mut t = KeyTable::new(
        keys.iter().map(|k| k.coll).collect(),
        keys.iter().map(|k| k.desc).collect(),
        rows.len(),
    );
    for r in &rows {
        t.push_row(keys.iter().map(|k| &k.e), r, cx)?;
    }
    let held = key_table_bytes(rows.len(), keys.len(), t.key_bytes());
    cx.mem.charge(held)?;
    let mut order = t.order();
    if mode != SortMode::Sort {
        let mut last: Option<usize> = None;
        order.retain(|&i| {
            let first = last.is_none_or(|l| t.cmp_rows(l, i) != Ordering::Equal);
            last = Some(i);
            first
        });
        if mode == SortMode::DistinctInputOrder {
            order.sort_unstable();
        }
    }
    drop(t);
    cx.mem.release(held);
    Ok(order
        .into_iter()
        .map(|i| std::mem::take(&mut rows[i]))
        .collect())
}

/// One row's sort keys, owned: their values and, for strings under a collation, the
/// collation's sort key.
struct KeyRow {
    vals: Vec<Value>,
    weights: Vec<Option<Vec<u8>>>,
}

impl KeyRow {
    fn new(vals: Vec<Value>, keys: &[KeySpec]) -> KeyRow {
        let weights = vals
            .iter()
            .zip(keys)
            .map(|(v, k)| match v {
                Value::Bytes(b) if !k.coll.is_binary() => {
                    let mut w = Vec::new();
                    k.coll.sort_key_into(b, &mut w);
                    Some(w)
                }
                _ => None,
            })
            .collect();
        KeyRow { vals, weights }
    }

    fn eval(r: &[Value], keys: &[KeySpec], cx: &EvalCx) -> SqlResult<KeyRow> {
        let vals = keys
            .iter()
            .map(|k| match &k.e {
                Expr::Col(i) if *i < r.len() => Ok(r[*i].clone()),
                e => e.eval(r, cx),
            })
            .collect::<SqlResult<Vec<_>>>()?;
        Ok(KeyRow::new(vals, keys))
    }

    fn bytes(&self) -> u64 {
        row_bytes(&self.vals)
            + self
                .weights
                .iter()
                .flatten()
                .map(|w| w.len() as u64)
                .sum::<u64>()
    }

    /// Compares on key `j` only, as [`KeyTable::cmp_keys`] does.
    fn cmp_at(&self, other: &KeyRow, j: usize, keys: &[KeySpec]) -> Ordering {
        let o = match (&self.weights[j], &other.weights[j]) {
            (Some(a), Some(b)) => a.cmp(b),
            _ => sort_cmp(&self.vals[j], &other.vals[j], keys[j].coll),
        };
        if keys[j].desc {
            o.reverse()
        } else {
            o
        }
    }

    fn cmp(&self, other: &KeyRow, keys: &[KeySpec]) -> Ordering {
        (0..keys.len())
            .map(|j| self.cmp_at(other, j, keys))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    }
}

/// GROUP BY's view of sorted rows: whether two rows' keys differ, key by key.
pub(crate) struct GroupKeys<'k> {
    keys: &'k [KeySpec],
}

/// The keys of one row for [`GroupKeys::first_difference`].
pub(crate) struct GroupKey(KeyRow);

impl<'k> GroupKeys<'k> {
    pub(crate) fn new(keys: &'k [KeySpec]) -> Self {
        GroupKeys { keys }
    }

    pub(crate) fn of(&self, r: &[Value], cx: &EvalCx) -> SqlResult<GroupKey> {
        KeyRow::eval(r, self.keys, cx).map(GroupKey)
    }

    /// The first key on which `a` and `b` differ.
    pub(crate) fn first_difference(&self, a: &GroupKey, b: &GroupKey) -> Option<usize> {
        (0..self.keys.len()).find(|&j| a.0.cmp_at(&b.0, j, self.keys) != Ordering::Equal)
    }
}

/// ORDER BY … LIMIT n over more than n rows: the best n, kept in a bounded queue.
fn top_n(
    rows: Vec<Vec<Value>>,
    keys: &[KeySpec],
    n: usize,
    cx: &EvalCx,
) -> SqlResult<Vec<Vec<Value>>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    // A max-heap by (keys, input position) of the best rows so far, as a sorted vector's
    // worth of entries: `heap[0]` is the worst kept row.
    let mut heap: Vec<(KeyRow, usize, Vec<Value>)> = Vec::with_capacity(n.min(1 << 16));
    let mut held = 0u64;
    let worse = |a: &(KeyRow, usize, Vec<Value>), b: &(KeyRow, usize, Vec<Value>)| {
        a.0.cmp(&b.0, keys).then(a.1.cmp(&b.1)) == Ordering::Greater
    };
    for (i, r) in rows.into_iter().enumerate() {
        cx.check()?;
        let k = KeyRow::eval(&r, keys, cx)?;
        if heap.len() == n {
            // Later rows with equal keys lose to kept ones (stability).
            if k.cmp(&heap[0].0, keys) != Ordering::Less {
                continue;
            }
            let old = std::mem::replace(&mut heap[0], (k, i, r));
            let b = old.0.bytes() + row_bytes(&old.2);
            cx.mem.release(b.min(held));
            held -= b.min(held);
            let b = heap[0].0.bytes() + row_bytes(&heap[0].2);
            cx.mem.charge(b)?;
            held += b;
            sift_down(&mut heap, 0, &worse);
        } else {
            let b = k.bytes() + row_bytes(&r);
            cx.mem.charge(b)?;
            held += b;
            heap.push((k, i, r));
            let mut at = heap.len() - 1;
            while at > 0 {
                let parent = (at - 1) / 2;
                if worse(&heap[at], &heap[parent]) {
                    heap.swap(at, parent);
                    at = parent;
                } else {
                    break;
                }
            }
        }
    }
    heap.sort_by(|a, b| a.0.cmp(&b.0, keys).then(a.1.cmp(&b.1)));
    cx.mem.release(held);
    Ok(heap.into_iter().map(|(_, _, r)| r).collect())
}

fn sift_down<T>(heap: &mut [T], mut at: usize, worse: &impl Fn(&T, &T) -> bool) {
    loop {
        let (l, r) = (2 * at + 1, 2 * at + 2);
        let mut top = at;
        if l < heap.len() && worse(&heap[l], &heap[top]) {
            top = l;
        }
        if r < heap.len() && worse(&heap[r], &heap[top]) {
            top = r;
        }
        if top == at {
            return;
        }
        heap.swap(at, top);
        at = top;
    }
}

// ---------------------------------------------------------------------------------------
// External merge sort
// ---------------------------------------------------------------------------------------

/// A run file: created 0600 in `tmpdir` and unlinked at once, so it disappears with its
/// handle (statement end, error, crash).
struct RunFile {
    file: File,
    /// Bytes written so far.
    len: u64,
    name: String,
}

static FILE_SEQ: AtomicU64 = AtomicU64::new(0);

impl RunFile {
    fn create(dir: &Path) -> SqlResult<RunFile> {
        let name = format!(
            "#sql_sort_{:x}_{:x}",
            std::process::id(),
            FILE_SEQ.fetch_add(1, AtomicOrdering::Relaxed)
        );
        let path = dir.join(&name);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| io_error(1004, &path, &e))?;
        // Unlinked now: the open handle keeps the data until it is dropped.
        let _ = std::fs::remove_file(&path);
        Ok(RunFile {
            file,
            len: 0,
            name: path.display().to_string(),
        })
    }
}

fn io_error(code: u16, path: &Path, e: &std::io::Error) -> SqlError {
    let errno = e.raw_os_error().unwrap_or(0);
    let msg = match code {
        1004 => format!(
            "Can't create file '{}' (errno: {errno} - {e})",
            path.display()
        ),
        1024 => format!(
            "Error reading file '{}' (errno: {errno} - {e})",
            path.display()
        ),
        _ => format!(
            "Error writing file '{}' (errno: {errno} - {e})",
            path.display()
        ),
    };
    SqlError::new(code, msg)
}

/// Appends records to a run file through a buffer.
struct RunWriter<'f> {
    f: &'f mut RunFile,
    buf: Vec<u8>,
    rec: Vec<u8>,
}

impl<'f> RunWriter<'f> {
    fn new(f: &'f mut RunFile) -> Self {
        RunWriter {
            f,
            buf: Vec::with_capacity(1 << 16),
            rec: Vec::new(),
        }
    }

    fn push(&mut self, keys: &[Value], row: &[Value]) -> SqlResult<()> {
        self.rec.clear();
        put_varint(&mut self.rec, keys.len() as u64);
        keys.iter().for_each(|v| encode_value(&mut self.rec, v));
        put_varint(&mut self.rec, row.len() as u64);
        row.iter().for_each(|v| encode_value(&mut self.rec, v));
        put_varint(&mut self.buf, self.rec.len() as u64);
        self.buf.extend_from_slice(&self.rec);
        if self.buf.len() >= 1 << 16 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> SqlResult<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        (&self.f.file)
            .write_all(&self.buf)
            .map_err(|e| io_error(1026, Path::new(&self.f.name), &e))?;
        self.f.len += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Flushes and gives the file's length: where the run just written ends.
    fn finish(mut self) -> SqlResult<u64> {
        self.flush()?;
        Ok(self.f.len)
    }
}

/// Reads the records of one run (`start..end` of a run file) back.
struct RunReader<'f> {
    f: &'f RunFile,
    pos: u64,
    end: u64,
    buf: Vec<u8>,
    at: usize,
}

impl<'f> RunReader<'f> {
    fn new(f: &'f RunFile, start: u64, end: u64) -> Self {
        RunReader {
            f,
            pos: start,
            end,
            buf: Vec::new(),
            at: 0,
        }
    }

    /// Makes at least `n` unread bytes available in the buffer (fewer at the run's end).
    fn fill(&mut self, n: usize) -> SqlResult<()> {
        let have = self.buf.len() - self.at;
        if have >= n || self.pos >= self.end {
            return Ok(());
        }
        self.buf.drain(..self.at);
        self.at = 0;
        let want = (n - have).max(1 << 16) as u64;
        let take = want.min(self.end - self.pos) as usize;
        let old = self.buf.len();
        self.buf.resize(old + take, 0);
        self.f
            .file
            .read_exact_at(&mut self.buf[old..], self.pos)
            .map_err(|e| io_error(1024, Path::new(&self.f.name), &e))?;
        self.pos += take as u64;
        Ok(())
    }

    fn next(&mut self) -> SqlResult<Option<(Vec<Value>, Vec<Value>)>> {
        self.fill(10)?;
        if self.at >= self.buf.len() {
            return Ok(None);
        }
        let mut p = self.at;
        let len = get_varint(&self.buf, &mut p).map_err(corrupt)? as usize;
        let head = p - self.at;
        self.fill(head + len)?;
        let mut p = self.at + head;
        if p + len > self.buf.len() {
            return Err(SqlError::new(
                1024,
                format!(
                    "Error reading file '{}': a sort run ends early",
                    self.f.name
                ),
            ));
        }
        let rec = &self.buf[..p + len];
        let nk = get_varint(rec, &mut p).map_err(corrupt)? as usize;
        let mut keys = Vec::with_capacity(nk.min(4096));
        for _ in 0..nk {
            keys.push(decode_value(rec, &mut p)?);
        }
        let nr = get_varint(rec, &mut p).map_err(corrupt)? as usize;
        let mut row = Vec::with_capacity(nr.min(4096));
        for _ in 0..nr {
            row.push(decode_value(rec, &mut p)?);
        }
        self.at = rec.len();
        Ok(Some((keys, row)))
    }
}

fn corrupt(_: crate::value::ValueError) -> SqlError {
    SqlError::new(1024, "Error reading a sort run file: bad record")
}

/// A sort's state between runs: its files and the runs they hold.
struct Merger<'a> {
    keys: &'a [KeySpec],
    mode: SortMode,
    cx: &'a EvalCx,
}

impl Merger<'_> {
    fn count_pass(&self) {
        for c in &self.cx.sort.passes {
            c.fetch_add(1, AtomicOrdering::Relaxed);
        }
    }

    /// Merges `runs` of `from` in key order (ties: the earlier run first), handing each
    /// record (first of equal keys only, when deduplicating) to `out`; stops when `out`
    /// says so.
    fn merge(
        &self,
        from: &RunFile,
        runs: &[(u64, u64)],
        out: &mut dyn FnMut(&[Value], Vec<Value>) -> SqlResult<bool>,
    ) -> SqlResult<()> {
        self.count_pass();
        let mut readers: Vec<RunReader> = runs
            .iter()
            .map(|&(s, e)| RunReader::new(from, s, e))
            .collect();
        let mut heads: Vec<Option<(KeyRow, Vec<Value>)>> = Vec::with_capacity(runs.len());
        for r in &mut readers {
            heads.push(r.next()?.map(|(k, row)| (KeyRow::new(k, self.keys), row)));
        }
        let mut last: Option<KeyRow> = None;
        loop {
            self.cx.check()?;
            let mut best: Option<usize> = None;
            for (i, h) in heads.iter().enumerate() {
                let Some((k, _)) = h else { continue };
                let better = match best.and_then(|b| heads[b].as_ref()) {
                    Some((bk, _)) => k.cmp(bk, self.keys) == Ordering::Less,
                    None => true,
                };
                if better {
                    best = Some(i);
                }
            }
            let Some(b) = best else { break };
            let next = readers[b]
                .next()?
                .map(|(k, row)| (KeyRow::new(k, self.keys), row));
            let Some((k, row)) = std::mem::replace(&mut heads[b], next) else {
                break;
            };
            if self.mode != SortMode::Sort
                && last
                    .as_ref()
                    .is_some_and(|l| l.cmp(&k, self.keys) == Ordering::Equal)
            {
                continue;
            }
            let go_on = out(&k.vals, row)?;
            if self.mode != SortMode::Sort {
                last = Some(k);
            }
            if !go_on {
                break;
            }
        }
        Ok(())
    }
}

fn external(
    rows: Vec<Vec<Value>>,
    keys: &[KeySpec],
    mode: SortMode,
    cx: &EvalCx,
) -> SqlResult<Vec<Vec<Value>>> {
    let m = Merger { keys, mode, cx };
    let mut file = RunFile::create(&cx.sort.tmpdir)?;
    let mut runs: Vec<(u64, u64)> = Vec::new();
    let mut chunk: Vec<Vec<Value>> = Vec::new();
    let mut chunk_bytes = 0u64;
    let n = rows.len();
    let mut input = rows.into_iter().enumerate();
    loop {
        let next = input.next();
        let done = next.is_none();
        if let Some((i, mut r)) = next {
            cx.check()?;
            if mode == SortMode::DistinctInputOrder {
                r.push(Value::UInt(i as u64));
            }
            chunk_bytes += row_bytes(&r);
            chunk.push(r);
            if chunk_bytes < cx.sort.buffer && i + 1 < n {
                continue;
            }
        }
        if !chunk.is_empty() {
            let start = file.len;
            let mut t = KeyTable::new(
                keys.iter().map(|k| k.coll).collect(),
                keys.iter().map(|k| k.desc).collect(),
                chunk.len(),
            );
            for r in &chunk {
                t.push_row(keys.iter().map(|k| &k.e), r, cx)?;
            }
            let held = key_table_bytes(chunk.len(), keys.len(), t.key_bytes());
            cx.mem.charge(held)?;
            let mut w = RunWriter::new(&mut file);
            let order = t.order();
            let mut last: Option<usize> = None;
            for i in order {
                if mode != SortMode::Sort {
                    if last.is_some_and(|l| t.cmp_rows(l, i) == Ordering::Equal) {
                        continue;
                    }
                    last = Some(i);
                }
                let kv: Vec<Value> = (0..keys.len()).map(|j| t.key(i, j).clone()).collect();
                w.push(&kv, &chunk[i])?;
            }
            let end = w.finish()?;
            drop(t);
            cx.mem.release(held);
            chunk.clear();
            chunk_bytes = 0;
            runs.push((start, end));
        }
        if done {
            break;
        }
    }
    drop(chunk);
    // Intermediate passes: MERGEBUFF runs at a time into a new file.
    while runs.len() > MERGEBUFF2 {
        let mut to = RunFile::create(&cx.sort.tmpdir)?;
        let mut merged = Vec::with_capacity(runs.len().div_ceil(MERGEBUFF));
        for group in runs.chunks(MERGEBUFF) {
            let start = to.len;
            let mut w = RunWriter::new(&mut to);
            m.merge(&file, group, &mut |k, row| {
                w.push(k, &row)?;
                Ok(true)
            })?;
            merged.push((start, w.finish()?));
        }
        file = to;
        runs = merged;
    }
    let mut out: Vec<Vec<Value>> = Vec::new();
    m.merge(&file, &runs, &mut |_, row| {
        out.push(row);
        Ok(true)
    })?;
    if mode == SortMode::DistinctInputOrder {
        let pos = |r: &Vec<Value>| match r.last() {
            Some(Value::UInt(i)) => *i,
            _ => 0,
        };
        out.sort_unstable_by_key(pos);
        out.iter_mut().for_each(|r| {
            r.pop();
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Values in run files
// ---------------------------------------------------------------------------------------

/// Appends `v`: a tag byte, then its bytes (integers and floats little-endian, strings
/// length-prefixed, DECIMAL as sign/scale and base-1e9 limbs, temporals packed).
pub(crate) fn encode_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(0),
        Value::Int(i) => {
            out.push(1);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::UInt(u) => {
            out.push(2);
            out.extend_from_slice(&u.to_le_bytes());
        }
        Value::Float(f) => {
            out.push(3);
            out.extend_from_slice(&f.to_bits().to_le_bytes());
        }
        Value::Double(f) => {
            out.push(4);
            out.extend_from_slice(&f.to_bits().to_le_bytes());
        }
        Value::Decimal(d) => {
            out.push(5);
            let (neg, mag, scale) = d.parts();
            out.push(u8::from(neg));
            out.push(scale);
            put_varint(out, mag.len() as u64);
            for l in mag {
                out.extend_from_slice(&l.to_le_bytes());
            }
        }
        Value::Bytes(b) => {
            out.push(6);
            put_varint(out, b.len() as u64);
            out.extend_from_slice(b);
        }
        Value::Date(d) => {
            out.push(7);
            out.extend_from_slice(&d.year.to_le_bytes());
            out.extend_from_slice(&[d.month, d.day]);
        }
        Value::DateTime(d) => {
            out.push(8);
            out.extend_from_slice(&d.to_packed().to_le_bytes());
        }
        Value::Time(t) => {
            out.push(9);
            out.extend_from_slice(&t.to_micros().to_le_bytes());
        }
        Value::Year(y) => {
            out.push(10);
            out.extend_from_slice(&y.to_le_bytes());
        }
    }
}

fn bad() -> SqlError {
    SqlError::new(1024, "Error reading a sort run file: bad value")
}

/// The `n` bytes at `*p`, moving `*p` past them.
fn take<'b>(b: &'b [u8], n: usize, p: &mut usize) -> SqlResult<&'b [u8]> {
    let s = b.get(*p..p.saturating_add(n)).ok_or_else(bad)?;
    *p += n;
    Ok(s)
}

/// Reads a value [`encode_value`] wrote at `*p`.
pub(crate) fn decode_value(b: &[u8], p: &mut usize) -> SqlResult<Value> {
    let take = |n: usize, p: &mut usize| take(b, n, p);
    let tag = take(1, p)?[0];
    let arr8 = |s: &[u8]| <[u8; 8]>::try_from(s).map_err(|_| bad());
    Ok(match tag {
        0 => Value::Null,
        1 => Value::Int(i64::from_le_bytes(arr8(take(8, p)?)?)),
        2 => Value::UInt(u64::from_le_bytes(arr8(take(8, p)?)?)),
        3 => {
            let s = take(4, p)?;
            Value::Float(f32::from_bits(u32::from_le_bytes([s[0], s[1], s[2], s[3]])))
        }
        4 => Value::Double(f64::from_bits(u64::from_le_bytes(arr8(take(8, p)?)?))),
        5 => {
            let s = take(2, p)?;
            let (neg, scale) = (s[0] != 0, s[1]);
            let n = get_varint(b, p).map_err(|_| bad())? as usize;
            if n > b.len() {
                return Err(bad());
            }
            let mut mag = Vec::with_capacity(n);
            for _ in 0..n {
                let s = take(4, p)?;
                mag.push(u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
            }
            Value::Decimal(Decimal::from_parts(neg, mag, scale).ok_or_else(bad)?)
        }
        6 => {
            let n = get_varint(b, p).map_err(|_| bad())? as usize;
            Value::Bytes(take(n, p)?.to_vec())
        }
        7 => {
            let s = take(4, p)?;
            Value::Date(Date {
                year: u16::from_le_bytes([s[0], s[1]]),
                month: s[2],
                day: s[3],
            })
        }
        8 => Value::DateTime(DateTime::from_packed(u64::from_le_bytes(arr8(take(
            8, p,
        )?)?))),
        9 => Value::Time(Time::from_micros(i64::from_le_bytes(arr8(take(8, p)?)?))),
        10 => {
            let s = take(2, p)?;
            Value::Year(u16::from_le_bytes([s[0], s[1]]))
        }
        _ => return Err(bad()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let vals = vec![
            Value::Null,
            Value::Int(i64::MIN),
            Value::UInt(u64::MAX),
            Value::Float(-1.5),
            Value::Double(f64::NAN),
            Value::Decimal(Decimal::parse("-12345678901234567890.123456789").unwrap()),
            Value::Bytes("héllo".as_bytes().to_vec()),
            Value::Bytes(Vec::new()),
            Value::Date(Date {
                year: 0,
                month: 0,
                day: 0,
            }),
            Value::DateTime(DateTime::from_packed(
                DateTime::from_date(Date::new(2024, 2, 29)).to_packed() + 123,
            )),
            Value::Time(Time::from_micros(-838 * 3_600_000_000)),
            Value::Year(2155),
        ];
        let mut b = Vec::new();
        vals.iter().for_each(|v| encode_value(&mut b, v));
        let mut p = 0;
        for v in &vals {
            let back = decode_value(&b, &mut p).unwrap();
            match (v, &back) {
                (Value::Double(x), Value::Double(y)) => assert_eq!(x.to_bits(), y.to_bits()),
                _ => assert_eq!(v, &back),
            }
        }
        assert_eq!(p, b.len());
        assert!(decode_value(&b[..3], &mut 1).is_err());
    }

    fn sorted(
        rows: Vec<Vec<Value>>,
        mode: SortMode,
        limit: Option<u64>,
        buffer: u64,
    ) -> Vec<Vec<Value>> {
        let mut cx = EvalCx::new(0, crate::sql::vars::TimeZone::System);
        cx.sort.buffer = buffer;
        let passes = Arc::new(AtomicU64::new(0));
        cx.sort.passes = vec![passes.clone()];
        let keys = vec![
            KeySpec {
                e: Expr::Col(0),
                desc: false,
                coll: Collation::default(),
            },
            KeySpec {
                e: Expr::Col(1),
                desc: true,
                coll: Collation::default(),
            },
        ];
        let out = sort_rows(rows, &keys, mode, limit, &cx).unwrap();
        if buffer < 1000 && limit.is_none() {
            assert!(passes.load(AtomicOrdering::Relaxed) > 0);
        }
        out
    }

    #[test]
    fn external_sort_equals_in_memory_sort() {
        let mut rows = Vec::new();
        let mut x = 7u64;
        for i in 0..5000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let s = ["b", "A", "a", "é", "e", ""][(x % 6) as usize];
            let k = if x.is_multiple_of(11) {
                Value::Null
            } else {
                Value::Bytes(s.as_bytes().to_vec())
            };
            rows.push(vec![k, Value::Int((x % 13) as i64), Value::UInt(i)]);
        }
        for mode in [
            SortMode::Sort,
            SortMode::Distinct,
            SortMode::DistinctInputOrder,
        ] {
            let mem = sorted(rows.clone(), mode, None, 1 << 30);
            let disk = sorted(rows.clone(), mode, None, 500);
            assert_eq!(mem, disk);
        }
        let mem = sorted(rows.clone(), SortMode::Sort, None, 1 << 30);
        let top = sorted(rows.clone(), SortMode::Sort, Some(100), 1 << 30);
        assert_eq!(&mem[..100], &top[..]);
    }
}
