-- Names of unaliased expression columns are their text as typed, also in a view, and
-- `@v := expr` assigns per row, in row order. What broke: `SELECT (-1) + 1` was named
-- `1) + 1`, a view's `a + 1` and `-a` got names cut from the reading statement's text,
-- and every `:=` in an expression was error 1235. MariaDB 10.11 and MySQL 8.0 agree on
-- all of this except MySQL's warning 1287 for `:=` in an expression (asserted in
-- tests/e2e.rs, user_variable_assignment_as_mysql_8).
CREATE DATABASE g29;
USE g29;
CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT);
INSERT INTO t VALUES (1, 1, 2), (2, 3, 4), (3, 5, 6);

SELECT (-1) + 1;
SELECT (-1)+1, ( -1 ) + 1, -(1) + 2, (1) - 1;
SELECT (a), ((1)+2), -(1), NOT (1), - a, -(a)+1, (a)+(b), ((a)), NOT NOT a, (a)  +  1 FROM t WHERE id = 1;
SELECT (-a) * 2, -(-(a)), !(a), ~(0) & 1, (a + 1) * (b - 1), ((a) * 2) + 1 FROM t WHERE id = 2;
SELECT (ABS(-2)) + 1, -ABS(a), NOT (a > 1), (a IS NULL) + 0 FROM t WHERE id = 1;

CREATE VIEW w AS SELECT a + 1, -a, (a)*2, (-1) + a, NOT (a), b FROM t;
SELECT * FROM w ORDER BY b;
SELECT `a + 1`, `-a`, `(a)*2` FROM w WHERE `-a` < -1 ORDER BY 1;
SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'g29' AND TABLE_NAME = 'w' ORDER BY ORDINAL_POSITION;
CREATE VIEW w2 AS SELECT id, CONCAT(a, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'), a * 10 FROM t;
SELECT * FROM w2 ORDER BY id;
SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'g29' AND TABLE_NAME = 'w2' ORDER BY ORDINAL_POSITION;
CREATE VIEW w3 AS SELECT a + 1 FROM t UNION SELECT b FROM t;
SELECT * FROM w3 ORDER BY 1;

SET @n := 0;
SELECT @n := @n + 1 AS rn, a FROM t ORDER BY id;
SELECT @n;
SET @x := 5;
SELECT @x, @x := @x * 2, @x;
SELECT @x;
SET @s = 0;
SELECT id, @s := @s + a AS running FROM t ORDER BY id;
SELECT @s;
SELECT id FROM t WHERE (@m := a) > 2 ORDER BY id;
SELECT @m;
SET @u = 10;
UPDATE t SET b = (@u := @u + 1) ORDER BY id;
SELECT id, b FROM t ORDER BY id;
SELECT @u;
SELECT @p := @q := 7, @p, @q;
SELECT @r := 1 AND 0, @r;
SELECT @v := 'abc', @v, CONCAT(@v, 'd');
SELECT @c := COUNT(*) FROM t;
SELECT @c + 1;
SELECT a := 1 FROM t;

DROP DATABASE g29;
