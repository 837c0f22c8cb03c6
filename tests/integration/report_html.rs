//! `stray report`: one self-contained HTML file from a recorded history. Checked as text (no
//! network, no scripts, everything escaped, print rules present, numbers matching
//! `stray inventory metrics`) and, where Chromium is installed, rendered headless: the
//! screenshot must be a PNG and the page must log no console error.
//!
//! `UPDATE_SCREENSHOT=1 cargo test --test integration report_html::` rewrites docs/report.png.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Fake, Tree, stray};
use serde_json::Value;

const NOW: &str = "2026-11-28T12:00:00Z";

/// A directory name that is markup: the report must show it, not run it.
#[cfg(unix)]
const EVIL_DIR: &str = "<script>throw new Error(1)<";
#[cfg(unix)]
const EVIL_CONTEXT: &str = "<img src=x onerror=alert(1)>";

struct Recorded {
    tree: Tree,
    db: PathBuf,
    /// Redacted values of the credentials present at the end, and of those gone.
    present: Vec<String>,
    gone: Vec<String>,
}

fn scan(tree: &Tree, db: &Path, machine: &str, user: &str, now: &str) {
    let output = stray()
        .current_dir(tree.path())
        .env("STRAY_NOW", now)
        .env("STRAY_MACHINE", machine)
        .env("USER", user)
        .args([
            "scan",
            &format!("work-{user}"),
            "--quiet",
            "--format",
            "json",
            "--vault",
            "vault/export.env",
            "--vault",
            "vault/team.fp",
        ])
        .arg(format!("--record={}", db.display()))
        .output()
        .expect("stray runs");
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn remove(tree: &Tree, path: &str) {
    std::fs::remove_file(tree.path().join(path)).expect("remove");
}

/// Two laptops scanned over six months: keys appear, spread, get vaulted, go away.
fn record_history() -> Recorded {
    let tree = Tree::new();
    let db = tree.path().join("inventory.db");
    let mut fake = Fake::new(4242);
    let gh1 = fake.github_pat();
    let oa1 = fake.openai_project_key();
    let npm1 = fake.npm_token();
    let aws1 = fake.aws_key_id();
    let slack1 = fake.slack_webhook();
    let gh2 = fake.github_pat();
    let oa2 = fake.openai_project_key();
    let pem = fake.pem_private_key();
    let oa3 = fake.openai_project_key();
    let npm2 = fake.npm_token();
    let fp = |s: &str| stray::finding::fingerprint(s.as_bytes());

    tree.write("vault/export.env", format!("OPENAI_API_KEY={oa1}\n"));
    let team = serde_json::json!({
        "stray_fingerprints": 1,
        "created": "2026-11-01T00:00:00Z",
        "summary": { "written": 2, "omitted_guessable": 0 },
        "entries": [
            { "fingerprint": fp(&oa2), "item": "billing worker", "field": "credential",
              "vault": "Engineering", "updated": "2026-01-15T00:00:00Z",
              "format": "fingerprints", "guessable": false },
            { "fingerprint": fp(&gh2), "item": "release bot", "field": "password",
              "vault": "Engineering", "updated": "2026-03-01T00:00:00Z", "history": true,
              "format": "fingerprints", "guessable": false }
        ]
    });
    tree.write("vault/team.fp", team.to_string());

    let ada = |now: &str| scan(&tree, &db, "laptop-ada", "ada", now);
    let bob = |now: &str| scan(&tree, &db, "laptop-bob", "bob", now);

    tree.write("work-ada/.zshrc", format!("export GITHUB_TOKEN={gh1}\n"));
    tree.write(
        "work-ada/.npmrc",
        format!("//registry.npmjs.org/:_authToken={npm1}\n"),
    );
    ada("2026-05-10T09:00:00Z");

    tree.write("work-ada/api/.env", format!("OPENAI_API_KEY={oa1}\n"));
    tree.write(
        "work-ada/api/.env.tpl",
        "ANTHROPIC_API_KEY=op://Engineering/Anthropic/credential\n",
    );
    ada("2026-07-01T09:00:00Z");

    tree.write(
        "work-bob/.aws/credentials",
        format!("[default]\naws_access_key_id = {aws1}\n"),
    );
    tree.write(
        "work-bob/.github/workflows/deploy.yml",
        format!("env:\n  SLACK_WEBHOOK: {slack1}\n"),
    );
    tree.write(
        "work-bob/.cursor/mcp.json",
        format!("{{\"mcpServers\":{{\"openai\":{{\"env\":{{\"OPENAI_API_KEY\":\"{oa1}\"}}}}}}}}\n"),
    );
    ada("2026-08-15T09:00:00Z");
    bob("2026-08-15T11:00:00Z");

    remove(&tree, "work-ada/.npmrc");
    tree.write("work-bob/.env", format!("GITHUB_TOKEN={gh2}\n"));
    ada("2026-09-20T09:00:00Z");
    bob("2026-09-20T11:00:00Z");

    tree.write(
        "work-bob/.github/workflows/deploy.yml",
        "env:\n  SLACK_WEBHOOK: ${{ secrets.SLACK_WEBHOOK }}\n",
    );
    tree.write("work-ada/billing/.env", format!("OPENAI_API_KEY={oa2}\n"));
    tree.write(
        "work-bob/.npmrc",
        format!("//registry.npmjs.org/:_authToken={npm2}\n"),
    );
    ada("2026-10-25T09:00:00Z");
    bob("2026-10-25T11:00:00Z");

    remove(&tree, "work-bob/.npmrc");
    tree.write("work-ada/deploy/id_rsa", format!("{pem}\n"));
    #[cfg(unix)]
    {
        tree.write(
            &format!("work-ada/{EVIL_DIR}/script>.env"),
            format!("OPENAI_API_KEY={oa3}\n"),
        );
        tree.write(
            "work-ada/.cursor/mcp.json",
            format!(
                "{{\"mcpServers\":{{\"{EVIL_CONTEXT}\":{{\"env\":{{\"OPENAI_API_KEY\":\"{oa3}\"}}}}}}}}\n"
            ),
        );
    }
    #[cfg(not(unix))]
    tree.write("work-ada/other/.env", format!("OPENAI_API_KEY={oa3}\n"));
    // npm2 is revoked the day before bob's clean scan (26 hours to gone); gh1 is revoked but
    // still on ada's laptop (pending).
    for (secret, at) in [
        (&npm2, "2026-11-19T09:00:00Z"),
        (&gh1, "2026-11-19T10:00:00Z"),
    ] {
        stray()
            .env("STRAY_NOW", at)
            .args(["inventory", "revoke", &fp(secret)[..16], "--at", at, "--db"])
            .arg(&db)
            .assert()
            .success();
    }
    ada("2026-11-20T09:00:00Z");
    bob("2026-11-20T11:00:00Z");

    let redact = |s: &String| stray::finding::redact(s.as_bytes());
    Recorded {
        present: [&gh1, &oa1, &aws1, &gh2, &oa2, &pem, &oa3]
            .into_iter()
            .map(redact)
            .collect(),
        gone: [&npm1, &slack1, &npm2].into_iter().map(redact).collect(),
        tree,
        db,
    }
}

/// `stray report` run in `dir` on its `inventory.db`; returns the file and its text.
fn write_report(dir: &Path, name: &str, extra: &[&str]) -> (PathBuf, String) {
    let path = dir.join(name);
    stray()
        .current_dir(dir)
        .env("STRAY_NOW", NOW)
        .args(["report", "--db", "inventory.db"])
        .arg("-o")
        .arg(&path)
        .args(extra)
        .assert()
        .success();
    let html = std::fs::read_to_string(&path).expect("report written");
    (path, html)
}

fn metrics(recorded: &Recorded) -> Value {
    let output = stray()
        .env("STRAY_NOW", NOW)
        .args(["inventory", "metrics", "--format", "json", "--db"])
        .arg(&recorded.db)
        .output()
        .expect("stray runs");
    serde_json::from_slice(&output.stdout).expect("metrics JSON")
}

/// The inside of every tag: `svg viewbox="…"` for `<svg viewBox="…">`.
fn tags(html: &str) -> Vec<&str> {
    html.split('<')
        .skip(1)
        .filter_map(|rest| rest.split_once('>').map(|(tag, _)| tag))
        .filter(|tag| !tag.starts_with('/') && !tag.starts_with('!'))
        .collect()
}

/// Attribute names of a tag (outside quoted values).
fn attributes(tag: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut quoted = false;
    let mut start = None;
    for (at, c) in tag.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '\n' if !quoted => start = Some(at + 1),
            '=' if !quoted => {
                if let Some(from) = start.take() {
                    names.push(tag[from..at].trim());
                }
            }
            _ => {}
        }
    }
    names
}

