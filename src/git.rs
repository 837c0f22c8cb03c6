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

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;

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
    /// Distinct blobs larger than the size limit, by the path that introduced each: not read,
    /// not visited.
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

/// Every added, modified, renamed/copied (reported as added: renames are not detected) or
/// type-changed regular file in the index of the repository at `root`, with its staged content and
/// the line ranges the commit adds. Deleted files, symlinks, submodules and unmerged entries are
/// skipped; binary files are returned (the caller decides). Files over `max_size` bytes are listed
/// in [`Staged::too_large`] without being read.
pub fn staged(root: &Path, max_size: u64) -> Result<Staged, GitError> {
    const WHAT: &str = "git diff --cached";
    // Files over bigFileThreshold are diffed as binary ("Binary files differ"), so git does not
    // spend time diffing what we will not read anyway. Clamped: git parses it as a C `long`.
    let threshold = format!(
        "core.bigFileThreshold={}",
        max_size.clamp(1, i32::MAX as u64)
    );
    let output = git_command(root, &[&threshold])
        .args([
            "diff",
            "--cached",
            "--raw",
            "-p",
            "-z",
            "-U0",
            "--inter-hunk-context=0",
            "--no-abbrev",
            "--no-renames",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--ignore-submodules=all",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            "--diff-filter=AMT",
            "--",
        ])
        .output()
        .map_err(|e| spawn_error(WHAT, e))?;
    if !output.status.success() {
        return Err(command_failed(WHAT, root, output.status, &output.stderr));
    }
    let (entries, patch) = parse_raw_section(&output.stdout).map_err(|detail| GitError::Parse {
        command: WHAT,
        detail,
    })?;
    let hunks = parse_patch(patch);

    let entries: Vec<RawEntry> = entries
        .into_iter()
        .filter(|e| is_regular_file(e.new_mode) && !e.new_oid.is_zero())
        .collect();
    let oids: Vec<Oid> = entries.iter().map(|e| e.new_oid).collect();
    let mut slots: Vec<Option<Fetched>> = vec![None; entries.len()];
    fetch_blobs(root, &oids, max_size, &mut |index, blob| {
        slots[index] = Some(match blob {
            Blob::Content(bytes) => Fetched::Content(bytes.to_vec()),
            Blob::TooLarge => Fetched::TooLarge,
            Blob::Missing => Fetched::Missing,
        });
        Ok(())
    })?;

    let mut result = Staged::default();
    for (entry, slot) in entries.into_iter().zip(slots) {
        let path = path_from_bytes(&entry.path);
        match slot {
            Some(Fetched::Content(content)) => {
                let added_lines = match hunks.get(entry.path.as_slice()) {
                    Some(ranges) => normalize_ranges(ranges.clone()),
                    // No text hunks: a mode-only change adds nothing; otherwise git diffed the
                    // file as binary (or it is new and empty), so all of it is new.
                    None if entry.old_oid == entry.new_oid => Vec::new(),
                    None => whole_file(&content),
                };
                result.files.push(StagedFile {
                    path,
                    content,
                    added_lines,
                });
            }
            Some(Fetched::TooLarge) => result.too_large.push(path),
            Some(Fetched::Missing) | None => {
                return Err(GitError::MissingObject {
                    oid: entry.new_oid.to_string(),
                    path,
                });
            }
        }
    }
    Ok(result)
}

/// Calls `visit(origin, content)` once per distinct blob introduced by the commits in `revspec`
/// (git rev-list syntax; `None` = `HEAD`, i.e. all history reachable from it), oldest commit
/// first. Blobs over `max_size` bytes are counted in the stats, not read.
///
/// A blob is "introduced" by a commit when the commit's diff against its parent (all of history
/// for a root commit) adds or modifies a regular file with that content. A merge introduces the
/// files whose merged content differs from every parent (conflict resolutions, evil merges). When
/// several commits introduce the same content, the earliest by author date is reported and the
/// count is in [`BlobOrigin::occurrences`]. Symlinks and submodules are skipped.
///
/// `revspec` is split on whitespace outside `{...}` (so `HEAD@{1 week ago}` stays whole); a token
/// starting with `:/` takes the rest of the text. Tokens starting with `-` must be one of `--all`,
/// `--branches`, `--tags`, `--remotes` (each optionally `=PATTERN`), `--glob=`, `--exclude=`,
/// `--not`, `--since=`, `--until=`, `--after=`, `--before=`.
pub fn history(
    root: &Path,
    revspec: Option<&str>,
    max_size: u64,
    visit: &mut dyn FnMut(&BlobOrigin, &[u8]),
) -> Result<HistoryStats, GitError> {
    history_of_paths(root, revspec, max_size, &|_| true, visit)
}

/// [`history`] of the paths `keep_path` accepts. A blob is introduced by its earliest accepted
/// path: content first committed under an excluded path and copied elsewhere later is found at
/// the later path, not hidden by the exclusion.
pub fn history_of_paths(
    root: &Path,
    revspec: Option<&str>,
    max_size: u64,
    keep_path: &dyn Fn(&Path) -> bool,
    visit: &mut dyn FnMut(&BlobOrigin, &[u8]),
) -> Result<HistoryStats, GitError> {
    let revisions = match revspec {
        Some(spec) => revision_args(spec)?,
        None => Vec::new(), // git log's default: HEAD, with a clear message for an unborn branch
    };
    let walk = walk_log(root, revspec, &revisions, keep_path)?;
    let mut stats = HistoryStats {
        commits: walk.commits.len(),
        ..HistoryStats::default()
    };

    let mut order: Vec<(Oid, Introduction)> = walk.blobs.into_iter().collect();
    order.sort_unstable_by_key(|(_, intro)| {
        let commit = &walk.commits[intro.commit as usize];
        // Oldest first: author date, then git's topological order (newest was printed first).
        (
            commit.timestamp,
            std::cmp::Reverse(intro.commit),
            intro.sequence,
        )
    });
    let oids: Vec<Oid> = order.iter().map(|(oid, _)| *oid).collect();
    fetch_blobs(root, &oids, max_size, &mut |index, blob| {
        let (oid, intro) = &order[index];
        match blob {
            Blob::Content(bytes) => {
                let commit = &walk.commits[intro.commit as usize];
                let origin = BlobOrigin {
                    commit: commit.id.to_string(),
                    author_date: commit.author_date.to_string(),
                    author: commit.author.to_string(),
                    path: path_from_bytes(&walk.paths[intro.path as usize]),
                    occurrences: intro.count as usize,
                };
                stats.blobs += 1;
                stats.bytes += bytes.len() as u64;
                visit(&origin, bytes);
                Ok(())
            }
            Blob::TooLarge => {
                stats
                    .too_large
                    .push(path_from_bytes(&walk.paths[intro.path as usize]));
                Ok(())
            }
            Blob::Missing => Err(GitError::MissingObject {
                oid: oid.to_string(),
                path: path_from_bytes(&walk.paths[intro.path as usize]),
            }),
        }
    })?;
    Ok(stats)
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
    Some(
        std::fs::canonicalize(parent)
            .map(|dir| dir.join(name))
            .unwrap_or(absolute),
    )
}

