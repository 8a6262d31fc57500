//! Row-based events: Table_map, and Write/Update/Delete_rows v2 with row images in MySQL's
//! binary row format. Byte layouts are tabled in the [module docs](super).
//!
//! Every column is logged in every image (`binlog_row_image=FULL`): the columns-present
//! bitmaps are all ones, and a row image is a null bitmap followed by each non-NULL value.

use super::error::{BinlogError, Result};
use super::event::{put_packed, types, Cursor, Event, Origin};
use crate::value::{Collation, IntKind, LobKind, SqlType, Value};

/// Rows-event flag: the last event of a statement (the replica ends the statement, and
/// releases its table locks, after it).
pub const STMT_END_F: u16 = 0x0001;
/// Rows-event flag: `foreign_key_checks=0` on the master.
pub const NO_FOREIGN_KEY_CHECKS_F: u16 = 0x0002;
/// Rows-event flag: `unique_checks=0` on the master.
pub const RELAXED_UNIQUE_CHECKS_F: u16 = 0x0004;
/// Rows-event flag: every column is present (always true for FULL row images).
pub const COMPLETE_ROWS_F: u16 = 0x0008;
/// Table_map flag MySQL and MariaDB always set.
const TM_BIT_LEN_EXACT_F: u16 = 0x0001;

/// Body-size bound for one Rows event, like MySQL's `binlog_row_event_max_size` (8 KiB):
/// rows go into the current event until the next would push it past this, then a new
/// event starts (a single larger row still gets an event of its own).
pub const ROWS_EVENT_MAX_SIZE: usize = 8192;

/// MySQL column type codes (`enum_field_types`) used in Table_map events.
pub mod field_types {
    pub const TINY: u8 = 1;
    pub const SHORT: u8 = 2;
    pub const LONG: u8 = 3;
    pub const FLOAT: u8 = 4;
    pub const DOUBLE: u8 = 5;
    pub const LONGLONG: u8 = 8;
    pub const INT24: u8 = 9;
    pub const DATE: u8 = 10;
    pub const YEAR: u8 = 13;
    pub const VARCHAR: u8 = 15;
    pub const TIMESTAMP2: u8 = 17;
    pub const DATETIME2: u8 = 18;
    pub const TIME2: u8 = 19;
    pub const BIT: u8 = 16;
    pub const NEWDECIMAL: u8 = 246;
    pub const ENUM: u8 = 247;
    pub const SET: u8 = 248;
    pub const BLOB: u8 = 252;
    pub const VAR_STRING: u8 = 253;
    pub const STRING: u8 = 254;
    pub const GEOMETRY: u8 = 255;
}

use field_types as ft;

/// `binlog_row_metadata`: how much of the table definition a Table_map carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RowMetadata {
    /// No optional metadata (MariaDB's default).
    NoLog,
    /// Signedness and character sets (MySQL 8.0's default).
    #[default]
    Minimal,
    /// Also column names, ENUM labels and the primary key (what CDC tools want).
    Full,
}

/// A column as the binlog describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
}

impl Column {
    pub fn new(name: &str, ty: SqlType, nullable: bool) -> Column {
        Column {
            name: name.to_string(),
            ty,
            nullable,
        }
    }
}

/// The table definition a Table_map event maps to `table_id` for the Rows events after
/// it. Ids are the writer's choice (MySQL's are per table-definition-cache entry); a
/// replica only needs the id to be stable within a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableMap {
    /// 48-bit table id.
    pub table_id: u64,
    pub db: String,
    pub table: String,
    pub columns: Vec<Column>,
    /// Column indexes of the primary key (logged with [`RowMetadata::Full`]).
    pub primary_key: Vec<usize>,
    pub row_metadata: RowMetadata,
}

/// Which Rows event: the images each row carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowsKind {
    /// Write_rows (INSERT): after image only.
    Write,
    /// Update_rows: before and after images.
    Update,
    /// Delete_rows: before image only.
    Delete,
}

impl RowsKind {
    /// The v2 event type code.
    pub fn type_code(self) -> u8 {
        match self {
            RowsKind::Write => types::WRITE_ROWS,
            RowsKind::Update => types::UPDATE_ROWS,
            RowsKind::Delete => types::DELETE_ROWS,
        }
    }
}

