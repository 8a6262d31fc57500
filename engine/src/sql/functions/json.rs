//! The JSON family: JSON_ARRAY, JSON_OBJECT, JSON_EXTRACT (and `->`, `->>`),
//! JSON_UNQUOTE, JSON_QUOTE, JSON_CONTAINS, JSON_CONTAINS_PATH, JSON_KEYS, JSON_LENGTH,
//! JSON_DEPTH, JSON_TYPE, JSON_VALID, JSON_SET / INSERT / REPLACE / REMOVE,
//! JSON_ARRAY_APPEND / INSERT, JSON_MERGE_PRESERVE / PATCH, JSON_SEARCH, JSON_PRETTY,
//! JSON_OVERLAPS, `MEMBER OF`, and CAST(… AS JSON), with MySQL 8.0's error codes.
//!
//! **How arguments arrive.** A JSON value travels between expressions as its normalised
//! text with the result type [`SqlType::Json`]. While binding, [`prepare`] wraps each
//! argument in a [`CastTo::Json`] that says how to make it JSON: a document argument that
//! is a character string is parsed (3141 names the function and the argument); a value
//! argument is converted by its SQL type (a string becomes a JSON string, a number a
//! number, a comparison `true`/`false`, a temporal its text, a JSON expression stays as
//! it is). So every function below receives JSON text it can parse with
//! [`Parse::Stored`]. The document model, paths and operations are in
//! [`crate::value::json`].

use super::{text, Func};
use crate::sql::error::{SqlError, SqlResult};
use crate::sql::expr::{CastTo, ColType, EvalCx, Expr};
use crate::value::json::{self, Json, Leg, Parse, Path, SetMode};
use crate::value::{Collation, IntKind, LobKind, SqlType, Value};

/// How a value becomes JSON (the argument of [`CastTo::Json`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonFrom {
    /// JSON text already (a JSON column or expression).
    Json,
    /// A character string holding JSON text, parsed; errors name `func`'s argument `arg`
    /// (1-based).
    Text { func: &'static str, arg: u8 },
    /// A character string as a JSON string.
    Str,
    /// A binary string: MySQL's opaque `base64:type15:…` string.
    Binary,
    /// A comparison result: `true` / `false`.
    Bool,
    /// Numbers and temporals, by the value.
    Scalar,
}

impl JsonFrom {
    /// How a value argument of type `t` becomes JSON.
    pub fn value(t: &ColType) -> JsonFrom {
        match t {
            Some(SqlType::Json) => JsonFrom::Json,
            Some(SqlType::Int {
                kind: IntKind::Int,
                unsigned: false,
                width: Some(1),
            }) => JsonFrom::Bool,
            Some(SqlType::Binary { .. } | SqlType::VarBinary { .. } | SqlType::Blob { .. }) => {
                JsonFrom::Binary
            }
            Some(t) if t.is_string() || matches!(t, SqlType::Enum { .. } | SqlType::Set { .. }) => {
                JsonFrom::Str
            }
            None => JsonFrom::Str,
            Some(_) => JsonFrom::Scalar,
        }
    }
}

/// The text type JSON_UNQUOTE, JSON_QUOTE, JSON_PRETTY and JSON_TYPE return.
fn long_text() -> ColType {
    Some(SqlType::Text {
        kind: LobKind::Long,
        collation: Collation::Utf8mb4Bin,
    })
}

fn int() -> ColType {
    Some(SqlType::Int {
        kind: IntKind::Big,
        unsigned: false,
        width: None,
    })
}

/// The result type of a function of this family; `None` for other functions.
pub(super) fn result_type(f: Func) -> Option<ColType> {
    use Func::*;
    Some(match f {
        JsonArray | JsonObject | JsonExtract | JsonKeys | JsonSet | JsonInsert | JsonReplace
        | JsonRemove | JsonArrayAppend | JsonArrayInsert | JsonMergePreserve | JsonMerge
        | JsonMergePatch | JsonSearch => Some(SqlType::Json),
        JsonUnquote | JsonQuote | JsonPretty | JsonType => long_text(),
        JsonContains | JsonContainsPath | JsonLength | JsonDepth | JsonValid | JsonOverlaps
        | JsonStorageSize => int(),
        MemberOf => Some(SqlType::Int {
            kind: IntKind::Int,
            unsigned: false,
            width: Some(1),
        }),
        _ => return None,
    })
}

