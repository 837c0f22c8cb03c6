//! Hostile input: bytes and trees that once made keys go missing without a word (issue #14).
//! A text file that starts like a zip, a key next to invalid UTF-8, zip members that lie about
//! their size or fail their CRC, paths deeper than `PATH_MAX`, random keys that hold `xxxx`, and
//! columns on a line that spans chunks. Each key is found where it is, the rest of the scan is
//! reported as usual, and the default output never holds a secret.

use std::io::{Cursor, Write};
use std::path::Path;

use crate::common::{Fake, Tree, stray};
use stray::input::archive::{ArchiveLimits, ArchiveMode};
use stray::scan::{Chunking, ScanOptions};
use stray::{Matcher, Progress, RuleSet, ScanOutcome, Scanner};

fn options(root: &Path) -> ScanOptions {
    ScanOptions {
        walk: stray::input::walk::WalkOptions {
            roots: vec![root.to_path_buf()],
            ..Default::default()
        },
        ..ScanOptions::default()
    }
}

fn scan_with(options: ScanOptions) -> ScanOutcome {
    let matcher = Matcher::new(RuleSet::builtin().expect("rules")).expect("matcher");
    let scanner = Scanner::new(matcher, options).expect("scanner");
    scanner.scan(&Progress::default()).expect("scan")
}

fn scan(root: &Path) -> ScanOutcome {
    scan_with(options(root))
}

/// Every place of `secret`, as (path relative to `root`, line, column).
fn places_of(outcome: &ScanOutcome, root: &Path, secret: &str) -> Vec<(String, usize, usize)> {
    let mut places: Vec<(String, usize, usize)> = outcome
        .findings
        .iter()
        .filter(|f| f.secret == secret.as_bytes())
        .flat_map(|f| f.locations.iter())
        .map(|l| {
            let path = l.path.strip_prefix(root).unwrap_or(&l.path);
            (path.to_string_lossy().replace('\\', "/"), l.line, l.column)
        })
        .collect();
    places.sort();
    places
}

fn place(path: &str, line: usize, column: usize) -> Vec<(String, usize, usize)> {
    vec![(path.to_string(), line, column)]
}

/// Runs `stray scan` with the default (human) output; asserts that it fails on the findings
/// and that none of `secrets` is in stdout or stderr. Returns both, joined.
fn default_output(dir: &Path, args: &[&str], secrets: &[&str]) -> String {
    let output = stray()
        .current_dir(dir)
        .arg("scan")
        .args(args)
        .arg(".")
        .output()
        .expect("stray runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(1), "{text}");
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "a secret in the default output:\n{text}"
        );
    }
    text
}

// 1. A text file that starts with the zip magic.

#[test]
fn text_that_starts_like_a_zip_is_scanned_as_text() {
    let tree = Tree::new();
    let mut fake = Fake::new(1401);
    let (in_pk, elsewhere) = (fake.aws_key_id(), fake.github_pat());
    tree.write(
        "notes.txt",
        format!("PK\x03\x04 is how a zip starts\naws_key = {in_pk}\n"),
    );
    tree.write("other.env", format!("GITHUB_TOKEN={elsewhere}\n"));
    // A damaged zip is still binary: skipped with the zip's reason, not scanned as text.
    tree.write(
        "broken.zip",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00 truncated",
    );
    // The same over a megabyte, where the first bytes are read apart from the rest.
    let in_big = fake.aws_key_id();
    let filler = "just some words on a line\n".repeat(45_000);
    tree.write(
        "big-notes.txt",
        format!("PK\x03\x04 is how a zip starts\n{filler}aws_key = {in_big}\n"),
    );
    let mut big_broken = b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec();
    big_broken.extend(std::iter::repeat_n(0u8, 1_200_000));
    tree.write("big-broken.zip", big_broken);

    for mode in [ArchiveMode::Auto, ArchiveMode::All] {
        let outcome = scan_with(ScanOptions {
            archives: mode,
            ..options(tree.path())
        });
        assert_eq!(
            places_of(&outcome, tree.path(), &in_pk),
            place("notes.txt", 2, 11)
        );
        assert_eq!(
            places_of(&outcome, tree.path(), &elsewhere),
            place("other.env", 1, 14)
        );
        assert_eq!(
            places_of(&outcome, tree.path(), &in_big),
            place("big-notes.txt", 45_002, 11)
        );
        for broken in ["broken.zip", "big-broken.zip"] {
            assert!(
                outcome.warnings.iter().any(|w| {
                    w.path.as_deref() == Some(&tree.path().join(broken))
                        && w.message.contains("not a readable zip")
                }),
                "{broken}: {:?}",
                outcome.warnings
            );
        }
        assert_eq!(outcome.stats.files_scanned, 3, "{:?}", outcome.stats);
    }
    let text = default_output(tree.path(), &[], &[&in_pk, &elsewhere]);
    assert!(text.contains("notes.txt:2:11"), "{text}");
}

