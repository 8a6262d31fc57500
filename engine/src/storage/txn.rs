//! Snapshots (immutable reads) and transactions (a write buffer over a snapshot,
//! committed through the cluster's ordered pipeline).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::btree::{self, Cursor};
use super::meta::CommitEntry;
use super::page::Bytes;
use super::record::{
    BinlogCoord, BinlogWrite, Change, CommitRecord, KeptEvents, Record, Statement,
    MAX_KEPT_BINLOG_EVENTS,
};
use super::rowlock::{Acquired, KeyRange, Mode, OnBusy, WaitPolicy};
use super::state::{apply_changes, State};
use super::volume::{
    now_us, Cluster, ClusterInfo, ClusterInner, CommitState, PointInTime, VolumeInner,
};
use crate::error::{Error, Result};

/// An immutable view of one cluster at one commit. Cheap to take and to hold:
/// writers never disturb it.
#[derive(Clone)]
pub struct Snapshot {
    vol: Arc<VolumeInner>,
    state: Arc<State>,
}

impl Snapshot {
    /// The commit this snapshot shows.
    pub fn seq(&self) -> u64 {
        self.state.seq
    }

    /// Commit time of that commit (µs since epoch).
    pub fn time_us(&self) -> u64 {
        self.state.time_us
    }

    /// Whether tree `tree` exists here.
    pub fn has_tree(&self, tree: u64) -> bool {
        self.state.trees.contains_key(&tree)
    }

    /// Ids of every tree.
    pub fn trees(&self) -> Vec<u64> {
        self.state.trees.keys().copied().collect()
    }

    /// Number of entries in `tree`.
    pub fn count(&self, tree: u64) -> Result<u64> {
        Ok(self.root(tree)?.count)
    }

    fn root(&self, tree: u64) -> Result<&super::state::TreeRoot> {
        self.state.trees.get(&tree).ok_or_else(|| Error::NotFound {
            what: format!("tree {tree}"),
        })
    }

    /// Point lookup.
    pub fn get(&self, tree: u64, key: &[u8]) -> Result<Option<Bytes>> {
        match btree::get(&self.vol.pager, &self.root(tree)?.root, key)? {
            None => Ok(None),
            Some(v) => Ok(Some(self.vol.pager.value(&v)?)),
        }
    }

    /// Entries with keys inside `(lower, upper)`, ascending or descending.
    pub fn range(
        &self,
        tree: u64,
        lower: Bound<Bytes>,
        upper: Bound<Bytes>,
        reverse: bool,
    ) -> Result<Cursor> {
        Cursor::new(
            self.vol.pager.clone(),
            &self.root(tree)?.root,
            lower,
            upper,
            reverse,
        )
    }

    /// Calls `f` with each entry of `(lower, upper)`, borrowed (see [`Cursor::visit`]),
    /// until it returns false.
    pub fn scan(
        &self,
        tree: u64,
        lower: Bound<Bytes>,
        upper: Bound<Bytes>,
        reverse: bool,
        f: &mut dyn FnMut(&[u8], &[u8]) -> Result<bool>,
    ) -> Result<()> {
        self.range(tree, lower, upper, reverse)?.visit(f)
    }
}

/// What [`Cluster::rewind`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RewindReceipt {
    /// The rewind's own commit.
    pub seq: u64,
    pub time_us: u64,
    /// The commit the cluster was at before.
    pub from_seq: u64,
    /// The commit whose state the cluster now has, and its time.
    pub to_seq: u64,
    pub to_time_us: u64,
    /// Tree changes between the two states, in the trees the caller asked about.
    pub changes: usize,
}

/// The ordered pipeline's common part, under the commit lock: `next` is the new state
/// (the newest state with `changes` applied), builds the commit record (refusing one the
/// log cannot hold), lets `binlog` place its events and return their coordinate, appends
/// the record and installs the new state (published once its record is durable). Returns
/// the record and its log ticket. Nothing is changed when it fails (but a failed log
/// write found meanwhile is settled, see [`VolumeInner::settle`]).
#[allow(clippy::too_many_arguments)]
fn append_commit(
    vol: &VolumeInner,
    c: &ClusterInner,
    cs: &mut CommitState,
    mut next: State,
    changes: Vec<Change>,
    statements: Vec<Statement>,
    info: CommitInfo,
    rewind_to: Option<u64>,
    binlog: impl FnOnce(&CommitRecord, &CommitState) -> Result<Option<BinlogWrite>>,
) -> Result<(CommitRecord, super::wal::Ticket)> {
    let seq = cs.working.seq + 1;
    let time_us = now_us().max(cs.working.time_us + 1);
    let mut rec = CommitRecord {
        cluster: c.id,
        seq,
        time_us,
        server_id: info.server_id,
        binlog: None,
        binlog_events: KeptEvents::None,
        statements,
        changes,
        extra: info.extra,
        rewind_to,
    };
    check_size(&rec)?;
    match binlog(&rec, cs) {
        Ok(Some(w)) => {
            rec.binlog = Some(w.coord);
            rec.binlog_events = w.events;
        }
        Ok(None) => {}
        Err(e) => {
            // The hook may have appended events before it failed (a full disk while it
            // wrote a big transaction's): they belong to no commit.
            vol.cut_binlog(c, cs);
            return Err(e);
        }
    }
    let t = match vol.log.append_in(cs.log_gen, &rec.encode()) {
        Ok(t) => t,
        Err(e) => {
            // A failed log write dropped what this state was built on: roll back (the
            // binlog too, which may hold this commit's events now).
            vol.settle(c, cs, true);
            return Err(e);
        }
    };
    let (lsn, end) = (t.lsn, t.end);
    next.seq = seq;
    next.time_us = time_us;
    next.lsn = end;
    cs.install(
        next,
        CommitEntry {
            seq,
            time_us,
            lsn,
            end,
            binlog: rec.binlog,
        },
    );
    // A big commit's state joins the history at once: reading a moment after it
    // (backtrack, point-in-time restore, AS OF) starts there instead of replaying a
    // record that may be as big as the table it wrote (CREATE INDEX over 10^7 rows
    // replayed took 0.7 s). A rewind pushes its own state (see `Cluster::rewind`).
    if rewind_to.is_none() && end - lsn >= HISTORY_AFTER_COMMIT_BYTES {
        c.lock_timeline().history.push(Arc::new(cs.working.clone()));
    }
    Ok((rec, t))
}

/// Log bytes of one commit past which its state is kept in the history (see
/// [`append_commit`]): a replay from the state before it would cost more than the
/// pages its state pins until retention drops it.
const HISTORY_AFTER_COMMIT_BYTES: u64 = 8 << 20;

/// Refuses a commit whose log record the log could not hold (before anything of it,
/// binlog events included, is written).
fn check_size(rec: &CommitRecord) -> Result<()> {
    let bytes = rec.size_bound();
    let limit = super::wal::MAX_FRAME - 64 - MAX_KEPT_BINLOG_EVENTS;
    if bytes > limit {
        return Err(Error::TransactionTooLarge { bytes, limit });
    }
    Ok(())
}

