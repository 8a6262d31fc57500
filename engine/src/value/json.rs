//! JSON documents as MySQL 8.0 has them: the value model ([`Json`]), the text parser with
//! MySQL's error texts, the normalised printer, path expressions ([`Path`]) and the
//! operations the JSON functions are made of (lookup, set/insert/replace, remove, merge,
//! containment).
//!
//! **Storage.** A JSON column holds the document's normalised text (MySQL's own output form:
//! object keys sorted by length then bytes, duplicate keys removed — the last one wins —,
//! `", "` and `": "` separators), so a stored document prints without re-encoding and the
//! row, index, binlog and checksum code treat it as a LONGTEXT `utf8mb4_bin` value.
//! Numbers written with a fraction are kept as DECIMAL when re-read from stored text
//! ([`Parse::Stored`]), so `JSON_OBJECT('a', 1.10)` stored and read back is still
//! `{"a": 1.10}`; user text (`CAST('[1.10]' AS JSON)`) reads them as DOUBLE, as MySQL does.
//! What this loses against MySQL's binary format: DATE/TIME/DATETIME inside a document are
//! strings once stored (JSON_TYPE says STRING, not DATETIME).
//!
//! **Why hand-written.** serde_json would parse the text, but MySQL's behaviour is in the
//! details it does not expose: the error message and byte position of a syntax error
//! (`Invalid JSON text: "Missing a comma or ']' after an array element." at position 5`),
//! the depth limit of 100 (3157), integers past `u64` becoming DOUBLE, duplicate keys, key
//! order; path expressions (`$.a[last-1].**`) have no crate at all. The parser is a small
//! recursive descent bounded by the depth limit.

use std::cmp::Ordering;
use std::fmt::Write as _;

use super::{format_f64, Decimal};

/// MySQL's limit on nesting (ER_JSON_DOCUMENT_TOO_DEEP, 3157).
pub const MAX_DEPTH: usize = 100;

/// A JSON value. Objects keep their members sorted in MySQL's key order, without
/// duplicates.
#[derive(Clone, Debug)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    Decimal(Decimal),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// How numbers with a fraction are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parse {
    /// Text from a user (a string cast to JSON, a string argument): DOUBLE, as MySQL.
    Text,
    /// Normalised text of a stored document or a JSON-typed expression: plain decimals stay
    /// DECIMAL so their digits print as written.
    Stored,
}

/// A syntax error: MySQL's message (rapidjson's wording) and the byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    pub msg: &'static str,
    pub pos: usize,
    /// Nesting deeper than [`MAX_DEPTH`] (3157, not a syntax error).
    pub too_deep: bool,
}

/// MySQL's key order: shorter keys first, then bytewise.
pub fn key_cmp(a: &str, b: &str) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

impl Json {
    /// An object from members in any order; a later duplicate key replaces an earlier one.
    pub fn object(members: Vec<(String, Json)>) -> Json {
        let mut out: Vec<(String, Json)> = Vec::with_capacity(members.len());
        for (k, v) in members {
            object_put(&mut out, k, v);
        }
        Json::Object(out)
    }

