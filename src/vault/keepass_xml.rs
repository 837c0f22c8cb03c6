//! KeePass 2 XML export: KeePass → File → Export → KeePass XML (2.x), or `keepassxc-cli export
//! --format xml DATABASE.kdbx > keepass.xml`.
//!
//! The shape is the KDBX payload (keepassxreboot/keepassxc-specs `kdbx-xml/rfc.md`; KeePassXC's
//! writer is `src/format/KdbxXmlWriter.cpp`): `<KeePassFile><Meta>…</Meta><Root><Group>` with
//! `<Name>`, `<UUID>`, `<Entry>`s and sub-`<Group>`s. An entry has `<String><Key>K</Key><Value>V
//! </Value></String>` pairs (`Title`, `UserName`, `Password`, `URL`, `Notes`, custom keys such as
//! KeePassXC's `otp`), `<Tags>` (`;`-separated), `<Times>` (`CreationTime`,
//! `LastModificationTime`, `LocationChanged`, …) and `<History>` holding earlier versions of the
//! entry as `<Entry>`s. In an export, protected values are plaintext marked
//! `ProtectInMemory="True"`; `Protected="True"` marks a value encrypted with the database's inner
//! stream key (the payload of a `.kdbx`, never an export), which is refused. Times are ISO 8601
//! (KeePass, and KeePassXC for KDBX 3.1) or, from KeePassXC for KDBX 4, base64 of the
//! little-endian seconds since 0001-01-01.
//!
//! Ages are per field: a value dates from the oldest version in the unbroken run of versions
//! ending at the current one that hold it, so editing the URL does not reset the password's age.
//! Every older value of a field is history (a copy on disk is `rotated-out`), dated when the next
//! version replaced it. `Meta/RecycleBinUUID` names the recycle bin group (without it, a top
//! group named `Recycle Bin`): entries in it are deleted, so every value of theirs is history,
//! dated when the entry moved there (`LocationChanged`). Attachments are not read.

use jiff::Timestamp;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::shared::{add_notes, parse_timestamp};
use super::{Collector, EntryMeta, ParseError};

/// True when the text starts like a KeePass 2 XML file: `<KeePassFile>` near the top.
pub fn looks_like(head: &str) -> bool {
    head.starts_with('<') && head[..head.len().min(4096)].contains("<KeePassFile")
}

/// Deepest element nesting read (groups within groups): more is refused, not recursed into.
const MAX_DEPTH: usize = 256;

/// The group KeePass and KeePassXC move deleted entries to, when `Meta` does not name it.
const RECYCLE_BIN: &str = "Recycle Bin";

/// Entry strings that are not stored secrets.
const NOT_SECRETS: &[&str] = &["Title", "UserName", "URL"];

const PROTECTED_HINT: &str = "its values are encrypted with the database's inner stream key (this \
     is the XML inside a .kdbx, not an export); export with KeePass → File → Export → KeePass XML \
     (2.x), or `keepassxc-cli export --format xml DATABASE.kdbx > keepass.xml`, or fingerprint \
     the export at once: `stray vault fingerprint keepass.xml -o vault.fp`";

/// One element: its name, attributes, text (entities resolved) and child elements.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn start(start: &BytesStart, line: impl Fn() -> usize) -> Result<Node, ParseError> {
        let invalid = |what: &str| ParseError::Invalid(format!("line {}: {what}", line()));
        let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
        let mut attributes = Vec::new();
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|_| invalid("a malformed attribute"))?;
            let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
            // Attribute values here are flags (`Protected`, `Ref`): never a secret.
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|_| invalid("an attribute value that does not unescape"))?;
            attributes.push((key, value.into_owned()));
        }
        Ok(Node {
            name,
            attributes,
            ..Node::default()
        })
    }
}

