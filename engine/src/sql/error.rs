//! SQL errors: a MySQL error code and message. The protocol layer adds the
//! SQLSTATE from the code.

use std::fmt;

use crate::value::ValueError;

/// A statement failure as the client sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlError {
    pub code: u16,
    pub message: String,
}

impl SqlError {
    pub fn new(code: u16, message: impl Into<String>) -> Self {
        SqlError {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ERROR {}: {}", self.code, self.message)
    }
}

impl std::error::Error for SqlError {}

impl From<ValueError> for SqlError {
    fn from(e: ValueError) -> Self {
        SqlError {
            code: e.code,
            message: e.message,
        }
    }
}

/// The one place storage errors become MySQL errors.
impl From<crate::Error> for SqlError {
    fn from(e: crate::Error) -> Self {
        use crate::Error as E;
        match &e {
            E::WriteConflict { .. } => SqlError::new(
                1213,
                "Deadlock found when trying to get lock; try restarting transaction",
            ),
            E::LockWaitTimeout => SqlError::new(
                1205,
                "Lock wait timeout exceeded; try restarting transaction",
            ),
            E::LockNowait => SqlError::new(
                3572,
                "Statement aborted because lock(s) could not be acquired immediately and NOWAIT is set.",
            ),
            E::Interrupted => SqlError::new(1317, "Query execution was interrupted"),
            E::ShuttingDown => SqlError::new(1053, "Server shutdown in progress"),
            E::TransactionTooLarge { .. } => SqlError::new(
                1197,
                format!(
                    "Multi-statement transaction required more than 'max_binlog_cache_size' \
                     bytes of storage: {e}"
                ),
            ),
            E::DiskFull { path, source } => {
                tracing::error!(error = %e, "disk full");
                // MariaDB's ER_DISK_FULL names the file and the errno; Borealis does not
                // wait for space: the statement fails and may be retried.
                SqlError::new(
                    1021,
                    format!(
                        "Disk full ({}); free some space and retry: the statement was not \
                         committed (errno: {} \"{}\")",
                        path.display(),
                        source.raw_os_error().unwrap_or(0),
                        crate::error::strerror(source)
                    ),
                )
            }
            E::Io { .. } | E::Corrupt { .. } | E::CorruptLog { .. } | E::Poisoned { .. } => {
                tracing::error!(error = %e, "storage error");
                SqlError::new(1030, format!("Got error from storage engine: {e}"))
            }
            E::VolumeLocked { .. }
            | E::NotFound { .. }
            | E::AlreadyExists { .. }
            | E::InvalidArgument { .. } => SqlError::new(1105, e.to_string()),
        }
    }
}

/// `Err(SqlError)` from a code and a format string.
#[macro_export]
macro_rules! sql_err {
    ($code:expr, $($arg:tt)*) => { Err($crate::sql::error::SqlError::new($code, format!($($arg)*))) };
}

pub type SqlResult<T> = Result<T, SqlError>;
