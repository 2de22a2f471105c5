//! The check stage without a network: hand-built exchanges for the corners the wiremock tests do
//! not reach.

use std::sync::OnceLock;
use std::time::Duration;

use cognate::check::{describe_expected, CheckName, CheckOutcome, Checker, Status, Verdict};
use cognate::generate::{Case, CaseKind, Expectation, Expected, Request, Rule};
use cognate::model::Catalogue;
use cognate::replay::{Exchange, Response, Sent, TransportError};

const JSON_1_1: &str = "application/x-amz-json-1.1";

fn checker() -> &'static Checker {
    static CHECKER: OnceLock<Checker> = OnceLock::new();
    CHECKER.get_or_init(|| Checker::new(Catalogue::embedded()).expect("the schemas compile"))
}

fn case(operation: &str, body: &str, expected: Expected) -> Case {
    Case {
        id: "0000000000000000".into(),
        operation: operation.into(),
        kind: CaseKind::Invalid {
            rule: Rule::PatternMismatch,
        },
        label: "hand-made".into(),
        member: None,
        request: Request {
            target: Some(format!("AWSCognitoIdentityProviderService.{operation}")),
            content_type: Some(JSON_1_1.into()),
            body: body.into(),
            signed: false,
            forgery: Default::default(),
        },
        expectation: Expectation::new(expected, "test"),
    }
}

fn exchange(sent: &str, status: u16, headers: &[(&str, &str)], body: &[u8]) -> Exchange {
    Exchange {
        case_id: "0000000000000000".into(),
        sent: Sent {
            url: "http://127.0.0.1:9/".into(),
            headers: vec![],
            body: sent.as_bytes().to_vec(),
        },
        result: Ok(Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.to_vec(),
        }),
        elapsed: Duration::from_millis(1234),
    }
}

fn outcome(v: &Verdict, check: CheckName) -> &CheckOutcome {
    &v.checks.iter().find(|c| c.check == check).unwrap().outcome
}

#[test]
fn checker_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Checker>();
}

#[test]
fn expected_in_words() {
    assert_eq!(describe_expected(&Expected::Success), "success (200)");
    assert_eq!(
        describe_expected(&Expected::Error {
            exceptions: vec!["InvalidParameterException".into()],
            status: 400
        }),
        "InvalidParameterException (400)"
    );
    assert_eq!(
        describe_expected(&Expected::Error {
            exceptions: vec![
                "CodeMismatchException".into(),
                "LimitExceededException".into()
            ],
            status: 400
        }),
        "one of CodeMismatchException, LimitExceededException (400)"
    );
}

#[test]
fn elapsed_and_identity_fields_come_from_case_and_exchange() {
    let c = case(
        "ForgotPassword",
        r#"{"ClientId":"abc123","Username":"bob"}"#,
        Expected::Error {
            exceptions: vec!["InvalidParameterException".into()],
            status: 400,
        },
    );
    let v = checker().check(
        &c,
        &exchange(
            &c.request.body,
            400,
            &[("content-type", JSON_1_1)],
            br#"{"__type":"InvalidParameterException","message":"1 validation error detected"}"#,
        ),
    );
    assert_eq!(v.status, Status::Pass, "{v:#?}");
    assert_eq!(v.elapsed_ms, 1234);
    assert_eq!(v.group, "pattern_mismatch");
    assert_eq!(v.case_id, "0000000000000000");
    assert_eq!(v.label, "hand-made");
}

#[test]
fn a_success_echoing_a_credential_fails_redaction() {
    let sent = r#"{"ClientId":"abc123","Username":"bob","ConfirmationCode":"987654","Password":"S3cret-pass"}"#;
    let c = case("ConfirmForgotPassword", sent, Expected::Success);
    let v = checker().check(
        &c,
        &exchange(
            sent,
            200,
            &[("content-type", JSON_1_1)],
            br#"{"Note":"your new password is S3cret-pass"}"#,
        ),
    );
    assert_eq!(v.status, Status::Fail);
    // ConfirmForgotPassword's output is an empty structure without additionalProperties: false,
    // so the extra member passes shape and the leak is redaction's.
    assert_eq!(outcome(&v, CheckName::Shape), &CheckOutcome::Pass);
    assert_eq!(
        outcome(&v, CheckName::Redaction),
        &CheckOutcome::Fail("the value sent at /Password comes back in the body at /Note".into())
    );
    assert!(!serde_json::to_string(&v).unwrap().contains("S3cret-pass"));
}

#[test]
fn an_escaped_secret_is_found_and_hidden() {
    // The target wrote the é of the password as \u00e9: decoded, it is the same value.
    let sent = r#"{"ClientId":"abc123","Username":"bob","ConfirmationCode":"987654","Password":"pässwörd\"1"}"#;
    let c = case(
        "ConfirmForgotPassword",
        sent,
        Expected::Error {
            exceptions: vec!["InvalidPasswordException".into()],
            status: 400,
        },
    );
    let v = checker().check(
        &c,
        &exchange(
            sent,
            400,
            &[("content-type", JSON_1_1)],
            br#"{"__type":"InvalidPasswordException","message":"bad p\u00e4ssw\u00f6rd\"1"}"#,
        ),
    );
    assert_eq!(v.status, Status::Fail);
    assert_eq!(
        outcome(&v, CheckName::Redaction),
        &CheckOutcome::Fail(
            "the value sent at /Password comes back in the body at /message".into()
        )
    );
    let whole = serde_json::to_string(&v).unwrap();
    assert!(!whole.contains("pässwörd"), "{whole}");
    assert!(!whole.contains(r"p\u00e4ssw"), "{whole}");
}

