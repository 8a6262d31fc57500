//! The binlog files of one cluster: `mysql-bin-changelog.000001`, ... and the index file
//! `mysql-bin-changelog.index` (one `./name` per line, oldest first, like MySQL's).
//!
//! [`BinlogDir`] appends whole transactions to the active (last) file, rotates, purges
//! and reads. Invariants (cited as "binlog invariant N"):
//!
//! 1. Every event's header `log_pos` is its true end offset in its file, and a file's
//!    size is the end of its last event.
//! 2. A transaction's events are written by one `write` (which may carry several
//!    transactions) and published to readers only after it completed; readers never read
//!    past the published end, so they never see part of a transaction. A transaction
//!    never straddles files.
//! 3. Only the last file in the index is written to; every other file ends where it
//!    ended when it stopped being active (at a Rotate, a Stop, or a crash).
//! 4. Every server start opens a new file (MySQL rotates at startup too), after cutting a
//!    torn tail of the previous last file back to the end of its last complete
//!    transaction.
//!
//! # Rotation and rolled-back commits
//!
//! Events are appended before their commit is durable: a failed log write (a full
//! disk) rolls commits back, and [`BinlogDir::discard_after`] drops their events again.
//! That is only simple inside one file. A Rotate that followed a rolled-back commit
//! could be taken back only by cutting the old file, removing the new one from the
//! index and the disk, and rewinding every dump thread that has read the Rotate or the
//! new file (and its replica, told the new name by a Rotate event). So a rotation never
//! follows a commit that can still be rolled back: the engine's binlog user rotates
//! only once every commit appended is durable, holding off new ones meanwhile
//! ([`crate::storage::Cluster::with_commits_durable`], as MySQL's rotation waits for
//! prepared transactions), and a size rotation waits for the commit that filled the
//! file to be durable. A rollback then ends in the active file, or at a Rotate that
//! only headers and Rotates follow (the newest commit left came before a rotation with
//! nothing after it); any other shape means the rule was broken, and the directory
//! closes rather than guess. The rotation by size of [`BinlogDir::append`] itself
//! (`max_size`) is for users without rollbacks; the engine's sets it to `u64::MAX`.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use tracing::{info, warn};

use crate::signal::Signal;

use super::error::{BinlogError, Result};
use super::event::{
    ends_group, now_secs, parse_format_description, types, verify_event, Checksum, Event,
    EventHeader, Origin, BINLOG_MAGIC, FORMAT_DESCRIPTION_LEN, HEADER_LEN, LOG_EVENT_ARTIFICIAL_F,
    LOG_EVENT_BINLOG_IN_USE_F,
};

/// Options of a binlog directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinlogOptions {
    /// File name stem: files are `{basename}.000001`, the index `{basename}.index`.
    pub basename: String,
    /// `binlog_checksum` for files opened from now on.
    pub checksum: Checksum,
    /// `max_binlog_size`: rotate after a transaction leaves the file at least this big
    /// (MySQL allows 4 KiB..1 GiB; `log_pos` is 32 bits, so files stop at 4 GiB).
    pub max_size: u64,
    /// `server_id` of the Format_description, Rotate and Stop events.
    pub server_id: u32,
}

impl Default for BinlogOptions {
    fn default() -> Self {
        BinlogOptions {
            basename: "mysql-bin-changelog".to_string(),
            checksum: Checksum::Crc32,
            max_size: 134_217_728,
            server_id: 1,
        }
    }
}

/// Where [`BinlogDir::append`] put a transaction, and its bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Appended {
    pub file: String,
    /// End position of the transaction in `file` (its binlog coordinate).
    pub end: u64,
    /// The events as written, ending at `end`.
    pub bytes: Vec<u8>,
    /// The checksum they were written with.
    pub checksum: Checksum,
}

/// Where [`BinlogDir::append_streamed`]'s caller pushes a transaction's events.
pub struct EventSink {
    file: Arc<File>,
    name: String,
    checksum: Checksum,
    /// The end of the events pushed so far (written or not).
    pos: u64,
    /// Encoded events not yet written, ending at `pos`.
    buf: Vec<u8>,
    keep: usize,
    /// Past `keep` bytes: the events are written in chunks and not kept.
    streaming: bool,
    /// The file's path, for the writer's direct descriptor.
    path: PathBuf,
    /// While streaming, a thread writes the chunks, so encoding the next chunk overlaps
    /// copying the last one into the page cache (about half of a big backtrack's time).
    writer: Option<ChunkWriter>,
}

/// How much a streaming append encodes before it writes.
const STREAM_CHUNK: usize = 8 << 20;

/// The thread writing a streamed transaction's chunks, in order, at their offsets. Two
/// chunks wait at most, so memory stays a few chunks whatever the transaction's size;
/// written buffers come back to be filled again.
struct ChunkWriter {
    chunks: std::sync::mpsc::SyncSender<(Vec<u8>, u64)>,
    emptied: std::sync::mpsc::Receiver<Vec<u8>>,
    thread: std::thread::JoinHandle<std::io::Result<()>>,
}

impl ChunkWriter {
    fn start(file: Arc<File>, path: PathBuf) -> std::io::Result<ChunkWriter> {
        let (chunks, incoming) = std::sync::mpsc::sync_channel::<(Vec<u8>, u64)>(2);
        let (give_back, emptied) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("binlog-writer".into())
            .spawn(move || {
                let mut out = DirectAppend::new(file, &path);
                let mut failed = None;
                for (mut chunk, at) in incoming {
                    if failed.is_none() {
                        failed = out.write(&chunk, at).err();
                    }
                    chunk.clear();
                    let _ = give_back.send(chunk);
                }
                match failed {
                    Some(e) => Err(e),
                    None => out.flush(),
                }
            })?;
        Ok(ChunkWriter {
            chunks,
            emptied,
            thread,
        })
    }

    /// Waits until every chunk is written; the first write error, if any.
    fn finish(self) -> std::io::Result<()> {
        drop(self.chunks);
        self.thread
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the binlog writer thread panicked")))
    }
}

/// Block size of direct writes: offsets, lengths and buffer addresses are multiples of it.
const DIRECT_BLOCK: usize = 4096;

/// Appends contiguous bytes to a file, whole aligned blocks with `O_DIRECT`.
///
/// A buffered write of hundreds of megabytes spends most of its time getting and zeroing
/// page-cache pages (here ~0.5 GB/s, against ~1.4 GB/s for direct writes including the
/// fsync). Bytes before the first block boundary and the last partial block go through
/// the page cache (the file's own descriptor); everything else goes straight to the disk
/// from an aligned staging buffer. Durability is unchanged: the caller still fsyncs. Where
/// the file system refuses `O_DIRECT` (tmpfs), every write is buffered.
struct DirectAppend {
    file: Arc<File>,
    direct: Option<File>,
    stage: AlignedBuf,
    /// The file offset of `stage`'s first byte (block-aligned once staging has begun).
    stage_at: u64,
    /// Staging has begun (the unaligned head is written).
    started: bool,
}

impl DirectAppend {
    fn new(file: Arc<File>, path: &Path) -> DirectAppend {
        use std::os::unix::fs::OpenOptionsExt;
        let direct = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(path)
            .ok();
        DirectAppend {
            file,
            stage: AlignedBuf::new(if direct.is_some() {
                STREAM_CHUNK * 2
            } else {
                0
            }),
            direct,
            stage_at: 0,
            started: false,
        }
    }

    /// Appends `bytes` at `at`, the end of what was written before.
    fn write(&mut self, mut bytes: &[u8], at: u64) -> std::io::Result<()> {
        if self.direct.is_none() {
            return self.file.write_all_at(bytes, at);
        }
        if !self.started {
            let block = DIRECT_BLOCK as u64;
            let head = ((block - at % block) % block).min(bytes.len() as u64) as usize;
            self.file.write_all_at(&bytes[..head], at)?;
            bytes = &bytes[head..];
            if bytes.is_empty() {
                return Ok(()); // the first block boundary is not reached yet
            }
            self.stage_at = at + head as u64;
            self.started = true;
        } else {
            debug_assert_eq!(self.stage_at + self.stage.len as u64, at);
        }
        while !bytes.is_empty() {
            let n = self.stage.push(bytes);
            bytes = &bytes[n..];
            if self.stage.len == self.stage.cap() {
                self.write_blocks()?;
            }
        }
        Ok(())
    }

