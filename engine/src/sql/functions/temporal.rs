//! Date and time functions (MySQL 8.0's "Date and Time Functions" chapter), and the
//! conversions between time zones they need.
//!
//! Arguments arrive as [`Value`]s of any type; [`dt_arg`] and [`time_arg`] read them as
//! MySQL does (strings and numbers are parsed, a bad one is NULL with warning 1292).
//! Day numbers follow MySQL's own calendar arithmetic (`calc_daynr`, in which year 0 is
//! not a leap year), so TO_DAYS, FROM_DAYS, WEEK and DAYOFWEEK give MySQL's answers down
//! to year 1. Result types that depend on a constant argument (NOW(3), STR_TO_DATE's
//! format, a string literal's fraction digits) are worked out in [`bind_type`].

use super::{int_arg, text, Func};
use crate::sql::error::{SqlError, SqlResult};
use crate::sql::expr::{ColType, EvalCx};
use crate::sql::vars::TimeZone;
use crate::value::temporal::{
    days_in_month, parse_datetime, parse_time, time_from_number, Date, DateCheck, DateTime, Time,
    TIME_MAX_MICROS,
};
use crate::value::{Collation, Decimal, IntKind, SqlType, Value, Warning};

// ---- MySQL's calendar ----

/// MySQL's day number of a date (`calc_daynr`): 0000-01-01 is day 1, year 0 has 365 days.
pub fn daynr(y: u16, m: u8, d: u8) -> i64 {
    let (mut y, m, d) = (i64::from(y), i64::from(m), i64::from(d));
    if y == 0 && m == 0 {
        return 0;
    }
    let mut delsum = 365 * y + 31 * (m - 1) + d;
    if m <= 2 {
        y -= 1;
    } else {
        delsum -= (m * 4 + 23) / 10;
    }
    // C division truncates toward zero.
    let temp = ((y / 100 + 1) * 3) / 4;
    delsum + y / 4 - temp
}

fn days_in_year(y: i64) -> i64 {
    if y & 3 == 0 && (y % 100 != 0 || (y % 400 == 0 && y != 0)) {
        366
    } else {
        365
    }
}

/// Largest day number MySQL accepts (9999-12-31).
const MAX_DAY_NUMBER: i64 = 3_652_424;

/// The date of a MySQL day number (`get_date_from_daynr`); day numbers up to 365 and past
/// 9999 are the zero date.
pub fn date_from_daynr(n: i64) -> Date {
    if n <= 365 || n >= 3_652_500 {
        return Date::default();
    }
    let mut year = n * 100 / 36525;
    let temp = (((year - 1) / 100 + 1) * 3) / 4;
    let mut doy = n - year * 365 - (year - 1) / 4 + temp;
    let mut diy = days_in_year(year);
    while doy > diy {
        doy -= diy;
        year += 1;
        diy = days_in_year(year);
    }
    let mut leap_day = 0;
    if diy == 366 && doy > 31 + 28 {
        doy -= 1;
        if doy == 31 + 28 {
            leap_day = 1;
        }
    }
    let mut month = 1u8;
    for len in [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] {
        if doy <= len {
            break;
        }
        doy -= len;
        month += 1;
    }
    Date::new(year as u16, month, (doy + leap_day) as u8)
}

/// 0 = Monday (or Sunday when `sunday_first`).
fn calc_weekday(daynr: i64, sunday_first: bool) -> i64 {
    (daynr + 5 + i64::from(sunday_first)).rem_euclid(7)
}

const WEEK_MONDAY_FIRST: u32 = 1;
const WEEK_YEAR: u32 = 2;
const WEEK_FIRST_WEEKDAY: u32 = 4;

/// WEEK()'s mode argument as `calc_week` flags.
fn week_mode(mode: i64) -> u32 {
    let mut f = (mode & 7) as u32;
    if f & WEEK_MONDAY_FIRST == 0 {
        f ^= WEEK_FIRST_WEEKDAY;
    }
    f
}

/// MySQL's `calc_week`: the week number, and the year it belongs to.
fn calc_week(d: &Date, flags: u32) -> (i64, i64) {
    let dnr = daynr(d.year, d.month, d.day);
    let mut first_daynr = daynr(d.year, 1, 1);
    let monday_first = flags & WEEK_MONDAY_FIRST != 0;
    let mut week_year = flags & WEEK_YEAR != 0;
    let first_weekday = flags & WEEK_FIRST_WEEKDAY != 0;
    let mut weekday = calc_weekday(first_daynr, !monday_first);
    let mut year = i64::from(d.year);
    if d.month == 1 && i64::from(d.day) <= 7 - weekday {
        if !week_year && ((first_weekday && weekday != 0) || (!first_weekday && weekday >= 4)) {
            return (0, year);
        }
        week_year = true;
        year -= 1;
        let days = days_in_year(year);
        first_daynr -= days;
        weekday = (weekday + 53 * 7 - days) % 7;
    }
    let days = if (first_weekday && weekday != 0) || (!first_weekday && weekday >= 4) {
        dnr - (first_daynr + (7 - weekday))
    } else {
        dnr - (first_daynr - weekday)
    };
    if week_year && days >= 52 * 7 {
        let weekday = (weekday + days_in_year(year)) % 7;
        if (!first_weekday && weekday < 4) || (first_weekday && weekday == 0) {
            return (1, year + 1);
        }
    }
    (days / 7 + 1, year)
}

pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn weekday_of(d: &Date) -> usize {
    calc_weekday(daynr(d.year, d.month, d.day), false) as usize
}

fn time_of_day(d: &DateTime) -> Time {
    Time::from_micros(
        i64::from(d.hour) * 3_600_000_000
            + i64::from(d.minute) * 60_000_000
            + i64::from(d.second) * 1_000_000
            + i64::from(d.micro),
    )
}

fn day_micros(d: &DateTime) -> i64 {
    time_of_day(d).to_micros()
}

/// Microseconds since MySQL's day 0 (comparable for any valid datetime).
fn abs_micros(d: &DateTime) -> i64 {
    daynr(d.date.year, d.date.month, d.date.day) * 86_400_000_000 + day_micros(d)
}

fn from_abs_micros(us: i64) -> Option<DateTime> {
    let days = us.div_euclid(86_400_000_000);
    if !(366..=MAX_DAY_NUMBER).contains(&days) {
        return None;
    }
    let t = Time::from_micros(us.rem_euclid(86_400_000_000));
    Some(DateTime {
        date: date_from_daynr(days),
        hour: t.hour as u8,
        minute: t.minute,
        second: t.second,
        micro: t.micro,
    })
}

// ---- reading arguments ----

fn shown(v: &Value) -> String {
    v.to_text()
        .map(|t| String::from_utf8_lossy(&t).into_owned())
        .unwrap_or_else(|| "NULL".into())
}

fn bad_datetime(v: &Value, cx: &EvalCx) {
    cx.warn(Warning::warn(
        1292,
        format!("Incorrect datetime value: '{}'", shown(v)),
    ));
}

fn bad_time(v: &Value, cx: &EvalCx) {
    cx.warn(Warning::warn(
        1292,
        format!("Truncated incorrect time value: '{}'", shown(v)),
    ));
}

/// A date or datetime argument, with whether it had a time part. Zero dates and dates
/// with a zero month or day pass; an impossible date (Feb 30) or text that is no date at
/// all is NULL with warning 1292. A TIME is taken on today's date (as MySQL).
fn dt_arg_typed(v: &Value, cx: &EvalCx) -> Option<(DateTime, bool)> {
    let r = match v {
        Value::Null => return None,
        Value::DateTime(d) => Some((*d, true)),
        Value::Date(d) => Some((DateTime::from_date(*d), false)),
        Value::Time(t) => {
            let base = abs_micros(&DateTime::from_date(cx.now.date));
            return from_abs_micros(base + t.to_micros()).map(|d| (d, true));
        }
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) | Value::Double(_) | Value::Float(_) => {
            let (n, micro) = number_parts(v)?;
            crate::value::temporal::datetime_from_number(n, micro)
        }
        Value::Year(y) => crate::value::temporal::datetime_from_number(i64::from(*y), 0),
        Value::Bytes(b) => parse_datetime(b),
    };
    match r {
        Some((d, t)) if d.date.check() != DateCheck::Invalid => Some((d, t)),
        _ => {
            bad_datetime(v, cx);
            None
        }
    }
}

