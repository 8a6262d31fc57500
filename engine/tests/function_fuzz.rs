//! No argument a client can write may panic or abort the server inside a SQL function or
//! operator. Found by trying as an attacker would: `SUBSTRING('abc', 2, 9223372036854775807)`
//! overflowed and dropped the connection, `LPAD('x', 2000000000, 'y')` aborted the whole
//! process on a failed allocation, `REPEAT('x', 2000000000)` gave NULL without MySQL's
//! warning 1301. Every built-in function ([`Func::ALL`]) and operator is called with extreme
//! arguments (i64/u64 bounds, huge lengths, ±0, tiny and huge doubles and decimals, empty and
//! multi-byte strings, odd dates, NULL); a panic is a failure, an allocation failure aborts
//! the test binary. `BOREALIS_FUZZ_ITERS` sets the number of random calls (the suite runs a
//! bounded number; `scripts/fuzz.sh` runs millions) and `BOREALIS_FUZZ_SEED` the seed.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use borealis_engine::sql::functions::Func;
use borealis_engine::sql::session::{Output, Session};
use common::*;

const ARGS: &[&str] = &[
    "NULL",
    "0",
    "-0",
    "1",
    "-1",
    "2",
    "3",
    "7",
    "31",
    "64",
    "2000000000",
    "4000000000",
    "-2000000000",
    "2147483647",
    "-2147483648",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775806",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999999999999999999999999999999999999999999",
    "-99999999999999999999999999999999999.999999999999999999999999999999",
    "0.000000000000000000000000000001",
    "1.5",
    "-2.5",
    "0.0",
    "-0.0",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "4.9e-324",
    "-4.9e-324",
    "0e0",
    "SQRT(-1)",
    "''",
    "' '",
    "'a'",
    "'abc'",
    "'0'",
    "'-1'",
    "'1e500'",
    "'9223372036854775808'",
    "'é😀ü'",
    "'\\0\\0'",
    "'%'",
    "'%Y-%m-%d %H:%i:%s.%f %j %W %a %b %M %p %r %T %w %U %%'",
    "'%'",
    "'2024-02-29 23:59:59.999999'",
    "'0000-00-00 00:00:00'",
    "'0000-00-00'",
    "'9999-12-31 23:59:59.999999'",
    "'1000-01-01'",
    "'0001-01-01'",
    "'-838:59:59'",
    "'838:59:59.999999'",
    "'2024-13-45'",
    "'24:60:60'",
    "DATE '2024-01-01'",
    "TIMESTAMP '1970-01-01 00:00:01'",
    "TIME '-838:59:59'",
    "X'FF00'",
    "X''",
    "0xFFFFFFFFFFFFFFFF",
    "b'1'",
    "'DAY'",
    "'MICROSECOND'",
    "'YEAR'",
    "'HOUR'",
    "'Europe/Berlin'",
    "'+14:00'",
    "'1:30'",
    "'-1 2:3:4.999999'",
    "'99999999999999999999:1'",
    "CAST(1 AS DECIMAL(65,30))",
    "CAST(-1 AS UNSIGNED)",
    "REPEAT('ab', 100)",
    "NOW(6)",
    "@u",
    "@@max_allowed_packet",
];

const UNITS: &[&str] = &[
    "MICROSECOND",
    "SECOND",
    "MINUTE",
    "HOUR",
    "DAY",
    "WEEK",
    "MONTH",
    "QUARTER",
    "YEAR",
    "SECOND_MICROSECOND",
    "MINUTE_MICROSECOND",
    "MINUTE_SECOND",
    "HOUR_MICROSECOND",
    "HOUR_SECOND",
    "HOUR_MINUTE",
    "DAY_MICROSECOND",
    "DAY_SECOND",
    "DAY_MINUTE",
    "DAY_HOUR",
    "YEAR_MONTH",
];

const BINARY_OPS: &[&str] = &[
    "+", "-", "*", "/", "DIV", "%", "MOD", "<<", ">>", "&", "|", "^", "=", "<=>", "<", ">=", "!=",
    "AND", "OR", "XOR", "LIKE", "NOT LIKE", "REGEXP",
];

