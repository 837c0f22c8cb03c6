//! The laptop walk (`stray scan --home`): the home directory with the places credentials live,
//! minus media, caches, toolchains and application bundles.
//!
//! Known credential files that sit inside a skipped directory (macOS `~/Library/Application
//! Support/Claude/…`, Windows `AppData/Roaming/…`) are added as roots of their own, so skipping
//! bulk never hides them.

use std::path::{Path, PathBuf};

use crate::input::walk::PathFilter;
#[cfg(test)]
use crate::input::walk::WalkOptions;

/// Directories skipped in a home walk, on top of [`crate::input::walk::DEFAULT_SKIP_DIRS`]. Entries are
/// names, `parent/name` pairs, or `*.suffix` patterns.
pub const HOME_SKIP_DIRS: &[&str] = &[
    // Media and documents that are not text worth reading.
    "Music",
    "Movies",
    "Pictures",
    "Videos",
    "*.photoslibrary",
    "*.musiclibrary",
    "*.tvlibrary",
    // Application bundles and OS data.
    "*.app",
    "Applications",
    "Library",
    "AppData",
    "snap",
    ".var",
    ".local/share/Steam",
    ".steam",
    ".wine",
    // Caches of every kind, and Electron/Chromium cache folders inside app data.
    ".cache",
    "Cache",
    "Code Cache",
    "GPUCache",
    "CachedData",
    "Crashpad",
    ".npm",
    ".yarn",
    ".node-gyp",
    ".electron",
    // Browsers and mail: profiles are huge and credentials there are encrypted.
    ".mozilla",
    ".thunderbird",
    ".config/google-chrome",
    ".config/chromium",
    ".config/BraveSoftware",
    // Toolchains, language version managers and their package stores.
    ".nvm",
    ".pyenv",
    ".rbenv",
    ".sdkman",
    ".asdf",
    ".volta",
    ".bun",
    ".deno",
    ".conda",
    "anaconda3",
    "miniconda3",
    "miniforge3",
    ".julia",
    ".local/lib",
    ".local/share/virtualenvs",
    ".local/share/pnpm",
    ".local/share/containers",
    ".android",
    // Models and virtual machines.
    ".ollama",
    ".lmstudio",
    ".vagrant.d",
    "VirtualBox VMs",
    ".minikube",
    ".kube/cache",
    ".kube/http-cache",
];

/// Where credentials are known to live, relative to the home directory (FORMATS.md).
pub const KNOWN_LOCATIONS: &[&str] = &[
    // Shells.
    ".bashrc",
    ".bash_profile",
    ".profile",
    ".zshrc",
    ".zprofile",
    ".zshenv",
    ".bash_history",
    ".zsh_history",
    ".config/fish/config.fish",
    ".config/powershell/Microsoft.PowerShell_profile.ps1",
    "Documents/PowerShell/Microsoft.PowerShell_profile.ps1",
    // Cloud CLIs.
    ".aws/credentials",
    ".aws/config",
    ".config/gcloud",
    ".azure",
    ".kube/config",
    ".docker/config.json",
    ".terraform.d/credentials.tfrc.json",
    // Packages and git.
    ".npmrc",
    ".yarnrc.yml",
    ".pypirc",
    ".netrc",
    ".git-credentials",
    ".config/gh/hosts.yml",
    ".cargo/credentials.toml",
    ".cargo/credentials",
    ".gem/credentials",
    ".gradle/gradle.properties",
    ".m2/settings.xml",
    // AI tools.
    ".claude.json",
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".claude/projects",
    ".mcp.json",
    ".cursor/mcp.json",
    ".codeium/windsurf/mcp_config.json",
    ".codex/auth.json",
    ".codex/config.toml",
    ".continue",
    ".aider.conf.yml",
    ".gemini/settings.json",
    ".env",
    ".config/zed/settings.json",
    ".config/Code/User/settings.json",
    ".config/Code/User/mcp.json",
    ".config/Cursor/User/settings.json",
    ".config/Claude/claude_desktop_config.json",
    "Library/Application Support/Claude/claude_desktop_config.json",
    "Library/Application Support/Code/User/settings.json",
    "Library/Application Support/Code/User/mcp.json",
    "Library/Application Support/Cursor/User/settings.json",
    "Library/Application Support/Windsurf/User/settings.json",
    "AppData/Roaming/Claude/claude_desktop_config.json",
    "AppData/Roaming/Code/User/settings.json",
    "AppData/Roaming/Code/User/mcp.json",
    "AppData/Roaming/Cursor/User/settings.json",
    "AppData/Roaming/npm/etc/npmrc",
];

/// The user's home directory, from the environment.
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// The skip list for a home walk: the defaults plus [`HOME_SKIP_DIRS`].
pub fn home_skip_dirs(defaults: &[String]) -> Vec<String> {
    let mut dirs = defaults.to_vec();
    dirs.extend(HOME_SKIP_DIRS.iter().map(|s| s.to_string()));
    dirs
}

/// Known credential locations under `home` that exist but that the walk of `home` would not
/// reach because a skipped directory contains them.
pub fn hidden_known_locations(home: &Path, filter: &PathFilter) -> Vec<PathBuf> {
    KNOWN_LOCATIONS
        .iter()
        .map(|relative| home.join(relative))
        .filter(|path| path.exists())
        .filter(|path| {
            path.ancestors()
                .skip(1)
                .take_while(|ancestor| *ancestor != home)
                .any(|ancestor| filter.excluded(home, ancestor, true))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_files_inside_skipped_directories_become_roots() {
        let home = tempfile::tempdir().expect("temp dir");
        let claude = home
            .path()
            .join("Library/Application Support/Claude/claude_desktop_config.json");
        std::fs::create_dir_all(claude.parent().expect("parent")).expect("mkdir");
        std::fs::write(&claude, "{}").expect("write");
        std::fs::write(home.path().join(".zshrc"), "").expect("write");
        let options = WalkOptions {
            roots: vec![home.path().to_path_buf()],
            skip_dirs: home_skip_dirs(&WalkOptions::default().skip_dirs),
            ..WalkOptions::default()
        };
        let filter = PathFilter::new(&options).expect("filter");
        let extra = hidden_known_locations(home.path(), &filter);
        assert_eq!(extra, vec![claude]);
    }
}
