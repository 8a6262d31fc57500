-- As the master user: GRANT/REVOKE at the routine and column levels that MySQL refuses.
GRANT EXECUTE ON PROCEDURE pvc.nope TO 'c'@'%';
GRANT EXECUTE ON FUNCTION pvc.q TO 'c'@'%';
GRANT SELECT ON PROCEDURE pvc.q TO 'c'@'%';
GRANT DELETE (a) ON pvc.c TO 'c'@'%';
GRANT SELECT (zz) ON pvc.c TO 'c'@'%';
GRANT SELECT (a) ON pvc.nope TO 'c'@'%';
GRANT SELECT (a) ON pvc.* TO 'c'@'%';
REVOKE SELECT (e) ON pvc.c FROM 'c'@'%';
GRANT EXECUTE ON PROCEDURE pvc.q TO 'nobody'@'%';
