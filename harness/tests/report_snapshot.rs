//! The snapshot sink, report.md and the conformance document, from hand-built verdicts: the
//! files' text (insta), determinism, comparison outcomes, and no secret in a snapshot.

mod report_fixtures;

use std::collections::BTreeMap;

use cognate::check::{CheckName, CheckOutcome, CheckResult, Observed, Status, Verdict};
use cognate::exit::ExitCode;
use cognate::report::{
    conformance_markdown, markdown, Change, Event, MarkdownReport, NamedReport, Normaliser,
    ReportError, ReportFile, RunInfo, Sink, SnapshotHandle, SnapshotMode, SnapshotOutcome,
    SnapshotSink, Summary, MARKDOWN_FILE,
};
use cognate::target::{secret_hash, AppClient, Fixture, USER_PASSWORD};
use report_fixtures::{events, run_info, verdicts};

const SECRET: &str = "client-secret-0123456789abcdefghij";

fn fixture() -> Fixture {
    let mut f = Fixture {
        pool_id: "us-east-1_Fixture9".into(),
        ..Fixture::default()
    };
    f.clients.insert(
        "legacy".into(),
        AppClient {
            id: "legacyclient0000000000000a".into(),
            secret: None,
        },
    );
    f.clients.insert(
        "secret".into(),
        AppClient {
            id: "secretclient0000000000000b".into(),
            secret: Some(SECRET.into()),
        },
    );
    f.users.insert("email".into(), "cognate-email-s42".into());
    f
}

/// The fixture verdicts plus one whose message carries every kind of dynamic and secret value.
fn noisy_verdicts() -> Vec<Verdict> {
    let mut vs = verdicts();
    let hash = secret_hash(SECRET, "cognate-email-s42", "secretclient0000000000000b");
    vs.push(Verdict {
        case_id: "ffff000011112222".into(),
        operation: "SignUp".into(),
        group: "contract".into(),
        label: "a chatty target".into(),
        status: Status::Fail,
        reason: Some(format!("exception: body {SECRET} {USER_PASSWORD}")),
        checks: vec![
            CheckResult {
                check: CheckName::Transport,
                outcome: CheckOutcome::Pass,
            },
            CheckResult {
                check: CheckName::Exception,
                outcome: CheckOutcome::Fail(format!(
                    "got Boom, expected X (request 0f8fad5b-d9cb-469f-a165-70867728950e, secret {SECRET})"
                )),
            },
        ],
        observed: Observed {
            status: Some(400),
            exception: Some("Boom".into()),
            message: Some(format!(
                "User cognate-email-s42 of pool us-east-1_Fixture9 via legacyclient0000000000000a: \
                 request 0f8fad5b-d9cb-469f-a165-70867728950e at 2025-06-01T10:11:12.345Z, \
                 code 493021, password {USER_PASSWORD}, secret {SECRET}, hash {hash}"
            )),
            content_type: Some("application/x-amz-json-1.1".into()),
        },
        expected: "X (400)".into(),
        elapsed_ms: 3,
    });
    vs
}

fn run_sink(dir: &std::path::Path, mode: SnapshotMode, evs: &[Event]) -> SnapshotOutcome {
    let mut sink = SnapshotSink::new(dir, mode, Normaliser::for_fixture(&fixture()));
    let handle: SnapshotHandle = sink.handle();
    for e in evs {
        sink.event(e);
    }
    sink.finish().unwrap();
    handle.take().expect("an outcome after finish")
}

fn read_dir(dir: &std::path::Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn snapshot_files_per_operation() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = run_sink(dir.path(), SnapshotMode::Compare, &events(noisy_verdicts()));
    assert!(!outcome.drift());
    assert_eq!(outcome.exit_code(), ExitCode::Pass);
    assert_eq!(outcome.failing, 5, "3 fail + 1 error + the noisy one");
    assert!(outcome
        .files
        .iter()
        .all(|f| matches!(f.change, Change::Created { .. })));
    let files = read_dir(dir.path());
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["InitiateAuth.snap", "SignUp.snap"]
    );
    insta::assert_snapshot!("snapshot_signup", files["SignUp.snap"]);
    insta::assert_snapshot!("snapshot_initiate_auth", files["InitiateAuth.snap"]);
    let rendered = outcome.render();
    assert!(
        rendered.contains("5 case(s) fail, all recorded in the baseline"),
        "{rendered}"
    );
}

