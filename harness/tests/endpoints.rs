//! Real endpoints without AWS: the reference served over TLS with a CA made here, credentials
//! from the AWS chain (a profile in a temporary HOME, a web-identity token exchanged at a local
//! STS) checked by a reference that knows them, the live guard, throttled answers, clean-up
//! after a failing and an interrupted run, `cognate cleanup`, `skeleton` → `call` for every
//! operation, and `cognate diff`. Every server listens on 127.0.0.1.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{code, text, Served};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_cognate");

/// A `cognate` command with an environment of its own: no AWS variable of the machine running
/// the tests, a HOME of the test's, and no instance metadata (whose address is not loopback).
fn cognate(home: &Path) -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") || k == "CI" || k == "COGNATE_SECRET_KEY" {
            c.env_remove(k);
        }
    }
    c.env("HOME", home)
        .env("NO_COLOR", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

fn output(mut c: Command, stdin: Option<&str>) -> Output {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("cognate starts");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(s) = stdin {
        pipe.write_all(s.as_bytes()).expect("stdin written");
    }
    drop(pipe);
    child.wait_with_output().expect("cognate ends")
}

/// `cognate serve --port 0` with `args` and `envs`, in `home`'s clean environment.
fn serve(home: &Path, args: &[&str], envs: &[(&str, &str)]) -> Served {
    let mut c = cognate(home);
    c.args(["serve", "--port", "0"]).args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    Served::start(c)
}

/// A test CA and a certificate for 127.0.0.1 it signed, as PEM files in `dir`: (ca, cert, key).
fn test_certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "cognate test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &Issuer::from_params(&ca, &ca_key))
        .unwrap();
    let paths = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&paths.0, ca_cert.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    (paths.0, paths.1, paths.2)
}

fn call(home: &Path, op: &str, input: &Value, args: &[&str]) -> Output {
    let mut c = cognate(home);
    c.args(["call", op, "--cli-input-json", "-"]).args(args);
    output(c, Some(&input.to_string()))
}

