//! Keyword automaton + regex confirmation.
//!
//! One Aho-Corasick automaton over every rule's keywords is the only thing that sees every byte.
//! Each keyword hit opens a bounded window for the rules that own that keyword; windows of the
//! same rule are merged so no byte is searched twice by one regex, and only then does the rule's
//! regex run. Candidates then pass the rule's entropy floor, its validator and the placeholder
//! filter.

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::detect::placeholder::is_placeholder;
use crate::detect::references::{self, RawReference, ReferenceFinder};
use crate::detect::rules::validators::shannon_entropy;
use crate::detect::rules::{Rule, RuleSet, SecretEncoding, base64_user_password};

/// How far a window may grow to reach the start or end of its line.
const LINE_EXTENSION_LIMIT: usize = 1024;

#[derive(Debug, thiserror::Error)]
#[error("cannot build the keyword automaton: {0}")]
pub struct MatcherError(#[from] aho_corasick::BuildError);

/// A confirmed secret: which rule found it and where its bytes are in the haystack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
}

pub struct Matcher {
    rules: Vec<Rule>,
    automaton: AhoCorasick,
    /// For each rule keyword pattern, the rules that list that keyword. Patterns after these
    /// are the vault-reference keywords, in `references::KEYWORDS` order.
    rules_by_keyword: Vec<Vec<usize>>,
    references: ReferenceFinder,
}

/// A rule index and the byte range its regex searches.
type Window = (usize, usize, usize);
/// A reference pattern index and the offset of its keyword.
type ReferenceHit = (usize, usize);

/// Everything one pass over a buffer finds.
#[derive(Debug, Default)]
pub struct Hits {
    pub candidates: Vec<Candidate>,
    pub references: Vec<RawReference>,
}

/// What the automaton is built for: a full DFA scans several times faster than an NFA but takes
/// milliseconds to build for a few hundred keywords, which a pre-commit hook scanning three
/// small files would spend for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Walks, history, large files: build the DFA.
    Large,
    /// A few small files or a staged diff: start scanning sooner.
    Small,
}

impl Matcher {
    pub fn new(rule_set: RuleSet) -> Result<Matcher, MatcherError> {
        Matcher::for_input(rule_set, Input::Large)
    }

