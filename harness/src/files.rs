//! Files in and out: reading data directories (every file with one extension, in name order, as
//! `(path, contents)` pairs for the parsers of the contract and scenario data), and writing one
//! file with its directory.

use std::path::{Path, PathBuf};

/// Why a data file (a pack, a scenario file) cannot be used: it cannot be read, it is not TOML
/// (the message carries the line and column), or a row of it is invalid (`place` names the
/// scenario and step, or the row, where there is one). The one error type of the data files.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Toml {
        path: String,
        #[source]
        source: toml::de::Error,
    },
    #[error("{path}: {place}{reason}")]
    Invalid {
        path: String,
        /// `scenario "x", step "y": `, or empty for the file as a whole.
        place: String,
        reason: String,
    },
}

impl DataError {
    /// An invalid file, with no place inside it.
    pub fn invalid(path: impl Into<String>, reason: impl Into<String>) -> DataError {
        DataError::Invalid {
            path: path.into(),
            place: String::new(),
            reason: reason.into(),
        }
    }
}

impl From<ReadError> for DataError {
    fn from(e: ReadError) -> DataError {
        DataError::Io {
            path: e.path,
            source: e.source,
        }
    }
}

/// The path that could not be read, and why.
#[derive(Debug)]
pub struct ReadError {
    pub path: String,
    pub source: std::io::Error,
}

/// Every `*.<ext>` file directly in `dir`, sorted by path.
pub fn read_dir_with_ext(dir: &Path, ext: &str) -> Result<Vec<(String, String)>, ReadError> {
    let err = |path: &Path| {
        let path = path.display().to_string();
        move |source| ReadError { path, source }
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(err(dir))? {
        let p = entry.map_err(err(dir))?.path();
        if p.extension().is_some_and(|e| e == ext) {
            let text = std::fs::read_to_string(&p).map_err(err(&p))?;
            files.push((p.display().to_string(), text));
        }
    }
    files.sort();
    Ok(files)
}

/// The path that could not be written (the file, or the directory made for it), and why.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Creates the directory `path` goes into, if it has one.
pub fn create_parent(path: &Path) -> Result<(), WriteError> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|source| WriteError {
            path: dir.to_path_buf(),
            source,
        }),
        None => Ok(()),
    }
}

/// Writes `bytes` to `path`, creating its directory first.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    create_parent(path)?;
    std::fs::write(path, bytes).map_err(|source| WriteError {
        path: path.to_path_buf(),
        source,
    })
}
