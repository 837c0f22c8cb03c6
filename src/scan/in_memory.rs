//! Scans of content that is not read from the file system: the index for `--staged`, blobs
//! for `--git`, standard input.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

#[allow(unused_imports)]
use super::*;

/// A scan fed one buffer at a time (see [`Scanner::in_memory`]).
pub struct MemoryScan<'s> {
    pub(super) scanner: &'s Scanner,
    pub(super) collected: Collected,
    pub(super) started: Instant,
    /// When only the first place per path counts: the earliest sighting of each (secret, path)
    /// so far, with where it came in.
    pub(super) first_places: Option<FirstPlaces>,
    /// Rank of the content being added (see [`MemoryScan::set_rank`]).
    pub(super) rank: usize,
    /// Sightings pushed so far: the order within one rank.
    pub(super) arrivals: u64,
}

/// The earliest sighting of each (secret, path), keyed by its rank and arrival.
pub(super) type FirstPlaces = HashMap<(Vec<u8>, PathBuf), ((usize, u64), Sighting)>;

impl MemoryScan<'_> {
    /// For history: a credential that stays in a file is in every later version of it, so
    /// keep only its first place per path (the introducing commit). Content may be added in
    /// any order: each is ranked with [`MemoryScan::set_rank`], and the outcome is the one of
    /// adding everything by rank.
    pub fn first_place_per_path(mut self) -> Self {
        self.first_places = Some(HashMap::new());
        self
    }

    /// The place of the content added next in the order that counts (0 = oldest); content of
    /// equal rank counts in the order it is added. Git reads history fastest newest first,
    /// while the first place per path is the oldest.
    pub fn set_rank(&mut self, rank: usize) {
        self.rank = rank;
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
            sighting.location.commit = commit.cloned();
            let Some(first_places) = &mut self.first_places else {
                self.collected.sightings.push(sighting);
                continue;
            };
            let order = (self.rank, self.arrivals);
            self.arrivals += 1;
            let key = (sighting.secret.clone(), sighting.location.path.clone());
            match first_places.entry(key) {
                Entry::Vacant(entry) => {
                    entry.insert((order, sighting));
                }
                // Later arrivals of the same rank lose, as if added in rank order.
                Entry::Occupied(mut entry) if order.0 < entry.get().0.0 => {
                    entry.insert((order, sighting));
                }
                Entry::Occupied(_) => {}
            }
        }
    }

    /// Counts a file left out because of its size.
    pub fn skipped_too_large(&mut self, path: &Path) {
        self.add_names(path, None);
        self.scanner
            .skip(&mut self.collected, path, SkipReason::TooLarge);
    }

    pub fn finish(mut self) -> ScanOutcome {
        if let Some(first_places) = self.first_places.take() {
            // In rank order, as if added so: grouping keeps the first of rules of equal
            // priority that found the same bytes.
            let mut kept: Vec<_> = first_places.into_values().collect();
            kept.sort_unstable_by_key(|(order, _)| *order);
            self.collected
                .sightings
                .extend(kept.into_iter().map(|(_, sighting)| sighting));
        }
        self.scanner.finish(self.collected, self.started)
    }
}
