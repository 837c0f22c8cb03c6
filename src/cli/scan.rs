//! `stray scan` and `stray baseline create`: resolve options from the command line and
//! `.stray.toml`, run the scan, reconcile, suppress, report.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use stray::archive::{ArchiveLimits, ArchiveMode};
use stray::baseline::{self, Baseline};
use stray::config::Config;
use stray::finding::CommitInfo;
use stray::git;
use stray::governance::{self, Selector};
use stray::laptop;
use stray::reconcile::{FailOn, reconcile, violates};
use stray::report::{Format, ReportOptions, write_report};
use stray::rules::Criticality;
use stray::rules::selftest;
use stray::scan::{Chunking, DEFAULT_MAX_FILE_SIZE};
use stray::size::parse_size;
use stray::vault::{self, VaultFormat, VaultIndex};
use stray::walk::{DEFAULT_SKIP_DIRS, PathFilter, WalkOptions};
use stray::{Matcher, Progress, RuleSet, ScanOptions, ScanOutcome, Scanner};

use super::args::{fingerprint_prefix, looks_like_database, path_value, select_credential};
use super::output::Output;
use super::{EXIT_CLEAN, EXIT_FINDINGS, progress};

/// At most this many files are blamed (one `git blame` run each) to name owners in one
/// repository scan.
const BLAME_FILE_LIMIT: usize = 1000;

/// How many file warnings to print before summarising the rest.
const WARNINGS_SHOWN: usize = 20;

#[derive(Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Output format [default: from --output's extension (.json, .jsonl, .sarif, .csv, .md),
    /// else table]
    #[arg(short, long, value_enum)]
    pub format: Option<Format>,

    /// Write the report to FILE instead of standard output (created before the scan starts, so
    /// a path that cannot be written fails at once). Repeatable: one scan, several reports,
    /// each in the format its extension names (`-o stray.sarif -o summary.md`)
    #[arg(short, long, value_name = "FILE", value_parser = path_value)]
    pub output: Vec<PathBuf>,

    /// Print secrets in full (they are redacted by default)
    #[arg(long)]
    pub show_secrets: bool,

    /// Also list places suppressed by a baseline or an inline stray:allow
    #[arg(long)]
    pub show_suppressed: bool,

    /// Colour in the table format
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// After writing the report, record this scan in the inventory database: bare --record uses
    /// $STRAY_INVENTORY_DB, else the platform's data directory (Linux: $XDG_DATA_HOME or
    /// ~/.local/share, stray/inventory.db); --record=DB names one. Never stores a secret
    #[arg(
        long,
        value_name = "DB",
        num_args = 0..=1,
        require_equals = true,
        value_parser = path_value,
        conflicts_with_all = ["staged", "git"]
    )]
    pub record: Option<Option<PathBuf>>,
}

/// What to scan and how to judge it: shared by `scan`, `laptop` and `baseline create`.
#[derive(Args)]
pub struct TargetArgs {
    /// Files or directories to scan (default: the current directory, unless --home); `-` reads
    /// standard input
    #[arg(value_parser = path_value)]
    pub paths: Vec<PathBuf>,

    /// Walk this user's home: shell profiles, cloud CLIs, package managers, AI tools, git
    /// credentials and projects, skipping media, caches, toolchains and app bundles
    #[arg(long, conflicts_with_all = ["staged", "git"])]
    pub home: bool,

    /// Only the credential whose fingerprint is FP or starts with FP (at least 6 hex
    /// characters), to verify a revocation; anything else, or a prefix of several, is an error
    #[arg(long, value_name = "FP")]
    pub credential: Option<String>,

    /// Scan exactly what the next commit adds: the index version of each added or changed
    /// file, reporting only added lines (for pre-commit hooks)
    #[arg(long, conflicts_with = "git")]
    pub staged: bool,

