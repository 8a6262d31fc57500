//! Cluster states: the set of tree roots at one commit, and how a commit's
//! changes are applied to one. Shared by the commit path, recovery replay and
//! point-in-time materialisation, so all three build identical trees.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::btree::{self, Op};
use super::page::{Child, PageId};
use super::pager::Pager;
use super::record::Change;
use crate::error::{Error, Result};

/// A tree's root and its number of entries.
#[derive(Clone, Default)]
pub struct TreeRoot {
    pub root: Option<Child>,
    pub count: u64,
}

/// The durable roots a state derives from. Every page a state reaches through a
/// `Child::Page` edge is reachable from its pin, so GC treats live pins as roots;
/// readers holding an old state therefore keep its pages alive (storage invariant 4).
#[derive(Debug, Default)]
pub struct Pin {
    /// Checkpoint generation that wrote these roots (0: nothing durable yet).
    pub generation: u64,
    pub roots: Vec<(PageId, u8)>,
}

/// The trees of one cluster after one commit.
#[derive(Clone)]
pub struct State {
    /// Last commit applied (per-cluster sequence number).
    pub seq: u64,
    /// Its commit time, µs since the Unix epoch.
    pub time_us: u64,
    /// Log position up to which this cluster's records are included.
    pub lsn: u64,
    pub trees: Arc<BTreeMap<u64, TreeRoot>>,
    pub pin: Arc<Pin>,
}

impl State {
    pub fn empty(time_us: u64, lsn: u64) -> Self {
        State {
            seq: 0,
            time_us,
            lsn,
            trees: Arc::new(BTreeMap::new()),
            pin: Arc::new(Pin::default()),
        }
    }

    /// True when every root is durable (nothing for a checkpoint to write).
    pub fn is_durable(&self) -> bool {
        self.trees
            .values()
            .all(|t| !matches!(t.root, Some(Child::Node(_))))
    }
}

/// Applies `changes` in the order creates, puts/deletes per tree, drops. Fails
/// (leaving `state` partly changed: callers work on a copy) when a change names
/// a tree that does not exist.
pub fn apply_changes(pager: &Pager, state: &mut State, changes: &[Change]) -> Result<()> {
    let trees = Arc::make_mut(&mut state.trees);
    for ch in changes {
        if let Change::CreateTree { tree } = ch {
            trees.insert(*tree, TreeRoot::default());
        }
    }
    // Sized first: a bulk load's million entries would otherwise grow their vector by
    // doubling, copying it and faulting in fresh pages each time.
    let mut sizes: BTreeMap<u64, usize> = BTreeMap::new();
    for ch in changes {
        if let Change::Put { tree, .. } | Change::Delete { tree, .. } = ch {
            *sizes.entry(*tree).or_default() += 1;
        }
    }
    let mut per_tree: BTreeMap<u64, (Vec<Op>, i64)> = sizes
        .into_iter()
        .map(|(tree, n)| (tree, (Vec::with_capacity(n), 0)))
        .collect();
    for ch in changes {
        match ch {
            Change::Put {
                tree,
                key,
                before,
                after,
                ..
            } => {
                let e = per_tree.entry(*tree).or_default();
                e.0.push((key.clone(), Some(after.clone())));
                if before.is_none() {
                    e.1 += 1;
                }
            }
            Change::Delete { tree, key, .. } => {
                let e = per_tree.entry(*tree).or_default();
                e.0.push((key.clone(), None));
                e.1 -= 1;
            }
            _ => {}
        }
    }
    for (tree, (mut ops, delta)) in per_tree {
        let Some(t) = trees.get_mut(&tree) else {
            return Err(Error::WriteConflict {
                detail: format!("tree {tree} was dropped by a concurrent transaction"),
            });
        };
        if !ops.is_sorted_by(|a, b| a.0 < b.0) {
            ops.sort_by(|a, b| a.0.cmp(&b.0));
            ops.dedup_by(|later, earlier| {
                let same = later.0 == earlier.0;
                if same {
                    earlier.1 = later.1.take();
                }
                same
            });
        }
        btree::apply(pager, &mut t.root, &ops)?;
        t.count = t.count.saturating_add_signed(delta);
    }
    for ch in changes {
        if let Change::DropTree { tree } = ch {
            trees.remove(tree);
        }
    }
    Ok(())
}
