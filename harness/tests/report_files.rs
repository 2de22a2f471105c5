//! report.json and junit.xml: written into a directory at finish, deterministic, report.json
//! valid against docs/report.schema.json.

mod report_fixtures;

use std::path::PathBuf;
use std::time::Duration;

use cognate::check::{CheckName, CheckOutcome, CheckResult, Observed, Status, Verdict};
use cognate::report::{
    Event, JsonReport, JunitReport, ReportError, ReportFile, Reporter, RunInfo, Sink, FORMAT,
    JSON_FILE, JUNIT_FILE,
};
use proptest::prelude::*;
use report_fixtures::{events, run_info, verdicts};
use serde_json::Value;

fn schema() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/report.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).expect("docs/report.schema.json compiles")
}

fn assert_valid(v: &jsonschema::Validator, instance: &Value) {
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report.json breaks its schema:\n{}",
        errors.join("\n")
    );
}

fn run_through(sink: &mut dyn Sink, evs: &[Event]) -> Result<(), ReportError> {
    for e in evs {
        sink.event(e);
    }
    sink.finish()
}

#[test]
fn schema_is_a_valid_2020_12_schema() {
    jsonschema::meta::validate(&schema()).unwrap();
    assert_eq!(
        schema()["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
}

#[test]
fn report_json_validates_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = JsonReport::new(dir.path());
    assert_eq!(sink.path(), dir.path().join(JSON_FILE));
    run_through(&mut sink, &events(verdicts())).unwrap();

    let text = std::fs::read_to_string(dir.path().join(JSON_FILE)).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_valid(&validator(), &value);

    let parsed: ReportFile = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed.format, FORMAT);
    assert_eq!(parsed.run, run_info());
    assert_eq!(parsed.elapsed_ms, Some(10_234));
    assert_eq!(parsed.summary.totals.total(), 12);
    assert_eq!(parsed.summary.totals.fail, 3);
    assert_eq!(parsed.summary.rows.len(), 10);
    assert_eq!(
        parsed.to_json().unwrap(),
        text,
        "serialise(parse(file)) == file"
    );
    let expected = ReportFile::new(run_info(), verdicts(), Some(Duration::from_millis(10_234)));
    assert_eq!(parsed, expected);
}

#[test]
fn report_json_is_sorted_and_deterministic() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let mut reversed = verdicts();
    reversed.reverse();
    run_through(&mut JsonReport::new(a.path()), &events(verdicts())).unwrap();
    run_through(&mut JsonReport::new(b.path()), &events(reversed)).unwrap();
    let a = std::fs::read(a.path().join(JSON_FILE)).unwrap();
    let b = std::fs::read(b.path().join(JSON_FILE)).unwrap();
    assert_eq!(a, b);

    let parsed: ReportFile = serde_json::from_slice(&a).unwrap();
    let keys: Vec<(&str, &str)> = parsed
        .verdicts
        .iter()
        .map(|v| (v.operation.as_str(), v.case_id.as_str()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(keys[0].0, "InitiateAuth");
}

#[test]
fn report_json_top_level_and_verdict_fields() {
    let report = ReportFile::new(run_info(), verdicts(), None);
    let value: Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    let top: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(top, ["format", "run", "summary", "elapsed_ms", "verdicts"]);
    assert_eq!(value["elapsed_ms"], Value::Null);
    // The schema closes every object, so no request body can slip in; check the verdict shape
    // here too so a new Verdict field fails loudly until the schema learns it.
    let fields: Vec<&str> = value["verdicts"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        [
            "case_id",
            "operation",
            "group",
            "label",
            "status",
            "reason",
            "checks",
            "observed",
            "expected",
            "elapsed_ms"
        ]
    );
    assert_valid(&validator(), &value);
}

#[test]
fn schema_rejects_extra_fields_and_reasonless_failed_checks() {
    let v = validator();
    let good: Value = serde_json::from_str(
        &ReportFile::new(run_info(), verdicts(), None)
            .to_json()
            .unwrap(),
    )
    .unwrap();

    let mut body = good.clone();
    body["verdicts"][0]["request"] = serde_json::json!({"body": "{\"Password\":\"hunter2\"}"});
    assert!(!v.is_valid(&body));

    let mut no_reason = good.clone();
    no_reason["verdicts"][0]["checks"][0] =
        serde_json::json!({"check": "transport", "result": "fail"});
    assert!(!v.is_valid(&no_reason));

    let mut bad_status = good;
    bad_status["verdicts"][0]["status"] = "flaky".into();
    assert!(!v.is_valid(&bad_status));
}

#[test]
fn junit_xml_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = JunitReport::new(dir.path());
    assert_eq!(sink.path(), dir.path().join(JUNIT_FILE));
    run_through(&mut sink, &events(verdicts())).unwrap();
    let xml = std::fs::read_to_string(dir.path().join(JUNIT_FILE)).unwrap();
    insta::assert_snapshot!("junit", xml);

    let report = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    let suites: Vec<&str> = report.test_suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(suites, ["InitiateAuth", "SignUp"]);
    assert_eq!(report.tests, 12);
    assert_eq!(report.failures, 3);
    assert_eq!(report.errors, 1);
    let signup = &report.test_suites[1];
    assert_eq!(signup.tests, 6);
    assert_eq!(signup.disabled, 1);
    assert!(signup.test_cases.iter().any(|c| c
        .name
        .as_str()
        .starts_with("missing_required: without Username [")));
}

