//! Expressions: the binder turns sqlparser's AST into [`Expr`] with columns
//! resolved to row positions, and [`Expr::eval`] evaluates it on a row with
//! MySQL's rules (three-valued logic, numeric promotion, collations).

use std::cell::RefCell;
use std::cmp::Ordering;
use std::sync::atomic::{AtomicU8, Ordering as AtomicOrdering};
use std::sync::Arc;

use sqlparser::ast;

use super::error::{SqlError, SqlResult};
use super::functions::json::JsonFrom;
use super::functions::{self, Func};
use crate::value::temporal::{parse_datetime, parse_time, DateTime};
use crate::value::{
    compare, str_to_decimal, str_to_f64, str_to_int, Collation, Decimal, IntKind, NumParse,
    SqlType, Value, Warning,
};

/// The type of an expression's result; `None` is the NULL type.
pub type ColType = Option<SqlType>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    IntDiv,
    Mod,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `<=>`: NULL-safe equality.
    NullEq,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitOp {
    And,
    Or,
    Xor,
    Shl,
    Shr,
}

/// What CAST/CONVERT produce.
#[derive(Clone, Debug, PartialEq)]
pub enum CastTo {
    Signed,
    Unsigned,
    Decimal(u8, u8),
    Double,
    Char(Option<u32>, Collation),
    Binary(Option<u32>),
    Date,
    DateTime(u8),
    Time(u8),
    /// To JSON text from a value of this kind; `true`: SQL NULL becomes JSON `null` (a
    /// value argument of a JSON function), `false`: it stays NULL (CAST, documents).
    Json(JsonFrom, bool),
    /// JSON text to the SQL value it compares as (see [`functions::json::to_scalar`]).
    JsonScalar,
    /// An ENUM or SET column's value in numeric context (MySQL's `val_int`): the
    /// 1-based ENUM index, the SET bitmask, as BIGINT UNSIGNED ([`members_number`]).
    Members(Arc<SqlType>),
}

/// A bound expression.
#[derive(Clone, Debug)]
pub enum Expr {
    Lit(Value),
    Col(usize),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    BitNot(Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Bit(BitOp, Box<Expr>, Box<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>, Collation),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Xor(Box<Expr>, Box<Expr>),
    IsNull(Box<Expr>, bool),
    /// `e IS [NOT] TRUE|FALSE`: (expr, wanted, negated).
    IsBool(Box<Expr>, bool, bool),
    Between(Box<Expr>, Box<Expr>, Box<Expr>, bool, Collation),
    InList(Box<Expr>, Vec<Expr>, bool, Collation),
    /// `e op ANY (subquery)` (false) or `e op ALL (subquery)` (true) over the rows of an
    /// uncorrelated subquery ([`quantified`]).
    Quantified(Box<Expr>, CmpOp, bool, Arc<[Value]>, Collation),
    Like(Box<Expr>, Box<Expr>, Option<char>, bool, Collation),
    Case(
        Option<Box<Expr>>,
        Vec<(Expr, Expr)>,
        Option<Box<Expr>>,
        Collation,
    ),
    Func(Func, Vec<Expr>),
    Cast(Box<Expr>, CastTo),
    /// The value of correlated subquery `k` for the current row (computed by
    /// the executor into [`EvalCx::corr_values`] before evaluation).
    Corr(usize),
    /// `MATCH (cols) AGAINST (…)`: the relevance of the row's `cols` (see
    /// [`super::fulltext`]).
    Match(Arc<super::fulltext::FtQuery>, Vec<Expr>),
    /// `@name` in a statement that also assigns user variables: the value the statement
    /// last assigned it ([`EvalCx::user_vars`]), else its value when the statement began.
    UserVar(Arc<str>, Value),
    /// `@name := e`: evaluates `e`, keeps it as the variable's value for the rest of the
    /// statement (and the session after it), and answers it.
    SetUserVar(Arc<str>, Box<Expr>),
}

/// What a correlated subquery computes for each outer row.
#[derive(Clone, Debug)]
pub enum CorrKind {
    Exists {
        negated: bool,
    },
    /// `lhs op ANY (…)` (`all` false) or `lhs op ALL (…)`; `IN` is `= ANY`, `NOT IN` is
    /// `<> ALL`.
    Quantified {
        lhs: Expr,
        op: CmpOp,
        all: bool,
        collation: Collation,
    },
    Scalar,
    /// A stored function called with arguments that read the row.
    Call {
        routine: Arc<super::catalog::RoutineDef>,
        args: Vec<Expr>,
    },
}

/// A subquery that reads columns of the enclosing query's row.
#[derive(Clone, Debug)]
pub struct CorrSpec {
    pub query: ast::Query,
    /// The enclosing scope its outer references resolve against.
    pub outer: Scope,
    pub kind: CorrKind,
}

/// A session's kill switch, shared with `KILL` in other sessions (through the process list).
///
/// Statements poll it cooperatively: scans check it once per row, `SLEEP()` in short slices.
/// `KILL QUERY` interrupts the running statement only (the session clears it when the next
/// statement starts); `KILL [CONNECTION]` also closes the connection.
#[derive(Clone, Default)]
pub struct Interrupt(Arc<AtomicU8>);

impl Interrupt {
    const QUERY: u8 = 1;
    const CONNECTION: u8 = 2;

    pub fn kill_query(&self) {
        let _ = self.0.compare_exchange(
            0,
            Self::QUERY,
            AtomicOrdering::Relaxed,
            AtomicOrdering::Relaxed,
        );
    }

    pub fn kill_connection(&self) {
        self.0.store(Self::CONNECTION, AtomicOrdering::Relaxed);
    }

    /// At the start of a statement: forget a `KILL QUERY` aimed at the previous one.
    pub fn reset_query(&self) {
        let _ = self.0.compare_exchange(
            Self::QUERY,
            0,
            AtomicOrdering::Relaxed,
            AtomicOrdering::Relaxed,
        );
    }

    pub fn is_set(&self) -> bool {
        self.0.load(AtomicOrdering::Relaxed) != 0
    }

    /// Error 1317 once the statement has been killed.
    pub fn check(&self) -> SqlResult<()> {
        if self.is_set() {
            Err(SqlError::new(1317, "Query execution was interrupted"))
        } else {
            Ok(())
        }
    }

    /// Sleeps `d` unless killed first; true when interrupted.
    pub fn sleep(&self, d: std::time::Duration) -> bool {
        let end = std::time::Instant::now() + d;
        loop {
            if self.is_set() {
                return true;
            }
            let now = std::time::Instant::now();
            if now >= end {
                return false;
            }
            std::thread::sleep((end - now).min(std::time::Duration::from_millis(20)));
        }
    }
}

/// Per-statement evaluation context.
pub struct EvalCx {
    /// Statement start time in the session time zone (NOW()).
    pub now: DateTime,
    /// Statement start, µs since the Unix epoch (UNIX_TIMESTAMP()).
    pub now_us: i64,
    /// The session time zone (NOW(), FROM_UNIXTIME, UNIX_TIMESTAMP convert with it).
    pub tz: super::vars::TimeZone,
    pub warnings: RefCell<Vec<Warning>>,
    /// ERROR_FOR_DIVISION_BY_ZERO + strict mode during writes turns /0 into an error.
    pub div_zero_error: bool,
    /// Values of correlated subqueries for the row being evaluated.
    pub corr_values: RefCell<Option<Vec<Value>>>,
    /// The session's kill switch.
    pub interrupt: Interrupt,
    /// The session's RAND() generator ([`functions::MyRnd`] packed), shared with the
    /// session so the sequence goes on from statement to statement, as in MySQL.
    pub rand: Arc<std::sync::atomic::AtomicU64>,
    /// RAND(constant)'s generator per call site (keyed by the call's address), seeded at
    /// its first row: `SELECT RAND(1) FROM t` is one sequence, as in MySQL.
    pub rand_seeded: RefCell<std::collections::HashMap<usize, functions::MyRnd>>,
    /// `max_allowed_packet`: string functions whose result would be longer answer NULL
    /// with warning 1301, as MySQL.
    pub max_allowed_packet: u64,
    /// The statement's memory account (rows it materialises).
    pub mem: super::memory::MemCharge,
    /// `sort_buffer_size`, `tmpdir` and Sort_merge_passes for the statement's sorts.
    pub sort: super::spill::SortEnv,
    /// When `max_execution_time` stops the statement (3024).
    pub deadline: Option<std::time::Instant>,
    /// Calls of [`EvalCx::check`], so the clock is read only now and then.
    checks: std::cell::Cell<u32>,
    /// The session's connection id (the owner of its user-level locks).
    pub conn_id: u32,
    /// `server_id` (UUID_SHORT).
    pub server_id: u32,
    /// The instance's user-level locks (GET_LOCK); `None` outside a session.
    pub user_locks: Option<Arc<super::userlocks::UserLocks>>,
    /// User variables the statement assigned (`@v := e`), by lower-case name, as rows
    /// were produced; the session takes them over when the statement ends.
    pub user_vars: RefCell<std::collections::HashMap<String, Value>>,
}

impl EvalCx {
    pub fn new(now_us: i64, tz: super::vars::TimeZone) -> Self {
        EvalCx {
            now: tz.to_local(now_us).unwrap_or_else(|| {
                DateTime::from_date(crate::value::temporal::Date::new(1970, 1, 1))
            }),
            now_us,
            tz,
            warnings: RefCell::new(Vec::new()),
            div_zero_error: false,
            corr_values: RefCell::new(None),
            interrupt: Interrupt::default(),
            rand: Arc::new(std::sync::atomic::AtomicU64::new(
                functions::MyRnd::new(now_us as u64, (now_us as u64).rotate_left(29)).pack(),
            )),
            rand_seeded: RefCell::new(std::collections::HashMap::new()),
            max_allowed_packet: 64 << 20,
            mem: Default::default(),
            sort: Default::default(),
            deadline: None,
            checks: std::cell::Cell::new(0),
            conn_id: 0,
            server_id: 1,
            user_locks: None,
            user_vars: RefCell::new(std::collections::HashMap::new()),
        }
    }

    /// The next value of the session's RAND() sequence.
    pub fn session_rand(&self) -> f64 {
        let mut g = functions::MyRnd::unpack(self.rand.load(AtomicOrdering::Relaxed));
        let v = g.next_f64();
        self.rand.store(g.pack(), AtomicOrdering::Relaxed);
        v
    }

    pub fn warn(&self, w: Warning) {
        self.warnings.borrow_mut().push(w);
    }

