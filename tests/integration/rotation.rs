//! `stray rotation`: due dates from the vault's age and the tier, overdue first, from a scan
//! or the inventory; the iCalendar file read back with a real parser (the `ical` crate).

use crate::common::{
    Fake, Tree, VaultValue, expect_code, fingerprint_file, leaks, run_in as run, stray,
};
use serde_json::Value;

/// One property of an event: name, value and parameters (name, values).
type Property = (String, String, Vec<(String, Vec<String>)>);

/// Every event of an .ics file as its properties, via the `ical` parser.
fn events(ics: &str) -> Vec<Vec<Property>> {
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
    let calendar = parser
        .next()
        .expect("one calendar")
        .unwrap_or_else(|e| panic!("the calendar parses: {e}\n{ics}"));
    assert!(parser.next().is_none(), "one calendar only");
    assert!(
        calendar
            .properties
            .iter()
            .any(|p| p.name == "VERSION" && p.value.as_deref() == Some("2.0"))
    );
    calendar
        .events
        .into_iter()
        .map(|event| {
            event
                .properties
                .into_iter()
                .map(|p| {
                    (
                        p.name,
                        p.value.unwrap_or_default(),
                        p.params.unwrap_or_default(),
                    )
                })
                .collect()
        })
        .collect()
}

fn value<'a>(event: &'a [Property], name: &str) -> &'a str {
    event
        .iter()
        .find(|(n, _, _)| n == name)
        .map(|(_, v, _)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {event:?}"))
}

/// `YYYYMMDD` of today plus `days` (UTC).
fn day(days: i64) -> String {
    let date = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    date.checked_add(jiff::Span::new().days(days))
        .expect("date")
        .strftime("%Y%m%d")
        .to_string()
}

/// A GitHub token (high: 90 days) and a password (low: 365 days), both last changed in the
/// vault 100 days ago; the token owned by an e-mail, the password by a team name.
fn aged_tree() -> (Tree, Vec<String>) {
    let tree = Tree::new();
    let mut fake = Fake::new(2001);
    let token = fake.github_pat();
    let password = format!("Zq{}9x", fake.base62(20));
    tree.write(
        "app/.env",
        format!("GITHUB_TOKEN={token}\nDB_PASSWORD={password}\n"),
    );
    let values = [
        VaultValue {
            secret: &token,
            item: "GitHub deploy",
            vault: Some("Engineering"),
            owner: Some("Ada Lovelace <ada@acme.io>"),
        },
        VaultValue {
            secret: &password,
            item: "Postgres",
            vault: Some("Engineering"),
            owner: Some("platform-team"),
        },
    ];
    tree.write("vault.fp", fingerprint_file(&values, 100));
    (tree, vec![token, password])
}

#[test]
fn a_scan_with_a_vault_puts_each_rotation_on_the_calendar() {
    let (tree, secrets) = aged_tree();
    let (_, stderr) = expect_code(
        run(
            &tree,
            &[
                "rotation",
                "app",
                "--vault",
                "vault.fp",
                "-o",
                "rotations.ics",
            ],
        ),
        0,
        "stray rotation -o rotations.ics",
    );
    assert!(stderr.contains("wrote 2 rotations (ics)"), "{stderr}");
    let bytes = std::fs::read(tree.path().join("rotations.ics")).expect("ics written");
    assert!(leaks(&secrets, "the .ics", &bytes).is_empty());
    let ics = String::from_utf8(bytes).expect("UTF-8");
    // RFC 5545: CRLF everywhere, no line longer than 75 octets.
    assert!(!ics.replace("\r\n", "").contains('\n'));
    assert!(ics.split("\r\n").all(|line| line.len() <= 75), "{ics}");
    let events = events(&ics);
    assert_eq!(events.len(), 2, "{ics}");
    // Overdue first: the token was due 10 days ago, so its event is today.
    let token = &events[0];
    assert!(value(token, "SUMMARY").starts_with("Rotate github github-classic-pat ghp_"));
    assert!(value(token, "SUMMARY").contains("high\\, overdue since"));
    assert_eq!(value(token, "DTSTART"), day(0));
    assert_eq!(value(token, "DTEND"), day(1));
    let start = token
        .iter()
        .find(|(n, _, _)| n == "DTSTART")
        .expect("start");
    assert_eq!(
        start.2,
        vec![("VALUE".to_string(), vec!["DATE".to_string()])]
    );
    let (_, attendee, params) = token
        .iter()
        .find(|(n, _, _)| n == "ATTENDEE")
        .expect("the owner is invited");
    assert_eq!(attendee, "mailto:ada@acme.io");
    assert!(params.contains(&("CN".to_string(), vec!["Ada Lovelace".to_string()])));
    let description = value(token, "DESCRIPTION");
    assert!(description.contains("Engineering/GitHub deploy (credential)"));
    assert!(description.contains("https://github.com/settings/tokens"));
    assert!(description.contains("app/.env:1"));
    assert!(value(token, "UID").starts_with("rotation-"));
    assert!(!value(token, "DTSTAMP").is_empty());
    // The password: low tier, 365 days from 100 days ago.
    let password = &events[1];
    assert_eq!(value(password, "DTSTART"), day(265));
    assert!(value(password, "SUMMARY").contains("low\\, due"));
    assert!(
        password.iter().all(|(n, _, _)| n != "ATTENDEE"),
        "a team name is no e-mail address"
    );
}

