//! Order-preserving, self-delimiting key encoding for B+tree keys.
//!
//! `encode_key` concatenates one encoding per key part; comparing two encoded keys byte-wise
//! gives the SQL order of the tuples (first part first). Every part encoding is prefix-free,
//! so concatenation preserves order and a prefix of parts is a byte prefix of the key.
//!
//! | part | bytes |
//! |---|---|
//! | NULL | `00` (sorts first ascending) |
//! | not NULL | `01` then the payload |
//! | signed int (any width) | i64 with the sign bit flipped, 8 bytes big-endian |
//! | unsigned int | u64, 8 bytes big-endian |
//! | FLOAT/DOUBLE | f64 bits, negative: all bits inverted, else sign bit set; -0 = 0 |
//! | DECIMAL | `02` zero; `03`, exponent byte, base-100 digit pairs as `pair+1`, `00` for positive; `01` and all of that inverted for negative (see [`encode_decimal`]) |
//! | strings | collation sort key, `00` escaped as `00 FF`, terminated by `00 00` |
//! | binary strings | raw bytes, escaped and terminated the same way |
//! | DATE | year u16, month, day |
//! | DATETIME/TIMESTAMP | [`DateTime::to_packed`] u64 big-endian |
//! | TIME | signed microseconds, sign bit flipped |
//! | YEAR | u16 |
//! | ENUM | 1-based index u16 (MySQL sorts ENUM by index) |
//!
//! A DESC part has all its bytes inverted (NULLs then sort last, as in MySQL).
//! Decoding is possible for everything except strings under a non-`binary` collation,
//! whose key is a collation weight string (the row holds the real value).

use super::decimal::Scan;
use super::{Collation, Date, DateTime, Decimal, SqlType, Time, Value, ValueError};

/// One column of an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPart {
    /// The column type.
    pub ty: SqlType,
    /// Descending part.
    pub desc: bool,
    /// Index prefix length in characters (`KEY (name(10))`), strings only.
    pub prefix_chars: Option<u32>,
}

impl KeyPart {
    /// An ascending, whole-value part.
    pub fn asc(ty: SqlType) -> KeyPart {
        KeyPart {
            ty,
            desc: false,
            prefix_chars: None,
        }
    }

    /// A descending, whole-value part.
    pub fn desc(ty: SqlType) -> KeyPart {
        KeyPart {
            ty,
            desc: true,
            prefix_chars: None,
        }
    }

    /// True when [`decode_key`] can give this part's value back.
    pub fn is_reversible(&self) -> bool {
        match &self.ty {
            SqlType::Char { .. }
            | SqlType::VarChar { .. }
            | SqlType::Text { .. }
            | SqlType::Json => false,
            SqlType::Binary { .. }
            | SqlType::VarBinary { .. }
            | SqlType::Blob { .. }
            | SqlType::Geometry { .. } => self.prefix_chars.is_none(),
            _ => true,
        }
    }
}

fn mismatch(v: &Value, ty: &SqlType) -> ValueError {
    ValueError::new(
        1105,
        format!(
            "key value {v:?} does not match column type {}",
            ty.mysql_name()
        ),
    )
}

/// Encodes a key tuple. Values must already be coerced to their parts' types.
pub fn encode_key(parts: &[(&Value, &KeyPart)]) -> Result<Vec<u8>, ValueError> {
    let mut out = Vec::with_capacity(parts.len() * 9);
    for (v, p) in parts {
        encode_key_part(&mut out, v, p)?;
    }
    Ok(out)
}

/// Appends one part's encoding to `out`.
pub fn encode_key_part(out: &mut Vec<u8>, v: &Value, part: &KeyPart) -> Result<(), ValueError> {
    let start = out.len();
    if v.is_null() {
        out.push(0x00);
    } else {
        out.push(0x01);
        encode_payload(out, v, part)?;
    }
    if part.desc {
        out[start..].iter_mut().for_each(|b| *b = !*b);
    }
    Ok(())
}

