//! The write-ahead log: the source of truth (durability invariant 2).
//!
//! The log is one byte stream addressed by LSN (byte position), stored as segment
//! files `log/<start lsn, 16 hex digits>.wal`. A frame is
//! `u32 payload length | u32 CRC32 of (lsn as u64 LE ++ payload) | payload`.
//!
//! Segments are preallocated: the writer extends the file with zeros
//! [`PREALLOC`] bytes at a time ahead of the frames, so a commit's fsync rewrites
//! blocks the file already has and needs no filesystem journal commit for a new size
//! (on ext4 an fdatasync of an appended file costs about 1.6 times one of an
//! overwritten file). A frame header of zeros ends the data; a segment is cut to its
//! frames when the writer moves on to the next one.
//!
//! Group commit: [`Log::append`] only copies a frame into a memory buffer (under
//! a short lock). [`Log::sync_to`] makes a prefix durable: the first waiter takes
//! the sync lock, writes everything buffered so far and fsyncs once; everyone who
//! queued behind it finds their LSN already durable (one fsync serves every
//! committer waiting). A failed fsync poisons the log: what reached the disk is
//! unknown, so no later commit may be acknowledged until a restart recovers.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::signal::Signal;

const FRAME_HEADER: usize = 8;
/// Frames larger than this are rejected as corrupt on read.
/// The largest record the log holds (recovery stops at a longer frame).
pub const MAX_FRAME: usize = 1 << 30;
/// How far ahead of its frames a segment is zero-filled at a time.
const PREALLOC: u64 = 4 << 20;

fn segment_name(start: u64) -> String {
    format!("{start:016x}.wal")
}

fn frame_crc(lsn: u64, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&lsn.to_le_bytes());
    h.update(payload);
    h.finalize()
}

struct Buffered {
    buf: Vec<u8>,
    /// LSN just past the last buffered frame.
    end: u64,
}

struct Writer {
    file: File,
    /// LSN of the first byte of `file`.
    file_start: u64,
    /// LSN just past the last byte written to `file`.
    written: u64,
    /// The file's length: frames, then zeros up to here.
    allocated: u64,
    spare: Vec<u8>,
}

/// The write-ahead log.
pub struct Log {
    dir: PathBuf,
    buffered: Mutex<Buffered>,
    writer: Mutex<Writer>,
    /// True while a leader is writing and syncing; waiters sleep on `synced`.
    syncing: Mutex<bool>,
    synced: Signal,
    durable: AtomicU64,
    poisoned: AtomicBool,
    fsync: bool,
    segment_size: u64,
}

/// A record read back from the log.
pub struct Frame {
    pub lsn: u64,
    pub end: u64,
    pub payload: Vec<u8>,
}

fn list_segments(dir: &Path) -> Result<Vec<u64>> {
    let mut starts = Vec::new();
    let rd =
        std::fs::read_dir(dir).map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
    for ent in rd {
        let ent = ent.map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
        let name = ent.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(hex) = name.strip_suffix(".wal") {
            if let Ok(start) = u64::from_str_radix(hex, 16) {
                starts.push(start);
            }
        }
    }
    starts.sort_unstable();
    Ok(starts)
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(format!("syncing directory {}", dir.display()), e))
}

/// Parses the frames of one segment from `from` (an LSN inside it). Returns the
/// frames and the LSN where valid data ends.
/// Up to `len` bytes of the file at `path` from `offset` (fewer at its end).
fn read_window(path: &Path, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = File::open(path)?;
    f.seek(SeekFrom::Start(offset))?;
    let mut data = Vec::new();
    f.take(len).read_to_end(&mut data)?;
    Ok(data)
}

