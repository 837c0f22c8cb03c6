//! UTF-16 files (PowerShell profiles saved by `Out-File` or Notepad, `reg export` output) are
//! scanned as text, not skipped as binary, and report like any UTF-8 file.

use std::io::Write;

use crate::common::{Fake, Tree, expect_exit, git_ok, scan_json, stray};
use serde_json::Value;

const LE_PROFILE: &str = "Documents/PowerShell/Microsoft.PowerShell_profile.ps1";
const BE_PROFILE: &str = "Documents/WindowsPowerShell/Microsoft.PowerShell_profile.ps1";

fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

fn utf16be_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    bytes
}

/// A profile with `key` assigned on line 3, CRLF line ends as Windows writes them.
fn profile(key: &str) -> String {
    format!(
        "# profile – loaded by every session\r\nSet-Alias ll Get-ChildItem\r\n\
         $env:OPENAI_API_KEY = \"{key}\"\r\nImport-Module posh-git\r\n"
    )
}

/// The location of `finding` at `path`.
fn location<'a>(finding: &'a Value, path: &str) -> &'a Value {
    finding["locations"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["path"].as_str().map(|p| p.replace('\\', "/")).as_deref() == Some(path))
        .unwrap_or_else(|| panic!("no location at {path}: {finding}"))
}

#[test]
fn utf16_and_utf8_copies_of_a_key_are_one_finding() {
    let tree = Tree::new();
    let key = Fake::new(1601).openai_project_key();
    tree.write(LE_PROFILE, utf16le_with_bom(&profile(&key)));
    tree.write(BE_PROFILE, utf16be_with_bom(&profile(&key)));
    tree.write(".env", format!("# api\nOPENAI_API_KEY={key}\n"));

    let (code, json, stderr) = scan_json(tree.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(json["stats"]["files_scanned"], 3, "{json}");
    assert_eq!(json["stats"]["skipped_binary"], 0, "{json}");
    let findings = json["findings"].as_array().expect("findings array");
    assert_eq!(findings.len(), 1, "{json}");
    let finding = &findings[0];
    assert_eq!(finding["rule"], "openai-project-key");
    assert_eq!(
        finding["fingerprint"],
        stray::finding::fingerprint(key.as_bytes()),
        "the fingerprint is of the key's UTF-8 bytes"
    );
    assert_eq!(finding["locations"].as_array().map(Vec::len), Some(3));

    for path in [LE_PROFILE, BE_PROFILE] {
        let place = location(finding, path);
        assert_eq!(place["line"], 3, "{path}");
        // Counted in characters, after the byte-order mark: `$env:OPENAI_API_KEY = "` is 23.
        assert_eq!(place["column"], 24, "{path}");
        assert_eq!(place["kind"], "shell-profile", "{path}");
        assert_eq!(place["context"], "OPENAI_API_KEY", "{path}");
    }
    assert_eq!(location(finding, ".env")["line"], 2);

    let text = json.to_string();
    assert!(!text.contains(&key), "the key itself is never reported");
}

#[test]
fn inline_allow_works_in_utf16() {
    let tree = Tree::new();
    let key = Fake::new(1602).github_pat();
    let text = format!("$env:GITHUB_TOKEN = \"{key}\" # stray:allow revoked test token\r\n");
    tree.write(LE_PROFILE, utf16le_with_bom(&text));
    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["summary"]["suppressed_places"], 1, "{json}");
}

#[test]
fn binary_files_with_nul_bytes_are_still_skipped() {
    let tree = Tree::new();
    let mut fake = Fake::new(1603);
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.extend_from_slice(fake.github_pat().as_bytes());
    tree.write("bin/tool", elf);
    // Starts like a UTF-16LE byte-order mark, but NUL code units follow: not text.
    let mut marked = b"\xFF\xFE\x00\x00\x01\x00".to_vec();
    marked.extend_from_slice(fake.github_pat().as_bytes());
    tree.write("data/blob.bin", marked);

    let (code, json, _) = scan_json(tree.path(), &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["stats"]["skipped_binary"], 2, "{json}");
    assert_eq!(json["stats"]["files_scanned"], 0, "{json}");
}

#[test]
fn utf16_zip_members_are_scanned() {
    let tree = Tree::new();
    let key = Fake::new(1605).openai_project_key();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer
        .start_file(LE_PROFILE, options)
        .expect("start member");
    writer
        .write_all(&utf16le_with_bom(&profile(&key)))
        .expect("write member");
    tree.write(
        "backup.zip",
        writer.finish().expect("finish zip").into_inner(),
    );

    let (code, json, _) = scan_json(tree.path(), &["--archives"]);
    assert_eq!(code, 1, "{json}");
    let member = format!("backup.zip!{LE_PROFILE}");
    assert_eq!(location(&json["findings"][0], &member)["line"], 3);
}

#[test]
fn staged_and_committed_utf16_files_are_scanned() {
    let tree = Tree::new();
    git_ok(tree.path(), &["init", "-q", "-b", "main"]);
    let key = Fake::new(1604).openai_project_key();
    tree.write(LE_PROFILE, utf16le_with_bom(&profile(&key)));
    git_ok(tree.path(), &["add", "."]);

    let (code, json, _) = scan_json(tree.path(), &["--staged"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(location(&json["findings"][0], LE_PROFILE)["line"], 3);

    git_ok(
        tree.path(),
        &["commit", "-q", "--no-verify", "-m", "profile"],
    );
    let (code, json, _) = scan_json(tree.path(), &["--git"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(location(&json["findings"][0], LE_PROFILE)["line"], 3);
}

#[test]
fn powershell_profile_fixture() {
    let output = stray()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["scan", "--format", "json", "fixtures/utf16"])
        .output()
        .expect("stray runs");
    expect_exit(&output, 1, "stray scan --format json fixtures/utf16");
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let findings = json["findings"].as_array().expect("findings array");
    // The Anthropic line holds a placeholder, not a key.
    assert_eq!(findings.len(), 1, "{json}");
    assert_eq!(findings[0]["rule"], "openai-project-key");
    let place = location(
        &findings[0],
        "fixtures/utf16/Documents/PowerShell/Microsoft.PowerShell_profile.ps1",
    );
    assert_eq!(place["line"], 5);
    assert_eq!(place["kind"], "shell-profile");
    assert_eq!(place["context"], "OPENAI_API_KEY");
}
