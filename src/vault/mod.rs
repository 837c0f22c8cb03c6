//! Vault exports: every stored value becomes a fingerprinted [`VaultEntry`].
//!
//! A parser walks its export format and hands each value with its metadata to a [`Collector`],
//! which fingerprints it (exact and trimmed), judges whether it looks machine-generated, and
//! drops the plaintext at once. Nothing downstream ever sees a vault value.

mod aws;
mod bitwarden;
mod bitwarden_sm;
mod browsers;
pub mod cli_source;
mod cloud;
mod dashlane;
pub mod fingerprints;
mod generic;
mod hashicorp;
mod infisical;
mod keepass;
mod keepass_xml;
mod keeper;
mod lastpass;
mod metadata;
mod onepassword;
mod onepassword_connect;
mod protonpass;
mod raw;
mod shared;
mod unknown_csv;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::detect::matcher::Matcher;
use crate::detect::rules::validators::shannon_entropy;
use crate::finding::fingerprint;
use crate::names::{self, Named};

/// Every export format stray reads. Detected from content unless `--vault-format` forces one.
/// Serialized (in fingerprint files) by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VaultFormat {
    BitwardenJson,
    BitwardenCsv,
    OnePassword1pux,
    OnePasswordCsv,
    OnePassword1pif,
    OnePasswordCli,
    OnePasswordConnect,
    DopplerJson,
    DopplerEnv,
    DopplerYaml,
    HashicorpVault,
    AwsSecretsManager,
    KeepassxcCsv,
    KeepassXml,
    KeeperJson,
    KeeperCsv,
    ChromeCsv,
    FirefoxCsv,
    LastpassCsv,
    DashlaneCsv,
    ProtonPassJson,
    ProtonPassCsv,
    Infisical,
    InfisicalEnv,
    InfisicalCsv,
    InfisicalYaml,
    BitwardenSecretsManager,
    GcpSecretManager,
    AzureKeyVault,
    Raw,
    Dotenv,
    Json,
    Fingerprints,
}

