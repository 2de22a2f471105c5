//! The stateful suite end to end: every scenario against the embedded reference target, a target
//! without a code source, the code sources themselves, and property-based sequences caught and
//! shrunk on a deliberately wrong target.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use cognate::check::{Checker, Status, Verdict};
use cognate::model::Catalogue;
use cognate::reference::{self, Reference};
use cognate::replay::{self, Client, Response, Signing};
use cognate::scenario::codes::{self, CodeCommand, CognitoLocalDb, InProcess, MotoHeader};
use cognate::scenario::lifecycle::LifeCycle;
use cognate::scenario::model::Action;
use cognate::scenario::sequence::{self, End, Family, Recovery};
use cognate::scenario::{self, CodeRequest, CodeSource, Env, NO_CODE_SOURCE};
use cognate::target::{Fixture, Provisioner};
use futures::future::BoxFuture;
use futures::FutureExt;
use serde_json::{json, Value};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod common;
use common::{cognate, text};

fn catalogue() -> &'static Catalogue {
    Catalogue::embedded()
}

fn client(url: &str) -> Client {
    Client::new(
        url,
        replay::Config {
            concurrency: 4,
            timeout: Duration::from_secs(10),
            signing: Signing::test_credentials("us-east-1"),
        },
    )
    .unwrap()
}

