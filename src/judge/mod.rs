//! Judging what was found: vault status, age and the fail policy ([`reconcile`]), accepted
//! exceptions ([`baseline`]), owners and criticality ([`governance`]), and who reads each
//! credential ([`consumer`]).

pub mod baseline;
pub mod consumer;
pub mod governance;
pub mod reconcile;
