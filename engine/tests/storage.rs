//! End-to-end tests of the storage layer through its public API.

mod common;

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use borealis_engine::storage::store::{FaultyStore, FileStore, PageStore};
use borealis_engine::storage::{CommitInfo, PointInTime, Volume, VolumeOptions};
use borealis_engine::Error;
use common::*;

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

type Visit<'a> = &'a mut dyn FnMut(&[u8], &[u8]) -> borealis_engine::error::Result<bool>;

/// Every entry a borrowed scan (`Snapshot::scan`, `Transaction::scan`) lends, copied.
fn visited(
    scan: impl FnOnce(Visit) -> borealis_engine::error::Result<()>,
) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    scan(&mut |k, v| {
        out.push((k.to_vec(), v.to_vec()));
        Ok(true)
    })
    .unwrap();
    out
}

fn check_against(vol: &Volume, cluster: &str, tree: u64, model: &Model, rng: &mut Rng) {
    let c = vol.cluster(cluster).unwrap();
    let snap = c.snapshot();
    assert_eq!(snap.count(tree).unwrap(), model.len() as u64, "count");
    let all: Vec<(Vec<u8>, Vec<u8>)> = snap
        .range(tree, Bound::Unbounded, Bound::Unbounded, false)
        .unwrap()
        .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
        .collect();
    let want: Vec<(Vec<u8>, Vec<u8>)> = model.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    assert_eq!(all.len(), want.len());
    assert!(all == want, "full forward scan differs");
    let rev: Vec<Vec<u8>> = snap
        .range(tree, Bound::Unbounded, Bound::Unbounded, true)
        .unwrap()
        .map(|r| r.unwrap().0.to_vec())
        .collect();
    let want_rev: Vec<Vec<u8>> = model.keys().rev().cloned().collect();
    assert!(rev == want_rev, "reverse scan differs");
    // The borrowed scans: the snapshot's, and a transaction's that wrote nothing.
    let all = (Bound::Unbounded, Bound::Unbounded);
    let got = visited(|f| snap.scan(tree, all.0.clone(), all.1.clone(), false, f));
    assert!(got == want, "full borrowed scan differs");
    let got = visited(|f| c.begin().scan(tree, all.0.clone(), all.1.clone(), false, f));
    assert!(got == want, "transaction's borrowed scan differs");
    for _ in 0..50 {
        let a = key(rng.below(3000));
        let b = key(rng.below(3000));
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let bounds = [
            (Bound::Included(lo.clone()), Bound::Excluded(hi.clone())),
            (Bound::Excluded(lo.clone()), Bound::Included(hi.clone())),
            (Bound::Included(lo.clone()), Bound::Unbounded),
            (Bound::Unbounded, Bound::Included(hi.clone())),
        ];
        for (l, h) in bounds {
            for reverse in [false, true] {
                let conv = |b: &Bound<Vec<u8>>| match b {
                    Bound::Included(k) => Bound::Included(Arc::<[u8]>::from(k.as_slice())),
                    Bound::Excluded(k) => Bound::Excluded(Arc::<[u8]>::from(k.as_slice())),
                    Bound::Unbounded => Bound::Unbounded,
                };
                let got: Vec<Vec<u8>> = snap
                    .range(tree, conv(&l), conv(&h), reverse)
                    .unwrap()
                    .map(|r| r.unwrap().0.to_vec())
                    .collect();
                let mut exp: Vec<Vec<u8>> = model
                    .range((l.clone(), h.clone()))
                    .map(|(k, _)| k.clone())
                    .collect();
                if reverse {
                    exp.reverse();
                }
                assert_eq!(got, exp, "range {l:?}..{h:?} reverse={reverse}");
                // Borrowed, stopping after a few.
                let mut seen = Vec::new();
                snap.scan(tree, conv(&l), conv(&h), reverse, &mut |k, _| {
                    seen.push(k.to_vec());
                    Ok(seen.len() < 7)
                })
                .unwrap();
                assert_eq!(
                    seen,
                    exp[..exp.len().min(7)],
                    "scan {l:?}..{h:?} reverse={reverse}"
                );
            }
        }
        let k = key(rng.below(3000));
        assert_eq!(
            snap.get(tree, &k).unwrap().map(|v| v.to_vec()),
            model.get(&k).cloned()
        );
    }
}

fn random_value(rng: &mut Rng) -> Vec<u8> {
    match rng.below(20) {
        0 => {
            let n = 5_000 + rng.below(40_000) as usize;
            rng.bytes(n) // overflow pages
        }
        1 => Vec::new(),
        _ => {
            let n = 1 + rng.below(300) as usize;
            rng.bytes(n)
        }
    }
}

