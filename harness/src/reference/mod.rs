//! The embedded reference target: a faithful, in-memory implementation of the documented
//! cognito-idp contract that other targets are compared against.
//!
//! [`Reference::handle`] is the whole target: a pure, synchronous function from a [`RawRequest`]
//! to a [`RawResponse`] over in-memory state (no I/O; the clock is the only outside input, and
//! [`Reference::advance_clock`] moves it). [`spawn`] serves it over HTTP/1.1 on a loopback
//! address through a thin axum adapter.
//!
//! Request processing follows the awsJson1_1 framework in this order: operation
//! (`X-Amz-Target`, POST), `Content-Type`, the signature of SigV4 operations, body
//! parse, type walk, constraint validation ([`validate`]), then the operation's semantics
//! (`state`). A GET of `/<pool id>/.well-known/jwks.json` or `openid-configuration` answers
//! the pool's signing keys ([`keys`]) and discovery document, as Cognito's issuer does. Every
//! behaviour taken from observed AWS answers cites its row in
//! `aws-behaviour.md` next to the code that uses it. This module never reads
//! `fixtures/expectations/`: that data judges it.

mod keys;
mod server;
mod signature;
mod state;
pub mod validate;

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

use crate::model::{Auth, Catalogue};

pub use crate::model::wire::secret_hash;
pub use server::{spawn, spawn_on_own_thread, spawn_tls, ServerHandle, BODY_LIMIT};
pub use signature::sign_request;
use validate::Rejection;

pub use crate::model::wire::{JSON_1_1, TARGET_PREFIX};
/// The seed [`Reference::new`] uses, so ids, secrets and codes repeat from run to run.
pub const DEFAULT_SEED: u64 = 0x0063_6f67_6e61_7465;

/// One HTTP request as the target sees it. Header lookups are case-insensitive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    /// A POST to `/` with the given target and body and the awsJson1_1 content type.
    pub fn post(target: &str, body: impl Into<Vec<u8>>) -> Self {
        RawRequest {
            method: "POST".into(),
            path: "/".into(),
            headers: vec![
                ("X-Amz-Target".into(), target.into()),
                ("Content-Type".into(), JSON_1_1.into()),
            ],
            body: body.into(),
        }
    }

    /// The first header of that name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// One HTTP response as the target writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The first header of that name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body as JSON (every body the reference writes is JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The Coral framework's own exceptions the target answers with, outside any operation's
/// documented errors: an unknown operation, an unreadable body, a missing signature.
pub const FRAMEWORK_EXCEPTIONS: &[&str] = &[
    "UnknownOperationException",
    "SerializationException",
    "MissingAuthenticationTokenException",
    "IncompleteSignatureException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
];

/// The property the fuzz target and the robustness tests hold every answer to: the status is
/// 200, 400 or 501; the body is a JSON object in the awsJson1_1 content type; a 400 names (in
/// `__type` and `x-amzn-ErrorType` alike) one of the operation's documented errors or a
/// [`FRAMEWORK_EXCEPTIONS`] name; a 501 is `NotImplementedException`; only a known operation
/// answers 200. The output schema of a 200 is for the caller to check.
pub fn check_answer(
    catalogue: &Catalogue,
    req: &RawRequest,
    res: &RawResponse,
) -> Result<(), String> {
    if !matches!(res.status, 200 | 400 | 501) {
        return Err(format!("status {}", res.status));
    }
    if res.header("Content-Type") != Some(JSON_1_1) {
        return Err(format!("Content-Type {:?}", res.header("Content-Type")));
    }
    let body: Value =
        serde_json::from_slice(&res.body).map_err(|e| format!("body is not JSON: {e}"))?;
    let Value::Object(body) = body else {
        return Err("body is not a JSON object".into());
    };
    let op = if req.method == "POST" {
        req.header("X-Amz-Target")
            .and_then(|t| catalogue.by_target(t.trim()))
    } else {
        None
    };
    if res.status == 200 {
        return match op {
            Some(_) => Ok(()),
            None => Err("200 for an unknown operation".into()),
        };
    }
    let name = body
        .get("__type")
        .and_then(Value::as_str)
        .ok_or("an error body without __type")?;
    let header = res.header("x-amzn-ErrorType").unwrap_or_default();
    if header.split(':').next() != Some(name) {
        return Err(format!(
            "x-amzn-ErrorType {header:?} disagrees with __type {name:?}"
        ));
    }
    let documented = match res.status {
        501 => name == "NotImplementedException",
        _ => {
            FRAMEWORK_EXCEPTIONS.contains(&name)
                || op.is_some_and(|op| op.errors.iter().any(|e| e == name))
        }
    };
    if documented {
        Ok(())
    } else {
        Err(format!(
            "{} {name} is not documented for {:?}",
            res.status,
            op.map(|o| &o.name)
        ))
    }
}

