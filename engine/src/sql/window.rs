//! Window functions: `f(…) OVER (PARTITION BY … ORDER BY … frame)` and `WINDOW w AS (…)`.
//!
//! Life of a window function in a SELECT:
//!
//! 1. [`resolve_named`] rewrites every `OVER w` and `OVER (w …)` of the select list and
//!    ORDER BY into the full specification it names, with MySQL's inheritance rules (a
//!    window that refines another may add ORDER BY and a frame, never PARTITION BY; the
//!    window it refines has no frame), before anything is bound.
//! 2. The binder meets the call (`Binder::bind_function` hands it to [`bind_call`]) and
//!    collects it with the aggregates, as an [`AggSpec`] whose `over` holds the bound
//!    [`WindowCall`]: arguments, partition and order keys and frame, all bound in the
//!    grouped scope, so `SUM(SUM(x)) OVER ()` works on the grouped rows. The call becomes
//!    `Col(slot)` in the expression that uses it, like an aggregate.
//! 3. Grouping leaves window slots NULL. After HAVING, [`compute`] sorts the rows once per
//!    distinct window (partition keys, then order keys), walks each partition and writes
//!    every call's value into its slot; projection, DISTINCT, ORDER BY and LIMIT follow
//!    and read the slots as they read aggregates.
//!
//! Frames are computed from positions in the sorted partition: ROWS bounds are offsets,
//! RANGE bounds compare the single ORDER BY key with the current row's key minus/plus the
//! offset (numbers, or an INTERVAL on temporal keys), CURRENT ROW in RANGE means the
//! row's peers. Both ends only move forward as the current row does, so two pointers find
//! them. Aggregates over a frame that starts at the partition's first row (the default
//! frame with ORDER BY) or ends at its last are running values, one pass; other frames
//! are folded per row, reusing the previous value when the frame is unchanged (peers).

use std::cmp::Ordering;

use sqlparser::ast;

use super::error::{SqlError, SqlResult};
use super::exec::{AggState, KeyTable};
use super::expr::{aggregate_type, AggFunc, AggSpec, Binder, ColType, EvalCx, Expr};
use crate::value::{sort_cmp, Collation, IntKind, SqlType, Value};

/// The name MySQL's messages give a window written inline.
const UNNAMED: &str = "<unnamed window>";

/// What a window function computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WinFunc {
    RowNumber,
    Rank,
    DenseRank,
    PercentRank,
    CumeDist,
    Ntile,
    Lag,
    Lead,
    FirstValue,
    LastValue,
    NthValue,
    /// An aggregate over the frame.
    Agg(AggFunc),
}

/// ROWS or RANGE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Units {
    Rows,
    Range,
}

/// One end of a frame.
#[derive(Clone, Debug)]
pub enum Bound {
    UnboundedPreceding,
    CurrentRow,
    UnboundedFollowing,
    /// `n PRECEDING` / `n FOLLOWING` (`following`): the offset, a constant checked when
    /// the rows are read (3586 when negative, NULL or, for ROWS, not an integer), and for
    /// RANGE the boundary value of a row: its ORDER BY key minus or plus the offset.
    Offset {
        following: bool,
        n: Expr,
        value: Option<Expr>,
    },
}

/// `units BETWEEN start AND end`.
#[derive(Clone, Debug)]
pub struct Frame {
    pub units: Units,
    pub start: Bound,
    pub end: Bound,
}

/// A bound window function call.
#[derive(Clone, Debug)]
pub struct WindowCall {
    pub func: WinFunc,
    /// Arguments; for an aggregate its argument is the [`AggSpec`]'s.
    pub args: Vec<Expr>,
    pub partition: Vec<(Expr, Collation)>,
    /// Order keys: expression, descending, collation.
    pub order: Vec<(Expr, bool, Collation)>,
    pub frame: Frame,
}

impl WindowCall {
    /// Whether the function's value is never NULL (ranks, counts of rows).
    pub fn never_null(&self) -> bool {
        matches!(
            self.func,
            WinFunc::RowNumber
                | WinFunc::Rank
                | WinFunc::DenseRank
                | WinFunc::PercentRank
                | WinFunc::CumeDist
                | WinFunc::Ntile
                | WinFunc::Agg(AggFunc::Count)
        )
    }
}

fn window_err(code: u16, msg: String) -> SqlError {
    SqlError::new(code, msg)
}

fn no_such_window(name: &str) -> SqlError {
    window_err(3579, format!("Window name '{name}' is not defined."))
}

fn has_window_call(e: &ast::Expr) -> bool {
    ast::visit_expressions(e, |x: &ast::Expr| match x {
        ast::Expr::Function(f) if f.over.is_some() => std::ops::ControlFlow::Break(()),
        _ => std::ops::ControlFlow::Continue(()),
    })
    .is_break()
}

// ---------------------------------------------------------------- named windows

