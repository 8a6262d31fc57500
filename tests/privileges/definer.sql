-- As 'k'@'%': bodies defined by 'dl'@'localhost' (SELECT on pvc.* only) run with its
-- privileges, and it must hold EXECUTE on its own routine (1370) and TRIGGER on its
-- trigger's table (1142) too. Run twice: before and after those are granted to it.
CALL pvc.dlp();
SELECT * FROM pvc.dlv;
SELECT * FROM pvc.dlv2;
INSERT INTO pvc.tt VALUES (1);
SELECT COUNT(*) FROM pvc.tt;
SELECT COUNT(*) FROM pvc.tlog;