    /// MySQL's JSON_TYPE name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "NULL",
            Json::Bool(_) => "BOOLEAN",
            Json::Int(_) => "INTEGER",
            Json::UInt(_) => "UNSIGNED INTEGER",
            Json::Double(_) => "DOUBLE",
            Json::Decimal(_) => "DECIMAL",
            Json::String(_) => "STRING",
            Json::Array(_) => "ARRAY",
            Json::Object(_) => "OBJECT",
        }
    }

    /// JSON_DEPTH.
    pub fn depth(&self) -> usize {
        match self {
            Json::Array(a) if !a.is_empty() => 1 + a.iter().map(Json::depth).max().unwrap_or(0),
            Json::Object(o) if !o.is_empty() => {
                1 + o.iter().map(|(_, v)| v.depth()).max().unwrap_or(0)
            }
            _ => 1,
        }
    }

    /// JSON_LENGTH.
    pub fn length(&self) -> usize {
        match self {
            Json::Array(a) => a.len(),
            Json::Object(o) => o.len(),
            _ => 1,
        }
    }

    /// A member of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(o) => o
                .binary_search_by(|(k, _)| key_cmp(k, key))
                .ok()
                .map(|i| &o[i].1),
            _ => None,
        }
    }

    /// The number, as a double; `None` for other values.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Int(i) => Some(*i as f64),
            Json::UInt(u) => Some(*u as f64),
            Json::Double(d) => Some(*d),
            Json::Decimal(d) => Some(d.to_f64()),
            _ => None,
        }
    }

    /// The normalised text.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        self.write(&mut s, None, 0);
        s
    }

    /// JSON_PRETTY's text: two spaces per level, one member per line.
    pub fn to_pretty(&self) -> String {
        let mut s = String::new();
        self.write(&mut s, Some(2), 0);
        s
    }

    fn write(&self, s: &mut String, indent: Option<usize>, level: usize) {
        let newline = |s: &mut String, level: usize| {
            if let Some(n) = indent {
                s.push('\n');
                s.extend(std::iter::repeat_n(' ', n * level));
            }
        };
        match self {
            Json::Null => s.push_str("null"),
            Json::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
            Json::Int(i) => {
                let _ = write!(s, "{i}");
            }
            Json::UInt(u) => {
                let _ = write!(s, "{u}");
            }
            Json::Double(d) => s.push_str(&format_double(*d)),
            Json::Decimal(d) => {
                let _ = write!(s, "{d}");
            }
            Json::String(t) => quote_into(t, s),
            Json::Array(a) => {
                s.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                        if indent.is_none() {
                            s.push(' ');
                        }
                    }
                    newline(s, level + 1);
                    v.write(s, indent, level + 1);
                }
                if !a.is_empty() {
                    newline(s, level);
                }
                s.push(']');
            }
            Json::Object(o) => {
                s.push('{');
                for (i, (k, v)) in o.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                        if indent.is_none() {
                            s.push(' ');
                        }
                    }
                    newline(s, level + 1);
                    quote_into(k, s);
                    s.push_str(": ");
                    v.write(s, indent, level + 1);
                }
                if !o.is_empty() {
                    newline(s, level);
                }
                s.push('}');
            }
        }
    }

    /// Equality as MySQL compares JSON values (numbers across their kinds).
    pub fn json_eq(&self, other: &Json) -> bool {
        match (self, other) {
            (Json::Null, Json::Null) => true,
            (Json::Bool(a), Json::Bool(b)) => a == b,
            (Json::String(a), Json::String(b)) => a == b,
            (Json::Array(a), Json::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.json_eq(y))
            }
            (Json::Object(a), Json::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka == kb && va.json_eq(vb))
            }
            (a, b) => match (a, b) {
                (Json::Int(x), Json::Int(y)) => x == y,
                (Json::UInt(x), Json::UInt(y)) => x == y,
                (Json::Int(x), Json::UInt(y)) | (Json::UInt(y), Json::Int(x)) => {
                    *x >= 0 && *x as u64 == *y
                }
                _ => match (a.as_f64(), b.as_f64()) {
                    (Some(x), Some(y)) => x == y,
                    _ => false,
                },
            },
        }
    }

    /// JSON_CONTAINS(self, candidate).
    pub fn contains(&self, cand: &Json) -> bool {
        match (self, cand) {
            (Json::Array(_), Json::Array(c)) => c.iter().all(|x| self.contains(x)),
            (Json::Array(t), c) => t.iter().any(|x| x.contains(c)),
            (Json::Object(t), Json::Object(c)) => c.iter().all(|(k, v)| {
                t.binary_search_by(|(tk, _)| key_cmp(tk, k))
                    .map(|i| t[i].1.contains(v))
                    .unwrap_or(false)
            }),
            (Json::Object(_), _) => false,
            (t, c) => t.json_eq(c),
        }
    }
}

