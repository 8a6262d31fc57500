//! The meta blob a checkpoint writes (as a chain of meta pages) and the
//! superblock points to: the registry of clusters, each cluster's durable state
//! and retained history, its timeline, and the free-page list.
//!
//! Layout (all integers little-endian or LEB128 varints, see `codec`):
//! `u32 format | u64 generation | u64 next_cluster_id | u64 replay_lsn |
//!  var n_clusters | cluster* | var n_free_runs | (var start, var len)*`.
//! A cluster is `u64 id | str name | u64 retention_us | u64 created_us |
//!  u64 next_tree | opt(str source, u64 seq) | state (current) |
//!  var n_history | state* | var n_commits | commit*`, where a state is
//! `u64 seq | u64 time_us | u64 lsn | var n_trees | (var tree, u64 page, u8 flags, var count)*`
//! and a commit is `var seq | var time_us | var lsn | var end | opt(u32 file, u64 pos)`.

use std::collections::BTreeSet;

use super::codec::{Reader, Writer};
use super::page::PageId;
use super::record::BinlogCoord;

const META_FORMAT: u32 = 1;

/// One commit on a cluster's timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommitEntry {
    /// Per-cluster commit sequence number.
    pub seq: u64,
    /// Commit time, µs since the Unix epoch; strictly increasing per cluster.
    pub time_us: u64,
    /// Where its log record starts and ends.
    pub lsn: u64,
    pub end: u64,
    /// Where its binlog events end, once the binlog writer fills it in.
    pub binlog: Option<BinlogCoord>,
}

/// A durable state as stored in the meta blob.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DurableState {
    pub seq: u64,
    pub time_us: u64,
    pub lsn: u64,
    pub trees: Vec<(u64, PageId, u8, u64)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterMeta {
    pub id: u64,
    pub name: String,
    pub retention_us: u64,
    pub created_us: u64,
    pub next_tree: u64,
    pub source: Option<(String, u64)>,
    pub current: DurableState,
    pub history: Vec<DurableState>,
    pub commits: Vec<CommitEntry>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    pub generation: u64,
    pub next_cluster_id: u64,
    pub replay_lsn: u64,
    pub clusters: Vec<ClusterMeta>,
    pub free: BTreeSet<PageId>,
}

fn put_state(w: &mut Writer, s: &DurableState) {
    w.u64(s.seq);
    w.u64(s.time_us);
    w.u64(s.lsn);
    w.var(s.trees.len() as u64);
    for (tree, page, flags, count) in &s.trees {
        w.var(*tree);
        w.u64(*page);
        w.u8(*flags);
        w.var(*count);
    }
}

fn get_state(r: &mut Reader) -> Option<DurableState> {
    let seq = r.u64()?;
    let time_us = r.u64()?;
    let lsn = r.u64()?;
    let n = r.var()?;
    let mut trees = Vec::with_capacity(n.min(1 << 16) as usize);
    for _ in 0..n {
        trees.push((r.var()?, r.u64()?, r.u8()?, r.var()?));
    }
    Some(DurableState {
        seq,
        time_us,
        lsn,
        trees,
    })
}

impl Meta {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(4096);
        w.u32(META_FORMAT);
        w.u64(self.generation);
        w.u64(self.next_cluster_id);
        w.u64(self.replay_lsn);
        w.var(self.clusters.len() as u64);
        for c in &self.clusters {
            w.u64(c.id);
            w.str(&c.name);
            w.u64(c.retention_us);
            w.u64(c.created_us);
            w.u64(c.next_tree);
            match &c.source {
                None => w.u8(0),
                Some((name, seq)) => {
                    w.u8(1);
                    w.str(name);
                    w.u64(*seq);
                }
            }
            put_state(&mut w, &c.current);
            w.var(c.history.len() as u64);
            for h in &c.history {
                put_state(&mut w, h);
            }
            w.var(c.commits.len() as u64);
            for e in &c.commits {
                w.var(e.seq);
                w.var(e.time_us);
                w.var(e.lsn);
                w.var(e.end);
                match e.binlog {
                    None => w.u8(0),
                    Some(b) => {
                        w.u8(1);
                        w.u32(b.file);
                        w.u64(b.pos);
                    }
                }
            }
        }
        // Free pages as runs of consecutive ids.
        let mut runs: Vec<(u64, u64)> = Vec::new();
        for &id in &self.free {
            match runs.last_mut() {
                Some((start, len)) if *start + *len == id => *len += 1,
                _ => runs.push((id, 1)),
            }
        }
        w.var(runs.len() as u64);
        for (s, l) in runs {
            w.var(s);
            w.var(l);
        }
        w.buf
    }

    pub fn decode(buf: &[u8]) -> Option<Meta> {
        let mut r = Reader::new(buf);
        if r.u32()? != META_FORMAT {
            return None;
        }
        let generation = r.u64()?;
        let next_cluster_id = r.u64()?;
        let replay_lsn = r.u64()?;
        let n = r.var()?;
        let mut clusters = Vec::new();
        for _ in 0..n {
            let id = r.u64()?;
            let name = r.str()?;
            let retention_us = r.u64()?;
            let created_us = r.u64()?;
            let next_tree = r.u64()?;
            let source = match r.u8()? {
                0 => None,
                1 => Some((r.str()?, r.u64()?)),
                _ => return None,
            };
            let current = get_state(&mut r)?;
            let nh = r.var()?;
            let mut history = Vec::new();
            for _ in 0..nh {
                history.push(get_state(&mut r)?);
            }
            let nc = r.var()?;
            let mut commits = Vec::with_capacity(nc.min(1 << 20) as usize);
            for _ in 0..nc {
                let seq = r.var()?;
                let time_us = r.var()?;
                let lsn = r.var()?;
                let end = r.var()?;
                let binlog = match r.u8()? {
                    0 => None,
                    1 => Some(BinlogCoord {
                        file: r.u32()?,
                        pos: r.u64()?,
                    }),
                    _ => return None,
                };
                commits.push(CommitEntry {
                    seq,
                    time_us,
                    lsn,
                    end,
                    binlog,
                });
            }
            clusters.push(ClusterMeta {
                id,
                name,
                retention_us,
                created_us,
                next_tree,
                source,
                current,
                history,
                commits,
            });
        }
        let nr = r.var()?;
        let mut free = BTreeSet::new();
        for _ in 0..nr {
            let s = r.var()?;
            let l = r.var()?;
            if l > (1 << 40) {
                return None;
            }
            free.extend(s..s + l);
        }
        r.is_empty().then_some(Meta {
            generation,
            next_cluster_id,
            replay_lsn,
            clusters,
            free,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let m = Meta {
            generation: 4,
            next_cluster_id: 3,
            replay_lsn: 999,
            clusters: vec![ClusterMeta {
                id: 1,
                name: "borealis".into(),
                retention_us: 86_400_000_000,
                created_us: 5,
                next_tree: 1030,
                source: Some(("src".into(), 17)),
                current: DurableState {
                    seq: 9,
                    time_us: 10,
                    lsn: 11,
                    trees: vec![(1024, 7, 1, 3)],
                },
                history: vec![DurableState::default()],
                commits: vec![CommitEntry {
                    seq: 9,
                    time_us: 10,
                    lsn: 1,
                    end: 11,
                    binlog: Some(BinlogCoord { file: 1, pos: 4 }),
                }],
            }],
            free: [5, 6, 7, 10].into_iter().collect(),
        };
        assert_eq!(Meta::decode(&m.encode()), Some(m));
    }
}
