//! The copy-on-write B+tree.
//!
//! A tree is a root [`Child`]. Nodes are immutable once shared: a write builds new
//! nodes for the path it changes ([`apply`]) and leaves every other node, durable
//! or not, shared with older snapshots (invariant 1: durable pages are never
//! modified). Writes are applied as a sorted batch: each node on the way is
//! visited once per batch, which makes a large sorted bulk load cost one pass
//! over the right edge of the tree instead of one descent per key.

use std::borrow::Cow;
use std::ops::Bound;
use std::sync::Arc;

use super::page::{
    branch_key_len, Bytes, Child, Children, Geometry, Keys, Leaf, Node, Val, ValRef,
    BRANCH_CHILD_LEN,
};
use super::pager::Pager;
use crate::error::Result;

/// One write of a batch: `Some(value)` puts, `None` deletes.
pub type Op = (Bytes, Option<Bytes>);

/// Point lookup.
pub fn get(p: &Pager, root: &Option<Child>, key: &[u8]) -> Result<Option<Val>> {
    let Some(root) = root else { return Ok(None) };
    let mut node = p.resolve(root)?;
    loop {
        let next = match &*node {
            Node::Branch { keys, children } => {
                let i = keys.partition_point(|k| k <= key);
                p.resolve(&children[i])?
            }
            Node::Leaf(leaf) => return Ok(leaf.find(key).ok().map(|i| leaf.value(i).to_val())),
        };
        node = next;
    }
}

/// Applies `ops` (sorted by key, keys unique) to the tree rooted at `root`.
pub fn apply(p: &Pager, root: &mut Option<Child>, ops: &[Op]) -> Result<()> {
    if ops.is_empty() {
        return Ok(());
    }
    let g = p.geo;
    let mut parts = match root.as_ref() {
        None => leaf_parts(&g, merge_leaf(&g, &Leaf::default(), ops)),
        Some(c) => apply_child(p, c, ops)?,
    };
    loop {
        match parts.len() {
            0 => {
                *root = None;
                return Ok(());
            }
            1 => {
                let mut top = parts.pop().map(|(_, c)| c);
                // Collapse branch roots left with one child.
                while let Some(Child::Node(n)) = &top {
                    match &**n {
                        Node::Branch { children, .. } if children.len() == 1 => {
                            top = Some(children[0].clone())
                        }
                        _ => break,
                    }
                }
                if let Some(Child::Page { id, flags }) = top {
                    if flags == 0 {
                        // A durable branch root with a single child collapses too.
                        let n = p.read_node(id)?;
                        if let Node::Branch { children, .. } = &*n {
                            if children.len() == 1 {
                                *root = Some(children[0].clone());
                                return Ok(());
                            }
                        }
                    }
                }
                *root = top;
                return Ok(());
            }
            _ => {
                let mut keys = Keys::default();
                let mut children = Vec::with_capacity(parts.len());
                for (i, (sep, c)) in parts.into_iter().enumerate() {
                    if i > 0 {
                        keys.push(sep.as_deref().unwrap_or_default());
                    }
                    children.push(c);
                }
                parts = branch_parts(&g, keys, children);
            }
        }
    }
}

/// A new node for a child slot, with the separator key that precedes it.
type Part = (Option<Bytes>, Child);

