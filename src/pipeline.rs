//! The scan pipeline, stage by stage: load the rules, the vault and the baseline (everything
//! that can be malformed, before a long walk); read the source (a walk, standard input, the
//! staged index or git history); then judge what was found — `--credential` selection,
//! criticality, vault reconciliation, owners, baseline and inline suppressions.
//!
//! The caller decides a [`Plan`] (the CLI turns flags and `.stray.toml` into one) and gets the
//! [`ScanOutcome`] and the [`Notice`]s worth telling the user; nothing here prints.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Mutex, OnceLock};

use crate::detect::matcher::{Matcher, MatcherError};
use crate::detect::rules::{Criticality, RuleError, RuleSet};
use crate::detect::selftest;
use crate::finding::{CommitInfo, Finding, Location};
use crate::input::git::{self, GitError};
use crate::judge::baseline::{self, Baseline, BaselineError};
use crate::judge::governance::{self, Selector};
use crate::judge::reconcile::{FailOn, reconcile};
use crate::names::Named;
use crate::scan::{Progress, ScanError, ScanOptions, ScanOutcome, Scanner};
use crate::vault::cli_source::{self, CliSource, CliSourceError};
use crate::vault::{self, VaultError, VaultFormat, VaultIndex};

/// At most this many files are blamed (one `git blame` run each) to name owners in one
/// repository scan.
pub const BLAME_FILE_LIMIT: usize = 1000;

/// [`BLAME_FILE_LIMIT`]; with the `test-endpoints` feature (tests only),
/// `STRAY_TEST_BLAME_FILE_LIMIT` lowers it, so a test reaches it without a thousand files.
fn blame_file_limit() -> usize {
    #[cfg(feature = "test-endpoints")]
    if let Some(limit) = std::env::var("STRAY_TEST_BLAME_FILE_LIMIT")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return limit;
    }
    BLAME_FILE_LIMIT
}

/// The shortest fingerprint prefix `--credential` takes: shorter ones match by accident.
pub const MIN_FINGERPRINT_PREFIX: usize = 6;

/// What a scan reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The roots of [`ScanOptions::walk`].
    Walk,
    /// Standard input, reported as the file `name`.
    Stdin { name: String },
    /// What the next commit adds, in the repository holding `start`.
    Staged { start: PathBuf },
    /// The blobs the commits of `revspec` introduced, in the repository holding `start`.
    History { start: PathBuf, revspec: String },
}

/// Everything a scan needs, decided by the caller.
#[derive(Debug, Clone)]
pub struct Plan {
    pub rule_packs: Vec<PathBuf>,
    pub builtin_rules: bool,
    pub vault_files: Vec<PathBuf>,
    pub vault_format: Option<VaultFormat>,
    /// For exports that carry no vault name (Doppler, dotenv).
    pub vault_name: Option<String>,
    /// The baseline to apply, if any.
    pub baseline: Option<PathBuf>,
    /// What fails the scan; empty: `unvaulted` with a vault, `any` without.
    pub fail_on: Vec<FailOn>,
    /// One rotation limit for every credential; `None` lets each tier decide.
    pub max_age: Option<i64>,
    /// `.stray.toml` \[owners\] and \[criticality\], most specific first.
    pub owners: Vec<(Selector, String)>,
    pub criticality: Vec<(Selector, Criticality)>,
    pub options: ScanOptions,
    pub source: Source,
    /// A walk of the user's home: the machine's user owns what nobody else does, and nothing
    /// is blamed.
    pub home: bool,
    /// Only the credential whose fingerprint starts with this (see [`fingerprint_prefix`]).
    pub credential: Option<String>,
    /// Ask each provider whether what was found still works (`--validate`): the only step
    /// that opens a socket.
    pub validate: bool,
}

