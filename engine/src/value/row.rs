//! Compact row encoding: the value stored for each row in a table's clustered tree.
//!
//! | bytes | content |
//! |---|---|
//! | 1 | format version, [`ROW_FORMAT_V1`] |
//! | varint | number of columns `n` stored in this row |
//! | ceil(n/8) | null bitmap, bit `i % 8` of byte `i / 8` set = column `i` is NULL |
//! | ... | each non-NULL column in order, by type (below) |
//!
//! | type | bytes |
//! |---|---|
//! | TINYINT..BIGINT | 1/2/3/4/8 bytes little-endian (two's complement for signed) |
//! | FLOAT / DOUBLE | 4 / 8 bytes, IEEE bits little-endian |
//! | DECIMAL | 1 byte `neg << 7 \| scale`, varint limb count, base-1e9 limbs as u32 LE |
//! | CHAR..LONGBLOB | varint length, bytes |
//! | ENUM | u16 LE index (0 = `''`) |
//! | DATE | u16 LE year, month, day |
//! | DATETIME / TIMESTAMP | u64 LE [`DateTime::to_packed`] |
//! | TIME | i64 LE signed microseconds |
//! | YEAR | u16 LE |
//!
//! Schema evolution: ALTER TABLE ADD COLUMN (at the end) needs no rewrite. A row that stores
//! fewer columns than the table has decodes the missing ones as the defaults the caller
//! passes. A row with more columns than the table is an error (rewrite rows on DROP COLUMN).

use super::{Date, DateTime, Decimal, SqlType, Time, Value, ValueError};

/// The current (and only) row format.
pub const ROW_FORMAT_V1: u8 = 1;

/// Appends `v` as LEB128.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a LEB128 varint at `*pos`.
pub fn get_varint(b: &[u8], pos: &mut usize) -> Result<u64, ValueError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let x = *b.get(*pos).ok_or_else(|| ValueError::corrupt("row"))?;
        *pos += 1;
        v |= ((x & 0x7F) as u64) << shift;
        if x & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(ValueError::corrupt("row"))
}

fn mismatch(v: &Value, ty: &SqlType) -> ValueError {
    ValueError::new(
        1105,
        format!("value {v:?} does not match column type {}", ty.mysql_name()),
    )
}

/// Encodes a row. `values` and `types` must have the same length and values must already
/// be coerced to their column types (see `coerce_for_column`); a mismatch is error 1105.
pub fn encode_row(values: &[Value], types: &[SqlType]) -> Result<Vec<u8>, ValueError> {
    if values.len() != types.len() {
        return Err(ValueError::new(
            1136,
            "Column count doesn't match value count",
        ));
    }
    let n = values.len();
    let mut out = Vec::with_capacity(2 + n.div_ceil(8) + n * 8);
    out.push(ROW_FORMAT_V1);
    put_varint(&mut out, n as u64);
    let bitmap_at = out.len();
    out.resize(bitmap_at + n.div_ceil(8), 0);
    for (i, (v, ty)) in values.iter().zip(types).enumerate() {
        if v.is_null() {
            out[bitmap_at + i / 8] |= 1 << (i % 8);
        } else {
            encode_value(&mut out, v, ty)?;
        }
    }
    Ok(out)
}