#[test]
fn tree_matches_btreemap_across_checkpoints_and_reopen() {
    let dir = TempDir::new("model");
    let mut rng = Rng(0x5eed);
    let mut model = Model::new();
    let tree;
    {
        let vol = open(&dir, small_opts());
        let c = vol.create_cluster("main").unwrap();
        let mut tx = c.begin();
        tree = tx.create_tree();
        tx.commit(CommitInfo::default()).unwrap();
        for round in 0..120 {
            let mut tx = c.begin();
            let mut staged = model.clone();
            let n = 1 + rng.below(60);
            for _ in 0..n {
                let k = key(rng.below(3000));
                if rng.below(4) == 0 {
                    tx.delete(tree, &k).unwrap();
                    staged.remove(&k);
                } else {
                    let v = random_value(&mut rng);
                    tx.put(tree, &k, &v).unwrap();
                    staged.insert(k, v);
                }
            }
            // Range deletes thin the tree out and force merges.
            if round % 17 == 16 {
                let lo = rng.below(2500);
                for i in lo..lo + 400 {
                    tx.delete(tree, &key(i)).unwrap();
                    staged.remove(&key(i));
                }
            }
            // A transaction's scan sees its own writes merged over its snapshot.
            let seen = visited(|f| tx.scan(tree, Bound::Unbounded, Bound::Unbounded, false, f));
            assert!(
                seen.into_iter().eq(staged.clone()),
                "transaction scan differs in round {round}"
            );
            if rng.below(10) == 0 {
                drop(tx); // rollback
            } else {
                tx.commit(CommitInfo::default()).unwrap();
                model = staged;
            }
            if round % 25 == 24 {
                vol.checkpoint().unwrap();
                vol.gc().unwrap();
            }
        }
        check_against(&vol, "main", tree, &model, &mut rng);
        vol.abandon(); // crash: recovery must replay the log
    }
    let vol = open(&dir, small_opts());
    check_against(&vol, "main", tree, &model, &mut rng);
    vol.checkpoint().unwrap();
    vol.gc().unwrap();
    drop(vol);
    let vol = open(&dir, small_opts());
    check_against(&vol, "main", tree, &model, &mut rng);
}

#[test]
fn sorted_bulk_load_packs_pages() {
    let dir = TempDir::new("bulk");
    let vol = open(&dir, small_opts());
    let c = vol.create_cluster("main").unwrap();
    let mut tx = c.begin();
    let tree = tx.create_tree();
    tx.commit(CommitInfo::default()).unwrap();
    for batch in 0..50u64 {
        let mut tx = c.begin();
        for i in 0..1000 {
            tx.put(tree, &(batch * 1000 + i).to_be_bytes(), &[7u8; 100])
                .unwrap();
        }
        tx.commit(CommitInfo::default()).unwrap();
    }
    vol.checkpoint().unwrap();
    vol.gc().unwrap();
    let sp = vol.space().unwrap();
    let pages = sp.clusters[0].exclusive_pages;
    // 50,000 entries of ~110 bytes in 4 KiB pages: about 1,400 leaves when packed.
    assert!(pages < 1_700, "bulk load used {pages} pages");
    assert_eq!(c.snapshot().count(tree).unwrap(), 50_000);
}

/// A tree created in a transaction can be filled at once with sorted entries; the
/// transaction reads them, a rollback to a savepoint before drops them, and the commit
/// keeps them. Unsorted entries, a tree the transaction did not create, or one it already
/// wrote to are refused.
#[test]
fn created_tree_fills_from_sorted_entries() {
    let dir = TempDir::new("fill");
    let vol = open(&dir, small_opts());
    let c = vol.create_cluster("main").unwrap();
    let entries = |n: u64| -> Vec<(Arc<[u8]>, Arc<[u8]>)> {
        (0..n)
            .map(|i| {
                (
                    i.to_be_bytes().as_slice().into(),
                    [i as u8; 20].as_slice().into(),
                )
            })
            .collect()
    };
    let mut tx = c.begin();
    let old = tx.create_tree();
    tx.commit(CommitInfo::default()).unwrap();

    let mut tx = c.begin();
    assert!(
        tx.fill_created_tree(old, entries(3)).is_err(),
        "not created here"
    );
    let tree = tx.create_tree();
    let mut backwards = entries(3);
    backwards.reverse();
    assert!(tx.fill_created_tree(tree, backwards).is_err(), "unsorted");
    let keep = tx.create_tree();
    tx.put(keep, b"k", b"kept").unwrap();
    let sp = tx.savepoint();
    tx.fill_created_tree(tree, entries(5_000)).unwrap();
    tx.put(tree, &9_998u64.to_be_bytes(), b"after the fill")
        .unwrap();
    assert_eq!(
        tx.get(tree, &42u64.to_be_bytes()).unwrap().as_deref(),
        Some(&[42u8; 20][..])
    );
    tx.rollback_to(sp);
    assert_eq!(tx.get(tree, &42u64.to_be_bytes()).unwrap(), None);
    assert_eq!(tx.get(tree, &9_998u64.to_be_bytes()).unwrap(), None);
    assert_eq!(tx.get(keep, b"k").unwrap().as_deref(), Some(&b"kept"[..]));
    tx.fill_created_tree(tree, entries(5_000)).unwrap();
    assert!(
        tx.fill_created_tree(tree, entries(1)).is_err(),
        "already written"
    );
    tx.put(tree, &9_999u64.to_be_bytes(), b"last").unwrap();
    tx.commit(CommitInfo::default()).unwrap();
    let snap = c.snapshot();
    assert_eq!(snap.count(tree).unwrap(), 5_001);
    assert_eq!(
        snap.get(tree, &4_999u64.to_be_bytes()).unwrap().as_deref(),
        Some(&[4_999u64 as u8; 20][..])
    );
}