/// The select list and ORDER BY of `s` with every named window reference replaced by the
/// specification it names; `None` when `s` defines no window (references left over then
/// fail when bound, 3579).
pub fn resolve_named(
    s: &ast::Select,
    order: &[ast::OrderByExpr],
) -> SqlResult<Option<(ast::Select, Vec<ast::OrderByExpr>)>> {
    if s.named_window.is_empty() {
        return Ok(None);
    }
    let defs = &s.named_window;
    for (i, d) in defs.iter().enumerate() {
        if defs[..i]
            .iter()
            .any(|e| e.0.value.eq_ignore_ascii_case(&d.0.value))
        {
            return Err(window_err(
                3591,
                format!("Window '{}' is defined twice.", d.0.value),
            ));
        }
    }
    // Every definition is resolved (and so checked), used or not, as MySQL does.
    let mut resolved: Vec<ast::WindowSpec> = Vec::with_capacity(defs.len());
    for d in defs {
        resolved.push(resolve_def(defs, &d.0.value, &mut Vec::new())?);
    }
    let lookup = |name: &str| {
        defs.iter()
            .position(|d| d.0.value.eq_ignore_ascii_case(name))
            .map(|i| resolved[i].clone())
    };
    let mut err = None;
    let mut rewrite = |e: &mut ast::Expr| {
        if let ast::Expr::Function(f) = e {
            let spec = match &f.over {
                Some(ast::WindowType::NamedWindow(n)) => match lookup(&n.value) {
                    Some(spec) => Some(spec),
                    None => {
                        err.get_or_insert(no_such_window(&n.value));
                        None
                    }
                },
                Some(ast::WindowType::WindowSpec(w)) if w.window_name.is_some() => {
                    match refine(defs, w, UNNAMED, &mut Vec::new()) {
                        Ok(spec) => Some(spec),
                        Err(e) => {
                            err.get_or_insert(e);
                            None
                        }
                    }
                }
                _ => None,
            };
            if let Some(spec) = spec {
                f.over = Some(ast::WindowType::WindowSpec(spec));
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    };
    let mut s = s.clone();
    let mut order = order.to_vec();
    for item in &mut s.projection {
        match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                let _ = ast::visit_expressions_mut(e, &mut rewrite);
            }
            _ => {}
        }
    }
    for o in &mut order {
        let _ = ast::visit_expressions_mut(&mut o.expr, &mut rewrite);
    }
    match err {
        Some(e) => Err(e),
        None => Ok(Some((s, order))),
    }
}

/// The full specification of named window `name`; `path` holds the names being resolved
/// (a name met again is a cycle, 3580).
fn resolve_def(
    defs: &[ast::NamedWindowDefinition],
    name: &str,
    path: &mut Vec<String>,
) -> SqlResult<ast::WindowSpec> {
    if path.iter().any(|p| p.eq_ignore_ascii_case(name)) {
        return Err(window_err(
            3580,
            "There is a circularity in the window dependency graph.".into(),
        ));
    }
    let def = defs
        .iter()
        .find(|d| d.0.value.eq_ignore_ascii_case(name))
        .ok_or_else(|| no_such_window(name))?;
    path.push(name.to_string());
    let spec = match &def.1 {
        ast::NamedWindowExpr::WindowSpec(w) if w.window_name.is_some() => {
            refine(defs, w, &def.0.value, path)?
        }
        ast::NamedWindowExpr::WindowSpec(w) => w.clone(),
        ast::NamedWindowExpr::NamedWindow(n) => resolve_def(defs, &n.value, path)?,
    };
    path.pop();
    Ok(spec)
}

/// `w` (named `own` in messages), which names a window it refines, merged with it.
fn refine(
    defs: &[ast::NamedWindowDefinition],
    w: &ast::WindowSpec,
    own: &str,
    path: &mut Vec<String>,
) -> SqlResult<ast::WindowSpec> {
    let base_name = w
        .window_name
        .as_ref()
        .map(|n| n.value.clone())
        .unwrap_or_default();
    let base = resolve_def(defs, &base_name, path)?;
    if !w.partition_by.is_empty() {
        return Err(window_err(
            3581,
            "A window which depends on another cannot define partitioning.".into(),
        ));
    }
    if base.window_frame.is_some() {
        return Err(window_err(
            3582,
            format!(
                "Window '{base_name}' has a frame definition, so cannot be referenced by \
                 another window."
            ),
        ));
    }
    if !base.order_by.is_empty() && !w.order_by.is_empty() {
        return Err(window_err(
            3583,
            format!(
                "Window '{own}' cannot inherit '{base_name}' since both contain an ORDER BY \
                 clause."
            ),
        ));
    }
    Ok(ast::WindowSpec {
        window_name: None,
        partition_by: base.partition_by,
        order_by: if w.order_by.is_empty() {
            base.order_by
        } else {
            w.order_by.clone()
        },
        window_frame: w.window_frame.clone(),
    })
}

