//! Issue #16, the last export readers: KeePass 2 XML (history and recycle bin), 1Password
//! Connect/SDK items, a team's nested JSON file, Keeper JSON and CSV, the Proton Pass zip, and
//! `--vault DIRECTORY` with a README beside the exports. Fixtures under fixtures/vault/{keepass,
//! 1password-connect,team-json,keeper,protonpass} (FAKE values only; each directory's README
//! names the tool source or documentation the shape comes from).

use std::path::Path;

use jiff::Timestamp;
use stray::finding::fingerprint;
use stray::vault::{
    VaultEntry, VaultError, VaultFormat, detect, read_export, read_export_skipping,
};

use crate::common::vault_fixture as fixture;
use crate::common::{Tree, days_since, scan_json, verdict};

// ---- the fake values stored in the fixtures (random, in the providers' shapes) ----
const PPZ_GITLAB: &str = "glpat-yUnItBeDBlEpGoPrExkB";
const PPZ_OLD: &str = "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";
const KPX_GITLAB_NEW: &str = "glpat-jDk1X325gTljID6EAyrZ";
const KPX_GITLAB_OLD: &str = "glpat-9IybroeC8xtMwPWdPu8D";
const KPX_GITLAB_OLDER: &str = "glpat-NzEOY7ES3warTQmYP6Yr";
const KPX_NPM: &str = "npm_zfK9cpxwZvuP5gKTbQTobinWB6Jc4tSWjolG";
const KPX_BINNED: &str = "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";
const KPX_PW: &str = "Kp-euPrV7ZFIO7wYlJ2Zn";
const CON_ANT: &str = "sk-ant-api03-7aegBMllxRpIOd2cdHJso3ZKAzskjuhrezUjVnC9Xjh9ffFJPN70XsVNUYAB1fO2-SPNEC6qYJ_VOJKgNQEAiWNhitYBqAA";
const CON_HF: &str = "hf_GOmcI8aNtI0juSJ8CA2uUb8OseoZC2Z1ht";
const CON_ARCH: &str = "npm_1W63uAwOIsy5HquJeLfxR4Unklg3aFNxb1Z0";
const CON_SDK: &str = "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";
const NEST_OPENAI: &str = "sk-proj-Uk8LdrMd0XmANZYANVsxmQVPyRkXSccmVAm1PLblKnHJDNB2T3BlbkFJMglIjKTQiDAJ19JMKJKy2q168Bii7N2IBBKqXmPgcqkWmzb6";
const NEST_STAGING: &str = "glpat-FY99vD29dOHLu4N4TlEY";
const NEST_DB: &str = "postgres://app:2NNuI4LI37YpLvPBhw6k@db.internal:5432/app";
const KJ_PW: &str = "Kj-ZWhR6DrZquS7Bko9lX";
const KJ_GITLAB: &str = "glpat-2hVAWfl0ye4oDmvyBGAx";
const KJ_SSH: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nEONYkgpJdQhZ0fXHKvCXtIR/tNI/Zi1eQJDcbLmGwcxsy8S1NN8wNpBXzaDsjfB4\n8WB/CubW6W1BRHMYirVtm1wCmOFGqxb2fKJA892WhShTaioQxaG5ju36XJw2Q875\n-----END OPENSSH PRIVATE KEY-----";
const KJ_TOTP: &str =
    "otpauth://totp/Keeper:ops?secret=DJCVNUX37UMUJWL42PCLAJ24WZYRTG7A&issuer=Keeper";
const KC_PW: &str = "Kc-gf7ya4DSBAHfMGwKAP";
const KC_NPM: &str = "npm_Lac8kGPkbBTc5gE1XBNgpZoFPw8kPXTO3huP";
const KC_TOTP: &str = "otpauth://totp/Keeper:dev?secret=J224S64J5VMYX5SG7F3UGCDSLBWPTIB6";

