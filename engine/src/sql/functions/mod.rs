//! Built-in scalar functions: name lookup, arity, result type and evaluation.
//! Session functions (DATABASE(), USER(), LAST_INSERT_ID(), ...) live in the
//! session, which answers them while binding.
//!
//! The [`Func`] list, arity and the first functions are here; newer families have a
//! file each, and [`call`] / [`Func::result_type`] hand a function to its family:
//! `temporal` (date and time, time zones), `string` (string functions), `numeric`
//! (math), `digest` (hashing, encryption, compression), `net` (INET, UUID), `regexp`
//! (the REGEXP family), `json` (the JSON family, CAST AS JSON), `spatial` (the ST_ and
//! MBR families, geometry constructors) and `misc` (user-level locks and the rest).

mod digest;
pub mod json;
mod misc;
mod net;
mod numeric;
mod regexp;
mod spatial;
mod string;
mod temporal;

pub(crate) use misc::benchmark_count;
pub(crate) use string::check_charset;

use super::error::{SqlError, SqlResult};
use super::expr::{ColType, EvalCx};
use crate::value::{
    format_f64, sort_cmp, Collation, Decimal, IntKind, LobKind, SqlType, Value, Warning,
};

macro_rules! funcs {
    ($($variant:ident => [$($name:literal),+], $min:expr, $max:expr;)*) => {
        /// A built-in function.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Func { $($variant),* }

        impl Func {
            /// Every built-in function, in declaration order (the function fuzzer calls each).
            pub const ALL: &'static [Func] = &[$(Func::$variant),*];

            /// Looks a function up by (upper-case) name.
            pub fn from_name(name: &str) -> Option<Func> {
                match name {
                    $($($name)|+ => Some(Func::$variant),)*
                    _ => None,
                }
            }

            /// The fewest and most arguments it takes (`usize::MAX`: any number).
            pub fn arity(self) -> (usize, usize) {
                match self { $(Func::$variant => ($min, $max)),* }
            }

            /// Its name as MySQL spells it.
            pub fn name(self) -> &'static str {
                match self { $(Func::$variant => [$($name),+][0]),* }
            }
        }
    };
}

const MANY: usize = usize::MAX;

