//! Stored program bodies (triggers, stored functions and procedures, events): the
//! statement tree and its parser. Execution lives in [`super::interp`].
//!
//! A body is one statement or `BEGIN … END` with statements separated by `;`. Compound
//! statements (BEGIN/END, DECLARE, SET, IF, WHILE, REPEAT, RETURN, SIGNAL) are parsed
//! here over sqlparser's tokens; every other statement (INSERT, UPDATE, DELETE, SELECT,
//! CALL …) is handed to sqlparser, so a body accepts the same SQL as a client.
//!
//! The parser is used twice: at CREATE time on the statement's own tokens (syntax errors are
//! the CREATE's 1064) and when the program runs, on the stored body text.

use sqlparser::ast::{self, DataType};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Tokenizer};

/// Prefix of the parser error for compound statements Borealis does not run (error 1235).
pub const UNSUPPORTED: &str = "Borealis does not yet support in stored programs: ";

/// One statement of a stored program body.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// `BEGIN … END`: its own scope for DECLAREd variables.
    Block(Vec<Stmt>),
    /// `DECLARE a, b type [DEFAULT expr]`.
    Declare {
        names: Vec<String>,
        ty: DataType,
        default: Option<ast::Expr>,
    },
    /// `SET target = expr, …`.
    Set(Vec<(Target, ast::Expr)>),
    /// `IF c THEN … [ELSEIF c THEN …] [ELSE …] END IF`.
    If {
        arms: Vec<(ast::Expr, Vec<Stmt>)>,
        otherwise: Option<Vec<Stmt>>,
    },
    /// `WHILE c DO … END WHILE`.
    While { cond: ast::Expr, body: Vec<Stmt> },
    /// `REPEAT … UNTIL c END REPEAT`.
    Repeat { body: Vec<Stmt>, until: ast::Expr },
    /// `RETURN expr` (functions only).
    Return(ast::Expr),
    /// `DO expr, …`: the expressions are evaluated for their effects (SLEEP, GET_LOCK).
    Do(Vec<ast::Expr>),
    /// `SIGNAL SQLSTATE [VALUE] 'sqlstate' [SET MESSAGE_TEXT = …, MYSQL_ERRNO = …]`.
    Signal {
        sqlstate: String,
        message: Option<ast::Expr>,
        errno: Option<ast::Expr>,
    },
    /// Any other statement, as sqlparser parsed it.
    Sql(Box<ast::Statement>),
}

/// Left side of a SET in a stored program.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A local variable or parameter (else a system variable of that name).
    Local(String),
    /// `NEW.col` (`true`) or `OLD.col` (`false`) in a trigger.
    Row(bool, String),
    /// `@name`.
    User(String),
    /// `@@[scope.]name` or `GLOBAL|SESSION name`.
    System(String),
}

