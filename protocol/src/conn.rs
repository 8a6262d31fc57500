//! One client connection: the connection phase, then the command loop.
//!
//! Invariant: exactly one command is in flight. The loop reads a client packet, runs it on the
//! session inline, writes the whole reply, and only then reads the next packet, so a reply can
//! never interleave with another (nor with the ERR packet a [`Hangup`] writes to an idle
//! connection). The socket is blocking and the thread serves nobody else: a command costs one
//! read and one write system call.

use std::io::{self, BufReader, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::codes;
use crate::encode;
use crate::handshake::{self, Login};
use crate::hangup::Hangup;
use crate::packet::{frame, read_packet, Cursor, Packet, ReadError};
use crate::params::{self, Registry, StatementState};
use crate::session::{
    AuthMethod, AuthRequest, BinlogDumpRequest, Column, Outcome, RegisterReplica, ResultSink,
    RowStream, Session, SessionFactory, SessionStatus, SqlError, WireValue,
};
use crate::tls::{TlsInfo, Transport};
use crate::ServerConfig;

const COM_QUIT: u8 = 0x01;
const COM_INIT_DB: u8 = 0x02;
const COM_QUERY: u8 = 0x03;
const COM_FIELD_LIST: u8 = 0x04;
const COM_STATISTICS: u8 = 0x09;
const COM_PING: u8 = 0x0e;
const COM_CHANGE_USER: u8 = 0x11;
const COM_BINLOG_DUMP: u8 = 0x12;
const COM_REGISTER_SLAVE: u8 = 0x15;
const COM_STMT_PREPARE: u8 = 0x16;
const COM_STMT_EXECUTE: u8 = 0x17;
const COM_STMT_SEND_LONG_DATA: u8 = 0x18;
const COM_STMT_CLOSE: u8 = 0x19;
const COM_STMT_RESET: u8 = 0x1a;
const COM_SET_OPTION: u8 = 0x1b;
const COM_STMT_FETCH: u8 = 0x1c;
const COM_BINLOG_DUMP_GTID: u8 = 0x1e;
const COM_RESET_CONNECTION: u8 = 0x1f;

/// Bytes of encoded rows gathered before they are written out.
const ROW_BATCH_BYTES: usize = 256 * 1024;

/// Replies being built for one command: framed packets and the next sequence id.
struct Reply {
    seq: u8,
    buf: Vec<u8>,
}

impl Reply {
    fn new(seq: u8) -> Self {
        Reply {
            seq,
            buf: Vec::new(),
        }
    }

    fn push(&mut self, payload: &[u8]) {
        frame(payload, &mut self.seq, &mut self.buf);
    }

    fn send(&mut self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

/// Work left while answering a statement.
enum Work {
    Next(Result<Outcome, SqlError>),
    Stream(Vec<Column>, RowStream),
    /// The rows were sent through a [`WireSink`]: the result set's end.
    End,
}

/// A [`ResultSink`] writing a result set to the client as the statement produces it:
/// each row is encoded at once and every ~256 KiB of them is written out.
struct WireSink<'a, W: Write> {
    reply: &'a mut Reply,
    out: &'a mut W,
    binary: bool,
    /// The session's status when the statement began (for the EOF after the columns).
    status: SessionStatus,
    columns: Option<Vec<Column>>,
    payload: Vec<u8>,
    /// The socket failed: the connection ends once the statement has stopped.
    failed: Option<io::Error>,
}

impl<W: Write> WireSink<'_, W> {
    fn write_error(&mut self, e: io::Error) -> SqlError {
        self.failed = Some(e);
        SqlError::new(
            codes::ER_NET_ERROR_ON_WRITE,
            "Got an error writing communication packets",
        )
    }
}

impl<W: Write> ResultSink for WireSink<'_, W> {
    fn columns(&mut self, columns: Vec<Column>) -> Result<(), SqlError> {
        if self.columns.is_some() {
            return Err(SqlError::new(
                codes::ER_UNKNOWN_ERROR,
                "A result set was started twice",
            ));
        }
        let mut head = Vec::new();
        crate::packet::put_lenenc_int(&mut head, columns.len() as u64);
        self.reply.push(&head);
        for c in &columns {
            self.reply.push(&encode::column_definition(c, false));
        }
        self.reply.push(&encode::eof_packet(
            encode::status_flags(&self.status, false),
            0,
        ));
        self.columns = Some(columns);
        Ok(())
    }

    fn row(&mut self, row: &[WireValue]) -> Result<(), SqlError> {
        if let Some(e) = &self.failed {
            return Err(SqlError::new(codes::ER_NET_ERROR_ON_WRITE, e.to_string()));
        }
        let Some(columns) = &self.columns else {
            return Err(SqlError::new(
                codes::ER_UNKNOWN_ERROR,
                "A row was sent before its result set's columns",
            ));
        };
        self.payload.clear();
        if self.binary {
            encode::binary_row(columns, row, &mut self.payload)?;
        } else {
            encode::text_row(columns, row, &mut self.payload)?;
        }
        self.reply.push(&self.payload);
        if self.reply.buf.len() >= ROW_BATCH_BYTES {
            if let Err(e) = self.reply.send(self.out) {
                return Err(self.write_error(e));
            }
        }
        Ok(())
    }
}

