//! The `cognate` binary as a user runs it: exit codes, reports on disk, determinism, and a
//! misbehaving target whose report names the failing check.

use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

mod common;
use common::{code, cognate, mount_provisioning, text};

fn report(dir: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json written");
    serde_json::from_str(&text).expect("report.json is JSON")
}

#[test]
fn reference_run_passes_every_case_and_writes_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = cognate(&[
        "run",
        "--quiet",
        "--cases",
        "20",
        "--report-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let r = report(dir.path());
    let verdicts = r["verdicts"].as_array().unwrap();
    assert!(verdicts.len() > 150, "{} verdicts", verdicts.len());
    assert!(verdicts.iter().all(|v| v["status"] == "pass"));
    for op in ["ForgotPassword", "ConfirmForgotPassword"] {
        assert!(verdicts.iter().any(|v| v["operation"] == op));
    }
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(
        junit.contains("<testsuite name=\"ForgotPassword\""),
        "{junit}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("ConfirmForgotPassword"),
        "summary table: {stdout}"
    );
}

#[test]
fn same_seed_same_cases() {
    let a = cognate(&["cases", "--seed", "11", "--cases", "10", "--bodies"]);
    let b = cognate(&["cases", "--seed", "11", "--cases", "10", "--bodies"]);
    assert_eq!(code(&a), 0, "{}", text(&a));
    assert!(a.stdout.len() > 10_000);
    assert_eq!(a.stdout, b.stdout);
    let c = cognate(&["cases", "--seed", "12", "--cases", "10", "--bodies"]);
    assert_ne!(a.stdout, c.stdout);
}

#[test]
fn usage_errors_exit_1() {
    assert_eq!(code(&cognate(&["run", "--no-such-flag"])), 1);
    let live = cognate(&[
        "run",
        "--target",
        "https://cognito-idp.us-east-1.amazonaws.com",
    ]);
    assert_eq!(code(&live), 1, "{}", text(&live));
    assert!(text(&live).contains("--allow-live"));
    // Allowed live runs (the plan, the confirmation) are tested in endpoints.rs, where the AWS
    // chain gets an environment of its own.
    assert_eq!(code(&cognate(&["--help"])), 0);
}

#[test]
fn bad_input_exits_2() {
    let empty = tempfile::tempdir().unwrap();
    let out = cognate(&["run", "--schemas", empty.path().to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let out = cognate(&["cases", "--operation", "NoSuchOperation"]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(text(&out).contains("NoSuchOperation"));
}

#[test]
fn unreachable_target_exits_3() {
    // Port 1 on loopback: nothing listens there.
    let out = cognate(&[
        "run",
        "--quiet",
        "--target",
        "http://127.0.0.1:1",
        "--timeout-ms",
        "2000",
    ]);
    assert_eq!(code(&out), 3, "{}", text(&out));
    assert!(text(&out).contains("CreateUserPool"), "{}", text(&out));
}

#[test]
fn committed_schemas_are_a_fresh_import() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas");
    let model = format!("{root}/model/cognito-idp-2016-04-18.service-2.json");
    let out = cognate(&[
        "schemas", "import", "--model", &model, "--out", root, "--check",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));

    // And a changed file is drift, exit 5, named.
    let copy = tempfile::tempdir().unwrap();
    let ok = cognate(&[
        "schemas",
        "import",
        "--model",
        &model,
        "--out",
        copy.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&ok), 0, "{}", text(&ok));
    let fp = copy.path().join("operations/ForgotPassword.json");
    let edited = std::fs::read_to_string(&fp)
        .unwrap()
        .replace("\"maxLength\": 128", "\"maxLength\": 129");
    std::fs::write(&fp, edited).unwrap();
    let drift = cognate(&[
        "schemas",
        "import",
        "--model",
        &model,
        "--out",
        copy.path().to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(code(&drift), 5, "{}", text(&drift));
    assert!(text(&drift).contains("ForgotPassword.json"));
}

/// A target that provisions fine but answers every password-recovery request with the wrong
/// exception: the run must exit 4 and the report must name the `exception` check.
#[tokio::test(flavor = "multi_thread")]
async fn wrong_answers_fail_with_the_check_named() {
    let server = MockServer::start().await;
    mount_provisioning(&server, "mocksecret").await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("content-type", "application/x-amz-json-1.1")
                // Echoes secrets this request never carried: the fixture's password and the
                // client secret handed out at provisioning.
                .set_body_string(format!(
                    r#"{{"__type":"CognateWrongException","message":"wrong: {} / mocksecret"}}"#,
                    cognate::target::USER_PASSWORD
                )),
        )
        .mount(&server)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let uri = server.uri();
    let report_dir = dir.path().to_str().unwrap().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        cognate(&[
            "run",
            "--quiet",
            "--target",
            &uri,
            "--report-dir",
            &report_dir,
        ])
    })
    .await
    .unwrap();
    assert_eq!(code(&out), 4, "{}", text(&out));
    let r = report(dir.path());
    let verdicts = r["verdicts"].as_array().unwrap();
    let failing_exception = verdicts
        .iter()
        .filter(|v| v["status"] == "fail")
        .filter(|v| {
            v["checks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["check"] == "exception" && c["result"] == "fail")
        })
        .count();
    assert!(
        failing_exception > 100,
        "{failing_exception} verdicts fail the exception check"
    );
    let reason = verdicts
        .iter()
        .find_map(|v| v["reason"].as_str().filter(|r| r.starts_with("exception")))
        .expect("a reason naming the exception check");
    assert!(reason.contains("CognateWrongException"), "{reason}");
    for file in ["report.json", "junit.xml", "report.md"] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(
            !text.contains(cognate::target::USER_PASSWORD),
            "{file} leaks the password"
        );
        assert!(
            !text.contains("mocksecret"),
            "{file} leaks the client secret"
        );
    }
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("FAIL"),
        "{}",
        text(&out)
    );
}

#[test]
fn replay_resends_one_case_by_id_and_redacts() {
    let cases = cognate(&["cases", "--seed", "3"]);
    let listing = String::from_utf8_lossy(&cases.stdout);
    let line = listing
        .lines()
        .find(|l| l.contains("client with secret, SecretHash missing"))
        .expect("the contract case is listed");
    let case: Value = serde_json::from_str(line).unwrap();
    let id = case["id"].as_str().unwrap();
    let out = cognate(&["replay", id, "--seed", "3"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("verdict   pass"), "{shown}");
    assert!(
        shown.contains("x-amzn-errortype: NotAuthorizedException"),
        "{shown}"
    );
    // The client id appears in the message only as <redacted>.
    assert!(
        shown.contains("Client <redacted> is configured for secret"),
        "{shown}"
    );
    assert!(!shown.contains(crate_password()), "{shown}");

    let missing = cognate(&["replay", "0000000000000000", "--seed", "3"]);
    assert_eq!(code(&missing), 1, "{}", text(&missing));
    assert!(text(&missing).contains("no case 0000000000000000"));
}

fn crate_password() -> &'static str {
    cognate::target::USER_PASSWORD
}