fn apply_child(p: &Pager, child: &Child, ops: &[Op]) -> Result<Vec<Part>> {
    let node = p.resolve(child)?;
    let g = p.geo;
    match &*node {
        Node::Leaf(leaf) => Ok(leaf_parts(&g, merge_leaf(&g, leaf, ops))),
        Node::Branch { keys, children } => {
            // Each child the ops fall into, with its new parts.
            let mut changed: Vec<(usize, Vec<Part>)> = Vec::new();
            let mut rest = ops;
            while let Some((first, _)) = rest.first() {
                let ci = keys.partition_point(|k| k <= &**first);
                let n = match keys.at(ci) {
                    Some(hi) => rest.partition_point(|(k, _)| **k < *hi),
                    None => rest.len(),
                };
                let (sub, tail) = rest.split_at(n);
                rest = tail;
                // A branch has one child more than separators, so `ci` is in range.
                changed.push((ci, apply_child(p, &children[ci], sub)?));
            }
            if let Some(parts) = replace_in_place(&g, keys, children, &mut changed) {
                return Ok(parts);
            }
            // (separator before, child, modified by this batch)
            let mut items: Vec<Item> = Vec::with_capacity(children.len() + 2);
            let mut changed = changed.into_iter().peekable();
            for (ci, c) in children.iter().enumerate() {
                let sep = ci.checked_sub(1).map(|i| Cow::Borrowed(keys.get(i)));
                let Some((_, parts)) = changed.next_if(|(i, _)| *i == ci) else {
                    items.push((sep, c.clone(), false));
                    continue;
                };
                for (j, (low, part)) in parts.into_iter().enumerate() {
                    let sep = if j == 0 { sep.clone() } else { owned(low) };
                    items.push((sep, part, true));
                }
            }
            merge_small(p, &mut items)?;
            let mut new_keys = Keys::with_capacity(keys.data_len() + 64, items.len());
            let mut children = Vec::with_capacity(items.len());
            for (i, (sep, c, _)) in items.into_iter().enumerate() {
                if i > 0 {
                    new_keys.push(sep.as_deref().unwrap_or_default());
                }
                children.push(c);
            }
            if children.is_empty() {
                return Ok(Vec::new());
            }
            Ok(branch_parts(&g, new_keys, children))
        }
    }
}

/// A child slot while a branch is rebuilt: the separator before it, the child, and
/// whether this batch modified it.
type Item<'a> = (Option<Cow<'a, [u8]>>, Child, bool);

fn owned(sep: Option<Bytes>) -> Option<Cow<'static, [u8]>> {
    sep.map(|b| Cow::Owned(b.to_vec()))
}

/// The common case of [`apply_child`] on a branch: every changed child stays one node
/// of at least a quarter page and the branch keeps fitting (no separator changes,
/// nothing merges, no split). The new branch is then the old one with those children
/// replaced, exactly what the general path would build, sharing the old one's keys and
/// unchanged child chunks instead of rebuilding it child by child. None (and `changed`
/// untouched) otherwise.
fn replace_in_place(
    g: &Geometry,
    keys: &Keys,
    children: &Children,
    changed: &mut Vec<(usize, Vec<Part>)>,
) -> Option<Vec<Part>> {
    let fits = children.len() * BRANCH_CHILD_LEN + keys.body_len() <= g.capacity;
    let one_big = |parts: &[Part]| match parts {
        [(_, Child::Node(n))] => children.len() < 2 || n.body_len() >= g.capacity / 4,
        [(_, Child::Page { .. })] => true,
        _ => false,
    };
    if !fits || !changed.iter().all(|(_, parts)| one_big(parts)) {
        return None;
    }
    let mut new_children = children.clone();
    for (ci, parts) in changed.drain(..) {
        if let Some((_, c)) = parts.into_iter().next() {
            new_children.set(ci, c);
        }
    }
    let node = Node::Branch {
        keys: keys.clone(),
        children: new_children,
    };
    Some(vec![(None, Child::Node(Arc::new(node)))])
}