/// Advances `work`, encoding replies into `reply`; returns the remaining work when a batch of
/// rows is ready to be written.
fn drive(
    session: &mut dyn Session,
    reply: &mut Reply,
    mut work: Work,
    binary: bool,
) -> Option<Work> {
    loop {
        work = match work {
            Work::Next(Err(e)) => {
                reply.push(&encode::err_packet(&e));
                return None;
            }
            Work::Next(Ok(Outcome::Ok {
                affected_rows,
                last_insert_id,
                info,
            })) => {
                let (more, st) = finish_statement(session, binary);
                let flags = encode::status_flags(&st, more.is_some());
                reply.push(&encode::ok_packet(
                    affected_rows,
                    last_insert_id,
                    flags,
                    st.warnings,
                    &info,
                ));
                Work::Next(more?)
            }
            Work::Next(Ok(Outcome::Rows { columns, rows })) => {
                let st = session.status();
                let mut head = Vec::new();
                crate::packet::put_lenenc_int(&mut head, columns.len() as u64);
                reply.push(&head);
                for c in &columns {
                    reply.push(&encode::column_definition(c, false));
                }
                reply.push(&encode::eof_packet(encode::status_flags(&st, false), 0));
                Work::Stream(columns, rows)
            }
            Work::Stream(columns, mut rows) => {
                let mut payload = Vec::new();
                loop {
                    if reply.buf.len() >= ROW_BATCH_BYTES {
                        return Some(Work::Stream(columns, rows));
                    }
                    payload.clear();
                    let next = contain(|| rows.next().transpose()).transpose();
                    let encoded = match next {
                        None => break,
                        Some(Err(e)) => Err(e),
                        Some(Ok(row)) if binary => encode::binary_row(&columns, &row, &mut payload),
                        Some(Ok(row)) => encode::text_row(&columns, &row, &mut payload),
                    };
                    if let Err(e) = encoded {
                        reply.push(&encode::err_packet(&e));
                        return None;
                    }
                    reply.push(&payload);
                }
                drop(rows);
                Work::End
            }
            Work::Next(Ok(Outcome::Streamed)) => {
                // Only a sink's statement may answer this, and that one is not driven here.
                reply.push(&encode::err_packet(&SqlError::new(
                    codes::ER_UNKNOWN_ERROR,
                    "A streamed result without its rows",
                )));
                return None;
            }
            Work::End => {
                let (more, st) = finish_statement(session, binary);
                reply.push(&encode::eof_packet(
                    encode::status_flags(&st, more.is_some()),
                    st.warnings,
                ));
                Work::Next(more?)
            }
        };
    }
}

/// After a statement: the next result of a multi-statement query (text protocol only) and the
/// session status to report.
fn finish_statement(
    session: &mut dyn Session,
    binary: bool,
) -> (Option<Result<Outcome, SqlError>>, SessionStatus) {
    let more = if binary {
        None
    } else {
        contain(|| Ok(session.more_results())).unwrap_or_else(|e| Some(Err(e)))
    };
    (more, session.status())
}

/// How a listener let a connection in.
#[derive(Debug, Clone, Copy)]
pub struct Admission {
    /// The connection took the place kept beyond `max_connections`: only an account that
    /// may use it ([`Session::may_exceed_max_connections`]) stays; others get 1040.
    pub reserved_only: bool,
    /// `connect_timeout`: how long the handshake may take.
    pub connect_timeout: Duration,
}

impl Default for Admission {
    fn default() -> Self {
        Admission {
            reserved_only: false,
            connect_timeout: crate::Limits::default().connect_timeout,
        }
    }
}

