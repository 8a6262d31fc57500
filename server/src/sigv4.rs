//! AWS Signature Version 4, as the AWS CLI and boto3 sign RDS Query API requests: the
//! server checks a request's signature when `--api-access-key`/`--api-secret-key` are set;
//! the `borealis` subcommands sign theirs.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC accepts keys of any length; new_from_slice cannot fail for it.
    let mut m = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn sha256_hex(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

/// SigV4's URI encoding: unreserved characters stay, everything else is `%XX`.
pub fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` and (in form bodies) `+`.
pub fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let digit = |c: u8| (c as char).to_digit(16);
                match (digit(b[i + 1]), digit(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn canonical_query(q: &str) -> String {
    let mut pairs: Vec<(String, String)> = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (uri_encode(&url_decode(k)), uri_encode(&url_decode(v)))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The string to sign of a request, and its credential scope.
#[allow(clippy::too_many_arguments)]
fn string_to_sign(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    signed: &[String],
    payload_hash: &str,
    amz_date: &str,
    scope: &str,
) -> String {
    let mut canon_headers = String::new();
    for name in signed {
        let values: Vec<String> = headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        canon_headers.push_str(name);
        canon_headers.push(':');
        canon_headers.push_str(&values.join(","));
        canon_headers.push('\n');
    }
    let canonical = format!(
        "{method}\n{}\n{}\n{canon_headers}\n{}\n{payload_hash}",
        if path.is_empty() { "/" } else { path },
        canonical_query(query),
        signed.join(";")
    );
    format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    )
}

fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k = hmac(format!("AWS4{secret}").as_bytes(), date);
    let k = hmac(&k, region);
    let k = hmac(&k, service);
    hmac(&k, "aws4_request")
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// How far `X-Amz-Date` may be from the server's clock, either way (AWS's 15 minutes).
pub const MAX_SKEW_SECS: u64 = 15 * 60;

/// Why a request's signature is refused: HTTP status, AWS error code and message, as the
/// AWS Query API answers them (IncompleteSignature and RequestExpired are 400; a missing
/// or wrong signature and an unknown key are 403).
pub type Refusal = (u16, &'static str, String);

fn incomplete(msg: impl Into<String>) -> Refusal {
    (400, "IncompleteSignature", msg.into())
}

fn mismatch(why: &str) -> Refusal {
    (
        403,
        "SignatureDoesNotMatch",
        format!(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method.{why}"
        ),
    )
}

/// `YYYYMMDDTHHMMSSZ` as seconds since the epoch.
fn parse_amz_date(d: &str) -> Option<u64> {
    let b = d.as_bytes();
    let shape = b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit);
    if !shape {
        return None;
    }
    crate::isotime::parse_us(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &d[9..11],
        &d[11..13],
        &d[13..15]
    ))
    .map(|us| us / 1_000_000)
}

/// Checks the `Authorization` header of a request against `access_key`/`secret_key`, as
/// AWS does for the Query API (and for RAM's JSON API: the service of the credential
/// scope is whatever the client signed for):
///
/// 1. the payload hash in the canonical request is the SHA-256 of `body`, the bytes that
///    arrived: an `X-Amz-Content-Sha256` header is only a claim, which must be signed and
///    equal that hash (`UNSIGNED-PAYLOAD` and the streaming forms are refused), so a
///    captured signature cannot carry another body;
/// 2. `host` and `x-amz-date` must be signed headers;
/// 3. `X-Amz-Date` must be within [`MAX_SKEW_SECS`] of `now_unix` (RequestExpired);
/// 4. the signature and the content hash are compared in constant time.
#[allow(clippy::too_many_arguments)]
#[cfg(test)]
pub fn verify(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: &[u8],
    access_key: &str,
    secret_key: &str,
    now_unix: u64,
) -> Result<(), Refusal> {
    let secret_for = |k: &str| (k == access_key).then(|| secret_key.to_string());
    verify_with(method, path, query, headers, body, &secret_for, now_unix).map(|_| ())
}

/// [`verify`] with the secret looked up by the request's access key (`secret_for`: None
/// for a key nobody has, InvalidClientTokenId); gives the access key that signed.
pub fn verify_with(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: &[u8],
    secret_for: &dyn Fn(&str) -> Option<String>,
    now_unix: u64,
) -> Result<String, Refusal> {
    let auth = header(headers, "authorization").ok_or((
        403,
        "MissingAuthenticationToken",
        "Request is missing Authentication Token: sign it with AWS Signature Version 4".into(),
    ))?;
    let rest = auth
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or_else(|| incomplete("Only AWS4-HMAC-SHA256 signatures are accepted"))?;
    let mut credential = "";
    let mut signed = "";
    let mut signature = "";
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = v;
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = v;
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = v;
        }
    }
    let mut cparts = credential.splitn(5, '/');
    let (key, date, region, service, term) = (
        cparts.next().unwrap_or(""),
        cparts.next().unwrap_or(""),
        cparts.next().unwrap_or(""),
        cparts.next().unwrap_or(""),
        cparts.next().unwrap_or(""),
    );
    if term != "aws4_request" || signature.is_empty() || signed.is_empty() {
        return Err(incomplete(
            "The Authorization header is not a complete SigV4 signature",
        ));
    }
    let Some(secret_key) = secret_for(key) else {
        return Err((
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid (unknown access key id)".into(),
        ));
    };
    let signed: Vec<String> = signed.split(';').map(str::to_string).collect();
    let is_signed = |name: &str| signed.iter().any(|s| s == name);
    for required in ["host", "x-amz-date"] {
        if !is_signed(required) {
            return Err(incomplete(format!(
                "'{required}' must be a 'SignedHeader' in the AWS Authorization."
            )));
        }
    }
    let amz_date = header(headers, "x-amz-date").unwrap_or("");
    let when = parse_amz_date(amz_date)
        .filter(|_| amz_date.starts_with(date))
        .ok_or_else(|| {
            incomplete("X-Amz-Date is missing, not YYYYMMDDTHHMMSSZ, or not the credential's date")
        })?;
    if when.abs_diff(now_unix) > MAX_SKEW_SECS {
        let stamp = |t: u64| crate::isotime::amz_date(t).1;
        let msg = if when < now_unix {
            format!(
                "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
                stamp(now_unix - MAX_SKEW_SECS),
                stamp(now_unix)
            )
        } else {
            format!(
                "Signature not yet current: {amz_date} is still later than {} ({} + 15 min.)",
                stamp(now_unix + MAX_SKEW_SECS),
                stamp(now_unix)
            )
        };
        return Err((400, "RequestExpired", msg));
    }
    let body_hash = sha256_hex(body);
    if let Some(claimed) = header(headers, "x-amz-content-sha256") {
        if !is_signed("x-amz-content-sha256") {
            return Err(incomplete(
                "'x-amz-content-sha256' is sent but is not a 'SignedHeader' in the AWS Authorization.",
            ));
        }
        if claimed == "UNSIGNED-PAYLOAD" || claimed.starts_with("STREAMING-") {
            return Err(mismatch(&format!(
                " This API verifies the body: X-Amz-Content-Sha256 {claimed} is not accepted; \
                 sign the SHA-256 of the body."
            )));
        }
        if !bool::from(claimed.as_bytes().ct_eq(body_hash.as_bytes())) {
            return Err(mismatch(
                " The X-Amz-Content-Sha256 header is not the SHA-256 of the body received.",
            ));
        }
    }
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let sts = string_to_sign(
        method, path, query, headers, &signed, &body_hash, amz_date, &scope,
    );
    let want = hex(&hmac(
        &signing_key(&secret_key, date, region, service),
        &sts,
    ));
    if !bool::from(want.as_bytes().ct_eq(signature.as_bytes())) {
        return Err(mismatch(""));
    }
    Ok(key.to_string())
}

/// Signs a POST of `body` to `host` (`host:port`): returns the `X-Amz-Date` and
/// `Authorization` headers to add.
pub fn sign_post(
    host: &str,
    body: &[u8],
    access_key: &str,
    secret_key: &str,
    region: &str,
    now_unix: u64,
) -> Vec<(String, String)> {
    let (_, amz_date) = crate::isotime::amz_date(now_unix);
    let headers = vec![
        (
            "content-type".to_string(),
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        ),
        ("host".to_string(), host.to_string()),
        ("x-amz-date".to_string(), amz_date.clone()),
    ];
    let auth = authorization(
        &headers,
        &sha256_hex(body),
        access_key,
        secret_key,
        region,
        now_unix,
    );
    vec![
        ("X-Amz-Date".to_string(), amz_date),
        ("Authorization".to_string(), auth),
    ]
}

/// The `Authorization` header of a POST to `/` that signs every one of `headers` (lower
/// case names, `x-amz-date` among them) with `payload_hash` as the payload line.
fn authorization(
    headers: &[(String, String)],
    payload_hash: &str,
    access_key: &str,
    secret_key: &str,
    region: &str,
    now_unix: u64,
) -> String {
    let (date, amz_date) = crate::isotime::amz_date(now_unix);
    let signed: Vec<String> = headers.iter().map(|(k, _)| k.clone()).collect();
    let scope = format!("{date}/{region}/rds/aws4_request");
    let sts = string_to_sign(
        "POST",
        "/",
        "",
        headers,
        &signed,
        payload_hash,
        &amz_date,
        &scope,
    );
    let sig = hex(&hmac(&signing_key(secret_key, &date, region, "rds"), &sts));
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={}, Signature={sig}",
        signed.join(";")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's published example (IAM ListUsers, GET): the signing key and string to sign
    /// from the SigV4 documentation give its signature.
    #[test]
    fn matches_the_documented_example() {
        let headers = vec![
            (
                "content-type".to_string(),
                "application/x-www-form-urlencoded; charset=utf-8".to_string(),
            ),
            ("host".to_string(), "iam.amazonaws.com".to_string()),
            ("x-amz-date".to_string(), "20150830T123600Z".to_string()),
        ];
        let signed: Vec<String> = headers.iter().map(|(k, _)| k.clone()).collect();
        let sts = string_to_sign(
            "GET",
            "/",
            "Action=ListUsers&Version=2010-05-08",
            &headers,
            &signed,
            &sha256_hex(b""),
            "20150830T123600Z",
            "20150830/us-east-1/iam/aws4_request",
        );
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex(&hmac(&key, &sts)),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn a_signed_request_verifies_and_a_wrong_secret_does_not() {
        let body = b"Action=DescribeDBClusters&Version=2014-10-31";
        let now = 1_795_319_605;
        let mut headers = vec![
            (
                "Content-Type".to_string(),
                "application/x-www-form-urlencoded; charset=utf-8".to_string(),
            ),
            ("Host".to_string(), "127.0.0.1:8686".to_string()),
        ];
        headers.extend(sign_post(
            "127.0.0.1:8686",
            body,
            "AK",
            "SK",
            "us-east-1",
            now,
        ));
        assert!(verify("POST", "/", "", &headers, body, "AK", "SK", now).is_ok());
        let e = verify("POST", "/", "", &headers, body, "AK", "WRONG", now).unwrap_err();
        assert_eq!((e.0, e.1), (403, "SignatureDoesNotMatch"));
        let e = verify("POST", "/", "", &headers, body, "OTHER", "SK", now).unwrap_err();
        assert_eq!((e.0, e.1), (403, "InvalidClientTokenId"));
        let e = verify("POST", "/", "", &headers, body, "AK", "SK", now + 3600).unwrap_err();
        assert_eq!((e.0, e.1), (400, "RequestExpired"));
        assert!(e.2.starts_with("Signature expired: "), "{}", e.2);
        let e = verify("POST", "/", "", &headers, body, "AK", "SK", now - 3600).unwrap_err();
        assert_eq!((e.0, e.1), (400, "RequestExpired"));
        assert!(verify("POST", "/", "", &headers, body, "AK", "SK", now + 899).is_ok());
        assert_eq!(url_decode("a%2Fb+c%"), "a/b c%");
    }

    const NOW: u64 = 1_795_319_605;
    const DESCRIBE: &[u8] = b"Action=DescribeDBClusters&Version=2014-10-31";
    const DELETE: &[u8] =
        b"Action=DeleteDBCluster&DBClusterIdentifier=borealis&SkipFinalSnapshot=true&Version=2014-10-31";

    /// A request signed over `host`, `x-amz-date` and `x-amz-content-sha256: claimed`.
    fn signed_with_content_hash(claimed: &str) -> Vec<(String, String)> {
        let (_, amz_date) = crate::isotime::amz_date(NOW);
        let mut headers = vec![
            ("host".to_string(), "127.0.0.1:8686".to_string()),
            ("x-amz-content-sha256".to_string(), claimed.to_string()),
            ("x-amz-date".to_string(), amz_date),
        ];
        let auth = authorization(&headers, claimed, "AK", "SK", "us-east-1", NOW);
        headers.push(("authorization".to_string(), auth));
        headers
    }

    fn check(headers: &[(String, String)], body: &[u8]) -> Result<(), Refusal> {
        verify("POST", "/", "", headers, body, "AK", "SK", NOW)
    }

    /// A signed request's X-Amz-Content-Sha256 used to stand in for the body's hash: a
    /// captured DescribeDBClusters replayed with a DeleteDBCluster body kept its valid
    /// signature and deleted the cluster.
    #[test]
    fn the_content_hash_header_must_be_the_hash_of_the_body_received() {
        let headers = signed_with_content_hash(&sha256_hex(DESCRIBE));
        assert!(check(&headers, DESCRIBE).is_ok());
        let e = check(&headers, DELETE).unwrap_err();
        assert_eq!((e.0, e.1), (403, "SignatureDoesNotMatch"));
    }

    /// `UNSIGNED-PAYLOAD` signed nothing of the body, so any body went with the signature.
    #[test]
    fn an_unsigned_payload_is_refused() {
        let headers = signed_with_content_hash("UNSIGNED-PAYLOAD");
        for body in [DESCRIBE, DELETE] {
            let e = check(&headers, body).unwrap_err();
            assert_eq!((e.0, e.1), (403, "SignatureDoesNotMatch"), "{}", e.2);
        }
    }

    #[test]
    fn host_date_and_a_sent_content_hash_must_be_signed() {
        // Signed over host and x-amz-date only, then a content hash header added.
        let mut headers = vec![
            (
                "Content-Type".to_string(),
                "application/x-www-form-urlencoded; charset=utf-8".to_string(),
            ),
            ("Host".to_string(), "127.0.0.1:8686".to_string()),
        ];
        headers.extend(sign_post(
            "127.0.0.1:8686",
            DESCRIBE,
            "AK",
            "SK",
            "us-east-1",
            NOW,
        ));
        assert!(check(&headers, DESCRIBE).is_ok());
        headers.push(("x-amz-content-sha256".to_string(), sha256_hex(DESCRIBE)));
        let e = check(&headers, DESCRIBE).unwrap_err();
        assert_eq!((e.0, e.1), (400, "IncompleteSignature"));
        // A signature over x-amz-date alone leaves the host open.
        let (_, amz_date) = crate::isotime::amz_date(NOW);
        let mut headers = vec![("x-amz-date".to_string(), amz_date)];
        let auth = authorization(
            &headers,
            &sha256_hex(DESCRIBE),
            "AK",
            "SK",
            "us-east-1",
            NOW,
        );
        headers.push(("authorization".to_string(), auth));
        let e = check(&headers, DESCRIBE).unwrap_err();
        assert_eq!((e.0, e.1), (400, "IncompleteSignature"));
        assert!(e.2.contains("'host'"), "{}", e.2);
    }
}