#[test]
fn large_values_up_to_16_mib() {
    let dir = TempDir::new("large");
    let mut rng = Rng(7);
    let big = rng.bytes(16 << 20);
    let tree;
    {
        let vol = open(
            &dir,
            VolumeOptions {
                background: false,
                default_retention_us: 0,
                ..Default::default()
            },
        );
        let c = vol.create_cluster("main").unwrap();
        let mut tx = c.begin();
        tree = tx.create_tree();
        tx.put(tree, b"big", &big).unwrap();
        tx.put(tree, b"small", b"x").unwrap();
        tx.commit(CommitInfo::default()).unwrap();
        vol.checkpoint().unwrap();
        assert_eq!(&*c.snapshot().get(tree, b"big").unwrap().unwrap(), &big[..]);
    }
    let vol = open(
        &dir,
        VolumeOptions {
            background: false,
            default_retention_us: 0,
            ..Default::default()
        },
    );
    let c = vol.cluster("main").unwrap();
    assert_eq!(&*c.snapshot().get(tree, b"big").unwrap().unwrap(), &big[..]);
    // Replacing it frees the old chain at GC.
    let mut tx = c.begin();
    tx.put(tree, b"big", b"now small").unwrap();
    tx.commit(CommitInfo::default()).unwrap();
    vol.checkpoint().unwrap();
    let freed = vol.gc().unwrap().freed;
    assert!(
        freed >= 1000,
        "old overflow chain reclaimed ({freed} pages)"
    );
}

#[test]
fn injected_io_faults_never_return_wrong_data() {
    let dir = TempDir::new("faults");
    let mut rng = Rng(99);
    let mut model = Model::new();
    let file: Arc<dyn PageStore> = Arc::new(FileStore::open(&dir.0.join("pages.db")).unwrap());
    let faulty = Arc::new(FaultyStore::new(file, 12345));
    let opts = VolumeOptions {
        store: Some(faulty.clone()),
        ..small_opts()
    };
    let tree;
    {
        let vol = open(&dir, opts);
        let c = vol.create_cluster("main").unwrap();
        let mut tx = c.begin();
        tree = tx.create_tree();
        tx.commit(CommitInfo::default()).unwrap();
        faulty.set_rates(20_000, 20_000, 20_000, 10_000);
        let mut io_errors = 0;
        for round in 0..150 {
            let mut tx = c.begin();
            let mut staged = model.clone();
            for _ in 0..1 + rng.below(40) {
                let k = key(rng.below(2000));
                let v = random_value(&mut rng);
                tx.put(tree, &k, &v).unwrap();
                staged.insert(k, v);
            }
            match tx.commit(CommitInfo::default()) {
                Ok(_) => model = staged,
                Err(Error::Io { .. }) | Err(Error::Corrupt { .. }) => io_errors += 1,
                Err(e) => panic!("unexpected error {e}"),
            }
            if round % 10 == 9 {
                match vol.checkpoint() {
                    Ok(()) => {
                        let _ = vol.gc();
                    }
                    Err(Error::Io { .. }) => io_errors += 1,
                    Err(e) => panic!("unexpected checkpoint error {e}"),
                }
            }
            // Reads either fail with an error or return exactly the model.
            let snap = c.snapshot();
            for _ in 0..20 {
                let k = key(rng.below(2000));
                match snap.get(tree, &k) {
                    Ok(v) => assert_eq!(v.map(|v| v.to_vec()), model.get(&k).cloned()),
                    Err(Error::Io { .. }) | Err(Error::Corrupt { .. }) => io_errors += 1,
                    Err(e) => panic!("unexpected read error {e}"),
                }
            }
        }
        assert!(io_errors > 0, "faults were injected");
        faulty.set_rates(0, 0, 0, 0);
        vol.abandon();
    }
    // After the "crash", a clean reopen holds exactly the acknowledged commits.
    let vol = open(&dir, small_opts());
    check_against(&vol, "main", tree, &model, &mut rng);
}