fn encode_payload(out: &mut Vec<u8>, v: &Value, part: &KeyPart) -> Result<(), ValueError> {
    let ty = &part.ty;
    match (ty, v) {
        (
            SqlType::Int {
                unsigned: false, ..
            },
            _,
        ) => {
            let i = match v {
                Value::Int(i) => *i,
                Value::UInt(u) => i64::try_from(*u).map_err(|_| mismatch(v, ty))?,
                _ => return Err(mismatch(v, ty)),
            };
            out.extend_from_slice(&((i as u64) ^ (1 << 63)).to_be_bytes());
        }
        (SqlType::Int { unsigned: true, .. }, _) => {
            let u = match v {
                Value::UInt(u) => *u,
                Value::Int(i) => u64::try_from(*i).map_err(|_| mismatch(v, ty))?,
                _ => return Err(mismatch(v, ty)),
            };
            out.extend_from_slice(&u.to_be_bytes());
        }
        (SqlType::Float | SqlType::Double, Value::Float(f)) => encode_f64(out, *f as f64),
        (SqlType::Float | SqlType::Double, Value::Double(f)) => encode_f64(out, *f),
        (SqlType::Decimal { .. }, Value::Decimal(d)) => encode_decimal(out, d),
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
            let c = ty.collation();
            let b = match part.prefix_chars {
                Some(n) => &b[..c.char_prefix_len(b, n as usize)],
                None => &b[..],
            };
            escape(out, &c.sort_key(b));
        }
        (SqlType::Enum { .. }, Value::Bytes(b)) => {
            let i = ty.enum_index(b).ok_or_else(|| mismatch(v, ty))?;
            out.extend_from_slice(&i.to_be_bytes());
        }
        (SqlType::Bit { .. }, Value::UInt(n)) => out.extend_from_slice(&n.to_be_bytes()),
        // A SET sorts by its bitmask, as in MySQL.
        (SqlType::Set { .. }, Value::Bytes(b)) => {
            let m = ty
                .set_mask(b)
                .and_then(Result::ok)
                .ok_or_else(|| mismatch(v, ty))?;
            out.extend_from_slice(&m.to_be_bytes());
        }
        (SqlType::Date, Value::Date(d)) => {
            out.extend_from_slice(&d.year.to_be_bytes());
            out.extend_from_slice(&[d.month, d.day]);
        }
        (SqlType::DateTime { .. } | SqlType::Timestamp { .. }, Value::DateTime(d)) => {
            out.extend_from_slice(&d.to_packed().to_be_bytes());
        }
        (SqlType::Time { .. }, Value::Time(t)) => {
            out.extend_from_slice(&((t.to_micros() as u64) ^ (1 << 63)).to_be_bytes());
        }
        (SqlType::Year, Value::Year(y)) => out.extend_from_slice(&y.to_be_bytes()),
        _ => return Err(mismatch(v, ty)),
    }
    Ok(())
}

fn encode_f64(out: &mut Vec<u8>, f: f64) {
    let f = if f == 0.0 { 0.0 } else { f };
    let bits = f.to_bits();
    let k = if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    };
    out.extend_from_slice(&k.to_be_bytes());
}

