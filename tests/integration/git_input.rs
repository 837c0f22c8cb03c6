//! `stray::input::git` against real repositories made with the `git` binary in temporary directories.

use std::path::{Path, PathBuf};
use std::process::Command;

use stray::input::git::{self, BlobOrigin, GitError, StagedFile};

/// Runs git in `dir` with a fixed identity and no user or system configuration surprises;
/// `date` sets both author and committer dates. Returns trimmed stdout.
fn git_at(dir: &Path, date: Option<&str>, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Test Author",
            "-c",
            "user.email=author@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "core.autocrlf=false",
        ])
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    if let Some(date) = date {
        cmd.env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date);
    }
    let out = cmd.output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn git(dir: &Path, args: &[&str]) -> String {
    git_at(dir, None, args)
}

fn write(dir: &Path, path: impl AsRef<Path>, content: impl AsRef<[u8]>) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

fn commit(dir: &Path, date: &str, message: &str) -> String {
    git(dir, &["add", "-A"]);
    git_at(
        dir,
        Some(date),
        &["commit", "-q", "--allow-empty", "-m", message],
    );
    git(dir, &["rev-parse", "HEAD"])
}

fn new_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    dir
}

/// A GitHub-token-shaped string built at run time (no real checksum needed here).
fn fake_token() -> String {
    let alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let tail: String = (0..36)
        .map(|i| alphabet[(i * 7 + 3) % alphabet.len()] as char)
        .collect();
    format!("ghp_{tail}")
}

fn find<'a>(files: &'a [StagedFile], path: &str) -> &'a StagedFile {
    files
        .iter()
        .find(|f| f.path == Path::new(path))
        .unwrap_or_else(|| panic!("{path} not staged: {files:?}"))
}

// ------------------------------------------------------------------------------------------
// staged()

#[test]
fn staged_returns_index_content_and_exact_added_lines() {
    let repo = new_repo();
    let root = repo.path();
    write(root, "a.txt", "l1\nl2\nl3\nl4\nl5\n");
    write(root, "gone.txt", "bye\n");
    write(root, "shift.txt", "s1\ns2\ns3\n");
    commit(root, "2024-01-01T00:00:00Z", "base");

    write(root, "a.txt", "l1\nL2\nl3\nL4\nl5\n");
    write(root, "shift.txt", "top\ns1\ns3\ns4\n");
    write(root, "dir/new file.txt", "one\ntwo\n");
    git(root, &["add", "-A"]);
    git(root, &["rm", "-q", "gone.txt"]);
    // The working tree moves on after `git add`: the index version is what gets committed.
    write(root, "a.txt", "changed after add\n");
    write(root, "dir/new file.txt", "not staged\n");

    let staged = git::staged(root, 1 << 20).unwrap();
    let paths: Vec<&Path> = staged.files.iter().map(|f| f.path.as_path()).collect();
    assert_eq!(
        paths,
        [
            Path::new("a.txt"),
            Path::new("dir/new file.txt"),
            Path::new("shift.txt")
        ]
    );
    assert!(staged.too_large.is_empty());

    let a = find(&staged.files, "a.txt");
    assert_eq!(a.content, b"l1\nL2\nl3\nL4\nl5\n");
    assert_eq!(a.added_lines, vec![2..=2, 4..=4]);
    let added: Vec<usize> = (1..=5).filter(|&l| git::line_is_added(a, l)).collect();
    assert_eq!(added, [2, 4]);

    let new = find(&staged.files, "dir/new file.txt");
    assert_eq!(new.content, b"one\ntwo\n");
    assert_eq!(new.added_lines, vec![1..=2]);

    // Insert at the top, delete s2, append s4: lines 1 and 4 of the new file are added.
    let shift = find(&staged.files, "shift.txt");
    assert_eq!(shift.added_lines, vec![1..=1, 4..=4]);
}

#[test]
fn staged_with_nothing_staged_is_empty() {
    let repo = new_repo();
    let root = repo.path();
    write(root, "a.txt", "x\n");
    commit(root, "2024-01-01T00:00:00Z", "base");
    write(root, "a.txt", "modified but not added\n");
    let staged = git::staged(root, 1 << 20).unwrap();
    assert!(staged.files.is_empty(), "{staged:?}");
    assert!(staged.too_large.is_empty());
}