/// Inserts or replaces a member keeping the order.
pub fn object_put(o: &mut Vec<(String, Json)>, k: String, v: Json) {
    match o.binary_search_by(|(x, _)| key_cmp(x, &k)) {
        Ok(i) => o[i].1 = v,
        Err(i) => o.insert(i, (k, v)),
    }
}

/// A DOUBLE inside a document: MySQL's digits, with `.0` added to an integral value so it
/// reads back as a DOUBLE.
pub fn format_double(d: f64) -> String {
    let mut t = format_f64(d);
    if !t.contains(['.', 'e', 'E', 'i', 'N']) {
        t.push_str(".0");
    }
    t
}

/// `s` as a JSON string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(s, &mut out);
    out
}

fn quote_into(t: &str, s: &mut String) {
    s.push('"');
    for c in t.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            '\u{8}' => s.push_str("\\b"),
            '\u{c}' => s.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

/// Parses JSON text.
pub fn parse(text: &[u8], mode: Parse) -> Result<Json, JsonError> {
    let mut p = Parser {
        s: text,
        i: 0,
        mode,
    };
    p.ws();
    if p.i >= p.s.len() {
        return Err(p.err("The document is empty."));
    }
    let v = p.value(0)?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err("The document root must not be followed by other values."));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    mode: Parse,
}

impl Parser<'_> {
    fn err(&self, msg: &'static str) -> JsonError {
        JsonError {
            msg,
            pos: self.i,
            too_deep: false,
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        match self.peek() {
            Some(b'{') | Some(b'[') if depth >= MAX_DEPTH => Err(JsonError {
                msg: "",
                pos: self.i,
                too_deep: true,
            }),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b't') => self.word(b"true", Json::Bool(true)),
            Some(b'f') => self.word(b"false", Json::Bool(false)),
            Some(b'n') => self.word(b"null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.err("Invalid value.")),
        }
    }

    fn word(&mut self, w: &[u8], v: Json) -> Result<Json, JsonError> {
        if self.s[self.i..].starts_with(w) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(self.err("Invalid value."))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.i += 1;
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Json::Object(members));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.err("Missing a name for object member."));
            }
            let k = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("Missing a colon after a name of object member."));
            }
            self.i += 1;
            self.ws();
            let v = self.value(depth + 1)?;
            object_put(&mut members, k, v);
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.err("Missing a comma or '}' after an object member.")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b']') => {
                    self.i += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.err("Missing a comma or ']' after an array element.")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let h = self
            .s
            .get(self.i..self.i + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .filter(|_| self.s[self.i..self.i + 4].iter().all(u8::is_ascii_hexdigit));
        match h {
            Some(v) => {
                self.i += 4;
                Ok(v)
            }
            None => Err(self.err("Incorrect hex digit after \\u escape in string.")),
        }
    }

    fn string(&mut self) -> Result<String, JsonError> {
        let start = self.i;
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                self.i = start;
                return Err(self.err("Missing a closing quotation mark in string."));
            };
            match c {
                b'"' => {
                    self.i += 1;
                    break;
                }
                b'\\' => {
                    self.i += 1;
                    let e = self.peek();
                    self.i += 1;
                    match e {
                        Some(b'"') => out.push(b'"'),
                        Some(b'\\') => out.push(b'\\'),
                        Some(b'/') => out.push(b'/'),
                        Some(b'b') => out.push(8),
                        Some(b'f') => out.push(12),
                        Some(b'n') => out.push(b'\n'),
                        Some(b'r') => out.push(b'\r'),
                        Some(b't') => out.push(b'\t'),
                        Some(b'u') => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp) {
                                if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                                    return Err(
                                        self.err("The surrogate pair in string is invalid.")
                                    );
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(
                                        self.err("The surrogate pair in string is invalid.")
                                    );
                                }
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err("Invalid escape character in string."));
                        }
                    }
                }
                c if c < 0x20 => {
                    return Err(self.err("Invalid encoding in string."));
                }
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| JsonError {
            msg: "Invalid encoding in string.",
            pos: start,
            too_deep: false,
        })
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.i += 1;
                }
            }
            _ => return Err(self.err("Invalid value.")),
        }
        let mut frac = false;
        let mut exp = false;
        if self.peek() == Some(b'.') {
            self.i += 1;
            frac = true;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err("Miss fraction part in number."));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.i += 1;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            exp = true;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err("Miss exponent in number."));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.i += 1;
            }
        }
        let t = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0");
        if !frac && !exp {
            if let Ok(v) = t.parse::<i64>() {
                return Ok(Json::Int(v));
            }
            if let Ok(v) = t.parse::<u64>() {
                return Ok(Json::UInt(v));
            }
        } else if frac && !exp && self.mode == Parse::Stored {
            if let Ok(d) = Decimal::parse(t) {
                return Ok(Json::Decimal(d));
            }
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Json::Double(v)),
            _ => {
                self.i = start;
                Err(self.err("Number too big to be stored in double."))
            }
        }
    }
}