// 2. Keys next to bytes that are not UTF-8.

#[test]
fn keys_next_to_invalid_utf8_are_found() {
    let tree = Tree::new();
    let mut fake = Fake::new(1402);
    let (latin1, after_ff, before_fe) = (fake.github_pat(), fake.aws_key_id(), fake.npm_token());
    let generic = format!("Zk8{}7q", fake.base62(20));
    // Written byte by byte: `é` and `è` are Latin-1 (0xE9, 0xE8), not UTF-8.
    let mut file = b"# cl\xe9s d'acc\xe8s\ncl\xe9=".to_vec();
    file.extend_from_slice(latin1.as_bytes());
    file.extend_from_slice(b"\nx\xff");
    file.extend_from_slice(after_ff.as_bytes());
    file.extend_from_slice(b"\n");
    file.extend_from_slice(before_fe.as_bytes());
    file.extend_from_slice(b"\xfe\npr\xe9nom_token = ");
    file.extend_from_slice(generic.as_bytes());
    file.extend_from_slice(b"\n");
    tree.write("latin1.conf", &file);
    let plain = fake.openai_project_key();
    tree.write("plain.env", format!("OPENAI_API_KEY={plain}\n"));

    let outcome = scan(tree.path());
    // Columns count an invalid byte as one character.
    assert_eq!(
        places_of(&outcome, tree.path(), &latin1),
        place("latin1.conf", 2, 5)
    );
    assert_eq!(
        places_of(&outcome, tree.path(), &after_ff),
        place("latin1.conf", 3, 3)
    );
    assert_eq!(
        places_of(&outcome, tree.path(), &before_fe),
        place("latin1.conf", 4, 1)
    );
    assert_eq!(
        places_of(&outcome, tree.path(), &generic),
        place("latin1.conf", 5, 16)
    );
    assert_eq!(
        places_of(&outcome, tree.path(), &plain),
        place("plain.env", 1, 16)
    );
    default_output(
        tree.path(),
        &[],
        &[&latin1, &after_ff, &before_fe, &generic, &plain],
    );
}

/// Every built-in rule whose pattern starts (ends) with a boundary class still finds each of its
/// examples when an invalid UTF-8 byte stands right before (after) the secret.
#[test]
fn rule_boundaries_hold_next_to_invalid_utf8() {
    let matcher = Matcher::new(RuleSet::builtin_with_examples().expect("rules")).expect("matcher");
    let finds = |hay: &[u8], secret: &[u8], at: usize| {
        matcher
            .find(hay)
            .iter()
            .any(|c| c.start == at && &hay[c.start..c.end] == secret)
    };
    let (mut before, mut after) = (0, 0);
    for rule in matcher.rules() {
        let leading = rule.pattern.starts_with("(?:^|[^");
        let trailing = rule
            .pattern
            .rsplit_once("(?:[^")
            .is_some_and(|(_, tail)| tail.ends_with("]|$)") && !tail.contains('('));
        for example in &rule.examples {
            let (input, secret) = (example.input.as_bytes(), example.secret.as_bytes());
            let Some(at) = example.input.find(&example.secret) else {
                continue;
            };
            let end = at + secret.len();
            if leading && (at == 0 || matches!(input[at - 1], b' ' | b'\n')) {
                let mut hay = input[..at].to_vec();
                hay.extend_from_slice(b"x\xff");
                hay.extend_from_slice(&input[at..]);
                assert!(finds(&hay, secret, at + 2), "{}: \\xff before", rule.id);
                before += 1;
            }
            if trailing && (end == input.len() || matches!(input[end], b' ' | b'\n' | b'"')) {
                let mut hay = input[..end].to_vec();
                hay.push(0xfe);
                hay.extend_from_slice(&input[end..]);
                assert!(finds(&hay, secret, at), "{}: \\xfe after", rule.id);
                after += 1;
            }
        }
    }
    assert!(
        before >= 30 && after >= 200,
        "{before} / {after} examples tried"
    );
}

