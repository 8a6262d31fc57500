//! The replica's side of the replication protocol: a blocking client connection to a
//! source that logs in, negotiates and streams binlog events for the engine's receiver
//! ([`borealis_engine::sql::replica`]). It lives in the server crate, which knows both the
//! engine and the protocol crate's packet framing.
//!
//! What it sends is what a MySQL 8.0 replica sends, plus MariaDB's capability variable:
//!
//! 1. The handshake (protocol 41) with `mysql_native_password`, following an auth switch
//!    to the same plugin with a new salt. Other plugins (`caching_sha2_password`) are
//!    refused with a clear error: the source user needs `mysql_native_password`.
//! 2. `SELECT @@GLOBAL.SERVER_ID` (a source with our own id is refused, as MySQL does),
//!    `SELECT @@GLOBAL.SERVER_UUID` (MariaDB has none: left empty).
//! 3. `SET @master_binlog_checksum = @@global.binlog_checksum`, the same for
//!    `@source_binlog_checksum` (the source then keeps its CRC32 footers; the receiver
//!    verifies them), `@master_heartbeat_period` / `@source_heartbeat_period` in
//!    nanoseconds, and `@mariadb_slave_capability = 4` (a MariaDB source then sends its
//!    Gtid events as they are instead of rewriting them into BEGIN).
//! 4. `COM_REGISTER_SLAVE`, then `COM_BINLOG_DUMP` from the requested coordinate.
//!
//! Written by hand: the client crates (mysql, sqlx) bring an async runtime or TLS stacks
//! and none exposes `COM_BINLOG_DUMP`; the part needed here is the handshake and a text
//! query, on the packet framing this crate already has.
//!
//! The socket reads with a short timeout so a STOP REPLICA is seen within half a second;
//! silence longer than twice the heartbeat period (at least 60 s, MySQL's
//! `replica_net_timeout`) counts as a lost connection.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use borealis_engine::binlog::Checksum;
use borealis_engine::sql::replica::{
    ConnectRequest, Connector, LinkError, LinkErrorKind, SourceLink,
};

use borealis_protocol::auth::native_password_scramble;
use borealis_protocol::packet::{frame, Cursor, MAX_PAYLOAD};

const CLIENT_LONG_PASSWORD: u32 = 1;
const CLIENT_LONG_FLAG: u32 = 4;
const CLIENT_PROTOCOL_41: u32 = 0x200;
const CLIENT_TRANSACTIONS: u32 = 0x2000;
const CLIENT_SECURE_CONNECTION: u32 = 0x8000;
const CLIENT_MULTI_RESULTS: u32 = 0x20000;
const CLIENT_PLUGIN_AUTH: u32 = 0x80000;

const COM_QUERY: u8 = 0x03;
const COM_BINLOG_DUMP: u8 = 0x12;
const COM_REGISTER_SLAVE: u8 = 0x15;

const NATIVE: &str = "mysql_native_password";
/// Largest event packet accepted (MySQL's `max_allowed_packet` ceiling).
const MAX_PACKET: usize = 1 << 30;

/// The connector the server installs on every instance.
pub fn connector() -> Connector {
    Arc::new(|req: &ConnectRequest| Link::open(req).map(|l| Box::new(l) as Box<dyn SourceLink>))
}

fn lerr(kind: LinkErrorKind, code: u32, message: impl Into<String>) -> LinkError {
    LinkError {
        kind,
        code,
        message: message.into(),
    }
}

struct Link {
    sock: TcpStream,
    seq: u8,
    req: ConnectRequest,
    server_id: u32,
    uuid: String,
    idle_limit: Duration,
    checksum: Checksum,
}

fn parse_err(payload: &[u8]) -> (u32, String) {
    let mut c = Cursor::new(payload.get(1..).unwrap_or(&[]));
    let code = c.u16().unwrap_or(0);
    let mut rest = c.rest();
    if rest.first() == Some(&b'#') && rest.len() >= 6 {
        rest = &rest[6..];
    }
    (u32::from(code), String::from_utf8_lossy(rest).into_owned())
}

