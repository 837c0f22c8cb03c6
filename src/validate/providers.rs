//! The built-in validators: for each, the rules whose credentials it checks, the one host the
//! credential may be sent to, and the cheapest read-only request that proves it works (each
//! provider's documented identity, "whoami" or listing endpoint). Nothing here takes a URL from
//! input: a host is a constant, and redirects are never followed (see `http`).

/// How the credential goes into the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer SECRET`.
    Bearer,
    /// `NAME: PREFIX SECRET` (`Authorization: Bot …`, `PRIVATE-TOKEN: …`).
    Header(&'static str, &'static str),
    /// HTTP basic auth with this user name and the secret as password.
    BasicPassword(&'static str),
    /// In the path, where `{secret}` stands (Telegram's `/bot{secret}/getMe`).
    Path,
}

/// How a response decides the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// JSON pointers whose string values name the identity, joined with `@`.
    pub identity: &'static [&'static str],
    /// A response header listing scopes, comma-separated (`x-oauth-scopes`).
    pub scopes_header: Option<&'static str>,
    /// A JSON pointer to an array (or space-separated string) of scopes.
    pub scopes: Option<&'static str>,
    /// A JSON pointer to a boolean that must be true for a 2xx answer to mean live (Slack's
    /// `ok`, Cloudflare's `success`); false means invalid.
    pub ok: Option<&'static str>,
    /// `403` means the credential works but may not make this call (a restricted key).
    pub forbidden_is_live: bool,
}

impl Reading {
    const PLAIN: Reading = Reading {
        identity: &[],
        scopes_header: None,
        scopes: None,
        ok: None,
        forbidden_is_live: false,
    };
}

/// One provider's check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validator {
    /// Shown in reports and the README's list.
    pub provider: &'static str,
    /// The rule ids whose findings it checks.
    pub rules: &'static [&'static str],
    /// The only host the credential is ever sent to (HTTPS, port 443).
    pub host: &'static str,
    pub method: Method,
    /// The path and query; `{secret}` only with [`Auth::Path`].
    pub path: &'static str,
    pub auth: Auth,
    /// Fixed extra headers (API versions, Accept).
    pub headers: &'static [(&'static str, &'static str)],
    /// A fixed JSON body (GraphQL queries).
    pub body: Option<&'static str>,
    pub reading: Reading,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

impl Validator {
    /// `GET api.github.com/user`: the request without the credential.
    pub fn endpoint(&self) -> String {
        let path = self.path.split('?').next().unwrap_or(self.path);
        format!(
            "{} {}{}",
            self.method.as_str(),
            self.host,
            path.replace("{secret}", "…")
        )
    }
}

const fn get(
    provider: &'static str,
    rules: &'static [&'static str],
    host: &'static str,
    path: &'static str,
    auth: Auth,
) -> Validator {
    Validator {
        provider,
        rules,
        host,
        method: Method::Get,
        path,
        auth,
        headers: &[],
        body: None,
        reading: Reading::PLAIN,
    }
}

const fn reading(identity: &'static [&'static str]) -> Reading {
    Reading {
        identity,
        ..Reading::PLAIN
    }
}

const JSON: (&str, &str) = ("Accept", "application/json");

