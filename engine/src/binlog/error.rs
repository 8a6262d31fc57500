//! The binlog module's error type, convertible into the engine's [`crate::Error`].

use std::fmt;

/// Result alias of the binlog module.
pub type Result<T, E = BinlogError> = std::result::Result<T, E>;

/// What can go wrong writing or reading binary logs.
#[derive(Debug)]
pub enum BinlogError {
    /// An operating-system I/O error, with what the module was doing.
    Io {
        context: String,
        source: std::io::Error,
    },
    /// Bytes that are not a valid event (torn, corrupted, or not a binlog at all).
    Corrupt {
        file: String,
        pos: u64,
        detail: String,
    },
    /// A value that does not fit its column, a bad option or position.
    InvalidArgument { detail: String },
    /// A binlog file that is not in the index (MySQL: "Could not find target log").
    NotFound { name: String },
    /// The log was poisoned by a failed write.
    Closed { detail: String },
    /// The log was closed by a clean shutdown: a commit still on its way is refused
    /// before anything of it is written (MySQL 1053).
    ShutDown,
}

impl BinlogError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        BinlogError::Io {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn corrupt(file: &str, pos: u64, detail: impl Into<String>) -> Self {
        BinlogError::Corrupt {
            file: file.to_string(),
            pos,
            detail: detail.into(),
        }
    }

    pub(crate) fn invalid(detail: impl Into<String>) -> Self {
        BinlogError::InvalidArgument {
            detail: detail.into(),
        }
    }

    /// Fills in where a corruption was found (the event decoders do not know).
    pub(crate) fn at(self, file: &str, pos: u64) -> Self {
        match self {
            BinlogError::Corrupt { detail, .. } => BinlogError::Corrupt {
                file: file.to_string(),
                pos,
                detail,
            },
            e => e,
        }
    }

    /// True when the error is about the caller's input, not the files.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            BinlogError::InvalidArgument { .. } | BinlogError::NotFound { .. }
        )
    }

    /// True for damaged file contents.
    pub fn is_corruption(&self) -> bool {
        matches!(self, BinlogError::Corrupt { .. })
    }
}

impl fmt::Display for BinlogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BinlogError::Io { context, source } => {
                write!(f, "binlog I/O error while {context}: {source}")
            }
            BinlogError::Corrupt { file, pos, detail } => {
                write!(
                    f,
                    "corrupt binlog event in {file} at position {pos}: {detail}"
                )
            }
            BinlogError::InvalidArgument { detail } => write!(f, "{detail}"),
            BinlogError::NotFound { name } => {
                write!(f, "Could not find target log '{name}' in the binlog index")
            }
            BinlogError::Closed { detail } => write!(f, "binlog closed: {detail}"),
            BinlogError::ShutDown => write!(f, "binlog closed: the server is shutting down"),
        }
    }
}

impl std::error::Error for BinlogError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BinlogError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<BinlogError> for crate::Error {
    fn from(e: BinlogError) -> Self {
        match e {
            BinlogError::Io { context, source }
                if matches!(
                    source.raw_os_error(),
                    Some(libc::ENOSPC) | Some(libc::EDQUOT)
                ) =>
            {
                crate::Error::DiskFull {
                    path: format!("binlog: {context}").into(),
                    source,
                }
            }
            BinlogError::Io { context, source } => crate::Error::Io {
                context: format!("binlog: {context}"),
                source,
            },
            BinlogError::Corrupt { file, pos, detail } => crate::Error::Corrupt {
                file: file.into(),
                page: 0,
                offset: pos,
                detail,
            },
            BinlogError::InvalidArgument { detail } => crate::Error::InvalidArgument { detail },
            BinlogError::NotFound { name } => crate::Error::NotFound {
                what: format!("binary log '{name}'"),
            },
            BinlogError::Closed { detail } => crate::Error::Poisoned {
                detail: format!("binlog: {detail}"),
            },
            BinlogError::ShutDown => crate::Error::ShuttingDown,
        }
    }
}
