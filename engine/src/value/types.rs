//! Column types ([`SqlType`]), their names as SHOW CREATE TABLE prints them, and the
//! coercion of a value into a column for INSERT/UPDATE ([`coerce_for_column`]).
//!
//! Strict mode (`STRICT_TRANS_TABLES`/`STRICT_ALL_TABLES`, together with MySQL 8's default
//! `NO_ZERO_DATE`/`NO_ZERO_IN_DATE`) turns the problems below into errors; otherwise the value
//! is adjusted and a warning is returned:
//!
//! | problem | strict | non-strict |
//! |---|---|---|
//! | number past the column range | 1264 error | clamp, warning 1264 |
//! | `'12abc'` into a number | 1265 error | 12, warning 1265 |
//! | `'abc'` into a number | 1366 error | 0, warning 1366 |
//! | extra fractional digits (DECIMAL) | note 1265 | note 1265 |
//! | string too long | 1406 error | truncate, warning 1265 |
//! | only trailing spaces cut | note 1265 | note 1265 |
//! | bad date/time text | 1292 error | zero value, warning 1265 |
//! | zero date / zero in date | 1292 error | kept |
//! | unknown ENUM label | 1265 error | `''`, warning 1265 |
//!
//! String values are taken to be in the column's character set already (transcoding from
//! the connection charset is the caller's job); UTF-8 columns reject invalid UTF-8 (1366).

use std::fmt::Write;

use super::geometry::GeomKind;
use super::temporal::{datetime_from_number, time_from_number, DateCheck, TIME_MAX_MICROS};
use super::{
    decimal::Fit, decimal_to_i128_saturating, format_f32, format_f64, parse_datetime, parse_time,
    str_to_decimal, str_to_f64, Collation, Date, DateTime, Decimal, Level, NumParse, Time, Value,
    ValueError, Warning,
};

/// Integer column widths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntKind {
    Tiny,
    Small,
    Medium,
    Int,
    Big,
}

impl IntKind {
    /// SQL keyword.
    pub fn name(self) -> &'static str {
        match self {
            IntKind::Tiny => "tinyint",
            IntKind::Small => "smallint",
            IntKind::Medium => "mediumint",
            IntKind::Int => "int",
            IntKind::Big => "bigint",
        }
    }

    /// Storage bytes.
    pub fn bytes(self) -> usize {
        match self {
            IntKind::Tiny => 1,
            IntKind::Small => 2,
            IntKind::Medium => 3,
            IntKind::Int => 4,
            IntKind::Big => 8,
        }
    }

    /// Inclusive value range.
    pub fn range(self, unsigned: bool) -> (i128, i128) {
        let bits = self.bytes() as u32 * 8;
        if unsigned {
            (0, (1i128 << bits) - 1)
        } else {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        }
    }

    /// The display width MariaDB (and MySQL 5.7) print by default.
    pub fn default_width(self, unsigned: bool) -> u8 {
        let (signed, unsigned_w) = match self {
            IntKind::Tiny => (4, 3),
            IntKind::Small => (6, 5),
            IntKind::Medium => (9, 8),
            IntKind::Int => (11, 10),
            IntKind::Big => (20, 20),
        };
        if unsigned {
            unsigned_w
        } else {
            signed
        }
    }
}

/// TEXT/BLOB sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LobKind {
    Tiny,
    Normal,
    Medium,
    Long,
}

impl LobKind {
    /// Maximum length in bytes.
    pub fn max_bytes(self) -> u64 {
        match self {
            LobKind::Tiny => 255,
            LobKind::Normal => 65_535,
            LobKind::Medium => 16_777_215,
            LobKind::Long => 4_294_967_295,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            LobKind::Tiny => "tiny",
            LobKind::Normal => "",
            LobKind::Medium => "medium",
            LobKind::Long => "long",
        }
    }
}

/// A column type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SqlType {
    /// TINYINT..BIGINT; `width` is the declared display width, if any.
    Int {
        kind: IntKind,
        unsigned: bool,
        width: Option<u8>,
    },
    /// DECIMAL(precision, scale), precision 1..=65, scale 0..=30.
    Decimal {
        precision: u8,
        scale: u8,
    },
    Float,
    Double,
    /// CHAR(len): `len` characters, stored without trailing spaces.
    Char {
        len: u32,
        collation: Collation,
    },
    /// VARCHAR(len): up to `len` characters.
    VarChar {
        len: u32,
        collation: Collation,
    },
    /// TINYTEXT/TEXT/MEDIUMTEXT/LONGTEXT.
    Text {
        kind: LobKind,
        collation: Collation,
    },
    /// BINARY(len): exactly `len` bytes, zero padded.
    Binary {
        len: u32,
    },
    /// VARBINARY(len).
    VarBinary {
        len: u32,
    },
    /// TINYBLOB/BLOB/MEDIUMBLOB/LONGBLOB.
    Blob {
        kind: LobKind,
    },
    Date,
    DateTime {
        fsp: u8,
    },
    Timestamp {
        fsp: u8,
    },
    Time {
        fsp: u8,
    },
    Year,
    /// ENUM('a', ...): labels as declared (trailing spaces removed, as MySQL does).
    Enum {
        values: Vec<String>,
        collation: Collation,
    },
    /// JSON: a document's normalised text (see [`super::json`]), stored, logged and
    /// checksummed as a LONGTEXT `utf8mb4_bin` value.
    Json,
    /// SET('a', ...), up to 64 members (trailing spaces removed, as MySQL does). A value
    /// is held as the text of its members in definition order (`'a,c'`) and stored as
    /// the bitmask (member `i` is bit `i`, see [`SqlType::set_mask`]).
    Set {
        values: Vec<String>,
        collation: Collation,
    },
    /// BIT(len), len 1..=64: held as [`Value::UInt`]; the protocol, the binlog and
    /// CHECKSUM TABLE see its `(len + 7) / 8` big-endian bytes.
    Bit {
        len: u8,
    },
    /// GEOMETRY and its subtypes, with MySQL 8.0's optional `SRID n` attribute. A value
    /// is MySQL's internal format (4-byte SRID, then WKB; see [`super::geometry`]),
    /// stored, logged and checksummed as a LONGBLOB.
    Geometry {
        kind: GeomKind,
        srid: Option<u32>,
    },
}

