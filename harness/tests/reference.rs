//! The embedded reference target, end to end through `Reference::handle` (and once over HTTP).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use cognate::model::wire::{TEST_ACCESS_KEY, TEST_SECRET_KEY};
use cognate::model::{Auth, Catalogue};
use cognate::reference::{
    check_answer, sign_request, spawn, RawRequest, RawResponse, Reference, JSON_1_1, TARGET_PREFIX,
};
use cognate::scenario::codes::CodeKind;
use proptest::prelude::*;
use serde_json::{json, Value};

fn catalogue() -> &'static Catalogue {
    Catalogue::embedded()
}

const SIGV4: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=0";

/// A request for `op` with everything right: target, content type, and a true SigV4
/// signature by the reference's test account when the operation needs one.
fn request(op: &str, body: &Value) -> RawRequest {
    let operation = catalogue().operation(op).expect("a known operation");
    let mut req = RawRequest::post(&operation.target, body.to_string());
    if operation.auth == Auth::Sigv4 {
        sign_request(&mut req, TEST_ACCESS_KEY, TEST_SECRET_KEY);
    }
    req
}

#[test]
fn admin_signatures_are_verified() {
    let r = Reference::new(catalogue());
    let body = json!({"PoolName": "signed"});
    let target = &catalogue().operation("CreateUserPool").unwrap().target;
    let answer = |req: &RawRequest| {
        let res = r.handle(req);
        (res.status, res.json()["__type"].as_str().map(str::to_owned))
    };
    assert_eq!(answer(&request("CreateUserPool", &body)), (200, None));
    let unsigned = RawRequest::post(target, body.to_string());
    assert_eq!(
        answer(&unsigned),
        (400, Some("MissingAuthenticationTokenException".into()))
    );
    let mut wrong = RawRequest::post(target, body.to_string());
    sign_request(&mut wrong, TEST_ACCESS_KEY, "not-the-secret");
    assert_eq!(
        answer(&wrong),
        (400, Some("InvalidSignatureException".into()))
    );
    let mut unknown = RawRequest::post(target, body.to_string());
    sign_request(&mut unknown, "AKIDNOBODYKNOWS00000", TEST_SECRET_KEY);
    assert_eq!(
        answer(&unknown),
        (400, Some("UnrecognizedClientException".into()))
    );
    // A body changed after signing no longer matches its signature.
    let mut tampered = request("CreateUserPool", &body);
    tampered.body = json!({"PoolName": "tampered"}).to_string().into_bytes();
    assert_eq!(
        answer(&tampered),
        (400, Some("InvalidSignatureException".into()))
    );
    // A form-only target takes any SigV4 header, for callers that forge requests.
    let forged = {
        let mut req = RawRequest::post(target, body.to_string());
        req.headers.push(("Authorization".into(), SIGV4.into()));
        req
    };
    assert_eq!(
        answer(&forged).1,
        Some("UnrecognizedClientException".into())
    );
    let mut partial = RawRequest::post(target, body.to_string());
    partial.headers.push((
        "Authorization".into(),
        "AWS4-HMAC-SHA256 Signature=0".into(),
    ));
    assert_eq!(
        answer(&partial).1,
        Some("IncompleteSignatureException".into())
    );
    let lax = Reference::new(catalogue()).form_only_signatures();
    assert_eq!(lax.handle(&forged).status, 200);
}

/// Validates a success body against the operation's output schema (compiled once per op).
fn assert_output_valid(op: &str, body: &Value) {
    static VALIDATORS: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> =
        OnceLock::new();
    let v = {
        let mut map = VALIDATORS.get_or_init(Default::default).lock().unwrap();
        map.entry(op.to_owned())
            .or_insert_with(|| {
                let schema = &catalogue().operation(op).unwrap().output_schema;
                Arc::new(jsonschema::validator_for(schema).expect("output schema compiles"))
            })
            .clone()
    };
    let errors: Vec<String> = v.iter_errors(body).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "{op} output does not match its schema: {errors:?}\n{body:#}"
    );
}

