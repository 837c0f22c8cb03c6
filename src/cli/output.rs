//! Where every `-o FILE` goes: a file written whole or not at all.
//!
//! A regular file (or a path that does not exist yet) is written to a temporary file in the
//! same directory, created when the output is opened (so a directory that cannot be written
//! fails at once), and renamed over the target only when the content is complete: on an error
//! the old file stays as it was and the temporary file is removed. Anything else — a device
//! such as `/dev/null` or `/dev/stdout`, a FIFO, a symbolic link — is opened and written in
//! place, never replaced: a rename would turn `/dev/null` into a plain file and cut a link.

use std::fs::{File, Permissions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tempfile::NamedTempFile;

/// An output being written; [`Output::commit`] makes it the file's content.
pub struct Output {
    path: Option<PathBuf>,
    sink: Sink,
    /// Whether a staged file reaches the disk before it is put in place: what stray alone
    /// holds (a baseline of accepted findings) must survive a crash whole, old or new; a
    /// report the next scan writes again need not wait milliseconds for the disk, and
    /// replaces its old file by removing it just before the rename.
    durable: bool,
}

enum Sink {
    Stdout(BufWriter<std::io::Stdout>),
    /// Written through the path itself (a device, a FIFO, a link).
    InPlace(BufWriter<File>),
    /// A temporary file beside the target, renamed over it on commit.
    Staged {
        file: BufWriter<NamedTempFile>,
        /// The replaced file's permissions, kept by the new one.
        permissions: Option<Permissions>,
        target: PathBuf,
    },
}

impl Output {
    /// Standard output for `None`, else the file at `path`, staged when it can be. `what`
    /// names the file in errors ("report file", "baseline").
    pub fn open(path: Option<&Path>, what: &str) -> Result<Output> {
        Output::open_as(path, what, true)
    }

    /// As [`Output::open`], for a report that a run writes again: put in place whole, but
    /// without waiting for the disk first.
    pub fn open_report(path: Option<&Path>, what: &str) -> Result<Output> {
        Output::open_as(path, what, false)
    }

    fn open_as(path: Option<&Path>, what: &str, durable: bool) -> Result<Output> {
        let Some(path) = path else {
            return Ok(Output {
                path: None,
                sink: Sink::Stdout(BufWriter::new(std::io::stdout())),
                durable,
            });
        };
        let cannot = || format!("cannot create {what} {}", path.display());
        let existing = match std::fs::symlink_metadata(path) {
            Ok(metadata) => Some(metadata),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => return Err(error).with_context(cannot),
        };
        let sink = match existing {
            Some(metadata) if !metadata.file_type().is_file() => {
                Sink::InPlace(BufWriter::new(File::create(path).with_context(cannot)?))
            }
            existing => match staged(path) {
                Ok(file) => Sink::Staged {
                    file: BufWriter::new(file),
                    permissions: existing.map(|m| m.permissions()),
                    target: path.to_path_buf(),
                },
                // A directory that refuses new files but a file that may be rewritten: write
                // it in place, as before, rather than refuse.
                Err(_) if existing.is_some() => {
                    Sink::InPlace(BufWriter::new(File::create(path).with_context(cannot)?))
                }
                Err(error) => return Err(error).with_context(cannot),
            },
        };
        Ok(Output {
            path: Some(path.to_path_buf()),
            sink,
            durable,
        })
    }

    /// The file, or `None` for standard output.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The files this output touches: the target and, while staged, its temporary file (a
    /// scan leaves them out of its walk).
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self.path.iter().cloned().collect();
        if let Sink::Staged { file, .. } = &self.sink {
            files.push(file.get_ref().path().to_path_buf());
        }
        files
    }

    pub fn writer(&mut self) -> &mut dyn Write {
        match &mut self.sink {
            Sink::Stdout(out) => out,
            Sink::InPlace(out) => out,
            Sink::Staged { file, .. } => file,
        }
    }

    /// Flushes and, for a staged file, puts it in place of the target. Dropping an output
    /// without committing it leaves the target as it was.
    pub fn commit(self) -> Result<()> {
        let writing = || match &self.path {
            Some(path) => format!("writing {}", path.display()),
            None => "writing to standard output".to_string(),
        };
        match self.sink {
            Sink::Stdout(mut out) => out.flush().with_context(writing),
            Sink::InPlace(mut out) => out.flush().with_context(writing),
            Sink::Staged {
                file,
                permissions,
                target,
            } => {
                let file = file
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(writing)?;
                if let Some(permissions) = permissions {
                    file.as_file()
                        .set_permissions(permissions)
                        .with_context(writing)?;
                }
                if self.durable {
                    file.as_file().sync_all().with_context(writing)?;
                } else {
                    // Renamed over an old file, ext4 writes the new one out at once (its
                    // replace-by-rename safeguard): milliseconds for a report the next scan
                    // writes again. The old one goes first, the new one an instant after; if
                    // it cannot go, the rename replaces it.
                    let _ = std::fs::remove_file(&target);
                }
                file.persist(&target)
                    .map_err(|e| e.error)
                    .with_context(|| format!("cannot replace {}", target.display()))?;
                Ok(())
            }
        }
    }
}

