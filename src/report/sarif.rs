//! SARIF 2.1.0 for GitHub code scanning: every rule in the driver, one result per location, and
//! no secret (not even the redacted form) in any message.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::ReportError;
use crate::rules::Rule;
use crate::scan::ScanOutcome;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn write(
    outcome: &ScanOutcome,
    rules: &[Rule],
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let driver_rules: Vec<Value> = rules
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id,
                "name": rule_name(&rule.id),
                "shortDescription": { "text": rule.description },
                "fullDescription": {
                    "text": format!("{} A credential in plaintext outside the vault.", rule.description)
                },
                "help": {
                    "text": "Move the credential into the team vault, reference it from there, and rotate it: this copy has been exposed.",
                },
                "defaultConfiguration": { "level": "error" },
                "properties": {
                    "tags": ["security", "secret", rule.class.as_str(), rule.provider],
                    "security-severity": "8.0",
                    "precision": "high",
                },
            })
        })
        .collect();
    let bases = UriBases::new(&outcome.info.roots);
    let mut results = Vec::new();
    for finding in &outcome.findings {
        let rule_index = rules.iter().position(|r| r.id == finding.rule_id);
        let places = finding.locations.len();
        for location in &finding.locations {
            let mut result = json!({
                "ruleId": finding.rule_id,
                "level": "error",
                "message": {
                    "text": format!(
                        "{} found (fingerprint {}, {} place{}). Move it into the vault and rotate it.",
                        finding.description,
                        &finding.fingerprint[..12],
                        places,
                        if places == 1 { "" } else { "s" },
                    )
                },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": bases.artifact_location(&location.path),
                        "region": {
                            "startLine": location.line,
                            "startColumn": location.column,
                        }
                    }
                }],
                "partialFingerprints": { "stray/fingerprint/v1": finding.fingerprint },
                "properties": {
                    "provider": finding.provider,
                    "class": finding.class,
                    "kind": location.kind,
                    "commit": location.commit,
                },
            });
            if let Some(index) = rule_index {
                result["ruleIndex"] = json!(index);
            }
            results.push(result);
        }
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
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
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
    let text = path.to_string_lossy().replace('\\', "/");
    let mut uri = String::with_capacity(text.len());
    for byte in text.bytes() {
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

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(rule_name("openai-project-key"), "OpenaiProjectKey");
    }
}
