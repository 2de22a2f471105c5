//! The structured input of the `reference_request` target: an HTTP request whose method, target,
//! Content-Type, authorization and extra headers are chosen structurally, and whose body is the
//! rest of the input, as bytes.
//!
//! **Byte layout** (what [`FuzzRequest::arbitrary_take_rest`] reads, and [`FuzzRequest::encode`]
//! writes): one byte per choice, each taken modulo the number of options, then the body.
//!
//! | byte | choice |
//! |---|---|
//! | 0 | method: [`METHODS`] |
//! | 1 | target kind: [`TargetKind`] |
//! | 2 | operation: an index into the catalogue's operations, in name order |
//! | 3 | Content-Type: [`CONTENT_TYPES`] (`None` leaves the header out) |
//! | 4 | Authorization: [`AUTHORIZATIONS`] (`None` leaves the header out) |
//! | 5 | extra header: [`EXTRA_HEADERS`] (`None` adds nothing) |
//! | 6.. | body, sent as is once the placeholders are replaced |
//!
//! The catalogue has 141 operations, so every choice fits one byte. Body placeholders
//! (`@pool@`, `@client@`, `@eclient@`, `@sclient@`, `@hash@`, `@code@`) stand for the provisioned
//! pool's ids, secret hash and pending code, so seeds reach past the unknown-client checks.

use arbitrary::{Arbitrary, Result, Unstructured};

use cognate::model::Catalogue;
use cognate::reference::{RawRequest, JSON_1_1};

/// The SigV4-shaped Authorization header the reference accepts (it checks the form only).
pub const SIGV4: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=0";

pub const METHODS: &[&str] = &["POST", "GET", "PUT", "post", "OPTIONS", ""];

pub const CONTENT_TYPES: &[Option<&str>] = &[
    Some(JSON_1_1),
    Some("application/x-amz-json-1.0"),
    None,
    Some("application/json"),
    Some("Application/X-AMZ-JSON-1.1; charset=utf-8"),
    Some("\u{1}garbage/\u{7f}"),
    Some(" application/x-amz-json-1.1 "),
    Some(""),
    Some("application/x-amz-json-1.1;"),
    Some("text/plain"),
];

pub const AUTHORIZATIONS: &[Option<&str>] = &[
    Some(SIGV4),
    None,
    Some("AWS4-HMAC-SHA256"),
    Some("AWS4-HMAC-SHA256 "),
    Some("Bearer x"),
    Some(""),
];

pub const EXTRA_HEADERS: &[Option<(&str, &str)>] = &[
    None,
    Some((
        "X-Amz-Target",
        "AWSCognitoIdentityProviderService.ForgotPassword",
    )),
    Some(("Content-Type", "text/plain")),
    Some(("x-amz-target", "")),
    Some(("Content-Length", "0")),
    Some(("X-Amzn-ErrorType", "InjectedException")),
    Some(("Authorization", SIGV4)),
];

/// Where `X-Amz-Target` points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// The chosen operation's target, exactly.
    Exact,
    /// No `X-Amz-Target` header.
    Missing,
    /// A garbage target with a NUL in it.
    Garbage,
    /// The chosen operation's name in lower case.
    Lowercase,
    /// The chosen operation's target with spaces around it.
    Padded,
    /// The operation name without the service prefix.
    Bare,
    /// The target with a trailing `.`
    TrailingDot,
}

impl TargetKind {
    pub const ALL: &'static [TargetKind] = &[
        TargetKind::Exact,
        TargetKind::Missing,
        TargetKind::Garbage,
        TargetKind::Lowercase,
        TargetKind::Padded,
        TargetKind::Bare,
        TargetKind::TrailingDot,
    ];
}

/// One request, before placeholders are replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzRequest<'a> {
    pub method: usize,
    pub target: TargetKind,
    pub operation: usize,
    pub content_type: usize,
    pub authorization: usize,
    pub extra: usize,
    pub body: &'a [u8],
}

