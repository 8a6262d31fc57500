//! The human side of the control plane: `borealis clusters`, `clone`, `restore`,
//! `backtrack`, `delete`, `events`, `snapshot`, `snapshots`, `delete-snapshot`.
//! Each talks to a running server's RDS API (`--api URL`, env `BOREALIS_API`, default
//! `http://127.0.0.1:8686`), signing with `--api-access-key`/`--api-secret-key` (or the
//! AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY environment) when given, and prints a table or,
//! with `--json`, JSON.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::sigv4;

pub const HELP: &str = "\
Usage:
  borealis clusters [--json]                 clusters with endpoints and space
  borealis clone SOURCE NEW [--port P]       copy-on-write clone with a writer endpoint
  borealis restore SOURCE NEW (--to TIME | --latest) [--port P]
                                             point-in-time restore (copy-on-write) with a writer
  borealis backtrack NAME --to TIME [--use-earliest]
                                             rewind NAME in place to TIME (or forward again)
  borealis delete NAME                       delete a cluster and its instances
  borealis events NAME [--json]              the cluster's events (clone binlog position, …)
  borealis snapshot CLUSTER NAME             a DB cluster snapshot (a fork: instant, no copy)
  borealis snapshots [--json]                snapshots with their cluster, time and space
  borealis delete-snapshot NAME              delete a snapshot (its own pages come back)

Options (every command):
  --api URL              the server's API (env BOREALIS_API; default http://127.0.0.1:8686)
  --api-access-key KEY   sign requests (env AWS_ACCESS_KEY_ID)
  --api-secret-key KEY   (env AWS_SECRET_ACCESS_KEY)
  --json                 print JSON instead of a table
TIME is ISO 8601 UTC (2026-11-22T10:00:00Z, fractions allowed) or seconds since the epoch.
";

/// A parsed XML element.
#[derive(Debug, Default, Clone)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    fn text_of(&self, name: &str) -> String {
        self.child(name).map(|c| c.text.clone()).unwrap_or_default()
    }
    /// Every descendant called `name`, depth first.
    fn all<'a>(&'a self, name: &str, out: &mut Vec<&'a Node>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            } else {
                c.all(name, out);
            }
        }
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Parses the XML the API answers (elements and text; attributes are skipped).
fn parse_xml(s: &str) -> Node {
    let mut stack = vec![Node::default()];
    let mut rest = s;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        if let Some(top) = stack.last_mut() {
            top.text.push_str(&unescape(text));
        }
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        rest = &rest[lt + gt + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            if stack.len() > 1 {
                let done = stack.pop().unwrap_or_default();
                debug_assert_eq!(done.name, name.trim());
                if let Some(top) = stack.last_mut() {
                    top.children.push(done);
                }
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let name = tag
            .trim_end_matches('/')
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string();
        let node = Node {
            name,
            ..Default::default()
        };
        if self_closing {
            if let Some(top) = stack.last_mut() {
                top.children.push(node);
            }
        } else {
            stack.push(node);
        }
    }
    while stack.len() > 1 {
        let done = stack.pop().unwrap_or_default();
        if let Some(top) = stack.last_mut() {
            top.children.push(done);
        }
    }
    stack.pop().unwrap_or_default()
}

struct Client {
    host: String,
    keys: Option<(String, String)>,
    region: String,
}

impl Client {
    /// A describe call followed through all its pages (each answer's `Marker` asks for
    /// the next): the pages' documents as the children of one node.
    fn call_pages(&self, params: &[(&str, String)]) -> Result<Node, String> {
        let mut pages = Node::default();
        let mut marker: Option<String> = None;
        // A bound, should a server answer Markers forever.
        for _ in 0..10_000 {
            let mut p = params.to_vec();
            if let Some(m) = marker.take() {
                p.push(("Marker", m));
            }
            let doc = self.call(&p)?;
            let mut m = Vec::new();
            doc.all("Marker", &mut m);
            marker = m.first().map(|n| n.text.clone()).filter(|t| !t.is_empty());
            pages.children.push(doc);
            if marker.is_none() {
                return Ok(pages);
            }
        }
        Err(format!(
            "{} did not end after 10000 pages",
            params.first().map_or("", |p| p.1.as_str())
        ))
    }

    /// One API call; the parsed response, or the API's error message.
    fn call(&self, params: &[(&str, String)]) -> Result<Node, String> {
        let mut body = String::from("Version=2014-10-31");
        for (k, v) in params {
            body.push('&');
            body.push_str(&sigv4::uri_encode(k));
            body.push('=');
            body.push_str(&sigv4::uri_encode(v));
        }
        let mut req = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.host,
            body.len()
        );
        if let Some((ak, sk)) = &self.keys {
            let now = borealis_engine::storage::now_us() / 1_000_000;
            for (k, v) in sigv4::sign_post(&self.host, body.as_bytes(), ak, sk, &self.region, now) {
                req.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        req.push_str("\r\n");
        req.push_str(&body);
        let mut s = TcpStream::connect(&self.host).map_err(|e| {
            format!(
                "cannot reach the API at {}: {e} (is `borealis serve` running? see --api)",
                self.host
            )
        })?;
        let _ = s.set_read_timeout(Some(Duration::from_secs(120)));
        s.write_all(req.as_bytes())
            .map_err(|e| format!("sending to {}: {e}", self.host))?;
        let mut resp = Vec::new();
        s.read_to_end(&mut resp)
            .map_err(|e| format!("reading from {}: {e}", self.host))?;
        let resp = String::from_utf8_lossy(&resp);
        let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let doc = parse_xml(body);
        if status != 200 {
            let mut errs = Vec::new();
            doc.all("Error", &mut errs);
            return Err(match errs.first() {
                Some(e) => format!("{}: {}", e.text_of("Code"), e.text_of("Message")),
                None => format!("HTTP {status}"),
            });
        }
        Ok(doc)
    }
}

fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..cols)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Runs a CLI command; the process exit code.
pub fn run(cmd: &str, args: Vec<String>) -> i32 {
    match run_inner(cmd, args) {
        Ok(out) => {
            let _ = std::io::stdout().write_all(out.as_bytes());
            0
        }
        Err(e) if e.is_empty() => {
            let _ = std::io::stdout().write_all(HELP.as_bytes());
            0
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "borealis {cmd}: {e}");
            1
        }
    }
}

