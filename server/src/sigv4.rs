//! AWS Signature Version 4, as the AWS CLI and boto3 sign RDS Query API requests: the
//! server checks a request's signature when `--api-access-key`/`--api-secret-key` are set;
//! the `borealis` subcommands sign theirs.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

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

/// Why a request's signature is refused: (RDS error code, message).
pub type Refusal = (&'static str, String);

/// Checks the `Authorization` header of a request against `access_key`/`secret_key`.
#[allow(clippy::too_many_arguments)]
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
    let auth = header(headers, "authorization").ok_or((
        "MissingAuthenticationToken",
        "Request is missing Authentication Token: sign it with AWS Signature Version 4".into(),
    ))?;
    let rest = auth.strip_prefix("AWS4-HMAC-SHA256 ").ok_or((
        "IncompleteSignature",
        "Only AWS4-HMAC-SHA256 signatures are accepted".into(),
    ))?;
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
        return Err((
            "IncompleteSignature",
            "The Authorization header is not a complete SigV4 signature".into(),
        ));
    }
    if key != access_key {
        return Err((
            "InvalidClientTokenId",
            "The security token included in the request is invalid (unknown access key id)".into(),
        ));
    }
    let amz_date = header(headers, "x-amz-date").unwrap_or("");
    if amz_date.len() != 16 || !amz_date.starts_with(date) {
        return Err((
            "IncompleteSignature",
            "X-Amz-Date is missing or does not match the credential scope".into(),
        ));
    }
    let when = crate::isotime::parse_us(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        &amz_date[0..4],
        &amz_date[4..6],
        &amz_date[6..8],
        &amz_date[9..11],
        &amz_date[11..13],
        &amz_date[13..15]
    ))
    .map(|us| us / 1_000_000)
    .unwrap_or(0);
    if when.abs_diff(now_unix) > 15 * 60 {
        return Err((
            "RequestExpired",
            format!("Request has expired: X-Amz-Date {amz_date} is more than 15 minutes from the server's clock"),
        ));
    }
    let signed: Vec<String> = signed.split(';').map(str::to_string).collect();
    let payload_hash = header(headers, "x-amz-content-sha256")
        .map(str::to_string)
        .unwrap_or_else(|| sha256_hex(body));
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let sts = string_to_sign(
        method,
        path,
        query,
        headers,
        &signed,
        &payload_hash,
        amz_date,
        &scope,
    );
    let want = hex(&hmac(&signing_key(secret_key, date, region, service), &sts));
    if want != signature {
        return Err((
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method."
                .into(),
        ));
    }
    Ok(())
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
    let (date, amz_date) = crate::isotime::amz_date(now_unix);
    let headers = vec![
        (
            "content-type".to_string(),
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        ),
        ("host".to_string(), host.to_string()),
        ("x-amz-date".to_string(), amz_date.clone()),
    ];
    let signed: Vec<String> = headers.iter().map(|(k, _)| k.clone()).collect();
    let scope = format!("{date}/{region}/rds/aws4_request");
    let sts = string_to_sign(
        "POST",
        "/",
        "",
        &headers,
        &signed,
        &sha256_hex(body),
        &amz_date,
        &scope,
    );
    let sig = hex(&hmac(&signing_key(secret_key, &date, region, "rds"), &sts));
    vec![
        ("X-Amz-Date".to_string(), amz_date),
        (
            "Authorization".to_string(),
            format!(
                "AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={}, Signature={sig}",
                signed.join(";")
            ),
        ),
    ]
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
        assert_eq!(e.0, "SignatureDoesNotMatch");
        let e = verify("POST", "/", "", &headers, body, "OTHER", "SK", now).unwrap_err();
        assert_eq!(e.0, "InvalidClientTokenId");
        let e = verify("POST", "/", "", &headers, body, "AK", "SK", now + 3600).unwrap_err();
        assert_eq!(e.0, "RequestExpired");
        assert_eq!(url_decode("a%2Fb+c%"), "a/b c%");
    }
}
