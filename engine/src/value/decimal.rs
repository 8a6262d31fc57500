//! Exact fixed-point DECIMAL with MySQL semantics.
//!
//! A [`Decimal`] is `(-1)^neg * mag / 10^scale`, where `mag` is an unsigned integer held as
//! little-endian base-10^9 limbs. Column values obey MySQL's limits (precision <= 65 digits,
//! scale <= 30); intermediate results may be wider and are checked by [`Decimal::fit`] (column
//! store) or by the arithmetic operators (65-digit result limit, error 1690 beyond it).
//!
//! Rounding is half away from zero, as MySQL does for DECIMAL. Division yields
//! `scale(lhs) + 4` fractional digits (`div_precision_increment` = 4), capped at 30.
//! Multiplication keeps `s1 + s2` digits, truncated to 30 when wider (as MySQL does).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use super::ValueError;

const BASE: u64 = 1_000_000_000;
/// Largest precision of a DECIMAL column.
pub const MAX_PRECISION: u8 = 65;
/// Largest scale of a DECIMAL column.
pub const MAX_SCALE: u8 = 30;
/// MySQL's `div_precision_increment` default.
pub const DIV_PRECISION_INCREMENT: u8 = 4;

/// An exact decimal number. Zero is never negative.
#[derive(Clone, Debug)]
pub struct Decimal {
    neg: bool,
    /// Little-endian base-1e9 limbs, no trailing zero limbs (empty = 0).
    mag: Vec<u32>,
    scale: u8,
}

/// How a value fit a DECIMAL(p,s) column: see [`Decimal::fit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// Stored exactly.
    Exact,
    /// Fractional digits were rounded away (MySQL: Note 1265).
    Rounded,
    /// Too many integer digits; the value was clamped to the column's max/min (1264).
    OutOfRange,
}

// ---------------------------------------------------------------------------------------
// Magnitude helpers (little-endian base 1e9).

fn trim(v: &mut Vec<u32>) {
    while v.last() == Some(&0) {
        v.pop();
    }
}

fn mag_cmp(a: &[u32], b: &[u32]) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.iter().rev().cmp(b.iter().rev()))
}

fn mag_add(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let mut carry = 0u64;
    for i in 0..a.len().max(b.len()) {
        let t = *a.get(i).unwrap_or(&0) as u64 + *b.get(i).unwrap_or(&0) as u64 + carry;
        out.push((t % BASE) as u32);
        carry = t / BASE;
    }
    if carry > 0 {
        out.push(carry as u32);
    }
    trim(&mut out);
    out
}

/// `a - b`, requires `a >= b`.
fn mag_sub(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0i64;
    for (i, &x) in a.iter().enumerate() {
        let mut t = x as i64 - *b.get(i).unwrap_or(&0) as i64 - borrow;
        if t < 0 {
            t += BASE as i64;
            borrow = 1;
        } else {
            borrow = 0;
        }
        out.push(t as u32);
    }
    trim(&mut out);
    out
}

fn mag_mul(a: &[u32], b: &[u32]) -> Vec<u32> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut r = vec![0u64; a.len() + b.len() + 1];
    for (i, &x) in a.iter().enumerate() {
        let mut carry = 0u64;
        for (j, &y) in b.iter().enumerate() {
            let t = r[i + j] + x as u64 * y as u64 + carry;
            r[i + j] = t % BASE;
            carry = t / BASE;
        }
        let mut k = i + b.len();
        while carry > 0 {
            let t = r[k] + carry;
            r[k] = t % BASE;
            carry = t / BASE;
            k += 1;
        }
    }
    let mut out: Vec<u32> = r.into_iter().map(|x| x as u32).collect();
    trim(&mut out);
    out
}

/// `a * m` for `m <= 1e9`.
fn mag_mul_small(a: &[u32], m: u64) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + 1);
    let mut carry = 0u64;
    for &x in a {
        let t = x as u64 * m + carry;
        out.push((t % BASE) as u32);
        carry = t / BASE;
    }
    while carry > 0 {
        out.push((carry % BASE) as u32);
        carry /= BASE;
    }
    trim(&mut out);
    out
}

/// `(a / d, a % d)` for `0 < d <= 1e9`.
fn mag_divmod_small(a: &[u32], d: u64) -> (Vec<u32>, u64) {
    let mut q = vec![0u32; a.len()];
    let mut rem = 0u64;
    for i in (0..a.len()).rev() {
        let cur = rem * BASE + a[i] as u64;
        q[i] = (cur / d) as u32;
        rem = cur % d;
    }
    trim(&mut q);
    (q, rem)
}

