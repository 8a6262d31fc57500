//! Decoding what a source sends: the events the applier acts on, and row images into
//! [`Value`]s with the replica table's column types.
//!
//! The byte layouts are the ones [`crate::binlog`] tables for the events Borealis writes;
//! this side also reads what it does not write: Rows events v1 (MariaDB's default), row
//! images with columns left out (`binlog_row_image=MINIMAL`), the old DATETIME/TIMESTAMP/TIME
//! types, Query status variables up to MySQL 8.0's 20 and MariaDB's 128/129, and MariaDB's
//! Gtid events (type 162; flag `FL_STANDALONE` = the group is one statement without BEGIN).

use crate::binlog::rows::field_types as ft;
use crate::binlog::{types, HEADER_LEN};
use crate::value::{Date, DateTime, Decimal, SqlType, Time, Value};

/// MariaDB's event types (10.0+).
pub mod mariadb {
    pub const ANNOTATE_ROWS: u8 = 160;
    pub const BINLOG_CHECKPOINT: u8 = 161;
    pub const GTID: u8 = 162;
    pub const GTID_LIST: u8 = 163;
    pub const START_ENCRYPTION: u8 = 164;
    /// Gtid flag: the group is a single statement (DDL) without BEGIN/COMMIT.
    pub const FL_STANDALONE: u8 = 1;
}

/// A decode failure: what was malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

type R<T> = Result<T, Malformed>;

fn bad<T>(what: impl Into<String>) -> R<T> {
    Err(Malformed(what.into()))
}

/// A bounds-checked little-endian reader.
pub struct Rd<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Rd<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Rd { buf, pos: 0 }
    }
    pub fn take(&mut self, n: usize) -> R<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        match end {
            Some(e) => {
                let b = &self.buf[self.pos..e];
                self.pos = e;
                Ok(b)
            }
            None => bad("event ends in the middle of a field"),
        }
    }
    pub fn uint(&mut self, n: usize) -> R<u64> {
        let b = self.take(n)?;
        let mut v = [0u8; 8];
        v[..n.min(8)].copy_from_slice(&b[..n.min(8)]);
        Ok(u64::from_le_bytes(v))
    }
    fn uint_be(&mut self, n: usize) -> R<u64> {
        let b = self.take(n)?;
        Ok(b.iter().fold(0u64, |a, &x| a << 8 | u64::from(x)))
    }
    pub fn u8(&mut self) -> R<u8> {
        Ok(self.take(1)?[0])
    }
    pub fn u16(&mut self) -> R<u16> {
        Ok(self.uint(2)? as u16)
    }
    pub fn u32(&mut self) -> R<u32> {
        Ok(self.uint(4)? as u32)
    }
    pub fn u64(&mut self) -> R<u64> {
        self.uint(8)
    }
    pub fn packed(&mut self) -> R<u64> {
        match self.u8()? {
            0xFC => self.uint(2),
            0xFD => self.uint(3),
            0xFE => self.uint(8),
            b if b < 0xFB => Ok(u64::from(b)),
            b => bad(format!("bad packed integer prefix {b:#x}")),
        }
    }
    pub fn rest(&mut self) -> &'a [u8] {
        let r = &self.buf[self.pos..];
        self.pos = self.buf.len();
        r
    }
    pub fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }
}

/// The session state a Query event carries (status variables).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryState {
    pub flags2: Option<u32>,
    pub sql_mode: Option<u64>,
    /// (increment, offset)
    pub auto_increment: Option<(u16, u16)>,
    /// (character_set_client, collation_connection, collation_server) ids.
    pub charset: Option<(u16, u16, u16)>,
    pub time_zone: Option<String>,
    pub lc_time_names: Option<u16>,
    pub collation_database: Option<u16>,
    /// Microseconds of the statement's start (MySQL Q_MICROSECONDS, MariaDB Q_HRNOW).
    pub micros: Option<u32>,
    /// `explicit_defaults_for_timestamp` (MySQL 8.0).
    pub explicit_defaults: Option<bool>,
}