    /// Scan the blobs that commits introduced, each once. Bare --git: all history reachable
    /// from HEAD; --git=REVSPEC as git rev-list takes it (--git=origin/main..HEAD for a pull
    /// request, --git=--all for every ref). The range needs the `=`
    #[arg(
        long,
        value_name = "REVSPEC",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "HEAD",
        allow_hyphen_values = true
    )]
    pub git: Option<String>,

    /// Not an option: `--git --all` was the old spelling of `--git=--all`
    #[arg(long = "all", hide = true)]
    pub old_git_all: bool,

    #[command(flatten)]
    pub rules: RuleArgs,

    /// Skip files that .gitignore, .ignore and git's excludes ignore (for repository scans)
    #[arg(long)]
    pub respect_gitignore: bool,

    /// Leave out files or directories matching GLOB (by name or by path under the root)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Skip files larger than SIZE: KB/MB/GB are powers of 1000, KiB/MiB/GiB and K/M/G of 1024 [default: 25MiB]
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,

    /// Follow symbolic links (loops are detected and reported)
    #[arg(long)]
    pub follow: bool,

    /// Scan inside a directory that is skipped by default (e.g. --no-skip node_modules)
    #[arg(long, value_name = "DIR")]
    pub no_skip: Vec<String>,

    /// Scan inside every directory that is skipped by default
    #[arg(long)]
    pub no_default_skips: bool,

    /// Also skip directories with this name (or parent/name)
    #[arg(long, value_name = "DIR")]
    pub skip_dir: Vec<String>,

    /// Open zip archives: auto = those holding a chat export (Slack, ChatGPT, Claude, Discord);
    /// a bare --archives = every zip; --archives=never = none. The value needs the `=`
    #[arg(
        long,
        value_enum,
        value_name = "WHICH",
        num_args = 0..=1,
        require_equals = true,
        default_value_t = ArchiveMode::Auto,
        default_missing_value = "all"
    )]
    pub archives: ArchiveMode,

    /// Honour only `stray:allow`, not other scanners' inline markers (gitleaks:allow,
    /// pragma: allowlist secret, trufflehog:ignore)
    #[arg(long)]
    pub no_peer_allow: bool,

    /// Vault export or fingerprint file to reconcile against (repeatable; format detected)
    #[arg(long, value_name = "FILE", value_parser = path_value)]
    pub vault: Vec<PathBuf>,

    #[command(flatten)]
    pub vault_format: VaultFormatArgs,

    /// Days after which a vaulted credential is overdue for rotation [default: by criticality
    /// tier: high 90, medium 180, low 365]
    #[arg(long, value_name = "DAYS")]
    pub max_age: Option<i64>,

    /// What fails the scan (exit 1), comma-separated [default: unvaulted with --vault, any
    /// without]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "WHAT")]
    pub fail_on: Vec<FailOn>,

    /// Worker threads (0 = one per core)
    #[arg(long, default_value_t = 0)]
    pub threads: usize,

    /// No progress line and no warnings on standard error, and no table summary when nothing
    /// was found
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// List on standard error every file skipped and why (too large, binary, unreadable,
    /// excluded, an archive not opened)
    #[arg(short, long)]
    pub verbose: bool,

    /// Report only findings not recorded in this baseline (exceptions expire; see README)
    #[arg(long, value_name = "FILE", value_parser = path_value)]
    pub baseline: Option<PathBuf>,

    /// Name for what standard input holds, as reported (`stray scan - --stdin-name app.env`);
    /// the name also decides the location kind and how the content is decoded
    #[arg(long, value_name = "NAME", default_value = "stdin")]
    pub stdin_name: String,

    /// Read settings from this file instead of the nearest .stray.toml
    #[arg(long, value_name = "FILE", value_parser = path_value, conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore any .stray.toml
    #[arg(long)]
    pub no_config: bool,
}

impl TargetArgs {
    /// `stray scan -`: the content comes from standard input.
    pub fn reads_stdin(&self) -> bool {
        self.paths.iter().any(|p| p.as_os_str() == "-")
    }

    /// Refuses, before anything is read, what cannot mean what the user typed.
    pub fn check(&self) -> Result<()> {
        if self.old_git_all {
            bail!("--all is not an option of its own: scan every ref with --git=--all");
        }
        if self.reads_stdin() {
            if self.paths.len() > 1 || self.home || self.staged || self.git.is_some() {
                bail!(
                    "- reads standard input: give it alone, without other paths, --home, \
                     --staged or --git"
                );
            }
            if std::io::stdin().is_terminal() {
                bail!("- reads standard input, but it is a terminal: pipe something in");
            }
        }
        if let Some(revspec) = &self.git {
            // `--git origin/main..HEAD` was the old form; the range is now a path word.
            for path in &self.paths {
                if !path.exists() {
                    bail!(
                        "--git: {} is not a directory of a repository; to scan a range of \
                         commits, write it after '=': --git={} (bare --git scans all history \
                         from {revspec})",
                        path.display(),
                        path.display()
                    );
                }
            }
        }
        if let Some(wanted) = &self.credential {
            fingerprint_prefix(wanted)?;
        }
        Ok(())
    }
}

