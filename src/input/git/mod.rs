//! Git input: what the next commit adds (`--staged`) and the blobs a range of commits introduced
//! (`--git REVSPEC`).
//!
//! Everything goes through git's own commands (`std::process::Command`, never a shell), with a
//! fixed, small number of processes per call whatever the number of files:
//!
//! * [`repo_root`]: `git rev-parse --show-toplevel`.
//! * [`staged`]: one `git diff --cached --raw -p -U0 -z` (names, modes, blob ids *and* hunks in a
//!   single pass), then one `git cat-file --batch-check` (sizes) feeding one
//!   `git cat-file --batch` (contents of the blobs within the size limit).
//! * [`history`]: one `git log --raw -z -c --root` over the revision range, then the same pair of
//!   `cat-file` processes, streaming every distinct blob once through the visitor.
//!
//! Every invocation runs with `-C <root>`, `--no-pager`, `-c core.quotePath=false`,
//! `GIT_TERMINAL_PROMPT=0`, `GIT_OPTIONAL_LOCKS=0` and `LC_ALL=C` (so that the error messages this
//! module recognises are git's English ones). The environment is otherwise inherited, which is
//! what a pre-commit hook needs: `GIT_INDEX_FILE` (set by `git commit -a` or `git commit PATH`)
//! then names the index that is about to be committed.

mod blame;
mod catfile;
mod log;
mod object;
mod process;
mod staged;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;

use self::catfile::*;
use self::object::*;
use self::process::*;

pub use self::blame::{LineAuthors, blame_authors};
pub use self::log::{history, history_of_paths};
pub use self::staged::staged;

/// Why a git operation failed, phrased so that the user knows what to do next.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error(
        "git not found on PATH: install git (or add it to PATH) to scan staged changes or history"
    )]
    GitNotFound,
    #[error(
        "not inside a git repository ({}): run `stray scan --staged` or `--git` from inside a repository, or pass a path to scan files instead",
        dir.display()
    )]
    NotARepository { dir: PathBuf },
    #[error(
        "{} has no work tree (it is a bare repository or a .git directory): run stray from a checkout of the repository",
        dir.display()
    )]
    NoWorkTree { dir: PathBuf },
    #[error("cannot use {}: git said: {message}", dir.display())]
    Unusable { dir: PathBuf, message: String },
    #[error(
        "bad revision '{spec}': git said: {message} (use git rev-list syntax: HEAD, main, v1.2, origin/main..HEAD, --all)"
    )]
    BadRevision { spec: String, message: String },
    #[error(
        "object {oid} ({}) is missing from the repository: in a partial clone, fetch it (`git fetch --refetch`) or use a full clone; otherwise run `git fsck`",
        path.display()
    )]
    MissingObject { oid: String, path: PathBuf },
    #[error("`{command}` failed ({status}): {message}")]
    Failed {
        command: &'static str,
        status: String,
        message: String,
    },
    #[error("could not run `{command}`: {source}")]
    Io {
        command: &'static str,
        #[source]
        source: io::Error,
    },
    #[error(
        "unexpected output from `{command}`: {detail} (please report this with `git --version`)"
    )]
    Parse {
        command: &'static str,
        detail: String,
    },
}

/// A file as the next commit will contain it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedFile {
    /// Repository-relative path as git reports it (`/`-separated).
    pub path: PathBuf,
    /// The index version: exactly what the commit will contain, not the working tree.
    pub content: Vec<u8>,
    /// 1-based line numbers of the new file that the commit adds or changes, sorted and disjoint.
    /// A new file, or one git diffs as binary, counts as added in full.
    pub added_lines: Vec<RangeInclusive<usize>>,
}

/// What [`staged`] found in the index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Staged {
    /// Added, modified, renamed, copied or type-changed regular files, in git's path order.
    pub files: Vec<StagedFile>,
    /// Staged files larger than the size limit: not read.
    pub too_large: Vec<PathBuf>,
}

/// Where a blob seen by [`history`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobOrigin {
    /// Full hex id of the commit that introduced the blob.
    pub commit: String,
    /// That commit's author date, strict ISO 8601 (`%aI`, e.g. `2024-05-01T12:00:00+02:00`).
    pub author_date: String,
    /// That commit's author name.
    pub author: String,
    /// Path of the blob in that commit.
    pub path: PathBuf,
    /// How many (commit, path) pairs in the range introduced this same content; 1 when only
    /// this one did. The one reported is the earliest by author date.
    pub occurrences: usize,
    /// The blob's place among those visited, oldest first (0 = introduced first), which is not
    /// the order [`history`] visits them in.
    pub rank: usize,
}

/// Totals of a [`history`] walk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryStats {
    /// Commits in the range (merges and empty commits included).
    pub commits: usize,
    /// Distinct blobs visited.
    pub blobs: usize,
    /// Bytes of the blobs visited.
    pub bytes: u64,
    /// Distinct blobs larger than the size limit, by the path that introduced each, oldest
    /// first: not read, not visited.
    pub too_large: Vec<PathBuf>,
}

/// The repository's top-level directory containing `dir` (`git rev-parse --show-toplevel`).
/// `dir` may also be a file inside the repository.
pub fn repo_root(dir: &Path) -> Result<PathBuf, GitError> {
    const WHAT: &str = "git rev-parse --show-toplevel";
    let dir = if dir.is_file() {
        dir.parent().unwrap_or(dir)
    } else {
        dir
    };
    let output = git_command(dir, &[])
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .map_err(|e| spawn_error(WHAT, e))?;
    if !output.status.success() {
        return Err(command_failed(WHAT, dir, output.status, &output.stderr));
    }
    let mut out = output.stdout.as_slice();
    if let Some(rest) = out.strip_suffix(b"\n") {
        out = rest;
    }
    if let Some(rest) = out.strip_suffix(b"\r") {
        out = rest;
    }
    if out.is_empty() {
        return Err(GitError::Parse {
            command: WHAT,
            detail: "empty top-level directory".into(),
        });
    }
    Ok(path_from_bytes(out))
}

