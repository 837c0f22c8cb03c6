//! Base64 where credentials are stored base64-encoded by convention: Kubernetes `Secret` `data:`
//! values, Docker `auth` fields and HTTP `Basic` credentials (base64 of `user:password`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::Segment;

/// Shorter values cannot hold a credential worth reporting.
const MIN_ENCODED_LEN: usize = 12;

fn decode(value: &[u8]) -> Option<Vec<u8>> {
    if value.len() < MIN_ENCODED_LEN {
        return None;
    }
    let decoded = STANDARD.decode(value).ok()?;
    // Binary payloads (certificates in DER, keystores) are not text a rule can match.
    let printable = decoded
        .iter()
        .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    printable.then_some(decoded)
}

/// `data:` entries of a Kubernetes Secret manifest: `  name: <base64>` lines indented under it.
pub fn kubernetes_secret_data(content: &[u8], out: &mut Vec<Segment>) {
    let mut data_indent: Option<usize> = None;
    let mut offset = 0;
    for line in content.split(|&b| b == b'\n') {
        let line_start = offset;
        offset += line.len() + 1;
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let rest = line[indent..].trim_ascii_end();
        if rest.is_empty() || rest.starts_with(b"#") {
            continue;
        }
        if let Some(parent) = data_indent {
            if indent <= parent {
                data_indent = None;
            } else if let Some(colon) = rest.windows(2).position(|w| w == b": ") {
                let value = rest[colon + 2..].trim_ascii();
                let value = value
                    .strip_prefix(b"\"")
                    .and_then(|v| v.strip_suffix(b"\""))
                    .unwrap_or(value);
                if let Some(bytes) = decode(value) {
                    let start = line_start + indent + colon + 2;
                    out.push(Segment {
                        bytes,
                        start,
                        end: start + value.len(),
                    });
                }
                continue;
            }
        }
        if rest == b"data:" || rest == b"binaryData:" {
            data_indent = Some(indent);
        }
    }
}

/// `Authorization: Basic <base64>` credentials (RFC 7617) and `"auth": "<base64>"` fields of a
/// Docker client config, wherever they stand: a curl line, an HTTP log, a HAR file, a
/// `DOCKER_AUTH_CONFIG` CI variable (JSON inside a string, so its quotes may be escaped).
/// Both hold base64 of `user:password`; the decoded pair is scanned so that a provider token
/// used as the password (`x-access-token:ghp_…`) is reported as that provider's, at the
/// place of its encoded form.
pub fn credential_pairs(content: &[u8], out: &mut Vec<Segment>) {
    static PAIR: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(
            r#"(?i:basic)[ \t]+([A-Za-z0-9+/]{8,}={0,2})|"(?i:auth)\\?"[ \t]*:[ \t]*\\?"([A-Za-z0-9+/]{8,}={0,2})"#,
        )
        .expect("credential pair pattern compiles")
    });
    for captures in PAIR.captures_iter(content) {
        let Some(value) = captures.get(1).or_else(|| captures.get(2)) else {
            continue;
        };
        if let Some(bytes) = decode(value.as_bytes()) {
            out.push(Segment {
                bytes,
                start: value.start(),
                end: value.end(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_kubernetes_secret_data_only() {
        let text = b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  user: YWRtaW5pc3RyYXRvcg==\n  password: \"aHVudGVyMi1ob3JzZS1iYXR0ZXJ5\"\nstringData:\n  other: bm90LWRlY29kZWQtaGVyZQ==\n";
        let mut out = Vec::new();
        kubernetes_secret_data(text, &mut out);
        let decoded: Vec<&[u8]> = out.iter().map(|s| s.bytes.as_slice()).collect();
        assert_eq!(
            decoded,
            vec![&b"administrator"[..], b"hunter2-horse-battery"]
        );
        assert_eq!(&text[out[0].start..out[0].end], b"YWRtaW5pc3RyYXRvcg==");
    }

    #[test]
    fn decodes_docker_auth_fields_and_basic_credentials() {
        let text =
            br#"{"auths": {"ghcr.io": {"auth": "bWU6Z2hwX3NlY3JldHZhbHVl"}, "x": {"auth": "!!"}}}"#;
        let mut out = Vec::new();
        credential_pairs(text, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].bytes, b"me:ghp_secretvalue");
        assert_eq!(&text[out[0].start..out[0].end], b"bWU6Z2hwX3NlY3JldHZhbHVl");
        let escaped = br#"DOCKER_AUTH_CONFIG: '{\"auths\":{\"r.io\":{\"auth\":\"bWU6Z2hwX3NlY3JldHZhbHVl\"}}}'"#;
        let mut out = Vec::new();
        credential_pairs(escaped, &mut out);
        assert_eq!(out.len(), 1);
        let header = b"curl -H 'Authorization: Basic bWU6Z2hwX3NlY3JldHZhbHVl' https://x.io\n";
        let mut out = Vec::new();
        credential_pairs(header, &mut out);
        assert_eq!(out[0].bytes, b"me:ghp_secretvalue");
    }
}