const CASTS: &[&str] = &[
    "SIGNED",
    "UNSIGNED",
    "DECIMAL(65,30)",
    "DECIMAL(10,2)",
    "DECIMAL",
    "CHAR",
    "CHAR(3)",
    "BINARY(2)",
    "DATE",
    "DATETIME(6)",
    "TIME",
    "DOUBLE",
    "FLOAT",
    "YEAR",
];

fn arg(rng: &mut Rng) -> String {
    let a = ARGS[rng.below(ARGS.len() as u64) as usize];
    match rng.below(12) {
        0 => format!("-{a}"),
        1 => format!("({a} + 1)"),
        _ => a.to_string(),
    }
}

/// One random expression: a function with random arguments, an operator, a CAST, an interval.
fn expression(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=5 => {
            let f = Func::ALL[rng.below(Func::ALL.len() as u64) as usize];
            let (lo, hi) = f.arity();
            let hi = hi.min(lo + 3);
            // Sometimes a wrong count: that is 1582, not a panic.
            let n = if rng.below(20) == 0 {
                rng.below(5) as usize
            } else {
                lo + rng.below((hi - lo + 1) as u64) as usize
            };
            let args: Vec<String> = (0..n).map(|_| arg(rng)).collect();
            if f == Func::Sleep {
                // A fuzzer must not wait: only arguments that return at once.
                let a = ["NULL", "0", "-1", "-1e308", "'x'"][rng.below(5) as usize];
                return format!("SLEEP({a})");
            }
            if f == Func::Benchmark && n == 2 {
                // BENCHMARK(huge, …) runs until KILL or max_execution_time, as MySQL's:
                // the fuzzer gives it small counts and fuzzes the expression.
                let c = ["NULL", "0", "-1", "3", "'x'"][rng.below(5) as usize];
                return format!("BENCHMARK({c}, {})", args[1]);
            }
            format!("{}({})", f.name(), args.join(", "))
        }
        6 => format!(
            "{} {} {}",
            arg(rng),
            BINARY_OPS[rng.below(BINARY_OPS.len() as u64) as usize],
            arg(rng)
        ),
        7 => format!(
            "CAST({} AS {})",
            arg(rng),
            CASTS[rng.below(CASTS.len() as u64) as usize]
        ),
        8 => format!(
            "{}({}, INTERVAL {} {})",
            ["DATE_ADD", "DATE_SUB"][rng.below(2) as usize],
            arg(rng),
            arg(rng),
            UNITS[rng.below(UNITS.len() as u64) as usize]
        ),
        9 if rng.below(2) == 0 => format!(
            "EXTRACT({} FROM {})",
            UNITS[rng.below(UNITS.len() as u64) as usize],
            arg(rng)
        ),
        // TIMESTAMPDIFF/TIMESTAMPADD take a unit keyword (the simple units) first.
        _ => format!(
            "{}({}, {}, {})",
            ["TIMESTAMPDIFF", "TIMESTAMPADD"][rng.below(2) as usize],
            UNITS[rng.below(9) as usize],
            arg(rng),
            arg(rng)
        ),
    }
}

/// Runs `q`: whether it succeeded, or the message of its panic.
fn run(s: &mut Session, q: &str) -> Result<bool, String> {
    match catch_unwind(AssertUnwindSafe(|| s.execute(q))) {
        Ok(r) => Ok(r.is_ok()),
        Err(p) => Err(p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()),
    }
}