/// One step of a path expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Leg {
    Key(String),
    /// `.*`
    AnyKey,
    Index(Idx),
    /// `[m to n]`
    Range(Idx, Idx),
    /// `[*]`
    AnyIndex,
    /// `**`
    Ellipsis,
}

/// An array position: from the start, or `last - n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idx {
    At(u32),
    Last(u32),
}

impl Idx {
    /// The position in an array of `len` elements (`None`: before the start).
    pub fn resolve(self, len: usize) -> Option<usize> {
        match self {
            Idx::At(n) => Some(n as usize),
            Idx::Last(n) => (len.checked_sub(1)?).checked_sub(n as usize),
        }
    }
}

/// A parsed path expression (`$.a[1].*`).
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub legs: Vec<Leg>,
}

/// A path syntax error at this character position (MySQL 3143).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathError(pub usize);

fn is_ident_char(c: char, first: bool) -> bool {
    c == '_' || c == '$' || c.is_alphabetic() || (!first && c.is_numeric()) || !c.is_ascii()
}

impl Path {
    /// Parses `$…`.
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let c: Vec<char> = text.chars().collect();
        let mut i = 0;
        let skip_ws = |i: &mut usize| {
            while *i < c.len() && c[*i].is_whitespace() {
                *i += 1;
            }
        };
        skip_ws(&mut i);
        if c.get(i) != Some(&'$') {
            return Err(PathError(i));
        }
        i += 1;
        let mut legs = Vec::new();
        loop {
            skip_ws(&mut i);
            let Some(&ch) = c.get(i) else { break };
            match ch {
                '.' => {
                    i += 1;
                    skip_ws(&mut i);
                    match c.get(i) {
                        Some('*') => {
                            i += 1;
                            legs.push(Leg::AnyKey);
                        }
                        Some('"') => {
                            let start = i;
                            i += 1;
                            let mut raw = String::from("\"");
                            loop {
                                match c.get(i) {
                                    None => return Err(PathError(start)),
                                    Some('\\') => {
                                        raw.push('\\');
                                        if let Some(n) = c.get(i + 1) {
                                            raw.push(*n);
                                        }
                                        i += 2;
                                    }
                                    Some('"') => {
                                        raw.push('"');
                                        i += 1;
                                        break;
                                    }
                                    Some(o) => {
                                        raw.push(*o);
                                        i += 1;
                                    }
                                }
                            }
                            match parse(raw.as_bytes(), Parse::Text) {
                                Ok(Json::String(k)) => legs.push(Leg::Key(k)),
                                _ => return Err(PathError(start)),
                            }
                        }
                        Some(&f) if is_ident_char(f, true) => {
                            let start = i;
                            while i < c.len() && is_ident_char(c[i], i == start) {
                                i += 1;
                            }
                            legs.push(Leg::Key(c[start..i].iter().collect()));
                        }
                        _ => return Err(PathError(i)),
                    }
                }
                '[' => {
                    i += 1;
                    skip_ws(&mut i);
                    if c.get(i) == Some(&'*') {
                        i += 1;
                        skip_ws(&mut i);
                        if c.get(i) != Some(&']') {
                            return Err(PathError(i));
                        }
                        i += 1;
                        legs.push(Leg::AnyIndex);
                        continue;
                    }
                    let from = Self::index(&c, &mut i)?;
                    skip_ws(&mut i);
                    let to_kw = c.get(i..i + 2).map(|s| s.iter().collect::<String>());
                    if to_kw.as_deref().map(str::to_ascii_lowercase).as_deref() == Some("to")
                        && c.get(i + 2).is_some_and(|x| x.is_whitespace())
                    {
                        i += 2;
                        skip_ws(&mut i);
                        let to = Self::index(&c, &mut i)?;
                        skip_ws(&mut i);
                        if c.get(i) != Some(&']') {
                            return Err(PathError(i));
                        }
                        i += 1;
                        legs.push(Leg::Range(from, to));
                    } else {
                        if c.get(i) != Some(&']') {
                            return Err(PathError(i));
                        }
                        i += 1;
                        legs.push(Leg::Index(from));
                    }
                }
                '*' if c.get(i + 1) == Some(&'*') => {
                    i += 2;
                    legs.push(Leg::Ellipsis);
                }
                _ => return Err(PathError(i)),
            }
        }
        if matches!(legs.last(), Some(Leg::Ellipsis)) {
            return Err(PathError(c.len()));
        }
        Ok(Path { legs })
    }

    fn index(c: &[char], i: &mut usize) -> Result<Idx, PathError> {
        let num = |i: &mut usize| -> Result<u32, PathError> {
            let start = *i;
            while *i < c.len() && c[*i].is_ascii_digit() {
                *i += 1;
            }
            c[start..*i]
                .iter()
                .collect::<String>()
                .parse::<u32>()
                .map_err(|_| PathError(start))
        };
        let word: String = c.get(*i..*i + 4).unwrap_or(&[]).iter().collect();
        if word.eq_ignore_ascii_case("last") {
            *i += 4;
            while *i < c.len() && c[*i].is_whitespace() {
                *i += 1;
            }
            if c.get(*i) == Some(&'-') {
                *i += 1;
                while *i < c.len() && c[*i].is_whitespace() {
                    *i += 1;
                }
                return Ok(Idx::Last(num(i)?));
            }
            return Ok(Idx::Last(0));
        }
        Ok(Idx::At(num(i)?))
    }

    /// Whether it has `*`, `**` or a range (not allowed where one location is meant).
    pub fn is_wild(&self) -> bool {
        self.legs.iter().any(|l| {
            matches!(
                l,
                Leg::AnyKey | Leg::AnyIndex | Leg::Ellipsis | Leg::Range(..)
            )
        })
    }

    /// The values the path selects, in document order, each once.
    pub fn find<'a>(&self, doc: &'a Json) -> Vec<&'a Json> {
        let mut out = Vec::new();
        find(doc, &self.legs, &mut out);
        let mut seen: Vec<*const Json> = Vec::new();
        out.retain(|v| {
            let p = *v as *const Json;
            if seen.contains(&p) {
                false
            } else {
                seen.push(p);
                true
            }
        });
        out
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("$")?;
        let idx = |i: &Idx| match i {
            Idx::At(n) => n.to_string(),
            Idx::Last(0) => "last".into(),
            Idx::Last(n) => format!("last-{n}"),
        };
        for l in &self.legs {
            match l {
                Leg::Key(k) => {
                    let plain = !k.is_empty()
                        && k.chars().enumerate().all(|(i, c)| is_ident_char(c, i == 0));
                    if plain {
                        write!(f, ".{k}")?;
                    } else {
                        write!(f, ".{}", quote(k))?;
                    }
                }
                Leg::AnyKey => f.write_str(".*")?,
                Leg::Index(i) => write!(f, "[{}]", idx(i))?,
                Leg::Range(a, b) => write!(f, "[{} to {}]", idx(a), idx(b))?,
                Leg::AnyIndex => f.write_str("[*]")?,
                Leg::Ellipsis => f.write_str("**")?,
            }
        }
        Ok(())
    }
}