    /// Writes the staged whole blocks directly and keeps the partial one.
    fn write_blocks(&mut self) -> std::io::Result<()> {
        let whole = self.stage.len / DIRECT_BLOCK * DIRECT_BLOCK;
        if whole == 0 {
            return Ok(());
        }
        let Some(direct) = &self.direct else {
            return Ok(());
        };
        match direct.write_all_at(&self.stage.as_slice()[..whole], self.stage_at) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                // The device wants a bigger alignment: buffered from here on.
                self.file
                    .write_all_at(&self.stage.as_slice()[..whole], self.stage_at)?;
                let rest = self.stage.as_slice()[whole..].to_vec();
                self.file
                    .write_all_at(&rest, self.stage_at + whole as u64)?;
                self.stage_at += self.stage.len as u64;
                self.stage.len = 0;
                self.direct = None;
                return Ok(());
            }
            Err(e) => return Err(e),
        }
        self.stage.consume(whole);
        self.stage_at += whole as u64;
        Ok(())
    }

    /// Writes what is staged; the last partial block goes through the page cache.
    fn flush(&mut self) -> std::io::Result<()> {
        if self.direct.is_none() || !self.started {
            return Ok(());
        }
        self.write_blocks()?;
        if self.stage.len > 0 {
            self.file
                .write_all_at(&self.stage.as_slice()[..self.stage.len], self.stage_at)?;
            self.stage_at += self.stage.len as u64;
            self.stage.len = 0;
        }
        Ok(())
    }
}

/// A byte buffer whose start is block-aligned, as `O_DIRECT` requires: an aligned window
/// into a vector one block longer.
struct AlignedBuf {
    mem: Vec<u8>,
    /// Where the aligned window starts in `mem`.
    off: usize,
    cap: usize,
    len: usize,
}

impl AlignedBuf {
    fn new(cap: usize) -> AlignedBuf {
        let cap = cap / DIRECT_BLOCK * DIRECT_BLOCK;
        let mem = vec![0u8; cap + DIRECT_BLOCK];
        let off = mem.as_ptr().align_offset(DIRECT_BLOCK).min(DIRECT_BLOCK);
        AlignedBuf {
            mem,
            off,
            cap,
            len: 0,
        }
    }

    fn cap(&self) -> usize {
        self.cap
    }

    fn as_slice(&self) -> &[u8] {
        &self.mem[self.off..self.off + self.len]
    }

    /// Copies as much of `bytes` as fits; how much that was.
    fn push(&mut self, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.cap - self.len);
        let at = self.off + self.len;
        self.mem[at..at + n].copy_from_slice(&bytes[..n]);
        self.len += n;
        n
    }

    /// Drops the first `n` bytes, moving the rest to the front.
    fn consume(&mut self, n: usize) {
        let (off, len) = (self.off, self.len);
        self.mem.copy_within(off + n..off + len, off);
        self.len -= n;
    }
}

impl EventSink {
    /// Appends one event of the transaction.
    pub fn push(&mut self, ev: &Event) -> Result<()> {
        let end = self.pos + ev.encoded_len(self.checksum) as u64;
        let log_pos = u32::try_from(end).map_err(|_| {
            BinlogError::invalid("binlog file would grow past 4 GiB (max_binlog_size too big)")
        })?;
        ev.encode_into(&mut self.buf, log_pos, self.checksum)?;
        self.pos = end;
        if self.buf.len() > self.keep {
            self.streaming = true;
        }
        if self.streaming && self.buf.len() >= STREAM_CHUNK {
            self.hand_off()?;
        }
        Ok(())
    }

    /// Gives the full chunk to the writer thread and goes on with an emptied one.
    fn hand_off(&mut self) -> Result<()> {
        if self.writer.is_none() {
            match ChunkWriter::start(Arc::clone(&self.file), self.path.clone()) {
                Ok(w) => self.writer = Some(w),
                Err(e) => {
                    warn!(error = %e, "no binlog writer thread; writing inline");
                    return self.write_out();
                }
            }
        }
        let Some(w) = &self.writer else {
            return self.write_out();
        };
        let next = w
            .emptied
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(STREAM_CHUNK + (STREAM_CHUNK >> 3)));
        let chunk = std::mem::replace(&mut self.buf, next);
        let at = self.pos - chunk.len() as u64;
        if let Err(std::sync::mpsc::SendError((chunk, at))) = w.chunks.send((chunk, at)) {
            // The thread is gone: finish() reports why; if it ended cleanly, the chunk
            // it could not take is written here.
            self.finish()?;
            self.file
                .write_all_at(&chunk, at)
                .map_err(|e| BinlogError::io(format!("appending to {}", self.name), e))?;
        }
        Ok(())
    }

    /// Writes what is pending and waits for the writer thread: on success every pushed
    /// event is in the file.
    fn finish(&mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            w.finish()
                .map_err(|e| BinlogError::io(format!("appending to {}", self.name), e))?;
        }
        self.write_out()
    }

    /// Writes the pending bytes; they stay in `buf` (the kept copy) until streaming.
    fn write_out(&mut self) -> Result<()> {
        let at = self.pos - self.buf.len() as u64;
        self.file
            .write_all_at(&self.buf, at)
            .map_err(|e| BinlogError::io(format!("appending to {}", self.name), e))?;
        if self.streaming {
            self.buf.clear();
        }
        Ok(())
    }
}

impl Drop for EventSink {
    /// A failed or abandoned append must not leave a thread writing behind the undo.
    fn drop(&mut self) {
        if let Some(w) = self.writer.take() {
            let _ = w.finish();
        }
    }
}

/// One event read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawEvent {
    /// The file it is in.
    pub file: String,
    /// Its start offset in that file (its end is `pos + raw.len()` = its `log_pos`).
    pub pos: u64,
    /// Header, body and footer, exactly as in the file.
    pub raw: Vec<u8>,
    /// The checksum of the file's events (from its Format_description).
    pub checksum: Checksum,
}

impl RawEvent {
    /// The event's header.
    pub fn header(&self) -> Result<EventHeader> {
        EventHeader::parse(&self.raw)
    }

    /// End offset in the file.
    pub fn end(&self) -> u64 {
        self.pos + self.raw.len() as u64
    }
}

struct State {
    /// File names in index order; the last one is active.
    files: Vec<String>,
    /// The active file, `None` once closed or poisoned.
    active: Option<Arc<File>>,
    /// End of the active file's last appended transaction, written or not: where the
    /// next one goes.
    end: u64,
    /// Published end of the active file (binlog invariant 2): what is written.
    written: u64,
    /// Where the active file's header ends (its first transaction starts).
    header_end: u64,
    /// Encoded events appended after `written`, ending at `end`, that no write has
    /// taken yet (see [`BinlogDir::append`]).
    pending: Vec<u8>,
    /// Why the log no longer accepts writes.
    closed: Option<String>,
    /// Checksum of the active file's events (as its Format_description says).
    checksum: Checksum,
    /// Checksum of files started from now on ([`BinlogDir::set_checksum`]).
    next_checksum: Checksum,
    /// (files in the index, end) at the last [`BinlogDir::sync`]: a sync with nothing
    /// appended since is skipped (a volume of many clusters fsyncs only the binlogs that
    /// changed in a group commit).
    synced: (usize, u64),
}

/// Why a binlog closed by [`BinlogDir::close`] refuses writes ([`BinlogError::ShutDown`]).
const SHUT_DOWN: &str = "the binlog was closed (server shutdown)";

/// The binlog files of one directory. Thread-safe; see the module docs for invariants.
pub struct BinlogDir {
    dir: PathBuf,
    opts: BinlogOptions,
    state: Mutex<State>,
    /// Held by whoever writes to or replaces the active file (a flush of pending
    /// events, rotation, close, truncation, reset), so those happen one at a time and a
    /// rotation's fsync follows every write to the file it closes. Taken before `state`.
    writing: Mutex<()>,
    /// Signalled whenever the published end, the active file or the open state changes.
    changed: Signal,
}

fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BinlogError {
    let context = context.into();
    move |e| BinlogError::io(context, e)
}

/// The number of `name` if it is `{basename}.{digits}`.
pub(super) fn file_number(basename: &str, name: &str) -> Option<u64> {
    let digits = name.strip_prefix(basename)?.strip_prefix('.')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

pub(super) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(format!("syncing directory {}", dir.display())))
}

/// How the last file of a previous run was found.
enum Tail {
    /// Kept, possibly after cutting a torn tail.
    Kept,
    /// Held no complete Format_description (a crash while creating it): removed.
    Removed,
}

impl BinlogDir {
    /// Opens (creating if needed) the binlog directory `dir`: reads the index, repairs a
    /// torn tail of the last file (binlog invariant 4) and starts a new file.
    pub fn open(dir: impl AsRef<Path>, opts: BinlogOptions) -> Result<BinlogDir> {
        let dir = dir.as_ref().to_path_buf();
        if opts.basename.is_empty() || opts.basename.contains('/') {
            return Err(BinlogError::invalid(format!(
                "invalid binlog basename '{}'",
                opts.basename
            )));
        }
        crate::storage::create_private_dir(&dir)
            .map_err(io_err(format!("creating {}", dir.display())))?;
        let cs = opts.checksum;
        let this = BinlogDir {
            dir,
            opts,
            state: Mutex::new(State {
                files: Vec::new(),
                active: None,
                end: 0,
                written: 0,
                header_end: 0,
                pending: Vec::new(),
                closed: None,
                synced: (0, 0),
                checksum: cs,
                next_checksum: cs,
            }),
            changed: Signal::new(),
            writing: Mutex::new(()),
        };
        let mut files = this.read_index()?;
        if let Some(last) = files.last().cloned() {
            if let Tail::Removed = this.repair_tail(&last)? {
                files.pop();
            }
        }
        let mut st = this.lock();
        st.files = files;
        let number = st
            .files
            .last()
            .and_then(|f| file_number(&this.opts.basename, f))
            .map_or(1, |n| n + 1);
        if let Err(e) = this.start_file(&mut st, number, now_secs()) {
            // A disk too full for a new file (and the index's temporary copy): go on in
            // the last one rather than not start.
            match this.reopen_last(&mut st) {
                Ok(name) => {
                    warn!(error = %e, file = %name, "a new binlog file could not be started; appending to the last one")
                }
                Err(_) => return Err(e),
            }
        }
        drop(st);
        Ok(this)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-updated in a way
        // that matters more than the panic itself; keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The `writing` lock; take it before [`BinlogDir::lock`].
    fn lock_writing(&self) -> MutexGuard<'_, ()> {
        self.writing.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The options the directory was opened with.
    pub fn options(&self) -> &BinlogOptions {
        &self.opts
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn file_name(&self, number: u64) -> String {
        format!("{}.{number:06}", self.opts.basename)
    }

    /// The number of file `name` (`mysql-bin-changelog.000042` is 42), if it is one of
    /// this directory's names.
    pub fn number_of(&self, name: &str) -> Option<u64> {
        file_number(&self.opts.basename, name)
    }

    /// The name of file number `number`.
    pub fn name_of(&self, number: u64) -> String {
        self.file_name(number)
    }

    /// Path of the index file.
    pub fn index_path(&self) -> PathBuf {
        self.dir.join(format!("{}.index", self.opts.basename))
    }

    fn read_index(&self) -> Result<Vec<String>> {
        let path = self.index_path();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(BinlogError::io(format!("reading {}", path.display()), e)),
        };
        let mut files = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let name = line.strip_prefix("./").unwrap_or(line);
            let name = Path::new(name)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(name);
            if file_number(&self.opts.basename, name).is_none() {
                warn!(
                    line,
                    "binlog index entry is not a binlog file name; ignored"
                );
                continue;
            }
            if !self.path(name).exists() {
                warn!(
                    file = name,
                    "binlog file listed in the index is missing; dropped"
                );
                continue;
            }
            files.push(name.to_string());
        }
        Ok(files)
    }

    /// Rewrites the index atomically (temporary file, fsync, rename, fsync directory).
    fn write_index(&self, files: &[String]) -> Result<()> {
        let path = self.index_path();
        let tmp = self.dir.join(format!("{}.index_tmp", self.opts.basename));
        let mut text = String::new();
        for f in files {
            text.push_str("./");
            text.push_str(f);
            text.push('\n');
        }
        let ctx = format!("writing {}", tmp.display());
        let mut f = crate::storage::private_options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(io_err(ctx.clone()))?;
        f.write_all(text.as_bytes()).map_err(io_err(ctx.clone()))?;
        f.sync_all().map_err(io_err(ctx))?;
        fs::rename(&tmp, &path).map_err(io_err(format!("replacing {}", path.display())))?;
        sync_dir(&self.dir)
    }

    /// Creates file `number` with magic and Format_description (in-use flag set), makes it
    /// the active file and lists it in the index.
    fn start_file(&self, st: &mut State, number: u64, created: u32) -> Result<()> {
        let name = self.file_name(number);
        let path = self.path(&name);
        let checksum = st.next_checksum;
        let mut fde =
            Event::format_description(Origin::now(self.opts.server_id), created, checksum);
        fde.flags |= LOG_EVENT_BINLOG_IN_USE_F;
        let mut buf = BINLOG_MAGIC.to_vec();
        let end = (BINLOG_MAGIC.len() + fde.encoded_len(checksum)) as u32;
        fde.encode_into(&mut buf, end, checksum)?;
        let ctx = format!("creating {}", path.display());
        let file = crate::storage::private_options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(io_err(ctx.clone()))?;
        if let Err(e) = file.write_all_at(&buf, 0).and_then(|()| file.sync_all()) {
            // No empty or half-written file is left beside the index (a full disk).
            let _ = fs::remove_file(&path);
            return Err(BinlogError::io(ctx, e));
        }
        st.files.push(name.clone());
        if let Err(e) = self.write_index(&st.files) {
            st.files.pop();
            let _ = fs::remove_file(&path);
            return Err(e);
        }
        st.active = Some(Arc::new(file));
        st.checksum = checksum;
        debug_assert!(
            st.pending.is_empty(),
            "a file was started over pending events"
        );
        st.pending.clear();
        st.end = buf.len() as u64;
        st.header_end = st.end;
        st.written = st.end;
        st.closed = None;
        self.changed.notify_all();
        info!(file = %name, "binlog file opened");
        Ok(())
    }

    /// Clears the in-use flag of a file's Format_description (the file is complete).
    fn clear_in_use(file: &File, path: &Path) -> Result<()> {
        let mut flags = [0u8; 2];
        let at = (BINLOG_MAGIC.len() + 17) as u64;
        let ctx = format!("closing {}", path.display());
        file.read_exact_at(&mut flags, at)
            .map_err(io_err(ctx.clone()))?;
        let v = u16::from_le_bytes(flags);
        if v & LOG_EVENT_BINLOG_IN_USE_F != 0 {
            let v = v & !LOG_EVENT_BINLOG_IN_USE_F;
            file.write_all_at(&v.to_le_bytes(), at)
                .map_err(io_err(ctx))?;
        }
        Ok(())
    }

    /// Whether file `name` holds exactly one event after `pos`, a Rotate.
    fn ends_with_rotate_at(&self, name: &str, pos: u64) -> std::io::Result<bool> {
        let f = File::open(self.path(name))?;
        let len = f.metadata()?.len();
        let mut h = [0u8; HEADER_LEN];
        if pos + HEADER_LEN as u64 > len {
            return Ok(false);
        }
        f.read_exact_at(&mut h, pos)?;
        let size = u64::from(u32::from_le_bytes([h[9], h[10], h[11], h[12]]));
        Ok(h[4] == types::ROTATE && pos + size == len)
    }

