//! CHECK constraints as MySQL 8.0 keeps them (WL#929).
//!
//! 1. CREATE TABLE and ALTER TABLE ... ADD turn a column's `CHECK (expr)` and a table's
//!    `[CONSTRAINT [name]] CHECK (expr) [[NOT] ENFORCED]` into a [`CheckDef`] of the table:
//!    unnamed ones are called `<table>_chk_N` (in CREATE, N counts the unnamed ones in the
//!    order written; in ALTER, it continues after the highest N there). The condition is
//!    refused as MySQL refuses it (3812 not a condition, 3813 a column's constraint naming
//!    another column, 3814 a non-deterministic or stored function, 3815 a subquery,
//!    3816 a variable, 3818 the AUTO_INCREMENT column, 3820 an unknown column, 3822 a
//!    name taken in the database, 3823 a column a foreign key's action writes).
//! 2. The condition is stored as MySQL prints it ([`clause_text`]: every operator in
//!    parentheses, names in backquotes, functions in lower case, strings with their
//!    character set), which is what SHOW CREATE TABLE (`CONSTRAINT `t_chk_1` CHECK
//!    ((`a` > 0))`, `/*!80016 NOT ENFORCED */`) and information_schema show.
//! 3. Every row INSERT, REPLACE, INSERT ... SELECT, ON DUPLICATE KEY UPDATE, UPDATE (one
//!    table, several, through a view) and a copying ALTER TABLE writes is checked against
//!    the enforced constraints in name order ([`Exec::enforce_checks`]): FALSE is 3819
//!    "Check constraint 'name' is violated.", TRUE and NULL pass. INSERT IGNORE turns
//!    3819 into a warning and skips the row. The stored text is parsed and bound once per
//!    statement and table layout.
//! 4. ALTER TABLE ... ADD CHECK and ALTER CHECK ... ENFORCED check the rows already there.
//! 5. Elsewhere in DDL (`ddl.rs`): DROP COLUMN drops the constraints on that column alone
//!    and refuses (3959) while one names other columns too; RENAME COLUMN of a checked
//!    column is 3959; RENAME TABLE renames `<old>_chk_…` to `<new>_chk_…`; CREATE TABLE
//!    ... LIKE copies the constraints under generated names.

use std::fmt::Write as _;

use sqlparser::ast;

use super::catalog::{CheckDef, FkAction, TableDef};
use super::error::{SqlError, SqlResult};
use super::exec::{Exec, Path};
use super::expr::{truth, Binder, Expr, Scope, ScopeCol};
use crate::value::{Value, Warning};

/// One CHECK clause as written, before it is named and validated.
pub struct CheckSpec {
    pub name: Option<String>,
    pub expr: ast::Expr,
    pub enforced: bool,
    /// The column whose definition holds it (a column constraint may name only it).
    pub column: Option<String>,
}

impl CheckSpec {
    /// From sqlparser's clause; `column` for a column constraint.
    pub fn from_ast(c: &ast::CheckConstraint, column: Option<&str>) -> CheckSpec {
        CheckSpec {
            name: c.name.as_ref().map(|n| n.value.clone()),
            expr: (*c.expr).clone(),
            enforced: c.enforced.unwrap_or(true),
            column: column.map(str::to_string),
        }
    }
}

/// `CONSTRAINT `name` CHECK (clause)` as SHOW CREATE TABLE prints it.
pub fn show_clause(c: &CheckDef) -> String {
    let mut s = format!(
        "CONSTRAINT `{}` CHECK ({})",
        c.name.replace('`', "``"),
        c.clause
    );
    if !c.enforced {
        s.push_str(" /*!80016 NOT ENFORCED */");
    }
    s
}

/// CHECK_CLAUSE of information_schema.CHECK_CONSTRAINTS: MySQL 8.0 shows the printed
/// condition with `\` and `'` escaped once more (`_utf8mb4\'a\'`).
pub fn info_schema_clause(clause: &str) -> String {
    let mut out = String::with_capacity(clause.len());
    for ch in clause.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c => out.push(c),
        }
    }
    out
}

