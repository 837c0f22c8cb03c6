//! The revocation runbook: one page of Markdown per credential — where to revoke it, every
//! place and consumer to update, the vault item, the time-to-revoke target and the command that
//! proves it is gone. Redacted values only.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::finding::Finding;
use crate::reconcile::Status;

/// How long a revocation may take, by why it is revoked.
const TARGETS: &str = "immediately when it may be compromised (leaked, pushed, pasted); \
within 4 hours when its owner leaves; at the next rotation otherwise";

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

/// The whole runbook: a title, an index, then one page per finding.
pub fn render(findings: &[Finding], scanned: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Revocation runbook\n");
    let _ = writeln!(
        out,
        "{} credential{} found by stray on {scanned}, most critical first. Values are redacted; \
         each credential is named by its fingerprint (SHA-256 of the value).\n",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
    );
    for (number, finding) in findings.iter().enumerate() {
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
    for finding in findings {
        out.push_str("\n---\n\n");
        page(finding, &mut out);
    }
    out
}

fn page(finding: &Finding, out: &mut String) {
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
    let _ = writeln!(out, "| Time to revoke | {TARGETS} |\n");

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
    for location in &finding.locations {
        let context = location
            .context
            .as_deref()
            .map(|c| format!(" `{c}`"))
            .unwrap_or_default();
        let consumer = crate::consumer::consumer(location)
            .map(|c| format!(" — {c}"))
            .unwrap_or_default();
        let commit = location
            .commit
            .as_ref()
            .map(|c| format!(" (commit {})", &c.id[..c.id.len().min(12)]))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- [ ] `{}:{}` ({}){context}{consumer}{commit}: replace the value with a vault \
             reference (`op://…`, `doppler run`, `${{{{ secrets.NAME }}}}`)",
            location.path.display(),
            location.line,
            location.kind,
        );
    }
    let _ = writeln!(out, "\n### 4. Verify\n");
    let _ = writeln!(
        out,
        "This must exit 0 (the credential is gone from every place):\n\n```sh\n{}\n```\n",
        verify_command(finding)
    );
    let _ = writeln!(
        out,
        "Then run each consumer once with the old credential revoked: it must fail closed \
         (an authentication error), not fall back to another key."
    );
}

/// `stray scan <every file> --credential <fingerprint prefix> --fail-on any`.
pub fn verify_command(finding: &Finding) -> String {
    let mut files: Vec<PathBuf> = finding
        .locations
        .iter()
        .map(|l| {
            // Archive members are verified by re-scanning the archive.
            let text = l.path.to_string_lossy();
            PathBuf::from(text.split('!').next().unwrap_or(&text))
        })
        .collect();
    files.sort();
    files.dedup();
    let quoted: Vec<String> = files
        .iter()
        .map(|p| {
            let text = p.to_string_lossy();
            if text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-~".contains(c))
            {
                text.into_owned()
            } else {
                format!("'{}'", text.replace('\'', r"'\''"))
            }
        })
        .collect();
    format!(
        "stray scan {} --credential {} --fail-on any",
        quoted.join(" "),
        &finding.fingerprint[..12]
    )
}
