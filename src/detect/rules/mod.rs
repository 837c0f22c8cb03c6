//! Rule packs: TOML files that describe credentials as data.
//!
//! A pack is a file of `[[rules]]` tables. Built-in packs live in `rules/` and are compiled into
//! the binary; teams add their own with `--rules PATH`. Loading validates every rule so that a
//! malformed pack fails with the file, the rule id and the problem instead of matching nothing.

mod builtin;
pub mod catalog;
mod pattern;
pub mod validators;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

pub use pattern::RulePattern;
pub use validators::Validator;

/// Bytes searched on each side of a keyword hit unless a rule asks for more.
pub const DEFAULT_WINDOW: usize = 256;
/// The largest window a rule may ask for; keeps regex work per hit bounded.
pub const MAX_WINDOW: usize = 16 * 1024;

/// One rule as written in a pack file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub provider: String,
    /// Severity class: what kind of credential this is.
    pub class: RuleClass,
    pub description: String,
    pub keywords: Vec<String>,
    pub regex: String,
    #[serde(default)]
    pub entropy: Option<f64>,
    #[serde(default)]
    pub validator: Option<String>,
    /// Higher wins when two rules claim overlapping text (specific beats generic).
    #[serde(default)]
    pub priority: i32,
    /// Bytes around a keyword hit that the regex may look at (default 256).
    #[serde(default)]
    pub window: Option<usize>,
    /// How the captured text is encoded; the credential is its decoded form.
    #[serde(default)]
    pub secret_encoding: Option<SecretEncoding>,
    /// How bad a leak is; defaults by class (see [`Criticality::default_for`]).
    #[serde(default)]
    pub criticality: Option<Criticality>,
    /// Where to revoke and re-issue this credential (the provider's documented page).
    #[serde(default)]
    pub revoke_url: Option<String>,
    /// How a rotation of this credential goes, for the rotation calendar and the runbook
    /// (a team pack's `rotation_note = "rotate in the admin console, then redeploy billing"`).
    #[serde(default)]
    pub rotation_note: Option<String>,
    /// Only keyword hits followed by an assignment (`=`, `:`, `:=`, `=>`, after the rest of a
    /// name, a closing quote and spaces) open a window: generic keywords such as `token`
    /// appear everywhere in code, assignments to them far less often.
    #[serde(default)]
    pub followed_by_assignment: bool,
    /// A match whose `name` capture (the assigned name, `nextPageToken`) matches this regex is
    /// not a credential: pagination cursors, lock and export handles are named like tokens.
    #[serde(default)]
    pub name_excludes: Option<String>,
    /// A regex the whole `secret` capture must match (`\A…\z` is implied). It carries the
    /// fine shape of a value (where a digit must sit) so that `regex` can stay a plain run
    /// such as `[A-Za-z0-9]{16,}`: counted alternatives in the searching regex make its lazy
    /// DFA build new states for nearly every value it meets, while this one only ever sees
    /// the captured value. It too is read by a lazy DFA, thousands of times a scan: say where
    /// the first digit sits (`[N]*[0-9][C]{15,}`, `N` the class without digits), not that some
    /// digit does (`[C]*[0-9][C]{15,}`), which makes it remember every digit it has passed
    /// (a test measures the states each one builds).
    #[serde(default)]
    pub secret_pattern: Option<String>,
    #[serde(default)]
    pub examples: Vec<Example>,
    #[serde(default)]
    pub negatives: Vec<String>,
}

/// Encodings a captured secret may be in (`secret_encoding` in a rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretEncoding {
    /// RFC 3986 percent-encoding, as in the password of a connection URL.
    Percent,
    /// The inside of a JSON string (`\n`, `\"`, `\u0041`), as a PEM key inside a service
    /// account file: the credential is the key with real newlines, the same bytes the JSON
    /// decoder and a vault hold.
    JsonString,
    /// Base64 of `user:password`, as in an HTTP `Authorization: Basic` header (RFC 7617) or the
    /// `auth` field of a Docker client config: the credential is the password. A capture that
    /// does not decode to printable `user:password` text is not a candidate, and the rule's
    /// entropy floor, validator and the placeholder filter judge the decoded password.
    Base64UserPassword,
}