#[test]
fn staged_before_the_first_commit_and_special_files() {
    let repo = new_repo();
    let root = repo.path();
    write(root, "first.txt", "a\nb\nc");
    write(root, "big.txt", "x".repeat(5000));
    write(root, "blob.bin", b"\x00\x01binary\x00\nmore\n");
    write(root, "empty", "");
    #[cfg(unix)]
    {
        write(root, "q\"uote\tand tab.txt", "odd\n"); // C-quoted by git in the patch
        std::os::unix::fs::symlink("first.txt", root.join("link")).unwrap();
    }
    git(root, &["add", "-A"]);

    let staged = git::staged(root, 4096).unwrap();
    assert_eq!(staged.too_large, vec![PathBuf::from("big.txt")]);
    let paths: Vec<&Path> = staged.files.iter().map(|f| f.path.as_path()).collect();
    assert!(!paths.contains(&Path::new("link")), "symlinks are skipped");
    assert_eq!(find(&staged.files, "first.txt").added_lines, vec![1..=3]);
    let bin = find(&staged.files, "blob.bin");
    assert_eq!(bin.content, b"\x00\x01binary\x00\nmore\n");
    assert_eq!(bin.added_lines, vec![1..=2], "a binary file is new in full");
    assert!(find(&staged.files, "empty").added_lines.is_empty());
    #[cfg(unix)]
    assert_eq!(
        find(&staged.files, "q\"uote\tand tab.txt").added_lines,
        vec![1..=1]
    );
}

#[test]
fn staged_binary_modification_counts_as_fully_added() {
    let repo = new_repo();
    let root = repo.path();
    write(root, "data.bin", b"\x00old\nline\n");
    write(root, "mode.sh", "echo hi\n");
    commit(root, "2024-01-01T00:00:00Z", "base");
    write(root, "data.bin", b"\x00new\nline\nthree\n");
    git(root, &["add", "-A"]);
    git(root, &["update-index", "--chmod=+x", "mode.sh"]);
    let staged = git::staged(root, 1 << 20).unwrap();
    assert_eq!(find(&staged.files, "data.bin").added_lines, vec![1..=3]);
    // A mode-only change is staged but adds no line.
    assert!(find(&staged.files, "mode.sh").added_lines.is_empty());
}

#[cfg(unix)]
#[test]
fn staged_non_utf8_path() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let repo = new_repo();
    let root = repo.path();
    let name = OsStr::from_bytes(b"caf\xe9 \xff.txt");
    write(root, name, "latin-1 name\n");
    git(root, &["add", "-A"]);
    let staged = git::staged(root, 1 << 20).unwrap();
    assert_eq!(staged.files.len(), 1);
    assert_eq!(staged.files[0].path.as_os_str(), name);
    assert_eq!(staged.files[0].added_lines, vec![1..=1]);
}