#[test]
fn flipped_byte_is_reported_with_file_page_and_offset() {
    let dir = TempDir::new("corrupt");
    let tree;
    {
        let vol = open(&dir, small_opts());
        let c = vol.create_cluster("main").unwrap();
        let mut tx = c.begin();
        tree = tx.create_tree();
        for i in 0..2000 {
            tx.put(tree, &key(i), b"some value").unwrap();
        }
        tx.commit(CommitInfo::default()).unwrap();
        vol.close().unwrap();
    }
    // Flip one byte in the middle of every data page after the superblock area.
    let path = dir.0.join("pages.db");
    let mut data = std::fs::read(&path).unwrap();
    let pages = data.len() / 4096;
    for p in 1..pages {
        data[p * 4096 + 2000] ^= 0x01;
    }
    std::fs::write(&path, &data).unwrap();
    match Volume::open(&dir.0, small_opts()) {
        Err(Error::Corrupt {
            file, page, offset, ..
        }) => {
            assert!(file.ends_with("pages.db"));
            assert_eq!(offset, page * 4096);
        }
        Err(e) => panic!("wrong error {e}"),
        Ok(vol) => {
            // Meta survived (it cannot: every page is flipped) — reads must fail.
            let c = vol.cluster("main").unwrap();
            let err = c.snapshot().get(tree, &key(5)).unwrap_err();
            assert!(matches!(err, Error::Corrupt { .. }), "{err}");
        }
    }
}

#[test]
fn single_flipped_data_page_fails_only_its_reads() {
    let dir = TempDir::new("corrupt1");
    let tree;
    {
        let vol = open(&dir, small_opts());
        let c = vol.create_cluster("main").unwrap();
        let mut tx = c.begin();
        tree = tx.create_tree();
        for i in 0..2000 {
            tx.put(tree, &key(i), b"some value").unwrap();
        }
        tx.commit(CommitInfo::default()).unwrap();
        vol.close().unwrap();
    }
    let path = dir.0.join("pages.db");
    let mut data = std::fs::read(&path).unwrap();
    // Page 3 is a leaf written by the first checkpoint.
    data[3 * 4096 + 100] ^= 0x80;
    std::fs::write(&path, &data).unwrap();
    let vol = open(&dir, small_opts());
    let snap = vol.cluster("main").unwrap().snapshot();
    let mut corrupt = 0;
    for i in 0..2000 {
        match snap.get(tree, &key(i)) {
            Ok(Some(v)) => assert_eq!(&*v, b"some value"),
            Ok(None) => panic!("row {i} silently missing"),
            Err(Error::Corrupt {
                page,
                offset,
                file,
                detail,
            }) => {
                assert_eq!(page, 3);
                assert_eq!(offset, 3 * 4096);
                assert!(file.ends_with("pages.db"));
                assert!(detail.contains("checksum"), "{detail}");
                corrupt += 1;
            }
            Err(e) => panic!("wrong error {e}"),
        }
    }
    assert!(corrupt > 0, "the flipped page was read");
}

#[test]
fn second_open_is_refused() {
    let dir = TempDir::new("lock");
    let _vol = open(&dir, small_opts());
    match Volume::open(&dir.0, small_opts()) {
        Err(Error::VolumeLocked { .. }) => {}
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("second open succeeded"),
    }
}

#[test]
fn write_conflict_is_retryable_and_loses_nothing() {
    let dir = TempDir::new("conflict");
    let vol = open(&dir, small_opts());
    let c = vol.create_cluster("main").unwrap();
    let mut tx = c.begin();
    let tree = tx.create_tree();
    tx.put(tree, b"a", b"0").unwrap();
    tx.commit(CommitInfo::default()).unwrap();

    // A writer waits for the row lock of another; past its lock timeout it gives up.
    let mut t1 = c.begin();
    let mut t2 = c.begin();
    t2.set_lock_timeout(std::time::Duration::from_millis(50));
    t1.put(tree, b"a", b"1").unwrap();
    assert!(matches!(
        t2.put(tree, b"a", b"2"),
        Err(Error::LockWaitTimeout)
    ));
    t2.put(tree, b"b", b"2").unwrap();
    t1.commit(CommitInfo::default()).unwrap();
    // Once t1 has committed the lock is free, but a blind write based on t2's older
    // snapshot still loses (first committer wins)...
    t2.put(tree, b"a", b"2").unwrap();
    let err = t2.commit(CommitInfo::default()).unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let s = c.snapshot();
    assert_eq!(&*s.get(tree, b"a").unwrap().unwrap(), b"1");
    assert!(
        s.get(tree, b"b").unwrap().is_none(),
        "the loser wrote nothing"
    );

    // Disjoint keys both commit; a reader's snapshot does not move.
    let reader = c.snapshot();
    let mut t3 = c.begin();
    let mut t4 = c.begin();
    t3.put(tree, b"x", b"3").unwrap();
    t4.put(tree, b"y", b"4").unwrap();
    t3.commit(CommitInfo::default()).unwrap();
    t4.commit(CommitInfo::default()).unwrap();
    assert!(reader.get(tree, b"x").unwrap().is_none());
    assert_eq!(&*c.snapshot().get(tree, b"y").unwrap().unwrap(), b"4");

    // ... while a current read under the lock sees the newest value and commits: t6 waits
    // for t5 and then increments what t5 wrote (no lost update).
    let mut t5 = c.begin();
    let mut t6 = c.begin();
    assert_eq!(&*t5.lock(tree, b"a").unwrap().unwrap(), b"1");
    t5.put(tree, b"a", b"5").unwrap();
    let waiter = std::thread::spawn(move || {
        let cur = t6.lock(tree, b"a").unwrap().unwrap();
        let next = format!("{}6", String::from_utf8_lossy(&cur));
        t6.put(tree, b"a", next.as_bytes()).unwrap();
        t6.commit(CommitInfo::default()).unwrap();
    });
    std::thread::sleep(std::time::Duration::from_millis(50));
    t5.commit(CommitInfo::default()).unwrap();
    waiter.join().unwrap();
    assert_eq!(&*c.snapshot().get(tree, b"a").unwrap().unwrap(), b"56");
}

