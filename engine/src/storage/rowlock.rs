//! Row locks, in InnoDB's terms: writers of the same key wait for each other instead of
//! failing at commit, and locking reads lock what they read, found or missing, and the gaps
//! around it, so that the interleavings applications produce wait, time out (1205) and
//! deadlock (1213) where InnoDB's do.
//!
//! Two kinds of lock live in the table, both per tree (the primary key or one index):
//!
//! - **Record locks** on one key, shared or exclusive ([`RowLocks::acquire`]). Every key a
//!   transaction writes is locked exclusively until it commits or rolls back (after its
//!   state is published, so the next holder reads it); an insert's lock of its new key is
//!   InnoDB's insert intention. A locking read (UPDATE, DELETE, SELECT ... FOR UPDATE /
//!   FOR SHARE) locks each row it finds in its mode.
//! - **Range locks** over `lo..hi` ([`RowLocks::acquire_range`]). A shared one is a gap
//!   lock: it keeps other transactions' exclusive requests for keys inside it out (an
//!   insert into the gap, or a write of a row the range read), and nothing else; gap locks
//!   never conflict with each other, so two transactions may lock the same gap, and then
//!   both inserting into it is a deadlock. An exclusive range (a FOR UPDATE range read)
//!   also keeps out shared requests for keys inside it (FOR SHARE reads of rows in it), as
//!   InnoDB's exclusive next-key locks on those rows do, rows the statement's filter
//!   passed over included. Taking a range waits only for the record locks inside the part
//!   the read scans (a row being inserted, changed or deleted there), never for other
//!   ranges.
//!
//! What a locking read locks, as InnoDB's REPEATABLE READ does (the SQL layer's
//! `Locate` / `locking_read` and `Transaction::lock_read` / `lock_range_read` choose; the
//! neighbouring keys come from the tree at lookup time, as InnoDB's come from its index
//! page):
//!
//! - a whole unique key that exists: that row only (no gap, so the common point select or
//!   update never looks for a neighbour);
//! - a whole unique key that is missing: the gap between the keys before and after it
//!   (after it waiting for another transaction's lock of that very key, an uncommitted
//!   insert or delete of it);
//! - a range: the range, plus the gap below its first key down to the key before the
//!   range (none when the range starts at an included whole primary key that exists: that
//!   row only, as InnoDB's clustered search), plus the gap up to the first key past its
//!   end (the supremum when there is none). The key past the end is locked itself on a
//!   non-unique index read as a range (a next-key lock); an equality on a non-unique
//!   index or a key prefix, and any range on a unique index or the primary key, lock only
//!   the gap before it, as MySQL 8.0.18 and later do (MariaDB and older MySQL lock that
//!   row too on a unique index);
//! - a query over several tables: each table a locking clause covers whole, in its mode.
//!
//! Borealis runs every transaction at REPEATABLE READ, so locking reads always lock gaps
//! (InnoDB's READ COMMITTED takes none; see README, "Not yet").
//!
//! A waiter that would close a cycle in the waits-for graph is refused at once (a
//! deadlock, MySQL 1213; the requester is the victim); a wait longer than the transaction's
//! lock timeout is 1205; NOWAIT fails at once (3572) and SKIP LOCKED gives up the row.
//! Plain reads never lock: they read their snapshot.
//!
//! Where it still differs from InnoDB: the neighbours are the newest committed keys, not
//! other transactions' uncommitted inserts (InnoDB's index holds those too, so its gap can
//! be narrower); a gap stays as it was taken (InnoDB widens a gap when a purged row's
//! locks pass to the next row); a range read cut short by LIMIT still locks its whole
//! range.
//!
//! Locks are per cluster. One mutex guards the table; waiters sleep on one condition
//! variable, woken whenever a transaction releases its locks.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::signal::Signal;
use crate::storage::page::Bytes;

/// How often a waiter wakes to check its abort condition (KILL).
const WAIT_SLICE: Duration = Duration::from_millis(100);