    /// Called at every row a statement works through: 1317 once it was killed, 3024 once
    /// it ran past `max_execution_time` (the clock is read every 64th row).
    pub fn check(&self) -> SqlResult<()> {
        self.interrupt.check()?;
        if let Some(deadline) = self.deadline {
            let n = self.checks.get().wrapping_add(1);
            self.checks.set(n);
            if n.is_multiple_of(64) && std::time::Instant::now() >= deadline {
                return Err(max_execution_time_exceeded());
            }
        }
        Ok(())
    }
}

/// MySQL's error for a SELECT stopped by `max_execution_time`.
pub fn max_execution_time_exceeded() -> SqlError {
    SqlError::new(
        3024,
        "Query execution was interrupted, maximum statement execution time exceeded",
    )
}

/// SQL truth of a value: NULL is unknown.
pub fn truth(v: &Value) -> Option<bool> {
    match v {
        Value::Null => None,
        Value::Int(i) => Some(*i != 0),
        Value::UInt(u) => Some(*u != 0),
        Value::Decimal(d) => Some(!d.is_zero()),
        Value::Double(d) => Some(*d != 0.0),
        Value::Float(f) => Some(*f != 0.0),
        other => Some(
            other.to_f64().is_some_and(|f| f != 0.0)
                || matches!(other, Value::Date(_) | Value::DateTime(_)),
        ),
    }
}

fn bool_val(b: Option<bool>) -> Value {
    match b {
        None => Value::Null,
        Some(b) => Value::Int(i64::from(b)),
    }
}

/// Numeric view of a value for arithmetic.
enum Num {
    Int(i128),
    Dec(Decimal),
    Dbl(f64),
}

fn to_num(v: &Value, cx: &EvalCx) -> Option<Num> {
    Some(match v {
        Value::Null => return None,
        Value::Int(i) => Num::Int(i128::from(*i)),
        Value::UInt(u) => Num::Int(i128::from(*u)),
        Value::Year(y) => Num::Int(i128::from(*y)),
        Value::Decimal(d) => Num::Dec(d.clone()),
        Value::Double(d) => Num::Dbl(*d),
        Value::Float(f) => Num::Dbl(f64::from(*f)),
        Value::Bytes(b) => {
            let (f, p) = str_to_f64(b);
            if p != NumParse::Clean {
                cx.warn(crate::value::truncated_warning("DOUBLE", b));
            }
            Num::Dbl(f)
        }
        Value::Date(d) => Num::Int(i128::from(d.to_number())),
        Value::DateTime(d) => Num::Int(i128::from(d.to_number())),
        Value::Time(t) => Num::Int(i128::from(t.to_number())),
    })
}

fn int_value(i: i128) -> SqlResult<Value> {
    if let Ok(v) = i64::try_from(i) {
        Ok(Value::Int(v))
    } else if let Ok(v) = u64::try_from(i) {
        Ok(Value::UInt(v))
    } else {
        Err(SqlError::new(1690, "BIGINT value is out of range"))
    }
}

fn dec_of(n: &Num) -> Option<Decimal> {
    match n {
        Num::Int(i) => i64::try_from(*i)
            .map(Decimal::from_i64)
            .ok()
            .or_else(|| u64::try_from(*i).ok().map(Decimal::from_u64)),
        Num::Dec(d) => Some(d.clone()),
        Num::Dbl(f) => Decimal::from_f64(*f).ok(),
    }
}

fn dbl_of(n: &Num) -> f64 {
    match n {
        Num::Int(i) => *i as f64,
        Num::Dec(d) => d.to_f64(),
        Num::Dbl(f) => *f,
    }
}

fn division_by_zero(cx: &EvalCx) -> SqlResult<Value> {
    if cx.div_zero_error {
        return Err(SqlError::new(1365, "Division by 0"));
    }
    cx.warn(Warning::warn(1365, "Division by 0"));
    Ok(Value::Null)
}

fn arith(op: ArithOp, a: &Value, b: &Value, cx: &EvalCx) -> SqlResult<Value> {
    let (Some(x), Some(y)) = (to_num(a, cx), to_num(b, cx)) else {
        return Ok(Value::Null);
    };
    use ArithOp::*;
    match (op, &x, &y) {
        (Add | Sub | Mul, Num::Int(p), Num::Int(q)) => {
            let r = match op {
                Add => p.checked_add(*q),
                Sub => p.checked_sub(*q),
                _ => p.checked_mul(*q),
            };
            // Two signed operands give a signed result (MySQL): 9223372036854775807 + 1 is
            // out of range, not an unsigned 9223372036854775808.
            let signed = !matches!(a, Value::UInt(_)) && !matches!(b, Value::UInt(_));
            match r {
                Some(r) if signed && i64::try_from(r).is_err() => {
                    Err(SqlError::new(1690, "BIGINT value is out of range"))
                }
                Some(r) => int_value(r),
                None => Err(SqlError::new(1690, "BIGINT value is out of range")),
            }
        }
        (IntDiv, _, _) => {
            if dbl_of(&y) == 0.0 {
                return division_by_zero(cx);
            }
            match (&x, &y) {
                (Num::Int(p), Num::Int(q)) => int_value(p / q),
                _ => {
                    let (Some(p), Some(q)) = (dec_of(&x), dec_of(&y)) else {
                        return Ok(Value::Null);
                    };
                    match p.div(&q)? {
                        Some(r) => Ok(r
                            .truncate_to_scale(0)
                            .to_i64()
                            .map(Value::Int)
                            .unwrap_or(Value::Null)),
                        None => division_by_zero(cx),
                    }
                }
            }
        }
        (Mod, Num::Int(p), Num::Int(q)) => {
            if *q == 0 {
                return division_by_zero(cx);
            }
            int_value(p % q)
        }
        (_, Num::Dbl(_), _) | (_, _, Num::Dbl(_)) => {
            let (p, q) = (dbl_of(&x), dbl_of(&y));
            let r = match op {
                Add => p + q,
                Sub => p - q,
                Mul => p * q,
                Div | Mod => {
                    if q == 0.0 {
                        return division_by_zero(cx);
                    }
                    if op == Div {
                        p / q
                    } else {
                        p % q
                    }
                }
                IntDiv => unreachable_zero(),
            };
            if r.is_finite() {
                Ok(Value::Double(r))
            } else {
                Err(SqlError::new(1690, "DOUBLE value is out of range"))
            }
        }
        _ => {
            let (Some(p), Some(q)) = (dec_of(&x), dec_of(&y)) else {
                return Ok(Value::Null);
            };
            let r = match op {
                Add => p.add(&q)?,
                Sub => p.sub(&q)?,
                Mul => p.mul(&q)?,
                Div => match p.div(&q)? {
                    Some(r) => r,
                    None => return division_by_zero(cx),
                },
                Mod => match p.rem(&q) {
                    Some(r) => r,
                    None => return division_by_zero(cx),
                },
                IntDiv => return Ok(Value::Null),
            };
            Ok(Value::Decimal(r))
        }
    }
}

fn unreachable_zero() -> f64 {
    0.0
}

/// `LIKE` matching on characters, comparing each under `coll`.
pub fn like_match(s: &[u8], pat: &[u8], escape: Option<char>, coll: Collation) -> bool {
    let s: Vec<char> = String::from_utf8_lossy(s).chars().collect();
    let p: Vec<char> = String::from_utf8_lossy(pat).chars().collect();
    let esc = escape.unwrap_or('\\');
    let eq = |a: char, b: char| {
        if a == b {
            return true;
        }
        if coll.is_binary() {
            return false;
        }
        let mut x = [0u8; 4];
        let mut y = [0u8; 4];
        coll.compare(
            a.encode_utf8(&mut x).as_bytes(),
            b.encode_utf8(&mut y).as_bytes(),
        ) == Ordering::Equal
    };
    // Iterative matcher with backtracking on the last '%'.
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() {
            let c = p[pi];
            if c == '%' {
                star = Some((pi, si));
                pi += 1;
                continue;
            }
            let (lit, adv) = if c == esc && pi + 1 < p.len() {
                (Some(p[pi + 1]), 2)
            } else {
                (None, 1)
            };
            let matches = match lit {
                Some(l) => eq(l, s[si]),
                None => c == '_' || eq(c, s[si]),
            };
            if matches {
                si += 1;
                pi += adv;
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

impl Expr {
    /// Evaluates on `row`.
    pub fn eval(&self, row: &[Value], cx: &EvalCx) -> SqlResult<Value> {
        Ok(match self {
            Expr::Lit(v) => v.clone(),
            Expr::Col(i) => row.get(*i).cloned().unwrap_or(Value::Null),
            Expr::Neg(e) => match e.eval(row, cx)? {
                Value::Null => Value::Null,
                v => arith(ArithOp::Sub, &Value::Int(0), &v, cx)?,
            },
            Expr::Not(e) => bool_val(truth(&e.eval(row, cx)?).map(|b| !b)),
            Expr::BitNot(e) => match e.eval(row, cx)? {
                Value::Null => Value::Null,
                v => Value::UInt(!to_u64(&v, cx)),
            },
            Expr::Arith(op, a, b) => {
                let a = a.eval(row, cx)?;
                let b = b.eval(row, cx)?;
                arith(*op, &a, &b, cx)?
            }
            Expr::Bit(op, a, b) => {
                let (a, b) = (a.eval(row, cx)?, b.eval(row, cx)?);
                if a.is_null() || b.is_null() {
                    return Ok(Value::Null);
                }
                let (x, y) = (to_u64(&a, cx), to_u64(&b, cx));
                Value::UInt(match op {
                    BitOp::And => x & y,
                    BitOp::Or => x | y,
                    BitOp::Xor => x ^ y,
                    BitOp::Shl => x.checked_shl(y as u32).unwrap_or(0),
                    BitOp::Shr => x.checked_shr(y as u32).unwrap_or(0),
                })
            }
            Expr::Cmp(op, a, b, coll) => {
                let (a, b) = (a.eval(row, cx)?, b.eval(row, cx)?);
                if *op == CmpOp::NullEq {
                    return Ok(Value::Int(i64::from(match (a.is_null(), b.is_null()) {
                        (true, true) => true,
                        (false, false) => compare(&a, &b, *coll) == Some(Ordering::Equal),
                        _ => false,
                    })));
                }
                bool_val(compare(&a, &b, *coll).map(|o| match op {
                    CmpOp::Eq => o == Ordering::Equal,
                    CmpOp::Ne => o != Ordering::Equal,
                    CmpOp::Lt => o == Ordering::Less,
                    CmpOp::Le => o != Ordering::Greater,
                    CmpOp::Gt => o == Ordering::Greater,
                    CmpOp::Ge => o != Ordering::Less,
                    CmpOp::NullEq => o == Ordering::Equal,
                }))
            }
            Expr::And(a, b) => {
                let x = truth(&a.eval(row, cx)?);
                if x == Some(false) {
                    return Ok(Value::Int(0));
                }
                let y = truth(&b.eval(row, cx)?);
                bool_val(match (x, y) {
                    (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                })
            }
            Expr::Or(a, b) => {
                let x = truth(&a.eval(row, cx)?);
                if x == Some(true) {
                    return Ok(Value::Int(1));
                }
                let y = truth(&b.eval(row, cx)?);
                bool_val(match (x, y) {
                    (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                })
            }
            Expr::Xor(a, b) => {
                let (x, y) = (truth(&a.eval(row, cx)?), truth(&b.eval(row, cx)?));
                bool_val(match (x, y) {
                    (Some(p), Some(q)) => Some(p != q),
                    _ => None,
                })
            }
            Expr::IsNull(e, neg) => Value::Int(i64::from(e.eval(row, cx)?.is_null() != *neg)),
            Expr::IsBool(e, want, neg) => {
                let t = truth(&e.eval(row, cx)?);
                Value::Int(i64::from((t == Some(*want)) != *neg))
            }
            Expr::Between(e, lo, hi, neg, coll) => {
                let v = e.eval(row, cx)?;
                let (l, h) = (lo.eval(row, cx)?, hi.eval(row, cx)?);
                let ge = compare(&v, &l, *coll).map(|o| o != Ordering::Less);
                let le = compare(&v, &h, *coll).map(|o| o != Ordering::Greater);
                let r = match (ge, le) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                };
                bool_val(r.map(|b| b != *neg))
            }
            Expr::Quantified(e, op, all, values, coll) => {
                let v = e.eval(row, cx)?;
                quantified(&v, *op, *all, values.iter(), *coll)
            }
            Expr::InList(e, list, neg, coll) => {
                let v = e.eval(row, cx)?;
                if v.is_null() {
                    return Ok(Value::Null);
                }
                let mut saw_null = false;
                for item in list {
                    let x = item.eval(row, cx)?;
                    match compare(&v, &x, *coll) {
                        Some(Ordering::Equal) => return Ok(Value::Int(i64::from(!*neg))),
                        None => saw_null = true,
                        _ => {}
                    }
                }
                if saw_null {
                    Value::Null
                } else {
                    Value::Int(i64::from(*neg))
                }
            }
            Expr::Like(e, p, esc, neg, coll) => {
                let (v, pat) = (e.eval(row, cx)?, p.eval(row, cx)?);
                match (v.to_text(), pat.to_text()) {
                    (Some(s), Some(pt)) => {
                        Value::Int(i64::from(like_match(&s, &pt, *esc, *coll) != *neg))
                    }
                    _ => Value::Null,
                }
            }
            Expr::Case(operand, whens, els, coll) => {
                let base = match operand {
                    Some(o) => Some(o.eval(row, cx)?),
                    None => None,
                };
                for (w, t) in whens {
                    let hit = match &base {
                        Some(b) => compare(b, &w.eval(row, cx)?, *coll) == Some(Ordering::Equal),
                        None => truth(&w.eval(row, cx)?) == Some(true),
                    };
                    if hit {
                        return t.eval(row, cx);
                    }
                }
                match els {
                    Some(e) => e.eval(row, cx)?,
                    None => Value::Null,
                }
            }
            Expr::Func(Func::Rand, args) if args.len() == 1 && args[0].is_constant() => {
                let seed = args[0].eval(row, cx)?;
                let site = args.as_ptr() as usize;
                let mut sites = cx.rand_seeded.borrow_mut();
                let g = sites
                    .entry(site)
                    .or_insert_with(|| functions::MyRnd::seeded(&seed));
                Value::Double(g.next_f64())
            }
            // BENCHMARK(count, expr) evaluates expr count times (the count is the client's:
            // every round checks for KILL QUERY and max_execution_time) and returns 0.
            Expr::Func(Func::Benchmark, args) if args.len() == 2 => {
                let count = args[0].eval(row, cx)?;
                let Some(n) = functions::benchmark_count(Some(&count), cx) else {
                    return Ok(Value::Null);
                };
                // Warnings of the rounds are kept up to MySQL's default max_error_count.
                let keep = cx.warnings.borrow().len() + 1024;
                for _ in 0..n {
                    cx.check()?;
                    args[1].eval(row, cx)?;
                    cx.warnings.borrow_mut().truncate(keep);
                }
                Value::Int(0)
            }
            Expr::Func(f, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(a.eval(row, cx)?);
                }
                functions::call(*f, vals, cx)?
            }
            Expr::Cast(e, to) => cast(e.eval(row, cx)?, to, cx)?,
            Expr::Match(q, cols) => {
                let mut vals = Vec::with_capacity(cols.len());
                for c in cols {
                    vals.push(c.eval(row, cx)?);
                }
                Value::Double(q.rank(&vals))
            }
            Expr::UserVar(name, at_start) => cx
                .user_vars
                .borrow()
                .get(&**name)
                .cloned()
                .unwrap_or_else(|| at_start.clone()),
            Expr::SetUserVar(name, e) => {
                let v = e.eval(row, cx)?;
                cx.user_vars.borrow_mut().insert(name.to_string(), v.clone());
                v
            }
            Expr::Corr(k) => match cx.corr_values.borrow().as_ref().and_then(|v| v.get(*k)) {
                Some(v) => v.clone(),
                None => {
                    return Err(SqlError::new(
                        1235,
                        "This version of Borealis doesn't yet support correlated subqueries in this part of a statement",
                    ))
                }
            },
        })
    }

    /// True when the expression reads no column (so it can be evaluated once).
    pub fn is_constant(&self) -> bool {
        let mut constant = true;
        self.walk(&mut |e| {
            if matches!(
                e,
                Expr::Col(_) | Expr::Corr(_) | Expr::UserVar(..) | Expr::SetUserVar(..)
            ) || matches!(e, Expr::Func(f, _) if !f.is_deterministic())
            {
                constant = false;
            }
        });
        constant
    }

    /// Visits this expression and every sub-expression.
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Lit(_) | Expr::Col(_) | Expr::Corr(_) | Expr::UserVar(..) => {}
            Expr::Neg(e)
            | Expr::Not(e)
            | Expr::BitNot(e)
            | Expr::IsNull(e, _)
            | Expr::IsBool(e, _, _)
            | Expr::Cast(e, _)
            | Expr::SetUserVar(_, e)
            | Expr::Quantified(e, _, _, _, _) => e.walk(f),
            Expr::Arith(_, a, b)
            | Expr::Bit(_, a, b)
            | Expr::Cmp(_, a, b, _)
            | Expr::And(a, b)
            | Expr::Or(a, b)
            | Expr::Xor(a, b)
            | Expr::Like(a, b, _, _, _) => {
                a.walk(f);
                b.walk(f);
            }
            Expr::Between(a, b, c, _, _) => {
                a.walk(f);
                b.walk(f);
                c.walk(f);
            }
            Expr::InList(e, l, _, _) => {
                e.walk(f);
                l.iter().for_each(|x| x.walk(f));
            }
            Expr::Case(o, w, e, _) => {
                if let Some(o) = o {
                    o.walk(f);
                }
                for (a, b) in w {
                    a.walk(f);
                    b.walk(f);
                }
                if let Some(e) = e {
                    e.walk(f);
                }
            }
            Expr::Func(_, args) | Expr::Match(_, args) => args.iter().for_each(|x| x.walk(f)),
        }
    }

    /// The highest column index read, if any.
    pub fn max_col(&self) -> Option<usize> {
        let mut m = None;
        self.walk(&mut |e| {
            if let Expr::Col(i) = e {
                m = Some(m.map_or(*i, |x: usize| x.max(*i)));
            }
        });
        m
    }

    /// Shifts column references by `delta` (used when a row layout is prefixed).
    pub fn shift_cols(&mut self, from: usize, delta: isize) {
        self.walk_mut(&mut |e| {
            if let Expr::Col(i) = e {
                if *i >= from {
                    *i = (*i as isize + delta) as usize;
                }
            }
        });
    }

    /// Visits this expression and every sub-expression, mutably.
    pub fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        f(self);
        match self {
            Expr::Lit(_) | Expr::Col(_) | Expr::Corr(_) | Expr::UserVar(..) => {}
            Expr::Neg(e)
            | Expr::Not(e)
            | Expr::BitNot(e)
            | Expr::IsNull(e, _)
            | Expr::IsBool(e, _, _)
            | Expr::Cast(e, _)
            | Expr::SetUserVar(_, e)
            | Expr::Quantified(e, _, _, _, _) => e.walk_mut(f),
            Expr::Arith(_, a, b)
            | Expr::Bit(_, a, b)
            | Expr::Cmp(_, a, b, _)
            | Expr::And(a, b)
            | Expr::Or(a, b)
            | Expr::Xor(a, b)
            | Expr::Like(a, b, _, _, _) => {
                a.walk_mut(f);
                b.walk_mut(f);
            }
            Expr::Between(a, b, c, _, _) => {
                a.walk_mut(f);
                b.walk_mut(f);
                c.walk_mut(f);
            }
            Expr::InList(e, l, _, _) => {
                e.walk_mut(f);
                l.iter_mut().for_each(|x| x.walk_mut(f));
            }
            Expr::Case(o, w, e, _) => {
                if let Some(o) = o {
                    o.walk_mut(f);
                }
                for (a, b) in w {
                    a.walk_mut(f);
                    b.walk_mut(f);
                }
                if let Some(e) = e {
                    e.walk_mut(f);
                }
            }
            Expr::Func(_, args) | Expr::Match(_, args) => {
                args.iter_mut().for_each(|x| x.walk_mut(f))
            }
        }
    }
}

fn to_u64(v: &Value, cx: &EvalCx) -> u64 {
    match to_num(v, cx) {
        Some(Num::Int(i)) => i as u64,
        Some(Num::Dec(d)) => d
            .round_to_scale(0)
            .to_i64()
            .map(|i| i as u64)
            .unwrap_or(u64::MAX),
        Some(Num::Dbl(f)) => f.round() as i64 as u64,
        None => 0,
    }
}

/// CAST/CONVERT.
pub fn cast(v: Value, to: &CastTo, cx: &EvalCx) -> SqlResult<Value> {
    match to {
        CastTo::Json(from, null_is_json) => {
            return super::functions::json::to_json(v, *from, *null_is_json)
        }
        CastTo::JsonScalar => return Ok(super::functions::json::to_scalar(v)),
        CastTo::Members(ty) => {
            return Ok(match &v {
                Value::Null => Value::Null,
                Value::Bytes(b) => Value::UInt(match ty.set_mask(b) {
                    Some(Ok(m) | Err(m)) => m,
                    None => ty.enum_index(b).map_or(0, u64::from),
                }),
                other => Value::UInt(to_u64(other, cx)),
            })
        }
        _ => {}
    }
    if v.is_null() {
        return Ok(Value::Null);
    }
    Ok(match to {
        CastTo::Signed | CastTo::Unsigned => {
            let i: i128 = match &v {
                Value::Bytes(b) => {
                    let (i, p) = str_to_int(b);
                    if p != NumParse::Clean {
                        cx.warn(crate::value::truncated_warning("INTEGER", b));
                    }
                    i
                }
                other => match to_num(other, cx) {
                    Some(Num::Int(i)) => i,
                    Some(Num::Dec(d)) => d
                        .round_to_scale(0)
                        .to_i128_unscaled()
                        .map(|(u, _)| u)
                        .unwrap_or(0),
                    Some(Num::Dbl(f)) => f.round() as i128,
                    None => 0,
                },
            };
            if *to == CastTo::Signed {
                Value::Int(i as i64)
            } else {
                Value::UInt(i as u64)
            }
        }
        CastTo::Decimal(p, s) => {
            let d = match &v {
                Value::Bytes(b) => str_to_decimal(b).0,
                other => to_num(other, cx)
                    .and_then(|n| dec_of(&n))
                    .unwrap_or_else(Decimal::zero),
            };
            Value::Decimal(d.fit(*p, *s).0)
        }
        CastTo::Double => Value::Double(match to_num(&v, cx) {
            Some(n) => dbl_of(&n),
            None => 0.0,
        }),
        CastTo::Char(len, _) => {
            let mut t = v.to_text().unwrap_or_default();
            if let Some(n) = len {
                let s = String::from_utf8_lossy(&t)
                    .chars()
                    .take(*n as usize)
                    .collect::<String>();
                t = s.into_bytes();
            }
            Value::Bytes(t)
        }
        CastTo::Binary(len) => {
            let mut t = v.to_text().unwrap_or_default();
            if let Some(n) = len {
                t.resize(*n as usize, 0);
            }
            Value::Bytes(t)
        }
        CastTo::Date | CastTo::DateTime(_) => {
            let dt = match &v {
                Value::Date(d) => Some(DateTime::from_date(*d)),
                Value::DateTime(d) => Some(*d),
                other => other
                    .to_text()
                    .and_then(|t| parse_datetime(&t).map(|x| x.0)),
            };
            match (dt, to) {
                (Some(d), CastTo::Date) => Value::Date(d.date),
                (Some(d), CastTo::DateTime(fsp)) => Value::DateTime(d.round_fsp(*fsp).unwrap_or(d)),
                _ => {
                    cx.warn(Warning::warn(
                        1292,
                        format!(
                            "Incorrect datetime value: '{}'",
                            String::from_utf8_lossy(&v.to_text().unwrap_or_default())
                        ),
                    ));
                    Value::Null
                }
            }
        }
        CastTo::Time(fsp) => match &v {
            Value::Time(t) => Value::Time(t.round_fsp(*fsp).0),
            other => match other.to_text().and_then(|t| parse_time(&t)) {
                Some((t, _)) => Value::Time(t.round_fsp(*fsp).0),
                None => Value::Null,
            },
        },
        // Answered before the NULL check above (a NULL may become JSON `null`).
        CastTo::Json(from, null_is_json) => {
            super::functions::json::to_json(v, *from, *null_is_json)?
        }
        CastTo::JsonScalar => super::functions::json::to_scalar(v),
        CastTo::Members(_) => v,
    })
}

// ---------------------------------------------------------------- binding

/// A column visible to expressions.
#[derive(Clone, Debug)]
pub struct ScopeCol {
    /// Table alias (or name) the column is qualified by.
    pub table: String,
    pub db: String,
    pub org_table: String,
    pub name: String,
    pub ty: ColType,
    pub nullable: bool,
    /// Set when the privileges in force do not allow reading this column (column
    /// privileges only, see [`super::privilege`]): the 1143 message a reference to it
    /// fails with.
    pub denied: Option<std::sync::Arc<Denied>>,
    /// An INVISIBLE column of a table: `*` leaves it out.
    pub hidden: bool,
}

/// Why a column may not be read: the messages of 1143 (the column named) and of 1142
/// (the table, what MySQL says when `*` takes in such a column).
#[derive(Debug)]
pub struct Denied {
    pub column: String,
    pub table: String,
}

impl ScopeCol {
    /// 1143 when the column may not be read.
    pub fn readable(&self) -> SqlResult<()> {
        match &self.denied {
            Some(d) => Err(SqlError::new(1143, d.column.clone())),
            None => Ok(()),
        }
    }