/// A decoded Query event.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub thread_id: u32,
    pub error_code: u16,
    pub db: String,
    pub statement: Vec<u8>,
    pub state: QueryState,
}

/// A User_var event's value.
#[derive(Debug, Clone, PartialEq)]
pub enum UserVar {
    Null,
    Str { bytes: Vec<u8>, collation: u32 },
    Real(f64),
    Int { value: i64, unsigned: bool },
    Decimal(String),
}

/// A Table_map: where the following Rows events' table is and how its columns are encoded.
#[derive(Debug, Clone, PartialEq)]
pub struct TableMapEvent {
    pub table_id: u64,
    pub db: String,
    pub table: String,
    /// Type code per column.
    pub types: Vec<u8>,
    /// Metadata per column (0, 1 or 2 bytes as the type has).
    pub meta: Vec<u16>,
}

/// Write, Update or Delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowsKind {
    Write,
    Update,
    Delete,
}

impl RowsKind {
    /// MySQL's name in error messages ("Could not execute Write_rows event").
    pub fn event_name(self) -> &'static str {
        match self {
            RowsKind::Write => "Write_rows",
            RowsKind::Update => "Update_rows",
            RowsKind::Delete => "Delete_rows",
        }
    }
}

/// A Rows event before its images are decoded (they need the table map and the replica's
/// table).
#[derive(Debug, Clone, PartialEq)]
pub struct RowsEvent<'a> {
    pub kind: RowsKind,
    pub table_id: u64,
    pub flags: u16,
    pub columns: usize,
    /// Columns present in the (before) image.
    pub present: Vec<bool>,
    /// Columns present in the after image (Update_rows).
    pub present_after: Vec<bool>,
    pub rows: &'a [u8],
}

/// The events the applier distinguishes.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceEvent<'a> {
    /// `mariadb`: the source is MariaDB (its `sql_mode` bits past 31 differ from MySQL's).
    FormatDescription {
        mariadb: bool,
    },
    Rotate {
        position: u64,
        file: String,
    },
    Query(Query),
    Xid,
    Intvar {
        kind: u8,
        value: u64,
    },
    Rand {
        seed1: u64,
        seed2: u64,
    },
    UserVar {
        name: String,
        value: UserVar,
    },
    TableMap(TableMapEvent),
    Rows(RowsEvent<'a>),
    Heartbeat,
    /// MariaDB Gtid: starts a group; `standalone` = a statement without BEGIN/COMMIT.
    MariaGtid {
        standalone: bool,
    },
    /// Read and skipped: Gtid_list, Binlog_checkpoint, Annotate_rows, MySQL Gtid,
    /// Previous_gtids, Rows_query, Stop, Incident-free informational events.
    Ignored,
    /// A type the applier cannot apply (Transaction_payload, compressed events, LOAD DATA).
    Unsupported(u8),
}

