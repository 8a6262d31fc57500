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
