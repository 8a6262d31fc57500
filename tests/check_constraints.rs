//! CHECK constraints end to end (issue 27, part 2): MySQL 8.0's answers where MariaDB
//! differs (3819 rather than MariaDB's 4025, the names `<table>_chk_N`, SHOW CREATE
//! TABLE's and information_schema's printing of the condition, `/*!80016 NOT ENFORCED */`,
//! the DDL errors 3812-3823, 3940 and 3959), constraints surviving a restart, and a
//! mysqldump that loads back. What MariaDB shares is in tests/sql/22_check_constraints.sql.

mod harness;

use harness::*;

#[test]
fn mysql80_answers_and_restart() {
    let b = Borealis::start("check");
    sql(
        &b,
        "CREATE DATABASE app; USE app;
         CREATE TABLE c (a INT, b INT, s VARCHAR(5), CHECK (a > 0), CONSTRAINT bc CHECK (b < a),
           c INT CHECK (c <> 0), d INT CONSTRAINT dd CHECK (d BETWEEN 1 AND 9),
           CHECK (s <> '' AND s NOT LIKE 'x%'), CHECK (a + b > 1) NOT ENFORCED)",
    );
    // The names and the printed conditions, as MySQL 8.0 shows them.
    assert_eq!(
        show_create(&b, "app.c"),
        "CREATE TABLE `c` (
  `a` int DEFAULT NULL,
  `b` int DEFAULT NULL,
  `s` varchar(5) DEFAULT NULL,
  `c` int DEFAULT NULL,
  `d` int DEFAULT NULL,
  CONSTRAINT `bc` CHECK ((`b` < `a`)),
  CONSTRAINT `c_chk_1` CHECK ((`a` > 0)),
  CONSTRAINT `c_chk_2` CHECK ((`c` <> 0)),
  CONSTRAINT `c_chk_3` CHECK (((`s` <> _utf8mb4'') and (not((`s` like _utf8mb4'x%'))))),
  CONSTRAINT `c_chk_4` CHECK (((`a` + `b`) > 1)) /*!80016 NOT ENFORCED */,
  CONSTRAINT `dd` CHECK ((`d` between 1 and 9))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci\n"
    );
    // The MySQL 8.0 manual's example (section "CHECK Constraints"): unnamed constraints
    // are numbered in the order written, column and table ones alike.
    sql(
        &b,
        "CREATE TABLE app.t1 (CHECK (c1 <> c2), c1 INT CHECK (c1 > 10),
           c2 INT CONSTRAINT c2_positive CHECK (c2 > 0), c3 INT CHECK (c3 < 100),
           CONSTRAINT c1_nonzero CHECK (c1 <> 0), CHECK (c1 > c3))",
    );
    assert_eq!(
        show_create(&b, "app.t1"),
        "CREATE TABLE `t1` (
  `c1` int DEFAULT NULL,
  `c2` int DEFAULT NULL,
  `c3` int DEFAULT NULL,
  CONSTRAINT `c1_nonzero` CHECK ((`c1` <> 0)),
  CONSTRAINT `c2_positive` CHECK ((`c2` > 0)),
  CONSTRAINT `t1_chk_1` CHECK ((`c1` <> `c2`)),
  CONSTRAINT `t1_chk_2` CHECK ((`c1` > 10)),
  CONSTRAINT `t1_chk_3` CHECK ((`c3` < 100)),
  CONSTRAINT `t1_chk_4` CHECK ((`c1` > `c3`))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci\n"
    );
    // A condition sqlparser gives no position (REGEXP) still counts where it was written;
    // CREATE TABLE ... LIKE keeps the constraints under generated names.
    sql(
        &b,
        "CREATE TABLE app.rx (a INT CHECK (a > 0), b VARCHAR(9) CHECK (b REGEXP '^x'),
           CONSTRAINT zmine CHECK (a < 50));
         CREATE TABLE app.rx2 LIKE app.rx",
    );
    assert_eq!(
        sql(&b, "SELECT constraint_name, check_clause FROM information_schema.check_constraints WHERE constraint_name LIKE 'rx%' OR constraint_name = 'zmine' ORDER BY 1"),
        "rx2_chk_1\t(`a` > 0)\nrx2_chk_2\tregexp_like(`b`,_utf8mb4\\\\'^x\\\\')\n\
         rx2_chk_3\t(`a` < 50)\nrx_chk_1\t(`a` > 0)\nrx_chk_2\tregexp_like(`b`,_utf8mb4\\\\'^x\\\\')\nzmine\t(`a` < 50)\n"
    );
    assert!(err(&b, "INSERT INTO app.rx2 VALUES (1, 'y')").contains("'rx2_chk_2' is violated"));
    assert!(err(&b, "INSERT INTO app.rx2 VALUES (60, 'x')").contains("'rx2_chk_3' is violated"));
    assert_eq!(
        sql(&b, "SELECT constraint_name, check_clause FROM information_schema.check_constraints WHERE constraint_schema = 'app' AND (constraint_name LIKE 'c\\_%' OR constraint_name IN ('bc', 'dd')) ORDER BY 1"),
        "bc\t(`b` < `a`)\nc_chk_1\t(`a` > 0)\nc_chk_2\t(`c` <> 0)\n\
         c_chk_3\t((`s` <> _utf8mb4\\\\'\\\\') and (not((`s` like _utf8mb4\\\\'x%\\\\'))))\n\
         c_chk_4\t((`a` + `b`) > 1)\ndd\t(`d` between 1 and 9)\n"
    );
    assert_eq!(
        sql(&b, "SELECT constraint_name, constraint_type, enforced FROM information_schema.table_constraints WHERE table_schema = 'app' AND table_name = 'c' ORDER BY 2, 1"),
        "bc\tCHECK\tYES\nc_chk_1\tCHECK\tYES\nc_chk_2\tCHECK\tYES\nc_chk_3\tCHECK\tYES\nc_chk_4\tCHECK\tNO\ndd\tCHECK\tYES\n"
    );
    // Enforcement: the first violated constraint in name order; NULL passes.
    sql(&b, "INSERT INTO app.c VALUES (1, 0, 'a', 1, 1)");
    assert_eq!(
        err(&b, "INSERT INTO app.c VALUES (0, 0, 'a', 1, 1)"),
        "ERROR 3819 (HY000) at line 1: Check constraint 'bc' is violated."
    );
    sql(
        &b,
        "INSERT INTO app.c VALUES (NULL, NULL, NULL, NULL, NULL)",
    );
    let out = b.mysql(
        &[
            "-vvv",
            "-e",
            "INSERT IGNORE INTO app.c VALUES (0, 0, 'a', 1, 1), (5, 1, 'b', 1, 1); SHOW WARNINGS",
        ],
        "",
    );
    let o = text(&out.stdout);
    assert!(o.contains("Records: 1  Duplicates: 0  Warnings: 1"), "{o}");
    assert!(
        o.contains("3819 | Check constraint 'bc' is violated."),
        "{o}"
    );
    assert!(err(&b, "UPDATE app.c SET a = -1 WHERE a = 1").starts_with("ERROR 3819"));
    assert!(err(&b, "INSERT INTO app.c (a) VALUES (-5)").contains("'c_chk_1' is violated"));
    assert!(err(&b, "INSERT INTO app.c VALUES (3, 1, 'xy', 1, 1)").contains("'c_chk_3'"));
    assert!(err(&b, "REPLACE INTO app.c VALUES (3, 1, 'q', 1, 10)").contains("'dd'"));
    assert!(err(&b, "INSERT INTO app.c SELECT 3, 1, 'q', 0, 1").contains("'c_chk_2'"));
    // A refused row costs no AUTO_INCREMENT value.
    sql(
        &b,
        "CREATE TABLE app.k (id INT AUTO_INCREMENT PRIMARY KEY, n INT, CHECK (n > 0))",
    );
    sql(&b, "INSERT INTO app.k (n) VALUES (1)");
    assert!(err(&b, "INSERT INTO app.k (n) VALUES (0)").starts_with("ERROR 3819"));
    sql(&b, "INSERT INTO app.k (n) VALUES (2)");
    assert_eq!(sql(&b, "SELECT id, n FROM app.k"), "1\t1\n2\t2\n");
    sql(
        &b,
        "CREATE TABLE app.u (id INT PRIMARY KEY, n INT CHECK (n < 10))",
    );
    sql(&b, "INSERT INTO app.u VALUES (1, 1)");
    assert!(err(
        &b,
        "INSERT INTO app.u VALUES (1, 1) ON DUPLICATE KEY UPDATE n = 10"
    )
    .starts_with("ERROR 3819"));
    // DDL refusals.
    for (q, want) in [
        ("CREATE TABLE app.e1 (a INT, CHECK (z > 0))", "ERROR 3820 (HY000) at line 1: Check constraint 'e1_chk_1' refers to non-existing column 'z'."),
        ("CREATE TABLE app.e2 (a INT, CHECK (a > (SELECT 1)))", "ERROR 3815 (HY000) at line 1: An expression of a check constraint 'e2_chk_1' contains disallowed function."),
        ("CREATE TABLE app.e3 (a INT, CHECK (a > RAND()))", "ERROR 3814 (HY000) at line 1: An expression of a check constraint 'e3_chk_1' contains disallowed function: rand."),
        ("CREATE TABLE app.e4 (a INT AUTO_INCREMENT PRIMARY KEY, CHECK (a > 0))", "ERROR 3818 (HY000) at line 1: Check constraint 'e4_chk_1' cannot refer to an auto-increment column."),
        ("CREATE TABLE app.e5 (a INT, CONSTRAINT bc CHECK (a > 0))", "ERROR 3822 (HY000) at line 1: Duplicate check constraint name 'bc'."),
        ("CREATE TABLE app.e6 (a INT, CHECK (a))", "ERROR 3812 (HY000) at line 1: An expression of non-boolean type specified to a check constraint 'e6_chk_1'."),
        ("CREATE TABLE app.e7 (a INT, CHECK (@x > 0))", "ERROR 3816 (HY000) at line 1: An expression of a check constraint 'e7_chk_1' cannot refer to a user or system variable."),
        ("CREATE TABLE app.e8 (a INT, CHECK (NOW() > 0))", "ERROR 3814 (HY000) at line 1: An expression of a check constraint 'e8_chk_1' contains disallowed function: now."),
        ("CREATE TABLE app.e9 (a INT CHECK (b > 0), b INT)", "ERROR 3813 (HY000) at line 1: Column check constraint 'e9_chk_1' references other column."),
    ] {
        assert_eq!(err(&b, q), want, "{q}");
    }
    // ALTER TABLE: adding checks the rows there, numbering continues after the highest.
    sql(
        &b,
        "CREATE TABLE app.ac (a INT, b INT, CHECK (a > 0), CHECK (b > 0));
         INSERT INTO app.ac VALUES (5, 5), (50, 1);
         ALTER TABLE app.ac ADD CHECK (a < 100)",
    );
    assert_eq!(
        err(&b, "ALTER TABLE app.ac ADD CONSTRAINT lim CHECK (a < 10)"),
        "ERROR 3819 (HY000) at line 1: Check constraint 'lim' is violated."
    );
    sql(&b, "ALTER TABLE app.ac ADD CONSTRAINT lim CHECK (a < 100)");
    sql(&b, "ALTER TABLE app.ac DROP CHECK ac_chk_2");
    assert_eq!(
        err(&b, "ALTER TABLE app.ac DROP CHECK nope"),
        "ERROR 3821 (HY000) at line 1: Check constraint 'nope' is not found in the table."
    );
    sql(&b, "ALTER TABLE app.ac DROP CONSTRAINT lim");
    assert_eq!(
        err(&b, "ALTER TABLE app.ac DROP CONSTRAINT nope"),
        "ERROR 3940 (HY000) at line 1: Constraint 'nope' does not exist."
    );
    // ALTER CHECK is read through operations MySQL has no syntax for; written by a
    // user, those stay a syntax error.
    for q in [
        "ALTER TABLE app.ac DISABLE TRIGGER ac_chk_1",
        "ALTER TABLE app.ac ENABLE RULE ac_chk_1",
    ] {
        assert!(err(&b, q).starts_with("ERROR 1064"), "{q}");
    }
    sql(&b, "ALTER TABLE app.ac ALTER CHECK ac_chk_1 NOT ENFORCED");
    sql(&b, "INSERT INTO app.ac VALUES (-1, 1)");
    assert!(err(&b, "ALTER TABLE app.ac ALTER CHECK ac_chk_1 ENFORCED").starts_with("ERROR 3819"));
    sql(&b, "DELETE FROM app.ac WHERE a = -1");
    sql(&b, "ALTER TABLE app.ac ALTER CHECK ac_chk_1 ENFORCED");
    sql(&b, "ALTER TABLE app.ac ADD COLUMN z INT CHECK (z > 0)");
    assert_eq!(
        err(
            &b,
            "ALTER TABLE app.ac ADD COLUMN y INT NOT NULL CHECK (y > 0)"
        ),
        "ERROR 3819 (HY000) at line 1: Check constraint 'ac_chk_5' is violated."
    );
    assert_eq!(
        sql(&b, "SELECT constraint_name, check_clause FROM information_schema.check_constraints WHERE constraint_schema = 'app' AND constraint_name LIKE 'ac%' ORDER BY 1"),
        "ac_chk_1\t(`a` > 0)\nac_chk_3\t(`a` < 100)\nac_chk_4\t(`z` > 0)\n"
    );
    // A column's own constraint goes with the column; one naming other columns too
    // refuses the drop, and any refuses a rename (MySQL 8.0's ALTER TABLE manual page).
    assert_eq!(
        err(&b, "ALTER TABLE app.ac RENAME COLUMN z TO zz"),
        "ERROR 3959 (HY000) at line 1: Check constraint 'ac_chk_4' uses column 'z', hence column cannot be dropped or renamed."
    );
    sql(&b, "ALTER TABLE app.ac DROP COLUMN z");
    sql(&b, "ALTER TABLE app.ac ADD CONSTRAINT ab CHECK (a >= b)");
    assert_eq!(
        err(&b, "ALTER TABLE app.ac DROP COLUMN b"),
        "ERROR 3959 (HY000) at line 1: Check constraint 'ab' uses column 'b', hence column cannot be dropped or renamed."
    );
    assert_eq!(
        sql(&b, "SELECT constraint_name FROM information_schema.check_constraints WHERE constraint_schema = 'app' AND constraint_name LIKE 'a%' ORDER BY 1"),
        "ab\nac_chk_1\nac_chk_3\n"
    );
    // RENAME TABLE renames the names `<table>_chk_…` with the table.
    sql(&b, "RENAME TABLE app.ac TO app.acx");
    assert_eq!(
        sql(&b, "SELECT constraint_name FROM information_schema.check_constraints WHERE constraint_schema = 'app' AND constraint_name LIKE 'a%' ORDER BY 1"),
        "ab\nacx_chk_1\nacx_chk_3\n"
    );
    assert!(err(&b, "INSERT INTO app.acx VALUES (0, 0)").contains("'acx_chk_1' is violated"));
    // A foreign key's action may not write a checked column.
    sql(&b, "CREATE TABLE app.par (id INT PRIMARY KEY)");
    assert_eq!(
        err(&b, "CREATE TABLE app.c1 (p INT CHECK (p > 0), FOREIGN KEY (p) REFERENCES app.par (id) ON UPDATE CASCADE)"),
        "ERROR 3823 (HY000) at line 1: Column 'p' cannot be used in a check constraint 'c1_chk_1': needed in a foreign key constraint 'c1_ibfk_1' referential action."
    );
    // Kept in the catalog: the same after a restart, and still enforced.
    let before = show_create(&b, "app.c");
    let b = b.restart();
    assert_eq!(show_create(&b, "app.c"), before);
    assert!(err(&b, "INSERT INTO app.c VALUES (0, 0, 'a', 1, 1)").contains("'bc' is violated"));
    sql(&b, "INSERT INTO app.c VALUES (9, 1, 'ok', 1, 1)");
}