/// Runs every embedded scenario and `sequences` sequences against a target, returning the
/// verdicts in report order (scenario by scenario, then sequence by sequence).
async fn run_suite(
    client: &Client,
    fixture: &Fixture,
    codes: Option<&dyn CodeSource>,
    sequences: usize,
) -> Vec<Verdict> {
    let checker = Checker::new(catalogue()).unwrap();
    let env = Env {
        catalogue: catalogue(),
        client,
        checker: &checker,
        fixture,
        codes,
        tag: "t1",
        cleanup: &Default::default(),
        issuer: &cognate::issuer::Issuer::new(client, None),
    };
    let scenarios = scenario::data::embedded(catalogue()).unwrap();
    let mut out = Vec::new();
    scenario::run_all(&env, &scenarios, 4, |v| out.push(v)).await;
    let cfg = sequence::Config::new(sequences, 1);
    sequence::run_all::<Recovery>(&env, cfg, 4, |v| out.push(v)).await;
    sequence::run_all::<LifeCycle>(&env, cfg, 4, |v| out.push(v)).await;
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn every_scenario_and_sequence_passes_against_the_reference() {
    let r = Arc::new(Reference::new(catalogue()));
    let server = reference::spawn(r.clone(), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    let client = client(&format!("http://{}", server.addr));
    let fixture = Provisioner::new(&client).provision("t1").await.unwrap();
    let codes = InProcess(r.clone());
    let verdicts = run_suite(&client, &fixture, Some(&codes), 10).await;
    server.shutdown().await;

    let failing: Vec<String> = verdicts
        .iter()
        .filter(|v| v.status != Status::Pass)
        .map(|v| format!("{:?} {}: {:?}", v.status, v.label, v.reason))
        .collect();
    assert!(failing.is_empty(), "{failing:#?}");

    // Every step is there once, under its own name and id.
    let scenarios = scenario::data::embedded(catalogue()).unwrap();
    let want: BTreeSet<(String, String)> = scenarios
        .iter()
        .flat_map(|s| s.steps.iter().map(|st| (st.id.clone(), s.label(st))))
        .collect();
    let got: BTreeSet<(String, String)> = verdicts
        .iter()
        .filter(|v| v.group == "scenario")
        .map(|v| (v.case_id.clone(), v.label.clone()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        verdicts.iter().filter(|v| v.group == "scenario").count(),
        want.len()
    );
    // Output checks ran where a scenario names values of the success body.
    let masked = verdicts
        .iter()
        .find(|v| v.label == "ForgotPassword by user state: verified e-mail: code by e-mail")
        .unwrap();
    assert!(masked.checks.iter().any(|c| c.check.as_str() == "output"));
    // And the sequences of both families: every planned step ran and passed.
    let of = |family: &str| {
        verdicts
            .iter()
            .filter(|v| v.group == "sequence" && v.label.starts_with(&format!("{family} ")))
            .collect::<Vec<_>>()
    };
    let (recovery, lives) = (of(Recovery::NAME), of(LifeCycle::NAME));
    assert_eq!(recovery.len(), sequence::planned::<Recovery>(1, 10));
    assert_eq!(lives.len(), sequence::planned::<LifeCycle>(1, 10));
    for op in Recovery::OPERATIONS {
        assert!(recovery.iter().any(|v| v.operation == *op), "{op}");
    }
    // Ten life cycles reach most of their operations.
    let reached: BTreeSet<&str> = lives.iter().map(|v| v.operation.as_str()).collect();
    assert!(reached.len() >= 8, "{reached:?}");
}

/// A target that provisions fine, answers ForgotPassword with a delivery, every
/// ConfirmForgotPassword with CodeMismatchException and every sign-in with NotAuthorizedException.
/// `confirm_accepts_anything` makes ConfirmForgotPassword answer `{}` instead: a wrong target.
async fn mock_target(confirm_accepts_anything: bool) -> MockServer {
    let server = MockServer::start().await;
    let reply = |status: u16, body: Value| {
        let mut r = ResponseTemplate::new(status)
            .set_body_raw(body.to_string().into_bytes(), "application/x-amz-json-1.1");
        if let Some(name) = body.get("__type").and_then(Value::as_str) {
            r = r.insert_header("x-amzn-errortype", format!("{name}:"));
        }
        r
    };
    let target = |op: &str| {
        header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
    };
    let answers = [
        (
            "CreateUserPool",
            200,
            json!({"UserPool": {"Id": "us-east-1_Mock"}}),
        ),
        (
            "CreateUserPoolClient",
            200,
            json!({"UserPoolClient": {"ClientId": "mockclient0000000000000000", "ClientSecret": "mocksecret"}}),
        ),
        ("AdminCreateUser", 200, json!({})),
        ("AdminSetUserPassword", 200, json!({})),
        ("AdminUpdateUserAttributes", 200, json!({})),
        ("AdminDisableUser", 200, json!({})),
        ("DeleteUserPool", 200, json!({})),
        (
            "ForgotPassword",
            200,
            json!({"CodeDeliveryDetails": {"Destination": "c***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}}),
        ),
        (
            "InitiateAuth",
            400,
            json!({"__type": "NotAuthorizedException", "message": "Incorrect username or password."}),
        ),
    ];
    for (op, status, body) in answers {
        Mock::given(method("POST"))
            .and(target(op))
            .respond_with(reply(status, body))
            .mount(&server)
            .await;
    }
    let confirm = if confirm_accepts_anything {
        reply(200, json!({}))
    } else {
        reply(
            400,
            json!({"__type": "CodeMismatchException", "message": "Invalid verification code provided, please try again."}),
        )
    };
    Mock::given(method("POST"))
        .and(target("ConfirmForgotPassword"))
        .respond_with(confirm)
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_code_source_code_steps_are_errors_with_the_reason() {
    let server = mock_target(false).await;
    let client = client(&server.uri());
    let fixture = Provisioner::new(&client).provision("t1").await.unwrap();
    let verdicts = run_suite(&client, &fixture, None, 3).await;

    let scenarios = scenario::data::embedded(catalogue()).unwrap();
    let by_label = |l: &str| verdicts.iter().find(|v| v.label == l).unwrap();
    for s in &scenarios {
        let first_code = s.steps.iter().position(|st| !st.needs_codes.is_empty());
        // Where the step that should have made the target send the code failed on this target
        // (it lacks SignUp and the like), the code was never sent: a failure, not the run's error.
        let sent = first_code.is_some_and(|f| {
            s.steps[..f]
                .iter()
                .filter(|st| st.learn_code.is_some())
                .all(|st| by_label(&s.label(st)).status == Status::Pass)
        });
        for (i, st) in s.steps.iter().enumerate() {
            let v = by_label(&s.label(st));
            match first_code {
                // The run, not the target, cannot go on: an error, never a skip.
                Some(f) if i == f && sent => {
                    assert_eq!(v.status, Status::Error, "{}", v.label);
                    assert_eq!(v.reason.as_deref(), Some(NO_CODE_SOURCE), "{}", v.label);
                    assert!(v.checks.is_empty(), "nothing was sent for {}", v.label);
                }
                Some(f) if i > f && sent => {
                    assert_eq!(v.status, Status::Error, "{}", v.label);
                    let why = v.reason.as_deref().unwrap();
                    assert!(why.starts_with("follows step"), "{why}");
                    assert!(why.ends_with(NO_CODE_SOURCE), "{why}");
                }
                Some(f) if i >= f => assert!(
                    matches!(v.status, Status::Fail | Status::Error),
                    "{}: {:?}",
                    v.label,
                    v.status
                ),
                // Steps that need no code ran and were judged (never a silent pass).
                _ => assert!(
                    matches!(v.status, Status::Pass | Status::Fail),
                    "{}: {:?}",
                    v.label,
                    v.status
                ),
            }
        }
    }
    // This target answers the first steps of the reset flow as the contract says.
    let wrong = by_label("reset with the e-mail code: a wrong code is refused");
    assert_eq!(wrong.status, Status::Pass, "{:?}", wrong.reason);
    // The recovery sequences need codes for their model: each one is a single error.
    let seqs: Vec<&Verdict> = verdicts
        .iter()
        .filter(|v| v.group == "sequence" && v.label.starts_with("sequence "))
        .collect();
    assert_eq!(seqs.len(), 3);
    for v in seqs {
        assert_eq!(v.status, Status::Error);
        assert_eq!(v.reason.as_deref(), Some(NO_CODE_SOURCE));
    }
}

/// A code source that always knows the same code.
struct Fixed(&'static str);

impl CodeSource for Fixed {
    fn describe(&self) -> String {
        "fixed".into()
    }
    fn code<'a>(&'a self, _: CodeRequest<'a>) -> BoxFuture<'a, Result<String, String>> {
        async move { Ok(self.0.to_owned()) }.boxed()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_target_is_caught_and_the_sequence_shrunk() {
    let server = mock_target(true).await;
    let client = client(&server.uri());
    let fixture = Provisioner::new(&client).provision("t1").await.unwrap();
    let checker = Checker::new(catalogue()).unwrap();
    let codes = Fixed("123456");
    let env = Env {
        catalogue: catalogue(),
        client: &client,
        checker: &checker,
        fixture: &fixture,
        codes: Some(&codes),
        tag: "t1",
        cleanup: &Default::default(),
        issuer: &cognate::issuer::Issuer::new(&client, None),
    };
    // A generated sequence of several steps with a confirmation in it: the target accepts every
    // code, which the model never allows for a code it did not issue.
    let index = (0..50)
        .find(|&i| {
            let s = sequence::generate::<Recovery>(7, i);
            s.len() >= 4 && s.iter().any(|a| matches!(a, Action::Confirm { .. }))
        })
        .expect("a long sequence with a confirmation");
    let cfg = sequence::Config::new(index + 1, 7);
    let run = sequence::run_sequence::<Recovery>(&env, cfg, index).await;
    let End::Failed(at) = run.attempt.end else {
        panic!("not caught: {:?}", run.attempt.end);
    };
    assert!(run.generated >= 4);
    assert!(run.shrink_runs > 0);
    // Shrunk to the minimal failing sequence: one confirmation (ForgotPassword first would only
    // add a step that passes).
    assert_eq!(at, 0, "{:?}", run.attempt.actions);
    assert_eq!(run.attempt.steps.len(), 1);
    assert!(matches!(run.attempt.actions[0], Action::Confirm { .. }));
    let verdicts = sequence::verdicts(&run, 7);
    assert_eq!(verdicts.len(), 1);
    let v = &verdicts[0];
    assert_eq!(v.status, Status::Fail);
    assert_eq!(v.group, "sequence");
    assert_eq!(v.operation, "ConfirmForgotPassword");
    let why = v.reason.as_deref().unwrap();
    assert!(why.starts_with("status: HTTP 200, expected 400"), "{why}");
    let replay = format!("replay: cognate replay {} --seed 7", run.id);
    assert!(why.contains(&replay), "{why}");
    assert!(
        why.contains(&format!("shrunk from {} to 1 steps", run.generated)),
        "{why}"
    );
    // The same sequence shrinks the same way again (what `cognate replay` relies on).
    let again = sequence::run_sequence::<Recovery>(&env, cfg, index).await;
    assert_eq!(again.attempt.actions, run.attempt.actions);
}

#[tokio::test(flavor = "multi_thread")]
async fn cognito_local_db_is_read_from_the_pool_file() {
    let dir = tempfile::tempdir().unwrap();
    let source = CognitoLocalDb {
        dir: dir.path().to_path_buf(),
        wait: Duration::from_secs(2),
    };
    let ask = CodeRequest {
        pool_id: "local_Abc123",
        username: "alice",
        kind: codes::CodeKind::Confirmation,
        response: None,
    };
    // Written a little after the question: the source waits for it.
    let path = dir.path().join("local_Abc123.json");
    let writer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        std::fs::write(
            path,
            r#"{"Options":{"Id":"local_Abc123"},"Users":{"alice":{"Username":"alice","ConfirmationCode":"654321"}}}"#,
        )
        .unwrap();
    });
    assert_eq!(source.code(ask).await.unwrap(), "654321");
    writer.await.unwrap();
    let nobody = CodeRequest {
        username: "bob",
        ..ask
    };
    let quick = CognitoLocalDb {
        dir: dir.path().to_path_buf(),
        wait: Duration::from_millis(100),
    };
    assert!(quick
        .code(nobody)
        .await
        .unwrap_err()
        .contains("no user bob"));
    assert!(source.describe().starts_with("cognito-local-db"));
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_header_is_read_from_the_answer() {
    let resp = |v: &str| Response {
        status: 200,
        headers: vec![(codes::MOTO_HEADER.to_owned(), v.to_owned())],
        body: b"{}".to_vec(),
    };
    let ask = |r| CodeRequest {
        pool_id: "us-east-1_x",
        username: "alice",
        kind: codes::CodeKind::Confirmation,
        response: Some(r),
    };
    let ok = resp("moto-confirmation-code:395092");
    assert_eq!(
        MotoHeader.code(ask(&ok)).await.unwrap(),
        "moto-confirmation-code:395092"
    );
    let none = resp("None");
    assert!(MotoHeader.code(ask(&none)).await.is_err());
    let missing = Response {
        headers: Vec::new(),
        ..ok.clone()
    };
    assert!(MotoHeader
        .code(ask(&missing))
        .await
        .unwrap_err()
        .contains(codes::MOTO_HEADER));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_is_given_the_pool_and_the_user() {
    let ask = CodeRequest {
        pool_id: "us-east-1_pool",
        username: "alice",
        kind: codes::CodeKind::Confirmation,
        response: None,
    };
    let echo = CodeCommand::new(r#"echo; echo "$1/$2/$COGNATE_POOL_ID/$COGNATE_USERNAME""#);
    assert_eq!(
        echo.code(ask).await.unwrap(),
        "us-east-1_pool/alice/us-east-1_pool/alice"
    );
    let kind = CodeCommand::new(r#"echo "$3/$COGNATE_CODE_KIND""#);
    assert_eq!(kind.code(ask).await.unwrap(), "confirmation/confirmation");
    let verify = CodeRequest {
        kind: codes::CodeKind::Verification,
        ..ask
    };
    assert_eq!(
        kind.code(verify).await.unwrap(),
        "verification/verification"
    );
    let failing = CodeCommand::new("echo nope >&2; exit 3");
    let e = failing.code(ask).await.unwrap_err();
    assert!(e.contains("nope"), "{e}");
    let silent = CodeCommand::new("true");
    assert!(silent
        .code(ask)
        .await
        .unwrap_err()
        .contains("printed nothing"));
    let slow = CodeCommand {
        command: "sleep 5".into(),
        timeout: Duration::from_millis(200),
    };
    assert!(slow
        .code(ask)
        .await
        .unwrap_err()
        .contains("no answer within"));
}

#[test]
fn every_step_is_in_report_json_and_junit_under_its_own_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = cognate(&[
        "run",
        "--quiet",
        "--sequences",
        "2",
        "--report-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let verdicts = report["verdicts"].as_array().unwrap();
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    let scenarios = scenario::data::embedded(catalogue()).unwrap();
    for s in &scenarios {
        for st in &s.steps {
            let label = s.label(st);
            let v = verdicts
                .iter()
                .find(|v| v["case_id"] == st.id.as_str())
                .unwrap_or_else(|| panic!("{label} not in report.json"));
            assert_eq!(v["label"], label.as_str());
            assert_eq!(v["group"], "scenario");
            assert_eq!(v["operation"], st.operation.as_str());
            assert_eq!(v["status"], "pass", "{label}");
            let name = format!("scenario: {label} [{}]", st.id)
                .replace('&', "&amp;")
                .replace('"', "&quot;")
                .replace('\'', "&apos;");
            assert!(junit.contains(&name), "{name} not in junit.xml");
        }
    }
    assert!(verdicts.iter().any(|v| v["group"] == "sequence"));
    // The output check and the new groups are part of the report's schema.
    let schema: Value =
        serde_json::from_str(include_str!("../../docs/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // No learned code or new password reaches the reports.
    let text = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    assert!(!text.contains("Cognate-N3w-Passw0rd!"));
}

#[test]
fn selections_and_flags_leave_the_stateful_suite_out() {
    for extra in [
        &["--no-scenarios"][..],
        &["--operation", "InitiateAuth"][..],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec![
            "run",
            "--quiet",
            "--report-dir",
            dir.path().to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = cognate(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let report = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
        assert!(!report.contains("\"group\": \"scenario\""), "{extra:?}");
        assert!(!report.contains("\"group\": \"sequence\""), "{extra:?}");
    }
}

#[test]
fn a_bad_scenario_file_is_bad_input_naming_file_and_step() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.toml"),
        r#"
[[scenario]]
name = "broken"
users = { u = "email" }

[[scenario.step]]
name = "uses a code nobody learned"
operation = "ConfirmForgotPassword"
request = { ClientId = "{{cognate:client.legacy}}", Username = "{{cognate:user.u}}", ConfirmationCode = "{{cognate:code}}", Password = "x" }
exceptions = ["CodeMismatchException"]
evidence = "none"
"#,
    )
    .unwrap();
    let out = cognate(&[
        "run",
        "--quiet",
        "--scenario-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.toml"), "{err}");
    assert!(
        err.contains("scenario \"broken\", step \"uses a code nobody learned\""),
        "{err}"
    );
}

#[test]
fn replay_runs_a_scenario_up_to_the_step() {
    let scenarios = scenario::data::embedded(catalogue()).unwrap();
    let s = scenarios
        .iter()
        .find(|s| s.name == "reset with the e-mail code")
        .unwrap();
    let step = s
        .steps
        .iter()
        .find(|st| st.name == "the same code again is refused")
        .unwrap();
    let out = cognate(&["replay", &step.id]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("step 4 of 4 shown in full"), "{stdout}");
    assert!(
        stdout.contains("pass: reset with the e-mail code: the right code sets the new password"),
        "{stdout}"
    );
    assert!(stdout.contains("ExpiredCodeException"), "{stdout}");
    assert!(
        stdout.contains(r#""ConfirmationCode":"<redacted>""#),
        "{stdout}"
    );
    assert!(!stdout.contains("Cognate-Th1rd-Passw0rd!"), "{stdout}");

    // A sequence id of the same seed, or one of its steps' ids, replays the sequence.
    let id = sequence::sequence_id::<Recovery>(1, 0);
    for replayed in [id.clone(), sequence::step_id(&id, 1)] {
        let out = cognate(&["replay", &replayed, "--seed", "1"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!("sequence  {id} (index 0)")),
            "{stdout}"
        );
        assert!(stdout.contains("all as the model allows"), "{stdout}");
        assert!(stdout.contains(&format!("case      {id}.2 ")), "{stdout}");
    }
    // So does a user life cycle's.
    let life = sequence::sequence_id::<LifeCycle>(1, 0);
    let out = cognate(&["replay", &sequence::step_id(&life, 0), "--seed", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("life cycle  {life} (index 0)")),
        "{stdout}"
    );
    assert!(stdout.contains("all as the model allows"), "{stdout}");
}
