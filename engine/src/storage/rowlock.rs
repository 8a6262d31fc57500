//! Row locks: writers of the same key wait for each other instead of failing at commit.
//!
//! Every key a transaction writes is locked until it commits or rolls back (after its state
//! is published, so the next holder reads it). A waiter that would close a cycle in the
//! waits-for graph is refused at once (a deadlock, MySQL 1213; the requester is the victim);
//! a wait longer than the transaction's lock timeout is 1205. Readers never lock: they read
//! their snapshot.
//!
//! Locks are exclusive and per cluster. One mutex guards the table; waiters sleep on one
//! condition variable, woken whenever a transaction releases its locks.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
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

#[derive(Default)]
struct Table {
    /// (tree, key) -> owning transaction.
    owners: FastMap<(u64, Bytes), u64>,
    /// Waiting transaction -> the transaction it waits for.
    waits_for: FastMap<u64, u64>,
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
}

impl RowLocks {
    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks `key` for `txn`, waiting for its owner if another transaction holds it.
    /// Returns true when newly acquired (false when `txn` already held it).
    pub fn acquire(&self, txn: u64, key: (u64, Bytes), policy: &WaitPolicy) -> Result<bool> {
        let deadline = Instant::now() + policy.timeout;
        let mut t = self.lock();
        loop {
            let holder = match t.owners.get(&key) {
                None => {
                    t.owners.insert(key, txn);
                    return Ok(true);
                }
                Some(&o) if o == txn => return Ok(false),
                Some(&o) => o,
            };
            // Would waiting for `holder` close a cycle back to us?
            let mut h = holder;
            let mut hops = 0;
            while let Some(&next) = t.waits_for.get(&h) {
                if next == txn || hops > 10_000 {
                    t.waits_for.remove(&txn);
                    return Err(Error::WriteConflict {
                        detail: format!("deadlock on a key of tree {}", key.0),
                    });
                }
                h = next;
                hops += 1;
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
            t.waits_for.insert(txn, holder);
            let slice = (deadline - now).min(WAIT_SLICE);
            t = self.released.wait_timeout(t, slice);
            t.waits_for.remove(&txn);
        }
    }

    /// Releases every lock in `keys` held by `txn` and wakes the waiters.
    pub fn release(&self, txn: u64, keys: impl IntoIterator<Item = (u64, Bytes)>) {
        let mut t = self.lock();
        let mut any = false;
        for k in keys {
            if t.owners.get(&k) == Some(&txn) {
                t.owners.remove(&k);
                any = true;
            }
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
        }
    }

    #[test]
    fn second_owner_waits_until_release() {
        let locks = Arc::new(RowLocks::default());
        assert!(locks.acquire(1, k(1), &policy(10)).unwrap());
        assert!(!locks.acquire(1, k(1), &policy(10)).unwrap(), "re-entrant");
        assert!(matches!(
            locks.acquire(2, k(1), &policy(50)),
            Err(Error::LockWaitTimeout)
        ));
        let l2 = locks.clone();
        let waiter = std::thread::spawn(move || l2.acquire(2, k(1), &policy(5_000)));
        std::thread::sleep(Duration::from_millis(50));
        locks.release(1, [k(1)]);
        assert!(waiter.join().unwrap().unwrap());
    }

    #[test]
    fn a_cycle_is_a_deadlock_for_the_requester() {
        let locks = Arc::new(RowLocks::default());
        locks.acquire(1, k(1), &policy(10)).unwrap();
        locks.acquire(2, k(2), &policy(10)).unwrap();
        let l2 = locks.clone();
        // 1 waits for 2 ...
        let waiter = std::thread::spawn(move || l2.acquire(1, k(2), &policy(5_000)));
        std::thread::sleep(Duration::from_millis(50));
        // ... so 2 waiting for 1 would close the cycle.
        assert!(matches!(
            locks.acquire(2, k(1), &policy(5_000)),
            Err(Error::WriteConflict { .. })
        ));
        locks.release(2, [k(2)]);
        assert!(waiter.join().unwrap().unwrap());
    }

    #[test]
    fn abort_check_ends_a_wait() {
        let locks = RowLocks::default();
        locks.acquire(1, k(1), &policy(10)).unwrap();
        let abort = || true;
        let p = WaitPolicy {
            timeout: Duration::from_secs(10),
            abort: Some(&abort),
        };
        assert!(matches!(
            locks.acquire(2, k(1), &p),
            Err(Error::Interrupted)
        ));
    }
}
