//! Operation packs as a user adds them: a pack file in a directory, no code change, and honest
//! skips on a target that lacks operations.

mod common;

use std::path::Path;

use common::{code, cognate, mount_provisioning, text};
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The embedded expectations, copied into `dir`, plus `extra` files.
fn expectations_with(dir: &Path, extra: &[(&str, &str)]) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/expectations");
    std::fs::create_dir_all(dir).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    for (name, body) in extra {
        std::fs::write(dir.join(name), body).unwrap();
    }
}

fn report(dir: &Path) -> Value {
    let bytes = std::fs::read(dir.join("report.json")).expect("report.json written");
    serde_json::from_slice(&bytes).unwrap()
}

fn verdicts<'a>(report: &'a Value, operation: &str) -> Vec<&'a Value> {
    report["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["operation"] == operation)
        .collect()
}

/// Runs `cognate run --quiet` against `server` as the profile `name` with these extra profile
/// lines and arguments, off the test's runtime; the output and the report.json it wrote.
async fn run_profile(
    server: &MockServer,
    profile: &str,
    args: &[&str],
) -> (std::process::Output, Value) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cognate.toml");
    let text = format!("[targets.t]\nurl = \"{}\"\n{profile}\n", server.uri());
    std::fs::write(&cfg, text).unwrap();
    let reports = dir.path().join("reports");
    let mut all: Vec<String> = [
        "run",
        "--quiet",
        "--config",
        cfg.to_str().unwrap(),
        "--target",
        "t",
        "--report-dir",
        reports.to_str().unwrap(),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    all.extend(args.iter().map(|s| (*s).to_owned()));
    let out = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        cognate(&refs)
    })
    .await
    .unwrap();
    let r = report(&reports);
    (out, r)
}

fn check<'a>(verdict: &'a Value, name: &str) -> Option<&'a Value> {
    verdict["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
}

/// A pack for an operation the default suite does not cover, written as a user would.
const ADMIN_GET_USER: &str = r#"
operation = "AdminGetUser"

[base]
request = { UserPoolId = "{{cognate:pool}}", Username = "{{cognate:user.email}}" }
outcome = "success"
output = { "/Enabled" = true, "/UserStatus" = "CONFIRMED" }
output_matches = { "/Username" = "^cognate-" }
evidence = "a test pack: AdminGetUser of a confirmed user (conf. C)"

[members.UserPoolId]
exceptions = ["ResourceNotFoundException"]
message = "User pool <id> does not exist."
evidence = "§4 unknown user pool (admin operations) (conf. B)"

[members.Username]
exceptions = ["UserNotFoundException"]
message = "User does not exist."
evidence = "§4 generic user not found (conf. A)"

[[cases]]
label = "unknown user"
request = { UserPoolId = "{{cognate:pool}}", Username = "cognate-no-such-user" }
exceptions = ["UserNotFoundException"]
message = "User does not exist."
evidence = "§4 generic user not found (conf. A)"

[[cases]]
label = "unknown user, a form the target does not use (grade C: reported)"
request = { UserPoolId = "{{cognate:pool}}", Username = "cognate-no-such-user-2" }
exceptions = ["UserNotFoundException"]
message = "No user <name> here."
evidence = "an inferred form (conf. C)"
"#;

#[test]
fn a_pack_in_a_directory_adds_an_operation_without_code() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("expectations");
    expectations_with(&exp, &[("AdminGetUser.toml", ADMIN_GET_USER)]);
    let reports = dir.path().join("reports");
    let out = cognate(&[
        "run",
        "--quiet",
        "--no-scenarios",
        "--expectations",
        exp.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let r = report(&reports);
    // The default selection is every operation with a pack: the new one among them.
    let ops: Vec<&str> = r["run"]["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    let packs: Vec<String> = std::fs::read_dir(&exp)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml") && n != "rules.toml")
        .map(|n| n.trim_end_matches(".toml").to_owned())
        .collect();
    assert!(ops.contains(&"AdminGetUser"));
    assert_eq!(ops.len(), packs.len(), "{ops:?}");
    let vs = verdicts(&r, "AdminGetUser");
    let groups: std::collections::BTreeSet<&str> =
        vs.iter().map(|v| v["group"].as_str().unwrap()).collect();
    for g in ["valid", "contract", "pattern_mismatch", "missing_required"] {
        assert!(groups.contains(g), "no {g} case: {groups:?}");
    }
    assert!(vs.iter().all(|v| v["status"] == "pass"), "{vs:#?}");
    let base = vs.iter().find(|v| v["label"] == "base request").unwrap();
    assert_eq!(check(base, "output").unwrap()["result"], "pass");
    let unknown = vs.iter().find(|v| v["label"] == "unknown user").unwrap();
    assert_eq!(check(unknown, "message").unwrap()["result"], "pass");
    // A grade-C form that differs is reported beside the answer, not failed.
    let inferred = vs
        .iter()
        .find(|v| {
            v["label"]
                .as_str()
                .unwrap()
                .starts_with("unknown user, a form")
        })
        .unwrap();
    let m = check(inferred, "message").unwrap();
    assert_eq!(m["result"], "skip");
    assert!(
        m["reason"]
            .as_str()
            .unwrap()
            .contains("No user <name> here."),
        "{m}"
    );
    // A valid Username variant is another user: the member row's outcome and message form.
    let variant = vs
        .iter()
        .find(|v| v["group"] == "valid" && v["label"].as_str().unwrap().starts_with("Username"))
        .unwrap();
    assert_eq!(variant["expected"], "UserNotFoundException (400)");
    assert_eq!(check(variant, "message").unwrap()["result"], "pass");
}

