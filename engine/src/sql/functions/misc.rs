//! Miscellaneous functions: the user-level locks (GET_LOCK and friends, whose registry
//! is `sql::userlocks`), ANY_VALUE, INTERVAL(N, N1, ...), BENCHMARK (whose loop runs in
//! `Expr::eval`, which evaluates its expression again and again), CURRENT_ROLE,
//! FORMAT_BYTES / FORMAT_PICO_TIME, GTID set arithmetic on text (GTID_SUBSET,
//! GTID_SUBTRACT) and LOAD_FILE.

use super::{text, Func};
use crate::sql::error::{SqlError, SqlResult};
use crate::sql::expr::{ColType, EvalCx};
use crate::sql::userlocks::Got;
use crate::value::{Collation, IntKind, LobKind, SqlType, Value, Warning};

/// The result type of a function of this family; `None` for other functions.
pub(super) fn result_type(f: Func, args: &[ColType]) -> Option<ColType> {
    use Func::*;
    Some(match f {
        GetLock | ReleaseLock | IsFreeLock => Some(SqlType::Int {
            kind: IntKind::Big,
            unsigned: false,
            width: None,
        }),
        ReleaseAllLocks | IsUsedLock => Some(SqlType::Int {
            kind: IntKind::Big,
            unsigned: true,
            width: None,
        }),
        AnyValue => args.first().cloned().flatten(),
        IntervalFn | Benchmark | GtidSubset => Some(SqlType::Int {
            kind: IntKind::Big,
            unsigned: false,
            width: None,
        }),
        CurrentRole => Some(SqlType::VarChar {
            len: 4,
            collation: Collation::Utf8mb3GeneralCi,
        }),
        FormatBytes | FormatPicoTime => Some(SqlType::VarChar {
            len: 11,
            collation: Collation::Utf8mb3GeneralCi,
        }),
        GtidSubtract => Some(SqlType::Text {
            kind: LobKind::Long,
            collation: Collation::Utf8mb4GeneralCi,
        }),
        LoadFile => Some(SqlType::Blob {
            kind: LobKind::Long,
        }),
        _ => return None,
    })
}

/// Evaluates a function of this family; `None` for other functions.
pub(super) fn call(f: Func, a: &[Value], cx: &EvalCx) -> Option<SqlResult<Value>> {
    use Func::*;
    result_type(f, &[])?;
    match f {
        AnyValue => return Some(Ok(a.first().cloned().unwrap_or(Value::Null))),
        IntervalFn => return Some(Ok(interval(a))),
        // Reached only when BENCHMARK's arguments were evaluated elsewhere (a constant
        // folded alone): the loop itself is in `Expr::eval`.
        Benchmark => {
            return Some(Ok(
                benchmark_count(a.first(), cx).map_or(Value::Null, |_| Value::Int(0))
            ))
        }
        // Borealis has no roles: none is ever active.
        CurrentRole => return Some(Ok(Value::Bytes(b"NONE".to_vec()))),
        FormatBytes | FormatPicoTime => return Some(format_units(f, a.first())),
        GtidSubset | GtidSubtract => return Some(gtid_fn(f, a)),
        // secure_file_priv is NULL (fixed): as in MySQL, no file may be read then.
        LoadFile => return Some(Ok(Value::Null)),
        _ => {}
    }
    let Some(locks) = cx.user_locks.as_ref() else {
        return Some(Err(SqlError::new(
            1235,
            "This version of Borealis doesn't yet support user-level locks here",
        )));
    };
    let name = a.first().and_then(text);
    let bad_name = || SqlError::new(3057, "Incorrect user-level lock name 'NULL'.");
    Some((|| {
        Ok(match f {
            GetLock => {
                let name = name.ok_or_else(bad_name)?;
                // A NULL timeout waits no time, as MySQL's (0).
                let timeout = a.get(1).and_then(Value::to_f64).unwrap_or(0.0);
                match locks.get(cx.conn_id, &name, timeout, &cx.interrupt)? {
                    Got::Taken => Value::Int(1),
                    Got::TimedOut => Value::Int(0),
                }
            }
            ReleaseLock => {
                let name = name.ok_or_else(bad_name)?;
                match locks.release(cx.conn_id, &name)? {
                    Some(true) => Value::Int(1),
                    Some(false) => Value::Int(0),
                    None => Value::Null,
                }
            }
            ReleaseAllLocks => Value::UInt(locks.release_all(cx.conn_id)),
            IsFreeLock => {
                let name = name.ok_or_else(bad_name)?;
                Value::Int(i64::from(locks.holder(&name)?.is_none()))
            }
            IsUsedLock => {
                let name = name.ok_or_else(bad_name)?;
                locks
                    .holder(&name)?
                    .map_or(Value::Null, |c| Value::UInt(u64::from(c)))
            }
            _ => Value::Null,
        })
    })())
}

