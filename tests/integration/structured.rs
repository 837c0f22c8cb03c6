//! Structured credentials wherever they appear (issue 17, item 2): base64 `user:password` pairs
//! in Docker `auth` fields and `Authorization: Basic` headers, Bearer headers, `curl -u`, and
//! passwords in Azure, SQL Server, JDBC, MongoDB, Redis and AMQP connection strings. Each is
//! decoded once and reported at the original file and line; placeholders stay silent.

use crate::common::{Fake, Tree, scan_json};
use base64::Engine as _;
use serde_json::Value;

/// (rule, path, line, secret) of every location, sorted by path and line.
fn hits(json: &Value) -> Vec<(String, String, u64, String)> {
    let mut out = Vec::new();
    for finding in json["findings"].as_array().into_iter().flatten() {
        for location in finding["locations"].as_array().into_iter().flatten() {
            out.push((
                finding["rule"].as_str().unwrap_or_default().to_string(),
                location["path"]
                    .as_str()
                    .unwrap_or_default()
                    .replace('\\', "/"),
                location["line"].as_u64().unwrap_or_default(),
                finding["secret"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    out.sort_by(|a, b| (&a.1, a.2, &a.0).cmp(&(&b.1, b.2, &b.0)));
    out
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[test]
fn structured_secrets_are_found_decoded_at_their_place() {
    let tree = Tree::new();
    let mut fake = Fake::new(1701);
    let registry_password = fake.base62(22);
    let hub_token = format!("dckr_pat_{}", fake.base62(27));
    let ci_password = fake.base62(18);
    let log_password = fake.base62(20);
    let curl_password = fake.base62(16);
    let bearer = fake.base62(40);
    let sb_key = format!(
        "{}=",
        fake.chars(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            43
        )
    );
    let cosmos_key = format!(
        "{}==",
        fake.chars(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            86
        )
    );
    let sql_password = format!("{}#{}", fake.base62(9), fake.base62(8));
    let jdbc_password = fake.base62(20);
    let mongo_password = fake.base62(20);
    let redis_password = fake.base62(24);
    let amqp_password = fake.base62(18);

    let ci_auth = b64(&format!("ci-pusher:{registry_password}"));
    tree.write(
        ".gitlab-ci.yml",
        format!(
            "variables:\n  IMAGE: registry.internal/app\n  DOCKER_AUTH_CONFIG: '{{\"auths\":{{\"registry.internal\":{{\"auth\":\"{ci_auth}\"}}}}}}'\n"
        ),
    );
    let hub_auth = b64(&format!("octocat:{hub_token}"));
    tree.write(
        "deploy/registries.json",
        format!("{{\n  \"auths\": {{\n    \"https://index.docker.io/v1/\": {{\n      \"auth\": \"{hub_auth}\"\n    }}\n  }}\n}}\n"),
    );
    let basic = b64(&format!("jenkins:{ci_password}"));
    tree.write(
        "scripts/release.sh",
        format!(
            "#!/bin/sh\nset -e\ncurl -fsS -H 'Authorization: Basic {basic}' https://ci.internal/job/release/build\ncurl -s -u deploy:{curl_password} https://nexus.internal/service/rest/v1/status\ncurl -H \"Authorization: Bearer {bearer}\" https://api.internal/v1/deploys\n"
        ),
    );
    let logged = b64(&format!(":{log_password}"));
    tree.write(
        "logs/proxy.log",
        format!(
            "2024-06-03T10:12:44Z GET /v2/_catalog HTTP/1.1\n2024-06-03T10:12:44Z   Host: registry.internal\n2024-06-03T10:12:44Z   Authorization: Basic {logged}\n"
        ),
    );
    tree.write(
        "api/appsettings.json",
        format!(
            "{{\n  \"ConnectionStrings\": {{\n    \"Orders\": \"Server=tcp:orders.database.windows.net,1433;Initial Catalog=orders;User ID=orders_app;Password={sql_password};Encrypt=True;\",\n    \"Bus\": \"Endpoint=sb://orders.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={sb_key}\",\n    \"Cosmos\": \"AccountEndpoint=https://orders.documents.azure.com:443/;AccountKey={cosmos_key};\"\n  }}\n}}\n"
        ),
    );
    tree.write(
        "src/main/resources/application.properties",
        format!(
            "spring.application.name=ledger\nspring.datasource.url=jdbc:postgresql://pg.internal:5432/ledger?user=ledger&password={jdbc_password}&ssl=true\n"
        ),
    );
    tree.write(
        "worker/.env",
        format!(
            "MONGO_URI=mongodb+srv://reporting:{mongo_password}@cluster0.q7fl2.mongodb.net/?retryWrites=true\nREDIS_URL=rediss://:{redis_password}@cache.internal:6380/0\nBROKER_URL=amqps://worker:{amqp_password}@mq.internal:5671/jobs\n"
        ),
    );

    let (code, json, stderr) = scan_json(tree.path(), &["--show-secrets"]);
    assert_eq!(code, 1, "{stderr}");
    let found = hits(&json);
    let expected: Vec<(&str, &str, u64, &str)> = vec![
        (
            "docker-registry-auth",
            ".gitlab-ci.yml",
            3,
            &registry_password,
        ),
        (
            "connection-string-password",
            "api/appsettings.json",
            3,
            &sql_password,
        ),
        (
            "azure-shared-access-key",
            "api/appsettings.json",
            4,
            &sb_key,
        ),
        (
            "azure-cosmosdb-account-key",
            "api/appsettings.json",
            5,
            &cosmos_key,
        ),
        // A Docker Hub token as the password: its own rule names it, at the auth field.
        ("dockerhub-pat", "deploy/registries.json", 4, &hub_token),
        ("http-basic-auth", "logs/proxy.log", 3, &log_password),
        ("http-basic-auth", "scripts/release.sh", 3, &ci_password),
        (
            "curl-user-password",
            "scripts/release.sh",
            4,
            &curl_password,
        ),
        ("http-bearer-token", "scripts/release.sh", 5, &bearer),
        (
            "connection-url-password-parameter",
            "src/main/resources/application.properties",
            2,
            &jdbc_password,
        ),
        ("database-url-password", "worker/.env", 1, &mongo_password),
        ("database-url-password", "worker/.env", 2, &redis_password),
        ("database-url-password", "worker/.env", 3, &amqp_password),
    ];
    let expected: Vec<(String, String, u64, String)> = expected
        .into_iter()
        .map(|(r, p, l, s)| (r.to_string(), p.to_string(), l, s.to_string()))
        .collect();
    assert_eq!(found, expected, "{json:#}");
}

#[test]
fn structured_placeholders_stay_silent() {
    let tree = Tree::new();
    let aladdin = b64("Aladdin:open sesame");
    let sample = b64("username:password");
    let mine = b64("admin:myPassword1");
    tree.write(
        "docs/api.md",
        format!(
            "# Calling the API\n\n```sh\ncurl -H 'Authorization: Basic {aladdin}' https://api.example.org/\ncurl -H \"Authorization: Basic {sample}\" https://api.example.org/\ncurl -u user:password https://api.example.org/\ncurl -u \"$API_USER:$API_PASSWORD\" https://api.example.org/\ncurl -u admin:${{ADMIN_PASSWORD}} https://api.example.org/\ncurl -H \"Authorization: Bearer $TOKEN\" https://api.example.org/\ncurl -H 'Authorization: Bearer <access-token>' https://api.example.org/\ncurl -H 'Authorization: Bearer YOUR_ACCESS_TOKEN' https://api.example.org/\n```\n"
        ),
    );
    tree.write(
        "deploy/config.json",
        format!("{{\"auths\": {{\"registry.example.com\": {{\"auth\": \"{sample}\"}}, \"r2.example.com\": {{\"auth\": \"{mine}\"}}}}}}\n"),
    );
    tree.write(
        "api/appsettings.Development.json",
        "{\"ConnectionStrings\": {\n  \"A\": \"Server=myServerAddress;Database=myDataBase;User Id=myUsername;Password=myPassword;\",\n  \"B\": \"Server=localhost,1433;User Id=sa;Password=yourStrong(!)Password;\",\n  \"C\": \"Server=db;User Id=app;Password=${DB_PASSWORD};\",\n  \"D\": \"Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=<key>\",\n  \"E\": \"AccountEndpoint=https://localhost:8081/;AccountKey=C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==\"\n}}\n",
    );
    tree.write(
        ".env.example",
        "DATABASE_URL=jdbc:postgresql://db:5432/app?user=app&password=${DB_PASSWORD}\nMONGO_URI=mongodb+srv://<username>:<password>@cluster0.mongodb.net/\nREDIS_URL=redis://:changeme@localhost:6379/0\nBROKER_URL=amqps://user:password@mq.example.com/\n",
    );
    let (code, json, stderr) = scan_json(tree.path(), &[]);
    assert_eq!(code, 0, "{stderr}\n{json:#}");
    assert!(hits(&json).is_empty(), "{json:#}");
}

#[test]
fn docker_auth_inside_a_kubernetes_pull_secret_is_decoded_twice_and_placed_once() {
    let tree = Tree::new();
    let password = Fake::new(1702).base62(20);
    let config = format!(
        "{{\"auths\":{{\"harbor.corp\":{{\"auth\":\"{}\"}}}}}}",
        b64(&format!("robot$ci:{password}"))
    );
    tree.write(
        "k8s/pull-secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {}\n",
            b64(&config)
        ),
    );
    let (code, json, stderr) = scan_json(tree.path(), &["--show-secrets"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        hits(&json),
        vec![(
            "docker-registry-auth".to_string(),
            "k8s/pull-secret.yaml".to_string(),
            7,
            password
        )],
        "{json:#}"
    );
}