#[test]
fn a_message_form_graded_a_that_differs_fails_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("expectations");
    let pack = ADMIN_GET_USER.replace(
        "message = \"User does not exist.\"\nevidence = \"§4 generic user not found (conf. A)\"\n\n[[cases]]\nlabel = \"unknown user\"",
        "message = \"User does not exist.\"\nevidence = \"§4 generic user not found (conf. A)\"\n\n[[cases]]\nlabel = \"unknown user, wrong form\"",
    );
    let pack = pack.replacen(
        "label = \"unknown user, wrong form\"\nrequest = { UserPoolId = \"{{cognate:pool}}\", Username = \"cognate-no-such-user\" }\nexceptions = [\"UserNotFoundException\"]\nmessage = \"User does not exist.\"",
        "label = \"unknown user, wrong form\"\nrequest = { UserPoolId = \"{{cognate:pool}}\", Username = \"cognate-no-such-user\" }\nexceptions = [\"UserNotFoundException\"]\nmessage = \"User <name> is unknown.\"",
        1,
    );
    assert!(pack.contains("User <name> is unknown."), "{pack}");
    expectations_with(&exp, &[("AdminGetUser.toml", &pack)]);
    let reports = dir.path().join("reports");
    let out = cognate(&[
        "run",
        "--quiet",
        "--no-scenarios",
        "--operation",
        "AdminGetUser",
        "--expectations",
        exp.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 4, "{}", text(&out));
    let r = report(&reports);
    let vs = verdicts(&r, "AdminGetUser");
    let wrong = vs
        .iter()
        .find(|v| v["label"] == "unknown user, wrong form")
        .unwrap();
    assert_eq!(wrong["status"], "fail");
    let m = check(wrong, "message").unwrap();
    assert_eq!(m["result"], "fail");
    assert!(
        m["reason"]
            .as_str()
            .unwrap()
            .contains("the AWS form (grade A): User <name> is unknown."),
        "{m}"
    );
    let failing: Vec<_> = vs.iter().filter(|v| v["status"] != "pass").collect();
    assert_eq!(failing.len(), 1, "{failing:#?}");
}

