//! Live validation, opt-in (`--validate`, `stray verify`): for each finding whose rule has a
//! validator, one read-only request to the provider's own host asks whether the credential
//! still works. Nothing here runs unless the user asked; a default scan opens no socket.
//!
//! Requests go out a few at a time ([`CONCURRENCY`]) with at most one request in flight per
//! host and a pause between requests to the same host ([`HOST_INTERVAL`]), so a laptop with
//! fifty GitHub tokens does not trip GitHub's abuse limits. A response body is read only to
//! find the identity and scopes; it is never logged or stored.

pub mod http;
pub mod providers;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use jiff::Timestamp;
use serde_json::Value;

use crate::finding::Finding;
use crate::finding::validation::{LiveState, Validation};
use http::{Failure, Request, Response, Transport};
use providers::{Auth, Validator};

/// Requests in flight at once.
pub const CONCURRENCY: usize = 4;

/// The least time between two requests to the same host.
pub const HOST_INTERVAL: Duration = Duration::from_millis(250);

/// Validates every finding in `findings` (each is one credential) and records the result in
/// `finding.validation`. Findings with no validator get `unknown: no validator`. Only findings
/// of built-in rules (`builtin(rule_id)`) are sent anywhere: a team pack's rule that reused a
/// built-in id could otherwise send whatever it matches to that provider.
pub fn validate_all(
    findings: &mut [Finding],
    builtin: &(dyn Fn(&str) -> bool + Sync),
    transport: &dyn Transport,
    now: Timestamp,
) {
    let hosts: Mutex<HashMap<&'static str, Instant>> = Mutex::new(HashMap::new());
    let host_locks: HashMap<&'static str, Mutex<()>> = providers::VALIDATORS
        .iter()
        .map(|v| (v.host, Mutex::new(())))
        .collect();
    let queue: Mutex<std::slice::IterMut<'_, Finding>> = Mutex::new(findings.iter_mut());
    std::thread::scope(|scope| {
        for _ in 0..CONCURRENCY {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.next());
                    let Some(finding) = next else { break };
                    let validation = match providers::for_rule(&finding.rule_id) {
                        _ if !builtin(&finding.rule_id) => {
                            unknown(now, "a team rule: only built-in rules are validated", None)
                        }
                        None => unknown(now, "no validator for this rule", None),
                        Some(validator) => {
                            // One request at a time per host, spaced out.
                            let _turn = host_locks.get(validator.host).map(|m| m.lock());
                            wait_for_host(&hosts, validator.host);
                            check(validator, &finding.secret, transport, now)
                        }
                    };
                    finding.validation = Some(validation);
                }
            });
        }
    });
}

fn wait_for_host(hosts: &Mutex<HashMap<&'static str, Instant>>, host: &'static str) {
    let wait = {
        let Ok(mut last) = hosts.lock() else { return };
        let now = Instant::now();
        let wait = last
            .get(host)
            .map(|at| (*at + HOST_INTERVAL).saturating_duration_since(now))
            .unwrap_or_default();
        last.insert(host, now + wait);
        wait
    };
    if !wait.is_zero() {
        std::thread::sleep(wait);
    }
}

/// One credential against one validator.
pub fn check(
    validator: &Validator,
    secret: &[u8],
    transport: &dyn Transport,
    now: Timestamp,
) -> Validation {
    let endpoint = validator.endpoint();
    let Ok(secret) = std::str::from_utf8(secret) else {
        return unknown(now, "the credential is not text", Some(endpoint));
    };
    if secret.is_empty()
        || secret
            .bytes()
            .any(|b| b.is_ascii_control() || b == b' ' || b >= 0x80)
    {
        // Such a value cannot be put in a header or path without changing it.
        return unknown(now, "the credential cannot be sent as is", Some(endpoint));
    }
    let request = request(validator, secret);
    match transport.send(&request) {
        Ok(response) => read(validator, &response, now, endpoint),
        Err(Failure::Timeout) => unknown(now, "timed out", Some(endpoint)),
        Err(Failure::Network(what)) => {
            unknown(now, &format!("network error: {what}"), Some(endpoint))
        }
    }
}

fn request(validator: &Validator, secret: &str) -> Request {
    let mut headers: Vec<(String, String)> = validator
        .headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let mut path = validator.path.to_string();
    match validator.auth {
        Auth::Bearer => headers.push(("Authorization".into(), format!("Bearer {secret}"))),
        Auth::Header(name, prefix) => headers.push((name.into(), format!("{prefix}{secret}"))),
        Auth::BasicPassword(user) => {
            let pair = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"));
            headers.push(("Authorization".into(), format!("Basic {pair}")));
        }
        Auth::Path => {
            // Path-safe characters only reach here (checked in `check`), but a `/` or `?`
            // would change which resource is asked for.
            let escaped =
                percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                    .to_string()
                    .replace("%3A", ":")
                    .replace("%2D", "-")
                    .replace("%5F", "_");
            path = path.replace("{secret}", &escaped);
        }
    }
    Request {
        method: validator.method.as_str(),
        host: validator.host,
        path,
        headers,
        body: validator.body,
    }
}

