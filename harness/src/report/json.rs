//! `report.json`: the run, its summary and every verdict, stable and described by
//! `docs/report.schema.json`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{
    verdict_order, write_file_with, Collected, Counts, Event, Held, ReportError, Row, RunInfo,
    Sink, Summary,
};
use crate::check::{CheckResult, Observed, Verdict};

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
    /// Throttled answers the client retried (`--retries`); absent when none was.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retried: u64,
    /// Why the run stopped before every planned case was judged (a signal, `--deadline`);
    /// absent for a complete run. `run.cases` is what was planned, `summary.totals` what was
    /// judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
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
            retried: 0,
            incomplete: None,
            verdicts,
        }
    }

    /// The report of what a file sink collected, without its verdicts (they stream from the
    /// spool as the file is written); `what` names the file for the error of a run that never
    /// started.
    pub(crate) fn head(got: &Collected, what: &'static str) -> Result<ReportFile, ReportError> {
        let run = got.run.clone().ok_or(ReportError::NotStarted { what })?;
        Ok(ReportFile {
            format: FORMAT,
            run,
            summary: SummaryFile {
                totals: got.summary.totals(),
                rows: got.summary.rows(),
            },
            elapsed_ms: got
                .elapsed
                .map(|e| e.as_millis().try_into().unwrap_or(u64::MAX)),
            retried: got.retried,
            incomplete: got.incomplete.clone(),
            verdicts: Vec::new(),
        })
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

/// One verdict as it stands in report.json's `verdicts` array: serde_json's pretty form
/// (two-space steps), each line two levels deep. Written out field by field: through serde, the
/// rendering was most of a long run's report writing, which the whole run waits for. The fields
/// are destructured without `..`, so a new one does not compile until it is written here, and a
/// proptest holds the bytes to serde_json's.
fn render(v: &Verdict, out: &mut Vec<u8>) {
    let Verdict {
        case_id,
        operation,
        group,
        label,
        status,
        reason,
        checks,
        observed,
        expected,
        elapsed_ms,
    } = v;
    let Observed {
        status: observed_status,
        exception,
        message,
        content_type,
    } = observed;
    out.extend_from_slice(b"    {");
    field(out, 3, "case_id", true);
    string(out, case_id);
    field(out, 3, "operation", false);
    string(out, operation);
    field(out, 3, "group", false);
    string(out, group);
    field(out, 3, "label", false);
    string(out, label);
    field(out, 3, "status", false);
    string(out, status.as_str());
    field(out, 3, "reason", false);
    optional_string(out, reason.as_deref());
    field(out, 3, "checks", false);
    if checks.is_empty() {
        out.extend_from_slice(b"[]");
    } else {
        out.push(b'[');
        for (i, c) in checks.iter().enumerate() {
            let CheckResult { check, outcome } = c;
            out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            indent(out, 4);
            out.push(b'{');
            field(out, 5, "check", true);
            string(out, check.as_str());
            field(out, 5, "result", false);
            string(out, outcome.as_str());
            if let Some(why) = outcome.reason() {
                field(out, 5, "reason", false);
                string(out, why);
            }
            close(out, 4, b'}');
        }
        close(out, 3, b']');
    }
    field(out, 3, "observed", false);
    out.push(b'{');
    field(out, 4, "status", true);
    match observed_status {
        Some(n) => out.extend_from_slice(n.to_string().as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
    field(out, 4, "exception", false);
    optional_string(out, exception.as_deref());
    field(out, 4, "message", false);
    optional_string(out, message.as_deref());
    field(out, 4, "content_type", false);
    optional_string(out, content_type.as_deref());
    close(out, 3, b'}');
    field(out, 3, "expected", false);
    string(out, expected);
    field(out, 3, "elapsed_ms", false);
    out.extend_from_slice(elapsed_ms.to_string().as_bytes());
    close(out, 2, b'}');
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Two spaces a level.
fn indent(out: &mut Vec<u8>, level: usize) {
    out.resize(out.len() + 2 * level, b' ');
}

/// A member's line up to its value: the comma after the one before, the indentation, the key.
fn field(out: &mut Vec<u8>, level: usize, key: &str, first: bool) {
    out.extend_from_slice(if first { b"\n" } else { b",\n" });
    indent(out, level);
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\": ");
}

/// The line that closes an object or array whose members stood one level deeper.
fn close(out: &mut Vec<u8>, level: usize, bracket: u8) {
    out.push(b'\n');
    indent(out, level);
    out.push(bracket);
}

/// A JSON string, escaped as serde_json escapes it.
fn string(out: &mut Vec<u8>, s: &str) {
    // Into a Vec: cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn optional_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
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
    got: Held,
    written: bool,
}

impl JsonReport {
    /// Writes into `dir`, creating it if need be.
    pub fn new(dir: impl AsRef<Path>) -> Self {
        JsonReport {
            path: dir.as_ref().join(JSON_FILE),
            got: Held::own(),
            written: false,
        }
    }

    /// The file this sink writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A hold on the verdicts this sink collects, for a report that writes them beside it.
    pub(crate) fn held(&self) -> Held {
        self.got.beside()
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
        let path = &self.path;
        let got = self.got.sealed(path)?;
        let head = ReportFile::head(&got, JSON_FILE)?;
        write_file_with(path, |out| {
            write_json(out, &head, path, |each| {
                super::for_each_rendered(&got.verdicts, render, each)
            })
        })?;
        drop(got);
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

    proptest::proptest! {
        /// The hand-written rendering is serde_json's pretty form of the verdict, two levels
        /// deep, byte for byte.
        #[test]
        fn a_rendered_verdict_is_serde_jsons_pretty_form(v in super::super::compact::tests::verdict()) {
            let mut got = Vec::new();
            render(&v, &mut got);
            let want = format!("    {}", serde_json::to_string_pretty(&v).unwrap().replace('\n', "\n    "));
            proptest::prop_assert_eq!(String::from_utf8(got).unwrap(), want);
        }
    }

    #[test]
    fn streamed_json_is_serde_jsons_pretty_form() {
        let run = RunInfo {
            warnings: Vec::new(),
            partition: None,
            harness_version: "0.1.0".into(),
            target: "reference".into(),
            target_version: None,
            seed: 1,
            operations: vec!["ForgotPassword".into()],
            cases: 2,
            started: "2026-11-23T00:00:00Z".into(),
            not_implemented: Vec::new(),
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
