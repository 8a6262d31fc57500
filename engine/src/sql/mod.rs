//! The SQL layer: parse, plan and execute MySQL statements over the storage layer.

pub mod binlog;
pub mod catalog;
pub mod check;
pub mod checksum;
pub mod cte;
pub mod ddl;
pub mod dml;
pub mod error;
pub mod exec;
pub mod expr;
pub mod fk;
pub mod front;
pub mod functions;
pub mod generated;
pub mod hashagg;
pub mod infoschema;
pub mod interp;
pub mod join;
pub mod locks;
pub mod memory;
pub mod point;
pub mod privilege;
pub mod progddl;
pub mod program;
pub mod replica;
pub mod rewind;
pub mod session;
pub mod setops;
pub mod sha2auth;
pub mod spill;
pub mod stmtlog;
pub mod sysschema;
pub mod userlocks;
pub mod vars;
pub mod window;

pub use error::{SqlError, SqlResult};
