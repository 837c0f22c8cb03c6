//! Imports only run downward (`docs/ARCHITECTURE.md`, "Layering rules"): every file of the
//! library (`src/`, not the command line in `src/cli/`) belongs to a stage by its path, and a
//! stage may name only the stages below it (`crate::<module>` in `use` statements, inline
//! paths and attribute strings such as `#[serde(with = "crate::…")]`). The support modules
//! (`config`, `display`, `host`, `size`, `hook`, `pathtext`) may be named by any stage that sits above
//! every stage they name themselves. Between the top-level modules there is no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The stages, lowest first: a stage may import those before it. Deliberately the order of
/// imports, not only of the data path: the `Scanner` (`scan.rs`) reads files and runs the
/// detectors and groups what they find, so it sits above `detect` and `finding`.
const STAGES: &[(&str, &[&str])] = &[
    ("input", &["input"]),
    ("detect", &["detect"]),
    // The finding model, and what makes its names safe to show before grouping.
    ("finding", &["finding", "scrub"]),
    // `memory` fits the scan's threads and chunks to an address-space limit.
    ("scan", &["scan", "memory"]),
    ("vault", &["vault"]),
    ("judge", &["judge"]),
    // Live validation: asks providers about what was found (only when asked).
    ("validate", &["validate"]),
    ("pipeline", &["pipeline"]),
    ("report", &["report"]),
    ("inventory", &["inventory"]),
];

/// Helpers any stage may use, as long as they name only stages below their importer.
const SUPPORT: &[&str] = &[
    "config", "display", "host", "names", "size", "hook", "pathtext",
];

/// Upward imports accepted for now: (file under `src/`, the `crate::` path it names, up to
/// the module). At most two, each with the reason it is not fixed yet; an entry no longer
/// needed fails the test so the list only shrinks. Empty: every upward import is gone.
const ALLOWED: &[(&str, &str)] = &[];

/// Where a top-level module of the crate sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Node {
    Stage(usize),
    Support(&'static str),
}

impl Node {
    fn of_module(module: &str) -> Option<Node> {
        if let Some(level) = STAGES.iter().position(|(_, m)| m.contains(&module)) {
            return Some(Node::Stage(level));
        }
        SUPPORT
            .iter()
            .find(|s| **s == module)
            .map(|s| Node::Support(s))
    }

    fn name(self) -> String {
        match self {
            Node::Stage(level) => format!("stage {}", STAGES[level].0),
            Node::Support(name) => format!("support {name}"),
        }
    }
}

/// One `crate::` reference: the file, the path as written (up to the top-level module and
/// one more segment, for the message) and the module it reaches.
struct Reference {
    file: String,
    path: String,
    node: Node,
}

#[test]
fn imports_only_run_downward() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let reexports = root_reexports(&read(&src.join("lib.rs")));
    let mut files = Vec::new();
    collect_files(&src, &mut files);
    let mut problems = Vec::new();
    let mut references = Vec::new();
    for file in &files {
        let relative = file
            .strip_prefix(&src)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        if relative == "lib.rs" || relative == "main.rs" || relative.starts_with("cli/") {
            continue;
        }
        let module = relative
            .split('/')
            .next()
            .unwrap_or_default()
            .trim_end_matches(".rs");
        let Some(from) = Node::of_module(module) else {
            problems.push(format!(
                "src/{relative}: module `{module}` is in no stage: add it to STAGES or SUPPORT"
            ));
            continue;
        };
        let code = strip_comments(&read(file));
        if climbs_to_root(&relative, &read(file)) {
            problems.push(format!(
                "src/{relative}: a `super::` path climbs to the crate root; write `crate::`"
            ));
        }
        for (first, path) in crate_paths(&code) {
            let target = Node::of_module(&first).or_else(|| {
                reexports
                    .get(&first)
                    .and_then(|module| Node::of_module(module))
            });
            match target {
                Some(node) if node != from => references.push((
                    from,
                    Reference {
                        file: format!("src/{relative}"),
                        path,
                        node,
                    },
                )),
                Some(_) => {}
                None => problems.push(format!(
                    "src/{relative}: `{path}` names no known module (a new re-export in lib.rs?)"
                )),
            }
        }
    }

    // What each support module reaches, through other support modules: its importer must sit
    // above all of it.
    let mut support_edges: BTreeMap<Node, BTreeSet<Node>> = BTreeMap::new();
    for (from, reference) in &references {
        if matches!(from, Node::Support(_)) {
            support_edges
                .entry(*from)
                .or_default()
                .insert(reference.node);
        }
    }
    let floor = |support: Node| -> Option<usize> {
        let mut seen = BTreeSet::from([support]);
        let mut todo = vec![support];
        let mut highest = None;
        while let Some(node) = todo.pop() {
            for next in support_edges.get(&node).into_iter().flatten() {
                match next {
                    Node::Stage(level) => highest = highest.max(Some(*level)),
                    Node::Support(_) if seen.insert(*next) => todo.push(*next),
                    Node::Support(_) => {}
                }
            }
        }
        highest
    };

    let mut used_allowances = BTreeSet::new();
    for (from, reference) in &references {
        let Node::Stage(level) = *from else {
            continue;
        };
        let upward = match reference.node {
            Node::Stage(target) => (target > level).then(|| reference.node.name()),
            Node::Support(_) => floor(reference.node)
                .filter(|&reached| reached >= level)
                .map(|reached| {
                    format!(
                        "{}, which imports {}",
                        reference.node.name(),
                        Node::Stage(reached).name()
                    )
                }),
        };
        let Some(upward) = upward else {
            continue;
        };
        let allowance = ALLOWED.iter().position(|(file, path)| {
            reference.file == format!("src/{file}") && reference.path.starts_with(path)
        });
        match allowance {
            Some(index) => {
                used_allowances.insert(index);
            }
            None => problems.push(format!(
                "{}: `{}` imports upward: {} reaches {}",
                reference.file,
                reference.path,
                from.name(),
                upward
            )),
        }
    }
    assert!(ALLOWED.len() <= 2, "at most two upward imports are allowed");
    for (index, (file, path)) in ALLOWED.iter().enumerate() {
        if !used_allowances.contains(&index) {
            problems.push(format!(
                "ALLOWED: src/{file} no longer imports `{path}` upward: drop the entry"
            ));
        }
    }

    let mut graph: BTreeMap<Node, BTreeMap<Node, String>> = BTreeMap::new();
    for (from, reference) in &references {
        graph
            .entry(*from)
            .or_default()
            .entry(reference.node)
            .or_insert_with(|| format!("{} (`{}`)", reference.file, reference.path));
    }
    if let Some(cycle) = find_cycle(&graph) {
        problems.push(format!("a cycle between top-level modules: {cycle}"));
    }

    assert!(
        problems.is_empty(),
        "layering (docs/ARCHITECTURE.md, \"Layering rules\"):\n{}",
        problems.join("\n")
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
}