// ---------------------------------------------------------------- binding

fn syntax_error(near: &str) -> SqlError {
    SqlError::new(
        1064,
        format!(
            "You have an error in your SQL syntax; check the manual that corresponds to your \
             MySQL server version for the right syntax to use near '{near}'"
        ),
    )
}

fn bigint() -> ColType {
    Some(SqlType::Int {
        kind: IntKind::Big,
        unsigned: false,
        width: None,
    })
}

fn key_collation(ty: &ColType, default: Collation) -> Collation {
    ty.as_ref()
        .filter(|t| t.is_string())
        .map_or(default, |t| t.collation())
}

/// Binds window function call `f` (named `name`; `agg` when it is an aggregate) with its
/// arguments `args`: collects it in the binder's aggregates (see the module doc) and
/// returns the column of its slot.
pub fn bind_call(
    b: &mut Binder,
    f: &ast::Function,
    name: &str,
    agg: Option<AggFunc>,
    args: &[ast::Expr],
    distinct: bool,
    star: bool,
) -> SqlResult<(Expr, ColType)> {
    let lname = name.to_ascii_lowercase();
    if b.aggs.is_none() || !matches!(b.clause, "field list" | "order clause") {
        return Err(window_err(
            3593,
            format!("You cannot use the window function '{lname}' in this context.'"),
        ));
    }
    let spec = match &f.over {
        Some(ast::WindowType::WindowSpec(w)) => match &w.window_name {
            None => w,
            Some(n) => return Err(no_such_window(&n.value)),
        },
        Some(ast::WindowType::NamedWindow(n)) => return Err(no_such_window(&n.value)),
        None => return Err(syntax_error(name)),
    };
    if args.iter().any(has_window_call) {
        return Err(window_err(
            3593,
            format!("You cannot use the window function '{lname}' in this context.'"),
        ));
    }
    if spec.partition_by.iter().any(has_window_call)
        || spec.order_by.iter().any(|o| has_window_call(&o.expr))
    {
        return Err(window_err(
            3595,
            format!(
                "You cannot nest a window function in the specification of window '{UNNAMED}'."
            ),
        ));
    }
    if f.null_treatment == Some(ast::NullTreatment::IgnoreNulls) {
        return Err(SqlError::new(
            1235,
            "This version of Borealis doesn't yet support 'IGNORE NULLS'",
        ));
    }
    let func = match name {
        "ROW_NUMBER" => WinFunc::RowNumber,
        "RANK" => WinFunc::Rank,
        "DENSE_RANK" => WinFunc::DenseRank,
        "PERCENT_RANK" => WinFunc::PercentRank,
        "CUME_DIST" => WinFunc::CumeDist,
        "NTILE" => WinFunc::Ntile,
        "LAG" => WinFunc::Lag,
        "LEAD" => WinFunc::Lead,
        "FIRST_VALUE" => WinFunc::FirstValue,
        "LAST_VALUE" => WinFunc::LastValue,
        "NTH_VALUE" => WinFunc::NthValue,
        _ => match agg {
            Some(AggFunc::GroupConcat) => {
                return Err(SqlError::new(
                    1235,
                    "This version of Borealis doesn't yet support 'GROUP_CONCAT as window \
                     function'",
                ))
            }
            Some(a) => WinFunc::Agg(a),
            None => return Err(syntax_error(&format!("OVER {}", spec))),
        },
    };
    if distinct {
        return Err(SqlError::new(
            1235,
            "This version of Borealis doesn't yet support '<window function>(DISTINCT ..)'",
        ));
    }
    let arity_ok = match func {
        WinFunc::RowNumber
        | WinFunc::Rank
        | WinFunc::DenseRank
        | WinFunc::PercentRank
        | WinFunc::CumeDist => args.is_empty() && !star,
        WinFunc::Ntile | WinFunc::FirstValue | WinFunc::LastValue => args.len() == 1,
        WinFunc::Lag | WinFunc::Lead => (1..=3).contains(&args.len()),
        WinFunc::NthValue => args.len() == 2,
        WinFunc::Agg(AggFunc::Count) => args.len() == 1 || (star && args.is_empty()),
        WinFunc::Agg(_) => args.len() == 1,
    };
    if !arity_ok {
        return Err(syntax_error(&format!("{name}(")));
    }
    let mut bound = Vec::with_capacity(args.len());
    let mut types = Vec::with_capacity(args.len());
    for a in args {
        let (e, t) = b.bind(a)?;
        bound.push(e);
        types.push(t);
    }
    // NTILE's bucket count, LAG/LEAD's offset and NTH_VALUE's N are constants (checked
    // for their range when rows are read).
    let constant_at = match func {
        WinFunc::Ntile => Some(0),
        WinFunc::Lag | WinFunc::Lead => Some(1),
        WinFunc::NthValue => Some(1),
        _ => None,
    };
    if let Some(i) = constant_at {
        if bound.get(i).is_some_and(|e| !e.is_constant()) {
            return Err(SqlError::new(
                1210,
                format!("Incorrect arguments to {lname}"),
            ));
        }
    }
    let lit_coll = b.env.literal_collation();
    let mut partition = Vec::with_capacity(spec.partition_by.len());
    for p in &spec.partition_by {
        let (e, t) = b.bind(p)?;
        partition.push((e, key_collation(&t, lit_coll)));
    }
    let mut order = Vec::with_capacity(spec.order_by.len());
    let mut order_types = Vec::with_capacity(spec.order_by.len());
    for o in &spec.order_by {
        let (e, t) = b.bind(&o.expr)?;
        let desc = o.options.sort == Some(ast::OrderBySort::Desc);
        order.push((e, desc, key_collation(&t, lit_coll)));
        order_types.push(t);
    }
    let frame = match &spec.window_frame {
        None => Frame {
            units: Units::Range,
            start: Bound::UnboundedPreceding,
            end: if order.is_empty() {
                Bound::UnboundedFollowing
            } else {
                Bound::CurrentRow
            },
        },
        Some(wf) => bind_frame(b, wf, spec, &order, &order_types)?,
    };
    let arg_ty = types.first().cloned().flatten();
    let collation = key_collation(&arg_ty, lit_coll);
    let ty = match func {
        WinFunc::RowNumber | WinFunc::Rank | WinFunc::DenseRank | WinFunc::Ntile => bigint(),
        WinFunc::PercentRank | WinFunc::CumeDist => Some(SqlType::Double),
        WinFunc::Lag
        | WinFunc::Lead
        | WinFunc::FirstValue
        | WinFunc::LastValue
        | WinFunc::NthValue => arg_ty.clone(),
        WinFunc::Agg(a) => aggregate_type(a, &arg_ty, collation),
    };
    let (agg_func, arg) = match func {
        WinFunc::Agg(a) => (a, bound.first().cloned()),
        _ => (AggFunc::Window, None),
    };
    let aggs = b.aggs.as_mut().ok_or_else(|| {
        window_err(
            3593,
            format!("You cannot use the window function '{lname}' in this context.'"),
        )
    })?;
    aggs.push(AggSpec {
        func: agg_func,
        arg,
        distinct: false,
        ty: ty.clone(),
        collation,
        concat: None,
        over: Some(Box::new(WindowCall {
            func,
            args: bound,
            partition,
            order,
            frame,
        })),
        grouping: Vec::new(),
    });
    Ok((Expr::Col(b.agg_base + aggs.len() - 1), ty))
}

