//! Reading one walked file: whole, in chunks for large files (several at once, columns and
//! lines the file's own), or as a zip archive whose members are scanned as files.

#[allow(unused_imports)]
use super::*;

impl Scanner {
    /// Reads and scans one walked file, counting it as scanned or skipped.
    pub(super) fn scan_file(&self, path: &Path, buffer: &mut Vec<u8>, local: &mut Collected) {
        let display = display_path(&self.options.walk.roots, path);
        let warn = |local: &mut Collected, message: String| unreadable(local, &display, message);
        let mut file = match crate::input::files::open_unblocked(path) {
            Ok(file) => file,
            Err(e) => return warn(local, io_message(&e)),
        };
        let meta = match file.metadata() {
            // Opened without blocking: a named pipe that took a file's place is never read.
            Ok(meta) if !meta.is_file() => {
                self.skip(local, &display, SkipReason::Special);
                return;
            }
            Ok(meta) => meta,
            Err(e) => return warn(local, io_message(&e)),
        };
        #[cfg(unix)]
        if !self.left_out.is_empty() {
            use std::os::unix::fs::MetadataExt;
            if self.left_out.contains(&(meta.dev(), meta.ino())) {
                return;
            }
        }
        let size = meta.len();
        buffer.clear();
        if size <= READ_WHOLE_FIRST.min(self.options.max_file_size)
            && usize::try_from(size + 1)
                .ok()
                .is_some_and(|wanted| buffer.try_reserve_exact(wanted).is_ok())
        {
            return self.scan_small_file(&display, file, buffer, local);
        }
        let mut magic = [0u8; 4];
        let magic_len = match read_prefix(&mut file, &mut magic) {
            Ok(n) => n,
            Err(e) => return warn(local, e.to_string()),
        };
        let head = &magic[..magic_len];
        let not_a_zip = match self.open_archive(&display, &mut file, head, size, local) {
            Archive::Done => return,
            Archive::NotZip => None,
            Archive::Unopened(reason) => {
                // It starts like a zip but does not open as one: a text file that begins with
                // `PK\x03\x04` is read like any other file.
                if let Err(e) = file.seek(SeekFrom::Start(magic_len as u64)) {
                    return warn(local, e.to_string());
                }
                Some(reason)
            }
        };
        buffer.extend_from_slice(&magic[..magic_len]);
        if let Some(reason) = not_a_zip {
            let sniff = (text::BINARY_SNIFF_LEN - magic_len) as u64;
            if let Err(e) = (&mut file).take(sniff).read_to_end(buffer) {
                return warn(local, e.to_string());
            }
            // Not text either: a damaged zip, unreadable as before.
            if text::looks_binary(buffer) {
                return warn(local, reason);
            }
        }
        if size > self.options.max_file_size {
            self.skip(local, &display, SkipReason::TooLarge);
            return;
        }
        // A file that cannot be held whole (above the chunking size, or no memory for it now)
        // is read a chunk at a time instead of being skipped.
        let whole = size <= self.options.chunking.from
            && usize::try_from(size + 1)
                .ok()
                .is_some_and(|wanted| buffer.try_reserve_exact(wanted).is_ok());
        if !whole {
            if let Err(e) = self.scan_in_chunks(&display, file, buffer, local) {
                warn(local, e.to_string());
            }
            return;
        }
        let limit = self
            .options
            .max_file_size
            .saturating_add(1)
            .saturating_sub(buffer.len() as u64);
        if let Err(e) = crate::input::files::read_to_end_at_once(&mut file, buffer, limit) {
            return warn(local, e.to_string());
        }
        self.scan_read(&display, buffer, local);
    }

    /// A file of at most [`READ_WHOLE_FIRST`] bytes, room for it in `buffer`: read whole at
    /// once (no first read of its magic bytes alone, a system call per file), then opened as
    /// an archive if it starts like one.
    fn scan_small_file(
        &self,
        display: &Path,
        mut file: File,
        buffer: &mut Vec<u8>,
        local: &mut Collected,
    ) {
        let limit = self.options.max_file_size.saturating_add(1);
        if let Err(e) = crate::input::files::read_to_end_at_once(&mut file, buffer, limit) {
            return unreadable(local, display, e.to_string());
        }
        let size = buffer.len() as u64;
        match self.open_archive(display, &mut file, buffer, size, local) {
            Archive::Done => return,
            // Starts like a zip, does not open as one, and is not text either: a damaged zip.
            // Text that begins with `PK\x03\x04` is scanned like any other file.
            Archive::Unopened(reason) if text::looks_binary(buffer) => {
                return unreadable(local, display, reason);
            }
            Archive::Unopened(_) | Archive::NotZip => {}
        }
        self.scan_read(display, buffer, local);
    }

