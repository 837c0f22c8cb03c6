//! The command line: parse arguments, call the library, map the result to an exit code.

mod inventory;
mod progress;
mod scan;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use stray::rules::selftest;
use stray::vault;
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
    /// Record accepted findings with an owner, a reason and an expiry date
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Install the git pre-commit hook
    #[command(subcommand)]
    Hook(HookCommand),
    /// Scan, then write a revocation runbook: one Markdown page per credential
    Runbook(scan::RunbookArgs),
    /// The living inventory recorded by `scan --record`: credentials with first and last seen
    /// and where they are now (--gone: removed ones); `metrics`, `scans`, `import`
    Inventory(inventory::InventoryArgs),
    /// Write the inventory as one self-contained HTML report (for an auditor; prints to PDF)
    Report(inventory::ReportArgs),
}

#[derive(Subcommand)]
enum HookCommand {
    /// Write .git/hooks/pre-commit to run `stray scan --staged` before every commit
    Install {
        /// Keep an existing pre-commit hook and run it before stray
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum BaselineCommand {
    /// Scan (same options as `stray scan`) and accept every finding until an expiry date
    Create(BaselineCreateArgs),
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
        Command::Scan(args) => scan::scan(args),
        Command::Laptop(mut args) => {
            args.target.home = true;
            scan::scan(args)
        }
        Command::Baseline(BaselineCommand::Create(args)) => scan::baseline_create(&args),
        Command::Hook(HookCommand::Install { force }) => hook_install(force),
        Command::Runbook(args) => scan::runbook(&args),
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
        Command::Inventory(args) => inventory::run(args),
        Command::Report(args) => inventory::report(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("stray: error: {error:#}");
            EXIT_ERROR
        }
    }
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
        "stray: wrote {} fingerprints to {}; left out {} that look human-chosen \
         (a fingerprint of a guessable password would let anyone with the file test guesses)",
        summary.written,
        output.display(),
        stray::report::plural(summary.omitted_guessable, "value"),
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
