//! Payload encoders for server replies: OK, ERR, EOF, column definitions, text rows and
//! binary (prepared-statement) rows. Pure functions over `Vec<u8>`; framing is `packet::frame`.

use crate::flags::{status, ColumnFlags, ColumnType};

use crate::codes;
use crate::packet::{put_lenenc_bytes, put_lenenc_int};
use crate::session::{Column, SessionStatus, SqlError, WireValue};

/// Status flags for OK/EOF packets.
pub fn status_flags(session: &SessionStatus, more_results: bool) -> u16 {
    let mut f = 0;
    if session.in_transaction {
        f |= status::SERVER_STATUS_IN_TRANS;
    }
    if session.autocommit {
        f |= status::SERVER_STATUS_AUTOCOMMIT;
    }
    if more_results {
        f |= status::SERVER_MORE_RESULTS_EXISTS;
    }
    f
}

/// OK packet. The info string is length-encoded, as MySQL and MariaDB servers send
/// it: libmariadb and libmysqlclient read a length-encoded string after the
/// warnings even without CLIENT_SESSION_TRACK (a bare string reads as a bogus
/// length and the client reports "malformed packet").
pub fn ok_packet(
    affected: u64,
    last_insert_id: u64,
    flags: u16,
    warnings: u16,
    info: &str,
) -> Vec<u8> {
    let mut p = Vec::with_capacity(16 + info.len());
    p.push(0x00);
    put_lenenc_int(&mut p, affected);
    put_lenenc_int(&mut p, last_insert_id);
    p.extend_from_slice(&flags.to_le_bytes());
    p.extend_from_slice(&warnings.to_le_bytes());
    if !info.is_empty() {
        put_lenenc_int(&mut p, info.len() as u64);
        p.extend_from_slice(info.as_bytes());
    }
    p
}

/// ERR packet.
pub fn err_packet(e: &SqlError) -> Vec<u8> {
    let mut p = Vec::with_capacity(9 + e.message.len());
    p.push(0xff);
    p.extend_from_slice(&e.code.to_le_bytes());
    p.push(b'#');
    p.extend_from_slice(&e.sqlstate);
    p.extend_from_slice(e.message.as_bytes());
    p
}

/// Classic EOF packet (CLIENT_DEPRECATE_EOF is never negotiated).
pub fn eof_packet(flags: u16, warnings: u16) -> Vec<u8> {
    let mut p = vec![0xfe];
    p.extend_from_slice(&warnings.to_le_bytes());
    p.extend_from_slice(&flags.to_le_bytes());
    p
}

/// Protocol::ColumnDefinition41; `field_list` adds the COM_FIELD_LIST default-value field.
pub fn column_definition(c: &Column, field_list: bool) -> Vec<u8> {
    let mut p = Vec::with_capacity(64);
    put_lenenc_bytes(&mut p, b"def");
    put_lenenc_bytes(&mut p, c.schema.as_bytes());
    put_lenenc_bytes(&mut p, c.table.as_bytes());
    put_lenenc_bytes(&mut p, c.org_table.as_bytes());
    put_lenenc_bytes(&mut p, c.name.as_bytes());
    put_lenenc_bytes(&mut p, c.org_name.as_bytes());
    p.push(0x0c);
    p.extend_from_slice(&c.charset.to_le_bytes());
    p.extend_from_slice(&c.length.to_le_bytes());
    p.push(c.column_type as u8);
    p.extend_from_slice(&c.flags.bits().to_le_bytes());
    p.push(c.decimals);
    p.extend_from_slice(&[0, 0]);
    if field_list {
        p.push(0xfb);
    }
    p
}

/// COM_STMT_PREPARE_OK header.
pub fn prepare_ok(id: u32, columns: usize, params: usize, warnings: u16) -> Vec<u8> {
    let mut p = vec![0x00];
    p.extend_from_slice(&id.to_le_bytes());
    p.extend_from_slice(&(columns.min(u16::MAX as usize) as u16).to_le_bytes());
    p.extend_from_slice(&(params.min(u16::MAX as usize) as u16).to_le_bytes());
    p.push(0);
    p.extend_from_slice(&warnings.to_le_bytes());
    p
}

