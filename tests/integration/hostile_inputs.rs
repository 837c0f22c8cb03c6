//! Hostile inputs: named pipes, sockets, devices, `/proc`, oversized and inflating files, absurd
//! thread counts. Each run must end within a bounded time, and either finish the scan (exit 0
//! or 1, with the other findings still reported) or stop with exit 2 naming the input; no
//! secret ever reaches the output.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Fake, Tree};

/// How long any one run may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(20);

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs stray in `dir`; kills it and fails the test if it is still running at the deadline.
fn run(dir: &Path, args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stray"))
        .current_dir(dir)
        .args(args)
        .env_remove("XDG_DATA_HOME")
        .env_remove("STRAY_INVENTORY_DB")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stray starts");
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for stray") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("stray {args:?} still running after {DEADLINE:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

impl Run {
    /// Exit 2 with `path` and `what` in the error, and nothing on standard output.
    fn refused(&self, path: &str, what: &str) {
        assert_eq!(self.code, 2, "{}\n{}", self.stdout, self.stderr);
        assert!(self.stderr.contains(path), "names {path}: {}", self.stderr);
        assert!(self.stderr.contains(what), "says {what}: {}", self.stderr);
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    fn never_shows(&self, secret: &str) {
        assert!(!self.stdout.contains(secret), "secret on stdout");
        assert!(!self.stderr.contains(secret), "secret on stderr");
    }
}

/// A tree holding one GitHub token in `app/.env`; returns it with the token.
fn tree_with_secret(seed: u64) -> (Tree, String) {
    let tree = Tree::new();
    let token = Fake::new(seed).github_pat();
    tree.write("app/.env", format!("GITHUB_TOKEN={token}\n"));
    (tree, token)
}

fn mkfifo(path: &Path) -> bool {
    match Command::new("mkfifo").arg(path).status() {
        Ok(status) if status.success() => true,
        _ => {
            eprintln!("mkfifo unavailable: skipping");
            false
        }
    }
}

/// A sparse file of `len` bytes: large on paper, instant to make.
fn sparse(path: &Path, len: u64) {
    let file = std::fs::File::create(path).expect("create");
    file.set_len(len).expect("set length");
}

fn found_rules(json: &serde_json::Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn pipes_and_sockets_in_a_tree_are_skipped_and_counted() {
    let (tree, token) = tree_with_secret(1);
    if !mkfifo(&tree.path().join("app/pipe")) {
        return;
    }
    #[cfg(unix)]
    let _socket = std::os::unix::net::UnixListener::bind(tree.path().join("app/agent.sock"))
        .expect("bind a unix socket");
    let run = run(
        tree.path(),
        &["scan", "--format", "json", "--verbose", "app"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(found_rules(&json).len(), 1, "{json}");
    let special = if cfg!(unix) { 2 } else { 1 };
    assert_eq!(json["stats"]["skipped_special"], special, "{json}");
    assert_eq!(json["stats"]["files_skipped"], special, "{json}");
    assert!(
        run.stderr.contains("app/pipe"),
        "--verbose lists it: {}",
        run.stderr
    );
    run.never_shows(&token);
}

#[test]
fn a_pipe_or_device_root_is_skipped_while_the_other_roots_are_scanned() {
    let (tree, token) = tree_with_secret(2);
    if !mkfifo(&tree.path().join("pipe")) {
        return;
    }
    let mut roots = vec!["pipe"];
    if Path::new("/dev/zero").exists() {
        roots.push("/dev/zero");
    }
    let mut args = vec!["scan", "--format", "json"];
    args.extend(&roots);
    args.push("app");
    let run = run(tree.path(), &args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(found_rules(&json).len(), 1, "{json}");
    assert_eq!(json["stats"]["skipped_special"], roots.len(), "{json}");
    for root in &roots {
        assert!(
            run.stderr.contains(root),
            "warns about {root}: {}",
            run.stderr
        );
    }
    run.never_shows(&token);

    // Alone, such a root is an error naming it.
    run_alone(tree.path(), "pipe", "named pipe");
}

fn run_alone(dir: &Path, root: &str, what: &str) {
    run(dir, &["scan", root]).refused(root, what);
}

#[test]
fn proc_is_not_read_as_a_root_nor_in_a_walk() {
    let (tree, token) = tree_with_secret(3);
    let kmsg = Path::new("/proc/kmsg");
    if kmsg.exists() {
        run_alone(tree.path(), "/proc/kmsg", "inside /proc");
    }
    if !Path::new("/proc/self/status").exists() {
        eprintln!("no /proc: skipping the rest");
        return;
    }
    let run = run(
        tree.path(),
        &["scan", "--format", "json", "/proc/self/status", "app"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(found_rules(&run.json()).len(), 1);
    assert!(run.stderr.contains("/proc/self/status"), "{}", run.stderr);
    run.never_shows(&token);

    // A followed link into /proc is not walked.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/proc", tree.path().join("app/proc-link")).expect("symlink");
        let run = self::run(
            tree.path(),
            &["scan", "--format", "json", "--follow", "app"],
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(run.json()["stats"]["files_scanned"], 1);
    }
}

#[test]
fn pipes_devices_and_proc_files_as_inputs_are_errors_naming_them() {
    let (tree, token) = tree_with_secret(4);
    if !mkfifo(&tree.path().join("pipe")) {
        return;
    }
    let pipe = "pipe";
    let cases: Vec<Vec<&str>> = vec![
        vec!["scan", "app", "--vault", pipe],
        vec!["scan", "app", "--rules", pipe],
        vec!["rules", "check", pipe],
        vec!["scan", "app", "--baseline", pipe],
        vec!["merge", pipe],
        vec!["inventory", "import", "--db", "inv.db", pipe],
    ];
    for args in &cases {
        let run = run(tree.path(), args);
        run.refused(pipe, "named pipe");
        run.never_shows(&token);
    }
    if Path::new("/dev/zero").exists() {
        let zero = "/dev/zero";
        let cases: Vec<Vec<&str>> = vec![
            vec!["scan", "app", "--vault", zero, "--vault-format", "dotenv"],
            vec!["scan", "app", "--rules", zero],
            vec!["merge", zero],
            vec!["inventory", "import", "--db", "inv.db", zero],
        ];
        for args in &cases {
            run(tree.path(), args).refused(zero, "character device");
        }
    }
    if Path::new("/proc/self/environ").exists() {
        let environ = "/proc/self/environ";
        run(tree.path(), &["scan", "app", "--rules", environ]).refused(environ, "inside /proc");
        run(
            tree.path(),
            &[
                "scan",
                "app",
                "--vault",
                environ,
                "--vault-format",
                "dotenv",
            ],
        )
        .refused(environ, "inside /proc");
    }
}

#[test]
fn oversized_inputs_are_refused_from_their_size() {
    let (tree, _) = tree_with_secret(5);
    let big = |name: &str, len: u64| -> String {
        sparse(&tree.path().join(name), len);
        name.to_string()
    };
    let vault = big("huge.env", stray::input::MAX_EXPORT_SIZE + 1);
    let result = big("huge.json", stray::input::MAX_EXPORT_SIZE + 1);
    let rules = big("huge.toml", stray::input::MAX_SMALL_INPUT + 1);
    let baseline = big("huge-baseline.json", stray::input::MAX_SMALL_INPUT + 1);
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (vec!["scan", "app", "--vault", &vault], &vault, "256 MiB"),
        (vec!["merge", &result], &result, "256 MiB"),
        (
            vec!["inventory", "import", "--db", "inv.db", &result],
            &result,
            "256 MiB",
        ),
        (vec!["scan", "app", "--rules", &rules], &rules, "16 MiB"),
        (vec!["rules", "check", &rules], &rules, "16 MiB"),
        (
            vec!["scan", "app", "--baseline", &baseline],
            &baseline,
            "16 MiB",
        ),
    ];
    for (args, path, limit) in &cases {
        let started = Instant::now();
        run(tree.path(), args).refused(path, limit);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{args:?} read the file"
        );
    }
    // A .stray.toml over the limit names itself too.
    sparse(
        &tree.path().join(".stray.toml"),
        stray::input::MAX_SMALL_INPUT + 1,
    );
    run(tree.path(), &["scan", "app"]).refused(".stray.toml", "16 MiB");
}

/// A 1PUX whose `export.data` inflates far beyond its compressed size.
fn zip_bomb(path: &Path, inflated: usize) {
    let file = std::fs::File::create(path).expect("create");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("export.attributes", options)
        .expect("member");
    zip.write_all(br#"{"version": 3}"#).expect("write");
    zip.start_file("export.data", options).expect("member");
    zip.write_all(b"{\"accounts\": [], \"pad\": \"")
        .expect("write");
    let chunk = vec![b'A'; 1 << 20];
    for _ in 0..inflated >> 20 {
        zip.write_all(&chunk).expect("write");
    }
    zip.write_all(b"\"}").expect("write");
    zip.finish().expect("finish zip");
}

#[test]
fn a_1pux_zip_bomb_is_refused_after_a_small_read() {
    let (tree, token) = tree_with_secret(6);
    let bomb: PathBuf = tree.path().join("bomb.1pux");
    zip_bomb(&bomb, 16 << 20);
    assert!(std::fs::metadata(&bomb).expect("bomb").len() < 1 << 20);
    let run = run(tree.path(), &["scan", "app", "--vault", "bomb.1pux"]);
    run.refused("bomb.1pux", "zip bomb");
    assert!(run.stderr.contains("export.data"), "{}", run.stderr);
    run.never_shows(&token);
}

#[test]
fn thread_counts_are_bounded() {
    let (tree, token) = tree_with_secret(7);
    for threads in ["18446744073709551615", "4294967296", "5000", "257"] {
        let run = run(tree.path(), &["scan", "app", "--threads", threads]);
        run.refused(threads, "--threads");
    }
    let run = run(
        tree.path(),
        &["scan", "--format", "json", "app", "--threads", "256"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(found_rules(&run.json()).len(), 1);
    run.never_shows(&token);

    // The library clamps what the command line would refuse.
    let matcher =
        stray::Matcher::new(stray::RuleSet::builtin().expect("builtin rules")).expect("matcher");
    let mut options = stray::ScanOptions::default();
    options.walk.roots = vec![tree.path().join("app")];
    options.walk.threads = 100_000;
    let started = Instant::now();
    let outcome = stray::Scanner::new(matcher, options)
        .expect("scanner")
        .scan(&stray::Progress::default())
        .expect("scan");
    assert_eq!(outcome.findings.len(), 1);
    assert!(started.elapsed() < DEADLINE, "{:?}", started.elapsed());
}

#[test]
fn negative_max_age_is_refused() {
    let (tree, _) = tree_with_secret(8);
    run(tree.path(), &["scan", "app", "--max-age", "-30"]).refused("-30", "--max-age");
    run(tree.path(), &["scan", "app", "--max-age=0"]).refused("0", "--max-age");
    tree.write(".stray.toml", "[policy]\nmax_age = -30\n");
    run(tree.path(), &["scan", "app"]).refused(".stray.toml", "max_age");
}

#[test]
fn malformed_exports_that_used_to_load_as_nothing_are_errors() {
    let (tree, token) = tree_with_secret(9);
    let secret = Fake::new(90).github_pat();
    let cases = [
        (
            "doppler.json",
            "doppler-json",
            format!(
                r#"{{"DOPPLER_PROJECT": "api", "TOKEN": {{"computed": 42}}, "KEY": "{secret}"}}"#
            ),
            "TOKEN.computed: expected a string",
        ),
        (
            "flat.json",
            "json",
            format!(r#"{{"PORT": 8080, "KEY": "{secret}"}}"#),
            "PORT: expected a string",
        ),
        (
            "kv.json",
            "hashicorp-vault",
            format!(
                r#"{{"request_id": "r", "data": {{"data": [{{"KEY": "{secret}"}}], "metadata": {{"version": 1}}}}}}"#
            ),
            "data.data: expected an object",
        ),
        (
            "bitwarden.csv",
            "bitwarden-csv",
            format!(
                "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n,,login,a,\"open,,,,,,{secret},\n,,login,b,,,,,,{secret},\n"
            ),
            "line 2: cell 5 opens a quote that is never closed",
        ),
    ];
    for (name, format, content, message) in &cases {
        tree.write(name, content);
        let run = run(
            tree.path(),
            &["scan", "app", "--vault", name, "--vault-format", format],
        );
        run.refused(name, message);
        run.never_shows(&secret);
        run.never_shows(&token);
    }
}
