-- Stored programs: triggers BEFORE/AFTER on INSERT, UPDATE and DELETE (SET NEW, IF,
-- DECLARE, SIGNAL, writes to other tables), stored functions in expressions, procedures
-- with OUT parameters, and the errors MySQL gives at CREATE and at run time.
DROP DATABASE IF EXISTS g5;
CREATE DATABASE g5;
USE g5;
CREATE TABLE orders (id INT PRIMARY KEY AUTO_INCREMENT, customer_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL, status VARCHAR(20) NOT NULL DEFAULT 'new');
CREATE TABLE audit (n INT PRIMARY KEY AUTO_INCREMENT, what VARCHAR(40), order_id INT, amount DECIMAL(10,2));
CREATE TABLE totals (customer_id INT PRIMARY KEY, total DECIMAL(12,2) NOT NULL);

CREATE TRIGGER orders_bi BEFORE INSERT ON orders FOR EACH ROW SET NEW.status = LOWER(NEW.status);
DELIMITER ;;
CREATE TRIGGER orders_bi_check BEFORE INSERT ON orders FOR EACH ROW
BEGIN
  DECLARE lim DECIMAL(10,2) DEFAULT 1000;
  IF NEW.amount < 0 THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'amount must not be negative';
  ELSEIF NEW.amount > lim THEN
    SET NEW.status = 'review';
  END IF;
END;;
CREATE TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW
BEGIN
  INSERT INTO audit (what, order_id, amount) VALUES ('insert', NEW.id, NEW.amount);
  INSERT INTO totals VALUES (NEW.customer_id, NEW.amount) ON DUPLICATE KEY UPDATE total = total + NEW.amount;
END;;
CREATE TRIGGER orders_bu BEFORE UPDATE ON orders FOR EACH ROW
BEGIN
  IF NEW.status <> OLD.status AND OLD.status = 'shipped' THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'shipped orders are final';
  END IF;
  SET NEW.status = UPPER(NEW.status);
END;;
CREATE TRIGGER orders_au AFTER UPDATE ON orders FOR EACH ROW
  INSERT INTO audit (what, order_id, amount) VALUES (CONCAT('update ', OLD.status, '>', NEW.status), NEW.id, NEW.amount - OLD.amount);;
CREATE TRIGGER orders_bd BEFORE DELETE ON orders FOR EACH ROW
BEGIN
  IF OLD.status = 'SHIPPED' THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'cannot delete a shipped order', MYSQL_ERRNO = 1644;
  END IF;
END;;
CREATE TRIGGER orders_ad AFTER DELETE ON orders FOR EACH ROW
  UPDATE totals SET total = total - OLD.amount WHERE customer_id = OLD.customer_id;;
DELIMITER ;

INSERT INTO orders (customer_id, amount, status) VALUES (1, 10.00, 'PAID');
INSERT INTO orders (customer_id, amount, status) VALUES (1, 5.50, 'New'), (2, 2000, 'NEW'), (2, 7.25, 'Paid');
INSERT INTO orders (customer_id, amount) VALUES (3, -1);
INSERT INTO orders (customer_id, amount) VALUES (3, 1), (3, -2);
SELECT * FROM orders ORDER BY id;
SELECT * FROM audit ORDER BY n;
SELECT * FROM totals ORDER BY customer_id;
UPDATE orders SET status = 'shipped' WHERE id = 1;
UPDATE orders SET status = 'paid' WHERE id = 1;
UPDATE orders SET amount = amount + 1 WHERE customer_id = 2;
DELETE FROM orders WHERE id = 1;
DELETE FROM orders WHERE id = 2;
SELECT * FROM orders ORDER BY id;
SELECT what, order_id, amount FROM audit ORDER BY n;
SELECT * FROM totals ORDER BY customer_id;
-- A failing trigger undoes its statement's rows, in a transaction too. (Ids after a failed
-- multi-row INSERT are not shown: InnoDB reserves a block of AUTO_INCREMENT values.)
BEGIN;
INSERT INTO orders (customer_id, amount) VALUES (4, 1);
INSERT INTO orders (customer_id, amount) VALUES (4, 2), (4, -3);
COMMIT;
SELECT customer_id, amount FROM orders WHERE customer_id = 4;
SELECT * FROM totals WHERE customer_id = 4;

SELECT trigger_name, event_manipulation, event_object_table, action_order, action_timing FROM information_schema.triggers WHERE trigger_schema = 'g5' ORDER BY event_object_table, event_manipulation, action_timing, action_order;
SHOW TRIGGERS LIKE 'nothing';

