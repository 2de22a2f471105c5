//! The reference target's in-memory state (user pools → clients, users, groups, codes, tokens,
//! pending challenges), the helpers its operations share, and the registry of handlers. The
//! operations live by group, one file each (`pools`, `resources`, `groups`, `users`, `signup`,
//! `profile`, `recovery`, `auth`, `tokens`, `mfa`), each registering `(name, handler)` pairs;
//! `filter` reads ListUsers filters. Pure: input values, the time and the seeded generator come in through the arguments.
//!
//! Evidence rows cited below are in `aws-behaviour.md` §4 unless noted.

mod auth;
mod filter;
mod groups;
mod mfa;
mod pools;
mod profile;
mod recovery;
mod resources;
mod signup;
mod tokens;
mod users;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::distr::{Alphanumeric, SampleString};
use rand::Rng;
use serde_json::{json, Map, Value};

use super::{empty, uuid_like, ApiError, Ctx};
use crate::model::wire::secret_hash;
use crate::scenario::codes::CodeKind;

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
const RESET_REQUIRED: &str = "RESET_REQUIRED";

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
    /// policy" (data-dot-all/dataall#690, seen on AdminCreateUser; the other reasons are the
    /// expected forms).
    fn check(&self, password: &str) -> Result<(), ApiError> {
        self.check_in(password, "password policy")
    }

    /// As [`PasswordPolicy::check`], in the shorter wording seen on SignUp and
    /// AdminSetUserPassword (ops §4 AdminSetUserPassword, §8: `Password did not conform with
    /// policy: ...`).
    fn check_short(&self, password: &str) -> Result<(), ApiError> {
        self.check_in(password, "policy")
    }

    fn check_in(&self, password: &str, wording: &str) -> Result<(), ApiError> {
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
                format!("Password did not conform with {wording}: {r}"),
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
    /// The outstanding sign-up confirmation code (SignUp, ResendConfirmationCode).
    signup_code: Option<Code>,
    /// The outstanding attribute verification code, and the attribute it verifies.
    verify_code: Option<(String, Code)>,
    /// The software token and MFA preferences.
    mfa: UserMfa,
}

/// A user's software token (TOTP) and MFA settings.
#[derive(Debug, Clone, Default)]
struct UserMfa {
    /// The secret AssociateSoftwareToken gave, before VerifySoftwareToken proved it.
    pending_secret: Option<String>,
    /// The verified secret.
    secret: Option<String>,
    /// The last TOTP step a code was accepted for: a code is good once.
    last_step: Option<u64>,
    /// SOFTWARE_TOKEN_MFA enabled (SetUserMFAPreference), and whether preferred.
    enabled: bool,
    preferred: bool,
}

impl User {
    /// A user as the pool first stores it.
    fn new(
        username: String,
        attributes: Vec<(String, String)>,
        status: &str,
        now: SystemTime,
    ) -> User {
        User {
            username,
            attributes,
            enabled: true,
            status: status.to_owned(),
            password: None,
            created: now,
            modified: now,
            code: None,
            spent_codes: SpentCodes::default(),
            failed_attempts: 0,
            signup_code: None,
            verify_code: None,
            mfa: UserMfa::default(),
        }
    }

    /// A new six-digit code, none this user was issued before (and so never one a stale code
    /// could match).
    fn fresh_code(&mut self, ctx: &mut Ctx<'_>) -> Code {
        let mut value = format!("{:06}", ctx.rng.random_range(0..1_000_000u32));
        for _ in 0..64 {
            if !self.spent_codes.contains(&value) {
                break;
            }
            value = format!("{:06}", ctx.rng.random_range(0..1_000_000u32));
        }
        Code {
            value,
            issued: ctx.now,
        }
    }

    /// A code no longer outstanding (used or superseded) joins the spent ones.
    fn spend(&mut self, code: Option<Code>) {
        if let Some(c) = code {
            self.spent_codes.insert(&c.value);
        }
    }

