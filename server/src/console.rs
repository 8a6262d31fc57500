//! The web console at `/console/` on the API port (issue 30): a page, its script and its
//! style sheet, built into the binary from `server/console/` (no CDN, no build step: plain
//! HTML, CSS and modern JavaScript). The page is a client of the RDS Query API on the same
//! port: it POSTs the same actions the AWS CLI sends (`fetch`, answers parsed with
//! `DOMParser`) and, when the server has `--api-access-key`/`--api-secret-key`, signs each
//! one with SigV4 in the browser (WebCrypto) with the key and secret the user types in, so
//! the API checks it exactly as it checks the CLI's.
//!
//! The assets hold no secret, so they are served without a signature; but without API keys
//! the API is open to whoever can reach it, so the console is then served to loopback peers
//! only (a remote browser gets 403 and the reason). Every answer forbids framing and
//! caching and allows only same-origin scripts, styles and connections (CSP).
//!
//! Because the console invites a browser to this port, [`check_origin`] keeps other sites'
//! pages in that browser from calling the API (cross-site request forgery, DNS rebinding).

use std::net::SocketAddr;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{header, Response, StatusCode};

const INDEX: &str = include_str!("../console/index.html");
const SCRIPT: &str = include_str!("../console/console.js");
const STYLE: &str = include_str!("../console/console.css");

/// Whether a request path belongs to the console (`/console` and everything under it).
pub fn is_console_path(path: &str) -> bool {
    path == "/console" || path.starts_with("/console/")
}

/// The console's answer to `method path` from `peer`; `keys_set`: the API checks
/// signatures.
pub fn respond(
    method: &hyper::Method,
    path: &str,
    peer: SocketAddr,
    keys_set: bool,
) -> Response<Full<Bytes>> {
    if !keys_set && !peer.ip().to_canonical().is_loopback() {
        tracing::info!(%peer, "console refused: no API keys and a remote peer");
        return text(
            StatusCode::FORBIDDEN,
            "The Borealis console is served to remote browsers only when the API checks \
             signatures: start the server with --api-access-key and --api-secret-key, or open \
             the console from this machine (http://127.0.0.1:PORT/console/).\n",
        );
    }
    if method != hyper::Method::GET && method != hyper::Method::HEAD {
        let mut r = text(
            StatusCode::METHOD_NOT_ALLOWED,
            "The console's files are read with GET.\n",
        );
        r.headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let (body, kind) = match path {
        "/console" => {
            let mut r = text(StatusCode::MOVED_PERMANENTLY, "");
            r.headers_mut().insert(
                header::LOCATION,
                header::HeaderValue::from_static("/console/"),
            );
            return r;
        }
        "/console/" | "/console/index.html" => (INDEX, "text/html; charset=utf-8"),
        "/console/console.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        "/console/console.css" => (STYLE, "text/css; charset=utf-8"),
        _ => {
            return text(
                StatusCode::NOT_FOUND,
                "No such console page: the console is at /console/.\n",
            )
        }
    };
    let body = if method == hyper::Method::HEAD {
        Bytes::new()
    } else {
        Bytes::from_static(body.as_bytes())
    };
    with_headers(Response::new(Full::new(body)), kind)
}

/// Whether an API request may be answered, as far as browsers go. A browser sends `Origin`
/// with every POST (the console's own included; the AWS CLI and SDKs send none), so:
///
/// - an `Origin` that is not this server's own (`http://` + the `Host` header) is another
///   site's page posting to the API from the user's browser (cross-site request forgery;
///   a form POST needs no CORS preflight): refused;
/// - without API keys, a browser request must also name the server by a loopback name
///   (`127.0.0.1`, `[::1]`, `localhost`): a page whose own host name resolves to this
///   machine (DNS rebinding) is otherwise same-origin with the API.
///
/// Requests without `Origin` are not browsers' and are checked as before (signatures).
pub fn check_origin(headers: &hyper::HeaderMap, keys_set: bool) -> Result<(), String> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("");
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let own = !host.is_empty()
        && (origin.eq_ignore_ascii_case(&format!("http://{host}"))
            || origin.eq_ignore_ascii_case(&format!("https://{host}")));
    if !own {
        return Err(format!(
            "A browser page from {origin} may not call this API: only the console served by              this server (http://{host}/console/) may."
        ));
    }
    if !keys_set {
        let name = match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        };
        let loopback = name.eq_ignore_ascii_case("localhost")
            || name
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.to_canonical().is_loopback());
        if !loopback {
            return Err(format!(
                "Without --api-access-key/--api-secret-key the API answers browsers only at                  a loopback address (http://127.0.0.1:PORT/console/), not at {host}."
            ));
        }
    }
    Ok(())
}