fn dt_arg(v: &Value, cx: &EvalCx) -> Option<DateTime> {
    dt_arg_typed(v, cx).map(|x| x.0)
}

/// A datetime argument that must be a real calendar date (no zero parts): else NULL with
/// warning 1292.
fn real_dt_arg(v: &Value, cx: &EvalCx) -> Option<DateTime> {
    let d = dt_arg(v, cx)?;
    if d.date.check() != DateCheck::Valid {
        bad_datetime(v, cx);
        return None;
    }
    Some(d)
}

/// Integer part and microseconds of a numeric value (`None` when negative or huge).
fn number_parts(v: &Value) -> Option<(i64, u32)> {
    match v {
        Value::Int(i) => Some((*i, 0)),
        Value::UInt(u) => i64::try_from(*u).ok().map(|i| (i, 0)),
        other => {
            let f = other.to_f64()?;
            if !f.is_finite() || f.abs() > 9.2e18 {
                return None;
            }
            let whole = f.trunc();
            let micro = ((f - whole).abs() * 1e6).round().min(999_999.0) as u32;
            Some((whole as i64, micro))
        }
    }
}

/// A TIME argument: a datetime gives its time of day, a date midnight.
fn time_arg(v: &Value, cx: &EvalCx) -> Option<Time> {
    let r = match v {
        Value::Null => return None,
        Value::Time(t) => Some(*t),
        Value::DateTime(d) => Some(time_of_day(d)),
        Value::Date(_) => Some(Time::default()),
        Value::Bytes(b) => parse_time(b).map(|(t, clamped)| {
            if clamped {
                bad_time(v, cx);
            }
            t
        }),
        other => number_parts(other).and_then(|(n, micro)| {
            // A number as a datetime first when it is one (20240102030405).
            if n.unsigned_abs() >= 10_000_000_000 {
                return crate::value::temporal::datetime_from_number(n, micro)
                    .map(|(d, _)| time_of_day(&d));
            }
            let neg = other.to_f64().is_some_and(|f| f < 0.0);
            time_from_number(if neg { -(n.abs()) } else { n }, micro).map(|(t, clamped)| {
                if clamped {
                    bad_time(v, cx);
                }
                let mut t = t;
                t.neg = neg && t.to_micros() != 0;
                t
            })
        }),
    };
    if r.is_none() {
        bad_time(v, cx);
    }
    r
}

/// A value that is a TIME or a DATETIME, as ADDTIME/TIMEDIFF take them: strings are
/// datetimes when they parse as one with a time part, else times.
enum Clock {
    At(DateTime),
    Span(Time),
}

fn clock_arg(v: &Value, cx: &EvalCx) -> Option<Clock> {
    match v {
        Value::Null => None,
        Value::DateTime(d) => Some(Clock::At(*d)),
        Value::Date(d) => Some(Clock::At(DateTime::from_date(*d))),
        Value::Time(t) => Some(Clock::Span(*t)),
        Value::Bytes(b) => match parse_datetime(b) {
            Some((d, true)) if d.date.check() != DateCheck::Invalid => Some(Clock::At(d)),
            _ => time_arg(v, cx).map(Clock::Span),
        },
        other => time_arg(other, cx).map(Clock::Span),
    }
}

/// Clamps a duration to TIME's range, with MySQL's warning when it had to.
fn clamp_time(us: i64, cx: &EvalCx, what: impl FnOnce() -> String) -> Time {
    if us.abs() > TIME_MAX_MICROS {
        cx.warn(Warning::warn(
            1292,
            format!("Truncated incorrect time value: '{}'", what()),
        ));
        Time::from_micros(TIME_MAX_MICROS * us.signum())
    } else {
        Time::from_micros(us)
    }
}

fn datetime_overflow(cx: &EvalCx) -> Value {
    cx.warn(Warning::warn(
        1441,
        "Datetime function: datetime field overflow",
    ));
    Value::Null
}

// ---- intervals ----

/// An INTERVAL unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Microsecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
    SecondMicrosecond,
    MinuteMicrosecond,
    MinuteSecond,
    HourMicrosecond,
    HourSecond,
    HourMinute,
    DayMicrosecond,
    DaySecond,
    DayMinute,
    DayHour,
    YearMonth,
}

impl Unit {
    pub fn parse(s: &[u8]) -> Option<Unit> {
        let s = String::from_utf8_lossy(s).to_ascii_uppercase();
        let s = s.strip_prefix("SQL_TSI_").unwrap_or(&s);
        use Unit::*;
        Some(match s {
            "MICROSECOND" => Microsecond,
            "SECOND" => Second,
            "MINUTE" => Minute,
            "HOUR" => Hour,
            "DAY" => Day,
            "WEEK" => Week,
            "MONTH" => Month,
            "QUARTER" => Quarter,
            "YEAR" => Year,
            "SECOND_MICROSECOND" => SecondMicrosecond,
            "MINUTE_MICROSECOND" => MinuteMicrosecond,
            "MINUTE_SECOND" => MinuteSecond,
            "HOUR_MICROSECOND" => HourMicrosecond,
            "HOUR_SECOND" => HourSecond,
            "HOUR_MINUTE" => HourMinute,
            "DAY_MICROSECOND" => DayMicrosecond,
            "DAY_SECOND" => DaySecond,
            "DAY_MINUTE" => DayMinute,
            "DAY_HOUR" => DayHour,
            "YEAR_MONTH" => YearMonth,
            _ => return None,
        })
    }

    /// Whether the unit counts months (the day is kept, cut to the month's end).
    fn is_months(self) -> bool {
        matches!(
            self,
            Unit::Month | Unit::Quarter | Unit::Year | Unit::YearMonth
        )
    }

    /// Whether adding it to a DATE gives a DATE.
    fn is_date_only(self) -> bool {
        self.is_months() || matches!(self, Unit::Day | Unit::Week)
    }

    fn has_micros(self) -> bool {
        matches!(
            self,
            Unit::Microsecond
                | Unit::SecondMicrosecond
                | Unit::MinuteMicrosecond
                | Unit::HourMicrosecond
                | Unit::DayMicrosecond
        )
    }

    /// The fields of a compound unit's string, and whether its last one is a fraction.
    fn fields(self) -> (usize, bool) {
        use Unit::*;
        match self {
            YearMonth | DayHour | HourMinute | MinuteSecond => (2, false),
            SecondMicrosecond => (2, true),
            DayMinute | HourSecond => (3, false),
            MinuteMicrosecond => (3, true),
            DaySecond => (4, false),
            HourMicrosecond => (4, true),
            DayMicrosecond => (5, true),
            _ => (1, false),
        }
    }
}

/// An interval: months and microseconds, both signed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Interval {
    pub months: i64,
    pub micros: i64,
}

/// The numbers of a compound interval string (MySQL's `get_interval_info`): digit runs
/// separated by anything; too few are the rightmost fields; a fraction field with fewer
/// than 6 digits is scaled (`'1.5'` SECOND_MICROSECOND is 1.5 seconds).
fn interval_fields(s: &[u8], count: usize, frac: bool) -> Option<(bool, Vec<i64>)> {
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    let neg = s.get(i) == Some(&b'-');
    if neg {
        i += 1;
    }
    while i < s.len() && !s[i].is_ascii_digit() {
        i += 1;
    }
    let mut vals = vec![0i64; count];
    let mut got = 0;
    let mut last_len = 0;
    while got < count && i < s.len() {
        let start = i;
        let mut v: i64 = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            v = v.checked_mul(10)?.checked_add(i64::from(s[i] - b'0'))?;
            i += 1;
        }
        last_len = i - start;
        vals[got] = v;
        got += 1;
        while i < s.len() && !s[i].is_ascii_digit() {
            i += 1;
        }
    }
    if got < count {
        vals.rotate_right(count - got);
    }
    if frac && last_len < 6 && got > 0 {
        vals[count - 1] = vals[count - 1].checked_mul(10i64.pow(6 - last_len as u32))?;
    }
    Some((neg, vals))
}

