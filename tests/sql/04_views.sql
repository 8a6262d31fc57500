-- Views: created, queried alone and in joins, replaced and dropped. Writes through views
-- are in 18_updatable_views.sql.
DROP DATABASE IF EXISTS g4;
CREATE DATABASE g4;
USE g4;
CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(8,2) NOT NULL);
CREATE TABLE customer (id INT PRIMARY KEY, name VARCHAR(30) NOT NULL);
INSERT INTO customer VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cid');
INSERT INTO orders VALUES (1, 1, 10.00), (2, 1, 150.00), (3, 2, 300.50), (4, 3, 99.99);
CREATE VIEW big_orders AS SELECT id, customer_id, amount FROM orders WHERE amount > 100;
SELECT * FROM big_orders ORDER BY id;
SELECT c.name, b.amount FROM big_orders b JOIN customer c ON c.id = b.customer_id ORDER BY c.name;
SELECT COUNT(*), SUM(amount) FROM big_orders;
CREATE VIEW per_customer (who, total) AS SELECT customer_id, SUM(amount) FROM orders GROUP BY customer_id;
SELECT * FROM per_customer WHERE total > 50 ORDER BY who;
SHOW FULL TABLES;
SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'g4' ORDER BY table_name;
SELECT table_name, check_option, is_updatable, security_type FROM information_schema.views WHERE table_schema = 'g4' ORDER BY table_name;
INSERT INTO orders VALUES (5, 2, 500.00);
SELECT id FROM big_orders ORDER BY id;
CREATE OR REPLACE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 200;
SELECT * FROM big_orders ORDER BY id;
USE information_schema;
SELECT * FROM g4.big_orders ORDER BY id;
USE g4;
DROP VIEW big_orders, per_customer;
DROP VIEW IF EXISTS big_orders;
SHOW TABLES;
DROP DATABASE g4;
