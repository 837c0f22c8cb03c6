//! `--git`: the blobs a range of commits introduced, from one `git log --raw -z -c --root`, each
//! blob once with the commit that introduced it first.

use super::*;

/// Calls `visit(origin, content)` once per distinct blob introduced by the commits in `revspec`
/// (git rev-list syntax; `None` = `HEAD`, i.e. all history reachable from it). Blobs come newest
/// first, which `git cat-file` reads with a quarter less CPU time than oldest first when the
/// pack's deltas point forward (as `git fast-import` and incremental fetches leave them; in a
/// freshly repacked repository the order makes no difference); [`BlobOrigin::rank`] is each
/// one's place oldest first. Blobs over `max_size` bytes are counted in the stats, not read.
///
/// A blob is "introduced" by a commit when the commit's diff against its parent (all of history
/// for a root commit) adds or modifies a regular file with that content. A merge introduces the
/// files whose merged content differs from every parent (conflict resolutions, evil merges). When
/// several commits introduce the same content, the earliest by author date is reported and the
/// count is in [`BlobOrigin::occurrences`]. Symlinks and submodules are skipped.
///
/// `revspec` is split on whitespace outside `{...}` (so `HEAD@{1 week ago}` stays whole); a token
/// starting with `:/` takes the rest of the text. Tokens starting with `-` must be one of `--all`,
/// `--branches`, `--tags`, `--remotes` (each optionally `=PATTERN`), `--glob=`, `--exclude=`,
/// `--not`, `--since=`, `--until=`, `--after=`, `--before=`.
pub fn history(
    root: &Path,
    revspec: Option<&str>,
    max_size: u64,
    visit: &mut dyn FnMut(&BlobOrigin, &[u8]),
) -> Result<HistoryStats, GitError> {
    history_of_paths(root, revspec, max_size, &|_| true, visit)
}

/// [`history`] of the paths `keep_path` accepts. A blob is introduced by its earliest accepted
/// path: content first committed under an excluded path and copied elsewhere later is found at
/// the later path, not hidden by the exclusion.
pub fn history_of_paths(
    root: &Path,
    revspec: Option<&str>,
    max_size: u64,
    keep_path: &dyn Fn(&Path) -> bool,
    visit: &mut dyn FnMut(&BlobOrigin, &[u8]),
) -> Result<HistoryStats, GitError> {
    let revisions = match revspec {
        Some(spec) => revision_args(spec)?,
        None => Vec::new(), // git log's default: HEAD, with a clear message for an unborn branch
    };
    let walk = walk_log(root, revspec, &revisions, keep_path)?;
    let mut stats = HistoryStats {
        commits: walk.commits.len(),
        ..HistoryStats::default()
    };

    let mut order: Vec<(Oid, Introduction)> = walk.blobs.into_iter().collect();
    order.sort_unstable_by_key(|(_, intro)| {
        let commit = &walk.commits[intro.commit as usize];
        // Oldest first: author date, then git's topological order (newest was printed first).
        (
            commit.timestamp,
            std::cmp::Reverse(intro.commit),
            intro.sequence,
        )
    });
    // Newest first: see `history`.
    let oids: Vec<Oid> = order.iter().rev().map(|(oid, _)| *oid).collect();
    let mut too_large = Vec::new();
    // Inflating the blobs is most of the work, one core per git process: two lanes when there
    // are two cores, the newer half of history in one and the older in the other. Delta chains
    // link versions close in time (successive versions of a path after `git repack`, successive
    // blobs of the import after `git fast-import`), so contiguous halves split few of them;
    // lanes by path made git inflate a third more on the bench repository.
    let lanes = thread::available_parallelism().map_or(1, |n| n.get().min(2));
    let lane_of = |index: usize| index * lanes / oids.len().max(1);
    fetch_blobs_in_lanes(
        root,
        &oids,
        lanes,
        &lane_of,
        max_size,
        &mut |index, blob| {
            let rank = order.len() - 1 - index;
            let (oid, intro) = &order[rank];
            match blob {
                Blob::Content(bytes) => {
                    let commit = &walk.commits[intro.commit as usize];
                    let origin = BlobOrigin {
                        commit: commit.id.to_string(),
                        author_date: commit.author_date.to_string(),
                        author: commit.author.to_string(),
                        path: path_from_bytes(&walk.paths[intro.path as usize]),
                        occurrences: intro.count as usize,
                        rank,
                    };
                    stats.blobs += 1;
                    stats.bytes += bytes.len() as u64;
                    visit(&origin, bytes);
                    Ok(())
                }
                Blob::TooLarge => {
                    too_large.push((rank, path_from_bytes(&walk.paths[intro.path as usize])));
                    Ok(())
                }
                Blob::Missing => Err(GitError::MissingObject {
                    oid: oid.to_string(),
                    path: path_from_bytes(&walk.paths[intro.path as usize]),
                }),
            }
        },
    )?;
    too_large.sort_unstable_by_key(|(rank, _)| *rank);
    stats.too_large = too_large.into_iter().map(|(_, path)| path).collect();
    Ok(stats)
}

