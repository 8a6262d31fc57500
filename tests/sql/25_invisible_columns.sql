-- INVISIBLE columns where MariaDB 10.11 and MySQL 8.0 agree: `*` (plain, qualified, in a
-- derived table, a view and CREATE TABLE ... SELECT) and an INSERT or REPLACE without a
-- column list leave them out; named, they read and write as any column; ALTER TABLE ADD and
-- MODIFY set or clear the attribute. SHOW CREATE TABLE's `/*!80023 INVISIBLE */`, ALTER
-- COLUMN ... SET [IN]VISIBLE (MariaDB has no such syntax) and the 4028 error are in
-- tests/invisible_columns.rs.
DROP DATABASE IF EXISTS g25;
CREATE DATABASE g25;
USE g25;
CREATE TABLE t (id INT PRIMARY KEY, secret VARCHAR(10) DEFAULT 'hid' INVISIBLE, a INT,
  created INT INVISIBLE);
INSERT INTO t VALUES (1, 10);
INSERT INTO t (id, secret, a, created) VALUES (2, 's2', 20, 7);
INSERT INTO t SELECT 3, 30;
INSERT INTO t SET id = 4, a = 40, created = 9;
REPLACE INTO t VALUES (1, 11);
INSERT INTO t VALUES (5, 50, 'x');
SELECT * FROM t ORDER BY id;
SELECT id, secret, created FROM t ORDER BY id;
SELECT t.* FROM t WHERE id < 3 ORDER BY id;
SELECT x.*, x.secret FROM t AS x ORDER BY id;
SELECT *, created FROM t WHERE id = 4;
UPDATE t SET secret = 'up', created = created + 1 WHERE id IN (3, 4);
SELECT * FROM (SELECT * FROM t) AS d ORDER BY id;
SELECT id, secret, created FROM t ORDER BY id;
CREATE TABLE c AS SELECT * FROM t;
SELECT * FROM c ORDER BY id;
CREATE VIEW v AS SELECT * FROM t;
SELECT * FROM v ORDER BY id;
CREATE TABLE o (id INT PRIMARY KEY, n INT INVISIBLE, m INT);
INSERT INTO o (id, n, m) VALUES (1, 100, 1000), (3, 300, 3000);
SELECT * FROM t JOIN o ON o.id = t.id ORDER BY t.id;
ALTER TABLE t ADD COLUMN extra INT DEFAULT 3 INVISIBLE;
ALTER TABLE t MODIFY COLUMN created INT;
SELECT * FROM t ORDER BY id;
SELECT id, extra FROM t ORDER BY id;
SELECT column_name, extra FROM information_schema.columns
  WHERE table_schema = 'g25' AND table_name = 't' ORDER BY ordinal_position;
DROP DATABASE g25;