/// A fast non-cryptographic hash for lock keys: every written key is hashed on every write,
/// and SipHash was a tenth of a bulk insert. A client choosing colliding keys can only slow
/// down its own and its neighbours' lock lookups, never break them.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    /// One round: a folded multiply (the 128-bit product's halves XORed), which carries
    /// every input bit into every output bit. A plain 64-bit multiply carries bits only
    /// upward: keys whose varying bytes sat in a word's high bits (big-endian sequential
    /// ids) then shared their low bits, which pick the bucket, and even collided whole;
    /// a 10^5-row INSERT spent its time comparing keys in one probe chain.
    fn round(&mut self, w: u64) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let m = u128::from(self.0 ^ w) * u128::from(K);
        self.0 = (m as u64) ^ ((m >> 64) as u64);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.round(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            // The length is hashed before the bytes ([u8]'s Hash), so padding is unambiguous.
            self.round(u64::from_le_bytes(w));
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.round(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.round(i as u64);
    }

    /// One more fold, so the top bits (hashbrown's tags) are as mixed as the low ones.
    fn finish(&self) -> u64 {
        let m = u128::from(self.0) * u128::from(0xff51_afd7_ed55_8ccd_u64);
        (m as u64) ^ ((m >> 64) as u64)
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Who holds one key: at most one exclusive holder, any number of shared ones.
#[derive(Default)]
struct Holders {
    x: Option<u64>,
    s: Vec<u64>,
}

/// A lock over a range of keys of one tree: shared (a gap lock, or a FOR SHARE range),
/// other transactions' exclusive requests for keys inside it wait (inserts into the gap);
/// exclusive, their shared requests too.
#[derive(Clone, PartialEq)]
struct RangeLock {
    txn: u64,
    lo: Bound<Bytes>,
    hi: Bound<Bytes>,
    mode: Mode,
}

/// A range of keys, `lo..hi`.
pub(crate) type KeyRange = (Bound<Bytes>, Bound<Bytes>);

impl RangeLock {
    /// Takes `r` into this lock when both are `txn`'s in one mode and `r` starts inside
    /// this one or right where it ends (a scan locking row after row): the union is one
    /// range, so a long scan holds one lock, not one per row.
    fn absorb(&mut self, r: &RangeLock) -> bool {
        if self.txn != r.txn || self.mode != r.mode {
            return false;
        }
        // Lower bounds: does this one start at or before `r`?
        let starts_first = match (&self.lo, &r.lo) {
            (Bound::Unbounded, _) => true,
            (_, Bound::Unbounded) => false,
            (Bound::Included(a), Bound::Included(b) | Bound::Excluded(b)) => a <= b,
            (Bound::Excluded(a), Bound::Included(b)) => a < b,
            (Bound::Excluded(a), Bound::Excluded(b)) => a <= b,
        };
        // Does `r` start no later than just past this one's end?
        let touches = match (&self.hi, &r.lo) {
            (Bound::Unbounded, _) | (_, Bound::Unbounded) => true,
            (Bound::Included(h), Bound::Included(l) | Bound::Excluded(l)) => l <= h,
            (Bound::Excluded(h), Bound::Included(l)) => l <= h,
            (Bound::Excluded(h), Bound::Excluded(l)) => l < h,
        };
        if !(starts_first && touches) {
            return false;
        }
        let r_ends_later = match (&self.hi, &r.hi) {
            (Bound::Unbounded, _) => false,
            (_, Bound::Unbounded) => true,
            (Bound::Included(a), Bound::Included(b)) => b > a,
            (Bound::Included(a), Bound::Excluded(b)) => b > a,
            (Bound::Excluded(a), Bound::Included(b)) => b >= a,
            (Bound::Excluded(a), Bound::Excluded(b)) => b > a,
        };
        if r_ends_later {
            self.hi = r.hi.clone();
        }
        true
    }

    fn covers(&self, key: &[u8]) -> bool {
        let above = match &self.lo {
            Bound::Included(l) => key >= &l[..],
            Bound::Excluded(l) => key > &l[..],
            Bound::Unbounded => true,
        };
        let below = match &self.hi {
            Bound::Included(h) => key <= &h[..],
            Bound::Excluded(h) => key < &h[..],
            Bound::Unbounded => true,
        };
        above && below
    }
}

#[derive(Default)]
struct Table {
    /// (tree, key) -> its holders.
    owners: FastMap<(u64, Bytes), Holders>,
    /// tree -> the range (gap) locks on it.
    ranges: FastMap<u64, Vec<RangeLock>>,
    /// Waiting transaction -> the transactions it waits for.
    waits_for: FastMap<u64, Vec<u64>>,
}

impl Table {
    /// The transactions that keep `txn` from holding `key` in `mode`: another exclusive
    /// holder, and exclusive range locks covering the key; for an exclusive lock also
    /// shared holders and every range lock covering the key (an insert into a locked gap).
    fn blockers(&self, txn: u64, key: &(u64, Bytes), mode: Mode) -> Vec<u64> {
        let mut out = Vec::new();
        if let Some(h) = self.owners.get(key) {
            if let Some(x) = h.x.filter(|x| *x != txn) {
                out.push(x);
            }
            if mode == Mode::Exclusive {
                out.extend(h.s.iter().copied().filter(|s| *s != txn));
            }
        }
        if let Some(rs) = self.ranges.get(&key.0) {
            out.extend(
                rs.iter()
                    .filter(|r| {
                        r.txn != txn
                            && (mode == Mode::Exclusive || r.mode == Mode::Exclusive)
                            && r.covers(&key.1)
                    })
                    .map(|r| r.txn),
            );
        }
        out
    }

    /// The transactions holding a key of `tree` inside `range` in a mode that conflicts
    /// with `mode`: what a range lock waits for.
    fn range_blockers(&self, txn: u64, tree: u64, range: &KeyRange, mode: Mode) -> Vec<u64> {
        let conflicts = |h: &Holders| -> Vec<u64> {
            let mut out: Vec<u64> = h.x.filter(|x| *x != txn).into_iter().collect();
            if mode == Mode::Exclusive {
                out.extend(h.s.iter().copied().filter(|s| *s != txn));
            }
            out
        };
        if let (Bound::Included(lo), Bound::Included(hi)) = range {
            if lo == hi {
                // One key (a missing key looked up): no need to look at every lock.
                return self
                    .owners
                    .get(&(tree, lo.clone()))
                    .map(conflicts)
                    .unwrap_or_default();
            }
        }
        let probe = RangeLock {
            txn,
            lo: range.0.clone(),
            hi: range.1.clone(),
            mode,
        };
        self.owners
            .iter()
            .filter(|((tr, k), _)| *tr == tree && probe.covers(k))
            .flat_map(|(_, h)| conflicts(h))
            .collect()
    }

    /// Whether `txn` waiting for `blockers` would close a cycle of the waits-for graph.
    fn closes_cycle(&self, txn: u64, blockers: &[u64]) -> bool {
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<u64> = blockers.to_vec();
        while let Some(b) = stack.pop() {
            if b == txn {
                return true;
            }
            if !seen.insert(b) || seen.len() > 10_000 {
                continue;
            }
            if let Some(next) = self.waits_for.get(&b) {
                stack.extend(next.iter().copied());
            }
        }
        false
    }
}

/// How a key is locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Others may hold it shared too (FOR SHARE; a range: a gap lock, which only
    /// exclusive requests conflict with). An exclusive request of another transaction
    /// waits for every shared holder.
    Shared,
    /// Nobody else holds it (a row written, or read FOR UPDATE / by UPDATE and DELETE).
    Exclusive,
}

/// What a request does when another transaction holds what it asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnBusy {
    /// Wait (up to the lock timeout; a cycle is a deadlock).
    #[default]
    Wait,
    /// Fail at once with [`Error::LockNowait`] (NOWAIT).
    Fail,
    /// Give up at once without the lock (SKIP LOCKED).
    Skip,
}

