//! Reading a vault straight from its own CLI: nothing written to disk.
//!
//! `--vault op:Engineering` (or `stray vault fingerprint --from op:Engineering`) runs the
//! official CLI the user is already signed in to (never through a shell), hands its standard
//! output to the reader for that tool's JSON, and zeroes the buffer as soon as the reader has
//! fingerprinted every value. Standard output is never echoed, logged or put in an error; the
//! tool's standard error is quoted only when nothing in it looks like a credential.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use super::{ParseError, VaultEntry, VaultFormat, machine_generated, parse_bytes};
use crate::detect::matcher::Matcher;
use crate::names::Named;

mod cloud;
use cloud::{read_az, read_gcloud};

/// The CLIs stray can read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// 1Password: `op item list` then `op item get -`.
    Op,
    /// Bitwarden Password Manager: `bw list items`.
    Bw,
    /// Doppler: `doppler secrets download --no-file --format json`.
    Doppler,
    /// HashiCorp Vault: `vault kv get -format=json PATH` per path.
    Vault,
    /// Bitwarden Secrets Manager: `bws secret list -o json`.
    Bws,
    /// Infisical: `infisical export --format=json`.
    Infisical,
    /// AWS Secrets Manager: `list-secrets` (ARNs, and rotation dates and tags to join), then
    /// `batch-get-secret-value` 20 at a time.
    Aws,
    /// GCP Secret Manager: `gcloud secrets list`, then per secret `versions access latest` and
    /// `versions describe latest` (the version's `createTime`).
    Gcloud,
    /// Azure Key Vault: `az keyvault secret list`, then `az keyvault secret show` per secret.
    Az,
}

