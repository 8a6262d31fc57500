//! SQL values, column types and their byte encodings (MySQL 8.0 semantics).
//!
//! 1. [`Value`] is one SQL datum as the executor sees it. Strings and blobs are bytes in the
//!    column's character set ([`Collation`] lives in the [`SqlType`], not in the value);
//!    ENUM values are their label bytes; TIMESTAMP values are [`DateTime`] in UTC.
//! 2. [`SqlType`] describes a column; [`coerce_for_column`] turns any value into what the
//!    column stores, with MySQL's strict/non-strict errors and warnings (1264, 1265, 1292,
//!    1366, 1406).
//! 3. [`compare`] applies MySQL's comparison rules (int vs int exactly, decimals exactly,
//!    number vs string as doubles, strings under a collation, temporals chronologically).
//! 4. [`keycode`] encodes key tuples into bytes whose order equals SQL order (B+tree keys);
//!    [`row`] encodes a table row compactly (the clustered tree's value).
//! 5. [`json`] is the JSON document model: MySQL's text parser and normalised printer,
//!    path expressions and the edits the JSON functions make (a JSON column stores the
//!    normalised text).

pub mod collation;
pub mod decimal;
pub mod geometry;
pub mod json;
pub mod keycode;
pub mod row;
pub mod temporal;
pub mod types;

use std::cmp::Ordering;
use std::fmt;

pub use collation::Collation;
pub use decimal::Decimal;
pub use temporal::{parse_datetime, parse_time, Date, DateCheck, DateTime, Time};
pub use types::{
    bit_bytes, coerce_for_column, coerce_for_column_at, IntKind, LobKind, SqlType, SET_MAX_MEMBERS,
};

/// An error with the MySQL error code a client should see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError {
    /// MySQL error number (1264, 1265, 1292, 1366, 1406, 1690, ...).
    pub code: u16,
    /// MySQL-style message text.
    pub message: String,
}

impl ValueError {
    /// Builds an error.
    pub fn new(code: u16, message: impl Into<String>) -> ValueError {
        ValueError {
            code,
            message: message.into(),
        }
    }

    /// A corrupt stored encoding (ER_UNKNOWN_ERROR-class: 1105).
    pub fn corrupt(what: &str) -> ValueError {
        ValueError::new(1105, format!("corrupt encoded {what}"))
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ERROR {}: {}", self.code, self.message)
    }
}

impl std::error::Error for ValueError {}

/// SHOW WARNINGS level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Note,
    Warning,
    /// A statement's own failure, kept for SHOW WARNINGS/ERRORS.
    Error,
}

/// A condition to add to the session's warning list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub level: Level,
    pub code: u16,
    pub message: String,
}

impl Warning {
    /// A `Warning`-level condition.
    pub fn warn(code: u16, message: impl Into<String>) -> Warning {
        Warning {
            level: Level::Warning,
            code,
            message: message.into(),
        }
    }

    /// A `Note`-level condition.
    pub fn note(code: u16, message: impl Into<String>) -> Warning {
        Warning {
            level: Level::Note,
            code,
            message: message.into(),
        }
    }
}

/// One SQL value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    /// Signed integers of every width.
    Int(i64),
    /// Unsigned integers of every width.
    UInt(u64),
    /// FLOAT.
    Float(f32),
    /// DOUBLE.
    Double(f64),
    Decimal(Decimal),
    /// CHAR/VARCHAR/TEXT/BINARY/VARBINARY/BLOB/ENUM: bytes in the column's charset.
    Bytes(Vec<u8>),
    Date(Date),
    /// DATETIME and TIMESTAMP (UTC).
    DateTime(DateTime),
    Time(Time),
    /// YEAR (0 or 1901..=2155).
    Year(u16),
}

impl Value {
    /// True for SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A string value from text.
    pub fn str(s: &str) -> Value {
        Value::Bytes(s.as_bytes().to_vec())
    }

    /// The value as a double in numeric context (strings: their numeric prefix, 0 if none;
    /// temporals: `YYYYMMDDHHMMSS.ffffff` style numbers). `None` for NULL.
    pub fn to_f64(&self) -> Option<f64> {
        Some(match self {
            Value::Null => return None,
            Value::Int(i) => *i as f64,
            Value::UInt(u) => *u as f64,
            Value::Float(f) => *f as f64,
            Value::Double(d) => *d,
            Value::Decimal(d) => d.to_f64(),
            Value::Bytes(b) => str_to_f64(b).0,
            Value::Date(d) => d.to_number() as f64,
            Value::DateTime(d) => d.to_number() as f64 + d.micro as f64 / 1e6,
            Value::Time(t) => {
                let n = t.to_number() as f64;
                let f = t.micro as f64 / 1e6;
                if t.neg {
                    n - f
                } else {
                    n + f
                }
            }
            Value::Year(y) => *y as f64,
        })
    }