/// What [`RowLocks::acquire`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acquired {
    /// The lock is newly held.
    New,
    /// The transaction already held it (in this mode or a stronger one).
    Held,
    /// Held by another transaction and the request said [`OnBusy::Skip`].
    Busy,
}

/// The lock table of one cluster.
#[derive(Default)]
pub(crate) struct RowLocks {
    table: Mutex<Table>,
    released: Signal,
}

/// What ends a wait other than the lock: a timeout, or the caller's abort check.
pub(crate) struct WaitPolicy<'a> {
    pub timeout: Duration,
    pub abort: Option<&'a (dyn Fn() -> bool + Send + Sync)>,
    pub on_busy: OnBusy,
}

impl RowLocks {
    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `blockers(table)` is empty, then runs `grant` under the same lock.
    /// `Ok(None)`: busy and the policy says skip.
    fn wait_for<T>(
        &self,
        txn: u64,
        what: &str,
        policy: &WaitPolicy,
        mut blockers: impl FnMut(&Table) -> Vec<u64>,
        grant: impl FnOnce(&mut Table) -> T,
    ) -> Result<Option<T>> {
        let deadline = Instant::now() + policy.timeout;
        let mut t = self.lock();
        loop {
            let b = blockers(&t);
            if b.is_empty() {
                return Ok(Some(grant(&mut t)));
            }
            match policy.on_busy {
                OnBusy::Wait => {}
                OnBusy::Fail => return Err(Error::LockNowait),
                OnBusy::Skip => return Ok(None),
            }
            // Would waiting for them close a cycle back to us?
            if t.closes_cycle(txn, &b) {
                t.waits_for.remove(&txn);
                return Err(Error::WriteConflict {
                    detail: format!("deadlock on {what}"),
                });
            }
            let now = Instant::now();
            if now >= deadline {
                t.waits_for.remove(&txn);
                return Err(Error::LockWaitTimeout);
            }
            if policy.abort.is_some_and(|f| f()) {
                t.waits_for.remove(&txn);
                return Err(Error::Interrupted);
            }
            t.waits_for.insert(txn, b);
            let slice = (deadline - now).min(WAIT_SLICE);
            t = self.released.wait_timeout(t, slice);
            t.waits_for.remove(&txn);
        }
    }