/// Appends to `out` the changes that take tree `tree` from `a` to `b`.
fn push_differences(
    vol: &VolumeInner,
    tree: u64,
    a: &Option<super::page::Child>,
    b: &Option<super::page::Child>,
    out: &mut Vec<Change>,
) -> Result<()> {
    for d in btree::diff(&vol.pager, a, b)? {
        out.push(match (d.old, d.new) {
            (before, Some(after)) => Change::Put {
                tree,
                key: d.key,
                before,
                after,
                stmt: 0,
            },
            (Some(before), None) => Change::Delete {
                tree,
                key: d.key,
                before,
                stmt: 0,
            },
            (None, None) => continue,
        });
    }
    Ok(())
}

/// Statement-level rollback point inside a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Savepoint(usize);

enum Undo {
    Write {
        tree: u64,
        key: Bytes,
        prev: Option<Option<Bytes>>,
    },
    Create(u64),
    Drop(u64),
    /// [`Transaction::fill_created_tree`] of this tree: every write to it before the
    /// next entries of the undo log.
    Fill(u64),
}

/// What a commit adds to its log record beyond the changes.
#[derive(Clone, Debug, Default)]
pub struct CommitInfo {
    pub server_id: u32,
    /// Opaque session context for the binlog renderer.
    pub extra: Vec<u8>,
}

/// What a successful commit reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommitReceipt {
    /// The commit's sequence number (the snapshot's when nothing was written).
    pub seq: u64,
    pub time_us: u64,
    /// Whether anything was written.
    pub wrote: bool,
}

/// A transaction: reads see its snapshot plus its own writes; writes are
/// buffered until [`Transaction::commit`]. Dropping it rolls back.
pub struct Transaction {
    vol: Arc<VolumeInner>,
    c: Arc<ClusterInner>,
    snap: Snapshot,
    writes: BTreeMap<(u64, Bytes), Option<Bytes>>,
    created: BTreeSet<u64>,
    dropped: BTreeSet<u64>,
    undo: Vec<Undo>,
    statements: Vec<Statement>,
    registered: bool,
    /// Keys and trees this transaction read and relies on, each with the commit it was
    /// read at: the commit fails (retryable) if a concurrent commit changed them after it.
    watched_keys: Vec<(u64, Bytes, u64)>,
    watched_trees: Vec<(u64, u64)>,
    /// The commit of the transaction's first snapshot, pinned for its whole life: what
    /// is not tracked per key (writes not read current, trees dropped, the binlog's
    /// write-skew check) is checked for concurrent changes from there.
    base_seq: u64,
    /// READ COMMITTED (or READ UNCOMMITTED): each statement reads a fresh snapshot
    /// ([`Transaction::statement_start`]) and locking reads lock no gaps.
    read_committed: bool,
    /// The commit of the snapshot the current statement reads, when a statement start
    /// under READ COMMITTED moved it past `base_seq` (pinned while it is read).
    stmt_seq: Option<u64>,
    /// Row lock owner id.
    id: u64,
    /// Keys this transaction holds row locks on (released after commit or rollback).
    locked: Vec<(u64, Bytes)>,
    /// Whether it holds range locks ([`Transaction::lock_range`]).
    ranges: bool,
    /// What the current statement's lock requests do when a lock is taken (NOWAIT,
    /// SKIP LOCKED; [`Transaction::set_on_busy`]).
    on_busy: OnBusy,
    /// Keys read "current" under their lock by [`Transaction::lock`]: the sequence number
    /// of the state read. The commit checks them for changes after that, not after the
    /// snapshot: while we hold the lock nobody else can change them.
    current: super::rowlock::FastMap<(u64, Bytes), u64>,
    lock_timeout: std::time::Duration,
    abort: Option<AbortCheck>,
}

/// Which locks around a scanned range [`Transaction::lock_scan`] takes besides the range.
#[derive(Clone, Copy, Debug)]
pub struct ScanLock {
    /// The range starts at an included whole primary key: when it exists, no gap below.
    pub exact_start: bool,
    /// The gap below the range, down to the key before it.
    pub gap_below: bool,
    /// The gap above the range, up to the key after it.
    pub gap_above: bool,
    /// The key after the range itself (a range over a non-unique index).
    pub next_key: bool,
}

/// `Excluded(key)`, or no bound at all when there is no key (the infimum or supremum).
fn excluded_or_unbounded(key: Option<Bytes>) -> Bound<Bytes> {
    key.map_or(Bound::Unbounded, Bound::Excluded)
}

/// Asked while waiting for a row lock: true ends the wait with [`Error::Interrupted`].
pub type AbortCheck = Arc<dyn Fn() -> bool + Send + Sync>;

impl Transaction {
    fn new(vol: Arc<VolumeInner>, c: Arc<ClusterInner>) -> Self {
        let state = c.published();
        *c.active
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(state.seq)
            .or_insert(0) += 1;
        let snap = Snapshot {
            vol: vol.clone(),
            state,
        };
        let id = c.next_txn.fetch_add(1, Ordering::Relaxed);
        let base_seq = snap.seq();
        Transaction {
            vol,
            c,
            snap,
            writes: BTreeMap::new(),
            created: BTreeSet::new(),
            dropped: BTreeSet::new(),
            undo: Vec::new(),
            statements: Vec::new(),
            registered: true,
            watched_keys: Vec::new(),
            watched_trees: Vec::new(),
            base_seq,
            read_committed: false,
            stmt_seq: None,
            id,
            locked: Vec::new(),
            ranges: false,
            on_busy: OnBusy::Wait,
            current: Default::default(),
            lock_timeout: std::time::Duration::from_secs(50),
            abort: None,
        }
    }

    /// Runs the transaction at READ COMMITTED (`on`) or REPEATABLE READ: see
    /// [`Transaction::statement_start`], [`Transaction::lock_read`] and
    /// [`Transaction::lock_range_read`] for what changes.
    pub fn set_read_committed(&mut self, on: bool) {
        self.read_committed = on;
    }

    /// Whether the transaction runs at READ COMMITTED.
    pub fn read_committed(&self) -> bool {
        self.read_committed
    }

    /// A statement begins: under READ COMMITTED its reads see the newest committed state
    /// (InnoDB's fresh read view per statement); under REPEATABLE READ nothing changes.
    /// Conflict checks of what the transaction wrote or watched before keep their own
    /// starting points, so a statement reading newer commits hides none of them.
    pub fn statement_start(&mut self) {
        if !self.read_committed {
            return;
        }
        let state = self.c.published();
        if state.seq == self.snap.seq() {
            return;
        }
        self.pin(state.seq);
        if let Some(old) = self.stmt_seq.replace(state.seq) {
            self.unpin(old);
        }
        self.snap = Snapshot {
            vol: self.vol.clone(),
            state,
        };
    }

    /// The commit the current statement's reads started from.
    fn stmt_seq(&self) -> u64 {
        self.stmt_seq.unwrap_or(self.base_seq)
    }