fn text(status: StatusCode, msg: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(msg.as_bytes())));
    *r.status_mut() = status;
    with_headers(r, "text/plain; charset=utf-8")
}

fn with_headers(mut r: Response<Full<Bytes>>, kind: &'static str) -> Response<Full<Bytes>> {
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(kind));
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
             img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::Method;

    fn local() -> SocketAddr {
        "127.0.0.1:5000".parse().unwrap()
    }

    #[test]
    fn paths() {
        assert!(is_console_path("/console"));
        assert!(is_console_path("/console/"));
        assert!(is_console_path("/console/console.js"));
        assert!(!is_console_path("/"));
        assert!(!is_console_path("/consoles"));
    }

    #[test]
    fn serves_the_three_files_and_404s_the_rest() {
        for (p, kind) in [
            ("/console/", "text/html; charset=utf-8"),
            ("/console/console.js", "text/javascript; charset=utf-8"),
            ("/console/console.css", "text/css; charset=utf-8"),
        ] {
            let r = respond(&Method::GET, p, local(), false);
            assert_eq!(r.status(), StatusCode::OK, "{p}");
            assert_eq!(r.headers()[header::CONTENT_TYPE], kind);
        }
        let r = respond(&Method::GET, "/console", local(), false);
        assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
        let r = respond(&Method::GET, "/console/../etc/passwd", local(), false);
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = respond(&Method::POST, "/console/", local(), false);
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    fn headers(origin: Option<&str>, host: &str) -> hyper::HeaderMap {
        let mut h = hyper::HeaderMap::new();
        h.insert(header::HOST, host.parse().unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, o.parse().unwrap());
        }
        h
    }

    #[test]
    fn browser_requests_come_from_the_console_only() {
        // No Origin: the AWS CLI, boto3, curl.
        assert!(check_origin(&headers(None, "example.com:8686"), false).is_ok());
        // The console itself.
        for host in [
            "127.0.0.1:8686",
            "localhost:8686",
            "[::1]:8686",
            "127.0.0.1",
        ] {
            let h = headers(Some(&format!("http://{host}")), host);
            assert!(check_origin(&h, false).is_ok(), "{host}");
        }
        // Another site's page.
        let h = headers(Some("http://evil.example"), "127.0.0.1:8686");
        assert!(check_origin(&h, false).is_err());
        assert!(check_origin(&h, true).is_err());
        assert!(check_origin(&headers(Some("null"), "127.0.0.1:8686"), false).is_err());
        // DNS rebinding: same origin, but not a loopback name; fine when signatures are
        // checked.
        let h = headers(Some("http://evil.example:8686"), "evil.example:8686");
        assert!(check_origin(&h, false).is_err());
        assert!(check_origin(&h, true).is_ok());
    }

    #[test]
    fn remote_peers_need_api_keys() {
        let remote: SocketAddr = "192.0.2.7:5000".parse().unwrap();
        let r = respond(&Method::GET, "/console/", remote, false);
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = respond(&Method::GET, "/console/", remote, true);
        assert_eq!(r.status(), StatusCode::OK);
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().unwrap();
        let r = respond(&Method::GET, "/console/", mapped, false);
        assert_eq!(r.status(), StatusCode::OK);
    }
}
