//! Judging what was found: vault status, age and the fail policy ([`reconcile`]), accepted
//! exceptions ([`baseline`]), and owners and criticality ([`governance`]).

pub mod baseline;
pub mod governance;
pub mod reconcile;
