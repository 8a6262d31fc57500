-- As 'c'@'%', who holds SELECT (a, b), INSERT (a, c), UPDATE (c) and REFERENCES (D) (typed in upper case: its name is kept as typed) on
-- pvc.c and nothing on its column e, and SELECT (a), UPDATE (c), DELETE on the view
-- pvc.vc: each column a statement touches is checked.
SELECT a, b FROM pvc.c;
SELECT a FROM pvc.c WHERE b = 2;
SELECT c FROM pvc.c;
SELECT a FROM pvc.c WHERE c = 3;
SELECT a FROM pvc.c ORDER BY e;
SELECT a, COUNT(*) FROM pvc.c GROUP BY d;
SELECT * FROM pvc.c;
SELECT x.* FROM pvc.c x;
SELECT COUNT(*) FROM pvc.c;
SELECT x.a, x.b FROM pvc.c x;
SELECT a FROM (SELECT a, b FROM pvc.c) s;
SELECT a FROM pvc.c WHERE a IN (SELECT b FROM pvc.c);
SELECT a FROM pvc.c WHERE a IN (SELECT e FROM pvc.c);
SELECT secret FROM pvc.s;
INSERT INTO pvc.c (a, c) VALUES (2, 30);
INSERT INTO pvc.c (a, b) VALUES (3, 30);
INSERT INTO pvc.c VALUES (4, 1, 1, 1, 1);
INSERT INTO pvc.c SET a = 5;
UPDATE pvc.c SET c = 31 WHERE a = 2;
UPDATE pvc.c SET b = 1 WHERE a = 2;
UPDATE pvc.c SET c = 1 WHERE e = 5;
UPDATE pvc.c SET c = b WHERE a = 5;
DELETE FROM pvc.c WHERE a = 2;
SELECT a, b FROM pvc.c ORDER BY a;
-- Column privileges on a view: SELECT (a), UPDATE (c) and DELETE on pvc.vc.
SELECT a FROM pvc.vc ORDER BY a;
SELECT b FROM pvc.vc;
SELECT * FROM pvc.vc;
SELECT COUNT(*) FROM pvc.vc;
SELECT a FROM pvc.vc WHERE b = 2;
SELECT a FROM pvc.vc ORDER BY c;
UPDATE pvc.vc SET c = 30 WHERE a = 1;
UPDATE pvc.vc SET c = a + 1;
UPDATE pvc.vc SET b = 1;
DELETE FROM pvc.vc WHERE b = 1;
SELECT column_name, privileges FROM information_schema.columns WHERE table_schema = 'pvc' ORDER BY column_name;
SELECT grantee, table_schema, table_name, column_name, privilege_type, is_grantable FROM information_schema.column_privileges ORDER BY column_name, privilege_type, table_name;
SHOW TABLES FROM pvc;
