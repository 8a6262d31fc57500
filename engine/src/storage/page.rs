//! Pages: the on-disk unit, and the in-memory B+tree nodes they decode into.
//!
//! Every page starts with a 32-byte header (DESIGN.md, "Page format"):
//!
//! | bytes  | field                                                   |
//! |--------|---------------------------------------------------------|
//! | 0..4   | CRC32 (crc32fast) of bytes 4..page_size                 |
//! | 4      | kind: 1 branch, 2 leaf, 3 overflow, 4 meta              |
//! | 5      | format version (1)                                      |
//! | 6..8   | reserved, zero                                          |
//! | 8..16  | page id (guards against misdirected reads and writes)   |
//! | 16..24 | generation: the checkpoint that wrote the page          |
//! | 24..28 | body length                                             |
//! | 28..32 | reserved, zero                                          |
//!
//! Bodies: a leaf is `u32 n` then n entries `key(varbytes) tag(u8)` followed by
//! `value(varbytes)` (tag 0, inline) or `page(u64) len(u64)` (tag 1, overflow).
//! A branch is `u32 n` then n children `page(u64) flags(u8)` then n-1 separator
//! keys (varbytes). Overflow and meta pages hold `next(u64)` then raw data.

use std::sync::Arc;

use super::codec::{var_len, Reader, Writer};
pub use super::leaf::{Keys, Leaf, ValRef};

/// A page number in the page file. Page 0 is the superblock area and never a data page.
pub type PageId = u64;
/// Shared immutable bytes: what reads return and writes hand to the tree.
pub type Bytes = Arc<[u8]>;

/// Size of the page header.
pub const HEADER: usize = 32;
/// Format version written into every page.
pub const PAGE_FORMAT: u8 = 1;

/// Page kinds, as stored in header byte 4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageKind {
    Branch = 1,
    Leaf = 2,
    Overflow = 3,
    Meta = 4,
}

impl PageKind {
    fn from_u8(b: u8) -> Option<Self> {
        Some(match b {
            1 => PageKind::Branch,
            2 => PageKind::Leaf,
            3 => PageKind::Overflow,
            4 => PageKind::Meta,
            _ => return None,
        })
    }
}

/// Child-pointer flag: the child is a leaf.
pub const F_LEAF: u8 = 1;
/// Child-pointer flag: the child is a leaf holding overflow values (GC must read it).
pub const F_OVERFLOW: u8 = 2;

/// A pointer from a branch (or a tree root) to a node.
#[derive(Clone)]
pub enum Child {
    /// A durable page, read through the page cache.
    Page { id: PageId, flags: u8 },
    /// A node that exists only in memory until the next checkpoint writes it.
    Node(Arc<Node>),
}

/// Children per [`Children`] chunk.
const CHUNK: usize = 16;

/// A branch's children, in chunks of [`CHUNK`] shared between versions of the branch.
/// Copying a branch to replace one child (every write below it) then clones a pointer
/// per chunk and the one chunk that changes, instead of every child: each in-memory
/// child is an `Arc` whose count sits on its own cache line, and a branch holds up to
/// a few hundred. Every chunk but the last is full.
#[derive(Clone, Default)]
pub struct Children {
    chunks: Vec<Arc<[Child]>>,
    len: usize,
}

impl Children {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Child> + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// Replaces child `i`, copying only its chunk.
    pub fn set(&mut self, i: usize, child: Child) {
        let chunk = &mut self.chunks[i / CHUNK];
        let mut v = chunk.to_vec();
        v[i % CHUNK] = child;
        *chunk = v.into();
    }

    /// Calls `f` on every child of the chunks `pick` selects, copying those chunks
    /// when they are shared.
    pub fn update(&mut self, pick: impl Fn(&Child) -> bool, mut f: impl FnMut(&mut Child)) {
        for chunk in &mut self.chunks {
            if !chunk.iter().any(&pick) {
                continue;
            }
            if Arc::get_mut(chunk).is_none() {
                *chunk = chunk.to_vec().into();
            }
            if let Some(children) = Arc::get_mut(chunk) {
                children.iter_mut().for_each(&mut f);
            }
        }
    }
}

impl std::ops::Index<usize> for Children {
    type Output = Child;

    fn index(&self, i: usize) -> &Child {
        &self.chunks[i / CHUNK][i % CHUNK]
    }
}

impl FromIterator<Child> for Children {
    fn from_iter<I: IntoIterator<Item = Child>>(iter: I) -> Self {
        let mut iter = iter.into_iter().peekable();
        let mut out = Children::default();
        while iter.peek().is_some() {
            let chunk: Arc<[Child]> = iter.by_ref().take(CHUNK).collect();
            out.len += chunk.len();
            out.chunks.push(chunk);
        }
        out
    }
}