/// Which key an error body carries its message under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessageKey {
    /// Modelled errors: `message` (aws-behaviour.md §1).
    Lower,
    /// Coral framework errors such as SerializationException: `Message` (§1, §3).
    Upper,
}

/// An error answer, before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub name: String,
    pub message: Option<String>,
    pub key: MessageKey,
}

impl ApiError {
    /// A modelled (or modelled-style) error: 400, lower-case `message`. The real service answers
    /// 400 even where the model says 403/404/429 (aws-behaviour.md §1 "HTTP status").
    pub fn new(name: &str, message: impl Into<String>) -> Self {
        ApiError {
            status: 400,
            name: name.to_owned(),
            message: Some(message.into()),
            key: MessageKey::Lower,
        }
    }

    /// A framework error with its message, if any, under capital `Message` (§3).
    pub fn framework(name: &str, message: Option<String>) -> Self {
        ApiError {
            status: 400,
            name: name.to_owned(),
            message,
            key: MessageKey::Upper,
        }
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterException", message)
    }

    pub fn not_authorized(message: impl Into<String>) -> Self {
        Self::new("NotAuthorizedException", message)
    }

    pub fn not_implemented(op: &str) -> Self {
        ApiError {
            status: 501,
            name: "NotImplementedException".to_owned(),
            message: Some(format!(
                "the cognate reference target does not implement {op}"
            )),
            key: MessageKey::Lower,
        }
    }
}

/// What the operations draw on besides the state: the time and the seeded generator.
pub(crate) struct Ctx<'a> {
    pub now: SystemTime,
    pub rng: &'a mut StdRng,
    /// The id the answer will carry (some messages quote it).
    pub request_id: String,
}

struct Inner {
    state: state::State,
    rng: StdRng,
}

/// The reference target: the catalogue, the in-memory state, a clock that tests can move
/// forward, and a seeded generator for ids, secrets, codes and request ids.
pub struct Reference {
    catalogue: &'static Catalogue,
    inner: Mutex<Inner>,
    clock_offset: Mutex<Duration>,
    keys: signature::Keys,
}

impl Reference {
    /// A fresh target with no user pools, deterministic ids and codes ([`DEFAULT_SEED`]), the
    /// real clock, and one account whose signatures it verifies
    /// ([`crate::model::wire::TEST_ACCESS_KEY`]).
    pub fn new(catalogue: &'static Catalogue) -> Self {
        Self::with_seed(catalogue, DEFAULT_SEED)
    }

    /// As [`Reference::new`] with another seed.
    pub fn with_seed(catalogue: &'static Catalogue, seed: u64) -> Self {
        Reference {
            catalogue,
            inner: Mutex::new(Inner {
                state: state::State::default(),
                rng: StdRng::seed_from_u64(seed),
            }),
            clock_offset: Mutex::new(Duration::ZERO),
            keys: signature::Keys::test_account(),
        }
    }

    /// This target, checking only the form of a SigV4 header: for callers that forge requests
    /// byte by byte (the fuzz targets), whose signatures cannot be true.
    /// Accepts requests signed with this account too, beside the test account.
    pub fn with_account(mut self, access_key: &str, secret_key: &str) -> Self {
        self.keys = self.keys.with_account(access_key, secret_key);
        self
    }

    pub fn form_only_signatures(mut self) -> Self {
        self.keys = signature::Keys::form_only();
        self
    }