fn find<'a>(v: &'a Json, legs: &[Leg], out: &mut Vec<&'a Json>) {
    let Some((leg, rest)) = legs.split_first() else {
        out.push(v);
        return;
    };
    match leg {
        Leg::Key(k) => {
            if let Some(m) = v.get(k) {
                find(m, rest, out);
            }
        }
        Leg::AnyKey => {
            if let Json::Object(o) = v {
                for (_, m) in o {
                    find(m, rest, out);
                }
            }
        }
        Leg::Index(i) => match v {
            Json::Array(a) => {
                if let Some(m) = i.resolve(a.len()).and_then(|n| a.get(n)) {
                    find(m, rest, out);
                }
            }
            // A non-array is an array of itself for reading.
            other => {
                if i.resolve(1) == Some(0) {
                    find(other, rest, out);
                }
            }
        },
        Leg::Range(a, b) => {
            let items: Vec<&Json> = match v {
                Json::Array(x) => x.iter().collect(),
                other => vec![other],
            };
            if let (Some(lo), Some(hi)) =
                (a.resolve(items.len()).or(Some(0)), b.resolve(items.len()))
            {
                for m in items.iter().take(hi.saturating_add(1)).skip(lo) {
                    find(m, rest, out);
                }
            }
        }
        Leg::AnyIndex => {
            if let Json::Array(a) = v {
                for m in a {
                    find(m, rest, out);
                }
            }
        }
        Leg::Ellipsis => {
            find(v, rest, out);
            match v {
                Json::Array(a) => a.iter().for_each(|m| find(m, legs, out)),
                Json::Object(o) => o.iter().for_each(|(_, m)| find(m, legs, out)),
                _ => {}
            }
        }
    }
}