/// The interval `value unit`; `None` when it does not fit (overflow).
pub fn interval(value: &Value, unit: Unit) -> Option<Interval> {
    use Unit::*;
    let (count, frac) = unit.fields();
    if count == 1 {
        if unit == Second
            && matches!(
                value,
                Value::Decimal(_) | Value::Double(_) | Value::Float(_) | Value::Bytes(_)
            )
        {
            let f = value.to_f64()?;
            let us = (f * 1e6).round();
            if !us.is_finite() || us.abs() > 9.2e18 {
                return None;
            }
            return Some(Interval {
                months: 0,
                micros: us as i64,
            });
        }
        let n = int_arg(value)?;
        let per: i64 = match unit {
            Microsecond => 1,
            Second => 1_000_000,
            Minute => 60_000_000,
            Hour => 3_600_000_000,
            Day => 86_400_000_000,
            Week => 7 * 86_400_000_000,
            Month => {
                return Some(Interval {
                    months: n,
                    micros: 0,
                })
            }
            Quarter => {
                return n
                    .checked_mul(3)
                    .map(|months| Interval { months, micros: 0 })
            }
            Year => {
                return n
                    .checked_mul(12)
                    .map(|months| Interval { months, micros: 0 })
            }
            _ => return None,
        };
        return n
            .checked_mul(per)
            .map(|micros| Interval { months: 0, micros });
    }
    let s = value.to_text()?;
    let (neg, v) = interval_fields(&s, count, frac)?;
    let sign = if neg { -1 } else { 1 };
    let mul = |x: i64, m: i64| x.checked_mul(m);
    let r = match unit {
        YearMonth => Interval {
            months: mul(v[0], 12)?.checked_add(v[1])?,
            micros: 0,
        },
        _ => {
            // Day, hour, minute, second, microsecond, right-aligned.
            let mut parts = [0i64; 5];
            let first = match unit {
                DayHour | DayMinute | DaySecond | DayMicrosecond => 0,
                HourMinute | HourSecond | HourMicrosecond => 1,
                MinuteSecond | MinuteMicrosecond => 2,
                _ => 3,
            };
            for (k, x) in v.iter().enumerate() {
                parts[first + k] = *x;
            }
            let mut us = mul(parts[0], 86_400_000_000)?;
            us = us.checked_add(mul(parts[1], 3_600_000_000)?)?;
            us = us.checked_add(mul(parts[2], 60_000_000)?)?;
            us = us.checked_add(mul(parts[3], 1_000_000)?)?;
            us = us.checked_add(parts[4])?;
            Interval {
                months: 0,
                micros: us,
            }
        }
    };
    Some(Interval {
        months: r.months * sign,
        micros: r.micros * sign,
    })
}

/// `dt` plus `iv` as MySQL's `date_add_interval`: months keep the day (cut to the end of
/// the month); the result must stay within 0001..9999.
fn add_interval(dt: DateTime, iv: Interval) -> Option<DateTime> {
    if iv.months != 0 {
        let period =
            (i64::from(dt.date.year) * 12 + i64::from(dt.date.month) - 1).checked_add(iv.months)?;
        if !(0..120_000).contains(&period) {
            return None;
        }
        let y = (period / 12) as u16;
        let m = (period % 12 + 1) as u8;
        let mut r = dt;
        r.date = Date::new(y, m, dt.date.day.min(days_in_month(y, m)));
        if iv.micros == 0 {
            return Some(r);
        }
        return from_abs_micros(abs_micros(&r).checked_add(iv.micros)?);
    }
    from_abs_micros(abs_micros(&dt).checked_add(iv.micros)?)
}

// ---- time zones ----

/// `dt` (a wall-clock time in `from`) as a wall-clock time in `to`. Values outside the
/// TIMESTAMP range are returned unchanged, as MySQL does.
fn convert_tz(dt: DateTime, from: &TimeZone, to: &TimeZone) -> DateTime {
    if from == to {
        return dt;
    }
    let us = from.to_utc(&dt);
    if !(0..=i64::from(i32::MAX) * 1_000_000 + 999_999).contains(&us) {
        return dt;
    }
    to.to_local(us).unwrap_or(dt)
}

fn zone_arg(v: &Value) -> Option<TimeZone> {
    let t = text(v)?;
    TimeZone::parse(std::str::from_utf8(&t).ok()?)
}

// ---- formats ----