#[test]
fn a_pack_with_an_unknown_field_or_member_value_row_error_is_refused_with_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("expectations");
    let typo = ADMIN_GET_USER.replace("output_matches", "output_matchs");
    expectations_with(&exp, &[("AdminGetUser.toml", &typo)]);
    let out = cognate(&["cases", "--expectations", exp.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("AdminGetUser.toml"), "{err}");
    assert!(err.contains("output_matchs"), "{err}");

    let bad_value = format!(
        "{ADMIN_GET_USER}\n[members.UserPoolId.values.x]\nexceptions = [\"NoSuchException\"]\nevidence = \"e (conf. C)\"\n"
    );
    expectations_with(&exp, &[("AdminGetUser.toml", &bad_value)]);
    let out = cognate(&["cases", "--expectations", exp.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[members.UserPoolId.values.x]") && err.contains("NoSuchException"),
        "{err}"
    );
}

/// A target that provisions, then answers 501 NotImplementedException to everything else.
async fn implements_nothing() -> MockServer {
    let server = MockServer::start().await;
    mount_provisioning(&server, "mock-secret-0000").await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(501)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .insert_header("x-amzn-errortype", "NotImplementedException")
                .set_body_string(
                    r#"{"__type":"NotImplementedException","message":"not implemented here"}"#,
                ),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_that_implements_nothing_gets_skips_and_fails_only_routing_cases() {
    let server = implements_nothing().await;
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let (uri, rep) = (server.uri(), reports.clone());
    let run = move |extra: &[&str]| {
        let (uri, rep) = (uri.clone(), rep.clone());
        let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
        move || {
            // The password-recovery packs: what the fake implements (provisioning) has packs
            // too, and would be checked.
            let mut args = vec![
                "run",
                "--quiet",
                "--operation",
                "ForgotPassword,ConfirmForgotPassword,InitiateAuth",
                "--target",
                &uri,
                "--report-dir",
                rep.to_str().unwrap(),
            ];
            args.extend(extra.iter().map(String::as_str));
            cognate(&args)
        }
    };
    let out = tokio::task::spawn_blocking(run(&[])).await.unwrap();
    let shown = text(&out);
    // The unknown-operation cases fail: a 501 is not UnknownOperationException.
    assert_eq!(code(&out), 4, "{shown}");
    assert!(
        shown.contains("operations: 0 checked, 3 not implemented by the target (skipped): ConfirmForgotPassword, ForgotPassword, InitiateAuth"),
        "{shown}"
    );
    let r = report(&reports);
    assert_eq!(
        r["run"]["not_implemented"],
        serde_json::json!(["ConfirmForgotPassword", "ForgotPassword", "InitiateAuth"])
    );
    let all = r["verdicts"].as_array().unwrap();
    assert!(all.iter().all(|v| v["status"] != "pass"), "nothing passes");
    for v in all {
        let routing = matches!(
            v["group"].as_str().unwrap(),
            "unknown_operation" | "missing_target"
        );
        if routing {
            assert_eq!(v["status"], "fail", "{v}");
        } else {
            assert_eq!(v["status"], "skip", "{v}");
            assert!(
                v["reason"]
                    .as_str()
                    .unwrap()
                    .contains("target does not implement"),
                "{v}"
            );
        }
    }
    assert!(all.iter().any(|v| v["group"] == "unknown_operation"));
    assert!(all.iter().any(|v| v["group"] == "scenario"));

    // In snapshot mode failures the baseline records pass, but skips still fail the run under
    // --fail-on-skip.
    let snap = dir.path().join("snap");
    let snap = snap.to_str().unwrap();
    let recorded = tokio::task::spawn_blocking(run(&["--snapshot", snap]))
        .await
        .unwrap();
    assert_eq!(code(&recorded), 0, "{}", text(&recorded));
    let strict = tokio::task::spawn_blocking(run(&["--snapshot", snap, "--fail-on-skip"]))
        .await
        .unwrap();
    assert_eq!(code(&strict), 4, "{}", text(&strict));
    assert!(
        text(&strict).contains("skipped, and --fail-on-skip is set"),
        "{}",
        text(&strict)
    );
}

/// Within an operation the target has, an answer that says "not implemented" is a failure with
/// the target's words, not a skip.
#[tokio::test(flavor = "multi_thread")]
async fn not_implemented_inside_an_implemented_operation_is_a_failure() {
    let server = MockServer::start().await;
    mount_provisioning(&server, "mock-secret-0000").await;
    // The probe (the pack's base request, for user.email) is answered; every other request
    // gets cognito-local's marker.
    Mock::given(method("POST"))
        .and(wiremock::matchers::body_string_contains("cognate-email-"))
        .and(wiremock::matchers::body_string_contains("\"ClientId\""))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .set_body_string(r#"{"CodeDeliveryDetails":{"DeliveryMedium":"EMAIL"}}"#),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .set_body_string(
                    r#"{"code":"CognitoLocal#Unsupported","message":"Cognito Local unsupported feature: this one"}"#,
                ),
        )
        .mount(&server)
        .await;
    let (out, r) = run_profile(
        &server,
        "not_implemented = [\"CognitoLocal#Unsupported\"]",
        &["--no-scenarios", "--operation", "ForgotPassword"],
    )
    .await;
    assert_eq!(code(&out), 4, "{}", text(&out));
    assert!(r["run"].get("not_implemented").is_none(), "{}", r["run"]);
    let vs = verdicts(&r, "ForgotPassword");
    assert!(vs.iter().all(|v| v["status"] != "skip"), "no skips");
    let unsupported = vs
        .iter()
        .find(|v| v["label"] == "unknown user, LEGACY client")
        .unwrap();
    assert_eq!(unsupported["status"], "fail");
    assert_eq!(
        unsupported["reason"],
        "target does not support: Cognito Local unsupported feature: this one"
    );
}

/// A profile's `implements` list (for a target such as moto, whose answer to an operation it lacks
/// is the same 500 as a crash): an operation outside it is lacking without a probe, and the
/// listed ones are judged, a 500 there failing.
#[tokio::test(flavor = "multi_thread")]
async fn a_profile_list_of_implemented_operations_decides_the_rest() {
    let server = MockServer::start().await;
    mount_provisioning(&server, "mock-secret-0000").await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("content-type", "text/html")
                .set_body_string("<h1>Internal Server Error</h1>"),
        )
        .mount(&server)
        .await;
    let (out, r) = run_profile(
        &server,
        "implements = [\"ForgotPassword\"]",
        &["--operation", "ForgotPassword,GetUser"],
    )
    .await;
    assert_eq!(code(&out), 4, "{}", text(&out));
    assert_eq!(r["run"]["not_implemented"], serde_json::json!(["GetUser"]));
    for v in verdicts(&r, "GetUser") {
        let routing = matches!(
            v["group"].as_str().unwrap(),
            "unknown_operation" | "missing_target"
        );
        if !routing {
            assert_eq!(v["status"], "skip", "{v}");
            assert!(
                v["reason"]
                    .as_str()
                    .unwrap()
                    .contains("not in the profile's list of implemented operations"),
                "{v}"
            );
        }
    }
    let fp = verdicts(&r, "ForgotPassword");
    assert!(
        !fp.is_empty() && fp.iter().all(|v| v["status"] == "fail"),
        "a 500 fails"
    );
}