    /// Makes the last listed file (its tail repaired) the active one again, in-use flag
    /// set: [`BinlogDir::open`] when no new file could be started.
    fn reopen_last(&self, st: &mut State) -> Result<String> {
        let name = st
            .files
            .last()
            .cloned()
            .ok_or_else(|| BinlogError::invalid("no binlog file to reopen"))?;
        let path = self.path(&name);
        let ctx = format!("reopening {}", path.display());
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_err(ctx.clone()))?;
        let len = file.metadata().map_err(io_err(ctx.clone()))?.len();
        let (_, _, checksum) = EventReader::open_file(self, &name)?;
        Self::set_in_use(&file).map_err(io_err(ctx))?;
        st.active = Some(Arc::new(file));
        st.checksum = checksum;
        st.pending.clear();
        st.end = len;
        st.header_end = len;
        st.written = len;
        st.closed = None;
        self.changed.notify_all();
        Ok(name)
    }

    /// Sets the in-use flag of a file's Format_description again (a rotation that did not
    /// happen).
    fn set_in_use(file: &File) -> std::io::Result<()> {
        let mut flags = [0u8; 2];
        let at = (BINLOG_MAGIC.len() + 17) as u64;
        file.read_exact_at(&mut flags, at)?;
        let v = u16::from_le_bytes(flags) | LOG_EVENT_BINLOG_IN_USE_F;
        file.write_all_at(&v.to_le_bytes(), at)
    }

    /// Cuts the last file of a previous run back to the end of its last complete
    /// transaction and clears its in-use flag (binlog invariant 4).
    fn repair_tail(&self, name: &str) -> Result<Tail> {
        let path = self.path(name);
        let ctx = format!("recovering {}", path.display());
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_err(ctx.clone()))?;
        let len = file.metadata().map_err(io_err(ctx.clone()))?.len();
        let scan = scan_file(&file, name, len)?;
        let Some(good_end) = scan.group_end else {
            if len > (BINLOG_MAGIC.len() + FORMAT_DESCRIPTION_LEN) as u64 {
                // Files are listed only once their header is durable: this is damage.
                return Err(BinlogError::corrupt(
                    name,
                    4,
                    format!("the Format_description is unreadable: {}", scan.stop_reason),
                ));
            }
            warn!(
                file = name,
                len, "binlog file has no complete header; removed"
            );
            drop(file);
            fs::remove_file(&path).map_err(io_err(format!("removing {}", path.display())))?;
            return Ok(Tail::Removed);
        };
        if good_end < len {
            warn!(
                file = name,
                from = len,
                to = good_end,
                reason = %scan.stop_reason,
                "binlog file ends in a torn or incomplete transaction; truncated"
            );
            file.set_len(good_end).map_err(io_err(ctx.clone()))?;
        }
        Self::clear_in_use(&file, &path)?;
        file.sync_all().map_err(io_err(ctx))?;
        Ok(Tail::Kept)
    }

    fn check_open<'a>(&self, st: &'a State) -> Result<&'a Arc<File>> {
        match (&st.active, &st.closed) {
            (Some(f), None) => Ok(f),
            (_, Some(reason)) if reason == SHUT_DOWN => Err(BinlogError::ShutDown),
            (_, reason) => Err(BinlogError::Closed {
                detail: reason.clone().unwrap_or_else(|| "not open".into()),
            }),
        }
    }

    /// Encodes `events` after `st.end` (binlog invariant 1) and adds them to the pending
    /// bytes, which [`BinlogDir::flush`] or [`BinlogDir::flush_locked`] write; returns
    /// the encoded bytes. Nothing is added on failure.
    fn write_events(&self, st: &mut State, events: &[Event]) -> Result<Vec<u8>> {
        self.check_open(st)?;
        let checksum = st.checksum;
        let mut buf = Vec::with_capacity(events.iter().map(|e| e.encoded_len(checksum)).sum());
        let mut pos = st.end;
        for ev in events {
            let end = pos + ev.encoded_len(checksum) as u64;
            let log_pos = u32::try_from(end).map_err(|_| {
                BinlogError::invalid("binlog file would grow past 4 GiB (max_binlog_size too big)")
            })?;
            ev.encode_into(&mut buf, log_pos, checksum)?;
            pos = end;
        }
        st.pending.extend_from_slice(&buf);
        st.end = pos;
        Ok(buf)
    }

    /// Writes the pending events with one `write` and publishes them; the caller holds
    /// the `writing` lock. A failed write (a full disk) keeps them pending: the next
    /// flush writes them again at the same offset (readers never read past `written`, and
    /// a crash before then leaves a torn tail that the next start cuts; the engine's log
    /// holds the events to write them back).
    fn flush_locked(&self, st: &mut State) -> Result<()> {
        if st.pending.is_empty() {
            return Ok(());
        }
        let file = Arc::clone(self.check_open(st)?);
        let r = file.write_all_at(&st.pending, st.written);
        let n = st.pending.len() as u64;
        if r.is_ok() {
            st.pending.clear();
        }
        self.wrote(st, r, n)
    }

    /// Publishes `n` more bytes written (`r` the write's result); on failure nothing is
    /// published and the caller keeps the bytes pending.
    fn wrote(&self, st: &mut State, r: std::io::Result<()>, n: u64) -> Result<()> {
        match r {
            Ok(()) => {
                st.written += n;
                self.changed.notify_all();
                Ok(())
            }
            Err(e) => {
                let name = st.files.last().cloned().unwrap_or_default();
                warn!(file = %name, error = %e, bytes = n,
                    "binlog write failed; the events stay pending and are written again at the next flush");
                Err(BinlogError::io(format!("appending to {name}"), e))
            }
        }
    }

    /// Drops every event after (`name`, `pos`), written or pending: they are of commits
    /// the engine rolled back because their log write failed
    /// ([`crate::storage::volume::RollbackHook`]). `pos` is the end of the newest commit
    /// left (a transaction boundary). A rotation never follows a commit that can still
    /// be rolled back (see "Rotation and rolled-back commits" in the module docs), so
    /// when `name` is not the active file, it ends at `pos` with its Rotate, every file
    /// after it but the active one holds only its header and Rotate, and what goes is in
    /// the active file, after its header. Anything else (a rotation over a commit that
    /// was then rolled back) closes the directory: the next start cuts the files back
    /// from the engine's log.
    pub fn discard_after(&self, name: &str, pos: u64) -> Result<()> {
        let _w = self.lock_writing();
        let mut st = self.lock();
        let file = Arc::clone(self.check_open(&st)?);
        let active = st.files.last().cloned().unwrap_or_default();
        let (name, pos) = if active == name {
            (active, pos)
        } else {
            match self.only_rotations_after(&st.files, name, pos) {
                Ok(true) => (active, st.header_end),
                Ok(false) | Err(_) => {
                    let why = format!(
                        "commits after {name}:{pos} were rolled back (a failed log write) \
                         across a binlog rotation; restart the server to cut the binlog back"
                    );
                    self.poison(&mut st, why.clone());
                    return Err(BinlogError::Closed { detail: why });
                }
            }
        };
        if pos >= st.end {
            return Ok(());
        }
        let dropped = st.end - pos;
        if pos >= st.written {
            let keep = (pos - st.written) as usize;
            st.pending.truncate(keep);
        } else {
            st.pending.clear();
            if let Err(e) = file.set_len(pos) {
                let why = format!("{name} could not be cut back to {pos}: {e}");
                self.poison(&mut st, why.clone());
                return Err(BinlogError::Closed { detail: why });
            }
            st.written = pos;
        }
        st.end = pos;
        warn!(file = %name, pos, dropped, "binlog events of rolled-back commits dropped");
        self.changed.notify_all();
        Ok(())
    }

    /// Whether `name`, a file before the active (last) one of `files`, ends at `pos` with
    /// its Rotate (or was purged), and every file between it and the active one holds
    /// only its header and a Rotate: no transaction is in the index after (`name`, `pos`)
    /// but in the active file.
    fn only_rotations_after(&self, files: &[String], name: &str, pos: u64) -> Result<bool> {
        let Some(active) = files.len().checked_sub(1) else {
            return Ok(false);
        };
        let first = match files.iter().position(|f| f == name) {
            Some(at) if at < active => {
                if !self.ends_with_rotate_at(name, pos).map_err(io_err(name))? {
                    return Ok(false);
                }
                at + 1
            }
            Some(_) => return Ok(false),
            None => {
                // Purged since: every file left must be after it.
                let number = |f: &str| file_number(&self.opts.basename, f);
                match (number(name), number(&files[0])) {
                    (Some(n), Some(oldest)) if n < oldest => 0,
                    _ => return Ok(false),
                }
            }
        };
        for between in &files[first..active] {
            let header_end = Self::header_end(&self.path(between))?;
            if !self
                .ends_with_rotate_at(between, header_end)
                .map_err(io_err(between.as_str()))?
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Where the header (magic and Format_description) of the file at `path` ends.
    fn header_end(path: &Path) -> Result<u64> {
        let ctx = format!("reading {}", path.display());
        let f = File::open(path).map_err(io_err(ctx.clone()))?;
        let mut head = [0u8; HEADER_LEN];
        f.read_exact_at(&mut head, BINLOG_MAGIC.len() as u64)
            .map_err(io_err(ctx))?;
        Ok(BINLOG_MAGIC.len() as u64 + u64::from(EventHeader::parse(&head)?.event_size))
    }

    /// Closes the log to appends after a write it cannot take back or undo.
    fn poison(&self, st: &mut State, why: String) {
        warn!("{why}");
        st.closed = Some(why);
        st.active = None;
        self.changed.notify_all();
    }

    /// Writes every event appended before the call and publishes it to readers (binlog
    /// invariant 2). The commit path calls it once its transaction is durable, outside
    /// the engine's commit lock; commits that arrive together share one `write`.
    pub fn flush(&self) -> Result<()> {
        let _w = self.lock_writing();
        let (file, at, bytes) = {
            let mut st = self.lock();
            if st.pending.is_empty() {
                return Ok(());
            }
            let file = Arc::clone(self.check_open(&st)?);
            (file, st.written, std::mem::take(&mut st.pending))
        };
        let r = file.write_all_at(&bytes, at);
        let mut st = self.lock();
        // `pending` now holds only what was appended meanwhile, after these bytes; an
        // empty one takes this buffer back for the next appends. After a failed write
        // the bytes go back in front of it (written again at the next flush).
        let n = bytes.len() as u64;
        if r.is_err() {
            let mut back = bytes;
            back.extend_from_slice(&st.pending);
            st.pending = back;
        } else if st.pending.is_empty() {
            let mut spare = bytes;
            spare.clear();
            st.pending = spare;
        }
        self.wrote(&mut st, r, n)
    }

    /// Cuts the active file back to the end of the last whole transaction after a failed
    /// append; when even that fails the directory closes (nothing more is appended to a
    /// file with a torn transaction in it).
    fn undo_append(&self, st: &mut State, file: &File) {
        if let Err(e) = file.set_len(st.end) {
            let name = st.files.last().cloned().unwrap_or_default();
            self.poison(
                st,
                format!("a failed append to {name} could not be undone: {e}"),
            );
        }
    }

    /// [`BinlogDir::append`] for a transaction that may be too big to hold in memory
    /// (a backtrack over millions of rows): `fill` pushes its events into the sink one by
    /// one, and past `keep` bytes they go to the file in chunks as they come. The
    /// returned bytes are the events when they were at most `keep` bytes, else empty
    /// (and the flag, streamed, is true); None when `fill` pushed nothing. If `fill`
    /// fails, nothing of the transaction stays in the file.
    pub fn append_streamed<E: From<BinlogError>>(
        &self,
        keep: usize,
        fill: impl FnOnce(&mut EventSink) -> std::result::Result<(), E>,
    ) -> std::result::Result<Option<(Appended, bool)>, E> {
        let _w = self.lock_writing();
        let mut st = self.lock();
        self.flush_locked(&mut st)?;
        let file = Arc::clone(self.check_open(&st)?);
        let mut sink = EventSink {
            file: Arc::clone(&file),
            name: st.files.last().cloned().unwrap_or_default(),
            checksum: st.checksum,
            pos: st.end,
            buf: Vec::new(),
            keep,
            streaming: false,
            writer: None,
            path: self.path(st.files.last().map(String::as_str).unwrap_or_default()),
        };
        if let Err(e) = fill(&mut sink).and_then(|()| sink.finish().map_err(E::from)) {
            if let Some(w) = sink.writer.take() {
                let _ = w.finish();
            }
            self.undo_append(&mut st, &file);
            return Err(e);
        }
        if sink.pos == st.end {
            return Ok(None);
        }
        let streamed = sink.streaming;
        let bytes = if streamed {
            Vec::new()
        } else {
            std::mem::take(&mut sink.buf)
        };
        st.end = sink.pos;
        st.written = sink.pos;
        self.changed.notify_all();
        let at = Appended {
            file: std::mem::take(&mut sink.name),
            end: st.end,
            bytes,
            checksum: sink.checksum,
        };
        if st.end >= self.opts.max_size {
            if let Err(e) = self.rotate_locked(&mut st) {
                warn!(error = %e, file = %at.file, "binlog rotation failed");
            }
        }
        Ok(Some((at, streamed)))
    }

    /// Appends the events of one transaction (or one DDL statement) to the active file
    /// and writes them ([`BinlogDir::append`], then [`BinlogDir::flush`]). Returns the
    /// file and the end position of the transaction in it (its binlog coordinate).
    pub fn append_transaction(&self, events: &[Event]) -> Result<(String, u64)> {
        let at = self.append(events)?;
        self.flush()?;
        Ok((at.file, at.end))
    }

    /// Places the events of one transaction after the last one and returns where, with
    /// their bytes (which the engine's log keeps, so the file itself need not be fsynced
    /// at commit). They are written, and readers see them, at the next
    /// [`BinlogDir::flush`] (or rotation, sync, close). Rotates afterwards if the file
    /// reached `max_size`; a failed rotation does not undo the transaction (it is
    /// logged, and the next append reports it).
    pub fn append(&self, events: &[Event]) -> Result<Appended> {
        let mut st = self.lock();
        self.check_open(&st)?;
        let bytes = if events.is_empty() {
            Vec::new()
        } else {
            self.write_events(&mut st, events)?
        };
        let at = Appended {
            file: st.files.last().cloned().unwrap_or_default(),
            end: st.end,
            bytes,
            checksum: st.checksum,
        };
        if st.end >= self.opts.max_size {
            drop(st);
            let _w = self.lock_writing();
            let mut st = self.lock();
            let full = st.files.last() == Some(&at.file) && st.end >= self.opts.max_size;
            if full {
                if let Err(e) = self.rotate_locked(&mut st) {
                    warn!(error = %e, file = %at.file, "binlog rotation failed");
                }
            }
        }
        Ok(at)
    }

    /// Crash recovery: makes `bytes` (a transaction's events as [`BinlogDir::append`]
    /// wrote them) the content of file `name` at `start` again, if the file lost them
    /// (an OS crash can drop writes that were never fsynced). The file must not be the
    /// active one; its header is never overwritten. Returns whether anything was
    /// written; the caller fsyncs with [`BinlogDir::sync_file`] and then cuts the file
    /// back to the last transaction with [`BinlogDir::recover_to`].
    pub fn restore(&self, name: &str, start: u64, bytes: &[u8]) -> Result<bool> {
        let st = self.lock();
        Self::index_of(&st, name)?;
        if st.files.last().map(String::as_str) == Some(name) && st.active.is_some() {
            return Err(BinlogError::invalid(format!(
                "{name} is the active file; only closed files are restored"
            )));
        }
        drop(st);
        let path = self.path(name);
        let ctx = format!("restoring {}", path.display());
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_err(ctx.clone()))?;
        let len = file.metadata().map_err(io_err(ctx.clone()))?.len();
        let mut head = [0u8; HEADER_LEN];
        let header_end = match file.read_exact_at(&mut head, BINLOG_MAGIC.len() as u64) {
            Ok(()) => BINLOG_MAGIC.len() as u64 + u64::from(EventHeader::parse(&head)?.event_size),
            Err(e) => return Err(BinlogError::io(ctx, e)),
        };
        if start < header_end {
            warn!(
                file = name,
                start, "binlog events to restore overlap the header; skipped"
            );
            return Ok(false);
        }
        let have = len.saturating_sub(start).min(bytes.len() as u64) as usize;
        let mut old = vec![0u8; have];
        file.read_exact_at(&mut old, start)
            .map_err(io_err(ctx.clone()))?;
        if have == bytes.len() && old == bytes {
            return Ok(false);
        }
        file.write_all_at(bytes, start).map_err(io_err(ctx))?;
        Ok(true)
    }

    /// fsyncs file `name` (after [`BinlogDir::restore`]).
    pub fn sync_file(&self, name: &str) -> Result<()> {
        let path = self.path(name);
        File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(io_err(format!("syncing {}", path.display())))
    }

    /// Ends the active file with a Rotate event, writes what is pending, closes the file
    /// and starts the next one. The caller holds the `writing` lock.
    fn rotate_locked(&self, st: &mut State) -> Result<()> {
        let current = st.files.last().cloned().unwrap_or_default();
        let number = file_number(&self.opts.basename, &current).map_or(1, |n| n + 1);
        let next = self.file_name(number);
        let rotate = Event::rotate(Origin::now(self.opts.server_id), &next, 4);
        // Everything before the Rotate first, so a failure below can take it back.
        self.flush_locked(st)?;
        let before = st.end;
        self.write_events(st, std::slice::from_ref(&rotate))?;
        let old = Arc::clone(self.check_open(st)?);
        let path = self.path(&current);
        let closed = self.flush_locked(st).and_then(|()| {
            Self::clear_in_use(&old, &path)?;
            old.sync_all()
                .map_err(io_err(format!("syncing {}", path.display())))
        });
        let started = closed.and_then(|()| self.start_file(st, number, 0));
        if let Err(e) = started {
            // Not rotated (a full disk): the old file stays active without its Rotate,
            // and the next append tries again.
            st.pending.clear();
            let undo = old
                .set_len(before)
                .and_then(|()| Self::set_in_use(&old))
                .map_err(io_err(format!("reopening {}", path.display())));
            match undo {
                Ok(()) => {
                    st.end = before;
                    st.written = before;
                }
                Err(u) => {
                    // The old file ends with a Rotate: nothing may follow it there.
                    st.active = None;
                    st.closed = Some(format!(
                        "{current} was rotated but {next} could not be created: {e} ({u})"
                    ));
                }
            }
            self.changed.notify_all();
            return Err(e);
        }
        info!(from = %current, to = %next, "binlog rotated");
        Ok(())
    }

    /// `SET GLOBAL binlog_checksum`: files started from now on use `checksum` (the caller
    /// rotates, as MySQL does, so the change applies at once).
    pub fn set_checksum(&self, checksum: Checksum) {
        self.lock().next_checksum = checksum;
    }

    /// `FLUSH BINARY LOGS`: rotates now. Returns the new active file.
    pub fn flush_logs(&self) -> Result<String> {
        let _w = self.lock_writing();
        let mut st = self.lock();
        self.check_open(&st)?;
        self.rotate_locked(&mut st)?;
        Ok(st.files.last().cloned().unwrap_or_default())
    }

    /// Makes everything appended so far durable (`sync_binlog`). The lock is not held
    /// during the fsync, so appends continue meanwhile.
    pub fn sync(&self) -> Result<()> {
        self.flush()?;
        let (file, name, mark) = {
            let st = self.lock();
            let mark = (st.files.len(), st.written);
            if st.synced == mark {
                return Ok(());
            }
            (
                Arc::clone(self.check_open(&st)?),
                st.files.last().cloned().unwrap_or_default(),
                mark,
            )
        };
        file.sync_data()
            .map_err(io_err(format!("syncing binlog {name}")))?;
        // A concurrent sync may store an older mark: that only costs one extra fsync.
        self.lock().synced = mark;
        Ok(())
    }

    /// `SHOW BINARY LOGS`: every file in the index with its size.
    pub fn list(&self) -> Result<Vec<(String, u64)>> {
        let st = self.lock();
        let last = st.files.len().saturating_sub(1);
        let mut out = Vec::with_capacity(st.files.len());
        for (i, name) in st.files.iter().enumerate() {
            let size = if i == last && st.active.is_some() {
                st.end
            } else {
                fs::metadata(self.path(name))
                    .map_err(io_err(format!("reading the size of {name}")))?
                    .len()
            };
            out.push((name.clone(), size));
        }
        Ok(out)
    }

    /// `SHOW MASTER STATUS`: the active file and its end.
    pub fn current(&self) -> (String, u64) {
        let st = self.lock();
        (st.files.last().cloned().unwrap_or_default(), st.end)
    }

    /// Removes the first `count` files: index first, then the files (a crash in between
    /// leaves unlisted files behind, never a listed file that is missing).
    fn purge_first(&self, st: &mut State, count: usize) -> Result<Vec<String>> {
        let count = count.min(st.files.len().saturating_sub(1));
        if count == 0 {
            return Ok(Vec::new());
        }
        let keep = st.files[count..].to_vec();
        self.write_index(&keep)?;
        let gone: Vec<String> = st.files.drain(..count).collect();
        for name in &gone {
            if let Err(e) = fs::remove_file(self.path(name)) {
                warn!(file = %name, error = %e, "purged binlog file could not be removed");
            }
        }
        info!(files = ?gone, "binlog files purged");
        Ok(gone)
    }

    /// Where `name` is in the index.
    fn index_of(st: &State, name: &str) -> Result<usize> {
        st.files
            .iter()
            .position(|f| f == name)
            .ok_or_else(|| BinlogError::NotFound {
                name: name.to_string(),
            })
    }

    /// `PURGE BINARY LOGS TO 'name'`: removes every file before `name` (never the active
    /// one). Returns the removed files.
    pub fn purge_to(&self, name: &str) -> Result<Vec<String>> {
        let mut st = self.lock();
        let idx = Self::index_of(&st, name)?;
        self.purge_first(&mut st, idx)
    }

    /// `PURGE BINARY LOGS BEFORE t`: removes the files, oldest first, last modified before
    /// `unix_time`, stopping at the first newer one and never removing the active file.
    pub fn purge_before(&self, unix_time: u64) -> Result<Vec<String>> {
        let mut st = self.lock();
        let limit = SystemTime::UNIX_EPOCH + Duration::from_secs(unix_time);
        let mut count = 0;
        for name in st.files.iter().take(st.files.len().saturating_sub(1)) {
            let modified = fs::metadata(self.path(name))
                .and_then(|m| m.modified())
                .map_err(io_err(format!("reading the time of {name}")))?;
            if modified >= limit {
                break;
            }
            count += 1;
        }
        self.purge_first(&mut st, count)
    }

    /// `RESET MASTER`: removes every file and starts again at `.000001`.
    pub fn reset(&self) -> Result<()> {
        let _w = self.lock_writing();
        let mut st = self.lock();
        // Events of commits in flight go with their files.
        st.pending.clear();
        st.written = st.end;
        self.write_index(&[])?;
        for name in std::mem::take(&mut st.files) {
            if let Err(e) = fs::remove_file(self.path(&name)) {
                warn!(file = %name, error = %e, "binlog file could not be removed on reset");
            }
        }
        st.active = None;
        self.start_file(&mut st, 1, now_secs())?;
        info!("binlog reset");
        Ok(())
    }

    /// Clean shutdown: ends the active file with a Stop event, clears its in-use flag and
    /// syncs it. Appends fail afterwards; readers can still read.
    pub fn close(&self) -> Result<()> {
        let _w = self.lock_writing();
        let mut st = self.lock();
        if st.closed.is_some() {
            return Ok(());
        }
        let stop = Event::stop(Origin::now(self.opts.server_id));
        self.write_events(&mut st, std::slice::from_ref(&stop))?;
        self.flush_locked(&mut st)?;
        let file = Arc::clone(self.check_open(&st)?);
        let name = st.files.last().cloned().unwrap_or_default();
        Self::clear_in_use(&file, &self.path(&name))?;
        file.sync_all().map_err(io_err(format!("syncing {name}")))?;
        st.active = None;
        st.closed = Some(SHUT_DOWN.into());
        self.changed.notify_all();
        info!(file = %name, "binlog closed");
        Ok(())
    }

    /// Cuts the binlog back to `pos` in `name`, dropping every later event: for the
    /// integrator's crash recovery, to remove transactions the engine did not commit.
    /// `pos` must be an event boundary after the Format_description. Files after `name`
    /// may hold nothing but their Format_description and Rotate/Stop events (true right
    /// after [`BinlogDir::open`]); they are kept, so the active file stays.
    pub fn truncate_after(&self, name: &str, pos: u64) -> Result<()> {
        let _w = self.lock_writing();
        let mut st = self.lock();
        if st.active.is_some() {
            self.flush_locked(&mut st)?;
        }
        let idx = Self::index_of(&st, name)?;
        let last = st.files.len() - 1;
        for later in &st.files[idx + 1..] {
            let f = File::open(self.path(later)).map_err(io_err(format!("opening {later}")))?;
            let len = f
                .metadata()
                .map_err(io_err(format!("reading {later}")))?
                .len();
            let scan = scan_file(&f, later, len)?;
            if scan.has_transactions {
                return Err(BinlogError::invalid(format!(
                    "cannot truncate {name}: {later} after it already holds transactions"
                )));
            }
        }
        let is_active = idx == last && st.active.is_some();
        let path = self.path(name);
        let file = if is_active {
            Arc::clone(self.check_open(&st)?)
        } else {
            Arc::new(
                OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(&path)
                    .map_err(io_err(format!("opening {}", path.display())))?,
            )
        };
        let len = if is_active {
            st.end
        } else {
            file.metadata()
                .map_err(io_err(format!("reading {name}")))?
                .len()
        };
        let scan = scan_file(&file, name, len)?;
        if pos == len {
            return Ok(());
        }
        if !scan.boundaries.contains(&pos) {
            return Err(BinlogError::invalid(format!(
                "{pos} is not an event boundary after the header of {name}"
            )));
        }
        file.set_len(pos)
            .map_err(io_err(format!("truncating {}", path.display())))?;
        file.sync_all()
            .map_err(io_err(format!("syncing {}", path.display())))?;
        if is_active {
            st.end = pos;
            st.written = pos;
        }
        warn!(file = %name, from = len, to = pos, "binlog truncated");
        self.changed.notify_all();
        Ok(())
    }

    /// Startup crash recovery for the integrator: makes (`name`, `pos`), the end of the
    /// last transaction the engine committed durably, the end of the binlog's history.
    /// Files between `name` and the active file (the one [`BinlogDir::open`] just started)
    /// hold only transactions the engine lost: they are removed from the index and the
    /// disk; then `name` is cut back to `pos` with [`BinlogDir::truncate_after`]. Returns
    /// the removed files.
    pub fn recover_to(&self, name: &str, pos: u64) -> Result<Vec<String>> {
        let removed = {
            let mut st = self.lock();
            let idx =
                st.files
                    .iter()
                    .position(|f| f == name)
                    .ok_or_else(|| BinlogError::NotFound {
                        name: name.to_string(),
                    })?;
            let last = st.files.len() - 1;
            if idx >= last {
                Vec::new()
            } else {
                let mut keep = st.files[..=idx].to_vec();
                keep.push(st.files[last].clone());
                let gone: Vec<String> = st.files[idx + 1..last].to_vec();
                if !gone.is_empty() {
                    self.write_index(&keep)?;
                    st.files = keep;
                    for f in &gone {
                        warn!(file = %f, "binlog file holds only uncommitted transactions; removed");
                        if let Err(e) = fs::remove_file(self.path(f)) {
                            warn!(file = %f, error = %e, "binlog file could not be removed");
                        }
                    }
                }
                gone
            }
        };
        self.truncate_after(name, pos)?;
        Ok(removed)
    }

    /// False once the log was closed (shutdown) or poisoned by a failed write.
    pub fn is_open(&self) -> bool {
        let st = self.lock();
        st.active.is_some() && st.closed.is_none()
    }

    /// Blocks until there is something to read at (`name`, `pos`): the active file grew
    /// past `pos`, another file became active, or the log was closed (check
    /// [`BinlogDir::is_open`]); or until `timeout`. Returns false on timeout (a dump
    /// thread then sends a Heartbeat).
    pub fn wait_for_more(&self, name: &str, pos: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut st = self.lock();
        loop {
            let active = st.files.last().map(String::as_str);
            if active != Some(name) || st.written > pos || st.closed.is_some() {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            st = self.changed.wait_timeout(st, deadline - now);
        }
    }

    /// Reads the events of `name` from `from_pos` (4 or less: from the
    /// Format_description) and on into the following files, up to the published end of
    /// the active file; [`EventReader::next`] can be called again after
    /// [`BinlogDir::wait_for_more`]. An event at position 4 (a Format_description) starts
    /// a new file: a dump thread sends an artificial Rotate before it, as MySQL does.
    pub fn read_events(&self, name: &str, from_pos: u64) -> Result<EventReader<'_>> {
        EventReader::new(self, name, from_pos, true)
    }

    /// [`BinlogDir::read_events`] within `name` only (`SHOW BINLOG EVENTS IN 'name'`).
    pub fn read_file_events(&self, name: &str, from_pos: u64) -> Result<EventReader<'_>> {
        EventReader::new(self, name, from_pos, false)
    }

    /// How far `name` may be read, and what follows it.
    fn visible(&self, name: &str, handle: &File) -> Result<Visible> {
        let st = self.lock();
        let basename = &self.opts.basename;
        if st.files.last().map(String::as_str) == Some(name) && st.active.is_some() {
            return Ok(Visible {
                end: st.written,
                active: true,
                next: None,
            });
        }
        let next = match st.files.iter().position(|f| f == name) {
            Some(i) => st.files.get(i + 1).cloned(),
            None => {
                // Purged while being read: continue with the first later file.
                let n = file_number(basename, name).unwrap_or(0);
                st.files
                    .iter()
                    .find(|f| file_number(basename, f).is_some_and(|m| m > n))
                    .cloned()
            }
        };
        drop(st);
        let end = handle
            .metadata()
            .map_err(io_err(format!("reading the size of {name}")))?
            .len();
        Ok(Visible {
            end,
            active: false,
            next,
        })
    }
}

