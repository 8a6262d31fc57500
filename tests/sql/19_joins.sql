-- Joins of several tables: inner (JOIN … ON, comma with WHERE), LEFT, mixed; keys of
-- mixed numeric types, case-, accent- and trailing-space-insensitive string keys, dates,
-- NULL keys and duplicates. Borealis picks the order of inner joins and hashes equi-joins
-- that have no index (engine/src/sql/join.rs): the answers must stay MariaDB's.
DROP DATABASE IF EXISTS g19;
CREATE DATABASE g19;
USE g19;
CREATE TABLE a (id INT PRIMARY KEY, k INT, s VARCHAR(20), d DECIMAL(6,2), dt DATE);
CREATE TABLE b (id INT PRIMARY KEY, k BIGINT, s VARCHAR(20), d DECIMAL(8,3), dt DATE);
CREATE TABLE c (id INT PRIMARY KEY, k SMALLINT UNSIGNED, s VARCHAR(20) COLLATE utf8mb4_bin, v INT);
CREATE TABLE e (k INT, name VARCHAR(10));
CREATE TABLE f (id INT PRIMARY KEY, ks VARCHAR(5), dtm DATETIME);
INSERT INTO a VALUES (1, 1, 'abc', 1.00, '2024-01-01'), (2, 2, 'ABC', 2.50, '2024-01-02'),
  (3, NULL, NULL, NULL, NULL), (4, 4, 'xyz ', 4.00, '2024-01-04'), (5, 1, 'Ábc', 1.5, '2024-01-01'),
  (6, 7, 'zzz', 7, '2024-02-01');
INSERT INTO b VALUES (10, 1, 'ABC', 1.000, '2024-01-01'), (11, 1, 'abc  ', 2.5, '2024-01-02'),
  (12, 2, 'xyz', 4, '2024-01-04'), (13, NULL, NULL, NULL, NULL), (14, 4, 'abd', 1.50, '2024-01-03'),
  (15, 4, 'XYZ', 0.001, '2024-01-01');
INSERT INTO c VALUES (100, 1, 'abc', 7), (101, 1, 'abc', 8), (102, 2, 'ABC', 9), (103, 4, 'xyz', 10),
  (104, 9, NULL, 11), (105, NULL, 'abc', 12);
INSERT INTO e VALUES (1, 'one'), (1, 'uno'), (2, 'two'), (NULL, 'null'), (4, 'four'), (4, 'four'),
  (9, 'nine');
INSERT INTO f VALUES (1, '1', '2024-01-01 00:00:00'), (2, '01', '2024-01-02 00:00:00'),
  (3, '2.0', '2024-01-01 00:00:01'), (4, '4', NULL), (5, NULL, '2024-01-04 00:00:00');
-- Integer keys of different widths and signedness.
SELECT a.id, b.id FROM a JOIN b ON a.k = b.k ORDER BY a.id, b.id;
SELECT a.id, c.id FROM a JOIN c ON c.k = a.k ORDER BY a.id, c.id;
-- Decimals of different scales, and decimal against integer.
SELECT a.id, b.id, a.d, b.d FROM a JOIN b ON a.d = b.d ORDER BY a.id, b.id;
SELECT a.id, c.id FROM a JOIN c ON a.d = c.k ORDER BY a.id, c.id;
-- Strings under utf8mb4_general_ci: case, accents and trailing spaces do not matter.
SELECT a.id, b.id FROM a, b WHERE a.s = b.s ORDER BY a.id, b.id;
SELECT b.id, x.id FROM b JOIN b AS x ON b.s = x.s AND b.id < x.id ORDER BY b.id, x.id;
-- Under utf8mb4_bin only trailing spaces do not matter.
SELECT c.id, x.id FROM c JOIN c AS x ON c.s = x.s AND c.id <> x.id ORDER BY c.id, x.id;
-- A string against a number compares as numbers.
SELECT a.id, f.id FROM a JOIN f ON a.k = f.ks ORDER BY a.id, f.id;
-- Dates, and a date against a datetime.
SELECT a.id, b.id FROM a JOIN b ON a.dt = b.dt ORDER BY a.id, b.id;
SELECT a.id, f.id FROM a JOIN f ON a.dt = f.dtm ORDER BY a.id, f.id;
-- NULL keys and duplicates on both sides (e has no key at all).
SELECT e.name, x.name FROM e JOIN e AS x ON e.k = x.k ORDER BY e.name, x.name;
SELECT a.id, e.name FROM a LEFT JOIN e ON e.k = a.k ORDER BY a.id, e.name;
SELECT a.id, e.name FROM a LEFT JOIN e ON e.k = a.k AND e.name <> 'uno' ORDER BY a.id, e.name;
SELECT a.id, e.name FROM a LEFT JOIN e ON e.k = a.k WHERE e.k IS NULL ORDER BY a.id;
SELECT e.name, a.id FROM e LEFT JOIN a ON a.k = e.k AND a.id > 1 ORDER BY e.name, a.id;
-- Several tables: written order, reverse order, comma form with the keys in WHERE.
SELECT a.id, b.id, c.id, e.name FROM a JOIN b ON b.k = a.k JOIN c ON c.k = b.k
  JOIN e ON e.k = c.k ORDER BY a.id, b.id, c.id, e.name;
