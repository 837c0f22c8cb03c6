//! `stray hook install`: a git pre-commit hook that scans exactly what the commit adds.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The name an existing hook is kept under when `--force` chains it.
pub const CHAINED_NAME: &str = "pre-commit.before-stray";

/// Marks a hook file as ours, so re-installing replaces it instead of chaining it.
const MARKER: &str = "# installed by stray hook install";

#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error("not inside a git repository (git rev-parse failed: {0}); run this from a repository")]
    NotARepository(String),
    #[error("cannot run git: {0}; is git installed and on PATH?")]
    Git(std::io::Error),
    #[error(
        "{0} already exists and was not written by stray; rerun with --force to keep it and run \
         it before stray (it is renamed to {CHAINED_NAME})"
    )]
    Exists(PathBuf),
    #[error("{0} was not written by stray; it is left alone (remove it yourself if you mean to)")]
    NotOurs(PathBuf),
    #[error("no pre-commit hook at {0}: nothing to uninstall")]
    NotInstalled(PathBuf),
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// What `install` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub hook: PathBuf,
    /// The previous hook, now run first.
    pub chained: Option<PathBuf>,
}

/// The hooks directory git uses for the repository at `dir` (honours `core.hooksPath`).
pub fn hooks_dir(dir: &Path) -> Result<PathBuf, HookError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(HookError::Git)?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr).trim().to_string();
        return Err(HookError::NotARepository(message));
    }
    let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
    Ok(PathBuf::from(text))
}

/// The hook script. `stray` is the binary to run (the one that installed the hook, so the hook
/// works even where `stray` is not on PATH).
pub fn script(stray: &Path, chained: bool) -> String {
    let stray = stray.to_string_lossy().replace('\'', r"'\''");
    let chain = if chained {
        format!(
            "\n# The hook that was here before, kept by --force.\n\"$(dirname \"$0\")/{CHAINED_NAME}\" \"$@\" || exit $?\n"
        )
    } else {
        String::new()
    };
    format!(
        r#"#!/bin/sh
{MARKER}
# Blocks a commit that adds a credential. Skip once with: git commit --no-verify
{chain}
stray='{stray}'
[ -x "$stray" ] || stray=stray
"$stray" scan --staged --quiet
status=$?
if [ "$status" -eq 1 ]; then
  cat >&2 <<'EOF'

stray: this commit adds the credentials above, so it was stopped.
  - Move each credential into the team vault and read it from there
    (op://vault/item/field, doppler run, ${{{{ secrets.NAME }}}}, ...).
  - If it was ever pushed or shared, rotate it: this copy is exposed.
  - A false positive or a test value? Add `stray:allow <reason>` on that line.
  - Skip this check once: git commit --no-verify
EOF
fi
exit $status
"#
    )
}

/// Writes the pre-commit hook into the repository at `dir`. An existing hook that stray did not
/// write is refused, or with `force` renamed and run first.
pub fn install(dir: &Path, stray: &Path, force: bool) -> Result<Installed, HookError> {
    let hooks = hooks_dir(dir)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| HookError::Io { path, error }
    };
    std::fs::create_dir_all(&hooks).map_err(io(&hooks))?;
    let hook = hooks.join("pre-commit");
    let mut chained = None;
    if hook.exists() {
        let existing = std::fs::read_to_string(&hook).unwrap_or_default();
        if !existing.contains(MARKER) {
            if !force {
                return Err(HookError::Exists(hook));
            }
            let kept = hooks.join(CHAINED_NAME);
            std::fs::rename(&hook, &kept).map_err(io(&hook))?;
            chained = Some(kept);
        } else if hooks.join(CHAINED_NAME).exists() {
            chained = Some(hooks.join(CHAINED_NAME));
        }
    }
    std::fs::write(&hook, script(stray, chained.is_some())).map_err(io(&hook))?;
    make_executable(&hook).map_err(io(&hook))?;
    Ok(Installed { hook, chained })
}

/// What `uninstall` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uninstalled {
    pub hook: PathBuf,
    /// The hook `install --force` had kept, put back in place.
    pub restored: Option<PathBuf>,
}

/// Removes the pre-commit hook stray wrote, putting back a hook `install --force` kept. A hook
/// stray did not write is refused: it is someone else's.
pub fn uninstall(dir: &Path) -> Result<Uninstalled, HookError> {
    let hooks = hooks_dir(dir)?;
    let hook = hooks.join("pre-commit");
    let existing = match std::fs::read_to_string(&hook) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(HookError::NotInstalled(hook));
        }
        Err(error) => return Err(HookError::Io { path: hook, error }),
    };
    if !existing.contains(MARKER) {
        return Err(HookError::NotOurs(hook));
    }
    let chained = hooks.join(CHAINED_NAME);
    let restored = if chained.exists() {
        std::fs::rename(&chained, &hook).map_err(|error| HookError::Io {
            path: chained.clone(),
            error,
        })?;
        Some(hook.clone())
    } else {
        std::fs::remove_file(&hook).map_err(|error| HookError::Io {
            path: hook.clone(),
            error,
        })?;
        None
    };
    Ok(Uninstalled { hook, restored })
}

#[cfg(unix)]
fn make_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path)?.permissions();
    permissions.set_mode(permissions.mode() | 0o755);
    std::fs::set_permissions(path, permissions)
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_runs_the_staged_scan_and_chains_when_asked() {
        let plain = script(Path::new("/opt/bin/stray"), false);
        assert!(plain.starts_with("#!/bin/sh\n"));
        assert!(plain.contains("scan --staged"));
        assert!(plain.contains("git commit --no-verify"));
        assert!(!plain.contains(CHAINED_NAME));
        assert!(script(Path::new("/opt/bin/stray"), true).contains(CHAINED_NAME));
        assert!(script(Path::new("/it's/stray"), false).contains(r"'/it'\''s/stray'"));
        // GitHub's expression syntax, which format! would halve.
        assert!(plain.contains("${{ secrets.NAME }}"), "{plain}");
    }
}