-- CREATE-time errors.
CREATE TRIGGER orders_bi BEFORE INSERT ON orders FOR EACH ROW SET NEW.amount = 1;
CREATE TRIGGER bad1 AFTER INSERT ON orders FOR EACH ROW SET NEW.amount = 1;
CREATE TRIGGER bad2 BEFORE DELETE ON orders FOR EACH ROW SET @x = NEW.amount;
CREATE TRIGGER bad3 BEFORE INSERT ON orders FOR EACH ROW SET @x = OLD.amount;
CREATE TRIGGER bad4 BEFORE INSERT ON nosuch FOR EACH ROW SET @x = 1;
CREATE TRIGGER bad5 BEFORE INSERT ON orders FOR EACH ROW SELECT 1;
DROP TRIGGER nosuch;
DROP TRIGGER IF EXISTS nosuch;
DROP TRIGGER orders_bd;
DELETE FROM orders WHERE status = 'SHIPPED';
SELECT COUNT(*) FROM orders;

-- Stored functions.
DELIMITER ;;
CREATE FUNCTION order_total(c INT) RETURNS DECIMAL(12,2) READS SQL DATA
RETURN (SELECT COALESCE(SUM(amount), 0) FROM orders WHERE customer_id = c);;
CREATE FUNCTION grade(a DECIMAL(10,2)) RETURNS VARCHAR(10) DETERMINISTIC
BEGIN
  DECLARE g VARCHAR(10);
  IF a >= 1000 THEN SET g = 'big';
  ELSEIF a >= 10 THEN SET g = 'medium';
  ELSE SET g = 'small';
  END IF;
  RETURN g;
END;;
CREATE FUNCTION fact(n INT) RETURNS BIGINT DETERMINISTIC
BEGIN
  DECLARE r BIGINT DEFAULT 1;
  WHILE n > 1 DO
    SET r = r * n, n = n - 1;
  END WHILE;
  RETURN r;
END;;
DELIMITER ;
SELECT order_total(2), order_total(99), grade(5), grade(50), grade(5000), fact(10);
SELECT customer_id, amount, grade(amount) FROM orders ORDER BY id;
SELECT customer_id, amount FROM orders WHERE grade(amount) = 'medium' ORDER BY id;
SELECT g5.fact(5);
SELECT order_total();
SELECT nosuch_function(1);
CREATE FUNCTION order_total(c INT) RETURNS INT RETURN 1;
DELIMITER ;;
CREATE FUNCTION noret(c INT) RETURNS INT BEGIN SET @x = 1; END;;
CREATE FUNCTION sel(c INT) RETURNS INT BEGIN SELECT 1; RETURN 1; END;;
DELIMITER ;
SELECT routine_name, routine_type, data_type, is_deterministic, sql_data_access FROM information_schema.routines WHERE routine_schema = 'g5' ORDER BY routine_name;
SELECT specific_name, ordinal_position, parameter_mode, parameter_name, data_type FROM information_schema.parameters WHERE specific_schema = 'g5' ORDER BY specific_name, ordinal_position;

-- Procedures with IN and OUT parameters and result sets.
DELIMITER ;;
CREATE PROCEDURE add_order(IN c INT, IN a DECIMAL(10,2))
  INSERT INTO orders (customer_id, amount) VALUES (c, a);;
CREATE PROCEDURE stats(IN c INT, OUT n INT, OUT total DECIMAL(12,2))
BEGIN
  SELECT COUNT(*), COALESCE(SUM(amount), 0) INTO n, total FROM orders WHERE customer_id = c;
END;;
CREATE PROCEDURE bump(INOUT x INT, IN by_ INT)
BEGIN
  SET x = x + by_;
END;;
CREATE PROCEDURE listing(IN c INT)
BEGIN
  SELECT customer_id, amount FROM orders WHERE customer_id = c ORDER BY id;
END;;
DELIMITER ;
CALL add_order(5, 12.50);
CALL add_order(5, 7.50);
CALL stats(5, @n, @t);
SELECT CONCAT(@n, ' ', @t) AS stats;
SET @v = 10;
CALL bump(@v, 5);
SELECT CONCAT('v=', @v) AS v;
CALL listing(5);
CALL add_order(5);
CALL stats(5, 1, @t);
CALL nosuch(1);
SELECT * FROM totals ORDER BY customer_id;
SHOW PROCEDURE STATUS WHERE Db = 'nosuchdb';

-- DO inside a program evaluates for effects only.
DELIMITER ;;
CREATE PROCEDURE do_it(n INT)
BEGIN
  DO SLEEP(0), GET_LOCK(CONCAT('do_it_', n), 0);
  SET @after = n + 1;
END;;
DELIMITER ;
CALL do_it(21);
SELECT IS_FREE_LOCK('do_it_21'), @after, RELEASE_LOCK('do_it_21');
DROP PROCEDURE do_it;

DROP FUNCTION grade;
DROP FUNCTION IF EXISTS grade;
DROP FUNCTION grade;
DROP PROCEDURE bump;
DROP PROCEDURE nosuch;
SELECT routine_name FROM information_schema.routines WHERE routine_schema = 'g5' ORDER BY routine_name;
-- Dropping a table drops its triggers.
DROP TABLE orders;
SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = 'g5';
DROP DATABASE g5;
SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = 'g5';