/// Merges modified children that fell under a quarter page into a neighbour.
fn merge_small(p: &Pager, items: &mut Vec<Item<'_>>) -> Result<()> {
    let g = p.geo;
    let mut i = 0;
    while i < items.len() {
        if items.len() < 2 || !items[i].2 {
            i += 1;
            continue;
        }
        let small = match &items[i].1 {
            Child::Node(n) => n.body_len() < g.capacity / 4,
            Child::Page { .. } => false,
        };
        if !small {
            i += 1;
            continue;
        }
        let l = if i + 1 < items.len() { i } else { i - 1 };
        let left = p.resolve(&items[l].1)?;
        let right = p.resolve(&items[l + 1].1)?;
        let sep = items[l + 1].0.clone().unwrap_or_default();
        let parts = match (&*left, &*right) {
            (Node::Leaf(a), Node::Leaf(b)) => {
                let mut all = Leaf::with_capacity(
                    a.data_len(0..a.len()) + b.data_len(0..b.len()),
                    a.len() + b.len(),
                );
                all.extend_from(a, 0..a.len());
                all.extend_from(b, 0..b.len());
                leaf_parts(&g, (all, false))
            }
            (
                Node::Branch {
                    keys: ka,
                    children: ca,
                },
                Node::Branch {
                    keys: kb,
                    children: cb,
                },
            ) => {
                let mut keys = Keys::with_capacity(
                    ka.data_len() + sep.len() + kb.data_len(),
                    ka.len() + 1 + kb.len(),
                );
                keys.extend_from(ka, 0..ka.len());
                keys.push(&sep);
                keys.extend_from(kb, 0..kb.len());
                let children: Vec<Child> = ca.iter().chain(cb.iter()).cloned().collect();
                branch_parts(&g, keys, children)
            }
            // Siblings are always at the same height; mixed kinds mean corruption
            // elsewhere, which reads report. Leave the pair as it is.
            _ => {
                i += 1;
                continue;
            }
        };
        let first_sep = items[l].0.clone();
        let replaced: Vec<_> = parts
            .into_iter()
            .enumerate()
            .map(|(j, (low, c))| {
                (
                    if j == 0 {
                        first_sep.clone()
                    } else {
                        owned(low)
                    },
                    c,
                    false,
                )
            })
            .collect();
        let n = replaced.len();
        items.splice(l..l + 2, replaced);
        i = l + n;
    }
    Ok(())
}

/// Merges sorted ops into sorted leaf entries. Returns the entries and whether
/// every op was a put past the last existing key (an append).
fn merge_leaf(g: &Geometry, entries: &Leaf, ops: &[Op]) -> (Leaf, bool) {
    let puts_only = ops.iter().all(|(_, v)| v.is_some());
    let append = match (entries.len().checked_sub(1), ops.first()) {
        (Some(last), Some((first, _))) => **first > *entries.key(last) && puts_only,
        _ => puts_only,
    };
    // Runs of untouched entries are found by binary search and copied whole: a commit
    // usually changes a key or two of a leaf holding hundreds.
    let added: usize = ops
        .iter()
        .map(|(k, v)| k.len() + v.as_ref().map_or(0, |v| v.len().min(g.inline_max)))
        .sum();
    let mut out = Leaf::with_capacity(
        entries.data_len(0..entries.len()) + added,
        entries.len() + ops.len(),
    );
    let mut i = 0;
    for (key, val) in ops {
        let end = entries.partition_point_from(i, |ek| ek < &**key);
        out.extend_from(entries, i..end);
        i = end;
        if i < entries.len() && entries.key(i) == &**key {
            i += 1;
        }
        if let Some(v) = val {
            out.push_bytes(g, key, v);
        }
    }
    out.extend_from(entries, i..entries.len());
    (out, append)
}

/// Cuts a sequence of weighted items into runs that each fit `capacity`.
/// Unless `packed`, a short last run is evened out with the one before it.
fn cut(weights: &[usize], capacity: usize, packed: bool) -> Vec<usize> {
    let mut bounds = Vec::new();
    let mut acc = 0;
    for (i, w) in weights.iter().enumerate() {
        if acc + w > capacity && acc > 0 {
            bounds.push(i);
            acc = 0;
        }
        acc += w;
    }
    if !packed && !bounds.is_empty() && acc < capacity / 2 {
        let start = if bounds.len() >= 2 {
            bounds[bounds.len() - 2]
        } else {
            0
        };
        let total: usize = weights[start..].iter().sum();
        let mut run = 0;
        let mut at = start + 1;
        for (k, w) in weights[start..].iter().enumerate() {
            if run + w > total / 2 && k > 0 {
                at = start + k;
                break;
            }
            run += w;
        }
        if let Some(last) = bounds.last_mut() {
            *last = at;
        }
    }
    bounds
}

