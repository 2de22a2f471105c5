//! The reference target's in-memory state (user pools → clients, users, codes) and the
//! semantics of the operations it implements. Pure: input values, the time and the seeded
//! generator come in through the arguments.
//!
//! Evidence rows cited below are in `aws-behaviour.md` §4 unless noted.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::distr::{Alphanumeric, SampleString};
use rand::Rng;
use serde_json::{json, Map, Value};

use super::{empty, uuid_like, ApiError, Ctx};
use crate::model::wire::secret_hash;

/// Forgot-password codes are valid for one hour (§4 "expired or already-used code",
/// amazon-archives/amazon-cognito-identity-js#189).
pub const CODE_VALIDITY: Duration = Duration::from_secs(3600);
/// Wrong codes accepted since the last one was issued before LimitExceededException: five
/// CodeMismatchException, then the limit (§4 "attempt limit: wrong codes in a row", conf. B).
pub const MAX_CODE_ATTEMPTS: u32 = 5;

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "000000000000";
const FORCE_CHANGE_PASSWORD: &str = "FORCE_CHANGE_PASSWORD";
const CONFIRMED: &str = "CONFIRMED";
const UNCONFIRMED: &str = "UNCONFIRMED";

/// The characters Cognito counts as symbols in a password policy.
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

/// PasswordPolicyType, with the defaults filled in.
#[derive(Debug, Clone)]
struct PasswordPolicy {
    min_length: i64,
    uppercase: bool,
    lowercase: bool,
    numbers: bool,
    symbols: bool,
    temporary_validity_days: i64,
    history_size: Option<i64>,
}

impl PasswordPolicy {
    fn from_input(p: Option<&Value>) -> Self {
        let flag = |k: &str| p.and_then(|p| p.get(k)).and_then(Value::as_bool);
        let int = |k: &str| p.and_then(|p| p.get(k)).and_then(Value::as_i64);
        PasswordPolicy {
            min_length: int("MinimumLength").unwrap_or(8),
            uppercase: flag("RequireUppercase").unwrap_or(true),
            lowercase: flag("RequireLowercase").unwrap_or(true),
            numbers: flag("RequireNumbers").unwrap_or(true),
            symbols: flag("RequireSymbols").unwrap_or(true),
            temporary_validity_days: int("TemporaryPasswordValidityDays").unwrap_or(7),
            history_size: int("PasswordHistorySize"),
        }
    }

    fn to_json(&self) -> Value {
        let mut p = json!({
            "MinimumLength": self.min_length,
            "RequireUppercase": self.uppercase,
            "RequireLowercase": self.lowercase,
            "RequireNumbers": self.numbers,
            "RequireSymbols": self.symbols,
            "TemporaryPasswordValidityDays": self.temporary_validity_days,
        });
        if let Some(h) = self.history_size {
            p["PasswordHistorySize"] = json!(h);
        }
        p
    }

    /// The first rule the password breaks, in the wording of §4 "password breaks the pool
    /// policy" (data-dot-all/dataall#690; the other reasons are the expected forms).
    fn check(&self, password: &str) -> Result<(), ApiError> {
        let reason = if (password.chars().count() as i64) < self.min_length {
            Some("Password not long enough")
        } else if self.uppercase && !password.chars().any(|c| c.is_ascii_uppercase()) {
            Some("Password must have uppercase characters")
        } else if self.lowercase && !password.chars().any(|c| c.is_ascii_lowercase()) {
            Some("Password must have lowercase characters")
        } else if self.numbers && !password.chars().any(|c| c.is_ascii_digit()) {
            Some("Password must have numeric characters")
        } else if self.symbols && !password.chars().any(|c| SYMBOLS.contains(c)) {
            Some("Password must have symbol characters")
        } else {
            None
        };
        match reason {
            None => Ok(()),
            Some(r) => Err(ApiError::new(
                "InvalidPasswordException",
                format!("Password did not conform with password policy: {r}"),
            )),
        }
    }
}

#[derive(Debug, Clone)]
struct Code {
    value: String,
    issued: SystemTime,
}

/// The six-digit codes a user was issued before the current one, as one bit each: a long run
/// issues hundreds of thousands, and membership is asked on every new code.
#[derive(Debug, Clone, Default)]
struct SpentCodes(Option<Box<[u64]>>);

impl SpentCodes {
    const CODES: usize = 1_000_000;