#[test]
fn csv_and_json_list_overdue_first_and_max_age_overrides_every_tier() {
    let (tree, secrets) = aged_tree();
    let (stdout, _) = expect_code(
        run(
            &tree,
            &["rotation", "app", "--vault", "vault.fp", "--format", "json"],
        ),
        0,
        "stray rotation --format json",
    );
    assert!(leaks(&secrets, "the JSON", stdout.as_bytes()).is_empty());
    let document: Value = serde_json::from_str(&stdout).expect("JSON");
    let rotations = document["rotations"].as_array().expect("rotations");
    assert_eq!(rotations.len(), 2);
    assert_eq!(rotations[0]["rule"], "github-classic-pat");
    assert_eq!(rotations[0]["overdue"], true);
    assert_eq!(rotations[0]["days_left"], -10);
    assert_eq!(rotations[0]["max_age_days"], 90);
    assert_eq!(rotations[0]["owner_email"], "ada@acme.io");
    assert_eq!(rotations[0]["last_changed_from"], "vault");
    assert_eq!(rotations[1]["criticality"], "low");
    assert_eq!(rotations[1]["days_left"], 265);
    assert_eq!(rotations[1]["fingerprint"].as_str().map(str::len), Some(12));

    let (stdout, _) = expect_code(
        run(
            &tree,
            &[
                "rotation",
                "app",
                "--vault",
                "vault.fp",
                "--format",
                "csv",
                "--max-age",
                "30",
                "--bom",
            ],
        ),
        0,
        "stray rotation --format csv --max-age 30 --bom",
    );
    let csv = stdout.strip_prefix('\u{feff}').expect("a byte order mark");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().expect("header").clone();
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(&row[column("max_age_days")], "30");
        assert_eq!(&row[column("days_left")], "-70");
        assert_eq!(&row[column("overdue")], "true");
    }
    let (_, stderr) = expect_code(
        run(&tree, &["rotation", "app", "--format", "ics", "--bom"]),
        2,
        "--bom without csv",
    );
    assert!(stderr.contains("--bom"), "{stderr}");
}

#[test]
fn one_event_per_owner_and_week() {
    let (tree, _) = aged_tree();
    tree.write(
        ".stray.toml",
        "[owners]\n\"path:app/**\" = \"ops@acme.io\"\n",
    );
    let (stdout, _) = expect_code(
        run(
            &tree,
            &[
                "rotation",
                "app",
                "--vault",
                "vault.fp",
                "--format",
                "ics",
                "--group",
                "owner-week",
                "--max-age",
                "120",
            ],
        ),
        0,
        "stray rotation --group owner-week",
    );
    let events = events(&stdout);
    assert_eq!(events.len(), 1, "both due on one day, one owner: {stdout}");
    let event = &events[0];
    assert!(value(event, "SUMMARY").starts_with("Rotate 2 credentials (ops@acme.io\\, week "));
    assert_eq!(value(event, "DTSTART"), day(20));
    assert_eq!(value(event, "ATTENDEE"), "mailto:ops@acme.io");
    let description = value(event, "DESCRIPTION");
    assert!(description.contains("github-classic-pat") && description.contains("Postgres"));
}

