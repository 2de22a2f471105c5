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
    let (loopback, host) = loopback(url)?;
    if loopback || allow_live {
        Ok(())
    } else {
        Err(TargetError::NotLoopback(host))
    }
}

/// Whether `url` names a loopback host, and the host.
pub fn loopback(url: &str) -> Result<(bool, String), TargetError> {
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
    Ok((loopback, host.to_owned()))
}

/// The tag every pool of a live run carries, its value the run id: what `cognate cleanup`
/// reports, and how a person tells a run's pools in the console.
pub const RUN_TAG: &str = "cognate:run";

/// The prefix of every name the harness gives a pool.
pub const NAME_PREFIX: &str = "cognate-";

/// What deleting a run's pools came to.
#[derive(Debug, Default)]
pub struct Sweep {
    pub deleted: Vec<String>,
    /// Pools still there, with why, and the AWS CLI command that deletes one.
    pub left: Vec<Leftover>,
}

#[derive(Debug, Clone)]
pub struct Leftover {
    pub pool_id: String,
    pub why: String,
    pub command: String,
}

impl Sweep {
    /// Lines for the terminal: one per pool left behind, with its command.
    pub fn render(&self) -> String {
        let mut out = format!(
            "cleanup: {} pool(s) deleted, {} left",
            self.deleted.len(),
            self.left.len()
        );
        for l in &self.left {
            out.push_str(&format!(
                "\n  not deleted: {} ({})\n    delete it with: {}",
                l.pool_id, l.why, l.command
            ));
        }
        out
    }
}

/// Deletes every pool in `pools` (newest first), with what stands in the way of a delete:
/// a domain, deletion protection.
pub async fn sweep(client: &Client, pools: &[String], region: &str) -> Sweep {
    let prov = Provisioner::new(client);
    let mut out = Sweep::default();
    for id in pools.iter().rev() {
        match prov.delete_pool(id).await {
            Ok(()) => out.deleted.push(id.clone()),
            Err(e) => out.left.push(Leftover {
                pool_id: id.clone(),
                why: e.to_string(),
                command: format!(
                    "aws cognito-idp delete-user-pool --region {region} --user-pool-id {id}"
                ),
            }),
        }
    }
    out
}

/// A pool `cognate cleanup` would delete.
#[derive(Debug, Clone)]
pub struct Found {
    pub pool_id: String,
    pub name: String,
    /// Seconds since the epoch, as ListUserPools says.
    pub created: Option<f64>,
    /// The `cognate:run` tag, where the pool has one.
    pub run: Option<String>,
}

/// The pools named `cognate-...` created at least `older_than` seconds before `now`: the
/// leftovers of earlier runs (`cognate cleanup`).
pub async fn leftovers(
    client: &Client,
    now: f64,
    older_than: f64,
) -> Result<Vec<Found>, TargetError> {
    let prov = Provisioner::new(client);
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({"MaxResults": 60});
        if let Some(t) = &token {
            input["NextToken"] = json!(t);
        }
        let page = prov.call("ListUserPools", input).await?;
        for p in page
            .get("UserPools")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(id), Some(name)) = (
                p.get("Id").and_then(Value::as_str),
                p.get("Name").and_then(Value::as_str),
            ) else {
                continue;
            };
            let created = p.get("CreationDate").and_then(Value::as_f64);
            let old = created.is_none_or(|c| now - c >= older_than);
            if name.starts_with(NAME_PREFIX) && old {
                found.push(Found {
                    pool_id: id.to_owned(),
                    name: name.to_owned(),
                    created,
                    run: None,
                });
            }
        }
        token = page
            .get("NextToken")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    for f in &mut found {
        // The tag is on DescribeUserPool only; a pool that vanished meanwhile keeps no tag.
        if let Ok(d) = prov
            .call("DescribeUserPool", json!({"UserPoolId": f.pool_id}))
            .await
        {
            f.run = d
                .pointer("/UserPool/UserPoolTags")
                .and_then(|t| t.get(RUN_TAG))
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
    }
    Ok(found)
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
    /// The pool's ARN, as CreateUserPool answered it (empty when it gave none).
    pub pool_arn: String,
    /// By key: `legacy`, `enabled`, `secret`.
    pub clients: BTreeMap<String, AppClient>,
    /// Usernames by key: `email`, `phone`, `unverified`, `disabled`, `unconfirmed`, `nocode`.
    pub users: BTreeMap<String, String>,
}

