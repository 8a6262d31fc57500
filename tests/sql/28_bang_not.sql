-- MySQL's `!` (logical NOT) binds tighter than every binary operator: `!1 + 1` is
-- `(!1) + 1`, where `NOT 1 + 1` is `NOT (1 + 1)`. The result columns are named by the
-- text as written.
SELECT !0, !1, !NULL, ! (1=2), !1 + 1, NOT 1 + 1, !!1, !-1, - !1;
SELECT !0.0, !(0), !2*3, 2*!0, !0 = 1, !'1' + 0, !CONCAT('0'), !(SELECT 0);
CREATE DATABASE g28;
CREATE TABLE g28.t (a INT, b INT, s VARCHAR(5));
INSERT INTO g28.t VALUES (0, 1, 'x'), (1, 2, 'y'), (NULL, 3, NULL), (2, 4, '0');
SELECT a, !a FROM g28.t WHERE !a;
SELECT b FROM g28.t WHERE !a IS NULL;
SELECT b FROM g28.t WHERE !a + 1 = 2 ORDER BY b;
SELECT !a AS n, !(a), !t.a, !g28.t.b FROM g28.t ORDER BY b;
SELECT b, !s FROM g28.t WHERE s = '0' OR s IS NULL ORDER BY b;
SELECT b FROM g28.t WHERE !(a > 0) AND !!b ORDER BY b;
SELECT b, CASE WHEN !a THEN 'no' ELSE 'yes' END FROM g28.t ORDER BY b;
SELECT SUM(!a), COUNT(!a) FROM g28.t;
UPDATE g28.t SET b = b + 10 WHERE !a;
SELECT a, b FROM g28.t ORDER BY b;
DROP DATABASE g28;
