//! GCP Secret Manager and Azure Key Vault CLI JSON.

use super::{Collector, ParseError};

pub fn parse_gcp(_bytes: &[u8], _out: &mut Collector) -> Result<(), ParseError> {
    Err(ParseError::Invalid(
        "GCP Secret Manager output is not supported yet".into(),
    ))
}

pub fn parse_azure(_bytes: &[u8], _out: &mut Collector) -> Result<(), ParseError> {
    Err(ParseError::Invalid(
        "Azure Key Vault output is not supported yet".into(),
    ))
}