    /// A new forgot-password code, replacing (and spending) the outstanding one; the count of
    /// wrong codes starts again.
    fn issue_recovery_code(&mut self, ctx: &mut Ctx<'_>) {
        let old = self.code.take();
        self.spend(old);
        self.code = Some(self.fresh_code(ctx));
        self.failed_attempts = 0;
    }

    fn remove_attr(&mut self, name: &str) {
        self.attributes.retain(|(k, _)| k != name);
    }

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

    /// UserType, with the attributes `only` names (all when `None`).
    fn user_type_with(&self, only: Option<&[String]>) -> Value {
        let attributes: Vec<Value> = self
            .attributes
            .iter()
            .filter(|(k, _)| only.is_none_or(|o| o.contains(k)))
            .map(|(k, v)| json!({"Name": k, "Value": v}))
            .collect();
        json!({
            "Username": self.username,
            "Attributes": attributes,
            "UserCreateDate": epoch(self.created),
            "UserLastModifiedDate": epoch(self.modified),
            "Enabled": self.enabled,
            "UserStatus": self.status,
        })
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
    /// Standard attributes the pool's Schema made required (besides `sub`).
    required: Vec<String>,
    /// Input members echoed into UserPoolType as given.
    echo: Map<String, Value>,
    /// Custom attributes, as SchemaAttributeType entries (`custom:` names).
    custom_attributes: Vec<Value>,
    /// The MFA factors SetUserPoolMfaConfig configured, by output member name
    /// (`SoftwareTokenMfaConfiguration`, ...).
    mfa: Map<String, Value>,
    tags: BTreeMap<String, String>,
    /// The prefix domain, if the pool has one.
    domain: Option<String>,
    clients: BTreeMap<String, Client>,
    users: BTreeMap<String, User>,
    groups: BTreeMap<String, Group>,
    resource_servers: BTreeMap<String, Value>,
    providers: BTreeMap<String, Provider>,
    /// The keys its tokens are signed with, given when it first signs one.
    keys: Option<super::keys::PoolKeys>,
}

#[derive(Debug, Clone)]
struct Group {
    name: String,
    description: Option<String>,
    role_arn: Option<String>,
    precedence: Option<i64>,
    created: SystemTime,
    modified: SystemTime,
    /// The stored usernames of its members.
    members: BTreeSet<String>,
}

impl Group {
    fn to_json(&self, pool_id: &str) -> Value {
        let mut g = Map::new();
        g.insert("GroupName".into(), json!(self.name));
        g.insert("UserPoolId".into(), json!(pool_id));
        if let Some(d) = &self.description {
            g.insert("Description".into(), json!(d));
        }
        if let Some(r) = &self.role_arn {
            g.insert("RoleArn".into(), json!(r));
        }
        if let Some(p) = self.precedence {
            g.insert("Precedence".into(), json!(p));
        }
        g.insert("LastModifiedDate".into(), json!(epoch(self.modified)));
        g.insert("CreationDate".into(), json!(epoch(self.created)));
        Value::Object(g)
    }
}

#[derive(Debug, Clone)]
struct Provider {
    name: String,
    kind: String,
    details: Value,
    mapping: Value,
    identifiers: Vec<String>,
    created: SystemTime,
    modified: SystemTime,
}

impl Provider {
    fn to_json(&self, pool_id: &str) -> Value {
        json!({
            "UserPoolId": pool_id,
            "ProviderName": self.name,
            "ProviderType": self.kind,
            "ProviderDetails": self.details,
            "AttributeMapping": self.mapping,
            "IdpIdentifiers": self.identifiers,
            "LastModifiedDate": epoch(self.modified),
            "CreationDate": epoch(self.created),
        })
    }
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
        p.insert("Arn".into(), json!(pool_arn(&self.id)));
        for (k, v) in &self.echo {
            p.insert(k.clone(), v.clone());
        }
        p.insert("SchemaAttributes".into(), self.schema());
        if !self.tags.is_empty() {
            p.insert("UserPoolTags".into(), json!(self.tags));
        }
        if let Some(d) = &self.domain {
            p.insert("Domain".into(), json!(d));
        }
        Value::Object(p)
    }

