//! Generated columns end to end (issue 27, part 2): MySQL 8.0's answers where MariaDB
//! differs (3105 for a value given, rather than MariaDB's 1906; SHOW CREATE TABLE's
//! `GENERATED ALWAYS AS ((`a` + `b`)) VIRTUAL`; information_schema's
//! GENERATION_EXPRESSION; the DDL errors 3102, 3106-3109), the definitions surviving a
//! restart, a mysqldump that loads back, and a MariaDB replica ending equal. What MariaDB
//! shares (the computed values through every write path, indexes on generated columns)
//! is in tests/sql/24_generated_columns.sql.

mod harness;

use harness::*;

#[test]
fn mysql80_answers_and_restart() {
    let b = Borealis::start("gcol");
    sql(
        &b,
        "CREATE DATABASE app; USE app;
         CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, s VARCHAR(10), doc JSON,
           total INT AS (a + b),
           twice BIGINT GENERATED ALWAYS AS (total * 2) STORED NOT NULL COMMENT 'x2',
           up VARCHAR(10) AS (UPPER(s)) VIRTUAL,
           name VARCHAR(20) AS (doc->>'$.name') STORED,
           tag VARCHAR(20) AS (CONCAT(s, '-', id)),
           KEY k_total (total), UNIQUE KEY k_name (name))",
    );
    assert_eq!(
        show_create(&b, "app.t"),
        "CREATE TABLE `t` (
  `id` int NOT NULL,
  `a` int DEFAULT NULL,
  `b` int DEFAULT NULL,
  `s` varchar(10) DEFAULT NULL,
  `doc` json DEFAULT NULL,
  `total` int GENERATED ALWAYS AS ((`a` + `b`)) VIRTUAL,
  `twice` bigint GENERATED ALWAYS AS ((`total` * 2)) STORED NOT NULL COMMENT 'x2',
  `up` varchar(10) GENERATED ALWAYS AS (upper(`s`)) VIRTUAL,
  `name` varchar(20) GENERATED ALWAYS AS (json_unquote(json_extract(`doc`,_utf8mb4'$.name'))) STORED,
  `tag` varchar(20) GENERATED ALWAYS AS (concat(`s`,_utf8mb4'-',`id`)) VIRTUAL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `k_name` (`name`),
  KEY `k_total` (`total`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci\n"
    );
    assert_eq!(
        sql(&b, "SELECT column_name, extra, generation_expression FROM information_schema.columns WHERE table_schema = 'app' AND table_name = 't' AND extra LIKE '%GENERATED' ORDER BY ordinal_position"),
        "total\tVIRTUAL GENERATED\t(`a` + `b`)\n\
         twice\tSTORED GENERATED\t(`total` * 2)\n\
         up\tVIRTUAL GENERATED\tupper(`s`)\n\
         name\tSTORED GENERATED\tjson_unquote(json_extract(`doc`,_utf8mb4\\\\'$.name\\\\'))\n\
         tag\tVIRTUAL GENERATED\tconcat(`s`,_utf8mb4\\\\'-\\\\',`id`)\n"
    );
    assert!(sql(&b, "SHOW COLUMNS FROM app.t LIKE 'twice'").contains("STORED GENERATED"));
    sql(
        &b,
        "INSERT INTO app.t (id, a, b, s, doc) VALUES (1, 1, 2, 'x', '{\"name\": \"ann\"}'),
           (2, 5, 5, 'y', '{\"name\": \"bob\"}')",
    );
    assert_eq!(
        sql(
            &b,
            "SELECT id, total, twice, up, name, tag FROM app.t ORDER BY id"
        ),
        "1\t3\t6\tX\tann\tx-1\n2\t10\t20\tY\tbob\ty-2\n"
    );
    // A value for a generated column: 3105, on every path; DEFAULT is taken.
    let refused = "ERROR 3105 (HY000) at line 1: The value specified for generated column 'total' in table 't' is not allowed.";
    for q in [
        "INSERT INTO app.t (id, a, b, total) VALUES (3, 1, 1, 7)",
        "INSERT INTO app.t VALUES (3, 1, 1, 'z', NULL, 2, DEFAULT, DEFAULT, DEFAULT, DEFAULT)",
        "INSERT INTO app.t SET id = 3, total = 1",
        "INSERT INTO app.t (id, total) SELECT 3, 4",
        "UPDATE app.t SET total = 5",
        "INSERT INTO app.t (id, a) VALUES (1, 1) ON DUPLICATE KEY UPDATE total = 9",
        "UPDATE app.t JOIN app.t AS o ON o.id = app.t.id SET app.t.total = 1",
    ] {
        assert_eq!(err(&b, q), refused, "{q}");
    }
    // Outside strict mode the value is ignored with a warning (as MariaDB does: its
    // mysqldump writes the generated values into the INSERTs).
    let out = b.mysql(
        &[
            "-N",
            "-B",
            "-e",
            "SET sql_mode = ''; INSERT INTO app.t (id, a, b, total) VALUES (7, 1, 1, 99); SHOW WARNINGS; \
             SELECT total FROM app.t WHERE id = 7; DELETE FROM app.t WHERE id = 7; \
             INSERT INTO app.t (id, a) VALUES (2, 5) ON DUPLICATE KEY UPDATE total = DEFAULT",
        ],
        "",
    );
    assert_eq!(
        text(&out.stdout),
        "Warning\t3105\tThe value specified for generated column 'total' in table 't' has been ignored.\n2\n"
    );
    sql(
        &b,
        "UPDATE app.t SET a = 100, total = DEFAULT WHERE id = 1;
         INSERT INTO app.t VALUES (3, 1, 1, 'z', NULL, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT)",
    );
    assert_eq!(
        sql(&b, "SELECT id, total, twice, name FROM app.t ORDER BY id"),
        "1\t102\t204\tann\n2\t10\t20\tbob\n3\t2\t4\tNULL\n"
    );
    // The computed value is stored as a given one would be: NOT NULL and range checks.
    assert_eq!(
        err(&b, "INSERT INTO app.t (id, a, b) VALUES (4, NULL, 1)"),
        "ERROR 1048 (23000) at line 1: Column 'twice' cannot be null"
    );
    assert_eq!(
        err(
            &b,
            "INSERT INTO app.t (id, a, b, doc) VALUES (4, 1, 1, '{\"name\": \"bob\"}')"
        ),
        "ERROR 1062 (23000) at line 1: Duplicate entry 'bob' for key 't.k_name'"
    );
    sql(&b, "CREATE TABLE app.small (a INT, n TINYINT AS (a * 100))");
    assert_eq!(
        err(&b, "INSERT INTO app.small (a) VALUES (5)"),
        "ERROR 1264 (22003) at line 1: Out of range value for column 'n' at row 1"
    );
    // DDL refusals.
    sql(
        &b,
        "CREATE FUNCTION app.f(x INT) RETURNS INT DETERMINISTIC RETURN x + 1",
    );
    for (q, want) in [
        ("CREATE TABLE app.e1 (a INT, g INT AS (a + RAND()))", "ERROR 3102 (HY000) at line 1: Expression of generated column 'g' contains a disallowed function."),
        ("CREATE TABLE app.e2 (a INT, g INT AS (a + (SELECT 1)))", "ERROR 3102 (HY000) at line 1: Expression of generated column 'g' contains a disallowed function."),
        ("CREATE TABLE app.e3 (a INT, g INT AS (a + @x))", "ERROR 3102 (HY000) at line 1: Expression of generated column 'g' contains a disallowed function."),
        ("CREATE TABLE app.e4 (a INT, g INT AS (app.f(a)))", "ERROR 3102 (HY000) at line 1: Expression of generated column 'g' contains a disallowed function."),
        ("CREATE TABLE app.e5 (a INT, g DATETIME AS (NOW()))", "ERROR 3102 (HY000) at line 1: Expression of generated column 'g' contains a disallowed function."),
        ("CREATE TABLE app.e6 (a INT, g INT AS (z + 1))", "ERROR 1054 (42S22) at line 1: Unknown column 'z' in 'generated column function'"),
        ("CREATE TABLE app.e7 (a INT, g INT AS (h + 1), h INT AS (a))", "ERROR 3107 (HY000) at line 1: Generated column can refer only to generated columns defined prior to it."),
        ("CREATE TABLE app.e8 (a INT AUTO_INCREMENT PRIMARY KEY, g INT AS (a + 1))", "ERROR 3109 (HY000) at line 1: Generated column 'g' cannot refer to auto-increment column."),
        ("CREATE TABLE app.e9 (a INT, g INT AS (a + 1) PRIMARY KEY)", "ERROR 3106 (HY000) at line 1: 'Defining a virtual generated column as primary key' is not supported for generated columns."),
        ("ALTER TABLE app.t DROP COLUMN a", "ERROR 3108 (HY000) at line 1: Column 'a' has a generated column dependency."),
        ("ALTER TABLE app.t RENAME COLUMN s TO s2", "ERROR 3108 (HY000) at line 1: Column 's' has a generated column dependency."),
        ("ALTER TABLE app.t CHANGE COLUMN b b2 INT", "ERROR 3108 (HY000) at line 1: Column 'b' has a generated column dependency."),
    ] {
        assert_eq!(err(&b, q), want, "{q}");
    }
    assert!(
        err(&b, "CREATE TABLE app.e10 (a INT, g INT AS (a) DEFAULT 1)").starts_with("ERROR 1064")
    );
    // A STORED column may be the primary key; a generated column may be dropped.
    sql(
        &b,
        "CREATE TABLE app.pk (a INT NOT NULL, g INT AS (a * 10) STORED PRIMARY KEY);
         INSERT INTO app.pk (a) VALUES (1), (2);
         ALTER TABLE app.t DROP COLUMN tag",
    );
    assert_eq!(
        err(&b, "INSERT INTO app.pk (a) VALUES (1)"),
        "ERROR 1062 (23000) at line 1: Duplicate entry '10' for key 'pk.PRIMARY'"
    );
    // ALTER TABLE ADD / MODIFY computes the column for the rows there.
    sql(
        &b,
        "ALTER TABLE app.t ADD COLUMN diff INT AS (a - b) STORED AFTER b;
         ALTER TABLE app.t MODIFY COLUMN total INT AS (a + b + 1000) VIRTUAL",
    );
    assert_eq!(
        sql(&b, "SELECT id, diff, total, twice FROM app.t ORDER BY id"),
        "1\t98\t1102\t2204\n2\t0\t1010\t2020\n3\t0\t1002\t2004\n"
    );
    // CHECK constraints see the computed value; a foreign key's cascade recomputes.
    sql(
        &b,
        "CREATE TABLE app.par (id INT PRIMARY KEY);
         CREATE TABLE app.kid (id INT PRIMARY KEY, p INT, pp INT AS (p * 2) STORED,
           CHECK (pp < 100), FOREIGN KEY (p) REFERENCES app.par (id) ON UPDATE CASCADE);
         INSERT INTO app.par VALUES (1), (2);
         INSERT INTO app.kid (id, p) VALUES (1, 1), (2, 2);
         UPDATE app.par SET id = 20 WHERE id = 2",
    );
    assert_eq!(
        sql(&b, "SELECT id, p, pp FROM app.kid ORDER BY id"),
        "1\t1\t2\n2\t20\t40\n"
    );
    assert_eq!(
        err(&b, "INSERT INTO app.kid (id, p) VALUES (3, 60)"),
        "ERROR 3819 (HY000) at line 1: Check constraint 'kid_chk_1' is violated."
    );
    // Kept in the catalog: the same after a restart, and still computed.
    let before = show_create(&b, "app.t");
    let b = b.restart();
    assert_eq!(show_create(&b, "app.t"), before);
    sql(&b, "INSERT INTO app.t (id, a, b) VALUES (9, 1, 1)");
    assert_eq!(
        sql(&b, "SELECT total, twice FROM app.t WHERE id = 9"),
        "1002\t2004\n"
    );
}

