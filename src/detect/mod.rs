//! Detection: rule packs ([`rules`]), the keyword automaton and regex confirmation
//! ([`matcher`]), decoders for text hidden in other encodings ([`decode`]), what a place is
//! ([`classify`]) and what a value is assigned to ([`context`]), and what is not a credential
//! ([`placeholder`], vault [`references`]).

pub mod allow;
pub mod classify;
pub mod context;
pub mod decode;
pub mod matcher;
pub mod placeholder;
pub mod references;
pub mod rules;
pub mod selftest;
