//! `junit.xml`: one test suite per operation, one test case per verdict.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use quick_junit::XmlString;
use quick_xml::escape::escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event as XmlEvent};
use quick_xml::Writer;

use super::summary::reason_of;
use super::{
    one_line, verdict_order, write_file_with, Event, Held, ReportError, RunInfo, Sink, Summary,
};
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
    let summary = Summary::from_verdicts(verdicts.iter());
    let mut case_ms: BTreeMap<String, u64> = BTreeMap::new();
    for v in verdicts {
        *case_ms.entry(v.operation.clone()).or_default() += v.elapsed_ms;
    }
    let totals = Totals {
        run,
        summary: &summary,
        case_ms: &case_ms,
        elapsed,
    };
    let mut out = Vec::new();
    let mut fragments = Fragments::new();
    let mut rendered = Vec::new();
    write_junit(&mut out, &totals, |each| {
        for v in sorted {
            rendered.clear();
            fragments.render(v, &mut rendered);
            each(&v.operation, &rendered)?;
        }
        Ok(())
    })
    .map_err(|e| ReportError::Serialize {
        what: JUNIT_FILE,
        message: e.to_string(),
    })?;
    String::from_utf8(out).map_err(|e| ReportError::Serialize {
        what: JUNIT_FILE,
        message: e.to_string(),
    })
}

/// What the suite and report headers say, known before the first test case is written.
struct Totals<'a> {
    run: &'a RunInfo,
    summary: &'a Summary,
    case_ms: &'a BTreeMap<String, u64>,
    elapsed: Option<Duration>,
}

/// Test cases rendered one at a time, each as the bytes it has inside its suite: a writer kept
/// two elements deep, so indentation matches the whole file's.
struct Fragments(Writer<Vec<u8>>);

impl Fragments {
    fn new() -> Fragments {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 4);
        for tag in ["testsuites", "testsuite"] {
            // Into a Vec: cannot fail.
            let _ = w.write_event(XmlEvent::Start(BytesStart::new(tag)));
        }
        w.get_mut().clear();
        Fragments(w)
    }

    fn render(&mut self, v: &Verdict, out: &mut Vec<u8>) {
        if v.status == Status::Pass {
            passed_case(v, out);
            return;
        }
        let _ = test_case(&mut self.0, v);
        out.append(self.0.get_mut());
    }
}

/// A passed test case, an element without children, written out: the bytes the writer gives it
/// two elements deep (a test holds them to it). Nearly every case passes, and building its
/// attributes through the writer was most of junit.xml's rendering.
fn passed_case(v: &Verdict, out: &mut Vec<u8>) {
    let [(_, name), (_, classname), (_, time)] = case_attributes(v);
    out.extend_from_slice(b"\n        <testcase name=\"");
    out.extend_from_slice(escape(name.as_str()).as_bytes());
    out.extend_from_slice(b"\" classname=\"");
    out.extend_from_slice(escape(classname.as_str()).as_bytes());
    out.extend_from_slice(b"\" time=\"");
    out.extend_from_slice(escape(time.as_str()).as_bytes());
    out.extend_from_slice(b"\">\n        </testcase>");
}

