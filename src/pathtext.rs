//! Paths as text. A path is bytes on Unix and need not be UTF-8; reports are text.
//!
//! [`escaped`] is how every report shows a path: valid UTF-8 as it is, each byte that is not
//! part of valid UTF-8 as `\xHH` (`d\xFFir/app.env`). It is for reading, and distinct paths
//! stay distinct, but a valid path that happens to contain the four characters `\xFF` would
//! read the same: only JSON carries the exact bytes, with [`lossless`].
//!
//! JSON and JSON Lines write a path as `"path": "<escaped>"`, and, only when the path is not
//! valid UTF-8, `"path_bytes_b64": "<the path's bytes, standard base64 with padding>"` beside
//! it. A reader that knows the field takes the bytes; one that does not still has a readable,
//! distinct `path`. `stray merge` and `stray inventory import` read both forms back.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The JSON field that carries a path's exact bytes when they are not UTF-8.
pub const BYTES_FIELD: &str = "path_bytes_b64";

/// The value of [`BYTES_FIELD`] for these bytes: standard base64 with padding.
pub fn encode_bytes(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// The bytes a [`BYTES_FIELD`] value holds; `None` when it is not standard base64.
pub fn decode_bytes(encoded: &str) -> Option<Vec<u8>> {
    STANDARD.decode(encoded.as_bytes()).ok()
}

/// The path as text: as it is when it is valid UTF-8, else with each invalid byte as `\xHH`.
pub fn escaped(path: &Path) -> Cow<'_, str> {
    if let Some(text) = path.to_str() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(escape_bytes(&bytes(path)))
}

/// `bytes` as UTF-8 where they are, `\xHH` for each byte that is not.
fn escape_bytes(mut bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() + 8);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => {
                text.push_str(valid);
                return text;
            }
            Err(error) => {
                let (valid, rest) = bytes.split_at(error.valid_up_to());
                // The prefix was just checked; this cannot fail.
                text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad = error.error_len().unwrap_or(rest.len()).max(1);
                for byte in &rest[..bad] {
                    text.push_str(&format!("\\x{byte:02X}"));
                }
                bytes = &rest[bad..];
            }
        }
    }
}

/// The path's bytes as the operating system holds them (on Unix, exactly the name's bytes).
pub fn bytes(path: &Path) -> Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Cow::Borrowed(path.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        Cow::Owned(path.to_string_lossy().into_owned().into_bytes())
    }
}

/// A path from its bytes, as [`bytes`] gave them. Elsewhere than Unix, bytes that are not
/// UTF-8 cannot name a path: they are read lossily.
pub fn from_bytes(bytes: Vec<u8>) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(std::ffi::OsString::from_vec(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// How JSON holds a path: `path`, and `path_bytes_b64` when the path is not UTF-8.
#[derive(Serialize, Deserialize)]
struct PathFields {
    path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path_bytes_b64: Option<String>,
}

impl PathFields {
    fn new(path: &Path) -> PathFields {
        match path.to_str() {
            Some(text) => PathFields {
                path: text.to_string(),
                path_bytes_b64: None,
            },
            None => PathFields {
                path: escaped(path).into_owned(),
                path_bytes_b64: Some(encode_bytes(&bytes(path))),
            },
        }
    }

    fn into_path(self) -> Result<PathBuf, String> {
        match self.path_bytes_b64 {
            None => Ok(PathBuf::from(self.path)),
            Some(encoded) => STANDARD
                .decode(encoded.as_bytes())
                .map(from_bytes)
                .map_err(|e| {
                    format!(
                        "path_bytes_b64 of {:?} is not standard base64: {e}",
                        self.path
                    )
                }),
        }
    }
}

/// Serde `with` module for a flattened `PathBuf` field: writes `path` (and `path_bytes_b64`
/// when needed), reads either form. Use as `#[serde(flatten, with = "crate::pathtext::lossless")]`.
pub mod lossless {
    use super::*;

    pub fn serialize<S: Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
        PathFields::new(path).serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<PathBuf, D::Error> {
        PathFields::deserialize(deserializer)?
            .into_path()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_paths_are_shown_as_they_are() {
        assert_eq!(escaped(Path::new("dir/app.env")), "dir/app.env");
        assert_eq!(escaped(Path::new("ключ/é.env")), "ключ/é.env");
    }

    #[test]
    fn invalid_bytes_are_escaped() {
        assert_eq!(
            escape_bytes(b"d\xffir/conf\xfe.env"),
            "d\\xFFir/conf\\xFE.env"
        );
        assert_eq!(escape_bytes(b"\xc3"), "\\xC3");
        assert_eq!(escape_bytes(b"a\xe2\x82b"), "a\\xE2\\x82b");
        assert_eq!(escape_bytes("é".as_bytes()), "é");
    }

    #[cfg(unix)]
    #[test]
    fn json_carries_the_bytes_and_reads_them_back() {
        use std::os::unix::ffi::OsStrExt;
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Place {
            #[serde(flatten, with = "lossless")]
            path: PathBuf,
            line: usize,
        }
        let raw = Place {
            path: PathBuf::from(std::ffi::OsStr::from_bytes(b"d\xffir/a.env")),
            line: 3,
        };
        let text = serde_json::to_string(&raw).expect("serialize");
        assert_eq!(
            text,
            r#"{"path":"d\\xFFir/a.env","path_bytes_b64":"ZP9pci9hLmVudg==","line":3}"#
        );
        assert_eq!(
            serde_json::from_str::<Place>(&text).expect("deserialize"),
            raw
        );
        let plain = Place {
            path: PathBuf::from("a.env"),
            line: 1,
        };
        let text = serde_json::to_string(&plain).expect("serialize");
        assert_eq!(text, r#"{"path":"a.env","line":1}"#);
        assert_eq!(serde_json::from_str::<Place>(&text).expect("read"), plain);
        let broken = r#"{"path":"x","path_bytes_b64":"!!","line":1}"#;
        let error = serde_json::from_str::<Place>(broken).expect_err("bad base64");
        assert!(error.to_string().contains("path_bytes_b64"), "{error}");
    }
}
