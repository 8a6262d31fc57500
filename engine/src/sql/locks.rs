//! Table locks with MySQL's effect: LOCK TABLES ... READ/WRITE and FLUSH TABLES
//! WITH READ LOCK. Row-level isolation comes from snapshots and commit-time
//! conflict checks; these are the explicit, session-held locks on top.
//!
//! A WRITE lock excludes every other session's access to the table; a READ lock
//! excludes other sessions' writes; the global read lock excludes every other
//! session's writes. Conflicting statements wait up to `lock_wait_timeout`
//! seconds, then fail with ER_LOCK_WAIT_TIMEOUT (1205).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::{SqlError, SqlResult};
use crate::signal::Signal;

/// `(database, table)`.
pub type TableKey = (String, String);

#[derive(Default)]
struct Holders {
    readers: HashSet<u32>,
    writer: Option<u32>,
}

#[derive(Default)]
struct State {
    global_read: HashSet<u32>,
    tables: HashMap<TableKey, Holders>,
    /// Commits of writing transactions in progress ([`TableLocks::begin_commit`]).
    committing: usize,
}

impl State {
    /// Whether `conn` may access `t` (`write`: for writing) given others' locks.
    fn free_for(&self, conn: u32, t: &TableKey, write: bool) -> bool {
        if write && self.global_read.iter().any(|c| *c != conn) {
            return false;
        }
        match self.tables.get(t) {
            None => true,
            Some(h) => {
                let other_writer = h.writer.is_some_and(|w| w != conn);
                let other_reader = h.readers.iter().any(|r| *r != conn);
                !(other_writer || (write && other_reader))
            }
        }
    }
}

/// The instance-wide lock table.
#[derive(Default)]
pub struct TableLocks {
    state: Mutex<State>,
    changed: Signal,
}

fn timeout_error() -> SqlError {
    SqlError::new(
        1205,
        "Lock wait timeout exceeded; try restarting transaction",
    )
}

impl TableLocks {
    fn wait_until(
        &self,
        timeout: Duration,
        mut ready: impl FnMut(&mut State) -> bool,
    ) -> SqlResult<()> {
        let deadline = Instant::now() + timeout;
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if ready(&mut st) {
                return Ok(());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(timeout_error());
            }
            st = self.changed.wait_timeout(st, deadline - now);
        }
    }

    /// LOCK TABLES: takes every lock at once (or none), waiting for conflicts.
    pub fn lock_tables(
        &self,
        conn: u32,
        items: &[(TableKey, bool)],
        timeout: Duration,
    ) -> SqlResult<()> {
        self.wait_until(timeout, |st| {
            if !items.iter().all(|(t, w)| st.free_for(conn, t, *w)) {
                return false;
            }
            for (t, write) in items {
                let h = st.tables.entry(t.clone()).or_default();
                if *write {
                    h.writer = Some(conn);
                } else {
                    h.readers.insert(conn);
                }
            }
            true
        })
    }

    /// FLUSH TABLES WITH READ LOCK: waits until no other session holds a WRITE lock, then
    /// (new commits now wait) until the commits in progress are done, as MySQL's lock
    /// waits for running writers: afterwards the data and the binlog position
    /// (`SHOW MASTER STATUS`, what `mysqldump --master-data` records) stay still.
    pub fn global_read_lock(&self, conn: u32, timeout: Duration) -> SqlResult<()> {
        let deadline = Instant::now() + timeout;
        self.wait_until(timeout, |st| {
            if st
                .tables
                .values()
                .any(|h| h.writer.is_some_and(|w| w != conn))
            {
                return false;
            }
            st.global_read.insert(conn);
            true
        })?;
        let left = deadline.saturating_duration_since(Instant::now());
        let drained = self.wait_until(left, |st| st.committing == 0);
        if drained.is_err() {
            self.release(conn);
        }
        drained
    }

    /// The commit of a writing transaction of `conn` begins: waits while another session
    /// holds the global read lock (COMMIT waits for FLUSH TABLES WITH READ LOCK in
    /// MySQL). The commit ends when the guard is dropped.
    pub fn begin_commit(&self, conn: u32, timeout: Duration) -> SqlResult<CommitGuard<'_>> {
        self.wait_until(timeout, |st| {
            if st.global_read.iter().any(|c| *c != conn) {
                return false;
            }
            st.committing += 1;
            true
        })?;
        Ok(CommitGuard(self))
    }

    /// True when some session holds a table lock or the global read lock; when none
    /// does, no statement has anything to wait for.
    pub fn any_held(&self) -> bool {
        let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        !st.global_read.is_empty() || !st.tables.is_empty()
    }

    /// Waits until a statement of `conn` may read/write these tables.
    pub fn wait_access(
        &self,
        conn: u32,
        tables: &[(TableKey, bool)],
        timeout: Duration,
    ) -> SqlResult<()> {
        if tables.is_empty() {
            return Ok(());
        }
        self.wait_until(timeout, |st| {
            tables.iter().all(|(t, w)| st.free_for(conn, t, *w))
        })
    }

    /// Releases everything `conn` holds (UNLOCK TABLES, disconnect).
    pub fn release(&self, conn: u32) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.global_read.remove(&conn);
        st.tables.retain(|_, h| {
            h.readers.remove(&conn);
            if h.writer == Some(conn) {
                h.writer = None;
            }
            h.writer.is_some() || !h.readers.is_empty()
        });
        drop(st);
        self.changed.notify_all();
    }
}

/// A commit in progress (see [`TableLocks::begin_commit`]).
pub struct CommitGuard<'a>(&'a TableLocks);

impl Drop for CommitGuard<'_> {
    fn drop(&mut self) {
        let mut st = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        st.committing = st.committing.saturating_sub(1);
        drop(st);
        self.0.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(n: &str) -> TableKey {
        ("d".into(), n.into())
    }

    #[test]
    fn read_and_write_locks_exclude_as_mysql() {
        let l = TableLocks::default();
        let short = Duration::from_millis(20);
        l.lock_tables(1, &[(t("a"), false)], short).unwrap();
        l.lock_tables(2, &[(t("a"), false)], short).unwrap(); // readers share
        assert_eq!(
            l.wait_access(3, &[(t("a"), true)], short).unwrap_err().code,
            1205
        );
        l.wait_access(3, &[(t("a"), false)], short).unwrap();
        l.release(1);
        l.release(2);
        l.wait_access(3, &[(t("a"), true)], short).unwrap();
        l.lock_tables(1, &[(t("b"), true)], short).unwrap();
        assert!(
            l.wait_access(2, &[(t("b"), false)], short).is_err(),
            "WRITE excludes readers"
        );
        assert!(
            l.global_read_lock(2, short).is_err(),
            "FTWRL waits for writers"
        );
        l.release(1);
        l.global_read_lock(2, short).unwrap();
        assert!(
            l.wait_access(3, &[(t("c"), true)], short).is_err(),
            "FTWRL blocks writes"
        );
        l.wait_access(3, &[(t("c"), false)], short).unwrap();
        l.release(2);
        l.wait_access(3, &[(t("c"), true)], short).unwrap();
    }
}
