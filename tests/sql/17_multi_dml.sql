-- Multi-table UPDATE and DELETE (joins, comma form, LEFT JOIN, aliases, tables without a
-- primary key, triggers), and correlated subqueries in single-table UPDATE and DELETE.
-- ROW_COUNT() shows the affected rows (the mysql client prints no "Rows matched" in batch
-- mode). ORDER BY/LIMIT with several tables (MySQL: 1221) and a subquery reading the
-- table being changed (MySQL: 1093) are MySQL-only and tested in tests/e2e.rs.
DROP DATABASE IF EXISTS g17;
CREATE DATABASE g17;
USE g17;
CREATE TABLE t1 (id INT PRIMARY KEY, a INT, b VARCHAR(10));
CREATE TABLE t2 (id INT PRIMARY KEY, t1_id INT, c INT, KEY (t1_id));
INSERT INTO t1 VALUES (1, 10, 'x'), (2, 20, 'y'), (3, 30, 'z');
INSERT INTO t2 VALUES (1, 1, 100), (2, 1, 200), (3, 2, 300), (4, 9, 400);
-- t1 row 1 is reached twice through t2 and changes once.
UPDATE t1 JOIN t2 ON t2.t1_id = t1.id SET t1.a = t1.a + 1, t2.c = t2.c + 1 WHERE t2.c < 350;
SELECT ROW_COUNT();
SELECT * FROM t1 ORDER BY id;
SELECT * FROM t2 ORDER BY id;
UPDATE t1, t2 SET t1.b = 'w' WHERE t1.id = t2.t1_id AND t2.c > 250;
SELECT ROW_COUNT();
UPDATE t1 INNER JOIN t2 ON t2.t1_id = t1.id SET b = 'same' WHERE t2.id = 99;
SELECT ROW_COUNT();
UPDATE t1 LEFT JOIN t2 ON t2.t1_id = t1.id SET t1.b = 'none' WHERE t2.id IS NULL;
SELECT * FROM t1 ORDER BY id;
-- The outer side's missing row is no row to change.
UPDATE t1 LEFT JOIN t2 ON t2.t1_id = t1.id SET t2.c = 0 WHERE t1.id = 3;
SELECT ROW_COUNT();
UPDATE t1 AS x JOIN t2 AS y ON y.t1_id = x.id SET x.b = CONCAT(x.b, '!'), y.c = x.a WHERE y.id = 3;
SELECT * FROM t1 ORDER BY id;
SELECT * FROM t2 ORDER BY id;
UPDATE t1 JOIN t2 ON t2.t1_id = t1.id SET nope = 1;
UPDATE t1 JOIN t2 ON t2.t1_id = t1.id SET id = 1;
UPDATE t1 JOIN t1 ON t1.id = t1.id SET a = 5;
UPDATE t1 JOIN (SELECT 1 AS k) d ON d.k = t1.id SET d.k = 2;
-- Correlated subqueries in single-table UPDATE and DELETE.
UPDATE t1 SET a = (SELECT MAX(c) FROM t2 WHERE t2.t1_id = t1.id);
SELECT * FROM t1 ORDER BY id;
UPDATE t1 SET b = 'has' WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.t1_id = t1.id AND t2.c > 150);
SELECT * FROM t1 ORDER BY id;
UPDATE t2 SET c = c * 2 WHERE t1_id IN (SELECT id FROM t1 WHERE t1.a > t2.c);
SELECT * FROM t2 ORDER BY id;
DELETE FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE t2.t1_id = t1.id);
SELECT ROW_COUNT();
SELECT * FROM t1 ORDER BY id;
-- Multi-table DELETE.
INSERT INTO t1 VALUES (3, 30, 'z'), (4, 40, 'v');
INSERT INTO t2 VALUES (5, 3, 500), (6, 4, 600), (7, 4, 700);
DELETE t1, t2 FROM t1 JOIN t2 ON t2.t1_id = t1.id WHERE t1.id = 4;
SELECT ROW_COUNT();
DELETE a FROM t2 AS a JOIN t1 ON t1.id = a.t1_id WHERE a.c > 450;
SELECT ROW_COUNT();
DELETE t2 FROM t2 AS a WHERE a.id = 1;
DELETE g17.t2 FROM g17.t2 JOIN t1 ON t1.id = t2.t1_id WHERE t2.c > 10000;
SELECT ROW_COUNT();
DELETE FROM t2 USING t2 LEFT JOIN t1 ON t1.id = t2.t1_id WHERE t1.id IS NULL;
SELECT ROW_COUNT();
SELECT * FROM t1 ORDER BY id;
SELECT * FROM t2 ORDER BY id;
DELETE t1 FROM t1 JOIN t2 ON t2.t1_id = t1.id LIMIT 1;
DELETE t1 FROM t1 JOIN t2 ON t2.t1_id = t1.id ORDER BY t1.id;
DELETE FROM t1 JOIN t2 ON t2.t1_id = t1.id;
DELETE t9 FROM t1 JOIN t2 ON t2.t1_id = t1.id;
-- Tables without a primary key: equal rows are each one row.
CREATE TABLE n1 (k INT, v INT);
CREATE TABLE n2 (k INT, w INT);
INSERT INTO n1 VALUES (1, 0), (1, 0), (2, 0), (NULL, 0);
INSERT INTO n2 VALUES (1, 5), (1, 6), (2, 7), (3, 8);
UPDATE n1 JOIN n2 ON n2.k = n1.k SET n1.v = n1.v + 1;
SELECT ROW_COUNT();
SELECT * FROM n1 ORDER BY k, v;
UPDATE n1 JOIN n2 ON n2.k = n1.k SET n2.w = n1.v * 100 WHERE n1.k = 2;
SELECT * FROM n2 ORDER BY k, w;
DELETE n1, n2 FROM n1 JOIN n2 ON n2.k = n1.k WHERE n1.k = 1;
SELECT ROW_COUNT();
SELECT * FROM n1 ORDER BY k, v;
SELECT * FROM n2 ORDER BY k, w;
-- Triggers fire once per changed row.
CREATE TABLE audit (what VARCHAR(40));
CREATE TABLE p (id INT PRIMARY KEY, n INT);
CREATE TABLE q (id INT PRIMARY KEY, p_id INT);
INSERT INTO p VALUES (1, 0), (2, 0);
INSERT INTO q VALUES (1, 1), (2, 1), (3, 2);
CREATE TRIGGER p_bu BEFORE UPDATE ON p FOR EACH ROW SET NEW.n = NEW.n + 10;
CREATE TRIGGER p_au AFTER UPDATE ON p FOR EACH ROW INSERT INTO audit VALUES (CONCAT('upd p ', OLD.id, ' ', OLD.n, '->', NEW.n));
CREATE TRIGGER q_ad AFTER DELETE ON q FOR EACH ROW INSERT INTO audit VALUES (CONCAT('del q ', OLD.id));
UPDATE p JOIN q ON q.p_id = p.id SET p.n = p.n + 1;
SELECT * FROM p ORDER BY id;
DELETE q FROM q JOIN p ON p.id = q.p_id WHERE p.id = 1;
SELECT * FROM audit ORDER BY what;
SELECT * FROM q ORDER BY id;
DROP DATABASE g17;
