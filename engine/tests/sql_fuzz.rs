//! No client input may panic the server: the statement path (parser, binder,
//! planner, executor, session) fed with mutated versions of real statements
//! returns errors, never panics, and the session stays usable.

mod common;

use borealis_engine::sql::session::Output;
use common::*;

const SEED: &[&str] = &[
    "CREATE DATABASE IF NOT EXISTS f",
    "USE f",
    "CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY AUTO_INCREMENT, k INT NOT NULL DEFAULT 0, c CHAR(20), d DECIMAL(8,2), dt DATETIME(3), e ENUM('a','b'), KEY kk (k), UNIQUE KEY uc (c))",
    "INSERT INTO t (k, c, d, dt, e) VALUES (1, 'x', 1.5, '2024-01-01 00:00:00', 'a'), (2, 'y', NULL, NULL, 'b')",
    "SELECT c, COUNT(*), SUM(d) FROM t WHERE id BETWEEN 1 AND 10 GROUP BY c HAVING COUNT(*) > 0 ORDER BY c DESC LIMIT 5",
    "SELECT a.id, b.k FROM t a LEFT JOIN t b ON a.k = b.id WHERE a.c IN (SELECT c FROM t) ORDER BY 1",
    "UPDATE t SET k = k + 1, d = d * 2 WHERE c LIKE 'x%' ORDER BY id LIMIT 1",
    "DELETE FROM t WHERE id = 99",
    "INSERT INTO t (id, c) VALUES (1, 'z') ON DUPLICATE KEY UPDATE k = VALUES(k) + 1",
    "SELECT CONCAT(c, '-', id), SUBSTRING(c, 2), DATE_FORMAT(dt, '%Y'), CAST(d AS SIGNED), IFNULL(d, 0) / 0 FROM t",
    "ALTER TABLE t ADD COLUMN z INT DEFAULT 3",
    "SHOW CREATE TABLE t",
    "SELECT @@version, @x := 1, -id, ~k FROM t UNION ALL SELECT 1, 2, 3, 4",
    "CHECKSUM TABLE t, nosuch",
    "SET @a = (SELECT MAX(id) FROM t)",
    "BEGIN",
    "SAVEPOINT s",
    "ROLLBACK TO SAVEPOINT s",
    "COMMIT",
];

fn mutate(s: &str, rng: &mut Rng) -> String {
    let mut b: Vec<char> = s.chars().collect();
    let tokens = [
        "(",
        ")",
        ",",
        "'",
        "\"",
        "`",
        "NULL",
        "SELECT",
        "*",
        "-",
        "9999999999999999999999",
        "0x",
        "/*!",
        "*/",
        "@@",
        "?",
        ";",
        " AND ",
        " OR ",
        "\\",
        "é",
        "\u{1F600}",
        "1e400",
        ".",
        "=",
        "<=>",
        "LIMIT",
        "GROUP BY",
    ];
    for _ in 0..1 + rng.below(4) {
        if b.is_empty() {
            break;
        }
        let at = rng.below(b.len() as u64) as usize;
        match rng.below(4) {
            0 => {
                b.remove(at);
            }
            1 => {
                let t = tokens[rng.below(tokens.len() as u64) as usize];
                for (i, c) in t.chars().enumerate() {
                    b.insert((at + i).min(b.len()), c);
                }
            }
            2 => b.truncate(at),
            _ => {
                let other = rng.below(b.len() as u64) as usize;
                b.swap(at, other);
            }
        }
    }
    b.into_iter().collect()
}

#[test]
fn mutated_statements_never_panic() {
    let (_dir, inst) = sql_instance("sqlfuzz");
    let mut s = inst.session("admin", "127.0.0.1", None).unwrap();
    for q in SEED {
        let _ = s.execute(q);
    }
    let mut rng = Rng(0xf00d);
    let mut errors = 0;
    for i in 0..20_000 {
        let base = SEED[rng.below(SEED.len() as u64) as usize];
        let q = mutate(base, &mut rng);
        match s.execute(&q) {
            Ok(_) => {}
            Err(e) => {
                errors += 1;
                assert!(
                    e.code >= 1000 && e.code < 5000,
                    "statement {i} {q:?}: odd error code {}",
                    e.code
                );
            }
        }
        if i % 500 == 0 {
            // The session stays usable.
            let _ = s.execute("ROLLBACK");
            match s.execute("SELECT 1") {
                Ok(Output::Rows(r)) => assert_eq!(r.rows.len(), 1),
                Ok(_) => panic!("SELECT 1 returned no rows"),
                Err(e) => panic!("session broken after {q:?}: {e}"),
            }
        }
    }
    assert!(errors > 100, "mutations should mostly fail");
}