#[test]
fn sql_functions_never_panic_on_extreme_arguments() {
    let (_dir, inst) = sql_instance("funcfuzz");
    let mut admin = inst.session("admin", "127.0.0.1", None).unwrap();
    // A small max_allowed_packet keeps the results that fit cheap to build; the 1301
    // path is what huge lengths take either way.
    admin
        .execute("SET GLOBAL max_allowed_packet = 1048576")
        .unwrap();
    let mut s = inst.session("admin", "127.0.0.1", None).unwrap();
    s.execute("SET @u = 'ü'").unwrap();

    let iters: u64 = std::env::var("BOREALIS_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30_000);
    let seed: u64 = std::env::var("BOREALIS_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_f00d);
    let mut rng = Rng(seed | 1);
    let mut panics = Vec::new();
    let mut errors = 0u64;

    // Every function once with every argument in each position first, then random mixes.
    let mut fixed = Vec::new();
    for a in ARGS {
        fixed.push(format!("BENCHMARK(2, {a})"));
    }
    for f in Func::ALL
        .iter()
        .filter(|f| !matches!(**f, Func::Sleep | Func::Benchmark))
    {
        let (lo, hi) = f.arity();
        let n = lo.max(1).min(hi);
        for a in ARGS {
            for pos in 0..n {
                // The other arguments numbers, strings, or a string then numbers (a string
                // of one character returns before the arithmetic a longer one reaches:
                // SUBSTRING('abcdef', 2, 9223372036854775807) overflowed).
                for fill in 0..3 {
                    let args: Vec<&str> = (0..n)
                        .map(|i| match (i == pos, fill, i) {
                            (true, _, _) => *a,
                            (_, 0, _) | (_, 2, 1..) => "2",
                            _ => "'abcdef'",
                        })
                        .collect();
                    fixed.push(format!("{}({})", f.name(), args.join(", ")));
                }
            }
        }
    }
    let total = fixed.len() as u64 + iters;
    for i in 0..total {
        let e = match fixed.get(i as usize) {
            Some(e) => e.clone(),
            None => expression(&mut rng),
        };
        let q = if rng.below(4) == 0 {
            format!("SELECT {e}, {}", expression(&mut rng))
        } else {
            format!("SELECT {e}")
        };
        match run(&mut s, &q) {
            Ok(true) => {}
            Ok(false) => errors += 1,
            Err(msg) => panics.push(format!("{q}  -->  {msg}")),
        }
    }
    eprintln!(
        "function fuzz: {total} calls ({} fixed, {iters} random, seed {seed}), {errors} \
         answered with an error, {} panics",
        fixed.len(),
        panics.len()
    );
    // The session still answers.
    match s.execute("SELECT 1") {
        Ok(Output::Rows(r)) => assert_eq!(r.rows.len(), 1),
        other => panic!("session broken: {:?}", other.err()),
    }
    assert!(
        panics.is_empty(),
        "{} of {total} calls panicked (seed {seed}):\n{}",
        panics.len(),
        panics.join("\n")
    );
}

/// The answers MySQL gives for the cases the hardening issue names.
#[test]
fn oversized_string_results_are_null_with_warning_1301() {
    let (_dir, inst) = sql_instance("func1301");
    let mut s = inst.session("admin", "127.0.0.1", None).unwrap();
    let one = |s: &mut Session, q: &str| -> String {
        match s.execute(q).unwrap() {
            Output::Rows(r) => format!("{:?}", r.rows[0][0]),
            _ => panic!("{q}: no rows"),
        }
    };
    for q in [
        "SELECT LPAD('x', 2000000000, 'y')",
        "SELECT RPAD('x', 4000000000, 'y')",
        "SELECT REPEAT('x', 2000000000)",
        "SELECT REPEAT('abc', 9223372036854775807)",
    ] {
        assert_eq!(one(&mut s, q), "Null", "{q}");
        let w = one(&mut s, "SHOW WARNINGS");
        let warns = match s.execute("SHOW WARNINGS").unwrap() {
            Output::Rows(r) => r.rows,
            _ => unreachable!(),
        };
        assert_eq!(warns.len(), 1, "{q}: {w}");
        assert!(format!("{:?}", warns[0]).contains("1301"), "{q}: {warns:?}");
    }
    assert_eq!(
        one(&mut s, "SELECT SUBSTRING('abc', 2, 9223372036854775807)"),
        "Bytes([98, 99])"
    );
}
