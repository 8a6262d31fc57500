//! The control plane's HTTP endpoint: the RDS Query API (`Action=…&Version=2014-10-31`,
//! form-encoded POST or GET query string) answered in the RDS XML shapes, so the AWS CLI
//! and boto3 drive Borealis as they drive Aurora (DESIGN "Control plane").
//!
//! Requests may be SigV4-signed (the AWS CLI always signs); with accounts configured
//! (`--account`, `--accounts-file`, or `--api-access-key`/`--api-secret-key` for account
//! 000000000000: [`crate::accounts`]) every request must be signed, its access key picks
//! the account, and the signature is checked with that account's secret over the body that
//! actually arrived, with the request time within 15 minutes of the server's clock (see
//! [`sigv4::verify_with`]): SignatureDoesNotMatch, InvalidClientTokenId,
//! IncompleteSignature, RequestExpired otherwise.
//!
//! Every resource belongs to the account that made it ([`Fleet::owner`]). An account's
//! requests see and touch only its own: an identifier or ARN of another account's resource
//! gets the NotFound fault of a name that does not exist ([`guard`]), and the Describe
//! calls list only its own. The one way across is AWS RAM ([`crate::ram`], on this same
//! endpoint): a cluster shared with an account that accepted the invitation can be the
//! source of its RestoreDBClusterToPointInTime, named by ARN; the clone is the
//! restorer's. Identifiers are one namespace for all accounts: a name another account uses
//! is DBClusterAlreadyExistsFault (AWS keeps one per account).
//!
//! `GET /console/…` is the web console's files ([`crate::console`]), answered before any of
//! this: the page calls the API like any other client, signing when keys are set. A request
//! from a browser page other than the console (its `Origin` header) is refused first
//! (403 AccessDenied, [`crate::console::check_origin`]).
//!
//! HTTP/1.1 is hyper's (`http1` server only, with hyper-util's tokio glue and
//! http-body-util's body limit): a well-kept parser that has met far more hostile clients
//! than a hand-written one, with the limits this endpoint needs built in. axum would add a
//! router, tower and serde for an endpoint that dispatches on one form field; hyper alone
//! adds ten small crates to the tree. Limits, each answered with an HTTP 4xx and the
//! connection closed, the server going on:
//!
//! 1. request line plus headers: at most [`MAX_HEAD_BYTES`] and [`MAX_HEADERS`] fields
//!    (hyper answers 431), read within [`HEAD_READ_TIMEOUT`] (also the idle time allowed
//!    on a kept-alive connection: botocore reconnects when it finds one closed);
//! 2. body: at most [`MAX_BODY`] (413 RequestEntityTooLargeException; a larger
//!    `Content-Length` is refused before a byte of the body is read), read within
//!    [`BODY_READ_TIMEOUT`] (408);
//! 3. responses: a write that makes no progress for [`WRITE_TIMEOUT`] (a client that
//!    sends requests and never reads the answers) closes the connection
//!    (tokio-io-timeout's `TimeoutStream` around the socket; hyper has no write timeout);
//! 4. connections: at most [`MAX_CONNECTIONS`] at once; past it a connection gets 400
//!    `Throttling` ("Rate exceeded", which botocore retries with backoff) and is closed, so
//!    sockets held open by one client cannot take the endpoint from everyone else for
//!    longer than the head timeout.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Body as _, Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{header, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::accounts::{Accounts, OPEN_ACCOUNT};
use crate::fleet::{
    check_tags, engine_versions, orderable_classes, retention_days, snapshot_not_found, ApiError,
    Backtrack, ClusterView, CreateCluster, CreateInstance, Echo, Fleet, InstanceView,
    ModifyCluster, ModifyInstance, ParamChange, Restore, RestoreFromSnapshot, SnapshotView,
    DEFAULT_DB_PARAMETER_GROUP,
};
use crate::isotime::{format_us, parse_us};
use crate::registry::ParamGroupMeta;
use crate::sigv4;

const NS: &str = "http://rds.amazonaws.com/doc/2014-10-31/";
/// The largest request body read (a Query API call is a few hundred bytes).
pub const MAX_BODY: usize = 1 << 20;
/// The largest request line plus headers (botocore sends about 1 KiB).
pub const MAX_HEAD_BYTES: usize = 16 << 10;
/// The most header fields in one request.
pub const MAX_HEADERS: usize = 64;
/// Time allowed for a request's line and headers, counted from the end of the previous
/// response on a kept-alive connection.
pub const HEAD_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Time allowed for a request's body.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Time a response write may wait for the client to read.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 256;

/// The accounts, whose keys sign requests (none: an open server).
#[derive(Clone, Default)]
pub struct Auth {
    pub accounts: Arc<Accounts>,
}

/// Who a request is from: its account, the region its credential scope names (for ARNs)
/// and the account that owns resources with no owner record; `open`: no accounts are
/// configured, and the one account there is owns everything (also what accounts of an
/// earlier run made).
pub struct Caller {
    pub account: String,
    pub region: String,
    pub default_account: String,
    pub open: bool,
}

impl Caller {
    /// Whether resource `name` of ARN kind `kind` is the caller's.
    pub fn owns(&self, fleet: &Fleet, kind: &str, name: &str) -> bool {
        if self.open {
            return true;
        }
        let owner = fleet.owner(kind, name);
        owner.as_deref().unwrap_or(&self.default_account) == self.account
    }
}

/// Serves the API on `listener` until the runtime stops.
pub async fn serve(listener: TcpListener, fleet: Arc<Fleet>, auth: Auth) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEAD_READ_TIMEOUT)
        .max_header_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS)
        // The read buffer: bodies stream through it, so it bounds memory per connection.
        .max_buf_size(64 << 10);
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "api accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, limit = MAX_CONNECTIONS, "api connection refused: too many");
            tokio::spawn(refuse(stream));
            continue;
        };
        let (fleet, auth) = (fleet.clone(), auth.clone());
        let service = service_fn(move |req: hyper::Request<Incoming>| {
            let (fleet, auth) = (fleet.clone(), auth.clone());
            async move {
                // GET /console/…: the web console's files (crate::console).
                if crate::console::is_console_path(req.uri().path()) {
                    let keys_set = !auth.accounts.is_open();
                    return Ok::<_, Infallible>(crate::console::respond(
                        req.method(),
                        req.uri().path(),
                        peer,
                        keys_set,
                    ));
                }
                // A browser page may call the API only from the console (crate::console).
                if let Err(msg) =
                    crate::console::check_origin(req.headers(), !auth.accounts.is_open())
                {
                    tracing::info!(%peer, "api request refused: {msg}");
                    return Ok(reply(error_xml(&ApiError::new(403, "AccessDenied", msg))));
                }
                Ok::<_, Infallible>(respond(req, fleet, auth).await)
            }
        });
        let mut io = tokio_io_timeout::TimeoutStream::new(stream);
        io.set_write_timeout(Some(WRITE_TIMEOUT));
        let conn = http.serve_connection(TokioIo::new(Box::pin(io)), service);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "api connection ended");
            }
            drop(slot);
        });
    }
}

/// Answers a connection over [`MAX_CONNECTIONS`] with AWS's throttling error and closes it
/// (without reading its request: the answer is the same for any).
async fn refuse(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt;
    let (_, xml) = error_xml(&ApiError::new(400, "Throttling", "Rate exceeded"));
    let head = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        xml.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(xml.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), write).await;
}

struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// One HTTP request: read the body within its limits, then answer it on a blocking
/// thread (fleet operations call the engine, which is synchronous).
async fn respond(
    req: hyper::Request<Incoming>,
    fleet: Arc<Fleet>,
    auth: Auth,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let mut headers = Vec::with_capacity(parts.headers.len());
    for (name, value) in &parts.headers {
        let Ok(value) = std::str::from_utf8(value.as_bytes()) else {
            return reply(error_xml(&ApiError::new(
                400,
                "MalformedHttpRequestException",
                format!("The value of header {name} is not UTF-8."),
            )));
        };
        headers.push((name.as_str().to_string(), value.trim().to_string()));
    }
    let too_large = || {
        reply(error_xml(&ApiError::new(
            413,
            "RequestEntityTooLargeException",
            format!("The request body is larger than {MAX_BODY} bytes."),
        )))
    };
    if body.size_hint().lower() > MAX_BODY as u64 {
        return too_large();
    }
    let body = match tokio::time::timeout(BODY_READ_TIMEOUT, Limited::new(body, MAX_BODY).collect())
        .await
    {
        Ok(Ok(collected)) => collected.to_bytes().to_vec(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => return too_large(),
        Ok(Err(e)) => {
            return reply(error_xml(&ApiError::new(
                400,
                "MalformedHttpRequestException",
                format!("The request body could not be read: {e}"),
            )))
        }
        Err(_) => {
            return reply(error_xml(&ApiError::new(
                408,
                "RequestTimeoutException",
                format!(
                    "The request body did not arrive within {} seconds.",
                    BODY_READ_TIMEOUT.as_secs()
                ),
            )))
        }
    };
    let req = Request {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers,
        body,
    };
    let ram = crate::ram::is_ram_path(&req.path);
    let answer = tokio::task::spawn_blocking(move || handle(&fleet, &auth, &req))
        .await
        .unwrap_or_else(|_| {
            let e = ApiError::new(500, "InternalFailure", "the request failed");
            if ram {
                crate::ram::error_json(&e)
            } else {
                error_xml(&e)
            }
        });
    reply_as(
        answer,
        if ram {
            "application/x-amz-json-1.1"
        } else {
            "text/xml"
        },
    )
}

/// An XML answer with the headers the AWS SDKs read.
fn reply(answer: (u16, String)) -> Response<Full<Bytes>> {
    reply_as(answer, "text/xml")
}

/// An answer of `content_type` with the headers the AWS SDKs read.
fn reply_as((status, body): (u16, String), content_type: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    if let Ok(id) = header::HeaderValue::from_str(&crate::fleet::uuid()) {
        h.insert("x-amzn-requestid", id);
    }
    r
}

/// Request parameters: query string and form body together, and the caller's account
/// (the account an ARN must name).
struct Params(BTreeMap<String, String>, String);

impl Params {
    fn parse(req: &Request, account: &str) -> Params {
        let mut m = BTreeMap::new();
        let body = String::from_utf8_lossy(&req.body);
        for src in [req.query.as_str(), body.as_ref()] {
            for pair in src.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                m.insert(sigv4::url_decode(k), sigv4::url_decode(v));
            }
        }
        Params(m, account.to_string())
    }
    fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str).filter(|v| !v.is_empty())
    }
    fn s(&self, k: &str) -> String {
        self.get(k).unwrap_or("").to_string()
    }
    fn flag(&self, k: &str) -> bool {
        self.get(k).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
    /// A boolean parameter: `true` or `false`.
    fn bool(&self, k: &str) -> Result<Option<bool>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid(format!(
                "The parameter {k} must be true or false, got '{v}'."
            ))),
        }
    }
    fn num(&self, k: &str) -> Result<Option<u64>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                ApiError::invalid(format!(
                    "The parameter {k} must be a whole number, got '{v}'."
                ))
            }),
        }
    }
    fn port(&self) -> Result<Option<u16>, ApiError> {
        match self.num("Port")? {
            None => Ok(None),
            Some(p) if (1150..=65535).contains(&p) => Ok(Some(p as u16)),
            Some(p) => Err(ApiError::invalid(format!(
                "Port {p} is out of range: use 1150 to 65535, as RDS does."
            ))),
        }
    }
    fn time(&self, k: &str) -> Result<Option<u64>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => parse_us(v).map(Some).ok_or_else(|| {
                ApiError::invalid(format!(
                    "The parameter {k} is not a valid time: '{v}'. Use ISO 8601 UTC, e.g. 2026-11-22T10:00:00Z."
                ))
            }),
        }
    }
    /// A list parameter: `Name.member.1`, `Name.Item.2`, … in index order.
    fn list(&self, name: &str) -> Vec<String> {
        let prefix = format!("{name}.");
        let mut v: Vec<(u64, String)> = self
            .0
            .iter()
            .filter_map(|(k, val)| {
                let rest = k.strip_prefix(&prefix)?;
                let idx = rest.rsplit('.').next()?.parse().ok()?;
                Some((idx, val.clone()))
            })
            .collect();
        v.sort();
        v.into_iter().map(|(_, s)| s).collect()
    }
    /// An identifier parameter of a resource of `kind` (`cluster`, `cluster-snapshot`,
    /// `db`), given as its name or its ARN (`arn:aws:rds:REGION:ACCOUNT:KIND:NAME`); empty
    /// when absent.
    fn id(&self, k: &str, kind: &str) -> Result<String, ApiError> {
        match self.get(k) {
            None => Ok(String::new()),
            Some(v) => from_arn(v, kind, &self.1),
        }
    }
    fn id_opt(&self, k: &str, kind: &str) -> Result<Option<String>, ApiError> {
        self.get(k).map(|v| from_arn(v, kind, &self.1)).transpose()
    }
    /// `Tags` (`Tags.Tag.N.Key` / `.Value`) as (key, value) pairs.
    fn tags(&self) -> Vec<(String, String)> {
        self.structs("Tags")
            .into_iter()
            .map(|m| {
                (
                    m.get("Key").cloned().unwrap_or_default(),
                    m.get("Value").cloned().unwrap_or_default(),
                )
            })
            .collect()
    }
    /// A list of structures: `Name.Member.N.Field` (any member word) as (N, field -> value)
    /// in index order.
    fn structs(&self, name: &str) -> Vec<BTreeMap<String, String>> {
        let prefix = format!("{name}.");
        let mut by_index: BTreeMap<u64, BTreeMap<String, String>> = BTreeMap::new();
        for (k, v) in &self.0 {
            let Some(rest) = k.strip_prefix(&prefix) else {
                continue;
            };
            let mut parts = rest.splitn(3, '.');
            let (_member, idx, field) = (parts.next(), parts.next(), parts.next());
            let (Some(idx), Some(field)) = (idx.and_then(|i| i.parse().ok()), field) else {
                continue;
            };
            by_index
                .entry(idx)
                .or_default()
                .insert(field.to_string(), v.clone());
        }
        by_index.into_values().collect()
    }
    /// `Filters.Filter.N.Name` / `Filters.Filter.N.Values.Value.M` of `action`, checked
    /// against the filter names RDS defines for it ([`filter_names`]): InvalidParameterValue
    /// for any other name (as RDS answers), a filter without a name or without values.
    fn filters(&self, action: &str) -> Result<Vec<Filter>, ApiError> {
        let mut by_index: BTreeMap<u64, Filter> = BTreeMap::new();
        for (k, v) in &self.0 {
            let Some(rest) = k.strip_prefix("Filters.") else {
                continue;
            };
            let mut parts = rest.splitn(3, '.');
            let (_member, idx, field) = (parts.next(), parts.next(), parts.next().unwrap_or(""));
            let Some(idx) = idx.and_then(|i| i.parse().ok()) else {
                return Err(ApiError::invalid(format!(
                    "The parameter {k} is not a valid filter: use Filters.Filter.N.Name and \
                     Filters.Filter.N.Values.Value.M."
                )));
            };
            let f = by_index.entry(idx).or_default();
            if field == "Name" {
                f.name = v.clone();
            } else if field.starts_with("Values") {
                if !v.is_empty() {
                    f.values.push(v.clone());
                }
            } else {
                return Err(ApiError::invalid(format!(
                    "The parameter {k} is not a valid filter: a filter has a Name and Values."
                )));
            }
        }
        let known = filter_names(action);
        for (i, f) in &by_index {
            if f.name.is_empty() {
                return Err(ApiError::invalid(format!(
                    "The parameter Filters.Filter.{i}.Name must be provided."
                )));
            }
            if !known.contains(&f.name.as_str()) {
                return Err(ApiError::invalid(format!(
                    "Unrecognized filter name: {}.{}",
                    f.name,
                    if known.is_empty() {
                        format!(" {action} takes no filters.")
                    } else {
                        format!(" {action} takes {}.", known.join(", "))
                    }
                )));
            }
            if f.values.is_empty() {
                return Err(ApiError::invalid(format!(
                    "The filter {} must have at least one value.",
                    f.name
                )));
            }
        }
        Ok(by_index.into_values().collect())
    }
    /// One page of the records of a describe call RDS pages ([`max_records_limit`]):
    /// `items` are (key, record), the keys unique and in the order the call lists; the
    /// page holds up to `MaxRecords` (default 100) records after the one `Marker` names,
    /// and the Marker of the next page when more remain. A Marker is the last record's
    /// key (hex, tagged with the action), so records created or deleted between two
    /// pages shift nothing. Bad values are InvalidParameterValue, as RDS answers.
    fn page<T>(
        &self,
        action: &str,
        mut items: Vec<(String, T)>,
    ) -> Result<(Vec<T>, Option<String>), ApiError> {
        let limit = max_records_limit(action).unwrap_or(100);
        let max = match self.0.get("MaxRecords").map(String::as_str) {
            None | Some("") => 100.min(limit),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (20..=limit as i64).contains(&n) => n as u64,
                _ => {
                    return Err(ApiError::invalid(format!(
                        "Invalid value {v} for MaxRecords. Must be between 20 and {limit}"
                    )))
                }
            },
        };
        let after = match self.get("Marker") {
            None => None,
            Some(m) => Some(decode_marker(action, m)?),
        };
        items.sort_by(|a, b| a.0.cmp(&b.0));
        let start = after.map_or(0, |k| items.partition_point(|(key, _)| *key <= k));
        let mut rest = items.split_off(start);
        let max = usize::try_from(max).unwrap_or(usize::MAX);
        let marker = if rest.len() > max {
            rest.truncate(max);
            rest.last().map(|(k, _)| encode_marker(action, k))
        } else {
            None
        };
        Ok((rest.into_iter().map(|(_, v)| v).collect(), marker))
    }
    fn echo(&self) -> Echo {
        Echo {
            vpc_security_group_ids: self.list("VpcSecurityGroupIds"),
            db_subnet_group_name: self.s("DBSubnetGroupName"),
            kms_key_id: self.s("KmsKeyId"),
            parameter_group: self.s("DBClusterParameterGroupName"),
        }
    }
}

/// One `Filters.Filter.N` of a describe call: a resource passes when it matches any of
/// the values; it is listed when it passes every filter.
#[derive(Default)]
struct Filter {
    name: String,
    values: Vec<String>,
}

