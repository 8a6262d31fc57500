//! The server's TLS certificate and caching_sha2_password RSA keys, as MySQL 8.0 keeps them.
//!
//! Without `--ssl-cert`/`--ssl-key`, the first start writes into the data directory what
//! MySQL's `auto_generate_certs` writes: a CA (`ca.pem`, `ca-key.pem`) and a server
//! certificate signed by it (`server-cert.pem`, `server-key.pem`) naming `localhost` and
//! `127.0.0.1`, so `mysql --ssl-verify-server-cert --ssl-ca=DATA_DIR/ca.pem -h 127.0.0.1`
//! verifies it; later starts reuse them. Keys are ECDSA P-256 (rcgen with ring). Likewise
//! `private_key.pem` / `public_key.pem` (RSA 2048, PKCS#8 / SubjectPublicKeyInfo) for
//! caching_sha2_password without TLS (MySQL's `auto_generate_rsa_keys`). Every file is
//! mode 0600 like the rest of the data directory.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};

/// Where the server's TLS files are.
pub struct TlsFiles {
    /// `ssl_ca`; empty when none was given and none generated.
    pub ca: Option<PathBuf>,
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The TLS files to serve with: the given ones, or those in `data_dir` (generated on
/// first start).
pub fn tls_files(
    data_dir: &Path,
    ca: Option<PathBuf>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
) -> Result<TlsFiles, String> {
    match (cert, key) {
        (Some(cert), Some(key)) => return Ok(TlsFiles { ca, cert, key }),
        (None, None) => {}
        _ => return Err("--ssl-cert and --ssl-key go together".into()),
    }
    let files = TlsFiles {
        ca: Some(ca.unwrap_or_else(|| data_dir.join("ca.pem"))),
        cert: data_dir.join("server-cert.pem"),
        key: data_dir.join("server-key.pem"),
    };
    if files.cert.exists() && files.key.exists() {
        return Ok(files);
    }
    generate_certificates(data_dir).map_err(|e| format!("cannot make TLS certificates: {e}"))?;
    tracing::info!(dir = %data_dir.display(), "generated ca.pem, server-cert.pem and their keys");
    Ok(files)
}

fn generate_certificates(dir: &Path) -> Result<(), String> {
    let version = env!("CARGO_PKG_VERSION");
    let ca_key = KeyPair::generate().map_err(|e| e.to_string())?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    ca_params.distinguished_name.push(
        DnType::CommonName,
        format!("Borealis_Server_{version}_Auto_Generated_CA_Certificate"),
    );
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(|e| e.to_string())?;
    let issuer = Issuer::new(ca_params, &ca_key);

    let server_key = KeyPair::generate().map_err(|e| e.to_string())?;
    let mut params =
        CertificateParams::new(vec!["localhost".to_string()]).map_err(|e| e.to_string())?;
    params.subject_alt_names.extend([
        SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
    ]);
    params.distinguished_name.push(
        DnType::CommonName,
        format!("Borealis_Server_{version}_Auto_Generated_Server_Certificate"),
    );
    let server_cert = params
        .signed_by(&server_key, &issuer)
        .map_err(|e| e.to_string())?;

    // Keys first: a crash part-way leaves no certificate without its key.
    write_private(&dir.join("ca-key.pem"), &ca_key.serialize_pem())?;
    write_private(&dir.join("ca.pem"), &ca_cert.pem())?;
    write_private(&dir.join("server-key.pem"), &server_key.serialize_pem())?;
    write_private(&dir.join("server-cert.pem"), &server_cert.pem())?;
    Ok(())
}

/// caching_sha2_password's RSA key files in `data_dir`, generated on first start.
pub fn rsa_key_files(data_dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let private = data_dir.join("private_key.pem");
    let public = data_dir.join("public_key.pem");
    if private.exists() && public.exists() {
        return Ok((private, public));
    }
    let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048)
        .map_err(|e| format!("cannot make an RSA key: {e}"))?;
    let private_pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| format!("cannot encode the RSA key: {e}"))?;
    let public_pem = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| format!("cannot encode the RSA public key: {e}"))?;
    write_private(&private, &private_pem)?;
    write_private(&public, &public_pem)?;
    tracing::info!(dir = %data_dir.display(), "generated private_key.pem and public_key.pem");
    Ok((private, public))
}

/// The listener configuration with TLS from `files` and caching_sha2_password's RSA key
/// from `rsa_private`.
pub fn mysql_config(
    files: &TlsFiles,
    rsa_private: &Path,
) -> Result<borealis_protocol::ServerConfig, String> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let chain = read(&files.cert)?;
    let tls = borealis_protocol::tls::server_config(&chain, &read(&files.key)?)
        .map_err(|e| format!("{}: {e}", files.cert.display()))?;
    let pem = String::from_utf8(read(rsa_private)?)
        .map_err(|_| format!("{} is not PEM text", rsa_private.display()))?;
    let rsa = borealis_protocol::RsaKeys::from_private_pem(&pem)
        .map_err(|e| format!("{}: {e}", rsa_private.display()))?;
    Ok(borealis_protocol::ServerConfig {
        tls: Some(tls),
        rsa: Some(std::sync::Arc::new(rsa)),
        ..Default::default()
    })
}