/// Long division `(a / b, a % b)`, `b != 0`. Each quotient limb is found by binary search;
/// operands are at most a few dozen limbs, so this is cheap and obviously correct.
fn mag_divmod(a: &[u32], b: &[u32]) -> (Vec<u32>, Vec<u32>) {
    if b.len() == 1 {
        let (q, r) = mag_divmod_small(a, b[0] as u64);
        let mut r = vec![r as u32];
        trim(&mut r);
        return (q, r);
    }
    let mut q = vec![0u32; a.len()];
    let mut rem: Vec<u32> = Vec::new();
    for i in (0..a.len()).rev() {
        rem.insert(0, a[i]);
        trim(&mut rem);
        if mag_cmp(&rem, b) == Ordering::Less {
            continue;
        }
        let (mut lo, mut hi) = (1u64, BASE - 1);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if mag_cmp(&mag_mul_small(b, mid), &rem) != Ordering::Greater {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        q[i] = lo as u32;
        rem = mag_sub(&rem, &mag_mul_small(b, lo));
    }
    trim(&mut q);
    (q, rem)
}

fn pow10_small(k: u32) -> u64 {
    10u64.pow(k)
}

fn mag_pow10(k: u32) -> Vec<u32> {
    let mut v = vec![0u32; (k / 9) as usize];
    v.push(pow10_small(k % 9) as u32);
    v
}

fn mag_mul_pow10(a: &[u32], k: u32) -> Vec<u32> {
    if a.is_empty() {
        return Vec::new();
    }
    let mut v = mag_mul_small(a, pow10_small(k % 9));
    let zeros = (k / 9) as usize;
    if zeros > 0 {
        v.splice(0..0, std::iter::repeat_n(0, zeros));
    }
    v
}

fn mag_digits(a: &[u32]) -> u32 {
    match a.last() {
        None => 0,
        Some(&top) => (a.len() as u32 - 1) * 9 + (top.checked_ilog10().unwrap_or(0) + 1),
    }
}

fn mag_from_u128(mut x: u128) -> Vec<u32> {
    let mut v = Vec::new();
    while x > 0 {
        v.push((x % BASE as u128) as u32);
        x /= BASE as u128;
    }
    v
}

fn mag_to_u128(a: &[u32]) -> Option<u128> {
    let mut x: u128 = 0;
    for &l in a.iter().rev() {
        x = x.checked_mul(BASE as u128)?.checked_add(l as u128)?;
    }
    Some(x)
}

fn mag_to_string(a: &[u32]) -> String {
    let mut s = String::new();
    match a.last() {
        None => s.push('0'),
        Some(top) => {
            s.push_str(&top.to_string());
            for l in a.iter().rev().skip(1) {
                s.push_str(&format!("{l:09}"));
            }
        }
    }
    s
}

/// Magnitude from ASCII digits (no sign, no point).
fn mag_from_digits(d: &[u8]) -> Vec<u32> {
    let mut v = Vec::with_capacity(d.len() / 9 + 1);
    let mut end = d.len();
    while end > 0 {
        let start = end.saturating_sub(9);
        let mut limb = 0u32;
        for &c in &d[start..end] {
            limb = limb * 10 + (c - b'0') as u32;
        }
        v.push(limb);
        end = start;
    }
    trim(&mut v);
    v
}

// ---------------------------------------------------------------------------------------
// Numeric text scanning shared with the string -> number conversions in `mod.rs`.

/// The result of scanning the numeric prefix of a string.
#[derive(Debug, Clone)]
pub(crate) struct Scan {
    pub neg: bool,
    /// Integer digits then fraction digits, ASCII.
    pub digits: Vec<u8>,
    pub frac_len: usize,
    pub exp: i64,
    /// Bytes consumed, including leading whitespace.
    pub end: usize,
}

/// Scans `[ws][+-]digits[.digits][e[+-]digits]`. `None` when no digit is present.
pub(crate) fn scan_number(s: &[u8]) -> Option<Scan> {
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut digits = Vec::new();
    let mut any = false;
    while i < s.len() && s[i].is_ascii_digit() {
        digits.push(s[i]);
        any = true;
        i += 1;
    }
    let mut frac_len = 0;
    if i < s.len() && s[i] == b'.' {
        let mut j = i + 1;
        while j < s.len() && s[j].is_ascii_digit() {
            digits.push(s[j]);
            frac_len += 1;
            j += 1;
        }
        if any || frac_len > 0 {
            any = true;
            i = j;
        }
    }
    if !any {
        return None;
    }
    let mut exp = 0i64;
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        let mut j = i + 1;
        let mut eneg = false;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            eneg = s[j] == b'-';
            j += 1;
        }
        let start = j;
        let mut e = 0i64;
        while j < s.len() && s[j].is_ascii_digit() {
            e = (e * 10 + (s[j] - b'0') as i64).min(1_000_000);
            j += 1;
        }
        if j > start {
            exp = if eneg { -e } else { e };
            i = j;
        }
    }
    Some(Scan {
        neg,
        digits,
        frac_len,
        exp,
        end: i,
    })
}