/// Something the user should hear about; the scan went on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The vault files hold no secret at all.
    EmptyVault(Vec<PathBuf>),
    /// Policies that only a vault can trigger, given without one.
    PolicyNeedsVault(Vec<String>),
    /// The baseline names credentials found here, but for other files.
    BaselineForOtherFiles {
        baseline: PathBuf,
        credentials: usize,
        anchor: PathBuf,
    },
    /// The scan found credentials and the baseline covers none of them.
    BaselineCoversNone {
        baseline: PathBuf,
        findings: usize,
        anchor: PathBuf,
    },
    /// `--credential` matched nothing.
    CredentialNotFound(String),
    /// `git blame` named line authors in at most `limit` files; `past` more had findings.
    BlameLimit { limit: usize, past: usize },
    /// A vault read through its CLI listed items it then could not return.
    UnreadableVaultItems {
        source: String,
        count: usize,
        /// Their names, where the tool read them one by one (`gcloud`, `az`).
        items: Vec<String>,
    },
    /// A file in a `--vault` directory that is documentation, not an export (a README).
    SkippedVaultFile { path: PathBuf, reason: String },
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::EmptyVault(files) => write!(
                f,
                "the vault ({}) holds no secrets: every credential will be unvaulted; is it the \
                 right export?",
                files
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Notice::PolicyNeedsVault(names) => write!(
                f,
                "--fail-on {} needs --vault (vault status and age come from the vault); without \
                 one it can never fail",
                names.join(",")
            ),
            Notice::BaselineForOtherFiles {
                baseline,
                credentials,
                anchor,
            } => write!(
                f,
                "baseline {} accepts {} found here, but in other files: its paths are relative \
                 to {}",
                baseline.display(),
                crate::display::plural(*credentials, "credential"),
                anchor.display()
            ),
            Notice::BaselineCoversNone {
                baseline,
                findings,
                anchor,
            } => write!(
                f,
                "baseline {} accepts none of the {} found (its paths are relative to {}); is it \
                 this repository's?",
                baseline.display(),
                crate::display::plural(*findings, "credential"),
                anchor.display()
            ),
            Notice::CredentialNotFound(prefix) => write!(
                f,
                "credential {prefix}: not found (if it was there before, it is gone from \
                 everything looked at)"
            ),
            Notice::BlameLimit { limit, past } => write!(
                f,
                "owners: git blame names line authors in at most {} per scan; {} with \
                 findings got no git-blame owner (name owners in .stray.toml [owners], or scan \
                 a smaller part of the repository)",
                crate::display::plural(*limit, "file"),
                crate::display::plural(*past, "more tracked file"),
            ),
            Notice::UnreadableVaultItems {
                source,
                count,
                items,
            } => {
                let named = match items.len() {
                    0 => String::new(),
                    1..=5 => format!(" ({})", items.join(", ")),
                    n => format!(" ({}, and {} more)", items[..5].join(", "), n - 5),
                };
                write!(
                    f,
                    "--vault {source}: {} listed could not be read{named}; credentials stored \
                     there will show as unvaulted",
                    crate::display::plural(*count, "item")
                )
            }
            Notice::SkippedVaultFile { path, reason } => write!(
                f,
                "--vault: skipped {}: {reason}",
                crate::display::printable(&path.display().to_string())
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Rules(#[from] RuleError),
    /// A team rule failed its own examples or negatives.
    #[error("{first}{}", if *.more > 0 { format!(" (and {} more problems)", .more) } else { String::new() })]
    RuleSelfTest { first: String, more: usize },
    #[error("no rules to scan with: --no-builtin-rules needs at least one --rules pack")]
    NoRules,
    #[error(transparent)]
    Matcher(#[from] MatcherError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    VaultCli(#[from] CliSourceError),
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("cannot read standard input: {0}")]
    Stdin(std::io::Error),
    #[error(
        "--fail-on {0} needs --validate: stray asks providers whether a credential works only \
         when told to"
    )]
    NeedsValidate(&'static str),
    #[error(
        "--credential {0:?} is not a fingerprint: give the whole fingerprint or its first \
         {MIN_FINGERPRINT_PREFIX} or more hex characters, as the report's last column and JSON's \
         `fingerprint` show it (a redacted value such as sk-p…x9Qa cannot name a credential)"
    )]
    NotAFingerprint(String),
    #[error(
        "--credential {prefix} matches {} credentials: give more of the fingerprint ({})",
        .candidates.len(),
        .candidates.join("; ")
    )]
    AmbiguousCredential {
        prefix: String,
        candidates: Vec<String>,
    },
}

/// The built-in packs (unless `builtin` is off) plus every pack in `packs`, each rule of the
/// latter self-tested against its own examples and negatives.
pub fn load_rules(packs: &[PathBuf], builtin: bool) -> Result<RuleSet, PipelineError> {
    let mut set = if builtin {
        RuleSet::builtin()?
    } else {
        RuleSet::default()
    };
    let builtin_count = set.len();
    for path in packs {
        set.add_path(path)?;
    }
    let failures = selftest::check_each(&set.rules()[builtin_count..])?;
    if let Some(first) = failures.first() {
        return Err(PipelineError::RuleSelfTest {
            first: first.to_string(),
            more: failures.len() - 1,
        });
    }
    if set.is_empty() {
        return Err(PipelineError::NoRules);
    }
    Ok(set)
}

