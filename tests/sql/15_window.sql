-- Window functions (MySQL 8.0 / MariaDB 10.2+): ranking, offsets, values over frames,
-- aggregates over ROWS and RANGE frames, named windows, windows over grouped rows and in
-- ORDER BY. Every ORDER BY orders by a unique key so the output is deterministic.
DROP DATABASE IF EXISTS g15;
CREATE DATABASE g15;
USE g15;
CREATE TABLE s (id INT, dept VARCHAR(10), amount INT, price DECIMAL(8,2), d DATE);
INSERT INTO s VALUES
  (1, 'east', 10, 1.50, '2024-01-01'), (2, 'east', 20, 2.25, '2024-01-02'),
  (3, 'east', 20, NULL, '2024-01-04'), (4, 'east', 40, 4.00, '2024-01-05'),
  (5, 'west', 5, 0.50, '2024-01-01'), (6, 'west', NULL, 1.00, '2024-01-03'),
  (7, 'west', 15, 3.75, '2024-01-03'), (8, 'north', 7, 7.00, '2024-02-01');
-- Ranking.
SELECT id, dept, amount,
  ROW_NUMBER() OVER (PARTITION BY dept ORDER BY amount, id) AS rn,
  RANK() OVER (PARTITION BY dept ORDER BY amount) AS rnk,
  DENSE_RANK() OVER (PARTITION BY dept ORDER BY amount) AS drnk
FROM s ORDER BY id;
SELECT id, amount, CAST(PERCENT_RANK() OVER (ORDER BY amount) AS DECIMAL(6,4)) AS pr, CAST(CUME_DIST() OVER (ORDER BY amount) AS DECIMAL(6,4)) AS cd
FROM s ORDER BY id;
SELECT id, NTILE(3) OVER (ORDER BY id) AS t3 FROM s ORDER BY id;
SELECT id, NTILE(5) OVER (PARTITION BY dept ORDER BY id) AS t5 FROM s ORDER BY id;
SELECT id, NTILE(100) OVER (ORDER BY id DESC) AS t100 FROM s ORDER BY id;
-- LAG / LEAD with offsets and defaults.
SELECT id, dept, amount,
  LAG(amount) OVER (PARTITION BY dept ORDER BY id) AS prev,
  LEAD(amount, 2) OVER (PARTITION BY dept ORDER BY id) AS next2,
  LEAD(id, 0) OVER (ORDER BY id) AS same
FROM s ORDER BY id;
-- FIRST_VALUE / LAST_VALUE / NTH_VALUE: the default frame ends at the current row's last peer.
SELECT id, dept, amount,
  FIRST_VALUE(amount) OVER (PARTITION BY dept ORDER BY amount, id) AS fv,
  LAST_VALUE(amount) OVER (PARTITION BY dept ORDER BY amount) AS lv,
  NTH_VALUE(id, 2) OVER (PARTITION BY dept ORDER BY amount, id) AS n2,
  LAST_VALUE(id) OVER (PARTITION BY dept ORDER BY amount, id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS lv_all
FROM s ORDER BY id;
-- Aggregates: whole partition without ORDER BY, running with it (peers share a value).
SELECT id, dept, amount,
  SUM(amount) OVER (PARTITION BY dept) AS total,
  SUM(amount) OVER (PARTITION BY dept ORDER BY amount) AS running,
  COUNT(*) OVER (PARTITION BY dept ORDER BY amount) AS cnt_star,
  COUNT(amount) OVER (PARTITION BY dept) AS cnt,
  AVG(amount) OVER (PARTITION BY dept) AS av,
  MIN(amount) OVER (ORDER BY id) AS mn,
  MAX(amount) OVER (ORDER BY id DESC) AS mx
FROM s ORDER BY id;
SELECT id, SUM(price) OVER (ORDER BY id) AS run_price, AVG(price) OVER () AS avg_price,
  BIT_OR(amount) OVER (ORDER BY id) AS bor, BIT_AND(amount) OVER () AS band, BIT_XOR(amount) OVER (ORDER BY id) AS bxor
FROM s ORDER BY id;
-- ROWS frames.
SELECT id, amount,
  SUM(amount) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS s3,
  SUM(amount) OVER (ORDER BY id ROWS 2 PRECEDING) AS s_prev2,
  COUNT(*) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS rest,
  MAX(amount) OVER (ORDER BY id ROWS BETWEEN 2 FOLLOWING AND 3 FOLLOWING) AS ahead,
  SUM(amount) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_me,
  FIRST_VALUE(id) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS fv
FROM s ORDER BY id;
-- RANGE frames: numeric offsets, CURRENT ROW peers, descending order.
SELECT id, amount,
  SUM(amount) OVER (ORDER BY amount RANGE BETWEEN 5 PRECEDING AND 5 FOLLOWING) AS near5,
  COUNT(*) OVER (ORDER BY amount RANGE CURRENT ROW) AS peers,
  SUM(amount) OVER (ORDER BY amount DESC RANGE BETWEEN 10 PRECEDING AND CURRENT ROW) AS desc10,
  COUNT(*) OVER (ORDER BY amount RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS ge
FROM s ORDER BY id;
SELECT id, price,
  COUNT(*) OVER (ORDER BY price RANGE BETWEEN 1.5 PRECEDING AND 0.75 FOLLOWING) AS near
FROM s ORDER BY id;
-- Named windows and refinement.
SELECT id, dept,
  ROW_NUMBER() OVER w AS rn,
  SUM(amount) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run,
  COUNT(*) OVER p AS n,
  FIRST_VALUE(id) OVER (p ORDER BY id DESC) AS last_id
FROM s
WINDOW p AS (PARTITION BY dept), w AS (p ORDER BY id)
ORDER BY id;
-- Over grouped rows, in expressions, and in ORDER BY.
SELECT dept, SUM(amount) AS total, SUM(SUM(amount)) OVER () AS grand,
  RANK() OVER (ORDER BY SUM(amount) DESC) AS pos,
  ROUND(100 * SUM(amount) / SUM(SUM(amount)) OVER (), 2) AS pct
FROM s GROUP BY dept ORDER BY dept;
SELECT id, amount FROM s ORDER BY ROW_NUMBER() OVER (ORDER BY amount DESC, id), id;
SELECT id, ROW_NUMBER() OVER (ORDER BY id) * 10 + 1 AS x, amount - LAG(amount) OVER (ORDER BY id) AS delta
FROM s ORDER BY id;
SELECT dept, ROW_NUMBER() OVER (ORDER BY dept) AS rn FROM s GROUP BY dept ORDER BY dept;
SELECT DISTINCT dept, COUNT(*) OVER (PARTITION BY dept) AS n FROM s ORDER BY dept;
-- Window results after WHERE, before LIMIT.
SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM s WHERE amount > 10 ORDER BY id LIMIT 2;
SELECT id, SUM(amount) OVER (ORDER BY id) FROM s ORDER BY id;
-- Empty input, and a window function over a derived table.
SELECT id, ROW_NUMBER() OVER () FROM s WHERE id > 100;
SELECT dept, rn FROM (SELECT dept, id, ROW_NUMBER() OVER (PARTITION BY dept ORDER BY id DESC) AS rn FROM s) t WHERE rn = 1 ORDER BY dept;
DROP DATABASE g15;
