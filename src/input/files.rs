//! Reading input files (vault exports, rule packs, `.stray.toml`, baselines, JSON results) with
//! bounds: only regular files are opened, never one inside a pseudo-filesystem, and never more
//! than a limit is read, so `/dev/zero`, a named pipe or `/proc/kmsg` costs an error, not a hang
//! or the machine's memory. Walked files are opened and read here too, with the fewest system
//! calls per file ([`open_unblocked`], [`read_to_end_at_once`]).

use std::io::Read;
use std::path::Path;

/// Largest vault export, fingerprint file or JSON result read (`--vault`, `stray merge`,
/// `stray inventory import`).
pub const MAX_EXPORT_SIZE: u64 = 256 << 20;
/// Largest rule pack, `.stray.toml` or baseline read.
pub const MAX_SMALL_INPUT: u64 = 16 << 20;

/// Directories holding pseudo-filesystems on Unix: their files are not data (`/proc/kmsg`
/// blocks and consumes the kernel log, `/dev/zero` never ends).
pub const PSEUDO_FILESYSTEMS: &[&str] = &["/proc", "/sys", "/dev"];

/// Why an input file was refused before it was read. Carried inside the [`std::io::Error`]
/// the readers return, so each caller's error names the path and says what the file was for.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("{0}, not a regular file (only regular files are read)")]
    NotRegular(&'static str),
    #[error("inside {0}, a pseudo-filesystem (its files are not read)")]
    PseudoFilesystem(&'static str),
    #[error("larger than {} (the limit for this input)", human(*.0))]
    TooLarge(u64),
}

impl From<Refused> for std::io::Error {
    fn from(refused: Refused) -> Self {
        let kind = match refused {
            Refused::TooLarge(_) => std::io::ErrorKind::FileTooLarge,
            _ => std::io::ErrorKind::InvalidInput,
        };
        std::io::Error::new(kind, refused)
    }
}

/// `256 MiB`, or bytes for a limit that is not a whole number of MiB.
fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// What a file that is neither a regular file nor a directory is: `a named pipe (FIFO)`, …
pub fn special_kind(file_type: std::fs::FileType) -> Option<&'static str> {
    if file_type.is_file() || file_type.is_dir() || file_type.is_symlink() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
    }
    Some("a special file")
}

/// The pseudo-filesystem `path` lies in (`/proc`), after symbolic links are resolved.
pub fn pseudo_filesystem(path: &Path) -> Option<&'static str> {
    if !cfg!(unix) {
        return None;
    }
    let canonical = std::fs::canonicalize(path).ok()?;
    PSEUDO_FILESYSTEMS
        .iter()
        .copied()
        .find(|dir| canonical.starts_with(dir))
}

/// The whole of the regular file at `path`, if it is at most `limit` bytes. A FIFO, socket or
/// device, a file under `/proc`, `/sys` or `/dev`, and a file over the limit are refused without
/// being read (the size is checked before reading, and the read stops one byte past the limit
/// for files whose size is not known in advance).
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if let Some(what) = special_kind(meta.file_type()) {
        return Err(Refused::NotRegular(what).into());
    }
    if meta.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "a directory, not a file",
        ));
    }
    if let Some(dir) = pseudo_filesystem(path) {
        return Err(Refused::PseudoFilesystem(dir).into());
    }
    if meta.len() > limit {
        return Err(Refused::TooLarge(limit).into());
    }
    let file = std::fs::File::open(path)?;
    // Replaced between the check and the open: check what was opened.
    if let Some(what) = special_kind(file.metadata()?.file_type()) {
        return Err(Refused::NotRegular(what).into());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(Refused::TooLarge(limit).into());
    }
    Ok(bytes)
}

/// Opens a walked file for reading. On Unix without blocking: a named pipe put where the walk
/// listed a regular file does not hold the thread until a writer comes, so its type can be
/// checked on the open file (one path look-up, not two). Reads of a regular file ignore the flag.
pub fn open_unblocked(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Appends what is left of `file` to `buffer`, at most `limit` bytes, each read asking for all
/// the room `buffer` has: `read_to_end` starts at 8 KiB and doubles, five reads for a 100 KB
/// file that, with its size reserved, takes two here (the second sees the end).
pub fn read_to_end_at_once(
    file: &mut std::fs::File,
    buffer: &mut Vec<u8>,
    limit: u64,
) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let start = buffer.len();
        loop {
            let left = limit.saturating_sub((buffer.len() - start) as u64);
            if left == 0 {
                return Ok(());
            }
            if buffer.len() == buffer.capacity() {
                buffer.try_reserve(buffer.len().max(8192))?;
            }
            let spare = buffer.spare_capacity_mut();
            let room = usize::try_from(left).map_or(spare.len(), |left| left.min(spare.len()));
            let read = read_into(file, &mut spare[..room])?;
            if read == 0 {
                return Ok(());
            }
            // SAFETY: `read` bytes at the start of the spare capacity were written by the read.
            unsafe { buffer.set_len(buffer.len() + read) };
        }
    }
    #[cfg(not(unix))]
    {
        file.by_ref().take(limit).read_to_end(buffer).map(|_| ())
    }
}

