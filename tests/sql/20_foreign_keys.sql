-- FOREIGN KEY constraints as InnoDB enforces them: 1452 for a child without a parent,
-- 1451 for a parent with children (RESTRICT / NO ACTION / no rule), ON DELETE / ON UPDATE
-- CASCADE and SET NULL (nested, self-referencing), checks row by row, REPLACE,
-- INSERT ... SELECT, multi-table DELETE, foreign_key_checks=0, ALTER TABLE ADD / DROP
-- FOREIGN KEY, the index made on the child's columns, and information_schema. What
-- MySQL 8.0 answers differently from MariaDB (SHOW CREATE TABLE's text, 3730 on DROP TABLE
-- of a parent, 3780/1822/1824 at CREATE, the default rule's name) is in tests/e2e.rs.
DROP DATABASE IF EXISTS g20;
CREATE DATABASE g20;
USE g20;
CREATE TABLE parent (id INT PRIMARY KEY, code VARCHAR(10), UNIQUE KEY (code));
CREATE TABLE child (id INT PRIMARY KEY, pid INT, note VARCHAR(20),
  FOREIGN KEY (pid) REFERENCES parent (id) ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE other (id INT PRIMARY KEY, pcode VARCHAR(10),
  CONSTRAINT fk_other_code FOREIGN KEY (pcode) REFERENCES parent (code) ON DELETE SET NULL);
CREATE TABLE strict_child (id INT PRIMARY KEY, pid INT NOT NULL, KEY k_pid (pid),
  CONSTRAINT fk_strict FOREIGN KEY (pid) REFERENCES parent (id));
INSERT INTO parent VALUES (1, 'a'), (2, 'b'), (3, 'c');
INSERT INTO child VALUES (10, 1, 'x'), (11, 1, 'y'), (12, 2, 'z'), (13, NULL, 'orphan ok');
-- No parent 9.
INSERT INTO child VALUES (14, 9, 'bad');
INSERT INTO child VALUES (14, 3, 'ok'), (15, 9, 'bad');
SELECT * FROM child ORDER BY id;
UPDATE child SET pid = 8 WHERE id = 10;
UPDATE child SET pid = 3 WHERE id = 10;
INSERT INTO other VALUES (1, 'a'), (2, 'b'), (3, NULL);
INSERT INTO other VALUES (4, 'zz');
INSERT INTO strict_child VALUES (1, 2);
-- RESTRICT (no rule given) refuses; the statement changes nothing.
DELETE FROM parent WHERE id = 2;
UPDATE parent SET id = 20 WHERE id = 2;
SELECT * FROM parent ORDER BY id;
-- CASCADE on delete and on update, SET NULL on delete.
DELETE FROM parent WHERE id = 1;
SELECT * FROM child ORDER BY id;
SELECT * FROM other ORDER BY id;
UPDATE parent SET id = 30 WHERE id = 3;
SELECT * FROM child ORDER BY id;
-- Changing a referenced column that no child uses is allowed.
UPDATE parent SET code = 'cc' WHERE id = 30;
SELECT * FROM parent ORDER BY id;
-- INSERT ... SELECT and REPLACE check each row; REPLACE of a parent deletes it first.
CREATE TABLE src (id INT, pid INT);
INSERT INTO src VALUES (40, 30), (41, 77);
INSERT INTO child (id, pid) SELECT id, pid FROM src;
INSERT INTO child (id, pid) SELECT id, pid FROM src WHERE pid = 30;
SELECT * FROM child ORDER BY id;
INSERT IGNORE INTO child (id, pid) VALUES (42, 30), (43, 404);
SELECT @@warning_count;
SELECT * FROM child ORDER BY id;
REPLACE INTO parent VALUES (30, 'c3');
SELECT * FROM child ORDER BY id;
REPLACE INTO parent VALUES (2, 'b2');
SELECT * FROM parent ORDER BY id;
-- Within a transaction the checks see its own writes; ROLLBACK takes the cascade back.
BEGIN;
INSERT INTO parent VALUES (5, 'e');
INSERT INTO child VALUES (50, 5, 'new');
DELETE FROM parent WHERE id = 5;
SELECT * FROM child WHERE id = 50;
INSERT INTO parent VALUES (6, 'f');
INSERT INTO child VALUES (60, 6, 'six');
ROLLBACK;
SELECT * FROM parent ORDER BY id;
SELECT * FROM child ORDER BY id;
-- Multi-table DELETE.
INSERT INTO parent VALUES (7, 'g');
INSERT INTO child VALUES (70, 7, 'g1'), (71, 7, 'g2');
DELETE parent FROM parent JOIN src ON src.id = 40 WHERE parent.id = 7;
SELECT * FROM child ORDER BY id;
-- Nested cascades over three levels, and SET NULL down a chain.
CREATE TABLE a (id INT PRIMARY KEY);
CREATE TABLE b (id INT PRIMARY KEY, a_id INT, FOREIGN KEY (a_id) REFERENCES a (id) ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE c (id INT PRIMARY KEY, b_id INT, FOREIGN KEY (b_id) REFERENCES b (id) ON DELETE CASCADE);
CREATE TABLE d (id INT PRIMARY KEY, c_id INT, FOREIGN KEY (c_id) REFERENCES c (id) ON DELETE SET NULL);
INSERT INTO a VALUES (1), (2);
INSERT INTO b VALUES (1, 1), (2, 1), (3, 2);
INSERT INTO c VALUES (1, 1), (2, 2), (3, 3);
INSERT INTO d VALUES (1, 1), (2, 2), (3, 3);
UPDATE a SET id = 11 WHERE id = 1;
SELECT * FROM b ORDER BY id;
DELETE FROM a WHERE id = 11;
SELECT * FROM b ORDER BY id;
SELECT * FROM c ORDER BY id;
SELECT * FROM d ORDER BY id;
-- A self-referencing table: a row may reference itself; deleting the root cascades.
CREATE TABLE tree (id INT PRIMARY KEY, up INT, FOREIGN KEY (up) REFERENCES tree (id) ON DELETE CASCADE);
INSERT INTO tree VALUES (1, NULL), (2, 1), (3, 2), (4, 3), (5, 5);
INSERT INTO tree VALUES (6, 60);
DELETE FROM tree WHERE id = 2;
SELECT * FROM tree ORDER BY id;
CREATE TABLE node (id INT PRIMARY KEY, up INT, FOREIGN KEY (up) REFERENCES node (id) ON UPDATE CASCADE ON DELETE SET NULL);
INSERT INTO node VALUES (1, NULL), (2, 1), (3, 2);
-- A cascade may not update the table its UPDATE changes (InnoDB: 1451); SET NULL on delete may.
UPDATE node SET id = 10 WHERE id = 1;
UPDATE node SET id = 30 WHERE id = 3;
DELETE FROM node WHERE id = 1;
SELECT * FROM node ORDER BY id;
CREATE TABLE emp (id INT PRIMARY KEY, boss INT, FOREIGN KEY (boss) REFERENCES emp (id));
INSERT INTO emp VALUES (1, NULL), (2, 1), (3, 1);
DELETE FROM emp WHERE id = 1;
DELETE FROM emp WHERE id IN (2, 3);
DELETE FROM emp;
SELECT COUNT(*) FROM emp;
-- Multi-column keys.
CREATE TABLE mp (a INT, b INT, PRIMARY KEY (a, b));
CREATE TABLE mc (id INT PRIMARY KEY, x INT, y INT, FOREIGN KEY (x, y) REFERENCES mp (a, b) ON DELETE CASCADE);
INSERT INTO mp VALUES (1, 1), (1, 2);
INSERT INTO mc VALUES (1, 1, 1), (2, 1, 2), (3, NULL, 5);
INSERT INTO mc VALUES (4, 2, 1);
DELETE FROM mp WHERE b = 1;
SELECT * FROM mc ORDER BY id;
-- foreign_key_checks=0: no checks, no cascades, and a parent that does not exist yet.
SET foreign_key_checks = 0;
CREATE TABLE later_child (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES later_parent (id));
INSERT INTO later_child VALUES (1, 100);
INSERT INTO child VALUES (90, 999, 'unchecked');
DELETE FROM parent WHERE id = 2;
SET foreign_key_checks = 1;
SELECT * FROM child ORDER BY id;
SELECT * FROM strict_child ORDER BY id;
INSERT INTO later_child VALUES (2, 100);
CREATE TABLE later_parent (id INT PRIMARY KEY);
INSERT INTO later_parent VALUES (100);
INSERT INTO later_child VALUES (2, 100);
DELETE FROM later_parent;
SELECT * FROM later_child ORDER BY id;
-- ALTER TABLE ADD / DROP FOREIGN KEY; rows already there are checked.
CREATE TABLE loose (id INT PRIMARY KEY, pid INT);
INSERT INTO loose VALUES (1, 30), (2, 404);
ALTER TABLE loose ADD CONSTRAINT fk_loose FOREIGN KEY (pid) REFERENCES parent (id);
DELETE FROM loose WHERE id = 2;
ALTER TABLE loose ADD CONSTRAINT fk_loose FOREIGN KEY (pid) REFERENCES parent (id) ON DELETE CASCADE;
INSERT INTO loose VALUES (3, 404);
SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'g20' AND TABLE_NAME = 'loose' ORDER BY INDEX_NAME;
ALTER TABLE loose DROP FOREIGN KEY fk_loose;
INSERT INTO loose VALUES (3, 404);
ALTER TABLE loose DROP FOREIGN KEY fk_loose;
SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'g20' AND TABLE_NAME = 'loose' ORDER BY INDEX_NAME;
-- A child's columns that lead an index use it; otherwise one is made, named after the
-- constraint or the column.
SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'g20' AND TABLE_NAME IN ('child', 'other', 'strict_child', 'mc') ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX;
-- TRUNCATE of a parent is refused; of a child it works.
TRUNCATE TABLE parent;
TRUNCATE TABLE strict_child;
SELECT COUNT(*) FROM strict_child;
-- Dropping an index a constraint needs is refused.
ALTER TABLE strict_child DROP INDEX k_pid;
-- information_schema.
SELECT CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, POSITION_IN_UNIQUE_CONSTRAINT, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = 'g20' AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION;
SELECT CONSTRAINT_NAME, TABLE_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = 'g20' ORDER BY TABLE_NAME, CONSTRAINT_TYPE, CONSTRAINT_NAME;
-- (A rule not given is RESTRICT in MariaDB and NO ACTION in MySQL 8.0: not shown here.)
SELECT CONSTRAINT_NAME, UNIQUE_CONSTRAINT_SCHEMA, UNIQUE_CONSTRAINT_NAME, MATCH_OPTION, UPDATE_RULE, DELETE_RULE, TABLE_NAME, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = 'g20' AND CONSTRAINT_NAME IN ('child_ibfk_1', 'b_ibfk_1') ORDER BY CONSTRAINT_NAME;
SELECT CONSTRAINT_NAME, UNIQUE_CONSTRAINT_NAME, DELETE_RULE, TABLE_NAME, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = 'g20' AND CONSTRAINT_NAME IN ('fk_other_code', 'd_ibfk_1') ORDER BY CONSTRAINT_NAME;
-- RENAME TABLE of a parent: its constraints follow.
RENAME TABLE later_parent TO lp;
SELECT REFERENCED_TABLE_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = 'g20' AND TABLE_NAME = 'later_child' AND REFERENCED_TABLE_NAME IS NOT NULL;
INSERT INTO lp VALUES (200);
INSERT INTO later_child VALUES (3, 200);
SELECT * FROM later_child ORDER BY id;
-- A renamed column stays in the constraints that use it, on either side.
ALTER TABLE lp RENAME COLUMN id TO lp_id;
ALTER TABLE later_child CHANGE pid parent_ref INT;
SELECT COLUMN_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = 'g20' AND TABLE_NAME = 'later_child' AND REFERENCED_TABLE_NAME IS NOT NULL;
INSERT INTO later_child VALUES (4, 404);
DELETE FROM lp WHERE lp_id = 200;
-- Dropping children first, then the parents, works; so does one DROP TABLE naming both.
DROP TABLE d, c, b, a;
SET foreign_key_checks = 0;
DROP DATABASE g20;
SET foreign_key_checks = 1;
