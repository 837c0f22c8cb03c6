//! Keyword automaton + regex confirmation.
//!
//! One Aho-Corasick automaton over every rule's keywords is the only thing that sees every byte.
//! Each keyword hit opens a bounded window for the rules that own that keyword; windows of the
//! same rule are merged so no byte is searched twice by one regex, and only then does the rule's
//! regex run. Candidates then pass the rule's entropy floor, its validator and the placeholder
//! filter.

mod assigned;
mod kept;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{Anchored, MatchKind, dfa, nfa};

use self::assigned::{AssignedWords, assignment_follows, searchable_from_operators};
use self::kept::Kept;
use crate::detect::decode;
use crate::detect::placeholder::is_placeholder;
use crate::detect::references::{self, RawReference, ReferenceFinder};
use crate::detect::rules::validators::shannon_entropy;
use crate::detect::rules::{Rule, RulePattern, RuleSet, SecretEncoding, base64_user_password};

/// How far a window may grow to reach the start or end of its line.
const LINE_EXTENSION_LIMIT: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum MatcherError {
    #[error("cannot build the keyword automaton: {0}")]
    Build(#[from] aho_corasick::BuildError),
    #[error("the keyword automaton has no unanchored start: {0}")]
    Start(#[from] aho_corasick::MatchError),
}

/// A confirmed secret: which rule found it and where its bytes are in the haystack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
}

pub struct Matcher {
    rules: Vec<Rule>,
    /// For each keyword, the rules that list it.
    rules_by_keyword: Vec<Vec<usize>>,
    /// One automaton over every keyword.
    every: KeywordSearch,
    /// The search for buffers with few assignment operators: large inputs only, and only when
    /// some keywords are assignment-only.
    sparse: Option<SparseSearch>,
    references: ReferenceFinder,
}

/// Where assignment operators are few, the assignment-only words are better found from them
/// back than by the automaton, which would find every occurrence only for nearly all of them
/// to be rejected; every other keyword is found by an automaton without those words.
struct SparseSearch {
    /// Keywords all of whose rules want an assignment after them (keyword `words[w]` is word
    /// `w`), and their search from the operators back.
    words: Vec<usize>,
    assigned: AssignedWords,
    others: KeywordSearch,
}

/// A keyword automaton and which keyword each of its first patterns is. Its patterns after
/// those are the vault-reference keywords, in `references::KEYWORDS` order, then
/// `decode::PAIR_KEYWORDS`.
struct KeywordSearch {
    automaton: Keywords,
    keyword_of: Vec<usize>,
}

impl KeywordSearch {
    fn build(
        keywords: &[String],
        searched: Vec<usize>,
        input: Input,
    ) -> Result<KeywordSearch, MatcherError> {
        // Reference keywords ride along so that one automaton sees every byte once.
        let patterns = searched
            .iter()
            .map(|&k| keywords[k].as_str())
            .chain(references::KEYWORDS.iter().copied())
            .chain(decode::PAIR_KEYWORDS.iter().copied());
        Ok(KeywordSearch {
            automaton: Keywords::build(patterns, input)?,
            keyword_of: searched,
        })
    }
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
    /// One of [`decode::PAIR_KEYWORDS`] is in the buffer: it may hold an encoded pair.
    pub pair_keywords: bool,
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

/// The keyword automaton, searched by [`each_keyword`] rather than through `AhoCorasick`:
/// that loop walks one stretch of text at a time, so each byte waits for the table lookup of
/// the byte before it; walking several stretches in step keeps the processor busy.
enum Keywords {
    Dfa(dfa::DFA, StateID),
    Nfa(nfa::contiguous::NFA, StateID),
}

impl Keywords {
    fn build<'a>(
        patterns: impl Iterator<Item = &'a str> + Clone,
        input: Input,
    ) -> Result<Keywords, MatcherError> {
        // Case-insensitive, every occurrence (overlapping); the automaton's own prefilter is
        // never used by `each_keyword`.
        Ok(match input {
            Input::Large => {
                let (automaton, start) = keyword_dfa(patterns)?;
                Keywords::Dfa(automaton, start)
            }
            Input::Small => {
                let automaton = nfa::contiguous::NFA::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(patterns)?;
                let start = automaton.start_state(Anchored::No)?;
                Keywords::Nfa(automaton, start)
            }
        })
    }

    /// Calls `hit(pattern, start, end)` for every keyword occurrence, in no particular order.
    fn each(&self, haystack: &[u8], hit: impl FnMut(usize, usize, usize)) {
        match self {
            Keywords::Dfa(automaton, start) => each_keyword(automaton, *start, haystack, hit),
            Keywords::Nfa(automaton, start) => each_keyword(automaton, *start, haystack, hit),
        }
    }
}

/// A case-insensitive DFA reporting every occurrence (overlapping) of `patterns`, and its
/// unanchored start, as [`each_keyword`] walks it: its own prefilter is never used.
fn keyword_dfa<'a>(
    patterns: impl IntoIterator<Item = &'a str>,
) -> Result<(dfa::DFA, StateID), MatcherError> {
    let automaton = dfa::DFA::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .prefilter(false)
        .build(patterns)?;
    let start = automaton.start_state(Anchored::No)?;
    Ok((automaton, start))
}

