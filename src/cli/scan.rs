//! `stray scan` and `stray baseline create`: resolve options from the command line and
//! `.stray.toml`, run the scan, reconcile, suppress, report.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use stray::config::Config;
use stray::input::archive::{ArchiveLimits, ArchiveMode};
use stray::input::laptop;
use stray::input::walk::{DEFAULT_SKIP_DIRS, PathFilter, WalkOptions};
use stray::judge::baseline;
use stray::judge::governance;
use stray::judge::reconcile::{FailOn, violates};
use stray::names::Named;
use stray::pipeline::{self, Notice, Pipeline, Plan, Source, fingerprint_prefix};
use stray::report::{Format, ReportOptions, write_report};
use stray::scan::{Chunking, DEFAULT_MAX_FILE_SIZE};
use stray::size::parse_size;
use stray::vault::{VaultFormat, VaultIndex};
use stray::{Matcher, Progress, RuleSet, ScanOptions, ScanOutcome};

use super::args::{looks_like_database, named, path_value};
use super::output::Output;
use super::{EXIT_CLEAN, EXIT_FINDINGS, progress};

/// How many file warnings to print before summarising the rest.
const WARNINGS_SHOWN: usize = 20;

#[derive(Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Output format [default: from --output's extension (.json, .jsonl, .sarif, .csv, .md),
    /// else table]
    #[arg(short, long, value_parser = named::<Format>())]
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

    /// Start CSV reports (csv, inventory) with a UTF-8 byte order mark, for spreadsheet
    /// programs that need one to read UTF-8 (Excel)
    #[arg(long)]
    pub bom: bool,

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
        value_parser = named::<ArchiveMode>(),
        value_name = "WHICH",
        num_args = 0..=1,
        require_equals = true,
        default_value = ArchiveMode::Auto.name(),
        default_missing_value = ArchiveMode::All.name()
    )]
    pub archives: ArchiveMode,

    /// Honour only `stray:allow`, not other scanners' inline markers (gitleaks:allow,
    /// pragma: allowlist secret, trufflehog:ignore)
    #[arg(long)]
    pub no_peer_allow: bool,

    /// Vault export or fingerprint file to reconcile against (repeatable; format detected), or
    /// a vault CLI you are signed in to, read with nothing written to disk: op[:VAULT], bw,
    /// doppler[:PROJECT/CONFIG], vault:PATH[,PATH…], bws[:PROJECT_ID], infisical[:ENV],
    /// aws[:REGION], gcloud[:PROJECT], az:VAULT
    #[arg(long, value_name = "FILE|TOOL[:SPEC]", value_parser = path_value)]
    pub vault: Vec<PathBuf>,

    #[command(flatten)]
    pub vault_format: VaultFormatArgs,

    /// Days after which a vaulted credential is overdue for rotation [default: by criticality
    /// tier: high 90, medium 180, low 365]
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..))]
    pub max_age: Option<i64>,

    /// Ask each provider whether the credentials found still work: one read-only HTTPS request
    /// per credential to the provider's own API (see docs/validation.md). Off by default: without
    /// it stray opens no socket
    #[arg(long)]
    pub validate: bool,

    /// What fails the scan (exit 1), comma-separated [default: unvaulted with --vault, any
    /// without]
    #[arg(long, value_parser = named::<FailOn>(), value_delimiter = ',', value_name = "WHAT")]
    pub fail_on: Vec<FailOn>,

    /// Worker threads (0 = one per core; at most 256)
    #[arg(long, default_value_t = 0, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=stray::input::walk::MAX_THREADS as u64))]
    pub threads: usize,

    /// No progress line and no warnings on standard error, and no table summary when nothing
    /// was found
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// List on standard error every file skipped and why (too large, binary, unreadable,
    /// excluded, an archive not opened)
    #[arg(short, long)]
    pub verbose: bool,

    /// Report only findings not recorded in this baseline (exceptions expire; see docs/baselines-and-config.md)
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

    /// The `.stray.toml` whose flags were merged in (`config::apply`), for its `[owners]` and
    /// `[criticality]` maps.
    #[arg(skip)]
    pub repo_config: Option<Config>,
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
    #[arg(long, value_parser = named::<VaultFormat>(), value_name = "FORMAT")]
    pub vault_format: Option<VaultFormat>,
    /// Vault or project name for exports that do not carry one (Doppler, dotenv)
    #[arg(long, value_name = "NAME")]
    pub vault_name: Option<String>,
}