/// The state a response means.
fn read(
    validator: &Validator,
    response: &Response,
    now: Timestamp,
    endpoint: String,
) -> Validation {
    let json: Option<Value> = serde_json::from_slice(&response.body).ok();
    let status = response.status;
    let reading = &validator.reading;
    let base = |state: LiveState, reason: Option<String>| Validation {
        state,
        identity: None,
        scopes: Vec::new(),
        reason,
        endpoint: Some(endpoint.clone()),
        checked_at: now,
    };
    match status {
        200..=299 => {
            if let Some(pointer) = reading.ok {
                match json
                    .as_ref()
                    .and_then(|j| j.pointer(pointer))
                    .and_then(Value::as_bool)
                {
                    Some(true) => {}
                    Some(false) => {
                        let why = json
                            .as_ref()
                            .and_then(|j| j.pointer("/error").and_then(Value::as_str))
                            .filter(|e| {
                                e.len() <= 40
                                    && e.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                            })
                            .map(|e| format!("refused ({e})"))
                            .unwrap_or_else(|| "refused".to_string());
                        // Slack answers 200 with ok:false for both a dead token and a
                        // missing scope; only the first kind means the token does not work.
                        let state = if why.contains("missing_scope") || why.contains("ratelimited")
                        {
                            LiveState::Unknown
                        } else {
                            LiveState::Invalid
                        };
                        return base(state, Some(why));
                    }
                    None => {
                        return base(
                            LiveState::Unknown,
                            Some(format!("HTTP {status}, unexpected answer")),
                        );
                    }
                }
            }
            let mut live = base(LiveState::Live, None);
            live.identity = identity(json.as_ref(), reading.identity);
            live.scopes = scopes(response, json.as_ref(), reading);
            live
        }
        401 => base(LiveState::Invalid, Some("HTTP 401".into())),
        403 if reading.forbidden_is_live => base(
            LiveState::Live,
            Some("HTTP 403: works, but may not make this call".into()),
        ),
        403 if rate_limited(response) => base(LiveState::Unknown, Some("rate limited".into())),
        403 => base(LiveState::Invalid, Some("HTTP 403".into())),
        429 => base(LiveState::Unknown, Some("rate limited".into())),
        300..=399 => base(
            LiveState::Unknown,
            Some(format!("HTTP {status}: redirect not followed")),
        ),
        500..=599 => base(
            LiveState::Unknown,
            Some(format!("HTTP {status}: provider error")),
        ),
        _ => base(
            LiveState::Unknown,
            Some(format!("HTTP {status}: unexpected answer")),
        ),
    }
}

fn rate_limited(response: &Response) -> bool {
    response.header("x-ratelimit-remaining") == Some("0")
        || response.header("retry-after").is_some()
}

/// The identity: the string (or number) at each pointer, joined with `@` (`ada@acme`). Capped
/// and stripped of control characters: it is the provider's text, shown to people.
fn identity(json: Option<&Value>, pointers: &[&str]) -> Option<String> {
    let json = json?;
    let parts: Vec<String> = pointers
        .iter()
        .filter_map(|p| match json.pointer(p)? {
            Value::String(s) if !s.is_empty() => Some(clean(s)),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("@"))
}

fn scopes(response: &Response, json: Option<&Value>, reading: &providers::Reading) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    if let Some(header) = reading.scopes_header.and_then(|h| response.header(h)) {
        scopes.extend(
            header
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(clean),
        );
    }
    if let Some(value) = reading.scopes.and_then(|p| json?.pointer(p)) {
        match value {
            Value::Array(items) => scopes.extend(items.iter().filter_map(Value::as_str).map(clean)),
            Value::String(s) => scopes.extend(s.split_whitespace().map(clean)),
            _ => {}
        }
    }
    scopes.truncate(50);
    scopes
}

fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(100).collect()
}

