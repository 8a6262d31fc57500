//! What a statement may hold in memory: the rows it materialises (join results, derived
//! tables, sort and group inputs) are charged to one process-wide account bounded by
//! `temptable_max_ram` (MySQL's cap on the memory of internal temporary results). Past it
//! the statement fails with 1114, as MySQL does when its temporary table is full, and the
//! server and every other session go on: one runaway join (`SELECT COUNT(*) FROM a, b, c`)
//! used to grow the process until the allocator aborted it.
//!
//! Charges are estimates of the heap a row takes (its vector and the bytes its values own),
//! kept per statement and released when the statement's [`MemCharge`] is dropped. A
//! statement reports to the process-wide account in chunks, so a row costs no atomic
//! operation. Rows stay charged until the statement ends even when they are moved or
//! dropped earlier (the charge bounds the peak from above); only a buffer that is freed
//! for certain gives its charge back ([`MemCharge::release`]).
//!
//! What is charged: the rows of every FROM source that are held (derived tables, views,
//! CTEs and their recursive iterations, hash join build sides, outer joins' steps, and
//! the rows a SELECT keeps after WHERE; an inner join's rows stream and are charged only
//! where kept), GROUP BY's groups, the computed values
//! of a select list, a sort's key table and its kept top-N rows (sql/spill.rs: a sort past
//! `sort_buffer_size` spills sorted runs to disk and holds one run at a time), GROUP BY's
//! per-group results and DISTINCT-argument sets, GROUP_CONCAT's parts, window partitions'
//! key tables and results, set operations' rows and dedup orders, and the rows DML
//! gathers before it writes (multi-table UPDATE/DELETE, FK cascades), and the read logs of
//! locking joins (sql/dml/join_lock.rs).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use std::sync::Arc;

use super::error::{SqlError, SqlResult};
use super::vars::GlobalVars;
use crate::value::Value;

/// Bytes charged by every running statement of the process.
static HELD: AtomicU64 = AtomicU64::new(0);

/// How much a statement charges locally before it reports to [`HELD`].
const CHUNK: u64 = 1 << 20;

/// Bytes held by every running statement now.
pub fn held() -> u64 {
    HELD.load(Ordering::Relaxed)
}

/// One statement's account.
#[derive(Default)]
pub struct MemCharge {
    /// Where `temptable_max_ram` is read when a chunk is reported (none: no limit).
    globals: Option<Arc<GlobalVars>>,
    /// Charged by this statement and not yet reported.
    pending: Cell<u64>,
    /// Reported to [`HELD`] by this statement.
    reported: Cell<u64>,
}

impl MemCharge {
    /// An account bounded by the `temptable_max_ram` of `globals`.
    pub fn new(globals: Arc<GlobalVars>) -> MemCharge {
        MemCharge {
            globals: Some(globals),
            pending: Cell::new(0),
            reported: Cell::new(0),
        }
    }

    fn limit(&self) -> u64 {
        self.globals
            .as_ref()
            .and_then(|g| g.get("temptable_max_ram").ok())
            .map_or(u64::MAX, |v| v.as_u64())
    }

    /// Charges `bytes`; 1114 when every statement together would hold more than the limit.
    pub fn charge(&self, bytes: u64) -> SqlResult<()> {
        let pending = self.pending.get() + bytes;
        if pending < CHUNK {
            self.pending.set(pending);
            return Ok(());
        }
        self.pending.set(0);
        self.reported.set(self.reported.get() + pending);
        let total = HELD.fetch_add(pending, Ordering::Relaxed) + pending;
        let limit = self.limit();
        if total > limit {
            return Err(SqlError::new(
                1114,
                format!(
                    "The table '#sql-temptable' is full: the statement's intermediate rows \
                     need more than temptable_max_ram ({} bytes, {} held by running \
                     statements)",
                    limit, total
                ),
            ));
        }
        Ok(())
    }

    /// Charges a materialised row.
    pub fn charge_row(&self, row: &[Value]) -> SqlResult<()> {
        self.charge(row_bytes(row))
    }

    /// Charges rows already gathered.
    pub fn charge_rows(&self, rows: &[Vec<Value>]) -> SqlResult<()> {
        rows.iter().try_for_each(|r| self.charge_row(r))
    }

    /// Gives back `bytes` charged earlier by this statement (a buffer it freed before the
    /// statement ends: a sort's run once written to disk).
    pub fn release(&self, bytes: u64) {
        let pending = self.pending.get();
        if bytes <= pending {
            self.pending.set(pending - bytes);
            return;
        }
        self.pending.set(0);
        let back = (bytes - pending).min(self.reported.get());
        self.reported.set(self.reported.get() - back);
        HELD.fetch_sub(back, Ordering::Relaxed);
    }
}

impl Drop for MemCharge {
    fn drop(&mut self) {
        HELD.fetch_sub(self.reported.get(), Ordering::Relaxed);
    }
}

/// The heap a row takes: its vector and what its values own.
pub fn row_bytes(row: &[Value]) -> u64 {
    let owned: usize = row
        .iter()
        .map(|v| match v {
            Value::Bytes(b) => b.capacity(),
            Value::Decimal(_) => 16,
            _ => 0,
        })
        .sum();
    (std::mem::size_of::<Vec<Value>>() + std::mem::size_of_val(row) + owned) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_report_in_chunks_and_are_released() {
        let before = held();
        let m = MemCharge::default();
        m.charge(CHUNK / 2).unwrap();
        m.charge(CHUNK).unwrap();
        assert!(held() >= before + CHUNK);
        assert_eq!(m.reported.get(), CHUNK + CHUNK / 2);
        drop(m);
        let globals = Arc::new(GlobalVars::new(Default::default()));
        globals
            .set(
                "temptable_max_ram",
                super::super::vars::SetValue::Int(2 << 20),
            )
            .unwrap();
        let m = MemCharge::new(globals);
        assert!(m.charge(10).is_ok(), "below a chunk nothing is reported");
        m.charge(CHUNK).unwrap();
        assert_eq!(m.charge(4 * CHUNK).unwrap_err().code, 1114);
    }
}
