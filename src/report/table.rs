//! The default human report: one block per credential, then its places.

use std::io::Write;

use super::{ReportError, ReportOptions, plaintext};
use crate::display::{plural, printable};
use crate::finding::suppression::Suppression;
use crate::scan::ScanOutcome;

struct Style {
    bold: &'static str,
    dim: &'static str,
    red: &'static str,
    reset: &'static str,
}

const PLAIN: Style = Style {
    bold: "",
    dim: "",
    red: "",
    reset: "",
};
const ANSI: Style = Style {
    bold: "\x1b[1m",
    dim: "\x1b[2m",
    red: "\x1b[31m",
    reset: "\x1b[0m",
};

pub fn write(
    outcome: &ScanOutcome,
    options: ReportOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let s = if options.color { &ANSI } else { &PLAIN };
    for finding in &outcome.findings {
        let places = finding.locations.len();
        let value = if options.show_secrets {
            plaintext(&finding.secret)
        } else {
            finding.redacted.clone()
        };
        write!(
            out,
            "{}{}{} {} {}{}{}  {} place{}  {}{}{}",
            s.bold,
            finding.provider,
            s.reset,
            finding.rule_id,
            s.red,
            value,
            s.reset,
            places,
            if places == 1 { "" } else { "s" },
            s.dim,
            &finding.fingerprint[..12],
            s.reset,
        )?;
        match &finding.vault {
            Some(verdict) => writeln!(out, "  [{}]", verdict.describe())?,
            None => writeln!(out)?,
        }
        if let Some(validation) = &finding.validation {
            let colour = match validation.state {
                crate::finding::validation::LiveState::Live => s.red,
                _ => s.dim,
            };
            writeln!(out, "    {colour}{}{}", validation.describe(), s.reset)?;
        }
        let mut facts = vec![format!("{} criticality", finding.criticality)];
        if let Some(owner) = &finding.owner {
            facts.push(format!("owner {} ({})", owner.name, owner.source));
        }
        if finding.shared() {
            facts.push(format!(
                "{}SHARED by {} consumers{}: {}",
                s.red,
                finding.consumers.len(),
                s.reset,
                finding.consumers.join(", ")
            ));
        }
        writeln!(out, "    {}{}{}", s.dim, facts.join("; "), s.reset)?;
        if let Some(expired) = &finding.expired_exception {
            writeln!(
                out,
                "    {}exception expired {}{} (owner {}: {})",
                s.red, expired.expires, s.reset, expired.owner, expired.reason
            )?;
        }
        for location in &finding.locations {
            write!(
                out,
                "    {}:{}:{}  {}{}{}",
                printable(&crate::pathtext::escaped(&location.path)),
                location.line,
                location.column,
                s.dim,
                location.kind,
                s.reset,
            )?;
            if let Some(context) = &location.context {
                write!(out, "  {}", printable(context))?;
            }
            if let Some(commit) = &location.commit {
                write!(
                    out,
                    "  {}commit {} {} {}{}",
                    s.dim,
                    &commit.id[..commit.id.len().min(12)],
                    commit.author_date,
                    printable(&commit.author),
                    s.reset
                )?;
            }
            writeln!(out)?;
        }
    }
    write_references(outcome, s, out)?;
    if options.show_suppressed {
        write_suppressed(outcome, s, out)?;
    }
    let stats = &outcome.stats;
    let credentials = outcome.findings.len();
    let places: usize = outcome.findings.iter().map(|f| f.locations.len()).sum();
    if credentials > 0 {
        writeln!(out)?;
    }
    writeln!(
        out,
        "{} in {}; {} ({}) scanned, {} skipped, in {} ms",
        plural(credentials, "credential"),
        plural(places, "place"),
        plural(stats.files_scanned as usize, "file"),
        human_bytes(stats.bytes_scanned),
        stats.files_skipped,
        stats.elapsed_ms,
    )?;
    if let Some(summary) = super::json::summary(outcome)
        && outcome.findings.iter().any(|f| f.vault.is_some())
    {
        let c = summary.counts;
        let coverage = summary
            .vault_coverage
            .map(|share| format!("; vault coverage {:.0}%", share * 100.0))
            .unwrap_or_default();
        writeln!(
            out,
            "{} unvaulted, {} stray-copy, {} rotated-out, {} rotation-overdue{coverage}; {}",
            c.unvaulted,
            c.stray_copy,
            c.rotated_out,
            c.rotation_overdue,
            plural(outcome.references.len(), "reference"),
        )?;
    }
    if let Some(counts) = LiveCounts::of(&outcome.findings) {
        writeln!(
            out,
            "validated: {} live, {} invalid, {} unknown",
            counts.live, counts.invalid, counts.unknown
        )?;
    }
    if let Some(summary) = super::json::summary(outcome)
        && (summary.suppressed_places > 0 || summary.expired_exceptions > 0)
    {
        writeln!(
            out,
            "{} suppressed ({} entirely; --show-suppressed lists them); {} reported again",
            plural(summary.suppressed_places, "place"),
            plural(summary.suppressed_credentials, "credential"),
            plural(summary.expired_exceptions, "expired exception"),
        )?;
    }
    Ok(())
}

