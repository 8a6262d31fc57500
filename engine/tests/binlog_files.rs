//! Binlog files written by `borealis_engine::binlog`, checked three ways: by the real
//! `mysqlbinlog` (Debian's MariaDB 10.11 `mariadb-binlog`), whose pseudo-SQL must show
//! exactly the values written; by walking the bytes (every `log_pos` is its event's end);
//! and, when `mariadbd` is installed, by a real MariaDB 10.11 replica SQL thread that
//! replays the files as its relay log and must end with the same table contents.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use borealis_engine::binlog::*;
use borealis_engine::value::{
    Collation, Date, DateTime, Decimal, IntKind, LobKind, SqlType, Time, Value,
};
use common::TempDir;

// ---------------------------------------------------------------------------------------
// The sample table and its rows
// ---------------------------------------------------------------------------------------

fn int(kind: IntKind, unsigned: bool) -> SqlType {
    SqlType::Int {
        kind,
        unsigned,
        width: None,
    }
}

const UTF8: Collation = Collation::Utf8mb4GeneralCi;

/// `db`.`t`: a column of every type Borealis has, every one but `id` nullable.
fn every_type_table(metadata: RowMetadata) -> TableMap {
    let text = |kind| SqlType::Text {
        kind,
        collation: UTF8,
    };
    let cols = vec![
        Column::new("id", int(IntKind::Int, false), false),
        Column::new("ti", int(IntKind::Tiny, false), true),
        Column::new("si", int(IntKind::Small, false), true),
        Column::new("mi", int(IntKind::Medium, false), true),
        Column::new("bi", int(IntKind::Big, false), true),
        Column::new("ubi", int(IntKind::Big, true), true),
        Column::new("ui", int(IntKind::Int, true), true),
        Column::new(
            "dec",
            SqlType::Decimal {
                precision: 10,
                scale: 2,
            },
            true,
        ),
        Column::new(
            "dec2",
            SqlType::Decimal {
                precision: 30,
                scale: 10,
            },
            true,
        ),
        Column::new("f", SqlType::Float, true),
        Column::new("d", SqlType::Double, true),
        Column::new(
            "c",
            SqlType::Char {
                len: 10,
                collation: UTF8,
            },
            true,
        ),
        Column::new(
            "c2",
            SqlType::Char {
                len: 100,
                collation: UTF8,
            },
            true,
        ),
        Column::new("bn", SqlType::Binary { len: 4 }, true),
        Column::new(
            "vc",
            SqlType::VarChar {
                len: 20,
                collation: UTF8,
            },
            true,
        ),
        Column::new(
            "vc2",
            SqlType::VarChar {
                len: 100,
                collation: UTF8,
            },
            true,
        ),
        Column::new("vb", SqlType::VarBinary { len: 10 }, true),
        Column::new("tx", text(LobKind::Normal), true),
        Column::new(
            "ttx",
            SqlType::Text {
                kind: LobKind::Tiny,
                collation: Collation::Latin1SwedishCi,
            },
            true,
        ),
        Column::new("ltx", text(LobKind::Long), true),
        Column::new(
            "bl",
            SqlType::Blob {
                kind: LobKind::Normal,
            },
            true,
        ),
        Column::new(
            "mbl",
            SqlType::Blob {
                kind: LobKind::Medium,
            },
            true,
        ),
        Column::new("dt", SqlType::Date, true),
        Column::new("dtm", SqlType::DateTime { fsp: 0 }, true),
        Column::new("dtm6", SqlType::DateTime { fsp: 6 }, true),
        Column::new("ts", SqlType::Timestamp { fsp: 0 }, true),
        Column::new("ts3", SqlType::Timestamp { fsp: 3 }, true),
        Column::new("tm", SqlType::Time { fsp: 0 }, true),
        Column::new("tm2", SqlType::Time { fsp: 2 }, true),
        Column::new("yr", SqlType::Year, true),
        Column::new(
            "en",
            SqlType::Enum {
                values: vec!["small".into(), "medium".into(), "large".into()],
                collation: UTF8,
            },
            true,
        ),
    ];
    let mut map = TableMap::new(71, "db", "t", cols);
    map.primary_key = vec![0];
    map.row_metadata = metadata;
    map
}

/// The same table as SQL, for the Query event and the replica.
const DDL: &str = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, ti TINYINT, si SMALLINT, \
    mi MEDIUMINT, bi BIGINT, ubi BIGINT UNSIGNED, ui INT UNSIGNED, `dec` DECIMAL(10,2), \
    dec2 DECIMAL(30,10), f FLOAT, d DOUBLE, c CHAR(10), c2 CHAR(100), bn BINARY(4), \
    vc VARCHAR(20), vc2 VARCHAR(100), vb VARBINARY(10), tx TEXT, \
    ttx TINYTEXT CHARACTER SET latin1, ltx LONGTEXT, bl BLOB, mbl MEDIUMBLOB, dt DATE, \
    dtm DATETIME, dtm6 DATETIME(6), ts TIMESTAMP NULL, ts3 TIMESTAMP(3) NULL, tm TIME, \
    tm2 TIME(2), yr YEAR, en ENUM('small','medium','large')) DEFAULT CHARSET=utf8mb4";

fn dec(s: &str) -> Value {
    Value::Decimal(Decimal::parse(s).unwrap())
}

fn dt(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8, micro: u32) -> Value {
    Value::DateTime(DateTime {
        date: Date::new(y, mo, d),
        hour: h,
        minute: mi,
        second: s,
        micro,
    })
}

fn time(neg: bool, hour: u16, minute: u8, second: u8, micro: u32) -> Value {
    Value::Time(Time {
        neg,
        hour,
        minute,
        second,
        micro,
    })
}

/// A medium blob longer than 65535 bytes (its length needs the 3-byte prefix).
fn big_blob() -> Vec<u8> {
    vec![b'z'; 70_000]
}

/// Row 1: ordinary values. Row 2: all NULL. Row -3: negatives and extremes.
fn sample_rows() -> Vec<Vec<Value>> {
    let mut nulls = vec![Value::Int(2)];
    nulls.resize(31, Value::Null);
    vec![
        vec![
            Value::Int(1),
            Value::Int(7),
            Value::Int(300),
            Value::Int(70_000),
            Value::Int(5_000_000_000),
            Value::UInt(42),
            Value::UInt(7),
            dec("1234.50"),
            dec("12345678901234567890.0123456789"),
            Value::Float(1.5),
            Value::Double(2.25),
            Value::str("abc"),
            Value::str("wide char column"),
            Value::Bytes(b"ab\0\0".to_vec()),
            Value::str("hello"),
            Value::str(&"x".repeat(90)),
            Value::Bytes(vec![0, 1, 2, 0xFF]),
            Value::str("some text"),
            Value::Bytes(b"caf\xe9".to_vec()),
            Value::str("long text"),
            Value::Bytes(vec![0xDE, 0xAD, 0xBE, 0xEF]),
            Value::str("medium blob"),
            Value::Date(Date::new(2024, 1, 2)),
            dt(2024, 1, 2, 3, 4, 5, 0),
            dt(2024, 2, 29, 12, 34, 56, 123_456),
            dt(2021, 6, 1, 10, 0, 0, 0),
            dt(1970, 1, 1, 0, 0, 1, 500_000),
            time(false, 12, 34, 56, 0),
            time(false, 1, 2, 3, 450_000),
            Value::Year(2024),
            Value::str("medium"),
        ],
        nulls,
        vec![
            Value::Int(-3),
            Value::Int(-128),
            Value::Int(-32768),
            Value::Int(-8_388_608),
            Value::Int(i64::MIN),
            Value::UInt(u64::MAX),
            Value::UInt(u64::from(u32::MAX)),
            dec("-99999999.99"),
            dec("-0.0000000001"),
            Value::Float(-0.25),
            Value::Double(-1e300),
            Value::str("ümlaut é"),
            Value::str(&"日本".repeat(50)),
            Value::Bytes(vec![0xFF, 0, 0, 1]),
            Value::str("日本語テキスト"),
            Value::str("quote ' and \\ backslash"),
            Value::Bytes(Vec::new()),
            Value::str(""),
            Value::Bytes(Vec::new()),
            Value::str("🙂 emoji"),
            Value::Bytes(Vec::new()),
            Value::Bytes(big_blob()),
            Value::Date(Date::new(1000, 1, 1)),
            dt(9999, 12, 31, 23, 59, 59, 0),
            dt(1000, 1, 1, 0, 0, 0, 1),
            dt(2038, 1, 19, 3, 14, 7, 0),
            dt(1970, 1, 1, 0, 0, 1, 0),
            time(true, 838, 59, 59, 0),
            time(true, 1, 2, 3, 450_000),
            Value::Year(1901),
            Value::str("large"),
        ],
    ]
}

