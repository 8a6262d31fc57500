//! The MySQL wire protocol for Borealis: everything socket-level lives here; the SQL engine is
//! reached only through the [`SessionFactory`] / [`Session`] traits.
//!
//! # Life of a query
//!
//! 1. **Accept.** [`Listener`] accepts a TCP connection, assigns a connection id and spawns
//!    [`serve_connection`] on a thread of its own with a current-thread runtime.
//! 2. **Handshake.** The server sends HandshakeV10: version `8.0.36-borealis`, a fresh 20-byte
//!    salt, collation 45 (utf8mb4_general_ci), and capabilities *without*
//!    CLIENT_DEPRECATE_EOF, SSL, compression or session tracking (`handshake.rs`). The client
//!    answers with HandshakeResponse41; a client that computed its response for another plugin
//!    (caching_sha2_password...) gets an AuthSwitchRequest to mysql_native_password.
//! 3. **Auth.** [`SessionFactory::authenticate`] runs on the connection's thread with user, scramble,
//!    salt and initial database; it verifies the scramble ([`AuthRequest::verify_native_password`])
//!    and returns a [`Session`] or an error such as 1045 "Access denied for user 'x'@'host'
//!    (using password: YES)", which is sent before the connection closes.
//! 4. **Command loop.** The *front* (`conn.rs`) reads each client packet (joining 16 MiB
//!    continuations, up to `max_allowed_packet`). Commands opensrv-mysql handles well
//!    (COM_QUERY, COM_INIT_DB, COM_STMT_PREPARE/EXECUTE/CLOSE) are forwarded to it; the front
//!    answers the others itself (see below). One command is in flight at a time.
//! 5. **Session.** opensrv calls the shim, which runs the [`Session`] method inline: the
//!    engine is synchronous and may block, and the only reactor it can block is this
//!    connection's own (`server.rs` says why there is no shared pool).
//! 6. **Result encoding.** An [`Outcome`] becomes an OK packet, or a result set: column count,
//!    column definitions, EOF, rows (text protocol for COM_QUERY, binary protocol for
//!    COM_STMT_EXECUTE, `encode.rs`), EOF. Rows are pulled from the [`RowStream`] iterator on
//!    the session in ~256 KiB batches, so a million-row SELECT is never materialised.
//!    Errors become ERR packets and the connection stays usable; only socket failures end it.
//!
//! # Why a packet-level front before opensrv-mysql
//!
//! opensrv-mysql 0.7 parses only a handful of commands and answers OK to everything else
//! (COM_RESET_CONNECTION, COM_CHANGE_USER, COM_STMT_RESET, COM_STATISTICS, COM_BINLOG_DUMP,
//! COM_REGISTER_SLAVE, COM_SET_OPTION...) without telling the shim; it answers COM_FIELD_LIST
//! with a bare EOF; it drops the connection on an unknown statement id, on SEND_LONG_DATA for
//! an unknown id and on a query that is not UTF-8; its parameter parser panics on malformed
//! COM_STMT_EXECUTE packets or when no types were ever bound; its login failure is error 1698
//! with a non-MySQL message; and its column definitions carry no schema, original names,
//! charset, length or decimals. So:
//!
//! * the front owns the connection phase (greeting, auth, AuthSwitch) and then lets opensrv
//!   replay a handshake against a stand-in response, with its output discarded;
//! * the front answers COM_PING, COM_RESET_CONNECTION, COM_CHANGE_USER, COM_STATISTICS,
//!   COM_FIELD_LIST, COM_STMT_RESET, COM_STMT_SEND_LONG_DATA, COM_STMT_FETCH, COM_SET_OPTION,
//!   COM_REGISTER_SLAVE, COM_BINLOG_DUMP (the [`Session::binlog_dump`] hook returns an async
//!   channel of raw events) and unknown commands (1047);
//! * it guards COM_STMT_EXECUTE: unknown id → 1243, malformed → 1210, and decodes the
//!   parameters itself (`params.rs`, types remembered from the first execute as sysbench
//!   relies on) before forwarding;
//! * a COM_QUERY that is not UTF-8 only inside string literals (raw BLOB bytes in a mysqldump
//!   file) has those literals rewritten as hex literals of the same bytes (`literals.rs`)
//!   before it goes on; one with other invalid bytes gets 1300;
//! * every reply, including those to commands opensrv dispatches, is encoded by this crate and
//!   written on the shared write half with the sequence id the front recorded. opensrv's
//!   remaining job is dispatch and its statement-id table.
//!
//! The one reply opensrv still writes itself is `SELECT @@max_allowed_packet` (exact text),
//! answered with 67108864, the default [`ServerConfig::max_allowed_packet`].
//!
//! Cancellation rule: when the client disconnects mid-statement the connection future is
//! dropped; a blocking engine call already running finishes on its own thread and the
//! session is dropped (rolling back) afterwards, off the reactor.

pub mod auth;
pub mod codes;
mod conn;
pub mod encode;
pub mod handshake;
mod hangup;
mod literals;
pub mod packet;
pub mod params;
mod server;
pub mod session;

pub use conn::serve_connection;
pub use hangup::Hangup;
pub use server::Listener;
pub use session::{
    AuthRequest, BinlogDumpRequest, BinlogEvents, Closer, Column, ColumnFlags, ColumnType, Outcome,
    Prepared, RegisterReplica, RowStream, Session, SessionFactory, SessionStatus, SqlError,
    Statistics, WireValue,
};

/// Listener settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Version string in the greeting (`SELECT VERSION()` is the engine's business).
    pub server_version: String,
    /// Largest client packet accepted, in bytes (1 KiB..=1 GiB like MySQL); larger ones get
    /// error 1153 and the connection is closed.
    pub max_allowed_packet: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            server_version: "8.0.36-borealis".to_string(),
            max_allowed_packet: 64 << 20,
        }
    }
}

impl ServerConfig {
    fn normalized(mut self) -> Self {
        self.max_allowed_packet = self.max_allowed_packet.clamp(1024, 1 << 30);
        self
    }
}
