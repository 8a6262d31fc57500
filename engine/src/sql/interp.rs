//! Running stored programs: triggers fired by DML, stored functions called from
//! expressions, procedures run by CALL.
//!
//! A program runs inside the executor of the statement that invoked it, so it reads and
//! writes in that statement's transaction: a failing trigger fails the statement, and the
//! session's statement savepoint undoes every row the statement and its triggers wrote.
//!
//! Life of a body statement: local variables, parameters and `NEW.col` / `OLD.col` are
//! replaced in the statement's AST by literals of their current values (MySQL gives local
//! variables precedence over columns of the same name), then the statement runs through the
//! same executor methods a client statement uses (`insert`, `update`, `query`, …). Bodies
//! are parsed once per statement and cached in [`ProgState`].

use std::collections::HashMap;
use std::sync::Arc;

use sqlparser::ast;

use super::catalog::{privs, RoutineDef, TableDef, TriggerDef};
use super::error::{SqlError, SqlResult};
use super::exec::{value_literal, Exec, RowSet};
use super::expr::{truth, ColType, CorrKind, CorrSpec, Expr, Scope};
use super::program::{self, Stmt, Target};
use crate::value::{coerce_for_column_at, Collation, SqlType, Value, Warning};

/// Stored-program state of one client statement.
#[derive(Default)]
pub struct ProgState {
    /// Parsed bodies by text.
    parsed: HashMap<String, Arc<Stmt>>,
    /// Tables the statements on the stack are changing (a trigger or function may not
    /// change them: 1442).
    busy: Vec<(String, String)>,
    /// Routines and triggers being run (recursion is refused, as MySQL's defaults do).
    stack: Vec<String>,
    /// Result sets of SELECTs run by procedures, for the client.
    pub results: Vec<RowSet>,
}

/// What a program is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ProgKind {
    Trigger,
    Function,
    Procedure,
    Event,
}

impl ProgKind {
    fn name(self) -> &'static str {
        match self {
            ProgKind::Trigger => "trigger",
            ProgKind::Function => "function",
            ProgKind::Procedure => "procedure",
            ProgKind::Event => "event",
        }
    }
}

struct Var {
    name: String,
    ty: Option<SqlType>,
    value: Value,
}

/// The row a trigger sees.
struct TrgRow {
    table: Arc<TableDef>,
    event: String,
    before: bool,
    new: Option<Vec<Value>>,
    old: Option<Vec<Value>>,
}

/// Variables of one running program.
struct Frame {
    kind: ProgKind,
    vars: Vec<Var>,
    row: Option<TrgRow>,
}

enum Flow {
    Next,
    Return(Value),
}

impl Frame {
    fn var(&self, name: &str) -> Option<usize> {
        self.vars
            .iter()
            .rposition(|v| v.name.eq_ignore_ascii_case(name))
    }
}

/// The SQL type of a type written in a program (parameter, RETURNS, DECLARE).
pub fn type_of(dt: &ast::DataType) -> SqlResult<SqlType> {
    super::ddl::sql_type(dt, Collation::Utf8mb4GeneralCi)
}

fn type_text(text: &str) -> SqlResult<SqlType> {
    let dt = program::parse_type(text).map_err(|e| SqlError::new(1064, e.to_string()))?;
    type_of(&dt)
}

/// Parses a body kept in the catalog.
pub fn parse(text: &str) -> SqlResult<Stmt> {
    program::parse_body(text)
        .map_err(|e| SqlError::new(1064, format!("stored program body does not parse: {e}")))
}