impl Filter {
    /// Whether a value names resource `name` of ARN kind `kind` owned by `owner`, by its
    /// identifier or its ARN (any region).
    fn names(&self, kind: &str, name: &str, owner: &str) -> bool {
        self.values.iter().any(|v| match rds_arn(v) {
            Some((a, k, n)) => a == owner && k == kind && n.eq_ignore_ascii_case(name),
            None => !v.starts_with("arn:") && v.eq_ignore_ascii_case(name),
        })
    }
    /// Whether a value is `value`.
    fn is(&self, value: &str) -> bool {
        self.values.iter().any(|v| v.eq_ignore_ascii_case(value))
    }
}

/// The filter names RDS defines for `action` (none for the actions that take no filters).
/// `domain` (an Active Directory domain) is a name RDS defines: no Borealis resource
/// belongs to a domain, so it matches nothing.
fn filter_names(action: &str) -> &'static [&'static str] {
    match action {
        "DescribeDBClusters" => &[
            "clone-group-id",
            "db-cluster-id",
            "db-cluster-resource-id",
            "domain",
            "engine",
        ],
        "DescribeDBInstances" => &[
            "db-cluster-id",
            "db-instance-id",
            "dbi-resource-id",
            "domain",
            "engine",
        ],
        "DescribeDBClusterSnapshots" => &[
            "db-cluster-id",
            "db-cluster-snapshot-id",
            "snapshot-type",
            "engine",
        ],
        "DescribeDBClusterEndpoints" => &[
            "db-cluster-endpoint-custom-type",
            "db-cluster-endpoint-id",
            "db-cluster-endpoint-status",
            "db-cluster-endpoint-type",
        ],
        _ => &[],
    }
}

/// The largest MaxRecords RDS accepts for a describe call it pages (None: the call
/// is not paged).
fn max_records_limit(action: &str) -> Option<u64> {
    match action {
        "DescribeOrderableDBInstanceOptions" => Some(1000),
        "DescribeDBClusters"
        | "DescribeDBInstances"
        | "DescribeDBClusterSnapshots"
        | "DescribeEvents"
        | "DescribeDBClusterParameterGroups"
        | "DescribeDBClusterParameters"
        | "DescribeDBEngineVersions"
        | "DescribeDBClusterBacktracks"
        | "DescribeDBClusterEndpoints" => Some(100),
        _ => None,
    }
}

/// The Marker after record `key` of `action`'s list: hex of `ACTION\nKEY` (opaque to
/// clients; only characters every encoding passes unchanged).
fn encode_marker(action: &str, key: &str) -> String {
    format!("{action}\n{key}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The record key a Marker of `action` names; InvalidParameterValue for anything else.
fn decode_marker(action: &str, marker: &str) -> Result<String, ApiError> {
    let bad = || {
        ApiError::invalid(format!(
            "The parameter Marker is not a valid pagination token for {action}: pass the \
             Marker of a previous {action} response, or omit it for the first page."
        ))
    };
    if !marker.len().is_multiple_of(2) || marker.len() > 65_536 {
        return Err(bad());
    }
    let bytes = (0..marker.len())
        .step_by(2)
        .map(|i| {
            marker
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    match text.split_once('\n') {
        Some((a, key)) if a == action => Ok(key.to_string()),
        _ => Err(bad()),
    }
}

fn handle(fleet: &Arc<Fleet>, auth: &Auth, req: &Request) -> (u16, String) {
    let ram = crate::ram::is_ram_path(&req.path);
    let account = if auth.accounts.is_open() {
        OPEN_ACCOUNT.to_string()
    } else {
        let now = borealis_engine::storage::now_us() / 1_000_000;
        let secret_for = |k: &str| auth.accounts.by_key(k).map(|a| a.secret.clone());
        match sigv4::verify_with(
            &req.method,
            &req.path,
            &req.query,
            &req.headers,
            &req.body,
            &secret_for,
            now,
        ) {
            Ok(key) => auth
                .accounts
                .by_key(&key)
                .map(|a| a.id.clone())
                .unwrap_or_default(),
            Err((status, code, msg)) => {
                tracing::info!(code, "api request refused");
                let e = ApiError::new(status, code, msg);
                return if ram {
                    crate::ram::error_json(&e)
                } else {
                    error_xml(&e)
                };
            }
        }
    };
    let caller = Caller {
        account,
        region: credential_region(req).unwrap_or_else(|| DEFAULT_REGION.to_string()),
        default_account: auth.accounts.default_account().to_string(),
        open: auth.accounts.is_open(),
    };
    if ram {
        return crate::ram::handle(
            fleet,
            &caller,
            &req.method,
            &req.path,
            &req.query,
            &req.body,
        );
    }
    let p = Params::parse(req, &caller.account);
    let Some(action) = p.get("Action").map(str::to_string) else {
        return error_xml(&ApiError::new(
            400,
            "MissingAction",
            "The request must contain the parameter Action (this is the RDS Query API; try aws --endpoint-url … rds describe-db-clusters).",
        ));
    };
    tracing::debug!(action, "api request");
    match guard(fleet, &caller, &action, &p).and_then(|()| dispatch(fleet, &action, &p, &caller)) {
        Ok(result) => {
            let mut x = String::new();
            let _ = write!(
                x,
                "<{action}Response xmlns=\"{NS}\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
                crate::fleet::uuid()
            );
            (200, x)
        }
        Err(e) => {
            tracing::info!(action, code = e.code, "{}", e.message);
            error_xml(&e)
        }
    }
}

/// The region in ARNs when the request names none (unsigned requests).
const DEFAULT_REGION: &str = "local";

/// The region of the request's SigV4 credential scope (`Credential=AK/DATE/REGION/rds/…`
/// in the Authorization header or `X-Amz-Credential` in the query string).
fn credential_region(req: &Request) -> Option<String> {
    let from_header = req
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| v.split("Credential=").nth(1))
        .map(|c| c.split([',', ' ']).next().unwrap_or("").to_string());
    let from_query = || {
        req.query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == "X-Amz-Credential").then(|| sigv4::url_decode(v))
        })
    };
    let cred = from_header.or_else(from_query)?;
    let region = cred.split('/').nth(2)?;
    let ok = !region.is_empty()
        && region.len() <= 32
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    ok.then(|| region.to_string())
}

/// The NotFound fault of a resource of ARN kind `kind` named `v`.
fn not_found(kind: &str, v: &str) -> ApiError {
    match kind {
        "cluster-snapshot" => snapshot_not_found(v),
        "db" => ApiError::new(
            404,
            "DBInstanceNotFound",
            format!("DBInstance {v} not found."),
        ),
        "cluster-pg" => crate::fleet::group_not_found(v),
        _ => ApiError::cluster_not_found(v),
    }
}

/// The (account, kind, name) of an RDS ARN `arn:aws:rds:REGION:ACCOUNT:KIND:NAME`.
pub fn rds_arn(v: &str) -> Option<(&str, &str, &str)> {
    match v.splitn(7, ':').collect::<Vec<_>>().as_slice() {
        ["arn", "aws", "rds", _region, account, kind, name] if !name.is_empty() => {
            Some((*account, *kind, *name))
        }
        _ => None,
    }
}

/// The name in `v` if it is an ARN of `account`'s resource of `kind`, `v` itself if it
/// is not an ARN. Any region is accepted: one server is one region whatever its clients
/// call it.
fn from_arn(v: &str, kind: &str, account: &str) -> Result<String, ApiError> {
    if !v.starts_with("arn:") {
        return Ok(v.to_string());
    }
    let parts: Vec<&str> = v.splitn(7, ':').collect();
    match parts.as_slice() {
        ["arn", "aws", "rds", _region, a, k, name]
            if *a == account && *k == kind && !name.is_empty() =>
        {
            Ok((*name).to_string())
        }
        ["arn", _, "rds", _, _, _, _] => Err(not_found(kind, v)),
        _ => Err(ApiError::invalid(format!(
            "{v} is not a valid ARN: use arn:aws:rds:REGION:ACCOUNT:{kind}:NAME."
        ))),
    }
}

/// The (ARN kind, name) of a `ResourceName`, which must be an ARN of the caller's
/// resource.
fn resource_arn(fleet: &Fleet, caller: &Caller, v: &str) -> Result<(String, String), ApiError> {
    if !v.starts_with("arn:") {
        return Err(ApiError::invalid(format!(
            "{v} is not an ARN: name the resource as arn:aws:rds:REGION:ACCOUNT:KIND:NAME."
        )));
    }
    let kind = v.split(':').nth(5).unwrap_or("").to_string();
    let name = from_arn(v, &kind, &caller.account)?;
    if !caller.owns(fleet, &kind, &name) {
        return Err(not_found(&kind, v));
    }
    Ok((kind, name))
}