impl Link {
    fn open(req: &ConnectRequest) -> Result<Link, LinkError> {
        let cfg = &req.config;
        let cant = |e: &dyn std::fmt::Display| {
            lerr(
                LinkErrorKind::Connect,
                2003,
                format!(
                    "Can't connect to MySQL server on '{}:{}' ({e})",
                    cfg.host, cfg.port
                ),
            )
        };
        let addr = (cfg.host.as_str(), cfg.port)
            .to_socket_addrs()
            .map_err(|e| {
                lerr(
                    LinkErrorKind::Connect,
                    2005,
                    format!("Unknown MySQL server host '{}' ({e})", cfg.host),
                )
            })?
            .next()
            .ok_or_else(|| {
                lerr(
                    LinkErrorKind::Connect,
                    2005,
                    format!("Unknown MySQL server host '{}'", cfg.host),
                )
            })?;
        let sock = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).map_err(|e| {
            cant(
                &e.raw_os_error()
                    .map_or_else(|| e.to_string(), |c| c.to_string()),
            )
        })?;
        let _ = sock.set_nodelay(true);
        sock.set_read_timeout(Some(Duration::from_millis(500)))
            .map_err(|e| cant(&e))?;
        let idle = if cfg.heartbeat_period > 0.0 {
            Duration::from_secs_f64(cfg.heartbeat_period * 2.0).max(Duration::from_secs(60))
        } else {
            Duration::from_secs(60)
        };
        let mut l = Link {
            sock,
            seq: 0,
            req: req.clone(),
            server_id: 0,
            uuid: String::new(),
            idle_limit: idle,
            checksum: Checksum::None,
        };
        l.login().map_err(|e| match e.kind {
            LinkErrorKind::Lost => lerr(LinkErrorKind::Connect, e.code, e.message),
            _ => e,
        })?;
        l.negotiate()?;
        l.dump()?;
        Ok(l)
    }

    fn lost(e: io::Error) -> LinkError {
        lerr(
            LinkErrorKind::Lost,
            2013,
            format!("Lost connection to MySQL server during query ({e})"),
        )
    }

    /// Reads exactly `buf.len()` bytes, waiting across read timeouts; fails when stopped
    /// or silent past the idle limit.
    fn read_full(&mut self, buf: &mut [u8]) -> Result<(), LinkError> {
        let mut got = 0;
        let mut last = Instant::now();
        while got < buf.len() {
            if self.req.stop.load(Ordering::SeqCst) {
                return Err(lerr(LinkErrorKind::Stopped, 0, "stopped"));
            }
            match self.sock.read(&mut buf[got..]) {
                Ok(0) => {
                    return Err(Self::lost(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the source closed the connection",
                    )))
                }
                Ok(n) => {
                    got += n;
                    last = Instant::now();
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    if last.elapsed() > self.idle_limit {
                        return Err(Self::lost(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "no event or heartbeat from the source",
                        )));
                    }
                }
                Err(e) => return Err(Self::lost(e)),
            }
        }
        Ok(())
    }

    /// One logical packet (joined across 16 MiB parts).
    fn read_packet(&mut self) -> Result<Vec<u8>, LinkError> {
        let mut payload = Vec::new();
        loop {
            let mut h = [0u8; 4];
            self.read_full(&mut h)?;
            let len = usize::from(h[0]) | usize::from(h[1]) << 8 | usize::from(h[2]) << 16;
            self.seq = h[3].wrapping_add(1);
            if payload.len() + len > MAX_PACKET {
                return Err(lerr(
                    LinkErrorKind::Fatal,
                    1153,
                    "Got a packet bigger than 'max_allowed_packet' bytes",
                ));
            }
            let at = payload.len();
            payload.resize(at + len, 0);
            self.read_full(&mut payload[at..])?;
            if len < MAX_PAYLOAD {
                return Ok(payload);
            }
        }
    }

    fn send(&mut self, payload: &[u8]) -> Result<(), LinkError> {
        let mut out = Vec::with_capacity(payload.len() + 4);
        frame(payload, &mut self.seq, &mut out);
        self.sock.write_all(&out).map_err(Self::lost)
    }

    fn command(&mut self, cmd: u8, body: &[u8]) -> Result<(), LinkError> {
        self.seq = 0;
        let mut p = Vec::with_capacity(body.len() + 1);
        p.push(cmd);
        p.extend_from_slice(body);
        self.send(&p)
    }

    fn login(&mut self) -> Result<(), LinkError> {
        let cfg = self.req.config.clone();
        let g = self.read_packet()?;
        if g.first() == Some(&0xFF) {
            let (code, msg) = parse_err(&g);
            return Err(lerr(LinkErrorKind::Connect, code, msg));
        }
        let bad = || lerr(LinkErrorKind::Connect, 2027, "Malformed packet");
        let mut c = Cursor::new(&g);
        if c.u8().map_err(|_| bad())? != 10 {
            return Err(bad());
        }
        c.cstr();
        c.u32().map_err(|_| bad())?;
        let mut salt = c.take(8).map_err(|_| bad())?.to_vec();
        c.u8().map_err(|_| bad())?;
        let caps_lo = c.u16().map_err(|_| bad())?;
        c.u8().map_err(|_| bad())?;
        c.u16().map_err(|_| bad())?;
        let caps_hi = c.u16().map_err(|_| bad())?;
        let caps = u32::from(caps_lo) | u32::from(caps_hi) << 16;
        let auth_len = usize::from(c.u8().map_err(|_| bad())?);
        c.take(10).map_err(|_| bad())?;
        if caps & CLIENT_SECURE_CONNECTION != 0 {
            let n = auth_len.saturating_sub(8).max(13);
            let part2 = c.take(n).map_err(|_| bad())?;
            salt.extend_from_slice(&part2[..part2.len() - 1]);
        }
        let plugin = String::from_utf8_lossy(c.cstr()).into_owned();
        let mut resp = Vec::new();
        let my_caps = CLIENT_LONG_PASSWORD
            | CLIENT_LONG_FLAG
            | CLIENT_PROTOCOL_41
            | CLIENT_TRANSACTIONS
            | CLIENT_SECURE_CONNECTION
            | CLIENT_MULTI_RESULTS
            | CLIENT_PLUGIN_AUTH;
        resp.extend_from_slice(&my_caps.to_le_bytes());
        resp.extend_from_slice(&(MAX_PACKET as u32).to_le_bytes());
        resp.push(45); // utf8mb4_general_ci
        resp.extend_from_slice(&[0u8; 23]);
        resp.extend_from_slice(cfg.user.as_bytes());
        resp.push(0);
        let scramble = if plugin.is_empty() || plugin == NATIVE {
            native_password_scramble(&salt, &cfg.password)
        } else {
            Vec::new()
        };
        resp.push(scramble.len() as u8);
        resp.extend_from_slice(&scramble);
        resp.extend_from_slice(NATIVE.as_bytes());
        resp.push(0);
        self.send(&resp)?;
        loop {
            let p = self.read_packet()?;
            match p.first() {
                Some(0x00) => return Ok(()),
                Some(0xFF) => {
                    let (code, msg) = parse_err(&p);
                    return Err(lerr(LinkErrorKind::Connect, code, msg));
                }
                Some(0xFE) => {
                    let mut c = Cursor::new(&p[1..]);
                    let name = String::from_utf8_lossy(c.cstr()).into_owned();
                    if name != NATIVE {
                        return Err(lerr(
                            LinkErrorKind::Connect,
                            2059,
                            format!("Authentication plugin '{name}' cannot be used by a Borealis replica; give the replication user mysql_native_password"),
                        ));
                    }
                    let rest = c.rest();
                    let new_salt = rest.strip_suffix(&[0]).unwrap_or(rest);
                    let s = native_password_scramble(new_salt, &cfg.password);
                    self.send(&s)?;
                }
                _ => {
                    return Err(lerr(
                        LinkErrorKind::Connect,
                        2059,
                        format!("Authentication plugin '{plugin}' cannot be used by a Borealis replica; give the replication user mysql_native_password"),
                    ))
                }
            }
        }
    }

    /// A text query; the first column of the first row, if any.
    fn query(&mut self, sql: &str) -> Result<Option<String>, LinkError> {
        self.command(COM_QUERY, sql.as_bytes())?;
        let p = self.read_packet()?;
        match p.first() {
            Some(0x00) => return Ok(None),
            Some(0xFF) => {
                let (code, msg) = parse_err(&p);
                return Err(lerr(LinkErrorKind::Fatal, code, msg));
            }
            _ => {}
        }
        let cols = Cursor::new(&p).lenenc_int().unwrap_or(0);
        for _ in 0..cols {
            self.read_packet()?;
        }
        let eof = self.read_packet()?;
        if eof.first() != Some(&0xFE) {
            return Err(lerr(LinkErrorKind::Fatal, 2027, "Malformed packet"));
        }
        let mut first = None;
        loop {
            let row = self.read_packet()?;
            match row.first() {
                Some(0xFE) if row.len() < 9 => return Ok(first),
                Some(0xFF) => {
                    let (code, msg) = parse_err(&row);
                    return Err(lerr(LinkErrorKind::Fatal, code, msg));
                }
                _ => {
                    if first.is_none() {
                        first = if row.first() == Some(&0xFB) {
                            Some(String::new())
                        } else {
                            Cursor::new(&row)
                                .lenenc_bytes()
                                .ok()
                                .map(|b| String::from_utf8_lossy(b).into_owned())
                        };
                    }
                }
            }
        }
    }

    fn negotiate(&mut self) -> Result<(), LinkError> {
        let id = self.query("SELECT @@GLOBAL.SERVER_ID")?.unwrap_or_default();
        self.server_id = id.trim().parse().unwrap_or(0);
        if self.server_id == self.req.server_id {
            return Err(lerr(
                LinkErrorKind::Fatal,
                13117,
                "Fatal error: The replica I/O thread stops because source and replica have equal MySQL server ids; these ids must be different for replication to work (or the --replicate-same-server-id option must be used on replica but this does not always make sense; please check the manual before using it).",
            ));
        }
        // MariaDB has no server_uuid (1193): left empty.
        self.uuid = match self.query("SELECT @@GLOBAL.SERVER_UUID") {
            Ok(u) => u.unwrap_or_default(),
            Err(e) if e.kind == LinkErrorKind::Fatal => String::new(),
            Err(e) => return Err(e),
        };
        let ns = (self.req.config.heartbeat_period * 1e9) as u64;
        self.query(&format!(
            "SET @master_binlog_checksum = @@global.binlog_checksum, @source_binlog_checksum = @@global.binlog_checksum, @master_heartbeat_period = {ns}, @source_heartbeat_period = {ns}, @mariadb_slave_capability = 4"
        ))?;
        // What the source will put on its events (the dump's first Rotate included).
        let alg = self
            .query("SELECT @master_binlog_checksum")?
            .unwrap_or_default();
        self.checksum = Checksum::from_name(alg.trim()).unwrap_or(Checksum::None);
        let mut reg = Vec::new();
        reg.extend_from_slice(&self.req.server_id.to_le_bytes());
        reg.push(0); // report_host
        reg.push(0); // report_user
        reg.push(0); // report_password
        reg.extend_from_slice(&self.req.report_port.to_le_bytes());
        reg.extend_from_slice(&0u32.to_le_bytes()); // replication rank
        reg.extend_from_slice(&0u32.to_le_bytes()); // master id
        self.command(COM_REGISTER_SLAVE, &reg)?;
        let p = self.read_packet()?;
        if p.first() == Some(&0xFF) {
            let (code, msg) = parse_err(&p);
            return Err(lerr(LinkErrorKind::Fatal, code, msg));
        }
        Ok(())
    }

    fn dump(&mut self) -> Result<(), LinkError> {
        let from = &self.req.from;
        let pos = u32::try_from(from.pos.max(4)).map_err(|_| {
            lerr(
                LinkErrorKind::Fatal,
                1236,
                "binlog position past 4 GiB cannot be requested with COM_BINLOG_DUMP",
            )
        })?;
        let mut b = Vec::new();
        b.extend_from_slice(&pos.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&self.req.server_id.to_le_bytes());
        b.extend_from_slice(from.file.as_bytes());
        self.command(COM_BINLOG_DUMP, &b)
    }
}

impl SourceLink for Link {
    fn next_event(&mut self) -> Result<Vec<u8>, LinkError> {
        let mut p = self.read_packet()?;
        match p.first() {
            Some(0x00) => {
                p.remove(0);
                Ok(p)
            }
            Some(0xFF) => {
                let (code, msg) = parse_err(&p);
                Err(lerr(LinkErrorKind::Fatal, code, msg))
            }
            Some(0xFE) if p.len() < 9 => Err(lerr(
                LinkErrorKind::Lost,
                2013,
                "the source ended the binlog stream",
            )),
            _ => Err(lerr(LinkErrorKind::Lost, 2027, "Malformed packet")),
        }
    }

    fn source_server_id(&self) -> u32 {
        self.server_id
    }

    fn source_uuid(&self) -> String {
        self.uuid.clone()
    }

    fn checksum(&self) -> Checksum {
        self.checksum
    }
}
