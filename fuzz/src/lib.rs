//! Entry points shared by the fuzz targets (`fuzz/fuzz_targets/*.rs`) and by the regression test
//! `tests/integration/fuzz_regressions.rs`, which includes this file with `#[path]` so that every saved
//! crashing input under `fixtures/fuzz/<target>/` is replayed through exactly the code the
//! fuzzer ran. Each function takes arbitrary bytes and must never panic.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use stray::config::Config;
use stray::detect::classify::LocationKind;
use stray::detect::context::{self, Syntax};
use stray::detect::decode;
use stray::detect::rules::PackSource;
use stray::input::archive::{self, ArchiveLimits, ArchiveMode, MemberSink};
use stray::judge::baseline::Baseline;
use stray::vault::{self, VaultFormat};
use stray::{Matcher, RuleSet, ScanOptions, Scanner};

/// Every fuzz target, by the name of its file in `fuzz/fuzz_targets/` and its directory in
/// `fixtures/fuzz/`.
pub const TARGETS: &[&str] = &[
    "vault_bitwarden_json",
    "vault_bitwarden_csv",
    "vault_onepassword_1pux",
    "vault_onepassword_csv",
    "vault_hashicorp",
    "vault_aws",
    "vault_keepass",
    "vault_infisical",
    "vault_gcp",
    "vault_azure",
    "vault_generic_json",
    "vault_generic_env",
    "vault_fingerprints",
    "vault_detect",
    "decode_json_strings",
    "decode_base64",
    "decode_utf16",
    "context",
    "archive",
    "rule_pack",
    "baseline",
    "config",
    "scan_bytes",
];

/// Runs the target called `name` on `data`. Panics on an unknown name.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "vault_bitwarden_json" => vault_format(VaultFormat::BitwardenJson, data),
        "vault_bitwarden_csv" => vault_format(VaultFormat::BitwardenCsv, data),
        "vault_onepassword_1pux" => vault_format(VaultFormat::OnePassword1pux, data),
        "vault_onepassword_csv" => vault_format(VaultFormat::OnePasswordCsv, data),
        "vault_hashicorp" => vault_format(VaultFormat::HashicorpVault, data),
        "vault_aws" => vault_format(VaultFormat::AwsSecretsManager, data),
        "vault_keepass" => {
            vault_format(VaultFormat::KeepassxcCsv, data);
            vault_format(VaultFormat::KeepassXml, data);
        }
        "vault_infisical" => vault_format(VaultFormat::Infisical, data),
        "vault_gcp" => vault_format(VaultFormat::GcpSecretManager, data),
        "vault_azure" => vault_format(VaultFormat::AzureKeyVault, data),
        "vault_generic_json" => {
            vault_format(VaultFormat::Json, data);
            vault_format(VaultFormat::DopplerJson, data);
        }
        "vault_generic_env" => {
            vault_format(VaultFormat::Dotenv, data);
            vault_format(VaultFormat::DopplerEnv, data);
        }
        "vault_fingerprints" => vault_format(VaultFormat::Fingerprints, data),
        "vault_detect" => vault_detect(data),
        "decode_json_strings" => decode_json_strings(data),
        "decode_base64" => decode_base64(data),
        "decode_utf16" => decode_utf16(data),
        "context" => context_names(data),
        "archive" => archive_members(data),
        "rule_pack" => rule_pack(data),
        "baseline" => baseline(data),
        "config" => config(data),
        "scan_bytes" => scan_bytes(data),
        _ => panic!("unknown fuzz target {name}"),
    }
}

/// The scanner with the built-in rules, built once per process.
fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        let matcher = Matcher::new(RuleSet::builtin().expect("built-in rules")).expect("matcher");
        Scanner::new(matcher, ScanOptions::default()).expect("scanner")
    })
}

/// A directory for the loaders that only read files (baseline, config).
fn scratch(name: &str) -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"))
        .path()
        .join(name)
}

/// One vault export parser, with the built-in matcher judging values as `stray vault` does.
pub fn vault_format(format: VaultFormat, data: &[u8]) {
    let _ = vault::parse_bytes(format, data, Some(scanner().matcher()), Some("fuzz"));
}

/// Format detection, then the parser it picks (what `read_export` does without a forced format).
pub fn vault_detect(data: &[u8]) {
    for name in ["export.json", "doppler.env"] {
        if let Some(format) = vault::detect(Path::new(name), data) {
            vault_format(format, data);
        }
    }
}

fn check_segments(content: &[u8], segments: &[decode::Segment]) {
    for segment in segments {
        assert!(
            segment.start <= segment.end && segment.end <= content.len(),
            "segment {}..{} outside content of {} bytes",
            segment.start,
            segment.end,
            content.len()
        );
    }
}

/// JSON string-escape decoding (any JSON file).
pub fn decode_json_strings(data: &[u8]) {
    let segments = decode::segments(
        Path::new("settings.json"),
        LocationKind::Other,
        Syntax::Json,
        data,
        true,
    );
    check_segments(data, &segments);
}

