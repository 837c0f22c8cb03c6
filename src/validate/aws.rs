//! AWS access keys: STS `GetCallerIdentity`, the one call every key may make, signed with
//! Signature Version 4. An access key needs its secret to sign, so the secret access key found
//! nearest to the key id in the same file is its pair; the answer is given to both.
//!
//! The request is fixed: `POST https://sts.amazonaws.com/` in `us-east-1`, body
//! `Action=GetCallerIdentity&Version=2011-06-15` (AWS STS API reference). The answer names the
//! account and the ARN of the user or role; a refused key answers 403 with
//! `InvalidClientTokenId` or `SignatureDoesNotMatch`.

use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::http::{Request, Response};
use crate::finding::validation::{LiveState, Validation};

pub const HOST: &str = "sts.amazonaws.com";
const REGION: &str = "us-east-1";
const SERVICE: &str = "sts";
const BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Rules whose findings are access key ids, and those whose findings are secret access keys.
pub const KEY_ID_RULES: &[&str] = &["aws-access-key-id"];
pub const SECRET_RULES: &[&str] = &["aws-secret-access-key", "aws-secret-access-key-paired"];

pub fn endpoint() -> String {
    format!("POST {HOST}/ (GetCallerIdentity)")
}

/// The signed request for `key_id` and `secret` at `now`.
pub fn request(key_id: &str, secret: &str, now: Timestamp) -> Request {
    let time = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    let date = &time[..8];
    let canonical = format!(
        "POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{HOST}\nx-amz-date:{time}\n\n\
         content-type;host;x-amz-date\n{}",
        hex(&Sha256::digest(BODY.as_bytes()))
    );
    let scope = format!("{date}/{REGION}/{SERVICE}/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{time}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    for part in [REGION, SERVICE, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex(&hmac(&key, to_sign.as_bytes()));
    Request {
        method: "POST",
        host: HOST,
        path: "/".to_string(),
        headers: vec![
            ("Content-Type".into(), CONTENT_TYPE.into()),
            ("X-Amz-Date".into(), time.clone()),
            (
                "Authorization".into(),
                format!(
                    "AWS4-HMAC-SHA256 Credential={key_id}/{scope}, \
                     SignedHeaders=content-type;host;x-amz-date, Signature={signature}"
                ),
            ),
        ],
        body: Some(BODY),
    }
}

/// The state STS's answer means.
pub fn read(response: &Response, now: Timestamp) -> Validation {
    let body = String::from_utf8_lossy(&response.body);
    let (state, identity, reason) = match response.status {
        200 => (LiveState::Live, element(&body, "Arn"), None),
        403 if body.contains("InvalidClientTokenId") || body.contains("SignatureDoesNotMatch") => (
            LiveState::Invalid,
            None,
            Some("HTTP 403: key refused".to_string()),
        ),
        403 if body.contains("ExpiredToken") => (
            LiveState::Invalid,
            None,
            Some("HTTP 403: expired".to_string()),
        ),
        400 | 429 if body.contains("Throttling") => {
            (LiveState::Unknown, None, Some("rate limited".to_string()))
        }
        status => (
            LiveState::Unknown,
            None,
            Some(format!("HTTP {status}: unexpected answer")),
        ),
    };
    Validation {
        state,
        identity,
        scopes: Vec::new(),
        reason,
        endpoint: Some(endpoint()),
        checked_at: now,
    }
}

/// The text of the first `<name>…</name>` (STS answers are small, flat XML).
fn element(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = start + body[start..].find(&format!("</{name}>"))?;
    let text: String = body[start..end]
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    (!text.is_empty()).then_some(text)
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail for it.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signing-key derivation of the AWS SigV4 documentation ("Examples of how to derive a
    /// signing key"): secret `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`, 20120215, us-east-1, iam.
    #[test]
    fn the_signing_key_matches_the_documented_example() {
        let mut key = hmac(b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", b"20120215");
        for part in ["us-east-1", "iam", "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        assert_eq!(
            hex(&key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn the_request_is_signed_for_sts_only() {
        let now: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let request = request("AKIAEXAMPLEEXAMPLE12", "secret", now);
        assert_eq!(
            (request.method, request.host, request.path.as_str()),
            ("POST", HOST, "/")
        );
        let auth = &request.headers[2].1;
        assert!(auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEEXAMPLE12/20261201/us-east-1/sts/aws4_request, "
        ));
        assert!(!auth.contains("secret"));
        assert_eq!(request.headers[1].1, "20261201T100000Z");
    }

    #[test]
    fn answers_are_read() {
        let now = Timestamp::UNIX_EPOCH;
        let ok = Response {
            status: 200,
            headers: Vec::new(),
            body: b"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/deploy</Arn><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>".to_vec(),
        };
        let v = read(&ok, now);
        assert_eq!(v.state, LiveState::Live);
        assert_eq!(
            v.identity.as_deref(),
            Some("arn:aws:iam::123456789012:user/deploy")
        );
        let refused = Response {
            status: 403,
            headers: Vec::new(),
            body:
                b"<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>"
                    .to_vec(),
        };
        assert_eq!(read(&refused, now).state, LiveState::Invalid);
    }
}
