//! Binlog events: the common header, the CRC32 footer, the non-row events and a decoder
//! for `SHOW BINLOG EVENTS`. Byte layouts are tabled in the [module docs](super).
//!
//! An [`Event`] is built without a place in a file: its header's `log_pos` (the end offset
//! of the event in its file, binlog invariant 1) and its CRC are only known when the file
//! writer appends it, so [`Event::encode`] takes them. Row events are built in
//! [`super::rows`].

use std::fmt::Write as _;

use super::error::{BinlogError, Result};

/// The 4 bytes every binlog file starts with.
pub const BINLOG_MAGIC: [u8; 4] = [0xFE, b'b', b'i', b'n'];
/// Length of the common event header.
pub const HEADER_LEN: usize = 19;
/// Length of the CRC32 footer.
pub const CHECKSUM_LEN: usize = 4;
/// Binlog format version (v4, MySQL 5.0 and later).
pub const BINLOG_VERSION: u16 = 4;
/// The server version written into Format_description events. A MariaDB reader takes a
/// version without "MariaDB" in it for a MySQL master (and, being >= 5.6.1, for one whose
/// Format_description carries the checksum-algorithm byte).
pub const SERVER_VERSION: &str = "8.0.36-borealis";
/// Size of the server-version field of the Format_description event.
const SERVER_VERSION_LEN: usize = 50;

/// Event type codes (MySQL 8.0 `Log_event_type`) that Borealis writes or names.
pub mod types {
    pub const UNKNOWN: u8 = 0;
    pub const QUERY: u8 = 2;
    pub const STOP: u8 = 3;
    pub const ROTATE: u8 = 4;
    pub const INTVAR: u8 = 5;
    pub const RAND: u8 = 13;
    pub const USER_VAR: u8 = 14;
    pub const FORMAT_DESCRIPTION: u8 = 15;
    pub const XID: u8 = 16;
    pub const TABLE_MAP: u8 = 19;
    pub const WRITE_ROWS_V1: u8 = 23;
    pub const UPDATE_ROWS_V1: u8 = 24;
    pub const DELETE_ROWS_V1: u8 = 25;
    pub const INCIDENT: u8 = 26;
    pub const HEARTBEAT: u8 = 27;
    pub const ROWS_QUERY: u8 = 29;
    pub const WRITE_ROWS: u8 = 30;
    pub const UPDATE_ROWS: u8 = 31;
    pub const DELETE_ROWS: u8 = 32;
    pub const GTID: u8 = 33;
    pub const ANONYMOUS_GTID: u8 = 34;
    pub const PREVIOUS_GTIDS: u8 = 35;
}

/// Header flag: set in a file's Format_description while the file is open for writing;
/// cleared when it is closed cleanly. Not covered by the CRC.
pub const LOG_EVENT_BINLOG_IN_USE_F: u16 = 0x0001;
/// Header flag: the event depends on the session (temporary tables).
pub const LOG_EVENT_THREAD_SPECIFIC_F: u16 = 0x0004;
/// Header flag: a Query event whose `db` must not be turned into `USE db`.
pub const LOG_EVENT_SUPPRESS_USE_F: u16 = 0x0008;
/// Header flag: an event made up by the sender (the Rotate that starts a dump stream);
/// it is not in any file and a replica does not advance its position for it.
pub const LOG_EVENT_ARTIFICIAL_F: u16 = 0x0020;

/// Post-header lengths by event type (index = type - 1) exactly as MySQL 8.0.26..8.0.x
/// writes them in its Format_description event (41 types, up to HEARTBEAT_LOG_EVENT_V2).
/// Entry 40 is MySQL's own value for TRANSACTION_PAYLOAD_EVENT: it stores the type code
/// (40) where a length belongs; readers never use it, and we copy it to stay identical.
const POST_HEADER_LENGTHS: [u8; 41] = [
    0,  // 1 START_EVENT_V3 (removed)
    13, // 2 QUERY_EVENT
    0,  // 3 STOP_EVENT
    8,  // 4 ROTATE_EVENT
    0,  // 5 INTVAR_EVENT
    0,  // 6 LOAD_EVENT (removed)
    0,  // 7 SLAVE_EVENT (removed)
    0,  // 8 CREATE_FILE_EVENT (removed)
    4,  // 9 APPEND_BLOCK_EVENT
    0,  // 10 EXEC_LOAD_EVENT (removed)
    4,  // 11 DELETE_FILE_EVENT
    0,  // 12 NEW_LOAD_EVENT (removed)
    0,  // 13 RAND_EVENT
    0,  // 14 USER_VAR_EVENT
    98, // 15 FORMAT_DESCRIPTION_EVENT: 2 + 50 + 4 + 1 + 41
    0,  // 16 XID_EVENT
    4,  // 17 BEGIN_LOAD_QUERY_EVENT
    26, // 18 EXECUTE_LOAD_QUERY_EVENT
    8,  // 19 TABLE_MAP_EVENT
    0,  // 20 PRE_GA_WRITE_ROWS_EVENT
    0,  // 21 PRE_GA_UPDATE_ROWS_EVENT
    0,  // 22 PRE_GA_DELETE_ROWS_EVENT
    8,  // 23 WRITE_ROWS_EVENT_V1
    8,  // 24 UPDATE_ROWS_EVENT_V1
    8,  // 25 DELETE_ROWS_EVENT_V1
    2,  // 26 INCIDENT_EVENT
    0,  // 27 HEARTBEAT_LOG_EVENT
    0,  // 28 IGNORABLE_LOG_EVENT
    0,  // 29 ROWS_QUERY_LOG_EVENT
    10, // 30 WRITE_ROWS_EVENT
    10, // 31 UPDATE_ROWS_EVENT
    10, // 32 DELETE_ROWS_EVENT
    42, // 33 GTID_LOG_EVENT
    42, // 34 ANONYMOUS_GTID_LOG_EVENT
    0,  // 35 PREVIOUS_GTIDS_LOG_EVENT
    18, // 36 TRANSACTION_CONTEXT_EVENT
    52, // 37 VIEW_CHANGE_EVENT
    0,  // 38 XA_PREPARE_LOG_EVENT
    10, // 39 PARTIAL_UPDATE_ROWS_EVENT
    40, // 40 TRANSACTION_PAYLOAD_EVENT (sic)
    0,  // 41 HEARTBEAT_LOG_EVENT_V2
];