fn encode_value(out: &mut Vec<u8>, v: &Value, ty: &SqlType) -> Result<(), ValueError> {
    match (ty, v) {
        (SqlType::Int { kind, unsigned, .. }, Value::Int(_) | Value::UInt(_)) => {
            let x: i128 = match v {
                Value::Int(i) => *i as i128,
                Value::UInt(u) => *u as i128,
                _ => 0,
            };
            let (lo, hi) = kind.range(*unsigned);
            if x < lo || x > hi {
                return Err(mismatch(v, ty));
            }
            out.extend_from_slice(&(x as u64).to_le_bytes()[..kind.bytes()]);
        }
        (SqlType::Float, Value::Float(f)) => out.extend_from_slice(&f.to_bits().to_le_bytes()),
        (SqlType::Double, Value::Double(f)) => out.extend_from_slice(&f.to_bits().to_le_bytes()),
        (SqlType::Decimal { .. }, Value::Decimal(d)) => {
            let (neg, mag, scale) = d.parts();
            out.push(((neg as u8) << 7) | (scale & 0x7F));
            put_varint(out, mag.len() as u64);
            for l in mag {
                out.extend_from_slice(&l.to_le_bytes());
            }
        }
        (
            SqlType::Char { .. }
            | SqlType::VarChar { .. }
            | SqlType::Text { .. }
            | SqlType::Binary { .. }
            | SqlType::VarBinary { .. }
            | SqlType::Blob { .. }
            | SqlType::Json
            | SqlType::Geometry { .. },
            Value::Bytes(b),
        ) => {
            put_varint(out, b.len() as u64);
            out.extend_from_slice(b);
        }
        (SqlType::Enum { .. }, Value::Bytes(b)) => {
            let i = ty.enum_index(b).ok_or_else(|| mismatch(v, ty))?;
            out.extend_from_slice(&i.to_le_bytes());
        }
        (SqlType::Bit { .. }, Value::UInt(n)) => out.extend_from_slice(&n.to_le_bytes()),
        (SqlType::Set { .. }, Value::Bytes(b)) => {
            let m = ty
                .set_mask(b)
                .and_then(Result::ok)
                .ok_or_else(|| mismatch(v, ty))?;
            out.extend_from_slice(&m.to_le_bytes());
        }
        (SqlType::Date, Value::Date(d)) => {
            out.extend_from_slice(&d.year.to_le_bytes());
            out.extend_from_slice(&[d.month, d.day]);
        }
        (SqlType::DateTime { .. } | SqlType::Timestamp { .. }, Value::DateTime(d)) => {
            out.extend_from_slice(&d.to_packed().to_le_bytes());
        }
        (SqlType::Time { .. }, Value::Time(t)) => {
            out.extend_from_slice(&t.to_micros().to_le_bytes())
        }
        (SqlType::Year, Value::Year(y)) => out.extend_from_slice(&y.to_le_bytes()),
        _ => return Err(mismatch(v, ty)),
    }
    Ok(())
}

/// Parsed row header.
struct Header {
    count: usize,
    bitmap_at: usize,
    data_at: usize,
}

fn header(b: &[u8], types: &[SqlType]) -> Result<Header, ValueError> {
    match b.first() {
        Some(&ROW_FORMAT_V1) => {}
        Some(v) => return Err(ValueError::new(1105, format!("unknown row format {v}"))),
        None => return Err(ValueError::corrupt("row")),
    }
    let mut pos = 1;
    let count = get_varint(b, &mut pos)? as usize;
    if count > types.len() {
        return Err(ValueError::new(
            1105,
            format!("row has {count} columns, table has {}", types.len()),
        ));
    }
    let data_at = pos + count.div_ceil(8);
    if data_at > b.len() {
        return Err(ValueError::corrupt("row"));
    }
    Ok(Header {
        count,
        bitmap_at: pos,
        data_at,
    })
}

fn is_null(b: &[u8], h: &Header, i: usize) -> bool {
    b[h.bitmap_at + i / 8] & (1 << (i % 8)) != 0
}

fn take<'a>(b: &'a [u8], pos: &mut usize, n: usize) -> Result<&'a [u8], ValueError> {
    let end = pos
        .checked_add(n)
        .ok_or_else(|| ValueError::corrupt("row"))?;
    let s = b.get(*pos..end).ok_or_else(|| ValueError::corrupt("row"))?;
    *pos = end;
    Ok(s)
}

