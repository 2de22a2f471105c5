//! Targets: where requests go, whether the harness may send them there, and provisioning. A run
//! provisions a user pool, clients and users in known states through the real admin operations
//! (so the same code works on any implementation of the API), and deletes the pool afterwards.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::generate::Request;
pub use crate::model::wire::secret_hash;
use crate::model::wire::{target_of, JSON_1_1};
use crate::redact;
use crate::replay::{Client, Fill, NoFill, TransportError};

#[derive(Debug, Error)]
pub enum TargetError {
    #[error("{0:?} is not an http:// or https:// URL")]
    BadUrl(String),
    #[error("{0} is not a loopback address; pass --allow-live to send requests to a live service")]
    NotLoopback(String),
    #[error("provisioning: {operation} could not reach the target: {error}")]
    Unreachable {
        operation: String,
        error: TransportError,
    },
    #[error("provisioning: {operation} answered HTTP {status}: {body}")]
    Refused {
        operation: String,
        status: u16,
        body: String,
    },
    #[error("provisioning: {operation} answered without {what}")]
    Incomplete { operation: String, what: String },
    #[error("resetting the target with POST {path}: {why}")]
    Reset { path: String, why: String },
}

/// Checks that `url` is http(s) and, unless `allow_live`, that it names 127.0.0.0/8, ::1 or
/// localhost.
pub fn check_url(url: &str, allow_live: bool) -> Result<(), TargetError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| TargetError::BadUrl(url.to_owned()))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    if host.is_empty() {
        return Err(TargetError::BadUrl(url.to_owned()));
    }
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if loopback || allow_live {
        Ok(())
    } else {
        Err(TargetError::NotLoopback(host.to_owned()))
    }
}

/// Clears a target's state with a POST to `path` (moto's `/moto-api/reset`).
pub async fn reset(client: &Client, path: &str) -> Result<(), TargetError> {
    let why = |why: String| TargetError::Reset {
        path: path.to_owned(),
        why,
    };
    let status = client.post_empty(path).await.map_err(why)?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(why(format!("HTTP {status}")))
    }
}

/// An app client the fixture created.
#[derive(Debug, Clone)]
pub struct AppClient {
    pub id: String,
    pub secret: Option<String>,
}

/// What provisioning made: the values behind the `{{cognate:...}}` placeholders.
#[derive(Debug, Clone, Default)]
pub struct Fixture {
    pub pool_id: String,
    /// By key: `legacy`, `enabled`, `secret`.
    pub clients: BTreeMap<String, AppClient>,
    /// Usernames by key: `email`, `phone`, `unverified`, `disabled`, `unconfirmed`, `nocode`.
    pub users: BTreeMap<String, String>,
}

/// The permanent password every confirmed fixture user gets; it satisfies the pool policy.
pub const USER_PASSWORD: &str = "Cognate-Passw0rd!";

impl Fixture {
    /// Every secret the fixture holds: the users' password, the client secrets, and the secret
    /// hashes of each client with a secret for each user. Reports redact them wherever they
    /// turn up.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = vec![USER_PASSWORD.to_owned()];
        for c in self.clients.values() {
            if let Some(secret) = &c.secret {
                out.push(secret.clone());
                for user in self.users.values() {
                    out.push(secret_hash(secret, user, &c.id));
                }
            }
        }
        out
    }

    fn user(&self, key: &str) -> String {
        // A name that is not a fixture key is a literal username.
        let key = key.strip_prefix("user.").unwrap_or(key);
        self.users
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_owned())
    }
}

impl Fill for Fixture {
    fn fill(&self, name: &str) -> Option<String> {
        if name == "pool" {
            return Some(self.pool_id.clone());
        }
        if let Some(k) = name.strip_prefix("client.") {
            return self.clients.get(k).map(|c| c.id.clone());
        }
        if let Some(k) = name.strip_prefix("user.") {
            return self.users.get(k).cloned();
        }
        if let Some(rest) = name.strip_prefix("secret_hash:") {
            let (client, user) = rest.split_once(':')?;
            let c = self.clients.get(client.strip_prefix("client.")?)?;
            return Some(secret_hash(c.secret.as_deref()?, &self.user(user), &c.id));
        }
        None
    }
}

