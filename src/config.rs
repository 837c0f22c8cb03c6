//! `.stray.toml`: a repository's own settings, found from the scan root upward.
//!
//! Command-line options win over the file; lists (excludes, rule packs, vault files) add to it.
//! Paths in the file are relative to the file's directory.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::rules::Criticality;
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
        let text = crate::input::read_bounded_string(path, crate::input::MAX_SMALL_INPUT).map_err(
            |error| ConfigError::Io {
                path: path.to_path_buf(),
                error,
            },
        )?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        if let Some(days) = config.policy.max_age.filter(|&days| days < 1) {
            return Err(ConfigError::Parse {
                path: path.to_path_buf(),
                message: format!("[policy] max_age = {days}: must be at least 1 day"),
            });
        }
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
    fn a_max_age_under_one_day_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE_NAME);
        for days in ["-30", "0"] {
            std::fs::write(&path, format!("[policy]\nmax_age = {days}\n")).expect("write");
            let err = Config::load(&path).unwrap_err().to_string();
            assert!(err.contains(".stray.toml"), "{err}");
            assert!(err.contains("max_age"), "{err}");
        }
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
