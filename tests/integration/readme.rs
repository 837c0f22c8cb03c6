//! README.md's provider catalogue is generated from the rule packs. Regenerate it with
//! `UPDATE_README=1 cargo test --test integration readme::`.

use stray::RuleSet;
use stray::rules::catalog;

const START: &str = "<!-- providers:start (generated: UPDATE_README=1 cargo test --test integration readme::) -->\n";
const END: &str = "<!-- providers:end -->";

#[test]
fn readme_lists_every_provider_from_the_rule_packs() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let start = readme
        .find(START)
        .expect("README has the providers:start marker")
        + START.len();
    let end = readme[start..]
        .find(END)
        .expect("README has the providers:end marker")
        + start;
    let generated = catalog::markdown(&RuleSet::builtin().expect("built-in rules"));
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{}{}", &readme[..start], generated, &readme[end..]);
        std::fs::write(path, updated).expect("write README.md");
        return;
    }
    assert!(
        readme[start..end] == generated,
        "README.md's provider list is stale: run UPDATE_README=1 cargo test --test integration readme::"
    );
}
