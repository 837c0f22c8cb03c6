//! The scan: walk, read, match and group, with counts of everything skipped.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkState};
use serde::{Deserialize, Serialize};

use crate::detect::allow;
use crate::detect::classify::{LocationKind, classify, refine_with_content};
use crate::detect::context::{self, syntax_of};
use crate::detect::decode;
use crate::detect::matcher::Hits;
use crate::detect::matcher::{Matcher, line_columns};
use crate::detect::references::Reference;
use crate::detect::rules::{Rule, SecretEncoding};
use crate::finding::{CommitInfo, Finding, Location, Sighting, group};
use crate::input::archive::{self, ArchiveLimits, ArchiveMode, is_zip};
use crate::input::text;
use crate::input::walk::{Exclusion, PathFilter, WalkError, WalkOptions, build_walker};
use crate::scrub::{LocationScrubber, Scrubber};

mod file;
mod in_memory;
mod visitor;

pub use self::in_memory::MemoryScan;
use self::visitor::*;

/// A walker thread keeps a read buffer up to this size between files; a larger one is freed.
const KEPT_BUFFER: usize = 1024 * 1024;

/// Files larger than this are skipped unless `--max-file-size` says otherwise.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 25 * 1024 * 1024;
/// How large files are read: in chunks, so memory does not grow with file size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunking {
    /// Files larger than this are scanned in chunks.
    pub from: u64,
    /// Bytes read per chunk.
    pub size: usize,
    /// Bytes consecutive chunks share: more than twice the largest rule window plus the line
    /// extension on each side, so a secret near the cut is whole in one chunk or the other.
    pub overlap: usize,
}

impl Default for Chunking {
    fn default() -> Self {
        Chunking {
            from: 64 * 1024 * 1024,
            size: 16 * 1024 * 1024,
            overlap: 64 * 1024,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub walk: WalkOptions,
    pub max_file_size: u64,
    pub archives: ArchiveMode,
    pub archive_limits: ArchiveLimits,
    pub chunking: Chunking,
    /// Honour other scanners' inline markers (`gitleaks:allow`, `pragma: allowlist secret`,
    /// `trufflehog:ignore`) as `stray:allow`.
    pub peer_allow_markers: bool,
    /// Keep the path and reason of every file and directory left out (`--verbose`); counts are
    /// kept either way.
    pub list_skipped: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            walk: WalkOptions::default(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            archives: ArchiveMode::default(),
            archive_limits: ArchiveLimits::default(),
            chunking: Chunking::default(),
            peer_allow_markers: true,
            list_skipped: false,
        }
    }
}

/// Live counters a progress display can poll while a scan runs.
#[derive(Debug, Default)]
pub struct Progress {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
    pub sightings: AtomicU64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    /// Sum of the `skipped_*` counts.
    pub files_skipped: u64,
    pub skipped_binary: u64,
    pub skipped_too_large: u64,
    pub skipped_unreadable: u64,
    /// Zip archives left closed (`--archives auto`, not a chat export).
    #[serde(default)]
    pub skipped_archive: u64,
    /// Named pipes, sockets and devices met in the walk, and roots refused (a device, or inside
    /// `/proc`, `/sys` or `/dev`): never opened.
    #[serde(default)]
    pub skipped_special: u64,
    pub elapsed_ms: u64,
}

impl Stats {
    fn absorb(&mut self, other: &Stats) {
        self.files_scanned += other.files_scanned;
        self.bytes_scanned += other.bytes_scanned;
        self.skipped_binary += other.skipped_binary;
        self.skipped_too_large += other.skipped_too_large;
        self.skipped_unreadable += other.skipped_unreadable;
        self.skipped_archive += other.skipped_archive;
        self.skipped_special += other.skipped_special;
    }
}

/// Why a file or directory was not scanned (unreadable ones are [`Warning`]s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    TooLarge,
    Binary,
    /// A zip `--archives auto` left closed: no chat export inside.
    ArchiveNotOpened,
    /// A directory on the skip list (the defaults, `--skip-dir`).
    SkippedDirectory,
    /// Matched `--exclude` or `[scan] exclude`.
    Excluded,
    /// Not a regular file (a named pipe, socket or device), or a root inside a pseudo-filesystem:
    /// never opened, since reading one can block for ever or never end.
    Special,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SkipReason::TooLarge => "too large (over --max-file-size, or an archive over 2 GiB)",
            SkipReason::Binary => "binary",
            SkipReason::ArchiveNotOpened => {
                "a zip archive without a chat export (--archives opens every zip)"
            }
            SkipReason::SkippedDirectory => {
                "a directory skipped by default or by --skip-dir (--no-skip NAME scans it)"
            }
            SkipReason::Excluded => "excluded (--exclude or .stray.toml)",
            SkipReason::Special => {
                "not a regular file (a pipe, socket or device), or inside /proc, /sys or /dev"
            }
        })
    }
}

