//! GitLab's secret-detection report (`gl-secret-detection-report.json`, schema 15.1.4): what
//! the merge-request security widget and the vulnerability report read from
//! `artifacts: reports: secret_detection`. One vulnerability per place; no secret anywhere,
//! not even with `--show-secrets` (the report is an artifact anyone on the project can open).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::ReportError;
use crate::detect::rules::{Criticality, Rule};
use crate::finding::{Finding, Location};
use crate::scan::ScanOutcome;

/// The schema version the report conforms to (security-report-schemas `v15.1.4`).
pub const SCHEMA_VERSION: &str = "15.1.4";
const SCHEMA_URL: &str = "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v15.1.4/dist/secret-detection-report-format.json";
/// What GitLab's own analyzer writes as the commit of a place when it did not scan history.
pub const NO_COMMIT: &str = "0000000";
/// The identifier type of stray's rules (GitLab's analyzer uses `gitleaks_rule_id`).
pub const IDENTIFIER_TYPE: &str = "stray_rule_id";
const STRAY_URL: &str = "https://crates.io/crates/stray-scan";
/// The schema's limit on a vulnerability's name.
const MAX_NAME_CHARS: usize = 255;
const SOLUTION: &str = "Move the credential into the team vault, reference it from there, and \
                        rotate it: this copy has been exposed.";

pub fn write(
    outcome: &ScanOutcome,
    rules: &[Rule],
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    super::pretty_json(out, &document(outcome, rules))?;
    writeln!(out)?;
    Ok(())
}

/// The whole report as JSON.
pub fn document(outcome: &ScanOutcome, rules: &[Rule]) -> Value {
    let roots: Vec<PathBuf> = outcome.info.roots.iter().map(PathBuf::from).collect();
    let vulnerabilities: Vec<Value> = outcome
        .findings
        .iter()
        .flat_map(|finding| {
            finding
                .locations
                .iter()
                .map(|location| vulnerability(finding, location, &roots))
                .collect::<Vec<_>>()
        })
        .collect();
    let end = outcome.info.scanned_at;
    let elapsed = i64::try_from(outcome.stats.elapsed_ms).unwrap_or(i64::MAX);
    let start = end
        .checked_sub(jiff::SignedDuration::from_millis(elapsed))
        .unwrap_or(end);
    let tool = json!({
        "id": "stray",
        "name": "stray",
        "url": STRAY_URL,
        "vendor": { "name": "stray" },
        "version": outcome.info.stray_version,
    });
    let mut scan = json!({
        "analyzer": tool,
        "scanner": tool,
        "type": "secret_detection",
        "start_time": gitlab_time(start),
        "end_time": gitlab_time(end),
        "status": "success",
        // Every rule in use: GitLab resolves a vulnerability whose rule ran and no longer finds it.
        "primary_identifiers": rules.iter().map(|rule| identifier(&rule.id)).collect::<Vec<_>>(),
    });
    let messages: Vec<Value> = outcome
        .warnings
        .iter()
        .filter_map(|warning| {
            let text = match &warning.path {
                Some(path) => format!("{}: {}", path.display(), warning.message),
                None => warning.message.clone(),
            };
            (!text.is_empty()).then(|| json!({ "level": "warn", "value": text }))
        })
        .collect();
    if !messages.is_empty() {
        scan["messages"] = Value::Array(messages);
    }
    json!({
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URL,
        "scan": scan,
        "vulnerabilities": vulnerabilities,
    })
}

fn vulnerability(finding: &Finding, location: &Location, roots: &[PathBuf]) -> Value {
    let file = project_path(&location.path, roots);
    let places = finding.locations.len();
    let mut commit = Map::new();
    match &location.commit {
        Some(info) => {
            commit.insert("sha".into(), json!(info.id));
            if !info.author.is_empty() {
                commit.insert("author".into(), json!(info.author));
            }
            if !info.author_date.is_empty() {
                commit.insert("date".into(), json!(info.author_date));
            }
        }
        None => {
            commit.insert("sha".into(), json!(NO_COMMIT));
        }
    }
    let mut vulnerability = json!({
        "id": vulnerability_id(&finding.fingerprint, &file, location.line, location.column),
        "name": truncate(&finding.description, MAX_NAME_CHARS),
        "description": format!(
            "{} in plaintext outside the vault ({} credential, fingerprint {}, {} place{}). \
             stray found it in {} `{}` at line {}, column {}.",
            finding.description,
            finding.provider,
            finding.fingerprint.get(..12).unwrap_or(&finding.fingerprint),
            places,
            if places == 1 { "" } else { "s" },
            location.kind.as_str(),
            file,
            location.line,
            location.column,
        ),
        "severity": severity(finding.criticality),
        "solution": solution(finding),
        // The redacted form only: GitLab shows this field as the code of the finding.
        "raw_source_code_extract": finding.redacted,
        "identifiers": [identifier(&finding.rule_id)],
        "location": {
            "file": file,
            "start_line": location.line,
            "commit": Value::Object(commit),
        },
        "details": details(finding, location),
    });
    if let Some(url) = finding.revoke_url.as_deref().filter(|u| is_link(u)) {
        vulnerability["links"] = json!([{ "name": "Revoke and re-issue", "url": url }]);
    }
    vulnerability
}

