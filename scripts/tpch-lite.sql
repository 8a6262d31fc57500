-- A small TPC-H-like schema (7 tables, 40,000 lineitems) generated in SQL alone, for the
-- join test in tests/joins.rs and scripts/bench-joins.sh. Runs as is on Borealis, MySQL
-- and MariaDB (the recursion stays under MySQL's default cte_max_recursion_depth).
CREATE TABLE seq (n INT PRIMARY KEY);
INSERT INTO seq WITH RECURSIVE s (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 199)
  SELECT a.n * 200 + b.n + 1 FROM s AS a, s AS b;
CREATE TABLE region (r_regionkey INT PRIMARY KEY, r_name CHAR(25) NOT NULL);
INSERT INTO region VALUES (0, 'AFRICA'), (1, 'AMERICA'), (2, 'ASIA'), (3, 'EUROPE'),
  (4, 'MIDDLE EAST');
CREATE TABLE nation (n_nationkey INT PRIMARY KEY, n_name CHAR(25) NOT NULL,
  n_regionkey INT NOT NULL);
INSERT INTO nation SELECT n - 1, CONCAT('NATION', n - 1), (n - 1) % 5 FROM seq WHERE n <= 25;
CREATE TABLE supplier (s_suppkey INT PRIMARY KEY, s_name CHAR(25) NOT NULL,
  s_nationkey INT NOT NULL, s_acctbal DECIMAL(15,2) NOT NULL);
INSERT INTO supplier SELECT n, CONCAT('Supplier#', n), (n * 7) % 25, ((n * 37) % 10000) * 0.01
  FROM seq WHERE n <= 200;
CREATE TABLE customer (c_custkey INT PRIMARY KEY, c_name VARCHAR(25) NOT NULL,
  c_nationkey INT NOT NULL, c_mktsegment CHAR(10) NOT NULL);
INSERT INTO customer SELECT n, CONCAT('Customer#', n), (n * 11) % 25,
  CASE n % 5 WHEN 0 THEN 'AUTOMOBILE' WHEN 1 THEN 'BUILDING' WHEN 2 THEN 'FURNITURE'
    WHEN 3 THEN 'HOUSEHOLD' ELSE 'MACHINERY' END
  FROM seq WHERE n <= 3000;
CREATE TABLE part (p_partkey INT PRIMARY KEY, p_name VARCHAR(55) NOT NULL,
  p_type VARCHAR(25) NOT NULL);
INSERT INTO part SELECT n, CONCAT('part ', n),
  CASE n % 6 WHEN 0 THEN 'ECONOMY ANODIZED STEEL' WHEN 1 THEN 'STANDARD POLISHED TIN'
    WHEN 2 THEN 'PROMO BRUSHED COPPER' WHEN 3 THEN 'LARGE PLATED BRASS'
    WHEN 4 THEN 'SMALL BURNISHED NICKEL' ELSE 'MEDIUM ANODIZED STEEL' END
  FROM seq WHERE n <= 2000;
CREATE TABLE orders (o_orderkey INT PRIMARY KEY, o_custkey INT NOT NULL,
  o_orderdate DATE NOT NULL, o_totalprice DECIMAL(15,2) NOT NULL);
INSERT INTO orders SELECT n, (n * 17) % 3000 + 1, DATE_ADD('1993-01-01', INTERVAL (n * 13) % 1500 DAY),
  ((n * 97) % 100000) * 0.1 FROM seq WHERE n <= 10000;
CREATE TABLE lineitem (l_orderkey INT NOT NULL, l_linenumber INT NOT NULL,
  l_partkey INT NOT NULL, l_suppkey INT NOT NULL, l_quantity DECIMAL(15,2) NOT NULL,
  l_extendedprice DECIMAL(15,2) NOT NULL, l_discount DECIMAL(15,2) NOT NULL,
  PRIMARY KEY (l_orderkey, l_linenumber));
INSERT INTO lineitem SELECT (n - 1) DIV 4 + 1, (n - 1) % 4 + 1, (n * 7) % 2000 + 1,
  (n * 13) % 200 + 1, n % 50 + 1, ((n * 37) % 100000) * 0.01, (n % 10) * 0.01 FROM seq;