/// Every tracked file of the repository at `root`, as absolute paths with the root's symlinks
/// resolved (compare with [`resolved_path`]).
pub fn tracked_files(root: &Path) -> Option<std::collections::HashSet<PathBuf>> {
    let resolved = std::fs::canonicalize(root).ok();
    let root = resolved.as_deref().unwrap_or(root);
    let output = git_command(root, &[])
        .args(["ls-files", "-z", "--full-name"])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    Some(
        output
            .stdout
            .split(|&b| b == 0)
            .filter(|name| !name.is_empty())
            .map(|name| root.join(String::from_utf8_lossy(name).as_ref()))
            .collect(),
    )
}

/// Authors of the lines findings sit on in tracked files, blamed one file at a time (one
/// `git blame` for all its lines) and only when first asked about.
pub struct LineAuthors {
    /// Every line of every location, per file, sorted.
    wanted: HashMap<PathBuf, Vec<usize>>,
    /// The repository's files ([`tracked_files`]).
    tracked: std::collections::HashSet<PathBuf>,
    /// Per file asked about: its lines' authors (empty when untracked).
    blamed: std::cell::RefCell<HashMap<PathBuf, HashMap<usize, String>>>,
    /// `git blame` runs so far.
    runs: std::cell::Cell<usize>,
    file_limit: usize,
}

impl LineAuthors {
    /// Remembers the lines of `locations`; a file is looked up in `tracked` only when first
    /// asked about, and at most `file_limit` files are ever blamed.
    pub fn new<'a>(
        locations: impl Iterator<Item = &'a crate::finding::Location>,
        tracked: std::collections::HashSet<PathBuf>,
        file_limit: usize,
    ) -> LineAuthors {
        let mut wanted: HashMap<PathBuf, Vec<usize>> = HashMap::new();
        for location in locations {
            wanted
                .entry(location.path.clone())
                .or_default()
                .push(location.line);
        }
        for lines in wanted.values_mut() {
            lines.sort_unstable();
            lines.dedup();
        }
        LineAuthors {
            wanted,
            tracked,
            blamed: Default::default(),
            runs: Default::default(),
            file_limit,
        }
    }

    /// Who committed the line at `location`; `None` for untracked files, uncommitted lines
    /// and files past the limit.
    pub fn author(&self, location: &crate::finding::Location) -> Option<String> {
        let lines = self.wanted.get(&location.path)?;
        let mut blamed = self.blamed.borrow_mut();
        if !blamed.contains_key(&location.path) {
            let tracked = resolved_path(&location.path).is_some_and(|p| self.tracked.contains(&p));
            let authors = if !tracked {
                HashMap::new()
            } else if self.runs.get() < self.file_limit {
                self.runs.set(self.runs.get() + 1);
                blame_authors(&location.path, lines)
            } else {
                return None;
            };
            blamed.insert(location.path.clone(), authors);
        }
        blamed.get(&location.path)?.get(&location.line).cloned()
    }
}

/// The authors of `lines` of `path` as `git blame` sees them, from one `git blame` run (one
/// `-L` range per line); lines that are uncommitted, or past the end, are absent. Empty for
/// untracked files and outside a repository.
pub fn blame_authors(path: &Path, lines: &[usize]) -> HashMap<usize, String> {
    let (Some(name), false) = (path.file_name(), lines.is_empty()) else {
        return HashMap::new();
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut cmd = git_command(dir, &[]);
    cmd.args(["blame", "--porcelain"]);
    for line in lines {
        cmd.arg("-L").arg(format!("{line},{line}"));
    }
    match cmd.arg("--").arg(name).output() {
        Ok(output) if output.status.success() => {
            porcelain_authors(&String::from_utf8_lossy(&output.stdout))
        }
        // A line past the end fails the whole run: ask again line by line.
        Ok(_) if lines.len() > 1 => lines
            .iter()
            .flat_map(|&line| blame_authors(path, &[line]))
            .collect(),
        _ => HashMap::new(),
    }
}

/// Final line number → author from `git blame --porcelain`. A commit's headers (`author …`)
/// come only with its first line, so authors are kept per commit.
fn porcelain_authors(text: &str) -> HashMap<usize, String> {
    let mut by_commit: HashMap<&str, &str> = HashMap::new();
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut current: Option<&str> = None;
    for row in text.lines() {
        if let Some(author) = row.strip_prefix("author ") {
            if let Some(commit) = current {
                by_commit.entry(commit).or_insert(author);
            }
            continue;
        }
        let mut fields = row.split(' ');
        if let (Some(commit), Some(_), Some(Ok(final_line))) = (
            fields.next(),
            fields.next(),
            fields.next().map(str::parse::<usize>),
        ) && commit.len() >= 40
            && commit.bytes().all(|b| b.is_ascii_hexdigit())
        {
            current = Some(commit);
            lines.push((final_line, commit));
        }
    }
    lines
        .into_iter()
        .filter_map(|(line, commit)| {
            let author = by_commit.get(commit)?;
            (*author != "Not Committed Yet").then(|| (line, author.to_string()))
        })
        .collect()
}

/// The base of a `BASE..TIP` range, when `revspec` is one.
pub fn range_base(revspec: &str) -> Option<&str> {
    let (base, tip) = revspec.split_once("..")?;
    (!base.is_empty() && !base.contains(char::is_whitespace) && !tip.starts_with('.'))
        .then_some(base)
}

fn git_command(root: &Path, config: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(root)
        .arg("--no-pager")
        .args(["-c", "core.quotePath=false"]);
    for setting in config {
        cmd.args(["-c", setting]);
    }
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("LC_ALL", "C")
        .env("LANGUAGE", "C")
        .stdin(Stdio::null());
    cmd
}

fn spawn_error(command: &'static str, source: io::Error) -> GitError {
    if source.kind() == io::ErrorKind::NotFound {
        GitError::GitNotFound
    } else {
        GitError::Io { command, source }
    }
}

fn describe_status(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => "killed by a signal".to_string(),
    }
}

fn git_message(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .map(|l| l.strip_prefix("fatal: ").unwrap_or(l))
        .collect();
    match lines.len() {
        0 => "(no message)".to_string(),
        1..=4 => lines.join("; "),
        n => format!("{}; ... ({} more lines)", lines[..4].join("; "), n - 4),
    }
}

fn command_failed(
    command: &'static str,
    dir: &Path,
    status: ExitStatus,
    stderr: &[u8],
) -> GitError {
    let message = git_message(stderr);
    // Outside a repository `git diff` falls back to `--no-index` mode and rejects `--cached`.
    if message.contains("not a git repository") || message.contains("git diff --no-index") {
        GitError::NotARepository {
            dir: dir.to_path_buf(),
        }
    } else if message.contains("must be run in a work tree") {
        GitError::NoWorkTree {
            dir: dir.to_path_buf(),
        }
    } else if message.contains("cannot change to") || message.contains("dubious ownership") {
        GitError::Unusable {
            dir: dir.to_path_buf(),
            message,
        }
    } else {
        GitError::Failed {
            command,
            status: describe_status(status),
            message,
        }
    }
}

/// A running git process whose stderr is collected by a thread. Dropping it before
/// [`Spawned::finish`] kills the process, so no error path leaves git running.
struct Spawned {
    child: Child,
    command: &'static str,
    stderr: Option<thread::JoinHandle<Vec<u8>>>,
    finished: bool,
}