/// Text detection and UTF-16 transcoding (every file is read through it): never panics, and
/// what it transcodes is UTF-8 that would itself pass as text.
pub fn decode_utf16(data: &[u8]) {
    if let Some(std::borrow::Cow::Owned(text)) = stray::input::text::text_of(data) {
        assert!(
            std::str::from_utf8(&text).is_ok(),
            "transcoded UTF-16 is not UTF-8"
        );
        // As for any text file, only the sniffed start must be free of NUL: a NUL further on
        // does not make a file binary (the first fuzz crash asked for more than that).
        assert!(
            !stray::input::text::looks_binary(&text),
            "transcoded text starts with a NUL"
        );
    }
}

/// Base64 values: docker `config.json` auths and Kubernetes `Secret` data (the pair decoder
/// always runs, as if the automaton had seen a pair keyword).
pub fn decode_base64(data: &[u8]) {
    let docker = decode::segments(
        Path::new(".docker/config.json"),
        LocationKind::PackageConfig,
        Syntax::Json,
        data,
        true,
    );
    check_segments(data, &docker);
    let kubernetes = decode::segments(
        Path::new("k8s/secret.yaml"),
        LocationKind::Iac,
        Syntax::Yaml,
        data,
        true,
    );
    check_segments(data, &kubernetes);
}

/// Context names. The first byte picks the syntax and the second marks where the offsets are:
/// every position of that byte in the rest, plus both ends.
pub fn context_names(data: &[u8]) {
    let [selector, marker, content @ ..] = data else {
        return;
    };
    let syntax = match selector % 3 {
        0 => Syntax::Json,
        1 => Syntax::Yaml,
        _ => Syntax::Lines,
    };
    let mut offsets: Vec<usize> = std::iter::once(0)
        .chain(
            content
                .iter()
                .enumerate()
                .filter(|&(_, b)| b == marker)
                .map(|(i, _)| i),
        )
        .chain(std::iter::once(content.len()))
        .collect();
    offsets.sort_unstable();
    let names = context::names_at(syntax, content, &offsets);
    assert_eq!(names.len(), offsets.len());
    let _ = context::syntax_of(Path::new("file"), content);
}

struct CountingSink {
    members: usize,
    bytes: usize,
}

impl MemberSink for CountingSink {
    fn member(&mut self, _name: &str, content: &[u8]) {
        self.members += 1;
        self.bytes += content.len();
    }

    fn warn(&mut self, _message: String) {}

    fn marks_chat_export(&self, _member: &str) -> bool {
        true
    }
}

/// Zip members, with the limits a scan uses.
pub fn archive_members(data: &[u8]) {
    let _ = archive::is_zip(data);
    let mut sink = CountingSink {
        members: 0,
        bytes: 0,
    };
    let limits = ArchiveLimits::default();
    let _ = archive::read_members(Cursor::new(data), ArchiveMode::All, &limits, &mut sink);
    assert!(sink.bytes as u64 <= limits.max_total);
}

/// A team rule pack (TOML): parsed, validated, compiled into a matcher and run on itself.
pub fn rule_pack(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut set = RuleSet::default();
    if set
        .add_pack(&PackSource::File(PathBuf::from("fuzz.toml")), text)
        .is_ok()
        && let Ok(matcher) = Matcher::new(set)
    {
        let _ = matcher.find(data);
    }
}

/// `Baseline::load` reads a file, so the bytes go through one; the same bytes are also read as a
/// source line carrying an inline `stray:allow` comment.
pub fn baseline(data: &[u8]) {
    let _ = stray::detect::allow::inline_allow(data);
    let path = scratch("baseline.json");
    std::fs::write(&path, data).expect("write baseline");
    let _ = Baseline::load(&path);
}

/// `Config::load` reads a file, so the bytes go through one.
pub fn config(data: &[u8]) {
    let path = scratch(".stray.toml");
    std::fs::write(&path, data).expect("write config");
    if let Ok(config) = Config::load(&path) {
        let _ = config.resolve(Path::new("rules"));
        if let Some(size) = &config.scan.max_file_size {
            let _ = stray::size::parse_size(size);
        }
    }
}

/// The whole matcher and scan path: raw bytes, decoders, context names, grouping. The first
/// byte picks the file name, which decides classification and syntax.
pub fn scan_bytes(data: &[u8]) {
    const PATHS: &[&str] = &[
        ".env",
        ".docker/config.json",
        "k8s/secret.yaml",
        "src/main.py",
        "notes.txt",
        ".aws/credentials",
        "conversations.json",
        ".cursor/mcp.json",
    ];
    let [selector, content @ ..] = data else {
        return;
    };
    let path = Path::new(PATHS[usize::from(*selector) % PATHS.len()]);
    let scanner = scanner();
    let sightings = scanner.scan_bytes(path, content);
    let _ = stray::finding::group(scanner.matcher().rules(), sightings, 1);
}
