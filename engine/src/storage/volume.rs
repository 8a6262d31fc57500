//! The volume: one data directory holding the page file, the log and the registry
//! of clusters; and each cluster's commit pipeline, timeline and history.
//!
//! Directory layout: `LOCK` (held with an exclusive file lock while open),
//! `pages.db` (superblocks + pages), `log/*.wal` (the write-ahead log).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::meta::{ClusterMeta, CommitEntry, DurableState, Meta};
use super::page::{Bytes, Child, Leaf, Node, PageId, PageKind, ValRef, F_LEAF, F_OVERFLOW};
use super::pager::{Pager, Superblock};
use super::record::BinlogCoord;
use super::record::{CommitRecord, KeptEvents, Record};
use super::state::{apply_changes, Pin, State, TreeRoot};
use super::store::{FileStore, PageStore};
use super::wal::Log;
use crate::error::{Error, Result};

/// Tree ids below this are reserved for well-known trees the SQL layer creates
/// (its catalog); [`crate::storage::Transaction::create_tree`] allocates from here up.
pub const FIRST_USER_TREE: u64 = 1024;

/// How a volume is opened.
#[derive(Clone)]
pub struct VolumeOptions {
    /// Page size for a new volume (an existing volume keeps its own). 4 KiB to 64 KiB.
    pub page_size: usize,
    /// Bytes of decoded pages the cache may hold.
    pub cache_bytes: usize,
    /// fsync the log before acknowledging a commit (the safe default).
    pub fsync: bool,
    /// Checkpoint after this many bytes of log.
    pub checkpoint_log_bytes: u64,
    /// Checkpoint at least this often when anything changed.
    pub checkpoint_interval: Duration,
    /// Log segment size.
    pub segment_size: u64,
    /// History retention of new clusters, in µs.
    pub default_retention_us: u64,
    /// Timeline index: commits at least this old (µs) keep one index entry per
    /// `timeline_grain_us` of commit time (see [`sparse_commits`]).
    pub timeline_recent_us: u64,
    pub timeline_grain_us: u64,
    /// Run checkpoints and GC on a background thread.
    pub background: bool,
    /// Test seam: use this page store instead of `pages.db`.
    pub store: Option<Arc<dyn PageStore>>,
    /// On a damaged log record with durable records after it (media corruption, not a
    /// torn tail), cut the log there and drop what follows, instead of refusing to open
    /// with [`Error::CorruptLog`]. Off by default: the operator decides.
    pub truncate_log_at_corruption: bool,
}

impl Default for VolumeOptions {
    fn default() -> Self {
        VolumeOptions {
            page_size: 16 * 1024,
            cache_bytes: 256 << 20,
            fsync: true,
            checkpoint_log_bytes: 64 << 20,
            checkpoint_interval: Duration::from_secs(60),
            segment_size: 64 << 20,
            default_retention_us: 24 * 3600 * 1_000_000,
            timeline_recent_us: 10_000_000,
            timeline_grain_us: 1_000_000,
            background: true,
            store: None,
            truncate_log_at_corruption: false,
        }
    }
}

/// `µs since the epoch` as `YYYY-MM-DD hh:mm:ss.ffffff UTC`.
fn utc(us: u64) -> String {
    let secs = us / 1_000_000;
    let (y, m, d) = crate::value::temporal::civil_from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:06} UTC",
        s / 3600,
        s / 60 % 60,
        s % 60,
        us % 1_000_000
    )
}

/// What cutting the log at `damage` would drop, for the operator: per cluster the
/// commits lost (sequence numbers are consecutive per cluster, so the count includes
/// those inside the damaged bytes), their range and commit times.
fn describe_damage(meta: &Meta, kept: &[super::wal::Frame], damage: &super::wal::Damage) -> String {
    // cluster id -> (name, last kept seq)
    let mut clusters: BTreeMap<u64, (String, u64)> = meta
        .clusters
        .iter()
        .map(|c| (c.id, (c.name.clone(), c.current.seq)))
        .collect();
    let mut note = |rec: &Record| match rec {
        Record::CreateCluster { id, name, .. } | Record::Fork { id, name, .. } => {
            clusters.entry(*id).or_insert_with(|| (name.clone(), 0));
        }
        Record::Commit(c) => {
            let e = clusters
                .entry(c.cluster)
                .or_insert_with(|| (format!("#{}", c.cluster), 0));
            e.1 = e.1.max(c.seq);
        }
        _ => {}
    };
    for f in kept {
        if let Some(rec) = Record::decode(&f.payload) {
            note(&rec);
        }
    }
    // cluster id -> (first seq, last seq, first time, last time) of the readable commits
    let mut lost: BTreeMap<u64, (u64, u64, u64, u64)> = BTreeMap::new();
    let mut other = 0;
    for f in &damage.dropped {
        match Record::decode(&f.payload) {
            Some(Record::Commit(c)) => {
                let e = lost
                    .entry(c.cluster)
                    .or_insert((c.seq, c.seq, c.time_us, c.time_us));
                e.0 = e.0.min(c.seq);
                e.1 = e.1.max(c.seq);
                e.2 = e.2.min(c.time_us);
                e.3 = e.3.max(c.time_us);
            }
            _ => other += 1,
        }
    }
    let mut total = 0;
    let mut per = Vec::new();
    for (id, (first, last, t0, t1)) in &lost {
        let (name, kept_seq) = clusters
            .get(id)
            .cloned()
            .unwrap_or_else(|| (format!("#{id}"), 0));
        let from = if kept_seq > 0 && kept_seq < *first {
            kept_seq + 1
        } else {
            *first
        };
        let n = last - from + 1;
        total += n;
        per.push(format!(
            "cluster '{name}': {n} commits, seq {from}..{last}, the readable ones committed {} .. {}",
            utc(*t0),
            utc(*t1)
        ));
    }
    format!(
        "a log record fails its checksum and {} valid records were durably written after it \
         (damage to the medium, not a torn write); cutting the log there drops {total} \
         acknowledged commits ({}){} and {} bytes of log, from LSN {}",
        damage.dropped.len(),
        if per.is_empty() {
            "none readable".to_string()
        } else {
            per.join("; ")
        },
        if other > 0 {
            format!(", {other} other records (cluster changes)")
        } else {
            String::new()
        },
        damage.bytes,
        damage.lsn
    )
}

/// Microseconds since the Unix epoch.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// Keys [`CommitState::recent`] may hold before a commit prunes it early.
const MIN_PRUNE_AT: usize = 1 << 16;

pub(crate) struct CommitState {
    /// Newest state, including commits whose log record is not yet durable.
    pub working: State,
    /// Last committing sequence number per written key, for conflict checks.
    pub recent: super::rowlock::FastMap<(u64, Bytes), u64>,
    /// Last committing sequence number per touched tree.
    pub recent_trees: super::rowlock::FastMap<u64, u64>,
    /// Transactions whose snapshot is older than this cannot be checked any more.
    pub pruned_below: u64,
    /// Frozen states waiting for their log record to become durable.
    pub pending: VecDeque<(u64, Arc<State>, CommitEntry)>,
    /// Commits since `recent` was last pruned; it is pruned every 512 commits, or
    /// sooner once it holds `prune_at` keys (big transactions: twice what the last
    /// pruning left, so pruning stays proportional to the keys committed).
    pub since_prune: u64,
    pub prune_at: usize,
    /// The log generation the pending commits were appended in (see
    /// [`VolumeInner::settle`]).
    pub log_gen: u64,
}

impl CommitState {
    /// Makes `next` (the state after the commit `entry` describes, appended to the log)
    /// the working state; it is published once its record is durable.
    pub fn install(&mut self, next: State, entry: CommitEntry) {
        self.working = next;
        let frozen = Arc::new(self.working.clone());
        self.pending.push_back((entry.end, frozen, entry));
    }
}

