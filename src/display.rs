//! Text for people, shared by every stage that words a message: terminal-safe text
//! ([`printable`]) and counted nouns ([`plural`]).

/// Text safe to print to a terminal: control characters (an escape sequence in a file name
/// could clear the screen or rewrite what was printed) are shown as `\x1b`-style escapes.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    std::borrow::Cow::Owned(shown)
}

/// `1 place`, `2 places`: a count with its word.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}
