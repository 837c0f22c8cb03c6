//! Zip archives: Slack and ChatGPT exports arrive as zips; so do many other things.
//!
//! Members are read with hard bounds (per member, per archive, nesting depth and compression
//! ratio) so a zip bomb costs a warning, not the machine.

use crate::names::Named;
use std::io::{Cursor, Read, Seek};

/// Which archives a scan opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArchiveMode {
    #[default]
    Auto,
    All,
    Never,
}

impl Named for ArchiveMode {
    const ALL: &'static [ArchiveMode] = &[ArchiveMode::Auto, ArchiveMode::All, ArchiveMode::Never];

    fn name(self) -> &'static str {
        match self {
            ArchiveMode::Auto => "auto",
            ArchiveMode::All => "all",
            ArchiveMode::Never => "never",
        }
    }

    fn help(self) -> &'static str {
        match self {
            ArchiveMode::Auto => {
                "Open zips that hold a chat export (Slack, ChatGPT, Claude, Discord)"
            }
            ArchiveMode::All => "Open every zip archive",
            ArchiveMode::Never => "Never open archives",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ArchiveLimits {
    /// Largest archive file opened at all.
    pub max_archive_size: u64,
    /// Largest member read (decompressed).
    pub max_member_size: u64,
    /// Most decompressed bytes read from one archive, nested members included.
    pub max_total: u64,
    /// Zips inside zips are opened this many levels deep.
    pub max_depth: u32,
    /// A member that expands more than this many times its compressed size is refused.
    pub max_ratio: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_archive_size: 2 << 30,
            max_member_size: 64 << 20,
            max_total: 1 << 30,
            max_depth: 2,
            max_ratio: 200,
        }
    }
}

pub fn is_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
}

/// What the archive walk asks of its caller.
pub trait MemberSink {
    /// A member's content, with its path inside the archive (nested: `inner.zip!a/b.json`).
    fn member(&mut self, name: &str, content: &[u8]);
    /// Something about the archive or a member was refused or unreadable.
    fn warn(&mut self, message: String);
    /// Whether a member's path (`channels.json`) marks the archive as a chat export, which
    /// `--archives auto` opens. The scan answers with its place classification.
    fn marks_chat_export(&self, member: &str) -> bool;
}

/// Whether [`read_members`] opened the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// Its members went to the sink.
    Read,
    /// Left closed: `--archives auto` and no chat export inside. The caller counts it skipped.
    NotAChatExport,
}

/// Reads the members of the zip in `reader` and hands each file to `sink`. An error means the
/// reader does not open as a zip at all (a text file may start with `PK\x03\x04`); a damaged
/// member is warned about through `sink` and the walk goes on.
pub fn read_members<R: Read + Seek>(
    reader: R,
    mode: ArchiveMode,
    limits: &ArchiveLimits,
    sink: &mut dyn MemberSink,
) -> Result<Opened, String> {
    let archive = open(reader)?;
    if mode == ArchiveMode::Auto {
        let names: Vec<String> = archive.file_names().map(str::to_string).collect();
        if !names.iter().any(|name| sink.marks_chat_export(name)) {
            return Ok(Opened::NotAChatExport);
        }
    }
    let mut budget = limits.max_total;
    walk(archive, limits, 0, "", &mut budget, sink)?;
    Ok(Opened::Read)
}

fn open<R: Read + Seek>(reader: R) -> Result<zip::ZipArchive<R>, String> {
    zip::ZipArchive::new(reader).map_err(|e| format!("not a readable zip: {e}"))
}

/// Hands every member of `archive` to `sink`; zips inside it are opened too (whatever the
/// mode), down to the depth limit.
fn walk<R: Read + Seek>(
    mut archive: zip::ZipArchive<R>,
    limits: &ArchiveLimits,
    depth: u32,
    prefix: &str,
    budget: &mut u64,
    sink: &mut dyn MemberSink,
) -> Result<(), String> {
    for index in 0..archive.len() {
        let mut member = match archive.by_index(index) {
            Ok(member) => member,
            Err(e) => {
                sink.warn(format!("member #{index}: {e}"));
                continue;
            }
        };
        if member.is_dir() {
            continue;
        }
        let name = format!("{prefix}{}", member.name());
        if *budget == 0 {
            sink.warn(format!(
                "{name}: the archive's read limit ({} bytes) is used up; it and later members not scanned",
                limits.max_total
            ));
            return Ok(());
        }
        let declared = member.size();
        let compressed = member.compressed_size().max(1);
        if declared > limits.max_member_size {
            sink.warn(format!(
                "{name}: larger than {} bytes, skipped",
                limits.max_member_size
            ));
            continue;
        }
        if declared > (1 << 20) && declared / compressed > limits.max_ratio {
            sink.warn(format!(
                "{name}: expands {}x (a zip bomb?), refused",
                declared / compressed
            ));
            continue;
        }
        let cap = limits.max_member_size.min(*budget);
        let mut content = Vec::with_capacity(declared.min(cap) as usize);
        // A bad CRC or a truncated stream fails the read only after handing over what was
        // inflated; that is scanned, so a damaged member costs a warning, not its secrets.
        if let Err(e) = member.by_ref().take(cap + 1).read_to_end(&mut content) {
            sink.warn(format!(
                "{name}: {e}; scanned the {} bytes read before it",
                content.len()
            ));
        }
        // Declared sizes can lie; what was actually inflated is what counts. A member larger
        // than it says is scanned up to the limit and the walk goes on to the next one; only
        // the archive's total budget running out ends it (at the next member).
        if content.len() as u64 > cap {
            content.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
            sink.warn(if cap == *budget {
                format!(
                    "{name}: expands past the archive's read limit; scanned its first {cap} bytes"
                )
            } else {
                format!(
                    "{name}: expands past {cap} bytes (its header says {declared}); scanned its first {cap} bytes"
                )
            });
        }
        *budget -= content.len() as u64;
        if is_zip(&content) {
            if depth + 1 > limits.max_depth {
                sink.warn(format!(
                    "{name}: nested deeper than {} zips, skipped",
                    limits.max_depth
                ));
                continue;
            }
            let nested_prefix = format!("{name}!");
            let nested = open(Cursor::new(content))
                .and_then(|inner| walk(inner, limits, depth + 1, &nested_prefix, budget, sink));
            if let Err(e) = nested {
                sink.warn(format!("{name}: {e}"));
            }
            continue;
        }
        sink.member(&name, &content);
    }
    Ok(())
}

