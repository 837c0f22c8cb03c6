//! Vault export parsers against real-shaped fixtures (fixtures/vault, FAKE values only): format
//! detection, entry counts, metadata, fingerprints, errors, and that no plaintext survives.

use std::path::{Path, PathBuf};

use base64::Engine;
use jiff::Timestamp;
use stray::finding::fingerprint;
use stray::names::Named;
use stray::vault::{VaultEntry, VaultError, VaultFormat, read_export};

use crate::common::detected;
use crate::common::vault_fixture as fixture;

// ---- the fake values stored in the fixtures (generated with a seeded random generator) ----
const BW_HIST1: &str = "Summer2024!";
const BW_HIST2: &str = "Autumn2023#";
const BW_RECOVERY: &str = "RC-IAXE-JX6Y-QAPI";
const BW_GITHUB_PAT: &str = "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";
const BW_TOTP: &str = "NFASXGTMUQE7FAKGBB6YBCOHLZLTZSFS";
const BW_ORG_ID: &str = "org-WKCWyLJbOzOhh860gFtCiGCZ";
const BW_SSH_PRIVATE: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nd+oGQmQtQIAh1+X694gEIYvdRxWL+1/jakEnmJPE5aH2bsTKqcw+tnB7ou7S9YGd\nhUnw0uswR+9aDrOfyu2Ry0B3c6Y0h8YKd7Z0vjwAOqh7a36JAVcxr7uQbXpEXohd\n1EvrLdIl8FiUIgbyZ9hBMXDla9Jbvf5nHeZaFIliHwwFpMbB5ETOQyf8ah5YnkYA\nI0ilZXxqjesOQjpDeMRBHFb9zOmNW8O7wLgqeaNectTq7fduK2FZE+NiUaXCxajf\nYfxDt8DG1ogk16FHHSOOicBEzvkG/RxbRp6+ZK9XHTtx5qg8UltTYLyIibByBp9O\n-----END OPENSSH PRIVATE KEY-----\n";
const BW_CARD: &str = "4000000000000002";
const BW_ROUTER: &str = "Tr0ub4dor&3";
const BW_SSN: &str = "000-12-3456";
const BW_PASSPORT: &str = "X12345678";
const BW_NOTE_OPENAI: &str = "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";
const BW_NOTE_ANTHROPIC: &str = "sk-ant-api03-GvMcKtL0OFuDCYFjyJh2xfsqKAau7NyL0V-cYkA-ChIxROw1Y7l2DGyYHjUJBgEAYvJpVQxpsDZIC7yE7RhZvqXATIfAhAA";
const BW_NOTE_FULL: &str = "Prod project key, rotate every 90 days\nOPENAI_API_KEY=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\nexport ANTHROPIC_API_KEY=\"sk-ant-api03-GvMcKtL0OFuDCYFjyJh2xfsqKAau7NyL0V-cYkA-ChIxROw1Y7l2DGyYHjUJBgEAYvJpVQxpsDZIC7yE7RhZvqXATIfAhAA\"";
const BWORG_RUNNER: &str = "glrt-61eaQZv4kQ9JB8I4xZUM";
const BWORG_GITLAB: &str = "glpat-eKVbt0CvPu1Gc_icoavy";
const BWORG_AWS: &str = "Winter2025$ops";
const BWCSV_SLACK: &str = "xoxb-470138862442-7500292988869-yIGf7MuhXrIgW0uYMq2ts5FD";
const BWCSV_SIGNING: &str = "5dc1b5e4392100ac1a248a9968d81b5c";
const BWCSV_DB_URL: &str = "postgres://app:iCx7XXxlgMRhf5XhnRct@db.internal:5432/app";
const BWCSV_SENTRY: &str =
    "https://f4724750b5d8266e57dba63f806682cd@o934140.ingest.sentry.io/8526491";
const BWCSV_NOTES: &str = "DATABASE_URL=postgres://app:iCx7XXxlgMRhf5XhnRct@db.internal:5432/app\nDEBUG=true\nSENTRY_DSN=https://f4724750b5d8266e57dba63f806682cd@o934140.ingest.sentry.io/8526491";
const BWCSV_WIFI_NOTES: &str = "guest network is separate\nask Sam for the printer PIN";
const BWCSV_SLACK_PW: &str = "Correct-Horse-9";
const BWCSV_TOTP: &str = "U4VRQA3YAV7PSDC5AWXINS333SN3KOZH";
const BWCSV_WIFI: &str = "Summer2024!wifi";
const BWORGCSV_SEED: &str = "LTXLE4P7YL4Z2SXL";
const BWORGCSV_NPM: &str = "npm_XuRHfR1bE26ZarMeyH4ZbxRn1yJxd2XM8DSY";
const OP_GITHUB: &str = "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";
const OP_GITHUB_HIST: &str = "Spring2023!";
const OP_TOTP: &str =
    "otpauth://totp/GitHub:octo-dev?secret=4UJRWTSYCHBJENR4L2QLKJWFSUDTFOS4&issuer=GitHub";
const OP_OPENAI: &str = "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";
const OP_OPENAI_USER: &str = "svc-openai";
const OP_OPENAI_HOST: &str = "api.openai.com";
const OP_OPENAI_ORG: &str = "org-anhNlr1ZmSBLHDvCg46gQBh4";
const OP_OPENAI_NOTES: &str = "Rotate quarterly.\nOPENAI_ORG_ID=org-anhNlr1ZmSBLHDvCg46gQBh4";
const OP_DB_ADMIN: &str = "Pg-rNGjup5AcioY1qlld2ZW7";
const OP_WIFI: &str = "Guest-Wifi-2024";
const OP_SSH: &str = "-----BEGIN PRIVATE KEY-----\neKEsTqwTVc1Dgpr68gjqNXdGXrgB/XwQDT3diRoxKX+mPVBeOjrYn6BCoO90vwLl\nTcLYvOa2zVC+z4oJ5S+SS7+ylU/rgywm1Q8Uhm0heLk1oN7yXkidsZsDqGNowgnj\nk7TY/X5Wn5yhFuOAx8XAgB17hG82Ns4vYhVyuYjdb9zMyPh7vbFp5tN3oyV68ZHv\n-----END PRIVATE KEY-----\n";
const OP_HF: &str = "hf_08GGvzDieX1dFNL9I9FzDnRHIk9oEffdvl";
const OP_ARCHIVED_NOTES: &str = "old laptop token\nHF_TOKEN=hf_08GGvzDieX1dFNL9I9FzDnRHIk9oEffdvl";
const OP_1PIF_PW: &str = "Legacy-Pif-2017";
const OP_1PIF_DB: &str = "Pif-Xxi6KExSC6LxppO8BNfS";
const OP_1PIF_OLD: &str = "Winter2016!";
const OP_1PIF_TRASHED: &str = "Trash-hzjFUPHuBnTYH6f9LD";
const OP_DOC_GITLAB: &str = "glpat-KxisKsk3ujuxDSTw7VmO";
const OP_DOC_DB: &str = "postgres://shop:DUyMEkLJIRkHLIogT7tm@db.internal:5432/shop";
const OP_DOC_ENV: &str = "# shop-api production settings\nNODE_ENV=production\nGITLAB_TOKEN=glpat-KxisKsk3ujuxDSTw7VmO\nDATABASE_URL=\"postgres://shop:DUyMEkLJIRkHLIogT7tm@db.internal:5432/shop\"\n";
const OPCSV_ARCHIVED_NPM: &str = "npm_AWiGri7oqtXAecpcWeOyXaXG3vkfIBclFB4Y";
const OPCLI_GITHUB: &str = "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";
const OPCLI_GITHUB_OLD: &str = "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";
const OPCLI_LOGIN_PW: &str = "Vq7-14RnkrizjZcYb3XV";
const OPCLI_WEBHOOK: &str = "whsec_JS0r1A0RhIjRRXbjHdvSLGnLoJeevYdD";
const OPCLI_RUNNER: &str = "glrt-vUmKuJQGyf9r6E8duUfL";
const OPCSV_SENDGRID: &str =
    "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";
