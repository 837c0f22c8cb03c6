//! Unit tests of the git parsers.

use super::*;
use super::{blame::*, log::*, staged::*};

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
    out.extend_from_slice(format!("\x01{c2} 200 2024-01-02T00:00:00+01:00 A U Thor\0").as_bytes());
    out.extend_from_slice(
        format!("\n:100644 000000 {} {} D\0gone\0", oid('a'), oid('0')).as_bytes(),
    );
    out.extend_from_slice(format!(":000000 120000 {} {} A\0link\0", oid('0'), oid('e')).as_bytes());
    out.extend_from_slice(format!(":000000 160000 {} {} A\0sub\0", oid('0'), oid('f')).as_bytes());
    out.extend_from_slice(
        format!(":000000 100644 {} {} A\0copy b\0", oid('0'), oid('d')).as_bytes(),
    );
    out.extend_from_slice(
        format!(":000000 100644 {} {} A\0copy a\0", oid('0'), oid('d')).as_bytes(),
    );
    out.extend_from_slice(format!("\x01{c1} 100 2024-01-01T00:00:00Z \0").as_bytes());
    out.extend_from_slice(format!("\n:000000 100755 {} {} A\0", oid('0'), oid('d')).as_bytes());
    out.extend_from_slice(b"bin/\xfe\0");
    out.extend_from_slice(format!(":000000 100644 {} {} A\0x\0", oid('0'), oid('a')).as_bytes());
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
    out.extend_from_slice(format!("\n:000000 100644 {} {} A\0z\0", oid('0'), oid('a')).as_bytes());
    out.extend_from_slice(format!("\x01{} 100 d0 n\0", oid('1')).as_bytes());
    out.extend_from_slice(format!("\n:000000 100644 {} {} A\0b\0", oid('0'), oid('a')).as_bytes());
    out.extend_from_slice(format!(":000000 100644 {} {} A\0c\0", oid('0'), oid('a')).as_bytes());
    let walk = parse_log(&out[..], &|_| true).unwrap();
    let a = walk.blobs[&Oid::from_hex(oid('a').as_bytes()).unwrap()];
    assert_eq!((a.commit, a.count), (1, 3));
    assert_eq!(&*walk.paths[a.path as usize], b"b");
}

/// From a subdirectory, without asking git for the root: every tracked file of the repository,
/// resolved as `resolved_path` resolves a scanned file, and nothing untracked.
#[test]
fn tracked_files_from_a_subdirectory_are_the_whole_repository() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    for file in ["a/x.rs", "b/c/y.rs", "top.rs", "a/untracked.rs"] {
        let path = repo.join(file);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(&path, "fn main() {}\n").expect("write");
    }
    git(&["add", "a/x.rs", "b/c/y.rs", "top.rs"]);
    assert!(may_be_in_repository(&repo.join("a")));
    if std::env::var_os("GIT_DIR").is_none() && std::env::var_os("GIT_WORK_TREE").is_none() {
        assert!(!may_be_in_repository(Path::new("/")));
    }
    let tracked = tracked_files(&repo.join("a/x.rs")).expect("a repository");
    let expected: std::collections::HashSet<PathBuf> = ["a/x.rs", "b/c/y.rs", "top.rs"]
        .iter()
        .filter_map(|file| resolved_path(&repo.join(file)))
        .collect();
    assert_eq!(tracked, expected);
    assert_eq!(tracked_files(&repo.join("b/c")), Some(expected));
}

/// Blame's per-directory cache resolves each path as `resolved_path` does: relative (as the
/// walk writes them, from the working directory), absolute, through a symlinked directory,
/// with `.` and `..`, and in directories that do not exist.
#[test]
fn a_directory_resolved_once_resolves_its_files_as_each_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let real = dir.path().join("real");
    std::fs::create_dir_all(&real).expect("dir");
    std::fs::write(real.join("f.env"), "A=1\n").expect("write");
    let mut paths: Vec<PathBuf> = [
        "Cargo.toml",
        "./Cargo.toml",
        "src/lib.rs",
        "src/../Cargo.toml",
        "no/such/dir/file",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    paths.push(real.join("f.env"));
    paths.push(dir.path().join("real/./f.env"));
    #[cfg(unix)]
    {
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        paths.push(link.join("f.env"));
    }
    let authors = LineAuthors::new(
        paths.iter().map(|p| (p.as_path(), 1)),
        std::collections::HashSet::new(),
        10,
    );
    for path in &paths {
        // Twice: the second answer comes from the cache.
        for _ in 0..2 {
            assert_eq!(
                authors.resolved(path),
                resolved_path(path),
                "{}",
                path.display()
            );
        }
    }
}