/// The envelope every error answer has: 400 (or the given status), the awsJson content type,
/// a request id, and header and body naming the same exception.
fn assert_error_envelope(res: &RawResponse) -> (String, Option<String>) {
    assert_eq!(res.header("Content-Type"), Some(JSON_1_1));
    assert!(res
        .header("x-amzn-RequestId")
        .is_some_and(|r| r.len() == 36));
    let body = res.json();
    let name = body["__type"].as_str().expect("__type").to_owned();
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some(format!("{name}:").as_str())
    );
    let message = body
        .get("message")
        .or_else(|| body.get("Message"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(h) = res.header("x-amzn-ErrorMessage") {
        assert_eq!(Some(h), message.as_deref());
    }
    (name, message)
}

/// Calls `op`, expecting success; checks the envelope and the output schema.
fn ok(r: &Reference, op: &str, body: Value) -> Value {
    let res = r.handle(&request(op, &body));
    assert_eq!(
        res.status,
        200,
        "{op} {body} answered {} {}",
        res.status,
        String::from_utf8_lossy(&res.body)
    );
    assert_eq!(res.header("Content-Type"), Some(JSON_1_1));
    assert!(res.header("x-amzn-ErrorType").is_none());
    let out = res.json();
    assert!(out.is_object());
    assert_output_valid(op, &out);
    out
}

/// Calls `op`, expecting a 400 error; returns the exception name and the message.
fn err(r: &Reference, op: &str, body: Value) -> (String, String) {
    let req = request(op, &body);
    let res = r.handle(&req);
    // Every error is documented for the operation, or a framework error.
    check_answer(catalogue(), &req, &res).unwrap();
    assert_eq!(
        res.status,
        400,
        "{op} {body} answered {} {}",
        res.status,
        String::from_utf8_lossy(&res.body)
    );
    let (name, message) = assert_error_envelope(&res);
    // Modelled errors use lower-case `message` (aws-behaviour.md §1).
    if catalogue().exceptions.contains_key(&name) {
        assert!(res.json().get("message").is_some(), "{name}");
    }
    (name, message.unwrap_or_default())
}

fn assert_err(r: &Reference, op: &str, body: Value, name: &str, message: &str) {
    assert_eq!(err(r, op, body), (name.to_owned(), message.to_owned()));
}

fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

const GOOD: &str = "Corr3ct-Horse!";
const NEWPW: &str = "N3w-Passw0rd!";

/// A provisioned target: one pool, three clients, users in known states.
struct Env {
    r: Reference,
    pool: String,
    /// No secret, LEGACY.
    legacy: String,
    /// No secret, PreventUserExistenceErrors ENABLED.
    enabled: String,
    /// With a secret, LEGACY.
    secret_client: String,
    secret: String,
}

impl Env {
    fn new() -> Env {
        Self::with_pool(json!({"PoolName": "cognate-test"}))
    }

    /// A pool with the standard users.
    fn with_pool(pool: Value) -> Env {
        let env = Self::bare(pool);
        env.user(
            "alice",
            &[("email", "alice@example.com"), ("email_verified", "true")],
        );
        env.user(
            "erin",
            &[
                ("phone_number", "+15555551234"),
                ("phone_number_verified", "true"),
            ],
        );
        env.user(
            "carol",
            &[("email", "carol@example.com"), ("email_verified", "false")],
        );
        env.user(
            "dave",
            &[("email", "dave@example.com"), ("email_verified", "true")],
        );
        ok(
            &env.r,
            "AdminDisableUser",
            json!({"UserPoolId": env.pool, "Username": "dave"}),
        );
        ok(
            &env.r,
            "AdminCreateUser",
            json!({"UserPoolId": env.pool, "Username": "bob", "TemporaryPassword": GOOD,
                   "MessageAction": "SUPPRESS",
                   "UserAttributes": [{"Name": "email", "Value": "bob@example.com"},
                                      {"Name": "email_verified", "Value": "true"}]}),
        );
        env
    }

    /// A pool and its three clients, no users.
    fn bare(pool: Value) -> Env {
        let r = Reference::new(catalogue());
        let out = ok(&r, "CreateUserPool", pool);
        let pool = out["UserPool"]["Id"].as_str().unwrap().to_owned();
        let flows = json!(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
        let client = |extra: Value| {
            let mut body =
                json!({"UserPoolId": pool, "ClientName": "c", "ExplicitAuthFlows": flows});
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            ok(&r, "CreateUserPoolClient", body)["UserPoolClient"].clone()
        };
        let legacy = client(json!({}))["ClientId"].as_str().unwrap().to_owned();
        let enabled = client(json!({"PreventUserExistenceErrors": "ENABLED"}))["ClientId"]
            .as_str()
            .unwrap()
            .to_owned();
        let s = client(json!({"GenerateSecret": true}));
        Env {
            pool,
            legacy,
            enabled,
            secret_client: s["ClientId"].as_str().unwrap().to_owned(),
            secret: s["ClientSecret"].as_str().unwrap().to_owned(),
            r,
        }
    }

    /// A CONFIRMED user with password [`GOOD`] and the given attributes.
    fn user(&self, name: &str, attrs: &[(&str, &str)]) {
        let attrs: Vec<Value> = attrs
            .iter()
            .map(|(k, v)| json!({"Name": k, "Value": v}))
            .collect();
        let out = ok(
            &self.r,
            "AdminCreateUser",
            json!({"UserPoolId": self.pool, "Username": name, "UserAttributes": attrs,
                   "MessageAction": "SUPPRESS"}),
        );
        assert_eq!(out["User"]["UserStatus"], "FORCE_CHANGE_PASSWORD");
        ok(
            &self.r,
            "AdminSetUserPassword",
            json!({"UserPoolId": self.pool, "Username": name, "Password": GOOD, "Permanent": true}),
        );
    }

    fn forgot(&self, client: &str, username: &str) -> Value {
        ok(
            &self.r,
            "ForgotPassword",
            json!({"ClientId": client, "Username": username}),
        )
    }

    fn code(&self, username: &str) -> String {
        self.r
            .pending_code(&self.pool, username, CodeKind::Confirmation)
            .expect("a pending code")
    }

    fn confirm(&self, client: &str, username: &str, code: &str, password: &str) -> RawResponse {
        self.r.handle(&request(
            "ConfirmForgotPassword",
            &json!({"ClientId": client, "Username": username, "ConfirmationCode": code,
                    "Password": password}),
        ))
    }

    fn confirm_err(&self, username: &str, code: &str) -> (String, String) {
        err(
            &self.r,
            "ConfirmForgotPassword",
            json!({"ClientId": self.legacy, "Username": username, "ConfirmationCode": code,
                   "Password": NEWPW}),
        )
    }

    fn status(&self, username: &str) -> String {
        let out = ok(
            &self.r,
            "AdminGetUser",
            json!({"UserPoolId": self.pool, "Username": username}),
        );
        out["UserStatus"].as_str().unwrap().to_owned()
    }

    fn login(&self, client: &str, username: &str, password: &str) -> RawResponse {
        self.r.handle(&request(
            "InitiateAuth",
            &json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": username, "PASSWORD": password}}),
        ))
    }
}

fn a_code_other_than(code: &str) -> String {
    if code == "000000" { "000001" } else { "000000" }.to_owned()
}

// ---------------------------------------------------------------------------------------------
// Framework: target, content type, authentication, serialization.

#[test]
fn unknown_or_missing_target_and_wrong_method() {
    let r = Reference::new(catalogue());
    let body = b"{}".to_vec();
    let mut cases = vec![
        RawRequest::post(
            "AWSCognitoIdentityProviderService.NoSuchOperation",
            body.clone(),
        ),
        RawRequest::post("ForgotPassword", body.clone()),
        RawRequest::post("", body.clone()),
    ];
    let mut missing = RawRequest::post("x", body.clone());
    missing.headers.retain(|(k, _)| k != "X-Amz-Target");
    cases.push(missing);
    let mut get = RawRequest::post("AWSCognitoIdentityProviderService.ForgotPassword", body);
    get.method = "GET".into();
    cases.push(get);
    for req in cases {
        let res = r.handle(&req);
        assert_eq!(res.status, 400);
        assert_eq!(res.json(), json!({"__type": "UnknownOperationException"}));
        assert_error_envelope(&res);
        assert!(res.header("x-amzn-ErrorMessage").is_none());
    }
}

#[test]
fn target_header_is_case_insensitive() {
    let r = Reference::new(catalogue());
    let mut req = request(
        "ForgotPassword",
        &json!({"ClientId": "abc", "Username": "u"}),
    );
    for (k, _) in req.headers.iter_mut() {
        *k = k.to_ascii_lowercase();
    }
    let res = r.handle(&req);
    assert_eq!(res.json()["__type"], "ResourceNotFoundException");
}

#[test]
fn content_type_is_checked() {
    let r = Reference::new(catalogue());
    let body = json!({"ClientId": "abc", "Username": "u"});
    for (ct, accepted) in [
        (Some("application/x-amz-json-1.1"), true),
        (Some("Application/X-Amz-JSON-1.1; charset=UTF-8"), true),
        (Some("application/x-amz-json-1.0"), true),
        (Some("application/json"), false),
        (Some("text/plain"), false),
        (Some(""), false),
        (None, false),
    ] {
        let mut req = request("ForgotPassword", &body);
        req.headers.retain(|(k, _)| k != "Content-Type");
        if let Some(ct) = ct {
            req.headers.push(("content-type".into(), ct.into()));
        }
        let res = r.handle(&req);
        if accepted {
            assert_eq!(res.json()["__type"], "ResourceNotFoundException", "{ct:?}");
        } else {
            assert_eq!(res.status, 400);
            assert_eq!(
                res.json(),
                json!({"__type": "SerializationException"}),
                "{ct:?}"
            );
        }
    }
}

#[test]
fn admin_operations_need_a_sigv4_authorization_header() {
    let r = Reference::new(catalogue());
    let body = json!({"UserPoolId": "us-east-1_abc", "Username": "u"});
    for auth in [
        None,
        Some("Bearer abc"),
        Some("AWS4-HMAC-SHA256"),
        Some("aws4-hmac-sha256 x"),
    ] {
        let mut req = request("AdminGetUser", &body);
        req.headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("Authorization"));
        if let Some(a) = auth {
            req.headers.push(("authorization".into(), a.into()));
        }
        let res = r.handle(&req);
        assert_eq!(res.status, 400);
        assert_eq!(
            assert_error_envelope(&res),
            (
                "MissingAuthenticationTokenException".into(),
                Some("Missing Authentication Token".into())
            )
        );
    }
    // Signed: the pool does not exist.
    assert_err(
        &r,
        "AdminGetUser",
        body,
        "ResourceNotFoundException",
        "User pool us-east-1_abc does not exist.",
    );
    // Public operations need no header.
    let (name, _) = err(
        &r,
        "ForgotPassword",
        json!({"ClientId": "abc", "Username": "u"}),
    );
    assert_eq!(name, "ResourceNotFoundException");
}

#[test]
fn serialization_exceptions() {
    let r = Reference::new(catalogue());
    let target = &catalogue()
        .operation("ConfirmForgotPassword")
        .unwrap()
        .target;
    let send = |body: &[u8]| r.handle(&RawRequest::post(target, body.to_vec()));
    // Not JSON: a bare SerializationException (aws-behaviour.md §3 row 1).
    for body in [&b"{"[..], b"not json", b"{\"a\":}", b"\xff\xfe", b"{} {}"] {
        let res = send(body);
        assert_eq!(res.status, 400);
        assert_eq!(res.json(), json!({"__type": "SerializationException"}));
        assert_error_envelope(&res);
    }
    // Top level not an object: capital Message (§3 "a map is expected").
    for body in [&b"[]"[..], b"\"x\"", b"1", b"true"] {
        let res = send(body);
        assert_eq!(
            res.json(),
            json!({"__type": "SerializationException", "Message": "Expected map or null"})
        );
        assert_eq!(
            res.header("x-amzn-ErrorMessage"),
            Some("Expected map or null")
        );
    }
    // Object where a string is expected (§3, aws-amplify/amplify-js#5165).
    let res =
        send(br#"{"ClientId":"abc","Username":"u","Password":"p","ConfirmationCode":{"a":1}}"#);
    assert_eq!(
        res.json(),
        json!({"__type": "SerializationException",
               "Message": "Start of structure or map found where not expected."})
    );
    // Other type mismatches are SerializationExceptions too.
    for body in [
        r#"{"ClientId":"abc","Username":["u"]}"#,
        r#"{"ClientId":123,"Username":"u"}"#,
        r#"{"ClientId":"abc","Username":true}"#,
        r#"{"ClientId":"abc","Username":"u","ClientMetadata":"x"}"#,
        r#"{"ClientId":"abc","Username":"u","ClientMetadata":{"k":1}}"#,
        r#"{"ClientId":"abc","Username":"u","UserContextData":[]}"#,
    ] {
        let res = send(body.as_bytes());
        assert_eq!(res.status, 400, "{body}");
        assert_eq!(res.json()["__type"], "SerializationException", "{body}");
        assert!(res.json()["Message"].is_string(), "{body}");
    }
}

#[test]
fn empty_and_null_bodies_read_as_empty_objects() {
    let r = Reference::new(catalogue());
    let target = &catalogue().operation("ForgotPassword").unwrap().target;
    for body in [
        &b""[..],
        b"null",
        b"{}",
        b" {} ",
        br#"{"ClientId":null,"Username":null}"#,
    ] {
        let res = r.handle(&RawRequest::post(target, body.to_vec()));
        assert_eq!(
            assert_error_envelope(&res),
            (
                "InvalidParameterException".into(),
                Some(
                    "2 validation errors detected: Value null at 'clientId' failed to satisfy \
                     constraint: Member must not be null; Value null at 'username' failed to \
                     satisfy constraint: Member must not be null"
                        .into()
                )
            ),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Constraint validation (aws-behaviour.md §2).

#[test]
fn validation_single_sensitive_value_left_out() {
    let r = Reference::new(catalogue());
    // A space breaks the username pattern; username is sensitive (§2 row 2).
    assert_err(
        &r,
        "ForgotPassword",
        json!({"ClientId": "abc", "Username": "has space"}),
        "InvalidParameterException",
        "1 validation error detected: Value at 'username' failed to satisfy constraint: Member \
         must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
    );
}

#[test]
fn validation_non_sensitive_value_is_quoted() {
    let r = Reference::new(catalogue());
    assert_err(
        &r,
        "AdminGetUser",
        json!({"UserPoolId": "no-underscore", "Username": "bob"}),
        "InvalidParameterException",
        "1 validation error detected: Value 'no-underscore' at 'userPoolId' failed to satisfy \
         constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+",
    );
}

#[test]
fn validation_multiple_in_alphabetical_order_length_before_pattern() {
    let r = Reference::new(catalogue());
    // §2 "several violations" and "empty string on a member with min 1 and a pattern".
    assert_err(
        &r,
        "ConfirmForgotPassword",
        json!({"Username": "", "Password": "", "ClientId": "abc", "ConfirmationCode": "1"}),
        "InvalidParameterException",
        "3 validation errors detected: Value at 'password' failed to satisfy constraint: Member \
         must satisfy regular expression pattern: [\\S]+; Value at 'username' failed to satisfy \
         constraint: Member must have length greater than or equal to 1; Value at 'username' \
         failed to satisfy constraint: Member must satisfy regular expression pattern: \
         [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
    );
    assert_err(
        &r,
        "AdminCreateUser",
        json!({"UserPoolId": "us-east-1_abc", "Username": ""}),
        "InvalidParameterException",
        "2 validation errors detected: Value at 'username' failed to satisfy constraint: Member \
         must have length greater than or equal to 1; Value at 'username' failed to satisfy \
         constraint: Member must satisfy regular expression pattern: \
         [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
    );
}

#[test]
fn validation_missing_required_members() {
    let r = Reference::new(catalogue());
    assert_err(
        &r,
        "AdminGetUser",
        json!({}),
        "InvalidParameterException",
        "2 validation errors detected: Value null at 'userPoolId' failed to satisfy constraint: \
         Member must not be null; Value null at 'username' failed to satisfy constraint: Member \
         must not be null",
    );
    // Missing and present-but-invalid members interleave alphabetically.
    assert_err(
        &r,
        "ConfirmForgotPassword",
        json!({"ClientId": "a b", "Password": "x"}),
        "InvalidParameterException",
        "3 validation errors detected: Value at 'clientId' failed to satisfy constraint: Member \
         must satisfy regular expression pattern: [\\w+]+; Value null at 'confirmationCode' \
         failed to satisfy constraint: Member must not be null; Value null at 'username' failed \
         to satisfy constraint: Member must not be null",
    );
}

#[test]
fn validation_enum_range_length_and_nested_paths() {
    let r = Reference::new(catalogue());
    // §2 "enum violation": Java HashSet order, as observed.
    assert_err(
        &r,
        "CreateUserPool",
        json!({"PoolName": "p", "MfaConfiguration": "false"}),
        "InvalidParameterException",
        "1 validation error detected: Value 'false' at 'mfaConfiguration' failed to satisfy \
         constraint: Member must satisfy enum value set: [OPTIONAL, OFF, ON]",
    );
    // §2 "integer range".
    assert_err(
        &r,
        "ListUsers",
        json!({"UserPoolId": "us-east-1_abc", "Limit": 100}),
        "InvalidParameterException",
        "1 validation error detected: Value '100' at 'limit' failed to satisfy constraint: \
         Member must have value less than or equal to 60",
    );
    // §2 "length on a nested list member".
    assert_err(
        &r,
        "CreateUserPool",
        json!({"PoolName": "p", "Schema": [{"Name": "ok"}, {"Name": "phone_number_verified"}]}),
        "InvalidParameterException",
        "1 validation error detected: Value 'phone_number_verified' at 'schema.2.member.name' \
         failed to satisfy constraint: Member must have length less than or equal to 20",
    );
    // Minimum integer, and a nested structure.
    assert_err(
        &r,
        "CreateUserPool",
        json!({"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": 5}}}),
        "InvalidParameterException",
        "1 validation error detected: Value '5' at 'policies.passwordPolicy.minimumLength' \
         failed to satisfy constraint: Member must have value greater than or equal to 6",
    );
    // A sensitive list element leaves its value out (AttributeType.Value is sensitive).
    let long = "v".repeat(2049);
    assert_err(
        &r,
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": "us-east-1_abc", "Username": "u",
               "UserAttributes": [{"Name": "email", "Value": long}]}),
        "InvalidParameterException",
        "1 validation error detected: Value at 'userAttributes.1.member.value' failed to \
         satisfy constraint: Member must have length less than or equal to 2048",
    );
    // Length counts code points: 128 four-byte characters fit a max-128 member.
    let (name, _) = err(
        &r,
        "ForgotPassword",
        json!({"ClientId": "abc", "Username": "𝒜".repeat(128)}),
    );
    assert_eq!(name, "ResourceNotFoundException");
    let (_, message) = err(
        &r,
        "ForgotPassword",
        json!({"ClientId": "abc", "Username": "𝒜".repeat(129)}),
    );
    assert_eq!(
        message,
        "1 validation error detected: Value at 'username' failed to satisfy constraint: Member \
         must have length less than or equal to 128"
    );
}

#[test]
fn validation_runs_before_not_implemented() {
    let r = Reference::new(catalogue());
    let (name, _) = err(&r, "AdminListDevices", json!({}));
    assert_eq!(name, "InvalidParameterException");
    let res = r.handle(&request(
        "AdminListDevices",
        &json!({"UserPoolId": "us-east-1_abc", "Username": "alice"}),
    ));
    assert_eq!(res.status, 501);
    assert_eq!(
        res.json(),
        json!({"__type": "NotImplementedException",
               "message": "the cognate reference target does not implement AdminListDevices"})
    );
    assert!(!catalogue()
        .exceptions
        .contains_key("NotImplementedException"));
}

#[test]
fn header_message_is_omitted_when_it_cannot_travel_in_a_header() {
    let r = Reference::new(catalogue());
    let res = r.handle(&request(
        "AdminGetUser",
        &json!({"UserPoolId": "bad\nid", "Username": "u"}),
    ));
    assert_eq!(res.json()["__type"], "InvalidParameterException");
    assert!(res.json()["message"].as_str().unwrap().contains("bad\nid"));
    assert!(res.header("x-amzn-ErrorMessage").is_none());
}

// ---------------------------------------------------------------------------------------------
// Provisioning and admin operations.

#[test]
fn create_user_pool_and_client_outputs() {
    let r = Reference::new(catalogue());
    let out = ok(
        &r,
        "CreateUserPool",
        json!({
            "PoolName": "rich pool",
            "Policies": {"PasswordPolicy": {"MinimumLength": 10, "RequireSymbols": false}},
            "AutoVerifiedAttributes": ["email"],
            "AliasAttributes": ["email", "preferred_username"],
            "MfaConfiguration": "OFF",
            "UserPoolTags": {"team": "cognate"},
            "AccountRecoverySetting": {"RecoveryMechanisms": [
                {"Priority": 1, "Name": "verified_phone_number"},
                {"Priority": 2, "Name": "verified_email"}]},
            "UsernameConfiguration": {"CaseSensitive": false},
            "DeletionProtection": "ACTIVE",
        }),
    );
    let pool = &out["UserPool"];
    let id = pool["Id"].as_str().unwrap();
    let (region, suffix) = id.split_once('_').unwrap();
    assert_eq!(region, "us-east-1");
    assert_eq!(suffix.len(), 9);
    assert!(suffix.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(pool["Name"], "rich pool");
    assert_eq!(
        pool["Policies"]["PasswordPolicy"],
        json!({"MinimumLength": 10, "RequireUppercase": true, "RequireLowercase": true,
               "RequireNumbers": true, "RequireSymbols": false,
               "TemporaryPasswordValidityDays": 7})
    );
    assert_eq!(pool["DeletionProtection"], "ACTIVE");

    let out = ok(
        &r,
        "CreateUserPoolClient",
        json!({"UserPoolId": id, "ClientName": "web", "GenerateSecret": true,
               "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]}),
    );
    let c = &out["UserPoolClient"];
    let client_id = c["ClientId"].as_str().unwrap();
    assert_eq!(client_id.len(), 26);
    assert!(client_id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    assert_eq!(c["ClientSecret"].as_str().unwrap().len(), 51);
    assert_eq!(c["PreventUserExistenceErrors"], "LEGACY");
    assert_eq!(c["UserPoolId"], id);
    let out = ok(
        &r,
        "CreateUserPoolClient",
        json!({"UserPoolId": id, "ClientName": "spa"}),
    );
    assert!(out["UserPoolClient"].get("ClientSecret").is_none());

    assert_err(
        &r,
        "CreateUserPoolClient",
        json!({"UserPoolId": "us-east-1_nope", "ClientName": "x"}),
        "ResourceNotFoundException",
        "User pool us-east-1_nope does not exist.",
    );
}

#[test]
fn ids_are_deterministic_per_seed() {
    let make = || {
        let r = Reference::new(catalogue());
        let pool = ok(&r, "CreateUserPool", json!({"PoolName": "p"}))["UserPool"]["Id"].clone();
        let client = ok(
            &r,
            "CreateUserPoolClient",
            json!({"UserPoolId": pool, "ClientName": "c", "GenerateSecret": true}),
        )["UserPoolClient"]
            .clone();
        (
            pool,
            client["ClientId"].clone(),
            client["ClientSecret"].clone(),
        )
    };
    assert_eq!(make(), make());
}

#[test]
fn admin_user_lifecycle() {
    let env = Env::new();
    let r = &env.r;
    let pool = &env.pool;
    assert_err(
        r,
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "alice"}),
        "UsernameExistsException",
        "User account already exists",
    );
    assert_err(
        r,
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "zed", "TemporaryPassword": "short"}),
        "InvalidPasswordException",
        "Password did not conform with password policy: Password not long enough",
    );
    let got = ok(
        r,
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "alice"}),
    );
    assert_eq!(got["Username"], "alice");
    assert_eq!(got["Enabled"], true);
    assert_eq!(got["UserStatus"], "CONFIRMED");
    let attrs = got["UserAttributes"].as_array().unwrap();
    assert_eq!(attrs[0]["Name"], "sub");
    assert_eq!(env.status("bob"), "FORCE_CHANGE_PASSWORD");

    for op in [
        "AdminGetUser",
        "AdminDisableUser",
        "AdminEnableUser",
        "AdminDeleteUser",
    ] {
        assert_err(
            r,
            op,
            json!({"UserPoolId": pool, "Username": "nobody"}),
            "UserNotFoundException",
            "User does not exist.",
        );
        assert_err(
            r,
            op,
            json!({"UserPoolId": "us-east-1_nope", "Username": "alice"}),
            "ResourceNotFoundException",
            "User pool us-east-1_nope does not exist.",
        );
    }
    assert_err(
        r,
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": "alice", "Password": "alllowercase1!"}),
        "InvalidPasswordException",
        // AdminSetUserPassword's shorter wording (ops §4, conf. B).
        "Password did not conform with policy: Password must have uppercase characters",
    );
    ok(
        r,
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": "alice", "Password": NEWPW, "Permanent": false}),
    );
    assert_eq!(env.status("alice"), "FORCE_CHANGE_PASSWORD");

    // Changing the e-mail unverifies it unless the same call verifies it.
    ok(
        r,
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool, "Username": "erin",
               "UserAttributes": [{"Name": "email", "Value": "erin@example.com"}]}),
    );
    let got = ok(
        r,
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "erin"}),
    );
    let attr = |name: &str| {
        got["UserAttributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["Name"] == name)
            .map(|a| a["Value"].clone())
    };
    assert_eq!(attr("email"), Some(json!("erin@example.com")));
    assert_eq!(attr("email_verified"), Some(json!("false")));
    ok(
        r,
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool, "Username": "carol",
               "UserAttributes": [{"Name": "email_verified", "Value": "true"}]}),
    );
    env.forgot(&env.legacy, "carol");

    ok(
        r,
        "AdminDisableUser",
        json!({"UserPoolId": pool, "Username": "erin"}),
    );
    assert_eq!(
        ok(
            r,
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "erin"})
        )["Enabled"],
        false
    );
    ok(
        r,
        "AdminEnableUser",
        json!({"UserPoolId": pool, "Username": "erin"}),
    );
    ok(
        r,
        "AdminDeleteUser",
        json!({"UserPoolId": pool, "Username": "erin"}),
    );
    assert_err(
        r,
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "erin"}),
        "UserNotFoundException",
        "User does not exist.",
    );

    ok(r, "DeleteUserPool", json!({"UserPoolId": pool}));
    assert_err(
        r,
        "DeleteUserPool",
        json!({"UserPoolId": pool}),
        "ResourceNotFoundException",
        &format!("User pool {pool} does not exist."),
    );
    assert_err(
        r,
        "ForgotPassword",
        json!({"ClientId": env.legacy, "Username": "alice"}),
        "ResourceNotFoundException",
        &format!("User pool client {} does not exist.", env.legacy),
    );
}