/// Binds and checks a frame clause (MySQL's 3584–3590, 3596).
fn bind_frame(
    b: &mut Binder,
    wf: &ast::WindowFrame,
    spec: &ast::WindowSpec,
    order: &[(Expr, bool, Collation)],
    order_types: &[ColType],
) -> SqlResult<Frame> {
    let units = match wf.units {
        ast::WindowFrameUnits::Rows => Units::Rows,
        ast::WindowFrameUnits::Range => Units::Range,
        ast::WindowFrameUnits::Groups => return Err(syntax_error("GROUPS")),
    };
    let end = wf
        .end_bound
        .clone()
        .unwrap_or(ast::WindowFrameBound::CurrentRow);
    if matches!(wf.start_bound, ast::WindowFrameBound::Following(None)) {
        return Err(window_err(
            3584,
            format!("Window '{UNNAMED}': frame start cannot be UNBOUNDED FOLLOWING."),
        ));
    }
    if matches!(end, ast::WindowFrameBound::Preceding(None)) {
        return Err(window_err(
            3585,
            format!("Window '{UNNAMED}': frame end cannot be UNBOUNDED PRECEDING."),
        ));
    }
    let mut bound = |fb: &ast::WindowFrameBound| -> SqlResult<Bound> {
        let (following, n) = match fb {
            ast::WindowFrameBound::CurrentRow => return Ok(Bound::CurrentRow),
            ast::WindowFrameBound::Preceding(None) => return Ok(Bound::UnboundedPreceding),
            ast::WindowFrameBound::Following(None) => return Ok(Bound::UnboundedFollowing),
            ast::WindowFrameBound::Preceding(Some(n)) => (false, n),
            ast::WindowFrameBound::Following(Some(n)) => (true, n),
        };
        let interval = match n.as_ref() {
            ast::Expr::Interval(iv) => Some(iv),
            _ => None,
        };
        if units == Units::Rows && interval.is_some() {
            return Err(window_err(
                3596,
                format!("Window '{UNNAMED}': INTERVAL can only be used with RANGE frames."),
            ));
        }
        // MySQL's grammar takes a number or `?` (a negative number or an expression is
        // a syntax error); an INTERVAL's value may be any constant expression.
        if interval.is_none()
            && !matches!(
                n.as_ref(),
                ast::Expr::Value(v)
                    if matches!(v.value, ast::Value::Number(..) | ast::Value::Placeholder(_))
            )
        {
            return Err(syntax_error(&format!(
                "{n} {}",
                if following { "FOLLOWING" } else { "PRECEDING" }
            )));
        }
        let offset = interval.map_or(n.as_ref(), |iv| iv.value.as_ref());
        let (n_expr, _) = b.bind(offset)?;
        if !n_expr.is_constant() {
            return Err(window_err(
                3590,
                format!("Window '{UNNAMED}' has a non-constant frame bound."),
            ));
        }
        if units == Units::Rows {
            return Ok(Bound::Offset {
                following,
                n: n_expr,
                value: None,
            });
        }
        let key_ty = match order_types {
            [t] => t.clone(),
            _ => None,
        };
        let numeric = key_ty.as_ref().is_some_and(|t| t.is_numeric());
        let temporal = key_ty.as_ref().is_some_and(|t| t.is_temporal());
        if order.len() != 1 || !(numeric || temporal) {
            return Err(window_err(
                3587,
                format!(
                    "Window '{UNNAMED}' with RANGE N PRECEDING/FOLLOWING frame requires \
                     exactly one ORDER BY expression, of numeric or temporal type"
                ),
            ));
        }
        if temporal && interval.is_none() {
            return Err(window_err(
                3588,
                format!(
                    "Window '{UNNAMED}' with RANGE frame has ORDER BY expression of datetime \
                     type. Only INTERVAL bound value allowed."
                ),
            ));
        }
        if numeric && interval.is_some() {
            return Err(window_err(
                3589,
                format!(
                    "Window '{UNNAMED}' with RANGE frame has ORDER BY expression of numeric \
                     type, INTERVAL bound value not allowed."
                ),
            ));
        }
        // The boundary lies on the preceding side in the sort direction: below the key
        // ascending, above it descending.
        let desc = order[0].1;
        let op = if following != desc {
            ast::BinaryOperator::Plus
        } else {
            ast::BinaryOperator::Minus
        };
        let key = spec.order_by[0].expr.clone();
        let (value, _) = b.bind(&ast::Expr::BinaryOp {
            left: Box::new(ast::Expr::Nested(Box::new(key))),
            op,
            right: n.clone(),
        })?;
        Ok(Bound::Offset {
            following,
            n: n_expr,
            value: Some(value),
        })
    };
    let start = bound(&wf.start_bound)?;
    let end = bound(&end)?;
    Ok(Frame { units, start, end })
}

