//! Locking reads over several tables: `SELECT … FROM a JOIN b … FOR UPDATE` (FOR SHARE,
//! NOWAIT, SKIP LOCKED, OF).
//!
//! InnoDB locks what a locking read reads: each index record its access path visits,
//! with the gap before it under REPEATABLE READ (next-key locks), in every table a
//! clause covers. A join reads an inner table once per outer row, along the path the
//! plan chose for it (an index lookup by the outer row's key, or a scan), so what it
//! locks depends on the rows joined — a lookup by primary key locks that row only, a
//! hash join's full scan locks the whole table.
//!
//! Borealis cannot take a lock from inside the join (its operators read through a
//! shared executor), so the join runs to learn what it reads, then locks it:
//!
//! 1. The query runs once over the newest committed state with [`JoinReads`] installed
//!    in the executor: every read of a covered table (its table, access path and the
//!    outer row feeding the path's keys, [`Exec::scan_columns`]) is logged as what
//!    InnoDB would lock for it ([`Locate`]: whole keys found or missing, ranges with the
//!    gaps around them, a range only as far as the read went when it stopped early — a
//!    LIMIT) plus each row it returned. The result is dropped.
//! 2. What was logged and not yet locked is locked, in the clause's mode and with its
//!    NOWAIT / SKIP LOCKED (a row SKIP LOCKED passes over is skipped by later reads).
//! 3. Steps 1 and 2 repeat until a run reads nothing new: once the rows a run read are
//!    locked, no other transaction can change them, so the next run reads the same
//!    unless rows of tables no clause covers changed (they feed other lookups). After
//!    [`MAX_RUNS`] runs the covered tables are locked whole instead.
//!
//! The query then runs once more for its result, as single-table locking reads do
//! ([`Exec::locking_query`]). Multi-table UPDATE and DELETE lock what their join reads
//! the same way, every table shared (InnoDB's locks on the tables such a statement
//! reads), before they lock the rows they change exclusive ([`super::multi`]). Reads of a covered table by a subquery of the statement
//! are logged too (the log knows tables, not query blocks): MySQL would leave them
//! unlocked, Borealis locks them. Under READ COMMITTED ranges lock nothing and only the
//! rows found are locked, as there.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ops::Bound;

use super::super::catalog::TableDef;
use super::super::error::SqlResult;
use super::super::exec::{locate, Exec, Locate, Path};
use super::super::expr::EvalCx;
use crate::storage::page::Bytes;
use crate::storage::rowlock::{Mode, OnBusy};
use crate::storage::ScanLock;
use crate::value::Value;

/// Runs after which a join that still reads something new locks its tables whole.
const MAX_RUNS: usize = 4;

/// One lock a logged read asks for.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Want {
    /// A whole key of the primary key (`index` None) or of the unique index tree `index`:
    /// locked found or missing (see [`crate::storage::Transaction::lock_read`]).
    Point { index: Option<u64>, key: Vec<u8> },
    /// A range of the primary key or of an index tree, with the gaps and the key around
    /// it that `around` names (see [`crate::storage::Transaction::lock_scan`]).
    Range {
        tree: u64,
        range: (Bound<Bytes>, Bound<Bytes>),
        around: [bool; 4],
    },
    /// A row a read returned, by primary key.
    Row(Vec<u8>),
}

/// The ranges a read of a covered table goes over ([`Locate::Ranges`]), logged when it
/// ends.
pub(crate) struct PendingRanges {
    /// The table's primary key tree.
    table: u64,
    /// The tree read: the primary key or an index.
    tree: u64,
    ranges: Vec<(Bound<Bytes>, Bound<Bytes>)>,
    exact_start: bool,
    next_key: bool,
}

/// What one run of a locking join read of the tables its clauses cover.
pub(crate) struct JoinReads {
    /// The primary key tree of each covered table, with its clause's mode and NOWAIT /
    /// SKIP LOCKED.
    covered: HashMap<u64, (Mode, OnBusy)>,
    /// Locks already taken (by earlier runs).
    taken: HashSet<(u64, Want)>,
    /// Locks this run asks for that are not taken yet, in the order it read.
    new: Vec<(u64, Want)>,
    /// What `new` holds, for the lookups.
    queued: HashSet<(u64, Want)>,
    /// Bytes added since [`JoinReads::take_grown`] last ran.
    grown: u64,
}

impl JoinReads {
    /// Asks for lock `w` on the table of tree `tree`.
    fn want(&mut self, tree: u64, w: Want) {
        let k = (tree, w);
        if self.taken.contains(&k) || self.queued.contains(&k) {
            return;
        }
        let size = match &k.1 {
            Want::Point { key, .. } | Want::Row(key) => key.len(),
            Want::Range { range, .. } => {
                let len = |b: &Bound<Bytes>| match b {
                    Bound::Included(k) | Bound::Excluded(k) => k.len(),
                    Bound::Unbounded => 0,
                };
                len(&range.0) + len(&range.1)
            }
        };
        // Held twice (the queue and its set), then once more when taken.
        self.grown += 3 * (size as u64 + 64);
        self.queued.insert(k.clone());
        self.new.push(k);
    }

    /// The bytes the log grew by since the last call, for the statement's memory account
    /// (a locking read over millions of rows logs millions of keys).
    pub(crate) fn take_grown(&mut self) -> u64 {
        std::mem::take(&mut self.grown)
    }