/// Most members a SET may have (MySQL's limit; more is 1097).
pub const SET_MAX_MEMBERS: usize = 64;

fn quote_list(values: &[String]) -> String {
    let mut s = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push('\'');
        for c in v.chars() {
            match c {
                '\'' => s.push_str("''"),
                '\\' => s.push_str("\\\\"),
                c => s.push(c),
            }
        }
        s.push('\'');
    }
    s
}

impl SqlType {
    /// Shorthand for a signed INT.
    pub fn int() -> SqlType {
        SqlType::Int {
            kind: IntKind::Int,
            unsigned: false,
            width: None,
        }
    }

    /// Shorthand for a signed BIGINT.
    pub fn bigint() -> SqlType {
        SqlType::Int {
            kind: IntKind::Big,
            unsigned: false,
            width: None,
        }
    }

    /// Shorthand for VARCHAR(len) with the default collation.
    pub fn varchar(len: u32) -> SqlType {
        SqlType::VarChar {
            len,
            collation: Collation::default(),
        }
    }

    /// The type as MySQL 8.0 prints it in SHOW CREATE TABLE / information_schema
    /// COLUMN_TYPE: no integer display widths (except `tinyint(1)`), `datetime(6)`.
    pub fn mysql_name(&self) -> String {
        self.name(false)
    }

    /// The type as MariaDB 10.11 (and MySQL 5.7) print it: `int(11)`, `bigint(20) unsigned`,
    /// `year(4)`.
    pub fn mariadb_name(&self) -> String {
        self.name(true)
    }

    fn name(&self, widths: bool) -> String {
        let fsp = |base: &str, fsp: u8| {
            if fsp > 0 {
                format!("{base}({fsp})")
            } else {
                base.to_string()
            }
        };
        match self {
            SqlType::Int {
                kind,
                unsigned,
                width,
            } => {
                let mut s = kind.name().to_string();
                let shown = if widths {
                    Some(width.unwrap_or(kind.default_width(*unsigned)))
                } else if *kind == IntKind::Tiny && *width == Some(1) && !unsigned {
                    Some(1)
                } else {
                    None
                };
                if let Some(w) = shown {
                    let _ = write!(s, "({w})");
                }
                if *unsigned {
                    s.push_str(" unsigned");
                }
                s
            }
            SqlType::Decimal { precision, scale } => format!("decimal({precision},{scale})"),
            SqlType::Float => "float".into(),
            SqlType::Double => "double".into(),
            SqlType::Char { len, .. } => format!("char({len})"),
            SqlType::VarChar { len, .. } => format!("varchar({len})"),
            SqlType::Text { kind, .. } => format!("{}text", kind.prefix()),
            SqlType::Binary { len } => format!("binary({len})"),
            SqlType::VarBinary { len } => format!("varbinary({len})"),
            SqlType::Blob { kind } => format!("{}blob", kind.prefix()),
            SqlType::Date => "date".into(),
            SqlType::DateTime { fsp: f } => fsp("datetime", *f),
            SqlType::Timestamp { fsp: f } => fsp("timestamp", *f),
            SqlType::Time { fsp: f } => fsp("time", *f),
            SqlType::Year if widths => "year(4)".into(),
            SqlType::Year => "year".into(),
            SqlType::Enum { values, .. } => format!("enum({})", quote_list(values)),
            SqlType::Set { values, .. } => format!("set({})", quote_list(values)),
            SqlType::Bit { len } => format!("bit({len})"),
            SqlType::Json => "json".into(),
            SqlType::Geometry { kind, .. } => kind.type_name().into(),
        }
    }

    /// The collation that compares values of this type (`binary` for non-strings).
    pub fn collation(&self) -> Collation {
        match self {
            SqlType::Char { collation, .. }
            | SqlType::VarChar { collation, .. }
            | SqlType::Text { collation, .. }
            | SqlType::Enum { collation, .. }
            | SqlType::Set { collation, .. } => *collation,
            SqlType::Json => Collation::Utf8mb4Bin,
            _ => Collation::Binary,
        }
    }

    /// True for character and binary string types (not ENUM).
    pub fn is_string(&self) -> bool {
        matches!(
            self,
            SqlType::Char { .. }
                | SqlType::VarChar { .. }
                | SqlType::Text { .. }
                | SqlType::Binary { .. }
                | SqlType::VarBinary { .. }
                | SqlType::Blob { .. }
        )
    }

