//! The cloud secret managers' CLIs, read secret by secret: `gcloud` (list, then access and
//! describe each) and `az keyvault` (list, then show each enabled one), with each secret that
//! could not be read counted and named.

use super::*;

/// A secret `gcloud secrets list` or `az keyvault secret list` named, with what the listing
/// says about it (no value).
struct Listed {
    name: String,
    /// GCP: the secret's `locations/L` segment (regional secrets).
    location: Option<String>,
    created: Option<jiff::Timestamp>,
    tags: Vec<String>,
    owner: Option<String>,
    /// Azure: `attributes.enabled` false (`show` refuses a disabled secret).
    disabled: bool,
}

/// The listing's array of secrets (`[]` for anything else: the per-item reads then find none).
fn listed_secrets(listed: &Secret, tags_key: &str) -> Vec<Listed> {
    let Ok(serde_json::Value::Array(secrets)) = serde_json::from_slice(&listed.0) else {
        return Vec::new();
    };
    secrets
        .iter()
        .filter_map(|secret| {
            // GCP: `projects/P[/locations/L]/secrets/S`; Azure: `name`, else the id's last part.
            let full = secret
                .get("name")
                .or_else(|| secret.get("id"))
                .and_then(|n| n.as_str())?;
            let parts: Vec<&str> = full.trim_end_matches('/').split('/').collect();
            let after = |key: &str| {
                parts
                    .windows(2)
                    .find(|pair| pair[0] == key)
                    .map(|pair| pair[1].to_string())
            };
            let name = after("secrets").unwrap_or_else(|| full.to_string());
            let (mut tags, mut owner) = (Vec::new(), None);
            if let Some(map) = secret.get(tags_key).and_then(|t| t.as_object()) {
                for (key, value) in map {
                    let Some(value) = value.as_str() else {
                        continue;
                    };
                    if key.eq_ignore_ascii_case("owner") && !value.is_empty() {
                        owner = Some(value.to_string());
                    }
                    tags.push(format!("{key}={value}"));
                }
            }
            let attributes = secret.get("attributes");
            Some(Listed {
                name,
                location: after("locations"),
                created: crate::vault::shared::timestamp(
                    secret
                        .get("createTime")
                        .or_else(|| attributes.and_then(|a| a.get("created"))),
                ),
                tags,
                owner,
                disabled: attributes
                    .and_then(|a| a.get("enabled"))
                    .is_some_and(|e| e == &serde_json::Value::Bool(false)),
            })
        })
        .collect()
}

/// Per-item reads: a failing item is counted and named, the first failure kept; a tool that
/// cannot run at all is an error at once.
#[derive(Default)]
struct Items {
    read: CliRead,
    listed: usize,
    first_failure: Option<CliSourceError>,
}

impl Items {
    fn run(
        &mut self,
        source: &CliSource,
        args: &[&str],
        item: &str,
    ) -> Result<Option<Secret>, CliSourceError> {
        match run(source, args, None) {
            Ok(out) => Ok(Some(out)),
            Err(failed @ CliSourceError::Failed { .. }) => {
                self.unreadable(item);
                self.first_failure.get_or_insert(failed);
                Ok(None)
            }
            Err(other) => Err(other),
        }
    }

    fn unreadable(&mut self, item: &str) {
        self.read.unreadable += 1;
        self.read.unreadable_items.push(item.to_string());
    }

    /// Every listed item failed the same way the first did (an expired login between the
    /// listing and the reads, a role that may list but not read): that failure, not a count.
    fn finish(self) -> Result<CliRead, CliSourceError> {
        match self.first_failure {
            Some(failure) if self.read.unreadable == self.listed => Err(failure),
            _ => Ok(self.read),
        }
    }
}