/// Serves one client on `stream` (blocking) until it quits or the socket fails, under the
/// limits the listener admitted it with. Errors a client causes are answered with ERR packets;
/// `Err` means the socket failed.
pub fn serve_connection(
    stream: TcpStream,
    host: String,
    connection_id: u32,
    factory: Arc<dyn SessionFactory>,
    config: Arc<ServerConfig>,
    hangup: Option<Arc<Hangup>>,
    admission: Admission,
) -> io::Result<()> {
    // connect_timeout: a client that does not finish its handshake in time (half-open
    // sockets, a slow-loris peer) is dropped and its thread ends.
    stream.set_read_timeout(Some(admission.connect_timeout.max(Duration::from_secs(1))))?;
    stream.set_write_timeout(Some(admission.connect_timeout.max(Duration::from_secs(1))))?;
    let mut rd = BufReader::with_capacity(READ_BUFFER, Transport::Plain(stream));
    let salt = crate::auth::new_salt();

    // 1. Greeting.
    let mut reply = Reply::new(0);
    let status = encode::status_flags(
        &SessionStatus {
            autocommit: true,
            ..Default::default()
        },
        false,
    );
    reply.push(&handshake::greeting(
        &config.server_version,
        connection_id,
        &salt,
        45,
        status,
        config.tls.is_some(),
    ));
    reply.send(rd.get_mut())?;

    // 2. HandshakeResponse41, after an SSLRequest and the TLS handshake if the client asked
    // for TLS (+ AuthSwitch when the client used another plugin).
    let Some(mut pkt) = read_or_reply(&mut rd, 64 * 1024)? else {
        return Ok(());
    };
    let mut tls = None;
    if handshake::is_ssl_request(&pkt.payload) {
        let Some(tls_config) = config.tls.clone() else {
            let err = SqlError::new(
                codes::ER_HANDSHAKE_ERROR,
                "Bad handshake: SSL was requested but the server has no certificate",
            );
            return send_err_at(rd.get_mut(), pkt.next_seq, &err);
        };
        let early = rd.buffer().to_vec();
        let Transport::Plain(sock) = rd.into_inner() else {
            return Ok(());
        };
        let (transport, info) = match Transport::start_tls(sock, tls_config, &early) {
            Ok(t) => t,
            Err(e) => {
                tracing::debug!(id = connection_id, error = %e, "TLS handshake failed");
                return Ok(());
            }
        };
        if let Some(h) = &hangup {
            h.set_tls();
        }
        tls = Some(info);
        rd = BufReader::with_capacity(READ_BUFFER, transport);
        let Some(p) = read_or_reply(&mut rd, 64 * 1024)? else {
            return Ok(());
        };
        pkt = p;
    }
    let mut seq = pkt.next_seq;
    let mut login = match handshake::parse_handshake_response(&pkt.payload) {
        Ok(l) => l,
        Err(e) => {
            let err = SqlError::new(codes::ER_HANDSHAKE_ERROR, format!("Bad handshake: {e}"));
            return send_err_at(rd.get_mut(), seq, &err);
        }
    };
    let negotiated = login.capabilities & handshake::server_capabilities(tls.is_some());

    // 3. The account's plugin exchange, then authentication through the factory.
    let ctx = AuthContext {
        factory: factory.as_ref(),
        config: &config,
        host: &host,
        salt: &salt,
        connection_id,
        tls: tls.as_ref(),
    };
    let Some((request, next)) = ctx.exchange(&mut rd, &mut login, seq)? else {
        return Ok(());
    };
    seq = next;
    let authenticated = request.and_then(|r| contain(|| factory.authenticate(&r)));
    let mut session = match authenticated {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!(user = %login.user, code = e.code, "login refused");
            return send_err_at(rd.get_mut(), seq, &e);
        }
    };
    if admission.reserved_only && !session.may_exceed_max_connections() {
        let e = SqlError::new(codes::ER_CON_COUNT_ERROR, "Too many connections");
        return send_err_at(rd.get_mut(), seq, &e);
    }
    // The command phase: a reply waits for its client up to net_write_timeout, a command
    // up to wait_timeout (both set before each command, see Conn::run).
    let st = session.status();
    let mut r = Reply::new(seq);
    r.push(&encode::ok_packet(
        0,
        0,
        encode::status_flags(&st, false),
        0,
        "",
    ));
    r.send(rd.get_mut())?;

    if let Some(h) = &hangup {
        session.set_closer(h.closer());
    }
    Conn {
        rd,
        session,
        registry: Registry::default(),
        seq: 0,
        factory,
        config,
        connection_id,
        host,
        salt,
        tls,
        capabilities: negotiated,
        hangup,
        idle_timeout: None,
        write_timeout: None,
    }
    .run()
}

/// Runs engine work, turning a panic into error 1105 for that statement: the connection
/// and the server go on (the last line of defence; DESIGN.md, bad input). The panic
/// itself is logged by the panic hook.
fn contain<T>(work: impl FnOnce() -> Result<T, SqlError>) -> Result<T, SqlError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(r) => r,
        Err(p) => {
            let what = p
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| p.downcast_ref::<&str>().copied())
                .unwrap_or("panic");
            tracing::error!(panic = %what, "statement panicked; answered with 1105");
            Err(SqlError::new(
                codes::ER_UNKNOWN_ERROR,
                format!("Internal error while running the statement: {what}"),
            ))
        }
    }
}

fn auth_request(
    login: &Login,
    host: &str,
    salt: &[u8; 20],
    connection_id: u32,
    tls: Option<&TlsInfo>,
) -> AuthRequest {
    AuthRequest {
        user: login.user.clone(),
        host: host.to_string(),
        auth_response: login.auth_response.clone(),
        salt: *salt,
        database: login.database.clone(),
        connection_id,
        charset: login.charset,
        attributes: login.attributes.clone(),
        method: AuthMethod::NativeScramble,
        tls: tls.cloned(),
    }
}

/// What the authentication exchange of one login needs to know.
struct AuthContext<'a> {
    factory: &'a dyn SessionFactory,
    config: &'a ServerConfig,
    host: &'a str,
    salt: &'a [u8; 20],
    connection_id: u32,
    tls: Option<&'a TlsInfo>,
}

/// caching_sha2_password's AuthMoreData status bytes.
const SHA2_REQUEST_PUBLIC_KEY: u8 = 0x02;
const SHA2_FAST_AUTH_SUCCESS: u8 = 0x03;
const SHA2_PERFORM_FULL_AUTHENTICATION: u8 = 0x04;