pub(crate) struct Timeline {
    /// An index of the commits inside retention, oldest first: every recent commit, and
    /// of older ones the last of each grain of commit time (checkpoints thin it, see
    /// [`sparse_commits`]). A commit between two entries is found in the log, whose
    /// records carry their sequence number, time and binlog coordinate.
    pub commits: VecDeque<CommitEntry>,
    /// Retained states (history), oldest first; each is a base for replay.
    pub history: Vec<Arc<State>>,
}

/// The timeline index thinned: entries at or after `recent_from_us` all stay; of older
/// ones, the last in each `grain_us` of commit time. The index (kept in memory and in
/// every checkpoint's meta blob) then grows with the retention window, not with the
/// commit rate.
pub(crate) fn sparse_commits(
    entries: impl IntoIterator<Item = CommitEntry>,
    recent_from_us: u64,
    grain_us: u64,
) -> Vec<CommitEntry> {
    let grain_us = grain_us.max(1);
    let mut out: Vec<CommitEntry> = Vec::new();
    for e in entries {
        if let Some(last) = out.last() {
            if last.time_us < recent_from_us && last.time_us / grain_us == e.time_us / grain_us {
                out.pop();
            }
        }
        out.push(e);
    }
    out.shrink_to_fit();
    out
}

/// A cluster: a named, writable set of trees with its own timeline.
pub(crate) struct ClusterInner {
    pub id: u64,
    pub name: String,
    pub created_us: u64,
    pub source: Option<(String, u64)>,
    pub retention_us: AtomicU64,
    pub next_tree: AtomicU64,
    pub dropped: AtomicBool,
    pub commit: Mutex<CommitState>,
    pub published: RwLock<Arc<State>>,
    pub timeline: Mutex<Timeline>,
    /// Snapshot sequence numbers of open transactions (with multiplicity).
    pub active: Mutex<BTreeMap<u64, usize>>,
    /// Row locks of the cluster's writers.
    pub row_locks: super::rowlock::RowLocks,
    /// Transaction ids (row lock owners).
    pub next_txn: AtomicU64,
    /// The commits recovery replayed that keep binlog events, in commit order, until the
    /// binlog writer takes them ([`Cluster::take_recovered_binlog`]).
    pub recovered_binlog: Mutex<Vec<CommitRecord>>,
    /// Told where the binlog must end after commits were rolled back
    /// ([`VolumeInner::settle`]).
    pub rollback_hook: RwLock<Option<RollbackHook>>,
}

impl ClusterInner {
    fn new(
        id: u64,
        name: String,
        created_us: u64,
        source: Option<(String, u64)>,
        retention_us: u64,
        state: State,
    ) -> Self {
        let next_tree = state
            .trees
            .keys()
            .next_back()
            .map_or(FIRST_USER_TREE, |t| (t + 1).max(FIRST_USER_TREE));
        let published = Arc::new(state.clone());
        ClusterInner {
            id,
            name,
            created_us,
            source,
            retention_us: AtomicU64::new(retention_us),
            next_tree: AtomicU64::new(next_tree),
            dropped: AtomicBool::new(false),
            commit: Mutex::new(CommitState {
                working: state,
                recent: Default::default(),
                recent_trees: Default::default(),
                pruned_below: 0,
                pending: VecDeque::new(),
                since_prune: 0,
                prune_at: MIN_PRUNE_AT,
                log_gen: 0,
            }),
            timeline: Mutex::new(Timeline {
                commits: VecDeque::new(),
                history: vec![published.clone()],
            }),
            published: RwLock::new(published),
            active: Mutex::new(BTreeMap::new()),
            row_locks: Default::default(),
            next_txn: AtomicU64::new(1),
            recovered_binlog: Mutex::new(Vec::new()),
            rollback_hook: RwLock::new(None),
        }
    }

    pub fn published(&self) -> Arc<State> {
        self.published
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn lock_commit(&self) -> std::sync::MutexGuard<'_, CommitState> {
        self.commit.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn lock_timeline(&self) -> std::sync::MutexGuard<'_, Timeline> {
        self.timeline.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes every pending state whose record ends at or before `durable` visible.
    pub fn publish(&self, durable: u64) {
        let mut cs = self.lock_commit();
        let mut last = None;
        let mut entries = Vec::new();
        while cs
            .pending
            .front()
            .is_some_and(|(end, _, _)| *end <= durable)
        {
            if let Some((_, st, e)) = cs.pending.pop_front() {
                last = Some(st);
                entries.push(e);
            }
        }
        if let Some(st) = last {
            *self.published.write().unwrap_or_else(|e| e.into_inner()) = st;
            self.lock_timeline().commits.extend(entries);
        }
    }

    /// Forgets conflict entries no open transaction can need.
    pub fn prune_recent(&self, cs: &mut CommitState) {
        let oldest = self
            .active
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .next()
            .copied();
        let horizon = oldest.unwrap_or(cs.working.seq);
        cs.recent.retain(|_, s| *s > horizon);
        cs.recent_trees.retain(|_, s| *s > horizon);
        if cs.recent.len() > 2_000_000 {
            // A very old open transaction pins too much: give up checking it.
            cs.pruned_below = cs.working.seq;
            cs.recent.clear();
            cs.recent_trees.clear();
        }
        cs.prune_at = (2 * cs.recent.len()).max(MIN_PRUNE_AT);
    }
}

pub(crate) struct Maint {
    pub generation: u64,
    pub meta_pages: Vec<PageId>,
    pub replay_lsn: u64,
    pub last_checkpoint: Instant,
}

pub(crate) struct VolumeInner {
    pub dir: PathBuf,
    pub opts: VolumeOptions,
    pub pager: Arc<Pager>,
    pub log: Log,
    pub clusters: RwLock<BTreeMap<u64, Arc<ClusterInner>>>,
    pub next_cluster_id: AtomicU64,
    pub maint: Mutex<Maint>,
    /// Every pin handed out; live ones are GC roots.
    pub pins: Mutex<Vec<Weak<Pin>>>,
    pub shutdown: AtomicBool,
    pub wake: (Mutex<bool>, Condvar),
    /// Run by every checkpoint before it lets recovery skip the log records before it.
    pub checkpoint_hooks: RwLock<Vec<CheckpointHook>>,
    _lock: File,
}

/// Work that must be durable before a checkpoint ends: the binlog files, whose events of
/// the commits before the checkpoint recovery could no longer write back from the log.
pub type CheckpointHook = Arc<dyn Fn() -> Result<()> + Send + Sync>;

/// Called (under the cluster's commit lock) when commits whose binlog events were
/// appended are rolled back because their log write failed (a full disk): the binlog must
/// end at this coordinate again (the newest commit left; `None` when none in the
/// timeline has one: the end of what was there before this run's first commit).
pub type RollbackHook = Arc<dyn Fn(Option<BinlogCoord>) -> Result<()> + Send + Sync>;

/// An open volume. Dropping it stops background work and writes a final checkpoint.
pub struct Volume {
    pub(crate) inner: Arc<VolumeInner>,
    bg: Option<JoinHandle<()>>,
}

/// A handle on one cluster.
#[derive(Clone)]
pub struct Cluster {
    pub(crate) vol: Arc<VolumeInner>,
    pub(crate) c: Arc<ClusterInner>,
}

/// Where a fork (or a point-in-time read) starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointInTime {
    /// Every commit acknowledged so far.
    Latest,
    /// The state after the last commit at or before this time (µs since epoch).
    Time(u64),
    /// The state after commit `seq`.
    Seq(u64),
}

/// What a cluster looks like from outside.
#[derive(Clone, Debug)]
pub struct ClusterInfo {
    pub id: u64,
    pub name: String,
    pub created_us: u64,
    pub source: Option<(String, u64)>,
    pub retention_us: u64,
    pub last_seq: u64,
    pub last_commit_us: u64,
    /// Oldest time a point-in-time read or fork can target.
    pub earliest_restorable_us: u64,
}