const OPCSV_NOTES: &str = "Mail relay for the shop\nSENDGRID_API_KEY=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";
const OPCSV_PW: &str = "Correct-Horse-7";
const OPCSV_OTP: &str =
    "otpauth://totp/SendGrid:ops?secret=WRQ2RV5OX3JCFOYYQ5EKDO35FVPOKCQR&issuer=SendGrid";
const OPCSV_LAPTOP: &str = "Tr0ub4dor&3!";
const HV_OPENAI: &str = "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";
const HV_DB: &str = "Pg-OHI2oHdT1e3FrT7UmgYYxai9og04V";
const HV_TOKEN: &str = "hvs.MBa2DyfprF52icv3I8wlfCtx";
const HV_WEBHOOK: &str = "whsec_AghsynIaoMPe4cC10oxB5TdbWMl94PYl";
const HV_TLS_KEY: &str = "-----BEGIN EC PRIVATE KEY-----\naLULC231MDTxn4a+Bo9opBsw38jdNdHvUt8JiNCJVa1hwKY+Tu7HSyQaeqPeiM2p\npqRVol+uGZ6IcZl079nTIJksQpwCq4axPfggV9oZK/gtv46PMlnUEDJMjBxTQ3m8\nCmf7tTW+51C5AOx8VajeObMqcr0qxicwS1obGU/2+LAR9N01Z04hpucYFX4YylkW\n-----END EC PRIVATE KEY-----\n";
const AWS_OPENAI: &str = "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";
const AWS_ORG: &str = "org-10HApqQPUnirVKp1NpzhQFU9";
const AWS_SECRET_STRING: &str = "{\"OPENAI_API_KEY\": \"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\", \"org\": \"org-10HApqQPUnirVKp1NpzhQFU9\", \"retries\": 3}";
const AWS_DB_PW: &str = "Spring2024!db";
const AWS_DB_STRING: &str = "{\"username\": \"app\", \"password\": \"Spring2024!db\", \"host\": \"db.internal\", \"port\": 5432}";
const AWS_BINARY_B64: &str = "dbznkozCKxfYcpfZEGjycODoZDiWEwG3bmqvWxeOHnA=";
const AWS_PREV: &str = "Autumn2023#-db";
const HV_NESTED: &str = "glpat-HvNestedFake2Pw8Kd4Q";
const HV_META_DB: &str = "Pg-HvMetaFake7Ls2Qw9Ee4Rt6Yu1Ii3Oo";
const AWS_ACCOUNT: &str = "919967672383";
const KP_GITLAB: &str = "glpat-wrE6ZVQtQ5rEaNh5DYnL";
const KP_RUNNER: &str = "glrt-nVPoXA-7Y4kkMurnG_Rd";
const KP_NOTES: &str = "CI token for runners\nGITLAB_RUNNER_TOKEN=glrt-nVPoXA-7Y4kkMurnG_Rd";
const KP_TOTP: &str = "otpauth://totp/GitLab:dev?secret=N5EHLKY7KZYURCB6OF752KJEVS3G2SE6&period=30&digits=6&issuer=GitLab";
const KP_ROOT_NOTES: &str = "console only\nno ssh keys on this box";
const KP_BANK: &str = "Summer2024!bank";
const KP_ROOT: &str = "Hunter2-Hunter2";
const KP_LIVE: &str = "glpat-KpLiveFake7Qx2Vw9Zr4";
const KP_BINNED: &str = "glpat-KpBinnedFake3Hs8Lm5Y";
const KP_BINNED_RUNNER: &str = "glrt-KpBinnedRunnerFake6D";
const INF_ANTHROPIC: &str = "sk-ant-api03-WavYEoPrG57cUuHYcKVMuhu0hVSA2kKyQlAUDpjZg5luRRNtHdhIZ5irCr7kO46NH7zkMi3WvVg4Xi_pPS0loqpdX7SpLAA";
const INF_DB: &str = "postgres://api:WbPOyw25BNQgVWLeOaSV@db:5432/api";
const INF_JWT: &str = "BiNOo5JOpSr9zuPq5E1J0ExWdne6vJM01HMdYcbjpAAaPUjl";
const INF_WORKSPACE: &str = "da3b8b51-e84c-4f32-a36c-7d2dd34e7e72";
const GCP_VALUE: &str = "gcp-udqrTc8UMo?7F?WcTEL!50xHD8cGcL8c4IhL\n";
const AZ_VALUE: &str = "DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=lCM2mxuzBzTxrwMrjYufCG1qYYOZRnVrqfMvI/EJxqkHljHhc9a65I5KifjBxtbKWu0LzJdXQTBFK8Q8z3AHUQ==;EndpointSuffix=core.windows.net";
const BAD_BW_PW: &str = "Fine-Value-1";
const BAD_BWCSV_PW: &str = "Fine-Value-2";
const BAD_OPCSV_PW: &str = "Fine-Value-3";
const BAD_KP_PW: &str = "Fine-Value-4";
const BAD_INF: &str = "Fine-Value-5";
const BAD_OPCLI_PW: &str = "Fine-Value-6";
const BAD_PIF_PW: &str = "Fine-Value-7";

/// Every fake value above that the parsers should turn into an entry.
const PLAINTEXTS: &[&str] = &[
    BW_HIST1,
    BW_HIST2,
    KP_LIVE,
    HV_NESTED,
    HV_META_DB,
    KP_BINNED,
    KP_BINNED_RUNNER,
    BW_RECOVERY,
    BW_GITHUB_PAT,
    BW_TOTP,
    BW_ORG_ID,
    BW_SSH_PRIVATE,
    BW_CARD,
    BW_ROUTER,
    BW_SSN,
    BW_PASSPORT,
    BW_NOTE_OPENAI,
    BW_NOTE_ANTHROPIC,
    BW_NOTE_FULL,
    BWORG_RUNNER,
    BWORG_GITLAB,
    BWORG_AWS,
    BWCSV_SLACK,
    BWCSV_SIGNING,
    BWCSV_DB_URL,
    BWCSV_SENTRY,
    BWCSV_NOTES,
    BWCSV_WIFI_NOTES,
    BWCSV_SLACK_PW,
    BWCSV_TOTP,
    BWCSV_WIFI,
    BWORGCSV_SEED,
    BWORGCSV_NPM,
    OP_GITHUB,
    OP_GITHUB_HIST,
    OP_TOTP,
    OP_OPENAI,
    OP_OPENAI_USER,
    OP_OPENAI_HOST,
    OP_OPENAI_ORG,
    OP_OPENAI_NOTES,
    OP_DB_ADMIN,
    OP_WIFI,
    OP_SSH,
    OP_HF,
    OP_ARCHIVED_NOTES,
    OP_1PIF_PW,
    OP_1PIF_DB,
    OP_1PIF_OLD,
    OP_1PIF_TRASHED,
    OP_DOC_GITLAB,
    OP_DOC_DB,
    OP_DOC_ENV,
    OPCSV_ARCHIVED_NPM,
    OPCLI_GITHUB,
    OPCLI_GITHUB_OLD,
    OPCLI_LOGIN_PW,
    OPCLI_WEBHOOK,
    OPCLI_RUNNER,
    OPCSV_SENDGRID,
    OPCSV_NOTES,
    OPCSV_PW,
    OPCSV_OTP,
    OPCSV_LAPTOP,
    HV_OPENAI,
    HV_DB,
    HV_TOKEN,
    HV_WEBHOOK,
    HV_TLS_KEY,
    AWS_OPENAI,
    AWS_ORG,
    AWS_SECRET_STRING,
    AWS_DB_PW,
    AWS_DB_STRING,
    AWS_PREV,
    KP_GITLAB,
    KP_RUNNER,
    KP_NOTES,
    KP_TOTP,
    KP_ROOT_NOTES,
    KP_BANK,
    KP_ROOT,
    INF_ANTHROPIC,
    INF_DB,
    INF_JWT,
    GCP_VALUE,
    AZ_VALUE,
    CH_GITHUB,
    CH_STRIPE,
    CH_NOTE,
    FF_GITLAB,
    FF_INTRANET,
    LP_NPM,
    LP_RUNNER,
    LP_NOTE,
    DL_GITLAB,
    DL_NPM,
    DL_NOTE,
    DL_ROUTER,
    PP_PASSWORD,
    PP_DEPLOY,
    PP_SLACK,
    PP_NOTE,
    PP_TRASHED,
    PPCSV_PASSWORD,
    PPCSV_GITLAB,
];

