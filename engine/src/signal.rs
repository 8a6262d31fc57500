//! A condition variable that skips the wake-up system call when nobody waits.
//!
//! `std::sync::Condvar::notify_all` is a `futex` call every time, and the commit
//! path notifies several condition variables per commit (log synced, binlog
//! written, commit finished) that almost never have a waiter. [`Signal`] counts
//! its waiters and notifies only when there are some.
//!
//! The one rule: the state a waiter checks must change under the mutex the waiter
//! holds while it checks (as with any condition variable). A waiter counts itself
//! while holding that mutex, so a notifier that changed the state under it sees
//! the count of every waiter that could have missed the change.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, MutexGuard};
use std::time::Duration;

#[derive(Default)]
pub struct Signal {
    cv: Condvar,
    waiters: AtomicUsize,
}

impl Signal {
    pub fn new() -> Signal {
        Signal::default()
    }

    /// Releases `guard`, sleeps until notified, and takes the mutex again.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let guard = self.cv.wait(guard).unwrap_or_else(|e| e.into_inner());
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        guard
    }

    /// [`Signal::wait`] for at most `timeout`.
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> MutexGuard<'a, T> {
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let (guard, _) = self
            .cv
            .wait_timeout(guard, timeout)
            .unwrap_or_else(|e| e.into_inner());
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        guard
    }

    /// Wakes every waiter, if there is one.
    pub fn notify_all(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            self.cv.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn a_waiter_sees_every_change_made_under_the_mutex() {
        // Many rounds of one waiter and one notifier; a lost wake-up leaves the waiter
        // asleep (its wait has no timeout) and the round fails.
        for round in 0..2000 {
            let shared = Arc::new((Mutex::new(false), Signal::new()));
            let s2 = shared.clone();
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let (m, sig) = &*s2;
                let mut done = m.lock().unwrap();
                while !*done {
                    done = sig.wait(done);
                }
                let _ = tx.send(());
            });
            let (m, sig) = &*shared;
            *m.lock().unwrap() = true;
            sig.notify_all();
            assert!(
                rx.recv_timeout(Duration::from_secs(10)).is_ok(),
                "waiter of round {round} was never woken"
            );
        }
    }

    #[test]
    fn notify_without_waiters_does_nothing_and_wait_timeout_returns() {
        let m = Mutex::new(0);
        let sig = Signal::new();
        sig.notify_all();
        let g = sig.wait_timeout(m.lock().unwrap(), Duration::from_millis(5));
        assert_eq!(*g, 0);
        assert_eq!(sig.waiters.load(Ordering::SeqCst), 0);
    }
}
