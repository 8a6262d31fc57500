-- Run by the master user on both servers before reader.sql and writer.sql: two
-- databases, objects the master user defines in them, and two accounts.
DROP DATABASE IF EXISTS pv1;
DROP DATABASE IF EXISTS pv2;
CREATE DATABASE pv1;
CREATE DATABASE pv2;
CREATE TABLE pv1.t (a INT PRIMARY KEY, b INT);
INSERT INTO pv1.t VALUES (1, 10);
CREATE TABLE pv2.t (a INT PRIMARY KEY, secret VARCHAR(10), KEY s (secret));
INSERT INTO pv2.t VALUES (1, 'hidden');
CREATE VIEW pv2.v AS SELECT a FROM pv2.t;
CREATE PROCEDURE pv2.p() SELECT a FROM pv2.t;
-- Defined by the master user: runs with its privileges.
CREATE PROCEDURE pv1.admin_p() SELECT secret FROM pv2.t;
CREATE FUNCTION pv1.admin_f() RETURNS VARCHAR(10) READS SQL DATA RETURN (SELECT secret FROM pv2.t LIMIT 1);
CREATE VIEW pv1.def AS SELECT secret FROM pv2.t;
-- Run with the caller's privileges.
CREATE SQL SECURITY INVOKER VIEW pv1.inv AS SELECT secret FROM pv2.t;
CREATE PROCEDURE pv1.inv_p() SQL SECURITY INVOKER SELECT secret FROM pv2.t;
DROP USER IF EXISTS 'r'@'%';
DROP USER IF EXISTS 'u'@'%';
CREATE USER 'r'@'%' IDENTIFIED BY 'rpw';
GRANT SELECT ON pv1.* TO 'r'@'%';
CREATE USER 'u'@'%' IDENTIFIED BY 'upw';
GRANT SELECT, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, EXECUTE, LOCK TABLES ON pv1.* TO 'u'@'%';
-- Column and routine privileges (columns.sql and routines.sql as 'c'), and definers
-- named with an exact host (definer.sql as 'k').
DROP DATABASE IF EXISTS pvc;
CREATE DATABASE pvc;
CREATE TABLE pvc.c (a INT PRIMARY KEY, b INT, c INT, d INT, e INT);
INSERT INTO pvc.c VALUES (1, 2, 3, 4, 5);
CREATE TABLE pvc.s (a INT PRIMARY KEY, secret VARCHAR(10));
INSERT INTO pvc.s VALUES (1, 'hidden');
CREATE PROCEDURE pvc.q() SELECT 'q' AS q;
CREATE FUNCTION pvc.g() RETURNS INT DETERMINISTIC RETURN 7;
CREATE PROCEDURE pvc.h() SELECT 'h' AS h;
DROP USER IF EXISTS 'c'@'%';
CREATE USER 'c'@'%' IDENTIFIED BY 'cpw';
GRANT SELECT (a, b), INSERT (a, c), UPDATE (c), REFERENCES (D) ON pvc.c TO 'c'@'%';
CREATE VIEW pvc.vc AS SELECT a, b, c FROM pvc.c;
GRANT SELECT (a), UPDATE (c), DELETE ON pvc.vc TO 'c'@'%';
GRANT EXECUTE ON PROCEDURE pvc.q TO 'c'@'%';
GRANT EXECUTE ON FUNCTION pvc.g TO 'c'@'%';
GRANT CREATE ROUTINE ON pv1.* TO 'c'@'%';
DROP USER IF EXISTS 'dl'@'localhost';
DROP USER IF EXISTS 'dl'@'%';
CREATE USER 'dl'@'localhost';
GRANT SELECT ON pvc.* TO 'dl'@'localhost';
CREATE USER 'dl'@'%';
CREATE DEFINER = 'dl'@'localhost' PROCEDURE pvc.dlp() SELECT secret FROM pvc.s;
CREATE DEFINER = 'dl'@'localhost' VIEW pvc.dlv AS SELECT secret FROM pvc.s;
CREATE DEFINER = 'dl'@'%' VIEW pvc.dlv2 AS SELECT secret FROM pvc.s;
DROP USER IF EXISTS 'k'@'%';
CREATE USER 'k'@'%' IDENTIFIED BY 'kpw';
GRANT EXECUTE ON PROCEDURE pvc.dlp TO 'k'@'%';
GRANT SELECT ON pvc.dlv TO 'k'@'%';
GRANT SELECT ON pvc.dlv2 TO 'k'@'%';
-- A trigger whose definer lacks TRIGGER on its table (and INSERT on what it writes).
CREATE TABLE pvc.tt (a INT);
CREATE TABLE pvc.tlog (a INT);
CREATE DEFINER = 'dl'@'localhost' TRIGGER pvc.tr AFTER INSERT ON pvc.tt FOR EACH ROW INSERT INTO pvc.tlog VALUES (NEW.a);
GRANT INSERT ON pvc.tt TO 'k'@'%';
-- A granter (granter.sql as 'gr'): GRANT OPTION, but only on what it holds.
DROP USER IF EXISTS 'gr'@'%';
DROP USER IF EXISTS 'gt'@'%';
CREATE USER 'gr'@'%' IDENTIFIED BY 'grpw';
CREATE USER 'gt'@'%' IDENTIFIED BY 'gtpw';
GRANT SELECT ON pv1.* TO 'gr'@'%' WITH GRANT OPTION;
GRANT SELECT (a), UPDATE (b) ON pvc.c TO 'gr'@'%' WITH GRANT OPTION;
GRANT EXECUTE ON PROCEDURE pvc.q TO 'gr'@'%' WITH GRANT OPTION;
GRANT EXECUTE ON PROCEDURE pvc.h TO 'gr'@'%';
