//! Baselines and exceptions: adopting stray on a dirty repository and recording accepted risk.
//!
//! A baseline entry names a credential (fingerprint) and the files it was accepted in, with a
//! reason, an owner and an expiry date. There are no permanent exceptions: an entry without an
//! `expires` date does not load, and an expired entry stops suppressing and is reported.
//! Inline `stray:allow` comments (read while scanning, `detect::allow`) suppress one place. Suppressed places are counted and can be
//! listed; they are never silently dropped.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::finding::suppression::{ExpiredException, Suppression};
use crate::finding::{Finding, Location};

/// Bumped when the file's shape changes incompatibly.
pub const FILE_VERSION: u32 = 1;
/// How long `stray baseline create` accepts findings for unless told otherwise.
pub const DEFAULT_EXPIRY_DAYS: i64 = 90;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineFile {
    pub stray_baseline: u32,
    pub created: Timestamp,
    pub entries: Vec<BaselineEntry>,
}

/// One accepted credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    pub redacted: String,
    /// Files the credential is accepted in; a copy in any other file is new.
    pub paths: Vec<PathBuf>,
    pub reason: String,
    pub owner: String,
    /// Date (`2027-03-01`) or timestamp after which the entry no longer suppresses.
    pub expires: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{path}: cannot read baseline: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: not a valid baseline: {message}")]
    Parse { path: PathBuf, message: String },
}

/// A loaded baseline, looked up by fingerprint.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    by_fingerprint: HashMap<String, Vec<BaselineEntry>>,
    /// What the entries' paths are relative to (see [`anchor_for`]).
    anchor: Anchor,
    path: PathBuf,
}

/// The directory a baseline's paths are relative to: the root of the git repository holding
/// the baseline file, or the file's own directory outside git. Any spelling of the scan root,
/// from any working directory, then names a file the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchor {
    dir: PathBuf,
    /// `dir` with symbolic links resolved (macOS `/var` is `/private/var`).
    canonical: Option<PathBuf>,
}

impl Anchor {
    /// The anchor of a baseline file at `file` (which need not exist yet; its directory must).
    pub fn for_file(file: &Path) -> Anchor {
        let absolute = lexical_absolute(file);
        let dir = absolute
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| absolute.clone());
        let dir = crate::input::git::repo_root(&dir).unwrap_or(dir);
        let canonical = std::fs::canonicalize(&dir).ok();
        Anchor { dir, canonical }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `path` (relative to `base`, or absolute) as the baseline writes it: relative to the
    /// anchor with `/` separators, or absolute when it lies outside.
    pub fn relative(&self, base: &Path, path: &Path) -> String {
        let absolute = lexical_absolute(&base.join(path));
        let canonical = canonical_prefix(&absolute);
        let candidates = [Some(&absolute), canonical.as_ref()];
        let anchors = [Some(&self.dir), self.canonical.as_ref()];
        for candidate in candidates.into_iter().flatten() {
            for anchor in anchors.into_iter().flatten() {
                if let Ok(rest) = candidate.strip_prefix(anchor) {
                    return slashes(rest);
                }
            }
        }
        slashes(&absolute)
    }
}