/// Row 1 after the UPDATE.
fn updated_row1() -> Vec<Value> {
    let mut r = sample_rows().remove(0);
    r[1] = Value::Null;
    r[7] = dec("1.00");
    r[14] = Value::str("world");
    r[25] = dt(2000, 1, 1, 0, 0, 0, 0);
    r[30] = Value::str("small");
    r
}

/// How `mysqlbinlog -v` prints the sample rows, column by column (MariaDB's format: DATE
/// with colons, TIMESTAMP as seconds since the epoch, FLOAT padded to 20 characters,
/// negative integers with their unsigned reading, ENUM as its index, control bytes as
/// `\xNN`).
fn printed_row(id: i64) -> Vec<Vec<u8>> {
    let q = |s: &str| format!("'{s}'").into_bytes();
    let p = |s: &str| s.as_bytes().to_vec();
    match id {
        1 => vec![
            p("1"),
            p("7"),
            p("300"),
            p("70000"),
            p("5000000000"),
            p("42"),
            p("7"),
            p("1234.50"),
            p("12345678901234567890.0123456789"),
            p("1.5                 "),
            p("2.25"),
            q("abc"),
            q("wide char column"),
            q("ab"),
            q("hello"),
            q(&"x".repeat(90)),
            b"'\\x00\\x01\\x02\xff'".to_vec(),
            q("some text"),
            b"'caf\xe9'".to_vec(),
            q("long text"),
            b"'\xde\xad\xbe\xef'".to_vec(),
            q("medium blob"),
            q("2024:01:02"),
            q("2024-01-02 03:04:05"),
            q("2024-02-29 12:34:56.123456"),
            p("1622541600"),
            p("1.500"),
            q("12:34:56"),
            q("01:02:03.45"),
            p("2024"),
            p("2"),
        ],
        2 => {
            let mut r = vec![p("2")];
            r.resize(31, p("NULL"));
            r
        }
        -3 => vec![
            p("-3 (4294967293)"),
            p("-128 (128)"),
            p("-32768 (32768)"),
            p("-8388608 (8388608)"),
            p("-9223372036854775808 (9223372036854775808)"),
            p("-1 (18446744073709551615)"),
            p("-1 (4294967295)"),
            p("-99999999.99"),
            p("-0.0000000001"),
            p("-0.25               "),
            p("-1.0000000000000000525e+300"),
            q("ümlaut é"),
            q(&"日本".repeat(50)),
            b"'\xff\\x00\\x00\\x01'".to_vec(),
            q("日本語テキスト"),
            q("quote ' and \\ backslash"),
            q(""),
            q(""),
            q(""),
            q("🙂 emoji"),
            q(""),
            q(&String::from_utf8(big_blob()).unwrap()),
            q("1000:01:01"),
            q("9999-12-31 23:59:59"),
            q("1000-01-01 00:00:00.000001"),
            p("2147483647"),
            p("1.000"),
            q("-838:59:59"),
            q("-01:02:03.45"),
            p("1901"),
            p("3"),
        ],
        _ => unreachable!(),
    }
}

fn printed_updated_row1() -> Vec<Vec<u8>> {
    let mut r = printed_row(1);
    r[1] = b"NULL".to_vec();
    r[7] = b"1.00".to_vec();
    r[14] = b"'world'".to_vec();
    r[25] = b"946684800".to_vec();
    r[30] = b"1".to_vec();
    r
}

fn origin() -> Origin {
    Origin::new(1, 1_700_000_000)
}

fn ddl_event(db: &str, sql: &str) -> Event {
    Event::query(origin(), &QueryEvent::new(db, sql)).unwrap()
}

/// BEGIN, Table_map, the Rows events, Xid.
fn row_txn(map: &TableMap, kind: RowsKind, changes: &[RowChange<'_>], xid: u64) -> Vec<Event> {
    let mut evs = vec![
        Event::query(origin(), &QueryEvent::begin()).unwrap(),
        map.event(origin()).unwrap(),
    ];
    evs.extend(rows_events(origin(), kind, map, changes, true).unwrap());
    evs.push(Event::xid(origin(), xid));
    evs
}

/// CREATE DATABASE, CREATE TABLE, INSERT of the sample rows, UPDATE of row 1, DELETE of
/// row 2. Returns the binlog coordinate of the last transaction.
fn write_sample(log: &BinlogDir, map: &TableMap) -> (String, u64) {
    log.append_transaction(&[ddl_event("", "CREATE DATABASE db")])
        .unwrap();
    log.append_transaction(&[ddl_event("db", DDL)]).unwrap();
    let rows = sample_rows();
    let inserts: Vec<RowChange<'_>> = rows.iter().map(|r| (None, Some(r.as_slice()))).collect();
    log.append_transaction(&row_txn(map, RowsKind::Write, &inserts, 12))
        .unwrap();
    let after = updated_row1();
    log.append_transaction(&row_txn(
        map,
        RowsKind::Update,
        &[(Some(&rows[0]), Some(&after))],
        13,
    ))
    .unwrap();
    log.append_transaction(&row_txn(
        map,
        RowsKind::Delete,
        &[(Some(&rows[1]), None)],
        14,
    ))
    .unwrap()
}

// ---------------------------------------------------------------------------------------
// mysqlbinlog
// ---------------------------------------------------------------------------------------

fn mysqlbinlog_path() -> Option<PathBuf> {
    ["/usr/bin/mysqlbinlog", "/usr/bin/mariadb-binlog"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Runs mysqlbinlog; asserts it exits 0 with an empty stderr and no error or warning
/// line. `None` when it is not installed.
fn mysqlbinlog(args: &[&str], files: &[PathBuf]) -> Option<Vec<u8>> {
    let Some(bin) = mysqlbinlog_path() else {
        eprintln!("mysqlbinlog not installed (apt-get install mariadb-client): skipped");
        return None;
    };
    let out = Command::new(bin)
        .args(args)
        .args(files)
        .output()
        .expect("run mysqlbinlog");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "mysqlbinlog failed: {stderr}");
    assert!(stderr.trim().is_empty(), "mysqlbinlog stderr: {stderr}");
    for line in out.stdout.split(|&b| b == b'\n') {
        let l = String::from_utf8_lossy(line).to_ascii_lowercase();
        assert!(
            !(l.starts_with("error") || l.contains("# warning") || l.starts_with("warning")),
            "mysqlbinlog reported: {l}"
        );
    }
    Some(out.stdout)
}

/// One `### INSERT/UPDATE/DELETE` of `mysqlbinlog -v`, values as printed.
#[derive(Debug, PartialEq)]
struct RowOp {
    verb: String,
    table: String,
    before: Vec<Vec<u8>>,
    after: Vec<Vec<u8>>,
}

fn parse_row_ops(out: &[u8]) -> Vec<RowOp> {
    let mut ops: Vec<RowOp> = Vec::new();
    let mut in_set = false;
    for line in out.split(|&b| b == b'\n') {
        let Some(rest) = line.strip_prefix(b"### ") else {
            continue;
        };
        let text = String::from_utf8_lossy(rest);
        if let Some(t) = text.strip_prefix("INSERT INTO ") {
            ops.push(RowOp {
                verb: "INSERT".into(),
                table: t.to_string(),
                before: vec![],
                after: vec![],
            });
        } else if let Some(t) = text.strip_prefix("UPDATE ") {
            ops.push(RowOp {
                verb: "UPDATE".into(),
                table: t.to_string(),
                before: vec![],
                after: vec![],
            });
        } else if let Some(t) = text.strip_prefix("DELETE FROM ") {
            ops.push(RowOp {
                verb: "DELETE".into(),
                table: t.to_string(),
                before: vec![],
                after: vec![],
            });
        } else if rest == b"SET" {
            in_set = true;
        } else if rest == b"WHERE" {
            in_set = false;
        } else if let Some(v) = rest.strip_prefix(b"  @") {
            let eq = v.iter().position(|&b| b == b'=').expect("@N=value");
            let n: usize = std::str::from_utf8(&v[..eq]).unwrap().parse().unwrap();
            let value = v[eq + 1..].to_vec();
            let op = ops.last_mut().expect("a value belongs to a row operation");
            let image = if in_set {
                &mut op.after
            } else {
                &mut op.before
            };
            assert_eq!(n, image.len() + 1, "columns in order");
            image.push(value);
        }
    }
    ops
}

fn show(v: &[Vec<u8>]) -> Vec<String> {
    v.iter()
        .map(|b| {
            let s = String::from_utf8_lossy(b);
            if s.len() > 80 {
                format!("{}... ({} bytes)", &s[..60], b.len())
            } else {
                s.into_owned()
            }
        })
        .collect()
}

fn assert_image(got: &[Vec<u8>], want: &[Vec<u8>], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: column count");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            g == w,
            "{what}: @{} is {:?}, want {:?}",
            i + 1,
            show(std::slice::from_ref(g)),
            show(std::slice::from_ref(w))
        );
    }
}

