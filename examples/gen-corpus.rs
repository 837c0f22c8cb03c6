//! Writes a deterministic synthetic laptop tree for throughput runs, and the list of the fake
//! keys it plants next to it (`DIR.planted.tsv`, outside the tree, so no scan of the tree reads it).
//!
//! cargo run --release --example gen-corpus -- corpus/laptop 200
//! (directory, then size in MB; see scripts/throughput.sh and scripts/bench-compare)
//!
//! With `--planted-only`, nothing is written: the list a write of the same size would plant is
//! printed to standard output (scripts/bench-compare uses it for a corpus made before the list
//! existed).

#[path = "../benches/support/corpus_gen.rs"]
mod corpus_gen;

use std::path::PathBuf;
use std::process::ExitCode;

/// The seed every corpus is generated with: the same size gives the same tree.
const SEED: u64 = 42;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let planted_only = args.first().is_some_and(|a| a == "--planted-only");
    if planted_only {
        args.remove(0);
    }
    let mut args = args.into_iter();
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "corpus/laptop".to_string()));
    let megabytes: usize = match args.next().map(|s| s.parse()) {
        None => 200,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("usage: gen-corpus [--planted-only] [DIR] [MEGABYTES]");
            return ExitCode::from(2);
        }
    };
    let root = (!planted_only).then_some(dir.as_path());
    let made = match corpus_gen::laptop(root, megabytes * 1024 * 1024, SEED) {
        Ok(made) => made,
        Err(e) => {
            eprintln!("gen-corpus: {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    };
    let manifest = corpus_gen::manifest(&made.planted, SEED, megabytes);
    if planted_only {
        print!("{manifest}");
        return ExitCode::SUCCESS;
    }
    let list = PathBuf::from(format!(
        "{}.planted.tsv",
        dir.display().to_string().trim_end_matches('/')
    ));
    if let Err(e) = std::fs::write(&list, manifest) {
        eprintln!("gen-corpus: {}: {e}", list.display());
        return ExitCode::from(2);
    }
    println!(
        "wrote {:.1} MB to {} ({} fake keys planted, listed in {})",
        made.bytes as f64 / 1e6,
        dir.display(),
        made.planted.len(),
        list.display()
    );
    ExitCode::SUCCESS
}
