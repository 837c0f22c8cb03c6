//! The reading floor of a scan: walks the roots exactly as `stray scan` does (its walker, skip
//! list, hidden files and ignore-file settings, as many threads as it would start) and reads
//! every file it would read whole into a buffer, matching nothing. `scripts/bench-compare`
//! times it as "reading the same files", the floor stray's own time is a ratio of.
//!
//! cargo run --release --example read-floor -- DIR...
//!
//! Prints `files N bytes M` (what was read), to be compared with a scan's `files_scanned` and
//! `bytes_scanned`. Files over stray's default `--max-file-size` (25 MiB) are left unread, as
//! stray leaves them; a file's content is read whatever it holds (stray reads a binary file too
//! before it decides not to match it).

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

use ignore::WalkState;
use stray::ScanOptions;
use stray::input::walk::{PathFilter, build_walker};

fn main() -> ExitCode {
    let roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if roots.is_empty() {
        eprintln!("usage: read-floor DIR...");
        return ExitCode::from(2);
    }
    let mut options = ScanOptions::default();
    options.walk.roots = roots;
    // The threads `Scanner::new` gives the walk: one per core, at most 12.
    options.walk.threads = stray::memory::fit(&mut options).threads;
    let max_file_size = options.max_file_size;
    let walker = PathFilter::new(&options.walk)
        .and_then(|filter| build_walker(&options.walk, &filter, None));
    let walker = match walker {
        Ok((walker, _refused)) => walker,
        Err(e) => {
            eprintln!("read-floor: {e}");
            return ExitCode::from(2);
        }
    };
    let files = AtomicU64::new(0);
    let bytes = AtomicU64::new(0);
    walker.run(|| {
        let mut buffer = Vec::new();
        let (files, bytes) = (&files, &bytes);
        Box::new(move |entry| {
            let Ok(entry) = entry else {
                return WalkState::Continue;
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let path = entry.path();
            let Ok(meta) = std::fs::metadata(path) else {
                return WalkState::Continue;
            };
            if !meta.is_file() || meta.len() > max_file_size {
                return WalkState::Continue;
            }
            let Ok(file) = std::fs::File::open(path) else {
                return WalkState::Continue;
            };
            buffer.clear();
            let _ = buffer.try_reserve_exact(meta.len() as usize + 1);
            if file
                .take(max_file_size + 1)
                .read_to_end(&mut buffer)
                .is_ok()
            {
                files.fetch_add(1, Ordering::Relaxed);
                bytes.fetch_add(buffer.len() as u64, Ordering::Relaxed);
            }
            WalkState::Continue
        })
    });
    println!(
        "files {} bytes {}",
        files.load(Ordering::Relaxed),
        bytes.load(Ordering::Relaxed)
    );
    ExitCode::SUCCESS
}
