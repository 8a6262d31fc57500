//! SET and BIT columns and the other column-type forms of MySQL schemas (issue 27 part 3) end to end with the real clients: what MySQL 8.0
//! prints where MariaDB differs (SHOW CREATE TABLE, the column metadata the protocol
//! sends), a MariaDB 10.11 replica that streams the rows and ends equal (CHECKSUM TABLE),
//! `mysqlbinlog -v` decoding the row events, a restart, a `mysqldump --hex-blob` round trip and
//! PyMySQL reading the values. What MariaDB shares is in tests/sql/22_set_bit.sql.

mod harness;

use std::process::Command;

use harness::*;

fn run(b: &Borealis, q: &str) -> String {
    let out = b.mysql(&["-N", "-B", "-e", q], "");
    assert!(out.status.success(), "{q}: {}", text(&out.stderr));
    text(&out.stdout)
}

const SCHEMA: &str = "CREATE DATABASE ct;
CREATE TABLE ct.film (
  id INT PRIMARY KEY,
  special_features SET('Trailers','Commentaries','Deleted Scenes','Behind the Scenes') DEFAULT NULL,
  perms SET('r','w','x') NOT NULL DEFAULT 'r,w',
  flags BIT(10) DEFAULT b'101',
  one BIT NOT NULL DEFAULT 0,
  wide SET('m0','m1','m2','m3','m4','m5','m6','m7','m8','m9','m10','m11','m12','m13','m14','m15','m16','m17','m18','m19','m20','m21','m22','m23','m24','m25','m26','m27','m28','m29','m30','m31','m32','m33','m34','m35','m36','m37','m38','m39'),
  KEY (perms)
);
";

const WORKLOAD: &str = "INSERT INTO ct.film VALUES
  (1, 'Trailers,Deleted Scenes', 'r', b'1', 1, 'm0,m39'),
  (2, NULL, 'w,x,r', 1023, 0, ''),
  (3, '', DEFAULT, NULL, b'1', 'm20'),
  (4, 'Behind the Scenes,Commentaries', 7, 0x0201, 0, 1099511627775);
UPDATE ct.film SET perms = 'x', flags = flags ^ 3, special_features = 'Trailers' WHERE id IN (2, 3);
DELETE FROM ct.film WHERE id = 1;
INSERT INTO ct.film (id) VALUES (5);
";

