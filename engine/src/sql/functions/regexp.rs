//! The REGEXP family: the `REGEXP`/`RLIKE` operator, REGEXP_LIKE, REGEXP_INSTR,
//! REGEXP_SUBSTR and REGEXP_REPLACE, with MySQL 8.0's arguments (position, occurrence,
//! return option, match type) and error codes.
//!
//! MySQL 8.0 uses ICU's regular expressions; Borealis uses the `regex` crate, whose
//! syntax covers what applications write (classes, quantifiers, groups, `\d`, Unicode
//! properties) and which cannot backtrack catastrophically, so MySQL's
//! `regexp_time_limit` has nothing to stop. Not supported: back-references inside a
//! pattern and look-around (error 3690, as ICU's "unimplemented"). Replacement strings
//! use ICU's `$n` group references, as MySQL's. The match is case-insensitive unless the
//! match type says `c` or (for the operator) the collation is binary; functions called
//! directly default to case-insensitive, the default collation's behaviour.

use std::cell::RefCell;

use regex::bytes::{Regex, RegexBuilder};

use super::{fits, int_arg, text, Func};
use crate::sql::error::{SqlError, SqlResult};
use crate::sql::expr::{ColType, EvalCx};
use crate::value::{Collation, IntKind, SqlType, Value};

/// The result type of a function of this family; `None` for other functions.
pub(super) fn result_type(f: Func, coll: Collation) -> Option<ColType> {
    use Func::*;
    Some(match f {
        RegexpLike | RegexpInstr => Some(SqlType::Int {
            kind: IntKind::Big,
            unsigned: false,
            width: None,
        }),
        RegexpSubstr | RegexpReplace => Some(SqlType::VarChar {
            len: 65535,
            collation: coll,
        }),
        _ => return None,
    })
}

/// Compiled patterns of this thread, newest last (a statement calls with the same
/// pattern row after row).
const CACHED: usize = 8;

thread_local! {
    static CACHE: RefCell<Vec<(Vec<u8>, String, Regex)>> = const { RefCell::new(Vec::new()) };
}

fn regexp_error(e: &regex::Error) -> SqlError {
    let m = e.to_string();
    let (code, msg) = if matches!(e, regex::Error::CompiledTooBig(_)) {
        (
            3700,
            "The regular expression pattern exceeds limits on size or complexity.",
        )
    } else if m.contains("unclosed group") || m.contains("unopened group") {
        (3691, "Mismatched parenthesis in regular expression.")
    } else if m.contains("unclosed character class") {
        (
            3696,
            "The regular expression contains an unclosed bracket expression.",
        )
    } else if m.contains("repetition") && m.contains("invalid") || m.contains("decimal") {
        (3692, "Incorrect description of a {min,max} interval.")
    } else if m.contains("escape") {
        (3689, "Unrecognized escape sequence in regular expression.")
    } else if m.contains("look-around") || m.contains("backreferences") {
        (3690, "The regular expression contains a feature that is not implemented in this library version.")
    } else {
        (
            3688,
            "Syntax error in regular expression on line 1, character 1.",
        )
    };
    SqlError::new(code, msg)
}

/// The pattern compiled with MySQL's match-type letters (`c`, `i`, `m`, `n`, `u`).
fn compile(pattern: &[u8], match_type: &str) -> SqlResult<Regex> {
    let flags = match_type.to_string();
    if let Some(r) = CACHE.with(|c| {
        c.borrow()
            .iter()
            .find(|(p, m, _)| p == pattern && *m == flags)
            .map(|(_, _, r)| r.clone())
    }) {
        return Ok(r);
    }
    let mut insensitive = true;
    let (mut multi, mut dotall) = (false, false);
    for ch in match_type.chars() {
        match ch {
            'c' => insensitive = false,
            'i' => insensitive = true,
            'm' => multi = true,
            'n' => dotall = true,
            'u' => {}
            _ => {
                return Err(SqlError::new(
                    3685,
                    "Illegal argument to a regular expression.",
                ))
            }
        }
    }
    let source = String::from_utf8_lossy(pattern);
    let r = RegexBuilder::new(&source)
        .case_insensitive(insensitive)
        .multi_line(multi)
        .dot_matches_new_line(dotall)
        // A client's pattern: its compiled size is bounded (3700 past it), which also
        // bounds what the per-thread cache holds.
        .size_limit(2 << 20)
        .build()
        .map_err(|e| regexp_error(&e))?;
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() == CACHED {
            c.remove(0);
        }
        c.push((pattern.to_vec(), flags, r.clone()));
    });
    Ok(r)
}

/// The byte offset of character position `pos` (1-based) in `s`.
fn byte_at(s: &[u8], pos: usize) -> Option<usize> {
    match std::str::from_utf8(s) {
        Ok(t) => {
            if pos == t.chars().count() + 1 {
                return Some(s.len());
            }
            t.char_indices().nth(pos - 1).map(|(i, _)| i)
        }
        Err(_) => (pos <= s.len() + 1).then_some(pos - 1),
    }
}

fn char_pos(s: &[u8], byte: usize) -> usize {
    match std::str::from_utf8(&s[..byte]) {
        Ok(t) => t.chars().count() + 1,
        Err(_) => byte + 1,
    }
}

fn out_of_bounds() -> SqlError {
    SqlError::new(3686, "Index out of bounds in regular expression search.")
}

/// Evaluates a function of this family; `None` for other functions.
pub(super) fn call(f: Func, a: &[Value], cx: &EvalCx) -> Option<SqlResult<Value>> {
    result_type(f, Collation::Binary)?;
    Some(eval(f, a, cx))
}

