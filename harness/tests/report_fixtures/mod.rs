//! Hand-built verdicts shared by the report tests: two operations, several groups, every status.
#![allow(dead_code)]

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cognate::check::{CheckName, CheckOutcome, CheckResult, Observed, Status, Verdict};
use cognate::generate::stable_id;
use cognate::report::{Event, RunInfo};

pub fn run_info() -> RunInfo {
    RunInfo {
        harness_version: "0.1.0".into(),
        target: "reference".into(),
        target_version: None,
        seed: 42,
        operations: vec!["SignUp".into(), "InitiateAuth".into()],
        cases: 12,
        started: "2025-01-02T03:04:05Z".into(),
        not_implemented: Vec::new(),
        warnings: Vec::new(),
        partition: None,
    }
}

fn check(check: CheckName, outcome: CheckOutcome) -> CheckResult {
    CheckResult { check, outcome }
}

fn pass(c: CheckName) -> CheckResult {
    check(c, CheckOutcome::Pass)
}

fn fail(c: CheckName, r: &str) -> CheckResult {
    check(c, CheckOutcome::Fail(r.into()))
}

fn skip(c: CheckName, r: &str) -> CheckResult {
    check(c, CheckOutcome::Skip(r.into()))
}

fn json_400(exception: &str, message: &str) -> Observed {
    Observed {
        status: Some(400),
        exception: Some(exception.into()),
        message: Some(message.into()),
        content_type: Some("application/x-amz-json-1.1".into()),
    }
}

fn ok_200() -> Observed {
    Observed {
        status: Some(200),
        exception: None,
        message: None,
        content_type: Some("application/x-amz-json-1.1".into()),
    }
}

#[allow(clippy::too_many_arguments)]
fn verdict(
    operation: &str,
    group: &str,
    label: &str,
    status: Status,
    reason: Option<&str>,
    checks: Vec<CheckResult>,
    observed: Observed,
    expected: &str,
    elapsed_ms: u64,
) -> Verdict {
    Verdict {
        case_id: stable_id(&[operation, group, label, "42"]),
        operation: operation.into(),
        group: group.into(),
        label: label.into(),
        status,
        reason: reason.map(str::to_string),
        checks,
        observed,
        expected: expected.into(),
        elapsed_ms,
    }
}

fn all_pass_success() -> Vec<CheckResult> {
    use CheckName::*;
    vec![
        pass(Transport),
        pass(NoServerError),
        pass(Status),
        pass(Envelope),
        pass(Shape),
        pass(Redaction),
    ]
}

fn all_pass_error() -> Vec<CheckResult> {
    use CheckName::*;
    vec![
        pass(Transport),
        pass(NoServerError),
        pass(Status),
        pass(Exception),
        pass(Envelope),
        skip(Shape, "not a success case"),
        pass(Redaction),
    ]
}

const IPE: &str = "InvalidParameterException (400)";
const PUE: &str = "needs a pool with PreventUserExistenceErrors";

/// Twelve verdicts: 5 pass, 3 fail, 1 error, 3 skip, across SignUp and InitiateAuth.
pub fn verdicts() -> Vec<Verdict> {
    vec![
        verdict("SignUp", "valid", "all required members", Status::Pass, None, all_pass_success(), ok_200(), "success", 12),
        verdict("SignUp", "valid", "Username at max length 128", Status::Pass, None, all_pass_success(), ok_200(), "success", 9),
        verdict(
            "SignUp",
            "missing_required",
            "without Username",
            Status::Fail,
            Some("status: expected 400, got 200"),
            vec![
                pass(CheckName::Transport),
                pass(CheckName::NoServerError),
                fail(CheckName::Status, "expected 400, got 200"),
                fail(CheckName::Exception, "expected InvalidParameterException, got none"),
                pass(CheckName::Envelope),
                skip(CheckName::Shape, "not a success case"),
                pass(CheckName::Redaction),
            ],
            ok_200(),
            IPE,
            15,
        ),
        verdict(
            "SignUp",
            "pattern_mismatch",
            "Username with a space at the start",
            Status::Pass,
            None,
            all_pass_error(),
            json_400("InvalidParameterException", "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"),
            IPE,
            7,
        ),
        verdict(
            "SignUp",
            "pattern_mismatch",
            "Username with a control character\n(newline)",
            Status::Fail,
            Some("exception: expected InvalidParameterException, got UsernameExistsException \u{1b}[31m<redacted>"),
            vec![
                pass(CheckName::Transport),
                pass(CheckName::NoServerError),
                pass(CheckName::Status),
                fail(CheckName::Exception, "expected InvalidParameterException, got UsernameExistsException"),
                pass(CheckName::Envelope),
                skip(CheckName::Shape, "not a success case"),
                pass(CheckName::Redaction),
            ],
            json_400("UsernameExistsException", "User already exists"),
            IPE,
            8,
        ),
        verdict("SignUp", "contract", "unknown client id", Status::Skip, Some(PUE), vec![], Observed::default(), "ResourceNotFoundException (400)", 0),
        verdict("InitiateAuth", "valid", "USER_PASSWORD_AUTH", Status::Pass, None, all_pass_success(), ok_200(), "success", 20),
        verdict(
            "InitiateAuth",
            "missing_required",
            "without AuthFlow",
            Status::Error,
            Some("transport: timed out after 10s"),
            vec![fail(CheckName::Transport, "timed out after 10s")],
            Observed::default(),
            IPE,
            10_000,
        ),
        verdict("InitiateAuth", "above_max_length", "ClientId at 129 characters", Status::Pass, None, all_pass_error(), json_400("InvalidParameterException", "1 validation error detected"), IPE, 6),
        verdict("InitiateAuth", "contract", "unknown user", Status::Skip, Some(PUE), vec![], Observed::default(), "NotAuthorizedException (400)", 0),
        verdict("InitiateAuth", "wrong_content_type", "Content-Type text/plain", Status::Skip, Some("target does not check Content-Type (profile override)"), vec![], Observed::default(), "UnknownOperationException (400)", 0),
        verdict(
            "InitiateAuth",
            "enum_mismatch",
            "AuthFlow in lower case",
            Status::Fail,
            None,
            vec![pass(CheckName::Transport), pass(CheckName::NoServerError), fail(CheckName::Status, "expected 400, got 500")],
            Observed { status: Some(500), exception: Some("InternalErrorException".into()), message: Some("boom".into()), content_type: Some("application/x-amz-json-1.1".into()) },
            IPE,
            30,
        ),
    ]
}

/// A whole run's events: Started, every verdict (in the order given), Done.
pub fn events(verdicts: Vec<Verdict>) -> Vec<Event> {
    let mut e = vec![Event::Started(run_info())];
    e.extend(verdicts.into_iter().map(Event::Finished));
    e.push(Event::Done {
        elapsed: Duration::from_millis(10_234),
        retried: 0,
        incomplete: None,
    });
    e
}

/// A writer the test can read back after handing a clone to a sink.
#[derive(Clone, Default)]
pub struct SharedBuf(pub Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that always fails, like a closed stdout.
pub struct BrokenPipe;

impl Write for BrokenPipe {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