/// One `read(2)` into `room`, retried when interrupted.
#[cfg(unix)]
fn read_into(
    file: &std::fs::File,
    room: &mut [std::mem::MaybeUninit<u8>],
) -> std::io::Result<usize> {
    use std::os::fd::AsRawFd;
    loop {
        // SAFETY: `room` is writable memory of `room.len()` bytes; `read` writes at most that.
        let read = unsafe { libc::read(file.as_raw_fd(), room.as_mut_ptr().cast(), room.len()) };
        if let Ok(read) = usize::try_from(read) {
            return Ok(read);
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// [`read_bounded`] as UTF-8 text.
pub fn read_bounded_string(path: &Path, limit: u64) -> std::io::Result<String> {
    String::from_utf8(read_bounded(path, limit)?).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_up_to_the_limit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"0123456789").expect("write");
        assert_eq!(
            read_bounded(&path, 10).expect("at the limit"),
            b"0123456789"
        );
        let err = read_bounded(&path, 9).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
        assert!(err.to_string().starts_with("larger than 9 bytes"), "{err}");
        let err = read_bounded(dir.path(), 10).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::IsADirectory);
    }

    #[test]
    fn a_sparse_file_over_the_limit_is_refused_from_its_size() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("huge.json");
        let file = std::fs::File::create(&path).expect("create");
        file.set_len(MAX_EXPORT_SIZE + 1).expect("sparse");
        let err = read_bounded(&path, MAX_EXPORT_SIZE).unwrap_err();
        assert!(err.to_string().contains("256 MiB"), "{err}");
    }

    #[test]
    fn reads_to_the_end_or_the_limit_after_what_the_buffer_holds() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("data.bin");
        let content: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &content).expect("write");

        // Room for the whole file reserved, as a scan reserves it: all of it.
        let mut file = open_unblocked(&path).expect("open");
        let mut buffer = Vec::with_capacity(content.len() + 1);
        read_to_end_at_once(&mut file, &mut buffer, u64::MAX).expect("read");
        assert_eq!(buffer, content);

        // No room reserved (the file grew since its size was read): the buffer grows.
        let mut file = open_unblocked(&path).expect("open");
        let mut buffer = b"head".to_vec();
        read_to_end_at_once(&mut file, &mut buffer, u64::MAX).expect("read");
        assert_eq!(&buffer[..4], b"head");
        assert_eq!(&buffer[4..], &content[..]);

        // A limit stops the read there, counted from what the buffer held.
        let mut file = open_unblocked(&path).expect("open");
        let mut buffer = b"ab".to_vec();
        read_to_end_at_once(&mut file, &mut buffer, 10).expect("read");
        assert_eq!(buffer.len(), 12);
        assert_eq!(&buffer[2..], &content[..10]);
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_opens_without_a_writer_and_shows_what_it_is() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pipe = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&pipe).status();
        if !made.is_ok_and(|status| status.success()) {
            eprintln!("mkfifo unavailable: skipping");
            return;
        }
        // Without O_NONBLOCK this open waits for a writer that never comes.
        let file = open_unblocked(&pipe).expect("open");
        let kind = special_kind(file.metadata().expect("metadata").file_type());
        assert_eq!(kind, Some("a named pipe (FIFO)"));
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_pseudo_filesystems_are_refused() {
        let err = read_bounded(Path::new("/dev/zero"), MAX_SMALL_INPUT).unwrap_err();
        assert!(err.to_string().contains("a character device"), "{err}");
        if Path::new("/proc/self/status").exists() {
            let err = read_bounded(Path::new("/proc/self/status"), MAX_SMALL_INPUT).unwrap_err();
            assert!(err.to_string().contains("inside /proc"), "{err}");
        }
    }
}
