//! What a target publishes about its tokens, fetched when a run first meets a pool's tokens and
//! kept for the run: the pool's JWKS and openid-configuration, and each client's token
//! lifetimes (DescribeUserPoolClient). With what earlier answers showed ([`Memory`]), it judges
//! the `token` check of every answer that holds tokens: the pure check is
//! [`crate::check::token`]; this is the part that sends requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::check::token::{apply_tokens, has_tokens, Expected, Memory, Published};
use crate::check::Verdict;
use crate::replay::{Client, Exchange};
use crate::target::Provisioner;

/// An hour: a token's lifetime when the client sets none (ops §1 CreateUserPoolClient
/// "Defaults", conf. B).
const DEFAULT_VALIDITY: u64 = 3600;

/// The token authority of one target, as the run sees it.
pub struct Issuer {
    client: Client,
    /// The profile's issuer, `{pool}` and `{region}` filled in; AWS's form by default.
    template: String,
    pools: Mutex<HashMap<String, Arc<Published>>>,
    /// (pool, client) → (access, ID) token lifetimes in seconds.
    lifetimes: Mutex<HashMap<(String, String), (u64, u64)>>,
    memory: Mutex<Memory>,
}

/// AWS's issuer form (ops §7 "Issuer", conf. A).
pub const AWS_ISSUER: &str = "https://cognito-idp.{region}.amazonaws.com/{pool}";

impl Issuer {
    /// `template` is a profile's `token_issuer`, or [`AWS_ISSUER`].
    pub fn new(client: &Client, template: Option<&str>) -> Issuer {
        Issuer {
            client: client.clone(),
            template: template.unwrap_or(AWS_ISSUER).to_owned(),
            pools: Mutex::default(),
            lifetimes: Mutex::default(),
            memory: Mutex::default(),
        }
    }

    /// The `iss` a pool's tokens must carry.
    pub fn issuer(&self, pool_id: &str) -> String {
        let region = pool_id.split_once('_').map_or("", |(r, _)| r);
        self.template
            .replace("{region}", region)
            .replace("{pool}", pool_id)
    }

    /// Fetches what is not yet known about a pool and a client.
    pub async fn load(&self, pool_id: &str, client_id: &str) {
        let known = lock(&self.pools).contains_key(pool_id);
        if !known {
            let doc = |path: String| async move {
                match self.client.get(&path).await {
                    Ok(r) if r.status == 200 => serde_json::from_slice::<Value>(&r.body)
                        .map_err(|_| format!("GET /{path}: the body is not JSON")),
                    Ok(r) => Err(format!("GET /{path}: HTTP {}", r.status)),
                    Err(e) => Err(format!("GET /{path}: {e}")),
                }
            };
            let published = Published {
                jwks: doc(format!("{pool_id}/.well-known/jwks.json")).await,
                discovery: doc(format!("{pool_id}/.well-known/openid-configuration")).await,
            };
            lock(&self.pools).insert(pool_id.to_owned(), Arc::new(published));
        }
        let key = (pool_id.to_owned(), client_id.to_owned());
        if client_id.is_empty() || lock(&self.lifetimes).contains_key(&key) {
            return;
        }
        let described = Provisioner::new(&self.client)
            .call(
                "DescribeUserPoolClient",
                json!({"UserPoolId": pool_id, "ClientId": client_id}),
            )
            .await
            .ok();
        let of = |kind: &str| {
            described
                .as_ref()
                .and_then(|d| d.get("UserPoolClient"))
                .map_or(DEFAULT_VALIDITY, |c| lifetime(c, kind))
        };
        let lifetimes = (of("AccessToken"), of("IdToken"));
        lock(&self.lifetimes).insert(key, lifetimes);
    }

    /// Adds the `token` check to a verdict from what is already known (see [`Issuer::load`]).
    pub fn judge(&self, verdict: &mut Verdict, exchange: &Exchange, pool_id: &str) {
        let sent: Value = serde_json::from_slice(&exchange.sent.body).unwrap_or(Value::Null);
        let client_id = sent.get("ClientId").and_then(Value::as_str).unwrap_or("");
        let published = lock(&self.pools).get(pool_id).cloned();
        let lifetimes = lock(&self.lifetimes)
            .get(&(pool_id.to_owned(), client_id.to_owned()))
            .copied()
            .unwrap_or((DEFAULT_VALIDITY, DEFAULT_VALIDITY));
        let issuer = self.issuer(pool_id);
        let refreshed_from = ["/AuthParameters/REFRESH_TOKEN", "/RefreshToken"]
            .iter()
            .find_map(|p| sent.pointer(p).and_then(Value::as_str));
        let expected = published.as_deref().map(|published| Expected {
            published,
            pool_id,
            issuer: &issuer,
            client_id,
            access_validity: lifetimes.0,
            id_validity: lifetimes.1,
            now: crate::time::now_unix(),
            refreshed_from,
        });
        apply_tokens(
            verdict,
            exchange,
            expected.as_ref(),
            &mut lock(&self.memory),
        );
    }

    /// [`Issuer::judge`], fetching first what an answer with tokens needs.
    pub async fn judge_loading(&self, verdict: &mut Verdict, exchange: &Exchange, pool_id: &str) {
        let body = exchange
            .result
            .as_ref()
            .ok()
            .filter(|r| r.status == 200)
            .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok());
        if !body.as_ref().is_some_and(has_tokens) {
            return;
        }
        let sent: Value = serde_json::from_slice(&exchange.sent.body).unwrap_or(Value::Null);
        let client_id = sent.get("ClientId").and_then(Value::as_str).unwrap_or("");
        self.load(pool_id, client_id).await;
        self.judge(verdict, exchange, pool_id);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A token lifetime from a described client: `<kind>Validity` in its `TokenValidityUnits` unit
/// (hours by default), or an hour when the client sets none.
fn lifetime(client: &Value, kind: &str) -> u64 {
    let Some(value) = client
        .get(format!("{kind}Validity"))
        .and_then(Value::as_u64)
    else {
        return DEFAULT_VALIDITY;
    };
    let unit = client
        .pointer(&format!("/TokenValidityUnits/{kind}"))
        .and_then(Value::as_str)
        .unwrap_or("hours");
    value
        * match unit {
            "seconds" => 1,
            "minutes" => 60,
            "days" => 86_400,
            _ => 3600,
        }
}