/// The N of an automatic name `<table>_chk_N`.
fn auto_number(table: &str, name: &str) -> Option<u64> {
    let prefix = format!("{}_chk_", table.to_lowercase());
    let lower = name.to_lowercase();
    lower.strip_prefix(&prefix)?.parse().ok()
}

/// Functions MySQL refuses in a CHECK condition (its value is not fixed by the row):
/// 3814 names them.
pub(crate) const DISALLOWED: &[&str] = &[
    "benchmark",
    "connection_id",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "curdate",
    "curtime",
    "database",
    "found_rows",
    "get_lock",
    "icu_version",
    "is_free_lock",
    "is_used_lock",
    "last_insert_id",
    "load_file",
    "localtime",
    "localtimestamp",
    "master_pos_wait",
    "now",
    "rand",
    "random_bytes",
    "release_all_locks",
    "release_lock",
    "row_count",
    "schema",
    "session_user",
    "sleep",
    "source_pos_wait",
    "sysdate",
    "system_user",
    "unix_timestamp",
    "user",
    "utc_date",
    "utc_time",
    "utc_timestamp",
    "uuid",
    "uuid_short",
    "version",
    "avg",
    "bit_and",
    "bit_or",
    "bit_xor",
    "count",
    "group_concat",
    "json_arrayagg",
    "json_objectagg",
    "max",
    "min",
    "std",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "sum",
    "var_pop",
    "var_samp",
    "variance",
];

pub(crate) fn fn_name(f: &ast::Function) -> String {
    f.name
        .0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.to_lowercase())
        .unwrap_or_default()
}

/// `! x` as the parser front-end writes it, `` `!`(x) ``: its operand.
fn bang_operand(f: &ast::Function) -> Option<&ast::Expr> {
    let quoted_bang = f.name.0.len() == 1
        && f.name.0[0]
            .as_ident()
            .is_some_and(|i| i.value == "!" && i.quote_style.is_some());
    match &f.args {
        ast::FunctionArguments::List(l) if quoted_bang && l.args.len() == 1 => match &l.args[0] {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => Some(x),
            _ => None,
        },
        _ => None,
    }
}

/// `e`, with `!x` (see [`bang_operand`]) as the `NOT x` it means.
fn unbang(e: &ast::Expr) -> std::borrow::Cow<'_, ast::Expr> {
    match e {
        ast::Expr::Function(f) => match bang_operand(f) {
            Some(x) => std::borrow::Cow::Owned(ast::Expr::UnaryOp {
                op: ast::UnaryOperator::Not,
                expr: Box::new(x.clone()),
            }),
            None => std::borrow::Cow::Borrowed(e),
        },
        _ => std::borrow::Cow::Borrowed(e),
    }
}

/// Whether MySQL treats `e` as a condition (a boolean function): the others are printed
/// compared with 0 under NOT and IS TRUE, and refused as a whole CHECK (3812).
fn is_condition(e: &ast::Expr) -> bool {
    use ast::BinaryOperator as B;
    use ast::Expr as A;
    let e = &*unbang(e);
    match e {
        A::Nested(x) => is_condition(x),
        A::BinaryOp { op, .. } => matches!(
            op,
            B::Eq
                | B::NotEq
                | B::Lt
                | B::LtEq
                | B::Gt
                | B::GtEq
                | B::Spaceship
                | B::And
                | B::Or
                | B::Xor
                | B::Regexp
        ),
        A::UnaryOp {
            op: ast::UnaryOperator::Not,
            ..
        } => true,
        A::IsNull(_)
        | A::IsNotNull(_)
        | A::IsTrue(_)
        | A::IsNotTrue(_)
        | A::IsFalse(_)
        | A::IsNotFalse(_)
        | A::IsUnknown(_)
        | A::IsNotUnknown(_)
        | A::InList { .. }
        | A::InSubquery { .. }
        | A::Between { .. }
        | A::Like { .. }
        | A::ILike { .. }
        | A::RLike { .. }
        | A::SimilarTo { .. }
        | A::Exists { .. }
        | A::MemberOf(_) => true,
        A::Value(v) => matches!(v.value, ast::Value::Boolean(_)),
        A::Function(f) => matches!(
            fn_name(f).as_str(),
            "json_valid"
                | "json_contains"
                | "json_contains_path"
                | "json_overlaps"
                | "regexp_like"
                | "is_ipv4"
                | "is_ipv6"
                | "is_ipv4_compat"
                | "is_ipv4_mapped"
                | "is_uuid"
                | "st_contains"
        ),
        _ => false,
    }
}