impl Tool {
    pub const ALL: &'static [Tool] = &[
        Tool::Op,
        Tool::Bw,
        Tool::Doppler,
        Tool::Vault,
        Tool::Bws,
        Tool::Infisical,
        Tool::Aws,
        Tool::Gcloud,
        Tool::Az,
    ];

    /// The executable's name, as the user types it.
    pub fn program(self) -> &'static str {
        match self {
            Tool::Op => "op",
            Tool::Bw => "bw",
            Tool::Doppler => "doppler",
            Tool::Vault => "vault",
            Tool::Bws => "bws",
            Tool::Infisical => "infisical",
            Tool::Aws => "aws",
            Tool::Gcloud => "gcloud",
            Tool::Az => "az",
        }
    }

    fn from_program(name: &str) -> Option<Tool> {
        Tool::ALL.iter().copied().find(|t| t.program() == name)
    }

    fn format(self) -> VaultFormat {
        match self {
            Tool::Op => VaultFormat::OnePasswordCli,
            Tool::Bw => VaultFormat::BitwardenJson,
            Tool::Doppler => VaultFormat::DopplerJson,
            Tool::Vault => VaultFormat::HashicorpVault,
            Tool::Bws => VaultFormat::BitwardenSecretsManager,
            Tool::Infisical => VaultFormat::Infisical,
            Tool::Aws => VaultFormat::AwsSecretsManager,
            Tool::Gcloud => VaultFormat::GcpSecretManager,
            Tool::Az => VaultFormat::AzureKeyVault,
        }
    }

    fn product(self) -> &'static str {
        match self {
            Tool::Op => "the 1Password CLI",
            Tool::Bw => "the Bitwarden CLI",
            Tool::Doppler => "the Doppler CLI",
            Tool::Vault => "the HashiCorp Vault CLI",
            Tool::Bws => "the Bitwarden Secrets Manager CLI",
            Tool::Infisical => "the Infisical CLI",
            Tool::Aws => "the AWS CLI",
            Tool::Gcloud => "the Google Cloud CLI (gcloud)",
            Tool::Az => "the Azure CLI",
        }
    }

    /// How to install the tool.
    pub fn install_hint(self) -> &'static str {
        match self {
            Tool::Op => "https://developer.1password.com/docs/cli/get-started/",
            Tool::Bw => "`npm install -g @bitwarden/cli`, see https://bitwarden.com/help/cli/",
            Tool::Doppler => "https://docs.doppler.com/docs/install-cli",
            Tool::Vault => "https://developer.hashicorp.com/vault/install",
            Tool::Bws => "https://bitwarden.com/help/secrets-manager-cli/",
            Tool::Infisical => "https://infisical.com/docs/cli/overview",
            Tool::Aws => {
                "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
            }
            Tool::Gcloud => "https://cloud.google.com/sdk/docs/install",
            Tool::Az => "https://learn.microsoft.com/cli/azure/install-azure-cli",
        }
    }

    /// What the user runs to give the tool a session.
    pub fn login_hint(self) -> &'static str {
        match self {
            Tool::Op => "sign in with `op signin` (or `eval $(op signin)`)",
            Tool::Bw => {
                "log in with `bw login`, then `bw unlock` and export the BW_SESSION it prints"
            }
            Tool::Doppler => "log in with `doppler login` (and `doppler setup` for the project)",
            Tool::Vault => "log in with `vault login` (and set VAULT_ADDR)",
            Tool::Bws => "set BWS_ACCESS_TOKEN to a machine account's access token",
            Tool::Infisical => "log in with `infisical login` (and `infisical init`)",
            Tool::Aws => {
                "sign in with `aws sso login` (or `aws configure`) for a profile that can read the secrets"
            }
            Tool::Gcloud => "log in with `gcloud auth login`",
            Tool::Az => "log in with `az login`",
        }
    }

    /// What to do about a failure, judged from the tool's error output where it says more than
    /// "not logged in" (read before the output is vetted for quoting: the hint is stray's own
    /// text, so it is given even when the output is withheld).
    fn failure_hint(self, stderr: &[u8]) -> &'static str {
        let text = String::from_utf8_lossy(stderr).to_ascii_lowercase();
        let says = |needle: &str| text.contains(needle);
        match self {
            // `ERROR: (gcloud.secrets.list) The required property [project] is not fully
            // specified.` (older releases) or `Missing required argument [project]: Please set
            // a project with `--project` flag…` (gcloud 5xx, seen on a real install).
            Tool::Gcloud if says("property [project]") || says("argument [project]") => {
                "name the project: --vault gcloud:PROJECT (or run `gcloud config set project PROJECT`)"
            }
            // A credential file override or an impersonation set up from ADC.
            Tool::Gcloud
                if says("application-default") || says("application default credentials") =>
            {
                "log in with `gcloud auth application-default login` (or `gcloud auth login` for \
                 gcloud's own account)"
            }
            // `PERMISSION_DENIED: Secret Manager API has not been used in project N before or
            // it is disabled.`: a permission error in form only.
            Tool::Gcloud if says("has not been used in project") || says("service_disabled") => {
                "the project has the Secret Manager API off: `gcloud services enable \
                 secretmanager.googleapis.com` (or name another project: gcloud:PROJECT)"
            }
            Tool::Gcloud if says("permission_denied") || says("permission denied") => {
                "the account gcloud uses may not read Secret Manager here (listing and describing \
                 need roles/secretmanager.viewer, reading roles/secretmanager.secretAccessor); \
                 log in as another with `gcloud auth login`"
            }
            // `(Forbidden) … does not have secrets get permission on key vault` (access
            // policies), `Caller is not authorized to perform action on resource` (RBAC).
            Tool::Az
                if says("forbidden") || says("not authorized") || says("does not have secrets") =>
            {
                "the signed-in account may not read this vault's secrets (it needs the Key Vault \
                 Secrets User role or a get/list access policy); log in as another with `az login`"
            }
            Tool::Az
                if says("failed to resolve")
                    || says("vaultnotfound")
                    || says("name or service not known") =>
            {
                "check the vault name (az:VAULT is the name in https://VAULT.vault.azure.net); \
                 sign in with `az login` if it is right"
            }
            // gcloud: `You do not currently have an active account selected.`, `There was a
            // problem refreshing your current auth tokens`, `Reauthentication failed`, all
            // followed by `Please run: $ gcloud auth login`. az: `Please run 'az login' to
            // setup account.`, `AADSTS700082: The refresh token has expired…`, `Interactive
            // authentication is needed. Please run: az login`.
            tool => tool.login_hint(),
        }
    }
}

/// A vault to read through its CLI: `TOOL` or `TOOL:SPEC`, and extra arguments for the tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliSource {
    pub tool: Tool,
    /// `op`: the vault; `doppler`: `PROJECT/CONFIG`; `vault`: comma-separated KV paths;
    /// `infisical`: the environment; `bws`: the project id; `aws`: the region; `gcloud`: the
    /// project; `az`: the vault name.
    pub spec: Option<String>,
    /// Passed to the listing command after stray's own arguments.
    pub extra_args: Vec<String>,
}