fn run_inner(cmd: &str, args: Vec<String>) -> Result<String, String> {
    let mut api = std::env::var("BOREALIS_API").unwrap_or_else(|_| "http://127.0.0.1:8686".into());
    let mut ak = std::env::var("AWS_ACCESS_KEY_ID").ok();
    let mut sk = std::env::var("AWS_SECRET_ACCESS_KEY").ok();
    let mut json = false;
    let mut port: Option<String> = None;
    let mut to: Option<String> = None;
    let mut latest = false;
    let mut use_earliest = false;
    let mut pos = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--json" => json = true,
            "--api" => api = value()?,
            "--api-access-key" => ak = Some(value()?),
            "--api-secret-key" => sk = Some(value()?),
            "--port" => port = Some(value()?),
            "--to" => to = Some(value()?),
            "--latest" => latest = true,
            "--use-earliest" => use_earliest = true,
            f if f.starts_with("--") => return Err(format!("unknown option {f} (see --help)")),
            _ => pos.push(a),
        }
    }
    let host = api
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    if api.starts_with("https://") {
        return Err("the API speaks plain HTTP on loopback; use http://".into());
    }
    let client = Client {
        host,
        keys: ak.zip(sk),
        region: std::env::var("AWS_DEFAULT_REGION").unwrap_or_else(|_| "us-east-1".into()),
    };
    match (cmd, pos.as_slice()) {
        ("clusters", []) => clusters(&client, json),
        ("clone", [source, new]) => clone(&client, source, new, None, port, json),
        ("restore", [source, new]) => match (to, latest) {
            (Some(t), false) => clone(&client, source, new, Some(t), port, json),
            (None, true) => clone(&client, source, new, None, port, json),
            _ => Err("restore needs exactly one of --to TIME and --latest".into()),
        },
        ("backtrack", [name]) => match to {
            Some(t) => backtrack(&client, name, &t, use_earliest, json),
            None => Err("backtrack needs --to TIME".into()),
        },
        ("delete", [name]) => delete(&client, name),
        ("events", [name]) => events(&client, name, json),
        ("snapshot", [cluster, name]) => {
            c_call(&client, "CreateDBClusterSnapshot", cluster, name)?;
            Ok(format!("snapshot {name} of {cluster} created\n"))
        }
        ("snapshots", []) => snapshots(&client, json),
        ("delete-snapshot", [name]) => {
            client.call(&[
                ("Action", "DeleteDBClusterSnapshot".into()),
                ("DBClusterSnapshotIdentifier", name.to_string()),
            ])?;
            Ok(format!("deleted snapshot {name}\n"))
        }
        _ => Err(format!("wrong arguments\n\n{HELP}")),
    }
}