/// Refuses a request naming a resource that is not the caller's with that resource's
/// NotFound fault, as for a name that does not exist: every identifier parameter that
/// names an existing resource is checked (not the new name of a create, nor a cluster
/// that is only a filter of DescribeDBClusterSnapshots). A default parameter group is
/// everyone's. The source cluster of RestoreDBClusterToPointInTime may also be another
/// account's cluster shared with the caller ([`restore_source`]).
fn guard(fleet: &Fleet, caller: &Caller, action: &str, p: &Params) -> Result<(), ApiError> {
    const NAMES: &[(&str, &str)] = &[
        ("DBClusterIdentifier", "cluster"),
        ("SourceDBClusterIdentifier", "cluster"),
        ("DBInstanceIdentifier", "db"),
        ("TargetDBInstanceIdentifier", "db"),
        ("DBClusterSnapshotIdentifier", "cluster-snapshot"),
        ("SourceDBClusterSnapshotIdentifier", "cluster-snapshot"),
        ("SnapshotIdentifier", "cluster-snapshot"),
        ("DBClusterParameterGroupName", "cluster-pg"),
    ];
    for &(param, kind) in NAMES {
        let skip = matches!(
            (action, param),
            (
                "CreateDBCluster"
                    | "RestoreDBClusterToPointInTime"
                    | "RestoreDBClusterFromSnapshot",
                "DBClusterIdentifier"
            ) | ("CreateDBInstance", "DBInstanceIdentifier")
                | ("CreateDBClusterSnapshot", "DBClusterSnapshotIdentifier")
                | (
                    "CreateDBClusterParameterGroup",
                    "DBClusterParameterGroupName"
                )
                | ("DescribeDBClusterSnapshots", "DBClusterIdentifier")
                | ("RestoreDBClusterToPointInTime", "SourceDBClusterIdentifier")
        );
        let Some(v) = p.get(param) else { continue };
        if skip {
            continue;
        }
        let name = from_arn(v, kind, &caller.account)?;
        if kind == "cluster-pg" && name.to_ascii_lowercase().starts_with("default.") {
            continue;
        }
        if !caller.owns(fleet, kind, &name) {
            return Err(not_found(kind, v));
        }
    }
    Ok(())
}

/// The source cluster of RestoreDBClusterToPointInTime: the caller's own (a name or its
/// ARN), or the ARN of another account's cluster in a resource share whose invitation the
/// caller accepted; DBClusterNotFoundFault otherwise.
fn restore_source(fleet: &Fleet, caller: &Caller, v: &str) -> Result<String, ApiError> {
    match rds_arn(v) {
        Some((account, "cluster", name)) if account != caller.account => {
            let owner = fleet.owner("cluster", name);
            let owned = owner.as_deref().unwrap_or(&caller.default_account) == account;
            if owned && crate::ram::shared_with(fleet, account, name, &caller.account) {
                Ok(name.to_string())
            } else {
                Err(ApiError::cluster_not_found(v))
            }
        }
        _ => {
            let name = from_arn(v, "cluster", &caller.account)?;
            if !caller.owns(fleet, "cluster", &name) {
                return Err(ApiError::cluster_not_found(v));
            }
            Ok(name)
        }
    }
}

