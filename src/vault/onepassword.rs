//! 1Password 1PUX (zip with `export.data`) and CSV exports.

use super::{Collector, ParseError};

pub fn parse_1pux(_bytes: &[u8], _out: &mut Collector) -> Result<(), ParseError> {
    Err(ParseError::Invalid(
        "1PUX exports are not supported yet".into(),
    ))
}

pub fn parse_csv(_bytes: &[u8], _out: &mut Collector) -> Result<(), ParseError> {
    Err(ParseError::Invalid(
        "1Password CSV exports are not supported yet".into(),
    ))
}
