//! `stray inventory` (list, `--gone`, `metrics`, `scans`, `import`), `stray report` and the
//! `--record` step of `stray scan`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};

use stray::inventory::html::{self, HtmlOptions};
use stray::inventory::render::{self, OutputFormat};
use stray::inventory::{self, Database, History, Imported, Period, ScanRecord};
use stray::names::Named;
use stray::report::ReportOptions;
use stray::report::json::ReportDocument;

use super::EXIT_CLEAN;
use super::args::{named, path_value};
use super::output::Output;

#[derive(Args)]
pub struct InventoryArgs {
    #[command(subcommand)]
    command: Option<InventoryCommand>,
    /// The inventory database [default: $STRAY_INVENTORY_DB, else stray/inventory.db in the
    /// platform's data directory: $XDG_DATA_HOME or ~/.local/share on Linux]
    #[arg(long, value_name = "DB", global = true, value_parser = path_value)]
    db: Option<PathBuf>,
    #[command(flatten)]
    list: ListArgs,
}

#[derive(Args)]
struct DbArg {
    /// The inventory database [default: $STRAY_INVENTORY_DB, else stray/inventory.db in the
    /// platform's data directory: $XDG_DATA_HOME or ~/.local/share on Linux]
    #[arg(long, value_name = "DB", value_parser = path_value)]
    db: Option<PathBuf>,
}