    pub fn catalogue(&self) -> &'static Catalogue {
        self.catalogue
    }

    /// The target's current time: the real clock plus everything [`Reference::advance_clock`]
    /// added.
    pub fn now(&self) -> SystemTime {
        let offset = *self.clock_offset.lock().unwrap_or_else(|e| e.into_inner());
        SystemTime::now()
            .checked_add(offset)
            .unwrap_or_else(SystemTime::now)
    }

    /// Moves the target's clock forward, for expiry tests.
    pub fn advance_clock(&self, by: Duration) {
        let mut offset = self.clock_offset.lock().unwrap_or_else(|e| e.into_inner());
        *offset = offset.saturating_add(by);
    }

    /// An independent copy of this target: the same state, generator position and clock offset,
    /// so that the copy answers the next request exactly as this one would. Copying a small
    /// provisioned target costs microseconds, which is what a fuzz target needs to start every
    /// input from the same state without provisioning again.
    pub fn fork(&self) -> Reference {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let offset = *self.clock_offset.lock().unwrap_or_else(|e| e.into_inner());
        Reference {
            catalogue: self.catalogue,
            inner: Mutex::new(Inner {
                state: inner.state.clone(),
                rng: inner.rng.clone(),
            }),
            clock_offset: Mutex::new(offset),
            keys: self.keys.clone(),
        }
    }

    /// The code of this kind the target last issued to this user, while it is outstanding
    /// (neither used nor superseded; it may have expired): the harness's code source. `username`
    /// may be an alias, resolved as the public operations resolve it.
    pub fn pending_code(
        &self,
        pool_id: &str,
        username: &str,
        kind: crate::scenario::codes::CodeKind,
    ) -> Option<String> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.state.pending_code(pool_id, username, kind)
    }

    /// Answers one request. Pure apart from the in-memory state and the clock; never panics.
    pub fn handle(&self, req: &RawRequest) -> RawResponse {
        let now = self.now();
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Inner { state, rng } = &mut *inner;
        if req.method == "GET" {
            if let Some(doc) = well_known(state, &req.path) {
                return doc;
            }
            if let Some(answer) = codes_endpoint(state, &req.path) {
                return answer;
            }
        }
        let request_id = request_id(rng);
        let mut ctx = Ctx {
            now,
            rng,
            request_id,
        };
        let outcome = self.process(req, state, &mut ctx);
        let request_id = ctx.request_id;
        match outcome {
            Ok(body) => respond(200, request_id, &body, None),
            Err(e) => {
                let mut body = Map::new();
                body.insert("__type".into(), Value::String(e.name.clone()));
                if let Some(m) = &e.message {
                    let key = match e.key {
                        MessageKey::Lower => "message",
                        MessageKey::Upper => "Message",
                    };
                    body.insert(key.into(), Value::String(m.clone()));
                }
                respond(e.status, request_id, &Value::Object(body), Some(&e))
            }
        }
    }

    fn process(
        &self,
        req: &RawRequest,
        state: &mut state::State,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        // 1. The operation. A Coral service answers an unknown target with a bare
        //    UnknownOperationException (aws-behaviour.md §3 "unknown X-Amz-Target operation").
        let unknown = || ApiError::framework("UnknownOperationException", None);
        if req.method != "POST" {
            return Err(unknown());
        }
        let op = req
            .header("X-Amz-Target")
            .and_then(|t| self.catalogue.by_target(t.trim()))
            .ok_or_else(unknown)?;

        // 2. The media type, compared case-insensitively, parameters ignored. A wrong one is a
        //    bare SerializationException (§3 "malformed body or wrong headers").
        let media_ok = req.header("Content-Type").is_some_and(|ct| {
            let media = ct.split(';').next().unwrap_or("").trim();
            media.eq_ignore_ascii_case(JSON_1_1)
                || media.eq_ignore_ascii_case("application/x-amz-json-1.0")
        });
        if !media_ok {
            return Err(ApiError::framework("SerializationException", None));
        }

        // 3. SigV4 operations need a true signature by a known key (`signature`); public ones
        //    are sent unsigned (aws-behaviour-ops.md §10).
        if op.auth == Auth::Sigv4 {
            self.keys.verify(req)?;
        }

        // 4-6. Body, types, constraints.
        let input = match validate::check_input(self.catalogue, op, &req.body) {
            Ok(v) => v,
            Err(Rejection::Invalid(items)) if custom_domain(&op.name, &items, &req.body) => {
                serde_json::from_slice(&req.body).unwrap_or_default()
            }
            Err(Rejection::Serialization(m)) => {
                return Err(ApiError::framework("SerializationException", m))
            }
            Err(Rejection::Invalid(items)) => {
                // A prefix with characters the pattern forbids gets the operation's own words
                // (aws-behaviour-ops.md §2 CreateUserPoolDomain "prefix with invalid
                // characters", conf. A), not the generic validation message.
                let bad_prefix = op.name == "CreateUserPoolDomain"
                    && items.iter().all(|i| {
                        i.contains(" at 'domain' ") && i.contains("regular expression pattern")
                    });
                if bad_prefix {
                    return Err(ApiError::invalid_parameter(DOMAIN_CHARACTERS));
                }
                return Err(ApiError::invalid_parameter(Rejection::validation_message(
                    &items,
                )));
            }
        };

        // 7. Semantics.
        state.dispatch(&op.name, &input, ctx)
    }
}