/// A temporary file in `path`'s directory, hidden and named after it, with the permissions a
/// new file gets (0666 less the umask, as `File::create` gives).
fn staged(path: &Path) -> std::io::Result<NamedTempFile> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(path.file_name().unwrap_or_default());
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) -> Output {
        let mut out = Output::open(Some(path), "report file").expect("open");
        out.writer().write_all(text.as_bytes()).expect("write");
        out
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn a_report_replaces_the_old_one_only_when_complete() {
        for open in [Output::open, Output::open_report] {
            replaces_only_when_complete(open);
        }
    }

    fn replaces_only_when_complete(open: fn(Option<&Path>, &str) -> Result<Output>) {
        let write = |path: &Path, text: &str| {
            let mut out = open(Some(path), "report file").expect("open");
            out.writer().write_all(text.as_bytes()).expect("write");
            out
        };
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("report.json");
        std::fs::write(&path, "old").expect("seed");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, Permissions::from_mode(0o600)).expect("chmod");
        }
        let out = write(&path, "half a rep");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "old");
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "old");
        assert!(leftovers(dir.path()).is_empty(), "temporary file removed");

        write(&path, "new").commit().expect("commit");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        assert!(leftovers(dir.path()).is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the replaced file's permissions kept");
        }
    }

    #[test]
    fn a_new_report_appears_only_on_commit() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("new.json");
        let out = write(&path, "x");
        assert!(!path.exists());
        out.commit().expect("commit");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "x");
    }

    #[test]
    fn an_unwritable_directory_fails_at_open() {
        let error = Output::open(Some(Path::new("/nonexistent/dir/x.json")), "report file")
            .err()
            .expect("fails");
        assert!(
            format!("{error:#}").contains("cannot create report file /nonexistent/dir/x.json"),
            "{error:#}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_old_files_permissions_are_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("report.json");
        std::fs::write(&path, "old").expect("seed");
        std::fs::set_permissions(&path, Permissions::from_mode(0o640)).expect("chmod");
        write(&path, "new").commit().expect("commit");
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_links_are_written_in_place() {
        use std::os::unix::fs::FileTypeExt;
        write(Path::new("/dev/null"), "gone")
            .commit()
            .expect("null");
        let null = std::fs::metadata("/dev/null").expect("stat");
        assert!(null.file_type().is_char_device(), "still a device");

        let dir = tempfile::tempdir().expect("dir");
        let real = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        std::fs::write(&real, "old").expect("seed");
        std::os::unix::fs::symlink(&real, &link).expect("link");
        write(&link, "new").commit().expect("commit");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("stat")
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).expect("read"), "new");
    }
}
