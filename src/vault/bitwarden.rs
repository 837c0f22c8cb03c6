//! Bitwarden unencrypted JSON and CSV exports.

use super::{Collector, ParseError};

pub fn parse_json(_bytes: &[u8], _out: &mut Collector) -> Result<(), ParseError> {
    Err(ParseError::Invalid(
        "Bitwarden JSON exports are not supported yet".into(),
    ))
}

pub fn parse_csv(_bytes: &[u8], _out: &mut Collector) -> Result<(), ParseError> {
    Err(ParseError::Invalid(
        "Bitwarden CSV exports are not supported yet".into(),
    ))
}
