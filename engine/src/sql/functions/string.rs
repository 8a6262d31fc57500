//! String functions beyond the first ones in `mod.rs`: ASCII, ORD, CHAR, FIELD,
//! FIND_IN_SET, ELT, MAKE_SET, EXPORT_SET, SUBSTRING_INDEX, INSERT, SPACE, STRCMP, QUOTE,
//! SOUNDEX, FORMAT, BIN, OCT, CONV, BIT_LENGTH, TO_BASE64 and FROM_BASE64.
//!
//! Base64 is written here rather than taken from a crate: MySQL's TO_BASE64 wraps its
//! output every 76 characters and FROM_BASE64 skips whitespace and stops at `=`, which a
//! general-purpose encoder would need wrapping code for anyway.

use super::{chars, fits, int_arg, text, Func};
use crate::sql::error::SqlResult;
use crate::sql::expr::{ColType, EvalCx};
use crate::value::{Collation, IntKind, LobKind, SqlType, Value};

fn big() -> ColType {
    Some(SqlType::Int {
        kind: IntKind::Big,
        unsigned: false,
        width: None,
    })
}

/// The result type of a function of this family; `None` for other functions.
pub(super) fn result_type(f: Func, coll: Collation) -> Option<ColType> {
    use Func::*;
    let text = Some(SqlType::VarChar {
        len: 65535,
        collation: coll,
    });
    Some(match f {
        Ascii | Ord | Field | FindInSet | Strcmp | BitLength => big(),
        CharUsing => Some(SqlType::VarChar {
            len: 255,
            collation: coll,
        }),
        Char | FromBase64 => Some(SqlType::Blob {
            kind: LobKind::Normal,
        }),
        Elt | MakeSet | ExportSet | SubstringIndex | Insert | Space | Quote | Soundex | Format
        | Bin | Oct | Conv | ToBase64 => text,
        _ => return None,
    })
}

/// The default collation of a character set named in `USING cs` (error 1115 if unknown).
fn charset_of(name: &[u8]) -> Option<Collation> {
    Collation::default_for_charset(&String::from_utf8_lossy(name))
}

/// Error 1115 unless `v` names a character set.
pub(crate) fn check_charset(v: &Value) -> SqlResult<()> {
    let name = text(v).unwrap_or_default();
    match charset_of(&name) {
        Some(_) => Ok(()),
        None => Err(unknown_charset(&name)),
    }
}

fn unknown_charset(name: &[u8]) -> crate::sql::error::SqlError {
    crate::sql::error::SqlError::new(
        1115,
        format!("Unknown character set: '{}'", String::from_utf8_lossy(name)),
    )
}

/// The type of `CHAR(N, … USING cs)`: a string of the character set, up to four bytes
/// an argument.
pub(super) fn char_using_type(lits: &[Option<&Value>]) -> Option<ColType> {
    let (cs, nums) = lits.split_last()?;
    let coll = charset_of(&text(cs.as_ref()?)?)?;
    Some(Some(SqlType::VarChar {
        len: (nums.len() as u32).saturating_mul(4).max(1),
        collation: coll,
    }))
}

/// MySQL's comparison of strings in these functions: the connection's collation, which is
/// case-insensitive by default.
fn same(a: &[u8], b: &[u8]) -> bool {
    Collation::Utf8mb4GeneralCi.equals(a, b)
}

fn numeric(v: &Value) -> bool {
    matches!(
        v,
        Value::Int(_) | Value::UInt(_) | Value::Double(_) | Value::Float(_) | Value::Decimal(_)
    )
}

