//! Mathematical functions beyond the first ones in `mod.rs`: PI, EXP, the logarithms,
//! the trigonometric functions, DEGREES, RADIANS and BIT_COUNT. All compute in DOUBLE,
//! as MySQL's do.

use super::{text, Func};
use crate::sql::error::{SqlError, SqlResult};
use crate::sql::expr::{ColType, EvalCx};
use crate::value::{IntKind, SqlType, Value, Warning};

/// The result type of a function of this family; `None` for other functions.
pub(super) fn result_type(f: Func) -> Option<ColType> {
    use Func::*;
    Some(match f {
        BitCount => Some(SqlType::Int {
            kind: IntKind::Big,
            unsigned: false,
            width: None,
        }),
        Pi | Exp | Ln | Log | Log2 | Log10 | Sin | Cos | Tan | Asin | Acos | Atan | Atan2 | Cot
        | Degrees | Radians => Some(SqlType::Double),
        _ => return None,
    })
}

fn out_of_range(f: Func) -> SqlError {
    SqlError::new(
        1690,
        format!(
            "DOUBLE value is out of range in '{}'",
            f.name().to_ascii_lowercase()
        ),
    )
}

/// MySQL 8.0's answer to a logarithm of a number <= 0: NULL with warning 3020.
fn bad_log(cx: &EvalCx) -> Value {
    cx.warn(Warning::warn(3020, "Invalid argument for logarithm"));
    Value::Null
}

fn double(f: Func, x: f64) -> SqlResult<Value> {
    if x.is_finite() {
        Ok(Value::Double(x))
    } else if x.is_nan() {
        Ok(Value::Null)
    } else {
        Err(out_of_range(f))
    }
}

/// Evaluates a function of this family; `None` for other functions.
pub(super) fn call(f: Func, a: &[Value], cx: &EvalCx) -> Option<SqlResult<Value>> {
    use Func::*;
    let null = Value::Null;
    let num = |i: usize| a.get(i).unwrap_or(&null).to_f64();
    if !matches!(f, Pi | BitCount) && result_type(f).is_some() && a.iter().any(Value::is_null) {
        return Some(Ok(Value::Null));
    }
    let x = num(0).unwrap_or(0.0);
    Some(match f {
        Pi => Ok(Value::Double(std::f64::consts::PI)),
        Exp => double(f, x.exp()),
        Ln | Log2 | Log10 if x <= 0.0 => Ok(bad_log(cx)),
        Ln => double(f, x.ln()),
        Log2 => double(f, x.log2()),
        Log10 => double(f, x.log10()),
        Log if a.len() == 1 => {
            if x <= 0.0 {
                Ok(bad_log(cx))
            } else {
                double(f, x.ln())
            }
        }
        Log => {
            let y = num(1).unwrap_or(0.0);
            if x <= 0.0 || x == 1.0 || y <= 0.0 {
                Ok(bad_log(cx))
            } else {
                double(f, y.ln() / x.ln())
            }
        }
        Sin => double(f, x.sin()),
        Cos => double(f, x.cos()),
        Tan => double(f, x.tan()),
        Asin | Acos if !(-1.0..=1.0).contains(&x) => Ok(Value::Null),
        Asin => double(f, x.asin()),
        Acos => double(f, x.acos()),
        Atan if a.len() == 2 => double(f, x.atan2(num(1).unwrap_or(0.0))),
        Atan => double(f, x.atan()),
        Atan2 => double(f, x.atan2(num(1).unwrap_or(0.0))),
        Cot => {
            let t = x.tan();
            if t == 0.0 {
                Err(out_of_range(f))
            } else {
                double(f, 1.0 / t)
            }
        }
        Degrees => double(f, x.to_degrees()),
        Radians => double(f, x.to_radians()),
        BitCount => Ok(match &a[0] {
            Value::Null => Value::Null,
            Value::Int(i) => Value::Int(i64::from(i.count_ones())),
            Value::UInt(u) => Value::Int(i64::from(u.count_ones())),
            Value::Bytes(_) => {
                // A number written as a string counts that number's bits.
                let t = text(&a[0]).unwrap_or_default();
                match String::from_utf8_lossy(&t).trim().parse::<i64>() {
                    Ok(i) => Value::Int(i64::from(i.count_ones())),
                    Err(_) => Value::Int(i64::from(
                        (a[0].to_f64().unwrap_or(0.0).round() as i64).count_ones(),
                    )),
                }
            }
            v => Value::Int(i64::from(
                (v.to_f64().unwrap_or(0.0).round() as i64).count_ones(),
            )),
        }),
        _ => return None,
    })
}
