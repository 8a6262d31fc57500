//! B+tree node contents in memory, packed: a leaf's entries, and a branch's separator
//! keys, each in one buffer.
//!
//! Copy-on-write copies a leaf, and the branches above it, for every commit that changes
//! one of its keys. Packed, that copy is a few `memcpy`s of contiguous runs; as vectors of
//! separately allocated keys and values it was hundreds of reference-count updates
//! scattered over the heap (and as many again when the old version was freed), which
//! dominated the commit path of small write transactions on secondary-index leaves of
//! many short entries. A value too large to stay inline in a page is not copied: it is
//! kept shared (`Stored::Shared`) until the checkpoint moves it to an overflow chain.

use std::ops::Range;

use super::codec::var_len;
use super::page::{Bytes, Geometry, PageId, Val};

/// Where an entry's value lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stored {
    /// In `data`, right after the key; `vlen` bytes.
    Inline,
    /// `shared[vlen]`: a value larger than a page may hold inline, not yet written.
    Shared,
    /// In an overflow chain; `data` holds the chain's first page and length (16 bytes).
    Overflow,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    /// Offset of the key in `data` (a leaf being merged, before it is cut into pages,
    /// may hold a whole bulk load).
    off: usize,
    klen: u32,
    vlen: u32,
    stored: Stored,
}

/// Bytes an overflow reference takes in `data`.
const OVERFLOW_REF: u32 = 16;

impl Slot {
    /// Bytes this entry takes in `data`.
    fn data_len(&self) -> usize {
        self.klen as usize
            + match self.stored {
                Stored::Inline => self.vlen as usize,
                Stored::Shared => 0,
                Stored::Overflow => OVERFLOW_REF as usize,
            }
    }

    /// Bytes this entry takes in a serialized leaf body (see `page::leaf_entry_len`).
    fn encoded_len(&self) -> usize {
        let key = var_len(u64::from(self.klen)) + self.klen as usize;
        key + match self.stored {
            Stored::Inline => 1 + var_len(u64::from(self.vlen)) + self.vlen as usize,
            Stored::Shared | Stored::Overflow => 1 + 16,
        }
    }
}

/// A leaf value, borrowed from its leaf.
#[derive(Clone, Copy, Debug)]
pub enum ValRef<'a> {
    Inline(&'a [u8]),
    /// A large value held by reference until the checkpoint writes it out.
    Shared(&'a Bytes),
    Overflow {
        page: PageId,
        len: u64,
    },
}

impl ValRef<'_> {
    /// An owned copy (a shared value is shared, not copied).
    pub fn to_val(self) -> Val {
        match self {
            ValRef::Inline(b) => Val::Inline(b.into()),
            ValRef::Shared(b) => Val::Inline(b.clone()),
            ValRef::Overflow { page, len } => Val::Overflow { page, len },
        }
    }

    /// The bytes, when they are in memory (not in an overflow chain).
    pub fn in_memory(&self) -> Option<&[u8]> {
        match self {
            ValRef::Inline(b) => Some(b),
            ValRef::Shared(b) => Some(b),
            ValRef::Overflow { .. } => None,
        }
    }
}

/// Sorted `(key, value)` entries of one leaf.
#[derive(Clone, Debug, Default)]
pub struct Leaf {
    /// Keys, inline values and overflow references, in entry order.
    data: Vec<u8>,
    slots: Vec<Slot>,
    shared: Vec<Bytes>,
    /// Serialized body size of all entries (without the count).
    body: usize,
}

impl Leaf {
    /// An empty leaf with room for about `data` bytes in `entries` entries.
    pub fn with_capacity(data: usize, entries: usize) -> Self {
        Leaf {
            data: Vec::with_capacity(data),
            slots: Vec::with_capacity(entries),
            shared: Vec::new(),
            body: 0,
        }
    }