/// Size of a Format_description event as Borealis writes it: header, post-header
/// (version, server version, created, header length, 41 lengths), algorithm byte, CRC.
pub const FORMAT_DESCRIPTION_LEN: usize =
    HEADER_LEN + 2 + SERVER_VERSION_LEN + 4 + 1 + 41 + 1 + CHECKSUM_LEN;

/// `binlog_checksum`: whether events carry a CRC32 footer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Checksum {
    /// `NONE`: no footer (the Format_description still has one, as in MySQL).
    None,
    /// `CRC32` (the default): a 4-byte CRC32 of header and body follows every event.
    #[default]
    Crc32,
}

impl Checksum {
    /// The algorithm byte of the Format_description event.
    pub fn alg_byte(self) -> u8 {
        match self {
            Checksum::None => 0,
            Checksum::Crc32 => 1,
        }
    }

    /// Footer bytes of every event except Format_description.
    pub fn footer_len(self) -> usize {
        match self {
            Checksum::None => 0,
            Checksum::Crc32 => CHECKSUM_LEN,
        }
    }

    /// The value of `@@binlog_checksum`.
    pub fn name(self) -> &'static str {
        match self {
            Checksum::None => "NONE",
            Checksum::Crc32 => "CRC32",
        }
    }

    /// Parses `NONE` / `CRC32` (case-insensitive), as `SET @master_binlog_checksum` sends.
    pub fn from_name(s: &str) -> Option<Checksum> {
        if s.eq_ignore_ascii_case("NONE") {
            Some(Checksum::None)
        } else if s.eq_ignore_ascii_case("CRC32") {
            Some(Checksum::Crc32)
        } else {
            None
        }
    }
}

/// Who wrote an event and when: the `server_id` and `timestamp` of its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Origin {
    pub server_id: u32,
    /// Seconds since the epoch (the statement's start for Query events).
    pub timestamp: u32,
}

impl Origin {
    pub fn new(server_id: u32, timestamp: u32) -> Self {
        Origin {
            server_id,
            timestamp,
        }
    }

    /// `server_id` at the current time.
    pub fn now(server_id: u32) -> Self {
        Origin::new(server_id, now_secs())
    }
}

pub(crate) fn now_secs() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs().min(u64::from(u32::MAX)) as u32)
}

/// The common 19-byte event header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventHeader {
    pub timestamp: u32,
    pub type_code: u8,
    pub server_id: u32,
    /// Size of the whole event: header, body and footer.
    pub event_size: u32,
    /// End offset of the event in its file (0 for artificial events).
    pub log_pos: u32,
    pub flags: u16,
}

impl EventHeader {
    /// Parses the first 19 bytes of `raw`.
    pub fn parse(raw: &[u8]) -> Result<EventHeader> {
        let mut c = Cursor::new(raw);
        let h = (|| {
            Some(EventHeader {
                timestamp: c.u32()?,
                type_code: c.u8()?,
                server_id: c.u32()?,
                event_size: c.u32()?,
                log_pos: c.u32()?,
                flags: c.u16()?,
            })
        })();
        h.ok_or_else(|| corrupt(format!("event header needs 19 bytes, have {}", raw.len())))
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.timestamp.to_le_bytes());
        out.push(self.type_code);
        out.extend_from_slice(&self.server_id.to_le_bytes());
        out.extend_from_slice(&self.event_size.to_le_bytes());
        out.extend_from_slice(&self.log_pos.to_le_bytes());
        out.extend_from_slice(&self.flags.to_le_bytes());
    }
}

/// One event before it has a place in a file: header fields and body (post-header and
/// payload, without the footer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub type_code: u8,
    pub origin: Origin,
    pub flags: u16,
    pub body: Vec<u8>,
}

/// `INSERT_ID` / `LAST_INSERT_ID` for an Intvar event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntvarKind {
    LastInsertId = 1,
    InsertId = 2,
}

/// The value of a user variable for a User_var event (statement-based logging).
#[derive(Clone, Debug, PartialEq)]
pub enum UserVarValue {
    Null,
    /// A string in the character set of `collation` (a MySQL collation id).
    String {
        bytes: Vec<u8>,
        collation: u16,
    },
    Real(f64),
    Int {
        value: i64,
        unsigned: bool,
    },
    Decimal(crate::value::Decimal),
}

/// A Query event: a statement as the session ran it, with the session state a replica
/// needs to run it the same way (the status variables).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryEvent {
    pub thread_id: u32,
    /// Seconds the statement took.
    pub exec_time: u32,
    pub error_code: u16,
    /// Default database (`USE db`); empty for none. At most 255 bytes.
    pub db: String,
    /// The statement, in the connection character set.
    pub statement: Vec<u8>,
    /// `Q_FLAGS2_CODE`: the `OPTION_*` bits below.
    pub flags2: u32,
    /// `Q_SQL_MODE_CODE`: `sql_mode` with MySQL 8.0's bit numbers.
    pub sql_mode: u64,
    /// `Q_AUTO_INCREMENT`: (increment, offset); written when not (1, 1).
    pub auto_increment: (u16, u16),
    /// `Q_CHARSET_CODE`: character_set_client, collation_connection, collation_server
    /// (collation ids; a MariaDB replica must know them, so not 255/309 for it).
    pub charset: (u16, u16, u16),
    /// `Q_CHARSET_DATABASE_CODE`: collation_database when it differs from the server's.
    pub collation_database: Option<u16>,
    /// `Q_TIME_ZONE_CODE`: the session time zone when it is not the global one.
    pub time_zone: Option<String>,
    /// `Q_LC_TIME_NAMES_CODE`: lc_time_names number, written when not 0 (en_US).
    pub lc_time_names: u16,
}