#[test]
fn repo_root_inside_and_outside_a_repository() {
    let repo = new_repo();
    let root = repo.path();
    write(root, "sub/dir/file.txt", "x\n");
    let found = git::repo_root(&root.join("sub/dir")).unwrap();
    assert_eq!(found.canonicalize().unwrap(), root.canonicalize().unwrap());
    let from_file = git::repo_root(&root.join("sub/dir/file.txt")).unwrap();
    assert_eq!(from_file, found);

    let outside = tempfile::tempdir().unwrap();
    let err = git::repo_root(outside.path()).unwrap_err();
    assert!(matches!(err, GitError::NotARepository { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("not inside a git repository"), "{message}");
    assert!(message.contains("--staged"), "{message}");

    let err = git::staged(outside.path(), 1024).unwrap_err();
    assert!(matches!(err, GitError::NotARepository { .. }), "{err:?}");

    let err = git::repo_root(&outside.path().join("missing")).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
}

// ------------------------------------------------------------------------------------------
// history()

struct Seen {
    origin: BlobOrigin,
    content: Vec<u8>,
}

fn walk(root: &Path, revspec: Option<&str>, max_size: u64) -> (git::HistoryStats, Vec<Seen>) {
    let mut seen = Vec::new();
    let stats = git::history(root, revspec, max_size, &mut |origin, content| {
        seen.push(Seen {
            origin: origin.clone(),
            content: content.to_vec(),
        })
    })
    .unwrap();
    // Visited newest first (what git reads fastest); `rank` is the place oldest first.
    seen.sort_by_key(|s| s.origin.rank);
    assert!(seen.iter().enumerate().all(|(i, s)| s.origin.rank == i));
    (stats, seen)
}

/// c1: README; c2 (+02:00): settings with a token; c3: the same content at two paths;
/// c4: token removed.
fn four_commits() -> (tempfile::TempDir, [String; 4], String) {
    let repo = new_repo();
    let root = repo.path();
    let token = fake_token();
    write(root, "README.md", "hello\n");
    let c1 = commit(root, "2024-01-01T09:00:00Z", "c1");
    write(
        root,
        "config/settings.py",
        format!("DEBUG = False\nGITHUB_TOKEN = \"{token}\"\n"),
    );
    let c2 = commit(root, "2024-01-02T10:00:00+02:00", "c2");
    write(root, "docs/a.txt", "same content\n");
    write(root, "docs/b.txt", "same content\n");
    write(root, "README.md", "hello\nworld\n");
    let c3 = commit(root, "2024-01-03T09:00:00Z", "c3");
    write(
        root,
        "config/settings.py",
        "DEBUG = False\nGITHUB_TOKEN = os.environ[\"GITHUB_TOKEN\"]\n",
    );
    let c4 = commit(root, "2024-01-04T09:00:00Z", "c4");
    (repo, [c1, c2, c3, c4], token)
}

#[test]
fn history_reports_the_commit_that_introduced_a_secret() {
    let (repo, [c1, c2, c3, c4], token) = four_commits();
    let (stats, seen) = walk(repo.path(), None, 1 << 20);
    assert_eq!(stats.commits, 4);
    assert_eq!(stats.blobs, seen.len());
    assert_eq!(
        stats.bytes,
        seen.iter().map(|s| s.content.len() as u64).sum::<u64>()
    );
    assert_eq!(stats.too_large.len(), 0);
    // README x2, settings x2, same-content once.
    assert_eq!(
        seen.len(),
        5,
        "{:?}",
        seen.iter().map(|s| &s.origin).collect::<Vec<_>>()
    );

    let with_token: Vec<&Seen> = seen
        .iter()
        .filter(|s| String::from_utf8_lossy(&s.content).contains(&token))
        .collect();
    assert_eq!(with_token.len(), 1);
    let origin = &with_token[0].origin;
    assert_eq!(origin.commit, c2);
    assert_eq!(origin.path, Path::new("config/settings.py"));
    assert_eq!(origin.author_date, "2024-01-02T10:00:00+02:00");
    assert_eq!(origin.author, "Test Author");
    assert_eq!(origin.occurrences, 1);

    let same: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.content == b"same content\n")
        .collect();
    assert_eq!(same.len(), 1, "one blob at two paths is visited once");
    assert_eq!(same[0].origin.commit, c3);
    assert_eq!(same[0].origin.path, Path::new("docs/a.txt"));
    assert_eq!(same[0].origin.occurrences, 2);

    // Ranked oldest commit first.
    let order: Vec<&str> = seen.iter().map(|s| s.origin.commit.as_str()).collect();
    let rank = |c: &str| [&c1, &c2, &c3, &c4].iter().position(|x| *x == c).unwrap();
    assert!(
        order.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "{order:?}"
    );
    assert_eq!(order.first().copied(), Some(c1.as_str()));
    assert_eq!(order.last().copied(), Some(c4.as_str()));
}

#[test]
fn history_of_a_range_and_of_a_single_revision() {
    let (repo, [c1, c2, c3, c4], token) = four_commits();
    let root = repo.path();

    let range = format!("{c2}..HEAD");
    let (stats, seen) = walk(root, Some(&range), 1 << 20);
    assert_eq!(stats.commits, 2);
    assert!(!seen.is_empty());
    for s in &seen {
        assert!(
            s.origin.commit == c3 || s.origin.commit == c4,
            "{:?}",
            s.origin
        );
        assert!(!String::from_utf8_lossy(&s.content).contains(&token));
    }

    // `X` means all history reachable from X, as in git rev-list.
    let (stats, seen) = walk(root, Some(&c3), 1 << 20);
    assert_eq!(stats.commits, 3);
    assert!(seen.iter().all(|s| s.origin.commit != c4));
    assert!(seen.iter().any(|s| s.origin.commit == c1));

    // Several tokens and an allowed option.
    let (stats, _) = walk(root, Some(&format!("--all --not {c3}")), 1 << 20);
    assert_eq!(stats.commits, 1);

    // Size limit: counted, not visited.
    let (stats, seen) = walk(root, None, 10);
    assert!(!stats.too_large.is_empty());
    assert!(seen.iter().all(|s| s.content.len() <= 10));
    assert_eq!(stats.blobs + stats.too_large.len(), 5);
}

#[test]
fn history_bad_revisions_name_the_revision() {
    let (repo, _, _) = four_commits();
    let root = repo.path();
    for spec in ["no-such-branch", "HEAD~99", "HEAD..nope"] {
        let err = git::history(root, Some(spec), 1 << 20, &mut |_, _| {}).unwrap_err();
        assert!(
            matches!(err, GitError::BadRevision { .. }),
            "{spec}: {err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains(&format!("bad revision '{spec}'")),
            "{message}"
        );
        assert!(message.contains("git said"), "{message}");
    }
    let target = root.join("written-by-git");
    let spec = format!("--output={}", target.display());
    let err = git::history(root, Some(&spec), 1 << 20, &mut |_, _| {}).unwrap_err();
    assert!(matches!(err, GitError::BadRevision { .. }), "{err:?}");
    assert!(!target.exists(), "options must never reach git");
}

#[test]
fn history_of_an_empty_repository_is_empty() {
    let repo = new_repo();
    let (stats, seen) = walk(repo.path(), None, 1 << 20);
    assert_eq!(stats, git::HistoryStats::default());
    assert!(seen.is_empty());
    let outside = tempfile::tempdir().unwrap();
    let err = git::history(outside.path(), None, 1024, &mut |_, _| {}).unwrap_err();
    assert!(matches!(err, GitError::NotARepository { .. }), "{err:?}");
}

#[test]
fn history_sees_content_first_made_by_a_merge() {
    let repo = new_repo();
    let root = repo.path();
    write(root, "f.txt", "1\n2\n3\n4\n5\n6\n7\n8\n");
    commit(root, "2024-01-01T00:00:00Z", "base");
    git(root, &["checkout", "-q", "-b", "side"]);
    write(root, "f.txt", "1 side\n2\n3\n4\n5\n6\n7\n8\n");
    commit(root, "2024-01-02T00:00:00Z", "side");
    git(root, &["checkout", "-q", "main"]);
    write(root, "f.txt", "1\n2\n3\n4\n5\n6\n7\n8 main\n");
    commit(root, "2024-01-03T00:00:00Z", "main");
    git_at(
        root,
        Some("2024-01-04T00:00:00Z"),
        &["merge", "-q", "--no-edit", "side"],
    );
    let merge = git(root, &["rev-parse", "HEAD"]);

    let (stats, seen) = walk(root, None, 1 << 20);
    assert_eq!(stats.commits, 4);
    let merged: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.content == b"1 side\n2\n3\n4\n5\n6\n7\n8 main\n")
        .collect();
    assert_eq!(merged.len(), 1);
    assert_eq!(merged[0].origin.commit, merge);
    assert_eq!(seen.len(), 4);
}