fn card(html: &str, value: &str, label: &str) -> bool {
    html.contains(&format!(
        "<div class=\"value\">{value}</div><div class=\"label\">{label}</div>"
    ))
}

#[test]
fn the_report_is_one_self_contained_file_that_escapes_what_it_shows() {
    let recorded = record_history();
    let (_, html) = write_report(recorded.tree.path(), "report.html", &[]);

    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none';"));
    // Nothing from anywhere else, and nothing that runs: every `<` left in the file opens one
    // of our own tags (text is escaped), so the tags are what to check.
    let lower = html.to_lowercase();
    for forbidden in ["url(", "@import", "http://", "https://", "javascript:"] {
        assert!(
            !lower.contains(forbidden),
            "the report contains {forbidden:?}"
        );
    }
    for tag in tags(&lower) {
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(
            ![
                "script", "link", "img", "iframe", "object", "embed", "image", "use", "a"
            ]
            .contains(&name.as_str()),
            "the report has a <{name}> tag"
        );
        for attribute in attributes(tag) {
            assert!(
                !attribute.starts_with("on")
                    && !["src", "href", "xlink:href", "srcset"].contains(&attribute),
                "<{name}> has a {attribute}= attribute"
            );
        }
    }

    // Five charts, drawn inline.
    assert_eq!(html.matches("<svg ").count(), 5, "five inline SVG charts");
    for title in [
        "Credentials by provider and vault status",
        "Places by location kind",
        "Credential age",
        "Unvaulted credentials over time",
        "Strays removed per month",
    ] {
        assert!(html.contains(&format!("<h3>{title}</h3>")), "{title}");
    }
    // Without --max-age, each tier's rotation limit is drawn, and each credential is judged by
    // its own: the GitHub token (first seen 2026-05-10, 202 days), the first OpenAI key
    // (2026-07-01, 150 days) and the AWS key (2026-08-15, 105 days) are high-tier and past 90
    // days; the rest are younger.
    for line in [
        ">high 90 d</text>",
        ">medium 180 d</text>",
        ">low 365 d</text>",
    ] {
        assert!(html.contains(line), "{line}");
    }
    assert!(html.contains("in red, the 3 credentials older than the rotation limit"));

    // Headline numbers agree with `stray inventory metrics`.
    let m = metrics(&recorded);
    assert_eq!(m["credentials_present"], 7);
    assert_eq!(m["credentials_gone"], 3);
    assert_eq!(m["machines"], 2);
    let pct = |v: &Value| format!("{:.0}%", v.as_f64().expect("share") * 100.0);
    assert!(card(&html, "7", "credentials outside the vault"), "present");
    assert!(card(&html, &pct(&m["vault_share"]), "in the vault"));
    assert!(card(&html, &pct(&m["reference_share"]), "references"));
    assert!(card(
        &html,
        &pct(&m["rotation_sla_share"]),
        "within rotation SLA"
    ));
    assert!(card(&html, "3", "strays removed"));
    assert_eq!(m["revoked_gone"], 1);
    assert_eq!(m["mean_hours_to_revoke"], 26.0);
    assert_eq!(m["revocations_pending"], 1);
    assert!(card(&html, "26.0 h", "mean time to revoke"));
    assert!(html.contains("over 1 credential revoked; 1 revoked but still found"));
    // oa1, oa2 (overdue) and gh2 (rotated out) are known to the vault: 3 of 7; the other 4
    // are not.
    assert_eq!(m["vaulted_present"], 3);
    assert!(card(&html, "43%", "in the vault"));
    assert!(card(&html, "4", "unvaulted"));

    // The audit trail: every scan with the rule pack that judged it.
    assert!(html.contains("<h2>Recorded scans (10)</h2>"));
    let pack = stray::rules::pack_version(stray::RuleSet::builtin().expect("rules").rules());
    assert_eq!(
        html.matches(&format!("<code>{pack}</code>")).count(),
        10,
        "{pack}"
    );

    // Every credential is in a table, redacted, with its places.
    let (present_table, gone_table) = html
        .split_once("Removed credentials (3)")
        .expect("removed credentials section");
    assert!(present_table.contains("Every credential present (7)"));
    for redacted in &recorded.present {
        assert!(
            present_table.contains(&format!("<code>{redacted}</code>")),
            "{redacted}"
        );
    }
    for redacted in &recorded.gone {
        assert!(
            gone_table.contains(&format!("<code>{redacted}</code>")),
            "{redacted}"
        );
    }
    assert!(html.contains("<code>work-bob/.cursor/mcp.json:1:"));
    assert!(html.contains("rotation overdue"));
    assert!(html.contains(">rotated-out</span>"));

    // Markup from file names and key names is shown as text.
    #[cfg(unix)]
    {
        assert!(!html.contains(EVIL_DIR));
        assert!(!html.contains(EVIL_CONTEXT));
        assert!(html.contains("work-ada/&lt;script&gt;throw new Error(1)&lt;/script&gt;.env"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }

    // Print rules: white page, the table on its own pages with repeated headers, whole rows.
    for rule in [
        "@media print",
        "@page",
        "thead { display: table-header-group; }",
        "tr { break-inside: avoid; page-break-inside: avoid; }",
        "section.inventory { break-before: page; page-break-before: always; }",
        "body { max-width: none; padding: 0; font-size: 10.5pt; background: #fff; color: #000; }",
    ] {
        assert!(html.contains(rule), "print CSS: {rule}");
    }

    // --max-age moves the line; --title names the report (escaped).
    let (_, other) = write_report(
        recorded.tree.path(),
        "other.html",
        &["--max-age", "30", "--title", "Q4 <audit> & review"],
    );
    assert!(other.contains(">30 days</text>"));
    assert!(
        !other.contains(">high 90 d</text>"),
        "one line replaces the tiers"
    );
    assert!(other.contains("<h1>Q4 &lt;audit&gt; &amp; review</h1>"));
}

/// `/usr/bin/chromium`, or `chromium` on PATH.
fn chromium() -> Option<PathBuf> {
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|candidate| candidate.is_file())
    })
}