/// Where a vault is read from: an export or fingerprint file, or the vault's own CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultSource {
    File(PathBuf),
    Cli(CliSource),
}

impl VaultSource {
    /// A `--vault` value: `TOOL` or `TOOL:SPEC` (`op:Engineering`, `bw`, `doppler:api/prd`)
    /// runs that CLI, unless a file or directory of that name exists; anything else is a file.
    pub fn from_value(path: &Path) -> VaultSource {
        match path.to_str().and_then(CliSource::parse) {
            Some(source) if !path.exists() => VaultSource::Cli(source),
            _ => VaultSource::File(path.to_path_buf()),
        }
    }
}

/// Every vault export or fingerprint file in `paths` (or CLI named there), as one index.
pub fn load_vault(
    paths: &[PathBuf],
    format: Option<VaultFormat>,
    vault_name: Option<&str>,
    matcher: &Matcher,
    notices: &mut Vec<Notice>,
) -> Result<VaultIndex, PipelineError> {
    let sources: Vec<VaultSource> = paths.iter().map(|p| VaultSource::from_value(p)).collect();
    load_vault_sources(&sources, format, vault_name, matcher, notices)
}

/// Every source, as one index; items a CLI could not return become a notice.
pub fn load_vault_sources(
    sources: &[VaultSource],
    format: Option<VaultFormat>,
    vault_name: Option<&str>,
    matcher: &Matcher,
    notices: &mut Vec<Notice>,
) -> Result<VaultIndex, PipelineError> {
    let mut entries = Vec::new();
    for source in sources {
        match source {
            VaultSource::File(path) => {
                let mut skipped = Vec::new();
                vault::read_export_skipping(
                    path,
                    format,
                    Some(matcher),
                    vault_name,
                    &mut entries,
                    &mut skipped,
                )?;
                notices.extend(skipped.into_iter().map(|file| Notice::SkippedVaultFile {
                    path: file.path,
                    reason: file.reason,
                }));
            }
            VaultSource::Cli(cli) => {
                let read = cli_source::read(cli, Some(matcher), vault_name)?;
                if read.unreadable > 0 {
                    notices.push(Notice::UnreadableVaultItems {
                        source: cli.label(),
                        count: read.unreadable,
                        items: read.unreadable_items,
                    });
                }
                entries.extend(read.entries);
            }
        }
    }
    Ok(VaultIndex::new(entries))
}

/// A `--credential` value: at least 6 hex digits of a SHA-256 fingerprint, lower-cased.
pub fn fingerprint_prefix(text: &str) -> Result<String, PipelineError> {
    let hex = text.len() >= MIN_FINGERPRINT_PREFIX
        && text.len() <= 64
        && text.bytes().all(|b| b.is_ascii_hexdigit());
    if hex {
        Ok(text.to_ascii_lowercase())
    } else {
        Err(PipelineError::NotAFingerprint(text.to_string()))
    }
}

/// Keeps only the credential `wanted` names. A prefix of several credentials is an error naming
/// them, so a verification cannot pass by matching the wrong one; none is a [`Notice`] and an
/// empty list: the credential is gone from everything looked at.
pub fn select_credential<T>(
    items: &mut Vec<T>,
    wanted: &str,
    fingerprint: impl Fn(&T) -> &str,
    describe: impl Fn(&T) -> String,
) -> Result<Option<Notice>, PipelineError> {
    let prefix = fingerprint_prefix(wanted)?;
    items.retain(|item| fingerprint(item).starts_with(&prefix));
    match items.len() {
        0 => Ok(Some(Notice::CredentialNotFound(prefix))),
        1 => Ok(None),
        _ => Err(PipelineError::AmbiguousCredential {
            prefix,
            candidates: items
                .iter()
                .map(|item| {
                    let fp = fingerprint(item);
                    format!("{} {}", fp.get(..12).unwrap_or(fp), describe(item))
                })
                .collect(),
        }),
    }
}