fn unknown(now: Timestamp, reason: &str, endpoint: Option<String>) -> Validation {
    Validation {
        state: LiveState::Unknown,
        identity: None,
        scopes: Vec::new(),
        reason: Some(reason.to_string()),
        endpoint,
        checked_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers every request with one canned response and remembers what it was asked.
    struct Canned {
        response: Result<Response, Failure>,
        asked: Mutex<Vec<Request>>,
    }

    impl Transport for Canned {
        fn send(&self, request: &Request) -> Result<Response, Failure> {
            self.asked.lock().unwrap().push(request.clone());
            self.response.clone()
        }
    }

    fn canned(status: u16, headers: &[(&str, &str)], body: &str) -> Canned {
        Canned {
            response: Ok(Response {
                status,
                headers: headers
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect(),
                body: body.as_bytes().to_vec(),
            }),
            asked: Mutex::new(Vec::new()),
        }
    }

    fn run(rule: &str, secret: &str, transport: &Canned) -> Validation {
        let validator = providers::for_rule(rule).expect("a validator");
        check(
            validator,
            secret.as_bytes(),
            transport,
            Timestamp::UNIX_EPOCH,
        )
    }

    #[test]
    fn github_live_with_login_and_scopes() {
        let t = canned(
            200,
            &[("x-oauth-scopes", "repo, gist")],
            r#"{"login":"octocat","id":1}"#,
        );
        let v = run("github-classic-pat", "ghp_fake", &t);
        assert_eq!(v.state, LiveState::Live);
        assert_eq!(v.identity.as_deref(), Some("octocat"));
        assert_eq!(v.scopes, ["repo", "gist"]);
        assert_eq!(v.endpoint.as_deref(), Some("GET api.github.com/user"));
        let asked = t.asked.lock().unwrap();
        assert_eq!(asked[0].host, "api.github.com");
        assert!(
            asked[0]
                .headers
                .contains(&("Authorization".into(), "Bearer ghp_fake".into()))
        );
    }

    #[test]
    fn refusals_rate_limits_and_errors() {
        let cases = [
            (401, vec![], "", LiveState::Invalid),
            (403, vec![], "", LiveState::Invalid),
            (
                403,
                vec![("x-ratelimit-remaining", "0")],
                "",
                LiveState::Unknown,
            ),
            (429, vec![("retry-after", "30")], "", LiveState::Unknown),
            (503, vec![], "<html>", LiveState::Unknown),
            (
                302,
                vec![("location", "https://elsewhere.example/")],
                "",
                LiveState::Unknown,
            ),
            (404, vec![], "", LiveState::Unknown),
        ];
        for (status, headers, body, expected) in cases {
            let t = canned(status, &headers, body);
            assert_eq!(
                run("github-classic-pat", "ghp_fake", &t).state,
                expected,
                "HTTP {status}"
            );
        }
        // A restricted Stripe key that may not read the balance still works.
        let t = canned(403, &[], "{}");
        assert_eq!(
            run("stripe-restricted-key", "rk_live_fake", &t).state,
            LiveState::Live
        );
    }

    #[test]
    fn ok_fields_decide_a_200() {
        let t = canned(200, &[], r#"{"ok":false,"error":"invalid_auth"}"#);
        let v = run("slack-bot-token", "xoxb-fake", &t);
        assert_eq!(
            (v.state, v.reason.as_deref()),
            (LiveState::Invalid, Some("refused (invalid_auth)"))
        );
        let t = canned(200, &[], r#"{"ok":true,"user":"deploybot","team":"acme"}"#);
        let v = run("slack-bot-token", "xoxb-fake", &t);
        assert_eq!(
            (v.state, v.identity.as_deref()),
            (LiveState::Live, Some("deploybot@acme"))
        );
        let t = canned(200, &[], "not json");
        assert_eq!(
            run("slack-bot-token", "xoxb-fake", &t).state,
            LiveState::Unknown
        );
    }

    #[test]
    fn network_failures_are_unknown_with_a_reason() {
        let t = Canned {
            response: Err(Failure::Timeout),
            asked: Mutex::new(Vec::new()),
        };
        let v = run("openai-project-key", "sk-proj-fake", &t);
        assert_eq!(
            (v.state, v.reason.as_deref()),
            (LiveState::Unknown, Some("timed out"))
        );
    }

    #[test]
    fn the_secret_goes_only_where_the_validator_says() {
        let t = canned(200, &[], r#"{"ok":true,"result":{"username":"ci_bot"}}"#);
        let v = run("telegram-bot-token", "123456:AAfake-token_x", &t);
        assert_eq!(v.identity.as_deref(), Some("ci_bot"));
        let asked = t.asked.lock().unwrap();
        assert_eq!(asked[0].path, "/bot123456:AAfake-token_x/getMe");
        assert!(asked[0].headers.is_empty());
        assert!(!v.endpoint.unwrap_or_default().contains("AAfake"));
        drop(asked);
        let t = canned(200, &[], "{}");
        run("mailgun-api-key", "key-fake", &t);
        let asked = t.asked.lock().unwrap();
        assert_eq!(asked[0].headers[0].1, "Basic YXBpOmtleS1mYWtl");
        // A value with a space or newline is never sent.
        let t = canned(200, &[], "{}");
        assert_eq!(
            run("openai-project-key", "sk-a b", &t).state,
            LiveState::Unknown
        );
        assert!(t.asked.lock().unwrap().is_empty());
    }
}