    /// Scans a file read whole into `buffer`, unless it grew past the size limit meanwhile.
    fn scan_read(&self, display: &Path, buffer: &mut Vec<u8>, local: &mut Collected) {
        if buffer.len() as u64 > self.options.max_file_size {
            self.skip(local, display, SkipReason::TooLarge);
        } else {
            self.scan_content(display, buffer, local);
        }
        // A thread keeps its buffer for the next file: not one as large as the largest file.
        if buffer.capacity() > KEPT_BUFFER {
            *buffer = Vec::new();
        }
    }

    /// Scans a large file a chunk at a time so memory stays bounded by the chunk size, not the
    /// file size. Consecutive chunks overlap; each place is kept by exactly one chunk (the
    /// one in which it starts before the cut line), so nothing is reported twice or cut short.
    /// Several chunks are scanned at once, so one huge file does not leave cores idle.
    /// `buffer` arrives holding the file's first bytes.
    pub(super) fn scan_in_chunks(
        &self,
        display: &Path,
        mut file: File,
        buffer: &mut Vec<u8>,
        local: &mut Collected,
    ) -> std::io::Result<()> {
        let Chunking { size, overlap, .. } = self.options.chunking;
        let parallel = self.parallel_chunks.max(1);
        let mut data = std::mem::take(buffer);
        let mut lines_before = 0usize; // newlines before data[0]
        let mut columns_before = 0usize; // characters of data[0]'s line before it
        // Absolute (line, column) where the next chunk's places start.
        let mut keep_from = (1usize, 1usize);
        let mut first = true;
        let mut finished = false;
        while !finished {
            let mut batch: Vec<ChunkJob> = Vec::with_capacity(parallel);
            while batch.len() < parallel && !finished {
                let wanted = size.saturating_sub(data.len());
                let read = file.by_ref().take(wanted as u64).read_to_end(&mut data)?;
                let last = read < wanted;
                if first {
                    first = false;
                    // UTF-16 stays binary here: chunks are cut and lines counted on raw bytes,
                    // and a text file over the chunking threshold (64 MiB) in UTF-16 is rare
                    // enough not to be worth transcoding chunk by chunk.
                    if text::looks_binary(&data) {
                        self.skip(local, display, SkipReason::Binary);
                        return Ok(());
                    }
                }
                // Places from the cut onwards belong to the next chunk: from the start of the
                // cut's line, when the next chunk holds that start, or else (a line longer than
                // half the overlap) from the cut itself, which both chunks see with enough
                // context around it.
                let cut = if last {
                    data.len()
                } else {
                    data.len() - overlap / 2
                };
                let cut_line = lines_before + memchr::memchr_iter(b'\n', &data[..cut]).count() + 1;
                let cut_line_start = memchr::memrchr(b'\n', &data[..cut]).map(|p| p + 1);
                let cut_at = match cut_line_start {
                    Some(start) if last || start >= data.len() - overlap => (cut_line, 1),
                    Some(start) => (cut_line, 1 + characters(&data[start..cut])),
                    None => (cut_line, 1 + columns_before + characters(&data[..cut])),
                };
                let next = if last {
                    local.stats.bytes_scanned += data.len() as u64;
                    Vec::new()
                } else {
                    // The next chunk starts with this one's overlap.
                    let dropped = data.len() - overlap;
                    local.stats.bytes_scanned += dropped as u64;
                    data[dropped..].to_vec()
                };
                let job = ChunkJob {
                    data: std::mem::replace(&mut data, next),
                    lines_before,
                    columns_before,
                    keep_from,
                    cut_at,
                    last,
                };
                if !last {
                    let dropped = &job.data[..job.data.len() - overlap];
                    lines_before += memchr::memchr_iter(b'\n', dropped).count();
                    // A line that runs on into the next chunk: its columns go on counting.
                    columns_before = match memchr::memrchr(b'\n', dropped) {
                        Some(newline) => characters(&dropped[newline + 1..]),
                        None => columns_before + characters(dropped),
                    };
                    keep_from = cut_at;
                }
                finished = last;
                batch.push(job);
            }
            let results: Vec<(Vec<Sighting>, Vec<Reference>)> = std::thread::scope(|scope| {
                let handles: Vec<_> = batch
                    .iter()
                    .skip(1)
                    .map(|job| scope.spawn(|| self.scan_chunk(display, job)))
                    .collect();
                let mut results = vec![self.scan_chunk(display, &batch[0])];
                results.extend(handles.into_iter().map(|h| h.join().unwrap_or_default()));
                results
            });
            for (sightings, references) in results {
                local.sightings.extend(sightings);
                local.references.extend(references);
            }
        }
        local.stats.files_scanned += 1;
        Ok(())
    }