fn eval(f: Func, a: &[Value], cx: &EvalCx) -> SqlResult<Value> {
    use Func::*;
    if a.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let s = text(&a[0]).unwrap_or_default();
    let pattern = text(&a[1]).unwrap_or_default();
    // Where the optional arguments sit: REPLACE has the replacement at 2.
    let first_opt = if f == RegexpReplace { 3 } else { 2 };
    let opt_int = |i: usize, default: i64| a.get(i).and_then(int_arg).unwrap_or(default);
    let match_type = f
        .regexp_match_type_at()
        .and_then(|at| a.get(at))
        .and_then(text)
        .map(|m| String::from_utf8_lossy(&m).into_owned())
        .unwrap_or_default();
    let re = compile(&pattern, &match_type)?;
    if f == RegexpLike {
        return Ok(Value::Int(i64::from(re.is_match(&s))));
    }
    let pos = opt_int(first_opt, 1);
    let occurrence = opt_int(first_opt + 1, if f == RegexpReplace { 0 } else { 1 });
    if pos < 1 {
        return Err(out_of_bounds());
    }
    let Some(start) = byte_at(&s, pos as usize) else {
        return Err(out_of_bounds());
    };
    let nth = |n: i64| re.find_iter(&s[start..]).nth(n.max(1) as usize - 1);
    match f {
        RegexpInstr => {
            let return_end = opt_int(first_opt + 2, 0);
            if !(0..=1).contains(&return_end) {
                return Err(SqlError::new(
                    3685,
                    "Illegal argument to a regular expression.",
                ));
            }
            Ok(Value::Int(match nth(occurrence) {
                Some(m) => {
                    let at = start + if return_end == 1 { m.end() } else { m.start() };
                    char_pos(&s, at) as i64
                }
                None => 0,
            }))
        }
        RegexpSubstr => Ok(match nth(occurrence) {
            Some(m) => Value::Bytes(m.as_bytes().to_vec()),
            None => Value::Null,
        }),
        _ => {
            let repl = text(&a[2]).unwrap_or_default();
            let mut out = s[..start].to_vec();
            let mut last = start;
            for (i, caps) in re.captures_iter(&s[start..]).enumerate() {
                if occurrence > 0 && i as i64 + 1 != occurrence {
                    continue;
                }
                let Some(m) = caps.get(0) else { continue };
                out.extend_from_slice(&s[last..start + m.start()]);
                caps.expand(&repl, &mut out);
                last = start + m.end();
                if !fits(f, out.len() as u128 + (s.len() - last) as u128, cx) {
                    return Ok(Value::Null);
                }
                if occurrence > 0 {
                    break;
                }
            }
            out.extend_from_slice(&s[last..]);
            Ok(Value::Bytes(out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: Func, args: &[&str]) -> Value {
        let a: Vec<Value> = args
            .iter()
            .map(|s| match s.parse::<i64>() {
                Ok(i) => Value::Int(i),
                Err(_) => Value::Bytes(s.as_bytes().to_vec()),
            })
            .collect();
        eval(f, &a, &EvalCx::new(0, crate::sql::vars::TimeZone::System)).unwrap()
    }

    #[test]
    fn mysql_reference_examples() {
        // From MySQL 8.0's reference manual, "Regular Expressions".
        assert_eq!(
            run(Func::RegexpLike, &["CamelCase", "CAMELCASE"]),
            Value::Int(1)
        );
        assert_eq!(run(Func::RegexpLike, &["abc", "ABC", "c"]), Value::Int(0));
        assert_eq!(
            run(Func::RegexpInstr, &["dog cat dog", "dog"]),
            Value::Int(1)
        );
        assert_eq!(
            run(Func::RegexpInstr, &["dog cat dog", "dog", "2"]),
            Value::Int(9)
        );
        assert_eq!(
            run(Func::RegexpInstr, &["aa aaa aaaa", "a{2}"]),
            Value::Int(1)
        );
        assert_eq!(
            run(Func::RegexpInstr, &["aa aaa aaaa", "a{4}"]),
            Value::Int(8)
        );
        assert_eq!(
            run(Func::RegexpReplace, &["a b c", "b", "X"]),
            Value::Bytes(b"a X c".to_vec())
        );
        assert_eq!(
            run(
                Func::RegexpReplace,
                &["abc def ghi", "[a-z]+", "X", "1", "3"]
            ),
            Value::Bytes(b"abc def X".to_vec())
        );
        assert_eq!(
            run(Func::RegexpSubstr, &["abc def ghi", "[a-z]+"]),
            Value::Bytes(b"abc".to_vec())
        );
        assert_eq!(
            run(Func::RegexpSubstr, &["abc def ghi", "[a-z]+", "1", "3"]),
            Value::Bytes(b"ghi".to_vec())
        );
    }

    #[test]
    fn bad_patterns_and_positions_are_mysql_errors() {
        let cx = EvalCx::new(0, crate::sql::vars::TimeZone::System);
        let v = |s: &str| Value::Bytes(s.as_bytes().to_vec());
        let code = |f, a: Vec<Value>| eval(f, &a, &cx).unwrap_err().code;
        assert_eq!(code(Func::RegexpLike, vec![v("a"), v("(a")]), 3691);
        assert_eq!(
            code(Func::RegexpInstr, vec![v("a"), v("a"), Value::Int(5)]),
            3686
        );
    }
}