/// A create → describe → delete life cycle as data: a fresh pool name, the created pool's id
/// captured for later steps, and what the first step created deleted when the scenario ends.
const LIFE_CYCLE: &str = r#"
[[scenario]]
name = "a pool and a user, created, read and deleted"

[[scenario.step]]
name = "create a pool"
operation = "CreateUserPool"
request = { PoolName = "{{cognate:fresh:pool}}" }
outcome = "success"
output_matches = { "/UserPool/Id" = '^us-east-1_[0-9A-Za-z]+$', "/UserPool/Name" = '^cognate-pool-[0-9a-f]{8}-s1$' }
capture = { poolid = "/UserPool/Id" }
creates = { operation = "DeleteUserPool", request = { UserPoolId = "{{cognate:poolid}}" } }
evidence = "a test scenario (conf. C)"

[[scenario.step]]
name = "create a user in it"
operation = "AdminCreateUser"
request = { UserPoolId = "{{cognate:poolid}}", Username = "{{cognate:fresh:user}}", MessageAction = "SUPPRESS" }
outcome = "success"
output = { "/User/UserStatus" = "FORCE_CHANGE_PASSWORD", "/User/Enabled" = true }
evidence = "a test scenario (conf. C)"

[[scenario.step]]
name = "read the user"
operation = "AdminGetUser"
request = { UserPoolId = "{{cognate:poolid}}", Username = "{{cognate:fresh:user}}" }
outcome = "success"
output_matches = { "/Username" = '^cognate-user-[0-9a-f]{8}-s1$' }
evidence = "a test scenario (conf. C)"

[[scenario.step]]
name = "delete the user"
operation = "AdminDeleteUser"
request = { UserPoolId = "{{cognate:poolid}}", Username = "{{cognate:fresh:user}}" }
outcome = "success"
evidence = "a test scenario (conf. C)"

[[scenario.step]]
name = "the user is gone"
operation = "AdminGetUser"
request = { UserPoolId = "{{cognate:poolid}}", Username = "{{cognate:fresh:user}}" }
exceptions = ["UserNotFoundException"]
message = "User does not exist."
evidence = "§4 generic user not found (conf. A)"
"#;

