//! The report stage: one event stream feeds every output (DESIGN §6).
//!
//! A run emits [`Event::Started`] once, [`Event::Finished`] per verdict (in any order: replay is
//! concurrent), then [`Event::Done`]. Each output is a [`Sink`]: [`Terminal`] (progress bar and
//! summary table), [`JsonReport`] (`report.json`, schema in `docs/report.schema.json`),
//! [`JunitReport`] (`junit.xml`), [`MarkdownReport`] (`report.md`), [`HtmlReport`] (`report.html`,
//! a self-contained page to read in a browser) and [`SnapshotSink`]
//! (regression snapshots, one file per operation, compared with a baseline). [`Reporter`] fans the
//! stream out to several sinks and keeps a [`Summary`] whose [`Summary::exit_code`] is the run's
//! result. [`conformance_markdown`] reads several runs' `report.json` into one comparison;
//! [`diff_dirs`] compares two directories of snapshots case by case; [`merge`] joins the
//! `report.json` of a run's CI shards into one run.
//!
//! Everything here is pure but for the files written in [`Sink::finish`] and the terminal output.
//! File outputs sort verdicts by operation then case id, so the same run gives the same files.
//! They keep each verdict in a compact encoding (a few megabytes in memory, the rest in sorted runs
//! on disk), once for report.json and junit.xml both, and merge them into file order when they
//! write, rendering each on the way, so memory stays flat in the number of cases.
//! Verdicts arrive with their messages already redacted; no sink adds request bodies.

mod compact;
mod conformance;
mod diff;
mod html;
mod json;
mod junit;
mod markdown;
mod merge;
mod normalise;
mod snapshot;
mod spool;
mod summary;
mod terminal;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::check::Verdict;
use spool::Spool;

pub use conformance::{conformance_markdown, NamedReport};
pub use diff::{
    diff, diff_dirs, read_snapshots, CaseDiff, OperationDiff, Presence, RecordedAnswer,
    SnapshotCase, SnapshotDiff, SnapshotFile,
};
pub use html::{html, HtmlReport, HTML_FILE};
pub use json::{JsonReport, ReportFile, SummaryFile, FORMAT, JSON_FILE};
pub use junit::{junit_xml, JunitReport, JUNIT_FILE};
pub use markdown::{markdown, MarkdownReport, MARKDOWN_FILE};
pub use merge::{merge, MergeError, Merged};
pub use normalise::{Normaliser, VALUE_TOKEN};
pub use snapshot::{
    case_block, render_snapshot, snapshot_diff, Change, Changes, FileOutcome, SnapshotHandle,
    SnapshotMode, SnapshotOutcome, SnapshotSink, SNAPSHOT_EXT, SNAPSHOT_FORMAT,
};
pub use summary::{group_rank, Counts, Failure, Row, Summary, KEPT_FAILURES};
pub use terminal::{render_summary, render_summary_with, Terminal, DEFAULT_MAX_FAILURES};

/// What a run is: the header of every report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    pub harness_version: String,
    /// `reference`, a profile name or a URL.
    pub target: String,
    /// The target's version when known (`cognate 0.1.0` for the reference target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_version: Option<String>,
    pub seed: u64,
    /// The operations the run covers, as the user selected them.
    pub operations: Vec<String>,
    /// How many cases the run plans to send.
    pub cases: usize,
    /// When the run started (RFC 3339), as the caller formats it.
    pub started: String,
    /// The operations the target lacks (their cases are skips), by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_implemented: Vec<String>,
    /// What a reader must know before trusting the run: `--insecure` (the target's certificate
    /// was not checked), a live target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The CI shard this run was (`hash:2/4`), as `--partition` gave it; `cognate merge` checks
    /// that every shard is there once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
}

/// What a file sink keeps of the event stream until it writes: the run, the verdicts (encoded,
/// on disk), their summary and case times, the elapsed time.
#[derive(Default)]
pub(crate) struct Collected {
    pub run: Option<RunInfo>,
    pub verdicts: Spool,
    pub summary: Summary,
    /// The sum of the cases' times per operation.
    pub case_ms: BTreeMap<String, u64>,
    pub elapsed: Option<Duration>,
    /// Throttled answers retried, as [`Event::Done`] says.
    pub retried: u64,
    /// Why the run stopped early, as [`Event::Done`] says.
    pub incomplete: Option<String>,
    encoded: Vec<u8>,
}