/// Built-in packs (unless disabled) plus every `--rules` pack, each team rule self-tested.
pub fn load_rules(args: &RuleArgs) -> Result<RuleSet> {
    Ok(pipeline::load_rules(&args.packs, !args.no_builtin_rules)?)
}

/// The vault from `sources`, warning (on standard error) of what a CLI could not return.
pub fn load_vault(
    sources: &[pipeline::VaultSource],
    format: &VaultFormatArgs,
    matcher: &Matcher,
) -> Result<VaultIndex> {
    let mut notices = Vec::new();
    let index = pipeline::load_vault_sources(
        sources,
        format.vault_format,
        format.vault_name.as_deref(),
        matcher,
        &mut notices,
    )?;
    print_notices(&notices);
    Ok(index)
}

/// The library's plan for these arguments (`.stray.toml`'s flags already merged in by
/// `config::apply`). `with_baseline`: apply the baseline the flags name (`baseline create`
/// writes one instead, so it need not exist yet).
pub(super) fn plan(args: &TargetArgs, with_baseline: bool) -> Result<Plan> {
    let default = Config::default();
    let config = args.repo_config.as_ref().unwrap_or(&default);
    let in_config = |section: &str| {
        let path = config.path.display().to_string();
        let section = section.to_string();
        move |e: String| anyhow::anyhow!("{path}: [{section}] {e}")
    };
    let owners = governance::selectors(&config.owners).map_err(in_config("owners"))?;
    let criticality =
        governance::selectors(&config.criticality).map_err(in_config("criticality"))?;
    let max_file_size = args.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
    // `./code/**` is how people write a path under the root; globs see `code/…`.
    let excludes = args
        .exclude
        .iter()
        .map(|glob| glob.strip_prefix("./").unwrap_or(glob).to_string())
        .collect();
    let options = ScanOptions {
        walk: WalkOptions {
            roots: Vec::new(),
            respect_gitignore: args.respect_gitignore,
            follow_links: args.follow,
            excludes,
            skip_dirs: Vec::new(),
            threads: args.threads,
        },
        max_file_size,
        archives: args.archives,
        archive_limits: ArchiveLimits::default(),
        peer_allow_markers: !args.no_peer_allow,
        list_skipped: args.verbose,
        chunking: Chunking::default(),
    };
    let start = || {
        args.paths
            .first()
            .cloned()
            .unwrap_or_else(|| PathBuf::from("."))
    };
    let source = if args.staged {
        Source::Staged { start: start() }
    } else if let Some(revspec) = &args.git {
        Source::History {
            start: start(),
            revspec: revspec.clone(),
        }
    } else if args.reads_stdin() {
        Source::Stdin {
            name: args.stdin_name.clone(),
        }
    } else {
        Source::Walk
    };
    Ok(Plan {
        rule_packs: args.rules.packs.clone(),
        builtin_rules: !args.rules.no_builtin_rules,
        vault_files: args.vault.clone(),
        vault_format: args.vault_format.vault_format,
        vault_name: args.vault_format.vault_name.clone(),
        baseline: args.baseline.clone().filter(|_| with_baseline),
        fail_on: args.fail_on.clone(),
        max_age: args.max_age,
        owners,
        criticality,
        options: with_roots(args, options)?,
        source,
        home: args.home,
        credential: args.credential.clone(),
        validate: args.validate,
    })
}

/// The pipeline for these flags, loaded (rules, vault, baseline), with what loading found to
/// say printed.
pub fn prepare(args: &TargetArgs, with_baseline: bool) -> Result<Pipeline> {
    let pipeline = Pipeline::new(plan(args, with_baseline)?)?;
    if !args.quiet {
        print_notices(pipeline.notices());
    }
    Ok(pipeline)
}

/// Runs the pipeline with a progress line, and prints its notices and warnings.
pub fn run(pipeline: &Pipeline, args: &TargetArgs) -> Result<ScanOutcome> {
    let counters = Progress::default();
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let run = progress::while_running(show_progress, &counters, || pipeline.run(&counters))?;
    if !args.quiet {
        print_notices(&run.notices);
        print_warnings(&run.outcome.warnings, args.verbose);
    }
    if args.verbose {
        print_skipped(&run.outcome.skipped);
    }
    Ok(run.outcome)
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

/// `stray verify`: the options of `scan`, and the inventory's files as what to scan.
#[derive(Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub scan: ScanArgs,

    /// Re-check what this machine's latest scan recorded in DB (the files it found credentials
    /// in, read again; with --credential, that one's), and record the result there. Without
    /// paths only
    #[arg(long, value_name = "DB", value_parser = path_value, conflicts_with = "record")]
    pub db: Option<PathBuf>,
}