#[test]
fn no_secret_or_dynamic_value_reaches_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    run_sink(dir.path(), SnapshotMode::Compare, &events(noisy_verdicts()));
    let text = read_dir(dir.path()).into_values().collect::<String>();
    let hash = secret_hash(SECRET, "cognate-email-s42", "secretclient0000000000000b");
    for secret in [USER_PASSWORD, SECRET, hash.as_str(), "493021"] {
        assert!(!text.contains(secret), "{secret} in:\n{text}");
    }
    for dynamic in [
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "2025-06-01T10:11:12",
        "us-east-1_Fixture9",
        "legacyclient0000000000000a",
        "cognate-email-s42",
    ] {
        assert!(!text.contains(dynamic), "{dynamic} in:\n{text}");
    }
    for token in [
        "<user.email>",
        "<pool>",
        "<client.legacy>",
        "<uuid>",
        "<timestamp>",
        "<digits>",
        "<redacted>",
    ] {
        assert!(text.contains(token), "{token} missing from:\n{text}");
    }
}

#[test]
fn snapshots_are_sorted_and_independent_of_arrival_order() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let mut reversed = noisy_verdicts();
    reversed.reverse();
    run_sink(a.path(), SnapshotMode::Compare, &events(noisy_verdicts()));
    run_sink(b.path(), SnapshotMode::Compare, &events(reversed));
    assert_eq!(read_dir(a.path()), read_dir(b.path()));
    let signup = &read_dir(a.path())["SignUp.snap"];
    let ids: Vec<&str> = signup
        .lines()
        .filter_map(|l| l.strip_prefix('['))
        .map(|l| &l[..16])
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    assert_eq!(ids.len(), 7);
}

#[test]
fn comparing_detects_drift_and_update_rewrites() {
    let dir = tempfile::tempdir().unwrap();
    run_sink(dir.path(), SnapshotMode::Compare, &events(verdicts()));
    let before = read_dir(dir.path());

    // The same answers: unchanged.
    let same = run_sink(dir.path(), SnapshotMode::Compare, &events(verdicts()));
    assert!(same.files.iter().all(|f| f.change == Change::Unchanged));
    assert_eq!(read_dir(dir.path()), before);

    // One answer changes: drift in SignUp only, naming the case; nothing is rewritten.
    let mut changed = verdicts();
    let victim = changed
        .iter_mut()
        .find(|v| v.label == "all required members")
        .unwrap();
    victim.observed.status = Some(201);
    let victim_id = victim.case_id.clone();
    let drift = run_sink(dir.path(), SnapshotMode::Compare, &events(changed.clone()));
    assert!(drift.drift());
    assert_eq!(drift.exit_code(), ExitCode::SnapshotDrift);
    let signup = drift
        .files
        .iter()
        .find(|f| f.operation == "SignUp")
        .unwrap();
    let Change::Drift { changes, diff } = &signup.change else {
        panic!("{:?}", signup.change)
    };
    assert_eq!(
        changes.changed,
        [format!("{victim_id} (valid: all required members)")]
    );
    assert!(
        diff.contains("-  answer    200\n+  answer    201\n"),
        "{diff}"
    );
    assert!(diff.contains(&format!("@@ [{victim_id}] valid")), "{diff}");
    let rendered = drift.render();
    assert!(rendered.contains(&victim_id), "{rendered}");
    assert!(rendered.contains("--update"), "{rendered}");
    assert_eq!(
        read_dir(dir.path()),
        before,
        "a drifting run writes nothing"
    );

    // --update rewrites, and the rewritten file is the new baseline.
    let updated = run_sink(dir.path(), SnapshotMode::Update, &events(changed.clone()));
    assert!(!updated.drift());
    assert!(updated
        .files
        .iter()
        .any(|f| matches!(f.change, Change::Updated(_))));
    let again = run_sink(dir.path(), SnapshotMode::Compare, &events(changed));
    assert!(again.files.iter().all(|f| f.change == Change::Unchanged));
}

#[test]
fn a_new_version_with_the_same_answers_is_not_drift() {
    let dir = tempfile::tempdir().unwrap();
    run_sink(dir.path(), SnapshotMode::Compare, &events(verdicts()));
    let before = read_dir(dir.path());
    let mut evs = events(verdicts());
    evs[0] = Event::Started(RunInfo {
        target_version: Some("9.9.9".into()),
        ..run_info()
    });
    let outcome = run_sink(dir.path(), SnapshotMode::Compare, &evs);
    assert!(!outcome.drift());
    for f in &outcome.files {
        let Change::HeaderOnly(c) = &f.change else {
            panic!("{:?}", f.change)
        };
        assert_eq!(c.header, ["target version: unknown → 9.9.9"]);
    }
    assert_eq!(read_dir(dir.path()), before, "left for --update");
}