    /// As [`Self::readable`] for a column `*` takes in: 1142 naming the table.
    pub fn readable_all(&self) -> SqlResult<()> {
        match &self.denied {
            Some(d) => Err(SqlError::new(1142, d.table.clone())),
            None => Ok(()),
        }
    }
}

/// The columns of the row an expression is evaluated on, in order.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub cols: Vec<ScopeCol>,
}

impl Scope {
    /// Resolves `[db.][table.]column`, to read it (1143 when its privileges say no).
    pub fn resolve(&self, parts: &[String], clause: &str) -> SqlResult<usize> {
        let i = self.resolve_target(parts, clause)?;
        self.cols[i].readable()?;
        Ok(i)
    }

    /// Resolves `[db.][table.]column` as a place written to (an UPDATE's SET target),
    /// which needs no privilege to read it.
    pub fn resolve_target(&self, parts: &[String], clause: &str) -> SqlResult<usize> {
        let (db, table, name) = match parts {
            [c] => (None, None, c),
            [t, c] => (None, Some(t), c),
            [d, t, c] => (Some(d), Some(t), c),
            _ => {
                return Err(SqlError::new(
                    1054,
                    format!("Unknown column '{}' in '{clause}'", parts.join(".")),
                ))
            }
        };
        let mut found = None;
        for (i, c) in self.cols.iter().enumerate() {
            if !c.name.eq_ignore_ascii_case(name) {
                continue;
            }
            // Internal pseudo-tables (`__new__` in ON DUPLICATE KEY UPDATE) are
            // reachable only when named.
            if table.is_none() && c.table.starts_with("__") {
                continue;
            }
            if let Some(t) = table {
                if c.table != *t {
                    continue;
                }
            }
            if let Some(d) = db {
                if c.db != *d {
                    continue;
                }
            }
            if found.is_some() {
                return Err(SqlError::new(
                    1052,
                    format!("Column '{name}' in {clause} is ambiguous"),
                ));
            }
            found = Some(i);
        }
        let i = found.ok_or_else(|| {
            SqlError::new(
                1054,
                format!("Unknown column '{}' in '{clause}'", parts.join(".")),
            )
        })?;
        Ok(i)
    }
}

/// An aggregate call collected while binding a grouped SELECT.
#[derive(Clone, Debug)]
pub struct AggSpec {
    pub func: AggFunc,
    pub arg: Option<Expr>,
    pub distinct: bool,
    pub ty: ColType,
    pub collation: Collation,
    /// GROUP_CONCAT's ORDER BY, SEPARATOR and group_concat_max_len.
    pub concat: Option<ConcatSpec>,
    /// Set for a window function call (`… OVER (…)`): grouping leaves its slot NULL and
    /// the window stage ([`super::window`]) fills it over the grouped rows.
    pub over: Option<Box<super::window::WindowCall>>,
    /// GROUPING()'s arguments (func [`AggFunc::Grouping`]), matched against the GROUP BY
    /// keys when the rows are grouped WITH ROLLUP.
    pub grouping: Vec<Expr>,
}

