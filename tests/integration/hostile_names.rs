//! Hostile names (issue #14): a credential used as the name another is assigned to
//! (`<key>=<key>` in a `.env`, an INI section, a JSON or YAML key), as a file or directory name,
//! as an archive member's name, or planted in the free text of a JSON result that is imported
//! or merged. No output may hold it — every scan format, `--record`'s database (raw bytes and
//! columns), the inventory views, the HTML report, the runbook, standard error — and the
//! credentials in those places are still reported, the names among them.

use std::io::Write as _;
use std::path::Path;

use crate::common::{Fake, Tree, database_values, files_in, leaks, stray};
use serde_json::Value;
use stray::inventory::render::OutputFormat;
use stray::names::Named;
use stray::report::Format;

/// Every planted credential, by the name the test gives it.
struct Planted {
    /// The `<stripe>=<groq>` pair of `.env`.
    stripe_name: String,
    groq_value: String,
    /// `[<openai>]` in an INI file, with an npm token under it.
    openai_section: String,
    npm_value: String,
    /// A JSON key and a YAML key.
    json_key: String,
    json_value: String,
    yaml_key: String,
    yaml_value: String,
    /// `c12/<anthropic>/.env`, holding one more key.
    dir_name: String,
    in_named_dir: String,
    /// A file named after a key, and a zip member named after one.
    file_name: String,
    member_name: String,
    /// A dangling symbolic link named after a key: an unreadable place, a warning.
    link_name: String,
}

impl Planted {
    fn all(&self) -> Vec<String> {
        vec![
            self.stripe_name.clone(),
            self.groq_value.clone(),
            self.openai_section.clone(),
            self.npm_value.clone(),
            self.json_key.clone(),
            self.json_value.clone(),
            self.yaml_key.clone(),
            self.yaml_value.clone(),
            self.dir_name.clone(),
            self.in_named_dir.clone(),
            self.file_name.clone(),
            self.member_name.clone(),
            self.link_name.clone(),
        ]
    }

    /// The credentials a scan must report: all but the link's (a dangling link is a warning,
    /// not a place).
    fn reported(&self) -> Vec<String> {
        let mut all = self.all();
        all.retain(|s| *s != self.link_name);
        all
    }
}

fn plant(tree: &Tree) -> Planted {
    let mut fake = Fake::new(1414);
    let planted = Planted {
        stripe_name: fake.stripe_secret_key(),
        groq_value: fake.groq_key(),
        openai_section: fake.openai_project_key(),
        npm_value: fake.npm_token(),
        json_key: fake.github_pat(),
        json_value: fake.groq_key(),
        yaml_key: fake.anthropic_key(),
        yaml_value: fake.github_pat(),
        dir_name: fake.anthropic_key(),
        in_named_dir: fake.openai_project_key(),
        file_name: fake.groq_key(),
        member_name: fake.stripe_secret_key(),
        link_name: fake.npm_token(),
    };
    let p = &planted;
    tree.write("work/.env", format!("{}={}\n", p.stripe_name, p.groq_value));
    tree.write(
        "work/settings.ini",
        format!("[{}]\ntoken = {}\n", p.openai_section, p.npm_value),
    );
    tree.write(
        "work/.cursor/mcp.json",
        format!(
            "{{\"mcpServers\": {{\"{}\": {{\"env\": {{\"TOKEN\": \"{}\"}}}}}}}}\n",
            p.json_key, p.json_value
        ),
    );
    tree.write(
        "work/config/hosts.yml",
        format!("{}:\n    oauth_token: {}\n", p.yaml_key, p.yaml_value),
    );
    tree.write(
        &format!("work/c12/{}/.env", p.dir_name),
        format!("OPENAI_API_KEY={}\n", p.in_named_dir),
    );
    tree.write(&format!("work/notes/{}.txt", p.file_name), "nothing here\n");
    let zip_path = tree.path().join("work/export.zip");
    let file = std::fs::File::create(&zip_path).expect("zip file");
    let mut zip = zip::ZipWriter::new(file);
    zip.start_file(
        format!("keys/{}.txt", p.member_name),
        zip::write::SimpleFileOptions::default(),
    )
    .expect("zip member");
    zip.write_all(b"nothing here either\n").expect("zip write");
    zip.finish().expect("zip finish");
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        tree.path().join("nowhere"),
        tree.path().join(format!("work/{}", p.link_name)),
    )
    .expect("symlink");
    planted
}

/// The arguments every scan here takes: open every zip, follow links (so the dangling one is
/// a warning).
const SCAN: [&str; 4] = ["scan", "work", "--archives", "--follow"];

/// Standard output and standard error of a run that must exit 0 or 1.
fn run(dir: &Path, args: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let output = stray()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("stray runs");
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "stray {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output.stdout, output.stderr)
}

