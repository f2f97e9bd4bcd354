//! Library errors as Python exceptions, with the one-line message the CLI
//! prints after `pcseg: error: `.

use pcseg::error::Error;
use pyo3::exceptions::{
    PyFileNotFoundError, PyOSError, PyPermissionError, PyRuntimeError, PyValueError,
};
use pyo3::PyErr;
use std::io::ErrorKind;

/// `Io` errors become `OSError` (`FileNotFoundError`, `PermissionError` when
/// that is the cause); bad content, bad arguments and unusable models
/// `ValueError`; a broken invariant `RuntimeError`.
pub fn to_py(e: Error) -> PyErr {
    let message = e.to_string();
    match &e {
        Error::Io { source, .. } => match source.kind() {
            ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
            ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
            _ => PyOSError::new_err(message),
        },
        Error::Data { .. } | Error::Usage(_) | Error::Model(_) => PyValueError::new_err(message),
        Error::Internal(_) => PyRuntimeError::new_err(message),
    }
}

/// A `ValueError` worded like a library data error: `name: message`.
pub fn value_error(name: &str, message: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("{name}: {message}"))
}