    pub fn for_input(rule_set: RuleSet, input: Input) -> Result<Matcher, MatcherError> {
        let rules = rule_set.into_rules();
        let mut keywords: Vec<String> = Vec::new();
        let mut rules_by_keyword: Vec<Vec<usize>> = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            for keyword in &rule.keywords {
                match keywords.iter().position(|k| k == keyword) {
                    Some(pattern) => rules_by_keyword[pattern].push(index),
                    None => {
                        keywords.push(keyword.clone());
                        rules_by_keyword.push(vec![index]);
                    }
                }
            }
        }
        // Reference keywords ride along so that one automaton sees every byte once.
        let patterns = keywords
            .iter()
            .map(String::as_str)
            .chain(references::KEYWORDS.iter().copied());
        // A full DFA costs memory at start-up but scans several times faster than the NFA the
        // builder picks for a few hundred keywords.
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(match input {
                Input::Large => AhoCorasickKind::DFA,
                Input::Small => AhoCorasickKind::ContiguousNFA,
            }))
            .build(patterns)?;
        Ok(Matcher {
            rules,
            automaton,
            rules_by_keyword,
            references: ReferenceFinder::new(),
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Every secret in `haystack`, sorted by position, with overlaps between rules resolved.
    pub fn find(&self, haystack: &[u8]) -> Vec<Candidate> {
        self.find_all(haystack).candidates
    }

    /// Secrets and vault references in `haystack`, from one pass of the automaton.
    pub fn find_all(&self, haystack: &[u8]) -> Hits {
        let (windows, reference_hits) = self.windows(haystack);
        let mut candidates = Vec::new();
        for (rule_index, start, end) in windows {
            let rule = &self.rules[rule_index];
            let (start, end) = extend_to_lines(haystack, start, end);
            confirm(rule, rule_index, haystack, start, end, &mut candidates);
        }
        let references = self.references.confirm(haystack, &reference_hits);
        // A value that is a vault reference (`A_SECRET=projects/p/secrets/s/versions/2`) is the
        // good pattern, listed as a reference; it is never also a finding.
        candidates.retain(|c| !references.iter().any(|r| r.covers(c.start, c.end)));
        Hits {
            candidates: resolve_overlaps(&self.rules, candidates),
            references,
        }
    }

    /// Merged (rule, start, end) windows around every keyword hit, and the (reference pattern,
    /// offset) of every reference keyword hit.
    fn windows(&self, haystack: &[u8]) -> (Vec<Window>, Vec<ReferenceHit>) {
        let mut windows: Vec<Window> = Vec::new();
        let mut reference_hits: Vec<ReferenceHit> = Vec::new();
        let rule_patterns = self.rules_by_keyword.len();
        for hit in self.automaton.find_overlapping_iter(haystack) {
            let pattern = hit.pattern().as_usize();
            if pattern >= rule_patterns {
                reference_hits.push((pattern - rule_patterns, hit.start()));
                continue;
            }
            for &rule_index in &self.rules_by_keyword[pattern] {
                let rule = &self.rules[rule_index];
                if rule.followed_by_assignment && !assignment_follows(haystack, hit.end()) {
                    continue;
                }
                let reach = rule.window;
                windows.push((
                    rule_index,
                    hit.start().saturating_sub(reach),
                    (hit.end() + reach).min(haystack.len()),
                ));
            }
        }
        windows.sort_unstable();
        let mut merged: Vec<Window> = Vec::with_capacity(windows.len());
        for window in windows {
            match merged.last_mut() {
                Some(last) if last.0 == window.0 && window.1 <= last.2 => {
                    last.2 = last.2.max(window.2);
                }
                _ => merged.push(window),
            }
        }
        (merged, reference_hits)
    }
}

/// How many name bytes may follow a keyword before the assignment (`SECRET` in `SECRET_KEY_BASE`).
const NAME_TAIL_LIMIT: usize = 24;

/// True when an assignment operator follows `at`: the rest of a name, an optional closing quote
/// or bracket, spaces, then `=` (not `==`), `:` (not `::`), `:=` or `=>`.
fn assignment_follows(haystack: &[u8], at: usize) -> bool {
    let rest = &haystack[at.min(haystack.len())..];
    let mut i = rest
        .iter()
        .take(NAME_TAIL_LIMIT)
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        .count();
    // `"token": …`, `['token'] = …`: up to two closing quotes or brackets.
    for _ in 0..2 {
        if matches!(rest.get(i), Some(b'"' | b'\'' | b'`' | b']')) {
            i += 1;
        }
    }
    while matches!(rest.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    match (rest.get(i), rest.get(i + 1)) {
        (Some(b'='), Some(b'=')) | (Some(b':'), Some(b':')) => false,
        (Some(b'=' | b':'), _) => true,
        _ => false,
    }
}

/// Grows a window to whole lines (within a limit) so a regex never starts mid-token.
fn extend_to_lines(haystack: &[u8], start: usize, end: usize) -> (usize, usize) {
    let floor = start.saturating_sub(LINE_EXTENSION_LIMIT);
    let new_start = match memchr::memrchr(b'\n', &haystack[floor..start]) {
        Some(pos) => floor + pos + 1,
        None => floor,
    };
    let ceiling = (end + LINE_EXTENSION_LIMIT).min(haystack.len());
    let new_end = match memchr::memchr(b'\n', &haystack[end..ceiling]) {
        Some(pos) => end + pos,
        None => ceiling,
    };
    (new_start, new_end)
}

fn confirm(
    rule: &Rule,
    rule_index: usize,
    haystack: &[u8],
    start: usize,
    end: usize,
    out: &mut Vec<Candidate>,
) {
    // Searching `haystack[..end]` from `start` (rather than a sub-slice) keeps `^` and boundary
    // classes honest: they see the real byte before the window, not a fake start of text.
    let Some(regex) = rule.regex() else {
        return;
    };
    // A window that ends mid-line (a line longer than the extension limit) must not let `$`
    // match at the cut: that would accept the first part of a longer value as a whole token.
    // The regex then sees one more window's worth of text; matches must still start inside.
    let cut = end < haystack.len() && haystack[end] != b'\n';
    let visible = if cut {
        (end + rule.window).min(haystack.len())
    } else {
        end
    };
    let bounded = &haystack[..visible];
    let mut at = start;
    while at <= end {
        let Some(captures) = regex.captures_at(bounded, at) else {
            break;
        };
        let whole = captures.get(0).map_or(at..at + 1, |m| m.range());
        if whole.start > end {
            break;
        }
        at = if whole.end > whole.start {
            whole.end
        } else {
            whole.end + 1
        };
        let Some(secret) = captures.name("secret") else {
            continue;
        };
        if let (Some(excludes), Some(name)) = (rule.name_excludes(), captures.name("name"))
            && excludes.is_match(name.as_bytes())
        {
            continue;
        }
        let mut bytes = secret.as_bytes();
        // A base64 `user:password` capture is judged by the password it decodes to.
        let decoded;
        if rule.secret_encoding == Some(SecretEncoding::Base64UserPassword) {
            let Some(password) = base64_user_password(bytes) else {
                continue;
            };
            decoded = password;
            bytes = &decoded;
        }
        if rule.entropy.is_some_and(|min| shannon_entropy(bytes) < min) {
            continue;
        }
        if rule.validator.is_some_and(|v| !v.accepts(bytes)) {
            continue;
        }
        if is_placeholder(bytes) {
            continue;
        }
        out.push(Candidate {
            rule: rule_index,
            start: secret.start(),
            end: secret.end(),
        });
    }
}

/// Keeps one rule per stretch of text: higher priority first, then the longer secret.
fn resolve_overlaps(rules: &[Rule], mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.sort_unstable_by(|a, b| {
        rules[b.rule]
            .priority
            .cmp(&rules[a.rule].priority)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
            .then(a.rule.cmp(&b.rule))
    });
    // start -> end of every accepted candidate; spans never overlap, so neighbours suffice.
    let mut accepted: BTreeMap<usize, Candidate> = BTreeMap::new();
    for candidate in candidates {
        let overlaps_before = accepted
            .range(..=candidate.start)
            .next_back()
            .is_some_and(|(_, prev)| prev.end > candidate.start);
        let overlaps_after = accepted
            .range(candidate.start..)
            .next()
            .is_some_and(|(_, next)| next.start < candidate.end);
        if !overlaps_before && !overlaps_after {
            accepted.insert(candidate.start, candidate);
        }
    }
    accepted.into_values().collect()
}

/// Converts byte offsets into 1-based (line, column) pairs; column counts Unicode scalar values
/// (bytes for invalid UTF-8). Offsets must be sorted ascending.
pub fn line_columns(haystack: &[u8], offsets: &[usize]) -> Vec<(usize, usize)> {
    let mut positions = Vec::with_capacity(offsets.len());
    let mut line = 1;
    let mut line_start = 0;
    let mut scanned = 0;
    for &offset in offsets {
        let offset = offset.min(haystack.len());
        if offset > scanned {
            let segment = &haystack[scanned..offset];
            line += memchr::memchr_iter(b'\n', segment).count();
            if let Some(last) = memchr::memrchr(b'\n', segment) {
                line_start = scanned + last + 1;
            }
            scanned = offset;
        }
        let column = haystack[line_start..offset]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count()
            + 1;
        positions.push((line, column));
    }
    positions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::PackSource;

    fn matcher(pack: &str) -> Matcher {
        let mut set = RuleSet::default();
        set.add_pack(&PackSource::Builtin("test.toml"), pack)
            .expect("test pack is valid");
        Matcher::new(set).expect("automaton builds")
    }

    const PACK: &str = r#"
[[rules]]
id = "acme-key"
provider = "acme"
class = "saas"
description = "Acme key"
keywords = ["acme_"]
regex = '(?P<secret>acme_[a-zA-Z0-9]{16})'

[[rules]]
id = "generic-token"
provider = "generic"
class = "generic"
description = "token assignment"
keywords = ["token"]
regex = '(?i)token\s*=\s*(?P<secret>[A-Za-z0-9_]{12,})'
priority = -10
"#;

    /// The quick-to-build automaton finds exactly what the DFA finds: on every built-in rule's
    /// examples and negatives, one after another.
    #[test]
    fn both_automata_find_the_same() {
        let rules = RuleSet::builtin_with_examples().expect("built-in rules");
        let mut text = String::new();
        for rule in rules.rules() {
            for example in &rule.examples {
                text.push_str(&example.input);
                text.push('\n');
            }
            for negative in &rule.negatives {
                text.push_str(negative);
                text.push('\n');
            }
        }
        let large = Matcher::for_input(rules.clone(), Input::Large).expect("DFA");
        let small = Matcher::for_input(rules, Input::Small).expect("NFA");
        let found = large.find(text.as_bytes());
        assert!(found.len() > 300, "{} found", found.len());
        assert_eq!(found, small.find(text.as_bytes()));
    }

    #[test]
    fn finds_secret_and_ignores_text_without_keyword() {
        let m = matcher(PACK);
        let hay = b"nothing here\nkey = acme_Q7fL2mZp9XvR4tKw\n";
        let found = m.find(hay);
        assert_eq!(found.len(), 1);
        assert_eq!(&hay[found[0].start..found[0].end], b"acme_Q7fL2mZp9XvR4tKw");
        assert!(m.find(b"acme is a company; Q7fL2mZp9XvR4tKw").is_empty());
    }

    #[test]
    fn keyword_match_is_case_insensitive_and_works_on_invalid_utf8() {
        let m = matcher(PACK);
        let mut hay = vec![0xff, 0xfe, b'\n'];
        hay.extend_from_slice(b"TOKEN = Zk8mQ2pL7xW4rT9v\n");
        let found = m.find(&hay);
        assert_eq!(found.len(), 1);
        assert_eq!(m.rules()[found[0].rule].id, "generic-token");
    }

    #[test]
    fn specific_rule_wins_over_generic_on_same_text() {
        let m = matcher(PACK);
        let hay = b"token = acme_Q7fL2mZp9XvR4tKw";
        let found = m.find(hay);
        assert_eq!(found.len(), 1);
        assert_eq!(m.rules()[found[0].rule].id, "acme-key");
    }

    #[test]
    fn many_hits_on_one_line_are_each_found_once() {
        let m = matcher(PACK);
        let hay = b"acme_Q7fL2mZp9XvR4tKw acme_Q7fL2mZp9XvR4tKx acme_Q7fL2mZp9XvR4tKy";
        assert_eq!(m.find(hay).len(), 3);
    }

    #[test]
    fn placeholders_are_dropped() {
        let m = matcher(PACK);
        assert!(m.find(b"acme_xxxxxxxxxxxxxxxx").is_empty());
        assert!(m.find(b"token = ${{secrets.TOKEN_VALUE}}").is_empty());
    }

    #[test]
    fn assignments_are_recognised_after_a_keyword() {
        for text in [
            "token=x",
            "token = x",
            "token\": \"x",
            "token: x",
            "token := x",
            "token_value => x",
            "token'] = x",
        ] {
            assert!(assignment_follows(text.as_bytes(), 5), "{text}");
        }
        for text in [
            "token == x",
            "token::new()",
            "token.refresh()",
            "token",
            "tokens are nice",
        ] {
            assert!(!assignment_follows(text.as_bytes(), 5), "{text}");
        }
    }

    #[test]
    fn a_window_cut_mid_line_does_not_end_a_token() {
        let m = matcher(
            r#"
[[rules]]
id = "bounded-token"
provider = "generic"
class = "generic"
description = "token assignment with a length limit"
keywords = ["token"]
regex = '(?i)token\s*=\s*(?P<secret>[A-Za-z0-9]{12,40})(?:[^A-Za-z0-9_]|$)'
"#,
        );
        // The keyword's window (256 bytes, grown by at most 1024 towards the line end) ends
        // 30 characters into a 100-character value: no 12–40 character token ends there.
        const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let value: String = (0..100usize)
            .map(|i| ALNUM[(i * 7919 + i * i * 31) % ALNUM.len()] as char)
            .collect();
        let line = format!("token ={}{value}", " ".repeat(1248));
        assert!(m.find(line.as_bytes()).is_empty(), "cut value accepted");
        // The same value, short enough, at the same place is found.
        let short = format!("token ={}{}", " ".repeat(1248), &value[..30]);
        assert_eq!(m.find(short.as_bytes()).len(), 1);
    }

    #[test]
    fn line_columns_count_lines_and_characters() {
        let hay = "ab\ncé x\n\nzz".as_bytes();
        let offsets = [0, 4, 6, 10];
        assert_eq!(
            line_columns(hay, &offsets),
            vec![(1, 1), (2, 2), (2, 3), (4, 1)]
        );
    }
}
