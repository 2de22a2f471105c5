//! The `token` check: the ID and access tokens of a success answer verified the way client
//! libraries verify them: RS256 signature by a key of the pool's JWKS (found by `kid`), then the
//! claims (ops §7): `iss`, `token_use`, `aud` (ID) or `client_id` (access), `exp` − `iat` equal
//! to the client's validity, not expired on arrival, `sub`, `cognito:username` / `username`,
//! `scope`, `auth_time`, `jti` distinct and `origin_jti` shared. Across answers ([`Memory`]): `sub`
//! stays a user's, a refresh keeps its sign-in's `origin_jti`, a new sign-in gets a new one.
//!
//! Pure: what the target publishes ([`Published`]) is fetched by the caller. Every problem is
//! named in the reason; a token itself never is.

use std::collections::{HashMap, HashSet};

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{CheckName, CheckOutcome, CheckResult, Status, Verdict};
use crate::replay::Exchange;

/// The scope of a user-pool API sign-in's access token (ops §7, conf. A).
pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// What a target publishes about one pool's tokens, or why it could not be had.
#[derive(Debug, Clone)]
pub struct Published {
    /// `/<pool>/.well-known/jwks.json`.
    pub jwks: Result<Value, String>,
    /// `/<pool>/.well-known/openid-configuration`.
    pub discovery: Result<Value, String>,
}

/// What the tokens of one answer are checked against.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    pub published: &'a Published,
    pub pool_id: &'a str,
    /// The `iss` both tokens must carry.
    pub issuer: &'a str,
    /// The client the request named.
    pub client_id: &'a str,
    /// The client's access and ID token lifetimes, in seconds.
    pub access_validity: u64,
    pub id_validity: u64,
    /// Seconds since the epoch, when the answer came.
    pub now: i64,
    /// The refresh token the request spent, if it was a refresh.
    pub refreshed_from: Option<&'a str>,
}

/// What earlier answers of a run showed: each user's `sub`, and each sign-in's `origin_jti`.
#[derive(Debug, Default)]
pub struct Memory {
    /// (pool, username) → sub.
    subs: HashMap<(String, String), String>,
    /// A refresh token's digest → the origin_jti of the sign-in that gave it.
    origins: HashMap<[u8; 32], String>,
    seen_origins: HashSet<String>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A token's claims, read without verifying it (for output checks and captures).
pub fn claims(token: &str) -> Option<Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// The body with `@claims`: `{"id": ..., "access": ...}` the decoded claims of its
/// `AuthenticationResult` tokens, for the pointers `/@claims/id/<claim>` of output checks and
/// captures. The body as it is when it holds no tokens.
pub fn with_claims(body: &Value) -> std::borrow::Cow<'_, Value> {
    let Some(result) = body.get("AuthenticationResult") else {
        return std::borrow::Cow::Borrowed(body);
    };
    let mut view = Map::new();
    for (key, member) in [("id", "IdToken"), ("access", "AccessToken")] {
        if let Some(c) = result.get(member).and_then(Value::as_str).and_then(claims) {
            view.insert(key.into(), Value::Object(c));
        }
    }
    let mut body = body.clone();
    if let Value::Object(m) = &mut body {
        m.insert("@claims".into(), Value::Object(view));
    }
    std::borrow::Cow::Owned(body)
}

/// Whether a success body holds tokens to check.
pub fn has_tokens(body: &Value) -> bool {
    body.pointer("/AuthenticationResult/AccessToken").is_some()
        || body.pointer("/AuthenticationResult/IdToken").is_some()
}

/// Adds the `token` check to a verdict whose answer holds tokens: failed, with every problem
/// found, when one does not verify or a claim is wrong. Nothing is added when the answer holds
/// no tokens; a skip or an error verdict gets a skipped check.
pub fn apply_tokens(
    verdict: &mut Verdict,
    exchange: &Exchange,
    expected: Option<&Expected<'_>>,
    memory: &mut Memory,
) {
    let body = match &exchange.result {
        Ok(r) if (200..300).contains(&r.status) => {
            serde_json::from_slice::<Value>(&r.body).unwrap_or(Value::Null)
        }
        _ => return,
    };
    if !has_tokens(&body) {
        return;
    }
    let outcome = match (verdict.status, expected) {
        (Status::Skip | Status::Error, _) => CheckOutcome::Skip("no verdict to add to".into()),
        (_, None) => CheckOutcome::Skip("the pool's keys could not be looked up".into()),
        (_, Some(e)) => match problems(&body, e, memory) {
            p if p.is_empty() => CheckOutcome::Pass,
            p => CheckOutcome::Fail(p.join("; ")),
        },
    };
    if let CheckOutcome::Fail(why) = &outcome {
        if verdict.status == Status::Pass {
            verdict.status = Status::Fail;
            verdict.reason = Some(format!("token: {why}"));
        }
    }
    verdict.checks.push(CheckResult {
        check: CheckName::Token,
        outcome,
    });
}