/// Every built-in validator. A rule appears in at most one (a test checks that, and that every
/// rule named exists).
pub const VALIDATORS: &[Validator] = &[
    Validator {
        headers: &[
            ("Accept", "application/vnd.github+json"),
            ("X-GitHub-Api-Version", "2022-11-28"),
        ],
        reading: Reading {
            identity: &["/login"],
            scopes_header: Some("x-oauth-scopes"),
            ..Reading::PLAIN
        },
        ..get(
            "GitHub",
            &[
                "github-classic-pat",
                "github-oauth-token",
                "github-user-to-server-token",
                "github-fine-grained-pat",
            ],
            "api.github.com",
            "/user",
            Auth::Bearer,
        )
    },
    Validator {
        reading: Reading {
            identity: &["/name"],
            scopes: Some("/scopes"),
            ..Reading::PLAIN
        },
        ..get(
            "GitLab (gitlab.com)",
            &["gitlab-pat"],
            "gitlab.com",
            "/api/v4/personal_access_tokens/self",
            Auth::Header("PRIVATE-TOKEN", ""),
        )
    },
    Validator {
        method: Method::Post,
        reading: Reading {
            identity: &["/user", "/team"],
            ok: Some("/ok"),
            ..Reading::PLAIN
        },
        ..get(
            "Slack",
            &[
                "slack-bot-token",
                "slack-user-token",
                "slack-workspace-token",
                "slack-legacy-token",
                "slack-legacy-bot-token",
            ],
            "slack.com",
            "/api/auth.test",
            Auth::Bearer,
        )
    },
    get(
        "OpenAI",
        &[
            "openai-project-key",
            "openai-service-account-key",
            "openai-user-key",
        ],
        "api.openai.com",
        "/v1/models",
        Auth::Bearer,
    ),
    Validator {
        headers: &[("anthropic-version", "2023-06-01")],
        ..get(
            "Anthropic",
            &["anthropic-api-key"],
            "api.anthropic.com",
            "/v1/models",
            Auth::Header("x-api-key", ""),
        )
    },
    Validator {
        reading: Reading {
            forbidden_is_live: true,
            ..Reading::PLAIN
        },
        ..get(
            "Stripe",
            &["stripe-secret-key", "stripe-restricted-key"],
            "api.stripe.com",
            "/v1/balance",
            Auth::Bearer,
        )
    },
    Validator {
        reading: reading(&["/username"]),
        ..get(
            "npm",
            &["npm-access-token"],
            "registry.npmjs.org",
            "/-/whoami",
            Auth::Bearer,
        )
    },
    Validator {
        reading: Reading {
            identity: &["/name"],
            scopes: Some("/auth/accessToken/role"),
            ..Reading::PLAIN
        },
        ..get(
            "Hugging Face",
            &["huggingface-access-token"],
            "huggingface.co",
            "/api/whoami-v2",
            Auth::Bearer,
        )
    },
    Validator {
        reading: Reading {
            ok: Some("/success"),
            ..Reading::PLAIN
        },
        ..get(
            "Cloudflare",
            &["cloudflare-api-token"],
            "api.cloudflare.com",
            "/client/v4/user/tokens/verify",
            Auth::Bearer,
        )
    },
    get(
        "Groq",
        &["groq-api-key"],
        "api.groq.com",
        "/openai/v1/models",
        Auth::Bearer,
    ),
    get(
        "Mistral",
        &["mistral-api-key"],
        "api.mistral.ai",
        "/v1/models",
        Auth::Bearer,
    ),
    get(
        "xAI",
        &["xai-api-key"],
        "api.x.ai",
        "/v1/models",
        Auth::Bearer,
    ),
    Validator {
        reading: reading(&["/data/label"]),
        ..get(
            "OpenRouter",
            &["openrouter-api-key"],
            "openrouter.ai",
            "/api/v1/key",
            Auth::Bearer,
        )
    },
    Validator {
        reading: reading(&["/username"]),
        ..get(
            "Replicate",
            &["replicate-api-token"],
            "api.replicate.com",
            "/v1/account",
            Auth::Bearer,
        )
    },
    get(
        "Cohere",
        &["cohere-api-key"],
        "api.cohere.com",
        "/v1/models",
        Auth::Bearer,
    ),
    get(
        "Together AI",
        &["together-api-key", "together-legacy-api-key"],
        "api.together.xyz",
        "/v1/models",
        Auth::Bearer,
    ),
    get(
        "DeepSeek",
        &["deepseek-api-key"],
        "api.deepseek.com",
        "/models",
        Auth::Bearer,
    ),
    get(
        "ElevenLabs",
        &["elevenlabs-api-key", "elevenlabs-legacy-api-key"],
        "api.elevenlabs.io",
        "/v1/user",
        Auth::Header("xi-api-key", ""),
    ),
    Validator {
        reading: reading(&["/account/email"]),
        ..get(
            "DigitalOcean",
            &["digitalocean-pat", "digitalocean-oauth-token"],
            "api.digitalocean.com",
            "/v2/account",
            Auth::Bearer,
        )
    },
    Validator {
        headers: &[("Accept", "application/vnd.heroku+json; version=3")],
        reading: reading(&["/email"]),
        ..get(
            "Heroku",
            &["heroku-api-key", "heroku-api-key-legacy"],
            "api.heroku.com",
            "/account",
            Auth::Bearer,
        )
    },
    Validator {
        reading: reading(&["/user/username"]),
        ..get(
            "Vercel",
            &["vercel-token"],
            "api.vercel.com",
            "/v2/user",
            Auth::Bearer,
        )
    },
    Validator {
        reading: reading(&["/email"]),
        ..get(
            "Netlify",
            &["netlify-personal-access-token", "netlify-auth-token"],
            "api.netlify.com",
            "/api/v1/user",
            Auth::Bearer,
        )
    },
    Validator {
        reading: Reading {
            scopes: Some("/scopes"),
            ..Reading::PLAIN
        },
        ..get(
            "SendGrid",
            &["sendgrid-api-key"],
            "api.sendgrid.com",
            "/v3/scopes",
            Auth::Bearer,
        )
    },
    get(
        "Mailgun",
        &["mailgun-api-key", "mailgun-api-key-v2"],
        "api.mailgun.net",
        "/v3/domains?limit=1",
        Auth::BasicPassword("api"),
    ),
    Validator {
        headers: &[JSON],
        reading: reading(&["/Name"]),
        ..get(
            "Postmark",
            &["postmark-server-token"],
            "api.postmarkapp.com",
            "/server",
            Auth::Header("X-Postmark-Server-Token", ""),
        )
    },
    Validator {
        reading: reading(&["/username"]),
        ..get(
            "Discord",
            &["discord-bot-token"],
            "discord.com",
            "/api/v10/users/@me",
            Auth::Header("Authorization", "Bot "),
        )
    },
    Validator {
        reading: Reading {
            identity: &["/result/username"],
            ok: Some("/ok"),
            ..Reading::PLAIN
        },
        ..get(
            "Telegram",
            &["telegram-bot-token"],
            "api.telegram.org",
            "/bot{secret}/getMe",
            Auth::Path,
        )
    },
    Validator {
        method: Method::Post,
        headers: &[("Content-Type", "application/json")],
        body: Some(r#"{"query":"{ viewer { email } }"}"#),
        reading: reading(&["/data/viewer/email"]),
        ..get(
            "Linear",
            &["linear-api-key"],
            "api.linear.app",
            "/graphql",
            Auth::Header("Authorization", ""),
        )
    },
    Validator {
        headers: &[("Notion-Version", "2022-06-28")],
        reading: reading(&["/name"]),
        ..get(
            "Notion",
            &["notion-integration-token", "notion-legacy-token"],
            "api.notion.com",
            "/v1/users/me",
            Auth::Bearer,
        )
    },
    Validator {
        reading: Reading {
            identity: &["/email"],
            scopes: Some("/scopes"),
            ..Reading::PLAIN
        },
        ..get(
            "Airtable",
            &["airtable-personal-access-token"],
            "api.airtable.com",
            "/v0/meta/whoami",
            Auth::Bearer,
        )
    },
    Validator {
        reading: Reading {
            identity: &["/user/username"],
            scopes: Some("/auth/scopes"),
            ..Reading::PLAIN
        },
        ..get(
            "Sentry (sentry.io)",
            &["sentry-org-auth-token", "sentry-user-auth-token"],
            "sentry.io",
            "/api/0/",
            Auth::Bearer,
        )
    },
    Validator {
        reading: Reading {
            ok: Some("/valid"),
            ..Reading::PLAIN
        },
        ..get(
            "Datadog (US1)",
            &["datadog-api-key"],
            "api.datadoghq.com",
            "/api/v1/validate",
            Auth::Header("DD-API-KEY", ""),
        )
    },
    Validator {
        headers: &[("Accept", "application/vnd.pagerduty+json;version=2")],
        reading: Reading {
            scopes: Some("/abilities"),
            ..Reading::PLAIN
        },
        ..get(
            "PagerDuty",
            &["pagerduty-api-token"],
            "api.pagerduty.com",
            "/abilities",
            Auth::Header("Authorization", "Token token="),
        )
    },
    Validator {
        reading: reading(&["/name", "/workplace/name"]),
        ..get(
            "Doppler",
            &[
                "doppler-service-token",
                "doppler-personal-token",
                "doppler-service-account-token",
            ],
            "api.doppler.com",
            "/v3/me",
            Auth::Bearer,
        )
    },
    Validator {
        reading: reading(&["/data/attributes/username"]),
        ..get(
            "Terraform Cloud",
            &["terraform-cloud-token"],
            "app.terraform.io",
            "/api/v2/account/details",
            Auth::Bearer,
        )
    },
    Validator {
        reading: Reading {
            scopes: Some("/scopes"),
            ..Reading::PLAIN
        },
        ..get(
            "Buildkite",
            &["buildkite-api-token"],
            "api.buildkite.com",
            "/v2/access-token",
            Auth::Bearer,
        )
    },
    Validator {
        reading: reading(&["/login"]),
        ..get(
            "CircleCI",
            &["circleci-personal-token"],
            "circleci.com",
            "/api/v2/me",
            Auth::Header("Circle-Token", ""),
        )
    },
    get(
        "Square",
        &["square-access-token"],
        "connect.squareup.com",
        "/v2/locations",
        Auth::Bearer,
    ),
    Validator {
        headers: &[("X-Pinecone-API-Version", "2024-07")],
        ..get(
            "Pinecone",
            &["pinecone-api-key"],
            "api.pinecone.io",
            "/indexes",
            Auth::Header("Api-Key", ""),
        )
    },
    Validator {
        reading: reading(&["/portalId"]),
        ..get(
            "HubSpot",
            &["hubspot-private-app-token"],
            "api.hubapi.com",
            "/account-info/v3/details",
            Auth::Bearer,
        )
    },
    Validator {
        headers: &[JSON],
        reading: reading(&["/email"]),
        ..get(
            "Intercom",
            &["intercom-access-token"],
            "api.intercom.io",
            "/me",
            Auth::Bearer,
        )
    },
    get(
        "Supabase",
        &["supabase-personal-access-token"],
        "api.supabase.com",
        "/v1/projects",
        Auth::Bearer,
    ),
    Validator {
        reading: reading(&["/email"]),
        ..get(
            "Neon",
            &["neon-api-key"],
            "console.neon.tech",
            "/api/v2/users/me",
            Auth::Bearer,
        )
    },
];

/// The validator for findings of `rule`, if there is one.
pub fn for_rule(rule: &str) -> Option<&'static Validator> {
    VALIDATORS.iter().find(|v| v.rules.contains(&rule))
}

