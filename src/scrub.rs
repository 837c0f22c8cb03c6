//! Secrets in names: a credential used as a file or directory name, as the key another is
//! assigned to (`<key>=<other key>`, `[<key>]`, a JSON or YAML key), or planted in a free-text
//! field of an imported result would otherwise be printed whole wherever that name is shown.
//!
//! A [`Scrubber`] replaces, in any text, every secret the scan found and everything a rule
//! matches with the secret's redaction ([`crate::finding::redact`]). It is the one mechanism:
//! the scan applies it to every place's path and context name (before places are grouped, so
//! the consumers derived from them are clean too), to references, warnings and skipped paths;
//! `stray inventory import` and `stray merge` apply it to every string of a JSON result.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::detect::matcher::Matcher;
use crate::finding::{Location, redact};

/// Found secrets shorter than this are not looked for in names: a short generic value would
/// redact ordinary words in paths, and no rule finds a credential that short in a name.
pub const MIN_NAME_SECRET: usize = 8;

/// Object keys of a JSON result whose strings are not free text: the fingerprint is a hash,
/// and `secret` is there only because `--show-secrets` asked for it (an import ignores it).
const EXEMPT_KEYS: &[&str] = &["fingerprint", "secret"];

/// Redacts found secrets and rule matches in names and other free text.
pub struct Scrubber<'m> {
    /// Every known secret of at least [`MIN_NAME_SECRET`] bytes, by its first that many bytes,
    /// the longest first. Looked up at each place of a name, not built into an automaton:
    /// thousands of secrets are found on a laptop and searched for in a few thousand short
    /// names, and building the automaton cost more than all the look-ups.
    by_prefix: HashMap<Prefix, Vec<Vec<u8>>>,
    /// One bit per pair of bytes that starts a prefix: most places of a name start none, and
    /// are passed over without hashing.
    first_pairs: Box<[u64; PAIR_WORDS]>,
    matcher: Option<&'m Matcher>,
}

/// The first [`MIN_NAME_SECRET`] bytes of a secret.
type Prefix = [u8; MIN_NAME_SECRET];
/// 64-bit words for a bit per pair of bytes.
const PAIR_WORDS: usize = (1 << 16) / 64;

/// The bit of [`Scrubber::first_pairs`] for the pair `first`, `second`: its word and mask.
fn pair_bit(first: u8, second: u8) -> (usize, u64) {
    let pair = usize::from(u16::from_le_bytes([first, second]));
    (pair / 64, 1 << (pair % 64))
}

