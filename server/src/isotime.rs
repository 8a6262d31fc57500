//! ISO-8601 UTC times as the RDS API writes and reads them (`2026-11-22T10:04:05.123Z`).

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2026-11-22T10:04:05.123456Z` from microseconds since the epoch.
pub fn format_us(us: u64) -> String {
    let secs = (us / 1_000_000) as i64;
    let frac = us % 1_000_000;
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{frac:06}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// `YYYYMMDD` and `YYYYMMDDTHHMMSSZ` (SigV4's date and X-Amz-Date) of a unix time.
pub fn amz_date(unix_secs: u64) -> (String, String) {
    let secs = unix_secs as i64;
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    (
        format!("{y:04}{mo:02}{d:02}"),
        format!(
            "{y:04}{mo:02}{d:02}T{:02}{:02}{:02}Z",
            s / 3600,
            s % 3600 / 60,
            s % 60
        ),
    )
}

/// Parses an ISO-8601 time: `YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM]` (a space may replace
/// the `T`; no zone means UTC), or a plain number of seconds since the epoch.
pub fn parse_us(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        return (secs >= 0.0).then_some((secs * 1e6) as u64);
    }
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())
            .flatten()
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut i = 19;
    let mut micros = 0u64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &s[start..i];
        let mut padded: String = digits.chars().take(6).collect();
        while padded.len() < 6 {
            padded.push('0');
        }
        micros = padded.parse().ok()?;
    }
    let offset_secs: i64 = match &s[i..] {
        "" | "Z" | "z" => 0,
        z => {
            let sign = match z.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let z = z[1..].replace(':', "");
            if z.len() != 4 || !z.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let hh: i64 = z[..2].parse().ok()?;
            let mm: i64 = z[2..].parse().ok()?;
            sign * (hh * 3600 + mm * 60)
        }
    };
    let days = days_from_civil(i64::from(y), mo, d);
    let secs =
        days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(se) - offset_secs;
    u64::try_from(secs).ok().map(|s| s * 1_000_000 + micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        // 2026-11-22T03:53:25Z = 1795319605
        let us = 1_795_319_605_123_456;
        assert_eq!(format_us(us), "2026-11-22T03:53:25.123456Z");
        assert_eq!(parse_us("2026-11-22T03:53:25.123456Z"), Some(us));
        assert_eq!(parse_us("2026-11-22 03:53:25.123456"), Some(us));
        assert_eq!(parse_us("2026-11-22T04:53:25.123456+01:00"), Some(us));
        assert_eq!(
            parse_us("2026-11-22T03:53:25Z"),
            Some(1_795_319_605_000_000)
        );
        assert_eq!(parse_us("1795319605"), Some(1_795_319_605_000_000));
        assert_eq!(parse_us("2026-13-22T03:53:25Z"), None);
        assert_eq!(parse_us("yesterday"), None);
        assert_eq!(
            amz_date(1_795_319_605),
            ("20261122".to_string(), "20261122T035325Z".to_string())
        );
        assert_eq!(format_us(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            format_us(951_782_400_000_000),
            "2000-02-29T00:00:00.000000Z"
        );
    }
}