fn leaf_parts(g: &Geometry, (leaf, append): (Leaf, bool)) -> Vec<Part> {
    let part = |leaf: Leaf| {
        let low: Bytes = leaf.key(0).into();
        (Some(low), Child::Node(Arc::new(Node::Leaf(leaf))))
    };
    if leaf.is_empty() {
        return Vec::new();
    }
    if leaf.body_len() <= g.capacity {
        return vec![part(leaf)];
    }
    let weights: Vec<usize> = (0..leaf.len()).map(|i| leaf.entry_len(i)).collect();
    let bounds = cut(&weights, g.capacity, append);
    let mut start = 0;
    let mut parts = Vec::with_capacity(bounds.len() + 1);
    for end in bounds.into_iter().chain([leaf.len()]) {
        let mut one = Leaf::with_capacity(leaf.data_len(start..end), end - start);
        one.extend_from(&leaf, start..end);
        parts.push(part(one));
        start = end;
    }
    parts
}

fn branch_parts(g: &Geometry, keys: Keys, children: Vec<Child>) -> Vec<Part> {
    let n = children.len();
    if n * BRANCH_CHILD_LEN + keys.body_len() <= g.capacity {
        return vec![(
            None,
            Child::Node(Arc::new(Node::Branch {
                keys,
                children: children.into(),
            })),
        )];
    }
    // Weight of child i = its pointer plus the separator before it.
    let weights: Vec<usize> = (0..n)
        .map(|i| BRANCH_CHILD_LEN + i.checked_sub(1).map_or(0, |k| branch_key_len(keys.get(k))))
        .collect();
    let bounds = cut(&weights, g.capacity, false);
    // Run [start, end) holds children[start..end] with the keys between them; the key
    // before `start` separates it from the run before.
    let mut parts = Vec::with_capacity(bounds.len() + 1);
    let mut children = children.into_iter();
    let mut start: usize = 0;
    for end in bounds.into_iter().chain([n]) {
        let sep = start.checked_sub(1).map(|k| Bytes::from(keys.get(k)));
        let mut run = Keys::with_capacity(keys.data_len() / 2, end - start);
        run.extend_from(&keys, start..end - 1);
        let node = Node::Branch {
            keys: run,
            children: children.by_ref().take(end - start).collect(),
        };
        parts.push((sep, Child::Node(Arc::new(node))));
        start = end;
    }
    parts
}

/// A positioned walk over a key range, forwards or backwards.
pub struct Cursor {
    pager: Arc<Pager>,
    /// Path from the root: node and, for branches, the child index being walked;
    /// for the leaf, the next entry (forward) or entries left (reverse).
    stack: Vec<(Arc<Node>, usize)>,
    lower: Bound<Bytes>,
    upper: Bound<Bytes>,
    reverse: bool,
    done: bool,
}

fn child_index(keys: &Keys, bound: &Bound<Bytes>, reverse: bool) -> usize {
    match bound {
        Bound::Unbounded if reverse => keys.len(),
        Bound::Unbounded => 0,
        Bound::Included(k) => keys.partition_point(|s| s <= &**k),
        Bound::Excluded(k) if reverse => keys.partition_point(|s| s < &**k),
        Bound::Excluded(k) => keys.partition_point(|s| s <= &**k),
    }
}

impl Cursor {
    /// A cursor over `(lower, upper)` in `root`.
    pub fn new(
        pager: Arc<Pager>,
        root: &Option<Child>,
        lower: Bound<Bytes>,
        upper: Bound<Bytes>,
        reverse: bool,
    ) -> Result<Self> {
        let mut c = Cursor {
            pager,
            stack: Vec::new(),
            lower,
            upper,
            reverse,
            done: root.is_none(),
        };
        if let Some(root) = root {
            let node = c.pager.resolve(root)?;
            c.descend(node, true)?;
        }
        Ok(c)
    }