/// What JSON_SET / JSON_INSERT / JSON_REPLACE do at a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetMode {
    Set,
    Insert,
    Replace,
}

/// Applies one JSON_SET/INSERT/REPLACE step (`path` has no wildcards).
pub fn set_at(doc: &mut Json, path: &Path, value: Json, mode: SetMode) {
    let Some((last, parent_legs)) = path.legs.split_last() else {
        // `$` itself: JSON_SET and JSON_REPLACE replace the document.
        if mode != SetMode::Insert {
            *doc = value;
        }
        return;
    };
    let Some(parent) = locate_mut(doc, parent_legs) else {
        return;
    };
    match last {
        Leg::Key(k) => {
            if let Json::Object(o) = parent {
                match o.binary_search_by(|(x, _)| key_cmp(x, k)) {
                    Ok(i) if mode != SetMode::Insert => o[i].1 = value,
                    Err(i) if mode != SetMode::Replace => o.insert(i, (k.clone(), value)),
                    _ => {}
                }
            }
        }
        Leg::Index(i) => match parent {
            Json::Array(a) => match i.resolve(a.len()) {
                Some(n) if n < a.len() && mode != SetMode::Insert => a[n] = value,
                Some(n) if n < a.len() => {}
                _ if mode != SetMode::Replace && matches!(i, Idx::At(_)) => a.push(value),
                _ => {}
            },
            other => match i.resolve(1) {
                Some(0) if mode != SetMode::Insert => *other = value,
                Some(0) => {}
                _ if mode != SetMode::Replace && matches!(i, Idx::At(_)) => {
                    let old = std::mem::replace(other, Json::Null);
                    *other = Json::Array(vec![old, value]);
                }
                _ => {}
            },
        },
        _ => {}
    }
}

/// The value at a path without wildcards, for changing it.
pub fn locate_mut<'a>(v: &'a mut Json, legs: &[Leg]) -> Option<&'a mut Json> {
    let Some((leg, rest)) = legs.split_first() else {
        return Some(v);
    };
    match leg {
        Leg::Key(k) => match v {
            Json::Object(o) => {
                let i = o.binary_search_by(|(x, _)| key_cmp(x, k)).ok()?;
                locate_mut(&mut o[i].1, rest)
            }
            _ => None,
        },
        Leg::Index(i) => match v {
            Json::Array(a) => {
                let n = i.resolve(a.len())?;
                locate_mut(a.get_mut(n)?, rest)
            }
            other => {
                if i.resolve(1) == Some(0) {
                    locate_mut(other, rest)
                } else {
                    None
                }
            }
        },
        _ => None,
    }
}

