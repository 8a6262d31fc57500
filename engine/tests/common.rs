//! Helpers shared by the engine's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use borealis_engine::sql::session::Instance;
use borealis_engine::sql::vars::ServerInfo;
use borealis_engine::storage::{Volume, VolumeOptions};

/// A fresh directory under the system temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!(
            "borealis-test-{name}-{}-{}",
            std::process::id(),
            rand_u64()
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    h.finish()
}

/// xorshift64*: tests are seeded and reproducible.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// Small pages, a small cache and no background thread, so tests exercise
/// splits, overflow chains, eviction and explicit checkpoints.
pub fn small_opts() -> VolumeOptions {
    VolumeOptions {
        page_size: 4096,
        cache_bytes: 256 * 1024,
        background: false,
        default_retention_us: 0,
        ..Default::default()
    }
}

/// [`small_opts`] keeping an hour of history: past reads, rewinds and forks at a time.
/// History kept for an hour; the timeline index thinned at every checkpoint to one entry
/// per hour, so point-in-time lookups find nearly every commit by reading the log.
pub fn retained_opts() -> VolumeOptions {
    VolumeOptions {
        default_retention_us: 3600 * 1_000_000,
        timeline_recent_us: 0,
        timeline_grain_us: 3600 * 1_000_000,
        ..small_opts()
    }
}

/// A SQL instance on a fresh small volume with one cluster, `borealis`, whose master
/// account is `admin` / `pw`. Keep the directory alive as long as the instance.
pub fn sql_instance(name: &str) -> (TempDir, std::sync::Arc<Instance>) {
    let dir = TempDir::new(name);
    let vol = std::sync::Arc::new(Volume::open(&dir.0, small_opts()).unwrap());
    vol.create_cluster("borealis").unwrap();
    let inst = Instance::new(
        vol,
        "borealis",
        ServerInfo::default(),
        Some(("admin", "pw")),
    )
    .unwrap();
    (dir, inst)
}

pub fn open(dir: &TempDir, opts: VolumeOptions) -> Volume {
    Volume::open(&dir.0, opts).unwrap()
}

pub fn key(i: u64) -> Vec<u8> {
    format!("k{i:08}").into_bytes()
}
