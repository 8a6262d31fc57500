//! `borealis`: the MySQL-compatible server on a copy-on-write page volume.
//!
//! `borealis serve` opens (or creates) the volume in `--data-dir`, makes sure
//! the default cluster and its master user exist, serves the MySQL protocol on
//! `--bind:--port` (and every other instance on its own port), and the RDS API on
//! `--api-port`, until SIGTERM or Ctrl-C, then checkpoints and exits.
//! `borealis clusters|clone|restore|backtrack|delete|events|snapshot|snapshots|delete-snapshot`
//! are clients of that API.

mod accounts;
mod api;
mod certs;
mod cli;
mod console;
mod fleet;
mod glue;
mod isotime;
mod ram;
mod registry;
mod sigv4;
mod source;

/// Every statement allocates rows, keys and packets on many threads at once; glibc's malloc
/// spent a quarter of a read-only sysbench run in its own bookkeeping, mimalloc a fraction.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use borealis_engine::sql::vars::ServerInfo;
use borealis_engine::storage::{Volume, VolumeOptions};

const HELP: &str = "\
Usage: borealis serve [OPTIONS]

Runs the Borealis MySQL-compatible server.

Options:
  --data-dir <DIR>          Volume directory (default: ./borealis-data)
  --bind <ADDR>             Address to listen on (default: 127.0.0.1)
  --port <PORT>             MySQL port (default: 3306)
  --master-username <NAME>  Master user created on first start (default: admin)
  --master-password <PW>    Its password (or env BOREALIS_MASTER_PASSWORD; on first start
                            without either, a random one is generated, printed once and
                            written to DATA_DIR/initial-password, mode 0600)
  --cluster-id <NAME>       Name of the default cluster (default: borealis)
  --cache-size <SIZE>       Page cache size, e.g. 256M, 2G (default: 256M)
  --page-size <BYTES>       Page size of a new volume (default: 16384)
  --server-id <N>           server_id (default: 1)
  --skip-log-bin            Do not write binary logs (log_bin=OFF); by default every
                            commit is logged to DATA_DIR/binlog/<cluster>/
  --recover-truncate-log-at-corruption
                            Start even though a record inside the write-ahead log is
                            damaged: cut the log there, dropping the commits after it
                            (without this flag the server refuses and says what it would
                            drop)
  --var <NAME>=<VALUE>      Startup value of a global variable, e.g.
                            --var binlog_checksum=NONE --var max_binlog_size=1048576
                            (repeatable)
  --api-port <PORT>         RDS API (aws --endpoint-url http://127.0.0.1:PORT rds …)
                            and the web console (http://127.0.0.1:PORT/console/)
                            (default: 8686; 0 turns the API off)
  --api-access-key <KEY>    With --api-secret-key: refuse API requests not signed
  --api-secret-key <KEY>    with these credentials (SigV4), as account 000000000000
  --account <ID:KEY:SECRET> An account of the API (repeatable): a request signed with
                            access key KEY (SigV4, secret SECRET) acts as account ID
                            (12 digits) and sees only its own resources and what is
                            shared with it (AWS RAM). Without accounts, any credentials
                            are account 000000000000
  --accounts-file <PATH>    Accounts, one ID:KEY:SECRET a line (# comments)
  --instance-ports <LO-HI>  Ports for instances created without one (default: 3307-3399)
  --ssl-cert <FILE>         TLS certificate (PEM) for MySQL clients; with --ssl-key.
  --ssl-key <FILE>          Without them the server makes ca.pem, server-cert.pem
                            and server-key.pem in the data dir on first start
  --ssl-ca <FILE>           CA certificate shown as ssl_ca (default: DATA_DIR/ca.pem)
  --log-level <LEVEL>       error, warn, info, debug, trace (default: info)
  -h, --help                Print this help
";

struct Args {
    data_dir: PathBuf,
    bind: String,
    port: u16,
    user: String,
    password: Option<String>,
    cluster: String,
    cache: usize,
    page_size: usize,
    server_id: u32,
    log_level: String,
    log_bin: bool,
    vars: Vec<(String, String)>,
    api_port: u16,
    api_keys: (Option<String>, Option<String>),
    accounts: Vec<accounts::Account>,
    instance_ports: (u16, u16),
    truncate_log_at_corruption: bool,
    ssl_ca: Option<PathBuf>,
    ssl_cert: Option<PathBuf>,
    ssl_key: Option<PathBuf>,
}

fn parse_size(s: &str) -> Option<usize> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()?.to_ascii_uppercase() {
        'K' => (&s[..s.len() - 1], 1usize << 10),
        'M' => (&s[..s.len() - 1], 1 << 20),
        'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<usize>().ok()?.checked_mul(mult)
}

fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        data_dir: PathBuf::from("./borealis-data"),
        bind: "127.0.0.1".into(),
        port: 3306,
        user: "admin".into(),
        password: std::env::var("BOREALIS_MASTER_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty()),
        cluster: "borealis".into(),
        cache: 256 << 20,
        page_size: 16384,
        server_id: 1,
        log_level: "info".into(),
        log_bin: true,
        vars: Vec::new(),
        api_port: 8686,
        api_keys: (None, None),
        accounts: Vec::new(),
        instance_ports: (3307, 3399),
        truncate_log_at_corruption: false,
        ssl_ca: None,
        ssl_cert: None,
        ssl_key: None,
    };
    while let Some(flag) = argv.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (flag, None),
        };
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        if flag == "--recover-truncate-log-at-corruption" {
            a.truncate_log_at_corruption = true;
            continue;
        }
        if flag == "--skip-log-bin" {
            a.log_bin = false;
            continue;
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| argv.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--data-dir" => a.data_dir = PathBuf::from(value()?),
            "--bind" => a.bind = value()?,
            "--port" => {
                a.port = value()?
                    .parse()
                    .map_err(|_| "--port must be a number from 0 to 65535".to_string())?
            }
            "--master-username" => a.user = value()?,
            "--master-password" => a.password = Some(value()?),
            "--cluster-id" => a.cluster = value()?,
            "--cache-size" => {
                a.cache = parse_size(&value()?).ok_or("--cache-size must look like 512M or 2G")?
            }
            "--page-size" => {
                a.page_size = value()?
                    .parse()
                    .map_err(|_| "--page-size must be a number".to_string())?
            }
            "--server-id" => {
                a.server_id = value()?
                    .parse()
                    .map_err(|_| "--server-id must be a number".to_string())?
            }
            "--log-level" => a.log_level = value()?,
            "--ssl-ca" => a.ssl_ca = Some(PathBuf::from(value()?)),
            "--ssl-cert" => a.ssl_cert = Some(PathBuf::from(value()?)),
            "--ssl-key" => a.ssl_key = Some(PathBuf::from(value()?)),
            "--api-port" => {
                a.api_port = value()?
                    .parse()
                    .map_err(|_| "--api-port must be a number from 0 to 65535".to_string())?
            }
            "--api-access-key" => a.api_keys.0 = Some(value()?),
            "--api-secret-key" => a.api_keys.1 = Some(value()?),
            "--account" => a
                .accounts
                .push(accounts::Account::parse(&value()?).map_err(|e| format!("--account: {e}"))?),
            "--accounts-file" => a
                .accounts
                .extend(accounts::Accounts::read_file(Path::new(&value()?))?),
            "--instance-ports" => {
                let v = value()?;
                let bad = || format!("--instance-ports needs LO-HI, e.g. 3307-3399, got '{v}'");
                let (lo, hi) = v.split_once('-').ok_or_else(bad)?;
                let lo: u16 = lo.trim().parse().map_err(|_| bad())?;
                let hi: u16 = hi.trim().parse().map_err(|_| bad())?;
                if lo == 0 || lo > hi {
                    return Err(bad());
                }
                a.instance_ports = (lo, hi);
            }
            "--var" => {
                let v = value()?;
                let (name, val) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--var needs NAME=VALUE, got '{v}'"))?;
                a.vars
                    .push((name.trim().replace('-', "_"), val.trim().to_string()));
            }
            other => {
                return Err(format!(
                    "unknown option '{other}' (see borealis serve --help)"
                ))
            }
        }
    }
    Ok(a)
}