impl Named for VaultFormat {
    const ALL: &'static [VaultFormat] = &[
        VaultFormat::BitwardenJson,
        VaultFormat::BitwardenCsv,
        VaultFormat::OnePassword1pux,
        VaultFormat::OnePasswordCsv,
        VaultFormat::OnePassword1pif,
        VaultFormat::OnePasswordCli,
        VaultFormat::OnePasswordConnect,
        VaultFormat::DopplerJson,
        VaultFormat::DopplerEnv,
        VaultFormat::DopplerYaml,
        VaultFormat::HashicorpVault,
        VaultFormat::AwsSecretsManager,
        VaultFormat::KeepassxcCsv,
        VaultFormat::KeepassXml,
        VaultFormat::KeeperJson,
        VaultFormat::KeeperCsv,
        VaultFormat::ChromeCsv,
        VaultFormat::FirefoxCsv,
        VaultFormat::LastpassCsv,
        VaultFormat::DashlaneCsv,
        VaultFormat::ProtonPassJson,
        VaultFormat::ProtonPassCsv,
        VaultFormat::Infisical,
        VaultFormat::InfisicalEnv,
        VaultFormat::InfisicalCsv,
        VaultFormat::InfisicalYaml,
        VaultFormat::BitwardenSecretsManager,
        VaultFormat::GcpSecretManager,
        VaultFormat::AzureKeyVault,
        VaultFormat::Raw,
        VaultFormat::Dotenv,
        VaultFormat::Json,
        VaultFormat::Fingerprints,
    ];

    fn name(self) -> &'static str {
        match self {
            VaultFormat::BitwardenJson => "bitwarden-json",
            VaultFormat::BitwardenCsv => "bitwarden-csv",
            VaultFormat::OnePassword1pux => "1password-1pux",
            VaultFormat::OnePasswordCsv => "1password-csv",
            VaultFormat::OnePassword1pif => "1password-1pif",
            VaultFormat::OnePasswordCli => "1password-cli",
            VaultFormat::OnePasswordConnect => "1password-connect",
            VaultFormat::DopplerJson => "doppler-json",
            VaultFormat::DopplerEnv => "doppler-env",
            VaultFormat::DopplerYaml => "doppler-yaml",
            VaultFormat::HashicorpVault => "hashicorp-vault",
            VaultFormat::AwsSecretsManager => "aws-secrets-manager",
            VaultFormat::KeepassxcCsv => "keepassxc-csv",
            VaultFormat::KeepassXml => "keepass-xml",
            VaultFormat::KeeperJson => "keeper-json",
            VaultFormat::KeeperCsv => "keeper-csv",
            VaultFormat::ChromeCsv => "chrome-csv",
            VaultFormat::FirefoxCsv => "firefox-csv",
            VaultFormat::LastpassCsv => "lastpass-csv",
            VaultFormat::DashlaneCsv => "dashlane-csv",
            VaultFormat::ProtonPassJson => "proton-pass-json",
            VaultFormat::ProtonPassCsv => "proton-pass-csv",
            VaultFormat::Infisical => "infisical",
            VaultFormat::InfisicalEnv => "infisical-env",
            VaultFormat::InfisicalCsv => "infisical-csv",
            VaultFormat::InfisicalYaml => "infisical-yaml",
            VaultFormat::BitwardenSecretsManager => "bitwarden-secrets-manager",
            VaultFormat::GcpSecretManager => "gcp-secret-manager",
            VaultFormat::AzureKeyVault => "azure-key-vault",
            VaultFormat::Raw => "raw",
            VaultFormat::Dotenv => "dotenv",
            VaultFormat::Json => "json",
            VaultFormat::Fingerprints => "fingerprints",
        }
    }

    fn help(self) -> &'static str {
        match self {
            VaultFormat::InfisicalEnv => {
                "`infisical export` dotenv: `NAME='value'`, `\\n` unescaped"
            }
            VaultFormat::BitwardenSecretsManager => "`bws secret list -o json`",
            VaultFormat::ChromeCsv => {
                "Chrome or Edge password export (`name,url,username,password,note`)"
            }
            VaultFormat::FirefoxCsv => "Firefox about:logins export",
            VaultFormat::KeepassXml => {
                "KeePass 2 XML export (KeePass, `keepassxc-cli export --format xml`), with history"
            }
            VaultFormat::OnePassword1pif => "1Password 7's 1PIF export (plaintext, legacy)",
            VaultFormat::OnePasswordCli => {
                "`op item get --format json` output: one item, an array, or several in a row"
            }
            VaultFormat::Raw => {
                "The whole file is one value (`gcloud secrets versions access … > NAME`), \
                 named by the file; never detected"
            }
            VaultFormat::OnePasswordConnect => {
                "1Password Connect API or SDK item JSON: one item or an array"
            }
            VaultFormat::KeeperJson => "Keeper JSON export (also Commander's `--zip`)",
            VaultFormat::KeeperCsv => {
                "Keeper CSV export (no header: only detected when unmistakable)"
            }
            VaultFormat::Dotenv => "`NAME=value` lines",
            VaultFormat::Json => {
                "A JSON object of names to string values, flat or nested (item = dotted path)"
            }
            VaultFormat::Fingerprints => "A `stray vault fingerprint` file",
            _ => "",
        }
    }
}

