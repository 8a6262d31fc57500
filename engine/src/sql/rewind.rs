//! Backtrack: rewinding the served cluster in place to an earlier moment, or forward
//! again to a moment a previous backtrack skipped (Aurora Backtrack), and the binlog
//! events that let a replica follow.
//!
//! The engine does the rewind as one more commit ([`crate::storage::Cluster::rewind`]):
//! the new state is the target's, its log record names the target commit, so it is
//! durable, replayed at recovery, and the moments it skipped stay readable (AS OF,
//! point-in-time restore, a later backtrack forward). The changes between the two states
//! are computed for the binlog only.
//!
//! # What the binlog gets
//!
//! Aurora refuses to backtrack a cluster with binlog replication on; Borealis writes
//! events that take a replica through the same rewind, in this order:
//!
//! 1. DDL, each its own Query event: `DROP TABLE IF EXISTS` for every table that is not
//!    in the target state as it is now (dropped in the target, created or altered or
//!    renamed in the rewound span), likewise `DROP VIEW`, `DROP TRIGGER`,
//!    `DROP FUNCTION`/`PROCEDURE`, `DROP EVENT`, then `DROP DATABASE IF EXISTS` for
//!    databases the target lacks; then `CREATE DATABASE` for databases only the target
//!    has and the target's `CREATE TABLE` (its SHOW CREATE TABLE text) for every table
//!    dropped above, then views, routines, triggers and events the same way.
//! 2. One transaction (`BEGIN`, Table_map + rows events, `Xid`): for a table present
//!    unchanged on both sides, the rows the rewound span changed, undone (its inserts
//!    deleted, its deletes re-inserted, its updates reversed); for a table re-created in
//!    step 1, all of its rows in the target state. A table dropped inside the rewound
//!    span therefore comes back with its definition and every row.
//!
//! Accounts (CREATE USER, GRANT) are not re-emitted: a replica keeps its own accounts.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::Arc;

use super::binlog::{stream_table_row_events, RenderCtx, RowImages};
use super::catalog::{self, Catalog, TableDef, CATALOG_TREE};
use super::error::{SqlError, SqlResult};
use super::session::Instance;
use crate::binlog::{Event, Origin, RowMetadata};
use crate::storage::{Change, CommitInfo, CommitRecord, PointInTime, Snapshot};

/// What a backtrack did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backtracked {
    /// The commit the cluster was at before, and its time (µs since the epoch).
    pub from_seq: u64,
    pub from_time_us: u64,
    /// The last commit at or before the target: the cluster now has its state.
    pub to_seq: u64,
    pub to_time_us: u64,
    /// The rewind's own commit on the timeline, and its time.
    pub seq: u64,
    pub time_us: u64,
    /// Rows that differ between the two states in the tables both have (and catalog
    /// entries); counted only when the binlog is on (it needs them, the rewind does not).
    pub changes: Option<usize>,
    /// Where its binlog events end, when the binlog is on.
    pub binlog: Option<(String, u64)>,
}

/// The catalog a snapshot holds (not the shared cache: both sides of a rewind are read).
fn catalog_of(snap: &Snapshot) -> SqlResult<Catalog> {
    if !snap.has_tree(CATALOG_TREE) {
        return Ok(Catalog::default());
    }
    let mut entries = Vec::new();
    for r in snap.range(CATALOG_TREE, Bound::Unbounded, Bound::Unbounded, false)? {
        entries.push(r?);
    }
    Catalog::decode(entries.iter().map(|(k, v)| (&k[..], &v[..])))
        .ok_or_else(|| SqlError::new(1105, "the catalog does not decode"))
}

fn version_of(snap: &Snapshot) -> SqlResult<u64> {
    if !snap.has_tree(CATALOG_TREE) {
        return Ok(0);
    }
    Ok(snap
        .get(CATALOG_TREE, &catalog::version_key())?
        .and_then(|v| v.as_ref().try_into().ok())
        .map_or(0, u64::from_le_bytes))
}

