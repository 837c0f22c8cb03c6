//! The command line: parse arguments, call the library, map the result to an exit code.

mod progress;

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use stray::archive::{ArchiveLimits, ArchiveMode};
use stray::laptop;
use stray::reconcile::{DEFAULT_MAX_AGE_DAYS, FailOn, reconcile, violates};
use stray::report::{Format, ReportOptions, write_report};
use stray::rules::selftest;
use stray::size::parse_size;
use stray::vault::{self, VaultFormat, VaultIndex};
use stray::walk::{DEFAULT_SKIP_DIRS, PathFilter, WalkOptions};
use stray::{Matcher, Progress, RuleSet, ScanOptions, Scanner};

/// Exit code when the scan ran and found nothing to act on.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code when credentials were found (the policy failed).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code for usage and runtime errors.
pub const EXIT_ERROR: u8 = 2;

/// How many file warnings to print before summarising the rest.
const WARNINGS_SHOWN: usize = 20;

#[derive(Parser)]
#[command(
    name = "stray",
    version,
    about = "Find credentials that live outside the vault",
    long_about = "stray walks a laptop, a repository or a directory tree and reports every \
credential it finds (API keys, tokens, private keys), grouped by credential, with every place \
it occurs. Secrets are redacted unless --show-secrets is given.\n\n\
Exit codes: 0 nothing found, 1 credentials found, 2 usage or runtime error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan files and directories for credentials
    Scan(ScanArgs),
    /// Scan this laptop's home directory (same as `scan --home`)
    Laptop(ScanArgs),
    /// List or check rule packs
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Work with vault exports
    #[command(subcommand)]
    Vault(VaultCommand),
    /// Join JSON results of several laptops into one team view, grouped by fingerprint
    Merge(MergeArgs),
}

#[derive(Subcommand)]
enum VaultCommand {
    /// Write a fingerprint file (no plaintext) from vault exports, for CI
    Fingerprint {
        /// Vault exports (files or directories)
        #[arg(required = true)]
        exports: Vec<PathBuf>,
        /// Where to write the fingerprint file
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        #[command(flatten)]
        format: VaultFormatArgs,
    },
}

#[derive(Args)]
struct VaultFormatArgs {
    /// Read every export as this format instead of detecting it
    #[arg(long, value_enum, value_name = "FORMAT")]
    vault_format: Option<VaultFormat>,
    /// Vault or project name for exports that do not carry one (Doppler, dotenv)
    #[arg(long, value_name = "NAME")]
    vault_name: Option<String>,
}

#[derive(Args)]
struct MergeArgs {
    /// JSON results written by `stray scan --format json`
    #[arg(required = true)]
    results: Vec<PathBuf>,
    /// json (the merged team view) or inventory (one CSV row per credential)
    #[arg(short, long, value_enum, default_value_t = MergeFormat::Json)]
    format: MergeFormat,
    /// Write to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MergeFormat {
    Json,
    Inventory,
}

#[derive(Args)]
struct ScanArgs {
    /// Files or directories to scan (default: the current directory, unless --home)
    paths: Vec<PathBuf>,

    /// Walk this user's home: shell profiles, cloud CLIs, package managers, AI tools, git
    /// credentials and projects, skipping media, caches, toolchains and app bundles
    #[arg(long)]
    home: bool,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    format: Format,

    /// Write the report to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Print secrets in full (they are redacted by default)
    #[arg(long)]
    show_secrets: bool,

    #[command(flatten)]
    rules: RuleArgs,

    /// Skip files that .gitignore, .ignore and git's excludes ignore (for repository scans)
    #[arg(long)]
    respect_gitignore: bool,

    /// Leave out files or directories matching GLOB (by name or by path under the root)
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,

