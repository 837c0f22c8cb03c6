//! File discovery: which directories and files a scan visits.
//!
//! Defaults fit a laptop inventory: gitignored and hidden files are scanned (that is where `.env`
//! files live), while bulky directories that never hold hand-placed credentials are skipped.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkParallel};

/// Directories skipped by default. An entry is a directory name (`node_modules`), a
/// `parent/name` pair (`.git/objects`) matched against the end of a directory's path, a
/// `*.suffix` pattern (`*.app`) matched against the name, or an absolute path (`/proc`) matched
/// against the directory's canonical path (symbolic links resolved); a root inside an
/// absolute entry is not walked either.
pub const DEFAULT_SKIP_DIRS: &[&str] = &[
    // Pseudo-filesystems: `/proc/kmsg` blocks and consumes the kernel log, `/dev/zero` never
    // ends, and nothing there was written by a person.
    "/proc",
    "/sys",
    "/dev",
    ".git/objects",
    ".git/lfs",
    ".hg/store",
    ".svn/pristine",
    "node_modules",
    "bower_components",
    ".pnpm-store",
    ".yarn/cache",
    ".npm/_cacache",
    "target",
    "site-packages",
    "dist-packages",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    ".cache/pip",
    ".cache/yarn",
    ".cache/go-build",
    ".cache/huggingface",
    ".cache/torch",
    ".cache/ms-playwright",
    ".cache/bazel",
    ".cargo/registry",
    ".cargo/git",
    ".rustup",
    ".gradle/caches",
    ".m2/repository",
    "go/pkg",
    ".terraform/providers",
    ".next/cache",
    ".nuxt",
    ".vscode-server",
    ".vscode/extensions",
    ".cursor/extensions",
    // Installed language runtimes and their package stores: their test suites ship sample
    // keys (CPython's test/keycert.pem, …) and no team credential lives there.
    ".pyenv/versions",
    ".rbenv/versions",
    ".nvm/versions",
    ".asdf/installs",
    "mise/installs",
    ".sdkman/candidates",
    ".volta/tools",
    ".nuget/packages",
    ".gem/ruby",
    ".pub-cache",
    "miniconda3",
    "anaconda3",
    "miniforge3",
    ".conda/pkgs",
    "Library/Caches",
    ".Trash",
    ".local/share/Trash",
];

/// Most walker threads (`--threads` refuses more; the walk clamps to it): past a few per core
/// they only add start-up time and memory.
pub const MAX_THREADS: usize = 256;

/// What to walk and what to leave out.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub roots: Vec<PathBuf>,
    pub respect_gitignore: bool,
    pub follow_links: bool,
    pub excludes: Vec<String>,
    pub skip_dirs: Vec<String>,
    pub threads: usize,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            roots: vec![PathBuf::from(".")],
            respect_gitignore: false,
            follow_links: false,
            excludes: Vec::new(),
            skip_dirs: DEFAULT_SKIP_DIRS.iter().map(|s| s.to_string()).collect(),
            threads: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("invalid --exclude pattern '{pattern}': {message}")]
    BadExclude { pattern: String, message: String },
    #[error("{0}: no such file or directory")]
    MissingRoot(PathBuf),
    #[error("{path}: {what}, not a file or directory (a device, pipe or socket is never read)")]
    NotScannable { path: PathBuf, what: &'static str },
    #[error(
        "{path}: inside {dir}, on the skip list (/proc, /sys and /dev are, by default; --no-skip {dir} scans it)"
    )]
    InSkippedDirectory { path: PathBuf, dir: String },
}

/// Why the walk leaves an entry out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    /// A directory on the skip list.
    SkippedDirectory,
    /// A match of an `--exclude` glob.
    Glob,
}

/// Entries the walk left out, collected for `--verbose`.
pub type ExclusionLog = std::sync::Arc<std::sync::Mutex<Vec<(PathBuf, Exclusion)>>>;

/// Decides, from path alone, whether an entry is left out of the walk.
#[derive(Debug, Clone)]
pub struct PathFilter {
    excludes: GlobSet,
    skip_names: Vec<String>,
    skip_pairs: Vec<(String, String)>,
    skip_suffixes: Vec<String>,
    skip_absolute: Vec<PathBuf>,
}

