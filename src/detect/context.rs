//! Context names: the variable, key or field a credential was assigned to.
//!
//! `OPENAI_API_KEY` in a `.env` file, `mcpServers.github.env.GITHUB_TOKEN` in an MCP config,
//! `github.com.oauth_token` in gh's `hosts.yml`. The inventory uses the name to say which tool
//! reads which credential. Everything here is a heuristic over text, never a full parser: a file
//! that is not valid JSON or YAML still gets the best name the line offers.

use std::path::Path;

/// Keep the last few components of a long path; the leaf is what identifies the use.
const MAX_COMPONENTS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
    /// dotenv, shell, TOML, INI and source: `NAME = value` on the line, `[section]` headers.
    Lines,
}

/// Chooses how to read a file's structure from its name and first bytes.
pub fn syntax_of(path: &Path, content: &[u8]) -> Syntax {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let extension = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match extension {
        "json" | "jsonl" | "ndjson" | "ipynb" | "jsonc" => return Syntax::Json,
        "yml" | "yaml" => return Syntax::Yaml,
        _ => {}
    }
    match content.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Syntax::Json,
        _ => Syntax::Lines,
    }
}

/// The context name at each offset (sorted ascending) of `content`.
pub fn names_at(syntax: Syntax, content: &[u8], offsets: &[usize]) -> Vec<Option<String>> {
    let from_lines = |offsets: &[usize]| -> Vec<Option<String>> {
        offsets
            .iter()
            .map(|&offset| assignment_name(content, offset))
            .collect()
    };
    match syntax {
        Syntax::Json => {
            let paths = json_paths(content, offsets);
            paths
                .into_iter()
                .zip(offsets)
                .map(|(path, &offset)| path.or_else(|| assignment_name(content, offset)))
                .collect()
        }
        Syntax::Yaml => yaml_paths(content, offsets),
        Syntax::Lines => {
            let names = from_lines(offsets);
            let sections = ini_sections(content, offsets);
            names
                .into_iter()
                .zip(sections)
                .map(|(name, section)| match (section, name) {
                    (Some(section), Some(name)) => Some(format!("{section}.{name}")),
                    (_, name) => name,
                })
                .collect()
        }
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

fn is_value_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'"' | b'\'' | b'`' | b'=' | b',' | b'(' | b'[' | b'{' | b';'
        )
}