/// One file or directory the scan left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: SkipReason,
}

/// Something that went wrong with one file or directory; the scan carried on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub path: Option<PathBuf>,
    pub message: String,
}

/// Where and when a scan ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanInfo {
    pub machine: String,
    pub user: String,
    pub scanned_at: jiff::Timestamp,
    pub stray_version: String,
    /// The rules in use ([`crate::detect::rules::pack_version`]); absent in results written before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_pack: Option<String>,
    /// The paths walked, absolute; empty in results written before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roots: Vec<String>,
}

impl ScanInfo {
    pub fn here_and_now() -> ScanInfo {
        ScanInfo {
            machine: crate::host::machine_name(),
            user: crate::host::user_name(),
            scanned_at: jiff::Timestamp::now(),
            stray_version: env!("CARGO_PKG_VERSION").to_string(),
            rule_pack: None,
            roots: Vec::new(),
        }
    }
}

#[derive(Debug)]
pub struct ScanOutcome {
    pub info: ScanInfo,
    /// Credentials with at least one place to report.
    pub findings: Vec<Finding>,
    /// Credentials whose every place is suppressed (baseline or inline allow).
    pub suppressed: Vec<Finding>,
    /// Vault references (`op://…`, `${{ secrets.X }}`): the good pattern, never findings.
    pub references: Vec<Reference>,
    pub stats: Stats,
    pub warnings: Vec<Warning>,
    /// What was left out, when [`ScanOptions::list_skipped`] asked for it; sorted by path.
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Walk(#[from] WalkError),
}

pub struct Scanner {
    matcher: Matcher,
    options: ScanOptions,
    filter: PathFilter,
    /// Chunks of one large file scanned at once.
    parallel_chunks: usize,
    /// Files the walk passes over unseen (device and inode): the scan's own reports.
    left_out: Vec<(u64, u64)>,
}

impl Scanner {
    /// Under an address-space limit, `options` are first fitted to it ([`crate::memory::fit`]):
    /// fewer walker threads and smaller chunks.
    pub fn new(matcher: Matcher, mut options: ScanOptions) -> Result<Scanner, ScanError> {
        let filter = PathFilter::new(&options.walk)?;
        let fitted = crate::memory::fit(&mut options);
        options.walk.threads = fitted.threads;
        Ok(Scanner {
            matcher,
            options,
            filter,
            parallel_chunks: fitted.parallel_chunks,
            left_out: Vec::new(),
        })
    }