/// What a reader may read of a file.
struct Visible {
    /// The published end (active file) or the size (older files, which never grow).
    end: u64,
    /// The file is the active one: it may grow.
    active: bool,
    /// The file after it in the index.
    next: Option<String>,
}

/// What a scan of a whole file found.
struct Scan {
    /// End of the last complete transaction (None: no complete Format_description).
    group_end: Option<u64>,
    /// Every event end up to where the scan stopped.
    boundaries: Vec<u64>,
    /// Whether any event other than Format_description/Rotate/Stop was found.
    has_transactions: bool,
    /// Why the scan stopped before the end, if it did.
    stop_reason: String,
}

/// Walks every event of a file of `len` bytes, verifying each (size, CRC, `log_pos`).
fn scan_file(file: &File, name: &str, len: u64) -> Result<Scan> {
    let mut scan = Scan {
        group_end: None,
        boundaries: Vec::new(),
        has_transactions: false,
        stop_reason: String::new(),
    };
    let mut magic = [0u8; 4];
    let have = len.min(4) as usize;
    file.read_exact_at(&mut magic[..have], 0)
        .map_err(io_err(format!("reading {name}")))?;
    if magic[..have] != BINLOG_MAGIC[..have] {
        return Err(BinlogError::corrupt(
            name,
            0,
            "not a binlog file (bad magic)",
        ));
    }
    let mut reader = std::io::BufReader::with_capacity(1 << 16, FileReader { file, pos: 0 });
    let mut skip = [0u8; 4];
    if have < 4 || reader.read_exact(&mut skip).is_err() {
        scan.stop_reason = "file shorter than the magic".into();
        return Ok(scan);
    }
    let mut pos = 4u64;
    let mut checksum = Checksum::None;
    let mut in_txn = false;
    let mut raw = Vec::new();
    loop {
        if pos == len {
            break;
        }
        let mut head = [0u8; HEADER_LEN];
        if pos + HEADER_LEN as u64 > len || reader.read_exact(&mut head).is_err() {
            scan.stop_reason = format!("incomplete event header at {pos}");
            break;
        }
        let h = EventHeader::parse(&head)?;
        let size = u64::from(h.event_size);
        if size < HEADER_LEN as u64 || pos + size > len {
            scan.stop_reason =
                format!("event at {pos} of {size} bytes passes the end or is too small");
            break;
        }
        raw.clear();
        raw.extend_from_slice(&head);
        raw.resize(size as usize, 0);
        if reader.read_exact(&mut raw[HEADER_LEN..]).is_err() {
            scan.stop_reason = format!("short read at {pos}");
            break;
        }
        if pos == 4 {
            match parse_format_description(&raw) {
                Ok(fd) => checksum = fd.checksum,
                Err(e) => {
                    scan.stop_reason = format!("bad Format_description: {e}");
                    break;
                }
            }
        } else if let Err(e) = verify_event(&raw, checksum) {
            scan.stop_reason = format!("event at {pos}: {e}");
            break;
        }
        if u64::from(h.log_pos) != pos + size {
            scan.stop_reason = format!("event at {pos} has log_pos {}", h.log_pos);
            break;
        }
        if !matches!(
            h.type_code,
            types::FORMAT_DESCRIPTION | types::ROTATE | types::STOP
        ) {
            scan.has_transactions = true;
        }
        pos += size;
        scan.boundaries.push(pos);
        match ends_group(&raw, checksum, &mut in_txn) {
            Ok(true) => scan.group_end = Some(pos),
            Ok(false) => {}
            Err(e) => {
                scan.stop_reason = format!("event at {}: {e}", pos - size);
                break;
            }
        }
    }
    if scan.stop_reason.is_empty() && in_txn {
        scan.stop_reason = "the last transaction has no COMMIT".into();
    }
    Ok(scan)
}