#[test]
fn capture_fresh_and_creates_make_a_life_cycle_data() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir_all(&scenarios).unwrap();
    std::fs::write(scenarios.join("life.toml"), LIFE_CYCLE).unwrap();
    let reports = dir.path().join("reports");
    let out = cognate(&[
        "run",
        "--quiet",
        "--sequences",
        "0",
        "--scenario-dir",
        scenarios.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The scenario's pool among what the packs' creates made, all deleted.
    assert!(
        stderr.contains(" created resource(s) deleted, 0 could not be"),
        "{stderr}"
    );
    let r = report(&reports);
    let steps: Vec<&Value> = r["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["group"] == "scenario")
        .collect();
    assert_eq!(steps.len(), 5);
    assert!(steps.iter().all(|v| v["status"] == "pass"), "{steps:#?}");
    // The scenario's operations were probed and checked like any other.
    let checked: Vec<&str> = steps
        .iter()
        .map(|v| v["operation"].as_str().unwrap())
        .collect();
    assert!(checked.contains(&"CreateUserPool"));

    // A capture that names nothing an earlier step captures is refused with its line.
    let bad = LIFE_CYCLE.replace(
        "request = { UserPoolId = \"{{cognate:poolid}}\", Username = \"{{cognate:fresh:user}}\", MessageAction",
        "request = { UserPoolId = \"{{cognate:poolidd}}\", Username = \"{{cognate:fresh:user}}\", MessageAction",
    );
    let line = bad.lines().position(|l| l.contains("poolidd")).unwrap() + 1;
    std::fs::write(scenarios.join("life.toml"), bad).unwrap();
    let out = cognate(&[
        "run",
        "--scenario-dir",
        scenarios.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("life.toml")
            && err.contains("{{cognate:poolidd}}")
            && err.contains(&format!("(line {line})")),
        "{err}"
    );
}

/// A pack's placeholder that names nothing of the fixture is refused with its file and line,
/// instead of going out as literal text.
#[test]
fn a_misspelt_pack_placeholder_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("expectations");
    let typo = ADMIN_GET_USER.replace(
        "Username = \"cognate-no-such-user\" }",
        "Username = \"{{cognate:user.emial}}\" }",
    );
    let line = typo.lines().position(|l| l.contains("user.emial")).unwrap() + 1;
    expectations_with(&exp, &[("AdminGetUser.toml", &typo)]);
    let out = cognate(&["cases", "--expectations", exp.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("AdminGetUser.toml")
            && err.contains("case \"unknown user\"")
            && err.contains("{{cognate:user.emial}}")
            && err.contains(&format!("(line {line})")),
        "{err}"
    );
}

/// What a created resource's delete could not do is reported, never swallowed.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_delete_of_a_created_resource_is_reported() {
    use wiremock::matchers::{body_string_contains, header};
    let server = MockServer::start().await;
    // Mounted first, so it wins over provisioning's DeleteUserPool for the scenario's pool.
    Mock::given(method("POST"))
        .and(header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.DeleteUserPool",
        ))
        .and(body_string_contains("us-east-1_Created"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .set_body_string(r#"{"__type":"InvalidParameterException","message":"busy"}"#),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.CreateUserPool",
        ))
        .and(body_string_contains("cognate-pool-"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .set_body_string(
                    r#"{"UserPool":{"Id":"us-east-1_Created","Name":"cognate-pool-00000000-s1"}}"#,
                ),
        )
        .mount(&server)
        .await;
    mount_provisioning(&server, "mock-secret-0000").await;
    let dir = tempfile::tempdir().unwrap();
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir_all(&scenarios).unwrap();
    // Only the first step: the pool is created, then its delete is refused.
    let first = LIFE_CYCLE
        .split("[[scenario.step]]\nname = \"create a user in it\"")
        .next()
        .unwrap();
    std::fs::write(scenarios.join("life.toml"), first).unwrap();
    let reports = dir.path().join("reports");
    // Without the CreateUserPool pack: its own creates would be refused as well.
    let exp = dir.path().join("expectations");
    expectations_with(&exp, &[]);
    std::fs::remove_file(exp.join("CreateUserPool.toml")).unwrap();
    let (uri, sd, rd, ed) = (
        server.uri(),
        scenarios.to_str().unwrap().to_owned(),
        reports.to_str().unwrap().to_owned(),
        exp.to_str().unwrap().to_owned(),
    );
    let out = tokio::task::spawn_blocking(move || {
        cognate(&[
            "run",
            "--quiet",
            "--operation",
            "CreateUserPool",
            "--expectations",
            &ed,
            "--sequences",
            "0",
            "--scenario-dir",
            &sd,
            "--target",
            &uri,
            "--report-dir",
            &rd,
        ])
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cleanup: 0 created resource(s) deleted, 1 could not be"),
        "{}",
        text(&out)
    );
    assert!(
        stderr.contains("warning: not deleted: DeleteUserPool after \"a pool and a user, created, read and deleted: create a pool\"")
            && stderr.contains("HTTP 400"),
        "{stderr}"
    );
}
