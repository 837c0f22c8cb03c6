//! `--staged`: what the next commit adds, from one `git diff --cached --raw -p -U0 -z` (names,
//! modes, blob ids and hunks in one pass) and the blobs' contents from `cat-file`.

use super::*;

/// Every added, modified, renamed/copied (reported as added: renames are not detected) or
/// type-changed regular file in the index of the repository at `root`, with its staged content and
/// the line ranges the commit adds. Deleted files, symlinks, submodules and unmerged entries are
/// skipped; binary files are returned (the caller decides). Files over `max_size` bytes are listed
/// in [`Staged::too_large`] without being read.
pub fn staged(root: &Path, max_size: u64) -> Result<Staged, GitError> {
    const WHAT: &str = "git diff --cached";
    // Files over bigFileThreshold are diffed as binary ("Binary files differ"), so git does not
    // spend time diffing what we will not read anyway. Clamped: git parses it as a C `long`.
    let threshold = format!(
        "core.bigFileThreshold={}",
        max_size.clamp(1, i32::MAX as u64)
    );
    // The cat-file pair starts up while git diffs (reading the old blobs is most of a staged
    // scan's git time), ready for the blob ids the diff names.
    let cat_files = CatFiles::spawn(root)?;
    let output = git_command(root, &[&threshold])
        .args([
            "diff",
            "--cached",
            "--raw",
            "-p",
            "-z",
            "-U0",
            "--inter-hunk-context=0",
            "--no-abbrev",
            "--no-renames",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--ignore-submodules=all",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            "--diff-filter=AMT",
            "--",
        ])
        .output()
        .map_err(|e| spawn_error(WHAT, e))?;
    if !output.status.success() {
        return Err(command_failed(WHAT, root, output.status, &output.stderr));
    }
    let (entries, patch) = parse_raw_section(&output.stdout).map_err(|detail| GitError::Parse {
        command: WHAT,
        detail,
    })?;
    let hunks = parse_patch(patch);

    let entries: Vec<RawEntry> = entries
        .into_iter()
        .filter(|e| is_regular_file(e.new_mode) && !e.new_oid.is_zero())
        .collect();
    let oids: Vec<Oid> = entries.iter().map(|e| e.new_oid).collect();
    let mut slots: Vec<Option<Fetched>> = vec![None; entries.len()];
    cat_files.fetch(root, &oids, max_size, &mut |index, blob| {
        slots[index] = Some(match blob {
            Blob::Content(bytes) => Fetched::Content(bytes.to_vec()),
            Blob::TooLarge => Fetched::TooLarge,
            Blob::Missing => Fetched::Missing,
        });
        Ok(())
    })?;

    let mut result = Staged::default();
    for (entry, slot) in entries.into_iter().zip(slots) {
        let path = path_from_bytes(&entry.path);
        match slot {
            Some(Fetched::Content(content)) => {
                let added_lines = match hunks.get(entry.path.as_slice()) {
                    Some(ranges) => normalize_ranges(ranges.clone()),
                    // No text hunks: a mode-only change adds nothing; otherwise git diffed the
                    // file as binary (or it is new and empty), so all of it is new.
                    None if entry.old_oid == entry.new_oid => Vec::new(),
                    None => whole_file(&content),
                };
                result.files.push(StagedFile {
                    path,
                    content,
                    added_lines,
                });
            }
            Some(Fetched::TooLarge) => result.too_large.push(path),
            Some(Fetched::Missing) | None => {
                return Err(GitError::MissingObject {
                    oid: entry.new_oid.to_string(),
                    path,
                });
            }
        }
    }
    Ok(result)
}

// ---------------------------------------------------------------------------------------------
// `git diff --cached --raw -p -z` output

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RawEntry {
    pub(super) old_oid: Oid,
    pub(super) new_oid: Oid,
    pub(super) new_mode: u32,
    pub(super) status: u8,
    pub(super) path: Vec<u8>,
}

