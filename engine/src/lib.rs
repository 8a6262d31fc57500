//! The Borealis engine: a copy-on-write page volume, and the SQL layer on it.
//!
//! The engine is synchronous (no tokio): the protocol crate calls it from
//! blocking threads. Storage lives in [`storage`], SQL values and their byte
//! encodings in [`value`], statement handling in [`sql`], binary log files (their
//! format, rotation and readers) in [`binlog`]. Vocabulary and the
//! invariants cited below (storage invariants 1-5, durability 1-5) are in
//! `shared/DESIGN.md`; byte layouts, log format and the GC scheme are in
//! `engine/STORAGE.md`.
//!
//! # Life of a query
//!
//! 1. The protocol crate hands the statement text to [`sql::session::Session::execute`]
//!    (or a prepared statement's id and parameters to `execute_prepared`, which
//!    substitutes the parameters into the parsed AST).
//! 2. [`sql::front::parse`] removes comments and keeps the bodies of executable
//!    comments (`/*!40101 ... */`), then either parses the statement itself (SHOW,
//!    SET, transactions, users, CHECKSUM TABLE, ...) or hands it to sqlparser.
//! 3. The session checks privileges against the user's grants in the catalog
//!    ([`sql::privilege`]: one check for statements, views, routines, triggers,
//!    AS OF, SHOW and information_schema), then opens an [`sql::exec::Exec`] over
//!    its open transaction or a fresh snapshot, with the catalog of that snapshot
//!    (cached per catalog version). The statement's [`sql::expr::EvalCx`] carries its
//!    limits: KILL and `max_execution_time` (checked at every row), and the memory
//!    account its materialised rows are charged to ([`sql::memory`], bounded by
//!    `temptable_max_ram`), and its sorts' `sort_buffer_size` and `tmpdir`
//!    ([`sql::spill`]: past the buffer a sort writes sorted runs and merges them).
//! 4. For a SELECT, [`sql::exec::Exec::query`] binds expressions to column
//!    positions ([`sql::expr::Binder`]), picks an access path per table from the
//!    WHERE/ON conjuncts (primary key, secondary index, or scan), reads rows via
//!    the storage snapshot, then filters, groups (WITH ROLLUP too), computes window
//!    functions ([`sql::window`]), sorts and limits. Built-in
//!    functions are evaluated by [`sql::functions`] (a file per family; GET_LOCK's
//!    registry is [`sql::userlocks`], one per instance, in the `EvalCx`).
//!    A replica's applier ([`sql::replica`]) runs the source's events through a
//!    session of its own, so they take this same path.
//! 5. DML runs in the session's transaction (a savepoint per statement) or its
//!    own autocommit transaction, maintaining secondary indexes; DDL commits the
//!    open transaction and runs in its own. Rows go back as [`sql::exec::RowSet`],
//!    or, for the SELECT a client sent, straight to the connection as they are
//!    produced ([`sql::exec::Exec::query_into`] into a [`sql::exec::RowSink`]) when
//!    nothing after WHERE needs them all; other statements as affected rows and
//!    MySQL's info string. FULLTEXT indexes and MATCH live in [`sql::fulltext`],
//!    geometry values in [`value::geometry`].
//!
//! # Life of a write
//!
//! 1. [`storage::Cluster::begin`] takes the cluster's newest published
//!    [`storage::Snapshot`] (an `Arc` of tree roots: cheap) and registers it as
//!    open, so conflict bookkeeping older than it is kept.
//! 2. `put`/`delete` lock the key (`storage::rowlock`: a writer of a key another
//!    open transaction wrote waits for it; a waits-for cycle is a deadlock, 1213;
//!    a wait past the lock timeout is 1205) and fill the transaction's write
//!    buffer (a sorted map), with an undo list for savepoints and statement
//!    rollback. Reads merge the buffer over the snapshot ([`storage::TxRange`]).
//!    UPDATE, DELETE, SELECT ... FOR UPDATE / FOR SHARE and duplicate-key checks
//!    read rows *current* under their lock ([`storage::Transaction::lock`],
//!    [`storage::Transaction::lock_read`]), as InnoDB does: after waiting they see
//!    what the other writer committed, so concurrent `n = n + 1` updates all count.
//!    A key they find missing locks the gap between its neighbours (InnoDB's gap
//!    lock) and a range they read is locked with the gaps up to the keys around it
//!    ([`storage::Transaction::lock_range_read`], InnoDB's next-key locks): others'
//!    inserts there wait, so a concurrent delete-then-insert of one key deadlocks.
//! 3. [`storage::Transaction::commit`] takes the cluster's commit lock (the one
//!    ordered pipeline per cluster) and checks every written key against the
//!    last committing sequence number of that key: a key written by a commit
//!    newer than what our write was based on (the snapshot, or the current read
//!    under the lock) fails with `WriteConflict` (retryable, MySQL 1213). Locks
//!    are released after the commit is published (step 5) or at rollback.
//! 4. Still under the lock it reads each key's current value (the before image),
//!    builds the commit record (time, server id, statements, full before/after
//!    images, tree creates/drops), applies the changes to a copy of the working
//!    state as one sorted batch per tree (`storage::btree::apply` copies only
//!    the path it changes: storage invariant 1), appends the record to the log
//!    buffer and queues the new state as pending. Just before the append, the
//!    commit hook of [`storage::Transaction::commit_with`] renders the record into
//!    binlog events and appends them to the cluster's binlog file
//!    ([`sql::binlog`]); their end (file, position) goes into the record and the
//!    timeline, so the binlog's order is the commit order, and the events' bytes
//!    into the record, so they are durable with it.
//! 5. Outside the lock it waits for the log to be durable up to its record:
//!    the first waiter leads, writes every buffered record and fsyncs once for the
//!    whole group (durability 1 and 3; the binlog file is fsynced only by
//!    checkpoints, and recovery writes back events it lost). Then pending states whose
//!    records are durable are published, in order, and appended to the timeline;
//!    the session moves the binlog's safe point past its commit, up to which
//!    replicas are sent events.
//! 6. A full disk: a failed group write is cut back and its records (and those queued
//!    after it) are dropped: their committers get 1021 and the log starts a new
//!    generation ([`storage::wal`]). The next writer of each cluster, under its commit
//!    lock, rolls the working state back to its newest durable commit and cuts the
//!    binlog back to that commit's coordinate (`VolumeInner::settle`); a failed binlog
//!    write stays pending and is written again at the next flush. Only a failed fsync
//!    poisons the log until a restart.
//!
//! # Life of a read
//!
//! A [`storage::Snapshot`] holds an `Arc<State>`: tree roots that are either
//! in-memory nodes (written since the last checkpoint) or durable page ids.
//! `get` descends from the root; a durable child is looked up in the page
//! cache and, on a miss, read from the page file, its CRC checked (storage
//! invariant 2) and decoded. Range scans keep the root-to-leaf path and walk
//! leaves forwards or backwards. Writers never touch nodes a snapshot can
//! see, so readers take no locks beyond the cache's shard mutex.
//!
//! # Life of a checkpoint and a GC pass
//!
//! The maintenance thread checkpoints after `checkpoint_log_bytes` of log (or
//! a time interval): for each cluster it captures the working state, writes
//! every in-memory node as a new page (children first; values larger than a
//! quarter page as overflow chains), writes retained history that is not yet
//! durable, then the meta blob (cluster registry, durable roots, history,
//! the timeline index — every commit of the last seconds, one per second before
//! that; the log holds the others — and the free list) and finally the superblock into the slot its
//! generation selects. Afterwards the working trees point at the new pages
//! ("swizzle") so the in-memory copies can be freed and the cache bounds
//! memory. GC then marks every page reachable from live pins (the durable
//! roots that retained history, working states and open snapshots derive
//! from) and the meta chain, and frees the rest (storage invariant 4).
//!
//! # Life of a fork
//!
//! [`storage::Volume::fork`] with `PointInTime::Latest` takes the source's
//! commit lock, clones its working state (an `Arc` of roots: no page is copied
//! or touched, storage invariant 3), appends a `Fork` record after every commit
//! already in that state, fsyncs and registers the new cluster. From then on
//! both sides copy-on-write independently; pages they share stay shared until
//! one side changes them. A fork at a past time materialises the source's state
//! at that commit from its newest retained state plus log replay.
//!
//! # Life of a backtrack
//!
//! [`sql::session::Instance::backtrack`] (see [`sql::rewind`]) materialises the
//! state at the target time like a past fork, then [`storage::Cluster::rewind`]
//! takes the commit lock and commits, through the same pipeline as a transaction
//! (binlog hook, log append, group fsync, publish), a new state that is the target's
//! trees themselves, shared by pointer, plus the SQL layer's edits (the catalog
//! version moves forward). Its log record names the target commit and holds only the
//! edits, so it is small whatever the rewind undoes; the new state also joins the
//! history. With the binlog on, the rewind diffs the row trees of the tables both
//! states have against the target ([`storage::btree::diff`]: subtrees both reach are
//! skipped unread) and the binlog gets the differences streamed in batches
//! ([`sql::rewind`]: two threads render alternate batches of rows, and a third writes
//! the chunks with `O_DIRECT`, see [`binlog::EventSink`]); secondary indexes are never
//! compared, and with the binlog off only the catalog is. A target right after a big
//! commit is cheap to materialise: a commit of 8 MiB of log or more keeps its state in
//! the history at once. Recovery rebuilds the state from the
//! target commit and the edits, and the moments the rewind skipped stay on the
//! timeline, so a later backtrack can go forward to them. Transactions with an older
//! snapshot fail to commit (1213).
//!
//! # Life of recovery
//!
//! [`storage::Volume::open`] takes the `LOCK` file, reads both superblock
//! copies and keeps the valid one with the highest generation, decodes the meta
//! blob into clusters (durable roots, history, timeline) and the free list,
//! then replays the log from the checkpoint's replay position: commit records
//! newer than their cluster's state are applied exactly as the commit path
//! applied them (a rewind's onto its target's state, materialised from history),
//! and create/fork/drop records rebuild the registry. A frame cut
//! by a crash fails its CRC and ends the log there (it is truncated; the zeros
//! the writer preallocates after the last frame end it too), so a
//! transaction is either wholly replayed or absent; an acknowledged commit's
//! record was fsynced before the acknowledgement, so it is always replayed. A bad
//! frame with a later group write after it (the group's first frame is marked) is
//! not a torn tail but damage: the open fails with [`Error::CorruptLog`] naming the
//! file, offset and the commits a cut would drop, unless
//! [`storage::VolumeOptions::truncate_log_at_corruption`] says to cut there.
//! The SQL layer then opens the binlog ([`sql::binlog::ClusterBinlog::open`]): it cuts
//! the files back to the coordinate of the newest recovered commit (events of
//! transactions whose record was lost go away) and starts a new file.

pub mod binlog;
pub mod error;
pub mod signal;
pub mod sql;
pub mod storage;
pub mod value;

pub use error::{Error, Result};