impl QueryEvent {
    /// `flags2` bit: `sql_auto_is_null=1`.
    pub const OPTION_AUTO_IS_NULL: u32 = 1 << 14;
    /// `flags2` bit: `autocommit=0`.
    pub const OPTION_NOT_AUTOCOMMIT: u32 = 1 << 19;
    /// `flags2` bit: `foreign_key_checks=0`.
    pub const OPTION_NO_FOREIGN_KEY_CHECKS: u32 = 1 << 26;
    /// `flags2` bit: `unique_checks=0`.
    pub const OPTION_RELAXED_UNIQUE_CHECKS: u32 = 1 << 27;
    /// MySQL 8.0's default sql_mode (ONLY_FULL_GROUP_BY, STRICT_TRANS_TABLES,
    /// NO_ZERO_IN_DATE, NO_ZERO_DATE, ERROR_FOR_DIVISION_BY_ZERO, NO_ENGINE_SUBSTITUTION).
    pub const DEFAULT_SQL_MODE: u64 = 1_168_113_696;

    /// A statement with default session state (utf8mb4_general_ci everywhere).
    pub fn new(db: &str, statement: impl Into<Vec<u8>>) -> QueryEvent {
        QueryEvent {
            thread_id: 0,
            exec_time: 0,
            error_code: 0,
            db: db.to_string(),
            statement: statement.into(),
            flags2: 0,
            sql_mode: Self::DEFAULT_SQL_MODE,
            auto_increment: (1, 1),
            charset: (45, 45, 45),
            collation_database: None,
            time_zone: None,
            lc_time_names: 0,
        }
    }

    /// The `BEGIN` that opens a row-based transaction.
    pub fn begin() -> QueryEvent {
        QueryEvent::new("", "BEGIN")
    }
}

// Query status-variable codes (MySQL 8.0 and MariaDB agree on 0..=11; MariaDB stops
// parsing at the first code it does not know, so only these are written).
const Q_FLAGS2_CODE: u8 = 0;
const Q_SQL_MODE_CODE: u8 = 1;
const Q_AUTO_INCREMENT: u8 = 3;
const Q_CHARSET_CODE: u8 = 4;
const Q_TIME_ZONE_CODE: u8 = 5;
const Q_CATALOG_NZ_CODE: u8 = 6;
const Q_LC_TIME_NAMES_CODE: u8 = 7;
const Q_CHARSET_DATABASE_CODE: u8 = 8;

fn push_str255(out: &mut Vec<u8>, what: &str, s: &[u8]) -> Result<()> {
    let len = u8::try_from(s.len())
        .map_err(|_| BinlogError::invalid(format!("{what} longer than 255 bytes")))?;
    out.push(len);
    out.extend_from_slice(s);
    Ok(())
}

