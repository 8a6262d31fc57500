-- Generated columns where MariaDB 10.11 and MySQL 8.0 agree: values computed on INSERT
-- (VALUES, SET, SELECT, DEFAULT), REPLACE, ON DUPLICATE KEY UPDATE, UPDATE (one table,
-- several, through a view) and ALTER TABLE ADD / MODIFY; a generated column reading an
-- earlier one; indexes (UNIQUE too) on generated columns used for lookups; JSON paths.
-- The errors (3105 in MySQL, 1906 in MariaDB), SHOW CREATE TABLE's text and the DDL
-- refusals are in tests/generated_columns.rs.
DROP DATABASE IF EXISTS g24;
CREATE DATABASE g24;
USE g24;
CREATE TABLE t (
  id INT PRIMARY KEY,
  a INT,
  b INT,
  s VARCHAR(20),
  total INT AS (a + b),
  twice INT GENERATED ALWAYS AS (total * 2) STORED,
  up VARCHAR(20) AS (UPPER(s)) VIRTUAL,
  note VARCHAR(40) AS (CONCAT(s, ':', IFNULL(a, 'none'))) STORED,
  KEY k_total (total),
  UNIQUE KEY k_up (up)
);
INSERT INTO t (id, a, b, s) VALUES (1, 1, 2, 'x'), (2, NULL, 5, 'y'), (3, 10, 20, 'zed');
INSERT INTO t SET id = 4, a = 7, b = 1, s = 'w';
INSERT INTO t VALUES (5, 3, 3, 'v', DEFAULT, DEFAULT, DEFAULT, DEFAULT);
INSERT INTO t (id, a, b, s, total) VALUES (6, 1, 1, 'u', DEFAULT);
INSERT INTO t (id, a, b, s) SELECT id + 10, b, a, CONCAT(s, s) FROM t WHERE id < 4;
SELECT * FROM t ORDER BY id;
UPDATE t SET a = a + 100 WHERE id IN (1, 2);
UPDATE t SET b = 0, total = DEFAULT WHERE id = 3;
INSERT INTO t (id, a, b, s) VALUES (4, 0, 0, 'w') ON DUPLICATE KEY UPDATE b = b + 50;
REPLACE INTO t (id, a, b, s) VALUES (5, 9, 9, 'v');
SELECT * FROM t ORDER BY id;
SELECT id, total FROM t WHERE total = 11;
SELECT id, up FROM t WHERE up = 'ZEDZED';
SELECT id FROM t WHERE twice BETWEEN 10 AND 60 ORDER BY id;
INSERT INTO t (id, a, b, s) VALUES (30, 1, 1, 'X');
INSERT IGNORE INTO t (id, a, b, s) VALUES (31, 1, 1, 'X');
SELECT COUNT(*) FROM t;
CREATE TABLE o (id INT PRIMARY KEY, tid INT, w INT);
INSERT INTO o VALUES (1, 1, 1000), (2, 3, 2000);
UPDATE t JOIN o ON o.tid = t.id SET t.b = o.w;
SELECT id, a, b, total, twice FROM t WHERE id IN (1, 3) ORDER BY id;
CREATE VIEW v AS SELECT id, a, b, total FROM t WHERE id < 10;
UPDATE v SET a = 1 WHERE id = 6;
SELECT * FROM v ORDER BY id;
ALTER TABLE t ADD COLUMN diff INT AS (a - b) STORED AFTER b;
ALTER TABLE t ADD COLUMN lenx INT AS (CHAR_LENGTH(note));
SELECT id, a, b, diff, lenx FROM t ORDER BY id;
ALTER TABLE t MODIFY COLUMN total BIGINT AS (a + b + 1000) VIRTUAL;
SELECT id, total, twice FROM t ORDER BY id;
DELETE FROM t WHERE total > 1100;
SELECT id FROM t ORDER BY id;
CREATE TABLE j (id INT PRIMARY KEY, doc JSON,
  name VARCHAR(30) AS (JSON_UNQUOTE(JSON_EXTRACT(doc, '$.name'))),
  age INT AS (JSON_EXTRACT(doc, '$.age')) STORED,
  KEY k_name (name));
INSERT INTO j (id, doc) VALUES (1, '{"name": "ann", "age": 31}'), (2, '{"name": "bob"}'),
  (3, '{"age": 5}');
SELECT id, name, age FROM j ORDER BY id;
SELECT id FROM j WHERE name = 'bob';
UPDATE j SET doc = JSON_SET(doc, '$.age', 40) WHERE id = 2;
SELECT id, name, age FROM j ORDER BY id;
SELECT column_name, extra FROM information_schema.columns
  WHERE table_schema = 'g24' AND table_name = 't' ORDER BY ordinal_position;
DROP DATABASE g24;