    /// How long a row lock wait may last before [`Error::LockWaitTimeout`]
    /// (innodb_lock_wait_timeout; default 50 s).
    pub fn set_lock_timeout(&mut self, d: std::time::Duration) {
        self.lock_timeout = d;
    }

    /// A check polled during row lock waits (KILL).
    pub fn set_abort_check(&mut self, f: AbortCheck) {
        self.abort = Some(f);
    }

    /// What lock requests do from now on when another transaction holds the lock: wait
    /// (the default), fail (NOWAIT) or give up the row (SKIP LOCKED). The SQL layer sets it
    /// for one statement; writes always wait.
    pub fn set_on_busy(&mut self, on_busy: OnBusy) {
        self.on_busy = on_busy;
    }

    /// What lock requests do now ([`Transaction::set_on_busy`]).
    pub fn on_busy(&self) -> OnBusy {
        self.on_busy
    }

    fn policy(&self, on_busy: OnBusy) -> WaitPolicy<'_> {
        WaitPolicy {
            timeout: self.lock_timeout,
            abort: self.abort.as_deref(),
            on_busy,
        }
    }

    fn acquire(&mut self, tree: u64, key: &Bytes) -> Result<()> {
        self.acquire_as(tree, key, Mode::Exclusive, OnBusy::Wait)
            .map(|_| ())
    }

    fn acquire_as(
        &mut self,
        tree: u64,
        key: &Bytes,
        mode: Mode,
        on_busy: OnBusy,
    ) -> Result<Acquired> {
        if self.created.contains(&tree) {
            // Nobody else sees a tree before the commit that creates it.
            return Ok(Acquired::Held);
        }
        let got =
            self.c
                .row_locks
                .acquire(self.id, (tree, key.clone()), mode, &self.policy(on_busy))?;
        if got == Acquired::New {
            self.locked.push((tree, key.clone()));
        }
        Ok(got)
    }

    /// The newest committed value of `key` and the commit it was read at.
    fn latest(&self, tree: u64, key: &[u8]) -> Result<(Option<Bytes>, u64)> {
        let latest = Snapshot {
            vol: self.vol.clone(),
            state: self.c.published(),
        };
        if !latest.has_tree(tree) {
            return Err(Error::WriteConflict {
                detail: format!("tree {tree} was dropped concurrently"),
            });
        }
        Ok((latest.get(tree, key)?, latest.seq()))
    }

    /// A locking read of one key, as InnoDB's UPDATE, DELETE and SELECT ... FOR UPDATE /
    /// FOR SHARE of a unique key do: a key that exists is locked in `mode` (that row only)
    /// and its newest committed value (or this transaction's own write) returned; for a
    /// missing key the gap between its neighbours is locked (InnoDB's gap lock: shared with
    /// other gap locks, other transactions' inserts into it wait), after waiting for
    /// another transaction's lock of the key itself. `None`: the key is locked by another
    /// transaction and the statement said SKIP LOCKED.
    pub fn lock_read(
        &mut self,
        tree: u64,
        key: &[u8],
        mode: Mode,
    ) -> Result<Option<Option<Bytes>>> {
        self.check_tree(tree)?;
        let key: Bytes = key.into();
        if let Some(w) = self.writes.get(&(tree, key.clone())) {
            // Written here, so held exclusively.
            return Ok(Some(w.clone()));
        }
        if self.created.contains(&tree) {
            return Ok(Some(None));
        }
        let on_busy = self.on_busy;
        let (peek, _) = self.latest(tree, &key)?;
        if peek.is_none() && self.read_committed {
            // READ COMMITTED locks no gap: wait for a transaction writing the key itself
            // (an insert not yet committed), then read it; a key still missing is not
            // kept locked.
            let got = self.acquire_as(tree, &key, mode, on_busy)?;
            if got == Acquired::Busy {
                return Ok(None);
            }
            let (v, seq) = self.latest(tree, &key)?;
            if v.is_none() && got == Acquired::New {
                self.locked.pop();
                self.c.row_locks.release(self.id, [(tree, key)], false);
            } else {
                self.current.entry((tree, key)).or_insert(seq);
            }
            return Ok(Some(v));
        }
        if peek.is_none() {
            let point = (Bound::Included(key.clone()), Bound::Included(key.clone()));
            let (below, above) = self.neighbours(tree, &point)?;
            let gap = (excluded_or_unbounded(below), excluded_or_unbounded(above));
            let policy = self.policy(on_busy);
            self.c.row_locks.acquire_range(
                self.id,
                tree,
                point,
                Mode::Shared,
                vec![gap],
                &policy,
            )?;
            self.ranges = true;
            let (v, seq) = self.latest(tree, &key)?;
            if v.is_none() {
                self.current.entry((tree, key)).or_insert(seq);
                return Ok(Some(None));
            }
            // Inserted by a transaction that committed between the look and the lock.
        }
        if self.acquire_as(tree, &key, mode, on_busy)? == Acquired::Busy {
            return Ok(None);
        }
        let (v, seq) = self.latest(tree, &key)?;
        self.current.entry((tree, key)).or_insert(seq);
        Ok(Some(v))
    }

    /// The keys of `tree` next to `range` in the newest committed state: the last one
    /// below it and the first one above it (an own uncommitted insert nearer counts too).
    fn neighbours(&self, tree: u64, range: &KeyRange) -> Result<(Option<Bytes>, Option<Bytes>)> {
        let latest = Snapshot {
            vol: self.vol.clone(),
            state: self.c.published(),
        };
        let flip = |b: &Bound<Bytes>| match b {
            Bound::Included(k) => Bound::Excluded(k.clone()),
            Bound::Excluded(k) => Bound::Included(k.clone()),
            Bound::Unbounded => Bound::Unbounded,
        };
        let first = |lo: Bound<Bytes>, hi: Bound<Bytes>, rev: bool| -> Result<Option<Bytes>> {
            let mut found = None;
            latest.scan(tree, lo, hi, rev, &mut |k, _| {
                found = Some(Bytes::from(k));
                Ok(false)
            })?;
            Ok(found)
        };
        let mut below = match &range.0 {
            Bound::Unbounded => None,
            b => first(Bound::Unbounded, flip(b), true)?,
        };
        let mut above = match &range.1 {
            Bound::Unbounded => None,
            b => first(flip(b), Bound::Unbounded, false)?,
        };
        // This transaction's own inserts are keys too (InnoDB's index holds them).
        if !self.writes.is_empty() {
            let tag = |b: &Bound<Bytes>| match b {
                Bound::Included(k) => Bound::Included((tree, k.clone())),
                Bound::Excluded(k) => Bound::Excluded((tree, k.clone())),
                Bound::Unbounded => Bound::Unbounded,
            };
            // The ends of this tree's part of the write buffer.
            let first_of_tree = Bound::Included((tree, Bytes::from(&[][..])));
            let past_tree = match tree.checked_add(1) {
                Some(t) => Bound::Excluded((t, Bytes::from(&[][..]))),
                None => Bound::Unbounded,
            };
            let inserted = |(_, v): &(&(u64, Bytes), &Option<Bytes>)| v.is_some();
            if !matches!(range.0, Bound::Unbounded) {
                let from = below
                    .as_ref()
                    .map_or(first_of_tree, |b| tag(&Bound::Excluded(b.clone())));
                let between = (from, tag(&flip(&range.0)));
                if let Some(((_, k), _)) = self.writes.range(between).rev().find(inserted) {
                    below = Some(k.clone());
                }
            }
            if !matches!(range.1, Bound::Unbounded) {
                let to = above
                    .as_ref()
                    .map_or(past_tree, |a| tag(&Bound::Excluded(a.clone())));
                let between = (tag(&flip(&range.1)), to);
                if let Some(((_, k), _)) = self.writes.range(between).find(inserted) {
                    above = Some(k.clone());
                }
            }
        }
        Ok((below, above))
    }

    /// Locks the range `lower..upper` of `tree` in `mode` (shared: other transactions'
    /// writes of keys inside it wait; exclusive: their locking reads too) without the gaps
    /// around it: what foreign key checks and the coarse whole-table locks of queries over
    /// several tables take. Waits for other transactions' conflicting locks of keys inside.
    pub fn lock_range(
        &mut self,
        tree: u64,
        lower: Bound<Bytes>,
        upper: Bound<Bytes>,
        mode: Mode,
    ) -> Result<()> {
        self.check_tree(tree)?;
        if self.created.contains(&tree) {
            return Ok(());
        }
        let policy = self.policy(self.on_busy);
        self.c
            .row_locks
            .acquire_range(self.id, tree, (lower, upper), mode, vec![], &policy)?;
        self.ranges = true;
        Ok(())
    }

    /// A locking read's range lock, as InnoDB's next-key locks of a range scan: the range
    /// `lower..upper` of `tree` in `mode`, the gap below it down to the key before it
    /// (none when `exact_start` says the range starts at an included whole primary key
    /// and that key exists: that row only) and the gap above it up to the first key past
    /// it, or to the end. `next_key`: that key itself is locked in `mode` too (a range
    /// over a non-unique index). Call it before reading the range: from then on no other
    /// transaction writes a key inside. Under READ COMMITTED it locks nothing (InnoDB's
    /// READ COMMITTED takes no gap or next-key locks): the caller locks each row it finds
    /// with [`Transaction::lock_read`].
    pub fn lock_range_read(
        &mut self,
        tree: u64,
        range: KeyRange,
        mode: Mode,
        exact_start: bool,
        next_key: bool,
    ) -> Result<()> {
        let around = ScanLock {
            exact_start,
            gap_below: true,
            gap_above: true,
            next_key,
        };
        self.lock_scan(tree, range, mode, around)
    }

    /// [`Transaction::lock_range_read`] of one piece of a scan, with only the locks around
    /// it `around` names: a scan that stops at a LIMIT locks each row it reads with the gap
    /// before it (`lo` just past the previous row, up to the row's key included: InnoDB's
    /// next-key lock), and nothing past the last one.
    pub fn lock_scan(
        &mut self,
        tree: u64,
        range: KeyRange,
        mode: Mode,
        around: ScanLock,
    ) -> Result<()> {
        let ScanLock {
            exact_start,
            gap_below,
            gap_above,
            next_key,
        } = around;
        self.check_tree(tree)?;
        if self.created.contains(&tree) || self.read_committed {
            return Ok(());
        }
        let (below, above) = self.neighbours(tree, &range)?;
        let mut gaps = Vec::new();
        let start_exists = match &range.0 {
            Bound::Included(k) if exact_start => self.latest(tree, k)?.0.is_some(),
            _ => false,
        };
        let flip = |b: &Bound<Bytes>| match b {
            Bound::Included(k) => Bound::Excluded(k.clone()),
            Bound::Excluded(k) => Bound::Included(k.clone()),
            Bound::Unbounded => Bound::Unbounded,
        };
        if gap_below && !matches!(range.0, Bound::Unbounded) && !start_exists {
            gaps.push((excluded_or_unbounded(below), flip(&range.0)));
        }
        if gap_above && !matches!(range.1, Bound::Unbounded) {
            gaps.push((flip(&range.1), excluded_or_unbounded(above.clone())));
        }
        let policy = self.policy(self.on_busy);
        self.c
            .row_locks
            .acquire_range(self.id, tree, range, mode, gaps, &policy)?;
        self.ranges = true;
        if let (true, Some(k)) = (next_key, above) {
            // Busy under SKIP LOCKED: the key is past the range, nothing to skip.
            self.acquire_as(tree, &k, mode, self.on_busy)?;
        }
        Ok(())
    }

    /// Makes reads see the newest committed state (with this transaction's writes) instead
    /// of the snapshot, until [`Transaction::restore_snapshot`] with what this returns: a
    /// locking statement reads current, as in InnoDB, while plain reads keep the snapshot.
    pub fn read_latest(&mut self) -> Snapshot {
        let state = self.c.published();
        self.pin(state.seq);
        let latest = Snapshot {
            vol: self.vol.clone(),
            state,
        };
        std::mem::replace(&mut self.snap, latest)
    }

    /// Ends [`Transaction::read_latest`].
    pub fn restore_snapshot(&mut self, snap: Snapshot) {
        let latest = std::mem::replace(&mut self.snap, snap);
        self.unpin(latest.seq());
    }

    /// Counts a reader of `seq` (what is retained for readers is at least its state).
    fn pin(&self, seq: u64) {
        *self
            .c
            .active
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(seq)
            .or_insert(0) += 1;
    }

    fn unpin(&self, seq: u64) {
        let mut a = self.c.active.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = a.get_mut(&seq) {
            *n -= 1;
            if *n == 0 {
                a.remove(&seq);
            }
        }
    }

    /// Locks `key` of `tree` like [`Transaction::lock`] without reading it: for keys whose
    /// new value derives from a row the caller has already read current under its lock
    /// (index entries of that row), so nobody else can have changed them since.
    pub fn lock_key(&mut self, tree: u64, key: &[u8]) -> Result<()> {
        self.check_tree(tree)?;
        let key: Bytes = key.into();
        self.acquire(tree, &key)?;
        if !self.current.contains_key(&(tree, key.clone())) {
            let seq = self.c.published().seq;
            self.current.insert((tree, key), seq);
        }
        Ok(())
    }

    /// Locks `key` of `tree` (waiting for another writer to finish) and returns its newest
    /// committed value, or this transaction's own write: a "current read", what InnoDB's
    /// UPDATE, DELETE and duplicate-key checks see. A write of the key after this call is
    /// based on that value, so a concurrent commit before it is no conflict.
    pub fn lock(&mut self, tree: u64, key: &[u8]) -> Result<Option<Bytes>> {
        self.check_tree(tree)?;
        let key: Bytes = key.into();
        self.acquire(tree, &key)?;
        if let Some(w) = self.writes.get(&(tree, key.clone())) {
            return Ok(w.clone());
        }
        if self.created.contains(&tree) {
            return Ok(None);
        }
        let (v, seq) = self.latest(tree, &key)?;
        self.current.entry((tree, key)).or_insert(seq);
        Ok(v)
    }

    /// The snapshot reads start from.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snap
    }

    /// True when nothing has been written.
    pub fn is_read_only(&self) -> bool {
        self.writes.is_empty() && self.created.is_empty() && self.dropped.is_empty()
    }

    /// Whether this transaction wrote to, created or dropped `tree`.
    pub fn writes_tree(&self, tree: u64) -> bool {
        if self.is_read_only() {
            return false;
        }
        let from: Bytes = Arc::from(&[][..]);
        self.created.contains(&tree)
            || self.dropped.contains(&tree)
            || self
                .writes
                .range((tree, from)..)
                .next()
                .is_some_and(|((t, _), _)| *t == tree)
    }

    /// Whether `tree` exists for this transaction.
    pub fn has_tree(&self, tree: u64) -> bool {
        !self.dropped.contains(&tree) && (self.created.contains(&tree) || self.snap.has_tree(tree))
    }

    fn check_tree(&self, tree: u64) -> Result<()> {
        if self.has_tree(tree) {
            Ok(())
        } else {
            Err(Error::NotFound {
                what: format!("tree {tree}"),
            })
        }
    }

    /// Point lookup, seeing this transaction's own writes.
    pub fn get(&self, tree: u64, key: &[u8]) -> Result<Option<Bytes>> {
        self.check_tree(tree)?;
        if self.is_read_only() {
            return self.snap.get(tree, key);
        }
        if let Some(w) = self.writes.get(&(tree, Bytes::from(key))) {
            return Ok(w.clone());
        }
        if self.created.contains(&tree) {
            return Ok(None);
        }
        self.snap.get(tree, key)
    }

    /// [`Snapshot::scan`] seeing this transaction's own writes: borrowed from the
    /// snapshot when it wrote nothing to `tree`, else through [`Transaction::range`].
    pub fn scan(
        &self,
        tree: u64,
        lower: Bound<Bytes>,
        upper: Bound<Bytes>,
        reverse: bool,
        f: &mut dyn FnMut(&[u8], &[u8]) -> Result<bool>,
    ) -> Result<()> {
        if !self.writes_tree(tree) {
            self.check_tree(tree)?;
            return self.snap.scan(tree, lower, upper, reverse, f);
        }
        for kv in self.range(tree, lower, upper, reverse)? {
            let (k, v) = kv?;
            if !f(&k, &v)? {
                break;
            }
        }
        Ok(())
    }

    /// A range scan merging the snapshot with this transaction's writes.
    pub fn range(
        &self,
        tree: u64,
        lower: Bound<Bytes>,
        upper: Bound<Bytes>,
        reverse: bool,
    ) -> Result<TxRange> {
        self.check_tree(tree)?;
        let lo = match &lower {
            Bound::Included(k) => Bound::Included((tree, k.clone())),
            Bound::Excluded(k) => Bound::Excluded((tree, k.clone())),
            Bound::Unbounded => Bound::Included((tree, Bytes::from(&[][..]))),
        };
        let hi = match &upper {
            Bound::Included(k) => Bound::Included((tree, k.clone())),
            Bound::Excluded(k) => Bound::Excluded((tree, k.clone())),
            Bound::Unbounded => match tree.checked_add(1) {
                Some(t) => Bound::Excluded((t, Bytes::from(&[][..]))),
                None => Bound::Unbounded,
            },
        };
        let mut own: Vec<(Bytes, Option<Bytes>)> = self
            .writes
            .range((lo, hi))
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect();
        if reverse {
            own.reverse();
        }
        let base = if self.created.contains(&tree) {
            None
        } else {
            Some(self.snap.range(tree, lower, upper, reverse)?)
        };
        Ok(TxRange {
            base,
            base_next: None,
            own: own.into_iter().peekable(),
            reverse,
            started: false,
        })
    }

    /// Buffers `key = value` in `tree`.
    pub fn put(&mut self, tree: u64, key: &[u8], value: &[u8]) -> Result<()> {
        self.write(tree, key, Some(Bytes::from(value)))
    }

    /// Buffers the removal of `key` from `tree`.
    pub fn delete(&mut self, tree: u64, key: &[u8]) -> Result<()> {
        self.write(tree, key, None)
    }

    fn write(&mut self, tree: u64, key: &[u8], value: Option<Bytes>) -> Result<()> {
        self.check_tree(tree)?;
        let g = self.vol.pager.geo;
        if key.len() > g.key_max {
            return Err(crate::invalid!(
                "key of {} bytes exceeds the maximum of {} bytes",
                key.len(),
                g.key_max
            ));
        }
        let key: Bytes = key.into();
        self.acquire(tree, &key)?;
        if self.stmt_seq.is_some() && !self.writes.contains_key(&(tree, key.clone())) {
            // A first write under READ COMMITTED derives from the statement's snapshot.
            let seq = self.stmt_seq();
            self.current.entry((tree, key.clone())).or_insert(seq);
        }
        let prev = self.writes.insert((tree, key.clone()), value);
        self.undo.push(Undo::Write { tree, key, prev });
        Ok(())
    }

    /// Buffers `entries` (sorted by key, each key once) as the whole content of `tree`,
    /// which this transaction created and has not written to: a bulk load (an index built
    /// over existing rows) without a search of the write set per key.
    pub fn fill_created_tree(&mut self, tree: u64, entries: Vec<(Bytes, Bytes)>) -> Result<()> {
        if !self.created.contains(&tree) {
            return Err(crate::invalid!(
                "tree {tree} was not created by this transaction"
            ));
        }
        let empty: Bytes = Bytes::from(&[][..]);
        if self
            .writes
            .range((tree, empty.clone())..(tree + 1, empty))
            .next()
            .is_some()
        {
            return Err(crate::invalid!("tree {tree} already has writes"));
        }
        let key_max = self.vol.pager.geo.key_max;
        if let Some((k, _)) = entries.iter().find(|(k, _)| k.len() > key_max) {
            return Err(crate::invalid!(
                "key of {} bytes exceeds the maximum of {key_max} bytes",
                k.len()
            ));
        }
        if !entries.windows(2).all(|w| w[0].0 < w[1].0) {
            return Err(crate::invalid!(
                "bulk entries for tree {tree} are not sorted and distinct"
            ));
        }
        self.undo.push(Undo::Fill(tree));
        let mut loaded: BTreeMap<(u64, Bytes), Option<Bytes>> = entries
            .into_iter()
            .map(|(k, v)| ((tree, k), Some(v)))
            .collect();
        self.writes.append(&mut loaded);
        Ok(())
    }

    /// Whether this transaction created `tree`.
    pub fn created_here(&self, tree: u64) -> bool {
        self.created.contains(&tree)
    }

    /// Creates a new, empty tree and returns its id.
    pub fn create_tree(&mut self) -> u64 {
        let id = self.c.next_tree.fetch_add(1, Ordering::SeqCst);
        self.created.insert(id);
        self.undo.push(Undo::Create(id));
        id
    }

    /// Creates a tree with a reserved id (below [`super::FIRST_USER_TREE`]).
    pub fn create_tree_with_id(&mut self, id: u64) -> Result<()> {
        if id >= super::FIRST_USER_TREE || self.has_tree(id) {
            return Err(crate::invalid!("tree id {id} is not a free reserved id"));
        }
        self.created.insert(id);
        self.undo.push(Undo::Create(id));
        Ok(())
    }

    /// Drops a tree and everything in it.
    pub fn drop_tree(&mut self, tree: u64) -> Result<()> {
        self.check_tree(tree)?;
        self.dropped.insert(tree);
        self.undo.push(Undo::Drop(tree));
        Ok(())
    }

    /// Fails the commit if `key` of `tree` changes after this transaction's
    /// snapshot (optimistic read validation, e.g. a table's definition).
    pub fn watch_key(&mut self, tree: u64, key: &[u8]) {
        if !self
            .watched_keys
            .iter()
            .any(|(t, k, _)| *t == tree && &k[..] == key)
        {
            let seq = self.stmt_seq();
            self.watched_keys.push((tree, key.into(), seq));
        }
    }

    /// Fails the commit if anything in `tree` changes after this transaction's
    /// snapshot (a DDL that copied the tree's rows).
    pub fn watch_tree(&mut self, tree: u64) {
        if !self.watched_trees.iter().any(|(t, _)| *t == tree) {
            let seq = self.stmt_seq();
            self.watched_trees.push((tree, seq));
        }
    }

    /// Records the text of a statement for the log (and so the binlog).
    pub fn add_statement(&mut self, db: &str, text: &str) -> u32 {
        self.statements.push(Statement {
            db: db.into(),
            text: text.into(),
        });
        (self.statements.len() - 1) as u32
    }

    /// A point to roll back to.
    pub fn savepoint(&self) -> Savepoint {
        Savepoint(self.undo.len())
    }

    /// Undoes every write after `sp`.
    pub fn rollback_to(&mut self, sp: Savepoint) {
        while self.undo.len() > sp.0 {
            match self.undo.pop() {
                Some(Undo::Write { tree, key, prev }) => match prev {
                    Some(p) => {
                        self.writes.insert((tree, key), p);
                    }
                    None => {
                        self.writes.remove(&(tree, key));
                    }
                },
                Some(Undo::Create(t)) => {
                    self.created.remove(&t);
                }
                Some(Undo::Drop(t)) => {
                    self.dropped.remove(&t);
                }
                Some(Undo::Fill(t)) => {
                    // The tree had no writes before its fill, and the later ones were
                    // undone above: what is left of it is the fill.
                    let empty: Bytes = Arc::from(&[][..]);
                    let mut from_t = self.writes.split_off(&(t, empty.clone()));
                    let mut after_t = from_t.split_off(&(t + 1, empty));
                    self.writes.append(&mut after_t);
                }
                None => break,
            }
        }
    }

    /// Commits: conflict check, log append, group fsync, publish. A write
    /// conflict is [`Error::WriteConflict`] (retryable; MySQL 1213).
    pub fn commit(self, info: CommitInfo) -> Result<CommitReceipt> {
        self.commit_with(info, |_, _| Ok(None))
    }

    /// Like [`Transaction::commit`], with a hook that runs inside the ordered
    /// pipeline (under the commit lock, so hooks run in commit order) and may return what
    /// it wrote to the binlog ([`BinlogWrite`]): the coordinate goes into the log record
    /// and the timeline, the events into the log record, so the log's fsync makes them
    /// durable (the binlog file need not be fsynced; see
    /// [`super::Volume::add_checkpoint_hook`] for when it must). The hook runs before the
    /// record is appended to the log; if it fails, the commit is abandoned (nothing was
    /// applied or logged) and its error returned. The hook also gets a [`CommitView`] of
    /// what committed since this transaction's snapshot.
    pub fn commit_with(
        mut self,
        info: CommitInfo,
        binlog: impl FnOnce(&CommitRecord, &CommitView<'_>) -> Result<Option<BinlogWrite>>,
    ) -> Result<CommitReceipt> {
        if self.is_read_only() {
            return Ok(CommitReceipt {
                seq: self.snap.seq(),
                time_us: self.snap.time_us(),
                wrote: false,
            });
        }
        let vol = self.vol.clone();
        let c = self.c.clone();
        let snap_seq = self.base_seq;
        let (end, receipt) = {
            let mut cs = c.lock_commit();
            if c.dropped.load(Ordering::SeqCst) {
                return Err(Error::NotFound {
                    what: format!("cluster '{}'", c.name),
                });
            }
            vol.settle(&c, &mut cs, false);
            if snap_seq < cs.pruned_below {
                return Err(Error::WriteConflict {
                    detail: "transaction too old to check; retry".into(),
                });
            }
            for k in self.writes.keys() {
                let base = self.current.get(k).copied().unwrap_or(snap_seq);
                if cs.recent.get(k).is_some_and(|s| *s > base) {
                    let tree = k.0;
                    return Err(Error::WriteConflict {
                        detail: format!("key in tree {tree} changed since the snapshot"),
                    });
                }
            }
            for (tree, key, seen) in &self.watched_keys {
                if cs
                    .recent
                    .get(&(*tree, key.clone()))
                    .is_some_and(|s| s > seen)
                {
                    return Err(Error::WriteConflict {
                        detail: format!("a definition read from tree {tree} changed concurrently"),
                    });
                }
            }
            let dropped = self.dropped.iter().map(|t| (*t, snap_seq));
            for (tree, seen) in dropped.chain(self.watched_trees.iter().copied()) {
                if cs.recent_trees.get(&tree).is_some_and(|s| *s > seen) {
                    return Err(Error::WriteConflict {
                        detail: format!("tree {tree} changed since the snapshot"),
                    });
                }
            }
            // Changes with full before images, read from the newest state.
            let next = cs.working.clone();
            let mut changes =
                Vec::with_capacity(self.writes.len() + self.created.len() + self.dropped.len());
            changes.extend(self.created.iter().map(|t| Change::CreateTree { tree: *t }));
            let stmt = self.statements.len().saturating_sub(1) as u32;
            for ((tree, key), val) in std::mem::take(&mut self.writes) {
                if self.dropped.contains(&tree) {
                    continue;
                }
                let before = match next.trees.get(&tree) {
                    Some(t) => match btree::get(&vol.pager, &t.root, &key)? {
                        Some(v) => Some(vol.pager.value(&v)?),
                        None => None,
                    },
                    None if self.created.contains(&tree) => None,
                    None => {
                        return Err(Error::WriteConflict {
                            detail: format!("tree {tree} was dropped concurrently"),
                        });
                    }
                };
                match (val, before) {
                    (Some(after), before) => changes.push(Change::Put {
                        tree,
                        key,
                        before,
                        after,
                        stmt,
                    }),
                    (None, Some(before)) => changes.push(Change::Delete {
                        tree,
                        key,
                        before,
                        stmt,
                    }),
                    (None, None) => {}
                }
            }
            changes.extend(self.dropped.iter().map(|t| Change::DropTree { tree: *t }));
            let mut next = next;
            apply_changes(&vol.pager, &mut next, &changes)?;
            let statements = std::mem::take(&mut self.statements);
            let (rec, end) = append_commit(
                &vol,
                &c,
                &mut cs,
                next,
                changes,
                statements,
                info,
                None,
                |rec, cs| {
                    let view = CommitView {
                        snap_seq,
                        recent_trees: &cs.recent_trees,
                    };
                    binlog(rec, &view)
                },
            )?;
            let (seq, time_us) = (rec.seq, rec.time_us);
            for ch in &rec.changes {
                match ch {
                    // Keys of a tree this commit creates: a transaction that can write
                    // them sees the tree, so its snapshot is not older than this commit.
                    Change::Put { tree, .. } | Change::Delete { tree, .. }
                        if self.created.contains(tree) => {}
                    Change::Put { tree, key, .. } | Change::Delete { tree, key, .. } => {
                        cs.recent.insert((*tree, key.clone()), seq);
                        cs.recent_trees.insert(*tree, seq);
                    }
                    Change::CreateTree { tree } | Change::DropTree { tree } => {
                        cs.recent_trees.insert(*tree, seq);
                    }
                }
            }
            cs.since_prune += 1;
            if cs.since_prune >= 512 || cs.recent.len() >= cs.prune_at {
                cs.since_prune = 0;
                c.prune_recent(&mut cs);
            }
            (
                end,
                CommitReceipt {
                    seq,
                    time_us,
                    wrote: true,
                },
            )
        };
        self.unregister();
        vol.log.sync(&end)?;
        c.publish(end.end);
        // Only now may the next writer of our keys read them current.
        self.release_locks();
        if vol.log.end().saturating_sub(vol.maint_replay_lsn()) >= vol.opts.checkpoint_log_bytes {
            vol.nudge();
        }
        Ok(receipt)
    }

    fn release_locks(&mut self) {
        if !self.locked.is_empty() || self.ranges {
            let keys = std::mem::take(&mut self.locked);
            self.c.row_locks.release(self.id, keys, self.ranges);
            self.ranges = false;
        }
    }

    fn unregister(&mut self) {
        if !self.registered {
            return;
        }
        self.registered = false;
        self.unpin(self.base_seq);
        if let Some(seq) = self.stmt_seq.take() {
            self.unpin(seq);
        }
    }
}

