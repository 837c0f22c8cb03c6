//! `.stray.toml`: a repository's own settings, found from the scan root upward.
//!
//! Every key but the `[owners]` and `[criticality]` maps is the command-line flag it mirrors:
//! [`Config::to_args`] spells the file as those flags, and the command line parses them before
//! the user's own, so one definition (the flag's) decides what a value may be. Lists
//! (excludes, rule packs, vault files) add up; for a single value the user's flag wins. Paths
//! in the file are relative to the file's directory.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::detect::rules::Criticality;
use std::collections::BTreeMap;

pub const FILE_NAME: &str = ".stray.toml";

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub scan: ScanSection,
    #[serde(default)]
    pub policy: PolicySection,
    #[serde(default)]
    pub vault: VaultSection,
    /// Owners by selector: `"provider:openai" = "ada@acme.io"`, `"path:infra/**" = "ops"`.
    #[serde(default)]
    pub owners: BTreeMap<String, String>,
    /// Criticality overrides by selector: `"provider:slack" = "high"`.
    #[serde(default)]
    pub criticality: BTreeMap<String, Criticality>,
    /// Where the file was read from; relative paths in it are resolved against its directory.
    #[serde(skip)]
    pub path: PathBuf,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSection {
    /// Globs left out of every scan (as `--exclude`).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Extra rule packs, files or directories (as `--rules`).
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    #[serde(default)]
    pub respect_gitignore: Option<bool>,
    /// A size such as `25MiB` (as `--max-file-size`).
    #[serde(default)]
    pub max_file_size: Option<String>,
    /// `false`: honour only `stray:allow`, not other scanners' markers (as `--no-peer-allow`).
    #[serde(default)]
    pub peer_allow: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySection {
    /// What fails the scan: `unvaulted`, `stray-copy`, `rotated-out`, `overdue`, `any`.
    #[serde(default)]
    pub fail_on: Vec<String>,
    /// Days before a vaulted credential is overdue for rotation.
    #[serde(default)]
    pub max_age: Option<i64>,
    /// The baseline file applied to every scan (as `--baseline`).
    #[serde(default)]
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultSection {
    /// Vault exports or fingerprint files (as `--vault`).
    #[serde(default)]
    pub files: Vec<PathBuf>,
    /// As `--vault-name`.
    #[serde(default)]
    pub name: Option<String>,
}

/// One argument [`Config::to_args`] makes, and the key of the file it stands for (for errors:
/// `.stray.toml: scan.max_file_size: …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFlag {
    /// `section.key`, as the file spells it.
    pub key: &'static str,
    /// The flag, with its value after `=` (`--exclude=fixtures/**`).
    pub arg: OsString,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read config: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: not a valid {FILE_NAME}: {message}")]
    Parse { path: PathBuf, message: String },
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            crate::input::files::read_bounded_string(path, crate::input::files::MAX_SMALL_INPUT)
                .map_err(|error| ConfigError::Io {
                    path: path.to_path_buf(),
                    error,
                })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        config.path = path.to_path_buf();
        Ok(config)
    }

    /// The nearest `.stray.toml` in `start` (or its directory, for a file) and its ancestors.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let absolute = std::path::absolute(start).ok()?;
        let first = if absolute.is_dir() {
            absolute.as_path()
        } else {
            absolute.parent()?
        };
        first
            .ancestors()
            .map(|dir| dir.join(FILE_NAME))
            .find(|candidate| candidate.is_file())
    }

    /// The file as the flags it mirrors, each with the key it came from, in the file's order of
    /// keys: `--exclude=GLOB` per entry, `--rules=PATH` and `--vault=PATH` per entry and
    /// `--baseline=PATH` resolved against the file's directory, `--respect-gitignore` when
    /// true, `--no-peer-allow` when `peer_allow = false`, `--max-file-size=SIZE`,
    /// `--fail-on=a,b` (lowercased: the file's names match ignoring case), `--max-age=DAYS`,
    /// `--vault-name=NAME`. Values are not checked here: the flags' parsers check them.
    pub fn flags(&self) -> Vec<ConfigFlag> {
        let mut flags = Vec::new();
        let mut push = |key: &'static str, flag: &str, value: Option<&std::ffi::OsStr>| {
            let mut arg = OsString::from(flag);
            if let Some(value) = value {
                arg.push("=");
                arg.push(value);
            }
            flags.push(ConfigFlag { key, arg });
        };
        let scan = &self.scan;
        for glob in &scan.exclude {
            push("scan.exclude", "--exclude", Some(glob.as_ref()));
        }
        for pack in &scan.rules {
            push(
                "scan.rules",
                "--rules",
                Some(self.resolve(pack).as_os_str()),
            );
        }
        if scan.respect_gitignore == Some(true) {
            push("scan.respect_gitignore", "--respect-gitignore", None);
        }
        if let Some(size) = &scan.max_file_size {
            push("scan.max_file_size", "--max-file-size", Some(size.as_ref()));
        }
        if scan.peer_allow == Some(false) {
            push("scan.peer_allow", "--no-peer-allow", None);
        }
        let policy = &self.policy;
        if !policy.fail_on.is_empty() {
            let names = policy.fail_on.join(",").to_ascii_lowercase();
            push("policy.fail_on", "--fail-on", Some(names.as_ref()));
        }
        if let Some(days) = policy.max_age {
            push(
                "policy.max_age",
                "--max-age",
                Some(days.to_string().as_ref()),
            );
        }
        if let Some(baseline) = &policy.baseline {
            let path = self.resolve(baseline);
            push("policy.baseline", "--baseline", Some(path.as_os_str()));
        }
        for file in &self.vault.files {
            // `op:Engineering`, `doppler:api/prd`: a vault CLI, not a file beside the config
            // (unless a file of that name is there).
            let resolved = self.resolve(file);
            let cli = file
                .to_str()
                .and_then(crate::vault::cli_source::CliSource::parse)
                .is_some();
            let value = if cli && !resolved.exists() {
                file.as_os_str()
            } else {
                resolved.as_os_str()
            };
            push("vault.files", "--vault", Some(value));
        }
        if let Some(name) = &self.vault.name {
            push("vault.name", "--vault-name", Some(name.as_ref()));
        }
        flags
    }

    /// The file as command-line arguments: [`Config::flags`] without their keys.
    pub fn to_args(&self) -> Vec<OsString> {
        self.flags().into_iter().map(|flag| flag.arg).collect()
    }

    /// A path from the file, resolved against the file's directory.
    pub fn resolve(&self, relative: &Path) -> PathBuf {
        match self.path.parent() {
            Some(dir) if relative.is_relative() => dir.join(relative),
            _ => relative.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_discovers_and_resolves() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config_path = dir.path().join(FILE_NAME);
        std::fs::write(
            &config_path,
            "[scan]\nexclude = [\"fixtures/**\"]\nrules = [\"team-rules\"]\n\n[policy]\nfail_on = [\"unvaulted\", \"overdue\"]\nmax_age = 30\nbaseline = \".stray-baseline.json\"\n",
        )
        .expect("write config");
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).expect("mkdir");
        let found = Config::discover(&nested).expect("discovered from a subdirectory");
        assert_eq!(found.file_name(), config_path.file_name());
        let config = Config::load(&found).expect("valid config");
        assert_eq!(config.scan.exclude, vec!["fixtures/**"]);
        assert_eq!(config.policy.max_age, Some(30));
        assert_eq!(
            config.resolve(Path::new("team-rules")),
            found.parent().expect("dir").join("team-rules")
        );
    }

    #[test]
    fn keys_become_the_flags_they_mirror() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE_NAME);
        std::fs::write(
            &path,
            "[scan]\nexclude = [\"a/**\", \"b\"]\nrules = [\"team\"]\nrespect_gitignore = true\n\
             max_file_size = \"1MiB\"\npeer_allow = false\n\n[policy]\nfail_on = [\"Overdue\", \
             \"any\"]\nmax_age = -30\nbaseline = \"/abs/base.json\"\n\n[vault]\nfiles = [\"v.fp\"]\n\
             name = \"eng\"\n",
        )
        .expect("write");
        let config = Config::load(&path).expect("a value is checked by its flag, not here");
        let dir = path.parent().expect("dir");
        let args: Vec<OsString> = config.to_args();
        let mut rules = OsString::from("--rules=");
        rules.push(dir.join("team"));
        let mut vault = OsString::from("--vault=");
        vault.push(dir.join("v.fp"));
        let expected: Vec<OsString> = vec![
            "--exclude=a/**".into(),
            "--exclude=b".into(),
            rules,
            "--respect-gitignore".into(),
            "--max-file-size=1MiB".into(),
            "--no-peer-allow".into(),
            "--fail-on=overdue,any".into(),
            "--max-age=-30".into(),
            "--baseline=/abs/base.json".into(),
            vault,
            "--vault-name=eng".into(),
        ];
        assert_eq!(args, expected);
        assert!(Config::default().to_args().is_empty());
    }

    #[test]
    fn a_vault_cli_source_is_passed_as_written_unless_a_file_of_that_name_is_there() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE_NAME);
        std::fs::write(
            &path,
            "[vault]\nfiles = [\"op:Engineering\", \"bw\", \"v.fp\"]\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("bw"), "{}").expect("a file named like a tool");
        let args = Config::load(&path).expect("valid").to_args();
        let mut bw = OsString::from("--vault=");
        bw.push(dir.path().join("bw"));
        let mut file = OsString::from("--vault=");
        file.push(dir.path().join("v.fp"));
        assert_eq!(
            args,
            vec![OsString::from("--vault=op:Engineering"), bw, file]
        );
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "[scan]\nexcludes = []\n").expect("write");
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(err.contains(".stray.toml"), "{err}");
        assert!(err.contains("excludes"), "{err}");
    }
}