/// What a GROUP_CONCAT call says beyond its values: `ORDER BY` keys (expression,
/// descending, collation), the `SEPARATOR` (',' by default) and the session's
/// `group_concat_max_len` when the statement was bound (a longer result is cut to it,
/// with warning 1260, as MySQL does).
#[derive(Clone, Debug)]
pub struct ConcatSpec {
    pub order: Vec<(Expr, bool, Collation)>,
    pub separator: Vec<u8>,
    pub max_len: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggFunc {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    BitAnd,
    BitOr,
    BitXor,
    GroupConcat,
    /// STD/STDDEV/STDDEV_POP, STDDEV_SAMP, VARIANCE/VAR_POP, VAR_SAMP.
    StdPop,
    StdSamp,
    VarPop,
    VarSamp,
    /// `GROUPING(expr, …)`: a bit per argument, set where a ROLLUP row rolled it up.
    Grouping,
    /// A window function that is no aggregate (ROW_NUMBER, LAG, …): its [`AggSpec::over`]
    /// says what it computes.
    Window,
}

/// What the binder needs from the session.
pub trait BindEnv {
    /// `@@[scope.]name`.
    fn system_var(&mut self, name: &str, scope: Option<&str>) -> SqlResult<Value>;
    /// `@name`.
    fn user_var(&mut self, name: &str) -> Value;
    /// Whether the statement being bound assigns user variables (`@v := e`): its reads
    /// of `@name` are then evaluated per row ([`Expr::UserVar`]), else bound as values.
    fn assigns_user_vars(&self) -> bool {
        false
    }
    /// A warning raised while binding (deprecated syntax).
    fn bind_warning(&mut self, _w: Warning) {}
    /// Session functions (DATABASE(), USER(), LAST_INSERT_ID(), ...): `None` if not one.
    fn session_fn(&mut self, name: &str, args: &[Value]) -> Option<SqlResult<Value>>;
    /// Runs an uncorrelated subquery; returns its rows and its first column's type (known
    /// also when describing a statement, which reads no rows).
    fn subquery(&mut self, q: &ast::Query) -> SqlResult<(Vec<Vec<Value>>, ColType)>;
    /// Registers a correlated subquery; returns its slot, or `None` where the
    /// caller cannot evaluate correlated subqueries. An error when the subquery does
    /// not bind even with the outer columns (an unknown column), as MariaDB reports it
    /// before reading a row.
    fn correlated(&mut self, _spec: CorrSpec) -> SqlResult<Option<(usize, ColType)>> {
        Ok(None)
    }
    /// The search `text` of a MATCH over columns `cols` of table `db.table`, bound
    /// against the FULLTEXT index with exactly those columns (1191 when none).
    fn fulltext(
        &mut self,
        _db: &str,
        _table: &str,
        _cols: &[String],
        _text: &str,
        _mode: super::fulltext::Mode,
    ) -> SqlResult<Arc<super::fulltext::FtQuery>> {
        Err(super::fulltext::no_index())
    }
    /// The next `?` parameter.
    fn param(&mut self) -> SqlResult<Value>;
    /// Collation of string literals (collation_connection).
    fn literal_collation(&self) -> Collation;
    /// A call of stored function `[db.]name`; `None` when there is none.
    fn stored_function(
        &mut self,
        _db: Option<&str>,
        _name: &str,
        _args: Vec<(Expr, ColType)>,
    ) -> Option<SqlResult<(Expr, ColType)>> {
        None
    }
}

/// `v op ANY (values)` (`all` false) or `v op ALL (values)`, as MySQL answers it: over
/// no values ANY is false and ALL true, whatever `v` is; otherwise one comparison that
/// decides (true for ANY, false for ALL) decides, and else a NULL comparison (a NULL `v`
/// or value) makes the answer NULL.
pub fn quantified<'v>(
    v: &Value,
    op: CmpOp,
    all: bool,
    values: impl IntoIterator<Item = &'v Value>,
    coll: Collation,
) -> Value {
    let mut seen = false;
    let mut saw_null = false;
    for x in values {
        seen = true;
        let hit = compare(v, x, coll).map(|o| match op {
            CmpOp::Eq | CmpOp::NullEq => o == Ordering::Equal,
            CmpOp::Ne => o != Ordering::Equal,
            CmpOp::Lt => o == Ordering::Less,
            CmpOp::Le => o != Ordering::Greater,
            CmpOp::Gt => o == Ordering::Greater,
            CmpOp::Ge => o != Ordering::Less,
        });
        match hit {
            Some(h) if h != all => return Value::Int(i64::from(h)),
            Some(_) => {}
            None => saw_null = true,
        }
    }
    if seen && saw_null {
        Value::Null
    } else {
        Value::Int(i64::from(all))
    }
}

/// Binds AST expressions against a scope.
pub struct Binder<'a> {
    pub scope: &'a Scope,
    pub env: &'a mut dyn BindEnv,
    /// When set, aggregate calls are collected here and bound as `Col(agg_base + i)`.
    pub aggs: Option<Vec<AggSpec>>,
    pub agg_base: usize,
    pub clause: &'static str,
}

fn ident(i: &ast::Ident) -> String {
    i.value.clone()
}

fn int_type() -> SqlType {
    SqlType::Int {
        kind: IntKind::Big,
        unsigned: false,
        width: None,
    }
}

/// A call of JSON function `f` on bound arguments (`->`, `->>`, MEMBER OF).
fn json_call(f: Func, mut args: Vec<Expr>, types: Vec<ColType>) -> SqlResult<(Expr, ColType)> {
    functions::json::prepare(f, &mut args, &types)?;
    let t = f.result_type(&types, Collation::Utf8mb4Bin);
    Ok((Expr::Func(f, args), t))
}

fn bool_type() -> ColType {
    Some(SqlType::Int {
        kind: IntKind::Int,
        unsigned: false,
        width: Some(1),
    })
}

/// Collation for comparing two operands: a string column's wins.
/// The collation two operands compare under. A column's (or a COLLATE clause's)
/// collation wins over a literal's, which has the connection's collation (MySQL's
/// coercibility: a column is 2, a literal 4); between two of the same standing, the first.
pub(crate) fn pick_collation(a: &ColType, b: &ColType, default: Collation) -> Collation {
    let of = |t: &ColType| t.as_ref().filter(|t| t.is_string()).map(|t| t.collation());
    let own = |t: &ColType| of(t).filter(|c| *c != default);
    own(a)
        .or_else(|| own(b))
        .or_else(|| of(a))
        .or_else(|| of(b))
        .unwrap_or(default)
}

/// The collation of a result made of several string operands (CONCAT, CASE, IFNULL):
/// the first that is not the literals' own, as [`pick_collation`] chooses.
pub(crate) fn derived_collation(types: &[ColType], default: Collation) -> Collation {
    let of = |t: &ColType| t.as_ref().filter(|t| t.is_string()).map(|t| t.collation());
    types
        .iter()
        .filter_map(of)
        .find(|c| *c != default)
        .unwrap_or(default)
}

/// A character string type with collation `coll`; other types as they are.
fn recollate(t: ColType, coll: Collation) -> ColType {
    match t {
        Some(SqlType::Char { len, .. }) => Some(SqlType::Char {
            len,
            collation: coll,
        }),
        Some(SqlType::VarChar { len, .. }) => Some(SqlType::VarChar {
            len,
            collation: coll,
        }),
        Some(SqlType::Text { kind, .. }) => Some(SqlType::Text {
            kind,
            collation: coll,
        }),
        other => other,
    }
}

/// `expr COLLATE name`: the type with collation `name`, which must exist (1273) and
/// belong to the expression's character set (1253; a number's is `binary`).
fn with_collation(t: ColType, name: &str, lit_coll: Collation) -> SqlResult<ColType> {
    let name = name.trim_matches(|c| c == '`' || c == '\'' || c == '"');
    let coll = Collation::from_name(name)
        .ok_or_else(|| SqlError::new(1273, format!("Unknown collation: '{name}'")))?;
    let charset = match &t {
        Some(ty) if ty.is_string() => ty.collation().charset(),
        Some(_) => "binary",
        None => lit_coll.charset(),
    };
    if coll.charset() != charset {
        return Err(SqlError::new(
            1253,
            format!(
                "COLLATION '{}' is not valid for CHARACTER SET '{charset}'",
                coll.name()
            ),
        ));
    }
    Ok(match t {
        Some(ty) if ty.is_string() => recollate(Some(ty), coll),
        _ => Some(SqlType::VarChar {
            len: 65535,
            collation: coll,
        }),
    })
}

pub fn parse_number_literal(s: &str) -> Value {
    if !s.contains(['.', 'e', 'E']) {
        if let Ok(i) = s.parse::<i64>() {
            return Value::Int(i);
        }
        if let Ok(u) = s.parse::<u64>() {
            return Value::UInt(u);
        }
    }
    if s.contains(['e', 'E']) {
        return Value::Double(s.parse().unwrap_or(0.0));
    }
    match Decimal::parse(s) {
        Ok(d) => Value::Decimal(d),
        Err(_) => Value::Double(s.parse().unwrap_or(0.0)),
    }
}

/// The type MySQL reports for a literal value.
pub fn literal_type(v: &Value, coll: Collation) -> ColType {
    Some(match v {
        Value::Null => return None,
        Value::Int(_) => int_type(),
        Value::UInt(_) => SqlType::Int {
            kind: IntKind::Big,
            unsigned: true,
            width: None,
        },
        Value::Decimal(d) => SqlType::Decimal {
            precision: d.precision().clamp(1, 65) as u8,
            scale: d.scale(),
        },
        Value::Double(_) | Value::Float(_) => SqlType::Double,
        Value::Bytes(b) => SqlType::VarChar {
            len: coll.char_len(b) as u32,
            collation: coll,
        },
        Value::Date(_) => SqlType::Date,
        Value::DateTime(_) => SqlType::DateTime { fsp: 0 },
        Value::Time(_) => SqlType::Time { fsp: 0 },
        Value::Year(_) => SqlType::Year,
    })
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let s = if s.len() % 2 == 1 {
        format!("0{s}")
    } else {
        s.to_string()
    };
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The number a hex literal (`0x41`, `X'41'`) stands for in a numeric context: its bytes
/// as a big-endian unsigned integer; of a longer literal, its last eight bytes, as MySQL
/// and MariaDB read it.
pub(crate) fn hex_literal_number(e: &ast::Expr) -> Option<u64> {
    match e {
        ast::Expr::Nested(e) => hex_literal_number(e),
        ast::Expr::Value(v) => match &v.value {
            ast::Value::HexStringLiteral(h) => Some(
                hex_decode(h)?
                    .iter()
                    .fold(0u64, |n, b| (n << 8) | u64::from(*b)),
            ),
            _ => None,
        },
        _ => None,
    }
}

fn bigint_unsigned() -> ColType {
    Some(SqlType::Int {
        kind: IntKind::Big,
        unsigned: true,
        width: None,
    })
}

/// Converts a sqlparser literal to a value.
pub fn literal(v: &ast::Value, env: &mut dyn BindEnv) -> SqlResult<Value> {
    Ok(match v {
        ast::Value::Number(s, _) => parse_number_literal(s),
        ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
            Value::Bytes(s.as_bytes().to_vec())
        }
        ast::Value::HexStringLiteral(h) => Value::Bytes(hex_decode(h).unwrap_or_default()),
        ast::Value::SingleQuotedByteStringLiteral(s)
        | ast::Value::DoubleQuotedByteStringLiteral(s) => {
            // b'0101' bit literal.
            let mut n: u64 = 0;
            for c in s.chars() {
                n = (n << 1) | u64::from(c == '1');
            }
            Value::UInt(n)
        }
        ast::Value::NationalStringLiteral(s) | ast::Value::EscapedStringLiteral(s) => {
            Value::Bytes(s.as_bytes().to_vec())
        }
        ast::Value::Boolean(b) => Value::Int(i64::from(*b)),
        ast::Value::Null => Value::Null,
        ast::Value::Placeholder(_) => env.param()?,
        other => {
            return Err(SqlError::new(
                1235,
                format!("This version of Borealis doesn't yet support literal {other}"),
            ))
        }
    })
}

fn data_type_cast(dt: &ast::DataType, coll: Collation) -> SqlResult<CastTo> {
    use ast::DataType as D;
    let len_of = |l: &Option<ast::CharacterLength>| match l {
        Some(ast::CharacterLength::IntegerLength { length, .. }) => Some(*length as u32),
        _ => None,
    };
    Ok(match dt {
        D::Signed | D::SignedInteger | D::Int(_) | D::Integer(_) | D::BigInt(_) => CastTo::Signed,
        D::Unsigned
        | D::UnsignedInteger
        | D::IntUnsigned(_)
        | D::IntegerUnsigned(_)
        | D::BigIntUnsigned(_) => CastTo::Unsigned,
        D::Decimal(info) | D::Numeric(info) | D::Dec(info) => match info {
            ast::ExactNumberInfo::None => CastTo::Decimal(10, 0),
            ast::ExactNumberInfo::Precision(p) => CastTo::Decimal(*p as u8, 0),
            ast::ExactNumberInfo::PrecisionAndScale(p, s) => CastTo::Decimal(*p as u8, *s as u8),
        },
        D::Double(_) | D::DoublePrecision | D::Float(_) | D::Real => CastTo::Double,
        D::Char(l) | D::Character(l) | D::Varchar(l) | D::CharVarying(l) => {
            CastTo::Char(len_of(l), coll)
        }
        D::Binary(l) => CastTo::Binary(l.map(|x| x as u32)),
        D::Date => CastTo::Date,
        D::Datetime(p) => CastTo::DateTime(p.unwrap_or(0) as u8),
        D::Timestamp(p, _) => CastTo::DateTime(p.unwrap_or(0) as u8),
        D::Time(p, _) => CastTo::Time(p.unwrap_or(0) as u8),
        other => {
            return Err(SqlError::new(
                1064,
                format!("CAST to {other} is not supported"),
            ))
        }
    })
}

fn cast_type(to: &CastTo) -> ColType {
    Some(match to {
        CastTo::Signed => int_type(),
        CastTo::Unsigned => SqlType::Int {
            kind: IntKind::Big,
            unsigned: true,
            width: None,
        },
        CastTo::Decimal(p, s) => SqlType::Decimal {
            precision: *p,
            scale: *s,
        },
        CastTo::Double => SqlType::Double,
        CastTo::Char(l, c) => SqlType::VarChar {
            len: l.unwrap_or(255),
            collation: *c,
        },
        CastTo::Binary(l) => SqlType::VarBinary {
            len: l.unwrap_or(255),
        },
        CastTo::Date => SqlType::Date,
        CastTo::DateTime(f) => SqlType::DateTime { fsp: *f },
        CastTo::Time(f) => SqlType::Time { fsp: *f },
        CastTo::Json(..) => SqlType::Json,
        CastTo::JsonScalar => return None,
        CastTo::Members(_) => SqlType::Int {
            kind: IntKind::Big,
            unsigned: true,
            width: None,
        },
    })
}