impl VaultFormat {
    /// The product that keeps the values, as people name it in a sentence ("in 1Password
    /// Engineering / OpenAI"). `None` for formats that say nothing of where they came from.
    pub fn product(self) -> Option<&'static str> {
        Some(match self {
            VaultFormat::BitwardenJson | VaultFormat::BitwardenCsv => "Bitwarden",
            VaultFormat::OnePassword1pux
            | VaultFormat::OnePasswordCsv
            | VaultFormat::OnePassword1pif
            | VaultFormat::OnePasswordCli
            | VaultFormat::OnePasswordConnect => "1Password",
            VaultFormat::DopplerJson | VaultFormat::DopplerEnv | VaultFormat::DopplerYaml => {
                "Doppler"
            }
            VaultFormat::HashicorpVault => "HashiCorp Vault",
            VaultFormat::AwsSecretsManager => "AWS Secrets Manager",
            VaultFormat::KeepassxcCsv => "KeePassXC",
            VaultFormat::KeepassXml => "KeePass",
            VaultFormat::KeeperJson | VaultFormat::KeeperCsv => "Keeper",
            VaultFormat::ChromeCsv => "the browser",
            VaultFormat::FirefoxCsv => "Firefox",
            VaultFormat::LastpassCsv => "LastPass",
            VaultFormat::DashlaneCsv => "Dashlane",
            VaultFormat::ProtonPassJson | VaultFormat::ProtonPassCsv => "Proton Pass",
            VaultFormat::Infisical
            | VaultFormat::InfisicalEnv
            | VaultFormat::InfisicalCsv
            | VaultFormat::InfisicalYaml => "Infisical",
            VaultFormat::BitwardenSecretsManager => "Bitwarden Secrets Manager",
            VaultFormat::GcpSecretManager => "GCP Secret Manager",
            VaultFormat::AzureKeyVault => "Azure Key Vault",
            VaultFormat::Dotenv
            | VaultFormat::Json
            | VaultFormat::Raw
            | VaultFormat::Fingerprints => return None,
        })
    }
}

impl Serialize for VaultFormat {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        names::serialize(*self, serializer)
    }
}

impl<'de> Deserialize<'de> for VaultFormat {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        names::deserialize(deserializer)
    }
}

/// What a parser knows about one stored value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryMeta {
    /// Item, secret or key name (`OpenAI prod`, `prod/api`, `OPENAI_API_KEY`).
    pub item: String,
    /// Field within the item (`password`, `notes`, a custom field's name, a JSON key).
    pub field: String,
    /// Vault, collection, folder, project or path prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
    /// Last update or rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// A previous value kept in password history: a copy of it on disk was rotated out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub history: bool,
    /// Which of the export's dates the age is counted from (`updated`, or `created` without
    /// one), where the reader knows: `revisionDate`, `login.passwordRevisionDate`,
    /// `passwordHistory.lastUsedDate`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_from: Option<String>,
}

impl EntryMeta {
    /// Names the date the age is counted from: `updated_key` when the export gave an update
    /// date, else `created_key` when it gave a creation date.
    pub(crate) fn dated_by(mut self, updated_key: &str, created_key: &str) -> EntryMeta {
        if self.age_from.is_none() {
            self.age_from = match (self.updated, self.created) {
                (Some(_), _) => Some(updated_key.to_string()),
                (None, Some(_)) => Some(created_key.to_string()),
                (None, None) => None,
            };
        }
        self
    }
}

/// One stored value, fingerprinted; the plaintext is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultEntry {
    /// SHA-256 (hex) of the exact stored value.
    pub fingerprint: String,
    /// SHA-256 of the value with surrounding whitespace trimmed, when that differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trimmed_fingerprint: Option<String>,
    #[serde(flatten)]
    pub meta: EntryMeta,
    pub format: VaultFormat,
    /// False when the value looks machine-generated (a rule matches it, or it is long and
    /// random enough that guessing is hopeless). Guessable values never leave the machine in
    /// a fingerprint file.
    pub guessable: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("{path}: cannot read vault export: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: this export is encrypted; {hint}")]
    Encrypted { path: PathBuf, hint: String },
    #[error("{path}: not a valid {format} export: {message}")]
    Parse {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error(
        "{path}: cannot tell which vault export this is; pass --vault-format (see stray scan --help)"
    )]
    UnknownFormat { path: PathBuf },
    #[error("{path}: a CSV with columns {columns}: not a known vault export; pass --vault-format")]
    UnknownCsv { path: PathBuf, columns: String },
    #[error(
        "{path}: a CSV without a header row: not a known vault export; if it is Keeper's CSV \
         export (folder, title, login, password, url, notes, shared folder, custom fields), pass \
         --vault-format keeper-csv"
    )]
    HeaderlessCsv { path: PathBuf },
}

/// Values shorter than this are never treated as credentials (PINs, flags, booleans).
const MIN_VALUE_LEN: usize = 6;

