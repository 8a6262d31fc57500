//! Geometry columns, SPATIAL keys and the spatial functions end to end with the real
//! `mysql`, `mysqldump` and a MariaDB 10.11 replica. tests/sql/26_spatial.sql holds what
//! MariaDB and MySQL 8.0 answer alike; the expected answers here are MySQL 8.0's where
//! the two differ (from the MySQL 8.0 reference manual and its error list): the sakila
//! schema's `/*!80003 SRID 0 */` and `/*!50705 0x… */` (MariaDB skips versions 50700 to
//! 99999), 1416 for a value of the wrong geometry type (MariaDB: 1366), 3643 for a
//! column's SRID, 3037 for invalid WKT (MariaDB: NULL), 3516, 1687, 1101,
//! `MULTIPOINT((1 2),(3 4))` and `GEOMCOLLECTION`.

mod harness;

use harness::*;

/// The sakila `address` table as MySQL 8.0's sakila-schema.sql declares it, less the
/// columns that do not matter here.
const ADDRESS: &str = "CREATE TABLE address (
  address_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  address VARCHAR(50) NOT NULL,
  district VARCHAR(20) NOT NULL,
  city_id SMALLINT UNSIGNED NOT NULL,
  location GEOMETRY NOT NULL /*!80003 SRID 0 */,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY  (address_id),
  KEY idx_fk_city_id (city_id),
  SPATIAL KEY idx_location (location)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

/// Rows as sakila-data.sql writes them, and one through a trigger as sakila's own
/// triggers call ST_GeomFromText.
const ROWS: &str = "INSERT INTO address VALUES
 (1,'47 MySakila Drive','Alberta',300,/*!50705 0x0000000001010000003E0A325D63345CC0761FDB8D99D94840,*/'2014-09-25 22:30:27'),
 (2,'28 MySQL Boulevard','QLD',576,/*!50705 0x0000000001010000005B0DE4341F26634042D6AE6422A23BC0,*/'2014-09-25 22:30:09');
CREATE TABLE staging (id INT PRIMARY KEY, addr VARCHAR(50), lon DOUBLE, lat DOUBLE);
CREATE TRIGGER staging_ai AFTER INSERT ON staging FOR EACH ROW
  INSERT INTO address (address, district, city_id, location, last_update)
  VALUES (NEW.addr, 'trigger', 1, ST_GeomFromText(CONCAT('POINT(', NEW.lon, ' ', NEW.lat, ')')), '2020-01-01 00:00:00');
INSERT INTO staging VALUES (1, '23 Workhaven Lane', -112.8185673, 49.6999951), (2, '1411 Lillydale Drive', 153.1913094, -27.6333373);";

const CHECK: &str = "SELECT address_id, address, ST_AsText(location), ST_SRID(location), HEX(location) FROM address ORDER BY address_id";