fn random_password() -> String {
    let mut buf = [0u8; 18];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut f, &mut buf);
    }
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    buf.iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

fn write_initial_password(dir: &Path, pw: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(dir.join("initial-password"))?;
    writeln!(f, "{pw}")
}

/// The server's UUID, created on first start and kept in `DATA_DIR/auto.cnf` as MySQL does
/// (`server-uuid=...` under `[auto]`).
fn server_uuid(dir: &Path) -> Result<String, String> {
    let path = dir.join("auto.cnf");
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Some(u) = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("server-uuid="))
        {
            return Ok(u.trim().to_string());
        }
    }
    let uuid = fleet::uuid();
    {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .and_then(|mut f| f.write_all(format!("[auto]\nserver-uuid={uuid}\n").as_bytes()))
    }
    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(uuid)
}

fn main() {
    let mut argv = std::env::args().skip(1);
    let code = match argv.next().as_deref() {
        Some("serve") => match parse_args(argv) {
            Ok(a) => serve(a),
            Err(e) if e.is_empty() => {
                let _ = write!(std::io::stdout(), "{HELP}");
                0
            }
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "borealis: {e}");
                2
            }
        },
        Some(
            cmd @ ("clusters" | "clone" | "restore" | "backtrack" | "delete" | "events"
            | "snapshot" | "snapshots" | "delete-snapshot"),
        ) => cli::run(cmd, argv.collect()),
        Some("-h" | "--help" | "help") | None => {
            let _ = write!(
                std::io::stdout(),
                "Usage: borealis <COMMAND>\n\nCommands:\n  serve     Run the server (borealis serve --help)\n  clusters  List clusters, endpoints and space\n  clone     Clone a cluster (copy-on-write) with an endpoint\n  restore   Point-in-time restore of a cluster (copy-on-write)\n  backtrack Rewind a cluster in place to a time (and forward again)\n  delete    Delete a cluster and its instances\n  events    A cluster's events\n  snapshot  Snapshot a cluster (snapshots, delete-snapshot)\n\n{}",
                cli::HELP
            );
            0
        }
        Some(other) => {
            let _ = writeln!(
                std::io::stderr(),
                "borealis: unknown command '{other}' (try: borealis serve --help)"
            );
            2
        }
    };
    std::process::exit(code);
}