/// One row change: `(before, after)` images in table column order. Write rows have only
/// `after`, Delete rows only `before`, Update rows both.
pub type RowChange<'a> = (Option<&'a [Value]>, Option<&'a [Value]>);

/// How a statement's rows are cut into events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowsOptions {
    /// Set `STMT_END_F` on the last event (the rows end the statement).
    pub end_of_statement: bool,
    /// More flags for every event: [`NO_FOREIGN_KEY_CHECKS_F`], [`RELAXED_UNIQUE_CHECKS_F`].
    pub flags: u16,
    /// Body-size bound per event ([`ROWS_EVENT_MAX_SIZE`]).
    pub max_event_size: usize,
}

impl Default for RowsOptions {
    fn default() -> Self {
        RowsOptions {
            end_of_statement: true,
            flags: 0,
            max_event_size: ROWS_EVENT_MAX_SIZE,
        }
    }
}

fn mbmaxlen(c: Collation) -> u32 {
    c.max_bytes_per_char()
}

/// The binlog type code and per-column metadata of a column type (the "metadata block"
/// table in the module docs).
pub fn column_type(ty: &SqlType) -> Result<(u8, Vec<u8>)> {
    Ok(match ty {
        SqlType::Int { kind, .. } => (
            match kind {
                IntKind::Tiny => ft::TINY,
                IntKind::Small => ft::SHORT,
                IntKind::Medium => ft::INT24,
                IntKind::Int => ft::LONG,
                IntKind::Big => ft::LONGLONG,
            },
            vec![],
        ),
        SqlType::Decimal { precision, scale } => (ft::NEWDECIMAL, vec![*precision, *scale]),
        SqlType::Float => (ft::FLOAT, vec![4]),
        SqlType::Double => (ft::DOUBLE, vec![8]),
        SqlType::Char { len, collation } => {
            string_meta(ft::STRING, len.saturating_mul(mbmaxlen(*collation)))?
        }
        SqlType::Binary { len } => string_meta(ft::STRING, *len)?,
        SqlType::Enum { values, .. } => (
            ft::STRING,
            vec![ft::ENUM, enum_pack_len(values.len()) as u8],
        ),
        // BIT(n): metadata n % 8, n / 8; the image is (n + 7) / 8 bytes big-endian.
        SqlType::Bit { len } => (ft::BIT, vec![len % 8, len / 8]),
        // As MySQL writes a SET: type STRING, metadata real type SET and the bitmask's
        // pack length (1, 2, 3, 4 or 8).
        SqlType::Set { values, .. } => (
            ft::STRING,
            vec![ft::SET, SqlType::set_pack_len(values.len()) as u8],
        ),
        SqlType::VarChar { len, collation } => {
            varchar_meta(len.saturating_mul(mbmaxlen(*collation)))?
        }
        SqlType::VarBinary { len } => varchar_meta(*len)?,
        SqlType::Text { kind, .. } | SqlType::Blob { kind } => {
            (ft::BLOB, vec![lob_pack_len(*kind)])
        }
        SqlType::Date => (ft::DATE, vec![]),
        SqlType::DateTime { fsp } => (ft::DATETIME2, vec![*fsp]),
        SqlType::Timestamp { fsp } => (ft::TIMESTAMP2, vec![*fsp]),
        SqlType::Time { fsp } => (ft::TIME2, vec![*fsp]),
        SqlType::Year => (ft::YEAR, vec![]),
        // JSON goes out as a LONGBLOB of its text (not MySQL's binary JSON): a MariaDB
        // replica's JSON column is a LONGTEXT and takes it as it is.
        SqlType::Json => (ft::BLOB, vec![4]),
        // As MySQL logs a geometry: its own type, a 4-byte length before the value
        // (SRID then WKB).
        SqlType::Geometry { .. } => (ft::GEOMETRY, vec![4]),
    })
}