/// A test case's attributes, cleaned as quick-junit cleans them and not yet escaped.
fn case_attributes(v: &Verdict) -> [(&'static str, String); 3] {
    [
        (
            "name",
            clean(&one_line(&format!(
                "{}: {} [{}]",
                v.group, v.label, v.case_id
            ))),
        ),
        ("classname", clean(&v.operation)),
        ("time", seconds(Duration::from_millis(v.elapsed_ms))),
    ]
}

/// junit.xml, in quick-junit's layout (the same writer, indentation and text cleaning), which
/// parses it back. `cases` hands over every rendered test case with its operation, in file
/// order.
fn write_junit(
    out: &mut dyn std::io::Write,
    t: &Totals<'_>,
    cases: impl FnOnce(&mut dyn FnMut(&str, &[u8]) -> std::io::Result<()>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut w = Writer::new_with_indent(out, b' ', 4);
    w.write_event(XmlEvent::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let totals = t.summary.totals();
    let mut root = BytesStart::new("testsuites");
    root.extend_attributes([
        ("name", "cognate"),
        ("tests", totals.total().to_string().as_str()),
        ("failures", totals.fail.to_string().as_str()),
        ("errors", totals.error.to_string().as_str()),
    ]);
    if let Some(e) = t.elapsed {
        root.push_attribute(("time", seconds(e).as_str()));
    }
    w.write_event(XmlEvent::Start(root))?;
    let mut suite: Option<String> = None;
    cases(&mut |op, fragment| {
        if suite.as_deref() != Some(op) {
            if suite.is_some() {
                w.write_event(XmlEvent::End(BytesEnd::new("testsuite")))?;
            }
            start_suite(&mut w, t, op)?;
            suite = Some(op.to_owned());
        }
        w.get_mut().write_all(fragment)
    })?;
    if suite.is_some() {
        w.write_event(XmlEvent::End(BytesEnd::new("testsuite")))?;
    }
    w.write_event(XmlEvent::End(BytesEnd::new("testsuites")))?;
    w.write_event(XmlEvent::Eof)?;
    w.write_indent()
}

fn start_suite<W: std::io::Write>(
    w: &mut Writer<W>,
    t: &Totals<'_>,
    op: &str,
) -> std::io::Result<()> {
    let c = t.summary.operation_totals(op);
    let time = Duration::from_millis(t.case_ms.get(op).copied().unwrap_or(0));
    let mut tag = BytesStart::new("testsuite");
    tag.extend_attributes([
        ("name", clean(op).as_str()),
        ("tests", c.total().to_string().as_str()),
        ("disabled", c.skip.to_string().as_str()),
        ("errors", c.error.to_string().as_str()),
        ("failures", c.fail.to_string().as_str()),
        ("time", seconds(time).as_str()),
    ]);
    w.write_event(XmlEvent::Start(tag))?;
    w.write_event(XmlEvent::Start(BytesStart::new("properties")))?;
    let incomplete = t
        .summary
        .incomplete_line()
        .map(|l| ("incomplete", clean(&l)));
    for (name, value) in [
        ("target", clean(&t.run.target)),
        ("seed", t.run.seed.to_string()),
        ("harness_version", clean(&t.run.harness_version)),
    ]
    .into_iter()
    .chain(incomplete)
    {
        let mut p = BytesStart::new("property");
        p.extend_attributes([("name", name), ("value", value.as_str())]);
        w.write_event(XmlEvent::Empty(p))?;
    }
    w.write_event(XmlEvent::End(BytesEnd::new("properties")))
}

fn test_case<W: std::io::Write>(w: &mut Writer<W>, v: &Verdict) -> std::io::Result<()> {
    let mut tag = BytesStart::new("testcase");
    tag.extend_attributes(
        case_attributes(v)
            .iter()
            .map(|(key, value)| (*key, value.as_str())),
    );
    w.write_event(XmlEvent::Start(tag))?;
    let reason = clean(&one_line(&reason_of(v)));
    match v.status {
        Status::Pass => {}
        Status::Skip => {
            let mut s = BytesStart::new("skipped");
            s.push_attribute(("message", reason.as_str()));
            w.write_event(XmlEvent::Empty(s))?;
        }
        Status::Fail | Status::Error => {
            let (tag_name, fallback) = if v.status == Status::Fail {
                ("failure", "contract")
            } else {
                ("error", "runtime")
            };
            let ty = v
                .checks
                .iter()
                .find(|c| matches!(c.outcome, CheckOutcome::Fail(_)))
                .map_or(fallback, |c| c.check.as_str());
            let mut s = BytesStart::new(tag_name);
            s.extend_attributes([("message", reason.as_str()), ("type", ty)]);
            w.write_event(XmlEvent::Start(s))?;
            w.write_event(XmlEvent::Text(BytesText::new(&clean(&details(v)))))?;
            w.write_event(XmlEvent::End(BytesEnd::new(tag_name)))?;
        }
    }
    w.write_event(XmlEvent::End(BytesEnd::new("testcase")))
}

/// Text as quick-junit cleans it: no ANSI escapes, no character XML cannot hold.
fn clean(s: &str) -> String {
    // quick-junit runs every string through a terminal parser (strip-ansi-escapes), which cost
    // more than the rest of a test case's rendering. Printable ASCII and line feeds pass through
    // it unchanged, and nearly every string is only that.
    if s.bytes().all(|b| matches!(b, b' '..=b'~' | b'\n')) {
        return s.to_owned();
    }
    XmlString::new(s).as_str().to_owned()
}

fn seconds(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
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

/// The sink writing `<dir>/junit.xml` at finish. It keeps the verdicts on disk until then.
pub struct JunitReport {
    path: PathBuf,
    got: Held,
    fragments: Fragments,
    written: bool,
}

impl JunitReport {
    /// Writes into `dir`, creating it if need be.
    pub fn new(dir: impl AsRef<Path>) -> Self {
        JunitReport {
            path: dir.as_ref().join(JUNIT_FILE),
            got: Held::own(),
            fragments: Fragments::new(),
            written: false,
        }
    }

    /// Writes into `dir` the verdicts `json` collects, which are then encoded and kept once for
    /// both files. This sink takes no events of its own: add both to the [`super::Reporter`].
    pub fn beside(dir: impl AsRef<Path>, json: &super::JsonReport) -> Self {
        JunitReport {
            got: json.held(),
            ..JunitReport::new(dir)
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

    /// Writes the file once; a second call does nothing, a failed one can be retried.
    fn finish(&mut self) -> Result<(), ReportError> {
        if self.written {
            return Ok(());
        }
        let path = &self.path;
        let got = self.got.sealed(path)?;
        let run = got
            .run
            .as_ref()
            .ok_or(ReportError::NotStarted { what: JUNIT_FILE })?;
        let totals = Totals {
            run,
            summary: &got.summary,
            case_ms: &got.case_ms,
            elapsed: got.elapsed,
        };
        let fragments = &mut self.fragments;
        write_file_with(path, |out| {
            write_junit(out, &totals, |each| {
                super::for_each_rendered(&got.verdicts, |v, o| fragments.render(v, o), each)
            })
            .map_err(|source| ReportError::Io {
                path: path.clone(),
                source,
            })
        })?;
        self.written = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // The fast path must be invisible: the same text quick-junit's own cleaning gives.
        #[test]
        fn clean_is_quick_junits_cleaning(s in "[ -~\n]{0,64}|\\PC{0,32}|[\t\r\x1b\x7f -~\u{80}-\u{9f}\n]{0,32}") {
            let expected = XmlString::new(&s);
            prop_assert_eq!(clean(&s), expected.as_str());
        }
    }

    proptest! {
        /// A passed case written out is what the writer writes for it, whatever its text.
        #[test]
        fn a_passed_case_is_the_writers_bytes(
            v in super::super::compact::tests::verdict(),
            name in "[ -~\n]{0,64}|\\PC{0,32}|[\t\r\x1b\x7f -~\u{80}-\u{9f}\n&<>\"']{0,32}",
        ) {
            let v = Verdict { status: Status::Pass, label: name, ..v };
            let mut writer = Fragments::new();
            let _ = test_case(&mut writer.0, &v);
            let want = writer.0.get_mut().clone();
            let mut got = Vec::new();
            Fragments::new().render(&v, &mut got);
            prop_assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap());
        }
    }

    #[test]
    fn clean_strips_escapes_and_control_characters() {
        assert_eq!(clean("plain text\nsecond line"), "plain text\nsecond line");
        assert_eq!(clean("\x1b[31mred\x1b[0m\tx\r"), "redx");
    }
}
