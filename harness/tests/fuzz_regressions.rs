//! Inputs that fuzzing found to break a property, kept as tests: each replays the exact input
//! (or the exact request bytes) and checks the property now holds. Each test names the fuzzer,
//! the seed or artifact, and what broke.

use std::sync::Arc;
use std::time::Duration;

use cognate::model::Catalogue;
use cognate::netfuzz::{self, Frame, Input, Mutation};
use cognate::reference::{self, check_answer, RawRequest, Reference};
use serde_json::{json, Map, Value};

/// `cognate fuzz --target reference --seed 1`, finding-001-envelope (minimised): a 550,000
/// character `UserPoolId` for AdminResetUserPassword. The reference quoted the value in its
/// validation message and sent the message in `x-amzn-ErrorMessage` as well as the body: a
/// response head over a megabyte, which HTTP clients refuse.
fn long_user_pool_id() -> Input {
    let mut base = Map::new();
    base.insert("UserPoolId".into(), json!("us-east-1_aaaaaaaaa"));
    Input {
        operation: "AdminResetUserPassword".into(),
        target: "AWSCognitoIdentityProviderService.AdminResetUserPassword".into(),
        signed: true,
        base,
        mutations: vec![Mutation::LongString {
            member: "UserPoolId".into(),
            len: 550_000,
        }],
    }
}

#[test]
fn a_long_value_stays_out_of_the_error_message_header() {
    let input = long_user_pool_id();
    let body = input.body();
    assert_eq!(body.len(), 550_017, "the exact body of the finding");
    let mut req = RawRequest::post(&input.target, body);
    req.headers
        .push(("Authorization".into(), netfuzz::mutate::FAKE_SIGV4.into()));
    let res = Reference::new(Catalogue::embedded())
        .form_only_signatures()
        .handle(&req);
    check_answer(Catalogue::embedded(), &req, &res).unwrap();
    assert_eq!(res.status, 400);
    let head: usize = res.headers.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
    assert!(head < 8 * 1024, "response head of {head} bytes");
    assert!(res.header("x-amzn-ErrorMessage").is_none());
    let message = res.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("failed to satisfy constraint"),
        "{message}"
    );
    // Short messages still travel in the header too.
    let short = RawRequest::post(
        "AWSCognitoIdentityProviderService.ForgotPassword",
        json!({"ClientId": "a b", "Username": "alice"}).to_string(),
    );
    let res = Reference::new(Catalogue::embedded()).handle(&short);
    assert!(res.header("x-amzn-ErrorMessage").is_some());
    assert!(res.json().get("message").is_some_and(Value::is_string));
}

#[tokio::test]
async fn the_long_value_request_is_no_finding_over_the_wire() {
    let server = reference::spawn(
        Arc::new(Reference::new(Catalogue::embedded()).form_only_signatures()),
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .unwrap();
    let target = netfuzz::Target::resolve(&format!("http://{}", server.addr))
        .await
        .unwrap();
    let bytes = long_user_pool_id().render(&target.endpoint);
    let (outcome, _, verdict) = netfuzz::resend(
        &target,
        &bytes,
        Frame::Clean,
        false,
        Duration::from_secs(10),
    )
    .await;
    server.shutdown().await;
    assert_eq!(verdict, None, "{}", outcome.describe());
}
