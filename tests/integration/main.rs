//! The integration tests: one binary (each file a module), so the crate is linked once.
//! `cargo test --test integration NAME` runs the tests whose path contains NAME, e.g.
//! `cargo test --test integration readme::`.

mod common;

mod ci_platforms;
mod cli;
mod command_line;
mod decoders;
mod false_positives;
mod fixtures;
mod fuzz_regressions;
mod git_input;
mod git_workflow;
mod gitlab;
mod governance;
mod hostile_encodings;
mod hostile_inputs;
mod hostile_names;
mod hostile_reports;
mod inventory;
mod large_files;
mod layering;
mod names;
mod readme;
mod readme_commands;
mod redaction_audit;
mod report_html;
mod revocation;
mod rules;
mod sarif_schema;
mod structured;
mod utf16;
mod validation;
mod vault_bitwarden;
mod vault_cli;
mod vault_cli_source;
mod vault_exports;
mod vault_parsers;
mod vault_secret_managers;
mod workflow;