/// Zips built in memory, for the unit tests here and of the parsers that read zips (1PUX).
#[cfg(test)]
pub(crate) mod test_support {
    use std::io::{Cursor, Write};

    /// A deflated zip of `(name, content)` members, in order.
    pub(crate) fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in files {
            writer.start_file(*name, options).expect("start file");
            writer.write_all(content).expect("write member");
        }
        writer.finish().expect("finish zip").into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::zip_of;
    use super::*;

    struct Collect {
        members: Vec<(String, Vec<u8>)>,
        warnings: Vec<String>,
    }

    impl MemberSink for Collect {
        fn member(&mut self, name: &str, content: &[u8]) {
            self.members.push((name.to_string(), content.to_vec()));
        }
        fn warn(&mut self, message: String) {
            self.warnings.push(message);
        }
        // A Slack export's index; the scan asks the place classification.
        fn marks_chat_export(&self, member: &str) -> bool {
            member == "channels.json"
        }
    }

    fn read(bytes: Vec<u8>, mode: ArchiveMode, limits: ArchiveLimits) -> Collect {
        read_opened(bytes, mode, limits).1
    }

    fn read_opened(bytes: Vec<u8>, mode: ArchiveMode, limits: ArchiveLimits) -> (Opened, Collect) {
        let mut sink = Collect {
            members: Vec::new(),
            warnings: Vec::new(),
        };
        let opened =
            read_members(Cursor::new(bytes), mode, &limits, &mut sink).expect("readable zip");
        (opened, sink)
    }

    #[test]
    fn auto_opens_chat_exports_only() {
        let slack = zip_of(&[
            ("channels.json", b"[]"),
            ("general/2024-01-02.json", b"[{}]"),
        ]);
        let other = zip_of(&[("lib/a.class", b"cafe")]);
        assert_eq!(
            read(slack.clone(), ArchiveMode::Auto, ArchiveLimits::default())
                .members
                .len(),
            2
        );
        assert!(
            read(other.clone(), ArchiveMode::Auto, ArchiveLimits::default())
                .members
                .is_empty()
        );
        assert_eq!(
            read(other.clone(), ArchiveMode::All, ArchiveLimits::default())
                .members
                .len(),
            1
        );
        let opened = |bytes, mode| read_opened(bytes, mode, ArchiveLimits::default()).0;
        assert_eq!(opened(slack, ArchiveMode::Auto), Opened::Read);
        assert_eq!(
            opened(other.clone(), ArchiveMode::Auto),
            Opened::NotAChatExport
        );
        assert_eq!(opened(other, ArchiveMode::All), Opened::Read);
    }

    #[test]
    fn nested_zips_are_bounded_by_depth() {
        let inner = zip_of(&[("conversations.json", b"[]")]);
        let outer = zip_of(&[("export.zip", &inner)]);
        let got = read(outer.clone(), ArchiveMode::All, ArchiveLimits::default());
        assert_eq!(got.members[0].0, "export.zip!conversations.json");
        let shallow = ArchiveLimits {
            max_depth: 0,
            ..ArchiveLimits::default()
        };
        let got = read(outer, ArchiveMode::All, shallow);
        assert!(got.members.is_empty());
        assert!(got.warnings[0].contains("nested"), "{:?}", got.warnings);
    }

    #[test]
    fn zip_bombs_are_refused() {
        let zeros = vec![b'a'; 8 << 20];
        let bomb = zip_of(&[("conversations.json", &zeros)]);
        let got = read(bomb, ArchiveMode::All, ArchiveLimits::default());
        assert!(got.members.is_empty());
        assert!(got.warnings[0].contains("zip bomb"), "{:?}", got.warnings);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut sink = Collect {
            members: Vec::new(),
            warnings: Vec::new(),
        };
        let result = read_members(
            Cursor::new(b"PK\x03\x04garbage".to_vec()),
            ArchiveMode::All,
            &ArchiveLimits::default(),
            &mut sink,
        );
        assert!(result.is_err());
    }
}
