//! Verdicts kept between the event stream and the file reports, so that a run's memory does not
//! grow with its number of cases. Every verdict is spooled as bytes (the `compact` encoding),
//! once for report.json and junit.xml both; only the verdict's sort key and position stay in
//! memory (about 40 bytes a verdict).
//!
//! Records collect in memory up to [`RUN_BYTES`]; a full buffer is sorted and written to an
//! anonymous temporary file as one sorted run. Writing the report merges the runs, reading each
//! one front to back in large chunks, with positioned reads, so that both reports can merge them
//! side by side. A run that never fills the buffer never touches the disk.
//! Case ids are hashes, so arrival order says nothing of file order: reading the verdicts back
//! one at a time in file order would cost a read per verdict.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};
use std::fs::File;
use std::io::{IoSlice, Seek, SeekFrom, Write};

/// How many rendered bytes a spool holds in memory before it writes a sorted run.
const RUN_BYTES: usize = 8 << 20;

/// How many records a run is written with at a time (the usual `IOV_MAX`).
const WRITE_SLICES: usize = 1024;

/// How much of each run the merge reads at a time.
const CHUNK_BYTES: usize = 64 << 10;

/// Where one verdict is (in the run's buffer, then in the file), and what it sorts by.
struct Entry {
    op: u32,
    id: IdKey,
    offset: u64,
    len: u32,
}

impl Entry {
    /// File order, given the operations' ranks by name.
    fn cmp_key(&self, other: &Entry, rank: &[u32]) -> Ordering {
        rank[self.op as usize]
            .cmp(&rank[other.op as usize])
            .then_with(|| self.id.cmp_text(&other.id))
    }
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

/// The verdicts of a run: the current run in memory, the earlier ones sorted on disk. A write
/// error is kept and returned by [`Spool::for_each_sorted`]: the event stream cannot fail, the
/// report that needs the verdicts can.
pub(crate) struct Spool {
    /// Records of the current run, in arrival order; `pending` holds their places.
    buf: Vec<u8>,
    pending: Vec<Entry>,
    /// Sorted runs on disk, oldest first; entries in file order, offsets into `file`.
    runs: Vec<Vec<Entry>>,
    file: Option<File>,
    written: u64,
    ops: Vec<String>,
    op_index: BTreeMap<String, u32>,
    error: Option<std::io::Error>,
    run_bytes: usize,
    /// Whether nothing was pushed since the last [`Spool::seal`].
    sealed: bool,
}

impl Default for Spool {
    fn default() -> Self {
        Spool::with_run_bytes(RUN_BYTES)
    }
}

impl Spool {
    fn with_run_bytes(run_bytes: usize) -> Spool {
        Spool {
            buf: Vec::new(),
            pending: Vec::new(),
            runs: Vec::new(),
            file: None,
            written: 0,
            ops: Vec::new(),
            op_index: BTreeMap::new(),
            error: None,
            run_bytes,
            sealed: false,
        }
    }