/// Every expression of a program (including those inside its SQL statements).
fn each_expr(s: &Stmt, f: &mut dyn FnMut(&ast::Expr)) {
    let mut visit = |e: &ast::Expr| {
        let _ = ast::visit_expressions(e, |x: &ast::Expr| {
            f(x);
            std::ops::ControlFlow::<()>::Continue(())
        });
    };
    program::walk(s, &mut |st| match st {
        Stmt::Declare {
            default: Some(e), ..
        }
        | Stmt::Return(e)
        | Stmt::While { cond: e, .. }
        | Stmt::Repeat { until: e, .. } => visit(e),
        Stmt::Set(items) => items.iter().for_each(|(_, e)| visit(e)),
        Stmt::If { arms, .. } => arms.iter().for_each(|(c, _)| visit(c)),
        Stmt::Signal { message, errno, .. } => {
            message.iter().chain(errno.iter()).for_each(&mut visit)
        }
        Stmt::Sql(q) => {
            let _ = ast::visit_expressions(q.as_ref(), |x: &ast::Expr| {
                visit(x);
                std::ops::ControlFlow::<()>::Continue(())
            });
        }
        _ => {}
    });
}

/// CREATE-time checks MySQL makes on a body: RETURN only in functions, no result sets from
/// functions and triggers, NEW/OLD only where they exist and assignable only in BEFORE
/// triggers (1362, 1363), columns of NEW/OLD that exist (1054).
pub fn check(
    body: &Stmt,
    kind: ProgKind,
    trigger: Option<(&TableDef, &str, &str)>,
) -> SqlResult<()> {
    let mut err: Option<SqlError> = None;
    let mut has_return = false;
    program::walk(body, &mut |s| {
        if err.is_some() {
            return;
        }
        match s {
            Stmt::Return(_) => {
                has_return = true;
                if kind != ProgKind::Function {
                    err = Some(SqlError::new(1313, "RETURN is only allowed in a FUNCTION"));
                }
            }
            Stmt::Sql(q) if matches!(kind, ProgKind::Function | ProgKind::Trigger) => {
                if let ast::Statement::Query(q) = q.as_ref() {
                    let into =
                        matches!(q.body.as_ref(), ast::SetExpr::Select(s) if s.into.is_some());
                    if !into {
                        err = Some(SqlError::new(
                            1415,
                            format!("Not allowed to return a result set from a {}", kind.name()),
                        ));
                    }
                }
            }
            Stmt::Set(items) => {
                for (t, _) in items {
                    if let Target::Row(new, col) = t {
                        let Some((table, timing, event)) = trigger else {
                            continue;
                        };
                        if let Some(e) = row_ref_error(table, event, *new, col) {
                            err = Some(e);
                        } else if !*new {
                            err = Some(SqlError::new(
                                1362,
                                "Updating of OLD row is not allowed in trigger",
                            ));
                        } else if timing == "AFTER" {
                            err = Some(SqlError::new(
                                1362,
                                "Updating of NEW row is not allowed in after trigger",
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    if kind == ProgKind::Function && !has_return {
        return Err(SqlError::new(1320, "No RETURN found in FUNCTION"));
    }
    if let Some((table, _, event)) = trigger {
        let mut e2 = None;
        each_expr(body, &mut |e| {
            if let ast::Expr::CompoundIdentifier(p) = e {
                if p.len() == 2 && e2.is_none() {
                    let which = p[0].value.to_ascii_uppercase();
                    if which == "NEW" || which == "OLD" {
                        e2 = row_ref_error(table, event, which == "NEW", &p[1].value);
                    }
                }
            }
        });
        if let Some(e) = e2 {
            return Err(e);
        }
    }
    Ok(())
}

fn row_ref_error(table: &TableDef, event: &str, new: bool, col: &str) -> Option<SqlError> {
    if (new && event == "DELETE") || (!new && event == "INSERT") {
        let (w, ev) = if new {
            ("NEW", "DELETE")
        } else {
            ("OLD", "INSERT")
        };
        return Some(SqlError::new(
            1363,
            format!("There is no {w} row in on {ev} trigger"),
        ));
    }
    if table.column(col).is_none() {
        let w = if new { "NEW" } else { "OLD" };
        return Some(SqlError::new(
            1054,
            format!("Unknown column '{col}' in '{w}'"),
        ));
    }
    None
}

/// A query that reads nothing: the placeholder a [`CorrKind::Call`] carries.
fn no_query() -> ast::Query {
    ast::Query {
        with: None,
        body: Box::new(ast::SetExpr::Values(ast::Values {
            explicit_row: false,
            value_keyword: false,
            rows: vec![],
        })),
        order_by: None,
        limit_clause: None,
        fetch: None,
        locks: vec![],
        for_clause: None,
        settings: None,
        format_clause: None,
        pipe_operators: vec![],
    }
}

impl Exec<'_> {
    fn parsed(&mut self, body: &str) -> SqlResult<Arc<Stmt>> {
        if let Some(s) = self.prog.parsed.get(body) {
            return Ok(s.clone());
        }
        let s = Arc::new(parse(body)?);
        self.prog.parsed.insert(body.to_string(), s.clone());
        Ok(s)
    }

    /// Marks `t` as being changed by the current statement; 1442 when a statement further
    /// down the stack (the one that fired this trigger or called this function) changes it.
    pub fn enter_table(&mut self, t: &TableDef) -> SqlResult<()> {
        let key = (t.db.clone(), t.name.clone());
        if !self.prog.stack.is_empty() && self.prog.busy.contains(&key) {
            return Err(SqlError::new(
                1442,
                format!(
                    "Can't update table '{}' in stored function/trigger because it is already used by statement which invoked this stored function/trigger",
                    t.name
                ),
            ));
        }
        self.prog.busy.push(key);
        Ok(())
    }

    /// Ends [`Exec::enter_table`].
    pub fn leave_table(&mut self) {
        self.prog.busy.pop();
    }

    /// Runs the `timing` `event` triggers of `t` for one row. A BEFORE trigger may change
    /// `new` through `SET NEW.col`.
    pub fn fire_triggers(
        &mut self,
        t: &Arc<TableDef>,
        timing: &str,
        event: &str,
        old: Option<&[Value]>,
        new: Option<&mut Vec<Value>>,
    ) -> SqlResult<()> {
        let triggers = self.catalog.triggers_for(&t.db, &t.name, timing, event);
        if triggers.is_empty() {
            return Ok(());
        }
        let mut frame = Frame {
            kind: ProgKind::Trigger,
            vars: Vec::new(),
            row: Some(TrgRow {
                table: t.clone(),
                event: event.to_string(),
                before: timing == "BEFORE",
                new: new.as_ref().map(|n| n.to_vec()),
                old: old.map(<[Value]>::to_vec),
            }),
        };
        for trg in &triggers {
            self.run_trigger(trg, &mut frame)?;
        }
        if let (Some(out), Some(row)) = (new, frame.row.and_then(|r| r.new)) {
            *out = row;
        }
        Ok(())
    }

    fn run_trigger(&mut self, trg: &TriggerDef, frame: &mut Frame) -> SqlResult<()> {
        let key = format!("trigger {}.{}", trg.db, trg.name);
        if self.prog.stack.contains(&key) {
            return Err(SqlError::new(
                1424,
                "Recursive stored functions and triggers are not allowed",
            ));
        }
        let body = self.parsed(&trg.body)?;
        // A trigger runs with its definer's privileges.
        let sec = self.security.for_body(&trg.env.definer, "DEFINER")?;
        // Its definer must hold TRIGGER on the table (MySQL checks it at each firing).
        sec.table(privs::TRIGGER, "TRIGGER", &trg.db, &trg.table)?;
        self.prog.stack.push(key);
        let text = std::mem::replace(&mut self.text, Arc::from(trg.body.as_str()));
        let r = self.with_security(sec, |ex| ex.exec_stmt(frame, &body));
        self.text = text;
        self.prog.stack.pop();
        r.map(|_| ())
    }

    /// Calls stored function `r` with `args`.
    pub fn call_function(&mut self, r: &RoutineDef, args: Vec<Value>) -> SqlResult<Value> {
        if args.len() != r.params.len() {
            return Err(SqlError::new(
                1318,
                format!(
                    "Incorrect number of arguments for FUNCTION {}.{}; expected {}, got {}",
                    r.db,
                    r.name,
                    r.params.len(),
                    args.len()
                ),
            ));
        }
        let key = format!("function {}.{}", r.db, r.name.to_lowercase());
        if self.prog.stack.contains(&key) {
            return Err(SqlError::new(
                1424,
                "Recursive stored functions and triggers are not allowed",
            ));
        }
        let mut frame = Frame {
            kind: ProgKind::Function,
            vars: Vec::new(),
            row: None,
        };
        for (p, v) in r.params.iter().zip(args) {
            let ty = type_text(&p.ty)?;
            let v = self.coerce(v, &ty, &p.name)?;
            frame.vars.push(Var {
                name: p.name.clone(),
                ty: Some(ty),
                value: v,
            });
        }
        let ret = type_text(&r.returns)?;
        let out = self.run_routine(r, key, &mut frame)?;
        match out {
            Flow::Return(v) => self.coerce(v, &ret, &r.name),
            Flow::Next => Err(SqlError::new(
                1321,
                format!("FUNCTION {} ended without RETURN", r.name),
            )),
        }
    }

    fn run_routine(&mut self, r: &RoutineDef, key: String, frame: &mut Frame) -> SqlResult<Flow> {
        let body = self.parsed(&r.body)?;
        // The body runs with the definer's privileges (SQL SECURITY DEFINER) or the
        // caller's (INVOKER).
        let sec = self.security.for_body(&r.env.definer, &r.security)?;
        if !r.security.eq_ignore_ascii_case("INVOKER") && !sec.is_unrestricted() {
            // The definer must hold EXECUTE on the routine too (MySQL checks it again in
            // the new context: it may have been revoked since the routine was created).
            sec.routine(privs::EXECUTE, "execute", &r.db, r.kind, &r.name)?;
        }
        self.prog.stack.push(key);
        let text = std::mem::replace(&mut self.text, Arc::from(r.body.as_str()));
        let corr = std::mem::take(&mut self.corr);
        let out = self.with_security(sec, |ex| ex.exec_stmt(frame, &body));
        self.corr = corr;
        self.text = text;
        self.prog.stack.pop();
        out
    }

    /// Runs procedure `r`; `args` are the IN values (anything for OUT). Returns every
    /// parameter's final value, for the caller to copy OUT/INOUT ones back.
    pub fn call_procedure(&mut self, r: &RoutineDef, args: Vec<Value>) -> SqlResult<Vec<Value>> {
        let key = format!("procedure {}.{}", r.db, r.name.to_lowercase());
        if self.prog.stack.contains(&key) {
            return Err(SqlError::new(
                1456,
                format!(
                    "Recursive limit 0 (as set by the max_sp_recursion_depth variable) was exceeded for routine {}",
                    r.name
                ),
            ));
        }
        let mut frame = Frame {
            kind: ProgKind::Procedure,
            vars: Vec::new(),
            row: None,
        };
        for (p, v) in r.params.iter().zip(args) {
            let ty = type_text(&p.ty)?;
            let v = if p.mode == "OUT" {
                Value::Null
            } else {
                self.coerce(v, &ty, &p.name)?
            };
            frame.vars.push(Var {
                name: p.name.clone(),
                ty: Some(ty),
                value: v,
            });
        }
        self.run_routine(r, key, &mut frame)?;
        Ok(frame.vars.into_iter().map(|v| v.value).collect())
    }

    /// Runs an event's body once (EXECUTE-like; the scheduler is not in Borealis).
    pub fn run_event_body(&mut self, body: &str) -> SqlResult<()> {
        let stmt = self.parsed(body)?;
        let mut frame = Frame {
            kind: ProgKind::Event,
            vars: Vec::new(),
            row: None,
        };
        self.exec_stmt(&mut frame, &stmt).map(|_| ())
    }

    /// `CALL p(args)` from a client or a program: IN arguments are evaluated, OUT and INOUT
    /// ones must be `@user` variables (or, inside a program, local variables).
    pub fn call_statement(&mut self, f: &ast::Function) -> SqlResult<()> {
        let mut frame = Frame {
            kind: ProgKind::Procedure,
            vars: Vec::new(),
            row: None,
        };
        self.call_in(&mut frame, f)
    }

    fn call_in(&mut self, frame: &mut Frame, f: &ast::Function) -> SqlResult<()> {
        let (db, name) =
            super::exec::qualified_name(&f.name, self.session.current_db(), "routine")?;
        let r = self.catalog.routine(&db, 'P', &name).cloned();
        self.security
            .routine(privs::EXECUTE, "execute", &db, 'P', &name)?;
        let Some(r) = r else {
            return Err(SqlError::new(
                1305,
                format!("PROCEDURE {db}.{name} does not exist"),
            ));
        };
        let args: Vec<ast::Expr> = match &f.args {
            ast::FunctionArguments::List(l) => l
                .args
                .iter()
                .map(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Ok(e.clone()),
                    other => Err(SqlError::new(1064, format!("Incorrect argument '{other}'"))),
                })
                .collect::<SqlResult<_>>()?,
            _ => Vec::new(),
        };
        if args.len() != r.params.len() {
            return Err(SqlError::new(
                1318,
                format!(
                    "Incorrect number of arguments for PROCEDURE {}.{}; expected {}, got {}",
                    r.db,
                    r.name,
                    r.params.len(),
                    args.len()
                ),
            ));
        }
        // Where each OUT/INOUT argument goes back to.
        let mut outs: Vec<Option<Target>> = Vec::new();
        let mut vals = Vec::new();
        for (i, (p, a)) in r.params.iter().zip(&args).enumerate() {
            let target = if p.mode == "IN" {
                None
            } else {
                let t = match a {
                    ast::Expr::Identifier(id)
                        if id.value.starts_with('@') && !id.value.starts_with("@@") =>
                    {
                        Some(Target::User(id.value[1..].to_string()))
                    }
                    ast::Expr::Identifier(id) if frame.var(&id.value).is_some() => {
                        Some(Target::Local(id.value.clone()))
                    }
                    ast::Expr::CompoundIdentifier(p)
                        if p.len() == 2
                            && p[0].value.eq_ignore_ascii_case("NEW")
                            && frame.row.as_ref().is_some_and(|r| r.before) =>
                    {
                        Some(Target::Row(true, p[1].value.clone()))
                    }
                    _ => None,
                };
                if t.is_none() {
                    return Err(SqlError::new(
                        1414,
                        format!(
                            "OUT or INOUT argument {} for routine {}.{} is not a variable or NEW pseudo-variable in BEFORE trigger",
                            i + 1,
                            r.db,
                            r.name
                        ),
                    ));
                }
                t
            };
            vals.push(if p.mode == "OUT" {
                Value::Null
            } else {
                self.eval_in(frame, a)?
            });
            outs.push(target);
        }
        let finals = self.call_procedure(&r, vals)?;
        for (t, v) in outs.into_iter().zip(finals) {
            if let Some(t) = t {
                self.assign(frame, &t, v)?;
            }
        }
        Ok(())
    }

    fn coerce(&mut self, v: Value, ty: &SqlType, name: &str) -> SqlResult<Value> {
        let strict = self.session.strict();
        let (v, w) = coerce_for_column_at(v, ty, strict, name, 1)?;
        if let Some(w) = w {
            self.cx.warn(w);
        }
        Ok(v)
    }

    /// Replaces variables and NEW/OLD references by their values.
    fn bind_vars<T: ast::VisitMut>(&self, frame: &Frame, node: &mut T) -> SqlResult<()> {
        let mut err = None;
        let _ = ast::visit_expressions_mut(node, |e: &mut ast::Expr| {
            let v = match e {
                ast::Expr::Identifier(i) if !i.value.starts_with('@') => {
                    frame.var(&i.value).map(|k| frame.vars[k].value.clone())
                }
                ast::Expr::CompoundIdentifier(p) if p.len() == 2 => {
                    let which = p[0].value.to_ascii_uppercase();
                    match (&frame.row, which.as_str()) {
                        (Some(r), "NEW" | "OLD") => {
                            let row = if which == "NEW" { &r.new } else { &r.old };
                            match (row, r.table.column(&p[1].value)) {
                                (Some(row), Some(c)) => Some(row[c].clone()),
                                (None, _) => {
                                    err = Some(SqlError::new(
                                        1363,
                                        format!(
                                            "There is no {which} row in on {} trigger",
                                            r.event
                                        ),
                                    ));
                                    None
                                }
                                (_, None) => {
                                    err = Some(SqlError::new(
                                        1054,
                                        format!("Unknown column '{}' in '{which}'", p[1].value),
                                    ));
                                    None
                                }
                            }
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some(v) = v {
                *e = value_literal(&v);
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        match err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn eval_in(&mut self, frame: &Frame, e: &ast::Expr) -> SqlResult<Value> {
        let mut e = e.clone();
        self.bind_vars(frame, &mut e)?;
        let corr = std::mem::take(&mut self.corr);
        let v = self.const_expr(&e);
        self.corr = corr;
        v
    }

    fn assign(&mut self, frame: &mut Frame, t: &Target, v: Value) -> SqlResult<()> {
        match t {
            Target::Local(name) => match frame.var(name) {
                Some(k) => {
                    let v = match frame.vars[k].ty.clone() {
                        Some(ty) => self.coerce(v, &ty, name)?,
                        None => v,
                    };
                    frame.vars[k].value = v;
                    Ok(())
                }
                None => Err(SqlError::new(
                    1235,
                    format!("This version of Borealis doesn't yet support setting system variable '{name}' inside a stored program"),
                )),
            },
            Target::User(name) => {
                // Newer than what the statement assigned so far (`@v := e`).
                self.cx.user_vars.borrow_mut().remove(&name.to_ascii_lowercase());
                self.session.set_user_var(name, v);
                Ok(())
            }
            Target::System(name) => Err(SqlError::new(
                1235,
                format!("This version of Borealis doesn't yet support setting system variable '{name}' inside a stored program"),
            )),
            Target::Row(new, col) => {
                let Some(r) = frame.row.as_mut() else {
                    return Err(SqlError::new(1054, format!("Unknown column '{col}'")));
                };
                if !*new {
                    return Err(SqlError::new(1362, "Updating of OLD row is not allowed in trigger"));
                }
                if !r.before {
                    return Err(SqlError::new(1362, "Updating of NEW row is not allowed in after trigger"));
                }
                let table = r.table.clone();
                let Some(i) = table.column(col) else {
                    return Err(SqlError::new(1054, format!("Unknown column '{col}' in 'NEW'")));
                };
                let v = self.store_value(&table, i, v, 1, self.session.strict(), false)?;
                if let Some(row) = frame.row.as_mut().and_then(|r| r.new.as_mut()) {
                    row[i] = v;
                }
                Ok(())
            }
        }
    }

    fn exec_list(&mut self, frame: &mut Frame, list: &[Stmt]) -> SqlResult<Flow> {
        let mark = frame.vars.len();
        for s in list {
            self.cx.check()?;
            if let Flow::Return(v) = self.exec_stmt(frame, s)? {
                frame.vars.truncate(mark);
                return Ok(Flow::Return(v));
            }
        }
        frame.vars.truncate(mark);
        Ok(Flow::Next)
    }

    fn exec_stmt(&mut self, frame: &mut Frame, s: &Stmt) -> SqlResult<Flow> {
        match s {
            Stmt::Block(list) => self.exec_list(frame, list),
            Stmt::Declare { names, ty, default } => {
                let ty = type_of(ty)?;
                let v = match default {
                    Some(e) => self.eval_in(frame, e)?,
                    None => Value::Null,
                };
                for n in names {
                    let v = self.coerce(v.clone(), &ty, n)?;
                    frame.vars.push(Var {
                        name: n.clone(),
                        ty: Some(ty.clone()),
                        value: v,
                    });
                }
                Ok(Flow::Next)
            }
            Stmt::Set(items) => {
                for (t, e) in items {
                    let v = self.eval_in(frame, e)?;
                    self.assign(frame, t, v)?;
                }
                Ok(Flow::Next)
            }
            Stmt::If { arms, otherwise } => {
                for (c, body) in arms {
                    if truth(&self.eval_in(frame, c)?) == Some(true) {
                        return self.exec_list(frame, body);
                    }
                }
                match otherwise {
                    Some(body) => self.exec_list(frame, body),
                    None => Ok(Flow::Next),
                }
            }
            Stmt::While { cond, body } => {
                while truth(&self.eval_in(frame, cond)?) == Some(true) {
                    if let Flow::Return(v) = self.exec_list(frame, body)? {
                        return Ok(Flow::Return(v));
                    }
                }
                Ok(Flow::Next)
            }
            Stmt::Repeat { body, until } => loop {
                if let Flow::Return(v) = self.exec_list(frame, body)? {
                    return Ok(Flow::Return(v));
                }
                if truth(&self.eval_in(frame, until)?) == Some(true) {
                    return Ok(Flow::Next);
                }
            },
            Stmt::Do(exprs) => {
                for e in exprs {
                    self.eval_in(frame, e)?;
                }
                Ok(Flow::Next)
            }
            Stmt::Return(e) => {
                if frame.kind != ProgKind::Function {
                    return Err(SqlError::new(1313, "RETURN is only allowed in a FUNCTION"));
                }
                Ok(Flow::Return(self.eval_in(frame, e)?))
            }
            Stmt::Signal {
                sqlstate,
                message,
                errno,
            } => self.signal(frame, sqlstate, message.as_ref(), errno.as_ref()),
            Stmt::Sql(st) => {
                self.exec_sql(frame, st)?;
                Ok(Flow::Next)
            }
        }
    }

    fn signal(
        &mut self,
        frame: &Frame,
        sqlstate: &str,
        message: Option<&ast::Expr>,
        errno: Option<&ast::Expr>,
    ) -> SqlResult<Flow> {
        if sqlstate.len() != 5
            || !sqlstate.bytes().all(|b| b.is_ascii_alphanumeric())
            || sqlstate.starts_with("00")
        {
            return Err(SqlError::new(1407, format!("Bad SQLSTATE: '{sqlstate}'")));
        }
        let class = &sqlstate[..2];
        let (default_code, default_msg) = match class {
            "01" => (1642, "Unhandled user-defined warning condition"),
            "02" => (1643, "Unhandled user-defined not found condition"),
            _ => (1644, "Unhandled user-defined exception condition"),
        };
        let msg = match message {
            Some(e) => {
                let v = self.eval_in(frame, e)?;
                String::from_utf8_lossy(&v.to_text().unwrap_or_default()).into_owned()
            }
            None => default_msg.to_string(),
        };
        let code = match errno {
            Some(e) => match self.eval_in(frame, e)? {
                Value::Int(i) if (1..=65534).contains(&i) => i as u16,
                Value::UInt(u) if (1..=65534).contains(&u) => u as u16,
                other => {
                    return Err(SqlError::new(
                        1231,
                        format!(
                            "Variable 'MYSQL_ERRNO' can't be set to the value of '{}'",
                            String::from_utf8_lossy(&other.to_text().unwrap_or_default())
                        ),
                    ))
                }
            },
            None => default_code,
        };
        if class == "01" {
            self.cx.warn(Warning::warn(code, msg));
            return Ok(Flow::Next);
        }
        Err(SqlError::new(code, msg))
    }

    fn exec_sql(&mut self, frame: &mut Frame, st: &ast::Statement) -> SqlResult<()> {
        use ast::Statement as S;
        if let S::Call(f) = st {
            return self.call_in(frame, f);
        }
        let mut st = st.clone();
        // `SELECT … INTO a, @b`: the targets are variables, not values.
        let into = match &mut st {
            S::Query(q) => match q.body.as_mut() {
                ast::SetExpr::Select(s) => s.into.take(),
                _ => None,
            },
            _ => None,
        };
        self.bind_vars(frame, &mut st)?;
        if frame.kind == ProgKind::Procedure {
            if let super::exec::Reader::Tx(t) = &mut self.reader {
                // READ COMMITTED: each statement of a procedure reads the newest commits,
                // as a client's statements do (a function or trigger reads its caller's).
                t.statement_start();
            }
        }
        let corr = std::mem::take(&mut self.corr);
        let r = self.exec_bound(frame, &st, into);
        self.corr = corr;
        r
    }

    fn exec_bound(
        &mut self,
        frame: &mut Frame,
        st: &ast::Statement,
        into: Option<ast::SelectInto>,
    ) -> SqlResult<()> {
        use ast::Statement as S;
        match st {
            S::Insert(i) => self.insert(i).map(|_| ()),
            S::Update(u) => self.update(u).map(|_| ()),
            S::Delete(d) => self.delete(d).map(|_| ()),
            S::Query(q) => match into {
                Some(into) => {
                    let rs = self.query(q)?;
                    if rs.rows.len() > 1 {
                        return Err(SqlError::new(1172, "Result consisted of more than one row"));
                    }
                    let Some(row) = rs.rows.into_iter().next() else {
                        self.cx.warn(Warning::warn(
                            1329,
                            "No data - zero rows fetched, selected, or processed",
                        ));
                        return Ok(());
                    };
                    if row.len() != into.targets.len() {
                        return Err(SqlError::new(
                            1222,
                            "The used SELECT statements have a different number of columns",
                        ));
                    }
                    for (t, v) in into.targets.iter().zip(row) {
                        let name = match t {
                            ast::Expr::Identifier(i) => i.value.clone(),
                            other => other.to_string(),
                        };
                        let target = match name.strip_prefix('@') {
                            Some(u) => Target::User(u.to_string()),
                            None => Target::Local(name.clone()),
                        };
                        self.assign(frame, &target, v)?;
                    }
                    Ok(())
                }
                None if frame.kind == ProgKind::Procedure => {
                    let rs = self.query(q)?;
                    self.prog.results.push(rs);
                    Ok(())
                }
                None => Err(SqlError::new(
                    1415,
                    format!(
                        "Not allowed to return a result set from a {}",
                        frame.kind.name()
                    ),
                )),
            },
            other if matches!(frame.kind, ProgKind::Function | ProgKind::Trigger) => {
                let _ = other;
                Err(SqlError::new(
                    1422,
                    "Explicit or implicit commit is not allowed in stored function or trigger",
                ))
            }
            other => {
                Err(SqlError::new(
                    1235,
                    format!(
                    "This version of Borealis doesn't yet support '{}' inside a stored procedure",
                    other.to_string().split_whitespace().take(2).collect::<Vec<_>>().join(" ")
                ),
                ))
            }
        }
    }

    /// Binds a call of stored function `db.name` (the current database when `db` is None):
    /// evaluated now when every argument is constant, else per row as a correlated value.
    /// `None` when there is no such function.
    pub fn bind_stored_function(
        &mut self,
        db: Option<&str>,
        name: &str,
        args: Vec<(Expr, ColType)>,
    ) -> Option<SqlResult<(Expr, ColType)>> {
        let db = db
            .map(str::to_string)
            .or_else(|| self.session.current_db())?;
        let r = self.catalog.routine(&db, 'F', name)?.clone();
        Some((|| {
            self.security
                .routine(privs::EXECUTE, "execute", &r.db, 'F', &r.name)?;
            let ty = Some(type_text(&r.returns)?);
            if args.len() != r.params.len() {
                return Err(SqlError::new(
                    1318,
                    format!(
                        "Incorrect number of arguments for FUNCTION {}.{}; expected {}, got {}",
                        r.db,
                        r.name,
                        r.params.len(),
                        args.len()
                    ),
                ));
            }
            if self.describe {
                return Ok((Expr::Lit(Value::Null), ty));
            }
            if args.iter().all(|(e, _)| matches!(e, Expr::Lit(_))) {
                let vals = args
                    .into_iter()
                    .map(|(e, _)| match e {
                        Expr::Lit(v) => v,
                        _ => Value::Null,
                    })
                    .collect();
                let v = self.call_function(&r, vals)?;
                return Ok((Expr::Lit(v), ty));
            }
            self.corr.push(CorrSpec {
                query: no_query(),
                outer: Scope::default(),
                kind: CorrKind::Call {
                    routine: r,
                    args: args.into_iter().map(|(e, _)| e).collect(),
                },
            });
            Ok((Expr::Corr(self.corr.len() - 1), ty))
        })())
    }
}
