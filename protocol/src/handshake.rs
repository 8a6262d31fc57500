//! Connection phase: the server greeting (HandshakeV10), the client's HandshakeResponse41,
//! AuthSwitchRequest and COM_CHANGE_USER.

use std::io;

use crate::flags::capability as C;

use crate::packet::Cursor;

/// The authentication plugins Borealis speaks: mysql_native_password (the greeting's) and
/// caching_sha2_password (MySQL 8.0's default; `auth.rs` and the engine's `sha2auth`).
pub const NATIVE_PASSWORD: &str = "mysql_native_password";
/// See [`NATIVE_PASSWORD`].
pub const CACHING_SHA2_PASSWORD: &str = "caching_sha2_password";

/// Capabilities the server offers: CLIENT_SSL when `tls` (the server has a certificate), no
/// CLIENT_COMPRESS, no CLIENT_SESSION_TRACK and no CLIENT_DEPRECATE_EOF: MariaDB clients
/// (libmariadb 3.3) and everything in `reference/` use classic EOF packets.
/// CLIENT_LONG_PASSWORD (bit 0) marks us as MySQL, so MariaDB clients do not send MariaDB
/// extended capabilities.
pub fn server_capabilities(tls: bool) -> u32 {
    let ssl = if tls { C::CLIENT_SSL } else { 0 };
    ssl | C::CLIENT_LONG_PASSWORD
        | C::CLIENT_FOUND_ROWS
        | C::CLIENT_LONG_FLAG
        | C::CLIENT_CONNECT_WITH_DB
        | C::CLIENT_IGNORE_SPACE
        | C::CLIENT_PROTOCOL_41
        | C::CLIENT_INTERACTIVE
        | C::CLIENT_IGNORE_SIGPIPE
        | C::CLIENT_TRANSACTIONS
        | C::CLIENT_SECURE_CONNECTION
        | C::CLIENT_MULTI_STATEMENTS
        | C::CLIENT_MULTI_RESULTS
        | C::CLIENT_PS_MULTI_RESULTS
        | C::CLIENT_PLUGIN_AUTH
        | C::CLIENT_CONNECT_ATTRS
        | C::CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
}

/// HandshakeV10 payload; `tls` offers CLIENT_SSL.
pub fn greeting(
    version: &str,
    connection_id: u32,
    salt: &[u8; 20],
    charset: u8,
    status: u16,
    tls: bool,
) -> Vec<u8> {
    let caps = server_capabilities(tls).to_le_bytes();
    let mut p = Vec::with_capacity(96);
    p.push(10);
    p.extend_from_slice(version.as_bytes());
    p.push(0);
    p.extend_from_slice(&connection_id.to_le_bytes());
    p.extend_from_slice(&salt[..8]);
    p.push(0);
    p.extend_from_slice(&caps[..2]);
    p.push(charset);
    p.extend_from_slice(&status.to_le_bytes());
    p.extend_from_slice(&caps[2..]);
    p.push(21);
    p.extend_from_slice(&[0; 10]);
    p.extend_from_slice(&salt[8..]);
    p.push(0);
    p.extend_from_slice(NATIVE_PASSWORD.as_bytes());
    p.push(0);
    p
}

/// AuthSwitchRequest to `plugin` with `salt` (both plugins take the 20-byte nonce).
pub fn auth_switch(plugin: &str, salt: &[u8; 20]) -> Vec<u8> {
    let mut p = vec![0xfe];
    p.extend_from_slice(plugin.as_bytes());
    p.push(0);
    p.extend_from_slice(salt);
    p.push(0);
    p
}

/// A parsed HandshakeResponse41 or COM_CHANGE_USER.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Login {
    /// Client capability flags (raw bits).
    pub capabilities: u32,
    /// Client's max packet size.
    pub max_packet: u32,
    /// Client collation id.
    pub charset: u16,
    /// User name.
    pub user: String,
    /// Scramble response.
    pub auth_response: Vec<u8>,
    /// Initial database.
    pub database: Option<String>,
    /// Plugin the response was computed for.
    pub auth_plugin: Option<String>,
    /// Connection attributes.
    pub attributes: Vec<(String, String)>,
}

