//! The page cache: decoded durable nodes by page id, bounded in bytes, evicted with
//! CLOCK. Sharded so that concurrent readers rarely meet on one mutex.
//!
//! Only durable (checkpointed) nodes live here; nodes that exist only in memory
//! are owned by the trees that point at them and are not evictable until a
//! checkpoint writes them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::page::{Node, PageId};

const SHARDS: usize = 16;

struct Slot {
    id: PageId,
    node: Option<Arc<Node>>,
    size: usize,
    referenced: bool,
}

#[derive(Default)]
struct Shard {
    map: HashMap<PageId, usize>,
    slots: Vec<Slot>,
    free: Vec<usize>,
    hand: usize,
    bytes: usize,
    /// Counted here, under the lock already held: one shared counter would be a cache
    /// line every reader writes.
    hits: u64,
    misses: u64,
}

impl Shard {
    fn evict_one(&mut self) -> bool {
        let n = self.slots.len();
        if n == 0 || self.map.is_empty() {
            return false;
        }
        for _ in 0..2 * n + 1 {
            let i = self.hand % n;
            self.hand = (i + 1) % n;
            let slot = &mut self.slots[i];
            if slot.node.is_none() {
                continue;
            }
            if slot.referenced {
                slot.referenced = false;
                continue;
            }
            self.bytes -= slot.size;
            slot.node = None;
            self.map.remove(&slot.id);
            self.free.push(i);
            return true;
        }
        false
    }
}

/// Counters reported by the benchmark and `SHOW STATUS`.
#[derive(Default, Debug, Clone, Copy)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub bytes: u64,
    pub capacity: u64,
}

/// A bounded map from page id to decoded node.
pub struct Cache {
    shards: Vec<Mutex<Shard>>,
    shard_capacity: usize,
}

impl Cache {
    /// A cache holding about `capacity` bytes of decoded nodes.
    pub fn new(capacity: usize) -> Self {
        Cache {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            shard_capacity: (capacity / SHARDS).max(1),
        }
    }

    fn shard(&self, id: PageId) -> std::sync::MutexGuard<'_, Shard> {
        let h = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 60;
        self.shards[h as usize % SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The cached node for `id`, if present.
    pub fn get(&self, id: PageId) -> Option<Arc<Node>> {
        let mut s = self.shard(id);
        let found = s.map.get(&id).copied().and_then(|i| {
            let slot = &mut s.slots[i];
            if !slot.referenced {
                slot.referenced = true;
            }
            slot.node.clone()
        });
        match &found {
            Some(_) => s.hits += 1,
            None => s.misses += 1,
        };
        found
    }

    /// Inserts (or replaces) the node for `id`, evicting others to stay in bounds.
    pub fn insert(&self, id: PageId, node: Arc<Node>) {
        let size = node.mem_size();
        let cap = self.shard_capacity;
        let mut s = self.shard(id);
        if let Some(&i) = s.map.get(&id) {
            let old = s.slots[i].size;
            s.slots[i].node = Some(node);
            s.slots[i].size = size;
            s.slots[i].referenced = true;
            s.bytes = s.bytes - old + size;
            return;
        }
        while s.bytes + size > cap && s.evict_one() {}
        let slot = Slot {
            id,
            node: Some(node),
            size,
            referenced: false,
        };
        let i = match s.free.pop() {
            Some(i) => {
                s.slots[i] = slot;
                i
            }
            None => {
                s.slots.push(slot);
                s.slots.len() - 1
            }
        };
        s.map.insert(id, i);
        s.bytes += size;
    }

    /// Drops the entry for a page that was freed.
    pub fn remove(&self, id: PageId) {
        let mut s = self.shard(id);
        if let Some(i) = s.map.remove(&id) {
            s.bytes -= s.slots[i].size;
            s.slots[i].node = None;
            s.free.push(i);
        }
    }

    pub fn stats(&self) -> CacheStats {
        let mut st = CacheStats {
            capacity: (self.shard_capacity * SHARDS) as u64,
            ..CacheStats::default()
        };
        for s in &self.shards {
            let s = s.lock().unwrap_or_else(|e| e.into_inner());
            st.hits += s.hits;
            st.misses += s.misses;
            st.bytes += s.bytes as u64;
        }
        st
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_capacity() {
        let cache = Cache::new(64 * 1024);
        for id in 1..10_000u64 {
            let mut leaf = super::super::page::Leaf::default();
            leaf.push(&[0u8; 100], super::super::page::ValRef::Inline(&[1u8; 200]));
            let node = Node::Leaf(leaf);
            cache.insert(id, Arc::new(node));
        }
        let st = cache.stats();
        assert!(st.bytes <= st.capacity + 1024, "{st:?}");
        assert!(cache.get(9_999).is_some());
    }
}
