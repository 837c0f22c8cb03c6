//! SARIF 2.1.0 for GitHub code scanning: the rules that have results in the driver, one result
//! per place, and no secret (not even the redacted form) in any message.
//!
//! What code scanning reads: the rule's `security-severity`, `precision` and `tags` (one of
//! them `security`), the result's `level`, the region (start and end of the secret) and
//! `partialFingerprints.primaryLocationLineHash`, which it would otherwise compute from the
//! line's content. The document validates against the OASIS SARIF 2.1.0 schema
//! (`fixtures/sarif/`, `tests/integration/sarif_schema.rs`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{ReportError, ReportOptions};
use crate::detect::rules::{Criticality, Rule, SecretEncoding};
use crate::finding::suppression::Suppression;
use crate::finding::{Finding, Location};
use crate::scan::ScanOutcome;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Hex characters of `primaryLocationLineHash` before the `:occurrence` (GitHub writes 16).
const LINE_HASH_CHARS: usize = 16;

/// A result's `level` and a rule's `security-severity` and `precision` for one criticality
/// tier. The severities sit in GitHub's bands (critical ≥ 9.0, high 7.0–8.9, medium 4.0–6.9,
/// low 0.1–3.9); a leaked credential is never shown as critical, which code scanning reserves
/// for what needs no further step to exploit.
fn tier(criticality: Criticality) -> (&'static str, &'static str, &'static str) {
    match criticality {
        Criticality::High => ("error", "8.9", "high"),
        Criticality::Medium => ("warning", "6.5", "high"),
        Criticality::Low => ("note", "3.5", "medium"),
    }
}

/// What the driver says about one rule that has results.
struct RuleEntry<'a> {
    finding: &'a Finding,
    /// The highest tier among its findings (a config may raise or lower a path's tier).
    criticality: Criticality,
}

pub fn write(
    outcome: &ScanOutcome,
    rules: &[Rule],
    options: ReportOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let bases = UriBases::new(&outcome.info.roots);
    let mut places: Vec<(&Finding, &Location, Option<&Suppression>)> = Vec::new();
    for finding in &outcome.findings {
        places.extend(finding.locations.iter().map(|l| (finding, l, None)));
        if options.show_suppressed {
            places.extend(
                finding
                    .suppressed
                    .iter()
                    .map(|(l, s)| (finding, l, Some(s))),
            );
        }
    }
    if options.show_suppressed {
        for finding in &outcome.suppressed {
            places.extend(
                finding
                    .suppressed
                    .iter()
                    .map(|(l, s)| (finding, l, Some(s))),
            );
        }
    }

    // Only the rules that have results: the schema wants every rule unique and every
    // `ruleIndex` pointing at its rule, and 180-odd unused rules tell a dashboard nothing.
    let mut used: Vec<RuleEntry> = Vec::new();
    let mut index_of: HashMap<&str, usize> = HashMap::new();
    for (finding, _, _) in &places {
        match index_of.get(finding.rule_id.as_str()) {
            Some(&index) => {
                let entry = &mut used[index];
                entry.criticality = entry.criticality.min(finding.criticality);
            }
            None => {
                index_of.insert(&finding.rule_id, used.len());
                used.push(RuleEntry {
                    finding,
                    criticality: finding.criticality,
                });
            }
        }
    }
    let driver_rules: Vec<Value> = used.iter().map(rule_descriptor).collect();

    let encoding_of = |rule_id: &str| {
        rules
            .iter()
            .find(|r| r.id == rule_id)
            .and_then(|r| r.secret_encoding)
    };
    let mut occurrences: HashMap<String, usize> = HashMap::new();
    let mut results = Vec::with_capacity(places.len());
    for (finding, location, suppression) in places {
        let artifact = bases.artifact_location(&location.path);
        let line_hash = line_hash(finding, &artifact);
        let occurrence = occurrences.entry(line_hash.clone()).or_insert(0);
        *occurrence += 1;
        let (level, _, _) = tier(finding.criticality);
        let mut properties = json!({
            "provider": finding.provider,
            "class": finding.class,
            "criticality": finding.criticality,
            "kind": location.kind,
        });
        if let Some(commit) = &location.commit {
            properties["commit"] = json!(commit);
        }
        if let Some(validation) = &finding.validation {
            properties["validation"] = json!(validation.state);
            if let Some(identity) = &validation.identity {
                properties["validatedIdentity"] = json!(identity);
            }
        }
        let mut result = json!({
            "ruleId": finding.rule_id,
            "level": level,
            "message": { "text": message(finding, location) },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": region(location, &finding.secret, encoding_of(&finding.rule_id)),
                }
            }],
            "partialFingerprints": {
                "primaryLocationLineHash": format!("{line_hash}:{occurrence}"),
                "stray/fingerprint/v1": finding.fingerprint,
            },
            "properties": properties,
        });
        if let Some(&index) = index_of.get(finding.rule_id.as_str()) {
            result["ruleIndex"] = json!(index);
        }
        if let Some(suppression) = suppression {
            result["suppressions"] = json!([suppression_object(suppression)]);
        }
        results.push(result);
    }
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "stray",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://crates.io/crates/stray-scan",
                "rules": driver_rules,
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if !bases.roots.is_empty() {
        run["originalUriBaseIds"] = bases.original_uri_base_ids();
    }
    // Which rules judged this run, for whoever compares two SARIF files later.
    if let Some(pack) = &outcome.info.rule_pack {
        run["properties"] = json!({ "stray/rulePack": pack });
    }
    let document = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    });
    super::pretty_json(out, &document)?;
    writeln!(out)?;
    Ok(())
}