/// mysqldump prints the constraints as SHOW CREATE TABLE does; the dump loads back with
/// the same definitions, rows and enforcement.
#[test]
fn mysqldump_round_trip() {
    let b = Borealis::start("check-dump");
    sql(
        &b,
        "CREATE DATABASE d; USE d;
         CREATE TABLE t (id INT PRIMARY KEY, qty INT CHECK (qty >= 0), s VARCHAR(9),
           CONSTRAINT s_ok CHECK (s IN ('a', 'it''s')), CHECK (qty < 100) NOT ENFORCED);
         INSERT INTO t VALUES (1, 5, 'a'), (2, 0, 'it''s'), (3, NULL, NULL);",
    );
    let dump = mysqldump(&b, &["--databases", "d"]);
    assert!(
        dump.contains("CONSTRAINT `t_chk_1` CHECK ((`qty` >= 0))"),
        "{dump}"
    );
    let before = show_create(&b, "d.t");
    let sums = sql(&b, "CHECKSUM TABLE d.t");
    sql(&b, "DROP DATABASE d");
    let out = b.mysql(&[], &dump);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(show_create(&b, "d.t"), before);
    assert_eq!(sql(&b, "CHECKSUM TABLE d.t"), sums);
    assert!(err(&b, "INSERT INTO d.t VALUES (9, -1, 'a')").contains("'t_chk_1' is violated"));
    assert!(err(&b, "INSERT INTO d.t VALUES (9, 1, 'b')").contains("'s_ok' is violated"));
    sql(&b, "INSERT INTO d.t VALUES (9, 500, 'a')");
}