    /// Descends from `node` to a leaf; `seek` positions by the start bound,
    /// otherwise at the near edge.
    fn descend(&mut self, mut node: Arc<Node>, seek: bool) -> Result<()> {
        let start = if self.reverse {
            self.upper.clone()
        } else {
            self.lower.clone()
        };
        loop {
            match &*node {
                Node::Branch { keys, children } => {
                    let i = if seek {
                        child_index(keys, &start, self.reverse)
                    } else if self.reverse {
                        children.len() - 1
                    } else {
                        0
                    };
                    let next = self.pager.resolve(&children[i])?;
                    self.stack.push((node, i));
                    node = next;
                }
                Node::Leaf(leaf) => {
                    let pos = match (&start, seek, self.reverse) {
                        (_, false, false) => 0,
                        (_, false, true) => leaf.len(),
                        (Bound::Unbounded, true, false) => 0,
                        (Bound::Unbounded, true, true) => leaf.len(),
                        (Bound::Included(k), true, false) | (Bound::Excluded(k), true, true) => {
                            leaf.partition_point_from(0, |e| e < &**k)
                        }
                        (Bound::Excluded(k), true, false) | (Bound::Included(k), true, true) => {
                            leaf.partition_point_from(0, |e| e <= &**k)
                        }
                    };
                    self.stack.push((node, pos));
                    return Ok(());
                }
            }
        }
    }

