//! Fingerprint files (`stray vault fingerprint EXPORT… -o vault.fp`): SHA-256 fingerprints and
//! metadata, never a plaintext value, so CI can reconcile against the vault without holding it.
//!
//! Threat model: a fingerprint lets anyone who has the file test a guess. For a random token
//! that is useless; for a human password it is an offline cracking target. So only values that
//! look machine-generated are written; the rest are counted and left out.

use std::io::Write;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Collector, ParseError, VaultEntry};

/// Bumped when the file's shape changes incompatibly.
pub const FILE_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct File {
    stray_fingerprints: u32,
    created: Timestamp,
    /// How many values each export held and how many were left out as guessable.
    summary: Summary,
    entries: Vec<VaultEntry>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Values written to the file.
    pub written: usize,
    /// Values left out because a human might have chosen them.
    pub omitted_guessable: usize,
}

/// Writes the machine-generated entries of `entries` as a fingerprint file.
pub fn write(
    entries: &[VaultEntry],
    created: Timestamp,
    out: &mut dyn Write,
) -> std::io::Result<Summary> {
    let kept: Vec<VaultEntry> = entries.iter().filter(|e| !e.guessable).cloned().collect();
    let summary = Summary {
        written: kept.len(),
        omitted_guessable: entries.len() - kept.len(),
    };
    let file = File {
        stray_fingerprints: FILE_VERSION,
        created,
        summary,
        entries: kept,
    };
    serde_json::to_writer_pretty(&mut *out, &file)?;
    writeln!(out)?;
    Ok(summary)
}

pub fn parse(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let file: File = serde_json::from_slice(bytes)?;
    if file.stray_fingerprints != FILE_VERSION {
        return Err(ParseError::Invalid(format!(
            "fingerprint file version {} is not supported (this stray reads version {FILE_VERSION})",
            file.stray_fingerprints
        )));
    }
    for entry in file.entries {
        out.add_entry(entry);
    }
    Ok(())
}