fn both(dir: &Path, args: &[&str]) -> Vec<u8> {
    let (mut out, err) = run(dir, args);
    out.extend_from_slice(&err);
    out
}

/// What a scan reports, with secrets shown: the planted values are all found.
fn shown(dir: &Path, planted: &Planted) -> Value {
    let mut args = SCAN.to_vec();
    args.extend(["--format", "json", "--show-secrets"]);
    let (stdout, _) = run(dir, &args);
    let json: Value = serde_json::from_slice(&stdout).expect("JSON");
    let secrets: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["secret"].as_str().expect("secret shown"))
        .collect();
    for (i, secret) in planted.reported().iter().enumerate() {
        assert!(
            secrets.contains(&secret.as_str()),
            "planted credential #{i} ({}…) is not reported",
            &secret[..6]
        );
    }
    json
}

fn assert_clean(outputs: &[(String, Vec<u8>)], secrets: &[String]) {
    let mut problems = Vec::new();
    for (what, bytes) in outputs {
        assert!(!bytes.is_empty(), "{what} is empty");
        problems.extend(leaks(secrets, what, bytes));
    }
    assert!(
        problems.is_empty(),
        "secrets leaked:\n{}",
        problems.join("\n")
    );
}

#[test]
fn names_never_show_a_secret_and_their_credentials_are_reported() {
    let tree = Tree::new();
    let planted = plant(&tree);
    let dir = tree.path();
    let shown = shown(dir, &planted);
    let mut secrets = planted.all();
    secrets.extend(
        shown["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["secret"].as_str().map(str::to_string)),
    );
    secrets.sort();
    secrets.dedup();

    let db = dir.join("db").join("inventory.db");
    let db_arg = db.to_str().expect("utf-8 path");
    let record = format!("--record={db_arg}");
    let mut outputs = Vec::new();
    for format in Format::names() {
        let mut args = SCAN.to_vec();
        args.extend(["--format", format, "--show-suppressed", &record]);
        outputs.push((format!("scan --format {format}"), both(dir, &args)));
    }
    outputs.push((
        "runbook".to_string(),
        both(dir, &["runbook", "work", "--archives"]),
    ));
    outputs.push((
        "runbook --db".to_string(),
        both(dir, &["runbook", "--db", db_arg]),
    ));
    let every_listing =
        OutputFormat::names().map(|format| vec!["inventory", "--all", "--format", format]);
    for view in every_listing.chain([vec!["inventory", "scans", "--format", "json"]]) {
        let mut args = view.clone();
        args.extend(["--db", db_arg]);
        outputs.push((format!("stray {}", view.join(" ")), both(dir, &args)));
    }
    let report = dir.join("report.html");
    both(
        dir,
        &[
            "report",
            "--db",
            db_arg,
            "-o",
            report.to_str().expect("path"),
        ],
    );
    outputs.push((
        "stray report".to_string(),
        std::fs::read(&report).expect("report"),
    ));
    outputs.extend(files_in(db.parent().expect("db dir")));
    let values = database_values(&db);
    outputs.extend(
        values
            .into_iter()
            .map(|(column, bytes)| (format!("database column {column}"), bytes)),
    );
    // --verbose lists skipped files; it is not default output but holds no secret either.
    let mut verbose = SCAN.to_vec();
    verbose.push("--verbose");
    outputs.push(("scan --verbose".to_string(), both(dir, &verbose)));
    assert_clean(&outputs, &secrets);

    // The dangling link is a warning on standard error, under its redacted name.
    #[cfg(unix)]
    {
        let (_, stderr) = run(dir, &SCAN);
        let stderr = String::from_utf8_lossy(&stderr);
        assert!(stderr.contains("warning"), "{stderr}");
        assert!(stderr.contains(&planted.link_name[..4]), "{stderr}");
    }
}

#[test]
fn names_are_redacted_and_reported_as_file_name_places() {
    let tree = Tree::new();
    let planted = plant(&tree);
    let dir = tree.path();
    let json = shown(dir, &planted);
    let findings = json["findings"].as_array().expect("findings");
    let finding = |secret: &str| {
        findings
            .iter()
            .find(|f| f["secret"] == secret)
            .unwrap_or_else(|| panic!("{}… is reported", &secret[..6]))
    };
    let redacted = |secret: &str| {
        finding(secret)["redacted"]
            .as_str()
            .expect("redacted")
            .to_string()
    };

    // A directory named after a key: one file-name place, the directory, line 1, its column.
    let dir_finding = finding(&planted.dir_name);
    let places = dir_finding["locations"].as_array().expect("locations");
    assert_eq!(places.len(), 1, "{places:?}");
    let name = redacted(&planted.dir_name);
    assert_eq!(places[0]["kind"], "file-name");
    assert_eq!(places[0]["path"], format!("work/c12/{name}").as_str());
    assert_eq!(places[0]["line"], 1);
    assert_eq!(places[0]["column"], "work/c12/".len() + 1);
    // The key inside it is reported under the redacted directory.
    let inside = finding(&planted.in_named_dir);
    assert_eq!(
        inside["locations"][0]["path"],
        format!("work/c12/{name}/.env").as_str()
    );
    assert_eq!(inside["locations"][0]["kind"], "dotenv");

    // A file named after a key.
    let file = finding(&planted.file_name);
    assert_eq!(file["locations"][0]["kind"], "file-name");
    assert_eq!(
        file["locations"][0]["path"],
        format!("work/notes/{}.txt", redacted(&planted.file_name)).as_str()
    );
    // A zip member named after a key.
    let member = finding(&planted.member_name);
    assert_eq!(member["locations"][0]["kind"], "file-name");
    assert_eq!(
        member["locations"][0]["path"],
        format!(
            "work/export.zip!keys/{}.txt",
            redacted(&planted.member_name)
        )
        .as_str()
    );

    // A credential used as a name: the context shows its redaction, and it is reported itself.
    let contexts = [
        (&planted.groq_value, redacted(&planted.stripe_name)),
        (
            &planted.npm_value,
            format!("{}.token", redacted(&planted.openai_section)),
        ),
        (
            &planted.json_value,
            format!("mcpServers.{}.env.TOKEN", redacted(&planted.json_key)),
        ),
        (
            &planted.yaml_value,
            format!("{}.oauth_token", redacted(&planted.yaml_key)),
        ),
    ];
    for (secret, context) in contexts {
        assert_eq!(
            finding(secret)["locations"][0]["context"],
            context.as_str(),
            "{}…",
            &secret[..6]
        );
    }
    // The MCP server's name is the key: the consumer shows it redacted.
    let consumers = finding(&planted.json_value)["consumers"].to_string();
    assert!(
        consumers.contains(&redacted(&planted.json_key)),
        "{consumers}"
    );

    // SARIF: the name place is a result with a region starting on line 1.
    let mut args = SCAN.to_vec();
    args.extend(["--format", "sarif"]);
    let (sarif, _) = run(dir, &args);
    let sarif: Value = serde_json::from_slice(&sarif).expect("SARIF");
    let uris: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            (location["region"]["startLine"] == 1).then(|| {
                location["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
        })
        .collect();
    assert!(
        uris.iter()
            .any(|u| u.ends_with(".txt") && u.contains("notes/")),
        "{uris:?}"
    );
}

/// A JSON result whose free text was edited to hold credentials: `inventory import` and
/// `merge` redact them, and a file that is not a result does not print one in its error.
#[test]
fn imported_free_text_is_scrubbed() {
    let tree = Tree::new();
    let planted = plant(&tree);
    let dir = tree.path();
    let mut fake = Fake::new(77);
    let crafted_context = fake.groq_key();
    let crafted_path = fake.anthropic_key();
    let crafted_owner = fake.github_pat();
    let crafted_error = fake.openai_project_key();

    // A plain (redacted) result, then the edits.
    let mut args = SCAN.to_vec();
    args.extend(["--format", "json"]);
    let (stdout, _) = run(dir, &args);
    let mut json: Value = serde_json::from_slice(&stdout).expect("JSON");
    // A result with a secret in a field of the wrong type: serde's error quotes it.
    let mut wrong = json.clone();
    wrong["findings"][0]["locations"][0]["line"] = Value::from(crafted_error.clone());
    let broken = dir.join("broken.json");
    std::fs::write(&broken, serde_json::to_vec(&wrong).expect("JSON")).expect("write");
    let first = &mut json["findings"][0];
    first["locations"][0]["context"] = Value::from(format!("prod.{crafted_context}"));
    first["locations"][0]["path"] = Value::from(format!("work/{crafted_path}/.env"));
    first["owner"] = serde_json::json!({ "name": crafted_owner, "source": "config" });
    let crafted = dir.join("crafted.json");
    std::fs::write(&crafted, serde_json::to_vec(&json).expect("JSON")).expect("write");

    let db = dir.join("imported").join("inventory.db");
    let db_arg = db.to_str().expect("utf-8 path");
    let mut outputs = vec![(
        "inventory import".to_string(),
        both(
            dir,
            &["inventory", "import", "crafted.json", "--db", db_arg],
        ),
    )];
    let failed = stray()
        .current_dir(dir)
        .args(["inventory", "import", "broken.json", "--db", db_arg])
        .output()
        .expect("stray runs");
    assert!(!failed.status.success());
    let message = String::from_utf8_lossy(&failed.stderr).into_owned();
    assert!(message.contains("invalid type: string"), "{message}");
    outputs.push(("import error".to_string(), failed.stderr));
    let failed = stray()
        .current_dir(dir)
        .args(["merge", "broken.json"])
        .output()
        .expect("stray runs");
    assert!(!failed.status.success());
    outputs.push(("merge error".to_string(), failed.stderr));
    outputs.push((
        "merge".to_string(),
        both(dir, &["merge", "crafted.json", "crafted.json"]),
    ));
    outputs.push((
        "merge --format inventory".to_string(),
        both(dir, &["merge", "crafted.json", "--format", "inventory"]),
    ));
    for view in [
        vec!["inventory", "--all", "--format", "json"],
        vec!["inventory", "--all", "--format", "csv"],
    ] {
        let mut args = view.clone();
        args.extend(["--db", db_arg]);
        outputs.push((format!("stray {}", view.join(" ")), both(dir, &args)));
    }
    outputs.push((
        "runbook --db".to_string(),
        both(dir, &["runbook", "--db", db_arg]),
    ));
    let report = dir.join("imported.html");
    both(
        dir,
        &[
            "report",
            "--db",
            db_arg,
            "-o",
            report.to_str().expect("path"),
        ],
    );
    outputs.push((
        "report".to_string(),
        std::fs::read(&report).expect("report"),
    ));
    outputs.extend(files_in(db.parent().expect("db dir")));
    outputs.extend(
        database_values(&db)
            .into_iter()
            .map(|(column, bytes)| (format!("database column {column}"), bytes)),
    );
    let mut secrets = planted.all();
    secrets.extend([
        crafted_context.clone(),
        crafted_path,
        crafted_owner,
        crafted_error,
    ]);
    assert_clean(&outputs, &secrets);

    // The import kept the place, with the context's name around the redaction.
    let (listed, _) = run(
        dir,
        &["inventory", "--all", "--format", "json", "--db", db_arg],
    );
    let listed = String::from_utf8_lossy(&listed);
    assert!(listed.contains("prod.gsk_"), "{listed}");
}

/// A result written with `--show-secrets` carries the secrets; imported, the names that hold
/// them are redacted with them even where no rule would match (a value found by context).
#[test]
fn an_imported_result_with_secrets_redacts_them_in_its_names() {
    let tree = Tree::new();
    let dir = tree.path();
    // A password found by its assignment: no rule finds it in a bare name.
    let password = "Qx7vLm2pWr9tZk4s";
    tree.write(
        "work/.env",
        format!(
            "DATABASE_PASSWORD={password}\nGITHUB_TOKEN={}\n",
            Fake::new(5).github_pat()
        ),
    );
    let (stdout, _) = run(dir, &["scan", "work", "--format", "json", "--show-secrets"]);
    let mut json: Value = serde_json::from_slice(&stdout).expect("JSON");
    let found: Vec<String> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["secret"].as_str().map(str::to_string))
        .collect();
    assert!(
        found.iter().any(|s| s == password),
        "the password is found by its assignment"
    );
    json["findings"][0]["locations"][0]["context"] = Value::from(format!("x.{password}"));
    std::fs::write(
        dir.join("shown.json"),
        serde_json::to_vec(&json).expect("JSON"),
    )
    .expect("write");
    let db = dir.join("inventory.db");
    let db_arg = db.to_str().expect("utf-8 path");
    both(dir, &["inventory", "import", "shown.json", "--db", db_arg]);
    let mut outputs = vec![(
        "merge".to_string(),
        // The merged view keeps `secret` (it was asked for); every other field is scrubbed.
        both(dir, &["merge", "shown.json"])
            .split(|&b| b == b'\n')
            .filter(|line| !line.windows(9).any(|w| w == b"\"secret\":"))
            .flat_map(|line| line.iter().copied().chain([b'\n']))
            .collect(),
    )];
    outputs.extend(
        database_values(&db)
            .into_iter()
            .map(|(column, bytes)| (format!("database column {column}"), bytes)),
    );
    assert_clean(&outputs, &found);
}

/// A root named after a value the scan finds in a file under it is shown redacted, even where
/// no rule would find the value in the name alone (a generic password has no prefix).
#[test]
fn a_root_named_after_a_credential_it_holds_is_shown_redacted() {
    let tree = Tree::new();
    let password = Fake::new(2024).base62(20);
    tree.write(
        &format!("work/{password}/.env"),
        format!("DB_PASSWORD={password}\n"),
    );
    let root = format!("work/{password}");
    let (code, json, stderr) = crate::common::scan_json(tree.path(), &[&root]);
    assert_eq!(code, 1, "{stderr}");
    let shown = json["findings"][0]["redacted"].as_str().expect("a finding");
    let roots = json["scan"]["roots"].to_string();
    assert!(!roots.contains(&password), "{roots}");
    assert!(roots.contains(&format!("work/{shown}")), "{roots}");
}