fn files_of(log: &BinlogDir) -> Vec<PathBuf> {
    log.list()
        .unwrap()
        .into_iter()
        .map(|(name, _)| log.dir().join(name))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Byte-level checks
// ---------------------------------------------------------------------------------------

/// Walks a file's bytes without the module's reader: magic, then events whose `log_pos`
/// is their end; the file ends exactly at the last end. Returns (pos, header) per event.
fn walk(path: &Path) -> Vec<(u64, EventHeader)> {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..4], &BINLOG_MAGIC, "{}", path.display());
    let mut pos = 4usize;
    let mut out = Vec::new();
    while pos < bytes.len() {
        let h = EventHeader::parse(&bytes[pos..]).unwrap();
        let end = pos + h.event_size as usize;
        assert!(end <= bytes.len(), "event at {pos} passes the end");
        assert_eq!(
            h.log_pos as usize,
            end,
            "log_pos of the event at {pos} in {}",
            path.display()
        );
        out.push((pos as u64, h));
        pos = end;
    }
    assert_eq!(pos, bytes.len(), "file size is the last event's end");
    out
}

fn info_lines(log: &BinlogDir, name: &str) -> Vec<String> {
    log.read_file_events(name, 4)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let s = describe(&e.raw, e.checksum).unwrap();
            format!("{} {} {}", e.pos, s.type_name, s.info)
        })
        .collect()
}

fn options(checksum: Checksum) -> BinlogOptions {
    BinlogOptions {
        checksum,
        ..BinlogOptions::default()
    }
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

/// Every column type, NULLs, extremes, an UPDATE and a DELETE, decoded by mysqlbinlog to
/// exactly the values written; with CRC32 and FULL metadata, and with NONE and MINIMAL.
#[test]
fn mysqlbinlog_shows_the_values_written() {
    for (checksum, metadata) in [
        (Checksum::Crc32, RowMetadata::Full),
        (Checksum::None, RowMetadata::Minimal),
    ] {
        let tmp = TempDir::new("binlog-values");
        let log = BinlogDir::open(&tmp.0, options(checksum)).unwrap();
        let map = every_type_table(metadata);
        write_sample(&log, &map);
        log.close().unwrap();
        let files = files_of(&log);
        assert_eq!(files.len(), 1);
        for f in &files {
            walk(f);
        }
        let Some(out) = mysqlbinlog(&["--verbose", "--base64-output=DECODE-ROWS"], &files) else {
            return;
        };
        let ops = parse_row_ops(&out);
        let verbs: Vec<&str> = ops.iter().map(|o| o.verb.as_str()).collect();
        assert_eq!(verbs, ["INSERT", "INSERT", "INSERT", "UPDATE", "DELETE"]);
        assert!(ops.iter().all(|o| o.table == "`db`.`t`"));
        for (op, id) in ops.iter().zip([1, 2, -3]) {
            assert!(op.before.is_empty());
            assert_image(&op.after, &printed_row(id), &format!("INSERT of row {id}"));
        }
        assert_image(&ops[3].before, &printed_row(1), "UPDATE before image");
        assert_image(&ops[3].after, &printed_updated_row1(), "UPDATE after image");
        assert_image(&ops[4].before, &printed_row(2), "DELETE before image");
        assert!(ops[4].after.is_empty());

        let text = String::from_utf8_lossy(&out);
        let crc = if checksum == Checksum::Crc32 {
            " CRC32 0x"
        } else {
            " \t"
        };
        assert!(
            text.contains(&format!("end_log_pos 126{crc}")),
            "Format_description ends at 126"
        );
        assert!(text.contains("Start: binlog v 4, server v 8.0.36-borealis created"));
        assert!(text.contains("SET @@session.sql_mode=1168113696/*!*/;"));
        assert!(text.contains(
            "SET @@session.character_set_client=utf8mb4,@@session.collation_connection=45,@@session.collation_server=45/*!*/;"
        ));
        assert!(text.contains("use `db`/*!*/;\nSET TIMESTAMP=1700000000/*!*/;"));
        assert!(text.contains(&format!("{DDL}\n/*!*/;")));
        assert!(text.contains("Table_map: `db`.`t` mapped to number 71"));
        assert!(text.contains("Write_rows: table id 71 flags: STMT_END_F"));
        assert!(text.contains("Update_rows: table id 71 flags: STMT_END_F"));
        assert!(text.contains("Delete_rows: table id 71 flags: STMT_END_F"));
        for xid in [12, 13, 14] {
            assert!(text.contains(&format!("\tXid = {xid}\nCOMMIT/*!*/;")));
        }
        assert!(text.contains("\tStop\n"));
    }
}

/// The Table_map's per-column metadata and optional metadata as mysqlbinlog reads them:
/// `-vv` prints each column's type and metadata, `--print-table-metadata` the names,
/// signedness, character sets, ENUM labels and primary key.
#[test]
fn mysqlbinlog_reads_the_table_metadata() {
    let tmp = TempDir::new("binlog-metadata");
    let log = BinlogDir::open(&tmp.0, options(Checksum::Crc32)).unwrap();
    let map = every_type_table(RowMetadata::Full);
    let rows = sample_rows();
    let inserts: Vec<RowChange<'_>> = rows[..1]
        .iter()
        .map(|r| (None, Some(r.as_slice())))
        .collect();
    log.append_transaction(&row_txn(&map, RowsKind::Write, &inserts, 1))
        .unwrap();
    log.close().unwrap();
    let Some(out) = mysqlbinlog(
        &[
            "-vv",
            "--base64-output=DECODE-ROWS",
            "--print-table-metadata",
        ],
        &files_of(&log),
    ) else {
        return;
    };
    let text = String::from_utf8_lossy(&out);
    let comments: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("###   @"))
        .filter_map(|l| l.split_once(" /* ").map(|(_, c)| c))
        .collect();
    let want = [
        "INT meta=0 nullable=0 is_null=0 */",
        "TINYINT meta=0 nullable=1 is_null=0 */",
        "SHORTINT meta=0 nullable=1 is_null=0 */",
        "MEDIUMINT meta=0 nullable=1 is_null=0 */",
        "LONGINT meta=0 nullable=1 is_null=0 */",
        "LONGINT meta=0 nullable=1 is_null=0 */",
        "INT meta=0 nullable=1 is_null=0 */",
        "DECIMAL(10,2) meta=2562 nullable=1 is_null=0 */",
        "DECIMAL(30,10) meta=7690 nullable=1 is_null=0 */",
        "FLOAT meta=4 nullable=1 is_null=0 */",
        "DOUBLE meta=8 nullable=1 is_null=0 */",
        "STRING(40) meta=65064 nullable=1 is_null=0 */",
        "STRING(400) meta=61072 nullable=1 is_null=0 */",
        "STRING(4) meta=65028 nullable=1 is_null=0 */",
        "VARSTRING(80) meta=80 nullable=1 is_null=0 */",
        "VARSTRING(400) meta=400 nullable=1 is_null=0 */",
        "VARSTRING(10) meta=10 nullable=1 is_null=0 */",
        "BLOB/TEXT meta=2 nullable=1 is_null=0 */",
        "TINYBLOB/TINYTEXT meta=1 nullable=1 is_null=0 */",
        "LONGBLOB/LONGTEXT meta=4 nullable=1 is_null=0 */",
        "BLOB/TEXT meta=2 nullable=1 is_null=0 */",
        "MEDIUMBLOB/MEDIUMTEXT meta=3 nullable=1 is_null=0 */",
        "DATE meta=0 nullable=1 is_null=0 */",
        "DATETIME(0) meta=0 nullable=1 is_null=0 */",
        "DATETIME(6) meta=6 nullable=1 is_null=0 */",
        "TIMESTAMP(0) meta=0 nullable=1 is_null=0 */",
        "TIMESTAMP(3) meta=3 nullable=1 is_null=0 */",
        "TIME(0) meta=0 nullable=1 is_null=0 */",
        "TIME(2) meta=2 nullable=1 is_null=0 */",
        "YEAR meta=0 nullable=1 is_null=0 */",
        "ENUM(1 byte) meta=63233 nullable=1 is_null=0 */",
    ];
    assert_eq!(comments, want);
    let columns: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("# Columns("))
        .take(map.columns.len())
        .map(|l| {
            l.trim_start_matches("# Columns(")
                .trim_start_matches('#')
                .trim()
        })
        .collect();
    let want = [
        "`id` INT NOT NULL,",
        "`ti` TINYINT,",
        "`si` SMALLINT,",
        "`mi` MEDIUMINT,",
        "`bi` BIGINT,",
        "`ubi` BIGINT UNSIGNED,",
        "`ui` INT UNSIGNED,",
        "`dec` DECIMAL(10,2),",
        "`dec2` DECIMAL(30,10),",
        "`f` FLOAT,",
        "`d` DOUBLE,",
        "`c` CHAR(10) CHARSET utf8mb4 COLLATE utf8mb4_general_ci,",
        "`c2` CHAR(100) CHARSET utf8mb4 COLLATE utf8mb4_general_ci,",
        "`bn` BINARY(4),",
        "`vc` VARCHAR(20) CHARSET utf8mb4 COLLATE utf8mb4_general_ci,",
        "`vc2` VARCHAR(100) CHARSET utf8mb4 COLLATE utf8mb4_general_ci,",
        "`vb` VARBINARY(10),",
        "`tx` TEXT CHARSET utf8mb4 COLLATE utf8mb4_general_ci,",
        "`ttx` TINYTEXT CHARSET latin1 COLLATE latin1_swedish_ci,",
        "`ltx` LONGTEXT CHARSET utf8mb4 COLLATE utf8mb4_general_ci,",
        "`bl` BLOB,",
        "`mbl` MEDIUMBLOB,",
        "`dt` DATE,",
        "`dtm` DATETIME,",
        "`dtm6` DATETIME(6),",
        "`ts` TIMESTAMP,",
        "`ts3` TIMESTAMP(3),",
        "`tm` TIME,",
        "`tm2` TIME(2),",
        "`yr` YEAR,",
        "`en` ENUM('small','medium','large') CHARSET utf8mb4 COLLATE utf8mb4_general_ci)",
    ];
    assert_eq!(columns, want);
    assert!(text.contains("\n# Primary Key(id)\n"), "{text}");
}

