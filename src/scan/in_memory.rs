//! Scans of content that is not read from the file system: the index for `--staged`, blobs
//! for `--git`, standard input.

#[allow(unused_imports)]
use super::*;

/// A scan fed one buffer at a time (see [`Scanner::in_memory`]).
pub struct MemoryScan<'s> {
    pub(super) scanner: &'s Scanner,
    pub(super) collected: Collected,
    pub(super) started: Instant,
    /// (secret, path) pairs already placed, when only the first place per path counts.
    pub(super) seen: Option<HashSet<(Vec<u8>, PathBuf)>>,
}

impl MemoryScan<'_> {
    /// For history fed oldest first: a credential that stays in a file is in every later
    /// version of it, so keep only its first place per path (the introducing commit).
    pub fn first_place_per_path(mut self) -> Self {
        self.seen = Some(HashSet::new());
        self
    }

    /// Scans `content` as the file `path`, keeping only places on lines `keep_line` accepts,
    /// each tagged with `commit` when the content came from history.
    pub fn add(
        &mut self,
        path: &Path,
        content: &[u8],
        commit: Option<&CommitInfo>,
        keep_line: &dyn Fn(usize) -> bool,
    ) {
        if self.scanner.filter.excludes_file(path) {
            self.scanner
                .skip(&mut self.collected, path, SkipReason::Excluded);
            return;
        }
        self.add_names(path, commit);
        // The same text check as for files on disk, so a UTF-16 blob or staged file is
        // transcoded too; git diffs UTF-16 as binary, so its lines all count as added.
        let Some(text) = text::text_of(content) else {
            self.scanner
                .skip(&mut self.collected, path, SkipReason::Binary);
            return;
        };
        let (sightings, references) = self.scanner.scan_with_references(path, &text);
        self.collected.stats.files_scanned += 1;
        self.collected.stats.bytes_scanned += content.len() as u64;
        let kept = sightings.into_iter().filter(|s| keep_line(s.location.line));
        self.push(kept, commit);
        self.collected
            .references
            .extend(references.into_iter().filter(|r| keep_line(r.line)));
    }

    /// Credentials in the names of `path` (each of its directories and the file), whatever
    /// lines the content keeps: the name is there whole.
    fn add_names(&mut self, path: &Path, commit: Option<&CommitInfo>) {
        let sightings = self.scanner.name_sightings(path, 0);
        self.push(sightings, commit);
    }

    fn push(&mut self, sightings: impl IntoIterator<Item = Sighting>, commit: Option<&CommitInfo>) {
        for mut sighting in sightings {
            if let Some(seen) = &mut self.seen
                && !seen.insert((sighting.secret.clone(), sighting.location.path.clone()))
            {
                continue;
            }
            sighting.location.commit = commit.cloned();
            self.collected.sightings.push(sighting);
        }
    }

    /// Counts a file left out because of its size.
    pub fn skipped_too_large(&mut self, path: &Path) {
        self.add_names(path, None);
        self.scanner
            .skip(&mut self.collected, path, SkipReason::TooLarge);
    }

    pub fn finish(self) -> ScanOutcome {
        self.scanner.finish(self.collected, self.started)
    }
}