/// A MariaDB 10.11 replica applies the DDL (MySQL's CHECK syntax as MariaDB reads it:
/// named and unnamed, column and table constraints, ADD / DROP CONSTRAINT) and the rows
/// Borealis let through, and ends equal; the replica enforces the named constraints too.
#[test]
fn replicates_to_mariadb() {
    let b = Borealis::start("check-repl");
    let m = replica_of(&b, "check-repl-replica");
    sql(
        &b,
        "CREATE DATABASE r; USE r;
         CREATE TABLE t (id INT PRIMARY KEY, qty INT CHECK (qty >= 0), lo INT, hi INT,
           CONSTRAINT range_ok CHECK (lo <= hi), CHECK (hi < 1000));
         INSERT INTO t VALUES (1, 5, 1, 2), (2, NULL, NULL, NULL), (3, 0, 5, 5);
         INSERT IGNORE INTO t VALUES (4, -1, 1, 2), (5, 1, 9, 1), (6, 2, 1, 3);
         UPDATE t SET hi = hi + 10 WHERE id IN (1, 6);
         INSERT INTO t VALUES (3, 0, 5, 5) ON DUPLICATE KEY UPDATE qty = qty + 7;
         ALTER TABLE t ADD CONSTRAINT qty_small CHECK (qty < 100);
         REPLACE INTO t VALUES (2, 50, 0, 0);
         ALTER TABLE t DROP CONSTRAINT range_ok;
         INSERT INTO t VALUES (7, 1, 9, 1);",
    );
    assert!(err(&b, "INSERT INTO r.t VALUES (8, 100, 0, 0)").contains("'qty_small' is violated"));
    wait_converged(&m, b.port, &["r.t"]);
    assert_eq!(
        msql(&m, "SELECT id, qty, lo, hi FROM r.t ORDER BY id"),
        "1\t5\t1\t12\n2\t50\t0\t0\n3\t7\t5\t5\n6\t2\t1\t13\n7\t1\t9\t1\n"
    );
    assert_eq!(
        msql(&m, "SELECT constraint_name FROM information_schema.check_constraints WHERE constraint_schema = 'r' AND constraint_name IN ('qty_small', 'range_ok')"),
        "qty_small\n"
    );
    let out = m.mysql(&["-e", "INSERT INTO r.t VALUES (9, 500, 0, 0)"], "");
    assert!(
        text(&out.stderr).contains("qty_small"),
        "{}",
        text(&out.stderr)
    );
}

