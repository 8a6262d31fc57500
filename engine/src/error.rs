//! The engine's error type: one small enum with classifiers.
//!
//! The protocol crate maps every variant to a MySQL error code in one exhaustive
//! `match`, so adding a variant fails to compile until it is mapped.

use std::fmt;
use std::path::PathBuf;

/// Result alias used across the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong inside the engine.
#[derive(Debug)]
pub enum Error {
    /// An operating-system I/O error, with what the engine was doing.
    Io {
        context: String,
        source: std::io::Error,
    },
    /// A page or log record failed its checksum or structural checks.
    Corrupt {
        file: PathBuf,
        page: u64,
        offset: u64,
        detail: String,
    },
    /// Recovery found a damaged log record with durable records after it: cutting the
    /// log there would drop acknowledged commits, so the volume does not open unless
    /// asked to cut ([`crate::storage::VolumeOptions::truncate_log_at_corruption`]).
    CorruptLog {
        file: PathBuf,
        offset: u64,
        detail: String,
    },
    /// Two transactions wrote the same key; the later one must retry (MySQL 1213).
    WriteConflict { detail: String },
    /// The data directory is already open in another process.
    VolumeLocked { path: PathBuf },
    /// A named object (cluster, snapshot point) does not exist.
    NotFound { what: String },
    /// A named object already exists.
    AlreadyExists { what: String },
    /// The caller asked for something impossible (bad time, bad option).
    InvalidArgument { detail: String },
    /// A durability failure (fsync error) left the volume unusable until restart.
    Poisoned { detail: String },
    /// A write found the disk (or the quota) full; nothing of the failed operation is
    /// durable, and the same operation may succeed once space is freed (MySQL 1021).
    DiskFull {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The server is shutting down: the write was refused before anything of it was
    /// written (MySQL 1053).
    ShuttingDown,
    /// A row lock was not granted within the transaction's lock timeout (MySQL 1205).
    LockWaitTimeout,
    /// A NOWAIT locking read found a row locked by another transaction (MySQL 3572).
    LockNowait,
    /// The caller's abort check ended a wait (KILL; MySQL 1317).
    Interrupted,
    /// A transaction's log record would exceed what the log can hold (MySQL 1197).
    TransactionTooLarge { bytes: usize, limit: usize },
}

impl Error {
    /// Builds an [`Error::Io`] with a description of the operation.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// True when retrying the whole transaction may succeed (write conflicts).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::WriteConflict { .. })
    }

    /// True when the error describes the caller's input rather than the engine's state.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            Error::NotFound { .. } | Error::AlreadyExists { .. } | Error::InvalidArgument { .. }
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { context, source } => write!(f, "I/O error while {context}: {source}"),
            Error::Corrupt {
                file,
                page,
                offset,
                detail,
            } => write!(
                f,
                "corrupt data in {} page {page} at offset {offset}: {detail}",
                file.display()
            ),
            Error::CorruptLog {
                file,
                offset,
                detail,
            } => write!(
                f,
                "corrupt write-ahead log: {} at offset {offset}: {detail}",
                file.display()
            ),
            Error::WriteConflict { detail } => write!(f, "write conflict: {detail}"),
            Error::LockWaitTimeout => write!(f, "lock wait timeout exceeded"),
            Error::LockNowait => write!(f, "a row is locked and NOWAIT is set"),
            Error::Interrupted => write!(f, "interrupted"),
            Error::TransactionTooLarge { bytes, limit } => write!(
                f,
                "the transaction's changes take about {bytes} bytes of log, more than the \
                 {limit} one transaction may use; split it into smaller transactions"
            ),
            Error::VolumeLocked { path } => write!(
                f,
                "the volume at {} is in use by another process (lock file held)",
                path.display()
            ),
            Error::NotFound { what } => write!(f, "{what} not found"),
            Error::AlreadyExists { what } => write!(f, "{what} already exists"),
            Error::InvalidArgument { detail } => write!(f, "{detail}"),
            Error::Poisoned { detail } => write!(f, "volume unusable until restart: {detail}"),
            Error::DiskFull { path, source } => {
                write!(f, "disk full writing {}: {source}", path.display())
            }
            Error::ShuttingDown => write!(f, "server shutdown in progress"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::DiskFull { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Builds an [`Error::InvalidArgument`] from a format string.
#[macro_export]
macro_rules! invalid {
    ($($arg:tt)*) => { $crate::error::Error::InvalidArgument { detail: format!($($arg)*) } };
}

/// The text of an OS error without Rust's " (os error N)" suffix (MySQL prints the number
/// apart, as `errno: N "text"`).
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
