//! Pre-processes the built-in rule packs (`rules/*.toml`) for fast start-up.
//!
//! Parsing 480 KB of TOML cost about 5 ms at every start, most of it in each rule's `examples`
//! and `negatives`, which only the self-tests read. This script writes, into `OUT_DIR`:
//!
//! * `builtin_packs.rs`: the list of packs, each with its TOML text (`include_str!`), the one
//!   source for the self-tests, `stray rules` errors and anything that needs the whole rule;
//! * `builtin_rules.json`: every rule without its examples and negatives, with its pack and the
//!   line its `[[rules]]` table starts on, as `[{"pack": 0, "line": 3, "rule": {...}}, ...]`.
//!   The scan path reads this with serde_json into the same `RuleSpec` (the same field names,
//!   types and defaults), several times faster than TOML.
//!
//! The conversion knows nothing of the rule schema: it copies every TOML value as the JSON value
//! of the same type, so a field added to `RuleSpec` needs no change here. A test checks that
//! both forms load into the same rules.

use std::fmt::Write as _;
use std::path::Path;

use toml::de::{DeTable, DeValue};

/// The built-in packs, in the order their rules are loaded (it decides ties between rules).
const PACKS: &[&str] = &[
    "ai.toml",
    "code-hosts.toml",
    "cloud.toml",
    "saas.toml",
    "packages.toml",
    "secret-managers.toml",
    "keys.toml",
    "structured.toml",
];

/// Fields only the self-tests read: left out of the scan path's form.
const TEST_ONLY: &[&str] = &["examples", "negatives"];

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let rules_dir = Path::new(&manifest).join("rules");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=rules");

    let mut list = String::from("pub const PACKS: &[(&str, &str)] = &[\n");
    let mut json = String::from("[");
    for (index, name) in PACKS.iter().enumerate() {
        let path = rules_dir.join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let _ = writeln!(list, "    ({name:?}, include_str!({:?})),", path.display());
        lean_rules(name, index, &text, &mut json);
    }
    list.push_str("];\n");
    json.push(']');
    let write = |file: &str, content: &str| {
        let path = Path::new(&out_dir).join(file);
        std::fs::write(&path, content)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    };
    write("builtin_packs.rs", &list);
    write("builtin_rules.json", &json);
}

/// Appends the rules of one pack to the JSON array in `out`. A pack that is not valid TOML
/// fails the build with the place; schema faults (an unknown field, a bad class) are left to the
/// loader, whose tests read the same packs.
fn lean_rules(name: &str, index: usize, text: &str, out: &mut String) {
    let document = DeTable::parse(text).unwrap_or_else(|e| panic!("rules/{name}: {e}"));
    let document = document.into_inner();
    for (key, _) in document.iter() {
        if key.get_ref() != "rules" {
            panic!("rules/{name}: unexpected top-level key {:?}", key.get_ref());
        }
    }
    let Some(rules) = document.get("rules") else {
        return;
    };
    let DeValue::Array(rules) = rules.get_ref() else {
        panic!("rules/{name}: `rules` is not an array of tables");
    };
    // Lines are counted on from the previous rule's, as the TOML loader does.
    let (mut counted_to, mut line) = (0, 1);
    for rule in rules.iter() {
        let DeValue::Table(table) = rule.get_ref() else {
            panic!("rules/{name}: an entry of `rules` is not a table");
        };
        let start = rule.span().start.min(text.len());
        if start >= counted_to {
            line += text.as_bytes()[counted_to..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
        } else {
            line = text.as_bytes()[..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
        }
        counted_to = start;
        if !out.ends_with('[') {
            out.push(',');
        }
        let _ = write!(out, "\n{{\"pack\":{index},\"line\":{line},\"rule\":{{");
        let mut first = true;
        for (key, value) in table.iter() {
            if TEST_ONLY.contains(&key.get_ref().as_ref()) {
                continue;
            }
            if !first {
                out.push(',');
            }
            first = false;
            json_string(key.get_ref(), out);
            out.push(':');
            json_value(name, value.get_ref(), out);
        }
        out.push_str("}}");
    }
}

fn json_value(name: &str, value: &DeValue<'_>, out: &mut String) {
    match value {
        DeValue::String(text) => json_string(text, out),
        DeValue::Integer(integer) => {
            let value = i64::from_str_radix(integer.as_str(), integer.radix())
                .unwrap_or_else(|e| panic!("rules/{name}: integer {integer}: {e}"));
            let _ = write!(out, "{value}");
        }
        DeValue::Float(float) => {
            let value: f64 = float
                .as_str()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .unwrap_or_else(|| panic!("rules/{name}: float {float} is not a finite number"));
            // `{:?}` writes the shortest text that parses back to the same f64.
            let _ = write!(out, "{value:?}");
        }
        DeValue::Boolean(value) => {
            let _ = write!(out, "{value}");
        }
        DeValue::Datetime(value) => panic!("rules/{name}: no rule field is a date ({value})"),
        DeValue::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_value(name, item.get_ref(), out);
            }
            out.push(']');
        }
        DeValue::Table(table) => {
            out.push('{');
            for (i, (key, item)) in table.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(key.get_ref(), out);
                out.push(':');
                json_value(name, item.get_ref(), out);
            }
            out.push('}');
        }
    }
}

/// A JSON string literal (RFC 8259: `"`, `\` and control characters escaped).
fn json_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