/// Decodes the body of `raw` (the whole event; `footer` = checksum bytes at its end).
pub fn decode(raw: &[u8], footer: usize) -> R<SourceEvent<'_>> {
    if raw.len() < HEADER_LEN + footer {
        return bad("event shorter than its header");
    }
    let type_code = raw[4];
    let body = &raw[HEADER_LEN..raw.len() - footer];
    let mut c = Rd::new(body);
    Ok(match type_code {
        types::FORMAT_DESCRIPTION => {
            c.u16()?;
            let version = c.take(50)?;
            SourceEvent::FormatDescription {
                mariadb: version.windows(7).any(|w| w == b"MariaDB"),
            }
        }
        types::ROTATE => {
            let position = c.u64()?;
            let file = String::from_utf8_lossy(c.rest()).into_owned();
            SourceEvent::Rotate { position, file }
        }
        types::QUERY => SourceEvent::Query(query(&mut c)?),
        types::XID => SourceEvent::Xid,
        types::INTVAR => SourceEvent::Intvar {
            kind: c.u8()?,
            value: c.u64()?,
        },
        types::RAND => SourceEvent::Rand {
            seed1: c.u64()?,
            seed2: c.u64()?,
        },
        types::USER_VAR => user_var(&mut c)?,
        types::TABLE_MAP => SourceEvent::TableMap(table_map(&mut c)?),
        types::WRITE_ROWS_V1 | types::WRITE_ROWS => rows(&mut c, RowsKind::Write, type_code)?,
        types::UPDATE_ROWS_V1 | types::UPDATE_ROWS => {
            rows(&mut c, RowsKind::Update, type_code)?
        }
        types::DELETE_ROWS_V1 | types::DELETE_ROWS => {
            rows(&mut c, RowsKind::Delete, type_code)?
        }
        types::HEARTBEAT | 41 => SourceEvent::Heartbeat,
        mariadb::GTID => {
            c.u64()?;
            c.u32()?;
            let flags = c.u8()?;
            SourceEvent::MariaGtid {
                standalone: flags & mariadb::FL_STANDALONE != 0,
            }
        }
        types::STOP
        | types::ROWS_QUERY
        | types::GTID
        | types::ANONYMOUS_GTID
        | types::PREVIOUS_GTIDS
        | 28 // Ignorable
        | 36 // Transaction_context
        | 37 // View_change
        | mariadb::ANNOTATE_ROWS
        | mariadb::BINLOG_CHECKPOINT
        | mariadb::GTID_LIST => SourceEvent::Ignored,
        t => SourceEvent::Unsupported(t),
    })
}

fn str8(c: &mut Rd<'_>) -> R<String> {
    let n = usize::from(c.u8()?);
    Ok(String::from_utf8_lossy(c.take(n)?).into_owned())
}

fn query(c: &mut Rd<'_>) -> R<Query> {
    let thread_id = c.u32()?;
    c.u32()?; // execution time
    let db_len = usize::from(c.u8()?);
    let error_code = c.u16()?;
    let status_len = usize::from(c.u16()?);
    let status = c.take(status_len)?;
    let state = status_vars(status)?;
    let db = String::from_utf8_lossy(c.take(db_len)?).into_owned();
    if c.u8()? != 0 {
        return bad("Query event database name is not NUL-terminated");
    }
    Ok(Query {
        thread_id,
        error_code,
        db,
        statement: c.rest().to_vec(),
        state,
    })
}

/// Status variables by code (MySQL 8.0 `Query_event`, MariaDB additions 128/129).
fn status_vars(b: &[u8]) -> R<QueryState> {
    let mut s = QueryState::default();
    let mut c = Rd::new(b);
    while !c.at_end() {
        match c.u8()? {
            0 => s.flags2 = Some(c.u32()?),
            1 => s.sql_mode = Some(c.u64()?),
            2 => {
                // Q_CATALOG (5.0.x): length, catalog, NUL.
                let n = usize::from(c.u8()?);
                c.take(n + 1)?;
            }
            3 => s.auto_increment = Some((c.u16()?, c.u16()?)),
            4 => s.charset = Some((c.u16()?, c.u16()?, c.u16()?)),
            5 => s.time_zone = Some(str8(&mut c)?),
            6 => {
                str8(&mut c)?;
            }
            7 => s.lc_time_names = Some(c.u16()?),
            8 => s.collation_database = Some(c.u16()?),
            9 => {
                c.u64()?;
            }
            10 => {
                c.u32()?;
            }
            11 => {
                // Q_INVOKER: user, host.
                str8(&mut c)?;
                str8(&mut c)?;
            }
            12 => {
                // Q_UPDATED_DB_NAMES: count (254 = too many, no names), NUL-terminated names.
                let n = c.u8()?;
                if n != 254 {
                    for _ in 0..n {
                        loop {
                            if c.u8()? == 0 {
                                break;
                            }
                        }
                    }
                }
            }
            13 => s.micros = Some(c.uint(3)? as u32),
            14 => {
                c.u64()?; // Q_COMMIT_TS (unused by MySQL)
            }
            15 => {
                // Q_COMMIT_TS2: original/immediate commit timestamps are Gtid fields; the
                // status variable is a single 8-byte value.
                c.u64()?;
            }
            16 => s.explicit_defaults = Some(c.u8()? != 0),
            17 => {
                c.u64()?; // Q_DDL_LOGGED_WITH_XID
            }
            18 => {
                c.u16()?; // Q_DEFAULT_COLLATION_FOR_UTF8MB4
            }
            19 | 20 => {
                c.u8()?; // Q_SQL_REQUIRE_PRIMARY_KEY, Q_DEFAULT_TABLE_ENCRYPTION
            }
            128 => s.micros = Some(c.uint(3)? as u32), // MariaDB Q_HRNOW
            129 => {
                c.u64()?; // MariaDB Q_XID
            }
            130 => {
                c.u8()?; // MariaDB Q_GTID_FLAGS3
            }
            code => return bad(format!("unknown Query status variable {code}")),
        }
    }
    Ok(s)
}

