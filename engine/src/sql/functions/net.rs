//! Network addresses and UUIDs: INET_ATON, INET_NTOA, INET6_ATON, INET6_NTOA, IS_IPV4,
//! IS_IPV6, IS_IPV4_COMPAT, IS_IPV4_MAPPED, UUID_TO_BIN, BIN_TO_UUID, IS_UUID and
//! UUID_SHORT. Addresses parse with std's parsers; the forms MySQL adds (INET_ATON's short
//! `127.1`, `::1.2.3.4` output) are written out here.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use super::{int_arg, text, Func};
use crate::sql::error::{SqlError, SqlResult};
use crate::sql::expr::{ColType, EvalCx};
use crate::value::{Collation, IntKind, SqlType, Value};

/// The result type of a function of this family; `None` for other functions.
pub(super) fn result_type(f: Func) -> Option<ColType> {
    use Func::*;
    let int = |unsigned| {
        Some(SqlType::Int {
            kind: IntKind::Big,
            unsigned,
            width: None,
        })
    };
    let text = |len| {
        Some(SqlType::VarChar {
            len,
            collation: Collation::Utf8mb4GeneralCi,
        })
    };
    Some(match f {
        InetAton | UuidShort => int(true),
        IsIpv4 | IsIpv6 | IsIpv4Compat | IsIpv4Mapped | IsUuid => int(false),
        InetNtoa => text(15),
        Inet6Ntoa => text(39),
        BinToUuid => text(36),
        Inet6Aton | UuidToBin => Some(SqlType::VarBinary { len: 16 }),
        _ => return None,
    })
}

/// MySQL's INET_ATON: up to four dotted bytes; fewer parts put the last one at the end
/// (`127.1` is 127.0.0.1).
fn inet_aton(s: &[u8]) -> Option<u64> {
    let (mut result, mut byte, mut dots) = (0u64, 0u64, 0);
    let mut last = 0u8;
    for &c in s {
        last = c;
        match c {
            b'0'..=b'9' => {
                byte = byte * 10 + u64::from(c - b'0');
                if byte > 255 {
                    return None;
                }
            }
            b'.' => {
                dots += 1;
                if dots > 3 {
                    return None;
                }
                result = result << 8 | byte;
                byte = 0;
            }
            _ => return None,
        }
    }
    if s.is_empty() || last == b'.' {
        return None;
    }
    result <<= 8 * (3 - dots);
    Some(result << 8 | byte)
}

fn v4(s: &str) -> Option<Ipv4Addr> {
    s.parse().ok()
}

fn v6(s: &str) -> Option<Ipv6Addr> {
    if s.contains('%') {
        return None;
    }
    s.parse().ok()
}

/// MySQL's text of an IPv6 address: IPv4-compatible and IPv4-mapped addresses end in
/// dotted form.
fn inet6_ntoa(a: Ipv6Addr) -> String {
    let o = a.octets();
    let tail = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    if o[..12].iter().all(|&b| b == 0) && u32::from(tail) > 1 {
        format!("::{tail}")
    } else if o[..10].iter().all(|&b| b == 0) && o[10] == 0xff && o[11] == 0xff {
        format!("::ffff:{tail}")
    } else {
        a.to_string()
    }
}

fn uuid_bytes(s: &[u8]) -> Option<[u8; 16]> {
    let s = std::str::from_utf8(s).ok()?;
    let s = match s.strip_prefix('{') {
        Some(r) => r.strip_suffix('}')?,
        None => s,
    };
    let digits: String = match s.len() {
        32 => s.to_string(),
        36 => {
            let b = s.as_bytes();
            if [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
                return None;
            }
            s.replace('-', "")
        }
        _ => return None,
    };
    if digits.len() != 32 || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// UUID_TO_BIN(…, 1) puts the time-high and time-mid fields first (index-friendly).
fn swap(b: [u8; 16]) -> [u8; 16] {
    let mut o = [0u8; 16];
    o[..2].copy_from_slice(&b[6..8]);
    o[2..4].copy_from_slice(&b[4..6]);
    o[4..8].copy_from_slice(&b[..4]);
    o[8..].copy_from_slice(&b[8..]);
    o
}

fn unswap(o: [u8; 16]) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[6..8].copy_from_slice(&o[..2]);
    b[4..6].copy_from_slice(&o[2..4]);
    b[..4].copy_from_slice(&o[4..8]);
    b[8..].copy_from_slice(&o[8..]);
    b
}

fn bad_uuid(f: Func, v: &Value) -> SqlError {
    let shown = match v {
        Value::Bytes(b) if std::str::from_utf8(b).is_ok() => String::from_utf8_lossy(b).into(),
        Value::Bytes(b) => b.iter().map(|x| format!("\\x{x:02X}")).collect(),
        other => String::from_utf8_lossy(&other.to_text().unwrap_or_default()).into_owned(),
    };
    SqlError::new(
        1411,
        format!(
            "Incorrect string value: '{shown}' for function {}",
            f.name().to_ascii_lowercase()
        ),
    )
}