    /// The walk passes over these files without reading or counting them: the reports this
    /// scan is writing (an old report being replaced, and its temporary file), which would
    /// otherwise be scanned as places, with `--show-secrets` as places of every secret. A path
    /// that does not exist is ignored. On Unix only (files are told apart by device and inode).
    pub fn leave_out(&mut self, files: &[PathBuf]) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            for file in files {
                if let Ok(meta) = std::fs::metadata(file) {
                    self.left_out.push((meta.dev(), meta.ino()));
                }
            }
        }
        #[cfg(not(unix))]
        let _ = files;
    }

    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    pub fn options(&self) -> &ScanOptions {
        &self.options
    }

    /// Which paths the scan leaves out.
    pub fn filter(&self) -> &PathFilter {
        &self.filter
    }

    /// Walks every root in parallel and returns the grouped findings.
    pub fn scan(&self, progress: &Progress) -> Result<ScanOutcome, ScanError> {
        let started = Instant::now();
        let excluded = self
            .options
            .list_skipped
            .then(|| std::sync::Arc::new(Mutex::new(Vec::new())));
        let (walker, refused) = build_walker(&self.options.walk, &self.filter, excluded.clone())?;
        let mut refused_roots = Collected::default();
        for why in refused {
            let (path, message) = match why {
                WalkError::NotScannable { path, what } => (
                    path,
                    format!("{what}: never read (only files and directories are scanned)"),
                ),
                WalkError::InSkippedDirectory { path, dir } => (
                    path,
                    format!(
                        "inside {dir}, on the skip list (/proc, /sys and /dev are, by default; \
                         --no-skip {dir} scans it)"
                    ),
                ),
                other => {
                    refused_roots.warnings.push(Warning {
                        path: None,
                        message: other.to_string(),
                    });
                    continue;
                }
            };
            self.skip(&mut refused_roots, &path, SkipReason::Special);
            refused_roots.warnings.push(Warning {
                path: Some(path),
                message,
            });
        }
        let shared = Mutex::new(refused_roots);
        let mut builder = VisitorBuilder {
            scanner: self,
            shared: &shared,
            progress,
        };
        walker.visit(&mut builder);
        let mut collected = shared.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(excluded) = excluded {
            let excluded = std::mem::take(&mut *excluded.lock().unwrap_or_else(|e| e.into_inner()));
            collected
                .skipped
                .extend(excluded.into_iter().map(|(path, why)| Skipped {
                    path: display_path(&self.options.walk.roots, &path),
                    reason: match why {
                        Exclusion::SkippedDirectory => SkipReason::SkippedDirectory,
                        Exclusion::Glob => SkipReason::Excluded,
                    },
                }));
        }
        Ok(self.finish(collected, started))
    }

    /// Turns what the workers collected into the outcome: grouped, sorted, counted.
    fn finish(&self, mut collected: Collected, started: Instant) -> ScanOutcome {
        self.scrub_names(&mut collected);
        let mut stats = collected.stats;
        stats.files_skipped = stats.skipped_binary
            + stats.skipped_too_large
            + stats.skipped_unreadable
            + stats.skipped_archive
            + stats.skipped_special;
        stats.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut warnings = collected.warnings;
        warnings.sort_by(|a, b| a.path.cmp(&b.path).then(a.message.cmp(&b.message)));
        let mut references = collected.references;
        references.sort_by(|a, b| {
            (&a.path, a.line, a.column, &a.reference).cmp(&(
                &b.path,
                b.line,
                b.column,
                &b.reference,
            ))
        });
        references.dedup();
        let mut skipped = collected.skipped;
        skipped.sort();
        ScanOutcome {
            info: ScanInfo::here_and_now(),
            suppressed: Vec::new(),
            findings: group(
                self.matcher.rules(),
                collected.sightings,
                self.options.walk.threads,
            ),
            references,
            stats,
            warnings,
            skipped,
        }
    }

    /// Redacts every secret found, and anything a rule matches, in the names the outcome
    /// shows: each place's path and context name (before grouping, so consumers derived from
    /// them are clean), references, warnings and skipped paths.
    fn scrub_names(&self, collected: &mut Collected) {
        let scrubber = Scrubber::new(
            collected.sightings.iter().map(|s| s.secret.as_slice()),
            Some(&self.matcher),
        );
        let mut places = LocationScrubber::new(&scrubber);
        for sighting in &mut collected.sightings {
            places.location(&mut sighting.location);
        }
        for reference in &mut collected.references {
            places.path(&mut reference.path);
            places.context(&mut reference.context);
        }
        for warning in &mut collected.warnings {
            if let Some(path) = &mut warning.path {
                places.path(path);
            }
            scrubber.string(&mut warning.message);
        }
        for skipped in &mut collected.skipped {
            places.path(&mut skipped.path);
        }
    }

    /// Credentials in the names of `path` from byte `from` of it on (a walked entry's own name,
    /// an archive member's names): one sighting each, placed on the path up to the end of the
    /// name that holds it, line 1, the column its first character is at in the path.
    fn name_sightings(&self, path: &Path, from: usize) -> Vec<Sighting> {
        let bytes = path.as_os_str().as_encoded_bytes();
        let Some(names) = bytes.get(from..) else {
            return Vec::new();
        };
        let rules = self.matcher.rules();
        self.matcher
            .find(names)
            .into_iter()
            .map(|candidate| {
                let (start, end) = (from + candidate.start, from + candidate.end);
                let name_end = bytes[end..]
                    .iter()
                    .position(|&b| b.is_ascii() && std::path::is_separator(b as char))
                    .map_or(bytes.len(), |p| end + p);
                let holder = path
                    .ancestors()
                    .find(|a| a.as_os_str().len() == name_end)
                    .unwrap_or(path);
                Sighting {
                    rule: candidate.rule,
                    secret: rules[candidate.rule].decode_secret(&bytes[start..end]),
                    location: Location {
                        path: holder.to_path_buf(),
                        line: 1,
                        column: bytes[..start]
                            .iter()
                            .filter(|&&b| (b & 0xC0) != 0x80)
                            .count()
                            + 1,
                        kind: LocationKind::FileName,
                        context: None,
                        inline_allow: None,
                        commit: None,
                    },
                }
            })
            .collect()
    }

    /// Counts a file left out, and lists it when asked to.
    fn skip(&self, local: &mut Collected, path: &Path, reason: SkipReason) {
        match reason {
            SkipReason::TooLarge => local.stats.skipped_too_large += 1,
            SkipReason::Binary => local.stats.skipped_binary += 1,
            SkipReason::ArchiveNotOpened => local.stats.skipped_archive += 1,
            SkipReason::Special => local.stats.skipped_special += 1,
            SkipReason::SkippedDirectory | SkipReason::Excluded => {}
        }
        if self.options.list_skipped {
            local.skipped.push(Skipped {
                path: path.to_path_buf(),
                reason,
            });
        }
    }

    /// Starts a scan of content that is not read from the file system: the index for
    /// `--staged`, blobs for `--git`.
    pub fn in_memory(&self) -> MemoryScan<'_> {
        MemoryScan {
            scanner: self,
            collected: Collected::default(),
            started: Instant::now(),
            first_places: None,
            rank: 0,
            arrivals: 0,
        }
    }

    /// Finds every secret in one in-memory file: the raw bytes, then decoded views (JSON string
    /// escapes, base64 values). `path` is reported as given and classified by name.
    pub fn scan_bytes(&self, path: &Path, content: &[u8]) -> Vec<Sighting> {
        self.scan_with_references(path, content).0
    }

    /// Secrets and vault references in one in-memory file, from one pass of the automaton.
    pub fn scan_with_references(
        &self,
        path: &Path,
        content: &[u8],
    ) -> (Vec<Sighting>, Vec<Reference>) {
        let kind = refine_with_content(classify(path), path, content);
        let syntax = syntax_of(path, content);
        let Hits {
            candidates: raw,
            references: raw_references,
            pair_keywords,
        } = self.matcher.find_all(content);
        let rules = self.matcher.rules();
        // (position in content, rule, secret) of every hit, raw and decoded.
        let mut hits: Vec<(usize, usize, Vec<u8>)> = raw
            .iter()
            .map(|c| {
                (
                    c.start,
                    c.rule,
                    rules[c.rule].decode_secret(&content[c.start..c.end]),
                )
            })
            .collect();
        for segment in decode::segments(path, kind, syntax, content, pair_keywords) {
            for candidate in self.matcher.find(&segment.bytes) {
                let secret = rules[candidate.rule]
                    .decode_secret(&segment.bytes[candidate.start..candidate.end]);
                // The raw scan already saw secrets that the encoding did not break apart, and
                // those a rule decodes itself (a JSON-escaped PEM key): one place, not two.
                let seen_raw = raw.iter().zip(&hits).position(|(r, (_, _, raw_secret))| {
                    r.start >= segment.start
                        && r.end <= segment.end
                        && (content[r.start..r.end]
                            == segment.bytes[candidate.start..candidate.end]
                            || *raw_secret == secret
                            || structured_holds(&rules[r.rule], raw_secret, &secret))
                });
                match seen_raw {
                    None => hits.push((segment.start, candidate.rule, secret)),
                    // A provider token used as the password of a `user:password` pair: the
                    // provider's rule names it better than the pair's.
                    Some(index)
                        if structured_holds(&rules[hits[index].1], &hits[index].2, &secret)
                            && rules[candidate.rule].priority > rules[hits[index].1].priority =>
                    {
                        hits[index].1 = candidate.rule;
                        hits[index].2 = secret;
                    }
                    Some(_) => {}
                }
            }
        }
        hits.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.2.cmp(&b.2)));
        hits.dedup();
        let file = FileView {
            path,
            kind,
            syntax,
            content,
            peer_allow_markers: self.options.peer_allow_markers,
        };
        let sightings = file.place(hits, |(_, rule, secret), location| Sighting {
            rule,
            secret,
            location,
        });
        let reference_hits: Vec<(usize, &'static str, String)> = raw_references
            .into_iter()
            .map(|r| (r.start, r.kind, r.text))
            .collect();
        let references = file.place(reference_hits, |(_, kind, text), location| Reference {
            kind: kind.to_string(),
            reference: text,
            path: location.path,
            line: location.line,
            column: location.column,
            location_kind: location.kind,
            context: location.context,
        });
        (sightings, references)
    }

    /// Scans one file's content (or one archive member's) and counts it.
    /// UTF-16 content is scanned as the UTF-8 it transcodes to; `bytes_scanned` counts the
    /// file's own bytes.
    fn scan_content(&self, display: &Path, content: &[u8], local: &mut Collected) {
        let Some(text) = text::text_of(content) else {
            self.skip(local, display, SkipReason::Binary);
            return;
        };
        let (sightings, references) = self.scan_with_references(display, &text);
        local.references.extend(references);
        local.stats.files_scanned += 1;
        local.stats.bytes_scanned += content.len() as u64;
        local.sightings.extend(sightings);
    }
}