    /// Keeps one verdict's record, filed under its operation and case id.
    pub fn push(&mut self, operation: &str, case_id: &str, bytes: &[u8]) {
        if self.error.is_some() {
            return;
        }
        self.sealed = false;
        let Ok(len) = u32::try_from(bytes.len()) else {
            self.error = Some(std::io::Error::other("a rendered verdict above 4 GiB"));
            return;
        };
        // Spilled before it would grow past a run, so the buffer's capacity stays one run.
        if !self.buf.is_empty() && self.buf.len() + bytes.len() > self.run_bytes {
            if let Err(e) = self.spill() {
                self.error = Some(e);
                return;
            }
        }
        let op = match self.op_index.get(operation) {
            Some(&i) => i,
            None => {
                let i = self.ops.len() as u32;
                self.ops.push(operation.to_owned());
                self.op_index.insert(operation.to_owned(), i);
                i
            }
        };
        self.pending.push(Entry {
            op,
            id: IdKey::new(case_id),
            offset: self.buf.len() as u64,
            len,
        });
        if self.buf.capacity() == 0 {
            // At once: growing by doubling would leave the smaller buffers behind in the
            // allocator, half a run again in resident memory. Untouched pages cost nothing.
            self.buf.reserve_exact(self.run_bytes.max(bytes.len()));
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Ranks of the operations by name: entries compare by (rank, id) without string compares.
    fn op_ranks(&self) -> Vec<u32> {
        let mut by_name: Vec<u32> = (0..self.ops.len() as u32).collect();
        by_name.sort_by(|&a, &b| self.ops[a as usize].cmp(&self.ops[b as usize]));
        let mut rank = vec![0; self.ops.len()];
        for (r, &op) in by_name.iter().enumerate() {
            rank[op as usize] = r as u32;
        }
        rank
    }

    /// Sorts the current run and writes it to the temporary file.
    fn spill(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let rank = self.op_ranks();
        // Stable: equal keys keep their arrival order.
        self.pending.sort_by(|a, b| a.cmp_key(b, &rank));
        if self.file.is_none() {
            self.file = Some(tempfile::tempfile()?);
        }
        let file = self.file.as_mut().expect("created above");
        // Where the last run ended: reading back may have moved the position (not with pread).
        file.seek(SeekFrom::Start(self.written))?;
        let mut run = std::mem::take(&mut self.pending);
        // Straight from the buffer, many records a call: no copy, no second buffer.
        let mut slices = Vec::with_capacity(WRITE_SLICES);
        for batch in run.chunks_mut(WRITE_SLICES) {
            slices.clear();
            for e in batch.iter_mut() {
                let at = e.offset as usize;
                slices.push(IoSlice::new(&self.buf[at..at + e.len as usize]));
                e.offset = self.written;
                self.written += u64::from(e.len);
            }
            write_all_slices(file, &mut slices)?;
        }
        // A run is kept until the end: without the slack doubling left, and the next one
        // starts at this one's size instead of doubling up to it again.
        run.shrink_to_fit();
        self.pending = Vec::with_capacity(run.len());
        self.runs.push(run);
        self.buf.clear();
        Ok(())
    }

    /// Readies the records for [`Spool::for_each_sorted`]: sorts the run in memory, or writes
    /// it out as one more sorted run when earlier ones are on disk. Call it after the last push;
    /// calling it again does no harm.
    pub fn seal(&mut self) -> std::io::Result<()> {
        self.kept()?;
        if self.sealed {
            return Ok(());
        }
        if self.runs.is_empty() {
            let rank = self.op_ranks();
            // Stable: equal keys keep their arrival order.
            self.pending.sort_by(|a, b| a.cmp_key(b, &rank));
        } else if let Err(e) = self.spill() {
            let kept = std::io::Error::new(e.kind(), e.to_string());
            self.error = Some(e);
            return Err(kept);
        }
        self.sealed = true;
        Ok(())
    }

    /// Whether [`Spool::seal`] has nothing to do.
    pub fn is_sealed(&self) -> bool {
        self.sealed
    }

    /// The error a push or a spill met, if any. Sticky: a spool that missed a verdict must not
    /// pass for a whole one on a retry.
    fn kept(&self) -> std::io::Result<()> {
        match &self.error {
            Some(e) => Err(std::io::Error::new(
                e.kind(),
                format!("a verdict could not be kept on disk: {e}"),
            )),
            None => Ok(()),
        }
    }

    /// Hands every record to `each` with its operation, in file order (operation, then case
    /// id; case ids are unique within an operation by construction, arrival order breaks any
    /// tie), after [`Spool::seal`]. Reading leaves the spool as it is: several readers may go
    /// through it side by side, and a report that failed to write can be written again.
    pub fn for_each_sorted(
        &self,
        mut each: impl FnMut(&str, &[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.kept()?;
        if !self.sealed {
            return Err(std::io::Error::other(
                "the spool was read before it was sealed",
            ));
        }
        if self.runs.is_empty() {
            for e in &self.pending {
                let at = e.offset as usize;
                each(&self.ops[e.op as usize], &self.buf[at..at + e.len as usize])?;
            }
            return Ok(());
        }
        let rank = self.op_ranks();
        let file = self.file.as_ref().expect("runs are on file");
        let mut cursors: Vec<Cursor> = self
            .runs
            .iter()
            .map(|run| Cursor {
                next: 0,
                end: run.last().map_or(0, |e| e.offset + u64::from(e.len)),
                window: Vec::new(),
                window_at: 0,
            })
            .collect();
        // The smallest head of any run on top; the older run first among equal keys.
        let mut heads: BinaryHeap<Reverse<Head>> = self
            .runs
            .iter()
            .enumerate()
            .filter_map(|(r, run)| run.first().map(|e| Reverse(Head::new(e, r, &rank))))
            .collect();
        while let Some(Reverse(head)) = heads.pop() {
            let (run, cursor) = (&self.runs[head.run], &mut cursors[head.run]);
            let e = &run[cursor.next];
            let bytes = cursor.record(file, e)?;
            each(&self.ops[e.op as usize], bytes)?;
            cursor.next += 1;
            if let Some(e) = run.get(cursor.next) {
                heads.push(Reverse(Head::new(e, head.run, &rank)));
            }
        }
        Ok(())
    }
}

/// The first verdict not yet handed over of one run, as the merge orders them.
struct Head<'a> {
    rank: u32,
    id: &'a IdKey,
    run: usize,
}

impl<'a> Head<'a> {
    fn new(e: &'a Entry, run: usize, rank: &[u32]) -> Head<'a> {
        Head {
            rank: rank[e.op as usize],
            id: &e.id,
            run,
        }
    }
}

impl Ord for Head<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank
            .cmp(&other.rank)
            .then_with(|| self.id.cmp_text(other.id))
            .then_with(|| self.run.cmp(&other.run))
    }
}

impl PartialOrd for Head<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head<'_> {}

/// Where the merge stands in one run: the next entry and a window of the run's bytes.
struct Cursor {
    next: usize,
    /// Where the run ends in the file.
    end: u64,
    window: Vec<u8>,
    window_at: u64,
}

impl Cursor {
    /// The bytes of `e`, the run's next record, reading the next chunk of the run if need be.
    fn record(&mut self, file: &File, e: &Entry) -> std::io::Result<&[u8]> {
        let len = e.len as usize;
        let inside = e.offset >= self.window_at
            && e.offset + e.len as u64 <= self.window_at + self.window.len() as u64;
        if !inside {
            let want = (self.end - e.offset).min(CHUNK_BYTES.max(len) as u64) as usize;
            self.window.resize(want, 0);
            read_at(file, e.offset, &mut self.window)?;
            self.window_at = e.offset;
        }
        let at = (e.offset - self.window_at) as usize;
        Ok(&self.window[at..at + len])
    }
}

/// `write_all` for a gather list: `Write::write_all_vectored` is not stable yet.
fn write_all_slices(out: &mut impl Write, mut slices: &mut [IoSlice<'_>]) -> std::io::Result<()> {
    IoSlice::advance_slices(&mut slices, 0);
    while !slices.is_empty() {
        match out.write_vectored(slices) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// One positioned read (`pread`), which leaves the file's position alone: readers side by side
/// share the file.
#[cfg(unix)]
fn read_at(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut offset: u64, mut buf: &mut [u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(not(any(unix, windows)))]
fn read_at(_: &File, _: u64, _: &mut [u8]) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "reading spilled verdicts back needs positioned reads (Unix or Windows)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn collect(spool: &mut Spool) -> Vec<(String, Vec<u8>)> {
        spool.seal().expect("a spool on a working disk seals");
        let mut got = Vec::new();
        spool
            .for_each_sorted(|op, bytes| {
                got.push((op.to_owned(), bytes.to_vec()));
                Ok(())
            })
            .expect("a spool on a working disk reads back");
        got
    }

    proptest! {
        /// Whatever the run size (all in memory, one record a run, anything between), the spool
        /// hands back what a stable sort of the pushed verdicts by (operation, id) gives, and
        /// gives it again on a second call.
        #[test]
        fn merged_runs_read_back_as_a_stable_sort(
            pushes in proptest::collection::vec(
                (0..3usize, prop_oneof![
                    any::<u64>().prop_map(|n| format!("{n:016x}")),
                    (0..4u64).prop_map(|n| format!("{n:016x}")),
                    "[a-z0-9.]{0,18}",
                ], proptest::collection::vec(any::<u8>(), 0..40)),
                0..120,
            ),
            run_bytes in prop_oneof![Just(1usize), 1..300usize, Just(RUN_BYTES)],
        ) {
            const OPS: [&str; 3] = ["SignUp", "ForgotPassword", "ConfirmForgotPassword"];
            let mut spool = Spool::with_run_bytes(run_bytes);
            for (op, id, bytes) in &pushes {
                spool.push(OPS[*op], id, bytes);
            }
            let mut want: Vec<(String, &String, Vec<u8>)> = pushes
                .iter()
                .map(|(op, id, bytes)| (OPS[*op].to_owned(), id, bytes.clone()))
                .collect();
            want.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            let want: Vec<(String, Vec<u8>)> =
                want.into_iter().map(|(op, _, bytes)| (op, bytes)).collect();
            prop_assert_eq!(&collect(&mut spool), &want);
            prop_assert_eq!(&collect(&mut spool), &want);
        }
    }

    /// Two reports read one sealed spool side by side, from memory and from spilled runs.
    #[test]
    fn readers_side_by_side_read_the_same_records() {
        for run_bytes in [RUN_BYTES, 100] {
            let mut spool = Spool::with_run_bytes(run_bytes);
            for i in 0..500u64 {
                let id = format!("{:016x}", i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                spool.push(["B", "A"][i as usize % 2], &id, id.as_bytes());
            }
            let want = collect(&mut spool);
            let spool = &spool;
            let read = || {
                let mut got = Vec::new();
                spool
                    .for_each_sorted(|op, bytes| {
                        got.push((op.to_owned(), bytes.to_vec()));
                        Ok(())
                    })
                    .unwrap();
                got
            };
            let (a, b) = std::thread::scope(|s| {
                let a = s.spawn(read);
                let b = s.spawn(read);
                (a.join().unwrap(), b.join().unwrap())
            });
            assert_eq!(want.len(), 500);
            assert!(want
                .windows(2)
                .all(|w| (&w[0].0, &w[0].1) <= (&w[1].0, &w[1].1)));
            assert_eq!(a, want, "run bytes {run_bytes}");
            assert_eq!(b, want, "run bytes {run_bytes}");
        }
    }

    #[test]
    fn a_spool_is_read_only_sealed() {
        let mut spool = Spool::with_run_bytes(1);
        spool.push("A", "b", b"1");
        spool.push("A", "a", b"2");
        let err = spool.for_each_sorted(|_, _| Ok(())).unwrap_err();
        assert!(err.to_string().contains("sealed"), "{err}");
        assert_eq!(collect(&mut spool).len(), 2);
        spool.push("A", "c", b"3");
        assert!(!spool.is_sealed(), "a push unseals");
        assert_eq!(collect(&mut spool).len(), 3);
    }

    #[test]
    fn a_record_larger_than_a_chunk_reads_back_whole() {
        let mut spool = Spool::with_run_bytes(1);
        let big = vec![b'x'; CHUNK_BYTES * 2 + 3];
        spool.push("A", "b", &big);
        spool.push("A", "a", b"small");
        spool.push("A", "c", b"");
        let got = collect(&mut spool);
        assert_eq!(spool.runs.len(), 3, "one run a record");
        assert_eq!(got[0].1, b"small");
        assert_eq!(got[1].1, big);
        assert_eq!(got[2].1, b"");
    }

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
