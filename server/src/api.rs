//! The control plane's HTTP endpoint: the RDS Query API (`Action=…&Version=2014-10-31`,
//! form-encoded POST or GET query string) answered in the RDS XML shapes, so the AWS CLI
//! and boto3 drive Borealis as they drive Aurora (DESIGN "Control plane").
//!
//! Requests may be SigV4-signed (the AWS CLI always signs); with `--api-access-key` and
//! `--api-secret-key` set, the signature is checked and a wrong one refused
//! (SignatureDoesNotMatch, InvalidClientTokenId).
//!
//! HTTP/1.1 with keep-alive (botocore reuses connections); bodies up to 1 MiB.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::fleet::{
    ApiError, Backtrack, ClusterView, CreateCluster, CreateInstance, Echo, Fleet, InstanceView,
    ModifyCluster, Restore,
};
use crate::isotime::{format_us, parse_us};
use crate::sigv4;

const NS: &str = "http://rds.amazonaws.com/doc/2014-10-31/";
const MAX_BODY: usize = 1 << 20;
const MAX_HEADER_LINES: usize = 200;

/// Signature checking, when configured.
#[derive(Clone, Default)]
pub struct Auth {
    pub keys: Option<(String, String)>,
}

/// Serves the API on `listener` until the runtime stops.
pub async fn serve(listener: TcpListener, fleet: Arc<Fleet>, auth: Auth) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "api accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let fleet = fleet.clone();
        let auth = auth.clone();
        tokio::spawn(async move {
            if let Err(e) = connection(stream, fleet, auth).await {
                tracing::debug!(%peer, error = %e, "api connection ended");
            }
        });
    }
}

struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

async fn read_request(r: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if r.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    let mut headers = Vec::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADER_LINES {
            return Err(std::io::Error::other("too many header lines"));
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut req = Request {
        method,
        path,
        query,
        headers,
        body: Vec::new(),
    };
    let len: usize = req
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if len > MAX_BODY {
        return Err(std::io::Error::other("request body too large"));
    }
    if req
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        r.get_mut()
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .await?;
    }
    req.body = vec![0; len];
    r.read_exact(&mut req.body).await?;
    Ok(Some(req))
}

async fn connection(stream: TcpStream, fleet: Arc<Fleet>, auth: Auth) -> std::io::Result<()> {
    let mut r = BufReader::new(stream);
    while let Some(req) = read_request(&mut r).await? {
        let close = req
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let fleet = fleet.clone();
        let auth = auth.clone();
        let (status, body) = tokio::task::spawn_blocking(move || handle(&fleet, &auth, &req))
            .await
            .unwrap_or_else(|_| {
                error_xml(&ApiError::new(500, "InternalFailure", "the request failed"))
            });
        let reason = match status {
            200 => "OK",
            400 => "Bad Request",
            403 => "Forbidden",
            404 => "Not Found",
            _ => "Internal Server Error",
        };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nx-amzn-RequestId: {}\r\n{}\r\n",
            body.len(),
            crate::fleet::uuid(),
            if close { "Connection: close\r\n" } else { "" }
        );
        let w = r.get_mut();
        w.write_all(head.as_bytes()).await?;
        w.write_all(body.as_bytes()).await?;
        w.flush().await?;
        if close {
            break;
        }
    }
    Ok(())
}

/// Request parameters: query string and form body together.
struct Params(BTreeMap<String, String>);

impl Params {
    fn parse(req: &Request) -> Params {
        let mut m = BTreeMap::new();
        let body = String::from_utf8_lossy(&req.body);
        for src in [req.query.as_str(), body.as_ref()] {
            for pair in src.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                m.insert(sigv4::url_decode(k), sigv4::url_decode(v));
            }
        }
        Params(m)
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
    fn echo(&self) -> Echo {
        Echo {
            vpc_security_group_ids: self.list("VpcSecurityGroupIds"),
            db_subnet_group_name: self.s("DBSubnetGroupName"),
            kms_key_id: self.s("KmsKeyId"),
            parameter_group: self.s("DBClusterParameterGroupName"),
        }
    }
}