funcs! {
    Concat => ["CONCAT"], 1, MANY;
    ConcatWs => ["CONCAT_WS"], 2, MANY;
    Substring => ["SUBSTRING", "SUBSTR", "MID"], 2, 3;
    Left => ["LEFT"], 2, 2;
    Right => ["RIGHT"], 2, 2;
    Length => ["LENGTH", "OCTET_LENGTH"], 1, 1;
    CharLength => ["CHAR_LENGTH", "CHARACTER_LENGTH"], 1, 1;
    Upper => ["UPPER", "UCASE"], 1, 1;
    Lower => ["LOWER", "LCASE"], 1, 1;
    Trim => ["TRIM"], 1, 3;
    Ltrim => ["LTRIM"], 1, 1;
    Rtrim => ["RTRIM"], 1, 1;
    Replace => ["REPLACE"], 3, 3;
    Reverse => ["REVERSE"], 1, 1;
    Repeat => ["REPEAT"], 2, 2;
    Lpad => ["LPAD"], 3, 3;
    Rpad => ["RPAD"], 3, 3;
    Locate => ["LOCATE", "POSITION"], 2, 3;
    Instr => ["INSTR"], 2, 2;
    Hex => ["HEX"], 1, 1;
    Unhex => ["UNHEX"], 1, 1;
    Crc32 => ["CRC32"], 1, 1;
    IfNull => ["IFNULL"], 2, 2;
    Coalesce => ["COALESCE"], 1, MANY;
    If => ["IF"], 3, 3;
    NullIf => ["NULLIF"], 2, 2;
    IsNull => ["ISNULL"], 1, 1;
    Abs => ["ABS"], 1, 1;
    Round => ["ROUND"], 1, 2;
    Truncate => ["TRUNCATE"], 2, 2;
    Floor => ["FLOOR"], 1, 1;
    Ceil => ["CEIL", "CEILING"], 1, 1;
    Mod => ["MOD"], 2, 2;
    Sign => ["SIGN"], 1, 1;
    Sqrt => ["SQRT"], 1, 1;
    Pow => ["POW", "POWER"], 2, 2;
    Greatest => ["GREATEST"], 2, MANY;
    Least => ["LEAST"], 2, MANY;
    Rand => ["RAND"], 0, 1;
    Uuid => ["UUID"], 0, 0;
    Sleep => ["SLEEP"], 1, 1;
    // Date and time (temporal.rs).
    Now => ["NOW", "CURRENT_TIMESTAMP", "LOCALTIME", "LOCALTIMESTAMP"], 0, 1;
    Sysdate => ["SYSDATE"], 0, 1;
    UtcTimestamp => ["UTC_TIMESTAMP"], 0, 1;
    UtcDate => ["UTC_DATE"], 0, 0;
    UtcTime => ["UTC_TIME"], 0, 1;
    CurDate => ["CURDATE", "CURRENT_DATE"], 0, 0;
    CurTime => ["CURTIME", "CURRENT_TIME"], 0, 1;
    UnixTimestamp => ["UNIX_TIMESTAMP"], 0, 1;
    FromUnixtime => ["FROM_UNIXTIME"], 1, 2;
    ConvertTz => ["CONVERT_TZ"], 3, 3;
    DateFormat => ["DATE_FORMAT"], 2, 2;
    TimeFormat => ["TIME_FORMAT"], 2, 2;
    GetFormat => ["GET_FORMAT"], 2, 2;
    StrToDate => ["STR_TO_DATE"], 2, 2;
    DateFn => ["DATE"], 1, 1;
    TimeFn => ["TIME"], 1, 1;
    TimestampFn => ["TIMESTAMP"], 1, 2;
    Year => ["YEAR"], 1, 1;
    Month => ["MONTH"], 1, 1;
    Day => ["DAY", "DAYOFMONTH"], 1, 1;
    Hour => ["HOUR"], 1, 1;
    Minute => ["MINUTE"], 1, 1;
    Second => ["SECOND"], 1, 1;
    Microsecond => ["MICROSECOND"], 1, 1;
    Quarter => ["QUARTER"], 1, 1;
    DayOfWeek => ["DAYOFWEEK"], 1, 1;
    DayOfYear => ["DAYOFYEAR"], 1, 1;
    DayName => ["DAYNAME"], 1, 1;
    MonthName => ["MONTHNAME"], 1, 1;
    Week => ["WEEK"], 1, 2;
    WeekDay => ["WEEKDAY"], 1, 1;
    WeekOfYear => ["WEEKOFYEAR"], 1, 1;
    YearWeek => ["YEARWEEK"], 1, 2;
    LastDay => ["LAST_DAY"], 1, 1;
    MakeDate => ["MAKEDATE"], 2, 2;
    MakeTime => ["MAKETIME"], 3, 3;
    ToDays => ["TO_DAYS"], 1, 1;
    FromDays => ["FROM_DAYS"], 1, 1;
    ToSeconds => ["TO_SECONDS"], 1, 1;
    TimeToSec => ["TIME_TO_SEC"], 1, 1;
    SecToTime => ["SEC_TO_TIME"], 1, 1;
    DateDiff => ["DATEDIFF"], 2, 2;
    TimeDiff => ["TIMEDIFF"], 2, 2;
    AddTime => ["ADDTIME"], 2, 2;
    SubTime => ["SUBTIME"], 2, 2;
    DateAdd => ["DATE_ADD"], 3, 3;
    DateSub => ["DATE_SUB"], 3, 3;
    AddDate => ["ADDDATE"], 2, 3;
    SubDate => ["SUBDATE"], 2, 3;
    TimestampAdd => ["TIMESTAMPADD"], 3, 3;
    TimestampDiff => ["TIMESTAMPDIFF"], 3, 3;
    Extract => ["EXTRACT"], 2, 2;
    PeriodAdd => ["PERIOD_ADD"], 2, 2;
    PeriodDiff => ["PERIOD_DIFF"], 2, 2;
    // Strings (string.rs).
    Ascii => ["ASCII"], 1, 1;
    Ord => ["ORD"], 1, 1;
    Char => ["CHAR"], 1, MANY;
    BitLength => ["BIT_LENGTH"], 1, 1;
    Field => ["FIELD"], 2, MANY;
    FindInSet => ["FIND_IN_SET"], 2, 2;
    Elt => ["ELT"], 2, MANY;
    MakeSet => ["MAKE_SET"], 2, MANY;
    ExportSet => ["EXPORT_SET"], 3, 5;
    SubstringIndex => ["SUBSTRING_INDEX"], 3, 3;
    Insert => ["INSERT"], 4, 4;
    Space => ["SPACE"], 1, 1;
    Strcmp => ["STRCMP"], 2, 2;
    Quote => ["QUOTE"], 1, 1;
    Soundex => ["SOUNDEX"], 1, 1;
    Format => ["FORMAT"], 2, 3;
    Bin => ["BIN"], 1, 1;
    Oct => ["OCT"], 1, 1;
    Conv => ["CONV"], 3, 3;
    ToBase64 => ["TO_BASE64"], 1, 1;
    FromBase64 => ["FROM_BASE64"], 1, 1;
    // Math (numeric.rs).
    Pi => ["PI"], 0, 0;
    Exp => ["EXP"], 1, 1;
    Ln => ["LN"], 1, 1;
    Log => ["LOG"], 1, 2;
    Log2 => ["LOG2"], 1, 1;
    Log10 => ["LOG10"], 1, 1;
    Sin => ["SIN"], 1, 1;
    Cos => ["COS"], 1, 1;
    Tan => ["TAN"], 1, 1;
    Asin => ["ASIN"], 1, 1;
    Acos => ["ACOS"], 1, 1;
    Atan => ["ATAN"], 1, 2;
    Atan2 => ["ATAN2"], 2, 2;
    Cot => ["COT"], 1, 1;
    Degrees => ["DEGREES"], 1, 1;
    Radians => ["RADIANS"], 1, 1;
    BitCount => ["BIT_COUNT"], 1, 1;
    // Hashing, encryption, compression (digest.rs).
    Md5 => ["MD5"], 1, 1;
    Sha1 => ["SHA1", "SHA"], 1, 1;
    Sha2 => ["SHA2"], 2, 2;
    RandomBytes => ["RANDOM_BYTES"], 1, 1;
    AesEncrypt => ["AES_ENCRYPT"], 2, 6;
    AesDecrypt => ["AES_DECRYPT"], 2, 6;
    Compress => ["COMPRESS"], 1, 1;
    Uncompress => ["UNCOMPRESS"], 1, 1;
    UncompressedLength => ["UNCOMPRESSED_LENGTH"], 1, 1;
    // Addresses and UUIDs (net.rs).
    InetAton => ["INET_ATON"], 1, 1;
    InetNtoa => ["INET_NTOA"], 1, 1;
    Inet6Aton => ["INET6_ATON"], 1, 1;
    Inet6Ntoa => ["INET6_NTOA"], 1, 1;
    IsIpv4 => ["IS_IPV4"], 1, 1;
    IsIpv6 => ["IS_IPV6"], 1, 1;
    IsIpv4Compat => ["IS_IPV4_COMPAT"], 1, 1;
    IsIpv4Mapped => ["IS_IPV4_MAPPED"], 1, 1;
    UuidToBin => ["UUID_TO_BIN"], 1, 2;
    BinToUuid => ["BIN_TO_UUID"], 1, 2;
    IsUuid => ["IS_UUID"], 1, 1;
    UuidShort => ["UUID_SHORT"], 0, 0;
    // Comparison, information, GTID sets and formatting (misc.rs).
    IntervalFn => ["INTERVAL"], 2, MANY;
    CharUsing => ["CHAR USING"], 2, MANY;
    Benchmark => ["BENCHMARK"], 2, 2;
    CurrentRole => ["CURRENT_ROLE"], 0, 0;
    FormatBytes => ["FORMAT_BYTES"], 1, 1;
    FormatPicoTime => ["FORMAT_PICO_TIME"], 1, 1;
    GtidSubset => ["GTID_SUBSET"], 2, 2;
    GtidSubtract => ["GTID_SUBTRACT"], 2, 2;
    LoadFile => ["LOAD_FILE"], 1, 1;
    // Regular expressions (regexp.rs).
    RegexpLike => ["REGEXP_LIKE"], 2, 3;
    RegexpInstr => ["REGEXP_INSTR"], 2, 6;
    RegexpSubstr => ["REGEXP_SUBSTR"], 2, 5;
    RegexpReplace => ["REGEXP_REPLACE"], 3, 6;
    // User-level locks and the rest (misc.rs).
    GetLock => ["GET_LOCK"], 2, 2;
    ReleaseLock => ["RELEASE_LOCK"], 1, 1;
    ReleaseAllLocks => ["RELEASE_ALL_LOCKS"], 0, 0;
    IsFreeLock => ["IS_FREE_LOCK"], 1, 1;
    IsUsedLock => ["IS_USED_LOCK"], 1, 1;
    AnyValue => ["ANY_VALUE"], 1, 1;
    // JSON (json.rs).
    JsonArray => ["JSON_ARRAY"], 0, MANY;
    JsonObject => ["JSON_OBJECT"], 0, MANY;
    JsonExtract => ["JSON_EXTRACT"], 2, MANY;
    JsonUnquote => ["JSON_UNQUOTE"], 1, 1;
    JsonQuote => ["JSON_QUOTE"], 1, 1;
    JsonContains => ["JSON_CONTAINS"], 2, 3;
    JsonContainsPath => ["JSON_CONTAINS_PATH"], 3, MANY;
    JsonKeys => ["JSON_KEYS"], 1, 2;
    JsonLength => ["JSON_LENGTH"], 1, 2;
    JsonDepth => ["JSON_DEPTH"], 1, 1;
    JsonType => ["JSON_TYPE"], 1, 1;
    JsonValid => ["JSON_VALID"], 1, 1;
    JsonSet => ["JSON_SET"], 3, MANY;
    JsonInsert => ["JSON_INSERT"], 3, MANY;
    JsonReplace => ["JSON_REPLACE"], 3, MANY;
    JsonRemove => ["JSON_REMOVE"], 2, MANY;
    JsonArrayAppend => ["JSON_ARRAY_APPEND"], 3, MANY;
    JsonArrayInsert => ["JSON_ARRAY_INSERT"], 3, MANY;
    JsonMergePreserve => ["JSON_MERGE_PRESERVE"], 2, MANY;
    JsonMerge => ["JSON_MERGE"], 2, MANY;
    JsonMergePatch => ["JSON_MERGE_PATCH"], 2, MANY;
    JsonSearch => ["JSON_SEARCH"], 3, MANY;
    JsonPretty => ["JSON_PRETTY"], 1, 1;
    JsonOverlaps => ["JSON_OVERLAPS"], 2, 2;
    JsonStorageSize => ["JSON_STORAGE_SIZE"], 1, 1;
    // `v MEMBER OF (a)` (an operator; the name cannot be written as a call).
    MemberOf => ["MEMBER OF"], 2, 2;
    // Spatial (spatial.rs). The optional arguments MySQL takes for geographic systems
    // (axis order options, length units) are left out: 1582 rather than ignored.
    StGeomFromText => ["ST_GEOMFROMTEXT", "ST_GEOMETRYFROMTEXT"], 1, 2;
    StPointFromText => ["ST_POINTFROMTEXT"], 1, 2;
    StLineFromText => ["ST_LINEFROMTEXT", "ST_LINESTRINGFROMTEXT"], 1, 2;
    StPolyFromText => ["ST_POLYFROMTEXT", "ST_POLYGONFROMTEXT"], 1, 2;
    StGeomFromWkb => ["ST_GEOMFROMWKB", "ST_GEOMETRYFROMWKB"], 1, 2;
    StGeomFromGeoJson => ["ST_GEOMFROMGEOJSON"], 1, 1;
    Point => ["POINT"], 2, 2;
    LineString => ["LINESTRING"], 1, MANY;
    Polygon => ["POLYGON"], 1, MANY;
    MultiPoint => ["MULTIPOINT"], 1, MANY;
    MultiLineString => ["MULTILINESTRING"], 1, MANY;
    MultiPolygon => ["MULTIPOLYGON"], 1, MANY;
    GeomCollection => ["GEOMETRYCOLLECTION", "GEOMCOLLECTION"], 0, MANY;
    StAsText => ["ST_ASTEXT", "ST_ASWKT"], 1, 1;
    StAsBinary => ["ST_ASBINARY", "ST_ASWKB"], 1, 1;
    StAsGeoJson => ["ST_ASGEOJSON"], 1, 2;
    StX => ["ST_X"], 1, 2;
    StY => ["ST_Y"], 1, 2;
    StSrid => ["ST_SRID"], 1, 2;
    StGeometryType => ["ST_GEOMETRYTYPE"], 1, 1;
    StIsEmpty => ["ST_ISEMPTY"], 1, 1;
    StNumPoints => ["ST_NUMPOINTS"], 1, 1;
    StLength => ["ST_LENGTH"], 1, 1;
    StArea => ["ST_AREA"], 1, 1;
    StDistance => ["ST_DISTANCE"], 2, 2;
    StContains => ["ST_CONTAINS"], 2, 2;
    StWithin => ["ST_WITHIN"], 2, 2;
    StIntersects => ["ST_INTERSECTS"], 2, 2;
    StDisjoint => ["ST_DISJOINT"], 2, 2;
    MbrContains => ["MBRCONTAINS"], 2, 2;
    MbrWithin => ["MBRWITHIN"], 2, 2;
    MbrIntersects => ["MBRINTERSECTS"], 2, 2;
    MbrDisjoint => ["MBRDISJOINT"], 2, 2;
    MbrEquals => ["MBREQUALS"], 2, 2;
    StEnvelope => ["ST_ENVELOPE"], 1, 1;
}