/// Whether a CHECK of `e` alone is refused as not a condition (3812): a column, a
/// number or string, or arithmetic. Functions and CASE are taken, as MySQL takes them.
fn non_boolean(e: &ast::Expr) -> bool {
    use ast::BinaryOperator as B;
    use ast::Expr as A;
    match e {
        A::Nested(x) => non_boolean(x),
        A::Identifier(_) | A::CompoundIdentifier(_) => true,
        A::Value(v) => !matches!(v.value, ast::Value::Boolean(_) | ast::Value::Null),
        A::UnaryOp {
            op: ast::UnaryOperator::Minus | ast::UnaryOperator::Plus,
            ..
        } => true,
        A::BinaryOp { op, .. } => matches!(
            op,
            B::Plus
                | B::Minus
                | B::Multiply
                | B::Divide
                | B::Modulo
                | B::MyIntegerDivide
                | B::BitwiseAnd
                | B::BitwiseOr
                | B::BitwiseXor
                | B::StringConcat
        ),
        _ => false,
    }
}

fn quote_name(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

/// A string literal as MySQL prints one: `_utf8mb4'it\'s'`.
fn string_text(s: &str, charset: &str) -> String {
    let mut out = format!("_{charset}'");
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\0' => out.push_str("\\0"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{1a}' => out.push_str("\\Z"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn value_text(v: &ast::Value) -> String {
    match v {
        ast::Value::Number(n, _) => n.clone(),
        ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
            string_text(s, "utf8mb4")
        }
        ast::Value::Boolean(b) => if *b { "true" } else { "false" }.into(),
        ast::Value::Null => "NULL".into(),
        ast::Value::HexStringLiteral(h) => format!("0x{}", h.to_lowercase()),
        other => other.to_string(),
    }
}

fn list_text(items: &[ast::Expr]) -> String {
    items.iter().map(clause_text).collect::<Vec<_>>().join(",")
}

/// The operands of a chain of one logical operator, flattened as MySQL's AND/OR items
/// hold them (`a AND b AND c` prints as one parenthesised list).
fn flatten<'e>(e: &'e ast::Expr, want: &ast::BinaryOperator, out: &mut Vec<&'e ast::Expr>) {
    match e {
        ast::Expr::BinaryOp { left, op, right } if op == want => {
            flatten(left, want, out);
            flatten(right, want, out);
        }
        ast::Expr::Nested(x) if matches!(x.as_ref(), ast::Expr::BinaryOp { op, .. } if op == want) => {
            flatten(x, want, out)
        }
        other => out.push(other),
    }
}

/// `e` as a condition: a non-condition compares with 0, as MySQL prints it.
fn as_condition(e: &ast::Expr) -> String {
    if is_condition(e) {
        clause_text(e)
    } else {
        format!("(0 <> {})", clause_text(e))
    }
}

/// An expression as MySQL 8.0 prints it in SHOW CREATE TABLE and information_schema:
/// `(`a` > 0)`, `((`a` > 0) and (`b` < 10))`, `(`s` like _utf8mb4'x%')`, `-(`a`)`,
/// `json_valid(`j`)`. Constructs without a known printing keep sqlparser's text.
pub fn clause_text(e: &ast::Expr) -> String {
    use ast::BinaryOperator as B;
    use ast::Expr as A;
    let e = &*unbang(e);
    match e {
        A::Identifier(i) => quote_name(&i.value),
        A::CompoundIdentifier(parts) => parts
            .last()
            .map(|i| quote_name(&i.value))
            .unwrap_or_default(),
        A::Value(v) => value_text(&v.value),
        A::Prefixed { prefix, value } => match value.as_ref() {
            A::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                    string_text(s, &prefix.value.trim_start_matches('_').to_lowercase())
                }
                other => format!("{}{other}", prefix.value),
            },
            other => format!("{}{}", prefix.value, clause_text(other)),
        },
        A::Nested(x) => clause_text(x),
        A::BinaryOp { left, op, right } => match op {
            B::And | B::Or | B::Xor => {
                let mut parts = Vec::new();
                flatten(e, op, &mut parts);
                let word = match op {
                    B::And => " and ",
                    B::Or => " or ",
                    _ => " xor ",
                };
                let inner: Vec<String> = parts.iter().map(|p| as_condition(p)).collect();
                format!("({})", inner.join(word))
            }
            B::Arrow => format!("json_extract({},{})", clause_text(left), clause_text(right)),
            B::LongArrow => format!(
                "json_unquote(json_extract({},{}))",
                clause_text(left),
                clause_text(right)
            ),
            _ => {
                let sym = match op {
                    B::Eq => "=",
                    B::NotEq => "<>",
                    B::Lt => "<",
                    B::LtEq => "<=",
                    B::Gt => ">",
                    B::GtEq => ">=",
                    B::Spaceship => "<=>",
                    B::Plus => "+",
                    B::Minus => "-",
                    B::Multiply => "*",
                    B::Divide => "/",
                    B::Modulo => "%",
                    B::MyIntegerDivide => "DIV",
                    B::BitwiseAnd => "&",
                    B::BitwiseOr => "|",
                    B::BitwiseXor => "^",
                    B::PGBitwiseShiftLeft => "<<",
                    B::PGBitwiseShiftRight => ">>",
                    B::Regexp => "regexp",
                    other => {
                        return format!("({} {other} {})", clause_text(left), clause_text(right))
                    }
                };
                format!("({} {sym} {})", clause_text(left), clause_text(right))
            }
        },
        A::UnaryOp { op, expr } => match op {
            ast::UnaryOperator::Minus => format!("-({})", clause_text(expr)),
            ast::UnaryOperator::Plus => clause_text(expr),
            ast::UnaryOperator::Not => {
                if is_condition(expr) {
                    format!("(not({}))", clause_text(expr))
                } else {
                    format!("(0 = {})", clause_text(expr))
                }
            }
            ast::UnaryOperator::BitwiseNot => format!("~({})", clause_text(expr)),
            other => format!("{other}({})", clause_text(expr)),
        },
        A::IsNull(x) => format!("({} is null)", clause_text(x)),
        A::IsNotNull(x) => format!("({} is not null)", clause_text(x)),
        A::IsTrue(x) => format!("({} is true)", as_condition(x)),
        A::IsNotTrue(x) => format!("({} is not true)", as_condition(x)),
        A::IsFalse(x) => format!("({} is false)", as_condition(x)),
        A::IsNotFalse(x) => format!("({} is not false)", as_condition(x)),
        A::IsUnknown(x) => format!("({} is null)", as_condition(x)),
        A::IsNotUnknown(x) => format!("({} is not null)", as_condition(x)),
        A::InList {
            expr,
            list,
            negated,
        } => format!(
            "({} {}in ({}))",
            clause_text(expr),
            if *negated { "not " } else { "" },
            list_text(list)
        ),
        A::Between {
            expr,
            negated,
            low,
            high,
        } => format!(
            "({} {}between {} and {})",
            clause_text(expr),
            if *negated { "not " } else { "" },
            clause_text(low),
            clause_text(high)
        ),
        A::Like {
            negated,
            expr,
            pattern,
            escape_char,
            ..
        } => {
            let mut s = format!("({} like {}", clause_text(expr), clause_text(pattern));
            if let Some(c) = escape_char {
                let _ = write!(s, " escape {}", clause_text(c));
            }
            s.push(')');
            if *negated {
                format!("(not({s}))")
            } else {
                s
            }
        }
        A::RLike {
            negated,
            expr,
            pattern,
            ..
        } => {
            let s = format!(
                "regexp_like({},{})",
                clause_text(expr),
                clause_text(pattern)
            );
            if *negated {
                format!("(not({s}))")
            } else {
                s
            }
        }
        A::MemberOf(m) => format!(
            "{} member of ({})",
            clause_text(&m.value),
            clause_text(&m.array)
        ),
        A::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            let mut s = String::from("(case ");
            if let Some(o) = operand {
                let _ = write!(s, "{} ", clause_text(o));
            }
            for w in conditions {
                let _ = write!(
                    s,
                    "when {} then {} ",
                    clause_text(&w.condition),
                    clause_text(&w.result)
                );
            }
            if let Some(e) = else_result {
                let _ = write!(s, "else {} ", clause_text(e));
            }
            s.push_str("end)");
            s
        }
        A::Function(f) => {
            let name = fn_name(f);
            let args = match &f.args {
                ast::FunctionArguments::List(l) => l
                    .args
                    .iter()
                    .map(|a| match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => clause_text(x),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                ast::FunctionArguments::None => return name,
                other => other.to_string(),
            };
            format!("{name}({args})")
        }
        A::Cast {
            expr, data_type, ..
        } => format!(
            "cast({} as {})",
            clause_text(expr),
            data_type.to_string().to_lowercase()
        ),
        other => other.to_string(),
    }
}