#[test]
fn set_show_create_and_metadata_as_mysql_8() {
    let b = Borealis::start("set-meta");
    run(&b, SCHEMA);
    let create = run(&b, "SHOW CREATE TABLE ct.film");
    assert!(
        create.contains(
            "`special_features` set('Trailers','Commentaries','Deleted Scenes','Behind the Scenes') DEFAULT NULL,\\n  `perms` set('r','w','x') NOT NULL DEFAULT 'r,w',\\n  `flags` bit(10) DEFAULT b'101',\\n  `one` bit(1) NOT NULL DEFAULT b'0',"
        ),
        "{create}"
    );
    assert_eq!(
        run(
            &b,
            "SELECT COLUMN_TYPE, COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'ct' AND COLUMN_NAME = 'perms'"
        ),
        "set('r','w','x')\tr,w\n"
    );
    run(&b, WORKLOAD);
    // The protocol sends a SET as MySQL does: MYSQL_TYPE_STRING (254) with SET_FLAG.
    let out = b.mysql(
        &[
            "--table",
            "--column-type-info",
            "-e",
            "SELECT perms FROM ct.film WHERE id = 2",
        ],
        "",
    );
    let info = text(&out.stdout);
    assert!(info.contains("Type:       STRING"), "{info}");
    assert!(info.contains("SET"), "{info}");
    // A BIT column is MYSQL_TYPE_BIT (16), UNSIGNED and BINARY, its value the big-endian
    // bytes (the client shows them as hex with --binary-as-hex, and a NULL there as `0x`).
    let out = b.mysql(
        &[
            "--table",
            "--column-type-info",
            "-e",
            "SELECT flags FROM ct.film WHERE id = 2",
        ],
        "",
    );
    let info = text(&out.stdout);
    assert!(info.contains("Type:       BIT"), "{info}");
    assert!(
        info.contains("UNSIGNED") && info.contains("BINARY"),
        "{info}"
    );
    let out = b.mysql(
        &[
            "-N",
            "-B",
            "--binary-as-hex",
            "-e",
            "SELECT flags, one, flags+0, BIN(flags), HEX(flags) FROM ct.film ORDER BY id",
        ],
        "",
    );
    assert_eq!(
        text(&out.stdout),
        "0x03FC\t0x00\t1020\t1111111100\t3FC\n\
         0x\t0x01\tNULL\tNULL\tNULL\n\
         0x0201\t0x00\t513\t1000000001\t201\n\
         0x0005\t0x00\t5\t101\t5\n",
        "{}",
        text(&out.stderr)
    );
    // PyMySQL reads SET as text (type 254) and BIT as bytes (type 16).
    let py = format!(
        "import pymysql\n\
         c = pymysql.connect(host='127.0.0.1', port={}, user='admin', password='{PASSWORD}')\n\
         cur = c.cursor()\n\
         cur.execute('SELECT flags, one FROM ct.film ORDER BY id')\n\
         print(cur.description[0][1], cur.description[1][1])\n\
         for r in cur.fetchall(): print(repr(r))\n",
        b.port
    );
    let out = Command::new("python3")
        .args(["-c", &py])
        .output()
        .expect("python3");
    assert_eq!(
        text(&out.stdout),
        "16 16\n(b'\\x03\\xfc', b'\\x00')\n(None, b'\\x01')\n(b'\\x02\\x01', b'\\x00')\n(b'\\x00\\x05', b'\\x00')\n",
        "{}",
        text(&out.stderr)
    );
    // PyMySQL reads the text (and sees type 254).
    let py = format!(
        "import pymysql\n\
         c = pymysql.connect(host='127.0.0.1', port={}, user='admin', password='{PASSWORD}')\n\
         cur = c.cursor()\n\
         cur.execute('SELECT special_features, perms, perms+0 FROM ct.film ORDER BY id')\n\
         print(cur.description[0][1], cur.description[1][1])\n\
         for r in cur.fetchall(): print(repr(r))\n",
        b.port
    );
    let out = Command::new("python3")
        .args(["-c", &py])
        .output()
        .expect("python3");
    assert_eq!(
        text(&out.stdout),
        "254 254\n\
         ('Trailers', 'x', 4)\n\
         ('Trailers', 'x', 4)\n\
         ('Commentaries,Behind the Scenes', 'r,w,x', 7)\n\
         (None, 'r,w', 3)\n",
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn set_replicates_dumps_and_survives_restart() {
    let b = Borealis::start("set-repl");
    create_repl_user(b.port);
    let st = run(&b, "SHOW MASTER STATUS");
    let f: Vec<&str> = st.trim_end().split('\t').collect();
    let m = replica("set-replica");
    start_replica(&m, b.port, f[0], f[1].parse().unwrap());
    run(&b, SCHEMA);
    run(&b, WORKLOAD);
    wait_converged(&m, b.port, &["ct.film"]);
    let q = "SELECT id, special_features, perms, perms+0, flags+0, one+0, wide+0 FROM ct.film ORDER BY id";
    let want = run(&b, q);
    assert_eq!(msql(&m, q), want);

    // mysqlbinlog -v decodes the row events (a SET shows as its bitmask).
    let out = Command::new("mysqlbinlog")
        .args([
            "-v",
            "--read-from-remote-server",
            "-h127.0.0.1",
            &format!("-P{}", b.port),
            "-uadmin",
            &format!("-p{PASSWORD}"),
            f[0],
        ])
        .output()
        .unwrap();
    let log = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        log.contains("###   @3=b'00000011'") || log.contains("###   @3=3"),
        "{log}"
    );

    // A mysqldump round trip: SET values are dumped as text and load back equal.
    let dump = mysqldump(&b, &["--hex-blob", "--databases", "ct"]);
    assert!(dump.contains("'Commentaries,Behind the Scenes'"), "{dump}");
    // With --hex-blob mysqldump writes a BIT value as hex (without it, as its raw bytes).
    assert!(dump.contains("0x0201"), "{dump}");
    let sum = run(&b, "CHECKSUM TABLE ct.film");
    run(&b, "DROP DATABASE ct");
    let load = b.mysql(&[], &dump);
    assert!(load.status.success(), "{}", text(&load.stderr));
    assert_eq!(run(&b, "CHECKSUM TABLE ct.film"), sum);
    assert_eq!(run(&b, q), want);

    // And after a restart.
    let mut b = b;
    assert!(b.stop().success());
    let b = b.restart();
    assert_eq!(run(&b, q), want);
    assert_eq!(
        run(&b, "SELECT id FROM ct.film WHERE perms = 'x' ORDER BY id"),
        "2\n3\n"
    );
}

/// MySQL schemas (sakila's `VARCHAR(40) BINARY`, `CHARACTER SET binary`, the integer
/// synonyms) load, and SHOW CREATE TABLE prints them as MySQL 8.0 does.
#[test]
fn binary_attribute_charset_binary_and_integer_synonyms() {
    let b = Borealis::start("col-forms");
    run(
        &b,
        "CREATE DATABASE cf; CREATE TABLE cf.t (
           a VARCHAR(40) BINARY NOT NULL, b CHAR(5) BINARY, c TEXT BINARY,
           d VARCHAR(3) CHARACTER SET binary, e TEXT CHARACTER SET binary,
           f CHAR(2) CHARACTER SET binary, n VARCHAR(4) CHARACTER SET latin1 COLLATE latin1_bin,
           g INT1, h INT2, i INT3, j INT4, k INT8, l MIDDLEINT, m SERIAL, o BOOL, p INTEGER,
           bin BINARY(4))",
    );
    let create = run(&b, "SHOW CREATE TABLE cf.t");
    for want in [
        "`a` varchar(40) COLLATE utf8mb4_bin NOT NULL,",
        "`b` char(5) COLLATE utf8mb4_bin DEFAULT NULL,",
        "`c` text COLLATE utf8mb4_bin,",
        "`d` varbinary(3) DEFAULT NULL,",
        "`e` blob,",
        "`f` binary(2) DEFAULT NULL,",
        "`n` varchar(4) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT NULL,",
        "`g` tinyint DEFAULT NULL,",
        "`h` smallint DEFAULT NULL,",
        "`i` mediumint DEFAULT NULL,",
        "`j` int DEFAULT NULL,",
        "`k` bigint DEFAULT NULL,",
        "`l` mediumint DEFAULT NULL,",
        "`m` bigint unsigned NOT NULL AUTO_INCREMENT,",
        "`o` tinyint(1) DEFAULT NULL,",
        "`p` int DEFAULT NULL,",
        "`bin` binary(4) DEFAULT NULL,",
        "UNIQUE KEY `m` (`m`)",
    ] {
        assert!(create.contains(want), "{want} not in {create}");
    }
    // The _bin collation compares case-sensitively.
    run(&b, "INSERT INTO cf.t (a) VALUES ('Abc'), ('abc')");
    assert_eq!(
        run(&b, "SELECT COUNT(*), MAX(m) FROM cf.t WHERE a = 'abc'"),
        "1\t2\n"
    );
}