fn text(v: &Value) -> Option<Vec<u8>> {
    v.to_text()
}

/// MySQL's RAND() generator (`my_rnd`): two seeds below 2^30 - 1. A replica reproduces
/// RAND() from the seeds of the Rand event logged before the statement, and RAND(N) from
/// N, so the sequence must be MySQL's exactly: RAND(1) is 0.40540353712197724.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MyRnd {
    pub seed1: u32,
    pub seed2: u32,
}

impl MyRnd {
    const MAX: u64 = 0x3FFF_FFFF;

    pub fn new(seed1: u64, seed2: u64) -> MyRnd {
        MyRnd {
            seed1: (seed1 % Self::MAX) as u32,
            seed2: (seed2 % Self::MAX) as u32,
        }
    }

    /// The generator RAND(n) starts from (MySQL's `seed_random`: the seed is taken as a
    /// 32-bit integer, and the products are cut to 32 bits).
    pub fn seeded(n: &Value) -> MyRnd {
        let n = u64::from(int_arg(n).unwrap_or(0) as u32);
        MyRnd::new(
            u64::from((n * 0x10001 + 55_555_555) as u32),
            u64::from((n * 0x1000_0001) as u32),
        )
    }

    pub fn next_f64(&mut self) -> f64 {
        let (s1, s2) = (u64::from(self.seed1), u64::from(self.seed2));
        let s1 = (s1 * 3 + s2) % Self::MAX;
        let s2 = (s1 + s2 + 33) % Self::MAX;
        (self.seed1, self.seed2) = (s1 as u32, s2 as u32);
        s1 as f64 / Self::MAX as f64
    }

