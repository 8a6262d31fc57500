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
//! a short lock). [`Log::sync`] makes a prefix durable: the first waiter takes
//! the sync lock, writes everything buffered so far and fsyncs once; everyone who
//! queued behind it finds their LSN already durable (one fsync serves every
//! committer waiting).
//!
//! A failed write (a full disk: ENOSPC, EDQUOT) is undone: the leader cuts the segment
//! back to where the group started and drops the group and everything buffered after it.
//! Those frames get the error, and so does whoever holds a [`Ticket`] for them; the log
//! moves to a new *generation*, whose frames reuse the dropped LSNs (a [`Ticket`] names
//! its generation, so a dropped frame is never taken for a later one at the same LSN).
//! Writers that built state on dropped frames notice the new generation and go back to
//! the state of the frames before the cut ([`Log::cut_of`]). The next write, once space
//! is free, goes on normally: no restart. A failed fsync is different: what reached the
//! disk is unknown, so it poisons the log and no later commit is acknowledged until a
//! restart recovers from what the disk holds.
//!
//! Torn tail or corruption: the leader writes each group with one write and marks its
//! first frame ([`GROUP_START`], bit 31 of the length word). Only the last group can be
//! torn by a crash (the next one is written after its fsync), and a torn write may
//! persist any subset of its blocks. So recovery, meeting a frame that is short or fails
//! its checksum, looks further for a whole frame that starts a later group: if there is
//! none, the bad frame belongs to the final, unacknowledged write and the tail is cut
//! (a torn tail); if there is one, a write acknowledged after this one reached the disk,
//! so the bad frame was durable once and is damage ([`Damage`]): [`Log::open`] asks its
//! caller whether to cut there or to refuse.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::signal::Signal;

const FRAME_HEADER: usize = 8;
/// Bit 31 of a frame's length word: the frame starts a group write (lengths fit in 30
/// bits). Not covered by the checksum, which covers the frame's position and payload.
const GROUP_START: u32 = 1 << 31;
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
    /// `cuts[g]` is the LSN where the frames of generation `g` were cut after a failed
    /// write; the current generation is `cuts.len()`.
    cuts: Vec<u64>,
    /// The last failed write (what, which file, errno), for the error of every frame it
    /// dropped.
    failure: Option<(String, PathBuf, Option<i32>)>,
}

/// Where [`Log::append`] put a frame: its LSN, its end, and the log generation it
/// belongs to (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub lsn: u64,
    pub end: u64,
    pub gen: u64,
}

/// How a group write failed.
enum Failed {
    /// Nothing of the group is durable and the file is as before it: drop the group.
    Write {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// What reached the disk is unknown (an fsync failed, or a failed write could not be
    /// undone): the log is poisoned.
    Fatal(Error),
}

/// The error a failed write gives: [`Error::DiskFull`] when the disk (or quota) is full.
fn write_error(what: &str, path: &Path, errno: Option<i32>, source: std::io::Error) -> Error {
    if matches!(errno, Some(libc::ENOSPC) | Some(libc::EDQUOT)) {
        Error::DiskFull {
            path: path.to_path_buf(),
            source,
        }
    } else {
        Error::io(format!("{what} {}", path.display()), source)
    }
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
#[derive(Debug)]
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

/// Creates `dir` (and missing parents) with mode 0700: nothing under a volume is for
/// other users to read (the log and binlogs hold statements like `CREATE USER ...
/// IDENTIFIED BY`). Every directory a volume creates goes through here.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// `OpenOptions` that create files with mode 0600 (see [`create_private_dir`]); every
/// file a volume creates goes through here.
pub fn private_options() -> OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut o = OpenOptions::new();
    o.mode(0o600);
    o
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(format!("syncing directory {}", dir.display()), e))
}

/// Up to `len` bytes of the file at `path` from `offset` (fewer at its end).
fn read_window(path: &Path, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = File::open(path)?;
    f.seek(SeekFrom::Start(offset))?;
    let mut data = Vec::new();
    f.take(len).read_to_end(&mut data)?;
    Ok(data)
}

