//! Engine micro-benchmarks (run by `scripts/bench-engine.sh`; figures, not tests).
//!
//! Prints medians of several rounds for: point get, range scan, commit
//! throughput with 1, 8 and 64 concurrent committers (fsync on), fork time at
//! 10^5, 10^6 and 10^7 rows, and the page-cache hit path.

use std::io::Write;
use std::ops::Bound;
use std::sync::Arc;
use std::time::{Duration, Instant};

use borealis_engine::storage::{CommitInfo, PointInTime, Volume, VolumeOptions};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn out(line: String) {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "{line}");
}

fn load(vol: &Volume, name: &str, rows: u64) -> (borealis_engine::storage::Cluster, u64) {
    let c = vol.create_cluster(name).unwrap();
    let mut tx = c.begin();
    let tree = tx.create_tree();
    tx.commit(CommitInfo::default()).unwrap();
    let batch = 50_000;
    let mut i = 0;
    while i < rows {
        let mut tx = c.begin();
        for k in i..(i + batch).min(rows) {
            tx.put(tree, &k.to_be_bytes(), &[b'x'; 24]).unwrap();
        }
        tx.commit(CommitInfo::default()).unwrap();
        i += batch;
    }
    vol.checkpoint().unwrap();
    (c, tree)
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/borealis-bench-engine".into());
    let big: u64 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let _ = std::fs::remove_dir_all(&dir);
    let fsync = std::env::var("BENCH_FSYNC")
        .map(|v| v != "0")
        .unwrap_or(true);
    let only_commits = std::env::var("BENCH_ONLY_COMMITS").is_ok();
    let vol = Volume::open(
        &dir,
        VolumeOptions {
            default_retention_us: 0,
            fsync,
            ..Default::default()
        },
    )
    .unwrap();
    out(format!("fsync on commit: {fsync}"));

    // Point get and range scan on 10^6 rows, cache hot.
    let (c, tree) = load(&vol, "reads", if only_commits { 1000 } else { 1_000_000 });
    let snap = c.snapshot();
    let mut gets = Vec::new();
    for round in 0..5u64 {
        let n = if only_commits { 1000 } else { 1_000_000u64 };
        let t = Instant::now();
        let mut x = round;
        for _ in 0..n {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = (x >> 11) % 1_000_000;
            let _ = snap.get(tree, &k.to_be_bytes()).unwrap();
        }
        gets.push(t.elapsed().as_nanos() as f64 / n as f64);
    }
    out(format!(
        "point get (10^6 rows, cache hot): median {:.0} ns/op",
        median(gets)
    ));
    let mut scans = Vec::new();
    for _ in 0..if only_commits { 0 } else { 5 } {
        let t = Instant::now();
        let n = snap
            .range(tree, Bound::Unbounded, Bound::Unbounded, false)
            .unwrap()
            .count();
        scans.push(n as f64 / t.elapsed().as_secs_f64() / 1e6);
    }
    out(format!(
        "range scan (10^6 rows): median {:.1} M rows/s",
        median(scans)
    ));
    let mut rscans = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let n = snap
            .range(tree, Bound::Unbounded, Bound::Unbounded, true)
            .unwrap()
            .count();
        rscans.push(n as f64 / t.elapsed().as_secs_f64() / 1e6);
    }
    out(format!(
        "reverse range scan (10^6 rows): median {:.1} M rows/s",
        median(rscans)
    ));

    // The cache hit path alone: a lookup of a cached node by page id.
    {
        use borealis_engine::storage::cache::Cache;
        use borealis_engine::storage::page::{Leaf, Node, ValRef};
        let cache = Cache::new(256 << 20);
        for id in 1..=20_000u64 {
            let mut leaf = Leaf::default();
            leaf.push(&[1u8; 8], ValRef::Inline(&[2u8; 100]));
            cache.insert(id, Arc::new(Node::Leaf(leaf)));
        }
        let mut hits = Vec::new();
        for _ in 0..5 {
            let n = 2_000_000u64;
            let t = Instant::now();
            let mut x = 1u64;
            for _ in 0..n {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                assert!(cache.get(1 + (x >> 33) % 20_000).is_some());
            }
            hits.push(t.elapsed().as_nanos() as f64 / n as f64);
        }
        out(format!(
            "page cache hit (20k cached pages): median {:.0} ns/lookup",
            median(hits)
        ));
    }
    let st = vol.cache_stats();
    out(format!(
        "page cache: {} hits, {} misses, {} / {} bytes",
        st.hits, st.misses, st.bytes, st.capacity
    ));
    drop(snap);

    // Commit throughput, fsync on: each commit writes one row.
    for threads in [1usize, 8, 64] {
        let mut rates = Vec::new();
        for round in 0..3 {
            let name = format!("w{threads}-{round}");
            let c = vol.create_cluster(&name).unwrap();
            let mut tx = c.begin();
            let tree = tx.create_tree();
            tx.commit(CommitInfo::default()).unwrap();
            let per = (2000 / threads).max(50) as u64;
            let t = Instant::now();
            let hs: Vec<_> = (0..threads as u64)
                .map(|th| {
                    let c = c.clone();
                    std::thread::spawn(move || {
                        for i in 0..per {
                            let mut tx = c.begin();
                            tx.put(tree, &(th * 1_000_000 + i).to_be_bytes(), &[b'y'; 120])
                                .unwrap();
                            tx.commit(CommitInfo::default()).unwrap();
                        }
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
            rates.push((per * threads as u64) as f64 / t.elapsed().as_secs_f64());
            drop(c);
            vol.drop_cluster(&name).unwrap();
        }
        out(format!(
            "commits/s with {threads} committers: median {:.0}",
            median(rates)
        ));
    }

    // Fork time must stay flat as data grows.
    for rows in if only_commits {
        vec![]
    } else {
        vec![100_000u64, 1_000_000, big]
    } {
        let name = format!("src{rows}");
        let t = Instant::now();
        load(&vol, &name, rows);
        let load_s = t.elapsed().as_secs_f64();
        let mut times = Vec::new();
        for i in 0..5 {
            let t = Instant::now();
            let f = vol
                .fork(&name, &format!("{name}-f{i}"), PointInTime::Latest)
                .unwrap();
            times.push(t.elapsed().as_secs_f64() * 1e3);
            drop(f);
        }
        out(format!(
            "fork of {rows} rows: median {:.3} ms (load took {load_s:.1} s)",
            median(times)
        ));
    }
    let sp = vol.space().unwrap();
    let forks: u64 = sp
        .clusters
        .iter()
        .filter(|c| c.name.contains("-f"))
        .map(|c| c.exclusive_pages)
        .sum();
    out(format!(
        "pages exclusive to the 15 forks: {forks} (of {} in the volume)",
        sp.total_pages
    ));
    let _ = Arc::new(());
    drop(c);
    vol.close().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = Duration::ZERO;
}