fn read(rel: &str) -> Vec<VaultEntry> {
    let mut out = Vec::new();
    read_export(&fixture(rel), None, None, None, &mut out).unwrap_or_else(|e| panic!("{rel}: {e}"));
    out
}

fn read_err(rel: &str) -> VaultError {
    let mut out = Vec::new();
    let error = read_export(&fixture(rel), None, None, None, &mut out)
        .expect_err(&format!("{rel} should not parse"));
    assert!(
        out.is_empty(),
        "{rel}: a failed file must not leave entries behind"
    );
    error
}

fn ts(text: &str) -> Option<Timestamp> {
    Some(text.parse().expect("test timestamp"))
}

fn secs(second: i64) -> Option<Timestamp> {
    Some(Timestamp::from_second(second).expect("test timestamp"))
}

/// The entries holding `value` (by exact fingerprint).
fn all_for<'a>(entries: &'a [VaultEntry], value: &[u8]) -> Vec<&'a VaultEntry> {
    let fp = fingerprint(value);
    entries.iter().filter(|e| e.fingerprint == fp).collect()
}

/// The one entry holding `value`.
fn one<'a>(entries: &'a [VaultEntry], value: &str) -> &'a VaultEntry {
    let found = all_for(entries, value.as_bytes());
    assert_eq!(
        found.len(),
        1,
        "expected exactly one entry for a value; entries: {:#?}",
        entries.iter().map(|e| &e.meta).collect::<Vec<_>>()
    );
    found[0]
}

fn absent(entries: &[VaultEntry], value: &str) {
    assert!(
        all_for(entries, value.as_bytes()).is_empty(),
        "a skipped value became an entry"
    );
}

fn vault(entry: &VaultEntry) -> Option<&str> {
    entry.meta.vault.as_deref()
}

// ---- Bitwarden ----

#[test]
fn bitwarden_json_personal() {
    assert_eq!(
        detected("bitwarden/personal.json"),
        Some(VaultFormat::BitwardenJson)
    );
    let entries = read("bitwarden/personal.json");
    assert_eq!(entries.len(), 14);
    assert!(
        entries
            .iter()
            .all(|e| e.format == VaultFormat::BitwardenJson)
    );

    let pat = one(&entries, BW_GITHUB_PAT);
    assert_eq!(
        (pat.meta.item.as_str(), pat.meta.field.as_str()),
        ("GitHub", "password")
    );
    assert_eq!(vault(pat), Some("Work"));
    assert_eq!(pat.meta.created, ts("2022-06-30T08:00:01Z"));
    // The password last changed when the newest history entry went, not at the item's last
    // edit (revisionDate 2024-04-02T14:21:07.113Z).
    assert_eq!(pat.meta.updated, ts("2024-02-11T09:30:00Z"));
    assert_eq!(
        pat.meta.age_from.as_deref(),
        Some("passwordHistory.lastUsedDate")
    );
    assert!(!pat.meta.history);
    assert!(!pat.guessable, "a GitHub token is machine-generated");
    assert_eq!(pat.trimmed_fingerprint, None);

    for (old, used) in [
        (BW_HIST1, "2024-02-11T09:30:00Z"),
        (BW_HIST2, "2023-09-01T18:05:12.345Z"),
    ] {
        let old = one(&entries, old);
        assert!(old.meta.history);
        assert!(old.guessable, "a human password is guessable");
        assert_eq!(
            (old.meta.item.as_str(), old.meta.field.as_str()),
            ("GitHub", "password")
        );
        assert_eq!(
            old.meta.updated,
            ts(used),
            "history entries date from when they were replaced"
        );
        assert_eq!(old.meta.created, ts("2022-06-30T08:00:01Z"));
    }
    assert_eq!(one(&entries, BW_TOTP).meta.field, "totp");
    let hidden = one(&entries, BW_RECOVERY);
    assert_eq!(
        (hidden.meta.field.as_str(), vault(hidden)),
        ("recovery code", Some("Work"))
    );

    let note = one(&entries, BW_NOTE_OPENAI);
    assert_eq!(note.meta.item, "OpenAI keys");
    assert_eq!(note.meta.field, "notes:OPENAI_API_KEY");
    assert_eq!(vault(note), Some("Work"));
    assert_eq!(note.meta.created, ts("2024-01-20T11:11:11Z"));
    // `export NAME="…"`: the quotes are not part of the value.
    assert_eq!(
        one(&entries, BW_NOTE_ANTHROPIC).meta.field,
        "notes:ANTHROPIC_API_KEY"
    );
    assert_eq!(one(&entries, BW_NOTE_FULL).meta.field, "notes");
    assert_eq!(one(&entries, BW_ORG_ID).meta.field, "org id");

    let ssh = one(&entries, BW_SSH_PRIVATE);
    assert_eq!(
        (ssh.meta.item.as_str(), ssh.meta.field.as_str()),
        ("deploy key", "sshKey.privateKey")
    );
    assert_eq!(vault(ssh), None, "no folder");
    assert_eq!(
        ssh.trimmed_fingerprint,
        Some(fingerprint(BW_SSH_PRIVATE.trim().as_bytes()))
    );

    let card = one(&entries, BW_CARD);
    assert_eq!(
        (card.meta.field.as_str(), vault(card)),
        ("card.number", Some("Personal"))
    );
    absent(&entries, "123"); // the CVV is too short to be a credential
    assert_eq!(one(&entries, BW_ROUTER).meta.item, "Router admin");
    assert_eq!(one(&entries, BW_SSN).meta.field, "identity.ssn");
    assert_eq!(
        one(&entries, BW_PASSPORT).meta.field,
        "identity.passportNumber"
    );
    absent(&entries, "octo-dev"); // usernames are not stored values
}

#[test]
fn bitwarden_json_organization_uses_collection_names() {
    assert_eq!(
        detected("bitwarden/org.json"),
        Some(VaultFormat::BitwardenJson)
    );
    let entries = read("bitwarden/org.json");
    assert_eq!(entries.len(), 3);
    let gitlab = one(&entries, BWORG_GITLAB);
    assert_eq!(vault(gitlab), Some("Engineering, Ops"));
    assert_eq!(gitlab.meta.item, "GitLab CI");
    assert_eq!(gitlab.meta.updated, ts("2024-06-01T12:00:00Z"));
    assert_eq!(one(&entries, BWORG_RUNNER).meta.field, "runner token");
    assert_eq!(vault(one(&entries, BWORG_AWS)), Some("Ops"));
}

#[test]
fn bitwarden_encrypted_exports_ask_for_an_unencrypted_one() {
    for rel in [
        "bitwarden/encrypted.json",
        "bitwarden/encrypted-account.json",
    ] {
        assert_eq!(detected(rel), Some(VaultFormat::BitwardenJson), "{rel}");
        match read_err(rel) {
            VaultError::Encrypted { path, hint } => {
                assert_eq!(path, fixture(rel));
                assert!(hint.contains("bw export --format json"), "{hint}");
                assert!(hint.contains("stray vault fingerprint"), "{hint}");
            }
            other => panic!("{rel}: expected Encrypted, got {other}"),
        }
    }
}

