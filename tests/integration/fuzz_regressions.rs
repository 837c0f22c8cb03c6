//! Replays every input the fuzzers found (`fixtures/fuzz/<target>/*`) through the same entry
//! point the fuzz target calls, so a fixed crash stays fixed. Runs on stable with plain
//! `cargo test`; the fuzzers themselves live in `fuzz/` (see `fuzz/fuzz-all.sh`).

#[path = "../../fuzz/src/lib.rs"]
mod entry;

use std::path::Path;

#[test]
fn every_saved_fuzz_input_runs_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz");
    let mut replayed = 0;
    for target in entry::TARGETS {
        let dir = root.join(target);
        let Ok(read) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = read
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).expect("read fuzz input");
            eprintln!("{target}: {}", file.display());
            entry::run(target, &data);
            replayed += 1;
        }
    }
    // Every directory under fixtures/fuzz must name a target, or its inputs would be skipped.
    if let Ok(read) = std::fs::read_dir(&root) {
        for dir in read.filter_map(|e| e.ok()).filter(|e| e.path().is_dir()) {
            let name = dir.file_name().to_string_lossy().into_owned();
            assert!(
                entry::TARGETS.contains(&name.as_str()),
                "fixtures/fuzz/{name} is not a fuzz target"
            );
        }
    }
    eprintln!("replayed {replayed} saved fuzz inputs");
}

#[test]
fn every_target_accepts_empty_and_tiny_inputs() {
    for target in entry::TARGETS {
        for data in [&b""[..], b"\0", b"{", b"PK\x03\x04", b"[[rules]]\n"] {
            entry::run(target, data);
        }
    }
}