    /// The value as an exact decimal in numeric context; `None` for NULL, and for doubles
    /// too large for DECIMAL(65).
    pub fn to_decimal(&self) -> Option<Decimal> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(Decimal::from_i64(*i)),
            Value::UInt(u) => Some(Decimal::from_u64(*u)),
            Value::Float(f) => Decimal::from_f64(*f as f64).ok(),
            Value::Double(d) => Decimal::from_f64(*d).ok(),
            Value::Decimal(d) => Some(d.clone()),
            Value::Bytes(b) => Some(str_to_decimal(b).0),
            Value::Date(d) => Some(Decimal::from_i64(d.to_number())),
            Value::DateTime(d) => Some(Decimal::from_i128(
                d.to_number() as i128 * 1_000_000 + d.micro as i128,
                6,
            )),
            Value::Time(t) => {
                let n = t.to_number().unsigned_abs() as i128 * 1_000_000 + t.micro as i128;
                Some(Decimal::from_i128(if t.neg { -n } else { n }, 6).normalized())
            }
            Value::Year(y) => Some(Decimal::from_i64(*y as i64)),
        }
    }

    /// The value as MySQL prints it in a text result set. Temporal values show 6 fraction
    /// digits only when their microseconds are non-zero; use [`Value::to_text_as`] to print
    /// with the column's precision.
    pub fn to_text(&self) -> Option<Vec<u8>> {
        Some(match self {
            Value::Null => return None,
            Value::Int(i) => i.to_string().into_bytes(),
            Value::UInt(u) => u.to_string().into_bytes(),
            Value::Float(f) => format_f32(*f).into_bytes(),
            Value::Double(d) => format_f64(*d).into_bytes(),
            Value::Decimal(d) => d.to_string().into_bytes(),
            Value::Bytes(b) => b.clone(),
            Value::Date(d) => d.format().into_bytes(),
            Value::DateTime(d) => d.format(if d.micro > 0 { 6 } else { 0 }).into_bytes(),
            Value::Time(t) => t.format(if t.micro > 0 { 6 } else { 0 }).into_bytes(),
            Value::Year(y) => format!("{y:04}").into_bytes(),
        })
    }

    /// Text form using the column type's fractional-second precision (and zero-padding of
    /// `BINARY(n)` is kept as stored).
    pub fn to_text_as(&self, ty: &SqlType) -> Option<Vec<u8>> {
        let fsp = ty.fsp();
        match self {
            Value::DateTime(d) => Some(d.format(fsp).into_bytes()),
            Value::Time(t) => Some(t.format(fsp).into_bytes()),
            // BIT defaults print as MySQL prints them: b'101'.
            Value::UInt(n) if matches!(ty, SqlType::Bit { .. }) => {
                Some(format!("b'{n:b}'").into_bytes())
            }
            _ => self.to_text(),
        }
    }
}

/// How much of a string a string-to-number conversion used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumParse {
    /// The whole string (apart from surrounding spaces) was a number.
    Clean,
    /// A numeric prefix followed by other text (`'12abc'`): MySQL warns 1265 on store,
    /// 1292 "Truncated incorrect DOUBLE value" in expressions.
    Truncated,
    /// No number at all (`'abc'`, `''`): value 0, MySQL 1366 on store.
    Invalid,
}

fn status(s: &[u8], end: usize) -> NumParse {
    if s[end..].iter().all(u8::is_ascii_whitespace) {
        NumParse::Clean
    } else {
        NumParse::Truncated
    }
}

/// MySQL string-to-double: the numeric prefix, with how much was used.
pub fn str_to_f64(s: &[u8]) -> (f64, NumParse) {
    let Some(sc) = decimal::scan_number(s) else {
        return (0.0, NumParse::Invalid);
    };
    let text = format!(
        "{}{}e{}",
        if sc.neg { "-" } else { "" },
        String::from_utf8_lossy(&sc.digits),
        sc.exp.saturating_sub(sc.frac_len as i64)
    );
    let v: f64 = text.parse().unwrap_or(0.0);
    let v = if v.is_infinite() {
        f64::MAX.copysign(v)
    } else {
        v
    };
    (v, status(s, sc.end))
}