/// The whole frame with a valid checksum at byte `off` of `data` (whose first byte is at
/// LSN `base`), if there is one, and whether it starts a group write.
fn frame_at(data: &[u8], base: u64, off: usize) -> Option<(Frame, bool)> {
    let h = data.get(off..off.checked_add(FRAME_HEADER)?)?;
    let raw = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
    let crc = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
    let len = (raw & !GROUP_START) as usize;
    // No frame is empty: zeros are the preallocated space after the last frame.
    if len == 0 || len > MAX_FRAME {
        return None;
    }
    let payload = data.get(off + FRAME_HEADER..off + FRAME_HEADER + len)?;
    let lsn = base + off as u64;
    if frame_crc(lsn, payload) != crc {
        return None;
    }
    let frame = Frame {
        lsn,
        end: lsn + (FRAME_HEADER + len) as u64,
        payload: payload.to_vec(),
    };
    Some((frame, raw & GROUP_START != 0))
}

/// Parses the frames of one segment (`data`, starting at LSN `start`) from `from` (an LSN
/// inside it). Returns the frames and the LSN where valid data ends.
fn parse_segment(data: &[u8], start: u64, from: u64) -> (Vec<Frame>, u64) {
    let mut frames = Vec::new();
    let mut off = from.saturating_sub(start) as usize;
    while let Some((f, _)) = frame_at(data, start, off) {
        off = (f.end - start) as usize;
        frames.push(f);
    }
    (frames, start + off as u64)
}

/// The offset of the first whole, valid frame after `bad` in `data` that starts a group
/// write: proof that the write holding `bad` was finished and synced.
fn later_group(data: &[u8], start: u64, bad: usize) -> Option<usize> {
    (bad + 1..data.len().saturating_sub(FRAME_HEADER - 1))
        .find(|&o| data[o + 3] & 0x80 != 0 && frame_at(data, start, o).is_some())
}

/// Every whole frame with a valid checksum in `data` from offset `from` on, stepping over
/// damaged bytes one at a time.
fn salvage(data: &[u8], start: u64, from: usize) -> Vec<Frame> {
    let mut out = Vec::new();
    let mut off = from;
    while off + FRAME_HEADER <= data.len() {
        match frame_at(data, start, off) {
            Some((f, _)) => {
                off = (f.end - start) as usize;
                out.push(f);
            }
            None => off += 1,
        }
    }
    out
}

/// Damage found by recovery: a frame that is short or fails its checksum with a later,
/// durable write after it (not a torn tail).
#[derive(Debug)]
pub struct Damage {
    /// The segment file holding the bad frame.
    pub file: PathBuf,
    /// The bad frame's byte offset in `file`, and its LSN.
    pub offset: u64,
    pub lsn: u64,
    /// Bytes of log from the bad frame to the end of the last segment's data.
    pub bytes: u64,
    /// The frames with valid checksums after the bad one (cutting drops them too).
    pub dropped: Vec<Frame>,
}

/// What [`Log::open`] does on [`Damage`]: told the frames kept before it and the damage,
/// `Ok` cuts the log there (keeping the cut bytes beside it as `*.dropped`), `Err` stops.
pub type OnDamage<'a> = &'a mut dyn FnMut(&[Frame], &Damage) -> Result<()>;

/// Creates `path` for writing with mode 0600 (the log holds account statements).
fn create_private(path: &Path) -> std::io::Result<File> {
    private_options().write(true).create_new(true).open(path)
}

/// The name a cut-away piece of log starting at `lsn` is kept under.
fn dropped_name(lsn: u64) -> String {
    format!("{lsn:016x}.wal.dropped")
}