/// User name and password pairs that specifications and tutorials print as their example
/// (RFC 7617 and RFC 2617 use Aladdin's), compared lowercase.
const DOCUMENTED_PAIRS: &[&[u8]] = &[b"aladdin:open sesame", b"aladdin:opensesame"];

/// The password of a base64 `user:password` pair, or `None` when `captured` is not one: not
/// base64, not printable UTF-8 text, no `:`, an empty password or a documented example pair.
/// The user may be empty (`:token`, as Azure DevOps and some registries take a token alone).
pub fn base64_user_password(captured: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let decoded = LENIENT.decode(captured).ok()?;
    let text = std::str::from_utf8(&decoded).ok()?;
    if text.chars().any(char::is_control) {
        return None;
    }
    let (_, password) = text.split_once(':')?;
    if password.is_empty() || DOCUMENTED_PAIRS.contains(&text.to_ascii_lowercase().as_bytes()) {
        return None;
    }
    Some(password.as_bytes().to_vec())
}

/// Decodes the escapes of a JSON string's inside; text that is not a valid one stays as it is.
fn json_unescape(captured: &[u8]) -> Vec<u8> {
    let mut quoted = Vec::with_capacity(captured.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(captured);
    quoted.push(b'"');
    serde_json::from_slice::<String>(&quoted)
        .map(String::into_bytes)
        .unwrap_or_else(|_| captured.to_vec())
}

impl Rule {
    /// The credential itself: the captured bytes, decoded as the rule says.
    pub fn decode_secret(&self, captured: &[u8]) -> Vec<u8> {
        match self.secret_encoding {
            Some(SecretEncoding::Percent) => percent_encoding::percent_decode(captured).collect(),
            Some(SecretEncoding::JsonString) => json_unescape(captured),
            Some(SecretEncoding::Base64UserPassword) => {
                base64_user_password(captured).unwrap_or_else(|| captured.to_vec())
            }
            None => captured.to_vec(),
        }
    }
}

/// How bad a leak of a credential is; sets its rotation SLA.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Criticality {
    High,
    Medium,
    Low,
}

impl Criticality {
    /// High: AI provider keys, cloud keys, code-host tokens, private keys and secret managers'
    /// own tokens; medium: SaaS; low: generic assignments.
    pub fn default_for(class: RuleClass) -> Criticality {
        match class {
            RuleClass::AiProvider
            | RuleClass::Cloud
            | RuleClass::CodeHost
            | RuleClass::PrivateKey
            | RuleClass::SecretManager => Criticality::High,
            RuleClass::Saas => Criticality::Medium,
            RuleClass::Generic => Criticality::Low,
        }
    }

    /// Days a credential of this tier may live before rotation is overdue.
    pub fn max_age_days(self) -> i64 {
        match self {
            Criticality::High => 90,
            Criticality::Medium => 180,
            Criticality::Low => 365,
        }
    }

    /// Every tier, highest first.
    pub const ALL: [Criticality; 3] = [Criticality::High, Criticality::Medium, Criticality::Low];

    /// The tier named by [`Criticality::as_str`].
    pub fn parse(name: &str) -> Option<Criticality> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Criticality::High => "high",
            Criticality::Medium => "medium",
            Criticality::Low => "low",
        }
    }
}

impl fmt::Display for Criticality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The severity class every rule declares and every finding carries.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum RuleClass {
    AiProvider,
    Cloud,
    CodeHost,
    Saas,
    SecretManager,
    PrivateKey,
    Generic,
}