// 3. Zip members that lie about their size or fail their CRC.

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in files {
        writer.start_file(*name, options).expect("start file");
        writer.write_all(content).expect("write member");
    }
    writer.finish().expect("finish zip").into_inner()
}

/// Offsets of every `signature` in `zip`.
fn headers(zip: &[u8], signature: &[u8; 4]) -> Vec<usize> {
    zip.windows(4)
        .enumerate()
        .filter(|(_, w)| w == signature)
        .map(|(i, _)| i)
        .collect()
}

/// Sets a 32-bit field of member `index` in both its local header (`local` bytes in) and its
/// central directory entry (`central` bytes in).
fn patch(zip: &mut [u8], index: usize, local: usize, central: usize, value: impl Fn(u32) -> u32) {
    let at = [
        headers(zip, b"PK\x03\x04")[index] + local,
        headers(zip, b"PK\x01\x02")[index] + central,
    ];
    for at in at {
        let old = u32::from_le_bytes([zip[at], zip[at + 1], zip[at + 2], zip[at + 3]]);
        zip[at..at + 4].copy_from_slice(&value(old).to_le_bytes());
    }
}

/// Uncompressed size: local header offset 22, central directory 24.
fn patch_size(zip: &mut [u8], index: usize, size: u32) {
    patch(zip, index, 22, 24, |_| size);
}

/// CRC-32: local header offset 14, central directory 16.
fn break_crc(zip: &mut [u8], index: usize) {
    patch(zip, index, 14, 16, |crc| crc ^ 1);
}

#[test]
fn lying_and_damaged_zip_members_are_scanned_and_the_walk_goes_on() {
    let tree = Tree::new();
    let mut fake = Fake::new(1403);
    let (early, late, next, damaged, outside) = (
        fake.github_pat(),
        fake.github_pat(),
        fake.aws_key_id(),
        fake.npm_token(),
        fake.openai_project_key(),
    );
    // 20 KB that claim to be 100 bytes: over the 8 KiB member limit below once inflated.
    let big = format!(
        "token: {early}\n{}token: {late}\n",
        "filler line of a large member\n".repeat(700)
    );
    let next_member = format!("aws = {next}\n");
    let damaged_member = format!("# npm\n//registry.npmjs.org/:_authToken={damaged}\n");
    let mut zip = zip_of(&[
        ("big.txt", big.as_bytes()),
        ("next.txt", next_member.as_bytes()),
        ("damaged/.npmrc", damaged_member.as_bytes()),
    ]);
    patch_size(&mut zip, 0, 100);
    break_crc(&mut zip, 2);
    tree.write("export.zip", &zip);
    tree.write(".env", format!("OPENAI_API_KEY={outside}\n"));

    let outcome = scan_with(ScanOptions {
        archives: ArchiveMode::All,
        archive_limits: ArchiveLimits {
            max_member_size: 8 * 1024,
            ..ArchiveLimits::default()
        },
        ..options(tree.path())
    });
    let root = tree.path();
    assert_eq!(
        places_of(&outcome, root, &early),
        place("export.zip!big.txt", 1, 8)
    );
    // Past the member limit: not read, and the warning says so.
    assert!(places_of(&outcome, root, &late).is_empty());
    assert_eq!(
        places_of(&outcome, root, &next),
        place("export.zip!next.txt", 1, 7)
    );
    assert_eq!(
        places_of(&outcome, root, &damaged),
        place("export.zip!damaged/.npmrc", 2, 34)
    );
    assert_eq!(places_of(&outcome, root, &outside), place(".env", 1, 16));
    let warned = |member: &str| {
        outcome.warnings.iter().any(|w| {
            w.path.as_deref() == Some(&root.join("export.zip")) && w.message.starts_with(member)
        })
    };
    assert!(
        warned("big.txt: expands past 8192 bytes"),
        "{:?}",
        outcome.warnings
    );
    assert!(warned("damaged/.npmrc: "), "{:?}", outcome.warnings);
    for warning in &outcome.warnings {
        for secret in [&early, &late, &next, &damaged] {
            assert!(!warning.message.contains(secret.as_str()), "{warning:?}");
        }
    }

    // The command line, with its default limits: the bad CRC costs a warning, not the key.
    let text = default_output(
        root,
        &["--archives"],
        &[&early, &late, &next, &damaged, &outside],
    );
    assert!(text.contains("export.zip!damaged/.npmrc:2:34"), "{text}");
    assert!(text.contains("damaged/.npmrc: "), "{text}");
}

