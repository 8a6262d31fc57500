//! The copy-on-write page volume (see the crate root for the narrated paths).
//!
//! Layers, bottom up: [`store`] (byte I/O, with a fault-injecting double),
//! [`page`] (page format and decoded nodes), [`cache`] and [`pager`]
//! (checked reads, allocation, superblocks), [`btree`] (the CoW B+tree),
//! [`record`] and [`wal`] (the log), [`state`] and [`meta`] (cluster states
//! and the checkpointed registry), [`volume`] (clusters, checkpoints, GC,
//! fork, recovery) and [`txn`] (snapshots, transactions and rewinds).

pub mod btree;
pub mod cache;
pub mod codec;
pub mod leaf;
pub mod meta;
pub mod page;
pub mod pager;
pub mod record;
pub(crate) mod rowlock;
pub mod state;
pub mod store;
pub mod txn;
pub mod volume;
pub mod wal;

pub use meta::CommitEntry;
pub use record::{
    BinlogCoord, BinlogWrite, Change, CommitRecord, KeptEvents, Record, Statement,
    MAX_KEPT_BINLOG_EVENTS,
};
pub use txn::{
    CommitInfo, CommitReceipt, CommitView, RewindReceipt, Savepoint, ScanLock, Snapshot,
    Transaction, TxRange,
};
pub use volume::{
    now_us, CheckpointHook, Cluster, ClusterInfo, ClusterSpace, GcStats, PointInTime, RollbackHook,
    SpaceReport, Volume, VolumeOptions, FIRST_USER_TREE,
};
pub use wal::{create_private_dir, private_options, Ticket};