#[test]
fn reporter_writes_both_files_into_a_new_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested/out");
    let mut r = Reporter::new();
    r.add(JsonReport::new(&out)).add(JunitReport::new(&out));
    for e in &events(verdicts()) {
        r.event(e);
    }
    let summary = r.finish().unwrap();
    assert_eq!(summary.exit_code().code(), 4);
    assert!(out.join(JSON_FILE).is_file());
    assert!(out.join(JUNIT_FILE).is_file());
}

/// junit.xml written from the verdicts report.json's sink collects is the file a JUnit sink of
/// its own writes, and report.json is unchanged by the company.
#[test]
fn junit_beside_json_writes_the_same_files_as_each_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (alone, shared) = (dir.path().join("alone"), dir.path().join("shared"));
    let mut r = Reporter::new();
    r.add(JsonReport::new(&alone)).add(JunitReport::new(&alone));
    let json = JsonReport::new(&shared);
    let junit = JunitReport::beside(&shared, &json);
    let mut s = Reporter::new();
    s.add(json).add(junit);
    for e in &events(verdicts()) {
        r.event(e);
        s.event(e);
    }
    r.finish().unwrap();
    s.finish().unwrap();
    for file in [JSON_FILE, JUNIT_FILE] {
        let (a, b) = (
            std::fs::read(alone.join(file)).unwrap(),
            std::fs::read(shared.join(file)).unwrap(),
        );
        assert!(!a.is_empty());
        assert_eq!(
            String::from_utf8(a).unwrap(),
            String::from_utf8(b).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn unwritable_directory_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let out = file.join("reports");

    for mut sink in [
        Box::new(JsonReport::new(&out)) as Box<dyn Sink>,
        Box::new(JunitReport::new(&out)),
    ] {
        let err = run_through(sink.as_mut(), &events(verdicts())).unwrap_err();
        match &err {
            ReportError::Io { path, .. } => assert!(path.starts_with(&file), "{path:?}"),
            other => panic!("expected an io error, got {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains(&out.display().to_string()), "{msg}");
    }
}

#[test]
fn reporter_finishes_every_sink_and_returns_the_first_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let good = dir.path().join("good");
    let mut r = Reporter::new();
    r.add(JsonReport::new(file.join("reports")))
        .add(JunitReport::new(&good));
    for e in &events(verdicts()) {
        r.event(e);
    }
    assert!(matches!(r.finish(), Err(ReportError::Io { .. })));
    assert!(
        good.join(JUNIT_FILE).is_file(),
        "the later sink still wrote its file"
    );
}

/// A sink that fails at finish after `delay`, saying who it is.
struct SlowFailure {
    what: &'static str,
    delay: Duration,
}

impl Sink for SlowFailure {
    fn event(&mut self, _: &Event) {}
    fn finish(&mut self) -> Result<(), ReportError> {
        std::thread::sleep(self.delay);
        Err(ReportError::NotStarted { what: self.what })
    }
}

#[test]
fn sinks_finishing_side_by_side_report_the_first_added_error() {
    let mut r = Reporter::new();
    // The first sink fails last: the error returned is still the first sink's.
    r.add(SlowFailure {
        what: "first",
        delay: Duration::from_millis(200),
    })
    .add(SlowFailure {
        what: "second",
        delay: Duration::ZERO,
    })
    .add(SlowFailure {
        what: "third",
        delay: Duration::from_millis(20),
    });
    match r.finish() {
        Err(ReportError::NotStarted { what }) => assert_eq!(what, "first"),
        other => panic!("expected the first sink's error, got {other:?}"),
    }
}

#[test]
fn a_file_sink_without_a_run_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = JsonReport::new(dir.path());
    assert!(matches!(j.finish(), Err(ReportError::NotStarted { .. })));
    let mut x = JunitReport::new(dir.path());
    assert!(matches!(x.finish(), Err(ReportError::NotStarted { .. })));
}

// Any verdicts the check stage could produce give a report.json that validates and round-trips.

fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z0-9 _:'.-]{0,24}", any::<String>()]
}