/// True when `rule` decodes a base64 `user:password` pair and its password `pair_secret`
/// holds `secret`, which a rule found in the decoded pair.
fn structured_holds(rule: &Rule, pair_secret: &[u8], secret: &[u8]) -> bool {
    rule.secret_encoding == Some(SecretEncoding::Base64UserPassword)
        && !secret.is_empty()
        && memchr::memmem::find(pair_secret, secret).is_some()
}

/// Characters in `bytes`, counted as [`line_columns`] counts columns: every byte that does not
/// continue a UTF-8 sequence.
fn characters(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// One file's content with what is known about it, for placing hits on lines.
struct FileView<'a> {
    path: &'a Path,
    kind: LocationKind,
    syntax: context::Syntax,
    content: &'a [u8],
    peer_allow_markers: bool,
}

impl FileView<'_> {
    /// Gives each item, sorted by its byte offset (the first field), its line, column and
    /// context name.
    fn place<A, B, U>(
        &self,
        items: Vec<(usize, A, B)>,
        make: impl Fn((usize, A, B), Location) -> U,
    ) -> Vec<U> {
        if items.is_empty() {
            return Vec::new();
        }
        let offsets: Vec<usize> = items.iter().map(|item| item.0).collect();
        let positions = line_columns(self.content, &offsets);
        let contexts = context::names_at(self.syntax, self.content, &offsets);
        items
            .into_iter()
            .zip(positions)
            .zip(contexts)
            .map(|((item, (line, column)), context)| {
                let location = Location {
                    path: self.path.to_path_buf(),
                    line,
                    column,
                    kind: self.kind,
                    context,
                    inline_allow: allow::line_allow(
                        line_at(self.content, item.0),
                        self.peer_allow_markers,
                    ),
                    commit: None,
                };
                make(item, location)
            })
            .collect()
    }
}