#[test]
fn the_inventory_keeps_the_team_tier_for_rotation_and_runbooks() {
    let (tree, _) = aged_tree();
    tree.write(
        ".stray.toml",
        "[criticality]\n\"rule:generic-password-assignment\" = \"high\"\n",
    );
    let db = tree.path().join("inventory.db");
    let record = format!("--record={}", db.display());
    expect_code(
        run(
            &tree,
            &["scan", "app", "--vault", "vault.fp", "--quiet", &record],
        ),
        0,
        "stray scan --record",
    );
    // The team's file is gone; the recorded tier stays.
    std::fs::remove_file(tree.path().join(".stray.toml")).expect("remove");
    let db_arg = db.display().to_string();
    let (stdout, _) = expect_code(
        run(&tree, &["rotation", "--db", &db_arg, "--format", "json"]),
        0,
        "stray rotation --db",
    );
    let document: Value = serde_json::from_str(&stdout).expect("JSON");
    let password = document["rotations"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["rule"] == "generic-password-assignment")
        .expect("the password")
        .clone();
    assert_eq!(password["criticality"], "high");
    assert_eq!(password["max_age_days"], 90);
    assert_eq!(password["overdue"], true);
    assert_eq!(password["days_left"], -10);
    assert_eq!(password["last_changed_from"], "vault");
    assert!(
        document["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("inventory ")),
        "{document}"
    );
    let (runbook, _) = expect_code(
        run(&tree, &["runbook", "--db", &db_arg]),
        0,
        "stray runbook --db",
    );
    let page = runbook
        .split("\n---\n")
        .skip(1)
        .find(|page| page.contains("generic-password-assignment"))
        .expect("the password's page");
    assert!(
        page.contains("| Criticality | high (rotate every 90 days) |"),
        "{page}"
    );
    // --credential picks one, from the inventory too.
    let prefix = password["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    let (stdout, _) = expect_code(
        run(
            &tree,
            &[
                "rotation",
                "--db",
                &db_arg,
                "--credential",
                &prefix,
                "-f",
                "json",
            ],
        ),
        0,
        "stray rotation --db --credential",
    );
    let one: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(one["rotations"].as_array().map(Vec::len), Some(1), "{one}");
    assert_eq!(one["rotations"][0]["fingerprint"], prefix.as_str());
    // A path with --db is refused, as the runbook refuses it.
    let (_, stderr) = expect_code(
        run(&tree, &["rotation", "--db", &db_arg, "app"]),
        2,
        "stray rotation --db app",
    );
    assert!(stderr.contains("cannot be a path to scan"), "{stderr}");
}

#[test]
fn a_team_rule_names_its_rotation_note_and_revoke_page() {
    let tree = Tree::new();
    let key = format!(
        "acme_{}",
        Fake::new(2002).chars(b"abcdefghijklmnop0123456789", 16)
    );
    tree.write(
        "team/acme.toml",
        "[[rules]]\nid = \"acme-key\"\nprovider = \"acme\"\nclass = \"saas\"\n\
         description = \"Acme key\"\nkeywords = [\"acme_\"]\n\
         regex = '(?P<secret>acme_[a-z0-9]{16})'\n\
         revoke_url = \"https://acme.example/keys\"\n\
         rotation_note = \"rotate in the admin console, then redeploy billing\"\n",
    );
    tree.write("app/config.txt", format!("key = {key}\n"));
    let (stdout, _) = expect_code(
        run(&tree, &["rotation", "app", "--rules", "team", "--quiet"]),
        0,
        "stray rotation --rules team",
    );
    assert!(
        stdout.contains("note: rotate in the admin console, then redeploy billing"),
        "{stdout}"
    );
    let (stdout, _) = expect_code(
        run(
            &tree,
            &["rotation", "app", "--rules", "team", "--quiet", "-f", "ics"],
        ),
        0,
        "stray rotation --rules team -f ics",
    );
    let events = events(&stdout);
    let description = value(&events[0], "DESCRIPTION");
    assert!(description.contains("Note: rotate in the admin console\\, then redeploy billing"));
    assert!(description.contains("https://acme.example/keys"));
    assert!(!stdout.contains(&key));
    let (runbook, _) = expect_code(
        run(&tree, &["runbook", "app", "--rules", "team", "--quiet"]),
        0,
        "stray runbook --rules team",
    );
    assert!(
        runbook.contains("rotate in the admin console, then redeploy billing"),
        "{runbook}"
    );
}

#[test]
fn without_a_vault_rotation_counts_from_today_and_says_so() {
    let tree = Tree::new();
    let key = Fake::new(2003).openai_project_key();
    tree.write("app/.env", format!("OPENAI_API_KEY={key}\n"));
    let output = stray()
        .current_dir(tree.path())
        .args(["rotation", "app"])
        .output()
        .expect("stray runs");
    let (stdout, stderr) = crate::common::expect_exit(&output, 0, "stray rotation");
    assert!(stderr.contains("without --vault"), "{stderr}");
    assert!(stdout.contains("due in 90 days"), "{stdout}");
    assert!(stdout.contains("(first seen)"), "{stdout}");
    assert!(!stdout.contains(&key));
}
