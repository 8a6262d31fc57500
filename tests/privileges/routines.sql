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
CREATE FUNCTION pv1.cf() RETURNS INT DETERMINISTIC RETURN 1;
SELECT pv1.cf();
SELECT CURRENT_USER();
