//! The copy-on-write page volume.

pub mod btree;
pub mod cache;
pub mod codec;
pub mod meta;
pub mod page;
pub mod pager;
pub mod record;
pub mod state;
pub mod store;
pub mod txn;
pub mod volume;
pub mod wal;

pub use meta::CommitEntry;
pub use record::{BinlogCoord, Change, CommitRecord, Record, Statement};
pub use txn::{CommitInfo, CommitReceipt, Savepoint, Snapshot, Transaction, TxRange};
pub use volume::{
    now_us, Cluster, ClusterInfo, ClusterSpace, GcStats, PointInTime, SpaceReport, Volume,
    VolumeOptions, FIRST_USER_TREE,
};