fn fixed<const N: usize>(b: &[u8], pos: &mut usize) -> Result<[u8; N], ValueError> {
    let mut a = [0u8; N];
    a.copy_from_slice(take(b, pos, N)?);
    Ok(a)
}

/// Decodes (or, with `skip`, steps over) the non-NULL value of type `ty` at `*pos`.
fn decode_value(b: &[u8], pos: &mut usize, ty: &SqlType, skip: bool) -> Result<Value, ValueError> {
    Ok(match ty {
        SqlType::Int { kind, unsigned, .. } => {
            let n = kind.bytes();
            let raw = take(b, pos, n)?;
            let mut buf = [0u8; 8];
            buf[..n].copy_from_slice(raw);
            let u = u64::from_le_bytes(buf);
            if *unsigned {
                Value::UInt(u)
            } else {
                let shift = 64 - 8 * n as u32;
                Value::Int(((u << shift) as i64) >> shift)
            }
        }
        SqlType::Float => Value::Float(f32::from_bits(u32::from_le_bytes(fixed(b, pos)?))),
        SqlType::Double => Value::Double(f64::from_bits(u64::from_le_bytes(fixed(b, pos)?))),
        SqlType::Decimal { .. } => {
            let [flags] = fixed(b, pos)?;
            let n = get_varint(b, pos)? as usize;
            let raw = take(
                b,
                pos,
                n.checked_mul(4).ok_or_else(|| ValueError::corrupt("row"))?,
            )?;
            if skip {
                return Ok(Value::Null);
            }
            let mag = raw
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            Value::Decimal(
                Decimal::from_parts(flags & 0x80 != 0, mag, flags & 0x7F)
                    .ok_or_else(|| ValueError::corrupt("decimal"))?,
            )
        }
        SqlType::Char { .. }
        | SqlType::VarChar { .. }
        | SqlType::Text { .. }
        | SqlType::Binary { .. }
        | SqlType::VarBinary { .. }
        | SqlType::Blob { .. }
        | SqlType::Json
        | SqlType::Geometry { .. } => {
            let n = get_varint(b, pos)?;
            let n = usize::try_from(n).map_err(|_| ValueError::corrupt("row"))?;
            let s = take(b, pos, n)?;
            if skip {
                return Ok(Value::Null);
            }
            Value::Bytes(s.to_vec())
        }
        SqlType::Enum { .. } => {
            let i = u16::from_le_bytes(fixed(b, pos)?);
            let label = ty
                .enum_label(i)
                .ok_or_else(|| ValueError::corrupt("enum"))?;
            Value::Bytes(label.as_bytes().to_vec())
        }
        SqlType::Bit { .. } => Value::UInt(u64::from_le_bytes(fixed(b, pos)?)),
        SqlType::Set { .. } => {
            let m = u64::from_le_bytes(fixed(b, pos)?);
            Value::Bytes(ty.set_text(m).unwrap_or_default())
        }
        SqlType::Date => {
            let [y0, y1, m, d] = fixed(b, pos)?;
            Value::Date(Date::new(u16::from_le_bytes([y0, y1]), m, d))
        }
        SqlType::DateTime { .. } | SqlType::Timestamp { .. } => {
            Value::DateTime(DateTime::from_packed(u64::from_le_bytes(fixed(b, pos)?)))
        }
        SqlType::Time { .. } => Value::Time(Time::from_micros(i64::from_le_bytes(fixed(b, pos)?))),
        SqlType::Year => Value::Year(u16::from_le_bytes(fixed(b, pos)?)),
    })
}

fn default_of(defaults: &[Value], i: usize) -> Value {
    defaults.get(i).cloned().unwrap_or(Value::Null)
}

/// Decodes a whole row for a table with column `types`. Columns the row does not store
/// (added later by ALTER TABLE ADD COLUMN) take `defaults[i]` (NULL when absent).
pub fn decode_row(
    b: &[u8],
    types: &[SqlType],
    defaults: &[Value],
) -> Result<Vec<Value>, ValueError> {
    decode_row_columns(b, types, defaults, None)
}