fn dispatch(
    fleet: &Arc<Fleet>,
    action: &str,
    p: &Params,
    caller: &Caller,
) -> Result<String, ApiError> {
    let (region, account) = (&caller.region, &caller.account);
    let arn = |kind: &str, id: &str| format!("arn:aws:rds:{region}:{account}:{kind}:{id}");
    // Whether the caller owns resource `id` of ARN kind `kind` (Describe calls list only
    // the caller's).
    let mine = |kind: &str, id: &str| {
        (kind == "cluster-pg" && id.to_ascii_lowercase().starts_with("default."))
            || caller.owns(fleet, kind, id)
    };
    // A resource just made is the caller's.
    let own = |kind: &str, id: &str| fleet.set_owner(kind, id, account);
    let cluster_xml = |x: &mut Xml, v: &ClusterView| cluster_xml(x, v, &arn);
    let instance_xml = |x: &mut Xml, v: &InstanceView| instance_xml(x, v, &arn);
    let snapshot_xml = |x: &mut Xml, v: &SnapshotView| snapshot_xml(x, v, &arn);
    let mut x = Xml::default();
    // `--tags` of a create call: checked before anything is created, added after; the
    // answer's TagList is the new resource's tags.
    let tags = p.tags();
    check_tags(&tags)?;
    let tag = |kind: &str, id: &str| -> Result<Vec<(String, String)>, ApiError> {
        if !tags.is_empty() {
            fleet.add_tags(kind, id, &tags)?;
        }
        fleet.list_tags(kind, id)
    };
    // Filters.Filter.N of the describe calls that take them; any other action takes none.
    let filters = p.filters(action)?;
    match action {
        "CreateDBCluster" => {
            let mut v = fleet.create_cluster(CreateCluster {
                id: p.s("DBClusterIdentifier"),
                engine: p.s("Engine"),
                engine_version: p.s("EngineVersion"),
                master_username: p.s("MasterUsername"),
                master_password: p.s("MasterUserPassword"),
                database_name: p.s("DatabaseName"),
                port: p.port()?,
                backtrack_window: p.num("BacktrackWindow")?.unwrap_or(0),
                backup_retention_days: p.num("BackupRetentionPeriod")?,
                echo: p.echo(),
            })?;
            own("cluster", &v.meta.id)?;
            v.tags = tag("cluster", &v.meta.id)?;
            cluster_xml(&mut x, &v);
        }
        "RestoreDBClusterToPointInTime" => {
            let source = match p.get("SourceDBClusterIdentifier") {
                Some(v) => restore_source(fleet, caller, v)?,
                None => String::new(),
            };
            let mut v = fleet.restore(Restore {
                id: p.s("DBClusterIdentifier"),
                source,
                restore_type: p.s("RestoreType"),
                use_latest: p.flag("UseLatestRestorableTime"),
                restore_to_us: p.time("RestoreToTime")?,
                port: p.port()?,
                backtrack_window: p.num("BacktrackWindow")?,
                echo: p.echo(),
            })?;
            own("cluster", &v.meta.id)?;
            v.tags = tag("cluster", &v.meta.id)?;
            cluster_xml(&mut x, &v);
        }
        "CreateDBInstance" => {
            let mut v = fleet.create_instance(CreateInstance {
                id: p.s("DBInstanceIdentifier"),
                cluster: p.id("DBClusterIdentifier", "cluster")?,
                class: p.s("DBInstanceClass"),
                engine: p.s("Engine"),
                port: p.port()?,
                promotion_tier: p.num("PromotionTier")?,
                ca_certificate: p.get("CACertificateIdentifier").map(str::to_string),
                auto_minor_version_upgrade: p.bool("AutoMinorVersionUpgrade")?,
            })?;
            own("db", &v.meta.id)?;
            v.tags = tag("db", &v.meta.id)?;
            instance_xml(&mut x, &v);
        }
        "DescribeDBClusters" => {
            let vs =
                fleet.describe_clusters(p.id_opt("DBClusterIdentifier", "cluster")?.as_deref())?;
            // IncludeShared: also the clusters other accounts shared with the caller (whose
            // invitation it accepted), with their owners' ARNs.
            let include_shared = p.flag("IncludeShared");
            let passes = |v: &ClusterView, owner: &str| {
                filters.iter().all(|f| match f.name.as_str() {
                    "db-cluster-id" => f.names("cluster", &v.meta.id, owner),
                    "engine" => f.is(&v.meta.engine),
                    "db-cluster-resource-id" => f.is(&v.meta.resource_id),
                    "clone-group-id" => f.is(&v.meta.clone_group_id),
                    _ => false,
                })
            };
            // (cluster, its owner when it is another account's, shared with the caller).
            let mut listed: Vec<(String, (&ClusterView, Option<String>))> = Vec::new();
            for v in &vs {
                if mine("cluster", &v.meta.id) {
                    if passes(v, account) {
                        listed.push((v.meta.id.clone(), (v, None)));
                    }
                    continue;
                }
                let owner = fleet
                    .owner("cluster", &v.meta.id)
                    .unwrap_or_else(|| caller.default_account.clone());
                if include_shared
                    && passes(v, &owner)
                    && crate::ram::shared_with(fleet, &owner, &v.meta.id, account)
                {
                    listed.push((v.meta.id.clone(), (v, Some(owner))));
                }
            }
            let (listed, marker) = p.page(action, listed)?;
            x.open("DBClusters");
            for (v, owner) in listed {
                match owner {
                    None => cluster_xml(&mut x, v),
                    Some(owner) => {
                        let owner_arn = |kind: &str, id: &str| {
                            format!("arn:aws:rds:{region}:{owner}:{kind}:{id}")
                        };
                        self::cluster_xml(&mut x, v, &owner_arn);
                    }
                }
            }
            x.close("DBClusters");
            x.marker(marker);
            let vol = fleet.volume_view();
            x.open("BorealisVolume");
            x.leaf("PageSize", vol.page_size);
            x.leaf("TotalPages", vol.total_pages);
            x.leaf("FreePages", vol.free_pages);
            x.close("BorealisVolume");
        }
        "DescribeDBInstances" => {
            let vs =
                fleet.describe_instances(p.id_opt("DBInstanceIdentifier", "db")?.as_deref())?;
            let passes = |v: &InstanceView| {
                filters.iter().all(|f| match f.name.as_str() {
                    "db-cluster-id" => f.names("cluster", &v.meta.cluster, account),
                    "db-instance-id" => f.names("db", &v.meta.id, account),
                    "dbi-resource-id" => f.is(&v.meta.resource_id),
                    "engine" => f.is(&v.meta.engine),
                    _ => false,
                })
            };
            let listed = vs
                .iter()
                .filter(|v| mine("db", &v.meta.id) && passes(v))
                .map(|v| (v.meta.id.clone(), v))
                .collect();
            let (listed, marker) = p.page(action, listed)?;
            x.open("DBInstances");
            for v in listed {
                instance_xml(&mut x, v);
            }
            x.close("DBInstances");
            x.marker(marker);
        }
        "ModifyDBCluster" => {
            // Every setting is applied or refused: none is accepted and ignored.
            const APPLIED: &[&str] = &[
                "Action",
                "Version",
                "DBClusterIdentifier",
                "ApplyImmediately",
                "BacktrackWindow",
                "MasterUserPassword",
                "Port",
                "BackupRetentionPeriod",
                "NewDBClusterIdentifier",
                "DBClusterParameterGroupName",
                "VpcSecurityGroupIds",
                "DeletionProtection",
            ];
            for k in p.0.keys() {
                let base = k.split('.').next().unwrap_or("");
                if !APPLIED.contains(&base) && !base.starts_with("X-Amz-") {
                    return Err(ApiError::invalid(format!(
                        "Borealis cannot modify {base} of a DB cluster (it applies \
                         BacktrackWindow, MasterUserPassword, Port, BackupRetentionPeriod, \
                         DBClusterParameterGroupName and VpcSecurityGroupIds)."
                    )));
                }
            }
            if p.flag("DeletionProtection") {
                return Err(ApiError::invalid(
                    "Deletion protection is not supported by Borealis: DeletionProtection \
                     stays false.",
                ));
            }
            let sgs = p.list("VpcSecurityGroupIds");
            let old_id = p.id("DBClusterIdentifier", "cluster")?;
            let v = fleet.modify_cluster(ModifyCluster {
                vpc_security_group_ids: (!sgs.is_empty()).then_some(sgs),
                id: p.id("DBClusterIdentifier", "cluster")?,
                backtrack_window: p.num("BacktrackWindow")?,
                master_password: p.get("MasterUserPassword").map(str::to_string),
                port: p.port()?,
                backup_retention_days: p.num("BackupRetentionPeriod")?,
                new_id: p.get("NewDBClusterIdentifier").map(str::to_string),
                parameter_group: p.get("DBClusterParameterGroupName").map(str::to_string),
            })?;
            if !v.meta.id.eq_ignore_ascii_case(&old_id) {
                fleet.rename_owner("cluster", &old_id, &v.meta.id)?;
            }
            cluster_xml(&mut x, &v);
        }
        "ModifyDBInstance" => {
            // Every setting is applied or refused: none is accepted and ignored.
            const APPLIED: &[&str] = &[
                "Action",
                "Version",
                "DBInstanceIdentifier",
                "ApplyImmediately",
                "NewDBInstanceIdentifier",
                "DBInstanceClass",
                "PromotionTier",
                "CACertificateIdentifier",
                "AutoMinorVersionUpgrade",
                "DBParameterGroupName",
            ];
            // What an Aurora instance takes from its cluster (RDS refuses these on the
            // instance too).
            const CLUSTER_LEVEL: &[&str] = &[
                "AllocatedStorage",
                "BackupRetentionPeriod",
                "PreferredBackupWindow",
                "MasterUserPassword",
                "ManageMasterUserPassword",
                "RotateMasterUserPassword",
                "MasterUserSecretKmsKeyId",
                "VpcSecurityGroupIds",
                "DBSecurityGroups",
                "DBPortNumber",
                "EngineVersion",
                "AllowMajorVersionUpgrade",
                "MultiAZ",
                "StorageType",
                "Iops",
                "StorageThroughput",
                "MaxAllocatedStorage",
                "EnableIAMDatabaseAuthentication",
                "DeletionProtection",
                "CloudwatchLogsExportConfiguration",
            ];
            for k in p.0.keys() {
                let base = k.split('.').next().unwrap_or("");
                if APPLIED.contains(&base) || base.starts_with("X-Amz-") {
                    continue;
                }
                if CLUSTER_LEVEL.contains(&base) {
                    return Err(ApiError::new(
                        400,
                        "InvalidParameterCombination",
                        format!(
                            "The requested DB instance is a member of a DB cluster: {base} \
                             is set on the DB cluster (modify-db-cluster), not on its \
                             instances."
                        ),
                    ));
                }
                return Err(ApiError::invalid(format!(
                    "Borealis cannot modify {base} of a DB instance (it applies \
                     NewDBInstanceIdentifier, DBInstanceClass, PromotionTier, \
                     CACertificateIdentifier, AutoMinorVersionUpgrade and \
                     DBParameterGroupName {DEFAULT_DB_PARAMETER_GROUP})."
                )));
            }
            let old_id = p.id("DBInstanceIdentifier", "db")?;
            if old_id.is_empty() {
                return Err(ApiError::new(
                    400,
                    "MissingParameter",
                    "The request must contain the parameter DBInstanceIdentifier.",
                ));
            }
            let v = fleet.modify_instance(ModifyInstance {
                id: old_id,
                apply_immediately: p.bool("ApplyImmediately")?.unwrap_or(false),
                new_id: p.get("NewDBInstanceIdentifier").map(str::to_string),
                class: p.get("DBInstanceClass").map(str::to_string),
                promotion_tier: p.num("PromotionTier")?,
                ca_certificate: p.get("CACertificateIdentifier").map(str::to_string),
                auto_minor_version_upgrade: p.bool("AutoMinorVersionUpgrade")?,
                parameter_group: p.get("DBParameterGroupName").map(str::to_string),
            })?;
            instance_xml(&mut x, &v);
        }
        "BacktrackDBCluster" => {
            let to_us = p
                .time("BacktrackTo")?
                .ok_or_else(|| ApiError::invalid("The parameter BacktrackTo must be provided."))?;
            // Force is accepted and has nothing to do: Aurora needs it to backtrack with the
            // binlog on; Borealis always can (it logs the rewind for replicas).
            let b = fleet.backtrack(Backtrack {
                id: p.id("DBClusterIdentifier", "cluster")?,
                to_us,
                use_earliest: p.flag("UseEarliestTimeOnPointInTimeUnavailable"),
            })?;
            backtrack_fields(&mut x, &b);
        }
        "DescribeDBClusterBacktracks" => {
            let list = fleet.describe_backtracks(
                &p.id("DBClusterIdentifier", "cluster")?,
                p.get("BacktrackIdentifier"),
            )?;
            // Newest first.
            let keyed = list
                .iter()
                .map(|b| (format!("{:020}{}", u64::MAX - b.created_us, b.id), b))
                .collect();
            let (list, marker) = p.page(action, keyed)?;
            x.open("DBClusterBacktracks");
            for b in list {
                x.open("DBClusterBacktrack");
                backtrack_fields(&mut x, b);
                x.close("DBClusterBacktrack");
            }
            x.close("DBClusterBacktracks");
            x.marker(marker);
        }
        "DeleteDBCluster" => {
            let final_snapshot = p.get("FinalDBSnapshotIdentifier");
            match (p.flag("SkipFinalSnapshot"), final_snapshot) {
                (false, None) => {
                    return Err(ApiError::new(
                        400,
                        "InvalidParameterCombination",
                        "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is \
                         specified: pass --final-db-snapshot-identifier NAME to keep a \
                         snapshot, or --skip-final-snapshot.",
                    ))
                }
                (true, Some(_)) => {
                    return Err(ApiError::new(
                        400,
                        "InvalidParameterCombination",
                        "FinalDBSnapshotIdentifier can not be specified when deleting a \
                         cluster with SkipFinalSnapshot enabled.",
                    ))
                }
                _ => {}
            }
            let v =
                fleet.delete_cluster(&p.id("DBClusterIdentifier", "cluster")?, final_snapshot)?;
            if let Some(s) = final_snapshot {
                own("cluster-snapshot", s)?;
            }
            cluster_xml(&mut x, &v);
        }
        "DeleteDBInstance" => {
            let v = fleet.delete_instance(&p.id("DBInstanceIdentifier", "db")?)?;
            instance_xml(&mut x, &v);
        }
        "CreateDBClusterParameterGroup" => {
            let g = fleet.create_param_group(
                &p.s("DBClusterParameterGroupName"),
                &p.s("DBParameterGroupFamily"),
                &p.s("Description"),
            )?;
            own("cluster-pg", &g.name)?;
            tag("cluster-pg", &g.name)?;
            param_group_xml(&mut x, &g, &arn);
        }
        "DescribeDBClusterParameterGroups" => {
            let gs = fleet.describe_param_groups(p.get("DBClusterParameterGroupName"))?;
            // The default group first, then the others by name.
            let keyed = gs
                .iter()
                .filter(|g| mine("cluster-pg", &g.name))
                .map(|g| {
                    let default = g.name.to_ascii_lowercase().starts_with("default.");
                    (format!("{}{}", u8::from(!default), g.name), g)
                })
                .collect();
            let (gs, marker) = p.page(action, keyed)?;
            x.open("DBClusterParameterGroups");
            for g in gs {
                param_group_xml(&mut x, g, &arn);
            }
            x.close("DBClusterParameterGroups");
            x.marker(marker);
        }
        "ModifyDBClusterParameterGroup" => {
            let changes: Vec<ParamChange> = p
                .structs("Parameters")
                .into_iter()
                .map(|m| ParamChange {
                    name: m.get("ParameterName").cloned().unwrap_or_default(),
                    value: m.get("ParameterValue").cloned().unwrap_or_default(),
                    apply_method: m.get("ApplyMethod").cloned().unwrap_or_default(),
                })
                .collect();
            let name = fleet.modify_param_group(&p.s("DBClusterParameterGroupName"), &changes)?;
            x.leaf("DBClusterParameterGroupName", name);
        }
        "ResetDBClusterParameterGroup" => {
            let names: Vec<String> = p
                .structs("Parameters")
                .into_iter()
                .filter_map(|m| m.get("ParameterName").cloned())
                .collect();
            let name = fleet.reset_param_group(
                &p.s("DBClusterParameterGroupName"),
                p.flag("ResetAllParameters"),
                &names,
            )?;
            x.leaf("DBClusterParameterGroupName", name);
        }
        "DeleteDBClusterParameterGroup" => {
            fleet.delete_param_group(&p.s("DBClusterParameterGroupName"))?;
        }
        "DescribeDBClusterParameters" => {
            let ps = fleet.describe_params(&p.s("DBClusterParameterGroupName"), p.get("Source"))?;
            let keyed = ps.iter().map(|v| (v.name.to_string(), v)).collect();
            let (ps, marker) = p.page(action, keyed)?;
            x.open("Parameters");
            for v in ps {
                x.open("Parameter");
                x.leaf("ParameterName", v.name);
                if let Some(val) = &v.value {
                    x.leaf("ParameterValue", val);
                }
                x.leaf("Description", v.description);
                x.leaf("Source", v.source);
                x.leaf("ApplyType", v.apply_type);
                x.leaf("DataType", v.data_type);
                if !v.allowed_values.is_empty() {
                    x.leaf("AllowedValues", &v.allowed_values);
                }
                x.leaf("IsModifiable", true);
                x.leaf("ApplyMethod", v.apply_method);
                x.open("SupportedEngineModes");
                x.leaf("member", "provisioned");
                x.close("SupportedEngineModes");
                x.close("Parameter");
            }
            x.close("Parameters");
            x.marker(marker);
        }
        "CreateDBClusterSnapshot" => {
            let mut v = fleet.create_snapshot(
                &p.s("DBClusterSnapshotIdentifier"),
                &p.id("DBClusterIdentifier", "cluster")?,
            )?;
            own("cluster-snapshot", &v.meta.id)?;
            v.tags = tag("cluster-snapshot", &v.meta.id)?;
            snapshot_xml(&mut x, &v);
        }
        "DescribeDBClusterSnapshots" => {
            let vs = fleet.describe_snapshots(
                p.id_opt("DBClusterSnapshotIdentifier", "cluster-snapshot")?
                    .as_deref(),
                p.id_opt("DBClusterIdentifier", "cluster")?.as_deref(),
                p.get("SnapshotType"),
            )?;
            let resource_id = p.get("DbClusterResourceId");
            let passes = |v: &SnapshotView| {
                resource_id.is_none_or(|r| v.meta.resource_id.eq_ignore_ascii_case(r))
                    && filters.iter().all(|f| match f.name.as_str() {
                        "db-cluster-id" => f.names("cluster", &v.meta.cluster, account),
                        "db-cluster-snapshot-id" => {
                            f.names("cluster-snapshot", &v.meta.id, account)
                        }
                        "snapshot-type" => f.is(&v.meta.snapshot_type),
                        "engine" => f.is(&v.meta.engine),
                        _ => false,
                    })
            };
            // Oldest first.
            let keyed = vs
                .iter()
                .filter(|v| mine("cluster-snapshot", &v.meta.id) && passes(v))
                .map(|v| (format!("{:020}{}", v.meta.created_us, v.meta.id), v))
                .collect();
            let (vs, marker) = p.page(action, keyed)?;
            x.open("DBClusterSnapshots");
            for v in vs {
                snapshot_xml(&mut x, v);
            }
            x.close("DBClusterSnapshots");
            x.marker(marker);
        }
        "DeleteDBClusterSnapshot" => {
            let v =
                fleet.delete_snapshot(&p.id("DBClusterSnapshotIdentifier", "cluster-snapshot")?)?;
            snapshot_xml(&mut x, &v);
        }
        "CopyDBClusterSnapshot" => {
            let mut v = fleet.copy_snapshot(
                &p.id("SourceDBClusterSnapshotIdentifier", "cluster-snapshot")?,
                &p.s("TargetDBClusterSnapshotIdentifier"),
                p.get("KmsKeyId"),
            )?;
            own("cluster-snapshot", &v.meta.id)?;
            v.tags = tag("cluster-snapshot", &v.meta.id)?;
            snapshot_xml(&mut x, &v);
        }
        "RestoreDBClusterFromSnapshot" => {
            if p.get("DatabaseName").is_some() {
                return Err(ApiError::new(
                    400,
                    "InvalidParameterCombination",
                    "DatabaseName cannot be set when restoring an Aurora cluster from a \
                     snapshot: the snapshot's databases come with it.",
                ));
            }
            let mut v = fleet.restore_from_snapshot(RestoreFromSnapshot {
                id: p.s("DBClusterIdentifier"),
                snapshot: p.id("SnapshotIdentifier", "cluster-snapshot")?,
                engine: p.s("Engine"),
                engine_version: p.s("EngineVersion"),
                port: p.port()?,
                backtrack_window: p.num("BacktrackWindow")?,
                backup_retention_days: p.num("BackupRetentionPeriod")?,
                echo: p.echo(),
            })?;
            own("cluster", &v.meta.id)?;
            v.tags = tag("cluster", &v.meta.id)?;
            cluster_xml(&mut x, &v);
        }
        "DescribeEvents" => {
            let now = borealis_engine::storage::now_us();
            let end = p.time("EndTime")?.unwrap_or(now);
            let start = match (p.time("StartTime")?, p.num("Duration")?) {
                (Some(s), _) => s,
                (None, Some(mins)) => end.saturating_sub(mins * 60_000_000),
                // RDS's default: the past hour.
                (None, None) => end.saturating_sub(3_600_000_000),
            };
            let source = match p.get("SourceIdentifier") {
                Some(v) if v.starts_with("arn:") => {
                    let kind = v.split(':').nth(5).unwrap_or("");
                    Some(from_arn(v, kind, account)?)
                }
                other => other.map(str::to_string),
            };
            let events = fleet.events(source.as_deref(), p.get("SourceType"), start, end);
            let kind_of = |t: &str| match t {
                "db-instance" => "db",
                "db-cluster-snapshot" => "cluster-snapshot",
                "db-cluster-parameter-group" => "cluster-pg",
                _ => "cluster",
            };
            // Oldest first; an event is its time and its text.
            let keyed = events
                .iter()
                .filter(|e| mine(kind_of(&e.source_type), &e.source_id))
                .map(|e| {
                    (
                        format!(
                            "{:020}\t{}\t{}\t{}\t{}",
                            e.time_us, e.source_type, e.source_id, e.category, e.message
                        ),
                        e,
                    )
                })
                .collect();
            let (events, marker) = p.page(action, keyed)?;
            x.open("Events");
            for e in events {
                x.open("Event");
                x.leaf("SourceIdentifier", &e.source_id);
                x.leaf("SourceType", &e.source_type);
                x.leaf("Message", &e.message);
                x.open("EventCategories");
                x.leaf("EventCategory", &e.category);
                x.close("EventCategories");
                x.leaf("Date", format_us(e.time_us));
                x.leaf("SourceArn", arn(kind_of(&e.source_type), &e.source_id));
                x.close("Event");
            }
            x.close("Events");
            x.marker(marker);
        }
        "RebootDBInstance" => {
            let v = fleet.reboot_instance(
                &p.id("DBInstanceIdentifier", "db")?,
                p.flag("ForceFailover"),
            )?;
            instance_xml(&mut x, &v);
        }
        "StopDBCluster" => {
            let v = fleet.stop_cluster(&p.id("DBClusterIdentifier", "cluster")?)?;
            cluster_xml(&mut x, &v);
        }
        "StartDBCluster" => {
            let v = fleet.start_cluster(&p.id("DBClusterIdentifier", "cluster")?)?;
            cluster_xml(&mut x, &v);
        }
        "FailoverDBCluster" => {
            let v = fleet.failover_cluster(
                &p.id("DBClusterIdentifier", "cluster")?,
                p.id_opt("TargetDBInstanceIdentifier", "db")?.as_deref(),
            )?;
            cluster_xml(&mut x, &v);
        }
        "DescribeDBClusterEndpoints" => {
            if p.get("DBClusterEndpointIdentifier").is_some() {
                return Err(ApiError::invalid(
                    "Borealis has no custom cluster endpoints: omit \
                     DBClusterEndpointIdentifier (every cluster has its WRITER and READER \
                     endpoints).",
                ));
            }
            let vs = fleet.describe_cluster_endpoints(
                p.id_opt("DBClusterIdentifier", "cluster")?.as_deref(),
            )?;
            // The WRITER and READER endpoints are not custom and have no identifier (RDS
            // gives one to custom endpoints only).
            let passes = |v: &crate::fleet::ClusterEndpointView| {
                filters.iter().all(|f| match f.name.as_str() {
                    "db-cluster-endpoint-type" => f.is(v.kind),
                    "db-cluster-endpoint-status" => f.is(v.status),
                    _ => false,
                })
            };
            // By cluster, its WRITER before its READER.
            let keyed = vs
                .iter()
                .filter(|v| mine("cluster", &v.cluster) && passes(v))
                .map(|v| {
                    (
                        format!("{}\t{}", v.cluster, u8::from(v.kind != "WRITER")),
                        v,
                    )
                })
                .collect();
            let (vs, marker) = p.page(action, keyed)?;
            x.open("DBClusterEndpoints");
            for v in vs {
                x.open("DBClusterEndpointList");
                x.leaf("DBClusterIdentifier", &v.cluster);
                x.leaf("DBClusterEndpointResourceIdentifier", &v.resource_id);
                x.leaf("Endpoint", &v.address);
                x.leaf("Status", v.status);
                x.leaf("EndpointType", v.kind);
                x.close("DBClusterEndpointList");
            }
            x.close("DBClusterEndpoints");
            x.marker(marker);
        }
        "DescribeDBEngineVersions" => {
            let keyed = engine_versions(
                p.get("Engine"),
                p.get("EngineVersion"),
                p.get("DBParameterGroupFamily"),
            )
            .into_iter()
            .map(|v| (format!("{}\t{}", v.engine, v.version), v))
            .collect();
            let (versions, marker) = p.page(action, keyed)?;
            x.open("DBEngineVersions");
            for v in versions {
                x.open("DBEngineVersion");
                x.leaf("Engine", v.engine);
                x.leaf("EngineVersion", v.version);
                x.leaf("DBParameterGroupFamily", v.family);
                x.leaf("DBEngineDescription", v.description);
                x.leaf("DBEngineVersionDescription", v.version_description);
                x.open("ValidUpgradeTarget");
                x.close("ValidUpgradeTarget");
                x.open("SupportedEngineModes");
                x.leaf("member", "provisioned");
                x.close("SupportedEngineModes");
                x.leaf("SupportsLogExportsToCloudwatchLogs", false);
                x.leaf("SupportsReadReplica", true);
                x.leaf("Status", "available");
                x.leaf("SupportsParallelQuery", false);
                x.leaf("SupportsGlobalDatabases", false);
                x.leaf("SupportsBabelfish", false);
                x.leaf("SupportsCertificateRotationWithoutRestart", true);
                x.close("DBEngineVersion");
            }
            x.close("DBEngineVersions");
            x.marker(marker);
        }
        "DescribeOrderableDBInstanceOptions" => {
            let classes = orderable_classes(
                &p.s("Engine"),
                p.get("EngineVersion"),
                p.get("DBInstanceClass"),
            )?;
            // In the catalog's order.
            let keyed = classes
                .into_iter()
                .enumerate()
                .map(|(i, c)| (format!("{i:06}"), c))
                .collect();
            let (classes, marker) = p.page(action, keyed)?;
            x.open("OrderableDBInstanceOptions");
            for c in classes {
                x.open("OrderableDBInstanceOption");
                x.leaf("Engine", "aurora-mysql");
                x.leaf("EngineVersion", crate::fleet::ENGINE_VERSION);
                x.leaf("DBInstanceClass", c);
                x.leaf("LicenseModel", "general-public-license");
                x.open("AvailabilityZones");
                x.open("AvailabilityZone");
                x.leaf("Name", "local");
                x.close("AvailabilityZone");
                x.close("AvailabilityZones");
                x.leaf("MultiAZCapable", false);
                x.leaf("ReadReplicaCapable", false);
                x.leaf("Vpc", true);
                x.leaf("SupportsStorageEncryption", true);
                x.leaf("StorageType", "aurora");
                x.leaf("SupportsIops", false);
                x.leaf("SupportsEnhancedMonitoring", false);
                x.leaf("SupportsIAMDatabaseAuthentication", false);
                x.leaf("SupportsPerformanceInsights", false);
                x.open("SupportedEngineModes");
                x.leaf("member", "provisioned");
                x.close("SupportedEngineModes");
                x.leaf("SupportsClusters", true);
                x.close("OrderableDBInstanceOption");
            }
            x.close("OrderableDBInstanceOptions");
            x.marker(marker);
        }
        "AddTagsToResource" => {
            let (kind, name) = resource_arn(fleet, caller, &p.s("ResourceName"))?;
            if tags.is_empty() {
                return Err(ApiError::invalid("The parameter Tags must be provided."));
            }
            fleet.add_tags(&kind, &name, &tags)?;
        }
        "ListTagsForResource" => {
            let (kind, name) = resource_arn(fleet, caller, &p.s("ResourceName"))?;
            x.open("TagList");
            for (k, v) in fleet.list_tags(&kind, &name)? {
                x.open("Tag");
                x.leaf("Key", k);
                x.leaf("Value", v);
                x.close("Tag");
            }
            x.close("TagList");
        }
        "RemoveTagsFromResource" => {
            let (kind, name) = resource_arn(fleet, caller, &p.s("ResourceName"))?;
            let keys = p.list("TagKeys");
            if keys.is_empty() {
                return Err(ApiError::invalid("The parameter TagKeys must be provided."));
            }
            fleet.remove_tags(&kind, &name, &keys)?;
        }
        other => {
            return Err(ApiError::new(
                400,
                "InvalidAction",
                format!(
                    "The action {other} is not valid for this web service. Borealis answers \
                     CreateDBCluster, CreateDBInstance, DescribeDBClusters, DescribeDBInstances, \
                     RestoreDBClusterToPointInTime, ModifyDBCluster, ModifyDBInstance, \
                     BacktrackDBCluster, \
                     DescribeDBClusterBacktracks, DeleteDBCluster, DeleteDBInstance, \
                     CreateDBClusterSnapshot, DescribeDBClusterSnapshots, \
                     CopyDBClusterSnapshot, DeleteDBClusterSnapshot, \
                     RestoreDBClusterFromSnapshot, CreateDBClusterParameterGroup, \
                     DescribeDBClusterParameterGroups, ModifyDBClusterParameterGroup, \
                     ResetDBClusterParameterGroup, DeleteDBClusterParameterGroup, \
                     DescribeDBClusterParameters, DescribeEvents, RebootDBInstance, \
                     StopDBCluster, StartDBCluster, FailoverDBCluster, \
                     DescribeDBClusterEndpoints, DescribeDBEngineVersions, \
                     DescribeOrderableDBInstanceOptions, AddTagsToResource, \
                     ListTagsForResource and RemoveTagsFromResource."
                ),
            ))
        }
    }
    Ok(x.0)
}