impl RuleClass {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleClass::AiProvider => "ai-provider",
            RuleClass::Cloud => "cloud",
            RuleClass::CodeHost => "code-host",
            RuleClass::Saas => "saas",
            RuleClass::SecretManager => "secret-manager",
            RuleClass::PrivateKey => "private-key",
            RuleClass::Generic => "generic",
        }
    }
}

impl fmt::Display for RuleClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string the rule must find, and the secret it must extract from it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub input: String,
    pub secret: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    #[serde(default)]
    rules: Vec<toml::Spanned<RuleSpec>>,
}

/// A validated rule. Its regex compiles on first use: start-up must not pay for a hundred-plus
/// regexes when a pre-commit hook scans three small files.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub provider: String,
    pub class: RuleClass,
    pub description: String,
    pub keywords: Vec<String>,
    pub pattern: String,
    regex: OnceLock<Option<Regex>>,
    /// The fewest bytes its `secret` can hold, worked out on first use.
    secret_min_len: OnceLock<usize>,
    pub entropy: Option<f64>,
    pub validator: Option<Validator>,
    pub priority: i32,
    pub window: usize,
    pub secret_encoding: Option<SecretEncoding>,
    pub followed_by_assignment: bool,
    /// See [`RuleSpec::name_excludes`].
    pub name_excludes: Option<RulePattern>,
    /// See [`RuleSpec::secret_pattern`]; compiled anchored at both ends.
    pub secret_pattern: Option<RulePattern>,
    pub criticality: Criticality,
    pub revoke_url: Option<String>,
    pub rotation_note: Option<String>,
    pub examples: Vec<Example>,
    pub negatives: Vec<String>,
    /// Where the rule came from: `builtin:ai.toml:12` or a file path, with the line its table
    /// starts on.
    pub origin: String,
}

/// The version of a set of rules: `187 rules, sha256:1a2b3c4d5e6f`, a digest of what decides
/// detection (ids, keywords, patterns, checks, windows, priorities, encodings) in id order.
/// Two scans with the same version looked for exactly the same things; descriptions, revoke
/// pages and examples do not change it.
pub fn pack_version(rules: &[Rule]) -> String {
    use sha2::{Digest, Sha256};
    let mut ordered: Vec<&Rule> = rules.iter().collect();
    ordered.sort_by(|a, b| a.id.cmp(&b.id));
    let mut digest = Sha256::new();
    for rule in ordered {
        let fields = [
            rule.id.clone(),
            rule.keywords.join("\u{1f}"),
            rule.pattern.clone(),
            format!("{:?}", rule.entropy),
            format!("{:?}", rule.validator.map(Validator::name)),
            rule.priority.to_string(),
            rule.window.to_string(),
            format!("{:?}", rule.secret_encoding),
            rule.followed_by_assignment.to_string(),
            format!("{:?}", rule.name_excludes.as_ref().map(|p| &p.source)),
            format!("{:?}", rule.secret_pattern.as_ref().map(|p| &p.source)),
        ];
        for field in fields {
            digest.update(field.as_bytes());
            digest.update([0x1e]);
        }
        digest.update([0x1d]);
    }
    let hex: String = digest
        .finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{} rules, sha256:{hex}", rules.len())
}

/// Where a pack comes from, for error messages.
#[derive(Debug, Clone)]
pub enum PackSource {
    Builtin(&'static str),
    File(PathBuf),
}

impl fmt::Display for PackSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PackSource::Builtin(name) => write!(f, "builtin:{name}"),
            PackSource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{source_name}: cannot read rule pack: {error}")]
    Read {
        source_name: String,
        error: std::io::Error,
    },
    #[error("{}: not a valid rule pack: {message}", place(.source_name, *.line, *.column))]
    Parse {
        source_name: String,
        /// 1-based line (and column) of the fault, when the text points at one.
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    #[error("{}: rule '{rule}': {problem}", place(.source_name, Some(*.line), None))]
    Invalid {
        source_name: String,
        /// 1-based line of the field at fault, or of the rule's table.
        line: usize,
        rule: String,
        problem: String,
    },
}

/// `team.toml:12:5`, `team.toml:12` or `team.toml`.
fn place(source_name: &str, line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!("{source_name}:{line}:{column}"),
        (Some(line), None) => format!("{source_name}:{line}"),
        _ => source_name.to_string(),
    }
}

