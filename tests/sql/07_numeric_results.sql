-- Functions that return one of several values (COALESCE, IFNULL, GREATEST, LEAST, IF,
-- CASE) have the aggregate type of those values: mixing an integer with a DECIMAL gives
-- a DECIMAL with the larger scale, with a DOUBLE a DOUBLE, as MariaDB prints them.
DROP DATABASE IF EXISTS g7;
CREATE DATABASE g7;
USE g7;
CREATE TABLE n (id INT PRIMARY KEY, c DECIMAL(10,2), d BIGINT, f DOUBLE, s VARCHAR(10));
INSERT INTO n VALUES (1, NULL, 300, NULL, 'a'), (2, 1.5, NULL, 2.5, NULL), (3, NULL, NULL, NULL, NULL);
SELECT id, COALESCE(c, d), IFNULL(c, 7), COALESCE(c, f), COALESCE(d, 1.5), COALESCE(c, d, 0) FROM n ORDER BY id;
SELECT id, GREATEST(id, 1.25), LEAST(id, 2.50), GREATEST(id, 1e0) FROM n ORDER BY id;
SELECT id, IF(c IS NULL, 2, c), IF(id > 1, d, 0.5), CASE WHEN id = 1 THEN 3 ELSE 1.5 END FROM n ORDER BY id;
SELECT id, CASE id WHEN 1 THEN d WHEN 2 THEN c ELSE f END, CASE id WHEN 1 THEN s ELSE 2 END FROM n ORDER BY id;
SELECT COALESCE(NULL, 1.5, 2), COALESCE(1, 2.50), COALESCE(1, 2), NULLIF(3, 1.5), IF(0, 1, 2);
SELECT SUM(COALESCE(c, d)), MAX(IFNULL(c, 0)) FROM n;
-- Column names of nested calls keep every closing parenthesis.
SELECT ABS(ABS(-1)), UPPER(CONCAT('a', LOWER(')'))), NOW() IS NOT NULL, ABS(1) IS NULL;
DROP DATABASE g7;
-- A product keeps s1 + s2 decimals (it was cut to the larger scale: 1.50 * 0.95 gave 1.43).
SELECT 1.50 * 0.95, 2.5 * 3, 0.001 * 0.001, -1.25 * 0.5, 1.5 * 2.0 * 0.25;
SELECT CAST(1.5 AS DECIMAL(15,2)) * (1 - 0.05), CAST(2 AS DECIMAL(9,3)) * 1.5 + 1;
CREATE DATABASE g7m;
CREATE TABLE g7m.t (p DECIMAL(15,2), d DECIMAL(15,2), q INT);
INSERT INTO g7m.t VALUES (1.50, 0.05, 3), (20.25, 0.10, 2), (3.99, 0.00, 7);
SELECT p * (1 - d), p * q, p * (1 - d) * (1 + d) FROM g7m.t ORDER BY p;
SELECT SUM(p * (1 - d)), AVG(p * d), MAX(p * q) FROM g7m.t;
DROP DATABASE g7m;