#[test]
fn an_archive_out_of_budget_stops_with_a_warning_naming_the_member() {
    let tree = Tree::new();
    let mut fake = Fake::new(1404);
    let (first, second) = (fake.github_pat(), fake.github_pat());
    let zip = zip_of(&[
        (
            "a.txt",
            format!("token: {first}\n{}", "a\n".repeat(600)).as_bytes(),
        ),
        ("b.txt", format!("token: {second}\n").as_bytes()),
    ]);
    tree.write("two.zip", &zip);
    let outcome = scan_with(ScanOptions {
        archives: ArchiveMode::All,
        archive_limits: ArchiveLimits {
            max_total: 1000,
            ..ArchiveLimits::default()
        },
        ..options(tree.path())
    });
    assert_eq!(
        places_of(&outcome, tree.path(), &first),
        place("two.zip!a.txt", 1, 8)
    );
    assert!(places_of(&outcome, tree.path(), &second).is_empty());
    let messages: Vec<&str> = outcome
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("a.txt: expands past the archive's read limit")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("b.txt: the archive's read limit")),
        "{messages:?}"
    );
}

// 4. Paths longer than PATH_MAX.

#[cfg(target_os = "linux")]
#[test]
fn paths_deeper_than_path_max_are_warned_about() {
    let tree = Tree::new();
    let mut fake = Fake::new(1405);
    let (deep, shallow) = (fake.aws_key_id(), fake.github_pat());
    // 45 levels of 100-byte names: over 4,500 bytes, past Linux's 4,096. Built one `cd` at a
    // time, since no single path to the bottom can be opened.
    let name = format!("d{}", "a".repeat(99));
    let script = format!(
        "set -e; cd \"$1\"; for i in $(seq 45); do mkdir {name}; cd {name}; done; \
         printf 'aws = %s\\n' \"$2\" > key.txt"
    );
    let status = std::process::Command::new("bash")
        .args(["-c", &script, "bash"])
        .arg(tree.path())
        .arg(&deep)
        .status()
        .expect("bash runs");
    assert!(status.success());
    tree.write("shallow.env", format!("GITHUB_TOKEN={shallow}\n"));

    let outcome = scan(tree.path());
    assert_eq!(
        places_of(&outcome, tree.path(), &shallow),
        place("shallow.env", 1, 14)
    );
    // Not reached (the walk opens by path), but never silent: the first directory past the
    // limit is named, and counted unreadable.
    assert!(places_of(&outcome, tree.path(), &deep).is_empty());
    let too_long: Vec<_> = outcome
        .warnings
        .iter()
        .filter(|w| w.message.contains("longer than the system allows"))
        .collect();
    assert_eq!(too_long.len(), 1, "{:?}", outcome.warnings);
    let path = too_long[0]
        .path
        .as_deref()
        .expect("the warning names a path");
    assert!(
        path.starts_with(tree.path().join(&name)),
        "{}",
        path.display()
    );
    assert!(path.as_os_str().len() > 4096, "{}", path.display());
    assert!(outcome.stats.skipped_unreadable >= 1, "{:?}", outcome.stats);

    let text = default_output(tree.path(), &[], &[&deep, &shallow]);
    assert!(text.contains("longer than the system allows"), "{text}");
}