/// What makes a CHECK condition unacceptable, found by walking it.
fn refusal(
    t: &TableDef,
    name: &str,
    spec: &CheckSpec,
    is_stored_fn: &dyn Fn(&ast::Function) -> bool,
) -> Option<SqlError> {
    let mut err: Option<SqlError> = None;
    let mut set = |e: SqlError| {
        if err.is_none() {
            err = Some(e)
        }
    };
    let _ = ast::visit_expressions(&spec.expr, |x: &ast::Expr| {
        match x {
            ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_) => {
                let col = match x {
                    ast::Expr::Identifier(i) => i.value.clone(),
                    ast::Expr::CompoundIdentifier(p) => {
                        p.last().map(|i| i.value.clone()).unwrap_or_default()
                    }
                    _ => unreachable!(),
                };
                if col.starts_with('@') {
                    set(SqlError::new(
                        3816,
                        format!("An expression of a check constraint '{name}' cannot refer to a user or system variable."),
                    ));
                    return std::ops::ControlFlow::<()>::Continue(());
                }
                match t.column(&col) {
                    None => set(SqlError::new(
                        3820,
                        format!("Check constraint '{name}' refers to non-existing column '{col}'."),
                    )),
                    Some(i) => {
                        if let Some(own) = &spec.column {
                            if !t.columns[i].name.eq_ignore_ascii_case(own) {
                                set(SqlError::new(
                                    3813,
                                    format!(
                                        "Column check constraint '{name}' references other column."
                                    ),
                                ));
                            }
                        }
                        if t.columns[i].auto_increment {
                            set(SqlError::new(
                                3818,
                                format!("Check constraint '{name}' cannot refer to an auto-increment column."),
                            ));
                        }
                    }
                }
            }
            ast::Expr::Subquery(_) | ast::Expr::Exists { .. } | ast::Expr::InSubquery { .. } => {
                set(SqlError::new(
                    3815,
                    format!(
                        "An expression of a check constraint '{name}' contains disallowed function."
                    ),
                ))
            }
            ast::Expr::Function(f) => {
                let n = fn_name(f);
                if DISALLOWED.contains(&n.as_str()) || f.over.is_some() || is_stored_fn(f) {
                    set(SqlError::new(
                        3814,
                        format!("An expression of a check constraint '{name}' contains disallowed function: {n}."),
                    ))
                }
            }
            _ => {}
        }
        std::ops::ControlFlow::Continue(())
    });
    if err.is_none() && non_boolean(&spec.expr) {
        err = Some(SqlError::new(
            3812,
            format!("An expression of non-boolean type specified to a check constraint '{name}'."),
        ));
    }
    err
}