impl<'m> Scrubber<'m> {
    /// A scrubber for `secrets` (the values a scan found) and, when given, every rule of
    /// `matcher`.
    pub fn new<'s>(
        secrets: impl IntoIterator<Item = &'s [u8]>,
        matcher: Option<&'m Matcher>,
    ) -> Scrubber<'m> {
        let mut by_prefix: HashMap<Prefix, Vec<Vec<u8>>> = HashMap::new();
        let mut first_pairs = Box::new([0u64; PAIR_WORDS]);
        for secret in secrets {
            let Some(prefix) = secret.first_chunk::<MIN_NAME_SECRET>() else {
                continue;
            };
            by_prefix.entry(*prefix).or_default().push(secret.to_vec());
            let (word, bit) = pair_bit(prefix[0], prefix[1]);
            first_pairs[word] |= bit;
        }
        for same in by_prefix.values_mut() {
            // The longest first: at each place the longest secret that is there is redacted.
            // Sorted, not compared pairwise, to drop repeats: every OpenAI project key starts
            // with the same eight bytes.
            same.sort_unstable_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
            same.dedup();
        }
        Scrubber {
            by_prefix,
            first_pairs,
            matcher,
        }
    }

    /// `bytes` with every known secret replaced by its redaction, leftmost first and the
    /// longest at each start; `None` when none occurs.
    fn replace_secrets(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        if self.by_prefix.is_empty() {
            return None;
        }
        let mut out: Option<Vec<u8>> = None;
        let mut last = 0;
        let mut start = 0;
        while let Some(prefix) = bytes
            .get(start..)
            .and_then(|rest| rest.first_chunk::<MIN_NAME_SECRET>())
        {
            let (word, bit) = pair_bit(prefix[0], prefix[1]);
            let secret = (self.first_pairs[word] & bit != 0)
                .then(|| self.by_prefix.get(prefix))
                .flatten()
                .and_then(|same| same.iter().find(|s| bytes[start..].starts_with(s)));
            let Some(secret) = secret else {
                start += 1;
                continue;
            };
            let out = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
            out.extend_from_slice(&bytes[last..start]);
            out.extend_from_slice(redact(secret).as_bytes());
            last = start + secret.len();
            start = last;
        }
        let mut out = out?;
        out.extend_from_slice(&bytes[last..]);
        Some(out)
    }

    /// `bytes` with every known secret and rule match redacted; `None` when nothing was.
    pub fn bytes(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let changed = self.replace_secrets(bytes);
        let Some(matcher) = self.matcher else {
            return changed;
        };
        let current = changed.as_deref().unwrap_or(bytes);
        let candidates = matcher.find(current);
        if candidates.is_empty() {
            return changed;
        }
        let rules = matcher.rules();
        let mut out = Vec::with_capacity(current.len());
        let mut last = 0;
        for candidate in candidates {
            if candidate.start < last {
                continue;
            }
            out.extend_from_slice(&current[last..candidate.start]);
            let secret =
                rules[candidate.rule].decode_secret(&current[candidate.start..candidate.end]);
            out.extend_from_slice(redact(&secret).as_bytes());
            last = candidate.end;
        }
        out.extend_from_slice(&current[last..]);
        Some(out)
    }

    /// `text` with every known secret and rule match redacted.
    pub fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self.bytes(text.as_bytes()) {
            Some(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
            None => Cow::Borrowed(text),
        }
    }

    /// `path` with every known secret and rule match in its names redacted. A path that is not
    /// UTF-8 and holds one comes back with its invalid bytes replaced.
    pub fn path<'p>(&self, path: &'p Path) -> Cow<'p, Path> {
        match self.bytes(path.as_os_str().as_encoded_bytes()) {
            Some(bytes) => Cow::Owned(PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())),
            None => Cow::Borrowed(path),
        }
    }

    /// Replaces `text` in place when it holds something to redact.
    pub fn string(&self, text: &mut String) {
        if let Cow::Owned(clean) = self.text(text) {
            *text = clean;
        }
    }

    /// Every string in a JSON value (object keys too), except the fields that are not free
    /// text (`EXEMPT_KEYS`).
    pub fn json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        match value {
            Value::String(text) => self.string(text),
            Value::Array(items) => items.iter_mut().for_each(|item| self.json(item)),
            Value::Object(map) => {
                let entries = std::mem::take(map);
                for (mut key, mut item) in entries {
                    if key == crate::pathtext::BYTES_FIELD {
                        // A path's bytes in base64: scrubbed as the bytes they stand for.
                        self.path_bytes(&mut item);
                    } else if !EXEMPT_KEYS.contains(&key.as_str()) {
                        self.string(&mut key);
                        self.json(&mut item);
                    }
                    map.insert(key, item);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

impl Scrubber<'_> {
    /// A `path_bytes_b64` value: the bytes it holds, scrubbed, encoded again. A value that is
    /// not base64 is left for the reader to refuse.
    fn path_bytes(&self, value: &mut serde_json::Value) {
        let serde_json::Value::String(encoded) = value else {
            return;
        };
        let Some(raw) = crate::pathtext::decode_bytes(encoded) else {
            return;
        };
        if let Some(clean) = self.bytes(&raw) {
            *encoded = crate::pathtext::encode_bytes(&clean);
        }
    }
}

/// Scrubs the path and context name of many places, each distinct path and context once.
pub struct LocationScrubber<'s, 'm> {
    scrubber: &'s Scrubber<'m>,
    paths: HashMap<PathBuf, Option<PathBuf>>,
    contexts: HashMap<String, Option<String>>,
}

impl<'s, 'm> LocationScrubber<'s, 'm> {
    pub fn new(scrubber: &'s Scrubber<'m>) -> Self {
        LocationScrubber {
            scrubber,
            paths: HashMap::new(),
            contexts: HashMap::new(),
        }
    }

    pub fn path(&mut self, path: &mut PathBuf) {
        let scrubber = self.scrubber;
        memoized(&mut self.paths, path, |path: &Path| scrubber.path(path));
    }

    pub fn context(&mut self, context: &mut Option<String>) {
        if let Some(text) = context {
            let scrubber = self.scrubber;
            memoized(&mut self.contexts, text, |text: &str| scrubber.text(text));
        }
    }

    pub fn location(&mut self, location: &mut Location) {
        self.path(&mut location.path);
        self.context(&mut location.context);
    }
}

/// `value` replaced by what `scrub` makes of it, each distinct value scrubbed once: most places
/// share their path with others, so it is looked up before it is copied as a key.
fn memoized<T>(
    memo: &mut HashMap<T::Owned, Option<T::Owned>>,
    value: &mut T::Owned,
    scrub: impl FnOnce(&T) -> Cow<'_, T>,
) where
    T: ToOwned + Eq + std::hash::Hash + ?Sized,
    T::Owned: Eq + std::hash::Hash + std::borrow::Borrow<T> + Clone,
{
    use std::borrow::Borrow;
    let key: &T = (*value).borrow();
    if !memo.contains_key(key) {
        let clean = match scrub(key) {
            Cow::Owned(clean) => Some(clean),
            Cow::Borrowed(_) => None,
        };
        memo.insert(key.to_owned(), clean);
    }
    if let Some(Some(clean)) = memo.get((*value).borrow()) {
        value.clone_from(clean);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::RuleSet;

    const GROQ: &str = "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";

    #[test]
    fn known_secrets_are_redacted_in_text_and_paths() {
        let secret = b"Zq81mXv02LpTr5sW";
        let scrubber = Scrubber::new([&secret[..], b"short"], None);
        assert_eq!(
            scrubber.text("prod.Zq81mXv02LpTr5sW.token"),
            format!("prod.{}.token", redact(secret))
        );
        assert_eq!(scrubber.text("short and plain"), "short and plain");
        // At the very end of a name, and a name that is the secret and nothing else.
        assert_eq!(
            scrubber.text("x/Zq81mXv02LpTr5sW"),
            format!("x/{}", redact(secret))
        );
        let eight = b"P4v9Qx2L";
        let scrubber_of_eight = Scrubber::new([&eight[..]], None);
        assert_eq!(scrubber_of_eight.text("P4v9Qx2L"), redact(eight));
        assert_eq!(scrubber_of_eight.text("P4v9Qx2"), "P4v9Qx2");
        let path = PathBuf::from("c12/Zq81mXv02LpTr5sW/.env");
        let clean = scrubber.path(&path);
        assert!(!clean.to_string_lossy().contains("Zq81mXv02LpTr5sW"));
        assert!(clean.ends_with(".env"));
    }

    /// Secrets sharing a prefix: at each place the longest that occurs is redacted, leftmost
    /// first, and text between and after them is kept.
    #[test]
    fn secrets_sharing_a_prefix_are_each_redacted_whole() {
        let short: &[u8] = b"Kx9mQ2vLp7";
        let long: &[u8] = b"Kx9mQ2vLp7wT4nRz";
        let other: &[u8] = b"Kx9mQ2vLzz00";
        // Each found in several places: repeats are dropped.
        let scrubber = Scrubber::new([short, long, other, long, short, long], None);
        let text = "a/Kx9mQ2vLp7wT4nRz/b/Kx9mQ2vLp7/c/Kx9mQ2vLzz00/Kx9mQ2vLp7wT/end";
        let expected = format!(
            "a/{}/b/{}/c/{}/{}wT/end",
            redact(long),
            redact(short),
            redact(other),
            redact(short)
        );
        assert_eq!(scrubber.text(text), expected);
        assert_eq!(scrubber.text("Kx9mQ2vL nothing"), "Kx9mQ2vL nothing");
        assert!(scrubber.bytes(b"no secret here").is_none());
    }

    #[test]
    fn rule_matches_are_redacted_without_being_known() {
        let matcher = Matcher::new(RuleSet::builtin().expect("rules")).expect("matcher");
        let scrubber = Scrubber::new(std::iter::empty(), Some(&matcher));
        let text = format!("[{GROQ}].token");
        let clean = scrubber.text(&text);
        assert_eq!(clean, format!("[{}].token", redact(GROQ.as_bytes())));
        assert_eq!(scrubber.text("OPENAI_API_KEY"), "OPENAI_API_KEY");
        let mut value = serde_json::json!({
            "fingerprint": "ab",
            "secret": GROQ,
            "locations": [{ "context": GROQ, GROQ: 1 }],
        });
        scrubber.json(&mut value);
        let written = value.to_string();
        assert_eq!(written.matches(GROQ).count(), 1, "only `secret`: {written}");
        assert_eq!(value["secret"], GROQ);
    }

    #[test]
    fn a_paths_bytes_are_scrubbed_as_bytes() {
        let matcher = Matcher::new(RuleSet::builtin().expect("rules")).expect("matcher");
        let scrubber = Scrubber::new(std::iter::empty(), Some(&matcher));
        let raw = [b"c\xff/[".as_slice(), GROQ.as_bytes(), b"]/.env"].concat();
        let encoded = crate::pathtext::encode_bytes(&raw);
        let mut value = serde_json::json!({ "path": "c\\xFF/x/.env", "path_bytes_b64": encoded });
        scrubber.json(&mut value);
        let encoded = value["path_bytes_b64"].as_str().expect("kept");
        let clean = crate::pathtext::decode_bytes(encoded).expect("still base64");
        assert!(memchr::memmem::find(&clean, GROQ.as_bytes()).is_none());
        assert!(clean.starts_with(b"c\xff/[") && clean.ends_with(b"]/.env"));

        let mut broken = serde_json::json!({ "path_bytes_b64": "!!" });
        scrubber.json(&mut broken);
        assert_eq!(
            broken["path_bytes_b64"], "!!",
            "left for the reader to refuse"
        );
    }
}