/// `00` -> `00 FF`, then terminator `00 00`.
fn escape(out: &mut Vec<u8>, b: &[u8]) {
    for &x in b {
        out.push(x);
        if x == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

/// Decimal key: the normalized value is `0.p1 p2 ... × 100^e` with base-100 digit pairs
/// (first and last pair non-zero). Positive: `03`, `e + 128`, each pair as `pair + 1`, `00`.
/// Negative: `01` then the positive layout with every byte inverted. Zero: `02`.
pub fn encode_decimal(out: &mut Vec<u8>, d: &Decimal) {
    if d.is_zero() {
        out.push(0x02);
        return;
    }
    let n = d.normalized();
    let (digits, scale) = n.digits();
    let e10 = digits.len() as i64 - scale as i64;
    let e100 = (e10 + 1).div_euclid(2);
    let mut padded = String::with_capacity(digits.len() + 2);
    if 2 * e100 - e10 == 1 {
        padded.push('0');
    }
    padded.push_str(&digits);
    if padded.len() % 2 == 1 {
        padded.push('0');
    }
    let neg = n.is_negative();
    let inv = |b: u8| if neg { !b } else { b };
    out.push(if neg { 0x01 } else { 0x03 });
    out.push(inv((e100 + 128).clamp(0, 255) as u8));
    for pair in padded.as_bytes().chunks(2) {
        let p = (pair[0] - b'0') * 10 + (pair[1] - b'0');
        out.push(inv(p + 1));
    }
    out.push(inv(0));
}

/// Reads bytes of one part, un-inverting DESC parts.
struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    desc: bool,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, ValueError> {
        let x = *self
            .b
            .get(self.pos)
            .ok_or_else(|| ValueError::corrupt("key"))?;
        self.pos += 1;
        Ok(if self.desc { !x } else { x })
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ValueError> {
        let mut a = [0u8; N];
        for x in a.iter_mut() {
            *x = self.byte()?;
        }
        Ok(a)
    }

    fn unescape(&mut self) -> Result<Vec<u8>, ValueError> {
        let mut v = Vec::new();
        loop {
            let x = self.byte()?;
            if x != 0 {
                v.push(x);
                continue;
            }
            match self.byte()? {
                0 => return Ok(v),
                0xFF => v.push(0),
                _ => return Err(ValueError::corrupt("key")),
            }
        }
    }
}

/// Decodes an encoded key. A part whose value cannot be recovered (strings under a
/// non-binary collation, prefix parts) yields `None`; NULL yields `Some(Value::Null)`.
pub fn decode_key(key: &[u8], parts: &[KeyPart]) -> Result<Vec<Option<Value>>, ValueError> {
    let mut r = Reader {
        b: key,
        pos: 0,
        desc: false,
    };
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        r.desc = p.desc;
        if r.byte()? == 0 {
            out.push(Some(Value::Null));
            continue;
        }
        out.push(decode_payload(&mut r, p)?);
    }
    if r.pos != key.len() {
        return Err(ValueError::corrupt("key"));
    }
    Ok(out)
}

fn decode_payload(r: &mut Reader<'_>, p: &KeyPart) -> Result<Option<Value>, ValueError> {
    Ok(Some(match &p.ty {
        SqlType::Int {
            unsigned: false, ..
        } => Value::Int((u64::from_be_bytes(r.array()?) ^ (1 << 63)) as i64),
        SqlType::Int { unsigned: true, .. } => Value::UInt(u64::from_be_bytes(r.array()?)),
        SqlType::Float | SqlType::Double => {
            let k = u64::from_be_bytes(r.array()?);
            let bits = if k >> 63 == 1 { k & !(1 << 63) } else { !k };
            let f = f64::from_bits(bits);
            if p.ty == SqlType::Float {
                Value::Float(f as f32)
            } else {
                Value::Double(f)
            }
        }
        SqlType::Decimal { scale, .. } => Value::Decimal(decode_decimal(r)?.round_to_scale(*scale)),
        SqlType::Char { .. } | SqlType::VarChar { .. } | SqlType::Text { .. } | SqlType::Json => {
            r.unescape()?;
            return Ok(None);
        }
        SqlType::Binary { .. }
        | SqlType::VarBinary { .. }
        | SqlType::Blob { .. }
        | SqlType::Geometry { .. } => {
            let b = r.unescape()?;
            if p.prefix_chars.is_some() {
                return Ok(None);
            }
            Value::Bytes(b)
        }
        SqlType::Enum { .. } => {
            let i = u16::from_be_bytes(r.array()?);
            let label =
                p.ty.enum_label(i)
                    .ok_or_else(|| ValueError::corrupt("key"))?;
            Value::Bytes(label.as_bytes().to_vec())
        }
        SqlType::Bit { .. } => Value::UInt(u64::from_be_bytes(r.array()?)),
        SqlType::Set { .. } => {
            let m = u64::from_be_bytes(r.array()?);
            Value::Bytes(p.ty.set_text(m).ok_or_else(|| ValueError::corrupt("key"))?)
        }
        SqlType::Date => {
            let [y0, y1, m, d] = r.array()?;
            Value::Date(Date::new(u16::from_be_bytes([y0, y1]), m, d))
        }
        SqlType::DateTime { .. } | SqlType::Timestamp { .. } => {
            Value::DateTime(DateTime::from_packed(u64::from_be_bytes(r.array()?)))
        }
        SqlType::Time { .. } => Value::Time(Time::from_micros(
            (u64::from_be_bytes(r.array()?) ^ (1 << 63)) as i64,
        )),
        SqlType::Year => Value::Year(u16::from_be_bytes(r.array()?)),
    }))
}

fn decode_decimal(r: &mut Reader<'_>) -> Result<Decimal, ValueError> {
    let tag = r.byte()?;
    let neg = match tag {
        0x02 => return Ok(Decimal::zero()),
        0x01 => true,
        0x03 => false,
        _ => return Err(ValueError::corrupt("decimal key")),
    };
    let inv = |b: u8| if neg { !b } else { b };
    let e100 = inv(r.byte()?) as i64 - 128;
    let mut digits = Vec::new();
    loop {
        let b = inv(r.byte()?);
        if b == 0 {
            break;
        }
        let p = b - 1;
        if p > 99 {
            return Err(ValueError::corrupt("decimal key"));
        }
        digits.push(b'0' + p / 10);
        digits.push(b'0' + p % 10);
    }
    let frac_len = digits.len();
    let sc = Scan {
        neg,
        digits,
        frac_len,
        exp: 2 * e100,
        end: 0,
    };
    Decimal::from_scan(&sc)
}

/// The smallest byte string greater than every key that starts with `prefix`: the upper
/// bound (exclusive) of a prefix scan. `None` when there is none (all `FF`).
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut k = prefix.to_vec();
    while let Some(last) = k.last_mut() {
        if *last == 0xFF {
            k.pop();
        } else {
            *last += 1;
            return Some(k);
        }
    }
    None
}