/// What an argument position of `f` is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A JSON document (a string is parsed).
    Doc,
    /// A value made into JSON by its type.
    Value,
    /// Taken as it is (paths, keys, modes, search strings).
    Raw,
}

fn role(f: Func, i: usize) -> Role {
    use Func::*;
    match f {
        JsonArray => Role::Value,
        JsonObject => {
            if i % 2 == 1 {
                Role::Value
            } else {
                Role::Raw
            }
        }
        JsonSet | JsonInsert | JsonReplace | JsonArrayAppend | JsonArrayInsert => match i {
            0 => Role::Doc,
            i if i % 2 == 0 => Role::Value,
            _ => Role::Raw,
        },
        JsonContains | JsonOverlaps => {
            if i < 2 {
                Role::Doc
            } else {
                Role::Raw
            }
        }
        JsonMergePreserve | JsonMerge | JsonMergePatch => Role::Doc,
        MemberOf => {
            if i == 0 {
                Role::Value
            } else {
                Role::Doc
            }
        }
        JsonUnquote | JsonQuote | JsonValid => Role::Raw,
        _ => {
            if i == 0 {
                Role::Doc
            } else {
                Role::Raw
            }
        }
    }
}

/// True for the functions of this family.
pub fn is_json(f: Func) -> bool {
    result_type(f).is_some()
}

/// The error for a non-string, non-JSON document argument.
fn bad_type(fname: &str, arg: usize) -> SqlError {
    SqlError::new(
        3146,
        format!(
            "Invalid data type for JSON data in argument {arg} to function {fname}; a JSON string or JSON type is required."
        ),
    )
}

/// Wraps the arguments of JSON function `f` so each arrives as JSON text (see the module
/// docs); checks what MySQL checks while resolving.
pub fn prepare(f: Func, args: &mut [Expr], types: &[ColType]) -> SqlResult<()> {
    let fname: &'static str = lower_name(f);
    let n = args.len();
    let odd_needed = matches!(
        f,
        Func::JsonSet
            | Func::JsonInsert
            | Func::JsonReplace
            | Func::JsonArrayAppend
            | Func::JsonArrayInsert
    );
    if (f == Func::JsonObject && !n.is_multiple_of(2)) || (odd_needed && n.is_multiple_of(2)) {
        return Err(SqlError::new(
            1582,
            format!("Incorrect parameter count in the call to native function '{fname}'"),
        ));
    }
    for (i, a) in args.iter_mut().enumerate() {
        let t = types.get(i).cloned().flatten();
        let from = match role(f, i) {
            Role::Raw => continue,
            Role::Value => (JsonFrom::value(&t), true),
            Role::Doc => match &t {
                Some(SqlType::Json) => (JsonFrom::Json, false),
                Some(t)
                    if t.is_string() || matches!(t, SqlType::Enum { .. } | SqlType::Set { .. }) =>
                {
                    (
                        JsonFrom::Text {
                            func: fname,
                            arg: (i + 1) as u8,
                        },
                        false,
                    )
                }
                None => (
                    JsonFrom::Text {
                        func: fname,
                        arg: (i + 1) as u8,
                    },
                    false,
                ),
                Some(_) => return Err(bad_type(fname, i + 1)),
            },
        };
        let inner = std::mem::replace(a, Expr::Lit(Value::Null));
        *a = Expr::Cast(Box::new(inner), CastTo::Json(from.0, from.1));
    }
    Ok(())
}

fn lower_name(f: Func) -> &'static str {
    use Func::*;
    match f {
        JsonArray => "json_array",
        JsonObject => "json_object",
        JsonExtract => "json_extract",
        JsonUnquote => "json_unquote",
        JsonQuote => "json_quote",
        JsonContains => "json_contains",
        JsonContainsPath => "json_contains_path",
        JsonKeys => "json_keys",
        JsonLength => "json_length",
        JsonDepth => "json_depth",
        JsonType => "json_type",
        JsonValid => "json_valid",
        JsonSet => "json_set",
        JsonInsert => "json_insert",
        JsonReplace => "json_replace",
        JsonRemove => "json_remove",
        JsonArrayAppend => "json_array_append",
        JsonArrayInsert => "json_array_insert",
        JsonMergePreserve => "json_merge_preserve",
        JsonMerge => "json_merge",
        JsonMergePatch => "json_merge_patch",
        JsonSearch => "json_search",
        JsonPretty => "json_pretty",
        JsonOverlaps => "json_overlaps",
        JsonStorageSize => "json_storage_size",
        MemberOf => "member of",
        _ => "json",
    }
}

