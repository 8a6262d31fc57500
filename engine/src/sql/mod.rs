//! The SQL layer: parse, plan and execute MySQL statements over the storage layer.

pub mod checksum;
pub mod front;
pub mod vars;