fn rule_descriptor(entry: &RuleEntry) -> Value {
    let finding = entry.finding;
    let (level, severity, precision) = tier(entry.criticality);
    let mut tags: Vec<&str> = vec!["security", "secret"];
    for tag in [finding.class.as_str(), finding.provider.as_str()] {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    json!({
        "id": finding.rule_id,
        "name": rule_name(&finding.rule_id),
        "shortDescription": { "text": finding.description },
        "fullDescription": {
            "text": format!("{} A credential in plaintext outside the vault.", finding.description)
        },
        "help": {
            "text": "Move the credential into the team vault, reference it from there, and rotate it: this copy has been exposed.",
        },
        "defaultConfiguration": { "level": level },
        "properties": {
            "tags": tags,
            "security-severity": severity,
            "precision": precision,
        },
    })
}

/// What the result says: the credential's kind and fingerprint prefix, never the secret. A
/// place from `--git` history names its commit, since the path may not exist at HEAD.
fn message(finding: &Finding, location: &Location) -> String {
    let places = finding.locations.len();
    let mut text = format!(
        "{} found (fingerprint {}, {} place{}).",
        finding.description,
        finding
            .fingerprint
            .get(..12)
            .unwrap_or(&finding.fingerprint),
        places,
        if places == 1 { "" } else { "s" },
    );
    if let Some(commit) = &location.commit {
        let short = commit.id.get(..12).unwrap_or(&commit.id);
        let _ = write!(
            text,
            " Added in commit {short} ({}); the file may have changed or gone since, so open it at that commit.",
            commit.author_date
        );
    }
    use crate::finding::verdict::Status;
    match &finding.vault {
        Some(verdict) if verdict.status == Status::StrayCopy => {
            let _ = write!(
                text,
                " The vault holds it ({}): read it from there instead of this copy, and rotate it.",
                verdict.describe()
            );
        }
        Some(verdict) if verdict.status == Status::RotatedOut => {
            let _ = write!(
                text,
                " An old value ({}): make sure it is revoked, and delete this copy.",
                verdict.describe()
            );
        }
        _ => text.push_str(" Move it into the vault and rotate it."),
    }
    text
}

/// `<hex>:<occurrence>` in GitHub's format. GitHub hashes the line's text; stray has no line
/// text when it writes the report (and must not send the secret), so it hashes what
/// identifies the place instead: the rule, the credential's fingerprint and the artifact URI.
/// The caller appends the occurrence: the n-th result with the same hash.
fn line_hash(finding: &Finding, artifact: &Value) -> String {
    let mut hasher = Sha256::new();
    for part in [
        finding.rule_id.as_str(),
        finding.fingerprint.as_str(),
        artifact["uriBaseId"].as_str().unwrap_or(""),
        artifact["uri"].as_str().unwrap_or(""),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let mut hex = String::with_capacity(LINE_HASH_CHARS);
    for byte in hasher.finalize().iter().take(LINE_HASH_CHARS / 2) {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// The secret's start and end (`endColumn` is the column after its last character), counted
/// as the scan counts columns: Unicode scalar values, a byte for invalid UTF-8. A key over
/// several lines (PEM) ends on a later line. A rule that decodes what it captured
/// (`secret_encoding`) saw a longer text in the file: a JSON string's escapes are counted
/// back in; for percent-encoding and base64 pairs the length in the file is not the secret's, so
/// the region has no end.
fn region(location: &Location, secret: &[u8], encoding: Option<SecretEncoding>) -> Value {
    let mut region = json!({
        "startLine": location.line,
        "startColumn": location.column,
    });
    let in_file: Vec<u8> = match encoding {
        None => secret.to_vec(),
        Some(SecretEncoding::JsonString) => {
            let quoted = serde_json::to_string(&String::from_utf8_lossy(secret))
                .unwrap_or_default()
                .into_bytes();
            quoted
                .get(1..quoted.len().saturating_sub(1))
                .unwrap_or_default()
                .to_vec()
        }
        Some(SecretEncoding::Percent | SecretEncoding::Base64UserPassword) => return region,
    };
    if in_file.is_empty() {
        return region;
    }
    let newlines = memchr::memchr_iter(b'\n', &in_file).count();
    let (end_line, end_column) = match memchr::memrchr(b'\n', &in_file) {
        Some(last) => (
            location.line + newlines,
            characters(&in_file[last + 1..]) + 1,
        ),
        None => (location.line, location.column + characters(&in_file)),
    };
    region["endLine"] = json!(end_line);
    region["endColumn"] = json!(end_column);
    region
}

/// Characters as [`crate::detect::matcher::line_columns`] counts them.
fn characters(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// A place the report shows with `--show-suppressed`: SARIF's own suppression, so a viewer can
/// tell it from an open result. (GitHub code scanning is reported to ignore `suppressions`: the
/// SARIF to upload is the one without `--show-suppressed`.)
fn suppression_object(suppression: &Suppression) -> Value {
    match suppression {
        Suppression::Inline { reason } => {
            let mut object = json!({ "kind": "inSource" });
            if let Some(reason) = reason {
                object["justification"] = json!(reason);
            }
            object
        }
        Suppression::Baseline {
            reason,
            owner,
            expires,
        } => json!({
            "kind": "external",
            "justification": reason,
            "properties": { "owner": owner, "expires": expires },
        }),
    }
}

/// `openai-project-key` → `OpenaiProjectKey`, the PascalCase name SARIF viewers show.
fn rule_name(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The scan roots as SARIF URI base ids: the first is `%SRCROOT%` (what code scanning resolves
/// against the checkout), any further ones `ROOT2`, `ROOT3`, …. A place under a root is a URI
/// relative to it; a place under none keeps the path as the scan reported it.
struct UriBases {
    /// (base id, absolute directory), in the order the roots were given.
    roots: Vec<(String, PathBuf)>,
}

impl UriBases {
    fn new(roots: &[String]) -> UriBases {
        let mut bases: Vec<(String, PathBuf)> = Vec::new();
        for root in roots {
            let root = PathBuf::from(root);
            // A file given as a root: its places are relative to its directory.
            let dir = match root.parent() {
                Some(parent) if root.is_file() => parent.to_path_buf(),
                _ => root,
            };
            if bases.iter().any(|(_, known)| *known == dir) {
                continue;
            }
            let id = match bases.len() {
                0 => "%SRCROOT%".to_string(),
                n => format!("ROOT{}", n + 1),
            };
            bases.push((id, dir));
        }
        UriBases { roots: bases }
    }

    fn artifact_location(&self, path: &Path) -> Value {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        for (id, root) in &self.roots {
            if let Ok(relative) = absolute.strip_prefix(root)
                && !relative.as_os_str().is_empty()
            {
                return json!({ "uri": path_uri(relative), "uriBaseId": id });
            }
        }
        json!({ "uri": path_uri(path) })
    }

    fn original_uri_base_ids(&self) -> Value {
        let mut ids = serde_json::Map::new();
        for (id, root) in &self.roots {
            let mut uri = path_uri(root);
            if !uri.ends_with('/') {
                uri.push('/');
            }
            ids.insert(id.clone(), json!({ "uri": uri }));
        }
        Value::Object(ids)
    }
}

/// A relative URI reference with forward slashes and percent-encoding (RFC 3986), or a
/// `file://` URI for an absolute path.
fn path_uri(path: &Path) -> String {
    // The path's own bytes, percent-encoded: exact even when they are not UTF-8.
    let bytes = crate::pathtext::bytes(path);
    let mut uri = String::with_capacity(bytes.len());
    for &byte in bytes.iter() {
        let byte = if byte == b'\\' { b'/' } else { byte };
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    if path.is_absolute() && !uri.starts_with('/') {
        uri.insert(0, '/');
    }
    if path.is_absolute() {
        uri.insert_str(0, "file://");
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_encoded() {
        assert_eq!(path_uri(Path::new("a b/c#.env")), "a%20b/c%23.env");
        assert_eq!(path_uri(Path::new("/home/x/.env")), "file:///home/x/.env");
    }

    #[test]
    fn places_under_a_root_are_relative_to_it() {
        let bases = UriBases::new(&["/work/repo".to_string(), "/srv/other".to_string()]);
        assert_eq!(
            bases.artifact_location(Path::new("/work/repo/app/.env")),
            json!({ "uri": "app/.env", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            bases.artifact_location(Path::new("/srv/other/a b.env")),
            json!({ "uri": "a%20b.env", "uriBaseId": "ROOT2" })
        );
        assert_eq!(
            bases.artifact_location(Path::new("/elsewhere/.env")),
            json!({ "uri": "file:///elsewhere/.env" })
        );
        assert_eq!(
            bases.original_uri_base_ids(),
            json!({
                "%SRCROOT%": { "uri": "file:///work/repo/" },
                "ROOT2": { "uri": "file:///srv/other/" },
            })
        );
    }

    fn place(line: usize, column: usize) -> Location {
        Location {
            path: PathBuf::from(".env"),
            line,
            column,
            kind: crate::detect::classify::LocationKind::Dotenv,
            context: None,
            inline_allow: None,
            commit: None,
        }
    }

    #[test]
    fn regions_end_after_the_secret() {
        let at = place(3, 5);
        let end = |secret: &[u8], encoding| {
            let region = region(&at, secret, encoding);
            (region["endLine"].clone(), region["endColumn"].clone())
        };
        assert_eq!(end(b"abcdef", None), (json!(3), json!(11)));
        // Columns count characters, as the scan does.
        assert_eq!(end("ключ".as_bytes(), None), (json!(3), json!(9)));
        assert_eq!(end(b"-----BEGIN\nbody\nEND--", None), (json!(5), json!(6)));
        // A JSON string's `\n` is two characters in the file, on one line.
        assert_eq!(
            end(b"a\nb", Some(SecretEncoding::JsonString)),
            (json!(3), json!(9))
        );
        assert_eq!(
            end(b"p@ss", Some(SecretEncoding::Percent)),
            (Value::Null, Value::Null)
        );
    }

    #[test]
    fn tags_are_unique_and_severity_follows_the_tier() {
        let finding = Finding {
            rule_id: "private-key-pem".to_string(),
            provider: "private-key".to_string(),
            class: crate::detect::rules::RuleClass::PrivateKey,
            criticality: Criticality::High,
            description: "PEM private key".to_string(),
            revoke_url: None,
            fingerprint: "0".repeat(64),
            redacted: String::new(),
            secret: Vec::new(),
            locations: vec![place(1, 1)],
            vault: None,
            suppressed: Vec::new(),
            expired_exception: None,
            consumers: Vec::new(),
            owner: None,
            validation: None,
        };
        let low = RuleEntry {
            finding: &finding,
            criticality: Criticality::Low,
        };
        let rule = rule_descriptor(&low);
        assert_eq!(
            rule["properties"]["tags"],
            json!(["security", "secret", "private-key"])
        );
        assert_eq!(rule["properties"]["security-severity"], "3.5");
        assert_eq!(rule["defaultConfiguration"]["level"], "note");
        assert_eq!(rule["name"], "PrivateKeyPem");
        let artifact = json!({ "uri": ".env", "uriBaseId": "%SRCROOT%" });
        let hash = line_hash(&finding, &artifact);
        assert_eq!(hash.len(), LINE_HASH_CHARS);
        assert_ne!(hash, line_hash(&finding, &json!({ "uri": "other/.env" })));
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(rule_name("openai-project-key"), "OpenaiProjectKey");
    }
}