/// Like [`decode_row`], but with `wanted` decodes only the columns it marks true and
/// gives NULL for the others (stepped over, not copied): a query that reads two columns
/// of a wide row pays for those two.
pub fn decode_row_columns(
    b: &[u8],
    types: &[SqlType],
    defaults: &[Value],
    wanted: Option<&[bool]>,
) -> Result<Vec<Value>, ValueError> {
    let h = header(b, types)?;
    let mut pos = h.data_at;
    let mut out = Vec::with_capacity(types.len());
    for (i, ty) in types.iter().enumerate() {
        let want = wanted.is_none_or(|w| w.get(i).copied().unwrap_or(true));
        if i >= h.count {
            out.push(if want {
                default_of(defaults, i)
            } else {
                Value::Null
            });
        } else if is_null(b, &h, i) {
            out.push(Value::Null);
        } else if want {
            out.push(decode_value(b, &mut pos, ty, false)?);
        } else {
            decode_value(b, &mut pos, ty, true)?;
            out.push(Value::Null);
        }
    }
    if pos != b.len() {
        return Err(ValueError::corrupt("row"));
    }
    Ok(out)
}

/// Decodes column `idx` only, stepping over the columns before it.
pub fn decode_column(
    b: &[u8],
    types: &[SqlType],
    idx: usize,
    defaults: &[Value],
) -> Result<Value, ValueError> {
    let h = header(b, types)?;
    let ty = types.get(idx).ok_or_else(|| {
        ValueError::new(
            1105,
            format!("column {idx} out of range ({} columns)", types.len()),
        )
    })?;
    if idx >= h.count {
        return Ok(default_of(defaults, idx));
    }
    if is_null(b, &h, idx) {
        return Ok(Value::Null);
    }
    let mut pos = h.data_at;
    for (i, t) in types.iter().enumerate().take(idx) {
        if !is_null(b, &h, i) {
            decode_value(b, &mut pos, t, true)?;
        }
    }
    decode_value(b, &mut pos, ty, false)
}

#[cfg(test)]
mod tests {
    use super::super::{Collation, IntKind, LobKind};
    use super::*;

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    fn table() -> Vec<SqlType> {
        let int = |kind, unsigned| SqlType::Int {
            kind,
            unsigned,
            width: None,
        };
        vec![
            int(IntKind::Tiny, false),
            int(IntKind::Medium, false),
            int(IntKind::Medium, true),
            int(IntKind::Big, false),
            int(IntKind::Big, true),
            SqlType::Float,
            SqlType::Double,
            SqlType::Decimal {
                precision: 65,
                scale: 30,
            },
            SqlType::varchar(20),
            SqlType::Blob {
                kind: LobKind::Long,
            },
            SqlType::Enum {
                values: vec!["x".into(), "y".into()],
                collation: Collation::default(),
            },
            SqlType::Date,
            SqlType::Timestamp { fsp: 6 },
            SqlType::Time { fsp: 6 },
            SqlType::Year,
        ]
    }

    fn random_row(r: &mut XorShift) -> Vec<Value> {
        let n = r.next();
        let vals = vec![
            Value::Int((n as i8) as i64),
            Value::Int(((n as i32) << 8 >> 8) as i64),
            Value::UInt(n & 0xFF_FFFF),
            Value::Int(n as i64),
            Value::UInt(n),
            Value::Float(f32::from_bits(n as u32 & 0x7F7F_FFFF)),
            Value::Double(f64::from_bits(n >> 2)),
            Value::Decimal(Decimal::from_i128(
                n as i64 as i128 * 1_000_003,
                (n % 31) as u8,
            )),
            Value::Bytes((0..n % 25).map(|i| (i * 37 + n) as u8).collect()),
            Value::Bytes(vec![0u8; (n % 300) as usize]),
            Value::str(if n & 1 == 0 { "x" } else { "" }),
            Value::Date(Date::new(
                (n % 10000) as u16,
                (n % 13) as u8,
                (n % 32) as u8,
            )),
            Value::DateTime(DateTime::from_unix_micros((n % (1u64 << 50)) as i64).unwrap()),
            Value::Time(Time::from_micros(
                (n % 6_000_000_000_000) as i64 - 3_000_000_000_000,
            )),
            Value::Year((n % 2156) as u16),
        ];
        vals.into_iter()
            .map(|v| if r.next() % 5 < 1 { Value::Null } else { v })
            .collect()
    }

