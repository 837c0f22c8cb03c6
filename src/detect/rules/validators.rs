//! Checks that run on a regex candidate before it becomes a finding.

/// A format-specific check named by a rule's `validator` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// GitHub's 2021 token format: the last 6 characters are the base62 CRC32 of the 30 random
    /// characters between the `gh?_` prefix and the checksum.
    GithubCrc32,
    /// A JWT that is not one of the fixed keys local development stacks ship with (the
    /// Supabase CLI signs its anon and service_role keys with issuer `supabase-demo`): those
    /// are printed by `supabase start` on every machine and unlock nothing but a local stack.
    JwtNotLocalDemo,
    /// A value that is not a lowercase code identifier: `user_input_2`, `config.api_key_v2`
    /// and `get_secret_1` are variables a generic `password = …` rule meets in source code,
    /// not literals. A one-word value (`summer_2024`) stays a candidate.
    NotCodeIdentifier,
    /// A password that is not a tutorial's sample: connection-string and `user:password`
    /// examples spell their passwords as words (`myPassword`, `yourStrong(!)Password`,
    /// `P@ssw0rd1`, `mysecretpassword`, `scott/tiger`'s `tiger`); a value that holds `passw`,
    /// `pwd`, `mysecret` or `yourstrong` once leetspeak is undone, or is `tiger`, is one of
    /// those, not a credential.
    NotSamplePassword,
}

impl Validator {
    pub const ALL: [Validator; 4] = [
        Validator::GithubCrc32,
        Validator::JwtNotLocalDemo,
        Validator::NotCodeIdentifier,
        Validator::NotSamplePassword,
    ];

    /// The validator a rule pack names ([`Validator::name`]).
    pub fn from_name(name: &str) -> Option<Validator> {
        Self::ALL.into_iter().find(|v| v.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Validator::GithubCrc32 => "github-crc32",
            Validator::JwtNotLocalDemo => "jwt-not-local-demo",
            Validator::NotCodeIdentifier => "not-code-identifier",
            Validator::NotSamplePassword => "not-sample-password",
        }
    }

