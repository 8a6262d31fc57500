//! Miscellaneous functions: the user-level locks (GET_LOCK and friends, whose registry
//! is `sql::userlocks`) and ANY_VALUE.

use super::{text, Func};
use crate::sql::error::{SqlError, SqlResult};
use crate::sql::expr::{ColType, EvalCx};
use crate::sql::userlocks::Got;
use crate::value::{IntKind, SqlType, Value};

/// The result type of a function of this family; `None` for other functions.
pub(super) fn result_type(f: Func, args: &[ColType]) -> Option<ColType> {
    use Func::*;
    Some(match f {
        GetLock | ReleaseLock | IsFreeLock => Some(SqlType::Int {
            kind: IntKind::Big,
            unsigned: false,
            width: None,
        }),
        ReleaseAllLocks | IsUsedLock => Some(SqlType::Int {
            kind: IntKind::Big,
            unsigned: true,
            width: None,
        }),
        AnyValue => args.first().cloned().flatten(),
        _ => return None,
    })
}

/// Evaluates a function of this family; `None` for other functions.
pub(super) fn call(f: Func, a: &[Value], cx: &EvalCx) -> Option<SqlResult<Value>> {
    use Func::*;
    result_type(f, &[])?;
    if f == AnyValue {
        return Some(Ok(a.first().cloned().unwrap_or(Value::Null)));
    }
    let Some(locks) = cx.user_locks.as_ref() else {
        return Some(Err(SqlError::new(
            1235,
            "This version of Borealis doesn't yet support user-level locks here",
        )));
    };
    let name = a.first().and_then(text);
    let bad_name = || SqlError::new(3057, "Incorrect user-level lock name 'NULL'.");
    Some((|| {
        Ok(match f {
            GetLock => {
                let name = name.ok_or_else(bad_name)?;
                // A NULL timeout waits no time, as MySQL's (0).
                let timeout = a.get(1).and_then(Value::to_f64).unwrap_or(0.0);
                match locks.get(cx.conn_id, &name, timeout, &cx.interrupt)? {
                    Got::Taken => Value::Int(1),
                    Got::TimedOut => Value::Int(0),
                }
            }
            ReleaseLock => {
                let name = name.ok_or_else(bad_name)?;
                match locks.release(cx.conn_id, &name)? {
                    Some(true) => Value::Int(1),
                    Some(false) => Value::Int(0),
                    None => Value::Null,
                }
            }
            ReleaseAllLocks => Value::UInt(locks.release_all(cx.conn_id)),
            IsFreeLock => {
                let name = name.ok_or_else(bad_name)?;
                Value::Int(i64::from(locks.holder(&name)?.is_none()))
            }
            IsUsedLock => {
                let name = name.ok_or_else(bad_name)?;
                locks
                    .holder(&name)?
                    .map_or(Value::Null, |c| Value::UInt(u64::from(c)))
            }
            _ => Value::Null,
        })
    })())
}