// ---------------------------------------------------------------------------------------------
// History: `git log --raw -z -c`

/// Revision tokens of a user's revspec, refusing anything git would read as another option
/// (`--output=FILE` must never reach git).
pub(super) fn revision_args(spec: &str) -> Result<Vec<String>, GitError> {
    let bad = |message: &str| GitError::BadRevision {
        spec: spec.to_string(),
        message: message.to_string(),
    };
    if spec.contains('\0') {
        return Err(bad("a revision cannot contain a NUL byte"));
    }
    let tokens = split_revspec(spec);
    if tokens.is_empty() {
        return Err(bad("the revision is empty"));
    }
    const FLAGS: &[&str] = &["--all", "--branches", "--tags", "--remotes", "--not"];
    const WITH_VALUE: &[&str] = &[
        "--branches=",
        "--tags=",
        "--remotes=",
        "--glob=",
        "--exclude=",
        "--since=",
        "--until=",
        "--after=",
        "--before=",
    ];
    for token in &tokens {
        if token.starts_with('-')
            && !FLAGS.contains(&token.as_str())
            && !WITH_VALUE
                .iter()
                .any(|p| token.starts_with(p) && token.len() > p.len())
        {
            return Err(GitError::BadRevision {
                spec: spec.to_string(),
                message: format!(
                    "'{token}' is not a revision; the options allowed are --all, --branches, --tags, --remotes (each optionally =PATTERN), --glob=, --exclude=, --not, --since=, --until="
                ),
            });
        }
    }
    Ok(tokens)
}