/// Receives values from a parser, keeps only their fingerprints and metadata.
pub struct Collector<'m> {
    matcher: Option<&'m Matcher>,
    format: VaultFormat,
    vault_name: Option<String>,
    entries: Vec<VaultEntry>,
}

impl<'m> Collector<'m> {
    pub fn new(
        format: VaultFormat,
        matcher: Option<&'m Matcher>,
        vault_name: Option<String>,
    ) -> Self {
        Collector {
            matcher,
            format,
            vault_name,
            entries: Vec::new(),
        }
    }

    /// Fingerprints `value` and forgets it. Empty and very short values are ignored.
    pub fn add(&mut self, value: &[u8], mut meta: EntryMeta) {
        let trimmed = value.trim_ascii();
        if trimmed.len() < MIN_VALUE_LEN {
            return;
        }
        if meta.vault.is_none() {
            meta.vault = self.vault_name.clone();
        }
        let exact = fingerprint(value);
        let trimmed_fingerprint = (trimmed.len() != value.len()).then(|| fingerprint(trimmed));
        let guessable = !machine_generated(trimmed, self.matcher);
        self.entries.push(VaultEntry {
            fingerprint: exact,
            trimmed_fingerprint,
            meta,
            format: self.format,
            guessable,
        });
    }

    /// Adds a record without a value (`describe-secret`, `vault kv metadata get`): its dates,
    /// owner and tags go to the entries of the same secret from other exports
    /// (`metadata::join`, run by [`VaultIndex::new`]).
    pub fn add_metadata(&mut self, mut meta: EntryMeta) {
        if meta.vault.is_none() {
            meta.vault = self.vault_name.clone();
        }
        self.entries.push(VaultEntry {
            fingerprint: String::new(),
            trimmed_fingerprint: None,
            meta,
            format: self.format,
            guessable: false,
        });
    }

    /// The matcher values are judged with, if any: parsers also use it to find credentials in
    /// stored files that are not `NAME=value` lines (1Password documents).
    pub fn matcher(&self) -> Option<&'m Matcher> {
        self.matcher
    }

    /// Adds an entry that is already fingerprinted (fingerprint files).
    pub fn add_entry(&mut self, entry: VaultEntry) {
        self.entries.push(entry);
    }

    pub fn into_entries(self) -> Vec<VaultEntry> {
        self.entries
    }
}

/// True when guessing `value` is hopeless: a credential rule recognises it, or it is long,
/// high in entropy and mixes character classes the way generated tokens do.
pub fn machine_generated(value: &[u8], matcher: Option<&Matcher>) -> bool {
    if let Some(matcher) = matcher
        && matcher
            .find(value)
            .iter()
            .any(|c| c.end - c.start >= value.len() / 2)
    {
        return true;
    }
    let classes = [
        value.iter().any(u8::is_ascii_lowercase),
        value.iter().any(u8::is_ascii_uppercase),
        value.iter().any(u8::is_ascii_digit),
        value.iter().any(|b| b.is_ascii_punctuation()),
    ]
    .iter()
    .filter(|&&present| present)
    .count();
    let no_spaces = !value.contains(&b' ');
    value.len() >= 24 && no_spaces && classes >= 3 && shannon_entropy(value) >= 3.5
}