/// Appends a MySQL packed ("length-encoded") integer.
pub(crate) fn put_packed(out: &mut Vec<u8>, v: u64) {
    if v < 251 {
        out.push(v as u8);
    } else if v < 1 << 16 {
        out.push(0xFC);
        out.extend_from_slice(&(v as u16).to_le_bytes());
    } else if v < 1 << 24 {
        out.push(0xFD);
        out.extend_from_slice(&(v as u32).to_le_bytes()[..3]);
    } else {
        out.push(0xFE);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

impl Event {
    /// An event of any type from its body.
    pub fn new(type_code: u8, origin: Origin, flags: u16, body: Vec<u8>) -> Event {
        Event {
            type_code,
            origin,
            flags,
            body,
        }
    }

    /// Size once encoded with `checksum` (the Format_description always has a footer).
    pub fn encoded_len(&self, checksum: Checksum) -> usize {
        HEADER_LEN + self.body.len() + self.footer_len(checksum)
    }

    fn footer_len(&self, checksum: Checksum) -> usize {
        if self.type_code == types::FORMAT_DESCRIPTION {
            CHECKSUM_LEN
        } else {
            checksum.footer_len()
        }
    }

    /// Appends the event with header field `log_pos` (its end offset in the file, or the
    /// coordinate a Heartbeat reports, or 0 for artificial events) and, per `checksum`,
    /// the CRC32 footer. Fails when the event is larger than 4 GiB.
    pub fn encode_into(&self, out: &mut Vec<u8>, log_pos: u32, checksum: Checksum) -> Result<()> {
        let size = u32::try_from(self.encoded_len(checksum))
            .map_err(|_| BinlogError::invalid("event larger than 4 GiB"))?;
        let start = out.len();
        EventHeader {
            timestamp: self.origin.timestamp,
            type_code: self.type_code,
            server_id: self.origin.server_id,
            event_size: size,
            log_pos,
            flags: self.flags,
        }
        .write(out);
        out.extend_from_slice(&self.body);
        if self.footer_len(checksum) > 0 {
            let crc = event_crc(&out[start..]);
            out.extend_from_slice(&crc.to_le_bytes());
        }
        Ok(())
    }

    /// [`Event::encode_into`] a new buffer.
    pub fn encode(&self, log_pos: u32, checksum: Checksum) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.encoded_len(checksum));
        self.encode_into(&mut out, log_pos, checksum)?;
        Ok(out)
    }

    /// The Format_description event that follows the magic at the start of every file.
    /// `created` is the file's creation time for the first file after a server start
    /// (readers then drop temporary tables of the previous run), else 0.
    /// `checksum` sets the algorithm byte; the event itself always carries a CRC.
    pub fn format_description(origin: Origin, created: u32, checksum: Checksum) -> Event {
        let mut body = Vec::with_capacity(FORMAT_DESCRIPTION_LEN - HEADER_LEN - CHECKSUM_LEN);
        body.extend_from_slice(&BINLOG_VERSION.to_le_bytes());
        let mut version = [0u8; SERVER_VERSION_LEN];
        version[..SERVER_VERSION.len()].copy_from_slice(SERVER_VERSION.as_bytes());
        body.extend_from_slice(&version);
        body.extend_from_slice(&created.to_le_bytes());
        body.push(HEADER_LEN as u8);
        body.extend_from_slice(&POST_HEADER_LENGTHS);
        body.push(checksum.alg_byte());
        Event::new(types::FORMAT_DESCRIPTION, origin, 0, body)
    }

    /// A Query event. Fails when `db` or the time zone name exceed 255 bytes.
    pub fn query(origin: Origin, q: &QueryEvent) -> Result<Event> {
        let mut status = Vec::with_capacity(48);
        status.push(Q_FLAGS2_CODE);
        status.extend_from_slice(&q.flags2.to_le_bytes());
        status.push(Q_SQL_MODE_CODE);
        status.extend_from_slice(&q.sql_mode.to_le_bytes());
        status.push(Q_CATALOG_NZ_CODE);
        push_str255(&mut status, "catalog", b"std")?;
        if q.auto_increment != (1, 1) {
            status.push(Q_AUTO_INCREMENT);
            status.extend_from_slice(&q.auto_increment.0.to_le_bytes());
            status.extend_from_slice(&q.auto_increment.1.to_le_bytes());
        }
        status.push(Q_CHARSET_CODE);
        for id in [q.charset.0, q.charset.1, q.charset.2] {
            status.extend_from_slice(&id.to_le_bytes());
        }
        if let Some(tz) = &q.time_zone {
            status.push(Q_TIME_ZONE_CODE);
            push_str255(&mut status, "time zone name", tz.as_bytes())?;
        }
        if q.lc_time_names != 0 {
            status.push(Q_LC_TIME_NAMES_CODE);
            status.extend_from_slice(&q.lc_time_names.to_le_bytes());
        }
        if let Some(id) = q.collation_database {
            status.push(Q_CHARSET_DATABASE_CODE);
            status.extend_from_slice(&id.to_le_bytes());
        }
        let db_len = u8::try_from(q.db.len())
            .map_err(|_| BinlogError::invalid("database name longer than 255 bytes"))?;
        let mut body = Vec::with_capacity(13 + status.len() + q.db.len() + 1 + q.statement.len());
        body.extend_from_slice(&q.thread_id.to_le_bytes());
        body.extend_from_slice(&q.exec_time.to_le_bytes());
        body.push(db_len);
        body.extend_from_slice(&q.error_code.to_le_bytes());
        body.extend_from_slice(&(status.len() as u16).to_le_bytes());
        body.extend_from_slice(&status);
        body.extend_from_slice(q.db.as_bytes());
        body.push(0);
        body.extend_from_slice(&q.statement);
        Ok(Event::new(types::QUERY, origin, 0, body))
    }

    /// The Xid event that commits a transaction.
    pub fn xid(origin: Origin, xid: u64) -> Event {
        Event::new(types::XID, origin, 0, xid.to_le_bytes().to_vec())
    }

    /// The Rotate event that ends a file and names the next one (position 4).
    pub fn rotate(origin: Origin, next_file: &str, position: u64) -> Event {
        let mut body = position.to_le_bytes().to_vec();
        body.extend_from_slice(next_file.as_bytes());
        Event::new(types::ROTATE, origin, 0, body)
    }

    /// The artificial Rotate a dump stream starts with: timestamp 0, flags
    /// `LOG_EVENT_ARTIFICIAL_F`; encode it with `log_pos` 0 and the checksum the replica
    /// asked for (`@master_binlog_checksum`).
    pub fn artificial_rotate(server_id: u32, file: &str, position: u64) -> Event {
        let mut ev = Event::rotate(Origin::new(server_id, 0), file, position);
        ev.flags = LOG_EVENT_ARTIFICIAL_F;
        ev
    }

    /// The Stop event written at a clean shutdown.
    pub fn stop(origin: Origin) -> Event {
        Event::new(types::STOP, origin, 0, Vec::new())
    }

    /// An Intvar event (before a statement that uses `LAST_INSERT_ID()` / auto-increment).
    pub fn intvar(origin: Origin, kind: IntvarKind, value: u64) -> Event {
        let mut body = vec![kind as u8];
        body.extend_from_slice(&value.to_le_bytes());
        Event::new(types::INTVAR, origin, 0, body)
    }

    /// A Rand event: the seeds `RAND()` starts from in the next statement.
    pub fn rand(origin: Origin, seed1: u64, seed2: u64) -> Event {
        let mut body = seed1.to_le_bytes().to_vec();
        body.extend_from_slice(&seed2.to_le_bytes());
        Event::new(types::RAND, origin, 0, body)
    }

    /// A User_var event: the value of `@name` used by the next statement.
    pub fn user_var(origin: Origin, name: &str, value: &UserVarValue) -> Result<Event> {
        const STRING_RESULT: u8 = 0;
        const REAL_RESULT: u8 = 1;
        const INT_RESULT: u8 = 2;
        const DECIMAL_RESULT: u8 = 4;
        const BINARY: u32 = 63;
        let mut body = Vec::with_capacity(16 + name.len());
        let name_len = u32::try_from(name.len())
            .map_err(|_| BinlogError::invalid("user variable name too long"))?;
        body.extend_from_slice(&name_len.to_le_bytes());
        body.extend_from_slice(name.as_bytes());
        let (kind, charset, value, flags): (u8, u32, Vec<u8>, Option<u8>) = match value {
            UserVarValue::Null => {
                body.push(1);
                return Ok(Event::new(types::USER_VAR, origin, 0, body));
            }
            UserVarValue::String { bytes, collation } => {
                (STRING_RESULT, u32::from(*collation), bytes.clone(), None)
            }
            UserVarValue::Real(f) => (REAL_RESULT, BINARY, f.to_le_bytes().to_vec(), None),
            UserVarValue::Int { value, unsigned } => (
                INT_RESULT,
                BINARY,
                value.to_le_bytes().to_vec(),
                Some(u8::from(*unsigned)),
            ),
            UserVarValue::Decimal(d) => {
                // [precision][scale][binary decimal], as MySQL's decimal2bin.
                let scale = d.scale().min(30);
                let precision = (d.int_digits().max(1) + u32::from(scale)).min(65) as u8;
                let mut v = vec![precision, scale];
                let ty = crate::value::SqlType::Decimal { precision, scale };
                let dv = crate::value::Value::Decimal(d.clone());
                crate::sql::checksum::field_image(&ty, &dv, &mut v)
                    .map_err(|e| BinlogError::invalid(format!("user variable @{name}: {e}")))?;
                (DECIMAL_RESULT, BINARY, v, None)
            }
        };
        let value_len = u32::try_from(value.len())
            .map_err(|_| BinlogError::invalid("user variable value too long"))?;
        body.push(0);
        body.push(kind);
        body.extend_from_slice(&charset.to_le_bytes());
        body.extend_from_slice(&value_len.to_le_bytes());
        body.extend_from_slice(&value);
        if let Some(f) = flags {
            body.push(f);
        }
        Ok(Event::new(types::USER_VAR, origin, 0, body))
    }

    /// A Heartbeat (type 27) a dump thread sends when idle: the body is the current file
    /// name; encode it with `log_pos` = the current position in that file and the
    /// replica's checksum. MySQL and MariaDB masters both send timestamp 0 and flags 0.
    pub fn heartbeat(server_id: u32, file: &str) -> Event {
        Event::new(
            types::HEARTBEAT,
            Origin::new(server_id, 0),
            0,
            file.as_bytes().to_vec(),
        )
    }
}