#[test]
fn bitwarden_csv_personal() {
    assert_eq!(
        detected("bitwarden/personal.csv"),
        Some(VaultFormat::BitwardenCsv)
    );
    let entries = read("bitwarden/personal.csv");
    assert_eq!(entries.len(), 9);
    let slack = one(&entries, BWCSV_SLACK);
    assert_eq!(
        (slack.meta.item.as_str(), slack.meta.field.as_str()),
        ("Slack bot", "bot token")
    );
    assert_eq!(vault(slack), Some("Work"));
    assert_eq!((slack.meta.created, slack.meta.updated), (None, None));
    assert_eq!(one(&entries, BWCSV_SIGNING).meta.field, "signing secret");
    assert_eq!(one(&entries, BWCSV_SLACK_PW).meta.field, "password");
    assert_eq!(one(&entries, BWCSV_TOTP).meta.field, "totp");
    // A notes cell with embedded newlines: whole, and line by line.
    let notes = one(&entries, BWCSV_NOTES);
    assert_eq!((notes.meta.item.as_str(), vault(notes)), ("Env vars", None));
    assert_eq!(one(&entries, BWCSV_DB_URL).meta.field, "notes:DATABASE_URL");
    assert_eq!(one(&entries, BWCSV_SENTRY).meta.field, "notes:SENTRY_DSN");
    assert_eq!(vault(one(&entries, BWCSV_WIFI)), Some("Personal"));
    assert_eq!(one(&entries, BWCSV_WIFI_NOTES).meta.field, "notes");
}

#[test]
fn bitwarden_csv_organization() {
    assert_eq!(
        detected("bitwarden/org.csv"),
        Some(VaultFormat::BitwardenCsv)
    );
    let entries = read("bitwarden/org.csv");
    assert_eq!(entries.len(), 2);
    let npm = one(&entries, BWORGCSV_NPM);
    assert_eq!(
        (npm.meta.item.as_str(), vault(npm)),
        ("npm publish", Some("Engineering, Ops"))
    );
    assert_eq!(one(&entries, BWORGCSV_SEED).meta.field, "otp seed");
}

// ---- 1Password ----

#[test]
fn onepassword_1pux() {
    assert_eq!(
        detected("1password/export.1pux"),
        Some(VaultFormat::OnePassword1pux)
    );
    let entries = read("1password/export.1pux");
    assert_eq!(entries.len(), 18);

    let github = one(&entries, OP_GITHUB);
    assert_eq!(
        (github.meta.item.as_str(), github.meta.field.as_str()),
        ("GitHub", "password")
    );
    assert_eq!(vault(github), Some("Private"));
    assert_eq!(github.meta.tags, ["dev", "github"]);
    assert_eq!(github.meta.created, secs(1656576001));
    assert_eq!(github.meta.updated, secs(1712067667));
    assert!(!github.meta.history);
    let old = one(&entries, OP_GITHUB_HIST);
    assert!(old.meta.history);
    assert_eq!(old.meta.updated, secs(1704067200));
    assert_eq!(one(&entries, OP_TOTP).meta.field, "one-time password");
    absent(&entries, "octo-dev");

    let openai = one(&entries, OP_OPENAI);
    assert_eq!(
        (openai.meta.item.as_str(), openai.meta.field.as_str()),
        ("OpenAI prod", "credential")
    );
    assert_eq!(openai.meta.tags, ["ai"]);
    assert!(!openai.guessable);
    assert_eq!(one(&entries, OP_OPENAI_USER).meta.field, "username");
    assert_eq!(one(&entries, OP_OPENAI_HOST).meta.field, "hostname");
    assert_eq!(one(&entries, OP_OPENAI_NOTES).meta.field, "notes");
    assert_eq!(
        one(&entries, OP_OPENAI_ORG).meta.field,
        "notes:OPENAI_ORG_ID"
    );
    absent(&entries, "bearer"); // a menu choice
    absent(&entries, "dba@example.com"); // an email field

    let db = one(&entries, OP_DB_ADMIN);
    assert_eq!(
        (db.meta.field.as_str(), vault(db)),
        ("console password", Some("Shared Infra"))
    );
    assert_eq!(db.meta.tags, ["infra", "db"]);
    assert_eq!(one(&entries, "db.internal").meta.field, "URL"); // a string field
    absent(&entries, "admin"); // too short
    assert_eq!(one(&entries, OP_WIFI).meta.field, "password");
    let ssh = one(&entries, OP_SSH);
    assert_eq!(
        (ssh.meta.item.as_str(), ssh.meta.field.as_str()),
        ("deploy-bot", "private key")
    );
    assert_eq!(
        ssh.trimmed_fingerprint,
        Some(fingerprint(OP_SSH.trim().as_bytes()))
    );
    let archived = one(&entries, OP_HF);
    assert_eq!(
        (archived.meta.item.as_str(), archived.meta.field.as_str()),
        ("old laptop", "notes:HF_TOKEN")
    );
    assert!(archived.meta.history, "an archived item is not live");
    assert!(one(&entries, OP_ARCHIVED_NOTES).meta.history);
    assert!(!one(&entries, OP_DB_ADMIN).meta.history);

    // The document item: a stored .env.production, read as a dotenv.
    let token = one(&entries, OP_DOC_GITLAB);
    assert_eq!(
        (token.meta.item.as_str(), token.meta.field.as_str()),
        ("shop-api .env.production", ".env.production:GITLAB_TOKEN")
    );
    assert_eq!(vault(token), Some("Shared Infra"));
    assert_eq!(token.meta.tags, ["prod"]);
    assert_eq!(token.meta.updated, secs(1717200000));
    assert!(!token.meta.history);
    assert_eq!(
        one(&entries, OP_DOC_DB).meta.field,
        ".env.production:DATABASE_URL"
    );
    assert_eq!(one(&entries, OP_DOC_ENV).meta.field, ".env.production");
}

#[test]
fn onepassword_1pif() {
    assert_eq!(
        detected("1password/legacy.1pif"),
        Some(VaultFormat::OnePassword1pif)
    );
    let entries = read("1password/legacy.1pif");
    assert_eq!(entries.len(), 6);
    let login = one(&entries, OP_1PIF_PW);
    assert_eq!(
        (login.meta.item.as_str(), login.meta.field.as_str()),
        ("Example", "password")
    );
    assert_eq!(login.meta.updated, secs(1500000000));
    assert_eq!(login.format, VaultFormat::OnePassword1pif);
    absent(&entries, "jane");
    let db = one(&entries, OP_1PIF_DB);
    assert_eq!(
        (db.meta.item.as_str(), db.meta.field.as_str()),
        ("legacy db", "admin password")
    );
    assert_eq!(db.meta.tags, ["infra", "legacy"]);
    assert_eq!(db.meta.created, secs(1490000000));
    absent(&entries, "mysql"); // a menu choice
    let old = one(&entries, OP_1PIF_OLD);
    assert!(old.meta.history);
    assert_eq!(old.meta.updated, secs(1505000000));
    let trashed = one(&entries, OP_1PIF_TRASHED);
    assert_eq!(trashed.meta.item, "retired router");
    assert!(trashed.meta.history, "a trashed item is not live");
}

#[test]
fn onepassword_cli_item_get() {
    assert_eq!(
        detected("1password/op-item-get.json"),
        Some(VaultFormat::OnePasswordCli)
    );
    let entries = read("1password/op-item-get.json");
    assert_eq!(entries.len(), 3);
    let token = one(&entries, OPCLI_GITHUB);
    assert_eq!(
        (token.meta.item.as_str(), token.meta.field.as_str()),
        ("GitHub deploy token", "credential")
    );
    assert_eq!(vault(token), Some("Engineering"));
    assert_eq!(token.meta.tags, ["ci", "github"]);
    assert_eq!(token.meta.created, ts("2023-09-01T08:00:00Z"));
    assert_eq!(token.meta.updated, ts("2024-02-15T10:30:00Z"));
    assert!(!token.meta.history);
    let old = one(&entries, OPCLI_GITHUB_OLD);
    assert_eq!(old.meta.field, "credential");
    assert!(old.meta.history);
    assert_eq!(one(&entries, "deploy-bot").meta.field, "username");
    absent(&entries, "bearer"); // a menu choice
    absent(&entries, "1767225600"); // a date
}

