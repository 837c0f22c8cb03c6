//! JSON string escapes: `\/`, `\n`, `\"` and `\u00xx` break a key's characters apart in chat
//! exports and JSON configs; the unescaped string puts them back together.

use super::Segment;

/// Pushes the unescaped form of every JSON string literal that contains an escape.
pub fn escaped_strings(content: &[u8], out: &mut Vec<Segment>) {
    let mut i = 0;
    while let Some(quote) = memchr::memchr(b'"', &content[i..]) {
        let start = i + quote;
        let mut j = start + 1;
        let mut escaped = false;
        let mut closed = false;
        while j < content.len() {
            match content[j] {
                b'\\' => {
                    escaped = true;
                    j += 2;
                }
                b'"' => {
                    closed = true;
                    break;
                }
                b'\n' => break,
                _ => j += 1,
            }
        }
        if !closed {
            i = j.min(content.len());
            if i >= content.len() {
                break;
            }
            continue;
        }
        let end = j + 1;
        if escaped && let Ok(text) = serde_json::from_slice::<String>(&content[start..end]) {
            out.push(Segment {
                bytes: text.into_bytes(),
                start,
                end,
            });
        }
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_only_strings_with_escapes() {
        let text = br#"{"a": "plain", "b": "https:\/\/x.io\/k?t=1\nline", "c": "\u0041B"}"#;
        let mut out = Vec::new();
        escaped_strings(text, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].bytes, b"https://x.io/k?t=1\nline");
        assert_eq!(&text[out[0].start..out[0].start + 7], br#""https:"#);
        assert_eq!(out[1].bytes, b"AB");
    }

    #[test]
    fn survives_unterminated_and_invalid_strings() {
        let mut out = Vec::new();
        escaped_strings(b"\"abc\\", &mut out);
        escaped_strings(b"\"bad \\q escape\" \"ok\\n\"", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].bytes, b"ok\n");
    }
}