/// CHAR/BINARY/ENUM metadata: `real_type ^ ((bytes & 0x300) >> 4)`, `bytes & 0xFF`.
fn string_meta(real_type: u8, bytes: u32) -> Result<(u8, Vec<u8>)> {
    if bytes >= 1024 {
        return Err(BinlogError::invalid(format!(
            "CHAR column of {bytes} bytes cannot be logged (the limit is 1023)"
        )));
    }
    let hi = ((bytes & 0x300) >> 4) as u8;
    Ok((ft::STRING, vec![real_type ^ hi, (bytes & 0xFF) as u8]))
}

fn varchar_meta(bytes: u32) -> Result<(u8, Vec<u8>)> {
    let b = u16::try_from(bytes).map_err(|_| {
        BinlogError::invalid(format!(
            "VARCHAR column of {bytes} bytes cannot be logged (the limit is 65535)"
        ))
    })?;
    Ok((ft::VARCHAR, b.to_le_bytes().to_vec()))
}

fn lob_pack_len(kind: LobKind) -> u8 {
    match kind {
        LobKind::Tiny => 1,
        LobKind::Normal => 2,
        LobKind::Medium => 3,
        LobKind::Long => 4,
    }
}

fn enum_pack_len(labels: usize) -> usize {
    if labels < 256 {
        1
    } else {
        2
    }
}

/// True for the columns the SIGNEDNESS metadata covers.
fn is_numeric(ty: &SqlType) -> bool {
    matches!(
        ty,
        SqlType::Int { .. } | SqlType::Decimal { .. } | SqlType::Float | SqlType::Double
    )
}

/// The collation of a column the character-set metadata covers (strings, not ENUM).
fn character_collation(ty: &SqlType) -> Option<u16> {
    match ty {
        SqlType::Char { collation, .. }
        | SqlType::VarChar { collation, .. }
        | SqlType::Text { collation, .. } => Some(collation.id()),
        SqlType::Json => Some(Collation::Utf8mb4Bin.id()),
        SqlType::Binary { .. } | SqlType::VarBinary { .. } | SqlType::Blob { .. } => {
            Some(Collation::Binary.id())
        }
        _ => None,
    }
}

fn enum_collation(ty: &SqlType) -> Option<u16> {
    match ty {
        SqlType::Enum { collation, .. } | SqlType::Set { collation, .. } => Some(collation.id()),
        _ => None,
    }
}

// Optional metadata field types (MySQL 8.0 / MariaDB 10.5+).
const SIGNEDNESS: u8 = 1;
const DEFAULT_CHARSET: u8 = 2;
const COLUMN_CHARSET: u8 = 3;
const COLUMN_NAME: u8 = 4;
const SET_STR_VALUE: u8 = 5;
const ENUM_STR_VALUE: u8 = 6;
const SIMPLE_PRIMARY_KEY: u8 = 8;
const ENUM_AND_SET_DEFAULT_CHARSET: u8 = 10;
const ENUM_AND_SET_COLUMN_CHARSET: u8 = 11;

fn put_tlv(out: &mut Vec<u8>, kind: u8, value: &[u8]) {
    out.push(kind);
    put_packed(out, value.len() as u64);
    out.extend_from_slice(value);
}