const ALL: &[&str] = &[
    PPZ_GITLAB,
    PPZ_OLD,
    KPX_GITLAB_NEW,
    KPX_GITLAB_OLD,
    KPX_GITLAB_OLDER,
    KPX_NPM,
    KPX_BINNED,
    KPX_PW,
    CON_ANT,
    CON_HF,
    CON_ARCH,
    CON_SDK,
    NEST_OPENAI,
    NEST_STAGING,
    NEST_DB,
    KJ_PW,
    KJ_GITLAB,
    KJ_SSH,
    KJ_TOTP,
    KC_PW,
    KC_NPM,
    KC_TOTP,
];

/// The entries of a fixture, after checking it is detected as `format` and that no stored value
/// survives in them.
fn read(rel: &str, format: VaultFormat) -> Vec<VaultEntry> {
    let path = fixture(rel);
    let bytes = std::fs::read(&path).expect("fixture exists");
    assert_eq!(detect(&path, &bytes), Some(format), "{rel}");
    let mut out = Vec::new();
    read_export(&path, None, None, None, &mut out).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let text = format!(
        "{out:?}{}",
        serde_json::to_string(&out).expect("serializes")
    );
    for value in ALL {
        for line in value.lines().filter(|l| l.len() >= 12) {
            assert!(!text.contains(line), "{rel}: a plaintext value survived");
        }
    }
    assert!(out.iter().all(|e| e.format == format), "{rel}");
    out
}

/// The one entry holding `value`.
fn one<'a>(entries: &'a [VaultEntry], value: &str) -> &'a VaultEntry {
    let found: Vec<&VaultEntry> = entries
        .iter()
        .filter(|e| e.fingerprint == fingerprint(value.as_bytes()))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one entry; entries: {:#?}",
        entries.iter().map(|e| &e.meta).collect::<Vec<_>>()
    );
    found[0]
}

fn ts(text: &str) -> Option<Timestamp> {
    Some(text.parse().expect("test timestamp"))
}

/// (field, history, updated, age_from) of the one entry holding `value`.
fn dated(entries: &[VaultEntry], value: &str) -> (String, bool, Option<Timestamp>, Option<String>) {
    let e = one(entries, value);
    (
        e.meta.field.clone(),
        e.meta.history,
        e.meta.updated,
        e.meta.age_from.clone(),
    )
}

fn d(
    field: &str,
    history: bool,
    date: &str,
    from: &str,
) -> (String, bool, Option<Timestamp>, Option<String>) {
    (field.to_string(), history, ts(date), Some(from.to_string()))
}

// ---- KeePass 2 XML ----

#[test]
fn keepass_xml_dates_each_value_from_its_history() {
    let entries = read("keepass/export.xml", VaultFormat::KeepassXml);
    assert_eq!(entries.len(), 6);
    let hist = "History.LastModificationTime";
    // The password changed on 2024-09-10; the later edit (the URL) does not move its age.
    assert_eq!(
        dated(&entries, KPX_GITLAB_NEW),
        d("password", false, "2024-09-10T08:45:00Z", hist)
    );
    // Old passwords are history, dated when the next version replaced them.
    assert_eq!(
        dated(&entries, KPX_GITLAB_OLD),
        d("password", true, "2024-09-10T08:45:00Z", hist)
    );
    assert_eq!(
        dated(&entries, KPX_GITLAB_OLDER),
        d("password", true, "2024-01-15T11:30:00Z", hist)
    );
    assert_eq!(
        dated(&entries, KPX_NPM),
        d("npm token", false, "2024-09-10T08:45:00Z", hist)
    );
    let gitlab = one(&entries, KPX_GITLAB_NEW);
    assert_eq!(gitlab.meta.item, "GitLab deploy token");
    assert_eq!(gitlab.meta.vault.as_deref(), Some("Team/Engineering"));
    assert_eq!(gitlab.meta.tags, ["ci", "deploy"]);
    assert_eq!(gitlab.meta.created, ts("2023-03-01T09:00:00Z"));
    // No history: the entry's own last modification.
    assert_eq!(
        dated(&entries, KPX_PW),
        d(
            "password",
            false,
            "2024-05-05T07:15:00Z",
            "Times.LastModificationTime"
        )
    );
    assert_eq!(one(&entries, KPX_PW).meta.tags, ["smtp", "infra"]);
    // In the group Meta/RecycleBinUUID names: deleted, dated when it moved there.
    assert_eq!(
        dated(&entries, KPX_BINNED),
        d(
            "password",
            true,
            "2025-02-01T09:00:00Z",
            "Times.LocationChanged"
        )
    );
    assert_eq!(
        one(&entries, KPX_BINNED).meta.vault.as_deref(),
        Some("Team/Recycle Bin")
    );
}

