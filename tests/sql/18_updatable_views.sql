-- Writes through updatable views: UPDATE, DELETE and INSERT on a view over one table
-- map its columns to the base table's and keep to the rows the view shows; views with
-- aggregates, DISTINCT, GROUP BY, UNION or ALGORITHM=TEMPTABLE are not updatable (1288,
-- 1471 for INSERT); an expression column is not updatable (1348).
DROP DATABASE IF EXISTS g18;
CREATE DATABASE g18;
USE g18;
CREATE TABLE emp (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, dept VARCHAR(10), salary INT NOT NULL DEFAULT 0);
INSERT INTO emp VALUES (1, 'ann', 'eng', 100), (2, 'bob', 'eng', 90), (3, 'cid', 'ops', 80), (4, 'dee', 'ops', 70);
CREATE VIEW eng AS SELECT id, name AS who, salary FROM emp WHERE dept = 'eng';
CREATE VIEW everyone AS SELECT * FROM emp;
CREATE VIEW pay (n, double_pay) AS SELECT name, salary * 2 FROM emp;
CREATE VIEW per_dept AS SELECT dept, SUM(salary) AS total FROM emp GROUP BY dept;
CREATE VIEW depts AS SELECT DISTINCT dept FROM emp;
CREATE VIEW both_names AS SELECT name FROM emp UNION SELECT dept FROM emp;
CREATE ALGORITHM = TEMPTABLE VIEW tmp AS SELECT id, salary FROM emp;
SELECT table_name, is_updatable FROM information_schema.views WHERE table_schema = 'g18' ORDER BY table_name;
UPDATE eng SET salary = salary + 5;
SELECT ROW_COUNT();
SELECT * FROM emp ORDER BY id;
UPDATE eng SET who = UPPER(who) WHERE salary > 100;
SELECT * FROM eng ORDER BY id;
UPDATE eng AS e SET e.salary = 0 WHERE e.who = 'cid';
SELECT ROW_COUNT();
UPDATE eng SET salary = 1 ORDER BY salary DESC LIMIT 1;
SELECT * FROM emp ORDER BY id;
UPDATE everyone SET dept = 'eng' WHERE id = 3;
SELECT * FROM eng ORDER BY id;
UPDATE pay SET n = 'zed' WHERE double_pay = 140;
SELECT * FROM emp ORDER BY id;
UPDATE pay SET double_pay = 1;
UPDATE per_dept SET total = 0;
UPDATE depts SET dept = 'x';
UPDATE both_names SET name = 'x';
UPDATE tmp SET salary = 1;
UPDATE eng SET nope = 1;
-- Correlated subqueries through the view.
UPDATE eng SET salary = (SELECT COUNT(*) FROM pay WHERE pay.n <> eng.who) WHERE id = 2;
SELECT * FROM eng ORDER BY id;
DELETE FROM eng WHERE who = 'bob';
SELECT ROW_COUNT();
DELETE FROM everyone WHERE dept = 'ops' AND salary > 1000;
SELECT ROW_COUNT();
DELETE FROM per_dept;
DELETE FROM tmp;
SELECT * FROM emp ORDER BY id;
INSERT INTO eng (id, who, salary) VALUES (5, 'eve', 60);
INSERT INTO eng VALUES (6, 'fay', 50);
INSERT INTO everyone VALUES (7, 'gus', 'ops', 40);
INSERT INTO eng (who, id) VALUES ('hal', 8);
INSERT INTO pay (n) VALUES ('ida');
INSERT INTO per_dept VALUES ('x', 1);
INSERT INTO depts VALUES ('x');
INSERT INTO eng (id, who) VALUES (1, 'dup');
SELECT * FROM emp ORDER BY id;
SELECT * FROM eng ORDER BY id;
DROP DATABASE g18;