/// Splits `--raw -z` records (`:<old mode> <new mode> <old oid> <new oid> <status>\0<path>\0`)
/// from the patch text that follows them (after one more `\0`).
pub(super) fn parse_raw_section(output: &[u8]) -> Result<(Vec<RawEntry>, &[u8]), String> {
    let mut entries = Vec::new();
    let mut rest = output;
    loop {
        match rest.first() {
            None => return Ok((entries, rest)),
            Some(0) => return Ok((entries, &rest[1..])),
            Some(b':') => {}
            Some(_) if entries.is_empty() => return Ok((entries, rest)),
            Some(_) => return Err("raw diff record does not start with ':'".into()),
        }
        let (header, after) = split_nul(rest).ok_or("raw diff record without NUL")?;
        let (path, after) = split_nul(after).ok_or("raw diff record without a path")?;
        let fields: Vec<&[u8]> = header[1..].split(|&b| b == b' ').collect();
        let [_, new_mode, old_oid, new_oid, status] = fields.as_slice() else {
            return Err(format!(
                "raw diff record {:?} does not have 5 fields",
                String::from_utf8_lossy(header)
            ));
        };
        let bad = || format!("bad raw diff record {:?}", String::from_utf8_lossy(header));
        if path.is_empty() {
            return Err(bad());
        }
        entries.push(RawEntry {
            old_oid: Oid::from_hex(old_oid).ok_or_else(bad)?,
            new_oid: Oid::from_hex(new_oid).ok_or_else(bad)?,
            new_mode: parse_mode(new_mode).ok_or_else(bad)?,
            status: *status.first().ok_or_else(bad)?,
            path: path.to_vec(),
        });
        rest = after;
    }
}

pub(super) fn split_nul(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = memchr::memchr(0, bytes)?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

/// A unified-diff hunk header: `@@ -a[,b] +c[,d] @@`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct HunkHeader {
    pub(super) old_start: usize,
    pub(super) old_count: usize,
    pub(super) new_start: usize,
    pub(super) new_count: usize,
}

impl HunkHeader {
    /// Parses `@@ -a[,b] +c[,d] @@[ section heading]`; a missing count means 1.
    pub(super) fn parse(line: &[u8]) -> Option<HunkHeader> {
        let rest = line.strip_prefix(b"@@ -")?;
        let space = memchr::memchr(b' ', rest)?;
        let (old_start, old_count) = parse_hunk_range(&rest[..space])?;
        let rest = rest[space + 1..].strip_prefix(b"+")?;
        let space = memchr::memchr(b' ', rest)?;
        let (new_start, new_count) = parse_hunk_range(&rest[..space])?;
        if !rest[space..].starts_with(b" @@") {
            return None;
        }
        Some(HunkHeader {
            old_start,
            old_count,
            new_start,
            new_count,
        })
    }

    /// The new-file lines the hunk adds, for a hunk without context lines (`-U0`): `None` for a
    /// pure deletion (`+c,0`).
    pub(super) fn added(&self) -> Option<RangeInclusive<usize>> {
        if self.new_count == 0 || self.new_start == 0 {
            return None;
        }
        let end = self.new_start.checked_add(self.new_count - 1)?;
        Some(self.new_start..=end)
    }
}

