//! Binlog continuity: the binlog files a new cluster inherits from the cluster (or
//! snapshot) it was made from.
//!
//! A cluster made by a clone, a point-in-time restore or a snapshot restore starts from its
//! source's state after some commit; that commit's binlog coordinate (FILE, POS) is the
//! "Binlog position from crash recovery" the control plane reports. [`inherit`] gives the
//! new cluster's binlog directory the source's files up to that point, so the coordinate
//! is true in the new cluster's own binlog:
//!
//! - every file before FILE that the source's index lists (purged ones are not) is a hard
//!   link to the source's file: shared, not copied. Those files never change again (binlog
//!   invariant 3: only the active file is written, and a file stops being active once and
//!   for all), and nothing rewrites a file in place except the active one's tail and its
//!   Format_description's in-use flag, which is already clear in a closed file. PURGE,
//!   RESET MASTER and DeleteDBCluster unlink, so either side can drop its name for a file
//!   without touching the other's;
//! - FILE itself is a copy of its first POS bytes (it may still be the source's active
//!   file), with the in-use flag of its Format_description cleared. The copy walks the
//!   events' headers, so POS must be an event boundary; its cost is bounded by
//!   `max_binlog_size`, not by the data;
//! - the new index lists them oldest first.
//!
//! When the new cluster's binlog opens ([`super::BinlogDir::open`]) it finds FILE as the
//! last file of a previous run and starts its own writes in the next file number, as MySQL
//! rotates at every start. So `SHOW BINARY LOGS` on the new cluster lists the inherited
//! files, the last one's size is the coordinate, `mysqlbinlog` reads every file, and a
//! replica started at (FILE, POS) on the new cluster receives exactly its later writes
//! (its dump thread moves from the end of FILE to the next file, as after a crash).
//!
//! A snapshot keeps an inherited directory of its own (named like its volume cluster), so
//! a restore from it still has the files after the snapshot's cluster purged or deleted
//! them. The caller makes sure the source's events up to POS are written to FILE before
//! calling (the source's [`super::BinlogDir::flush`]).

use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use super::error::{BinlogError, Result};
use super::event::{BINLOG_MAGIC, HEADER_LEN, LOG_EVENT_BINLOG_IN_USE_F};
use super::files::{file_number, sync_dir};

/// What [`inherit`] made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inherited {
    /// The files of the new index, oldest first (the last one is the copy).
    pub files: Vec<String>,
    /// How many of them are hard links to the source's files.
    pub linked: usize,
    /// Bytes of the copied last file.
    pub copied: u64,
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> BinlogError {
    move |e| BinlogError::io(context, e)
}

/// The files `dir`'s index `{basename}.index` lists, oldest first (missing ones skipped).
fn listed(dir: &Path, basename: &str) -> Result<Vec<String>> {
    let path = dir.join(format!("{basename}.index"));
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(BinlogError::io(format!("reading {}", path.display()), e)),
    };
    Ok(text
        .lines()
        .map(str::trim)
        .map(|l| l.strip_prefix("./").unwrap_or(l))
        .filter(|n| file_number(basename, n).is_some() && dir.join(n).exists())
        .map(str::to_string)
        .collect())
}

/// Fills the new, not yet existing directory `dst` with the binlog files of `src` up to
/// (`last`, `pos`): links for the files before `last`, a copy of `last` cut at `pos`, and
/// an index (see the module docs). On failure `dst` is removed again.
pub fn inherit(src: &Path, dst: &Path, basename: &str, last: &str, pos: u64) -> Result<Inherited> {
    let n = file_number(basename, last)
        .ok_or_else(|| BinlogError::invalid(format!("{last} is not a binlog file name")))?;
    let files = listed(src, basename)?;
    if !files.iter().any(|f| f == last) {
        return Err(BinlogError::NotFound {
            name: last.to_string(),
        });
    }
    if dst.exists() {
        return Err(BinlogError::invalid(format!(
            "{} exists already",
            dst.display()
        )));
    }
    crate::storage::create_private_dir(dst).map_err(io(format!("creating {}", dst.display())))?;
    let made = fill(src, dst, basename, &files, n, last, pos);
    if made.is_err() {
        let _ = fs::remove_dir_all(dst);
    }
    made
}

fn fill(
    src: &Path,
    dst: &Path,
    basename: &str,
    files: &[String],
    n: u64,
    last: &str,
    pos: u64,
) -> Result<Inherited> {
    let mut out = Vec::new();
    for f in files {
        if file_number(basename, f).is_some_and(|m| m < n) {
            fs::hard_link(src.join(f), dst.join(f)).map_err(io(format!(
                "linking {} into {}",
                f,
                dst.display()
            )))?;
            out.push(f.clone());
        }
    }
    let linked = out.len();
    copy_prefix(&src.join(last), &dst.join(last), last, pos)?;
    out.push(last.to_string());
    let mut index = String::new();
    for f in &out {
        index.push_str("./");
        index.push_str(f);
        index.push('\n');
    }
    let path = dst.join(format!("{basename}.index"));
    let mut w = crate::storage::private_options()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io(format!("creating {}", path.display())))?;
    w.write_all(index.as_bytes())
        .and_then(|()| w.sync_all())
        .map_err(io(format!("writing {}", path.display())))?;
    sync_dir(dst)?;
    Ok(Inherited {
        files: out,
        linked,
        copied: pos,
    })
}

