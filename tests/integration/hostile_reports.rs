//! Hostile input, report side: what the scan writes must survive what it scans and where it
//! runs. A file name that is not UTF-8 reaches every format and the inventory and comes back
//! from `merge` and `inventory import`; a report is replaced only when complete, and devices
//! and FIFOs are written in place; a scan under an address-space limit finishes with its
//! report; concurrent recordings queue; a damaged inventory is refused before it is written.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Fake, Tree, expect_code, outcome, stray};
use base64::Engine as _;
use stray::names::Named;
use stray::report::Format;

/// The directory and file name of the credential in [`tree_with_bad_name`], as bytes.
const BAD_DIR: &[u8] = b"d\xffir";
const BAD_FILE: &[u8] = b"conf\xfe.env";

/// A tree holding one GitHub token in `code/d\xFFir/conf\xFE.env`.
fn tree_with_bad_name() -> (Tree, PathBuf) {
    let tree = Tree::new();
    let dir = tree.path().join("code").join(OsStr::from_bytes(BAD_DIR));
    std::fs::create_dir_all(&dir).expect("create directory");
    let file = dir.join(OsStr::from_bytes(BAD_FILE));
    let token = Fake::new(1401).github_pat();
    std::fs::write(&file, format!("GITHUB_TOKEN={token}\n")).expect("write");
    (tree, file)
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    outcome(
        stray()
            .current_dir(dir)
            .args(args)
            .output()
            .expect("stray runs"),
    )
}

fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("read report");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The `code/d\xFFir/conf\xFE.env` bytes, as the scan (run from the tree) names the file.
fn bad_relative() -> Vec<u8> {
    [b"code/".as_slice(), BAD_DIR, b"/", BAD_FILE].concat()
}

#[test]
fn a_name_that_is_not_utf8_reaches_every_format_and_the_inventory() {
    let (tree, _) = tree_with_bad_name();
    let dir = tree.path();
    for format in Format::names() {
        let report = format!("out.{format}");
        let (code, _, stderr) = run(
            dir,
            &[
                "scan",
                "code",
                "--format",
                format,
                "-o",
                &report,
                "--record=inv.db",
            ],
        );
        assert_eq!(code, 1, "{format}: {stderr}");
        assert!(stderr.contains("recorded scan"), "{format}: {stderr}");
        let written = std::fs::read(dir.join(&report)).expect("report");
        let text = String::from_utf8(written).expect("every report is UTF-8");
        // Escaped (`d\xFFir`, in JSON `d\\xFFir`), or percent-encoded in SARIF's URIs.
        assert!(
            text.contains("xFFir") || text.contains("d%FFir"),
            "{format}: {text}"
        );
    }

    // JSON: the escaped form for reading, the exact bytes in path_bytes_b64.
    let expected = base64::engine::general_purpose::STANDARD.encode(bad_relative());
    let json = read_json(&dir.join("out.json"));
    let location = &json["findings"][0]["locations"][0];
    assert_eq!(location["path"], "code/d\\xFFir/conf\\xFE.env");
    assert_eq!(location["path_bytes_b64"], expected.as_str());
    let line = std::fs::read_to_string(dir.join("out.jsonl")).expect("jsonl");
    assert!(line.contains(&expected), "{line}");

    // Read back exactly, by the library and by merge (twice: the merged view reads back too).
    let matcher =
        stray::Matcher::new(stray::RuleSet::builtin().expect("builtin rules")).expect("matcher");
    let document =
        stray::inventory::merge::read_result(&dir.join("out.json"), &matcher).expect("read back");
    let path = &document.findings[0].locations[0].location.path;
    assert_eq!(path.as_os_str().as_bytes(), bad_relative().as_slice());
    expect_code(
        run(dir, &["merge", "out.json", "-o", "merged.json"]),
        0,
        "stray merge out.json -o merged.json",
    );
    expect_code(
        run(dir, &["merge", "merged.json", "-o", "again.json"]),
        0,
        "stray merge merged.json -o again.json",
    );
    let again = read_json(&dir.join("again.json"));
    assert_eq!(
        again["findings"][0]["locations"][0]["path_bytes_b64"],
        expected.as_str()
    );

    // The inventory: recorded by every scan above, and by an import of the JSON result.
    let (stdout, _) = expect_code(
        run(dir, &["inventory", "--db", "inv.db", "scans"]),
        0,
        "stray inventory --db inv.db scans",
    );
    let recorded = format!("{} scans recorded", Format::ALL.len());
    assert!(stdout.contains(&recorded), "{stdout}");
    expect_code(
        run(dir, &["inventory", "import", "--db", "imp.db", "out.json"]),
        0,
        "stray inventory import --db imp.db out.json",
    );
    let (code, stdout, stderr) = run(dir, &["inventory", "--db", "imp.db"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("code/d\\xFFir/conf\\xFE.env"), "{stdout}");
    expect_code(
        run(dir, &["report", "--db", "inv.db", "-o", "audit.html"]),
        0,
        "stray report --db inv.db -o audit.html",
    );
}

/// Temporary files a report write left behind in `dir`.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("list")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect()
}

