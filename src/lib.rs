//! stray: a fast, local secret-sprawl scanner.
//!
//! The data path is walk → read → match → group → report (see `../shared/DESIGN.md`):
//! [`walk`] decides which files to visit, [`scan::Scanner`] reads them and runs the
//! [`matcher::Matcher`] built from [`rules::RuleSet`], [`finding::group`] turns sightings into one
//! [`finding::Finding`] per credential, and [`report`] writes the result.

pub mod archive;
pub mod baseline;
pub mod classify;
pub mod config;
pub mod consumer;
pub mod context;
pub mod decode;
pub mod finding;
pub mod git;
pub mod governance;
pub mod hook;
pub mod host;
pub mod input;
pub mod inventory;
pub mod laptop;
pub mod matcher;
pub mod memory;
pub mod merge;
pub mod pathtext;
pub mod pipeline;
pub mod placeholder;
pub mod reconcile;
pub mod references;
pub mod report;
pub mod rules;
pub mod runbook;
pub mod scan;
pub mod scrub;
pub mod size;
pub mod text;
pub mod vault;
pub mod walk;

pub use classify::LocationKind;
pub use finding::{Finding, Location};
pub use matcher::Matcher;
pub use rules::{Rule, RuleSet};
pub use scan::{Progress, ScanOptions, ScanOutcome, Scanner, Stats};