/// A plan with everything loaded, ready to run.
pub struct Pipeline {
    scanner: Scanner,
    vault: Option<VaultIndex>,
    baseline: Option<Baseline>,
    policy: Vec<FailOn>,
    max_age: Option<i64>,
    owners: Vec<(Selector, String)>,
    criticality: Vec<(Selector, Criticality)>,
    source: Source,
    home: bool,
    credential: Option<String>,
    validate: bool,
    notices: Vec<Notice>,
    /// `--staged`: the repository root and what the index holds, read while the rules loaded;
    /// taken by the first run.
    staged: Mutex<Option<Result<(PathBuf, git::Staged), GitError>>>,
    /// `--staged` and `--git`: the repository root, once a run has asked git for it.
    root: OnceLock<PathBuf>,
}

/// What a run found, and what to tell the user about it.
pub struct Run {
    pub outcome: ScanOutcome,
    pub notices: Vec<Notice>,
}

/// Inputs up to this size are scanned with the quicker-built automaton.
const SMALL_INPUT: u64 = 4 << 20;

/// A staged diff, standard input, or a few regular files that are small in all: the automaton
/// that is quick to build pays off; a directory walk or history gets the fast one.
fn input_size(plan: &Plan) -> crate::detect::matcher::Input {
    use crate::detect::matcher::Input;
    match &plan.source {
        Source::Staged { .. } | Source::Stdin { .. } => Input::Small,
        Source::History { .. } => Input::Large,
        Source::Walk if plan.home => Input::Large,
        Source::Walk => {
            let roots = &plan.options.walk.roots;
            let mut total = 0u64;
            for root in roots {
                match std::fs::metadata(root) {
                    Ok(meta) if meta.is_file() => total = total.saturating_add(meta.len()),
                    _ => return Input::Large,
                }
            }
            if !roots.is_empty() && total <= SMALL_INPUT {
                Input::Small
            } else {
                Input::Large
            }
        }
    }
}

