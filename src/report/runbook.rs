//! The revocation runbook: one page of Markdown per credential — where to revoke it, every
//! place and consumer to update, the vault item, the time-to-revoke target and the command that
//! proves it is gone. Redacted values only.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::detect::rules::Rule;
use crate::finding::Finding;
use crate::finding::consumer::Consumers;
use crate::finding::verdict::Status;

/// How long a revocation may take, by why it is revoked.
const TARGETS: &str = "immediately when it may be compromised (leaked, pushed, pasted); \
within 4 hours when its owner leaves; at the next rotation otherwise";

/// The target when the runbook is for a leaver.
const LEAVER_TARGET: &str = "within 4 hours (the owner or machine user is leaving)";

/// One credential on the runbook, and for each of its places the machine it is on
/// (`user@machine`), when the runbook is built from the inventory.
#[derive(Debug, Clone)]
pub struct Entry {
    pub finding: Finding,
    /// Parallel to `finding.locations`; empty for a runbook from a scan.
    pub hosts: Vec<String>,
    /// How its rotation goes, from the rule that found it (`rotation_note` in a team pack).
    pub rotation_note: Option<String>,
}

/// What the page header says.
#[derive(Debug, Clone, Default)]
pub struct Header {
    /// Where and when the credentials were found: `on 2026-11-01 09:00 UTC`, or the inventory.
    pub source: String,
    /// A leaver's runbook: every credential they own or that is on their machines.
    pub leaver: Option<String>,
}

/// Orders runbook entries: most critical first, then provider and rule.
pub fn order_entries(entries: &mut [Entry]) {
    entries.sort_by(|a, b| {
        let (a, b) = (&a.finding, &b.finding);
        (a.criticality, &a.provider, &a.rule_id, &a.fingerprint).cmp(&(
            b.criticality,
            &b.provider,
            &b.rule_id,
            &b.fingerprint,
        ))
    });
}

/// Orders findings for the runbook: most critical first, then provider and rule.
pub fn order(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.criticality, &a.provider, &a.rule_id, &a.fingerprint).cmp(&(
            b.criticality,
            &b.provider,
            &b.rule_id,
            &b.fingerprint,
        ))
    });
}

/// The whole runbook: a title, an index, then one page per finding; `rules` (those the scan
/// used) give each its rotation note.
pub fn render(findings: &[Finding], rules: &[Rule], scanned: &str) -> String {
    let entries: Vec<Entry> = findings
        .iter()
        .map(|f| Entry {
            finding: f.clone(),
            hosts: Vec::new(),
            rotation_note: rules
                .iter()
                .find(|r| r.id == f.rule_id)
                .and_then(|r| r.rotation_note.clone()),
        })
        .collect();
    render_entries(
        &entries,
        &Header {
            source: format!("on {scanned}"),
            leaver: None,
        },
    )
}

/// The whole runbook for entries (from a scan or the inventory).
pub fn render_entries(entries: &[Entry], header: &Header) -> String {
    let mut out = String::new();
    match &header.leaver {
        Some(user) => {
            let _ = writeln!(out, "# Revocation runbook — leaver: {user}\n");
            let _ = writeln!(
                out,
                "leaver: {user}. Every credential {user} owns or that is on a machine {user} \
                 scanned as; revoke each within 4 hours.\n"
            );
        }
        None => {
            let _ = writeln!(out, "# Revocation runbook\n");
        }
    }
    let _ = writeln!(
        out,
        "{} credential{} found by stray {}, most critical first. Values are redacted; \
         each credential is named by its fingerprint (SHA-256 of the value).\n",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        header.source,
    );
    for (number, finding) in entries.iter().map(|e| &e.finding).enumerate() {
        let _ = writeln!(
            out,
            "{}. [{} `{}` ({}, {})](#credential-{})",
            number + 1,
            finding.rule_id,
            finding.redacted,
            finding.criticality,
            finding
                .owner
                .as_ref()
                .map(|o| o.name.as_str())
                .unwrap_or("unowned"),
            &finding.fingerprint[..12],
        );
    }
    let mut consumers = Consumers::default();
    for entry in entries {
        out.push_str("\n---\n\n");
        page(entry, header, &mut consumers, &mut out);
    }
    out
}