impl Login {
    /// Whether the client must be switched to `plugin` before checking: it computed its
    /// response for another one (a client without CLIENT_PLUGIN_AUTH speaks native).
    pub fn needs_switch(&self, plugin: &str) -> bool {
        self.auth_plugin.as_deref().unwrap_or(NATIVE_PASSWORD) != plugin
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

fn attributes(c: &mut Cursor<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(block) = c.lenenc_bytes() else {
        return out;
    };
    let mut a = Cursor::new(block);
    while !a.is_empty() {
        match (a.lenenc_bytes(), a.lenenc_bytes()) {
            (Ok(k), Ok(v)) => out.push((text(k), text(v))),
            _ => break,
        }
    }
    out
}

/// Whether the client's first packet asks for TLS: an SSLRequest (the first 32 bytes of a
/// HandshakeResponse41 with CLIENT_SSL set). The real response follows over TLS.
pub fn is_ssl_request(payload: &[u8]) -> bool {
    payload.len() >= 4
        && u32::from_le_bytes([payload[0], payload[1], payload[2], payload[3]]) & C::CLIENT_SSL != 0
}

/// Parses HandshakeResponse41 (the SSLRequest before it is [`is_ssl_request`]'s business).
pub fn parse_handshake_response(payload: &[u8]) -> io::Result<Login> {
    let mut c = Cursor::new(payload);
    let capabilities = c.u32()?;
    let caps = capabilities;
    if caps & C::CLIENT_PROTOCOL_41 == 0 {
        return Err(bad("client does not speak protocol 4.1"));
    }
    let max_packet = c.u32()?;
    let charset = u16::from(c.u8()?);
    c.take(23)?;
    let user = text(c.cstr());
    let auth_response = if caps & C::CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA != 0 {
        c.lenenc_bytes()?.to_vec()
    } else if caps & C::CLIENT_SECURE_CONNECTION != 0 {
        let n = c.u8()?;
        c.take(usize::from(n))?.to_vec()
    } else {
        c.cstr().to_vec()
    };
    let database = if caps & C::CLIENT_CONNECT_WITH_DB != 0 && !c.is_empty() {
        Some(text(c.cstr())).filter(|d| !d.is_empty())
    } else {
        None
    };
    let auth_plugin = if caps & C::CLIENT_PLUGIN_AUTH != 0 && !c.is_empty() {
        Some(text(c.cstr()))
    } else {
        None
    };
    let attributes = if caps & C::CLIENT_CONNECT_ATTRS != 0 {
        attributes(&mut c)
    } else {
        Vec::new()
    };
    Ok(Login {
        capabilities,
        max_packet,
        charset,
        user,
        auth_response,
        database,
        auth_plugin,
        attributes,
    })
}

/// Parses a COM_CHANGE_USER body (command byte stripped); `capabilities` are the negotiated
/// ones from the handshake.
pub fn parse_change_user(body: &[u8], capabilities: u32, charset: u16) -> io::Result<Login> {
    let caps = capabilities;
    let mut c = Cursor::new(body);
    let user = text(c.cstr());
    let auth_response = if caps & C::CLIENT_SECURE_CONNECTION != 0 {
        let n = c.u8()?;
        c.take(usize::from(n))?.to_vec()
    } else {
        c.cstr().to_vec()
    };
    let database = Some(text(c.cstr())).filter(|d| !d.is_empty());
    let charset = if c.rest().len() >= 2 {
        c.u16()?
    } else {
        charset
    };
    let auth_plugin = if caps & C::CLIENT_PLUGIN_AUTH != 0 && !c.is_empty() {
        Some(text(c.cstr()))
    } else {
        None
    };
    let attributes = if caps & C::CLIENT_CONNECT_ATTRS != 0 && !c.is_empty() {
        attributes(&mut c)
    } else {
        Vec::new()
    };
    Ok(Login {
        capabilities,
        max_packet: 0,
        charset,
        user,
        auth_response,
        database,
        auth_plugin,
        attributes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::put_lenenc_bytes;

    fn sample_response() -> Vec<u8> {
        let caps = C::CLIENT_PROTOCOL_41
            | C::CLIENT_SECURE_CONNECTION
            | C::CLIENT_PLUGIN_AUTH
            | C::CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
            | C::CLIENT_CONNECT_WITH_DB
            | C::CLIENT_CONNECT_ATTRS;
        let mut p = Vec::new();
        p.extend_from_slice(&caps.to_le_bytes());
        p.extend_from_slice(&(1u32 << 20).to_le_bytes());
        p.push(33);
        p.extend_from_slice(&[0; 23]);
        p.extend_from_slice(b"app\0");
        put_lenenc_bytes(&mut p, &[1; 20]);
        p.extend_from_slice(b"shop\0mysql_native_password\0");
        let mut attrs = Vec::new();
        put_lenenc_bytes(&mut attrs, b"program_name");
        put_lenenc_bytes(&mut attrs, b"mysql");
        put_lenenc_bytes(&mut p, &attrs);
        p
    }

    #[test]
    fn parses_mariadb_style_response() {
        let l = parse_handshake_response(&sample_response()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.user, "app");
        assert_eq!(l.charset, 33);
        assert_eq!(l.auth_response, vec![1; 20]);
        assert_eq!(l.database.as_deref(), Some("shop"));
        assert_eq!(l.auth_plugin.as_deref(), Some(NATIVE_PASSWORD));
        assert_eq!(l.attributes, vec![("program_name".into(), "mysql".into())]);
        assert!(!l.needs_switch(NATIVE_PASSWORD));
        assert!(l.needs_switch(CACHING_SHA2_PASSWORD));
    }

    #[test]
    fn truncated_responses_fail_cleanly() {
        let full = sample_response();
        for i in 0..40 {
            assert!(parse_handshake_response(&full[..i]).is_err(), "prefix {i}");
        }
    }

    #[test]
    fn greeting_layout() {
        let salt = *b"abcdefghijklmnopqrst";
        let g = greeting("8.0.36-borealis", 7, &salt, 45, 2, false);
        assert_eq!(g[0], 10);
        assert!(g[1..].starts_with(b"8.0.36-borealis\0"));
        let rest = &g[17..];
        assert_eq!(&rest[..4], &7u32.to_le_bytes());
        assert_eq!(&rest[4..12], b"abcdefgh");
        assert_eq!(rest[15], 45);
        assert!(g.ends_with(b"mnopqrst\0mysql_native_password\0"));
        let caps = u32::from(u16::from_le_bytes([rest[13], rest[14]]))
            | (u32::from(u16::from_le_bytes([rest[18], rest[19]])) << 16);
        assert_eq!(caps & C::CLIENT_DEPRECATE_EOF, 0);
        assert_eq!(caps, server_capabilities(false));
    }

    #[test]
    fn change_user_parse() {
        let caps = server_capabilities(false);
        let mut body = b"bob\0".to_vec();
        body.push(20);
        body.extend_from_slice(&[9; 20]);
        body.extend_from_slice(b"db1\0");
        body.extend_from_slice(&45u16.to_le_bytes());
        body.extend_from_slice(b"mysql_native_password\0");
        let l = parse_change_user(&body, caps, 33).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.user, "bob");
        assert_eq!(l.database.as_deref(), Some("db1"));
        assert_eq!(l.charset, 45);
        assert!(parse_change_user(b"bob\0\x14abc", caps, 33).is_err());
    }
}
