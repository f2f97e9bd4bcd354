//! The library's error type. Every error that concerns a file names the file,
//! and where known the line or element, so the CLI can print it on one line.

use std::fmt;
use std::path::Path;

/// Errors returned by the pcseg library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An operating-system error while reading or writing `path`.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned (`<stdin>` / `<stdout>` for pipes).
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The content of `path` is malformed or not what pcseg can use.
    #[error("{path}: {}{message}", Location(*.line))]
    Data {
        /// The file concerned.
        path: String,
        /// 1-based line (text formats) where the problem is, when known.
        line: Option<u64>,
        /// What is wrong, in words.
        message: String,
    },
    /// A bad argument or combination of options.
    #[error("{0}")]
    Usage(String),
    /// A model or checkpoint that cannot serve: missing or misshapen tensors,
    /// a bad config, no classifier where one is needed, training that
    /// diverged.
    #[error("{0}")]
    Model(String),
    /// A broken invariant inside pcseg (a bug): please report it.
    #[error("internal error: {0}")]
    Internal(String),
}

struct Location(Option<u64>);

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, "line {line}: "),
            None => Ok(()),
        }
    }
}

/// Result alias used throughout the library.
pub type Result<T> = std::result::Result<T, Error>;

/// How a path is shown in messages: `-` becomes `<stdin>`.
pub fn display_path(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: display_path(path),
            source,
        }
    }

    /// A content error in `path`, optionally at a 1-based `line`.
    pub fn data(path: &Path, line: Option<u64>, message: impl Into<String>) -> Self {
        Error::Data {
            path: display_path(path),
            line,
            message: message.into(),
        }
    }

    /// A usage error (bad option value, impossible combination).
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    /// A [`Error::Model`] error.
    pub fn model(message: impl Into<String>) -> Self {
        Error::Model(message.into())
    }

    /// An [`Error::Internal`] error.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal(message.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_and_name_the_file() {
        let e = Error::data(Path::new("scan.ply"), Some(12), "expected 3 floats, got 2");
        assert_eq!(e.to_string(), "scan.ply: line 12: expected 3 floats, got 2");
        let e = Error::data(Path::new("-"), None, "empty cloud");
        assert_eq!(e.to_string(), "<stdin>: empty cloud");
        let e = Error::io(
            Path::new("missing.ply"),
            std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory"),
        );
        assert_eq!(e.to_string(), "missing.ply: No such file or directory");
    }
}