#[test]
fn onepassword_cli_items_one_after_another() {
    assert_eq!(
        detected("1password/op-item-get-all.json"),
        Some(VaultFormat::OnePasswordCli)
    );
    let entries = read("1password/op-item-get-all.json");
    assert_eq!(entries.len(), 4);
    let login = one(&entries, OPCLI_LOGIN_PW);
    assert_eq!(
        (login.meta.item.as_str(), login.meta.field.as_str()),
        ("Stripe webhook console", "password")
    );
    assert_eq!(login.meta.updated, ts("2024-05-20T12:00:00Z"));
    absent(&entries, "ops@example.com"); // the username
    assert_eq!(
        one(&entries, OPCLI_WEBHOOK).meta.field,
        "notes:STRIPE_WEBHOOK_SECRET"
    );
    let runner = one(&entries, OPCLI_RUNNER);
    assert_eq!(runner.meta.item, "old GitLab runner");
    assert!(runner.meta.history, "an archived item is not live");
    assert_eq!(runner.meta.updated, ts("2023-06-30T16:00:00Z"));
}

#[test]
fn onepassword_csv() {
    assert_eq!(
        detected("1password/export.csv"),
        Some(VaultFormat::OnePasswordCsv)
    );
    let entries = read("1password/export.csv");
    assert_eq!(entries.len(), 6);
    let password = one(&entries, OPCSV_PW);
    assert_eq!(
        (password.meta.item.as_str(), password.meta.field.as_str()),
        ("SendGrid", "password")
    );
    assert_eq!(password.meta.tags, ["email", "ops"]);
    assert_eq!(one(&entries, OPCSV_OTP).meta.field, "totp");
    assert_eq!(
        one(&entries, OPCSV_SENDGRID).meta.field,
        "notes:SENDGRID_API_KEY"
    );
    assert_eq!(one(&entries, OPCSV_NOTES).meta.field, "notes");
    let laptop = one(&entries, OPCSV_LAPTOP);
    assert_eq!(
        (laptop.meta.item.as_str(), laptop.meta.tags.as_slice()),
        ("Laptop", &["personal".to_string()][..])
    );
    assert!(!laptop.meta.history);
    let archived = one(&entries, OPCSV_ARCHIVED_NPM);
    assert_eq!(
        (archived.meta.item.as_str(), archived.meta.field.as_str()),
        ("Old CI npm token", "password")
    );
    assert!(
        archived.meta.history,
        "the Archived column marks it not live"
    );
}

// ---- HashiCorp Vault ----

#[test]
fn hashicorp_kv_v2() {
    assert_eq!(
        detected("hashicorp/prod-api.json"),
        Some(VaultFormat::HashicorpVault)
    );
    let entries = read("hashicorp/prod-api.json");
    assert_eq!(
        entries.len(),
        2,
        "PORT is too short and replicas is a number"
    );
    let key = one(&entries, HV_OPENAI);
    assert_eq!(key.meta.field, "OPENAI_API_KEY");
    assert_eq!(
        key.meta.item, "prod-api",
        "the path is not in `vault kv get` output: the file name stands in"
    );
    assert_eq!(key.meta.created, ts("2024-05-01T10:00:00.123456789Z"));
    assert_eq!(key.meta.updated, ts("2024-05-01T10:00:00.123456789Z"));
    assert_eq!(key.meta.owner.as_deref(), Some("platform-team"));
    assert_eq!(key.meta.tags, ["env=prod", "owner=platform-team"]);
    assert_eq!(one(&entries, HV_DB).meta.field, "DB_PASSWORD");
}

#[test]
fn hashicorp_kv_v1() {
    assert_eq!(
        detected("hashicorp/legacy-app.json"),
        Some(VaultFormat::HashicorpVault)
    );
    let entries = read("hashicorp/legacy-app.json");
    assert_eq!(entries.len(), 2);
    let token = one(&entries, HV_TOKEN);
    assert_eq!(token.meta.field, "api_token");
    assert_eq!(
        (token.meta.created, token.meta.owner.as_deref()),
        (None, None)
    );
    assert_eq!(one(&entries, HV_WEBHOOK).meta.field, "webhook_secret");
}

#[test]
fn hashicorp_value_with_trailing_newline_has_a_trimmed_fingerprint() {
    let entries = read("hashicorp/tls.json");
    assert_eq!(entries.len(), 2);
    let key = one(&entries, HV_TLS_KEY);
    assert_eq!(key.meta.field, "tls.key");
    assert_eq!(key.meta.created, ts("2023-11-20T08:30:00Z"));
    assert_eq!(
        key.trimmed_fingerprint,
        Some(fingerprint(HV_TLS_KEY.trim().as_bytes()))
    );
    assert!(
        key.meta.tags.is_empty() && key.meta.owner.is_none(),
        "custom_metadata is null"
    );
}

#[test]
fn hashicorp_directory_reads_every_file() {
    let dir = fixture("hashicorp");
    let files = std::fs::read_dir(&dir).expect("fixture dir").count();
    assert_eq!(files, 3);
    let mut entries = Vec::new();
    read_export(&dir, None, None, None, &mut entries).expect("every file parses");
    assert_eq!(entries.len(), 6);
    for value in [HV_OPENAI, HV_DB, HV_TOKEN, HV_WEBHOOK, HV_TLS_KEY] {
        one(&entries, value);
    }
    assert!(
        entries
            .iter()
            .all(|e| e.format == VaultFormat::HashicorpVault)
    );
}

#[test]
fn hashicorp_metadata_get_dates_kv_get_and_nested_values_are_read() {
    let values = read("hashicorp-metadata/billing.json");
    let nested = one(&values, HV_NESTED);
    assert_eq!(nested.meta.field, "stripe.api.gitlab_token");
    assert_eq!(nested.meta.item, "billing");
    absent(&values, "4");
    let records = read("hashicorp-metadata/billing.metadata.json");
    assert!(
        records.len() == 1 && records[0].fingerprint.is_empty(),
        "metadata only: {records:?}"
    );
    let mut entries = values;
    entries.extend(records);
    let index = stray::vault::VaultIndex::new(entries);
    assert_eq!(index.len(), 3, "the record is dropped once joined");
    for value in [HV_NESTED, HV_META_DB] {
        let entry = one(index.entries(), value);
        assert_eq!(entry.meta.updated, ts("2024-02-10T09:30:00.123456789Z"));
        assert_eq!(
            entry.meta.age_from.as_deref(),
            Some("versions.4.created_time")
        );
        assert_eq!(entry.meta.owner.as_deref(), Some("payments-team"));
        assert_eq!(entry.meta.tags, ["owner=payments-team", "rotation=manual"]);
    }
}

// ---- AWS Secrets Manager ----

#[test]
fn aws_get_secret_value_with_json_secret_string() {
    assert_eq!(
        detected("aws/get-secret-value.json"),
        Some(VaultFormat::AwsSecretsManager)
    );
    let entries = read("aws/get-secret-value.json");
    assert_eq!(
        entries.len(),
        3,
        "the whole string and its two string members"
    );
    let whole = one(&entries, AWS_SECRET_STRING);
    assert_eq!(
        (whole.meta.item.as_str(), whole.meta.field.as_str()),
        ("prod/openai", "SecretString")
    );
    assert_eq!(
        vault(whole),
        Some(format!("aws-secrets-manager:us-east-1:{AWS_ACCOUNT}").as_str())
    );
    assert_eq!(whole.meta.created, ts("2024-03-10T09:15:42.123Z"));
    assert_eq!(whole.meta.updated, whole.meta.created);
    assert!(!whole.meta.history);
    let key = one(&entries, AWS_OPENAI);
    assert_eq!(
        (key.meta.item.as_str(), key.meta.field.as_str()),
        ("prod/openai", "OPENAI_API_KEY")
    );
    assert_eq!(one(&entries, AWS_ORG).meta.field, "org");
}

