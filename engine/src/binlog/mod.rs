//! Binary logs in MySQL's v4 format, as MySQL 8.0 writes them and as Debian's
//! `mysqlbinlog` (MariaDB 10.11) and a MariaDB 10.11 replica read them.
//!
//! # Life of a binlogged transaction
//!
//! 1. The commit path builds the events of one transaction: a Query `BEGIN`
//!    ([`QueryEvent::begin`]), per statement and table a Table_map ([`TableMap::event`])
//!    and its Write/Update/Delete_rows events ([`rows_events`], cut into ~8 KiB events,
//!    `STMT_END_F` on the statement's last), and an Xid ([`Event::xid`]). A DDL statement
//!    is a single Query event.
//! 2. [`BinlogDir::append`] gives every event its `log_pos` (its end offset in the file)
//!    and CRC32 and returns the bytes; [`BinlogDir::flush`] writes everything appended so
//!    far with one `write`, then publishes the new end to readers
//!    ([`BinlogDir::append_transaction`] does both). The caller decides when to fsync
//!    ([`BinlogDir::sync`]); after a crash, [`BinlogDir::restore`] writes back what the
//!    file lost.
//! 3. When the file has reached `max_binlog_size`, a Rotate event ends it and the next
//!    file starts with the magic and a Format_description. Every server start opens a
//!    new file too, after cutting a torn tail off the previous one.
//! 4. `SHOW BINLOG EVENTS` reads a file with [`BinlogDir::read_file_events`] and
//!    [`describe`]; a dump thread follows the files with [`BinlogDir::read_events`],
//!    waiting with [`BinlogDir::wait_for_more`] at the end and sending
//!    [`Event::heartbeat`] when idle. It starts its stream with
//!    [`Event::artificial_rotate`] and the file's Format_description
//!    ([`format_description_for_dump`]).
//!
//! A cluster made from another (clone, restore, snapshot restore) inherits its source's
//! files up to its point: [`share`].
//!
//! How the server drives this module (the commit hook, crash recovery against the
//! engine's timeline, SHOW/PURGE/RESET, dump threads that never send what a crash could
//! take back) is [`crate::sql::binlog`], which also decides when DML is logged as
//! statements with Intvar/User_var context (`binlog_format` MIXED and STATEMENT; the Rand
//! event is here but unused: RAND() is always logged as rows).
//!
//! Compatibility choices (see `shared/DESIGN.md`, "Binlog"):
//! - The Format_description says server `8.0.36-borealis` and carries MySQL 8.0's table
//!   of 41 post-header lengths. MariaDB takes any version without "MariaDB" in it for a
//!   MySQL master: it reads the checksum-algorithm byte (version >= 5.6.1), masks
//!   MySQL-only `sql_mode` bits and adds TIME_ROUND_FRACTIONAL as MySQL rounds.
//! - Only event types both MySQL and MariaDB know are written: no GTID,
//!   Previous_gtids, Rows_query or Transaction_payload events.
//! - Query events carry status variables 0..=8 only: MariaDB stops parsing at the first
//!   code it does not know (MySQL's 12..=20 are optional for a MySQL replica).
//! - Collation ids are written as given: a MariaDB replica must know them (it does not
//!   know MySQL 8's 255 `utf8mb4_0900_ai_ci`).
//!
//! # File layout
//!
//! | offset | bytes | content |
//! |---|---|---|
//! | 0 | 4 | magic `FE 62 69 6E` (`\xfebin`) |
//! | 4 | 122 | Format_description event |
//! | 126 | ... | events, each ending at its header's `log_pos` |
//!
//! # Common event header (19 bytes, little-endian)
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 4 | timestamp (seconds since the epoch; 0 for artificial events) |
//! | 4 | 1 | type code ([`types`]) |
//! | 5 | 4 | server_id |
//! | 9 | 4 | event_size: header + body + footer |
//! | 13 | 4 | log_pos: end offset of the event in its file (0 for artificial events) |
//! | 17 | 2 | flags: 0x01 BINLOG_IN_USE (Format_description of a file being written), 0x08 SUPPRESS_USE, 0x20 ARTIFICIAL |
//!
//! Footer: with `binlog_checksum=CRC32`, 4 bytes of CRC32 (zlib polynomial) over header
//! and body. The Format_description always has one, computed with the in-use flag
//! cleared, so the flag can be cleared in place when the file is closed.
//!
//! # Event bodies
//!
//! Format_description (type 15), 98-byte post-header:
//!
//! | bytes | field |
//! |---|---|
//! | 2 | binlog version = 4 |
//! | 50 | server version, NUL padded: `8.0.36-borealis` |
//! | 4 | create timestamp (first file after a server start; 0 after a rotation) |
//! | 1 | common header length = 19 |
//! | 41 | post-header length of each type 1..=41 (MySQL 8.0's table) |
//! | 1 | checksum algorithm of the file's other events: 0 NONE, 1 CRC32 |
//!
//! Query (type 2), 13-byte post-header:
//!
//! | bytes | field |
//! |---|---|
//! | 4 | thread id |
//! | 4 | execution time (s) |
//! | 1 | length of db |
//! | 2 | error code |
//! | 2 | length of the status variables |
//! | n | status variables: `00` flags2 u32; `01` sql_mode u64; `06` catalog (len u8, `std`); `03` auto_increment increment u16, offset u16 (if not 1,1); `04` charset: client, connection, server collation ids u16 each; `05` time zone (len u8, name); `07` lc_time_names u16; `08` database collation u16 |
//! | db + 1 | db, NUL |
//! | rest | statement |
//!
//! Xid (16): xid u64. Rotate (4): position u64, next file name (no NUL). Stop (3): empty.
//! Intvar (5): kind u8 (1 LAST_INSERT_ID, 2 INSERT_ID), value u64. Rand (13): seed1 u64,
//! seed2 u64. User_var (14): name length u32, name, is_null u8, then if not NULL: type u8
//! (0 string, 1 real, 2 int, 4 decimal), collation u32, value length u32, value (decimal:
//! precision u8, scale u8, binary decimal), and for ints a flags u8 (1 = unsigned).
//! Heartbeat (27): the current file name; `log_pos` = the current position in it.
//!
//! Table_map (19), 8-byte post-header:
//!
//! | bytes | field |
//! |---|---|
//! | 6 | table id |
//! | 2 | flags = 1 (TM_BIT_LEN_EXACT_F) |
//! | 1 + n + 1 | db length, db, NUL |
//! | 1 + n + 1 | table length, table, NUL |
//! | packed | column count `n` |
//! | n | column type codes (below) |
//! | packed + m | metadata length, metadata of each column (below) |
//! | (n+7)/8 | nullable bitmap, bit `i % 8` of byte `i / 8` = column `i` NULL-able |
//! | rest | optional metadata (`binlog_row_metadata`), each: type u8, packed length, value: `1` SIGNEDNESS (bit per numeric column, MSB first, 1 = unsigned); `2` DEFAULT_CHARSET (packed default collation, then packed (index among character columns, collation) pairs) or `3` COLUMN_CHARSET (packed collation per character column); FULL adds `4` COLUMN_NAME (packed length + name each), `10`/`11` the same charsets for ENUM columns, `6` ENUM_STR_VALUE (per ENUM column: packed count, then packed length + label each), `8` SIMPLE_PRIMARY_KEY (packed column indexes) |
//!
//! "Packed" is MySQL's length-encoded integer: `< 251` one byte, else `FC` + 2 bytes,
//! `FD` + 3 bytes, `FE` + 8 bytes.
//!
//! Column types, metadata and row values ([`SqlType`](crate::value::SqlType) on the left):
//!
//! | column | type code | metadata | value in a row image |
//! |---|---|---|---|
//! | TINYINT/SMALLINT/MEDIUMINT/INT/BIGINT | 1/2/9/3/8 | - | 1/2/3/4/8 bytes LE (unsigned-ness in SIGNEDNESS) |
//! | DECIMAL(p,s) | 246 NEWDECIMAL | p, s | binary decimal: 9-digit groups big-endian, sign bit flipped, negatives inverted |
//! | FLOAT / DOUBLE | 4 / 5 | 4 / 8 | IEEE LE |
//! | CHAR(n) / BINARY(n) | 254 STRING | `254 ^ ((b & 0x300) >> 4)`, `b & 0xFF` with b = n × mbmaxlen bytes | length (1 byte, 2 if b > 255), bytes without trailing spaces (zeros for BINARY) |
//! | ENUM | 254 STRING | 247 (real type ENUM), 1 or 2 (index bytes: < 256 labels or not) | 1-based index, 1 or 2 bytes LE |
//! | VARCHAR(n) / VARBINARY(n) | 15 VARCHAR | max bytes u16 LE | length (1 byte, 2 if max > 255), bytes |
//! | TINY/-/MEDIUM/LONG TEXT and BLOB | 252 BLOB | length bytes 1/2/3/4 | length (that many bytes LE), bytes; TEXT is a BLOB with a collation in the charset metadata |
//! | DATE | 10 | - | 3 bytes LE `year << 9 \| month << 5 \| day` |
//! | DATETIME(f) | 18 DATETIME2 | f | 5 bytes BE `0x8000000000 + ((year × 13 + month) << 22 \| day << 17 \| hour << 12 \| minute << 6 \| second)`, then the fraction |
//! | TIMESTAMP(f) | 17 TIMESTAMP2 | f | seconds since the epoch (UTC) 4 bytes BE, then the fraction |
//! | TIME(f) | 19 TIME2 | f | 3 + k bytes BE (k fraction bytes): `2^(8(3+k)-1) ± ((hour << 12 \| minute << 6 \| second) << 8k \| fraction)` |
//! | YEAR | 13 | - | 1 byte, year − 1900 (0 for 0000) |
//!
//! Fractions: none for f = 0; 1 byte of hundredths for 1-2; 2 bytes BE of 1/10000 s for
//! 3-4; 3 bytes BE of microseconds for 5-6.
//!
//! Write_rows (30), Update_rows (31), Delete_rows (32), version 2, 10-byte post-header:
//!
//! | bytes | field |
//! |---|---|
//! | 6 | table id (of the preceding Table_map) |
//! | 2 | flags: 0x01 STMT_END_F (last event of the statement), 0x02 NO_FOREIGN_KEY_CHECKS, 0x04 RELAXED_UNIQUE_CHECKS |
//! | 2 | extra-data length = 2 (itself; no extra data) |
//! | packed | column count `n` |
//! | (n+7)/8 | columns present (all ones); Update_rows has a second bitmap for the after image |
//! | ... | rows: each image = null bitmap ((n+7)/8 bytes, bit set = NULL), then each non-NULL value; Update rows are before image then after image |

pub mod error;
pub mod event;
pub mod files;
pub mod rows;
pub mod share;

pub use error::{BinlogError, Result};
pub use event::{
    describe, format_description_for_dump, parse_format_description, types, verify_event, Checksum,
    Event, EventHeader, EventSummary, FormatDescription, IntvarKind, Origin, QueryEvent,
    UserVarValue, BINLOG_MAGIC, FORMAT_DESCRIPTION_LEN, HEADER_LEN, SERVER_VERSION,
};
pub use files::{Appended, BinlogDir, BinlogOptions, EventReader, EventSink, RawEvent};
pub use rows::{
    rows_events, rows_events_with, Column, RowChange, RowMetadata, RowsKind, RowsOptions, TableMap,
    NO_FOREIGN_KEY_CHECKS_F, RELAXED_UNIQUE_CHECKS_F, ROWS_EVENT_MAX_SIZE, STMT_END_F,
};