fn c_call(c: &Client, action: &str, cluster: &str, snapshot: &str) -> Result<Node, String> {
    c.call(&[
        ("Action", action.into()),
        ("DBClusterIdentifier", cluster.to_string()),
        ("DBClusterSnapshotIdentifier", snapshot.to_string()),
    ])
}

fn snapshots(c: &Client, json: bool) -> Result<String, String> {
    let doc = c.call_pages(&[("Action", "DescribeDBClusterSnapshots".into())])?;
    let mut sn = Vec::new();
    doc.all("DBClusterSnapshot", &mut sn);
    let num = |n: &Node, k: &str| n.text_of(k).parse::<u64>().unwrap_or(0);
    if json {
        let items: Vec<String> = sn
            .iter()
            .map(|n| {
                format!(
                    "{{\"id\":{},\"cluster\":{},\"status\":{},\"created\":{},\"exclusive_bytes\":{},\"shared_bytes\":{},\"binlog_file\":{},\"binlog_position\":{}}}",
                    json_str(&n.text_of("DBClusterSnapshotIdentifier")),
                    json_str(&n.text_of("DBClusterIdentifier")),
                    json_str(&n.text_of("Status")),
                    json_str(&n.text_of("SnapshotCreateTime")),
                    num(n, "BorealisExclusiveBytes"),
                    num(n, "BorealisSharedBytes"),
                    json_str(&n.text_of("BorealisBinlogFile")),
                    num(n, "BorealisBinlogPosition"),
                )
            })
            .collect();
        return Ok(format!("{{\"snapshots\":[{}]}}\n", items.join(",")));
    }
    let mut rows = vec![[
        "SNAPSHOT",
        "CLUSTER",
        "STATUS",
        "CREATED",
        "EXCLUSIVE",
        "SHARED",
    ]
    .map(str::to_string)
    .to_vec()];
    for n in &sn {
        rows.push(vec![
            n.text_of("DBClusterSnapshotIdentifier"),
            n.text_of("DBClusterIdentifier"),
            n.text_of("Status"),
            n.text_of("SnapshotCreateTime"),
            human_bytes(num(n, "BorealisExclusiveBytes")),
            human_bytes(num(n, "BorealisSharedBytes")),
        ]);
    }
    Ok(table(&rows))
}

fn clusters(c: &Client, json: bool) -> Result<String, String> {
    let doc = c.call_pages(&[("Action", "DescribeDBClusters".into())])?;
    let mut cl = Vec::new();
    doc.all("DBCluster", &mut cl);
    let mut vol = Vec::new();
    doc.all("BorealisVolume", &mut vol);
    let num = |n: &Node, k: &str| n.text_of(k).parse::<u64>().unwrap_or(0);
    let members = |n: &Node| -> Vec<String> {
        let mut m = Vec::new();
        n.all("DBInstanceIdentifier", &mut m);
        m.iter().map(|x| x.text.clone()).collect()
    };
    if json {
        let items: Vec<String> = cl
            .iter()
            .map(|n| {
                format!(
                    "{{\"id\":{},\"status\":{},\"endpoint\":{},\"port\":{},\"instances\":[{}],\"source\":{},\"clone_group\":{},\"exclusive_bytes\":{},\"shared_bytes\":{},\"history_bytes\":{},\"earliest_backtrack\":{},\"created\":{}}}",
                    json_str(&n.text_of("DBClusterIdentifier")),
                    json_str(&n.text_of("Status")),
                    json_str(&n.text_of("Endpoint")),
                    num(n, "Port"),
                    members(n).iter().map(|m| json_str(m)).collect::<Vec<_>>().join(","),
                    json_str(&n.text_of("BorealisSourceCluster")),
                    json_str(&n.text_of("CloneGroupId")),
                    num(n, "BorealisExclusiveBytes"),
                    num(n, "BorealisSharedBytes"),
                    num(n, "BorealisHistoryBytes"),
                    json_str(&n.text_of("EarliestBacktrackTime")),
                    json_str(&n.text_of("ClusterCreateTime")),
                )
            })
            .collect();
        let v = vol.first().copied().cloned().unwrap_or_default();
        return Ok(format!(
            "{{\"clusters\":[{}],\"volume\":{{\"page_size\":{},\"total_pages\":{},\"free_pages\":{}}}}}\n",
            items.join(","),
            num(&v, "PageSize"),
            num(&v, "TotalPages"),
            num(&v, "FreePages")
        ));
    }
    let mut rows = vec![[
        "CLUSTER",
        "STATUS",
        "ENDPOINT",
        "INSTANCES",
        "SOURCE",
        "EXCLUSIVE",
        "SHARED",
        "HISTORY",
        "CREATED",
    ]
    .map(str::to_string)
    .to_vec()];
    for n in &cl {
        let port = n.text_of("Port");
        rows.push(vec![
            n.text_of("DBClusterIdentifier"),
            n.text_of("Status"),
            if port.is_empty() {
                "-".into()
            } else {
                format!("{}:{port}", n.text_of("Endpoint"))
            },
            {
                let m = members(n);
                if m.is_empty() {
                    "-".into()
                } else {
                    m.join(",")
                }
            },
            {
                let s = n.text_of("BorealisSourceCluster");
                if s.is_empty() {
                    "-".into()
                } else {
                    s
                }
            },
            human_bytes(num(n, "BorealisExclusiveBytes")),
            human_bytes(num(n, "BorealisSharedBytes")),
            human_bytes(num(n, "BorealisHistoryBytes")),
            n.text_of("ClusterCreateTime"),
        ]);
    }
    let mut out = table(&rows);
    if let Some(v) = vol.first() {
        let ps = num(v, "PageSize");
        let total = num(v, "TotalPages");
        let free = num(v, "FreePages");
        out.push_str(&format!(
            "volume: {} in use, {} free ({} pages of {} B)\n",
            human_bytes((total.saturating_sub(free)) * ps),
            human_bytes(free * ps),
            total,
            ps
        ));
    }
    Ok(out)
}