/// CRC32 of an encoded event without its footer. The in-use flag of a Format_description
/// is not covered (it is cleared in place when the file is closed).
fn event_crc(raw: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    if raw.len() >= HEADER_LEN && raw[4] == types::FORMAT_DESCRIPTION {
        h.update(&raw[..17]);
        let flags = u16::from_le_bytes([raw[17], raw[18]]) & !LOG_EVENT_BINLOG_IN_USE_F;
        h.update(&flags.to_le_bytes());
        h.update(&raw[HEADER_LEN..]);
    } else {
        h.update(raw);
    }
    h.finalize()
}

/// Recomputes the footer of an encoded event in place (after patching its header).
pub fn refresh_checksum(raw: &mut [u8]) {
    if raw.len() >= HEADER_LEN + CHECKSUM_LEN {
        let n = raw.len() - CHECKSUM_LEN;
        let crc = event_crc(&raw[..n]);
        raw[n..].copy_from_slice(&crc.to_le_bytes());
    }
}

/// The Format_description of a file prepared for a dump stream starting at `start_pos`:
/// the in-use flag cleared and, when the stream starts after it (`start_pos > 4`, a
/// replica resuming), `log_pos` set to 0 so the replica does not take it for its
/// position, and `created` set to 0. A replica reads a non-zero `created` as "the source
/// restarted": it rolls back the transaction it was receiving and drops its temporary
/// tables. A replica resuming mid-file may hold the first events of a transaction whose
/// rest is coming (a durable transaction whose sending a crash cut short), so that must
/// not happen; MySQL and MariaDB clear both fields the same way. The CRC is recomputed.
pub fn format_description_for_dump(raw: &[u8], start_pos: u64) -> Result<Vec<u8>> {
    let fd = parse_format_description(raw)?;
    let mut out = raw.to_vec();
    let flags = u16::from_le_bytes([out[17], out[18]]) & !LOG_EVENT_BINLOG_IN_USE_F;
    out[17..19].copy_from_slice(&flags.to_le_bytes());
    if start_pos > BINLOG_MAGIC.len() as u64 {
        out[13..17].copy_from_slice(&0u32.to_le_bytes());
        // Post-header: binlog version (2), server version, then `created` (4).
        let created = HEADER_LEN + 2 + SERVER_VERSION_LEN;
        out[created..created + 4].copy_from_slice(&0u32.to_le_bytes());
    }
    if fd.has_footer {
        refresh_checksum(&mut out);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------

/// A bounds-checked little-endian reader; every method returns `None` past the end.
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let b = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(b)
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }

    /// An `n`-byte (n <= 8) little-endian unsigned integer.
    pub(crate) fn uint(&mut self, n: usize) -> Option<u64> {
        if n > 8 {
            return None;
        }
        let b = self.bytes(n)?;
        let mut v = [0u8; 8];
        v[..n].copy_from_slice(b);
        Some(u64::from_le_bytes(v))
    }

    pub(crate) fn u16(&mut self) -> Option<u16> {
        self.uint(2).map(|v| v as u16)
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        self.uint(4).map(|v| v as u32)
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        self.uint(8)
    }

    /// A MySQL packed integer.
    #[cfg(test)]
    pub(crate) fn packed(&mut self) -> Option<u64> {
        match self.u8()? {
            0xFC => self.uint(2),
            0xFD => self.uint(3),
            0xFE => self.uint(8),
            0xFB | 0xFF => None,
            b => Some(u64::from(b)),
        }
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let r = self.buf.get(self.pos..).unwrap_or(&[]);
        self.pos = self.buf.len();
        r
    }
}

pub(crate) fn corrupt(detail: impl Into<String>) -> BinlogError {
    BinlogError::corrupt("", 0, detail)
}

/// A parsed Format_description event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatDescription {
    pub binlog_version: u16,
    pub server_version: String,
    /// File creation time, or 0 for files opened by a rotation.
    pub created: u32,
    pub header_len: u8,
    /// Post-header length per event type (index = type - 1).
    pub post_header_lens: Vec<u8>,
    /// The checksum of the other events of the file.
    pub checksum: Checksum,
    /// False only for servers older than checksums (MySQL < 5.6.1, MariaDB < 5.3):
    /// no algorithm byte and no CRC.
    pub has_footer: bool,
}

/// (major, minor, patch) of a server version string such as `8.0.36-borealis`.
fn version_triple(v: &str) -> (u32, u32, u32) {
    let mut parts = v.splitn(3, '.');
    let mut num = || -> u32 {
        let digits: String = parts
            .next()
            .unwrap_or("")
            .chars()
            .take_while(char::is_ascii_digit)
            .take(9)
            .collect();
        digits.parse().unwrap_or(0)
    };
    (num(), num(), num())
}