fn identifier(rule_id: &str) -> Value {
    json!({
        "type": IDENTIFIER_TYPE,
        "name": format!("stray rule {rule_id}"),
        "value": rule_id,
    })
}

/// Criticality tiers as GitLab severities.
fn severity(criticality: Criticality) -> &'static str {
    match criticality {
        Criticality::High => "High",
        Criticality::Medium => "Medium",
        Criticality::Low => "Low",
    }
}

fn solution(finding: &Finding) -> String {
    match finding.revoke_url.as_deref() {
        Some(url) => format!("{SOLUTION} Revoke and re-issue it at {url}."),
        None => SOLUTION.to_string(),
    }
}

/// The facts the vulnerability page lists: none of them the secret.
fn details(finding: &Finding, location: &Location) -> Value {
    let mut items = Map::new();
    let mut text = |key: &str, name: &str, value: &str| {
        items.insert(
            key.to_string(),
            json!({ "name": name, "type": "text", "value": value }),
        );
    };
    text("fingerprint", "SHA-256 fingerprint", &finding.fingerprint);
    text("provider", "Provider", &finding.provider);
    text("class", "Class", finding.class.as_str());
    text("kind", "Location kind", location.kind.as_str());
    if let Some(context) = &location.context {
        text("context", "Assigned to", context);
    }
    if let Some(owner) = &finding.owner {
        text("owner", "Owner", &owner.name);
    }
    if !finding.consumers.is_empty() {
        text("consumers", "Read by", &finding.consumers.join(", "));
    }
    items.insert(
        "places".to_string(),
        json!({ "name": "Places", "type": "value", "value": finding.locations.len() }),
    );
    Value::Object(items)
}

/// A stable id for one place: a UUID (version 8, RFC 9562) from the SHA-256 of the
/// credential's fingerprint, the file, the line and the column, so the same place gets the same
/// id in every pipeline and two places never share one.
pub fn vulnerability_id(fingerprint: &str, file: &str, line: usize, column: usize) -> String {
    let mut hasher = Sha256::new();
    for part in [
        "stray/gitlab/v1",
        fingerprint,
        file,
        &line.to_string(),
        &column.to_string(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The path GitLab links to: relative to the scan root that holds it (the project checkout),
/// with forward slashes. A relative path (a scan of `.`, a `--git` scan) is already that.
fn project_path(path: &Path, roots: &[PathBuf]) -> String {
    let mut shown = path;
    if path.is_absolute() {
        for root in roots {
            // A file given as a root: its places are relative to its directory.
            let dir = match root.parent() {
                Some(parent) if root.is_file() => parent,
                _ => root.as_path(),
            };
            if let Ok(relative) = path.strip_prefix(dir)
                && !relative.as_os_str().is_empty()
            {
                shown = relative;
                break;
            }
        }
    }
    match shown.to_str() {
        Some(text) => text.replace('\\', "/"),
        // Not UTF-8 (so not Windows): its backslashes are part of names.
        None => crate::pathtext::escaped(shown).into_owned(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS` in UTC, the schema's time format.
fn gitlab_time(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

fn is_link(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://")) && url.len() > "https://".len()
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => text[..end].to_string(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_uuids_that_tell_places_apart() {
        let id = vulnerability_id("ab12", ".env", 3, 16);
        assert_eq!(id, vulnerability_id("ab12", ".env", 3, 16));
        assert_ne!(id, vulnerability_id("ab12", ".env", 4, 16));
        assert_ne!(id, vulnerability_id("ab12", ".env", 3, 17));
        assert_ne!(id, vulnerability_id("ab12", "app/.env", 3, 16));
        assert_ne!(id, vulnerability_id("cd34", ".env", 3, 16));
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert_eq!(id.as_bytes()[14], b'8', "version 8: {id}");
        assert!(
            matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'),
            "{id}"
        );
    }

    #[test]
    fn times_have_the_schema_format() {
        let at: jiff::Timestamp = "2026-11-28T04:40:05.123Z".parse().expect("timestamp");
        assert_eq!(gitlab_time(at), "2026-11-28T04:40:05");
    }

    #[test]
    fn absolute_places_are_relative_to_their_root() {
        let roots = [PathBuf::from("/builds/group/app")];
        assert_eq!(
            project_path(Path::new("/builds/group/app/config/.env"), &roots),
            "config/.env"
        );
        assert_eq!(
            project_path(Path::new("src/main.rs"), &roots),
            "src/main.rs"
        );
        assert_eq!(
            project_path(Path::new("/etc/app.conf"), &roots),
            "/etc/app.conf"
        );
    }

    #[test]
    fn names_fit_the_schema() {
        assert_eq!(truncate("ключ", 2), "кл");
        assert_eq!(truncate("key", 255), "key");
    }
}
