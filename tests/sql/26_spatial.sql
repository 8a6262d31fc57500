-- Geometry columns and the common spatial functions where MariaDB 10.11 and MySQL 8.0
-- agree. MySQL 8.0's own spellings (MULTIPOINT((1 2)), GEOMCOLLECTION, `/*!80003 SRID n */`
-- in SHOW CREATE TABLE, 3643 for a column's SRID, 3516 for a wrong geometry type) are in
-- tests/spatial.rs.
DROP DATABASE IF EXISTS g26;
CREATE DATABASE g26;
USE g26;
CREATE TABLE address (
  address_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  address VARCHAR(50) NOT NULL,
  district VARCHAR(20) NOT NULL,
  location GEOMETRY NOT NULL /*!80003 SRID 0 */,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (address_id),
  SPATIAL KEY idx_location (location)
);
INSERT INTO address VALUES (1,'47 MySakila Drive','Alberta',0x0000000001010000003E0A325D63345CC0761FDB8D99D94840,'2014-09-25 22:30:27');
INSERT INTO address VALUES (2,'28 MySQL Boulevard','QLD',ST_GeomFromText('POINT(153.1913094 -27.6333373)'),'2014-09-25 22:30:09');
INSERT INTO address (address, district, location, last_update) VALUES ('23 Workhaven Lane', 'Alberta', POINT(-112.8185673, 49.6999951), '2014-09-25 22:30:27');
INSERT INTO address (address, district, location) VALUES ('bad', 'x', 0x0102);
INSERT INTO address (address, district, location) VALUES ('bad', 'x', 'POINT(1 2)');
INSERT INTO address (address, district, location) VALUES ('bad', 'x', NULL);
INSERT INTO address (address, district) VALUES ('bad', 'x');
SELECT address_id, address, last_update, ST_AsText(location), ST_X(location), ST_Y(location), HEX(location) FROM address ORDER BY address_id;
SELECT address_id, ST_AsText(location) FROM address WHERE MBRContains(ST_GeomFromText('POLYGON((-120 40,-100 40,-100 60,-120 60,-120 40))'), location) ORDER BY address_id;
SELECT address_id FROM address WHERE ST_Contains(ST_GeomFromText('POLYGON((100 -30,160 -30,160 -20,100 -20,100 -30))'), location);
SELECT INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART, NULLABLE, INDEX_TYPE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'g26' AND TABLE_NAME = 'address' ORDER BY INDEX_NAME;
UPDATE address SET location = POINT(1, 2) WHERE address_id = 3;
SELECT address_id, ST_AsText(location) FROM address ORDER BY address_id;
DELETE FROM address WHERE ST_X(location) = 1;
SELECT COUNT(*) FROM address;
CREATE TABLE n (id INT PRIMARY KEY, g GEOMETRY);
CREATE TABLE bad (id INT PRIMARY KEY, g GEOMETRY, SPATIAL KEY (g));
CREATE TABLE shapes (id INT PRIMARY KEY, p POINT, l LINESTRING, pg POLYGON, mp MULTIPOINT,
  ml MULTILINESTRING, mpg MULTIPOLYGON, gc GEOMETRYCOLLECTION, g GEOMETRY);
INSERT INTO shapes (id, p, l, pg) VALUES (1, POINT(1, 2), ST_GeomFromText('LINESTRING(0 0,3 4,6 8)'),
  ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,4 2,4 4,2 4,2 2))'));
INSERT INTO shapes (id, g) VALUES (5, ST_GeomFromText('MULTILINESTRING((0 0,1 1),(2 2,3 3))'));
SELECT id, ST_AsText(p), ST_AsText(l), ST_AsText(pg), ST_AsText(g) FROM shapes ORDER BY id;
SELECT ST_Length(l), ST_NumPoints(l), ST_Area(pg), ST_AsText(ST_Envelope(pg)), ST_AsText(ST_Envelope(l)) FROM shapes WHERE id = 1;
SELECT ST_Length(g) FROM shapes WHERE id = 5;
SELECT ST_Distance(p, pg), ST_Distance(POINT(13, 14), pg), ST_Distance(POINT(0, 0), POINT(3, 4)) FROM shapes WHERE id = 1;
SELECT ST_Contains(pg, POINT(5, 5)), ST_Contains(pg, POINT(3, 3)), ST_Within(POINT(5, 5), pg), ST_Within(POINT(50, 5), pg) FROM shapes WHERE id = 1;
SELECT MBRContains(pg, POINT(3, 3)), MBRWithin(p, pg), MBRIntersects(l, pg), MBRIntersects(POINT(20, 20), pg) FROM shapes WHERE id = 1;
SELECT ST_AsText(ST_GeomFromText('POINT(-112.8185647 49.6999986)')), ST_AsText(POINT(1.5, -0.25));
SELECT ST_AsText(ST_GeomFromText('  linestring ( 1 2 , 3 4 ) ')), ST_AsText(ST_GeometryFromText('POLYGON((0 0,1 0,1 1,0 0))'));
SELECT ST_GeometryType(POINT(1, 2)), ST_GeometryType(ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))')), ST_IsEmpty(POINT(1, 2));
SELECT HEX(ST_AsBinary(POINT(1, 2))), HEX(ST_AsWKB(POINT(1, 2))), ST_AsText(ST_GeomFromWKB(ST_AsBinary(POINT(3, 4))));
SELECT ST_AsText(ST_PointFromText('POINT(7 8)')), ST_X(POINT(7, 8)), ST_Y(POINT(7, 8)), ST_SRID(POINT(7, 8));
SELECT ST_AsText(LINESTRING(POINT(0, 0), POINT(1, 1))), ST_AsText(POLYGON(LINESTRING(POINT(0, 0), POINT(1, 0), POINT(1, 1), POINT(0, 0))));
SELECT ST_AsText(ST_GeomFromText(NULL)), ST_X(NULL), ST_AsText(NULL), ST_Distance(NULL, POINT(1, 1));
SELECT p = POINT(1, 2), p = POINT(2, 1) FROM shapes WHERE id = 1;
CREATE TABLE trig_src (id INT PRIMARY KEY, lon DOUBLE, lat DOUBLE);
CREATE TABLE trig_dst (id INT PRIMARY KEY, loc GEOMETRY NOT NULL);
CREATE TRIGGER t_ai AFTER INSERT ON trig_src FOR EACH ROW
  INSERT INTO trig_dst VALUES (NEW.id, ST_GeomFromText(CONCAT('POINT(', NEW.lon, ' ', NEW.lat, ')')));
INSERT INTO trig_src VALUES (1, 10.5, -3.25), (2, 0, 0);
SELECT id, ST_AsText(loc) FROM trig_dst ORDER BY id;
SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'g26' AND TABLE_NAME = 'shapes' AND COLUMN_NAME IN ('p', 'l', 'pg', 'g') ORDER BY ORDINAL_POSITION;
CREATE SPATIAL INDEX sp ON trig_dst (loc);
SELECT INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART, NULLABLE, INDEX_TYPE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'g26' AND TABLE_NAME = 'trig_dst' ORDER BY INDEX_NAME;
DROP DATABASE g26;