SELECT a.id, b.id, c.id, e.name FROM e JOIN c ON e.k = c.k JOIN b ON c.k = b.k
  JOIN a ON b.k = a.k ORDER BY a.id, b.id, c.id, e.name;
SELECT * FROM e, c, a WHERE a.k = e.k AND c.k = a.k AND c.v > 7 ORDER BY a.id, c.id, e.name;
SELECT a.*, e.* FROM c, a, e WHERE c.k = a.k AND e.k = c.k AND c.v < 9 ORDER BY a.id, e.name;
SELECT a.id, c.id FROM a, b, c WHERE a.id = 1 AND c.id = 100 AND b.id = 10;
-- No connecting condition: a cross product, then a filter across it.
SELECT COUNT(*) FROM a, b, c;
SELECT COUNT(*) FROM a, b, c WHERE a.k + b.k = c.k;
-- Conditions that are not equalities of columns.
SELECT a.id, b.id FROM a JOIN b ON a.k + 1 = b.k ORDER BY a.id, b.id;
SELECT a.id, b.id FROM a JOIN b ON a.k = b.k OR a.s = b.s ORDER BY a.id, b.id;
SELECT a.id, b.id FROM a JOIN b ON a.k < b.k AND b.id < 12 ORDER BY a.id, b.id;
-- Inner joins then an outer join, and the reverse.
SELECT a.id, b.id, e.name FROM a JOIN b ON a.k = b.k LEFT JOIN e ON e.k = b.k AND e.name LIKE 'f%'
  ORDER BY a.id, b.id, e.name;
SELECT a.id, e.name, c.id FROM a LEFT JOIN e ON e.k = a.k JOIN c ON c.k = a.k
  ORDER BY a.id, e.name, c.id;
-- STRAIGHT_JOIN keeps the written order (the answer is the same).
SELECT STRAIGHT_JOIN a.id, b.id FROM b, a WHERE a.k = b.k ORDER BY a.id, b.id;
SELECT a.id, b.id FROM b STRAIGHT_JOIN a ON a.k = b.k ORDER BY a.id, b.id;
-- Derived tables joined on their columns.
SELECT x.k, COUNT(*) FROM (SELECT k FROM e) AS x JOIN a ON a.k = x.k GROUP BY x.k ORDER BY x.k;
SELECT a.id, y.n FROM a JOIN (SELECT k, COUNT(*) AS n FROM e GROUP BY k) AS y ON y.k = a.k
  JOIN b ON b.k = y.k AND b.id = 10 ORDER BY a.id;
-- Aggregates over a join.
SELECT e.name, COUNT(*), SUM(c.v) FROM c JOIN e ON e.k = c.k JOIN a ON a.k = c.k
  GROUP BY e.name ORDER BY e.name;
DROP DATABASE g19;
