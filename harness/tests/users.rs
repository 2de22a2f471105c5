//! The user semantics, each caught on a fake target that gets it wrong: a wiremock server in front
//! of the embedded reference that tells one lie (a status never updated, a verified flag never
//! reset, a filter ignored, a weak password or any code accepted, an account never enabled). The
//! honest proxy passes the same scenarios; the lying one fails the step that shows the lie, and
//! the user life cycles find it and shrink it.

use std::sync::Arc;
use std::time::Duration;

use cognate::check::{Checker, Status, Verdict};
use cognate::model::Catalogue;
use cognate::reference::{RawRequest, Reference};
use cognate::replay::{self, Client, Signing};
use cognate::scenario::codes::InProcess;
use cognate::scenario::lifecycle::{LifeCycle, Step};
use cognate::scenario::sequence::{self, End};
use cognate::scenario::{self, Env};
use cognate::target::Provisioner;
use serde_json::{json, Value};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn catalogue() -> &'static Catalogue {
    Catalogue::embedded()
}

/// What a lie does with one request: pass it on changed, answer in the reference's place, or
/// ask the reference another operation and answer `{}` where it succeeds (an operation that
/// checks its input and then does nothing).
enum Told {
    Forward(Value),
    Answer(Value),
    Instead(&'static str, Value),
}

/// A lie about one operation: given its body (and the reference, to look up codes), what the
/// fake target does instead of the truth.
type Lie = fn(&str, Value, &Reference) -> Told;

/// Tells no lie.
fn honest(_: &str, body: Value, _: &Reference) -> Told {
    Told::Forward(body)
}

/// The reference behind a wiremock server, lying as `lie` says.
struct Lying {
    reference: Arc<Reference>,
    lie: Lie,
}

impl Respond for Lying {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let headers: Vec<(String, String)> = req
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let op = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target"))
            .and_then(|(_, v)| v.rsplit('.').next())
            .unwrap_or_default()
            .to_owned();
        let mut headers = headers;
        let mut body = req.body.clone();
        let mut nothing_done = false;
        if let Ok(v) = serde_json::from_slice::<Value>(&req.body) {
            match (self.lie)(&op, v, &self.reference) {
                Told::Forward(v) => body = v.to_string().into_bytes(),
                Told::Answer(v) => {
                    return ResponseTemplate::new(200)
                        .set_body_raw(v.to_string(), "application/x-amz-json-1.1")
                }
                Told::Instead(other, v) => {
                    body = v.to_string().into_bytes();
                    nothing_done = true;
                    for (k, value) in headers.iter_mut() {
                        if k.eq_ignore_ascii_case("x-amz-target") {
                            *value = format!("AWSCognitoIdentityProviderService.{other}");
                        }
                    }
                }
            }
        }
        let mut res = self.reference.handle(&RawRequest {
            method: req.method.to_string(),
            path: req.url.path().to_owned(),
            headers,
            body,
        });
        if nothing_done && res.status == 200 {
            res.body = b"{}".to_vec();
        }
        let mut out = ResponseTemplate::new(res.status);
        let mut content_type = "application/x-amz-json-1.1".to_owned();
        for (k, v) in &res.headers {
            if k.eq_ignore_ascii_case("content-type") {
                content_type = v.clone();
            } else {
                out = out.insert_header(k.as_str(), v.as_str());
            }
        }
        out.set_body_raw(res.body, &content_type)
    }
}

struct Fake {
    server: MockServer,
    reference: Arc<Reference>,
}

/// A fake target: the reference (checking only the form of signatures, as a lie rewrites signed
/// bodies) behind a lying server.
async fn fake(lie: Lie) -> Fake {
    let reference = Arc::new(Reference::new(catalogue()).form_only_signatures());
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(Lying {
            reference: reference.clone(),
            lie,
        })
        .mount(&server)
        .await;
    Fake { server, reference }
}

fn client(uri: &str) -> Client {
    Client::new(
        uri,
        replay::Config {
            concurrency: 1,
            timeout: Duration::from_secs(10),
            signing: Signing::test_credentials("us-east-1"),
        },
    )
    .unwrap()
}

/// Runs the embedded scenario of this name against a fake target: its verdicts, by step name.
async fn scenario_on(lie: Lie, name: &str) -> Vec<(String, Verdict)> {
    let fake = fake(lie).await;
    let client = client(&fake.server.uri());
    let fixture = Provisioner::new(&client).provision("t1").await.unwrap();
    let checker = Checker::new(catalogue()).unwrap();
    let codes = InProcess(fake.reference.clone());
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
    let all = scenario::data::embedded(catalogue()).unwrap();
    let s = all
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario {name}"));
    let runs = scenario::run_scenario(&env, s).await;
    s.steps
        .iter()
        .zip(runs)
        .map(|(st, run)| (st.name.clone(), run.verdict))
        .collect()
}

