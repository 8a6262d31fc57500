//! Log records: what the write-ahead log holds (DESIGN.md, "Log record format").
//!
//! A commit record carries everything later layers need to render MySQL binlog
//! events deterministically without a log format change: commit time, server id,
//! the statement texts, every tree change with its full before and after image,
//! tree creation and removal (DDL), a slot for the binlog coordinate, and an
//! opaque `extra` blob for session context the SQL layer wants to keep. A rewind's
//! record (backtrack) instead names the commit whose state it restores
//! ([`CommitRecord::rewind_to`]) and carries its binlog events, not the changes.

use super::codec::{Reader, Writer};
use super::page::Bytes;

/// Current record format; written as the first byte of every payload.
const RECORD_FORMAT: u8 = 1;

/// Where a commit's events end in the binlog: file number and end position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BinlogCoord {
    pub file: u32,
    pub pos: u64,
}

/// What a commit's binlog hook wrote: the coordinate, and what the commit record keeps
/// for recovery to write the events again if the binlog file loses them
/// ([`CommitRecord::binlog_events`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BinlogWrite {
    pub coord: BinlogCoord,
    pub events: KeptEvents,
}

/// How a commit record keeps its binlog events (DESIGN "Durability and the log" 3): the
/// log's fsync makes them durable with the record, and recovery writes back any the
/// binlog file lost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum KeptEvents {
    /// Not kept: no events, or so many that the hook fsynced the binlog itself.
    #[default]
    None,
    /// The events' bytes as written (at most [`MAX_KEPT_BINLOG_EVENTS`]), ending at the
    /// coordinate.
    Bytes(Vec<u8>),
    /// What renders the events again from the record's own changes (their before and
    /// after images), opaque here: a row-logged transaction's events are a function of
    /// its row images and of a few facts of the moment (session state, table
    /// definitions), so the record need not hold the rows twice.
    Render(Vec<u8>),
}

impl KeptEvents {
    pub fn is_none(&self) -> bool {
        matches!(self, KeptEvents::None)
    }

    fn len(&self) -> usize {
        match self {
            KeptEvents::None => 0,
            KeptEvents::Bytes(b) | KeptEvents::Render(b) => b.len(),
        }
    }
}

/// The most binlog bytes a commit record keeps; a binlog hook that wrote more fsyncs the
/// binlog before the record is logged instead.
pub const MAX_KEPT_BINLOG_EVENTS: usize = 64 << 20;

/// One SQL statement of a transaction, as the client sent it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Statement {
    /// The current database when it ran.
    pub db: String,
    pub text: String,
}

/// One change to one tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    CreateTree {
        tree: u64,
    },
    DropTree {
        tree: u64,
    },
    /// Insert (`before` = None) or update of `key`; `stmt` indexes `statements`.
    Put {
        tree: u64,
        key: Bytes,
        before: Option<Bytes>,
        after: Bytes,
        stmt: u32,
    },
    /// Removal of `key`, with the value it had.
    Delete {
        tree: u64,
        key: Bytes,
        before: Bytes,
        stmt: u32,
    },
}

impl Change {
    /// A row change's tree and its before and after images (`None` for tree creation and
    /// removal).
    pub fn images(&self) -> Option<(u64, Option<&[u8]>, Option<&[u8]>)> {
        match self {
            Change::Put {
                tree,
                before,
                after,
                ..
            } => Some((*tree, before.as_deref(), Some(&after[..]))),
            Change::Delete { tree, before, .. } => Some((*tree, Some(&before[..]), None)),
            Change::CreateTree { .. } | Change::DropTree { .. } => None,
        }
    }
}

/// A committed transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommitRecord {
    pub cluster: u64,
    pub seq: u64,
    pub time_us: u64,
    pub server_id: u32,
    pub binlog: Option<BinlogCoord>,
    /// The commit's binlog events, ending at `binlog`, as kept for recovery.
    pub binlog_events: KeptEvents,
    pub statements: Vec<Statement>,
    pub changes: Vec<Change>,
    pub extra: Vec<u8>,
    /// A rewind (backtrack): the new state is the state after commit `rewind_to` with
    /// `changes` applied on top, instead of the state before with `changes` applied. The
    /// record names the target instead of holding every change back to it, so its size
    /// does not grow with what the rewind undoes.
    pub rewind_to: Option<u64>,
}