    /// A leaf of `entries`, which must be sorted by key and unique.
    pub fn from_entries<'a>(
        g: &Geometry,
        entries: impl IntoIterator<Item = (&'a [u8], &'a Val)>,
    ) -> Self {
        let mut leaf = Leaf::default();
        for (k, v) in entries {
            leaf.push_val(g, k, v);
        }
        leaf
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn key(&self, i: usize) -> &[u8] {
        let s = &self.slots[i];
        &self.data[s.off..s.off + s.klen as usize]
    }

    pub fn value(&self, i: usize) -> ValRef<'_> {
        let s = &self.slots[i];
        let at = s.off + s.klen as usize;
        match s.stored {
            Stored::Inline => ValRef::Inline(&self.data[at..at + s.vlen as usize]),
            Stored::Shared => ValRef::Shared(&self.shared[s.vlen as usize]),
            Stored::Overflow => {
                let word = |o: usize| {
                    u64::from_le_bytes(self.data[o..o + 8].try_into().unwrap_or_default())
                };
                ValRef::Overflow {
                    page: word(at),
                    len: word(at + 8),
                }
            }
        }
    }

    /// The entries, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], ValRef<'_>)> + '_ {
        (0..self.len()).map(|i| (self.key(i), self.value(i)))
    }

    /// Binary search for `key`: `Ok(index)` if present, else where it would go.
    pub fn find(&self, key: &[u8]) -> Result<usize, usize> {
        let i = self.partition_point_from(0, |k| k < key);
        match i < self.len() && self.key(i) == key {
            true => Ok(i),
            false => Err(i),
        }
    }

    /// The number of leading entries whose key satisfies `pred` (which must hold for a
    /// prefix of the entries), searching from `from`.
    pub fn partition_point_from(&self, from: usize, pred: impl Fn(&[u8]) -> bool) -> usize {
        partition_point(from, self.len(), |i| pred(self.key(i)))
    }

    /// Serialized body size (without the entry count).
    pub fn body_len(&self) -> usize {
        self.body
    }

    /// Serialized size of entry `i`.
    pub fn entry_len(&self, i: usize) -> usize {
        self.slots[i].encoded_len()
    }

    /// Approximate memory held, for cache accounting.
    pub fn mem_size(&self) -> usize {
        96 + self.data.capacity()
            + self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.shared.iter().map(|b| 16 + b.len()).sum::<usize>()
    }

    pub fn has_overflow(&self) -> bool {
        self.slots.iter().any(|s| s.stored == Stored::Overflow)
    }

    /// Whether some value is held shared (too large for the page, not yet written out).
    pub fn has_shared(&self) -> bool {
        !self.shared.is_empty()
    }

    /// Appends an entry (keys must arrive in order).
    pub fn push(&mut self, key: &[u8], val: ValRef<'_>) {
        let off = self.data.len();
        self.data.extend_from_slice(key);
        let (vlen, stored) = match val {
            ValRef::Inline(b) => {
                self.data.extend_from_slice(b);
                (b.len() as u32, Stored::Inline)
            }
            ValRef::Shared(b) => {
                self.shared.push(b.clone());
                ((self.shared.len() - 1) as u32, Stored::Shared)
            }
            ValRef::Overflow { page, len } => {
                self.data.extend_from_slice(&page.to_le_bytes());
                self.data.extend_from_slice(&len.to_le_bytes());
                (OVERFLOW_REF, Stored::Overflow)
            }
        };
        let slot = Slot {
            off,
            klen: key.len() as u32,
            vlen,
            stored,
        };
        self.body += slot.encoded_len();
        self.slots.push(slot);
    }

    /// Appends an entry with an owned value: inline when it fits a page, else shared.
    pub fn push_bytes(&mut self, g: &Geometry, key: &[u8], val: &Bytes) {
        if val.len() <= g.inline_max {
            self.push(key, ValRef::Inline(val));
        } else {
            self.push(key, ValRef::Shared(val));
        }
    }

    /// Appends an entry with an owned [`Val`].
    pub fn push_val(&mut self, g: &Geometry, key: &[u8], val: &Val) {
        match val {
            Val::Inline(b) => self.push_bytes(g, key, b),
            Val::Overflow { page, len } => self.push(
                key,
                ValRef::Overflow {
                    page: *page,
                    len: *len,
                },
            ),
        }
    }

    /// Appends the entries `range` of `other` (keys must arrive in order): their bytes
    /// are one contiguous run of `other.data`, copied at once.
    pub fn extend_from(&mut self, other: &Leaf, range: Range<usize>) {
        let run = &other.slots[range];
        let (Some(first), Some(last)) = (run.first(), run.last()) else {
            return;
        };
        let from = first.off;
        let to = last.off + last.data_len();
        let base = self.data.len();
        self.data.extend_from_slice(&other.data[from..to]);
        self.slots.reserve(run.len());
        for s in run {
            let mut s = *s;
            s.off = s.off - from + base;
            if s.stored == Stored::Shared {
                self.shared.push(other.shared[s.vlen as usize].clone());
                s.vlen = (self.shared.len() - 1) as u32;
            }
            self.body += s.encoded_len();
            self.slots.push(s);
        }
    }

    /// Bytes of `data` the entries `range` take.
    pub fn data_len(&self, range: Range<usize>) -> usize {
        self.slots[range].iter().map(Slot::data_len).sum()
    }
}