/// Which export a file is, judged from its first bytes and shape.
pub fn detect(path: &Path, bytes: &[u8]) -> Option<VaultFormat> {
    if crate::input::archive::is_zip(bytes) {
        return detect_zip(bytes);
    }
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    // 1Password 7's 1PIF: JSON objects between separator lines.
    if text.contains(onepassword::PIF_SEPARATOR) {
        return Some(VaultFormat::OnePassword1pif);
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if keepass_xml::looks_like(trimmed) {
        return Some(VaultFormat::KeepassXml);
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return detect_json(bytes);
    }
    // `doppler secrets download` without `--no-file`: the Doppler parsers explain.
    if generic::doppler_encrypted(trimmed) {
        return Some(VaultFormat::DopplerJson);
    }
    let first_line = trimmed.lines().next().unwrap_or("").to_ascii_lowercase();
    let header: Vec<String> = first_line
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_string())
        .collect();
    let has = |name: &str| header.iter().any(|h| h == name);
    if header == ["key", "value"] {
        return Some(VaultFormat::InfisicalCsv);
    }
    if browsers::is_firefox_header(&header) {
        return Some(VaultFormat::FirefoxCsv);
    }
    if protonpass::is_csv_header(&header) {
        return Some(VaultFormat::ProtonPassCsv);
    }
    if dashlane::is_header(&header) {
        return Some(VaultFormat::DashlaneCsv);
    }
    if lastpass::is_header(&header) {
        return Some(VaultFormat::LastpassCsv);
    }
    if browsers::is_chrome_header(&header) {
        return Some(VaultFormat::ChromeCsv);
    }
    if has("login_password") {
        return Some(VaultFormat::BitwardenCsv);
    }
    if has("group") && has("title") && has("password") {
        return Some(VaultFormat::KeepassxcCsv);
    }
    if has("title") && has("password") {
        return Some(VaultFormat::OnePasswordCsv);
    }
    // Keeper's CSV has no header: read as Keeper's only when nothing else can be meant.
    if keeper::is_csv(bytes) {
        return Some(VaultFormat::KeeperCsv);
    }
    if infisical::looks_like_env(trimmed) {
        return Some(VaultFormat::InfisicalEnv);
    }
    let is_env = trimmed
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .all(|l| {
            let l = l.trim_start().strip_prefix("export ").unwrap_or(l);
            l.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty()
                    && k.trim()
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
        });
    if is_env && !trimmed.is_empty() {
        let doppler = trimmed.contains("DOPPLER_PROJECT=")
            || path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().to_lowercase().contains("doppler"));
        return Some(if doppler {
            VaultFormat::DopplerEnv
        } else {
            VaultFormat::Dotenv
        });
    }
    if let Some(keys) = generic::flat_yaml_keys(trimmed) {
        return Some(if keys.iter().any(|k| k == "DOPPLER_PROJECT") {
            VaultFormat::DopplerYaml
        } else {
            VaultFormat::InfisicalYaml
        });
    }
    None
}

/// A zip export, told by the members only its tool writes: 1PUX `export.data`, Bitwarden
/// `data.json` (at the top), Proton Pass `Proton Pass/data.json`, Keeper Commander `export.json`.
/// Any other zip is not known.
fn detect_zip(bytes: &[u8]) -> Option<VaultFormat> {
    let names = shared::zip_member_names(bytes)?;
    let has = |name: &str| names.iter().any(|n| n == name);
    if has("export.data") {
        Some(VaultFormat::OnePassword1pux)
    } else if has(protonpass::ZIP_MEMBER) {
        Some(VaultFormat::ProtonPassJson)
    } else if has("data.json") {
        Some(VaultFormat::BitwardenJson)
    } else if has(keeper::ZIP_MEMBER) {
        Some(VaultFormat::KeeperJson)
    } else {
        None
    }
}