    /// True for integer, decimal and floating types.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            SqlType::Int { .. } | SqlType::Decimal { .. } | SqlType::Float | SqlType::Double
        )
    }

    /// True for DATE, DATETIME, TIMESTAMP, TIME and YEAR.
    pub fn is_temporal(&self) -> bool {
        matches!(
            self,
            SqlType::Date
                | SqlType::DateTime { .. }
                | SqlType::Timestamp { .. }
                | SqlType::Time { .. }
                | SqlType::Year
        )
    }

    /// Fractional-second precision (0 for non-temporal types).
    pub fn fsp(&self) -> u8 {
        match self {
            SqlType::DateTime { fsp } | SqlType::Timestamp { fsp } | SqlType::Time { fsp } => *fsp,
            _ => 0,
        }
    }

    /// 1-based index of an ENUM label (0 = the `''` error value), matched under the
    /// column's collation; `None` when not a label (or not an ENUM).
    pub fn enum_index(&self, label: &[u8]) -> Option<u16> {
        let SqlType::Enum { values, collation } = self else {
            return None;
        };
        if label.is_empty() {
            return Some(0);
        }
        values
            .iter()
            .position(|v| collation.equals(v.as_bytes(), label))
            .map(|i| i as u16 + 1)
    }

    /// The bitmask of a SET value's text: comma-separated members in any order, matched
    /// under the column's collation, repeats merged. `Err` carries the mask of the members
    /// that matched when some did not (MySQL keeps those, with a 1265 warning). `None`
    /// when `self` is not a SET.
    pub fn set_mask(&self, text: &[u8]) -> Option<Result<u64, u64>> {
        let SqlType::Set { values, collation } = self else {
            return None;
        };
        // Trailing spaces of the whole value go (as for any SET/ENUM value); those
        // inside it stay and make a member unknown (`'a ,b'`), as do empty elements.
        let end = text.iter().rposition(|&c| c != b' ').map_or(0, |p| p + 1);
        if end == 0 {
            return Some(Ok(0));
        }
        let mut mask = 0u64;
        let mut bad = false;
        for part in text[..end].split(|&c| c == b',') {
            let padded = part.last() == Some(&b' ');
            match values
                .iter()
                .position(|v| !padded && collation.equals(v.as_bytes(), part))
            {
                Some(i) => mask |= 1u64 << i,
                None => bad = true,
            }
        }
        Some(if bad { Err(mask) } else { Ok(mask) })
    }

    /// The text of SET bitmask `mask`: its members in definition order, comma-separated
    /// (bits past the last member are dropped). `None` when `self` is not a SET.
    pub fn set_text(&self, mask: u64) -> Option<Vec<u8>> {
        let SqlType::Set { values, .. } = self else {
            return None;
        };
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            if mask & (1u64 << i) != 0 {
                if !out.is_empty() {
                    out.push(b',');
                }
                out.extend_from_slice(v.as_bytes());
            }
        }
        Some(out)
    }

    /// Bytes of a SET's bitmask in rows and binlog events: 1, 2, 3, 4 or 8 (MySQL's
    /// `get_set_pack_length`).
    pub fn set_pack_len(members: usize) -> usize {
        match members.div_ceil(8) {
            n @ 0..=4 => n.max(1),
            _ => 8,
        }
    }

    /// The ENUM label with 1-based `index` (0 gives `''`).
    pub fn enum_label(&self, index: u16) -> Option<&str> {
        let SqlType::Enum { values, .. } = self else {
            return None;
        };
        match index {
            0 => Some(""),
            i => values.get(i as usize - 1).map(String::as_str),
        }
    }
}

/// Error/warning context: strict mode, column name and row number for messages.
struct Ctx<'a> {
    strict: bool,
    column: &'a str,
    row: u64,
}

type Coerced = Result<(Value, Option<Warning>), ValueError>;

impl Ctx<'_> {
    fn at(&self) -> String {
        format!("column '{}' at row {}", self.column, self.row)
    }

    /// An error in strict mode, else `value` with a warning.
    fn problem(&self, code: u16, msg: String, value: Value) -> Coerced {
        if self.strict {
            Err(ValueError::new(code, msg))
        } else {
            Ok((value, Some(Warning::warn(code, msg))))
        }
    }

    fn out_of_range(&self, clamped: Value) -> Coerced {
        self.problem(
            1264,
            format!("Out of range value for {}", self.at()),
            clamped,
        )
    }

    fn truncated_msg(&self) -> String {
        format!("Data truncated for {}", self.at())
    }

    fn incorrect(&self, kind: &str, shown: &[u8]) -> String {
        format!(
            "Incorrect {kind} value: '{}' for {}",
            String::from_utf8_lossy(shown),
            self.at()
        )
    }

    fn note_truncated(&self) -> Option<Warning> {
        Some(Warning::note(1265, self.truncated_msg()))
    }
}

/// [`coerce_for_column_at`] with an unnamed column at row 1 (messages say `column ''`).
pub fn coerce_for_column(value: Value, ty: &SqlType, strict: bool) -> Coerced {
    coerce_for_column_at(value, ty, strict, "", 1)
}

/// Converts `value` into what a column of type `ty` stores, as MySQL's INSERT/UPDATE do.
/// Returns the stored value and at most one warning/note, or the strict-mode error. NULL
/// passes through (NOT NULL is checked by the caller). `column` and `row` fill in messages.
pub fn coerce_for_column_at(
    value: Value,
    ty: &SqlType,
    strict: bool,
    column: &str,
    row: u64,
) -> Coerced {
    let cx = Ctx {
        strict,
        column,
        row,
    };
    if value.is_null() {
        return Ok((Value::Null, None));
    }
    match ty {
        SqlType::Int { kind, unsigned, .. } => to_int(value, *kind, *unsigned, &cx),
        SqlType::Decimal { precision, scale } => to_decimal(value, *precision, *scale, &cx),
        SqlType::Float | SqlType::Double => to_float(value, *ty == SqlType::Float, &cx),
        SqlType::Char { .. }
        | SqlType::VarChar { .. }
        | SqlType::Text { .. }
        | SqlType::Binary { .. }
        | SqlType::VarBinary { .. }
        | SqlType::Blob { .. } => to_string(value, ty, &cx),
        SqlType::Enum { values, .. } => to_enum(value, ty, values.len(), &cx),
        SqlType::Set { values, .. } => to_set(value, ty, values.len(), &cx),
        SqlType::Bit { len } => to_bit(value, *len, &cx),
        SqlType::Date | SqlType::DateTime { .. } | SqlType::Timestamp { .. } => {
            to_datetime(value, ty, &cx)
        }
        SqlType::Time { fsp } => to_time(value, *fsp, &cx),
        SqlType::Year => to_year(value, &cx),
        SqlType::Json => to_json(value, &cx),
        SqlType::Geometry { kind, srid } => to_geometry(value, *kind, *srid, &cx),
    }
}

/// Numeric content of a value for integer/decimal targets: the decimal and the parse status.
fn numeric(value: &Value) -> (Decimal, NumParse) {
    match value {
        Value::Bytes(b) => str_to_decimal(b),
        Value::Float(f) => (float_decimal(*f as f64), NumParse::Clean),
        Value::Double(f) => (float_decimal(*f), NumParse::Clean),
        v => (
            v.to_decimal().unwrap_or_else(Decimal::zero),
            NumParse::Clean,
        ),
    }
}

fn float_decimal(f: f64) -> Decimal {
    Decimal::from_f64(f).unwrap_or_else(|_| {
        let max = Decimal::parse(&"9".repeat(65)).unwrap_or_else(|_| Decimal::zero());
        if f < 0.0 {
            max.negated()
        } else {
            max
        }
    })
}

/// Reports a string that was not cleanly numeric; `None` when clean.
fn parse_problem(value: &Value, st: NumParse, kind: &str, cx: &Ctx<'_>) -> Option<(u16, String)> {
    let Value::Bytes(b) = value else {
        return None;
    };
    match st {
        NumParse::Clean => None,
        NumParse::Truncated => Some((1265, cx.truncated_msg())),
        NumParse::Invalid => Some((1366, cx.incorrect(kind, b))),
    }
}