// 5. Random keys that hold `xxxx`.

#[test]
fn random_keys_are_never_taken_for_placeholders() {
    let mut fake = Fake::new(1406);
    // Long random values: the old `xxxx` check (any case) dropped about one in 4,000 of these.
    let dropped: Vec<String> = (0..50_000)
        .map(|_| fake.base62(80))
        .filter(|v| stray::detect::placeholder::is_placeholder(v.as_bytes()))
        .collect();
    assert!(dropped.is_empty(), "{} dropped: {dropped:?}", dropped.len());

    // Through the scanner, 4,000 keys of five kinds are all found.
    let tree = Tree::new();
    let mut keys = Vec::new();
    let mut text = String::new();
    for i in 0..800 {
        for key in [
            fake.github_pat(),
            fake.openai_project_key(),
            fake.aws_key_id(),
            fake.npm_token(),
            fake.slack_webhook(),
        ] {
            text.push_str(&format!("line {i}: {key}\n"));
            keys.push(key);
        }
    }
    tree.write("keys.txt", &text);
    let outcome = scan(tree.path());
    let found: std::collections::HashSet<&[u8]> = outcome
        .findings
        .iter()
        .map(|f| f.secret.as_slice())
        .collect();
    let missed: Vec<&String> = keys
        .iter()
        .filter(|k| !found.contains(k.as_bytes()))
        .collect();
    assert!(missed.is_empty(), "{} missed", missed.len());

    // Filler is still filler.
    let fillers = Tree::new();
    fillers.write(
        "docs.md",
        "OPENAI_API_KEY=sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxT3BlbkFJxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\
         GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\
         SLACK_TOKEN=xoxb-xxxx-xxxx-xxxx\n\
         aws_access_key_id = AKIAXXXXXXXXXXXXXXXX\n",
    );
    let outcome = scan(fillers.path());
    assert!(outcome.findings.is_empty(), "{:?}", outcome.findings);
}

// 6. Columns on a line that spans chunks.

#[test]
fn columns_are_counted_from_the_line_start_across_chunks() {
    let tree = Tree::new();
    let mut fake = Fake::new(1407);
    let (far, multibyte, next_line) = (fake.github_pat(), fake.aws_key_id(), fake.npm_token());
    // One line of 150,000 bytes before `far`, then 40,000 two-byte characters before
    // `multibyte`; the next line starts fresh.
    let text = format!(
        "{}token: {far} {} aws = {multibyte}\nnpm = {next_line}\n",
        "a".repeat(150_000),
        "é".repeat(40_000)
    );
    tree.write("one-line.log", &text);
    let far_column = 150_000 + 8;
    let multibyte_column = far_column + far.len() + 1 + 40_000 + 7;
    let chunked = |chunking| {
        scan_with(ScanOptions {
            max_file_size: u64::MAX,
            chunking,
            ..options(tree.path())
        })
    };
    for chunking in [
        Chunking {
            from: u64::MAX,
            ..Chunking::default()
        },
        Chunking {
            from: 1024,
            size: 20_000,
            overlap: 8 * 1024,
        },
        Chunking {
            from: 1024,
            size: 33_333,
            overlap: 8 * 1024,
        },
    ] {
        let outcome = chunked(chunking);
        let root = tree.path();
        assert_eq!(
            places_of(&outcome, root, &far),
            place("one-line.log", 1, far_column),
            "{chunking:?}"
        );
        assert_eq!(
            places_of(&outcome, root, &multibyte),
            place("one-line.log", 1, multibyte_column),
            "{chunking:?}"
        );
        assert_eq!(
            places_of(&outcome, root, &next_line),
            place("one-line.log", 2, 7),
            "{chunking:?}"
        );
    }
}