impl From<Vec<Child>> for Children {
    fn from(v: Vec<Child>) -> Self {
        v.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a Children {
    type Item = &'a Child;
    type IntoIter = Box<dyn DoubleEndedIterator<Item = &'a Child> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// A value in a leaf.
#[derive(Clone, Debug)]
pub enum Val {
    Inline(Bytes),
    /// A value stored in a chain of overflow pages (written at checkpoint).
    Overflow {
        page: PageId,
        len: u64,
    },
}

impl Val {
    /// Bytes this value takes in a serialized leaf.
    pub fn encoded_len(&self, inline_max: usize) -> usize {
        match self {
            Val::Inline(b) if b.len() <= inline_max => 1 + var_len(b.len() as u64) + b.len(),
            _ => 1 + 16,
        }
    }
}

/// A decoded B+tree node.
#[derive(Clone)]
pub enum Node {
    /// Sorted `(key, value)` entries.
    Leaf(Leaf),
    /// `children[i]` holds keys in `[keys[i-1], keys[i])`; `keys.len() == children.len() - 1`.
    Branch { keys: Keys, children: Children },
}

/// Geometry derived from the page size: how much a node may hold.
#[derive(Clone, Copy, Debug)]
pub struct Geometry {
    pub page_size: usize,
    /// Body bytes available to a node (page size minus header and count).
    pub capacity: usize,
    /// Largest value kept inline in a leaf page; larger ones go to overflow pages.
    pub inline_max: usize,
    /// Largest key accepted.
    pub key_max: usize,
}

impl Geometry {
    pub fn new(page_size: usize) -> Self {
        let capacity = page_size - HEADER - 4;
        Geometry {
            page_size,
            capacity,
            inline_max: capacity / 4 - 32,
            key_max: capacity / 4 - 32,
        }
    }
    /// Data bytes per overflow/meta page.
    pub fn chain_data(&self) -> usize {
        self.page_size - HEADER - 8
    }
}

/// Serialized size of one leaf entry.
pub fn leaf_entry_len(g: &Geometry, key: &[u8], val: &Val) -> usize {
    var_len(key.len() as u64) + key.len() + val.encoded_len(g.inline_max)
}

/// Serialized size of one branch separator key.
pub fn branch_key_len(key: &[u8]) -> usize {
    var_len(key.len() as u64) + key.len()
}

/// Serialized size of a branch child pointer.
pub const BRANCH_CHILD_LEN: usize = 9;

impl Node {
    /// Serialized body size (without header and count).
    pub fn body_len(&self) -> usize {
        match self {
            Node::Leaf(leaf) => leaf.body_len(),
            Node::Branch { keys, children } => children.len() * BRANCH_CHILD_LEN + keys.body_len(),
        }
    }

    /// Approximate memory held by this node, for cache accounting.
    pub fn mem_size(&self) -> usize {
        match self {
            Node::Leaf(leaf) => leaf.mem_size(),
            Node::Branch { keys, children } => 64 + children.len() * 24 + keys.mem_size(),
        }
    }

    pub fn is_leaf(&self) -> bool {
        matches!(self, Node::Leaf(_))
    }

    /// Flags a parent stores for this node once written.
    pub fn flags(&self) -> u8 {
        match self {
            Node::Leaf(leaf) => {
                if leaf.has_overflow() {
                    F_LEAF | F_OVERFLOW
                } else {
                    F_LEAF
                }
            }
            Node::Branch { .. } => 0,
        }
    }
}

/// Writes the header and CRC around an already-filled body.
fn seal(buf: &mut [u8], kind: PageKind, id: PageId, generation: u64, body_len: usize) {
    buf[4] = kind as u8;
    buf[5] = PAGE_FORMAT;
    buf[6..8].fill(0);
    buf[8..16].copy_from_slice(&id.to_le_bytes());
    buf[16..24].copy_from_slice(&generation.to_le_bytes());
    buf[24..28].copy_from_slice(&(body_len as u32).to_le_bytes());
    buf[28..32].fill(0);
    let end = HEADER + body_len;
    buf[end..].fill(0);
    let crc = crc32fast::hash(&buf[4..]);
    buf[0..4].copy_from_slice(&crc.to_le_bytes());
}

/// Serializes a node whose children and values are all durable into a page image.
/// Children must be `Child::Page` and large values `Val::Overflow` (the checkpoint
/// writer arranges that); anything else is a programming error reported as `None`.
pub fn encode_node(g: &Geometry, node: &Node, id: PageId, generation: u64) -> Option<Vec<u8>> {
    let mut w = Writer::with_capacity(g.page_size);
    w.buf.resize(HEADER, 0);
    let kind = match node {
        Node::Leaf(leaf) => {
            w.u32(leaf.len() as u32);
            for (k, v) in leaf.iter() {
                w.bytes(k);
                match v {
                    ValRef::Inline(b) => {
                        w.u8(0);
                        w.bytes(b);
                    }
                    ValRef::Shared(_) => return None,
                    ValRef::Overflow { page, len } => {
                        w.u8(1);
                        w.u64(page);
                        w.u64(len);
                    }
                }
            }
            PageKind::Leaf
        }
        Node::Branch { keys, children } => {
            w.u32(children.len() as u32);
            for c in children {
                match c {
                    Child::Page { id, flags } => {
                        w.u64(*id);
                        w.u8(*flags);
                    }
                    Child::Node(_) => return None,
                }
            }
            for k in keys.iter() {
                w.bytes(k);
            }
            PageKind::Branch
        }
    };
    let body_len = w.buf.len() - HEADER;
    if w.buf.len() > g.page_size {
        return None;
    }
    w.buf.resize(g.page_size, 0);
    seal(&mut w.buf, kind, id, generation, body_len);
    Some(w.buf)
}

/// Builds one page of an overflow or meta chain.
pub fn encode_chain_page(
    g: &Geometry,
    kind: PageKind,
    id: PageId,
    generation: u64,
    next: PageId,
    data: &[u8],
) -> Vec<u8> {
    let mut buf = vec![0u8; g.page_size];
    buf[HEADER..HEADER + 8].copy_from_slice(&next.to_le_bytes());
    buf[HEADER + 8..HEADER + 8 + data.len()].copy_from_slice(data);
    seal(&mut buf, kind, id, generation, 8 + data.len());
    buf
}

/// What went wrong when checking a page image; the pager adds file and offset.
pub type PageFault = String;

/// Verifies the checksum and identity of a page image and returns its kind and body.
pub fn check_page(buf: &[u8], id: PageId) -> Result<(PageKind, &[u8]), PageFault> {
    if buf.len() < HEADER {
        return Err("short page".into());
    }
    let stored = u32::from_le_bytes(buf[0..4].try_into().unwrap_or_default());
    let actual = crc32fast::hash(&buf[4..]);
    if stored != actual {
        return Err(format!(
            "checksum mismatch (stored {stored:#010x}, computed {actual:#010x})"
        ));
    }
    let kind = PageKind::from_u8(buf[4]).ok_or_else(|| format!("unknown page kind {}", buf[4]))?;
    if buf[5] != PAGE_FORMAT {
        return Err(format!("unknown page format {}", buf[5]));
    }
    let stored_id = u64::from_le_bytes(buf[8..16].try_into().unwrap_or_default());
    if stored_id != id {
        return Err(format!("page claims to be page {stored_id}"));
    }
    let body_len = u32::from_le_bytes(buf[24..28].try_into().unwrap_or_default()) as usize;
    let body = buf
        .get(HEADER..HEADER + body_len)
        .ok_or_else(|| format!("body length {body_len} too large"))?;
    Ok((kind, body))
}

/// Decodes a checked branch or leaf body.
pub fn decode_node(kind: PageKind, body: &[u8]) -> Result<Node, PageFault> {
    let mut r = Reader::new(body);
    let bad = || "truncated node body".to_string();
    let n = r.u32().ok_or_else(bad)? as usize;
    match kind {
        PageKind::Leaf => {
            let mut leaf = Leaf::with_capacity(body.len(), n.min(4096));
            for _ in 0..n {
                let k = r.bytes().ok_or_else(bad)?;
                let v = match r.u8().ok_or_else(bad)? {
                    0 => ValRef::Inline(r.bytes().ok_or_else(bad)?),
                    1 => ValRef::Overflow {
                        page: r.u64().ok_or_else(bad)?,
                        len: r.u64().ok_or_else(bad)?,
                    },
                    t => return Err(format!("unknown value tag {t}")),
                };
                leaf.push(k, v);
            }
            Ok(Node::Leaf(leaf))
        }
        PageKind::Branch => {
            if n == 0 {
                return Err("branch without children".into());
            }
            let mut children = Vec::with_capacity(n.min(4096));
            for _ in 0..n {
                let id = r.u64().ok_or_else(bad)?;
                let flags = r.u8().ok_or_else(bad)?;
                children.push(Child::Page { id, flags });
            }
            let mut keys = Keys::with_capacity(body.len(), n - 1);
            for _ in 1..n {
                keys.push(r.bytes().ok_or_else(bad)?);
            }
            Ok(Node::Branch {
                keys,
                children: children.into(),
            })
        }
        other => Err(format!("expected a tree node, found a {other:?} page")),
    }
}

/// Splits a checked chain page body into `(next, data)`.
pub fn decode_chain(body: &[u8]) -> Result<(PageId, &[u8]), PageFault> {
    let next = body.get(0..8).ok_or("truncated chain page")?;
    Ok((
        u64::from_le_bytes(next.try_into().unwrap_or_default()),
        &body[8..],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_chunks_share_and_copy() {
        let page = |id: u64| Child::Page { id, flags: 0 };
        let id = |c: &Child| match c {
            Child::Page { id, .. } => *id,
            Child::Node(_) => u64::MAX,
        };
        let a: Children = (0..40).map(page).collect();
        assert_eq!(a.len(), 40);
        assert_eq!(
            a.iter().map(id).collect::<Vec<_>>(),
            (0..40).collect::<Vec<_>>()
        );
        assert_eq!(a.iter().rev().map(id).next(), Some(39));
        let mut b = a.clone();
        b.set(17, page(1000));
        b.set(39, Child::Node(Arc::new(Node::Leaf(Leaf::default()))));
        // The copy changed, the original did not, and only the changed chunks differ.
        assert_eq!(
            (id(&a[17]), id(&b[17]), id(&b[16]), id(&b[39])),
            (17, 1000, 16, u64::MAX)
        );
        assert!(Arc::ptr_eq(&a.chunks[0], &b.chunks[0]));
        assert!(!Arc::ptr_eq(&a.chunks[1], &b.chunks[1]));
        // Only chunks holding a picked child are visited (and copied when shared).
        let mut seen = Vec::new();
        b.update(
            |c| matches!(c, Child::Node(_)),
            |c| {
                seen.push(id(c));
                if let Child::Node(_) = c {
                    *c = page(2000);
                }
            },
        );
        assert_eq!(seen.len(), 8, "the last chunk only: {seen:?}");
        assert_eq!((id(&b[39]), id(&a[39]), b.len()), (2000, 39, 40));
        assert!(Arc::ptr_eq(&a.chunks[0], &b.chunks[0]));
    }

    #[test]
    fn leaf_and_branch_round_trip() {
        let g = Geometry::new(4096);
        let mut entries = Leaf::default();
        entries.push(b"a", ValRef::Inline(b"1"));
        entries.push(
            b"b",
            ValRef::Overflow {
                page: 9,
                len: 100_000,
            },
        );
        let leaf = Node::Leaf(entries);
        let img = encode_node(&g, &leaf, 5, 1).unwrap();
        assert_eq!(img.len(), 4096);
        let (kind, body) = check_page(&img, 5).unwrap();
        let Node::Leaf(e) = decode_node(kind, body).unwrap() else {
            panic!("not a leaf")
        };
        assert_eq!(e.key(0), b"a");
        assert!(matches!(
            e.value(1),
            ValRef::Overflow {
                page: 9,
                len: 100_000
            }
        ));
        assert_eq!(leaf.flags(), F_LEAF | F_OVERFLOW);

        let mut keys = Keys::default();
        keys.push(b"m");
        let br = Node::Branch {
            keys,
            children: vec![
                Child::Page {
                    id: 3,
                    flags: F_LEAF,
                },
                Child::Page { id: 4, flags: 0 },
            ]
            .into(),
        };
        let img = encode_node(&g, &br, 6, 1).unwrap();
        assert!(check_page(&img, 7).is_err(), "misdirected read is caught");
        let (kind, body) = check_page(&img, 6).unwrap();
        assert!(matches!(
            decode_node(kind, body).unwrap(),
            Node::Branch { .. }
        ));
    }

    #[test]
    fn any_flipped_byte_is_caught() {
        let g = Geometry::new(4096);
        let mut entries = Leaf::default();
        entries.push(b"k", ValRef::Inline(b"v"));
        let leaf = Node::Leaf(entries);
        let img = encode_node(&g, &leaf, 2, 1).unwrap();
        for i in (0..img.len()).step_by(97) {
            let mut bad = img.clone();
            bad[i] ^= 0x40;
            assert!(check_page(&bad, 2).is_err(), "flip at {i} undetected");
        }
    }
}
