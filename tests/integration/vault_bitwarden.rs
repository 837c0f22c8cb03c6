//! Bitwarden's history, zip and CLI shapes (issue #16), against the fixtures in
//! fixtures/vault/bitwarden (FAKE values only; fixtures/vault/bitwarden/README.md names the
//! Bitwarden code each shape follows): custom-field history is split into its values, the zip
//! export and `bw list items` are read, and ages come from the dates the values changed.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde_json::Value;
use stray::finding::fingerprint;
use stray::vault::{VaultEntry, VaultFormat, detect, read_export};

use crate::common::{Tree, days_since, scan_json, verdict};

// ---- the fake values in the fixtures (random, in the providers' shapes) ----
// field-history.json
const NPM_NEW: &str = "npm_tci5aMSDWsKnyROYUon09E7g1zUfmDDDcz5C";
const NPM_OLD: &str = "npm_HkukqQbrOTPLEYuEBLLMNItLlGgFO2rQAEpY";
const GROQ_NEW: &str = "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";
const GROQ_OLD: &str = "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";
const ANT_DELETED: &str = "sk-ant-api03-3EmorE7CsDkqFETp6U4hHVSD1LL4L0yBZR57jKsMJK2_QZVOp_UmzqOnkDb_6MW0PM4py2PmSXe2vliTgdT9D_XzWzfHVAA";
// list-items.json
const OPENAI_LIST: &str = "sk-proj-gVtL044YlP9xzFirqB1t88UPyVJMh5Zcwv95jbygT3BlbkFJLJF226v8xrI4RtETwF5KwTLAtasDztEsFVh6iuW9";
const OPENAI_LIST_OLD: &str = "sk-proj-MDuQtpDNrsyhAUlV76oDJCwyOJcAeIiyjNiXMto2T3BlbkFJDQYbsjYvDlMJVOeDlDMuJotWMFitFE5ZwUuat1f4";
const GROQ_LIST: &str = "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";
const GROQ_LIST_OLD: &str = "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";
// export.zip (data.json)
const ANT_ZIP: &str = "sk-ant-api03-imEF-0J19n-AeGV-lfLDeqVrBVcSczSKcCJ3sN_yjRs3t-4AcrPJbSet2z6-DrwBnvPTA4MNI72Ut9W3Q9E88HR1ZK8rnAA";
const NPM_ZIP_OLD: &str = "npm_SYS2GcwbGbPmTWqAh5Mc14kd7caUOJf6zPDA";

const HISTORY: &str = "passwordHistory.lastUsedDate";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/vault/bitwarden")
        .join(name)
}

fn read(name: &str) -> Vec<VaultEntry> {
    let path = fixture(name);
    let bytes = std::fs::read(&path).expect("fixture exists");
    assert_eq!(
        detect(&path, &bytes),
        Some(VaultFormat::BitwardenJson),
        "{name}"
    );
    let mut out = Vec::new();
    read_export(&path, None, None, None, &mut out).unwrap_or_else(|e| panic!("{name}: {e}"));
    let text = format!(
        "{out:?}{}",
        serde_json::to_string(&out).expect("serializes")
    );
    for value in [
        NPM_NEW,
        NPM_OLD,
        GROQ_NEW,
        GROQ_OLD,
        ANT_DELETED,
        OPENAI_LIST,
        OPENAI_LIST_OLD,
        GROQ_LIST,
        GROQ_LIST_OLD,
        ANT_ZIP,
        NPM_ZIP_OLD,
    ] {
        assert!(!text.contains(value), "{name}: a plaintext value survived");
    }
    out
}

/// (field, history, updated, age_from) of every entry holding `value`.
fn dated(
    entries: &[VaultEntry],
    value: &str,
) -> Vec<(String, bool, Option<Timestamp>, Option<String>)> {
    entries
        .iter()
        .filter(|e| e.fingerprint == fingerprint(value.as_bytes()))
        .map(|e| {
            (
                e.meta.field.clone(),
                e.meta.history,
                e.meta.updated,
                e.meta.age_from.clone(),
            )
        })
        .collect()
}

fn entry(
    field: &str,
    history: bool,
    date: &str,
    from: &str,
) -> (String, bool, Option<Timestamp>, Option<String>) {
    (
        field.to_string(),
        history,
        Some(date.parse().expect("test timestamp")),
        Some(from.to_string()),
    )
}