    /// Skip files larger than SIZE (e.g. 25MiB, 512K)
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "25MiB")]
    max_file_size: u64,

    /// Follow symbolic links (loops are detected and reported)
    #[arg(long)]
    follow: bool,

    /// Scan inside a directory that is skipped by default (e.g. --no-skip node_modules)
    #[arg(long, value_name = "DIR")]
    no_skip: Vec<String>,

    /// Scan inside every directory that is skipped by default
    #[arg(long)]
    no_default_skips: bool,

    /// Also skip directories with this name (or parent/name)
    #[arg(long, value_name = "DIR")]
    skip_dir: Vec<String>,

    /// Open zip archives: auto = those holding a chat export (Slack, ChatGPT, Claude, Discord);
    /// a bare --archives = every zip; never = none
    #[arg(
        long,
        value_enum,
        value_name = "WHICH",
        num_args = 0..=1,
        default_value_t = ArchiveMode::Auto,
        default_missing_value = "all"
    )]
    archives: ArchiveMode,

    /// Vault export or fingerprint file to reconcile against (repeatable; format detected)
    #[arg(long, value_name = "FILE")]
    vault: Vec<PathBuf>,

    #[command(flatten)]
    vault_format: VaultFormatArgs,

    /// Days after which a vaulted credential is overdue for rotation
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_MAX_AGE_DAYS)]
    max_age: i64,

    /// What fails the scan (exit 1), comma-separated [default: unvaulted with --vault, any
    /// without]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "WHAT")]
    fail_on: Vec<FailOn>,

    /// Worker threads (0 = one per core)
    #[arg(long, default_value_t = 0)]
    threads: usize,

    /// No progress line and no warnings on standard error
    #[arg(short, long)]
    quiet: bool,

    /// Colour in the table format
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Args)]
struct RuleArgs {
    /// Extra rule pack: a TOML file or a directory of them (repeatable)
    #[arg(long = "rules", value_name = "PATH")]
    packs: Vec<PathBuf>,

    /// Use only the packs given with --rules
    #[arg(long)]
    no_builtin_rules: bool,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// List every rule in use
    List {
        #[command(flatten)]
        rules: RuleArgs,
        /// Print JSON instead of a table
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print the provider catalogue as Markdown (as in README.md)
        #[arg(long)]
        markdown: bool,
    },
    /// Validate rule packs and run their examples and negatives
    Check {
        /// Rule pack files or directories
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Parses the command line and runs it; returns the process exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
        }
    };
    let result = match cli.command {
        Command::Scan(args) => scan(args),
        Command::Laptop(args) => scan(ScanArgs { home: true, ..args }),
        Command::Rules(RulesCommand::List {
            rules,
            json,
            markdown,
        }) => list_rules(&rules, json, markdown),
        Command::Rules(RulesCommand::Check { paths }) => check_rules(&paths),
        Command::Vault(VaultCommand::Fingerprint {
            exports,
            output,
            format,
        }) => vault_fingerprint(&exports, &output, &format),
        Command::Merge(args) => merge_results(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("stray: error: {error:#}");
            EXIT_ERROR
        }
    }
}