fn parse_error(func: &str, arg: u8, e: &json::JsonError) -> SqlError {
    if e.too_deep {
        return SqlError::new(3157, "The JSON document exceeds the maximum depth of 100.");
    }
    SqlError::new(
        3141,
        format!(
            "Invalid JSON text in argument {arg} to function {func}: \"{}\" at position {}.",
            e.msg, e.pos
        ),
    )
}

/// The text of a string as a JSON string value.
fn string_value(b: &[u8]) -> Json {
    Json::String(String::from_utf8_lossy(b).into_owned())
}

/// CAST(v AS JSON) and the argument conversions of [`prepare`].
pub fn to_json(v: Value, from: JsonFrom, null_is_json: bool) -> SqlResult<Value> {
    let doc = match (&v, from) {
        (Value::Null, _) if null_is_json => Json::Null,
        (Value::Null, _) => return Ok(Value::Null),
        (Value::Bytes(b), JsonFrom::Json) => return Ok(Value::Bytes(b.clone())),
        (Value::Bytes(b), JsonFrom::Text { func, arg }) => {
            json::parse(b, Parse::Text).map_err(|e| parse_error(func, arg, &e))?
        }
        (Value::Bytes(b), JsonFrom::Str) => string_value(b),
        (Value::Bytes(b), JsonFrom::Binary) => {
            let mut enc = super::string::to_base64(b);
            enc.retain(|c| *c != b'\n');
            Json::String(format!("base64:type15:{}", String::from_utf8_lossy(&enc)))
        }
        (v, JsonFrom::Bool) => Json::Bool(v.to_f64().is_some_and(|x| x != 0.0)),
        (v, _) => scalar(v),
    };
    Ok(Value::Bytes(doc.to_text().into_bytes()))
}

fn scalar(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Int(i) => Json::Int(*i),
        Value::UInt(u) => Json::UInt(*u),
        Value::Float(f) => Json::Double(f64::from(*f)),
        Value::Double(d) => Json::Double(*d),
        Value::Decimal(d) => Json::Decimal(d.clone()),
        Value::Year(y) => Json::Int(i64::from(*y)),
        Value::DateTime(d) => Json::String(d.format(6)),
        Value::Time(t) => Json::String(t.format(6)),
        Value::Date(d) => Json::String(d.format()),
        Value::Bytes(b) => string_value(b),
    }
}

/// JSON text → SQL value for comparing a JSON expression with a non-JSON one: a JSON
/// string compares as its text, numbers as numbers, `true`/`false` as 1/0.
pub fn to_scalar(v: Value) -> Value {
    let Value::Bytes(b) = &v else { return v };
    match json::parse(b, Parse::Stored) {
        Ok(Json::String(s)) => Value::Bytes(s.into_bytes()),
        Ok(Json::Int(i)) => Value::Int(i),
        Ok(Json::UInt(u)) => Value::UInt(u),
        Ok(Json::Double(d)) => Value::Double(d),
        Ok(Json::Decimal(d)) => Value::Decimal(d),
        Ok(Json::Bool(t)) => Value::Int(i64::from(t)),
        _ => v,
    }
}

fn doc(v: &Value) -> Option<Json> {
    let b = text(v)?;
    // Arguments were made JSON text by `prepare`; a stored value that somehow is not
    // reads as a string rather than failing the statement.
    Some(json::parse(&b, Parse::Stored).unwrap_or_else(|_| string_value(&b)))
}

fn out(j: &Json) -> Value {
    Value::Bytes(j.to_text().into_bytes())
}

fn path_arg(v: &Value) -> SqlResult<Option<Path>> {
    let Some(b) = text(v) else { return Ok(None) };
    let s = String::from_utf8_lossy(&b);
    Path::parse(&s).map(Some).map_err(|e| {
        SqlError::new(
            3143,
            format!(
                "Invalid JSON path expression. The error is around character position {}.",
                e.0 + 1
            ),
        )
    })
}

fn no_wild(p: &Path) -> SqlResult<()> {
    if p.is_wild() {
        return Err(SqlError::new(
            3149,
            "In this situation, path expressions may not contain the * and ** tokens or an array range.",
        ));
    }
    Ok(())
}