/// mysqldump leaves the generated columns out of its INSERTs; the dump loads back with
/// the same definitions and rows.
#[test]
fn mysqldump_round_trip() {
    let b = Borealis::start("gcol-dump");
    sql(
        &b,
        "CREATE DATABASE d; USE d;
         CREATE TABLE t (id INT PRIMARY KEY, a INT, s VARCHAR(9),
           v INT AS (a * 3), w VARCHAR(20) AS (CONCAT(s, '!')) STORED, KEY (v));
         INSERT INTO t (id, a, s) VALUES (1, 5, 'a'), (2, 0, 'it''s'), (3, NULL, NULL);",
    );
    let dump = mysqldump(&b, &["--databases", "d"]);
    assert!(
        dump.contains("`v` int GENERATED ALWAYS AS ((`a` * 3)) VIRTUAL"),
        "{dump}"
    );
    let before = show_create(&b, "d.t");
    let rows = sql(&b, "SELECT * FROM d.t ORDER BY id");
    let sums = sql(&b, "CHECKSUM TABLE d.t");
    sql(&b, "DROP DATABASE d");
    let out = b.mysql(&[], &dump);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(show_create(&b, "d.t"), before);
    assert_eq!(sql(&b, "SELECT * FROM d.t ORDER BY id"), rows);
    assert_eq!(sql(&b, "CHECKSUM TABLE d.t"), sums);
}