fn pools(home: &Path, url: &str) -> Vec<String> {
    let o = call(
        home,
        "ListUserPools",
        &json!({"MaxResults": 60}),
        &["--target", url],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON answer");
    v["UserPools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["Name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_reference_over_tls_is_checked_with_a_test_ca() {
    let home = tempfile::tempdir().unwrap();
    let (ca, cert, key) = test_certificates(home.path());
    let served = serve(
        home.path(),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        served.url.starts_with("https://127.0.0.1:"),
        "{}",
        served.url
    );
    let reports = home.path().join("reports");
    let run = |extra: &[&str]| {
        let mut c = cognate(home.path());
        c.args(["run", "--quiet", "--target", &served.url])
            .args(["--report-dir", reports.to_str().unwrap()])
            .args(extra);
        output(c, None)
    };
    // Trusting the test CA: the whole default suite passes, the scenarios with codes from the
    // served reference.
    let o = run(&["--ca-cert", ca.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("result: pass"), "{}", text(&o));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("report.json")).unwrap())
            .unwrap();
    let totals = &report["summary"]["totals"];
    assert!(totals["pass"].as_u64().unwrap() > 5_000, "{totals}");
    for other in ["fail", "error", "skip"] {
        assert_eq!(totals[other], 0, "{totals}");
    }
    assert!(report["run"].get("warnings").is_none(), "{}", report["run"]);

    // The rest on one operation.
    let run = |extra: &[&str]| {
        run(&[
            &["--operation", "ForgotPassword", "--sequences", "1"],
            extra,
        ]
        .concat())
    };

    // The system's roots do not know the test CA: nothing is judged, the TLS error is said.
    let o = run(&[]);
    assert_eq!(code(&o), 3, "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("TLS"),
        "{}",
        text(&o)
    );

    // --insecure passes, and every report's header says the certificate was not checked.
    let o = run(&["--insecure"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("WARNING: INSECURE"),
        "{}",
        text(&o)
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("report.json")).unwrap())
            .unwrap();
    assert!(
        report["run"]["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("INSECURE"),
        "{}",
        report["run"]
    );
    let md = std::fs::read_to_string(reports.join("report.md")).unwrap();
    assert!(md.contains("> **Warning:** INSECURE"), "{md}");
}

const PROFILE_KEY: &str = "AKIDCOGNATEPROFILE01";
const PROFILE_SECRET: &str = "profile/secret/key/of/the/test/home/0001";

#[test]
fn a_profile_of_the_shared_files_signs_and_wrong_credentials_are_refused() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        format!(
            "[ci]\naws_access_key_id = {PROFILE_KEY}\naws_secret_access_key = {PROFILE_SECRET}\n\n\
             [wrong]\naws_access_key_id = {PROFILE_KEY}\naws_secret_access_key = not-the-secret\n"
        ),
    )
    .unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile ci]\nregion = eu-west-1\n\n[profile wrong]\nregion = eu-west-1\n",
    )
    .unwrap();
    let served = serve(
        home.path(),
        &["--access-key", PROFILE_KEY],
        &[("COGNATE_SECRET_KEY", PROFILE_SECRET)],
    );
    let input = json!({"MaxResults": 5});
    let mut seen = Vec::new();
    for (profile, exit, says) in [
        ("ci", 0, "UserPools"),
        // The same key with the wrong secret.
        ("wrong", 4, "InvalidSignatureException"),
        // A profile that does not exist is a clear error, not a request signed with nothing.
        ("nobody", 3, "no AWS credentials for profile \"nobody\""),
    ] {
        let o = call(
            home.path(),
            "ListUserPools",
            &input,
            &["--target", &served.url, "--profile", profile],
        );
        assert_eq!(code(&o), exit, "{profile}: {}", text(&o));
        assert!(text(&o).contains(says), "{profile}: {}", text(&o));
        seen.push(text(&o));
    }
    // Neither the secret nor the whole access key is ever printed.
    for all in seen {
        assert!(
            !all.contains(PROFILE_SECRET) && !all.contains(PROFILE_KEY),
            "{all}"
        );
    }
}

const WEB_KEY: &str = "ASIACOGNATEWEBIDENT1";
const WEB_SECRET: &str = "web/identity/secret/from/the/local/sts/01";
const WEB_SESSION: &str = "web-identity-session-token-from-the-local-sts";

