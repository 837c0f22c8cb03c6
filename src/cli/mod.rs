//! The command line: parse arguments, call the library, map the result to an exit code.

mod args;
mod config;
#[cfg(test)]
mod contract;
mod inventory;
mod output;
mod progress;
mod rotation;
mod scan;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use stray::detect::selftest;
use stray::pipeline::VaultSource;
use stray::vault;
use stray::vault::cli_source::CliSource;
use stray::{Matcher, RuleSet};

use scan::{BaselineCreateArgs, RuleArgs, ScanArgs, VaultFormatArgs, load_rules, load_vault};

/// Exit code when the scan ran and found nothing to act on.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code when credentials were found (the policy failed).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code for usage and runtime errors.
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "stray",
    args_override_self = true,
    version,
    about = "Find credentials that live outside the vault",
    long_about = "stray walks a laptop, a repository or a directory tree and reports every \
credential it finds (API keys, tokens, private keys), grouped by credential, with every place \
it occurs. Secrets are redacted unless --show-secrets is given.\n\n\
Exit codes: 0 nothing to act on (nothing found, or only what a baseline or stray:allow \
accepts), 1 the policy failed (by default any credential found; with --vault an unvaulted one; \
see --fail-on), 2 usage or runtime error.\n\n\
Options that take an optional value take it only after '=' (--git=origin/main..HEAD, \
--record=team.db, --archives=never), so a word after a bare --git, --record or --archives is \
always a path."
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
    /// Record accepted findings with an owner, a reason and an expiry date
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Install the git pre-commit hook
    #[command(subcommand)]
    Hook(HookCommand),
    /// Ask each provider whether the credentials found still work (a scan with --validate)
    ///
    /// Exit 0 only when every credential found is refused by its provider; 1 while one works or
    /// could not be checked. --credential FP confirms a revoked one is dead; --record keeps the
    /// evidence in the inventory; --db DB re-checks what this machine's latest recorded scan
    /// found.
    Verify(scan::VerifyArgs),
    /// Scan, then write a revocation runbook: one Markdown page per credential
    Runbook(scan::RunbookArgs),
    /// The living inventory recorded by `scan --record`: credentials with first and last seen
    /// and where they are now (--gone: removed ones); `metrics`, `scans`, `import`
    Inventory(inventory::InventoryArgs),
    /// Write the inventory as one self-contained HTML report (for an auditor; prints to PDF)
    Report(inventory::ReportArgs),
    /// When each credential's next rotation is due, overdue first (--format ics: a calendar)
    ///
    /// The due date comes from the credential's last change and its tier. From a scan (with
    /// --vault for the vault's dates) or the inventory (--inventory, --db DB).
    Rotation(rotation::RotationArgs),
}

#[derive(Subcommand)]
enum HookCommand {
    /// Write .git/hooks/pre-commit to run `stray scan --staged` before every commit
    Install {
        /// Keep an existing pre-commit hook and run it before stray
        #[arg(long)]
        force: bool,
    },
    /// Remove the hook `stray hook install` wrote (a hook kept by --force is put back)
    Uninstall,
}

#[derive(Subcommand)]
enum BaselineCommand {
    /// Scan (same options as `stray scan`) and accept every finding until an expiry date
    Create(BaselineCreateArgs),
}

#[derive(Subcommand)]
enum VaultCommand {
    /// Write a fingerprint file (no plaintext) from vault exports or a vault's CLI, for CI
    Fingerprint {
        /// Vault exports (files or directories)
        #[arg(required_unless_present = "from")]
        exports: Vec<PathBuf>,
        /// Read straight from a vault CLI you are signed in to, nothing written to disk:
        /// op[:VAULT], bw, doppler[:PROJECT/CONFIG], vault:PATH[,PATH…], bws[:PROJECT_ID],
        /// infisical[:ENV], aws[:REGION], gcloud[:PROJECT], az:VAULT; arguments after `--` go
        /// to the tool
        #[arg(long, value_name = "TOOL", value_parser = cli_source_value)]
        from: Option<CliSource>,
        /// Extra arguments for the tool of --from (after `--`)
        #[arg(last = true, requires = "from", value_name = "TOOL_ARGS")]
        tool_args: Vec<String>,
        /// Where to write the fingerprint file
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        #[command(flatten)]
        format: VaultFormatArgs,
    },
}

