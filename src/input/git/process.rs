//! Running git: one configured `Command`, spawned children that are reaped, errors that say
//! which git command failed and what git said.

use super::*;

/// Settings for the git processes that read every object of a history (`git log --raw` and
/// `cat-file`). By default git maps whole pack files (up to 8 GiB at once) and keeps a 96 MiB
/// cache of delta bases: on `scripts/bench-git.sh`'s 50,000-commit repository each process
/// reached 310-330 MB resident, mostly pages of the mapped pack, and that is what a user sees as
/// the scan's memory. With 1 MiB windows and these caps each stays near 40-50 MB, for the same
/// CPU time (the objects are read once each, so there is little for a bigger cache to keep).
pub(super) const BOUNDED_MEMORY: &[&str] = &[
    "core.packedGitWindowSize=1m",
    "core.packedGitLimit=16m",
    "core.deltaBaseCacheLimit=16m",
];

pub(super) fn git_command(root: &Path, config: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(root)
        .arg("--no-pager")
        .args(["-c", "core.quotePath=false"]);
    for setting in config {
        cmd.args(["-c", setting]);
    }
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("LC_ALL", "C")
        .env("LANGUAGE", "C")
        .stdin(Stdio::null());
    cmd
}

pub(super) fn spawn_error(command: &'static str, source: io::Error) -> GitError {
    if source.kind() == io::ErrorKind::NotFound {
        GitError::GitNotFound
    } else {
        GitError::Io { command, source }
    }
}

pub(super) fn describe_status(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => "killed by a signal".to_string(),
    }
}

pub(super) fn git_message(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .map(|l| l.strip_prefix("fatal: ").unwrap_or(l))
        .collect();
    match lines.len() {
        0 => "(no message)".to_string(),
        1..=4 => lines.join("; "),
        n => format!("{}; ... ({} more lines)", lines[..4].join("; "), n - 4),
    }
}

pub(super) fn command_failed(
    command: &'static str,
    dir: &Path,
    status: ExitStatus,
    stderr: &[u8],
) -> GitError {
    let message = git_message(stderr);
    // Outside a repository `git diff` falls back to `--no-index` mode and rejects `--cached`.
    if message.contains("not a git repository") || message.contains("git diff --no-index") {
        GitError::NotARepository {
            dir: dir.to_path_buf(),
        }
    } else if message.contains("must be run in a work tree") {
        GitError::NoWorkTree {
            dir: dir.to_path_buf(),
        }
    } else if message.contains("cannot change to") || message.contains("dubious ownership") {
        GitError::Unusable {
            dir: dir.to_path_buf(),
            message,
        }
    } else {
        GitError::Failed {
            command,
            status: describe_status(status),
            message,
        }
    }
}

/// A running git process whose stderr is collected by a thread. Dropping it before
/// [`Spawned::finish`] kills the process, so no error path leaves git running.
pub(super) struct Spawned {
    pub(super) child: Child,
    pub(super) command: &'static str,
    pub(super) stderr: Option<thread::JoinHandle<Vec<u8>>>,
    pub(super) finished: bool,
}

impl Spawned {
    pub(super) fn new(
        mut cmd: Command,
        command: &'static str,
        stdin: bool,
    ) -> Result<Self, GitError> {
        if stdin {
            cmd.stdin(Stdio::piped());
        }
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| spawn_error(command, e))?;
        let stderr = child.stderr.take().map(|mut pipe| {
            thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        });
        Ok(Spawned {
            child,
            command,
            stderr,
            finished: false,
        })
    }

    pub(super) fn stdout(&mut self) -> Result<ChildStdout, GitError> {
        self.child.stdout.take().ok_or_else(|| self.pipe_missing())
    }

    pub(super) fn stdin(&mut self) -> Result<std::process::ChildStdin, GitError> {
        self.child.stdin.take().ok_or_else(|| self.pipe_missing())
    }

    pub(super) fn pipe_missing(&self) -> GitError {
        GitError::Io {
            command: self.command,
            source: io::Error::other("pipe to git was not set up"),
        }
    }

    pub(super) fn kill(&mut self) {
        let _ = self.child.kill();
    }

    /// Waits for the process; returns its status and what it wrote to stderr.
    pub(super) fn finish(mut self) -> Result<(ExitStatus, Vec<u8>), GitError> {
        self.finished = true;
        let status = self.child.wait().map_err(|source| GitError::Io {
            command: self.command,
            source,
        })?;
        let stderr = self
            .stderr
            .take()
            .and_then(|handle| handle.join().ok())
            .unwrap_or_default();
        Ok((status, stderr))
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub(super) fn thread_panicked(command: &'static str) -> GitError {
    GitError::Io {
        command,
        source: io::Error::other("internal thread panicked"),
    }
}