/// The catalog version only moves forward, even when the catalog goes back: sessions
/// cache a catalog by version, and the rewound span's versions meant other catalogs.
fn keep_version_moving(
    from: &Snapshot,
    to: &Snapshot,
    changes: &mut Vec<Change>,
) -> SqlResult<Vec<Change>> {
    let key = catalog::version_key();
    let touches_catalog = changes.iter().any(|c| match c {
        Change::Put { tree, .. } | Change::Delete { tree, .. } => *tree == CATALOG_TREE,
        Change::CreateTree { tree } | Change::DropTree { tree } => *tree == CATALOG_TREE,
    });
    if !touches_catalog || !to.has_tree(CATALOG_TREE) {
        return Ok(Vec::new());
    }
    changes.retain(|c| {
        !matches!(c, Change::Put { tree, key: k, .. } | Change::Delete { tree, key: k, .. }
            if *tree == CATALOG_TREE && k[..] == key[..])
    });
    let before = if from.has_tree(CATALOG_TREE) {
        from.get(CATALOG_TREE, &key)?
    } else {
        None
    };
    let next = version_of(from)?.max(version_of(to)?) + 1;
    let bump = Change::Put {
        tree: CATALOG_TREE,
        key: key.into(),
        before,
        after: next.to_le_bytes().to_vec().into(),
        stmt: 0,
    };
    changes.push(bump.clone());
    Ok(vec![bump])
}

impl Instance {
    /// Rewinds the cluster in place to its state after the last commit at or before
    /// `target_us` (µs since the epoch), which may be a moment an earlier backtrack
    /// skipped (forward). The caller closes the cluster's sessions first: a transaction
    /// that read the state before the rewind cannot commit after it (1213).
    pub fn backtrack(&self, target_us: u64) -> SqlResult<Backtracked> {
        let cluster = &self.sql.cluster;
        let to = cluster
            .snapshot_at(PointInTime::Time(target_us))
            .map_err(|e| SqlError::new(1210, format!("Cannot backtrack: {e}")))?;
        let _ddl = self.sql.ddl_lock.lock().unwrap_or_else(|e| e.into_inner());
        if catalog_of(&to)?.users.is_empty() && !catalog_of(&cluster.snapshot())?.users.is_empty() {
            return Err(SqlError::new(
                1210,
                format!(
                    "Cannot backtrack to {} UTC: the cluster had no accounts yet then, and \
                     nobody could connect to it afterwards. Choose a later time.",
                    utc(target_us)
                ),
            ));
        }
        let info = CommitInfo {
            server_id: self.globals.info().server_id,
            extra: Vec::new(),
        };
        let ctx = self.rewind_ctx();
        // The binlog needs the row changes of the tables kept on both sides (secondary
        // indexes are not logged; re-created tables are logged whole from `to`); the
        // version bump needs the catalog's. No DDL runs meanwhile (the DDL lock).
        let row_trees = match &self.binlog {
            Some(_) => kept_table_trees(&catalog_of(&cluster.snapshot())?, &catalog_of(&to)?),
            None => BTreeSet::new(),
        };
        let text = format!("BACKTRACK TO '{}' /* UTC */", utc(target_us));
        let mut from_time_us = 0;
        let mut coord = None;
        let receipt = cluster.rewind(
            &to,
            info,
            &text,
            |tree| tree == CATALOG_TREE || row_trees.contains(&tree),
            |from, changes| {
                from_time_us = from.time_us();
                keep_version_moving(from, &to, changes)
                    .map_err(|e| crate::Error::InvalidArgument { detail: e.message })
            },
            |rec, changes, from, to| {
                let Some(bl) = &self.binlog else {
                    return Ok(None);
                };
                let written = bl.write_streamed(|sink| {
                    render_rewind(rec, changes, from, to, &ctx, &mut |e| Ok(sink.push(e)?)).map_err(
                        |e| crate::Error::InvalidArgument {
                            detail: format!("binlog of the backtrack: {}", e.message),
                        },
                    )
                })?;
                coord = written.as_ref().map(|w| w.coord);
                Ok(written)
            },
        )?;
        self.sql.forget_derived_state();
        let mut binlog = None;
        if let (Some(bl), Some(c)) = (&self.binlog, coord) {
            bl.mark_safe(cluster, c);
            // The rewind is committed: a coordinate that cannot be read is left out.
            binlog = bl
                .status(cluster)
                .inspect_err(
                    |e| tracing::warn!(error = %e.message, "binlog coordinate after a backtrack"),
                )
                .ok();
        }
        tracing::info!(
            cluster = cluster.name(),
            from = receipt.from_seq,
            to = receipt.to_seq,
            changes = receipt.changes,
            "backtracked"
        );
        Ok(Backtracked {
            from_seq: receipt.from_seq,
            from_time_us,
            to_seq: receipt.to_seq,
            to_time_us: receipt.to_time_us,
            seq: receipt.seq,
            time_us: receipt.time_us,
            changes: self.binlog.is_some().then_some(receipt.changes),
            binlog,
        })
    }