impl PathFilter {
    pub fn new(options: &WalkOptions) -> Result<PathFilter, WalkError> {
        let mut builder = GlobSetBuilder::new();
        for pattern in &options.excludes {
            let glob = GlobBuilder::new(pattern)
                .literal_separator(false)
                .build()
                .map_err(|e| WalkError::BadExclude {
                    pattern: pattern.clone(),
                    message: e.kind().to_string(),
                })?;
            builder.add(glob);
        }
        let excludes = builder.build().map_err(|e| WalkError::BadExclude {
            pattern: options.excludes.join(", "),
            message: e.to_string(),
        })?;
        let mut skip_names = Vec::new();
        let mut skip_pairs = Vec::new();
        let mut skip_suffixes = Vec::new();
        let mut skip_absolute = Vec::new();
        for entry in &options.skip_dirs {
            if entry.starts_with('/') {
                skip_absolute.push(PathBuf::from(entry));
            } else if let Some(suffix) = entry.strip_prefix('*') {
                skip_suffixes.push(suffix.to_string());
            } else if let Some((parent, name)) = entry.split_once('/') {
                skip_pairs.push((parent.to_string(), name.to_string()));
            } else {
                skip_names.push(entry.clone());
            }
        }
        Ok(PathFilter {
            excludes,
            skip_names,
            skip_pairs,
            skip_suffixes,
            skip_absolute,
        })
    }

    /// True when the entry (file or directory) at `path`, found under `root`, is left out.
    pub fn excluded(&self, root: &Path, path: &Path, is_dir: bool) -> bool {
        self.exclusion(root, path, is_dir).is_some()
    }

    /// Why the entry at `path`, found under `root`, is left out; `None` when it is walked.
    pub fn exclusion(&self, root: &Path, path: &Path, is_dir: bool) -> Option<Exclusion> {
        if is_dir && self.is_skipped_dir(path) {
            return Some(Exclusion::SkippedDirectory);
        }
        if self.excludes.is_empty() {
            return None;
        }
        let relative = path.strip_prefix(root).unwrap_or(path);
        let matched = self.excludes.is_match(path)
            || self.excludes.is_match(relative)
            || path
                .file_name()
                .is_some_and(|name| self.excludes.is_match(name));
        matched.then_some(Exclusion::Glob)
    }

    /// True when an `--exclude` glob leaves out the file at the repository-relative `path`, or
    /// a directory above it: for content that is not walked (staged files, history), where no
    /// walker prunes directories on the way down. Skip-list directories do not apply there: a
    /// key committed inside `node_modules` was still committed.
    pub fn excludes_file(&self, path: &Path) -> bool {
        if self.excludes.is_empty() {
            return false;
        }
        let mut current = Some(path);
        while let Some(dir) = current.filter(|p| !p.as_os_str().is_empty()) {
            let by_name = dir
                .file_name()
                .is_some_and(|name| self.excludes.is_match(name));
            if by_name || self.excludes.is_match(dir) {
                return true;
            }
            current = dir.parent();
        }
        false
    }

    fn is_skipped_dir(&self, path: &Path) -> bool {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return false;
        };
        if self.skip_names.iter().any(|s| s == name)
            || self
                .skip_suffixes
                .iter()
                .any(|s| name.ends_with(s.as_str()))
        {
            return true;
        }
        let parent = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str());
        if self
            .skip_pairs
            .iter()
            .any(|(p, n)| n == name && Some(p.as_str()) == parent)
        {
            return true;
        }
        // Resolving the path costs a system call: only for a directory named like an entry.
        self.skip_absolute
            .iter()
            .any(|dir| dir.file_name() == path.file_name())
            && self.absolute_skip_holding(path).is_some()
    }

    /// The absolute skip-list entry (`/proc`) that `path`, symbolic links resolved, lies in.
    pub fn absolute_skip_holding(&self, path: &Path) -> Option<&Path> {
        if self.skip_absolute.is_empty() {
            return None;
        }
        let canonical = std::fs::canonicalize(path).ok()?;
        self.skip_absolute
            .iter()
            .find(|dir| canonical.starts_with(dir))
            .map(PathBuf::as_path)
    }
}

/// Why a root is left out of the walk: a device, pipe or socket, or a root inside an absolute
/// skip-list entry (`/proc`), is never opened.
fn refused_root(root: &Path, filter: &PathFilter) -> Option<WalkError> {
    if let Ok(meta) = std::fs::metadata(root)
        && let Some(what) = crate::input::special_kind(meta.file_type())
    {
        return Some(WalkError::NotScannable {
            path: root.to_path_buf(),
            what,
        });
    }
    filter
        .absolute_skip_holding(root)
        .map(|dir| WalkError::InSkippedDirectory {
            path: root.to_path_buf(),
            dir: dir.display().to_string(),
        })
}