    /// Logs a read of `t` along `path` (keys from `outer`) if a clause covers `t`: whole
    /// keys at once; ranges come back to be logged when the read ends
    /// ([`JoinReads::ranges_read`]), as far as it went.
    pub(crate) fn access(
        &mut self,
        t: &TableDef,
        path: &Path,
        outer: &[Value],
        cx: &EvalCx,
    ) -> SqlResult<Option<PendingRanges>> {
        if !self.covered.contains_key(&t.tree) {
            return Ok(None);
        }
        Ok(match locate(t, path, outer, cx)? {
            Locate::Points { index, keys } => {
                let index = index.map(|i| t.indexes[i].tree);
                for key in keys {
                    self.want(t.tree, Want::Point { index, key });
                }
                None
            }
            Locate::Ranges {
                tree,
                ranges,
                exact_start,
                next_key,
            } => Some(PendingRanges {
                table: t.tree,
                tree,
                ranges,
                exact_start,
                next_key,
            }),
        })
    }

    /// Logs the ranges of a read that ended, `stop` saying where it stopped early: the
    /// range (`n`-th in reading order, which `reverse` turns around) and the key read
    /// last. As InnoDB's scan that stops, the ranges after it are not locked and that
    /// one only up to the key (with the gaps before it: next-key locks), not past it.
    pub(crate) fn ranges_read(
        &mut self,
        p: PendingRanges,
        stop: Option<(usize, Vec<u8>)>,
        reverse: bool,
    ) {
        let count = p.ranges.len();
        let stop = stop.map(|(n, key)| (if reverse { count - 1 - n } else { n }, key));
        for (i, (lo, hi)) in p.ranges.into_iter().enumerate() {
            let (range, around) = match &stop {
                Some((s, _)) if (!reverse && i > *s) || (reverse && i < *s) => continue,
                Some((s, key)) if i == *s => {
                    let key: Bytes = key.as_slice().into();
                    if reverse {
                        ((Bound::Included(key), hi), [false, true, true, p.next_key])
                    } else {
                        (
                            (lo, Bound::Included(key)),
                            [p.exact_start, true, false, false],
                        )
                    }
                }
                _ => ((lo, hi), [p.exact_start, true, true, p.next_key]),
            };
            self.want(
                p.table,
                Want::Range {
                    tree: p.tree,
                    range,
                    around,
                },
            );
        }
    }

    /// Logs row `pk` of `tree`, returned by a read, if a clause covers the table.
    pub(crate) fn row(&mut self, tree: u64, pk: &[u8]) {
        if self.covered.contains_key(&tree) {
            self.want(tree, Want::Row(pk.to_vec()));
        }
    }
}

impl Exec<'_> {
    /// Locks what `run`, a join (a query, or the join of a multi-table UPDATE or
    /// DELETE), reads of the tables in `covered` (primary key tree → the mode and NOWAIT
    /// / SKIP LOCKED), as the module doc describes; rows SKIP LOCKED passes over go to
    /// [`Exec::skip`].
    pub(crate) fn lock_join_reads(
        &mut self,
        covered: HashMap<u64, (Mode, OnBusy)>,
        run: &mut dyn FnMut(&mut Self) -> SqlResult<()>,
    ) -> SqlResult<()> {
        if covered.is_empty() {
            return Ok(());
        }
        let mut taken = HashSet::new();
        for _ in 0..MAX_RUNS {
            let reads = JoinReads {
                covered: covered.clone(),
                taken,
                new: Vec::new(),
                queued: HashSet::new(),
                grown: 0,
            };
            let snap = self.reader.tx()?.read_latest();
            self.join_reads = Some(RefCell::new(reads));
            // The read binds its parameters and correlated subqueries again each run.
            let first_param = self.next_param;
            let saved = std::mem::take(&mut self.corr);
            let ran = run(self);
            self.next_param = first_param;
            self.corr = saved;
            let reads = self.join_reads.take().map(RefCell::into_inner);
            self.reader.tx()?.restore_snapshot(snap);
            ran?;
            let Some(reads) = reads else { return Ok(()) };
            if reads.new.is_empty() {
                return Ok(());
            }
            taken = reads.taken;
            for (tree, w) in reads.new {
                self.take_join_lock(tree, &w, covered[&tree])?;
                taken.insert((tree, w));
            }
        }
        // Still reading something new: lock the covered tables whole.
        for (&tree, &(mode, busy)) in &covered {
            let tx = self.reader.tx()?;
            tx.set_on_busy(busy);
            tx.lock_range(tree, Bound::Unbounded, Bound::Unbounded, mode)?;
        }
        Ok(())
    }

    /// Takes one lock a join's read asked for on the table of primary key tree `tree`.
    fn take_join_lock(
        &mut self,
        tree: u64,
        w: &Want,
        (mode, busy): (Mode, OnBusy),
    ) -> SqlResult<()> {
        let tx = self.reader.tx()?;
        tx.set_on_busy(busy);
        let skipped = match w {
            Want::Point { index: None, key } | Want::Row(key) => tx
                .lock_read(tree, key, mode)?
                .is_none()
                .then(|| key.clone()),
            Want::Point {
                index: Some(itree),
                key,
            } => match tx.lock_read(*itree, key, mode)? {
                Some(Some(pk)) => tx
                    .lock_read(tree, &pk, mode)?
                    .is_none()
                    .then(|| pk.to_vec()),
                Some(None) => None,
                None => self.reader.get(*itree, key)?.map(|pk| pk.to_vec()),
            },
            Want::Range {
                tree: rtree,
                range,
                around: [exact_start, gap_below, gap_above, next_key],
            } => {
                let around = ScanLock {
                    exact_start: *exact_start,
                    gap_below: *gap_below,
                    gap_above: *gap_above,
                    next_key: *next_key,
                };
                tx.lock_scan(*rtree, range.clone(), mode, around)?;
                None
            }
        };
        if let Some(pk) = skipped {
            self.skip.entry(tree).or_default().insert(pk);
        }
        Ok(())
    }
}