    /// The bit of a code the reference issues (`{:06}`); `None` for any other string.
    fn bit(code: &str) -> Option<usize> {
        (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()))
            .then(|| code.parse().ok())
            .flatten()
    }

    fn insert(&mut self, code: &str) {
        if let Some(i) = Self::bit(code) {
            let bits = self
                .0
                .get_or_insert_with(|| vec![0u64; Self::CODES.div_ceil(64)].into_boxed_slice());
            bits[i / 64] |= 1 << (i % 64);
        }
    }

    fn contains(&self, code: &str) -> bool {
        match (&self.0, Self::bit(code)) {
            (Some(bits), Some(i)) => bits[i / 64] & (1 << (i % 64)) != 0,
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
struct User {
    username: String,
    attributes: Vec<(String, String)>,
    enabled: bool,
    status: String,
    password: Option<String>,
    created: SystemTime,
    modified: SystemTime,
    /// The outstanding forgot-password code.
    code: Option<Code>,
    /// Codes issued to this user earlier: superseded by a newer one, or used.
    spent_codes: SpentCodes,
    /// Wrong codes since the last code was issued.
    failed_attempts: u32,
}

impl User {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn verified(&self, attr: &str) -> bool {
        self.attr(attr).is_some_and(|v| !v.is_empty())
            && self.attr(&format!("{attr}_verified")) == Some("true")
    }

    fn set_attr(&mut self, name: &str, value: &str) {
        match self.attributes.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value.to_owned(),
            None => self.attributes.push((name.to_owned(), value.to_owned())),
        }
    }

    fn attributes_json(&self) -> Value {
        Value::Array(
            self.attributes
                .iter()
                .map(|(k, v)| json!({"Name": k, "Value": v}))
                .collect(),
        )
    }

    fn user_type(&self) -> Value {
        json!({
            "Username": self.username,
            "Attributes": self.attributes_json(),
            "UserCreateDate": epoch(self.created),
            "UserLastModifiedDate": epoch(self.modified),
            "Enabled": self.enabled,
            "UserStatus": self.status,
        })
    }
}

#[derive(Debug, Clone)]
struct Client {
    id: String,
    name: String,
    secret: Option<String>,
    explicit_auth_flows: Vec<String>,
    /// PreventUserExistenceErrors = ENABLED; LEGACY (the API default, §4) otherwise.
    hide_existence: bool,
    created: SystemTime,
    modified: SystemTime,
    echo: Map<String, Value>,
}

impl Client {
    fn to_json(&self, pool_id: &str) -> Value {
        let mut c = Map::new();
        c.insert("UserPoolId".into(), json!(pool_id));
        c.insert("ClientName".into(), json!(self.name));
        c.insert("ClientId".into(), json!(self.id));
        if let Some(s) = &self.secret {
            c.insert("ClientSecret".into(), json!(s));
        }
        c.insert("LastModifiedDate".into(), json!(epoch(self.modified)));
        c.insert("CreationDate".into(), json!(epoch(self.created)));
        for (k, v) in &self.echo {
            c.insert(k.clone(), v.clone());
        }
        if !self.explicit_auth_flows.is_empty() {
            c.insert("ExplicitAuthFlows".into(), json!(self.explicit_auth_flows));
        }
        c.insert(
            "PreventUserExistenceErrors".into(),
            json!(if self.hide_existence {
                "ENABLED"
            } else {
                "LEGACY"
            }),
        );
        Value::Object(c)
    }
}

#[derive(Debug, Clone)]
struct Pool {
    id: String,
    name: String,
    created: SystemTime,
    modified: SystemTime,
    policy: PasswordPolicy,
    sign_in_policy: Option<Value>,
    username_attributes: Vec<String>,
    alias_attributes: Vec<String>,
    /// AccountRecoverySetting mechanism names by priority, when the pool sets them.
    recovery: Option<Vec<String>>,
    case_sensitive: bool,
    /// Input members echoed into UserPoolType as given.
    echo: Map<String, Value>,
    clients: BTreeMap<String, Client>,
    users: BTreeMap<String, User>,
}

impl Pool {
    fn to_json(&self) -> Value {
        let mut p = Map::new();
        p.insert("Id".into(), json!(self.id));
        p.insert("Name".into(), json!(self.name));
        let mut policies = json!({"PasswordPolicy": self.policy.to_json()});
        if let Some(s) = &self.sign_in_policy {
            policies["SignInPolicy"] = s.clone();
        }
        p.insert("Policies".into(), policies);
        p.insert("LastModifiedDate".into(), json!(epoch(self.modified)));
        p.insert("CreationDate".into(), json!(epoch(self.created)));
        p.insert(
            "EstimatedNumberOfUsers".into(),
            json!(self.users.len() as i64),
        );
        p.insert(
            "Arn".into(),
            json!(format!(
                "arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{}",
                self.id
            )),
        );
        for (k, v) in &self.echo {
            p.insert(k.clone(), v.clone());
        }
        Value::Object(p)
    }

    fn same_name(&self, a: &str, b: &str) -> bool {
        if self.case_sensitive {
            a == b
        } else {
            a.to_lowercase() == b.to_lowercase()
        }
    }

    /// The stored username a sign-in name refers to: the username itself, else an attribute
    /// the pool uses as username (UsernameAttributes), else an alias (AliasAttributes; e-mail and
    /// phone aliases only once verified).
    fn resolve(&self, name: &str) -> Option<String> {
        if self.users.contains_key(name) {
            return Some(name.to_owned());
        }
        if let Some(u) = self
            .users
            .values()
            .find(|u| self.same_name(&u.username, name))
        {
            return Some(u.username.clone());
        }
        for attr in &self.username_attributes {
            if let Some(u) = self
                .users
                .values()
                .find(|u| u.attr(attr).is_some_and(|v| self.same_name(v, name)))
            {
                return Some(u.username.clone());
            }
        }
        for attr in &self.alias_attributes {
            let needs_verification = attr == "email" || attr == "phone_number";
            if let Some(u) = self.users.values().find(|u| {
                u.attr(attr).is_some_and(|v| self.same_name(v, name))
                    && (!needs_verification || u.verified(attr))
            }) {
                return Some(u.username.clone());
            }
        }
        None
    }

    fn user_mut(&mut self, name: &str) -> Result<&mut User, ApiError> {
        let key = self.resolve(name).ok_or_else(user_not_found)?;
        self.users.get_mut(&key).ok_or_else(user_not_found)
    }

    /// Where a recovery code goes: verified e-mail first, else verified phone, unless the
    /// pool's AccountRecoverySetting orders them otherwise.
    fn recovery_delivery(&self, user: &User) -> Option<Value> {
        let default = [
            "verified_email".to_owned(),
            "verified_phone_number".to_owned(),
        ];
        let order = self.recovery.as_deref().unwrap_or(&default);
        for mechanism in order {
            match mechanism.as_str() {
                "verified_email" if user.verified("email") => {
                    return Some(delivery(
                        "EMAIL",
                        "email",
                        mask_email(user.attr("email").unwrap_or_default()),
                    ));
                }
                "verified_phone_number" if user.verified("phone_number") => {
                    return Some(delivery(
                        "SMS",
                        "phone_number",
                        mask_phone(user.attr("phone_number").unwrap_or_default()),
                    ));
                }
                _ => {}
            }
        }
        None
    }
}

fn delivery(medium: &str, attr: &str, destination: String) -> Value {
    json!({
        "Destination": destination,
        "DeliveryMedium": medium,
        "AttributeName": attr,
    })
}

/// `alice@example.com` → `a***@e***`, the masking of §4 "successful ForgotPassword" (moto's
/// `aws_verified` test).
fn mask_email(email: &str) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}***@{}***", first(local), first(domain))
}

