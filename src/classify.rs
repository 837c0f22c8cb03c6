//! Location kinds: what sort of place a file is, judged by its path and name.
//!
//! The kind tells a reader why a credential is there (an `.env` file, a CI config, an AI tool's
//! MCP config) and drives the inventory's "places by kind" figures.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocationKind {
    Dotenv,
    ShellProfile,
    CiConfig,
    AiToolConfig,
    ChatExport,
    CloudCredentials,
    PackageConfig,
    Iac,
    Source,
    Other,
    /// The credential is a file or directory name (or part of one), not in the file's content.
    FileName,
}

impl LocationKind {
    pub const ALL: [LocationKind; 11] = [
        LocationKind::Dotenv,
        LocationKind::ShellProfile,
        LocationKind::CiConfig,
        LocationKind::AiToolConfig,
        LocationKind::ChatExport,
        LocationKind::CloudCredentials,
        LocationKind::PackageConfig,
        LocationKind::Iac,
        LocationKind::Source,
        LocationKind::Other,
        LocationKind::FileName,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LocationKind::Dotenv => "dotenv",
            LocationKind::ShellProfile => "shell-profile",
            LocationKind::CiConfig => "ci-config",
            LocationKind::AiToolConfig => "ai-tool-config",
            LocationKind::ChatExport => "chat-export",
            LocationKind::CloudCredentials => "cloud-credentials",
            LocationKind::PackageConfig => "package-config",
            LocationKind::Iac => "iac",
            LocationKind::Source => "source",
            LocationKind::Other => "other",
            LocationKind::FileName => "file-name",
        }
    }
}

impl fmt::Display for LocationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const SHELL_PROFILES: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".bash_aliases",
    ".profile",
    ".zshrc",
    ".zprofile",
    ".zshenv",
    ".zlogin",
    ".kshrc",
    ".cshrc",
    ".tcshrc",
    "config.fish",
    "fish_variables",
    "microsoft.powershell_profile.ps1",
    "microsoft.vscode_profile.ps1",
    "profile.ps1",
    // History files hold pasted `export KEY=…` lines.
    ".bash_history",
    ".zsh_history",
    ".sh_history",
    ".history",
    "fish_history",
];

const CI_FILES: &[&str] = &[
    ".gitlab-ci.yml",
    ".gitlab-ci.yaml",
    "jenkinsfile",
    "azure-pipelines.yml",
    "azure-pipelines.yaml",
    "bitbucket-pipelines.yml",
    ".travis.yml",
    ".drone.yml",
    "buildkite.yml",
    ".buildkite.yml",
    "cloudbuild.yaml",
    "cloudbuild.yml",
    "appveyor.yml",
    ".appveyor.yml",
];

const AI_TOOL_FILES: &[&str] = &[
    "mcp.json",
    ".mcp.json",
    "mcp_config.json",
    ".claude.json",
    "claude_desktop_config.json",
    ".aider.conf.yml",
    ".aider.conf.yaml",
];

const CLOUD_FILES: &[&str] = &[
    "application_default_credentials.json",
    "credentials.tfrc.json",
    "kubeconfig",
];

const PACKAGE_FILES: &[&str] = &[
    ".npmrc",
    ".yarnrc",
    ".yarnrc.yml",
    ".pypirc",
    "pip.conf",
    ".netrc",
    "_netrc",
    ".git-credentials",
    ".gitconfig",
    ".composer-auth.json",
];

const SOURCE_EXTENSIONS: &[&str] = &[
    "rs", "py", "pyw", "ipynb", "js", "mjs", "cjs", "ts", "mts", "cts", "jsx", "tsx", "vue",
    "svelte", "go", "java", "kt", "kts", "scala", "groovy", "gradle", "rb", "php", "cs", "fs",
    "vb", "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "m", "mm", "swift", "dart", "lua", "pl", "pm",
    "r", "jl", "ex", "exs", "erl", "clj", "cljs", "hs", "ml", "elm", "zig", "nim", "sh", "bash",
    "zsh", "fish", "ps1", "psm1", "bat", "cmd", "sql",
];

