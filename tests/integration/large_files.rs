//! Large files are read in overlapping chunks: every secret is found exactly once, with the
//! same line and column as a whole-file read, and memory does not grow with file size.

use crate::common::{Fake, Tree};
use stray::scan::Chunking;
use stray::{Matcher, Progress, RuleSet, ScanOptions, Scanner};

fn places(tree: &Tree, chunking: Chunking) -> (Vec<(String, usize, usize)>, u64) {
    let options = ScanOptions {
        walk: stray::walk::WalkOptions {
            roots: vec![tree.path().to_path_buf()],
            ..Default::default()
        },
        max_file_size: u64::MAX,
        chunking,
        ..ScanOptions::default()
    };
    let matcher = Matcher::new(RuleSet::builtin().expect("rules")).expect("matcher");
    let scanner = Scanner::new(matcher, options).expect("scanner");
    let outcome = scanner.scan(&Progress::default()).expect("scan");
    let mut found: Vec<(String, usize, usize)> = outcome
        .findings
        .iter()
        .flat_map(|f| {
            f.locations
                .iter()
                .map(move |l| (f.fingerprint.clone(), l.line, l.column))
        })
        .collect();
    found.sort();
    (found, outcome.stats.bytes_scanned)
}

#[test]
fn chunked_reads_find_what_whole_reads_find() {
    let tree = Tree::new();
    let mut fake = Fake::new(61);
    let mut text = String::new();
    let mut planted = 0;
    let mut line = 0usize;
    while text.len() < 600_000 {
        line += 1;
        // Vary the line length so keys land at every position relative to the chunk cuts.
        let filler = "x".repeat(line * 37 % 113);
        if line % 29 == 0 {
            text.push_str(&format!("{filler} token: {}\n", fake.github_pat()));
            planted += 1;
        } else {
            text.push_str(&format!("let value_{line} = compute({filler});\n"));
        }
    }
    tree.write("big.log", &text);
    let whole = places(
        &tree,
        Chunking {
            from: u64::MAX,
            ..Chunking::default()
        },
    );
    assert_eq!(whole.0.len(), planted);
    for size in [20_000, 33_333, 65_536] {
        let chunked = places(
            &tree,
            Chunking {
                from: 1024,
                size,
                overlap: 8 * 1024,
            },
        );
        assert_eq!(chunked.0, whole.0, "chunk size {size}");
        assert_eq!(chunked.1, text.len() as u64, "every byte counted once");
    }
}