#[test]
fn aws_batch_get_secret_value_with_binary() {
    assert_eq!(
        detected("aws/batch-get-secret-value.json"),
        Some(VaultFormat::AwsSecretsManager)
    );
    let entries = read("aws/batch-get-secret-value.json");
    assert_eq!(entries.len(), 4);
    let db = one(&entries, AWS_DB_PW);
    assert_eq!(
        (db.meta.item.as_str(), db.meta.field.as_str()),
        ("prod/db", "password")
    );
    assert_eq!(
        vault(db),
        Some(format!("aws-secrets-manager:eu-west-1:{AWS_ACCOUNT}").as_str())
    );
    // CLI v1 / API: Unix seconds with a fraction.
    assert_eq!(
        db.meta.created,
        Some(Timestamp::new(1_709_000_000, 500_000_000).unwrap())
    );
    one(&entries, AWS_DB_STRING);
    one(&entries, "db.internal");
    let binary = base64::engine::general_purpose::STANDARD
        .decode(AWS_BINARY_B64)
        .expect("fixture base64");
    let found = all_for(&entries, &binary);
    assert_eq!(found.len(), 1, "SecretBinary is fingerprinted decoded");
    assert_eq!(
        (found[0].meta.item.as_str(), found[0].meta.field.as_str()),
        ("legacy/signing-key", "SecretBinary")
    );
    assert_eq!(found[0].meta.created, ts("2023-07-04T12:00:00Z"));
    absent(&entries, AWS_BINARY_B64);
}

#[test]
fn aws_previous_version_is_history() {
    let entries = read("aws/get-secret-value-previous.json");
    assert_eq!(entries.len(), 1);
    let previous = one(&entries, AWS_PREV);
    assert!(previous.meta.history, "AWSPREVIOUS is a rotated-out value");
    assert_eq!(previous.meta.created, ts("2023-10-01T00:00:00Z"));
}

#[test]
fn aws_describe_and_list_secrets_date_the_values() {
    for rel in ["aws/describe-secret.json", "aws/list-secrets.json"] {
        assert_eq!(detected(rel), Some(VaultFormat::AwsSecretsManager), "{rel}");
        let records = read(rel);
        assert!(
            !records.is_empty() && records.iter().all(|e| e.fingerprint.is_empty()),
            "{rel}: metadata only, no values"
        );
    }
    let mut entries = Vec::new();
    for rel in [
        "aws/get-secret-value.json",
        "aws/batch-get-secret-value.json",
        "aws/get-secret-value-previous.json",
        "aws/describe-secret.json",
        "aws/list-secrets.json",
    ] {
        entries.extend(read(rel));
    }
    let index = stray::vault::VaultIndex::new(entries);
    let entries = index.entries();
    assert!(
        entries.iter().all(|e| !e.fingerprint.is_empty()),
        "records are joined, then dropped"
    );
    let openai = one(entries, AWS_OPENAI);
    assert_eq!(openai.meta.updated, ts("2024-09-01T08:00:00Z"));
    assert_eq!(openai.meta.age_from.as_deref(), Some("LastRotatedDate"));
    assert_eq!(
        openai.meta.created,
        ts("2024-03-10T09:15:42.123Z"),
        "the version's own"
    );
    assert_eq!(openai.meta.owner.as_deref(), Some("ml-platform"));
    assert_eq!(openai.meta.tags, ["owner=ml-platform", "env=prod"]);
    let db = one(entries, AWS_DB_PW);
    assert_eq!(db.meta.updated, ts("2024-04-01T19:33:20.25Z"));
    assert_eq!(
        db.meta.age_from.as_deref(),
        Some("LastChangedDate"),
        "never rotated"
    );
    assert_eq!(db.meta.tags, ["team=data"]);
    let previous = one(entries, AWS_PREV);
    assert_eq!(
        previous.meta.updated,
        ts("2023-10-01T00:00:00Z"),
        "another secret: untouched"
    );
    assert_eq!(previous.meta.age_from, None);
}

// ---- KeePassXC ----

#[test]
fn keepassxc_csv() {
    assert_eq!(
        detected("keepassxc/export.csv"),
        Some(VaultFormat::KeepassxcCsv)
    );
    let entries = read("keepassxc/export.csv");
    assert_eq!(entries.len(), 7);
    let gitlab = one(&entries, KP_GITLAB);
    assert_eq!(
        (gitlab.meta.item.as_str(), gitlab.meta.field.as_str()),
        ("GitLab", "password")
    );
    assert_eq!(vault(gitlab), Some("Root/Work"));
    assert_eq!(gitlab.meta.updated, ts("2024-01-15T10:20:30Z"));
    assert_eq!(gitlab.meta.created, ts("2023-11-02T08:00:00Z"));
    assert_eq!(
        one(&entries, KP_RUNNER).meta.field,
        "notes:GITLAB_RUNNER_TOKEN"
    );
    assert_eq!(one(&entries, KP_NOTES).meta.field, "notes");
    assert_eq!(one(&entries, KP_TOTP).meta.field, "totp");
    assert_eq!(vault(one(&entries, KP_BANK)), Some("Root/Personal"));
    let root = one(&entries, KP_ROOT);
    assert_eq!(
        root.meta.updated, None,
        "an unreadable date is left out, not fatal"
    );
    assert_eq!(root.meta.created, ts("2023-01-01T00:00:00Z"));
    assert_eq!(one(&entries, KP_ROOT_NOTES).meta.item, "Server root");
}

#[test]
fn keepassxc_recycle_bin_is_history() {
    let entries = read("keepassxc/recycle-bin.csv");
    let live = one(&entries, KP_LIVE);
    assert_eq!(vault(live), Some("Root/Work"));
    assert!(!live.meta.history);
    for value in [KP_BINNED, KP_BINNED_RUNNER] {
        let binned = one(&entries, value);
        assert_eq!(binned.meta.item, "GitLab deploy (old)");
        assert_eq!(vault(binned), Some("Root/Recycle Bin"));
        assert!(binned.meta.history, "a recycled entry is not live");
        assert_eq!(binned.meta.updated, ts("2025-03-01T09:05:00Z"));
    }
}

// ---- Infisical ----

#[test]
fn infisical_export_json() {
    assert_eq!(
        detected("infisical/export.json"),
        Some(VaultFormat::Infisical)
    );
    let entries = read("infisical/export.json");
    assert_eq!(entries.len(), 3, "LOG_LEVEL=debug is too short");
    let anthropic = one(&entries, INF_ANTHROPIC);
    assert_eq!(
        (anthropic.meta.item.as_str(), anthropic.meta.field.as_str()),
        ("ANTHROPIC_API_KEY", "value")
    );
    assert_eq!(vault(anthropic), Some(INF_WORKSPACE));
    assert_eq!(anthropic.meta.tags, ["ai"]);
    let db = one(&entries, INF_DB);
    assert_eq!(vault(db), Some(format!("{INF_WORKSPACE}/backend").as_str()));
    assert_eq!(one(&entries, INF_JWT).meta.tags, ["personal"]);
}

// ---- GCP and Azure ----

#[test]
fn gcp_secret_version_access() {
    assert_eq!(
        detected("gcp/access-latest.json"),
        Some(VaultFormat::GcpSecretManager)
    );
    let entries = read("gcp/access-latest.json");
    assert_eq!(entries.len(), 1);
    let secret = one(&entries, GCP_VALUE);
    assert_eq!(
        (secret.meta.item.as_str(), secret.meta.field.as_str()),
        ("stripe-webhook", "version 4")
    );
    assert_eq!(vault(secret), Some("gcp:314159265358"));
    assert_eq!(
        secret.trimmed_fingerprint,
        Some(fingerprint(GCP_VALUE.trim().as_bytes()))
    );
}

