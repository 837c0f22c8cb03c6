//! Writes a deterministic synthetic laptop tree for throughput runs.
//!
//! cargo run --release --example gen-corpus -- corpus/laptop 200
//! (directory, then size in MB; see scripts/throughput.sh)

#[path = "../benches/support/corpus_gen.rs"]
mod corpus_gen;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "corpus/laptop".to_string()));
    let megabytes: usize = match args.next().map(|s| s.parse()) {
        None => 200,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("usage: gen-corpus [DIR] [MEGABYTES]");
            return ExitCode::from(2);
        }
    };
    match corpus_gen::write_laptop(&dir, megabytes * 1024 * 1024, 42) {
        Ok(bytes) => {
            println!("wrote {:.1} MB to {}", bytes as f64 / 1e6, dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-corpus: {}: {e}", dir.display());
            ExitCode::from(2)
        }
    }
}
