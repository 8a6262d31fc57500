//! The seam between the pager and the disk: a [`PageStore`] reads and writes byte
//! ranges of the page file. [`FileStore`] is the real one; [`FaultyStore`] wraps any
//! store and injects read errors, write errors and torn writes for tests.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// Byte-addressed storage for the page file.
#[allow(clippy::len_without_is_empty)]
pub trait PageStore: Send + Sync {
    /// Fills `buf` from `offset`; reading past the end is an error.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
    /// Writes all of `buf` at `offset`, growing the file as needed.
    fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()>;
    /// Makes every completed write durable (fdatasync).
    fn sync(&self) -> io::Result<()>;
    /// Current length in bytes.
    fn len(&self) -> io::Result<u64>;
    /// The file this store stands for, for error messages.
    fn path(&self) -> &Path;
}

/// The page file on disk.
pub struct FileStore {
    file: File,
    path: PathBuf,
}

impl FileStore {
    /// Opens (creating if missing) the page file at `path`.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = super::wal::private_options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        Ok(FileStore {
            file,
            path: path.to_path_buf(),
        })
    }
}

impl PageStore for FileStore {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.file.read_exact_at(buf, offset)
    }
    fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        self.file.write_all_at(buf, offset)
    }
    fn sync(&self) -> io::Result<()> {
        self.file.sync_data()
    }
    fn len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }
    fn path(&self) -> &Path {
        &self.path
    }
}

/// A test double that injects faults into another store. Rates are in parts per
/// million and can be changed while the store is in use.
pub struct FaultyStore {
    inner: Arc<dyn PageStore>,
    pub read_error_ppm: AtomicU32,
    pub write_error_ppm: AtomicU32,
    pub torn_write_ppm: AtomicU32,
    pub sync_error_ppm: AtomicU32,
    rng: Mutex<u64>,
}

impl FaultyStore {
    pub fn new(inner: Arc<dyn PageStore>, seed: u64) -> Self {
        FaultyStore {
            inner,
            read_error_ppm: AtomicU32::new(0),
            write_error_ppm: AtomicU32::new(0),
            torn_write_ppm: AtomicU32::new(0),
            sync_error_ppm: AtomicU32::new(0),
            rng: Mutex::new(seed | 1),
        }
    }

    /// Sets every fault rate at once.
    pub fn set_rates(&self, read: u32, write: u32, torn: u32, sync: u32) {
        self.read_error_ppm.store(read, Ordering::Relaxed);
        self.write_error_ppm.store(write, Ordering::Relaxed);
        self.torn_write_ppm.store(torn, Ordering::Relaxed);
        self.sync_error_ppm.store(sync, Ordering::Relaxed);
    }

    fn roll(&self, ppm: &AtomicU32) -> bool {
        let ppm = ppm.load(Ordering::Relaxed);
        if ppm == 0 {
            return false;
        }
        let mut s = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        (*s % 1_000_000) < u64::from(ppm)
    }
}

fn injected(what: &str) -> io::Error {
    io::Error::other(format!("injected {what} fault"))
}

impl PageStore for FaultyStore {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        if self.roll(&self.read_error_ppm) {
            return Err(injected("read"));
        }
        self.inner.read_at(offset, buf)
    }
    fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        if self.roll(&self.write_error_ppm) {
            return Err(injected("write"));
        }
        if self.roll(&self.torn_write_ppm) {
            self.inner.write_at(offset, &buf[..buf.len() / 2])?;
            return Err(injected("torn write"));
        }
        self.inner.write_at(offset, buf)
    }
    fn sync(&self) -> io::Result<()> {
        if self.roll(&self.sync_error_ppm) {
            return Err(injected("sync"));
        }
        self.inner.sync()
    }
    fn len(&self) -> io::Result<u64> {
        self.inner.len()
    }
    fn path(&self) -> &Path {
        self.inner.path()
    }
}