/// `+15555551234` → `+*******1234`.
fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let keep = chars.len().min(4);
    let (head, tail) = chars.split_at(chars.len() - keep);
    let mut out = String::new();
    for (i, c) in head.iter().enumerate() {
        out.push(if i == 0 && *c == '+' { '+' } else { '*' });
    }
    out.extend(tail);
    out
}

fn epoch(t: SystemTime) -> f64 {
    let ms = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    ms as f64 / 1000.0
}

fn user_not_found() -> ApiError {
    // §4 "generic user not found (other operations)".
    ApiError::new("UserNotFoundException", "User does not exist.")
}

fn pool_not_found(id: &str) -> ApiError {
    // §4 "unknown user pool (admin operations)".
    ApiError::new(
        "ResourceNotFoundException",
        format!("User pool {id} does not exist."),
    )
}

fn str_of<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn attributes(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    let name = str_of(x, "Name")?;
                    Some((
                        name.to_owned(),
                        str_of(x, "Value").unwrap_or_default().to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn lowercase_alnum(rng: &mut impl Rng, n: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..n)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// Where a public operation carries its secret hash, which decides the missing-hash wording.
#[derive(Clone, Copy)]
enum HashCarrier {
    /// The `SecretHash` member (ForgotPassword, ConfirmForgotPassword, SignUp, ...).
    Member,
    /// `SECRET_HASH` in AuthParameters (InitiateAuth).
    AuthParameter,
}

/// The secret checks of the public operations (§4 rows "client has a secret, SecretHash left
/// out", "client has a secret, SECRET_HASH left out", "wrong SecretHash", "SecretHash sent to a
/// client without a secret"). The hash is accepted when it was computed over any of `names`
/// (the name the caller sent, or the stored username it resolves to).
fn check_secret(
    client: &Client,
    given: Option<&str>,
    names: &[&str],
    carrier: HashCarrier,
) -> Result<(), ApiError> {
    let id = &client.id;
    match (&client.secret, given) {
        (Some(_), None) => Err(ApiError::not_authorized(match carrier {
            HashCarrier::Member => {
                format!("Client {id} is configured for secret but secret was not received")
            }
            HashCarrier::AuthParameter => {
                format!("Client {id} is configured with secret but SECRET_HASH was not received")
            }
        })),
        (Some(secret), Some(hash)) => {
            if names.iter().any(|n| secret_hash(secret, n, id) == hash) {
                Ok(())
            } else {
                Err(ApiError::not_authorized(format!(
                    "Unable to verify secret hash for client {id}"
                )))
            }
        }
        (None, Some(_)) => Err(ApiError::invalid_parameter(format!(
            "Client {id} is not configured for secret but secret hash was received"
        ))),
        (None, None) => Ok(()),
    }
}

/// Members of CreateUserPoolRequest that UserPoolType carries under the same name and shape.
const POOL_ECHO: &[&str] = &[
    "DeletionProtection",
    "LambdaConfig",
    "AutoVerifiedAttributes",
    "AliasAttributes",
    "UsernameAttributes",
    "SmsVerificationMessage",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "VerificationMessageTemplate",
    "SmsAuthenticationMessage",
    "UserAttributeUpdateSettings",
    "MfaConfiguration",
    "DeviceConfiguration",
    "EmailConfiguration",
    "SmsConfiguration",
    "UserPoolTags",
    "AdminCreateUserConfig",
    "UserPoolAddOns",
    "UsernameConfiguration",
    "AccountRecoverySetting",
    "UserPoolTier",
];

/// Members of CreateUserPoolClientRequest that UserPoolClientType carries as given.
const CLIENT_ECHO: &[&str] = &[
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration",
    "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData",
    "AuthSessionValidity",
    "RefreshTokenRotation",
];

/// Every user pool, and which pool each client id belongs to.
#[derive(Debug, Default, Clone)]
pub(crate) struct State {
    pools: BTreeMap<String, Pool>,
    clients: HashMap<String, String>,
}

impl State {
    /// Runs one validated operation.
    pub fn dispatch(
        &mut self,
        op: &str,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        match op {
            "CreateUserPool" => self.create_user_pool(input, ctx),
            "DeleteUserPool" => self.delete_user_pool(input),
            "CreateUserPoolClient" => self.create_user_pool_client(input, ctx),
            "AdminCreateUser" => self.admin_create_user(input, ctx),
            "AdminSetUserPassword" => self.admin_set_user_password(input, ctx),
            "AdminUpdateUserAttributes" => self.admin_update_user_attributes(input, ctx),
            "AdminDisableUser" => self.admin_set_enabled(input, false, ctx),
            "AdminEnableUser" => self.admin_set_enabled(input, true, ctx),
            "AdminGetUser" => self.admin_get_user(input),
            "AdminDeleteUser" => self.admin_delete_user(input),
            "ForgotPassword" => self.forgot_password(input, ctx),
            "ConfirmForgotPassword" => self.confirm_forgot_password(input, ctx),
            "InitiateAuth" => self.initiate_auth(input, ctx),
            other => Err(ApiError::not_implemented(other)),
        }
    }

    /// The outstanding code of a user, if any (the harness's code source).
    pub fn pending_code(&self, pool_id: &str, username: &str) -> Option<String> {
        let pool = self.pools.get(pool_id)?;
        let key = pool.resolve(username)?;
        pool.users.get(&key)?.code.as_ref().map(|c| c.value.clone())
    }

    fn pool_mut(&mut self, input: &Value) -> Result<&mut Pool, ApiError> {
        let id = str_of(input, "UserPoolId").unwrap_or_default();
        self.pools.get_mut(id).ok_or_else(|| pool_not_found(id))
    }

    /// The pool id and client a public operation names: §4 "unknown ClientId".
    fn client(&self, input: &Value) -> Result<(String, Client), ApiError> {
        let id = str_of(input, "ClientId").unwrap_or_default();
        let not_found = || {
            ApiError::new(
                "ResourceNotFoundException",
                format!("User pool client {id} does not exist."),
            )
        };
        let pool_id = self.clients.get(id).ok_or_else(not_found)?;
        let client = self
            .pools
            .get(pool_id)
            .and_then(|p| p.clients.get(id))
            .ok_or_else(not_found)?;
        Ok((pool_id.clone(), client.clone()))
    }

    fn create_user_pool(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let username_attributes = strings(input.get("UsernameAttributes"));
        let alias_attributes = strings(input.get("AliasAttributes"));
        if !username_attributes.is_empty() && !alias_attributes.is_empty() {
            return Err(ApiError::invalid_parameter(
                "Only one of AliasAttributes or UsernameAttributes can be set in a User Pool.",
            ));
        }
        let id = loop {
            let id = format!("{REGION}_{}", Alphanumeric.sample_string(&mut *ctx.rng, 9));
            if !self.pools.contains_key(&id) {
                break id;
            }
        };
        let policies = input.get("Policies");
        let recovery = input
            .pointer("/AccountRecoverySetting/RecoveryMechanisms")
            .and_then(Value::as_array)
            .map(|list| {
                let mut named: Vec<(i64, String)> = list
                    .iter()
                    .filter_map(|m| {
                        Some((
                            m.get("Priority").and_then(Value::as_i64).unwrap_or(0),
                            str_of(m, "Name")?.to_owned(),
                        ))
                    })
                    .collect();
                named.sort_by_key(|(p, _)| *p);
                named.into_iter().map(|(_, n)| n).collect()
            });
        let mut echo = Map::new();
        for k in POOL_ECHO {
            if let Some(v) = input.get(*k) {
                echo.insert((*k).to_owned(), v.clone());
            }
        }
        for (k, v) in [
            ("DeletionProtection", json!("INACTIVE")),
            ("MfaConfiguration", json!("OFF")),
            (
                "AdminCreateUserConfig",
                json!({"AllowAdminCreateUserOnly": false, "UnusedAccountValidityDays": 7}),
            ),
        ] {
            echo.entry(k).or_insert(v);
        }
        let pool = Pool {
            id: id.clone(),
            name: str_of(input, "PoolName").unwrap_or_default().to_owned(),
            created: ctx.now,
            modified: ctx.now,
            policy: PasswordPolicy::from_input(policies.and_then(|p| p.get("PasswordPolicy"))),
            sign_in_policy: policies.and_then(|p| p.get("SignInPolicy")).cloned(),
            username_attributes,
            alias_attributes,
            recovery,
            case_sensitive: input
                .pointer("/UsernameConfiguration/CaseSensitive")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            echo,
            clients: BTreeMap::new(),
            users: BTreeMap::new(),
        };
        let out = json!({"UserPool": pool.to_json()});
        self.pools.insert(id, pool);
        Ok(out)
    }

    fn delete_user_pool(&mut self, input: &Value) -> Result<Value, ApiError> {
        let id = str_of(input, "UserPoolId").unwrap_or_default();
        let pool = self.pools.remove(id).ok_or_else(|| pool_not_found(id))?;
        for client in pool.clients.keys() {
            self.clients.remove(client);
        }
        Ok(empty())
    }

    fn create_user_pool_client(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let taken: Vec<String> = self.clients.keys().cloned().collect();
        let pool = self.pool_mut(input)?;
        let id = loop {
            let id = lowercase_alnum(&mut *ctx.rng, 26);
            if !taken.contains(&id) {
                break id;
            }
        };
        let secret = match str_of(input, "ClientSecret") {
            Some(s) => Some(s.to_owned()),
            None if input.get("GenerateSecret").and_then(Value::as_bool) == Some(true) => {
                Some(lowercase_alnum(&mut *ctx.rng, 51))
            }
            None => None,
        };
        let mut echo = Map::new();
        for k in CLIENT_ECHO {
            if let Some(v) = input.get(*k) {
                echo.insert((*k).to_owned(), v.clone());
            }
        }
        for (k, v) in [
            ("RefreshTokenValidity", json!(30)),
            ("AllowedOAuthFlowsUserPoolClient", json!(false)),
            ("EnableTokenRevocation", json!(true)),
            ("EnablePropagateAdditionalUserContextData", json!(false)),
            ("AuthSessionValidity", json!(3)),
        ] {
            echo.entry(k).or_insert(v);
        }
        let client = Client {
            id: id.clone(),
            name: str_of(input, "ClientName").unwrap_or_default().to_owned(),
            secret,
            explicit_auth_flows: strings(input.get("ExplicitAuthFlows")),
            // §4: PreventUserExistenceErrors defaults to LEGACY in the API.
            hide_existence: str_of(input, "PreventUserExistenceErrors") == Some("ENABLED"),
            created: ctx.now,
            modified: ctx.now,
            echo,
        };
        let out = json!({"UserPoolClient": client.to_json(&pool.id)});
        let pool_id = pool.id.clone();
        pool.clients.insert(id.clone(), client);
        self.clients.insert(id, pool_id);
        Ok(out)
    }

    fn admin_create_user(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let given = str_of(input, "Username").unwrap_or_default();
        if str_of(input, "MessageAction") == Some("RESEND") {
            // RESEND re-sends the invitation of an existing user; nothing is sent here.
            let user = pool.user_mut(given)?;
            return Ok(json!({"User": user.user_type()}));
        }
        let mut attrs: Vec<(String, String)> = Vec::new();
        for (k, v) in attributes(input.get("UserAttributes")) {
            if k == "sub" {
                continue;
            }
            match attrs.iter_mut().find(|(n, _)| *n == k) {
                Some(slot) => slot.1 = v,
                None => attrs.push((k, v)),
            }
        }
        let sub = uuid_like(ctx.rng);
        let username = if pool.username_attributes.is_empty() {
            for alias in ["email", "phone_number"] {
                let looks = if alias == "email" {
                    given.contains('@')
                } else {
                    given.starts_with('+')
                };
                if looks && pool.alias_attributes.iter().any(|a| a == alias) {
                    return Err(ApiError::invalid_parameter(format!(
                        "Username cannot be of {alias} format, since user pool is configured \
                         for {alias} alias."
                    )));
                }
            }
            if pool
                .resolve(given)
                .is_some_and(|k| pool.same_name(&k, given))
            {
                return Err(ApiError::new(
                    "UsernameExistsException",
                    "User account already exists",
                ));
            }
            given.to_owned()
        } else {
            // The pool signs users in by e-mail or phone: the name becomes that attribute and the
            // stored username is the user's sub.
            let attr =
                if given.contains('@') && pool.username_attributes.iter().any(|a| a == "email") {
                    "email"
                } else if given.starts_with('+')
                    && pool.username_attributes.iter().any(|a| a == "phone_number")
                {
                    "phone_number"
                } else {
                    return Err(ApiError::invalid_parameter(
                        "Username should be either an email or a phone number.",
                    ));
                };
            if pool.resolve(given).is_some() {
                return Err(ApiError::new(
                    "UsernameExistsException",
                    format!("An account with the given {attr} already exists."),
                ));
            }
            match attrs.iter_mut().find(|(n, _)| n == attr) {
                Some(slot) => slot.1 = given.to_owned(),
                None => attrs.push((attr.to_owned(), given.to_owned())),
            }
            sub.clone()
        };
        let password = match str_of(input, "TemporaryPassword") {
            Some(p) => {
                pool.policy.check(p)?;
                p.to_owned()
            }
            None => temporary_password(&pool.policy, ctx.rng),
        };
        let mut attributes = vec![("sub".to_owned(), sub)];
        attributes.extend(attrs);
        let user = User {
            username: username.clone(),
            attributes,
            enabled: true,
            status: FORCE_CHANGE_PASSWORD.to_owned(),
            password: Some(password),
            created: ctx.now,
            modified: ctx.now,
            code: None,
            spent_codes: SpentCodes::default(),
            failed_attempts: 0,
        };
        let out = json!({"User": user.user_type()});
        pool.users.insert(username, user);
        pool.modified = ctx.now;
        Ok(out)
    }

    fn admin_set_user_password(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let password = str_of(input, "Password").unwrap_or_default();
        let policy = pool.policy.clone();
        let user = pool.user_mut(str_of(input, "Username").unwrap_or_default())?;
        policy.check(password)?;
        let permanent = input.get("Permanent").and_then(Value::as_bool) == Some(true);
        user.password = Some(password.to_owned());
        user.status = if permanent {
            CONFIRMED
        } else {
            FORCE_CHANGE_PASSWORD
        }
        .to_owned();
        user.modified = ctx.now;
        Ok(empty())
    }

    fn admin_update_user_attributes(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let user = pool.user_mut(str_of(input, "Username").unwrap_or_default())?;
        let changes = attributes(input.get("UserAttributes"));
        if changes.iter().any(|(k, _)| k == "sub") {
            return Err(ApiError::invalid_parameter(
                "Cannot modify the non-mutable attribute sub",
            ));
        }
        for (k, v) in &changes {
            let changed = user.attr(k) != Some(v.as_str());
            user.set_attr(k, v);
            // A new e-mail or phone number is unverified unless the same call says otherwise.
            if changed && (k == "email" || k == "phone_number") {
                let flag = format!("{k}_verified");
                if !changes.iter().any(|(n, _)| *n == flag) {
                    user.set_attr(&flag, "false");
                }
            }
        }
        user.modified = ctx.now;
        Ok(empty())
    }

    fn admin_set_enabled(
        &mut self,
        input: &Value,
        enabled: bool,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let user = pool.user_mut(str_of(input, "Username").unwrap_or_default())?;
        user.enabled = enabled;
        user.modified = ctx.now;
        Ok(empty())
    }

    fn admin_get_user(&mut self, input: &Value) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let user = pool.user_mut(str_of(input, "Username").unwrap_or_default())?;
        Ok(json!({
            "Username": user.username,
            "UserAttributes": user.attributes_json(),
            "UserCreateDate": epoch(user.created),
            "UserLastModifiedDate": epoch(user.modified),
            "Enabled": user.enabled,
            "UserStatus": user.status,
        }))
    }

    fn admin_delete_user(&mut self, input: &Value) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let key = pool
            .resolve(str_of(input, "Username").unwrap_or_default())
            .ok_or_else(user_not_found)?;
        pool.users.remove(&key);
        Ok(empty())
    }

    /// Client, user and secret for a public operation, in the order the brief fixes: unknown
    /// client, then the secret checks, then (for the caller) the user.
    fn public_user(
        &mut self,
        input: &Value,
        name: &str,
        hash: Option<&str>,
        carrier: HashCarrier,
    ) -> Result<(String, Client, Option<String>), ApiError> {
        let (pool_id, client) = self.client(input)?;
        let pool = self
            .pools
            .get(&pool_id)
            .ok_or_else(|| pool_not_found(&pool_id))?;
        let resolved = pool.resolve(name);
        let mut names = vec![name];
        if let Some(r) = resolved.as_deref() {
            names.push(r);
        }
        check_secret(&client, hash, &names, carrier)?;
        Ok((pool_id, client, resolved))
    }

    fn forgot_password(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let name = str_of(input, "Username").unwrap_or_default();
        let (pool_id, client, resolved) = self.public_user(
            input,
            name,
            str_of(input, "SecretHash"),
            HashCarrier::Member,
        )?;
        let Some(key) = resolved else {
            if client.hide_existence {
                // §4 "ForgotPassword, unknown user, PreventUserExistenceErrors ENABLED": a normal
                // answer pointing at a simulated destination; nothing is stored or sent.
                let fake = if name.contains('@') {
                    mask_email(name)
                } else {
                    mask_email(&format!("{name}@example.com"))
                };
                return Ok(json!({"CodeDeliveryDetails": delivery("EMAIL", "email", fake)}));
            }
            // §4 "ForgotPassword, unknown user, PreventUserExistenceErrors LEGACY".
            return Err(ApiError::new(
                "UserNotFoundException",
                "Username/client id combination not found.",
            ));
        };
        let Some(pool) = self.pools.get_mut(&pool_id) else {
            return Err(pool_not_found(&pool_id));
        };
        let details = {
            let user = pool.users.get(&key).ok_or_else(user_not_found)?;
            // §4 "ForgotPassword, user disabled (AdminDisableUser)".
            if !user.enabled {
                return Err(ApiError::not_authorized("User is disabled."));
            }
            // §4 "ForgotPassword, user in FORCE_CHANGE_PASSWORD".
            if user.status == FORCE_CHANGE_PASSWORD {
                return Err(ApiError::not_authorized(
                    "User password cannot be reset in the current state.",
                ));
            }
            // §4 "user has no verified email or phone (ForgotPassword)".
            pool.recovery_delivery(user).ok_or_else(|| {
                ApiError::invalid_parameter(
                    "Cannot reset password for the user as there is no registered/verified \
                     email or phone_number",
                )
            })?
        };
        let user = pool.users.get_mut(&key).ok_or_else(user_not_found)?;
        // A new code replaces, and so invalidates, the earlier one (§4 "ConfirmForgotPassword with
        // a code superseded by a newer ForgotPassword", conf. C: answered as a used code).
        if let Some(old) = user.code.take() {
            user.spent_codes.insert(&old.value);
        }
        let mut value = format!("{:06}", ctx.rng.random_range(0..1_000_000u32));
        for _ in 0..64 {
            if !user.spent_codes.contains(&value) {
                break;
            }
            value = format!("{:06}", ctx.rng.random_range(0..1_000_000u32));
        }
        user.code = Some(Code {
            value,
            issued: ctx.now,
        });
        user.failed_attempts = 0;
        Ok(json!({"CodeDeliveryDetails": details}))
    }

    fn confirm_forgot_password(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let name = str_of(input, "Username").unwrap_or_default();
        let (pool_id, client, resolved) = self.public_user(
            input,
            name,
            str_of(input, "SecretHash"),
            HashCarrier::Member,
        )?;
        let mismatch = || {
            // §4 "wrong confirmation code".
            ApiError::new(
                "CodeMismatchException",
                "Invalid verification code provided, please try again.",
            )
        };
        let expired = || {
            // §4 "expired or already-used code".
            ApiError::new(
                "ExpiredCodeException",
                "Invalid code provided, please request a code again.",
            )
        };
        let Some(key) = resolved else {
            return Err(if client.hide_existence {
                // §4 "ConfirmForgotPassword, unknown user, ENABLED".
                mismatch()
            } else {
                // §4 "ConfirmForgotPassword, unknown user, LEGACY" (by analogy).
                ApiError::new(
                    "UserNotFoundException",
                    "Username/client id combination not found.",
                )
            });
        };
        let Some(pool) = self.pools.get_mut(&pool_id) else {
            return Err(pool_not_found(&pool_id));
        };
        let policy = pool.policy.clone();
        let user = pool.users.get_mut(&key).ok_or_else(user_not_found)?;
        if user.failed_attempts >= MAX_CODE_ATTEMPTS {
            // §4 "too many code or password attempts".
            return Err(ApiError::new(
                "LimitExceededException",
                "Attempt limit exceeded, please try after some time.",
            ));
        }
        let code = str_of(input, "ConfirmationCode").unwrap_or_default();
        let outstanding = user.code.as_ref().filter(|c| c.value == code).cloned();
        match outstanding {
            Some(c) => {
                let deadline = c.issued.checked_add(CODE_VALIDITY).unwrap_or(c.issued);
                if ctx.now >= deadline {
                    return Err(expired());
                }
                let password = str_of(input, "Password").unwrap_or_default();
                // The code is not consumed when the new password is refused.
                policy.check(password)?;
                user.password = Some(password.to_owned());
                user.status = CONFIRMED.to_owned();
                user.code = None;
                user.spent_codes.insert(&c.value);
                user.failed_attempts = 0;
                user.modified = ctx.now;
                Ok(empty())
            }
            None if user.spent_codes.contains(code) => Err(expired()),
            // Attempts count against an issued code only: with none pending there is nothing to
            // guess, and the outcome of a wrong code stays the same whatever ran before it, which
            // keeps concurrent runs and snapshots deterministic. AWS's counting is undocumented.
            None if user.code.is_none() => Err(mismatch()),
            None => {
                user.failed_attempts += 1;
                Err(mismatch())
            }
        }
    }

    fn initiate_auth(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let (_, client) = self.client(input)?;
        let flow = str_of(input, "AuthFlow").unwrap_or_default();
        if flow != "USER_PASSWORD_AUTH" {
            return Err(ApiError::not_implemented(&format!(
                "InitiateAuth with AuthFlow {flow}"
            )));
        }
        let enabled = client
            .explicit_auth_flows
            .iter()
            .any(|f| f == "ALLOW_USER_PASSWORD_AUTH" || f == "USER_PASSWORD_AUTH");
        if !enabled {
            return Err(ApiError::invalid_parameter(
                "USER_PASSWORD_AUTH flow not enabled for this client",
            ));
        }
        let params = input.get("AuthParameters");
        let param = |k: &str| params.and_then(|p| p.get(k)).and_then(Value::as_str);
        let name = param("USERNAME")
            .ok_or_else(|| ApiError::invalid_parameter("Missing required parameter USERNAME"))?;
        let (pool_id, client, resolved) = self.public_user(
            input,
            name,
            param("SECRET_HASH"),
            HashCarrier::AuthParameter,
        )?;
        let password = param("PASSWORD")
            .ok_or_else(|| ApiError::invalid_parameter("Missing required parameter PASSWORD"))?;
        let incorrect = || ApiError::not_authorized("Incorrect username or password.");
        let Some(key) = resolved else {
            return Err(if client.hide_existence {
                // §4 "wrong password or unknown user when existence errors are hidden".
                incorrect()
            } else {
                user_not_found()
            });
        };
        let Some(pool) = self.pools.get(&pool_id) else {
            return Err(pool_not_found(&pool_id));
        };
        let user = pool.users.get(&key).ok_or_else(user_not_found)?;
        if !user.enabled {
            return Err(ApiError::not_authorized("User is disabled."));
        }
        if user.password.as_deref() != Some(password) {
            return Err(incorrect());
        }
        if user.status == UNCONFIRMED {
            return Err(ApiError::new(
                "UserNotConfirmedException",
                "User is not confirmed.",
            ));
        }
        if user.status == FORCE_CHANGE_PASSWORD {
            let attrs: Map<String, Value> = user
                .attributes
                .iter()
                .filter(|(k, _)| k != "sub" && !k.ends_with("_verified"))
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            return Ok(json!({
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": Alphanumeric.sample_string(&mut *ctx.rng, 64),
                "ChallengeParameters": {
                    "USER_ID_FOR_SRP": user.username,
                    "requiredAttributes": "[]",
                    "userAttributes": Value::Object(attrs).to_string(),
                },
            }));
        }
        let mut token = |n: usize| Alphanumeric.sample_string(&mut *ctx.rng, n);
        let access = format!("{}.{}.{}", token(36), token(200), token(43));
        let id = format!("{}.{}.{}", token(36), token(200), token(43));
        let refresh = format!("{}.{}.{}", token(32), token(64), token(22));
        Ok(json!({
            "ChallengeParameters": {},
            "AuthenticationResult": {
                "AccessToken": access,
                "ExpiresIn": 3600,
                "TokenType": "Bearer",
                "RefreshToken": refresh,
                "IdToken": id,
            },
        }))
    }
}

/// A temporary password that satisfies the pool's policy (never shown: AdminCreateUser sends
/// no message here).
fn temporary_password(policy: &PasswordPolicy, rng: &mut impl Rng) -> String {
    let mut p = String::from("Aa1!");
    let len = policy.min_length.max(12) as usize;
    p.push_str(&Alphanumeric.sample_string(rng, len.saturating_sub(4)));
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking() {
        assert_eq!(mask_email("alice@example.com"), "a***@e***");
        assert_eq!(mask_email("nobody"), "n***@***");
        assert_eq!(mask_phone("+15555551234"), "+*******1234");
        assert_eq!(mask_phone("12"), "12");
    }

    #[test]
    fn secret_hash_is_the_documented_hmac() {
        // Base64(HMAC-SHA256("secret", "alice" + "client")), computed independently.
        assert_eq!(
            secret_hash("secret", "alice", "client"),
            "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0="
        );
    }

    #[test]
    fn password_policy_reasons_in_order() {
        let p = PasswordPolicy::from_input(None);
        let reason = |pw: &str| p.check(pw).err().and_then(|e| e.message);
        assert_eq!(
            reason("Aa1!"),
            Some("Password did not conform with password policy: Password not long enough".into())
        );
        assert!(reason("aaaaaaa1!")
            .unwrap()
            .ends_with("uppercase characters"));
        assert!(reason("AAAAAAA1!")
            .unwrap()
            .ends_with("lowercase characters"));
        assert!(reason("AAAAaaaa!").unwrap().ends_with("numeric characters"));
        assert!(reason("AAAAaaaa1").unwrap().ends_with("symbol characters"));
        assert_eq!(reason("AAAAaaa1!"), None);
    }
}