impl AuthContext<'_> {
    /// Runs the plugin exchange after the client's first response: an AuthSwitchRequest
    /// when the client computed its response for another plugin than the account's, then
    /// for caching_sha2_password the fast path (AuthMoreData 0x03 when the cache vouches
    /// for the scramble) or full authentication (0x04: the cleartext password over TLS, or
    /// without TLS the server's RSA public key on request (0x02) and the password
    /// encrypted with it). Returns the request to authenticate (or why the login fails)
    /// and the sequence id of the server's next packet; `None` when the client left.
    fn exchange(
        &self,
        rd: &mut BufReader<Transport>,
        login: &mut Login,
        mut seq: u8,
    ) -> io::Result<Option<(Result<AuthRequest, SqlError>, u8)>> {
        use handshake::{CACHING_SHA2_PASSWORD, NATIVE_PASSWORD};
        // An unknown account runs the exchange of the plugin the client chose (when it is
        // one of ours), so the answer does not tell whether the account exists.
        let plugin = match self.factory.auth_plugin(&login.user, self.host) {
            Some(p) if p == CACHING_SHA2_PASSWORD => CACHING_SHA2_PASSWORD,
            Some(_) => NATIVE_PASSWORD,
            None if login.auth_plugin.as_deref() == Some(CACHING_SHA2_PASSWORD) => {
                CACHING_SHA2_PASSWORD
            }
            None => NATIVE_PASSWORD,
        };
        if login.needs_switch(plugin) {
            let Some(resp) =
                self.round_trip(rd, &handshake::auth_switch(plugin, self.salt), seq)?
            else {
                return Ok(None);
            };
            seq = resp.next_seq;
            login.auth_response = resp.payload;
        }
        let mut request = auth_request(login, self.host, self.salt, self.connection_id, self.tls);
        if plugin == NATIVE_PASSWORD {
            return Ok(Some((Ok(request), seq)));
        }
        request.method = AuthMethod::Sha2Scramble;
        if request.auth_response.is_empty() {
            return Ok(Some((Ok(request), seq)));
        }
        if self.factory.sha2_fast_auth(&request) {
            let mut r = Reply::new(seq);
            r.push(&[0x01, SHA2_FAST_AUTH_SUCCESS]);
            r.send(rd.get_mut())?;
            return Ok(Some((Ok(request), r.seq)));
        }
        let full = [0x01, SHA2_PERFORM_FULL_AUTHENTICATION];
        let Some(mut pkt) = self.round_trip(rd, &full, seq)? else {
            return Ok(None);
        };
        let denied = request.access_denied();
        let mut password = if self.tls.is_some() {
            pkt.payload
        } else {
            let Some(keys) = &self.config.rsa else {
                return Ok(Some((Err(denied), pkt.next_seq)));
            };
            if pkt.payload == [SHA2_REQUEST_PUBLIC_KEY] {
                let mut p = vec![0x01];
                p.extend_from_slice(keys.public_pem().as_bytes());
                let Some(next) = self.round_trip(rd, &p, pkt.next_seq)? else {
                    return Ok(None);
                };
                pkt = next;
            }
            match keys.decrypt(&pkt.payload) {
                // The client XORed `password NUL` with the nonce before encrypting.
                Some(mut clear) => {
                    for (i, b) in clear.iter_mut().enumerate() {
                        *b ^= self.salt[i % self.salt.len()];
                    }
                    clear
                }
                None => return Ok(Some((Err(denied), pkt.next_seq))),
            }
        };
        if password.last() == Some(&0) {
            password.pop();
        }
        request.auth_response = password;
        request.method = AuthMethod::Cleartext;
        Ok(Some((Ok(request), pkt.next_seq)))
    }

    /// Sends `payload` at `seq` and reads the client's answer.
    fn round_trip(
        &self,
        rd: &mut BufReader<Transport>,
        payload: &[u8],
        seq: u8,
    ) -> io::Result<Option<Packet>> {
        let mut r = Reply::new(seq);
        r.push(payload);
        r.send(rd.get_mut())?;
        read_or_reply(rd, 64 * 1024)
    }
}

/// Bytes a connection reads from its socket at a time.
const READ_BUFFER: usize = 64 * 1024;

fn send_err_at(out: &mut impl Write, seq: u8, e: &SqlError) -> io::Result<()> {
    let mut r = Reply::new(seq);
    r.push(&encode::err_packet(e));
    r.send(out)
}

/// Reads a packet; oversized or out-of-order packets get an ERR and end the connection (`None`).
/// How long a connection polls for its client's next command before it sleeps.
const POLL_BEFORE_SLEEP: Duration = Duration::from_micros(60);
/// How long one connection must have had the server to itself before it polls.
const ALONE_FOR: Duration = Duration::from_millis(5);