/// Binds `GROUPING(expr, …)` in a grouped query: collected with the aggregates, its
/// arguments matched against the GROUP BY keys when the rows are grouped.
pub fn bind_grouping(b: &mut Binder, args: &[ast::Expr]) -> SqlResult<(Expr, ColType)> {
    if b.aggs.is_none() || b.clause == "group statement" {
        return Err(SqlError::new(1111, "Invalid use of group function"));
    }
    if args.is_empty() {
        return Err(syntax_error("GROUPING()"));
    }
    let saved = b.aggs.take();
    let mut bound = Vec::with_capacity(args.len());
    for a in args {
        match b.bind(a) {
            Ok((e, _)) => bound.push(e),
            Err(e) => {
                b.aggs = saved;
                return Err(e);
            }
        }
    }
    b.aggs = saved;
    let ty = aggregate_type(AggFunc::Grouping, &None, Collation::Utf8mb4GeneralCi);
    let aggs = b
        .aggs
        .as_mut()
        .ok_or_else(|| SqlError::new(1111, "Invalid use of group function"))?;
    aggs.push(AggSpec {
        func: AggFunc::Grouping,
        arg: None,
        distinct: false,
        ty: ty.clone(),
        collation: Collation::Utf8mb4GeneralCi,
        concat: None,
        over: None,
        grouping: bound,
    });
    Ok((Expr::Col(b.agg_base + aggs.len() - 1), ty))
}

// ---------------------------------------------------------------- evaluation

/// Fills the slot `base + i` of every row for each window call `aggs[i]` (rows are
/// `[inputs.., aggregate and window slots..]`).
pub fn compute(
    rows: &mut [Vec<Value>],
    aggs: &[AggSpec],
    base: usize,
    cx: &EvalCx,
) -> SqlResult<()> {
    // Calls over the same window (same partition and order keys) share one sort. Bound
    // expressions have no equality of their own; their debug form is exact.
    let mut windows: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, a) in aggs.iter().enumerate() {
        let Some(w) = &a.over else { continue };
        let key = format!("{:?}{:?}", w.partition, w.order);
        match windows.iter_mut().find(|(k, _)| *k == key) {
            Some((_, calls)) => calls.push(i),
            None => windows.push((key, vec![i])),
        }
    }
    for (_, calls) in windows {
        let Some(w) = aggs[calls[0]].over.as_deref() else {
            continue;
        };
        let values = window_values(rows, aggs, &calls, w, cx)?;
        for (k, per_row) in calls.iter().zip(values) {
            for (r, v) in rows.iter_mut().zip(per_row) {
                r[base + k] = v;
            }
        }
    }
    Ok(())
}