#[test]
fn transaction_reads_its_own_writes_and_savepoints() {
    let dir = TempDir::new("own");
    let vol = open(&dir, small_opts());
    let c = vol.create_cluster("main").unwrap();
    let mut tx = c.begin();
    let tree = tx.create_tree();
    for i in 0..10 {
        tx.put(tree, &key(i), b"base").unwrap();
    }
    tx.commit(CommitInfo::default()).unwrap();
    let mut tx = c.begin();
    tx.put(tree, &key(3), b"mine").unwrap();
    tx.delete(tree, &key(5)).unwrap();
    tx.put(tree, &key(20), b"new").unwrap();
    let sp = tx.savepoint();
    tx.put(tree, &key(21), b"later").unwrap();
    tx.delete(tree, &key(0)).unwrap();
    tx.rollback_to(sp);
    let seen: Vec<(Vec<u8>, Vec<u8>)> = tx
        .range(tree, Bound::Unbounded, Bound::Unbounded, false)
        .unwrap()
        .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
        .collect();
    let keys: Vec<Vec<u8>> = seen.iter().map(|(k, _)| k.clone()).collect();
    let mut want: Vec<Vec<u8>> = (0..10).filter(|i| *i != 5).map(key).collect();
    want.push(key(20));
    assert_eq!(keys, want);
    assert_eq!(seen[3].1, b"mine");
    let rev: Vec<Vec<u8>> = tx
        .range(tree, Bound::Unbounded, Bound::Unbounded, true)
        .unwrap()
        .map(|r| r.unwrap().0.to_vec())
        .collect();
    want.reverse();
    assert_eq!(rev, want);
    tx.commit(CommitInfo::default()).unwrap();
    assert_eq!(c.snapshot().count(tree).unwrap(), 10);
}

#[test]
fn fork_is_independent_and_shares_pages() {
    let dir = TempDir::new("fork");
    let vol = open(&dir, small_opts());
    let src = vol.create_cluster("src").unwrap();
    let mut tx = src.begin();
    let tree = tx.create_tree();
    for i in 0..20_000 {
        tx.put(tree, &key(i), &[1u8; 100]).unwrap();
    }
    tx.commit(CommitInfo::default()).unwrap();
    vol.checkpoint().unwrap();
    vol.gc().unwrap();
    let before = vol.space().unwrap();
    let src_pages = before.clusters[0].exclusive_pages;
    assert!(src_pages > 500);

    let fork = vol.fork("src", "clone", PointInTime::Latest).unwrap();
    vol.checkpoint().unwrap();
    let after = vol.space().unwrap();
    assert_eq!(
        after.total_pages - after.free_pages,
        before.total_pages - before.free_pages + meta_delta(&before, &after),
        "an idle fork adds no data pages"
    );
    for cs in &after.clusters {
        assert_eq!(
            cs.exclusive_pages, 0,
            "{} has exclusive pages right after the fork",
            cs.name
        );
        assert_eq!(cs.shared_pages, src_pages);
    }

    // Write to each side: each sees only its own writes.
    let mut t = src.begin();
    t.put(tree, &key(1), b"src-only").unwrap();
    t.commit(CommitInfo::default()).unwrap();
    let mut t = fork.begin();
    t.put(tree, &key(2), b"fork-only").unwrap();
    t.delete(tree, &key(3)).unwrap();
    t.commit(CommitInfo::default()).unwrap();
    assert_eq!(
        &*src.snapshot().get(tree, &key(1)).unwrap().unwrap(),
        b"src-only"
    );
    assert_eq!(
        &*src.snapshot().get(tree, &key(2)).unwrap().unwrap(),
        &[1u8; 100]
    );
    assert!(src.snapshot().get(tree, &key(3)).unwrap().is_some());
    assert_eq!(
        &*fork.snapshot().get(tree, &key(1)).unwrap().unwrap(),
        &[1u8; 100]
    );
    assert_eq!(
        &*fork.snapshot().get(tree, &key(2)).unwrap().unwrap(),
        b"fork-only"
    );
    assert!(fork.snapshot().get(tree, &key(3)).unwrap().is_none());
    vol.checkpoint().unwrap();
    vol.gc().unwrap();
    let changed = vol.space().unwrap();
    for cs in &changed.clusters {
        // One changed leaf plus its path to the root, on each side.
        assert!(cs.exclusive_pages >= 2 && cs.exclusive_pages <= 8, "{cs:?}");
        assert!(cs.shared_pages >= src_pages - 8, "{cs:?}");
    }

    // Dropping the fork reclaims its exclusive pages and never a shared one.
    let fork_exclusive = changed
        .clusters
        .iter()
        .find(|c| c.name == "clone")
        .unwrap()
        .exclusive_pages;
    let free_before = changed.free_pages;
    drop(fork);
    vol.drop_cluster("clone").unwrap();
    vol.checkpoint().unwrap();
    vol.gc().unwrap();
    let dropped = vol.space().unwrap();
    assert!(
        dropped.free_pages >= free_before + fork_exclusive,
        "{dropped:?}"
    );
    assert_eq!(dropped.clusters.len(), 1);
    let snap = src.snapshot();
    for i in 0..20_000 {
        assert!(
            snap.get(tree, &key(i)).unwrap().is_some(),
            "row {i} lost after dropping the fork"
        );
    }
    // And all of that survives a reopen.
    drop(snap);
    drop(src);
    drop(vol);
    let vol = open(&dir, small_opts());
    assert!(vol.cluster("clone").is_none());
    assert_eq!(
        vol.cluster("src").unwrap().snapshot().count(tree).unwrap(),
        20_000
    );
}