fn out_of_range() -> ValueError {
    ValueError::new(1690, "DECIMAL value is out of range")
}

impl Decimal {
    /// Zero with scale 0.
    pub fn zero() -> Decimal {
        Decimal {
            neg: false,
            mag: Vec::new(),
            scale: 0,
        }
    }

    fn from_mag(neg: bool, mag: Vec<u32>, scale: u8) -> Decimal {
        let neg = neg && !mag.is_empty();
        Decimal { neg, mag, scale }
    }

    /// Builds `unscaled / 10^scale`. `scale` must be <= [`MAX_SCALE`] for column values.
    pub fn from_i128(unscaled: i128, scale: u8) -> Decimal {
        Decimal::from_mag(unscaled < 0, mag_from_u128(unscaled.unsigned_abs()), scale)
    }

    /// Exact conversion from an integer.
    pub fn from_i64(v: i64) -> Decimal {
        Decimal::from_i128(v as i128, 0)
    }

    /// Exact conversion from an unsigned integer.
    pub fn from_u64(v: u64) -> Decimal {
        Decimal::from_i128(v as i128, 0)
    }

    /// The number of fractional digits.
    pub fn scale(&self) -> u8 {
        self.scale
    }

    /// True when the value is negative (never for zero).
    pub fn is_negative(&self) -> bool {
        self.neg
    }

    /// True when the value is zero.
    pub fn is_zero(&self) -> bool {
        self.mag.is_empty()
    }

    /// Number of digits left of the point (0 for |x| < 1).
    pub fn int_digits(&self) -> u32 {
        mag_digits(&self.mag).saturating_sub(self.scale as u32)
    }

    /// Total significant digits as MySQL counts them: `max(int_digits,1) + scale`.
    pub fn precision(&self) -> u32 {
        self.int_digits().max(1) + self.scale as u32
    }

    pub(crate) fn from_scan(sc: &Scan) -> Result<Decimal, ValueError> {
        let first_nz = sc.digits.iter().position(|&c| c != b'0');
        let Some(first_nz) = first_nz else {
            let scale = (sc.frac_len as i64 - sc.exp).clamp(0, MAX_SCALE as i64) as u8;
            return Ok(Decimal {
                neg: false,
                mag: Vec::new(),
                scale,
            });
        };
        let digits = &sc.digits[first_nz..];
        let scale = sc.frac_len as i64 - sc.exp;
        let int_digits = digits.len() as i64 - scale;
        if int_digits > MAX_PRECISION as i64 {
            return Err(out_of_range());
        }
        if scale <= 0 {
            let mag = mag_mul_pow10(&mag_from_digits(digits), (-scale) as u32);
            return Ok(Decimal::from_mag(sc.neg, mag, 0));
        }
        if scale > MAX_SCALE as i64 + digits.len() as i64 {
            // Far below the smallest representable step: rounds to zero.
            return Ok(Decimal {
                neg: false,
                mag: Vec::new(),
                scale: MAX_SCALE,
            });
        }
        if scale > MAX_SCALE as i64 {
            // Round the digit string to MAX_SCALE fractional digits.
            let drop = (scale - MAX_SCALE as i64) as usize;
            let keep = &digits[..digits.len() - drop];
            let mut mag = mag_from_digits(keep);
            if digits[digits.len() - drop] >= b'5' {
                mag = mag_add(&mag, &[1]);
            }
            return Ok(Decimal::from_mag(sc.neg, mag, MAX_SCALE));
        }
        Ok(Decimal::from_mag(
            sc.neg,
            mag_from_digits(digits),
            scale as u8,
        ))
    }