/// An ENUM or SET expression in numeric context becomes its number (index or bitmask);
/// anything else is returned as it is.
pub(crate) fn members_number((e, t): (Expr, ColType)) -> (Expr, ColType) {
    match &t {
        Some(ty @ (SqlType::Enum { .. } | SqlType::Set { .. })) => (
            Expr::Cast(Box::new(e), CastTo::Members(Arc::new(ty.clone()))),
            Some(SqlType::Int {
                kind: IntKind::Big,
                unsigned: true,
                width: None,
            }),
        ),
        _ => (e, t),
    }
}

fn arith_type(op: ArithOp, a: &ColType, b: &ColType) -> ColType {
    let is = |t: &ColType, f: &dyn Fn(&SqlType) -> bool| t.as_ref().is_some_and(f);
    let dbl = |t: &SqlType| matches!(t, SqlType::Double | SqlType::Float) || t.is_string();
    let dec = |t: &SqlType| matches!(t, SqlType::Decimal { .. });
    if is(a, &dbl) || is(b, &dbl) {
        return Some(SqlType::Double);
    }
    if op == ArithOp::IntDiv {
        return Some(int_type());
    }
    if op == ArithOp::Div || is(a, &dec) || is(b, &dec) {
        let scale = |t: &ColType| match t {
            Some(SqlType::Decimal { scale, .. }) => *scale,
            _ => 0,
        };
        // MySQL: a quotient adds div_precision_increment (4) digits, a product keeps
        // every digit (s1 + s2), a sum, difference or remainder the larger scale.
        let s = match op {
            ArithOp::Div => (scale(a) + 4).min(30),
            ArithOp::Mul => (scale(a) + scale(b)).min(30),
            _ => scale(a).max(scale(b)),
        };
        return Some(SqlType::Decimal {
            precision: 65,
            scale: s,
        });
    }
    Some(int_type())
}