/// Classifies a file by its path. `path` may be relative or absolute; only its last few
/// components matter.
pub fn classify(path: &Path) -> LocationKind {
    let components: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(part) => Some(part.to_string_lossy().to_lowercase()),
            _ => None,
        })
        .collect();
    let Some(name) = components.last().map(String::as_str) else {
        return LocationKind::Other;
    };
    let parent = |n: usize| -> Option<&str> {
        components
            .len()
            .checked_sub(n + 2)
            .map(|i| components[i].as_str())
    };
    let under = |dir: &str| components[..components.len() - 1].iter().any(|c| c == dir);
    let extension = name.rsplit_once('.').map(|(_, ext)| ext).unwrap_or("");

    if name == ".env" || name.starts_with(".env.") || name.ends_with(".env") || name == ".envrc" {
        return LocationKind::Dotenv;
    }
    if SHELL_PROFILES.contains(&name) {
        return LocationKind::ShellProfile;
    }
    if is_ci_config(name, parent(0), parent(1), &under) {
        return LocationKind::CiConfig;
    }
    if is_chat_export(name, &under, &components) {
        return LocationKind::ChatExport;
    }
    if is_ai_tool_config(name, parent(0), parent(1), &under) {
        return LocationKind::AiToolConfig;
    }
    if is_cloud_credentials(name, parent(0), &under) {
        return LocationKind::CloudCredentials;
    }
    if is_package_config(name, parent(0)) {
        return LocationKind::PackageConfig;
    }
    if is_iac(name, extension) {
        return LocationKind::Iac;
    }
    if SOURCE_EXTENSIONS.contains(&extension) {
        return LocationKind::Source;
    }
    LocationKind::Other
}

fn is_yaml(name: &str) -> bool {
    name.ends_with(".yml") || name.ends_with(".yaml")
}

fn is_ci_config(
    name: &str,
    parent: Option<&str>,
    grandparent: Option<&str>,
    under: &dyn Fn(&str) -> bool,
) -> bool {
    CI_FILES.contains(&name)
        || name.starts_with("jenkinsfile")
        || (parent == Some("workflows") && grandparent == Some(".github") && is_yaml(name))
        || (parent == Some(".circleci") && is_yaml(name))
        || under(".buildkite")
        || (under(".gitlab-ci") && is_yaml(name))
}

fn is_chat_export(name: &str, under: &dyn Fn(&str) -> bool, components: &[String]) -> bool {
    if name == "conversations.json" {
        return true; // ChatGPT and Claude data exports
    }
    // Slack workspace exports: one YYYY-MM-DD.json per channel and day.
    if let Some(stem) = name.strip_suffix(".json") {
        let b = stem.as_bytes();
        if b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        {
            return true;
        }
        // DiscordChatExporter: "Guild - Channel [123456789].json".
        if let Some(open) = stem.rfind(" [")
            && stem.ends_with(']')
            && stem[open + 2..stem.len() - 1]
                .bytes()
                .all(|c| c.is_ascii_digit())
        {
            return true;
        }
    }
    // Claude Code transcripts: ~/.claude/projects/<escaped-path>/<session>.jsonl
    under(".claude") && components.iter().any(|c| c == "projects") && name.ends_with(".jsonl")
}

fn is_ai_tool_config(
    name: &str,
    parent: Option<&str>,
    grandparent: Option<&str>,
    under: &dyn Fn(&str) -> bool,
) -> bool {
    if AI_TOOL_FILES.contains(&name) {
        return true;
    }
    match parent {
        Some(".claude") => name.starts_with("settings") && name.ends_with(".json"),
        Some(".codex") => name == "auth.json" || name == "config.toml",
        Some(".continue") => name.starts_with("config."),
        Some(".gemini") => name == "settings.json",
        Some("zed") => grandparent == Some(".config") && name == "settings.json",
        Some("user") => grandparent == Some("code") && name == "settings.json",
        Some("claude") => name.ends_with(".json"),
        _ => under(".codeium") && name.ends_with(".json"),
    }
}

fn is_cloud_credentials(name: &str, parent: Option<&str>, under: &dyn Fn(&str) -> bool) -> bool {
    CLOUD_FILES.contains(&name)
        || (parent == Some(".aws") && (name == "credentials" || name == "config"))
        || (parent == Some(".kube") && name == "config")
        || (parent == Some(".docker") && name == "config.json")
        || under("gcloud")
        || under(".azure")
}