fn setup(b: &Borealis) {
    sql(b, "CREATE DATABASE sakila");
    let out = b.mysql(&["sakila"], &format!("{ADDRESS};\n{ROWS}\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
}

fn expected_rows() -> &'static str {
    "1\t47 MySakila Drive\tPOINT(-112.8185647 49.6999986)\t0\t0000000001010000003E0A325D63345CC0761FDB8D99D94840\n\
     2\t28 MySQL Boulevard\tPOINT(153.1913094 -27.6333373)\t0\t0000000001010000005B0DE4341F26634042D6AE6422A23BC0\n\
     3\t23 Workhaven Lane\tPOINT(-112.8185673 49.6999951)\t0\t000000000101000000CDC4196863345CC01DEE7E7099D94840\n\
     4\t1411 Lillydale Drive\tPOINT(153.1913094 -27.6333373)\t0\t0000000001010000005B0DE4341F26634042D6AE6422A23BC0\n"
}

#[test]
fn sakila_address_table_loads_shows_and_survives_restart() {
    let b = Borealis::start("spatial-sakila");
    setup(&b);
    assert_eq!(sql(&b, &format!("USE sakila; {CHECK}")), expected_rows());
    let create = show_create(&b, "sakila.address");
    for line in [
        "  `location` geometry NOT NULL /*!80003 SRID 0 */,",
        "  KEY `idx_fk_city_id` (`city_id`),",
        "  SPATIAL KEY `idx_location` (`location`)\n",
    ] {
        assert!(create.contains(line), "{line} not in:\n{create}");
    }
    let idx = sql(
        &b,
        "SHOW INDEX FROM sakila.address WHERE Key_name = 'idx_location'",
    );
    let f: Vec<&str> = idx.trim_end().split('\t').collect();
    assert_eq!(
        (f[2], f[4], f[7], f[10]),
        ("idx_location", "location", "32", "SPATIAL"),
        "{idx}"
    );
    assert_eq!(
        sql(
            &b,
            "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = 'sakila' AND TABLE_NAME = 'address' AND COLUMN_NAME = 'location'"
        ),
        "location\tgeometry\tgeometry\n"
    );
    // A spatial query answers from the rows (the key is not an R-tree; see the README).
    assert_eq!(
        sql(
            &b,
            "SELECT address_id FROM sakila.address WHERE MBRContains(ST_GeomFromText(\
             'POLYGON((-120 40,-100 40,-100 60,-120 60,-120 40))'), location) ORDER BY address_id"
        ),
        "1\n3\n"
    );
    // The result column is MYSQL_TYPE_GEOMETRY (the client's --column-type-info says so).
    let info = b.mysql(
        &[
            "-t",
            "--column-type-info",
            "-e",
            "SELECT location FROM sakila.address LIMIT 1",
        ],
        "",
    );
    let info = text(&info.stdout);
    assert!(info.contains("Type:       GEOMETRY"), "{info}");
    let b = b.restart();
    assert_eq!(sql(&b, &format!("USE sakila; {CHECK}")), expected_rows());
    assert!(show_create(&b, "sakila.address").contains("SPATIAL KEY `idx_location` (`location`)"));
    // Still enforced after the restart: a NULL location, a non-geometry value.
    assert!(err(&b, "INSERT INTO sakila.address (address, district, city_id, location) VALUES ('x', 'x', 1, NULL)").contains("1048"));
    assert!(err(&b, "INSERT INTO sakila.address (address, district, city_id, location) VALUES ('x', 'x', 1, 0x01)").contains("1416"));
}

#[test]
fn answers_as_mysql_8() {
    let b = Borealis::start("spatial-mysql8");
    sql(&b, "CREATE DATABASE d");
    let cases: &[(&str, &str)] = &[
        ("SELECT ST_AsText(ST_GeomFromText('MULTIPOINT(1 2,3 4)'))", "MULTIPOINT((1 2),(3 4))"),
        ("SELECT ST_AsText(ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))'))", "GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))"),
        ("SELECT ST_AsText(ST_GeomFromText('GEOMETRYCOLLECTION EMPTY')), ST_IsEmpty(ST_GeomFromText('GEOMETRYCOLLECTION EMPTY'))", "GEOMETRYCOLLECTION EMPTY\t1"),
        ("SELECT ST_GeometryType(ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 2))'))", "GEOMCOLLECTION"),
        ("SELECT ST_SRID(ST_GeomFromText('POINT(1 2)', 4326)), ST_SRID(ST_SRID(POINT(1, 2), 4326))", "4326\t4326"),
        // SRID 4326 is latitude-longitude in WKT, WKB and ST_X/ST_Y; stored with x the
        // longitude.
        ("SELECT ST_X(ST_GeomFromText('POINT(10 20)', 4326)), ST_Y(ST_GeomFromText('POINT(10 20)', 4326)), ST_AsText(ST_GeomFromText('POINT(10 20)', 4326))", "10\t20\tPOINT(10 20)"),
        ("SELECT HEX(ST_GeomFromText('POINT(10 20)', 4326)), HEX(ST_AsBinary(ST_GeomFromText('POINT(10 20)', 4326)))", "E6100000010100000000000000000034400000000000002440\t010100000000000000000024400000000000003440"),
        ("SELECT ST_AsText(ST_X(POINT(1, 2), 5)), ST_AsText(ST_Y(POINT(1, 2), 5))", "POINT(5 2)\tPOINT(1 5)"),
        ("SELECT ST_AsGeoJSON(POINT(1, 2)), ST_AsGeoJSON(ST_GeomFromText('LINESTRING(0 0,1.5 2)'))", "{\"type\": \"Point\", \"coordinates\": [1.0, 2.0]}\t{\"type\": \"LineString\", \"coordinates\": [[0.0, 0.0], [1.5, 2.0]]}"),
        ("SELECT ST_AsGeoJSON(ST_GeomFromGeoJSON('{\"type\": \"Point\", \"coordinates\": [102.0, 0.5]}')), ST_SRID(ST_GeomFromGeoJSON('{\"type\": \"Point\", \"coordinates\": [102.0, 0.5]}'))", "{\"type\": \"Point\", \"coordinates\": [102.0, 0.5]}\t4326"),
        ("SELECT ST_AsText(ST_Envelope(ST_GeomFromText('LINESTRING(0 0,0 5)'))), ST_AsText(ST_Envelope(POINT(1, 1)))", "LINESTRING(0 0,0 5)\tPOINT(1 1)"),
        ("SELECT ST_Intersects(ST_GeomFromText('LINESTRING(0 0,2 2)'), ST_GeomFromText('LINESTRING(0 2,2 0)')), ST_Disjoint(POINT(5, 5), POINT(1, 1))", "1\t1"),
    ];
    for (q, want) in cases {
        let out = b.mysql(&["-N", "-B", "--raw", "-e", q], "");
        assert!(out.status.success(), "{q}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout).trim_end_matches('\n'), *want, "{q}");
    }
    let errors: &[(&str, &str)] = &[
        // Invalid WKT and WKB are errors in MySQL 8.0 (MariaDB answers NULL).
        ("SELECT ST_GeomFromText('POINT(1)')", "ERROR 3037 (22023)"),
        ("SELECT ST_GeomFromText('LINESTRING(0 0)')", "ERROR 3037"),
        (
            "SELECT ST_GeomFromText('POLYGON((0 0,1 0,1 1))')",
            "ERROR 3037",
        ),
        ("SELECT ST_AsText(0x0102)", "ERROR 3037"),
        ("SELECT ST_X('abc')", "ERROR 3037"),
        (
            "SELECT ST_X(ST_GeomFromText('LINESTRING(0 0,1 1)'))",
            "ERROR 3516",
        ),
        ("SELECT ST_Area(POINT(1, 1))", "ERROR 3516"),
        (
            "SELECT ST_Distance(POINT(1, 1), ST_GeomFromText('POINT(1 1)', 4326))",
            "ERROR 3033",
        ),
        ("SELECT ST_GeomFromText('POINT(1 1)', 12345)", "ERROR 3548"),
        // No geodesic measures: an error, not a planar answer.
        ("SELECT ST_Distance(ST_GeomFromText('POINT(1 1)', 4326), ST_GeomFromText('POINT(2 2)', 4326))", "ERROR 1235"),
        // Columns.
        (
            "CREATE TABLE d.bad (id INT PRIMARY KEY, g INT NOT NULL, SPATIAL KEY (g))",
            "ERROR 1687",
        ),
        (
            "CREATE TABLE d.bad (id INT PRIMARY KEY, g GEOMETRY, SPATIAL KEY (g))",
            "ERROR 1252 (42000)",
        ),
        (
            "CREATE TABLE d.bad (id INT PRIMARY KEY, g GEOMETRY DEFAULT 'x')",
            "ERROR 1101",
        ),
        (
            "CREATE TABLE d.bad (id INT PRIMARY KEY, g INT SRID 0)",
            "ERROR 1221",
        ),
        (
            "CREATE TABLE d.bad (id INT PRIMARY KEY, g POINT SRID 12345)",
            "ERROR 3548",
        ),
    ];
    for (q, want) in errors {
        let e = err(&b, q);
        assert!(e.starts_with(want), "{q}: {e}");
    }
    sql(
        &b,
        "CREATE TABLE d.s (id INT PRIMARY KEY, p POINT SRID 4326, l LINESTRING, g GEOMETRY)",
    );
    let create = show_create(&b, "d.s");
    assert!(
        create.contains("  `p` point /*!80003 SRID 4326 */ DEFAULT NULL,"),
        "{create}"
    );
    assert!(
        create.contains("  `l` linestring DEFAULT NULL,"),
        "{create}"
    );
    for (q, want) in [
        (
            "INSERT INTO d.s (id, p) VALUES (1, POINT(1, 2))",
            "ERROR 3643",
        ),
        (
            "INSERT INTO d.s (id, p) VALUES (1, ST_GeomFromText('LINESTRING(0 0,1 1)', 4326))",
            "ERROR 1416 (22003)",
        ),
        (
            "INSERT INTO d.s (id, l) VALUES (1, POINT(1, 2))",
            "ERROR 1416",
        ),
        ("INSERT INTO d.s (id, g) VALUES (1, 42)", "ERROR 1416"),
        (
            "INSERT INTO d.s (id, g) VALUES (1, 'POINT(1 2)')",
            "ERROR 1416",
        ),
    ] {
        let e = err(&b, q);
        assert!(e.starts_with(want), "{q}: {e}");
    }
    sql(&b, "INSERT INTO d.s VALUES (1, ST_GeomFromText('POINT(10 20)', 4326), LINESTRING(POINT(0,0), POINT(1,1)), _binary 0x000000000101000000000000000000F03F0000000000000040)");
    assert_eq!(
        sql(
            &b,
            "SELECT ST_AsText(p), ST_SRID(p), ST_AsText(l), ST_AsText(g) FROM d.s"
        ),
        "POINT(10 20)\t4326\tLINESTRING(0 0,1 1)\tPOINT(1 2)\n"
    );
    // CREATE SPATIAL INDEX and ALTER TABLE ADD SPATIAL INDEX need a NOT NULL column.
    assert!(err(&b, "CREATE SPATIAL INDEX sp ON d.s (p)").contains("1252"));
    sql(
        &b,
        "CREATE TABLE d.t (id INT PRIMARY KEY, p POINT NOT NULL SRID 0)",
    );
    sql(
        &b,
        "INSERT INTO d.t VALUES (1, POINT(1, 1)), (2, POINT(2, 2))",
    );
    sql(&b, "CREATE SPATIAL INDEX sp ON d.t (p)");
    let idx = sql(&b, "SHOW INDEX FROM d.t WHERE Key_name = 'sp'");
    assert!(idx.contains("\tSPATIAL\t"), "{idx}");
    assert!(err(&b, "ALTER TABLE d.t ADD SPATIAL INDEX sp2 (id)").contains("1687"));
}

/// mysqldump's output as bytes: without --hex-blob the geometry values are raw binary
/// inside string literals, which a lossy UTF-8 conversion would damage.
fn dump_bytes(b: &Borealis, args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new("mysqldump")
        .args([
            "-h127.0.0.1",
            &format!("-P{}", b.port),
            "-uadmin",
            &format!("-p{PASSWORD}"),
        ])
        .args(args)
        .output()
        .expect("mysqldump");
    assert!(out.status.success(), "mysqldump: {}", text(&out.stderr));
    out.stdout
}

#[test]
fn mysqldump_round_trip() {
    let b = Borealis::start("spatial-dump");
    setup(&b);
    let before = sql(&b, &format!("USE sakila; {CHECK}"));
    for args in [
        &["--databases", "sakila"][..],
        &["--hex-blob", "--databases", "sakila"],
    ] {
        let dump = dump_bytes(&b, args);
        let shown = String::from_utf8_lossy(&dump);
        assert!(
            shown.contains("SPATIAL KEY `idx_location` (`location`)"),
            "{shown}"
        );
        assert_eq!(
            args[0] == "--hex-blob",
            shown.contains(",0x000000000101000000"),
            "{args:?}"
        );
        sql(&b, "DROP DATABASE sakila");
        let out = mysql_bytes(b.port, "admin", PASSWORD, &["--binary-mode"], &dump);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        assert_eq!(sql(&b, &format!("USE sakila; {CHECK}")), before, "{args:?}");
    }
}

#[test]
fn mariadb_replica_ends_equal() {
    let b = Borealis::start("spatial-repl");
    let m = replica_of(&b, "spatial-repl");
    setup(&b);
    sql(
        &b,
        "UPDATE sakila.address SET location = POINT(1, 2) WHERE address_id = 2",
    );
    sql(&b, "DELETE FROM sakila.address WHERE address_id = 3");
    wait_converged(&m, b.port, &["sakila.address"]);
    assert_eq!(
        msql(
            &m,
            "SELECT address_id, ST_AsText(location) FROM sakila.address ORDER BY address_id"
        ),
        "1\tPOINT(-112.8185647 49.6999986)\n2\tPOINT(1 2)\n4\tPOINT(153.1913094 -27.6333373)\n"
    );
}
