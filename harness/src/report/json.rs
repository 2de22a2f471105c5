//! `report.json`: the run, its summary and every verdict, stable and described by
//! `docs/report.schema.json`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{
    verdict_order, write_file_with, Collected, Counts, Event, ReportError, Row, RunInfo, Sink,
    Summary,
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
        let head = ReportFile {
            verdicts: Vec::new(),
            ..self.clone()
        };
        let mut out = Vec::new();
        let mut rendered = Vec::new();
        write_json(&mut out, &head, Path::new(JSON_FILE), |each| {
            for v in &self.verdicts {
                rendered.clear();
                render(v, &mut rendered);
                each("", &rendered)?;
            }
            Ok(())
        })?;
        String::from_utf8(out).map_err(|e| ReportError::Serialize {
            what: JSON_FILE,
            message: e.to_string(),
        })
    }
}

/// One verdict as it stands in report.json's `verdicts` array: pretty-printed, each line one
/// level deeper, in one pass.
fn render(v: &Verdict, out: &mut Vec<u8>) {
    out.extend_from_slice(VERDICT_INDENT);
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, Indented::default());
    if let Err(e) = v.serialize(&mut ser) {
        // A verdict is plain data; this cannot happen, and the file would say so if it did.
        let text = serde_json::json!({ "unserialisable_verdict": e.to_string() }).to_string();
        out.extend_from_slice(text.as_bytes());
    }
}

/// Where a verdict's lines start in report.json: inside `"verdicts": [`.
const VERDICT_INDENT: &[u8] = b"    ";

/// serde_json's `PrettyFormatter` with two-space steps, every line after the first starting at
/// [`VERDICT_INDENT`]: the bytes the whole report pretty-printed at once has for a verdict.
#[derive(Default)]
struct Indented {
    level: usize,
    has_value: bool,
}

impl Indented {
    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b"\n")?;
        w.write_all(VERDICT_INDENT)?;
        for _ in 0..self.level {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    // Arrays and objects are laid out alike: these serve both.

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.newline(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }

    fn valued(&mut self) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.valued()
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.valued()
    }
}

/// report.json with `head`'s fields, then the rendered verdicts `verdicts` hands over: the same
/// bytes `serde_json::to_string_pretty` gives for the whole [`ReportFile`], plus a final
/// newline. `path` only names the file in errors.
fn write_json(
    out: &mut dyn Write,
    head: &ReportFile,
    path: &Path,
    verdicts: impl FnOnce(&mut dyn FnMut(&str, &[u8]) -> std::io::Result<()>) -> std::io::Result<()>,
) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let text = serde_json::to_string_pretty(head).map_err(|e| ReportError::Serialize {
        what: JSON_FILE,
        message: e.to_string(),
    })?;
    // The verdicts are the last field, so the head ends with an empty array to fill.
    let Some(start) = text.strip_suffix("[]\n}") else {
        return Err(ReportError::Serialize {
            what: JSON_FILE,
            message: "the report head does not end with the verdicts".into(),
        });
    };
    out.write_all(start.as_bytes()).map_err(io)?;
    let mut first = true;
    verdicts(&mut |_, rendered| {
        out.write_all(if first { b"[\n" } else { b",\n" })?;
        first = false;
        out.write_all(rendered)
    })
    .map_err(io)?;
    out.write_all(if first { b"[]\n}\n" } else { b"\n  ]\n}\n" })
        .map_err(io)?;
    Ok(())
}

/// The sink writing `<dir>/report.json` at finish. It keeps the verdicts on disk until then.
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

    /// Writes the file once; a second call does nothing, a failed one can be retried.
    fn finish(&mut self) -> Result<(), ReportError> {
        if self.written {
            return Ok(());
        }
        let run = self
            .got
            .run
            .clone()
            .ok_or(ReportError::NotStarted { what: JSON_FILE })?;
        let head = ReportFile {
            format: FORMAT,
            run,
            summary: SummaryFile {
                totals: self.got.summary.totals(),
                rows: self.got.summary.rows(),
            },
            elapsed_ms: self
                .got
                .elapsed
                .map(|e| e.as_millis().try_into().unwrap_or(u64::MAX)),
            verdicts: Vec::new(),
        };
        let (path, spool) = (&self.path, &mut self.got.verdicts);
        write_file_with(path, |out| {
            write_json(out, &head, path, |each| {
                super::for_each_rendered(spool, render, each)
            })
        })?;
        self.written = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CheckName, CheckOutcome, CheckResult, Observed, Status};

    fn verdict(id: &str, message: &str) -> Verdict {
        Verdict {
            case_id: id.into(),
            operation: "ForgotPassword".into(),
            group: "valid".into(),
            label: "base \"request\"\nsecond line".into(),
            status: Status::Fail,
            reason: Some("status: expected 200, got 400".into()),
            checks: vec![CheckResult {
                check: CheckName::Status,
                outcome: CheckOutcome::Fail("expected 200".into()),
            }],
            observed: Observed {
                status: Some(400),
                exception: Some("InvalidParameterException".into()),
                message: Some(message.into()),
                content_type: None,
            },
            expected: "success (200)".into(),
            elapsed_ms: 3,
        }
    }

    #[test]
    fn streamed_json_is_serde_jsons_pretty_form() {
        let run = RunInfo {
            harness_version: "0.1.0".into(),
            target: "reference".into(),
            target_version: None,
            seed: 1,
            operations: vec!["ForgotPassword".into()],
            cases: 2,
            started: "2026-11-23T00:00:00Z".into(),
        };
        for verdicts in [
            vec![],
            vec![verdict("00000000000000aa", "a\u{1}b é"), verdict("0a", "x")],
            // Empty arrays and nulls inside a verdict: serde_json writes `[]`, no line break.
            vec![Verdict {
                checks: vec![],
                observed: Observed::default(),
                reason: None,
                ..verdict("0b", "y")
            }],
        ] {
            let report = ReportFile::new(run.clone(), verdicts, Some(Duration::from_millis(5)));
            let mut want = serde_json::to_string_pretty(&report).unwrap();
            want.push('\n');
            assert_eq!(report.to_json().unwrap(), want);
        }
    }
}