    /// Locks `key` for `txn` in `mode`, waiting for the holders it conflicts with (see
    /// [`OnBusy`] for the other choices). Holding a key exclusive covers shared requests;
    /// a shared holder asking for exclusive upgrades (waiting for the other shared ones).
    pub fn acquire(
        &self,
        txn: u64,
        key: (u64, Bytes),
        mode: Mode,
        policy: &WaitPolicy,
    ) -> Result<Acquired> {
        {
            // Fast paths: already held, or free.
            let mut t = self.lock();
            let mine = t
                .owners
                .get(&key)
                .map(|h| (h.x == Some(txn), h.s.contains(&txn)));
            match mine {
                Some((true, _)) => return Ok(Acquired::Held),
                Some((_, true)) if mode == Mode::Shared => return Ok(Acquired::Held),
                None if !t.ranges.contains_key(&key.0) => {
                    let h = match mode {
                        Mode::Exclusive => Holders {
                            x: Some(txn),
                            s: Vec::new(),
                        },
                        Mode::Shared => Holders {
                            x: None,
                            s: vec![txn],
                        },
                    };
                    t.owners.insert(key, h);
                    return Ok(Acquired::New);
                }
                _ => {}
            }
        }
        let what = format!("a key of tree {}", key.0);
        let granted = self.wait_for(
            txn,
            &what,
            policy,
            |t| t.blockers(txn, &key, mode),
            |t| {
                let h = t.owners.entry(key.clone()).or_default();
                let was_shared = h.s.contains(&txn);
                match mode {
                    Mode::Exclusive => {
                        h.x = Some(txn);
                        h.s.retain(|s| *s != txn);
                    }
                    Mode::Shared => h.s.push(txn),
                }
                was_shared
            },
        )?;
        Ok(match granted {
            None => Acquired::Busy,
            // An upgrade: the key is already in the holder's list.
            Some(true) => Acquired::Held,
            Some(false) => Acquired::New,
        })
    }

    /// Locks the range `scanned` of `tree` for `txn` in `mode`, and the ranges `gaps`
    /// shared (gap locks): waits until no other transaction holds a key inside `scanned`
    /// in a conflicting mode (exclusively, or at all for an exclusive range: a row being
    /// inserted, changed or deleted there), never for other ranges, then keeps other
    /// transactions' conflicting requests for keys inside them out until released.
    /// `scanned` alone is not kept when `mode` is shared and a gap covers it (a missing key
    /// looked up: only the gap around it is locked).
    pub fn acquire_range(
        &self,
        txn: u64,
        tree: u64,
        scanned: KeyRange,
        mode: Mode,
        gaps: Vec<KeyRange>,
        policy: &WaitPolicy,
    ) -> Result<()> {
        let point = matches!(&scanned, (Bound::Included(l), Bound::Included(h)) if l == h);
        let mut ranges = Vec::with_capacity(gaps.len() + 1);
        if !(point && mode == Mode::Shared && !gaps.is_empty()) {
            ranges.push(RangeLock {
                txn,
                lo: scanned.0.clone(),
                hi: scanned.1.clone(),
                mode,
            });
        }
        ranges.extend(gaps.into_iter().map(|(lo, hi)| RangeLock {
            txn,
            lo,
            hi,
            mode: Mode::Shared,
        }));
        let what = format!("a range of tree {tree}");
        self.wait_for(
            txn,
            &what,
            policy,
            |t| t.range_blockers(txn, tree, &scanned, mode),
            |t| {
                let held = t.ranges.entry(tree).or_default();
                for r in ranges {
                    // The same range again (a statement run in a loop) is held already;
                    // the next piece of a scan extends the piece before it.
                    let n = held.len();
                    if !held[n.saturating_sub(16)..]
                        .iter_mut()
                        .any(|h| h.absorb(&r))
                    {
                        held.push(r);
                    }
                }
            },
        )?;
        Ok(())
    }