fn operation_count() -> usize {
    Catalogue::embedded().operations.len()
}

/// One byte, modulo `n`: the choice [`FuzzRequest::encode`] writes as the index itself.
fn choice(u: &mut Unstructured<'_>, n: usize) -> Result<usize> {
    let b = u8::arbitrary(u)?;
    Ok(usize::from(b) % n)
}

impl<'a> Arbitrary<'a> for FuzzRequest<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let method = choice(u, METHODS.len())?;
        let target = TargetKind::ALL[choice(u, TargetKind::ALL.len())?];
        let operation = choice(u, operation_count())?;
        let content_type = choice(u, CONTENT_TYPES.len())?;
        let authorization = choice(u, AUTHORIZATIONS.len())?;
        let extra = choice(u, EXTRA_HEADERS.len())?;
        let len = u.arbitrary_len::<u8>()?;
        let body = u.bytes(len)?;
        Ok(FuzzRequest {
            method,
            target,
            operation,
            content_type,
            authorization,
            extra,
            body,
        })
    }

    fn arbitrary_take_rest(mut u: Unstructured<'a>) -> Result<Self> {
        let method = choice(&mut u, METHODS.len())?;
        let target = TargetKind::ALL[choice(&mut u, TargetKind::ALL.len())?];
        let operation = choice(&mut u, operation_count())?;
        let content_type = choice(&mut u, CONTENT_TYPES.len())?;
        let authorization = choice(&mut u, AUTHORIZATIONS.len())?;
        let extra = choice(&mut u, EXTRA_HEADERS.len())?;
        let body = u.take_rest();
        Ok(FuzzRequest {
            method,
            target,
            operation,
            content_type,
            authorization,
            extra,
            body,
        })
    }
}

impl FuzzRequest<'_> {
    /// The bytes that [`Arbitrary::arbitrary_take_rest`] reads back as this request.
    pub fn encode(&self) -> Vec<u8> {
        let kind = TargetKind::ALL
            .iter()
            .position(|k| *k == self.target)
            .unwrap_or(0);
        let mut out = vec![
            self.method as u8,
            kind as u8,
            self.operation as u8,
            self.content_type as u8,
            self.authorization as u8,
            self.extra as u8,
        ];
        out.extend_from_slice(self.body);
        out
    }

    /// The index of an operation by name, for building seeds.
    pub fn operation_index(name: &str) -> Option<usize> {
        Catalogue::embedded()
            .operations
            .keys()
            .position(|k| k == name)
    }

    /// The operation the request names, if the target kind names one exactly.
    pub fn operation_name(&self) -> Option<&'static str> {
        Catalogue::embedded()
            .operations
            .keys()
            .nth(self.operation)
            .map(String::as_str)
    }

    /// The request as the reference target sees it, with `body` (placeholders already
    /// replaced) as its body.
    pub fn to_raw(&self, body: Vec<u8>) -> RawRequest {
        let cat = Catalogue::embedded();
        let op = cat.operations.values().nth(self.operation);
        let mut headers = Vec::new();
        let target = op.map(|o| o.target.as_str()).unwrap_or_default();
        let name = op.map(|o| o.name.as_str()).unwrap_or_default();
        match self.target {
            TargetKind::Exact => headers.push(("X-Amz-Target".to_owned(), target.to_owned())),
            TargetKind::Missing => {}
            TargetKind::Garbage => headers.push((
                "X-Amz-Target".to_owned(),
                "AWSCognitoIdentityProviderService.\u{0}Nope".to_owned(),
            )),
            TargetKind::Lowercase => headers.push((
                "X-Amz-Target".to_owned(),
                format!("AWSCognitoIdentityProviderService.{}", name.to_lowercase()),
            )),
            TargetKind::Padded => headers.push(("X-Amz-Target".to_owned(), format!(" {target}\t"))),
            TargetKind::Bare => headers.push(("X-Amz-Target".to_owned(), name.to_owned())),
            TargetKind::TrailingDot => {
                headers.push(("X-Amz-Target".to_owned(), format!("{target}.")))
            }
        }
        if let Some(ct) = CONTENT_TYPES[self.content_type % CONTENT_TYPES.len()] {
            headers.push(("Content-Type".to_owned(), ct.to_owned()));
        }
        if let Some(a) = AUTHORIZATIONS[self.authorization % AUTHORIZATIONS.len()] {
            headers.push(("Authorization".to_owned(), a.to_owned()));
        }
        if let Some((k, v)) = EXTRA_HEADERS[self.extra % EXTRA_HEADERS.len()] {
            headers.push((k.to_owned(), v.to_owned()));
        }
        RawRequest {
            method: METHODS[self.method % METHODS.len()].to_owned(),
            path: "/".to_owned(),
            headers,
            body,
        }
    }
}