/// The scenario passes on the honest target; on the lying one, `step` is the first to fail, and
/// its reason holds `why`.
async fn caught(lie: Lie, name: &str, step: &str, why: &str) {
    let honest_run = scenario_on(honest, name).await;
    for (n, v) in &honest_run {
        assert_eq!(v.status, Status::Pass, "{name}: {n}: {:?}", v.reason);
    }
    let lying = scenario_on(lie, name).await;
    let (first, v) = lying
        .iter()
        .find(|(_, v)| v.status != Status::Pass)
        .unwrap_or_else(|| panic!("{name}: the lie went unnoticed"));
    assert_eq!(first, step, "{name}: {:?}", v.reason);
    assert_eq!(v.status, Status::Fail);
    let reason = v.reason.as_deref().unwrap_or_default();
    assert!(reason.contains(why), "{name}: {step}: {reason}");
}

fn ok() -> Told {
    Told::Answer(json!({}))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_status_never_updated_is_caught() {
    // AdminConfirmSignUp answers success and confirms no one.
    caught(
        |op, body, _| match op {
            "AdminConfirmSignUp" => ok(),
            _ => Told::Forward(body),
        },
        "user status: SignUp, then AdminConfirmSignUp",
        "AdminGetUser: CONFIRMED",
        "UNCONFIRMED",
    )
    .await;
    // AdminResetUserPassword answers success and leaves the user CONFIRMED.
    caught(
        |op, body, _| match op {
            "AdminResetUserPassword" => ok(),
            _ => Told::Forward(body),
        },
        "user status: AdminResetUserPassword, then ForgotPassword",
        "AdminGetUser: RESET_REQUIRED",
        "CONFIRMED",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disable_that_does_nothing_is_caught() {
    caught(
        |op, body, _| match op {
            "AdminDisableUser" => ok(),
            _ => Told::Forward(body),
        },
        "user status: AdminDisableUser and AdminEnableUser",
        "AdminGetUser: disabled, still CONFIRMED",
        "/Enabled",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verified_flag_never_reset_is_caught() {
    // A new e-mail keeps the old one's verification: the fake marks it verified in the same call.
    caught(
        |op, mut body, _| {
            if op == "AdminUpdateUserAttributes" {
                if let Some(attrs) = body["UserAttributes"].as_array_mut() {
                    let email = attrs.iter().any(|a| a["Name"] == "email");
                    let flag = attrs.iter().any(|a| a["Name"] == "email_verified");
                    if email && !flag {
                        attrs.push(json!({"Name": "email_verified", "Value": "true"}));
                    }
                }
            }
            Told::Forward(body)
        },
        "user attributes: an admin changes the e-mail",
        "no longer verified",
        "output",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ignored_filter_is_caught() {
    caught(
        |op, mut body, _| {
            if op == "ListUsers" {
                if let Some(m) = body.as_object_mut() {
                    m.remove("Filter");
                }
            }
            Told::Forward(body)
        },
        "ListUsers filters",
        "username = ann",
        "pagination",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_weak_password_accepted_is_caught() {
    // SignUp lets any password through: the fake swaps a weak one for one the policy takes.
    caught(
        |op, mut body, _| {
            if op == "SignUp" && body["Password"].as_str().is_some_and(|p| p.len() < 8) {
                body["Password"] = json!("Cognate-Swapped-P4ss!");
            }
            Told::Forward(body)
        },
        "sign-up: refusals leave no user",
        "SignUp with a password too short",
        "HTTP 200, expected 400",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn any_confirmation_code_accepted_is_caught() {
    // ConfirmSignUp takes any code (and confirms no one).
    caught(
        |op, body, _| match op {
            "ConfirmSignUp" => ok(),
            _ => Told::Forward(body),
        },
        "sign-up: the code by e-mail, resent, then confirmed",
        "ConfirmSignUp with a wrong code",
        "HTTP 200, expected 400",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_life_cycle_finds_an_enable_that_does_nothing_and_shrinks_it() {
    // AdminEnableUser finds the user and enables nothing.
    let lying = fake(|op, body, _| match op {
        "AdminEnableUser" => Told::Instead("AdminGetUser", body),
        _ => Told::Forward(body),
    })
    .await;
    let client = client(&lying.server.uri());
    let fixture = Provisioner::new(&client).provision("t1").await.unwrap();
    let checker = Checker::new(catalogue()).unwrap();
    let env = Env {
        catalogue: catalogue(),
        client: &client,
        checker: &checker,
        fixture: &fixture,
        codes: None,
        tag: "t1",
        cleanup: &Default::default(),
        issuer: &cognate::issuer::Issuer::new(&client, None),
    };
    // The first generated life cycle that creates the user, later disables it, enables it and
    // looks at once.
    let index = (0..20_000)
        .find(|&i| {
            let s = sequence::generate::<LifeCycle>(5, i);
            s.first() == Some(&Step::Create)
                && !s.contains(&Step::Delete)
                && s.windows(3).any(|w| {
                    w[0] == Step::Disable
                        && w[1] == Step::Enable
                        && matches!(w[2], Step::Get | Step::List | Step::SignIn)
                })
        })
        .expect("a life cycle that disables, enables and reads back");
    let cfg = sequence::Config::new(index + 1, 5);
    let run = sequence::run_sequence::<LifeCycle>(&env, cfg, index).await;
    let End::Failed(at) = run.attempt.end else {
        panic!(
            "not caught: {:?} {:?}",
            run.attempt.end, run.attempt.actions
        );
    };
    // Shrunk to what shows it: the user made, disabled, "enabled", then looked at.
    let steps = &run.attempt.actions[..=at];
    assert!(steps.len() <= 4, "{steps:?}");
    assert!(steps.contains(&Step::Disable), "{steps:?}");
    assert!(steps.contains(&Step::Enable), "{steps:?}");
    let verdicts = sequence::verdicts(&run, 5);
    let last = verdicts.last().unwrap();
    assert_eq!(last.status, Status::Fail);
    let why = last.reason.as_deref().unwrap();
    assert!(why.contains("replay: cognate replay"), "{why}");
    assert!(
        why.contains("enabled") || why.contains("NotAuthorizedException"),
        "{why}"
    );
    // And on the honest reference every one of the first twenty passes.
    let honest_fake = fake(honest).await;
    let client = self::client(&honest_fake.server.uri());
    let fixture = Provisioner::new(&client).provision("t1").await.unwrap();
    let env = Env {
        client: &client,
        fixture: &fixture,
        ..env
    };
    let mut verdicts = Vec::new();
    sequence::run_all::<LifeCycle>(&env, sequence::Config::new(20, 5), 4, |v| verdicts.push(v))
        .await;
    assert_eq!(verdicts.len(), sequence::planned::<LifeCycle>(5, 20));
    let failing: Vec<_> = verdicts
        .iter()
        .filter(|v| v.status != Status::Pass)
        .map(|v| (&v.label, &v.reason))
        .collect();
    assert!(failing.is_empty(), "{failing:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn username_rules_ignored_are_caught() {
    // The pool forgets that users sign in by e-mail: a plain username goes through.
    caught(
        |op, mut body, _| {
            if op == "CreateUserPool" {
                if let Some(m) = body.as_object_mut() {
                    m.remove("UsernameAttributes");
                }
            }
            Told::Forward(body)
        },
        "e-mail as username",
        "SignUp with a plain username is refused",
        "HTTP 200, expected 400",
    )
    .await;
    // The pool forgets that usernames are case-insensitive.
    caught(
        |op, mut body, _| {
            if op == "CreateUserPool" {
                if let Some(m) = body.as_object_mut() {
                    m.remove("UsernameConfiguration");
                }
            }
            Told::Forward(body)
        },
        "case-insensitive usernames",
        "AdminGetUser in lower case",
        "UserNotFoundException",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_life_cycle_skips_only_the_steps_of_an_operation_the_target_lacks() {
    // The target answers AdminResetUserPassword with 501, as one that lacks it would.
    let lacking = fake(|op, body, _| match op {
        "AdminResetUserPassword" => Told::Instead("NoSuchOperation", body),
        _ => Told::Forward(body),
    })
    .await;
    let client = client(&lacking.server.uri());
    let fixture = Provisioner::new(&client).provision("t1").await.unwrap();
    let why = "AdminResetUserPassword (probe answered 501)".to_owned();
    let checker = Checker::new(catalogue())
        .unwrap()
        .with_lacking([("AdminResetUserPassword".to_owned(), why)].into());
    let env = Env {
        catalogue: catalogue(),
        client: &client,
        checker: &checker,
        fixture: &fixture,
        codes: None,
        tag: "t1",
        cleanup: &Default::default(),
        issuer: &cognate::issuer::Issuer::new(&client, None),
    };
    let mut verdicts = Vec::new();
    sequence::run_all::<LifeCycle>(&env, sequence::Config::new(20, 5), 4, |v| verdicts.push(v))
        .await;
    assert_eq!(verdicts.len(), sequence::planned::<LifeCycle>(5, 20));
    let resets: Vec<&Verdict> = verdicts
        .iter()
        .filter(|v| v.operation == "AdminResetUserPassword")
        .collect();
    assert!(!resets.is_empty());
    for v in &resets {
        assert_eq!(v.status, Status::Skip, "{}", v.label);
        assert!(v.checks.is_empty(), "nothing was sent for {}", v.label);
    }
    for v in verdicts
        .iter()
        .filter(|v| v.operation != "AdminResetUserPassword")
    {
        assert_eq!(v.status, Status::Pass, "{}: {:?}", v.label, v.reason);
    }
}
