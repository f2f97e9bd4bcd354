//! Atomic file output, the one path every file pcseg writes goes through
//! (model files, checkpoints, PNGs, reports, clouds): write to a temporary
//! file in the target folder, flush and fsync it, then rename it over the
//! target, so a failed or interrupted write never leaves a partial file
//! behind. On any error the temporary file is removed.
//!
//! Live temporary files are kept in a process-wide registry so a signal
//! handler can remove them ([`remove_pending_temp_files`]) before the
//! process exits. A target that exists and is not a regular file (a FIFO,
//! `/dev/null`, a terminal) is written directly, never replaced; a symbolic
//! link is written through: its final target is replaced atomically in its
//! own folder and the link stays.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A file being written; it appears at its final path only on [`commit`].
/// Dropping it uncommitted (or a failed commit) removes the temporary file.
///
/// [`commit`]: AtomicFile::commit
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    /// The temporary sibling, or `None` when the target is written directly
    /// (it exists and is not a regular file).
    temp: Option<PathBuf>,
    writer: Option<BufWriter<File>>,
    committed: bool,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Temporary files not yet renamed or removed, and whether the process is
/// shutting down (then no new temporary file is created).
struct Pending {
    paths: Vec<PathBuf>,
    closed: bool,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    paths: Vec::new(),
    closed: false,
});

fn pending() -> std::sync::MutexGuard<'static, Pending> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

fn unregister(temp: &Path) {
    let mut p = pending();
    if let Some(i) = p.paths.iter().position(|t| t == temp) {
        p.paths.swap_remove(i);
    }
}

/// Remove every temporary file still being written and refuse new ones;
/// returns how many were removed. For a signal handler about to exit the
/// process: targets keep their previous content.
pub fn remove_pending_temp_files() -> usize {
    let mut p = pending();
    p.closed = true;
    let mut removed = 0;
    for temp in p.paths.drain(..) {
        if std::fs::remove_file(&temp).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Follow symbolic links from `path` to the path finally named (which may
/// not exist yet). A relative link is relative to the link's folder.
fn resolve_links(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    // As many hops as Linux follows; a longer chain (or a loop) is left
    // for the open to report.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::read_link(&p) {
                Ok(link) if link.is_absolute() => p = link,
                Ok(link) => {
                    p = match p.parent() {
                        Some(d) => d.join(link),
                        None => link,
                    }
                }
                Err(_) => return p,
            },
            _ => return p,
        }
    }
    p
}

impl AtomicFile {
    /// Start writing `target` (through a hidden temporary sibling; directly
    /// when it exists and is not a regular file; through to the final
    /// target of a symbolic link).
    pub fn create(target: &Path) -> Result<Self> {
        // The kernel follows the links here (also /proc's, like /dev/stdout).
        if let Ok(meta) = std::fs::metadata(target) {
            if !meta.is_file() {
                if meta.is_dir() {
                    return Err(Error::io(
                        target,
                        std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a folder"),
                    ));
                }
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(target)
                    .map_err(|e| Error::io(target, e))?;
                return Ok(AtomicFile {
                    target: target.to_path_buf(),
                    temp: None,
                    writer: Some(BufWriter::with_capacity(1 << 16, file)),
                    committed: false,
                });
            }
        }
        let resolved = resolve_links(target);
        let dir = match resolved.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = resolved
            .file_name()
            .ok_or_else(|| Error::usage(format!("{}: not a file path", target.display())))?;
        let temp = dir.join(format!(
            ".{}.{}-{}.tmp",
            name.to_string_lossy(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        // Created and registered under the lock, so a signal handler either
        // sees the file or has closed the registry before it exists.
        let file = {
            let mut p = pending();
            if p.closed {
                return Err(Error::io(
                    target,
                    std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted"),
                ));
            }
            let file = File::create(&temp).map_err(|e| Error::io(target, e))?;
            p.paths.push(temp.clone());
            file
        };
        Ok(AtomicFile {
            target: resolved,
            temp: Some(temp),
            writer: Some(BufWriter::with_capacity(1 << 16, file)),
            committed: false,
        })
    }

    /// The writer to fill.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer
            .as_mut()
            .expect("AtomicFile writer used after commit")
    }

    /// Flush, sync and move the file to its final path. On error the
    /// temporary file is removed and nothing appears at the target.
    pub fn commit(mut self) -> Result<()> {
        let target = self.target.clone();
        let io = |e| Error::io(&target, e);
        let Some(temp) = self.temp.clone() else {
            // Written directly (FIFO, device): flushing is all there is.
            if let Some(w) = self.writer.take() {
                w.into_inner().map_err(|e| io(e.into_error()))?;
            }
            self.committed = true;
            return Ok(());
        };
        if let Some(w) = self.writer.take() {
            let file = w.into_inner().map_err(|e| io(e.into_error()))?;
            file.sync_all().map_err(io)?;
        }
        std::fs::rename(&temp, &self.target).map_err(io)?;
        self.committed = true;
        unregister(&temp);
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            self.writer = None;
            if let Some(temp) = &self.temp {
                let _ = std::fs::remove_file(temp);
                unregister(temp);
            }
        }
    }
}

/// Write `target` atomically with `fill`; on error nothing appears at `target`
/// (an existing file there is left untouched).
pub fn write_atomic<F>(target: &Path, fill: F) -> Result<()>
where
    F: FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
{
    let mut file = AtomicFile::create(target)?;
    fill(file.writer()).map_err(|e| Error::io(target, e))?;
    file.writer().flush().map_err(|e| Error::io(target, e))?;
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_publishes_and_failure_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.txt");
        write_atomic(&target, |w| w.write_all(b"hello")).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"hello");

