//! Decoders: text that hides inside another encoding, scanned in addition to the raw bytes.
//!
//! Each decoder returns [`Segment`]s: decoded bytes plus the offset of the encoded text in the
//! original file, so a finding in decoded text is reported at the original file and line.

mod base64_values;
mod json_strings;

use std::path::Path;

use crate::detect::classify::LocationKind;
use crate::detect::context::Syntax;

/// Decoded text and where its encoded form starts and ends in the original content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub bytes: Vec<u8>,
    pub start: usize,
    pub end: usize,
}

/// Literals, one of which every encoded `user:password` pair (`Basic …`, `"auth": "…"`) holds.
/// They ride on the keyword automaton, so that a file without them is not searched for pairs
/// at all: only the automaton reads every byte.
pub const PAIR_KEYWORDS: [&str; 2] = ["basic", "\"auth"];

/// Every decoded segment worth scanning in a file of this kind and syntax. `pair_keywords`:
/// whether the keyword automaton saw one of [`PAIR_KEYWORDS`] in `content`.
pub fn segments(
    _path: &Path,
    kind: LocationKind,
    syntax: Syntax,
    content: &[u8],
    pair_keywords: bool,
) -> Vec<Segment> {
    let mut out = Vec::new();
    if syntax == Syntax::Json {
        json_strings::escaped_strings(content, &mut out);
    }
    if pair_keywords {
        base64_values::credential_pairs(content, &mut out);
    }
    if kind == LocationKind::Iac && syntax == Syntax::Yaml {
        base64_values::kubernetes_secret_data(content, &mut out);
    }
    out
}