/// Meta pages differ between two checkpoints; data pages must not.
fn meta_delta(
    a: &borealis_engine::storage::SpaceReport,
    b: &borealis_engine::storage::SpaceReport,
) -> u64 {
    let used_a = a.total_pages - a.free_pages;
    let used_b = b.total_pages - b.free_pages;
    used_b.saturating_sub(used_a).min(2)
}

#[test]
fn fork_survives_crash_before_checkpoint() {
    let dir = TempDir::new("forkcrash");
    let tree;
    {
        let vol = open(&dir, small_opts());
        let src = vol.create_cluster("src").unwrap();
        let mut tx = src.begin();
        tree = tx.create_tree();
        tx.put(tree, b"a", b"1").unwrap();
        tx.commit(CommitInfo::default()).unwrap();
        let f = vol.fork("src", "f", PointInTime::Latest).unwrap();
        let mut tx = src.begin();
        tx.put(tree, b"a", b"src").unwrap();
        tx.commit(CommitInfo::default()).unwrap();
        let mut tx = f.begin();
        tx.put(tree, b"b", b"fork").unwrap();
        tx.commit(CommitInfo::default()).unwrap();
        vol.abandon();
    }
    let vol = open(&dir, small_opts());
    let src = vol.cluster("src").unwrap().snapshot();
    let f = vol.cluster("f").unwrap().snapshot();
    assert_eq!(&*src.get(tree, b"a").unwrap().unwrap(), b"src");
    assert!(src.get(tree, b"b").unwrap().is_none());
    assert_eq!(&*f.get(tree, b"a").unwrap().unwrap(), b"1");
    assert_eq!(&*f.get(tree, b"b").unwrap().unwrap(), b"fork");
}

#[test]
fn point_in_time_reads_and_forks() {
    let dir = TempDir::new("pitr");
    let opts = retained_opts();
    let vol = open(&dir, opts.clone());
    let c = vol.create_cluster("main").unwrap();
    let mut tx = c.begin();
    let tree = tx.create_tree();
    tx.commit(CommitInfo::default()).unwrap();
    let mut times = Vec::new();
    for i in 0..60u64 {
        let mut tx = c.begin();
        tx.put(tree, b"counter", &i.to_be_bytes()).unwrap();
        tx.put(tree, &key(i), b"x").unwrap();
        let r = tx.commit(CommitInfo::default()).unwrap();
        times.push(r.time_us);
        if i % 20 == 10 {
            vol.checkpoint().unwrap();
            vol.gc().unwrap();
        }
    }
    for (i, t) in times.iter().enumerate() {
        let s = c.snapshot_at(PointInTime::Time(*t)).unwrap();
        assert_eq!(
            &*s.get(tree, b"counter").unwrap().unwrap(),
            &(i as u64).to_be_bytes()
        );
        assert_eq!(s.count(tree).unwrap(), i as u64 + 2);
    }
    let f = vol
        .fork("main", "past", PointInTime::Time(times[15]))
        .unwrap();
    assert_eq!(
        &*f.snapshot().get(tree, b"counter").unwrap().unwrap(),
        &15u64.to_be_bytes()
    );
    let mut tx = f.begin();
    tx.put(tree, b"counter", b"fork").unwrap();
    tx.commit(CommitInfo::default()).unwrap();
    drop(f);
    drop(c);
    vol.abandon();
    let vol = open(&dir, opts);
    let c = vol.cluster("main").unwrap();
    assert_eq!(
        &*c.snapshot_at(PointInTime::Time(times[30]))
            .unwrap()
            .get(tree, b"counter")
            .unwrap()
            .unwrap(),
        &30u64.to_be_bytes()
    );
    assert_eq!(
        &*vol
            .cluster("past")
            .unwrap()
            .snapshot()
            .get(tree, b"counter")
            .unwrap()
            .unwrap(),
        b"fork"
    );
    assert!(
        c.snapshot_at(PointInTime::Time(1)).is_err(),
        "before the window is an error"
    );
}