#[derive(Args)]
pub struct RuleArgs {
    /// Extra rule pack: a TOML file or a directory of them (repeatable)
    #[arg(long = "rules", value_name = "PATH", value_parser = path_value)]
    pub packs: Vec<PathBuf>,

    /// Use only the packs given with --rules
    #[arg(long)]
    pub no_builtin_rules: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args)]
pub struct VaultFormatArgs {
    /// Read every export as this format instead of detecting it
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub vault_format: Option<VaultFormat>,
    /// Vault or project name for exports that do not carry one (Doppler, dotenv)
    #[arg(long, value_name = "NAME")]
    pub vault_name: Option<String>,
}

/// Built-in packs (unless disabled) plus every `--rules` pack, each team rule self-tested.
pub fn load_rules(args: &RuleArgs) -> Result<RuleSet> {
    let mut set = if args.no_builtin_rules {
        RuleSet::default()
    } else {
        RuleSet::builtin()?
    };
    let builtin_count = set.len();
    for path in &args.packs {
        set.add_path(path)?;
    }
    let failures = selftest::check_each(&set.rules()[builtin_count..])?;
    if let Some(first) = failures.first() {
        bail!(
            "{first}{}",
            if failures.len() > 1 {
                format!(" (and {} more problems)", failures.len() - 1)
            } else {
                String::new()
            }
        );
    }
    if set.is_empty() {
        bail!("no rules to scan with: --no-builtin-rules needs at least one --rules pack");
    }
    Ok(set)
}

pub fn load_vault(
    paths: &[PathBuf],
    format: &VaultFormatArgs,
    matcher: &Matcher,
) -> Result<VaultIndex> {
    let mut entries = Vec::new();
    for path in paths {
        vault::read_export(
            path,
            format.vault_format,
            Some(matcher),
            format.vault_name.as_deref(),
            &mut entries,
        )?;
    }
    Ok(VaultIndex::new(entries))
}

/// Everything a scan needs, resolved from the command line and `.stray.toml`.
pub struct PreparedScan {
    pub scanner: Scanner,
    pub vault: Option<VaultIndex>,
    pub baseline: Option<Baseline>,
    pub policy: Vec<FailOn>,
    /// `--max-age` or the config's; `None` lets each credential's criticality tier decide.
    pub max_age: Option<i64>,
    /// `.stray.toml` [owners] and [criticality], most specific first.
    pub owners: Vec<(Selector, String)>,
    pub criticality: Vec<(Selector, Criticality)>,
}

/// The `.stray.toml` that applies: `--config`, else the nearest one above the first root.
fn load_config(args: &TargetArgs) -> Result<Option<Config>> {
    if args.no_config {
        return Ok(None);
    }
    let path = match &args.config {
        Some(path) => Some(path.clone()),
        None => {
            let start = args
                .paths
                .first()
                .cloned()
                .unwrap_or_else(|| PathBuf::from("."));
            Config::discover(&start)
        }
    };
    Ok(path.map(|p| Config::load(&p)).transpose()?)
}

fn parse_fail_on(values: &[String], config: &Path) -> Result<Vec<FailOn>> {
    values
        .iter()
        .map(|value| {
            FailOn::from_str(value, true).map_err(|_| {
                anyhow::anyhow!(
                    "{}: policy.fail_on: unknown value '{value}' (use unvaulted, stray-copy, \
                     rotated-out, overdue or any)",
                    config.display()
                )
            })
        })
        .collect()
}

