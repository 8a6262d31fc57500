-- Types, inserts, defaults, NULLs, simple queries. Runs on Borealis and on a
-- real MariaDB; outputs must be identical.
DROP DATABASE IF EXISTS g1;
CREATE DATABASE g1;
USE g1;
CREATE TABLE t (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(20) NOT NULL,
  qty SMALLINT UNSIGNED DEFAULT 0,
  price DECIMAL(10,2),
  note TEXT,
  born DATE,
  seen DATETIME(3),
  KEY k_name (name)
);
INSERT INTO t (name, qty, price, note, born, seen) VALUES
  ('apple', 3, 1.50, 'red', '2020-01-02', '2024-05-06 07:08:09.123'),
  ('Pear', 10, 2.25, NULL, '2019-12-31', NULL),
  ('fig', NULL, NULL, 'dried', NULL, '2024-01-01 00:00:00');
INSERT INTO t SET name = 'kiwi', price = 0.99;
INSERT INTO t (name) VALUES ('plum');
SELECT * FROM t ORDER BY id;
SELECT LAST_INSERT_ID();
SELECT id, name FROM t WHERE name = 'PEAR';
SELECT id, name FROM t WHERE name LIKE 'p%' ORDER BY id;
SELECT id FROM t WHERE price IS NULL ORDER BY id;
SELECT id FROM t WHERE qty BETWEEN 1 AND 5 OR qty IS NULL ORDER BY id;
SELECT id, price * 2, price + qty, -price, qty DIV 3, qty % 4 FROM t ORDER BY id;
SELECT name FROM t WHERE id IN (1, 3, 5) ORDER BY name;
SELECT name FROM t WHERE id NOT IN (1, 3) ORDER BY name DESC LIMIT 2;
SELECT name FROM t ORDER BY id LIMIT 1, 2;
SELECT COUNT(*), COUNT(price), SUM(qty), MIN(name), MAX(born) FROM t;
SELECT 1 + 1, 7 / 2, 10 DIV 4, 2 * 3.5, 'a' = 'A', 'abc' < 'abd', NULL = NULL, NULL <=> NULL;
SELECT CONCAT('x', name, 'y'), UPPER(name), LOWER(name), LENGTH(name), CHAR_LENGTH(name) FROM t WHERE id <= 2 ORDER BY id;
SELECT SUBSTRING('borealis', 2, 4), REPLACE('aXbXc', 'X', '-'), TRIM('  hi  '), CONCAT_WS(',', 'a', NULL, 'b');
SELECT IFNULL(NULL, 'd'), COALESCE(NULL, NULL, 3), IF(1 > 2, 'yes', 'no'), NULLIF(5, 5), ABS(-4), ROUND(2.567, 2), FLOOR(2.7), CEIL(2.1), MOD(10, 3);
SELECT GREATEST(3, 9, 1), LEAST('b', 'a', 'c'), CAST('42' AS SIGNED), CAST(3.99 AS DECIMAL(5,1));
SELECT CASE WHEN qty > 5 THEN 'many' WHEN qty > 0 THEN 'some' ELSE 'none' END AS c FROM t ORDER BY id;
SELECT DATE_FORMAT('2024-03-05 14:07:09', '%Y/%m/%d %H:%i:%s %W %M'), UNIX_TIMESTAMP('2024-01-01 00:00:00');
UPDATE t SET qty = qty + 1 WHERE name = 'apple';
UPDATE t SET price = 5 WHERE id > 100;
DELETE FROM t WHERE name = 'plum';
SELECT id, name, qty FROM t ORDER BY id;
INSERT INTO t (id, name) VALUES (1, 'dup');
INSERT IGNORE INTO t (id, name) VALUES (1, 'dup'), (10, 'ten');
INSERT INTO t (id, name, qty) VALUES (2, 'pear2', 1) ON DUPLICATE KEY UPDATE qty = qty + VALUES(qty);
REPLACE INTO t (id, name) VALUES (3, 'FIG');
SELECT id, name, qty FROM t ORDER BY id;
SELECT nosuch FROM t;
SELECT * FROM nosuch;
INSERT INTO t (name, qty) VALUES ('neg', -1);
INSERT INTO t (name) VALUES ('abcdefghijklmnopqrstuvwxyz');
INSERT INTO t (name) VALUES (NULL);
SELECT COUNT(*) FROM t;
DROP DATABASE g1;