/// The scope a CHECK condition of `t` is bound in: the table's columns, in order.
pub(crate) fn row_scope(t: &TableDef) -> Scope {
    Scope {
        cols: t
            .columns
            .iter()
            .map(|c| ScopeCol {
                table: t.name.clone(),
                db: t.db.clone(),
                org_table: t.name.clone(),
                name: c.name.clone(),
                ty: Some(c.ty.clone()),
                nullable: c.nullable,
                denied: None,
                hidden: false,
            })
            .collect(),
    }
}

/// Whether `f` calls a stored function (of `db` when its name is not qualified) rather
/// than a built-in one.
pub(crate) fn calls_stored(catalog: &super::catalog::Catalog, db: &str, f: &ast::Function) -> bool {
    let parts: Vec<String> = f
        .name
        .0
        .iter()
        .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
        .collect();
    match parts.as_slice() {
        [d, n] => catalog.routine(d, 'F', &n.to_lowercase()).is_some(),
        [n] => {
            super::functions::Func::from_name(&n.to_uppercase()).is_none()
                && catalog.routine(db, 'F', &n.to_lowercase()).is_some()
        }
        _ => false,
    }
}

/// 3819 for constraint `name`.
pub fn violated(name: &str) -> SqlError {
    SqlError::new(3819, format!("Check constraint '{name}' is violated."))
}

