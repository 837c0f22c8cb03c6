//! Checks that run on a regex candidate before it becomes a finding.

/// A format-specific check named by a rule's `validator` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// GitHub's 2021 token format: the last 6 characters are the base62 CRC32 of the 30 random
    /// characters between the `gh?_` prefix and the checksum.
    GithubCrc32,
}

impl Validator {
    pub const NAMES: &'static [&'static str] = &["github-crc32"];

    pub fn from_name(name: &str) -> Option<Validator> {
        match name {
            "github-crc32" => Some(Validator::GithubCrc32),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Validator::GithubCrc32 => "github-crc32",
        }
    }

    pub fn accepts(self, secret: &[u8]) -> bool {
        match self {
            Validator::GithubCrc32 => github_crc32_ok(secret),
        }
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Base62 of `value`, left-padded with '0' to `width` digits.
pub fn base62_padded(mut value: u32, width: usize) -> String {
    let mut digits = vec![b'0'; width];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8_lossy(&digits).into_owned()
}

/// The 6-character checksum GitHub appends to the random part of a token.
pub fn github_checksum(random: &[u8]) -> String {
    base62_padded(crc32fast::hash(random), 6)
}

fn github_crc32_ok(token: &[u8]) -> bool {
    // ghp_ + 30 random + 6 checksum; the prefix is everything up to the first '_'.
    let Some(underscore) = token.iter().position(|&b| b == b'_') else {
        return false;
    };
    let body = &token[underscore + 1..];
    if body.len() != 36 {
        return false;
    }
    let (random, checksum) = body.split_at(30);
    github_checksum(random).as_bytes() == checksum
}

/// Shannon entropy in bits per byte.
pub fn shannon_entropy(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in data {
        counts[b as usize] += 1;
    }
    let len = data.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base62_pads_and_encodes() {
        assert_eq!(base62_padded(0, 6), "000000");
        assert_eq!(base62_padded(61, 2), "0z");
        assert_eq!(base62_padded(62, 3), "010");
        assert_eq!(base62_padded(u32::MAX, 6), "4gfFC3");
    }

    #[test]
    fn github_checksum_round_trip() {
        let random = "Zq3T9vLm2Xk8Rw4Yb7Nc1Hd5Jf6Gs0Pa";
        let random = &random[..30];
        let token = format!("ghp_{random}{}", github_checksum(random.as_bytes()));
        assert!(Validator::GithubCrc32.accepts(token.as_bytes()));
        let mut broken = token.clone().into_bytes();
        broken[10] = if broken[10] == b'a' { b'b' } else { b'a' };
        assert!(!Validator::GithubCrc32.accepts(&broken));
        assert!(!Validator::GithubCrc32.accepts(b"ghp_short"));
        assert!(!Validator::GithubCrc32.accepts(b"nounderscore"));
    }

    #[test]
    fn entropy_orders_random_above_repetitive() {
        assert_eq!(shannon_entropy(b""), 0.0);
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abab") - 1.0).abs() < 1e-9);
        assert!(shannon_entropy(b"q8Zr2LwX7pKd4MnB") > 3.5);
    }
}