#[test]
fn gc_never_frees_pages_a_reader_still_holds() {
    let dir = TempDir::new("gcreaders");
    let vol = Arc::new(open(&dir, small_opts()));
    let c = vol.create_cluster("main").unwrap();
    let mut tx = c.begin();
    let tree = tx.create_tree();
    for i in 0..3000 {
        tx.put(tree, &key(i), b"v0").unwrap();
    }
    tx.commit(CommitInfo::default()).unwrap();
    vol.checkpoint().unwrap();
    let old = c.snapshot();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let old = old.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut rounds = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || rounds < 3 {
                let n = old
                    .range(tree, Bound::Unbounded, Bound::Unbounded, false)
                    .unwrap()
                    .map(|r| {
                        let (_, v) = r.unwrap();
                        assert_eq!(&*v, b"v0");
                    })
                    .count();
                assert_eq!(n, 3000);
                rounds += 1;
            }
            rounds
        })
    };
    for round in 1..20u32 {
        let mut tx = c.begin();
        for i in 0..3000 {
            tx.put(tree, &key(i), format!("v{round}").as_bytes())
                .unwrap();
        }
        tx.commit(CommitInfo::default()).unwrap();
        vol.checkpoint().unwrap();
        vol.gc().unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() >= 3);
    drop(old);
    vol.checkpoint().unwrap();
    let freed = vol.gc().unwrap().freed;
    assert!(freed > 0, "pages of the released snapshot are reclaimed");
}