/// The values of calls `calls` (all over window `w`) for every row, by row number.
fn window_values(
    rows: &[Vec<Value>],
    aggs: &[AggSpec],
    calls: &[usize],
    w: &WindowCall,
    cx: &EvalCx,
) -> SqlResult<Vec<Vec<Value>>> {
    let np = w.partition.len();
    let nk = np + w.order.len();
    let mut colls: Vec<Collation> = w.partition.iter().map(|(_, c)| *c).collect();
    colls.extend(w.order.iter().map(|(_, _, c)| *c));
    let mut desc = vec![false; np];
    desc.extend(w.order.iter().map(|(_, d, _)| *d));
    let mut t = KeyTable::new(colls, desc, rows.len());
    let keys: Vec<&Expr> = w
        .partition
        .iter()
        .map(|(e, _)| e)
        .chain(w.order.iter().map(|(e, _, _)| e))
        .collect();
    for r in rows {
        cx.check()?;
        t.push_row(keys.iter().copied(), r, cx)?;
    }
    let sorted = t.order();
    // The key table (a cell per key and row, and the collation keys), the sort's index
    // and each call's result per row.
    cx.mem.charge(
        (sorted.len() * (nk * 40 + std::mem::size_of::<usize>() + calls.len() * 32) + t.key_bytes())
            as u64,
    )?;
    let mut out: Vec<Vec<Value>> = vec![vec![Value::Null; rows.len()]; calls.len()];
    let mut ps = 0;
    while ps < sorted.len() {
        let mut pe = ps + 1;
        while pe < sorted.len() && t.cmp_keys(sorted[ps], sorted[pe], 0..np) == Ordering::Equal {
            pe += 1;
        }
        let part = Partition {
            rows,
            idx: &sorted[ps..pe],
            keys: &t,
            np,
            nk,
        };
        for (c, &k) in calls.iter().enumerate() {
            let Some(call) = aggs[k].over.as_deref() else {
                continue;
            };
            let vals = part.values(&aggs[k], call, cx)?;
            for (p, v) in vals.into_iter().enumerate() {
                out[c][part.idx[p]] = v;
            }
        }
        ps = pe;
    }
    Ok(out)
}

/// One partition: its rows in window order.
struct Partition<'a, 'r> {
    rows: &'a [Vec<Value>],
    /// Row numbers in window order.
    idx: &'a [usize],
    keys: &'a KeyTable<'r>,
    /// Partition keys, then order keys up to `nk`.
    np: usize,
    nk: usize,
}

/// A non-negative integer constant: a frame offset, a LAG offset, an NTILE count.
fn count_of(v: &Value) -> Option<u64> {
    match v {
        Value::Int(i) => u64::try_from(*i).ok(),
        Value::UInt(u) => Some(*u),
        Value::Decimal(d) => d.to_string().parse::<u64>().ok(),
        _ => None,
    }
}

impl Partition<'_, '_> {
    fn row(&self, p: usize) -> &[Value] {
        &self.rows[self.idx[p]]
    }

    /// Whether positions `a` and `b` are peers (equal order keys).
    fn peers(&self, a: usize, b: usize) -> bool {
        self.keys
            .cmp_keys(self.idx[a], self.idx[b], self.np..self.nk)
            == Ordering::Equal
    }

    /// For every position, the first position of its peer group and the one past its last.
    fn peer_groups(&self) -> (Vec<usize>, Vec<usize>) {
        let n = self.idx.len();
        let mut start = vec![0; n];
        let mut end = vec![n; n];
        let mut g = 0;
        for p in 1..=n {
            if p == n || !self.peers(g, p) {
                for q in g..p {
                    start[q] = g;
                    end[q] = p;
                }
                g = p;
            }
        }
        (start, end)
    }

    /// The value of `e` for each position.
    fn eval_all(&self, e: &Expr, cx: &EvalCx) -> SqlResult<Vec<Value>> {
        let mut v = Vec::with_capacity(self.idx.len());
        for p in 0..self.idx.len() {
            cx.check()?;
            v.push(e.eval(self.row(p), cx)?);
        }
        cx.mem.charge(super::memory::row_bytes(&v))?;
        Ok(v)
    }

    /// The constant argument `e` of `func` as a count (1210 when it is not one, or is 0
    /// where `positive`).
    fn const_count(&self, e: &Expr, name: &str, positive: bool, cx: &EvalCx) -> SqlResult<u64> {
        let v = e.eval(self.row(0), cx)?;
        match count_of(&v) {
            Some(n) if n > 0 || !positive => Ok(n),
            _ => Err(SqlError::new(
                1210,
                format!("Incorrect arguments to {name}"),
            )),
        }
    }