impl Collected {
    /// Takes an event; a verdict is spooled.
    pub fn event(&mut self, e: &Event) {
        self.summary.event(e);
        match e {
            Event::Started(run) => self.run = Some(run.clone()),
            Event::Finished(v) => {
                self.encoded.clear();
                compact::encode(v, &mut self.encoded);
                self.verdicts.push(&v.operation, &v.case_id, &self.encoded);
                match self.case_ms.get_mut(&v.operation) {
                    Some(ms) => *ms += v.elapsed_ms,
                    None => {
                        self.case_ms.insert(v.operation.clone(), v.elapsed_ms);
                    }
                }
            }
            Event::Done {
                elapsed,
                retried,
                incomplete,
            } => {
                self.elapsed = Some(*elapsed);
                self.retried = *retried;
                self.incomplete = incomplete.clone();
                // Once, here, so that the reports only read: the sinks that share these
                // verdicts finish side by side. An error is kept and reported by the reads.
                let _ = self.verdicts.seal();
            }
        }
    }
}

/// A file sink's hold on what it writes: what it collects itself, or what another sink collects
/// (report.json and junit.xml write the same verdicts, which are then encoded and kept once).
/// Behind a lock, because the sinks finish side by side.
pub(crate) struct Held {
    got: std::sync::Arc<std::sync::RwLock<Collected>>,
    /// Whether this sink feeds the events in; a sink beside another only reads.
    feeds: bool,
}

impl Held {
    pub fn own() -> Held {
        Held {
            got: Default::default(),
            feeds: true,
        }
    }

    /// A hold on the same collection that reads it and does not feed it.
    pub fn beside(&self) -> Held {
        Held {
            got: std::sync::Arc::clone(&self.got),
            feeds: false,
        }
    }

    pub fn event(&self, e: &Event) {
        if self.feeds {
            self.got
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .event(e);
        }
    }