impl Pipeline {
    /// Loads the rules, the vault and the baseline: a malformed file fails here, before a long
    /// walk, not after it.
    pub fn new(plan: Plan) -> Result<Pipeline, PipelineError> {
        if let Some(wanted) = &plan.credential {
            fingerprint_prefix(wanted)?;
        }
        // `--staged`: git reads the index (its processes are most of a pre-commit hook's scan)
        // while the rules load and the automaton builds. A rule error is still the one
        // reported; git's, if any, comes from the run, as before.
        let (matcher, staged) = std::thread::scope(|scope| {
            let staged = match &plan.source {
                Source::Staged { start } => {
                    Some(scope.spawn(|| read_staged(start, plan.options.max_file_size)))
                }
                _ => None,
            };
            let matcher = load_rules(&plan.rule_packs, plan.builtin_rules)
                .and_then(|rules| Ok(Matcher::for_input(rules, input_size(&plan))?));
            let staged = staged.map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            });
            (matcher, staged)
        });
        let matcher = matcher?;
        let mut notices = Vec::new();
        let vault = if plan.vault_files.is_empty() {
            None
        } else {
            let index = load_vault(
                &plan.vault_files,
                plan.vault_format,
                plan.vault_name.as_deref(),
                &matcher,
                &mut notices,
            )?;
            if index.entries().is_empty() {
                notices.push(Notice::EmptyVault(plan.vault_files.clone()));
            }
            Some(index)
        };
        let baseline = plan.baseline.as_deref().map(Baseline::load).transpose()?;
        let policy = if !plan.fail_on.is_empty() {
            plan.fail_on.clone()
        } else if vault.is_some() {
            vec![FailOn::Unvaulted]
        } else {
            vec![FailOn::Any]
        };
        if let Some(needs) = policy
            .iter()
            .find(|p| matches!(p, FailOn::Live | FailOn::NotRefused))
            .filter(|_| !plan.validate)
        {
            return Err(PipelineError::NeedsValidate(needs.name()));
        }
        let needs_vault: Vec<String> = policy
            .iter()
            .filter(|p| p.needs_vault())
            .map(|p| p.name().to_string())
            .collect();
        if vault.is_none() && !needs_vault.is_empty() {
            notices.push(Notice::PolicyNeedsVault(needs_vault));
        }
        Ok(Pipeline {
            scanner: Scanner::new(matcher, plan.options)?,
            vault,
            baseline,
            policy,
            max_age: plan.max_age,
            owners: plan.owners,
            criticality: plan.criticality,
            source: plan.source,
            home: plan.home,
            credential: plan.credential,
            validate: plan.validate,
            notices,
            staged: Mutex::new(staged),
            root: OnceLock::new(),
        })
    }

    pub fn scanner(&self) -> &Scanner {
        &self.scanner
    }

    /// Files the walk passes over: the reports this run is writing ([`Scanner::leave_out`]).
    pub fn leave_out(&mut self, files: &[std::path::PathBuf]) {
        self.scanner.leave_out(files);
    }

    /// What fails the scan.
    pub fn policy(&self) -> &[FailOn] {
        &self.policy
    }

    /// Notices from loading (an empty vault, a policy that needs a vault).
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// Reads the source, then judges what was found.
    pub fn run(&self, progress: &Progress) -> Result<Run, PipelineError> {
        let listing = self.tracked_listing();
        let mut outcome = match &self.source {
            Source::Walk => self.scanner.scan(progress)?,
            Source::Stdin { name } => self.scan_stdin(name)?,
            Source::Staged { start } => self.scan_staged(start)?,
            Source::History { start, revspec } => self.scan_history(start, revspec, progress)?,
        };
        outcome.info.rule_pack = Some(crate::detect::rules::pack_version(
            self.scanner.matcher().rules(),
        ));
        outcome.info.roots = match &self.source {
            Source::Stdin { .. } => vec!["-".to_string()],
            _ => absolute_roots(&self.scanner.options().walk.roots),
        };
        // A root named after a credential it holds is shown redacted, as every path is. Only
        // the secrets some root holds need looking for (an automaton over thousands of found
        // secrets costs milliseconds to build for a root or two).
        let roots = &outcome.info.roots;
        let scrubber = crate::scrub::Scrubber::new(
            outcome
                .findings
                .iter()
                .map(|f| f.secret.as_slice())
                .filter(|secret| {
                    roots
                        .iter()
                        .any(|root| memchr::memmem::find(root.as_bytes(), secret).is_some())
                }),
            Some(self.scanner.matcher()),
        );
        outcome
            .info
            .roots
            .iter_mut()
            .for_each(|r| scrubber.string(r));
        let mut notices = Vec::new();
        if let Some(wanted) = &self.credential {
            notices.extend(select_credential(
                &mut outcome.findings,
                wanted,
                |f| &f.fingerprint,
                |f| format!("{} {}", f.rule_id, f.redacted),
            )?);
        }
        governance::apply_criticality(&mut outcome.findings, &self.criticality);
        if let Some(index) = &self.vault {
            reconcile(
                &mut outcome.findings,
                index,
                outcome.info.scanned_at,
                self.max_age,
            );
        }
        notices.extend(self.assign_owners(&mut outcome, listing));
        let base = self.location_base()?;
        let applied = baseline::apply(
            &mut outcome.findings,
            self.baseline.as_ref(),
            outcome.info.scanned_at,
            &base,
        );
        if let Some(baseline) = &self.baseline {
            notices.extend(unmatched_baseline(
                baseline,
                applied,
                outcome.findings.len(),
            ));
        }
        // Most scans suppress no finding whole: then the findings stay where they are (moving
        // thousands of them into new vectors costs milliseconds).
        if outcome.findings.iter().any(Finding::fully_suppressed) {
            let (suppressed, active): (Vec<_>, Vec<_>) = outcome
                .findings
                .drain(..)
                .partition(Finding::fully_suppressed);
            outcome.findings = active;
            outcome.suppressed.extend(suppressed);
        }
        if self.validate {
            // Only what is reported: a suppressed place is an accepted exception.
            let builtin: std::collections::HashSet<&str> = self
                .scanner
                .matcher()
                .rules()
                .iter()
                .filter(|r| r.origin.starts_with("builtin:"))
                .map(|r| r.id.as_str())
                .collect();
            crate::validate::validate_all(
                &mut outcome.findings,
                &|id| builtin.contains(id),
                &crate::validate::http::Https::new(),
                jiff::Timestamp::now(),
            );
        }
        Ok(Run { outcome, notices })
    }

    /// For a plain walk of what can be a checkout, the repository's files, listed by a git
    /// run that goes on while the walk reads (git authors can own what is found).
    fn tracked_listing(&self) -> Option<git::TrackedListing> {
        if !matches!(self.source, Source::Walk) || self.home {
            return None;
        }
        let roots = &self.scanner.options().walk.roots;
        let first = roots.first().map_or(Path::new("."), PathBuf::as_path);
        git::may_be_in_repository(first)
            .then(|| git::TrackedListing::start(first))
            .flatten()
    }

    /// Owners from the team's map, the vault, git authors or the machine's user.
    /// A notice when the blame limit left files unblamed.
    fn assign_owners(
        &self,
        outcome: &mut ScanOutcome,
        listing: Option<git::TrackedListing>,
    ) -> Option<Notice> {
        let machine_user = self.home.then_some(outcome.info.user.as_str());
        // A plain scan of a repository: the author of each line can own what it added. Only
        // tracked files have authors; each file is blamed once, for every line any finding
        // has in it, and only when a finding needs it.
        let authors = match listing {
            Some(listing) if !outcome.findings.is_empty() => {
                let roots = &self.scanner.options().walk.roots;
                git::LineAuthors::listing(
                    outcome
                        .findings
                        .iter()
                        .flat_map(|f| &f.locations)
                        .map(|l| (l.path.as_path(), l.line)),
                    || listing.finish(),
                    blame_file_limit(),
                )
                // A walk of an untracked or ignored directory inside a checkout: no place can
                // have an author, so none is looked up.
                .filter(|authors| roots.iter().any(|root| authors.tracks_under(root)))
            }
            _ => None,
        };
        let blame = |location: &Location| authors.as_ref()?.author(&location.path, location.line);
        let blame: Option<governance::Blame<'_>> = authors.is_some().then_some(&blame as _);
        governance::assign_owners(&mut outcome.findings, &self.owners, blame, machine_user);
        let authors = authors.as_ref()?;
        let past = authors.files_past_limit();
        (past > 0).then(|| Notice::BlameLimit {
            limit: authors.file_limit(),
            past,
        })
    }

    /// What relative location paths are relative to: the repository root for `--staged` and
    /// `--git`, the working directory otherwise.
    pub fn location_base(&self) -> Result<PathBuf, PipelineError> {
        match &self.source {
            Source::Staged { start } | Source::History { start, .. } => match self.root.get() {
                Some(root) => Ok(root.clone()),
                None => Ok(git::repo_root(start)?),
            },
            Source::Walk | Source::Stdin { .. } => Ok(PathBuf::from(".")),
        }
    }

    /// Standard input as one in-memory file named `name`, read up to the file size limit.
    fn scan_stdin(&self, name: &str) -> Result<ScanOutcome, PipelineError> {
        use std::io::Read;
        let limit = self.scanner.options().max_file_size;
        let mut content = Vec::new();
        std::io::stdin()
            .lock()
            .take(limit.saturating_add(1))
            .read_to_end(&mut content)
            .map_err(PipelineError::Stdin)?;
        let mut scan = self.scanner.in_memory();
        if content.len() as u64 > limit {
            scan.skipped_too_large(Path::new(name));
        } else {
            scan.add(Path::new(name), &content, None, &|_| true);
        }
        Ok(scan.finish())
    }

    /// The index: each added or changed file's staged content, keeping added lines only.
    fn scan_staged(&self, start: &Path) -> Result<ScanOutcome, PipelineError> {
        let prefetched = self.staged.lock().ok().and_then(|mut staged| staged.take());
        let (root, staged) = match prefetched {
            Some(read) => read?,
            None => read_staged(start, self.scanner.options().max_file_size)?,
        };
        let _ = self.root.set(root);
        let mut scan = self.scanner.in_memory();
        for file in &staged.files {
            scan.add(&file.path, &file.content, None, &|line| {
                git::line_is_added(file, line)
            });
        }
        for path in &staged.too_large {
            scan.skipped_too_large(path);
        }
        Ok(scan.finish())
    }

    /// History: every blob the commits in `revspec` introduced, with its commit.
    fn scan_history(
        &self,
        start: &Path,
        revspec: &str,
        counters: &Progress,
    ) -> Result<ScanOutcome, PipelineError> {
        let root = git::repo_root(start)?;
        let _ = self.root.set(root.clone());
        let mut scan = self.scanner.in_memory().first_place_per_path();
        // Bare --git is git log's default, which an unborn branch (no commits yet) answers with
        // an empty history instead of "bad revision 'HEAD'".
        let spec = (revspec != "HEAD").then_some(revspec);
        let filter = self.scanner.filter();
        let stats = git::history_of_paths(
            &root,
            spec,
            self.scanner.options().max_file_size,
            &|path| !filter.excludes_file(path),
            &mut |origin, content| {
                let commit = CommitInfo {
                    id: origin.commit.clone(),
                    author_date: origin.author_date.clone(),
                    author: origin.author.clone(),
                };
                // Blobs come newest first; the scan keeps each credential's oldest place.
                scan.set_rank(origin.rank);
                scan.add(&origin.path, content, Some(&commit), &|_| true);
                counters.files.fetch_add(1, Ordering::Relaxed);
                counters
                    .bytes
                    .fetch_add(content.len() as u64, Ordering::Relaxed);
            },
        )?;
        // After every blob, as if they had come last.
        scan.set_rank(usize::MAX);
        for path in &stats.too_large {
            scan.skipped_too_large(path);
        }
        let mut outcome = scan.finish();
        if let Some(base) = git::range_base(revspec) {
            drop_places_already_in_base(&root, base, &mut outcome)?;
        }
        Ok(outcome)
    }
}