/// Evaluates a function of this family; `None` for other functions.
pub(super) fn call(f: Func, a: &[Value], cx: &EvalCx) -> Option<SqlResult<Value>> {
    use Func::*;
    let null = Value::Null;
    let arg = |i: usize| a.get(i).unwrap_or(&null);
    Some(Ok(match f {
        Ascii => match text(arg(0)) {
            Some(s) => Value::Int(i64::from(s.first().copied().unwrap_or(0))),
            None => Value::Null,
        },
        Ord => match text(arg(0)) {
            // The leftmost character's bytes as a big-endian number.
            Some(s) => {
                let n = String::from_utf8_lossy(&s)
                    .chars()
                    .next()
                    .map_or(0, char::len_utf8);
                let n = if std::str::from_utf8(&s).is_ok() {
                    n
                } else {
                    1
                };
                Value::Int(
                    s.iter()
                        .take(n.max(usize::from(!s.is_empty())))
                        .fold(0i64, |acc, &b| acc << 8 | i64::from(b)),
                )
            }
            None => Value::Null,
        },
        Char => {
            // Each argument's integer value as bytes, most significant first; NULLs skipped.
            let mut out = Vec::new();
            for v in a {
                let Some(n) = int_arg(v) else { continue };
                let n = n as u32;
                let bytes = n.to_be_bytes();
                let skip = bytes.iter().take_while(|&&b| b == 0).count().min(3);
                out.extend_from_slice(&bytes[skip..]);
            }
            Value::Bytes(out)
        }
        CharUsing => {
            let Some((cs, nums)) = a.split_last() else {
                return Some(Ok(Value::Null));
            };
            let name = text(cs).unwrap_or_default();
            let Some(coll) = charset_of(&name) else {
                return Some(Err(unknown_charset(&name)));
            };
            let Some(Ok(Value::Bytes(out))) = call(Char, nums, cx) else {
                return Some(Ok(Value::Null));
            };
            // The bytes must be well-formed in the character set: else NULL and warning
            // 1300 naming (up to) three bytes from the first bad one, as MySQL.
            let bad = match coll.charset() {
                "utf8mb4" => std::str::from_utf8(&out).err().map(|e| e.valid_up_to()),
                "utf8mb3" => match std::str::from_utf8(&out) {
                    Err(e) => Some(e.valid_up_to()),
                    Ok(s) => s
                        .char_indices()
                        .find(|(_, c)| c.len_utf8() == 4)
                        .map(|(i, _)| i),
                },
                _ => None,
            };
            match bad {
                Some(at) => {
                    let hex: String = out[at..]
                        .iter()
                        .take(3)
                        .map(|b| format!("{b:02X}"))
                        .collect();
                    cx.warn(crate::value::Warning::warn(
                        1300,
                        format!("Invalid {} character string: '{hex}'", coll.charset()),
                    ));
                    Value::Null
                }
                None => Value::Bytes(out),
            }
        }
        BitLength => match text(arg(0)) {
            Some(s) => Value::Int(s.len() as i64 * 8),
            None => Value::Null,
        },
        Field => {
            if arg(0).is_null() {
                return Some(Ok(Value::Int(0)));
            }
            // All numbers: compared as numbers; otherwise as strings.
            let pos = if a.iter().all(|v| v.is_null() || numeric(v)) {
                let x = arg(0).to_f64();
                a[1..].iter().position(|v| !v.is_null() && v.to_f64() == x)
            } else {
                let x = text(arg(0)).unwrap_or_default();
                a[1..]
                    .iter()
                    .position(|v| text(v).is_some_and(|t| same(&t, &x)))
            };
            Value::Int(pos.map_or(0, |p| p as i64 + 1))
        }
        FindInSet => {
            let (Some(s), Some(list)) = (text(arg(0)), text(arg(1))) else {
                return Some(Ok(Value::Null));
            };
            if s.contains(&b',') {
                return Some(Ok(Value::Int(0)));
            }
            let pos = list.split(|&b| b == b',').position(|p| same(p, &s));
            Value::Int(pos.map_or(0, |p| p as i64 + 1))
        }
        Elt => match int_arg(arg(0)) {
            Some(n) if n >= 1 && (n as u64) < a.len() as u64 => match &a[n as usize] {
                Value::Null => Value::Null,
                v => Value::Bytes(text(v).unwrap_or_default()),
            },
            _ => Value::Null,
        },
        MakeSet => {
            let Some(bits) = int_arg(arg(0)) else {
                return Some(Ok(Value::Null));
            };
            let bits = bits as u64;
            let parts: Vec<Vec<u8>> = a[1..]
                .iter()
                .enumerate()
                .filter(|(i, _)| *i < 64 && bits >> i & 1 == 1)
                .filter_map(|(_, v)| text(v))
                .collect();
            Value::Bytes(parts.join(&b","[..]))
        }
        ExportSet => {
            let (Some(bits), Some(on), Some(off)) = (int_arg(arg(0)), text(arg(1)), text(arg(2)))
            else {
                return Some(Ok(Value::Null));
            };
            let sep = match a.get(3) {
                Some(v) => match text(v) {
                    Some(s) => s,
                    None => return Some(Ok(Value::Null)),
                },
                None => b",".to_vec(),
            };
            let n = match a.get(4) {
                Some(v) => match int_arg(v) {
                    Some(n) if (0..=64).contains(&n) => n as usize,
                    Some(_) => 64,
                    None => return Some(Ok(Value::Null)),
                },
                None => 64,
            };
            // The result is n copies of a client's strings: checked before it is built.
            let longest = on.len().max(off.len()) + sep.len();
            if !fits(f, n as u128 * longest as u128, cx) {
                return Some(Ok(Value::Null));
            }
            let bits = bits as u64;
            let parts: Vec<&[u8]> = (0..n)
                .map(|i| {
                    if bits >> i & 1 == 1 {
                        &on[..]
                    } else {
                        &off[..]
                    }
                })
                .collect();
            Value::Bytes(parts.join(&sep[..]))
        }
        SubstringIndex => {
            let (Some(s), Some(delim), Some(count)) = (text(arg(0)), text(arg(1)), int_arg(arg(2)))
            else {
                return Some(Ok(Value::Null));
            };
            if delim.is_empty() || count == 0 {
                return Some(Ok(Value::Bytes(Vec::new())));
            }
            // Byte-exact search, as MySQL's (case-sensitive) delimiter match.
            let hits: Vec<usize> = {
                let mut v = Vec::new();
                let mut i = 0;
                while i + delim.len() <= s.len() {
                    if s[i..].starts_with(&delim) {
                        v.push(i);
                        i += delim.len();
                    } else {
                        i += 1;
                    }
                }
                v
            };
            if count > 0 {
                match hits.get((count - 1) as usize) {
                    Some(&at) => Value::Bytes(s[..at].to_vec()),
                    None => Value::Bytes(s),
                }
            } else {
                let back = count.unsigned_abs() as usize;
                if back > hits.len() {
                    Value::Bytes(s)
                } else {
                    let at = hits[hits.len() - back];
                    Value::Bytes(s[at + delim.len()..].to_vec())
                }
            }
        }
        Insert => {
            let (Some(s), Some(pos), Some(len), Some(new)) =
                (text(arg(0)), int_arg(arg(1)), int_arg(arg(2)), text(arg(3)))
            else {
                return Some(Ok(Value::Null));
            };
            let c = chars(&s);
            let n = c.len() as i64;
            if pos < 1 || pos > n {
                return Some(Ok(Value::Bytes(s)));
            }
            let start = (pos - 1) as usize;
            let end = if len < 0 || len > n - (pos - 1) {
                c.len()
            } else {
                start + len as usize
            };
            let total = s.len() as u128 + new.len() as u128;
            if !fits(f, total, cx) {
                return Some(Ok(Value::Null));
            }
            let mut out = c[..start].iter().collect::<String>().into_bytes();
            out.extend_from_slice(&new);
            out.extend(c[end..].iter().collect::<String>().into_bytes());
            Value::Bytes(out)
        }
        Space => match int_arg(arg(0)) {
            Some(n) => {
                let n = n.max(0) as u64;
                if !fits(f, u128::from(n), cx) {
                    return Some(Ok(Value::Null));
                }
                Value::Bytes(vec![b' '; n as usize])
            }
            None => Value::Null,
        },
        Strcmp => {
            let (Some(x), Some(y)) = (text(arg(0)), text(arg(1))) else {
                return Some(Ok(Value::Null));
            };
            Value::Int(
                match crate::value::sort_cmp(
                    &Value::Bytes(x),
                    &Value::Bytes(y),
                    Collation::Utf8mb4GeneralCi,
                ) {
                    std::cmp::Ordering::Less => -1,
                    std::cmp::Ordering::Equal => 0,
                    std::cmp::Ordering::Greater => 1,
                },
            )
        }
        Quote => match text(arg(0)) {
            None => Value::Bytes(b"NULL".to_vec()),
            Some(s) => {
                if !fits(f, s.len() as u128 * 2 + 2, cx) {
                    return Some(Ok(Value::Null));
                }
                let mut out = Vec::with_capacity(s.len() + 2);
                out.push(b'\'');
                for b in s {
                    match b {
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'\'' => out.extend_from_slice(b"\\'"),
                        0 => out.extend_from_slice(b"\\0"),
                        26 => out.extend_from_slice(b"\\Z"),
                        b => out.push(b),
                    }
                }
                out.push(b'\'');
                Value::Bytes(out)
            }
        },
        Soundex => match text(arg(0)) {
            Some(s) => Value::Bytes(soundex(&String::from_utf8_lossy(&s)).into_bytes()),
            None => Value::Null,
        },
        Format => {
            let (x, Some(d)) = (arg(0), int_arg(arg(1))) else {
                return Some(Ok(Value::Null));
            };
            if x.is_null() {
                return Some(Ok(Value::Null));
            }
            let d = d.clamp(0, 30);
            let rounded = match super::call(Func::Round, vec![x.clone(), Value::Int(d)], cx) {
                Ok(v) => v,
                Err(e) => return Some(Err(e)),
            };
            let body = match &rounded {
                Value::Double(v) if !v.is_finite() => return Some(Ok(Value::Null)),
                Value::Double(v) => format!("{v:.*}", d as usize),
                Value::Float(v) => format!("{v:.*}", d as usize),
                v => {
                    let t = String::from_utf8_lossy(&v.to_text().unwrap_or_default()).into_owned();
                    pad_decimals(&t, d as usize)
                }
            };
            // The locale (third argument) gives the decimal point, thousands separator
            // and grouping; an unknown one (or NULL) is en_US with warning 1649.
            let loc = match a.get(2) {
                None => &LOCALES[EN_US],
                Some(v) => {
                    let name = text(v);
                    match name.as_deref().and_then(locale) {
                        Some(l) => l,
                        None => {
                            let shown = name.map_or_else(
                                || "NULL".to_string(),
                                |n| String::from_utf8_lossy(&n).into_owned(),
                            );
                            cx.warn(crate::value::Warning::warn(
                                1649,
                                format!("Unknown locale: '{shown}'"),
                            ));
                            &LOCALES[EN_US]
                        }
                    }
                }
            };
            Value::Bytes(localize_number(&body, loc))
        }
        Bin | Oct => match arg(0) {
            Value::Null => Value::Null,
            v => {
                let n = conv_input(v);
                Value::Bytes(
                    if f == Bin {
                        format!("{n:b}")
                    } else {
                        format!("{n:o}")
                    }
                    .into_bytes(),
                )
            }
        },
        Conv => {
            let (Some(s), Some(from), Some(to)) = (text(arg(0)), int_arg(arg(1)), int_arg(arg(2)))
            else {
                return Some(Ok(Value::Null));
            };
            conv(&s, from, to).map_or(Value::Null, |r| Value::Bytes(r.into_bytes()))
        }
        ToBase64 => match text(arg(0)) {
            Some(s) => {
                if !fits(f, (s.len() as u128).div_ceil(3) * 4 * 77 / 76, cx) {
                    return Some(Ok(Value::Null));
                }
                Value::Bytes(to_base64(&s))
            }
            None => Value::Null,
        },
        FromBase64 => match text(arg(0)) {
            Some(s) => from_base64(&s).map_or(Value::Null, Value::Bytes),
            None => Value::Null,
        },
        _ => return None,
    }))
}