fn user_var<'a>(c: &mut Rd<'a>) -> R<SourceEvent<'a>> {
    let n = c.u32()? as usize;
    let name = String::from_utf8_lossy(c.take(n)?).into_owned();
    if c.u8()? != 0 {
        return Ok(SourceEvent::UserVar {
            name,
            value: UserVar::Null,
        });
    }
    let ty = c.u8()?;
    let collation = c.u32()?;
    let len = c.u32()? as usize;
    let v = c.take(len)?;
    let flags = if c.at_end() { 0 } else { c.u8()? };
    let value = match ty {
        0 => UserVar::Str {
            bytes: v.to_vec(),
            collation,
        },
        1 if v.len() == 8 => UserVar::Real(f64::from_le_bytes(v.try_into().unwrap_or([0; 8]))),
        2 if v.len() == 8 => UserVar::Int {
            value: i64::from_le_bytes(v.try_into().unwrap_or([0; 8])),
            unsigned: flags & 1 != 0,
        },
        4 if v.len() >= 2 => {
            let (p, s) = (v[0], v[1]);
            UserVar::Decimal(decimal_text(&v[2..], p, s)?)
        }
        t => return bad(format!("User_var of type {t} with {} bytes", v.len())),
    };
    Ok(SourceEvent::UserVar { name, value })
}

fn table_map(c: &mut Rd<'_>) -> R<TableMapEvent> {
    let table_id = c.uint(6)?;
    c.u16()?;
    let db = str8(c)?;
    c.u8()?;
    let table = str8(c)?;
    c.u8()?;
    let n = c.packed()? as usize;
    if n > 4096 {
        return bad(format!("Table_map with {n} columns"));
    }
    let types = c.take(n)?.to_vec();
    let meta_len = c.packed()? as usize;
    let mut m = Rd::new(c.take(meta_len)?);
    let mut meta = Vec::with_capacity(n);
    for &t in &types {
        meta.push(match t {
            ft::FLOAT
            | ft::DOUBLE
            | ft::BLOB
            | 245
            | 255
            | ft::TIMESTAMP2
            | ft::DATETIME2
            | ft::TIME2 => u16::from(m.u8()?),
            ft::VARCHAR | ft::VAR_STRING | 16 => m.u16()?,
            // NEWDECIMAL: precision, scale; STRING/ENUM/SET: real type, length. Kept as
            // first byte << 8 | second byte.
            ft::NEWDECIMAL | ft::STRING | ft::ENUM | ft::SET => {
                let a = m.u8()?;
                let b = m.u8()?;
                u16::from(a) << 8 | u16::from(b)
            }
            _ => 0,
        });
    }
    Ok(TableMapEvent {
        table_id,
        db,
        table,
        types,
        meta,
    })
}

fn bitmap(c: &mut Rd<'_>, n: usize) -> R<Vec<bool>> {
    let b = c.take(n.div_ceil(8))?;
    Ok((0..n).map(|i| b[i / 8] & (1 << (i % 8)) != 0).collect())
}