#[test]
fn keepass_xml_from_the_kdbx_payload_is_refused_as_encrypted() {
    let tree = Tree::new();
    let xml = std::fs::read_to_string(fixture("keepass/export.xml")).expect("fixture");
    let protected = xml.replace("ProtectInMemory=\"True\"", "Protected=\"True\"");
    let path = tree.write("inner.xml", protected);
    let mut out = Vec::new();
    match read_export(&path, None, None, None, &mut out) {
        Err(VaultError::Encrypted { hint, .. }) => {
            assert!(hint.contains("keepassxc-cli export --format xml"), "{hint}")
        }
        other => panic!("{other:?}"),
    }
    assert!(out.is_empty());
    let truncated = tree.write("cut.xml", &xml[..xml.len() / 2]);
    match read_export(&truncated, None, None, None, &mut out) {
        Err(VaultError::Parse {
            format, message, ..
        }) => {
            assert_eq!(format, "keepass-xml");
            assert!(!ALL.iter().any(|v| message.contains(v)), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

// ---- 1Password Connect and SDK ----

#[test]
fn onepassword_connect_items_and_sdk_items() {
    let item = read(
        "1password-connect/item.json",
        VaultFormat::OnePasswordConnect,
    );
    assert_eq!(item.len(), 4, "credential, notes, a notes line, hostname");
    let key = one(&item, CON_ANT);
    assert_eq!(
        (key.meta.item.as_str(), key.meta.field.as_str()),
        ("Anthropic API", "credential")
    );
    assert_eq!(
        key.meta.vault.as_deref(),
        Some("ftz4pm2xxwmwrsd7rjqn7grzfz")
    );
    assert_eq!(key.meta.tags, ["ai", "prod"]);
    assert_eq!(key.meta.created, ts("2024-03-01T10:00:00Z"));
    assert_eq!(
        dated(&item, CON_ANT),
        d("credential", false, "2025-02-14T16:30:00Z", "updatedAt")
    );
    assert_eq!(one(&item, CON_HF).meta.field, "notes:HF_TOKEN");
    assert!(
        item.iter()
            .all(|e| e.fingerprint != fingerprint(b"ml-platform")),
        "usernames are not stored secrets"
    );

    let items = read(
        "1password-connect/items.json",
        VaultFormat::OnePasswordConnect,
    );
    assert_eq!(items.len(), 5);
    assert_eq!(
        dated(&items, CON_ARCH),
        d("password", true, "2024-11-02T09:15:00Z", "updatedAt"),
        "an ARCHIVED item is not live"
    );

    let sdk = read(
        "1password-connect/sdk-item.json",
        VaultFormat::OnePasswordConnect,
    );
    assert_eq!(sdk.len(), 1);
    assert_eq!(
        dated(&sdk, CON_SDK),
        d("credential", false, "2025-06-30T12:00:00Z", "updatedAt")
    );
    assert_eq!(
        sdk[0].meta.vault.as_deref(),
        Some("ftz4pm2xxwmwrsd7rjqn7grzfz")
    );

    // The vault is only an id there: --vault-name names it.
    let mut named = Vec::new();
    read_export(
        &fixture("1password-connect/item.json"),
        None,
        None,
        Some("Engineering"),
        &mut named,
    )
    .expect("reads");
    assert!(
        named
            .iter()
            .all(|e| e.meta.vault.as_deref() == Some("Engineering"))
    );
}

#[test]
fn op_item_get_output_is_still_the_cli_reader() {
    for rel in [
        "1password/op-item-get.json",
        "1password/op-item-get-all.json",
    ] {
        let path = fixture(rel);
        let bytes = std::fs::read(&path).expect("fixture");
        assert_eq!(
            detect(&path, &bytes),
            Some(VaultFormat::OnePasswordCli),
            "{rel}"
        );
    }
}

// ---- a team's nested JSON ----

#[test]
fn nested_team_json_items_are_dotted_paths() {
    let entries = read("team-json/secrets.json", VaultFormat::Json);
    assert_eq!(
        entries.len(),
        4,
        "three keys and `platform`; the port and flag are settings"
    );
    for (value, item) in [
        (NEST_OPENAI, "prod.openai.api_key"),
        (NEST_DB, "prod.db.url"),
        (NEST_STAGING, "staging.gitlab.token"),
    ] {
        let e = one(&entries, value);
        assert_eq!(
            (e.meta.item.as_str(), e.meta.field.as_str()),
            (item, "value")
        );
        assert_eq!((e.meta.updated, e.meta.vault.as_deref()), (None, None));
    }
    // Doppler's flat download is still Doppler's.
    let path = fixture("doppler/secrets.json");
    let bytes = std::fs::read(&path).expect("fixture");
    assert_eq!(detect(&path, &bytes), Some(VaultFormat::DopplerJson));
    // Arrays mean some tool's records, not a tree of names: not taken for a team file.
    let json = br#"{"prod": {"keys": ["glpat-abcdefghijklmnopqrst"]}}"#;
    assert_eq!(detect(Path::new("x.json"), json), None);
}

// ---- Keeper ----

#[test]
fn keeper_json_export() {
    let entries = read("keeper/export.json", VaultFormat::KeeperJson);
    assert_eq!(entries.len(), 5);
    assert_eq!(
        dated(&entries, KJ_GITLAB),
        d(
            "notes:GITLAB_TOKEN",
            false,
            "2025-01-15T10:00:00Z",
            "last_modified"
        )
    );
    let gitlab = one(&entries, KJ_GITLAB);
    assert_eq!(gitlab.meta.item, "GitLab deploy");
    assert_eq!(gitlab.meta.vault.as_deref(), Some("Platform\\CI"));
    assert_eq!(one(&entries, KJ_PW).meta.field, "password");
    assert_eq!(one(&entries, KJ_TOTP).meta.field, "oneTimeCode");
    let ssh = one(&entries, KJ_SSH);
    assert_eq!(
        (ssh.meta.field.as_str(), ssh.meta.vault.as_deref()),
        ("keyPair.privateKey", Some("Infra\\SSH"))
    );
    assert_eq!(ssh.meta.updated, ts("2024-07-01T00:00:00Z"));
    for not_secret in ["bastion.internal", "ops"] {
        assert!(
            entries
                .iter()
                .all(|e| e.fingerprint != fingerprint(not_secret.as_bytes()))
        );
    }
}

#[test]
fn keeper_csv_only_when_unmistakable_or_forced() {
    let entries = read("keeper/export.csv", VaultFormat::KeeperCsv);
    assert_eq!(
        entries.len(),
        5,
        "two passwords, the notes, a notes line, the TOTP"
    );
    let npm = one(&entries, KC_NPM);
    assert_eq!(
        (npm.meta.item.as_str(), npm.meta.field.as_str()),
        ("npm publish", "notes:NPM_TOKEN")
    );
    assert_eq!(
        npm.meta.vault.as_deref(),
        Some("Platform\\CI"),
        "#edit is a permission"
    );
    assert_eq!(
        (npm.meta.updated, npm.meta.age_from.as_deref()),
        (None, None)
    );
    assert_eq!(one(&entries, KC_TOTP).meta.field, "totp");
    assert_eq!(one(&entries, KC_PW).meta.field, "password");
    assert_eq!(
        one(&entries, "Rtr-Keeper-2024").meta.vault.as_deref(),
        Some("Personal")
    );

    // The same shape without anything only Keeper writes: refused, naming the format to force.
    let tree = Tree::new();
    let plain = format!(
        "CI,npm publish,ci-bot,{KC_PW},https://www.npmjs.com,,Platform\r\nPersonal,Router,admin,Rtr-Keeper-2024,http://192.168.1.1,,\r\n"
    );
    let path = tree.write("headerless.csv", &plain);
    assert_eq!(detect(&path, plain.as_bytes()), None);
    let mut out = Vec::new();
    let error = read_export(&path, None, None, None, &mut out).expect_err("refused");
    assert!(matches!(error, VaultError::HeaderlessCsv { .. }), "{error}");
    let text = error.to_string();
    assert!(text.contains("--vault-format keeper-csv"), "{text}");
    assert!(!text.contains(KC_PW), "{text}");
    read_export(&path, Some(VaultFormat::KeeperCsv), None, None, &mut out).expect("forced");
    assert_eq!(out.len(), 2);
    // A CSV with a header is never Keeper's.
    let other = fixture("unknown/other-tool.csv");
    let bytes = std::fs::read(&other).expect("fixture");
    assert_eq!(detect(&other, &bytes), None);
}

// ---- Proton Pass zip ----

#[test]
fn proton_pass_zip_is_read_not_taken_for_a_1pux() {
    let entries = read("protonpass/export.zip", VaultFormat::ProtonPassJson);
    assert_eq!(entries.len(), 2);
    assert_eq!(
        dated(&entries, PPZ_GITLAB),
        d("Release token", false, "2024-06-01T00:00:00Z", "modifyTime")
    );
    assert_eq!(
        dated(&entries, PPZ_OLD),
        d("password", true, "2024-03-09T16:00:00Z", "modifyTime")
    );
    assert!(
        entries
            .iter()
            .all(|e| e.meta.vault.as_deref() == Some("Platform"))
    );
    // The 1PUX and the Bitwarden zip keep their readers.
    for (rel, format) in [
        ("1password/export.1pux", VaultFormat::OnePassword1pux),
        ("bitwarden/export.zip", VaultFormat::BitwardenJson),
    ] {
        let path = fixture(rel);
        let bytes = std::fs::read(&path).expect("fixture");
        assert_eq!(detect(&path, &bytes), Some(format), "{rel}");
    }
}

// ---- a --vault directory with a README ----

#[test]
fn a_vault_directory_skips_its_readme_but_not_a_broken_export() {
    let tree = Tree::new();
    let exports = tree.path().join("exports");
    std::fs::create_dir(&exports).expect("mkdir");
    for rel in ["keeper/export.json", "protonpass/export.zip"] {
        let name = rel.replace('/', "-");
        std::fs::copy(fixture(rel), exports.join(name)).expect("copy");
    }
    std::fs::write(
        exports.join("README.md"),
        "# Exports\n\nMade on 2025-01-01 by ops.\n",
    )
    .unwrap();
    std::fs::write(
        exports.join("notes.txt"),
        "ask ops before rotating anything\n",
    )
    .unwrap();
    std::fs::write(exports.join(".DS_Store"), b"\0\0\0\x01Bud1\0").unwrap();
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    read_export_skipping(&exports, None, None, None, &mut out, &mut skipped)
        .expect("the README does not fail the directory");
    assert_eq!(out.len(), 7);
    let names: Vec<String> = skipped
        .iter()
        .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [".DS_Store", "README.md", "notes.txt"]);
    assert_eq!(skipped[1].reason, "a .md file, not a vault export");

    // Through a scan: the notice, and the credentials found are matched.
    tree.write("app/.env", format!("GITLAB_TOKEN={KJ_GITLAB}\n"));
    let (code, json, stderr) = scan_json(tree.path(), &["app", "--vault", "exports"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("skipped") && stderr.contains("README.md"),
        "{stderr}"
    );
    assert_eq!(verdict(&json, "app/.env")["status"], "stray-copy");

    // A file that is meant to be an export and cannot be read still fails the directory.
    std::fs::copy(fixture("malformed/bitwarden.json"), exports.join("bw.json")).expect("copy");
    let mut out = Vec::new();
    let error = read_export_skipping(&exports, None, None, None, &mut out, &mut Vec::new())
        .expect_err("a broken export is an error");
    assert!(error.to_string().contains("bw.json"), "{error}");
}

// ---- statuses and ages through a scan ----

#[test]
fn statuses_and_ages_end_to_end() {
    let tree = Tree::new();
    let files = [
        (
            "kp-new.env",
            KPX_GITLAB_NEW,
            "stray-copy",
            Some("2024-09-10T08:45:00Z"),
        ),
        (
            "kp-old.env",
            KPX_GITLAB_OLD,
            "rotated-out",
            Some("2024-09-10T08:45:00Z"),
        ),
        (
            "kp-older.env",
            KPX_GITLAB_OLDER,
            "rotated-out",
            Some("2024-01-15T11:30:00Z"),
        ),
        (
            "kp-npm.env",
            KPX_NPM,
            "stray-copy",
            Some("2024-09-10T08:45:00Z"),
        ),
        (
            "kp-binned.env",
            KPX_BINNED,
            "rotated-out",
            Some("2025-02-01T09:00:00Z"),
        ),
        (
            "connect.env",
            CON_ANT,
            "stray-copy",
            Some("2025-02-14T16:30:00Z"),
        ),
        (
            "connect-archived.env",
            CON_ARCH,
            "rotated-out",
            Some("2024-11-02T09:15:00Z"),
        ),
        (
            "sdk.env",
            CON_SDK,
            "stray-copy",
            Some("2025-06-30T12:00:00Z"),
        ),
        ("team.env", NEST_STAGING, "stray-copy", None),
        (
            "keeper.env",
            KJ_GITLAB,
            "stray-copy",
            Some("2025-01-15T10:00:00Z"),
        ),
        ("keeper-csv.env", KC_NPM, "stray-copy", None),
        (
            "proton.env",
            PPZ_GITLAB,
            "stray-copy",
            Some("2024-06-01T00:00:00Z"),
        ),
        (
            "proton-old.env",
            PPZ_OLD,
            "rotated-out",
            Some("2024-03-09T16:00:00Z"),
        ),
        (
            "unknown.env",
            "glpat-UnvaultedFake7Qx2Vw9",
            "unvaulted",
            None,
        ),
    ];
    for (name, value, _, _) in files {
        tree.write(&format!("app/{name}"), format!("TOKEN={value}\n"));
    }
    let vaults: Vec<String> = [
        "keepass/export.xml",
        "1password-connect/items.json",
        "1password-connect/sdk-item.json",
        "team-json/secrets.json",
        "keeper/export.json",
        "keeper/export.csv",
        "protonpass/export.zip",
    ]
    .iter()
    .map(|rel| fixture(rel).display().to_string())
    .collect();
    let mut args = vec!["app", "--fail-on", "stray-copy"];
    for vault in &vaults {
        args.extend(["--vault", vault.as_str()]);
    }
    let (code, json, stderr) = scan_json(tree.path(), &args);
    assert_eq!(code, 1, "stray copies fail the scan: {stderr}");
    for (name, _, status, since) in files {
        let path = format!("app/{name}");
        let verdict = verdict(&json, &path);
        assert_eq!(verdict["status"], status, "{path}: {verdict:#}");
        match since {
            Some(since) => {
                let age = verdict["age_days"].as_i64().expect("an age");
                assert!(days_since(since).contains(&age), "{path}: {age} days");
            }
            None => assert!(
                verdict["age_days"].is_null(),
                "{path}: no dates in that export"
            ),
        }
    }
}