/// What a commit hook may ask about the commits ordered before this one.
pub struct CommitView<'a> {
    snap_seq: u64,
    recent_trees: &'a super::rowlock::FastMap<u64, u64>,
}

impl CommitView<'_> {
    /// Whether a transaction committed after this one's snapshot (and before it) changed
    /// `tree`: if not, every read of `tree` this transaction made is what a replay in
    /// commit order would read (statement-based binlogging relies on it).
    pub fn tree_changed_since_snapshot(&self, tree: u64) -> bool {
        self.recent_trees
            .get(&tree)
            .is_some_and(|s| *s > self.snap_seq)
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        self.unregister();
        self.release_locks();
    }
}

/// A merged range over a snapshot and a transaction's own writes.
pub struct TxRange {
    base: Option<Cursor>,
    base_next: Option<(Bytes, Bytes)>,
    own: std::iter::Peekable<std::vec::IntoIter<(Bytes, Option<Bytes>)>>,
    reverse: bool,
    started: bool,
}

impl TxRange {
    fn pull_base(&mut self) -> Result<()> {
        if self.base_next.is_none() {
            if let Some(c) = &mut self.base {
                self.base_next = c.next_entry()?;
            }
        }
        Ok(())
    }

    /// The next visible `(key, value)`.
    pub fn next_entry(&mut self) -> Result<Option<(Bytes, Bytes)>> {
        self.started = true;
        loop {
            self.pull_base()?;
            let take_own = match (&self.base_next, self.own.peek()) {
                (None, None) => return Ok(None),
                (Some(_), None) => false,
                (None, Some(_)) => true,
                (Some((bk, _)), Some((ok, _))) => {
                    let ord = bk.cmp(ok);
                    if ord == std::cmp::Ordering::Equal {
                        self.base_next = None; // shadowed by our own write
                        true
                    } else {
                        (ord == std::cmp::Ordering::Greater) != self.reverse
                    }
                }
            };
            if take_own {
                if let Some((k, v)) = self.own.next() {
                    match v {
                        Some(v) => return Ok(Some((k, v))),
                        None => continue,
                    }
                }
            } else if let Some(e) = self.base_next.take() {
                return Ok(Some(e));
            }
        }
    }
}

