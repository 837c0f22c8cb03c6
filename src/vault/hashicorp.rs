//! HashiCorp Vault `vault kv get -format=json` output (KV v1 and v2).

use super::{Collector, ParseError};

pub fn parse(_bytes: &[u8], _out: &mut Collector) -> Result<(), ParseError> {
    Err(ParseError::Invalid(
        "HashiCorp Vault output is not supported yet".into(),
    ))
}