    /// The standard attributes, then the custom ones (ops §1 CreateUserPool "default schema
    /// entry `sub`": constraint numbers are strings; other standard attributes use min "0").
    fn schema(&self) -> Value {
        let mut out: Vec<Value> = STANDARD_ATTRIBUTES
            .iter()
            .map(|&(name, kind)| {
                let mut a = json!({
                    "Name": name,
                    "AttributeDataType": kind,
                    "DeveloperOnlyAttribute": false,
                    "Mutable": name != "sub",
                    "Required": name == "sub" || self.required.iter().any(|r| r == name),
                });
                match kind {
                    "String" => {
                        let min = if name == "sub" { "1" } else { "0" };
                        a["StringAttributeConstraints"] =
                            json!({"MinLength": min, "MaxLength": "2048"});
                    }
                    "Number" => a["NumberAttributeConstraints"] = json!({"MinValue": "0"}),
                    _ => {}
                }
                a
            })
            .collect();
        out.extend(self.custom_attributes.iter().cloned());
        Value::Array(out)
    }

    /// Whether the pool's schema has an attribute of this name (`custom:` names included).
    fn has_attribute(&self, name: &str) -> bool {
        STANDARD_ATTRIBUTES.iter().any(|(n, _)| *n == name)
            || self
                .custom_attributes
                .iter()
                .any(|a| str_of(a, "Name") == Some(name))
    }

    /// The attributes a new user's e-mail or phone is verified through (AutoVerifiedAttributes).
    fn auto_verified(&self) -> Vec<String> {
        strings(self.echo.get("AutoVerifiedAttributes"))
    }

    /// The custom attribute of this name (`custom:` included), as SchemaAttributeType.
    fn custom(&self, name: &str) -> Option<&Value> {
        self.custom_attributes
            .iter()
            .find(|a| str_of(a, "Name") == Some(name))
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
    /// phone aliases only once verified), else the user's `sub` (ops §4 AdminGetUser "Username
    /// given as an alias or as sub", conf. B).
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
        self.users
            .values()
            .find(|u| u.attr("sub") == Some(name))
            .map(|u| u.username.clone())
    }

    fn user_mut(&mut self, name: &str) -> Result<&mut User, ApiError> {
        let key = self.resolve(name).ok_or_else(user_not_found)?;
        self.users.get_mut(&key).ok_or_else(user_not_found)
    }

    /// The stored username the request's `Username` names.
    fn key_of(&self, input: &Value) -> Result<String, ApiError> {
        self.resolve(str_of(input, "Username").unwrap_or_default())
            .ok_or_else(user_not_found)
    }