/// Parses and verifies (size, CRC) a Format_description event.
pub fn parse_format_description(raw: &[u8]) -> Result<FormatDescription> {
    let h = EventHeader::parse(raw)?;
    if h.type_code != types::FORMAT_DESCRIPTION {
        return Err(corrupt(format!(
            "expected a Format_description event, found type {}",
            h.type_code
        )));
    }
    if h.event_size as usize != raw.len() {
        return Err(corrupt("Format_description size does not match its header"));
    }
    let mut c = Cursor::new(&raw[HEADER_LEN..]);
    let short = || corrupt("Format_description event too short");
    let binlog_version = c.u16().ok_or_else(short)?;
    let version = c.bytes(SERVER_VERSION_LEN).ok_or_else(short)?;
    let end = version
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(version.len());
    let server_version = String::from_utf8_lossy(&version[..end]).into_owned();
    let created = c.u32().ok_or_else(short)?;
    let header_len = c.u8().ok_or_else(short)?;
    if usize::from(header_len) != HEADER_LEN {
        return Err(corrupt(format!(
            "unsupported event header length {header_len}"
        )));
    }
    let version = version_triple(&server_version);
    let has_footer = if server_version.contains("MariaDB") {
        version >= (5, 3, 0)
    } else {
        version >= (5, 6, 1)
    };
    let rest = c.rest();
    let (lens, checksum) = if has_footer {
        let n = rest.len().checked_sub(1 + CHECKSUM_LEN).ok_or_else(short)?;
        let alg = rest[n];
        let stored = u32::from_le_bytes([rest[n + 1], rest[n + 2], rest[n + 3], rest[n + 4]]);
        let computed = event_crc(&raw[..raw.len() - CHECKSUM_LEN]);
        if stored != computed {
            return Err(corrupt(format!(
                "Format_description checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
            )));
        }
        let checksum = match alg {
            1 => Checksum::Crc32,
            0 | 255 => Checksum::None,
            a => return Err(corrupt(format!("unknown checksum algorithm {a}"))),
        };
        (&rest[..n], checksum)
    } else {
        (rest, Checksum::None)
    };
    Ok(FormatDescription {
        binlog_version,
        server_version,
        created,
        header_len,
        post_header_lens: lens.to_vec(),
        checksum,
        has_footer,
    })
}

/// Checks an encoded event of a file whose events use `checksum`: its size field matches
/// `raw` and its CRC (if any) is right. Returns the header.
pub fn verify_event(raw: &[u8], checksum: Checksum) -> Result<EventHeader> {
    let h = EventHeader::parse(raw)?;
    if h.event_size as usize != raw.len() {
        return Err(corrupt(format!(
            "event size {} does not match the {} bytes given",
            h.event_size,
            raw.len()
        )));
    }
    if h.type_code == types::FORMAT_DESCRIPTION {
        parse_format_description(raw)?;
        return Ok(h);
    }
    if raw.len() < HEADER_LEN + checksum.footer_len() {
        return Err(corrupt("event shorter than header and checksum"));
    }
    if checksum == Checksum::Crc32 {
        let n = raw.len() - CHECKSUM_LEN;
        let stored = u32::from_le_bytes([raw[n], raw[n + 1], raw[n + 2], raw[n + 3]]);
        let computed = event_crc(&raw[..n]);
        if stored != computed {
            return Err(corrupt(format!(
                "checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
            )));
        }
    }
    Ok(h)
}

/// The `Event_type` column of `SHOW BINLOG EVENTS` (MySQL 8.0's names).
pub fn type_name(type_code: u8) -> &'static str {
    match type_code {
        1 => "Start_v3",
        types::QUERY => "Query",
        types::STOP => "Stop",
        types::ROTATE => "Rotate",
        types::INTVAR => "Intvar",
        9 => "Append_block",
        11 => "Delete_file",
        types::RAND => "RAND",
        types::USER_VAR => "User var",
        types::FORMAT_DESCRIPTION => "Format_desc",
        types::XID => "Xid",
        17 => "Begin_load_query",
        18 => "Execute_load_query",
        types::TABLE_MAP => "Table_map",
        types::WRITE_ROWS_V1 => "Write_rows_v1",
        types::UPDATE_ROWS_V1 => "Update_rows_v1",
        types::DELETE_ROWS_V1 => "Delete_rows_v1",
        types::INCIDENT => "Incident",
        types::HEARTBEAT => "Heartbeat",
        28 => "Ignorable",
        types::ROWS_QUERY => "Rows_query",
        types::WRITE_ROWS => "Write_rows",
        types::UPDATE_ROWS => "Update_rows",
        types::DELETE_ROWS => "Delete_rows",
        types::GTID => "Gtid",
        types::ANONYMOUS_GTID => "Anonymous_Gtid",
        types::PREVIOUS_GTIDS => "Previous_gtids",
        36 => "Transaction_context",
        37 => "View_change",
        38 => "XA_prepare",
        39 => "Update_rows_partial",
        40 => "Transaction_payload",
        41 => "Heartbeat_v2",
        _ => "Unknown",
    }
}

/// One event as `SHOW BINLOG EVENTS` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSummary {
    pub header: EventHeader,
    /// `Event_type`.
    pub type_name: &'static str,
    /// `Info`.
    pub info: String,
}

/// A decoded Query event (the parts `SHOW BINLOG EVENTS` and file repair need).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryInfo {
    pub db: String,
    pub statement: Vec<u8>,
    pub error_code: u16,
}

/// The bytes between header and footer.
fn event_body(raw: &[u8], footer: usize) -> Result<&[u8]> {
    raw.len()
        .checked_sub(footer)
        .filter(|&end| end >= HEADER_LEN)
        .map(|end| &raw[HEADER_LEN..end])
        .ok_or_else(|| corrupt("event shorter than its header"))
}

/// Decodes a Query event (`raw` is the whole event, `footer` its footer length).
pub fn parse_query(raw: &[u8], footer: usize) -> Result<QueryInfo> {
    let body = event_body(raw, footer)?;
    let mut c = Cursor::new(body);
    let short = || corrupt("Query event too short");
    c.u32().ok_or_else(short)?;
    c.u32().ok_or_else(short)?;
    let db_len = usize::from(c.u8().ok_or_else(short)?);
    let error_code = c.u16().ok_or_else(short)?;
    let status_len = usize::from(c.u16().ok_or_else(short)?);
    c.bytes(status_len).ok_or_else(short)?;
    let db = c.bytes(db_len).ok_or_else(short)?;
    if c.u8().ok_or_else(short)? != 0 {
        return Err(corrupt("Query event database name is not NUL-terminated"));
    }
    Ok(QueryInfo {
        db: String::from_utf8_lossy(db).into_owned(),
        statement: c.rest().to_vec(),
        error_code,
    })
}