/// Pages held per cluster, from the durable view (after a checkpoint).
#[derive(Clone, Debug, Default)]
pub struct ClusterSpace {
    pub id: u64,
    pub name: String,
    /// Pages only this cluster reaches.
    pub exclusive_pages: u64,
    /// Pages this cluster reaches together with at least one other.
    pub shared_pages: u64,
    /// Of its exclusive pages, those only its retained history reaches (not its newest
    /// state): what backtrack and point-in-time reads cost (Aurora's
    /// BacktrackChangeRecordsStored).
    pub history_pages: u64,
}

#[derive(Clone, Debug, Default)]
pub struct SpaceReport {
    pub page_size: u64,
    /// Pages in the page file (high-water mark).
    pub total_pages: u64,
    pub free_pages: u64,
    pub clusters: Vec<ClusterSpace>,
}

/// What one GC pass did.
#[derive(Clone, Debug, Default)]
pub struct GcStats {
    pub marked: u64,
    pub freed: u64,
}

fn lock_dir(dir: &Path) -> Result<File> {
    let path = dir.join("LOCK");
    let f = super::wal::private_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::VolumeLocked {
            path: dir.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(Error::io(format!("locking {}", path.display()), e))
        }
    }
}

fn to_durable(s: &State) -> DurableState {
    DurableState {
        seq: s.seq,
        time_us: s.time_us,
        lsn: s.lsn,
        trees: s
            .trees
            .iter()
            .map(|(id, t)| match &t.root {
                Some(Child::Page { id: p, flags }) => (*id, *p, *flags, t.count),
                _ => (*id, 0, 0, t.count),
            })
            .collect(),
    }
}

impl VolumeInner {
    fn new_pin(&self, generation: u64, roots: Vec<(PageId, u8)>) -> Arc<Pin> {
        let pin = Arc::new(Pin { generation, roots });
        let mut pins = self.pins.lock().unwrap_or_else(|e| e.into_inner());
        pins.retain(|w| w.strong_count() > 0);
        pins.push(Arc::downgrade(&pin));
        pin
    }

    fn state_from_durable(&self, d: &DurableState, generation: u64) -> State {
        let trees: BTreeMap<u64, TreeRoot> = d
            .trees
            .iter()
            .map(|(id, page, flags, count)| {
                let root = (*page != 0).then_some(Child::Page {
                    id: *page,
                    flags: *flags,
                });
                (
                    *id,
                    TreeRoot {
                        root,
                        count: *count,
                    },
                )
            })
            .collect();
        let roots = d
            .trees
            .iter()
            .filter(|t| t.1 != 0)
            .map(|t| (t.1, t.2))
            .collect();
        State {
            seq: d.seq,
            time_us: d.time_us,
            lsn: d.lsn,
            trees: Arc::new(trees),
            pin: self.new_pin(generation, roots),
        }
    }

    pub fn cluster_by_name(&self, name: &str) -> Option<Arc<ClusterInner>> {
        self.clusters
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .find(|c| c.name == name)
            .cloned()
    }

    /// Appends a registry record and waits until it is durable.
    fn log_durably(&self, rec: &Record) -> Result<u64> {
        let t = self.log.append(&rec.encode());
        self.log.sync(&t)?;
        Ok(t.end)
    }

    /// The state of `c` after commit `seq`: the newest retained state at or
    /// before it plus replay of the log (DESIGN.md, durability 4).
    pub fn materialize(&self, c: &ClusterInner, seq: u64) -> Result<State> {
        let published = c.published();
        if seq == published.seq {
            return Ok((*published).clone());
        }
        if seq > published.seq {
            return Err(crate::invalid!(
                "commit {seq} of cluster '{}' has not happened (latest is {})",
                c.name,
                published.seq
            ));
        }
        let (base, end) = {
            let tl = c.lock_timeline();
            // The log up to the first indexed commit at or after `seq` holds it.
            let i = tl.commits.partition_point(|e| e.seq < seq);
            let end = tl.commits.get(i).map_or(self.log.durable(), |e| e.end);
            (tl.history.iter().rev().find(|s| s.seq <= seq).cloned(), end)
        };
        let Some(base) = base else {
            return Err(crate::invalid!(
                "commit {seq} of cluster '{}' is older than its retained history",
                c.name
            ));
        };
        let mut state = (*base).clone();
        if state.seq == seq {
            return Ok(state);
        }
        self.scan_commits(c, base.lsn, end, |rec, rec_end| {
            if rec.seq <= state.seq {
                return Ok(true);
            }
            if rec.seq > seq {
                return Ok(false);
            }
            if let Some(to) = rec.rewind_to {
                // Not reached while the rewind's own history state is kept; rebuilt the
                // way recovery does.
                state = self.materialize(c, to)?;
            }
            apply_changes(&self.pager, &mut state, &rec.changes)?;
            state.seq = rec.seq;
            state.time_us = rec.time_us;
            state.lsn = rec_end;
            Ok(true)
        })?;
        if state.seq != seq {
            return Err(crate::invalid!(
                "commit {seq} of cluster '{}' is not in the retained log",
                c.name
            ));
        }
        Ok(state)
    }

    /// The sequence number of the last commit at or before `time_us`.
    pub fn seq_at(&self, c: &ClusterInner, at: PointInTime) -> Result<u64> {
        match at {
            PointInTime::Latest => Ok(c.published().seq),
            PointInTime::Seq(s) => Ok(s),
            PointInTime::Time(t) => {
                let tl = c.lock_timeline();
                let oldest = tl.history.first().map_or(0, |s| s.time_us);
                if t < oldest {
                    return Err(crate::invalid!(
                        "time {t} is before the earliest restorable time {oldest} of cluster '{}'",
                        c.name
                    ));
                }
                // The newest indexed commit or retained state at or before `t`; commits
                // after it, up to the next indexed one, are read from the log.
                let i = tl.commits.partition_point(|e| e.time_us <= t);
                let indexed = i
                    .checked_sub(1)
                    .map(|k| (tl.commits[k].seq, tl.commits[k].end));
                let state = tl
                    .history
                    .iter()
                    .rev()
                    .find(|s| s.time_us <= t)
                    .map(|s| (s.seq, s.lsn));
                let (mut best, from) = indexed.max(state).unwrap_or((0, 0));
                let to = tl.commits.get(i).map_or(self.log.durable(), |e| e.lsn);
                drop(tl);
                let published = c.published().seq;
                self.scan_commits(c, from, to, |rec, _| {
                    if rec.time_us > t || rec.seq > published {
                        return Ok(false);
                    }
                    best = best.max(rec.seq);
                    Ok(true)
                })?;
                Ok(best)
            }
        }
    }

    /// Calls `f` with each commit record of `c` in the log between `from` and `to`, in
    /// order, and where the record ends, until it returns false.
    pub(crate) fn scan_commits(
        &self,
        c: &ClusterInner,
        from: u64,
        to: u64,
        mut f: impl FnMut(&CommitRecord, u64) -> Result<bool>,
    ) -> Result<()> {
        if from >= to {
            return Ok(());
        }
        for frame in self.log.read_range(from, to)? {
            if let Some(Record::Commit(rec)) = Record::decode(&frame.payload) {
                if rec.cluster == c.id && !f(&rec, frame.end)? {
                    break;
                }
            }
        }
        Ok(())
    }