/// Upper-case value of an unquoted word token.
fn word(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

fn peek_word(p: &Parser<'_>, n: usize) -> String {
    word(&p.peek_nth_token_ref(n).token).unwrap_or_default()
}

fn eat(p: &mut Parser<'_>, w: &str) -> bool {
    if peek_word(p, 0) == w {
        p.next_token();
        true
    } else {
        false
    }
}

fn expect(p: &mut Parser<'_>, w: &str) -> Result<(), ParserError> {
    if eat(p, w) {
        Ok(())
    } else {
        p.expected(w, p.peek_token())
    }
}

fn unsupported<T>(what: &str) -> Result<T, ParserError> {
    Err(ParserError::ParserError(format!("{UNSUPPORTED}{what}")))
}

/// Parses a data type with MySQL's optional `CHARSET x` / `COLLATE y` suffix (dropped: a
/// variable's value keeps its own collation).
pub fn data_type(p: &mut Parser<'_>) -> Result<DataType, ParserError> {
    let ty = p.parse_data_type()?;
    loop {
        if eat(p, "CHARSET") || (peek_word(p, 0) == "CHARACTER" && peek_word(p, 1) == "SET") {
            if peek_word(p, 0) == "SET" {
                p.next_token();
            }
            p.parse_identifier()?;
        } else if eat(p, "COLLATE") {
            p.parse_identifier()?;
        } else {
            return Ok(ty);
        }
    }
}

/// Parses one body statement (without its terminating `;`).
pub fn parse_stmt(p: &mut Parser<'_>) -> Result<Stmt, ParserError> {
    let first = peek_word(p, 0);
    // `label: BEGIN` and friends.
    if !first.is_empty() && p.peek_nth_token_ref(1).token == Token::Colon {
        return unsupported("statement labels");
    }
    match first.as_str() {
        "BEGIN" => {
            p.next_token();
            if matches!(peek_word(p, 0).as_str(), "WORK" | "NOT" | "ATOMIC") {
                return unsupported("BEGIN WORK / BEGIN NOT ATOMIC");
            }
            let body = parse_list(p, &["END"])?;
            expect(p, "END")?;
            Ok(Stmt::Block(body))
        }
        "DECLARE" => {
            p.next_token();
            if matches!(peek_word(p, 1).as_str(), "CONDITION" | "CURSOR" | "HANDLER")
                || matches!(peek_word(p, 0).as_str(), "CONTINUE" | "EXIT" | "UNDO")
            {
                return unsupported("DECLARE … CONDITION/CURSOR/HANDLER");
            }
            let mut names = vec![p.parse_identifier()?.value];
            while p.consume_token(&Token::Comma) {
                names.push(p.parse_identifier()?.value);
            }
            let ty = data_type(p)?;
            let default = if eat(p, "DEFAULT") {
                Some(p.parse_expr()?)
            } else {
                None
            };
            Ok(Stmt::Declare { names, ty, default })
        }
        "SET"
            if !matches!(
                peek_word(p, 1).as_str(),
                "PASSWORD" | "ROLE" | "NAMES" | "TRANSACTION" | "CHARACTER" | "CHARSET"
            ) =>
        {
            p.next_token();
            let mut items = Vec::new();
            loop {
                let target = set_target(p)?;
                if !(p.consume_token(&Token::Eq) || p.consume_token(&Token::Assignment)) {
                    return p.expected("=", p.peek_token());
                }
                let value = p.parse_expr()?;
                items.push((target, value));
                if !p.consume_token(&Token::Comma) {
                    break;
                }
            }
            Ok(Stmt::Set(items))
        }
        "IF" => {
            p.next_token();
            let mut arms = Vec::new();
            let mut otherwise = None;
            loop {
                let cond = p.parse_expr()?;
                expect(p, "THEN")?;
                let body = parse_list(p, &["ELSEIF", "ELSE", "END"])?;
                arms.push((cond, body));
                if eat(p, "ELSEIF") {
                    continue;
                }
                if eat(p, "ELSE") {
                    otherwise = Some(parse_list(p, &["END"])?);
                }
                expect(p, "END")?;
                expect(p, "IF")?;
                return Ok(Stmt::If { arms, otherwise });
            }
        }
        "WHILE" => {
            p.next_token();
            let cond = p.parse_expr()?;
            expect(p, "DO")?;
            let body = parse_list(p, &["END"])?;
            expect(p, "END")?;
            expect(p, "WHILE")?;
            Ok(Stmt::While { cond, body })
        }
        "REPEAT" => {
            p.next_token();
            let body = parse_list(p, &["UNTIL"])?;
            expect(p, "UNTIL")?;
            let until = p.parse_expr()?;
            expect(p, "END")?;
            expect(p, "REPEAT")?;
            Ok(Stmt::Repeat { body, until })
        }
        "RETURN" => {
            p.next_token();
            Ok(Stmt::Return(p.parse_expr()?))
        }
        "DO" => {
            p.next_token();
            Ok(Stmt::Do(p.parse_comma_separated(Parser::parse_expr)?))
        }
        "SIGNAL" => {
            p.next_token();
            if !eat(p, "SQLSTATE") {
                return unsupported("SIGNAL of a named condition");
            }
            eat(p, "VALUE");
            let sqlstate = p.parse_literal_string()?;
            let (mut message, mut errno) = (None, None);
            if eat(p, "SET") {
                loop {
                    let item = p.parse_identifier()?.value.to_ascii_uppercase();
                    p.expect_token(&Token::Eq)?;
                    let v = p.parse_expr()?;
                    match item.as_str() {
                        "MESSAGE_TEXT" => message = Some(v),
                        "MYSQL_ERRNO" => errno = Some(v),
                        // CLASS_ORIGIN, SUBCLASS_ORIGIN, … are accepted and not kept.
                        _ => {}
                    }
                    if !p.consume_token(&Token::Comma) {
                        break;
                    }
                }
            }
            Ok(Stmt::Signal {
                sqlstate,
                message,
                errno,
            })
        }
        "LOOP" | "LEAVE" | "ITERATE" | "CASE" | "RESIGNAL" | "OPEN" | "FETCH" | "CLOSE" | "GET" => {
            unsupported(&first)
        }
        _ => Ok(Stmt::Sql(Box::new(p.parse_statement()?))),
    }
}

/// Statements each followed by `;`, up to (not including) one of `until`.
fn parse_list(p: &mut Parser<'_>, until: &[&str]) -> Result<Vec<Stmt>, ParserError> {
    let mut out = Vec::new();
    loop {
        let w = peek_word(p, 0);
        if until.contains(&w.as_str()) {
            // `END` of a block, unless it is a statement of its own (never in MySQL).
            return Ok(out);
        }
        if p.peek_token_ref().token == Token::EOF {
            return p.expected(until.join(" or ").as_str(), p.peek_token());
        }
        out.push(parse_stmt(p)?);
        p.expect_token(&Token::SemiColon)?;
    }
}

fn set_target(p: &mut Parser<'_>) -> Result<Target, ParserError> {
    let t = p.next_token();
    let Token::Word(w) = t.token.clone() else {
        return p.expected("a variable", t);
    };
    if w.quote_style.is_none() {
        if let Some(rest) = w.value.strip_prefix("@@") {
            let mut name = rest.to_string();
            if p.consume_token(&Token::Period) {
                name = p.parse_identifier()?.value;
            }
            return Ok(Target::System(name));
        }
        if let Some(rest) = w.value.strip_prefix('@') {
            if rest.is_empty() {
                // `@'quoted name'`
                let n = p.next_token();
                return match n.token {
                    Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
                        Ok(Target::User(s))
                    }
                    Token::Word(x) => Ok(Target::User(x.value)),
                    _ => p.expected("a user variable name", n),
                };
            }
            return Ok(Target::User(rest.to_string()));
        }
        let up = w.value.to_ascii_uppercase();
        if matches!(up.as_str(), "GLOBAL" | "SESSION" | "LOCAL" | "PERSIST")
            && matches!(p.peek_token_ref().token, Token::Word(_))
        {
            return Ok(Target::System(p.parse_identifier()?.value));
        }
    }
    if p.consume_token(&Token::Period) {
        let col = p.parse_identifier()?.value;
        return match w.value.to_ascii_uppercase().as_str() {
            "NEW" => Ok(Target::Row(true, col)),
            "OLD" => Ok(Target::Row(false, col)),
            _ => Ok(Target::System(col)),
        };
    }
    Ok(Target::Local(w.value))
}