impl PreparedScan {
    /// `with_baseline`: load the baseline the flags or `.stray.toml` name (`baseline create`
    /// writes one instead, so it need not exist yet).
    pub fn new(args: &TargetArgs, with_baseline: bool) -> Result<PreparedScan> {
        let config = load_config(args)?.unwrap_or_default();
        let mut packs = args.rules.packs.clone();
        packs.extend(config.scan.rules.iter().map(|p| config.resolve(p)));
        let rules = load_rules(&RuleArgs {
            packs,
            no_builtin_rules: args.rules.no_builtin_rules,
        })?;
        let matcher = Matcher::new(rules)?;

        // Read the vault and the baseline first: a malformed file should fail before a long
        // walk, not after it.
        let mut vault_files = args.vault.clone();
        vault_files.extend(config.vault.files.iter().map(|p| config.resolve(p)));
        let vault_format = VaultFormatArgs {
            vault_format: args.vault_format.vault_format,
            vault_name: args
                .vault_format
                .vault_name
                .clone()
                .or_else(|| config.vault.name.clone()),
        };
        let vault = if vault_files.is_empty() {
            None
        } else {
            Some(load_vault(&vault_files, &vault_format, &matcher)?)
        };
        if let Some(index) = &vault
            && index.entries().is_empty()
            && !args.quiet
        {
            eprintln!(
                "stray: warning: the vault ({}) holds no secrets: every credential will be \
                 unvaulted; is it the right export?",
                vault_files
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let baseline_path = args
            .baseline
            .clone()
            .or_else(|| config.policy.baseline.as_ref().map(|p| config.resolve(p)));
        let baseline = baseline_path
            .filter(|_| with_baseline)
            .map(|p| Baseline::load(&p))
            .transpose()?;

        let policy = if !args.fail_on.is_empty() {
            args.fail_on.clone()
        } else if !config.policy.fail_on.is_empty() {
            parse_fail_on(&config.policy.fail_on, &config.path)?
        } else if vault.is_some() {
            vec![FailOn::Unvaulted]
        } else {
            vec![FailOn::Any]
        };
        let needs_vault: Vec<String> = policy
            .iter()
            .filter(|p| p.needs_vault())
            .map(|p| p.name())
            .collect();
        if vault.is_none() && !needs_vault.is_empty() && !args.quiet {
            eprintln!(
                "stray: warning: --fail-on {} needs --vault (vault status and age come from the \
                 vault); without one it can never fail",
                needs_vault.join(",")
            );
        }
        let max_age = args.max_age.or(config.policy.max_age);
        let in_config = |section: &str| {
            let path = config.path.display().to_string();
            let section = section.to_string();
            move |e: String| anyhow::anyhow!("{path}: [{section}] {e}")
        };
        let owners = governance::selectors(&config.owners).map_err(in_config("owners"))?;
        let criticality =
            governance::selectors(&config.criticality).map_err(in_config("criticality"))?;
        let max_file_size = match (args.max_file_size, &config.scan.max_file_size) {
            (Some(size), _) => size,
            (None, Some(text)) => parse_size(text).map_err(|e| {
                anyhow::anyhow!("{}: scan.max_file_size: {e}", config.path.display())
            })?,
            (None, None) => DEFAULT_MAX_FILE_SIZE,
        };

        // `./code/**` is how people write a path under the root; globs see `code/…`.
        let excludes = args
            .exclude
            .iter()
            .chain(&config.scan.exclude)
            .map(|glob| glob.strip_prefix("./").unwrap_or(glob).to_string())
            .collect();
        let options = ScanOptions {
            walk: WalkOptions {
                roots: Vec::new(),
                respect_gitignore: args.respect_gitignore
                    || config.scan.respect_gitignore.unwrap_or(false),
                follow_links: args.follow,
                excludes,
                skip_dirs: Vec::new(),
                threads: args.threads,
            },
            max_file_size,
            archives: args.archives,
            archive_limits: ArchiveLimits::default(),
            peer_allow_markers: !args.no_peer_allow && config.scan.peer_allow.unwrap_or(true),
            list_skipped: args.verbose,
            chunking: Chunking::default(),
        };
        let options = with_roots(args, options)?;
        Ok(PreparedScan {
            scanner: Scanner::new(matcher, options)?,
            vault,
            baseline,
            policy,
            max_age,
            owners,
            criticality,
        })
    }

    /// Walks, reconciles with the vault and applies suppressions.
    pub fn run(&self, args: &TargetArgs, apply_baseline: bool) -> Result<ScanOutcome> {
        let counters = Progress::default();
        let show_progress = !args.quiet && std::io::stderr().is_terminal();
        let mut outcome = progress::while_running(show_progress, &counters, || {
            if args.staged {
                self.scan_staged(args)
            } else if let Some(revspec) = &args.git {
                self.scan_history(args, revspec, &counters)
            } else if args.reads_stdin() {
                self.scan_stdin(&args.stdin_name)
            } else {
                Ok(self.scanner.scan(&counters)?)
            }
        })?;
        outcome.info.rule_pack = Some(stray::rules::pack_version(self.scanner.matcher().rules()));
        outcome.info.roots = if args.reads_stdin() {
            vec!["-".to_string()]
        } else {
            absolute_roots(&self.scanner.options().walk.roots)
        };
        if let Some(wanted) = &args.credential {
            select_credential(
                &mut outcome.findings,
                wanted,
                |f| &f.fingerprint,
                |f| format!("{} {}", f.rule_id, f.redacted),
            )?;
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
        let machine_user = args.home.then_some(outcome.info.user.as_str());
        // A plain scan of a repository: the author of each line can own what it added. Only
        // tracked files have authors; each file is blamed once, for every line any finding
        // has in it, and only when a finding needs it.
        // Listing the repository's files costs a git run: only when there is something to own.
        let tracked =
            if args.home || args.staged || args.git.is_some() || outcome.findings.is_empty() {
                None
            } else {
                git::repo_root(args.paths.first().map_or(Path::new("."), PathBuf::as_path))
                    .ok()
                    .and_then(|root| git::tracked_files(&root))
            };
        let authors = tracked.map(|tracked| {
            git::LineAuthors::new(
                outcome.findings.iter().flat_map(|f| &f.locations),
                tracked,
                BLAME_FILE_LIMIT,
            )
        });
        let blame = |location: &stray::Location| authors.as_ref()?.author(location);
        let blame: Option<governance::Blame<'_>> = authors.is_some().then_some(&blame as _);
        governance::assign_owners(&mut outcome.findings, &self.owners, blame, machine_user);
        let baseline = if apply_baseline {
            self.baseline.as_ref()
        } else {
            None
        };
        let base = Self::location_base(args)?;
        let applied = baseline::apply(
            &mut outcome.findings,
            baseline,
            outcome.info.scanned_at,
            &base,
        );
        if let Some(baseline) = baseline
            && !args.quiet
        {
            warn_unmatched_baseline(baseline, applied, outcome.findings.len());
        }
        let (suppressed, active): (Vec<_>, Vec<_>) = outcome
            .findings
            .drain(..)
            .partition(|f| f.fully_suppressed());
        outcome.findings = active;
        outcome.suppressed = suppressed;
        if !args.quiet {
            print_warnings(&outcome.warnings, args.verbose);
        }
        if args.verbose {
            print_skipped(&outcome.skipped);
        }
        Ok(outcome)
    }
}

impl PreparedScan {
    /// What relative location paths are relative to: the repository root for `--staged` and
    /// `--git`, the working directory otherwise.
    fn location_base(args: &TargetArgs) -> Result<PathBuf> {
        if args.staged || args.git.is_some() {
            Self::repository(args)
        } else {
            Ok(PathBuf::from("."))
        }
    }

    /// Standard input as one in-memory file named `name`, read up to the file size limit.
    fn scan_stdin(&self, name: &str) -> Result<ScanOutcome> {
        use std::io::Read;
        let limit = self.scanner.options().max_file_size;
        let mut content = Vec::new();
        std::io::stdin()
            .lock()
            .take(limit.saturating_add(1))
            .read_to_end(&mut content)
            .context("cannot read standard input")?;
        let mut scan = self.scanner.in_memory();
        if content.len() as u64 > limit {
            scan.skipped_too_large(Path::new(name));
        } else {
            scan.add(Path::new(name), &content, None, &|_| true);
        }
        Ok(scan.finish())
    }

    fn repository(args: &TargetArgs) -> Result<PathBuf> {
        let start = args
            .paths
            .first()
            .cloned()
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(git::repo_root(&start)?)
    }

    /// The index: each added or changed file's staged content, keeping added lines only.
    fn scan_staged(&self, args: &TargetArgs) -> Result<ScanOutcome> {
        let root = Self::repository(args)?;
        let staged = git::staged(&root, self.scanner.options().max_file_size)?;
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
        args: &TargetArgs,
        revspec: &str,
        counters: &Progress,
    ) -> Result<ScanOutcome> {
        let root = Self::repository(args)?;
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
                scan.add(&origin.path, content, Some(&commit), &|_| true);
                counters.files.fetch_add(1, Ordering::Relaxed);
                counters
                    .bytes
                    .fetch_add(content.len() as u64, Ordering::Relaxed);
            },
        )?;
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

/// A pull request that edits a file which already held a credential on its base branch did
/// not add that credential: keep only places whose secret the base version of the file lacks.
fn drop_places_already_in_base(root: &Path, base: &str, outcome: &mut ScanOutcome) -> Result<()> {
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

/// Roots and skip lists: the paths given, or the home walk.
fn with_roots(args: &TargetArgs, mut options: ScanOptions) -> Result<ScanOptions> {
    let mut skip_dirs: Vec<String> = if args.no_default_skips {
        Vec::new()
    } else {
        DEFAULT_SKIP_DIRS
            .iter()
            .map(|s| s.to_string())
            .filter(|s| !args.no_skip.contains(s))
            .collect()
    };
    skip_dirs.extend(args.skip_dir.iter().cloned());
    let mut roots = args.paths.clone();
    if args.home {
        let home = laptop::home_dir().context("--home: neither HOME nor USERPROFILE is set")?;
        if !args.no_default_skips {
            skip_dirs = laptop::home_skip_dirs(&skip_dirs)
                .into_iter()
                .filter(|s| !args.no_skip.contains(s))
                .collect();
        }
        let probe = WalkOptions {
            skip_dirs: skip_dirs.clone(),
            ..WalkOptions::default()
        };
        let filter = PathFilter::new(&probe)?;
        roots.extend(laptop::hidden_known_locations(&home, &filter));
        roots.push(home);
    }
    if roots.is_empty() {
        roots.push(PathBuf::from("."));
    }
    options.walk.roots = roots;
    options.walk.skip_dirs = skip_dirs;
    Ok(options)
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

/// `stray scan`: report, and exit by the policy.
pub fn scan(args: ScanArgs) -> Result<u8> {
    args.target.check()?;
    match &args.record {
        // `stray scan --record ~/code` used to take `~/code` as the database.
        Some(Some(db)) if db.is_dir() => bail!(
            "--record={} is a directory, not a database: name a file, such as --record={}",
            db.display(),
            db.join("inventory.db").display()
        ),
        Some(None) => {
            if let Some(db) = args.target.paths.iter().find(|p| looks_like_database(p)) {
                bail!(
                    "--record takes its database only after '=': write --record={} ({} would \
                     be scanned as a path, and the scan recorded in the default database)",
                    db.display(),
                    db.display()
                );
            }
        }
        _ => {}
    }
    let outputs = report_formats(&args)?;
    // Opened before the walk: an unwritable path should fail in a second, not after an hour.
    let mut reports = Vec::with_capacity(outputs.len());
    for (path, format) in outputs {
        reports.push((ReportOut::open(path)?, format));
    }
    let mut prepared = PreparedScan::new(&args.target, true)?;
    // An old report being replaced is not a place of what it reports.
    let own: Vec<PathBuf> = reports.iter().flat_map(|(out, _)| out.files()).collect();
    prepared.scanner.leave_out(&own);
    let outcome = prepared.run(&args.target, true)?;
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_empty()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let report_options = ReportOptions {
        show_secrets: args.show_secrets,
        color,
        show_suppressed: args.show_suppressed,
    };
    let rules = prepared.scanner.matcher().rules();
    for (mut report, format) in reports {
        // A quiet clean scan in table form (the pre-commit hook) prints nothing at all.
        let silent = args.target.quiet
            && format == Format::Table
            && report.is_stdout()
            && outcome.findings.is_empty();
        if !silent {
            write_report(format, &outcome, rules, report_options, report.writer())?;
        }
        report.finish(format, args.target.quiet)?;
    }
    // Recorded only once the report is out: a broken database must not cost the report.
    if let Some(db) = &args.record {
        super::inventory::record_scan(db.as_deref(), &outcome, rules.len(), args.target.quiet)?;
    }
    let failed = outcome
        .findings
        .iter()
        .any(|f| violates(f, &prepared.policy));
    Ok(if failed { EXIT_FINDINGS } else { EXIT_CLEAN })
}

/// Each report to write and its format. One `-o`: `--format` if given, else the extension's,
/// else the table. Several: each file's extension decides (else `--format`); a file whose name
/// says nothing and no `--format` is an error, not a silent table.
fn report_formats(args: &ScanArgs) -> Result<Vec<(Option<&Path>, Format)>> {
    match args.output.as_slice() {
        [] => Ok(vec![(None, args.format.unwrap_or(Format::Table))]),
        [one] => {
            let format = args
                .format
                .or_else(|| Format::from_path(one))
                .unwrap_or(Format::Table);
            Ok(vec![(Some(one.as_path()), format)])
        }
        several => several
            .iter()
            .map(|path| match Format::from_path(path).or(args.format) {
                Some(format) => Ok((Some(path.as_path()), format)),
                None => bail!(
                    "cannot tell the format of {} from its name: with several --output files, \
                     name each .json, .jsonl, .sarif, .csv or .md (or give --format for the \
                     others)",
                    path.display()
                ),
            })
            .collect(),
    }
}

/// Where a report goes: standard output, or a file staged up front (so a directory that
/// cannot be written fails at once) and put in place only once the report is complete.
pub struct ReportOut {
    out: Output,
}

impl ReportOut {
    pub fn open(path: Option<&Path>) -> Result<ReportOut> {
        Ok(ReportOut {
            out: Output::open(path, "report file")?,
        })
    }

    pub fn is_stdout(&self) -> bool {
        self.out.path().is_none()
    }

    pub fn writer(&mut self) -> &mut dyn Write {
        self.out.writer()
    }

    /// The report file and its temporary file, for the walk to leave out.
    pub fn files(&self) -> Vec<PathBuf> {
        self.out.files()
    }

    /// Puts the report in place, and says where it went (the terminal shows nothing else).
    pub fn finish(self, format: Format, quiet: bool) -> Result<()> {
        let path = self.out.path().map(Path::to_path_buf);
        self.finish_quietly()?;
        if let Some(path) = path
            && !quiet
        {
            eprintln!(
                "stray: wrote the {} report to {}",
                format.name(),
                stray::report::printable(&path.display().to_string())
            );
        }
        Ok(())
    }

    pub fn finish_quietly(self) -> Result<()> {
        self.out.commit()
    }
}

/// `stray baseline create`: accept every current finding until an expiry date.
pub fn baseline_create(args: &BaselineCreateArgs) -> Result<u8> {
    args.target.check()?;
    let expires = match &args.expires {
        Some(date) => {
            let Some(end) = baseline::expiry(date) else {
                bail!("--expires {date:?}: use a date such as 2027-03-01");
            };
            if end <= stray::inventory::record_time(jiff::Timestamp::now()) {
                bail!(
                    "--expires {date}: that is in the past, so the baseline would accept \
                     nothing; give a future date"
                );
            }
            Some(date.clone())
        }
        None => None,
    };
    // Every exception needs someone who answers for it; "unknown" is no one.
    let owner = match &args.owner {
        Some(owner) => owner.clone(),
        None => {
            let user = stray::host::user_name();
            if !stray::host::is_known_user(&user) {
                bail!(
                    "no user name in $USER or $LOGNAME: say who answers for these exceptions \
                     with --owner NAME"
                );
            }
            user
        }
    };
    let mut prepared = PreparedScan::new(&args.target, false)?;
    // Opened before the walk, as a scan's report is; in place only once complete.
    let mut out = Output::open(Some(&args.output), "baseline")?;
    prepared.scanner.leave_out(&out.files());
    let outcome = prepared.run(&args.target, false)?;
    let now = outcome.info.scanned_at;
    let expires = match expires {
        Some(date) => date,
        None => {
            let days = jiff::SignedDuration::from_hours(24 * baseline::DEFAULT_EXPIRY_DAYS);
            let end = now.checked_add(days).context("expiry date out of range")?;
            end.strftime("%Y-%m-%d").to_string()
        }
    };
    let anchor = baseline::Anchor::for_file(&args.output);
    let base = PreparedScan::location_base(&args.target)?;
    let acceptance = baseline::Acceptance {
        reason: &args.reason,
        owner: &owner,
        expires: &expires,
        created: now,
        anchor: &anchor,
        base: &base,
    };
    let count = baseline::write(&outcome.findings, &acceptance, out.writer())
        .with_context(|| format!("writing {}", args.output.display()))?;
    out.commit()?;
    eprintln!(
        "stray: baseline {} accepts {count} credential{} until {expires} (owner {owner})",
        args.output.display(),
        if count == 1 { "" } else { "s" },
    );
    Ok(EXIT_CLEAN)
}

/// `stray runbook`: scan, then one Markdown page per credential, most critical first.
pub fn runbook(args: &RunbookArgs) -> Result<u8> {
    if args.inventory || args.db.is_some() || args.leaver.is_some() {
        if let Some(path) = args.target.paths.first() {
            bail!(
                "--inventory, --db and --leaver read the inventory instead of scanning, so {} \
                 cannot be a path to scan (record scans with stray scan --record)",
                path.display(),
            );
        }
        if args.target.home {
            bail!(
                "--inventory, --db and --leaver read the inventory instead of scanning: drop \
                 --home"
            );
        }
        if let Some(wanted) = &args.target.credential {
            fingerprint_prefix(wanted)?;
        }
        let text = super::inventory::runbook_from_inventory(
            args.db.clone(),
            args.leaver.as_deref(),
            args.target.credential.as_deref(),
        )?;
        match &args.output {
            Some(path) => write_runbook(path, &text)?,
            None => print!("{text}"),
        }
        return Ok(EXIT_CLEAN);
    }
    args.target.check()?;
    let prepared = PreparedScan::new(&args.target, true)?;
    let mut outcome = prepared.run(&args.target, true)?;
    stray::runbook::order(&mut outcome.findings);
    let scanned = outcome
        .info
        .scanned_at
        .strftime("%Y-%m-%d %H:%M UTC")
        .to_string();
    let text = stray::runbook::render(&outcome.findings, &scanned);
    match &args.output {
        Some(path) => write_runbook(path, &text)?,
        None => print!("{text}"),
    }
    Ok(EXIT_CLEAN)
}

/// A runbook file, replaced only once written whole.
fn write_runbook(path: &Path, text: &str) -> Result<()> {
    let mut out = Output::open(Some(path), "runbook")?;
    out.writer()
        .write_all(text.as_bytes())
        .with_context(|| format!("cannot write runbook {}", path.display()))?;
    out.commit()
}

#[derive(Args)]
pub struct RunbookArgs {
    /// Write the runbook to FILE instead of standard output
    #[arg(short, long, value_name = "FILE", value_parser = path_value)]
    pub output: Option<PathBuf>,
    /// Do not scan: write the runbook for the credentials the inventory holds now (the latest
    /// scan of each machine), from the default database (as `scan --record` writes it)
    #[arg(long)]
    pub inventory: bool,
    /// Do not scan: as --inventory, from the inventory database DB
    #[arg(long, value_name = "DB", value_parser = path_value)]
    pub db: Option<PathBuf>,
    /// A leaver's runbook from the inventory: every credential USER owns or that was found on a
    /// machine scanned as USER, to revoke within 4 hours
    #[arg(long, value_name = "USER")]
    pub leaver: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Args)]
pub struct BaselineCreateArgs {
    /// Where to write the baseline
    #[arg(
        short,
        long,
        value_name = "FILE",
        default_value = ".stray-baseline.json",
        value_parser = path_value
    )]
    pub output: PathBuf,
    /// Why these findings are accepted
    #[arg(
        long,
        default_value = "accepted when adopting stray; move each into the vault"
    )]
    pub reason: String,
    /// Who answers for them [default: the current user]
    #[arg(long)]
    pub owner: Option<String>,
    /// When the exceptions stop suppressing (a date such as 2027-03-01) [default: in 90 days]
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// A baseline that covers none of a scan's findings is usually applied from the wrong place or
/// made for another tree: say so instead of failing as if nothing had been accepted.
fn warn_unmatched_baseline(baseline: &Baseline, applied: baseline::Applied, findings: usize) {
    if applied.matched_places > 0 || findings == 0 || baseline.is_empty() {
        return;
    }
    if applied.known_elsewhere > 0 {
        eprintln!(
            "stray: warning: baseline {} accepts {} found here, but in other files: its paths \
             are relative to {}",
            baseline.path().display(),
            stray::report::plural(applied.known_elsewhere, "credential"),
            baseline.anchor().dir().display()
        );
    } else {
        eprintln!(
            "stray: warning: baseline {} accepts none of the {} found (its paths are relative to \
             {}); is it this repository's?",
            baseline.path().display(),
            stray::report::plural(findings, "credential"),
            baseline.anchor().dir().display()
        );
    }
}

/// `--verbose`: every file and directory left out, and why, on standard error.
fn print_skipped(skipped: &[stray::scan::Skipped]) {
    let mut err = std::io::stderr().lock();
    for skip in skipped {
        let _ = writeln!(
            err,
            "stray: skipped {}: {}",
            stray::report::printable(&skip.path.display().to_string()),
            skip.reason
        );
    }
}

/// Unreadable files and directories; `all` (`--verbose`) lifts the limit on how many.
fn print_warnings(warnings: &[stray::scan::Warning], all: bool) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let shown = if all { usize::MAX } else { WARNINGS_SHOWN };
    for warning in warnings.iter().take(shown) {
        let _ = match &warning.path {
            Some(path) => writeln!(
                err,
                "stray: warning: {}: {} (skipped)",
                stray::report::printable(&path.display().to_string()),
                warning.message
            ),
            None => writeln!(err, "stray: warning: {}", warning.message),
        };
    }
    if warnings.len() > shown {
        let _ = writeln!(
            err,
            "stray: warning: … and {} more files or directories could not be read",
            warnings.len() - shown
        );
    }
}