// ---------------------------------------------------------------------------------------------
// ForgotPassword (aws-behaviour.md §4).

#[test]
fn forgot_password_delivers_to_verified_email_then_phone() {
    let env = Env::new();
    let out = env.forgot(&env.legacy, "alice");
    assert_eq!(
        out,
        json!({"CodeDeliveryDetails": {"Destination": "a***@e***", "DeliveryMedium": "EMAIL",
                                       "AttributeName": "email"}})
    );
    let code = env.code("alice");
    assert_eq!(code.len(), 6);
    assert!(code.chars().all(|c| c.is_ascii_digit()));
    let out = env.forgot(&env.legacy, "erin");
    assert_eq!(
        out,
        json!({"CodeDeliveryDetails": {"Destination": "+*******1234", "DeliveryMedium": "SMS",
                                       "AttributeName": "phone_number"}})
    );
}

#[test]
fn forgot_password_follows_account_recovery_setting() {
    let env = Env::with_pool(json!({"PoolName": "p", "AccountRecoverySetting": {
        "RecoveryMechanisms": [{"Priority": 1, "Name": "verified_phone_number"},
                               {"Priority": 2, "Name": "verified_email"}]}}));
    env.user(
        "both",
        &[
            ("email", "both@example.com"),
            ("email_verified", "true"),
            ("phone_number", "+15555550000"),
            ("phone_number_verified", "true"),
        ],
    );
    let out = env.forgot(&env.legacy, "both");
    assert_eq!(out["CodeDeliveryDetails"]["DeliveryMedium"], "SMS");
    // Phone first, but alice has only an e-mail: e-mail it is.
    let out = env.forgot(&env.legacy, "alice");
    assert_eq!(out["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
}

#[test]
fn forgot_password_error_branches() {
    let env = Env::new();
    let r = &env.r;
    assert_err(
        r,
        "ForgotPassword",
        json!({"ClientId": "unknownclient", "Username": "alice"}),
        "ResourceNotFoundException",
        "User pool client unknownclient does not exist.",
    );
    assert_err(
        r,
        "ForgotPassword",
        json!({"ClientId": env.legacy, "Username": "nobody"}),
        "UserNotFoundException",
        "Username/client id combination not found.",
    );
    assert_err(
        r,
        "ForgotPassword",
        json!({"ClientId": env.legacy, "Username": "dave"}),
        "NotAuthorizedException",
        "User is disabled.",
    );
    assert_err(
        r,
        "ForgotPassword",
        json!({"ClientId": env.legacy, "Username": "bob"}),
        "NotAuthorizedException",
        "User password cannot be reset in the current state.",
    );
    assert_err(
        r,
        "ForgotPassword",
        json!({"ClientId": env.legacy, "Username": "carol"}),
        "InvalidParameterException",
        "Cannot reset password for the user as there is no registered/verified email or \
         phone_number",
    );
    assert_eq!(
        r.pending_code(&env.pool, "carol", CodeKind::Confirmation),
        None
    );
}

#[test]
fn forgot_password_hides_unknown_users_when_enabled() {
    let env = Env::new();
    let out = env.forgot(&env.enabled, "nobody");
    assert_eq!(out["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    assert_eq!(out["CodeDeliveryDetails"]["AttributeName"], "email");
    assert!(out["CodeDeliveryDetails"]["Destination"]
        .as_str()
        .unwrap()
        .contains("***"));
    assert_eq!(
        env.r
            .pending_code(&env.pool, "nobody", CodeKind::Confirmation),
        None
    );
    // Known users are treated as usual.
    env.forgot(&env.enabled, "alice");
    assert!(env
        .r
        .pending_code(&env.pool, "alice", CodeKind::Confirmation)
        .is_some());
}

// ---------------------------------------------------------------------------------------------
// ConfirmForgotPassword (aws-behaviour.md §4).

#[test]
fn confirm_forgot_password_success_then_code_is_spent() {
    let env = Env::new();
    env.forgot(&env.legacy, "alice");
    let code = env.code("alice");
    let res = env.confirm(&env.legacy, "alice", &code, NEWPW);
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json(), json!({}));
    assert_output_valid("ConfirmForgotPassword", &res.json());
    assert_eq!(env.status("alice"), "CONFIRMED");
    assert_eq!(
        env.r
            .pending_code(&env.pool, "alice", CodeKind::Confirmation),
        None
    );
    assert_eq!(env.login(&env.legacy, "alice", NEWPW).status, 200);
    assert_eq!(env.login(&env.legacy, "alice", GOOD).status, 400);
    // The used code again.
    assert_eq!(
        env.confirm_err("alice", &code),
        (
            "ExpiredCodeException".into(),
            "Invalid code provided, please request a code again.".into()
        )
    );
}

#[test]
fn confirm_forgot_password_superseded_code_is_expired() {
    let env = Env::new();
    env.forgot(&env.legacy, "alice");
    let first = env.code("alice");
    env.forgot(&env.legacy, "alice");
    let second = env.code("alice");
    assert_ne!(first, second);
    assert_eq!(env.confirm_err("alice", &first).0, "ExpiredCodeException");
    assert_eq!(
        env.confirm(&env.legacy, "alice", &second, NEWPW).status,
        200
    );
}

#[test]
fn confirm_forgot_password_code_expires_after_an_hour() {
    let env = Env::new();
    env.forgot(&env.legacy, "alice");
    let code = env.code("alice");
    env.r.advance_clock(Duration::from_secs(59 * 60));
    // Still valid, but keep it: break the policy so it is not consumed.
    let res = env.confirm(&env.legacy, "alice", &code, "short");
    assert_eq!(res.json()["__type"], "InvalidPasswordException");
    env.r.advance_clock(Duration::from_secs(60));
    assert_eq!(
        env.confirm_err("alice", &code),
        (
            "ExpiredCodeException".into(),
            "Invalid code provided, please request a code again.".into()
        )
    );
    // A new code works again.
    env.forgot(&env.legacy, "alice");
    let fresh = env.code("alice");
    assert_eq!(env.confirm(&env.legacy, "alice", &fresh, NEWPW).status, 200);
}

#[test]
fn confirm_forgot_password_wrong_codes_and_attempt_limit() {
    let env = Env::new();
    // No code issued yet: a mismatch.
    assert_eq!(
        env.confirm_err("alice", "123456"),
        (
            "CodeMismatchException".into(),
            "Invalid verification code provided, please try again.".into()
        )
    );
    env.forgot(&env.legacy, "alice");
    let code = env.code("alice");
    let wrong = a_code_other_than(&code);
    for _ in 0..5 {
        assert_eq!(env.confirm_err("alice", &wrong).0, "CodeMismatchException");
    }
    // The sixth attempt is refused, even with the right code.
    let limit = (
        "LimitExceededException".to_owned(),
        "Attempt limit exceeded, please try after some time.".to_owned(),
    );
    assert_eq!(env.confirm_err("alice", &wrong), limit);
    assert_eq!(env.confirm_err("alice", &code), limit);
    // A fresh code resets the counter.
    env.forgot(&env.legacy, "alice");
    let fresh = env.code("alice");
    assert_eq!(env.confirm(&env.legacy, "alice", &fresh, NEWPW).status, 200);
}

/// With no code pending, wrong codes are not counted: the answer to a wrong code does not depend
/// on how many came before, so concurrent runs and snapshots stay deterministic.
#[test]
fn wrong_codes_without_a_pending_code_never_reach_the_limit() {
    let env = Env::new();
    for _ in 0..20 {
        assert_eq!(
            env.confirm_err("alice", "123456").0,
            "CodeMismatchException"
        );
    }
    env.forgot(&env.legacy, "alice");
    let code = env.code("alice");
    assert_eq!(env.confirm(&env.legacy, "alice", &code, NEWPW).status, 200);
}

#[test]
fn confirm_forgot_password_policy_failure_keeps_the_code() {
    let env = Env::new();
    env.forgot(&env.legacy, "alice");
    let code = env.code("alice");
    for (pw, reason) in [
        ("Sh0rt!", "Password not long enough"),
        ("nouppercase1!", "Password must have uppercase characters"),
        ("NOLOWERCASE1!", "Password must have lowercase characters"),
        ("NoNumbers!!", "Password must have numeric characters"),
        ("NoSymbols123", "Password must have symbol characters"),
    ] {
        let res = env.confirm(&env.legacy, "alice", &code, pw);
        assert_eq!(
            assert_error_envelope(&res),
            (
                "InvalidPasswordException".into(),
                Some(format!(
                    "Password did not conform with password policy: {reason}"
                ))
            )
        );
    }
    assert_eq!(
        env.r
            .pending_code(&env.pool, "alice", CodeKind::Confirmation),
        Some(code.clone())
    );
    assert_eq!(env.confirm(&env.legacy, "alice", &code, NEWPW).status, 200);
}

#[test]
fn confirm_forgot_password_unknown_user_depends_on_existence_setting() {
    let env = Env::new();
    assert_eq!(
        env.confirm_err("nobody", "123456"),
        (
            "UserNotFoundException".into(),
            "Username/client id combination not found.".into()
        )
    );
    assert_err(
        &env.r,
        "ConfirmForgotPassword",
        json!({"ClientId": env.enabled, "Username": "nobody", "ConfirmationCode": "123456",
               "Password": NEWPW}),
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    );
    assert_err(
        &env.r,
        "ConfirmForgotPassword",
        json!({"ClientId": "unknownclient", "Username": "alice", "ConfirmationCode": "1",
               "Password": NEWPW}),
        "ResourceNotFoundException",
        "User pool client unknownclient does not exist.",
    );
}

// ---------------------------------------------------------------------------------------------
// Secret hash (aws-behaviour.md §4).

#[test]
fn secret_hash_right_wrong_missing_unexpected() {
    let env = Env::new();
    let r = &env.r;
    let sc = &env.secret_client;
    assert_err(
        r,
        "ForgotPassword",
        json!({"ClientId": sc, "Username": "alice"}),
        "NotAuthorizedException",
        &format!("Client {sc} is configured for secret but secret was not received"),
    );
    assert_err(
        r,
        "ForgotPassword",
        json!({"ClientId": sc, "Username": "alice", "SecretHash": "d3Jvbmc="}),
        "NotAuthorizedException",
        &format!("Unable to verify secret hash for client {sc}"),
    );
    // A hash for another user is wrong too.
    assert_err(
        r,
        "ForgotPassword",
        json!({"ClientId": sc, "Username": "alice",
               "SecretHash": secret_hash(&env.secret, "erin", sc)}),
        "NotAuthorizedException",
        &format!("Unable to verify secret hash for client {sc}"),
    );
    let good = secret_hash(&env.secret, "alice", sc);
    ok(
        r,
        "ForgotPassword",
        json!({"ClientId": sc, "Username": "alice", "SecretHash": good}),
    );
    let code = env.code("alice");
    // The secret check comes before the user lookup.
    assert_err(
        r,
        "ForgotPassword",
        json!({"ClientId": sc, "Username": "nobody"}),
        "NotAuthorizedException",
        &format!("Client {sc} is configured for secret but secret was not received"),
    );
    assert_err(
        r,
        "ConfirmForgotPassword",
        json!({"ClientId": sc, "Username": "alice", "ConfirmationCode": code, "Password": NEWPW}),
        "NotAuthorizedException",
        &format!("Client {sc} is configured for secret but secret was not received"),
    );
    ok(
        r,
        "ConfirmForgotPassword",
        json!({"ClientId": sc, "Username": "alice", "ConfirmationCode": code,
               "Password": NEWPW, "SecretHash": good}),
    );
    // A hash sent to a client without a secret.
    assert_err(
        r,
        "ForgotPassword",
        json!({"ClientId": env.legacy, "Username": "alice", "SecretHash": "d3Jvbmc="}),
        "InvalidParameterException",
        &format!(
            "Client {} is not configured for secret but secret hash was received",
            env.legacy
        ),
    );

    // InitiateAuth reads SECRET_HASH from AuthParameters.
    let auth = |params: Value| json!({"ClientId": sc, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params});
    assert_err(
        r,
        "InitiateAuth",
        auth(json!({"USERNAME": "alice", "PASSWORD": NEWPW})),
        "NotAuthorizedException",
        &format!("Client {sc} is configured with secret but SECRET_HASH was not received"),
    );
    assert_err(
        r,
        "InitiateAuth",
        auth(json!({"USERNAME": "alice", "PASSWORD": NEWPW, "SECRET_HASH": "d3Jvbmc="})),
        "NotAuthorizedException",
        &format!("Unable to verify secret hash for client {sc}"),
    );
    let out = ok(
        r,
        "InitiateAuth",
        auth(json!({"USERNAME": "alice", "PASSWORD": NEWPW,
                    "SECRET_HASH": secret_hash(&env.secret, "alice", sc)})),
    );
    assert!(out["AuthenticationResult"]["AccessToken"].is_string());
}

// ---------------------------------------------------------------------------------------------
// Aliases and username attributes.

#[test]
fn email_alias_resolves_in_public_operations() {
    let env = Env::with_pool(json!({"PoolName": "aliased", "AliasAttributes": ["email"]}));
    env.user(
        "frank",
        &[("email", "frank@example.com"), ("email_verified", "true")],
    );
    env.user(
        "gina",
        &[("email", "gina@example.com"), ("email_verified", "false")],
    );
    env.forgot(&env.legacy, "frank@example.com");
    let code = env.code("frank");
    assert_eq!(
        env.r
            .pending_code(&env.pool, "frank@example.com", CodeKind::Confirmation),
        Some(code.clone())
    );
    assert_eq!(
        env.confirm(&env.legacy, "frank@example.com", &code, NEWPW)
            .status,
        200
    );
    assert_eq!(
        env.login(&env.legacy, "frank@example.com", NEWPW).status,
        200
    );
    // An unverified e-mail is not an alias.
    assert_err(
        &env.r,
        "ForgotPassword",
        json!({"ClientId": env.legacy, "Username": "gina@example.com"}),
        "UserNotFoundException",
        "Username/client id combination not found.",
    );
    // An e-mail-shaped username is refused in an e-mail alias pool.
    assert_err(
        &env.r,
        "AdminCreateUser",
        json!({"UserPoolId": env.pool, "Username": "x@example.com"}),
        "InvalidParameterException",
        "Username cannot be of email format, since user pool is configured for email alias.",
    );
    // The secret hash may be computed over the alias the caller sent.
    let sc = &env.secret_client;
    ok(
        &env.r,
        "ForgotPassword",
        json!({"ClientId": sc, "Username": "frank@example.com",
               "SecretHash": secret_hash(&env.secret, "frank@example.com", sc)}),
    );
}

#[test]
fn email_as_username_resolves() {
    let env = Env::bare(json!({"PoolName": "by-email", "UsernameAttributes": ["email"]}));
    let out = ok(
        &env.r,
        "AdminCreateUser",
        json!({"UserPoolId": env.pool, "Username": "hank@example.com", "TemporaryPassword": GOOD,
               "UserAttributes": [{"Name": "email_verified", "Value": "true"}]}),
    );
    let stored = out["User"]["Username"].as_str().unwrap().to_owned();
    assert_ne!(stored, "hank@example.com");
    assert_eq!(stored.len(), 36);
    ok(
        &env.r,
        "AdminSetUserPassword",
        json!({"UserPoolId": env.pool, "Username": "hank@example.com", "Password": GOOD,
               "Permanent": true}),
    );
    let out = env.forgot(&env.legacy, "hank@example.com");
    assert_eq!(out["CodeDeliveryDetails"]["Destination"], "h***@e***");
    let code = env.code(&stored);
    assert_eq!(
        env.confirm(&env.legacy, "hank@example.com", &code, NEWPW)
            .status,
        200
    );
    assert_eq!(
        env.login(&env.legacy, "hank@example.com", NEWPW).status,
        200
    );
    assert_err(
        &env.r,
        "AdminCreateUser",
        json!({"UserPoolId": env.pool, "Username": "hank@example.com"}),
        "UsernameExistsException",
        "An account with the given email already exists.",
    );
    assert_err(
        &env.r,
        "AdminCreateUser",
        json!({"UserPoolId": env.pool, "Username": "plainname"}),
        "InvalidParameterException",
        // The pool signs in by e-mail alone (ops §4 AdminCreateUser, conf. B).
        "Username should be an email.",
    );
    assert_err(
        &env.r,
        "CreateUserPool",
        json!({"PoolName": "both", "UsernameAttributes": ["email"], "AliasAttributes": ["email"]}),
        "InvalidParameterException",
        "Only one of AliasAttributes or UsernameAttributes can be set in a User Pool.",
    );
}

// ---------------------------------------------------------------------------------------------
// InitiateAuth.

#[test]
fn initiate_auth_user_password_flow() {
    let env = Env::new();
    let r = &env.r;
    let res = env.login(&env.legacy, "alice", GOOD);
    assert_eq!(res.status, 200);
    let out = res.json();
    assert_output_valid("InitiateAuth", &out);
    let result = &out["AuthenticationResult"];
    assert_eq!(result["ExpiresIn"], 3600);
    assert_eq!(result["TokenType"], "Bearer");
    for t in ["AccessToken", "IdToken", "RefreshToken"] {
        assert!(result[t].as_str().is_some_and(|s| s.len() > 20), "{t}");
    }

    let challenge = env.login(&env.legacy, "bob", GOOD);
    assert_eq!(challenge.status, 200);
    let out = challenge.json();
    assert_output_valid("InitiateAuth", &out);
    assert_eq!(out["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    assert!(out["Session"].as_str().is_some_and(|s| s.len() >= 20));
    assert!(out.get("AuthenticationResult").is_none());

    let failure = |res: RawResponse| assert_error_envelope(&res);
    let incorrect = (
        "NotAuthorizedException".to_owned(),
        Some("Incorrect username or password.".to_owned()),
    );
    assert_eq!(
        failure(env.login(&env.legacy, "alice", "Wr0ng-password")),
        incorrect
    );
    assert_eq!(failure(env.login(&env.enabled, "nobody", GOOD)), incorrect);
    assert_eq!(
        failure(env.login(&env.legacy, "nobody", GOOD)),
        (
            "UserNotFoundException".into(),
            Some("User does not exist.".into())
        )
    );
    assert_eq!(
        failure(env.login(&env.legacy, "dave", GOOD)),
        (
            "NotAuthorizedException".into(),
            Some("User is disabled.".into())
        )
    );
    assert_eq!(
        failure(env.login("unknownclient", "alice", GOOD)),
        (
            "ResourceNotFoundException".into(),
            Some("User pool client unknownclient does not exist.".into())
        )
    );

    // A client without the flow.
    let plain = ok(
        r,
        "CreateUserPoolClient",
        json!({"UserPoolId": env.pool, "ClientName": "srp-only",
               "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]}),
    )["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        failure(env.login(&plain, "alice", GOOD)),
        (
            "InvalidParameterException".into(),
            Some("USER_PASSWORD_AUTH flow not enabled for this client".into())
        )
    );
    assert_err(
        r,
        "InitiateAuth",
        json!({"ClientId": env.legacy, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"PASSWORD": GOOD}}),
        "InvalidParameterException",
        "Missing required parameter USERNAME",
    );
    // A flow the client does not allow.
    assert_err(
        r,
        "InitiateAuth",
        json!({"ClientId": env.legacy, "AuthFlow": "CUSTOM_AUTH",
               "AuthParameters": {"USERNAME": "alice"}}),
        "InvalidParameterException",
        "CUSTOM_AUTH flow not enabled for this client",
    );
}

// ---------------------------------------------------------------------------------------------
// Over HTTP.

#[tokio::test]
async fn serves_over_http_on_loopback() {
    let reference = Arc::new(Reference::new(catalogue()));
    let handle = spawn(reference.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("bind 127.0.0.1:0");
    assert!(handle.addr.ip().is_loopback());
    let url = format!("http://{}/", handle.addr);
    let client = reqwest::Client::new();
    for _ in 0..2 {
        // Two requests on one keep-alive client.
        let res = client
            .post(&url)
            .header("X-Amz-Target", format!("{TARGET_PREFIX}ForgotPassword"))
            .header("Content-Type", JSON_1_1)
            .body(r#"{"ClientId":"abc","Username":"alice"}"#)
            .send()
            .await
            .expect("a response");
        assert_eq!(res.status().as_u16(), 400);
        let headers = res.headers().clone();
        assert_eq!(headers["content-type"], JSON_1_1);
        assert_eq!(headers["x-amzn-errortype"], "ResourceNotFoundException:");
        assert_eq!(
            headers["x-amzn-errormessage"],
            "User pool client abc does not exist."
        );
        let body: Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"__type": "ResourceNotFoundException",
                   "message": "User pool client abc does not exist."})
        );
    }
    // Through HTTP and in-process the state is the same.
    // Signed for the address it goes to: the signature covers the Host header.
    let mut signed = RawRequest::post(
        &format!("{TARGET_PREFIX}CreateUserPool"),
        r#"{"PoolName":"over-http"}"#,
    );
    signed
        .headers
        .push(("Host".into(), handle.addr.to_string()));
    sign_request(&mut signed, TEST_ACCESS_KEY, TEST_SECRET_KEY);
    let mut post = client.post(&url).body(signed.body.clone());
    for (k, v) in &signed.headers {
        post = post.header(k.as_str(), v.as_str());
    }
    let res = post.send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    let id = body["UserPool"]["Id"].as_str().unwrap();
    assert_eq!(
        reference.pending_code(id, "nobody", CodeKind::Confirmation),
        None
    );
    ok(&reference, "DeleteUserPool", json!({"UserPoolId": id}));
    handle.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Robustness.

fn targets() -> Vec<String> {
    let mut t: Vec<String> = catalogue()
        .operations
        .values()
        .map(|o| o.target.clone())
        .collect();
    t.push(format!("{TARGET_PREFIX}Nope"));
    t.push(String::new());
    t.push("garbage\u{0}\u{7f}".into());
    t
}

fn json_ish() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
        Just(Value::String("us-east-1_abc".into())),
    ];
    let names = prop_oneof![
        Just("ClientId".to_owned()),
        Just("Username".to_owned()),
        Just("Password".to_owned()),
        Just("ConfirmationCode".to_owned()),
        Just("SecretHash".to_owned()),
        Just("UserPoolId".to_owned()),
        Just("UserAttributes".to_owned()),
        Just("AuthParameters".to_owned()),
        Just("AuthFlow".to_owned()),
        Just("Policies".to_owned()),
        Just("ClientMetadata".to_owned()),
        "[A-Za-z]{1,12}",
    ];
    let value = leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((names.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    });
    value.prop_map(|v| v.to_string().into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// `handle` never panics, and answers 200, 400 or 501 with a JSON object body that names
    /// an exception whenever it is not 200.
    #[test]
    fn handle_never_panics(
        target in prop::sample::select(targets()),
        content_type in prop::option::of(prop_oneof![
            Just(JSON_1_1.to_owned()),
            Just("application/x-amz-json-1.0".to_owned()),
            Just("application/json".to_owned()),
            ".{0,30}",
        ]),
        authorization in any::<bool>(),
        body in prop_oneof![prop::collection::vec(any::<u8>(), 0..256), json_ish()],
    ) {
        let r = Reference::new(catalogue());
        let mut headers = vec![("X-Amz-Target".to_owned(), target)];
        if let Some(ct) = content_type {
            headers.push(("Content-Type".to_owned(), ct));
        }
        if authorization {
            headers.push(("Authorization".to_owned(), SIGV4.to_owned()));
        }
        let req = RawRequest { method: "POST".into(), path: "/".into(), headers, body };
        let res = r.handle(&req);
        prop_assert!(matches!(res.status, 200 | 400 | 501), "status {}", res.status);
        let body: Value = serde_json::from_slice(&res.body).expect("a JSON body");
        prop_assert!(body.is_object());
        if res.status != 200 {
            prop_assert!(body["__type"].is_string());
        }
        if let Err(e) = check_answer(catalogue(), &req, &res) {
            prop_assert!(false, "{}", e);
        }
    }
}

#[test]
fn a_fork_answers_as_the_original_would_and_stays_apart() {
    let env = Env::new();
    let fork = env.r.fork();
    let forgot = json!({"ClientId": env.legacy, "Username": "alice"});
    // Same state and generator position: the same request gets the same answer, byte for byte
    // (the request id included).
    let a = env.r.handle(&request("ForgotPassword", &forgot));
    let b = fork.handle(&request("ForgotPassword", &forgot));
    assert_eq!(a.status, 200);
    assert_eq!(a, b);
    assert_eq!(
        env.r
            .pending_code(&env.pool, "alice", CodeKind::Confirmation),
        fork.pending_code(&env.pool, "alice", CodeKind::Confirmation)
    );
    // Apart afterwards: a pool deleted in the fork is still there in the original.
    ok(
        &fork,
        "DeleteUserPool",
        json!({"UserPoolId": env.pool.clone()}),
    );
    assert_eq!(
        fork.pending_code(&env.pool, "alice", CodeKind::Confirmation),
        None
    );
    assert!(env
        .r
        .pending_code(&env.pool, "alice", CodeKind::Confirmation)
        .is_some());
    ok(
        &env.r,
        "AdminGetUser",
        json!({"UserPoolId": env.pool.clone(), "Username": "alice"}),
    );
}

#[test]
fn sign_up_codes_confirm_once_and_expire_after_a_day() {
    let env =
        Env::with_pool(json!({"PoolName": "cognate-test", "AutoVerifiedAttributes": ["email"]}));
    let out = ok(
        &env.r,
        "SignUp",
        json!({"ClientId": env.legacy, "Username": "fay", "Password": GOOD,
               "UserAttributes": [{"Name": "email", "Value": "fay@example.com"}]}),
    );
    assert_eq!(out["UserConfirmed"], false);
    assert_eq!(out["CodeDeliveryDetails"]["Destination"], "f***@e***");
    let code = env
        .r
        .pending_code(&env.pool, "fay", CodeKind::Confirmation)
        .unwrap();
    // A resent code replaces the first.
    ok(
        &env.r,
        "ResendConfirmationCode",
        json!({"ClientId": env.legacy, "Username": "fay"}),
    );
    let resent = env
        .r
        .pending_code(&env.pool, "fay", CodeKind::Confirmation)
        .unwrap();
    assert_ne!(code, resent);
    let confirm = |c: &str| {
        env.r.handle(&request(
            "ConfirmSignUp",
            &json!({"ClientId": env.legacy, "Username": "fay", "ConfirmationCode": c}),
        ))
    };
    assert_eq!(confirm(&code).json()["__type"], "CodeMismatchException");
    env.r.advance_clock(Duration::from_secs(24 * 3600));
    assert_eq!(
        confirm(&resent).json(),
        json!({"__type": "ExpiredCodeException",
               "message": "Invalid code provided, please request a code again."})
    );
    ok(
        &env.r,
        "ResendConfirmationCode",
        json!({"ClientId": env.legacy, "Username": "fay"}),
    );
    let fresh = env
        .r
        .pending_code(&env.pool, "fay", CodeKind::Confirmation)
        .unwrap();
    assert_eq!(confirm(&fresh).status, 200);
    // Confirmed: the e-mail the code went to is verified, and the code cannot be used again.
    let user = ok(
        &env.r,
        "AdminGetUser",
        json!({"UserPoolId": env.pool, "Username": "fay"}),
    );
    assert_eq!(user["UserStatus"], "CONFIRMED");
    assert!(user["UserAttributes"]
        .as_array()
        .unwrap()
        .contains(&json!({"Name": "email_verified", "Value": "true"})));
    assert_eq!(
        confirm(&fresh).json()["message"],
        "User cannot be confirmed. Current status is CONFIRMED"
    );
}

#[test]
fn access_tokens_reach_the_users_own_profile() {
    let env = Env::new();
    let sign_in = |user: &str| {
        ok(
            &env.r,
            "InitiateAuth",
            json!({"ClientId": env.legacy, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": user, "PASSWORD": GOOD}}),
        )["AuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let token = sign_in("alice");
    let me = ok(&env.r, "GetUser", json!({"AccessToken": token}));
    assert_eq!(me["Username"], "alice");
    assert_eq!(
        err(&env.r, "GetUser", json!({"AccessToken": "not-a-token"})),
        (
            "NotAuthorizedException".into(),
            "Invalid Access Token".into()
        )
    );
    // A new e-mail is unverified and gets a verification code; the code verifies it.
    let out = ok(
        &env.r,
        "UpdateUserAttributes",
        json!({"AccessToken": token,
               "UserAttributes": [{"Name": "email", "Value": "alice2@example.com"}]}),
    );
    assert_eq!(out["CodeDeliveryDetailsList"][0]["DeliveryMedium"], "EMAIL");
    assert_eq!(
        err(
            &env.r,
            "UpdateUserAttributes",
            json!({"AccessToken": token,
                   "UserAttributes": [{"Name": "email_verified", "Value": "true"}]}),
        ),
        (
            "NotAuthorizedException".into(),
            "A client attempted to write unauthorized attribute".into()
        )
    );
    let code = env
        .r
        .pending_code(&env.pool, "alice", CodeKind::Verification)
        .unwrap();
    assert_eq!(
        err(
            &env.r,
            "VerifyUserAttribute",
            json!({"AccessToken": token, "AttributeName": "email", "Code": "000000x"}),
        )
        .0,
        "CodeMismatchException"
    );
    ok(
        &env.r,
        "VerifyUserAttribute",
        json!({"AccessToken": token, "AttributeName": "email", "Code": code}),
    );
    let me = ok(&env.r, "GetUser", json!({"AccessToken": token}));
    assert!(me["UserAttributes"]
        .as_array()
        .unwrap()
        .contains(&json!({"Name": "email_verified", "Value": "true"})));
    // Deleted by itself: its token then names no one.
    ok(&env.r, "DeleteUser", json!({"AccessToken": token}));
    assert_eq!(
        err(&env.r, "GetUser", json!({"AccessToken": token})),
        (
            "UserNotFoundException".into(),
            "User does not exist.".into()
        )
    );
}

#[test]
fn list_users_filters_and_group_membership() {
    let env = Env::new();
    let list = |filter: &str| -> Vec<String> {
        let out = ok(
            &env.r,
            "ListUsers",
            json!({"UserPoolId": env.pool, "Filter": filter}),
        );
        out["Users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["Username"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(list(r#"email = "alice@example.com""#), ["alice"]);
    assert_eq!(list(r#"email ^= "ca""#), ["carol"]);
    assert_eq!(list(r#"status = "Disabled""#), ["dave"]);
    assert_eq!(
        list(r#"cognito:user_status = "force_change_password""#),
        ["bob"]
    );
    assert_eq!(list("").len(), 5);
    assert_eq!(
        err(
            &env.r,
            "ListUsers",
            json!({"UserPoolId": env.pool, "Filter": "email = alice"}),
        ),
        (
            "InvalidParameterException".into(),
            "Error while parsing filter.".into()
        )
    );
    ok(
        &env.r,
        "CreateGroup",
        json!({"UserPoolId": env.pool, "GroupName": "crew"}),
    );
    for u in ["alice", "carol", "alice"] {
        ok(
            &env.r,
            "AdminAddUserToGroup",
            json!({"UserPoolId": env.pool, "GroupName": "crew", "Username": u}),
        );
    }
    let members = ok(
        &env.r,
        "ListUsersInGroup",
        json!({"UserPoolId": env.pool, "GroupName": "crew"}),
    );
    assert_eq!(members["Users"].as_array().unwrap().len(), 2);
    ok(
        &env.r,
        "AdminDeleteUser",
        json!({"UserPoolId": env.pool, "Username": "carol"}),
    );
    let groups = ok(
        &env.r,
        "AdminListGroupsForUser",
        json!({"UserPoolId": env.pool, "Username": "alice"}),
    );
    assert_eq!(groups["Groups"][0]["GroupName"], "crew");
    let members = ok(
        &env.r,
        "ListUsersInGroup",
        json!({"UserPoolId": env.pool, "GroupName": "crew"}),
    );
    assert_eq!(members["Users"][0]["Username"], "alice");
    assert_eq!(members["Users"].as_array().unwrap().len(), 1);
    assert_eq!(
        err(
            &env.r,
            "AdminAddUserToGroup",
            json!({"UserPoolId": env.pool, "GroupName": "nope", "Username": "alice"}),
        ),
        (
            "ResourceNotFoundException".into(),
            "Group not found.".into()
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Tokens, the JWKS, sign-out, software tokens.

fn get(r: &Reference, path: &str) -> RawResponse {
    r.handle(&RawRequest {
        method: "GET".into(),
        path: path.into(),
        ..Default::default()
    })
}

#[test]
fn tokens_verify_against_the_pools_jwks_until_signed_out() {
    let env = Env::new();
    let r = &env.r;
    let signed_in = ok(
        r,
        "InitiateAuth",
        json!({"ClientId": env.legacy, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "alice", "PASSWORD": GOOD}}),
    );
    let jwks = get(r, &format!("/{}/.well-known/jwks.json", env.pool));
    assert_eq!(jwks.status, 200);
    let discovery = get(
        r,
        &format!("/{}/.well-known/openid-configuration", env.pool),
    )
    .json();
    let issuer = format!("https://cognito-idp.us-east-1.amazonaws.com/{}", env.pool);
    assert_eq!(discovery["issuer"], issuer.as_str());
    assert_eq!(
        get(r, "/us-east-1_NoSuchPool/.well-known/jwks.json").status,
        404
    );
    let published = cognate::check::token::Published {
        jwks: Ok(jwks.json()),
        discovery: Ok(discovery),
    };
    let expected = cognate::check::token::Expected {
        published: &published,
        pool_id: &env.pool,
        issuer: &issuer,
        client_id: &env.legacy,
        access_validity: 3600,
        id_validity: 3600,
        now: cognate::time::now_unix(),
        refreshed_from: None,
    };
    let mut memory = Default::default();
    let problems = cognate::check::token::problems(&signed_in, &expected, &mut memory);
    assert!(problems.is_empty(), "{problems:?}");
    let access = signed_in["AuthenticationResult"]["AccessToken"].clone();
    let refresh = signed_in["AuthenticationResult"]["RefreshToken"].clone();
    ok(r, "GetUser", json!({"AccessToken": access}));
    // A refresh keeps the sign-in's origin_jti and gives no new refresh token.
    let refreshed = ok(
        r,
        "InitiateAuth",
        json!({"ClientId": env.legacy, "AuthFlow": "REFRESH_TOKEN_AUTH",
               "AuthParameters": {"REFRESH_TOKEN": refresh}}),
    );
    assert!(refreshed["AuthenticationResult"]
        .get("RefreshToken")
        .is_none());
    let expected = cognate::check::token::Expected {
        refreshed_from: refresh.as_str(),
        ..expected
    };
    let problems = cognate::check::token::problems(&refreshed, &expected, &mut memory);
    assert!(problems.is_empty(), "{problems:?}");
    ok(r, "GlobalSignOut", json!({"AccessToken": access}));
    assert_err(
        r,
        "GetUser",
        json!({"AccessToken": access}),
        "NotAuthorizedException",
        "Access Token has been revoked",
    );
    assert_err(
        r,
        "InitiateAuth",
        json!({"ClientId": env.legacy, "AuthFlow": "REFRESH_TOKEN_AUTH",
               "AuthParameters": {"REFRESH_TOKEN": refresh}}),
        "NotAuthorizedException",
        "Refresh Token has been revoked",
    );
}

#[test]
fn a_totp_code_is_good_once_and_access_tokens_expire() {
    let env = Env::new();
    let r = &env.r;
    let sign_in = || {
        r.handle(&request(
            "InitiateAuth",
            &json!({"ClientId": env.legacy, "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": "alice", "PASSWORD": GOOD}}),
        ))
        .json()
    };
    let access = sign_in()["AuthenticationResult"]["AccessToken"].clone();
    let secret = ok(r, "AssociateSoftwareToken", json!({"AccessToken": access}))["SecretCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let now = r
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = |t: u64| cognate::totp::code_at(&secret, t).unwrap();
    ok(
        r,
        "VerifySoftwareToken",
        json!({"AccessToken": access, "UserCode": code(now)}),
    );
    ok(
        r,
        "SetUserMFAPreference",
        json!({"AccessToken": access,
               "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    );
    ok(
        r,
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": env.pool, "MfaConfiguration": "OPTIONAL",
               "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    );
    let challenge = sign_in();
    assert_eq!(challenge["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let answer = |session: &Value, code: String| {
        r.handle(&request(
            "RespondToAuthChallenge",
            &json!({"ClientId": env.legacy, "ChallengeName": "SOFTWARE_TOKEN_MFA",
                    "Session": session,
                    "ChallengeResponses": {"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code}}),
        ))
    };
    // The code VerifySoftwareToken used.
    let reused = answer(&challenge["Session"], code(now));
    assert_eq!(reused.json()["__type"], "ExpiredCodeException");
    r.advance_clock(std::time::Duration::from_secs(30));
    let challenge = sign_in();
    let tokens = answer(&challenge["Session"], code(now + 30));
    assert_eq!(tokens.status, 200, "{}", tokens.json());
    let fresh = tokens.json()["AuthenticationResult"]["AccessToken"].clone();
    ok(r, "GetUser", json!({"AccessToken": fresh}));
    r.advance_clock(std::time::Duration::from_secs(3601));
    assert_err(
        r,
        "GetUser",
        json!({"AccessToken": fresh}),
        "NotAuthorizedException",
        "Access Token has expired",
    );
}