    /// Both seeds in one word (the session keeps its generator in an atomic).
    pub fn pack(self) -> u64 {
        u64::from(self.seed1) << 32 | u64::from(self.seed2)
    }

    pub fn unpack(w: u64) -> MyRnd {
        MyRnd {
            seed1: (w >> 32) as u32,
            seed2: w as u32,
        }
    }
}

fn int_arg(v: &Value) -> Option<i64> {
    match v {
        Value::Null => None,
        Value::Int(i) => Some(*i),
        Value::UInt(u) => Some(i64::try_from(*u).unwrap_or(i64::MAX)),
        other => other.to_f64().map(|f| f.round() as i64),
    }
}

/// Whether a string result of `bytes` bytes may be built: MySQL answers a result longer
/// than `max_allowed_packet` with NULL and warning 1301. Checked before the result is
/// built, so a length a client chooses never reserves memory.
fn fits(f: Func, bytes: u128, cx: &EvalCx) -> bool {
    if bytes <= u128::from(cx.max_allowed_packet) {
        return true;
    }
    cx.warn(Warning::warn(
        1301,
        format!(
            "Result of {}() was larger than max_allowed_packet ({}) - truncated",
            f.name().to_ascii_lowercase(),
            cx.max_allowed_packet
        ),
    ));
    false
}

