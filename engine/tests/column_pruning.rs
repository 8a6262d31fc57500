//! A SELECT over base tables decodes only the columns it names; a needed column that
//! were skipped would read as NULL. Each query runs twice: on the tables, and on views
//! `SELECT * FROM` them, whose rows are fully decoded (a wildcard prunes nothing). The
//! two must agree, rows and errors, for hand-written shapes (aliases, positions,
//! HAVING, joins with duplicate names, subqueries, prepared statements) and for random
//! ones.

mod common;

use std::sync::Arc;

use borealis_engine::sql::session::{Instance, Output, Session};
use common::*;

/// A query's outcome, comparable across the two runs: its rows, or its error code.
fn outcome(s: &mut Session, q: &str) -> Result<Vec<String>, u16> {
    match s.execute(q) {
        Ok(Output::Rows(r)) => Ok(r.rows.iter().map(|row| format!("{row:?}")).collect()),
        Ok(_) => Ok(Vec::new()),
        Err(e) => Err(e.code),
    }
}

/// `q` with `{1}`/`{2}` naming the tables, then the views; both outcomes must agree.
/// Returns whether the query gave rows with some non-NULL value.
fn same_on_views(s: &mut Session, q: &str) -> bool {
    let on_tables = q.replace("{1}", "t1").replace("{2}", "t2");
    let on_views = q.replace("{1}", "v1").replace("{2}", "v2");
    let want = outcome(s, &on_views);
    let got = outcome(s, &on_tables);
    assert_eq!(got, want, "{on_tables}\n(the view run was {on_views})");
    matches!(&got, Ok(rows) if rows.iter().any(|r| r.contains("Int(") || r.contains("Bytes(") || r.contains("Decimal(")))
}

/// NULL one time in six, else what `make` gives.
fn or_null(rng: &mut Rng, make: impl FnOnce(&mut Rng) -> String) -> String {
    if rng.below(6) == 0 {
        "NULL".to_string()
    } else {
        make(rng)
    }
}

fn pick<'a>(rng: &mut Rng, v: &[&'a str]) -> &'a str {
    v[rng.below(v.len() as u64) as usize]
}

fn setup() -> (TempDir, Arc<Instance>) {
    sql_instance("colprune")
}

fn load(s: &mut Session) {
    for q in [
        "CREATE DATABASE p",
        "USE p",
        "CREATE TABLE t1 (id INT PRIMARY KEY, a INT, b VARCHAR(20), c DECIMAL(10,2), d BIGINT, e TEXT, KEY ka (a))",
        "CREATE TABLE t2 (id INT PRIMARY KEY, a INT, f VARCHAR(10), g INT, KEY kg (g))",
    ] {
        s.execute(q).unwrap();
    }
    let mut rng = Rng(0xc01);
    for id in 1..=40 {
        let a = or_null(&mut rng, |r| (r.below(8)).to_string());
        let b = or_null(&mut rng, |r| {
            format!("'{}{}'", ["x", "y", "Zz", "ab "][id % 4], r.below(5))
        });
        let c = or_null(&mut rng, |r| format!("{}.{}", r.below(100), r.below(100)));
        let d = or_null(&mut rng, |r| (r.below(2000) as i64 - 1000).to_string());
        let e = or_null(&mut rng, |r| format!("'e{}'", r.below(6)));
        s.execute(&format!(
            "INSERT INTO t1 (id, a, b, c, d, e) VALUES ({id}, {a}, {b}, {c}, {d}, {e})"
        ))
        .unwrap();
        if id == 25 {
            // A column added to rows already there (they read its default).
            s.execute("ALTER TABLE t1 ADD COLUMN h INT DEFAULT 5")
                .unwrap();
        }
    }
    s.execute("UPDATE t1 SET h = id % 3 WHERE id > 30").unwrap();
    for id in 1..=30 {
        let a = or_null(&mut rng, |r| r.below(8).to_string());
        let f = or_null(&mut rng, |r| format!("'f{}'", r.below(4)));
        let g = or_null(&mut rng, |r| (r.below(50)).to_string());
        s.execute(&format!(
            "INSERT INTO t2 VALUES ({}, {a}, {f}, {g})",
            id * 2
        ))
        .unwrap();
    }
    s.execute("CREATE VIEW v1 AS SELECT * FROM t1").unwrap();
    s.execute("CREATE VIEW v2 AS SELECT * FROM t2").unwrap();
}

