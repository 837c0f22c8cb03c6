//! The living inventory: every recorded scan in one SQLite database, so a team can see what
//! appeared, what spread, what went away and how fast, on every machine.
//!
//! [`db`] owns the file (schema, migrations, recording), [`query`] reads the history back into
//! per-credential views and metrics, and [`render`] prints them as a table, JSON or CSV. The
//! HTML report for an auditor is [`html`].

pub mod credential;
pub mod db;
pub mod html;
pub mod merge;
pub mod query;
pub mod render;
pub mod runbook;

use std::path::{Path, PathBuf};

use jiff::Timestamp;

pub use credential::{CredentialId, Custody, VaultStanding};
pub use db::{Database, InventoryError, SCHEMA_VERSION, ScanRecord};
pub use query::{CredentialView, History, Metrics, Period};

/// Environment variable naming the default database (overrides the platform's data directory).
pub const DB_ENV: &str = "STRAY_INVENTORY_DB";
/// Environment variable fixing "now" (RFC 3339): a testing aid, see [`now`].
pub const NOW_ENV: &str = "STRAY_NOW";

/// The clock of the inventory: [`Timestamp::now`], unless `STRAY_NOW` fixes it.
pub fn now() -> Timestamp {
    fixed_now().unwrap_or_else(Timestamp::now)
}

/// The time a scan is recorded with: `STRAY_NOW` when set, else when the scan ran.
pub fn record_time(scanned_at: Timestamp) -> Timestamp {
    fixed_now().unwrap_or(scanned_at)
}

/// `STRAY_NOW=2026-11-20T09:00:00Z` fixes the inventory's clock — a testing aid, so a history
/// of scans weeks apart can be recorded in seconds. This is the only place it is read: it sets
/// the time a recorded scan is stored with and the "now" that ages are counted to. An
/// unparsable value is reported and ignored.
fn fixed_now() -> Option<Timestamp> {
    let text = std::env::var(NOW_ENV).ok()?;
    if text.trim().is_empty() {
        return None;
    }
    match text.trim().parse() {
        Ok(time) => Some(time),
        Err(error) => {
            eprintln!(
                "stray: warning: {NOW_ENV}={text:?} is not an RFC 3339 time ({error}); \
                 using the clock"
            );
            None
        }
    }
}

/// `$STRAY_INVENTORY_DB`, else `stray/inventory.db` in the platform's data directory.
pub fn default_db_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(DB_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    // The platform's place for application data: $XDG_DATA_HOME or ~/.local/share on Linux,
    // ~/Library/Application Support on macOS, %APPDATA% on Windows.
    dirs::data_dir().map(|dir| dir.join("stray").join("inventory.db"))
}

/// What `stray inventory import` did with each result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// Stored as a new scan, with this many credentials.
    Recorded { credentials: usize },
    /// A scan from the same machine and user at the same time is already stored.
    AlreadyPresent,
}

/// Imports one JSON result (`stray scan --format json`) as a scan with its own machine, user
/// and time. Its free text is scrubbed first ([`crate::inventory::merge::read_result`]): `matcher`'s rules
/// decide what else, besides the secrets the result carries, is a credential to redact.
pub fn import(
    db: &mut Database,
    path: &Path,
    matcher: &crate::Matcher,
) -> Result<Imported, InventoryError> {
    // Before anything is read from it: a damaged file can answer "already recorded" wrongly.
    db.check_integrity()?;
    let document = crate::inventory::merge::read_result(path, matcher).map_err(|e| {
        InventoryError::Import {
            path: path.display().to_string(),
            message: match e {
                crate::inventory::merge::MergeError::Io { error, .. } => {
                    format!("cannot read: {error}")
                }
                crate::inventory::merge::MergeError::Parse { message, .. } => {
                    format!("not a stray JSON result: {message}")
                }
            },
        }
    })?;
    let source = crate::scrub::Scrubber::new(std::iter::empty(), Some(matcher))
        .text(&format!("import: {}", path.display()))
        .into_owned();
    let record = ScanRecord::from_document(&document, None, source).map_err(|message| {
        InventoryError::Import {
            path: path.display().to_string(),
            message,
        }
    })?;
    if db.has_scan(&record.machine, &record.user, record.scanned_at)? {
        return Ok(Imported::AlreadyPresent);
    }
    db.record(&record)?;
    Ok(Imported::Recorded {
        credentials: record.credentials.len(),
    })
}