/// An argument of BIN/OCT as MySQL takes it: a 64-bit two's-complement integer.
fn conv_input(v: &Value) -> u64 {
    match v {
        Value::UInt(u) => *u,
        Value::Int(i) => *i as u64,
        Value::Bytes(b) => {
            // A string is read as a decimal integer prefix ('12abc' is 12).
            let s = String::from_utf8_lossy(b);
            let t = s.trim_start();
            let (neg, digits) = match t.as_bytes().first() {
                Some(b'-') => (true, &t[1..]),
                Some(b'+') => (false, &t[1..]),
                _ => (false, t),
            };
            let end = digits
                .bytes()
                .position(|c| !c.is_ascii_digit())
                .unwrap_or(digits.len());
            let n = digits[..end]
                .parse::<u64>()
                .unwrap_or(if end == 0 { 0 } else { u64::MAX });
            if neg {
                n.wrapping_neg()
            } else {
                n
            }
        }
        other => {
            let f = other.to_f64().unwrap_or(0.0);
            if f < 0.0 {
                (f.round() as i64) as u64
            } else {
                f.round() as u64
            }
        }
    }
}

/// CONV(N, from_base, to_base): bases 2..36, a negative base means signed.
fn conv(s: &[u8], from: i64, to: i64) -> Option<String> {
    let (fa, ta) = (from.unsigned_abs(), to.unsigned_abs());
    if !(2..=36).contains(&fa) || !(2..=36).contains(&ta) {
        return None;
    }
    let s = String::from_utf8_lossy(s);
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    // The longest prefix of valid digits, saturating like MySQL's strtoull.
    let mut n: u64 = 0;
    let mut overflow = false;
    for c in digits.chars() {
        let Some(d) = c.to_digit(fa as u32) else {
            break;
        };
        match n.checked_mul(fa).and_then(|x| x.checked_add(u64::from(d))) {
            Some(x) => n = x,
            None => {
                overflow = true;
                break;
            }
        }
    }
    let mut v: u64 = if overflow { u64::MAX } else { n };
    if from < 0 {
        // Signed input: clamp into i64 first.
        let signed: i64 = if neg {
            if overflow || n > i64::MAX as u64 + 1 {
                i64::MIN
            } else {
                (n as i64).wrapping_neg()
            }
        } else if overflow || n > i64::MAX as u64 {
            i64::MAX
        } else {
            n as i64
        };
        v = signed as u64;
    } else if neg {
        v = if overflow { 0 } else { v.wrapping_neg() };
    }
    let (neg_out, mut m) = if to < 0 && (v as i64) < 0 {
        (true, (v as i64).unsigned_abs())
    } else {
        (false, v)
    };
    if m == 0 {
        return Some("0".into());
    }
    let mut out = Vec::new();
    while m > 0 {
        let d = (m % ta) as u32;
        out.push(std::char::from_digit(d, ta as u32)?.to_ascii_uppercase());
        m /= ta;
    }
    if neg_out {
        out.push('-');
    }
    Some(out.iter().rev().collect())
}