    /// Parses the numeric prefix of `s` (MySQL string-to-number). Returns the value and the
    /// number of bytes consumed, or `None` when `s` has no leading number.
    pub fn parse_prefix(s: &[u8]) -> Option<(Result<Decimal, ValueError>, usize)> {
        let sc = scan_number(s)?;
        Some((Decimal::from_scan(&sc), sc.end))
    }

    /// Parses a whole decimal literal ("-12.345", "1e3", " 5 "). Error 1366 on bad text,
    /// 1690 when it has more than 65 integer digits.
    pub fn parse(s: &str) -> Result<Decimal, ValueError> {
        let bad = || ValueError::new(1366, format!("Incorrect decimal value: '{s}'"));
        let sc = scan_number(s.as_bytes()).ok_or_else(bad)?;
        if !s.as_bytes()[sc.end..]
            .iter()
            .all(|c| c.is_ascii_whitespace())
        {
            return Err(bad());
        }
        Decimal::from_scan(&sc)
    }

    /// The same value with exactly `scale` fractional digits, rounding half away from zero.
    pub fn round_to_scale(&self, scale: u8) -> Decimal {
        self.rescale(scale, true)
    }

    /// The same value with exactly `scale` fractional digits, truncating toward zero.
    pub fn truncate_to_scale(&self, scale: u8) -> Decimal {
        self.rescale(scale, false)
    }

    fn rescale(&self, scale: u8, round: bool) -> Decimal {
        if scale >= self.scale {
            let mag = mag_mul_pow10(&self.mag, (scale - self.scale) as u32);
            return Decimal::from_mag(self.neg, mag, scale);
        }
        let drop = (self.scale - scale) as u32;
        let div = mag_pow10(drop);
        let (mut q, r) = mag_divmod(&self.mag, &div);
        if round && mag_cmp(&mag_mul_small(&r, 2), &div) != Ordering::Less {
            q = mag_add(&q, &[1]);
        }
        Decimal::from_mag(self.neg, q, scale)
    }

    /// Rounds to a DECIMAL(precision, scale) column. On too many integer digits returns the
    /// column's extreme value of the same sign and [`Fit::OutOfRange`].
    pub fn fit(&self, precision: u8, scale: u8) -> (Decimal, Fit) {
        let r = self.round_to_scale(scale);
        let int_max = precision.saturating_sub(scale) as u32;
        if r.int_digits() > int_max {
            let max = mag_sub(&mag_pow10(precision as u32), &[1]);
            return (Decimal::from_mag(self.neg, max, scale), Fit::OutOfRange);
        }
        let exact = r.cmp(self) == Ordering::Equal;
        (r, if exact { Fit::Exact } else { Fit::Rounded })
    }

    /// Applies the 65-digit limit to an arithmetic result.
    fn checked(self) -> Result<Decimal, ValueError> {
        let int = self.int_digits();
        if int > MAX_PRECISION as u32 {
            return Err(out_of_range());
        }
        if int + self.scale as u32 > MAX_PRECISION as u32 {
            let s = (MAX_PRECISION as u32 - int) as u8;
            return Ok(self.round_to_scale(s));
        }
        Ok(self)
    }

    fn aligned(&self, other: &Decimal) -> (Vec<u32>, Vec<u32>, u8) {
        let s = self.scale.max(other.scale);
        (
            mag_mul_pow10(&self.mag, (s - self.scale) as u32),
            mag_mul_pow10(&other.mag, (s - other.scale) as u32),
            s,
        )
    }

    /// Exact sum (scale = max of the scales). Error 1690 past 65 digits.
    pub fn add(&self, other: &Decimal) -> Result<Decimal, ValueError> {
        let (a, b, s) = self.aligned(other);
        let r = if self.neg == other.neg {
            Decimal::from_mag(self.neg, mag_add(&a, &b), s)
        } else {
            match mag_cmp(&a, &b) {
                Ordering::Less => Decimal::from_mag(other.neg, mag_sub(&b, &a), s),
                _ => Decimal::from_mag(self.neg, mag_sub(&a, &b), s),
            }
        };
        r.checked()
    }

    /// Exact difference.
    pub fn sub(&self, other: &Decimal) -> Result<Decimal, ValueError> {
        self.add(&other.negated())
    }