/// The fields of a DBClusterBacktrack (also BacktrackDBCluster's result).
fn backtrack_fields(x: &mut Xml, b: &crate::registry::BacktrackMeta) {
    x.leaf("DBClusterIdentifier", &b.cluster);
    x.leaf("BacktrackIdentifier", &b.id);
    x.leaf("BacktrackTo", format_us(b.to_us));
    x.leaf("BacktrackedFrom", format_us(b.from_us));
    x.leaf("BacktrackRequestCreationTime", format_us(b.created_us));
    x.leaf("Status", &b.status);
}

fn param_group_xml(x: &mut Xml, g: &ParamGroupMeta, arn: &Arn<'_>) {
    x.open("DBClusterParameterGroup");
    x.leaf("DBClusterParameterGroupName", &g.name);
    x.leaf("DBParameterGroupFamily", &g.family);
    x.leaf("Description", &g.description);
    x.leaf("DBClusterParameterGroupArn", arn("cluster-pg", &g.name));
    x.close("DBClusterParameterGroup");
}

/// Renders an ARN: (resource kind, name).
type Arn<'a> = dyn Fn(&str, &str) -> String + 'a;

fn snapshot_xml(x: &mut Xml, v: &SnapshotView, arn: &Arn<'_>) {
    let m = &v.meta;
    x.open("DBClusterSnapshot");
    x.leaf("DBClusterSnapshotIdentifier", &m.id);
    x.leaf("DBClusterIdentifier", &m.cluster);
    x.leaf("SnapshotCreateTime", format_us(m.created_us));
    x.leaf("Engine", &m.engine);
    x.leaf("EngineMode", "provisioned");
    // GiB the snapshot's state reaches (pages it owns and pages it shares), at least 1.
    let bytes = v.exclusive_bytes + v.shared_bytes;
    x.leaf("AllocatedStorage", bytes.div_ceil(1 << 30).max(1));
    x.leaf("Status", &m.status);
    x.leaf("Port", m.port);
    x.leaf("ClusterCreateTime", format_us(m.cluster_created_us));
    x.leaf("MasterUsername", &m.master_username);
    x.leaf("EngineVersion", &m.engine_version);
    x.leaf("LicenseModel", "aurora-mysql");
    x.leaf("SnapshotType", &m.snapshot_type);
    x.leaf("PercentProgress", 100);
    x.leaf("StorageEncrypted", !m.kms_key_id.is_empty());
    if !m.kms_key_id.is_empty() {
        x.leaf("KmsKeyId", &m.kms_key_id);
    }
    x.leaf("DBClusterSnapshotArn", arn("cluster-snapshot", &m.id));
    if !m.source_snapshot.is_empty() {
        x.leaf(
            "SourceDBClusterSnapshotArn",
            arn("cluster-snapshot", &m.source_snapshot),
        );
    }
    x.leaf("IAMDatabaseAuthenticationEnabled", false);
    x.leaf("StorageType", "aurora");
    x.leaf("DbClusterResourceId", &m.resource_id);
    x.leaf(
        "BackupRetentionPeriod",
        retention_days(m.backup_retention_days),
    );
    tag_list_xml(x, &v.tags);
    // Borealis's own fields (the AWS CLI ignores unknown elements).
    x.leaf("BorealisExclusiveBytes", v.exclusive_bytes);
    x.leaf("BorealisSharedBytes", v.shared_bytes);
    if let Some((f, p)) = &m.binlog {
        x.leaf("BorealisBinlogFile", f);
        x.leaf("BorealisBinlogPosition", p);
    }
    x.close("DBClusterSnapshot");
}