    /// The binlog coordinate of the newest published commit of `c` at or before `seq`
    /// that has one (see [`super::Cluster::binlog_coord_at`]).
    pub(crate) fn binlog_coord_at(
        &self,
        c: &ClusterInner,
        seq: u64,
    ) -> Result<Option<BinlogCoord>> {
        let (indexed, from, to) = {
            let tl = c.lock_timeline();
            let end = tl.commits.partition_point(|e| e.seq <= seq);
            let indexed = tl.commits.range(..end).rev().find_map(|e| e.binlog);
            let from = match end.checked_sub(1) {
                Some(k) => tl.commits[k].end,
                None => tl.history.first().map_or(0, |h| h.lsn),
            };
            let to = tl.commits.get(end).map_or(self.log.durable(), |e| e.lsn);
            (indexed, from, to)
        };
        // Commits between the indexed one and `seq` are read from the log.
        let mut found = None;
        self.scan_commits(c, from, to, |rec, _| {
            if rec.seq > seq {
                return Ok(false);
            }
            found = rec.binlog.or(found);
            Ok(true)
        })?;
        Ok(found.or(indexed))
    }

    /// Brings `c`'s commit state (its commit lock held) back in line with the log after a
    /// failed log write ended the generation its pending commits were appended in: the
    /// commits whose records were dropped go (the working state is the newest durable
    /// one again, their conflict entries and history states with it) and the rollback
    /// hook cuts the binlog back to the newest commit left. `forced`: a commit whose
    /// binlog events were appended found the generation changed before its record was
    /// appended, so the binlog is cut even when no pending commit was dropped.
    pub(crate) fn settle(&self, c: &ClusterInner, cs: &mut CommitState, forced: bool) {
        let gen = self.log.generation();
        if cs.log_gen == gen {
            return;
        }
        let cut = self.log.cut_of(cs.log_gen).unwrap_or(u64::MAX);
        cs.log_gen = gen;
        let keep = cs.pending.iter().take_while(|p| p.0 <= cut).count();
        let lost = cs.pending.len() - keep;
        if lost == 0 && !forced {
            return;
        }
        cs.pending.truncate(keep);
        if lost > 0 {
            let base = match cs.pending.back() {
                Some(p) => (*p.1).clone(),
                None => (*c.published()).clone(),
            };
            let mut base = base;
            // The checkpoint may have swizzled the working state since (same trees).
            if base.seq == cs.working.seq {
                base = cs.working.clone();
            }
            cs.working = base;
            let seq = cs.working.seq;
            // Conflict entries of dropped commits: a key they wrote counts as written by
            // the newest kept commit (conservative for older snapshots, and no open
            // transaction's snapshot is newer).
            for v in cs.recent.values_mut() {
                *v = (*v).min(seq);
            }
            for v in cs.recent_trees.values_mut() {
                *v = (*v).min(seq);
            }
            cs.pruned_below = cs.pruned_below.min(seq);
            c.lock_timeline().history.retain(|h| h.seq <= seq);
        }
        tracing::warn!(cluster = %c.name, lost, seq = cs.working.seq, at = cut,
            "commits whose log write failed are rolled back");
        self.cut_binlog(c, cs);
    }

    /// Tells `c`'s rollback hook (its commit lock held) to end the binlog at the newest
    /// commit the cluster has (events appended after it belong to no commit: rolled back,
    /// or a commit whose binlog hook failed after appending them).
    pub(crate) fn cut_binlog(&self, c: &ClusterInner, cs: &CommitState) {
        let hook = c
            .rollback_hook
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let Some(hook) = hook else { return };
        let coord = match cs.pending.iter().rev().find_map(|p| p.2.binlog) {
            Some(b) => Some(b),
            None => self.binlog_coord_at(c, cs.working.seq).unwrap_or_else(|e| {
                tracing::error!(error = %e, "reading the binlog coordinate to roll back to");
                None
            }),
        };
        if let Err(e) = hook(coord) {
            tracing::error!(error = %e, "the binlog could not be cut back to the last commit");
        }
    }

    // ---- checkpoints ----

    /// Writes a node tree that is not yet durable; returns its page and flags.
    fn write_child(
        &self,
        c: &Child,
        generation: u64,
        written: &mut HashMap<usize, (PageId, u8)>,
    ) -> Result<(PageId, u8)> {
        let n = match c {
            Child::Page { id, flags } => return Ok((*id, *flags)),
            Child::Node(n) => n,
        };
        let key = Arc::as_ptr(n) as usize;
        if let Some(&done) = written.get(&key) {
            return Ok(done);
        }
        let g = self.pager.geo;
        let disk = match &**n {
            // The page cache keeps the very node the tree holds.
            Node::Leaf(leaf) if !leaf.has_shared() => n.clone(),
            Node::Leaf(leaf) => {
                // Values too large for the page move to overflow chains now.
                let mut out = Leaf::with_capacity(leaf.data_len(0..leaf.len()), leaf.len());
                for (k, v) in leaf.iter() {
                    match v {
                        ValRef::Shared(b) => out.push(
                            k,
                            ValRef::Overflow {
                                page: self.pager.write_chain(b, PageKind::Overflow, generation)?,
                                len: b.len() as u64,
                            },
                        ),
                        other => out.push(k, other),
                    }
                }
                Arc::new(Node::Leaf(out))
            }
            Node::Branch { keys, children } => {
                let mut out = Vec::with_capacity(children.len());
                for ch in children {
                    let (id, flags) = self.write_child(ch, generation, written)?;
                    out.push(Child::Page { id, flags });
                }
                Arc::new(Node::Branch {
                    keys: keys.clone(),
                    children: out.into(),
                })
            }
        };
        let id = self.pager.alloc();
        let img =
            super::page::encode_node(&g, &disk, id, generation).ok_or_else(|| Error::Corrupt {
                file: self.dir.join("pages.db"),
                page: id,
                offset: 0,
                detail: "node does not fit its page (internal error)".into(),
            })?;
        self.pager.write_raw(id, &img)?;
        let flags = disk.flags();
        self.pager.cache.insert(id, disk);
        written.insert(key, (id, flags));
        Ok((id, flags))
    }

    fn write_state(
        &self,
        s: &State,
        generation: u64,
        written: &mut HashMap<usize, (PageId, u8)>,
    ) -> Result<State> {
        if s.is_durable() {
            return Ok(s.clone());
        }
        let mut trees = BTreeMap::new();
        let mut roots = Vec::new();
        for (id, t) in s.trees.iter() {
            let root = match &t.root {
                None => None,
                Some(c) => {
                    let (p, f) = self.write_child(c, generation, written)?;
                    roots.push((p, f));
                    Some(Child::Page { id: p, flags: f })
                }
            };
            trees.insert(
                *id,
                TreeRoot {
                    root,
                    count: t.count,
                },
            );
        }
        Ok(State {
            seq: s.seq,
            time_us: s.time_us,
            lsn: s.lsn,
            trees: Arc::new(trees),
            pin: self.new_pin(generation, roots),
        })
    }

    /// Writes every cluster's newest state and not-yet-durable history as new
    /// pages, then a new meta blob and superblock (durability invariant 2).
    pub fn checkpoint(&self) -> Result<()> {
        let mut m = self.maint.lock().unwrap_or_else(|e| e.into_inner());
        let generation = m.generation + 1;
        let clusters: Vec<Arc<ClusterInner>> = self
            .clusters
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        // Until the superblock is written, a failure (a full disk) gives back the pages
        // this checkpoint took; the next one starts over.
        let mut alloc_guard = AllocGuard {
            pager: &self.pager,
            before: Some(self.pager.alloc_state()),
        };
        let mut written: HashMap<usize, (PageId, u8)> = HashMap::new();
        let mut captured = Vec::with_capacity(clusters.len());
        let mut replay_lsn = u64::MAX;
        let mut tickets = Vec::with_capacity(clusters.len());
        for c in &clusters {
            let (mut working, ticket) = {
                let mut cs = c.lock_commit();
                self.settle(c, &mut cs, false);
                (cs.working.clone(), self.log.mark_in(cs.log_gen)?)
            };
            // Everything this cluster logged before `covered` is in `working` (and is
            // durable once the ticket is: a failed write that drops any of it fails the
            // checkpoint).
            let covered = ticket.end;
            working.lsn = covered;
            tickets.push(ticket);
            replay_lsn = replay_lsn.min(covered);
            let current = self.write_state(&working, generation, &mut written)?;
            // A rewind committing meanwhile adds a history state for a record this
            // checkpoint does not make durable: it waits for the next one.
            let history: Vec<Arc<State>> = c
                .lock_timeline()
                .history
                .iter()
                .filter(|h| h.seq <= working.seq)
                .cloned()
                .collect();
            let mut new_history = Vec::with_capacity(history.len());
            for h in &history {
                new_history.push(Arc::new(self.write_state(h, generation, &mut written)?));
            }
            captured.push((c.clone(), working, Arc::new(current), new_history));
        }
        if replay_lsn == u64::MAX {
            let t = self.log.mark();
            replay_lsn = t.end;
            tickets.push(t);
        }
        // Every binlog event of a commit before `covered` is in its file by now.
        for hook in self
            .checkpoint_hooks
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            hook()?;
        }
        for t in &tickets {
            self.log.sync(t)?;
        }