fn check_result() -> impl Strategy<Value = CheckResult> {
    let name = prop_oneof![
        Just(CheckName::Transport),
        Just(CheckName::NoServerError),
        Just(CheckName::Status),
        Just(CheckName::Exception),
        Just(CheckName::Envelope),
        Just(CheckName::Shape),
        Just(CheckName::Redaction),
    ];
    let outcome = prop_oneof![
        Just(CheckOutcome::Pass),
        text().prop_map(CheckOutcome::Fail),
        text().prop_map(CheckOutcome::Skip),
    ];
    (name, outcome).prop_map(|(check, outcome)| CheckResult { check, outcome })
}

fn verdict() -> impl Strategy<Value = Verdict> {
    let status = prop_oneof![
        Just(Status::Pass),
        Just(Status::Fail),
        Just(Status::Error),
        Just(Status::Skip),
    ];
    let observed = (
        proptest::option::of(any::<u16>()),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(text()),
    )
        .prop_map(|(status, exception, message, content_type)| Observed {
            status,
            exception,
            message,
            content_type,
        });
    (
        "[0-9a-f]{16}",
        prop_oneof![Just("SignUp"), Just("InitiateAuth"), Just("ConfirmSignUp")],
        "[a-z_]{1,20}",
        text(),
        status,
        proptest::option::of(text()),
        proptest::collection::vec(check_result(), 0..8),
        observed,
        text(),
        any::<u64>(),
    )
        .prop_map(
            |(case_id, op, group, label, status, reason, checks, observed, expected, ms)| Verdict {
                case_id,
                operation: op.to_string(),
                group,
                label,
                status,
                reason,
                checks,
                observed,
                expected,
                elapsed_ms: ms,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn any_report_validates_and_round_trips(
        verdicts in proptest::collection::vec(verdict(), 0..12),
        seed in any::<u64>(),
        elapsed in proptest::option::of(any::<u64>()),
    ) {
        let run = RunInfo { seed, ..run_info() };
        let report = ReportFile::new(run, verdicts, elapsed.map(Duration::from_millis));
        let text = report.to_json().unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        prop_assert!(validator().is_valid(&value));
        let back: ReportFile = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(back, report);
    }
}

#[test]
fn finish_writes_once_and_a_failed_write_can_be_retried() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("out");
    std::fs::write(&blocker, "x").unwrap();
    let mut json = JsonReport::new(&blocker);
    let mut junit = JunitReport::new(&blocker);
    for e in &events(verdicts()) {
        json.event(e);
        junit.event(e);
    }
    assert!(json.finish().is_err());
    assert!(junit.finish().is_err());

    std::fs::remove_file(&blocker).unwrap();
    json.finish().unwrap();
    junit.finish().unwrap();
    let first = std::fs::read(blocker.join(JSON_FILE)).unwrap();
    let parsed: ReportFile = serde_json::from_slice(&first).unwrap();
    assert_eq!(parsed.verdicts.len(), 12, "the retry kept every verdict");

    json.finish().unwrap();
    junit.finish().unwrap();
    assert_eq!(std::fs::read(blocker.join(JSON_FILE)).unwrap(), first);
    let xml = std::fs::read_to_string(blocker.join(JUNIT_FILE)).unwrap();
    assert!(xml.contains("tests=\"12\""));
}
