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

/// Calls `on_blob(index, blob)` for each of `oids` in order, contents streamed: one
/// `git cat-file --batch-check` learns every size, and only the blobs within `max_size` are
/// requested from one `git cat-file --batch`. A writer thread feeds the first process and a
/// router thread forwards its answers to the second, so no pipe can fill up and deadlock.
pub(super) fn fetch_blobs(
    root: &Path,
    oids: &[Oid],
    max_size: u64,
    on_blob: &mut dyn FnMut(usize, Blob<'_>) -> Result<(), GitError>,
) -> Result<(), GitError> {
    const CHECK: &str = "git cat-file --batch-check";
    const BATCH: &str = "git cat-file --batch";
    if oids.is_empty() {
        return Ok(());
    }
    let mut check = Spawned::new(
        {
            let mut cmd = git_command(root, BOUNDED_MEMORY);
            cmd.args(["cat-file", "--batch-check", "--buffer"]);
            cmd
        },
        CHECK,
        true,
    )?;
    let mut batch = Spawned::new(
        {
            let mut cmd = git_command(root, BOUNDED_MEMORY);
            cmd.args(["cat-file", "--batch", "--buffer"]);
            cmd
        },
        BATCH,
        true,
    )?;
    let check_in = check.stdin()?;
    let check_out = check.stdout()?;
    let batch_in = batch.stdin()?;
    let batch_out = batch.stdout()?;

    let (decisions, received) = mpsc::channel::<Decision>();
    let (consumed, writer, router) = thread::scope(|scope| {
        let writer = scope.spawn(move || -> io::Result<()> {
            let mut out = BufWriter::with_capacity(64 * 1024, check_in);
            for oid in oids {
                oid.write_hex(&mut out)?;
                out.write_all(b"\n")?;
            }
            out.flush()
        });
        let router = scope.spawn(move || -> Result<(), String> {
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
        });
        let consumed = read_batch(batch_out, oids, &received, on_blob);
        if consumed.is_err() {
            // Unblock both threads (their pipes close) before the scope joins them.
            check.kill();
            batch.kill();
        }
        drop(received);
        (consumed, writer.join(), router.join())
    });

    let (check_status, check_err) = check.finish()?;
    let (batch_status, batch_err) = batch.finish()?;
    // A git that exited on its own with an error explains more than the broken pipe or short
    // output it left us; a git we killed (no exit code) after our own error does not.
    let failed_by_itself = |status: ExitStatus| !status.success() && status.code().is_some();
    if failed_by_itself(check_status) || (consumed.is_ok() && !check_status.success()) {
        return Err(command_failed(CHECK, root, check_status, &check_err));
    }
    if failed_by_itself(batch_status) || (consumed.is_ok() && !batch_status.success()) {
        return Err(command_failed(BATCH, root, batch_status, &batch_err));
    }
    consumed?;
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
        Ok(Ok(())) => Ok(()),
        Ok(Err(detail)) => Err(GitError::Parse {
            command: CHECK,
            detail,
        }),
        Err(_) => Err(thread_panicked(BATCH)),
    }
}

/// Reads `cat-file --batch` frames (`<oid> <type> <size>\n<content>\n`) in the order the router
/// requested them, and hands every decision to `on_blob`.
pub(super) fn read_batch(
    batch_out: ChildStdout,
    oids: &[Oid],
    received: &mpsc::Receiver<Decision>,
    on_blob: &mut dyn FnMut(usize, Blob<'_>) -> Result<(), GitError>,
) -> Result<(), GitError> {
    const BATCH: &str = "git cat-file --batch";
    let parse_error = |detail: String| GitError::Parse {
        command: BATCH,
        detail,
    };
    let io_error = |source: io::Error| GitError::Io {
        command: BATCH,
        source,
    };
    let mut frames = BufReader::with_capacity(256 * 1024, batch_out);
    let mut header = Vec::with_capacity(128);
    let mut content = Vec::new();
    let mut seen = 0usize;
    // Ends when the router is done (or failed: `fetch_blobs` then reports its error).
    while let Ok(decision) = received.recv() {
        seen += 1;
        match decision {
            Decision::TooLarge { index } => on_blob(index, Blob::TooLarge)?,
            Decision::Missing { index } => on_blob(index, Blob::Missing)?,
            Decision::Read { index, size } => {
                let oid = oids[index];
                header.clear();
                if frames.read_until(b'\n', &mut header).map_err(io_error)? == 0 {
                    return Err(parse_error(format!("ended before {oid}")));
                }
                match parse_object_header(&header) {
                    Some(ObjectHeader::Found {
                        oid: got,
                        size: got_size,
                    }) if got == oid && got_size == size => {}
                    Some(ObjectHeader::Missing { oid: got }) if got == oid => {
                        on_blob(index, Blob::Missing)?;
                        continue;
                    }
                    _ => {
                        return Err(parse_error(format!(
                            "expected {oid} of {size} bytes, got {:?}",
                            String::from_utf8_lossy(&header)
                        )));
                    }
                }
                content.clear();
                let want = usize::try_from(size)
                    .map_err(|_| parse_error(format!("{oid} is too large for memory")))?;
                content.reserve(want);
                (&mut frames)
                    .take(size)
                    .read_to_end(&mut content)
                    .map_err(io_error)?;
                let mut newline = [0u8; 1];
                if content.len() != want || frames.read_exact(&mut newline).is_err() {
                    return Err(parse_error(format!("{oid} was cut short")));
                }
                if newline[0] != b'\n' {
                    return Err(parse_error(format!("no newline after {oid}")));
                }
                on_blob(index, Blob::Content(&content))?;
            }
        }
    }
    if seen != oids.len() {
        return Err(parse_error(format!(
            "answered {seen} of {} objects",
            oids.len()
        )));
    }
    Ok(())
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