    /// Product with scale `s1 + s2` (truncated to 30 digits when wider).
    pub fn mul(&self, other: &Decimal) -> Result<Decimal, ValueError> {
        let s = self.scale as u32 + other.scale as u32;
        let r = Decimal {
            neg: false,
            mag: mag_mul(&self.mag, &other.mag),
            scale: 0,
        };
        let mut r = if s > MAX_SCALE as u32 {
            let (q, _) = mag_divmod(&r.mag, &mag_pow10(s - MAX_SCALE as u32));
            Decimal::from_mag(self.neg != other.neg, q, MAX_SCALE)
        } else {
            Decimal::from_mag(self.neg != other.neg, r.mag, s as u8)
        };
        r.neg = r.neg && !r.mag.is_empty();
        r.checked()
    }

    /// Quotient with scale `min(s1 + 4, 30)`, rounded half away from zero. `Ok(None)` on
    /// division by zero (SQL NULL; MySQL warns 1365 or errors in strict DML).
    pub fn div(&self, other: &Decimal) -> Result<Option<Decimal>, ValueError> {
        if other.is_zero() {
            return Ok(None);
        }
        let rs = (self.scale as u32 + DIV_PRECISION_INCREMENT as u32).min(MAX_SCALE as u32);
        // self.mag / 10^s1 / (other.mag / 10^s2) = self.mag * 10^(s2 - s1 + rs + 1) / other.mag
        // scaled by 10^(rs + 1); the extra digit drives rounding.
        let shift = other.scale as i64 - self.scale as i64 + rs as i64 + 1;
        let (num, den) = if shift >= 0 {
            (mag_mul_pow10(&self.mag, shift as u32), other.mag.clone())
        } else {
            (self.mag.clone(), mag_mul_pow10(&other.mag, (-shift) as u32))
        };
        let (q, _) = mag_divmod(&num, &den);
        let (mut q, last) = mag_divmod_small(&q, 10);
        if last >= 5 {
            q = mag_add(&q, &[1]);
        }
        Decimal::from_mag(self.neg != other.neg, q, rs as u8)
            .checked()
            .map(Some)
    }

    /// Remainder with the sign of the dividend (MySQL `MOD`); `None` on zero divisor.
    pub fn rem(&self, other: &Decimal) -> Option<Decimal> {
        if other.is_zero() {
            return None;
        }
        let (a, b, s) = self.aligned(other);
        let (_, r) = mag_divmod(&a, &b);
        Some(Decimal::from_mag(self.neg, r, s))
    }

    /// `-self`.
    pub fn negated(&self) -> Decimal {
        Decimal::from_mag(!self.neg, self.mag.clone(), self.scale)
    }

    /// `|self|`.
    pub fn abs(&self) -> Decimal {
        Decimal::from_mag(false, self.mag.clone(), self.scale)
    }

    /// The same value with trailing fractional zeros removed (canonical form).
    pub fn normalized(&self) -> Decimal {
        let mut d = self.clone();
        while d.scale > 0 {
            let (q, r) = mag_divmod_small(&d.mag, 10);
            if r != 0 {
                break;
            }
            d.mag = q;
            d.scale -= 1;
        }
        d
    }

    /// Rounds (half away from zero) to an `i64`; `None` when out of range.
    pub fn to_i64(&self) -> Option<i64> {
        let r = self.round_to_scale(0);
        let m = mag_to_u128(&r.mag)?;
        if r.neg {
            if m <= i64::MAX as u128 + 1 {
                Some((m as i128).wrapping_neg() as i64)
            } else {
                None
            }
        } else {
            i64::try_from(m).ok()
        }
    }

    /// Rounds (half away from zero) to a `u64`; `None` when negative after rounding or too big.
    pub fn to_u64(&self) -> Option<u64> {
        let r = self.round_to_scale(0);
        if r.neg {
            return None;
        }
        u64::try_from(mag_to_u128(&r.mag)?).ok()
    }

    /// The unscaled integer and scale when it fits in `i128` (38 digits).
    pub fn to_i128_unscaled(&self) -> Option<(i128, u8)> {
        let m = i128::try_from(mag_to_u128(&self.mag)?).ok()?;
        Some((if self.neg { -m } else { m }, self.scale))
    }