/// The root of the repository holding `start`, and what its index adds (`--staged`).
fn read_staged(start: &Path, max_file_size: u64) -> Result<(PathBuf, git::Staged), GitError> {
    let root = git::repo_root(start)?;
    let staged = git::staged(&root, max_file_size)?;
    Ok((root, staged))
}

/// A baseline that covers none of a scan's findings is usually applied from the wrong place or
/// made for another tree: say so instead of failing as if nothing had been accepted.
fn unmatched_baseline(
    baseline: &Baseline,
    applied: baseline::Applied,
    findings: usize,
) -> Option<Notice> {
    if applied.matched_places > 0 || findings == 0 || baseline.is_empty() {
        return None;
    }
    let path = baseline.path().to_path_buf();
    let anchor = baseline.anchor().dir().to_path_buf();
    Some(if applied.known_elsewhere > 0 {
        Notice::BaselineForOtherFiles {
            baseline: path,
            credentials: applied.known_elsewhere,
            anchor,
        }
    } else {
        Notice::BaselineCoversNone {
            baseline: path,
            findings,
            anchor,
        }
    })
}

/// A pull request that edits a file which already held a credential on its base branch did
/// not add that credential: keep only places whose secret the base version of the file lacks.
fn drop_places_already_in_base(
    root: &Path,
    base: &str,
    outcome: &mut ScanOutcome,
) -> Result<(), PipelineError> {
    for finding in &mut outcome.findings {
        let mut kept = Vec::with_capacity(finding.locations.len());
        for location in std::mem::take(&mut finding.locations) {
            let before = git::file_at(root, base, &location.path)?;
            let pre_existing = before
                .is_some_and(|content| memchr::memmem::find(&content, &finding.secret).is_some());
            if !pre_existing {
                kept.push(location);
            }
        }
        finding.locations = kept;
    }
    outcome.findings.retain(|f| !f.locations.is_empty());
    Ok(())
}