/// `SHOW BINLOG EVENTS`: positions, types and Info strings of a file.
#[test]
fn show_binlog_events_rows() {
    let tmp = TempDir::new("binlog-show");
    let log = BinlogDir::open(&tmp.0, options(Checksum::Crc32)).unwrap();
    let map = every_type_table(RowMetadata::NoLog);
    write_sample(&log, &map);
    let name = log.current().0;
    assert_eq!(name, "mysql-bin-changelog.000001");
    let next = log.flush_logs().unwrap();
    assert_eq!(next, "mysql-bin-changelog.000002");
    let lines = info_lines(&log, &name);
    let kinds: Vec<String> = lines
        .iter()
        .map(|l| l.split(' ').skip(1).take(1).collect())
        .collect();
    assert_eq!(
        kinds,
        [
            "Format_desc",
            "Query",
            "Query",
            "Query",
            "Table_map",
            "Write_rows",
            "Write_rows",
            "Xid",
            "Query",
            "Table_map",
            "Update_rows",
            "Xid",
            "Query",
            "Table_map",
            "Delete_rows",
            "Xid",
            "Rotate"
        ]
    );
    assert_eq!(
        lines[0],
        "4 Format_desc Server ver: 8.0.36-borealis, Binlog ver: 4"
    );
    assert_eq!(lines[1], "126 Query CREATE DATABASE db");
    assert!(lines[2].ends_with(&format!("Query use `db`; {DDL}")));
    assert!(lines[3].ends_with(" Query BEGIN"));
    assert!(lines[4].ends_with(" Table_map table_id: 71 (db.t)"));
    assert!(
        lines[5].ends_with(" Write_rows table_id: 71"),
        "{}",
        lines[5]
    );
    assert!(lines[6].ends_with(" Write_rows table_id: 71 flags: STMT_END_F"));
    assert!(lines[7].ends_with(" Xid COMMIT /* xid=12 */"));
    assert!(lines[10].ends_with(" Update_rows table_id: 71 flags: STMT_END_F"));
    assert!(lines[14].ends_with(" Delete_rows table_id: 71 flags: STMT_END_F"));
    assert!(lines[16].ends_with(" Rotate mysql-bin-changelog.000002;pos=4"));
    // Every event starts where the previous one ended.
    let events: Vec<RawEvent> = log
        .read_file_events(&name, 0)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for w in events.windows(2) {
        assert_eq!(w[0].end(), w[1].pos);
        assert_eq!(u64::from(w[0].header().unwrap().log_pos), w[0].end());
    }
    // Reading from the middle starts at that event.
    let from = events[3].pos;
    let mid: Vec<u64> = log
        .read_file_events(&name, from)
        .unwrap()
        .map(|e| e.unwrap().pos)
        .collect();
    assert_eq!(mid[0], from);
    assert_eq!(mid.len(), events.len() - 3);
    // A position inside an event is refused, not misread.
    let mut bad = log.read_file_events(&name, from + 1).unwrap();
    assert!(bad.next().unwrap().unwrap_err().is_corruption());
    assert!(bad.next().is_none());
    assert!(matches!(
        log.read_file_events("mysql-bin-changelog.000009", 4),
        Err(BinlogError::NotFound { .. })
    ));
}