fn chars(b: &[u8]) -> Vec<char> {
    String::from_utf8_lossy(b).chars().collect()
}

fn from_chars(c: &[char]) -> Value {
    Value::Bytes(c.iter().collect::<String>().into_bytes())
}

fn vstr(s: String) -> ColType {
    Some(SqlType::VarChar {
        len: s.len().max(1) as u32,
        collation: Collation::Utf8mb4GeneralCi,
    })
}

impl Func {
    /// Whether repeated calls in one statement give the same result.
    pub fn is_deterministic(self) -> bool {
        !matches!(
            self,
            Func::Rand
                | Func::Uuid
                | Func::Sleep
                | Func::Sysdate
                | Func::UuidShort
                | Func::RandomBytes
                | Func::GetLock
                | Func::ReleaseLock
                | Func::ReleaseAllLocks
                | Func::IsFreeLock
                | Func::IsUsedLock
                | Func::Benchmark
                | Func::LoadFile
        )
    }

    /// Where a REGEXP function takes its match type (`None` for other functions).
    pub fn regexp_match_type_at(self) -> Option<usize> {
        match self {
            Func::RegexpLike => Some(2),
            Func::RegexpInstr | Func::RegexpReplace => Some(5),
            Func::RegexpSubstr => Some(4),
            _ => None,
        }
    }

    pub fn check_arity(self, n: usize) -> SqlResult<()> {
        let (lo, hi) = self.arity();
        if n < lo || n > hi {
            return Err(SqlError::new(
                1582,
                format!(
                    "Incorrect parameter count in the call to native function '{}'",
                    self.name()
                ),
            ));
        }
        Ok(())
    }

    /// The result type MySQL reports.
    pub fn result_type(self, args: &[ColType], coll: Collation) -> ColType {
        use Func::*;
        let big = Some(SqlType::Int {
            kind: IntKind::Big,
            unsigned: false,
            width: None,
        });
        let text = Some(SqlType::VarChar {
            len: 65535,
            collation: coll,
        });
        let first = args.first().cloned().flatten();
        let first_typed = args.iter().find_map(|t| t.clone());
        match self {
            Sleep | Length | CharLength | Locate | Instr | Crc32 | Sign | IsNull => big,
            Abs | Floor | Ceil | Round | Truncate | Mod => first.or(big),
            Sqrt | Pow | Rand => Some(SqlType::Double),
            IfNull | Coalesce | Greatest | Least => first_typed.or(text),
            NullIf => first.or(text),
            If => args
                .get(1)
                .cloned()
                .flatten()
                .or(args.get(2).cloned().flatten()),
            Uuid => Some(SqlType::VarChar {
                len: 36,
                collation: Collation::Utf8mb4GeneralCi,
            }),
            Hex => text,
            Unhex => Some(SqlType::Blob {
                kind: LobKind::Normal,
            }),
            _ => temporal::result_type(self, args)
                .or_else(|| string::result_type(self, coll))
                .or_else(|| numeric::result_type(self))
                .or_else(|| digest::result_type(self))
                .or_else(|| net::result_type(self))
                .or_else(|| regexp::result_type(self, coll))
                .or_else(|| misc::result_type(self, args))
                .or_else(|| json::result_type(self))
                .or_else(|| spatial::result_type(self))
                .unwrap_or(text),
        }
    }
}