/// Connections polling now ([`await_command`]).
static POLLING: AtomicUsize = AtomicUsize::new(0);
/// The connection that started the last command, and when another connection last
/// started one before it (microseconds since [`epoch`]).
static LAST_CONN: AtomicU32 = AtomicU32::new(0);
static SWITCHED_AT: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn micros_since_epoch() -> u64 {
    u64::try_from(epoch().elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// Notes that connection `id` started a command (see [`await_command`]).
fn command_started(id: u32) {
    if LAST_CONN.swap(id, Ordering::Relaxed) != id {
        SWITCHED_AT.store(micros_since_epoch(), Ordering::Relaxed);
    }
}

/// Waits briefly for the client's next command by polling the socket, when one
/// connection has had the server to itself for a while (a client running statements
/// back to back: a test suite, a migration, a single-threaded benchmark) and a core
/// is free: the client's next statement, sent microseconds after the last reply, then
/// finds the connection awake instead of paying for a thread wake-up per statement
/// (on a virtual machine, tens of microseconds). With several connections at work
/// nobody polls, so polling never takes CPU the server or its clients need.
fn await_command(rd: &BufReader<Transport>, id: u32) {
    static POLLERS: OnceLock<usize> = OnceLock::new();
    let pollers = *POLLERS.get_or_init(|| {
        std::thread::available_parallelism().map_or(0, |n| n.get().saturating_sub(1).min(1))
    });
    let alone = LAST_CONN.load(Ordering::Relaxed) == id
        && micros_since_epoch().saturating_sub(SWITCHED_AT.load(Ordering::Relaxed))
            >= ALONE_FOR.as_micros() as u64;
    // Under TLS, rustls may hold decrypted bytes the socket no longer shows: no polling.
    if !alone
        || rd.get_ref().is_tls()
        || !rd.buffer().is_empty()
        || POLLING
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < pollers).then_some(n + 1)
            })
            .is_err()
    {
        return;
    }
    let s = rd.get_ref().socket();
    if s.set_nonblocking(true).is_ok() {
        let deadline = Instant::now() + POLL_BEFORE_SLEEP;
        let mut byte = [0u8; 1];
        loop {
            match s.peek(&mut byte) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                    std::hint::spin_loop()
                }
                // Data, the end of the stream, an error or the deadline: the blocking
                // read that follows sees it.
                _ => break,
            }
        }
        if let Err(e) = s.set_nonblocking(false) {
            tracing::warn!(error = %e, "could not make a client socket blocking again");
        }
    }
    POLLING.fetch_sub(1, Ordering::AcqRel);
}

fn read_or_reply(rd: &mut BufReader<Transport>, max: usize) -> io::Result<Option<Packet>> {
    match read_packet(rd, max) {
        Ok(p) => Ok(p),
        Err(ReadError::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        // A read timeout (connect_timeout, wait_timeout): the caller ends the connection.
        Err(ReadError::Io(e))
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            Err(io::Error::new(io::ErrorKind::TimedOut, e))
        }
        Err(ReadError::Io(e)) => Err(e),
        Err(ReadError::TooLarge { next_seq }) => {
            let e = SqlError::new(
                codes::ER_NET_PACKET_TOO_LARGE,
                "Got a packet bigger than 'max_allowed_packet' bytes",
            );
            send_err_at(rd.get_mut(), next_seq, &e)?;
            Ok(None)
        }
        Err(ReadError::OutOfOrder { next_seq }) => {
            let e = SqlError::new(
                codes::ER_NET_PACKETS_OUT_OF_ORDER,
                "Got packets out of order",
            );
            send_err_at(rd.get_mut(), next_seq, &e)?;
            Ok(None)
        }
    }
}

fn invalid_utf8() -> SqlError {
    SqlError::new(
        codes::ER_INVALID_CHARACTER_STRING,
        "Invalid utf8mb4 character string in statement",
    )
}

fn unknown_command() -> SqlError {
    SqlError::new(codes::ER_UNKNOWN_COM_ERROR, "Unknown command")
}

/// An authenticated connection in its command phase.
struct Conn {
    /// The client's stream; replies are written through `rd.get_mut()` (the reader's
    /// buffer only holds bytes read ahead, so writing past it is safe).
    rd: BufReader<Transport>,
    session: Box<dyn Session>,
    /// What the protocol keeps per prepared statement (parameter types, long data).
    registry: Registry,
    /// Sequence id for the reply to the command in flight.
    seq: u8,
    factory: Arc<dyn SessionFactory>,
    config: Arc<ServerConfig>,
    connection_id: u32,
    host: String,
    salt: [u8; 20],
    /// TLS parameters when the connection is encrypted.
    tls: Option<TlsInfo>,
    capabilities: u32,
    hangup: Option<Arc<Hangup>>,
    /// The read timeout now set on the socket (a system call only when it changes).
    idle_timeout: Option<Duration>,
    /// The write timeout now set on the socket.
    write_timeout: Option<Duration>,
}