/// Whether git could find a repository from `dir`: `GIT_DIR` or `GIT_WORK_TREE` is set, or
/// `dir` or a directory above it (as given or with symlinks resolved) holds a `.git` entry (the
/// directory, or the file of a worktree or submodule). When not, [`repo_root`] fails for `dir`:
/// a caller that wants a root only if there is one can spare the git run.
pub fn may_be_in_repository(dir: &Path) -> bool {
    if std::env::var_os("GIT_DIR").is_some() || std::env::var_os("GIT_WORK_TREE").is_some() {
        return true;
    }
    let has_git = |dir: &Path| {
        dir.ancestors()
            .any(|d| d.join(".git").symlink_metadata().is_ok())
    };
    std::path::absolute(dir).is_ok_and(|absolute| has_git(&absolute))
        || std::fs::canonicalize(dir).is_ok_and(|real| has_git(&real))
}

/// Whether 1-based `line` of a staged file is one the commit adds or changes.
pub fn line_is_added(file: &StagedFile, line: usize) -> bool {
    // `added_lines` is sorted and disjoint: find the last range starting at or before `line`.
    let after = file.added_lines.partition_point(|r| *r.start() <= line);
    after > 0 && file.added_lines[after - 1].contains(&line)
}

// ---------------------------------------------------------------------------------------------
// Running git

/// The content of `path` in commit `rev`, or `None` when the path does not exist there.
pub fn file_at(root: &Path, rev: &str, path: &Path) -> Result<Option<Vec<u8>>, GitError> {
    let mut spec = std::ffi::OsString::from(format!("{rev}:"));
    spec.push(path.as_os_str());
    let output = git_command(root, &[])
        .args(["cat-file", "blob"])
        .arg(&spec)
        .output()
        .map_err(|source| GitError::Io {
            command: "git cat-file blob",
            source,
        })?;
    Ok(output.status.success().then_some(output.stdout))
}

/// `path` made absolute with its directory's symlinks resolved (macOS `/var` is
/// `/private/var`; a checkout may be reached through a linked directory), so it compares equal
/// to [`tracked_files`]. The file name itself is kept: a tracked symlink is its own file.
pub fn resolved_path(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name()) else {
        return Some(absolute);
    };
    Some(resolved_dir(parent)?.join(name))
}

/// `dir` made absolute (the empty path is the working directory) with its symlinks resolved,
/// or only absolute when they cannot be.
fn resolved_dir(dir: &Path) -> Option<PathBuf> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let absolute = std::path::absolute(dir).ok()?;
    Some(std::fs::canonicalize(&absolute).unwrap_or(absolute))
}

/// Every tracked file of the repository holding `dir` (a directory, or a file in one), as
/// absolute paths with symlinks resolved (compare with [`resolved_path`]).
pub fn tracked_files(dir: &Path) -> Option<std::collections::HashSet<PathBuf>> {
    TrackedListing::start(dir)?.finish()
}

/// [`tracked_files`] started now and read when wanted: a walk starts the listing before it
/// reads the first file, so that git runs while the files are read, not after. Dropped
/// unread, the process is stopped and reaped.
#[derive(Debug)]
pub struct TrackedListing {
    child: Option<Child>,
    /// Where git runs and what its names are relative to.
    dir: PathBuf,
}

impl TrackedListing {
    pub fn start(dir: &Path) -> Option<TrackedListing> {
        let dir = resolved_dir(if dir.is_file() {
            dir.parent().unwrap_or(dir)
        } else {
            dir
        })?;
        // `:/` is the whole work tree from wherever git runs, and the names come relative to
        // `dir` (`../src/a.rs`): no `git rev-parse` for the root first. `:/` is pathspec magic,
        // which GIT_LITERAL_PATHSPECS would turn off.
        let child = git_command(&dir, &[])
            .env_remove("GIT_LITERAL_PATHSPECS")
            .args(["ls-files", "-z", "--", ":/"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        Some(TrackedListing {
            child: Some(child),
            dir,
        })
    }

    /// The listing, once git has written all of it; `None` when git failed (not a checkout).
    pub fn finish(mut self) -> Option<std::collections::HashSet<PathBuf>> {
        let output = self.child.take()?.wait_with_output().ok()?;
        if !output.status.success() {
            return None;
        }
        Some(
            output
                .stdout
                .split(|&b| b == 0)
                .filter(|name| !name.is_empty())
                .map(|name| {
                    lexically_normal(&self.dir.join(String::from_utf8_lossy(name).as_ref()))
                })
                .collect(),
        )
    }
}

impl Drop for TrackedListing {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `path` with its `..` components applied to what precedes them. Exact for a resolved
/// directory joined with git's relative names, which hold no symlinked directories.
fn lexically_normal(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                normal.pop();
            }
            std::path::Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

/// The base of a `BASE..TIP` range, when `revspec` is one.
pub fn range_base(revspec: &str) -> Option<&str> {
    let (base, tip) = revspec.split_once("..")?;
    (!base.is_empty() && !base.contains(char::is_whitespace) && !tip.starts_with('.'))
        .then_some(base)
}