#[test]
fn concurrent_committers_group_commit() {
    let dir = TempDir::new("group");
    let vol = Arc::new(open(
        &dir,
        VolumeOptions {
            background: true,
            ..small_opts()
        },
    ));
    let c = vol.create_cluster("main").unwrap();
    let mut tx = c.begin();
    let tree = tx.create_tree();
    tx.commit(CommitInfo::default()).unwrap();
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let c = c.clone();
            std::thread::spawn(move || {
                let mut conflicts = 0;
                for i in 0..200u64 {
                    loop {
                        let mut tx = c.begin();
                        tx.put(tree, &key(t * 1000 + i), b"x").unwrap();
                        tx.put(tree, b"hot", &t.to_be_bytes()).unwrap();
                        match tx.commit(CommitInfo::default()) {
                            Ok(_) => break,
                            Err(e) if e.is_retryable() => conflicts += 1,
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    let conflicts: u64 = threads.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(c.snapshot().count(tree).unwrap(), 8 * 200 + 1);
    // The hot key forces conflicts; every one was retried to success above.
    let _ = conflicts;
}

/// The whole content of every tree of a snapshot.
fn dump(s: &borealis_engine::storage::Snapshot) -> BTreeMap<u64, Model> {
    let mut out = BTreeMap::new();
    for t in s.trees() {
        let mut m = Model::new();
        for r in s
            .range(t, Bound::Unbounded, Bound::Unbounded, false)
            .unwrap()
        {
            let (k, v) = r.unwrap();
            m.insert(k.to_vec(), v.to_vec());
        }
        assert_eq!(s.count(t).unwrap(), m.len() as u64, "count of tree {t}");
        out.insert(t, m);
    }
    out
}

#[test]
fn rewind_goes_back_and_forth_and_survives_recovery() {
    let dir = TempDir::new("rewind");
    let opts = retained_opts();
    let vol = open(&dir, opts.clone());
    let c = vol.create_cluster("main").unwrap();
    let mut rng = Rng(0x5eed_0007);
    // Every commit's time and the full content it left.
    let mut history: Vec<(u64, BTreeMap<u64, Model>)> = vec![(0, BTreeMap::new())];
    let mut trees: Vec<u64> = Vec::new();
    for step in 0..240u64 {
        if step % 40 == 39 {
            // Rewind to a random earlier moment (often one an earlier rewind skipped).
            let (t, want) = history[rng.below(history.len() as u64 - 1) as usize + 1].clone();
            let target = c.snapshot_at(PointInTime::Time(t)).unwrap();
            let r = c
                .rewind(
                    &target,
                    CommitInfo::default(),
                    "rewind",
                    |_| true,
                    |_, _| Ok(Vec::new()),
                    |_, _, _, _| Ok(None),
                )
                .unwrap();
            assert_eq!(r.to_time_us, t);
            let now = c.snapshot();
            assert_eq!(dump(&now), want, "after rewinding to {t}");
            trees = want.keys().copied().collect();
            history.push((now.time_us(), want));
            continue;
        }
        let mut tx = c.begin();
        if trees.is_empty() || rng.below(25) == 0 {
            trees.push(tx.create_tree());
        } else if trees.len() > 2 && rng.below(30) == 0 {
            let t = trees.remove(rng.below(trees.len() as u64) as usize);
            tx.drop_tree(t).unwrap();
        }
        for _ in 0..rng.below(60) + 1 {
            let t = trees[rng.below(trees.len() as u64) as usize];
            let k = key(rng.below(400));
            if rng.below(4) == 0 {
                tx.delete(t, &k).unwrap();
            } else {
                let len = if rng.below(20) == 0 { 9000 } else { 40 };
                tx.put(t, &k, &rng.bytes(len)).unwrap();
            }
        }
        let r = tx.commit(CommitInfo::default()).unwrap();
        history.push((r.time_us, dump(&c.snapshot())));
        if step % 17 == 0 {
            vol.checkpoint().unwrap();
            vol.gc().unwrap();
        }
    }
    // Every moment stays readable, including the ones the rewinds skipped.
    for (t, want) in history.iter().skip(1).step_by(7) {
        assert_eq!(&dump(&c.snapshot_at(PointInTime::Time(*t)).unwrap()), want);
    }
    let last = history.last().unwrap().1.clone();
    drop(c);
    vol.abandon();
    let vol = open(&dir, opts);
    let c = vol.cluster("main").unwrap();
    assert_eq!(dump(&c.snapshot()), last, "recovery replays the rewinds");
    for (t, want) in history.iter().skip(3).step_by(11) {
        assert_eq!(&dump(&c.snapshot_at(PointInTime::Time(*t)).unwrap()), want);
    }
}

/// A big commit's state is kept whole at once, so reading a moment after it replays
/// nothing of it; it survives the next checkpoint and recovery, with the data it had.
#[test]
fn a_big_commit_is_a_base_for_past_reads() {
    let dir = TempDir::new("big-commit-history");
    let opts = retained_opts();
    let vol = open(&dir, opts.clone());
    let c = vol.create_cluster("main").unwrap();
    let mut tx = c.begin();
    let tree = tx.create_tree();
    tx.put(tree, &key(0), b"small").unwrap();
    let small = tx.commit(CommitInfo::default()).unwrap();
    assert!(!c.retained_states().contains(&small.seq));
    let mut tx = c.begin();
    let value = vec![b'v'; 1000];
    for i in 1..12_000 {
        tx.put(tree, &key(i), &value).unwrap();
    }
    let big = tx.commit(CommitInfo::default()).unwrap();
    assert!(
        c.retained_states().contains(&big.seq),
        "{:?}",
        c.retained_states()
    );
    let mut tx = c.begin();
    tx.put(tree, &key(5), b"after").unwrap();
    tx.commit(CommitInfo::default()).unwrap();
    let at_big = dump(&c.snapshot_at(PointInTime::Seq(big.seq)).unwrap());
    assert_eq!(at_big[&tree].len(), 12_000);
    vol.checkpoint().unwrap();
    assert!(c.retained_states().contains(&big.seq));
    drop(c);
    vol.abandon();
    let vol = open(&dir, opts);
    let c = vol.cluster("main").unwrap();
    assert!(c.retained_states().contains(&big.seq));
    assert_eq!(
        dump(&c.snapshot_at(PointInTime::Seq(big.seq)).unwrap()),
        at_big
    );
}

#[test]
fn rewind_cost_follows_the_changes_not_the_data() {
    let dir = TempDir::new("rewind-cost");
    let opts = retained_opts();
    let vol = open(&dir, opts.clone());
    let c = vol.create_cluster("main").unwrap();
    let mut tx = c.begin();
    let tree = tx.create_tree();
    for i in 0..20_000 {
        tx.put(tree, &key(i), b"value-of-some-length").unwrap();
    }
    let base = tx.commit(CommitInfo::default()).unwrap();
    vol.checkpoint().unwrap();
    for i in 0..5u64 {
        let mut tx = c.begin();
        tx.put(tree, &key(i * 3000), b"changed").unwrap();
        tx.commit(CommitInfo::default()).unwrap();
    }
    let target = c.snapshot_at(PointInTime::Time(base.time_us)).unwrap();
    let r = c
        .rewind(
            &target,
            CommitInfo::default(),
            "rewind",
            |_| true,
            |_, _| Ok(Vec::new()),
            |_, _, _, _| Ok(None),
        )
        .unwrap();
    assert_eq!(r.changes, 5, "only the changed keys are compared");
    assert_eq!(
        &*c.snapshot().get(tree, &key(3000)).unwrap().unwrap(),
        b"value-of-some-length"
    );
    // Forward again without comparing any tree (no binlog to feed): same state.
    let changed = c.snapshot_at(PointInTime::Seq(r.from_seq)).unwrap();
    let r = c
        .rewind(
            &changed,
            CommitInfo::default(),
            "forward",
            |_| false,
            |_, _| Ok(Vec::new()),
            |_, changes, _, _| {
                assert!(changes.is_empty());
                Ok(None)
            },
        )
        .unwrap();
    assert_eq!(r.changes, 0);
    assert_eq!(dump(&c.snapshot()), dump(&changed));
    drop((c, changed, target));
    vol.abandon();
    let vol = open(&dir, opts);
    let c = vol.cluster("main").unwrap();
    assert_eq!(
        &*c.snapshot().get(tree, &key(3000)).unwrap().unwrap(),
        b"changed",
        "recovery rebuilds the rewind from the commit its record names"
    );
}