impl Conn {
    fn run(&mut self) -> io::Result<()> {
        let max = self.config.max_allowed_packet;
        loop {
            if let Some(h) = &self.hangup {
                if let Err(reason) = h.enter_idle() {
                    if let Some(e) = reason {
                        send_err_at(self.rd.get_mut(), 1, &e)?;
                    }
                    h.shutdown();
                    return Ok(());
                }
            }
            let idle = self.session.idle_timeout(
                self.capabilities & crate::flags::capability::CLIENT_INTERACTIVE != 0,
            );
            if idle != self.idle_timeout {
                self.rd.get_ref().socket().set_read_timeout(idle)?;
                self.idle_timeout = idle;
            }
            let write = self.session.write_timeout();
            if write != self.write_timeout {
                self.rd.get_ref().socket().set_write_timeout(write)?;
                self.write_timeout = write;
            }
            await_command(&self.rd, self.connection_id);
            let pkt = read_or_reply(&mut self.rd, max);
            if matches!(&pkt, Err(e) if e.kind() == io::ErrorKind::TimedOut) {
                // wait_timeout: MySQL 8.0 tells the client why before it closes.
                let e = SqlError::new(
                    codes::ER_CLIENT_INTERACTION_TIMEOUT,
                    "The client was disconnected by the server because of inactivity. \
                     See wait_timeout and interactive_timeout for configuring this behavior.",
                );
                let _ = send_err_at(self.rd.get_mut(), 1, &e);
                tracing::debug!(id = self.connection_id, "idle past wait_timeout: closed");
                return Ok(());
            }
            command_started(self.connection_id);
            if let Some(h) = &self.hangup {
                h.leave_idle();
            }
            let Some(pkt) = pkt? else {
                // Closed from outside while idle on a TLS connection: the reason could not
                // be written to the socket directly (see Hangup), so it goes out here.
                if let Some(e) = self.hangup.as_ref().and_then(|h| h.take_reason()) {
                    let _ = send_err_at(self.rd.get_mut(), 1, &e);
                }
                return Ok(());
            };
            self.seq = pkt.next_seq;
            let Some((&cmd, body)) = pkt.payload.split_first() else {
                self.send_err(&unknown_command())?;
                continue;
            };
            if !self.dispatch(cmd, body)? {
                return Ok(());
            }
        }
    }

    fn reply(&self) -> Reply {
        Reply::new(self.seq)
    }

    fn send_one(&mut self, payload: &[u8]) -> io::Result<()> {
        let mut r = self.reply();
        r.push(payload);
        r.send(self.rd.get_mut())
    }

    fn send_err(&mut self, e: &SqlError) -> io::Result<()> {
        self.send_one(&encode::err_packet(e))
    }

    fn send_ok(&mut self) -> io::Result<()> {
        let st = self.session.status();
        self.send_one(&encode::ok_packet(
            0,
            0,
            encode::status_flags(&st, false),
            st.warnings,
            "",
        ))
    }

    fn send_result(&mut self, r: Result<(), SqlError>) -> io::Result<()> {
        match r {
            Ok(()) => self.send_ok(),
            Err(e) => self.send_err(&e),
        }
    }

    /// Runs a statement that may stream its result set through a [`WireSink`] and writes
    /// its answer, rows in batches as they are produced.
    fn run_statement(
        &mut self,
        binary: bool,
        run: impl FnOnce(&mut dyn Session, &mut dyn ResultSink) -> Result<Outcome, SqlError>,
    ) -> io::Result<()> {
        let mut reply = self.reply();
        let status = self.session.status();
        let mut sink = WireSink {
            reply: &mut reply,
            out: self.rd.get_mut(),
            binary,
            status,
            columns: None,
            payload: Vec::new(),
            failed: None,
        };
        let session = self.session.as_mut();
        let first = contain(|| run(session, &mut sink));
        let started = sink.columns.is_some();
        if let Some(e) = sink.failed.take() {
            return Err(e);
        }
        let mut work = Some(match first {
            Ok(Outcome::Streamed) if started => Work::End,
            Ok(_) if started => Work::Next(Err(SqlError::new(
                codes::ER_UNKNOWN_ERROR,
                "A result set was both streamed and returned",
            ))),
            other => Work::Next(other),
        });
        while let Some(w) = work.take() {
            work = drive(self.session.as_mut(), &mut reply, w, binary);
            reply.send(self.rd.get_mut())?;
        }
        Ok(())
    }