/// Sort key of a string under `collation`, escaped and terminated as in a key (what a
/// string part's payload is). Useful for building equality bounds by hand.
pub fn string_key_payload(collation: Collation, s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    escape(&mut out, &collation.sort_key(s));
    out
}

#[cfg(test)]
mod tests {
    use super::super::{compare, sort_cmp, IntKind};
    use super::*;
    use std::cmp::Ordering;

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn random_value(r: &mut XorShift, ty: &SqlType) -> Value {
        if r.below(10) == 0 {
            return Value::Null;
        }
        match ty {
            SqlType::Int {
                unsigned: false, ..
            } => Value::Int(match r.below(3) {
                0 => r.below(7) as i64 - 3,
                1 => r.next() as i64,
                _ => [i64::MIN, i64::MAX, 0, -1][r.below(4) as usize],
            }),
            SqlType::Int { unsigned: true, .. } => Value::UInt(match r.below(2) {
                0 => r.below(5),
                _ => r.next(),
            }),
            SqlType::Double => Value::Double(match r.below(4) {
                0 => 0.0,
                1 => -0.0,
                2 => (r.below(20) as f64 - 10.0) / 4.0,
                _ => f64::from_bits(r.next() >> 2) * if r.below(2) == 0 { -1.0 } else { 1.0 },
            }),
            SqlType::Decimal { scale, .. } => {
                let digits = r.below(30) as u32;
                let m =
                    (r.next() as i64 as i128 * (r.next() >> 1) as i128) % 10i128.pow(digits + 1);
                Value::Decimal(Decimal::from_i128(m, (r.below(*scale as u64 + 1)) as u8))
            }
            SqlType::VarChar { .. } | SqlType::VarBinary { .. } => {
                let alphabet: [&[u8]; 9] = [
                    b"a",
                    b"A",
                    b"b",
                    b" ",
                    b"\0",
                    b"\xc3\xa9",
                    b"z",
                    b"\t",
                    b"\xff",
                ];
                let n = r.below(5);
                let mut s = Vec::new();
                for _ in 0..n {
                    let c = alphabet[r.below(alphabet.len() as u64) as usize];
                    if matches!(ty, SqlType::VarChar { .. }) && c == b"\xff" {
                        continue;
                    }
                    s.extend_from_slice(c);
                }
                Value::Bytes(s)
            }
            SqlType::Date => Value::Date(Date::new(
                r.below(3000) as u16,
                r.below(13) as u8,
                r.below(32) as u8,
            )),
            SqlType::DateTime { .. } => Value::DateTime(DateTime {
                date: Date::new(2000 + r.below(3) as u16, 1 + r.below(2) as u8, 1),
                hour: r.below(24) as u8,
                minute: r.below(2) as u8,
                second: r.below(60) as u8,
                micro: r.below(3) as u32 * 499_999,
            }),
            SqlType::Time { .. } => Value::Time(Time::from_micros(
                (r.below(2 * 838 * 3_600_000_000) as i64 - 838 * 3_600_000_000) / 1000 * 1000,
            )),
            SqlType::Year => Value::Year([0, 1901, 2024, 2155][r.below(4) as usize]),
            SqlType::Enum { values, .. } => Value::Bytes(
                values[r.below(values.len() as u64) as usize]
                    .as_bytes()
                    .to_vec(),
            ),
            _ => Value::Null,
        }
    }

