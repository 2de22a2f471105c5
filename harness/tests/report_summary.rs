//! The summary: counts, exit codes, the rendered table and the terminal sink.

mod report_fixtures;

use cognate::check::Status;
use cognate::exit::ExitCode;
use cognate::report::{
    render_summary, render_summary_with, Event, ReportError, Reporter, Sink, Summary, Terminal,
};
use report_fixtures::{events, verdicts, BrokenPipe, SharedBuf};

fn summary_of(events: &[Event]) -> Summary {
    let mut s = Summary::new();
    for e in events {
        s.event(e);
    }
    s
}

#[test]
fn counts_per_operation_and_group() {
    let s = summary_of(&events(verdicts()));
    let t = s.totals();
    assert_eq!(
        (t.pass, t.fail, t.error, t.skip, t.total()),
        (5, 3, 1, 3, 12)
    );

    assert_eq!(s.counts("SignUp", "valid").pass, 2);
    assert_eq!(s.counts("SignUp", "pattern_mismatch").pass, 1);
    assert_eq!(s.counts("SignUp", "pattern_mismatch").fail, 1);
    assert_eq!(s.counts("InitiateAuth", "missing_required").error, 1);
    assert_eq!(s.counts("InitiateAuth", "contract").skip, 1);
    assert_eq!(s.counts("InitiateAuth", "null").total(), 0);

    let signup = s.operation_totals("SignUp");
    assert_eq!(
        (signup.pass, signup.fail, signup.error, signup.skip),
        (3, 2, 0, 1)
    );

    let rows: Vec<(String, String)> = s
        .rows()
        .into_iter()
        .map(|r| (r.operation, r.group))
        .collect();
    let expected = [
        ("InitiateAuth", "valid"),
        ("InitiateAuth", "contract"),
        ("InitiateAuth", "missing_required"),
        ("InitiateAuth", "above_max_length"),
        ("InitiateAuth", "enum_mismatch"),
        ("InitiateAuth", "wrong_content_type"),
        ("SignUp", "valid"),
        ("SignUp", "contract"),
        ("SignUp", "missing_required"),
        ("SignUp", "pattern_mismatch"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(o, g)| (o.to_string(), g.to_string()))
        .collect();
    assert_eq!(rows, expected);
}

#[test]
fn failures_and_skips_are_kept_without_verdicts() {
    let s = summary_of(&events(verdicts()));
    let f = s.failures();
    let statuses: Vec<Status> = f.iter().map(|f| f.status).collect();
    assert_eq!(
        statuses,
        [Status::Fail, Status::Fail, Status::Fail, Status::Error]
    );
    assert_eq!(f[3].reason, "transport: timed out after 10s");
    // A failure without a reason falls back to its first failing check.
    let enum_case = f.iter().find(|f| f.group == "enum_mismatch").unwrap();
    assert_eq!(enum_case.reason, "status: expected 400, got 500");

    let skipped: Vec<(&str, usize)> = s.skipped().iter().map(|(r, n)| (r.as_str(), *n)).collect();
    assert_eq!(
        skipped,
        [
            ("needs a pool with PreventUserExistenceErrors", 2),
            ("target does not check Content-Type (profile override)", 1),
        ]
    );
}

#[test]
fn exit_codes() {
    let all = verdicts();
    let only =
        |keep: &[Status]| Summary::from_verdicts(all.iter().filter(|v| keep.contains(&v.status)));
    assert_eq!(Summary::new().exit_code(), ExitCode::Pass);
    assert_eq!(only(&[Status::Pass]).exit_code(), ExitCode::Pass);
    assert_eq!(
        only(&[Status::Pass, Status::Skip]).exit_code(),
        ExitCode::Pass
    );
    assert_eq!(only(&[Status::Error]).exit_code(), ExitCode::Runtime);
    assert_eq!(
        only(&[Status::Pass, Status::Error]).exit_code(),
        ExitCode::Runtime
    );
    assert_eq!(only(&[Status::Fail]).exit_code(), ExitCode::ContractFailure);
    assert_eq!(
        Summary::from_verdicts(&all).exit_code(),
        ExitCode::ContractFailure
    );
    assert_eq!(Summary::from_verdicts(&all).exit_code().code(), 4);
    assert_eq!(only(&[Status::Error]).exit_code().code(), 3);
    assert_eq!(only(&[Status::Pass]).exit_code().code(), 0);
}

#[test]
fn rendered_summary() {
    let s = summary_of(&events(verdicts()));
    insta::assert_snapshot!("summary", render_summary(&s));
}

#[test]
fn rendered_summary_caps_the_failure_list() {
    let s = summary_of(&events(verdicts()));
    let text = render_summary_with(&s, 1);
    assert!(text.contains("  ... and 3 more\n"), "{text}");
    assert_eq!(text.matches("FAIL ").count(), 1);
}

#[test]
fn rendered_summary_of_an_all_pass_run_and_an_empty_one() {
    let all = verdicts();
    let passing = Summary::from_verdicts(all.iter().filter(|v| v.status == Status::Pass));
    insta::assert_snapshot!("summary_all_pass", render_summary(&passing));
    insta::assert_snapshot!("summary_empty", render_summary(&Summary::new()));
}

#[test]
fn arrival_order_does_not_change_the_summary() {
    let mut reversed = verdicts();
    reversed.reverse();
    assert_eq!(
        render_summary(&summary_of(&events(verdicts()))),
        render_summary(&summary_of(&events(reversed)))
    );
}

#[test]
fn terminal_prints_the_summary_on_done() {
    let buf = SharedBuf::default();
    let mut t = Terminal::to_writer(buf.clone()).quiet(true);
    let evs = events(verdicts());
    for e in &evs[..evs.len() - 1] {
        t.event(e);
    }
    assert_eq!(buf.text(), "", "nothing on stdout before Done");
    t.event(evs.last().unwrap());
    assert_eq!(buf.text(), render_summary(&summary_of(&evs)));
    t.finish().unwrap();
    assert_eq!(
        buf.text(),
        render_summary(&summary_of(&evs)),
        "printed once"
    );
}

#[test]
fn terminal_prints_an_interrupted_run_at_finish() {
    let buf = SharedBuf::default();
    let mut t = Terminal::to_writer(buf.clone()).quiet(true).max_failures(2);
    let evs = events(verdicts());
    for e in &evs[..5] {
        t.event(e);
    }
    t.finish().unwrap();
    let text = buf.text();
    assert!(
        text.starts_with("cognate 0.1.0 against reference, seed 42: 4 of 12 cases\n"),
        "{text}"
    );
}

#[test]
fn terminal_write_errors_surface_at_finish() {
    let mut t = Terminal::to_writer(BrokenPipe).quiet(true);
    for e in &events(verdicts()) {
        t.event(e);
    }
    let err = t.finish().unwrap_err();
    assert!(matches!(err, ReportError::Terminal(_)), "{err:?}");
}

#[test]
fn reporter_keeps_the_summary_and_feeds_every_sink() {
    let buf = SharedBuf::default();
    let mut r = Reporter::new();
    r.add(Terminal::to_writer(buf.clone()).quiet(true));
    for e in &events(verdicts()) {
        r.event(e);
    }
    assert_eq!(r.summary().totals().total(), 12);
    let s = r.finish().unwrap();
    assert_eq!(s.exit_code(), ExitCode::ContractFailure);
    assert_eq!(buf.text(), render_summary(&s));
}