impl Exec<'_> {
    /// Names and validates the CHECK clauses of `t` (its columns final; `t.checks` the
    /// constraints it keeps). `creating`: CREATE TABLE numbers unnamed ones from 1, ALTER
    /// after the highest automatic number of the table.
    pub(crate) fn check_defs(
        &mut self,
        t: &TableDef,
        specs: Vec<CheckSpec>,
        creating: bool,
    ) -> SqlResult<Vec<CheckDef>> {
        let mut next = if creating {
            1
        } else {
            t.checks
                .iter()
                .filter_map(|c| auto_number(&t.name, &c.name))
                .max()
                .unwrap_or(0)
                + 1
        };
        let mut out: Vec<CheckDef> = Vec::new();
        for spec in specs {
            let name = match &spec.name {
                Some(n) => n.clone(),
                None => {
                    let n = format!("{}_chk_{next}", t.name);
                    next += 1;
                    n
                }
            };
            // Names are unique in the database (MySQL 8.0 keeps them per schema).
            let taken_here = t
                .checks
                .iter()
                .chain(out.iter())
                .any(|c| c.name.eq_ignore_ascii_case(&name));
            let taken_elsewhere = self.catalog.tables_in(&t.db).any(|o| {
                o.name != t.name && o.checks.iter().any(|c| c.name.eq_ignore_ascii_case(&name))
            });
            if taken_here || taken_elsewhere {
                return Err(SqlError::new(
                    3822,
                    format!("Duplicate check constraint name '{name}'."),
                ));
            }
            let catalog = self.catalog.clone();
            let stored = |f: &ast::Function| calls_stored(&catalog, &t.db, f);
            if let Some(e) = refusal(t, &name, &spec, &stored) {
                return Err(e);
            }
            // Binding finds what the walk does not (unknown functions, bad arguments).
            let scope = row_scope(t);
            Binder {
                scope: &scope,
                env: self,
                aggs: None,
                agg_base: 0,
                clause: "check constraint",
            }
            .bind(&spec.expr)?;
            out.push(CheckDef {
                name,
                clause: clause_text(&spec.expr),
                enforced: spec.enforced,
            });
        }
        self.refuse_fk_action_columns(t, &out)?;
        Ok(out)
    }

    /// 3823: a column a foreign key's ON UPDATE CASCADE/SET NULL or ON DELETE SET NULL
    /// writes may not appear in a CHECK condition.
    pub(crate) fn refuse_fk_action_columns(
        &self,
        t: &TableDef,
        checks: &[CheckDef],
    ) -> SqlResult<()> {
        let mut fks: Vec<&super::catalog::ForeignKeyDef> = t.foreign_keys.iter().collect();
        fks.sort_by(|a, b| a.name.cmp(&b.name));
        for c in checks.iter().chain(t.checks.iter()) {
            let cols = clause_columns(&c.clause);
            for fk in &fks {
                let writes = matches!(fk.on_update, FkAction::Cascade | FkAction::SetNull)
                    || fk.on_delete == FkAction::SetNull;
                if !writes {
                    continue;
                }
                if let Some(col) = fk
                    .columns
                    .iter()
                    .find(|fc| cols.iter().any(|x| x.eq_ignore_ascii_case(fc)))
                {
                    return Err(SqlError::new(
                        3823,
                        format!(
                            "Column '{col}' cannot be used in a check constraint '{}': needed in a foreign key constraint '{}' referential action.",
                            c.name, fk.name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The enforced constraints of `t`, bound to its row layout (cached per statement).
    fn bound_checks(&mut self, t: &TableDef) -> SqlResult<std::rc::Rc<Vec<(String, Expr)>>> {
        let mut key = format!("{}\0{}", t.db, t.name);
        for c in &t.columns {
            key.push('\0');
            key.push_str(&c.name);
        }
        for c in t.checks.iter().filter(|c| c.enforced) {
            key.push('\u{1}');
            key.push_str(&c.name);
            key.push('\u{1}');
            key.push_str(&c.clause);
        }
        if let Some(b) = self.checks.get(&key) {
            return Ok(b.clone());
        }
        let scope = row_scope(t);
        let mut bound = Vec::new();
        for c in t.checks.iter().filter(|c| c.enforced) {
            let e = parse_clause(&c.clause)?;
            let (x, _) = Binder {
                scope: &scope,
                env: self,
                aggs: None,
                agg_base: 0,
                clause: "check constraint",
            }
            .bind(&e)?;
            bound.push((c.name.clone(), x));
        }
        let b = std::rc::Rc::new(bound);
        self.checks.insert(key, b.clone());
        Ok(b)
    }

    /// 3819 when `row` of `t` makes an enforced CHECK constraint FALSE (first in name
    /// order); NULL passes.
    pub(crate) fn enforce_checks(&mut self, t: &TableDef, row: &[Value]) -> SqlResult<()> {
        if !t.checks.iter().any(|c| c.enforced) {
            return Ok(());
        }
        let bound = self.bound_checks(t)?;
        for (name, x) in bound.iter() {
            let v = x.eval(row, &self.cx)?;
            if truth(&v) == Some(false) {
                return Err(violated(name));
            }
        }
        Ok(())
    }

    /// [`Self::enforce_checks`] for INSERT IGNORE: a violation is warning 3819 and
    /// `false` (skip the row).
    pub(crate) fn checks_pass(
        &mut self,
        t: &TableDef,
        row: &[Value],
        ignore: bool,
    ) -> SqlResult<bool> {
        match self.enforce_checks(t, row) {
            Err(e) if ignore && e.code == 3819 => {
                self.cx.warn(Warning::warn(3819, e.message));
                Ok(false)
            }
            Err(e) => Err(e),
            Ok(()) => Ok(true),
        }
    }

    /// Checks every row of `t` against `checks` (ALTER TABLE ADD CHECK, ALTER CHECK
    /// ENFORCED): 3819 for the first row one of them makes FALSE.
    pub(crate) fn validate_rows(&mut self, t: &TableDef, checks: &[CheckDef]) -> SqlResult<()> {
        let checks: Vec<CheckDef> = checks.iter().filter(|c| c.enforced).cloned().collect();
        if checks.is_empty() {
            return Ok(());
        }
        let probe = TableDef {
            checks,
            ..t.clone()
        };
        let bound = self.bound_checks(&probe)?;
        self.reader.tx()?.watch_tree(t.tree);
        // Each row is checked as the scan reads it: no row is held.
        let mut failed: Option<String> = None;
        let cx = &self.cx;
        self.scan(t, &Path::Full, &[], false, &mut |_, r| {
            for (name, x) in bound.iter() {
                if truth(&x.eval(&r, cx)?) == Some(false) {
                    failed = Some(name.clone());
                    return Ok(false);
                }
            }
            Ok(true)
        })?;
        match failed {
            Some(n) => Err(violated(&n)),
            None => Ok(()),
        }
    }
}

/// Parses a stored condition back.
pub(crate) fn parse_clause(text: &str) -> SqlResult<ast::Expr> {
    super::front::parser()
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| {
            SqlError::new(
                1105,
                format!("Stored CHECK condition '{text}' does not parse: {e}"),
            )
        })
}

/// The column names a stored condition refers to.
pub fn clause_columns(clause: &str) -> Vec<String> {
    let Ok(e) = parse_clause(clause) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let _ = ast::visit_expressions(&e, |x: &ast::Expr| {
        match x {
            ast::Expr::Identifier(i) => out.push(i.value.clone()),
            ast::Expr::CompoundIdentifier(p) => {
                if let Some(i) = p.last() {
                    out.push(i.value.clone())
                }
            }
            _ => {}
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    out
}

/// A stored condition with column `old` renamed to `new` (printed again).
pub fn rename_in_clause(clause: &str, old: &str, new: &str) -> String {
    let Ok(mut e) = parse_clause(clause) else {
        return clause.to_string();
    };
    let _ = ast::visit_expressions_mut(&mut e, |x: &mut ast::Expr| {
        match x {
            ast::Expr::Identifier(i) if i.value.eq_ignore_ascii_case(old) => {
                *i = ast::Ident::with_quote('`', new)
            }
            _ => {}
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    clause_text(&e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(sql: &str) -> String {
        let e = super::super::front::parser()
            .try_with_sql(sql)
            .unwrap()
            .parse_expr()
            .unwrap();
        clause_text(&e)
    }

    #[test]
    fn prints_as_mysql() {
        // Expected texts: MySQL 8.4's information_schema.CHECK_CONSTRAINTS (unescaped).
        assert_eq!(text("a > 0"), "(`a` > 0)");
        assert_eq!(text("b < a"), "(`b` < `a`)");
        assert_eq!(text("c != 0"), "(`c` <> 0)");
        assert_eq!(text("d BETWEEN 1 AND 9"), "(`d` between 1 and 9)");
        assert_eq!(
            text("s <> '' AND s NOT LIKE 'x%'"),
            "((`s` <> _utf8mb4'') and (not((`s` like _utf8mb4'x%'))))"
        );
        assert_eq!(text("a + b > 1"), "((`a` + `b`) > 1)");
        assert_eq!(text("a IN (1, 2, 3)"), "(`a` in (1,2,3))");
        assert_eq!(text("a NOT BETWEEN 7 AND 8"), "(`a` not between 7 and 8)");
        assert_eq!(
            text("b IS NULL OR b >= -1.50"),
            "((`b` is null) or (`b` >= -(1.50)))"
        );
        assert_eq!(
            text("UPPER(s) <> 'X''Y'"),
            "(upper(`s`) <> _utf8mb4'X\\'Y')"
        );
        assert_eq!(
            text("-a < 10 AND a % 2 = 0 AND a DIV 2 > 0"),
            "((-(`a`) < 10) and ((`a` % 2) = 0) and ((`a` DIV 2) > 0))"
        );
        assert_eq!(
            text("CASE WHEN a > 1 THEN 1 ELSE 0 END = 1"),
            "((case when (`a` > 1) then 1 else 0 end) = 1)"
        );
        assert_eq!(text("COALESCE(a, 0) >= 0"), "(coalesce(`a`,0) >= 0)");
        assert_eq!(text("JSON_VALID(j)"), "json_valid(`j`)");
        assert_eq!(text("NOT a"), "(0 = `a`)");
        assert_eq!(text("TRUE"), "true");
        assert_eq!(text("a > 1e2"), "(`a` > 1e2)");
        assert_eq!(text("a > 0 AND c8.a < 9"), "((`a` > 0) and (`a` < 9))");
        assert_eq!(text("a IS TRUE"), "((0 <> `a`) is true)");
        assert_eq!(
            info_schema_clause("(upper(`s`) <> _utf8mb4'X\\'Y')"),
            "(upper(`s`) <> _utf8mb4\\'X\\\\\\'Y\\')"
        );
    }

    #[test]
    fn printed_text_parses_to_the_same_text() {
        for sql in [
            "s <> '' AND s NOT LIKE 'x%'",
            "UPPER(s) <> 'X''Y'",
            "-a < 10 AND a % 2 = 0 AND a DIV 2 > 0",
            "NOT a",
            "CASE WHEN a > 1 THEN 1 ELSE 0 END = 1",
            "a IS TRUE",
        ] {
            let once = text(sql);
            assert_eq!(text(&once), once, "{sql}");
        }
    }
}