/// Every problem of the answer's tokens, in words.
pub fn problems(body: &Value, e: &Expected<'_>, memory: &mut Memory) -> Vec<String> {
    let mut out = Vec::new();
    match &e.published.discovery {
        Err(why) => out.push(format!("openid-configuration: {why}")),
        Ok(doc) => {
            let iss = doc.get("issuer").and_then(Value::as_str);
            if iss != Some(e.issuer) {
                out.push(format!(
                    "openid-configuration: issuer is {}, expected {}",
                    shown(iss),
                    e.issuer
                ));
            }
            let jwks = format!("/{}/.well-known/jwks.json", e.pool_id);
            if !doc
                .get("jwks_uri")
                .and_then(Value::as_str)
                .is_some_and(|u| u.ends_with(&jwks))
            {
                out.push(format!(
                    "openid-configuration: jwks_uri does not end in {jwks}"
                ));
            }
        }
    }
    let result = body.get("AuthenticationResult").unwrap_or(&Value::Null);
    // Per token: its kid and, when it verified, its claims.
    let mut verified: Vec<Verified> = Vec::new();
    for (what, member, kind) in [
        ("ID token", "IdToken", "id"),
        ("access token", "AccessToken", "access"),
    ] {
        let Some(token) = result.get(member).and_then(Value::as_str) else {
            out.push(format!("{member} is missing"));
            continue;
        };
        let (kid, claims) = verify(token, what, e, &mut out);
        if let Some(c) = &claims {
            check_claims(c, what, kind, e, &mut out);
        }
        verified.push(Verified { kid, claims });
    }
    if let [Verified {
        kid: Some(a),
        claims: Some(id),
    }, Verified {
        kid: Some(b),
        claims: Some(access),
    }] = verified.as_slice()
    {
        if a == b {
            // "Signing": the access and ID tokens carry different kids (conf. B).
            out.push("the ID and access tokens carry the same kid".into());
        }
        cross_checks(id, access, result, e, memory, &mut out);
    }
    out
}

/// What [`verify`] made of one token.
struct Verified {
    kid: Option<String>,
    claims: Option<Map<String, Value>>,
}

fn shown(v: Option<&str>) -> String {
    v.map_or_else(|| "missing".to_owned(), |s| format!("{s:?}"))
}