    /// Releases every lock in `keys` held by `txn` (and its range locks when `ranges`) and
    /// wakes the waiters.
    pub fn release(&self, txn: u64, keys: impl IntoIterator<Item = (u64, Bytes)>, ranges: bool) {
        let mut t = self.lock();
        let mut any = false;
        for k in keys {
            if let Some(h) = t.owners.get_mut(&k) {
                if h.x == Some(txn) {
                    h.x = None;
                    any = true;
                }
                let n = h.s.len();
                h.s.retain(|s| *s != txn);
                any |= h.s.len() != n;
                if h.x.is_none() && h.s.is_empty() {
                    t.owners.remove(&k);
                }
            }
        }
        if ranges {
            t.ranges.retain(|_, rs| {
                rs.retain(|r| r.txn != txn);
                !rs.is_empty()
            });
            any = true;
        }
        drop(t);
        if any {
            self.released.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn k(n: u8) -> (u64, Bytes) {
        (1, Arc::from(vec![n]))
    }

    #[test]
    fn sequential_big_endian_keys_spread_over_buckets() {
        use std::hash::BuildHasher;
        let build = BuildHasherDefault::<FxHasher>::default();
        for width in [4usize, 8, 9, 16] {
            let mut buckets = std::collections::HashSet::new();
            let mut tops = std::collections::HashSet::new();
            for i in 0..4096u64 {
                let be = i.to_be_bytes();
                let mut key = vec![0x80; width.saturating_sub(8)];
                key.extend_from_slice(&be[8usize.saturating_sub(width)..]);
                let h = build.hash_one((7u64, Bytes::from(key)));
                buckets.insert(h & 0xfff);
                tops.insert(h >> 57);
            }
            // 4096 random hashes fill about 2590 of 4096 buckets and all 128 tags.
            assert!(
                buckets.len() > 2400,
                "width {width}: {} buckets",
                buckets.len()
            );
            assert!(tops.len() > 120, "width {width}: {} tags", tops.len());
        }
    }

    fn policy(ms: u64) -> WaitPolicy<'static> {
        WaitPolicy {
            timeout: Duration::from_millis(ms),
            abort: None,
            on_busy: OnBusy::Wait,
        }
    }

    fn x(locks: &RowLocks, txn: u64, key: u8, ms: u64) -> Result<Acquired> {
        locks.acquire(txn, k(key), Mode::Exclusive, &policy(ms))
    }

    fn s(locks: &RowLocks, txn: u64, key: u8, ms: u64) -> Result<Acquired> {
        locks.acquire(txn, k(key), Mode::Shared, &policy(ms))
    }

    #[test]
    fn second_owner_waits_until_release() {
        let locks = Arc::new(RowLocks::default());
        assert_eq!(x(&locks, 1, 1, 10).unwrap(), Acquired::New);
        assert_eq!(x(&locks, 1, 1, 10).unwrap(), Acquired::Held, "re-entrant");
        assert!(matches!(x(&locks, 2, 1, 50), Err(Error::LockWaitTimeout)));
        let l2 = locks.clone();
        let waiter = std::thread::spawn(move || x(&l2, 2, 1, 5_000));
        std::thread::sleep(Duration::from_millis(50));
        locks.release(1, [k(1)], false);
        assert_eq!(waiter.join().unwrap().unwrap(), Acquired::New);
    }

    #[test]
    fn a_cycle_is_a_deadlock_for_the_requester() {
        let locks = Arc::new(RowLocks::default());
        x(&locks, 1, 1, 10).unwrap();
        x(&locks, 2, 2, 10).unwrap();
        let l2 = locks.clone();
        // 1 waits for 2 ...
        let waiter = std::thread::spawn(move || x(&l2, 1, 2, 5_000));
        std::thread::sleep(Duration::from_millis(50));
        // ... so 2 waiting for 1 would close the cycle.
        assert!(matches!(
            x(&locks, 2, 1, 5_000),
            Err(Error::WriteConflict { .. })
        ));
        locks.release(2, [k(2)], false);
        assert_eq!(waiter.join().unwrap().unwrap(), Acquired::New);
    }

    /// Two transactions that both found key 1 missing (shared, InnoDB's gap lock) and both
    /// insert it: the second insert closes the cycle and is the deadlock victim; the first
    /// gets its lock once the victim's locks are gone.
    #[test]
    fn shared_holders_of_a_missing_key_deadlock_on_insert() {
        let locks = Arc::new(RowLocks::default());
        assert_eq!(s(&locks, 1, 1, 10).unwrap(), Acquired::New);
        assert_eq!(s(&locks, 2, 1, 10).unwrap(), Acquired::New, "gaps share");
        assert!(matches!(x(&locks, 3, 1, 20), Err(Error::LockWaitTimeout)));
        let l2 = locks.clone();
        let waiter = std::thread::spawn(move || x(&l2, 1, 1, 5_000));
        std::thread::sleep(Duration::from_millis(50));
        assert!(matches!(
            x(&locks, 2, 1, 5_000),
            Err(Error::WriteConflict { .. })
        ));
        locks.release(2, [k(1)], false);
        assert_eq!(waiter.join().unwrap().unwrap(), Acquired::Held, "upgraded");
        assert!(matches!(s(&locks, 2, 1, 20), Err(Error::LockWaitTimeout)));
    }

    fn b(n: u8) -> Bound<Bytes> {
        Bound::Included(Bytes::from(vec![n]))
    }

    fn e(n: u8) -> Bound<Bytes> {
        Bound::Excluded(Bytes::from(vec![n]))
    }

    #[test]
    fn a_range_keeps_other_writers_out_but_not_its_owner() {
        let locks = RowLocks::default();
        let p = policy(20);
        let r = |lo, hi| locks.acquire_range(1, 1, (b(lo), b(hi)), Mode::Shared, vec![], &p);
        r(2, 5).unwrap();
        assert!(matches!(x(&locks, 2, 3, 20), Err(Error::LockWaitTimeout)));
        assert_eq!(x(&locks, 2, 6, 20).unwrap(), Acquired::New);
        assert_eq!(s(&locks, 2, 4, 20).unwrap(), Acquired::New, "shared vs gap");
        assert_eq!(x(&locks, 1, 3, 20).unwrap(), Acquired::New);
        // A range over a key another transaction holds exclusively waits for it.
        assert!(matches!(r(6, 9), Err(Error::LockWaitTimeout)));
        locks.release(1, [k(3)], true);
        assert_eq!(x(&locks, 3, 3, 20).unwrap(), Acquired::New);
    }

    /// A missing key's gap: it waits only for a holder of the key itself, and it does not
    /// keep out anything but exclusive requests (inserts) inside it; two transactions
    /// hold the same gap, and both inserting into it is a deadlock.
    #[test]
    fn gaps_share_and_keep_only_inserts_out() {
        let locks = Arc::new(RowLocks::default());
        let p = policy(20);
        let gap = |txn, key, lo, hi| {
            locks.acquire_range(
                txn,
                1,
                (b(key), b(key)),
                Mode::Shared,
                vec![(e(lo), e(hi))],
                &p,
            )
        };
        // 3 is being inserted by 9: the gap (1, 10) around the missing 5 does not wait for
        // it (only a holder of 5 itself is waited for).
        x(&locks, 9, 3, 10).unwrap();
        gap(1, 5, 1, 10).unwrap();
        gap(2, 7, 1, 10).unwrap();
        x(&locks, 9, 5, 10).unwrap_err();
        assert!(matches!(gap(3, 3, 1, 10), Err(Error::LockWaitTimeout)));
        locks.release(9, [k(3)], true);
        // Its ends are outside it; shared requests inside are not kept out.
        assert_eq!(x(&locks, 3, 10, 20).unwrap(), Acquired::New);
        assert_eq!(x(&locks, 3, 1, 20).unwrap(), Acquired::New);
        assert_eq!(s(&locks, 3, 6, 20).unwrap(), Acquired::New);
        let l2 = locks.clone();
        let waiter = std::thread::spawn(move || x(&l2, 1, 6, 5_000));
        std::thread::sleep(Duration::from_millis(50));
        assert!(matches!(
            x(&locks, 2, 8, 5_000),
            Err(Error::WriteConflict { .. })
        ));
        locks.release(2, [], true);
        locks.release(3, [k(6), k(10), k(1)], true);
        assert_eq!(waiter.join().unwrap().unwrap(), Acquired::New);
    }

    /// An exclusive range keeps shared requests inside it out too, and waits for shared
    /// holders inside it; its gaps do neither.
    #[test]
    fn an_exclusive_range_keeps_readers_out_of_its_rows() {
        let locks = RowLocks::default();
        let p = policy(20);
        s(&locks, 2, 4, 20).unwrap();
        let scanned = (b(2), b(5));
        assert!(matches!(
            locks.acquire_range(1, 1, scanned.clone(), Mode::Exclusive, vec![], &p),
            Err(Error::LockWaitTimeout)
        ));
        locks.release(2, [k(4)], false);
        locks
            .acquire_range(1, 1, scanned, Mode::Exclusive, vec![(e(5), e(9))], &p)
            .unwrap();
        assert!(matches!(s(&locks, 2, 3, 20), Err(Error::LockWaitTimeout)));
        assert_eq!(s(&locks, 2, 6, 20).unwrap(), Acquired::New);
        assert!(matches!(x(&locks, 2, 7, 20), Err(Error::LockWaitTimeout)));
        assert_eq!(s(&locks, 2, 9, 20).unwrap(), Acquired::New);
    }

    /// A scan's pieces, each from just past the last row to the next row included, are
    /// held as one range covering them all, and only them.
    #[test]
    fn pieces_of_a_scan_are_one_range() {
        let locks = RowLocks::default();
        let p = policy(20);
        let piece = |lo, hi| locks.acquire_range(1, 1, (lo, b(hi)), Mode::Exclusive, vec![], &p);
        piece(b(2), 3).unwrap();
        piece(e(3), 5).unwrap();
        piece(e(5), 8).unwrap();
        // Again (a statement run twice): inside what is held.
        piece(e(3), 5).unwrap();
        assert_eq!(locks.lock().ranges[&1].len(), 1);
        for key in [2, 3, 4, 6, 8] {
            assert!(
                matches!(s(&locks, 2, key, 20), Err(Error::LockWaitTimeout)),
                "{key}"
            );
        }
        assert_eq!(s(&locks, 2, 1, 20).unwrap(), Acquired::New);
        assert_eq!(s(&locks, 2, 9, 20).unwrap(), Acquired::New);
        // A shared gap of the same transaction stays apart from its exclusive range.
        locks
            .acquire_range(1, 1, (e(9), e(12)), Mode::Shared, vec![], &p)
            .unwrap();
        assert_eq!(locks.lock().ranges[&1].len(), 2);
    }

    #[test]
    fn nowait_fails_and_skip_gives_up() {
        let locks = RowLocks::default();
        x(&locks, 1, 1, 10).unwrap();
        let mut p = policy(5_000);
        p.on_busy = OnBusy::Fail;
        assert!(matches!(
            locks.acquire(2, k(1), Mode::Shared, &p),
            Err(Error::LockNowait)
        ));
        p.on_busy = OnBusy::Skip;
        assert_eq!(
            locks.acquire(2, k(1), Mode::Exclusive, &p).unwrap(),
            Acquired::Busy
        );
        assert_eq!(
            locks.acquire(2, k(2), Mode::Exclusive, &p).unwrap(),
            Acquired::New
        );
    }

    #[test]
    fn abort_check_ends_a_wait() {
        let locks = RowLocks::default();
        x(&locks, 1, 1, 10).unwrap();
        let abort = || true;
        let p = WaitPolicy {
            timeout: Duration::from_secs(10),
            abort: Some(&abort),
            on_busy: OnBusy::Wait,
        };
        assert!(matches!(
            locks.acquire(2, k(1), Mode::Exclusive, &p),
            Err(Error::Interrupted)
        ));
    }
}