fn rows<'a>(c: &mut Rd<'a>, kind: RowsKind, type_code: u8) -> R<SourceEvent<'a>> {
    let table_id = c.uint(6)?;
    let flags = c.u16()?;
    if type_code >= types::WRITE_ROWS {
        let extra = usize::from(c.u16()?);
        c.take(extra.saturating_sub(2))?;
    }
    let columns = c.packed()? as usize;
    if columns > 4096 {
        return bad(format!("Rows event with {columns} columns"));
    }
    let present = bitmap(c, columns)?;
    let present_after = if kind == RowsKind::Update {
        bitmap(c, columns)?
    } else {
        present.clone()
    };
    Ok(SourceEvent::Rows(RowsEvent {
        kind,
        table_id,
        flags,
        columns,
        present,
        present_after,
        rows: c.rest(),
    }))
}

/// Reads one row image: `Some(value)` for each column present (in `present`), `None` for
/// the others. `target` gives the replica's column types (for signedness, ENUM labels);
/// a column beyond the replica's table is decoded and dropped.
pub fn read_image(
    c: &mut Rd<'_>,
    map: &TableMapEvent,
    present: &[bool],
    target: &[SqlType],
) -> R<Vec<Option<Value>>> {
    let count = present.iter().filter(|&&p| p).count();
    let nulls = bitmap(c, count)?;
    let mut out = Vec::with_capacity(present.len());
    let mut k = 0;
    for (i, &p) in present.iter().enumerate() {
        if !p {
            out.push(None);
            continue;
        }
        let is_null = nulls[k];
        k += 1;
        if is_null {
            out.push(Some(Value::Null));
            continue;
        }
        let (Some(&ty), Some(&meta)) = (map.types.get(i), map.meta.get(i)) else {
            return bad("row has more columns than its Table_map");
        };
        out.push(Some(read_value(c, ty, meta, target.get(i))?));
    }
    Ok(out)
}

fn sign_extend(v: u64, bytes: usize) -> i64 {
    let shift = 64 - 8 * bytes as u32;
    ((v << shift) as i64) >> shift
}

fn frac(c: &mut Rd<'_>, fsp: u16) -> R<i64> {
    // Fraction bytes by precision, scaled to microseconds; signed as MySQL stores TIME2's.
    Ok(match fsp {
        0 => 0,
        1 | 2 => c.uint_be(1)? as i64 * 10_000,
        3 | 4 => c.uint_be(2)? as i64 * 100,
        _ => c.uint_be(3)? as i64,
    })
}

