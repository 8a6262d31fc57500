-- Common table expressions: WITH, WITH RECURSIVE, column lists, scoping and shadowing,
-- CTEs in derived tables, subqueries, views, INSERT ... SELECT and CREATE TABLE ... SELECT.
-- (MySQL's own error codes for the recursive-CTE restrictions and cte_max_recursion_depth
-- differ from MariaDB's: they are checked by the e2e test `mysql_only_query_language`.)
DROP DATABASE IF EXISTS g13;
CREATE DATABASE g13;
USE g13;
CREATE TABLE emp (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, boss INT, salary DECIMAL(8,2));
INSERT INTO emp VALUES (1, 'Ada', NULL, 900), (2, 'Bo', 1, 500), (3, 'Cy', 1, 450), (4, 'Di', 2, 300), (5, 'Ed', 4, 200), (6, 'Flo', 3, 250);
CREATE TABLE c (x INT);
INSERT INTO c VALUES (100), (200);
WITH c AS (SELECT 1 AS x) SELECT * FROM c;
WITH big AS (SELECT id, name FROM emp WHERE salary > 400) SELECT name FROM big ORDER BY id;
WITH s(who, pay) AS (SELECT name, salary FROM emp) SELECT who, pay FROM s WHERE pay < 300 ORDER BY who;
WITH a AS (SELECT id FROM emp WHERE id < 4), b AS (SELECT id * 10 AS id FROM a) SELECT * FROM b ORDER BY id;
WITH a AS (SELECT id, boss FROM emp) SELECT x.id, y.id FROM a x JOIN a y ON y.boss = x.id ORDER BY x.id, y.id;
WITH a AS (SELECT id FROM emp WHERE boss = 1) SELECT name FROM emp WHERE id IN (SELECT id FROM a) ORDER BY name;
WITH a AS (SELECT MAX(salary) AS m FROM emp) SELECT name FROM emp WHERE salary = (SELECT m FROM a);
WITH a AS (SELECT id, boss FROM emp) SELECT name, (SELECT COUNT(*) FROM a WHERE a.boss = emp.id) AS reports FROM emp ORDER BY id;
WITH a AS (SELECT id FROM emp) SELECT * FROM (SELECT id FROM a WHERE id > 4) AS d ORDER BY id;
SELECT * FROM (WITH a AS (SELECT 7 AS v) SELECT v FROM a) AS d;
SELECT name FROM emp WHERE id = (WITH a AS (SELECT 2 AS v) SELECT v FROM a);
WITH c AS (SELECT 1 AS x) SELECT * FROM g13.c ORDER BY x;
WITH c AS (SELECT 1 AS x) SELECT (SELECT COUNT(*) FROM c) AS inner_c, (SELECT COUNT(*) FROM g13.c) AS table_c;
WITH a AS (SELECT 1 AS v) SELECT * FROM (WITH a AS (SELECT 2 AS v) SELECT v FROM a) AS d, a;
WITH a AS (SELECT 1 AS v), b AS (SELECT v + 1 AS v FROM a), c AS (SELECT v + 1 AS v FROM b) SELECT a.v, b.v, c.v FROM a, b, c;
WITH a AS (SELECT id, salary FROM emp) SELECT SUM(salary), COUNT(*) FROM a WHERE id > 1;
WITH a AS (SELECT boss, COUNT(*) AS n FROM emp GROUP BY boss) SELECT boss, n FROM a ORDER BY boss;
WITH a AS (SELECT id FROM emp WHERE id < 3) SELECT id FROM a UNION ALL SELECT id FROM a ORDER BY id;
WITH a AS (SELECT 1 AS v UNION ALL SELECT 2) SELECT * FROM a ORDER BY v DESC;
WITH a AS (SELECT id FROM emp ORDER BY id DESC LIMIT 2) SELECT * FROM a ORDER BY id;
-- Errors: duplicate columns, unknown table (a CTE is not visible
-- before it is defined, nor from the CTE itself without RECURSIVE).
WITH a AS (SELECT 1 AS v, 2 AS v) SELECT * FROM a;
WITH a AS (SELECT * FROM b), b AS (SELECT 1 AS v) SELECT * FROM a;
WITH nope AS (SELECT * FROM nope) SELECT * FROM nope;
WITH a AS (SELECT 1 AS v) SELECT * FROM a WHERE w = 1;
-- WITH RECURSIVE.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT * FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) SELECT COUNT(*), SUM(i), MIN(i), MAX(i) FROM n;
WITH RECURSIVE fib(k, a, b) AS (SELECT 1, 0, 1 UNION ALL SELECT k + 1, b, a + b FROM fib WHERE k < 15) SELECT k, a FROM fib ORDER BY k;
WITH RECURSIVE chain(id, name, depth) AS (SELECT id, name, 0 FROM emp WHERE boss IS NULL UNION ALL SELECT e.id, e.name, chain.depth + 1 FROM chain JOIN emp e ON e.boss = chain.id) SELECT * FROM chain ORDER BY depth, id;
WITH RECURSIVE up(id, boss) AS (SELECT id, boss FROM emp WHERE id = 5 UNION ALL SELECT e.id, e.boss FROM emp e JOIN up ON e.id = up.boss) SELECT id FROM up ORDER BY id;
WITH RECURSIVE path(id, p) AS (SELECT id, CAST(name AS CHAR(100)) FROM emp WHERE boss IS NULL UNION ALL SELECT e.id, CONCAT(path.p, '/', e.name) FROM path, emp e WHERE e.boss = path.id) SELECT p FROM path ORDER BY p;
WITH RECURSIVE r(v) AS (SELECT 1 UNION SELECT v FROM r) SELECT * FROM r;
WITH RECURSIVE r(v) AS (SELECT 1 UNION SELECT (v + 1) % 4 FROM r) SELECT * FROM r ORDER BY v;
WITH RECURSIVE r(v) AS (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT v + 10 FROM r WHERE v < 20) SELECT * FROM r ORDER BY v;
WITH RECURSIVE r(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM r WHERE v < 3 UNION ALL SELECT v + 100 FROM r WHERE v < 3) SELECT * FROM r ORDER BY v;
WITH RECURSIVE a(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM a WHERE v < 3), b(w) AS (SELECT v * 2 FROM a) SELECT * FROM b ORDER BY w;
WITH RECURSIVE a AS (SELECT 5 AS v) SELECT * FROM a;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT x.i, y.i FROM n x JOIN n y ON y.i = x.i + 3 ORDER BY x.i;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT name FROM emp WHERE id IN (SELECT i FROM n WHERE i % 2 = 1) ORDER BY id;
WITH RECURSIVE n(i, s) AS (SELECT 1, CAST('a' AS CHAR(10)) UNION ALL SELECT i + 1, CONCAT(s, 'a') FROM n WHERE i < 4) SELECT * FROM n;
-- WITH in INSERT ... SELECT, CREATE TABLE ... SELECT and CREATE VIEW.
CREATE TABLE nums (i INT PRIMARY KEY);
INSERT INTO nums WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) SELECT i FROM n;
SELECT COUNT(*), SUM(i) FROM nums;
INSERT INTO nums WITH x AS (SELECT MAX(i) + 1 AS i FROM nums) SELECT i FROM x;
SELECT MAX(i) FROM nums;
CREATE TABLE sq AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT i, i * i AS sq FROM n;
SELECT * FROM sq ORDER BY i;
CREATE VIEW v_tree AS WITH RECURSIVE chain(id, depth) AS (SELECT id, 0 FROM emp WHERE boss IS NULL UNION ALL SELECT e.id, chain.depth + 1 FROM chain JOIN emp e ON e.boss = chain.id) SELECT id, depth FROM chain;
SELECT * FROM v_tree ORDER BY id;
WITH v_tree AS (SELECT 1 AS id, 99 AS depth) SELECT * FROM v_tree;
CREATE VIEW v_c AS SELECT x FROM c;
WITH c AS (SELECT 5 AS x) SELECT * FROM v_c ORDER BY x;
DROP DATABASE g13;