/// `stray verify`: a validating scan whose exit answers one question, whatever a .stray.toml's
/// policy says: did every provider refuse what was found? (`scan --validate --fail-on …`
/// combines policies.)
pub fn verify(mut args: VerifyArgs) -> Result<u8> {
    args.scan.target.validate = true;
    args.scan.target.fail_on = vec![stray::judge::reconcile::FailOn::NotRefused];
    if let Some(db) = args.db {
        if !args.scan.target.paths.is_empty() || args.scan.target.home {
            bail!("--db finds the files to read in the inventory: give it without paths or --home");
        }
        let database = stray::inventory::Database::open(&db, false)?;
        let history = stray::inventory::History::load(&database)?;
        let machine = stray::host::machine_name();
        let only = args.scan.target.credential.as_deref();
        let files = history.files_on(&machine, only);
        if files.is_empty() {
            bail!(
                "{}: nothing to re-check on {machine}: no file its latest recorded scan found a \
                 credential in{} still exists",
                db.display(),
                only.map(|p| format!(" (credential {p})"))
                    .unwrap_or_default()
            );
        }
        args.scan.target.paths = files;
        args.scan.record = Some(Some(db));
    }
    scan(args.scan)
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
    if args.bom && !outputs.iter().any(|(_, format)| format.is_csv()) {
        bail!("--bom starts a CSV report: give it with --format csv or --format inventory");
    }
    // Opened before the walk: an unwritable path should fail in a second, not after an hour.
    let mut reports = Vec::with_capacity(outputs.len());
    for (path, format) in outputs {
        reports.push((ReportOut::open(path)?, format));
    }
    let mut pipeline = prepare(&args.target, true)?;
    // An old report being replaced is not a place of what it reports.
    let own: Vec<PathBuf> = reports.iter().flat_map(|(out, _)| out.files()).collect();
    pipeline.leave_out(&own);
    let outcome = run(&pipeline, &args.target)?;
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
        bom: args.bom,
    };
    let rules = pipeline.scanner().matcher().rules();
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
        .any(|f| violates(f, pipeline.policy()));
    // The process ends now: freeing thousands of findings and hundreds of compiled rules an
    // allocation at a time would only delay the exit (milliseconds on a home directory).
    std::mem::forget(outcome);
    std::mem::forget(pipeline);
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
            out: Output::open_report(path, "report file")?,
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
                stray::display::printable(&path.display().to_string())
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
    let mut pipeline = prepare(&args.target, false)?;
    // Opened before the walk, as a scan's report is; in place only once complete.
    let mut out = Output::open(Some(&args.output), "baseline")?;
    pipeline.leave_out(&out.files());
    let outcome = run(&pipeline, &args.target)?;
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
    let base = pipeline.location_base()?;
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
    if args.reads_inventory() {
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
            &load_rules(&args.target.rules)?,
        )?;
        match &args.output {
            Some(path) => write_runbook(path, &text)?,
            None => print!("{text}"),
        }
        return Ok(EXIT_CLEAN);
    }
    args.target.check()?;
    let pipeline = prepare(&args.target, true)?;
    let mut outcome = run(&pipeline, &args.target)?;
    stray::report::runbook::order(&mut outcome.findings);
    let scanned = outcome
        .info
        .scanned_at
        .strftime("%Y-%m-%d %H:%M UTC")
        .to_string();
    let rules = pipeline.scanner().matcher().rules();
    let text = stray::report::runbook::render(&outcome.findings, rules, &scanned);
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

impl RunbookArgs {
    /// `--inventory`, `--db` or `--leaver`: the runbook comes from the inventory, not a scan.
    pub fn reads_inventory(&self) -> bool {
        self.inventory || self.db.is_some() || self.leaver.is_some()
    }
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

fn print_notices(notices: &[Notice]) {
    for notice in notices {
        match notice {
            // Not a warning: what the runbook's verify step hopes to read.
            Notice::CredentialNotFound(_) => eprintln!("stray: {notice}"),
            _ => eprintln!("stray: warning: {notice}"),
        }
    }
}

/// `--verbose`: every file and directory left out, and why, on standard error.
fn print_skipped(skipped: &[stray::scan::Skipped]) {
    let mut err = std::io::stderr().lock();
    for skip in skipped {
        let _ = writeln!(
            err,
            "stray: skipped {}: {}",
            stray::display::printable(&skip.path.display().to_string()),
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
                stray::display::printable(&path.display().to_string()),
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
