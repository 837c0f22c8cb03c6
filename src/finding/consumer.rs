//! Consumers: the tool or service that reads a credential at a place. One credential read by
//! two or more consumers is *shared* — the "one founder's key in four AI tools" failure that
//! step 2 of the kit (one credential per agent) exists to end.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::detect::classify::LocationKind;
use crate::finding::Location;

/// Who reads the credential at `location`, when the place says so.
pub fn consumer(location: &Location) -> Option<String> {
    Consumers::default().of(location)
}

/// Names the consumers of many places, asking the filesystem once per directory whether it
/// holds a project marker: a laptop has hundreds of `.env` files under the same few ancestors,
/// and each question is sixteen `stat` calls.
#[derive(Debug, Default)]
pub struct Consumers {
    /// Per directory (absolute), whether it holds a project marker.
    marked: HashMap<PathBuf, bool>,
    /// Per directory of a `.env` (as its place writes it), its project root.
    roots: HashMap<PathBuf, Option<PathBuf>>,
    /// The home and current directories (absolute), looked up once.
    places: Option<(Option<PathBuf>, Option<PathBuf>)>,
}

impl Consumers {
    /// Who reads the credential at `location`, when the place says so.
    pub fn of(&mut self, location: &Location) -> Option<String> {
        // Built from file and context names, and shown in terminals: control characters
        // escaped.
        self.named(location)
            .map(|name| crate::display::printable(&name).into_owned())
    }

    /// The distinct consumers of `locations`, sorted.
    pub fn distinct(&mut self, locations: &[Location]) -> Vec<String> {
        let mut consumers: Vec<String> = locations.iter().filter_map(|l| self.of(l)).collect();
        consumers.sort();
        consumers.dedup();
        consumers
    }

    fn has_marker(&mut self, directory: &Path) -> bool {
        if let Some(&marked) = self.marked.get(directory) {
            return marked;
        }
        // One listing of the directory, not a look-up per marker (sixteen system calls); a
        // directory that can be searched but not listed is asked name by name.
        let is_marker = |name: &std::ffi::OsStr| PROJECT_MARKERS.iter().any(|m| name == *m);
        let marked = match std::fs::read_dir(directory) {
            Ok(entries) => entries.filter_map(Result::ok).any(|entry| {
                // `exists` follows a link, as the name-by-name look-up does.
                is_marker(&entry.file_name()) && entry.path().exists()
            }),
            Err(_) => PROJECT_MARKERS.iter().any(|m| directory.join(m).exists()),
        };
        self.marked.insert(directory.to_path_buf(), marked);
        marked
    }

    fn named(&mut self, location: &Location) -> Option<String> {
        // Taken apart only for the kinds that have a consumer: most places (source code) do not.
        let parts = || PathParts::of(inner_path(&location.path));
        let context = location.context.as_deref().unwrap_or("");
        match location.kind {
            LocationKind::AiToolConfig => {
                let parts = parts()?;
                let tool = ai_tool(&parts);
                Some(match mcp_server(context) {
                    Some(server) => format!("{tool} (MCP server {server})"),
                    None => tool.to_string(),
                })
            }
            LocationKind::CiConfig => {
                let parts = parts()?;
                Some(ci_consumer(parts.name(), parts.parent(), context))
            }
            LocationKind::ShellProfile => parts().map(|_| "interactive shell".to_string()),
            LocationKind::Dotenv => {
                parts()?;
                Some(format!(
                    "project {}",
                    crate::pathtext::escaped(&self.project(location))
                ))
            }
            LocationKind::CloudCredentials => {
                let parts = parts()?;
                let under = |dir: &str| parts.under(dir);
                Some(
                    match () {
                        _ if under(".aws") => "AWS CLI",
                        _ if under("gcloud") => "gcloud",
                        _ if under(".azure") => "Azure CLI",
                        _ if under(".kube") || parts.name() == "kubeconfig" => "kubectl",
                        _ if under(".docker") => "Docker",
                        _ => "cloud CLI",
                    }
                    .to_string(),
                )
            }
            LocationKind::PackageConfig => {
                let parts = parts()?;
                let under = |dir: &str| parts.under(dir);
                Some(
                    match parts.name() {
                        ".npmrc" | ".yarnrc" | ".yarnrc.yml" => "npm",
                        ".pypirc" | "pip.conf" => "PyPI tooling",
                        ".netrc" | "_netrc" => "netrc clients",
                        ".git-credentials" | ".gitconfig" => "git",
                        "hosts.yml" => "GitHub CLI",
                        _ if under(".cargo") => "cargo",
                        _ if under(".gem") => "RubyGems",
                        _ => "package manager",
                    }
                    .to_string(),
                )
            }
            LocationKind::Iac => compose_service(parts()?.name(), context),
            _ => None,
        }
    }
}

