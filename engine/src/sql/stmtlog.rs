//! Statement-based binlogging of DML (`binlog_format` MIXED and STATEMENT): whether a
//! statement is safe to log as its text ([`analyze`]), and the text of a prepared
//! statement with its parameters as literals ([`with_literals`]). The rules and why are
//! listed in [`super::binlog`]'s module docs ("Statement-based logging").

use std::ops::ControlFlow;

use sqlparser::ast;

use super::catalog::{Catalog, ColumnDefault, TableDef};
use super::functions::Func;
use crate::value::{SqlType, Value};

/// What [`analyze`] found out about one DML statement.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Why it must be logged as rows; `None` when it is safe as a statement.
    pub unsafe_reason: Option<&'static str>,
    /// The statement calls LAST_INSERT_ID() (an Intvar event carries the value).
    pub reads_last_insert_id: bool,
    /// User variables it reads (lower case, without `@`), first use first.
    pub user_vars: Vec<String>,
    /// Primary trees of the tables whose contents its effect depends on. Empty for a
    /// plain `INSERT ... VALUES`: its only dependence, on the keys it writes, is
    /// covered by the commit's write-write conflict check.
    pub depends_on: Vec<u64>,
    /// It inserts into a table with an AUTO_INCREMENT column.
    pub auto_increment: bool,
    /// It calls RAND() without a seed (a Rand event carries the session's seeds).
    pub session_rand: bool,
    /// It calls RAND(), with or without a seed: each call's value depends on how many
    /// came before it, so on the order rows are visited in.
    pub calls_rand: bool,
}

impl Analysis {
    fn unsafe_because(&mut self, why: &'static str) {
        self.unsafe_reason.get_or_insert(why);
    }
}

/// Session functions whose value a replica reproduces from the Query event.
const SAFE_SESSION_FUNCTIONS: &[&str] = &["DATABASE", "SCHEMA"];
/// Aggregates whose result does not depend on the order rows are read in.
const SAFE_AGGREGATES: &[&str] = &["COUNT", "SUM", "MIN", "MAX", "AVG"];

fn last_ident(n: &ast::ObjectName) -> Option<String> {
    n.0.last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
}

fn resolve<'c>(cat: &'c Catalog, cur_db: &str, n: &ast::ObjectName) -> Option<&'c TableDef> {
    let parts: Vec<&str> =
        n.0.iter()
            .filter_map(|p| p.as_ident().map(|i| i.value.as_str()))
            .collect();
    let (db, name) = match parts.as_slice() {
        [t] => (cur_db, *t),
        [d, t] => (*d, *t),
        _ => return None,
    };
    cat.table(db, name).map(|t| t.as_ref())
}

fn is_literal_zero(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Value(v) if matches!(&v.value, ast::Value::Number(n, _) if n == "0"))
}

