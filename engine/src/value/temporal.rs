//! DATE, DATETIME/TIMESTAMP and TIME values: parsing MySQL literals, formatting, rounding.
//!
//! Fields are kept unpacked (year, month, ...) so that "zero dates" (`0000-00-00`, and
//! zero-in-date values like `2024-00-10`, which MySQL accepts in non-strict modes) can be
//! represented; the derived `Ord` of [`Date`] and [`DateTime`] is chronological. [`Time`] is a
//! signed duration with hours up to 838.
//!
//! Accepted literal forms (as MySQL): `YYYY-MM-DD`, `YY-MM-DD` (any punctuation as
//! delimiter), `YYYYMMDD`, `YYMMDD`, with an optional time part after a space or `T`
//! (`HH:MM[:SS][.ffffff]`), and `YYYYMMDDHHMMSS[.ffffff]`, `YYMMDDHHMMSS`. Two-digit years
//! 00-69 are 2000-2069, 70-99 are 1970-1999. Fractions beyond 6 digits are rounded.
//! TIME: `[-][D ]HH:MM[:SS][.ffffff]`, `[-]HHMMSS[.ffffff]`, `MMSS`, `SS`.

use std::cmp::Ordering;

/// A calendar date; may be a zero date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

/// A date and time of day with microseconds (DATETIME and TIMESTAMP; TIMESTAMP in UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DateTime {
    pub date: Date,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub micro: u32,
}

/// A signed duration `[-]HHH:MM:SS.ffffff`, |value| <= 838:59:59.000000 for column values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Time {
    pub neg: bool,
    pub hour: u16,
    pub minute: u8,
    pub second: u8,
    pub micro: u32,
}

/// Largest TIME magnitude in microseconds (838:59:59).
pub const TIME_MAX_MICROS: i64 = (838 * 3600 + 59 * 60 + 59) * 1_000_000;

/// What [`Date::check`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateCheck {
    /// A real calendar date.
    Valid,
    /// `0000-00-00`.
    Zero,
    /// Month or day is zero (but not all zero).
    ZeroInDate,
    /// Day past the end of the month.
    Invalid,
}

