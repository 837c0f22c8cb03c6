//! stray: a fast, local secret-sprawl scanner.
//!
//! The data path is walk → read → match → group → judge → report (`docs/ARCHITECTURE.md` has
//! the diagram and the layering): [`input`] decides which files to visit and reads them,
//! [`scan::Scanner`] runs the [`detect::matcher::Matcher`] built from [`detect::rules::RuleSet`],
//! [`finding::group`] turns sightings into one [`finding::Finding`] per credential, [`judge`]
//! reconciles them with the [`vault`] and applies baselines and governance, [`pipeline`] chains
//! the stages, and [`report`] and [`inventory`] write the result.

// The stages (rustfmt keeps them alphabetical; the module docs above give the order data
// flows). Imports run down input, detect, finding, scan, vault, judge, validate, pipeline, report,
// inventory, never up (docs/ARCHITECTURE.md, "Layering rules"; tests/integration/layering.rs).
pub mod detect;
pub mod finding;
pub mod input;
pub mod inventory;
pub mod judge;
pub mod pipeline;
pub mod report;
pub mod scan;
pub mod scrub;
pub mod validate;
pub mod vault;

// Settings and helpers around the pipeline.
pub mod config;
pub mod display;
pub mod hook;
pub mod host;
pub mod memory;
pub mod names;
pub mod pathtext;
pub mod size;

pub use detect::classify::LocationKind;
pub use detect::matcher::Matcher;
pub use detect::rules::{Rule, RuleSet};
pub use finding::{Finding, Location};
pub use scan::{Progress, ScanOptions, ScanOutcome, Scanner, Stats};
