//! The pager: page file I/O with checksums, the superblock pair, page allocation,
//! and node reads through the cache.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::cache::Cache;
use super::page::{
    check_page, decode_chain, decode_node, encode_chain_page, Child, Geometry, Node, PageId,
    PageKind, Val,
};
use super::store::PageStore;
use crate::error::{Error, Result};

/// Byte offsets of the two superblock copies inside page 0's area.
pub const SUPERBLOCK_SLOTS: [u64; 2] = [0, 2048];
const SUPERBLOCK_LEN: usize = 52;
const MAGIC: &[u8; 8] = b"BOREALIS";
const VOLUME_FORMAT: u32 = 1;

/// The root of everything durable: which meta chain describes the volume.
///
/// | bytes  | field                                   |
/// |--------|-----------------------------------------|
/// | 0..8   | magic `BOREALIS`                        |
/// | 8..12  | volume format version (1)               |
/// | 12..16 | page size                               |
/// | 16..24 | generation (checkpoint number)          |
/// | 24..32 | first page of the meta chain            |
/// | 32..40 | meta length in bytes                    |
/// | 40..48 | page count (next never-used page id)    |
/// | 48..52 | CRC32 of bytes 0..48                    |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Superblock {
    pub page_size: u32,
    pub generation: u64,
    pub meta_head: PageId,
    pub meta_len: u64,
    pub page_count: u64,
}

impl Superblock {
    fn encode(&self) -> [u8; SUPERBLOCK_LEN] {
        let mut b = [0u8; SUPERBLOCK_LEN];
        b[0..8].copy_from_slice(MAGIC);
        b[8..12].copy_from_slice(&VOLUME_FORMAT.to_le_bytes());
        b[12..16].copy_from_slice(&self.page_size.to_le_bytes());
        b[16..24].copy_from_slice(&self.generation.to_le_bytes());
        b[24..32].copy_from_slice(&self.meta_head.to_le_bytes());
        b[32..40].copy_from_slice(&self.meta_len.to_le_bytes());
        b[40..48].copy_from_slice(&self.page_count.to_le_bytes());
        let crc = crc32fast::hash(&b[0..48]);
        b[48..52].copy_from_slice(&crc.to_le_bytes());
        b
    }

    fn decode(b: &[u8]) -> Option<Superblock> {
        if b.len() < SUPERBLOCK_LEN || &b[0..8] != MAGIC {
            return None;
        }
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap_or_default());
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        if u32_at(48) != crc32fast::hash(&b[0..48]) || u32_at(8) != VOLUME_FORMAT {
            return None;
        }
        Some(Superblock {
            page_size: u32_at(12),
            generation: u64_at(16),
            meta_head: u64_at(24),
            meta_len: u64_at(32),
            page_count: u64_at(40),
        })
    }

    /// Reads both copies and returns the valid one with the highest generation.
    pub fn read(store: &dyn PageStore) -> Result<Option<Superblock>> {
        let len = store
            .len()
            .map_err(|e| Error::io("reading the page file length", e))?;
        if len == 0 {
            return Ok(None);
        }
        let mut best: Option<Superblock> = None;
        for off in SUPERBLOCK_SLOTS {
            let mut b = [0u8; SUPERBLOCK_LEN];
            if off + SUPERBLOCK_LEN as u64 > len {
                continue;
            }
            store
                .read_at(off, &mut b)
                .map_err(|e| Error::io("reading the superblock", e))?;
            if let Some(sb) = Superblock::decode(&b) {
                if best.is_none_or(|cur| sb.generation > cur.generation) {
                    best = Some(sb);
                }
            }
        }
        match best {
            Some(sb) => Ok(Some(sb)),
            None => Err(Error::Corrupt {
                file: store.path().to_path_buf(),
                page: 0,
                offset: 0,
                detail: "neither superblock copy is valid".into(),
            }),
        }
    }

    /// Writes this superblock into the slot its generation selects and syncs.
    /// The other slot keeps the previous generation, so a torn write loses nothing.
    pub fn write(&self, store: &dyn PageStore) -> Result<()> {
        let off = SUPERBLOCK_SLOTS[(self.generation % 2) as usize];
        store
            .write_at(off, &self.encode())
            .map_err(|e| Error::io("writing the superblock", e))?;
        store
            .sync()
            .map_err(|e| Error::io("syncing the superblock", e))
    }
}

struct Alloc {
    free: BTreeSet<PageId>,
    next: PageId,
}

/// Page I/O, allocation and the cache.
pub struct Pager {
    store: Arc<dyn PageStore>,
    pub geo: Geometry,
    pub cache: Cache,
    alloc: Mutex<Alloc>,
    path: PathBuf,
}

impl Pager {
    pub fn new(
        store: Arc<dyn PageStore>,
        page_size: usize,
        cache_bytes: usize,
        next: PageId,
        free: BTreeSet<PageId>,
    ) -> Self {
        let path = store.path().to_path_buf();
        Pager {
            store,
            geo: Geometry::new(page_size),
            cache: Cache::new(cache_bytes),
            alloc: Mutex::new(Alloc {
                free,
                next: next.max(1),
            }),
            path,
        }
    }

    pub fn store(&self) -> &dyn PageStore {
        &*self.store
    }

    fn offset(&self, id: PageId) -> u64 {
        id * self.geo.page_size as u64
    }

    fn corrupt(&self, id: PageId, detail: String) -> Error {
        Error::Corrupt {
            file: self.path.clone(),
            page: id,
            offset: self.offset(id),
            detail,
        }
    }