#[test]
fn field_history_is_split_and_dates_the_values() {
    let entries = read("field-history.json");
    assert_eq!(
        dated(&entries, GROQ_OLD),
        [entry(
            "automation token",
            true,
            "2025-03-10T08:00:00Z",
            HISTORY
        )]
    );
    assert_eq!(
        dated(&entries, GROQ_NEW),
        [entry(
            "automation token",
            false,
            "2025-03-10T08:00:00Z",
            HISTORY
        )],
        "the field's value changed in March 2025, not at the item's last edit"
    );
    assert_eq!(
        dated(&entries, NPM_NEW),
        [entry("password", false, "2025-01-15T17:30:00Z", HISTORY)]
    );
    assert_eq!(
        dated(&entries, NPM_OLD),
        [entry("password", true, "2025-01-15T17:30:00Z", HISTORY)]
    );
    assert_eq!(
        dated(&entries, ANT_DELETED),
        [entry("legacy key", true, "2025-06-02T10:15:00Z", HISTORY)],
        "a deleted field's old value"
    );
    let scope = entries
        .iter()
        .find(|e| e.meta.field == "notes")
        .expect("notes");
    assert_eq!(scope.meta.age_from.as_deref(), Some("revisionDate"));
    assert_eq!(
        scope.meta.updated,
        Some("2026-11-20T09:00:00Z".parse().unwrap())
    );
    assert!(
        entries
            .iter()
            .all(|e| e.meta.item == "npm publish" && e.meta.vault.as_deref() == Some("Publishing"))
    );
}

#[test]
fn bw_list_items_is_read_with_password_revision_dates() {
    let entries = read("list-items.json");
    assert_eq!(
        dated(&entries, OPENAI_LIST),
        [entry(
            "password",
            false,
            "2025-05-05T11:00:00Z",
            "login.passwordRevisionDate"
        )]
    );
    assert_eq!(
        dated(&entries, OPENAI_LIST_OLD),
        [entry("password", true, "2025-05-05T11:00:00Z", HISTORY)]
    );
    assert_eq!(
        dated(&entries, GROQ_LIST),
        [entry(
            "deploy token",
            false,
            "2025-08-19T07:20:00Z",
            HISTORY
        )]
    );
    assert_eq!(
        dated(&entries, GROQ_LIST_OLD),
        [entry("deploy token", true, "2025-08-19T07:20:00Z", HISTORY)],
        "on a secure note every history entry is a field's"
    );
    assert!(
        entries.iter().all(|e| e.meta.vault.is_none()),
        "bw list items names no folders"
    );
}

#[test]
fn zip_export_reads_data_json() {
    let entries = read("export.zip");
    assert_eq!(entries.len(), 2, "data.json only, not the attachments");
    assert_eq!(
        dated(&entries, ANT_ZIP),
        [entry("api key", false, "2025-09-09T09:09:00Z", HISTORY)]
    );
    assert_eq!(
        dated(&entries, NPM_ZIP_OLD),
        [entry("api key", true, "2025-09-09T09:09:00Z", HISTORY)]
    );
    assert!(
        entries
            .iter()
            .all(|e| e.meta.vault.as_deref() == Some("AI"))
    );
}

#[test]
fn statuses_and_ages_end_to_end() {
    let tree = Tree::new();
    let files = [
        ("npm-new.env", NPM_NEW),
        ("npm-old.env", NPM_OLD),
        ("groq-new.env", GROQ_NEW),
        ("groq-old.env", GROQ_OLD),
        ("anthropic-deleted.env", ANT_DELETED),
        ("openai-list.env", OPENAI_LIST),
        ("groq-list-old.env", GROQ_LIST_OLD),
        ("anthropic-zip.env", ANT_ZIP),
        ("npm-zip-old.env", NPM_ZIP_OLD),
    ];
    for (name, value) in files {
        tree.write(&format!("app/{name}"), format!("TOKEN={value}\n"));
    }
    let vaults: Vec<String> = ["field-history.json", "list-items.json", "export.zip"]
        .iter()
        .map(|name| fixture(name).display().to_string())
        .collect();
    let mut args = vec!["app"];
    for vault in &vaults {
        args.extend(["--vault", vault.as_str()]);
    }
    let (code, json, stderr) = scan_json(tree.path(), &args);
    assert_eq!(code, 0, "nothing unvaulted: {stderr}");
    let expect = [
        ("npm-new.env", "stray-copy", "2025-01-15T17:30:00Z"),
        ("npm-old.env", "rotated-out", "2025-01-15T17:30:00Z"),
        ("groq-new.env", "stray-copy", "2025-03-10T08:00:00Z"),
        ("groq-old.env", "rotated-out", "2025-03-10T08:00:00Z"),
        (
            "anthropic-deleted.env",
            "rotated-out",
            "2025-06-02T10:15:00Z",
        ),
        ("openai-list.env", "stray-copy", "2025-05-05T11:00:00Z"),
        ("groq-list-old.env", "rotated-out", "2025-08-19T07:20:00Z"),
        ("anthropic-zip.env", "stray-copy", "2025-09-09T09:09:00Z"),
        ("npm-zip-old.env", "rotated-out", "2025-09-09T09:09:00Z"),
    ];
    for (name, status, since) in expect {
        let path = format!("app/{name}");
        let verdict = verdict(&json, &path);
        assert_eq!(verdict["status"], status, "{path}");
        let age = verdict["age_days"].as_i64().expect("an age");
        assert!(days_since(since).contains(&age), "{path}: {age} days");
        if status == "stray-copy" {
            assert_eq!(verdict["rotation_overdue"], true, "{path}: over a year old");
        }
    }
}

