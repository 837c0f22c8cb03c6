//! Deciding whether a file's bytes are text, and turning UTF-16 text into UTF-8 so it can be
//! scanned like any other file.
//!
//! Windows tools (PowerShell's `Out-File`, Notepad's "Unicode", `reg export`) write UTF-16,
//! where every ASCII character is followed or preceded by a NUL byte. The NUL sniff that keeps
//! executables and images out of the scan would skip those files, and the credentials in them
//! with it, so a file that looks binary gets a second look for UTF-16 before it is skipped.

use std::borrow::Cow;
use std::char::REPLACEMENT_CHARACTER;

/// Bytes at the start of a file searched for a NUL to decide it is binary.
pub const BINARY_SNIFF_LEN: usize = 8192;

/// Fewest UTF-16 code units a file without a byte-order mark needs before its NUL pattern is
/// taken as UTF-16 rather than chance.
const MIN_BOMLESS_UNITS: usize = 8;

/// The byte order of UTF-16 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    Little,
    Big,
}

/// Whether the start of `content` holds a NUL byte, the sign of a binary file.
pub fn looks_binary(content: &[u8]) -> bool {
    memchr::memchr(0, sniff(content)).is_some()
}

/// The bytes to scan for `content`: itself when it is text, UTF-8 transcoded from it when it
/// is UTF-16, `None` when it is binary.
///
/// Only content with a NUL in its first bytes is tried as UTF-16, so every file scanned before
/// (including Latin-1 text that happens to start with `ÿþ`) is scanned exactly as before.
/// Newlines survive transcoding, so line numbers are the file's own; columns are counted in the
/// transcoded text, in characters, which for text in the Basic Multilingual Plane is what an
/// editor shows.
pub fn text_of(content: &[u8]) -> Option<Cow<'_, [u8]>> {
    if !looks_binary(content) {
        return Some(Cow::Borrowed(content));
    }
    let (order, body) = utf16_body(content)?;
    let text = decode_utf16(body, order).into_bytes();
    // U+0000 is no more text in UTF-16 than NUL is in UTF-8: a binary file that happens to
    // start with FF FE (or UTF-32LE, whose mark starts the same way) stays binary.
    if looks_binary(&text) {
        return None;
    }
    Some(Cow::Owned(text))
}

/// The byte order and the bytes after the byte-order mark, if `content` looks like UTF-16.
fn utf16_body(content: &[u8]) -> Option<(ByteOrder, &[u8])> {
    match content {
        [0xFF, 0xFE, body @ ..] => Some((ByteOrder::Little, body)),
        [0xFE, 0xFF, body @ ..] => Some((ByteOrder::Big, body)),
        _ if is_bomless_utf16le(content) => Some((ByteOrder::Little, content)),
        _ => None,
    }
}

/// UTF-16LE without a byte-order mark, as some tools write it: every code unit in the sniffed
/// prefix is a printable Latin-1 character or a tab or line break, so every odd byte is NUL and
/// no even one is. Binary data does not keep that up for long; text in other scripts has no
/// NUL pattern to go by and is left alone. Big-endian without a mark is too rare to guess at.
fn is_bomless_utf16le(content: &[u8]) -> bool {
    if content.len() % 2 != 0 {
        return false;
    }
    let units = sniff(content).chunks_exact(2);
    units.len() >= MIN_BOMLESS_UNITS && units.into_iter().all(|pair| is_text_unit(pair[0], pair[1]))
}

/// A little-endian code unit that is a tab, a line break or a printable Latin-1 character.
fn is_text_unit(low: u8, high: u8) -> bool {
    high == 0 && matches!(low, b'\t' | b'\n' | b'\r' | 0x20..=0x7E | 0xA0..=0xFF)
}

