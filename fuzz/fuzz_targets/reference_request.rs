//! Fuzz target `reference_request`: the embedded reference target's request pipeline.
//!
//! **Property.** For any input, `Reference::handle` never panics and always answers a status of
//! 200, 400 or 501, in the awsJson1_1 content type, with a JSON object body that carries
//! `__type` whenever the status is not 200. More precisely (`cognate::reference::check_answer`):
//! a 400 names, in `__type` and `x-amzn-ErrorType` alike, one of the operation's documented
//! errors or a framework exception (UnknownOperationException, SerializationException,
//! MissingAuthenticationTokenException); a 501 is NotImplementedException; and a 200 body
//! validates against the operation's output schema.
//!
//! **Input format.** `[target selector] [header selector] body...`; missing bytes read as 0.
//! - Target selector `t`, taken modulo `n + 2` where `n` is the number of operations in the
//!   catalogue: `t < n` picks the `t`-th operation in name order, `n` leaves `X-Amz-Target`
//!   out, `n + 1` sends a garbage target.
//! - Header selector: bits 0-2 pick the Content-Type (0, 6, 7 the awsJson1_1 type, 1 the 1.0
//!   type, 2 none, 3 `application/json`, 4 the 1.1 type in odd case with a parameter,
//!   5 garbage); bit 3 leaves the SigV4 `Authorization` header out; bit 4 sends GET.
//! - The body is sent as is, after these placeholders are replaced, so that seeds reach past
//!   the unknown-client checks into the semantics: `@pool@` the provisioned pool id,
//!   `@client@` a client without secret (LEGACY), `@eclient@` one with
//!   PreventUserExistenceErrors ENABLED, `@sclient@` one with a secret, `@hash@` the secret hash
//!   of `alice` for `@sclient@`, `@code@` alice's pending forgot-password code.
//!
//! Every run provisions a fresh target (the ids are deterministic: the generator is seeded), so
//! a crash reproduces from its input alone.

#![no_main]

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use cognate::model::Catalogue;
use cognate::reference::{check_answer, secret_hash, RawRequest, Reference, CONTENT_TYPE};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

const SIGV4: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=0";

struct World {
    reference: Reference,
    placeholders: Vec<(&'static [u8], Vec<u8>)>,
}

fn admin(r: &Reference, op: &str, body: Value) -> Value {
    let target = format!("AWSCognitoIdentityProviderService.{op}");
    let mut req = RawRequest::post(&target, body.to_string());
    req.headers.push(("Authorization".into(), SIGV4.into()));
    let res = r.handle(&req);
    assert_eq!(
        res.status,
        200,
        "provisioning {op}: {}",
        String::from_utf8_lossy(&res.body)
    );
    res.json()
}

/// A pool with three clients and two users: `alice` (confirmed, verified e-mail, a pending
/// forgot-password code) and `bob` (FORCE_CHANGE_PASSWORD).
fn provision() -> World {
    let r = Reference::new(Catalogue::embedded());
    let pool = admin(&r, "CreateUserPool", json!({"PoolName": "fuzz"}))["UserPool"]["Id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let flows = json!(["ALLOW_USER_PASSWORD_AUTH"]);
    let client = |extra: Value| {
        let mut body = json!({"UserPoolId": pool, "ClientName": "c", "ExplicitAuthFlows": flows});
        if let Value::Object(extra) = extra {
            for (k, v) in extra {
                body[k] = v;
            }
        }
        admin(&r, "CreateUserPoolClient", body)["UserPoolClient"].clone()
    };
    let legacy = client(json!({}))["ClientId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let enabled = client(json!({"PreventUserExistenceErrors": "ENABLED"}))["ClientId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let s = client(json!({"GenerateSecret": true}));
    let sclient = s["ClientId"].as_str().unwrap_or_default().to_owned();
    let secret = s["ClientSecret"].as_str().unwrap_or_default().to_owned();
    admin(
        &r,
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "alice", "MessageAction": "SUPPRESS",
               "UserAttributes": [{"Name": "email", "Value": "alice@example.com"},
                                  {"Name": "email_verified", "Value": "true"}]}),
    );
    admin(
        &r,
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": "alice", "Password": "Passw0rd!", "Permanent": true}),
    );
    admin(
        &r,
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "bob", "TemporaryPassword": "Passw0rd!"}),
    );
    let forgot = RawRequest::post(
        "AWSCognitoIdentityProviderService.ForgotPassword",
        json!({"ClientId": legacy, "Username": "alice"}).to_string(),
    );
    assert_eq!(r.handle(&forgot).status, 200);
    let code = r.pending_code(&pool, "alice").unwrap_or_default();
    let hash = secret_hash(&secret, "alice", &sclient);
    World {
        reference: r,
        placeholders: vec![
            (b"@pool@", pool.into_bytes()),
            (b"@client@", legacy.into_bytes()),
            (b"@eclient@", enabled.into_bytes()),
            (b"@sclient@", sclient.into_bytes()),
            (b"@hash@", hash.into_bytes()),
            (b"@code@", code.into_bytes()),
        ],
    }
}

fn replace_all(body: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

/// Output-schema validators, compiled once per operation.
fn output_valid(op: &str, schema: &Value, body: &Value) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<jsonschema::Validator>>>> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let v = cache
        .entry(op.to_owned())
        .or_insert_with(|| jsonschema::validator_for(schema).ok());
    v.as_ref().is_some_and(|v| v.is_valid(body))
}

fuzz_target!(|data: &[u8]| {
    let catalogue = Catalogue::embedded();
    let ops: Vec<_> = catalogue.operations.values().collect();
    let t = usize::from(data.first().copied().unwrap_or(0)) % (ops.len() + 2);
    let h = data.get(1).copied().unwrap_or(0);
    let raw_body = data.get(2..).unwrap_or(&[]);

    let world = provision();
    let mut body = raw_body.to_vec();
    for (from, to) in &world.placeholders {
        body = replace_all(&body, from, to);
    }

    let mut headers = Vec::new();
    match ops.get(t) {
        Some(op) => headers.push(("X-Amz-Target".to_owned(), op.target.clone())),
        None if t == ops.len() => {}
        None => headers.push((
            "X-Amz-Target".to_owned(),
            "AWSCognitoIdentityProviderService.\u{0}Nope".to_owned(),
        )),
    }
    let content_type = match h & 0x07 {
        1 => Some("application/x-amz-json-1.0"),
        2 => None,
        3 => Some("application/json"),
        4 => Some("Application/X-AMZ-JSON-1.1; charset=utf-8"),
        5 => Some("\u{1}garbage/\u{7f}"),
        _ => Some(CONTENT_TYPE),
    };
    if let Some(ct) = content_type {
        headers.push(("Content-Type".to_owned(), ct.to_owned()));
    }
    if h & 0x08 == 0 {
        headers.push(("Authorization".to_owned(), SIGV4.to_owned()));
    }
    let method = if h & 0x10 == 0 { "POST" } else { "GET" };
    let req = RawRequest {
        method: method.to_owned(),
        path: "/".to_owned(),
        headers,
        body,
    };

    let res = world.reference.handle(&req);

    if let Err(e) = check_answer(catalogue, &req, &res) {
        panic!(
            "property broken: {e}\nrequest: {req:?}\nresponse: {} {}",
            res.status,
            String::from_utf8_lossy(&res.body)
        );
    }
    if res.status == 200 {
        let op = ops.get(t).expect("200 only for a known operation");
        let out = res.json();
        assert!(
            output_valid(&op.name, &op.output_schema, &out),
            "{} answered 200 with a body outside its output schema: {out}",
            op.name
        );
    }
});
