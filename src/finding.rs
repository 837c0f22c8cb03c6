//! Findings: one credential (identified by the SHA-256 of its bytes) and every place it occurs.
//! The model is plain data at the bottom of the stages: what later stages set on a finding is
//! defined here too — the vault's [`verdict`] (set by `judge::reconcile`), why places are not
//! reported ([`suppression`], set by `judge::baseline`) — and the [`consumer`](mod@consumer) of a place is a
//! pure function of the place, worked out when sightings are grouped.

pub mod consumer;
pub mod suppression;
pub mod validation;
pub mod verdict;

use std::collections::HashMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::detect::classify::LocationKind;
use crate::detect::rules::{Criticality, Rule, RuleClass};

use self::consumer::Consumers;
use self::suppression::{ExpiredException, Suppression};
use self::verdict::VaultVerdict;

/// One place a credential occurs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// In JSON: `path`, plus `path_bytes_b64` when it is not UTF-8 ([`crate::pathtext`]).
    #[serde(flatten, with = "crate::pathtext::lossless")]
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub kind: LocationKind,
    /// The variable, key or field the credential is assigned to, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Set when the line carries a `stray:allow` comment (the text after it is the reason).
    #[serde(skip)]
    pub inline_allow: Option<String>,
    /// The commit that introduced this content (`--git` scans).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitInfo>,
}

/// Which commit a place in history comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CommitInfo {
    pub id: String,
    /// Author date, RFC 3339.
    pub author_date: String,
    pub author: String,
}

/// A secret seen at one location, before grouping by fingerprint.
#[derive(Debug, Clone)]
pub struct Sighting {
    pub rule: usize,
    pub secret: Vec<u8>,
    pub location: Location,
}

/// One credential and all the places it occurs.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule_id: String,
    pub provider: String,
    pub class: RuleClass,
    pub criticality: Criticality,
    pub description: String,
    /// Where to revoke and re-issue it.
    pub revoke_url: Option<String>,
    /// Lowercase hex SHA-256 of the exact secret bytes.
    pub fingerprint: String,
    pub redacted: String,
    /// The plaintext. Reports print it only when asked to (`--show-secrets`).
    pub secret: Vec<u8>,
    pub locations: Vec<Location>,
    /// The vault's verdict, when the scan was given a vault.
    pub vault: Option<VaultVerdict>,
    /// Places not reported: an inline allow or a baseline entry covers them.
    pub suppressed: Vec<(Location, Suppression)>,
    /// A baseline entry covered this credential but has expired.
    pub expired_exception: Option<ExpiredException>,
    /// The tools and services that read it, one per distinct consumer of its places.
    pub consumers: Vec<String>,
    /// Who answers for it, and how stray knows.
    pub owner: Option<Owner>,
    /// Whether it still works, when the user asked stray to check (`--validate`).
    pub validation: Option<validation::Validation>,
}

/// A credential's owner and where that name came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub name: String,
    /// `config` (.stray.toml \[owners\]), `vault` (the export's owner field), `git-author` (the
    /// commit that introduced it) or `machine-user` (the user of the laptop it was found on).
    pub source: String,
}

impl Finding {
    /// Read by two or more distinct consumers: one credential doing several jobs.
    pub fn shared(&self) -> bool {
        self.consumers.len() >= 2
    }

    /// True when every place is suppressed: nothing left to report.
    pub fn fully_suppressed(&self) -> bool {
        self.locations.is_empty() && !self.suppressed.is_empty()
    }
}

pub fn fingerprint(secret: &[u8]) -> String {
    // Written digit by digit: thousands of findings are fingerprinted after a walk, and the
    // formatting machinery cost more than the hash.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(secret);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    hex
}