fn pad_decimals(t: &str, d: usize) -> String {
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if d == 0 {
        return int.to_string();
    }
    let mut frac = frac.to_string();
    frac.truncate(d);
    while frac.len() < d {
        frac.push('0');
    }
    format!("{int}.{frac}")
}

/// A locale's number format (MySQL's `MY_LOCALE`): name, decimal point, thousands
/// separator (0 where the locale has none: with grouping, MySQL then writes a 0 byte)
/// and grouping (0: none, 3: by thousands, 32: three digits, then by twos).
type Locale = (&'static str, u8, u8, u8);

/// MySQL 8.0's locales (the names `lc_time_names` takes), sorted by name.
const LOCALES: &[Locale] = &[
    ("ar_AE", b'.', b',', 3),
    ("ar_BH", b'.', b',', 3),
    ("ar_DZ", b'.', b',', 3),
    ("ar_EG", b'.', b',', 3),
    ("ar_IN", b'.', b',', 3),
    ("ar_IQ", b'.', b',', 3),
    ("ar_JO", b'.', b',', 3),
    ("ar_KW", b'.', b',', 3),
    ("ar_LB", b'.', b',', 3),
    ("ar_LY", b'.', b',', 3),
    ("ar_MA", b'.', b',', 3),
    ("ar_OM", b'.', b',', 3),
    ("ar_QA", b'.', b',', 3),
    ("ar_SA", b'.', 0, 0),
    ("ar_SD", b'.', b',', 3),
    ("ar_SY", b'.', b',', 3),
    ("ar_TN", b'.', b',', 3),
    ("ar_YE", b'.', b',', 3),
    ("be_BY", b',', b'.', 3),
    ("bg_BG", b',', 0, 3),
    ("ca_ES", b',', 0, 0),
    ("cs_CZ", b',', b' ', 3),
    ("da_DK", b',', b'.', 3),
    ("de_AT", b',', 0, 0),
    ("de_BE", b',', b'.', 3),
    ("de_CH", b'.', b'\'', 3),
    ("de_DE", b',', b'.', 3),
    ("de_LU", b',', b'.', 3),
    ("el_GR", b',', b'.', 0),
    ("en_AU", b'.', b',', 3),
    ("en_CA", b'.', b',', 3),
    ("en_GB", b'.', b',', 3),
    ("en_IN", b'.', b',', 32),
    ("en_NZ", b'.', b',', 3),
    ("en_PH", b'.', b',', 3),
    ("en_US", b'.', b',', 3),
    ("en_ZA", b'.', b',', 3),
    ("en_ZW", b'.', b',', 3),
    ("es_AR", b',', b'.', 3),
    ("es_BO", b',', b'.', 3),
    ("es_CL", b',', b'.', 3),
    ("es_CO", b',', b'.', 3),
    ("es_CR", b',', b' ', 3),
    ("es_DO", b'.', b',', 3),
    ("es_EC", b',', b'.', 3),
    ("es_ES", b',', b'.', 3),
    ("es_GT", b'.', b',', 3),
    ("es_HN", b'.', b',', 3),
    ("es_MX", b'.', b',', 3),
    ("es_NI", b'.', b',', 3),
    ("es_PA", b'.', b',', 3),
    ("es_PE", b'.', b',', 3),
    ("es_PR", b'.', b',', 3),
    ("es_PY", b',', b'.', 3),
    ("es_SV", b'.', b',', 3),
    ("es_US", b'.', b',', 3),
    ("es_UY", b',', b'.', 3),
    ("es_VE", b',', b'.', 3),
    ("et_EE", b',', b' ', 3),
    ("eu_ES", b',', 0, 0),
    ("fi_FI", b',', b' ', 3),
    ("fo_FO", b',', b'.', 3),
    ("fr_BE", b',', b'.', 0),
    ("fr_CA", b',', b' ', 0),
    ("fr_CH", b',', 0, 0),
    ("fr_FR", b',', 0, 0),
    ("fr_LU", b',', 0, 0),
    ("gl_ES", b',', 0, 0),
    ("gu_IN", b'.', b',', 3),
    ("he_IL", b'.', b',', 3),
    ("hi_IN", b'.', b',', 3),
    ("hr_HR", b',', 0, 0),
    ("hu_HU", b',', b'.', 3),
    ("id_ID", b',', b'.', 3),
    ("is_IS", b',', b'.', 3),
    ("it_CH", b',', b'\'', 3),
    ("it_IT", b',', 0, 0),
    ("ja_JP", b'.', b',', 3),
    ("ko_KR", b'.', b',', 3),
    ("lt_LT", b',', b'.', 3),
    ("lv_LV", b',', b' ', 3),
    ("mk_MK", b',', b' ', 3),
    ("mn_MN", b',', b'.', 3),
    ("ms_MY", b'.', b',', 3),
    ("nb_NO", b',', b'.', 3),
    ("nl_BE", b',', b'.', 0),
    ("nl_NL", b',', 0, 0),
    ("no_NO", b',', b'.', 3),
    ("pl_PL", b',', 0, 0),
    ("pt_BR", b',', 0, 0),
    ("pt_PT", b',', 0, 0),
    ("rm_CH", b',', b'\'', 3),
    ("ro_RO", b',', b'.', 3),
    ("ru_RU", b',', b' ', 3),
    ("ru_UA", b',', b'.', 3),
    ("sk_SK", b',', b' ', 3),
    ("sl_SI", b',', b' ', 0),
    ("sq_AL", b',', b'.', 3),
    ("sr_RS", b'.', 0, 0),
    ("sv_FI", b',', b' ', 3),
    ("sv_SE", b',', b' ', 3),
    ("ta_IN", b'.', b',', 32),
    ("te_IN", b'.', b',', 32),
    ("th_TH", b'.', b',', 3),
    ("tr_TR", b',', b'.', 3),
    ("uk_UA", b',', b'.', 3),
    ("ur_PK", b'.', b',', 3),
    ("vi_VN", b',', b'.', 3),
    ("zh_CN", b'.', b',', 3),
    ("zh_HK", b'.', b',', 3),
    ("zh_TW", b'.', b',', 3),
];

const EN_US: usize = {
    let mut i = 0;
    while !matches!(LOCALES[i].0.as_bytes(), b"en_US") {
        i += 1;
    }
    i
};

/// A locale by name (case-insensitive, as MySQL's lookup).
fn locale(name: &[u8]) -> Option<&'static Locale> {
    LOCALES
        .iter()
        .find(|l| l.0.as_bytes().eq_ignore_ascii_case(name))
}