/// Everything the log can hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    Commit(CommitRecord),
    CreateCluster {
        id: u64,
        name: String,
        retention_us: u64,
        time_us: u64,
    },
    /// A new cluster whose timeline starts at `source` as of commit `source_seq`.
    Fork {
        id: u64,
        name: String,
        source: u64,
        source_seq: u64,
        retention_us: u64,
        time_us: u64,
    },
    DropCluster {
        id: u64,
    },
    SetRetention {
        id: u64,
        retention_us: u64,
    },
}

impl CommitRecord {
    /// An upper bound of the encoded size (to refuse a record the log cannot hold before
    /// anything is written for it).
    pub fn size_bound(&self) -> usize {
        let changes: usize = self
            .changes
            .iter()
            .map(|c| match c {
                Change::CreateTree { .. } | Change::DropTree { .. } => 11,
                Change::Put {
                    key, before, after, ..
                } => 40 + key.len() + before.as_ref().map_or(0, |b| b.len()) + after.len(),
                Change::Delete { key, before, .. } => 40 + key.len() + before.len(),
            })
            .sum();
        let statements: usize = self
            .statements
            .iter()
            .map(|s| 20 + s.db.len() + s.text.len())
            .sum();
        64 + changes + statements + self.extra.len() + self.binlog_events.len() + 10
    }

    /// The log payload of this commit (as [`Record::Commit`] encodes it), without copying
    /// the record.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(self.size_bound());
        w.u8(RECORD_FORMAT);
        self.encode_into(&mut w);
        w.buf
    }

    fn encode_into(&self, w: &mut Writer) {
        match self.rewind_to {
            None => w.u8(1),
            Some(to) => {
                w.u8(6);
                w.u64(to);
            }
        }
        w.u64(self.cluster);
        w.u64(self.seq);
        w.u64(self.time_us);
        w.u32(self.server_id);
        match self.binlog {
            None => w.u8(0),
            Some(b) => {
                w.u8(match self.binlog_events {
                    KeptEvents::None => 1,
                    KeptEvents::Bytes(_) => 2,
                    KeptEvents::Render(_) => 3,
                });
                w.u32(b.file);
                w.u64(b.pos);
                if let KeptEvents::Bytes(e) | KeptEvents::Render(e) = &self.binlog_events {
                    w.bytes(e);
                }
            }
        }
        w.var(self.statements.len() as u64);
        for s in &self.statements {
            w.str(&s.db);
            w.str(&s.text);
        }
        w.var(self.changes.len() as u64);
        for ch in &self.changes {
            match ch {
                Change::CreateTree { tree } => {
                    w.u8(1);
                    w.var(*tree);
                }
                Change::DropTree { tree } => {
                    w.u8(2);
                    w.var(*tree);
                }
                Change::Put {
                    tree,
                    key,
                    before,
                    after,
                    stmt,
                } => {
                    w.u8(3);
                    w.var(*tree);
                    w.var(u64::from(*stmt));
                    w.bytes(key);
                    w.opt_bytes(before.as_deref());
                    w.bytes(after);
                }
                Change::Delete {
                    tree,
                    key,
                    before,
                    stmt,
                } => {
                    w.u8(4);
                    w.var(*tree);
                    w.var(u64::from(*stmt));
                    w.bytes(key);
                    w.bytes(before);
                }
            }
        }
        w.bytes(&self.extra);
    }
}