impl Iterator for TxRange {
    type Item = Result<(Bytes, Bytes)>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().transpose()
    }
}

impl Cluster {
    /// The cluster's name.
    pub fn name(&self) -> &str {
        &self.c.name
    }

    /// A snapshot of every acknowledged commit.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            vol: self.vol.clone(),
            state: self.c.published(),
        }
    }

    /// A snapshot of the cluster as it was at `at` (inside its retention).
    pub fn snapshot_at(&self, at: PointInTime) -> Result<Snapshot> {
        let seq = self.vol.seq_at(&self.c, at)?;
        Ok(Snapshot {
            vol: self.vol.clone(),
            state: Arc::new(self.vol.materialize(&self.c, seq)?),
        })
    }

    /// Starts a transaction on the newest snapshot.
    pub fn begin(&self) -> Transaction {
        Transaction::new(self.vol.clone(), self.c.clone())
    }

    /// Makes the cluster, in place, what `to` shows (backtrack: DESIGN "Durability and the
    /// log" 4). The rewind is one more commit on the timeline, so later point-in-time reads
    /// of the moments it skipped still see them and a later rewind can go forward again.
    ///
    /// The new state is `to`'s trees themselves, shared by pointer (the rewind copies no
    /// page), plus `adjust`'s edits. Its log record names `to`'s commit
    /// ([`CommitRecord::rewind_to`]) and holds only the edits: recovery rebuilds the state
    /// the same way, from the history that holds `to`. The new state also becomes a
    /// history state, so reads of later moments never replay through the rewind.
    ///
    /// The changes that take every tree from the newest state to `to` (trees `to` lacks
    /// are dropped, trees only `to` has are created and filled) are computed by
    /// [`btree::diff`], which skips shared subtrees, so their cost grows with what changed
    /// since `to`, not with the data; they are what the binlog needs, so only the trees
    /// `diff_tree` names are compared (their creation and removal is always listed).
    /// `adjust` may edit them and returns its edits as changes to apply on top of `to`
    /// (the SQL layer keeps its catalog version moving forward); `binlog` is the hook of
    /// [`Transaction::commit_with`], given the record (whose changes are the edits), the
    /// changes and the states before (`from`) and after (`to`). Transactions whose
    /// snapshot is older than the rewind fail to commit with [`Error::WriteConflict`].
    pub fn rewind(
        &self,
        to: &Snapshot,
        info: CommitInfo,
        statement: &str,
        diff_tree: impl Fn(u64) -> bool,
        adjust: impl FnOnce(&Snapshot, &mut Vec<Change>) -> Result<Vec<Change>>,
        binlog: impl FnOnce(
            &CommitRecord,
            &[Change],
            &Snapshot,
            &Snapshot,
        ) -> Result<Option<BinlogWrite>>,
    ) -> Result<RewindReceipt> {
        let vol = self.vol.clone();
        let c = self.c.clone();
        let (end, receipt) = {
            let mut cs = c.lock_commit();
            if c.dropped.load(Ordering::SeqCst) {
                return Err(Error::NotFound {
                    what: format!("cluster '{}'", c.name),
                });
            }
            vol.settle(&c, &mut cs, false);
            let from = Snapshot {
                vol: vol.clone(),
                state: Arc::new(cs.working.clone()),
            };
            let mut changes = Vec::new();
            for (tree, t) in from.state.trees.iter() {
                match to.state.trees.get(tree) {
                    None => changes.push(Change::DropTree { tree: *tree }),
                    Some(u) if diff_tree(*tree) => {
                        push_differences(&vol, *tree, &t.root, &u.root, &mut changes)?
                    }
                    Some(_) => {}
                }
            }
            for (tree, u) in to.state.trees.iter() {
                if !from.state.trees.contains_key(tree) {
                    changes.push(Change::CreateTree { tree: *tree });
                    if diff_tree(*tree) {
                        push_differences(&vol, *tree, &None, &u.root, &mut changes)?;
                    }
                }
            }
            let edits = adjust(&from, &mut changes)?;
            // `to`'s pin reaches every durable page of its trees (GC roots).
            let mut next = (*to.state).clone();
            apply_changes(&vol.pager, &mut next, &edits)?;
            let statements = vec![Statement {
                db: String::new(),
                text: statement.into(),
            }];
            let (rec, end) = append_commit(
                &vol,
                &c,
                &mut cs,
                next,
                edits,
                statements,
                info,
                Some(to.seq()),
                |rec, _| binlog(rec, &changes, &from, to),
            )?;
            let (seq, time_us) = (rec.seq, rec.time_us);
            // Nothing read before the rewind may commit after it.
            cs.recent.clear();
            cs.recent_trees.clear();
            cs.pruned_below = seq;
            c.lock_timeline().history.push(Arc::new(cs.working.clone()));
            (
                end,
                RewindReceipt {
                    seq,
                    time_us,
                    from_seq: from.seq(),
                    to_seq: to.seq(),
                    to_time_us: to.time_us(),
                    changes: changes.len(),
                },
            )
        };
        vol.log.sync(&end)?;
        c.publish(end.end);
        vol.nudge();
        Ok(receipt)
    }

    /// Sets how long history is retained (for point-in-time reads and forks).
    pub fn set_retention(&self, retention_us: u64) -> Result<()> {
        let rec = Record::SetRetention {
            id: self.c.id,
            retention_us,
        };
        let t = self.vol.log.append(&rec.encode());
        self.vol.log.sync(&t)?;
        self.c.retention_us.store(retention_us, Ordering::SeqCst);
        Ok(())
    }

    /// The commits whose states are kept whole (the bases reads of past moments replay
    /// from), oldest first.
    pub fn retained_states(&self) -> Vec<u64> {
        self.c
            .lock_timeline()
            .history
            .iter()
            .map(|h| h.seq)
            .collect()
    }

    /// The timeline index inside retention, oldest first: every recent commit, and one
    /// per grain of commit time of older ones (`VolumeOptions::timeline_grain_us`).
    pub fn timeline(&self) -> Vec<CommitEntry> {
        self.c.lock_timeline().commits.iter().copied().collect()
    }

    /// How many commits the retained history spans (each one a change record a
    /// point-in-time read or a rewind can step over).
    pub fn history_commits(&self) -> u64 {
        let oldest = self.c.lock_timeline().history.first().map_or(0, |h| h.seq);
        self.c.published().seq.saturating_sub(oldest)
    }

    /// The binlog coordinate of the newest published commit at or before `seq` that has
    /// one (commits made while the binlog was off have none). `None` when no such commit
    /// is on the timeline (before the first binlogged commit, or aged out of retention).
    /// Maps a snapshot's sequence number to the binlog position consistent with it.
    pub fn binlog_coord_at(&self, seq: u64) -> Result<Option<BinlogCoord>> {
        self.vol.binlog_coord_at(&self.c, seq)
    }

    /// Sets the hook told where the binlog must end after commits that were appended to
    /// it were rolled back because their log write failed (see
    /// [`super::volume::RollbackHook`]); `None` removes it.
    pub fn set_rollback_hook(&self, hook: Option<super::volume::RollbackHook>) {
        *self
            .c
            .rollback_hook
            .write()
            .unwrap_or_else(|e| e.into_inner()) = hook;
    }

    /// Runs `f` under the cluster's commit lock once every commit appended before it is
    /// durable, so no commit whose binlog events were appended so far can still be rolled
    /// back ([`super::volume::RollbackHook`]) while `f` runs, and none is appended. The
    /// binlog rotates this way: a rolled-back commit never has events before a Rotate.
    /// When the log write fails (a full disk), the commits it dropped are rolled back
    /// (the hook runs) and `f` does not run: the write's error is returned. Costs one
    /// fsync of the log when commits are in flight, none otherwise.
    pub fn with_commits_durable<R>(&self, f: impl FnOnce() -> R) -> Result<R> {
        let mut cs = self.c.lock_commit();
        self.vol.settle(&self.c, &mut cs, false);
        let synced = self
            .vol
            .log
            .mark_in(cs.log_gen)
            .and_then(|t| self.vol.log.sync(&t));
        if let Err(e) = synced {
            self.vol.settle(&self.c, &mut cs, false);
            return Err(e);
        }
        Ok(f())
    }

    /// The commits recovery replayed from the log that keep binlog events (oldest first;
    /// each with its coordinate, kept events, and, when the events are to be rendered
    /// again ([`KeptEvents::Render`]), its changes), for the binlog writer to check its
    /// files against and write back what they lost; taken once.
    pub fn take_recovered_binlog(&self) -> Vec<CommitRecord> {
        std::mem::take(
            &mut *self
                .c
                .recovered_binlog
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        )
    }

    /// Facts about the cluster.
    pub fn info(&self) -> ClusterInfo {
        let p = self.c.published();
        let earliest = self
            .c
            .lock_timeline()
            .history
            .first()
            .map_or(p.time_us, |s| s.time_us);
        ClusterInfo {
            id: self.c.id,
            name: self.c.name.clone(),
            created_us: self.c.created_us,
            source: self.c.source.clone(),
            retention_us: self.c.retention_us.load(Ordering::Relaxed),
            last_seq: p.seq,
            last_commit_us: p.time_us,
            earliest_restorable_us: earliest,
        }
    }
}