/// Parses a stored body text (as kept in the catalog) into its statement.
pub fn parse_body(text: &str) -> Result<Stmt, ParserError> {
    let tokens = Tokenizer::new(&MySqlDialect {}, text)
        .tokenize_with_location()
        .map_err(|e| ParserError::TokenizerError(e.to_string()))?;
    let mut p = super::front::parser().with_tokens_with_locations(tokens);
    let s = parse_stmt(&mut p)?;
    let _ = p.consume_token(&Token::SemiColon);
    if p.peek_token_ref().token != Token::EOF {
        return p.expected("end of statement", p.peek_token());
    }
    Ok(s)
}

/// Parses a data type kept as text (parameter and RETURNS types).
pub fn parse_type(text: &str) -> Result<DataType, ParserError> {
    let mut p = super::front::parser().try_with_sql(text)?;
    data_type(&mut p)
}

/// Calls `f` on every statement of the tree (pre-order).
pub fn walk(s: &Stmt, f: &mut dyn FnMut(&Stmt)) {
    f(s);
    let all = |v: &Vec<Stmt>, f: &mut dyn FnMut(&Stmt)| {
        for x in v {
            walk(x, f);
        }
    };
    match s {
        Stmt::Block(v) | Stmt::While { body: v, .. } | Stmt::Repeat { body: v, .. } => all(v, f),
        Stmt::If { arms, otherwise } => {
            for (_, v) in arms {
                all(v, f);
            }
            if let Some(v) = otherwise {
                all(v, f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_parse() {
        let s = parse_body("SET NEW.status = LOWER(NEW.status)").unwrap();
        assert!(matches!(&s, Stmt::Set(v) if v[0].0 == Target::Row(true, "status".into())));
        let s = parse_body(
            "BEGIN DECLARE n INT DEFAULT 0; DECLARE a, b VARCHAR(10) CHARSET utf8mb4; \
             IF NEW.x < 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'neg'; \
             ELSEIF NEW.x = 0 THEN SET n = 1; ELSE SET @c := n + 1, a = 'q'; END IF; \
             WHILE n < 3 DO SET n = n + 1; END WHILE; \
             INSERT INTO log VALUES (NEW.x); END",
        )
        .unwrap();
        let Stmt::Block(v) = s else { panic!() };
        assert_eq!(v.len(), 5);
        assert!(matches!(&v[2], Stmt::If { arms, otherwise: Some(_) } if arms.len() == 2));
        assert!(matches!(&v[4], Stmt::Sql(_)));
        assert!(parse_body("BEGIN END").is_ok());
        assert!(parse_body("BEGIN SET @a = 1 END").is_err());
        assert!(parse_body("BEGIN SET @a = 1; END; x").is_err());
        let e = parse_body("BEGIN LOOP SET @a = 1; END LOOP; END").unwrap_err();
        assert!(e.to_string().contains(UNSUPPORTED));
        assert!(
            parse_body("RETURN (SELECT COALESCE(SUM(amount),0) FROM orders WHERE c = 1)").is_ok()
        );
    }
}
