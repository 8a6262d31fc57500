//! INVISIBLE columns end to end (issue 27, part 2): MySQL 8.0's answers where MariaDB
//! differs (SHOW CREATE TABLE's `/*!80023 INVISIBLE */`, `ALTER COLUMN c SET
//! [IN]VISIBLE`, 4028 for a table without a visible column), `ALTER COLUMN c SET|DROP
//! DEFAULT`, the definitions surviving a restart, and a mysqldump that loads back. What
//! MariaDB shares is in tests/sql/25_invisible_columns.sql.

mod harness;

use harness::*;

#[test]
fn mysql80_answers_dump_and_restart() {
    let b = Borealis::start("invisible");
    sql(
        &b,
        "CREATE DATABASE app; USE app;
         CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY INVISIBLE, a INT,
           note VARCHAR(10) DEFAULT 'n' INVISIBLE COMMENT 'hidden', b INT);
         INSERT INTO t VALUES (1, 2), (3, 4);
         INSERT INTO t (id, a, note, b) VALUES (10, 5, 'x', 6)",
    );
    assert_eq!(
        show_create(&b, "app.t"),
        "CREATE TABLE `t` (
  `id` int NOT NULL AUTO_INCREMENT /*!80023 INVISIBLE */,
  `a` int DEFAULT NULL,
  `note` varchar(10) DEFAULT 'n' /*!80023 INVISIBLE */ COMMENT 'hidden',
  `b` int DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=11 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci\n"
    );
    assert_eq!(
        sql(&b, "SELECT * FROM app.t ORDER BY a"),
        "1\t2\n3\t4\n5\t6\n"
    );
    assert_eq!(
        sql(&b, "SELECT id, note FROM app.t ORDER BY id"),
        "1\tn\n2\tn\n10\tx\n"
    );
    assert_eq!(
        sql(&b, "SELECT column_name, extra FROM information_schema.columns WHERE table_schema = 'app' AND table_name = 't' ORDER BY ordinal_position"),
        "id\tauto_increment INVISIBLE\na\t\nnote\tINVISIBLE\nb\t\n"
    );
    assert!(sql(&b, "SHOW COLUMNS FROM app.t LIKE 'note'").contains("INVISIBLE"));
    // A table keeps at least one visible column.
    let none = "ERROR 4028 (HY000) at line 1: A table must have at least 1 visible column.";
    assert_eq!(err(&b, "CREATE TABLE app.e (a INT INVISIBLE)"), none);
    sql(&b, "CREATE TABLE app.one (a INT, b INT INVISIBLE)");
    assert_eq!(
        err(&b, "ALTER TABLE app.one ALTER COLUMN a SET INVISIBLE"),
        none
    );
    assert_eq!(err(&b, "ALTER TABLE app.one MODIFY a INT INVISIBLE"), none);
    // ALTER COLUMN: visibility and defaults, without copying the table.
    sql(
        &b,
        "ALTER TABLE app.t ALTER COLUMN note SET VISIBLE, ALTER b SET INVISIBLE;
         ALTER TABLE app.t ALTER COLUMN a SET DEFAULT 42",
    );
    assert_eq!(
        sql(&b, "SELECT * FROM app.t ORDER BY a"),
        "1\tn\n3\tn\n5\tx\n"
    );
    sql(&b, "INSERT INTO app.t (note) VALUES ('d')");
    assert_eq!(
        sql(&b, "SELECT a, note, b FROM app.t WHERE note = 'd'"),
        "42\td\tNULL\n"
    );
    sql(
        &b,
        "CREATE TABLE app.k (id INT PRIMARY KEY, k INT NOT NULL DEFAULT 5);
         ALTER TABLE app.k ALTER COLUMN k DROP DEFAULT",
    );
    assert!(show_create(&b, "app.k").contains("  `k` int NOT NULL,\n"));
    assert_eq!(
        err(&b, "INSERT INTO app.k (id) VALUES (1)"),
        "ERROR 1364 (HY000) at line 1: Field 'k' doesn't have a default value"
    );
    // On a nullable column too: no DEFAULT NULL is left.
    sql(
        &b,
        "ALTER TABLE app.k ADD COLUMN n INT; ALTER TABLE app.k ALTER COLUMN n DROP DEFAULT",
    );
    assert!(show_create(&b, "app.k").contains("  `n` int,\n"));
    assert_eq!(
        err(&b, "INSERT INTO app.k (id, k) VALUES (1, 1)"),
        "ERROR 1364 (HY000) at line 1: Field 'n' doesn't have a default value"
    );
    sql(&b, "INSERT INTO app.k (id, k, n) VALUES (1, 1, NULL)");
    // PostgreSQL's SET/DROP NOT NULL is not MySQL.
    for q in [
        "ALTER TABLE app.t ALTER COLUMN a SET NOT NULL",
        "ALTER TABLE app.t ALTER a DROP NOT NULL",
    ] {
        assert!(err(&b, q).starts_with("ERROR 1064"), "{q}");
    }
    assert!(err(&b, "ALTER TABLE app.t ALTER COLUMN zz SET INVISIBLE").starts_with("ERROR 1054"));

    // mysqldump writes complete INSERTs (it sees INVISIBLE in SHOW COLUMNS' Extra): the
    // dump loads back with the hidden values.
    let dump = mysqldump(&b, &["--databases", "app"]);
    assert!(
        dump.contains("INSERT INTO `t` (`id`, `a`, `note`, `b`) VALUES"),
        "{dump}"
    );
    let before = show_create(&b, "app.t");
    let rows = sql(&b, "SELECT id, a, note, b FROM app.t ORDER BY id");
    let sums = sql(&b, "CHECKSUM TABLE app.t");
    sql(&b, "DROP DATABASE app");
    let out = b.mysql(&[], &dump);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(show_create(&b, "app.t"), before);
    assert_eq!(
        sql(&b, "SELECT id, a, note, b FROM app.t ORDER BY id"),
        rows
    );
    assert_eq!(sql(&b, "CHECKSUM TABLE app.t"), sums);

    // Kept in the catalog.
    let b = b.restart();
    assert_eq!(show_create(&b, "app.t"), before);
    assert_eq!(sql(&b, "SELECT * FROM app.t WHERE id = 1"), "1\tn\n");
}