#[derive(Args)]
struct MergeArgs {
    /// JSON results written by `stray scan --format json`
    #[arg(required = true)]
    results: Vec<PathBuf>,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = MergeFormat::Json)]
    format: MergeFormat,
    /// Write to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `stray merge --format`: CLI-only (a subset of the report formats, so not `report::Format`);
/// clap derives each name from its variant.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MergeFormat {
    /// The merged team view
    Json,
    /// One CSV row per credential
    Inventory,
}

/// `stray rules list --format`: CLI-only; clap derives each name from its variant.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RulesFormat {
    /// One line per rule: id, provider, description
    Table,
    /// Every rule with its class, keywords, validator and origin
    Json,
    /// The provider catalogue, as in docs/rules.md
    Markdown,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// List every rule in use
    List {
        #[command(flatten)]
        rules: RuleArgs,
        /// Output format
        #[arg(short, long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
        /// Same as --format json
        #[arg(long, hide = true, conflicts_with_all = ["markdown", "format"])]
        json: bool,
        /// Same as --format markdown
        #[arg(long, hide = true, conflicts_with = "format")]
        markdown: bool,
        /// Write to FILE instead of standard output
        #[arg(short, long, value_name = "FILE", value_parser = args::path_value)]
        output: Option<PathBuf>,
    },
    /// Validate rule packs and run their examples and negatives
    Check {
        /// Rule pack files or directories
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

/// Parses the command line and runs it; returns the process exit code.
pub fn main() -> u8 {
    // Before any thread starts: under `ulimit -v`, threads share malloc arenas.
    stray::memory::share_malloc_arenas();
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            if runbook_db_without_value(&error) {
                eprintln!(
                    "\nstray runbook --inventory reads the default inventory database; \
                     --db DB names one."
                );
            }
            return if error.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
        }
    };
    let cli = match config::apply(cli, &argv) {
        Ok(cli) => cli,
        Err(error) => return report_error(&error),
    };
    let result = match cli.command {
        Command::Scan(args) => scan::scan(args),
        Command::Laptop(mut args) => {
            if args.target.staged || args.target.git.is_some() {
                eprintln!(
                    "stray: error: stray laptop walks your home directory; --staged and --git \
                     scan a repository: use stray scan --staged or stray scan --git"
                );
                return EXIT_ERROR;
            }
            args.target.home = true;
            scan::scan(args)
        }
        Command::Verify(args) => scan::verify(args),
        Command::Baseline(BaselineCommand::Create(args)) => scan::baseline_create(&args),
        Command::Hook(HookCommand::Install { force }) => hook_install(force),
        Command::Hook(HookCommand::Uninstall) => hook_uninstall(),
        Command::Runbook(args) => scan::runbook(&args),
        Command::Rules(RulesCommand::List {
            rules,
            format,
            json,
            markdown,
            output,
        }) => {
            let format = match (json, markdown) {
                (true, _) => RulesFormat::Json,
                (_, true) => RulesFormat::Markdown,
                _ => format,
            };
            list_rules(&rules, format, output.as_deref())
        }
        Command::Rules(RulesCommand::Check { paths }) => check_rules(&paths),
        Command::Vault(VaultCommand::Fingerprint {
            exports,
            from,
            tool_args,
            output,
            format,
        }) => {
            let mut sources: Vec<VaultSource> =
                exports.iter().map(|p| VaultSource::from_value(p)).collect();
            if let Some(mut cli) = from {
                cli.extra_args = tool_args;
                sources.push(VaultSource::Cli(cli));
            }
            vault_fingerprint(&sources, &output, &format)
        }
        Command::Merge(args) => merge_results(&args),
        Command::Inventory(args) => inventory::run(args),
        Command::Report(args) => inventory::report(&args),
        Command::Rotation(args) => rotation::rotation(&args),
    };
    match result {
        Ok(code) => code,
        // `stray scan | head`: the reader has what it wanted; end quietly, as ripgrep does.
        Err(error) if is_broken_pipe(&error) => EXIT_CLEAN,
        Err(error) => report_error(&error),
    }
}

fn report_error(error: &anyhow::Error) -> u8 {
    // Errors name paths, and a path can hold control characters.
    let message = format!("{error:#}");
    eprintln!("stray: error: {}", stray::display::printable(&message));
    EXIT_ERROR
}

/// `stray runbook --db` alone was the way to read the default database before `--inventory`.
fn runbook_db_without_value(error: &clap::Error) -> bool {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let arg_is_db = matches!(
        error.get(ContextKind::InvalidArg),
        Some(ContextValue::String(arg)) if arg.starts_with("--db")
    );
    error.kind() == ErrorKind::InvalidValue
        && arg_is_db
        && std::env::args().nth(1).as_deref() == Some("runbook")
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(BrokenPipe))
            || cause.downcast_ref::<csv::Error>().is_some_and(
                |e| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe),
            )
    })
}