/// The permanent password every confirmed fixture user gets; it satisfies the pool policy.
pub const USER_PASSWORD: &str = "Cognate-Passw0rd!";
/// A second password that satisfies the policy (`{{cognate:new-password}}`): what a password
/// change or a NEW_PASSWORD_REQUIRED answer sets.
pub const NEW_PASSWORD: &str = "Cognate-Chang3d!";

impl Fixture {
    /// Every secret the fixture holds: the users' password, the client secrets, and the secret
    /// hashes of each client with a secret for each user. Reports redact them wherever they
    /// turn up.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = vec![USER_PASSWORD.to_owned(), NEW_PASSWORD.to_owned()];
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
        if name == "pool.arn" {
            return Some(self.pool_arn.clone()).filter(|a| !a.is_empty());
        }
        if name == "password" {
            return Some(USER_PASSWORD.to_owned());
        }
        if name == "new-password" {
            return Some(NEW_PASSWORD.to_owned());
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

/// The fixture as data (`fixtures/fixture.toml`): the pool's CreateUserPool members, the app
/// clients by key, the kinds of user and the fixture's users.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureSpec {
    pub pool: Map<String, Value>,
    /// Preserves the file's order: clients and users are created in it.
    pub clients: indexmap_like::Ordered<Map<String, Value>>,
    pub kinds: BTreeMap<String, UserKindSpec>,
    pub users: indexmap_like::Ordered<FixtureUser>,
}

/// A kind of user: the state it is created in.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserKindSpec {
    /// Attribute name → value; `{email}` and `{phone}` are the user's own.
    #[serde(default)]
    pub attributes: toml::Table,
    #[serde(default)]
    pub confirmed: bool,
    #[serde(default)]
    pub disabled: bool,
    /// False for a user that is only named: a scenario's steps create it (SignUp).
    #[serde(default = "yes")]
    pub created: bool,
}

fn yes() -> bool {
    true
}

/// One of the fixture's users.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureUser {
    pub kind: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
}

/// Ordered maps for the fixture file: TOML tables read in file order.
pub mod indexmap_like {
    use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

    /// `(key, value)` pairs in the order the file lists them.
    #[derive(Debug, Clone)]
    pub struct Ordered<V>(pub Vec<(String, V)>);

    impl<V> Ordered<V> {
        pub fn get(&self, key: &str) -> Option<&V> {
            self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
        }

        pub fn keys(&self) -> impl Iterator<Item = &str> {
            self.0.iter().map(|(k, _)| k.as_str())
        }
    }

    impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V2<V>(std::marker::PhantomData<V>);
            impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
                type Value = Ordered<V>;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a table")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Ordered<V>, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, v)) = m.next_entry::<String, V>()? {
                        out.push((k, v));
                    }
                    Ok(Ordered(out))
                }
            }
            d.deserialize_map(V2(std::marker::PhantomData))
        }
    }
}

static FIXTURE: std::sync::LazyLock<FixtureSpec> = std::sync::LazyLock::new(|| {
    let spec: FixtureSpec = toml::from_str(include_str!("../../fixtures/fixture.toml"))
        .expect("fixtures/fixture.toml parses (a test holds it)");
    for (key, u) in &spec.users.0 {
        assert!(
            spec.kinds.contains_key(&u.kind),
            "fixtures/fixture.toml: user {key} has an unknown kind {}",
            u.kind
        );
    }
    spec
});

/// The fixture as data, built into the binary.
pub fn fixture_spec() -> &'static FixtureSpec {
    &FIXTURE
}

/// The keys of the fixture's users (`user.<key>` in a pack).
pub fn fixture_user_keys() -> impl Iterator<Item = &'static str> {
    FIXTURE.users.keys()
}

