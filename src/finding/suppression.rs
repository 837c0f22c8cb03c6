//! Why a place is not reported, as plain data: set by `judge::baseline` (from a baseline
//! entry or an inline allow the scan read), read by reports.

use serde::{Deserialize, Serialize};

/// Why a place is not reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum Suppression {
    /// A `stray:allow` comment on the line.
    Inline {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A baseline entry that has not expired.
    Baseline {
        reason: String,
        owner: String,
        expires: String,
    },
}

/// A baseline entry that matched but is past its date: the finding is reported again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiredException {
    pub reason: String,
    pub owner: String,
    pub expires: String,
}
