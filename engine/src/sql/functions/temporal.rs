//! Date and time functions beyond the first ones in `mod.rs`, and time zones.

use super::Func;
use crate::sql::error::SqlResult;
use crate::sql::expr::{ColType, EvalCx};
use crate::value::{SqlType, Value};

/// The result type of a function of this family; `None` for other functions.
pub(super) fn result_type(f: Func, _args: &[ColType]) -> Option<ColType> {
    match f {
        Func::UtcDate => Some(Some(SqlType::Date)),
        _ => None,
    }
}

/// Evaluates a function of this family; `None` for other functions.
pub(super) fn call(f: Func, _a: &[Value], cx: &EvalCx) -> Option<SqlResult<Value>> {
    Some(Ok(match f {
        Func::UtcDate => {
            let now = crate::value::temporal::DateTime::from_unix_micros(cx.now_us)?;
            Value::Date(now.date)
        }
        _ => return None,
    }))
}