impl FixtureSpec {
    /// The user to create for `username` of kind `kind` with these addresses, or `None` for a
    /// kind the file does not have.
    pub fn new_user(
        &self,
        kind: &str,
        username: &str,
        email: &str,
        phone: &str,
    ) -> Option<NewUser> {
        let k = self.kinds.get(kind)?;
        let attributes = k
            .attributes
            .iter()
            .map(|(n, v)| {
                let v = v.as_str().unwrap_or_default();
                (
                    n.clone(),
                    v.replace("{email}", email).replace("{phone}", phone),
                )
            })
            .collect();
        Some(NewUser {
            username: username.to_owned(),
            attributes,
            confirmed: k.confirmed,
            disabled: k.disabled,
        })
    }
}

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
            forgery: Default::default(),
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
        self.provision_with(tag, &Map::new()).await
    }

    /// [`Provisioner::provision`] with more CreateUserPool members (a live run's tags).
    pub async fn provision_with(
        &self,
        tag: &str,
        extra: &Map<String, Value>,
    ) -> Result<Fixture, TargetError> {
        let mut fixture = self.provision_pool(tag, extra).await?;
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
        let mut m = Map::new();
        m.insert("PoolName".into(), json!(format!("cognate-{tag}")));
        for (k, v) in FIXTURE.pool.iter().chain(extra) {
            m.insert(k.clone(), v.clone());
        }
        let input = Value::Object(m);
        let pool = self.call("CreateUserPool", input).await?;
        let pool_id = pool
            .pointer("/UserPool/Id")
            .and_then(Value::as_str)
            .ok_or_else(|| incomplete("CreateUserPool", "UserPool.Id"))?
            .to_owned();
        let mut fixture = Fixture {
            pool_id: pool_id.clone(),
            pool_arn: pool
                .pointer("/UserPool/Arn")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
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
        for (key, members) in &FIXTURE.clients.0 {
            let mut m = Map::new();
            m.insert("UserPoolId".into(), json!(pool_id));
            m.insert("ClientName".into(), json!(format!("cognate-{key}")));
            for (k, v) in members {
                m.insert(k.clone(), v.clone());
            }
            let secret = members.get("GenerateSecret") == Some(&Value::Bool(true));
            let out = self.call("CreateUserPoolClient", Value::Object(m)).await?;
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
        for (key, u) in &FIXTURE.users.0 {
            let username = format!("cognate-{key}-{tag}");
            let user = FIXTURE
                .new_user(&u.kind, &username, &u.email, &u.phone)
                .expect("every fixture user's kind is checked at load");
            self.create_user(&fixture.pool_id, &user).await?;
            fixture.users.insert(key.clone(), user.username);
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

    /// Deletes a pool; when the delete is refused, removes what stands in its way (a domain,
    /// deletion protection) and tries once more.
    pub async fn delete_pool(&self, pool_id: &str) -> Result<(), TargetError> {
        let delete = || self.call("DeleteUserPool", json!({"UserPoolId": pool_id}));
        let first = match delete().await {
            Ok(_) => return Ok(()),
            Err(TargetError::Refused { body, .. }) if body.contains("ResourceNotFound") => {
                return Ok(())
            }
            Err(e) => e,
        };
        let Ok(d) = self
            .call("DescribeUserPool", json!({"UserPoolId": pool_id}))
            .await
        else {
            return Err(first);
        };
        let pool = d.get("UserPool").cloned().unwrap_or_default();
        for key in ["Domain", "CustomDomain"] {
            if let Some(domain) = pool.get(key).and_then(Value::as_str) {
                let _ = self
                    .call(
                        "DeleteUserPoolDomain",
                        json!({"UserPoolId": pool_id, "Domain": domain}),
                    )
                    .await;
            }
        }
        if pool.get("DeletionProtection").and_then(Value::as_str) == Some("ACTIVE") {
            let _ = self
                .call(
                    "UpdateUserPool",
                    json!({"UserPoolId": pool_id, "DeletionProtection": "INACTIVE"}),
                )
                .await;
        }
        delete().await.map(|_| ())
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
    fn the_fixture_file_loads_and_its_clients_are_the_placeholders() {
        let spec = fixture_spec();
        let clients: Vec<&str> = spec.clients.keys().collect();
        assert_eq!(clients, crate::placeholder::CLIENTS);
        let users: Vec<&str> = fixture_user_keys().collect();
        assert_eq!(
            users,
            [
                "email",
                "phone",
                "unverified",
                "disabled",
                "unconfirmed",
                "nocode"
            ]
        );
        let u = spec
            .new_user("phone", "u", "e@example.com", "+15555550100")
            .unwrap();
        assert_eq!(
            u.attributes,
            [
                ("phone_number".to_owned(), "+15555550100".to_owned()),
                ("phone_number_verified".to_owned(), "true".to_owned())
            ]
        );
        assert!(u.confirmed && !u.disabled);
        assert!(spec.new_user("robot", "u", "", "").is_none());
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
