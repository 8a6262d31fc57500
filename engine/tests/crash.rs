//! Crash consistency: a child process commits in a loop (several threads, so
//! group commit is exercised, and checkpoints run in the background) and is
//! killed with SIGKILL at random moments. After each kill the volume reopens
//! with every acknowledged commit present and no transaction half applied.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::ops::Bound;
use std::process::{Command, Stdio};
use std::time::Duration;

use borealis_engine::storage::{CommitInfo, Volume, VolumeOptions};
use common::*;

const TREE: u64 = 7;
const CHILD_ENV: &str = "BOREALIS_CRASH_CHILD";

fn opts() -> VolumeOptions {
    VolumeOptions {
        page_size: 4096,
        cache_bytes: 1 << 20,
        checkpoint_log_bytes: 256 * 1024,
        checkpoint_interval: Duration::from_millis(200),
        default_retention_us: 0,
        ..Default::default()
    }
}

/// The child: commit transactions `base + thread * 1e9 + i`, each writing three
/// keys, and print `ACK n` once `commit` has returned.
fn child(dir: &str, base: u64) {
    let vol = Volume::open(dir, opts()).unwrap();
    let c = match vol.cluster("main") {
        Some(c) => c,
        None => vol.create_cluster("main").unwrap(),
    };
    if !c.snapshot().has_tree(TREE) {
        let mut tx = c.begin();
        tx.create_tree_with_id(TREE).unwrap();
        tx.commit(CommitInfo::default()).unwrap();
    }
    let threads: Vec<_> = (0..3u64)
        .map(|t| {
            let c = c.clone();
            std::thread::spawn(move || {
                for i in 0.. {
                    let n = base + t * 1_000_000_000 + i;
                    let mut tx = c.begin();
                    for part in ["a", "b", "c"] {
                        tx.put(
                            TREE,
                            format!("{n:020}/{part}").as_bytes(),
                            &n.to_le_bytes().repeat(1 + (i % 40) as usize),
                        )
                        .unwrap();
                    }
                    tx.commit(CommitInfo::default()).unwrap();
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "ACK {n}").unwrap();
                    out.flush().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

#[test]
fn kill_9_loses_no_acknowledged_commit() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        let base = std::env::var("BOREALIS_CRASH_BASE")
            .unwrap()
            .parse()
            .unwrap();
        child(&dir, base);
        return;
    }
    let dir = TempDir::new("crash");
    let mut rng = Rng(0xc0ffee);
    let mut acked: BTreeSet<u64> = BTreeSet::new();
    let iterations = 25;
    for iter in 0..iterations {
        let base = (iter as u64 + 1) * 10_000_000_000;
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "kill_9_loses_no_acknowledged_commit",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &dir.0)
            .env("BOREALIS_CRASH_BASE", base.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("ACK ") {
                    got.push(n.parse::<u64>().unwrap());
                }
            }
            got
        });
        std::thread::sleep(Duration::from_millis(100 + rng.below(500)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let got = reader.join().unwrap();
        acked.extend(got.iter().copied());

        let vol = Volume::open(
            &dir.0,
            VolumeOptions {
                background: false,
                ..opts()
            },
        )
        .unwrap();
        let snap = vol.cluster("main").unwrap().snapshot();
        let mut present: std::collections::BTreeMap<u64, u32> = Default::default();
        for r in snap
            .range(TREE, Bound::Unbounded, Bound::Unbounded, false)
            .unwrap()
        {
            let (k, v) = r.unwrap();
            let k = std::str::from_utf8(&k).unwrap();
            let n: u64 = k[..20].parse().unwrap();
            assert_eq!(&v[..8], &n.to_le_bytes(), "value of {k}");
            *present.entry(n).or_default() += 1;
        }
        for (n, parts) in &present {
            assert_eq!(*parts, 3, "transaction {n} is partial after kill {iter}");
        }
        for n in &acked {
            assert!(
                present.contains_key(n),
                "acknowledged transaction {n} lost after kill {iter}"
            );
        }
        assert!(
            !got.is_empty() || iter > 0,
            "the child committed nothing before the kill"
        );
        drop(snap);
        vol.abandon();
    }
    assert!(
        acked.len() > 100,
        "only {} commits acknowledged over {iterations} kills",
        acked.len()
    );
}
