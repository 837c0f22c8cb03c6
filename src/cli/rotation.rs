//! `stray rotation`: when each credential's next rotation is due, from the inventory
//! (`--inventory`, `--db DB`) or from a scan (with `--vault` for the vault's dates), as a table,
//! CSV, JSON or an iCalendar file.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::Args;

use stray::inventory::rotation::{self, Grouping, Origin, RotationFormat, Subject};
use stray::inventory::{self, History};
use stray::names::Named;
use stray::report::ReportOptions;
use stray::report::json::ReportDocument;

use super::EXIT_CLEAN;
use super::args::{named, path_value};
use super::output::Output;
use super::scan::{TargetArgs, load_rules, prepare, run};

#[derive(Args)]
pub struct RotationArgs {
    /// Output format [default: from --output's extension (.ics, .csv, .json), else table]
    #[arg(short, long, value_parser = named::<RotationFormat>())]
    pub format: Option<RotationFormat>,
    /// Write to FILE instead of standard output
    #[arg(short, long, value_name = "FILE", value_parser = path_value)]
    pub output: Option<PathBuf>,
    /// What one calendar event covers (--format ics)
    #[arg(long, value_parser = named::<Grouping>(), default_value = Grouping::Credential.name())]
    pub group: Grouping,
    /// Start the CSV with a UTF-8 byte order mark, for spreadsheet programs that need one to
    /// read UTF-8 (Excel)
    #[arg(long)]
    pub bom: bool,
    /// Do not scan: schedule the credentials the inventory holds now (the latest scan of each
    /// machine), from the default database (as `scan --record` writes it)
    #[arg(long)]
    pub inventory: bool,
    /// Do not scan: as --inventory, from the inventory database DB
    #[arg(long, value_name = "DB", value_parser = path_value)]
    pub db: Option<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
}

impl RotationArgs {
    /// `--inventory` or `--db`: the schedule comes from the inventory, not a scan.
    pub fn reads_inventory(&self) -> bool {
        self.inventory || self.db.is_some()
    }

    fn format(&self) -> RotationFormat {
        self.format
            .or_else(|| self.output.as_deref().and_then(format_of))
            .unwrap_or(RotationFormat::Table)
    }
}

/// The format a file's extension names.
fn format_of(path: &Path) -> Option<RotationFormat> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "ics" | "ical" | "ifb" | "icalendar" => Some(RotationFormat::Ics),
        "csv" => Some(RotationFormat::Csv),
        "json" => Some(RotationFormat::Json),
        _ => None,
    }
}

pub fn rotation(args: &RotationArgs) -> Result<u8> {
    let format = args.format();
    if args.bom && format != RotationFormat::Csv {
        bail!("--bom starts a CSV file: give it with --format csv");
    }
    let rules = load_rules(&args.target.rules)?;
    let now = inventory::now();
    let (subjects, source) = if args.reads_inventory() {
        if let Some(path) = args.target.paths.first() {
            bail!(
                "--inventory and --db read the inventory instead of scanning, so {} cannot be a \
                 path to scan (record scans with stray scan --record)",
                path.display(),
            );
        }
        if args.target.home || !args.target.vault.is_empty() {
            bail!(
                "--inventory and --db read the inventory instead of scanning: drop --home and \
                 --vault (the inventory keeps what each recorded scan's vault said)"
            );
        }
        let (database, name) = super::inventory::open_db(args.db.clone())?;
        let history = History::load(&database)?;
        let mut subjects: Vec<Subject> = history
            .credentials(now)
            .iter()
            .filter(|c| c.present)
            .map(Subject::from_view)
            .collect();
        if let Some(wanted) = &args.target.credential
            && let Some(notice) = stray::pipeline::select_credential(
                &mut subjects,
                wanted,
                |s| &s.id.fingerprint,
                |s| format!("{} {}", s.id.rule, s.id.redacted),
            )?
        {
            eprintln!("stray: {notice}");
        }
        (subjects, format!("inventory {name}"))
    } else {
        args.target.check()?;
        if args.target.vault.is_empty() && !args.target.quiet {
            eprintln!(
                "stray: warning: without --vault no credential's last change is known: each \
                 one's rotation is counted from today"
            );
        }
        let pipeline = prepare(&args.target, true)?;
        let outcome = run(&pipeline, &args.target)?;
        let document = ReportDocument::new(&outcome, ReportOptions::default());
        let scanned = inventory::record_time(outcome.info.scanned_at);
        let subjects: Vec<Subject> = document
            .findings
            .iter()
            .map(|f| Subject::from_report(f, scanned))
            .collect();
        (
            subjects,
            format!("scan of {}", scanned.strftime("%Y-%m-%d %H:%M UTC")),
        )
    };
    let rotations = rotation::schedule(&subjects, rules.rules(), args.target.max_age, now);
    let origin = Origin { source, now };
    let mut out = Output::open(args.output.as_deref(), "file")?;
    if args.bom {
        out.writer().write_all(stray::report::UTF8_BOM)?;
    }
    rotation::write(&rotations, &origin, format, args.group, out.writer())?;
    out.commit()?;
    if let Some(path) = &args.output {
        eprintln!(
            "stray: wrote {} ({}) to {}",
            stray::display::plural(rotations.len(), "rotation"),
            format.name(),
            stray::display::printable(&path.display().to_string())
        );
    }
    Ok(EXIT_CLEAN)
}