/// Whether the only thing wrong is a `Domain` that is the full host name of a custom domain,
/// which the domain operations take although the model's pattern allows a prefix only
/// (DescribeUserPoolDomain "input": "the prefix alone, or the full name of a custom domain",
/// conf. B; CreateUserPoolDomain takes one with a CustomDomainConfig).
fn custom_domain(op: &str, items: &[String], body: &[u8]) -> bool {
    let ops = [
        "CreateUserPoolDomain",
        "DescribeUserPoolDomain",
        "UpdateUserPoolDomain",
        "DeleteUserPoolDomain",
    ];
    let only_domain = items
        .iter()
        .all(|i| i.contains(" at 'domain' ") && i.contains("regular expression pattern"));
    if !ops.contains(&op) || items.is_empty() || !only_domain {
        return false;
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    if op == "CreateUserPoolDomain" && v.get("CustomDomainConfig").is_none() {
        return false;
    }
    let host = v.get("Domain").and_then(Value::as_str).unwrap_or_default();
    host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// CreateUserPoolDomain's answer to a prefix with forbidden characters.
const DOMAIN_CHARACTERS: &str = "The domain name contains an invalid character. Domain names can \
     only contain lower-case letters, numbers, and hyphens. Please enter a different name that \
     follows this format: ^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$";

/// A request id in the UUID form AWS uses, from the seeded generator.
fn request_id(rng: &mut StdRng) -> String {
    uuid_like(rng)
}

pub(crate) fn uuid_like(rng: &mut StdRng) -> String {
    let mut b: [u8; 16] = rng.random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The longest message also sent in `x-amzn-ErrorMessage`, in bytes. Servers and clients commonly
/// refuse header sections past 8 to 64 KiB; the body always carries the whole message.
pub const MAX_MESSAGE_HEADER: usize = 4096;

/// Whether a message can travel in an HTTP header as it is: visible ASCII, spaces and tabs.
fn header_safe(s: &str) -> bool {
    s.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

fn respond(status: u16, request_id: String, body: &Value, error: Option<&ApiError>) -> RawResponse {
    let mut headers = vec![
        ("Content-Type".to_owned(), JSON_1_1.to_owned()),
        ("x-amzn-RequestId".to_owned(), request_id),
    ];
    if let Some(e) = error {
        // Real Cognito writes the name with a trailing colon (aws-behaviour.md §1).
        headers.push(("x-amzn-ErrorType".to_owned(), format!("{}:", e.name)));
        // A message that cannot travel in a header as it is (a validation message quoting a
        // value with control or non-ASCII characters), or that is too long for one (it quotes a
        // long value: `cognate fuzz` found a 550,000-character UserPoolId making a response head
        // over a megabyte), is left to the body alone.
        if let Some(m) = e
            .message
            .as_deref()
            .filter(|m| header_safe(m) && m.len() <= MAX_MESSAGE_HEADER)
        {
            headers.push(("x-amzn-ErrorMessage".to_owned(), m.to_owned()));
        }
    }
    let body = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    RawResponse {
        status,
        headers,
        body,
    }
}

/// The path under which a served reference tells the harness the codes it sent, as moto's
/// header and cognito-local's database file do: `GET /_cognate/codes` says the endpoint is
/// there, `GET /_cognate/codes/<pool>/<username>/<confirmation|verification>` gives a code.
/// A test hook of the embedded target, outside the Cognito API.
pub const CODES_PATH: &str = "/_cognate/codes";

fn codes_endpoint(state: &state::State, path: &str) -> Option<RawResponse> {
    use crate::scenario::codes::CodeKind;
    let rest = path.strip_prefix(CODES_PATH)?;
    let json = |status: u16, body: Value| RawResponse {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    };
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    Some(match parts.as_slice() {
        [] => json(200, json!({"codes": "cognate reference"})),
        [pool, user, kind] => {
            let kind = match *kind {
                "confirmation" => CodeKind::Confirmation,
                "verification" => CodeKind::Verification,
                _ => return Some(json(404, json!({"message": "unknown kind of code"}))),
            };
            let decode = |p: &str| {
                percent_encoding::percent_decode_str(p)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            match state.pending_code(&decode(pool), &decode(user), kind) {
                Some(code) => json(200, json!({ "code": code })),
                None => json(404, json!({"message": "no outstanding code"})),
            }
        }
        _ => json(404, json!({"message": "Not Found"})),
    })
}

/// A pool's `.well-known` documents (ops §7 "JWKS / discovery", conf. B), or 404 for a pool
/// that does not exist; `None` for a path that names no such document (the API answers it).
fn well_known(state: &mut state::State, path: &str) -> Option<RawResponse> {
    let mut parts = path.trim_start_matches('/').splitn(3, '/');
    let (pool, dir, file) = (parts.next(), parts.next(), parts.next());
    let doc = match (pool, dir, file) {
        (Some(pool), Some(".well-known"), Some("jwks.json")) => state.jwks(pool),
        (Some(pool), Some(".well-known"), Some("openid-configuration")) => {
            state.openid_configuration(pool)
        }
        _ => return None,
    };
    Some(match doc {
        Some(doc) => RawResponse {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: doc.to_string().into_bytes(),
        },
        None => RawResponse {
            status: 404,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: br#"{"message":"Not Found"}"#.to_vec(),
        },
    })
}

/// An empty output structure.
pub(crate) fn empty() -> Value {
    json!({})
}