#[test]
fn a_sent_body_that_is_not_json_skips_redaction() {
    let c = case(
        "ForgotPassword",
        "{not json",
        Expected::Error {
            exceptions: vec!["SerializationException".into()],
            status: 400,
        },
    );
    let v = checker().check(
        &c,
        &exchange(
            "{not json",
            400,
            &[("content-type", JSON_1_1)],
            br#"{"__type":"SerializationException"}"#,
        ),
    );
    assert_eq!(v.status, Status::Pass, "{v:#?}");
    assert_eq!(
        outcome(&v, CheckName::Redaction),
        &CheckOutcome::Skip("the sent body is not JSON".into())
    );
}

#[test]
fn an_unknown_operation_never_panics() {
    let c = case("NoSuchOperation", "{}", Expected::Success);
    let v = checker().check(
        &c,
        &exchange("{}", 200, &[("content-type", JSON_1_1)], b"{}"),
    );
    assert_eq!(v.status, Status::Pass);
    assert_eq!(
        outcome(&v, CheckName::Shape),
        &CheckOutcome::Skip("no output schema for NoSuchOperation".into())
    );
}

#[test]
fn a_timeout_is_an_error() {
    let c = case("ForgotPassword", "{}", Expected::Success);
    let mut ex = exchange("{}", 200, &[], b"");
    ex.result = Err(TransportError::Timeout(5000));
    let v = checker().check(&c, &ex);
    assert_eq!(v.status, Status::Error);
    assert_eq!(
        v.reason.as_deref(),
        Some("transport: no response within 5000 ms")
    );
}

#[test]
fn a_201_is_not_a_success() {
    let c = case("ForgotPassword", "{}", Expected::Success);
    let v = checker().check(
        &c,
        &exchange("{}", 201, &[("content-type", JSON_1_1)], b"{}"),
    );
    assert_eq!(v.status, Status::Fail);
    assert_eq!(
        outcome(&v, CheckName::Status),
        &CheckOutcome::Fail("HTTP 201, expected 200".into())
    );
}

#[test]
fn every_output_schema_accepts_an_empty_object_or_names_a_required_member() {
    // A smoke test over all 141 compiled validators: `{}` either validates or fails on a
    // required member at the top level, never anything stranger.
    let cat = Catalogue::embedded();
    for op in cat.operations.values() {
        let c = case(&op.name, "{}", Expected::Success);
        let v = checker().check(
            &c,
            &exchange("{}", 200, &[("content-type", JSON_1_1)], b"{}"),
        );
        match outcome(&v, CheckName::Shape) {
            CheckOutcome::Pass => {}
            CheckOutcome::Fail(d) => assert!(
                d.starts_with("at the top level: ") && d.contains("is a required property"),
                "{}: {d}",
                op.name
            ),
            CheckOutcome::Skip(s) => panic!("{}: skipped: {s}", op.name),
        }
    }
}

#[test]
fn a_lazy_checker_compiles_on_first_use_and_judges_alike() {
    let sent = r#"{"ClientId":"abc123","Username":"bob"}"#;
    let c = case("ForgotPassword", sent, Expected::Success);
    let ex = exchange(
        sent,
        200,
        &[("content-type", JSON_1_1)],
        br#"{"CodeDeliveryDetails":{"Destination":"b***@e***","DeliveryMedium":"EMAIL","AttributeName":"email"}}"#,
    );
    let lazy = Checker::lazy(Catalogue::embedded());
    assert_eq!(lazy.check(&c, &ex), checker().check(&c, &ex));
}

#[test]
fn a_broken_output_schema_stops_compile_and_fails_shape_when_met_later() {
    let mut cat = Catalogue::embedded().clone();
    let op = cat.operations.get_mut("ForgotPassword").unwrap();
    op.output_schema = std::sync::Arc::new(serde_json::json!({ "type": 5 }));
    let lazy = Checker::lazy(&cat);
    let err = lazy
        .compile(&["ForgotPassword".to_owned()])
        .expect_err("a schema with a numeric type does not compile");
    assert!(err.to_string().contains("ForgotPassword"), "{err}");
    assert!(
        Checker::new(&cat).is_err(),
        "the eager checker refuses it too"
    );

    let sent = r#"{"ClientId":"abc123","Username":"bob"}"#;
    let c = case("ForgotPassword", sent, Expected::Success);
    let v = lazy.check(
        &c,
        &exchange(sent, 200, &[("content-type", JSON_1_1)], b"{}"),
    );
    assert_eq!(v.status, Status::Fail);
    match outcome(&v, CheckName::Shape) {
        CheckOutcome::Fail(d) => assert!(d.contains("does not compile"), "{d}"),
        other => panic!("expected a failing shape check, got {other:?}"),
    }
}
