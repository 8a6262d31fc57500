-- GROUP BY … WITH ROLLUP: after the groups of each run of equal leading keys comes its
-- super-aggregate row (the rolled-up keys NULL), and a grand total last, in key order.
DROP DATABASE IF EXISTS g16;
CREATE DATABASE g16;
USE g16;
CREATE TABLE sales (id INT PRIMARY KEY, year INT, country VARCHAR(20), product VARCHAR(32), profit INT);
INSERT INTO sales VALUES
  (1, 2000, 'Finland', 'Computer', 1500), (2, 2000, 'Finland', 'Phone', 100),
  (3, 2001, 'Finland', 'Phone', 10), (4, 2000, 'India', 'Calculator', 75),
  (5, 2000, 'India', 'Calculator', 75), (6, 2000, 'India', 'Computer', 1200),
  (7, 2000, 'USA', 'Calculator', 75), (8, 2000, 'USA', 'Computer', 1500),
  (9, 2001, 'USA', 'Calculator', 50), (10, 2001, 'USA', 'Computer', 1500),
  (11, 2001, 'USA', 'Computer', 1200), (12, 2001, 'USA', 'TV', 150),
  (13, 2001, 'USA', 'TV', 100), (14, 2001, NULL, 'TV', 5);
SELECT year, SUM(profit) AS profit FROM sales GROUP BY year WITH ROLLUP;
SELECT year, country, product, SUM(profit) AS profit, COUNT(*) AS n
FROM sales GROUP BY year, country, product WITH ROLLUP;
SELECT country, COUNT(DISTINCT product) AS products, MAX(profit), MIN(id), AVG(profit)
FROM sales GROUP BY country WITH ROLLUP;
-- HAVING sees the super-aggregate rows too.
SELECT year, country, SUM(profit) AS p FROM sales GROUP BY year, country WITH ROLLUP HAVING p > 1000;
-- Expressions over the keys, and a key that is an expression.
SELECT year, IFNULL(country, 'all') AS c, SUM(profit) FROM sales WHERE year = 2000 GROUP BY year, country WITH ROLLUP;
SELECT year + 1 AS next_year, SUM(profit) FROM sales GROUP BY year + 1 WITH ROLLUP;
SELECT LEFT(product, 1) AS initial, COUNT(*) FROM sales GROUP BY LEFT(product, 1) WITH ROLLUP;
-- Positional and alias keys.
SELECT country AS c, SUM(profit) FROM sales GROUP BY 1 WITH ROLLUP;
-- Nothing to roll up: no rows at all.
SELECT year, SUM(profit) FROM sales WHERE id > 100 GROUP BY year WITH ROLLUP;
-- In a derived table, sorted outside.
SELECT * FROM (SELECT country, SUM(profit) AS p FROM sales GROUP BY country WITH ROLLUP) t ORDER BY p DESC;
DROP DATABASE g16;