fn is_package_config(name: &str, parent: Option<&str>) -> bool {
    PACKAGE_FILES.contains(&name)
        || (parent == Some("gh") && name == "hosts.yml")
        || (parent == Some(".cargo") && (name == "credentials.toml" || name == "credentials"))
        || (parent == Some(".gem") && name == "credentials")
        || (parent == Some(".m2") && name == "settings.xml")
        || (parent == Some(".gradle") && name == "gradle.properties")
        || (parent == Some(".composer") && name == "auth.json")
}

fn is_iac(name: &str, extension: &str) -> bool {
    name.ends_with(".tfvars")
        || name.ends_with(".tfvars.json")
        || name.starts_with("terraform.tfstate")
        || extension == "tf"
        || extension == "hcl"
        || ((name.starts_with("docker-compose") || name.starts_with("compose")) && is_yaml(name))
}

/// A YAML file that declares a Kubernetes `Secret` is infrastructure-as-code whatever its name.
pub fn refine_with_content(kind: LocationKind, path: &Path, content: &[u8]) -> LocationKind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if matches!(kind, LocationKind::Other | LocationKind::Source)
        && is_yaml(&name)
        && memchr::memmem::find(content, b"kind: Secret").is_some()
    {
        return LocationKind::Iac;
    }
    kind
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(path: &str) -> LocationKind {
        classify(Path::new(path))
    }

    #[test]
    fn classifies_every_kind() {
        use LocationKind::*;
        let cases = [
            ("proj/.env", Dotenv),
            ("proj/.env.local", Dotenv),
            ("proj/prod.env", Dotenv),
            ("proj/.envrc", Dotenv),
            ("/home/a/.zshrc", ShellProfile),
            ("/home/a/.config/fish/config.fish", ShellProfile),
            (
                "Documents/PowerShell/Microsoft.PowerShell_profile.ps1",
                ShellProfile,
            ),
            ("/home/a/.bash_history", ShellProfile),
            ("repo/.github/workflows/ci.yml", CiConfig),
            ("repo/.gitlab-ci.yml", CiConfig),
            ("repo/.circleci/config.yml", CiConfig),
            ("repo/Jenkinsfile", CiConfig),
            ("repo/.buildkite/pipeline.yml", CiConfig),
            ("repo/.mcp.json", AiToolConfig),
            ("/home/a/.cursor/mcp.json", AiToolConfig),
            ("/home/a/.codeium/windsurf/mcp_config.json", AiToolConfig),
            ("/home/a/.codex/auth.json", AiToolConfig),
            ("/home/a/.continue/config.yaml", AiToolConfig),
            ("/home/a/.claude.json", AiToolConfig),
            ("/home/a/.claude/settings.json", AiToolConfig),
            ("repo/.aider.conf.yml", AiToolConfig),
            ("export/conversations.json", ChatExport),
            ("slack/general/2024-03-01.json", ChatExport),
            ("discord/Acme - general [123456].json", ChatExport),
            ("/home/a/.claude/projects/-home-a-x/abc.jsonl", ChatExport),
            ("/home/a/.aws/credentials", CloudCredentials),
            ("/home/a/.kube/config", CloudCredentials),
            ("/home/a/.docker/config.json", CloudCredentials),
            (
                "/home/a/.config/gcloud/application_default_credentials.json",
                CloudCredentials,
            ),
            ("/home/a/.azure/accessTokens.json", CloudCredentials),
            ("/home/a/.npmrc", PackageConfig),
            ("/home/a/.pypirc", PackageConfig),
            ("/home/a/.netrc", PackageConfig),
            ("/home/a/.git-credentials", PackageConfig),
            ("/home/a/.config/gh/hosts.yml", PackageConfig),
            ("/home/a/.cargo/credentials.toml", PackageConfig),
            ("infra/prod.tfvars", Iac),
            ("app/docker-compose.override.yml", Iac),
            ("app/src/main.rs", Source),
            ("app/settings.py", Source),
            ("notes.txt", Other),
            ("config.yaml", Other),
        ];
        for (path, expected) in cases {
            assert_eq!(kind(path), expected, "{path}");
        }
    }

    #[test]
    fn kubernetes_secret_yaml_is_iac() {
        let path = Path::new("k8s/db.yaml");
        let content = b"apiVersion: v1\nkind: Secret\ndata:\n  password: aHVudGVy\n";
        assert_eq!(
            refine_with_content(classify(path), path, content),
            LocationKind::Iac
        );
        assert_eq!(
            refine_with_content(classify(path), path, b"kind: ConfigMap"),
            LocationKind::Other
        );
    }
}