fn write_suppressed(outcome: &ScanOutcome, s: &Style, out: &mut dyn Write) -> std::io::Result<()> {
    let places: Vec<_> = outcome
        .findings
        .iter()
        .chain(&outcome.suppressed)
        .flat_map(|f| f.suppressed.iter().map(move |(l, why)| (f, l, why)))
        .collect();
    if places.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{}suppressed{}", s.bold, s.reset)?;
    for (finding, location, why) in places {
        let because = match why {
            Suppression::Inline { reason } => format!(
                "stray:allow{}",
                reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
            Suppression::Baseline {
                reason,
                owner,
                expires,
            } => format!("baseline until {expires}, {owner}: {reason}"),
        };
        writeln!(
            out,
            "    {}:{}:{}  {} {}  {}{}{}",
            printable(&crate::pathtext::escaped(&location.path)),
            location.line,
            location.column,
            finding.rule_id,
            finding.redacted,
            s.dim,
            because,
            s.reset,
        )?;
    }
    Ok(())
}

/// How many references the table lists before summarising.
const REFERENCES_SHOWN: usize = 20;

fn write_references(outcome: &ScanOutcome, s: &Style, out: &mut dyn Write) -> std::io::Result<()> {
    if outcome.references.is_empty() {
        return Ok(());
    }
    if !outcome.findings.is_empty() {
        writeln!(out)?;
    }
    writeln!(
        out,
        "{}references{} (the good pattern: the secret stays in the vault)",
        s.bold, s.reset
    )?;
    for reference in outcome.references.iter().take(REFERENCES_SHOWN) {
        writeln!(
            out,
            "    {}:{}:{}  {}{}{}  {}",
            printable(&crate::pathtext::escaped(&reference.path)),
            reference.line,
            reference.column,
            s.dim,
            reference.kind,
            s.reset,
            reference.reference,
        )?;
    }
    if outcome.references.len() > REFERENCES_SHOWN {
        writeln!(
            out,
            "    … and {} more",
            outcome.references.len() - REFERENCES_SHOWN
        )?;
    }
    Ok(())
}

pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// How many validated credentials are in each state; `None` when the scan did not validate.
struct LiveCounts {
    live: usize,
    invalid: usize,
    unknown: usize,
}

impl LiveCounts {
    fn of(findings: &[crate::finding::Finding]) -> Option<LiveCounts> {
        use crate::finding::validation::LiveState;
        let states: Vec<LiveState> = findings
            .iter()
            .filter_map(|f| f.validation.as_ref().map(|v| v.state))
            .collect();
        (!states.is_empty()).then(|| LiveCounts {
            live: states.iter().filter(|s| **s == LiveState::Live).count(),
            invalid: states.iter().filter(|s| **s == LiveState::Invalid).count(),
            unknown: states.iter().filter(|s| **s == LiveState::Unknown).count(),
        })
    }
}