/// Days in `month` of `year` (0 for month 0).
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if matches!((year % 4, year % 100, year % 400), (0, 1.., _) | (_, _, 0)) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl Date {
    /// Builds a date without validation.
    pub fn new(year: u16, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    /// Classifies the date.
    pub fn check(&self) -> DateCheck {
        if self.year == 0 && self.month == 0 && self.day == 0 {
            DateCheck::Zero
        } else if self.month == 0 || self.day == 0 {
            DateCheck::ZeroInDate
        } else if self.month > 12 || self.day > days_in_month(self.year, self.month) {
            DateCheck::Invalid
        } else {
            DateCheck::Valid
        }
    }

    /// `YYYY-MM-DD`.
    pub fn format(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// The number MySQL uses for a date in numeric context (`YYYYMMDD`).
    pub fn to_number(&self) -> i64 {
        self.year as i64 * 10_000 + self.month as i64 * 100 + self.day as i64
    }
}

impl DateTime {
    /// Midnight of `date`.
    pub fn from_date(date: Date) -> DateTime {
        DateTime {
            date,
            ..DateTime::default()
        }
    }

    /// `YYYY-MM-DD HH:MM:SS[.f]` with `fsp` fractional digits (0..=6).
    pub fn format(&self, fsp: u8) -> String {
        let mut s = format!(
            "{} {:02}:{:02}:{:02}",
            self.date.format(),
            self.hour,
            self.minute,
            self.second
        );
        push_fraction(&mut s, self.micro, fsp);
        s
    }

    /// True when the time of day is 00:00:00.000000.
    pub fn is_midnight(&self) -> bool {
        self.hour == 0 && self.minute == 0 && self.second == 0 && self.micro == 0
    }

    /// Packs into a u64 whose integer order is chronological (used by key and row codecs).
    pub fn to_packed(&self) -> u64 {
        let ymd = (self.date.year as u64 * 13 + self.date.month as u64) * 32 + self.date.day as u64;
        let hms = (self.hour as u64 * 60 + self.minute as u64) * 60 + self.second as u64;
        ((ymd * 86_400 + hms) << 20) | self.micro as u64
    }

    /// Inverse of [`DateTime::to_packed`].
    pub fn from_packed(p: u64) -> DateTime {
        let micro = (p & 0xF_FFFF) as u32;
        let rest = p >> 20;
        let (ymd, hms) = (rest / 86_400, rest % 86_400);
        DateTime {
            date: Date {
                year: (ymd / 32 / 13) as u16,
                month: (ymd / 32 % 13) as u8,
                day: (ymd % 32) as u8,
            },
            hour: (hms / 3600) as u8,
            minute: (hms / 60 % 60) as u8,
            second: (hms % 60) as u8,
            micro,
        }
    }

    /// Microseconds since 1970-01-01 00:00:00 (valid dates only).
    pub fn to_unix_micros(&self) -> i64 {
        let days = days_from_civil(self.date.year as i64, self.date.month, self.date.day);
        let secs = days * 86_400 + self.hour as i64 * 3600 + self.minute as i64 * 60;
        (secs + self.second as i64) * 1_000_000 + self.micro as i64
    }

    /// Inverse of [`DateTime::to_unix_micros`]; `None` outside years 0..=9999.
    pub fn from_unix_micros(us: i64) -> Option<DateTime> {
        let secs = us.div_euclid(1_000_000);
        let micro = us.rem_euclid(1_000_000) as u32;
        let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        if !(0..=9999).contains(&y) {
            return None;
        }
        Some(DateTime {
            date: Date::new(y as u16, m, d),
            hour: (sod / 3600) as u8,
            minute: (sod / 60 % 60) as u8,
            second: (sod % 60) as u8,
            micro,
        })
    }

    /// The value cut to `fsp` fractional digits (as MySQL cuts NOW(fsp)).
    pub fn truncate_fsp(&self, fsp: u8) -> DateTime {
        DateTime {
            micro: truncate_micro(self.micro, fsp),
            ..*self
        }
    }

    /// Rounds the fraction to `fsp` digits (half up), carrying into seconds, days, ...
    /// `None` when the carry passes 9999-12-31 23:59:59. Zero-in-date values only round
    /// when no carry out of the fraction is needed (else they are truncated).
    pub fn round_fsp(&self, fsp: u8) -> Option<DateTime> {
        let (micro, carry) = round_micro(self.micro, fsp);
        let mut r = DateTime { micro, ..*self };
        if carry {
            if self.date.check() != DateCheck::Valid {
                r.micro = truncate_micro(self.micro, fsp);
                return Some(r);
            }
            r = DateTime::from_unix_micros(r.to_unix_micros() + 1_000_000)?;
        }
        Some(r)
    }

    /// The number MySQL uses in numeric context (`YYYYMMDDHHMMSS`), micros separately.
    pub fn to_number(&self) -> i64 {
        self.date.to_number() * 1_000_000
            + self.hour as i64 * 10_000
            + self.minute as i64 * 100
            + self.second as i64
    }
}

fn push_fraction(s: &mut String, micro: u32, fsp: u8) {
    if fsp > 0 {
        let f = format!("{micro:06}");
        s.push('.');
        s.push_str(&f[..fsp.min(6) as usize]);
    }
}

fn round_micro(micro: u32, fsp: u8) -> (u32, bool) {
    if fsp >= 6 {
        return (micro, false);
    }
    let unit = 10u32.pow(6 - fsp as u32);
    let r = (micro + unit / 2) / unit * unit;
    if r >= 1_000_000 {
        (0, true)
    } else {
        (r, false)
    }
}

fn truncate_micro(micro: u32, fsp: u8) -> u32 {
    let unit = 10u32.pow(6 - fsp.min(6) as u32);
    micro / unit * unit
}

impl Time {
    /// Signed microseconds.
    pub fn to_micros(&self) -> i64 {
        let m = ((self.hour as i64 * 60 + self.minute as i64) * 60 + self.second as i64)
            * 1_000_000
            + self.micro as i64;
        if self.neg {
            -m
        } else {
            m
        }
    }

    /// From signed microseconds (no range check; hours saturate at 65535).
    pub fn from_micros(us: i64) -> Time {
        let m = us.unsigned_abs();
        let secs = m / 1_000_000;
        Time {
            neg: us < 0,
            hour: (secs / 3600).min(u16::MAX as u64) as u16,
            minute: (secs / 60 % 60) as u8,
            second: (secs % 60) as u8,
            micro: (m % 1_000_000) as u32,
        }
    }

    /// `[-]HH:MM:SS[.f]` with `fsp` fractional digits.
    pub fn format(&self, fsp: u8) -> String {
        let mut s = format!(
            "{}{:02}:{:02}:{:02}",
            if self.neg { "-" } else { "" },
            self.hour,
            self.minute,
            self.second
        );
        push_fraction(&mut s, self.micro, fsp);
        s
    }

    /// Rounds to `fsp` digits and clamps to ±838:59:59; the flag is true when clamped.
    pub fn round_fsp(&self, fsp: u8) -> (Time, bool) {
        let us = self.to_micros();
        let unit = 10i64.pow(6 - fsp.min(6) as u32);
        let r = if us >= 0 {
            (us + unit / 2) / unit * unit
        } else {
            -((-us + unit / 2) / unit * unit)
        };
        if r.abs() > TIME_MAX_MICROS {
            (Time::from_micros(TIME_MAX_MICROS * r.signum()), true)
        } else {
            (Time::from_micros(r), false)
        }
    }

    /// The number MySQL uses in numeric context (`HHMMSS`, signed).
    pub fn to_number(&self) -> i64 {
        let n = self.hour as i64 * 10_000 + self.minute as i64 * 100 + self.second as i64;
        if self.neg {
            -n
        } else {
            n
        }
    }
}

impl Ord for Time {
    fn cmp(&self, other: &Self) -> Ordering {
        self.to_micros().cmp(&other.to_micros())
    }
}

impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn year2(y: u32, len: usize) -> u32 {
    if len <= 2 {
        if y < 70 {
            2000 + y
        } else {
            1900 + y
        }
    } else {
        y
    }
}

fn num(s: &[u8]) -> u32 {
    s.iter().fold(0u32, |a, &c| {
        a.saturating_mul(10).saturating_add((c - b'0') as u32)
    })
}

/// Fraction digits to microseconds, rounding the 7th digit; the flag is a carry into seconds.
fn fraction(d: &[u8]) -> (u32, bool) {
    let mut micro = 0u32;
    for i in 0..6 {
        micro = micro * 10 + d.get(i).map_or(0, |&c| (c - b'0') as u32);
    }
    if d.get(6).is_some_and(|&c| c >= b'5') {
        micro += 1;
    }
    if micro >= 1_000_000 {
        (0, true)
    } else {
        (micro, false)
    }
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &s[start..end.max(start)]
}

fn build(ymd: [u32; 3], hms: [u32; 3], micro: (u32, bool)) -> Option<DateTime> {
    if ymd[0] > 9999 || ymd[1] > 12 || ymd[2] > 31 || hms[0] > 23 || hms[1] > 59 || hms[2] > 59 {
        return None;
    }
    let dt = DateTime {
        date: Date::new(ymd[0] as u16, ymd[1] as u8, ymd[2] as u8),
        hour: hms[0] as u8,
        minute: hms[1] as u8,
        second: hms[2] as u8,
        micro: micro.0,
    };
    if micro.1 && dt.date.check() == DateCheck::Valid {
        return DateTime::from_unix_micros(dt.to_unix_micros() + 1_000_000);
    }
    Some(dt)
}

/// Parses a DATE or DATETIME literal. The flag tells whether a time part was present.
/// Calendar validity (Feb 30, zero dates) is not checked here: see [`Date::check`].
pub fn parse_datetime(s: &[u8]) -> Option<(DateTime, bool)> {
    let s = trim(s);
    if s.is_empty() {
        return None;
    }
    let all_digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
    let numeric = match s.iter().position(|&c| c == b'.') {
        Some(p) if all_digits(&s[..p]) && all_digits(&s[p + 1..]) => {
            Some((&s[..p], Some(&s[p + 1..])))
        }
        None if all_digits(s) => Some((s, None)),
        _ => None,
    };
    if let Some((main, frac)) = numeric {
        let n = |a: usize, b: usize| num(&main[a..b]);
        let micro = frac.map_or((0, false), fraction);
        return match main.len() {
            6 if frac.is_none() => {
                build([year2(n(0, 2), 2), n(2, 4), n(4, 6)], [0; 3], (0, false)).map(|d| (d, false))
            }
            8 if frac.is_none() => {
                build([n(0, 4), n(4, 6), n(6, 8)], [0; 3], (0, false)).map(|d| (d, false))
            }
            12 => build(
                [year2(n(0, 2), 2), n(2, 4), n(4, 6)],
                [n(6, 8), n(8, 10), n(10, 12)],
                micro,
            )
            .map(|d| (d, true)),
            14 => build(
                [n(0, 4), n(4, 6), n(6, 8)],
                [n(8, 10), n(10, 12), n(12, 14)],
                micro,
            )
            .map(|d| (d, true)),
            _ => None,
        };
    }
    // Delimited form: digit groups separated by punctuation.
    let mut groups: Vec<(&[u8], u8)> = Vec::new(); // (digits, separator before it)
    let mut i = 0;
    let mut sep = 0u8;
    while i < s.len() {
        if s[i].is_ascii_digit() {
            let start = i;
            while i < s.len() && s[i].is_ascii_digit() {
                i += 1;
            }
            groups.push((&s[start..i], sep));
            sep = 0;
        } else {
            let c = s[i];
            if sep != 0 && !(sep.is_ascii_whitespace() && c.is_ascii_whitespace()) {
                return None; // two separators in a row
            }
            if !(c.is_ascii_punctuation() || c.is_ascii_whitespace() || c == b'T') {
                return None;
            }
            sep = c;
            i += 1;
        }
    }
    if sep != 0 || groups.len() < 3 || groups.len() > 7 || groups.len() == 4 {
        return None;
    }
    let ymd = [
        year2(num(groups[0].0), groups[0].0.len()),
        num(groups[1].0),
        num(groups[2].0),
    ];
    if groups[0].0.len() > 4 || groups[1].0.len() > 2 || groups[2].0.len() > 2 {
        return None;
    }
    if groups.len() == 3 {
        return build(ymd, [0; 3], (0, false)).map(|d| (d, false));
    }
    let tsep = groups[3].1;
    if !(tsep.is_ascii_whitespace() || tsep == b'T') {
        return None;
    }
    let mut hms = [0u32; 3];
    let mut micro = (0, false);
    for (k, g) in groups[3..].iter().enumerate() {
        if k == 3 {
            if g.1 != b'.' {
                return None;
            }
            micro = fraction(g.0);
        } else {
            if k > 0 && (g.1.is_ascii_whitespace() || g.1 == b'T') {
                return None;
            }
            if g.0.len() > 2 {
                return None;
            }
            hms[k] = num(g.0);
        }
    }
    build(ymd, hms, micro).map(|d| (d, true))
}

/// Parses a TIME literal. The flag is true when the value was clamped to ±838:59:59.
pub fn parse_time(s: &[u8]) -> Option<(Time, bool)> {
    let t = trim(s);
    let (neg, body) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if body.is_empty() {
        return None;
    }
    let (main, frac) = match body.iter().position(|&c| c == b'.') {
        Some(p) => (&body[..p], Some(&body[p + 1..])),
        None => (body, None),
    };
    if let Some(f) = frac {
        if f.is_empty() || !f.iter().all(u8::is_ascii_digit) {
            return parse_time_via_datetime(s);
        }
    }
    let (micro, carry) = frac.map_or((0, false), fraction);
    let (days, hms_part) = match main.iter().position(|c| c.is_ascii_whitespace()) {
        Some(p) if main[..p].iter().all(u8::is_ascii_digit) && p > 0 => {
            (num(&main[..p]) as u64, trim(&main[p..]))
        }
        _ => (0, main),
    };
    let (h, m, sec) = if hms_part.contains(&b':') {
        let parts: Vec<&[u8]> = hms_part.split(|&c| c == b':').collect();
        if parts.len() > 3
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.iter().all(u8::is_ascii_digit))
        {
            return parse_time_via_datetime(s);
        }
        let h = num(parts[0]) as u64;
        let m = num(parts[1]);
        let sec = parts.get(2).map_or(0, |p| num(p));
        if parts[1].len() > 2 || parts.get(2).is_some_and(|p| p.len() > 2) {
            return None;
        }
        (h, m, sec)
    } else {
        if days > 0 || !hms_part.iter().all(u8::is_ascii_digit) || hms_part.is_empty() {
            return parse_time_via_datetime(s);
        }
        if hms_part.len() > 7 {
            return parse_time_via_datetime(s);
        }
        let n = num(hms_part) as u64;
        (n / 10_000, (n / 100 % 100) as u32, (n % 100) as u32)
    };
    if m > 59 || sec > 59 {
        return None;
    }
    let secs = days
        .saturating_mul(24)
        .saturating_add(h)
        .saturating_mul(3600)
        .saturating_add(m as u64 * 60 + sec as u64);
    if secs > 839 * 3600 {
        let max = TIME_MAX_MICROS * if neg { -1 } else { 1 };
        return Some((Time::from_micros(max), true));
    }
    let total = secs as i64 * 1_000_000 + micro as i64 + if carry { 1_000_000 } else { 0 };
    let total = if neg { -total } else { total };
    if total.abs() > TIME_MAX_MICROS {
        return Some((Time::from_micros(TIME_MAX_MICROS * total.signum()), true));
    }
    Some((Time::from_micros(total), false))
}

fn parse_time_via_datetime(s: &[u8]) -> Option<(Time, bool)> {
    let (dt, has_time) = parse_datetime(s)?;
    if !has_time {
        return None;
    }
    Some((
        Time {
            neg: false,
            hour: dt.hour as u16,
            minute: dt.minute,
            second: dt.second,
            micro: dt.micro,
        },
        false,
    ))
}

/// A number in DATE/DATETIME context: `YYYYMMDD`, `YYMMDD`, `YYYYMMDDHHMMSS`, `YYMMDDHHMMSS`.
pub fn datetime_from_number(n: i64, micro: u32) -> Option<(DateTime, bool)> {
    if n < 0 {
        return None;
    }
    if n == 0 {
        return Some((DateTime::default(), false));
    }
    let digits = n.to_string();
    let width = match digits.len() {
        0..=6 => 6,
        7..=8 => 8,
        9..=12 => 12,
        13..=14 => 14,
        _ => return None,
    };
    let mut text = format!("{:0>width$}", digits, width = width);
    if width >= 12 && micro > 0 {
        text.push_str(&format!(".{micro:06}"));
    }
    parse_datetime(text.as_bytes())
}

/// A number in TIME context: `[-]HHMMSS` (`HHMMSS` may have more hour digits).
pub fn time_from_number(n: i64, micro: u32) -> Option<(Time, bool)> {
    let a = n.unsigned_abs();
    let (h, m, s) = (a / 10_000, (a / 100 % 100) as u8, (a % 100) as u8);
    if m > 59 || s > 59 {
        return None;
    }
    let us = if h > 838 {
        i64::MAX
    } else {
        ((h as i64) * 3600 + m as i64 * 60 + s as i64) * 1_000_000 + micro as i64
    };
    if us > TIME_MAX_MICROS {
        return Some((
            Time::from_micros(TIME_MAX_MICROS * if n < 0 { -1 } else { 1 }),
            true,
        ));
    }
    Some((Time::from_micros(if n < 0 { -us } else { us }), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> String {
        let (d, t) = parse_datetime(s.as_bytes()).unwrap();
        if t {
            d.format(6)
        } else {
            d.date.format()
        }
    }

    fn tm(s: &str) -> String {
        parse_time(s.as_bytes()).unwrap().0.format(6)
    }

    #[test]
    fn datetime_literals() {
        assert_eq!(dt("2024-01-02"), "2024-01-02");
        assert_eq!(dt(" 2024-1-2 "), "2024-01-02");
        assert_eq!(dt("2024/01/02"), "2024-01-02");
        assert_eq!(dt("24-01-02"), "2024-01-02");
        assert_eq!(dt("99-01-02"), "1999-01-02");
        assert_eq!(dt("20240102"), "2024-01-02");
        assert_eq!(dt("240102"), "2024-01-02");
        assert_eq!(
            dt("2024-01-02 03:04:05.123456"),
            "2024-01-02 03:04:05.123456"
        );
        assert_eq!(dt("2024-01-02T03:04:05"), "2024-01-02 03:04:05.000000");
        assert_eq!(dt("2024-01-02 03:04"), "2024-01-02 03:04:00.000000");
        assert_eq!(dt("20240102030405"), "2024-01-02 03:04:05.000000");
        assert_eq!(dt("20240102030405.5"), "2024-01-02 03:04:05.500000");
        assert_eq!(dt("240102030405"), "2024-01-02 03:04:05.000000");
        assert_eq!(
            dt("2024-12-31 23:59:59.9999999"),
            "2025-01-01 00:00:00.000000"
        );
        assert_eq!(dt("0000-00-00"), "0000-00-00");
        for bad in [
            "",
            "abc",
            "2024-13-01",
            "2024-01-32",
            "2024-01-02 25:00:00",
            "2024--01-02",
            "2024-01",
        ] {
            assert!(parse_datetime(bad.as_bytes()).is_none(), "{bad}");
        }
        let (d, _) = parse_datetime(b"2023-02-29").unwrap();
        assert_eq!(d.date.check(), DateCheck::Invalid);
        let (d, _) = parse_datetime(b"2024-02-29").unwrap();
        assert_eq!(d.date.check(), DateCheck::Valid);
        let (d, _) = parse_datetime(b"2024-00-10").unwrap();
        assert_eq!(d.date.check(), DateCheck::ZeroInDate);
    }

    #[test]
    fn time_literals() {
        assert_eq!(tm("12:34:56"), "12:34:56.000000");
        assert_eq!(tm("-12:34:56.5"), "-12:34:56.500000");
        assert_eq!(tm("838:59:59"), "838:59:59.000000");
        assert_eq!(tm("1 02:00:00"), "26:00:00.000000");
        assert_eq!(tm("12:34"), "12:34:00.000000");
        assert_eq!(tm("123456"), "12:34:56.000000");
        assert_eq!(tm("1234"), "00:12:34.000000");
        assert_eq!(tm("2024-01-02 03:04:05"), "03:04:05.000000");
        let (t, clamped) = parse_time(b"900:00:00").unwrap();
        assert!(clamped);
        assert_eq!(t.format(0), "838:59:59");
        assert!(parse_time(b"12:61:00").is_none());
        assert!(parse_time(b"99999999999:00:00").unwrap().1);
        assert!(parse_time(b"-4294967295 23:00:00").unwrap().1);
        assert!(parse_time(b"838:59:59.5").unwrap().1);
        for junk in [
            "",
            "-",
            ":",
            "1:2:3:4",
            "..",
            "12:34:56.",
            "1 2",
            "T",
            "99999999999999999999",
        ] {
            let _ = parse_time(junk.as_bytes());
            let _ = parse_datetime(junk.as_bytes());
        }
        assert!(parse_time(b"abc").is_none());
        assert_eq!(Time::from_micros(-1_500_000).format(1), "-00:00:01.5");
    }

    #[test]
    fn rounding_and_numbers() {
        let (d, _) = parse_datetime(b"2024-02-28 23:59:59.999999").unwrap();
        assert_eq!(d.round_fsp(3).unwrap().format(3), "2024-02-29 00:00:00.000");
        assert_eq!(d.round_fsp(6).unwrap(), d);
        let (d, _) = parse_datetime(b"9999-12-31 23:59:59.9").unwrap();
        assert!(d.round_fsp(0).is_none());
        let (t, _) = parse_time(b"10:00:00.55").unwrap();
        assert_eq!(t.round_fsp(1).0.format(1), "10:00:00.6");
        assert_eq!(
            datetime_from_number(20240102, 0).unwrap().0.date.format(),
            "2024-01-02"
        );
        assert_eq!(
            datetime_from_number(20240102030405, 0).unwrap().0.format(0),
            "2024-01-02 03:04:05"
        );
        assert_eq!(
            time_from_number(-123456, 0).unwrap().0.format(0),
            "-12:34:56"
        );
    }

    #[test]
    fn civil_roundtrip_and_packing() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let days = (x % 3_652_000) as i64 - 719_528;
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            let a = DateTime::from_unix_micros(
                days * 86_400_000_000 + (x >> 30) as i64 % 86_400_000_000,
            )
            .unwrap();
            assert_eq!(DateTime::from_packed(a.to_packed()), a);
            let b =
                DateTime::from_unix_micros(a.to_unix_micros() + (x % 1000) as i64 - 500).unwrap();
            assert_eq!(a.cmp(&b), a.to_packed().cmp(&b.to_packed()));
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }
}