/// Issue #16 item 3: a verdict says which product keeps the value and which of the export's
/// dates its age is counted from, in the scan's table and JSON, and in the inventory it is
/// recorded into (text, JSON and CSV listings).
#[test]
fn verdicts_name_the_vault_and_the_date_the_age_is_from() {
    let tree = Tree::new();
    tree.write("app/npm.env", format!("TOKEN={NPM_NEW}\n"));
    let vault = fixture("field-history.json").display().to_string();
    let (code, json, stderr) = scan_json(tree.path(), &["app", "--vault", &vault]);
    assert_eq!(code, 0, "{stderr}");
    let item = &verdict(&json, "app/npm.env")["items"][0];
    assert_eq!(item["source"], "Bitwarden", "{item:#}");
    assert_eq!(item["age_from"], HISTORY, "{item:#}");

    for (format, expected) in [
        ("markdown", "stray-copy: in Bitwarden "),
        ("sarif", "The vault holds it (stray-copy: in Bitwarden "),
    ] {
        let (code, out, stderr) = crate::common::run_in(
            &tree,
            &["scan", "app", "--vault", &vault, "--format", format],
        );
        assert_eq!(code, 0, "{stderr}");
        assert!(out.contains(expected), "{format}: {out}");
    }

    let db = tree.path().join("inv.db");
    let db_arg = format!("--record={}", db.display());
    let (code, table, stderr) =
        crate::common::run_in(&tree, &["scan", "app", "--vault", &vault, &db_arg]);
    assert_eq!(code, 0, "{stderr}");
    let [age, _] = days_since("2025-01-15T17:30:00Z");
    assert!(
        table.contains("[stray-copy: in Bitwarden ")
            && table.contains(
                " days since it changed (passwordHistory.lastUsedDate), rotation overdue]"
            ),
        "{table}"
    );
    assert!(
        table.contains(&format!("{age} days")) || table.contains(&format!("{} days", age + 1)),
        "{table}"
    );

    let db_path = db.display().to_string();
    let (code, listing, stderr) = crate::common::run_in(&tree, &["inventory", "--db", &db_path]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        listing.contains("\n    in Bitwarden ")
            && listing.contains(" days since it changed (passwordHistory.lastUsedDate)\n"),
        "{listing}"
    );
    let (code, listing, stderr) =
        crate::common::run_in(&tree, &["inventory", "--db", &db_path, "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let listing: Value = serde_json::from_str(&listing).expect("JSON listing");
    let credential = &listing["credentials"][0];
    assert_eq!(credential["vault_source"], "Bitwarden", "{credential:#}");
    assert_eq!(credential["vault_age_from"], HISTORY, "{credential:#}");
    let (code, csv, stderr) =
        crate::common::run_in(&tree, &["inventory", "--db", &db_path, "--format", "csv"]);
    assert_eq!(code, 0, "{stderr}");
    let header = csv.lines().next().unwrap_or_default();
    assert!(
        header.ends_with(",revoked_at,vault_source,vault_age_from,validation,validated_at,validated_identity,confirmed_dead_at"),
        "{header}"
    );
    assert!(
        csv.lines()
            .nth(1)
            .is_some_and(|row| row.ends_with(&format!(",Bitwarden,{HISTORY},,,,"))),
        "{csv}"
    );
}