fn read_value(c: &mut Rd<'_>, ty: u8, meta: u16, target: Option<&SqlType>) -> R<Value> {
    let unsigned = matches!(target, Some(SqlType::Int { unsigned: true, .. }));
    let int = |c: &mut Rd<'_>, n: usize| -> R<Value> {
        let v = c.uint(n)?;
        Ok(if unsigned {
            Value::UInt(v)
        } else {
            Value::Int(sign_extend(v, n))
        })
    };
    Ok(match ty {
        ft::TINY => int(c, 1)?,
        ft::SHORT => int(c, 2)?,
        ft::INT24 => int(c, 3)?,
        ft::LONG => int(c, 4)?,
        ft::LONGLONG => int(c, 8)?,
        ft::FLOAT => Value::Float(f32::from_bits(c.u32()?)),
        ft::DOUBLE => Value::Double(f64::from_bits(c.u64()?)),
        ft::NEWDECIMAL => {
            let (p, s) = ((meta >> 8) as u8, meta as u8);
            let n = decimal_bin_size(p, s);
            let text = decimal_text(c.take(n)?, p, s)?;
            Value::Decimal(
                Decimal::parse(&text).map_err(|_| Malformed(format!("bad DECIMAL {text}")))?,
            )
        }
        ft::VARCHAR | ft::VAR_STRING => {
            let n = if meta > 255 {
                c.u16()? as usize
            } else {
                c.u8()? as usize
            };
            Value::Bytes(c.take(n)?.to_vec())
        }
        ft::STRING | ft::ENUM | ft::SET => {
            let (mut real, b1) = ((meta >> 8) as u8, meta & 0xFF);
            let mut len = b1;
            if ty == ft::STRING && real & 0x30 != 0x30 {
                len |= u16::from((real & 0x30) ^ 0x30) << 4;
                real |= 0x30;
            }
            if ty != ft::STRING {
                real = ty;
            }
            match real {
                ft::ENUM => {
                    let idx = c.uint(usize::from(b1.clamp(1, 2)))? as usize;
                    match target {
                        Some(SqlType::Enum { values, .. }) => Value::Bytes(
                            idx.checked_sub(1)
                                .and_then(|i| values.get(i))
                                .map(|s| s.as_bytes().to_vec())
                                .unwrap_or_default(),
                        ),
                        _ => Value::UInt(idx as u64),
                    }
                }
                ft::SET => {
                    let n = usize::from(b1);
                    if !matches!(n, 1..=4 | 8) {
                        return bad("SET pack length is not 1, 2, 3, 4 or 8");
                    }
                    let mask = c.uint(n)?;
                    match target {
                        Some(t @ SqlType::Set { .. }) => {
                            Value::Bytes(t.set_text(mask).unwrap_or_default())
                        }
                        _ => Value::UInt(mask),
                    }
                }
                _ => {
                    let n = if len > 255 {
                        c.u16()? as usize
                    } else {
                        c.u8()? as usize
                    };
                    Value::Bytes(c.take(n)?.to_vec())
                }
            }
        }
        // GEOMETRY (255) is a BLOB of the internal format (SRID then WKB).
        ft::BLOB | 255 => {
            let n = c.uint(usize::from(meta.clamp(1, 4)))? as usize;
            Value::Bytes(c.take(n)?.to_vec())
        }
        ft::DATE => {
            let v = c.uint(3)?;
            Value::Date(Date::new(
                (v >> 9) as u16,
                ((v >> 5) & 15) as u8,
                (v & 31) as u8,
            ))
        }
        12 => {
            // Old DATETIME: YYYYMMDDhhmmss as an 8-byte number.
            let v = c.u64()?;
            let (d, t) = (v / 1_000_000, v % 1_000_000);
            Value::DateTime(DateTime {
                date: Date::new((d / 10_000) as u16, (d / 100 % 100) as u8, (d % 100) as u8),
                hour: (t / 10_000) as u8,
                minute: (t / 100 % 100) as u8,
                second: (t % 100) as u8,
                micro: 0,
            })
        }
        ft::DATETIME2 => {
            let int = c.uint_be(5)? as i64 - 0x80_0000_0000;
            let micro = frac(c, meta)?;
            let ymd = int >> 17;
            let hms = int & ((1 << 17) - 1);
            let ym = ymd >> 5;
            Value::DateTime(DateTime {
                date: Date::new((ym / 13) as u16, (ym % 13) as u8, (ymd & 31) as u8),
                hour: (hms >> 12) as u8,
                minute: ((hms >> 6) & 63) as u8,
                second: (hms & 63) as u8,
                micro: micro as u32,
            })
        }
        7 | ft::TIMESTAMP2 => {
            let (secs, micro) = if ty == 7 {
                (c.u32()? as i64, 0)
            } else {
                (c.uint_be(4)? as i64, frac(c, meta)?)
            };
            if secs == 0 && micro == 0 {
                Value::DateTime(DateTime::default())
            } else {
                Value::DateTime(
                    DateTime::from_unix_micros(secs * 1_000_000 + micro)
                        .ok_or_else(|| Malformed("TIMESTAMP out of range".into()))?,
                )
            }
        }
        11 => {
            // Old TIME: ±HHMMSS as a 3-byte signed number.
            let v = sign_extend(c.uint(3)?, 3);
            let a = v.unsigned_abs();
            Value::Time(Time {
                neg: v < 0,
                hour: (a / 10_000) as u16,
                minute: (a / 100 % 100) as u8,
                second: (a % 100) as u8,
                micro: 0,
            })
        }
        ft::TIME2 => {
            // MySQL's my_time_packed_from_binary: packed = intpart << 24 | fraction.
            let packed: i64 = match meta {
                0 => (c.uint_be(3)? as i64 - 0x80_0000) << 24,
                1 | 2 => {
                    let mut int = c.uint_be(3)? as i64 - 0x80_0000;
                    let mut f = i64::from(c.u8()?);
                    if int < 0 && f != 0 {
                        int += 1;
                        f -= 0x100;
                    }
                    (int << 24) + f * 10_000
                }
                3 | 4 => {
                    let mut int = c.uint_be(3)? as i64 - 0x80_0000;
                    let mut f = c.uint_be(2)? as i64;
                    if int < 0 && f != 0 {
                        int += 1;
                        f -= 0x10000;
                    }
                    (int << 24) + f * 100
                }
                _ => c.uint_be(6)? as i64 - 0x8000_0000_0000,
            };
            let neg = packed < 0;
            let a = packed.unsigned_abs();
            let hms = a >> 24;
            Value::Time(Time {
                neg,
                hour: ((hms >> 12) % (1 << 10)) as u16,
                minute: ((hms >> 6) % 64) as u8,
                second: (hms % 64) as u8,
                micro: (a % (1 << 24)) as u32,
            })
        }
        ft::YEAR => {
            let y = c.u8()?;
            Value::Year(if y == 0 { 0 } else { 1900 + u16::from(y) })
        }
        16 => {
            // BIT(n): meta = bytes << 8 | (n % 8); big-endian.
            let bytes = usize::from(meta >> 8) + usize::from(meta & 0xFF != 0);
            Value::UInt(c.uint_be(bytes.min(8))?)
        }
        6 => Value::Null,
        t => return bad(format!("column type {t} is not supported")),
    })
}