/// A `--from` value: a tool stray can read from, with its spec.
fn cli_source_value(text: &str) -> std::result::Result<CliSource, String> {
    CliSource::parse(text).ok_or_else(|| {
        format!(
            "not a vault CLI stray reads from; one of: {}",
            vault::cli_source::Tool::ALL
                .iter()
                .map(|t| t.program())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

fn vault_fingerprint(
    sources: &[VaultSource],
    output: &Path,
    format: &VaultFormatArgs,
) -> Result<u8> {
    // The built-in rules decide which values look machine-generated.
    let matcher = Matcher::new(RuleSet::builtin()?)?;
    let index = load_vault(sources, format, &matcher)?;
    let mut out = output::Output::open(Some(output), "fingerprint file")?;
    let summary = vault::fingerprints::write(index.entries(), jiff::Timestamp::now(), out.writer())
        .with_context(|| format!("writing {}", output.display()))?;
    out.commit()?;
    eprintln!(
        "stray: wrote {} to {}; left out {} that look{} human-chosen \
         (a fingerprint of a guessable password would let anyone with the file test guesses)",
        stray::display::plural(summary.written, "fingerprint"),
        output.display(),
        stray::display::plural(summary.omitted_guessable, "value"),
        if summary.omitted_guessable == 1 {
            "s"
        } else {
            ""
        },
    );
    Ok(EXIT_CLEAN)
}

fn hook_install(force: bool) -> Result<u8> {
    let stray = std::env::current_exe().context("cannot tell where the stray binary is")?;
    let installed = stray::hook::install(Path::new("."), &stray, force)?;
    eprintln!("stray: installed {}", installed.hook.display());
    if let Some(chained) = installed.chained {
        eprintln!(
            "stray: the previous hook runs first, from {}",
            chained.display()
        );
    }
    Ok(EXIT_CLEAN)
}

fn hook_uninstall() -> Result<u8> {
    let removed = stray::hook::uninstall(Path::new("."))?;
    match removed.restored {
        Some(restored) => eprintln!(
            "stray: removed stray's hook; the previous one is back at {}",
            restored.display()
        ),
        None => eprintln!("stray: removed {}", removed.hook.display()),
    }
    Ok(EXIT_CLEAN)
}

fn merge_results(args: &MergeArgs) -> Result<u8> {
    // The built-in rules find credentials planted in a result's free text.
    let matcher = stray::Matcher::new(stray::RuleSet::builtin()?)?;
    let mut documents = Vec::with_capacity(args.results.len());
    for path in &args.results {
        documents.push(stray::inventory::merge::read_result(path, &matcher)?);
    }
    let merged = stray::inventory::merge::merge(documents);
    let mut out = output::Output::open(args.output.as_deref(), "file")?;
    match args.format {
        MergeFormat::Json => stray::report::json::write_document(&merged, out.writer())?,
        MergeFormat::Inventory => stray::report::write_inventory(&merged, false, out.writer())?,
    }
    out.commit()?;
    Ok(EXIT_CLEAN)
}

fn list_rules(args: &RuleArgs, format: RulesFormat, output: Option<&Path>) -> Result<u8> {
    let set = load_rules(args)?;
    let mut out = scan::ReportOut::open(output)?;
    let writer = out.writer();
    match format {
        RulesFormat::Markdown => {
            write!(writer, "{}", stray::detect::rules::catalog::markdown(&set))?
        }
        RulesFormat::Json => {
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
            serde_json::to_writer_pretty(&mut *writer, &rules)?;
            writeln!(writer)?;
        }
        RulesFormat::Table => {
            for rule in set.rules() {
                writeln!(
                    writer,
                    "{:<36} {:<16} {}",
                    rule.id, rule.provider, rule.description
                )?;
            }
            writeln!(writer, "{}", stray::display::plural(set.len(), "rule"))?;
        }
    }
    out.finish_quietly()?;
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
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}, {}, {}: {}",
        stray::display::plural(set.len(), "rule"),
        stray::display::plural(examples, "example"),
        stray::display::plural(negatives, "negative"),
        if failures.is_empty() {
            "all pass".to_string()
        } else {
            format!("{} failed", failures.len())
        }
    )?;
    Ok(if failures.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    })
}