impl Spawned {
    fn new(mut cmd: Command, command: &'static str, stdin: bool) -> Result<Self, GitError> {
        if stdin {
            cmd.stdin(Stdio::piped());
        }
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| spawn_error(command, e))?;
        let stderr = child.stderr.take().map(|mut pipe| {
            thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        });
        Ok(Spawned {
            child,
            command,
            stderr,
            finished: false,
        })
    }

    fn stdout(&mut self) -> Result<ChildStdout, GitError> {
        self.child.stdout.take().ok_or_else(|| self.pipe_missing())
    }

    fn stdin(&mut self) -> Result<std::process::ChildStdin, GitError> {
        self.child.stdin.take().ok_or_else(|| self.pipe_missing())
    }

    fn pipe_missing(&self) -> GitError {
        GitError::Io {
            command: self.command,
            source: io::Error::other("pipe to git was not set up"),
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
    }

    /// Waits for the process; returns its status and what it wrote to stderr.
    fn finish(mut self) -> Result<(ExitStatus, Vec<u8>), GitError> {
        self.finished = true;
        let status = self.child.wait().map_err(|source| GitError::Io {
            command: self.command,
            source,
        })?;
        let stderr = self
            .stderr
            .take()
            .and_then(|handle| handle.join().ok())
            .unwrap_or_default();
        Ok((status, stderr))
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Object ids

/// A binary object id: SHA-1 (20 bytes) or SHA-256 (32 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Oid {
    bytes: [u8; 32],
    len: u8,
}

impl Oid {
    fn from_hex(hex: &[u8]) -> Option<Oid> {
        if hex.len() != 40 && hex.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            bytes[i] = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
        }
        Some(Oid {
            bytes,
            len: (hex.len() / 2) as u8,
        })
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    fn is_zero(&self) -> bool {
        self.as_bytes().iter().all(|&b| b == 0)
    }

    fn write_hex(&self, out: &mut impl Write) -> io::Result<()> {
        let mut hex = [0u8; 64];
        for (i, b) in self.as_bytes().iter().enumerate() {
            hex[2 * i] = HEX[(b >> 4) as usize];
            hex[2 * i + 1] = HEX[(b & 0xf) as usize];
        }
        out.write_all(&hex[..2 * self.len as usize])
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl std::fmt::Display for Oid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Oid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

// ---------------------------------------------------------------------------------------------
// Paths

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

/// Git for Windows reports paths in UTF-8; anything else is replaced lossily.
#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// Mode bits of a regular file (`100644`, `100755`, or old `100664`): not a symlink (`120000`),
/// submodule (`160000`) or tree.
fn is_regular_file(mode: u32) -> bool {
    mode & 0o170000 == 0o100000
}

fn parse_mode(field: &[u8]) -> Option<u32> {
    if field.is_empty() || field.len() > 7 {
        return None;
    }
    field.iter().try_fold(0u32, |acc, &c| match c {
        b'0'..=b'7' => Some(acc * 8 + u32::from(c - b'0')),
        _ => None,
    })
}

// ---------------------------------------------------------------------------------------------
// Blob contents: one `cat-file --batch-check` feeding one `cat-file --batch`

enum Blob<'a> {
    Content(&'a [u8]),
    TooLarge,
    Missing,
}

#[derive(Clone)]
enum Fetched {
    Content(Vec<u8>),
    TooLarge,
    Missing,
}

/// What the router thread decided for the blob at `index`.
enum Decision {
    Read { index: usize, size: u64 },
    TooLarge { index: usize },
    Missing { index: usize },
}

/// Calls `on_blob(index, blob)` for each of `oids` in order, contents streamed: one
/// `git cat-file --batch-check` learns every size, and only the blobs within `max_size` are
/// requested from one `git cat-file --batch`. A writer thread feeds the first process and a
/// router thread forwards its answers to the second, so no pipe can fill up and deadlock.
fn fetch_blobs(
    root: &Path,
    oids: &[Oid],
    max_size: u64,
    on_blob: &mut dyn FnMut(usize, Blob<'_>) -> Result<(), GitError>,
) -> Result<(), GitError> {
    const CHECK: &str = "git cat-file --batch-check";
    const BATCH: &str = "git cat-file --batch";
    if oids.is_empty() {
        return Ok(());
    }
    let mut check = Spawned::new(
        {
            let mut cmd = git_command(root, &[]);
            cmd.args(["cat-file", "--batch-check", "--buffer"]);
            cmd
        },
        CHECK,
        true,
    )?;
    let mut batch = Spawned::new(
        {
            let mut cmd = git_command(root, &[]);
            cmd.args(["cat-file", "--batch", "--buffer"]);
            cmd
        },
        BATCH,
        true,
    )?;
    let check_in = check.stdin()?;
    let check_out = check.stdout()?;
    let batch_in = batch.stdin()?;
    let batch_out = batch.stdout()?;

    let (decisions, received) = mpsc::channel::<Decision>();
    let (consumed, writer, router) = thread::scope(|scope| {
        let writer = scope.spawn(move || -> io::Result<()> {
            let mut out = BufWriter::with_capacity(64 * 1024, check_in);
            for oid in oids {
                oid.write_hex(&mut out)?;
                out.write_all(b"\n")?;
            }
            out.flush()
        });
        let router = scope.spawn(move || -> Result<(), String> {
            let mut answers = BufReader::with_capacity(64 * 1024, check_out);
            let mut requests = BufWriter::with_capacity(64 * 1024, batch_in);
            let mut line = Vec::with_capacity(128);
            for (index, oid) in oids.iter().enumerate() {
                line.clear();
                match answers.read_until(b'\n', &mut line) {
                    Ok(0) => return Err(format!("{CHECK} stopped after {index} objects")),
                    Ok(_) => {}
                    Err(e) => return Err(format!("reading from {CHECK}: {e}")),
                }
                let decision = match parse_object_header(&line) {
                    Some(ObjectHeader::Found {
                        oid: seen, size, ..
                    }) if seen == *oid => {
                        if size > max_size {
                            Decision::TooLarge { index }
                        } else {
                            Decision::Read { index, size }
                        }
                    }
                    Some(ObjectHeader::Missing { oid: seen }) if seen == *oid => {
                        Decision::Missing { index }
                    }
                    _ => {
                        return Err(format!(
                            "{CHECK} answered {:?} for {oid}",
                            String::from_utf8_lossy(&line)
                        ));
                    }
                };
                let read = matches!(decision, Decision::Read { .. });
                if decisions.send(decision).is_err() {
                    return Ok(()); // the reader gave up; it reports why
                }
                if read {
                    let sent = oid
                        .write_hex(&mut requests)
                        .and_then(|()| requests.write_all(b"\n"));
                    if let Err(e) = sent {
                        return Err(format!("writing to {BATCH}: {e}"));
                    }
                }
            }
            requests
                .flush()
                .map_err(|e| format!("writing to {BATCH}: {e}"))
            // `requests` drops here: cat-file --batch sees end of input and exits when done.
        });
        let consumed = read_batch(batch_out, oids, &received, on_blob);
        if consumed.is_err() {
            // Unblock both threads (their pipes close) before the scope joins them.
            check.kill();
            batch.kill();
        }
        drop(received);
        (consumed, writer.join(), router.join())
    });

    let (check_status, check_err) = check.finish()?;
    let (batch_status, batch_err) = batch.finish()?;
    // A git that exited on its own with an error explains more than the broken pipe or short
    // output it left us; a git we killed (no exit code) after our own error does not.
    let failed_by_itself = |status: ExitStatus| !status.success() && status.code().is_some();
    if failed_by_itself(check_status) || (consumed.is_ok() && !check_status.success()) {
        return Err(command_failed(CHECK, root, check_status, &check_err));
    }
    if failed_by_itself(batch_status) || (consumed.is_ok() && !batch_status.success()) {
        return Err(command_failed(BATCH, root, batch_status, &batch_err));
    }
    consumed?;
    match writer {
        Ok(Ok(())) => {}
        Ok(Err(source)) => {
            return Err(GitError::Io {
                command: CHECK,
                source,
            });
        }
        Err(_) => return Err(thread_panicked(CHECK)),
    }
    match router {
        Ok(Ok(())) => Ok(()),
        Ok(Err(detail)) => Err(GitError::Parse {
            command: CHECK,
            detail,
        }),
        Err(_) => Err(thread_panicked(BATCH)),
    }
}

fn thread_panicked(command: &'static str) -> GitError {
    GitError::Io {
        command,
        source: io::Error::other("internal thread panicked"),
    }
}

/// Reads `cat-file --batch` frames (`<oid> <type> <size>\n<content>\n`) in the order the router
/// requested them, and hands every decision to `on_blob`.
fn read_batch(
    batch_out: ChildStdout,
    oids: &[Oid],
    received: &mpsc::Receiver<Decision>,
    on_blob: &mut dyn FnMut(usize, Blob<'_>) -> Result<(), GitError>,
) -> Result<(), GitError> {
    const BATCH: &str = "git cat-file --batch";
    let parse_error = |detail: String| GitError::Parse {
        command: BATCH,
        detail,
    };
    let io_error = |source: io::Error| GitError::Io {
        command: BATCH,
        source,
    };
    let mut frames = BufReader::with_capacity(256 * 1024, batch_out);
    let mut header = Vec::with_capacity(128);
    let mut content = Vec::new();
    let mut seen = 0usize;
    // Ends when the router is done (or failed: `fetch_blobs` then reports its error).
    while let Ok(decision) = received.recv() {
        seen += 1;
        match decision {
            Decision::TooLarge { index } => on_blob(index, Blob::TooLarge)?,
            Decision::Missing { index } => on_blob(index, Blob::Missing)?,
            Decision::Read { index, size } => {
                let oid = oids[index];
                header.clear();
                if frames.read_until(b'\n', &mut header).map_err(io_error)? == 0 {
                    return Err(parse_error(format!("ended before {oid}")));
                }
                match parse_object_header(&header) {
                    Some(ObjectHeader::Found {
                        oid: got,
                        size: got_size,
                    }) if got == oid && got_size == size => {}
                    Some(ObjectHeader::Missing { oid: got }) if got == oid => {
                        on_blob(index, Blob::Missing)?;
                        continue;
                    }
                    _ => {
                        return Err(parse_error(format!(
                            "expected {oid} of {size} bytes, got {:?}",
                            String::from_utf8_lossy(&header)
                        )));
                    }
                }
                content.clear();
                let want = usize::try_from(size)
                    .map_err(|_| parse_error(format!("{oid} is too large for memory")))?;
                content.reserve(want);
                (&mut frames)
                    .take(size)
                    .read_to_end(&mut content)
                    .map_err(io_error)?;
                let mut newline = [0u8; 1];
                if content.len() != want || frames.read_exact(&mut newline).is_err() {
                    return Err(parse_error(format!("{oid} was cut short")));
                }
                if newline[0] != b'\n' {
                    return Err(parse_error(format!("no newline after {oid}")));
                }
                on_blob(index, Blob::Content(&content))?;
            }
        }
    }
    if seen != oids.len() {
        return Err(parse_error(format!(
            "answered {seen} of {} objects",
            oids.len()
        )));
    }
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
enum ObjectHeader {
    Found { oid: Oid, size: u64 },
    Missing { oid: Oid },
}

/// Parses `<oid> <type> <size>\n` or `<oid> missing\n` (also `ambiguous`: treated as missing).
/// Any type is accepted: trees listed with a file mode would be a corrupt repository, and the
/// scanner sees their bytes like any other content.
fn parse_object_header(line: &[u8]) -> Option<ObjectHeader> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let mut fields = line.split(|&b| b == b' ');
    let oid = Oid::from_hex(fields.next()?)?;
    let kind = fields.next()?;
    if kind == b"missing" || kind == b"ambiguous" {
        return Some(ObjectHeader::Missing { oid });
    }
    let size = std::str::from_utf8(fields.next()?).ok()?.parse().ok()?;
    if fields.next().is_some() {
        return None;
    }
    Some(ObjectHeader::Found { oid, size })
}

// ---------------------------------------------------------------------------------------------
// `git diff --cached --raw -p -z` output

#[derive(Debug, Clone, PartialEq, Eq)]
struct RawEntry {
    old_oid: Oid,
    new_oid: Oid,
    new_mode: u32,
    status: u8,
    path: Vec<u8>,
}

/// Splits `--raw -z` records (`:<old mode> <new mode> <old oid> <new oid> <status>\0<path>\0`)
/// from the patch text that follows them (after one more `\0`).
fn parse_raw_section(output: &[u8]) -> Result<(Vec<RawEntry>, &[u8]), String> {
    let mut entries = Vec::new();
    let mut rest = output;
    loop {
        match rest.first() {
            None => return Ok((entries, rest)),
            Some(0) => return Ok((entries, &rest[1..])),
            Some(b':') => {}
            Some(_) if entries.is_empty() => return Ok((entries, rest)),
            Some(_) => return Err("raw diff record does not start with ':'".into()),
        }
        let (header, after) = split_nul(rest).ok_or("raw diff record without NUL")?;
        let (path, after) = split_nul(after).ok_or("raw diff record without a path")?;
        let fields: Vec<&[u8]> = header[1..].split(|&b| b == b' ').collect();
        let [_, new_mode, old_oid, new_oid, status] = fields.as_slice() else {
            return Err(format!(
                "raw diff record {:?} does not have 5 fields",
                String::from_utf8_lossy(header)
            ));
        };
        let bad = || format!("bad raw diff record {:?}", String::from_utf8_lossy(header));
        if path.is_empty() {
            return Err(bad());
        }
        entries.push(RawEntry {
            old_oid: Oid::from_hex(old_oid).ok_or_else(bad)?,
            new_oid: Oid::from_hex(new_oid).ok_or_else(bad)?,
            new_mode: parse_mode(new_mode).ok_or_else(bad)?,
            status: *status.first().ok_or_else(bad)?,
            path: path.to_vec(),
        });
        rest = after;
    }
}

fn split_nul(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = memchr::memchr(0, bytes)?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

/// A unified-diff hunk header: `@@ -a[,b] +c[,d] @@`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HunkHeader {
    old_start: usize,
    old_count: usize,
    new_start: usize,
    new_count: usize,
}

impl HunkHeader {
    /// Parses `@@ -a[,b] +c[,d] @@[ section heading]`; a missing count means 1.
    fn parse(line: &[u8]) -> Option<HunkHeader> {
        let rest = line.strip_prefix(b"@@ -")?;
        let space = memchr::memchr(b' ', rest)?;
        let (old_start, old_count) = parse_hunk_range(&rest[..space])?;
        let rest = rest[space + 1..].strip_prefix(b"+")?;
        let space = memchr::memchr(b' ', rest)?;
        let (new_start, new_count) = parse_hunk_range(&rest[..space])?;
        if !rest[space..].starts_with(b" @@") {
            return None;
        }
        Some(HunkHeader {
            old_start,
            old_count,
            new_start,
            new_count,
        })
    }

    /// The new-file lines the hunk adds, for a hunk without context lines (`-U0`): `None` for a
    /// pure deletion (`+c,0`).
    fn added(&self) -> Option<RangeInclusive<usize>> {
        if self.new_count == 0 || self.new_start == 0 {
            return None;
        }
        let end = self.new_start.checked_add(self.new_count - 1)?;
        Some(self.new_start..=end)
    }
}

fn parse_hunk_range(text: &[u8]) -> Option<(usize, usize)> {
    let number = |digits: &[u8]| -> Option<usize> {
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    match memchr::memchr(b',', text) {
        Some(comma) => Some((number(&text[..comma])?, number(&text[comma + 1..])?)),
        None => Some((number(text)?, 1)),
    }
}

/// Added line ranges per new path, from `-p -U0` patch text. Paths come from the `+++ b/...` lines
/// (unambiguous even with spaces, C-quoted when unusual); hunk bodies are consumed by count, so a
/// content line such as `+++ x` is never taken for a header. Files git diffs as binary have no
/// entry.
fn parse_patch(patch: &[u8]) -> HashMap<Vec<u8>, Vec<RangeInclusive<usize>>> {
    let mut files: HashMap<Vec<u8>, Vec<RangeInclusive<usize>>> = HashMap::new();
    let mut current: Option<Vec<u8>> = None; // new path of the file section, None for /dev/null
    let mut lines = patch.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        if line.starts_with(b"diff ") {
            current = None;
        } else if let Some(name) = line.strip_prefix(b"+++ ") {
            current = new_path_from_label(name);
            if let Some(path) = &current {
                files.entry(path.clone()).or_default();
            }
        } else if let Some(header) = HunkHeader::parse(line) {
            // Consume the body by count; track new-file line numbers in case there is context.
            let (mut old_left, mut new_left) = (header.old_count, header.new_count);
            let mut line_no = header.new_start;
            let mut added: Vec<RangeInclusive<usize>> = Vec::new();
            let mut context = false;
            while old_left > 0 || new_left > 0 {
                let Some(body) = lines.peek() else { break };
                match body.first() {
                    Some(b'+') if new_left > 0 => {
                        push_line(&mut added, line_no);
                        line_no = line_no.saturating_add(1);
                        new_left -= 1;
                    }
                    Some(b'-') if old_left > 0 => old_left -= 1,
                    Some(b' ') | None if old_left > 0 && new_left > 0 => {
                        context = true;
                        line_no = line_no.saturating_add(1);
                        old_left -= 1;
                        new_left -= 1;
                    }
                    Some(b'\\') => {}
                    _ => break, // malformed: leave the line to the outer loop
                }
                lines.next();
            }
            if let Some(path) = &current {
                let ranges = files.entry(path.clone()).or_default();
                if context {
                    ranges.extend(added);
                } else {
                    ranges.extend(header.added());
                }
            }
        }
    }
    files
}

fn push_line(ranges: &mut Vec<RangeInclusive<usize>>, line: usize) {
    match ranges.last_mut() {
        Some(last) if last.end().checked_add(1) == Some(line) => *last = *last.start()..=line,
        _ => ranges.push(line..=line),
    }
}

/// `b/path`, `"b/quoted\tpath"` (C-quoted) or `/dev/null`, with the tab git appends after a name
/// containing a space.
fn new_path_from_label(label: &[u8]) -> Option<Vec<u8>> {
    let label = label.strip_suffix(b"\t").unwrap_or(label);
    if label == b"/dev/null" {
        return None;
    }
    let name = if label.first() == Some(&b'"') {
        c_unquote(label)?
    } else {
        label.to_vec()
    };
    name.strip_prefix(b"b/").map(<[u8]>::to_vec)
}

/// Undoes git's C-style quoting: `"a\tb\"c\303\251"` → `a<TAB>b"cé`.
fn c_unquote(quoted: &[u8]) -> Option<Vec<u8>> {
    let inner = quoted.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.iter().copied();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let escaped = bytes.next()?;
        out.push(match escaped {
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0b,
            b'0'..=b'3' => {
                let d2 = bytes.next()?;
                let d3 = bytes.next()?;
                if !(b'0'..=b'7').contains(&d2) || !(b'0'..=b'7').contains(&d3) {
                    return None;
                }
                ((escaped - b'0') << 6) | ((d2 - b'0') << 3) | (d3 - b'0')
            }
            other => other, // \\ and \"
        });
    }
    Some(out)
}

/// Sorts and merges overlapping or adjacent ranges.
fn normalize_ranges(mut ranges: Vec<RangeInclusive<usize>>) -> Vec<RangeInclusive<usize>> {
    ranges.sort_by_key(|r| (*r.start(), *r.end()));
    let mut merged: Vec<RangeInclusive<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if *range.start() <= last.end().saturating_add(1) => {
                if range.end() > last.end() {
                    *last = *last.start()..=*range.end();
                }
            }
            _ => merged.push(range),
        }
    }
    merged
}

/// Every line of `content`, for a file that is new as a whole.
fn whole_file(content: &[u8]) -> Vec<RangeInclusive<usize>> {
    if content.is_empty() {
        return Vec::new();
    }
    let newlines = memchr::memchr_iter(b'\n', content).count();
    let lines = newlines + usize::from(content.last() != Some(&b'\n'));
    vec![1..=lines]
}

// ---------------------------------------------------------------------------------------------
// History: `git log --raw -z -c`

/// Revision tokens of a user's revspec, refusing anything git would read as another option
/// (`--output=FILE` must never reach git).
fn revision_args(spec: &str) -> Result<Vec<String>, GitError> {
    let bad = |message: &str| GitError::BadRevision {
        spec: spec.to_string(),
        message: message.to_string(),
    };
    if spec.contains('\0') {
        return Err(bad("a revision cannot contain a NUL byte"));
    }
    let tokens = split_revspec(spec);
    if tokens.is_empty() {
        return Err(bad("the revision is empty"));
    }
    const FLAGS: &[&str] = &["--all", "--branches", "--tags", "--remotes", "--not"];
    const WITH_VALUE: &[&str] = &[
        "--branches=",
        "--tags=",
        "--remotes=",
        "--glob=",
        "--exclude=",
        "--since=",
        "--until=",
        "--after=",
        "--before=",
    ];
    for token in &tokens {
        if token.starts_with('-')
            && !FLAGS.contains(&token.as_str())
            && !WITH_VALUE
                .iter()
                .any(|p| token.starts_with(p) && token.len() > p.len())
        {
            return Err(GitError::BadRevision {
                spec: spec.to_string(),
                message: format!(
                    "'{token}' is not a revision; the options allowed are --all, --branches, --tags, --remotes (each optionally =PATTERN), --glob=, --exclude=, --not, --since=, --until="
                ),
            });
        }
    }
    Ok(tokens)
}

/// Splits on whitespace outside `{...}`; a token starting with `:/` (commit message search) runs
/// to the end of the text.
fn split_revspec(spec: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut chars = spec.trim().chars();
    while let Some(c) = chars.next() {
        if current.is_empty() && c == ':' && chars.as_str().starts_with('/') {
            current.push(c);
            current.push_str(chars.as_str());
            break;
        }
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            c if c.is_whitespace() && depth == 0 => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

struct CommitInfo {
    id: Box<str>,
    timestamp: i64,
    author_date: Box<str>,
    author: Box<str>,
}

/// The chosen introduction of one blob.
#[derive(Debug, Clone, Copy)]
struct Introduction {
    commit: u32,   // index in `LogWalk::commits` (git's output order: newest first)
    path: u32,     // index in `LogWalk::paths`
    sequence: u32, // position of the record in the commit's diff
    count: u32,    // introductions seen
}

#[derive(Default)]
struct LogWalk {
    commits: Vec<CommitInfo>,
    paths: Vec<Box<[u8]>>,
    path_ids: HashMap<Box<[u8]>, u32>,
    blobs: HashMap<Oid, Introduction>,
}

impl LogWalk {
    fn intern_path(&mut self, path: &[u8]) -> u32 {
        if let Some(&id) = self.path_ids.get(path) {
            return id;
        }
        let id = self.paths.len() as u32;
        self.paths.push(path.into());
        self.path_ids.insert(path.into(), id);
        id
    }

    fn record(&mut self, oid: Oid, path: &[u8], sequence: u32) -> Result<(), String> {
        let commit = self
            .commits
            .len()
            .checked_sub(1)
            .ok_or("a diff record before any commit")? as u32;
        let timestamp = self.commits[commit as usize].timestamp;
        let mut count = 1;
        if let Some(prev) = self.blobs.get_mut(&oid) {
            prev.count = prev.count.saturating_add(1);
            count = prev.count;
            let prev_ts = self.commits[prev.commit as usize].timestamp;
            // Later output is topologically older: on equal dates it wins, except within one
            // commit, where the first path (git's path order) stays.
            let replace = timestamp < prev_ts || (timestamp == prev_ts && commit != prev.commit);
            if !replace {
                return Ok(());
            }
        }
        let path = self.intern_path(path);
        self.blobs.insert(
            oid,
            Introduction {
                commit,
                path,
                sequence,
                count,
            },
        );
        Ok(())
    }
}

const LOG: &str = "git log --raw";

/// Runs one `git log` over `revisions` and collects every blob introduction.
fn walk_log(
    root: &Path,
    spec: Option<&str>,
    revisions: &[String],
    keep_path: &dyn Fn(&Path) -> bool,
) -> Result<LogWalk, GitError> {
    let mut cmd = git_command(root, &[]);
    cmd.args([
        "log",
        "--format=%x01%H %at %aI %an",
        "--raw",
        "-z",
        "--no-abbrev",
        "--no-renames",
        "--root",
        "-c",
        "--topo-order",
        "--no-color",
        "--no-show-signature",
        "--no-ext-diff",
        "--no-textconv",
    ])
    .args(revisions)
    .arg("--");
    let mut log = Spawned::new(cmd, LOG, false)?;
    let stdout = log.stdout()?;
    let parsed = parse_log(BufReader::with_capacity(256 * 1024, stdout), keep_path);
    if parsed.is_err() {
        log.kill();
    }
    let (status, stderr) = log.finish()?;
    if !status.success() {
        let message = git_message(&stderr);
        if spec.is_none() && message.contains("does not have any commits yet") {
            return Ok(LogWalk::default()); // unborn branch: no history yet
        }
        let error = command_failed(LOG, root, status, &stderr);
        return Err(match (error, spec) {
            (GitError::Failed { .. }, Some(spec)) if looks_like_bad_revision(&message) => {
                GitError::BadRevision {
                    spec: spec.to_string(),
                    message,
                }
            }
            (error, _) => error,
        });
    }
    parsed
}

fn looks_like_bad_revision(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        "revision",
        "ambiguous argument",
        "bad object",
        "unknown",
        "invalid",
        "not a valid",
        "does not have any commits",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

/// Parses `git log --format=%x01%H %at %aI %an --raw -z -c` output: NUL-separated tokens where a
/// commit header starts with `\x01`, a diff record with `:` (one colon per parent: `::` for a
/// two-parent combined record), each record followed by exactly one path token. A leading `\n`
/// and empty tokens are separators.
fn parse_log(
    mut input: impl BufRead,
    keep_path: &dyn Fn(&Path) -> bool,
) -> Result<LogWalk, GitError> {
    let parse_error = |detail: String| GitError::Parse {
        command: LOG,
        detail,
    };
    let io_error = |source: io::Error| GitError::Io {
        command: LOG,
        source,
    };
    let mut walk = LogWalk::default();
    let mut token = Vec::with_capacity(256);
    let mut path = Vec::with_capacity(256);
    let mut sequence = 0u32;
    loop {
        token.clear();
        if input.read_until(0, &mut token).map_err(io_error)? == 0 {
            break;
        }
        let mut t = token.strip_suffix(b"\0").unwrap_or(&token);
        t = t.strip_prefix(b"\n").unwrap_or(t);
        match t.first() {
            None => {}
            Some(0x01) => {
                walk.commits
                    .push(parse_commit_header(&t[1..]).ok_or_else(|| {
                        parse_error(format!("bad commit line {:?}", String::from_utf8_lossy(t)))
                    })?);
                sequence = 0;
            }
            Some(b':') => {
                path.clear();
                input.read_until(0, &mut path).map_err(io_error)?;
                if path.pop() != Some(0) || path.is_empty() {
                    return Err(parse_error("diff record without a path".into()));
                }
                let record = parse_log_record(t).ok_or_else(|| {
                    parse_error(format!("bad diff record {:?}", String::from_utf8_lossy(t)))
                })?;
                if let Some(oid) = record
                    && keep_path(&path_from_bytes(&path))
                {
                    walk.record(oid, &path, sequence).map_err(parse_error)?;
                }
                sequence = sequence.saturating_add(1);
            }
            Some(_) => {
                return Err(parse_error(format!(
                    "unexpected {:?}",
                    String::from_utf8_lossy(&t[..t.len().min(80)])
                )));
            }
        }
    }
    Ok(walk)
}

/// `<hash> <author unix time> <author ISO date> <author name>`.
fn parse_commit_header(line: &[u8]) -> Option<CommitInfo> {
    let text = String::from_utf8_lossy(line);
    let mut fields = text.splitn(4, ' ');
    let id = fields.next()?;
    Oid::from_hex(id.as_bytes())?;
    let timestamp = fields.next()?.parse().unwrap_or(i64::MAX);
    let author_date = fields.next()?;
    let author = fields.next().unwrap_or("");
    Some(CommitInfo {
        id: id.into(),
        timestamp,
        author_date: author_date.into(),
        author: author.into(),
    })
}

/// A raw diff record (`:`-prefixed, without its path): `Some(Some(oid))` when the result side is
/// a regular-file blob (added, modified or type-changed), `Some(None)` when it is not (deleted,
/// symlink, submodule), `None` when malformed. Combined records (merges, `-c`) have one colon,
/// one mode and one id per parent, then the result's.
fn parse_log_record(header: &[u8]) -> Option<Option<Oid>> {
    let parents = header.iter().take_while(|&&b| b == b':').count();
    let fields: Vec<&[u8]> = header[parents..].split(|&b| b == b' ').collect();
    if parents == 0 || fields.len() != 2 * (parents + 1) + 1 {
        return None;
    }
    let mode = parse_mode(fields[parents])?;
    let oid = Oid::from_hex(fields[2 * parents + 1])?;
    let status = fields[2 * parents + 2];
    if status.is_empty() {
        return None;
    }
    let deleted = parents == 1 && status[0] == b'D';
    Some((is_regular_file(mode) && !oid.is_zero() && !deleted).then_some(oid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn porcelain_authors_follow_commits_whose_headers_came_earlier() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let zero = "0".repeat(40);
        let text = format!(
            "{a} 1 1 1\nauthor Ada\nauthor-mail <ada@example.org>\nfilename x\n\tone\n\
             {b} 2 5 1\nauthor Bob\nfilename x\n\tfive\n\
             {a} 3 9 1\nfilename x\n\tnine\n\
             {zero} 9 12 1\nauthor Not Committed Yet\nfilename x\n\ttwelve\n"
        );
        let authors = porcelain_authors(&text);
        assert_eq!(authors.get(&1).map(String::as_str), Some("Ada"));
        assert_eq!(authors.get(&5).map(String::as_str), Some("Bob"));
        assert_eq!(authors.get(&9).map(String::as_str), Some("Ada"));
        assert_eq!(authors.get(&12), None);
    }

    fn oid(c: char) -> String {
        c.to_string().repeat(40)
    }

    #[test]
    fn git_hunk_headers() {
        let h = HunkHeader::parse(b"@@ -3,2 +3,4 @@ fn main() {").unwrap();
        assert_eq!(
            h,
            HunkHeader {
                old_start: 3,
                old_count: 2,
                new_start: 3,
                new_count: 4
            }
        );
        assert_eq!(h.added(), Some(3..=6));
        // No count: one line.
        let h = HunkHeader::parse(b"@@ -7 +8 @@").unwrap();
        assert_eq!((h.old_count, h.new_count), (1, 1));
        assert_eq!(h.added(), Some(8..=8));
        // +c,0: a pure deletion adds nothing.
        let h = HunkHeader::parse(b"@@ -5,2 +4,0 @@").unwrap();
        assert_eq!(h.added(), None);
        // New file.
        assert_eq!(
            HunkHeader::parse(b"@@ -0,0 +1,12 @@").unwrap().added(),
            Some(1..=12)
        );
        for bad in [
            &b"@@ -1 +x @@"[..],
            b"@@ -1,2 +3,4",
            b"@@@ -1 -1 +1 @@@",
            b"@@ -1, +2 @@",
            b"+++ b/x",
            b"@@ -99999999999999999999999 +1 @@",
        ] {
            assert_eq!(
                HunkHeader::parse(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn git_patch_parsing() {
        let patch = b"diff --git a/sp ace.txt b/sp ace.txt\n\
index 206b378..780da11 100644\n\
--- a/sp ace.txt\t\n\
+++ b/sp ace.txt\t\n\
@@ -1,0 +2 @@ x\n\
+NEW\n\
@@ -4,2 +5,0 @@\n\
-gone\n\
-gone\n\
@@ -9 +9,2 @@\n\
-old\n\
+++ looks like a header\n\
+new\n\
\\ No newline at end of file\n\
diff --git \"a/p\\\"q\\303\\251.txt\" \"b/p\\\"q\\303\\251.txt\"\n\
new file mode 100644\n\
--- /dev/null\n\
+++ \"b/p\\\"q\\303\\251.txt\"\n\
@@ -0,0 +1,3 @@\n\
+a\n\
+b\n\
+c\n\
diff --git a/bin b/bin\n\
Binary files a/bin and b/bin differ\n\
diff --git a/l b/l\n\
deleted file mode 120000\n\
--- a/l\n\
+++ /dev/null\n\
@@ -1 +0,0 @@\n\
-f\n";
        let files = parse_patch(patch);
        assert_eq!(files.len(), 2, "{files:?}");
        assert_eq!(files[&b"sp ace.txt"[..]], vec![2..=2, 9..=10]);
        assert_eq!(files["p\"q\u{e9}.txt".as_bytes()], vec![1..=3]);
        assert!(!files.contains_key(&b"bin"[..]));
    }

    #[test]
    fn git_patch_with_context_lines_tracks_line_numbers() {
        let patch = b"diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n ctx\n+add\n ctx\n-del\n+rep\n+rep2\n";
        // old: 3 = ctx, ctx, del; new: 4? ctx add ctx rep rep2 = 5 lines: header lies; we stop
        // consuming when counts are exhausted and never panic.
        let files = parse_patch(patch);
        assert_eq!(files[&b"f"[..]][0], 2..=2);
    }

    #[test]
    fn git_raw_section() {
        let mut out = Vec::new();
        out.extend_from_slice(format!(":000000 100644 {} {} A\0", oid('0'), oid('a')).as_bytes());
        out.extend_from_slice(b"new file.txt\0");
        out.extend_from_slice(format!(":100644 100755 {} {} M\0", oid('b'), oid('c')).as_bytes());
        out.extend_from_slice(b"dir/\xff\n\0\0diff --git a/x b/x\n");
        let (entries, patch) = parse_raw_section(&out).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].path, b"new file.txt");
        assert_eq!(entries[0].status, b'A');
        assert!(entries[0].old_oid.is_zero());
        assert_eq!(entries[1].path, b"dir/\xff\n");
        assert_eq!(entries[1].new_mode, 0o100755);
        assert_eq!(entries[1].new_oid.to_string(), oid('c'));
        assert_eq!(patch, b"diff --git a/x b/x\n");
        assert_eq!(parse_raw_section(b"").unwrap().0, vec![]);
        assert!(parse_raw_section(b":100644 bad\0x\0").is_err());
        assert!(parse_raw_section(b":100644 100644").is_err());
    }

    #[test]
    fn git_unquote_and_labels() {
        assert_eq!(
            c_unquote(br#""a\tb\"c\\d\303\251""#).unwrap(),
            b"a\tb\"c\\d\xc3\xa9"
        );
        assert_eq!(c_unquote(br#""bad\9""#), Some(b"bad9".to_vec()));
        assert_eq!(c_unquote(br#""cut\30""#), None);
        assert_eq!(c_unquote(b"noquotes"), None);
        assert_eq!(new_path_from_label(b"b/a b\t").unwrap(), b"a b");
        assert_eq!(new_path_from_label(b"/dev/null"), None);
        assert_eq!(new_path_from_label(b"\"b/t\\tb\"").unwrap(), b"t\tb");
        assert_eq!(new_path_from_label(b"c/x"), None);
    }

    #[test]
    fn git_ranges() {
        assert_eq!(
            normalize_ranges(vec![5..=6, 1..=2, 3..=3, 6..=9, 20..=20]),
            vec![1..=3, 5..=9, 20..=20]
        );
        assert_eq!(normalize_ranges(vec![4..=4, 1..=3, 2..=2]), vec![1..=4]);
        assert_eq!(whole_file(b""), Vec::<RangeInclusive<usize>>::new());
        assert_eq!(whole_file(b"a"), vec![1..=1]);
        assert_eq!(whole_file(b"a\nb\n"), vec![1..=2]);
        assert_eq!(whole_file(b"a\nb"), vec![1..=2]);
        assert_eq!(whole_file(b"\n\n\n"), vec![1..=3]);
        let file = StagedFile {
            path: "x".into(),
            content: Vec::new(),
            added_lines: vec![2..=3, 7..=7],
        };
        let added: Vec<usize> = (0..10).filter(|&l| line_is_added(&file, l)).collect();
        assert_eq!(added, vec![2, 3, 7]);
    }

    #[test]
    fn git_object_headers() {
        let line = format!("{} blob 12\n", oid('d'));
        assert_eq!(
            parse_object_header(line.as_bytes()),
            Some(ObjectHeader::Found {
                oid: Oid::from_hex(oid('d').as_bytes()).unwrap(),
                size: 12
            })
        );
        let line = format!("{} missing\n", oid('e'));
        assert!(matches!(
            parse_object_header(line.as_bytes()),
            Some(ObjectHeader::Missing { .. })
        ));
        assert_eq!(parse_object_header(b"zz blob 1\n"), None);
        assert_eq!(
            parse_object_header(format!("{} blob\n", oid('d')).as_bytes()),
            None
        );
        assert_eq!(
            parse_object_header(format!("{} blob -1\n", oid('d')).as_bytes()),
            None
        );
        let sha256 = "ab".repeat(32);
        let parsed = Oid::from_hex(sha256.as_bytes()).unwrap();
        assert_eq!(parsed.to_string(), sha256);
        let mut hex = Vec::new();
        parsed.write_hex(&mut hex).unwrap();
        assert_eq!(hex, sha256.as_bytes());
    }

    #[test]
    fn git_revspec_tokens() {
        assert_eq!(
            revision_args("origin/main..HEAD").unwrap(),
            vec!["origin/main..HEAD"]
        );
        assert_eq!(
            revision_args("  main ^v1.0 ").unwrap(),
            vec!["main", "^v1.0"]
        );
        assert_eq!(
            revision_args("HEAD@{1 week ago}..HEAD").unwrap(),
            vec!["HEAD@{1 week ago}..HEAD"]
        );
        assert_eq!(
            revision_args(":/fix the bug").unwrap(),
            vec![":/fix the bug"]
        );
        assert_eq!(
            revision_args("--all --not origin/main").unwrap(),
            vec!["--all", "--not", "origin/main"]
        );
        assert_eq!(
            revision_args("--branches=feat/*").unwrap(),
            vec!["--branches=feat/*"]
        );
        for bad in [
            "",
            "   ",
            "--output=/tmp/x",
            "-p",
            "--branches=",
            "a\0b",
            "--exec=x",
        ] {
            let err = revision_args(bad).unwrap_err();
            assert!(
                matches!(err, GitError::BadRevision { .. }),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn git_log_parsing() {
        let c1 = oid('1');
        let c2 = oid('2');
        let m = oid('3');
        let mut out = Vec::new();
        // Newest first, as git prints: a merge with a combined record, a commit, the root commit.
        out.extend_from_slice(format!("\x01{m} 300 2024-01-03T00:00:00Z Merger\0\0").as_bytes());
        out.extend_from_slice(
            format!(
                "\n::100644 100644 100644 {} {} {} MM\0merged.txt\0",
                oid('a'),
                oid('b'),
                oid('c')
            )
            .as_bytes(),
        );
        out.extend_from_slice(
            format!("\x01{c2} 200 2024-01-02T00:00:00+01:00 A U Thor\0").as_bytes(),
        );
        out.extend_from_slice(
            format!("\n:100644 000000 {} {} D\0gone\0", oid('a'), oid('0')).as_bytes(),
        );
        out.extend_from_slice(
            format!(":000000 120000 {} {} A\0link\0", oid('0'), oid('e')).as_bytes(),
        );
        out.extend_from_slice(
            format!(":000000 160000 {} {} A\0sub\0", oid('0'), oid('f')).as_bytes(),
        );
        out.extend_from_slice(
            format!(":000000 100644 {} {} A\0copy b\0", oid('0'), oid('d')).as_bytes(),
        );
        out.extend_from_slice(
            format!(":000000 100644 {} {} A\0copy a\0", oid('0'), oid('d')).as_bytes(),
        );
        out.extend_from_slice(format!("\x01{c1} 100 2024-01-01T00:00:00Z \0").as_bytes());
        out.extend_from_slice(format!("\n:000000 100755 {} {} A\0", oid('0'), oid('d')).as_bytes());
        out.extend_from_slice(b"bin/\xfe\0");
        out.extend_from_slice(
            format!(":000000 100644 {} {} A\0x\0", oid('0'), oid('a')).as_bytes(),
        );
        let walk = parse_log(&out[..], &|_| true).unwrap();
        assert_eq!(walk.commits.len(), 3);
        assert_eq!(&*walk.commits[1].author, "A U Thor");
        assert_eq!(&*walk.commits[2].author, "");
        assert_eq!(walk.blobs.len(), 3, "{:?}", walk.blobs);
        let get = |c: char| walk.blobs[&Oid::from_hex(oid(c).as_bytes()).unwrap()];
        let merged = get('c');
        assert_eq!((merged.commit, merged.count), (0, 1));
        assert_eq!(&*walk.paths[merged.path as usize], b"merged.txt");
        // 'd' at two paths in c2 and once in the older root commit: the root commit wins.
        let d = get('d');
        assert_eq!((d.commit, d.count), (2, 3));
        assert_eq!(&*walk.paths[d.path as usize], b"bin/\xfe");
        assert_eq!(get('a').commit, 2);

        assert!(parse_log(&b"garbage\0"[..], &|_| true).is_err());
        assert!(parse_log(&b":100644 100644\0"[..], &|_| true).is_err());
        assert!(
            parse_log(
                format!(":000000 100644 {} {} A\0x\0", oid('0'), oid('a')).as_bytes(),
                &|_| true,
            )
            .is_err()
        );
        assert!(parse_log(&b"\x01nothex 1 d a\0"[..], &|_| true).is_err());
        assert!(parse_log(&b""[..], &|_| true).unwrap().commits.is_empty());
    }

    #[test]
    fn git_same_date_prefers_topologically_older_and_first_path() {
        let mut out = Vec::new();
        out.extend_from_slice(format!("\x01{} 100 d1 n\0", oid('2')).as_bytes());
        out.extend_from_slice(
            format!("\n:000000 100644 {} {} A\0z\0", oid('0'), oid('a')).as_bytes(),
        );
        out.extend_from_slice(format!("\x01{} 100 d0 n\0", oid('1')).as_bytes());
        out.extend_from_slice(
            format!("\n:000000 100644 {} {} A\0b\0", oid('0'), oid('a')).as_bytes(),
        );
        out.extend_from_slice(
            format!(":000000 100644 {} {} A\0c\0", oid('0'), oid('a')).as_bytes(),
        );
        let walk = parse_log(&out[..], &|_| true).unwrap();
        let a = walk.blobs[&Oid::from_hex(oid('a').as_bytes()).unwrap()];
        assert_eq!((a.commit, a.count), (1, 3));
        assert_eq!(&*walk.paths[a.path as usize], b"b");
    }
}