    /// Handles one command; `Ok(false)` ends the connection.
    fn dispatch(&mut self, cmd: u8, body: &[u8]) -> io::Result<bool> {
        match cmd {
            COM_QUIT => return Ok(false),
            COM_QUERY => match std::str::from_utf8(body) {
                Ok(sql) => self.run_statement(false, |s, sink| s.query_to(sql, sink))?,
                // Raw BLOB bytes in string literals (mysqldump without --hex-blob).
                Err(_) => match crate::literals::hex_binary_literals(body) {
                    Some(sql) => self.run_statement(false, |s, sink| s.query_to(&sql, sink))?,
                    None => self.send_err(&invalid_utf8())?,
                },
            },
            COM_INIT_DB => match std::str::from_utf8(body) {
                Ok(db) => {
                    let r = contain(|| self.session.init_db(db));
                    self.send_result(r)?;
                }
                Err(_) => self.send_err(&invalid_utf8())?,
            },
            COM_STMT_PREPARE => match std::str::from_utf8(body) {
                Ok(sql) => self.prepare(sql)?,
                Err(_) => self.send_err(&invalid_utf8())?,
            },
            COM_PING => self.send_ok()?,
            COM_STMT_EXECUTE => self.execute(body)?,
            COM_STMT_SEND_LONG_DATA => {
                // Never answered, even on error (as in MySQL).
                let mut c = Cursor::new(body);
                if let (Ok(id), Ok(param)) = (c.u32(), c.u16()) {
                    if let Some(st) = self.registry.get_mut(&id) {
                        if param < st.params {
                            st.long_data
                                .entry(param)
                                .or_default()
                                .extend_from_slice(c.rest());
                        }
                    }
                }
            }
            COM_STMT_CLOSE => {
                // No reply.
                if let Ok(id) = Cursor::new(body).u32() {
                    if self.registry.remove(&id).is_some() {
                        self.session.close_statement(id);
                    }
                }
            }
            COM_STMT_RESET => {
                let id = Cursor::new(body).u32().unwrap_or(0);
                match self.registry.get_mut(&id) {
                    Some(st) => {
                        st.long_data.clear();
                        let r = self.session.reset_statement(id);
                        self.send_result(r)?;
                    }
                    None => self.send_err(&unknown_stmt(id, "mysqld_stmt_reset"))?,
                }
            }
            COM_STMT_FETCH => {
                let id = Cursor::new(body).u32().unwrap_or(0);
                let e = SqlError::new(
                    codes::ER_STMT_HAS_NO_OPEN_CURSOR,
                    format!("The statement ({id}) has no open cursor."),
                );
                self.send_err(&e)?;
            }
            COM_RESET_CONNECTION => {
                self.registry.clear();
                let r = self.session.reset_connection();
                self.send_result(r)?;
            }
            COM_CHANGE_USER => return self.change_user(body),
            COM_STATISTICS => {
                let line = self.factory.statistics().to_string();
                self.send_one(line.as_bytes())?;
            }
            COM_FIELD_LIST => {
                let mut c = Cursor::new(body);
                let table = String::from_utf8_lossy(c.cstr()).into_owned();
                let wildcard = String::from_utf8_lossy(c.rest()).into_owned();
                match self.session.field_list(&table, &wildcard) {
                    Ok(cols) => {
                        let mut r = self.reply();
                        for col in &cols {
                            r.push(&encode::column_definition(col, true));
                        }
                        let st = self.session.status();
                        r.push(&encode::eof_packet(encode::status_flags(&st, false), 0));
                        r.send(self.rd.get_mut())?;
                    }
                    Err(e) => self.send_err(&e)?,
                }
            }
            COM_SET_OPTION => {
                if matches!(Cursor::new(body).u16(), Ok(0 | 1)) {
                    let st = self.session.status();
                    self.send_one(&encode::eof_packet(encode::status_flags(&st, false), 0))?;
                } else {
                    self.send_err(&unknown_command())?;
                }
            }
            COM_REGISTER_SLAVE => {
                let req = parse_register(body);
                let r = self.session.register_replica(&req);
                self.send_result(r)?;
            }
            COM_BINLOG_DUMP => {
                if let Some(h) = &self.hangup {
                    h.start_streaming();
                }
                self.binlog_dump(body)?
            }
            COM_BINLOG_DUMP_GTID => {
                let e = SqlError::new(
                    codes::ER_MASTER_FATAL_ERROR_READING_BINLOG,
                    "COM_BINLOG_DUMP_GTID is not supported; use file/position replication",
                );
                self.send_err(&e)?;
            }
            _ => self.send_err(&unknown_command())?,
        }
        Ok(true)
    }

    /// COM_STMT_PREPARE: the statement's id, parameters and columns.
    fn prepare(&mut self, sql: &str) -> io::Result<()> {
        let res = contain(|| self.session.prepare(sql));
        let st = self.session.status();
        let mut reply = self.reply();
        match res {
            Ok(p) => {
                let n_params = u16::try_from(p.params.len()).unwrap_or(u16::MAX);
                self.registry.insert(
                    p.id,
                    StatementState {
                        params: n_params,
                        ..Default::default()
                    },
                );
                reply.push(&encode::prepare_ok(
                    p.id,
                    p.columns.len(),
                    p.params.len(),
                    st.warnings,
                ));
                for group in [&p.params, &p.columns] {
                    if !group.is_empty() {
                        for c in group.iter() {
                            reply.push(&encode::column_definition(c, false));
                        }
                        reply.push(&encode::eof_packet(encode::status_flags(&st, false), 0));
                    }
                }
            }
            Err(e) => reply.push(&encode::err_packet(&e)),
        }
        reply.send(self.rd.get_mut())
    }