    pub fn accepts(self, secret: &[u8]) -> bool {
        match self {
            Validator::GithubCrc32 => github_crc32_ok(secret),
            Validator::JwtNotLocalDemo => !is_local_demo_jwt(secret),
            Validator::NotCodeIdentifier => !is_code_identifier(secret),
            Validator::NotSamplePassword => !is_sample_password(secret),
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

/// Issuers of JWTs that local development stacks sign with a published secret.
const LOCAL_DEMO_ISSUERS: &[&str] = &["supabase-demo"];

/// True when the JWT's payload names a local demo issuer. A payload that does not decode is
/// not a demo key: the rule's own shape check stands.
fn is_local_demo_jwt(token: &[u8]) -> bool {
    use base64::Engine as _;
    let Some(payload) = token.split(|&b| b == b'.').nth(1) else {
        return false;
    };
    let Ok(json) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&json).is_ok_and(|claims| {
        claims
            .get("iss")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|iss| LOCAL_DEMO_ISSUERS.contains(&iss))
    })
}

/// True for lowercase snake_case names of two or more words (`user_input_2`) and dotted
/// paths of lowercase names (`self.password2`, `config.api_key_v2`).
fn is_code_identifier(value: &[u8]) -> bool {
    let name_char = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_';
    let starts_name = |part: &[u8]| {
        part.first()
            .is_some_and(|b| b.is_ascii_lowercase() || *b == b'_')
    };
    if value.contains(&b'.') {
        return value
            .split(|&b| b == b'.')
            .all(|part| starts_name(part) && part.iter().all(name_char));
    }
    // Words are runs of two or more letters; random lowercase text (`xk_9f_2q8`) has few.
    let words = value
        .split(|&b| b == b'_')
        .filter(|word| word.len() >= 2 && word.iter().all(u8::is_ascii_lowercase))
        .count();
    starts_name(value) && value.iter().all(name_char) && words >= 2
}

/// Words that tutorials' sample passwords are made of, after [`unleet`]: `passw` covers
/// password, passwort and passwd; `yourstrong` is SQL Server's container docs' own.
const SAMPLE_PASSWORD_WORDS: &[&str] = &["passw", "pwd", "yourstrong", "mysecret"];

/// Whole sample passwords (after [`unleet`]): Oracle's `scott/tiger` demo schema.
const SAMPLE_PASSWORDS: &[&str] = &["tiger"];

/// Lowercase with the usual digit and symbol stand-ins for letters put back.
fn unleet(value: &[u8]) -> Vec<u8> {
    value
        .iter()
        .map(|&b| match b.to_ascii_lowercase() {
            b'@' | b'4' => b'a',
            b'0' => b'o',
            b'3' => b'e',
            b'$' | b'5' => b's',
            b'1' | b'!' => b'i',
            other => other,
        })
        .collect()
}

fn is_sample_password(value: &[u8]) -> bool {
    let plain = unleet(value);
    let contains = |word: &str| memchr::memmem::find(&plain, word.as_bytes()).is_some();
    SAMPLE_PASSWORD_WORDS.iter().any(|w| contains(w))
        || SAMPLE_PASSWORDS.iter().any(|w| plain == w.as_bytes())
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
    fn local_demo_jwts_are_told_from_project_keys() {
        use base64::Engine as _;
        let jwt = |claims: &str| {
            let encode = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
            format!(
                "{}.{}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk",
                encode(br#"{"alg":"HS256","typ":"JWT"}"#),
                encode(claims.as_bytes())
            )
        };
        let demo = jwt(r#"{"iss":"supabase-demo","role":"service_role","exp":1983812996}"#);
        let project =
            jwt(r#"{"iss":"supabase","ref":"rcuprahgetqdpljhmxka","role":"service_role"}"#);
        assert!(!Validator::JwtNotLocalDemo.accepts(demo.as_bytes()));
        assert!(Validator::JwtNotLocalDemo.accepts(project.as_bytes()));
        // Undecodable payloads and non-JSON claims are not demo keys.
        assert!(Validator::JwtNotLocalDemo.accepts(b"eyJ.%%%.sig"));
        assert!(Validator::JwtNotLocalDemo.accepts(jwt("[1,2]").as_bytes()));
        assert!(Validator::JwtNotLocalDemo.accepts(b"no-dots"));
    }

    #[test]
    fn code_identifiers_are_told_from_literals() {
        for identifier in [
            "user_input_2",
            "get_secret_value_1",
            "config.api_key_v2",
            "self.password2",
            "_private_token_9",
        ] {
            assert!(
                !Validator::NotCodeIdentifier.accepts(identifier.as_bytes()),
                "{identifier}"
            );
        }
        for literal in [
            "summer_2024",
            "Vq7.Lk2@xZ93",
            "Iv1.8a61f9b3a7aba766",
            "C6hI2vaMaVB7tZ0YSkFy3c4i7zlwExGL2S2fAwOt_XI",
            "56ec4f3378c19cd5840f1aec544ad77b",
            "db.2024",
            "xk_9f_2q8",
        ] {
            assert!(
                Validator::NotCodeIdentifier.accepts(literal.as_bytes()),
                "{literal}"
            );
        }
    }

    #[test]
    fn sample_passwords_are_told_from_real_ones() {
        for sample in [
            "myPassword",
            "yourStrong(!)Password",
            "P@ssw0rd1",
            "mysecretpassword",
            "myPwd123",
            "tiger",
            "Passwort2024",
        ] {
            assert!(
                !Validator::NotSamplePassword.accepts(sample.as_bytes()),
                "{sample}"
            );
        }
        for real in ["Kq7!vR2mZp9x", "hunter2-Horse-Battery", "tigerlily-93Qz"] {
            assert!(
                Validator::NotSamplePassword.accepts(real.as_bytes()),
                "{real}"
            );
        }
    }

    #[test]
    fn entropy_orders_random_above_repetitive() {
        assert_eq!(shannon_entropy(b""), 0.0);
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abab") - 1.0).abs() < 1e-9);
        assert!(shannon_entropy(b"q8Zr2LwX7pKd4MnB") > 3.5);
    }
}