/// Files that mark a directory as a project's root: the project there is what reads a `.env`
/// anywhere below it.
const PROJECT_MARKERS: &[&str] = &[
    ".git",
    "package.json",
    "Cargo.toml",
    "pyproject.toml",
    "setup.py",
    "requirements.txt",
    "Pipfile",
    "go.mod",
    "Gemfile",
    "composer.json",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "mix.exs",
    "deno.json",
    "Package.swift",
];

impl Consumers {
    /// The project whose `.env` this is: the nearest directory above it holding a project marker
    /// (`.git`, `package.json`, `Cargo.toml`, …), else the file's whole directory path. Never a
    /// directory's last name alone: `acme/api/.env` and `globex/api/.env` are two projects. The
    /// home directory and the filesystem root are never a project, and a place in an archive or in
    /// git history is judged by its path only (the files beside it are not on disk).
    fn project(&mut self, location: &Location) -> PathBuf {
        let directory = match location.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let on_disk = location.commit.is_none() && !location.path.to_string_lossy().contains('!');
        if on_disk && let Some(root) = self.marked_root(directory) {
            return root;
        }
        directory.to_path_buf()
    }

    /// The nearest of `directory` and its ancestors that holds a project marker, written the way
    /// `directory` is (relative stays relative where it can).
    fn marked_root(&mut self, directory: &Path) -> Option<PathBuf> {
        if let Some(root) = self.roots.get(directory) {
            return root.clone();
        }
        let root = self.find_marked_root(directory);
        self.roots.insert(directory.to_path_buf(), root.clone());
        root
    }

    fn find_marked_root(&mut self, directory: &Path) -> Option<PathBuf> {
        let absolute = std::path::absolute(directory).ok()?;
        let (home, current) = self
            .places
            .get_or_insert_with(|| {
                let home =
                    crate::input::laptop::home_dir().and_then(|h| std::path::absolute(h).ok());
                (home, std::env::current_dir().ok())
            })
            .clone();
        for candidate in absolute.ancestors() {
            if candidate.parent().is_none() || home.as_deref() == Some(candidate) {
                return None;
            }
            if self.has_marker(candidate) {
                if directory.is_absolute() {
                    return Some(candidate.to_path_buf());
                }
                let relative = current
                    .as_deref()
                    .and_then(|cwd| candidate.strip_prefix(cwd).ok());
                return Some(match relative {
                    Some(r) if r.as_os_str().is_empty() => PathBuf::from("."),
                    Some(r) => r.to_path_buf(),
                    None => candidate.to_path_buf(),
                });
            }
        }
        None
    }
}

/// For `export.zip!member`, the member's path.
fn inner_path(path: &Path) -> &Path {
    let text = path.to_str().unwrap_or("");
    match text.rfind('!') {
        Some(at) => Path::new(&text[at + 1..]),
        None => path,
    }
}

/// A place's path in lowercased parts, for naming its consumer.
struct PathParts(Vec<String>);

impl PathParts {
    /// `None` for a path without a single name in it.
    fn of(path: &Path) -> Option<PathParts> {
        let parts: Vec<String> = path
            .components()
            .filter_map(|c| match c {
                Component::Normal(p) => Some(p.to_string_lossy().to_lowercase()),
                _ => None,
            })
            .collect();
        (!parts.is_empty()).then_some(PathParts(parts))
    }

    /// The file's name.
    fn name(&self) -> &str {
        self.0.last().map_or("", String::as_str)
    }

    /// The name of the directory holding the file.
    fn parent(&self) -> Option<&str> {
        self.0.len().checked_sub(2).map(|i| self.0[i].as_str())
    }

    /// Is the file anywhere below a directory of this name?
    fn under(&self, dir: &str) -> bool {
        self.0[..self.0.len() - 1].iter().any(|p| p == dir)
    }
}

fn ai_tool(parts: &PathParts) -> &'static str {
    let (name, parent) = (parts.name(), parts.parent());
    let under = |dir: &str| parts.under(dir);
    match name {
        ".claude.json" => "Claude Code",
        "claude_desktop_config.json" => "Claude Desktop",
        ".aider.conf.yml" | ".aider.conf.yaml" => "aider",
        "mcp_config.json" if under(".codeium") || under("windsurf") => "Windsurf",
        _ if under(".cursor") || under("cursor") => "Cursor",
        _ if under(".codeium") || under("windsurf") => "Windsurf",
        _ if under(".codex") => "Codex",
        _ if under(".continue") => "Continue",
        _ if under(".gemini") => "Gemini CLI",
        _ if under(".vscode") || under("code") => "VS Code",
        _ if under("zed") => "Zed",
        _ if under(".claude") || name == ".mcp.json" => "Claude Code",
        _ if parent == Some("claude") => "Claude Desktop",
        _ => "AI tool",
    }
}