    /// COM_STMT_EXECUTE: unknown id → 1243, cursors → 1235, malformed parameters → 1210.
    fn execute(&mut self, body: &[u8]) -> io::Result<()> {
        let decoded = params::execute_header(body)
            .map_err(|_| None)
            .and_then(|h| {
                let Some(st) = self.registry.get_mut(&h.stmt_id) else {
                    return Err(Some(unknown_stmt(h.stmt_id, "mysqld_stmt_execute")));
                };
                if h.flags != 0 {
                    return Err(Some(SqlError::new(
                        codes::ER_NOT_SUPPORTED_YET,
                        "This version of Borealis doesn't yet support 'server-side cursors'",
                    )));
                }
                let v = params::decode_params(body, st).map_err(|_| None);
                st.long_data.clear();
                v.map(|v| (h.stmt_id, v))
            });
        match decoded {
            Ok((id, values)) => self.run_statement(true, |s, sink| s.execute_to(id, &values, sink)),
            Err(e) => {
                let e = e.unwrap_or_else(|| {
                    SqlError::new(
                        codes::ER_WRONG_ARGUMENTS,
                        "Incorrect arguments to mysqld_stmt_execute",
                    )
                });
                self.send_err(&e)
            }
        }
    }

    /// COM_CHANGE_USER: re-authenticate (switching to mysql_native_password if needed) and
    /// replace the session; a refusal ends the connection, as in MySQL.
    fn change_user(&mut self, body: &[u8]) -> io::Result<bool> {
        let mut seq = self.seq;
        let charset = 45;
        let mut login = match handshake::parse_change_user(body, self.capabilities, charset) {
            Ok(l) => l,
            Err(_) => {
                let e = SqlError::new(codes::ER_UNKNOWN_COM_ERROR, "Malformed COM_CHANGE_USER");
                send_err_at(self.rd.get_mut(), seq, &e)?;
                return Ok(false);
            }
        };
        let ctx = AuthContext {
            factory: self.factory.as_ref(),
            config: &self.config,
            host: &self.host,
            salt: &self.salt,
            connection_id: self.connection_id,
            tls: self.tls.as_ref(),
        };
        let Some((request, next)) = ctx.exchange(&mut self.rd, &mut login, seq)? else {
            return Ok(false);
        };
        seq = next;
        match request.and_then(|r| contain(|| self.factory.authenticate(&r))) {
            Ok(mut new) => {
                if let Some(h) = &self.hangup {
                    new.set_closer(h.closer());
                }
                let st = new.status();
                // The old session is dropped here, rolling back what it had open.
                self.session = new;
                self.registry.clear();
                let mut r = Reply::new(seq);
                r.push(&encode::ok_packet(
                    0,
                    0,
                    encode::status_flags(&st, false),
                    0,
                    "",
                ));
                r.send(self.rd.get_mut())?;
                Ok(true)
            }
            Err(e) => {
                send_err_at(self.rd.get_mut(), seq, &e)?;
                Ok(false)
            }
        }
    }

    /// COM_BINLOG_DUMP: the connection becomes a stream of binlog events until the replica
    /// goes away (a failed write) or the session's producer ends it.
    fn binlog_dump(&mut self, body: &[u8]) -> io::Result<()> {
        let mut c = Cursor::new(body);
        let req = match (c.u32(), c.u16(), c.u32()) {
            (Ok(position), Ok(flags), Ok(server_id)) => BinlogDumpRequest {
                position,
                flags,
                server_id,
                file: String::from_utf8_lossy(c.rest()).into_owned(),
            },
            _ => {
                let e = SqlError::new(
                    codes::ER_MASTER_FATAL_ERROR_READING_BINLOG,
                    "Malformed COM_BINLOG_DUMP",
                );
                return self.send_err(&e);
            }
        };
        let mut events = match self.session.binlog_dump(&req) {
            Ok(rx) => rx,
            Err(e) => return self.send_err(&e),
        };
        let mut reply = self.reply();
        // The connection thread has no async runtime: waiting here blocks only this replica.
        while let Some(item) = events.blocking_recv() {
            match item {
                Ok(ev) => {
                    let mut p = Vec::with_capacity(ev.len() + 1);
                    p.push(0);
                    p.extend_from_slice(&ev);
                    reply.push(&p);
                    if events.is_empty() {
                        reply.send(self.rd.get_mut())?;
                    }
                }
                Err(e) => {
                    reply.push(&encode::err_packet(&e));
                    return reply.send(self.rd.get_mut());
                }
            }
        }
        reply.push(&encode::eof_packet(0, 0));
        reply.send(self.rd.get_mut())
    }
}

fn unknown_stmt(id: u32, what: &str) -> SqlError {
    SqlError::new(
        codes::ER_UNKNOWN_STMT_HANDLER,
        format!("Unknown prepared statement handler ({id}) given to {what}"),
    )
}

fn parse_register(body: &[u8]) -> RegisterReplica {
    let mut c = Cursor::new(body);
    let mut r = RegisterReplica {
        server_id: c.u32().unwrap_or(0),
        ..Default::default()
    };
    let short_str = |c: &mut Cursor<'_>| -> String {
        let n = c.u8().unwrap_or(0);
        c.take(usize::from(n))
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    r.host = short_str(&mut c);
    r.user = short_str(&mut c);
    r.password = short_str(&mut c);
    r.port = c.u16().unwrap_or(0);
    r
}