fn to_int(value: Value, kind: IntKind, unsigned: bool, cx: &Ctx<'_>) -> Coerced {
    let n: i128 = match &value {
        Value::Int(i) => *i as i128,
        Value::UInt(u) => *u as i128,
        // MySQL rounds doubles with rint() (half to even), decimals half away from zero.
        Value::Double(f) => f.round_ties_even() as i128,
        Value::Float(f) => (*f as f64).round_ties_even() as i128,
        _ => decimal_to_i128_saturating(&numeric(&value).0),
    };
    let (lo, hi) = kind.range(unsigned);
    let clamped = n.clamp(lo, hi);
    let make = |x: i128| {
        if unsigned {
            Value::UInt(x as u64)
        } else {
            Value::Int(x as i64)
        }
    };
    if let Some((code, msg)) = parse_problem(&value, numeric_status(&value), "integer", cx) {
        return cx.problem(code, msg, make(clamped));
    }
    if clamped != n {
        return cx.out_of_range(make(clamped));
    }
    Ok((make(n), None))
}

fn numeric_status(value: &Value) -> NumParse {
    match value {
        Value::Bytes(b) => str_to_decimal(b).1,
        _ => NumParse::Clean,
    }
}

fn to_decimal(value: Value, precision: u8, scale: u8, cx: &Ctx<'_>) -> Coerced {
    let (d, st) = numeric(&value);
    let (fitted, fit) = d.fit(precision, scale);
    let v = Value::Decimal(fitted);
    if let Some((code, msg)) = parse_problem(&value, st, "decimal", cx) {
        return cx.problem(code, msg, v);
    }
    match fit {
        Fit::Exact => Ok((v, None)),
        Fit::Rounded => Ok((v, cx.note_truncated())),
        Fit::OutOfRange => cx.out_of_range(v),
    }
}

fn to_float(value: Value, single: bool, cx: &Ctx<'_>) -> Coerced {
    let (f, st) = match &value {
        Value::Bytes(b) => str_to_f64(b),
        v => (v.to_f64().unwrap_or(0.0), NumParse::Clean),
    };
    let make = |x: f64| {
        if single {
            Value::Float(x as f32)
        } else {
            Value::Double(x)
        }
    };
    if let Some((code, msg)) = parse_problem(&value, st, "double", cx) {
        return cx.problem(code, msg, make(f));
    }
    let max = if single { f32::MAX as f64 } else { f64::MAX };
    if !f.is_finite() || f.abs() > max {
        return cx.out_of_range(make(max.copysign(f)));
    }
    Ok((make(f), None))
}

/// Text of a non-string value when stored into a string column.
fn as_bytes(value: Value) -> Vec<u8> {
    match value {
        Value::Bytes(b) => b,
        Value::Float(f) => format_f32(f).into_bytes(),
        Value::Double(d) => format_f64(d).into_bytes(),
        v => v.to_text().unwrap_or_default(),
    }
}

/// `\xF0\x9F...` rendering of up to 4 bytes, as MySQL's 1366 message shows them.
fn hex_bytes(b: &[u8]) -> Vec<u8> {
    let mut s = String::new();
    for x in b.iter().take(4) {
        let _ = write!(s, "\\x{x:02X}");
    }
    s.into_bytes()
}

/// Position of the first byte not allowed in `collation`'s charset.
fn invalid_at(b: &[u8], collation: Collation) -> Option<usize> {
    if !collation.is_utf8() {
        return None;
    }
    let mut pos = 0;
    for chunk in b.utf8_chunks() {
        if collation.max_bytes_per_char() == 3 {
            if let Some((i, _)) = chunk
                .valid()
                .char_indices()
                .find(|(_, c)| c.len_utf8() == 4)
            {
                return Some(pos + i);
            }
        }
        pos += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            return Some(pos);
        }
    }
    None
}

fn to_string(value: Value, ty: &SqlType, cx: &Ctx<'_>) -> Coerced {
    let collation = ty.collation();
    let mut b = as_bytes(value);
    let mut warning = None;
    if let Some(pos) = invalid_at(&b, collation) {
        let msg = cx.incorrect("string", &hex_bytes(&b[pos..]));
        b.truncate(pos);
        warning = cx.problem(1366, msg, Value::Null)?.1;
    }
    // (limit, counted in characters?)
    let (limit, chars) = match ty {
        SqlType::Char { len, .. } | SqlType::VarChar { len, .. } => (*len as u64, true),
        SqlType::Text { kind, .. } => (kind.max_bytes(), false),
        SqlType::Binary { len } | SqlType::VarBinary { len } => (*len as u64, false),
        SqlType::Blob { kind } => (kind.max_bytes(), false),
        _ => (u64::MAX, false),
    };
    let keep = if chars {
        collation.char_prefix_len(&b, limit.min(usize::MAX as u64) as usize)
    } else if (b.len() as u64) > limit {
        // Cut at a character boundary.
        let mut cut = limit as usize;
        if collation.is_utf8() {
            while cut > 0 && (b[cut] & 0xC0) == 0x80 {
                cut -= 1;
            }
        }
        cut
    } else {
        b.len()
    };
    if keep < b.len() {
        let only_spaces = !collation.is_binary() && b[keep..].iter().all(|&c| c == b' ');
        if only_spaces {
            warning = warning.or(cx.note_truncated());
        } else {
            let msg = format!("Data too long for {}", cx.at());
            if cx.strict {
                return Err(ValueError::new(1406, msg));
            }
            warning = Some(Warning::warn(1265, cx.truncated_msg()));
        }
        b.truncate(keep);
    }
    match ty {
        SqlType::Char { .. } => {
            let end = b.iter().rposition(|&c| c != b' ').map_or(0, |p| p + 1);
            b.truncate(end);
        }
        SqlType::Binary { len } => b.resize(*len as usize, 0),
        _ => {}
    }
    Ok((Value::Bytes(b), warning))
}