/// INTERVAL(N, N1, N2, ...): the position of the first Ni greater than N (so for a
/// sorted list, how many are <= N), -1 for a NULL N; NULLs in the list are skipped.
/// With more than eight arguments and no NULL, MySQL searches the list by halves,
/// taking it as sorted: so does this.
fn interval(a: &[Value]) -> Value {
    let Some(n) = a.first().and_then(Value::to_f64) else {
        return Value::Int(-1);
    };
    let list = &a[1..];
    if a.len() <= 8 || list.iter().any(Value::is_null) {
        let first_above = list.iter().position(|v| v.to_f64().is_some_and(|x| x > n));
        return Value::Int(first_above.unwrap_or(list.len()) as i64);
    }
    let x = |i: usize| list[i].to_f64().unwrap_or(0.0);
    let (mut start, mut end) = (0usize, list.len() - 1);
    while start != end {
        let mid = (start + end).div_ceil(2);
        if x(mid) <= n {
            start = mid;
        } else {
            end = mid - 1;
        }
    }
    Value::Int(if n < x(start) { 0 } else { start as i64 + 1 })
}

/// BENCHMARK's loop count: `None` (the result is NULL) for a NULL or negative count, the
/// latter with MySQL's warning 1411.
pub(crate) fn benchmark_count(v: Option<&Value>, cx: &EvalCx) -> Option<u64> {
    match v? {
        Value::Null => None,
        Value::UInt(u) => Some(*u),
        v => {
            let n = super::int_arg(v)?;
            if n < 0 {
                cx.warn(Warning::warn(
                    1411,
                    format!("Incorrect count value: '{n}' for function benchmark"),
                ));
                return None;
            }
            Some(n as u64)
        }
    }
}

/// C's `%4.2e`: two digits after the point and an exponent of at least two digits.
fn c_exp(v: f64) -> String {
    let s = format!("{v:.2e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let sign = if e < 0 { '-' } else { '+' };
    format!("{m}e{sign}{:02}", e.unsigned_abs())
}

/// FORMAT_BYTES / FORMAT_PICO_TIME: the value in the largest unit it reaches, with two
/// decimals (`%4.2f`, `%4.2e` from 100000 units), or a whole number below the first
/// unit (`%4d bytes`, `%3d ps`). A non-numeric argument is error 1690, as in MySQL.
fn format_units(f: Func, v: Option<&Value>) -> SqlResult<Value> {
    let x = match v {
        None | Some(Value::Null) => return Ok(Value::Null),
        Some(
            v @ (Value::Int(_)
            | Value::UInt(_)
            | Value::Double(_)
            | Value::Float(_)
            | Value::Decimal(_)),
        ) => v.to_f64().unwrap_or(0.0),
        Some(_) => {
            return Err(SqlError::new(
                1690,
                format!(
                    "Input value is out of range in '{}'",
                    f.name().to_ascii_lowercase()
                ),
            ))
        }
    };
    let units: &[(f64, &str)] = if f == Func::FormatBytes {
        &[
            (1024f64 * 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0, "EiB"),
            (1024f64 * 1024.0 * 1024.0 * 1024.0 * 1024.0, "PiB"),
            (1024f64 * 1024.0 * 1024.0 * 1024.0, "TiB"),
            (1024f64 * 1024.0 * 1024.0, "GiB"),
            (1024f64 * 1024.0, "MiB"),
            (1024f64, "KiB"),
        ]
    } else {
        &[
            (86_400e12, "d"),
            (3_600e12, "h"),
            (60e12, "min"),
            (1e12, "s"),
            (1e9, "ms"),
            (1e6, "us"),
            (1e3, "ns"),
        ]
    };
    let s = match units.iter().find(|(d, _)| x.abs() >= *d) {
        Some((d, unit)) => {
            let v = x / d;
            if v.abs() >= 100_000.0 {
                format!("{} {unit}", c_exp(v))
            } else {
                format!("{v:4.2} {unit}")
            }
        }
        None => {
            // C's (int) cast of a double: truncated (the value is below 1024 here).
            let n = x.trunc() as i64;
            if f == Func::FormatBytes {
                format!("{n:4} bytes")
            } else {
                format!("{n:3} ps")
            }
        }
    };
    Ok(Value::Bytes(s.into_bytes()))
}

/// A GTID set: per source UUID (lower-case, with dashes) its transaction numbers as
/// sorted, disjoint, non-adjacent inclusive intervals.
type GtidSet = std::collections::BTreeMap<String, Vec<(u64, u64)>>;

/// Parses MySQL's text form `uuid:1-5:7, uuid2:3` (whitespace around the parts is
/// allowed, the empty string is the empty set); error 1772 when malformed.
fn parse_gtid_set(text: &[u8]) -> SqlResult<GtidSet> {
    let s = String::from_utf8_lossy(text);
    let bad = || {
        SqlError::new(
            1772,
            format!(
                "Malformed GTID set specification '{}'.",
                s.chars().take(200).collect::<String>()
            ),
        )
    };
    let mut set = GtidSet::new();
    if s.trim().is_empty() {
        return Ok(set);
    }
    for part in s.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let mut fields = part.split(':');
        let uuid = fields.next().unwrap_or("").trim();
        let hex: String = uuid.chars().filter(|c| *c != '-').collect();
        if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        // 8-4-4-4-12 or no dashes at all.
        if uuid.contains('-')
            && uuid.split('-').map(str::len).collect::<Vec<_>>() != [8, 4, 4, 4, 12]
        {
            return Err(bad());
        }
        let hex = hex.to_ascii_lowercase();
        let uuid = format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        );
        let ivs = set.entry(uuid).or_default();
        for f in fields {
            let f = f.trim();
            let num = |t: &str| {
                let t = t.trim();
                if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                t.parse::<u64>()
                    .ok()
                    .filter(|n| (1..=i64::MAX as u64 - 1).contains(n))
            };
            let (lo, hi) = match f.split_once('-') {
                Some((a, b)) => (num(a).ok_or_else(bad)?, num(b).ok_or_else(bad)?),
                None => {
                    let n = num(f).ok_or_else(bad)?;
                    (n, n)
                }
            };
            if hi < lo {
                return Err(bad());
            }
            ivs.push((lo, hi));
        }
    }
    for ivs in set.values_mut() {
        ivs.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ivs.len());
        for &(lo, hi) in ivs.iter() {
            match merged.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        *ivs = merged;
    }
    set.retain(|_, ivs| !ivs.is_empty());
    Ok(set)
}

