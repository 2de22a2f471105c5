//! Writes the seed corpora of every fuzz target under `../fixtures/corpus/<target>/`, from real
//! requests and responses: the harness's generated cases, the reference target's answers to them,
//! verdicts the checker gives those answers, the protocol notes' error fixtures, and a generated
//! valid value for every model pattern.
//!
//! ```sh
//! cd fuzz && cargo run --example make_corpus
//! ```
//!
//! Deterministic: the generator and the reference target are seeded, so a rerun writes the same
//! files. Rerun it when the schemas, the expectations or an input format change; it replaces the
//! four directories.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cognate::check::Checker;
use cognate::generate::values::{self, Chars};
use cognate::generate::{self, Case, Contract, Options};
use cognate::model::Catalogue;
use cognate::reference::{RawRequest, RawResponse};
use cognate::replay::{fill_placeholders, Exchange, Fill, Response, Sent};
use cognate::report::{ReportFile, RunInfo};
use cognate_fuzz::identity_input::IdentityInput;
use cognate_fuzz::patterns::{model_patterns, PatternInput};
use cognate_fuzz::request::{FuzzRequest, TargetKind, World, AUTHORIZATIONS, CONTENT_TYPES, SIGV4};

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("fixtures")
        .join("corpus")
        .join(target)
}

/// Empties a target's directory and writes `files` into it.
fn write(target: &str, files: &[(String, Vec<u8>)]) {
    let dir = corpus_dir(target);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the corpus directory");
    let mut names = BTreeSet::new();
    for (name, bytes) in files {
        assert!(names.insert(name.clone()), "two seeds named {name}");
        std::fs::write(dir.join(name), bytes).expect("write a seed");
    }
    let size: usize = files.iter().map(|(_, b)| b.len()).sum();
    println!("{target}: {} seeds, {size} bytes", files.len());
}

/// The harness's placeholders, as the fuzz world's: `alice` stands for the verified users, `bob`
/// for the unconfirmed one.
struct ToWorld;

impl Fill for ToWorld {
    fn fill(&self, name: &str) -> Option<String> {
        Some(
            match name {
                "pool" => "@pool@",
                "client.legacy" => "@client@",
                "client.enabled" => "@eclient@",
                "client.secret" => "@sclient@",
                "user.unconfirmed" => "bob",
                n if n.starts_with("user.") => "alice",
                n if n.starts_with("secret_hash:") => "@hash@",
                _ => return None,
            }
            .to_owned(),
        )
    }
}

/// One case as a `reference_request` input.
fn case_request(case: &Case) -> Vec<u8> {
    let cat = Catalogue::embedded();
    let op = cat.operation(&case.operation).expect("a known operation");
    let target = match &case.request.target {
        None => TargetKind::Missing,
        Some(t) if *t == op.target => TargetKind::Exact,
        Some(t) if t.ends_with(&op.name.to_lowercase()) => TargetKind::Lowercase,
        Some(_) => TargetKind::Garbage,
    };
    let content_type = CONTENT_TYPES
        .iter()
        .position(|c| *c == case.request.content_type.as_deref())
        .unwrap_or(CONTENT_TYPES.len() - 1);
    let authorization = if case.request.signed {
        AUTHORIZATIONS.iter().position(|a| *a == Some(SIGV4))
    } else {
        AUTHORIZATIONS.iter().position(Option::is_none)
    }
    .unwrap_or(0);
    let body = fill_placeholders(&case.request.body, &ToWorld).into_bytes();
    FuzzRequest {
        method: 0,
        target,
        operation: FuzzRequest::operation_index(&case.operation).expect("indexed"),
        content_type,
        authorization,
        extra: 0,
        body: &body,
    }
    .encode()
}