fn to_enum(value: Value, ty: &SqlType, count: usize, cx: &Ctx<'_>) -> Coerced {
    let index: Option<u16> = match &value {
        Value::Bytes(b) => {
            let end = b.iter().rposition(|&c| c != b' ').map_or(0, |p| p + 1);
            ty.enum_index(&b[..end]).filter(|&i| i > 0).or_else(|| {
                // A label-less numeric string is an index.
                let (n, st) = super::str_to_int(b);
                (st == NumParse::Clean && n >= 1 && n <= count as i128).then_some(n as u16)
            })
        }
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) | Value::Double(_) | Value::Float(_) => {
            let n = decimal_to_i128_saturating(&numeric(&value).0);
            (n >= 1 && n <= count as i128).then_some(n as u16)
        }
        _ => None,
    };
    match index.and_then(|i| ty.enum_label(i)) {
        Some(label) => Ok((Value::Bytes(label.as_bytes().to_vec()), None)),
        None => cx.problem(1265, cx.truncated_msg(), Value::Bytes(Vec::new())),
    }
}

/// Text (members in any order) or a number (the bitmask) into a SET: unknown members
/// are dropped (1265), as are numbers with bits past the last member.
fn to_set(value: Value, ty: &SqlType, count: usize, cx: &Ctx<'_>) -> Coerced {
    let all = if count >= 64 {
        u64::MAX
    } else {
        (1u64 << count) - 1
    };
    let mask: Result<u64, u64> = match &value {
        Value::Bytes(b) => match ty.set_mask(b) {
            Some(Ok(m)) => Ok(m),
            Some(Err(m)) => {
                // A member-less numeric string is a bitmask.
                let (n, st) = super::str_to_int(b);
                if st == NumParse::Clean && n >= 0 && n <= all as i128 {
                    Ok(n as u64)
                } else {
                    Err(m)
                }
            }
            None => Err(0),
        },
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) | Value::Double(_) | Value::Float(_) => {
            let n = decimal_to_i128_saturating(&numeric(&value).0);
            if n >= 0 && n <= all as i128 {
                Ok(n as u64)
            } else if n < 0 && n >= i64::MIN as i128 {
                // A negative number is its two's-complement bit pattern.
                let m = n as i64 as u64;
                if m & !all == 0 {
                    Ok(m)
                } else {
                    Err(m & all)
                }
            } else {
                Err(all & (n.clamp(0, u64::MAX as i128) as u64))
            }
        }
        _ => Err(0),
    };
    let text = |m: u64| Value::Bytes(ty.set_text(m).unwrap_or_default());
    match mask {
        Ok(m) => Ok((text(m), None)),
        Err(m) => cx.problem(1265, cx.truncated_msg(), text(m)),
    }
}

/// A number (negative ones as their two's complement) or a binary string (its bytes,
/// big-endian) into BIT(len): past `len` bits is 1406 in strict mode, else all ones with
/// warning 1264.
fn to_bit(value: Value, len: u8, cx: &Ctx<'_>) -> Coerced {
    let max = if len >= 64 {
        u64::MAX
    } else {
        (1u64 << len) - 1
    };
    let of_i128 = |n: i128| -> Option<u64> {
        if n < 0 {
            (n >= i128::from(i64::MIN)).then_some(n as i64 as u64)
        } else {
            u64::try_from(n).ok()
        }
    };
    let n: Option<u64> = match &value {
        Value::Bytes(b) => {
            let start = b.iter().position(|&c| c != 0).unwrap_or(b.len());
            let b = &b[start..];
            (b.len() <= 8).then(|| b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x)))
        }
        Value::UInt(u) => Some(*u),
        Value::Int(i) => Some(*i as u64),
        Value::Double(f) => of_i128(f.round_ties_even() as i128),
        Value::Float(f) => of_i128((*f as f64).round_ties_even() as i128),
        v => of_i128(decimal_to_i128_saturating(&numeric(v).0.round_to_scale(0))),
    };
    match n {
        Some(n) if n <= max => Ok((Value::UInt(n), None)),
        _ if cx.strict => Err(ValueError::new(
            1406,
            format!("Data too long for {}", cx.at()),
        )),
        _ => cx.out_of_range(Value::UInt(max)),
    }
}

/// BIT(len) value `n` as MySQL sends and logs it: `(len + 7) / 8` bytes, big-endian.
pub fn bit_bytes(n: u64, len: u8) -> Vec<u8> {
    let bytes = usize::from(len.clamp(1, 64)).div_ceil(8);
    n.to_be_bytes()[8 - bytes..].to_vec()
}

fn temporal_kind(ty: &SqlType) -> &'static str {
    match ty {
        SqlType::Date => "date",
        SqlType::Time { .. } => "time",
        _ => "datetime",
    }
}

/// Parses a value into a DATETIME-like value; `None` when it is not a date.
fn datetime_of(value: &Value) -> Option<DateTime> {
    match value {
        Value::Bytes(b) => parse_datetime(b).map(|x| x.0),
        Value::Date(d) => Some(DateTime::from_date(*d)),
        Value::DateTime(d) => Some(*d),
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) | Value::Double(_) | Value::Float(_) => {
            let d = numeric(value).0;
            let whole = d.truncate_to_scale(0);
            let frac = d.sub(&whole).ok()?.abs().round_to_scale(6);
            let micro = frac.to_i128_unscaled().map_or(0, |(m, _)| m as u32);
            datetime_from_number(whole.to_i64()?, micro).map(|x| x.0)
        }
        _ => None,
    }
}