/// Renders `page` headless into `shot`; returns Chromium's standard error.
fn screenshot(chromium: &Path, page: &Path, shot: &Path, size: &str) -> String {
    headless(
        chromium,
        page,
        &[
            format!("--screenshot={}", shot.display()),
            format!("--window-size={size}"),
        ],
    )
}

/// Prints `page` to a PDF at `pdf` as a user's "Save as PDF" would (no header or footer);
/// returns Chromium's standard error.
fn print_to_pdf(chromium: &Path, page: &Path, pdf: &Path) -> String {
    headless(
        chromium,
        page,
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".to_string(),
        ],
    )
}

/// Runs headless Chromium on `page` with `output` flags; returns its standard error.
fn headless(chromium: &Path, page: &Path, output: &[String]) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--enable-logging=stderr", "--v=0"])
        .args(output)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().expect("stderr reader")
}

/// Lines where the page logged to the console (errors, CSP refusals) or threw. Chromium's own
/// noise (D-Bus, GPU, sandbox warnings) names no page and is left out.
fn page_errors(stderr: &str, page: &Path) -> Vec<String> {
    let url = format!("file://{}", page.display());
    stderr
        .lines()
        .filter(|line| {
            line.contains("Uncaught")
                || line.contains("ERROR:CONSOLE")
                || (line.contains(":CONSOLE") && line.contains(&url))
        })
        .map(str::to_string)
        .collect()
}

fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let height = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((width, height))
}

#[test]
fn the_report_renders_in_chromium_without_console_errors() {
    let Some(chromium) = chromium() else {
        println!("skipped: chromium not installed (apt-get install chromium)");
        return;
    };
    let recorded = record_history();
    let (page, _) = write_report(recorded.tree.path(), "report.html", &[]);
    let out = tempfile::tempdir().expect("temp dir");

    // The detector works: a page that throws is caught.
    let control = out.path().join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><html><body><p>control</p>\
         <script>throw new Error('stray-control')</script></body></html>",
    )
    .expect("control page");
    let control_shot = out.path().join("control.png");
    let control_errors = page_errors(
        &screenshot(&chromium, &control, &control_shot, "400,300"),
        &control,
    );
    assert!(
        control_errors.iter().any(|l| l.contains("stray-control")),
        "a throwing page must be detected; chromium's log format may have changed"
    );

    let shot = out.path().join("shot.png");
    let stderr = screenshot(&chromium, &page, &shot, "1200,1600");
    let errors = page_errors(&stderr, &page);
    assert!(
        errors.is_empty(),
        "the page logged errors:\n{}",
        errors.join("\n")
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot ({e}):\n{stderr}"));
    assert_eq!(png_size(&png), Some((1200, 1600)), "a 1200×1600 PNG");
    assert!(
        png.len() > 20_000,
        "the screenshot is {} bytes: is the page blank?",
        png.len()
    );

    // Printed, it is a PDF of several pages: the credential table starts on its own page.
    let pdf = out.path().join("report.pdf");
    let stderr = print_to_pdf(&chromium, &page, &pdf);
    assert!(page_errors(&stderr, &page).is_empty());
    let bytes = std::fs::read(&pdf).unwrap_or_else(|e| panic!("no PDF ({e}):\n{stderr}"));
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let pages = bytes
        .windows(b"/Type /Page".len() + 1)
        .filter(|w| w.starts_with(b"/Type /Page") && w[w.len() - 1] != b's')
        .count();
    assert!(
        pages >= 2,
        "{pages} page(s): the table should start a new page"
    );

    if std::env::var_os("UPDATE_SCREENSHOT").is_some() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.png");
        let small = out.path().join("small.png");
        let stderr = screenshot(&chromium, &page, &small, "1000,1400");
        assert!(page_errors(&stderr, &page).is_empty());
        let bytes = std::fs::read(&small).expect("small screenshot");
        assert!(bytes.len() < 300 * 1024, "{} bytes", bytes.len());
        std::fs::write(&docs, bytes).expect("write docs/report.png");
        println!("wrote {}", docs.display());
    }
}

#[test]
fn a_credential_in_many_places_lists_the_first_ones_and_counts_the_rest() {
    let tree = Tree::new();
    let key = Fake::new(4343).github_pat();
    for n in 0..30 {
        tree.write(&format!("logs/run-{n:02}.log"), format!("token={key}\n"));
    }
    stray()
        .current_dir(tree.path())
        .env("STRAY_NOW", NOW)
        .args(["scan", "logs", "--quiet", "--record=inventory.db"])
        .assert()
        .code(1);
    let (_, html) = write_report(tree.path(), "many.html", &[]);
    assert_eq!(html.matches("<code>logs/run-").count(), 25);
    assert!(html.contains("… and 5 more (every place: <code>stray inventory --format csv</code>)"));
}