fn one_or_all(f: Func, v: &Value) -> SqlResult<Option<bool>> {
    let Some(b) = text(v) else { return Ok(None) };
    match String::from_utf8_lossy(&b).to_ascii_lowercase().as_str() {
        "one" => Ok(Some(false)),
        "all" => Ok(Some(true)),
        _ => Err(SqlError::new(
            3150,
            format!(
                "The oneOrAll argument to {} may take these values: 'one' or 'all'.",
                lower_name(f)
            ),
        )),
    }
}

/// Unquotes JSON text (JSON_UNQUOTE, `->>`): a JSON string gives its characters, anything
/// else its text.
fn unquote(b: Vec<u8>) -> SqlResult<Value> {
    if b.len() >= 2 && b[0] == b'"' && b[b.len() - 1] == b'"' {
        return match json::parse(&b, Parse::Text) {
            Ok(Json::String(s)) => Ok(Value::Bytes(s.into_bytes())),
            Ok(_) => Ok(Value::Bytes(b)),
            Err(e) => Err(parse_error("json_unquote", 1, &e)),
        };
    }
    Ok(Value::Bytes(b))
}

/// Evaluates a function of this family; `None` for other functions.
pub(super) fn call(f: Func, a: &[Value], _cx: &EvalCx) -> Option<SqlResult<Value>> {
    if !is_json(f) {
        return None;
    }
    Some(eval(f, a))
}

