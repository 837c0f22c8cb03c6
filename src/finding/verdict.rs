//! The vault's verdict on a credential, as plain data: set by `judge::reconcile`, read by every
//! report and the inventory.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What the vault says about a credential found in plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The vault does not know it: unmanaged, nobody can rotate or revoke it centrally.
    Unvaulted,
    /// The vault holds it, and this is a plaintext copy outside the vault.
    StrayCopy,
    /// Only the vault's password history holds it: a copy of a value since rotated out.
    RotatedOut,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unvaulted => "unvaulted",
            Status::StrayCopy => "stray-copy",
            Status::RotatedOut => "rotated-out",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the vault keeps a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultItem {
    pub item: String,
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
    pub format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<Timestamp>,
}

/// The vault's verdict on one finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultVerdict {
    pub status: Status,
    /// Every vault item that holds this value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<VaultItem>,
    /// Whole days since the value was last set in the vault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
    /// Older than the maximum age: rotate it.
    #[serde(default)]
    pub rotation_overdue: bool,
}

impl VaultVerdict {
    /// One line for people: `stray-copy: Work / OpenAI keys (notes), 938 days old, rotation
    /// overdue`.
    pub fn describe(&self) -> String {
        let item = self
            .items
            .first()
            .map(|i| {
                let vault = i
                    .vault
                    .as_deref()
                    .map(|v| format!("{v} / "))
                    .unwrap_or_default();
                format!(": {vault}{} ({})", i.item, i.field)
            })
            .unwrap_or_default();
        let age = self
            .age_days
            .map(|d| format!(", {d} days old"))
            .unwrap_or_default();
        let overdue = if self.rotation_overdue {
            ", rotation overdue"
        } else {
            ""
        };
        format!("{}{item}{age}{overdue}", self.status)
    }
}