fn detect_json(bytes: &[u8]) -> Option<VaultFormat> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        // `op item list --format json | op item get -` writes one object after another; so
        // may a script saving Connect items.
        let first = serde_json::Deserializer::from_slice(bytes)
            .into_iter::<serde_json::Value>()
            .next();
        if let Some(Ok(first)) = first
            && onepassword_connect::looks_like(&first)
        {
            return Some(VaultFormat::OnePasswordConnect);
        }
        return onepassword::is_cli_stream(bytes).then_some(VaultFormat::OnePasswordCli);
    };
    // Connect and SDK items have `fields` too: told by their camelCase dates and vault id.
    if onepassword_connect::looks_like(&value) {
        return Some(VaultFormat::OnePasswordConnect);
    }
    if onepassword::is_cli_output(&value) {
        return Some(VaultFormat::OnePasswordCli);
    }
    let has = |key: &str| value.get(key).is_some();
    if value.get("stray_fingerprints").is_some() {
        return Some(VaultFormat::Fingerprints);
    }
    if keeper::looks_like(&value) {
        return Some(VaultFormat::KeeperJson);
    }
    // Proton Pass also has `encrypted`: its `vaults` of items with `data.type` are its own.
    if protonpass::looks_like(&value) {
        return Some(VaultFormat::ProtonPassJson);
    }
    if has("encrypted") || (has("items") && (has("folders") || has("collections"))) {
        return Some(VaultFormat::BitwardenJson);
    }
    // `bw list items` (an array, or `--response`'s `{"data": {"object": "list", …}}`) and
    // `bw get item`: items the CLI marks `"object": "item"`.
    let is_item = |v: &serde_json::Value| v.as_object().is_some_and(bitwarden::is_item);
    let listed = value
        .get("data")
        .and_then(|d| d.get("data"))
        .unwrap_or(&value);
    if is_item(&value)
        || listed
            .as_array()
            .is_some_and(|items| !items.is_empty() && items.iter().all(is_item))
    {
        return Some(VaultFormat::BitwardenJson);
    }
    if has("SecretString") || has("SecretBinary") || has("SecretValues") || aws::is_metadata(&value)
    {
        return Some(VaultFormat::AwsSecretsManager);
    }
    if has("request_id") && has("data") {
        return Some(VaultFormat::HashicorpVault);
    }
    // A 1PUX export's `export.data`, unzipped.
    if value
        .get("accounts")
        .and_then(|a| a.as_array())
        .is_some_and(|accounts| accounts.iter().any(|a| a.get("vaults").is_some()))
    {
        return Some(VaultFormat::OnePassword1pux);
    }
    if has("payload") && value["payload"].get("data").is_some() {
        return Some(VaultFormat::GcpSecretManager);
    }
    if has("value") && has("attributes") && has("id") {
        return Some(VaultFormat::AzureKeyVault);
    }
    if bitwarden_sm::looks_like(&value) {
        return Some(VaultFormat::BitwardenSecretsManager);
    }
    if let Some(array) = value.as_array()
        && array
            .iter()
            .all(|v| v.get("key").is_some() && v.get("value").is_some())
    {
        return Some(VaultFormat::Infisical);
    }
    if let Some(object) = value.as_object()
        && object
            .values()
            .all(|v| v.is_string() || v.is_object() && v.get("computed").is_some())
    {
        return Some(if object.contains_key("DOPPLER_PROJECT") {
            VaultFormat::DopplerJson
        } else {
            VaultFormat::Json
        });
    }
    // Last: a team's own nested file, once no tool's shape matched.
    if generic::is_nested_json(&value) {
        return Some(VaultFormat::Json);
    }
    None
}

/// Reads one export (or a directory of them) into `out`. `format` forces a format.
pub fn read_export(
    path: &Path,
    format: Option<VaultFormat>,
    matcher: Option<&Matcher>,
    vault_name: Option<&str>,
    out: &mut Vec<VaultEntry>,
) -> Result<(), VaultError> {
    read_export_skipping(path, format, matcher, vault_name, out, &mut Vec::new())
}

/// A file of a `--vault` directory left out: documentation beside the exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    pub path: PathBuf,
    /// Why, for the notice: `a .md file, not a vault export`.
    pub reason: String,
}

/// Extensions of files that are documentation, never an export: in a directory, such a file
/// that no reader recognises is skipped (with a notice) instead of failing the whole directory.
const DOCUMENT_EXTENSIONS: &[&str] = &[
    "md", "markdown", "txt", "text", "rst", "adoc", "org", "html", "htm", "pdf", "png", "jpg",
    "jpeg", "gif", "svg",
];

/// Extensionless names of documentation files (`README`, `LICENSE`…).
const DOCUMENT_NAMES: &[&str] = &[
    "readme",
    "license",
    "licence",
    "notice",
    "changelog",
    "authors",
];

/// Files an operating system leaves in any folder.
const OS_FILES: &[&str] = &[".ds_store", "thumbs.db", "desktop.ini"];

/// Why `path` is documentation (`a .md file`), if it is by its name.
fn document_kind(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if OS_FILES.contains(&name.as_str()) {
        return Some("a file the operating system keeps".into());
    }
    if let Some(extension) = path.extension() {
        let extension = extension.to_string_lossy().to_ascii_lowercase();
        if DOCUMENT_EXTENSIONS.contains(&extension.as_str()) {
            return Some(format!("a .{extension} file"));
        }
    }
    let stem = name.split('.').next().unwrap_or(&name);
    DOCUMENT_NAMES
        .contains(&stem)
        .then(|| format!("a {} file", stem.to_ascii_uppercase()))
}