fn slashes(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// `path` made absolute against the working directory, with `.` and `..` resolved by name.
fn lexical_absolute(path: &Path) -> PathBuf {
    use std::path::Component;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` with its longest existing ancestor's symbolic links resolved (an archive member such
/// as `a.zip!x/y` does not exist itself).
fn canonical_prefix(path: &Path) -> Option<PathBuf> {
    let mut existing = path;
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = std::fs::canonicalize(existing) {
            let mut out = canonical;
            out.extend(rest.iter().rev());
            return Some(out);
        }
        rest.push(existing.file_name()?);
        existing = existing.parent()?;
    }
}

/// What applying a baseline did, so a baseline that matches nothing can be reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Places a baseline entry covered (suppressed or expired).
    pub matched_places: usize,
    /// Credentials the baseline names whose places it did not cover.
    pub known_elsewhere: usize,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let bytes = crate::input::files::read_bounded(path, crate::input::files::MAX_SMALL_INPUT)
            .map_err(|error| BaselineError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        let parse = |message: String| BaselineError::Parse {
            path: path.to_path_buf(),
            message,
        };
        let file: BaselineFile =
            serde_json::from_slice(&bytes).map_err(|e| parse(e.to_string()))?;
        if file.stray_baseline != FILE_VERSION {
            return Err(parse(format!(
                "baseline version {} is not supported (this stray reads {FILE_VERSION})",
                file.stray_baseline
            )));
        }
        let mut by_fingerprint: HashMap<String, Vec<BaselineEntry>> = HashMap::new();
        for (index, entry) in file.entries.into_iter().enumerate() {
            if expiry(&entry.expires).is_none() {
                return Err(parse(format!(
                    "entries[{index}] ({}): expires {:?} is not a date such as 2027-03-01; \
                     every exception needs an expiry date",
                    entry.rule, entry.expires
                )));
            }
            if entry.reason.trim().is_empty() || entry.owner.trim().is_empty() {
                return Err(parse(format!(
                    "entries[{index}] ({}): an exception needs a reason and an owner",
                    entry.rule
                )));
            }
            by_fingerprint
                .entry(entry.fingerprint.clone())
                .or_default()
                .push(entry);
        }
        Ok(Baseline {
            by_fingerprint,
            anchor: Anchor::for_file(path),
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn anchor(&self) -> &Anchor {
        &self.anchor
    }

    pub fn is_empty(&self) -> bool {
        self.by_fingerprint.is_empty()
    }

    /// The entry covering `fingerprint` at `path` (anchored, see [`Anchor::relative`]).
    fn entry_for(&self, fingerprint: &str, path: &str) -> Option<&BaselineEntry> {
        self.by_fingerprint
            .get(fingerprint)?
            .iter()
            .find(|e| e.paths.iter().any(|p| same_path(p, Path::new(path))))
    }

    fn knows(&self, fingerprint: &str) -> bool {
        self.by_fingerprint.contains_key(fingerprint)
    }
}

/// Paths are compared as written, ignoring a leading `./` and separator style.
fn same_path(a: &Path, b: &Path) -> bool {
    let normal = |p: &Path| {
        p.to_string_lossy()
            .replace('\\', "/")
            .trim_start_matches("./")
            .to_string()
    };
    normal(a) == normal(b)
}

/// The moment an `expires` value ends: the end of the day for a bare date.
pub fn expiry(expires: &str) -> Option<Timestamp> {
    if let Ok(timestamp) = expires.parse::<Timestamp>() {
        return Some(timestamp);
    }
    let date: jiff::civil::Date = expires.parse().ok()?;
    let next_day = date.tomorrow().ok()?;
    format!("{next_day}T00:00:00Z").parse().ok()
}

/// Moves suppressed places out of each finding's `locations` and marks expired exceptions.
/// Relative location paths are relative to `base` (the working directory for a walk, the
/// repository root for `--staged` and `--git`).
pub fn apply(
    findings: &mut [Finding],
    baseline: Option<&Baseline>,
    now: Timestamp,
    base: &Path,
) -> Applied {
    let mut applied = Applied::default();
    for finding in findings {
        let before = applied.matched_places;
        let mut active = Vec::with_capacity(finding.locations.len());
        for location in std::mem::take(&mut finding.locations) {
            if let Some(reason) = &location.inline_allow {
                let reason = (!reason.is_empty()).then(|| reason.clone());
                finding
                    .suppressed
                    .push((location, Suppression::Inline { reason }));
                continue;
            }
            let entry = baseline.and_then(|b| {
                let path = b.anchor.relative(base, &location.path);
                b.entry_for(&finding.fingerprint, &path)
            });
            if entry.is_some() {
                applied.matched_places += 1;
            }
            match entry {
                Some(entry) if expiry(&entry.expires).is_some_and(|end| now < end) => {
                    finding.suppressed.push((
                        location,
                        Suppression::Baseline {
                            reason: entry.reason.clone(),
                            owner: entry.owner.clone(),
                            expires: entry.expires.clone(),
                        },
                    ));
                }
                Some(entry) => {
                    finding.expired_exception = Some(ExpiredException {
                        reason: entry.reason.clone(),
                        owner: entry.owner.clone(),
                        expires: entry.expires.clone(),
                    });
                    active.push(location);
                }
                None => active.push(location),
            }
        }
        finding.locations = active;
        if applied.matched_places == before
            && baseline.is_some_and(|b| b.knows(&finding.fingerprint))
        {
            applied.known_elsewhere += 1;
        }
    }
    applied
}

/// What a new baseline records besides the findings.
pub struct Acceptance<'a> {
    pub reason: &'a str,
    pub owner: &'a str,
    pub expires: &'a str,
    pub created: Timestamp,
    /// Where the file will live: its paths are written relative to [`Anchor::for_file`].
    pub anchor: &'a Anchor,
    /// What relative location paths are relative to (as for [`apply`]).
    pub base: &'a Path,
}

/// Writes a baseline accepting every place of every finding until `expires`.
pub fn write(
    findings: &[Finding],
    acceptance: &Acceptance<'_>,
    out: &mut dyn Write,
) -> std::io::Result<usize> {
    let Acceptance {
        reason,
        owner,
        expires,
        created,
        anchor,
        base,
    } = *acceptance;
    let entries: Vec<BaselineEntry> = findings
        .iter()
        .map(|finding| {
            let mut paths: Vec<PathBuf> = finding
                .locations
                .iter()
                .map(|l: &Location| PathBuf::from(anchor.relative(base, &l.path)))
                .collect();
            paths.sort();
            paths.dedup();
            BaselineEntry {
                fingerprint: finding.fingerprint.clone(),
                rule: finding.rule_id.clone(),
                redacted: finding.redacted.clone(),
                paths,
                reason: reason.to_string(),
                owner: owner.to_string(),
                expires: expires.to_string(),
            }
        })
        .collect();
    let count = entries.len();
    let file = BaselineFile {
        stray_baseline: FILE_VERSION,
        created,
        entries,
    };
    serde_json::to_writer_pretty(&mut *out, &file)?;
    writeln!(out)?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_accepts_dates_and_timestamps() {
        let end = expiry("2027-03-01").expect("date");
        assert_eq!(
            end,
            "2027-03-02T00:00:00Z".parse::<Timestamp>().expect("ts")
        );
        assert!(expiry("2027-03-01T12:00:00Z").is_some());
        assert!(expiry("never").is_none());
        assert!(expiry("").is_none());
    }
}
