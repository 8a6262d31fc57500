-- CHECK constraints where MariaDB 10.11 and MySQL 8.0 agree: rows that pass (TRUE or
-- NULL), INSERT IGNORE skipping a violating row with a warning, NOT ENFORCED constraints
-- not evaluated, ALTER TABLE ADD / DROP CONSTRAINT on valid rows. Violations (3819 in MySQL,
-- 4025 in MariaDB), the constraint names, SHOW CREATE TABLE's text and the DDL errors are
-- in tests/check_constraints.rs.
DROP DATABASE IF EXISTS g22;
CREATE DATABASE g22;
USE g22;
CREATE TABLE t (id INT PRIMARY KEY, a INT CHECK (a > 0), b INT, s VARCHAR(10),
  CONSTRAINT ab CHECK (a < b), CONSTRAINT s_ok CHECK (s IN ('x', 'y') OR s LIKE 'z%'));
INSERT INTO t VALUES (1, 1, 2, 'x'), (2, NULL, NULL, NULL), (3, 5, NULL, 'zed');
INSERT IGNORE INTO t VALUES (4, 0, 1, 'x'), (5, 2, 3, 'y'), (6, 3, 1, 'x'), (7, 1, 2, 'q');
SELECT * FROM t ORDER BY id;
UPDATE t SET b = b + 10 WHERE id = 1;
INSERT INTO t VALUES (1, 1, 2, 'x') ON DUPLICATE KEY UPDATE b = 20;
REPLACE INTO t VALUES (5, 4, 5, 'y');
INSERT INTO t SELECT id + 10, a, b, s FROM t WHERE id < 4;
SELECT * FROM t ORDER BY id;
CREATE TABLE ne (a INT, CONSTRAINT big CHECK (a > 100));
INSERT INTO ne VALUES (101), (200);
ALTER TABLE ne ADD CONSTRAINT small CHECK (a < 1000);
INSERT INTO ne VALUES (999);
ALTER TABLE ne DROP CONSTRAINT small;
INSERT INTO ne VALUES (5000);
SELECT * FROM ne ORDER BY a;
SELECT COUNT(*) FROM information_schema.check_constraints WHERE constraint_schema = 'g22';
SELECT constraint_name, constraint_type FROM information_schema.table_constraints
  WHERE table_schema = 'g22' AND constraint_type = 'CHECK' AND constraint_name IN ('ab', 's_ok', 'big')
  ORDER BY constraint_name;
DROP DATABASE g22;