const DIG2BYTES: [usize; 10] = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

fn decimal_bin_size(precision: u8, scale: u8) -> usize {
    let intg = usize::from(precision.saturating_sub(scale));
    let s = usize::from(scale);
    intg / 9 * 4 + DIG2BYTES[intg % 9] + s / 9 * 4 + DIG2BYTES[s % 9]
}

/// MySQL's binary DECIMAL as text (`-123.450`).
pub fn decimal_text(b: &[u8], precision: u8, scale: u8) -> R<String> {
    let size = decimal_bin_size(precision, scale);
    if b.len() < size || size == 0 {
        return bad("DECIMAL value too short");
    }
    let mut v = b[..size].to_vec();
    let neg = v[0] & 0x80 == 0;
    v[0] ^= 0x80;
    if neg {
        for x in &mut v {
            *x = !*x;
        }
    }
    let intg = usize::from(precision.saturating_sub(scale));
    let s = usize::from(scale);
    let mut c = Rd::new(&v);
    let mut int = String::new();
    let lead = intg % 9;
    if lead > 0 {
        int.push_str(&c.uint_be(DIG2BYTES[lead])?.to_string());
    }
    for _ in 0..intg / 9 {
        let g = c.uint_be(4)?;
        if int.is_empty() {
            int.push_str(&g.to_string());
        } else {
            int.push_str(&format!("{g:09}"));
        }
    }
    let int = int.trim_start_matches('0');
    let mut fr = String::new();
    for _ in 0..s / 9 {
        fr.push_str(&format!("{:09}", c.uint_be(4)?));
    }
    let tail = s % 9;
    if tail > 0 {
        fr.push_str(&format!("{:0w$}", c.uint_be(DIG2BYTES[tail])?, w = tail));
    }
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push_str(if int.is_empty() { "0" } else { int });
    if !fr.is_empty() {
        out.push('.');
        out.push_str(&fr);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binlog::{rows_events, Column, Origin, TableMap};
    use crate::value::{Collation, IntKind};

    /// What the binlog writer encodes, this decoder reads back (with the same types).
    #[test]
    fn writer_images_round_trip() {
        let cols = vec![
            Column::new(
                "i",
                SqlType::Int {
                    kind: IntKind::Int,
                    unsigned: false,
                    width: None,
                },
                false,
            ),
            Column::new(
                "u",
                SqlType::Int {
                    kind: IntKind::Big,
                    unsigned: true,
                    width: None,
                },
                true,
            ),
            Column::new(
                "d",
                SqlType::Decimal {
                    precision: 12,
                    scale: 3,
                },
                true,
            ),
            Column::new("s", SqlType::varchar(20), true),
            Column::new(
                "c",
                SqlType::Char {
                    len: 100,
                    collation: Collation::Utf8mb4GeneralCi,
                },
                true,
            ),
            Column::new("dt", SqlType::DateTime { fsp: 6 }, true),
            Column::new("ts", SqlType::Timestamp { fsp: 3 }, true),
            Column::new("t", SqlType::Time { fsp: 2 }, true),
            Column::new("y", SqlType::Year, true),
            Column::new(
                "e",
                SqlType::Enum {
                    values: vec!["red".into(), "green".into()],
                    collation: Collation::Utf8mb4GeneralCi,
                },
                true,
            ),
            Column::new("dd", SqlType::Date, true),
            Column::new("t4", SqlType::Time { fsp: 4 }, true),
            Column::new("t6", SqlType::Time { fsp: 6 }, true),
        ];
        let types: Vec<SqlType> = cols.iter().map(|c| c.ty.clone()).collect();
        let map = TableMap::new(5, "d", "t", cols);
        let row = vec![
            Value::Int(-7),
            Value::UInt(u64::MAX),
            Value::Decimal(Decimal::parse("-123456789.120").unwrap()),
            Value::str("héllo"),
            Value::str("ab"),
            Value::DateTime(DateTime {
                date: Date::new(2024, 2, 29),
                hour: 23,
                minute: 59,
                second: 58,
                micro: 123_456,
            }),
            Value::DateTime(DateTime {
                date: Date::new(2020, 1, 1),
                hour: 0,
                minute: 0,
                second: 1,
                micro: 500_000,
            }),
            Value::Time(Time {
                neg: true,
                hour: 838,
                minute: 59,
                second: 59,
                micro: 10_000,
            }),
            Value::Year(2155),
            Value::str("green"),
            Value::Null,
            Value::Time(Time {
                neg: true,
                hour: 1,
                minute: 2,
                second: 3,
                micro: 400,
            }),
            Value::Time(Time {
                neg: true,
                hour: 0,
                minute: 0,
                second: 0,
                micro: 1,
            }),
        ];
        let o = Origin::new(1, 0);
        let tm = map
            .event(o)
            .unwrap()
            .encode(100, crate::binlog::Checksum::Crc32)
            .unwrap();
        let SourceEvent::TableMap(tme) = decode(&tm, 4).unwrap() else {
            panic!("not a table map")
        };
        assert_eq!((tme.db.as_str(), tme.table.as_str()), ("d", "t"));
        let ev = rows_events(
            o,
            crate::binlog::RowsKind::Write,
            &map,
            &[(None, Some(row.as_slice()))],
            true,
        )
        .unwrap();
        let raw = ev[0].encode(200, crate::binlog::Checksum::Crc32).unwrap();
        let SourceEvent::Rows(r) = decode(&raw, 4).unwrap() else {
            panic!("not rows")
        };
        let mut c = Rd::new(r.rows);
        let got = read_image(&mut c, &tme, &r.present, &types).unwrap();
        let got: Vec<Value> = got.into_iter().map(Option::unwrap).collect();
        assert_eq!(got, row);
        assert!(c.at_end());
    }

    #[test]
    fn decimals() {
        // DECIMAL(10,2) 1.00 as the writer's unit test has it.
        assert_eq!(decimal_text(&[0x80, 0, 0, 1, 0], 10, 2).unwrap(), "1.00");
        assert_eq!(
            decimal_text(&[0x7F, 0xFF, 0xFF, 0xFE, 0xFF], 10, 2).unwrap(),
            "-1.00"
        );
    }
}