fn parse_segment(data: &[u8], start: u64, from: u64) -> (Vec<Frame>, u64) {
    let mut frames = Vec::new();
    let mut off = from.saturating_sub(start) as usize;
    loop {
        let lsn = start + off as u64;
        let Some(h) = data.get(off..off + FRAME_HEADER) else {
            return (frames, lsn);
        };
        let len = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize;
        let crc = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
        // No frame is empty: zeros are the preallocated space after the last frame.
        if len == 0 || len > MAX_FRAME {
            return (frames, lsn);
        }
        let Some(payload) = data.get(off + FRAME_HEADER..off + FRAME_HEADER + len) else {
            return (frames, lsn);
        };
        if frame_crc(lsn, payload) != crc {
            return (frames, lsn);
        }
        off += FRAME_HEADER + len;
        frames.push(Frame {
            lsn,
            end: start + off as u64,
            payload: payload.to_vec(),
        });
    }
}

impl Log {
    /// Opens the log in `dir`, recovering it: returns the log and every valid frame
    /// from `from_lsn` on. A torn tail (a frame cut by a crash) is truncated away.
    pub fn open(
        dir: &Path,
        from_lsn: u64,
        fsync: bool,
        segment_size: u64,
    ) -> Result<(Log, Vec<Frame>)> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let mut starts = list_segments(dir)?;
        if starts.is_empty() {
            let path = dir.join(segment_name(from_lsn));
            File::create(&path)
                .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
            sync_dir(dir)?;
            starts.push(from_lsn);
        }
        let mut frames = Vec::new();
        let mut end = from_lsn;
        let last = starts.len() - 1;
        for (i, &start) in starts.iter().enumerate() {
            let next_start = starts.get(i + 1).copied();
            if next_start.is_some_and(|n| n <= from_lsn) {
                continue;
            }
            let path = dir.join(segment_name(start));
            let data = std::fs::read(&path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            let (mut f, valid_end) = parse_segment(&data, start, from_lsn.max(start));
            frames.append(&mut f);
            end = valid_end.max(start);
            let file_end = start + data.len() as u64;
            let zero_tail = data[(valid_end - start) as usize..].iter().all(|&b| b == 0);
            if valid_end < file_end && !(i == last && zero_tail) {
                if i != last {
                    return Err(Error::Corrupt {
                        file: path,
                        page: 0,
                        offset: valid_end - start,
                        detail: "invalid log frame before the last segment".into(),
                    });
                }
                tracing::warn!(file = %path.display(), at = valid_end - start, dropped = file_end - valid_end,
                    "truncating torn log tail");
                let f = OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|e| Error::io("opening log", e))?;
                f.set_len(valid_end - start)
                    .map_err(|e| Error::io("truncating log", e))?;
                f.sync_all().map_err(|e| Error::io("syncing log", e))?;
            }
        }
        let file_start = starts[last];
        let path = dir.join(segment_name(file_start));
        let file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        let allocated = file
            .metadata()
            .map_err(|e| Error::io(format!("reading the size of {}", path.display()), e))?
            .len();
        let log = Log {
            dir: dir.to_path_buf(),
            buffered: Mutex::new(Buffered {
                buf: Vec::new(),
                end,
            }),
            writer: Mutex::new(Writer {
                file,
                file_start,
                written: end,
                allocated,
                spare: Vec::new(),
            }),
            syncing: Mutex::new(false),
            synced: Signal::new(),
            durable: AtomicU64::new(end),
            poisoned: AtomicBool::new(false),
            fsync,
            segment_size,
        };
        Ok((log, frames))
    }

    /// Buffers one frame; returns its `(lsn, end)`. Durable only after [`Log::sync_to`].
    pub fn append(&self, payload: &[u8]) -> (u64, u64) {
        debug_assert!(!payload.is_empty(), "an empty frame would read as the end");
        let mut b = self.buffered.lock().unwrap_or_else(|e| e.into_inner());
        let lsn = b.end;
        b.buf
            .extend_from_slice(&(payload.len() as u32).to_le_bytes());
        b.buf
            .extend_from_slice(&frame_crc(lsn, payload).to_le_bytes());
        b.buf.extend_from_slice(payload);
        b.end = lsn + (FRAME_HEADER + payload.len()) as u64;
        (lsn, b.end)
    }

    /// The LSN up to which the log is durable.
    pub fn durable(&self) -> u64 {
        self.durable.load(Ordering::Acquire)
    }

    /// The LSN just past the last appended frame.
    pub fn end(&self) -> u64 {
        self.buffered.lock().unwrap_or_else(|e| e.into_inner()).end
    }

    /// Blocks until every frame ending at or before `lsn` is durable.
    ///
    /// One caller at a time is the leader: it writes everything buffered and
    /// fsyncs once. The others sleep until the leader is done, then either find
    /// their frame durable or one of them leads the next group with everything
    /// buffered meanwhile.
    pub fn sync_to(&self, lsn: u64) -> Result<()> {
        {
            let mut syncing = self.syncing.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if self.poisoned.load(Ordering::Acquire) {
                    return Err(Error::Poisoned {
                        detail: "an earlier log write or fsync failed".into(),
                    });
                }
                if self.durable() >= lsn {
                    return Ok(());
                }
                if !*syncing {
                    *syncing = true;
                    break;
                }
                syncing = self.synced.wait(syncing);
            }
        }
        let result = self.lead();
        *self.syncing.lock().unwrap_or_else(|e| e.into_inner()) = false;
        self.synced.notify_all();
        result
    }

    /// Writes and syncs everything buffered (the group leader's work).
    fn lead(&self) -> Result<()> {
        let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let end = {
            let mut b = self.buffered.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::swap(&mut b.buf, &mut w.spare);
            b.end
        };
        let result = self.write_out(&mut w, end);
        w.spare.clear();
        if let Err(e) = result {
            self.poisoned.store(true, Ordering::Release);
            tracing::error!(error = %e, "log write failed; refusing further commits until restart");
            return Err(Error::Poisoned {
                detail: e.to_string(),
            });
        }
        self.durable.store(end, Ordering::Release);
        Ok(())
    }

    fn write_out(&self, w: &mut Writer, end: u64) -> Result<()> {
        if w.written - w.file_start >= self.segment_size && !w.spare.is_empty() {
            // The finished segment ends at its last frame (recovery takes a tail
            // after the frames of any segment but the last as damage).
            w.file
                .set_len(w.written - w.file_start)
                .and_then(|_| w.file.sync_all())
                .map_err(|e| Error::io("closing log segment", e))?;
            let path = self.dir.join(segment_name(w.written));
            w.file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
            w.file_start = w.written;
            w.allocated = 0;
            sync_dir(&self.dir)?;
        }
        let at = w.written - w.file_start;
        let need = at + w.spare.len() as u64;
        if self.fsync && need > w.allocated {
            // Zeros first, so the fsyncs that follow overwrite allocated blocks.
            let chunk = PREALLOC.min(self.segment_size).max(4096);
            let to = need.div_ceil(chunk) * chunk;
            // From one static run of zeros: no allocation (and no fresh pages to
            // fault in and clear) per preallocation.
            static ZEROS: [u8; 1 << 20] = [0; 1 << 20];
            let mut at = w.allocated;
            while at < to {
                let n = (to - at).min(ZEROS.len() as u64);
                w.file
                    .write_all_at(&ZEROS[..n as usize], at)
                    .map_err(|e| Error::io("preallocating the log", e))?;
                at += n;
            }
            w.allocated = to;
        }
        let res = w
            .file
            .write_all_at(&w.spare, at)
            .map_err(|e| Error::io("writing the log", e));
        w.allocated = w.allocated.max(need);
        res?;
        if self.fsync {
            w.file
                .sync_data()
                .map_err(|e| Error::io("syncing the log", e))?;
        }
        w.written = end;
        Ok(())
    }

    /// Reads the durable frames in `[from, to)`.
    pub fn read_range(&self, from: u64, to: u64) -> Result<Vec<Frame>> {
        let starts = list_segments(&self.dir)?;
        let mut out = Vec::new();
        for (i, &start) in starts.iter().enumerate() {
            let next = starts.get(i + 1).copied().unwrap_or(u64::MAX);
            if next <= from || start >= to {
                continue;
            }
            // Only the window of this segment inside [from, to) is read.
            let path = self.dir.join(segment_name(start));
            let lo = from.max(start);
            let data = read_window(&path, lo - start, to.min(next).saturating_sub(lo))
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            let (frames, _) = parse_segment(&data, lo, lo);
            out.extend(frames.into_iter().filter(|f| f.end <= to));
        }
        if out.first().is_some_and(|f| f.lsn > from) || (out.is_empty() && from < to) {
            return Err(Error::NotFound {
                what: format!("log from LSN {from} (already removed)"),
            });
        }
        Ok(out)
    }

    /// Deletes whole segments that end at or before `lsn` (no retained history needs them).
    pub fn remove_before(&self, lsn: u64) -> Result<()> {
        let starts = list_segments(&self.dir)?;
        for pair in starts.windows(2) {
            if pair[1] <= lsn {
                let path = self.dir.join(segment_name(pair[0]));
                std::fs::remove_file(&path)
                    .map_err(|e| Error::io(format!("removing {}", path.display()), e))?;
            }
        }
        Ok(())
    }

    /// Bytes of log currently on disk.
    pub fn disk_bytes(&self) -> u64 {
        std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok()?.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("borealis-wal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn append_sync_reopen_and_torn_tail() {
        let dir = tmp("basic");
        let (log, frames) = Log::open(&dir, 0, true, 256).unwrap();
        assert!(frames.is_empty());
        let mut ends = Vec::new();
        for i in 0..50u32 {
            let (_, end) = log.append(&i.to_le_bytes().repeat(5));
            ends.push(end);
            if i % 7 == 0 {
                log.sync_to(end).unwrap();
            }
        }
        log.sync_to(*ends.last().unwrap()).unwrap();
        drop(log);
        assert!(list_segments(&dir).unwrap().len() > 1, "segments rotate");
        // Tear the last frame.
        let last = *list_segments(&dir).unwrap().last().unwrap();
        let path = dir.join(segment_name(last));
        let len = ends.last().unwrap() - last;
        assert!(std::fs::metadata(&path).unwrap().len() >= len);
        let f = OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(len - 3).unwrap();
        let (log, frames) = Log::open(&dir, 0, true, 256).unwrap();
        assert_eq!(frames.len(), 49);
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(f.payload, (i as u32).to_le_bytes().repeat(5));
        }
        // Appending after recovery continues the stream.
        let (lsn, end) = log.append(b"after");
        assert_eq!(lsn, frames.last().unwrap().end);
        log.sync_to(end).unwrap();
        let back = log.read_range(lsn, end).unwrap();
        assert_eq!(back[0].payload, b"after");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A clean reopen keeps the zeros after the frames (the preallocated space) and
    /// writes on over them; every frame comes back each time.
    #[test]
    fn preallocated_space_is_kept_and_reused() {
        let dir = tmp("prealloc");
        let (log, _) = Log::open(&dir, 0, true, 1 << 20).unwrap();
        let (_, end) = log.append(b"one");
        log.sync_to(end).unwrap();
        drop(log);
        let path = dir.join(segment_name(0));
        let len = std::fs::metadata(&path).unwrap().len();
        assert!(len > end, "zeros follow the frames");
        let (log, frames) = Log::open(&dir, 0, true, 1 << 20).unwrap();
        assert_eq!(frames.len(), 1);
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            len,
            "nothing truncated"
        );
        let (_, end2) = log.append(b"two");
        log.sync_to(end2).unwrap();
        drop(log);
        let (_, frames) = Log::open(&dir, 0, true, 1 << 20).unwrap();
        let payloads: Vec<&[u8]> = frames.iter().map(|f| &f.payload[..]).collect();
        assert_eq!(payloads, [&b"one"[..], &b"two"[..]]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