    /// The nearest `f64` (correctly rounded through the decimal text).
    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(0.0)
    }

    /// From a double via its shortest round-trip text, as MySQL does; error 1690 when the
    /// value has more than 65 integer digits or is not finite.
    pub fn from_f64(v: f64) -> Result<Decimal, ValueError> {
        if !v.is_finite() {
            return Err(out_of_range());
        }
        let text = format!("{v:e}");
        let sc = scan_number(text.as_bytes()).ok_or_else(out_of_range)?;
        Decimal::from_scan(&sc)
    }

    /// Digit string of the magnitude (no sign/point) and the scale.
    pub(crate) fn digits(&self) -> (String, u8) {
        (mag_to_string(&self.mag), self.scale)
    }

    /// Internal parts for the row codec.
    pub(crate) fn parts(&self) -> (bool, &[u32], u8) {
        (self.neg, &self.mag, self.scale)
    }

    /// Rebuilds from the row codec's parts; `None` if a limb is out of range.
    pub(crate) fn from_parts(neg: bool, mut mag: Vec<u32>, scale: u8) -> Option<Decimal> {
        if mag.iter().any(|&l| l as u64 >= BASE) {
            return None;
        }
        trim(&mut mag);
        Some(Decimal::from_mag(neg, mag, scale))
    }
}

impl fmt::Display for Decimal {
    /// MySQL's text form: all `scale` digits shown, leading `0` before the point.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = mag_to_string(&self.mag);
        let s = self.scale as usize;
        let mut out = String::with_capacity(digits.len() + 3);
        if self.neg {
            out.push('-');
        }
        if s == 0 {
            out.push_str(&digits);
        } else {
            let padded = if digits.len() <= s {
                format!("{}{}", "0".repeat(s + 1 - digits.len()), digits)
            } else {
                digits
            };
            let (int, frac) = padded.split_at(padded.len() - s);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
        f.write_str(&out)
    }
}

impl std::str::FromStr for Decimal {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::parse(s)
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.neg, other.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (neg, _) => {
                let (a, b, _) = self.aligned(other);
                let c = mag_cmp(&a, &b);
                if neg {
                    c.reverse()
                } else {
                    c
                }
            }
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let n = self.normalized();
        n.neg.hash(state);
        n.mag.hash(state);
        n.scale.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn parse_and_format() {
        assert_eq!(d("-12.345").to_string(), "-12.345");
        assert_eq!(d("1e3").to_string(), "1000");
        assert_eq!(d("1.5e-2").to_string(), "0.015");
        assert_eq!(d(".5").to_string(), "0.5");
        assert_eq!(d("5.").to_string(), "5");
        assert_eq!(d("-0.00").to_string(), "0.00");
        assert_eq!(d("  +007.10 ").to_string(), "7.10");
        assert!(Decimal::parse("abc").is_err());
        assert!(Decimal::parse("1.2.3").is_err());
        let big = "9".repeat(65);
        assert_eq!(d(&big).to_string(), big);
        assert_eq!(Decimal::parse(&"9".repeat(66)).unwrap_err().code, 1690);
        assert_eq!(d("0.1234567890123456789012345678901234").scale(), 30);
        assert!(d("5e-32").is_zero());
        assert_eq!(d("5e-31"), d(&format!("0.{}1", "0".repeat(29))));
        assert!(d("1e-1000000000000").is_zero());
        assert_eq!(Decimal::parse("1e999999999999").unwrap_err().code, 1690);
        assert!(Decimal::from_f64(5e-324).unwrap().is_zero());
        let (v, n) = Decimal::parse_prefix(b"12abc").unwrap();
        assert_eq!((v.unwrap().to_string(), n), ("12".to_string(), 2));
    }

    #[test]
    fn arithmetic_exact() {
        assert_eq!(d("0.1").add(&d("0.2")).unwrap(), d("0.3"));
        assert_eq!(d("0.1").add(&d("0.2")).unwrap().to_string(), "0.3");
        assert_eq!(d("1.05").sub(&d("2.1")).unwrap().to_string(), "-1.05");
        assert_eq!(d("1.5").mul(&d("-2.25")).unwrap().to_string(), "-3.375");
        assert_eq!(d("1").div(&d("3")).unwrap().unwrap().to_string(), "0.3333");
        assert_eq!(d("2").div(&d("3")).unwrap().unwrap().to_string(), "0.6667");
        assert_eq!(
            d("1.00").div(&d("3")).unwrap().unwrap().to_string(),
            "0.333333"
        );
        assert_eq!(
            d("-7").div(&d("2")).unwrap().unwrap().to_string(),
            "-3.5000"
        );
        assert!(d("1").div(&d("0.00")).unwrap().is_none());
        assert_eq!(d("7.5").rem(&d("2")).unwrap().to_string(), "1.5");
        let big = d(&"9".repeat(65));
        assert_eq!(big.add(&d("1")).unwrap_err().code, 1690);
        let x = d("123456789012345678901234567890.123456789");
        let y = d("987654321098765432109876543210.987654321");
        assert_eq!(
            x.add(&y).unwrap().to_string(),
            "1111111110111111111011111111101.111111110"
        );
        assert_eq!(y.sub(&x).unwrap().add(&x).unwrap(), y);
    }