fn to_datetime(value: Value, ty: &SqlType, cx: &Ctx<'_>) -> Coerced {
    let kind = temporal_kind(ty);
    let shown = value.to_text().unwrap_or_default();
    let zero = |ty: &SqlType| match ty {
        SqlType::Date => Value::Date(Date::default()),
        _ => Value::DateTime(DateTime::default()),
    };
    let bad = |cx: &Ctx<'_>| -> Coerced {
        if cx.strict {
            Err(ValueError::new(1292, cx.incorrect(kind, &shown)))
        } else {
            Ok((zero(ty), Some(Warning::warn(1265, cx.truncated_msg()))))
        }
    };
    let Some(dt) = datetime_of(&value) else {
        return bad(cx);
    };
    match dt.date.check() {
        DateCheck::Valid => {}
        DateCheck::Invalid => return bad(cx),
        DateCheck::Zero | DateCheck::ZeroInDate if cx.strict => return bad(cx),
        DateCheck::Zero | DateCheck::ZeroInDate => {}
    }
    let mut note = None;
    let out = match ty {
        SqlType::Date => {
            if !dt.is_midnight() {
                note = cx.note_truncated();
            }
            Value::Date(dt.date)
        }
        _ => {
            let Some(r) = dt.round_fsp(ty.fsp()) else {
                return bad(cx);
            };
            if let SqlType::Timestamp { .. } = ty {
                let lo = DateTime {
                    date: Date::new(1970, 1, 1),
                    second: 1,
                    ..DateTime::default()
                };
                let hi = DateTime {
                    date: Date::new(2038, 1, 19),
                    hour: 3,
                    minute: 14,
                    second: 7,
                    micro: 999_999,
                };
                let is_zero = r.date.check() == DateCheck::Zero && r.is_midnight();
                if !is_zero && (r < lo || r > hi) {
                    if cx.strict {
                        return Err(ValueError::new(1292, cx.incorrect(kind, &shown)));
                    }
                    return cx.out_of_range(zero(ty));
                }
            }
            Value::DateTime(r)
        }
    };
    Ok((out, note))
}

fn to_time(value: Value, fsp: u8, cx: &Ctx<'_>) -> Coerced {
    let shown = value.to_text().unwrap_or_default();
    let parsed: Option<(Time, bool)> = match &value {
        Value::Bytes(b) => parse_time(b),
        Value::Time(t) => Some((*t, t.to_micros().abs() > TIME_MAX_MICROS + 999_999)),
        Value::DateTime(d) => Some((
            Time {
                neg: false,
                hour: d.hour as u16,
                minute: d.minute,
                second: d.second,
                micro: d.micro,
            },
            false,
        )),
        Value::Date(_) => Some((Time::default(), false)),
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) | Value::Double(_) | Value::Float(_) => {
            let d = numeric(&value).0;
            let whole = d.truncate_to_scale(0);
            let frac = d.sub(&whole).ok().map(|f| f.abs().round_to_scale(6));
            let micro = frac
                .and_then(|f| f.to_i128_unscaled())
                .map_or(0, |(m, _)| m as u32);
            whole.to_i64().and_then(|n| time_from_number(n, micro))
        }
        Value::Year(_) | Value::Null => None,
    };
    let Some((t, clamped)) = parsed else {
        if cx.strict {
            return Err(ValueError::new(1292, cx.incorrect("time", &shown)));
        }
        return Ok((
            Value::Time(Time::default()),
            Some(Warning::warn(1265, cx.truncated_msg())),
        ));
    };
    let (r, clamped2) = t.round_fsp(fsp);
    if clamped || clamped2 {
        return cx.out_of_range(Value::Time(r));
    }
    Ok((Value::Time(r), None))
}

/// A geometry column takes a value in MySQL's internal format of its subtype and SRID
/// (a geometry function's result, or binary string bytes that parse as one); anything
/// else is 1416, a different SRID 3643, in every mode.
fn to_geometry(value: Value, kind: GeomKind, srid: Option<u32>, cx: &Ctx<'_>) -> Coerced {
    let Value::Bytes(b) = &value else {
        return Err(ValueError::new(
            1416,
            "Cannot get geometry object from data you send to the GEOMETRY field",
        ));
    };
    super::geometry::check_for_column(b, kind, srid, cx.column)?;
    Ok((value, None))
}

/// A JSON column takes JSON text (a string or a JSON expression's value) and keeps its
/// normalised form; anything else, or text that does not parse, is 3140 in every mode.
fn to_json(value: Value, cx: &Ctx<'_>) -> Coerced {
    use super::json;
    let bad = |why: &str, pos: usize| {
        Err(ValueError::new(
            3140,
            format!(
                "Invalid JSON text: \"{why}\" at position {pos} in value for column '{}'.",
                cx.column
            ),
        ))
    };
    let Value::Bytes(b) = &value else {
        return bad("not a JSON text, may need CAST", 0);
    };
    match json::parse(b, json::Parse::Stored) {
        Ok(doc) => Ok((Value::Bytes(doc.to_text().into_bytes()), None)),
        Err(e) if e.too_deep => Err(ValueError::new(
            3157,
            "The JSON document exceeds the maximum depth of 100.",
        )),
        Err(e) => bad(e.msg, e.pos),
    }
}

fn to_year(value: Value, cx: &Ctx<'_>) -> Coerced {
    let n: i128 = match &value {
        Value::Date(d) => d.year as i128,
        Value::DateTime(d) => d.date.year as i128,
        Value::Year(y) => *y as i128,
        Value::Bytes(b) => {
            let (d, st) = str_to_decimal(b);
            if let Some((code, msg)) = parse_problem(&value, st, "integer", cx) {
                return cx.problem(code, msg, Value::Year(0));
            }
            let n = decimal_to_i128_saturating(&d);
            // The strings '0' and '00' mean 2000; '0000' means 0.
            let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
            if n == 0 && digits < 4 {
                return Ok((Value::Year(2000), None));
            }
            n
        }
        Value::Time(_) => return cx.out_of_range(Value::Year(0)),
        v => decimal_to_i128_saturating(&numeric(v).0),
    };
    let y = match n {
        0 => 0,
        1..=69 => 2000 + n,
        70..=99 => 1900 + n,
        1901..=2155 => n,
        _ => return cx.out_of_range(Value::Year(0)),
    };
    Ok((Value::Year(y as u16), None))
}