#[test]
fn unreadable_snapshot_and_missing_start_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the file should be cannot be read as a snapshot.
    std::fs::create_dir_all(dir.path().join("SignUp.snap")).unwrap();
    let mut sink = SnapshotSink::new(dir.path(), SnapshotMode::Compare, Normaliser::new());
    for e in &events(verdicts()) {
        sink.event(e);
    }
    assert!(matches!(sink.finish(), Err(ReportError::Read { .. })));

    let mut sink = SnapshotSink::new(dir.path(), SnapshotMode::Compare, Normaliser::new());
    assert!(matches!(sink.finish(), Err(ReportError::NotStarted { .. })));
}

#[test]
fn report_md_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = MarkdownReport::new(dir.path());
    assert_eq!(sink.path(), dir.path().join(MARKDOWN_FILE));
    for e in &events(verdicts()) {
        sink.event(e);
    }
    sink.finish().unwrap();
    let md = std::fs::read_to_string(dir.path().join(MARKDOWN_FILE)).unwrap();
    insta::assert_snapshot!("report_md", md);
    // Every failing case is listed with its id; the label's newline and the reason's escape
    // sequence stay on one line.
    let summary = Summary::from_verdicts(&verdicts());
    for f in summary.failures() {
        assert!(md.contains(&format!("`{}`", f.case_id)), "{}", f.case_id);
    }
    assert!(!md.contains('\u{1b}'));
    assert!(md.contains("| SignUp | valid | 2 | 0 | 0 | 0 |"), "{md}");
}

#[test]
fn report_md_of_a_clean_run() {
    let passing: Vec<Verdict> = verdicts()
        .into_iter()
        .filter(|v| v.status == Status::Pass)
        .collect();
    let mut s = Summary::new();
    for e in &events(passing) {
        s.event(e);
    }
    let md = markdown(&s);
    assert!(md.contains("**Result:** 5 passed."), "{md}");
    assert!(!md.contains("## Failures"), "{md}");
}

fn two_reports() -> Vec<NamedReport> {
    let passing: Vec<Verdict> = verdicts()
        .into_iter()
        .map(|mut v| {
            if matches!(v.status, Status::Fail | Status::Error) {
                v.status = Status::Pass;
                v.reason = None;
                for c in &mut v.checks {
                    if matches!(c.outcome, CheckOutcome::Fail(_)) {
                        c.outcome = CheckOutcome::Pass;
                    }
                }
            }
            v
        })
        .collect();
    // A second failing case of the same kind as one already there, and a property case.
    let mut diverging = verdicts();
    let mut twin = diverging
        .iter()
        .find(|v| v.label == "without Username")
        .unwrap()
        .clone();
    twin.case_id = "0000aaaa0000aaaa".into();
    twin.label = "property #3: without Username".into();
    diverging.push(twin);
    vec![
        NamedReport {
            name: "reference".into(),
            report: ReportFile::new(
                RunInfo {
                    target_version: Some("cognate 0.1.0".into()),
                    ..run_info()
                },
                passing,
                None,
            ),
        },
        NamedReport {
            name: "emulator".into(),
            report: ReportFile::new(
                RunInfo {
                    target: "http://127.0.0.1:5000".into(),
                    ..run_info()
                },
                diverging,
                None,
            ),
        },
    ]
}

#[test]
fn conformance_document() {
    let doc = conformance_markdown(&two_reports());
    insta::assert_snapshot!("conformance", doc);
    // The two "without Username" cases are one divergence, counted twice, shown by the smaller
    // id, replayed with the run's --cases.
    assert!(doc.contains("(2 cases)"), "{doc}");
    assert!(doc.contains(
        "cognate replay 0000aaaa0000aaaa --seed 42 --operation SignUp --cases 4 --target http://127.0.0.1:5000"
    ), "{doc}");
    assert!(
        doc.contains("| **total** | | 9/12 (3 skipped) | 5/13 ✗ (3 skipped) |"),
        "{doc}"
    );
    // Deterministic, and the column order is the order given.
    assert_eq!(doc, conformance_markdown(&two_reports()));
    let mut swapped = two_reports();
    swapped.reverse();
    assert!(conformance_markdown(&swapped).contains("| operation | rule | emulator | reference |"));
}