/// `gcloud secrets list`, then per secret `versions access latest` (the value, as JSON: the
/// `gcp-secret-manager` reader's shape) and `versions describe latest` (that version's
/// `createTime`: when the value was set, the age). The listing gives the secret's own
/// `createTime` and its `labels` (tags; an `owner` label is the owner).
pub(super) fn read_gcloud(
    source: &CliSource,
    matcher: Option<&Matcher>,
    vault_name: Option<&str>,
) -> Result<CliRead, CliSourceError> {
    let mut project = Vec::new();
    if let Some(spec) = &source.spec {
        project = vec!["--project", spec.as_str()];
    }
    let mut list = vec!["secrets", "list", "--format=json"];
    list.extend(project.iter().copied());
    list.extend(source.extra_args.iter().map(String::as_str));
    let listed = run(source, &list, None)?;
    let secrets = listed_secrets(&listed, "labels");
    drop(listed);
    let mut items = Items {
        listed: secrets.len(),
        ..Items::default()
    };
    for secret in &secrets {
        let mut scope = project.clone();
        if let Some(location) = &secret.location {
            scope.extend(["--location", location.as_str()]);
        }
        let version_args = |verb: &'static str| {
            let mut args = vec!["secrets", "versions", verb, "latest", "--secret"];
            args.push(secret.name.as_str());
            args.push("--format=json");
            args.extend(scope.iter().copied());
            args
        };
        let Some(out) = items.run(source, &version_args("access"), &secret.name)? else {
            continue;
        };
        let mut entries = parse(
            source,
            &out,
            "gcloud secrets versions access latest --format=json",
            matcher,
            vault_name,
        )?;
        drop(out);
        // Metadata only: without the permission to describe, the value still counts.
        let version = match run(source, &version_args("describe"), None) {
            Ok(described) => serde_json::from_slice::<serde_json::Value>(&described.0).ok(),
            Err(CliSourceError::Failed { .. }) => None,
            Err(other) => return Err(other),
        };
        let version_created = version.as_ref().and_then(|v| {
            let number = v.get("name")?.as_str()?.rsplit('/').next()?.to_string();
            let created = crate::vault::shared::timestamp(v.get("createTime"))?;
            Some((number, created))
        });
        for entry in &mut entries {
            let meta = &mut entry.meta;
            meta.created = meta.created.or(secret.created);
            // `access` and `describe` are two calls: a version added between them is not
            // this value's.
            match &version_created {
                Some((number, created)) if meta.field == format!("version {number}") => {
                    meta.updated = Some(*created);
                    meta.age_from = Some(format!("versions.{number}.createTime"));
                }
                _ if secret.created.is_some() => {
                    meta.age_from = Some("createTime".into());
                }
                _ => {}
            }
            meta.tags.extend(secret.tags.iter().cloned());
            if meta.owner.is_none() {
                meta.owner = secret.owner.clone();
            }
        }
        items.read.entries.extend(entries);
    }
    items.finish()
}

/// `az keyvault secret list --vault-name V` (names, attributes and tags, no values; the CLI
/// follows the pages itself), then `az keyvault secret show` per enabled secret. A disabled
/// secret cannot be shown: it is counted as unreadable without asking.
pub(super) fn read_az(
    source: &CliSource,
    matcher: Option<&Matcher>,
    vault_name: Option<&str>,
) -> Result<CliRead, CliSourceError> {
    let Some(vault) = &source.spec else {
        return Err(CliSourceError::Spec {
            label: source.label(),
            message: "name the key vault: az:VAULT (the name in https://VAULT.vault.azure.net)"
                .into(),
        });
    };
    let mut list = vec!["keyvault", "secret", "list", "--vault-name", vault.as_str()];
    list.extend(["-o", "json"]);
    list.extend(source.extra_args.iter().map(String::as_str));
    let listed = run(source, &list, None)?;
    let secrets = listed_secrets(&listed, "tags");
    drop(listed);
    let mut items = Items {
        listed: secrets.len(),
        ..Items::default()
    };
    for secret in &secrets {
        if secret.disabled {
            items.unreadable(&format!("{} (disabled)", secret.name));
            continue;
        }
        let show = [
            "keyvault",
            "secret",
            "show",
            "--vault-name",
            vault.as_str(),
            "--name",
            secret.name.as_str(),
            "-o",
            "json",
        ];
        let Some(out) = items.run(source, &show, &secret.name)? else {
            continue;
        };
        let entries = parse(
            source,
            &out,
            "az keyvault secret show -o json",
            matcher,
            vault_name,
        )?;
        items.read.entries.extend(entries);
    }
    items.finish()
}