/// Decodes an event of a file whose events use `checksum` into its `SHOW BINLOG EVENTS`
/// row, verifying size and CRC first.
pub fn describe(raw: &[u8], checksum: Checksum) -> Result<EventSummary> {
    let header = verify_event(raw, checksum)?;
    let footer = if header.type_code == types::FORMAT_DESCRIPTION {
        CHECKSUM_LEN
    } else {
        checksum.footer_len()
    };
    let body = event_body(raw, footer)?;
    let mut c = Cursor::new(body);
    let short = |what: &str| corrupt(format!("{what} event too short"));
    let info = match header.type_code {
        types::FORMAT_DESCRIPTION => {
            let fd = parse_format_description(raw)?;
            format!(
                "Server ver: {}, Binlog ver: {}",
                fd.server_version, fd.binlog_version
            )
        }
        types::QUERY => {
            let q = parse_query(raw, footer)?;
            let mut s = String::new();
            if !q.db.is_empty() && header.flags & LOG_EVENT_SUPPRESS_USE_F == 0 {
                let _ = write!(s, "use `{}`; ", q.db.replace('`', "``"));
            }
            s.push_str(&String::from_utf8_lossy(&q.statement));
            s
        }
        types::XID => {
            let xid = c.u64().ok_or_else(|| short("Xid"))?;
            format!("COMMIT /* xid={xid} */")
        }
        types::ROTATE => {
            let pos = c.u64().ok_or_else(|| short("Rotate"))?;
            format!("{};pos={pos}", String::from_utf8_lossy(c.rest()))
        }
        types::INTVAR => {
            let kind = c.u8().ok_or_else(|| short("Intvar"))?;
            let value = c.u64().ok_or_else(|| short("Intvar"))?;
            let name = match kind {
                1 => "LAST_INSERT_ID",
                2 => "INSERT_ID",
                _ => "INVALID_INT",
            };
            format!("{name}={value}")
        }
        types::RAND => {
            let s1 = c.u64().ok_or_else(|| short("Rand"))?;
            let s2 = c.u64().ok_or_else(|| short("Rand"))?;
            format!("rand_seed1={s1},rand_seed2={s2}")
        }
        types::USER_VAR => describe_user_var(&mut c)?,
        types::TABLE_MAP => {
            let (id, db, table) = super::rows::parse_table_map_names(body)?;
            format!("table_id: {id} ({db}.{table})")
        }
        types::WRITE_ROWS
        | types::UPDATE_ROWS
        | types::DELETE_ROWS
        | types::WRITE_ROWS_V1
        | types::UPDATE_ROWS_V1
        | types::DELETE_ROWS_V1 => {
            let table_id = c.uint(6).ok_or_else(|| short("Rows"))?;
            let flags = c.u16().ok_or_else(|| short("Rows"))?;
            if flags & super::rows::STMT_END_F != 0 {
                format!("table_id: {table_id} flags: STMT_END_F")
            } else {
                format!("table_id: {table_id}")
            }
        }
        types::HEARTBEAT => String::from_utf8_lossy(body).into_owned(),
        _ => String::new(),
    };
    Ok(EventSummary {
        header,
        type_name: type_name(header.type_code),
        info,
    })
}

fn describe_user_var(c: &mut Cursor<'_>) -> Result<String> {
    let short = || corrupt("User var event too short");
    let name_len = c.u32().ok_or_else(short)? as usize;
    let name = String::from_utf8_lossy(c.bytes(name_len).ok_or_else(short)?).replace('`', "``");
    if c.u8().ok_or_else(short)? != 0 {
        return Ok(format!("@`{name}`=NULL"));
    }
    let kind = c.u8().ok_or_else(short)?;
    let charset = c.u32().ok_or_else(short)?;
    let len = c.u32().ok_or_else(short)? as usize;
    let value = c.bytes(len).ok_or_else(short)?;
    let flags = c.u8().unwrap_or(0);
    let eight = |v: &[u8]| -> Option<[u8; 8]> { v.try_into().ok() };
    let shown = match (kind, eight(value)) {
        (0, _) => {
            let mut hex = String::with_capacity(2 + value.len() * 2);
            hex.push_str("0x");
            for b in value {
                let _ = write!(hex, "{b:02x}");
            }
            match u16::try_from(charset)
                .ok()
                .and_then(crate::value::Collation::from_id)
            {
                Some(cs) => format!("_{} {hex} COLLATE {}", cs.charset(), cs.name()),
                None => format!("{hex} COLLATE {charset}"),
            }
        }
        (1, Some(b)) => format!("{:e}", f64::from_le_bytes(b)),
        (2, Some(b)) if flags & 1 != 0 => u64::from_le_bytes(b).to_string(),
        (2, Some(b)) => i64::from_le_bytes(b).to_string(),
        (4, _) => "<decimal>".to_string(),
        _ => {
            return Err(corrupt(format!(
                "User var event with value type {kind} and {len} bytes"
            )))
        }
    };
    Ok(format!("@`{name}`={shown}"))
}

