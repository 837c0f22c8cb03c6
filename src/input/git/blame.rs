//! Line authors from `git blame --porcelain`, for owners of what a repository scan finds.

use super::*;

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
    /// Tracked files asked about once the limit was reached: not blamed.
    past_limit: std::cell::RefCell<std::collections::HashSet<PathBuf>>,
    /// Blames run ahead by [`LineAuthors::listing`], used when `author` would run them.
    prefetched: std::cell::RefCell<HashMap<PathBuf, HashMap<usize, String>>>,
    /// Each directory asked about, resolved once for all its files.
    resolved_dirs: std::cell::RefCell<HashMap<PathBuf, Option<PathBuf>>>,
}

/// [`LineAuthors::listing`] blames up to this many files while git lists the tracked ones.
const PREFETCH_FILES: usize = 4;

impl LineAuthors {
    /// Remembers the lines (path and line number) of the places findings sit on; a file is
    /// looked up in `tracked` only when first asked about, and at most `file_limit` files are
    /// ever blamed.
    pub fn new<'a>(
        lines: impl Iterator<Item = (&'a Path, usize)>,
        tracked: std::collections::HashSet<PathBuf>,
        file_limit: usize,
    ) -> LineAuthors {
        LineAuthors::with(wanted_lines(lines), tracked, file_limit, HashMap::new())
    }

    fn with(
        wanted: HashMap<PathBuf, Vec<usize>>,
        tracked: std::collections::HashSet<PathBuf>,
        file_limit: usize,
        prefetched: HashMap<PathBuf, HashMap<usize, String>>,
    ) -> LineAuthors {
        LineAuthors {
            wanted,
            tracked,
            blamed: Default::default(),
            runs: Default::default(),
            file_limit,
            past_limit: Default::default(),
            prefetched: std::cell::RefCell::new(prefetched),
            resolved_dirs: Default::default(),
        }
    }

    /// [`LineAuthors::new`] with the tracked files from `tracked` (`None`: no repository, no
    /// authors). With a few files (the small scan a hook or an editor runs), each is blamed
    /// while `tracked` lists the repository instead of after: two git runs at once rather
    /// than one after the other. What `author` answers does not change: a blame counts (and
    /// is used) only when `author` would have run it, for a tracked file within the limit;
    /// the others are dropped.
    pub fn listing<'a>(
        lines: impl Iterator<Item = (&'a Path, usize)>,
        tracked: impl FnOnce() -> Option<std::collections::HashSet<PathBuf>>,
        file_limit: usize,
    ) -> Option<LineAuthors> {
        let wanted = wanted_lines(lines);
        let (tracked, prefetched) =
            if wanted.len() <= PREFETCH_FILES.min(file_limit) && !wanted.is_empty() {
                thread::scope(|scope| {
                    let blames: Vec<_> = wanted
                        .iter()
                        .map(|(path, lines)| (path, scope.spawn(|| blame_authors(path, lines))))
                        .collect();
                    let tracked = tracked();
                    let prefetched: HashMap<PathBuf, HashMap<usize, String>> = blames
                        .into_iter()
                        .filter_map(|(path, blame)| Some((path.clone(), blame.join().ok()?)))
                        .collect();
                    (tracked, prefetched)
                })
            } else {
                (tracked(), HashMap::new())
            };
        Some(LineAuthors::with(wanted, tracked?, file_limit, prefetched))
    }

    /// Who committed `line` of `path`; `None` for untracked files, uncommitted lines and files
    /// past the limit.
    pub fn author(&self, path: &Path, line: usize) -> Option<String> {
        let lines = self.wanted.get(path)?;
        let mut blamed = self.blamed.borrow_mut();
        if !blamed.contains_key(path) {
            let tracked = self
                .resolved(path)
                .is_some_and(|p| self.tracked.contains(&p));
            let authors = if !tracked {
                HashMap::new()
            } else if self.runs.get() < self.file_limit {
                self.runs.set(self.runs.get() + 1);
                let prefetched = self.prefetched.borrow_mut().remove(path);
                prefetched.unwrap_or_else(|| blame_authors(path, lines))
            } else {
                self.past_limit.borrow_mut().insert(path.to_path_buf());
                return None;
            };
            blamed.insert(path.to_path_buf(), authors);
        }
        blamed.get(path)?.get(&line).cloned()
    }

    /// `path` as [`resolved_path`] resolves it, its directory (as written) resolved once for
    /// all its files: each resolution is a system call per component, and making a path
    /// absolute asks for the working directory.
    pub(super) fn resolved(&self, path: &Path) -> Option<PathBuf> {
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return resolved_path(path);
        };
        let mut dirs = self.resolved_dirs.borrow_mut();
        let dir = dirs
            .entry(parent.to_path_buf())
            .or_insert_with(|| resolved_dir(parent));
        Some(dir.as_ref()?.join(name))
    }

    /// Whether any tracked file is `root` or lies under it: a directory resolved whole, as
    /// the files under it are; a file as [`resolved_path`] resolves it. Unsure is yes.
    pub fn tracks_under(&self, root: &Path) -> bool {
        let resolved = if root.is_dir() {
            resolved_dir(root)
        } else {
            resolved_path(root)
        };
        resolved.is_none_or(|root| self.tracked.iter().any(|file| file.starts_with(&root)))
    }

    /// How many tracked files were asked about but not blamed, the limit reached.
    pub fn files_past_limit(&self) -> usize {
        self.past_limit.borrow().len()
    }

    /// At most this many files are blamed.
    pub fn file_limit(&self) -> usize {
        self.file_limit
    }
}

/// Every line of every location, per file, sorted.
fn wanted_lines<'a>(
    lines: impl Iterator<Item = (&'a Path, usize)>,
) -> HashMap<PathBuf, Vec<usize>> {
    let mut wanted: HashMap<PathBuf, Vec<usize>> = HashMap::new();
    for (path, line) in lines {
        wanted.entry(path.to_path_buf()).or_default().push(line);
    }
    for lines in wanted.values_mut() {
        lines.sort_unstable();
        lines.dedup();
    }
    wanted
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
pub(super) fn porcelain_authors(text: &str) -> HashMap<usize, String> {
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