        // Retention: keep history inside the window plus the newest state before it.
        let now = now_us();
        let mut metas = Vec::with_capacity(captured.len());
        for (c, _, current, history) in &mut captured {
            let window_start = now.saturating_sub(c.retention_us.load(Ordering::Relaxed));
            if current.seq > history.last().map_or(0, |h| h.seq) || history.is_empty() {
                history.push(current.clone());
            }
            let keep_from = history
                .iter()
                .rposition(|h| h.time_us <= window_start)
                .unwrap_or(0);
            history.drain(..keep_from);
            let oldest_seq = history.first().map_or(0, |h| h.seq);
            let commits = sparse_commits(
                c.lock_timeline()
                    .commits
                    .iter()
                    .filter(|e| e.seq > oldest_seq && e.seq <= current.seq)
                    .copied(),
                now.saturating_sub(self.opts.timeline_recent_us),
                self.opts.timeline_grain_us,
            );
            metas.push(ClusterMeta {
                id: c.id,
                name: c.name.clone(),
                retention_us: c.retention_us.load(Ordering::Relaxed),
                created_us: c.created_us,
                next_tree: c.next_tree.load(Ordering::Relaxed),
                source: c.source.clone(),
                current: to_durable(current),
                history: history.iter().map(|h| to_durable(h)).collect(),
                commits,
            });
        }
        let (free, page_count_before) = self.pager.alloc_state();
        let meta = Meta {
            generation,
            next_cluster_id: self.next_cluster_id.load(Ordering::Relaxed),
            replay_lsn,
            clusters: metas,
            free,
        };
        let blob = meta.encode();
        let head = self.pager.write_chain(&blob, PageKind::Meta, generation)?;
        self.pager.sync()?;
        let (_, page_count) = self.pager.alloc_state();
        let sb = Superblock {
            page_size: self.pager.geo.page_size as u32,
            generation,
            meta_head: head,
            meta_len: blob.len() as u64,
            page_count: page_count.max(page_count_before),
        };
        // Past here the new superblock may reach the disk even if its write reports an
        // error: its pages are not given back.
        alloc_guard.before = None;
        sb.write(self.pager.store())?;
        m.generation = generation;
        m.meta_pages = self.pager.chain_pages(head, blob.len() as u64)?;
        m.replay_lsn = replay_lsn;
        m.last_checkpoint = Instant::now();