const SHAPES: &[&str] = &[
    "SELECT b FROM {1} WHERE id = 7",
    "SELECT b FROM {1} WHERE id IN (3, 9, 12) ORDER BY 1",
    "SELECT b FROM {1} WHERE id BETWEEN 5 AND 15 ORDER BY id",
    "SELECT SUM(d) FROM {1} WHERE id BETWEEN 5 AND 30",
    "SELECT b FROM {1} WHERE id BETWEEN 5 AND 30 ORDER BY b, id",
    "SELECT DISTINCT b FROM {1} WHERE id BETWEEN 1 AND 40 ORDER BY b",
    "SELECT b AS z FROM {1} ORDER BY z, id",
    "SELECT b AS z, c FROM {1} ORDER BY 2, 1",
    "SELECT a AS grp, COUNT(*), MAX(e) FROM {1} GROUP BY grp ORDER BY grp",
    "SELECT a, COUNT(*) FROM {1} GROUP BY 1 ORDER BY 1",
    "SELECT a, SUM(d) AS s FROM {1} GROUP BY a HAVING s > 0 ORDER BY a",
    "SELECT a FROM {1} GROUP BY a HAVING MAX(c) > 50 ORDER BY a",
    "SELECT COUNT(*), SUM(d) FROM {1} GROUP BY e ORDER BY 1, 2",
    "SELECT MAX(x.b) FROM {1} x JOIN {2} y ON x.id = y.id GROUP BY y.f ORDER BY 1",
    "SELECT a, MIN(b) FROM {1} GROUP BY a HAVING COUNT(e) > 1 ORDER BY 1",
    "SELECT {1}.b, {1}.h FROM {1} ORDER BY {1}.id",
    "SELECT h, COUNT(*) FROM {1} GROUP BY h ORDER BY h",
    "SELECT id FROM {1} WHERE h = 5 ORDER BY id",
    "SELECT x.id, x.a, y.a, y.f FROM {1} x JOIN {2} y ON y.id = x.id ORDER BY x.id",
    "SELECT x.b, y.f FROM {1} x LEFT JOIN {2} y ON y.a = x.a ORDER BY x.id, y.id",
    "SELECT x.e, y.g FROM {1} x RIGHT JOIN {2} y ON y.g = x.d ORDER BY y.id, x.id",
    "SELECT x.c, y.g FROM {1} x, {2} y WHERE x.a = y.a AND y.g > 20 ORDER BY x.id, y.id",
    "SELECT x.e, y.f FROM {1} x JOIN {2} y USING (id) ORDER BY x.id",
    "SELECT x.e, y.f FROM {1} x JOIN {2} y USING (a) ORDER BY x.id, y.id",
    "SELECT a FROM {1} x JOIN {2} y ON x.id = y.id",
    "SELECT y.f, COUNT(*), SUM(x.d) FROM {1} x JOIN {2} y ON x.a = y.a GROUP BY y.f ORDER BY 1",
    "SELECT COUNT(*) FROM {1}",
    "SELECT COUNT(*), COUNT(e), COUNT(DISTINCT a) FROM {1}",
    "SELECT * FROM {1} WHERE id = 3",
    "SELECT x.*, y.f FROM {1} x JOIN {2} y ON y.id = x.id ORDER BY x.id",
    "SELECT CONCAT(b, '/', e), COALESCE(c, d), LENGTH(e) FROM {1} ORDER BY id",
    "SELECT CASE WHEN a > 3 THEN b ELSE e END FROM {1} ORDER BY id",
    "SELECT id FROM {1} WHERE b LIKE 'x%' AND e IS NOT NULL ORDER BY id",
    "SELECT id FROM {1} WHERE d IN (a, c) OR e IN ('e1', 'e2') ORDER BY id",
    "SELECT id, (SELECT f FROM {2} WHERE {2}.id = {1}.id) FROM {1} ORDER BY id",
    "SELECT b FROM {1} WHERE EXISTS (SELECT 1 FROM {2} WHERE {2}.g = {1}.a) ORDER BY id",
    "SELECT b FROM {1} WHERE a IN (SELECT g FROM {2}) ORDER BY id",
    "SELECT t.b, t.dd FROM (SELECT b, d * 2 AS dd FROM {1}) AS t ORDER BY t.b, t.dd",
    "SELECT b FROM {1} UNION SELECT f FROM {2} ORDER BY 1",
    "SELECT b FROM {1} ORDER BY c DESC, id LIMIT 3",
    "SELECT b FROM {1} ORDER BY id LIMIT 2 OFFSET 5",
    "SELECT MAX(d) - MIN(d), AVG(c), AVG(a), SUM(a) FROM {1}",
    "SELECT e, GROUP_CONCAT(b ORDER BY id) FROM {1} GROUP BY e ORDER BY e",
    "SELECT B, E FROM {1} WHERE ID = 4",
    "SELECT `b` FROM {1} WHERE `id` = 9",
];