impl Record {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(64);
        w.u8(RECORD_FORMAT);
        match self {
            Record::Commit(c) => c.encode_into(&mut w),
            Record::CreateCluster {
                id,
                name,
                retention_us,
                time_us,
            } => {
                w.u8(2);
                w.u64(*id);
                w.str(name);
                w.u64(*retention_us);
                w.u64(*time_us);
            }
            Record::Fork {
                id,
                name,
                source,
                source_seq,
                retention_us,
                time_us,
            } => {
                w.u8(3);
                w.u64(*id);
                w.str(name);
                w.u64(*source);
                w.u64(*source_seq);
                w.u64(*retention_us);
                w.u64(*time_us);
            }
            Record::DropCluster { id } => {
                w.u8(4);
                w.u64(*id);
            }
            Record::SetRetention { id, retention_us } => {
                w.u8(5);
                w.u64(*id);
                w.u64(*retention_us);
            }
        }
        w.buf
    }

    /// Decodes a payload; `None` when it is not a record this version understands.
    pub fn decode(buf: &[u8]) -> Option<Record> {
        let mut r = Reader::new(buf);
        if r.u8()? != RECORD_FORMAT {
            return None;
        }
        let rec = match r.u8()? {
            tag @ (1 | 6) => {
                let rewind_to = if tag == 6 { Some(r.u64()?) } else { None };
                let cluster = r.u64()?;
                let seq = r.u64()?;
                let time_us = r.u64()?;
                let server_id = r.u32()?;
                let tag = r.u8()?;
                let binlog = match tag {
                    0 => None,
                    1..=3 => Some(BinlogCoord {
                        file: r.u32()?,
                        pos: r.u64()?,
                    }),
                    _ => return None,
                };
                let binlog_events = match tag {
                    2 => KeptEvents::Bytes(r.bytes()?.to_vec()),
                    3 => KeptEvents::Render(r.bytes()?.to_vec()),
                    _ => KeptEvents::None,
                };
                let n = r.var()?;
                let mut statements = Vec::with_capacity(n.min(1024) as usize);
                for _ in 0..n {
                    statements.push(Statement {
                        db: r.str()?,
                        text: r.str()?,
                    });
                }
                let n = r.var()?;
                let mut changes = Vec::with_capacity(n.min(1 << 16) as usize);
                for _ in 0..n {
                    changes.push(match r.u8()? {
                        1 => Change::CreateTree { tree: r.var()? },
                        2 => Change::DropTree { tree: r.var()? },
                        3 => Change::Put {
                            tree: r.var()?,
                            stmt: u32::try_from(r.var()?).ok()?,
                            key: r.bytes()?.into(),
                            before: r.opt_bytes()?.map(Into::into),
                            after: r.bytes()?.into(),
                        },
                        4 => Change::Delete {
                            tree: r.var()?,
                            stmt: u32::try_from(r.var()?).ok()?,
                            key: r.bytes()?.into(),
                            before: r.bytes()?.into(),
                        },
                        _ => return None,
                    });
                }
                let extra = r.bytes()?.to_vec();
                Record::Commit(CommitRecord {
                    cluster,
                    seq,
                    time_us,
                    server_id,
                    binlog,
                    binlog_events,
                    statements,
                    changes,
                    extra,
                    rewind_to,
                })
            }
            2 => Record::CreateCluster {
                id: r.u64()?,
                name: r.str()?,
                retention_us: r.u64()?,
                time_us: r.u64()?,
            },
            3 => Record::Fork {
                id: r.u64()?,
                name: r.str()?,
                source: r.u64()?,
                source_seq: r.u64()?,
                retention_us: r.u64()?,
                time_us: r.u64()?,
            },
            4 => Record::DropCluster { id: r.u64()? },
            5 => Record::SetRetention {
                id: r.u64()?,
                retention_us: r.u64()?,
            },
            _ => return None,
        };
        r.is_empty().then_some(rec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_round_trip() {
        let rec = Record::Commit(CommitRecord {
            cluster: 3,
            seq: 42,
            time_us: 1_700_000_000_000_000,
            server_id: 7,
            binlog: Some(BinlogCoord { file: 2, pos: 1234 }),
            binlog_events: KeptEvents::Bytes(vec![0xfe; 40]),
            statements: vec![Statement {
                db: "shop".into(),
                text: "UPDATE t SET a=1".into(),
            }],
            changes: vec![
                Change::CreateTree { tree: 9 },
                Change::Put {
                    tree: 9,
                    key: b"k".as_slice().into(),
                    before: None,
                    after: b"v".as_slice().into(),
                    stmt: 0,
                },
                Change::Delete {
                    tree: 9,
                    key: b"j".as_slice().into(),
                    before: b"old".as_slice().into(),
                    stmt: 0,
                },
                Change::DropTree { tree: 4 },
            ],
            extra: vec![1, 2, 3],
            rewind_to: None,
        });
        assert_eq!(Record::decode(&rec.encode()), Some(rec.clone()));
        // A rewind names its target.
        if let Record::Commit(c) = &rec {
            let rewind = Record::Commit(CommitRecord {
                rewind_to: Some(17),
                ..c.clone()
            });
            let bytes = rewind.encode();
            assert_ne!(bytes, rec.encode());
            assert_eq!(Record::decode(&bytes), Some(rewind));
        }
        // A coordinate without kept events (the binlog was fsynced instead), and one
        // with what renders them again.
        if let Record::Commit(c) = &rec {
            for kept in [KeptEvents::None, KeptEvents::Render(vec![1, 2, 3])] {
                let other = Record::Commit(CommitRecord {
                    binlog_events: kept,
                    ..c.clone()
                });
                assert_eq!(Record::decode(&other.encode()), Some(other));
            }
        }
        let bytes = rec.encode();
        for cut in 0..bytes.len() {
            assert_eq!(Record::decode(&bytes[..cut]), None, "truncated at {cut}");
        }
    }
}