/// UUID_SHORT's counter: MySQL starts it at (server_id & 255) << 56 | startup seconds << 24.
fn uuid_short(server_id: u32) -> u64 {
    static NEXT: OnceLock<AtomicU64> = OnceLock::new();
    let next = NEXT.get_or_init(|| {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        AtomicU64::new(u64::from(server_id & 255) << 56 | (secs & 0xFF_FFFF_FFFF) << 24)
    });
    next.fetch_add(1, Ordering::Relaxed)
}

/// Evaluates a function of this family; `None` for other functions.
pub(super) fn call(f: Func, a: &[Value], cx: &EvalCx) -> Option<SqlResult<Value>> {
    use Func::*;
    let null = Value::Null;
    let arg = |i: usize| a.get(i).unwrap_or(&null);
    result_type(f)?;
    if f == UuidShort {
        return Some(Ok(Value::UInt(uuid_short(cx.server_id))));
    }
    if arg(0).is_null() {
        return Some(Ok(match f {
            IsIpv4 | IsIpv6 | IsIpv4Compat | IsIpv4Mapped => Value::Int(0),
            _ => Value::Null,
        }));
    }
    let b = text(arg(0)).unwrap_or_default();
    let s = String::from_utf8_lossy(&b).into_owned();
    let flag = |x: bool| Value::Int(i64::from(x));
    Some(Ok(match f {
        InetAton => inet_aton(&b).map_or(Value::Null, Value::UInt),
        InetNtoa => match int_arg(arg(0)) {
            Some(n) if (0..=i64::from(u32::MAX)).contains(&n) => {
                Value::Bytes(Ipv4Addr::from(n as u32).to_string().into_bytes())
            }
            _ => Value::Null,
        },
        Inet6Aton => match (v4(&s), v6(&s)) {
            (Some(a), _) => Value::Bytes(a.octets().to_vec()),
            (None, Some(a)) => Value::Bytes(a.octets().to_vec()),
            _ => Value::Null,
        },
        Inet6Ntoa => match b.len() {
            4 => Value::Bytes(
                Ipv4Addr::new(b[0], b[1], b[2], b[3])
                    .to_string()
                    .into_bytes(),
            ),
            16 => {
                let o: [u8; 16] = b[..].try_into().unwrap_or([0; 16]);
                Value::Bytes(inet6_ntoa(Ipv6Addr::from(o)).into_bytes())
            }
            _ => Value::Null,
        },
        IsIpv4 => flag(v4(&s).is_some()),
        IsIpv6 => flag(v6(&s).is_some()),
        IsIpv4Compat => flag(b.len() == 16 && b[..12].iter().all(|&x| x == 0)),
        IsIpv4Mapped => {
            flag(b.len() == 16 && b[..10].iter().all(|&x| x == 0) && b[10] == 0xff && b[11] == 0xff)
        }
        IsUuid => flag(uuid_bytes(&b).is_some()),
        UuidToBin => {
            let Some(u) = uuid_bytes(&b) else {
                return Some(Err(bad_uuid(f, arg(0))));
            };
            let swapped = a.get(1).and_then(int_arg).unwrap_or(0) != 0;
            Value::Bytes(if swapped { swap(u) } else { u }.to_vec())
        }
        BinToUuid => {
            let Ok(o) = <[u8; 16]>::try_from(&b[..]) else {
                return Some(Err(bad_uuid(f, arg(0))));
            };
            let swapped = a.get(1).and_then(int_arg).unwrap_or(0) != 0;
            let u = if swapped { unswap(o) } else { o };
            let h: String = u.iter().map(|x| format!("{x:02x}")).collect();
            Value::Bytes(
                format!(
                    "{}-{}-{}-{}-{}",
                    &h[..8],
                    &h[8..12],
                    &h[12..16],
                    &h[16..20],
                    &h[20..]
                )
                .into_bytes(),
            )
        }
        _ => return None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_aton_short_forms() {
        assert_eq!(inet_aton(b"10.0.5.9"), Some(167773449));
        assert_eq!(inet_aton(b"127.1"), Some(2130706433));
        assert_eq!(inet_aton(b"1.2.3.4.5"), None);
        assert_eq!(inet_aton(b"1.2."), None);
        assert_eq!(inet_aton(b"256.1.1.1"), None);
    }

    #[test]
    fn uuid_swap_round_trips() {
        let u = uuid_bytes(b"6ccd780c-baba-1026-9564-5b8c656024db").unwrap();
        assert_eq!(unswap(swap(u)), u);
        assert_eq!(&swap(u)[..4], &[0x10, 0x26, 0xba, 0xba]);
        assert!(uuid_bytes(b"{6ccd780cbaba102695645b8c656024db}").is_some());
        assert!(uuid_bytes(b"6ccd780c-baba-1026-9564-5b8c656024dx").is_none());
    }

    #[test]
    fn ipv6_text_is_mysqls() {
        assert_eq!(inet6_ntoa("::1.2.3.4".parse().unwrap()), "::1.2.3.4");
        assert_eq!(
            inet6_ntoa("::ffff:1.2.3.4".parse().unwrap()),
            "::ffff:1.2.3.4"
        );
        assert_eq!(
            inet6_ntoa("fdfe::5a55:caff:fefa:9089".parse().unwrap()),
            "fdfe::5a55:caff:fefa:9089"
        );
        assert_eq!(inet6_ntoa("::1".parse().unwrap()), "::1");
    }
}