#[test]
fn a_scan_that_fails_after_opening_its_report_keeps_the_old_one() {
    let (tree, _) = tree_with_bad_name();
    let dir = tree.path();
    std::fs::write(dir.join("report.json"), "the old report\n").expect("seed");
    // The vault is read after the report is opened, before the walk.
    std::fs::write(dir.join("vault.json"), "{\"not\": \"a vault").expect("vault");
    let (_, stderr) = expect_code(
        run(
            dir,
            &["scan", "code", "--vault", "vault.json", "-o", "report.json"],
        ),
        2,
        "stray scan code --vault vault.json -o report.json",
    );
    assert!(stderr.contains("vault.json"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("report.json")).expect("read"),
        "the old report\n"
    );
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));

    // The same for the other writers: a baseline whose scan fails keeps the old baseline.
    std::fs::write(dir.join("base.json"), "old baseline").expect("seed");
    expect_code(
        run(
            dir,
            &[
                "baseline",
                "create",
                "code",
                "--vault",
                "vault.json",
                "--owner",
                "sec",
                "-o",
                "base.json",
            ],
        ),
        2,
        "stray baseline create code --vault vault.json --owner sec -o base.json",
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("base.json")).expect("read"),
        "old baseline"
    );

    // A scan that completes replaces the report.
    expect_code(
        run(dir, &["scan", "code", "-o", "report.json"]),
        1,
        "stray scan code -o report.json",
    );
    assert!(read_json(&dir.join("report.json"))["findings"][0].is_object());
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

#[test]
fn the_report_being_replaced_is_not_scanned_as_a_place() {
    let (tree, _) = tree_with_bad_name();
    let dir = tree.path();
    // Twice, with the plaintext in the report: the second scan walks past the first's report
    // (and its own temporary file) instead of finding the secret in it.
    for _ in 0..2 {
        let (code, _, stderr) = run(
            dir,
            &["scan", "code", "--show-secrets", "-o", "code/report.json"],
        );
        assert_eq!(code, 1, "{stderr}");
    }
    let json = read_json(&dir.join("code/report.json"));
    let locations = json["findings"][0]["locations"].as_array().expect("places");
    assert_eq!(locations.len(), 1, "{json}");
    assert_eq!(json["stats"]["files_scanned"], 1, "{json}");
}

#[test]
fn devices_and_fifos_are_written_in_place() {
    let (tree, _) = tree_with_bad_name();
    let dir = tree.path();

    expect_code(
        run(dir, &["scan", "code", "-o", "/dev/null", "-f", "json"]),
        1,
        "stray scan code -o /dev/null -f json",
    );
    let null = std::fs::metadata("/dev/null").expect("stat");
    assert!(
        null.file_type().is_char_device(),
        "/dev/null is still a device"
    );

    // /dev/stdout goes where standard output goes.
    let (stdout, _) = expect_code(
        run(dir, &["scan", "code", "-o", "/dev/stdout", "-f", "csv"]),
        1,
        "stray scan code -o /dev/stdout -f csv",
    );
    assert!(stdout.starts_with("provider,class,rule"), "{stdout}");

    let fifo = dir.join("report.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|status| status.success()) {
        eprintln!("skipped the FIFO: mkfifo is not available");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read the FIFO"))
    };
    expect_code(
        run(dir, &["scan", "code", "-o", "report.fifo", "-f", "csv"]),
        1,
        "stray scan code -o report.fifo -f csv",
    );
    let received = reader.join().expect("reader");
    assert!(received.contains("d\\xFFir"), "{received}");
    let kind = std::fs::symlink_metadata(&fifo).expect("stat").file_type();
    assert!(kind.is_fifo(), "still a FIFO");
}

/// Runs `stray` under `ulimit -v KB` through bash; `None` when the sandbox refuses the limit.
fn stray_limited(dir: &Path, kb: u64, args: &str) -> Option<(i32, String, String)> {
    let probe = Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -v {kb} && true"))
        .status();
    if !probe.is_ok_and(|status| status.success()) {
        return None;
    }
    let script = format!(
        "ulimit -v {kb} && exec '{}' {args}",
        env!("CARGO_BIN_EXE_stray")
    );
    Some(outcome(
        Command::new("bash")
            .current_dir(dir)
            .arg("-c")
            .arg(script)
            .env_remove("STRAY_INVENTORY_DB")
            .output()
            .expect("bash runs"),
    ))
}