/// [`read_export`], also saying which files of a directory it skipped: documentation (by its
/// name: `.md`, `.txt`, `README`…) that no reader recognises. Every other file of the directory
/// must read, as before: an unreadable export there is still an error.
pub fn read_export_skipping(
    path: &Path,
    format: Option<VaultFormat>,
    matcher: Option<&Matcher>,
    vault_name: Option<&str>,
    out: &mut Vec<VaultEntry>,
    skipped: &mut Vec<SkippedFile>,
) -> Result<(), VaultError> {
    let io = |error| VaultError::Io {
        path: path.to_path_buf(),
        error,
    };
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            if let Some(kind) = document_kind(&file) {
                let bytes =
                    crate::input::files::read_bounded(&file, crate::input::files::MAX_EXPORT_SIZE)
                        .map_err(|error| VaultError::Io {
                            path: file.clone(),
                            error,
                        })?;
                if detect(&file, &bytes).is_none() {
                    skipped.push(SkippedFile {
                        path: file,
                        reason: format!("{kind}, not a vault export"),
                    });
                    continue;
                }
            }
            read_export_skipping(&file, format, matcher, vault_name, out, skipped)?;
        }
        return Ok(());
    }
    let bytes = crate::input::files::read_bounded(path, crate::input::files::MAX_EXPORT_SIZE)
        .map_err(io)?;
    let format = match format {
        Some(format) => format,
        None => detect(path, &bytes).ok_or_else(|| {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
            match unknown_csv::header_columns(&head) {
                Some(columns) => VaultError::UnknownCsv {
                    path: path.to_path_buf(),
                    columns: columns.join(", "),
                },
                None if keeper::is_csv_shaped(&bytes) => VaultError::HeaderlessCsv {
                    path: path.to_path_buf(),
                },
                None => VaultError::UnknownFormat {
                    path: path.to_path_buf(),
                },
            }
        })?,
    };
    match parse_bytes(format, &bytes, matcher, vault_name) {
        Ok(entries) => {
            // `vault kv get -format=json` output does not carry the secret's path; the file name
            // is the best name there is (`prod-api.json` for `secret/prod-api`).
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
            out.extend(entries.into_iter().map(|mut entry| {
                if entry.meta.item.is_empty()
                    && let Some(stem) = &stem
                {
                    entry.meta.item = stem.clone();
                }
                entry
            }));
            Ok(())
        }
        Err(ParseError::Encrypted(hint)) => Err(VaultError::Encrypted {
            path: path.to_path_buf(),
            hint,
        }),
        Err(ParseError::Invalid(message)) => Err(VaultError::Parse {
            path: path.to_path_buf(),
            format: format.name(),
            message,
        }),
    }
}

