-- Small syntax that clients and generated SQL send: FROM DUAL, hex literals where a number
-- is wanted, SELECT * without a table, SHOW … WHERE over the output's column names.
-- (X'41' + 1 differs: MySQL 8.0 reads X'41' as a number there, 66; MariaDB as a string, 1.)
SELECT 1 FROM DUAL;
SELECT 1 FROM DUAL WHERE 0;
SELECT 'a' AS x FROM dual WHERE 1 = 1 ORDER BY x LIMIT 1;
SELECT *;
SELECT * FROM DUAL;
SELECT 0x41 + 0, 0x41 = 65, 0x41 = 'A', 0x0102 | 0, 0xFF - 1, 0x41 * 2, 0x41 < 66, 0x10 DIV 3, 0x41 >> 1;
SELECT HEX(CHAR(0xC3A9)), CHAR(0x41, 0x42), 0x41, CONCAT(0x41, 'b'), 65 = 0x41, 'A' = 0x41;
SELECT 0x000000000000000000000041 + 0, 0x0102030405060708090A + 0;
CREATE DATABASE golden_odds2;
CREATE TABLE golden_odds2.hx (a INT, b VARCHAR(5), c BLOB, d DECIMAL(10,2));
INSERT INTO golden_odds2.hx VALUES (0x41, 0x41, 0x41, 0x0100);
SELECT a, b, HEX(c), d FROM golden_odds2.hx WHERE a = 0x41;
DROP DATABASE golden_odds2;
SHOW VARIABLES WHERE Variable_name = 'autocommit';
SHOW VARIABLES WHERE Variable_name IN ('autocommit', 'sql_auto_is_null') AND Value = 'OFF';
CREATE DATABASE golden_odds;
CREATE TABLE golden_odds.t (a INT PRIMARY KEY, b VARCHAR(5));
CREATE TABLE golden_odds.u (c INT);
SHOW TABLES FROM golden_odds WHERE Tables_in_golden_odds LIKE 't%';
SHOW FULL TABLES FROM golden_odds WHERE Table_type = 'BASE TABLE' AND Tables_in_golden_odds <> 'u';
SHOW DATABASES WHERE `Database` = 'golden_odds';
SHOW CHARACTER SET WHERE Charset = 'latin1';
SHOW VARIABLES WHERE nosuchcol = 1;
DROP DATABASE golden_odds;