/// `pub use module::…::Name;` and `pub use module::…::{A, B};` in lib.rs: the names the
/// crate root re-exports, with the top-level module each comes from.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for statement in strip_comments(lib).split(';') {
        let Some(path) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, rest)) = path.split_once("::") else {
            continue;
        };
        let items = match (rest.find('{'), rest.rfind('}')) {
            (Some(open), Some(close)) if open < close => rest[open + 1..close].to_string(),
            _ => rest.rsplit("::").next().unwrap_or_default().to_string(),
        };
        for item in items.split(',') {
            let name = item.rsplit(" as ").next().unwrap_or_default().trim();
            let name = name.rsplit("::").next().unwrap_or_default();
            if !name.is_empty() {
                names.insert(name.to_string(), module.trim().to_string());
            }
        }
    }
    names
}

/// The code without comments (doc comments included: a link in prose is not an import);
/// string literals stay, for paths in attributes.
fn strip_comments(text: &str) -> String {
    without_comments(text, true)
}

/// The code without comments, and with `keep_strings` false without the contents of string
/// and character literals either (so braces in format strings do not count).
fn without_comments(text: &str, keep_strings: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < bytes.len() {
                    if bytes[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if bytes[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'r' if is_raw_string_start(bytes, i) => {
                let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
                let start = i;
                i += 2 + hashes;
                let mut closing = vec![b'"'];
                closing.extend(std::iter::repeat_n(b'#', hashes));
                while i < bytes.len() && !bytes[i..].starts_with(&closing) {
                    i += 1;
                }
                i = (i + closing.len()).min(bytes.len());
                if keep_strings {
                    out.extend_from_slice(&bytes[start..i]);
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                if keep_strings {
                    out.extend_from_slice(&bytes[start..i]);
                }
            }
            // A character literal ('"', '\'', '/'); a lifetime has no closing quote.
            b'\'' => {
                let end = if bytes.get(i + 1) == Some(&b'\\') {
                    bytes
                        .get(i + 3..)
                        .and_then(|rest| rest.iter().position(|&b| b == b'\''))
                        .map(|p| i + 4 + p)
                } else {
                    let width = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                    (bytes.get(i + 1 + width) == Some(&b'\'')).then_some(i + 2 + width)
                };
                let end = end.unwrap_or(i + 1).min(bytes.len());
                if keep_strings || end == i + 1 {
                    out.extend_from_slice(&bytes[i..end]);
                }
                i = end;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `r"`, `r#"`, `br"` … at `i`, and not the end of an identifier such as `for"`.
fn is_raw_string_start(bytes: &[u8], i: usize) -> bool {
    let before = i.checked_sub(1).map(|p| bytes[p]);
    let ident_before = before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    let prefixed = before == Some(b'b') && i >= 2 && !is_ident(bytes[i - 2]);
    if ident_before && !prefixed {
        return false;
    }
    let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
    bytes.get(i + 1 + hashes) == Some(&b'"')
}

fn is_ident(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Every `crate::` path: the first segment of each (each item of a `crate::{…}` group) with
/// the path as written up to the next segment.
fn crate_paths(code: &str) -> Vec<(String, String)> {
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = code[at..].find("crate::") {
        let start = at + offset;
        at = start + "crate::".len();
        if start > 0 && (is_ident(bytes[start - 1]) || bytes[start - 1] == b'$') {
            continue;
        }
        let rest = &code[at..];
        if let Some(group) = rest.strip_prefix('{') {
            for item in top_level_items(group) {
                let first = leading_ident(item.trim());
                if !first.is_empty() && first != "self" {
                    found.push((
                        first.to_string(),
                        format!("crate::{}", path_head(item.trim())),
                    ));
                }
            }
        } else {
            let first = leading_ident(rest);
            if !first.is_empty() {
                found.push((first.to_string(), format!("crate::{}", path_head(rest))));
            }
        }
    }
    found
}

/// The comma-separated items of a `{…}` group, up to its closing brace.
fn top_level_items(group: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&group[start..i]);
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items
}

fn leading_ident(text: &str) -> &str {
    let end = text
        .bytes()
        .position(|b| !is_ident(b))
        .unwrap_or(text.len());
    &text[..end]
}

/// A path's first two segments (`judge::baseline`), for messages.
fn path_head(text: &str) -> String {
    let first = leading_ident(text);
    match text[first.len()..].strip_prefix("::") {
        Some(rest) if !leading_ident(rest).is_empty() => {
            format!("{first}::{}", leading_ident(rest))
        }
        Some(rest) if rest.starts_with('{') => format!("{first}::{{…}}"),
        _ => first.to_string(),
    }
}

/// Whether a `super::` chain in the file reaches the crate root (so it could name another
/// top-level module without `crate::`, which this test would miss). Inline modules
/// (`mod tests { … }`) count as one level each.
fn climbs_to_root(relative: &str, text: &str) -> bool {
    let segments: Vec<&str> = relative.trim_end_matches(".rs").split('/').collect();
    // src/a.rs and src/a/mod.rs are `a`; src/a/b.rs is `a::b`.
    let depth = match segments.last() {
        Some(&"mod") => segments.len() - 1,
        _ => segments.len(),
    };
    let code = without_comments(text, false);
    let bytes = code.as_bytes();
    // The brace depth at which each enclosing inline module opened.
    let mut modules: Vec<usize> = Vec::new();
    let mut braces = 0;
    let mut i = 0;
    while i < bytes.len() {
        let at_word = i == 0 || !is_ident(bytes[i - 1]);
        match bytes[i] {
            b'{' => braces += 1,
            b'}' => {
                braces -= 1;
                if modules.last() == Some(&braces) {
                    modules.pop();
                }
            }
            b'm' if at_word && code[i..].starts_with("mod ") => {
                let name = leading_ident(code[i + 4..].trim_start());
                let after = code[i + 4..].trim_start()[name.len()..].trim_start();
                if after.starts_with('{') {
                    modules.push(braces);
                }
            }
            b's' if at_word && code[i..].starts_with("super::") => {
                let mut supers = 0;
                while code[i..].starts_with("super::") {
                    supers += 1;
                    i += "super::".len();
                }
                if supers >= depth + modules.len() {
                    return true;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// A cycle in the graph of top-level modules, written out edge by edge.
fn find_cycle(graph: &BTreeMap<Node, BTreeMap<Node, String>>) -> Option<String> {
    fn visit(
        node: Node,
        graph: &BTreeMap<Node, BTreeMap<Node, String>>,
        path: &mut Vec<Node>,
        done: &mut BTreeSet<Node>,
    ) -> Option<String> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node);
            let steps: Vec<String> = cycle
                .windows(2)
                .map(|w| {
                    format!(
                        "{} → {} in {}",
                        w[0].name(),
                        w[1].name(),
                        graph[&w[0]][&w[1]]
                    )
                })
                .collect();
            return Some(steps.join("; "));
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(&node).into_iter().flat_map(BTreeMap::keys) {
            if let Some(cycle) = visit(*next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(*node, graph, &mut Vec::new(), &mut done) {
            return Some(cycle);
        }
    }
    None
}

/// Issue #15: no source file over 1,000 lines (split a module by what its parts do instead).
#[test]
fn no_source_file_is_over_a_thousand_lines() {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, usize)>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                out.push((path.display().to_string(), text.lines().count()));
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let long: Vec<&(String, usize)> = files.iter().filter(|(_, n)| *n > 1000).collect();
    assert!(long.is_empty(), "over 1,000 lines: {long:?}");
}
