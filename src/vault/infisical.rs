//! Infisical `infisical export --format=json`.

use super::{Collector, ParseError};

pub fn parse(_bytes: &[u8], _out: &mut Collector) -> Result<(), ParseError> {
    Err(ParseError::Invalid(
        "Infisical exports are not supported yet".into(),
    ))
}