/// A copy-on-write clone of `source` as of `at` (latest when None), with a writer.
fn clone(
    c: &Client,
    source: &str,
    new: &str,
    at: Option<String>,
    port: Option<String>,
    json: bool,
) -> Result<String, String> {
    let t0 = Instant::now();
    let mut p = vec![
        ("Action", "RestoreDBClusterToPointInTime".to_string()),
        ("SourceDBClusterIdentifier", source.to_string()),
        ("DBClusterIdentifier", new.to_string()),
        ("RestoreType", "copy-on-write".to_string()),
    ];
    match at {
        Some(t) => p.push(("RestoreToTime", t)),
        None => p.push(("UseLatestRestorableTime", "true".to_string())),
    }
    if let Some(port) = &port {
        p.push(("Port", port.clone()));
    }
    let doc = c.call(&p)?;
    let mut cl = Vec::new();
    doc.all("DBCluster", &mut cl);
    let cluster = cl.first().copied().cloned().unwrap_or_default();
    let instance = format!("{new}-instance-1");
    c.call(&[
        ("Action", "CreateDBInstance".into()),
        ("DBInstanceIdentifier", instance.clone()),
        ("DBClusterIdentifier", new.to_string()),
        ("DBInstanceClass", "db.r6g.large".into()),
        ("Engine", "aurora-mysql".into()),
    ])?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let (addr, port) = loop {
        let d = c.call(&[
            ("Action", "DescribeDBInstances".into()),
            ("DBInstanceIdentifier", instance.clone()),
        ])?;
        let mut is = Vec::new();
        d.all("DBInstance", &mut is);
        let i = is.first().copied().cloned().unwrap_or_default();
        match i.text_of("DBInstanceStatus").as_str() {
            "available" => {
                let ep = i.child("Endpoint").cloned().unwrap_or_default();
                break (ep.text_of("Address"), ep.text_of("Port"));
            }
            "creating" if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            other => return Err(format!("instance {instance} is {other}")),
        }
    };
    let took = t0.elapsed();
    let file = cluster.text_of("BorealisSourceBinlogFile");
    let pos = cluster.text_of("BorealisSourceBinlogPosition");
    let user = cluster.text_of("MasterUsername");
    if json {
        return Ok(format!(
            "{{\"cluster\":{},\"instance\":{},\"endpoint\":{},\"port\":{},\"source_binlog_file\":{},\"source_binlog_position\":{},\"seconds\":{:.3}}}\n",
            json_str(new),
            json_str(&instance),
            json_str(&addr),
            port.parse::<u64>().unwrap_or(0),
            json_str(&file),
            pos.parse::<u64>().unwrap_or(0),
            took.as_secs_f64()
        ));
    }
    let mut out = format!(
        "cloned {source} -> {new} in {:.0} ms\nconnect: mysql -h {addr} -P {port} -u {user} -p\n",
        took.as_secs_f64() * 1e3
    );
    if !file.is_empty() {
        out.push_str(&format!(
            "source binlog position at the clone point: {file} {pos}\n"
        ));
    }
    Ok(out)
}