    /// The values of window call `a` for each position.
    fn values(&self, a: &AggSpec, w: &WindowCall, cx: &EvalCx) -> SqlResult<Vec<Value>> {
        let n = self.idx.len();
        let (pstart, pend) = self.peer_groups();
        let int = |x: usize| Value::Int(x as i64);
        Ok(match w.func {
            WinFunc::RowNumber => (0..n).map(|p| int(p + 1)).collect(),
            WinFunc::Rank => (0..n).map(|p| int(pstart[p] + 1)).collect(),
            WinFunc::DenseRank => {
                let mut rank = 0;
                (0..n)
                    .map(|p| {
                        if pstart[p] == p {
                            rank += 1;
                        }
                        int(rank)
                    })
                    .collect()
            }
            WinFunc::PercentRank => (0..n)
                .map(|p| {
                    Value::Double(if n > 1 {
                        pstart[p] as f64 / (n - 1) as f64
                    } else {
                        0.0
                    })
                })
                .collect(),
            WinFunc::CumeDist => (0..n)
                .map(|p| Value::Double(pend[p] as f64 / n as f64))
                .collect(),
            WinFunc::Ntile => {
                let buckets = self.const_count(&w.args[0], "ntile", true, cx)?;
                let buckets = usize::try_from(buckets).unwrap_or(usize::MAX).min(n.max(1));
                // The first n % buckets buckets hold one row more.
                let (q, r) = (n / buckets, n % buckets);
                (0..n)
                    .map(|p| {
                        let big = r * (q + 1);
                        int(if p < big {
                            p / (q + 1) + 1
                        } else {
                            r + (p - big) / q.max(1) + 1
                        })
                    })
                    .collect()
            }
            WinFunc::Lag | WinFunc::Lead => {
                let name = if w.func == WinFunc::Lag {
                    "lag"
                } else {
                    "lead"
                };
                let off = match w.args.get(1) {
                    Some(e) => self.const_count(e, name, false, cx)?,
                    None => 1,
                };
                let vals = self.eval_all(&w.args[0], cx)?;
                let mut out = Vec::with_capacity(n);
                for p in 0..n {
                    let at = if w.func == WinFunc::Lag {
                        usize::try_from(off).ok().and_then(|o| p.checked_sub(o))
                    } else {
                        usize::try_from(off)
                            .ok()
                            .and_then(|o| p.checked_add(o))
                            .filter(|&q| q < n)
                    };
                    out.push(match (at, w.args.get(2)) {
                        (Some(q), _) => vals[q].clone(),
                        (None, Some(d)) => d.eval(self.row(p), cx)?,
                        (None, None) => Value::Null,
                    });
                }
                out
            }
            WinFunc::FirstValue | WinFunc::LastValue | WinFunc::NthValue => {
                let nth = match w.func {
                    WinFunc::NthValue => self.const_count(&w.args[1], "nth_value", true, cx)?,
                    _ => 1,
                };
                let frames = self.frames(w, &pstart, &pend, cx)?;
                let vals = self.eval_all(&w.args[0], cx)?;
                frames
                    .iter()
                    .map(|&(lo, hi)| {
                        let at = match w.func {
                            WinFunc::FirstValue => Some(lo),
                            WinFunc::LastValue => hi.checked_sub(1),
                            _ => usize::try_from(nth - 1)
                                .ok()
                                .and_then(|k| lo.checked_add(k)),
                        };
                        at.filter(|q| (lo..hi).contains(q))
                            .map_or(Value::Null, |q| vals[q].clone())
                    })
                    .collect()
            }
            WinFunc::Agg(_) => {
                let frames = self.frames(w, &pstart, &pend, cx)?;
                let vals = match &a.arg {
                    Some(e) => Some(self.eval_all(e, cx)?),
                    None => None,
                };
                fold_frames(a, &frames, vals.as_deref(), cx)?
            }
        })
    }

    /// The frame `[lo, hi)` of every position.
    fn frames(
        &self,
        w: &WindowCall,
        pstart: &[usize],
        pend: &[usize],
        cx: &EvalCx,
    ) -> SqlResult<Vec<(usize, usize)>> {
        let n = self.idx.len();
        let f = &w.frame;
        let los = self.bound_positions(&f.start, f.units, true, pstart, pend, cx)?;
        let his = self.bound_positions(&f.end, f.units, false, pstart, pend, cx)?;
        Ok((0..n).map(|p| (los[p], his[p].max(los[p]))).collect())
    }