impl Level {
    /// `Note` / `Warning` as SHOW WARNINGS prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "Note",
            Level::Warning => "Warning",
            Level::Error => "Error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enum_ty() -> SqlType {
        SqlType::Enum {
            values: vec!["a".into(), "b'c".into()],
            collation: Collation::default(),
        }
    }

    #[test]
    fn type_names() {
        let cases: Vec<(SqlType, &str, &str)> = vec![
            (SqlType::int(), "int", "int(11)"),
            (
                SqlType::Int {
                    kind: IntKind::Big,
                    unsigned: true,
                    width: None,
                },
                "bigint unsigned",
                "bigint(20) unsigned",
            ),
            (
                SqlType::Int {
                    kind: IntKind::Tiny,
                    unsigned: false,
                    width: Some(1),
                },
                "tinyint(1)",
                "tinyint(1)",
            ),
            (
                SqlType::Int {
                    kind: IntKind::Int,
                    unsigned: true,
                    width: None,
                },
                "int unsigned",
                "int(10) unsigned",
            ),
            (SqlType::varchar(20), "varchar(20)", "varchar(20)"),
            (
                SqlType::Decimal {
                    precision: 10,
                    scale: 2,
                },
                "decimal(10,2)",
                "decimal(10,2)",
            ),
            (SqlType::DateTime { fsp: 6 }, "datetime(6)", "datetime(6)"),
            (SqlType::Timestamp { fsp: 0 }, "timestamp", "timestamp"),
            (SqlType::Year, "year", "year(4)"),
            (
                SqlType::Text {
                    kind: LobKind::Medium,
                    collation: Collation::default(),
                },
                "mediumtext",
                "mediumtext",
            ),
            (
                SqlType::Blob {
                    kind: LobKind::Normal,
                },
                "blob",
                "blob",
            ),
            (enum_ty(), "enum('a','b''c')", "enum('a','b''c')"),
        ];
        for (ty, my, maria) in cases {
            assert_eq!(ty.mysql_name(), my);
            assert_eq!(ty.mariadb_name(), maria);
        }
    }

    fn ok(v: Value, ty: &SqlType) -> Value {
        let (v, w) = coerce_for_column(v, ty, true).unwrap();
        assert!(w.is_none(), "{w:?}");
        v
    }

    fn code(v: Value, ty: &SqlType, strict: bool) -> u16 {
        if strict {
            coerce_for_column(v, ty, true).unwrap_err().code
        } else {
            coerce_for_column(v, ty, false).unwrap().1.unwrap().code
        }
    }

    #[test]
    fn integers() {
        let tiny = SqlType::Int {
            kind: IntKind::Tiny,
            unsigned: false,
            width: None,
        };
        let utiny = SqlType::Int {
            kind: IntKind::Tiny,
            unsigned: true,
            width: None,
        };
        assert_eq!(ok(Value::Int(127), &tiny), Value::Int(127));
        assert_eq!(code(Value::Int(128), &tiny, true), 1264);
        let (v, w) = coerce_for_column(Value::Int(300), &tiny, false).unwrap();
        assert_eq!((v, w.unwrap().code), (Value::Int(127), 1264));
        assert_eq!(ok(Value::Int(255), &utiny), Value::UInt(255));
        assert_eq!(code(Value::Int(-1), &utiny, true), 1264);
        assert_eq!(ok(Value::str(" 42 "), &SqlType::int()), Value::Int(42));
        assert_eq!(code(Value::str("12abc"), &SqlType::int(), true), 1265);
        let (v, w) = coerce_for_column(Value::str("12abc"), &SqlType::int(), false).unwrap();
        assert_eq!((v, w.unwrap().code), (Value::Int(12), 1265));
        let e = coerce_for_column_at(Value::str("abc"), &SqlType::int(), true, "i", 3).unwrap_err();
        assert_eq!(e.code, 1366);
        assert_eq!(
            e.message,
            "Incorrect integer value: 'abc' for column 'i' at row 3"
        );
        assert_eq!(ok(Value::Double(2.5), &SqlType::int()), Value::Int(2));
        assert_eq!(ok(Value::Double(3.5), &SqlType::int()), Value::Int(4));
        assert_eq!(
            ok(
                Value::Decimal(Decimal::parse("2.5").unwrap()),
                &SqlType::int()
            ),
            Value::Int(3)
        );
        assert_eq!(ok(Value::str("1e3"), &SqlType::int()), Value::Int(1000));
        assert_eq!(
            ok(
                Value::UInt(u64::MAX),
                &SqlType::Int {
                    kind: IntKind::Big,
                    unsigned: true,
                    width: None
                }
            ),
            Value::UInt(u64::MAX)
        );
        assert_eq!(code(Value::UInt(u64::MAX), &SqlType::bigint(), true), 1264);
    }

    #[test]
    fn decimals_and_floats() {
        let ty = SqlType::Decimal {
            precision: 5,
            scale: 2,
        };
        let dec = |s: &str| Value::Decimal(Decimal::parse(s).unwrap());
        assert_eq!(ok(Value::Int(12), &ty), dec("12.00"));
        let (v, w) = coerce_for_column(Value::str("1.234"), &ty, true).unwrap();
        assert_eq!(v, dec("1.23"));
        assert_eq!(w.unwrap().level, Level::Note);
        assert_eq!(code(Value::str("1000"), &ty, true), 1264);
        assert_eq!(code(Value::str("x"), &ty, true), 1366);
        assert_eq!(ok(Value::Double(0.1), &ty), dec("0.10"));
        assert_eq!(ok(Value::str("1.5"), &SqlType::Double), Value::Double(1.5));
        assert_eq!(ok(Value::Int(3), &SqlType::Float), Value::Float(3.0));
        assert_eq!(code(Value::Double(1e300), &SqlType::Float, true), 1264);
    }

    #[test]
    fn strings() {
        let vc = SqlType::varchar(3);
        assert_eq!(ok(Value::str("abc"), &vc), Value::str("abc"));
        assert_eq!(ok(Value::str("héé"), &vc), Value::str("héé"));
        assert_eq!(code(Value::str("abcd"), &vc, true), 1406);
        let (v, w) = coerce_for_column(Value::str("abcd"), &vc, false).unwrap();
        assert_eq!((v, w.unwrap().code), (Value::str("abc"), 1265));
        let (v, w) = coerce_for_column(Value::str("ab   "), &vc, true).unwrap();
        assert_eq!(v, Value::str("ab "));
        assert_eq!(w.unwrap().level, Level::Note);
        let ch = SqlType::Char {
            len: 5,
            collation: Collation::default(),
        };
        assert_eq!(ok(Value::str("ab  "), &ch), Value::str("ab"));
        assert_eq!(ok(Value::Int(42), &ch), Value::str("42"));
        assert_eq!(
            ok(Value::str("ab"), &SqlType::Binary { len: 4 }),
            Value::Bytes(b"ab\0\0".to_vec())
        );
        assert_eq!(code(Value::Bytes(vec![b'a', 0xFF]), &vc, true), 1366);
        let mb3 = SqlType::VarChar {
            len: 10,
            collation: Collation::Utf8mb3GeneralCi,
        };
        let e = coerce_for_column(Value::str("a😀"), &mb3, true).unwrap_err();
        assert_eq!(e.code, 1366);
        assert!(e.message.contains("\\xF0\\x9F\\x98\\x80"), "{}", e.message);
        let tt = SqlType::Text {
            kind: LobKind::Tiny,
            collation: Collation::default(),
        };
        assert_eq!(code(Value::Bytes(vec![b'x'; 256]), &tt, true), 1406);
    }

    #[test]
    fn enums() {
        let ty = enum_ty();
        assert_eq!(ok(Value::str("A"), &ty), Value::str("a"));
        assert_eq!(ok(Value::str("b'c "), &ty), Value::str("b'c"));
        assert_eq!(ok(Value::Int(2), &ty), Value::str("b'c"));
        assert_eq!(ok(Value::str("1"), &ty), Value::str("a"));
        assert_eq!(code(Value::str("z"), &ty, true), 1265);
        let (v, _) = coerce_for_column(Value::Int(9), &ty, false).unwrap();
        assert_eq!(v, Value::str(""));
        assert_eq!(ty.enum_index(b"B'C"), Some(2));
    }

    #[test]
    fn temporals() {
        let dt6 = SqlType::DateTime { fsp: 6 };
        let dt0 = SqlType::DateTime { fsp: 0 };
        let v = ok(Value::str("2024-01-02 03:04:05.123456"), &dt6);
        assert_eq!(v.to_text_as(&dt6).unwrap(), b"2024-01-02 03:04:05.123456");
        let v = ok(Value::str("2024-01-02 03:04:05.5"), &dt0);
        assert_eq!(v.to_text().unwrap(), b"2024-01-02 03:04:06");
        let v = ok(Value::Int(20240102), &SqlType::Date);
        assert_eq!(v, Value::Date(Date::new(2024, 1, 2)));
        let e = coerce_for_column_at(Value::str("2023-02-30"), &SqlType::Date, true, "d", 1)
            .unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (
                1292,
                "Incorrect date value: '2023-02-30' for column 'd' at row 1"
            )
        );
        assert_eq!(code(Value::str("abc"), &dt0, false), 1265);
        assert_eq!(code(Value::str("0000-00-00"), &SqlType::Date, true), 1292);
        let (v, w) = coerce_for_column(Value::str("0000-00-00"), &SqlType::Date, false).unwrap();
        assert_eq!((v, w), (Value::Date(Date::default()), None));
        let (v, w) =
            coerce_for_column(Value::str("2024-01-02 10:00:00"), &SqlType::Date, true).unwrap();
        assert_eq!(v, Value::Date(Date::new(2024, 1, 2)));
        assert_eq!(w.unwrap().level, Level::Note);
        let ts = SqlType::Timestamp { fsp: 0 };
        assert_eq!(code(Value::str("1969-12-31 23:59:59"), &ts, true), 1292);
        assert_eq!(code(Value::str("2038-01-20 00:00:00"), &ts, false), 1264);
        ok(Value::str("2038-01-19 03:14:07"), &ts);
        let t = SqlType::Time { fsp: 0 };
        assert_eq!(
            ok(Value::str("-838:59:59"), &t).to_text().unwrap(),
            b"-838:59:59"
        );
        assert_eq!(code(Value::str("839:00:00"), &t, true), 1264);
        assert_eq!(ok(Value::Int(123456), &t).to_text().unwrap(), b"12:34:56");
        assert_eq!(code(Value::str("xx"), &t, true), 1292);
        assert_eq!(ok(Value::Int(24), &SqlType::Year), Value::Year(2024));
        assert_eq!(ok(Value::Int(99), &SqlType::Year), Value::Year(1999));
        assert_eq!(ok(Value::str("0"), &SqlType::Year), Value::Year(2000));
        assert_eq!(ok(Value::Int(0), &SqlType::Year), Value::Year(0));
        assert_eq!(code(Value::Int(1900), &SqlType::Year, true), 1264);
    }

    /// Client-controlled text must never panic the coercion, whatever the column type.
    #[test]
    fn random_input_never_panics() {
        let types = [
            SqlType::int(),
            SqlType::Int {
                kind: IntKind::Tiny,
                unsigned: true,
                width: None,
            },
            SqlType::Decimal {
                precision: 65,
                scale: 30,
            },
            SqlType::Decimal {
                precision: 1,
                scale: 0,
            },
            SqlType::Float,
            SqlType::Double,
            SqlType::Char {
                len: 2,
                collation: Collation::Latin1SwedishCi,
            },
            SqlType::varchar(3),
            SqlType::Binary { len: 2 },
            SqlType::Date,
            SqlType::DateTime { fsp: 3 },
            SqlType::Timestamp { fsp: 6 },
            SqlType::Time { fsp: 2 },
            SqlType::Year,
            enum_ty(),
        ];
        let pieces: [&[u8]; 16] = [
            b"1",
            b"9",
            b"0",
            b"-",
            b"+",
            b".",
            b"e",
            b"E",
            b" ",
            b":",
            b"T",
            b"2024-",
            b"99999999",
            b"\xff",
            b"a",
            b"\xc3\xa9",
        ];
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let mut s = Vec::new();
            for _ in 0..next() % 8 {
                s.extend_from_slice(pieces[(next() % 16) as usize]);
            }
            let v = match next() % 4 {
                0 => Value::Bytes(s),
                1 => Value::Int(next() as i64),
                2 => Value::Double(f64::from_bits(next())),
                _ => Value::Decimal(super::super::str_to_decimal(&s).0),
            };
            for ty in &types {
                for strict in [false, true] {
                    if let Ok((stored, _)) = coerce_for_column(v.clone(), ty, strict) {
                        // Whatever is accepted must be storable.
                        super::super::row::encode_row(&[stored], std::slice::from_ref(ty)).unwrap();
                    }
                }
            }
        }
    }
}
