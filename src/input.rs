//! Reading input files (vault exports, rule packs, `.stray.toml`, baselines, JSON results) with
//! bounds: only regular files are opened, never one inside a pseudo-filesystem, and never more
//! than a limit is read, so `/dev/zero`, a named pipe or `/proc/kmsg` costs an error, not a hang
//! or the machine's memory.

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