        // Swap in the durable versions: the working tree points at the new pages,
        // so the in-memory copies can go and the cache bounds memory again.
        let mut min_history_lsn = replay_lsn;
        for (c, _, current, history) in captured {
            {
                let mut cs = c.lock_commit();
                let trees = Arc::make_mut(&mut cs.working.trees);
                for t in trees.values_mut() {
                    if let Some(root) = &mut t.root {
                        swizzle(root, &written);
                    }
                }
                cs.working.pin = current.pin.clone();
                if cs.pending.is_empty() {
                    let mut w = cs.working.clone();
                    w.lsn = current.lsn.max(w.lsn);
                    *c.published.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(w);
                }
            }
            let mut tl = c.lock_timeline();
            let oldest = history.first().map_or(0, |h| h.seq);
            min_history_lsn = min_history_lsn.min(history.first().map_or(replay_lsn, |h| h.lsn));
            let recent_from = now_us().saturating_sub(self.opts.timeline_recent_us);
            let kept = sparse_commits(
                tl.commits.drain(..).filter(|e| e.seq > oldest),
                recent_from,
                self.opts.timeline_grain_us,
            );
            tl.commits = kept.into();
            let later: Vec<Arc<State>> = tl
                .history
                .iter()
                .filter(|h| h.seq > current.seq)
                .cloned()
                .collect();
            tl.history = history;
            tl.history.extend(later);
        }
        self.log.remove_before(min_history_lsn)?;
        tracing::debug!(generation, replay_lsn, "checkpoint written");
        Ok(())
    }

    // ---- garbage collection ----

    /// Marks every page reachable from `root` in `seen`; returns how many were new.
    /// Leaves are read only when their parent says they hold overflow values.
    fn reach(&self, root: (PageId, u8), seen: &mut [bool]) -> Result<u64> {
        let mut n = 0;
        let mut stack = vec![root];
        while let Some((id, flags)) = stack.pop() {
            match seen.get_mut(id as usize) {
                Some(s) if !*s => *s = true,
                _ => continue,
            }
            n += 1;
            if flags & F_LEAF != 0 && flags & F_OVERFLOW == 0 {
                continue;
            }
            let node = self.pager.read_node(id)?;
            match &*node {
                Node::Branch { children, .. } => {
                    for ch in children {
                        if let Child::Page { id, flags } = ch {
                            stack.push((*id, *flags));
                        }
                    }
                }
                Node::Leaf(leaf) => {
                    for (_, v) in leaf.iter() {
                        if let ValRef::Overflow { page, len } = v {
                            for p in self.pager.chain_pages(page, len)? {
                                if let Some(s) = seen.get_mut(p as usize) {
                                    if !*s {
                                        *s = true;
                                        n += 1;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(n)
    }

    /// Frees every page that no retained or pinned state reaches (storage
    /// invariant 4). Runs beside commits: they allocate no pages; checkpoints,
    /// the only allocators, are excluded by the maintenance lock.
    pub fn gc(&self) -> Result<GcStats> {
        let m = self.maint.lock().unwrap_or_else(|e| e.into_inner());
        let (free, page_count) = self.pager.alloc_state();
        let mut seen = vec![false; page_count as usize];
        let mut marked = 0;
        for &p in &m.meta_pages {
            if let Some(s) = seen.get_mut(p as usize) {
                *s = true;
                marked += 1;
            }
        }
        let pins: Vec<Arc<Pin>> = self
            .pins
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(|w| w.upgrade())
            .collect();
        for pin in &pins {
            for &root in &pin.roots {
                marked += self.reach(root, &mut seen)?;
            }
        }
        let dead: Vec<PageId> = (1..page_count)
            .filter(|&p| !seen[p as usize] && !free.contains(&p))
            .collect();
        let freed = dead.len() as u64;
        self.pager.free(dead);
        drop(m);
        if freed > 0 {
            tracing::debug!(freed, marked, "gc freed pages");
        }
        Ok(GcStats { marked, freed })
    }

    /// Per-cluster exclusive and shared pages of the durable view (storage
    /// invariant 5). A cluster reaches the pages of its retained history and of
    /// its newest state.
    pub fn space(&self) -> Result<SpaceReport> {
        let _m = self.maint.lock().unwrap_or_else(|e| e.into_inner());
        let (free, page_count) = self.pager.alloc_state();
        let clusters: Vec<Arc<ClusterInner>> = self
            .clusters
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        let n = page_count as usize;
        let mut counts = vec![0u16; n];
        let mut reached = Vec::with_capacity(clusters.len());
        for c in &clusters {
            let history: Vec<Arc<Pin>> = c
                .lock_timeline()
                .history
                .iter()
                .map(|s| s.pin.clone())
                .collect();
            let newest = c.lock_commit().working.pin.clone();
            let mut now = vec![false; n];
            for &root in &newest.roots {
                self.reach(root, &mut now)?;
            }
            let mut seen = now.clone();
            for pin in history {
                for &root in &pin.roots {
                    self.reach(root, &mut seen)?;
                }
            }
            for (i, s) in seen.iter().enumerate() {
                if *s {
                    counts[i] = counts[i].saturating_add(1);
                }
            }
            reached.push((seen, now));
        }
        let mut report = SpaceReport {
            page_size: self.pager.geo.page_size as u64,
            total_pages: page_count.saturating_sub(1),
            free_pages: free.len() as u64,
            clusters: Vec::with_capacity(clusters.len()),
        };
        for (c, (seen, now)) in clusters.iter().zip(reached) {
            let mut cs = ClusterSpace {
                id: c.id,
                name: c.name.clone(),
                ..Default::default()
            };
            for (i, s) in seen.iter().enumerate() {
                if *s {
                    if counts[i] > 1 {
                        cs.shared_pages += 1;
                    } else {
                        cs.exclusive_pages += 1;
                        if !now[i] {
                            cs.history_pages += 1;
                        }
                    }
                }
            }
            report.clusters.push(cs);
        }
        Ok(report)
    }
}

/// Replaces in-memory nodes that a checkpoint wrote by their durable pages.
fn swizzle(child: &mut Child, written: &HashMap<usize, (PageId, u8)>) {
    let Child::Node(n) = child else { return };
    if let Some(&(id, flags)) = written.get(&(Arc::as_ptr(n) as usize)) {
        *child = Child::Page { id, flags };
        return;
    }
    let needs = match &**n {
        Node::Branch { children, .. } => children.iter().any(|c| matches!(c, Child::Node(_))),
        Node::Leaf(_) => false,
    };
    if needs {
        if let Node::Branch { children, .. } = Arc::make_mut(n) {
            children.update(|c| matches!(c, Child::Node(_)), |c| swizzle(c, written));
        }
    }
}

/// Gives back a failed checkpoint's pages (see [`VolumeInner::checkpoint`]).
struct AllocGuard<'a> {
    pager: &'a Pager,
    before: Option<(std::collections::BTreeSet<PageId>, PageId)>,
}

impl Drop for AllocGuard<'_> {
    fn drop(&mut self) {
        if let Some((free, next)) = self.before.take() {
            self.pager.reset_alloc(free, next);
        }
    }
}

impl Volume {
    /// Opens the volume in `dir`, creating it when missing, and recovers it:
    /// newest durable checkpoint + replay of the log after it.
    pub fn open(dir: impl AsRef<Path>, opts: VolumeOptions) -> Result<Volume> {
        let dir = dir.as_ref().to_path_buf();
        super::wal::create_private_dir(&dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let lock = lock_dir(&dir)?;
        let store: Arc<dyn PageStore> = match &opts.store {
            Some(s) => s.clone(),
            None => Arc::new(
                FileStore::open(&dir.join("pages.db"))
                    .map_err(|e| Error::io("opening pages.db", e))?,
            ),
        };
        let (sb, meta) = match Superblock::read(&*store)? {
            Some(sb) => {
                let probe = Pager::new(
                    store.clone(),
                    sb.page_size as usize,
                    1 << 20,
                    sb.page_count,
                    Default::default(),
                );
                let blob = probe.read_chain(sb.meta_head, sb.meta_len, PageKind::Meta)?;
                let meta = Meta::decode(&blob).ok_or_else(|| Error::Corrupt {
                    file: dir.join("pages.db"),
                    page: sb.meta_head,
                    offset: sb.meta_head * u64::from(sb.page_size),
                    detail: "meta blob does not decode".into(),
                })?;
                (sb, meta)
            }
            None => {
                if !(4096..=65536).contains(&opts.page_size) || !opts.page_size.is_power_of_two() {
                    return Err(crate::invalid!(
                        "page size must be a power of two from 4096 to 65536"
                    ));
                }
                let sb = Superblock {
                    page_size: opts.page_size as u32,
                    generation: 0,
                    meta_head: 0,
                    meta_len: 0,
                    page_count: 1,
                };
                (
                    sb,
                    Meta {
                        next_cluster_id: 1,
                        ..Default::default()
                    },
                )
            }
        };
        let pager = Arc::new(Pager::new(
            store,
            sb.page_size as usize,
            opts.cache_bytes,
            sb.page_count,
            meta.free.clone(),
        ));
        let truncate = opts.truncate_log_at_corruption;
        let (log, frames) = Log::open(
            &dir.join("log"),
            meta.replay_lsn,
            opts.fsync,
            opts.segment_size,
            &mut |kept, damage| {
                let what = describe_damage(&meta, kept, damage);
                if !truncate {
                    return Err(Error::CorruptLog {
                        file: damage.file.clone(),
                        offset: damage.offset,
                        detail: what,
                    });
                }
                tracing::error!(
                    file = %damage.file.display(),
                    offset = damage.offset,
                    "CUTTING THE LOG AT A DAMAGED RECORD, as asked: {what}"
                );
                Ok(())
            },
        )?;
        let meta_pages = if sb.meta_head != 0 {
            pager.chain_pages(sb.meta_head, sb.meta_len)?
        } else {
            Vec::new()
        };
        let inner = Arc::new(VolumeInner {
            dir: dir.clone(),
            opts: opts.clone(),
            pager,
            log,
            clusters: RwLock::new(BTreeMap::new()),
            next_cluster_id: AtomicU64::new(meta.next_cluster_id.max(1)),
            maint: Mutex::new(Maint {
                generation: sb.generation,
                meta_pages,
                replay_lsn: meta.replay_lsn,
                last_checkpoint: Instant::now(),
            }),
            pins: Mutex::new(Vec::new()),
            shutdown: AtomicBool::new(false),
            checkpoint_hooks: RwLock::new(Vec::new()),
            wake: (Mutex::new(false), Condvar::new()),
            _lock: lock,
        });
        inner.load(&meta, sb.generation)?;
        let replayed = inner.replay(frames)?;
        tracing::info!(dir = %dir.display(), generation = sb.generation, replayed, "volume open");
        // Not while replayed binlog events wait for their writer to check its files: a
        // checkpoint now would let the next recovery skip the records that hold them.
        let binlog_waiting = inner
            .clusters
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .any(|c| {
                !c.recovered_binlog
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .is_empty()
            });
        if sb.generation == 0 {
            inner.checkpoint()?;
        } else if replayed > 0 && !binlog_waiting {
            // Soft: the log still holds everything replayed, and a disk too full for the
            // pages now must not keep the volume from opening (the maintenance thread
            // tries again).
            if let Err(e) = inner.checkpoint() {
                tracing::warn!(error = %e, "checkpoint after recovery failed; the log is kept and the checkpoint retried later");
            }
        }
        let bg = if opts.background {
            let weak = Arc::downgrade(&inner);
            Some(
                std::thread::Builder::new()
                    .name("borealis-maint".into())
                    .spawn(move || maintenance(weak))
                    .map_err(|e| Error::io("starting the maintenance thread", e))?,
            )
        } else {
            None
        };
        Ok(Volume { inner, bg })
    }

    /// Creates a new, empty cluster.
    pub fn create_cluster(&self, name: &str) -> Result<Cluster> {
        let v = &self.inner;
        validate_name(name)?;
        let _reg = v.maint.lock().unwrap_or_else(|e| e.into_inner());
        if v.cluster_by_name(name).is_some() {
            return Err(Error::AlreadyExists {
                what: format!("cluster '{name}'"),
            });
        }
        let id = v.next_cluster_id.fetch_add(1, Ordering::SeqCst);
        let time_us = now_us();
        let retention_us = v.opts.default_retention_us;
        let end = v.log_durably(&Record::CreateCluster {
            id,
            name: name.into(),
            retention_us,
            time_us,
        })?;
        let c = Arc::new(ClusterInner::new(
            id,
            name.into(),
            time_us,
            None,
            retention_us,
            State::empty(time_us, end),
        ));
        v.clusters
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, c.clone());
        Ok(Cluster { vol: v.clone(), c })
    }

    /// A new cluster whose timeline starts at `source` as of `at` (storage
    /// invariant 3: it copies no pages; its cost does not grow with the data).
    pub fn fork(&self, source: &str, name: &str, at: PointInTime) -> Result<Cluster> {
        let v = &self.inner;
        validate_name(name)?;
        let src = v.cluster_by_name(source).ok_or_else(|| Error::NotFound {
            what: format!("cluster '{source}'"),
        })?;
        // The maintenance lock keeps history from being pruned while we read it.
        let _m = v.maint.lock().unwrap_or_else(|e| e.into_inner());
        if v.cluster_by_name(name).is_some() {
            return Err(Error::AlreadyExists {
                what: format!("cluster '{name}'"),
            });
        }
        let id = v.next_cluster_id.fetch_add(1, Ordering::SeqCst);
        let time_us = now_us();
        let retention_us = src.retention_us.load(Ordering::Relaxed);
        let (state, end) = match at {
            PointInTime::Latest => {
                // Under the source's commit lock: the fork record follows every
                // commit already in the working state, so replay forks at the same point.
                let mut cs = src.lock_commit();
                v.settle(&src, &mut cs, false);
                let state = cs.working.clone();
                let rec = Record::Fork {
                    id,
                    name: name.into(),
                    source: src.id,
                    source_seq: state.seq,
                    retention_us,
                    time_us,
                };
                let t = v.log.append_in(cs.log_gen, &rec.encode())?;
                drop(cs);
                v.log.sync(&t)?;
                src.publish(t.end);
                (state, t.end)
            }
            other => {
                let seq = v.seq_at(&src, other)?;
                let state = v.materialize(&src, seq)?;
                let rec = Record::Fork {
                    id,
                    name: name.into(),
                    source: src.id,
                    source_seq: seq,
                    retention_us,
                    time_us,
                };
                (state, v.log_durably(&rec)?)
            }
        };
        let mut state = state;
        state.lsn = end;
        let source_ref = Some((src.name.clone(), state.seq));
        let c = Arc::new(ClusterInner::new(
            id,
            name.into(),
            time_us,
            source_ref,
            retention_us,
            state,
        ));
        v.clusters
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, c.clone());
        tracing::info!(source, name, seq = c.published().seq, "cluster forked");
        Ok(Cluster { vol: v.clone(), c })
    }

    /// Removes a cluster; its exclusive pages return to the free list at the next GC.
    pub fn drop_cluster(&self, name: &str) -> Result<()> {
        let v = &self.inner;
        let _m = v.maint.lock().unwrap_or_else(|e| e.into_inner());
        let c = v.cluster_by_name(name).ok_or_else(|| Error::NotFound {
            what: format!("cluster '{name}'"),
        })?;
        v.log_durably(&Record::DropCluster { id: c.id })?;
        c.dropped.store(true, Ordering::SeqCst);
        v.clusters
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&c.id);
        Ok(())
    }

    /// Registers work every checkpoint makes durable before recovery may skip the log
    /// records before it: the binlog's fsync. Commits keep their binlog events, or what
    /// renders them again, in their log records ([`super::CommitRecord::binlog_events`]),
    /// so the binlog files are
    /// fsynced only here, not at every commit (DESIGN "Durability and the log" 3).
    pub fn add_checkpoint_hook(&self, hook: CheckpointHook) {
        self.inner
            .checkpoint_hooks
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(hook);
    }

    /// Removes a hook added with [`Volume::add_checkpoint_hook`] (the binlog it served
    /// was closed).
    pub fn remove_checkpoint_hook(&self, hook: &CheckpointHook) {
        self.inner
            .checkpoint_hooks
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|h| !Arc::ptr_eq(h, hook));
    }

    /// A handle on the cluster called `name`.
    pub fn cluster(&self, name: &str) -> Option<Cluster> {
        self.inner.cluster_by_name(name).map(|c| Cluster {
            vol: self.inner.clone(),
            c,
        })
    }

    /// Every cluster, by id.
    pub fn clusters(&self) -> Vec<ClusterInfo> {
        let cs: Vec<_> = self
            .inner
            .clusters
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        cs.into_iter()
            .map(|c| {
                Cluster {
                    vol: self.inner.clone(),
                    c,
                }
                .info()
            })
            .collect()
    }

    /// Writes a checkpoint now.
    pub fn checkpoint(&self) -> Result<()> {
        self.inner.checkpoint()
    }

    /// Runs one GC pass now.
    pub fn gc(&self) -> Result<GcStats> {
        self.inner.gc()
    }

    /// Space per cluster (durable view: checkpoint first for an exact picture).
    pub fn space(&self) -> Result<SpaceReport> {
        self.inner.space()
    }

    pub fn cache_stats(&self) -> super::cache::CacheStats {
        self.inner.pager.cache.stats()
    }

    pub fn page_size(&self) -> usize {
        self.inner.pager.geo.page_size
    }

    /// Bytes of log on disk.
    pub fn log_bytes(&self) -> u64 {
        self.inner.log.disk_bytes()
    }

    /// Stops background work and writes a final checkpoint.
    pub fn close(mut self) -> Result<()> {
        self.stop_background();
        self.inner.checkpoint()
    }

    /// Test aid: stops background work and abandons the volume without a final
    /// checkpoint, as a crash would (the log still holds every commit).
    pub fn abandon(mut self) {
        self.stop_background();
        self.inner.shutdown.store(true, Ordering::SeqCst);
    }

    fn stop_background(&mut self) {
        self.inner.shutdown.store(true, Ordering::SeqCst);
        {
            let (m, cv) = &self.inner.wake;
            *m.lock().unwrap_or_else(|e| e.into_inner()) = true;
            cv.notify_all();
        }
        if let Some(h) = self.bg.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Volume {
    fn drop(&mut self) {
        if self.bg.is_some() || !self.inner.shutdown.load(Ordering::SeqCst) {
            self.stop_background();
            if let Err(e) = self.inner.checkpoint() {
                tracing::error!(error = %e, "final checkpoint failed; the log will be replayed at next open");
            }
        }
    }
}

fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(crate::invalid!(
            "cluster name '{name}' must be 1-63 letters, digits, '-' or '_'"
        ))
    }
}

/// The background thread: checkpoints when enough log has accumulated or time
/// has passed, then collects garbage.
fn maintenance(weak: Weak<VolumeInner>) {
    // After a failed checkpoint (a full disk) the next try waits, longer each time up to
    // 10 s, instead of failing (and logging) every 50 ms.
    let mut backoff = Duration::ZERO;
    let mut retry_at = Instant::now();
    loop {
        let Some(v) = weak.upgrade() else { return };
        if v.shutdown.load(Ordering::SeqCst) {
            return;
        }
        let due = Instant::now() >= retry_at && {
            let m = v.maint.lock().unwrap_or_else(|e| e.into_inner());
            let pending = v.log.end().saturating_sub(m.replay_lsn);
            pending >= v.opts.checkpoint_log_bytes
                || (pending > 0 && m.last_checkpoint.elapsed() >= v.opts.checkpoint_interval)
        };
        if due {
            match v.checkpoint() {
                Ok(()) => {
                    backoff = Duration::ZERO;
                    if let Err(e) = v.gc() {
                        tracing::error!(error = %e, "gc failed");
                    }
                }
                Err(e) => {
                    backoff =
                        (backoff * 2).clamp(Duration::from_millis(500), Duration::from_secs(10));
                    retry_at = Instant::now() + backoff;
                    tracing::error!(error = %e, retry_in = ?backoff, "checkpoint failed; will retry");
                }
            }
        }
        let (m, cv) = &v.wake;
        let guard = m.lock().unwrap_or_else(|e| e.into_inner());
        let _ = cv.wait_timeout(guard, Duration::from_millis(50));
    }
}

impl VolumeInner {
    /// Rebuilds clusters from a meta blob.
    fn load(&self, meta: &Meta, generation: u64) -> Result<()> {
        let mut reg = self.clusters.write().unwrap_or_else(|e| e.into_inner());
        for cm in &meta.clusters {
            let current = self.state_from_durable(&cm.current, generation);
            let c = ClusterInner::new(
                cm.id,
                cm.name.clone(),
                cm.created_us,
                cm.source.clone(),
                cm.retention_us,
                current,
            );
            c.next_tree
                .store(cm.next_tree.max(FIRST_USER_TREE), Ordering::Relaxed);
            {
                let mut tl = c.lock_timeline();
                tl.history = cm
                    .history
                    .iter()
                    .map(|h| Arc::new(self.state_from_durable(h, generation)))
                    .collect();
                if tl.history.is_empty() {
                    tl.history.push(c.published());
                }
                tl.commits = cm.commits.iter().copied().collect();
            }
            reg.insert(cm.id, Arc::new(c));
        }
        Ok(())
    }

    /// Replays log frames after the checkpoint; returns how many records applied.
    fn replay(&self, frames: Vec<super::wal::Frame>) -> Result<u64> {
        let mut applied = 0;
        for f in frames {
            let Some(rec) = Record::decode(&f.payload) else {
                return Err(Error::Corrupt {
                    file: self.dir.join("log"),
                    page: 0,
                    offset: f.lsn,
                    detail: "a log record with a valid checksum does not decode".into(),
                });
            };
            let known = |id: u64| {
                self.clusters
                    .read()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&id)
                    .cloned()
            };
            match rec {
                Record::Commit(rec) => {
                    let Some(c) = known(rec.cluster) else {
                        continue;
                    };
                    self.replay_commit(&c, &rec, f.lsn, f.end)?;
                    applied += 1;
                }
                Record::CreateCluster {
                    id,
                    name,
                    retention_us,
                    time_us,
                } => {
                    if known(id).is_some() {
                        continue;
                    }
                    let c = ClusterInner::new(
                        id,
                        name,
                        time_us,
                        None,
                        retention_us,
                        State::empty(time_us, f.end),
                    );
                    self.clusters
                        .write()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(id, Arc::new(c));
                    self.next_cluster_id.fetch_max(id + 1, Ordering::SeqCst);
                    applied += 1;
                }
                Record::Fork {
                    id,
                    name,
                    source,
                    source_seq,
                    retention_us,
                    time_us,
                } => {
                    if known(id).is_some() {
                        continue;
                    }
                    let Some(src) = known(source) else {
                        return Err(Error::Corrupt {
                            file: self.dir.join("log"),
                            page: 0,
                            offset: f.lsn,
                            detail: format!("fork of unknown cluster {source}"),
                        });
                    };
                    let mut state = if src.lock_commit().working.seq == source_seq {
                        src.lock_commit().working.clone()
                    } else {
                        self.materialize(&src, source_seq)?
                    };
                    state.lsn = f.end;
                    let c = ClusterInner::new(
                        id,
                        name,
                        time_us,
                        Some((src.name.clone(), source_seq)),
                        retention_us,
                        state,
                    );
                    self.clusters
                        .write()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(id, Arc::new(c));
                    self.next_cluster_id.fetch_max(id + 1, Ordering::SeqCst);
                    applied += 1;
                }
                Record::DropCluster { id } => {
                    if let Some(c) = known(id) {
                        c.dropped.store(true, Ordering::SeqCst);
                        self.clusters
                            .write()
                            .unwrap_or_else(|e| e.into_inner())
                            .remove(&id);
                        applied += 1;
                    }
                }
                Record::SetRetention { id, retention_us } => {
                    if let Some(c) = known(id) {
                        c.retention_us.store(retention_us, Ordering::SeqCst);
                    }
                }
            }
        }
        Ok(applied)
    }

    fn replay_commit(
        &self,
        c: &ClusterInner,
        rec: &CommitRecord,
        lsn: u64,
        end: u64,
    ) -> Result<()> {
        let mut cs = c.lock_commit();
        if end <= cs.working.lsn || rec.seq <= cs.working.seq {
            return Ok(());
        }
        let mut next = match rec.rewind_to {
            // A rewind: the target's state (from history and the log before this record),
            // then its edits.
            Some(to) => self.materialize(c, to)?,
            None => cs.working.clone(),
        };
        apply_changes(&self.pager, &mut next, &rec.changes)?;
        for ch in &rec.changes {
            if let super::record::Change::CreateTree { tree } = ch {
                c.next_tree.fetch_max(tree + 1, Ordering::Relaxed);
            }
        }
        next.seq = rec.seq;
        next.time_us = rec.time_us;
        next.lsn = end;
        cs.working = next;
        *c.published.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(cs.working.clone());
        let mut tl = c.lock_timeline();
        tl.commits.push_back(CommitEntry {
            seq: rec.seq,
            time_us: rec.time_us,
            lsn,
            end,
            binlog: rec.binlog,
        });
        if rec.rewind_to.is_some() && tl.history.last().is_none_or(|h| h.seq < rec.seq) {
            // As `Cluster::rewind` does.
            tl.history.push(Arc::new(cs.working.clone()));
        }
        drop(tl);
        if rec.binlog.is_some() && !rec.binlog_events.is_none() {
            let changes = match rec.binlog_events {
                KeptEvents::Render(_) => rec.changes.clone(),
                _ => Vec::new(),
            };
            c.recovered_binlog
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(CommitRecord {
                    changes,
                    statements: Vec::new(),
                    extra: Vec::new(),
                    binlog_events: rec.binlog_events.clone(),
                    ..*rec
                });
        }
        Ok(())
    }
}

impl VolumeInner {
    /// Log position the next recovery would replay from.
    pub fn maint_replay_lsn(&self) -> u64 {
        self.maint.try_lock().map(|m| m.replay_lsn).unwrap_or(0)
    }

    /// Wakes the maintenance thread.
    pub fn nudge(&self) {
        let (m, cv) = &self.wake;
        *m.lock().unwrap_or_else(|e| e.into_inner()) = true;
        cv.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_commits_keep_recent_ones_and_the_last_of_each_older_grain() {
        let entry = |seq: u64, time_us: u64| CommitEntry {
            seq,
            time_us,
            lsn: seq * 100,
            end: seq * 100 + 50,
            binlog: None,
        };
        let all = [
            entry(1, 1_000),
            entry(2, 1_900),
            entry(3, 2_100),
            entry(4, 2_500),
            entry(5, 3_100),
            entry(6, 3_200),
            entry(7, 3_300),
        ];
        let seqs = |v: Vec<CommitEntry>| v.iter().map(|e| e.seq).collect::<Vec<_>>();
        // Grain 1000 µs; commits from time 3000 on are recent.
        assert_eq!(seqs(sparse_commits(all, 3_000, 1_000)), [2, 4, 5, 6, 7]);
        // Nothing recent: the last of each grain (the newest always stays).
        assert_eq!(seqs(sparse_commits(all, u64::MAX, 1_000)), [2, 4, 7]);
        // Everything recent.
        assert_eq!(seqs(sparse_commits(all, 0, 1_000)), [1, 2, 3, 4, 5, 6, 7]);
    }
}