/// `-1234567.89` (a plain decimal number) written with a locale's decimal point and
/// digit grouping.
fn localize_number(s: &str, l: &Locale) -> Vec<u8> {
    let (_, point, sep, grouping) = *l;
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    // Groups from the right: the first of `first` digits, the rest of `then`.
    let (first, then) = match grouping {
        3 => (3, 3),
        32 => (3, 2),
        _ => (usize::MAX, usize::MAX),
    };
    let mut rev: Vec<u8> = Vec::with_capacity(int.len() * 2 + 2);
    let (mut count, mut size) = (0usize, first);
    for &d in int.as_bytes().iter().rev() {
        if count == size {
            rev.push(sep);
            count = 0;
            size = then;
        }
        rev.push(d);
        count += 1;
    }
    let mut out = sign.as_bytes().to_vec();
    out.extend(rev.iter().rev());
    if let Some(f) = frac {
        out.push(point);
        out.extend_from_slice(f.as_bytes());
    }
    out
}

#[cfg(test)]
#[test]
fn locales_group_as_mysql() {
    let f = |s: &str, n: &str| {
        String::from_utf8(localize_number(s, locale(n.as_bytes()).unwrap())).unwrap()
    };
    assert_eq!(f("-1234567.89", "de_DE"), "-1.234.567,89");
    assert_eq!(f("1234567890.5", "en_IN"), "1,23,45,67,890.5");
    assert_eq!(f("1234567.89", "de_CH"), "1'234'567.89");
    assert_eq!(f("1234567.89", "fr_FR"), "1234567,89");
    assert_eq!(f("123", "EN_us"), "123");
    assert!(LOCALES.windows(2).all(|w| w[0].0 < w[1].0));
}