#[test]
fn azure_key_vault_secret_show() {
    assert_eq!(
        detected("azure/secret-show.json"),
        Some(VaultFormat::AzureKeyVault)
    );
    let entries = read("azure/secret-show.json");
    assert_eq!(entries.len(), 1);
    let secret = one(&entries, AZ_VALUE);
    assert_eq!(
        (secret.meta.item.as_str(), secret.meta.field.as_str()),
        ("storage-conn", "value")
    );
    assert_eq!(vault(secret), Some("kv-shop-prod"));
    assert_eq!(secret.meta.created, ts("2024-02-20T15:04:05Z"));
    // The version's creation (when the value was set), not `updated` (moved by tag edits).
    assert_eq!(secret.meta.updated, ts("2024-02-20T15:04:05Z"));
    assert_eq!(secret.meta.age_from.as_deref(), Some("attributes.created"));
    assert_eq!(secret.meta.owner.as_deref(), Some("payments-team"));
    assert_eq!(secret.meta.tags, ["env=prod", "owner=payments-team"]);
}

// ---- errors and plaintext ----

#[test]
fn malformed_files_fail_with_their_name_and_a_location() {
    let cases = [
        (
            "malformed/bitwarden.json",
            VaultFormat::BitwardenJson,
            "items[1].login: expected an object",
        ),
        (
            "malformed/bitwarden.csv",
            VaultFormat::BitwardenCsv,
            "line 3: 7 cells where the header has 11",
        ),
        (
            "malformed/1password.1pux",
            VaultFormat::OnePassword1pux,
            "at line 3 column",
        ),
        (
            "malformed/1password.csv",
            VaultFormat::OnePasswordCsv,
            "line 3",
        ),
        (
            "malformed/1password-cli.json",
            VaultFormat::OnePasswordCli,
            "item 2.fields[0].value: expected a string, found an array",
        ),
        (
            "malformed/1password.1pif",
            VaultFormat::OnePassword1pif,
            "line 3: ",
        ),
        (
            "malformed/hashicorp.json",
            VaultFormat::HashicorpVault,
            "data: expected an object",
        ),
        (
            "malformed/aws.json",
            VaultFormat::AwsSecretsManager,
            "SecretBinary: not valid base64",
        ),
        (
            "malformed/keepassxc.csv",
            VaultFormat::KeepassxcCsv,
            "line 3",
        ),
        (
            "malformed/infisical.json",
            VaultFormat::Infisical,
            "[1].value: expected a string",
        ),
        (
            "malformed/gcp.json",
            VaultFormat::GcpSecretManager,
            "payload.data: not valid base64",
        ),
        (
            "malformed/azure.json",
            VaultFormat::AzureKeyVault,
            "value: expected a string",
        ),
    ];
    let fine = [
        BAD_BW_PW,
        BAD_BWCSV_PW,
        BAD_OPCSV_PW,
        BAD_KP_PW,
        BAD_INF,
        BAD_OPCLI_PW,
        BAD_PIF_PW,
    ];
    for (rel, format, location) in cases {
        assert_eq!(detected(rel), Some(format), "{rel}");
        let error = read_err(rel);
        let text = error.to_string();
        match &error {
            VaultError::Parse {
                path,
                format: name,
                message,
            } => {
                assert_eq!(path, &fixture(rel));
                assert_eq!(*name, format.name());
                assert!(message.contains(location), "{rel}: {message}");
            }
            other => panic!("{rel}: expected a parse error, got {other}"),
        }
        let file_name = Path::new(rel).file_name().unwrap().to_string_lossy();
        assert!(text.contains(file_name.as_ref()), "{text}");
        assert!(
            !fine.iter().any(|v| text.contains(v)),
            "{rel}: an error message leaked a value"
        );
        assert!(
            !text.contains("%%%"),
            "{rel}: an error message quoted the bad value"
        );
    }
}