fn eval(f: Func, a: &[Value]) -> SqlResult<Value> {
    use Func::*;
    let null = Value::Null;
    let arg = |i: usize| a.get(i).unwrap_or(&null);
    Ok(match f {
        JsonArray => {
            let items = a.iter().map(|v| doc(v).unwrap_or(Json::Null)).collect();
            out(&Json::Array(items))
        }
        JsonObject => {
            let mut members = Vec::with_capacity(a.len() / 2);
            for kv in a.chunks(2) {
                let Some(k) = text(&kv[0]) else {
                    return Err(SqlError::new(
                        3158,
                        "JSON documents may not contain NULL member names.",
                    ));
                };
                let v = kv.get(1).and_then(doc).unwrap_or(Json::Null);
                members.push((String::from_utf8_lossy(&k).into_owned(), v));
            }
            out(&Json::object(members))
        }
        JsonQuote => match text(arg(0)) {
            None => Value::Null,
            Some(b) => Value::Bytes(json::quote(&String::from_utf8_lossy(&b)).into_bytes()),
        },
        JsonUnquote => match text(arg(0)) {
            None => Value::Null,
            Some(b) => unquote(b)?,
        },
        JsonValid => match text(arg(0)) {
            None => Value::Null,
            Some(b) => Value::Int(i64::from(json::parse(&b, Parse::Text).is_ok())),
        },
        JsonType => match doc(arg(0)) {
            None => Value::Null,
            Some(d) => Value::Bytes(d.type_name().as_bytes().to_vec()),
        },
        JsonDepth => match doc(arg(0)) {
            None => Value::Null,
            Some(d) => Value::Int(d.depth() as i64),
        },
        JsonPretty => match doc(arg(0)) {
            None => Value::Null,
            Some(d) => Value::Bytes(d.to_pretty().into_bytes()),
        },
        JsonStorageSize => match text(arg(0)) {
            None => Value::Null,
            Some(b) => Value::Int(b.len() as i64),
        },
        JsonExtract => {
            let Some(d) = doc(arg(0)) else {
                return Ok(Value::Null);
            };
            let mut found = Vec::new();
            let mut wrap = a.len() > 2;
            for p in &a[1..] {
                let Some(p) = path_arg(p)? else {
                    return Ok(Value::Null);
                };
                wrap |= p.is_wild();
                found.extend(p.find(&d).into_iter().cloned());
            }
            if found.is_empty() {
                Value::Null
            } else if wrap {
                out(&Json::Array(found))
            } else {
                out(&found[0])
            }
        }
        JsonKeys | JsonLength => {
            let Some(d) = doc(arg(0)) else {
                return Ok(Value::Null);
            };
            let target = if a.len() > 1 {
                let Some(p) = path_arg(arg(1))? else {
                    return Ok(Value::Null);
                };
                no_wild(&p)?;
                match p.find(&d).first() {
                    Some(v) => (*v).clone(),
                    None => return Ok(Value::Null),
                }
            } else {
                d
            };
            if f == JsonLength {
                Value::Int(target.length() as i64)
            } else {
                match target {
                    Json::Object(o) => out(&Json::Array(
                        o.into_iter().map(|(k, _)| Json::String(k)).collect(),
                    )),
                    _ => Value::Null,
                }
            }
        }
        JsonContains => {
            let (Some(t), Some(c)) = (doc(arg(0)), doc(arg(1))) else {
                return Ok(Value::Null);
            };
            let t = if a.len() > 2 {
                let Some(p) = path_arg(arg(2))? else {
                    return Ok(Value::Null);
                };
                no_wild(&p)?;
                match p.find(&t).first() {
                    Some(v) => (*v).clone(),
                    None => return Ok(Value::Null),
                }
            } else {
                t
            };
            Value::Int(i64::from(t.contains(&c)))
        }
        JsonContainsPath => {
            let Some(d) = doc(arg(0)) else {
                return Ok(Value::Null);
            };
            let Some(all) = one_or_all(f, arg(1))? else {
                return Ok(Value::Null);
            };
            let mut hits = Vec::new();
            for p in &a[2..] {
                let Some(p) = path_arg(p)? else {
                    return Ok(Value::Null);
                };
                hits.push(!p.find(&d).is_empty());
            }
            let r = if all {
                hits.iter().all(|h| *h)
            } else {
                hits.iter().any(|h| *h)
            };
            Value::Int(i64::from(r))
        }
        JsonSet | JsonInsert | JsonReplace | JsonArrayAppend | JsonArrayInsert => {
            let Some(mut d) = doc(arg(0)) else {
                return Ok(Value::Null);
            };
            for pv in a[1..].chunks(2) {
                let Some(p) = path_arg(&pv[0])? else {
                    return Ok(Value::Null);
                };
                no_wild(&p)?;
                let v = pv.get(1).and_then(doc).unwrap_or(Json::Null);
                match f {
                    JsonSet => json::set_at(&mut d, &p, v, SetMode::Set),
                    JsonInsert => json::set_at(&mut d, &p, v, SetMode::Insert),
                    JsonReplace => json::set_at(&mut d, &p, v, SetMode::Replace),
                    JsonArrayAppend => {
                        if let Some(t) = json::locate_mut(&mut d, &p.legs) {
                            match t {
                                Json::Array(items) => items.push(v),
                                other => {
                                    let old = std::mem::replace(other, Json::Null);
                                    *other = Json::Array(vec![old, v]);
                                }
                            }
                        }
                    }
                    _ => {
                        let Some((Leg::Index(i), parent)) = p.legs.split_last() else {
                            return Err(SqlError::new(
                                3165,
                                "A path expression is not a path to a cell in an array.",
                            ));
                        };
                        if let Some(Json::Array(items)) = json::locate_mut(&mut d, parent) {
                            let at = i.resolve(items.len()).unwrap_or(0).min(items.len());
                            items.insert(at, v);
                        }
                    }
                }
            }
            out(&d)
        }
        JsonRemove => {
            let Some(mut d) = doc(arg(0)) else {
                return Ok(Value::Null);
            };
            for p in &a[1..] {
                let Some(p) = path_arg(p)? else {
                    return Ok(Value::Null);
                };
                no_wild(&p)?;
                if p.legs.is_empty() {
                    return Err(SqlError::new(
                        3153,
                        "The path expression '$' is not allowed in this context.",
                    ));
                }
                json::remove_at(&mut d, &p);
            }
            out(&d)
        }
        JsonMergePreserve | JsonMerge | JsonMergePatch => {
            let mut acc: Option<Json> = None;
            for v in a {
                let Some(d) = doc(v) else {
                    return Ok(Value::Null);
                };
                acc = Some(match acc {
                    None => d,
                    Some(prev) if f == JsonMergePatch => json::merge_patch(prev, d),
                    Some(prev) => json::merge_preserve(prev, d),
                });
            }
            match acc {
                Some(d) => out(&d),
                None => Value::Null,
            }
        }
        JsonOverlaps => {
            let (Some(x), Some(y)) = (doc(arg(0)), doc(arg(1))) else {
                return Ok(Value::Null);
            };
            let r = match (&x, &y) {
                (Json::Array(p), Json::Array(q)) => {
                    p.iter().any(|u| q.iter().any(|w| u.json_eq(w)))
                }
                (Json::Array(p), s) | (s, Json::Array(p)) => p.iter().any(|u| u.json_eq(s)),
                (Json::Object(p), Json::Object(q)) => p
                    .iter()
                    .any(|(k, v)| q.iter().any(|(k2, v2)| k == k2 && v.json_eq(v2))),
                (s, t) => s.json_eq(t),
            };
            Value::Int(i64::from(r))
        }
        JsonSearch => search(a)?,
        MemberOf => member_of(arg(0), arg(1)),
        _ => Value::Null,
    })
}