/// Hand-made requests that reach the semantics or break the frame (the old make_seeds.py).
fn hand_requests() -> Vec<(String, Vec<u8>)> {
    let new = "N3w-Passw0rd!";
    let op = |n: &str| FuzzRequest::operation_index(n).expect("indexed");
    let req = |name: &str,
               target: TargetKind,
               operation: usize,
               ct: usize,
               auth: usize,
               method: usize,
               body: String| {
        let r = FuzzRequest {
            method,
            target,
            operation,
            content_type: ct,
            authorization: auth,
            extra: 0,
            body: body.as_bytes(),
        };
        (format!("hand_{name}"), r.encode())
    };
    use TargetKind::*;
    let fp = op("ForgotPassword");
    let cfp = op("ConfirmForgotPassword");
    vec![
        req("forgot_password_secret_hash", Exact, fp, 0, 1, 0,
            r#"{"ClientId":"@sclient@","Username":"alice","SecretHash":"@hash@"}"#.into()),
        req("forgot_password_force_change_password", Exact, fp, 0, 1, 0,
            r#"{"ClientId":"@client@","Username":"bob"}"#.into()),
        req("confirm_forgot_password_valid", Exact, cfp, 0, 1, 0,
            format!(r#"{{"ClientId":"@client@","Username":"alice","ConfirmationCode":"@code@","Password":"{new}"}}"#)),
        req("confirm_forgot_password_weak_password", Exact, cfp, 0, 1, 0,
            r#"{"ClientId":"@client@","Username":"alice","ConfirmationCode":"@code@","Password":"weak"}"#.into()),
        req("initiate_auth_valid", Exact, op("InitiateAuth"), 0, 1, 0,
            r#"{"ClientId":"@client@","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"alice","PASSWORD":"Passw0rd!"}}"#.into()),
        req("admin_get_user_valid", Exact, op("AdminGetUser"), 0, 0, 0,
            r#"{"UserPoolId":"@pool@","Username":"alice"}"#.into()),
        req("admin_get_user_without_auth", Exact, op("AdminGetUser"), 0, 1, 0,
            r#"{"UserPoolId":"@pool@","Username":"alice"}"#.into()),
        req("admin_delete_user", Exact, op("AdminDeleteUser"), 0, 0, 0,
            r#"{"UserPoolId":"@pool@","Username":"bob"}"#.into()),
        req("admin_update_user_attributes", Exact, op("AdminUpdateUserAttributes"), 0, 0, 0,
            r#"{"UserPoolId":"@pool@","Username":"alice","UserAttributes":[{"Name":"email","Value":"a@example.com"}]}"#.into()),
        req("create_user_pool_client", Exact, op("CreateUserPoolClient"), 0, 0, 0,
            r#"{"UserPoolId":"@pool@","ClientName":"x","GenerateSecret":true}"#.into()),
        req("not_implemented", Exact, op("DescribeUserPool"), 0, 0, 0,
            r#"{"UserPoolId":"@pool@"}"#.into()),
        req("get", Exact, fp, 0, 1, 1, r#"{"ClientId":"@client@","Username":"alice"}"#.into()),
        req("padded_target", Padded, fp, 4, 1, 0, r#"{"ClientId":"@client@","Username":"alice"}"#.into()),
        req("bare_target", Bare, fp, 0, 1, 0, r#"{"ClientId":"@client@","Username":"alice"}"#.into()),
        req("nested_unknown_member", Exact, fp, 0, 1, 0,
            r#"{"ClientId":"@client@","Username":"alice","AnalyticsMetadata":{"AnalyticsEndpointId":"x","Nope":[1,{"a":null}]},"ClientMetadata":{"k":"v"}}"#.into()),
    ]
}

/// The cases the requests seeds come from: one per group of each default operation.
fn sample_cases() -> Vec<Case> {
    let cat = Catalogue::embedded();
    let contract = Contract::embedded(cat).expect("the embedded contract loads");
    let mut out = Vec::new();
    for op in ["ForgotPassword", "ConfirmForgotPassword"] {
        let cases =
            generate::cases(cat, &contract, op, Options { seed: 1, extra: 4 }).expect("generated");
        let mut groups = BTreeSet::new();
        for c in cases {
            let group = c.kind.group();
            // Two valid cases (the base and a boundary), one of every other group.
            let key = if group == "valid" && c.label != "base request" {
                "valid-variant".to_owned()
            } else {
                group.to_owned()
            };
            if groups.insert(key) {
                out.push(c);
            }
        }
    }
    out
}

fn exchange(case: &Case, req: &RawRequest, res: &RawResponse) -> Exchange {
    Exchange {
        case_id: case.id.clone(),
        sent: Sent {
            url: "http://127.0.0.1:9229/".into(),
            headers: req
                .headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
            body: req.body.clone(),
        },
        result: Ok(Response {
            status: res.status,
            headers: res
                .headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
            body: res.body.clone(),
        }),
        elapsed: Duration::from_millis(3),
    }
}

fn protocol_fixtures() -> Vec<(String, Vec<u8>)> {
    const URI: &str = "http://internal.amazon.com/coral/com.amazon.coral.validate/";
    let h = |v: &str| vec![("X-Amzn-Errortype".to_owned(), v.to_owned())];
    type Fixture = (&'static str, Vec<(String, String)>, String);
    let fixtures: Vec<Fixture> = vec![
        ("header_alone", h("FooError"), String::new()),
        ("header_with_uri", h(&format!("FooError:{URI}")), String::new()),
        ("header_with_uri_and_namespace", h(&format!("aws.protocoltests.json#FooError:{URI}")), String::new()),
        ("code_with_uri_and_namespace", vec![], format!(r#"{{"code":"aws.protocoltests.json#FooError:{URI}"}}"#)),
        ("type_with_namespace", vec![], r#"{"__type":"aws.protocoltests.json#FooError"}"#.to_owned()),
        ("nested_type_ignored", vec![], r#"{"__type":"aws.protocoltests.json#FooError","ErrorDetails":[{"__type":"com.amazon.internal#ErrorDetails","reason":"Some reason"}]}"#.to_owned()),
        ("invalid_greeting", vec![], r#"{"__type":"InvalidGreeting","Message":"Hi"}"#.to_owned()),
        ("header_and_body_disagree", h("CodeMismatchException:"), r#"{"__type":"com.amazonaws.cognito#ExpiredCodeException","message":"m"}"#.to_owned()),
    ];
    fixtures
        .into_iter()
        .map(|(name, headers, body)| {
            let i = IdentityInput {
                status: 400,
                headers,
                body: body.into_bytes(),
            };
            (format!("protocol_{name}"), i.encode())
        })
        .collect()
}

fn main() {
    let cat = Catalogue::embedded();
    let world = World::provision();
    let checker = Checker::new(cat).expect("the output schemas compile");

    // reference_request: generated cases and hand-made requests.
    let cases = sample_cases();
    let mut requests: Vec<(String, Vec<u8>)> = cases
        .iter()
        .map(|c| {
            let name = format!("{}_{}_{}", c.operation, c.kind.group(), c.id);
            (name, case_request(c))
        })
        .collect();
    requests.extend(hand_requests());
    write("reference_request", &requests);

    // error_identity: the reference target's answers to those requests, one per
    // (status, exception), and the protocol notes' fixtures.
    let mut answers = Vec::new();
    let mut seen = BTreeSet::new();
    let mut verdicts = Vec::new();
    for (name, bytes) in &requests {
        let input = <FuzzRequest as arbitrary::Arbitrary>::arbitrary_take_rest(
            arbitrary::Unstructured::new(bytes),
        )
        .expect("decodes");
        let req = input.to_raw(world.fill(input.body));
        let res = world.reference.fork().handle(&req);
        if let Some(case) = cases.iter().find(|c| name.ends_with(&c.id)) {
            verdicts.push(checker.check(case, &exchange(case, &req, &res)));
        }
        let exception = res.json()["__type"].as_str().unwrap_or("ok").to_owned();
        if seen.insert((res.status, exception.clone())) {
            let i = IdentityInput {
                status: res.status,
                headers: res.headers.clone(),
                body: res.body.clone(),
            };
            answers.push((format!("reference_{}_{exception}", res.status), i.encode()));
        }
    }
    answers.extend(protocol_fixtures());
    write("error_identity", &answers);

    // pattern_dialect: a generated valid value for every model pattern, and a few generator
    // inputs.
    let mut patterns = Vec::new();
    for (i, p) in model_patterns().iter().enumerate() {
        let mut r = values::runner(1, &[&p.java]);
        let len = p.min.max(1).min(p.max).min(64);
        let value = (len..=len + 8)
            .find_map(|n| values::string_of_len(Some(&p.pattern), n, Chars::Mixed, &mut r))
            .unwrap_or_default();
        let input = PatternInput::Text { pattern: i, value };
        patterns.push((format!("text_{i:02}"), input.encode()));
        if i % 5 == 0 {
            let input = PatternInput::Generated {
                pattern: i,
                seed: i as u64,
                len: len.min(20),
                chars: i % 3,
            };
            patterns.push((format!("generated_{i:02}"), input.encode()));
        }
    }
    write("pattern_dialect", &patterns);

    // case_roundtrip: real cases, verdicts and a report as JSON text, and generator inputs.
    let mut records = Vec::new();
    for c in cases.iter().step_by(3) {
        let mut b = vec![0u8];
        b.extend(serde_json::to_vec(c).expect("serialises"));
        records.push((format!("case_{}", c.id), b));
    }
    for v in verdicts.iter().step_by(4) {
        let mut b = vec![1u8];
        b.extend(serde_json::to_vec(v).expect("serialises"));
        records.push((format!("verdict_{}", v.case_id), b));
    }
    let report = ReportFile::new(
        RunInfo {
            harness_version: "0.1.0".into(),
            target: "reference".into(),
            target_version: Some("cognate 0.1.0".into()),
            seed: 1,
            operations: vec!["ForgotPassword".into(), "ConfirmForgotPassword".into()],
            cases: 3,
            started: "2026-01-01T00:00:00Z".into(),
            not_implemented: Vec::new(),
        },
        verdicts.iter().take(3).cloned().collect(),
        Some(Duration::from_millis(42)),
    );
    let mut b = vec![2u8];
    b.extend(report.to_json().expect("serialises").into_bytes());
    records.push(("report".to_owned(), b));
    for (i, seed) in [0u8, 7, 15].into_iter().enumerate() {
        records.push((
            format!("generated_{i}"),
            vec![6, i as u8, seed, 0, 0, 0, 0, 0, 0, 0, 3],
        ));
    }
    records.push((
        "arbitrary_case".to_owned(),
        b"\x03\x05abcde\x01\x00hello world\x02".to_vec(),
    ));
    records.push((
        "arbitrary_verdict".to_owned(),
        b"\x04\x03\x01\x02xyz\x00\x00\x01".to_vec(),
    ));
    records.push((
        "arbitrary_report".to_owned(),
        b"\x05\x02\x02ab\x07\x00\x03".to_vec(),
    ));
    write("case_roundtrip", &records);
}