#[test]
fn pruned_selects_read_like_full_ones() {
    let (_dir, inst) = setup();
    let mut s = inst.session("admin", "127.0.0.1", None).unwrap();
    load(&mut s);
    let mut useful = 0;
    for q in SHAPES {
        useful += usize::from(same_on_views(&mut s, q));
    }
    assert!(
        useful > SHAPES.len() / 2,
        "only {useful} shapes gave values"
    );

    // Prepared, as sysbench runs them.
    s.execute("PREPARE ps1 FROM 'SELECT b, e FROM t1 WHERE id = ?'")
        .unwrap();
    s.execute("PREPARE ps2 FROM 'SELECT b, e FROM v1 WHERE id = ?'")
        .unwrap();
    for id in [1, 7, 26, 40] {
        s.execute(&format!("SET @i = {id}")).unwrap();
        assert_eq!(
            outcome(&mut s, "EXECUTE ps1 USING @i"),
            outcome(&mut s, "EXECUTE ps2 USING @i")
        );
    }
}

/// A few random single-table and join SELECTs built from column expressions,
/// conditions, grouping and ordering.
#[test]
fn random_selects_read_like_full_ones() {
    let (_dir, inst) = setup();
    let mut s = inst.session("admin", "127.0.0.1", None).unwrap();
    load(&mut s);
    let one = [
        "id",
        "a",
        "b",
        "c",
        "d",
        "e",
        "h",
        "x.a",
        "x.e",
        "a + d",
        "CONCAT(b, e)",
        "COALESCE(c, a)",
        "LENGTH(e)",
        "UPPER(b)",
        "a IS NULL",
        "d IN (1, a, 3)",
        "CAST(c AS CHAR)",
        "-d",
        "NOT (h = 5)",
    ];
    let two = [
        "x.id",
        "y.id",
        "x.a",
        "y.a",
        "x.b",
        "y.f",
        "y.g",
        "x.h",
        "g",
        "f",
        "e",
        "x.d + y.g",
        "CONCAT(x.b, y.f)",
        "COALESCE(y.g, x.a)",
    ];
    let conds_one = [
        "a > 3",
        "b LIKE 'x%'",
        "c IS NOT NULL",
        "id BETWEEN 3 AND 20",
        "e = 'e1'",
        "h = 5",
        "d IN (1, 2, 3) OR d > 0",
        "id = 11",
        "x.c < 50",
    ];
    let conds_two = [
        "x.a = y.a",
        "y.g > 10",
        "x.id = y.id",
        "x.e <> y.f",
        "y.g = x.h",
    ];
    let aggs = [
        "COUNT(*)",
        "SUM(d)",
        "MAX(b)",
        "MIN(e)",
        "AVG(c)",
        "COUNT(DISTINCT a)",
        "SUM(h)",
    ];
    let mut rng = Rng(0x5e1ec7);
    let mut useful = 0;
    let rounds = 400;
    for _ in 0..rounds {
        let join = rng.below(3) == 0;
        let (exprs, conds, from): (&[&str], &[&str], String) = if join {
            let how = ["JOIN", "LEFT JOIN", "RIGHT JOIN"][rng.below(3) as usize];
            let on = pick(&mut rng, &conds_two);
            (&two, &conds_two, format!("{{1}} x {how} {{2}} y ON {on}"))
        } else {
            (&one, &conds_one, "{1} x".to_string())
        };
        // Grouped: one grouping output (others would take any row of their group).
        let grouped = rng.below(3) == 0;
        let n = if grouped { 1 } else { 1 + rng.below(3) };
        let mut outs = Vec::new();
        for i in 0..n {
            let e = pick(&mut rng, exprs);
            outs.push(if rng.below(2) == 0 {
                format!("{e} AS o{i}")
            } else {
                e.to_string()
            });
        }
        let mut q = String::from("SELECT ");
        if grouped {
            outs.push(pick(&mut rng, &aggs).to_string());
        }
        q += &outs.join(", ");
        q += &format!(" FROM {from}");
        if rng.below(2) == 0 {
            q += &format!(" WHERE {}", pick(&mut rng, conds));
        }
        if grouped {
            // By position, by alias, or by the expression.
            let first = outs[0].split(" AS ").collect::<Vec<_>>();
            q += match rng.below(3) {
                0 => " GROUP BY 1".to_string(),
                1 if first.len() == 2 => format!(" GROUP BY {}", first[1]),
                _ => format!(" GROUP BY {}", first[0]),
            }
            .as_str();
            if rng.below(2) == 0 {
                q += &format!(" HAVING {} IS NOT NULL", pick(&mut rng, &aggs));
            }
        }
        // Ordered by every output: deterministic up to identical rows.
        let positions: Vec<String> = (1..=outs.len()).map(|i| i.to_string()).collect();
        q += &format!(" ORDER BY {}", positions.join(", "));
        if rng.below(4) == 0 {
            q += &format!(" LIMIT {}", 1 + rng.below(5));
        }
        useful += usize::from(same_on_views(&mut s, &q));
    }
    assert!(
        useful > rounds / 2,
        "only {useful} of {rounds} queries gave values"
    );
}