/// `value MEMBER OF (array)`: `value` and `array` are JSON text.
pub fn member_of(value: &Value, array: &Value) -> Value {
    let (Some(v), Some(arr)) = (doc(value), doc(array)) else {
        return Value::Null;
    };
    let r = match &arr {
        Json::Array(items) => items.iter().any(|x| x.json_eq(&v)),
        other => other.json_eq(&v),
    };
    Value::Int(i64::from(r))
}

/// JSON_SEARCH(doc, 'one'|'all', pattern [, escape [, path …]]): the paths of the strings
/// that match the LIKE pattern.
fn search(a: &[Value]) -> SqlResult<Value> {
    let null = Value::Null;
    let arg = |i: usize| a.get(i).unwrap_or(&null);
    let Some(d) = doc(arg(0)) else {
        return Ok(Value::Null);
    };
    let Some(all) = one_or_all(Func::JsonSearch, arg(1))? else {
        return Ok(Value::Null);
    };
    let Some(pat) = text(arg(2)) else {
        return Ok(Value::Null);
    };
    let escape = match a.get(3) {
        None | Some(Value::Null) => '\\',
        Some(v) => {
            let e = text(v).unwrap_or_default();
            let s = String::from_utf8_lossy(&e).into_owned();
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (None, _) => '\\',
                (Some(c), None) => c,
                _ => return Err(SqlError::new(1210, "Incorrect arguments to ESCAPE")),
            }
        }
    };
    let pat: Vec<char> = String::from_utf8_lossy(&pat).chars().collect();
    let mut scopes = Vec::new();
    for p in a.iter().skip(4) {
        let Some(p) = path_arg(p)? else {
            return Ok(Value::Null);
        };
        scopes.push(p);
    }
    let mut cands = Vec::new();
    json::string_paths(&d, &mut Vec::new(), &mut cands);
    let mut hits: Vec<Json> = Vec::new();
    for (p, s) in cands {
        if !scopes.is_empty() && !scopes.iter().any(|sc| within(&p, sc)) {
            continue;
        }
        let chars: Vec<char> = s.chars().collect();
        if like(&chars, &pat, escape) {
            hits.push(Json::String(p.to_string()));
            if !all {
                break;
            }
        }
    }
    Ok(match hits.len() {
        0 => Value::Null,
        1 => out(&hits[0]),
        _ => out(&Json::Array(hits)),
    })
}

/// Whether concrete path `p` is selected by scope `sc` (wildcards allowed in `sc`).
fn within(p: &Path, sc: &Path) -> bool {
    fn go(p: &[Leg], s: &[Leg]) -> bool {
        match s.split_first() {
            None => true,
            Some((Leg::Ellipsis, rest)) => (0..=p.len()).any(|k| go(&p[k..], rest)),
            Some((leg, rest)) => match p.split_first() {
                None => false,
                Some((pl, prest)) => {
                    let ok = match (leg, pl) {
                        (Leg::Key(a), Leg::Key(b)) => a == b,
                        (Leg::AnyKey, Leg::Key(_)) => true,
                        (Leg::AnyIndex, Leg::Index(_)) => true,
                        (Leg::Index(json::Idx::At(a)), Leg::Index(json::Idx::At(b))) => a == b,
                        (
                            Leg::Range(json::Idx::At(lo), json::Idx::At(hi)),
                            Leg::Index(json::Idx::At(b)),
                        ) => lo <= b && b <= hi,
                        _ => false,
                    };
                    ok && go(prest, rest)
                }
            },
        }
    }
    go(&p.legs, &sc.legs)
}

/// LIKE over characters, case-sensitive (JSON strings compare with utf8mb4_bin).
fn like(s: &[char], p: &[char], esc: char) -> bool {
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() {
            let (lit, c) = if p[pi] == esc && pi + 1 < p.len() {
                (true, p[pi + 1])
            } else {
                (false, p[pi])
            };
            if !lit && c == '%' {
                star = Some((pi, si));
                pi += 1;
                continue;
            }
            if (!lit && c == '_') || c == s[si] {
                si += 1;
                pi += if lit { 2 } else { 1 };
                continue;
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}