    /// The server-wide session state the backtrack's Query events carry.
    fn rewind_ctx(&self) -> RenderCtx {
        let g = &self.globals;
        let text = |n: &str| g.get(n).map(|v| v.show_text()).unwrap_or_default();
        let server = g
            .get("collation_server")
            .ok()
            .and_then(|v| crate::value::Collation::from_name(&v.show_text()))
            .map_or(45, |c| c.id());
        RenderCtx {
            server_id: g.info().server_id,
            thread_id: 0,
            ddl: false,
            row_metadata: if text("binlog_row_metadata").eq_ignore_ascii_case("FULL") {
                RowMetadata::Full
            } else {
                RowMetadata::Minimal
            },
            charset: (server, server, server),
            collation_database: None,
            sql_mode: 0,
            flags2: 0,
            time_zone: None,
            auto_increment: (1, 1),
            statements: None,
        }
    }
}

/// The row trees of the tables that catalog `b` has with the same tree and definition as
/// catalog `a`: the tables a rewind from `a` to `b` keeps (and undoes row by row).
fn kept_table_trees(a: &Catalog, b: &Catalog) -> BTreeSet<u64> {
    let a_by_tree: BTreeMap<u64, &Arc<TableDef>> = a.tables.values().map(|t| (t.tree, t)).collect();
    b.tables
        .values()
        .filter(|t| a_by_tree.get(&t.tree).is_some_and(|x| x == t))
        .map(|t| t.tree)
        .collect()
}

/// `YYYY-MM-DD hh:mm:ss.ffffff` of a time in µs since the epoch.
fn utc(us: u64) -> String {
    crate::value::temporal::DateTime::from_unix_micros(i64::try_from(us).unwrap_or(i64::MAX))
        .map_or_else(|| us.to_string(), |d| d.format(6))
}