/// A MariaDB 10.11 replica applies the DDL and the row events and ends equal: the same
/// rows, generated values included, and the same CHECKSUM TABLE.
#[test]
fn replicates_to_mariadb() {
    let b = Borealis::start("gcol-repl");
    let m = replica_of(&b, "gcol-repl-replica");
    sql(
        &b,
        "CREATE DATABASE r; USE r;
         CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, s VARCHAR(10),
           total INT AS (a + b), up VARCHAR(10) AS (UPPER(s)) STORED, KEY (total));
         INSERT INTO t (id, a, b, s) VALUES (1, 1, 2, 'x'), (2, NULL, 3, 'y'), (3, 4, 4, NULL);
         UPDATE t SET a = a + 10 WHERE id IN (1, 3);
         INSERT INTO t (id, a, b, s) VALUES (3, 0, 0, 'q') ON DUPLICATE KEY UPDATE s = 'zz';
         REPLACE INTO t (id, a, b, s) VALUES (2, 7, 7, 'w');
         ALTER TABLE t ADD COLUMN d INT AS (a - b) STORED;
         INSERT INTO t (id, a, b, s) VALUES (4, 9, 1, 'v');
         DELETE FROM t WHERE id = 1;",
    );
    wait_converged(&m, b.port, &["r.t"]);
    let q = "SELECT id, a, b, s, total, up, d FROM r.t ORDER BY id";
    assert_eq!(msql(&m, q), sql(&b, q));
    assert_eq!(
        sql(&b, q),
        "2\t7\t7\tw\t14\tW\t0\n3\t14\t4\tzz\t18\tZZ\t10\n4\t9\t1\tv\t10\tV\t8\n"
    );
}