    /// Deletes a user and its group memberships.
    fn remove_user(&mut self, key: &str) {
        self.users.remove(key);
        for g in self.groups.values_mut() {
            g.members.remove(key);
        }
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

/// The standard attributes of every pool and their types.
const STANDARD_ATTRIBUTES: &[(&str, &str)] = &[
    ("sub", "String"),
    ("name", "String"),
    ("given_name", "String"),
    ("family_name", "String"),
    ("middle_name", "String"),
    ("nickname", "String"),
    ("preferred_username", "String"),
    ("profile", "String"),
    ("picture", "String"),
    ("website", "String"),
    ("email", "String"),
    ("email_verified", "Boolean"),
    ("gender", "String"),
    ("birthdate", "String"),
    ("zoneinfo", "String"),
    ("locale", "String"),
    ("phone_number", "String"),
    ("phone_number_verified", "Boolean"),
    ("address", "String"),
    ("updated_at", "Number"),
];

fn pool_arn(id: &str) -> String {
    format!("arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{id}")
}

/// One page of a listing ordered by key, as the List operation answers it: the items under
/// `member`, and `NextToken` when more follow. The page size is the request's `MaxResults` or
/// `Limit`. Tokens are opaque to the caller but carry the listing they belong to (`scope`: the
/// pool, or "" for the pools themselves) and the last key given, so a token of another listing
/// or a forged one is refused (ops §11 pagination rows).
fn page<'a>(
    member: &str,
    items: impl Iterator<Item = (&'a str, Value)>,
    scope: &str,
    input: &Value,
    ctx: &Ctx<'_>,
) -> Result<Value, ApiError> {
    page_by("NextToken", member, items, scope, input, ctx)
}

/// As [`page`], with the token in `token_member` of the request and the answer (ListUsers:
/// `PaginationToken`).
fn page_by<'a>(
    token_member: &str,
    member: &str,
    items: impl Iterator<Item = (&'a str, Value)>,
    scope: &str,
    input: &Value,
    ctx: &Ctx<'_>,
) -> Result<Value, ApiError> {
    let limit = ["MaxResults", "Limit"]
        .iter()
        .find_map(|k| input.get(*k).and_then(Value::as_i64));
    let token = str_of(input, token_member);
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let after = match token {
        None => None,
        Some(t) => {
            let refused = || {
                ApiError::invalid_parameter(format!(
                    "Paging marker {t} is invalid for request {}",
                    ctx.request_id
                ))
            };
            let raw = engine.decode(t).map_err(|_| refused())?;
            let v: Value = serde_json::from_slice(&raw).map_err(|_| refused())?;
            if str_of(&v, "scope") != Some(scope) {
                return Err(refused());
            }
            Some(str_of(&v, "after").ok_or_else(refused)?.to_owned())
        }
    };
    // A page size of 0 (allowed by some models) is read as the largest.
    let limit = limit.filter(|&n| n > 0).unwrap_or(60) as usize;
    let mut rest = items.filter(|(k, _)| after.as_deref().is_none_or(|a| *k > a));
    let mut out = Vec::new();
    let mut last = None;
    for (k, v) in rest.by_ref().take(limit) {
        last = Some(k.to_owned());
        out.push(v);
    }
    let mut answer = json!({ member: out });
    if let (Some(_), Some(last)) = (rest.next(), last) {
        answer[token_member] =
            json!(engine.encode(json!({"scope": scope, "after": last}).to_string()));
    }
    Ok(answer)
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

/// A wrong code: §4 "wrong confirmation code" (ConfirmForgotPassword; ops §5 ConfirmSignUp,
/// conf. A).
fn code_mismatch() -> ApiError {
    ApiError::new(
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    )
}

/// A code used, superseded or too old: §4 "expired or already-used code".
fn code_expired() -> ApiError {
    ApiError::new(
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    )
}

/// An unknown user on a public operation of a LEGACY client: §4 "ForgotPassword, unknown user,
/// LEGACY" (conf. A there; by analogy on the others).
fn combination_not_found() -> ApiError {
    ApiError::new(
        "UserNotFoundException",
        "Username/client id combination not found.",
    )
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

/// Every user pool, which pool each client id belongs to, and which pool each domain prefix
/// (a namespace every pool shares, ops §2 CreateUserPoolDomain).
#[derive(Debug, Default, Clone)]
pub(crate) struct State {
    pools: BTreeMap<String, Pool>,
    clients: HashMap<String, String>,
    domains: BTreeMap<String, Domain>,
    /// The access tokens issued, and whose they are.
    tokens: HashMap<String, Session>,
    /// The refresh tokens issued.
    refresh_tokens: HashMap<String, Session>,
    /// The sign-ins waiting for a challenge's answer, by `Session`.
    challenges: HashMap<String, tokens::Pending>,
    /// How many pools have been given signing keys (the next one gets the next keys).
    signers: usize,
}

/// What a token stands for: a user of a pool, signed in through a client, in one sign-in
/// session (`origin_jti`, kept across refreshes).
#[derive(Debug, Clone)]
struct Session {
    pool_id: String,
    /// The stored username.
    username: String,
    client_id: String,
    origin: String,
    expires: SystemTime,
    revoked: bool,
}

#[derive(Debug, Clone)]
struct Domain {
    pool_id: String,
    managed_login_version: i64,
    custom_certificate: Option<String>,
}

/// One operation's handler: the state, the validated input, the request's context.
type Handler = fn(&mut State, &Value, &mut Ctx<'_>) -> Result<Value, ApiError>;

/// Every group's handlers, by operation name. Adding an operation is a handler in its group's
/// file (or a new group listed here), nothing else.
static HANDLERS: LazyLock<HashMap<&'static str, Handler>> = LazyLock::new(|| {
    [
        pools::HANDLERS,
        resources::HANDLERS,
        groups::HANDLERS,
        users::HANDLERS,
        signup::HANDLERS,
        profile::HANDLERS,
        recovery::HANDLERS,
        auth::HANDLERS,
        tokens::HANDLERS,
        mfa::HANDLERS,
    ]
    .into_iter()
    .flatten()
    .copied()
    .collect()
});

/// The operations the reference implements, by name.
#[cfg(test)]
pub fn implemented() -> impl Iterator<Item = &'static str> {
    HANDLERS.keys().copied()
}

impl State {
    /// Runs one validated operation: its group's handler, or 501 for one the reference lacks.
    pub fn dispatch(
        &mut self,
        op: &str,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        match HANDLERS.get(op) {
            Some(handler) => handler(self, input, ctx),
            None => Err(ApiError::not_implemented(op)),
        }
    }

    /// The outstanding code of a user of this kind, if any (the harness's code source): the
    /// sign-up code of an unconfirmed user, else the forgot-password code; or the attribute
    /// verification code.
    pub fn pending_code(&self, pool_id: &str, username: &str, kind: CodeKind) -> Option<String> {
        let pool = self.pools.get(pool_id)?;
        let key = pool.resolve(username)?;
        let user = pool.users.get(&key)?;
        let code = match kind {
            CodeKind::Confirmation => user.signup_code.as_ref().or(user.code.as_ref()),
            CodeKind::Verification => user.verify_code.as_ref().map(|(_, c)| c),
        };
        code.map(|c| c.value.clone())
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

    /// [`State::public_user`] for the operations that name the user in `Username` and carry the
    /// hash in `SecretHash`: the name, the pool id, the client and the stored username.
    fn public_caller<'i>(
        &mut self,
        input: &'i Value,
    ) -> Result<(&'i str, String, Client, Option<String>), ApiError> {
        let name = str_of(input, "Username").unwrap_or_default();
        let (pool_id, client, resolved) = self.public_user(
            input,
            name,
            str_of(input, "SecretHash"),
            HashCarrier::Member,
        )?;
        Ok((name, pool_id, client, resolved))
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_handler_is_an_operation_of_the_model_once() {
        let cat = crate::model::Catalogue::embedded();
        let mut names: Vec<&str> = implemented().collect();
        names.sort_unstable();
        assert_eq!(names.len(), 76, "{names:?}");
        for n in names {
            assert!(cat.operation(n).is_some(), "{n} is not an operation");
        }
        let registered: usize = [
            pools::HANDLERS,
            resources::HANDLERS,
            groups::HANDLERS,
            users::HANDLERS,
            signup::HANDLERS,
            profile::HANDLERS,
            recovery::HANDLERS,
            auth::HANDLERS,
            tokens::HANDLERS,
            mfa::HANDLERS,
        ]
        .iter()
        .map(|h| h.len())
        .sum();
        assert_eq!(registered, 76, "an operation registered twice");
    }

    #[test]
    fn masking() {
        assert_eq!(mask_email("alice@example.com"), "a***@e***");
        assert_eq!(mask_email("nobody"), "n***@***");
        assert_eq!(mask_phone("+15555551234"), "+*******1234");
        assert_eq!(mask_phone("12"), "12");
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