fn q(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The events of a rewind (see the module docs, "What the binlog gets").
fn render_rewind(
    rec: &CommitRecord,
    changes: &[Change],
    from: &Snapshot,
    to: &Snapshot,
    ctx: &RenderCtx,
    events: &mut dyn FnMut(&Event) -> crate::Result<()>,
) -> SqlResult<()> {
    let (a, b) = (catalog_of(from)?, catalog_of(to)?);
    let origin = Origin::new(
        ctx.server_id,
        u32::try_from(rec.time_us / 1_000_000).unwrap_or(u32::MAX),
    );
    let binlog_error = |e: &dyn std::fmt::Display| SqlError::new(1105, format!("binlog: {e}"));
    let query = |events: &mut dyn FnMut(&Event) -> crate::Result<()>,
                 db: &str,
                 text: String|
     -> SqlResult<()> {
        let e = Event::query(origin, &ctx.query_event(db, text.as_bytes()))
            .map_err(|e| binlog_error(&e))?;
        events(&e).map_err(|e| binlog_error(&e))
    };
    let kept_trees = kept_table_trees(&a, &b);
    let b_trees: BTreeMap<u64, &Arc<TableDef>> = b.tables.values().map(|t| (t.tree, t)).collect();

    for t in a.tables.values() {
        if !b_trees.get(&t.tree).is_some_and(|x| ***x == **t) {
            query(
                events,
                "",
                format!("DROP TABLE IF EXISTS {}.{}", q(&t.db), q(&t.name)),
            )?;
        }
    }
    for (k, v) in &a.views {
        if b.views.get(k) != Some(v) {
            query(
                events,
                "",
                format!("DROP VIEW IF EXISTS {}.{}", q(&v.db), q(&v.name)),
            )?;
        }
    }
    for (k, t) in &a.triggers {
        if b.triggers.get(k) != Some(t) {
            query(
                events,
                "",
                format!("DROP TRIGGER IF EXISTS {}.{}", q(&t.db), q(&t.name)),
            )?;
        }
    }
    for (k, r) in &a.routines {
        if b.routines.get(k) != Some(r) {
            let kind = if r.kind == 'F' {
                "FUNCTION"
            } else {
                "PROCEDURE"
            };
            query(
                events,
                "",
                format!("DROP {kind} IF EXISTS {}.{}", q(&r.db), q(&r.name)),
            )?;
        }
    }
    for (k, e) in &a.events {
        if b.events.get(k) != Some(e) {
            query(
                events,
                "",
                format!("DROP EVENT IF EXISTS {}.{}", q(&e.db), q(&e.name)),
            )?;
        }
    }
    for (name, d) in &a.dbs {
        if b.dbs.get(name) != Some(d) {
            query(events, "", format!("DROP DATABASE IF EXISTS {}", q(name)))?;
        }
    }
    for (name, d) in &b.dbs {
        if a.dbs.get(name) != Some(d) {
            query(
                events,
                "",
                format!(
                    "CREATE DATABASE {} /*!40100 DEFAULT CHARACTER SET {} COLLATE {} */",
                    q(name),
                    d.collation.charset(),
                    d.collation.name()
                ),
            )?;
        }
    }
    let recreated: Vec<&Arc<TableDef>> = b
        .tables
        .values()
        .filter(|t| !kept_trees.contains(&t.tree))
        .collect();
    for t in &recreated {
        query(events, &t.db, super::ddl::show_create_table(t))?;
    }
    for (k, v) in &b.views {
        if a.views.get(k) != Some(v) {
            query(events, &v.db, super::session::show_create_view(v))?;
        }
    }
    for (k, r) in &b.routines {
        if a.routines.get(k) != Some(r) {
            query(events, &r.db, super::progddl::show_create_routine(r))?;
        }
    }
    for (k, t) in &b.triggers {
        if a.triggers.get(k) != Some(t) {
            query(events, &t.db, super::progddl::show_create_trigger(t))?;
        }
    }
    for (k, e) in &b.events {
        if a.events.get(k) != Some(e) {
            query(events, &e.db, super::progddl::show_create_event(e))?;
        }
    }

    // Rows: the undone changes of kept tables, every row of re-created ones, rendered
    // and written a batch at a time (a backtrack may undo millions of rows).
    let kept_trees: BTreeMap<u64, &Arc<TableDef>> = b_trees
        .iter()
        .filter(|(tree, _)| kept_trees.contains(tree))
        .map(|(tree, t)| (*tree, *t))
        .collect();
    let mut rows: BTreeMap<u64, (&TableDef, Vec<RowImages<'_>>)> = BTreeMap::new();
    for (tree, before, after) in changes.iter().filter_map(Change::images) {
        let Some(t) = kept_trees.get(&tree) else {
            continue; // a secondary index, the catalog, or a re-created table
        };
        rows.entry(tree)
            .or_insert_with(|| (t, Vec::new()))
            .1
            .push((before, after));
    }
    let mut recreated_rows = Vec::new();
    for t in &recreated {
        if to.has_tree(t.tree) {
            let all = to
                .range(t.tree, Bound::Unbounded, Bound::Unbounded, false)?
                .map(|r| r.map(|(_, v)| v))
                .collect::<crate::Result<Vec<_>>>()?;
            if !all.is_empty() {
                recreated_rows.push((&***t, all));
            }
        }
    }
    if rows.is_empty() && recreated_rows.is_empty() {
        return Ok(());
    }
    query(events, "", "BEGIN".into())?;
    let mut push = |t: &TableDef, images: &[RowImages<'_>]| -> SqlResult<()> {
        stream_table_row_events(origin, ctx, t, images, events).map_err(|e| binlog_error(&e))
    };
    for (t, images) in rows.values() {
        push(t, images)?;
    }
    for (t, all) in &recreated_rows {
        let images: Vec<RowImages<'_>> = all.iter().map(|v| (None, Some(&v[..]))).collect();
        push(t, &images)?;
    }
    events(&Event::xid(origin, rec.seq)).map_err(|e| binlog_error(&e))
}