/// Evaluates `f` on already-evaluated arguments.
pub fn call(f: Func, a: Vec<Value>, cx: &EvalCx) -> SqlResult<Value> {
    use Func::*;
    let null = Value::Null;
    let arg = |i: usize| a.get(i).unwrap_or(&null);
    let any_null = || a.iter().any(Value::is_null);
    Ok(match f {
        Concat => {
            if any_null() {
                return Ok(Value::Null);
            }
            let parts: Vec<Vec<u8>> = a.iter().map(|v| text(v).unwrap_or_default()).collect();
            let len: usize = parts.iter().map(Vec::len).sum();
            if !fits(f, len as u128, cx) {
                return Ok(Value::Null);
            }
            Value::Bytes(parts.concat())
        }
        ConcatWs => {
            let Some(sep) = text(arg(0)) else {
                return Ok(Value::Null);
            };
            let parts: Vec<Vec<u8>> = a[1..].iter().filter_map(text).collect();
            let len = parts.iter().map(|p| p.len() + sep.len()).sum::<usize>();
            if !fits(f, len as u128, cx) {
                return Ok(Value::Null);
            }
            Value::Bytes(parts.join(&sep[..]))
        }
        Substring => {
            let Some(s) = text(arg(0)) else {
                return Ok(Value::Null);
            };
            let (Some(pos), len) = (int_arg(arg(1)), a.get(2).map(int_arg)) else {
                return Ok(Value::Null);
            };
            let c = chars(&s);
            let n = c.len() as i64;
            let start = if pos > 0 {
                pos - 1
            } else if pos < 0 {
                n + pos
            } else {
                return Ok(Value::Bytes(Vec::new()));
            };
            if start < 0 || start >= n {
                return Ok(Value::Bytes(Vec::new()));
            }
            let len = match len {
                Some(None) => return Ok(Value::Null),
                Some(Some(l)) if l <= 0 => 0,
                Some(Some(l)) => l,
                None => n,
            };
            let end = start.saturating_add(len).min(n);
            from_chars(&c[start as usize..end as usize])
        }
        Left | Right => {
            let (Some(s), Some(n)) = (text(arg(0)), int_arg(arg(1))) else {
                return Ok(Value::Null);
            };
            let c = chars(&s);
            let n = (n.max(0) as usize).min(c.len());
            if f == Left {
                from_chars(&c[..n])
            } else {
                from_chars(&c[c.len() - n..])
            }
        }
        Length => match text(arg(0)) {
            Some(s) => Value::Int(s.len() as i64),
            None => Value::Null,
        },
        CharLength => match text(arg(0)) {
            Some(s) => Value::Int(chars(&s).len() as i64),
            None => Value::Null,
        },
        Upper | Lower => match text(arg(0)) {
            Some(s) => {
                let s = String::from_utf8_lossy(&s);
                Value::Bytes(
                    if f == Upper {
                        s.to_uppercase()
                    } else {
                        s.to_lowercase()
                    }
                    .into_bytes(),
                )
            }
            None => Value::Null,
        },
        Trim | Ltrim | Rtrim => {
            let Some(s) = text(arg(0)) else {
                return Ok(Value::Null);
            };
            let what = if f == Trim {
                text(arg(1)).unwrap_or_else(|| b" ".to_vec())
            } else {
                b" ".to_vec()
            };
            let mode = match f {
                Ltrim => 1,
                Rtrim => 2,
                _ => int_arg(arg(2)).unwrap_or(0),
            };
            let mut s = &s[..];
            if !what.is_empty() {
                if mode != 2 {
                    while s.starts_with(&what) {
                        s = &s[what.len()..];
                    }
                }
                if mode != 1 {
                    while s.ends_with(&what) {
                        s = &s[..s.len() - what.len()];
                    }
                }
            }
            Value::Bytes(s.to_vec())
        }
        Replace => {
            let (Some(s), Some(from), Some(to)) = (text(arg(0)), text(arg(1)), text(arg(2))) else {
                return Ok(Value::Null);
            };
            if from.is_empty() {
                return Ok(Value::Bytes(s));
            }
            let (s, from, to) = (
                String::from_utf8_lossy(&s),
                String::from_utf8_lossy(&from),
                String::from_utf8_lossy(&to),
            );
            if to.len() > from.len() {
                let hits = s.matches(&*from).count() as u128;
                let grown = s.len() as u128 + hits * (to.len() - from.len()) as u128;
                if !fits(f, grown, cx) {
                    return Ok(Value::Null);
                }
            }
            Value::Bytes(s.replace(&*from, &to).into_bytes())
        }
        Reverse => match text(arg(0)) {
            Some(s) => from_chars(&chars(&s).into_iter().rev().collect::<Vec<_>>()),
            None => Value::Null,
        },
        Repeat => {
            let (Some(s), Some(n)) = (text(arg(0)), int_arg(arg(1))) else {
                return Ok(Value::Null);
            };
            let n = u64::try_from(n).unwrap_or(0);
            if !fits(f, s.len() as u128 * u128::from(n), cx) {
                return Ok(Value::Null);
            }
            Value::Bytes(s.repeat(n as usize))
        }
        Lpad | Rpad => {
            let (Some(s), Some(n), Some(p)) = (text(arg(0)), int_arg(arg(1)), text(arg(2))) else {
                return Ok(Value::Null);
            };
            // MySQL: a negative length is NULL; the result's size is checked at four
            // bytes a character (utf8mb4) before it is built.
            let Ok(n) = u64::try_from(n) else {
                return Ok(Value::Null);
            };
            let c = chars(&s);
            if c.len() as u64 >= n {
                return Ok(from_chars(&c[..n as usize]));
            }
            let pc = chars(&p);
            if pc.is_empty() {
                return Ok(Value::Null);
            }
            if !fits(f, u128::from(n) * 4, cx) {
                return Ok(Value::Null);
            }
            let n = n as usize;
            let pad: Vec<char> = pc.iter().cycle().take(n - c.len()).copied().collect();
            if f == Lpad {
                from_chars(&[pad, c].concat())
            } else {
                from_chars(&[c, pad].concat())
            }
        }
        Locate | Instr => {
            let (needle, hay) = if f == Instr {
                (arg(1), arg(0))
            } else {
                (arg(0), arg(1))
            };
            let (Some(n), Some(h)) = (text(needle), text(hay)) else {
                return Ok(Value::Null);
            };
            // LOCATE(sub, s, pos) with pos < 1 finds nothing, as MySQL.
            let start = match (f, a.get(2)) {
                (Locate, Some(p)) => match int_arg(p) {
                    Some(p) if p >= 1 => usize::try_from(p - 1).unwrap_or(usize::MAX),
                    Some(_) => return Ok(Value::Int(0)),
                    None => return Ok(Value::Null),
                },
                _ => 0,
            };
            let hc = chars(&h);
            let nc = chars(&n);
            if start > hc.len() {
                return Ok(Value::Int(0));
            }
            let coll = Collation::Utf8mb4GeneralCi;
            let found = (start..=hc.len().saturating_sub(nc.len())).find(|&i| {
                i + nc.len() <= hc.len()
                    && coll.equals(
                        hc[i..i + nc.len()].iter().collect::<String>().as_bytes(),
                        nc.iter().collect::<String>().as_bytes(),
                    )
            });
            Value::Int(found.map_or(0, |i| i as i64 + 1))
        }
        Hex => match arg(0) {
            Value::Null => Value::Null,
            Value::Int(_) | Value::UInt(_) => {
                Value::Bytes(format!("{:X}", int_arg(arg(0)).unwrap_or(0)).into_bytes())
            }
            v => Value::Bytes(
                text(v)
                    .unwrap_or_default()
                    .iter()
                    .map(|b| format!("{b:02X}"))
                    .collect::<String>()
                    .into_bytes(),
            ),
        },
        Unhex => {
            let Some(s) = text(arg(0)) else {
                return Ok(Value::Null);
            };
            let s = String::from_utf8_lossy(&s).to_string();
            let s = if s.len() % 2 == 1 { format!("0{s}") } else { s };
            let bytes: Option<Vec<u8>> = (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
                .collect();
            bytes.map(Value::Bytes).unwrap_or(Value::Null)
        }
        Crc32 => match text(arg(0)) {
            Some(s) => Value::Int(i64::from(crc32fast::hash(&s))),
            None => Value::Null,
        },
        IfNull => {
            if arg(0).is_null() {
                arg(1).clone()
            } else {
                arg(0).clone()
            }
        }
        Coalesce => a
            .iter()
            .find(|v| !v.is_null())
            .cloned()
            .unwrap_or(Value::Null),
        If => {
            if super::expr::truth(arg(0)) == Some(true) {
                arg(1).clone()
            } else {
                arg(2).clone()
            }
        }
        NullIf => {
            if crate::value::compare(arg(0), arg(1), Collation::Utf8mb4GeneralCi)
                == Some(std::cmp::Ordering::Equal)
            {
                Value::Null
            } else {
                arg(0).clone()
            }
        }
        IsNull => Value::Int(i64::from(arg(0).is_null())),
        Abs => match arg(0) {
            Value::Null => Value::Null,
            Value::Int(i) => i
                .checked_abs()
                .map(Value::Int)
                .unwrap_or(Value::UInt(i.unsigned_abs())),
            Value::UInt(u) => Value::UInt(*u),
            Value::Decimal(d) => Value::Decimal(d.abs()),
            v => Value::Double(v.to_f64().unwrap_or(0.0).abs()),
        },
        Round | Truncate => {
            let places = if a.len() > 1 {
                int_arg(arg(1))
            } else {
                Some(0)
            };
            let Some(places) = places else {
                return Ok(Value::Null);
            };
            match arg(0) {
                Value::Null => Value::Null,
                Value::Int(_) | Value::UInt(_) if places >= 0 => arg(0).clone(),
                v => {
                    let d = match v {
                        Value::Decimal(d) => Some(d.clone()),
                        Value::Int(i) => Some(Decimal::from_i64(*i)),
                        Value::UInt(u) => Some(Decimal::from_u64(*u)),
                        _ => None,
                    };
                    match d {
                        Some(d) if places >= 0 => {
                            let s = places.min(30) as u8;
                            Value::Decimal(if f == Round {
                                d.round_to_scale(s)
                            } else {
                                d.truncate_to_scale(s)
                            })
                        }
                        _ => {
                            let x = v.to_f64().unwrap_or(0.0);
                            let m = 10f64.powi(places as i32);
                            let r = if f == Round {
                                (x * m).round() / m
                            } else {
                                (x * m).trunc() / m
                            };
                            if matches!(v, Value::Int(_) | Value::UInt(_)) {
                                Value::Int(r as i64)
                            } else {
                                Value::Double(r)
                            }
                        }
                    }
                }
            }
        }
        Floor | Ceil => match arg(0) {
            Value::Null => Value::Null,
            Value::Int(_) | Value::UInt(_) => arg(0).clone(),
            Value::Decimal(d) => {
                let t = d.truncate_to_scale(0);
                let adjust = if f == Floor {
                    d.is_negative() && &t != d
                } else {
                    !d.is_negative() && &t != d
                };
                let one = Decimal::from_i64(if f == Floor { -1 } else { 1 });
                let r = if adjust { t.add(&one)? } else { t };
                r.to_i64().map(Value::Int).unwrap_or(Value::Decimal(r))
            }
            v => {
                let x = v.to_f64().unwrap_or(0.0);
                Value::Double(if f == Floor { x.floor() } else { x.ceil() })
            }
        },
        Mod => super::expr::Expr::Arith(
            super::expr::ArithOp::Mod,
            Box::new(super::expr::Expr::Lit(arg(0).clone())),
            Box::new(super::expr::Expr::Lit(arg(1).clone())),
        )
        .eval(&[], cx)?,
        Sign => match arg(0).to_f64() {
            None => Value::Null,
            Some(x) => Value::Int(if x > 0.0 {
                1
            } else if x < 0.0 {
                -1
            } else {
                0
            }),
        },
        Sqrt => match arg(0).to_f64() {
            Some(x) if x >= 0.0 => Value::Double(x.sqrt()),
            _ => Value::Null,
        },
        Pow => match (arg(0).to_f64(), arg(1).to_f64()) {
            (Some(x), Some(y)) => Value::Double(x.powf(y)),
            _ => Value::Null,
        },
        Greatest | Least => {
            if any_null() {
                return Ok(Value::Null);
            }
            let mut best = a[0].clone();
            for v in &a[1..] {
                let o = sort_cmp(v, &best, Collation::Utf8mb4GeneralCi);
                if (f == Greatest && o == std::cmp::Ordering::Greater)
                    || (f == Least && o == std::cmp::Ordering::Less)
                {
                    best = v.clone();
                }
            }
            best
        }
        // Expr::eval keeps a constant seed's sequence going from row to row; here (a
        // value computed alone) RAND(n) is its sequence's first value.
        Rand if a.is_empty() => Value::Double(cx.session_rand()),
        Rand => Value::Double(MyRnd::seeded(arg(0)).next_f64()),
        Sleep => {
            // Runs on the connection's own thread: other sessions go on. Like MySQL, a
            // sleep cut short by KILL QUERY returns 1.
            let secs = arg(0).to_f64().unwrap_or(0.0);
            let d = std::time::Duration::from_secs_f64(if secs.is_finite() && secs > 0.0 {
                secs.min(365.0 * 86400.0)
            } else {
                0.0
            });
            Value::Int(i64::from(cx.interrupt.sleep(d)))
        }
        Uuid => {
            let seed =
                (cx.now_us as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ std::process::id() as u64;
            let r = seed.rotate_left(17) ^ (a.len() as u64);
            Value::Bytes(
                format!(
                    "{:08x}-{:04x}-1{:03x}-{:04x}-{:012x}",
                    (cx.now_us as u64) & 0xffff_ffff,
                    (cx.now_us as u64 >> 32) & 0xffff,
                    (r >> 8) & 0xfff,
                    0x8000 | (r & 0x3fff),
                    seed & 0xffff_ffff_ffff
                )
                .into_bytes(),
            )
        }
        _ => {
            return temporal::call(f, &a, cx)
                .or_else(|| string::call(f, &a, cx))
                .or_else(|| numeric::call(f, &a, cx))
                .or_else(|| digest::call(f, &a, cx))
                .or_else(|| net::call(f, &a, cx))
                .or_else(|| regexp::call(f, &a, cx))
                .or_else(|| misc::call(f, &a, cx))
                .or_else(|| json::call(f, &a, cx))
                .or_else(|| spatial::call(f, &a, cx))
                .unwrap_or(Ok(Value::Null))
        }
    })
}

/// Renders a DOUBLE the way MySQL prints it in text results.
pub fn render_double(v: f64) -> String {
    format_f64(v)
}

#[allow(dead_code)]
fn unused_vstr() -> ColType {
    vstr(String::new())
}

/// The result type of `f` when some arguments are constants (`lits[i]`): NOW(3) has 3
/// fraction digits, STR_TO_DATE's format decides DATE, TIME or DATETIME, a string
/// literal's fraction digits carry into CONVERT_TZ's. `None`: [`Func::result_type`].
pub fn bind_type(f: Func, lits: &[Option<&Value>], types: &[ColType]) -> Option<ColType> {
    if f == Func::CharUsing {
        return string::char_using_type(lits);
    }
    temporal::bind_type(f, lits, types)
}