    fn enum_index_cmp(ty: &SqlType, a: &Value, b: &Value) -> Ordering {
        let idx = |v: &Value| match v {
            Value::Bytes(x) => ty.enum_index(x).map(i32::from).unwrap_or(-1),
            _ => -1,
        };
        idx(a).cmp(&idx(b))
    }

    fn types() -> Vec<SqlType> {
        vec![
            SqlType::bigint(),
            SqlType::Int {
                kind: IntKind::Big,
                unsigned: true,
                width: None,
            },
            SqlType::Double,
            SqlType::Decimal {
                precision: 65,
                scale: 10,
            },
            SqlType::varchar(10),
            SqlType::VarChar {
                len: 10,
                collation: Collation::Utf8mb4Bin,
            },
            SqlType::VarChar {
                len: 10,
                collation: Collation::Utf8mb4_0900AiCi,
            },
            SqlType::VarChar {
                len: 10,
                collation: Collation::Utf8mb4UnicodeCi,
            },
            SqlType::VarBinary { len: 10 },
            SqlType::Date,
            SqlType::DateTime { fsp: 6 },
            SqlType::Time { fsp: 3 },
            SqlType::Year,
            SqlType::Enum {
                values: vec!["z".into(), "a".into(), "m".into()],
                collation: Collation::default(),
            },
        ]
    }

