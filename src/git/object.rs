//! Object ids, tree-entry modes and paths as git writes them.

use super::*;

// ---------------------------------------------------------------------------------------------
// Object ids

/// A binary object id: SHA-1 (20 bytes) or SHA-256 (32 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Oid {
    pub(super) bytes: [u8; 32],
    pub(super) len: u8,
}

impl Oid {
    pub(super) fn from_hex(hex: &[u8]) -> Option<Oid> {
        if hex.len() != 40 && hex.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            bytes[i] = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
        }
        Some(Oid {
            bytes,
            len: (hex.len() / 2) as u8,
        })
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    pub(super) fn is_zero(&self) -> bool {
        self.as_bytes().iter().all(|&b| b == 0)
    }

    pub(super) fn write_hex(&self, out: &mut impl Write) -> io::Result<()> {
        let mut hex = [0u8; 64];
        for (i, b) in self.as_bytes().iter().enumerate() {
            hex[2 * i] = HEX[(b >> 4) as usize];
            hex[2 * i + 1] = HEX[(b & 0xf) as usize];
        }
        out.write_all(&hex[..2 * self.len as usize])
    }
}

pub(super) const HEX: &[u8; 16] = b"0123456789abcdef";

pub(super) fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl std::fmt::Display for Oid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Oid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

// ---------------------------------------------------------------------------------------------
// Paths

#[cfg(unix)]
pub(super) fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

/// Git for Windows reports paths in UTF-8; anything else is replaced lossily.
#[cfg(not(unix))]
pub(super) fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// Mode bits of a regular file (`100644`, `100755`, or old `100664`): not a symlink (`120000`),
/// submodule (`160000`) or tree.
pub(super) fn is_regular_file(mode: u32) -> bool {
    mode & 0o170000 == 0o100000
}

pub(super) fn parse_mode(field: &[u8]) -> Option<u32> {
    if field.is_empty() || field.len() > 7 {
        return None;
    }
    field.iter().try_fold(0u32, |acc, &c| match c {
        b'0'..=b'7' => Some(acc * 8 + u32::from(c - b'0')),
        _ => None,
    })
}