/// Built-in packs (unless disabled) plus every `--rules` pack, each team rule self-tested.
fn load_rules(args: &RuleArgs) -> Result<RuleSet> {
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

fn load_vault(
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

fn scan(args: ScanArgs) -> Result<u8> {
    let rules = load_rules(&args.rules)?;
    let matcher = Matcher::new(rules)?;
    // Read the vault first: a malformed export should fail before a long walk, not after.
    let vault_index = if args.vault.is_empty() {
        None
    } else {
        Some(load_vault(&args.vault, &args.vault_format, &matcher)?)
    };
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
    let options = ScanOptions {
        walk: WalkOptions {
            roots,
            respect_gitignore: args.respect_gitignore,
            follow_links: args.follow,
            excludes: args.exclude.clone(),
            skip_dirs,
            threads: args.threads,
        },
        max_file_size: args.max_file_size,
        archives: args.archives,
        archive_limits: ArchiveLimits::default(),
    };
    let scanner = Scanner::new(matcher, options)?;
    let counters = Progress::default();
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let mut outcome =
        progress::while_running(show_progress, &counters, || scanner.scan(&counters))?;
    if let Some(index) = &vault_index {
        reconcile(
            &mut outcome.findings,
            index,
            outcome.info.scanned_at,
            args.max_age,
        );
    }
    let policy = match (args.fail_on.is_empty(), vault_index.is_some()) {
        (false, _) => args.fail_on.clone(),
        (true, true) => vec![FailOn::Unvaulted],
        (true, false) => vec![FailOn::Any],
    };

    if !args.quiet {
        print_warnings(&outcome.warnings);
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let report_options = ReportOptions {
        show_secrets: args.show_secrets,
        color,
    };
    let rules = scanner.matcher().rules();
    match &args.output {
        Some(path) => {
            let file = File::create(path)
                .with_context(|| format!("cannot create report file {}", path.display()))?;
            let mut out = BufWriter::new(file);
            write_report(args.format, &outcome, rules, report_options, &mut out)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            write_report(args.format, &outcome, rules, report_options, &mut out)?;
        }
    }
    let failed = outcome.findings.iter().any(|f| violates(f, &policy));
    Ok(if failed { EXIT_FINDINGS } else { EXIT_CLEAN })
}

fn vault_fingerprint(exports: &[PathBuf], output: &Path, format: &VaultFormatArgs) -> Result<u8> {
    // The built-in rules decide which values look machine-generated.
    let matcher = Matcher::new(RuleSet::builtin()?)?;
    let index = load_vault(exports, format, &matcher)?;
    let file = File::create(output)
        .with_context(|| format!("cannot create fingerprint file {}", output.display()))?;
    let mut out = BufWriter::new(file);
    let summary = vault::fingerprints::write(index.entries(), jiff::Timestamp::now(), &mut out)
        .and_then(|summary| out.flush().map(|()| summary))
        .with_context(|| format!("writing {}", output.display()))?;
    eprintln!(
        "stray: wrote {} fingerprints to {}; left out {} value{} that look human-chosen \
         (a fingerprint of a guessable password would let anyone with the file test guesses)",
        summary.written,
        output.display(),
        summary.omitted_guessable,
        if summary.omitted_guessable == 1 {
            ""
        } else {
            "s"
        },
    );
    Ok(EXIT_CLEAN)
}

fn merge_results(args: &MergeArgs) -> Result<u8> {
    let mut documents = Vec::with_capacity(args.results.len());
    for path in &args.results {
        documents.push(stray::merge::read_result(path)?);
    }
    let merged = stray::merge::merge(documents);
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    match args.format {
        MergeFormat::Json => stray::report::json::write_document(&merged, &mut out)?,
        MergeFormat::Inventory => stray::report::write_inventory(&merged, &mut out)?,
    }
    out.flush()?;
    Ok(EXIT_CLEAN)
}

fn print_warnings(warnings: &[stray::scan::Warning]) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for warning in warnings.iter().take(WARNINGS_SHOWN) {
        let _ = match &warning.path {
            Some(path) => writeln!(
                err,
                "stray: warning: {}: {} (skipped)",
                path.display(),
                warning.message
            ),
            None => writeln!(err, "stray: warning: {}", warning.message),
        };
    }
    if warnings.len() > WARNINGS_SHOWN {
        let _ = writeln!(
            err,
            "stray: warning: … and {} more files or directories could not be read",
            warnings.len() - WARNINGS_SHOWN
        );
    }
}

fn list_rules(args: &RuleArgs, json: bool, markdown: bool) -> Result<u8> {
    let set = load_rules(args)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if markdown {
        write!(out, "{}", stray::rules::catalog::markdown(&set))?;
    } else if json {
        let rules: Vec<_> = set
            .rules()
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id,
                    "provider": r.provider,
                    "class": r.class,
                    "description": r.description,
                    "keywords": r.keywords,
                    "validator": r.validator.map(|v| v.name()),
                    "origin": r.origin,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &rules)?;
        writeln!(out)?;
    } else {
        for rule in set.rules() {
            writeln!(
                out,
                "{:<36} {:<16} {}",
                rule.id, rule.provider, rule.description
            )?;
        }
        writeln!(out, "{} rules", set.len())?;
    }
    out.flush()?;
    Ok(EXIT_CLEAN)
}

fn check_rules(paths: &[PathBuf]) -> Result<u8> {
    let mut set = RuleSet::default();
    for path in paths {
        set.add_path(path)?;
    }
    let failures = selftest::check_each(set.rules())?;
    for failure in &failures {
        eprintln!("stray: {failure}");
    }
    let examples: usize = set.rules().iter().map(|r| r.examples.len()).sum();
    let negatives: usize = set.rules().iter().map(|r| r.negatives.len()).sum();
    println!(
        "{} rules, {} examples, {} negatives: {}",
        set.len(),
        examples,
        negatives,
        if failures.is_empty() {
            "all pass".to_string()
        } else {
            format!("{} failed", failures.len())
        }
    );
    Ok(if failures.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    })
}
