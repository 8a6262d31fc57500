//! Borealis engine (docs are written as the storage layer lands).

pub mod error;
pub mod sql;
pub mod storage;
pub mod value;

pub use error::{Error, Result};