/// Copies the first `pos` bytes of binlog file `from` to the new file `to`, event by event
/// (so `pos` must end an event), clearing the Format_description's in-use flag; fsyncs.
fn copy_prefix(from: &Path, to: &Path, name: &str, pos: u64) -> Result<()> {
    let ctx = |what: &str| format!("{what} {}", from.display());
    let f = File::open(from).map_err(io(ctx("opening")))?;
    let len = f.metadata().map_err(io(ctx("reading the size of")))?.len();
    if len < pos {
        return Err(BinlogError::corrupt(
            name,
            len,
            format!("the file ends at {len}, before the coordinate {pos}"),
        ));
    }
    let mut r = BufReader::with_capacity(1 << 20, f);
    let out = crate::storage::private_options()
        .write(true)
        .create_new(true)
        .open(to)
        .map_err(io(format!("creating {}", to.display())))?;
    let mut w = BufWriter::with_capacity(1 << 20, out);
    let mut magic = [0u8; 4];
    r.read_exact(&mut magic).map_err(io(ctx("reading")))?;
    if magic != BINLOG_MAGIC {
        return Err(BinlogError::corrupt(
            name,
            0,
            "not a binlog file (bad magic)",
        ));
    }
    w.write_all(&magic)
        .map_err(io(format!("writing {}", to.display())))?;
    let mut at = BINLOG_MAGIC.len() as u64;
    let mut ev = Vec::new();
    while at < pos {
        let mut head = [0u8; HEADER_LEN];
        r.read_exact(&mut head).map_err(io(ctx("reading")))?;
        let size = u64::from(u32::from_le_bytes([head[9], head[10], head[11], head[12]]));
        if size < HEADER_LEN as u64 || at + size > pos {
            return Err(BinlogError::corrupt(
                name,
                at,
                format!("the event at {at} ({size} bytes) does not end at the coordinate {pos}"),
            ));
        }
        if at == BINLOG_MAGIC.len() as u64 {
            // The Format_description: the copy is a complete file.
            let flags = u16::from_le_bytes([head[17], head[18]]) & !LOG_EVENT_BINLOG_IN_USE_F;
            head[17..19].copy_from_slice(&flags.to_le_bytes());
        }
        ev.clear();
        ev.extend_from_slice(&head);
        ev.resize(size as usize, 0);
        r.read_exact(&mut ev[HEADER_LEN..])
            .map_err(io(ctx("reading")))?;
        w.write_all(&ev)
            .map_err(io(format!("writing {}", to.display())))?;
        at += size;
    }
    let out = w
        .into_inner()
        .map_err(|e| BinlogError::io(format!("writing {}", to.display()), e.into_error()))?;
    out.sync_all()
        .map_err(io(format!("syncing {}", to.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binlog::{BinlogDir, BinlogOptions, Event, Origin, QueryEvent};
    use std::os::unix::fs::MetadataExt;

    fn query(sql: &str) -> Event {
        Event::query(Origin::now(1), &QueryEvent::new("test", sql)).unwrap()
    }

    #[test]
    fn links_older_files_copies_the_last_cut_and_continues_numbering() {
        let root = std::env::temp_dir().join(format!("bl-share-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let src = root.join("src");
        let opts = BinlogOptions::default();
        let a = BinlogDir::open(&src, opts.clone()).unwrap();
        a.append_transaction(&[query("CREATE TABLE t (a INT)")])
            .unwrap();
        a.flush_logs().unwrap();
        let (f2, p2) = a
            .append_transaction(&[query("CREATE TABLE u (a INT)")])
            .unwrap();
        // Written after the coordinate: not inherited.
        a.append_transaction(&[query("CREATE TABLE v (a INT)")])
            .unwrap();
        let dst = root.join("dst");
        let got = inherit(&src, &dst, &opts.basename, &f2, p2).unwrap();
        assert_eq!(got.linked, 1);
        assert_eq!(got.files.last(), Some(&f2));
        let first = &got.files[0];
        assert_eq!(
            fs::metadata(src.join(first)).unwrap().ino(),
            fs::metadata(dst.join(first)).unwrap().ino(),
            "older files are shared"
        );
        assert_eq!(fs::metadata(dst.join(&f2)).unwrap().len(), p2);
        let b = BinlogDir::open(&dst, opts.clone()).unwrap();
        let list = b.list().unwrap();
        assert_eq!(list.len(), 3, "{list:?}");
        assert_eq!(list[1], (f2.clone(), p2));
        assert_eq!(b.number_of(&list[2].0), Some(b.number_of(&f2).unwrap() + 1));
        // A reader started at the coordinate sees only what the new directory writes.
        b.append_transaction(&[query("CREATE TABLE w (a INT)")])
            .unwrap();
        let texts: Vec<String> = b
            .read_events(&f2, p2)
            .unwrap()
            .take_while(|e| e.is_ok())
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let s = String::from_utf8_lossy(&e.raw).to_string();
                s.contains("CREATE TABLE").then_some(s)
            })
            .collect();
        assert_eq!(texts.len(), 1, "{texts:?}");
        assert!(texts[0].contains("CREATE TABLE w"));
        // A position inside an event is refused and leaves nothing behind.
        let bad = root.join("bad");
        assert!(inherit(&src, &bad, &opts.basename, &f2, p2 - 1).is_err());
        assert!(!bad.exists());
        let _ = fs::remove_dir_all(&root);
    }
}