pub(super) fn parse_hunk_range(text: &[u8]) -> Option<(usize, usize)> {
    let number = |digits: &[u8]| -> Option<usize> {
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    match memchr::memchr(b',', text) {
        Some(comma) => Some((number(&text[..comma])?, number(&text[comma + 1..])?)),
        None => Some((number(text)?, 1)),
    }
}

/// Added line ranges per new path, from `-p -U0` patch text. Paths come from the `+++ b/...` lines
/// (unambiguous even with spaces, C-quoted when unusual); hunk bodies are consumed by count, so a
/// content line such as `+++ x` is never taken for a header. Files git diffs as binary have no
/// entry.
pub(super) fn parse_patch(patch: &[u8]) -> HashMap<Vec<u8>, Vec<RangeInclusive<usize>>> {
    let mut files: HashMap<Vec<u8>, Vec<RangeInclusive<usize>>> = HashMap::new();
    let mut current: Option<Vec<u8>> = None; // new path of the file section, None for /dev/null
    let mut lines = patch.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        if line.starts_with(b"diff ") {
            current = None;
        } else if let Some(name) = line.strip_prefix(b"+++ ") {
            current = new_path_from_label(name);
            if let Some(path) = &current {
                files.entry(path.clone()).or_default();
            }
        } else if let Some(header) = HunkHeader::parse(line) {
            // Consume the body by count; track new-file line numbers in case there is context.
            let (mut old_left, mut new_left) = (header.old_count, header.new_count);
            let mut line_no = header.new_start;
            let mut added: Vec<RangeInclusive<usize>> = Vec::new();
            let mut context = false;
            while old_left > 0 || new_left > 0 {
                let Some(body) = lines.peek() else { break };
                match body.first() {
                    Some(b'+') if new_left > 0 => {
                        push_line(&mut added, line_no);
                        line_no = line_no.saturating_add(1);
                        new_left -= 1;
                    }
                    Some(b'-') if old_left > 0 => old_left -= 1,
                    Some(b' ') | None if old_left > 0 && new_left > 0 => {
                        context = true;
                        line_no = line_no.saturating_add(1);
                        old_left -= 1;
                        new_left -= 1;
                    }
                    Some(b'\\') => {}
                    _ => break, // malformed: leave the line to the outer loop
                }
                lines.next();
            }
            if let Some(path) = &current {
                let ranges = files.entry(path.clone()).or_default();
                if context {
                    ranges.extend(added);
                } else {
                    ranges.extend(header.added());
                }
            }
        }
    }
    files
}

pub(super) fn push_line(ranges: &mut Vec<RangeInclusive<usize>>, line: usize) {
    match ranges.last_mut() {
        Some(last) if last.end().checked_add(1) == Some(line) => *last = *last.start()..=line,
        _ => ranges.push(line..=line),
    }
}

/// `b/path`, `"b/quoted\tpath"` (C-quoted) or `/dev/null`, with the tab git appends after a name
/// containing a space.
pub(super) fn new_path_from_label(label: &[u8]) -> Option<Vec<u8>> {
    let label = label.strip_suffix(b"\t").unwrap_or(label);
    if label == b"/dev/null" {
        return None;
    }
    let name = if label.first() == Some(&b'"') {
        c_unquote(label)?
    } else {
        label.to_vec()
    };
    name.strip_prefix(b"b/").map(<[u8]>::to_vec)
}

/// Undoes git's C-style quoting: `"a\tb\"c\303\251"` → `a<TAB>b"cé`.
pub(super) fn c_unquote(quoted: &[u8]) -> Option<Vec<u8>> {
    let inner = quoted.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.iter().copied();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let escaped = bytes.next()?;
        out.push(match escaped {
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0b,
            b'0'..=b'3' => {
                let d2 = bytes.next()?;
                let d3 = bytes.next()?;
                if !(b'0'..=b'7').contains(&d2) || !(b'0'..=b'7').contains(&d3) {
                    return None;
                }
                ((escaped - b'0') << 6) | ((d2 - b'0') << 3) | (d3 - b'0')
            }
            other => other, // \\ and \"
        });
    }
    Some(out)
}

/// Sorts and merges overlapping or adjacent ranges.
pub(super) fn normalize_ranges(
    mut ranges: Vec<RangeInclusive<usize>>,
) -> Vec<RangeInclusive<usize>> {
    ranges.sort_by_key(|r| (*r.start(), *r.end()));
    let mut merged: Vec<RangeInclusive<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if *range.start() <= last.end().saturating_add(1) => {
                if range.end() > last.end() {
                    *last = *last.start()..=*range.end();
                }
            }
            _ => merged.push(range),
        }
    }
    merged
}

/// Every line of `content`, for a file that is new as a whole.
pub(super) fn whole_file(content: &[u8]) -> Vec<RangeInclusive<usize>> {
    if content.is_empty() {
        return Vec::new();
    }
    let newlines = memchr::memchr_iter(b'\n', content).count();
    let lines = newlines + usize::from(content.last() != Some(&b'\n'));
    vec![1..=lines]
}
