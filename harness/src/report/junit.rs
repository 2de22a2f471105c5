//! `junit.xml`: one test suite per operation, one test case per verdict.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::summary::reason_of;
use super::{one_line, verdict_order, write_file, Collected, Event, ReportError, RunInfo, Sink};
use crate::check::{CheckOutcome, Status, Verdict};

/// The file [`JunitReport`] writes in its directory.
pub const JUNIT_FILE: &str = "junit.xml";

/// The JUnit XML of a run. Suites are operations by name; test cases are named
/// `<group>: <label> [<case id>]` in case-id order. A contract failure is a `failure` (type: the
/// first failing check), a case the run could not judge is an `error`, a skip is `skipped`; the
/// text of each carries the expectation, what came back and every check's outcome.
pub fn junit_xml(
    run: &RunInfo,
    verdicts: &[Verdict],
    elapsed: Option<Duration>,
) -> Result<String, ReportError> {
    let mut sorted: Vec<&Verdict> = verdicts.iter().collect();
    sorted.sort_by(|a, b| verdict_order(a, b));
    let mut by_op: BTreeMap<&str, Vec<&Verdict>> = BTreeMap::new();
    for v in sorted {
        by_op.entry(v.operation.as_str()).or_default().push(v);
    }

    let mut report = Report::new("cognate");
    if let Some(e) = elapsed {
        report.set_time(e);
    }
    for (op, vs) in by_op {
        let mut suite = TestSuite::new(op);
        suite.add_properties([
            Property::new("target", run.target.as_str()),
            Property::new("seed", run.seed.to_string()),
            Property::new("harness_version", run.harness_version.as_str()),
        ]);
        let mut time = Duration::ZERO;
        for v in vs {
            let case_time = Duration::from_millis(v.elapsed_ms);
            time += case_time;
            let mut tc = TestCase::new(
                one_line(&format!("{}: {} [{}]", v.group, v.label, v.case_id)),
                status_of(v),
            );
            tc.set_classname(op).set_time(case_time);
            suite.add_test_case(tc);
        }
        suite.set_time(time);
        report.add_test_suite(suite);
    }
    report.to_string().map_err(|e| ReportError::Serialize {
        what: JUNIT_FILE,
        message: e.to_string(),
    })
}

fn status_of(v: &Verdict) -> TestCaseStatus {
    let reason = one_line(&reason_of(v));
    match v.status {
        Status::Pass => TestCaseStatus::success(),
        Status::Skip => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(&reason);
            s
        }
        Status::Fail | Status::Error => {
            let kind = if v.status == Status::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let ty = v
                .checks
                .iter()
                .find(|c| matches!(c.outcome, CheckOutcome::Fail(_)))
                .map(|c| c.check.as_str())
                .unwrap_or(if v.status == Status::Fail {
                    "contract"
                } else {
                    "runtime"
                });
            let mut s = TestCaseStatus::non_success(kind);
            s.set_message(&reason)
                .set_type(ty)
                .set_description(details(v));
            s
        }
    }
}

/// Expected, observed and the per-check outcomes, one per line.
fn details(v: &Verdict) -> String {
    let o = &v.observed;
    let mut d = String::new();
    let _ = writeln!(d, "expected: {}", v.expected);
    let _ = writeln!(
        d,
        "observed: status {}, exception {}, content-type {}",
        o.status.map_or("-".to_string(), |s| s.to_string()),
        o.exception.as_deref().unwrap_or("-"),
        o.content_type.as_deref().unwrap_or("-"),
    );
    if let Some(m) = &o.message {
        let _ = writeln!(d, "message: {m}");
    }
    if !v.checks.is_empty() {
        d.push_str("checks:\n");
        for c in &v.checks {
            let _ = match &c.outcome {
                CheckOutcome::Pass => writeln!(d, "  {}: pass", c.check.as_str()),
                CheckOutcome::Fail(r) => writeln!(d, "  {}: fail: {r}", c.check.as_str()),
                CheckOutcome::Skip(r) => writeln!(d, "  {}: skip: {r}", c.check.as_str()),
            };
        }
    }
    d
}

/// The sink writing `<dir>/junit.xml` at finish. It keeps every verdict until then.
pub struct JunitReport {
    path: PathBuf,
    got: Collected,
    written: bool,
}

impl JunitReport {
    /// Writes into `dir`, creating it if need be.
    pub fn new(dir: impl AsRef<Path>) -> Self {
        JunitReport {
            path: dir.as_ref().join(JUNIT_FILE),
            got: Collected::default(),
            written: false,
        }
    }

    /// The file this sink writes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Sink for JunitReport {
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
            .as_ref()
            .ok_or(ReportError::NotStarted { what: JUNIT_FILE })?;
        let xml = junit_xml(run, &self.got.verdicts, self.got.elapsed)?;
        write_file(&self.path, xml.as_bytes())?;
        self.got.verdicts = Vec::new();
        self.written = true;
        Ok(())
    }
}