/// A parallel walker over every root, with the filter applied to directories and files; what
/// it leaves out goes to `log` when one is given. Alongside it, the roots left out: a device,
/// pipe or socket (`/dev/zero`), or a root inside `/proc`, `/sys` or `/dev`, is reported and
/// the other roots are walked; when no root is left, the first one refused is the error. A
/// missing root is an error whatever the others are.
pub fn build_walker(
    options: &WalkOptions,
    filter: &PathFilter,
    log: Option<ExclusionLog>,
) -> Result<(WalkParallel, Vec<WalkError>), WalkError> {
    if options.roots.is_empty() {
        return Err(WalkError::MissingRoot(PathBuf::new()));
    }
    let mut walked = Vec::new();
    let mut refused = Vec::new();
    for root in &options.roots {
        if std::fs::symlink_metadata(root).is_err() {
            return Err(WalkError::MissingRoot(root.clone()));
        }
        match refused_root(root, filter) {
            Some(why) => refused.push(why),
            None => walked.push(root.clone()),
        }
    }
    let Some((first, rest)) = walked.split_first() else {
        let first_refused = refused.into_iter().next();
        return Err(first_refused.unwrap_or_else(|| WalkError::MissingRoot(PathBuf::new())));
    };
    let roots = distinct_roots(first, rest, filter);
    let mut builder = WalkBuilder::new(&roots[0]);
    for root in &roots[1..] {
        builder.add(root);
    }
    let respect = options.respect_gitignore;
    builder
        .hidden(false)
        .parents(respect)
        .ignore(respect)
        .git_ignore(respect)
        .git_global(respect)
        .git_exclude(respect)
        .require_git(false)
        .follow_links(options.follow_links)
        .threads(options.threads.min(MAX_THREADS));
    let filter = filter.clone();
    builder.filter_entry(move |entry| {
        if entry.depth() == 0 {
            return true;
        }
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        // A followed link into `/proc` is not caught by name.
        if is_dir && entry.path_is_symlink() && filter.absolute_skip_holding(entry.path()).is_some()
        {
            if let Some(log) = &log {
                log.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((entry.path().to_path_buf(), Exclusion::SkippedDirectory));
            }
            return false;
        }
        let root = roots
            .iter()
            .find(|r| entry.path().starts_with(r))
            .map(PathBuf::as_path)
            .unwrap_or(Path::new(""));
        match filter.exclusion(root, entry.path(), is_dir) {
            None => true,
            Some(why) => {
                if let Some(log) = &log {
                    log.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((entry.path().to_path_buf(), why));
                }
                false
            }
        }
    });
    Ok((builder.build_parallel(), refused))
}

