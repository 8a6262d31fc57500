//! Aurora MySQL's replication procedures (`CALL mysql.rds_*`), over the statements:
//! `rds_set_external_source` / `rds_set_external_master` (CHANGE REPLICATION SOURCE TO),
//! `rds_start_replication`, `rds_stop_replication`, `rds_reset_external_source` /
//! `rds_reset_external_master` (STOP + RESET REPLICA ALL) and `rds_skip_repl_error`
//! (skip the group the applier stopped on, then start again). The caller checks SUPER.

use std::sync::Arc;

use super::{Replica, Threads};
use crate::sql::session::Instance;
use crate::sql::{SqlError, SqlResult};
use crate::value::Value;

const SET_SOURCE: &[&str] = &[
    "mysql.rds_set_external_source",
    "mysql.rds_set_external_master",
];
const RESET_SOURCE: &[&str] = &[
    "mysql.rds_reset_external_source",
    "mysql.rds_reset_external_master",
];

/// Whether `name` (lower-case, `mysql.` qualified) is one of these procedures.
pub fn is_replication_procedure(name: &str) -> bool {
    SET_SOURCE.contains(&name)
        || RESET_SOURCE.contains(&name)
        || matches!(
            name,
            "mysql.rds_start_replication"
                | "mysql.rds_stop_replication"
                | "mysql.rds_skip_repl_error"
        )
}

fn arity(name: &str, args: &[Value], n: usize) -> SqlResult<()> {
    if args.len() != n {
        return Err(SqlError::new(
            1318,
            format!(
                "Incorrect number of arguments for PROCEDURE {name}; expected {n}, got {}",
                args.len()
            ),
        ));
    }
    Ok(())
}

/// Runs procedure `name`; `Some((column, message))` is the one-row result it shows.
pub fn call(
    inst: &Arc<Instance>,
    name: &str,
    args: &[Value],
) -> SqlResult<Option<(&'static str, String)>> {
    if SET_SOURCE.contains(&name) {
        arity(name, args, 7)?;
        let keys = [
            "SOURCE_HOST",
            "SOURCE_PORT",
            "SOURCE_USER",
            "SOURCE_PASSWORD",
            "SOURCE_LOG_FILE",
            "SOURCE_LOG_POS",
        ];
        let mut opts: Vec<(String, Value)> = keys
            .iter()
            .zip(args)
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let ssl = match &args[6] {
            Value::Null => 0,
            v => v.to_f64().unwrap_or(0.0) as i64,
        };
        if ssl != 0 {
            return Err(SqlError::new(
                1235,
                "This version of Borealis doesn't yet support ssl_encryption=1 (replication over TLS)",
            ));
        }
        opts.push(("SOURCE_SSL".into(), Value::Int(0)));
        Replica::change_source(inst, &opts)?;
        return Ok(None);
    }
    if RESET_SOURCE.contains(&name) {
        arity(name, args, 0)?;
        Replica::stop(inst, Threads::BOTH)?;
        Replica::reset(inst, true)?;
        return Ok(None);
    }
    arity(name, args, 0)?;
    match name {
        "mysql.rds_start_replication" => {
            Replica::start(inst, Threads::BOTH)?;
            Ok(Some(("Message", "Slave running normally.".into())))
        }
        "mysql.rds_stop_replication" => {
            Replica::stop(inst, Threads::BOTH)?;
            Ok(Some(("Message", "Replica is down or disabled".into())))
        }
        _ => {
            // rds_skip_repl_error
            if Replica::sql_error(inst)?.is_none() {
                return Ok(Some((
                    "Message",
                    "Replica is running normally. No errors to skip.".into(),
                )));
            }
            Replica::stop(
                inst,
                Threads {
                    io: false,
                    sql: true,
                },
            )?;
            Replica::set_skip_counter(inst, 1)?;
            Replica::start(inst, Threads::BOTH)?;
            Ok(Some((
                "Message",
                "Statement in error has been skipped".into(),
            )))
        }
    }
}