/// MySQL string-to-decimal: the numeric prefix (values past 65 digits saturate to
/// ±99..9), with how much was used.
pub fn str_to_decimal(s: &[u8]) -> (Decimal, NumParse) {
    let Some(sc) = decimal::scan_number(s) else {
        return (Decimal::zero(), NumParse::Invalid);
    };
    let d = Decimal::from_scan(&sc).unwrap_or_else(|_| {
        let max = Decimal::parse(&"9".repeat(65)).unwrap_or_else(|_| Decimal::zero());
        if sc.neg {
            max.negated()
        } else {
            max
        }
    });
    (d, status(s, sc.end))
}

/// MySQL string-to-integer (as in `CAST(s AS SIGNED)` / storing into an integer column):
/// the numeric prefix rounded half away from zero, saturated to the i128 range of `i64`
/// and `u64` combined. The caller range-checks for the column.
pub fn str_to_int(s: &[u8]) -> (i128, NumParse) {
    let (d, st) = str_to_decimal(s);
    (decimal_to_i128_saturating(&d), st)
}

pub(crate) fn decimal_to_i128_saturating(d: &Decimal) -> i128 {
    let r = d.round_to_scale(0);
    match r.to_i128_unscaled() {
        Some((v, _)) => v,
        None if r.is_negative() => i128::MIN,
        None => i128::MAX,
    }
}

/// The 1292 "Truncated incorrect ... value" warning MySQL gives for lossy string-to-number
/// conversions in expressions (`kind` = "DOUBLE", "INTEGER", "DECIMAL").
pub fn truncated_warning(kind: &str, s: &[u8]) -> Warning {
    Warning::warn(
        1292,
        format!(
            "Truncated incorrect {kind} value: '{}'",
            String::from_utf8_lossy(s)
        ),
    )
}

fn format_shortest(plain: String, exp_form: String, v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let e = v.abs().log10().floor() as i32;
    if (-6..15).contains(&e) {
        plain
    } else {
        exp_form
    }
}

/// A double as MySQL prints it: shortest round-trip digits, plain notation for exponents
/// -6..=14, `1.5e20` style otherwise (MySQL's `%g`-like choice; edge exponents may differ).
pub fn format_f64(v: f64) -> String {
    format_shortest(format!("{v}"), format!("{v:e}"), v)
}

/// A FLOAT as MySQL prints it (shortest digits that round-trip through f32).
pub fn format_f32(v: f32) -> String {
    format_shortest(format!("{v}"), format!("{v:e}"), v as f64)
}

fn is_int(v: &Value) -> Option<i128> {
    match v {
        Value::Int(i) => Some(*i as i128),
        Value::UInt(u) => Some(*u as i128),
        Value::Year(y) => Some(*y as i128),
        _ => None,
    }
}

fn as_datetime(v: &Value) -> Option<DateTime> {
    match v {
        Value::Date(d) => Some(DateTime::from_date(*d)),
        Value::DateTime(d) => Some(*d),
        _ => None,
    }
}

/// Compares two values with MySQL's rules; `None` when either is NULL (or a NaN shows up).
/// `collation` applies when both sides are strings.
///
/// - integers (and YEAR) exactly; integers/decimals exactly as decimals;
/// - any FLOAT/DOUBLE involved, or number vs string: as doubles;
/// - string vs string: under `collation`;
/// - DATE/DATETIME with each other chronologically (a DATE is midnight); TIME with TIME;
///   temporal vs string: the string is parsed as that temporal type (if it does not parse,
///   both are compared as strings); temporal vs number: as numbers.
pub fn compare(a: &Value, b: &Value, collation: Collation) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (Null, _) | (_, Null) => None,
        (Bytes(x), Bytes(y)) => Some(collation.compare(x, y)),
        _ if is_int(a).is_some() && is_int(b).is_some() => is_int(a)?.partial_cmp(&is_int(b)?),
        (Int(_) | UInt(_) | Decimal(_) | Year(_), Int(_) | UInt(_) | Decimal(_) | Year(_)) => {
            Some(a.to_decimal()?.cmp(&b.to_decimal()?))
        }
        (Date(_) | DateTime(_), Date(_) | DateTime(_)) => {
            Some(as_datetime(a)?.cmp(&as_datetime(b)?))
        }
        (Time(x), Time(y)) => Some(x.cmp(y)),
        (Date(_) | DateTime(_) | Time(_), Bytes(s)) => compare_temporal_str(a, s, collation),
        (Bytes(s), Date(_) | DateTime(_) | Time(_)) => {
            compare_temporal_str(b, s, collation).map(Ordering::reverse)
        }
        _ => a.to_f64()?.partial_cmp(&b.to_f64()?),
    }
}