/// `a` without the numbers in `b` (both sorted, disjoint).
fn subtract_intervals(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for &(mut lo, hi) in a {
        for &(blo, bhi) in b {
            if bhi < lo || blo > hi {
                continue;
            }
            if blo > lo {
                out.push((lo, blo - 1));
            }
            if bhi >= hi {
                lo = u64::MAX;
                break;
            }
            lo = bhi + 1;
        }
        if lo != u64::MAX && lo <= hi {
            out.push((lo, hi));
        }
    }
    out
}

/// MySQL's text form: UUIDs in order, `,\n` between them.
fn gtid_text(set: &GtidSet) -> String {
    set.iter()
        .map(|(uuid, ivs)| {
            let mut s = uuid.clone();
            for &(lo, hi) in ivs {
                if lo == hi {
                    s.push_str(&format!(":{lo}"));
                } else {
                    s.push_str(&format!(":{lo}-{hi}"));
                }
            }
            s
        })
        .collect::<Vec<_>>()
        .join(",\n")
}

fn gtid_fn(f: Func, a: &[Value]) -> SqlResult<Value> {
    let (Some(x), Some(y)) = (a.first().and_then(text), a.get(1).and_then(text)) else {
        return Ok(Value::Null);
    };
    let (x, y) = (parse_gtid_set(&x)?, parse_gtid_set(&y)?);
    let diff: GtidSet = x
        .iter()
        .map(|(u, ivs)| {
            let rest = match y.get(u) {
                Some(b) => subtract_intervals(ivs, b),
                None => ivs.clone(),
            };
            (u.clone(), rest)
        })
        .filter(|(_, ivs)| !ivs.is_empty())
        .collect();
    Ok(if f == Func::GtidSubset {
        Value::Int(i64::from(diff.is_empty()))
    } else {
        Value::Bytes(gtid_text(&diff).into_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(f: Func, v: Value) -> String {
        match format_units(f, Some(&v)).unwrap() {
            Value::Bytes(b) => String::from_utf8(b).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn format_units_as_mysql_documents() {
        assert_eq!(fmt(Func::FormatBytes, Value::Int(512)), " 512 bytes");
        assert_eq!(fmt(Func::FormatBytes, Value::Int(-2048)), "-2.00 KiB");
        assert_eq!(
            fmt(Func::FormatBytes, Value::UInt(18_446_644_073_709_551_615)),
            "16.00 EiB"
        );
        assert_eq!(fmt(Func::FormatBytes, Value::Int(23_487_234)), "22.40 MiB");
        assert_eq!(fmt(Func::FormatPicoTime, Value::Int(3501)), "3.50 ns");
        assert_eq!(
            fmt(Func::FormatPicoTime, Value::Int(188_732_396_662_000)),
            "3.15 min"
        );
        assert_eq!(fmt(Func::FormatPicoTime, Value::Int(43)), " 43 ps");
        assert_eq!(fmt(Func::FormatPicoTime, Value::Double(1e30)), "1.16e+13 d");
        assert!(fmt(Func::FormatPicoTime, Value::Double(f64::MAX)).ends_with(" d"));
    }

    #[test]
    fn gtid_arithmetic() {
        let u = "3E11FA47-71CA-11E1-9E33-C80AA9429562";
        let sub = |a: &str, b: &str| match gtid_fn(
            Func::GtidSubtract,
            &[Value::Bytes(a.into()), Value::Bytes(b.into())],
        )
        .unwrap()
        {
            Value::Bytes(b) => String::from_utf8(b).unwrap(),
            v => panic!("{v:?}"),
        };
        assert_eq!(
            sub(&format!("{u}:21-57"), &format!("{u}:21")),
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:22-57"
        );
        assert_eq!(
            sub(&format!("{u}:1-10:12"), &format!("{u}:3-4:12")),
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-2:5-10"
        );
        assert!(parse_gtid_set(b"nonsense:1").is_err());
        assert!(parse_gtid_set(format!("{u}:0").as_bytes()).is_err());
        assert!(parse_gtid_set(format!("{u}:5-3").as_bytes()).is_err());
        assert_eq!(sub("", ""), "");
    }

    /// The functions of this file with extreme arguments: no panic, no huge result.
    #[test]
    fn extreme_arguments() {
        let cx = EvalCx::new(0, crate::sql::vars::TimeZone::System);
        let extremes = [
            Value::Null,
            Value::Int(i64::MIN),
            Value::Int(i64::MAX),
            Value::Int(-1),
            Value::UInt(u64::MAX),
            Value::Double(f64::NAN),
            Value::Double(f64::INFINITY),
            Value::Double(f64::NEG_INFINITY),
            Value::Double(-1e308),
            Value::Bytes(vec![0xFF, 0, b':', b'-', b',']),
            Value::Bytes(b"3E11FA47-71CA-11E1-9E33-C80AA9429562:1-9223372036854775806".to_vec()),
            Value::Bytes(b"3E11FA47-71CA-11E1-9E33-C80AA9429562:9223372036854775807".to_vec()),
        ];
        for f in [
            Func::IntervalFn,
            Func::CurrentRole,
            Func::FormatBytes,
            Func::FormatPicoTime,
            Func::GtidSubset,
            Func::GtidSubtract,
            Func::LoadFile,
            Func::CharUsing,
            Func::Format,
        ] {
            let (lo, hi) = f.arity();
            for n in lo..=hi.min(lo + 2) {
                for x in &extremes {
                    for y in &extremes {
                        let mut args = vec![x.clone(); n];
                        if n > 1 {
                            args[n - 1] = y.clone();
                        }
                        if let Ok(Value::Bytes(b)) = super::super::call(f, args, &cx) {
                            assert!(b.len() < 1024, "{f:?}");
                        }
                    }
                }
            }
        }
        // BENCHMARK's count outside the loop: NULL for a negative count.
        assert_eq!(benchmark_count(Some(&Value::Int(i64::MIN)), &cx), None);
        assert_eq!(
            benchmark_count(Some(&Value::Double(f64::NAN)), &cx),
            Some(0)
        );
    }

    #[test]
    fn interval_searches_like_mysql() {
        let i = |v: &[i64]| interval(&v.iter().map(|x| Value::Int(*x)).collect::<Vec<_>>());
        assert_eq!(i(&[23, 1, 15, 17, 30, 44, 200]), Value::Int(3));
        assert_eq!(i(&[10, 1, 10, 100, 1000]), Value::Int(2));
        assert_eq!(i(&[22, 23, 30, 44, 200]), Value::Int(0));
        assert_eq!(interval(&[Value::Null, Value::Int(1)]), Value::Int(-1));
        // Unsorted: a scan up to eight arguments, a search by halves beyond.
        assert_eq!(i(&[3, 5, 1, 2]), Value::Int(0));
        assert_eq!(i(&[3, 5, 1, 2, 2, 2, 2, 2, 2]), Value::Int(8));
    }
}