/// At most the first and last 4 characters, fewer for short secrets; never the middle. A PEM
/// private key (or a service-account key holding one) would show only dashes that way, the same
/// for every key, so it shows its header and a fingerprint prefix instead:
/// `-----BEGIN RSA PRIVATE KEY----- …(sha256:4f1c2a9e)`.
pub fn redact(secret: &[u8]) -> String {
    if let Some(label) = pem_label(secret) {
        let short = &fingerprint(secret)[..KEY_FINGERPRINT_CHARS];
        return format!("-----BEGIN {label}----- …(sha256:{short})");
    }
    let text = String::from_utf8_lossy(secret);
    let count = text.chars().count();
    let shown = (count / 6).min(4);
    if shown == 0 {
        return "…".to_string();
    }
    let at = |chars: usize| {
        text.char_indices()
            .nth(chars)
            .map_or(text.len(), |(i, _)| i)
    };
    let (head, tail) = (&text[..at(shown)], &text[at(count - shown)..]);
    let mut redacted = String::with_capacity(head.len() + '…'.len_utf8() + tail.len());
    redacted.push_str(head);
    redacted.push('…');
    redacted.push_str(tail);
    redacted
}

/// Hex characters of the fingerprint a redacted private key shows.
const KEY_FINGERPRINT_CHARS: usize = 8;
/// The longest PEM label a redaction shows (`ENCRYPTED PRIVATE KEY`, `OPENSSH PRIVATE KEY`, …).
const MAX_PEM_LABEL: usize = 40;

/// The label of a PEM block (`RSA PRIVATE KEY` in `-----BEGIN RSA PRIVATE KEY-----`), when
/// `secret` starts with one: uppercase letters, digits and single spaces only.
fn pem_label(secret: &[u8]) -> Option<&str> {
    let rest = secret.strip_prefix(b"-----BEGIN ")?;
    let end = memchr::memmem::find(&rest[..rest.len().min(MAX_PEM_LABEL + 5)], b"-----")?;
    let label = std::str::from_utf8(&rest[..end]).ok()?;
    is_pem_label(label).then_some(label)
}

fn is_pem_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAX_PEM_LABEL
        && !label.starts_with(' ')
        && !label.ends_with(' ')
        && !label.contains("  ")
        && label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
}

