//! Whether a found credential still works, as plain data: set by `validate` (only when the user
//! asked for live validation), read by every report and the inventory.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What the provider said when stray asked it about a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LiveState {
    /// The provider accepted it: it works.
    Live,
    /// The provider refused it: revoked, expired or never valid.
    Invalid,
    /// stray could not tell (no validator, network error, rate limited, timeout…).
    Unknown,
}

impl LiveState {
    pub const ALL: [LiveState; 3] = [LiveState::Live, LiveState::Invalid, LiveState::Unknown];

    /// The state named `name` ([`LiveState::as_str`]), as the inventory stores it.
    pub fn parse(name: &str) -> Option<LiveState> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LiveState::Live => "live",
            LiveState::Invalid => "invalid",
            LiveState::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for LiveState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One validation of one credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    pub state: LiveState,
    /// Who the provider says the credential belongs to (login, account, organisation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// What it may do, where the provider says (OAuth scopes, token abilities).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Why the state is `unknown` or `invalid` (`HTTP 401`, `timed out`, `no validator`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The request that decided it, without the credential: `GET api.github.com/user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub checked_at: Timestamp,
}

impl Validation {
    /// One line for people: `live: octocat (scopes: repo, gist)`, `invalid: HTTP 401`.
    pub fn describe(&self) -> String {
        let mut text = self.state.as_str().to_string();
        let mut details = Vec::new();
        if let Some(identity) = &self.identity {
            details.push(identity.clone());
        }
        if !self.scopes.is_empty() {
            details.push(format!("scopes: {}", self.scopes.join(", ")));
        }
        if let Some(reason) = &self.reason {
            details.push(reason.clone());
        }
        if !details.is_empty() {
            text.push_str(": ");
            text.push_str(&details.join("; "));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_from_their_names() {
        for state in LiveState::ALL {
            assert_eq!(LiveState::parse(state.as_str()), Some(state));
        }
        for status in crate::finding::verdict::Status::ALL {
            assert_eq!(
                crate::finding::verdict::Status::parse(status.as_str()),
                Some(status)
            );
        }
        assert_eq!(LiveState::parse("alive"), None);
    }

    #[test]
    fn describe_lists_identity_scopes_and_reason() {
        let mut v = Validation {
            state: LiveState::Live,
            identity: Some("octocat".into()),
            scopes: vec!["repo".into(), "gist".into()],
            reason: None,
            endpoint: Some("GET api.github.com/user".into()),
            checked_at: Timestamp::UNIX_EPOCH,
        };
        assert_eq!(v.describe(), "live: octocat; scopes: repo, gist");
        v.state = LiveState::Invalid;
        v.identity = None;
        v.scopes.clear();
        v.reason = Some("HTTP 401".into());
        assert_eq!(v.describe(), "invalid: HTTP 401");
    }
}
