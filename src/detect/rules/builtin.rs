//! The rule packs compiled into the binary, one per provider family.
//!
//! build.rs lists them (the order their rules load in) and pre-processes them: `PACKS` holds
//! each pack's TOML text, the whole rules with their examples and negatives; `LEAN_JSON` every
//! rule without those, for scans (see build.rs).

include!(concat!(env!("OUT_DIR"), "/builtin_packs.rs"));

/// `[{"pack": INDEX_IN_PACKS, "line": LINE_OF_ITS_TABLE, "rule": {...}}, ...]`.
pub const LEAN_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/builtin_rules.json"));
