//! Live validation, opt-in (`--validate`, `stray verify`): for each finding whose rule has a
//! validator, one read-only request to the provider's own host asks whether the credential
//! still works. Nothing here runs unless the user asked; a default scan opens no socket.
//!
//! Requests go out a few at a time ([`CONCURRENCY`]) with at most one request in flight per
//! host and a pause between requests to the same host ([`HOST_INTERVAL`]), so a laptop with
//! fifty GitHub tokens does not trip GitHub's abuse limits. A response body is read only to
//! find the identity and scopes; it is never logged or stored.

pub mod aws;
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
    let transport = Spaced::new(transport);
    let transport = &transport;
    validate_aws(findings, builtin, transport, now);
    // Findings the AWS pass answered are done.
    let pending: Vec<&mut Finding> = findings
        .iter_mut()
        .filter(|f| f.validation.is_none())
        .collect();
    let queue = Mutex::new(pending.into_iter());
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
                        Some(validator) => check(validator, &finding.secret, transport, now),
                    };
                    finding.validation = Some(validation);
                }
            });
        }
    });
}

/// AWS keys, paired: each secret access key with the access key id nearest to it in the same
/// file (the same line, as in a credentials CSV, or the next lines, as in `~/.aws/credentials`),
/// one signed `GetCallerIdentity` per pair, its answer given to both. A key id with no secret
/// beside it cannot be checked.
fn validate_aws(
    findings: &mut [Finding],
    builtin: &(dyn Fn(&str) -> bool + Sync),
    transport: &dyn Transport,
    now: Timestamp,
) {
    let is =
        |f: &Finding, rules: &[&str]| rules.contains(&f.rule_id.as_str()) && builtin(&f.rule_id);
    let ids: Vec<usize> = (0..findings.len())
        .filter(|&i| is(&findings[i], aws::KEY_ID_RULES))
        .collect();
    let secrets: Vec<usize> = (0..findings.len())
        .filter(|&i| is(&findings[i], aws::SECRET_RULES))
        .collect();
    let mut answered: HashMap<usize, Validation> = HashMap::new();
    for &secret in &secrets {
        let nearest = ids
            .iter()
            .filter_map(|&id| distance(&findings[id], &findings[secret]).map(|d| (d, id)))
            .min();
        let Some((_, id)) = nearest else {
            answered.insert(
                secret,
                unknown(
                    now,
                    "no access key id beside it in the same file",
                    Some(aws::endpoint()),
                ),
            );
            continue;
        };
        let (Ok(key_id), Ok(secret_text)) = (
            std::str::from_utf8(&findings[id].secret),
            std::str::from_utf8(&findings[secret].secret),
        ) else {
            continue;
        };
        let validation = if key_id.starts_with("ASIA") {
            unknown(
                now,
                "temporary credentials: the session token is needed to check them",
                Some(aws::endpoint()),
            )
        } else {
            match transport.send(&aws::request(key_id, secret_text, now)) {
                Ok(response) => aws::read(&response, now),
                Err(failure) => failed(failure, now, aws::endpoint()),
            }
        };
        // A key id seen with two secrets keeps the live answer, if either is.
        let keep = |old: &Validation| old.state == LiveState::Live;
        if !answered.get(&id).is_some_and(keep) {
            answered.insert(id, validation.clone());
        }
        answered.insert(secret, validation);
    }
    for &id in &ids {
        answered.entry(id).or_insert_with(|| {
            unknown(
                now,
                "no secret access key beside it in the same file",
                Some(aws::endpoint()),
            )
        });
    }
    for (index, validation) in answered {
        findings[index].validation = Some(validation);
    }
}

/// How far apart two findings are in the same file, in lines (the closest pair of places);
/// `None` when they share no file or are more than 10 lines apart.
fn distance(a: &Finding, b: &Finding) -> Option<usize> {
    a.locations
        .iter()
        .flat_map(|x| b.locations.iter().map(move |y| (x, y)))
        .filter(|(x, y)| x.path == y.path)
        .map(|(x, y)| x.line.abs_diff(y.line))
        .filter(|d| *d <= 10)
        .min()
}

/// Sends through `inner` one request at a time per validator host, each at least
/// [`HOST_INTERVAL`] after the previous one to that host started.
struct Spaced<'t> {
    inner: &'t dyn Transport,
    /// Per host, when its last request started.
    last: HashMap<&'static str, Mutex<Option<Instant>>>,
}

impl<'t> Spaced<'t> {
    fn new(inner: &'t dyn Transport) -> Self {
        let last = providers::VALIDATORS
            .iter()
            .map(|v| v.host)
            .chain([aws::HOST])
            .map(|host| (host, Mutex::new(None)))
            .collect();
        Spaced { inner, last }
    }
}

impl Transport for Spaced<'_> {
    fn send(&self, request: &Request) -> Result<Response, Failure> {
        let Some(slot) = self.last.get(request.host) else {
            return self.inner.send(request);
        };
        // Held while the request runs: the next one to this host waits its turn.
        let mut last = slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(at) = *last {
            let wait = (at + HOST_INTERVAL).saturating_duration_since(Instant::now());
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
        }
        *last = Some(Instant::now());
        self.inner.send(request)
    }
}

/// What a request that got no answer means.
fn failed(failure: Failure, now: Timestamp, endpoint: String) -> Validation {
    match failure {
        Failure::Timeout => unknown(now, "timed out", Some(endpoint)),
        Failure::Network(what) => unknown(now, &format!("network error: {what}"), Some(endpoint)),
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
        Err(failure) => failed(failure, now, endpoint),
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

    /// Requests to one host are spaced at least `HOST_INTERVAL` apart (a lower bound: sleeping
    /// never ends early, so this cannot flake).
    #[test]
    fn requests_to_one_host_are_spaced() {
        struct Clock(Mutex<Vec<Instant>>);
        impl Transport for Clock {
            fn send(&self, _: &Request) -> Result<Response, Failure> {
                self.0.lock().unwrap().push(Instant::now());
                Ok(Response::default())
            }
        }
        let clock = Clock(Mutex::new(Vec::new()));
        let spaced = Spaced::new(&clock);
        let validator = providers::for_rule("github-classic-pat").expect("a validator");
        for _ in 0..2 {
            spaced.send(&request(validator, "ghp_fake")).expect("sent");
        }
        let times = clock.0.lock().unwrap();
        assert!(
            times[1] - times[0] >= HOST_INTERVAL,
            "{:?}",
            times[1] - times[0]
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