fn mismatch(col: &Column, v: &WireValue) -> SqlError {
    SqlError::new(
        codes::ER_UNKNOWN_ERROR,
        format!(
            "internal error: value {v:?} does not fit column `{}` of type {:?}",
            col.name, col.column_type
        ),
    )
}

/// Text-protocol row: every value as a length-encoded string, NULL as 0xfb.
pub fn text_row(columns: &[Column], row: &[WireValue], out: &mut Vec<u8>) -> Result<(), SqlError> {
    if row.len() != columns.len() {
        return Err(row_width(columns.len(), row.len()));
    }
    for (c, v) in columns.iter().zip(row) {
        match v {
            WireValue::Null => out.push(0xfb),
            WireValue::Bytes(b) => put_lenenc_bytes(out, b),
            other => put_lenenc_bytes(out, render_text(other, c.decimals).as_bytes()),
        }
    }
    Ok(())
}

fn row_width(want: usize, got: usize) -> SqlError {
    SqlError::new(
        codes::ER_UNKNOWN_ERROR,
        format!("internal error: row has {got} values for {want} columns"),
    )
}

/// The text form of a non-NULL value, as MySQL prints it.
pub fn render_text(v: &WireValue, decimals: u8) -> String {
    match v {
        WireValue::Null => "NULL".to_string(),
        WireValue::Int(i) => i.to_string(),
        WireValue::UInt(u) => u.to_string(),
        WireValue::Float(f) => format_float(*f),
        WireValue::Double(d) => format_double(*d),
        WireValue::Decimal(s) => s.clone(),
        WireValue::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        WireValue::Date(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
        WireValue::DateTime(y, mo, d, h, mi, s, us) => {
            format!(
                "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}{}",
                fraction(*us, decimals)
            )
        }
        WireValue::Time(neg, days, h, m, s, us) => {
            let hours = u64::from(*days) * 24 + u64::from(*h);
            let sign = if *neg { "-" } else { "" };
            format!("{sign}{hours:02}:{m:02}:{s:02}{}", fraction(*us, decimals))
        }
    }
}

fn fraction(micros: u32, decimals: u8) -> String {
    let digits = match decimals {
        0 => return String::new(),
        1..=6 => usize::from(decimals),
        // Not a fixed precision (computed expression): show micros only when present.
        _ if micros == 0 => return String::new(),
        _ => 6,
    };
    let s = format!("{:06}", micros.min(999_999));
    format!(".{}", &s[..digits])
}

/// DOUBLE as MySQL prints it: shortest round-trip digits, scientific outside 1e-5..1e15.
pub fn format_double(d: f64) -> String {
    if !d.is_finite() {
        return d.to_string();
    }
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{d:e}");
    let exp: i32 = sci
        .rsplit_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    if (-5..15).contains(&exp) {
        d.to_string()
    } else {
        sci
    }
}

/// FLOAT as MySQL prints it: six significant digits.
pub fn format_float(f: f32) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let rounded: f64 = format!("{:.5e}", f64::from(f))
        .parse()
        .unwrap_or(f64::from(f));
    format_double(rounded)
}

/// Binary-protocol row: 0x00, NULL bitmap (offset 2), then each non-NULL value in the form of
/// its column type.
pub fn binary_row(
    columns: &[Column],
    row: &[WireValue],
    out: &mut Vec<u8>,
) -> Result<(), SqlError> {
    if row.len() != columns.len() {
        return Err(row_width(columns.len(), row.len()));
    }
    out.push(0x00);
    let bitmap_at = out.len();
    out.resize(bitmap_at + (columns.len() + 9) / 8, 0);
    for (i, (c, v)) in columns.iter().zip(row).enumerate() {
        if matches!(v, WireValue::Null) {
            out[bitmap_at + (i + 2) / 8] |= 1 << ((i + 2) % 8);
        } else {
            binary_value(c, v, out)?;
        }
    }
    Ok(())
}