/// Rotation by max_size: transactions never straddle files, every file but the last ends
/// with a Rotate to the next, big statements are cut into ~8 KiB Rows events with
/// STMT_END_F only on the last, `SHOW BINARY LOGS` sizes are the file sizes, and the
/// reader follows the files in order.
#[test]
fn rotation_by_max_size() {
    for checksum in [Checksum::Crc32, Checksum::None] {
        let tmp = TempDir::new("binlog-rotate");
        let opts = BinlogOptions {
            checksum,
            max_size: 20_000,
            ..BinlogOptions::default()
        };
        let log = BinlogDir::open(&tmp.0, opts).unwrap();
        let map = TableMap::new(
            9,
            "db",
            "k",
            vec![
                Column::new("id", int(IntKind::Int, false), false),
                Column::new(
                    "v",
                    SqlType::VarChar {
                        len: 100,
                        collation: UTF8,
                    },
                    false,
                ),
            ],
        );
        log.append_transaction(&[ddl_event("", "CREATE DATABASE db")])
            .unwrap();
        let mut coords = Vec::new();
        let mut next_id = 0i64;
        for (txn, n) in [(0u64, 10usize), (1, 400), (2, 5), (3, 250), (4, 1), (5, 30)] {
            let rows: Vec<Vec<Value>> = (0..n)
                .map(|_| {
                    next_id += 1;
                    vec![Value::Int(next_id), Value::str(&format!("{next_id:0>80}"))]
                })
                .collect();
            let ch: Vec<RowChange<'_>> = rows.iter().map(|r| (None, Some(r.as_slice()))).collect();
            coords.push(
                log.append_transaction(&row_txn(&map, RowsKind::Write, &ch, txn))
                    .unwrap(),
            );
        }
        log.close().unwrap();
        let listed = log.list().unwrap();
        assert_eq!(listed.len(), 3, "{listed:?}");
        let index = std::fs::read_to_string(log.index_path()).unwrap();
        let want_index: String = listed.iter().map(|(n, _)| format!("./{n}\n")).collect();
        assert_eq!(index, want_index);
        for (i, (name, size)) in listed.iter().enumerate() {
            assert_eq!(name, &format!("mysql-bin-changelog.{:06}", i + 1));
            let path = log.dir().join(name);
            assert_eq!(std::fs::metadata(&path).unwrap().len(), *size);
            let events = walk(&path);
            let last = events.last().unwrap().1;
            if i + 1 < listed.len() {
                assert_eq!(last.type_code, types::ROTATE, "{name} ends with a Rotate");
                let info = info_lines(&log, name);
                assert!(info
                    .last()
                    .unwrap()
                    .ends_with(&format!("Rotate mysql-bin-changelog.{:06};pos=4", i + 2)));
            } else {
                assert_eq!(last.type_code, types::STOP);
            }
            // Rows events stay near 8 KiB; only a statement's last one has STMT_END_F.
            for (pos, h) in &events {
                if h.type_code == types::WRITE_ROWS {
                    assert!(
                        h.event_size as usize <= ROWS_EVENT_MAX_SIZE + 19 + 4,
                        "{pos}"
                    );
                }
            }
            // A transaction never straddles files: each file starts with the header and
            // then a BEGIN or nothing.
            let info = info_lines(&log, name);
            if let Some(second) = info.get(1) {
                assert!(second.ends_with("Query BEGIN") || i == 0, "{second}");
            }
        }
        // The coordinate of each transaction is the end of its Xid.
        for (file, pos) in &coords {
            let ev = walk(&log.dir().join(file));
            let (start, h) = ev
                .iter()
                .find(|(p, h)| u64::from(h.log_pos) == *pos && *p > 0)
                .unwrap();
            assert_eq!(h.type_code, types::XID, "{file} {start}");
        }
        // The reader follows Rotate to the next file and sees every event once.
        let all: Vec<RawEvent> = log
            .read_events(&listed[0].0, 4)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let expected: usize = listed
            .iter()
            .map(|(n, _)| walk(&log.dir().join(n)).len())
            .sum();
        assert_eq!(all.len(), expected);
        assert_eq!(all.iter().filter(|e| e.pos == 4).count(), listed.len());
        // mysqlbinlog reads the whole chain; the statements' rows are all there.
        let files = files_of(&log);
        if let Some(out) = mysqlbinlog(&["--verbose", "--base64-output=DECODE-ROWS"], &files) {
            let ops = parse_row_ops(&out);
            assert_eq!(ops.len(), next_id as usize);
            for (i, op) in ops.iter().enumerate() {
                let id = i as i64 + 1;
                assert_eq!(op.after[0], id.to_string().into_bytes());
                assert_eq!(op.after[1], format!("'{id:0>80}'").into_bytes());
            }
            let text = String::from_utf8_lossy(&out);
            assert_eq!(text.matches("flags: STMT_END_F").count(), 6);
        }
    }
}

/// Restart: a reopened directory always starts a new file. A crash that tore the end of
/// the last file (half an event, or a transaction without its Xid) is cut back to the end
/// of the last complete transaction, and the in-use flag is cleared.
#[test]
fn reopen_rotates_and_repairs_a_torn_tail() {
    let tmp = TempDir::new("binlog-reopen");
    let map = every_type_table(RowMetadata::Minimal);
    let first;
    let good_end;
    {
        let log = BinlogDir::open(&tmp.0, options(Checksum::Crc32)).unwrap();
        write_sample(&log, &map);
        (first, good_end) = log.current();
        log.sync().unwrap();
        // A crash: no close, so no Stop and the in-use flag stays set.
    }
    let path = tmp.0.join(&first);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes[4 + 17] & 1, 1, "in use while open");
    if mysqlbinlog_path().is_some() {
        let out = Command::new(mysqlbinlog_path().unwrap())
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("# Warning: this binlog is either in use or was not closed properly.")
        );
    }
    // The crash happened in the middle of writing another transaction.
    let rows = sample_rows();
    let more = row_txn(&map, RowsKind::Write, &[(None, Some(&rows[0]))], 99);
    let mut torn = Vec::new();
    let mut pos = good_end;
    for ev in &more {
        let raw = ev
            .encode(
                (pos + ev.encoded_len(Checksum::Crc32) as u64) as u32,
                Checksum::Crc32,
            )
            .unwrap();
        pos += raw.len() as u64;
        torn.extend_from_slice(&raw);
    }
    // Case 1: whole events but no Xid. Case 2: half an event.
    for cut in [torn.len() - 31, torn.len() / 2] {
        let mut f = bytes.clone();
        f.extend_from_slice(&torn[..cut]);
        std::fs::write(&path, &f).unwrap();
        let idx = std::fs::read_to_string(tmp.0.join("mysql-bin-changelog.index")).unwrap();
        let names: Vec<&str> = idx.lines().collect();
        // Keep only the first file listed, as after the crash.
        std::fs::write(
            tmp.0.join("mysql-bin-changelog.index"),
            format!("{}\n", names[0]),
        )
        .unwrap();
        for stale in names.iter().skip(1) {
            let _ = std::fs::remove_file(tmp.0.join(stale.trim_start_matches("./")));
        }
        let log = BinlogDir::open(&tmp.0, options(Checksum::Crc32)).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), good_end);
        let repaired = std::fs::read(&path).unwrap();
        assert_eq!(repaired[4 + 17] & 1, 0, "in-use flag cleared");
        walk(&path);
        assert_eq!(
            log.list().unwrap(),
            [
                (first.clone(), good_end),
                ("mysql-bin-changelog.000002".to_string(), 126)
            ]
        );
        assert_eq!(
            log.current(),
            ("mysql-bin-changelog.000002".to_string(), 126)
        );
        if let Some(out) = mysqlbinlog(
            &["-v", "--base64-output=DECODE-ROWS"],
            std::slice::from_ref(&path),
        ) {
            assert_eq!(parse_row_ops(&out).len(), 5);
        }
        drop(log);
    }
    // A clean reopen also rotates, and leaves the previous file as it was.
    let log = BinlogDir::open(&tmp.0, options(Checksum::None)).unwrap();
    log.close().unwrap();
    let log = BinlogDir::open(&tmp.0, options(Checksum::None)).unwrap();
    let names: Vec<String> = log.list().unwrap().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "mysql-bin-changelog.000001",
            "mysql-bin-changelog.000002",
            "mysql-bin-changelog.000003",
            "mysql-bin-changelog.000004"
        ]
    );
    let third = walk(&tmp.0.join("mysql-bin-changelog.000003"));
    assert_eq!(third.last().unwrap().1.type_code, types::STOP);
    log.close().unwrap();
    mysqlbinlog(&["--base64-output=DECODE-ROWS"], &files_of(&log));
}

/// PURGE BINARY LOGS TO / BEFORE and RESET MASTER.
#[test]
fn purge_and_reset() {
    let tmp = TempDir::new("binlog-purge");
    let log = BinlogDir::open(&tmp.0, options(Checksum::Crc32)).unwrap();
    for i in 0..4 {
        log.append_transaction(&[ddl_event("", &format!("CREATE DATABASE d{i}"))])
            .unwrap();
        log.flush_logs().unwrap();
    }
    let names: Vec<String> = log.list().unwrap().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names.len(), 5);
    assert!(matches!(
        log.purge_to("mysql-bin-changelog.000042"),
        Err(BinlogError::NotFound { .. })
    ));
    assert_eq!(log.purge_to(&names[2]).unwrap(), names[..2].to_vec());
    assert!(!tmp.0.join(&names[0]).exists());
    assert!(tmp.0.join(&names[2]).exists());
    let index = std::fs::read_to_string(log.index_path()).unwrap();
    assert_eq!(
        index,
        format!("./{}\n./{}\n./{}\n", names[2], names[3], names[4])
    );
    // Purging "to" the active file keeps the active file.
    assert_eq!(log.purge_to(&names[4]).unwrap(), names[2..4].to_vec());
    // BEFORE a time: nothing is older than a minute ago; everything but the active file
    // is older than a minute from now; the active file is never removed.
    log.flush_logs().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(log.purge_before(now - 60).unwrap().is_empty());
    assert_eq!(log.purge_before(now + 60).unwrap(), vec![names[4].clone()]);
    assert_eq!(log.list().unwrap().len(), 1);
    // RESET MASTER.
    log.reset().unwrap();
    assert_eq!(
        log.list().unwrap(),
        [("mysql-bin-changelog.000001".to_string(), 126)]
    );
    assert!(!tmp.0.join("mysql-bin-changelog.000006").exists());
    log.append_transaction(&[ddl_event("", "CREATE DATABASE again")])
        .unwrap();
    log.close().unwrap();
    assert!(log
        .append_transaction(&[ddl_event("", "CREATE DATABASE late")])
        .is_err());
    mysqlbinlog(&[], &files_of(&log));
}