/// `Read` over a `File` by position (the file's own cursor is left alone).
struct FileReader<'a> {
    file: &'a File,
    pos: u64,
}

impl Read for FileReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Iterates the events of binlog files; see [`BinlogDir::read_events`].
pub struct EventReader<'a> {
    dir: &'a BinlogDir,
    name: String,
    file: File,
    pos: u64,
    /// How far `file` may be read, as last asked (refreshed when reached).
    end: u64,
    checksum: Checksum,
    fde: Vec<u8>,
    follow: bool,
    failed: bool,
}

impl<'a> EventReader<'a> {
    fn new(dir: &'a BinlogDir, name: &str, from_pos: u64, follow: bool) -> Result<Self> {
        {
            let st = dir.lock();
            if !st.files.iter().any(|f| f == name) {
                return Err(BinlogError::NotFound {
                    name: name.to_string(),
                });
            }
        }
        let (file, fde, checksum) = Self::open_file(dir, name)?;
        let end = dir.visible(name, &file)?.end;
        let pos = from_pos.max(BINLOG_MAGIC.len() as u64);
        if pos > end {
            return Err(BinlogError::invalid(format!(
                "position {from_pos} is past the end of {name} ({end})"
            )));
        }
        Ok(EventReader {
            dir,
            name: name.to_string(),
            file,
            pos,
            end,
            checksum,
            fde,
            follow,
            failed: false,
        })
    }