#[test]
fn history_blobs_added_newest_first_keep_the_oldest_place_per_path() {
    let matcher = stray::Matcher::new(stray::RuleSet::builtin().expect("rules")).expect("matcher");
    let scanner =
        stray::Scanner::new(matcher, stray::scan::ScanOptions::default()).expect("scanner");
    let tail: String = fake_token().chars().skip(4).take(20).collect();
    let text = format!("GITLAB_TOKEN=glpat-{tail}\n");
    let commit = |id: &str| stray::finding::CommitInfo {
        id: id.to_string(),
        author_date: "2024-01-01T00:00:00Z".to_string(),
        author: "Test Author".to_string(),
    };
    let mut scan = scanner.in_memory().first_place_per_path();
    // As history() visits them: newest first; rank 0 is the oldest.
    for (rank, id, path) in [
        (3, "c4", "a.env"),
        (2, "c3", "b.env"),
        (1, "c2", "a.env"),
        (0, "c1", "a.env"),
    ] {
        scan.set_rank(rank);
        scan.add(Path::new(path), text.as_bytes(), Some(&commit(id)), &|_| {
            true
        });
    }
    let outcome = scan.finish();
    let places: Vec<(String, String)> = outcome
        .findings
        .iter()
        .flat_map(|f| &f.locations)
        .map(|l| {
            let id = l.commit.as_ref().map(|c| c.id.clone()).unwrap_or_default();
            (l.path.display().to_string(), id)
        })
        .collect();
    assert_eq!(
        places,
        [
            ("a.env".to_string(), "c1".to_string()),
            ("b.env".to_string(), "c3".to_string())
        ]
    );
}

#[test]
fn history_with_a_missing_blob_names_it_and_its_path() {
    let repo = new_repo();
    let root = repo.path();
    // Enough blobs for both cat-file lanes, and one of them missing from the object store.
    for i in 0..6 {
        write(root, format!("file_{i}.txt"), format!("version {i}\n"));
        commit(
            root,
            &format!("2024-01-0{}T09:00:00Z", i + 1),
            &format!("c{i}"),
        );
    }
    let oid = git(root, &["rev-parse", "HEAD~2:file_3.txt"]);
    let oid = oid.trim();
    std::fs::remove_file(root.join(".git/objects").join(&oid[..2]).join(&oid[2..])).unwrap();
    let err = git::history(root, None, 1 << 20, &mut |_, _| {}).unwrap_err();
    match &err {
        GitError::MissingObject { oid: missing, path } => {
            assert_eq!(missing, oid);
            assert_eq!(path, Path::new("file_3.txt"));
        }
        other => panic!("{other:?}"),
    }
}