fn int_of(v: &WireValue) -> Option<i128> {
    match v {
        WireValue::Int(i) => Some(i128::from(*i)),
        WireValue::UInt(u) => Some(i128::from(*u)),
        WireValue::Float(f) if f.fract() == 0.0 => Some(*f as i128),
        WireValue::Double(d) if d.fract() == 0.0 => Some(*d as i128),
        WireValue::Decimal(s) => s.parse().ok(),
        WireValue::Bytes(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
        _ => None,
    }
}

fn float_of(v: &WireValue) -> Option<f64> {
    match v {
        WireValue::Int(i) => Some(*i as f64),
        WireValue::UInt(u) => Some(*u as f64),
        WireValue::Float(f) => Some(f64::from(*f)),
        WireValue::Double(d) => Some(*d),
        WireValue::Decimal(s) => s.parse().ok(),
        WireValue::Bytes(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// One non-NULL value in binary-protocol form for column `c`.
pub fn binary_value(c: &Column, v: &WireValue, out: &mut Vec<u8>) -> Result<(), SqlError> {
    use ColumnType::*;
    let unsigned = c.flags.contains(ColumnFlags::UNSIGNED_FLAG);
    let int = |width: u32, out: &mut Vec<u8>| -> Result<(), SqlError> {
        let i = int_of(v).ok_or_else(|| mismatch(c, v))?;
        let bits = width * 8;
        let (lo, hi) = if unsigned {
            (0i128, (1i128 << bits) - 1)
        } else {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        };
        if i < lo || i > hi {
            return Err(mismatch(c, v));
        }
        out.extend_from_slice(&(i as u64).to_le_bytes()[..width as usize]);
        Ok(())
    };
    match c.column_type {
        MYSQL_TYPE_TINY => int(1, out),
        MYSQL_TYPE_SHORT | MYSQL_TYPE_YEAR => int(2, out),
        MYSQL_TYPE_LONG | MYSQL_TYPE_INT24 => int(4, out),
        MYSQL_TYPE_LONGLONG => int(8, out),
        MYSQL_TYPE_FLOAT => {
            let f = float_of(v).ok_or_else(|| mismatch(c, v))?;
            out.extend_from_slice(&(f as f32).to_le_bytes());
            Ok(())
        }
        MYSQL_TYPE_DOUBLE => {
            let f = float_of(v).ok_or_else(|| mismatch(c, v))?;
            out.extend_from_slice(&f.to_le_bytes());
            Ok(())
        }
        MYSQL_TYPE_DATE | MYSQL_TYPE_DATETIME | MYSQL_TYPE_TIMESTAMP | MYSQL_TYPE_NEWDATE => {
            let (y, mo, d, h, mi, s, us) = match v {
                WireValue::Date(y, m, d) => (*y, *m, *d, 0, 0, 0, 0),
                WireValue::DateTime(y, mo, d, h, mi, s, us) => (*y, *mo, *d, *h, *mi, *s, *us),
                _ => return Err(mismatch(c, v)),
            };
            let len: u8 = if us != 0 {
                11
            } else if h != 0 || mi != 0 || s != 0 {
                7
            } else if y != 0 || mo != 0 || d != 0 {
                4
            } else {
                0
            };
            out.push(len);
            if len >= 4 {
                out.extend_from_slice(&y.to_le_bytes());
                out.extend_from_slice(&[mo, d]);
            }
            if len >= 7 {
                out.extend_from_slice(&[h, mi, s]);
            }
            if len == 11 {
                out.extend_from_slice(&us.to_le_bytes());
            }
            Ok(())
        }
        MYSQL_TYPE_TIME => {
            let WireValue::Time(neg, days, h, m, s, us) = v else {
                return Err(mismatch(c, v));
            };
            if *days == 0 && *h == 0 && *m == 0 && *s == 0 && *us == 0 {
                out.push(0);
                return Ok(());
            }
            out.push(if *us != 0 { 12 } else { 8 });
            out.push(u8::from(*neg));
            out.extend_from_slice(&days.to_le_bytes());
            out.extend_from_slice(&[*h, *m, *s]);
            if *us != 0 {
                out.extend_from_slice(&us.to_le_bytes());
            }
            Ok(())
        }
        MYSQL_TYPE_NULL => Err(mismatch(c, v)),
        // DECIMAL, strings, BLOBs, JSON, ENUM, SET, BIT, GEOMETRY: length-encoded bytes.
        _ => {
            match v {
                WireValue::Bytes(b) => put_lenenc_bytes(out, b),
                other => put_lenenc_bytes(out, render_text(other, c.decimals).as_bytes()),
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(t: ColumnType) -> Column {
        Column::new("c", t)
    }

    fn bin(c: &Column, v: WireValue) -> Vec<u8> {
        let mut out = Vec::new();
        binary_value(c, &v, &mut out).unwrap_or_else(|e| panic!("{e}"));
        out
    }

    #[test]
    fn binary_integers() {
        use ColumnType::*;
        assert_eq!(bin(&col(MYSQL_TYPE_TINY), WireValue::Int(-1)), [0xff]);
        assert_eq!(bin(&col(MYSQL_TYPE_SHORT), WireValue::Int(258)), [2, 1]);
        assert_eq!(
            bin(&col(MYSQL_TYPE_LONG), WireValue::Int(-2)),
            [0xfe, 0xff, 0xff, 0xff]
        );
        assert_eq!(
            bin(&col(MYSQL_TYPE_LONGLONG), WireValue::Int(1)),
            [1, 0, 0, 0, 0, 0, 0, 0]
        );
        let u = col(MYSQL_TYPE_LONGLONG).with_flags(ColumnFlags::UNSIGNED_FLAG);
        assert_eq!(bin(&u, WireValue::UInt(u64::MAX)), [0xff; 8]);
        let mut out = Vec::new();
        assert!(binary_value(&col(MYSQL_TYPE_TINY), &WireValue::Int(300), &mut out).is_err());
        assert!(binary_value(&col(MYSQL_TYPE_LONG), &WireValue::Date(1, 1, 1), &mut out).is_err());
    }

    #[test]
    fn binary_floats_and_strings() {
        use ColumnType::*;
        assert_eq!(
            bin(&col(MYSQL_TYPE_DOUBLE), WireValue::Double(1.5)),
            1.5f64.to_le_bytes()
        );
        assert_eq!(
            bin(&col(MYSQL_TYPE_FLOAT), WireValue::Float(1.5)),
            1.5f32.to_le_bytes()
        );
        assert_eq!(
            bin(
                &col(MYSQL_TYPE_VAR_STRING),
                WireValue::Bytes(b"hi".to_vec())
            ),
            [2, b'h', b'i']
        );
        assert_eq!(
            bin(
                &col(MYSQL_TYPE_NEWDECIMAL),
                WireValue::Decimal("1.50".into())
            ),
            [4, b'1', b'.', b'5', b'0']
        );
        assert_eq!(
            bin(&col(MYSQL_TYPE_VAR_STRING), WireValue::Int(42)),
            [2, b'4', b'2']
        );
    }

    #[test]
    fn binary_temporals() {
        use ColumnType::*;
        let dt = col(MYSQL_TYPE_DATETIME);
        assert_eq!(bin(&dt, WireValue::DateTime(0, 0, 0, 0, 0, 0, 0)), [0]);
        assert_eq!(
            bin(&dt, WireValue::DateTime(2024, 2, 29, 0, 0, 0, 0)),
            [4, 0xe8, 0x07, 2, 29]
        );
        assert_eq!(
            bin(&dt, WireValue::DateTime(2024, 2, 29, 12, 34, 56, 0)),
            [7, 0xe8, 0x07, 2, 29, 12, 34, 56]
        );
        assert_eq!(
            bin(&dt, WireValue::DateTime(2024, 2, 29, 12, 34, 56, 7)),
            [11, 0xe8, 0x07, 2, 29, 12, 34, 56, 7, 0, 0, 0]
        );
        assert_eq!(
            bin(&col(MYSQL_TYPE_DATE), WireValue::Date(1999, 12, 31)),
            [4, 0xcf, 0x07, 12, 31]
        );
        let t = col(MYSQL_TYPE_TIME);
        assert_eq!(bin(&t, WireValue::Time(false, 0, 0, 0, 0, 0)), [0]);
        assert_eq!(
            bin(&t, WireValue::Time(true, 34, 22, 59, 59, 0)),
            [8, 1, 34, 0, 0, 0, 22, 59, 59]
        );
        assert_eq!(
            bin(&t, WireValue::Time(false, 0, 1, 2, 3, 4)),
            [12, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0]
        );
    }

    #[test]
    fn binary_row_null_bitmap() {
        let cols: Vec<Column> = (0..9).map(|_| col(ColumnType::MYSQL_TYPE_LONG)).collect();
        let mut row = vec![WireValue::Int(1); 9];
        row[0] = WireValue::Null;
        row[6] = WireValue::Null;
        let mut out = Vec::new();
        binary_row(&cols, &row, &mut out).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out[0], 0);
        assert_eq!(&out[1..3], &[0b0000_0100, 0b0000_0001]);
        assert_eq!(out.len(), 3 + 7 * 4);
        assert!(binary_row(&cols, &row[..3], &mut out).is_err());
    }

    #[test]
    fn text_rendering() {
        assert_eq!(render_text(&WireValue::Double(0.1), 31), "0.1");
        assert_eq!(render_text(&WireValue::Double(100.0), 31), "100");
        assert_eq!(render_text(&WireValue::Double(1e20), 31), "1e20");
        assert_eq!(render_text(&WireValue::Double(1.5e-7), 31), "1.5e-7");
        assert_eq!(render_text(&WireValue::Double(-2.5), 31), "-2.5");
        assert_eq!(render_text(&WireValue::Float(1.1), 31), "1.1");
        assert_eq!(render_text(&WireValue::Float(123456789.0), 31), "123457000");
        assert_eq!(render_text(&WireValue::Date(2024, 2, 9), 0), "2024-02-09");
        assert_eq!(
            render_text(&WireValue::DateTime(2024, 2, 9, 1, 2, 3, 450000), 0),
            "2024-02-09 01:02:03"
        );
        assert_eq!(
            render_text(&WireValue::DateTime(2024, 2, 9, 1, 2, 3, 450000), 3),
            "2024-02-09 01:02:03.450"
        );
        assert_eq!(
            render_text(&WireValue::Time(true, 34, 22, 59, 59, 0), 0),
            "-838:59:59"
        );
        assert_eq!(
            render_text(&WireValue::UInt(u64::MAX), 0),
            "18446744073709551615"
        );
        let cols = [
            col(ColumnType::MYSQL_TYPE_LONG),
            col(ColumnType::MYSQL_TYPE_VAR_STRING),
        ];
        let mut out = Vec::new();
        text_row(&cols, &[WireValue::Int(7), WireValue::Null], &mut out)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out, [1, b'7', 0xfb]);
    }

    #[test]
    fn packets() {
        let st = SessionStatus {
            in_transaction: true,
            autocommit: true,
            warnings: 0,
        };
        assert_eq!(status_flags(&st, true), 0x0001 | 0x0002 | 0x0008);
        assert_eq!(ok_packet(1, 0, 2, 0, ""), [0, 1, 0, 2, 0, 0, 0]);
        assert_eq!(eof_packet(2, 1), [0xfe, 1, 0, 2, 0]);
        let e = SqlError::new(1146, "x");
        assert_eq!(err_packet(&e), b"\xff\x7a\x04#42S02x");
        let c = Column::new("id", ColumnType::MYSQL_TYPE_LONG).with_table("db", "t");
        let def = column_definition(&c, false);
        assert_eq!(&def[..4], b"\x03def");
        assert_eq!(def.len(), 4 + 3 + 2 + 2 + 3 + 3 + 13);
        assert_eq!(column_definition(&c, true).last(), Some(&0xfb));
    }
}
