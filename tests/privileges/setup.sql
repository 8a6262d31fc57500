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
