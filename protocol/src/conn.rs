//! One client connection: handshake, the packet-level front, and the opensrv shim.
//!
//! See the crate root for why the front exists. Invariant: exactly one command is in flight.
//! The front forwards a packet to opensrv and waits until opensrv asks for more input (which it
//! does only after flushing its reply) before reading the next client packet, so replies the
//! front writes itself can never interleave with opensrv's.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use async_trait::async_trait;
use opensrv_mysql::{
    AsyncMysqlIntermediary, AsyncMysqlShim, Column as OColumn, ColumnFlags, ColumnType, InitWriter,
    IntermediaryOptions, ParamParser, QueryResultWriter, StatementMetaWriter,
};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, BufWriter, ReadBuf};
use tokio::sync::{mpsc, watch};

use crate::codes;
use crate::encode;
use crate::handshake::{self, Login};
use crate::hangup::Hangup;
use crate::packet::{frame, read_packet, Cursor, ReadError};
use crate::params::{self, Registry, StatementState};
use crate::session::{
    AuthRequest, BinlogDumpRequest, Column, Outcome, RegisterReplica, RowStream, Session,
    SessionFactory, SessionStatus, SqlError, WireValue,
};
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

type SessionCell = Arc<Mutex<Box<dyn Session>>>;

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The socket's write half, shared by the front and opensrv. In discard mode writes vanish
/// (used while opensrv replays its own handshake and while it registers a statement).
#[derive(Clone)]
pub(crate) struct SharedWriter {
    inner: Arc<Mutex<WriterInner>>,
}

struct WriterInner {
    out: Pin<Box<dyn AsyncWrite + Send>>,
    discard: bool,
}

impl SharedWriter {
    fn new<W: AsyncWrite + Send + 'static>(w: W) -> Self {
        SharedWriter {
            inner: Arc::new(Mutex::new(WriterInner {
                out: Box::pin(BufWriter::with_capacity(64 * 1024, w)),
                discard: false,
            })),
        }
    }

    fn set_discard(&self, discard: bool) {
        lock(&self.inner).discard = discard;
    }
}

impl AsyncWrite for SharedWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut g = lock(&self.inner);
        if g.discard {
            return Poll::Ready(Ok(buf.len()));
        }
        g.out.as_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut g = lock(&self.inner);
        if g.discard {
            return Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()));
        }
        g.out.as_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut g = lock(&self.inner);
        if g.discard {
            return Poll::Ready(Ok(()));
        }
        g.out.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut g = lock(&self.inner);
        g.out.as_mut().poll_shutdown(cx)
    }
}

/// opensrv's input: packets the front forwards. Publishes on `idle` how many chunks it had
/// consumed whenever it runs dry, i.e. when opensrv finished everything it was given.
struct ChannelReader {
    rx: mpsc::UnboundedReceiver<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
    consumed: u64,
    idle: watch::Sender<u64>,
}

impl AsyncRead for ChannelReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            if self.pos < self.cur.len() {
                let n = buf.remaining().min(self.cur.len() - self.pos);
                let start = self.pos;
                buf.put_slice(&self.cur[start..start + n]);
                self.pos += n;
                return Poll::Ready(Ok(()));
            }
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(chunk)) => {
                    self.cur = chunk;
                    self.pos = 0;
                    self.consumed += 1;
                }
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Pending => {
                    let consumed = self.consumed;
                    self.idle.send_replace(consumed);
                    return Poll::Pending;
                }
            }
        }
    }
}

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

    async fn send(&mut self, out: &mut SharedWriter) -> io::Result<()> {
        out.write_all(&self.buf).await?;
        self.buf.clear();
        out.flush().await
    }
}

/// Per-connection state shared by the front and the shim (never locked across an await).
#[derive(Default)]
struct ConnState {
    /// Sequence id for the reply to the command in flight.
    next_seq: u8,
    /// Parameters of the EXECUTE in flight, decoded by the front.
    pending_params: Option<Vec<WireValue>>,
    /// Prepared statements.
    registry: Registry,
}

