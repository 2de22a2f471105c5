//! `report.json`: the run, its summary and every verdict, stable and described by
//! `docs/report.schema.json`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{
    verdict_order, write_file, Collected, Counts, Event, ReportError, Row, RunInfo, Sink, Summary,
};
use crate::check::Verdict;

/// The `format` of the report.json this code writes; bumped on any incompatible change.
pub const FORMAT: u32 = 1;

/// The file [`JsonReport`] writes in its directory.
pub const JSON_FILE: &str = "report.json";

/// The whole of report.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportFile {
    pub format: u32,
    pub run: RunInfo,
    pub summary: SummaryFile,
    /// Wall time of the whole run, if it got as far as [`Event::Done`].
    pub elapsed_ms: Option<u64>,
    /// Sorted by operation, then case id.
    pub verdicts: Vec<Verdict>,
}

/// The summary section: totals and one row per operation × group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryFile {
    pub totals: Counts,
    /// Operations by name, groups in summary-table order.
    pub rows: Vec<Row>,
}

impl ReportFile {
    /// Builds the report, sorting the verdicts into file order.
    pub fn new(run: RunInfo, mut verdicts: Vec<Verdict>, elapsed: Option<Duration>) -> Self {
        verdicts.sort_by(verdict_order);
        let s = Summary::from_verdicts(&verdicts);
        ReportFile {
            format: FORMAT,
            run,
            summary: SummaryFile {
                totals: s.totals(),
                rows: s.rows(),
            },
            elapsed_ms: elapsed.map(|e| e.as_millis().try_into().unwrap_or(u64::MAX)),
            verdicts,
        }
    }

    /// Pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> Result<String, ReportError> {
        let mut s = serde_json::to_string_pretty(self).map_err(|e| ReportError::Serialize {
            what: JSON_FILE,
            message: e.to_string(),
        })?;
        s.push('\n');
        Ok(s)
    }
}

/// The sink writing `<dir>/report.json` at finish. It keeps every verdict until then.
pub struct JsonReport {
    path: PathBuf,
    got: Collected,
    written: bool,
}

impl JsonReport {
    /// Writes into `dir`, creating it if need be.
    pub fn new(dir: impl AsRef<Path>) -> Self {
        JsonReport {
            path: dir.as_ref().join(JSON_FILE),
            got: Collected::default(),
            written: false,
        }
    }

    /// The file this sink writes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Sink for JsonReport {
    fn event(&mut self, e: &Event) {
        self.got.event(e);
    }

    /// Writes the file once; a second call does nothing.
    fn finish(&mut self) -> Result<(), ReportError> {
        if self.written {
            return Ok(());
        }
        let run = self
            .got
            .run
            .clone()
            .ok_or(ReportError::NotStarted { what: JSON_FILE })?;
        let report = ReportFile::new(
            run,
            std::mem::take(&mut self.got.verdicts),
            self.got.elapsed,
        );
        let written = report
            .to_json()
            .and_then(|text| write_file(&self.path, text.as_bytes()));
        if written.is_err() {
            // Keep the verdicts so a retry (to a directory made writable) still has them.
            self.got.verdicts = report.verdicts;
        } else {
            self.written = true;
        }
        written
    }
}