/// JSON_REMOVE at one path (not `$`, no wildcards); whether something was removed.
pub fn remove_at(doc: &mut Json, path: &Path) -> bool {
    let Some((last, parent_legs)) = path.legs.split_last() else {
        return false;
    };
    let Some(parent) = locate_mut(doc, parent_legs) else {
        return false;
    };
    match (last, parent) {
        (Leg::Key(k), Json::Object(o)) => match o.binary_search_by(|(x, _)| key_cmp(x, k)) {
            Ok(i) => {
                o.remove(i);
                true
            }
            Err(_) => false,
        },
        (Leg::Index(i), Json::Array(a)) => match i.resolve(a.len()) {
            Some(n) if n < a.len() => {
                a.remove(n);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// JSON_MERGE_PRESERVE of two documents.
pub fn merge_preserve(a: Json, b: Json) -> Json {
    match (a, b) {
        (Json::Object(mut x), Json::Object(y)) => {
            for (k, v) in y {
                match x.binary_search_by(|(q, _)| key_cmp(q, &k)) {
                    Ok(i) => {
                        let old = std::mem::replace(&mut x[i].1, Json::Null);
                        x[i].1 = merge_preserve(old, v);
                    }
                    Err(i) => x.insert(i, (k, v)),
                }
            }
            Json::Object(x)
        }
        (a, b) => {
            let mut items = match a {
                Json::Array(x) => x,
                other => vec![other],
            };
            match b {
                Json::Array(y) => items.extend(y),
                other => items.push(other),
            }
            Json::Array(items)
        }
    }
}

/// JSON_MERGE_PATCH of two documents (RFC 7396).
pub fn merge_patch(target: Json, patch: Json) -> Json {
    let Json::Object(p) = patch else {
        return patch;
    };
    let mut t = match target {
        Json::Object(t) => t,
        _ => Vec::new(),
    };
    for (k, v) in p {
        match t.binary_search_by(|(q, _)| key_cmp(q, &k)) {
            Ok(i) => {
                if matches!(v, Json::Null) {
                    t.remove(i);
                } else {
                    let old = std::mem::replace(&mut t[i].1, Json::Null);
                    t[i].1 = merge_patch(old, v);
                }
            }
            Err(i) => {
                if !matches!(v, Json::Null) {
                    t.insert(i, (k, merge_patch(Json::Null, v)));
                }
            }
        }
    }
    Json::Object(t)
}

/// Every path to a string value (for JSON_SEARCH), in document order.
pub fn string_paths<'a>(v: &'a Json, at: &mut Vec<Leg>, out: &mut Vec<(Path, &'a str)>) {
    match v {
        Json::String(s) => out.push((Path { legs: at.clone() }, s)),
        Json::Array(a) => {
            for (i, m) in a.iter().enumerate() {
                at.push(Leg::Index(Idx::At(i as u32)));
                string_paths(m, at, out);
                at.pop();
            }
        }
        Json::Object(o) => {
            for (k, m) in o {
                at.push(Leg::Key(k.clone()));
                string_paths(m, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(t: &str) -> String {
        parse(t.as_bytes(), Parse::Text).unwrap().to_text()
    }

    #[test]
    fn normalises_as_mysql() {
        assert_eq!(
            norm(r#"{"b":1,"a":2,"aa":[1,2.5,true,null]}"#),
            r#"{"a": 2, "b": 1, "aa": [1, 2.5, true, null]}"#
        );
        assert_eq!(norm(r#"{"a":1,"a":2}"#), r#"{"a": 2}"#);
        assert_eq!(norm("1.0"), "1.0");
        assert_eq!(norm("18446744073709551615"), "18446744073709551615");
        assert_eq!(norm(r#""\u00e9\n""#), "\"é\\n\"");
        assert_eq!(norm("[]"), "[]");
        assert_eq!(parse(b"1.10", Parse::Stored).unwrap().to_text(), "1.10");
    }

    #[test]
    fn errors_carry_position() {
        let e = parse(b"[1,2", Parse::Text).unwrap_err();
        assert_eq!(e.msg, "Missing a comma or ']' after an array element.");
        assert_eq!(e.pos, 4);
        assert_eq!(
            parse(b"", Parse::Text).unwrap_err().msg,
            "The document is empty."
        );
        let deep = "[".repeat(101) + &"]".repeat(101);
        assert!(parse(deep.as_bytes(), Parse::Text).unwrap_err().too_deep);
        let ok = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(ok.as_bytes(), Parse::Text).is_ok());
    }

    #[test]
    fn paths() {
        let doc = parse(br#"{"a":[1,{"b":2},3],"c d":{"b":4}}"#, Parse::Text).unwrap();
        let p = |t: &str| Path::parse(t).unwrap();
        let texts = |t: &str| {
            p(t).find(&doc)
                .iter()
                .map(|v| v.to_text())
                .collect::<Vec<_>>()
        };
        assert_eq!(texts("$.a[1].b"), ["2"]);
        assert_eq!(texts("$.a[last]"), ["3"]);
        assert_eq!(texts("$.a[last-2]"), ["1"]);
        assert_eq!(texts("$.\"c d\".b"), ["4"]);
        assert_eq!(texts("$**.b"), ["2", "4"]);
        assert_eq!(texts("$.a[0 to 1]"), ["1", "{\"b\": 2}"]);
        assert_eq!(texts("$.a[0][0]"), ["1"]);
        assert!(Path::parse("a").is_err());
        assert!(Path::parse("$.a**").is_err());
        assert_eq!(p("$.\"c d\"[last-1]").to_string(), "$.\"c d\"[last-1]");
    }

    #[test]
    fn changes() {
        let mut d = parse(br#"{"a":1,"b":[2,3]}"#, Parse::Text).unwrap();
        set_at(
            &mut d,
            &Path::parse("$.c").unwrap(),
            Json::Int(9),
            SetMode::Set,
        );
        set_at(
            &mut d,
            &Path::parse("$.a").unwrap(),
            Json::Int(5),
            SetMode::Insert,
        );
        set_at(
            &mut d,
            &Path::parse("$.b[5]").unwrap(),
            Json::Int(4),
            SetMode::Set,
        );
        set_at(
            &mut d,
            &Path::parse("$.a[1]").unwrap(),
            Json::Int(7),
            SetMode::Insert,
        );
        assert_eq!(d.to_text(), r#"{"a": [1, 7], "b": [2, 3, 4], "c": 9}"#);
        assert!(remove_at(&mut d, &Path::parse("$.b[0]").unwrap()));
        assert_eq!(d.to_text(), r#"{"a": [1, 7], "b": [3, 4], "c": 9}"#);
        let m = merge_patch(
            parse(br#"{"a":1,"b":2}"#, Parse::Text).unwrap(),
            parse(br#"{"a":3,"b":null,"c":4}"#, Parse::Text).unwrap(),
        );
        assert_eq!(m.to_text(), r#"{"a": 3, "c": 4}"#);
        let m = merge_preserve(
            parse(br#"{"a":1}"#, Parse::Text).unwrap(),
            parse(br#"{"a":2}"#, Parse::Text).unwrap(),
        );
        assert_eq!(m.to_text(), r#"{"a": [1, 2]}"#);
        let t = parse(br#"{"a":1,"b":[1,2,{"c":3}]}"#, Parse::Text).unwrap();
        assert!(t.contains(&parse(br#"{"b":[{"c":3}]}"#, Parse::Text).unwrap()));
        assert!(!t.contains(&parse(br#"{"b":[4]}"#, Parse::Text).unwrap()));
        assert!(Json::Int(1).json_eq(&Json::Double(1.0)));
    }
}