fn ordinal(d: u8) -> &'static str {
    match (d % 10, d % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

/// DATE_FORMAT / TIME_FORMAT (`time_only`: date specifiers give NULL, hours may pass
/// 23). `None` when a specifier cannot be printed for this value (MySQL gives NULL).
pub fn format(dt: &DateTime, t: Option<&Time>, fmt: &[u8], time_only: bool) -> Option<String> {
    let mut out = String::new();
    let f = String::from_utf8_lossy(fmt);
    let mut it = f.chars();
    let d = &dt.date;
    let hours: u32 = t.map_or(u32::from(dt.hour), |t| u32::from(t.hour));
    let neg = t.is_some_and(|t| t.neg);
    let h12 = if hours.is_multiple_of(12) {
        12
    } else {
        hours % 12
    };
    let (minute, second, micro) = match t {
        Some(t) => (t.minute, t.second, t.micro),
        None => (dt.minute, dt.second, dt.micro),
    };
    let pm = hours % 24 >= 12;
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(s) = it.next() else { break };
        let date_spec = matches!(
            s,
            'Y' | 'y'
                | 'm'
                | 'c'
                | 'd'
                | 'e'
                | 'M'
                | 'b'
                | 'W'
                | 'a'
                | 'w'
                | 'j'
                | 'D'
                | 'U'
                | 'u'
                | 'V'
                | 'v'
                | 'X'
                | 'x'
        );
        if time_only && date_spec {
            return None;
        }
        let zero_ym = d.month == 0 && d.year == 0;
        match s {
            'Y' => out.push_str(&format!("{:04}", d.year)),
            'y' => out.push_str(&format!("{:02}", d.year % 100)),
            'm' => out.push_str(&format!("{:02}", d.month)),
            'c' => out.push_str(&d.month.to_string()),
            'd' => out.push_str(&format!("{:02}", d.day)),
            'e' => out.push_str(&d.day.to_string()),
            'D' => out.push_str(&format!("{}{}", d.day, ordinal(d.day))),
            'H' => {
                if neg {
                    out.push('-');
                }
                out.push_str(&format!("{hours:02}"))
            }
            'k' => {
                if neg {
                    out.push('-');
                }
                out.push_str(&hours.to_string())
            }
            'h' | 'I' => out.push_str(&format!("{h12:02}")),
            'l' => out.push_str(&h12.to_string()),
            'i' => out.push_str(&format!("{minute:02}")),
            's' | 'S' => out.push_str(&format!("{second:02}")),
            'f' => out.push_str(&format!("{micro:06}")),
            'p' => out.push_str(if pm { "PM" } else { "AM" }),
            'T' => out.push_str(&format!("{hours:02}:{minute:02}:{second:02}")),
            'r' => out.push_str(&format!(
                "{h12:02}:{minute:02}:{second:02} {}",
                if pm { "PM" } else { "AM" }
            )),
            'M' | 'b' => {
                let name: &str = MONTHS.get(usize::from(d.month).checked_sub(1)?)?;
                out.push_str(if s == 'M' { name } else { &name[..3] });
            }
            'W' | 'a' | 'w' => {
                if zero_ym {
                    return None;
                }
                let wd = weekday_of(d);
                match s {
                    'W' => out.push_str(DAYS[wd]),
                    'a' => out.push_str(&DAYS[wd][..3]),
                    _ => out.push_str(&((wd + 1) % 7).to_string()),
                }
            }
            'j' => {
                let n = daynr(d.year, d.month, d.day) - daynr(d.year, 1, 1) + 1;
                out.push_str(&format!("{n:03}"));
            }
            'U' | 'u' | 'V' | 'v' | 'X' | 'x' => {
                let flags = match s {
                    'U' => WEEK_FIRST_WEEKDAY,
                    'u' => WEEK_MONDAY_FIRST,
                    'V' | 'X' => WEEK_YEAR | WEEK_FIRST_WEEKDAY,
                    _ => WEEK_MONDAY_FIRST | WEEK_YEAR,
                };
                let (w, y) = calc_week(d, flags);
                if matches!(s, 'X' | 'x') {
                    out.push_str(&format!("{y:04}"));
                } else {
                    out.push_str(&format!("{w:02}"));
                }
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// GET_FORMAT(type, locale).
fn get_format(ty: &[u8], locale: &[u8]) -> Option<&'static str> {
    let ty = String::from_utf8_lossy(ty).to_ascii_uppercase();
    let loc = String::from_utf8_lossy(locale).to_ascii_uppercase();
    Some(match (ty.as_str(), loc.as_str()) {
        ("DATE", "USA") => "%m.%d.%Y",
        ("DATE", "JIS") | ("DATE", "ISO") => "%Y-%m-%d",
        ("DATE", "EUR") => "%d.%m.%Y",
        ("DATE", "INTERNAL") => "%Y%m%d",
        ("DATETIME" | "TIMESTAMP", "USA") => "%Y-%m-%d %H.%i.%s",
        ("DATETIME" | "TIMESTAMP", "JIS" | "ISO") => "%Y-%m-%d %H:%i:%s",
        ("DATETIME" | "TIMESTAMP", "EUR") => "%Y-%m-%d %H.%i.%s",
        ("DATETIME" | "TIMESTAMP", "INTERNAL") => "%Y%m%d%H%i%s",
        ("TIME", "USA") => "%h:%i:%s %p",
        ("TIME", "JIS" | "ISO") => "%H:%i:%s",
        ("TIME", "EUR") => "%H.%i.%s",
        ("TIME", "INTERNAL") => "%H%i%s",
        _ => return None,
    })
}

/// What a STR_TO_DATE format produces: a date part, a time part, fraction digits.
fn format_kind(fmt: &[u8]) -> (bool, bool, bool) {
    let (mut date, mut time, mut frac) = (false, false, false);
    let mut i = 0;
    while i + 1 < fmt.len() {
        if fmt[i] == b'%' {
            match fmt[i + 1] {
                b'Y' | b'y' | b'm' | b'c' | b'd' | b'e' | b'M' | b'b' | b'W' | b'a' | b'w'
                | b'j' | b'D' | b'U' | b'u' | b'V' | b'v' | b'X' | b'x' => date = true,
                b'H' | b'k' | b'h' | b'I' | b'l' | b'i' | b's' | b'S' | b'p' | b'T' | b'r' => {
                    time = true
                }
                b'f' => {
                    time = true;
                    frac = true
                }
                _ => {}
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    (date, time, frac)
}

/// STR_TO_DATE's parser (MySQL's `extract_date_time`). `None`: the text does not match.
/// Text left over after the format is a warning; the value stands.
fn str_to_date(val: &[u8], fmt: &[u8], cx: &EvalCx) -> Option<DateTime> {
    let (d, used) = parse_with_format(val, fmt)?;
    if val[used..].iter().any(|c| !c.is_ascii_whitespace()) {
        cx.warn(Warning::warn(
            1292,
            format!(
                "Truncated incorrect datetime value: '{}'",
                String::from_utf8_lossy(val)
            ),
        ));
    }
    let dd = d.date;
    if dd.check() == DateCheck::Invalid {
        return None;
    }
    Some(d)
}

/// Reads `val` by `fmt`: the value and how many bytes of `val` it took.
fn parse_with_format(val: &[u8], fmt: &[u8]) -> Option<(DateTime, usize)> {
    let mut v = 0usize;
    let mut f = 0usize;
    let (mut year, mut month, mut day) = (0u32, 0u32, 0u32);
    let (mut hour, mut minute, mut second, mut micro) = (0u32, 0u32, 0u32, 0u32);
    let mut pm: Option<bool> = None;
    let mut h12 = false;
    let mut yday: Option<u32> = None;
    let mut weekday: Option<u32> = None;
    let mut week: Option<(u32, bool, bool)> = None; // (week, sunday_first, strict)
    let mut week_year: Option<u32> = None;
    let skip_space = |v: &mut usize| {
        while *v < val.len() && val[*v].is_ascii_whitespace() {
            *v += 1;
        }
    };
    // Up to `max` digits as a number.
    let digits = |v: &mut usize, max: usize| -> Option<u32> {
        let start = *v;
        let mut n: u32 = 0;
        while *v < val.len() && *v - start < max && val[*v].is_ascii_digit() {
            n = n * 10 + u32::from(val[*v] - b'0');
            *v += 1;
        }
        (*v > start).then_some(n)
    };
    let name = |v: &mut usize, names: &[&str], short: bool| -> Option<u32> {
        let rest = &val[*v..];
        for (k, n) in names.iter().enumerate() {
            let n = if short { &n[..3] } else { n };
            if rest.len() >= n.len() && rest[..n.len()].eq_ignore_ascii_case(n.as_bytes()) {
                *v += n.len();
                return Some(k as u32);
            }
        }
        None
    };
    while f < fmt.len() && v < val.len() {
        skip_space(&mut v);
        if v >= val.len() {
            break;
        }
        if fmt[f] == b'%' && f + 1 < fmt.len() {
            f += 1;
            let spec = fmt[f];
            f += 1;
            match spec {
                b'Y' => {
                    let start = v;
                    year = digits(&mut v, 4)?;
                    if v - start <= 2 {
                        year += if year < 70 { 2000 } else { 1900 };
                    }
                }
                b'y' => {
                    let y = digits(&mut v, 2)?;
                    year = y + if y < 70 { 2000 } else { 1900 };
                }
                b'm' | b'c' => month = digits(&mut v, 2)?,
                b'M' => month = name(&mut v, &MONTHS, false)? + 1,
                b'b' => month = name(&mut v, &MONTHS, true)? + 1,
                b'd' | b'e' => day = digits(&mut v, 2)?,
                b'D' => {
                    day = digits(&mut v, 2)?;
                    // The suffix: any two characters.
                    v = (v + 2).min(val.len());
                }
                b'h' | b'I' | b'l' => {
                    hour = digits(&mut v, 2)?;
                    h12 = true;
                }
                b'H' | b'k' => hour = digits(&mut v, 2)?,
                b'i' => minute = digits(&mut v, 2)?,
                b's' | b'S' => second = digits(&mut v, 2)?,
                b'f' => {
                    let start = v;
                    let n = digits(&mut v, 6)?;
                    micro = n * 10u32.pow(6 - (v - start) as u32);
                }
                b'p' => {
                    let rest = &val[v..];
                    if rest.len() < 2 {
                        return None;
                    }
                    pm = Some(if rest[..2].eq_ignore_ascii_case(b"PM") {
                        true
                    } else if rest[..2].eq_ignore_ascii_case(b"AM") {
                        false
                    } else {
                        return None;
                    });
                    v += 2;
                }
                b'W' => weekday = Some(name(&mut v, &DAYS, false)? + 1),
                b'a' => weekday = Some(name(&mut v, &DAYS, true)? + 1),
                b'w' => {
                    let w = digits(&mut v, 1)?;
                    if w > 6 {
                        return None;
                    }
                    weekday = Some(if w == 0 { 7 } else { w });
                }
                b'j' => yday = Some(digits(&mut v, 3)?),
                b'U' | b'V' => week = Some((digits(&mut v, 2)?, true, spec == b'V')),
                b'u' | b'v' => week = Some((digits(&mut v, 2)?, false, spec == b'v')),
                b'X' | b'x' => week_year = Some(digits(&mut v, 4)?),
                b'T' | b'r' => {
                    let sub: &[u8] = if spec == b'T' {
                        b"%H:%i:%S"
                    } else {
                        b"%I:%i:%S %p"
                    };
                    let (t, used) = parse_with_format(&val[v..], sub)?;
                    hour = u32::from(t.hour);
                    minute = u32::from(t.minute);
                    second = u32::from(t.second);
                    v += used;
                }
                b'%' => {
                    if val[v] != b'%' {
                        return None;
                    }
                    v += 1;
                }
                _ => return None,
            }
        } else if !fmt[f].is_ascii_whitespace() {
            if fmt[f] != val[v] {
                return None;
            }
            v += 1;
            f += 1;
        } else {
            f += 1;
        }
    }
    if let Some(p) = pm {
        if !h12 || !(1..=12).contains(&hour) {
            return None;
        }
        hour = hour % 12 + if p { 12 } else { 0 };
    }
    if let Some(n) = yday {
        if !(1..=366).contains(&n) {
            return None;
        }
        let d = date_from_daynr(daynr(year as u16, 1, 1) + i64::from(n) - 1);
        (year, month, day) = (u32::from(d.year), u32::from(d.month), u32::from(d.day));
    }
    if let (Some((w, sunday_first, strict)), Some(wd)) = (week, weekday) {
        if strict != week_year.is_some() {
            return None;
        }
        let y = week_year.unwrap_or(year);
        let first = daynr(y as u16, 1, 1);
        let first_wd = calc_weekday(first, sunday_first);
        let mut days = first + i64::from(w.saturating_sub(1)) * 7;
        days += if strict {
            if first_wd <= 3 {
                -first_wd
            } else {
                7 - first_wd
            }
        } else if first_wd == 0 {
            0
        } else {
            7 - first_wd
        };
        let wd = i64::from(wd);
        days += if sunday_first { wd % 7 } else { wd - 1 };
        if !(366..=MAX_DAY_NUMBER).contains(&days) {
            return None;
        }
        let d = date_from_daynr(days);
        (year, month, day) = (u32::from(d.year), u32::from(d.month), u32::from(d.day));
    }
    if year > 9999 || month > 12 || day > 31 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let d = Date::new(year as u16, month as u8, day as u8);
    Some((
        DateTime {
            date: d,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            micro,
        },
        v,
    ))
}

// ---- result types ----

fn fsp_of(t: &ColType) -> u8 {
    match t {
        Some(SqlType::DateTime { fsp } | SqlType::Timestamp { fsp } | SqlType::Time { fsp }) => {
            *fsp
        }
        Some(SqlType::Decimal { scale, .. }) => (*scale).min(6),
        Some(SqlType::Double | SqlType::Float) => 6,
        Some(SqlType::Date | SqlType::Int { .. } | SqlType::Year) => 0,
        _ => 6,
    }
}

/// Fraction digits of an argument: a constant string counts its own digits (as MySQL).
fn arg_fsp(lit: Option<&Value>, t: &ColType) -> u8 {
    match lit {
        Some(Value::Null) => 0,
        Some(Value::Bytes(b)) => {
            let s = String::from_utf8_lossy(b);
            let s = s.trim();
            match s.rfind('.') {
                Some(p) if s[p + 1..].bytes().all(|c| c.is_ascii_digit()) => {
                    (s.len() - p - 1).min(6) as u8
                }
                _ => 0,
            }
        }
        Some(Value::Decimal(d)) => d.scale().min(6),
        Some(Value::Int(_) | Value::UInt(_)) => 0,
        _ => fsp_of(t),
    }
}

fn is_temporal_type(t: &ColType) -> Option<&SqlType> {
    t.as_ref().filter(|t| {
        matches!(
            t,
            SqlType::Date
                | SqlType::DateTime { .. }
                | SqlType::Timestamp { .. }
                | SqlType::Time { .. }
        )
    })
}

fn varchar(len: u32) -> ColType {
    Some(SqlType::VarChar {
        len,
        collation: Collation::Utf8mb4GeneralCi,
    })
}

fn bigint() -> ColType {
    Some(SqlType::Int {
        kind: IntKind::Big,
        unsigned: false,
        width: None,
    })
}

/// The result type; `lits[i]` is argument i when it is a constant.
pub(super) fn bind_type(f: Func, lits: &[Option<&Value>], args: &[ColType]) -> Option<ColType> {
    use Func::*;
    let lit = |i: usize| lits.get(i).copied().flatten();
    let ty = |i: usize| args.get(i).cloned().flatten();
    let const_fsp = || match lit(0) {
        Some(v) => int_arg(v).unwrap_or(0).clamp(0, 6) as u8,
        None => 0,
    };
    let dt = |fsp: u8| Some(Some(SqlType::DateTime { fsp }));
    let time = |fsp: u8| Some(Some(SqlType::Time { fsp }));
    let date = || Some(Some(SqlType::Date));
    Some(match f {
        Now | Sysdate | UtcTimestamp => return dt(const_fsp()),
        CurTime | UtcTime => return time(const_fsp()),
        CurDate | UtcDate | DateFn | LastDay | MakeDate | FromDays => return date(),
        TimeFn => return time(arg_fsp(lit(0), &ty(0))),
        TimestampFn => {
            let a = arg_fsp(lit(0), &ty(0));
            let b = if args.len() > 1 {
                arg_fsp(lit(1), &ty(1))
            } else {
                0
            };
            return dt(a.max(b));
        }
        ConvertTz => return dt(arg_fsp(lit(0), &ty(0))),
        Year | Month | Day | Hour | Minute | Second | Microsecond | Quarter | DayOfWeek
        | DayOfYear | Week | WeekDay | WeekOfYear | YearWeek | ToDays | ToSeconds | TimeToSec
        | PeriodAdd | PeriodDiff | DateDiff | TimestampDiff | Extract => bigint(),
        UnixTimestamp => {
            if args.is_empty() {
                bigint()
            } else {
                let fsp = arg_fsp(lit(0), &ty(0));
                if fsp == 0 {
                    bigint()
                } else {
                    Some(SqlType::Decimal {
                        precision: 14 + fsp,
                        scale: fsp,
                    })
                }
            }
        }
        FromUnixtime => {
            if args.len() > 1 {
                varchar(255)
            } else {
                return dt(arg_fsp(lit(0), &ty(0)));
            }
        }
        DayName | MonthName => varchar(9),
        DateFormat | TimeFormat => varchar(255),
        GetFormat => varchar(17),
        MakeTime => return time(arg_fsp(lit(2), &ty(2))),
        SecToTime => return time(arg_fsp(lit(0), &ty(0))),
        TimeDiff => {
            let fsp = arg_fsp(lit(0), &ty(0)).max(arg_fsp(lit(1), &ty(1)));
            return time(fsp);
        }
        AddTime | SubTime => {
            let fsp = arg_fsp(lit(0), &ty(0)).max(arg_fsp(lit(1), &ty(1)));
            match is_temporal_type(&ty(0)) {
                Some(SqlType::DateTime { .. } | SqlType::Timestamp { .. }) => return dt(fsp),
                Some(SqlType::Time { .. }) => return time(fsp),
                _ => varchar(26),
            }
        }
        StrToDate => {
            let Some(fmt) = lit(1).and_then(|v| v.to_text()) else {
                return dt(6);
            };
            match format_kind(&fmt) {
                (true, false, _) => return date(),
                (false, true, frac) => return time(if frac { 6 } else { 0 }),
                (_, _, frac) => return dt(if frac { 6 } else { 0 }),
            }
        }
        DateAdd | DateSub | AddDate | SubDate | TimestampAdd => {
            // Arguments: (date, value, unit) — TIMESTAMPADD is (unit, value, date).
            let (d, v, u) = if f == TimestampAdd {
                (2, 1, 0)
            } else {
                (0, 1, 2)
            };
            let unit = if args.len() == 2 {
                Some(Unit::Day)
            } else {
                lit(u)
                    .and_then(|x| x.to_text())
                    .and_then(|u| Unit::parse(&u))
            };
            let frac = match unit {
                Some(u) if u.has_micros() => 6,
                Some(Unit::Second) => arg_fsp(lit(v), &ty(v)),
                _ => 0,
            };
            match (is_temporal_type(&ty(d)), unit) {
                (Some(SqlType::Date), Some(u)) if u.is_date_only() => return date(),
                (Some(SqlType::Date), _) => return dt(frac),
                (Some(SqlType::DateTime { fsp } | SqlType::Timestamp { fsp }), _) => {
                    return dt((*fsp).max(frac))
                }
                (Some(SqlType::Time { fsp }), Some(u)) if !u.is_date_only() => {
                    return time((*fsp).max(frac))
                }
                (Some(SqlType::Time { .. }), _) => return dt(frac),
                _ => varchar(29),
            }
        }
        _ => return None,
    })
}

/// The result type without constant arguments known.
pub(super) fn result_type(f: Func, args: &[ColType]) -> Option<ColType> {
    let lits = vec![None; args.len()];
    bind_type(f, &lits, args)
}

// ---- evaluation ----

fn fsp_arg(v: &Value) -> u8 {
    int_arg(v).unwrap_or(0).clamp(0, 6) as u8
}

/// The session's clock now (SYSDATE: the time the function runs, not the statement's).
fn sysdate_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// DATE_ADD and its kin: `d` plus `iv`.
fn date_add(d: &Value, iv: Option<Interval>, unit: Unit, cx: &EvalCx) -> Value {
    let Some(iv) = iv else {
        return datetime_overflow(cx);
    };
    if let Value::Time(t) = d {
        if !unit.is_date_only() {
            let Some(us) = t.to_micros().checked_add(iv.micros) else {
                return datetime_overflow(cx);
            };
            return Value::Time(clamp_time(us, cx, || Time::from_micros(us).format(6)));
        }
    }
    let Some((dt, had_time)) = dt_arg_typed(d, cx) else {
        return Value::Null;
    };
    if dt.date.check() != DateCheck::Valid {
        bad_datetime(d, cx);
        return Value::Null;
    }
    let Some(r) = add_interval(dt, iv) else {
        return datetime_overflow(cx);
    };
    let date_only = !had_time && unit.is_date_only();
    match d {
        Value::Date(_) if unit.is_date_only() => Value::Date(r.date),
        Value::Bytes(_) | Value::Int(_) | Value::UInt(_) | Value::Decimal(_) | Value::Double(_) => {
            if date_only {
                Value::Bytes(r.date.format().into_bytes())
            } else {
                let fsp = if r.micro != 0 || unit.has_micros() {
                    6
                } else {
                    0
                };
                Value::Bytes(r.format(fsp).into_bytes())
            }
        }
        _ => Value::DateTime(r),
    }
}

fn months_between(a: &DateTime, b: &DateTime) -> i64 {
    // MySQL's TIMESTAMPDIFF for month units: whole months from a to b.
    let (neg, beg, end) = if abs_micros(b) < abs_micros(a) {
        (true, b, a)
    } else {
        (false, a, b)
    };
    let (yb, mb, db) = (
        i64::from(beg.date.year),
        i64::from(beg.date.month),
        i64::from(beg.date.day),
    );
    let (ye, me, de) = (
        i64::from(end.date.year),
        i64::from(end.date.month),
        i64::from(end.date.day),
    );
    let (sb, se) = (day_micros(beg), day_micros(end));
    let mut years = ye - yb;
    let before = me < mb || (me == mb && de < db);
    if before {
        years -= 1;
    }
    let mut months = 12 * years;
    if before {
        months += 12 - (mb - me);
    } else {
        months += me - mb;
    }
    if de < db || (de == db && se < sb) {
        months -= 1;
    }
    if neg {
        -months
    } else {
        months
    }
}

fn period_to_months(p: i64) -> i64 {
    if p == 0 {
        return 0;
    }
    let mut y = p / 100;
    if y < 70 {
        y += 2000;
    } else if y < 100 {
        y += 1900;
    }
    y * 12 + p % 100 - 1
}

fn months_to_period(m: i64) -> i64 {
    if m == 0 {
        return 0;
    }
    let y = m / 12;
    y * 100 + m % 12 + 1
}

fn extract(unit: &[u8], v: &Value, cx: &EvalCx) -> Option<i64> {
    let unit = Unit::parse(unit)?;
    use Unit::*;
    let on_date = matches!(
        unit,
        Year | YearMonth
            | Quarter
            | Month
            | Week
            | Day
            | DayHour
            | DayMinute
            | DaySecond
            | DayMicrosecond
    );
    if on_date {
        let d = dt_arg(v, cx)?;
        let (y, mo, dd) = (
            i64::from(d.date.year),
            i64::from(d.date.month),
            i64::from(d.date.day),
        );
        let (h, mi, s, us) = (
            i64::from(d.hour),
            i64::from(d.minute),
            i64::from(d.second),
            i64::from(d.micro),
        );
        return Some(match unit {
            Year => y,
            YearMonth => y * 100 + mo,
            Quarter => (mo + 2) / 3,
            Month => mo,
            Week => calc_week(&d.date, week_mode(0)).0,
            Day => dd,
            DayHour => dd * 100 + h,
            DayMinute => dd * 10_000 + h * 100 + mi,
            DaySecond => dd * 1_000_000 + h * 10_000 + mi * 100 + s,
            _ => (dd * 1_000_000 + h * 10_000 + mi * 100 + s) * 1_000_000 + us,
        });
    }
    let t = time_arg(v, cx)?;
    let sign = if t.neg { -1 } else { 1 };
    let (h, mi, s, us) = (
        i64::from(t.hour),
        i64::from(t.minute),
        i64::from(t.second),
        i64::from(t.micro),
    );
    Some(
        sign * match unit {
            Hour => h,
            HourMinute => h * 100 + mi,
            HourSecond => h * 10_000 + mi * 100 + s,
            Minute => mi,
            MinuteSecond => mi * 100 + s,
            Second => s,
            Microsecond => us,
            HourMicrosecond => (h * 10_000 + mi * 100 + s) * 1_000_000 + us,
            MinuteMicrosecond => (mi * 100 + s) * 1_000_000 + us,
            _ => s * 1_000_000 + us,
        },
    )
}

fn to_decimal_secs(us: i64, fsp: u8) -> Value {
    if fsp == 0 {
        Value::Int(us.div_euclid(1_000_000))
    } else {
        let unit = 10i64.pow(6 - u32::from(fsp.min(6)));
        Value::Decimal(Decimal::from_i128(i128::from(us / unit), fsp))
    }
}

/// Evaluates a function of this family; `None` for other functions.
pub(super) fn call(f: Func, a: &[Value], cx: &EvalCx) -> Option<SqlResult<Value>> {
    use Func::*;
    let null = Value::Null;
    let arg = |i: usize| a.get(i).unwrap_or(&null);
    let int_of = |i: usize| int_arg(arg(i));
    Some(Ok(match f {
        Now => Value::DateTime(cx.now.truncate_fsp(fsp_arg(arg(0)))),
        Sysdate => match cx.tz.to_local(sysdate_us()) {
            Some(d) => Value::DateTime(d.truncate_fsp(fsp_arg(arg(0)))),
            None => Value::Null,
        },
        UtcTimestamp => match DateTime::from_unix_micros(cx.now_us) {
            Some(d) => Value::DateTime(d.truncate_fsp(fsp_arg(arg(0)))),
            None => Value::Null,
        },
        UtcDate => Value::Date(DateTime::from_unix_micros(cx.now_us)?.date),
        UtcTime => {
            let d = DateTime::from_unix_micros(cx.now_us)?.truncate_fsp(fsp_arg(arg(0)));
            Value::Time(time_of_day(&d))
        }
        CurDate => Value::Date(cx.now.date),
        CurTime => Value::Time(time_of_day(&cx.now.truncate_fsp(fsp_arg(arg(0))))),
        UnixTimestamp => {
            if a.is_empty() {
                Value::Int(cx.now_us.div_euclid(1_000_000))
            } else {
                let Some((d, _)) = dt_arg_typed(arg(0), cx) else {
                    return Some(Ok(Value::Null));
                };
                let fsp = match arg(0) {
                    Value::Bytes(_) => arg_fsp(Some(arg(0)), &None),
                    Value::DateTime(d) if d.micro != 0 => 6,
                    Value::Decimal(x) => x.scale().min(6),
                    _ => 0,
                };
                // MySQL 8.0.28+: 1970-01-01 00:00:00 to 3001-01-18 23:59:59.999999 UTC;
                // outside it (and for zero dates) 0.
                let us = if d.date.check() == DateCheck::Valid {
                    cx.tz.to_utc(&d)
                } else {
                    0
                };
                if !(0..=32_536_771_199_999_999).contains(&us) {
                    to_decimal_secs(0, fsp)
                } else {
                    to_decimal_secs(us, fsp)
                }
            }
        }
        FromUnixtime => {
            let us = match arg(0) {
                Value::Null => return Some(Ok(Value::Null)),
                Value::Int(i) => i.checked_mul(1_000_000),
                Value::UInt(u) => i64::try_from(*u)
                    .ok()
                    .and_then(|i| i.checked_mul(1_000_000)),
                v => v
                    .to_f64()
                    .map(|x| (x * 1e6).round())
                    .filter(|x| x.is_finite() && x.abs() < 9e18)
                    .map(|x| x as i64),
            };
            let Some(us) = us.filter(|us| (0..=32_536_771_199_999_999).contains(us)) else {
                return Some(Ok(Value::Null));
            };
            let Some(dt) = cx.tz.to_local(us) else {
                return Some(Ok(Value::Null));
            };
            if a.len() > 1 {
                let Some(fmt) = text(arg(1)) else {
                    return Some(Ok(Value::Null));
                };
                match format(&dt, None, &fmt, false) {
                    Some(s) => Value::Bytes(s.into_bytes()),
                    None => Value::Null,
                }
            } else {
                Value::DateTime(dt)
            }
        }
        DateFormat => {
            let Some(fmt) = text(arg(1)) else {
                return Some(Ok(Value::Null));
            };
            let Some(dt) = dt_arg(arg(0), cx) else {
                return Some(Ok(Value::Null));
            };
            match format(&dt, None, &fmt, false) {
                Some(s) => Value::Bytes(s.into_bytes()),
                None => Value::Null,
            }
        }
        TimeFormat => {
            let Some(fmt) = text(arg(1)) else {
                return Some(Ok(Value::Null));
            };
            let Some(t) = time_arg(arg(0), cx) else {
                return Some(Ok(Value::Null));
            };
            match format(&DateTime::default(), Some(&t), &fmt, true) {
                Some(s) => Value::Bytes(s.into_bytes()),
                None => Value::Null,
            }
        }
        GetFormat => match (text(arg(0)), text(arg(1))) {
            (Some(t), Some(l)) => get_format(&t, &l)
                .map(|s| Value::Bytes(s.as_bytes().to_vec()))
                .unwrap_or(Value::Null),
            _ => Value::Null,
        },
        StrToDate => {
            let (Some(s), Some(fmt)) = (text(arg(0)), text(arg(1))) else {
                return Some(Ok(Value::Null));
            };
            match str_to_date(&s, &fmt, cx) {
                Some(d) => match format_kind(&fmt) {
                    (true, false, _) => Value::Date(d.date),
                    (false, true, _) => Value::Time(time_of_day(&d)),
                    _ => Value::DateTime(d),
                },
                None => {
                    cx.warn(Warning::warn(
                        1411,
                        format!(
                            "Incorrect datetime value: '{}' for function str_to_date",
                            String::from_utf8_lossy(&s)
                        ),
                    ));
                    Value::Null
                }
            }
        }
        DateFn => dt_arg(arg(0), cx).map_or(Value::Null, |d| Value::Date(d.date)),
        TimeFn => time_arg(arg(0), cx).map_or(Value::Null, Value::Time),
        TimestampFn => {
            let Some(d) = dt_arg(arg(0), cx) else {
                return Some(Ok(Value::Null));
            };
            if a.len() < 2 {
                return Some(Ok(Value::DateTime(d)));
            }
            let Some(t) = time_arg(arg(1), cx) else {
                return Some(Ok(Value::Null));
            };
            match from_abs_micros(abs_micros(&d) + t.to_micros()) {
                Some(r) => Value::DateTime(r),
                None => Value::Null,
            }
        }
        ConvertTz => {
            let (Some(from), Some(to)) = (zone_arg(arg(1)), zone_arg(arg(2))) else {
                return Some(Ok(Value::Null));
            };
            let Some(d) = dt_arg(arg(0), cx) else {
                return Some(Ok(Value::Null));
            };
            if d.date.check() != DateCheck::Valid {
                return Some(Ok(Value::Null));
            }
            Value::DateTime(convert_tz(d, &from, &to))
        }
        Year | Month | Day | Quarter => match dt_arg(arg(0), cx) {
            Some(d) => Value::Int(match f {
                Year => i64::from(d.date.year),
                Month => i64::from(d.date.month),
                Day => i64::from(d.date.day),
                _ => (i64::from(d.date.month) + 2) / 3,
            }),
            None => Value::Null,
        },
        Hour | Minute | Second | Microsecond => match time_arg(arg(0), cx) {
            Some(t) => Value::Int(match f {
                Hour => i64::from(t.hour),
                Minute => i64::from(t.minute),
                Second => i64::from(t.second),
                _ => i64::from(t.micro),
            }),
            None => Value::Null,
        },
        DayOfWeek | WeekDay | DayOfYear | DayName | ToDays | ToSeconds => {
            let Some(d) = real_dt_arg(arg(0), cx) else {
                return Some(Ok(Value::Null));
            };
            let n = daynr(d.date.year, d.date.month, d.date.day);
            match f {
                DayOfWeek => Value::Int(calc_weekday(n, true) + 1),
                WeekDay => Value::Int(calc_weekday(n, false)),
                DayOfYear => Value::Int(n - daynr(d.date.year, 1, 1) + 1),
                DayName => Value::Bytes(DAYS[calc_weekday(n, false) as usize].as_bytes().to_vec()),
                ToDays => Value::Int(n),
                _ => Value::Int(n * 86_400 + day_micros(&d) / 1_000_000),
            }
        }
        MonthName => {
            let Some(d) = dt_arg(arg(0), cx) else {
                return Some(Ok(Value::Null));
            };
            match MONTHS.get(usize::from(d.date.month).wrapping_sub(1)) {
                Some(m) => Value::Bytes(m.as_bytes().to_vec()),
                None => Value::Null,
            }
        }
        Week | WeekOfYear | YearWeek => {
            let Some(d) = real_dt_arg(arg(0), cx) else {
                return Some(Ok(Value::Null));
            };
            let mode = if a.len() > 1 {
                match int_of(1) {
                    Some(m) => m,
                    None => return Some(Ok(Value::Null)),
                }
            } else {
                0
            };
            match f {
                Week => Value::Int(calc_week(&d.date, week_mode(mode)).0),
                WeekOfYear => Value::Int(calc_week(&d.date, week_mode(3)).0),
                _ => {
                    let (w, y) = calc_week(&d.date, week_mode(mode) | WEEK_YEAR);
                    Value::Int(y * 100 + w)
                }
            }
        }
        LastDay => {
            let Some(d) = dt_arg(arg(0), cx) else {
                return Some(Ok(Value::Null));
            };
            if d.date.month == 0 {
                bad_datetime(arg(0), cx);
                return Some(Ok(Value::Null));
            }
            Value::Date(Date::new(
                d.date.year,
                d.date.month,
                days_in_month(d.date.year, d.date.month),
            ))
        }
        MakeDate => {
            let (Some(y), Some(doy)) = (int_of(0), int_of(1)) else {
                return Some(Ok(Value::Null));
            };
            if doy <= 0 || !(0..=9999).contains(&y) {
                return Some(Ok(Value::Null));
            }
            let y = match y {
                0..=69 => y + 2000,
                70..=99 => y + 1900,
                _ => y,
            };
            let n = daynr(y as u16, 1, 1).saturating_add(doy - 1);
            if n > MAX_DAY_NUMBER || n <= 365 {
                return Some(Ok(Value::Null));
            }
            Value::Date(date_from_daynr(n))
        }
        FromDays => match int_of(0) {
            Some(n) => Value::Date(date_from_daynr(n)),
            None => Value::Null,
        },
        MakeTime => {
            let (Some(h), Some(m)) = (int_of(0), int_of(1)) else {
                return Some(Ok(Value::Null));
            };
            let Some(s) = arg(2).to_f64() else {
                return Some(Ok(Value::Null));
            };
            if !(0..=59).contains(&m) || !(0.0..60.0).contains(&s) {
                return Some(Ok(Value::Null));
            }
            let s_us = (s * 1e6).round() as i64;
            let sign = if h < 0 { -1 } else { 1 };
            let total = h
                .unsigned_abs()
                .min(10_000)
                .saturating_mul(3_600_000_000)
                .saturating_add(m as u64 * 60_000_000 + s_us as u64);
            let us = sign * i64::try_from(total).unwrap_or(i64::MAX);
            Value::Time(clamp_time(us, cx, || {
                format!(
                    "{}{:02}:{:02}:{:02}",
                    if h < 0 { "-" } else { "" },
                    h.unsigned_abs(),
                    m,
                    s as i64
                )
            }))
        }
        TimeToSec => match time_arg(arg(0), cx) {
            Some(t) => Value::Int(t.to_micros() / 1_000_000),
            None => Value::Null,
        },
        SecToTime => {
            let Some(s) = arg(0).to_f64() else {
                return Some(Ok(Value::Null));
            };
            let us = (s * 1e6).clamp(-9e18, 9e18) as i64;
            Value::Time(clamp_time(us, cx, || shown(arg(0))))
        }
        DateDiff => match (dt_arg(arg(0), cx), dt_arg(arg(1), cx)) {
            (Some(x), Some(y))
                if x.date.check() == DateCheck::Valid && y.date.check() == DateCheck::Valid =>
            {
                Value::Int(
                    daynr(x.date.year, x.date.month, x.date.day)
                        - daynr(y.date.year, y.date.month, y.date.day),
                )
            }
            _ => Value::Null,
        },
        TimeDiff => match (clock_arg(arg(0), cx), clock_arg(arg(1), cx)) {
            (Some(Clock::At(x)), Some(Clock::At(y))) => {
                let us = abs_micros(&x) - abs_micros(&y);
                Value::Time(clamp_time(us, cx, || Time::from_micros(us).format(6)))
            }
            (Some(Clock::Span(x)), Some(Clock::Span(y))) => {
                let us = x.to_micros() - y.to_micros();
                Value::Time(clamp_time(us, cx, || Time::from_micros(us).format(6)))
            }
            _ => Value::Null,
        },
        AddTime | SubTime => {
            let sign = if f == AddTime { 1 } else { -1 };
            let Some(base) = clock_arg(arg(0), cx) else {
                return Some(Ok(Value::Null));
            };
            // The second argument must be a time (a datetime there is NULL).
            let delta = match arg(1) {
                Value::DateTime(_) | Value::Date(_) => return Some(Ok(Value::Null)),
                Value::Bytes(b) if matches!(parse_datetime(b), Some((_, true))) => {
                    return Some(Ok(Value::Null))
                }
                v => match time_arg(v, cx) {
                    Some(t) => t.to_micros() * sign,
                    None => return Some(Ok(Value::Null)),
                },
            };
            let as_text = matches!(arg(0), Value::Bytes(_));
            match base {
                Clock::At(d) => match from_abs_micros(abs_micros(&d) + delta) {
                    Some(r) if as_text => {
                        Value::Bytes(r.format(if r.micro != 0 { 6 } else { 0 }).into_bytes())
                    }
                    Some(r) => Value::DateTime(r),
                    None => Value::Null,
                },
                Clock::Span(t) => {
                    let us = t.to_micros() + delta;
                    let r = clamp_time(us, cx, || Time::from_micros(us).format(6));
                    if as_text {
                        Value::Bytes(r.format(if r.micro != 0 { 6 } else { 0 }).into_bytes())
                    } else {
                        Value::Time(r)
                    }
                }
            }
        }
        DateAdd | DateSub | AddDate | SubDate => {
            let unit = if a.len() == 2 {
                Some(Unit::Day)
            } else {
                text(arg(2)).and_then(|u| Unit::parse(&u))
            };
            let Some(unit) = unit else {
                return Some(Ok(Value::Null));
            };
            if arg(1).is_null() || arg(0).is_null() {
                return Some(Ok(Value::Null));
            }
            let iv = interval(arg(1), unit).and_then(|iv| {
                if matches!(f, DateSub | SubDate) {
                    Some(Interval {
                        months: iv.months.checked_neg()?,
                        micros: iv.micros.checked_neg()?,
                    })
                } else {
                    Some(iv)
                }
            });
            date_add(arg(0), iv, unit, cx)
        }
        TimestampAdd => {
            let Some(unit) = text(arg(0)).and_then(|u| Unit::parse(&u)) else {
                return Some(Ok(Value::Null));
            };
            if arg(1).is_null() || arg(2).is_null() {
                return Some(Ok(Value::Null));
            }
            date_add(arg(2), interval(arg(1), unit), unit, cx)
        }
        TimestampDiff => {
            let Some(unit) = text(arg(0)).and_then(|u| Unit::parse(&u)) else {
                return Some(Ok(Value::Null));
            };
            let (Some(x), Some(y)) = (dt_arg(arg(1), cx), dt_arg(arg(2), cx)) else {
                return Some(Ok(Value::Null));
            };
            let us = abs_micros(&y) - abs_micros(&x);
            Value::Int(match unit {
                Unit::Microsecond => us,
                Unit::Second => us / 1_000_000,
                Unit::Minute => us / 60_000_000,
                Unit::Hour => us / 3_600_000_000,
                Unit::Day => us / 86_400_000_000,
                Unit::Week => us / (7 * 86_400_000_000),
                Unit::Month => months_between(&x, &y),
                Unit::Quarter => months_between(&x, &y) / 3,
                Unit::Year => months_between(&x, &y) / 12,
                _ => return Some(Ok(Value::Null)),
            })
        }
        Extract => {
            let Some(unit) = text(arg(0)) else {
                return Some(Ok(Value::Null));
            };
            extract(&unit, arg(1), cx).map_or(Value::Null, Value::Int)
        }
        PeriodAdd => {
            let (Some(p), Some(n)) = (int_of(0), int_of(1)) else {
                return Some(Ok(Value::Null));
            };
            if !(0..=999_999).contains(&p) || n.unsigned_abs() > 1 << 40 {
                return Some(Err(SqlError::new(
                    1210,
                    "Incorrect arguments to period_add",
                )));
            }
            Value::Int(months_to_period(period_to_months(p) + n))
        }
        PeriodDiff => {
            let (Some(p), Some(q)) = (int_of(0), int_of(1)) else {
                return Some(Ok(Value::Null));
            };
            if !(0..=999_999).contains(&p) || !(0..=999_999).contains(&q) {
                return Some(Err(SqlError::new(
                    1210,
                    "Incorrect arguments to period_diff",
                )));
            }
            Value::Int(period_to_months(p) - period_to_months(q))
        }
        _ => return None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_are_mysqls() {
        // TO_DAYS('1970-01-01') = 719528, TO_DAYS('0000-01-01') = 1 (MySQL reference).
        assert_eq!(daynr(1970, 1, 1), 719_528);
        assert_eq!(daynr(0, 1, 1), 1);
        assert_eq!(daynr(2007, 10, 7), 733_321);
        for n in [366, 719_528, 733_321, 3_652_424] {
            let d = date_from_daynr(n);
            assert_eq!(daynr(d.year, d.month, d.day), n);
        }
        assert_eq!(date_from_daynr(730_669).format(), "2000-07-03");
    }

    #[test]
    fn weeks_follow_the_reference() {
        let d = Date::new(2008, 2, 20);
        assert_eq!(calc_week(&d, week_mode(0)).0, 7);
        assert_eq!(calc_week(&d, week_mode(1)).0, 8);
        let d = Date::new(2008, 12, 31);
        assert_eq!(calc_week(&d, week_mode(1)).0, 53);
        let d = Date::new(2000, 1, 1);
        assert_eq!(calc_week(&d, week_mode(0)), (0, 2000));
        assert_eq!(calc_week(&d, week_mode(0) | WEEK_YEAR), (52, 1999));
    }

    #[test]
    fn compound_intervals() {
        let iv = interval(&Value::Bytes(b"1:30".to_vec()), Unit::HourMinute).unwrap();
        assert_eq!(iv.micros, 90 * 60_000_000);
        let iv = interval(&Value::Bytes(b"1.5".to_vec()), Unit::SecondMicrosecond).unwrap();
        assert_eq!(iv.micros, 1_500_000);
        let iv = interval(&Value::Bytes(b"-1 10".to_vec()), Unit::DayHour).unwrap();
        assert_eq!(iv.micros, -(34 * 3_600_000_000));
        let iv = interval(&Value::Bytes(b"1-2".to_vec()), Unit::YearMonth).unwrap();
        assert_eq!(iv.months, 14);
        let iv = interval(&Value::Bytes(b"10".to_vec()), Unit::DayMinute).unwrap();
        assert_eq!(iv.micros, 10 * 60_000_000);
    }
}
