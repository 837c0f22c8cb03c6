//! Blob contents through one `git cat-file --batch-check` (sizes) feeding one
//! `git cat-file --batch` (contents of the blobs within the size limit).

use super::*;

// ---------------------------------------------------------------------------------------------
// Blob contents: one `cat-file --batch-check` feeding one `cat-file --batch`

pub(super) enum Blob<'a> {
    Content(&'a [u8]),
    TooLarge,
    Missing,
}

#[derive(Clone)]
pub(super) enum Fetched {
    Content(Vec<u8>),
    TooLarge,
    Missing,
}

/// What the router thread decided for the blob at `index`.
pub(super) enum Decision {
    Read { index: usize, size: u64 },
    TooLarge { index: usize },
    Missing { index: usize },
}

/// Calls `on_blob(index, blob)` for each of `oids`, contents streamed: a
/// `git cat-file --batch-check` learns every size, and only the blobs within `max_size` are
/// requested from a `git cat-file --batch`. A writer thread feeds the first process and a
/// router thread forwards its answers to the second, so no pipe can fill up and deadlock.
///
/// There are `lanes` such pairs, `lane_of(index)` choosing each blob's: inflating blobs is most
/// of a history scan's CPU time, and one git process uses one core. Blobs come in the order of
/// `oids` within a lane, the lanes taking turns; blobs whose pack deltas chain together
/// (versions of one path) belong in one lane, or both processes would inflate the chain.
pub(super) fn fetch_blobs_in_lanes(
    root: &Path,
    oids: &[Oid],
    lanes: usize,
    lane_of: &dyn Fn(usize) -> usize,
    max_size: u64,
    on_blob: &mut dyn FnMut(usize, Blob<'_>) -> Result<(), GitError>,
) -> Result<(), GitError> {
    let lanes = lanes.max(1);
    // Each lane's objects, and where each stands in `oids`.
    let mut members: Vec<(Vec<Oid>, Vec<usize>)> = vec![(Vec::new(), Vec::new()); lanes];
    for (index, oid) in oids.iter().enumerate() {
        let (lane_oids, indices) = &mut members[lane_of(index) % lanes];
        lane_oids.push(*oid);
        indices.push(index);
    }
    members.retain(|(lane_oids, _)| !lane_oids.is_empty());
    if members.is_empty() {
        return Ok(());
    }
    let mut processes = Vec::with_capacity(members.len());
    for _ in &members {
        processes.push(CatFiles::spawn(root)?);
    }
    fetch_through(root, &members, processes, max_size, on_blob)
}

/// The blobs of each lane (`members`: object ids and their indices in the caller's list)
/// through that lane's `processes`.
fn fetch_through(
    root: &Path,
    members: &[(Vec<Oid>, Vec<usize>)],
    mut processes: Vec<CatFiles>,
    max_size: u64,
    on_blob: &mut dyn FnMut(usize, Blob<'_>) -> Result<(), GitError>,
) -> Result<(), GitError> {
    let mut pipes = Vec::with_capacity(members.len());
    for process in &mut processes {
        pipes.push(process.pipes()?);
    }

    let (consumed, threads) = thread::scope(|scope| {
        let mut readers = Vec::with_capacity(members.len());
        let mut threads = Vec::with_capacity(members.len());
        for ((lane_oids, indices), pipes) in members.iter().zip(pipes) {
            let (decisions, received) = mpsc::channel::<Decision>();
            let CatFilePipes {
                check_in,
                check_out,
                batch_in,
                batch_out,
            } = pipes;
            let writer = scope.spawn(move || write_requests(lane_oids, check_in));
            let router =
                scope.spawn(move || route(lane_oids, max_size, check_out, batch_in, &decisions));
            threads.push((writer, router));
            readers.push(LaneReader::new(lane_oids, indices, received, batch_out));
        }
        let consumed = read_lanes(&mut readers, on_blob);
        if consumed.is_err() {
            // Unblock the threads (their pipes close) before the scope joins them.
            for process in &mut processes {
                process.check.kill();
                process.batch.kill();
            }
        }
        drop(readers);
        let threads: Vec<_> = threads
            .into_iter()
            .map(|(writer, router)| (writer.join(), router.join()))
            .collect();
        (consumed, threads)
    });

    for process in processes {
        process.finish(root, consumed.is_ok())?;
    }
    // Our own error first: the threads then only saw the pipes we closed.
    consumed?;
    for (writer, router) in threads {
        match writer {
            Ok(Ok(())) => {}
            Ok(Err(source)) => {
                return Err(GitError::Io {
                    command: CHECK,
                    source,
                });
            }
            Err(_) => return Err(thread_panicked(CHECK)),
        }
        match router {
            Ok(Ok(())) => {}
            Ok(Err(detail)) => {
                return Err(GitError::Parse {
                    command: CHECK,
                    detail,
                });
            }
            Err(_) => return Err(thread_panicked(BATCH)),
        }
    }
    Ok(())
}

const CHECK: &str = "git cat-file --batch-check";
const BATCH: &str = "git cat-file --batch";

/// One lane's `cat-file --batch-check` and `cat-file --batch`. `--staged` starts a pair
/// while `git diff` runs, so that their start-up is not in its path; dropped unused, they are
/// killed.
pub(super) struct CatFiles {
    check: Spawned,
    batch: Spawned,
}

struct CatFilePipes {
    check_in: std::process::ChildStdin,
    check_out: ChildStdout,
    batch_in: std::process::ChildStdin,
    batch_out: ChildStdout,
}

impl CatFiles {
    pub(super) fn spawn(root: &Path) -> Result<CatFiles, GitError> {
        let command = |mode: &str| {
            let mut cmd = git_command(root, BOUNDED_MEMORY);
            cmd.args(["cat-file", mode, "--buffer"]);
            cmd
        };
        Ok(CatFiles {
            check: Spawned::new(command("--batch-check"), CHECK, true)?,
            batch: Spawned::new(command("--batch"), BATCH, true)?,
        })
    }

    /// [`fetch_blobs_in_lanes`] with one lane: this pair, `oids` in order.
    pub(super) fn fetch(
        self,
        root: &Path,
        oids: &[Oid],
        max_size: u64,
        on_blob: &mut dyn FnMut(usize, Blob<'_>) -> Result<(), GitError>,
    ) -> Result<(), GitError> {
        if oids.is_empty() {
            return Ok(());
        }
        let members = [(oids.to_vec(), (0..oids.len()).collect())];
        fetch_through(root, &members, vec![self], max_size, on_blob)
    }

    fn pipes(&mut self) -> Result<CatFilePipes, GitError> {
        Ok(CatFilePipes {
            check_in: self.check.stdin()?,
            check_out: self.check.stdout()?,
            batch_in: self.batch.stdin()?,
            batch_out: self.batch.stdout()?,
        })
    }

    /// Waits for both processes. A git that exited on its own with an error explains more
    /// than the broken pipe or short output it left us; a git we killed (no exit code) after
    /// our own error does not.
    fn finish(self, root: &Path, consumed: bool) -> Result<(), GitError> {
        let (check_status, check_err) = self.check.finish()?;
        let (batch_status, batch_err) = self.batch.finish()?;
        let failed_by_itself = |status: ExitStatus| !status.success() && status.code().is_some();
        if failed_by_itself(check_status) || (consumed && !check_status.success()) {
            return Err(command_failed(CHECK, root, check_status, &check_err));
        }
        if failed_by_itself(batch_status) || (consumed && !batch_status.success()) {
            return Err(command_failed(BATCH, root, batch_status, &batch_err));
        }
        Ok(())
    }
}

/// Writer thread: every object id to `cat-file --batch-check`.
fn write_requests(oids: &[Oid], check_in: std::process::ChildStdin) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(64 * 1024, check_in);
    for oid in oids {
        oid.write_hex(&mut out)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Router thread: reads each size from `cat-file --batch-check`, sends the decision to the
/// reader and requests the blobs within `max_size` from `cat-file --batch`.
fn route(
    oids: &[Oid],
    max_size: u64,
    check_out: ChildStdout,
    batch_in: std::process::ChildStdin,
    decisions: &mpsc::Sender<Decision>,
) -> Result<(), String> {
    let mut answers = BufReader::with_capacity(64 * 1024, check_out);
    let mut requests = BufWriter::with_capacity(64 * 1024, batch_in);
    let mut line = Vec::with_capacity(128);
    for (index, oid) in oids.iter().enumerate() {
        line.clear();
        match answers.read_until(b'\n', &mut line) {
            Ok(0) => return Err(format!("{CHECK} stopped after {index} objects")),
            Ok(_) => {}
            Err(e) => return Err(format!("reading from {CHECK}: {e}")),
        }
        let decision = match parse_object_header(&line) {
            Some(ObjectHeader::Found {
                oid: seen, size, ..
            }) if seen == *oid => {
                if size > max_size {
                    Decision::TooLarge { index }
                } else {
                    Decision::Read { index, size }
                }
            }
            Some(ObjectHeader::Missing { oid: seen }) if seen == *oid => {
                Decision::Missing { index }
            }
            _ => {
                return Err(format!(
                    "{CHECK} answered {:?} for {oid}",
                    String::from_utf8_lossy(&line)
                ));
            }
        };
        let read = matches!(decision, Decision::Read { .. });
        if decisions.send(decision).is_err() {
            return Ok(()); // the reader gave up; it reports why
        }
        if read {
            let sent = oid
                .write_hex(&mut requests)
                .and_then(|()| requests.write_all(b"\n"));
            if let Err(e) = sent {
                return Err(format!("writing to {BATCH}: {e}"));
            }
        }
    }
    requests
        .flush()
        .map_err(|e| format!("writing to {BATCH}: {e}"))
    // `requests` drops here: cat-file --batch sees end of input and exits when done.
}

/// The reading end of one lane: the router's decisions and `cat-file --batch`'s frames.
pub(super) struct LaneReader<'a> {
    oids: &'a [Oid],
    /// Where each of `oids` stands in the caller's list.
    indices: &'a [usize],
    received: mpsc::Receiver<Decision>,
    frames: BufReader<ChildStdout>,
    seen: usize,
    done: bool,
}

impl<'a> LaneReader<'a> {
    fn new(
        oids: &'a [Oid],
        indices: &'a [usize],
        received: mpsc::Receiver<Decision>,
        batch_out: ChildStdout,
    ) -> Self {
        LaneReader {
            oids,
            indices,
            received,
            frames: BufReader::with_capacity(256 * 1024, batch_out),
            seen: 0,
            done: false,
        }
    }
}

/// Takes one blob from each unfinished lane in turn, so that every lane's git keeps working
/// while the others are read, until all are done.
fn read_lanes(
    lanes: &mut [LaneReader<'_>],
    on_blob: &mut dyn FnMut(usize, Blob<'_>) -> Result<(), GitError>,
) -> Result<(), GitError> {
    let mut content = Vec::new();
    let mut header = Vec::with_capacity(128);
    while lanes.iter().any(|lane| !lane.done) {
        for lane in lanes.iter_mut().filter(|lane| !lane.done) {
            read_one(lane, &mut header, &mut content, on_blob)?;
        }
    }
    Ok(())
}

/// Reads `cat-file --batch` frames (`<oid> <type> <size>\n<content>\n`) in the order the router
/// requested them: the lane's next decision, handed to `on_blob`. Marks the lane done when the
/// router is (or failed: `fetch_blobs_in_lanes` then reports its error).
fn read_one(
    lane: &mut LaneReader<'_>,
    header: &mut Vec<u8>,
    content: &mut Vec<u8>,
    on_blob: &mut dyn FnMut(usize, Blob<'_>) -> Result<(), GitError>,
) -> Result<(), GitError> {
    let parse_error = |detail: String| GitError::Parse {
        command: BATCH,
        detail,
    };
    let io_error = |source: io::Error| GitError::Io {
        command: BATCH,
        source,
    };
    let Ok(decision) = lane.received.recv() else {
        lane.done = true;
        if lane.seen != lane.oids.len() {
            return Err(parse_error(format!(
                "answered {} of {} objects",
                lane.seen,
                lane.oids.len()
            )));
        }
        return Ok(());
    };
    lane.seen += 1;
    match decision {
        Decision::TooLarge { index } => on_blob(lane.indices[index], Blob::TooLarge),
        Decision::Missing { index } => on_blob(lane.indices[index], Blob::Missing),
        Decision::Read { index, size } => {
            let oid = lane.oids[index];
            let frames = &mut lane.frames;
            header.clear();
            if frames.read_until(b'\n', header).map_err(io_error)? == 0 {
                return Err(parse_error(format!("ended before {oid}")));
            }
            match parse_object_header(header) {
                Some(ObjectHeader::Found {
                    oid: got,
                    size: got_size,
                }) if got == oid && got_size == size => {}
                Some(ObjectHeader::Missing { oid: got }) if got == oid => {
                    return on_blob(lane.indices[index], Blob::Missing);
                }
                _ => {
                    return Err(parse_error(format!(
                        "expected {oid} of {size} bytes, got {:?}",
                        String::from_utf8_lossy(header)
                    )));
                }
            }
            content.clear();
            let want = usize::try_from(size)
                .map_err(|_| parse_error(format!("{oid} is too large for memory")))?;
            content.reserve(want);
            (&mut *frames)
                .take(size)
                .read_to_end(content)
                .map_err(io_error)?;
            let mut newline = [0u8; 1];
            if content.len() != want || frames.read_exact(&mut newline).is_err() {
                return Err(parse_error(format!("{oid} was cut short")));
            }
            if newline[0] != b'\n' {
                return Err(parse_error(format!("no newline after {oid}")));
            }
            on_blob(lane.indices[index], Blob::Content(content.as_slice()))
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum ObjectHeader {
    Found { oid: Oid, size: u64 },
    Missing { oid: Oid },
}

/// Parses `<oid> <type> <size>\n` or `<oid> missing\n` (also `ambiguous`: treated as missing).
/// Any type is accepted: trees listed with a file mode would be a corrupt repository, and the
/// scanner sees their bytes like any other content.
pub(super) fn parse_object_header(line: &[u8]) -> Option<ObjectHeader> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let mut fields = line.split(|&b| b == b' ');
    let oid = Oid::from_hex(fields.next()?)?;
    let kind = fields.next()?;
    if kind == b"missing" || kind == b"ambiguous" {
        return Some(ObjectHeader::Missing { oid });
    }
    let size = std::str::from_utf8(fields.next()?).ok()?.parse().ok()?;
    if fields.next().is_some() {
        return None;
    }
    Some(ObjectHeader::Found { oid, size })
}