/// The line of `content` that holds byte `offset`.
fn line_at(content: &[u8], offset: usize) -> &[u8] {
    let offset = offset.min(content.len());
    let start = memchr::memrchr(b'\n', &content[..offset]).map_or(0, |p| p + 1);
    let end = memchr::memchr(b'\n', &content[offset..]).map_or(content.len(), |p| offset + p);
    &content[start..end]
}

/// Paths are reported as the user gave them; a walk of `.` reports `src/x`, not `./src/x`.
fn display_path(roots: &[PathBuf], path: &Path) -> PathBuf {
    if roots.iter().any(|r| r == Path::new(".")) {
        if let Ok(stripped) = path.strip_prefix(".") {
            if !stripped.as_os_str().is_empty() {
                return stripped.to_path_buf();
            }
        }
    }
    path.to_path_buf()
}

#[derive(Default)]
struct Collected {
    sightings: Vec<Sighting>,
    references: Vec<Reference>,
    stats: Stats,
    warnings: Vec<Warning>,
    skipped: Vec<Skipped>,
}

/// `ENAMETOOLONG`, where it is known.
#[cfg(target_os = "linux")]
const NAME_TOO_LONG: Option<i32> = Some(36);
#[cfg(any(target_os = "macos", target_os = "freebsd", target_os = "openbsd"))]
const NAME_TOO_LONG: Option<i32> = Some(63);
#[cfg(not(any(
    target_os = "linux",
    target_os = "macos",
    target_os = "freebsd",
    target_os = "openbsd"
)))]
const NAME_TOO_LONG: Option<i32> = None;

/// An I/O error as a warning says it; a path over the system's length limit (`PATH_MAX`) says
/// that nothing in or under it was scanned, since the walk opens files by path.
fn io_message(error: &std::io::Error) -> String {
    if NAME_TOO_LONG.is_some() && error.raw_os_error() == NAME_TOO_LONG {
        format!(
            "{error}: the path is longer than the system allows; nothing in or under it was scanned"
        )
    } else {
        error.to_string()
    }
}
