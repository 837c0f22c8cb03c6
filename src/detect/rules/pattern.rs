//! The optional regexes of a rule beside its main one.

use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};

/// A rule's regex beside its main one (`name_excludes`, `secret_pattern`): kept as written and
/// compiled, as a byte pattern, on first use for built-in rules (the test suite compiles them
/// all) and at load for team packs.
#[derive(Debug, Clone)]
pub struct RulePattern {
    /// The pattern as the pack wrote it.
    pub source: String,
    /// Must match the whole text it is applied to.
    whole: bool,
    compiled: OnceLock<Option<Regex>>,
}

impl RulePattern {
    pub(super) fn new(source: String, whole: bool) -> RulePattern {
        RulePattern {
            source,
            whole,
            compiled: OnceLock::new(),
        }
    }

    /// Compiles the pattern afresh.
    pub fn compile(&self) -> Result<Regex, regex::Error> {
        let text = if self.whole {
            format!(r"\A(?:{})\z", self.source)
        } else {
            self.source.clone()
        };
        RegexBuilder::new(&text).unicode(false).build()
    }

    /// Compiles it now, so that a team pack's fault is reported at load.
    pub(super) fn check(&self) -> Result<(), regex::Error> {
        let regex = self.compile()?;
        let _ = self.compiled.set(Some(regex));
        Ok(())
    }

    /// The compiled pattern; `None` only for a built-in one that does not compile.
    pub fn regex(&self) -> Option<&Regex> {
        self.compiled.get_or_init(|| self.compile().ok()).as_ref()
    }
}

/// The fewest bytes the capture group named `secret` of `pattern` can match; 0 when the pattern
/// does not parse here or has no such group (nothing can then be ruled out by length).
pub fn secret_min_len(pattern: &str) -> usize {
    use regex_syntax::hir::{Hir, HirKind};
    fn find(hir: &Hir) -> Option<usize> {
        match hir.kind() {
            HirKind::Capture(capture) if capture.name.as_deref() == Some("secret") => {
                Some(capture.sub.properties().minimum_len().unwrap_or(0))
            }
            HirKind::Capture(capture) => find(&capture.sub),
            HirKind::Repetition(repetition) => find(&repetition.sub),
            HirKind::Concat(parts) | HirKind::Alternation(parts) => parts.iter().find_map(find),
            _ => None,
        }
    }
    // As the rule's regex is compiled: bytes first, then Unicode.
    let parsed = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()
        .or_else(|| regex_syntax::Parser::new().parse(pattern).ok());
    parsed.as_ref().and_then(find).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shortest_secret_a_pattern_captures() {
        let min_len = secret_min_len;
        assert_eq!(
            min_len(r"(?:^|[^a-z])(?P<secret>ghp_[A-Za-z0-9]{36})(?:$|x)"),
            40
        );
        assert_eq!(min_len(r"key=(?P<secret>[a-z]{16,}|[0-9]{20})"), 16);
        assert_eq!(min_len(r"(?:(?P<secret>ab+)c)?"), 2);
        assert_eq!(min_len(r"no group named so (?P<other>x+)"), 0);
        assert_eq!(min_len(r"(unbalanced"), 0);
    }
}