/// MySQL's SOUNDEX: the first letter, then the codes of the following letters with
/// repeats folded, at least four characters (longer results are kept, as MySQL does).
fn soundex(s: &str) -> String {
    fn code(c: char) -> Option<char> {
        Some(match c.to_ascii_uppercase() {
            'B' | 'F' | 'P' | 'V' => '1',
            'C' | 'G' | 'J' | 'K' | 'Q' | 'S' | 'X' | 'Z' => '2',
            'D' | 'T' => '3',
            'L' => '4',
            'M' | 'N' => '5',
            'R' => '6',
            _ => return None,
        })
    }
    let mut letters = s.chars().filter(|c| c.is_alphabetic());
    let Some(first) = letters.next() else {
        return String::new();
    };
    let mut out: String = first.to_uppercase().collect();
    let mut last = code(first);
    for c in letters {
        // Only a written code counts as the last one: vowels, H and W do not separate
        // repeats in MySQL's SOUNDEX (`Tymczak` is T520).
        if let Some(k) = code(c) {
            if Some(k) != last {
                out.push(k);
                last = Some(k);
            }
        }
    }
    while out.chars().count() < 4 {
        out.push('0');
    }
    out
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(super) fn to_base64(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len().div_ceil(3) * 4 + s.len() / 57);
    let mut line = 0;
    for chunk in s.chunks(3) {
        if line == 76 {
            out.push(b'\n');
            line = 0;
        }
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        out.push(B64[(n >> 18) as usize & 63]);
        out.push(B64[(n >> 12) as usize & 63]);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63]
        } else {
            b'='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63]
        } else {
            b'='
        });
        line += 4;
    }
    out
}