/// True when the event ends a transaction group, i.e. a reader (or a crash repair) may
/// stop right after it without leaving a transaction half-applied: Xid, COMMIT/ROLLBACK,
/// a statement outside BEGIN..COMMIT, and the file-level events. `in_txn` tracks
/// whether a `BEGIN` is open and is updated.
pub fn ends_group(raw: &[u8], checksum: Checksum, in_txn: &mut bool) -> Result<bool> {
    let h = EventHeader::parse(raw)?;
    Ok(match h.type_code {
        types::QUERY => {
            let q = parse_query(raw, checksum.footer_len())?;
            let stmt = q.statement.trim_ascii_start();
            let is = |kw: &[u8]| {
                stmt.len() >= kw.len()
                    && stmt[..kw.len()].eq_ignore_ascii_case(kw)
                    && stmt
                        .get(kw.len())
                        .is_none_or(|c| !c.is_ascii_alphanumeric())
            };
            if is(b"BEGIN") || is(b"XA START") {
                *in_txn = true;
                false
            } else if is(b"COMMIT") || is(b"ROLLBACK") || is(b"XA COMMIT") {
                *in_txn = false;
                true
            } else {
                !*in_txn
            }
        }
        types::XID => {
            *in_txn = false;
            true
        }
        types::FORMAT_DESCRIPTION | types::ROTATE | types::STOP | types::HEARTBEAT => !*in_txn,
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_description_layout() {
        let ev = Event::format_description(Origin::new(1, 1_700_000_000), 0, Checksum::Crc32);
        let raw = ev.encode(126, Checksum::None).unwrap();
        assert_eq!(raw.len(), FORMAT_DESCRIPTION_LEN);
        assert_eq!(FORMAT_DESCRIPTION_LEN, 122);
        // Post-header length of the Format_description itself (type 15): 2 + 50 + 4 + 1 + 41.
        assert_eq!(raw[HEADER_LEN + 57 + 14], 98);
        let fd = parse_format_description(&raw).unwrap();
        assert_eq!(fd.server_version, SERVER_VERSION);
        assert_eq!(fd.checksum, Checksum::Crc32);
        assert_eq!(fd.post_header_lens.len(), 41);
        assert_eq!(fd.post_header_lens[usize::from(types::WRITE_ROWS) - 1], 10);
        // The in-use flag is outside the CRC.
        let mut flagged = raw.clone();
        flagged[17] |= 1;
        assert!(parse_format_description(&flagged).is_ok());
        flagged[30] ^= 1;
        assert!(parse_format_description(&flagged).is_err());
    }

    #[test]
    fn packed_integers() {
        for (v, len) in [
            (0u64, 1),
            (250, 1),
            (251, 3),
            (65_535, 3),
            (65_536, 4),
            (1 << 24, 9),
        ] {
            let mut out = Vec::new();
            put_packed(&mut out, v);
            assert_eq!(out.len(), len, "{v}");
            assert_eq!(Cursor::new(&out).packed(), Some(v));
        }
    }

    #[test]
    fn describe_basic_events() {
        let o = Origin::new(7, 100);
        let q = Event::query(o, &QueryEvent::new("db", "CREATE TABLE t (a INT)")).unwrap();
        let raw = q.encode(500, Checksum::Crc32).unwrap();
        let s = describe(&raw, Checksum::Crc32).unwrap();
        assert_eq!(s.type_name, "Query");
        assert_eq!(s.info, "use `db`; CREATE TABLE t (a INT)");
        let raw = Event::xid(o, 12).encode(0, Checksum::None).unwrap();
        assert_eq!(
            describe(&raw, Checksum::None).unwrap().info,
            "COMMIT /* xid=12 */"
        );
        let raw = Event::rotate(o, "mysql-bin-changelog.000002", 4)
            .encode(0, Checksum::Crc32)
            .unwrap();
        assert_eq!(
            describe(&raw, Checksum::Crc32).unwrap().info,
            "mysql-bin-changelog.000002;pos=4"
        );
        let mut bad = raw.clone();
        bad[25] ^= 0x40;
        assert!(describe(&bad, Checksum::Crc32).unwrap_err().is_corruption());
        let uv = Event::user_var(
            o,
            "n",
            &UserVarValue::Int {
                value: -5,
                unsigned: false,
            },
        )
        .unwrap()
        .encode(0, Checksum::None)
        .unwrap();
        assert_eq!(describe(&uv, Checksum::None).unwrap().info, "@`n`=-5");
    }

    #[test]
    fn group_boundaries() {
        let o = Origin::new(1, 0);
        let ev = |e: Event| e.encode(0, Checksum::None).unwrap();
        let mut in_txn = false;
        let begin = ev(Event::query(o, &QueryEvent::begin()).unwrap());
        assert!(!ends_group(&begin, Checksum::None, &mut in_txn).unwrap());
        assert!(in_txn);
        assert!(ends_group(&ev(Event::xid(o, 1)), Checksum::None, &mut in_txn).unwrap());
        let ddl = ev(Event::query(o, &QueryEvent::new("d", "DROP TABLE t")).unwrap());
        assert!(ends_group(&ddl, Checksum::None, &mut in_txn).unwrap());
        let begin_work = ev(Event::query(o, &QueryEvent::new("", "BEGINX")).unwrap());
        assert!(ends_group(&begin_work, Checksum::None, &mut in_txn).unwrap());
    }

    /// Arbitrary bytes never panic the decoder.
    #[test]
    fn random_bytes_never_panic() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let o = Origin::new(1, 2);
        let seeds: Vec<Vec<u8>> = vec![
            Event::format_description(o, 3, Checksum::Crc32)
                .encode(126, Checksum::Crc32)
                .unwrap(),
            Event::query(o, &QueryEvent::new("db", "INSERT 1"))
                .unwrap()
                .encode(200, Checksum::Crc32)
                .unwrap(),
            Event::user_var(
                o,
                "v",
                &UserVarValue::String {
                    bytes: b"x".to_vec(),
                    collation: 45,
                },
            )
            .unwrap()
            .encode(9, Checksum::None)
            .unwrap(),
            Event::rotate(o, "f.000002", 4)
                .encode(9, Checksum::None)
                .unwrap(),
        ];
        let mut seeds = seeds;
        let map = super::super::rows::TableMap::new(
            3,
            "db",
            "t",
            vec![super::super::rows::Column::new(
                "a",
                crate::value::SqlType::varchar(5),
                true,
            )],
        );
        seeds.push(map.event(o).unwrap().encode(0, Checksum::None).unwrap());
        let row = [crate::value::Value::str("abc")];
        for ev in super::super::rows::rows_events(
            o,
            super::super::rows::RowsKind::Write,
            &map,
            &[(None, Some(&row))],
            true,
        )
        .unwrap()
        {
            seeds.push(ev.encode(0, Checksum::None).unwrap());
        }
        for _ in 0..20_000 {
            let mut raw = seeds[(next() % seeds.len() as u64) as usize].clone();
            for _ in 0..(next() % 4) {
                let i = (next() as usize) % raw.len();
                raw[i] = next() as u8;
            }
            raw.truncate((next() as usize) % (raw.len() + 1));
            // Keep the size field consistent half of the time so body decoding is reached.
            if next() % 2 == 0 && raw.len() >= HEADER_LEN {
                let n = raw.len() as u32;
                raw[9..13].copy_from_slice(&n.to_le_bytes());
            }
            for cs in [Checksum::None, Checksum::Crc32] {
                let _ = describe(&raw, cs);
                let _ = ends_group(&raw, cs, &mut false);
            }
            let _ = parse_format_description(&raw);
            let _ = format_description_for_dump(&raw, 100);
        }
    }
}