#[tokio::test(flavor = "multi_thread")]
async fn a_web_identity_token_is_exchanged_at_sts_and_its_credentials_sign() {
    use wiremock::matchers::{body_string_contains, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=AssumeRoleWithWebIdentity"))
        .and(body_string_contains("WebIdentityToken=fake.oidc.token"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/xml")
                .set_body_string(format!(
                    "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                     <AssumeRoleWithWebIdentityResult><Credentials>\
                     <AccessKeyId>{WEB_KEY}</AccessKeyId><SecretAccessKey>{WEB_SECRET}</SecretAccessKey>\
                     <SessionToken>{WEB_SESSION}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>\
                     </Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/ci/cognate</Arn>\
                     <AssumedRoleId>AROACOGNATE:cognate</AssumedRoleId></AssumedRoleUser>\
                     </AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>1</RequestId>\
                     </ResponseMetadata></AssumeRoleWithWebIdentityResponse>"
                )),
        )
        .expect(1..)
        .mount(&sts)
        .await;
    let home = tempfile::tempdir().unwrap();
    let token = home.path().join("token");
    std::fs::write(&token, "fake.oidc.token").unwrap();
    let served = serve(
        home.path(),
        &["--access-key", WEB_KEY],
        &[("COGNATE_SECRET_KEY", WEB_SECRET)],
    );
    let sts_url = sts.uri();
    let env = [
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap()),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_STS", sts_url.as_str()),
    ];
    let mut c = cognate(home.path());
    c.args(["call", "ListUserPools", "--cli-input-json", "-"])
        .args(["--target", &served.url, "--aws-credentials"]);
    for (k, v) in env {
        c.env(k, v);
    }
    // The local STS answers from this runtime's other worker meanwhile.
    let o = tokio::task::block_in_place(|| output(c, Some(r#"{"MaxResults": 5}"#)));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let all = text(&o);
    for secret in [WEB_SECRET, WEB_SESSION, "fake.oidc.token"] {
        assert!(!all.contains(secret), "{all}");
    }
    sts.verify().await;
}

#[test]
fn a_live_target_needs_allow_live_and_a_confirmation_before_anything_is_sent() {
    let home = tempfile::tempdir().unwrap();
    let live = "https://cognito-idp.eu-west-1.amazonaws.com";
    let o = output(
        {
            let mut c = cognate(home.path());
            c.args(["run", "--target", live]);
            c
        },
        None,
    );
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("pass --allow-live"));

    // Allowed, with credentials in the environment; STS is a closed loopback port, so the
    // account is unknown. Standard input is no terminal and there is no --yes: the plan is
    // printed and nothing is sent.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let sts = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    for args in [
        vec!["run", "--target", live, "--allow-live"],
        vec![
            "run",
            "--target",
            "aws",
            "--allow-live",
            "--region",
            "eu-west-1",
        ],
    ] {
        let mut c = cognate(home.path());
        c.args(&args)
            .env("AWS_ACCESS_KEY_ID", "AKIDCOGNATELIVE00001")
            .env("AWS_SECRET_ACCESS_KEY", "live/secret/never/shown")
            .env("AWS_REGION", "eu-west-1")
            .env("AWS_ENDPOINT_URL_STS", &sts)
            .env("AWS_MAX_ATTEMPTS", "1");
        let o = output(c, None);
        assert_eq!(code(&o), 1, "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("LIVE TARGET https://cognito-idp.eu-west-1.amazonaws.com"),
            "{err}"
        );
        assert!(err.contains("account unknown"), "{err}");
        assert!(err.contains("at most 5 requests/s, 3 retries"), "{err}");
        assert!(err.contains("nothing was sent"), "{err}");
        assert!(err.contains("…0001"), "{err}");
        assert!(!text(&o).contains("live/secret/never/shown"));
        assert!(!text(&o).contains("AKIDCOGNATELIVE00001"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_answers_are_retried_and_counted() {
    use cognate::replay::{Client, Config, Signing, Transport};
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let throttled = ResponseTemplate::new(400)
        .insert_header("x-amzn-errortype", "TooManyRequestsException:")
        .set_body_string(r#"{"__type":"TooManyRequestsException","message":"Too many requests"}"#);
    Mock::given(method("POST"))
        .respond_with(throttled)
        .up_to_n_times(3)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .with_priority(2)
        .mount(&server)
        .await;
    let config = Config {
        concurrency: 1,
        timeout: Duration::from_secs(5),
        signing: Signing::test_credentials("us-east-1"),
    };
    let request = cognate::generate::Request {
        target: Some("AWSCognitoIdentityProviderService.ListUserPools".into()),
        content_type: Some("application/x-amz-json-1.1".into()),
        body: r#"{"MaxResults":1}"#.into(),
        signed: true,
        forgery: Default::default(),
    };
    let retrying = Transport {
        retries: 3,
        ..Transport::default()
    };
    let client = Client::with_transport(&server.uri(), config.clone(), &retrying).unwrap();
    let ex = client.send("c", &request, &cognate::replay::NoFill).await;
    assert_eq!(ex.result.unwrap().status, 200);
    assert_eq!(client.retried(), 3);
    assert_eq!(server.received_requests().await.unwrap().len(), 4);

    // Without retries the throttled answer is what the case gets (and a verdict judges it).
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_string(r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#),
        )
        .mount(&server)
        .await;
    let client = Client::new(&server.uri(), config.clone()).unwrap();
    let ex = client.send("c", &request, &cognate::replay::NoFill).await;
    assert_eq!(ex.result.unwrap().status, 400);
    assert_eq!(client.retried(), 0);

    // The rate limit spaces requests: 5 at 20/s take at least 200 ms.
    let paced = Transport {
        rate: Some(20.0),
        ..Transport::default()
    };
    let client = Client::with_transport(&server.uri(), config, &paced).unwrap();
    let t0 = Instant::now();
    for _ in 0..5 {
        client.send("c", &request, &cognate::replay::NoFill).await;
    }
    assert!(
        t0.elapsed() >= Duration::from_millis(195),
        "{:?}",
        t0.elapsed()
    );
}

#[test]
fn a_failing_run_deletes_what_it_created() {
    let home = tempfile::tempdir().unwrap();
    let served = serve(home.path(), &[], &[]);
    // A pack that expects the wrong answer and forgets to say what its cases create: every
    // valid CreateUserPool case fails and leaves a pool, which the run's sweep still deletes.
    let packs = home.path().join("packs");
    std::fs::create_dir(&packs).unwrap();
    let pack = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/expectations/CreateUserPool.toml"),
    )
    .unwrap();
    std::fs::write(
        packs.join("CreateUserPool.toml"),
        pack.replacen(
            "outcome = \"success\"",
            "exceptions = [\"InvalidParameterException\"]",
            1,
        )
        .lines()
        .filter(|l| {
            !["creates =", "echo =", "output_matches ="]
                .iter()
                .any(|k| l.starts_with(k))
        })
        .collect::<Vec<_>>()
        .join("\n"),
    )
    .unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/expectations/rules.toml"),
        packs.join("rules.toml"),
    )
    .unwrap();
    let mut c = cognate(home.path());
    c.args([
        "run",
        "--quiet",
        "--target",
        &served.url,
        "--operation",
        "CreateUserPool",
    ])
    .args(["--no-scenarios", "--expectations", packs.to_str().unwrap()])
    .args(["--report-dir", home.path().join("r").to_str().unwrap()]);
    let o = output(c, None);
    assert_eq!(code(&o), 4, "{}", text(&o));
    assert_eq!(pools(home.path(), &served.url), Vec::<String>::new());
}

/// Starts a whole run against `served`, waits until it is under way (its pool exists, then
/// `after` more), and sends it `signal`. What the run printed and exited with.
#[cfg(unix)]
fn signalled_run(home: &Path, served: &Served, after: Duration, signal: i32) -> Output {
    let mut c = cognate(home);
    // The MFA scenarios wait for TOTP windows: a run that is certainly still going.
    c.args([
        "run",
        "--quiet",
        "--target",
        &served.url,
        "--operation",
        "*",
    ])
    .args(["--report-dir", home.join("r").to_str().unwrap()])
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    let child = c.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while pools(home, &served.url).is_empty() {
        assert!(Instant::now() < deadline, "the run created no pool");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(after);
    // SAFETY: a plain signal to our own child.
    unsafe {
        libc::kill(child.id() as i32, signal);
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_writes_its_reports_marked_incomplete_deletes_what_it_created_and_exits_130() {
    let home = tempfile::tempdir().unwrap();
    let served = serve(home.path(), &[], &[]);
    let started = Instant::now();
    let o = signalled_run(home.path(), &served, Duration::from_secs(3), libc::SIGINT);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains("SIGINT: stopping"), "{err}");
    // Well before the whole run's 40 s and more: the TOTP waits were not sat out.
    assert!(started.elapsed() < Duration::from_secs(30), "{err}");
    let dir = home.path().join("r");
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("report.json"))
            .unwrap();
    assert_eq!(report["incomplete"], "interrupted (SIGINT)", "{err}");
    let totals = &report["summary"]["totals"];
    let judged: u64 = ["pass", "fail", "error", "skip"]
        .iter()
        .map(|k| totals[k].as_u64().unwrap())
        .sum();
    let planned = report["run"]["cases"].as_u64().unwrap();
    assert!(judged > 0 && judged < planned, "{judged} of {planned}");
    assert_eq!(report["verdicts"].as_array().unwrap().len() as u64, judged);
    // A stopped run's unsent requests are not verdicts: every verdict had an answer or a
    // reason of its own.
    assert!(!serde_json::to_string(&report).unwrap().contains("not sent"));
    let line = format!("{judged} of {planned} planned cases judged");
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains("**Incomplete:** incomplete: interrupted (SIGINT)"),
        "{md}"
    );
    assert!(md.contains(&line), "{md}");
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(junit.contains("name=\"incomplete\""), "{junit}");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains(&line), "report.html lacks {line:?}");
    assert_eq!(
        pools(home.path(), &served.url),
        Vec::<String>::new(),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn sigterm_stops_a_run_as_sigint_does() {
    let home = tempfile::tempdir().unwrap();
    let served = serve(home.path(), &[], &[]);
    let o = signalled_run(home.path(), &served, Duration::from_secs(1), libc::SIGTERM);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    let report: Value = serde_json::from_slice(
        &std::fs::read(home.path().join("r").join("report.json")).expect("report.json"),
    )
    .unwrap();
    assert_eq!(report["incomplete"], "interrupted (SIGTERM)", "{err}");
    assert_eq!(pools(home.path(), &served.url), Vec::<String>::new());
}

#[test]
fn cleanup_deletes_old_cognate_pools_only() {
    let home = tempfile::tempdir().unwrap();
    let served = serve(home.path(), &[], &[]);
    let target = ["--target", served.url.as_str()];
    for (name, tags) in [
        ("cognate-left-behind", json!({"cognate:run": "0badc0de"})),
        ("cognate-untagged", json!({})),
        ("someone-elses", json!({})),
    ] {
        let o = call(
            home.path(),
            "CreateUserPool",
            &json!({"PoolName": name, "UserPoolTags": tags}),
            &target,
        );
        assert_eq!(code(&o), 0, "{}", text(&o));
    }
    // Younger than an hour: left alone.
    let mut c = cognate(home.path());
    c.args(["cleanup"]).args(target);
    let o = output(c, None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(pools(home.path(), &served.url).len(), 3);

    let mut c = cognate(home.path());
    c.args(["cleanup", "--older-than", "0", "--dry-run"])
        .args(target);
    let o = output(c, None);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("cognate-left-behind, run 0badc0de"), "{out}");
    assert!(out.contains("2 pool(s) would be deleted"), "{out}");
    assert_eq!(pools(home.path(), &served.url).len(), 3);

    let mut c = cognate(home.path());
    c.args(["cleanup", "--older-than", "0"]).args(target);
    let o = output(c, None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(
        pools(home.path(), &served.url),
        vec!["someone-elses".to_owned()]
    );
}

#[test]
fn every_skeleton_round_trips_through_call() {
    let home = tempfile::tempdir().unwrap();
    let served = serve(home.path(), &[], &[]);
    let cat = cognate::model::Catalogue::embedded();
    assert_eq!(cat.operations.len(), 141);
    let mut sent = 0;
    for name in cat.operations.keys() {
        let mut c = cognate(home.path());
        c.args(["skeleton", name]);
        let o = output(c, None);
        assert_eq!(code(&o), 0, "{name}: {}", text(&o));
        let skeleton: Value = serde_json::from_slice(&o.stdout).unwrap();
        let o = call(home.path(), name, &skeleton, &["--target", &served.url]);
        let err = String::from_utf8_lossy(&o.stderr);
        // Every member of the skeleton is one the operation has: at most its placeholders break
        // a constraint (an empty name, a zero limit), and then nothing is sent.
        assert!(!err.contains("is not a member"), "{name}: {err}");
        assert_eq!(code(&o), 2, "{name}: {}", text(&o));
        assert!(err.contains("nothing was sent"), "{name}: {err}");

        // Filled in as a user would (the required members only, each with a plain value), the
        // skeleton goes out, and the answer comes back as JSON or as the error it is.
        let required = &cat.operations[name].input_schema;
        let filled = fill_required(&skeleton, required);
        let o = call(home.path(), name, &filled, &["--target", &served.url]);
        match code(&o) {
            0 | 4 => sent += 1,
            2 => assert!(
                String::from_utf8_lossy(&o.stderr).contains("nothing was sent"),
                "{name}: {}",
                text(&o)
            ),
            other => panic!("{name}: exit {other}: {}", text(&o)),
        }
    }
    // 92 of the 141 when this was written; the others need values of a pattern or an enum.
    assert!(
        sent >= 90,
        "only {sent} filled skeletons were valid enough to send"
    );
}

/// The skeleton's required top-level members: a pool id and a client id of the right form,
/// other strings as `x1`, numbers as 1, nested placeholders kept.
fn fill_required(skeleton: &Value, schema: &Value) -> Value {
    let root = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .map(|name| &schema["$defs"][name]);
    let required: Vec<&str> = root
        .and_then(|r| r["required"].as_array())
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = serde_json::Map::new();
    for (k, v) in skeleton.as_object().into_iter().flatten() {
        if !required.contains(&k.as_str()) {
            continue;
        }
        let filled = match (k.as_str(), v) {
            ("UserPoolId", _) => json!("us-east-1_Abcdefghi"),
            ("ClientId", _) => json!("abcdefghijklmnopqrstuvwxyz"),
            (_, Value::String(_)) => json!("x1"),
            (_, Value::Number(_)) => json!(1),
            (_, other) => other.clone(),
        };
        out.insert(k.clone(), filled);
    }
    Value::Object(out)
}

#[test]
fn call_lists_every_violation_and_sends_nothing() {
    let home = tempfile::tempdir().unwrap();
    // No target listens here: a request would be a connection error (exit 3), not exit 2.
    let input = json!({"ClientId": "c", "Username": "u".repeat(129), "Extra": true});
    let o = call(
        home.path(),
        "ForgotPassword",
        &input,
        &["--target", "http://127.0.0.1:9"],
    );
    assert_eq!(code(&o), 2, "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("Username:"), "{err}");
    assert!(err.contains("Extra:"), "{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    assert!(!err.contains(&"u".repeat(129)), "{err}");

    // YAML too.
    let yaml = home.path().join("in.yaml");
    std::fs::write(&yaml, "ClientId: c\nUsername: ''\n").unwrap();
    let mut c = cognate(home.path());
    c.args([
        "call",
        "forgot-password",
        "--cli-input-yaml",
        yaml.to_str().unwrap(),
    ])
    .args(["--target", "http://127.0.0.1:9"]);
    let o = output(c, None);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Username:"));
}

#[test]
fn skeleton_prints_the_members_of_an_operation() {
    let home = tempfile::tempdir().unwrap();
    let mut c = cognate(home.path());
    c.args(["skeleton", "ForgotPassword"]);
    let o = output(c, None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "ClientId",
            "SecretHash",
            "UserContextData",
            "Username",
            "AnalyticsMetadata",
            "ClientMetadata"
        ]
    );
    let mut c = cognate(home.path());
    c.args(["skeleton", "ForgotPasword"]);
    let o = output(c, None);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean ForgotPassword"));
}

#[test]
fn diff_compares_snapshot_directories_case_by_case() {
    let home = tempfile::tempdir().unwrap();
    let snaps = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/snapshots");
    let out = home.path().join("diff.md");
    let mut c = cognate(home.path());
    c.arg("diff")
        .arg(snaps.join("reference"))
        .arg(snaps.join("moto"))
        .args(["--out", out.to_str().unwrap()]);
    let o = output(c, None);
    assert_eq!(code(&o), 5, "{}", text(&o));
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(md.contains("| ForgotPassword |"), "{md}");
    assert!(md.contains("reference") && md.contains("moto"));

    let mut c = cognate(home.path());
    c.arg("diff")
        .arg(snaps.join("reference"))
        .arg(snaps.join("reference"));
    let o = output(c, None);
    assert_eq!(code(&o), 0, "{}", text(&o));
}