/// The roots without those another root's walk already covers: a repeated root, or one inside
/// another (`~` and `~/work/api`), compared as canonical paths, so no file is read and counted
/// twice. A root inside a directory the filter leaves out stays, since only it reaches there
/// (the home walk adds such roots on purpose). Never empty: `first` or its covering root stays.
fn distinct_roots(first: &PathBuf, rest: &[PathBuf], filter: &PathFilter) -> Vec<PathBuf> {
    let all: Vec<(&PathBuf, Option<PathBuf>)> = std::iter::once(first)
        .chain(rest)
        .map(|root| (root, std::fs::canonicalize(root).ok()))
        .collect();
    let covered = |index: usize| {
        let Some(inner) = &all[index].1 else {
            return false;
        };
        all.iter().enumerate().any(|(other, (_, outer))| {
            let Some(outer) = outer else {
                return false;
            };
            if other == index || !inner.starts_with(outer) {
                return false;
            }
            // The same directory twice: the first one given walks it.
            if inner == outer {
                return other < index;
            }
            // Reached by the outer walk only if nothing on the way down is left out.
            let last = inner.is_dir();
            !inner
                .ancestors()
                .take_while(|path| *path != outer.as_path())
                .any(|path| filter.excluded(outer, path, path != inner.as_path() || last))
        })
    };
    let kept: Vec<PathBuf> = (0..all.len())
        .filter(|&index| !covered(index))
        .map(|index| all[index].0.clone())
        .collect();
    if kept.is_empty() {
        vec![first.clone()]
    } else {
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_inside_another_root_or_repeated_are_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().to_path_buf();
        for sub in ["work/api", "node_modules/pkg", "other"] {
            std::fs::create_dir_all(home.join(sub)).expect("mkdir");
        }
        let filter = filter(&[]);
        let roots = distinct_roots(
            &home,
            &[
                home.join("work/api"),
                home.join("work/../work/api"),
                home.join("node_modules/pkg"),
                home.clone(),
            ],
            &filter,
        );
        // node_modules is skipped by the walk of home, so its root still has to be walked.
        assert_eq!(roots, vec![home.clone(), home.join("node_modules/pkg")]);

        let inner_first =
            distinct_roots(&home.join("work/api"), std::slice::from_ref(&home), &filter);
        assert_eq!(inner_first, vec![home.clone()]);

        let siblings = distinct_roots(&home.join("work"), &[home.join("other")], &filter);
        assert_eq!(siblings, vec![home.join("work"), home.join("other")]);
    }

    fn filter(excludes: &[&str]) -> PathFilter {
        let options = WalkOptions {
            excludes: excludes.iter().map(|s| s.to_string()).collect(),
            ..WalkOptions::default()
        };
        PathFilter::new(&options).expect("valid filter")
    }

    #[test]
    fn skips_bulky_directories_by_name_and_pair() {
        let f = filter(&[]);
        let root = Path::new("home");
        assert!(f.excluded(root, Path::new("home/app/node_modules"), true));
        assert!(f.excluded(root, Path::new("home/repo/.git/objects"), true));
        assert!(!f.excluded(root, Path::new("home/repo/.git"), true));
        assert!(!f.excluded(root, Path::new("home/objects"), true));
        assert!(!f.excluded(root, Path::new("home/node_modules"), false));
        assert!(f.excluded(root, Path::new("home/.pyenv/versions"), true));
        assert!(!f.excluded(root, Path::new("home/.pyenv"), true));
        assert!(f.excluded(root, Path::new("home/.local/share/mise/installs"), true));
    }

    #[cfg(unix)]
    #[test]
    fn pseudo_filesystems_are_skipped_by_canonical_path_only() {
        let f = filter(&[]);
        let dir = tempfile::tempdir().expect("temp dir");
        let own_dev = dir.path().join("dev");
        std::fs::create_dir(&own_dev).expect("mkdir");
        assert!(!f.excluded(dir.path(), &own_dev, true), "a project's dev/");
        if Path::new("/proc/self").exists() {
            assert!(f.excluded(Path::new("/"), Path::new("/proc"), true));
            assert!(f.excluded(Path::new("/tmp"), Path::new("/tmp/../proc"), true));
            assert_eq!(
                f.absolute_skip_holding(Path::new("/proc/self/status")),
                Some(Path::new("/proc"))
            );
        }
        assert_eq!(f.absolute_skip_holding(dir.path()), None);
        let no_skips = PathFilter::new(&WalkOptions {
            skip_dirs: Vec::new(),
            ..WalkOptions::default()
        })
        .expect("filter");
        assert_eq!(no_skips.absolute_skip_holding(Path::new("/proc")), None);
    }

    #[test]
    fn excludes_match_name_or_relative_path() {
        let f = filter(&["*.log", "fixtures/**"]);
        let root = Path::new("repo");
        assert!(f.excluded(root, Path::new("repo/a/b/server.log"), false));
        assert!(f.excluded(root, Path::new("repo/fixtures/x/.env"), false));
        assert!(!f.excluded(root, Path::new("repo/src/.env"), false));
    }

    #[test]
    fn excludes_apply_to_files_that_are_not_walked() {
        let f = filter(&["*.log", "fixtures/**", "vendor"]);
        assert!(f.excludes_file(Path::new("a/b/server.log")));
        assert!(f.excludes_file(Path::new("fixtures/x/.env")));
        assert!(
            f.excludes_file(Path::new("lib/vendor/keys/.env")),
            "a directory by name"
        );
        assert!(!f.excludes_file(Path::new("src/.env")));
        assert!(!filter(&[]).excludes_file(Path::new("node_modules/x/.env")));
    }

    #[test]
    fn bad_exclude_is_reported() {
        let options = WalkOptions {
            excludes: vec!["a[".to_string()],
            ..WalkOptions::default()
        };
        let err = PathFilter::new(&options).unwrap_err().to_string();
        assert!(err.contains("a["), "{err}");
    }
}