#[test]
fn a_scan_under_an_address_space_limit_completes_with_its_report() {
    let tree = Tree::new();
    let mut fake = Fake::new(1402);
    for i in 0..3000 {
        tree.write(&format!("many/d{}/f{i}.txt", i % 30), "nothing here\n");
    }
    let small = fake.github_pat();
    tree.write("many/d7/.env", format!("GITHUB_TOKEN={small}\n"));
    // Above the size from which files are read in chunks (64 MiB).
    let large = fake.npm_token();
    let mut log = "x".repeat(79) + "\n";
    log = log.repeat(70 * 1024 * 1024 / 80);
    log.push_str(&format!("//registry.npmjs.org/:_authToken={large}\n"));
    tree.write("large/build.npmrc", log);

    // 100 MB: the 200k-file scan used to abort here (exit 134) without a report.
    let Some((code, _, stderr)) = stray_limited(
        tree.path(),
        100_000,
        "scan many large --max-file-size 1G -q -f json -o out.json",
    ) else {
        eprintln!("skipped: this sandbox does not allow ulimit -v");
        return;
    };
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("out of memory"), "{stderr}");
    let json = read_json(&tree.path().join("out.json"));
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(2), "{json}");
    assert_eq!(json["stats"]["skipped_unreadable"], 0, "{json}");
}

#[test]
fn concurrent_recordings_queue_instead_of_failing() {
    let tree = Tree::new();
    let mut fake = Fake::new(1403);
    let mut content = String::new();
    for _ in 0..300 {
        content.push_str(&format!("GITHUB_TOKEN={}\n", fake.github_pat()));
    }
    tree.write("code/tokens.env", content);
    let children: Vec<_> = (0..10)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_stray"))
                .current_dir(tree.path())
                .env_remove("STRAY_INVENTORY_DB")
                .args(["scan", "code", "-q", "-f", "json", "-o", "/dev/null"])
                .arg("--record=inv.db")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let (code, _, stderr) = outcome(child.wait_with_output().expect("wait"));
        assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    }
    let (stdout, _) = expect_code(
        run(tree.path(), &["inventory", "--db", "inv.db", "scans"]),
        0,
        "stray inventory --db inv.db scans",
    );
    assert!(stdout.contains("10 scans recorded"), "{stdout}");
}

/// A tree with 200 credentials recorded once in `inv.db` (a database of several pages).
fn recorded_tree() -> Tree {
    let tree = Tree::new();
    let mut fake = Fake::new(1404);
    let mut content = String::new();
    for _ in 0..200 {
        content.push_str(&format!("GITHUB_TOKEN={}\n", fake.github_pat()));
    }
    tree.write("code/tokens.env", content);
    expect_code(
        run(tree.path(), &["scan", "code", "-q", "--record=inv.db"]),
        1,
        "stray scan code -q --record=inv.db",
    );
    tree
}

#[test]
fn a_damaged_database_is_refused_before_it_is_written() {
    let tree = recorded_tree();
    let db = tree.path().join("inv.db");
    let mut bytes = std::fs::read(&db).expect("read db");
    let page = 4096;
    assert!(bytes.len() > 10 * page, "{} bytes", bytes.len());
    // Garble three pages in the middle: the file still opens as SQLite.
    for byte in &mut bytes[4 * page..7 * page] {
        *byte = 0x55;
    }
    std::fs::write(&db, &bytes).expect("garble");

    for args in [
        &[
            "scan",
            "code",
            "-q",
            "-f",
            "json",
            "-o",
            "r.json",
            "--record=inv.db",
        ][..],
        &["inventory", "import", "--db", "inv.db", "r.json"],
    ] {
        let (_, stderr) = expect_code(run(tree.path(), args), 2, &format!("stray {args:?}"));
        assert!(stderr.contains("inv.db"), "{stderr}");
        assert!(
            stderr.contains("damaged") || stderr.contains("corrupt"),
            "{stderr}"
        );
        assert_eq!(std::fs::read(&db).expect("read"), bytes, "{args:?} wrote");
    }
    // The report was written all the same.
    assert!(read_json(&tree.path().join("r.json"))["findings"][0].is_object());
}

#[test]
fn a_negative_schema_version_is_refused() {
    let tree = recorded_tree();
    let db = tree.path().join("inv.db");
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.pragma_update(None, "user_version", -2).expect("set");
    drop(conn);
    let before = std::fs::read(&db).expect("read");
    let (_, stderr) = expect_code(
        run(tree.path(), &["scan", "code", "-q", "--record=inv.db"]),
        2,
        "stray scan code -q --record=inv.db",
    );
    assert!(stderr.contains("inv.db"), "{stderr}");
    assert!(stderr.contains("schema version -2"), "{stderr}");
    assert_eq!(std::fs::read(&db).expect("read"), before);
    expect_code(
        run(tree.path(), &["inventory", "--db", "inv.db"]),
        2,
        "stray inventory --db inv.db",
    );
}
