//! Sorts past `sort_buffer_size` spill sorted runs to `DATA_DIR/tmp` and merge them
//! (issue 24, "memory is bounded, never fatal"): ORDER BY, DISTINCT and GROUP BY over a
//! generated 150,000-row table give MariaDB's answers with a small sort buffer, count
//! Sort_merge_passes, leave no file behind; with a small `temptable_max_ram` each kind of
//! big statement fails with 1114 and the server and other sessions go on.

mod harness;

use harness::*;

fn ok(b: &Borealis, q: &str) -> String {
    let out = b.mysql(&["-N", "-B", "-e", q], "");
    assert!(out.status.success(), "{q}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// `sp.d` holds 0..999 and `sp.t` 150,000 rows built from it: strings that tie under
/// utf8mb4_general_ci ('A'/'a', 'e'/'é'), NULLs and decimals.
fn setup() -> String {
    let digits: Vec<String> = (0..1000).map(|i| format!("({i})")).collect();
    format!(
        "create database sp; use sp;
         create table d (n int primary key);
         insert into d values {};
         create table t (id int primary key, s varchar(20), n int, d decimal(10,2));
         insert into t select a.n * 1000 + b.n,
             elt(1 + (a.n * 7 + b.n * 13) % 6, 'b', 'A', 'a', 'é', 'e', ''),
             (a.n * 31 + b.n * 17) % 1009 - 500,
             case when b.n % 10 = 0 then null else (a.n * b.n) / 100 end
           from d a, d b where a.n < 150;",
        digits.join(",")
    )
}

/// Statements whose answers must equal MariaDB's (ties broken so the order is total).
const QUERIES: &[&str] = &[
    "select id, s, n, d from t order by s, n desc, d, id",
    "select id, s from t order by d desc, id limit 20 offset 7",
    "select count(*), sum(n), min(d), max(id), min(id) from t group by s, n % 10 order by min(id)",
    "select n % 100, count(distinct s), sum(d) from t group by n % 100 order by 1",
    "select distinct n, length(s) from t order by n, 2",
    "select distinct n % 50 a, d is null b from t order by b, a desc",
];

#[test]
fn big_sorts_spill_and_answer_as_mariadb() {
    let b = Borealis::start("spill-sort");
    let m = MariaDb::start("spill-sort");
    let s = setup();
    ok(&b, &s);
    msql(&m, &s);
    for q in QUERIES {
        let want = msql(&m, &format!("use sp; {q}"));
        // A 32 KiB sort buffer: the sort writes runs and merges them.
        let got = ok(
            &b,
            &format!(
                "use sp; set session sort_buffer_size = 32768; {q}; \
                 show session status like 'Sort_merge_passes'"
            ),
        );
        let (rows, status) = got.trim_end().rsplit_once('\n').unwrap();
        assert_eq!(format!("{rows}\n"), want, "{q}");
        let passes: u64 = status.split('\t').nth(1).unwrap().parse().unwrap();
        if !q.contains("limit") {
            assert!(passes > 0, "{q}: no merge pass ({status})");
        }
        // The default buffer (256 KiB) gives the same rows.
        let again = ok(&b, &format!("use sp; {q}"));
        assert_eq!(again, want, "{q} with the default sort_buffer_size");
    }
    // DISTINCT without ORDER BY: the same set of rows.
    let q = "use sp; select distinct n % 7, s from t";
    let mut want: Vec<String> = msql(&m, q).lines().map(String::from).collect();
    let mut got: Vec<String> = ok(&b, &format!("set session sort_buffer_size = 32768; {q}"))
        .lines()
        .map(String::from)
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got.len(), want.len());
    // The global counter has counted them too; nothing is left in the tmp area.
    let global = ok(&b, "show global status like 'Sort_merge_passes'");
    assert!(
        global
            .split('\t')
            .nth(1)
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap()
            > 0,
        "{global}"
    );
    let tmp = b.dir.join("tmp");
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "files left in {}: {left:?}", tmp.display());
    assert_eq!(
        ok(&b, "select @@tmpdir").trim(),
        tmp.canonicalize().unwrap().display().to_string()
    );
}

#[test]
fn tmp_area_is_private_and_emptied_at_startup() {
    use std::os::unix::fs::PermissionsExt;
    let b = Borealis::start("spill-tmp");
    let tmp = b.dir.join("tmp");
    let mode = std::fs::metadata(&tmp).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    // A run file a crashed process left behind is removed at the next start.
    std::fs::write(tmp.join("#sql_sort_dead_0"), b"stale").unwrap();
    let b = b.restart();
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    // sort_buffer_size is MySQL's variable: its bounds and scopes.
    assert_eq!(ok(&b, "select @@global.sort_buffer_size").trim(), "262144");
    let out = ok(
        &b,
        "set session sort_buffer_size = 1; select @@sort_buffer_size",
    );
    assert_eq!(out.trim(), "32768");
}

#[test]
fn each_kind_of_big_statement_fails_with_1114_under_a_small_budget_and_the_server_goes_on() {
    let b = Borealis::start("spill-budget");
    ok(&b, &setup());
    ok(&b, "set global temptable_max_ram = 4194304");
    let kinds = [
        "select id, s from sp.t order by s, id",
        "select id, count(*) from sp.t group by id",
        "select distinct id, s from sp.t",
        "select id, sum(n) over (partition by n % 7 order by id) from sp.t",
        "select s, n from sp.t union select s, n + 1 from sp.t",
    ];
    // Another session works while each statement runs out of budget.
    let mut other = b.mysql_session(&["-N", "-B"]);
    for q in kinds {
        let out = b.mysql(&["-N", "-B", "-e", q], "");
        assert!(
            text(&out.stderr).contains("ERROR 1114"),
            "{q}: {} {}",
            text(&out.stdout).len(),
            text(&out.stderr)
        );
        assert_eq!(ok(&b, "select count(*) from sp.d").trim(), "1000");
    }
    {
        use std::io::Write;
        let stdin = other.stdin.as_mut().unwrap();
        writeln!(stdin, "select count(*) from sp.d where n < 10;").unwrap();
    }
    drop(other.stdin.take());
    let out = other.wait_with_output().unwrap();
    assert_eq!(text(&out.stdout).trim(), "10");
    // A DISTINCT without ORDER BY sends each row the first time it is seen and holds
    // only the distinct ones: few of them among 150,000 rows fit.
    let out = b.mysql(&["-N", "-B", "-e", "select distinct n, s from sp.t"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = text(&out.stdout).lines().count();
    assert!(lines > 1000 && lines < 10_000, "{lines} distinct rows");
    // A GROUP BY holds its groups, not its rows: few groups of 150,000 rows fit.
    assert_eq!(
        ok(
            &b,
            "select count(*), sum(c) from (select s, count(*) c from sp.t group by s) x"
        )
        .trim(),
        "4\t150000"
    );
    // With the default budget each of them answers; the process stays well below it.
    ok(&b, "set global temptable_max_ram = 1073741824");
    assert_eq!(
        ok(
            &b,
            "select count(*) from (select distinct n, s from sp.t) x"
        )
        .trim(),
        lines.to_string()
    );
    for q in kinds {
        let out = b.mysql(
            &["-N", "-B", "-e", &format!("select count(*) from ({q}) x")],
            "",
        );
        assert!(out.status.success(), "{q}: {}", text(&out.stderr));
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", b.child.id())).unwrap();
    let hwm: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(hwm < 1 << 20, "peak RSS {hwm} kB");
}