/// The first index in `lo..hi` where `pred` fails (it must hold on a prefix).
fn partition_point(mut lo: usize, mut hi: usize, pred: impl Fn(usize) -> bool) -> usize {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The separator keys of a branch, packed into one buffer.
#[derive(Clone, Debug, Default)]
pub struct Keys {
    data: Vec<u8>,
    /// End offset in `data` of each key.
    ends: Vec<usize>,
    /// Serialized size of all keys.
    body: usize,
}

impl Keys {
    pub fn with_capacity(data: usize, keys: usize) -> Self {
        Keys {
            data: Vec::with_capacity(data),
            ends: Vec::with_capacity(keys),
            body: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Key `i`; `i` must be in range.
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    /// Key `i`, if there is one.
    pub fn at(&self, i: usize) -> Option<&[u8]> {
        (i < self.len()).then(|| self.get(i))
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    pub fn push(&mut self, key: &[u8]) {
        self.data.extend_from_slice(key);
        self.ends.push(self.data.len());
        self.body += var_len(key.len() as u64) + key.len();
    }

    /// Appends the keys `range` of `other` with one copy of their bytes.
    pub fn extend_from(&mut self, other: &Keys, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        let from = if range.start == 0 {
            0
        } else {
            other.ends[range.start - 1]
        };
        let base = self.data.len();
        self.data
            .extend_from_slice(&other.data[from..other.ends[range.end - 1]]);
        let mut prev = from;
        for &end in &other.ends[range] {
            self.body += var_len((end - prev) as u64) + (end - prev);
            self.ends.push(end - from + base);
            prev = end;
        }
    }

    /// The number of leading keys satisfying `pred` (which must hold for a prefix).
    pub fn partition_point(&self, pred: impl Fn(&[u8]) -> bool) -> usize {
        partition_point(0, self.len(), |i| pred(self.get(i)))
    }

    /// Serialized size of all keys (see `page::branch_key_len`).
    pub fn body_len(&self) -> usize {
        self.body
    }

    /// Bytes of key data.
    pub fn data_len(&self) -> usize {
        self.data.len()
    }

    /// Approximate memory held, for cache accounting.
    pub fn mem_size(&self) -> usize {
        48 + self.data.capacity() + 8 * self.ends.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g() -> Geometry {
        Geometry::new(4096)
    }

    #[test]
    fn entries_round_trip_and_runs_copy_whole() {
        let g = g();
        let big: Bytes = vec![7u8; g.inline_max + 1].into();
        let vals = [
            Val::Inline(b"one".as_slice().into()),
            Val::Overflow { page: 9, len: 5000 },
            Val::Inline(big.clone()),
            Val::Inline(Bytes::from(&[][..])),
        ];
        let keys: [&[u8]; 4] = [b"a", b"bb", b"c", b"dddd"];
        let leaf = Leaf::from_entries(&g, keys.iter().copied().zip(vals.iter()));
        assert_eq!(leaf.len(), 4);
        assert_eq!(leaf.key(1), b"bb");
        assert!(matches!(leaf.value(0), ValRef::Inline(b"one")));
        assert!(matches!(
            leaf.value(1),
            ValRef::Overflow { page: 9, len: 5000 }
        ));
        assert!(matches!(leaf.value(2), ValRef::Shared(b) if std::sync::Arc::ptr_eq(b, &big)));
        assert!(matches!(leaf.value(3), ValRef::Inline(b"")));
        assert!(leaf.has_overflow() && leaf.has_shared());
        let expect: usize = keys
            .iter()
            .zip(vals.iter())
            .map(|(k, v)| super::super::page::leaf_entry_len(&g, k, v))
            .sum();
        assert_eq!(leaf.body_len(), expect);

        let mut copy = Leaf::default();
        copy.push(b"0", ValRef::Inline(b"zero"));
        copy.extend_from(&leaf, 1..4);
        assert_eq!(copy.len(), 4);
        assert_eq!(copy.key(0), b"0");
        assert_eq!(copy.key(3), b"dddd");
        assert!(matches!(
            copy.value(1),
            ValRef::Overflow { page: 9, len: 5000 }
        ));
        assert!(matches!(copy.value(2), ValRef::Shared(b) if b.len() == g.inline_max + 1));
        assert_eq!(copy.find(b"c"), Ok(2));
        assert_eq!(copy.find(b"bc"), Err(2));
        assert_eq!(copy.partition_point_from(0, |k| k <= b"bb"), 2);
        assert_eq!(
            copy.body_len(),
            leaf.body_len() - leaf.entry_len(0) + copy.entry_len(0)
        );
    }

    #[test]
    fn keys_copy_runs_whole() {
        let mut keys = Keys::default();
        for k in [&b"a"[..], b"bcd", b"bcz", b"ef"] {
            keys.push(k);
        }
        let mut copy = Keys::default();
        copy.push(b"0");
        copy.extend_from(&keys, 1..4);
        assert_eq!(
            copy.iter().collect::<Vec<_>>(),
            [&b"0"[..], b"bcd", b"bcz", b"ef"]
        );
        assert_eq!(copy.at(4), None);
        assert_eq!(copy.partition_point(|k| k <= b"bcd"), 2);
        let len = |k: &[u8]| super::super::page::branch_key_len(k);
        assert_eq!(copy.body_len(), copy.iter().map(len).sum::<usize>());
    }
}