impl Binder<'_> {
    fn err_unsupported(what: impl std::fmt::Display) -> SqlError {
        SqlError::new(
            1235,
            format!("This version of Borealis doesn't yet support '{what}'"),
        )
    }

    fn bin(
        &mut self,
        a: &ast::Expr,
        b: &ast::Expr,
    ) -> SqlResult<((Expr, ColType), (Expr, ColType))> {
        Ok((self.bind(a)?, self.bind(b)?))
    }

    /// `left op ANY (subquery)` (`all` false) or `left op ALL (subquery)`. `= ANY` is
    /// `IN` and `<> ALL` is `NOT IN` (so they share its index use); a subquery that reads
    /// the outer row is registered as correlated.
    fn bind_quantified(
        &mut self,
        left: &ast::Expr,
        op: &ast::BinaryOperator,
        right: &ast::Expr,
        all: bool,
    ) -> SqlResult<(Expr, ColType)> {
        use ast::BinaryOperator as B;
        let cmp = match op {
            B::Eq => CmpOp::Eq,
            B::NotEq => CmpOp::Ne,
            B::Lt => CmpOp::Lt,
            B::LtEq => CmpOp::Le,
            B::Gt => CmpOp::Gt,
            B::GtEq => CmpOp::Ge,
            other => return Err(Self::err_unsupported(format!("{other} ANY/ALL"))),
        };
        let subquery = match right {
            ast::Expr::Subquery(q) => q,
            ast::Expr::Nested(inner) => match inner.as_ref() {
                ast::Expr::Subquery(q) => q,
                _ => return Err(SqlError::new(1064, "ANY/ALL needs a subquery")),
            },
            _ => return Err(SqlError::new(1064, "ANY/ALL needs a subquery")),
        };
        match (cmp, all) {
            (CmpOp::Eq, false) | (CmpOp::Ne, true) => {
                return self.bind(&ast::Expr::InSubquery {
                    expr: Box::new(left.clone()),
                    subquery: subquery.clone(),
                    negated: all,
                })
            }
            _ => {}
        }
        let lit_coll = self.env.literal_collation();
        let (x, t) = self.bind(left)?;
        let coll = pick_collation(&t, &None, lit_coll);
        let rows = match self.env.subquery(subquery) {
            Err(e) if e.code == 1054 => {
                let spec = CorrSpec {
                    query: (**subquery).clone(),
                    outer: self.scope.clone(),
                    kind: CorrKind::Quantified {
                        lhs: x,
                        op: cmp,
                        all,
                        collation: coll,
                    },
                };
                return match self.env.correlated(spec)? {
                    Some((k, _)) => Ok((Expr::Corr(k), bool_type())),
                    None => Err(e),
                };
            }
            other => other?.0,
        };
        let mut values = Vec::with_capacity(rows.len());
        for r in rows {
            if r.len() != 1 {
                return Err(SqlError::new(1241, "Operand should contain 1 column(s)"));
            }
            values.extend(r);
        }
        Ok((
            Expr::Quantified(Box::new(x), cmp, all, values.into(), coll),
            bool_type(),
        ))
    }

    /// Binds the operand of a CAST to `to`: an ENUM or SET operand of a numeric cast
    /// is its number.
    fn numeric_if(&mut self, e: &ast::Expr, to: &CastTo) -> SqlResult<(Expr, ColType)> {
        let numeric = matches!(
            to,
            CastTo::Signed | CastTo::Unsigned | CastTo::Decimal(..) | CastTo::Double
        );
        // A hex literal cast to a number is its number (`CAST(0x41 AS UNSIGNED)` is 65).
        if let Some(n) = hex_literal_number(e).filter(|_| numeric) {
            return Ok((Expr::Lit(Value::UInt(n)), bigint_unsigned()));
        }
        let b = self.bind(e)?;
        Ok(if numeric { members_number(b) } else { b })
    }

    /// Binds `e`, returning the expression and its result type.
    pub fn bind(&mut self, e: &ast::Expr) -> SqlResult<(Expr, ColType)> {
        use ast::Expr as A;
        let lit_coll = self.env.literal_collation();
        Ok(match e {
            A::Identifier(i) if i.value.starts_with("@@") => {
                let v = self.env.system_var(&i.value[2..], None)?;
                let t = literal_type(&v, lit_coll);
                (Expr::Lit(v), t)
            }
            A::Identifier(i) if i.value.starts_with('@') => {
                let v = self.env.user_var(&i.value[1..]);
                // An unset user variable is a NULL of string type, as in MySQL.
                let t = literal_type(&v, lit_coll).or(Some(SqlType::Blob {
                    kind: crate::value::LobKind::Long,
                }));
                if self.env.assigns_user_vars() {
                    let name = i.value[1..].to_ascii_lowercase();
                    (Expr::UserVar(name.into(), v), t)
                } else {
                    (Expr::Lit(v), t)
                }
            }
            // `:=` binds loosest and to the right in MySQL; sqlparser gives it the
            // precedence of `=`, so `@a := 1 AND 0` comes as `(@a := 1) AND 0` and
            // `@a := @b := 1` as `(@a := @b) := 1`: hang the operator back under the
            // assignment's value.
            A::BinaryOp { left, op, right }
                if matches!(
                    &**left,
                    A::BinaryOp {
                        op: ast::BinaryOperator::Assignment,
                        ..
                    }
                ) =>
            {
                let A::BinaryOp {
                    left: var,
                    right: value,
                    ..
                } = &**left
                else {
                    return Err(Self::err_unsupported("this assignment"));
                };
                let e = A::BinaryOp {
                    left: var.clone(),
                    op: ast::BinaryOperator::Assignment,
                    right: Box::new(A::BinaryOp {
                        left: value.clone(),
                        op: op.clone(),
                        right: right.clone(),
                    }),
                };
                return self.bind(&e);
            }
            A::BinaryOp {
                left,
                op: ast::BinaryOperator::Assignment,
                right,
            } => {
                let name = match &**left {
                    A::Identifier(i)
                        if i.quote_style.is_none()
                            && i.value.starts_with('@')
                            && !i.value.starts_with("@@") =>
                    {
                        i.value[1..].to_ascii_lowercase()
                    }
                    _ => {
                        return Err(SqlError::new(
                            1064,
                            format!("You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near ':= {right}' at line 1"),
                        ))
                    }
                };
                // MySQL 8.0.13+ deprecates assignments inside expressions (warning 1287).
                self.env.bind_warning(Warning::warn(
                    1287,
                    "Setting user variables within expressions is deprecated and will be removed in a future release. Consider alternatives: 'SET variable=expression, ...', or 'SELECT expression(s) INTO variables(s)'.",
                ));
                let (r, t) = self.bind(right)?;
                (Expr::SetUserVar(name.into(), Box::new(r)), t)
            }
            A::CompoundIdentifier(parts)
                if parts.len() == 2 && parts[0].value.starts_with("@@") =>
            {
                let v = self
                    .env
                    .system_var(&parts[1].value, Some(&parts[0].value[2..]))?;
                let t = literal_type(&v, lit_coll);
                (Expr::Lit(v), t)
            }
            A::Identifier(i) => {
                let i = self.scope.resolve(&[ident(i)], self.clause)?;
                (Expr::Col(i), self.scope.cols[i].ty.clone())
            }
            A::CompoundIdentifier(parts) => {
                let names: Vec<String> = parts.iter().map(ident).collect();
                let i = self.scope.resolve(&names, self.clause)?;
                (Expr::Col(i), self.scope.cols[i].ty.clone())
            }
            A::Value(v) => {
                let v = literal(&v.value, self.env)?;
                let t = literal_type(&v, lit_coll);
                (Expr::Lit(v), t)
            }
            A::Nested(e) => self.bind(e)?,
            A::MatchAgainst {
                columns,
                match_value,
                opt_search_modifier,
            } => self.bind_match(columns, &match_value.value, opt_search_modifier.clone())?,
            A::UnaryOp { op, expr } => {
                // Negation is a numeric context: `-0x41` is -65.
                let (x, t) = match hex_literal_number(expr) {
                    Some(n) if *op == ast::UnaryOperator::Minus => {
                        (Expr::Lit(Value::UInt(n)), bigint_unsigned())
                    }
                    _ => members_number(self.bind(expr)?),
                };
                match op {
                    ast::UnaryOperator::Minus => {
                        // A literal past BIGINT's range negates into a DECIMAL
                        // (`-18446744073709551615`), as MySQL reads it.
                        let x = match x {
                            Expr::Lit(Value::UInt(u)) if u > 1u64 << 63 => {
                                Expr::Lit(Value::Decimal(crate::value::Decimal::from_u64(u)))
                            }
                            x => x,
                        };
                        if let Expr::Lit(v) = &x {
                            let cx = EvalCx::new(0, super::vars::TimeZone::System);
                            let n = Expr::Neg(Box::new(Expr::Lit(v.clone()))).eval(&[], &cx)?;
                            let t = literal_type(&n, lit_coll);
                            (Expr::Lit(n), t)
                        } else {
                            (Expr::Neg(Box::new(x)), t)
                        }
                    }
                    ast::UnaryOperator::Plus => (x, t),
                    ast::UnaryOperator::Not => (Expr::Not(Box::new(x)), bool_type()),
                    ast::UnaryOperator::BangNot => (Expr::Not(Box::new(x)), bool_type()),
                    ast::UnaryOperator::BitwiseNot => (
                        Expr::BitNot(Box::new(x)),
                        Some(SqlType::Int {
                            kind: IntKind::Big,
                            unsigned: true,
                            width: None,
                        }),
                    ),
                    other => return Err(Self::err_unsupported(other)),
                }
            }
            A::BinaryOp { left, op, right }
                if matches!(op, ast::BinaryOperator::Plus | ast::BinaryOperator::Minus)
                    && (matches!(**right, A::Interval(_))
                        || (matches!(**left, A::Interval(_))
                            && *op == ast::BinaryOperator::Plus)) =>
            {
                // `d + INTERVAL n unit`, `INTERVAL n unit + d`, `d - INTERVAL n unit`.
                let (date, iv) = match (&**left, &**right) {
                    (A::Interval(iv), d) if !matches!(d, A::Interval(_)) => (d, iv),
                    (d, A::Interval(iv)) => (d, iv),
                    _ => return Err(Self::err_unsupported("INTERVAL on both sides")),
                };
                let func = if *op == ast::BinaryOperator::Plus {
                    Func::DateAdd
                } else {
                    Func::DateSub
                };
                let (d, dt) = self.bind(date)?;
                let (v, vt) = self.bind(&iv.value)?;
                let unit = Expr::Lit(Value::Bytes(interval_unit(iv).into_bytes()));
                let args = vec![d, v, unit];
                let types = vec![dt, vt, None];
                let ty = self.function_type(func, &args, &types);
                (Expr::Func(func, args), ty)
            }
            A::BinaryOp { left, op, right } => {
                use ast::BinaryOperator as B;
                let ((mut l, mut lt), (mut r, mut rt)) = self.bin(left, right)?;
                // A hex literal is a number where MySQL wants one: under arithmetic and
                // bit operators, and compared with a number (`0x41 + 0` is 65,
                // `0x41 = 65` is true, `0x41 = 'A'` compares strings).
                let numeric_op = matches!(
                    op,
                    B::Plus
                        | B::Minus
                        | B::Multiply
                        | B::Divide
                        | B::MyIntegerDivide
                        | B::DuckIntegerDivide
                        | B::Modulo
                        | B::BitwiseAnd
                        | B::BitwiseOr
                        | B::BitwiseXor
                        | B::PGBitwiseShiftLeft
                        | B::PGBitwiseShiftRight
                );
                let compares = matches!(
                    op,
                    B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq | B::Spaceship
                );
                let num = |t: &ColType| t.as_ref().is_some_and(SqlType::is_numeric);
                if numeric_op || (compares && num(&rt)) {
                    if let Some(n) = hex_literal_number(left) {
                        (l, lt) = (Expr::Lit(Value::UInt(n)), bigint_unsigned());
                    }
                }
                if numeric_op || (compares && num(&lt)) {
                    if let Some(n) = hex_literal_number(right) {
                        (r, rt) = (Expr::Lit(Value::UInt(n)), bigint_unsigned());
                    }
                }
                // ENUM and SET count as their number in arithmetic, bit and logical
                // operators, and when compared with a number.
                let is_num = |t: &ColType| t.as_ref().is_some_and(SqlType::is_numeric);
                let ((l, lt), (r, rt)) = match op {
                    B::Arrow | B::LongArrow => ((l, lt), (r, rt)),
                    B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq | B::Spaceship => {
                        let (nl, nr) = (is_num(&rt), is_num(&lt));
                        (
                            if nl { members_number((l, lt)) } else { (l, lt) },
                            if nr { members_number((r, rt)) } else { (r, rt) },
                        )
                    }
                    _ => (members_number((l, lt)), members_number((r, rt))),
                };
                let coll = pick_collation(&lt, &rt, lit_coll);
                // A JSON expression compared with a non-JSON one compares as the SQL
                // value it holds (`j->'$.name' = 'bob'`).
                let is_json = |t: &ColType| *t == Some(SqlType::Json);
                let (cl, cr) = match (is_json(&lt), is_json(&rt)) {
                    (true, false) => (
                        Expr::Cast(Box::new(l.clone()), CastTo::JsonScalar),
                        r.clone(),
                    ),
                    (false, true) => (
                        l.clone(),
                        Expr::Cast(Box::new(r.clone()), CastTo::JsonScalar),
                    ),
                    _ => (l.clone(), r.clone()),
                };
                let cmp = |op| {
                    (
                        Expr::Cmp(op, Box::new(cl.clone()), Box::new(cr.clone()), coll),
                        bool_type(),
                    )
                };
                let ar = |op| {
                    (
                        Expr::Arith(op, Box::new(l.clone()), Box::new(r.clone())),
                        arith_type(op, &lt, &rt),
                    )
                };
                let bit = |op| {
                    (
                        Expr::Bit(op, Box::new(l.clone()), Box::new(r.clone())),
                        Some(SqlType::Int {
                            kind: IntKind::Big,
                            unsigned: true,
                            width: None,
                        }),
                    )
                };
                match op {
                    B::Eq => cmp(CmpOp::Eq),
                    B::NotEq => cmp(CmpOp::Ne),
                    B::Lt => cmp(CmpOp::Lt),
                    B::LtEq => cmp(CmpOp::Le),
                    B::Gt => cmp(CmpOp::Gt),
                    B::GtEq => cmp(CmpOp::Ge),
                    B::Spaceship => cmp(CmpOp::NullEq),
                    B::Plus => ar(ArithOp::Add),
                    B::Minus => ar(ArithOp::Sub),
                    B::Multiply => ar(ArithOp::Mul),
                    B::Divide => ar(ArithOp::Div),
                    B::MyIntegerDivide | B::DuckIntegerDivide => ar(ArithOp::IntDiv),
                    B::Modulo => ar(ArithOp::Mod),
                    B::And => (Expr::And(Box::new(l), Box::new(r)), bool_type()),
                    B::Or => (Expr::Or(Box::new(l), Box::new(r)), bool_type()),
                    B::Xor => (Expr::Xor(Box::new(l), Box::new(r)), bool_type()),
                    B::BitwiseAnd => bit(BitOp::And),
                    B::BitwiseOr => bit(BitOp::Or),
                    B::BitwiseXor => bit(BitOp::Xor),
                    B::PGBitwiseShiftLeft => bit(BitOp::Shl),
                    B::PGBitwiseShiftRight => bit(BitOp::Shr),
                    B::StringConcat => (Expr::Or(Box::new(l), Box::new(r)), bool_type()),
                    B::Arrow => json_call(Func::JsonExtract, vec![l, r], vec![lt, rt])?,
                    B::LongArrow => {
                        let (x, t) = json_call(Func::JsonExtract, vec![l, r], vec![lt, rt])?;
                        json_call(Func::JsonUnquote, vec![x], vec![t])?
                    }
                    other => return Err(Self::err_unsupported(other)),
                }
            }
            A::MemberOf(m) => {
                let (v, vt) = self.bind(&m.value)?;
                let (a, at) = self.bind(&m.array)?;
                json_call(Func::MemberOf, vec![v, a], vec![vt, at])?
            }
            A::IsNull(e) => (Expr::IsNull(Box::new(self.bind(e)?.0), false), bool_type()),
            A::IsNotNull(e) => (Expr::IsNull(Box::new(self.bind(e)?.0), true), bool_type()),
            A::IsTrue(e) => (
                Expr::IsBool(Box::new(self.bind(e)?.0), true, false),
                bool_type(),
            ),
            A::IsNotTrue(e) => (
                Expr::IsBool(Box::new(self.bind(e)?.0), true, true),
                bool_type(),
            ),
            A::IsFalse(e) => (
                Expr::IsBool(Box::new(self.bind(e)?.0), false, false),
                bool_type(),
            ),
            A::IsNotFalse(e) => (
                Expr::IsBool(Box::new(self.bind(e)?.0), false, true),
                bool_type(),
            ),
            A::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let (x, t) = self.bind(expr)?;
                let (lo, lt) = self.bind(low)?;
                let (hi, _) = self.bind(high)?;
                let coll = pick_collation(&t, &lt, lit_coll);
                (
                    Expr::Between(Box::new(x), Box::new(lo), Box::new(hi), *negated, coll),
                    bool_type(),
                )
            }
            A::InList {
                expr,
                list,
                negated,
            } => {
                let (x, t) = self.bind(expr)?;
                let mut items = Vec::with_capacity(list.len());
                for i in list {
                    items.push(self.bind(i)?.0);
                }
                let coll = pick_collation(&t, &None, lit_coll);
                (
                    Expr::InList(Box::new(x), items, *negated, coll),
                    bool_type(),
                )
            }
            A::InSubquery {
                expr,
                subquery,
                negated,
            } => {
                let (x, t) = self.bind(expr)?;
                let coll = pick_collation(&t, &None, lit_coll);
                let (op, all) = match negated {
                    false => (CmpOp::Eq, false),
                    true => (CmpOp::Ne, true),
                };
                let rows = match self.env.subquery(subquery) {
                    Err(e) if e.code == 1054 => {
                        let spec = CorrSpec {
                            query: (**subquery).clone(),
                            outer: self.scope.clone(),
                            kind: CorrKind::Quantified {
                                lhs: x,
                                op,
                                all,
                                collation: coll,
                            },
                        };
                        return match self.env.correlated(spec)? {
                            Some((k, _)) => Ok((Expr::Corr(k), bool_type())),
                            None => Err(e),
                        };
                    }
                    other => other?.0,
                };
                if rows.is_empty() {
                    // Over no rows IN is false and NOT IN true, even for NULL.
                    return Ok((Expr::Lit(Value::Int(i64::from(*negated))), bool_type()));
                }
                let mut items = Vec::with_capacity(rows.len());
                for r in rows {
                    if r.len() != 1 {
                        return Err(SqlError::new(1241, "Operand should contain 1 column(s)"));
                    }
                    items.extend(r.into_iter().map(Expr::Lit));
                }
                let coll = pick_collation(&t, &None, lit_coll);
                (
                    Expr::InList(Box::new(x), items, *negated, coll),
                    bool_type(),
                )
            }
            A::AnyOp {
                left,
                compare_op,
                right,
                ..
            } => return self.bind_quantified(left, compare_op, right, false),
            A::AllOp {
                left,
                compare_op,
                right,
            } => return self.bind_quantified(left, compare_op, right, true),
            A::Exists { subquery, negated } => {
                let rows = match self.env.subquery(subquery) {
                    Err(e) if e.code == 1054 => {
                        let spec = CorrSpec {
                            query: (**subquery).clone(),
                            outer: self.scope.clone(),
                            kind: CorrKind::Exists { negated: *negated },
                        };
                        return match self.env.correlated(spec)? {
                            Some((k, _)) => Ok((Expr::Corr(k), bool_type())),
                            None => Err(e),
                        };
                    }
                    other => other?.0,
                };
                (
                    Expr::Lit(Value::Int(i64::from(rows.is_empty() == *negated))),
                    bool_type(),
                )
            }
            A::Subquery(q) => {
                let (rows, ty) = match self.env.subquery(q) {
                    Err(e) if e.code == 1054 => {
                        let spec = CorrSpec {
                            query: (**q).clone(),
                            outer: self.scope.clone(),
                            kind: CorrKind::Scalar,
                        };
                        return match self.env.correlated(spec)? {
                            Some((k, t)) => Ok((Expr::Corr(k), t)),
                            None => Err(e),
                        };
                    }
                    other => other?,
                };
                if rows.len() > 1 {
                    return Err(SqlError::new(1242, "Subquery returns more than 1 row"));
                }
                let v = match rows.into_iter().next() {
                    None => Value::Null,
                    Some(r) if r.len() == 1 => r.into_iter().next().unwrap_or(Value::Null),
                    Some(_) => {
                        return Err(SqlError::new(1241, "Operand should contain 1 column(s)"))
                    }
                };
                let t = ty.or_else(|| literal_type(&v, lit_coll));
                (Expr::Lit(v), t)
            }
            A::Like {
                negated,
                expr,
                pattern,
                escape_char,
                any: _,
            } => {
                let ((x, t), (p, _)) = self.bin(expr, pattern)?;
                let esc = match escape_char.as_deref() {
                    Some(ast::Expr::Value(v)) => match &v.value {
                        ast::Value::SingleQuotedString(s) => s.chars().next(),
                        _ => None,
                    },
                    _ => None,
                };
                let coll = pick_collation(&t, &None, lit_coll);
                (
                    Expr::Like(Box::new(x), Box::new(p), esc, *negated, coll),
                    bool_type(),
                )
            }
            A::RLike {
                negated,
                expr,
                pattern,
                ..
            } => {
                // `x REGEXP p` is REGEXP_LIKE(x, p), case-sensitive as the collation is.
                let ((x, t), (p, pt)) = self.bin(expr, pattern)?;
                let coll = pick_collation(&t, &pt, lit_coll);
                let flags = if coll.is_ci() { "i" } else { "c" };
                let like = Expr::Func(
                    Func::RegexpLike,
                    vec![x, p, Expr::Lit(Value::Bytes(flags.into()))],
                );
                (
                    if *negated {
                        Expr::Not(Box::new(like))
                    } else {
                        like
                    },
                    bool_type(),
                )
            }
            A::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let op = match operand {
                    Some(o) => Some(Box::new(self.bind(o)?.0)),
                    None => None,
                };
                let mut whens = Vec::new();
                let mut ty: ColType = None;
                let mut results = Vec::new();
                for w in conditions {
                    let c = self.bind(&w.condition)?.0;
                    let (r, rt) = self.bind(&w.result)?;
                    if ty.is_none() {
                        ty = rt.clone();
                    }
                    results.push(rt);
                    whens.push((c, r));
                }
                let els = match else_result {
                    Some(e) => {
                        let (x, t) = self.bind(e)?;
                        if ty.is_none() {
                            ty = t.clone();
                        }
                        results.push(t);
                        Some(Box::new(x))
                    }
                    None => None,
                };
                let ty = recollate(ty, derived_collation(&results, lit_coll));
                numeric_result(Expr::Case(op, whens, els, lit_coll), ty, &results)
            }
            A::Cast {
                expr,
                data_type: ast::DataType::JSON,
                ..
            } => {
                let (x, t) = self.bind(expr)?;
                let from = match JsonFrom::value(&t) {
                    JsonFrom::Str => JsonFrom::Text {
                        func: "cast_as_json",
                        arg: 1,
                    },
                    other => other,
                };
                (
                    Expr::Cast(Box::new(x), CastTo::Json(from, false)),
                    Some(SqlType::Json),
                )
            }
            A::Cast {
                expr, data_type, ..
            } => {
                let to = data_type_cast(data_type, lit_coll)?;
                let (x, _) = self.numeric_if(expr, &to)?;
                let t = cast_type(&to);
                (Expr::Cast(Box::new(x), to), t)
            }
            A::Convert {
                expr,
                data_type: Some(dt),
                ..
            } => {
                let to = data_type_cast(dt, lit_coll)?;
                let (x, _) = self.numeric_if(expr, &to)?;
                let t = cast_type(&to);
                (Expr::Cast(Box::new(x), to), t)
            }
            A::Convert {
                expr,
                data_type: None,
                ..
            } => self.bind(expr)?,
            A::Collate { expr, collation } => {
                let (x, t) = self.bind(expr)?;
                (x, with_collation(t, &collation.to_string(), lit_coll)?)
            }
            A::Function(f) => self.bind_function(f)?,
            A::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let mut args = vec![self.bind(expr)?.0];
                if let Some(f) = substring_from {
                    args.push(self.bind(f)?.0);
                }
                if let Some(f) = substring_for {
                    args.push(self.bind(f)?.0);
                }
                let t = Some(SqlType::VarChar {
                    len: 65535,
                    collation: lit_coll,
                });
                (Expr::Func(Func::Substring, args), t)
            }
            A::Trim {
                expr,
                trim_where,
                trim_what,
                ..
            } => {
                let x = self.bind(expr)?.0;
                let what = match trim_what {
                    Some(w) => self.bind(w)?.0,
                    None => Expr::Lit(Value::Bytes(b" ".to_vec())),
                };
                let mode = match trim_where {
                    Some(ast::TrimWhereField::Leading) => 1,
                    Some(ast::TrimWhereField::Trailing) => 2,
                    _ => 0,
                };
                let t = Some(SqlType::VarChar {
                    len: 65535,
                    collation: lit_coll,
                });
                (
                    Expr::Func(Func::Trim, vec![x, what, Expr::Lit(Value::Int(mode))]),
                    t,
                )
            }
            A::Ceil { expr, .. } => {
                let (x, t) = self.bind(expr)?;
                (Expr::Func(Func::Ceil, vec![x]), t)
            }
            A::Floor { expr, .. } => {
                let (x, t) = self.bind(expr)?;
                (Expr::Func(Func::Floor, vec![x]), t)
            }
            A::Position { expr, r#in } => {
                let ((x, _), (y, _)) = self.bin(expr, r#in)?;
                (Expr::Func(Func::Locate, vec![x, y]), Some(int_type()))
            }
            A::Extract { field, expr, .. } => {
                let (x, _) = self.bind(expr)?;
                let unit = field.to_string().to_ascii_uppercase();
                (
                    Expr::Func(
                        Func::Extract,
                        vec![Expr::Lit(Value::Bytes(unit.into_bytes())), x],
                    ),
                    Some(int_type()),
                )
            }
            A::Interval(_) => return Err(Self::err_unsupported("INTERVAL outside DATE_ADD")),
            A::Tuple(_) => return Err(SqlError::new(1241, "Operand should contain 1 column(s)")),
            A::TypedString(ts) => {
                let s = match &ts.value.value {
                    ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                        s.clone()
                    }
                    other => other.to_string(),
                };
                let to = data_type_cast(&ts.data_type, lit_coll)?;
                let t = cast_type(&to);
                let v = cast(
                    Value::Bytes(s.into_bytes()),
                    &to,
                    &EvalCx::new(0, super::vars::TimeZone::System),
                )?;
                (Expr::Lit(v), t)
            }
            A::Prefixed { prefix, value } => {
                // `_binary'…'`, `_utf8mb4'…'`: the string takes the introducer's character
                // set (CHARSET(), comparisons, REGEXP's case rule). Other character sets
                // would need their bytes transcoded and keep the connection's.
                let (e, t) = self.bind(value)?;
                let charset = prefix.value.trim_start_matches('_').to_ascii_lowercase();
                match (&e, Collation::default_for_charset(&charset)) {
                    (Expr::Lit(v @ Value::Bytes(_)), Some(c)) if c.is_utf8() || c.is_binary() => {
                        let t = literal_type(v, c);
                        (e, t)
                    }
                    _ => (e, t),
                }
            }
            other => return Err(Self::err_unsupported(other)),
        })
    }

    /// NAME_CONST(name, value): the value, which must be a literal (a signed number, a
    /// string with or without introducer), as the name must (1210 otherwise). The select
    /// list names its column after `name` ([`name_const_name`]).
    /// `MATCH (cols) AGAINST (value [mode])`: the columns of one table, which must have
    /// a FULLTEXT index on exactly them.
    fn bind_match(
        &mut self,
        columns: &[ast::ObjectName],
        value: &ast::Value,
        modifier: Option<ast::SearchModifier>,
    ) -> SqlResult<(Expr, ColType)> {
        use super::fulltext::Mode;
        let mut cols = Vec::new();
        let mut names = Vec::new();
        let mut table: Option<(String, String, String)> = None;
        for c in columns {
            let parts: Vec<String> = c.0.iter().filter_map(|p| p.as_ident().map(ident)).collect();
            let i = self.scope.resolve(&parts, self.clause)?;
            let sc = &self.scope.cols[i];
            sc.readable()?;
            let here = (sc.db.clone(), sc.org_table.clone(), sc.table.clone());
            match &table {
                None => table = Some(here),
                Some(t) if *t == here => {}
                Some(_) => return Err(SqlError::new(1210, "Incorrect arguments to MATCH")),
            }
            names.push(sc.name.clone());
            cols.push(Expr::Col(i));
        }
        let Some((db, org, _)) = table else {
            return Err(super::fulltext::no_index());
        };
        let v = literal(value, self.env)?;
        let text = match v.to_text() {
            Some(b) => String::from_utf8_lossy(&b).into_owned(),
            None => String::new(),
        };
        let mode = match modifier {
            Some(ast::SearchModifier::InBooleanMode) => Mode::Boolean,
            Some(
                ast::SearchModifier::WithQueryExpansion
                | ast::SearchModifier::InNaturalLanguageModeWithQueryExpansion,
            ) => {
                return Err(SqlError::new(
                    1235,
                    "This version of Borealis doesn't yet support 'WITH QUERY EXPANSION'",
                ))
            }
            _ => Mode::Natural,
        };
        let q = self.env.fulltext(&db, &org, &names, &text, mode)?;
        Ok((Expr::Match(q, cols), Some(SqlType::Double)))
    }

    fn bind_name_const(&mut self, args: &[ast::Expr]) -> SqlResult<(Expr, ColType)> {
        if args.len() != 2 {
            return Err(SqlError::new(
                1582,
                "Incorrect parameter count in the call to native function 'NAME_CONST'",
            ));
        }
        let literal = |e: &ast::Expr| match e {
            ast::Expr::Value(_) => true,
            ast::Expr::UnaryOp {
                op: ast::UnaryOperator::Minus | ast::UnaryOperator::Plus,
                expr,
            } => matches!(
                &**expr,
                ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..))
            ),
            ast::Expr::Prefixed { value, .. } => matches!(&**value, ast::Expr::Value(_)),
            _ => false,
        };
        if !literal(&args[0]) || !literal(&args[1]) {
            return Err(SqlError::new(1210, "Incorrect arguments to NAME_CONST"));
        }
        self.bind(&args[1])
    }

    /// CHARSET(x), COLLATION(x) and COERCIBILITY(x), which MySQL answers from the type
    /// of `x` rather than its value.
    fn type_function(&self, name: &str, bound: &[Expr], types: &[ColType]) -> Option<Value> {
        if !matches!(name, "CHARSET" | "COLLATION" | "COERCIBILITY") || bound.len() != 1 {
            return None;
        }
        let coll = match &types[0] {
            Some(t) if t.is_string() => t.collation(),
            _ => Collation::Binary,
        };
        let text = |s: &str| Value::Bytes(s.as_bytes().to_vec());
        Some(match name {
            "CHARSET" => text(coll.charset()),
            "COLLATION" => text(coll.name()),
            _ => Value::Int(match (&bound[0], &types[0]) {
                (Expr::Lit(Value::Null), _) => 6,
                (_, Some(t)) if !t.is_string() => 5,
                (Expr::Col(_), _) => 2,
                _ => 4,
            }),
        })
    }

    /// The result type of built-in `func` on `args` (see [`functions::bind_type`]).
    fn function_type(&self, func: Func, args: &[Expr], types: &[ColType]) -> ColType {
        let coll = derived_collation(types, self.env.literal_collation());
        self.constant_type(func, args, types)
            .unwrap_or_else(|| func.result_type(types, coll))
    }

    fn constant_type(&self, func: Func, args: &[Expr], types: &[ColType]) -> Option<ColType> {
        let lits: Vec<Option<&Value>> = args
            .iter()
            .map(|e| match e {
                Expr::Lit(v) => Some(v),
                _ => None,
            })
            .collect();
        functions::bind_type(func, &lits, types)
    }

    /// An aggregate's argument (none for `COUNT(*)`), bound outside the aggregate list
    /// (aggregates do not nest). GROUP_CONCAT's several arguments become one CONCAT (NULL
    /// when any is, so the row is skipped, as MySQL does) and its clauses a
    /// [`ConcatSpec`]; `ORDER BY n` there names the n-th argument.
    fn bind_aggregate_args(
        &mut self,
        func: AggFunc,
        args: &[ast::Expr],
        star: bool,
        clauses: &[ast::FunctionArgumentClause],
    ) -> SqlResult<(Option<(Expr, ColType)>, Option<ConcatSpec>)> {
        if star || args.is_empty() {
            return Ok((None, None));
        }
        let mut bound = Vec::with_capacity(args.len());
        for a in args {
            bound.push(self.bind(a)?);
        }
        if func != AggFunc::GroupConcat {
            return Ok((bound.pop(), None));
        }
        let lit_coll = self.env.literal_collation();
        let mut spec = ConcatSpec {
            order: Vec::new(),
            separator: b",".to_vec(),
            max_len: match self.env.system_var("group_concat_max_len", None)? {
                Value::Int(i) => i.max(4) as u64,
                Value::UInt(u) => u,
                _ => 1024,
            },
        };
        for c in clauses {
            match c {
                ast::FunctionArgumentClause::Separator(v) => {
                    spec.separator = match &v.value {
                        ast::Value::SingleQuotedString(t) | ast::Value::DoubleQuotedString(t) => {
                            t.clone().into_bytes()
                        }
                        other => {
                            return Err(SqlError::new(
                                1064,
                                format!("You have an error in your SQL syntax near '{other}'"),
                            ))
                        }
                    }
                }
                ast::FunctionArgumentClause::OrderBy(keys) => {
                    for k in keys {
                        let desc = k.options.sort == Some(ast::OrderBySort::Desc);
                        let (e, ty) = match &k.expr {
                            ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                                let n: usize = v.value.to_string().parse().unwrap_or(0);
                                match bound.get(n.wrapping_sub(1)) {
                                    Some(b) => b.clone(),
                                    None => {
                                        return Err(SqlError::new(
                                            1054,
                                            format!("Unknown column '{n}' in 'order clause'"),
                                        ))
                                    }
                                }
                            }
                            other => self.bind(other)?,
                        };
                        spec.order
                            .push((e, desc, pick_collation(&ty, &None, lit_coll)));
                    }
                }
                other => {
                    return Err(SqlError::new(
                        1064,
                        format!("You have an error in your SQL syntax near '{other}'"),
                    ))
                }
            }
        }
        let arg = if bound.len() == 1 {
            bound.pop()
        } else {
            let ty = bound
                .iter()
                .find_map(|(_, t)| t.clone().filter(|t| t.is_string()));
            let (exprs, _): (Vec<Expr>, Vec<ColType>) = bound.into_iter().unzip();
            Some((Expr::Func(Func::Concat, exprs), ty))
        };
        Ok((arg, Some(spec)))
    }

    fn bind_function(&mut self, f: &ast::Function) -> SqlResult<(Expr, ColType)> {
        let name = f.name.to_string().to_ascii_uppercase();
        let name = name.trim_matches('`').to_string();
        let mut clauses: &[ast::FunctionArgumentClause] = &[];
        let (args, distinct, star) = match &f.args {
            ast::FunctionArguments::None => (Vec::new(), false, false),
            ast::FunctionArguments::Subquery(_) => {
                return Err(Self::err_unsupported("subquery as a function argument"))
            }
            ast::FunctionArguments::List(l) => {
                let distinct = matches!(
                    l.duplicate_treatment,
                    Some(ast::DuplicateTreatment::Distinct)
                );
                let mut star = false;
                let mut args = Vec::new();
                clauses = &l.clauses;
                for a in &l.args {
                    match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                            args.push(e.clone())
                        }
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => star = true,
                        ast::FunctionArg::Named {
                            arg: ast::FunctionArgExpr::Expr(e),
                            ..
                        } => args.push(e.clone()),
                        other => return Err(Self::err_unsupported(other)),
                    }
                }
                (args, distinct, star)
            }
        };
        // `!x`, which `front::rewrite_bang` writes as the call `` `!`(x) ``: logical NOT.
        if name == "!" && args.len() == 1 && !distinct && !star {
            return self.bind(&ast::Expr::UnaryOp {
                op: ast::UnaryOperator::BangNot,
                expr: Box::new(args[0].clone()),
            });
        }
        // Aggregates.
        let agg = match name.as_str() {
            "COUNT" => Some(AggFunc::Count),
            "SUM" => Some(AggFunc::Sum),
            "AVG" => Some(AggFunc::Avg),
            "MIN" => Some(AggFunc::Min),
            "MAX" => Some(AggFunc::Max),
            "BIT_AND" => Some(AggFunc::BitAnd),
            "BIT_OR" => Some(AggFunc::BitOr),
            "BIT_XOR" => Some(AggFunc::BitXor),
            "GROUP_CONCAT" => Some(AggFunc::GroupConcat),
            "STD" | "STDDEV" | "STDDEV_POP" => Some(AggFunc::StdPop),
            "STDDEV_SAMP" => Some(AggFunc::StdSamp),
            "VARIANCE" | "VAR_POP" => Some(AggFunc::VarPop),
            "VAR_SAMP" => Some(AggFunc::VarSamp),
            _ => None,
        };
        if f.over.is_some() {
            return super::window::bind_call(self, f, &name, agg, &args, distinct, star);
        }
        if name == "GROUPING" {
            return super::window::bind_grouping(self, &args);
        }
        if let Some(func) = agg {
            if self.aggs.is_none() {
                return Err(SqlError::new(1111, "Invalid use of group function"));
            }
            if func != AggFunc::GroupConcat && (!clauses.is_empty() || args.len() > 1) {
                return Err(SqlError::new(
                    1064,
                    format!("You have an error in your SQL syntax near '{f}'"),
                ));
            }
            let saved = self.aggs.take();
            let bound = self.bind_aggregate_args(func, &args, star, clauses);
            self.aggs = saved;
            let (arg, concat) = bound?;
            let lit_coll = self.env.literal_collation();
            let (arg_expr, arg_ty) = match arg {
                Some((e, t)) => (Some(e), t),
                None => (None, None),
            };
            let collation = pick_collation(&arg_ty, &None, lit_coll);
            let ty = aggregate_type(func, &arg_ty, collation);
            let aggs = self
                .aggs
                .as_mut()
                .ok_or_else(|| SqlError::new(1111, "Invalid use of group function"))?;
            aggs.push(AggSpec {
                func,
                arg: arg_expr,
                distinct,
                ty: ty.clone(),
                collation,
                concat,
                over: None,
                grouping: Vec::new(),
            });
            return Ok((Expr::Col(self.agg_base + aggs.len() - 1), ty));
        }
        if name == "NAME_CONST" {
            return self.bind_name_const(&args);
        }
        let mut bound = Vec::with_capacity(args.len());
        let mut types = Vec::with_capacity(args.len());
        // DATE_ADD(d, INTERVAL n unit) and friends carry an INTERVAL argument.
        for a in &args {
            if let ast::Expr::Interval(iv) = a {
                let (v, vt) = self.bind(&iv.value)?;
                bound.push(v);
                bound.push(Expr::Lit(Value::Bytes(interval_unit(iv).into_bytes())));
                types.push(vt);
                types.push(None);
                continue;
            }
            // TIMESTAMPDIFF(MINUTE, …), TIMESTAMPADD(DAY, …), GET_FORMAT(DATE, …): the
            // first argument is a keyword.
            if bound.is_empty()
                && matches!(
                    name.as_str(),
                    "TIMESTAMPDIFF" | "TIMESTAMPADD" | "GET_FORMAT"
                )
            {
                let word = match a {
                    ast::Expr::Identifier(id) if id.quote_style.is_none() => {
                        Some(id.value.to_ascii_uppercase())
                    }
                    _ => None,
                };
                let ok = word.as_deref().is_some_and(|w| {
                    if name == "GET_FORMAT" {
                        matches!(w, "DATE" | "TIME" | "DATETIME" | "TIMESTAMP")
                    } else {
                        let w = w.strip_prefix("SQL_TSI_").unwrap_or(w);
                        matches!(
                            w,
                            "MICROSECOND"
                                | "SECOND"
                                | "MINUTE"
                                | "HOUR"
                                | "DAY"
                                | "WEEK"
                                | "MONTH"
                                | "QUARTER"
                                | "YEAR"
                        )
                    }
                });
                let Some(w) = word.filter(|_| ok) else {
                    return Err(SqlError::new(
                        1064,
                        format!(
                            "You have an error in your SQL syntax; check the manual that \
                             corresponds to your MySQL server version for the right syntax \
                             to use near '{a})' at line 1"
                        ),
                    ));
                };
                bound.push(Expr::Lit(Value::Bytes(w.into_bytes())));
                types.push(None);
                continue;
            }
            // CHAR(N, …) takes numbers: a hex literal there is one (`CHAR(0xC3A9)`).
            if name == "CHAR" {
                if let Some(n) = hex_literal_number(a) {
                    bound.push(Expr::Lit(Value::UInt(n)));
                    types.push(bigint_unsigned());
                    continue;
                }
            }
            let (e, t) = self.bind(a)?;
            bound.push(e);
            types.push(t);
        }
        // CHARSET(), COLLATION(), COERCIBILITY() answer from the argument's type.
        if let Some(v) = self.type_function(&name, &bound, &types) {
            let t = literal_type(&v, Collation::Utf8mb3GeneralCi);
            return Ok((Expr::Lit(v), t));
        }
        // Session functions are evaluated once, now.
        if bound.iter().all(|e| matches!(e, Expr::Lit(_))) {
            let vals: Vec<Value> = bound
                .iter()
                .map(|e| {
                    if let Expr::Lit(v) = e {
                        v.clone()
                    } else {
                        Value::Null
                    }
                })
                .collect();
            if let Some(r) = self.env.session_fn(&name, &vals) {
                let v = r?;
                // A session function's NULL (DATABASE() without one) is a NULL string.
                let typed = match &v {
                    Value::Null => Value::Bytes(Vec::new()),
                    v => v.clone(),
                };
                let t = literal_type(&typed, self.env.literal_collation());
                return Ok((Expr::Lit(v), t));
            }
        }
        // `db.f(…)` is always a stored function; an unqualified name is a built-in first.
        let parts: Vec<String> = f
            .name
            .0
            .iter()
            .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
            .collect();
        let builtin = if parts.len() == 1 {
            Func::from_name(&name)
        } else {
            None
        };
        let Some(func) = builtin else {
            let (db, fname) = match parts.as_slice() {
                [d, n] => (Some(d.as_str()), n.clone()),
                [n] => (None, n.clone()),
                _ => (None, name.clone()),
            };
            let args = bound.into_iter().zip(types).collect();
            if let Some(r) = self.env.stored_function(db, &fname, args) {
                return r;
            }
            let shown = match db {
                Some(d) => format!("{d}.{fname}"),
                None => fname,
            };
            return Err(SqlError::new(
                1305,
                format!("FUNCTION {shown} does not exist"),
            ));
        };
        func.check_arity(bound.len())?;
        if functions::json::is_json(func) {
            functions::json::prepare(func, &mut bound, &types)?;
        }
        // CHAR(… USING cs): an unknown character set is refused before any row (1115).
        if func == Func::CharUsing {
            if let Some(Expr::Lit(cs)) = bound.last() {
                functions::check_charset(cs)?;
            }
        }
        // The REGEXP functions match case-sensitively under a case-sensitive collation
        // unless their match type says otherwise: the default arguments before the match
        // type are filled in and `c` goes first in it.
        if let Some(at) = func.regexp_match_type_at() {
            let coll = pick_collation(
                types.first().unwrap_or(&None),
                types.get(1).unwrap_or(&None),
                self.env.literal_collation(),
            );
            if !coll.is_ci() && bound.len() <= at {
                let defaults: &[i64] = match func {
                    Func::RegexpInstr => &[1, 1, 0],
                    Func::RegexpSubstr => &[1, 1],
                    Func::RegexpReplace => &[1, 0],
                    _ => &[],
                };
                let first_default = at - defaults.len();
                while bound.len() < at {
                    let d = defaults[bound.len() - first_default];
                    bound.push(Expr::Lit(Value::Int(d)));
                    types.push(None);
                }
                bound.push(Expr::Lit(Value::Bytes(b"c".to_vec())));
                types.push(None);
            }
        }
        let coll = derived_collation(&types, self.env.literal_collation());
        let mut ty = func.result_type(&types, coll);
        // ROUND/TRUNCATE(x, d) with a constant d have scale d (MySQL).
        if matches!(func, Func::Round | Func::Truncate) {
            if let (Some(SqlType::Decimal { precision, .. }), Some(Expr::Lit(Value::Int(d)))) =
                (&ty, bound.get(1))
            {
                ty = Some(SqlType::Decimal {
                    precision: *precision,
                    scale: (*d).clamp(0, 30) as u8,
                });
            } else if let (Some(SqlType::Decimal { precision, .. }), None) = (&ty, bound.get(1)) {
                ty = Some(SqlType::Decimal {
                    precision: *precision,
                    scale: 0,
                });
            }
        }
        // NOW(3), STR_TO_DATE's format, a literal's fraction digits: constant arguments
        // decide some result types (so the client sees the fraction, as in MySQL).
        if let Some(t) = self.constant_type(func, &bound, &types) {
            ty = t;
        }
        if matches!(
            func,
            Func::IfNull | Func::Coalesce | Func::Greatest | Func::Least | Func::NullIf | Func::If
        ) {
            // One of the arguments is the result: it has their derived collation.
            ty = recollate(ty, coll);
        }
        let results: &[ColType] = match func {
            Func::IfNull | Func::Coalesce | Func::Greatest | Func::Least => &types,
            Func::If => types.get(1..).unwrap_or(&[]),
            _ => &[],
        };
        Ok(numeric_result(Expr::Func(func, bound), ty, results))
    }
}

