//! Keywords that count only where an assignment follows them: the generic rules' words
//! (`token`, `secret`, `password`, `api_key`, …).
//!
//! They are the most frequent keywords there are, and almost every occurrence in code or prose
//! is not a name being assigned. Rather than the keyword automaton finding every occurrence
//! for each to be rejected, the assignment operators of a buffer are found (`memchr`, which
//! skips most bytes unread) and only the name before each is searched for these words. Every
//! occurrence found is still judged by [`assignment_follows`], so the hits are exactly those
//! of a search for the words followed by that check.

use aho_corasick::automaton::StateID;
use aho_corasick::dfa;

use super::{MatcherError, each_keyword, keyword_dfa};

/// How many name bytes may follow a keyword before the assignment (`SECRET` in `SECRET_KEY_BASE`).
const NAME_TAIL_LIMIT: usize = 24;

/// The bytes a name is made of: the run [`assignment_follows`] skips after a keyword.
fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.')
}

/// True when an assignment operator follows `at`: the rest of a name, an optional closing quote
/// or bracket, spaces, then `=` (not `==`), `:` (not `::`), `:=` or `=>`.
pub(super) fn assignment_follows(haystack: &[u8], at: usize) -> bool {
    let rest = &haystack[at.min(haystack.len())..];
    let mut i = rest
        .iter()
        .take(NAME_TAIL_LIMIT)
        .take_while(|&&b| is_name_byte(b))
        .count();
    // `"token": …`, `['token'] = …`: up to two closing quotes or brackets.
    for _ in 0..2 {
        if rest.get(i).copied().is_some_and(is_closing) {
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

fn is_closing(byte: u8) -> bool {
    matches!(byte, b'"' | b'\'' | b'`' | b']')
}

/// Can this keyword be searched for from the operators back? Only if it is made of name bytes
/// alone: then an occurrence that an assignment follows lies inside the name before the
/// operator.
pub(super) fn searchable_from_operators(keyword: &str) -> bool {
    !keyword.is_empty() && keyword.bytes().all(is_name_byte)
}

/// The assignment-only words, searched in the names before assignment operators.
pub(super) struct AssignedWords {
    automaton: dfa::DFA,
    start: StateID,
    shortest: usize,
    longest: usize,
}

impl AssignedWords {
    /// `None` when there are no such words: the operators are then not looked for at all.
    pub(super) fn build<'a>(
        words: impl Iterator<Item = &'a str> + Clone,
    ) -> Result<Option<AssignedWords>, MatcherError> {
        let lengths = words.clone().map(str::len);
        let (Some(shortest), Some(longest)) = (lengths.clone().min(), lengths.max()) else {
            return Ok(None);
        };
        // Built as the main keyword automaton is; a few words make a DFA that builds in
        // microseconds.
        let (automaton, start) = keyword_dfa(words)?;
        Ok(Some(AssignedWords {
            automaton,
            start,
            shortest,
            longest,
        }))
    }

    /// Calls `hit(word, start, end)` for every occurrence of a word that an assignment follows,
    /// in order of position.
    pub(super) fn each(&self, haystack: &[u8], mut hit: impl FnMut(usize, usize, usize)) {
        for operator in memchr::memchr2_iter(b'=', b':', haystack) {
            // Back over what `assignment_follows` skips forward: spaces, up to two closing
            // quotes or brackets, then the name (as much of it as a word followed by at most
            // `NAME_TAIL_LIMIT` name bytes can reach).
            let mut name_end = operator;
            while name_end > 0 && matches!(haystack[name_end - 1], b' ' | b'\t') {
                name_end -= 1;
            }
            for _ in 0..2 {
                if name_end > 0 && is_closing(haystack[name_end - 1]) {
                    name_end -= 1;
                }
            }
            let reach = NAME_TAIL_LIMIT + self.longest;
            let mut name_start = name_end;
            while name_start > 0
                && name_end - name_start < reach
                && is_name_byte(haystack[name_start - 1])
            {
                name_start -= 1;
            }
            if name_end - name_start < self.shortest {
                continue;
            }
            let name = &haystack[name_start..name_end];
            each_keyword(&self.automaton, self.start, name, |word, start, end| {
                let end = name_start + end;
                if name_end - end <= NAME_TAIL_LIMIT && assignment_follows(haystack, end) {
                    hit(word, name_start + start, end);
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: [&str; 5] = ["token", "secret", "api_key", "api.key", "key"];

    /// What the operator search must equal: every overlapping occurrence of a word, kept when
    /// an assignment follows it.
    fn expected(haystack: &[u8]) -> Vec<(usize, usize, usize)> {
        let all = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(WORDS)
            .expect("automaton");
        let mut hits: Vec<(usize, usize, usize)> = all
            .find_overlapping_iter(haystack)
            .filter(|m| assignment_follows(haystack, m.end()))
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect();
        hits.sort_unstable();
        hits
    }

    fn found(words: &AssignedWords, haystack: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut hits = Vec::new();
        words.each(haystack, |word, start, end| hits.push((word, start, end)));
        hits.sort_unstable();
        hits
    }

    #[test]
    fn finds_exactly_the_words_an_assignment_follows() {
        let words = AssignedWords::build(WORDS.iter().copied())
            .expect("builds")
            .expect("words");
        let names = [
            "token",
            "TOKEN",
            "GITHUB_TOKEN",
            "apiToken",
            "my.api.key",
            "SECRET_KEY_BASE",
            "token_with_a_tail_of_24_",
            "token_with_a_tail_of_25_x",
            "x",
            "",
            "secretsecret",
            "api_key_api_key_api_key_api_key_api_key",
        ];
        let between = ["", "\"", "'", "\"]", "'\"", "\"\"\"", "]", "`"];
        let gaps = ["", " ", "\t ", "  "];
        let operators = ["=", ":", "==", "::", ":=", "=>", "= =", ";", "=="];
        let mut text = String::new();
        for name in names {
            for close in between {
                for gap in gaps {
                    for operator in operators {
                        text.push_str(&format!("{name}{close}{gap}{operator} value\n"));
                        text.push_str(&format!("a.{name}{close}{operator}{name}{operator}x "));
                    }
                }
            }
        }
        let haystack = text.as_bytes();
        let want = expected(haystack);
        assert!(want.len() > 500, "{} expected hits", want.len());
        assert_eq!(found(&words, haystack), want);
        // At the very start and end of a buffer.
        for edge in ["token=", "=token", "token", ":", "key:", " key :"] {
            assert_eq!(
                found(&words, edge.as_bytes()),
                expected(edge.as_bytes()),
                "{edge}"
            );
        }
    }

    #[test]
    fn no_words_means_no_search() {
        assert!(
            AssignedWords::build(std::iter::empty())
                .expect("builds")
                .is_none()
        );
        assert!(searchable_from_operators("api_key"));
        assert!(!searchable_from_operators("token token="));
        assert!(!searchable_from_operators(""));
    }
}