/// `mcpServers.github.env.X` → `github`.
fn mcp_server(context: &str) -> Option<&str> {
    let mut parts = context.split('.');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case("mcpServers") || part == "servers" || part == "context_servers"
        {
            return parts.next();
        }
    }
    None
}

fn ci_consumer(name: &str, parent: Option<&str>, context: &str) -> String {
    if parent == Some("workflows") {
        return format!("GitHub Actions workflow {name}");
    }
    let job = context.split('.').next().filter(|j| !j.is_empty());
    let system = match name {
        ".gitlab-ci.yml" | ".gitlab-ci.yaml" => "GitLab CI",
        "config.yml" if parent == Some(".circleci") => "CircleCI",
        n if n.starts_with("jenkinsfile") => "Jenkins",
        "azure-pipelines.yml" | "azure-pipelines.yaml" => "Azure Pipelines",
        "bitbucket-pipelines.yml" => "Bitbucket Pipelines",
        ".travis.yml" => "Travis CI",
        ".drone.yml" => "Drone",
        _ => "CI",
    };
    match (system, job) {
        ("GitLab CI", Some(job)) => format!("GitLab CI job {job}"),
        (system, _) => system.to_string(),
    }
}

/// `services.api.environment.X` in a compose file → `docker-compose service api`.
fn compose_service(name: &str, context: &str) -> Option<String> {
    if !(name.starts_with("docker-compose") || name.starts_with("compose")) {
        return None;
    }
    let mut parts = context.split('.');
    (parts.next() == Some("services"))
        .then(|| parts.next())
        .flatten()
        .map(|service| format!("docker-compose service {service}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::classify::classify;

    fn of(path: &str, context: Option<&str>) -> Option<String> {
        consumer(&Location {
            path: path.into(),
            line: 1,
            column: 1,
            kind: classify(Path::new(path)),
            context: context.map(str::to_string),
            inline_allow: None,
            commit: None,
        })
    }

    #[test]
    fn names_the_reader_of_each_place() {
        assert_eq!(
            of("home/.cursor/mcp.json", Some("mcpServers.github.env.TOKEN")).as_deref(),
            Some("Cursor (MCP server github)")
        );
        assert_eq!(
            of("home/.claude.json", Some("mcpServers.openai.env.KEY")).as_deref(),
            Some("Claude Code (MCP server openai)")
        );
        assert_eq!(
            of("home/.codeium/windsurf/mcp_config.json", None).as_deref(),
            Some("Windsurf")
        );
        assert_eq!(
            of(
                "repo/.github/workflows/deploy.yml",
                Some("jobs.deploy.env.KEY")
            )
            .as_deref(),
            Some("GitHub Actions workflow deploy.yml")
        );
        assert_eq!(
            of("repo/.gitlab-ci.yml", Some("deploy.variables.KEY")).as_deref(),
            Some("GitLab CI job deploy")
        );
        assert_eq!(
            of("archive.zip!code/api/.env", Some("KEY")).as_deref(),
            Some("project archive.zip!code/api")
        );
        assert_eq!(
            of("home/.zshrc", None).as_deref(),
            Some("interactive shell")
        );
        assert_eq!(
            of(
                "svc/docker-compose.yml",
                Some("services.worker.environment.KEY")
            )
            .as_deref(),
            Some("docker-compose service worker")
        );
        assert_eq!(
            of("home/.aws/credentials", None).as_deref(),
            Some("AWS CLI")
        );
        assert_eq!(of("src/main.rs", None), None);
    }

    #[test]
    fn a_dotenv_is_read_by_its_project_not_by_a_directory_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        for (file, content) in [
            ("acme/api/.env", "KEY=1\n"),
            ("globex/api/.env", "KEY=1\n"),
            ("shop/package.json", "{}"),
            ("shop/web/config/.env", "KEY=1\n"),
            ("shop/.env", "KEY=1\n"),
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, content).expect("write");
        }
        let project = |file: &str| of(root.join(file).to_str().expect("utf-8"), Some("KEY"));
        let acme = project("acme/api/.env").expect("consumer");
        let globex = project("globex/api/.env").expect("consumer");
        assert_ne!(acme, globex, "two api directories are two projects");
        assert!(acme.ends_with("acme/api"), "{acme}");
        // Both .env files of the shop project are read by it.
        let shop = format!("project {}", root.join("shop").display());
        assert_eq!(project("shop/web/config/.env"), Some(shop.clone()));
        assert_eq!(project("shop/.env"), Some(shop));
    }
}