/// The keys of the fixture's users (`user.<key>` in a pack).
pub fn fixture_user_keys() -> impl Iterator<Item = &'static str> {
    USERS.iter().map(|u| u.key)
}

/// One user of the fixture: key, username, attributes, and what happens after creation.
struct UserSpec {
    key: &'static str,
    attributes: &'static [(&'static str, &'static str)],
    confirmed: bool,
    disabled: bool,
}

const USERS: &[UserSpec] = &[
    UserSpec {
        key: "email",
        attributes: &[
            ("email", "cognate-email@example.com"),
            ("email_verified", "true"),
        ],
        confirmed: true,
        disabled: false,
    },
    UserSpec {
        key: "phone",
        attributes: &[
            ("phone_number", "+15555550100"),
            ("phone_number_verified", "true"),
        ],
        confirmed: true,
        disabled: false,
    },
    UserSpec {
        key: "unverified",
        attributes: &[
            ("email", "cognate-unverified@example.com"),
            ("email_verified", "false"),
        ],
        confirmed: true,
        disabled: false,
    },
    UserSpec {
        key: "disabled",
        attributes: &[
            ("email", "cognate-disabled@example.com"),
            ("email_verified", "true"),
        ],
        confirmed: true,
        disabled: true,
    },
    UserSpec {
        key: "unconfirmed",
        attributes: &[
            ("email", "cognate-unconfirmed@example.com"),
            ("email_verified", "true"),
        ],
        confirmed: false,
        disabled: false,
    },
    UserSpec {
        key: "nocode",
        attributes: &[
            ("email", "cognate-nocode@example.com"),
            ("email_verified", "true"),
        ],
        confirmed: true,
        disabled: false,
    },
];

/// A user to create: what [`Provisioner::create_user`] needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    /// Attributes, `*_verified` flags included, as AdminCreateUser and AdminUpdateUserAttributes
    /// take them.
    pub attributes: Vec<(String, String)>,
    /// Given the permanent [`USER_PASSWORD`] (CONFIRMED); otherwise left in
    /// FORCE_CHANGE_PASSWORD with it as the temporary password.
    pub confirmed: bool,
    /// Disabled after creation (AdminDisableUser).
    pub disabled: bool,
}

/// Provisions through the admin operations and tears down with [`Provisioner::cleanup`].
pub struct Provisioner<'a> {
    client: &'a Client,
}

impl<'a> Provisioner<'a> {
    pub fn new(client: &'a Client) -> Self {
        Provisioner { client }
    }