    fn open_file(dir: &BinlogDir, name: &str) -> Result<(File, Vec<u8>, Checksum)> {
        let path = dir.path(name);
        let file = File::open(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                BinlogError::NotFound {
                    name: name.to_string(),
                }
            } else {
                BinlogError::io(format!("opening {}", path.display()), e)
            }
        })?;
        let mut head = [0u8; 4 + HEADER_LEN];
        file.read_exact_at(&mut head, 0)
            .map_err(|e| BinlogError::corrupt(name, 0, format!("no binlog header: {e}")))?;
        if head[..4] != BINLOG_MAGIC {
            return Err(BinlogError::corrupt(
                name,
                0,
                "not a binlog file (bad magic)",
            ));
        }
        let h = EventHeader::parse(&head[4..]).map_err(|e| e.at(name, 4))?;
        if h.type_code != types::FORMAT_DESCRIPTION || h.event_size > 1 << 16 {
            return Err(BinlogError::corrupt(name, 4, "no Format_description event"));
        }
        let mut fde = vec![0u8; h.event_size as usize];
        file.read_exact_at(&mut fde, 4)
            .map_err(|e| BinlogError::corrupt(name, 4, format!("short Format_description: {e}")))?;
        let fd = parse_format_description(&fde).map_err(|e| e.at(name, 4))?;
        Ok((file, fde, fd.checksum))
    }

    /// The file and position of the next event to read.
    pub fn position(&self) -> (&str, u64) {
        (&self.name, self.pos)
    }

    /// The Format_description of the current file (a dump that starts mid-file sends it
    /// first, see [`super::event::format_description_for_dump`]).
    pub fn format_description(&self) -> &[u8] {
        &self.fde
    }

    /// The checksum of the current file's events.
    pub fn checksum(&self) -> Checksum {
        self.checksum
    }

    fn read_one(&mut self) -> Result<Option<RawEvent>> {
        loop {
            if self.pos + HEADER_LEN as u64 <= self.end {
                return self.read_at(self.end).map(Some);
            }
            // At the end of what was visible: look again.
            let v = self.dir.visible(&self.name, &self.file)?;
            self.end = v.end;
            if self.pos + HEADER_LEN as u64 <= self.end {
                continue;
            }
            if v.active || !self.follow {
                return Ok(None);
            }
            let Some(next) = v.next else {
                return Ok(None);
            };
            let (file, fde, checksum) = Self::open_file(self.dir, &next)?;
            self.name = next;
            self.file = file;
            self.fde = fde;
            self.checksum = checksum;
            self.pos = BINLOG_MAGIC.len() as u64;
            self.end = 0;
        }
    }

    fn read_at(&mut self, end: u64) -> Result<RawEvent> {
        let (name, pos) = (self.name.clone(), self.pos);
        let mut head = [0u8; HEADER_LEN];
        self.file
            .read_exact_at(&mut head, pos)
            .map_err(io_err(format!("reading {name} at {pos}")))?;
        let h = EventHeader::parse(&head).map_err(|e| e.at(&name, pos))?;
        let size = u64::from(h.event_size);
        if size < HEADER_LEN as u64 || pos + size > end {
            return Err(BinlogError::corrupt(
                &name,
                pos,
                format!("event size {size} does not fit before the end of the file ({end})"),
            ));
        }
        let mut raw = vec![0u8; size as usize];
        raw[..HEADER_LEN].copy_from_slice(&head);
        self.file
            .read_exact_at(&mut raw[HEADER_LEN..], pos + HEADER_LEN as u64)
            .map_err(io_err(format!("reading {name} at {pos}")))?;
        verify_event(&raw, self.checksum).map_err(|e| e.at(&name, pos))?;
        if u64::from(h.log_pos) != pos + size && h.flags & LOG_EVENT_ARTIFICIAL_F == 0 {
            return Err(BinlogError::corrupt(
                &name,
                pos,
                format!(
                    "log_pos {} is not the event's end {}",
                    h.log_pos,
                    pos + size
                ),
            ));
        }
        self.pos = pos + size;
        Ok(RawEvent {
            file: name,
            pos,
            raw,
            checksum: self.checksum,
        })
    }
}

impl Iterator for EventReader<'_> {
    type Item = Result<RawEvent>;

    /// The next event, or `None` at the end of what is published (call again after
    /// [`BinlogDir::wait_for_more`]) or of the file for a single-file reader. After an
    /// error the reader stays at the bad event and keeps returning `None`.
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.read_one() {
            Ok(ev) => ev.map(Ok),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}
