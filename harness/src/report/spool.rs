//! Verdicts kept on disk between the event stream and the file reports, so that a run's memory
//! does not grow with its number of cases. Each report spools every verdict already rendered in
//! its own format to an anonymous temporary file; only the verdict's sort key and position stay in
//! memory (about 40 bytes a verdict), and writing the report is copying in sorted order.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
#[cfg(not(unix))]
use std::io::{Read, Seek, SeekFrom};

/// Where one verdict is, and what it sorts by.
struct Entry {
    op: u32,
    id: IdKey,
    offset: u64,
    len: u32,
}

/// A case id: generated ids are 16 hex digits and fit a `u64`; any other id is kept as text.
/// Both compare as the text would.
#[derive(PartialEq, Eq)]
enum IdKey {
    Hex(u64),
    Text(Box<str>),
}

impl IdKey {
    fn new(id: &str) -> IdKey {
        let hex = id.len() == 16 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        match u64::from_str_radix(id, 16) {
            Ok(n) if hex => IdKey::Hex(n),
            _ => IdKey::Text(id.into()),
        }
    }

    fn cmp_text(&self, other: &IdKey) -> Ordering {
        fn text<'a>(k: &'a IdKey, buf: &'a mut [u8; 16]) -> &'a [u8] {
            match k {
                IdKey::Hex(n) => {
                    const DIGITS: &[u8; 16] = b"0123456789abcdef";
                    for (i, b) in buf.iter_mut().enumerate() {
                        *b = DIGITS[((n >> (60 - 4 * i)) & 0xf) as usize];
                    }
                    &buf[..]
                }
                IdKey::Text(t) => t.as_bytes(),
            }
        }
        match (self, other) {
            (IdKey::Hex(a), IdKey::Hex(b)) => a.cmp(b),
            _ => {
                let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
                text(self, &mut a).cmp(text(other, &mut b))
            }
        }
    }
}

/// The verdicts of a run on disk. A write error is kept and returned by [`Spool::sorted`]: the
/// event stream cannot fail, the report that needs the verdicts can.
#[derive(Default)]
pub(crate) struct Spool {
    out: Option<BufWriter<File>>,
    written: u64,
    entries: Vec<Entry>,
    ops: Vec<String>,
    op_index: BTreeMap<String, u32>,
    error: Option<std::io::Error>,
}

impl Spool {
    /// Keeps one verdict's rendering, filed under its operation and case id.
    pub fn push(&mut self, operation: &str, case_id: &str, bytes: &[u8]) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.write(operation, case_id, bytes) {
            self.error = Some(e);
        }
    }

    fn write(&mut self, operation: &str, case_id: &str, bytes: &[u8]) -> std::io::Result<()> {
        if self.out.is_none() {
            // 64 KiB: a write(2) per hundred verdicts or so rather than per dozen, on the
            // thread that also drives the requests.
            self.out = Some(BufWriter::with_capacity(1 << 16, tempfile::tempfile()?));
        }
        let out = self.out.as_mut().expect("created above");
        out.write_all(bytes)?;
        let len = u32::try_from(bytes.len()).map_err(std::io::Error::other)?;
        let op = match self.op_index.get(operation) {
            Some(&i) => i,
            None => {
                let i = self.ops.len() as u32;
                self.ops.push(operation.to_owned());
                self.op_index.insert(operation.to_owned(), i);
                i
            }
        };
        self.entries.push(Entry {
            op,
            id: IdKey::new(case_id),
            offset: self.written,
            len,
        });
        self.written += u64::from(len);
        Ok(())
    }

    /// Hands every rendering to `each` with its operation, in file order (operation, then case
    /// id; case ids are unique within an operation by construction, arrival order breaks any
    /// tie). The spool stays whole, so a report that failed to write can be written again.
    pub fn for_each_sorted(
        &mut self,
        mut each: impl FnMut(&str, &[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        // Sticky: a spool that missed a verdict must not pass for a whole one on a retry.
        if let Some(e) = &self.error {
            return Err(std::io::Error::new(
                e.kind(),
                format!("a verdict could not be kept on disk: {e}"),
            ));
        }
        let ops = &self.ops;
        self.entries.sort_by(|a, b| {
            ops[a.op as usize]
                .cmp(&ops[b.op as usize])
                .then_with(|| a.id.cmp_text(&b.id))
        });
        let Some(out) = &mut self.out else {
            return Ok(());
        };
        out.flush()?;
        let file = out.get_mut();
        let mut buf = Vec::new();
        for e in &self.entries {
            buf.resize(e.len as usize, 0);
            read_at(file, e.offset, &mut buf)?;
            each(&ops[e.op as usize], &buf)?;
        }
        Ok(())
    }
}

/// One positioned read: a single `pread` where there is one (the verdicts are read back in an
/// order unrelated to the file's, one small record at a time).
#[cfg(unix)]
fn read_at(file: &mut std::fs::File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_at(file: &mut std::fs::File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_keys_sort_as_their_text() {
        let ids = [
            "00000000000000ff",
            "0a00000000000000",
            "0a00000000000000.1",
            "0a00000000000000.10",
            "0a00000000000000.2",
            "ffffffffffffffff",
            "zz",
            "Z",
            "",
        ];
        for a in ids {
            for b in ids {
                assert_eq!(
                    IdKey::new(a).cmp_text(&IdKey::new(b)),
                    a.cmp(b),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }
}
