//! Borealis engine (docs are written as the storage layer lands).

pub mod storage;
pub mod value;