/// The 1-based line and column of byte `offset` in `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// The line of `field = …` inside `span` of `text` (a rule's table), if it is written there.
fn field_line(text: &str, span: std::ops::Range<usize>, field: &str) -> Option<usize> {
    let start = span.start.min(text.len());
    let end = span.end.min(text.len()).max(start);
    let mut offset = start;
    for line in text.get(start..end)?.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(field)
            && rest.trim_start().starts_with('=')
        {
            return Some(line_and_column(text, offset).0);
        }
        offset += line.len();
    }
    None
}

/// Every rule in use, in a stable order (built-in packs first, then `--rules` packs).
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

/// A built-in rule in build.rs's pre-processed form: its pack (an index into
/// `builtin::PACKS`), the line its `[[rules]]` table starts on, and the rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeanRule {
    pack: usize,
    line: usize,
    rule: RuleSpec,
}

impl RuleSet {
    /// The rules compiled into the binary, without their examples and negatives: everything a
    /// scan uses. They come from the JSON form build.rs writes, since parsing the packs' TOML
    /// (mostly examples) was most of a small scan's start-up; the same checks apply.
    /// [`RuleSet::builtin_with_examples`] has the whole rules.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        match Self::builtin_lean() {
            Ok(set) => Ok(set),
            // The TOML loader names the file, line and field of a fault; the test suite keeps
            // the packs free of them, so this is for whoever just broke one.
            Err(lean) => Self::builtin_with_examples().and(Err(lean)),
        }
    }

    fn builtin_lean() -> Result<RuleSet, RuleError> {
        let lean: Vec<LeanRule> =
            serde_json::from_str(builtin::LEAN_JSON).map_err(|e| RuleError::Parse {
                source_name: "builtin".to_string(),
                line: Some(e.line()),
                column: Some(e.column()),
                message: e.to_string(),
            })?;
        let mut rules = Vec::with_capacity(lean.len());
        let mut ids = std::collections::HashSet::with_capacity(lean.len());
        for LeanRule { pack, line, rule } in lean {
            let name = builtin::PACKS.get(pack).map_or("?", |(name, _)| *name);
            let source_name = PackSource::Builtin(name).to_string();
            let invalid = |rule: String, (_, problem): (&str, String)| RuleError::Invalid {
                source_name: source_name.clone(),
                line,
                rule,
                problem,
            };
            if !ids.insert(rule.id.clone()) {
                return Err(invalid(rule.id, ("id", "duplicate rule id".to_string())));
            }
            let id = rule.id.clone();
            let origin = format!("{source_name}:{line}");
            rules.push(compile(rule, &origin, false).map_err(|fault| invalid(id, fault))?);
        }
        Ok(RuleSet { rules })
    }

    /// The rules compiled into the binary, parsed from their TOML with their examples and
    /// negatives: for the self-tests.
    pub fn builtin_with_examples() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        for (name, text) in builtin::PACKS {
            set.add_pack(&PackSource::Builtin(name), text)?;
        }
        Ok(set)
    }

    /// A set of already-validated rules (for example, one rule to test on its own).
    pub fn from_rules(rules: Vec<Rule>) -> RuleSet {
        RuleSet { rules }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn into_rules(self) -> Vec<Rule> {
        self.rules
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Loads a pack file, or every `*.toml` file in a directory (sorted by name).
    pub fn add_path(&mut self, path: &Path) -> Result<(), RuleError> {
        let read_error = |error| RuleError::Read {
            source_name: path.display().to_string(),
            error,
        };
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(read_error)?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(RuleError::Parse {
                    source_name: path.display().to_string(),
                    line: None,
                    column: None,
                    message: "directory holds no *.toml rule packs".to_string(),
                });
            }
            for file in files {
                self.add_path(&file)?;
            }
            return Ok(());
        }
        let text =
            crate::input::files::read_bounded_string(path, crate::input::files::MAX_SMALL_INPUT)
                .map_err(read_error)?;
        self.add_pack(&PackSource::File(path.to_path_buf()), &text)
    }

    /// Parses and validates one pack. Nothing is added unless every rule in it is valid.
    pub fn add_pack(&mut self, source: &PackSource, text: &str) -> Result<(), RuleError> {
        let source_name = source.to_string();
        let pack: PackFile = toml::from_str(text).map_err(|e| {
            let (line, column) = match e.span() {
                Some(span) => {
                    let (line, column) = line_and_column(text, span.start);
                    (Some(line), Some(column))
                }
                None => (None, None),
            };
            RuleError::Parse {
                source_name: source_name.clone(),
                line,
                column,
                message: e.message().trim_end().to_string(),
            }
        })?;
        if pack.rules.is_empty() {
            return Err(RuleError::Parse {
                source_name,
                line: None,
                column: None,
                message: "no [[rules]] tables found".to_string(),
            });
        }
        // Each rule's text runs from its `[[rules]]` header (the span toml gives) to the next.
        let starts: Vec<usize> = pack.rules.iter().map(|r| r.span().start).collect();
        let mut compiled = Vec::with_capacity(pack.rules.len());
        // Line numbers are counted on from the previous rule's: counting from the top for each
        // rule made loading quadratic in the pack's size.
        let (mut counted_to, mut line) = (0, 1);
        for (index, spanned) in pack.rules.into_iter().enumerate() {
            let end = starts.get(index + 1).copied().unwrap_or(text.len());
            let span = starts[index]..end;
            let spec = spanned.into_inner();
            let start = span.start.min(text.len());
            if start >= counted_to {
                line += memchr::memchr_iter(b'\n', &text.as_bytes()[counted_to..start]).count();
            } else {
                line = line_and_column(text, start).0;
            }
            counted_to = start;
            let rule_line = line;
            let rule_id = spec.id.clone();
            let invalid = |(field, problem): (&str, String)| RuleError::Invalid {
                source_name: source_name.clone(),
                line: field_line(text, span.clone(), field).unwrap_or(rule_line),
                rule: rule_id.clone(),
                problem,
            };
            if self
                .rules
                .iter()
                .chain(compiled.iter())
                .any(|r: &Rule| r.id == spec.id)
            {
                return Err(invalid(("id", "duplicate rule id".to_string())));
            }
            // Built-in patterns are checked by the test suite; team packs are checked here.
            let check_regex = !matches!(source, PackSource::Builtin(_));
            let origin = format!("{source_name}:{rule_line}");
            compiled.push(compile(spec, &origin, check_regex).map_err(invalid)?);
        }
        self.rules.extend(compiled);
        Ok(())
    }
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Compiles a rule's regex and checks it has the `secret` group.
///
/// Patterns are byte patterns: Unicode mode is off unless a pattern needs it (`\p{L}`, a
/// non-ASCII class member) or turns it on with `(?u)`. A class such as `[^A-Za-z0-9_-]` then
/// matches any byte outside it, so a boundary holds next to Latin-1 or other invalid UTF-8
/// (`cl\xe9=`, `\xff` before a key) instead of failing because the byte is not a character.
pub fn check_pattern(pattern: &str) -> Result<Regex, String> {
    let regex = RegexBuilder::new(pattern)
        .unicode(false)
        .build()
        .or_else(|_| Regex::new(pattern))
        .map_err(|e| format!("regex does not compile: {e}"))?;
    if !regex.capture_names().any(|name| name == Some("secret")) {
        return Err("regex has no capture group named 'secret'".to_string());
    }
    Ok(regex)
}