/// DEFAULT_CHARSET (the most used collation, then `(index, collation)` for the columns
/// that differ, indexes counting only the covered columns) or COLUMN_CHARSET (every
/// covered column's collation), whichever MySQL's size estimate picks.
fn put_charsets(out: &mut Vec<u8>, collations: &[u16], default_kind: u8, column_kind: u8) {
    if collations.is_empty() {
        return;
    }
    let mut counts = std::collections::BTreeMap::new();
    for &c in collations {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    // Ties go to the smallest id (MySQL walks an ordered map and keeps the first maximum).
    let (mut default, mut max) = (0u16, 0usize);
    for (&c, &n) in &counts {
        if n > max {
            (default, max) = (c, n);
        }
    }
    let mut v = Vec::new();
    if collations.len() < 1 + (collations.len() - max) * 2 {
        for &c in collations {
            put_packed(&mut v, u64::from(c));
        }
        put_tlv(out, column_kind, &v);
    } else {
        put_packed(&mut v, u64::from(default));
        for (i, &c) in collations.iter().enumerate() {
            if c != default {
                put_packed(&mut v, i as u64);
                put_packed(&mut v, u64::from(c));
            }
        }
        put_tlv(out, default_kind, &v);
    }
}

impl TableMap {
    /// A map with MINIMAL row metadata and no primary key.
    pub fn new(table_id: u64, db: &str, table: &str, columns: Vec<Column>) -> TableMap {
        TableMap {
            table_id,
            db: db.to_string(),
            table: table.to_string(),
            columns,
            primary_key: Vec::new(),
            row_metadata: RowMetadata::Minimal,
        }
    }

    fn optional_metadata(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.row_metadata == RowMetadata::NoLog {
            return out;
        }
        // SIGNEDNESS: one bit per numeric column, most significant bit first, 1 = unsigned.
        let numeric: Vec<bool> = self
            .columns
            .iter()
            .filter(|c| is_numeric(&c.ty))
            .map(|c| matches!(c.ty, SqlType::Int { unsigned: true, .. }))
            .collect();
        if !numeric.is_empty() {
            let mut bits = vec![0u8; numeric.len().div_ceil(8)];
            for (i, &unsigned) in numeric.iter().enumerate() {
                if unsigned {
                    bits[i / 8] |= 0x80 >> (i % 8);
                }
            }
            put_tlv(&mut out, SIGNEDNESS, &bits);
        }
        let chars: Vec<u16> = self
            .columns
            .iter()
            .filter_map(|c| character_collation(&c.ty))
            .collect();
        put_charsets(&mut out, &chars, DEFAULT_CHARSET, COLUMN_CHARSET);
        if self.row_metadata != RowMetadata::Full {
            return out;
        }
        let mut names = Vec::new();
        for c in &self.columns {
            put_packed(&mut names, c.name.len() as u64);
            names.extend_from_slice(c.name.as_bytes());
        }
        put_tlv(&mut out, COLUMN_NAME, &names);
        let enums: Vec<u16> = self
            .columns
            .iter()
            .filter_map(|c| enum_collation(&c.ty))
            .collect();
        put_charsets(
            &mut out,
            &enums,
            ENUM_AND_SET_DEFAULT_CHARSET,
            ENUM_AND_SET_COLUMN_CHARSET,
        );
        // SET_STR_VALUE, then ENUM_STR_VALUE: each column's member strings.
        for (kind, want_set) in [(SET_STR_VALUE, true), (ENUM_STR_VALUE, false)] {
            let mut labels = Vec::new();
            let mut any = false;
            for c in &self.columns {
                let values = match &c.ty {
                    SqlType::Set { values, .. } if want_set => values,
                    SqlType::Enum { values, .. } if !want_set => values,
                    _ => continue,
                };
                any = true;
                put_packed(&mut labels, values.len() as u64);
                for v in values {
                    put_packed(&mut labels, v.len() as u64);
                    labels.extend_from_slice(v.as_bytes());
                }
            }
            if any {
                put_tlv(&mut out, kind, &labels);
            }
        }
        if !self.primary_key.is_empty() {
            let mut pk = Vec::new();
            for &i in &self.primary_key {
                put_packed(&mut pk, i as u64);
            }
            put_tlv(&mut out, SIMPLE_PRIMARY_KEY, &pk);
        }
        out
    }

    /// The Table_map event. Fails for names over 255 bytes, a primary key column out of
    /// range, or a column type the binlog cannot describe.
    pub fn event(&self, origin: Origin) -> Result<Event> {
        if self.table_id >= 1 << 48 {
            return Err(BinlogError::invalid("table id does not fit in 48 bits"));
        }
        if let Some(&bad) = self.primary_key.iter().find(|&&i| i >= self.columns.len()) {
            return Err(BinlogError::invalid(format!(
                "primary key column {bad} of `{}`.`{}` does not exist",
                self.db, self.table
            )));
        }
        let n = self.columns.len();
        let mut body = Vec::with_capacity(32 + self.db.len() + self.table.len() + 4 * n);
        body.extend_from_slice(&self.table_id.to_le_bytes()[..6]);
        body.extend_from_slice(&TM_BIT_LEN_EXACT_F.to_le_bytes());
        for (what, name) in [("database", &self.db), ("table", &self.table)] {
            let len = u8::try_from(name.len())
                .map_err(|_| BinlogError::invalid(format!("{what} name longer than 255 bytes")))?;
            body.push(len);
            body.extend_from_slice(name.as_bytes());
            body.push(0);
        }
        put_packed(&mut body, n as u64);
        let mut meta = Vec::with_capacity(2 * n);
        for c in &self.columns {
            let (code, m) = column_type(&c.ty).map_err(|e| in_column(e, c))?;
            body.push(code);
            meta.extend_from_slice(&m);
        }
        put_packed(&mut body, meta.len() as u64);
        body.extend_from_slice(&meta);
        let mut nulls = vec![0u8; n.div_ceil(8)];
        for (i, c) in self.columns.iter().enumerate() {
            if c.nullable {
                nulls[i / 8] |= 1 << (i % 8);
            }
        }
        body.extend_from_slice(&nulls);
        body.extend_from_slice(&self.optional_metadata());
        Ok(Event::new(types::TABLE_MAP, origin, 0, body))
    }
}

fn in_column(e: BinlogError, c: &Column) -> BinlogError {
    match e {
        BinlogError::InvalidArgument { detail } => {
            BinlogError::invalid(format!("column `{}`: {detail}", c.name))
        }
        e => e,
    }
}

/// `(table id, db, table)` of a Table_map body (post-header included).
pub fn parse_table_map_names(body: &[u8]) -> Result<(u64, String, String)> {
    let mut c = Cursor::new(body);
    let short = || super::event::corrupt("Table_map event too short");
    let id = c.uint(6).ok_or_else(short)?;
    c.u16().ok_or_else(short)?;
    let mut name = || -> Result<String> {
        let len = usize::from(c.u8().ok_or_else(short)?);
        let s = String::from_utf8_lossy(c.bytes(len).ok_or_else(short)?).into_owned();
        if c.u8().ok_or_else(short)? != 0 {
            return Err(super::event::corrupt(
                "Table_map name is not NUL-terminated",
            ));
        }
        Ok(s)
    };
    let db = name()?;
    let table = name()?;
    Ok((id, db, table))
}

fn mismatch(c: &Column, v: &Value) -> BinlogError {
    BinlogError::invalid(format!(
        "value {v:?} does not fit column `{}` {}",
        c.name,
        c.ty.mysql_name()
    ))
}

/// Appends `bytes` with a little-endian length prefix of `width` bytes.
fn put_with_len(out: &mut Vec<u8>, bytes: &[u8], width: usize) -> Option<()> {
    let len = bytes.len() as u64;
    if width < 8 && len >> (8 * width) != 0 {
        return None;
    }
    out.extend_from_slice(&len.to_le_bytes()[..width]);
    out.extend_from_slice(bytes);
    Some(())
}

/// One non-NULL value in the binary row format.
fn put_value(out: &mut Vec<u8>, c: &Column, v: &Value) -> Result<()> {
    let bytes = || match v {
        Value::Bytes(b) => Ok(b.as_slice()),
        _ => Err(mismatch(c, v)),
    };
    match &c.ty {
        SqlType::Char { len, collation } => {
            // Trailing pad characters are not logged (MySQL's Field_string::pack).
            let max = len.saturating_mul(mbmaxlen(*collation)) as usize;
            let b = bytes()?;
            let pad = if *collation == Collation::Binary {
                0
            } else {
                b' '
            };
            let end = b.iter().rposition(|&x| x != pad).map_or(0, |p| p + 1);
            if b.len() > max {
                return Err(mismatch(c, v));
            }
            put_with_len(out, &b[..end], if max > 255 { 2 } else { 1 })
                .ok_or_else(|| mismatch(c, v))
        }
        SqlType::Binary { len } => {
            let b = bytes()?;
            if b.len() > *len as usize {
                return Err(mismatch(c, v));
            }
            let end = b.iter().rposition(|&x| x != 0).map_or(0, |p| p + 1);
            put_with_len(out, &b[..end], if *len > 255 { 2 } else { 1 })
                .ok_or_else(|| mismatch(c, v))
        }
        SqlType::VarChar { len, collation } => {
            let max = len.saturating_mul(mbmaxlen(*collation)) as usize;
            let b = bytes()?;
            if b.len() > max {
                return Err(mismatch(c, v));
            }
            put_with_len(out, b, if max > 255 { 2 } else { 1 }).ok_or_else(|| mismatch(c, v))
        }
        SqlType::VarBinary { len } => {
            let b = bytes()?;
            if b.len() > *len as usize {
                return Err(mismatch(c, v));
            }
            put_with_len(out, b, if *len > 255 { 2 } else { 1 }).ok_or_else(|| mismatch(c, v))
        }
        SqlType::Text { kind, .. } | SqlType::Blob { kind } => {
            put_with_len(out, bytes()?, usize::from(lob_pack_len(*kind)))
                .ok_or_else(|| mismatch(c, v))
        }
        SqlType::Json | SqlType::Geometry { .. } => {
            put_with_len(out, bytes()?, 4).ok_or_else(|| mismatch(c, v))
        }
        // The fixed-size types have the same image in a row event as in MariaDB's record
        // (CHECKSUM TABLE hashes those): little-endian integers, binary DECIMAL, 3-byte
        // DATE, big-endian DATETIME2/TIMESTAMP2/TIME2 with fractions, YEAR - 1900, ENUM
        // index.
        ty => crate::sql::checksum::field_image(ty, v, out).map_err(|_| mismatch(c, v)),
    }
}

/// A row image: null bitmap over the (all present) columns, then the non-NULL values.
fn put_row(out: &mut Vec<u8>, map: &TableMap, row: &[Value]) -> Result<()> {
    if row.len() != map.columns.len() {
        return Err(BinlogError::invalid(format!(
            "row of {} values for `{}`.`{}` with {} columns",
            row.len(),
            map.db,
            map.table,
            map.columns.len()
        )));
    }
    let at = out.len();
    out.resize(at + row.len().div_ceil(8), 0);
    for (i, (c, v)) in map.columns.iter().zip(row).enumerate() {
        if v.is_null() {
            if !c.nullable {
                return Err(BinlogError::invalid(format!(
                    "NULL in NOT NULL column `{}` of `{}`.`{}`",
                    c.name, map.db, map.table
                )));
            }
            out[at + i / 8] |= 1 << (i % 8);
        } else {
            put_value(out, c, v)?;
        }
    }
    Ok(())
}

/// [`rows_events_with`] with default options except `end_of_statement`.
pub fn rows_events(
    origin: Origin,
    kind: RowsKind,
    map: &TableMap,
    rows: &[RowChange<'_>],
    end_of_statement: bool,
) -> Result<Vec<Event>> {
    let opts = RowsOptions {
        end_of_statement,
        ..RowsOptions::default()
    };
    rows_events_with(origin, kind, map, rows, &opts)
}

/// The Rows events (v2) of one statement's changes to the table of `map`, cut at
/// `opts.max_event_size`; `STMT_END_F` goes on the last one when `opts.end_of_statement`.
/// No rows give no events. Each row must have the images `kind` needs and values that fit
/// their columns (as stored by the engine: ENUM as its label, TIMESTAMP in UTC).
pub fn rows_events_with(
    origin: Origin,
    kind: RowsKind,
    map: &TableMap,
    rows: &[RowChange<'_>],
    opts: &RowsOptions,
) -> Result<Vec<Event>> {
    let n = map.columns.len();
    if map.table_id >= 1 << 48 {
        return Err(BinlogError::invalid("table id does not fit in 48 bits"));
    }
    // Post-header, extra-data length, column count and columns-present bitmap(s).
    let mut head = Vec::with_capacity(16 + 2 * n.div_ceil(8));
    head.extend_from_slice(&map.table_id.to_le_bytes()[..6]);
    head.extend_from_slice(&(opts.flags & !STMT_END_F).to_le_bytes());
    head.extend_from_slice(&2u16.to_le_bytes());
    put_packed(&mut head, n as u64);
    let mut present = vec![0u8; n.div_ceil(8)];
    for i in 0..n {
        present[i / 8] |= 1 << (i % 8);
    }
    let bitmaps = if kind == RowsKind::Update { 2 } else { 1 };
    for _ in 0..bitmaps {
        head.extend_from_slice(&present);
    }

    let mut events = Vec::new();
    let mut body = head.clone();
    let mut row = Vec::new();
    for (i, change) in rows.iter().enumerate() {
        row.clear();
        match (kind, change) {
            (RowsKind::Write, (None, Some(after))) => put_row(&mut row, map, after)?,
            (RowsKind::Delete, (Some(before), None)) => put_row(&mut row, map, before)?,
            (RowsKind::Update, (Some(before), Some(after))) => {
                put_row(&mut row, map, before)?;
                put_row(&mut row, map, after)?;
            }
            _ => {
                return Err(BinlogError::invalid(format!(
                    "row {i} of a {kind:?} event has the wrong images (before: {}, after: {})",
                    change.0.is_some(),
                    change.1.is_some()
                )))
            }
        }
        if body.len() > head.len() && body.len() + row.len() > opts.max_event_size {
            let full = std::mem::replace(&mut body, head.clone());
            events.push(Event::new(kind.type_code(), origin, 0, full));
        }
        body.extend_from_slice(&row);
    }
    if body.len() > head.len() {
        events.push(Event::new(kind.type_code(), origin, 0, body));
    }
    if opts.end_of_statement {
        if let Some(last) = events.last_mut() {
            let flags = u16::from_le_bytes([last.body[6], last.body[7]]) | STMT_END_F;
            last.body[6..8].copy_from_slice(&flags.to_le_bytes());
        }
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Date, DateTime, Decimal, Time};

    fn int(kind: IntKind, unsigned: bool) -> SqlType {
        SqlType::Int {
            kind,
            unsigned,
            width: None,
        }
    }

    fn image(ty: SqlType, v: Value) -> Vec<u8> {
        let mut out = Vec::new();
        put_value(&mut out, &Column::new("c", ty, true), &v).unwrap();
        out
    }

    #[test]
    fn column_metadata() {
        let utf8 = Collation::Utf8mb4GeneralCi;
        assert_eq!(
            column_type(&SqlType::Char {
                len: 100,
                collation: utf8
            })
            .unwrap(),
            // 400 bytes: 0xFE ^ ((400 & 0x300) >> 4) = 0xFE ^ 0x10, 400 & 0xFF = 0x90.
            (ft::STRING, vec![0xEE, 0x90])
        );
        assert_eq!(
            column_type(&SqlType::varchar(10)).unwrap(),
            (ft::VARCHAR, vec![40, 0])
        );
        assert_eq!(
            column_type(&SqlType::Enum {
                values: vec!["a".into()],
                collation: utf8
            })
            .unwrap(),
            (ft::STRING, vec![ft::ENUM, 1])
        );
        assert_eq!(
            column_type(&SqlType::Decimal {
                precision: 10,
                scale: 2
            })
            .unwrap(),
            (ft::NEWDECIMAL, vec![10, 2])
        );
        assert!(column_type(&SqlType::Char {
            len: 256,
            collation: utf8
        })
        .is_err());
    }

    #[test]
    fn value_images() {
        assert_eq!(
            image(int(IntKind::Int, false), Value::Int(-2)),
            vec![0xFE, 0xFF, 0xFF, 0xFF]
        );
        assert_eq!(
            image(int(IntKind::Big, true), Value::UInt(u64::MAX)),
            vec![0xFF; 8]
        );
        assert_eq!(
            image(int(IntKind::Medium, false), Value::Int(1)),
            vec![1, 0, 0]
        );
        // DECIMAL(10,2) 1.00: 8 integer digits (4 bytes) + 2 fraction digits (1 byte).
        assert_eq!(
            image(
                SqlType::Decimal {
                    precision: 10,
                    scale: 2
                },
                Value::Decimal(Decimal::parse("1.00").unwrap())
            ),
            vec![0x80, 0, 0, 1, 0]
        );
        assert_eq!(
            image(SqlType::Date, Value::Date(Date::new(2024, 1, 2))),
            (2024u32 << 9 | 1 << 5 | 2).to_le_bytes()[..3].to_vec()
        );
        let dt = DateTime {
            date: Date::new(2024, 2, 29),
            hour: 12,
            minute: 34,
            second: 56,
            micro: 123_456,
        };
        let got = image(SqlType::DateTime { fsp: 6 }, Value::DateTime(dt));
        assert_eq!(got.len(), 8);
        assert_eq!(&got[5..], &[0x01, 0xE2, 0x40]);
        let t = Time {
            neg: true,
            hour: 1,
            minute: 0,
            second: 0,
            micro: 0,
        };
        assert_eq!(image(SqlType::Time { fsp: 0 }, Value::Time(t)).len(), 3);
        assert_eq!(image(SqlType::Year, Value::Year(2024)), vec![124]);
        assert_eq!(
            image(
                SqlType::Char {
                    len: 3,
                    collation: Collation::Utf8mb4GeneralCi
                },
                Value::str("ab ")
            ),
            vec![2, b'a', b'b']
        );
        assert_eq!(
            image(SqlType::Binary { len: 4 }, Value::Bytes(b"ab\0\0".to_vec())),
            vec![2, b'a', b'b']
        );
        assert_eq!(
            image(
                SqlType::Blob {
                    kind: LobKind::Medium
                },
                Value::str("xy")
            ),
            vec![2, 0, 0, b'x', b'y']
        );
        let e = SqlType::Enum {
            values: vec!["a".into(), "b".into()],
            collation: Collation::Utf8mb4GeneralCi,
        };
        assert_eq!(image(e, Value::str("b")), vec![2]);
    }

    #[test]
    fn bad_rows_are_errors() {
        let map = TableMap::new(
            1,
            "d",
            "t",
            vec![Column::new("a", SqlType::varchar(2), false)],
        );
        let o = Origin::new(1, 0);
        let long = [Value::str("abcdefghi")];
        assert!(rows_events(o, RowsKind::Write, &map, &[(None, Some(&long))], true).is_err());
        let null = [Value::Null];
        assert!(rows_events(o, RowsKind::Write, &map, &[(None, Some(&null))], true).is_err());
        let ok = [Value::str("ab")];
        assert!(rows_events(o, RowsKind::Write, &map, &[(Some(&ok), None)], true).is_err());
        assert!(rows_events(o, RowsKind::Update, &map, &[(Some(&ok), None)], true).is_err());
        let wrong_type = [Value::Int(1)];
        assert!(rows_events(
            o,
            RowsKind::Delete,
            &map,
            &[(Some(&wrong_type), None)],
            true
        )
        .is_err());
    }

    #[test]
    fn rows_are_split_and_end_flagged() {
        let map = TableMap::new(
            77,
            "d",
            "t",
            vec![Column::new("a", SqlType::varchar(300), false)],
        );
        let rows: Vec<Vec<Value>> = (0..100)
            .map(|i| vec![Value::str(&format!("{i:0>300}"))])
            .collect();
        let changes: Vec<RowChange<'_>> = rows.iter().map(|r| (None, Some(r.as_slice()))).collect();
        let evs = rows_events(Origin::new(1, 0), RowsKind::Write, &map, &changes, true).unwrap();
        assert!(evs.len() > 3, "{}", evs.len());
        let flags: Vec<u16> = evs
            .iter()
            .map(|e| u16::from_le_bytes([e.body[6], e.body[7]]))
            .collect();
        assert!(flags[..flags.len() - 1].iter().all(|&f| f == 0));
        assert_eq!(flags[flags.len() - 1], STMT_END_F);
        assert!(evs.iter().all(|e| e.body.len() <= ROWS_EVENT_MAX_SIZE));
        // Each event: 10-byte post-header, column count, one bitmap byte.
        let total: usize = evs.iter().map(|e| e.body.len() - 12).sum();
        assert_eq!(total, 100 * (1 + 2 + 300));
        assert!(
            rows_events(Origin::new(1, 0), RowsKind::Write, &map, &[], true)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn charset_metadata_choice() {
        let mut out = Vec::new();
        put_charsets(&mut out, &[45, 45, 45, 63], DEFAULT_CHARSET, COLUMN_CHARSET);
        // Default 45, then column 3 is 63.
        assert_eq!(out, vec![DEFAULT_CHARSET, 3, 45, 3, 63]);
        let mut out = Vec::new();
        put_charsets(&mut out, &[45, 63], DEFAULT_CHARSET, COLUMN_CHARSET);
        assert_eq!(out, vec![COLUMN_CHARSET, 2, 45, 63]);
    }
}