#[derive(Args)]
struct OutputArgs {
    /// Output format
    #[arg(short, long, value_parser = named::<OutputFormat>(), default_value = OutputFormat::Table.name())]
    format: OutputFormat,
    /// Write to FILE instead of standard output
    #[arg(short, long, value_name = "FILE", value_parser = path_value)]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct ListArgs {
    /// List credentials gone from the latest scan of every machine that had them, with when
    /// they were last seen and where they were
    #[arg(long, conflicts_with = "all")]
    gone: bool,
    /// List present and gone credentials
    #[arg(long)]
    all: bool,
    /// Only what changed on or after DATE (2026-11-01 is midnight UTC; or an RFC 3339 time):
    /// present credentials first seen then, gone ones removed then
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Subcommand)]
enum InventoryCommand {
    /// Import JSON results (stray scan --format json) from other machines into the database
    Import {
        /// JSON results; each becomes a scan with its own machine, user and time
        #[arg(required = true, value_parser = path_value)]
        results: Vec<PathBuf>,
    },
    /// The maturity numbers: vault share, reference share, rotation SLA, unvaulted over time,
    /// strays removed per period, median days to gone
    Metrics {
        /// Periods for "strays removed"
        #[arg(long, value_parser = named::<Period>(), default_value = Period::Month.name())]
        period: Period,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Record that a credential was revoked; the time to revoke runs until a recorded scan no
    /// longer finds it
    Revoke {
        /// The credential's fingerprint, or at least its first 6 characters
        #[arg(value_name = "FINGERPRINT-PREFIX")]
        fingerprint: String,
        /// When it was revoked (RFC 3339, or a date meaning midnight UTC) [default: now]
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// The recorded scans: time, machine, user, roots, stray version and rule count
    Scans {
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    db: DbArg,
    /// Write the HTML report to FILE instead of standard output
    #[arg(short, long, value_name = "FILE", value_parser = path_value)]
    output: Option<PathBuf>,
    /// The report's title
    #[arg(long, default_value = "Secret sprawl report")]
    title: String,
    /// One rotation limit for every credential on the age histogram, in days (default: each
    /// credential's criticality tier sets its own: high 90, medium 180, low 365)
    #[arg(long, value_name = "DAYS")]
    max_age: Option<i64>,
}

fn db_path(arg: &DbArg) -> Result<PathBuf> {
    arg.db
        .clone()
        .or_else(inventory::default_db_path)
        .ok_or_else(|| {
            anyhow!(
                "no inventory database: give --db DB, or set {} or HOME",
                inventory::DB_ENV
            )
        })
}

/// Standard output, or a file put in place once written whole.
fn output(path: Option<&Path>) -> Result<Output> {
    Output::open(path, "file")
}

/// `stray scan --record[=DB]`: stores the scan after its report has been written.
pub fn record_scan(
    db: Option<&Path>,
    outcome: &stray::ScanOutcome,
    rule_count: usize,
    quiet: bool,
) -> Result<()> {
    let path = match db {
        Some(path) => path.to_path_buf(),
        None => db_path(&DbArg { db: None })?,
    };
    // Secrets are never shown in what is recorded, whatever the report printed.
    let document = ReportDocument::new(
        outcome,
        ReportOptions {
            show_secrets: false,
            show_suppressed: true,
            ..ReportOptions::default()
        },
    );
    let mut record = ScanRecord::from_document(&document, Some(rule_count), "scan".to_string())
        .map_err(|message| anyhow!("cannot record the scan: {message}"))?;
    record.scanned_at = inventory::record_time(record.scanned_at);
    let mut database = Database::open(&path, true)
        .context("the report was written, but the scan was not recorded")?;
    let id = database
        .record(&record)
        .context("the report was written, but the scan was not recorded")?;
    if !quiet {
        eprintln!(
            "stray: recorded scan {id} ({}) in {}",
            stray::display::plural(record.credentials.len(), "credential"),
            path.display()
        );
    }
    Ok(())
}

pub fn run(args: InventoryArgs) -> Result<u8> {
    let db = DbArg { db: args.db };
    let given = &args.list;
    if args.command.is_some()
        && (given.gone
            || given.all
            || given.since.is_some()
            || given.output.output.is_some()
            || given.output.format != OutputFormat::Table)
    {
        bail!(
            "--gone, --all, --since, --format and --output before a subcommand apply to the \
             list: give them after the subcommand (stray inventory metrics --format json)"
        );
    }
    match args.command {
        None => list(&db, &args.list),
        Some(InventoryCommand::Import { results }) => import(&results, &db),
        Some(InventoryCommand::Metrics { period, output }) => metrics(&db, period, &output),
        Some(InventoryCommand::Scans { output }) => scans(&db, &output),
        Some(InventoryCommand::Revoke { fingerprint, at }) => revoke(&db, &fingerprint, at),
    }
}

fn revoke(db: &DbArg, prefix: &str, at: Option<String>) -> Result<u8> {
    let now = inventory::now();
    let revoked_at = match &at {
        Some(text) => inventory::query::parse_since(text).ok_or_else(|| {
            anyhow!("--at {text:?}: use an RFC 3339 time such as 2026-11-01T10:00:00Z or a date")
        })?,
        None => now,
    };
    let (mut database, name) = open(db)?;
    let revocation = database.revoke(prefix, revoked_at, now)?;
    eprintln!(
        "stray: recorded the revocation of {} at {} in {name}; it counts as revoked once a \
         recorded scan no longer finds it",
        &revocation.fingerprint[..12],
        revocation.revoked_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    );
    Ok(EXIT_CLEAN)
}

fn open(arg: &DbArg) -> Result<(Database, String)> {
    let path = db_path(arg)?;
    let database = Database::open(&path, false)?;
    Ok((database, path.display().to_string()))
}

fn list(db: &DbArg, args: &ListArgs) -> Result<u8> {
    let since = match &args.since {
        Some(text) => Some(inventory::query::parse_since(text).ok_or_else(|| {
            anyhow!("--since {text:?}: use a date such as 2026-11-01 or an RFC 3339 time")
        })?),
        None => None,
    };
    let (database, name) = open(db)?;
    let history = History::load(&database)?;
    let now = inventory::now();
    let credentials: Vec<_> = history
        .credentials(now)
        .into_iter()
        .filter(|c| args.all || c.present != args.gone)
        // New since DATE for present credentials, removed since DATE for gone ones.
        .filter(|c| {
            since.is_none_or(|since| match c.gone_at {
                Some(gone) => gone >= since,
                None => c.first_seen >= since,
            })
        })
        .collect();
    let mut out = output(args.output.output.as_deref())?;
    render::write_credentials(
        &credentials,
        &history.scans,
        &name,
        now,
        args.output.format,
        out.writer(),
    )?;
    out.commit()?;
    Ok(EXIT_CLEAN)
}

fn metrics(db: &DbArg, period: Period, args: &OutputArgs) -> Result<u8> {
    let (database, name) = open(db)?;
    let history = History::load(&database)?;
    let metrics = history.metrics(inventory::now(), period);
    let mut out = output(args.output.as_deref())?;
    render::write_metrics(&metrics, &name, args.format, out.writer())?;
    out.commit()?;
    Ok(EXIT_CLEAN)
}

fn scans(db: &DbArg, args: &OutputArgs) -> Result<u8> {
    let (database, _) = open(db)?;
    let history = History::load(&database)?;
    let mut out = output(args.output.as_deref())?;
    render::write_scans(&history.scans, args.format, out.writer())?;
    out.commit()?;
    Ok(EXIT_CLEAN)
}

fn import(results: &[PathBuf], db: &DbArg) -> Result<u8> {
    let path = db_path(db)?;
    let existed = path.exists();
    // The built-in rules find credentials planted in a result's free text.
    let matcher = stray::Matcher::new(stray::RuleSet::builtin()?)?;
    let mut database = Database::open(&path, true)?;
    let mut recorded = 0;
    let outcome = import_each(&mut database, results, &matcher, &mut recorded);
    if outcome.is_err() && !existed && recorded == 0 {
        // A database made for nothing would be mistaken for an inventory later.
        drop(database);
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
    outcome?;
    eprintln!(
        "stray: {recorded} of {} imported into {}",
        stray::display::plural(results.len(), "result"),
        path.display()
    );
    Ok(EXIT_CLEAN)
}

fn import_each(
    database: &mut Database,
    results: &[PathBuf],
    matcher: &stray::Matcher,
    recorded: &mut usize,
) -> Result<()> {
    for result in results {
        match inventory::import(database, result, matcher)? {
            Imported::Recorded { credentials } => {
                *recorded += 1;
                eprintln!(
                    "stray: imported {} ({})",
                    result.display(),
                    stray::display::plural(credentials, "credential")
                );
            }
            Imported::AlreadyPresent => eprintln!(
                "stray: skipped {}: this scan (same machine, user and time) is already recorded",
                result.display()
            ),
        }
    }
    Ok(())
}

/// `stray runbook --inventory`, `--db DB` and `--leaver USER`: the runbook for the credentials the inventory
/// holds now (the latest scan of each machine), with each place's machine. With a leaver, only
/// the credentials they own (owner name, any case) or that are on a machine they scanned as.
pub fn runbook_from_inventory(
    db: Option<PathBuf>,
    leaver: Option<&str>,
    credential: Option<&str>,
) -> Result<String> {
    let (database, name) = open(&DbArg { db })?;
    let history = History::load(&database)?;
    let now = inventory::now();
    let rules = stray::RuleSet::builtin()?;
    let mut credentials: Vec<_> = history
        .credentials(now)
        .into_iter()
        .filter(|c| c.present)
        .filter(|c| match leaver {
            None => true,
            Some(user) => {
                c.custody
                    .owner
                    .as_ref()
                    .is_some_and(|o| o.name.eq_ignore_ascii_case(user))
                    || c.places.iter().any(|p| p.user.eq_ignore_ascii_case(user))
            }
        })
        .collect();
    if let Some(wanted) = credential
        && let Some(notice) = stray::pipeline::select_credential(
            &mut credentials,
            wanted,
            |c| &c.id.fingerprint,
            |c| format!("{} {}", c.id.rule, c.id.redacted),
        )?
    {
        eprintln!("stray: {notice}");
    }
    let mut entries = stray::inventory::runbook::entries(&credentials, &rules);
    stray::report::runbook::order_entries(&mut entries);
    let latest = history
        .scans
        .last()
        .map(|s| s.scanned_at.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "never".to_string());
    let header = stray::report::runbook::Header {
        source: format!(
            "in the latest recorded scan of each machine (inventory {name}, last scan {latest})"
        ),
        leaver: leaver.map(str::to_string),
    };
    Ok(stray::report::runbook::render_entries(&entries, &header))
}

/// `stray report`: the HTML report for an auditor.
pub fn report(args: &ReportArgs) -> Result<u8> {
    if args.max_age.is_some_and(|days| days < 1) {
        bail!("--max-age must be at least 1 day");
    }
    let (database, name) = open(&args.db)?;
    let history = History::load(&database)?;
    let options = HtmlOptions {
        title: args.title.clone(),
        max_age_days: args.max_age,
        database: name,
    };
    let mut out = output(args.output.as_deref())?;
    html::write(&history, inventory::now(), &options, out.writer()).with_context(|| match &args
        .output
    {
        Some(path) => format!("writing {}", path.display()),
        None => "writing the report".to_string(),
    })?;
    out.commit()?;
    if let Some(path) = &args.output {
        eprintln!("stray: wrote {}", path.display());
    }
    Ok(EXIT_CLEAN)
}