impl Rule {
    /// The compiled regex; `None` only for a built-in pattern that does not compile, which the
    /// test suite rules out.
    pub fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| check_pattern(&self.pattern).ok())
            .as_ref()
    }

    /// The fewest bytes the regex's `secret` group can match (0 when unknown).
    pub fn secret_min_len(&self) -> usize {
        *self
            .secret_min_len
            .get_or_init(|| pattern::secret_min_len(&self.pattern))
    }

    /// Whether a captured secret has the shape `secret_pattern` asks for (always, without one).
    /// A built-in pattern that does not compile (the test suite rules that out) accepts nothing.
    pub fn secret_has_shape(&self, secret: &[u8]) -> bool {
        self.secret_pattern
            .as_ref()
            .is_none_or(|pattern| pattern.regex().is_some_and(|regex| regex.is_match(secret)))
    }
}

fn compile(
    mut spec: RuleSpec,
    origin: &str,
    check_regex: bool,
) -> Result<Rule, (&'static str, String)> {
    if !is_kebab_case(&spec.id) {
        return Err((
            "id",
            "id must be kebab case (lowercase letters, digits, '-')".to_string(),
        ));
    }
    if spec.provider.trim().is_empty() {
        return Err(("provider", "provider is empty".to_string()));
    }
    if spec.description.trim().is_empty() {
        return Err(("description", "description is empty".to_string()));
    }
    if spec.keywords.is_empty() {
        return Err(("keywords", "needs at least one keyword".to_string()));
    }
    for keyword in &spec.keywords {
        if keyword.len() < 2 {
            return Err((
                "keywords",
                format!("keyword '{keyword}' is shorter than 2 bytes"),
            ));
        }
        if keyword.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err((
                "keywords",
                format!(
                    "keyword '{keyword}' must be lowercase (keywords match case-insensitively)"
                ),
            ));
        }
    }
    let regex = OnceLock::new();
    if check_regex {
        let compiled = check_pattern(&spec.regex).map_err(|e| ("regex", e))?;
        let _ = regex.set(Some(compiled));
    }
    if let Some(min) = spec.entropy
        && !(0.0..=8.0).contains(&min)
    {
        return Err((
            "entropy",
            format!("entropy {min} is outside 0..=8 bits per byte"),
        ));
    }
    let name_excludes = spec
        .name_excludes
        .take()
        .map(|p| RulePattern::new(p, false));
    if let Some(pattern) = &name_excludes {
        if !spec.regex.contains("(?P<name>") {
            return Err((
                "name_excludes",
                "name_excludes needs a capture group named 'name' in the regex".to_string(),
            ));
        }
        if check_regex {
            pattern
                .check()
                .map_err(|e| ("name_excludes", format!("regex does not compile: {e}")))?;
        }
    }
    let secret_pattern = spec
        .secret_pattern
        .take()
        .map(|p| RulePattern::new(p, true));
    if let Some(pattern) = &secret_pattern
        && check_regex
    {
        pattern.check().map_err(|e| {
            (
                "secret_pattern",
                format!("secret_pattern does not compile: {e}"),
            )
        })?;
    }
    let validator = match &spec.validator {
        Some(name) => Some(Validator::from_name(name).ok_or_else(|| {
            (
                "validator",
                format!(
                    "unknown validator '{name}' (known: {})",
                    Validator::ALL.map(Validator::name).join(", ")
                ),
            )
        })?),
        None => None,
    };
    let window = spec.window.unwrap_or(DEFAULT_WINDOW);
    if window == 0 || window > MAX_WINDOW {
        return Err((
            "window",
            format!("window {window} must be between 1 and {MAX_WINDOW}"),
        ));
    }
    for example in &spec.examples {
        if example.secret.is_empty() {
            return Err(("examples", "an example has an empty secret".to_string()));
        }
        if !example.input.contains(&example.secret) {
            return Err((
                "examples",
                format!(
                    "an example's input does not contain its secret (input starts {:?})",
                    example.input.chars().take(24).collect::<String>()
                ),
            ));
        }
    }
    Ok(Rule {
        id: spec.id,
        provider: spec.provider,
        class: spec.class,
        description: spec.description,
        keywords: spec.keywords,
        pattern: spec.regex,
        regex,
        secret_min_len: OnceLock::new(),
        entropy: spec.entropy,
        validator,
        priority: spec.priority,
        window,
        secret_encoding: spec.secret_encoding,
        followed_by_assignment: spec.followed_by_assignment,
        name_excludes,
        secret_pattern,
        criticality: spec
            .criticality
            .unwrap_or_else(|| Criticality::default_for(spec.class)),
        revoke_url: spec.revoke_url,
        rotation_note: spec.rotation_note,
        examples: spec.examples,
        negatives: spec.negatives,
        origin: origin.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(body: &str) -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        set.add_pack(&PackSource::File(PathBuf::from("team.toml")), body)?;
        Ok(set)
    }

    const GOOD: &str = r#"
[[rules]]
id = "acme-key"
provider = "acme"
class = "saas"
description = "Acme key"
keywords = ["acme_"]
regex = '(?P<secret>acme_[a-z0-9]{16})'
examples = [{ input = "k=acme_0123456789abcdef", secret = "acme_0123456789abcdef" }]
negatives = ["acme_short"]
"#;

    #[test]
    fn loads_a_valid_pack() {
        let set = pack(GOOD).expect("valid pack");
        assert_eq!(set.len(), 1);
        assert_eq!(set.rules()[0].window, DEFAULT_WINDOW);
    }

    #[test]
    fn rejects_rule_without_secret_group() {
        let err = pack(&GOOD.replace("(?P<secret>", "("))
            .unwrap_err()
            .to_string();
        assert!(err.contains("team.toml"), "{err}");
        assert!(err.contains("acme-key"), "{err}");
        assert!(err.contains("secret"), "{err}");
    }

    #[test]
    fn rejects_bad_regex_uppercase_keyword_and_bad_id() {
        let err = pack(&GOOD.replace("[a-z0-9]{16}", "[a-z0-9{16}"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("regex does not compile"), "{err}");
        let err = pack(&GOOD.replace("[\"acme_\"]", "[\"ACME_\"]"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("lowercase"), "{err}");
        let err = pack(&GOOD.replace("acme-key", "Acme Key"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("kebab"), "{err}");
    }

    /// `secret_pattern` must match the whole capture: a digit somewhere is not enough when
    /// the pattern wants it last, and a pattern that does not compile names the field.
    #[test]
    fn secret_pattern_checks_the_whole_capture() {
        let body = GOOD.replace(
            "negatives = [\"acme_short\"]",
            "secret_pattern = 'acme_[a-z]{15}[0-9]'",
        );
        let set = pack(&body).expect("valid pack");
        let rule = &set.rules()[0];
        assert!(rule.secret_has_shape(b"acme_abcdefghijklmno1"));
        assert!(!rule.secret_has_shape(b"acme_1abcdefghijklmno"));
        assert!(!rule.secret_has_shape(b"xacme_abcdefghijklmno1"));
        assert!(pack(GOOD).expect("valid").rules()[0].secret_has_shape(b"anything"));
        let err = pack(&body.replace("{15}[0-9]'", "{15[0-9]'"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("secret_pattern"), "{err}");
    }

    #[test]
    fn rejects_unknown_fields_and_validators() {
        let err = pack(&GOOD.replace("provider =", "provder ="))
            .unwrap_err()
            .to_string();
        assert!(err.contains("team.toml"), "{err}");
        let err = pack(&GOOD.replace(
            "description = \"Acme key\"",
            "description = \"Acme key\"\nvalidator = \"luhn9\"",
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown validator"), "{err}");
    }

    #[test]
    fn each_rule_knows_the_line_its_table_starts_on() {
        let second = GOOD.replace("acme-key", "acme-other");
        let third = GOOD.replace("acme-key", "acme-third");
        let set = pack(&format!("{GOOD}\n# a comment\n{second}{third}")).expect("valid");
        let origins: Vec<&str> = set.rules().iter().map(|r| r.origin.as_str()).collect();
        assert_eq!(origins, ["team.toml:2", "team.toml:14", "team.toml:24"]);
    }

    #[test]
    fn rejects_duplicate_ids() {
        let doubled = format!("{GOOD}\n{GOOD}");
        let err = pack(&doubled).unwrap_err().to_string();
        assert!(err.contains("duplicate"), "{err}");
    }

    #[test]
    fn json_string_secrets_are_unescaped_and_bad_escapes_kept_as_they_are() {
        assert_eq!(
            json_unescape(br"-----BEGIN-----\nAB\/C\u0044\n-----END-----"),
            b"-----BEGIN-----\nAB/CD\n-----END-----"
        );
        assert_eq!(json_unescape(br"a\qb"), br"a\qb");
        assert_eq!(json_unescape(b"half\\"), b"half\\");
    }

    #[test]
    fn base64_pairs_yield_their_password_or_nothing() {
        use base64::Engine as _;
        let encode = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
        let password = |text: &str| base64_user_password(encode(text).as_bytes());
        assert_eq!(
            password("ci:Vt7kQ2xL:mZ9r"),
            Some(b"Vt7kQ2xL:mZ9r".to_vec())
        );
        assert_eq!(password(":q4Rz8Lm2Vx7K"), Some(b"q4Rz8Lm2Vx7K".to_vec()));
        // Unpadded base64 decodes too.
        let unpadded = encode("ci:Vt7kQ2xLmZ9").trim_end_matches('=').to_string();
        assert_eq!(
            base64_user_password(unpadded.as_bytes()),
            Some(b"Vt7kQ2xLmZ9".to_vec())
        );
        assert_eq!(password("no colon here"), None);
        assert_eq!(password("user:"), None);
        assert_eq!(password("Aladdin:open sesame"), None);
        assert_eq!(password("line\nbreak:pass"), None);
        assert_eq!(base64_user_password(b"not base64!"), None);
        assert_eq!(base64_user_password(&[0x2f; 3]), None);
    }

    #[test]
    fn the_pack_version_follows_detection_not_wording() {
        let set = pack(GOOD).expect("valid");
        let version = pack_version(set.rules());
        assert!(version.starts_with("1 rules, sha256:"), "{version}");
        assert_eq!(version.len(), "1 rules, sha256:".len() + 12);
        let reworded = pack(&GOOD.replace("description = \"Acme key\"", "description = \"Acme\""))
            .expect("valid");
        assert_eq!(pack_version(reworded.rules()), version);
        let widened = pack(&GOOD.replace(
            "description = \"Acme key\"",
            "description = \"Acme key\"\nwindow = 512",
        ))
        .expect("valid");
        assert_ne!(pack_version(widened.rules()), version);
    }

    #[test]
    fn builtin_packs_load() {
        let set = RuleSet::builtin().expect("built-in packs are valid");
        assert!(!set.is_empty());
    }

    /// build.rs's form of the packs is their TOML without examples and negatives: the same
    /// rules, fields, order and origins (file and line).
    #[test]
    fn the_lean_builtin_rules_are_the_toml_ones_without_examples() {
        let lean = RuleSet::builtin_lean().expect("build.rs's form loads");
        let full = RuleSet::builtin_with_examples().expect("the TOML loads");
        assert_eq!(lean.len(), full.len());
        for (lean, full) in lean.rules().iter().zip(full.rules()) {
            let stripped = Rule {
                examples: Vec::new(),
                negatives: Vec::new(),
                ..full.clone()
            };
            assert_eq!(format!("{lean:?}"), format!("{stripped:?}"));
        }
        assert!(full.rules().iter().any(|r| !r.examples.is_empty()));
        assert_eq!(pack_version(lean.rules()), pack_version(full.rules()));
    }
}
