//! User-level locks: GET_LOCK, RELEASE_LOCK, RELEASE_ALL_LOCKS, IS_FREE_LOCK and
//! IS_USED_LOCK, as MySQL 8.0 has them (frameworks take them around migrations).
//!
//! One registry per instance. A lock is held by one connection, as many times as that
//! connection took it; it is freed when released as often, by RELEASE_ALL_LOCKS or when
//! the connection ends. A waiter that would close a cycle of connections waiting for
//! each other's locks gets ER_USER_LOCK_DEADLOCK (3058) at once, as MySQL's metadata-lock
//! deadlock detector gives. Names are compared case-insensitively and are at most 64
//! characters (3057).

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use super::error::{SqlError, SqlResult};
use super::expr::Interrupt;

#[derive(Default)]
struct State {
    /// Lock name (lower-cased) → (holder's connection id, times taken).
    held: HashMap<String, (u32, u64)>,
    /// Connection id → the lock it waits for.
    waiting: HashMap<u32, String>,
}

/// An instance's user-level locks.
#[derive(Default)]
pub struct UserLocks {
    state: Mutex<State>,
    freed: Condvar,
}

/// What GET_LOCK ended with.
#[derive(Debug, PartialEq, Eq)]
pub enum Got {
    /// Taken (1).
    Taken,
    /// Timed out (0).
    TimedOut,
}

fn key(name: &[u8]) -> SqlResult<String> {
    let s = String::from_utf8_lossy(name);
    if s.is_empty() || s.chars().count() > 64 {
        return Err(SqlError::new(
            3057,
            format!("Incorrect user-level lock name '{s}'."),
        ));
    }
    Ok(s.to_lowercase())
}

impl UserLocks {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// GET_LOCK(name, timeout) for connection `conn`; a negative timeout waits forever.
    pub fn get(
        &self,
        conn: u32,
        name: &[u8],
        timeout: f64,
        interrupt: &Interrupt,
    ) -> SqlResult<Got> {
        let name = key(name)?;
        let deadline = (timeout >= 0.0)
            .then(|| Instant::now() + Duration::from_secs_f64(timeout.min(365.0 * 86400.0)));
        let mut st = self.lock();
        loop {
            match st.held.get_mut(&name) {
                None => {
                    st.held.insert(name.clone(), (conn, 1));
                    st.waiting.remove(&conn);
                    return Ok(Got::Taken);
                }
                Some((holder, n)) if *holder == conn => {
                    *n += 1;
                    st.waiting.remove(&conn);
                    return Ok(Got::Taken);
                }
                Some(&mut (holder, _)) => {
                    if Self::would_deadlock(&st, conn, holder) {
                        st.waiting.remove(&conn);
                        return Err(SqlError::new(
                            3058,
                            "Deadlock found when trying to get user-level lock; try rolling back transaction/releasing locks and restarting lock acquisition.",
                        ));
                    }
                }
            }
            let now = Instant::now();
            let wait = match deadline {
                Some(d) if now >= d => {
                    st.waiting.remove(&conn);
                    return Ok(Got::TimedOut);
                }
                Some(d) => (d - now).min(Duration::from_millis(100)),
                None => Duration::from_millis(100),
            };
            if let Err(e) = interrupt.check() {
                st.waiting.remove(&conn);
                return Err(e);
            }
            st.waiting.insert(conn, name.clone());
            st = self
                .freed
                .wait_timeout(st, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Whether `conn` waiting for a lock of `holder` closes a cycle: `holder` waits
    /// (through others) for a lock `conn` holds.
    fn would_deadlock(st: &State, conn: u32, holder: u32) -> bool {
        let mut at = holder;
        for _ in 0..=st.waiting.len() {
            let Some(wanted) = st.waiting.get(&at) else {
                return false;
            };
            match st.held.get(wanted) {
                Some(&(h, _)) if h == conn => return true,
                Some(&(h, _)) => at = h,
                None => return false,
            }
        }
        false
    }

    /// RELEASE_LOCK: `Some(true)` released once, `Some(false)` held by another
    /// connection, `None` no such lock.
    pub fn release(&self, conn: u32, name: &[u8]) -> SqlResult<Option<bool>> {
        let name = key(name)?;
        let mut st = self.lock();
        let Some((holder, n)) = st.held.get_mut(&name) else {
            return Ok(None);
        };
        if *holder != conn {
            return Ok(Some(false));
        }
        *n -= 1;
        if *n == 0 {
            st.held.remove(&name);
            self.freed.notify_all();
        }
        Ok(Some(true))
    }

    /// RELEASE_ALL_LOCKS (and the end of a connection): how many times locks were held.
    pub fn release_all(&self, conn: u32) -> u64 {
        let mut st = self.lock();
        let mut count = 0;
        st.held.retain(|_, (holder, n)| {
            if *holder == conn {
                count += *n;
                false
            } else {
                true
            }
        });
        st.waiting.remove(&conn);
        if count > 0 {
            self.freed.notify_all();
        }
        count
    }

    /// IS_USED_LOCK: the holder's connection id.
    pub fn holder(&self, name: &[u8]) -> SqlResult<Option<u32>> {
        let name = key(name)?;
        Ok(self.lock().held.get(&name).map(|&(h, _)| h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn recursive_locks_release_in_turn() {
        let l = UserLocks::default();
        let i = Interrupt::default();
        assert_eq!(l.get(1, b"m", 0.0, &i).unwrap(), Got::Taken);
        assert_eq!(l.get(1, b"M", 0.0, &i).unwrap(), Got::Taken);
        assert_eq!(l.get(2, b"m", 0.0, &i).unwrap(), Got::TimedOut);
        assert_eq!(l.release(2, b"m").unwrap(), Some(false));
        assert_eq!(l.release(1, b"m").unwrap(), Some(true));
        assert_eq!(l.holder(b"m").unwrap(), Some(1));
        assert_eq!(l.release_all(1), 1);
        assert_eq!(l.release(1, b"m").unwrap(), None);
        assert_eq!(l.get(1, b"", 0.0, &i).unwrap_err().code, 3057);
    }

    #[test]
    fn a_cycle_is_a_deadlock() {
        let l = Arc::new(UserLocks::default());
        let i = Interrupt::default();
        assert_eq!(l.get(1, b"a", 0.0, &i).unwrap(), Got::Taken);
        assert_eq!(l.get(2, b"b", 0.0, &i).unwrap(), Got::Taken);
        let l2 = l.clone();
        let t = std::thread::spawn(move || l2.get(1, b"b", -1.0, &Interrupt::default()));
        while !l.lock().waiting.contains_key(&1) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(l.get(2, b"a", 10.0, &i).unwrap_err().code, 3058);
        l.release_all(2);
        assert_eq!(t.join().unwrap().unwrap(), Got::Taken);
    }
}