fn backtrack(
    c: &Client,
    name: &str,
    to: &str,
    use_earliest: bool,
    json: bool,
) -> Result<String, String> {
    let t0 = Instant::now();
    let mut p = vec![
        ("Action", "BacktrackDBCluster".to_string()),
        ("DBClusterIdentifier", name.to_string()),
        ("BacktrackTo", to.to_string()),
    ];
    if use_earliest {
        p.push(("UseEarliestTimeOnPointInTimeUnavailable", "true".into()));
    }
    let doc = c.call(&p)?;
    let took = t0.elapsed();
    let mut r = Vec::new();
    doc.all("BacktrackDBClusterResult", &mut r);
    let r = r.first().copied().cloned().unwrap_or_default();
    if json {
        return Ok(format!(
            "{{\"cluster\":{},\"backtrack\":{},\"to\":{},\"from\":{},\"status\":{},\"seconds\":{:.3}}}\n",
            json_str(name),
            json_str(&r.text_of("BacktrackIdentifier")),
            json_str(&r.text_of("BacktrackTo")),
            json_str(&r.text_of("BacktrackedFrom")),
            json_str(&r.text_of("Status")),
            took.as_secs_f64()
        ));
    }
    Ok(format!(
        "backtracked {name} to {} in {:.0} ms ({}); to undo: borealis backtrack {name} --to {}\n",
        r.text_of("BacktrackTo"),
        took.as_secs_f64() * 1e3,
        r.text_of("Status"),
        r.text_of("BacktrackedFrom"),
    ))
}

fn delete(c: &Client, name: &str) -> Result<String, String> {
    let doc = c.call(&[
        ("Action", "DescribeDBClusters".into()),
        ("DBClusterIdentifier", name.to_string()),
    ])?;
    let mut members = Vec::new();
    doc.all("DBInstanceIdentifier", &mut members);
    let mut out = String::new();
    for m in members {
        c.call(&[
            ("Action", "DeleteDBInstance".into()),
            ("DBInstanceIdentifier", m.text.clone()),
            ("SkipFinalSnapshot", "true".into()),
        ])?;
        out.push_str(&format!("deleted instance {}\n", m.text));
    }
    c.call(&[
        ("Action", "DeleteDBCluster".into()),
        ("DBClusterIdentifier", name.to_string()),
        ("SkipFinalSnapshot", "true".into()),
    ])?;
    out.push_str(&format!("deleted cluster {name}\n"));
    Ok(out)
}

fn events(c: &Client, name: &str, json: bool) -> Result<String, String> {
    let doc = c.call_pages(&[
        ("Action", "DescribeEvents".into()),
        ("SourceIdentifier", name.to_string()),
        // Everything kept (the API's default is the past hour).
        ("Duration", "5256000".into()),
    ])?;
    let mut evs = Vec::new();
    doc.all("Event", &mut evs);
    if json {
        let items: Vec<String> = evs
            .iter()
            .map(|e| {
                format!(
                    "{{\"date\":{},\"source\":{},\"type\":{},\"message\":{}}}",
                    json_str(&e.text_of("Date")),
                    json_str(&e.text_of("SourceIdentifier")),
                    json_str(&e.text_of("SourceType")),
                    json_str(&e.text_of("Message"))
                )
            })
            .collect();
        return Ok(format!("[{}]\n", items.join(",")));
    }
    let mut rows = vec![vec![
        "DATE".to_string(),
        "SOURCE".to_string(),
        "MESSAGE".to_string(),
    ]];
    for e in &evs {
        rows.push(vec![
            e.text_of("Date"),
            e.text_of("SourceIdentifier"),
            e.text_of("Message"),
        ]);
    }
    Ok(table(&rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_api_xml() {
        let doc = parse_xml(
            "<?xml version=\"1.0\"?><R xmlns=\"x\"><DBClusters><DBCluster><Port>3307</Port>\
             <Message>a &amp; b</Message><Empty/></DBCluster></DBClusters></R>",
        );
        let mut cl = Vec::new();
        doc.all("DBCluster", &mut cl);
        assert_eq!(cl.len(), 1);
        assert_eq!(cl[0].text_of("Port"), "3307");
        assert_eq!(cl[0].text_of("Message"), "a & b");
        assert!(cl[0].child("Empty").is_some());
    }
}
