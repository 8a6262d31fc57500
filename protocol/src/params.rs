//! COM_STMT_EXECUTE parameter decoding and the per-connection prepared-statement registry.
//!
//! Every read is bounds-checked: a short or malformed packet, or a first EXECUTE without bound
//! types, is an error for the client (1210), never a panic.

use std::collections::HashMap;
use std::io;

use crate::flags::ColumnType;

use crate::packet::Cursor;
use crate::session::WireValue;

/// What the driver remembers about one prepared statement.
#[derive(Debug, Default, Clone)]
pub struct StatementState {
    /// Number of `?` placeholders.
    pub params: u16,
    /// Types from the last EXECUTE with new-params-bound=1 (type, unsigned).
    pub bound_types: Option<Vec<(u8, bool)>>,
    /// COM_STMT_SEND_LONG_DATA chunks by parameter index.
    pub long_data: HashMap<u16, Vec<u8>>,
}

/// Prepared statements of one connection, by id.
pub type Registry = HashMap<u32, StatementState>;

/// The fixed header of COM_STMT_EXECUTE (after the command byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecuteHeader {
    /// Statement id.
    pub stmt_id: u32,
    /// Cursor flags (0 = CURSOR_TYPE_NO_CURSOR).
    pub flags: u8,
}

/// Parses the header of a COM_STMT_EXECUTE body (command byte stripped).
pub fn execute_header(body: &[u8]) -> io::Result<ExecuteHeader> {
    let mut c = Cursor::new(body);
    let stmt_id = c.u32()?;
    let flags = c.u8()?;
    let _iterations = c.u32()?;
    Ok(ExecuteHeader { stmt_id, flags })
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// Decodes the parameters of a COM_STMT_EXECUTE body (command byte stripped), remembering
/// newly bound types in `state` so later executes without types reuse them.
pub fn decode_params(body: &[u8], state: &mut StatementState) -> io::Result<Vec<WireValue>> {
    let n = usize::from(state.params);
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut c = Cursor::new(body);
    c.take(9)?;
    let nullmap = c.take(n.div_ceil(8))?;
    let new_bound = c.u8()?;
    if new_bound == 1 {
        let raw = c.take(2 * n)?;
        let types = raw
            .chunks_exact(2)
            .map(|t| (t[0], t[1] & 0x80 != 0))
            .collect();
        state.bound_types = Some(types);
    } else if new_bound != 0 {
        return Err(bad("bad new-params-bound flag"));
    }
    let Some(types) = state.bound_types.as_ref() else {
        return Err(bad("parameter types were never sent"));
    };
    let mut out = Vec::with_capacity(n);
    for (i, &(ty, unsigned)) in types.iter().enumerate() {
        if nullmap[i / 8] & (1 << (i % 8)) != 0 {
            out.push(WireValue::Null);
            continue;
        }
        if let Some(data) = u16::try_from(i).ok().and_then(|i| state.long_data.get(&i)) {
            out.push(WireValue::Bytes(data.clone()));
            continue;
        }
        out.push(decode_value(&mut c, ty, unsigned)?);
    }
    Ok(out)
}

fn decode_value(c: &mut Cursor<'_>, ty: u8, unsigned: bool) -> io::Result<WireValue> {
    use ColumnType::*;
    let ty = ColumnType::try_from(ty).map_err(|_| bad("unknown parameter type"))?;
    let int = |v: i64, u: u64| {
        if unsigned {
            WireValue::UInt(u)
        } else {
            WireValue::Int(v)
        }
    };
    Ok(match ty {
        MYSQL_TYPE_NULL => WireValue::Null,
        MYSQL_TYPE_TINY => {
            let b = c.u8()?;
            int(i64::from(b as i8), u64::from(b))
        }
        MYSQL_TYPE_SHORT | MYSQL_TYPE_YEAR => {
            let v = c.u16()?;
            int(i64::from(v as i16), u64::from(v))
        }
        MYSQL_TYPE_LONG | MYSQL_TYPE_INT24 => {
            let v = c.u32()?;
            int(i64::from(v as i32), u64::from(v))
        }
        MYSQL_TYPE_LONGLONG => {
            let v = c.u64()?;
            int(v as i64, v)
        }
        MYSQL_TYPE_FLOAT => WireValue::Float(f32::from_bits(c.u32()?)),
        MYSQL_TYPE_DOUBLE => WireValue::Double(f64::from_bits(c.u64()?)),
        MYSQL_TYPE_DATE | MYSQL_TYPE_DATETIME | MYSQL_TYPE_TIMESTAMP | MYSQL_TYPE_NEWDATE => {
            let len = c.u8()?;
            let mut d = Cursor::new(c.take(usize::from(len))?);
            let (mut y, mut mo, mut day, mut h, mut mi, mut s, mut us) = (0, 0, 0, 0, 0, 0, 0);
            if len >= 4 {
                y = d.u16()?;
                mo = d.u8()?;
                day = d.u8()?;
            }
            if len >= 7 {
                h = d.u8()?;
                mi = d.u8()?;
                s = d.u8()?;
            }
            if len >= 11 {
                us = d.u32()?;
            }
            if ty == MYSQL_TYPE_DATE {
                WireValue::Date(y, mo, day)
            } else {
                WireValue::DateTime(y, mo, day, h, mi, s, us)
            }
        }
        MYSQL_TYPE_TIME | MYSQL_TYPE_TIME2 => {
            let len = c.u8()?;
            let mut d = Cursor::new(c.take(usize::from(len))?);
            if len == 0 {
                WireValue::Time(false, 0, 0, 0, 0, 0)
            } else {
                let neg = d.u8()? != 0;
                let days = d.u32()?;
                let (h, m, s) = (d.u8()?, d.u8()?, d.u8()?);
                let us = if len >= 12 { d.u32()? } else { 0 };
                WireValue::Time(neg, days, h, m, s, us)
            }
        }
        MYSQL_TYPE_DECIMAL | MYSQL_TYPE_NEWDECIMAL => {
            let b = c.lenenc_bytes()?;
            match std::str::from_utf8(b) {
                Ok(s) => WireValue::Decimal(s.to_string()),
                Err(_) => return Err(bad("DECIMAL parameter is not ASCII")),
            }
        }
        // Strings, BLOBs, JSON, ENUM, SET, BIT, GEOMETRY...
        _ => WireValue::Bytes(c.lenenc_bytes()?.to_vec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or(0))
            .collect()
    }

    /// Captured sysbench executes (reference/wire): types on the first execute only.
    #[test]
    fn sysbench_longlong_then_reuse() {
        let mut st = StatementState {
            params: 1,
            ..Default::default()
        };
        // stmt 51, flags 0, iter 1 | nullmap 00 | bound 01 | 0800 | 0x1f9
        let first = hex("33000000000100000000010800f901000000000000");
        assert_eq!(
            decode_params(&first, &mut st).ok(),
            Some(vec![WireValue::Int(505)])
        );
        let second = hex("330000000001000000")
            .into_iter()
            .chain(hex("0000f601000000000000"))
            .collect::<Vec<_>>();
        assert_eq!(
            decode_params(&second, &mut st).ok(),
            Some(vec![WireValue::Int(502)])
        );
    }

    #[test]
    fn var_string_and_nulls() {
        let mut st = StatementState {
            params: 3,
            ..Default::default()
        };
        let mut body = hex("010000000001000000");
        body.push(0b010); // param 1 NULL
        body.push(1);
        body.extend_from_slice(&[0xfd, 0, 0x08, 0, 0x08, 0x80]);
        body.extend_from_slice(&[3, b'a', b'b', b'c']);
        body.extend_from_slice(&u64::MAX.to_le_bytes());
        let v = decode_params(&body, &mut st).ok();
        assert_eq!(
            v,
            Some(vec![
                WireValue::Bytes(b"abc".to_vec()),
                WireValue::Null,
                WireValue::UInt(u64::MAX)
            ])
        );
    }

    #[test]
    fn malformed_is_an_error_not_a_panic() {
        let mut st = StatementState {
            params: 2,
            ..Default::default()
        };
        // no types ever bound
        assert!(decode_params(&hex("0100000000010000000000"), &mut st).is_err());
        assert!(decode_params(&hex("0100000000010000000001"), &mut st).is_err());
        assert!(decode_params(&hex("010000000001000000000108000800ff"), &mut st).is_err());
        assert!(decode_params(&hex("0100000000010000000001ee000800"), &mut st).is_err());
        assert!(decode_params(&[], &mut st).is_err());
        // every prefix of a valid body fails cleanly
        let mut ok = hex("0100000000010000000001080008000100000000000000");
        ok.extend_from_slice(&2u64.to_le_bytes());
        for i in 0..ok.len() {
            let mut fresh = StatementState {
                params: 2,
                ..Default::default()
            };
            assert!(decode_params(&ok[..i], &mut fresh).is_err(), "prefix {i}");
        }
        let mut fresh = StatementState {
            params: 2,
            ..Default::default()
        };
        assert_eq!(
            decode_params(&ok, &mut fresh).ok(),
            Some(vec![WireValue::Int(1), WireValue::Int(2)])
        );
    }

    #[test]
    fn temporals_and_long_data() {
        let mut st = StatementState {
            params: 2,
            ..Default::default()
        };
        st.long_data.insert(1, b"long".to_vec());
        let mut body = hex("0100000000010000000001");
        body.extend_from_slice(&[0x0c, 0, 0xfc, 0]);
        body.extend_from_slice(&[7, 0xe8, 0x07, 2, 29, 12, 34, 56]);
        assert_eq!(
            decode_params(&body, &mut st).ok(),
            Some(vec![
                WireValue::DateTime(2024, 2, 29, 12, 34, 56, 0),
                WireValue::Bytes(b"long".to_vec())
            ])
        );
    }
}