/// The result type of aggregate `func` over an argument of type `arg_ty`.
pub(crate) fn aggregate_type(func: AggFunc, arg_ty: &ColType, collation: Collation) -> ColType {
    match func {
        AggFunc::Count => Some(int_type()),
        AggFunc::Sum | AggFunc::Avg => match arg_ty {
            Some(SqlType::Double | SqlType::Float) => Some(SqlType::Double),
            Some(t) if t.is_string() => Some(SqlType::Double),
            Some(SqlType::Decimal { scale, .. }) => Some(SqlType::Decimal {
                precision: 65,
                scale: if func == AggFunc::Avg {
                    (*scale + 4).min(30)
                } else {
                    *scale
                },
            }),
            _ => Some(SqlType::Decimal {
                precision: 65,
                scale: if func == AggFunc::Avg { 4 } else { 0 },
            }),
        },
        AggFunc::Min | AggFunc::Max => arg_ty.clone(),
        AggFunc::BitAnd | AggFunc::BitOr | AggFunc::BitXor => Some(SqlType::Int {
            kind: IntKind::Big,
            unsigned: true,
            width: None,
        }),
        AggFunc::GroupConcat => Some(SqlType::Text {
            kind: crate::value::LobKind::Normal,
            collation,
        }),
        AggFunc::StdPop | AggFunc::StdSamp | AggFunc::VarPop | AggFunc::VarSamp => {
            Some(SqlType::Double)
        }
        AggFunc::Grouping => Some(int_type()),
        AggFunc::Window => None,
    }
}

