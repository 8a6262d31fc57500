-- As 'c'@'%', who holds EXECUTE on procedure pvc.q and function pvc.g and CREATE ROUTINE
-- on pv1.*: routine privileges, and automatic_sp_privileges for what it creates.
CALL pvc.q();
SELECT pvc.g();
CALL pvc.h();
DROP PROCEDURE pvc.q;
CALL pv1.admin_p();
CREATE PROCEDURE pv1.cp() SELECT 'cp' AS cp;
CALL pv1.cp();
SELECT routine_schema, routine_name, routine_type FROM information_schema.routines WHERE routine_schema LIKE 'pv%' ORDER BY routine_schema, routine_name;
DROP PROCEDURE pv1.cp;
CALL pv1.cp();
CREATE PROCEDURE pv1.cp() SELECT 'again' AS again;
CALL pv1.cp();
-- ALTER PROCEDURE/FUNCTION needs ALTER ROUTINE on the routine (1370) and keeps what it
-- does not name; MySQL's grammar has no DETERMINISTIC there (1064).
ALTER PROCEDURE pv1.cp COMMENT 'mine' SQL SECURITY INVOKER;
ALTER PROCEDURE pv1.cp READS SQL DATA LANGUAGE SQL;
ALTER PROCEDURE pvc.q COMMENT 'not mine';
ALTER PROCEDURE pv1.cp DETERMINISTIC;
ALTER PROCEDURE pv1.nope COMMENT 'x';
SELECT routine_name, security_type, sql_data_access, routine_comment FROM information_schema.routines WHERE routine_schema = 'pv1' AND routine_name = 'cp';
CALL pv1.cp();
CREATE FUNCTION pv1.cf() RETURNS INT DETERMINISTIC RETURN 1;
SELECT pv1.cf();
SELECT CURRENT_USER();