/// A dump-thread style reader: waits at the end of the active file, sees each new
/// transaction whole, follows a rotation, and ends when the log is closed.
#[test]
fn reader_waits_and_follows() {
    let tmp = TempDir::new("binlog-follow");
    let log = BinlogDir::open(&tmp.0, options(Checksum::Crc32)).unwrap();
    let map = every_type_table(RowMetadata::NoLog);
    let rows = sample_rows();
    let start = log.current();
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut seen: Vec<(String, u64, u8)> = Vec::new();
            let mut it = log.read_events(&start.0, start.1).unwrap();
            loop {
                for ev in it.by_ref() {
                    let ev = ev.unwrap();
                    seen.push((ev.file.clone(), ev.pos, ev.header().unwrap().type_code));
                }
                let (name, pos) = it.position();
                let (name, pos) = (name.to_string(), pos);
                if !log.wait_for_more(&name, pos, Duration::from_secs(10)) {
                    panic!("timed out waiting at {name}:{pos}");
                }
                if seen.iter().any(|e| e.2 == types::STOP) {
                    return seen;
                }
            }
        });
        for (i, r) in rows.iter().enumerate() {
            std::thread::sleep(Duration::from_millis(20));
            log.append_transaction(&row_txn(
                &map,
                RowsKind::Write,
                &[(None, Some(r))],
                i as u64,
            ))
            .unwrap();
            if i == 1 {
                log.flush_logs().unwrap();
            }
        }
        std::thread::sleep(Duration::from_millis(20));
        log.close().unwrap();
        assert!(!log.is_open());
        let seen = reader.join().unwrap();
        let xids: Vec<&(String, u64, u8)> = seen.iter().filter(|e| e.2 == types::XID).collect();
        assert_eq!(xids.len(), 3);
        assert_eq!(xids[0].0, "mysql-bin-changelog.000001");
        assert_eq!(xids[2].0, "mysql-bin-changelog.000002");
        // The new file is entered at its Format_description.
        assert!(seen.contains(&(
            "mysql-bin-changelog.000002".to_string(),
            4,
            types::FORMAT_DESCRIPTION
        )));
        assert_eq!(seen.last().unwrap().2, types::STOP);
    });
    // Waiting on a file that is no longer active returns at once.
    assert!(log.wait_for_more(&start.0, start.1, Duration::from_secs(5)));
}

/// An append is not in the file, nor visible to readers, until a flush writes it; one
/// flush writes every transaction appended before it, and the file then ends at the last
/// one's coordinate. Rotation writes what is pending before the Rotate event.
#[test]
fn appends_are_written_by_the_next_flush() {
    let tmp = TempDir::new("binlog-flush");
    let log = BinlogDir::open(&tmp.0, options(Checksum::Crc32)).unwrap();
    let map = every_type_table(RowMetadata::NoLog);
    let rows = sample_rows();
    let (name, start) = log.current();
    let path = tmp.0.join(&name);
    let size = || std::fs::metadata(&path).unwrap().len();
    let insert = |i: usize| {
        log.append(&row_txn(
            &map,
            RowsKind::Write,
            &[(None, Some(&rows[i]))],
            i as u64 + 1,
        ))
        .unwrap()
    };
    let (a, b) = (insert(0), insert(1));
    assert!(a.end > start && b.end > a.end);
    assert_eq!(b.end - a.end, b.bytes.len() as u64);
    assert_eq!(log.current(), (name.clone(), b.end));
    assert_eq!(size(), start, "nothing is written before the flush");
    assert!(!log.wait_for_more(&name, start, Duration::from_millis(50)));
    assert_eq!(log.read_file_events(&name, start).unwrap().count(), 0);
    log.flush().unwrap();
    assert_eq!(size(), b.end);
    assert!(log.wait_for_more(&name, start, Duration::from_millis(50)));
    let xids = log
        .read_file_events(&name, start)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.header().unwrap().type_code == types::XID)
        .map(|e| e.end())
        .collect::<Vec<_>>();
    assert_eq!(xids, vec![a.end, b.end]);
    let on_disk = std::fs::read(&path).unwrap();
    assert_eq!(&on_disk[a.end as usize..], &b.bytes[..]);
    // Nothing pending: a second flush writes nothing.
    log.flush().unwrap();
    assert_eq!(size(), b.end);
    let c = insert(2);
    let next = log.flush_logs().unwrap();
    assert_ne!(next, name);
    let ends: Vec<u64> = walk(&path)
        .iter()
        .map(|(_, h)| u64::from(h.log_pos))
        .collect();
    assert!(
        ends.contains(&c.end),
        "the pending transaction precedes the Rotate"
    );
    assert_eq!(walk(&path).last().unwrap().1.type_code, types::ROTATE);
    log.close().unwrap();
}

/// Crash consistency for the integrator: cut off what the engine did not commit.
#[test]
fn truncate_after_removes_later_events() {
    let tmp = TempDir::new("binlog-truncate");
    let map = every_type_table(RowMetadata::NoLog);
    let rows = sample_rows();
    let keep = {
        let log = BinlogDir::open(&tmp.0, options(Checksum::Crc32)).unwrap();
        let keep = log
            .append_transaction(&row_txn(
                &map,
                RowsKind::Write,
                &[(None, Some(&rows[0]))],
                1,
            ))
            .unwrap();
        log.append_transaction(&row_txn(
            &map,
            RowsKind::Write,
            &[(None, Some(&rows[1]))],
            2,
        ))
        .unwrap();
        // Inside an event is refused.
        assert!(log.truncate_after(&keep.0, keep.1 - 3).is_err());
        keep
    };
    let name = keep.0.clone();
    // After a restart (a new empty active file) the previous file can be cut.
    let log = BinlogDir::open(&tmp.0, options(Checksum::Crc32)).unwrap();
    log.truncate_after(&name, keep.1).unwrap();
    assert_eq!(log.list().unwrap()[0], (name.clone(), keep.1));
    let xids = walk(&tmp.0.join(&name))
        .iter()
        .filter(|(_, h)| h.type_code == types::XID)
        .count();
    assert_eq!(xids, 1);
    // The active file can be cut too; a file with transactions after it cannot.
    let active = log
        .append_transaction(&row_txn(
            &map,
            RowsKind::Write,
            &[(None, Some(&rows[2]))],
            3,
        ))
        .unwrap();
    assert!(log.truncate_after(&name, 126).is_err());
    log.truncate_after(&active.0, 126).unwrap();
    assert_eq!(log.current(), (active.0.clone(), 126));
    log.append_transaction(&row_txn(
        &map,
        RowsKind::Write,
        &[(None, Some(&rows[2]))],
        4,
    ))
    .unwrap();
    log.close().unwrap();
    for f in files_of(&log) {
        walk(&f);
    }
    mysqlbinlog(&["-v", "--base64-output=DECODE-ROWS"], &files_of(&log));
}