/// 1-based line of byte `offset` in `text`.
fn line_at(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    1 + text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// The document as a tree of elements. Errors name the line and never quote text (a value).
fn parse_tree(bytes: &[u8]) -> Result<Node, ParseError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ParseError::Invalid(format!(
            "line {}: not UTF-8",
            line_at(
                &String::from_utf8_lossy(&bytes[..e.valid_up_to()]),
                usize::MAX
            )
        ))
    })?;
    let mut reader = Reader::from_str(text);
    let mut stack = vec![Node::default()];
    loop {
        let position = reader.buffer_position() as usize;
        let line = || line_at(text, position);
        let event = reader.read_event().map_err(|e| {
            ParseError::Invalid(format!(
                "line {}: not well-formed XML ({e})",
                line_at(text, reader.error_position() as usize)
            ))
        })?;
        let invalid = |what: &str| ParseError::Invalid(format!("line {}: {what}", line()));
        let top = stack.last_mut().expect("the document node stays");
        match event {
            Event::Start(start) => {
                if stack.len() > MAX_DEPTH {
                    return Err(invalid("elements nested too deeply"));
                }
                let node = Node::start(&start, line)?;
                stack.push(node);
            }
            Event::Empty(start) => {
                let node = Node::start(&start, line)?;
                top.children.push(node);
            }
            Event::End(_) => {
                let node = stack.pop().expect("quick-xml checks end tags");
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Err(invalid("an end tag without its start")),
                }
            }
            Event::Text(content) => {
                let content = content
                    .xml10_content()
                    .map_err(|_| invalid("text that does not decode"))?;
                top.text.push_str(&content);
            }
            Event::CData(content) => {
                let content = content
                    .decode()
                    .map_err(|_| invalid("CDATA that does not decode"))?;
                top.text.push_str(&content);
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = reference
                            .decode()
                            .map_err(|_| invalid("an entity that does not decode"))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| invalid("an entity XML does not define"))?
                            .to_string()
                    }
                    Err(_) => return Err(invalid("a character reference out of range")),
                };
                top.text.push_str(&resolved);
            }
            Event::Eof => break,
            // The declaration, comments, processing instructions, a DOCTYPE (its entities are
            // not read: one would be an error above).
            _ => {}
        }
    }
    if stack.len() != 1 {
        let open = stack.last().map(|n| n.name.clone()).unwrap_or_default();
        return Err(ParseError::Invalid(format!(
            "the file ends inside <{open}> (truncated?)"
        )));
    }
    Ok(stack.pop().expect("the document node"))
}

/// A KeePass time: ISO 8601, or base64 of the little-endian seconds since 0001-01-01 (KDBX 4).
fn keepass_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Some(time) = parse_timestamp(text) {
        return Some(time);
    }
    let bytes = super::shared::decode_base64(text)?;
    let seconds = i64::from_le_bytes(bytes.as_slice().try_into().ok()?);
    // 0001-01-01T00:00:00Z to the Unix epoch.
    const YEAR_ONE_TO_EPOCH: i64 = 62_135_596_800;
    Timestamp::from_second(seconds.checked_sub(YEAR_ONE_TO_EPOCH)?).ok()
}

fn time_of(entry: &Node, name: &str) -> Option<Timestamp> {
    entry
        .child("Times")
        .and_then(|t| t.text_of(name))
        .and_then(keepass_time)
}

/// One version of an entry: when it was saved, and its strings.
struct Version<'a> {
    modified: Option<Timestamp>,
    strings: Vec<(&'a str, &'a str)>,
}

impl<'a> Version<'a> {
    fn read(entry: &'a Node, at: &str) -> Result<Version<'a>, ParseError> {
        let mut strings = Vec::new();
        for (index, string) in entry.all("String").enumerate() {
            let Some(key) = string.text_of("Key") else {
                return Err(ParseError::Invalid(format!(
                    "{at}: <String> {} has no <Key>",
                    index + 1
                )));
            };
            let Some(value) = string.child("Value") else {
                continue;
            };
            if value
                .attribute("Protected")
                .is_some_and(|p| p.eq_ignore_ascii_case("true"))
            {
                return Err(ParseError::Encrypted(PROTECTED_HINT.into()));
            }
            strings.push((key, value.text.as_str()));
        }
        Ok(Version {
            modified: time_of(entry, "LastModificationTime"),
            strings,
        })
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.strings
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }
}

pub fn parse_xml(bytes: &[u8], out: &mut Collector) -> Result<(), ParseError> {
    let document = parse_tree(bytes)?;
    let Some(file) = document.child("KeePassFile") else {
        return Err(ParseError::Invalid(
            "no <KeePassFile> root element (not a KeePass 2 XML export?)".into(),
        ));
    };
    let bin = file
        .child("Meta")
        .and_then(|m| m.text_of("RecycleBinUUID"))
        .map(str::trim)
        // The zero UUID: no recycle bin.
        .filter(|uuid| uuid.bytes().any(|b| b != b'A' && b != b'='));
    let Some(root) = file.child("Root") else {
        return Err(ParseError::Invalid("<KeePassFile> has no <Root>".into()));
    };
    for group in root.all("Group") {
        read_group(group, "", false, bin, out)?;
    }
    Ok(())
}

fn read_group(
    group: &Node,
    parent: &str,
    recycled: bool,
    bin: Option<&str>,
    out: &mut Collector,
) -> Result<(), ParseError> {
    let name = group.text_of("Name").unwrap_or("");
    let path = if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}/{name}")
    };
    let is_bin = match bin {
        Some(uuid) => group.text_of("UUID").map(str::trim) == Some(uuid),
        // The root group's direct child, as both programs make it.
        None => name == RECYCLE_BIN && !parent.is_empty() && !parent.contains('/'),
    };
    let recycled = recycled || is_bin;
    for (index, entry) in group.all("Entry").enumerate() {
        let at = format!("group {path}, entry {}", index + 1);
        read_entry(entry, &at, &path, recycled, out)?;
    }
    for sub in group.all("Group") {
        read_group(sub, &path, recycled, bin, out)?;
    }
    Ok(())
}