/// Splits on whitespace outside `{...}`; a token starting with `:/` (commit message search) runs
/// to the end of the text.
pub(super) fn split_revspec(spec: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut chars = spec.trim().chars();
    while let Some(c) = chars.next() {
        if current.is_empty() && c == ':' && chars.as_str().starts_with('/') {
            current.push(c);
            current.push_str(chars.as_str());
            break;
        }
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            c if c.is_whitespace() && depth == 0 => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

pub(super) struct LogCommit {
    pub(super) id: Box<str>,
    pub(super) timestamp: i64,
    pub(super) author_date: Box<str>,
    pub(super) author: Box<str>,
}

/// The chosen introduction of one blob.
#[derive(Debug, Clone, Copy)]
pub(super) struct Introduction {
    pub(super) commit: u32, // index in `LogWalk::commits` (git's output order: newest first)
    pub(super) path: u32,   // index in `LogWalk::paths`
    pub(super) sequence: u32, // position of the record in the commit's diff
    pub(super) count: u32,  // introductions seen
}

#[derive(Default)]
pub(super) struct LogWalk {
    pub(super) commits: Vec<LogCommit>,
    pub(super) paths: Vec<Box<[u8]>>,
    pub(super) path_ids: HashMap<Box<[u8]>, u32>,
    pub(super) blobs: HashMap<Oid, Introduction>,
}

impl LogWalk {
    pub(super) fn intern_path(&mut self, path: &[u8]) -> u32 {
        if let Some(&id) = self.path_ids.get(path) {
            return id;
        }
        let id = self.paths.len() as u32;
        self.paths.push(path.into());
        self.path_ids.insert(path.into(), id);
        id
    }

    pub(super) fn record(&mut self, oid: Oid, path: &[u8], sequence: u32) -> Result<(), String> {
        let commit = self
            .commits
            .len()
            .checked_sub(1)
            .ok_or("a diff record before any commit")? as u32;
        let timestamp = self.commits[commit as usize].timestamp;
        let mut count = 1;
        if let Some(prev) = self.blobs.get_mut(&oid) {
            prev.count = prev.count.saturating_add(1);
            count = prev.count;
            let prev_ts = self.commits[prev.commit as usize].timestamp;
            // Later output is topologically older: on equal dates it wins, except within one
            // commit, where the first path (git's path order) stays.
            let replace = timestamp < prev_ts || (timestamp == prev_ts && commit != prev.commit);
            if !replace {
                return Ok(());
            }
        }
        let path = self.intern_path(path);
        self.blobs.insert(
            oid,
            Introduction {
                commit,
                path,
                sequence,
                count,
            },
        );
        Ok(())
    }
}

pub(super) const LOG: &str = "git log --raw";

/// Runs one `git log` over `revisions` and collects every blob introduction.
pub(super) fn walk_log(
    root: &Path,
    spec: Option<&str>,
    revisions: &[String],
    keep_path: &dyn Fn(&Path) -> bool,
) -> Result<LogWalk, GitError> {
    let mut cmd = git_command(root, BOUNDED_MEMORY);
    cmd.args([
        "log",
        "--format=%x01%H %at %aI %an",
        "--raw",
        "-z",
        "--no-abbrev",
        "--no-renames",
        "--root",
        "-c",
        "--topo-order",
        "--no-color",
        "--no-show-signature",
        "--no-ext-diff",
        "--no-textconv",
    ])
    .args(revisions)
    .arg("--");
    let mut log = Spawned::new(cmd, LOG, false)?;
    let stdout = log.stdout()?;
    let parsed = parse_log(BufReader::with_capacity(256 * 1024, stdout), keep_path);
    if parsed.is_err() {
        log.kill();
    }
    let (status, stderr) = log.finish()?;
    if !status.success() {
        let message = git_message(&stderr);
        if spec.is_none() && message.contains("does not have any commits yet") {
            return Ok(LogWalk::default()); // unborn branch: no history yet
        }
        let error = command_failed(LOG, root, status, &stderr);
        return Err(match (error, spec) {
            (GitError::Failed { .. }, Some(spec)) if looks_like_bad_revision(&message) => {
                GitError::BadRevision {
                    spec: spec.to_string(),
                    message,
                }
            }
            (error, _) => error,
        });
    }
    parsed
}

pub(super) fn looks_like_bad_revision(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        "revision",
        "ambiguous argument",
        "bad object",
        "unknown",
        "invalid",
        "not a valid",
        "does not have any commits",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

/// Parses `git log --format=%x01%H %at %aI %an --raw -z -c` output: NUL-separated tokens where a
/// commit header starts with `\x01`, a diff record with `:` (one colon per parent: `::` for a
/// two-parent combined record), each record followed by exactly one path token. A leading `\n`
/// and empty tokens are separators.
pub(super) fn parse_log(
    mut input: impl BufRead,
    keep_path: &dyn Fn(&Path) -> bool,
) -> Result<LogWalk, GitError> {
    let parse_error = |detail: String| GitError::Parse {
        command: LOG,
        detail,
    };
    let io_error = |source: io::Error| GitError::Io {
        command: LOG,
        source,
    };
    let mut walk = LogWalk::default();
    let mut token = Vec::with_capacity(256);
    let mut path = Vec::with_capacity(256);
    let mut sequence = 0u32;
    loop {
        token.clear();
        if input.read_until(0, &mut token).map_err(io_error)? == 0 {
            break;
        }
        let mut t = token.strip_suffix(b"\0").unwrap_or(&token);
        t = t.strip_prefix(b"\n").unwrap_or(t);
        match t.first() {
            None => {}
            Some(0x01) => {
                walk.commits
                    .push(parse_commit_header(&t[1..]).ok_or_else(|| {
                        parse_error(format!("bad commit line {:?}", String::from_utf8_lossy(t)))
                    })?);
                sequence = 0;
            }
            Some(b':') => {
                path.clear();
                input.read_until(0, &mut path).map_err(io_error)?;
                if path.pop() != Some(0) || path.is_empty() {
                    return Err(parse_error("diff record without a path".into()));
                }
                let record = parse_log_record(t).ok_or_else(|| {
                    parse_error(format!("bad diff record {:?}", String::from_utf8_lossy(t)))
                })?;
                if let Some(oid) = record
                    && keep_path(&path_from_bytes(&path))
                {
                    walk.record(oid, &path, sequence).map_err(parse_error)?;
                }
                sequence = sequence.saturating_add(1);
            }
            Some(_) => {
                return Err(parse_error(format!(
                    "unexpected {:?}",
                    String::from_utf8_lossy(&t[..t.len().min(80)])
                )));
            }
        }
    }
    Ok(walk)
}

/// `<hash> <author unix time> <author ISO date> <author name>`.
pub(super) fn parse_commit_header(line: &[u8]) -> Option<LogCommit> {
    let text = String::from_utf8_lossy(line);
    let mut fields = text.splitn(4, ' ');
    let id = fields.next()?;
    Oid::from_hex(id.as_bytes())?;
    let timestamp = fields.next()?.parse().unwrap_or(i64::MAX);
    let author_date = fields.next()?;
    let author = fields.next().unwrap_or("");
    Some(LogCommit {
        id: id.into(),
        timestamp,
        author_date: author_date.into(),
        author: author.into(),
    })
}

/// A raw diff record (`:`-prefixed, without its path): `Some(Some(oid))` when the result side is
/// a regular-file blob (added, modified or type-changed), `Some(None)` when it is not (deleted,
/// symlink, submodule), `None` when malformed. Combined records (merges, `-c`) have one colon,
/// one mode and one id per parent, then the result's.
pub(super) fn parse_log_record(header: &[u8]) -> Option<Option<Oid>> {
    let parents = header.iter().take_while(|&&b| b == b':').count();
    let fields: Vec<&[u8]> = header[parents..].split(|&b| b == b' ').collect();
    if parents == 0 || fields.len() != 2 * (parents + 1) + 1 {
        return None;
    }
    let mode = parse_mode(fields[parents])?;
    let oid = Oid::from_hex(fields[2 * parents + 1])?;
    let status = fields[2 * parents + 2];
    if status.is_empty() {
        return None;
    }
    let deleted = parents == 1 && status[0] == b'D';
    Some((is_regular_file(mode) && !oid.is_zero() && !deleted).then_some(oid))
}