/// UTF-16 bytes as a string. Never fails: a lone surrogate becomes U+FFFD, and so does a
/// trailing odd byte (a truncated file), so a damaged file is still scanned for what it holds.
pub fn decode_utf16(bytes: &[u8], order: ByteOrder) -> String {
    let pairs = bytes.chunks_exact(2);
    let odd_tail = !pairs.remainder().is_empty();
    let units = pairs.map(|pair| match order {
        ByteOrder::Little => u16::from_le_bytes([pair[0], pair[1]]),
        ByteOrder::Big => u16::from_be_bytes([pair[0], pair[1]]),
    });
    let mut text = String::with_capacity(bytes.len() / 2);
    text.extend(char::decode_utf16(units).map(|c| c.unwrap_or(REPLACEMENT_CHARACTER)));
    if odd_tail {
        text.push(REPLACEMENT_CHARACTER);
    }
    text
}

fn sniff(content: &[u8]) -> &[u8] {
    &content[..content.len().min(BINARY_SNIFF_LEN)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    fn utf16be(text: &str) -> Vec<u8> {
        let mut out = vec![0xFE, 0xFF];
        out.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        out
    }

    fn scanned(content: &[u8]) -> Option<String> {
        text_of(content).map(|text| String::from_utf8_lossy(&text).into_owned())
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        let content = b"ALPHA=1\nBETA=2\n";
        assert!(matches!(text_of(content), Some(Cow::Borrowed(c)) if c == content));
    }

    #[test]
    fn text_without_nul_that_starts_like_a_bom_is_not_transcoded() {
        let content = b"\xFF\xFE\xC3\nKEY=value\n";
        assert!(matches!(text_of(content), Some(Cow::Borrowed(_))));
    }

    #[test]
    fn little_endian_with_bom_is_transcoded_without_the_bom() {
        let text = "$env:KEY = \"value\"\r\nSet-Alias ll Get-ChildItem\r\n";
        assert_eq!(scanned(&utf16le(text, true)).as_deref(), Some(text));
    }

    #[test]
    fn big_endian_with_bom_is_transcoded() {
        let text = "KEY=välue 🔑\nnext\n";
        assert_eq!(scanned(&utf16be(text)).as_deref(), Some(text));
    }

    #[test]
    fn bomless_little_endian_ascii_is_transcoded() {
        let text = "Windows Registry Editor Version 5.00\r\n";
        assert_eq!(scanned(&utf16le(text, false)).as_deref(), Some(text));
    }

    #[test]
    fn short_or_odd_bomless_content_stays_binary() {
        assert_eq!(scanned(&utf16le("short", false)), None);
        let mut odd = utf16le("long enough to count as text", false);
        odd.push(b'x');
        assert_eq!(scanned(&odd), None);
    }

    #[test]
    fn binary_files_stay_binary() {
        assert_eq!(scanned(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00"), None);
        assert_eq!(scanned(b"\x00\x00\x01\x00\x01\x00\x10\x10"), None);
        // A UTF-16 mark followed by NUL code units: binary, or UTF-32LE, not UTF-16 text.
        assert_eq!(scanned(b"\xFF\xFE\x00\x00K\x00\x00\x00E\x00\x00\x00"), None);
    }

    #[test]
    fn odd_byte_count_ends_in_a_replacement_character() {
        let decoded = decode_utf16(b"A\x00B\x00C", ByteOrder::Little);
        assert_eq!(decoded, "AB\u{FFFD}");
        assert_eq!(decode_utf16(b"\x00", ByteOrder::Big), "\u{FFFD}");
        assert_eq!(decode_utf16(b"", ByteOrder::Little), "");
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        // A high surrogate with no low one after it, then a low one with no high one before it.
        let bytes = [0x3D, 0xD8, b'A', 0x00, 0x11, 0xDC, b'B', 0x00];
        assert_eq!(
            decode_utf16(&bytes, ByteOrder::Little),
            "\u{FFFD}A\u{FFFD}B"
        );
        let trailing_high = [0x00, b'x', 0xD8, 0x3D];
        assert_eq!(decode_utf16(&trailing_high, ByteOrder::Big), "x\u{FFFD}");
    }

    #[test]
    fn line_breaks_survive_so_line_numbers_do() {
        let text = "one\r\ntwo\nthree\n";
        let decoded = scanned(&utf16le(text, true)).unwrap_or_default();
        assert_eq!(decoded.matches('\n').count(), 3);
    }
}