fn read_entry(
    entry: &Node,
    at: &str,
    path: &str,
    recycled: bool,
    out: &mut Collector,
) -> Result<(), ParseError> {
    let current = Version::read(entry, at)?;
    let mut versions = Vec::new();
    if let Some(history) = entry.child("History") {
        for (index, old) in history.all("Entry").enumerate() {
            versions.push(Version::read(
                old,
                &format!("{at}, history entry {}", index + 1),
            )?);
        }
    }
    // KeePass writes history oldest first; sort in case another writer did not.
    versions.sort_by_key(|v| v.modified);
    let title = current.get("Title").unwrap_or("").to_string();
    versions.push(current);
    let last = versions.len() - 1;
    let tags = entry
        .text_of("Tags")
        .unwrap_or("")
        .split([';', ','])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let base = EntryMeta {
        item: title,
        vault: Some(path.to_string()).filter(|p| !p.is_empty()),
        created: time_of(entry, "CreationTime"),
        tags,
        ..EntryMeta::default()
    };
    let deleted = time_of(entry, "LocationChanged");
    // Every key any version has, in the order first seen (the current version's first).
    let mut keys: Vec<&str> = Vec::new();
    for version in versions.iter().rev() {
        for (key, _) in &version.strings {
            if !keys.contains(key) && !NOT_SECRETS.contains(key) {
                keys.push(key);
            }
        }
    }
    for key in keys {
        let values: Vec<Option<&str>> = versions.iter().map(|v| v.get(key)).collect();
        let now = values[last];
        if let Some(value) = now {
            let mut first = last;
            while first > 0 && values[first - 1] == Some(value) {
                first -= 1;
            }
            let (updated, age_from) = if recycled && deleted.is_some() {
                (deleted, "Times.LocationChanged")
            } else if first == last {
                (versions[last].modified, "Times.LastModificationTime")
            } else {
                (versions[first].modified, "History.LastModificationTime")
            };
            let meta = EntryMeta {
                updated,
                age_from: updated.map(|_| age_from.to_string()),
                history: recycled,
                ..base.clone()
            };
            add(out, key, value, &meta);
        }
        // Older values, newest first: each once, dated when the next version replaced it.
        let mut seen: Vec<&str> = Vec::new();
        for index in (0..last).rev() {
            let Some(old) = values[index] else {
                continue;
            };
            if Some(old) == now || seen.contains(&old) {
                continue;
            }
            seen.push(old);
            let updated = versions[index + 1].modified;
            let meta = EntryMeta {
                updated,
                age_from: updated.map(|_| "History.LastModificationTime".to_string()),
                history: true,
                ..base.clone()
            };
            add(out, key, old, &meta);
        }
    }
    Ok(())
}