/// `NAME=value`, `export NAME="value"`, `name: value`, `"name": "value"`, `name = "value"`,
/// `name := value`, `name => value`, read backwards from the value at `offset`.
pub fn assignment_name(content: &[u8], offset: usize) -> Option<String> {
    let line_start = memchr::memrchr(b'\n', &content[..offset]).map_or(0, |p| p + 1);
    let line = &content[line_start..offset];
    let mut i = line.len();
    while i > 0 && !is_value_delimiter(line[i - 1]) {
        i -= 1;
    }
    if i > 0 && matches!(line[i - 1], b'"' | b'\'' | b'`') {
        i -= 1;
    }
    while i > 0 && line[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    match line.get(i.checked_sub(1)?)? {
        b'=' => {
            i -= 1;
            if i > 0 && matches!(line[i - 1], b':' | b'+' | b'?') {
                i -= 1;
            }
        }
        b'>' if i >= 2 && line[i - 2] == b'=' => i -= 2,
        b':' => i -= 1,
        _ => return None,
    }
    while i > 0 && line[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    if i > 0 && matches!(line[i - 1], b'"' | b'\'') {
        i -= 1;
    }
    let end = i;
    while i > 0 && is_name_byte(line[i - 1]) {
        i -= 1;
    }
    (i < end).then(|| String::from_utf8_lossy(&line[i..end]).into_owned())
}

fn join_tail(keys: &[String]) -> Option<String> {
    if keys.is_empty() {
        return None;
    }
    let start = keys.len().saturating_sub(MAX_COMPONENTS);
    Some(keys[start..].join("."))
}

enum Frame {
    Object {
        key: Option<String>,
        expect_key: bool,
    },
    Array,
}

/// Object-key paths at each offset, from one forward pass over JSON (or JSON Lines) text.
fn json_paths(content: &[u8], offsets: &[usize]) -> Vec<Option<String>> {
    let mut results = Vec::with_capacity(offsets.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    let current = |stack: &[Frame]| -> Option<String> {
        let keys: Vec<String> = stack
            .iter()
            .filter_map(|f| match f {
                Frame::Object { key: Some(k), .. } => Some(k.clone()),
                _ => None,
            })
            .collect();
        join_tail(&keys)
    };
    while results.len() < offsets.len() {
        if i >= content.len() {
            let path = current(&stack);
            results.resize(offsets.len(), path);
            break;
        }
        let token_end = match content[i] {
            b'"' => string_end(content, i),
            _ => i + 1,
        };
        while results.len() < offsets.len() && offsets[results.len()] < token_end {
            results.push(current(&stack));
        }
        match content[i] {
            b'{' => stack.push(Frame::Object {
                key: None,
                expect_key: true,
            }),
            b'[' => stack.push(Frame::Array),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(Frame::Object { key, expect_key }) = stack.last_mut() {
                    *key = None;
                    *expect_key = true;
                }
            }
            b'"' => {
                if let Some(Frame::Object { key, expect_key }) = stack.last_mut()
                    && *expect_key
                {
                    let raw = &content[i + 1..token_end.saturating_sub(1).max(i + 1)];
                    *key = Some(String::from_utf8_lossy(raw).into_owned());
                    *expect_key = false;
                }
            }
            b'\n' if stack.len() > 64 => stack.clear(), // not JSON after all; start afresh
            _ => {}
        }
        i = token_end;
    }
    results
}

/// One past the closing quote of the JSON string starting at `start`.
fn string_end(content: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < content.len() {
        match content[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' => return i, // unterminated: stop at the line end
            _ => i += 1,
        }
    }
    content.len()
}

/// Key paths by indentation, for YAML: `users.token`, `data.password`.
fn yaml_paths(content: &[u8], offsets: &[usize]) -> Vec<Option<String>> {
    let mut results = Vec::with_capacity(offsets.len());
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut line_start = 0;
    for &offset in offsets {
        // Advance line by line until the line that holds `offset`.
        loop {
            let line_end = memchr::memchr(b'\n', &content[line_start..])
                .map_or(content.len(), |p| line_start + p);
            let line = &content[line_start..line_end];
            let holds_offset = offset <= line_end;
            let mut indent = line.iter().take_while(|&&b| b == b' ').count();
            let mut rest = &line[indent..];
            while let Some(stripped) = rest.strip_prefix(b"- ") {
                indent += 2;
                rest = stripped;
            }
            let is_comment = rest.first() == Some(&b'#');
            if !rest.is_empty() && !is_comment {
                let key_end = rest
                    .windows(2)
                    .position(|w| w == b": ")
                    .or_else(|| rest.ends_with(b":").then(|| rest.len() - 1));
                if let Some(key_end) = key_end
                    && (!holds_offset || line_start + indent + key_end < offset)
                {
                    while stack.last().is_some_and(|(i, _)| *i >= indent) {
                        stack.pop();
                    }
                    let key = String::from_utf8_lossy(&rest[..key_end]);
                    let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
                    stack.push((indent, key.to_string()));
                }
            }
            if holds_offset {
                break;
            }
            line_start = line_end + 1;
            if line_start > content.len() {
                break;
            }
        }
        let keys: Vec<String> = stack.iter().map(|(_, k)| k.clone()).collect();
        results.push(join_tail(&keys).or_else(|| assignment_name(content, offset)));
    }
    results
}

/// The `[section]` header above each offset, for INI-style files such as `.aws/credentials`.
fn ini_sections(content: &[u8], offsets: &[usize]) -> Vec<Option<String>> {
    let mut results = Vec::with_capacity(offsets.len());
    let mut section: Option<String> = None;
    let mut line_start = 0;
    for &offset in offsets {
        while line_start < offset {
            let line_end = memchr::memchr(b'\n', &content[line_start..])
                .map_or(content.len(), |p| line_start + p);
            if line_end >= offset {
                break;
            }
            let line = content[line_start..line_end].trim_ascii();
            if line.len() > 2 && line[0] == b'[' && line[line.len() - 1] == b']' {
                let name = &line[1..line.len() - 1];
                if name
                    .iter()
                    .all(|&b| is_name_byte(b) || b == b' ' || b == b'"')
                {
                    section = Some(String::from_utf8_lossy(name).trim().to_string());
                }
            }
            line_start = line_end + 1;
        }
        results.push(section.clone());
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(syntax: Syntax, text: &str, secret: &str) -> Option<String> {
        let offset = text.find(secret).expect("secret in text");
        names_at(syntax, text.as_bytes(), &[offset]).remove(0)
    }

    #[test]
    fn line_assignments() {
        let cases = [
            ("OPENAI_API_KEY=ghp_abc\n", "OPENAI_API_KEY"),
            ("export GITHUB_TOKEN=\"ghp_abc\"\n", "GITHUB_TOKEN"),
            ("api_key = 'ghp_abc'\n", "api_key"),
            ("token := \"ghp_abc\"\n", "token"),
            ("'token' => 'ghp_abc',\n", "token"),
            (
                "DATABASE_URL=postgres://app:ghp_abc@db/app\n",
                "DATABASE_URL",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(
                name_of(Syntax::Lines, text, "ghp_abc"),
                Some(expected.to_string()),
                "{text}"
            );
        }
        assert_eq!(name_of(Syntax::Lines, "curl -H ghp_abc\n", "ghp_abc"), None);
    }

    #[test]
    fn ini_sections_prefix_names() {
        let text = "[default]\nregion = eu\n[prod]\naws_secret_access_key = SECRETVALUE\n";
        assert_eq!(
            name_of(Syntax::Lines, text, "SECRETVALUE"),
            Some("prod.aws_secret_access_key".to_string())
        );
    }

    #[test]
    fn json_paths_follow_nesting() {
        let text = r#"{"mcpServers": {"github": {"command": "npx", "env": {"A": "1", "GITHUB_TOKEN": "ghp_abc"}}}, "x": ["ghp_def"]}"#;
        assert_eq!(
            name_of(Syntax::Json, text, "ghp_abc"),
            Some("mcpServers.github.env.GITHUB_TOKEN".to_string())
        );
        assert_eq!(
            name_of(Syntax::Json, text, "ghp_def"),
            Some("x".to_string())
        );
        let pretty =
            "{\n  \"auths\": {\n    \"ghcr.io\": {\n      \"auth\": \"Z2hwXw==\"\n    }\n  }\n}\n";
        assert_eq!(
            name_of(Syntax::Json, pretty, "Z2hwXw=="),
            Some("auths.ghcr.io.auth".to_string())
        );
    }

    #[test]
    fn yaml_paths_follow_indentation() {
        let text = "github.com:\n    user: me\n    oauth_token: gho_abc\n    git_protocol: https\n";
        assert_eq!(
            name_of(Syntax::Yaml, text, "gho_abc"),
            Some("github.com.oauth_token".to_string())
        );
        let k8s = "apiVersion: v1\nkind: Secret\ndata:\n  password: aHVudGVy\n";
        assert_eq!(
            name_of(Syntax::Yaml, k8s, "aHVudGVy"),
            Some("data.password".to_string())
        );
        let list = "users:\n- name: admin\n  user:\n    token: abc123\n";
        assert_eq!(
            name_of(Syntax::Yaml, list, "abc123"),
            Some("users.user.token".to_string())
        );
    }
}