    #[test]
    fn roundtrip_and_single_column() {
        let types = table();
        let mut r = XorShift(7);
        for _ in 0..2000 {
            let row = random_row(&mut r);
            let enc = encode_row(&row, &types).unwrap();
            assert_eq!(enc[0], ROW_FORMAT_V1);
            let dec = decode_row(&enc, &types, &[]).unwrap();
            for (i, (a, b)) in row.iter().zip(&dec).enumerate() {
                let same = match (a, b) {
                    (Value::Double(x), Value::Double(y)) => x.to_bits() == y.to_bits(),
                    (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
                    _ => a == b,
                };
                assert!(same, "column {i}: {a:?} != {b:?}");
                let one = decode_column(&enc, &types, i, &[]).unwrap();
                assert_eq!(format!("{one:?}"), format!("{b:?}"));
            }
            // Some columns only: those match the full decode, the rest are NULL.
            let wanted: Vec<bool> = (0..types.len())
                .map(|_| r.next().is_multiple_of(2))
                .collect();
            let some = decode_row_columns(&enc, &types, &[], Some(&wanted)).unwrap();
            for (i, (s, d)) in some.iter().zip(&dec).enumerate() {
                let expect = if wanted[i] { d } else { &Value::Null };
                assert_eq!(format!("{s:?}"), format!("{expect:?}"), "column {i}");
            }
        }
    }

    #[test]
    fn added_columns_take_defaults() {
        let old = vec![SqlType::int(), SqlType::varchar(5)];
        let row = encode_row(&[Value::Int(1), Value::Null], &old).unwrap();
        let mut new = old.clone();
        new.push(SqlType::int());
        new.push(SqlType::varchar(5));
        let defaults = [Value::Null, Value::Null, Value::Int(42)];
        assert_eq!(
            decode_row(&row, &new, &defaults).unwrap(),
            vec![Value::Int(1), Value::Null, Value::Int(42), Value::Null]
        );
        assert_eq!(
            decode_column(&row, &new, 2, &defaults).unwrap(),
            Value::Int(42)
        );
        // Fewer table columns than stored: refuse.
        assert!(decode_row(&row, &old[..1], &[]).is_err());
    }

    #[test]
    fn bad_input_is_an_error() {
        let types = table();
        assert!(encode_row(&[Value::Int(1)], &types).is_err());
        assert_eq!(
            encode_row(&[Value::Int(300)], &types[..1])
                .unwrap_err()
                .code,
            1105
        );
        assert!(encode_row(&[Value::str("1")], &types[..1]).is_err());
        let good = encode_row(&random_row(&mut XorShift(3)), &types).unwrap();
        for cut in 0..good.len() {
            assert!(decode_row(&good[..cut], &types, &[]).is_err());
        }
        let mut bad = good.clone();
        bad[0] = 9;
        assert!(decode_row(&bad, &types, &[]).is_err());
        let mut r = XorShift(11);
        for _ in 0..2000 {
            let junk: Vec<u8> = (0..r.next() % 40).map(|_| r.next() as u8).collect();
            let _ = decode_row(&junk, &types, &[]);
            let _ = decode_column(&junk, &types, (r.next() % 15) as usize, &[]);
        }
    }
}