#[derive(Clone)]
struct Ctx {
    session: SessionCell,
    state: Arc<Mutex<ConnState>>,
    out: SharedWriter,
    factory: Arc<dyn SessionFactory>,
    config: Arc<ServerConfig>,
    connection_id: u32,
    host: String,
    salt: [u8; 20],
    capabilities: u32,
    hangup: Option<Arc<Hangup>>,
}

impl Ctx {
    /// Runs `f` on the session, inline: the connection has a thread of its own (see
    /// [`crate::server`]), so blocking here blocks only this client, which waits for the
    /// result anyway.
    async fn with_session<T, F>(&self, f: F) -> io::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Session) -> T + Send + 'static,
    {
        let mut g = lock(&self.session);
        Ok(f(g.as_mut()))
    }

    fn reply(&self) -> Reply {
        Reply::new(lock(&self.state).next_seq)
    }

    async fn send_one(&self, payload: &[u8]) -> io::Result<()> {
        let mut r = self.reply();
        r.push(payload);
        r.send(&mut self.out.clone()).await
    }

    async fn send_err(&self, e: &SqlError) -> io::Result<()> {
        self.send_one(&encode::err_packet(e)).await
    }

    async fn send_ok(&self) -> io::Result<()> {
        let st = self.with_session(|s| s.status()).await?;
        self.send_one(&encode::ok_packet(
            0,
            0,
            encode::status_flags(&st, false),
            st.warnings,
            "",
        ))
        .await
    }
}

/// Work left while answering a statement.
enum Work {
    Query(String),
    Execute(u32, Vec<WireValue>),
    Next(Result<Outcome, SqlError>),
    Stream(Vec<Column>, RowStream),
}