/// `body` with every occurrence of `from` replaced by `to`.
pub fn replace_all(body: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
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

/// A provisioned reference target and the values its placeholders stand for.
pub struct World {
    pub reference: cognate::reference::Reference,
    pub placeholders: Vec<(&'static [u8], Vec<u8>)>,
}

fn admin(
    r: &cognate::reference::Reference,
    op: &str,
    body: serde_json::Value,
) -> serde_json::Value {
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

impl World {
    /// A pool with three clients and two users: `alice` (confirmed, verified e-mail, a pending
    /// forgot-password code) and `bob` (FORCE_CHANGE_PASSWORD). Deterministic: the reference is
    /// seeded, so the ids are the same on every call.
    pub fn provision() -> World {
        use serde_json::{json, Value};
        let r = cognate::reference::Reference::new(Catalogue::embedded()).form_only_signatures();
        let pool = admin(&r, "CreateUserPool", json!({"PoolName": "fuzz"}))["UserPool"]["Id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let flows = json!(["ALLOW_USER_PASSWORD_AUTH"]);
        let client = |extra: Value| {
            let mut body =
                json!({"UserPoolId": pool, "ClientName": "c", "ExplicitAuthFlows": flows});
            if let Value::Object(extra) = extra {
                for (k, v) in extra {
                    body[k] = v;
                }
            }
            admin(&r, "CreateUserPoolClient", body)["UserPoolClient"].clone()
        };
        let id = |v: &Value| v["ClientId"].as_str().unwrap_or_default().to_owned();
        let legacy = id(&client(json!({})));
        let enabled = id(&client(json!({"PreventUserExistenceErrors": "ENABLED"})));
        let s = client(json!({"GenerateSecret": true}));
        let sclient = id(&s);
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
        let code = r
            .pending_code(
                &pool,
                "alice",
                cognate::scenario::codes::CodeKind::Confirmation,
            )
            .unwrap_or_default();
        let hash = cognate::reference::secret_hash(&secret, "alice", &sclient);
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

    /// `body` with the placeholders replaced.
    pub fn fill(&self, body: &[u8]) -> Vec<u8> {
        let mut body = body.to_vec();
        for (from, to) in &self.placeholders {
            if body.windows(from.len()).any(|w| w == *from) {
                body = replace_all(&body, from, to);
            }
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_reads_back() {
        let op = FuzzRequest::operation_index("ForgotPassword").unwrap();
        for target in TargetKind::ALL {
            let r = FuzzRequest {
                method: 2,
                target: *target,
                operation: op,
                content_type: 4,
                authorization: 1,
                extra: 3,
                body: br#"{"ClientId":"@client@"}"#,
            };
            let bytes = r.encode();
            let back = FuzzRequest::arbitrary_take_rest(Unstructured::new(&bytes)).unwrap();
            assert_eq!(back, r);
            assert_eq!(back.operation_name(), Some("ForgotPassword"));
        }
        assert!(operation_count() <= 256, "one byte per operation choice");
    }
}