    /// Where bound `b` puts each position's frame: its first position (`start`) or the
    /// one past its last.
    fn bound_positions(
        &self,
        b: &Bound,
        units: Units,
        start: bool,
        pstart: &[usize],
        pend: &[usize],
        cx: &EvalCx,
    ) -> SqlResult<Vec<usize>> {
        let n = self.idx.len();
        let bad_offset = || {
            window_err(
                3586,
                format!(
                    "Window '{UNNAMED}': frame start or end is negative, NULL or of \
                     non-integral type"
                ),
            )
        };
        Ok(match b {
            Bound::UnboundedPreceding => vec![0; n],
            Bound::UnboundedFollowing => vec![n; n],
            Bound::CurrentRow => match (units, start) {
                (Units::Rows, true) => (0..n).collect(),
                (Units::Rows, false) => (1..=n).collect(),
                (Units::Range, true) => pstart.to_vec(),
                (Units::Range, false) => pend.to_vec(),
            },
            Bound::Offset {
                following,
                n: off,
                value,
            } => {
                let off_v = off.eval(&[], cx)?;
                match value {
                    None => {
                        let k = count_of(&off_v).ok_or_else(bad_offset)?;
                        let k = usize::try_from(k).unwrap_or(usize::MAX);
                        // Start: the row k away; end: one past it.
                        let extra = usize::from(!start);
                        (0..n)
                            .map(|p| {
                                let at = if *following {
                                    p.saturating_add(k).saturating_add(extra)
                                } else {
                                    (p + extra).saturating_sub(k)
                                };
                                at.min(n)
                            })
                            .collect()
                    }
                    Some(value) => {
                        let negative = match &off_v {
                            Value::Null => true,
                            v => v.to_f64().is_none_or(|x| x < 0.0),
                        };
                        if negative {
                            return Err(bad_offset());
                        }
                        self.range_positions(value, start, cx)?
                    }
                }
            }
        })
    }

    /// RANGE `n PRECEDING|FOLLOWING`: for each position, the first position whose key is
    /// not before the boundary `value` (`start`), or the first after it. Boundaries move
    /// forward with the current row, so one pointer serves every row.
    fn range_positions(&self, value: &Expr, start: bool, cx: &EvalCx) -> SqlResult<Vec<usize>> {
        let n = self.idx.len();
        let np = self.np;
        let desc = self.keys_desc();
        let coll = self.keys_coll();
        let mut out = Vec::with_capacity(n);
        let mut q = 0;
        for p in 0..n {
            cx.check()?;
            let boundary = value.eval(self.row(p), cx)?;
            loop {
                if q >= n {
                    break;
                }
                let key = self.keys.key(self.idx[q], np);
                let o = sort_cmp(key, &boundary, coll);
                let o = if desc { o.reverse() } else { o };
                let inside = if start {
                    o != Ordering::Less
                } else {
                    o == Ordering::Greater
                };
                if inside {
                    break;
                }
                q += 1;
            }
            out.push(q);
        }
        Ok(out)
    }

    fn keys_desc(&self) -> bool {
        self.keys.desc_of(self.np)
    }

    fn keys_coll(&self) -> Collation {
        self.keys.coll_of(self.np)
    }
}

/// Aggregate `a` over each frame; `vals` are its argument's values by position (none for
/// COUNT(*)).
fn fold_frames(
    a: &AggSpec,
    frames: &[(usize, usize)],
    vals: Option<&[Value]>,
    cx: &EvalCx,
) -> SqlResult<Vec<Value>> {
    let n = frames.len();
    let arg = |q: usize| vals.map(|v| v[q].clone());
    let mut out = Vec::with_capacity(n);
    if frames.iter().all(|&(lo, _)| lo == 0) {
        // A frame from the partition's start only grows: one running value.
        let mut st = AggState::new(a);
        let mut added = 0;
        for &(_, hi) in frames {
            cx.check()?;
            while added < hi {
                st.add(a, arg(added), cx)?;
                added += 1;
            }
            out.push(st.clone().finish(a, cx));
        }
        return Ok(out);
    }
    if frames.iter().all(|&(_, hi)| hi == n) {
        // A frame to the partition's end: a running value from the end.
        let mut st = AggState::new(a);
        let mut from = n;
        out.resize(n, Value::Null);
        for p in (0..n).rev() {
            cx.check()?;
            while from > frames[p].0 {
                from -= 1;
                st.add(a, arg(from), cx)?;
            }
            out[p] = st.clone().finish(a, cx);
        }
        return Ok(out);
    }
    let mut last: Option<((usize, usize), Value)> = None;
    for &(lo, hi) in frames {
        cx.check()?;
        if let Some((f, v)) = &last {
            if *f == (lo, hi) {
                out.push(v.clone());
                continue;
            }
        }
        let mut st = AggState::new(a);
        for q in lo..hi {
            st.add(a, arg(q), cx)?;
        }
        let v = st.finish(a, cx);
        last = Some(((lo, hi), v.clone()));
        out.push(v);
    }
    Ok(out)
}
