//! The parallel walk's visitors: one per walker thread, results kept thread-local and merged
//! once when the thread ends.

#[allow(unused_imports)]
use super::*;

pub(super) struct VisitorBuilder<'s> {
    pub(super) scanner: &'s Scanner,
    pub(super) shared: &'s Mutex<Collected>,
    pub(super) progress: &'s Progress,
}

impl<'s> ParallelVisitorBuilder<'s> for VisitorBuilder<'s> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Visitor {
            scanner: self.scanner,
            shared: self.shared,
            progress: self.progress,
            local: Collected::default(),
            buffer: Vec::new(),
        })
    }
}

/// One per walker thread: results stay thread-local and merge once, when the thread ends.
pub(super) struct Visitor<'s> {
    pub(super) scanner: &'s Scanner,
    pub(super) shared: &'s Mutex<Collected>,
    pub(super) progress: &'s Progress,
    pub(super) local: Collected,
    pub(super) buffer: Vec<u8>,
}

impl ParallelVisitor for Visitor<'_> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                self.local.stats.skipped_unreadable += 1;
                self.local.warnings.push(walk_warning(&error));
                return WalkState::Continue;
            }
        };
        let sightings_before = self.local.sightings.len();
        // Every entry's own name, directories too; a root's whole path, as given.
        let display = display_path(&self.scanner.options.walk.roots, entry.path());
        let names_from = match entry.file_name().len() {
            _ if entry.depth() == 0 => Some(0),
            0 => None,
            name => display.as_os_str().len().checked_sub(name),
        };
        if let Some(from) = names_from {
            self.local
                .sightings
                .extend(self.scanner.name_sightings(&display, from));
        }
        let Some(file_type) = entry.file_type() else {
            self.count_sightings(sightings_before);
            return WalkState::Continue;
        };
        if crate::input::files::special_kind(file_type).is_some() {
            // A named pipe, socket or device: never opened (a pipe blocks, a device never ends).
            self.scanner
                .skip(&mut self.local, &display, SkipReason::Special);
            self.count_sightings(sightings_before);
            return WalkState::Continue;
        }
        if !file_type.is_file() {
            self.count_sightings(sightings_before);
            return WalkState::Continue;
        }
        let bytes_before = self.local.stats.bytes_scanned;
        self.scanner
            .scan_file(entry.path(), &mut self.buffer, &mut self.local);
        let new_bytes = self.local.stats.bytes_scanned - bytes_before;
        self.progress.files.fetch_add(1, Ordering::Relaxed);
        self.progress.bytes.fetch_add(new_bytes, Ordering::Relaxed);
        self.count_sightings(sightings_before);
        WalkState::Continue
    }
}

impl Visitor<'_> {
    fn count_sightings(&self, before: usize) {
        let new = (self.local.sightings.len() - before) as u64;
        self.progress.sightings.fetch_add(new, Ordering::Relaxed);
    }
}

impl Drop for Visitor<'_> {
    fn drop(&mut self) {
        let local = std::mem::take(&mut self.local);
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared.stats.absorb(&local.stats);
        shared.sightings.extend(local.sightings);
        shared.references.extend(local.references);
        shared.warnings.extend(local.warnings);
        shared.skipped.extend(local.skipped);
    }
}

pub(super) fn walk_warning(error: &ignore::Error) -> Warning {
    let mut path = None;
    let mut current = error;
    loop {
        match current {
            ignore::Error::WithPath { path: p, err } => {
                path.get_or_insert_with(|| p.clone());
                current = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                current = err;
            }
            ignore::Error::Loop { child, .. } => {
                path.get_or_insert_with(|| child.clone());
                break;
            }
            _ => break,
        }
    }
    let message = match current {
        ignore::Error::Io(e) => io_message(e),
        other => other.to_string(),
    };
    Warning { path, message }
}
