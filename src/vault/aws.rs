//! AWS Secrets Manager `get-secret-value` / `batch-get-secret-value` output.

use super::{Collector, ParseError};

pub fn parse(_bytes: &[u8], _out: &mut Collector) -> Result<(), ParseError> {
    Err(ParseError::Invalid(
        "AWS Secrets Manager exports are not supported yet".into(),
    ))
}
