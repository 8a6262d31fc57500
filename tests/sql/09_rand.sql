-- RAND(N) is MySQL's generator: the same numbers as MariaDB, one sequence per call
-- site through the rows of a statement, restarted by each statement; a seed that is
-- not constant reseeds at every row. RAND() differs from row to row.
DROP DATABASE IF EXISTS g9;
CREATE DATABASE g9;
USE g9;
CREATE TABLE r (id INT PRIMARY KEY, v INT);
INSERT INTO r VALUES (1, 10), (2, 20), (3, 30), (4, 40), (5, 0);
SELECT RAND(1), RAND(0), RAND(-1), RAND(4294967297), RAND(1.6), RAND(NULL);
SELECT RAND(1), RAND(1), RAND(2);
SELECT id, RAND(7), RAND(3) FROM r ORDER BY id;
SELECT id, RAND(v) FROM r ORDER BY id;
SELECT id FROM r ORDER BY RAND(5);
SELECT COUNT(DISTINCT RAND()) > 1 FROM r;
INSERT INTO r VALUES (6, FLOOR(RAND(9) * 1000)), (7, FLOOR(RAND(9) * 1000));
SELECT * FROM r WHERE id > 5 ORDER BY id;
SET @s = RAND(11);
SELECT @s, RAND(11) = @s;
DROP DATABASE g9;