/// The roots as absolute paths, for results and the inventory to say what was walked.
fn absolute_roots(roots: &[PathBuf]) -> Vec<String> {
    roots
        .iter()
        .map(|root| {
            std::path::absolute(root)
                .unwrap_or_else(|_| root.clone())
                .display()
                .to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_prefixes_are_six_hex_digits_or_more() {
        assert_eq!(fingerprint_prefix("4F1C2A").ok().as_deref(), Some("4f1c2a"));
        for bad in ["4f1c2", "zz", "4f1c2a ", "sk-p…x9Qa", &"a".repeat(65)] {
            assert!(fingerprint_prefix(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_prefix_selects_one_or_names_the_candidates() {
        let mut items = vec!["abcdef01".to_string(), "abcdef02".to_string()];
        let err = select_credential(&mut items, "abcdef", |s| s, |_| "x".into());
        assert!(matches!(
            err,
            Err(PipelineError::AmbiguousCredential { .. })
        ));
        let mut items = vec!["abcdef01".to_string(), "abcdef02".to_string()];
        let notice = select_credential(&mut items, "abcdef01", |s| s, |_| "x".into());
        assert!(matches!(notice, Ok(None)));
        assert_eq!(items, vec!["abcdef01"]);
        let notice = select_credential(&mut items, "000000", |s| s, |_| "x".into());
        assert!(matches!(notice, Ok(Some(Notice::CredentialNotFound(_)))));
    }
}