/// The unit of an INTERVAL as DATE_ADD takes it: `DAY`, or `DAY_HOUR` for the compound
/// units (which the parser front-end hands over as `DAY TO HOUR`).
fn interval_unit(iv: &ast::Interval) -> String {
    let lead = iv
        .leading_field
        .as_ref()
        .map(|f| f.to_string().to_ascii_uppercase())
        .unwrap_or_else(|| "SECOND".into());
    match &iv.last_field {
        Some(last) => format!("{lead}_{}", last.to_string().to_ascii_uppercase()),
        None => lead,
    }
}

/// The type MySQL gives a function that returns one of several numeric values
/// (COALESCE, IFNULL, GREATEST, LEAST, IF, CASE): DOUBLE if one is floating point, else
/// DECIMAL with the largest integer part and scale if one is DECIMAL (integers count
/// their digits), else `None` (integers only, or not all numeric: the types stay as
/// they are).
pub(crate) fn aggregate_numeric(types: &[ColType]) -> Option<SqlType> {
    let (mut float, mut decimal, mut int_digits, mut scale) = (false, false, 0u8, 0u8);
    for t in types.iter().flatten() {
        match t {
            SqlType::Float | SqlType::Double => float = true,
            SqlType::Decimal {
                precision,
                scale: s,
            } => {
                decimal = true;
                int_digits = int_digits.max(precision.saturating_sub(*s));
                scale = scale.max(*s);
            }
            SqlType::Int { kind, unsigned, .. } => {
                // The display width counts the sign of signed types.
                let digits = kind.default_width(*unsigned) - u8::from(!*unsigned);
                int_digits = int_digits.max(digits);
            }
            _ => return None,
        }
    }
    if float {
        Some(SqlType::Double)
    } else if decimal {
        let scale = scale.min(30);
        Some(SqlType::Decimal {
            precision: (int_digits.saturating_add(scale)).clamp(1, 65),
            scale,
        })
    } else {
        None
    }
}

/// `e` (of type `ty`), converted to the aggregate type of `results` when they mix numeric
/// types: `COALESCE(NULL_decimal_2, 300)` is `300.00`, `IF(c, 1, 2.5)` with c true `1.0`.
fn numeric_result(e: Expr, ty: ColType, results: &[ColType]) -> (Expr, ColType) {
    let Some(agg) = aggregate_numeric(results) else {
        return (e, ty);
    };
    let same = |t: &SqlType| match (t, &agg) {
        (SqlType::Double, SqlType::Double) => true,
        (SqlType::Decimal { scale: a, .. }, SqlType::Decimal { scale: b, .. }) => a == b,
        _ => false,
    };
    if results.iter().flatten().all(same) {
        return (e, ty);
    }
    let to = match agg {
        SqlType::Decimal { precision, scale } => CastTo::Decimal(precision, scale),
        _ => CastTo::Double,
    };
    (Expr::Cast(Box::new(e), to), Some(agg))
}

/// The column name NAME_CONST(name, value) gives a select list item: the name literal's
/// text. `None` for any other expression.
pub fn name_const_name(e: &ast::Expr) -> Option<String> {
    let ast::Expr::Function(f) = e else {
        return None;
    };
    if !f.name.to_string().eq_ignore_ascii_case("NAME_CONST") {
        return None;
    }
    let ast::FunctionArguments::List(l) = &f.args else {
        return None;
    };
    match l.args.first()? {
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Value(v))) => {
            Some(match &v.value {
                ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
                other => other.to_string(),
            })
        }
        _ => None,
    }
}