fn from_base64(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits, mut pads, mut n) = (0u32, 0u32, 0, 0usize);
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                pads += 1;
                n += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        if pads > 0 {
            return None;
        }
        n += 1;
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if pads > 2 || !n.is_multiple_of(4) {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_with_mysql_wrapping() {
        assert_eq!(to_base64(b"abc"), b"YWJj");
        assert_eq!(to_base64(b"a"), b"YQ==");
        let long = vec![b'x'; 100];
        let enc = to_base64(&long);
        assert_eq!(enc.iter().position(|&b| b == b'\n'), Some(76));
        assert_eq!(from_base64(&enc).unwrap(), long);
        assert_eq!(from_base64(b"YQ=="), Some(b"a".to_vec()));
        assert_eq!(from_base64(b"Y!=="), None);
    }

    #[test]
    fn conv_follows_mysql() {
        assert_eq!(conv(b"a", 16, 2).as_deref(), Some("1010"));
        assert_eq!(conv(b"6E", 18, 8).as_deref(), Some("172"));
        assert_eq!(conv(b"-17", 10, -18).as_deref(), Some("-H"));
        assert_eq!(conv(b"10", 10, 10).as_deref(), Some("10"));
        assert_eq!(conv(b"1", 1, 10), None);
    }

    #[test]
    fn thousands() {
        assert_eq!(localize_number("12332.12", &LOCALES[EN_US]), b"12,332.12");
        assert_eq!(localize_number("-1234567", &LOCALES[EN_US]), b"-1,234,567");
        assert_eq!(localize_number("123", &LOCALES[EN_US]), b"123");
    }

    #[test]
    fn soundex_words() {
        assert_eq!(soundex("Hello"), "H400");
        assert_eq!(soundex("Quadratically"), "Q36324");
        assert_eq!(soundex("Tymczak"), "T520");
    }
}