/// Parses one export already in memory as `format`: the single dispatch behind [`read_export`],
/// public so fuzz targets and tests can reach every parser without a file.
pub fn parse_bytes(
    format: VaultFormat,
    bytes: &[u8],
    matcher: Option<&Matcher>,
    vault_name: Option<&str>,
) -> Result<Vec<VaultEntry>, ParseError> {
    let mut collector = Collector::new(format, matcher, vault_name.map(str::to_string));
    match format {
        VaultFormat::BitwardenJson => bitwarden::parse_json(bytes, &mut collector),
        VaultFormat::BitwardenCsv => bitwarden::parse_csv(bytes, &mut collector),
        VaultFormat::OnePassword1pux => onepassword::parse_1pux(bytes, &mut collector),
        VaultFormat::OnePasswordCsv => onepassword::parse_csv(bytes, &mut collector),
        VaultFormat::OnePassword1pif => onepassword::parse_1pif(bytes, &mut collector),
        VaultFormat::OnePasswordCli => onepassword::parse_cli(bytes, &mut collector),
        VaultFormat::OnePasswordConnect => onepassword_connect::parse(bytes, &mut collector),
        VaultFormat::DopplerJson | VaultFormat::Json => generic::parse_json(bytes, &mut collector),
        VaultFormat::DopplerEnv | VaultFormat::Dotenv => generic::parse_env(bytes, &mut collector),
        VaultFormat::HashicorpVault => hashicorp::parse(bytes, &mut collector),
        VaultFormat::AwsSecretsManager => aws::parse(bytes, &mut collector),
        VaultFormat::KeepassxcCsv => keepass::parse_csv(bytes, &mut collector),
        VaultFormat::KeepassXml => keepass_xml::parse_xml(bytes, &mut collector),
        VaultFormat::KeeperJson => keeper::parse_json(bytes, &mut collector),
        VaultFormat::KeeperCsv => keeper::parse_csv(bytes, &mut collector),
        VaultFormat::ChromeCsv => browsers::parse_chrome(bytes, &mut collector),
        VaultFormat::FirefoxCsv => browsers::parse_firefox(bytes, &mut collector),
        VaultFormat::LastpassCsv => lastpass::parse_csv(bytes, &mut collector),
        VaultFormat::DashlaneCsv => dashlane::parse_csv(bytes, &mut collector),
        VaultFormat::ProtonPassJson => protonpass::parse_json(bytes, &mut collector),
        VaultFormat::ProtonPassCsv => protonpass::parse_csv(bytes, &mut collector),
        VaultFormat::DopplerYaml => generic::parse_yaml(bytes, &mut collector),
        VaultFormat::Infisical => infisical::parse(bytes, &mut collector),
        VaultFormat::InfisicalEnv => infisical::parse_env(bytes, &mut collector),
        VaultFormat::InfisicalCsv => infisical::parse_csv(bytes, &mut collector),
        VaultFormat::InfisicalYaml => infisical::parse_yaml(bytes, &mut collector),
        VaultFormat::BitwardenSecretsManager => bitwarden_sm::parse(bytes, &mut collector),
        VaultFormat::GcpSecretManager => cloud::parse_gcp(bytes, &mut collector),
        VaultFormat::AzureKeyVault => cloud::parse_azure(bytes, &mut collector),
        VaultFormat::Raw => raw::parse(bytes, &mut collector),
        VaultFormat::Fingerprints => fingerprints::parse(bytes, &mut collector),
    }?;
    Ok(collector.into_entries())
}

/// Why a parser gave up on a file. Parsers never return half their entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The export is encrypted; the message says which unencrypted export to make.
    Encrypted(String),
    /// Where and why parsing failed (`line 3: …`, `items[2].login: …`).
    Invalid(String),
}

impl From<serde_json::Error> for ParseError {
    fn from(e: serde_json::Error) -> Self {
        ParseError::Invalid(e.to_string())
    }
}

impl From<csv::Error> for ParseError {
    fn from(e: csv::Error) -> Self {
        let at = e
            .position()
            .map(|p| format!("line {}: ", p.line()))
            .unwrap_or_default();
        ParseError::Invalid(format!("{at}{e}"))
    }
}

/// Every entry of every export, looked up by fingerprint.
#[derive(Debug, Default)]
pub struct VaultIndex {
    entries: Vec<VaultEntry>,
    by_fingerprint: HashMap<String, Vec<usize>>,
}

impl VaultIndex {
    pub fn new(entries: Vec<VaultEntry>) -> VaultIndex {
        let entries = metadata::join(entries);
        let mut by_fingerprint: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            by_fingerprint
                .entry(entry.fingerprint.clone())
                .or_default()
                .push(index);
            if let Some(trimmed) = &entry.trimmed_fingerprint {
                by_fingerprint
                    .entry(trimmed.clone())
                    .or_default()
                    .push(index);
            }
        }
        VaultIndex {
            entries,
            by_fingerprint,
        }
    }

    pub fn entries(&self) -> &[VaultEntry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every stored copy of the credential with this fingerprint.
    pub fn lookup(&self, fingerprint: &str) -> Vec<&VaultEntry> {
        self.by_fingerprint
            .get(fingerprint)
            .map(|indexes| indexes.iter().map(|&i| &self.entries[i]).collect())
            .unwrap_or_default()
    }
}