/// A buffer is judged by its first this many bytes.
const OPERATOR_SAMPLE: usize = 4096;
/// Fewer assignment operators than one in this many bytes: the assignment-only words are
/// searched from the operators. Source code has one in about sixty bytes, and its generic
/// words are few: there the automaton that finds them all is cheaper.
const SPARSE_OPERATORS: usize = 256;

/// Are the assignment operators few enough in `haystack`'s first bytes to search the
/// assignment-only words from them? Small buffers are not worth the second automaton.
fn few_operators(haystack: &[u8]) -> bool {
    if haystack.len() < OPERATOR_SAMPLE {
        return false;
    }
    let sample = &haystack[..OPERATOR_SAMPLE];
    memchr::memchr2_iter(b'=', b':', sample).count() * SPARSE_OPERATORS < sample.len()
}

/// How many stretches of a buffer the keyword search walks in step.
const STREAMS: usize = 4;
/// Below this, one stretch: the set-up of several is not worth it.
const STREAMS_FROM: usize = 16 * 1024;

/// Every keyword occurrence in `haystack` (overlapping, as a `Standard` overlapping search
/// reports them), found by walking [`STREAMS`] equal stretches in step. Each stretch starts
/// from the start state, so it finds exactly the occurrences that start inside it, provided it
/// reads on past its end by the longest keyword less one byte; occurrences it sees there that
/// start past its end are the next stretch's and are dropped. Never inlined, so that profiles
/// and `scripts/instructions.sh` show the keyword search under its own name.
#[inline(never)]
fn each_keyword<A: Automaton>(
    automaton: &A,
    start: StateID,
    haystack: &[u8],
    mut hit: impl FnMut(usize, usize, usize),
) {
    let mut report = |sid: StateID, end: usize, starts_before: usize| {
        if !automaton.is_match(sid) {
            return;
        }
        for index in 0..automaton.match_len(sid) {
            let pattern = automaton.match_pattern(sid, index);
            let begin = end - automaton.pattern_len(pattern);
            if begin < starts_before {
                hit(pattern.as_usize(), begin, end);
            }
        }
    };
    let walk = |mut sid: StateID,
                from: usize,
                to: usize,
                starts_before: usize,
                report: &mut dyn FnMut(StateID, usize, usize)| {
        for (offset, &byte) in haystack[from..to].iter().enumerate() {
            sid = automaton.next_state(Anchored::No, sid, byte);
            if automaton.is_special(sid) {
                report(sid, from + offset + 1, starts_before);
            }
        }
    };
    if haystack.len() < STREAMS_FROM {
        walk(start, 0, haystack.len(), usize::MAX, &mut report);
        return;
    }
    let stretch = haystack.len() / STREAMS;
    let [first, second, third, fourth]: [&[u8]; STREAMS] =
        std::array::from_fn(|k| &haystack[k * stretch..][..stretch]);
    // Four states in four variables (registers, not an array in memory), and one branch for
    // the four: a keyword ends at one byte in thousands.
    let (mut a, mut b, mut c, mut d) = (start, start, start, start);
    for i in 0..stretch {
        a = automaton.next_state(Anchored::No, a, first[i]);
        b = automaton.next_state(Anchored::No, b, second[i]);
        c = automaton.next_state(Anchored::No, c, third[i]);
        d = automaton.next_state(Anchored::No, d, fourth[i]);
        let special = |sid| automaton.is_special(sid);
        if special(a) | special(b) | special(c) | special(d) {
            for (k, sid) in [a, b, c, d].into_iter().enumerate() {
                if special(sid) {
                    report(sid, k * stretch + i + 1, usize::MAX);
                }
            }
        }
    }
    let states = [a, b, c, d];
    let overlap = automaton.max_pattern_len().saturating_sub(1);
    for (k, &sid) in states.iter().enumerate() {
        let from = (k + 1) * stretch;
        if k + 1 == STREAMS {
            // The last stretch also takes the bytes the division left over.
            walk(sid, from, haystack.len(), usize::MAX, &mut report);
        } else {
            walk(
                sid,
                from,
                (from + overlap).min(haystack.len()),
                from,
                &mut report,
            );
        }
    }
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
        let (words, others): (Vec<usize>, Vec<usize>) = (0..keywords.len()).partition(|&k| {
            searchable_from_operators(&keywords[k])
                && rules_by_keyword[k]
                    .iter()
                    .all(|&rule| rules[rule].followed_by_assignment)
        });
        let assigned = match input {
            Input::Large => AssignedWords::build(words.iter().map(|&k| keywords[k].as_str()))?,
            Input::Small => None,
        };
        // Both automata take milliseconds: built side by side.
        let (every, others) = std::thread::scope(|scope| {
            let others = assigned
                .is_some()
                .then(|| scope.spawn(|| KeywordSearch::build(&keywords, others, input)));
            let every = KeywordSearch::build(&keywords, (0..keywords.len()).collect(), input);
            let others = others.map(|build| {
                // A panic while building is not an input error: it goes on as one.
                build
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            });
            (every, others)
        });
        let sparse = match (assigned, others.transpose()?) {
            (Some(assigned), Some(others)) => Some(SparseSearch {
                words,
                assigned,
                others,
            }),
            _ => None,
        };
        Ok(Matcher {
            every: every?,
            sparse,
            rules_by_keyword,
            rules,
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
        let (mut windows, reference_hits, pair_keywords) = self.windows(haystack);
        let references = self.references.confirm(haystack, &reference_hits);
        // A priority at a time, the highest first: what the higher rules keep is then known when
        // a lower rule's window is confirmed, and a match of it that could only overlap what
        // they keep is not taken apart (a generic `api_token = "…"` around a provider's key).
        windows.sort_unstable_by_key(|&(rule, start, _)| {
            (std::cmp::Reverse(self.rules[rule].priority), rule, start)
        });
        let priority = |&(rule, ..): &Window| self.rules[rule].priority;
        let mut kept = Kept::default();
        for same_priority in windows.chunk_by(|a, b| priority(a) == priority(b)) {
            let mut level = Vec::new();
            for &(rule_index, start, end) in same_priority {
                let span = extend_to_lines(haystack, start, end);
                let rule = &self.rules[rule_index];
                confirm(rule, rule_index, haystack, span, &kept, &mut level);
            }
            // A value that is a vault reference (`A_SECRET=projects/p/secrets/s/versions/2`) is
            // the good pattern, listed as a reference; it is never also a finding.
            level.retain(|c| !references.iter().any(|r| r.covers(c.start, c.end)));
            kept.add_level(level);
        }
        Hits {
            candidates: kept.into_candidates(),
            references,
            pair_keywords,
        }
    }

    /// Merged (rule, start, end) windows around every keyword hit, the (reference pattern,
    /// offset) of every reference keyword hit, and whether a pair keyword was seen.
    fn windows(&self, haystack: &[u8]) -> (Vec<Window>, Vec<ReferenceHit>, bool) {
        let mut windows: Vec<Window> = Vec::new();
        // (end, pattern, start) of reference keyword hits, put in the order a sequential
        // search reports them before they are confirmed.
        let mut reference_keyword_hits: Vec<(usize, usize, usize)> = Vec::new();
        let sparse = self.sparse.as_ref().filter(|_| few_operators(haystack));
        let search = sparse.map_or(&self.every, |sparse| &sparse.others);
        let rule_patterns = search.keyword_of.len();
        let pair_patterns = rule_patterns + references::KEYWORDS.len();
        let mut pair_keywords = false;
        // `assigned` is `Some(true)` when an assignment is known to follow the keyword.
        let mut on_keyword =
            |keyword: usize, hit_start: usize, hit_end: usize, mut assigned: Option<bool>| {
                // The generic words hit most often and mostly outside an assignment: one check
                // stands for all of their rules.
                for &rule_index in &self.rules_by_keyword[keyword] {
                    let rule = &self.rules[rule_index];
                    // An assignment rule's match holds the keyword in the name it assigns to, so
                    // it lies on the keyword's own line: that line is the window, not the usual
                    // reach around the hit.
                    let reach = if rule.followed_by_assignment {
                        if !*assigned.get_or_insert_with(|| assignment_follows(haystack, hit_end)) {
                            continue;
                        }
                        0
                    } else {
                        rule.window
                    };
                    windows.push((
                        rule_index,
                        hit_start.saturating_sub(reach),
                        (hit_end + reach).min(haystack.len()),
                    ));
                }
            };
        search
            .automaton
            .each(haystack, |pattern, hit_start, hit_end| {
                if pattern >= pair_patterns {
                    pair_keywords = true;
                } else if pattern >= rule_patterns {
                    reference_keyword_hits.push((hit_end, pattern - rule_patterns, hit_start));
                } else {
                    on_keyword(search.keyword_of[pattern], hit_start, hit_end, None);
                }
            });
        if let Some(sparse) = sparse {
            sparse.assigned.each(haystack, |word, hit_start, hit_end| {
                on_keyword(sparse.words[word], hit_start, hit_end, Some(true));
            });
        }
        reference_keyword_hits.sort_unstable();
        let reference_hits = reference_keyword_hits
            .into_iter()
            .map(|(_, pattern, start)| (pattern, start))
            .collect();
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
        (merged, reference_hits, pair_keywords)
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
    (start, end): (usize, usize),
    kept: &Kept,
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
    // Where higher rules kept something, a match is first found without its groups (several
    // times cheaper): one whose every stretch outside what they kept is too short for this
    // rule's secret could only yield a candidate they overrule.
    let min_len = if kept.is_empty() {
        0
    } else {
        rule.secret_min_len()
    };
    let mut at = start;
    while at <= end {
        if min_len > 0 {
            let Some(whole) = regex.find_at(bounded, at) else {
                break;
            };
            if whole.start() > end {
                break;
            }
            if kept.leaves_no_room(whole.range(), min_len) {
                at = whole.end().max(whole.start() + 1);
                continue;
            }
        }
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
        if let (Some(excludes), Some(name)) = (
            rule.name_excludes.as_ref().and_then(RulePattern::regex),
            captures.name("name"),
        ) && excludes.is_match(name.as_bytes())
        {
            continue;
        }
        if !rule.secret_has_shape(secret.as_bytes()) {
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

    /// Every window confirmed whole, then one resolution of all candidates: what `find_all`
    /// must find while it skips matches that only higher rules' candidates could keep.
    fn unpruned(matcher: &Matcher, haystack: &[u8]) -> Vec<Candidate> {
        let (windows, reference_hits, _) = matcher.windows(haystack);
        let references = matcher.references.confirm(haystack, &reference_hits);
        let mut all = Vec::new();
        for (rule_index, start, end) in windows {
            let span = extend_to_lines(haystack, start, end);
            let rule = &matcher.rules[rule_index];
            confirm(rule, rule_index, haystack, span, &Kept::default(), &mut all);
        }
        all.retain(|c| !references.iter().any(|r| r.covers(c.start, c.end)));
        all.sort_unstable_by(|a, b| {
            let rules = &matcher.rules;
            (rules[b.rule].priority)
                .cmp(&rules[a.rule].priority)
                .then((b.end - b.start).cmp(&(a.end - a.start)))
                .then(a.start.cmp(&b.start))
                .then(a.rule.cmp(&b.rule))
        });
        let mut kept = Kept::default();
        for candidate in all {
            if !kept.overlaps(candidate.start, candidate.end) {
                kept.0.insert(candidate.start, candidate);
            }
        }
        kept.into_candidates()
    }

    /// Provider keys assigned to generic names (`api_token = "ghp_…"`), generic values beside
    /// them on the same line and alone: the generic matches around a provider's key are skipped,
    /// and nothing else changes.
    #[test]
    fn matches_only_higher_rules_could_keep_are_skipped_without_loss() {
        let rules = RuleSet::builtin_with_examples().expect("built-in rules");
        let matcher = Matcher::new(rules.clone()).expect("matcher");
        let mut text = String::new();
        for rule in rules.rules() {
            for example in &rule.examples {
                text.push_str(&example.input);
                text.push('\n');
                let secret = &example.secret;
                text.push_str(&format!("api_token = \"{secret}\"\n"));
                text.push_str(&format!(
                    "api_token = \"{secret}\"; auth_token = \"E3Y8e7qxq7zYUAMsoFgWVLW_suTntqSU\"\n"
                ));
                text.push_str(&format!("password: {secret}x\n"));
            }
            for negative in &rule.negatives {
                text.push_str(negative);
                text.push('\n');
            }
        }
        let found = matcher.find_all(text.as_bytes()).candidates;
        assert!(found.len() > 500, "{} found", found.len());
        let generic = found
            .iter()
            .filter(|c| matcher.rules[c.rule].id == "generic-token-assignment")
            .count();
        assert!(
            generic > 10,
            "{generic} generic tokens beside provider keys"
        );
        assert_eq!(found, unpruned(&matcher, text.as_bytes()));
    }

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

    /// In prose with few assignment operators the generic words are searched from the
    /// operators back, and find what the automaton over every keyword finds.
    #[test]
    fn words_found_from_operators_find_what_the_automaton_finds() {
        let rules = RuleSet::builtin_with_examples().expect("built-in rules");
        let prose = "the token and the secret of a password are kept in a private key store; ";
        let mut text = prose.repeat(60);
        for rule in rules.rules() {
            for example in rule.examples.iter().map(|e| e.input.as_str()) {
                text.push_str(example);
                text.push('\n');
                text.push_str(&prose.repeat(4));
            }
        }
        let large = Matcher::for_input(rules.clone(), Input::Large).expect("DFA");
        let small = Matcher::for_input(rules, Input::Small).expect("NFA");
        let found = large.find(text.as_bytes());
        assert!(
            large.sparse.is_some() && few_operators(text.as_bytes()),
            "the operator search runs"
        );
        assert!(small.sparse.is_none());
        assert!(found.len() > 300, "{} found", found.len());
        let generic = found
            .iter()
            .filter(|c| large.rules()[c.rule].followed_by_assignment)
            .count();
        assert!(generic > 10, "{generic} generic finds");
        assert_eq!(found, small.find(text.as_bytes()));
    }

    /// Walking the buffer in several stretches finds every keyword occurrence a sequential
    /// overlapping search finds: keywords across each stretch boundary, at both ends, and with
    /// every remainder the division by the number of stretches can leave.
    #[test]
    fn stretches_find_what_one_sequential_search_finds() {
        let rules = RuleSet::builtin_with_examples().expect("built-in rules");
        let mut text = String::new();
        for rule in rules.rules() {
            for example in &rule.examples {
                text.push_str(&example.input);
                text.push(' ');
            }
        }
        assert!(!text.is_empty(), "the built-in rules carry examples");
        while text.len() < 4 * STREAMS_FROM {
            text = text.repeat(2);
        }
        let keywords: Vec<String> = rules
            .rules()
            .iter()
            .flat_map(|rule| rule.keywords.iter().cloned())
            .collect();
        let sequential = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&keywords)
            .expect("automaton");
        let stretched =
            Keywords::build(keywords.iter().map(String::as_str), Input::Large).expect("DFA");
        for cut in 0..8 {
            let mut haystack = text.as_bytes()[cut..text.len() - 7 + cut].to_vec();
            // A keyword across every boundary between stretches, and one ending the buffer.
            let stretch = haystack.len() / STREAMS;
            for k in 1..STREAMS {
                haystack[k * stretch - 2..][..5].copy_from_slice(b"token");
            }
            let end = haystack.len();
            haystack[end - 4..].copy_from_slice(b"AKIA");
            let haystack = haystack.as_slice();
            let mut expected: Vec<(usize, usize)> = sequential
                .find_overlapping_iter(haystack)
                .map(|m| (m.start(), m.end()))
                .collect();
            let mut found = Vec::new();
            stretched.each(haystack, |_, start, end| found.push((start, end)));
            expected.sort_unstable();
            found.sort_unstable();
            assert!(expected.len() > 1000, "{} hits", expected.len());
            assert_eq!(found, expected, "haystack of {} bytes", haystack.len());
        }
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