    #[test]
    fn random_arithmetic_matches_i128() {
        let mut r = XorShift(0x1234_5678_9abc_def1);
        for _ in 0..5000 {
            let a = (r.next() as i64 >> (r.next() % 40)) as i128;
            let b = (r.next() as i64 >> (r.next() % 40)) as i128;
            let (sa, sb) = ((r.next() % 6) as u8, (r.next() % 6) as u8);
            let (da, db) = (Decimal::from_i128(a, sa), Decimal::from_i128(b, sb));
            let s = sa.max(sb);
            let ua = a * 10i128.pow((s - sa) as u32);
            let ub = b * 10i128.pow((s - sb) as u32);
            assert_eq!(da.add(&db).unwrap(), Decimal::from_i128(ua + ub, s));
            assert_eq!(da.sub(&db).unwrap(), Decimal::from_i128(ua - ub, s));
            assert_eq!(da.mul(&db).unwrap(), Decimal::from_i128(a * b, sa + sb));
            assert_eq!(da.cmp(&db), ua.cmp(&ub));
            assert_eq!(d(&da.to_string()), da);
            if b != 0 {
                // q = a/10^sa / (b/10^sb), at scale sa+4, rounded half away from zero.
                let q = da.div(&db).unwrap().unwrap();
                let num = a * 10i128.pow((sb + 4) as u32 + 1);
                let raw = num / b;
                let rounded = if raw.abs() % 10 >= 5 {
                    raw / 10 + raw.signum()
                } else {
                    raw / 10
                };
                assert_eq!(q, Decimal::from_i128(rounded, sa + 4), "{da} / {db}");
                // Big-divisor path: scale up both sides by 10^20.
                let big_a = da.mul(&d("100000000000000000000")).unwrap();
                let big_b = db.mul(&d("100000000000000000000")).unwrap();
                assert_eq!(big_a.div(&big_b).unwrap().unwrap(), q);
            }
        }
    }

    #[test]
    fn fit_to_column() {
        assert_eq!(d("1.234").fit(5, 2), (d("1.23"), Fit::Rounded));
        assert_eq!(d("1.235").fit(5, 2).0.to_string(), "1.24");
        assert_eq!(d("-1.235").fit(5, 2).0.to_string(), "-1.24");
        assert_eq!(d("999.994").fit(5, 2).0.to_string(), "999.99");
        assert_eq!(d("999.995").fit(5, 2), (d("999.99"), Fit::OutOfRange));
        assert_eq!(d("-1000").fit(5, 2), (d("-999.99"), Fit::OutOfRange));
        assert_eq!(d("12").fit(5, 2), (d("12.00"), Fit::Exact));
        assert_eq!(d("12").fit(5, 2).0.to_string(), "12.00");
        assert_eq!(d("0.5").fit(1, 0).0.to_string(), "1");
    }

    #[test]
    fn conversions() {
        assert_eq!(d("2.5").to_i64(), Some(3));
        assert_eq!(d("-2.5").to_i64(), Some(-3));
        assert_eq!(d("-9223372036854775808").to_i64(), Some(i64::MIN));
        assert_eq!(d("9223372036854775808").to_i64(), None);
        assert_eq!(d("18446744073709551615").to_u64(), Some(u64::MAX));
        assert_eq!(d("-0.4").to_u64(), Some(0));
        assert_eq!(d("0.1").to_f64(), 0.1);
        assert_eq!(Decimal::from_f64(0.1).unwrap().to_string(), "0.1");
        assert_eq!(
            Decimal::from_f64(-1.5e10).unwrap().to_string(),
            "-15000000000"
        );
        assert_eq!(
            Decimal::from_i64(i64::MIN).to_string(),
            "-9223372036854775808"
        );
        assert_eq!(d("1.50").normalized().to_string(), "1.5");
        assert_eq!(d("1.0"), d("1.000"));
    }
}