    /// Reads a page image and verifies its checksum and identity (invariant 2).
    pub fn read_raw(&self, id: PageId) -> Result<Vec<u8>> {
        if id == 0 {
            return Err(self.corrupt(id, "reference to page 0".into()));
        }
        let mut buf = vec![0u8; self.geo.page_size];
        self.store
            .read_at(self.offset(id), &mut buf)
            .map_err(|e| Error::io(format!("reading page {id} of {}", self.path.display()), e))?;
        check_page(&buf, id).map_err(|d| self.corrupt(id, d))?;
        Ok(buf)
    }

    /// The decoded node of a durable page, from the cache or the disk.
    pub fn read_node(&self, id: PageId) -> Result<Arc<Node>> {
        if let Some(n) = self.cache.get(id) {
            return Ok(n);
        }
        let buf = self.read_raw(id)?;
        let (kind, body) = check_page(&buf, id).map_err(|d| self.corrupt(id, d))?;
        let node = Arc::new(decode_node(kind, body).map_err(|d| self.corrupt(id, d))?);
        self.cache.insert(id, node.clone());
        Ok(node)
    }

    /// The node a child pointer leads to.
    pub fn resolve(&self, child: &Child) -> Result<Arc<Node>> {
        match child {
            Child::Node(n) => Ok(n.clone()),
            Child::Page { id, .. } => self.read_node(*id),
        }
    }

    /// The bytes of a leaf value, following an overflow chain if needed.
    pub fn value(&self, v: &Val) -> Result<super::page::Bytes> {
        match v {
            Val::Inline(b) => Ok(b.clone()),
            Val::Overflow { page, len } => {
                Ok(self.read_chain(*page, *len, PageKind::Overflow)?.into())
            }
        }
    }

    /// Reads `len` bytes from the chain starting at `first`.
    pub fn read_chain(&self, first: PageId, len: u64, kind: PageKind) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0).min(1 << 30));
        let mut id = first;
        while (out.len() as u64) < len {
            if id == 0 {
                return Err(self.corrupt(
                    first,
                    format!("chain ends after {} of {len} bytes", out.len()),
                ));
            }
            let buf = self.read_raw(id)?;
            let (k, body) = check_page(&buf, id).map_err(|d| self.corrupt(id, d))?;
            if k != kind {
                return Err(self.corrupt(id, format!("expected a {kind:?} page, found {k:?}")));
            }
            let (next, data) = decode_chain(body).map_err(|d| self.corrupt(id, d))?;
            let want = (len - out.len() as u64).min(data.len() as u64) as usize;
            out.extend_from_slice(&data[..want]);
            id = next;
        }
        Ok(out)
    }

    /// The page ids of a chain (for GC and space accounting).
    pub fn chain_pages(&self, first: PageId, len: u64) -> Result<Vec<PageId>> {
        let per = self.geo.chain_data() as u64;
        let n = len.div_ceil(per).max(1);
        let mut ids = Vec::with_capacity(n as usize);
        let mut id = first;
        for _ in 0..n {
            if id == 0 {
                return Err(self.corrupt(first, "chain shorter than its length".into()));
            }
            ids.push(id);
            let buf = self.read_raw(id)?;
            let (_, body) = check_page(&buf, id).map_err(|d| self.corrupt(id, d))?;
            id = decode_chain(body).map_err(|d| self.corrupt(id, d))?.0;
        }
        Ok(ids)
    }

    /// Writes `data` as a new chain of `kind` pages; returns the first page.
    pub fn write_chain(&self, data: &[u8], kind: PageKind, generation: u64) -> Result<PageId> {
        let per = self.geo.chain_data();
        let n = data.len().div_ceil(per).max(1);
        let ids: Vec<PageId> = (0..n).map(|_| self.alloc()).collect();
        for (i, id) in ids.iter().enumerate() {
            let chunk = &data[(i * per).min(data.len())..((i + 1) * per).min(data.len())];
            let next = ids.get(i + 1).copied().unwrap_or(0);
            let img = encode_chain_page(&self.geo, kind, *id, generation, next, chunk);
            self.write_raw(*id, &img)?;
        }
        Ok(ids[0])
    }

    /// Writes a sealed page image. Only pages no durable snapshot reaches are
    /// ever passed here (invariant 1).
    pub fn write_raw(&self, id: PageId, img: &[u8]) -> Result<()> {
        self.store
            .write_at(self.offset(id), img)
            .map_err(|e| Error::io(format!("writing page {id} of {}", self.path.display()), e))
    }

    pub fn sync(&self) -> Result<()> {
        self.store
            .sync()
            .map_err(|e| Error::io(format!("syncing {}", self.path.display()), e))
    }

    /// A page no retained snapshot reaches: from the free set, else a new one.
    pub fn alloc(&self) -> PageId {
        let mut a = self.alloc.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(id) = a.free.pop_first() {
            return id;
        }
        let id = a.next;
        a.next += 1;
        id
    }

    /// Returns pages to the free set (GC found them unreachable).
    pub fn free(&self, ids: impl IntoIterator<Item = PageId>) {
        let mut a = self.alloc.lock().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            self.cache.remove(id);
            a.free.insert(id);
        }
    }

    /// Puts allocation back to `(free set, page count)` as [`Pager::alloc_state`] gave
    /// it: a checkpoint that failed before its superblock was written gives back the
    /// pages it took (nothing durable refers to them).
    pub fn reset_alloc(&self, free: BTreeSet<PageId>, next: PageId) {
        let mut a = self.alloc.lock().unwrap_or_else(|e| e.into_inner());
        a.free = free;
        a.next = next.max(1);
    }

    /// `(free set, page count)` right now.
    pub fn alloc_state(&self) -> (BTreeSet<PageId>, PageId) {
        let a = self.alloc.lock().unwrap_or_else(|e| e.into_inner());
        (a.free.clone(), a.next)
    }
}