fn compare_temporal_str(t: &Value, s: &[u8], collation: Collation) -> Option<Ordering> {
    let parsed = match t {
        Value::Time(_) => parse_time(s).map(|(x, _)| Value::Time(x)),
        _ => parse_datetime(s).map(|(x, _)| Value::DateTime(x)),
    };
    match parsed {
        Some(p) => compare(t, &p, collation),
        None => Some(collation.compare(&t.to_text()?, s)),
    }
}

/// A total order for sorting (ORDER BY): NULL first, then [`compare`]; incomparable values
/// (NaN) sort as equal.
pub fn sort_cmp(a: &Value, b: &Value, collation: Collation) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => compare(a, b, collation).unwrap_or(Ordering::Equal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn d(s: &str) -> Value {
        Value::Decimal(Decimal::parse(s).unwrap())
    }

    #[test]
    fn string_to_number() {
        assert_eq!(str_to_f64(b"12abc"), (12.0, NumParse::Truncated));
        assert_eq!(str_to_f64(b" 1.5e3 "), (1500.0, NumParse::Clean));
        assert_eq!(str_to_f64(b"abc"), (0.0, NumParse::Invalid));
        assert_eq!(str_to_f64(b""), (0.0, NumParse::Invalid));
        assert_eq!(str_to_f64(b"-.5"), (-0.5, NumParse::Clean));
        assert_eq!(str_to_int(b"12.5xyz"), (13, NumParse::Truncated));
        assert_eq!(str_to_int(b"1e3"), (1000, NumParse::Clean));
        assert_eq!(str_to_decimal(b"0.10").0.to_string(), "0.10");
        assert_eq!(
            truncated_warning("DOUBLE", b"12abc").message,
            "Truncated incorrect DOUBLE value: '12abc'"
        );
    }

    #[test]
    fn number_formatting() {
        assert_eq!(format_f64(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_f64(1.5), "1.5");
        assert_eq!(format_f64(100.0), "100");
        assert_eq!(format_f64(-0.0), "0");
        assert_eq!(format_f64(1e20), "1e20");
        assert_eq!(format_f64(1.5e-10), "1.5e-10");
        assert_eq!(format_f64(123456789012345678.0), "1.2345678901234568e17");
        assert_eq!(format_f32(2.25), "2.25");
        assert_eq!(format_f32(0.1), "0.1");
        assert_eq!(Value::Year(5).to_text().unwrap(), b"0005");
    }

    #[test]
    fn comparisons() {
        let g = Collation::Utf8mb4GeneralCi;
        let c = |a: &Value, b: &Value| compare(a, b, g);
        assert_eq!(c(&Value::Int(-1), &Value::UInt(u64::MAX)), Some(Less));
        assert_eq!(
            c(&Value::UInt(u64::MAX), &Value::UInt(u64::MAX - 1)),
            Some(Greater)
        );
        assert_eq!(c(&Value::Int(1), &d("1.00")), Some(Equal));
        assert_eq!(c(&d("0.1"), &Value::Double(0.1)), Some(Equal));
        assert_eq!(c(&Value::Int(12), &Value::str("12abc")), Some(Equal));
        assert_eq!(c(&Value::Int(9), &Value::str("10")), Some(Less));
        assert_eq!(c(&Value::str("9"), &Value::str("10")), Some(Greater));
        assert_eq!(c(&Value::str("abc"), &Value::str("ABC ")), Some(Equal));
        assert_eq!(c(&Value::Null, &Value::Int(1)), None);
        let day = Value::Date(Date::new(2024, 1, 2));
        let (t, _) = parse_datetime(b"2024-01-02 00:00:01").unwrap();
        assert_eq!(c(&day, &Value::DateTime(t)), Some(Less));
        assert_eq!(c(&day, &Value::str("2024-01-02")), Some(Equal));
        assert_eq!(c(&Value::str("2024-1-2"), &day), Some(Equal));
        assert_eq!(c(&day, &Value::Int(20240102)), Some(Equal));
        assert_eq!(sort_cmp(&Value::Null, &Value::Int(0), g), Less);
        let t1 = Value::Time(parse_time(b"-01:00:00").unwrap().0);
        assert_eq!(c(&t1, &Value::str("00:00:00")), Some(Less));
    }
}