fn cluster_xml(x: &mut Xml, v: &ClusterView, arn: &Arn<'_>) {
    let m = &v.meta;
    x.open("DBCluster");
    x.leaf("AllocatedStorage", 1);
    x.leaf(
        "BackupRetentionPeriod",
        retention_days(m.backup_retention_days),
    );
    if !m.database_name.is_empty() {
        x.leaf("DatabaseName", &m.database_name);
    }
    x.leaf("DBClusterIdentifier", &m.id);
    x.leaf(
        "DBClusterParameterGroup",
        if m.parameter_group.is_empty() {
            "default.aurora-mysql8.0"
        } else {
            &m.parameter_group
        },
    );
    if !m.db_subnet_group_name.is_empty() {
        x.leaf("DBSubnetGroup", &m.db_subnet_group_name);
    }
    x.leaf("Status", &m.status);
    x.leaf(
        "EarliestRestorableTime",
        format_us(v.earliest_restorable_us),
    );
    x.leaf("Endpoint", &v.address);
    // Aurora's reader endpoint shares the cluster's Port; Borealis's has a port of its
    // own, so it is shown as HOST:PORT (once the cluster has had an instance).
    if m.reader_port != 0 {
        x.leaf("ReaderEndpoint", format!("{}:{}", v.address, m.reader_port));
    }
    x.leaf("MultiAZ", v.members.len() > 1);
    x.leaf("Engine", &m.engine);
    x.leaf("EngineVersion", &m.engine_version);
    x.leaf("LatestRestorableTime", format_us(v.latest_restorable_us));
    if v.port != 0 {
        x.leaf("Port", v.port);
    }
    x.leaf("MasterUsername", &m.master_username);
    x.open("DBClusterMembers");
    for (id, writer, tier) in &v.members {
        x.open("DBClusterMember");
        x.leaf("DBInstanceIdentifier", id);
        x.leaf("IsClusterWriter", writer);
        x.leaf("DBClusterParameterGroupStatus", v.param_status);
        x.leaf("PromotionTier", tier);
        x.close("DBClusterMember");
    }
    x.close("DBClusterMembers");
    x.open("VpcSecurityGroups");
    for sg in &m.vpc_security_group_ids {
        x.open("VpcSecurityGroupMembership");
        x.leaf("VpcSecurityGroupId", sg);
        x.leaf("Status", "active");
        x.close("VpcSecurityGroupMembership");
    }
    x.close("VpcSecurityGroups");
    x.leaf("HostedZoneId", "BOREALIS");
    x.leaf("StorageEncrypted", !m.kms_key_id.is_empty());
    if !m.kms_key_id.is_empty() {
        x.leaf("KmsKeyId", &m.kms_key_id);
    }
    x.leaf("DbClusterResourceId", &m.resource_id);
    x.leaf("DBClusterArn", arn("cluster", &m.id));
    x.leaf("CloneGroupId", &m.clone_group_id);
    x.leaf("ClusterCreateTime", format_us(m.created_us));
    if m.backtrack_window > 0 {
        x.leaf("BacktrackWindow", m.backtrack_window);
        x.leaf("EarliestBacktrackTime", format_us(v.earliest_backtrack_us));
        // The commits on the retained timeline; the bytes they hold are BorealisHistoryBytes.
        x.leaf("BacktrackConsumedChangeRecords", v.history_commits);
    }
    x.leaf("BorealisHistoryBytes", v.history_bytes);
    x.leaf("EngineMode", "provisioned");
    x.leaf("DeletionProtection", false);
    x.leaf("StorageType", "aurora");
    tag_list_xml(x, &v.tags);
    // Borealis's own fields (the AWS CLI ignores unknown elements; `borealis clusters`
    // reads them).
    x.leaf("BorealisExclusiveBytes", v.exclusive_bytes);
    x.leaf("BorealisSharedBytes", v.shared_bytes);
    if !m.source.is_empty() {
        x.leaf("BorealisSourceCluster", &m.source);
    }
    if let Some((f, p)) = &m.source_binlog {
        x.leaf("BorealisSourceBinlogFile", f);
        x.leaf("BorealisSourceBinlogPosition", p);
    }
    x.close("DBCluster");
}