/// `!x` in a CHECK condition or a generated column is stored and printed as MySQL 8.0
/// prints NOT (`(0 = x)`), so the definition parses back after a restart and loads into
/// MySQL and MariaDB (it used to be 1064; stored as written it would not parse back).
#[test]
fn bang_in_stored_expressions() {
    let b = Borealis::start("check-bang");
    sql(
        &b,
        "CREATE DATABASE cb;
         CREATE TABLE cb.t (a INT, b INT, CHECK (!a + 1 > 0), c INT AS (!b));
         INSERT INTO cb.t (a, b) VALUES (0, 1), (1, 0)",
    );
    let shown = "CREATE TABLE `t` (
  `a` int DEFAULT NULL,
  `b` int DEFAULT NULL,
  `c` int GENERATED ALWAYS AS ((0 = `b`)) VIRTUAL,
  CONSTRAINT `t_chk_1` CHECK ((((0 = `a`) + 1) > 0))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci\n";
    assert_eq!(show_create(&b, "cb.t"), shown);
    assert_eq!(
        sql(&b, "SELECT a, b, c FROM cb.t ORDER BY a"),
        "0\t1\t0\n1\t0\t1\n"
    );
    let b = b.restart();
    assert_eq!(show_create(&b, "cb.t"), shown);
    assert_eq!(sql(&b, "SELECT c FROM cb.t WHERE !c"), "0\n");
}