/// A streamed append writes the same bytes as an append of the same events, keeping them
/// only up to its limit; nothing pushed appends nothing; a failed fill leaves nothing of
/// its transaction behind.
#[test]
fn streamed_append_writes_what_append_writes() {
    // About 40 MiB of events: several streaming chunks, so the writer thread fills its
    // direct-write staging buffer more than once and reuses chunks.
    let big: Vec<Event> = (0..40)
        .map(|i| ddl_event("db", &format!("/* {i} */ SELECT '{}'", "x".repeat(1 << 20))))
        .collect();
    let tmp = TempDir::new("binlog-streamed");
    let (a, b) = (tmp.0.join("a"), tmp.0.join("b"));
    let plain = BinlogDir::open(&a, options(Checksum::Crc32)).unwrap();
    let streamed = BinlogDir::open(&b, options(Checksum::Crc32)).unwrap();
    let want = plain.append(&big).unwrap();
    let push_all = |sink: &mut EventSink| -> Result<()> {
        for e in &big {
            sink.push(e)?;
        }
        Ok(())
    };
    // Past the limit: written in chunks, not kept.
    let (got, was_streamed) = streamed.append_streamed(1000, push_all).unwrap().unwrap();
    assert!(was_streamed && got.bytes.is_empty());
    assert_eq!((got.file.clone(), got.end), (want.file.clone(), want.end));
    // Inside the limit: kept.
    let small = &big[..2];
    let want2 = plain.append(small).unwrap();
    let (got2, was_streamed) = streamed
        .append_streamed(usize::MAX, |sink: &mut EventSink| -> Result<()> {
            small.iter().try_for_each(|e| sink.push(e))
        })
        .unwrap()
        .unwrap();
    assert!(!was_streamed);
    assert_eq!(got2, want2);
    // Nothing pushed, and a fill that fails half way (after a chunk was written).
    assert!(streamed
        .append_streamed(0, |_: &mut EventSink| -> Result<()> { Ok(()) })
        .unwrap()
        .is_none());
    let failed = streamed.append_streamed(0, |sink: &mut EventSink| -> Result<()> {
        push_all(sink)?;
        Err(BinlogError::InvalidArgument {
            detail: "the renderer failed".into(),
        })
    });
    assert!(failed.is_err());
    assert_eq!(streamed.current(), (want2.file.clone(), want2.end));
    let last = streamed.append(small).unwrap();
    assert_eq!(plain.append(small).unwrap(), last);
    plain.close().unwrap();
    streamed.close().unwrap();
    // Equal up to the Stop events, whose timestamps are the moments of the two closes.
    let name = &want.file;
    let (fa, fb) = (
        std::fs::read(a.join(name)).unwrap(),
        std::fs::read(b.join(name)).unwrap(),
    );
    let end = last.end as usize;
    assert_eq!(fa.len(), fb.len());
    assert!(fa[..end] == fb[..end], "the files differ before {end}");
    walk(&b.join(name));
}

/// Damaged files give errors, never panics: the reader over a damaged older file, and
/// the tail repair of a damaged last file.
#[test]
fn damaged_files_are_errors_not_panics() {
    let tmp = TempDir::new("binlog-damage");
    let src = {
        let log = BinlogDir::open(&tmp.0, options(Checksum::Crc32)).unwrap();
        write_sample(&log, &every_type_table(RowMetadata::Full));
        log.close().unwrap();
        std::fs::read(tmp.0.join(log.current().0)).unwrap()
    };
    let mut rng = common::Rng(0x2545_F491_4F6C_DD1D);
    for round in 0..150u64 {
        let mut bytes = src.clone();
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(bytes.len() as u64) as usize;
            bytes[i] = rng.below(256) as u8;
        }
        if round % 3 == 0 {
            bytes.truncate(rng.below(bytes.len() as u64) as usize);
        }
        let dir = TempDir::new("binlog-damage-round");
        let first = "mysql-bin-changelog.000001";
        let second = "mysql-bin-changelog.000002";
        std::fs::write(dir.0.join(first), &bytes).unwrap();
        // As an older file: left alone, read with errors.
        std::fs::write(dir.0.join(second), &src[..126]).unwrap();
        std::fs::write(
            dir.0.join("mysql-bin-changelog.index"),
            format!("./{first}\n./{second}\n"),
        )
        .unwrap();
        let log = BinlogDir::open(&dir.0, options(Checksum::Crc32)).unwrap();
        if let Ok(reader) = log.read_events(first, 4) {
            // The reader stops after its first error.
            for ev in reader.flatten() {
                let _ = describe(&ev.raw, ev.checksum);
            }
        }
        drop(log);
        // As the last file: repaired (cut to its last complete transaction) or refused.
        std::fs::write(
            dir.0.join("mysql-bin-changelog.index"),
            format!("./{first}\n"),
        )
        .unwrap();
        std::fs::write(dir.0.join(first), &bytes).unwrap();
        if let Ok(log) = BinlogDir::open(&dir.0, options(Checksum::Crc32)) {
            for (name, _) in log.list().unwrap() {
                let events: Vec<_> = log.read_file_events(&name, 4).unwrap().collect();
                assert!(events.iter().all(Result::is_ok), "{name} after repair");
                walk(&dir.0.join(&name));
            }
        }
    }
}

/// The events that start a dump stream and keep it alive.
#[test]
fn dump_stream_events() {
    let rot = Event::artificial_rotate(1, "mysql-bin-changelog.000003", 4)
        .encode(0, Checksum::None)
        .unwrap();
    assert_eq!(rot.len(), 19 + 8 + 26);
    let h = EventHeader::parse(&rot).unwrap();
    assert_eq!((h.timestamp, h.log_pos, h.flags), (0, 0, 0x20));
    assert_eq!(
        describe(&rot, Checksum::None).unwrap().info,
        "mysql-bin-changelog.000003;pos=4"
    );
    let hb = Event::heartbeat(1, "mysql-bin-changelog.000003")
        .encode(1234, Checksum::Crc32)
        .unwrap();
    let h = verify_event(&hb, Checksum::Crc32).unwrap();
    assert_eq!((h.type_code, h.log_pos, h.timestamp), (27, 1234, 0));
    // The Format_description for a stream starting mid-file: log_pos 0, not in use, and
    // a valid CRC.
    let tmp = TempDir::new("binlog-dump");
    let log = BinlogDir::open(&tmp.0, options(Checksum::Crc32)).unwrap();
    let reader = log.read_events(&log.current().0, 126).unwrap();
    let fde = reader.format_description().to_vec();
    assert_eq!(fde.len(), FORMAT_DESCRIPTION_LEN);
    assert_eq!(fde[17] & 1, 1);
    assert_ne!(parse_format_description(&fde).unwrap().created, 0);
    let sent = format_description_for_dump(&fde, 126).unwrap();
    let h = EventHeader::parse(&sent).unwrap();
    assert_eq!((h.log_pos, h.flags & 1), (0, 0));
    // `created` 0: a resuming replica must not roll back the transaction it holds part of.
    assert_eq!(parse_format_description(&sent).unwrap().created, 0);
    assert_eq!(
        parse_format_description(&sent).unwrap().checksum,
        Checksum::Crc32
    );
    let at_start = format_description_for_dump(&fde, 4).unwrap();
    assert_eq!(EventHeader::parse(&at_start).unwrap().log_pos, 126);
    assert_ne!(parse_format_description(&at_start).unwrap().created, 0);
}

// ---------------------------------------------------------------------------------------
// A real MariaDB replica
// ---------------------------------------------------------------------------------------

const MARIADBD: &str = "/usr/sbin/mariadbd";

/// A scratch `mariadbd` (server_id 2) on a temporary data directory, killed on drop.
struct Mariadb {
    child: std::process::Child,
    dir: TempDir,
}

