//! Times `stray::input::git` on a repository (used by scripts/bench-git.sh).
//!
//! cargo run --release --example git-walk -- [REPO] [REVSPEC]        history walk
//! cargo run --release --example git-walk -- --staged [REPO]         what the next commit adds
//! Options: --max-size BYTES (default 1 MiB).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut staged = false;
    let mut max_size: u64 = 1 << 20;
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--staged" => staged = true,
            "--max-size" => match args.next().map(|v| v.parse()) {
                Some(Ok(n)) => max_size = n,
                _ => return usage(),
            },
            "-h" | "--help" => return usage(),
            _ => positional.push(arg),
        }
    }
    let dir = PathBuf::from(positional.first().map_or(".", String::as_str));
    let revspec = positional.get(1).map(String::as_str);

    let start = Instant::now();
    let root = match stray::input::git::repo_root(&dir) {
        Ok(root) => root,
        Err(e) => return fail(&e),
    };
    if staged {
        match stray::input::git::staged(&root, max_size) {
            Ok(result) => {
                let elapsed = start.elapsed().as_secs_f64();
                let bytes: usize = result.files.iter().map(|f| f.content.len()).sum();
                let added: usize = result
                    .files
                    .iter()
                    .flat_map(|f| f.added_lines.iter())
                    .map(|r| r.end() + 1 - r.start())
                    .sum();
                println!(
                    "staged: {} files, {} too large, {added} added lines, {bytes} bytes, {:.2} ms",
                    result.files.len(),
                    result.too_large.len(),
                    elapsed * 1e3
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        }
    } else {
        let mut checksum = 0u64; // touch every byte, as a scanner would
        let result = stray::input::git::history(&root, revspec, max_size, &mut |_, content| {
            checksum = content.iter().fold(checksum, |acc, &b| {
                acc.wrapping_mul(31).wrapping_add(b.into())
            });
        });
        match result {
            Ok(stats) => {
                let elapsed = start.elapsed().as_secs_f64();
                let mb = stats.bytes as f64 / 1e6;
                println!(
                    "history: {} commits, {} blobs, {:.1} MB, {} too large, {elapsed:.3} s, {:.1} MB/s (checksum {checksum:x})",
                    stats.commits,
                    stats.blobs,
                    mb,
                    stats.too_large.len(),
                    mb / elapsed.max(1e-9)
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: git-walk [--staged] [--max-size BYTES] [REPO] [REVSPEC]");
    ExitCode::from(2)
}

fn fail(error: &stray::input::git::GitError) -> ExitCode {
    eprintln!("git-walk: {error}");
    ExitCode::from(1)
}