fn function_args(f: &ast::Function) -> Vec<&ast::Expr> {
    match &f.args {
        ast::FunctionArguments::List(l) => l
            .args
            .iter()
            .filter_map(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Checks one function call (see the module docs of [`super::binlog`]).
fn check_function(f: &ast::Function, a: &mut Analysis) {
    let Some(name) = last_ident(&f.name).map(|n| n.to_ascii_uppercase()) else {
        a.unsafe_because("a function call that is not a plain name");
        return;
    };
    if f.name.0.len() > 1 {
        a.unsafe_because("a stored function");
        return;
    }
    let args = function_args(f);
    let fractional = args.first().is_some_and(|e| !is_literal_zero(e));
    match Func::from_name(&name) {
        Some(Func::Rand) => {
            a.calls_rand = true;
            a.session_rand |= args.is_empty();
        }
        Some(Func::Uuid) => a.unsafe_because("UUID()"),
        Some(Func::Sleep) => a.unsafe_because("SLEEP()"),
        Some(Func::UtcTimestamp) => a.unsafe_because("UTC_TIMESTAMP()"),
        Some(Func::UtcTime) => a.unsafe_because("UTC_TIME()"),
        Some(Func::Sysdate) => a.unsafe_because("SYSDATE()"),
        Some(Func::Now | Func::CurTime) if fractional => {
            a.unsafe_because("a time function with fractional seconds")
        }
        // GET_LOCK, UUID_SHORT, RANDOM_BYTES …: a replica would answer differently.
        Some(f) if !f.is_deterministic() => a.unsafe_because(f.name()),
        Some(_) => {}
        None if name == "LAST_INSERT_ID" && args.is_empty() => a.reads_last_insert_id = true,
        None if SAFE_SESSION_FUNCTIONS.contains(&name.as_str()) => {}
        None if SAFE_AGGREGATES.contains(&name.as_str()) => {}
        None => a.unsafe_because("a function not known to be deterministic"),
    }
}

/// Whether a column gets the current time with fractional seconds when a statement
/// inserts or updates its row without naming it (a replica only has whole seconds).
fn fractional_now(t: &TableDef, update: bool) -> bool {
    t.columns.iter().any(|c| {
        let now = if update {
            c.on_update_now
        } else {
            c.default == ColumnDefault::CurrentTimestamp
                || (matches!(c.ty, SqlType::Timestamp { .. }) && !c.nullable)
        };
        now && c.ty.fsp() > 0
    })
}

/// Number of unique keys of `t` (the primary key counts).
fn unique_keys(t: &TableDef) -> usize {
    usize::from(!t.primary.is_empty()) + t.indexes.iter().filter(|x| x.unique).count()
}

/// Whether column `i` is part of the primary key or of a unique index.
fn in_unique_key(t: &TableDef, i: usize) -> bool {
    t.primary.iter().any(|p| p.column == i)
        || t.indexes
            .iter()
            .any(|x| x.unique && x.columns.iter().any(|c| c.column == i))
}

/// Decides whether `st` (an INSERT, REPLACE, UPDATE or DELETE, its text `text`, run in
/// `cur_db` against `cat`) is safe to log as a statement.
pub fn analyze(st: &ast::Statement, text: &str, cur_db: &str, cat: &Catalog) -> Analysis {
    let mut a = Analysis::default();
    if code_contains(text, ":=") {
        a.unsafe_because("a user variable assignment");
    }
    if code_contains(text, "/*!") {
        a.unsafe_because("a versioned comment");
    }
    // Every function call and variable.
    let _ = ast::visit_expressions(st, |e: &ast::Expr| {
        match e {
            ast::Expr::Function(f) => check_function(f, &mut a),
            ast::Expr::Identifier(i) if i.quote_style.is_none() && i.value.starts_with("@@") => {
                a.unsafe_because("a system variable")
            }
            ast::Expr::Identifier(i) if i.quote_style.is_none() && i.value.starts_with('@') => {
                let name = i.value[1..].to_ascii_lowercase();
                if !a.user_vars.contains(&name) {
                    a.user_vars.push(name);
                }
            }
            ast::Expr::CompoundIdentifier(p)
                if p.first().is_some_and(|i| i.value.starts_with('@')) =>
            {
                a.unsafe_because("a system variable")
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    // Every table it names must be a base table; its tree is a dependence.
    let mut trees = Vec::new();
    let _ = ast::visit_relations(st, |r: &ast::ObjectName| {
        match resolve(cat, cur_db, r) {
            Some(t) => {
                if !trees.contains(&t.tree) {
                    trees.push(t.tree);
                }
            }
            None => a.unsafe_because("a view or a table of another kind"),
        }
        ControlFlow::<()>::Continue(())
    });
    use ast::Statement as S;
    match st {
        S::Insert(ins) => {
            let ast::TableObject::TableName(n) = &ins.table else {
                a.unsafe_because("INSERT into a table function");
                return a;
            };
            let Some(t) = resolve(cat, cur_db, n) else {
                a.unsafe_because("INSERT into a view");
                return a;
            };
            a.auto_increment = t.auto_increment_column().is_some();
            let values_only = match &ins.source {
                None => true,
                Some(q) => {
                    matches!(q.body.as_ref(), ast::SetExpr::Values(_))
                        && q.order_by.is_none()
                        && q.limit_clause.is_none()
                        && q.with.is_none()
                }
            };
            let odku = matches!(ins.on, Some(ast::OnInsert::DuplicateKeyUpdate(_)));
            if ins.on.is_some() && !odku {
                a.unsafe_because("INSERT ... ON CONFLICT");
            }
            if odku && unique_keys(t) > 1 {
                a.unsafe_because(
                    "INSERT ... ON DUPLICATE KEY UPDATE on a table with more than one unique key",
                );
            }
            if a.auto_increment && (odku || ins.replace_into || ins.ignore || !values_only) {
                a.unsafe_because("REPLACE, INSERT IGNORE, INSERT ... SELECT or INSERT ... ON DUPLICATE KEY UPDATE into a table with an AUTO_INCREMENT column");
            }
            if !values_only
                && ins
                    .source
                    .as_ref()
                    .is_some_and(|q| query_has_limit(q.as_ref()))
            {
                a.unsafe_because("INSERT ... SELECT with LIMIT");
            }
            if a.calls_rand && !values_only {
                a.unsafe_because("RAND() in INSERT ... SELECT");
            }
            if fractional_now(t, false) || (odku && fractional_now(t, true)) {
                a.unsafe_because("a column set to the current time with fractional seconds");
            }
            // A plain INSERT ... VALUES writes every key its outcome depends on; IGNORE,
            // REPLACE, ON DUPLICATE KEY UPDATE and INSERT ... SELECT read other rows.
            let plain = values_only && !odku && !ins.ignore && !ins.replace_into;
            if plain && trees.len() == 1 {
                trees.clear();
            }
        }
        S::Update(u) => {
            if !u.table.joins.is_empty() || u.from.is_some() {
                a.unsafe_because("a multi-table UPDATE");
            }
            if u.limit.is_some() {
                a.unsafe_because("UPDATE with LIMIT");
            }
            if a.calls_rand {
                a.unsafe_because("RAND() in UPDATE (rows may be visited in another order)");
            }
            match &u.table.relation {
                ast::TableFactor::Table { name, .. } => match resolve(cat, cur_db, name) {
                    Some(t) => {
                        if fractional_now(t, true) {
                            a.unsafe_because(
                                "a column set to the current time with fractional seconds",
                            );
                        }
                        for asg in &u.assignments {
                            let cols = match &asg.target {
                                ast::AssignmentTarget::ColumnName(c) => vec![c],
                                ast::AssignmentTarget::Tuple(cs) => cs.iter().collect(),
                            };
                            for c in cols {
                                let i = last_ident(c).and_then(|n| t.column(&n));
                                if i.is_none_or(|i| in_unique_key(t, i)) {
                                    // Row order decides duplicate-key errors.
                                    a.unsafe_because("UPDATE of a primary or unique key column");
                                }
                            }
                        }
                    }
                    None => a.unsafe_because("UPDATE of a view"),
                },
                _ => a.unsafe_because("UPDATE of a derived table"),
            }
        }
        S::Delete(d) => {
            let from = match &d.from {
                ast::FromTable::WithFromKeyword(f) | ast::FromTable::WithoutKeyword(f) => f,
            };
            if !d.tables.is_empty()
                || d.using.is_some()
                || from.len() != 1
                || from.iter().any(|t| !t.joins.is_empty())
            {
                a.unsafe_because("a multi-table DELETE");
            }
            if d.limit.is_some() {
                a.unsafe_because("DELETE with LIMIT");
            }
            if a.calls_rand {
                a.unsafe_because("RAND() in DELETE (rows may be visited in another order)");
            }
        }
        _ => a.unsafe_because("not an INSERT, UPDATE or DELETE"),
    }
    a.depends_on = trees;
    a
}

fn query_has_limit(q: &ast::Query) -> bool {
    let mut found = q.limit_clause.is_some();
    let _ = ast::visit_expressions(q, |e: &ast::Expr| {
        if let ast::Expr::Subquery(s) = e {
            found |= s.limit_clause.is_some();
        }
        ControlFlow::<()>::Continue(())
    });
    found
}

/// Calls `f` with the byte offset of every byte of `sql` that is code: outside string
/// literals, quoted names and comments.
fn for_each_code_byte(sql: &str, mut f: impl FnMut(usize)) {
    let b = sql.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' && q != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') && b.get(i + 2) != Some(&b'!') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            _ => f(i),
        }
        i += 1;
    }
}

/// Whether `needle` occurs in the code of `sql` (not in strings or comments).
pub(crate) fn code_contains(sql: &str, needle: &str) -> bool {
    let mut found = false;
    let n = needle.as_bytes();
    for_each_code_byte(sql, |i| {
        found |= sql.as_bytes()[i..].starts_with(n);
    });
    found
}

/// Byte offsets of the `?` placeholders in `sql` (outside strings, quoted names and
/// comments; inside `/*! */`, which is code).
pub fn placeholders(sql: &str) -> Vec<usize> {
    let mut at = Vec::new();
    for_each_code_byte(sql, |i| {
        if sql.as_bytes()[i] == b'?' {
            at.push(i);
        }
    });
    at
}

/// `sql` with its `?` placeholders (at offsets `at`, from [`placeholders`]) replaced by
/// `params` as SQL literals, as MySQL logs an executed prepared statement.
/// `no_backslash_escapes`: the session's sql_mode has NO_BACKSLASH_ESCAPES (quotes are
/// then only doubled).
pub fn with_literals(
    sql: &str,
    at: &[usize],
    params: &[Value],
    no_backslash_escapes: bool,
) -> String {
    let mut out = String::with_capacity(sql.len() + 16 * params.len());
    let mut last = 0;
    for (pos, v) in at.iter().zip(params) {
        out.push_str(&sql[last..*pos]);
        out.push_str(&literal(v, no_backslash_escapes));
        last = pos + 1;
    }
    out.push_str(&sql[last..]);
    out
}

/// A value as an SQL literal that MySQL and MariaDB read back as the same value.
pub fn literal(v: &Value, no_backslash_escapes: bool) -> String {
    let quote = |s: &str| {
        let mut o = String::with_capacity(s.len() + 2);
        o.push('\'');
        for c in s.chars() {
            match c {
                '\'' if no_backslash_escapes => o.push_str("''"),
                _ if no_backslash_escapes => o.push(c),
                '\'' => o.push_str("\\'"),
                '\\' => o.push_str("\\\\"),
                '\0' => o.push_str("\\0"),
                '\n' => o.push_str("\\n"),
                '\r' => o.push_str("\\r"),
                '\u{1a}' => o.push_str("\\Z"),
                c => o.push(c),
            }
        }
        o.push('\'');
        o
    };
    match v {
        Value::Null => "NULL".into(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Decimal(d) => d.to_string(),
        Value::Double(f) => format!("{f:e}"),
        Value::Float(f) => format!("{:e}", f64::from(*f)),
        Value::Year(y) => y.to_string(),
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => quote(s),
            Err(_) => {
                let hex: String = b.iter().map(|x| format!("{x:02X}")).collect();
                format!("X'{hex}'")
            }
        },
        other => quote(&String::from_utf8_lossy(
            &other.to_text().unwrap_or_default(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_read_back() {
        let sql = "INSERT INTO t VALUES (?, '?', ?, ?) -- ?";
        let p = [
            Value::Int(-3),
            Value::str("it's a \\ test\n"),
            Value::Bytes(vec![0xff, 0x00]),
        ];
        assert_eq!(placeholders(sql), [22, 30, 33]);
        assert_eq!(placeholders("SELECT /*! ? */ 1 /* ? */"), [11]);
        assert_eq!(
            with_literals(sql, &placeholders(sql), &p, false),
            "INSERT INTO t VALUES (-3, '?', 'it\\'s a \\\\ test\\n', X'FF00') -- ?"
        );
        assert_eq!(literal(&Value::str("a'b\\"), true), "'a''b\\'");
        assert_eq!(literal(&Value::Double(0.5), false), "5e-1");
    }

    #[test]
    fn assignments_outside_strings_only() {
        assert!(code_contains("UPDATE t SET a = (@x := 1)", ":="));
        assert!(!code_contains("UPDATE t SET a = ':='", ":="));
    }
}