impl Mariadb {
    fn start() -> Mariadb {
        let dir = TempDir::new("binlog-mariadb");
        let data = dir.0.join("data");
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        let user: &[&str] = if root { &["--user=root"] } else { &[] };
        let install = Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(user)
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .output()
            .expect("run mariadb-install-db");
        assert!(
            install.status.success(),
            "{}",
            String::from_utf8_lossy(&install.stderr)
        );
        let child = Command::new(MARIADBD)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.0.join("sock").display()))
            .arg(format!("--pid-file={}", dir.0.join("pid").display()))
            .arg(format!("--log-error={}", dir.0.join("err.log").display()))
            .args(user)
            .args([
                "--skip-networking",
                "--skip-grant-tables",
                "--server-id=2",
                "--relay-log=relay-bin",
                "--skip-slave-start",
                "--innodb-buffer-pool-size=32M",
                "--innodb-flush-log-at-trx-commit=0",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start mariadbd");
        let mut m = Mariadb { child, dir };
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while m.try_sql("SELECT 1").is_none() {
            let exited = m.child.try_wait().ok().flatten().is_some();
            if exited || std::time::Instant::now() > deadline {
                let log = std::fs::read_to_string(m.dir.0.join("err.log")).unwrap_or_default();
                panic!("mariadbd did not start: {log}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        m
    }

    fn try_sql(&self, sql: &str) -> Option<String> {
        let out = Command::new("mysql")
            .arg("--no-defaults")
            .arg(format!("--socket={}", self.dir.0.join("sock").display()))
            .args(["--default-character-set=utf8mb4", "-N", "-B", "-e", sql])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn sql(&self, sql: &str) -> String {
        self.try_sql(sql)
            .unwrap_or_else(|| panic!("query failed: {sql}"))
    }

    /// `SHOW SLAVE STATUS` as field name -> value.
    fn slave_status(&self) -> std::collections::HashMap<String, String> {
        let out = Command::new("mysql")
            .arg("--no-defaults")
            .arg(format!("--socket={}", self.dir.0.join("sock").display()))
            .args(["-E", "-e", "SHOW SLAVE STATUS"])
            .output()
            .expect("run mysql");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let (k, v) = l.split_once(": ")?;
                Some((k.trim().to_string(), v.trim().to_string()))
            })
            .collect()
    }

    fn datadir(&self) -> PathBuf {
        self.dir.0.join("data")
    }
}

impl Drop for Mariadb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A MariaDB 10.11 replica's SQL thread replays our files as its relay log (the way it
/// applies what a master streams): the Format_description of a MySQL 8.0 master, Query
/// events with their status variables, Table_map and v2 Rows events of every type,
/// Xid commits and Rotate events. The table must end up with exactly our rows.
#[test]
fn mariadb_replica_applies_the_files() {
    if !Path::new(MARIADBD).exists() {
        eprintln!("{MARIADBD} not installed (apt-get install mariadb-server): skipped");
        return;
    }
    let tmp = TempDir::new("binlog-replica");
    let opts = BinlogOptions {
        max_size: 2_000,
        ..BinlogOptions::default()
    };
    let log = BinlogDir::open(&tmp.0, opts).unwrap();
    let map = every_type_table(RowMetadata::Full);
    let (last_file, last_pos) = write_sample(&log, &map);
    log.close().unwrap();
    let files = log.list().unwrap();
    assert!(files.len() >= 2, "the replay crosses a Rotate: {files:?}");

    let server = Mariadb::start();
    let mut index = String::new();
    for (i, (name, _)) in files.iter().enumerate() {
        let relay = format!("relay-bin.{:06}", i + 1);
        std::fs::copy(log.dir().join(name), server.datadir().join(&relay)).unwrap();
        index.push_str(&format!("./{relay}\n"));
    }
    std::fs::write(server.datadir().join("relay-bin.index"), index).unwrap();
    server.sql(
        "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=1, MASTER_USER='none', \
         RELAY_LOG_FILE='relay-bin.000001', RELAY_LOG_POS=4; START SLAVE SQL_THREAD",
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let status = server.slave_status();
        let get = |k: &str| status.get(k).map_or("", String::as_str);
        assert_eq!(
            get("Last_SQL_Errno"),
            "0",
            "replica error: {}",
            get("Last_SQL_Error")
        );
        // The replica's position advances per transaction (not past the Stop event).
        if get("Relay_Master_Log_File") == last_file
            && get("Exec_Master_Log_Pos") == last_pos.to_string()
        {
            assert_eq!(get("Slave_SQL_Running"), "Yes");
            break;
        }
        if std::time::Instant::now() > deadline {
            if let Ok(keep) = std::env::var("BINLOG_TEST_KEEP") {
                for (name, _) in &files {
                    let _ = std::fs::copy(log.dir().join(name), Path::new(&keep).join(name));
                }
            }
            panic!(
                "replica stuck: files {files:?}, rows {}, status {status:?}",
                server.sql("SELECT id FROM db.t")
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let got = server.sql(
        "SET time_zone = '+00:00'; SELECT id, ti, si, mi, bi, ubi, ui, `dec`, dec2, f, d, c, \
         c2 = REPEAT('日本', 50), HEX(bn), vc, vc2, HEX(vb), tx, HEX(ttx), ltx, HEX(bl), \
         LENGTH(mbl), LEFT(mbl, 3), dt, dtm, dtm6, ts, ts3, tm, tm2, yr, en \
         FROM db.t ORDER BY id",
    );
    let want = [
        "-3\t-128\t-32768\t-8388608\t-9223372036854775808\t18446744073709551615\t4294967295\t\
         -99999999.99\t-0.0000000001\t-0.25\t-1e300\tümlaut é\t1\tFF000001\t日本語テキスト\t\
         quote ' and \\\\ backslash\t\t\t\t🙂 emoji\t\t70000\tzzz\t1000-01-01\t\
         9999-12-31 23:59:59\t1000-01-01 00:00:00.000001\t2038-01-19 03:14:07\t\
         1970-01-01 00:00:01.000\t-838:59:59\t-01:02:03.45\t1901\tlarge",
        "1\tNULL\t300\t70000\t5000000000\t42\t7\t1.00\t12345678901234567890.0123456789\t1.5\t\
         2.25\tabc\t0\t61620000\tworld\txxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\
         xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\t000102FF\tsome text\t636166E9\t\
         long text\tDEADBEEF\t11\tmed\t2024-01-02\t2024-01-02 03:04:05\t\
         2024-02-29 12:34:56.123456\t2000-01-01 00:00:00\t1970-01-01 00:00:01.500\t\
         12:34:56\t01:02:03.45\t2024\tsmall",
    ];
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines, want);
}

/// Commits the engine rolled back (their log write failed) after rotations that only
/// followed the newest commit left: their events go from the active file, also when the
/// file of that commit was purged since, and the binlog goes on. A rollback over a
/// transaction written before a Rotate (which no rotation may follow) closes it.
#[test]
fn discard_after_across_rotations_with_nothing_between() {
    let tmp = TempDir::new("binlog-discard");
    let log = BinlogDir::open(&tmp.0, options(Checksum::Crc32)).unwrap();
    let kept = log
        .append(&[ddl_event("d", "CREATE TABLE t (a INT)")])
        .unwrap();
    log.flush().unwrap();
    log.flush_logs().unwrap();
    let active = log.flush_logs().unwrap();
    let (_, header_end) = log.current();
    let path = tmp.0.join(&active);
    let size = || std::fs::metadata(&path).unwrap().len();
    let gone = log
        .append(&[ddl_event("d", "CREATE TABLE u (a INT)")])
        .unwrap();
    log.flush().unwrap();
    assert_eq!(gone.file, active);
    assert_eq!(size(), gone.end);
    log.discard_after(&kept.file, kept.end).unwrap();
    assert_eq!(log.current(), (active.clone(), header_end));
    assert_eq!(size(), header_end);
    // Written but not yet flushed, after the purge of the older files.
    let (file, end) = log
        .append_transaction(&[ddl_event("d", "CREATE TABLE v (a INT)")])
        .unwrap();
    assert_eq!(file, active);
    assert_eq!(
        log.read_file_events(&active, header_end).unwrap().count(),
        1
    );
    assert_eq!(log.purge_to(&active).unwrap().len(), 2);
    log.append(&[ddl_event("d", "CREATE TABLE w (a INT)")])
        .unwrap();
    log.discard_after(&file, end).unwrap();
    assert_eq!(log.current(), (active.clone(), end));
    log.discard_after(&kept.file, kept.end).unwrap();
    assert_eq!(log.current(), (active.clone(), header_end));
    assert_eq!(
        log.read_file_events(&active, header_end).unwrap().count(),
        0
    );
    assert!(log.is_open());
    // A transaction before a Rotate rolled back: the Rotate cannot be taken back.
    let (_, before) = log
        .append_transaction(&[ddl_event("d", "CREATE TABLE x (a INT)")])
        .unwrap();
    log.append(&[ddl_event("d", "CREATE TABLE y (a INT)")])
        .unwrap();
    log.flush_logs().unwrap();
    assert!(log.discard_after(&active, before).is_err());
    assert!(!log.is_open());
}