/// Advances `work`, encoding replies into `reply`; returns the remaining
/// work when a batch of rows is ready to be written.
fn drive(cell: &SessionCell, reply: &mut Reply, mut work: Work, binary: bool) -> Option<Work> {
    loop {
        work = match work {
            Work::Query(sql) => Work::Next(lock(cell).query(&sql)),
            Work::Execute(id, params) => Work::Next(lock(cell).execute(id, &params)),
            Work::Next(Err(e)) => {
                reply.push(&encode::err_packet(&e));
                return None;
            }
            Work::Next(Ok(Outcome::Ok {
                affected_rows,
                last_insert_id,
                info,
            })) => {
                let (more, st) = finish_statement(cell, binary);
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
                let st = lock(cell).status();
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
                    let encoded = match rows.next() {
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
                let (more, st) = finish_statement(cell, binary);
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
    cell: &SessionCell,
    binary: bool,
) -> (Option<Result<Outcome, SqlError>>, SessionStatus) {
    let mut s = lock(cell);
    let more = if binary { None } else { s.more_results() };
    (more, s.status())
}

async fn run_statement(ctx: &Ctx, work: Work, binary: bool) -> io::Result<()> {
    let mut reply = ctx.reply();
    let mut out = ctx.out.clone();
    let mut work = Some(work);
    while let Some(w) = work.take() {
        let next = drive(&ctx.session, &mut reply, w, binary);
        out.write_all(&reply.buf).await?;
        reply.buf.clear();
        work = next;
    }
    out.flush().await
}

/// Placeholder metadata for opensrv's statement table (its reply bytes are discarded).
static DUMMY_COLUMN: OColumn = OColumn {
    table: String::new(),
    column: String::new(),
    coltype: ColumnType::MYSQL_TYPE_VAR_STRING,
    colflags: ColumnFlags::empty(),
};

/// The opensrv shim: COM_QUERY, COM_INIT_DB, COM_STMT_PREPARE/EXECUTE/CLOSE arrive here.
/// Replies are encoded by this crate and written to the shared writer directly; opensrv's
/// result writers are dropped unused (they write nothing until a method is called).
struct Shim {
    ctx: Ctx,
}

#[async_trait]
impl AsyncMysqlShim<SharedWriter> for Shim {
    type Error = io::Error;

    fn version(&self) -> String {
        self.ctx.config.server_version.clone()
    }

    fn connect_id(&self) -> u32 {
        self.ctx.connection_id
    }

    fn salt(&self) -> [u8; 20] {
        self.ctx.salt
    }

    /// The real check already happened in [`serve_connection`]; opensrv only sees the
    /// stand-in response of an authenticated client.
    async fn authenticate(&self, _plugin: &str, _user: &[u8], _salt: &[u8], _data: &[u8]) -> bool {
        true
    }

    async fn on_prepare<'a>(
        &'a mut self,
        query: &'a str,
        info: StatementMetaWriter<'a, SharedWriter>,
    ) -> io::Result<()> {
        let sql = query.to_string();
        let (res, st) = self
            .ctx
            .with_session(move |s| (s.prepare(&sql), s.status()))
            .await?;
        let mut reply = self.ctx.reply();
        match res {
            Ok(p) => {
                // Register the id and parameter count in opensrv's own table, silently.
                self.ctx.out.set_discard(true);
                let params = std::iter::repeat_n::<&'a OColumn>(&DUMMY_COLUMN, p.params.len());
                let none: &'a [OColumn] = &[];
                let registered = info.reply(p.id, params, none.iter()).await;
                self.ctx.out.set_discard(false);
                registered?;
                let n_params = u16::try_from(p.params.len()).unwrap_or(u16::MAX);
                lock(&self.ctx.state).registry.insert(
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
            Err(e) => {
                drop(info);
                reply.push(&encode::err_packet(&e));
            }
        }
        reply.send(&mut self.ctx.out.clone()).await
    }

    async fn on_execute<'a>(
        &'a mut self,
        id: u32,
        _params: ParamParser<'a>,
        results: QueryResultWriter<'a, SharedWriter>,
    ) -> io::Result<()> {
        drop(results);
        let params = lock(&self.ctx.state)
            .pending_params
            .take()
            .unwrap_or_default();
        run_statement(&self.ctx, Work::Execute(id, params), true).await
    }

    async fn on_close<'a>(&'a mut self, stmt: u32)
    where
        SharedWriter: 'async_trait,
    {
        if let Err(e) = self
            .ctx
            .with_session(move |s| s.close_statement(stmt))
            .await
        {
            tracing::debug!(error = %e, "close_statement failed");
        }
    }

    async fn on_query<'a>(
        &'a mut self,
        query: &'a str,
        results: QueryResultWriter<'a, SharedWriter>,
    ) -> io::Result<()> {
        drop(results);
        run_statement(&self.ctx, Work::Query(query.to_string()), false).await
    }

    async fn on_init<'a>(
        &'a mut self,
        db: &'a str,
        w: InitWriter<'a, SharedWriter>,
    ) -> io::Result<()> {
        let _ = w; // replies are written by this crate
        let db = db.to_string();
        match self.ctx.with_session(move |s| s.init_db(&db)).await? {
            Ok(()) => self.ctx.send_ok().await,
            Err(e) => self.ctx.send_err(&e).await,
        }
    }
}

/// Serves one client on `stream` until it quits or the socket fails. Errors a client causes
/// are answered with ERR packets; `Err` means the socket failed.
pub async fn serve_connection<S>(
    stream: S,
    host: String,
    connection_id: u32,
    factory: Arc<dyn SessionFactory>,
    config: Arc<ServerConfig>,
    hangup: Option<Arc<Hangup>>,
) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (rd, wr) = tokio::io::split(stream);
    let mut rd = BufReader::with_capacity(64 * 1024, rd);
    let mut out = SharedWriter::new(wr);
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
    ));
    reply.send(&mut out).await?;

    // 2. HandshakeResponse41 (+ AuthSwitch when the client used another plugin).
    let Some(pkt) = read_or_reply(&mut rd, &mut out, 64 * 1024).await? else {
        return Ok(());
    };
    let mut seq = pkt.next_seq;
    let mut login = match handshake::parse_handshake_response(&pkt.payload) {
        Ok(l) => l,
        Err(e) => {
            let err = SqlError::new(codes::ER_HANDSHAKE_ERROR, format!("Bad handshake: {e}"));
            return send_err_at(&mut out, seq, &err).await;
        }
    };
    if login.needs_switch() {
        let mut r = Reply::new(seq);
        r.push(&handshake::auth_switch(&salt));
        r.send(&mut out).await?;
        let Some(resp) = read_or_reply(&mut rd, &mut out, 64 * 1024).await? else {
            return Ok(());
        };
        seq = resp.next_seq;
        login.auth_response = resp.payload;
    }
    let negotiated = login.capabilities & handshake::server_capabilities().bits();

    // 3. Authentication through the factory.
    let request = auth_request(&login, &host, &salt, connection_id);
    let f = factory.clone();
    let auth = f.authenticate(&request).map(|s| {
        let st = s.status();
        (s, st)
    });
    let (mut session, st) = match auth {
        Ok(v) => v,
        Err(e) => {
            tracing::debug!(user = %login.user, code = e.code, "login refused");
            return send_err_at(&mut out, seq, &e).await;
        }
    };
    let mut r = Reply::new(seq);
    r.push(&encode::ok_packet(
        0,
        0,
        encode::status_flags(&st, false),
        0,
        "",
    ));
    r.send(&mut out).await?;

    if let Some(h) = &hangup {
        session.set_closer(h.closer());
    }
    let ctx = Ctx {
        session: Arc::new(Mutex::new(session)),
        state: Arc::new(Mutex::new(ConnState::default())),
        out,
        factory,
        config,
        connection_id,
        host,
        salt,
        capabilities: negotiated,
        hangup,
    };
    command_phase(ctx, rd, &login.user, login.charset).await
}