    #[test]
    fn single_part_order_matches_sql_order() {
        let mut r = XorShift(0xDEAD_BEEF_1234_5678);
        for ty in types() {
            for desc in [false, true] {
                let part = KeyPart {
                    ty: ty.clone(),
                    desc,
                    prefix_chars: None,
                };
                for _ in 0..3000 {
                    let a = random_value(&mut r, &ty);
                    let b = random_value(&mut r, &ty);
                    let ka = encode_key(&[(&a, &part)]).unwrap();
                    let kb = encode_key(&[(&b, &part)]).unwrap();
                    let mut want =
                        if matches!(ty, SqlType::Enum { .. }) && !a.is_null() && !b.is_null() {
                            enum_index_cmp(&ty, &a, &b)
                        } else {
                            sort_cmp(&a, &b, ty.collation())
                        };
                    if desc {
                        want = want.reverse();
                    }
                    assert_eq!(ka.cmp(&kb), want, "{ty:?} desc={desc} {a:?} {b:?}");
                    if part.is_reversible() {
                        let back = decode_key(&ka, std::slice::from_ref(&part)).unwrap();
                        let back = back[0].clone().unwrap();
                        assert_eq!(
                            sort_cmp(&back, &a, ty.collation()),
                            Ordering::Equal,
                            "{a:?} -> {back:?}"
                        );
                        if let (Value::Decimal(x), Value::Decimal(y)) = (&back, &a) {
                            assert_eq!(x.to_string(), y.round_to_scale(10).to_string());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn composite_keys_and_bounds() {
        let mut r = XorShift(42);
        for g in [
            Collation::default(),
            Collation::Utf8mb4_0900AiCi,
            Collation::Utf8mb4UnicodeCi,
        ] {
            let p1 = KeyPart::asc(SqlType::VarChar {
                len: 10,
                collation: g,
            });
            let p2 = KeyPart::asc(SqlType::bigint());
            for _ in 0..5000 {
                let a = (random_value(&mut r, &p1.ty), random_value(&mut r, &p2.ty));
                let b = (random_value(&mut r, &p1.ty), random_value(&mut r, &p2.ty));
                let ka = encode_key(&[(&a.0, &p1), (&a.1, &p2)]).unwrap();
                let kb = encode_key(&[(&b.0, &p1), (&b.1, &p2)]).unwrap();
                let want = sort_cmp(&a.0, &b.0, g).then_with(|| sort_cmp(&a.1, &b.1, g));
                assert_eq!(ka.cmp(&kb), want, "{g:?} {a:?} {b:?}");
                // Every key with a's first part lies in [enc(a.0), successor(enc(a.0))).
                let lo = encode_key(&[(&a.0, &p1)]).unwrap();
                let hi = prefix_successor(&lo).unwrap();
                assert!(ka >= lo && ka < hi);
                let same = compare(&a.0, &b.0, g) == Some(Ordering::Equal)
                    || (a.0.is_null() && b.0.is_null());
                assert_eq!(kb >= lo && kb < hi, same, "{g:?} {a:?} {b:?}");
            }
        }
        assert_eq!(prefix_successor(&[1, 2, 0xFF]), Some(vec![1, 3]));
        assert_eq!(prefix_successor(&[0xFF, 0xFF]), None);
    }

    #[test]
    fn decimal_examples() {
        let enc = |s: &str| {
            let mut v = Vec::new();
            encode_decimal(&mut v, &Decimal::parse(s).unwrap());
            v
        };
        assert_eq!(enc("1.0"), enc("1.000"));
        assert_eq!(enc("0"), enc("-0.00"));
        let order = [
            "-100", "-1.55", "-1.5", "-0.001", "0", "0.001", "0.01", "1", "1.5", "1.55", "10",
            "100",
        ];
        for w in order.windows(2) {
            assert!(enc(w[0]) < enc(w[1]), "{} < {}", w[0], w[1]);
        }
        let ty = SqlType::Decimal {
            precision: 65,
            scale: 30,
        };
        let big = Decimal::parse(&format!("-{}.{}", "9".repeat(35), "9".repeat(30))).unwrap();
        let part = KeyPart::asc(ty);
        let k = encode_key(&[(&Value::Decimal(big.clone()), &part)]).unwrap();
        assert_eq!(
            decode_key(&k, &[part]).unwrap()[0],
            Some(Value::Decimal(big))
        );
    }

    #[test]
    fn mismatched_values_are_errors() {
        let part = KeyPart::asc(SqlType::int());
        assert_eq!(
            encode_key(&[(&Value::str("x"), &part)]).unwrap_err().code,
            1105
        );
        let part = KeyPart::asc(SqlType::bigint());
        assert!(encode_key(&[(&Value::UInt(u64::MAX), &part)]).is_err());
        assert!(decode_key(&[1, 2, 3], &[part]).is_err());
    }
}