        let err = write_atomic(&target, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("disk on fire"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("out.txt: disk on fire"), "{err}");
        // The old content survives and no temporary file is left behind.
        assert_eq!(std::fs::read(&target).unwrap(), b"hello");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);

        let missing = dir.path().join("no/such/dir/out.txt");
        assert!(write_atomic(&missing, |_| Ok(())).is_err());
    }

    #[test]
    fn a_failed_rename_removes_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty folder at the target: the rename over it fails.
        let target = dir.path().join("taken");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), b"x").unwrap();
        let err = write_atomic(&target, |w| w.write_all(b"data")).unwrap_err();
        assert!(err.to_string().contains("taken"), "{err}");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("taken")]);
    }
    fn names(dir: &Path) -> Vec<std::ffi::OsString> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn live_temporary_files_are_registered_until_renamed_or_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let registered = |f: &AtomicFile| pending().paths.contains(f.temp.as_ref().unwrap());
        let mut a = AtomicFile::create(&dir.path().join("a")).unwrap();
        a.writer().write_all(b"a").unwrap();
        assert!(registered(&a));
        let temp = a.temp.clone().unwrap();
        a.commit().unwrap();
        assert!(!pending().paths.contains(&temp));
        let b = AtomicFile::create(&dir.path().join("b")).unwrap();
        assert!(registered(&b));
        let temp = b.temp.clone().unwrap();
        drop(b);
        assert!(!pending().paths.contains(&temp));
        assert_eq!(names(dir.path()), vec![std::ffi::OsString::from("a")]);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_written_directly_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("out.fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(&fifo).unwrap())
        };
        write_atomic(&fifo, |w| w.write_all(b"through the pipe")).unwrap();
        // Checked first: a replaced FIFO would leave the reader blocked.
        let meta = std::fs::symlink_metadata(&fifo).unwrap();
        assert!(meta.file_type().is_fifo(), "{meta:?}");
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert_eq!(
            names(dir.path()),
            vec![std::ffi::OsString::from("out.fifo")]
        );
    }

    #[cfg(unix)]
    #[test]
    fn dev_null_stays_a_device() {
        use std::os::unix::fs::FileTypeExt;
        write_atomic(Path::new("/dev/null"), |w| w.write_all(b"gone")).unwrap();
        let meta = std::fs::symlink_metadata("/dev/null").unwrap();
        assert!(meta.file_type().is_char_device(), "{meta:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let real_dir = dir.path().join("real");
        std::fs::create_dir(&real_dir).unwrap();
        let real = real_dir.join("model.bin");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.bin");
        std::os::unix::fs::symlink("real/model.bin", &link).unwrap();
        write_atomic(&link, |w| w.write_all(b"new")).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        assert_eq!(
            names(&real_dir),
            vec![std::ffi::OsString::from("model.bin")]
        );
        // A dangling link gets its target created.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(real_dir.join("fresh.bin"), &dangling).unwrap();
        write_atomic(&dangling, |w| w.write_all(b"fresh")).unwrap();
        assert!(std::fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(real_dir.join("fresh.bin")).unwrap(), b"fresh");
    }
}