/// `Password` is field `password`, `Notes` the notes (and their `NAME=value` lines), any other
/// key its own name.
fn add(out: &mut Collector, key: &str, value: &str, meta: &EntryMeta) {
    match key {
        "Notes" => add_notes(out, value, meta),
        "Password" => out.add(
            value.as_bytes(),
            EntryMeta {
                field: "password".into(),
                ..meta.clone()
            },
        ),
        other => out.add(
            value.as_bytes(),
            EntryMeta {
                field: other.to_string(),
                ..meta.clone()
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::fingerprint;
    use crate::vault::{VaultEntry, VaultFormat};

    fn parse(xml: &str) -> Result<Vec<VaultEntry>, ParseError> {
        let mut out = Collector::new(VaultFormat::KeepassXml, None, None);
        parse_xml(xml.as_bytes(), &mut out).map(|()| out.into_entries())
    }

    fn doc(entries: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<KeePassFile><Meta/><Root><Group>\
             <Name>Root</Name>{entries}</Group></Root></KeePassFile>"
        )
    }

    #[test]
    fn entities_cdata_and_kdbx4_times() {
        // 2024-01-02T03:04:05Z as KeePassXC writes it for KDBX 4.
        let seconds: i64 = 1_704_164_645 + 62_135_596_800;
        let b64 = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            seconds.to_le_bytes(),
        );
        let xml = doc(&format!(
            "<Entry><Times><LastModificationTime>{b64}</LastModificationTime></Times>\
             <String><Key>Password</Key><Value ProtectInMemory=\"True\">a&amp;b&#x3C;c&lt;d-123</Value></String>\
             <String><Key>API</Key><Value><![CDATA[x<y>&z-456]]></Value></String></Entry>"
        ));
        let entries = parse(&xml).expect("parses");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].fingerprint, fingerprint(b"a&b<c<d-123"));
        assert_eq!(
            entries[0].meta.updated.map(|t| t.as_second()),
            Some(1_704_164_645)
        );
        assert_eq!(entries[1].fingerprint, fingerprint(b"x<y>&z-456"));
        assert_eq!(entries[1].meta.field, "API");
    }

    #[test]
    fn removed_strings_are_history_and_a_named_bin_without_meta() {
        let version = |time: &str, token: Option<&str>| {
            let token = token
                .map(|t| format!("<String><Key>token</Key><Value>{t}</Value></String>"))
                .unwrap_or_default();
            format!(
                "<Entry><Times><LastModificationTime>{time}</LastModificationTime></Times>{token}</Entry>"
            )
        };
        let xml = doc(&format!(
            "<Entry><Times><LastModificationTime>2024-03-01T00:00:00Z</LastModificationTime></Times>\
             <History>{}{}</History></Entry>\
             <Group><Name>Recycle Bin</Name><Entry><String><Key>Password</Key>\
             <Value>binned-pass-1</Value></String></Entry></Group>",
            version("2024-01-01T00:00:00Z", Some("removed-token-1")),
            version("2024-02-01T00:00:00Z", Some("removed-token-1")),
        ));
        let entries = parse(&xml).expect("parses");
        assert_eq!(entries.len(), 2);
        let removed = &entries[0];
        assert_eq!(removed.fingerprint, fingerprint(b"removed-token-1"));
        assert!(removed.meta.history, "a string the current version dropped");
        assert_eq!(
            removed.meta.updated.map(|t| t.to_string()).as_deref(),
            Some("2024-03-01T00:00:00Z")
        );
        let binned = &entries[1];
        assert!(
            binned.meta.history,
            "no RecycleBinUUID: the top group named Recycle Bin"
        );
        assert_eq!(binned.meta.vault.as_deref(), Some("Root/Recycle Bin"));
    }

    #[test]
    fn protected_values_are_refused_and_errors_name_the_line() {
        let xml = doc(
            "<Entry><String><Key>Password</Key><Value Protected=\"True\">AbCd==</Value></String></Entry>",
        );
        assert!(matches!(parse(&xml), Err(ParseError::Encrypted(_))));
        match parse("<KeePassFile>\n<Root>\n<Group><Name>secret-ish</Root></KeePassFile>") {
            Err(ParseError::Invalid(m)) => {
                assert!(m.starts_with("line 3: not well-formed XML"), "{m}");
                assert!(!m.contains("secret-ish"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        match parse(
            "<KeePassFile><Root><Group><Name>x &bogus; y</Name></Group></Root></KeePassFile>",
        ) {
            Err(ParseError::Invalid(m)) => assert!(!m.contains("bogus"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("<KeePassFile><Root>"),
            Err(ParseError::Invalid(m)) if m.contains("truncated")
        ));
        let deep = "<a>".repeat(MAX_DEPTH + 5);
        assert!(matches!(parse(&deep), Err(ParseError::Invalid(m)) if m.contains("deeply")));
    }
}
