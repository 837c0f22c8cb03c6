//! Deterministic synthetic corpora for benchmarks: source-like text with planted fake keys.
//! Shared by `benches/matcher.rs` and `examples/gen-corpus.rs` (included with `#[path]`).
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn chars(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Words of ordinary code, including the generic ones (`token`, `key`, `secret`) that a naive
/// keyword prefilter would stop on.
const WORDS: &[&str] = &[
    "let", "fn", "return", "if", "else", "for", "while", "match", "self", "value", "result",
    "config", "request", "response", "user", "token", "key", "secret", "password", "client",
    "session", "handler", "error", "string", "buffer", "index", "count", "options", "path", "file",
    "data", "api", "url", "http", "json", "parse", "render", "cache", "state", "event",
];

/// One fake credential of a rotating kind; never a real key.
pub fn fake_secret(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => {
            let random = rng.chars(BASE62, 30);
            let checksum = stray::detect::rules::validators::github_checksum(random.as_bytes());
            format!("ghp_{random}{checksum}")
        }
        1 => format!(
            "sk-proj-{}T3BlbkFJ{}",
            rng.chars(BASE62, 40),
            rng.chars(BASE62, 40)
        ),
        2 => format!("AKIA{}", rng.chars(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)),
        _ => format!("npm_{}", rng.chars(BASE62, 36)),
    }
}

/// About `bytes` of source-like text; one line in `plant_every` carries a fake key (0 = none).
pub fn source_text(rng: &mut Rng, bytes: usize, plant_every: usize) -> String {
    source_text_planted(rng, bytes, plant_every, &mut Vec::new())
}

/// [`source_text`], with the (1-based line, key) of each key it plants pushed to `planted`.
pub fn source_text_planted(
    rng: &mut Rng,
    bytes: usize,
    plant_every: usize,
    planted: &mut Vec<(usize, String)>,
) -> String {
    let mut out = String::with_capacity(bytes + 128);
    let mut line = 0usize;
    while out.len() < bytes {
        line += 1;
        if plant_every > 0 && line % plant_every == 0 {
            let secret = fake_secret(rng);
            let _ = writeln!(out, "    api_token = \"{secret}\"");
            planted.push((line, secret));
            continue;
        }
        let indent = rng.below(4) * 4;
        out.extend(std::iter::repeat_n(' ', indent));
        for _ in 0..(3 + rng.below(8)) {
            out.push_str(WORDS[rng.below(WORDS.len())]);
            out.push(if rng.below(5) == 0 { '.' } else { ' ' });
        }
        let _ = writeln!(out, "{};", rng.below(100_000));
    }
    out
}

/// One fake key [`laptop`] planted: the file, relative to the corpus root with `/` between
/// names, the 1-based line it is on, and the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    pub path: String,
    pub line: usize,
    pub secret: String,
}

/// What [`laptop`] made: bytes of content and every key planted, in the order written.
pub struct Laptop {
    pub bytes: usize,
    pub planted: Vec<Planted>,
}

/// The planted keys as a tab-separated manifest (`path`, `line`, `secret`), after a `#` line
/// saying what was generated. The keys are the generator's fakes, never real ones.
pub fn manifest(planted: &[Planted], seed: u64, megabytes: usize) -> String {
    let mut out = format!(
        "# stray laptop corpus (examples/gen-corpus.rs): seed {seed}, {megabytes} MB asked, \
         {} fake keys planted\npath\tline\tsecret\n",
        planted.len()
    );
    for p in planted {
        let _ = writeln!(out, "{}\t{}\t{}", p.path, p.line, p.secret);
    }
    out
}

/// Writes a synthetic laptop home of about `total_bytes` under `root`: projects with source
/// files and `.env` files, shell profiles, cloud credentials and a one-line chat export.
pub fn write_laptop(root: &Path, total_bytes: usize, seed: u64) -> std::io::Result<usize> {
    laptop(Some(root), total_bytes, seed).map(|made| made.bytes)
}

/// The synthetic laptop home of [`write_laptop`], written under `root` when one is given, and
/// the list of keys it plants. Without `root` nothing is written: the same random sequence
/// runs, so the list is the one a write with the same size and seed plants.
pub fn laptop(root: Option<&Path>, total_bytes: usize, seed: u64) -> std::io::Result<Laptop> {
    let mut rng = Rng::new(seed);
    let mut written = 0usize;
    let mut planted = Vec::new();
    let write = |relative: &str, content: String| -> std::io::Result<usize> {
        if let Some(root) = root {
            let path = root.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, &content)?;
        }
        Ok(content.len())
    };
    let mut plant = |path: &str, line: usize, secret: &str| {
        planted.push(Planted {
            path: path.to_string(),
            line,
            secret: secret.to_string(),
        })
    };
    let secret = fake_secret(&mut rng);
    plant(".zshrc", 2, &secret);
    written += write(
        ".zshrc",
        format!("export PATH=$HOME/bin:$PATH\nexport OPENAI_API_KEY={secret}\n"),
    )?;
    let secret = format!("AKIA{}", rng.chars(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
    plant(".aws/credentials", 2, &secret);
    written += write(
        ".aws/credentials",
        format!("[default]\naws_access_key_id = {secret}\n"),
    )?;
    let chat_path = "exports/chatgpt/conversations.json";
    let mut chat = String::from("[");
    for i in 0..2000 {
        let text = if i % 200 == 0 {
            let secret = fake_secret(&mut rng);
            plant(chat_path, 1, &secret);
            format!("here is my key {secret}")
        } else {
            source_text(&mut rng, 200, 0)
                .replace('\n', "\\n")
                .replace('"', "'")
        };
        let _ = write!(chat, "{{\"id\":{i},\"text\":\"{text}\"}},");
    }
    chat.push_str("{}]");
    written += write(chat_path, chat)?;
    let mut project = 0;
    while written < total_bytes {
        project += 1;
        let env = format!("code/project{project}/.env");
        let secret = fake_secret(&mut rng);
        plant(&env, 2, &secret);
        written += write(
            &env,
            format!("DATABASE_HOST=localhost\nGITHUB_TOKEN={secret}\n"),
        )?;
        for file in 0..20 {
            let size = 2_000 + rng.below(60_000);
            let every = if file == 7 { 50 } else { 0 };
            let ext = ["rs", "py", "ts", "go"][rng.below(4)];
            let path = format!("code/project{project}/src/mod{file}.{ext}");
            let mut lines = Vec::new();
            let text = source_text_planted(&mut rng, size, every, &mut lines);
            for (line, secret) in lines {
                plant(&path, line, &secret);
            }
            written += write(&path, text)?;
        }
    }
    Ok(Laptop {
        bytes: written,
        planted,
    })
}
