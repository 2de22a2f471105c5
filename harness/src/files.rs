//! Reading data directories: every file with one extension, in name order, as
//! `(path, contents)` pairs for the parsers of the contract and scenario data.

use std::path::Path;

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
