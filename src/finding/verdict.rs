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
    pub const ALL: [Status; 3] = [Status::Unvaulted, Status::StrayCopy, Status::RotatedOut];

    /// The status named `name` ([`Status::as_str`]), as the inventory stores it.
    pub fn parse(name: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

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
    /// The product that keeps it (`1Password`, `Bitwarden`, `AWS Secrets Manager`…), when the
    /// export says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Which of the export's dates `updated` is (`revisionDate`, `LastRotatedDate`,
    /// `creationDate`…), where the reader knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_from: Option<String>,
    /// The vault's tags or labels on it (`env=prod`, `scope=billing`), as `key=value`: what it
    /// is for and what it can reach, as far as the vault says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

impl VaultItem {
    /// `vault/item (field)`, or `item (field)` when the export names no vault: the label the
    /// inventory stores and its CSV shows.
    pub fn label(&self) -> String {
        match &self.vault {
            Some(vault) => format!("{vault}/{} ({})", self.item, self.field),
            None => format!("{} ({})", self.item, self.field),
        }
    }

    /// `in 1Password Engineering / OpenAI (credential)`; without a known product,
    /// `Engineering / OpenAI (credential)`.
    pub fn describe(&self) -> String {
        let vault = self
            .vault
            .as_deref()
            .map(|v| format!("{v} / "))
            .unwrap_or_default();
        let source = self
            .source
            .as_deref()
            .map(|s| format!("in {s} "))
            .unwrap_or_default();
        format!("{source}{vault}{} ({})", self.item, self.field)
    }
}

/// `212 days since it changed (revisionDate)`: how old a vaulted value is, and by which of the
/// export's dates.
pub fn describe_age(days: i64, age_from: Option<&str>) -> String {
    let days = if days == 1 {
        "1 day".to_string()
    } else {
        format!("{days} days")
    };
    match age_from {
        Some(from) if from.to_ascii_lowercase().contains("creat") => {
            format!("{days} since it was created ({from})")
        }
        Some(from) => format!("{days} since it changed ({from})"),
        None => format!("{days} since it changed"),
    }
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
    /// One line for people: `stray-copy: in Bitwarden Work / OpenAI keys (notes), 938 days
    /// since it changed (revisionDate), rotation overdue`.
    pub fn describe(&self) -> String {
        let first = self.items.first();
        let item = first
            .map(|i| format!(": {}", i.describe()))
            .unwrap_or_default();
        let age = self
            .age_days
            .map(|d| {
                format!(
                    ", {}",
                    describe_age(d, first.and_then(|i| i.age_from.as_deref()))
                )
            })
            .unwrap_or_default();
        let overdue = if self.rotation_overdue {
            ", rotation overdue"
        } else {
            ""
        };
        format!("{}{item}{age}{overdue}", self.status)
    }
}