impl Log {
    /// Opens the log in `dir`, recovering it: returns the log and every valid frame
    /// from `from_lsn` on. A torn tail (the last write, cut short by a crash) is
    /// truncated away; [`Damage`] before a later durable write goes to `on_damage`.
    pub fn open(
        dir: &Path,
        from_lsn: u64,
        fsync: bool,
        segment_size: u64,
        on_damage: OnDamage<'_>,
    ) -> Result<(Log, Vec<Frame>)> {
        create_private_dir(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let mut starts = list_segments(dir)?;
        if starts.is_empty() {
            let path = dir.join(segment_name(from_lsn));
            create_private(&path)
                .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
            sync_dir(dir)?;
            starts.push(from_lsn);
        }
        let mut frames = Vec::new();
        let mut end = from_lsn;
        let last = starts.len() - 1;
        let mut file_start = starts[last];
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
            let bad = (valid_end - start) as usize;
            let file_end = start + data.len() as u64;
            let zero_tail = data[bad..].iter().all(|&b| b == 0);
            if valid_end >= file_end || (i == last && zero_tail) {
                continue;
            }
            if i == last && later_group(&data, start, bad).is_none() {
                tracing::warn!(file = %path.display(), at = bad, dropped = file_end - valid_end,
                    "truncating torn log tail");
                let f = OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|e| Error::io("opening log", e))?;
                f.set_len(valid_end - start)
                    .map_err(|e| Error::io("truncating log", e))?;
                f.sync_all().map_err(|e| Error::io("syncing log", e))?;
                continue;
            }
            // Damage: gather what cutting here would drop, then ask.
            let mut dropped = salvage(&data, start, bad);
            let mut data_end =
                start + data.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1) as u64;
            for &later in &starts[i + 1..] {
                let p = dir.join(segment_name(later));
                let d = std::fs::read(&p)
                    .map_err(|e| Error::io(format!("reading {}", p.display()), e))?;
                dropped.extend(salvage(&d, later, 0));
                data_end = later + d.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1) as u64;
            }
            let damage = Damage {
                file: path.clone(),
                offset: bad as u64,
                lsn: valid_end,
                bytes: data_end.saturating_sub(valid_end),
                dropped,
            };
            on_damage(&frames, &damage)?;
            // Keep the cut bytes beside the log, for whoever wants to dig in them.
            let keep = dir.join(dropped_name(valid_end));
            let tail = &data[bad..(data_end.min(file_end) - start) as usize];
            create_private(&keep)
                .and_then(|mut f| {
                    use std::io::Write;
                    f.write_all(tail)?;
                    f.sync_all()
                })
                .map_err(|e| Error::io(format!("writing {}", keep.display()), e))?;
            for &later in &starts[i + 1..] {
                let from = dir.join(segment_name(later));
                let to = dir.join(dropped_name(later));
                std::fs::rename(&from, &to)
                    .map_err(|e| Error::io(format!("renaming {}", from.display()), e))?;
            }
            let f = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
            f.set_len(valid_end - start)
                .and_then(|_| f.sync_all())
                .map_err(|e| Error::io(format!("truncating {}", path.display()), e))?;
            sync_dir(dir)?;
            file_start = start;
            break;
        }
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
                cuts: Vec::new(),
                failure: None,
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

    /// Buffers one frame; returns where it is. Durable only after [`Log::sync`].
    pub fn append(&self, payload: &[u8]) -> Ticket {
        let mut b = self.buffered.lock().unwrap_or_else(|e| e.into_inner());
        Self::push(&mut b, payload)
    }

    /// [`Log::append`] only while the log is still in generation `gen` (the caller's
    /// state was built on frames that are not dropped); else the error of the write that
    /// ended that generation, and nothing is buffered.
    pub fn append_in(&self, gen: u64, payload: &[u8]) -> Result<Ticket> {
        let mut b = self.buffered.lock().unwrap_or_else(|e| e.into_inner());
        if b.cuts.len() as u64 != gen {
            return Err(Self::failure_error(&b));
        }
        Ok(Self::push(&mut b, payload))
    }

    fn push(b: &mut Buffered, payload: &[u8]) -> Ticket {
        debug_assert!(!payload.is_empty(), "an empty frame would read as the end");
        let lsn = b.end;
        b.buf
            .extend_from_slice(&(payload.len() as u32).to_le_bytes());
        b.buf
            .extend_from_slice(&frame_crc(lsn, payload).to_le_bytes());
        b.buf.extend_from_slice(payload);
        b.end = lsn + (FRAME_HEADER + payload.len()) as u64;
        Ticket {
            lsn,
            end: b.end,
            gen: b.cuts.len() as u64,
        }
    }

    fn failure_error(b: &Buffered) -> Error {
        match &b.failure {
            Some((what, path, errno)) => {
                let source = match errno {
                    Some(n) => std::io::Error::from_raw_os_error(*n),
                    None => std::io::Error::other("write failed"),
                };
                write_error(what, path, *errno, source)
            }
            None => Error::io("writing the log", std::io::Error::other("write failed")),
        }
    }

    /// The LSN up to which the log is durable.
    pub fn durable(&self) -> u64 {
        self.durable.load(Ordering::Acquire)
    }

    /// The LSN just past the last appended frame.
    pub fn end(&self) -> u64 {
        self.buffered.lock().unwrap_or_else(|e| e.into_inner()).end
    }

    /// A ticket for everything appended so far (its end, in the current generation).
    pub fn mark(&self) -> Ticket {
        let b = self.buffered.lock().unwrap_or_else(|e| e.into_inner());
        Ticket {
            lsn: b.end,
            end: b.end,
            gen: b.cuts.len() as u64,
        }
    }

    /// [`Log::mark`] only while the log is still in generation `gen`.
    pub fn mark_in(&self, gen: u64) -> Result<Ticket> {
        let t = self.mark();
        if t.gen != gen {
            let b = self.buffered.lock().unwrap_or_else(|e| e.into_inner());
            return Err(Self::failure_error(&b));
        }
        Ok(t)
    }

    /// The current generation (see the module docs).
    pub fn generation(&self) -> u64 {
        self.buffered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .cuts
            .len() as u64
    }

    /// Where the frames of generation `gen` were cut (None while it is current): frames
    /// of `gen` ending at or before it are durable, the others were dropped.
    pub fn cut_of(&self, gen: u64) -> Option<u64> {
        let b = self.buffered.lock().unwrap_or_else(|e| e.into_inner());
        b.cuts.get(gen as usize).copied()
    }

    /// Whether the frame of `t` is durable (`Some(true)`), was dropped by a failed write
    /// (`Err`), or neither yet (`Ok(false)`).
    fn settled(&self, t: &Ticket) -> Result<bool> {
        let b = self.buffered.lock().unwrap_or_else(|e| e.into_inner());
        match b.cuts.get(t.gen as usize) {
            Some(&cut) if t.end <= cut => Ok(true),
            Some(_) => Err(Self::failure_error(&b)),
            None => Ok(self.durable() >= t.end),
        }
    }

    /// Blocks until the frame of `t` (and every frame before it) is durable; fails if
    /// a failed write dropped it (or the log is poisoned).
    ///
    /// One caller at a time is the leader: it writes everything buffered and
    /// fsyncs once. The others sleep until the leader is done, then either find
    /// their frame durable or one of them leads the next group with everything
    /// buffered meanwhile.
    pub fn sync(&self, t: &Ticket) -> Result<()> {
        {
            let mut syncing = self.syncing.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if self.poisoned.load(Ordering::Acquire) {
                    return Err(Error::Poisoned {
                        detail: "an earlier fsync of the log failed".into(),
                    });
                }
                if self.settled(t)? {
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
        result?;
        // The group written may have ended before this frame's generation began.
        match self.settled(t)? {
            true => Ok(()),
            false => self.sync(t),
        }
    }

    /// Writes and syncs everything buffered (the group leader's work).
    fn lead(&self) -> Result<()> {
        let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let end = {
            let mut b = self.buffered.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::swap(&mut b.buf, &mut w.spare);
            b.end
        };
        // The group's first frame says so (recovery tells a torn tail by it).
        if let Some(top) = w.spare.get_mut(3) {
            *top |= (GROUP_START >> 24) as u8;
        }
        let result = self.write_out(&mut w, end);
        w.spare.clear();
        match result {
            Ok(()) => {
                self.durable.store(end, Ordering::Release);
                Ok(())
            }
            Err(Failed::Write { what, path, source }) => {
                // Nothing of the group is durable: drop it and everything buffered after
                // it, and start a new generation at the cut.
                let errno = source.raw_os_error();
                let mut b = self.buffered.lock().unwrap_or_else(|e| e.into_inner());
                let dropped = b.end - w.written;
                b.buf.clear();
                b.end = w.written;
                b.cuts.push(w.written);
                b.failure = Some((what.to_string(), path.clone(), errno));
                let e = write_error(what, &path, errno, source);
                tracing::error!(error = %e, at = w.written, dropped,
                    "log write failed; the commits of this group are rolled back");
                Err(e)
            }
            Err(Failed::Fatal(e)) => {
                self.poisoned.store(true, Ordering::Release);
                tracing::error!(error = %e,
                    "log fsync failed: commits since the last good fsync may be lost; \
                     refusing further commits until a restart recovers from the log");
                Err(Error::Poisoned {
                    detail: format!(
                        "{e}; commits since the last successful fsync may not be on disk: \
                         restart the server to recover from the log"
                    ),
                })
            }
        }
    }

    fn write_out(&self, w: &mut Writer, end: u64) -> std::result::Result<(), Failed> {
        let fatal = Failed::Fatal;
        if w.written - w.file_start >= self.segment_size && !w.spare.is_empty() {
            // The finished segment ends at its last frame (recovery takes a tail
            // after the frames of any segment but the last as damage).
            w.file
                .set_len(w.written - w.file_start)
                .and_then(|_| w.file.sync_all())
                .map_err(|e| fatal(Error::io("closing log segment", e)))?;
            let path = self.dir.join(segment_name(w.written));
            // A file left by an earlier attempt that failed holds nothing durable.
            w.file = private_options()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&path)
                .map_err(|source| Failed::Write {
                    what: "creating",
                    path,
                    source,
                })?;
            w.file_start = w.written;
            w.allocated = 0;
            sync_dir(&self.dir).map_err(fatal)?;
        }
        let path = || self.dir.join(segment_name(w.file_start));
        let at = w.written - w.file_start;
        let need = at + w.spare.len() as u64;
        if self.fsync && need > w.allocated {
            // Zeros first, so the fsyncs that follow overwrite allocated blocks.
            let chunk = PREALLOC.min(self.segment_size).max(4096);
            let to = need.div_ceil(chunk) * chunk;
            // From one static run of zeros: no allocation (and no fresh pages to
            // fault in and clear) per preallocation.
            static ZEROS: [u8; 1 << 20] = [0; 1 << 20];
            let mut pos = w.allocated;
            let mut result = Ok(());
            while pos < to && result.is_ok() {
                let n = (to - pos).min(ZEROS.len() as u64);
                result = w.file.write_all_at(&ZEROS[..n as usize], pos);
                pos += n;
            }
            match result {
                Ok(()) => w.allocated = to,
                // Not enough room to preallocate (a nearly full disk): give back what
                // was taken and write the frames alone.
                Err(e) => {
                    tracing::debug!(error = %e, "log preallocation failed");
                    let _ = w.file.set_len(w.allocated.max(at));
                }
            }
        }
        if let Err(source) = w.file.write_all_at(&w.spare, at) {
            // Undo: cut the file back to where the group started, so no frame of it is
            // left to be read after a later, shorter group (recovery would take a whole
            // one as valid).
            let undo = w.file.set_len(at).and_then(|_| {
                if self.fsync {
                    w.file.sync_all()
                } else {
                    Ok(())
                }
            });
            w.allocated = at;
            if let Err(e) = undo {
                return Err(fatal(Error::io(
                    format!(
                        "cutting {} back after a failed write ({source})",
                        path().display()
                    ),
                    e,
                )));
            }
            return Err(Failed::Write {
                what: "writing",
                path: path(),
                source,
            });
        }
        w.allocated = w.allocated.max(need);
        if self.fsync {
            w.file
                .sync_data()
                .map_err(|e| fatal(Error::io(format!("syncing {}", path().display()), e)))?;
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

    /// Opens with damage refused (the default a volume uses).
    fn open(dir: &Path, segment_size: u64) -> Result<(Log, Vec<Frame>)> {
        Log::open(dir, 0, true, segment_size, &mut |_, d| {
            Err(Error::CorruptLog {
                file: d.file.clone(),
                offset: d.offset,
                detail: format!("{} dropped", d.dropped.len()),
            })
        })
    }

    #[test]
    fn append_sync_reopen_and_torn_tail() {
        let dir = tmp("basic");
        let (log, frames) = open(&dir, 256).unwrap();
        assert!(frames.is_empty());
        let mut ends = Vec::new();
        for i in 0..50u32 {
            let t = log.append(&i.to_le_bytes().repeat(5));
            ends.push(t.end);
            if i % 7 == 0 {
                log.sync(&t).unwrap();
            }
        }
        log.sync(&log.mark()).unwrap();
        drop(log);
        assert!(list_segments(&dir).unwrap().len() > 1, "segments rotate");
        // Tear the last frame.
        let last = *list_segments(&dir).unwrap().last().unwrap();
        let path = dir.join(segment_name(last));
        let len = ends.last().unwrap() - last;
        assert!(std::fs::metadata(&path).unwrap().len() >= len);
        let f = OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(len - 3).unwrap();
        let (log, frames) = open(&dir, 256).unwrap();
        assert_eq!(frames.len(), 49);
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(f.payload, (i as u32).to_le_bytes().repeat(5));
        }
        // Appending after recovery continues the stream.
        let t = log.append(b"after");
        let (lsn, end) = (t.lsn, t.end);
        assert_eq!(lsn, frames.last().unwrap().end);
        log.sync(&t).unwrap();
        let back = log.read_range(lsn, end).unwrap();
        assert_eq!(back[0].payload, b"after");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A clean reopen keeps the zeros after the frames (the preallocated space) and
    /// writes on over them; every frame comes back each time.
    #[test]
    fn preallocated_space_is_kept_and_reused() {
        let dir = tmp("prealloc");
        let (log, _) = open(&dir, 1 << 20).unwrap();
        let t = log.append(b"one");
        let end = t.end;
        log.sync(&t).unwrap();
        drop(log);
        let path = dir.join(segment_name(0));
        let len = std::fs::metadata(&path).unwrap().len();
        assert!(len > end, "zeros follow the frames");
        let (log, frames) = open(&dir, 1 << 20).unwrap();
        assert_eq!(frames.len(), 1);
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            len,
            "nothing truncated"
        );
        let t = log.append(b"two");
        log.sync(&t).unwrap();
        drop(log);
        let (_, frames) = open(&dir, 1 << 20).unwrap();
        let payloads: Vec<&[u8]> = frames.iter().map(|f| &f.payload[..]).collect();
        assert_eq!(payloads, [&b"one"[..], &b"two"[..]]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Opens with damage accepted: the log is cut there.
    fn open_cutting(dir: &Path, segment_size: u64) -> (Log, Vec<Frame>, Vec<u64>) {
        let mut seen = Vec::new();
        let (log, frames) = Log::open(dir, 0, true, segment_size, &mut |_, d| {
            seen.push(d.lsn);
            Ok(())
        })
        .unwrap();
        (log, frames, seen)
    }

    /// XORs the byte at `lsn` with `mask`, in whichever segment holds it.
    fn poke(dir: &Path, lsn: u64, mask: u8) {
        let start = *list_segments(dir)
            .unwrap()
            .iter()
            .rfind(|&&s| s <= lsn)
            .unwrap();
        let path = dir.join(segment_name(start));
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let mut b = [0u8];
        f.read_exact_at(&mut b, lsn - start).unwrap();
        f.write_all_at(&[b[0] ^ mask], lsn - start).unwrap();
    }

    /// `n` frames, each synced on its own (one group write each); their `(lsn, end)`.
    fn write_groups(log: &Log, n: u32) -> Vec<(u64, u64)> {
        (0..n)
            .map(|i| {
                let t = log.append(&i.to_le_bytes().repeat(3));
                log.sync(&t).unwrap();
                (t.lsn, t.end)
            })
            .collect()
    }

    /// A flipped byte in a record with later group writes after it used to read as a torn
    /// tail: recovery cut the log there and every later acknowledged commit was gone
    /// without an error. Now it is damage: refused by default, cut only when asked.
    #[test]
    fn flipped_byte_before_later_writes_is_damage() {
        let dir = tmp("damage");
        let (log, _) = open(&dir, 1 << 20).unwrap();
        let pos = write_groups(&log, 100);
        drop(log);
        poke(&dir, pos[50].0 + 10, 0x01);
        match open(&dir, 1 << 20) {
            Err(Error::CorruptLog {
                file,
                offset,
                detail,
            }) => {
                assert_eq!(file, dir.join(segment_name(0)));
                assert_eq!(offset, pos[50].0);
                assert_eq!(detail, "49 dropped");
            }
            Err(e) => panic!("wrong error: {e}"),
            Ok(_) => panic!("opened a damaged log"),
        }
        // Refusing changed nothing: the same damage is found again, then cut on request.
        let (log, frames, seen) = open_cutting(&dir, 1 << 20);
        assert_eq!(seen, [pos[50].0]);
        assert_eq!(frames.len(), 50);
        assert!(dir.join(dropped_name(pos[50].0)).exists());
        let t = log.append(b"after");
        assert_eq!(t.lsn, pos[50].0);
        log.sync(&t).unwrap();
        drop(log);
        let (_, frames) = open(&dir, 1 << 20).unwrap();
        assert_eq!(frames.len(), 51);
        assert_eq!(frames[50].payload, b"after");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A crash during one group write may persist any of its blocks: frames after a torn
    /// one in the same write are not acknowledged, and the tail is cut without a fuss.
    #[test]
    fn torn_last_group_is_cut_even_with_whole_frames_after_the_tear() {
        let dir = tmp("torngroup");
        let (log, _) = open(&dir, 1 << 20).unwrap();
        let pos = write_groups(&log, 10);
        let group: Vec<(u64, u64)> = (0..10u32)
            .map(|i| {
                let t = log.append(&(100 + i).to_le_bytes().repeat(3));
                (t.lsn, t.end)
            })
            .collect();
        log.sync(&log.mark()).unwrap();
        drop(log);
        // The group's third frame never reached the disk (zeros), the rest did.
        let path = dir.join(segment_name(0));
        let f = OpenOptions::new().write(true).open(&path).unwrap();
        let (lsn, end) = group[2];
        f.write_all_at(&vec![0; (end - lsn) as usize], lsn).unwrap();
        let (_, frames) = open(&dir, 1 << 20).unwrap();
        assert_eq!(frames.len(), pos.len() + 2);
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            lsn,
            "cut at the tear"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Garbage after the last frame (not zeros) and a frame cut mid-payload are torn tails.
    #[test]
    fn garbage_or_short_tail_is_torn() {
        let dir = tmp("garbage");
        let (log, _) = open(&dir, 1 << 20).unwrap();
        let pos = write_groups(&log, 20);
        drop(log);
        let path = dir.join(segment_name(0));
        let f = OpenOptions::new().write(true).open(&path).unwrap();
        let junk: Vec<u8> = (0..5000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        f.write_all_at(&junk, pos[19].1).unwrap();
        let (_, frames) = open(&dir, 1 << 20).unwrap();
        assert_eq!(frames.len(), 20);
        f.set_len(pos[19].1 - 2).unwrap();
        let (_, frames) = open(&dir, 1 << 20).unwrap();
        assert_eq!(frames.len(), 19);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Damage in a segment before the last drops every later segment when cut; they are
    /// kept aside as `*.wal.dropped`, and the log goes on from the damaged point.
    #[test]
    fn damage_in_an_earlier_segment() {
        let dir = tmp("damageseg");
        let (log, _) = open(&dir, 256).unwrap();
        let pos = write_groups(&log, 60);
        drop(log);
        let segs = list_segments(&dir).unwrap();
        assert!(segs.len() > 3);
        let victim = pos.iter().position(|p| p.0 > segs[1]).unwrap() + 1;
        poke(&dir, pos[victim].0 + 9, 0x80);
        let Err(Error::CorruptLog { offset, detail, .. }) = open(&dir, 256) else {
            panic!("damage not reported");
        };
        assert_eq!(offset, pos[victim].0 - segs[1]);
        assert_eq!(detail, format!("{} dropped", 60 - victim - 1));
        let (log, frames, _) = open_cutting(&dir, 256);
        assert_eq!(frames.len(), victim);
        assert_eq!(list_segments(&dir).unwrap(), segs[..2]);
        log.sync(&log.append(b"after")).unwrap();
        drop(log);
        let (_, frames) = open(&dir, 256).unwrap();
        assert_eq!(frames.len(), victim + 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