fn page(entry: &Entry, header: &Header, consumers: &mut Consumers, out: &mut String) {
    let (finding, hosts) = (&entry.finding, entry.hosts.as_slice());
    let short = &finding.fingerprint[..12];
    let _ = writeln!(out, "<a id=\"credential-{short}\"></a>\n");
    let _ = writeln!(
        out,
        "## {} — {} `{}`\n",
        finding.provider, finding.rule_id, finding.redacted
    );
    let owner = match &finding.owner {
        Some(owner) => format!("{} (from {})", owner.name, owner.source),
        None => "**unowned** — name an owner in .stray.toml [owners] or the vault".to_string(),
    };
    let vault = match &finding.vault {
        Some(verdict) => verdict.describe(),
        None => "not reconciled (run with --vault)".to_string(),
    };
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| What | {} |",
        finding.description.replace('|', "\\|")
    );
    let _ = writeln!(out, "| Fingerprint | `{}` |", finding.fingerprint);
    let _ = writeln!(
        out,
        "| Criticality | {} (rotate every {} days) |",
        finding.criticality,
        finding.criticality.max_age_days()
    );
    if let Some(note) = &entry.rotation_note {
        let _ = writeln!(
            out,
            "| Rotation | {} |",
            crate::display::printable(note).replace('|', "\\|")
        );
    }
    let _ = writeln!(out, "| Owner | {owner} |");
    let _ = writeln!(out, "| Vault | {vault} |");
    let _ = writeln!(
        out,
        "| Consumers | {}{} |",
        if finding.consumers.is_empty() {
            "none known".to_string()
        } else {
            finding.consumers.join(", ")
        },
        if finding.shared() {
            " — **shared**: give each consumer its own credential"
        } else {
            ""
        }
    );
    let target = if header.leaver.is_some() {
        LEAVER_TARGET
    } else {
        TARGETS
    };
    let _ = writeln!(out, "| Time to revoke | {target} |\n");

    let _ = writeln!(out, "### 1. Revoke and re-issue\n");
    match &finding.revoke_url {
        Some(url) => {
            let _ = writeln!(
                out,
                "Revoke it at <{url}> and issue one replacement per consumer there \
                 (smallest scope that works)."
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Revoke it where it was issued ({} has no documented page in the rule data) \
                 and issue one replacement per consumer.",
                finding.provider
            );
        }
    }
    let _ = writeln!(out, "\n### 2. Update the vault\n");
    let vault_step = match finding.vault.as_ref().map(|v| v.status) {
        Some(Status::StrayCopy) | Some(Status::RotatedOut) => {
            "Put the new value into the vault item above; the old value must not stay in history."
        }
        _ => {
            "Create a vault item for the new value: today the vault does not know this credential."
        }
    };
    let _ = writeln!(out, "{vault_step}");
    let _ = writeln!(out, "\n### 3. Update every place and consumer\n");
    for (index, location) in finding.locations.iter().enumerate() {
        let host = hosts
            .get(index)
            .map(|h| format!("{h}: "))
            .unwrap_or_default();
        // The runbook is read in a terminal too: names are shown with control characters
        // escaped.
        let printable = crate::display::printable;
        let context = location
            .context
            .as_deref()
            .map(|c| format!(" `{}`", printable(c)))
            .unwrap_or_default();
        let consumer = consumers
            .of(location)
            .map(|c| format!(" — {c}"))
            .unwrap_or_default();
        let commit = location
            .commit
            .as_ref()
            .map(|c| format!(" (commit {})", &c.id[..c.id.len().min(12)]))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- [ ] `{host}{}:{}` ({}){context}{consumer}{commit}: replace the value with a vault \
             reference (`op://…`, `doppler run`, `${{{{ secrets.NAME }}}}`)",
            printable(&crate::pathtext::escaped(&location.path)),
            location.line,
            location.kind,
        );
    }
    let _ = writeln!(out, "\n### 4. Verify\n");
    let _ = writeln!(
        out,
        "{}This must exit 0 (the credential is gone from every place):\n\n```sh\n{}\n```\n",
        if hosts.is_empty() {
            ""
        } else {
            "On each machine above, from where its scan ran (then record it with --record). "
        },
        verify_command(finding)
    );
    if crate::validate::providers::validates(&finding.rule_id) {
        let _ = writeln!(
            out,
            "Before deleting the copies, prove the provider refuses the old value (one request \
             to its API; exit 0 when it is refused, 1 while it works or cannot be checked), \
             and keep the evidence in the inventory:\n\n```sh\n{}\n```\n",
            credential_command(finding, "verify", "--record")
        );
    }
    let _ = writeln!(
        out,
        "Then run each consumer once with the old credential revoked: it must fail closed \
         (an authentication error), not fall back to another key."
    );
}

/// `stray scan <every file> --credential <fingerprint prefix> --fail-on any`.
pub fn verify_command(finding: &Finding) -> String {
    credential_command(finding, "scan", "--fail-on any")
}

/// `stray SUBCOMMAND <every file> --credential <fingerprint prefix> TAIL`, each file quoted
/// for a POSIX shell.
fn credential_command(finding: &Finding, subcommand: &str, tail: &str) -> String {
    let mut files: Vec<PathBuf> = finding
        .locations
        .iter()
        .map(|l| {
            // Archive members are verified by re-scanning the archive.
            let bytes = crate::pathtext::bytes(&l.path);
            let end = memchr::memchr(b'!', &bytes).unwrap_or(bytes.len());
            crate::pathtext::from_bytes(bytes[..end].to_vec())
        })
        .collect();
    files.sort();
    files.dedup();
    let quoted: Vec<String> = files
        .iter()
        .map(|p| {
            let Some(text) = p.to_str() else {
                // Bytes that are not UTF-8: bash's $'…' quoting names them exactly.
                let mut quoted = String::from("$'");
                for &byte in crate::pathtext::bytes(p).iter() {
                    if byte.is_ascii_graphic() && byte != b'\\' && byte != b'\'' || byte == b' ' {
                        quoted.push(byte as char);
                    } else {
                        quoted.push_str(&format!("\\x{byte:02X}"));
                    }
                }
                quoted.push('\'');
                return quoted;
            };
            if text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-~".contains(c))
            {
                text.to_string()
            } else if text.chars().any(char::is_control) {
                // ANSI-C quoting (bash, zsh): the exact name, with nothing a terminal acts on.
                let mut quoted = String::from("$'");
                for c in text.chars() {
                    match c {
                        '\\' => quoted.push_str("\\\\"),
                        '\'' => quoted.push_str("\\'"),
                        c if c.is_control() => {
                            let mut buf = [0u8; 4];
                            for byte in c.encode_utf8(&mut buf).bytes() {
                                quoted.push_str(&format!("\\x{byte:02x}"));
                            }
                        }
                        c => quoted.push(c),
                    }
                }
                quoted.push('\'');
                quoted
            } else {
                format!("'{}'", text.replace('\'', r"'\''"))
            }
        })
        .collect();
    format!(
        "stray {subcommand} {} --credential {} {tail}",
        quoted.join(" "),
        &finding.fingerprint[..12]
    )
}
