//! Inline allows: a `stray:allow` comment (or, with `--peer-markers`, another scanner's marker)
//! on a line suppresses the credential found there. Read while scanning, one line at a time;
//! `judge::baseline` turns what was read into a suppression.

/// The marker of an inline suppression; text after it on the line is the reason.
pub const INLINE_MARKER: &str = "stray:allow";

/// Inline markers of other scanners that a team moving to stray has already reviewed and put
/// in its files: gitleaks, detect-secrets and ripsecrets, trufflehog.
pub const PEER_MARKERS: &[&str] = &[
    "gitleaks:allow",
    "pragma: allowlist secret",
    "trufflehog:ignore",
];

/// Why a line is allowed: the text after `stray:allow` (trimmed of comment closers), or with
/// `peers`, another scanner's marker named as such; `None` when the line has no marker.
pub fn line_allow(line: &[u8], peers: bool) -> Option<String> {
    if let Some(reason) = inline_allow(line) {
        return Some(reason);
    }
    if !peers {
        return None;
    }
    PEER_MARKERS
        .iter()
        .find(|marker| memchr::memmem::find(line, marker.as_bytes()).is_some())
        .map(|marker| format!("{marker} (another scanner's marker)"))
}

/// The text after `stray:allow` on a line (trimmed of comment closers), or `None` when the
/// line has no marker.
pub fn inline_allow(line: &[u8]) -> Option<String> {
    let at = memchr::memmem::find(line, INLINE_MARKER.as_bytes())?;
    let rest = String::from_utf8_lossy(&line[at + INLINE_MARKER.len()..]).into_owned();
    let reason = rest
        .trim()
        .trim_start_matches([':', '(', '-'])
        .trim_end_matches(['*', '/', ')', '>', '-'])
        .trim();
    Some(reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_allow_reasons() {
        assert_eq!(
            inline_allow(b"KEY=abc # stray:allow test fixture"),
            Some("test fixture".into())
        );
        assert_eq!(inline_allow(b"k = 'x' // stray:allow"), Some(String::new()));
        assert_eq!(
            inline_allow(b"<!-- stray:allow: docs example -->"),
            Some("docs example".into())
        );
        assert_eq!(inline_allow(b"KEY=abc"), None);
    }

    #[test]
    fn peer_markers_allow_a_line_only_when_asked() {
        let gitleaks = b"TOKEN=x # gitleaks:allow";
        assert_eq!(
            line_allow(gitleaks, true).as_deref(),
            Some("gitleaks:allow (another scanner's marker)")
        );
        assert_eq!(line_allow(gitleaks, false), None);
        assert_eq!(
            line_allow(b"k = 'v'  # pragma: allowlist secret", true).as_deref(),
            Some("pragma: allowlist secret (another scanner's marker)")
        );
        // stray's own marker wins, with its reason, either way.
        let both = b"k=v # stray:allow fixture gitleaks:allow";
        assert_eq!(
            line_allow(both, false).as_deref(),
            Some("fixture gitleaks:allow")
        );
        assert_eq!(line_allow(b"TOKEN=x", true), None);
    }
}