/// The kid and the claims of a token whose RS256 signature verifies with its pool's key.
fn verify(
    token: &str,
    what: &str,
    e: &Expected<'_>,
    out: &mut Vec<String>,
) -> (Option<String>, Option<Map<String, Value>>) {
    let header = match jsonwebtoken::decode_header(token) {
        Ok(h) => h,
        Err(err) => {
            out.push(format!("{what} is not a JWT ({err})"));
            return (None, None);
        }
    };
    if header.alg != Algorithm::RS256 {
        out.push(format!("{what}: alg is {:?}, expected RS256", header.alg));
        return (header.kid, None);
    }
    let Some(kid) = header.kid else {
        out.push(format!("{what} has no kid"));
        return (None, None);
    };
    let keys = match &e.published.jwks {
        Ok(jwks) => jwks.get("keys").and_then(Value::as_array),
        Err(why) => {
            out.push(format!("{what}: no JWKS to verify it with ({why})"));
            return (Some(kid), None);
        }
    };
    let Some(jwk) = keys
        .into_iter()
        .flatten()
        .find(|k| k.get("kid").and_then(Value::as_str) == Some(kid.as_str()))
    else {
        let kids: Vec<&str> = keys
            .into_iter()
            .flatten()
            .filter_map(|k| k.get("kid").and_then(Value::as_str))
            .collect();
        out.push(format!(
            "{what}: unknown kid {kid:?} (the pool's JWKS has {})",
            if kids.is_empty() {
                "no keys".to_owned()
            } else {
                kids.iter()
                    .map(|k| format!("{k:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
        return (Some(kid), None);
    };
    let key = serde_json::from_value::<jsonwebtoken::jwk::Jwk>(jwk.clone())
        .map_err(|err| err.to_string())
        .and_then(|jwk| DecodingKey::from_jwk(&jwk).map_err(|err| err.to_string()));
    let key = match key {
        Ok(k) => k,
        Err(why) => {
            out.push(format!("{what}: the JWKS key {kid:?} is unusable ({why})"));
            return (Some(kid), None);
        }
    };
    let mut validation = Validation::new(Algorithm::RS256);
    // The claims are judged below, each with its own words.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    match jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation) {
        Ok(data) => (Some(kid), Some(data.claims)),
        Err(err) => {
            let why = match err.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                    format!("bad signature (it does not verify with the JWKS key {kid:?})")
                }
                _ => format!("does not verify ({err})"),
            };
            out.push(format!("{what}: {why}"));
            (Some(kid), None)
        }
    }
}

/// One token's own claims.
fn check_claims(
    c: &Map<String, Value>,
    what: &str,
    kind: &str,
    e: &Expected<'_>,
    out: &mut Vec<String>,
) {
    let s = |k: &str| c.get(k).and_then(Value::as_str);
    let n = |k: &str| c.get(k).and_then(Value::as_i64);
    let mut want = |claim: &str, value: &str, got: Option<&str>| {
        if got != Some(value) {
            out.push(format!(
                "{what}: {claim} is {}, expected {value:?}",
                shown(got)
            ));
        }
    };
    want("iss", e.issuer, s("iss"));
    want("token_use", kind, s("token_use"));
    let validity = if kind == "id" {
        want("aud", e.client_id, s("aud"));
        e.id_validity
    } else {
        want("client_id", e.client_id, s("client_id"));
        e.access_validity
    };
    let mut missing: Vec<&str> = Vec::new();
    let required: &[&str] = if kind == "id" {
        &["sub", "cognito:username", "auth_time", "jti", "origin_jti"]
    } else {
        &["sub", "username", "jti", "origin_jti"]
    };
    for k in required {
        if !c.contains_key(*k) {
            missing.push(k);
        }
    }
    if !missing.is_empty() {
        out.push(format!("{what}: claim missing: {}", missing.join(", ")));
    }
    if kind == "access" {
        if c.contains_key("aud") {
            // "Access token has no aud", conf. B.
            out.push(format!("{what} carries aud; access tokens carry client_id"));
        }
        let scope = s("scope").unwrap_or_default();
        if !scope.split(' ').any(|x| x == ADMIN_SCOPE) {
            out.push(format!(
                "{what}: scope {} lacks {ADMIN_SCOPE}",
                shown(s("scope"))
            ));
        }
    }
    match (n("iat"), n("exp")) {
        (Some(iat), Some(exp)) => {
            if exp - iat != validity as i64 {
                out.push(format!(
                    "{what}: exp - iat is {} s, the client's validity is {validity} s",
                    exp - iat
                ));
            }
            // Five minutes for clocks that differ.
            if exp < e.now - 300 {
                out.push(format!("{what} had expired when it arrived (exp {exp})"));
            }
        }
        _ => out.push(format!("{what}: exp or iat missing or not a number")),
    }
}

/// What the two tokens of one answer, and earlier answers, must agree on.
fn cross_checks(
    id: &Map<String, Value>,
    access: &Map<String, Value>,
    result: &Value,
    e: &Expected<'_>,
    memory: &mut Memory,
    out: &mut Vec<String>,
) {
    let s = |c: &Map<String, Value>, k: &str| c.get(k).and_then(Value::as_str).map(str::to_owned);
    if s(id, "sub") != s(access, "sub") {
        out.push("the ID and access tokens name different subs".into());
    }
    // "origin_jti / jti", conf. A.
    if s(id, "jti").is_some() && s(id, "jti") == s(access, "jti") {
        out.push("the ID and access tokens share a jti".into());
    }
    let origin = s(access, "origin_jti");
    if origin != s(id, "origin_jti") {
        out.push("the ID and access tokens carry different origin_jti".into());
    }
    if let (Some(user), Some(sub)) = (s(id, "cognito:username"), s(id, "sub")) {
        let key = (e.pool_id.to_owned(), user.clone());
        match memory.subs.get(&key) {
            Some(earlier) if *earlier != sub => out.push(format!(
                "sub of {user:?} changed: {earlier} before, {sub} now"
            )),
            Some(_) => {}
            None => {
                memory.subs.insert(key, sub);
            }
        }
    }
    let Some(origin) = origin else { return };
    match e.refreshed_from {
        Some(refresh) => match memory.origins.get(&digest(refresh)) {
            Some(first) if *first != origin => out.push(format!(
                "a refresh gave origin_jti {origin}, its sign-in's was {first}"
            )),
            _ => {}
        },
        None => {
            if !memory.seen_origins.insert(origin.clone()) {
                out.push(format!(
                    "origin_jti {origin} repeats an earlier sign-in's: each sign-in gets its own"
                ));
            }
        }
    }
    if let Some(refresh) = result.get("RefreshToken").and_then(Value::as_str) {
        memory.origins.insert(digest(refresh), origin);
    }
}