fn auth_request(login: &Login, host: &str, salt: &[u8; 20], connection_id: u32) -> AuthRequest {
    AuthRequest {
        user: login.user.clone(),
        host: host.to_string(),
        auth_response: login.auth_response.clone(),
        salt: *salt,
        database: login.database.clone(),
        connection_id,
        charset: login.charset,
        attributes: login.attributes.clone(),
    }
}

async fn send_err_at(out: &mut SharedWriter, seq: u8, e: &SqlError) -> io::Result<()> {
    let mut r = Reply::new(seq);
    r.push(&encode::err_packet(e));
    r.send(out).await
}

/// Reads a packet; oversized or out-of-order packets get an ERR and end the connection (`None`).
async fn read_or_reply<R: AsyncRead + Unpin>(
    rd: &mut R,
    out: &mut SharedWriter,
    max: usize,
) -> io::Result<Option<crate::packet::Packet>> {
    match read_packet(rd, max).await {
        Ok(p) => Ok(p),
        Err(ReadError::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(ReadError::Io(e)) => Err(e),
        Err(ReadError::TooLarge { next_seq }) => {
            let e = SqlError::new(
                codes::ER_NET_PACKET_TOO_LARGE,
                "Got a packet bigger than 'max_allowed_packet' bytes",
            );
            send_err_at(out, next_seq, &e).await?;
            Ok(None)
        }
        Err(ReadError::OutOfOrder { next_seq }) => {
            let e = SqlError::new(
                codes::ER_NET_PACKETS_OUT_OF_ORDER,
                "Got packets out of order",
            );
            send_err_at(out, next_seq, &e).await?;
            Ok(None)
        }
    }
}

async fn command_phase<R: AsyncRead + Unpin + Send>(
    ctx: Ctx,
    rd: R,
    user: &str,
    charset: u16,
) -> io::Result<()> {
    let (tx, rx) = mpsc::unbounded_channel();
    let (idle_tx, mut idle_rx) = watch::channel(0u64);
    let reader = ChannelReader {
        rx,
        cur: Vec::new(),
        pos: 0,
        consumed: 0,
        idle: idle_tx,
    };
    let opts = IntermediaryOptions {
        process_use_statement_on_query: true,
        reject_connection_on_dbname_absence: false,
    };
    // opensrv replays a handshake with the stand-in response; its greeting and OK vanish.
    ctx.out.set_discard(true);
    let mut fake = Vec::new();
    let mut seq = 1;
    frame(
        &handshake::opensrv_response(ctx.capabilities, user, charset),
        &mut seq,
        &mut fake,
    );
    let _ = tx.send(fake);
    let shim = Shim { ctx: ctx.clone() };
    let opensrv = AsyncMysqlIntermediary::run_with_options(shim, reader, ctx.out.clone(), &opts);
    tokio::pin!(opensrv);
    tokio::select! {
        r = &mut opensrv => {
            ctx.out.set_discard(false);
            return r;
        }
        r = idle_rx.wait_for(|v| *v >= 1) => {
            if r.is_err() {
                return Ok(());
            }
        }
    }
    ctx.out.set_discard(false);
    let mut front = Front {
        ctx,
        rd,
        tx,
        idle_rx,
        forwarded: 1,
    };
    tokio::select! {
        r = &mut opensrv => r,
        r = front.run() => r,
    }
}

/// Reads client packets, answers what opensrv cannot, forwards the rest.
struct Front<R> {
    ctx: Ctx,
    rd: R,
    tx: mpsc::UnboundedSender<Vec<u8>>,
    idle_rx: watch::Receiver<u64>,
    forwarded: u64,
}

impl<R: AsyncRead + Unpin> Front<R> {
    async fn run(&mut self) -> io::Result<()> {
        let max = self.ctx.config.max_allowed_packet;
        loop {
            let mut out = self.ctx.out.clone();
            if let Some(h) = &self.ctx.hangup {
                if let Err(reason) = h.enter_idle() {
                    if let Some(e) = reason {
                        send_err_at(&mut out, 1, &e).await?;
                    }
                    h.shutdown();
                    return Ok(());
                }
            }
            let pkt = read_or_reply(&mut self.rd, &mut out, max).await;
            if let Some(h) = &self.ctx.hangup {
                h.leave_idle();
            }
            let Some(pkt) = pkt? else {
                return Ok(());
            };
            lock(&self.ctx.state).next_seq = pkt.next_seq;
            let Some((&cmd, body)) = pkt.payload.split_first() else {
                self.ctx
                    .send_err(&SqlError::new(
                        codes::ER_UNKNOWN_COM_ERROR,
                        "Unknown command",
                    ))
                    .await?;
                continue;
            };
            if !self.dispatch(cmd, body, &pkt.payload).await? {
                return Ok(());
            }
        }
    }

    /// Hands a packet to opensrv and waits until it has answered.
    async fn forward(&mut self, payload: &[u8]) -> io::Result<bool> {
        let mut buf = Vec::with_capacity(payload.len() + 4);
        let mut seq = 0;
        frame(payload, &mut seq, &mut buf);
        if self.tx.send(buf).is_err() {
            return Ok(false);
        }
        self.forwarded += 1;
        let target = self.forwarded;
        Ok(self.idle_rx.wait_for(|v| *v >= target).await.is_ok())
    }

    /// Handles one command; `Ok(false)` ends the connection.
    async fn dispatch(&mut self, cmd: u8, body: &[u8], payload: &[u8]) -> io::Result<bool> {
        let ctx = self.ctx.clone();
        match cmd {
            COM_QUIT => return Ok(false),
            COM_QUERY if std::str::from_utf8(body).is_err() => {
                // Raw BLOB bytes in string literals (mysqldump without --hex-blob).
                match crate::literals::hex_binary_literals(body) {
                    Some(sql) => {
                        let mut rewritten = Vec::with_capacity(sql.len() + 1);
                        rewritten.push(COM_QUERY);
                        rewritten.extend_from_slice(sql.as_bytes());
                        return self.forward(&rewritten).await;
                    }
                    None => {
                        let e = SqlError::new(
                            codes::ER_INVALID_CHARACTER_STRING,
                            "Invalid utf8mb4 character string in statement",
                        );
                        ctx.send_err(&e).await?;
                    }
                }
            }
            COM_QUERY | COM_INIT_DB | COM_STMT_PREPARE => {
                if std::str::from_utf8(body).is_err() {
                    let e = SqlError::new(
                        codes::ER_INVALID_CHARACTER_STRING,
                        "Invalid utf8mb4 character string in statement",
                    );
                    ctx.send_err(&e).await?;
                } else {
                    return self.forward(payload).await;
                }
            }
            COM_PING => ctx.send_ok().await?,
            COM_STMT_EXECUTE => {
                let decoded = params::execute_header(body)
                    .map_err(|_| None)
                    .and_then(|h| {
                        let mut state = lock(&ctx.state);
                        let Some(st) = state.registry.get_mut(&h.stmt_id) else {
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
                        v
                    });
                match decoded {
                    Ok(values) => {
                        lock(&ctx.state).pending_params = Some(values);
                        return self.forward(payload).await;
                    }
                    Err(e) => {
                        let e = e.unwrap_or_else(|| {
                            SqlError::new(
                                codes::ER_WRONG_ARGUMENTS,
                                "Incorrect arguments to mysqld_stmt_execute",
                            )
                        });
                        ctx.send_err(&e).await?;
                    }
                }
            }
            COM_STMT_SEND_LONG_DATA => {
                // Never answered, even on error (as in MySQL).
                let mut c = Cursor::new(body);
                if let (Ok(id), Ok(param)) = (c.u32(), c.u16()) {
                    let mut state = lock(&ctx.state);
                    if let Some(st) = state.registry.get_mut(&id) {
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
                // No reply. Only known ids reach opensrv (it calls Session::close_statement).
                let id = Cursor::new(body).u32().ok();
                let known = id.is_some_and(|id| lock(&ctx.state).registry.remove(&id).is_some());
                if known {
                    return self.forward(payload).await;
                }
            }
            COM_STMT_RESET => {
                let id = Cursor::new(body).u32().unwrap_or(0);
                let known = match lock(&ctx.state).registry.get_mut(&id) {
                    Some(st) => {
                        st.long_data.clear();
                        true
                    }
                    None => false,
                };
                if known {
                    match ctx.with_session(move |s| s.reset_statement(id)).await? {
                        Ok(()) => ctx.send_ok().await?,
                        Err(e) => ctx.send_err(&e).await?,
                    }
                } else {
                    ctx.send_err(&unknown_stmt(id, "mysqld_stmt_reset")).await?;
                }
            }
            COM_STMT_FETCH => {
                let id = Cursor::new(body).u32().unwrap_or(0);
                let e = SqlError::new(
                    codes::ER_STMT_HAS_NO_OPEN_CURSOR,
                    format!("The statement ({id}) has no open cursor."),
                );
                ctx.send_err(&e).await?;
            }
            COM_RESET_CONNECTION => {
                lock(&ctx.state).registry.clear();
                match ctx.with_session(|s| s.reset_connection()).await? {
                    Ok(()) => ctx.send_ok().await?,
                    Err(e) => ctx.send_err(&e).await?,
                }
            }
            COM_CHANGE_USER => return self.change_user(body).await,
            COM_STATISTICS => {
                let line = ctx.factory.statistics().to_string();
                ctx.send_one(line.as_bytes()).await?;
            }
            COM_FIELD_LIST => {
                let mut c = Cursor::new(body);
                let table = String::from_utf8_lossy(c.cstr()).into_owned();
                let wildcard = String::from_utf8_lossy(c.rest()).into_owned();
                match ctx
                    .with_session(move |s| s.field_list(&table, &wildcard))
                    .await?
                {
                    Ok(cols) => {
                        let mut r = ctx.reply();
                        for col in &cols {
                            r.push(&encode::column_definition(col, true));
                        }
                        let st = ctx.with_session(|s| s.status()).await?;
                        r.push(&encode::eof_packet(encode::status_flags(&st, false), 0));
                        r.send(&mut ctx.out.clone()).await?;
                    }
                    Err(e) => ctx.send_err(&e).await?,
                }
            }
            COM_SET_OPTION => {
                if matches!(Cursor::new(body).u16(), Ok(0 | 1)) {
                    let st = ctx.with_session(|s| s.status()).await?;
                    ctx.send_one(&encode::eof_packet(encode::status_flags(&st, false), 0))
                        .await?;
                } else {
                    ctx.send_err(&SqlError::new(
                        codes::ER_UNKNOWN_COM_ERROR,
                        "Unknown command",
                    ))
                    .await?;
                }
            }
            COM_REGISTER_SLAVE => {
                let req = parse_register(body);
                match ctx.with_session(move |s| s.register_replica(&req)).await? {
                    Ok(()) => ctx.send_ok().await?,
                    Err(e) => ctx.send_err(&e).await?,
                }
            }
            COM_BINLOG_DUMP => {
                if let Some(h) = &ctx.hangup {
                    h.start_streaming();
                }
                self.binlog_dump(body).await?
            }
            COM_BINLOG_DUMP_GTID => {
                let e = SqlError::new(
                    codes::ER_MASTER_FATAL_ERROR_READING_BINLOG,
                    "COM_BINLOG_DUMP_GTID is not supported; use file/position replication",
                );
                ctx.send_err(&e).await?;
            }
            _ => {
                ctx.send_err(&SqlError::new(
                    codes::ER_UNKNOWN_COM_ERROR,
                    "Unknown command",
                ))
                .await?
            }
        }
        Ok(true)
    }

    /// COM_CHANGE_USER: re-authenticate (switching to mysql_native_password if needed) and
    /// replace the session; a refusal ends the connection, as in MySQL.
    async fn change_user(&mut self, body: &[u8]) -> io::Result<bool> {
        let ctx = self.ctx.clone();
        let mut out = ctx.out.clone();
        let mut seq = lock(&ctx.state).next_seq;
        let charset = 45;
        let mut login = match handshake::parse_change_user(body, ctx.capabilities, charset) {
            Ok(l) => l,
            Err(_) => {
                let e = SqlError::new(codes::ER_UNKNOWN_COM_ERROR, "Malformed COM_CHANGE_USER");
                send_err_at(&mut out, seq, &e).await?;
                return Ok(false);
            }
        };
        if login.needs_switch() {
            let mut r = Reply::new(seq);
            r.push(&handshake::auth_switch(&ctx.salt));
            r.send(&mut out).await?;
            let Some(resp) = read_or_reply(&mut self.rd, &mut out, 64 * 1024).await? else {
                return Ok(false);
            };
            seq = resp.next_seq;
            login.auth_response = resp.payload;
        }
        let request = auth_request(&login, &ctx.host, &ctx.salt, ctx.connection_id);
        let factory = ctx.factory.clone();
        let cell = ctx.session.clone();
        let hangup = ctx.hangup.clone();
        let res = (|| {
            let mut new = factory.authenticate(&request)?;
            if let Some(h) = hangup {
                new.set_closer(h.closer());
            }
            let st = new.status();
            let old = std::mem::replace(&mut *lock(&cell), new);
            drop(old);
            Ok::<_, SqlError>(st)
        })();
        match res {
            Ok(st) => {
                lock(&ctx.state).registry.clear();
                let mut r = Reply::new(seq);
                r.push(&encode::ok_packet(
                    0,
                    0,
                    encode::status_flags(&st, false),
                    0,
                    "",
                ));
                r.send(&mut out).await?;
                Ok(true)
            }
            Err(e) => {
                send_err_at(&mut out, seq, &e).await?;
                Ok(false)
            }
        }
    }

    async fn binlog_dump(&mut self, body: &[u8]) -> io::Result<()> {
        let ctx = self.ctx.clone();
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
                return ctx.send_err(&e).await;
            }
        };
        let mut events = match ctx.with_session(move |s| s.binlog_dump(&req)).await? {
            Ok(rx) => rx,
            Err(e) => return ctx.send_err(&e).await,
        };
        let mut reply = ctx.reply();
        let mut out = ctx.out.clone();
        while let Some(item) = events.recv().await {
            match item {
                Ok(ev) => {
                    let mut p = Vec::with_capacity(ev.len() + 1);
                    p.push(0);
                    p.extend_from_slice(&ev);
                    reply.push(&p);
                    if events.is_empty() {
                        reply.send(&mut out).await?;
                    }
                }
                Err(e) => {
                    reply.push(&encode::err_packet(&e));
                    return reply.send(&mut out).await;
                }
            }
        }
        reply.push(&encode::eof_packet(0, 0));
        reply.send(&mut out).await
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
