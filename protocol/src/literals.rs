//! Statements whose string literals carry raw bytes that are not UTF-8.
//!
//! mysqldump writes BLOB and VARBINARY values as quoted strings of raw bytes (without
//! `--hex-blob`), so a dump of binary data is not valid UTF-8. The SQL layer works on `str`,
//! so before a query goes on, every string literal that is not valid UTF-8 is rewritten as the
//! hex literal of the bytes it denotes (`'\0\xff'` becomes `X'00FF'`): the same bytes reach the
//! column, and a text column still rejects them as an invalid string (1366). Everything
//! outside such literals is left byte for byte; a statement that is not UTF-8 outside its
//! literals stays an error.

/// The statement with its non-UTF-8 string literals as hex literals, or `None` when bytes
/// outside string literals are not UTF-8.
pub fn hex_binary_literals(sql: &[u8]) -> Option<String> {
    let mut out: Vec<u8> = Vec::with_capacity(sql.len() + sql.len() / 2);
    let mut i = 0;
    while i < sql.len() {
        let c = sql[i];
        match c {
            b'\'' | b'"' => {
                let (content, end) = string_literal(sql, i)?;
                let raw = &sql[i..end];
                if std::str::from_utf8(raw).is_ok() {
                    out.extend_from_slice(raw);
                } else {
                    // An introducer written against the quote (`_binary'…'`, as Go's driver
                    // interpolates) must stay a separate word before the hex literal.
                    if out
                        .last()
                        .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
                    {
                        out.push(b' ');
                    }
                    out.extend_from_slice(b"X'");
                    for b in content {
                        out.extend_from_slice(format!("{b:02X}").as_bytes());
                    }
                    out.push(b'\'');
                }
                i = end;
            }
            b'`' => {
                let end = sql[i + 1..]
                    .iter()
                    .position(|&b| b == b'`')
                    .map_or(sql.len(), |p| i + 2 + p);
                out.extend_from_slice(&sql[i..end]);
                i = end;
            }
            b'#' => {
                let end = line_end(sql, i);
                out.extend_from_slice(&sql[i..end]);
                i = end;
            }
            b'-' if sql.get(i + 1) == Some(&b'-')
                && sql.get(i + 2).is_none_or(|b| b.is_ascii_whitespace()) =>
            {
                let end = line_end(sql, i);
                out.extend_from_slice(&sql[i..end]);
                i = end;
            }
            b'/' if sql.get(i + 1) == Some(&b'*') && sql.get(i + 2) != Some(&b'!') => {
                // A plain comment; versioned comments (`/*!…*/`) hold SQL and are scanned.
                let end = sql[i + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(sql.len(), |p| i + 4 + p);
                out.extend_from_slice(&sql[i..end]);
                i = end;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn line_end(sql: &[u8], from: usize) -> usize {
    sql[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(sql.len(), |p| from + p)
}

/// The bytes a quoted literal starting at `start` denotes (MySQL escapes, doubled quotes)
/// and the index after its closing quote; `None` when it is not closed.
fn string_literal(sql: &[u8], start: usize) -> Option<(Vec<u8>, usize)> {
    let q = sql[start];
    let mut v = Vec::new();
    let mut i = start + 1;
    while i < sql.len() {
        let c = sql[i];
        if c == b'\\' {
            let e = *sql.get(i + 1)?;
            match e {
                b'0' => v.push(0),
                b'b' => v.push(8),
                b'n' => v.push(b'\n'),
                b'r' => v.push(b'\r'),
                b't' => v.push(b'\t'),
                b'Z' => v.push(26),
                // `\%` and `\_` keep their backslash (they matter to LIKE).
                b'%' | b'_' => v.extend_from_slice(&[b'\\', e]),
                other => v.push(other),
            }
            i += 2;
        } else if c == q {
            if sql.get(i + 1) == Some(&q) {
                v.push(q);
                i += 2;
            } else {
                return Some((v, i + 1));
            }
        } else {
            v.push(c);
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_statements_are_unchanged() {
        let s = "INSERT INTO t VALUES ('héllo', \"it''s\", 'a\\'b') -- ünïcode\n/* x */";
        assert_eq!(hex_binary_literals(s.as_bytes()).unwrap(), s);
    }

    #[test]
    fn raw_bytes_become_hex_literals() {
        let mut q = b"INSERT INTO t VALUES (1,'\\0".to_vec();
        q.extend_from_slice(&[0xff, 0x10]);
        q.extend_from_slice(b"\\'x''y','ok'),(2,_binary '");
        q.push(0x80);
        q.extend_from_slice(b"')");
        assert_eq!(
            hex_binary_literals(&q).unwrap(),
            "INSERT INTO t VALUES (1,X'00FF1027782779','ok'),(2,_binary X'80')"
        );
    }

    #[test]
    fn an_introducer_against_the_quote_stays_a_word() {
        // Go's go-sql-driver (interpolateParams) writes `_binary'…'` with no space; before,
        // this became `_binaryX'…'` and the hex digits were stored as text.
        assert_eq!(
            hex_binary_literals(b"INSERT INTO t VALUES (_binary'\\0\x01\xff')").unwrap(),
            "INSERT INTO t VALUES (_binary X'0001FF')"
        );
    }

    #[test]
    fn invalid_bytes_outside_literals_stay_an_error() {
        assert!(hex_binary_literals(b"SELECT \xff").is_none());
        assert!(
            hex_binary_literals(b"SELECT '\xff").is_none(),
            "unclosed literal"
        );
    }
}