    /// The collection, its verdicts sealed for reading (see [`Spool::seal`]); an error names
    /// `path`, the report that could not be written. The `Done` event seals them; only a stream
    /// cut short leaves that to the first reader, and a reader beside it then waits for the lock.
    pub fn sealed(
        &self,
        path: &std::path::Path,
    ) -> Result<std::sync::RwLockReadGuard<'_, Collected>, ReportError> {
        let read = || {
            self.got
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        {
            let got = read();
            if got.verdicts.is_sealed() {
                return Ok(got);
            }
        }
        self.got
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .verdicts
            .seal()
            .map_err(|source| ReportError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(read())
    }
}

/// Hands every spooled verdict to `each` in file order, as `render` writes it.
pub(crate) fn for_each_rendered(
    spool: &Spool,
    mut render: impl FnMut(&Verdict, &mut Vec<u8>),
    each: &mut dyn FnMut(&str, &[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut rendered = Vec::new();
    spool.for_each_sorted(|op, bytes| {
        let v = compact::decode(bytes)?;
        rendered.clear();
        render(&v, &mut rendered);
        each(op, &rendered)
    })
}

/// One event of a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Started(RunInfo),
    Finished(Verdict),
    /// The run's end: its wall time, how many throttled answers were retried (the retries are
    /// no verdicts; the answer kept is the last), and why it stopped before every planned case
    /// was judged, if it did (a signal, `--deadline`).
    Done {
        elapsed: Duration,
        retried: u64,
        incomplete: Option<String>,
    },
}

/// An output of the report stage. `event` cannot fail; a sink keeps what it needs and reports
/// problems from `finish`, which is called once after the last event.
pub trait Sink {
    fn event(&mut self, e: &Event);
    fn finish(&mut self) -> Result<(), ReportError> {
        Ok(())
    }
}

/// A broken report: the run's verdicts stand, but an output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the summary to the terminal: {0}")]
    Terminal(#[source] std::io::Error),
    #[error("cannot serialise {what}: {message}")]
    Serialize { what: &'static str, message: String },
    #[error("{what} got no Started event, so it has no run to describe")]
    NotStarted { what: &'static str },
    #[error("no snapshot files (*.snap) in {}", dir.display())]
    NoSnapshots { dir: PathBuf },
}

/// Fans one event stream out to several sinks and keeps the run's [`Summary`].
#[derive(Default)]
pub struct Reporter {
    summary: Summary,
    sinks: Vec<Box<dyn Sink + Send>>,
}

impl Reporter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a sink; sinks see events in the order they were added.
    pub fn add(&mut self, sink: impl Sink + Send + 'static) -> &mut Self {
        self.sinks.push(Box::new(sink));
        self
    }

    /// Adds the file reports a run writes in `dir`: report.json, junit.xml, report.md and
    /// report.html (junit.xml and report.html read report.json's verdicts, kept once).
    pub fn add_files(&mut self, dir: &std::path::Path) -> &mut Self {
        let json = JsonReport::new(dir);
        let junit = JunitReport::beside(dir, &json);
        let html = HtmlReport::beside(dir, &json);
        self.add(json)
            .add(junit)
            .add(MarkdownReport::new(dir))
            .add(html)
    }

    pub fn event(&mut self, e: &Event) {
        self.summary.event(e);
        for s in &mut self.sinks {
            s.event(e);
        }
    }

    /// The summary so far.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Finishes every sink, even after one has failed, and returns the summary or the first
    /// error (in the order the sinks were added).
    ///
    /// The sinks finish side by side, one core each: they share nothing, each writes its own
    /// file, and the replay is over, so the cores are free. Merging a large run's
    /// spooled verdicts back into report.json and junit.xml is most of a long run's tail.
    pub fn finish(mut self) -> Result<Summary, ReportError> {
        let helpers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(self.sinks.len())
            .saturating_sub(1);
        let queue = std::sync::Mutex::new(self.sinks.iter_mut().enumerate());
        let work = || {
            let mut done = Vec::new();
            loop {
                let next = queue
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .next();
                let Some((i, sink)) = next else { break done };
                done.push((i, sink.finish()));
            }
        };
        let mut results = std::thread::scope(|scope| {
            // A thread that cannot be had leaves its share to the others: same result.
            let helping: Vec<_> = (0..helpers)
                .filter_map(|_| {
                    std::thread::Builder::new()
                        .name("cognate-report".into())
                        .spawn_scoped(scope, work)
                        .ok()
                })
                .collect();
            let mut all = work();
            for h in helping {
                all.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
            }
            all
        });
        results.sort_by_key(|(i, _)| *i);
        match results.into_iter().find_map(|(_, r)| r.err()) {
            Some(e) => Err(e),
            None => Ok(self.summary),
        }
    }
}

/// Writes `bytes` to `path`, creating its directory; the error names the path that failed.
pub(crate) fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), ReportError> {
    crate::files::write(path, bytes).map_err(ReportError::from)
}

impl From<crate::files::WriteError> for ReportError {
    fn from(e: crate::files::WriteError) -> Self {
        ReportError::Io {
            path: e.path,
            source: e.source,
        }
    }
}

/// Writes a file through `write`, into `<path>.partial` first and renamed at the end, so a
/// failed or interrupted write never leaves a truncated report under the real name.
pub(crate) fn write_file_with(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    use std::io::Write as _;
    crate::files::create_parent(path).map_err(ReportError::from)?;
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let io = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::create(&partial).map_err(io)?;
    // A long run's report is hundreds of megabytes: 8 KiB at a time was a write call per 8 KiB.
    let mut out = std::io::BufWriter::with_capacity(256 << 10, file);
    let written = write(&mut out).and_then(|()| out.flush().map_err(io));
    drop(out);
    match written {
        Ok(()) => std::fs::rename(&partial, path).map_err(io),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Verdicts in file order: operation, then case id (group and label break ties).
pub(crate) fn verdict_order(a: &Verdict, b: &Verdict) -> std::cmp::Ordering {
    (&a.operation, &a.case_id, &a.group, &a.label).cmp(&(
        &b.operation,
        &b.case_id,
        &b.group,
        &b.label,
    ))
}

pub(crate) use crate::check::one_line;