    /// One chunk's places, on absolute lines and columns, without those another chunk owns.
    pub(super) fn scan_chunk(
        &self,
        display: &Path,
        job: &ChunkJob,
    ) -> (Vec<Sighting>, Vec<Reference>) {
        let (sightings, references) = self.scan_with_references(display, &job.data);
        // Only the chunk's first line can have started in an earlier chunk.
        let absolute = |line: usize, column: usize| {
            let column = if line == 1 {
                column + job.columns_before
            } else {
                column
            };
            (line + job.lines_before, column)
        };
        let keep = |at: (usize, usize)| at >= job.keep_from && (job.last || at < job.cut_at);
        let sightings = sightings
            .into_iter()
            .filter_map(|mut s| {
                let at = absolute(s.location.line, s.location.column);
                (s.location.line, s.location.column) = at;
                keep(at).then_some(s)
            })
            .collect();
        let references = references
            .into_iter()
            .filter_map(|mut r| {
                let at = absolute(r.line, r.column);
                (r.line, r.column) = at;
                keep(at).then_some(r)
            })
            .collect();
        (sightings, references)
    }

    /// A file of `size` bytes whose first bytes are `head`, opened as an archive when it
    /// starts like a zip (and archives are read): its members scanned, or it skipped as too
    /// large.
    fn open_archive(
        &self,
        display: &Path,
        file: &mut File,
        head: &[u8],
        size: u64,
        local: &mut Collected,
    ) -> Archive {
        if self.options.archives == ArchiveMode::Never || !is_zip(head) {
            return Archive::NotZip;
        }
        if size > self.options.archive_limits.max_archive_size {
            self.skip(local, display, SkipReason::TooLarge);
            return Archive::Done;
        }
        match self.scan_archive(display, file, local) {
            Some(reason) => Archive::Unopened(reason),
            None => Archive::Done,
        }
    }

    /// Scans the members of a file that starts like a zip; returns why it does not open as
    /// one when it does not, and the caller reads it as a file instead.
    pub(super) fn scan_archive(
        &self,
        display: &Path,
        file: &mut File,
        local: &mut Collected,
    ) -> Option<String> {
        if let Err(e) = file.seek(SeekFrom::Start(0)) {
            unreadable(local, display, e.to_string());
            return None;
        }
        let mut sink = ArchiveSink {
            scanner: self,
            archive: display,
            local,
        };
        let result = archive::read_members(
            std::io::BufReader::new(file),
            self.options.archives,
            &self.options.archive_limits,
            &mut sink,
        );
        match result {
            Ok(archive::Opened::Read) => None,
            Ok(archive::Opened::NotAChatExport) => {
                self.skip(local, display, SkipReason::ArchiveNotOpened);
                None
            }
            Err(message) => Some(message),
        }
    }
}

/// Hands archive members to the scanner, reported as `archive.zip!member/path`.
pub(super) struct ArchiveSink<'a, 's> {
    pub(super) scanner: &'s Scanner,
    pub(super) archive: &'a Path,
    pub(super) local: &'a mut Collected,
}

impl archive::MemberSink for ArchiveSink<'_, '_> {
    fn member(&mut self, name: &str, content: &[u8]) {
        let mut member_path = self.archive.as_os_str().to_os_string();
        member_path.push("!");
        member_path.push(name);
        let member_path = Path::new(&member_path);
        let names_from = self.archive.as_os_str().len() + 1;
        self.local
            .sightings
            .extend(self.scanner.name_sightings(member_path, names_from));
        self.scanner.scan_content(member_path, content, self.local);
    }

    fn warn(&mut self, message: String) {
        self.local.warnings.push(Warning {
            path: Some(self.archive.to_path_buf()),
            message,
        });
    }

    fn marks_chat_export(&self, member: &str) -> bool {
        classify(Path::new(member)) == LocationKind::ChatExport
    }
}

/// What [`Scanner::open_archive`] made of a file.
enum Archive {
    /// Not zip-like, or archives are not read: read it as a file.
    NotZip,
    /// Scanned as an archive, or skipped: nothing more to do.
    Done,
    /// Starts like a zip but does not open as one, for this reason.
    Unopened(String),
}

/// Counts a file as unreadable, with why.
fn unreadable(local: &mut Collected, display: &Path, message: String) {
    local.stats.skipped_unreadable += 1;
    local.warnings.push(Warning {
        path: Some(display.to_path_buf()),
        message,
    });
}

/// Files up to this size are read whole with their first read.
const READ_WHOLE_FIRST: u64 = 1 << 20;

/// Fills as much of `buf` as the file has.
pub(super) fn read_prefix(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// One chunk of a large file and where its places start and stop belonging to it.
pub(super) struct ChunkJob {
    pub(super) data: Vec<u8>,
    /// Newlines before `data[0]` in the file.
    pub(super) lines_before: usize,
    /// Characters between the start of `data[0]`'s line and `data[0]`.
    pub(super) columns_before: usize,
    /// Places at absolute (line, column) in `keep_from..cut_at` are this chunk's (from
    /// `keep_from` on if `last`).
    pub(super) keep_from: (usize, usize),
    pub(super) cut_at: (usize, usize),
    pub(super) last: bool,
}