    /// Moves to the next leaf after the current one is used up.
    fn next_leaf(&mut self) -> Result<bool> {
        self.stack.pop();
        while let Some((node, i)) = self.stack.pop() {
            let Node::Branch { children, .. } = &*node else {
                continue;
            };
            let next = if self.reverse {
                i.checked_sub(1)
            } else {
                Some(i + 1).filter(|&n| n < children.len())
            };
            if let Some(n) = next {
                let child = self.pager.resolve(&children[n])?;
                self.stack.push((node, n));
                self.descend(child, false)?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether `key`, met walking in the cursor's direction, is still in range.
    fn in_range(reverse: bool, lower: &Bound<Bytes>, upper: &Bound<Bytes>, key: &[u8]) -> bool {
        if reverse {
            match lower {
                Bound::Unbounded => true,
                Bound::Included(l) => key >= &**l,
                Bound::Excluded(l) => key > &**l,
            }
        } else {
            match upper {
                Bound::Unbounded => true,
                Bound::Included(u) => key <= &**u,
                Bound::Excluded(u) => key < &**u,
            }
        }
    }

    /// Moves to the next entry in range: the leaf on top of the stack holds it at the
    /// returned index. None at the end.
    fn advance(&mut self) -> Result<Option<usize>> {
        loop {
            if self.done {
                return Ok(None);
            }
            let Some((node, pos)) = self.stack.last_mut() else {
                self.done = true;
                return Ok(None);
            };
            let Node::Leaf(leaf) = &**node else {
                self.done = true;
                return Ok(None);
            };
            let at = if self.reverse {
                pos.checked_sub(1)
            } else {
                Some(*pos).filter(|&p| p < leaf.len())
            };
            let Some(i) = at else {
                if !self.next_leaf()? {
                    self.done = true;
                    return Ok(None);
                }
                continue;
            };
            *pos = if self.reverse { i } else { i + 1 };
            if !Self::in_range(self.reverse, &self.lower, &self.upper, leaf.key(i)) {
                self.done = true;
                return Ok(None);
            }
            return Ok(Some(i));
        }
    }

    /// The leaf [`Cursor::advance`] left on top of the stack.
    fn leaf(&self) -> Option<&Leaf> {
        match self.stack.last().map(|(n, _)| &**n) {
            Some(Node::Leaf(leaf)) => Some(leaf),
            _ => None,
        }
    }

    /// The next `(key, value)` in range, as the stored [`Val`] (not yet resolved).
    pub fn next_raw(&mut self) -> Result<Option<(Bytes, Val)>> {
        let Some(i) = self.advance()? else {
            return Ok(None);
        };
        Ok(self
            .leaf()
            .map(|leaf| (leaf.key(i).into(), leaf.value(i).to_val())))
    }

    /// Calls `f` with each `(key, value)` in range, borrowed from the leaf (overflow
    /// values read in), until it returns false: a scan that decodes rows in place
    /// copies no key or value.
    pub fn visit(&mut self, f: &mut dyn FnMut(&[u8], &[u8]) -> Result<bool>) -> Result<()> {
        while let Some(i) = self.advance()? {
            let Some(leaf) = self.leaf() else {
                return Ok(());
            };
            let key = leaf.key(i);
            let go = match leaf.value(i) {
                ValRef::Inline(v) => f(key, v)?,
                ValRef::Shared(v) => f(key, v)?,
                v @ ValRef::Overflow { .. } => f(key, &self.pager.value(&v.to_val())?)?,
            };
            if !go {
                self.done = true;
                return Ok(());
            }
        }
        Ok(())
    }

    /// The next `(key, value)` in range, with overflow values read in.
    pub fn next_entry(&mut self) -> Result<Option<(Bytes, Bytes)>> {
        match self.next_raw()? {
            None => Ok(None),
            Some((k, v)) => Ok(Some((k, self.pager.value(&v)?))),
        }
    }
}

impl Iterator for Cursor {
    type Item = Result<(Bytes, Bytes)>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().transpose()
    }
}

/// What identifies a node across two versions of a tree: a durable page, or an
/// in-memory node. Two versions reaching the same identity share that whole subtree.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum NodeId {
    Page(u64),
    Mem(usize),
}

fn node_id(c: &Child) -> NodeId {
    match c {
        Child::Page { id, .. } => NodeId::Page(*id),
        Child::Node(n) => NodeId::Mem(Arc::as_ptr(n) as usize),
    }
}

/// Every node identity of the tree under `root`; leaves are named by their parent's
/// pointer and not read.
fn node_ids(p: &Pager, root: &Child) -> Result<std::collections::HashSet<NodeId>> {
    let mut ids = std::collections::HashSet::new();
    let mut stack = vec![root.clone()];
    while let Some(c) = stack.pop() {
        if !ids.insert(node_id(&c)) {
            continue;
        }
        if let Child::Page { flags, .. } = c {
            if flags & super::page::F_LEAF != 0 {
                continue;
            }
        }
        if let Node::Branch { children, .. } = &*p.resolve(&c)? {
            stack.extend(children.iter().cloned());
        }
    }
    Ok(ids)
}

/// The leaves, in key order, under `root` that are not inside a subtree named in
/// `skip`; the identities met in `skip` go to `met`, if given.
fn unshared_leaves(
    p: &Pager,
    root: &Child,
    skip: &std::collections::HashSet<NodeId>,
    mut met: Option<&mut std::collections::HashSet<NodeId>>,
) -> Result<Vec<Arc<Node>>> {
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(c) = stack.pop() {
        let id = node_id(&c);
        if skip.contains(&id) {
            if let Some(m) = met.as_deref_mut() {
                m.insert(id);
            }
            continue;
        }
        let node = p.resolve(&c)?;
        match &*node {
            Node::Leaf(_) => out.push(node),
            Node::Branch { children, .. } => stack.extend(children.iter().rev().cloned()),
        }
    }
    Ok(out)
}

/// The entries of `leaves`, in order, by reference.
fn entries_of(leaves: &[Arc<Node>]) -> impl Iterator<Item = (&[u8], ValRef<'_>)> {
    leaves.iter().flat_map(|n| {
        let leaf = match &**n {
            Node::Leaf(leaf) => Some(leaf),
            Node::Branch { .. } => None,
        };
        leaf.into_iter().flat_map(|l| l.iter())
    })
}

/// The bytes of a leaf value, following an overflow chain if needed.
fn value_of(p: &Pager, v: ValRef<'_>) -> Result<Bytes> {
    match v {
        ValRef::Shared(b) => Ok(b.clone()),
        other => p.value(&other.to_val()),
    }
}

/// Whether two leaf values hold the same bytes (reading overflow chains only when needed).
fn same_value(p: &Pager, a: ValRef<'_>, b: ValRef<'_>) -> Result<bool> {
    Ok(match (a, b) {
        (ValRef::Overflow { page: x, len: lx }, ValRef::Overflow { page: y, len: ly })
            if x == y && lx == ly =>
        {
            true
        }
        _ => match (a.in_memory(), b.in_memory()) {
            (Some(x), Some(y)) => x == y,
            _ => value_of(p, a)? == value_of(p, b)?,
        },
    })
}

/// One key whose value differs between two versions of a tree.
pub struct Difference {
    pub key: Bytes,
    /// The value in the first version (`None`: absent there).
    pub old: Option<Bytes>,
    /// The value in the second version.
    pub new: Option<Bytes>,
}

/// The keys whose values differ between the trees under `a` and `b`, in key order.
///
/// Copy-on-write versions of one tree share every subtree neither changed: a subtree
/// whose root `b` reaches and `a` also reaches is skipped unread, so the work grows
/// with the leaves that changed (plus one pass over `a`'s branch nodes), not with the
/// size of the tree. A key is in an unshared leaf of one version exactly when it is
/// not in a shared leaf of the other (keys are unique within a version), so merging
/// the unshared leaves' entries of both yields every difference.
pub fn diff(p: &Pager, a: &Option<Child>, b: &Option<Child>) -> Result<Vec<Difference>> {
    let empty = std::collections::HashSet::new();
    let (la, lb) = match (a, b) {
        (None, None) => return Ok(Vec::new()),
        (Some(a), None) => (unshared_leaves(p, a, &empty, None)?, Vec::new()),
        (None, Some(b)) => (Vec::new(), unshared_leaves(p, b, &empty, None)?),
        (Some(a), Some(b)) => {
            if node_id(a) == node_id(b) {
                return Ok(Vec::new());
            }
            let in_a = node_ids(p, a)?;
            let mut shared = std::collections::HashSet::new();
            let lb = unshared_leaves(p, b, &in_a, Some(&mut shared))?;
            drop(in_a);
            (unshared_leaves(p, a, &shared, None)?, lb)
        }
    };
    let mut out = Vec::new();
    let (mut ia, mut ib) = (entries_of(&la).peekable(), entries_of(&lb).peekable());
    loop {
        let ord = match (ia.peek(), ib.peek()) {
            (None, None) => break,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some((ka, _)), Some((kb, _))) => ka.cmp(kb),
        };
        match ord {
            std::cmp::Ordering::Less => {
                if let Some((key, v)) = ia.next() {
                    out.push(Difference {
                        key: key.into(),
                        old: Some(value_of(p, v)?),
                        new: None,
                    });
                }
            }
            std::cmp::Ordering::Greater => {
                if let Some((key, v)) = ib.next() {
                    out.push(Difference {
                        key: key.into(),
                        old: None,
                        new: Some(value_of(p, v)?),
                    });
                }
            }
            std::cmp::Ordering::Equal => {
                if let (Some((key, va)), Some((_, vb))) = (ia.next(), ib.next()) {
                    if !same_value(p, va, vb)? {
                        out.push(Difference {
                            key: key.into(),
                            old: Some(value_of(p, va)?),
                            new: Some(value_of(p, vb)?),
                        });
                    }
                }
            }
        }
    }
    Ok(out)
}