/// Every readable fixture: the entries (Debug and JSON) contain no stored value, trimmed or not.
#[test]
fn no_plaintext_is_retained() {
    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("fixture dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    files(&fixture(""), &mut paths);
    paths.sort();
    let mut entries = Vec::new();
    let mut read_ok = 0;
    for path in &paths {
        let mut out = Vec::new();
        if read_export(path, None, None, None, &mut out).is_ok() {
            read_ok += 1;
        }
        entries.extend(out);
    }
    assert_eq!(
        read_ok, 51,
        "every fixture outside malformed/ and the encrypted ones parses"
    );
    let debug = format!("{entries:?}");
    let json = serde_json::to_string(&entries).expect("entries serialize");
    let mut checked = 0;
    for value in PLAINTEXTS {
        // Every listed value really is in some entry…
        assert!(
            !all_for(&entries, value.as_bytes()).is_empty(),
            "a fixture value has no entry"
        );
        for form in [*value, value.trim()] {
            assert!(
                !debug.contains(form),
                "plaintext in Debug output of the entries"
            );
            assert!(!json.contains(form), "plaintext in the serialized entries");
            for line in form.lines().filter(|l| l.len() >= 12) {
                assert!(
                    !debug.contains(line),
                    "a line of a stored value is in the entries"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, PLAINTEXTS.len() * 2);
}

const DOPPLER_STRIPE: &str = "sk_live_OccXkR1ViwC7c6qnjYmS4H7HsE4VG2v7";
const DOPPLER_SENDGRID: &str =
    "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";

#[test]
fn doppler_json_and_env_downloads() {
    assert_eq!(
        detected("doppler/secrets.json"),
        Some(VaultFormat::DopplerJson)
    );
    assert_eq!(
        detected("doppler/doppler-secrets.env"),
        Some(VaultFormat::DopplerEnv)
    );
    for rel in ["doppler/secrets.json", "doppler/doppler-secrets.env"] {
        let entries = read(rel);
        // PORT and the short DOPPLER_* values are too short to be credentials.
        assert_eq!(entries.len(), 3, "{rel}");
        let stripe = one(&entries, DOPPLER_STRIPE);
        assert_eq!(stripe.meta.item, "STRIPE_SECRET_KEY", "{rel}");
        assert_eq!(stripe.meta.field, "value");
        assert_eq!(
            stripe.meta.vault.as_deref(),
            Some("doppler:api/prd"),
            "{rel}"
        );
        assert_eq!(
            stripe.meta.created, None,
            "Doppler downloads carry no dates"
        );
        assert!(!stripe.guessable, "a Stripe key is machine-generated");
        assert_eq!(
            one(&entries, DOPPLER_SENDGRID).meta.item,
            "SENDGRID_API_KEY"
        );
    }
}

// ---- Browsers ----

const CH_GITHUB: &str = "ghp_3GOSOGux4Hnsdvg4RzvOS4sz8TYpL1yecKoY";
const CH_STRIPE: &str = "sk_live_ozrCawKCMo9Mu66iotM2jVWC";
const CH_NOTE: &str = "billing dashboard\nSTRIPE_SECRET_KEY=sk_live_ozrCawKCMo9Mu66iotM2jVWC";
const FF_GITLAB: &str = "glpat-GnlpS4Faut7c8ileICSm";
const FF_INTRANET: &str = "Intranet-n4fRqYCZLLFT";

#[test]
fn chrome_csv() {
    assert_eq!(
        detected("browsers/chrome.csv"),
        Some(VaultFormat::ChromeCsv)
    );
    let entries = read("browsers/chrome.csv");
    assert_eq!(entries.len(), 4, "Pw12 is too short");
    let github = one(&entries, CH_GITHUB);
    assert_eq!(
        (github.meta.item.as_str(), github.meta.field.as_str()),
        ("github.com", "password")
    );
    assert_eq!(
        one(&entries, CH_STRIPE).meta.field,
        "notes:STRIPE_SECRET_KEY"
    );
    assert_eq!(one(&entries, CH_NOTE).meta.field, "notes");
    assert_eq!(
        one(&entries, "Maple-Leaf-42").meta.item,
        "dashboard.stripe.com"
    );
    absent(&entries, "Pw12");
}

#[test]
fn firefox_csv() {
    assert_eq!(
        detected("browsers/firefox.csv"),
        Some(VaultFormat::FirefoxCsv)
    );
    let entries = read("browsers/firefox.csv");
    assert_eq!(entries.len(), 2);
    let gitlab = one(&entries, FF_GITLAB);
    assert_eq!(
        (gitlab.meta.item.as_str(), gitlab.meta.field.as_str()),
        ("https://gitlab.com", "password")
    );
    assert_eq!(gitlab.meta.updated, secs(1_704_164_645));
    assert_eq!(gitlab.meta.created, secs(1_699_000_000));
    assert_eq!(gitlab.meta.age_from.as_deref(), Some("timePasswordChanged"));
    let intranet = one(&entries, FF_INTRANET);
    assert_eq!(
        intranet.meta.updated, None,
        "an unreadable time is not fatal"
    );
    assert_eq!(vault(intranet), None, "browsers have no folders");
}

// ---- LastPass ----

const LP_NPM: &str = "npm_nrMSoGKscllfCyrYHvTtohBjdwCDMJippirL";
const LP_RUNNER: &str = "glrt-XgOu1aSudcSEeUZD52HD";
const LP_GITHUB: &str = "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";
const LP_NOTE: &str = "runner registration\nGITLAB_RUNNER_TOKEN=glrt-XgOu1aSudcSEeUZD52HD\ngithub deploy: 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";

#[test]
fn lastpass_csv() {
    assert_eq!(
        detected("lastpass/export.csv"),
        Some(VaultFormat::LastpassCsv)
    );
    let entries = read("lastpass/export.csv");
    let npm = one(&entries, LP_NPM);
    assert_eq!(
        (npm.meta.item.as_str(), npm.meta.field.as_str()),
        ("npm publish", "password")
    );
    assert_eq!(vault(npm), Some("Shared-Ops\\Release"));
    assert_eq!(one(&entries, "XGOU1ASUDCSEEUZD").meta.field, "totp");
    let runner = one(&entries, LP_RUNNER);
    assert_eq!(
        (runner.meta.item.as_str(), runner.meta.field.as_str()),
        ("CI notes", "notes:GITLAB_RUNNER_TOKEN")
    );
    assert_eq!(vault(runner), Some("Shared-Ops\\Cloud"));
    assert_eq!(one(&entries, LP_NOTE).meta.field, "notes");
    assert_eq!(
        vault(one(&entries, "Intranet-0SV1dkIaN2MA")),
        None,
        "(none) is no folder"
    );
    // A key on a line that is not `NAME=value`: found by its rule.
    let matcher = stray::Matcher::new(stray::RuleSet::builtin().expect("rules")).expect("matcher");
    let mut out = Vec::new();
    read_export(
        &fixture("lastpass/export.csv"),
        None,
        Some(&matcher),
        None,
        &mut out,
    )
    .expect("parses");
    assert!(one(&out, LP_GITHUB).meta.field.starts_with("notes:"));
    assert_eq!(one(&out, LP_RUNNER).meta.field, "notes:GITLAB_RUNNER_TOKEN");
}

// ---- Dashlane ----

const DL_GITLAB: &str = "glpat-oCCxKr1vIWc7C6QNJyMs";
const DL_NPM: &str = "npm_4h7hSe4vg2V76a1PKvsLrgOQ3ntGi0Z0ALZc";
const DL_NOTE: &str = "CI publish settings\nNPM_TOKEN=npm_4h7hSe4vg2V76a1PKvsLrgOQ3ntGi0Z0ALZc";
const DL_ROUTER: &str = "Dl-wNjKHeIIQr3XSFgJCk";

#[test]
fn dashlane_csv() {
    assert_eq!(
        detected("dashlane/credentials.csv"),
        Some(VaultFormat::DashlaneCsv),
        "not a 1Password CSV"
    );
    let entries = read("dashlane/credentials.csv");
    assert_eq!(entries.len(), 5);
    let gitlab = one(&entries, DL_GITLAB);
    assert_eq!(
        (gitlab.meta.item.as_str(), gitlab.meta.field.as_str()),
        ("GitLab", "password")
    );
    assert_eq!(vault(gitlab), Some("Work"));
    assert_eq!(one(&entries, DL_NPM).meta.field, "notes:NPM_TOKEN");
    assert_eq!(one(&entries, DL_NOTE).meta.field, "notes");
    assert_eq!(one(&entries, "JBSWY3DPEHPK3PXPJBSW").meta.field, "totp");
    assert_eq!(vault(one(&entries, DL_ROUTER)), None);
}

// ---- A CSV no reader knows ----

#[test]
fn unknown_csv_is_refused_by_its_columns() {
    assert_eq!(detected("unknown/other-tool.csv"), None);
    let message = read_err("unknown/other-tool.csv").to_string();
    assert!(
        message
            .contains("a CSV with columns Site, Login Name, Secret Key: not a known vault export"),
        "{message}"
    );
    assert!(!message.contains("Unknown-0SV1dkIaN2MA22"), "never a value");
}

// ---- Proton Pass ----

const PP_PASSWORD: &str = "Pp-JjkZRuwd3UBlZCxTUz";
const PP_DEPLOY: &str = "glpat-RGkt8Mdn0lugJB6L55vV";
const PP_SLACK: &str = "xoxb-vjafrJFROl2aSjDWlFkuw3mv";
const PP_NOTE: &str = "runner host ci-01\nSLACK_BOT_TOKEN=xoxb-vjafrJFROl2aSjDWlFkuw3mv";
const PP_TRASHED: &str = "Old-eGGfzEQ95pD4Xa4YiP";

#[test]
fn proton_pass_json() {
    assert_eq!(
        detected("protonpass/export.json"),
        Some(VaultFormat::ProtonPassJson),
        "not Bitwarden"
    );
    let entries = read("protonpass/export.json");
    assert_eq!(entries.len(), 5);
    let password = one(&entries, PP_PASSWORD);
    assert_eq!(
        (password.meta.item.as_str(), password.meta.field.as_str()),
        ("GitLab CI", "password")
    );
    assert_eq!(vault(password), Some("Engineering"));
    assert_eq!(password.meta.updated, secs(1_704_164_645));
    assert!(!password.meta.history);
    assert_eq!(one(&entries, PP_DEPLOY).meta.field, "Deploy token");
    assert_eq!(one(&entries, PP_SLACK).meta.field, "notes:SLACK_BOT_TOKEN");
    assert_eq!(one(&entries, PP_NOTE).meta.field, "notes");
    assert!(
        one(&entries, PP_TRASHED).meta.history,
        "the trash is history"
    );
}

const PPCSV_PASSWORD: &str = "Ppc-H6BPcEzIgNN81L4BLY";
const PPCSV_GITLAB: &str = "glpat-h8JpFNFEsxjXFZUKeUdr";

#[test]
fn proton_pass_csv() {
    assert_eq!(
        detected("protonpass/export.csv"),
        Some(VaultFormat::ProtonPassCsv)
    );
    let entries = read("protonpass/export.csv");
    assert_eq!(entries.len(), 3);
    let password = one(&entries, PPCSV_PASSWORD);
    assert_eq!(
        (password.meta.item.as_str(), vault(password)),
        ("GitLab CI", Some("Engineering"))
    );
    assert_eq!(password.meta.updated, secs(1_704_164_645));
    assert_eq!(one(&entries, PPCSV_GITLAB).meta.field, "notes:GITLAB_TOKEN");
}