fn instance_xml(x: &mut Xml, v: &InstanceView, arn: &Arn<'_>) {
    let m = &v.meta;
    x.open("DBInstance");
    x.leaf("DBInstanceIdentifier", &m.id);
    x.leaf("DBInstanceClass", &m.class);
    x.leaf("Engine", &m.engine);
    x.leaf("DBInstanceStatus", &m.status);
    x.leaf("MasterUsername", &v.master_username);
    if !v.database_name.is_empty() {
        x.leaf("DBName", &v.database_name);
    }
    x.open("Endpoint");
    x.leaf("Address", &v.address);
    x.leaf("Port", m.port);
    x.leaf("HostedZoneId", "BOREALIS");
    x.close("Endpoint");
    x.leaf("AllocatedStorage", 1);
    x.leaf("InstanceCreateTime", format_us(m.created_us));
    x.leaf(
        "BackupRetentionPeriod",
        retention_days(v.backup_retention_days),
    );
    x.leaf("AvailabilityZone", "local");
    x.leaf("LatestRestorableTime", format_us(v.latest_restorable_us));
    x.leaf("MultiAZ", false);
    x.leaf("EngineVersion", crate::fleet::ENGINE_VERSION);
    x.leaf("AutoMinorVersionUpgrade", m.auto_minor_version_upgrade);
    x.open("DBParameterGroups");
    x.open("DBParameterGroup");
    x.leaf("DBParameterGroupName", DEFAULT_DB_PARAMETER_GROUP);
    x.leaf("ParameterApplyStatus", "in-sync");
    x.close("DBParameterGroup");
    x.close("DBParameterGroups");
    x.leaf("PubliclyAccessible", false);
    x.leaf("StorageType", "aurora");
    x.leaf("DbInstancePort", 0);
    x.leaf("DBClusterIdentifier", &m.cluster);
    x.leaf("StorageEncrypted", false);
    x.leaf("DbiResourceId", &m.resource_id);
    x.leaf("DBInstanceArn", arn("db", &m.id));
    x.leaf("PromotionTier", m.promotion_tier);
    x.leaf(
        "CACertificateIdentifier",
        if m.ca_certificate.is_empty() {
            crate::registry::DEFAULT_CA
        } else {
            &m.ca_certificate
        },
    );
    x.leaf("IAMDatabaseAuthenticationEnabled", false);
    x.leaf("DeletionProtection", false);
    tag_list_xml(x, &v.tags);
    x.leaf("BorealisRole", if m.writer { "writer" } else { "reader" });
    x.close("DBInstance");
}

/// A resource's TagList, as RDS shows it in DBCluster, DBInstance and DBClusterSnapshot.
fn tag_list_xml(x: &mut Xml, tags: &[(String, String)]) {
    x.open("TagList");
    for (k, v) in tags {
        x.open("Tag");
        x.leaf("Key", k);
        x.leaf("Value", v);
        x.close("Tag");
    }
    x.close("TagList");
}

fn error_xml(e: &ApiError) -> (u16, String) {
    let mut x = Xml::default();
    x.0.push_str(&format!("<ErrorResponse xmlns=\"{NS}\">"));
    x.open("Error");
    x.leaf(
        "Type",
        if e.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        },
    );
    x.leaf("Code", e.code);
    x.leaf("Message", &e.message);
    x.close("Error");
    x.leaf("RequestId", crate::fleet::uuid());
    x.0.push_str("</ErrorResponse>");
    (e.status, x.0)
}

/// A tiny XML writer: elements and escaped text.
#[derive(Default)]
pub struct Xml(pub String);

impl Xml {
    fn open(&mut self, tag: &str) {
        let _ = write!(self.0, "<{tag}>");
    }
    fn close(&mut self, tag: &str) {
        let _ = write!(self.0, "</{tag}>");
    }
    fn leaf(&mut self, tag: &str, v: impl std::fmt::Display) {
        let text = v.to_string();
        let _ = write!(self.0, "<{tag}>{}</{tag}>", escape(&text));
    }
    /// The `Marker` of a paged describe answer, when more records remain.
    fn marker(&mut self, marker: Option<String>) {
        if let Some(m) = marker {
            self.leaf("Marker", m);
        }
    }
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