impl CliSource {
    /// `op`, `op:Engineering`, `doppler:api/prd`…; `None` when `text` names no known tool.
    pub fn parse(text: &str) -> Option<CliSource> {
        let (tool, spec) = match text.split_once(':') {
            Some((tool, spec)) => (tool, Some(spec)),
            None => (text, None),
        };
        let tool = Tool::from_program(tool)?;
        Some(CliSource {
            tool,
            spec: spec.filter(|s| !s.is_empty()).map(str::to_string),
            extra_args: Vec::new(),
        })
    }

    /// How the source is named in messages (`op:Engineering`).
    pub fn label(&self) -> String {
        match &self.spec {
            Some(spec) => format!("{}:{spec}", self.tool.program()),
            None => self.tool.program().to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CliSourceError {
    #[error(
        "--vault {label}: `{program}` is not installed (not found on PATH); install {product}: {hint}"
    )]
    Missing {
        label: String,
        program: &'static str,
        product: &'static str,
        hint: &'static str,
    },
    #[error("--vault {label}: cannot run `{program}`: {error}")]
    Spawn {
        label: String,
        program: &'static str,
        error: std::io::Error,
    },
    #[error("--vault {label}: `{command}` failed ({status}); {hint}{stderr}")]
    Failed {
        label: String,
        command: String,
        status: String,
        hint: &'static str,
        /// Already vetted: holds nothing that looks like a credential.
        stderr: String,
    },
    #[error("--vault {label}: {message}")]
    Spec { label: String, message: String },
    #[error("--vault {label}: the output of `{command}` is not valid {format} JSON: {message}")]
    Parse {
        label: String,
        command: String,
        format: &'static str,
        message: String,
    },
}

/// What reading through a CLI gave: the entries, and how many items could not be read.
#[derive(Debug, Default)]
pub struct CliRead {
    pub entries: Vec<VaultEntry>,
    /// Items listed but not returned (`op item get -` skipping some).
    pub unreadable: usize,
    /// The names of those items, where the tool fetches them one by one (`gcloud`, `az`).
    pub unreadable_items: Vec<String>,
}

/// A buffer of the tool's standard output, zeroed when dropped.
struct Secret(Vec<u8>);

impl Drop for Secret {
    fn drop(&mut self) {
        for byte in self.0.iter_mut() {
            // SAFETY: `byte` is a valid, aligned, exclusive reference.
            unsafe { std::ptr::write_volatile(byte, 0) };
        }
        std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
    }
}

/// Runs the tool for `source` and reads every value it prints.
pub fn read(
    source: &CliSource,
    matcher: Option<&Matcher>,
    vault_name: Option<&str>,
) -> Result<CliRead, CliSourceError> {
    let label = source.label();
    let extra = source.extra_args.iter().map(String::as_str);
    match source.tool {
        Tool::Op => {
            let mut list = vec!["item", "list", "--format", "json"];
            if let Some(vault) = &source.spec {
                list.extend(["--vault", vault.as_str()]);
            }
            list.extend(extra);
            // The listing holds ids and titles, no values; it is still zeroed.
            let listed = run(source, &list, None)?;
            let wanted = count_values(&listed.0);
            let got = run(
                source,
                &["item", "get", "-", "--format", "json"],
                Some(&listed.0),
            )?;
            drop(listed);
            let returned = count_values(&got.0);
            let entries = parse(
                source,
                &got,
                "op item get - --format json",
                matcher,
                vault_name,
            )?;
            Ok(CliRead {
                entries,
                unreadable: wanted.saturating_sub(returned),
                ..CliRead::default()
            })
        }
        Tool::Bw => {
            let mut args = vec!["list", "items", "--nointeraction"];
            args.extend(extra);
            let out = run(source, &args, None)?;
            let entries = parse(source, &out, "bw list items", matcher, vault_name)?;
            Ok(CliRead {
                entries,
                ..CliRead::default()
            })
        }
        Tool::Doppler => {
            let mut args = vec![
                "secrets",
                "download",
                "--no-file",
                "--format",
                "json",
                "--no-read-env",
            ];
            let mut name = vault_name.map(str::to_string);
            if let Some(spec) = &source.spec {
                let Some((project, config)) = spec.split_once('/') else {
                    return Err(CliSourceError::Spec {
                        label,
                        message: "give the project and the config: doppler:PROJECT/CONFIG \
                                  (e.g. doppler:api/prd)"
                            .into(),
                    });
                };
                args.extend(["--project", project, "--config", config]);
                name.get_or_insert_with(|| spec.clone());
            }
            args.extend(extra);
            let out = run(source, &args, None)?;
            let entries = parse(
                source,
                &out,
                "doppler secrets download --no-file --format json",
                matcher,
                name.as_deref(),
            )?;
            Ok(CliRead {
                entries,
                ..CliRead::default()
            })
        }
        Tool::Vault => {
            let Some(spec) = &source.spec else {
                return Err(CliSourceError::Spec {
                    label,
                    message: "name the KV paths to read: vault:secret/app,secret/db".into(),
                });
            };
            let mut entries = Vec::new();
            for path in spec.split(',').filter(|p| !p.is_empty()) {
                let mut args = vec!["kv", "get", "-format=json"];
                args.extend(source.extra_args.iter().map(String::as_str));
                args.push(path);
                let out = run(source, &args, None)?;
                let command = format!("vault kv get -format=json {path}");
                let mut read = parse(source, &out, &command, matcher, vault_name)?;
                for entry in &mut read {
                    if entry.meta.item.is_empty() {
                        entry.meta.item = path.to_string();
                    }
                }
                entries.extend(read);
            }
            Ok(CliRead {
                entries,
                ..CliRead::default()
            })
        }
        Tool::Bws => {
            let mut args = vec!["secret", "list"];
            if let Some(project) = &source.spec {
                args.push(project.as_str());
            }
            args.extend(["-o", "json"]);
            args.extend(extra);
            let out = run(source, &args, None)?;
            let entries = parse(source, &out, "bws secret list -o json", matcher, vault_name)?;
            Ok(CliRead {
                entries,
                ..CliRead::default()
            })
        }
        Tool::Infisical => {
            let mut args = vec!["export", "--format=json"];
            let env;
            if let Some(spec) = &source.spec {
                env = format!("--env={spec}");
                args.push(env.as_str());
            }
            args.extend(extra);
            let out = run(source, &args, None)?;
            let entries = parse(
                source,
                &out,
                "infisical export --format=json",
                matcher,
                vault_name,
            )?;
            Ok(CliRead {
                entries,
                ..CliRead::default()
            })
        }
        Tool::Aws => {
            let mut region = Vec::new();
            if let Some(spec) = &source.spec {
                region = vec!["--region".to_string(), spec.clone()];
            }
            let mut list = vec!["secretsmanager", "list-secrets", "--output", "json"];
            list.extend(region.iter().map(String::as_str));
            list.extend(extra);
            let listed = run(source, &list, None)?;
            let arns: Vec<String> = serde_json::from_slice::<serde_json::Value>(&listed.0)
                .ok()
                .and_then(|v| v.get("SecretList").and_then(|l| l.as_array()).cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|s| s.get("ARN").and_then(|a| a.as_str()).map(str::to_string))
                .collect();
            // The listing has no values but is the only output with `LastRotatedDate`,
            // `LastChangedDate` and `Tags`: metadata records, joined to the values by ARN when
            // the index is built.
            let metadata = parse(
                source,
                &listed,
                "aws secretsmanager list-secrets",
                matcher,
                vault_name,
            )?;
            drop(listed);
            let mut read = CliRead {
                entries: metadata,
                ..CliRead::default()
            };
            for batch in arns.chunks(20) {
                let mut args = vec![
                    "secretsmanager",
                    "batch-get-secret-value",
                    "--output",
                    "json",
                ];
                args.extend(region.iter().map(String::as_str));
                args.push("--secret-id-list");
                args.extend(batch.iter().map(String::as_str));
                let out = run(source, &args, None)?;
                let returned = serde_json::from_slice::<serde_json::Value>(&out.0)
                    .ok()
                    .and_then(|v| {
                        v.get("SecretValues")
                            .and_then(|l| l.as_array())
                            .map(Vec::len)
                    })
                    .unwrap_or(0);
                read.unreadable += batch.len().saturating_sub(returned);
                read.entries.extend(parse(
                    source,
                    &out,
                    "aws secretsmanager batch-get-secret-value",
                    matcher,
                    vault_name,
                )?);
            }
            Ok(read)
        }
        Tool::Gcloud => read_gcloud(source, matcher, vault_name),
        Tool::Az => read_az(source, matcher, vault_name),
    }
}

fn parse(
    source: &CliSource,
    out: &Secret,
    command: &str,
    matcher: Option<&Matcher>,
    vault_name: Option<&str>,
) -> Result<Vec<VaultEntry>, CliSourceError> {
    let format = source.tool.format();
    parse_bytes(format, &out.0, matcher, vault_name).map_err(|e| {
        let message = match e {
            ParseError::Encrypted(hint) => hint,
            ParseError::Invalid(message) => message,
        };
        CliSourceError::Parse {
            label: source.label(),
            command: command.to_string(),
            format: format.name(),
            message,
        }
    })
}

/// Top-level JSON values in `bytes`: an array's elements, or objects one after another.
fn count_values(bytes: &[u8]) -> usize {
    if let Ok(serde_json::Value::Array(items)) = serde_json::from_slice(bytes) {
        return items.len();
    }
    serde_json::Deserializer::from_slice(bytes)
        .into_iter::<serde::de::IgnoredAny>()
        .take_while(Result::is_ok)
        .count()
}

/// Runs `tool args…` (no shell), feeding `stdin`, and returns its standard output.
fn run(source: &CliSource, args: &[&str], stdin: Option<&[u8]>) -> Result<Secret, CliSourceError> {
    let program = source.tool.program();
    let label = source.label();
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            if error.kind() == std::io::ErrorKind::NotFound {
                CliSourceError::Missing {
                    label: label.clone(),
                    program,
                    product: source.tool.product(),
                    hint: source.tool.install_hint(),
                }
            } else {
                CliSourceError::Spawn {
                    label: label.clone(),
                    program,
                    error,
                }
            }
        })?;
    // Feed standard input from a thread so a tool writing before it reads cannot deadlock.
    let feeder = match (stdin, child.stdin.take()) {
        (Some(input), Some(mut pipe)) => {
            let input = input.to_vec();
            Some(std::thread::spawn(move || {
                let input = Secret(input);
                let _ = pipe.write_all(&input.0);
            }))
        }
        _ => None,
    };
    let mut stderr_pipe = child.stderr.take();
    let stderr_reader = std::thread::spawn(move || {
        let mut err = Vec::new();
        if let Some(pipe) = stderr_pipe.as_mut() {
            let _ = pipe.take(64 * 1024).read_to_end(&mut err);
            // Drain the rest so the tool never blocks on a full pipe.
            let _ = std::io::copy(pipe, &mut std::io::sink());
        }
        Secret(err)
    });
    let mut out = Secret(Vec::with_capacity(1 << 20));
    if let Some(mut pipe) = child.stdout.take() {
        let mut chunk = Secret(vec![0; 64 * 1024]);
        loop {
            match pipe.read(&mut chunk.0) {
                Ok(0) => break,
                Ok(n) => {
                    if out.0.len() + n > out.0.capacity() {
                        // Grow by hand so the old allocation is zeroed, not left behind.
                        let mut bigger = Secret(Vec::with_capacity((out.0.len() + n) * 2));
                        bigger.0.extend_from_slice(&out.0);
                        out = bigger;
                    }
                    out.0.extend_from_slice(&chunk.0[..n]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(CliSourceError::Spawn {
                        label,
                        program,
                        error,
                    });
                }
            }
        }
    }
    let status = child.wait().map_err(|error| CliSourceError::Spawn {
        label: label.clone(),
        program,
        error,
    })?;
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    let stderr = stderr_reader.join().unwrap_or_else(|_| Secret(Vec::new()));
    if !status.success() {
        drop(out);
        return Err(CliSourceError::Failed {
            label,
            command: format!("{program} {}", args.join(" ")),
            status: match status.code() {
                Some(code) => format!("exit {code}"),
                None => "killed by a signal".into(),
            },
            hint: source.tool.failure_hint(&stderr.0),
            stderr: quote_stderr(&stderr.0),
        });
    }
    Ok(out)
}