/// True when `text` is a private key's redaction as [`redact`] writes it: a PEM header and
/// `…(sha256:` with 8 hex characters. It holds nothing of the key but its type.
pub fn is_key_redaction(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("-----BEGIN ") else {
        return false;
    };
    let Some((label, tail)) = rest.split_once("----- …(sha256:") else {
        return false;
    };
    let Some(hex) = tail.strip_suffix(')') else {
        return false;
    };
    is_pem_label(label)
        && hex.len() == KEY_FINGERPRINT_CHARS
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Below this many findings per thread, [`group`] builds them on one: a thread costs more.
const FINDINGS_PER_THREAD: usize = 512;

/// Groups sightings by fingerprint. When two rules found the same bytes, the rule with the
/// higher priority names the finding. Output is sorted by provider, rule and first location.
/// Building a finding (its fingerprint, redaction and consumers, which look at the file
/// system) needs no other: a large scan's thousands are built on up to `threads` threads.
pub fn group(rules: &[Rule], sightings: Vec<Sighting>, threads: usize) -> Vec<Finding> {
    let mut by_secret: HashMap<Vec<u8>, (usize, Vec<Location>)> = HashMap::new();
    for sighting in sightings {
        let entry = by_secret
            .entry(sighting.secret)
            .or_insert_with(|| (sighting.rule, Vec::new()));
        if rules[sighting.rule].priority > rules[entry.0].priority {
            entry.0 = sighting.rule;
        }
        entry.1.push(sighting.location);
    }
    let ranks = ranks(rules);
    let unbuilt: Vec<Unbuilt> = by_secret
        .into_iter()
        .map(|(secret, (rule, locations))| Unbuilt::new(&ranks, secret, rule, locations))
        .collect();
    let threads = threads.clamp(1, unbuilt.len().div_ceil(FINDINGS_PER_THREAD).max(1));
    // Cut by value, not by position: each share sorted on its own thread and built there is
    // a run of the result, so the runs are only put one after the other (no merge moves a
    // finding, six times the size of what is sorted).
    let mut built = on_threads(in_order_shares(unbuilt, threads), |mut share| {
        share.sort_by(Unbuilt::order);
        built(rules, share)
    })
    .into_iter();
    let mut findings = built.next().unwrap_or_default();
    for more in built {
        findings.extend(more);
    }
    findings
}

/// `items` cut into `count` shares of about the same length, every item of a share before
/// every item of the next in the report's order.
fn in_order_shares(mut items: Vec<Unbuilt>, count: usize) -> Vec<Vec<Unbuilt>> {
    let share = items.len().div_ceil(count.max(1)).max(1);
    let mut shares = Vec::with_capacity(count);
    while items.len() > share {
        // The `share` first in order to the front (in no order among themselves).
        items.select_nth_unstable_by(share - 1, Unbuilt::order);
        let rest = items.split_off(share);
        shares.push(std::mem::replace(&mut items, rest));
    }
    shares.push(items);
    shares
}

/// `work` done on each share, the first on this thread and each other on its own; the results
/// in the shares' order.
fn on_threads<T: Send, R: Send>(shares: Vec<Vec<T>>, work: impl Fn(Vec<T>) -> R + Sync) -> Vec<R> {
    let mut shares = shares.into_iter();
    let Some(first) = shares.next() else {
        return Vec::new();
    };
    let work = &work;
    std::thread::scope(|scope| {
        let others: Vec<_> = shares
            .map(|share| scope.spawn(move || work(share)))
            .collect();
        let mut results = vec![work(first)];
        for other in others {
            // A panic while building is not an input error: it goes on as one.
            results.push(
                other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        results
    })
}

/// A finding before it is built: what it is sorted by, a sixth of a [`Finding`]'s size.
struct Unbuilt {
    rank: u32,
    locations: Vec<Location>,
    fingerprint: String,
    secret: Vec<u8>,
    rule: usize,
}

/// Each rule's place in the order of (provider, id), equal for equal pairs: findings are
/// sorted by it rather than by comparing two strings each time.
fn ranks(rules: &[Rule]) -> Vec<u32> {
    let mut by_name: Vec<usize> = (0..rules.len()).collect();
    let name = |i: usize| (&rules[i].provider, &rules[i].id);
    by_name.sort_by(|&a, &b| name(a).cmp(&name(b)));
    let mut ranks = vec![0; rules.len()];
    let mut rank = 0;
    for (place, &rule) in by_name.iter().enumerate() {
        if place > 0 && name(by_name[place - 1]) != name(rule) {
            rank += 1;
        }
        ranks[rule] = rank;
    }
    ranks
}

/// The findings of `unbuilt`, in its order.
fn built(rules: &[Rule], unbuilt: Vec<Unbuilt>) -> Vec<Finding> {
    let mut named = Consumers::default();
    unbuilt
        .into_iter()
        .map(|unbuilt| {
            let rule = &rules[unbuilt.rule];
            Finding {
                rule_id: rule.id.clone(),
                provider: rule.provider.clone(),
                class: rule.class,
                criticality: rule.criticality,
                revoke_url: rule.revoke_url.clone(),
                description: rule.description.clone(),
                fingerprint: unbuilt.fingerprint,
                redacted: redact(&unbuilt.secret),
                consumers: named.distinct(&unbuilt.locations),
                secret: unbuilt.secret,
                locations: unbuilt.locations,
                vault: None,
                suppressed: Vec::new(),
                expired_exception: None,
                owner: None,
                validation: None,
            }
        })
        .collect()
}

impl Unbuilt {
    fn new(ranks: &[u32], secret: Vec<u8>, rule: usize, mut locations: Vec<Location>) -> Unbuilt {
        locations.sort();
        locations.dedup();
        Unbuilt {
            rank: ranks[rule],
            locations,
            fingerprint: fingerprint(&secret),
            secret,
            rule,
        }
    }

    /// The report's order, with the rule's rank for its provider and id.
    fn order(a: &Unbuilt, b: &Unbuilt) -> std::cmp::Ordering {
        (a.rank, &a.locations, &a.fingerprint).cmp(&(b.rank, &b.locations, &b.fingerprint))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The order of a report's findings: provider, rule, places, fingerprint.
    fn order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
        (&a.provider, &a.rule_id, &a.locations, &a.fingerprint).cmp(&(
            &b.provider,
            &b.rule_id,
            &b.locations,
            &b.fingerprint,
        ))
    }

    #[test]
    fn findings_built_on_several_threads_are_those_built_on_one() {
        let rules = crate::detect::rules::RuleSet::builtin()
            .expect("built-in rules")
            .into_rules();
        let sightings: Vec<Sighting> = (0..3000)
            .map(|i| Sighting {
                rule: i % 7,
                // Fewer secrets than sightings: most are seen in several places.
                secret: format!("secret-{}", i % 1700).into_bytes(),
                location: Location {
                    path: PathBuf::from(format!("project{}/.env", i % 13)),
                    line: i % 11 + 1,
                    column: 1,
                    kind: LocationKind::Dotenv,
                    context: None,
                    inline_allow: None,
                    commit: None,
                },
            })
            .collect();
        let one = group(&rules, sightings.clone(), 1);
        assert_eq!(one.len(), 1700);
        assert!(
            one.is_sorted_by(|a, b| order(a, b).is_lt()),
            "in report order"
        );
        // Three and four shares, each cut by value, sorted and built on its own thread.
        for threads in [3, 4] {
            let several = group(&rules, sightings.clone(), threads);
            assert_eq!(
                format!("{one:?}"),
                format!("{several:?}"),
                "{threads} threads"
            );
        }
    }

    #[test]
    fn fingerprint_is_sha256_hex() {
        assert_eq!(
            fingerprint(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn redaction_never_shows_the_middle() {
        assert_eq!(redact(b"sk-proj-Q7fL2mZp9XvR4tKw8NcB1yHdx9Qa"), "sk-p…x9Qa");
        assert_eq!(redact(b"hunter2hunter"), "hu…er");
        assert_eq!(redact(b"short"), "…");
        let redacted = redact("ключ-секрет-значение".as_bytes());
        assert!(redacted.starts_with("клю"));
    }

    #[test]
    fn private_keys_redact_to_their_type_and_a_fingerprint_prefix() {
        let body = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2";
        let rsa = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----");
        let other = rsa.replace("QUJD", "WFla");
        let redacted = redact(rsa.as_bytes());
        let short = &fingerprint(rsa.as_bytes())[..8];
        assert_eq!(
            redacted,
            format!("-----BEGIN RSA PRIVATE KEY----- …(sha256:{short})")
        );
        assert_ne!(
            redacted,
            redact(other.as_bytes()),
            "two keys, two redactions"
        );
        assert!(!redacted.contains(&body[..8]));
        assert!(is_key_redaction(&redacted));

        // A service-account key's private_key, with JSON's escaped newlines.
        let escaped = format!("-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----");
        assert!(redact(escaped.as_bytes()).starts_with("-----BEGIN PRIVATE KEY----- …(sha256:"));

        assert!(!is_key_redaction(
            "-----BEGIN RSA PRIVATE KEY----- …(sha256:MIIEvQIB)"
        ));
        assert!(!is_key_redaction(
            "-----BEGIN MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwgg----- …(sha256:4f1c2a9e)"
        ));
        assert!(!is_key_redaction(
            "-----BEGIN RSA PRIVATE KEY----- …(sha256:4f1c2a9e0)"
        ));
    }
}