    /// Calls an admin operation and returns its output, or why it could not.
    pub async fn call(&self, operation: &str, input: Value) -> Result<Value, TargetError> {
        let request = Request {
            target: Some(target_of(operation)),
            content_type: Some(JSON_1_1.to_owned()),
            body: input.to_string(),
            signed: true,
        };
        let ex = self.client.send(operation, &request, &NoFill).await;
        let resp = ex.result.map_err(|error| TargetError::Unreachable {
            operation: operation.to_owned(),
            error,
        })?;
        let body = String::from_utf8_lossy(&resp.body);
        if resp.status != 200 {
            // The provisioning inputs hold the fixture password: keep it out of the message.
            let secrets = vec![USER_PASSWORD.to_owned()];
            let mut shown = redact::redact(&body, &secrets);
            if shown.chars().count() > 300 {
                shown = shown.chars().take(300).collect::<String>() + "…";
            }
            return Err(TargetError::Refused {
                operation: operation.to_owned(),
                status: resp.status,
                body: shown,
            });
        }
        Ok(serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// A pool with a password policy and e-mail auto-verification, three clients and the users.
    /// `tag` keeps names apart when several runs share a target.
    pub async fn provision(&self, tag: &str) -> Result<Fixture, TargetError> {
        let mut fixture = self.provision_pool(tag, &Map::new()).await?;
        if let Err(e) = self.create_fixture_users(&mut fixture, tag).await {
            // Leave nothing behind on a half-provisioned target.
            let _ = self.cleanup(&fixture).await;
            return Err(e);
        }
        Ok(fixture)
    }

    /// The pool and its three clients, no users. `extra` members are added to (or replace those
    /// of) the CreateUserPool request: `AliasAttributes`, for a scenario that needs its own pool.
    pub async fn provision_pool(
        &self,
        tag: &str,
        extra: &Map<String, Value>,
    ) -> Result<Fixture, TargetError> {
        let incomplete = |operation: &str, what: &str| TargetError::Incomplete {
            operation: operation.to_owned(),
            what: what.to_owned(),
        };
        let mut input = json!({
            "PoolName": format!("cognate-{tag}"),
            "Policies": {"PasswordPolicy": {
                "MinimumLength": 8,
                "RequireUppercase": true,
                "RequireLowercase": true,
                "RequireNumbers": true,
                "RequireSymbols": true,
            }},
            "AutoVerifiedAttributes": ["email"],
            "AccountRecoverySetting": {"RecoveryMechanisms": [
                {"Name": "verified_email", "Priority": 1},
                {"Name": "verified_phone_number", "Priority": 2},
            ]},
        });
        if let Value::Object(m) = &mut input {
            for (k, v) in extra {
                m.insert(k.clone(), v.clone());
            }
        }
        let pool = self.call("CreateUserPool", input).await?;
        let pool_id = pool
            .pointer("/UserPool/Id")
            .and_then(Value::as_str)
            .ok_or_else(|| incomplete("CreateUserPool", "UserPool.Id"))?
            .to_owned();
        let mut fixture = Fixture {
            pool_id: pool_id.clone(),
            ..Fixture::default()
        };
        if let Err(e) = self.create_clients(&mut fixture).await {
            let _ = self.cleanup(&fixture).await;
            return Err(e);
        }
        Ok(fixture)
    }

    async fn create_clients(&self, fixture: &mut Fixture) -> Result<(), TargetError> {
        let pool_id = fixture.pool_id.clone();
        for (key, secret, prevent) in [
            ("legacy", false, "LEGACY"),
            ("enabled", false, "ENABLED"),
            ("secret", true, "LEGACY"),
        ] {
            let out = self
                .call(
                    "CreateUserPoolClient",
                    json!({
                        "UserPoolId": pool_id,
                        "ClientName": format!("cognate-{key}"),
                        "GenerateSecret": secret,
                        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                        "PreventUserExistenceErrors": prevent,
                    }),
                )
                .await?;
            let c = out.get("UserPoolClient");
            let id = c
                .and_then(|c| c.get("ClientId"))
                .and_then(Value::as_str)
                .ok_or_else(|| TargetError::Incomplete {
                    operation: "CreateUserPoolClient".into(),
                    what: "UserPoolClient.ClientId".into(),
                })?;
            let client_secret = c
                .and_then(|c| c.get("ClientSecret"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            if secret && client_secret.is_none() {
                return Err(TargetError::Incomplete {
                    operation: "CreateUserPoolClient".into(),
                    what: "UserPoolClient.ClientSecret for GenerateSecret=true".into(),
                });
            }
            fixture.clients.insert(
                key.to_owned(),
                AppClient {
                    id: id.to_owned(),
                    secret: client_secret,
                },
            );
        }
        Ok(())
    }

    async fn create_fixture_users(
        &self,
        fixture: &mut Fixture,
        tag: &str,
    ) -> Result<(), TargetError> {
        for u in USERS {
            let user = NewUser {
                username: format!("cognate-{}-{tag}", u.key),
                attributes: u
                    .attributes
                    .iter()
                    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                    .collect(),
                confirmed: u.confirmed,
                disabled: u.disabled,
            };
            self.create_user(&fixture.pool_id, &user).await?;
            fixture.users.insert(u.key.to_owned(), user.username);
        }
        Ok(())
    }

    /// Creates one user through the admin operations: AdminCreateUser (no message sent),
    /// AdminSetUserPassword when confirmed, AdminUpdateUserAttributes (some implementations
    /// ignore `*_verified` at creation), AdminDisableUser when disabled.
    pub async fn create_user(&self, pool_id: &str, u: &NewUser) -> Result<(), TargetError> {
        let attributes: Vec<Value> = u
            .attributes
            .iter()
            .map(|(n, v)| json!({"Name": n, "Value": v}))
            .collect();
        self.call(
            "AdminCreateUser",
            json!({
                "UserPoolId": pool_id,
                "Username": u.username,
                "UserAttributes": attributes,
                "TemporaryPassword": USER_PASSWORD,
                "MessageAction": "SUPPRESS",
            }),
        )
        .await?;
        if u.confirmed {
            self.call(
                "AdminSetUserPassword",
                json!({
                    "UserPoolId": pool_id,
                    "Username": u.username,
                    "Password": USER_PASSWORD,
                    "Permanent": true,
                }),
            )
            .await?;
        }
        self.call(
            "AdminUpdateUserAttributes",
            json!({
                "UserPoolId": pool_id,
                "Username": u.username,
                "UserAttributes": attributes,
            }),
        )
        .await?;
        if u.disabled {
            self.call(
                "AdminDisableUser",
                json!({"UserPoolId": pool_id, "Username": u.username}),
            )
            .await?;
        }
        Ok(())
    }

    pub async fn cleanup(&self, fixture: &Fixture) -> Result<(), TargetError> {
        self.call("DeleteUserPool", json!({"UserPoolId": fixture.pool_id}))
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_without_allow_live() {
        for ok in [
            "http://127.0.0.1:5000",
            "http://127.3.2.1/",
            "http://localhost:9229/x",
            "http://[::1]:8080",
        ] {
            check_url(ok, false).unwrap();
        }
        for live in [
            "https://cognito-idp.us-east-1.amazonaws.com",
            "http://10.0.0.1:5000",
            "http://192.168.1.2",
        ] {
            assert!(matches!(
                check_url(live, false),
                Err(TargetError::NotLoopback(_))
            ));
            check_url(live, true).unwrap();
        }
        assert!(matches!(
            check_url("ftp://127.0.0.1", false),
            Err(TargetError::BadUrl(_))
        ));
    }

    #[test]
    fn secret_hash_is_the_documented_hmac() {
        // HMAC-SHA256(key="secret", "alice" + "client") computed independently (Python hmac).
        assert_eq!(
            secret_hash("secret", "alice", "client"),
            "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0="
        );
    }

    #[test]
    fn fixture_fills_placeholders() {
        let mut f = Fixture {
            pool_id: "us-east-1_abc".into(),
            ..Fixture::default()
        };
        f.clients.insert(
            "secret".into(),
            AppClient {
                id: "cid".into(),
                secret: Some("secret".into()),
            },
        );
        f.users.insert("email".into(), "alice".into());
        assert_eq!(f.fill("client.secret").as_deref(), Some("cid"));
        assert_eq!(f.fill("user.email").as_deref(), Some("alice"));
        assert_eq!(
            f.fill("secret_hash:client.secret:user.email"),
            Some(secret_hash("secret", "alice", "cid"))
        );
        assert_eq!(
            f.fill("secret_hash:client.secret:bob"),
            Some(secret_hash("secret", "bob", "cid"))
        );
        assert_eq!(f.fill("client.none"), None);
    }
}