/// The tool's error output as `: it said "…"`, or a note that it was withheld because
/// something in it looks like a credential (a rule matches, or a long random token).
fn quote_stderr(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let suspicious = text
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '=' || c == ':')
        .any(|token| token.len() >= 16 && machine_generated(token.as_bytes(), None))
        || crate::detect::rules::RuleSet::builtin()
            .ok()
            .and_then(|rules| Matcher::new(rules).ok())
            .is_some_and(|m| !m.find(text.as_bytes()).is_empty());
    if suspicious {
        return "; its error output was withheld (something in it looks like a credential)".into();
    }
    let mut quoted: String = text
        .lines()
        .take(5)
        .collect::<Vec<_>>()
        .join(" / ")
        .chars()
        .filter(|c| !c.is_control())
        .take(400)
        .collect();
    if quoted.len() < text.len() {
        quoted.push('…');
    }
    format!("; it said: {quoted:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let s = CliSource::parse("op:Engineering").unwrap();
        assert_eq!(s.tool, Tool::Op);
        assert_eq!(s.spec.as_deref(), Some("Engineering"));
        assert_eq!(CliSource::parse("bw").unwrap().spec, None);
        assert_eq!(
            CliSource::parse("doppler:api/prd").unwrap().label(),
            "doppler:api/prd"
        );
        assert_eq!(
            CliSource::parse("az:kv-shop-prod").unwrap().spec.as_deref(),
            Some("kv-shop-prod")
        );
        assert_eq!(CliSource::parse("gcloud").unwrap().tool, Tool::Gcloud);
        assert!(CliSource::parse("vault.json").is_none());
        assert!(CliSource::parse("exports/op").is_none());
    }

    #[test]
    fn stderr_with_a_token_is_withheld() {
        let quoted = quote_stderr(b"[ERROR] You are not currently signed in.");
        assert!(quoted.contains("not currently signed in"), "{quoted}");
        let token = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
        let withheld = quote_stderr(format!("bad value {token}").as_bytes());
        assert!(!withheld.contains(token), "{withheld}");
        assert!(withheld.contains("withheld"));
    }

    #[test]
    fn failure_advice_follows_what_gcloud_and_az_said() {
        let hint = |tool: Tool, said: &str| tool.failure_hint(said.as_bytes());
        assert_eq!(
            hint(
                Tool::Gcloud,
                "ERROR: (gcloud.secrets.list) You do not currently have an active account selected."
            ),
            "log in with `gcloud auth login`"
        );
        assert!(
            hint(
                Tool::Gcloud,
                "ERROR: (gcloud.secrets.list) The required property [project] is not fully specified."
            )
            .contains("gcloud:PROJECT")
        );
        assert!(
            hint(
                Tool::Gcloud,
                "ERROR: (gcloud.secrets.list) Missing required argument [project]: Please set a \
                 project with `--project` flag or `gcloud config set project PROJECT_ID`."
            )
            .contains("gcloud:PROJECT")
        );
        assert!(
            hint(
                Tool::Gcloud,
                "ERROR: (gcloud.secrets.list) Could not load the default credentials from the \
                 application-default credentials file"
            )
            .contains("gcloud auth application-default login")
        );
        assert!(
            hint(
                Tool::Gcloud,
                "ERROR: (gcloud.secrets.list) PERMISSION_DENIED: Permission \
                 'secretmanager.secrets.list' denied"
            )
            .contains("roles/secretmanager.viewer")
        );
        assert!(
            hint(
                Tool::Gcloud,
                "ERROR: (gcloud.secrets.list) PERMISSION_DENIED: Secret Manager API has not been \
                 used in project 314159265358 before or it is disabled."
            )
            .contains("gcloud services enable secretmanager.googleapis.com")
        );
        assert_eq!(
            hint(Tool::Az, "ERROR: Please run 'az login' to setup account."),
            "log in with `az login`"
        );
        assert!(
            hint(
                Tool::Az,
                "ERROR: (Forbidden) The user, group or application 'appid=1' does not have secrets \
                 list permission on key vault 'kv-a;location=westeurope'."
            )
            .contains("Key Vault Secrets User")
        );
        assert!(
            hint(
                Tool::Az,
                "ERROR: Failed to resolve 'kv-typo.vault.azure.net'"
            )
            .contains("check the vault name")
        );
        // Other tools keep their one login hint.
        assert_eq!(hint(Tool::Op, "forbidden"), Tool::Op.login_hint());
    }

    #[test]
    fn counts_listed_items() {
        assert_eq!(count_values(b"[{\"id\":1},{\"id\":2}]"), 2);
        assert_eq!(count_values(b"{\"id\":1}\n{\"id\":2}\n{\"id\":3}"), 3);
    }
}
