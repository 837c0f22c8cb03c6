//! The one way a credential leaves the machine: an HTTPS request to a validator's fixed host.
//!
//! HTTPS only, certificates checked against the system's roots (so a corporate proxy's CA
//! works), `HTTPS_PROXY` honoured, redirects never followed (a redirect could carry the header
//! to another host), short timeouts, and a response body read only up to [`BODY_LIMIT`]. The
//! body is parsed, never logged.
//!
//! Tests need the requests to reach a loopback server instead. That override exists only in
//! builds with the `test-endpoints` feature, which `cargo test` turns on (the package's
//! dev-dependency on itself) and a release build never has: no flag or environment variable
//! of a shipped stray can send a secret anywhere but the validator's host.

use std::io::Read;
use std::time::Duration;

/// At most this much of a response body is read.
pub const BODY_LIMIT: u64 = 64 * 1024;

/// How long one request may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A request to a validator's host. `host` is always one of the constants in `providers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: &'static str,
    pub host: &'static str,
    /// Path and query (may hold the secret: Telegram).
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<&'static str>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Header names in lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no response came back; never holds the request (it carries the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Timeout,
    /// DNS, connection, TLS or protocol failure, in a few words.
    Network(String),
}

/// Sends requests. [`Https`] is the real one; tests use fakes.
pub trait Transport: Sync {
    fn send(&self, request: &Request) -> Result<Response, Failure>;
}

/// The real transport.
pub struct Https {
    agent: ureq::Agent,
    /// `http://127.0.0.1:PORT` in test builds when `STRAY_TEST_VALIDATION_ENDPOINT` is set.
    #[cfg(feature = "test-endpoints")]
    test_endpoint: Option<String>,
}

impl Https {
    pub fn new() -> Https {
        #[cfg(feature = "test-endpoints")]
        let test_endpoint = std::env::var("STRAY_TEST_VALIDATION_ENDPOINT")
            .ok()
            .filter(|e| e.starts_with("http://127.0.0.1:"));
        #[cfg(feature = "test-endpoints")]
        let https_only = test_endpoint.is_none();
        #[cfg(not(feature = "test-endpoints"))]
        let https_only = true;
        // Tests of slow answers cannot wait ten seconds each.
        #[cfg(feature = "test-endpoints")]
        let timeout = std::env::var("STRAY_TEST_VALIDATION_TIMEOUT_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(TIMEOUT, Duration::from_millis);
        #[cfg(not(feature = "test-endpoints"))]
        let timeout = TIMEOUT;
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let agent = ureq::Agent::config_builder()
            .https_only(https_only)
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .proxy(ureq::Proxy::try_from_env())
            .tls_config(tls)
            .user_agent(concat!("stray/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Https {
            agent,
            #[cfg(feature = "test-endpoints")]
            test_endpoint,
        }
    }

    fn url(&self, request: &Request) -> String {
        #[cfg(feature = "test-endpoints")]
        if let Some(endpoint) = &self.test_endpoint {
            return format!("{endpoint}/{}{}", request.host, request.path);
        }
        format!("https://{}{}", request.host, request.path)
    }
}

impl Default for Https {
    fn default() -> Self {
        Https::new()
    }
}

impl Transport for Https {
    fn send(&self, request: &Request) -> Result<Response, Failure> {
        let url = self.url(request);
        let result = match (request.method, request.body) {
            ("POST", body) => with_headers(self.agent.post(&url), request).send(body.unwrap_or("")),
            _ => with_headers(self.agent.get(&url), request).call(),
        };
        let mut response = result.map_err(failure)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some((
                    name.as_str().to_ascii_lowercase(),
                    value.to_str().ok()?.to_string(),
                ))
            })
            .collect();
        let mut body = Vec::new();
        // A body that breaks off is read as far as it came: the status already decided most.
        let _ = response
            .body_mut()
            .as_reader()
            .take(BODY_LIMIT)
            .read_to_end(&mut body);
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

/// `builder` with the request's headers.
fn with_headers<B>(
    mut builder: ureq::RequestBuilder<B>,
    request: &Request,
) -> ureq::RequestBuilder<B> {
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
}

/// A few words on what went wrong. ureq's messages name the URL, which for Telegram holds the
/// secret, so only the kind of error is kept.
fn failure(error: ureq::Error) -> Failure {
    match error {
        ureq::Error::Timeout(_) => Failure::Timeout,
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => Failure::Timeout,
        ureq::Error::Io(e) => Failure::Network(match e.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                "connection dropped".into()
            }
            std::io::ErrorKind::UnexpectedEof => "the answer broke off".into(),
            // DNS failures arrive here too: most often no network, or a firewall.
            _ => "could not connect (no network, DNS or a firewall?)".into(),
        }),
        ureq::Error::HostNotFound => Failure::Network("host not found".into()),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => {
            Failure::Network("TLS handshake or certificate check failed".into())
        }
        ureq::Error::ConnectionFailed => Failure::Network("connection failed".into()),
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => {
            Failure::Network("redirect refused".into())
        }
        ureq::Error::RequireHttpsOnly(_) => Failure::Network("HTTPS required".into()),
        _ => Failure::Network("request failed".into()),
    }
}
