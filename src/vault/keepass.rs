//! KeePassXC CSV export.

use super::{Collector, ParseError};

pub fn parse_csv(_bytes: &[u8], _out: &mut Collector) -> Result<(), ParseError> {
    Err(ParseError::Invalid(
        "KeePassXC CSV exports are not supported yet".into(),
    ))
}