/// The validator list for docs/validation.md: provider, rules, the exact request, and what is
/// read from the answer.
pub fn markdown() -> String {
    let mut out = String::from(
        "| provider | rules | request (the only host the credential is sent to) | how it is sent | read from the answer |\n|---|---|---|---|---|\n",
    );
    for v in VALIDATORS {
        let auth = match v.auth {
            Auth::Bearer => "`Authorization: Bearer …`".to_string(),
            Auth::Header(name, prefix) => format!("`{name}: {prefix}…`"),
            Auth::BasicPassword(user) => format!("basic auth, user `{user}`"),
            Auth::Path => "in the path".to_string(),
        };
        let mut read = Vec::new();
        if let Some(ok) = v.reading.ok {
            read.push(format!("`{ok}` must be true"));
        }
        if !v.reading.identity.is_empty() {
            read.push(format!("identity `{}`", v.reading.identity.join("` `")));
        }
        if let Some(header) = v.reading.scopes_header {
            read.push(format!("scopes header `{header}`"));
        }
        if let Some(scopes) = v.reading.scopes {
            read.push(format!("scopes `{scopes}`"));
        }
        if v.reading.forbidden_is_live {
            read.push("403 = live, restricted".to_string());
        }
        let path = v.path.replace("{secret}", "…");
        out.push_str(&format!(
            "| {} | {} | `{} https://{}{}` | {} | {} |\n",
            v.provider,
            v.rules
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", "),
            v.method.as_str(),
            v.host,
            path,
            auth,
            if read.is_empty() {
                "status only".to_string()
            } else {
                read.join("; ")
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_rule_named_exists_and_has_one_validator() {
        let rules = crate::detect::rules::RuleSet::builtin().expect("built-in rules");
        let ids: HashSet<&str> = rules.rules().iter().map(|r| r.id.as_str()).collect();
        let mut seen = HashSet::new();
        for validator in VALIDATORS {
            for rule in validator.rules {
                assert!(ids.contains(rule), "{}: no rule {rule}", validator.provider);
                assert!(seen.insert(*rule), "{rule} has two validators");
            }
        }
        assert!(VALIDATORS.len() >= 25, "{} validators", VALIDATORS.len());
    }

    #[test]
    fn hosts_are_plain_names_and_paths_absolute() {
        for v in VALIDATORS {
            assert!(
                v.host.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'.'
                    || b == b'-'),
                "{}",
                v.host
            );
            assert!(v.path.starts_with('/'), "{}", v.path);
            assert_eq!(
                v.path.contains("{secret}"),
                v.auth == Auth::Path,
                "{}: the secret goes in the path only with Auth::Path",
                v.provider
            );
        }
        assert_eq!(
            for_rule("telegram-bot-token")
                .map(Validator::endpoint)
                .as_deref(),
            Some("GET api.telegram.org/bot…/getMe")
        );
    }
}
