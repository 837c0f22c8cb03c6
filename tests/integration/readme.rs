//! The provider catalogue of docs/rules.md (README.md links to it) is generated from the rule
//! packs. Regenerate it with `UPDATE_README=1 cargo test --test integration readme::`.

use stray::RuleSet;
use stray::detect::rules::catalog;

/// The file that holds the generated catalogue, relative to the repository root.
const CATALOGUE: &str = "docs/rules.md";
const START: &str = "<!-- providers:start (generated: UPDATE_README=1 cargo test --test integration readme::) -->\n";
const END: &str = "<!-- providers:end -->";

/// Checks (or, with UPDATE_README, rewrites) the text between `start` and `end` in `file`.
fn check_generated(file: &str, start_marker: &str, end_marker: &str, generated: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let start = text
        .find(start_marker)
        .unwrap_or_else(|| panic!("{file} has the {start_marker:?} marker"))
        + start_marker.len();
    let end = text[start..]
        .find(end_marker)
        .unwrap_or_else(|| panic!("{file} has the {end_marker:?} marker"))
        + start;
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{}{}", &text[..start], generated, &text[end..]);
        std::fs::write(&path, updated).unwrap_or_else(|e| panic!("write {file}: {e}"));
        return;
    }
    assert!(
        text[start..end] == *generated,
        "{file}'s generated list is stale: run UPDATE_README=1 cargo test --test integration readme::"
    );
}

#[test]
fn readme_lists_every_provider_from_the_rule_packs() {
    let generated = catalog::markdown(&RuleSet::builtin().expect("built-in rules"));
    check_generated(CATALOGUE, START, END, &generated);
}

/// docs/validation.md lists every validator with the exact request it makes.
#[test]
fn the_validation_guide_lists_every_validator() {
    check_generated(
        "docs/validation.md",
        "<!-- validators:start (generated: UPDATE_README=1 cargo test --test integration readme::) -->\n",
        "<!-- validators:end -->",
        &stray::validate::providers::markdown(),
    );
}

/// The catalogue lives in one file only: a second copy of the markers elsewhere would go stale
/// unchecked.
#[test]
fn the_provider_markers_are_in_the_catalogue_file_only() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).expect("docs/") {
        let path = entry.expect("a docs/ entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a Markdown file");
        let holds = text.contains("<!-- providers:start");
        assert_eq!(
            holds,
            file.ends_with(CATALOGUE),
            "{}: the providers:start marker belongs in {CATALOGUE} only",
            file.display()
        );
    }
}