fn handle(fleet: &Arc<Fleet>, auth: &Auth, req: &Request) -> (u16, String) {
    if let Some((ak, sk)) = &auth.keys {
        let now = borealis_engine::storage::now_us() / 1_000_000;
        if let Err((status, code, msg)) = sigv4::verify(
            &req.method,
            &req.path,
            &req.query,
            &req.headers,
            &req.body,
            ak,
            sk,
            now,
        ) {
            tracing::info!(code, "api request refused");
            return error_xml(&ApiError::new(status, code, msg));
        }
    }
    let p = Params::parse(req);
    let Some(action) = p.get("Action").map(str::to_string) else {
        return error_xml(&ApiError::new(
            400,
            "MissingAction",
            "The request must contain the parameter Action (this is the RDS Query API; try aws --endpoint-url … rds describe-db-clusters).",
        ));
    };
    tracing::debug!(action, "api request");
    match dispatch(fleet, &action, &p) {
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

fn dispatch(fleet: &Arc<Fleet>, action: &str, p: &Params) -> Result<String, ApiError> {
    let mut x = Xml::default();
    match action {
        "CreateDBCluster" => {
            let v = fleet.create_cluster(CreateCluster {
                id: p.s("DBClusterIdentifier"),
                engine: p.s("Engine"),
                engine_version: p.s("EngineVersion"),
                master_username: p.s("MasterUsername"),
                master_password: p.s("MasterUserPassword"),
                database_name: p.s("DatabaseName"),
                port: p.port()?,
                backtrack_window: p.num("BacktrackWindow")?.unwrap_or(0),
                echo: p.echo(),
            })?;
            cluster_xml(&mut x, &v);
        }
        "RestoreDBClusterToPointInTime" => {
            let v = fleet.restore(Restore {
                id: p.s("DBClusterIdentifier"),
                source: p.s("SourceDBClusterIdentifier"),
                restore_type: p.s("RestoreType"),
                use_latest: p.flag("UseLatestRestorableTime"),
                restore_to_us: p.time("RestoreToTime")?,
                port: p.port()?,
                backtrack_window: p.num("BacktrackWindow")?,
                echo: p.echo(),
            })?;
            cluster_xml(&mut x, &v);
        }
        "CreateDBInstance" => {
            let v = fleet.create_instance(CreateInstance {
                id: p.s("DBInstanceIdentifier"),
                cluster: p.s("DBClusterIdentifier"),
                class: p.s("DBInstanceClass"),
                engine: p.s("Engine"),
                port: p.port()?,
            })?;
            instance_xml(&mut x, &v);
        }
        "DescribeDBClusters" => {
            let vs = fleet.describe_clusters(p.get("DBClusterIdentifier"))?;
            x.open("DBClusters");
            for v in &vs {
                cluster_xml(&mut x, v);
            }
            x.close("DBClusters");
            let vol = fleet.volume_view();
            x.open("BorealisVolume");
            x.leaf("PageSize", vol.page_size);
            x.leaf("TotalPages", vol.total_pages);
            x.leaf("FreePages", vol.free_pages);
            x.close("BorealisVolume");
        }
        "DescribeDBInstances" => {
            let vs = fleet.describe_instances(p.get("DBInstanceIdentifier"))?;
            x.open("DBInstances");
            for v in &vs {
                instance_xml(&mut x, v);
            }
            x.close("DBInstances");
        }
        "ModifyDBCluster" => {
            let v = fleet.modify_cluster(ModifyCluster {
                id: p.s("DBClusterIdentifier"),
                backtrack_window: p.num("BacktrackWindow")?,
                master_password: p.get("MasterUserPassword").map(str::to_string),
                port: p.port()?,
                backup_retention_days: p.num("BackupRetentionPeriod")?,
                new_id: p.get("NewDBClusterIdentifier").map(str::to_string),
            })?;
            cluster_xml(&mut x, &v);
        }
        "BacktrackDBCluster" => {
            let to_us = p
                .time("BacktrackTo")?
                .ok_or_else(|| ApiError::invalid("The parameter BacktrackTo must be provided."))?;
            // Force is accepted and has nothing to do: Aurora needs it to backtrack with the
            // binlog on; Borealis always can (it logs the rewind for replicas).
            let b = fleet.backtrack(Backtrack {
                id: p.s("DBClusterIdentifier"),
                to_us,
                use_earliest: p.flag("UseEarliestTimeOnPointInTimeUnavailable"),
            })?;
            backtrack_fields(&mut x, &b);
        }
        "DescribeDBClusterBacktracks" => {
            let list = fleet
                .describe_backtracks(&p.s("DBClusterIdentifier"), p.get("BacktrackIdentifier"))?;
            x.open("DBClusterBacktracks");
            for b in &list {
                x.open("DBClusterBacktrack");
                backtrack_fields(&mut x, b);
                x.close("DBClusterBacktrack");
            }
            x.close("DBClusterBacktracks");
        }
        "DeleteDBCluster" => {
            if p.get("FinalDBSnapshotIdentifier").is_some() {
                return Err(ApiError::invalid(
                    "Borealis keeps no DB snapshots: clone the cluster (restore-db-cluster-to-point-in-time) to keep a copy, then delete with --skip-final-snapshot.",
                ));
            }
            let v = fleet.delete_cluster(&p.s("DBClusterIdentifier"))?;
            cluster_xml(&mut x, &v);
        }
        "DeleteDBInstance" => {
            let v = fleet.delete_instance(&p.s("DBInstanceIdentifier"))?;
            instance_xml(&mut x, &v);
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
            let events = fleet.events(p.get("SourceIdentifier"), p.get("SourceType"), start, end);
            x.open("Events");
            for e in &events {
                x.open("Event");
                x.leaf("SourceIdentifier", &e.source_id);
                x.leaf("SourceType", &e.source_type);
                x.leaf("Message", &e.message);
                x.open("EventCategories");
                x.leaf("EventCategory", &e.category);
                x.close("EventCategories");
                x.leaf("Date", format_us(e.time_us));
                x.leaf(
                    "SourceArn",
                    arn(
                        if e.source_type == "db-instance" {
                            "db"
                        } else {
                            "cluster"
                        },
                        &e.source_id,
                    ),
                );
                x.close("Event");
            }
            x.close("Events");
        }
        other => {
            return Err(ApiError::new(
                400,
                "InvalidAction",
                format!(
                    "The action {other} is not valid for this web service. Borealis answers \
                     CreateDBCluster, CreateDBInstance, DescribeDBClusters, DescribeDBInstances, \
                     RestoreDBClusterToPointInTime, ModifyDBCluster, BacktrackDBCluster, \
                     DescribeDBClusterBacktracks, DeleteDBCluster, DeleteDBInstance and \
                     DescribeEvents."
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

fn arn(kind: &str, id: &str) -> String {
    format!("arn:aws:rds:local:000000000000:{kind}:{id}")
}

fn cluster_xml(x: &mut Xml, v: &ClusterView) {
    let m = &v.meta;
    x.open("DBCluster");
    x.leaf("AllocatedStorage", 1);
    x.leaf("BackupRetentionPeriod", 1);
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
    x.leaf("ReaderEndpoint", &v.address);
    x.leaf("MultiAZ", v.members.len() > 1);
    x.leaf("Engine", &m.engine);
    x.leaf("EngineVersion", &m.engine_version);
    x.leaf("LatestRestorableTime", format_us(v.latest_restorable_us));
    if v.port != 0 {
        x.leaf("Port", v.port);
    }
    x.leaf("MasterUsername", &m.master_username);
    x.open("DBClusterMembers");
    for (id, writer) in &v.members {
        x.open("DBClusterMember");
        x.leaf("DBInstanceIdentifier", id);
        x.leaf("IsClusterWriter", writer);
        x.leaf("DBClusterParameterGroupStatus", "in-sync");
        x.leaf("PromotionTier", 1);
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

fn instance_xml(x: &mut Xml, v: &InstanceView) {
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
    x.leaf("BackupRetentionPeriod", 1);
    x.leaf("AvailabilityZone", "local");
    x.leaf("LatestRestorableTime", format_us(v.latest_restorable_us));
    x.leaf("MultiAZ", false);
    x.leaf("EngineVersion", "8.0.mysql_aurora.3.05.2");
    x.leaf("AutoMinorVersionUpgrade", true);
    x.leaf("PubliclyAccessible", false);
    x.leaf("StorageType", "aurora");
    x.leaf("DbInstancePort", 0);
    x.leaf("DBClusterIdentifier", &m.cluster);
    x.leaf("StorageEncrypted", false);
    x.leaf("DbiResourceId", &m.resource_id);
    x.leaf("DBInstanceArn", arn("db", &m.id));
    x.leaf("PromotionTier", 1);
    x.leaf("IAMDatabaseAuthenticationEnabled", false);
    x.leaf("DeletionProtection", false);
    x.leaf("BorealisRole", if m.writer { "writer" } else { "reader" });
    x.close("DBInstance");
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