fn serve(a: Args) -> i32 {
    let filter = tracing_subscriber::EnvFilter::try_new(a.log_level.clone())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match run(a) {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!("{e}");
            1
        }
    }
}

fn run(a: Args) -> Result<(), String> {
    borealis_engine::storage::create_private_dir(&a.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", a.data_dir.display()))?;
    let opts = VolumeOptions {
        page_size: a.page_size,
        cache_bytes: a.cache,
        truncate_log_at_corruption: a.truncate_log_at_corruption,
        ..Default::default()
    };
    let volume = Arc::new(Volume::open(&a.data_dir, opts).map_err(|e| match e {
        e @ borealis_engine::Error::CorruptLog { .. } => format!(
            "{e}. The server does not start: that would lose those commits silently. Restore \
             the volume from a backup, or start with --recover-truncate-log-at-corruption to \
             cut the log at the damage and drop them (the binlog is cut to match; the cut \
             bytes are kept beside the log as *.wal.dropped)"
        ),
        e => e.to_string(),
    })?);
    let first_start = volume.cluster(&a.cluster).is_none();
    let mut password = a.password.clone();
    if first_start {
        volume
            .create_cluster(&a.cluster)
            .map_err(|e| e.to_string())?;
        if password.is_none() {
            let pw = random_password();
            write_initial_password(&a.data_dir, &pw)
                .map_err(|e| format!("cannot write initial-password: {e}"))?;
            let _ = writeln!(
                std::io::stdout(),
                "Generated password for master user '{}': {pw}\n(also written to {})",
                a.user,
                a.data_dir.join("initial-password").display()
            );
            password = Some(pw);
        }
    }
    let data_dir = std::fs::canonicalize(&a.data_dir).unwrap_or(a.data_dir.clone());
    let tmpdir = fresh_tmpdir(&data_dir)?;
    let tls_files = certs::tls_files(
        &data_dir,
        a.ssl_ca.clone(),
        a.ssl_cert.clone(),
        a.ssl_key.clone(),
    )?;
    let (rsa_private, rsa_public) = certs::rsa_key_files(&data_dir)?;
    let mysql = certs::mysql_config(&tls_files, &rsa_private)?;
    let shown = |p: &Path| p.display().to_string();
    let info = ServerInfo {
        version: "8.0.36-borealis".into(),
        port: a.port,
        hostname: std::fs::read_to_string("/etc/hostname")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "localhost".into()),
        datadir: format!("{}/", data_dir.display()),
        tmpdir: tmpdir.display().to_string(),
        server_id: a.server_id,
        server_uuid: server_uuid(&a.data_dir)?,
        log_bin: a.log_bin,
        ssl_ca: tls_files.ca.as_deref().map(shown).unwrap_or_default(),
        ssl_cert: shown(&tls_files.cert),
        ssl_key: shown(&tls_files.key),
        rsa_private_key: shown(&rsa_private),
        rsa_public_key: shown(&rsa_public),
        ..Default::default()
    };
    let bind: IpAddr = a
        .bind
        .parse()
        .map_err(|_| format!("--bind '{}' is not an IP address", a.bind))?;
    let accounts = match a.api_keys.clone() {
        (Some(_), Some(_)) if !a.accounts.is_empty() => {
            return Err(
                "--api-access-key/--api-secret-key and --account/--accounts-file exclude each \
                 other: give the key as --account 000000000000:KEY:SECRET"
                    .into(),
            )
        }
        (Some(k), Some(s)) => accounts::Accounts::new(vec![accounts::Account {
            id: accounts::OPEN_ACCOUNT.into(),
            access_key: k,
            secret: s,
        }])?,
        (None, None) => accounts::Accounts::new(a.accounts.clone())?,
        _ => return Err("--api-access-key and --api-secret-key go together".into()),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .max(2),
        )
        .max_blocking_threads(512)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let master = password.as_deref().map(|p| (a.user.as_str(), p));
    let fleet = fleet::Fleet::open(
        volume.clone(),
        fleet::FleetOptions {
            data_dir: data_dir.clone(),
            bind,
            instance_ports: a.instance_ports,
            default_cluster: a.cluster.clone(),
            default_port: a.port,
            master_username: a.user.clone(),
            info,
            vars: a.vars.clone(),
            mysql,
        },
        rt.handle().clone(),
        if first_start { master } else { None },
    )?;
    fleet.start_all()?;
    tracing::info!(addr = %format!("{bind}:{}", a.port), cluster = %a.cluster, "borealis ready for connections");
    let api_fleet = fleet.clone();
    rt.block_on(async move {
        if a.api_port != 0 {
            let l = tokio::net::TcpListener::bind((bind, a.api_port))
                .await
                .map_err(|e| format!("cannot listen on {bind}:{} for the API: {e}", a.api_port))?;
            tracing::info!(addr = %format!("{bind}:{}", a.api_port), "RDS API ready");
            tokio::spawn(api::serve(
                l,
                api_fleet,
                api::Auth {
                    accounts: Arc::new(accounts),
                },
            ));
        }
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| format!("cannot watch SIGTERM: {e}"))?;
        tokio::select! {
            _ = term.recv() => {},
            _ = tokio::signal::ctrl_c() => {},
        }
        tracing::info!("shutting down");
        Ok::<(), String>(())
    })?;
    fleet.shutdown();
    drop(fleet);
    drop(rt);
    match Arc::try_unwrap(volume) {
        Ok(v) => v.close().map_err(|e| e.to_string())?,
        Err(v) => v.checkpoint().map_err(|e| e.to_string())?,
    }
    tracing::info!("stopped cleanly");
    Ok(())
}

/// `DATA_DIR/tmp`, where sorts write their runs (`tmpdir`): created private (0700) and
/// emptied, since a run file left there belonged to a process that is gone (they are
/// unlinked as soon as they are created; a crash in between leaves the name).
fn fresh_tmpdir(data_dir: &Path) -> Result<PathBuf, String> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let dir = data_dir.join("tmp");
    let fail = |e: std::io::Error| format!("cannot prepare {}: {e}", dir.display());
    if dir.is_dir() {
        for entry in std::fs::read_dir(&dir).map_err(fail)? {
            let path = entry.map_err(fail)?.path();
            if path.is_dir() {
                std::fs::remove_dir_all(&path).map_err(fail)?;
            } else {
                std::fs::remove_file(&path).map_err(fail)?;
            }
        }
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
    } else {
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(fail)?;
    }
    Ok(dir)
}
