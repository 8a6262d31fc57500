-- GROUP BY folds rows into a hash table of groups as the FROM clause's rows stream
-- (engine/src/sql/hashagg.rs), aggregates without GROUP BY fold as they come and a LIMIT
-- stops a join early: groups must be MariaDB's (equal under the key's collation, NULL a
-- group, the first row's columns), in MariaDB's order.
DROP DATABASE IF EXISTS g23;
CREATE DATABASE g23;
USE g23;
CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(20), b VARCHAR(20) COLLATE utf8mb4_bin,
  d DECIMAL(6,2), f DOUBLE, dt DATE, tm DATETIME, n INT);
INSERT INTO t VALUES (1, 'abc', 'abc', 1.00, 1.5, '2024-01-01', '2024-01-01 10:00:00', 1),
  (2, 'ABC', 'ABC', 1, -0.0, '2024-01-01', '2024-01-01 10:00:00', 2),
  (3, 'abc  ', 'abc  ', 2.50, 0.0, '2024-01-02', NULL, NULL),
  (4, 'Ábc', 'Ábc', NULL, 1.5, NULL, '2024-01-01 10:00:01', 4),
  (5, NULL, NULL, 2.5, NULL, '2024-01-02', '2024-01-01 10:00:00', 1),
  (6, 'xyz', 'xyz', 7, 2, '2024-02-01', NULL, 2),
  (7, 'XYZ ', 'XYZ ', 7.00, 2.0, '2024-02-01', '2024-01-01 10:00:01', NULL);
CREATE TABLE u (k INT, v VARCHAR(5));
INSERT INTO u VALUES (1, 'p'), (1, 'q'), (2, 'r'), (NULL, 's'), (4, 't'), (7, 'u');
-- Strings under a case-, accent- and trailing-space-insensitive collation, and binary.
SELECT s, COUNT(*), MIN(id), SUM(n) FROM t GROUP BY s;
SELECT b, COUNT(*) FROM t GROUP BY b;
-- Decimals of different scales, doubles, dates, datetimes, several keys.
SELECT d, COUNT(*), GROUP_CONCAT(id ORDER BY id) FROM t GROUP BY d;
SELECT f, COUNT(*) FROM t GROUP BY f;
SELECT dt, COUNT(*), MAX(tm) FROM t GROUP BY dt;
SELECT tm, COUNT(*) FROM t GROUP BY tm;
SELECT dt, n, COUNT(*) FROM t GROUP BY dt, n;
-- Expressions and select-list aliases as keys.
SELECT n % 2 AS parity, COUNT(*), SUM(d) FROM t GROUP BY parity;
SELECT UPPER(s) AS u, COUNT(DISTINCT n), AVG(d) FROM t GROUP BY UPPER(s);
SELECT id DIV 3, COUNT(*) FROM t GROUP BY 1;
-- Over joins, with WHERE and HAVING.
SELECT t.n, COUNT(*), GROUP_CONCAT(u.v ORDER BY u.v) FROM t JOIN u ON u.k = t.n GROUP BY t.n;
SELECT u.k, COUNT(*) FROM t, u WHERE t.id > 2 GROUP BY u.k HAVING COUNT(*) > 4;
SELECT x.s, COUNT(*) FROM t x, t y, u WHERE x.n = y.n GROUP BY x.s;
-- Aggregates without GROUP BY over joins and over nothing.
SELECT COUNT(*), SUM(t.id), MIN(u.v), MAX(t.s) FROM t, u;
SELECT COUNT(*), SUM(t.id), t.id FROM t JOIN u ON u.k = t.n WHERE u.v = 'nothing';
SELECT COUNT(DISTINCT u.k), COUNT(u.k) FROM t, u WHERE t.id < 3;
-- LIMIT over a join, in an order both servers share (ORDER BY keys the join order).
SELECT COUNT(*) FROM (SELECT t.id, u.v FROM t, u LIMIT 5) x;
SELECT t.id FROM t JOIN u ON u.k = t.id WHERE u.v > 'p' ORDER BY t.id LIMIT 2;
-- ORDER BY … LIMIT keeps the best rows as they come: ties keep the order rows came in.
SELECT t.id, u.v FROM t, u ORDER BY u.v DESC, t.id LIMIT 3;
SELECT t.id, u.v, t.n * u.k AS p FROM t JOIN u ON u.k <= t.n ORDER BY p DESC, t.id, u.v LIMIT 4 OFFSET 2;
SELECT s FROM t ORDER BY s, id LIMIT 0;
-- LEFT JOINs stream too: unmatched rows go on with NULLs; a WHERE on the optional side
-- filters after it; an ON reading only the outer row decides matching, not the row.
SELECT t.id, u.v FROM t LEFT JOIN u ON u.k = t.n ORDER BY t.id, u.v;
SELECT t.id FROM t LEFT JOIN u ON u.k = t.n WHERE u.k IS NULL ORDER BY t.id;
SELECT t.id, u.v FROM t LEFT JOIN u ON u.k = t.n AND t.id > 3 ORDER BY t.id, u.v;
SELECT t.id, u.v FROM t LEFT JOIN u ON u.k = t.n WHERE u.v > 'p' OR t.id = 3 ORDER BY t.id, u.v;
SELECT t.id, u.v, x.id FROM t LEFT JOIN u ON u.k = t.n JOIN t x ON x.id = t.id + 1 ORDER BY t.id, u.v;
SELECT t.id, u.v, w.v FROM t LEFT JOIN u ON u.k = t.n LEFT JOIN u w ON w.k = u.k + 1 ORDER BY t.id, u.v, w.v;
SELECT t.n, COUNT(*), COUNT(u.k), GROUP_CONCAT(u.v ORDER BY u.v) FROM t LEFT JOIN u ON u.k = t.n GROUP BY t.n;
SELECT COUNT(*), COUNT(u.v) FROM t LEFT JOIN u ON u.k = t.id;
SELECT t.id, u.v FROM t LEFT JOIN u ON u.k = t.n ORDER BY u.v DESC, t.id LIMIT 3;
SELECT t.id, d.c FROM t LEFT JOIN (SELECT k, COUNT(*) c FROM u GROUP BY k) d ON d.k = t.n ORDER BY t.id;
-- A window over groups.
SELECT n, COUNT(*), SUM(COUNT(*)) OVER (ORDER BY n) FROM t GROUP BY n;
DROP DATABASE g23;
