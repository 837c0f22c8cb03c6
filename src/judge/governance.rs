//! Governance: who owns each credential, and how critical it is — both overridable per team in
//! `.stray.toml`.

use std::collections::BTreeMap;

use globset::{Glob, GlobMatcher};

use crate::detect::rules::Criticality;
use crate::finding::{Finding, Owner};

/// A `.stray.toml` key that selects credentials: `provider:openai`, `rule:github-classic-pat`,
/// `class:saas`, `path:infra/**` or `fingerprint:4f1c2a`.
#[derive(Debug, Clone)]
pub enum Selector {
    Provider(String),
    Rule(String),
    Class(String),
    Path(GlobMatcher),
    Fingerprint(String),
}

impl Selector {
    pub fn parse(key: &str) -> Result<Selector, String> {
        let (kind, value) = key.split_once(':').ok_or_else(|| {
            format!("'{key}': expected provider:, rule:, class:, path: or fingerprint:")
        })?;
        Ok(match kind {
            "provider" => Selector::Provider(value.to_string()),
            "rule" => Selector::Rule(value.to_string()),
            "class" => Selector::Class(value.to_string()),
            "fingerprint" => Selector::Fingerprint(value.to_ascii_lowercase()),
            "path" => Selector::Path(
                Glob::new(value)
                    .map_err(|e| format!("'{key}': {e}"))?
                    .compile_matcher(),
            ),
            other => return Err(format!("'{key}': unknown selector '{other}'")),
        })
    }

    pub fn matches(&self, finding: &Finding) -> bool {
        match self {
            Selector::Provider(p) => &finding.provider == p,
            Selector::Rule(r) => &finding.rule_id == r,
            Selector::Class(c) => finding.class.as_str() == c,
            Selector::Fingerprint(prefix) => finding.fingerprint.starts_with(prefix.as_str()),
            Selector::Path(glob) => finding.locations.iter().any(|l| glob.is_match(&l.path)),
        }
    }

    /// More specific selectors win: fingerprint, rule, path, provider, class.
    fn rank(&self) -> u8 {
        match self {
            Selector::Fingerprint(_) => 0,
            Selector::Rule(_) => 1,
            Selector::Path(_) => 2,
            Selector::Provider(_) => 3,
            Selector::Class(_) => 4,
        }
    }
}

/// Parses a `.stray.toml` map of selectors, most specific first.
pub fn selectors<T: Clone>(map: &BTreeMap<String, T>) -> Result<Vec<(Selector, T)>, String> {
    let mut parsed = map
        .iter()
        .map(|(key, value)| Ok((Selector::parse(key)?, value.clone())))
        .collect::<Result<Vec<_>, String>>()?;
    parsed.sort_by_key(|(selector, _)| selector.rank());
    Ok(parsed)
}

/// Applies team overrides of criticality.
pub fn apply_criticality(findings: &mut [Finding], overrides: &[(Selector, Criticality)]) {
    for finding in findings {
        if let Some((_, tier)) = overrides.iter().find(|(s, _)| s.matches(finding)) {
            finding.criticality = *tier;
        }
    }
}

/// Who wrote a place, for repository scans (`git blame` of the line).
pub type Blame<'a> = &'a dyn Fn(&crate::finding::Location) -> Option<String>;

/// Names an owner for every credential where one can be known: the team's map first, then
/// the vault's owner field, the author of the commit that introduced it (`--git`) or of the
/// line (`blame`, for repository scans), and last the user of the machine it was found on
/// (`machine_user`, for laptop walks) unless that user is unknown ([`crate::host::UNKNOWN`]).
pub fn assign_owners(
    findings: &mut [Finding],
    map: &[(Selector, String)],
    blame: Option<Blame<'_>>,
    machine_user: Option<&str>,
) {
    for finding in findings {
        let owner = |name: &str, source: &str| {
            Some(Owner {
                name: name.to_string(),
                source: source.to_string(),
            })
        };
        finding.owner = if let Some((_, name)) = map.iter().find(|(s, _)| s.matches(finding)) {
            owner(name, "config")
        } else if let Some(name) = finding
            .vault
            .as_ref()
            .and_then(|v| v.items.iter().find_map(|i| i.owner.clone()))
        {
            owner(&name, "vault")
        } else if let Some(author) = finding
            .locations
            .iter()
            .find_map(|l| l.commit.as_ref().map(|c| c.author.clone()))
        {
            owner(&author, "git-author")
        } else if let Some(author) =
            blame.and_then(|blame| finding.locations.iter().find_map(blame))
        {
            owner(&author, "git-blame")
        } else if let Some(user) = machine_user.filter(|user| crate::host::is_known_user(user)) {
            owner(user, "machine-user")
        } else {
            None
        };
    }
}
