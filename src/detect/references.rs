//! Vault references: the good pattern. `op://…`, `${{ secrets.X }}`, secret-manager ARNs and
//! friends point at a credential without containing it. They are never findings; they are
//! counted so the share of references among all credential places can be reported.

use std::sync::OnceLock;

use regex::bytes::Regex;
use serde::{Deserialize, Serialize};

/// One kind of reference: the keyword that must appear and the pattern of the whole reference.
struct Pattern {
    kind: &'static str,
    keyword: &'static str,
    regex: &'static str,
    /// The match is the reference itself (a path or URI that names the secret), so a "secret"
    /// inside it is the reference misread. False for commands (`doppler run …`), whose match
    /// runs on over the rest of a line that may hold a real key.
    names_only: bool,
}

const PATTERNS: &[Pattern] = &[
    Pattern {
        kind: "1password",
        keyword: "op://",
        regex: r#"op://[^\s"'`/]+/[^\s"'`/]+(?:/[^\s"'`/]+){1,2}"#,
        names_only: true,
    },
    Pattern {
        kind: "github-actions",
        keyword: "secrets.",
        regex: r"\$\{\{\s*secrets\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}",
        names_only: true,
    },
    Pattern {
        kind: "doppler",
        keyword: "doppler run",
        regex: r"doppler run\b[^\n]*",
        names_only: false,
    },
    Pattern {
        kind: "hashicorp-vault",
        keyword: "vault kv get",
        regex: r"vault kv get\b[^\n;|&]*",
        names_only: false,
    },
    Pattern {
        kind: "hashicorp-vault",
        keyword: "vault:",
        regex: r#"\bvault:[A-Za-z0-9_./-]+(?:#[A-Za-z0-9_.-]+)?"#,
        names_only: true,
    },
    Pattern {
        kind: "aws-secrets-manager",
        keyword: "arn:aws:secretsmanager:",
        regex: r"arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+",
        names_only: true,
    },
    Pattern {
        kind: "gcp-secret-manager",
        keyword: "/secrets/",
        regex: r"projects/[A-Za-z0-9_-]+/secrets/[A-Za-z0-9_-]+(?:/versions/[A-Za-z0-9_-]+)?",
        names_only: true,
    },
    Pattern {
        kind: "azure-key-vault",
        keyword: "@microsoft.keyvault(",
        regex: r"(?i)@Microsoft\.KeyVault\([^)\n]*\)",
        names_only: true,
    },
    Pattern {
        kind: "ansible-vault",
        keyword: "!vault",
        regex: r"!vault\b",
        names_only: true,
    },
];

/// A reference to a stored secret, and where it was seen.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Reference {
    pub kind: String,
    pub reference: String,
    /// As [`crate::Location::path`]: `path_bytes_b64` beside it when it is not UTF-8.
    #[serde(flatten, with = "crate::pathtext::lossless")]
    pub path: std::path::PathBuf,
    pub line: usize,
    pub column: usize,
    pub location_kind: crate::LocationKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

/// A reference found in one buffer: kind, text and byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawReference {
    pub kind: &'static str,
    pub text: String,
    pub start: usize,
    /// Where the match ends (exclusive).
    pub end: usize,
    /// The match is only the reference (see `Pattern::names_only`): a secret found within
    /// `start..end` is this reference, not a credential.
    pub names_only: bool,
}

impl RawReference {
    /// True when the bytes `start..end` lie inside a reference that only names a secret.
    pub fn covers(&self, start: usize, end: usize) -> bool {
        self.names_only && self.start <= start && end <= self.end
    }
}

/// The keyword of each reference pattern, in order; the matcher's automaton looks for them.
pub const KEYWORDS: [&str; PATTERNS.len()] = {
    let mut keywords = [""; PATTERNS.len()];
    let mut i = 0;
    while i < PATTERNS.len() {
        keywords[i] = PATTERNS[i].keyword;
        i += 1;
    }
    keywords
};

/// Confirms reference keyword hits with each pattern's regex.
pub struct ReferenceFinder {
    /// Compiled on the first hit of their keyword: most scans of a few files never need most
    /// of them, and compiling all of them was a millisecond of every start.
    regexes: Vec<OnceLock<Regex>>,
}

impl ReferenceFinder {
    pub fn new() -> ReferenceFinder {
        ReferenceFinder {
            regexes: PATTERNS.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    fn regex(&self, pattern: usize) -> &Regex {
        self.regexes[pattern].get_or_init(|| {
            Regex::new(PATTERNS[pattern].regex)
                .unwrap_or_else(|e| unreachable!("built-in reference pattern is valid: {e}"))
        })
    }

    /// The references around keyword `hits` (pattern index, offset) in `content`, in order,
    /// each once.
    pub fn confirm(&self, content: &[u8], hits: &[(usize, usize)]) -> Vec<RawReference> {
        let mut found: Vec<RawReference> = Vec::new();
        let mut seen_lines: Vec<(usize, usize)> = Vec::new();
        for &(pattern, hit_start) in hits {
            let line_start = memchr::memrchr(b'\n', &content[..hit_start]).map_or(0, |p| p + 1);
            if seen_lines.contains(&(pattern, line_start)) {
                continue;
            }
            seen_lines.push((pattern, line_start));
            let line_end = memchr::memchr(b'\n', &content[hit_start..])
                .map_or(content.len(), |p| hit_start + p);
            let line = &content[..line_end];
            let mut at = line_start;
            while let Some(m) = self.regex(pattern).find_at(line, at) {
                found.push(RawReference {
                    kind: PATTERNS[pattern].kind,
                    text: String::from_utf8_lossy(m.as_bytes()).trim_end().to_string(),
                    start: m.start(),
                    end: m.end(),
                    names_only: PATTERNS[pattern].names_only,
                });
                at = m.end().max(at + 1);
            }
        }
        found.sort_by_key(|r| r.start);
        found.dedup_by_key(|r| r.start);
        found
    }
}

impl Default for ReferenceFinder {
    fn default() -> Self {
        ReferenceFinder::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Matcher, RuleSet};

    fn find(text: &str) -> Vec<RawReference> {
        let matcher = Matcher::new(RuleSet::default()).expect("matcher");
        matcher.find_all(text.as_bytes()).references
    }

    #[test]
    fn finds_each_kind_of_reference() {
        let text = "OPENAI_API_KEY=op://Engineering/OpenAI/credential\n\
            env:\n  TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n\
            run: doppler run -- npm start\n\
            DB=arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf\n\
            key: projects/acme-prod/secrets/stripe-key/versions/latest\n\
            Setting=@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/x/)\n\
            password: !vault |\n\
            export T=$(vault kv get -field=token secret/app)\n";
        let kinds: Vec<&str> = find(text).iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            vec![
                "1password",
                "github-actions",
                "doppler",
                "aws-secrets-manager",
                "gcp-secret-manager",
                "azure-key-vault",
                "ansible-vault",
                "hashicorp-vault",
            ]
        );
    }

    /// They compile on first use; this is where a broken one is caught.
    #[test]
    fn every_pattern_compiles() {
        for pattern in PATTERNS {
            assert!(Regex::new(pattern.regex).is_ok(), "{}", pattern.kind);
        }
    }

    #[test]
    fn ordinary_text_has_no_references() {
        let text = "see https://example.com/secrets/ for docs\nsecrets are bad\n";
        assert!(find(text).is_empty());
    }
}
