//! TLS on client connections (CLIENT_SSL) and the RSA key pair of caching_sha2_password.
//!
//! A connection starts in plain TCP. A client that wants TLS sends an SSLRequest (the first
//! 32 bytes of a HandshakeResponse41 with CLIENT_SSL set); the server then runs a TLS
//! handshake (rustls, TLS 1.2 and 1.3) on the same socket and reads the real handshake
//! response through it. From then on every byte goes through [`Transport::Tls`]. The
//! connection keeps its own thread and blocking socket (`server.rs`), so the blocking
//! `rustls::StreamOwned` is used rather than an async wrapper.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{Oaep, RsaPrivateKey};

/// The negotiated TLS parameters of a connection, named as OpenSSL (and so MySQL's
/// `Ssl_version` / `Ssl_cipher`) names them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsInfo {
    /// `TLSv1.2` or `TLSv1.3`.
    pub version: String,
    /// e.g. `TLS_AES_256_GCM_SHA384`, `ECDHE-ECDSA-AES128-GCM-SHA256`.
    pub cipher: String,
}

/// The server's RSA key pair for caching_sha2_password without TLS: a client asks for the
/// public key and sends its password encrypted with RSA-OAEP (SHA-1, as MySQL 8.0 does).
pub struct RsaKeys {
    private: RsaPrivateKey,
    public_pem: String,
}

impl std::fmt::Debug for RsaKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaKeys").finish_non_exhaustive()
    }
}

impl RsaKeys {
    /// Reads a PKCS#8 PEM private key (what `private_key.pem` holds).
    pub fn from_private_pem(pem: &str) -> Result<RsaKeys, String> {
        let private =
            RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| format!("bad RSA private key: {e}"))?;
        let public_pem = private
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| format!("cannot encode the RSA public key: {e}"))?;
        Ok(RsaKeys {
            private,
            public_pem,
        })
    }

    /// The public key as PEM (SubjectPublicKeyInfo), what the server sends a client.
    pub fn public_pem(&self) -> &str {
        &self.public_pem
    }

    /// Decrypts an RSA-OAEP (SHA-1) block; `None` when it is not one.
    pub fn decrypt(&self, data: &[u8]) -> Option<Vec<u8>> {
        self.private.decrypt(Oaep::new::<sha1::Sha1>(), data).ok()
    }
}

/// A client connection's byte stream: plain TCP or TLS over it.
pub(crate) enum Transport {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Transport {
    /// The TCP socket underneath (timeouts, readiness, shutdown).
    pub(crate) fn socket(&self) -> &TcpStream {
        match self {
            Transport::Plain(s) => s,
            Transport::Tls(t) => &t.sock,
        }
    }

    /// Whether bytes written straight to the socket reach the client as they are.
    pub(crate) fn is_tls(&self) -> bool {
        matches!(self, Transport::Tls(_))
    }

    /// Starts TLS on `sock` with `config`. `early` are bytes already read from the socket
    /// after the SSLRequest (a client may send its ClientHello right behind it). The
    /// handshake itself runs now, under the socket's timeouts.
    pub(crate) fn start_tls(
        sock: TcpStream,
        config: Arc<rustls::ServerConfig>,
        early: &[u8],
    ) -> io::Result<(Transport, TlsInfo)> {
        let mut conn = rustls::ServerConnection::new(config).map_err(io::Error::other)?;
        let mut rest = early;
        while !rest.is_empty() {
            conn.read_tls(&mut rest)?;
            conn.process_new_packets().map_err(io::Error::other)?;
        }
        let mut sock = sock;
        while conn.is_handshaking() {
            conn.complete_io(&mut sock)?;
        }
        let info = tls_info(&conn);
        Ok((
            Transport::Tls(Box::new(rustls::StreamOwned::new(conn, sock))),
            info,
        ))
    }
}

impl Read for Transport {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(s) => s.read(buf),
            Transport::Tls(t) => match t.read(buf) {
                // A client that closes the socket without close_notify (most do after
                // COM_QUIT, and a killed one always): the end of the stream.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
                r => r,
            },
        }
    }
}

impl Write for Transport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(s) => s.write(buf),
            Transport::Tls(t) => t.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Transport::Plain(s) => s.write_all(buf),
            // Encrypted in pieces of rustls' buffer limit, each written out as it goes
            // (memory stays bounded for a 64 MiB reply), then flushed.
            Transport::Tls(t) => {
                t.write_all(buf)?;
                t.flush()
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Transport::Plain(s) => s.flush(),
            Transport::Tls(t) => t.flush(),
        }
    }
}

fn tls_info(conn: &rustls::ServerConnection) -> TlsInfo {
    let version = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3",
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2",
        _ => "",
    };
    let cipher = conn
        .negotiated_cipher_suite()
        .map(|s| openssl_cipher_name(&format!("{:?}", s.suite())))
        .unwrap_or_default();
    TlsInfo {
        version: version.to_string(),
        cipher,
    }
}

/// OpenSSL's name of a cipher suite, from rustls' IANA-style name
/// (`TLS13_AES_128_GCM_SHA256` → `TLS_AES_128_GCM_SHA256`,
/// `TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384` → `ECDHE-ECDSA-AES256-GCM-SHA384`).
pub fn openssl_cipher_name(iana: &str) -> String {
    if let Some(rest) = iana.strip_prefix("TLS13_") {
        return format!("TLS_{rest}");
    }
    let Some(body) = iana.strip_prefix("TLS_") else {
        return iana.to_string();
    };
    let Some((kx, cipher)) = body.split_once("_WITH_") else {
        return iana.to_string();
    };
    let kx = kx.replace('_', "-");
    let cipher = match cipher {
        "AES_128_GCM_SHA256" => "AES128-GCM-SHA256".to_string(),
        "AES_256_GCM_SHA384" => "AES256-GCM-SHA384".to_string(),
        "CHACHA20_POLY1305_SHA256" => "CHACHA20-POLY1305".to_string(),
        other => other.replace('_', "-"),
    };
    format!("{kx}-{cipher}")
}

/// A rustls server configuration for MySQL clients: TLS 1.2 and 1.3 with the ring
/// provider, no client certificates, `cert_chain_pem` (server certificate first) and
/// `key_pem`.
pub fn server_config(
    cert_chain_pem: &[u8],
    key_pem: &[u8],
) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_slice_iter(cert_chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("bad certificate: {e}"))?;
    if certs.is_empty() {
        return Err("no certificate in the certificate file".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| format!("bad key: {e}"))?;
    // ring, not aws-lc-rs: no C/CMake toolchain needed to build. rustls 0.23.48 deprecates
    // ring's provider only because it lacks post-quantum key exchange, which MySQL clients
    // (OpenSSL's classic groups) do not offer anyway.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("certificate and key do not fit: {e}"))?;
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_names_are_openssl_names() {
        assert_eq!(
            openssl_cipher_name("TLS13_AES_256_GCM_SHA384"),
            "TLS_AES_256_GCM_SHA384"
        );
        assert_eq!(
            openssl_cipher_name("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
            "ECDHE-ECDSA-AES128-GCM-SHA256"
        );
        assert_eq!(
            openssl_cipher_name("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
            "ECDHE-RSA-CHACHA20-POLY1305"
        );
    }
}
