//! Values that look like credentials but are not: placeholders, templates and vault references.
//!
//! Applied to every candidate secret after its rule matched, so that documentation, `.env.example`
//! files and CI expressions do not light up. A reference (`op://…`, `${{ secrets.X }}`) is the
//! pattern stray wants people to use; it must never be reported as a leak.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// Substrings (compared lowercase) that only placeholders and documentation contain. Runs of
/// `x` are judged apart ([`x_filler`]): random text holds `xxxx` in some case too often.
const MARKERS: &[&str] = &[
    "****",
    "....",
    "example",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "redacted",
    "dummy",
    "replace_me",
    "replace-me",
    "insert_",
    "insert-",
    "0123456789",
    "1234567890",
    "abcdefghij",
];

/// Substrings that mark a reference to a secret stored elsewhere.
const REFERENCES: &[&str] = &[
    "${",
    "{{",
    "op://",
    "arn:aws:secretsmanager:",
    "@microsoft.keyvault(",
    "vault:",
];

/// Whole values (compared lowercase) that are never real secrets.
const STOPWORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "key",
    "none",
    "null",
    "nil",
    "true",
    "false",
    "empty",
    "undefined",
    "admin",
    "root",
    "user",
    "username",
    "test",
    "testing",
    "foo",
    "bar",
    "foobar",
    "value",
    "string",
    "default",
    // Well-known default credentials of local development services.
    "guest",
    "postgres",
    "mysql",
    "redis",
    "changeit",
];

/// Keys that local emulators publish in their documentation and ship to every machine: the
/// Azurite storage emulator's `devstoreaccount1` key and the Azure Cosmos DB emulator's key.
/// They unlock nothing but a local emulator, so a rule that matches one by shape (a key assigned
/// to `account_key`, `AccountKey=`) must stay silent on it.
const PUBLISHED_EMULATOR_KEYS: &[&[u8]] = &[
    b"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    b"C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==",
];

/// A run of this many `x` (or `X`) marks a placeholder wherever it stands: a random base62
/// character starts one about once in 10^14.
const X_RUN_ANYWHERE: usize = 8;
/// A shorter run, down to this, marks one when it is a whole word of the value, between
/// separators or the value's ends (`xoxb-xxxx-xxxx`, `GOCSPX-xxxxx`, `xxxx`): one inside a
/// random token (`…q7XXXXm2…`) is chance.
const X_RUN_WORD: usize = 4;

/// The longest run of one repeated byte that a random token plausibly contains.
const MAX_REPEAT: usize = 5;
/// Longer values (key blocks, base64 of binary) legitimately hold long runs such as `AAAAAA`.
const REPEAT_CHECK_MAX_LEN: usize = 100;

/// Every marker and reference and `%(` (a `%(name)s` template), searched at once: this runs
/// on every candidate, and one search per needle (each building its own finder) cost more than
/// the rule's regex did.
static MARKED: LazyLock<AhoCorasick> = LazyLock::new(|| {
    let needles = MARKERS.iter().chain(REFERENCES).chain(&["%("]);
    AhoCorasick::new(needles).expect("constant needles build")
});

/// True when `secret` is a placeholder, template or reference rather than a credential.
pub fn is_placeholder(secret: &[u8]) -> bool {
    if secret.is_empty() || PUBLISHED_EMULATOR_KEYS.contains(&secret) {
        return true;
    }
    let lower = secret.to_ascii_lowercase();
    let wrapped = |open: u8, close: u8| lower[0] == open && lower.last() == Some(&close);
    // `$VAR`, `<your-key>`, and template fields such as `{password}` or `%(password)s`.
    if lower[0] == b'$' || wrapped(b'<', b'>') || wrapped(b'{', b'}') {
        return true;
    }
    if lower.as_slice() == b"%s" || MARKED.is_match(&lower) || x_filler(secret) {
        return true;
    }
    if STOPWORDS.iter().any(|w| lower == w.as_bytes()) {
        return true;
    }
    secret.len() <= REPEAT_CHECK_MAX_LEN && longest_repeat(secret) > MAX_REPEAT
}

/// Whether `secret` holds `x` filler: a run of one of `x` and `X` (case-sensitive), long
/// enough, or a whole word of the value.
fn x_filler(secret: &[u8]) -> bool {
    let separator = |at: Option<&u8>| at.is_none_or(|b| !b.is_ascii_alphanumeric());
    let mut start = 0;
    for run in secret.chunk_by(|a, b| a == b) {
        let end = start + run.len();
        if matches!(run[0], b'x' | b'X')
            && (run.len() >= X_RUN_ANYWHERE
                || run.len() >= X_RUN_WORD
                    && separator(start.checked_sub(1).and_then(|i| secret.get(i)))
                    && separator(secret.get(end)))
        {
            return true;
        }
        start = end;
    }
    false
}

fn longest_repeat(data: &[u8]) -> usize {
    let mut longest = 0;
    let mut run = 0;
    let mut previous = None;
    for &b in data {
        if Some(b) == previous {
            run += 1;
        } else {
            run = 1;
            previous = Some(b);
        }
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_references_are_not_secrets() {
        for value in [
            "${{ secrets.OPENAI_API_KEY }}",
            "$OPENAI_API_KEY",
            "${OPENAI_API_KEY}",
            "op://Engineering/OpenAI/credential",
            "<your-api-key>",
            "sk-proj-xxxxxxxxxxxxxxxxxxxxxxxx",
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "your-key-here",
            "changeme",
            "password",
            "{password}",
            "%(password)s",
            "guest",
            "ghp_000000000000000000000000000000000000",
            "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==",
            "",
        ] {
            assert!(
                is_placeholder(value.as_bytes()),
                "{value} should be a placeholder"
            );
        }
    }

    #[test]
    fn random_looking_values_are_kept() {
        for value in [
            "sk-proj-Q7fL2mZp9XvR4tKw8NcB1yHd",
            "hunter2-Horse-Battery",
            "AKIAZ7QH4LMN2PXR6TWB",
            "aaaaab",
            // `x` runs inside a random token, and in mixed case, are chance.
            "sk-proj-Q7fLxxxxZp9XvR4tKw8NcB1yHd",
            "ghp_Q7fL2XxxxZp9XvR4tKw8NcB1yHd5sEa3uJ1",
            "AKIAZ7QHXXXXPXR6TWB2",
            "npm_xXxXxXxXxXq7fL2mZp9XvR4tKw8NcB1yHd5s",
        ] {
            assert!(!is_placeholder(value.as_bytes()), "{value} should be kept");
        }
    }

    #[test]
    fn x_filler_marks_placeholders() {
        for value in [
            "xxxx",
            "XXXX-XXXX",
            "xoxb-xxxx-xxxx",
            "GOCSPX-xxxxx",
            "key_XXXX",
            "st.xxxx.yyyy.zzzz",
            "eyJxxxxxxxx.eyJ0b2tlbiJ9.c2lnbmF0dXJlc2lnbmF0dXJl",
        ] {
            assert!(x_filler(value.as_bytes()), "{value} should be filler");
        }
        for value in [
            "q7XXXXm2",
            "xxx-xxx",
            "xXxX",
            "abxxxx",
            "xxxxab",
            "XXXXXXXx9",
        ] {
            assert!(!x_filler(value.as_bytes()), "{value} should not be filler");
        }
    }

    #[test]
    fn long_runs_mark_placeholders() {
        assert_eq!(longest_repeat(b"abccc"), 3);
        assert!(is_placeholder(b"tok_aaaaaaaaaaaa"));
    }
}
