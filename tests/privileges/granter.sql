-- As 'gr', which holds SELECT on pv1 WITH GRANT OPTION: a granter gives (and takes) only
-- what it holds, with GRANT OPTION, at that level or above (MySQL's rule; it used to be
-- enough to hold GRANT OPTION at the level, so 'gr' could grant itself INSERT).
GRANT SELECT ON pv1.* TO 'gt'@'%';
GRANT SELECT ON pv1.t TO 'gt'@'%';
GRANT SELECT (a) ON pv1.t TO 'gt'@'%';
GRANT INSERT ON pv1.* TO 'gr'@'%';
GRANT INSERT ON pv1.* TO 'gt'@'%';
GRANT ALL ON pv1.* TO 'gt'@'%';
GRANT SELECT, INSERT ON pv1.t TO 'gt'@'%';
GRANT INSERT (a) ON pv1.t TO 'gt'@'%';
GRANT SELECT ON pv2.* TO 'gt'@'%';
GRANT SELECT ON *.* TO 'gt'@'%';
GRANT SELECT ON pv1.* TO 'gt'@'%' WITH GRANT OPTION;
-- Column privileges held on the column, with GRANT OPTION on the table.
GRANT SELECT (a) ON pvc.c TO 'gt'@'%';
GRANT SELECT (b) ON pvc.c TO 'gt'@'%';
GRANT UPDATE (b) ON pvc.c TO 'gt'@'%';
GRANT UPDATE (a) ON pvc.c TO 'gt'@'%';
GRANT SELECT ON pvc.c TO 'gt'@'%';
-- Routines: EXECUTE with GRANT OPTION on q; h without it.
GRANT EXECUTE ON PROCEDURE pvc.q TO 'gt'@'%';
GRANT ALTER ROUTINE ON PROCEDURE pvc.q TO 'gt'@'%';
GRANT EXECUTE ON PROCEDURE pvc.h TO 'gt'@'%';
-- REVOKE needs the same.
REVOKE INSERT ON pv1.* FROM 'gt'@'%';
REVOKE SELECT ON pv1.* FROM 'gt'@'%';
REVOKE SELECT ON *.* FROM 'gt'@'%';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'gt'@'%';
