//! Users, as administrators manage them, and the rules every write of attributes follows. The
//! operations of this group, registered by name in [`HANDLERS`]; the state they work on is the
//! parent module's. Evidence rows cited here are in `aws-behaviour-ops.md` §4 unless noted.

use super::*;

/// This group's operations and their handlers.
pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("AdminCreateUser", |s, i, c| s.admin_create_user(i, c)),
    ("AdminSetUserPassword", |s, i, c| {
        s.admin_set_user_password(i, c)
    }),
    ("AdminResetUserPassword", |s, i, c| {
        s.admin_reset_user_password(i, c)
    }),
    ("AdminUpdateUserAttributes", |s, i, c| {
        s.admin_update_user_attributes(i, c)
    }),
    ("AdminDeleteUserAttributes", |s, i, c| {
        s.admin_delete_user_attributes(i, c)
    }),
    ("AdminDisableUser", |s, i, c| {
        s.admin_set_enabled(i, false, c)
    }),
    ("AdminEnableUser", |s, i, c| s.admin_set_enabled(i, true, c)),
    ("AdminGetUser", |s, i, _| s.admin_get_user(i)),
    ("AdminDeleteUser", |s, i, _| s.admin_delete_user(i)),
    ("ListUsers", |s, i, c| s.list_users(i, c)),
];

/// Who writes attributes: an administrator may set the verification flags, a user's own call
/// (SignUp, UpdateUserAttributes) may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Writer {
    Admin,
    User,
}

/// Whether the write creates the user (immutable attributes may be set once) or updates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Write {
    Create,
    Update,
}

/// The attributes of a request, the last value of a name winning.
pub(super) fn attribute_list(v: Option<&Value>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in attributes(v) {
        match out.iter_mut().find(|(n, _)| *n == k) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
    }
    out
}

/// The attributes a request writes, checked against the pool's schema, in this order:
/// - a user writing a verification flag: NotAuthorizedException `A client attempted to write
///   unauthorized attribute` (ops §5 SignUp, UpdateUserAttributes, conf. A);
/// - names the schema lacks, one line each: `Attributes did not conform to the schema: <name>:
///   Attribute does not exist in the schema.` (ops §5 SignUp, conf. A; other operations C);
/// - `sub`, and an immutable custom attribute after creation (conf. C: the model's Mutable);
/// - custom attributes outside their constraints (conf. C);
/// - `Invalid email address format.` (AdminCreateUser, conf. A) and a phone number that is not
///   `+` and digits (conf. C).
pub(super) fn check_attributes(
    pool: &Pool,
    attrs: &[(String, String)],
    writer: Writer,
    write: Write,
) -> Result<(), ApiError> {
    if writer == Writer::User && attrs.iter().any(|(k, _)| k.ends_with("_verified")) {
        return Err(ApiError::not_authorized(
            "A client attempted to write unauthorized attribute",
        ));
    }
    let unknown: String = attrs
        .iter()
        .filter(|(k, _)| !pool.has_attribute(k))
        .map(|(k, _)| format!("{k}: Attribute does not exist in the schema.\n"))
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::invalid_parameter(format!(
            "Attributes did not conform to the schema: {unknown}"
        )));
    }
    for (k, v) in attrs {
        if k == "sub" {
            return Err(ApiError::invalid_parameter(
                "Cannot modify the non-mutable attribute sub",
            ));
        }
        let Some(custom) = pool.custom(k) else {
            continue;
        };
        if write == Write::Update && custom.get("Mutable").and_then(Value::as_bool) == Some(false) {
            return Err(ApiError::invalid_parameter(format!(
                "Cannot modify the non-mutable attribute {k}"
            )));
        }
        let bound = |group: &str, name: &str| {
            custom
                .pointer(&format!("/{group}/{name}"))
                .and_then(|b| match b {
                    Value::String(s) => s.parse::<f64>().ok(),
                    other => other.as_f64(),
                })
        };
        let broken = match str_of(custom, "AttributeDataType") {
            Some("Number") => match v.parse::<f64>() {
                Err(_) => Some("Number expected".to_owned()),
                Ok(n) => match (
                    bound("NumberAttributeConstraints", "MinValue"),
                    bound("NumberAttributeConstraints", "MaxValue"),
                ) {
                    (Some(min), _) if n < min => Some(format!("Number must be at least {min}")),
                    (_, Some(max)) if n > max => Some(format!("Number must be at most {max}")),
                    _ => None,
                },
            },
            _ => {
                let len = v.chars().count() as f64;
                match (
                    bound("StringAttributeConstraints", "MinLength"),
                    bound("StringAttributeConstraints", "MaxLength"),
                ) {
                    (Some(min), _) if len < min => {
                        Some(format!("String must be at least {min} characters"))
                    }
                    (_, Some(max)) if len > max => {
                        Some(format!("String must be no longer than {max} characters"))
                    }
                    _ => None,
                }
            }
        };
        if let Some(why) = broken {
            return Err(ApiError::invalid_parameter(format!(
                "Attributes did not conform to the schema: {k}: {why}"
            )));
        }
    }
    for (k, v) in attrs {
        let at = v.find('@');
        if k == "email"
            && !(at.is_some_and(|i| i > 0 && i + 1 < v.len())
                && v.matches('@').count() == 1
                && !v.contains(char::is_whitespace))
        {
            return Err(ApiError::invalid_parameter("Invalid email address format."));
        }
        if k == "phone_number"
            && !(v.starts_with('+') && v.len() > 1 && v[1..].bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(ApiError::invalid_parameter("Invalid phone number format."));
        }
    }
    Ok(())
}

/// The pool's required attributes a new user lacks: `Attributes did not conform to the schema:
/// email: the attribute is required` (ops §5 SignUp, conf. A).
pub(super) fn check_required(pool: &Pool, attrs: &[(String, String)]) -> Result<(), ApiError> {
    match pool
        .required
        .iter()
        .find(|r| !attrs.iter().any(|(k, v)| k == *r && !v.is_empty()))
    {
        Some(r) => Err(ApiError::invalid_parameter(format!(
            "Attributes did not conform to the schema: {r}: the attribute is required"
        ))),
        None => Ok(()),
    }
}

/// The stored username of a new user, by the pool's username rules: the name itself (refused
/// when taken, or in the form of an alias the pool uses), or, in a pool that signs users in by
/// e-mail or phone, the user's `sub`, with the name written to that attribute of `attrs`.
/// `taken` is the message of UsernameExistsException for a plain name.
pub(super) fn new_username(
    pool: &Pool,
    given: &str,
    sub: &str,
    attrs: &mut Vec<(String, String)>,
    taken: &str,
) -> Result<String, ApiError> {
    if pool.username_attributes.is_empty() {
        for alias in ["email", "phone_number"] {
            let looks = if alias == "email" {
                given.contains('@')
            } else {
                given.starts_with('+')
            };
            if looks && pool.alias_attributes.iter().any(|a| a == alias) {
                // Conf. C.
                return Err(ApiError::invalid_parameter(format!(
                    "Username cannot be of {alias} format, since user pool is configured \
                     for {alias} alias."
                )));
            }
        }
        if pool
            .users
            .values()
            .any(|u| pool.same_name(&u.username, given))
        {
            return Err(ApiError::new("UsernameExistsException", taken));
        }
        return Ok(given.to_owned());
    }
    let attr = if given.contains('@') && pool.username_attributes.iter().any(|a| a == "email") {
        "email"
    } else if given.starts_with('+') && pool.username_attributes.iter().any(|a| a == "phone_number")
    {
        "phone_number"
    } else {
        // Ops §5 SignUp "Pool with email or phone usernames, plain username", conf. A; ops §4
        // AdminCreateUser "Pool with UsernameAttributes=[email]": `Username should be an
        // email.`, conf. B (the phone form by analogy, conf. C).
        let email = pool.username_attributes.iter().any(|a| a == "email");
        let phone = pool.username_attributes.iter().any(|a| a == "phone_number");
        return Err(ApiError::invalid_parameter(match (email, phone) {
            (true, false) => "Username should be an email.",
            (false, true) => "Username should be a phone number.",
            _ => "Username should be either an email or a phone number.",
        }));
    };
    if let Some((_, v)) = attrs.iter().find(|(k, _)| k == attr) {
        if v != given {
            // AdminCreateUser "Pool with UsernameAttributes=[email]", conf. B.
            return Err(ApiError::invalid_parameter(format!(
                "User {attr} should be empty or same as username, since username attribute is \
                 {attr}"
            )));
        }
    }
    if pool.resolve(given).is_some() {
        // Ops §5 SignUp "Email already used by another account", conf. A.
        let what = if attr == "email" {
            "email"
        } else {
            "phone_number"
        };
        return Err(ApiError::new(
            "UsernameExistsException",
            format!("An account with the given {what} already exists."),
        ));
    }
    if !attrs.iter().any(|(k, _)| k == attr) {
        attrs.push((attr.to_owned(), given.to_owned()));
    }
    Ok(sub.to_owned())
}

/// A verified e-mail or phone alias `user` now claims: another user holding the same verified
/// value either loses the verification (`force`), or the claim is refused with `refusal`:
/// UsernameExistsException on AdminCreateUser ("Email already verified on another user, in a
/// pool where email is an alias", conf. B; AliasExistsException is not among its declared
/// errors), AliasExistsException on ConfirmSignUp (conf. B). The message names the attribute
/// (moto's wording, conf. C).
pub(super) fn claim_aliases(
    pool: &mut Pool,
    user: &str,
    attrs: &[(String, String)],
    force: bool,
    refusal: &str,
) -> Result<(), ApiError> {
    for alias in ["email", "phone_number"] {
        if !pool.alias_attributes.iter().any(|a| a == alias) {
            continue;
        }
        let flag = format!("{alias}_verified");
        let value = attrs.iter().find(|(k, _)| k == alias).map(|(_, v)| v);
        let verified = attrs.iter().any(|(k, v)| *k == flag && v == "true");
        let (Some(value), true) = (value, verified) else {
            continue;
        };
        let holders: Vec<String> = pool
            .users
            .values()
            .filter(|u| u.username != user && u.attr(alias) == Some(value) && u.verified(alias))
            .map(|u| u.username.clone())
            .collect();
        if holders.is_empty() {
            continue;
        }
        if !force {
            return Err(ApiError::new(
                refusal,
                format!("An account with the given {alias} already exists."),
            ));
        }
        for h in holders {
            if let Some(u) = pool.users.get_mut(&h) {
                u.set_attr(&flag, "false");
            }
        }
    }
    Ok(())
}

impl State {
    fn admin_create_user(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let given = str_of(input, "Username").unwrap_or_default();
        if str_of(input, "MessageAction") == Some("RESEND") {
            // RESEND re-sends the invitation of an existing user ("RESEND for a user that doesn't
            // exist", conf. A); only one never signed in has one (conf. C).
            let user = pool.user_mut(given)?;
            if user.status != FORCE_CHANGE_PASSWORD {
                return Err(ApiError::new(
                    "UnsupportedUserStateException",
                    format!(
                        "Resend not possible. {} status is not FORCE_CHANGE_PASSWORD",
                        user.username
                    ),
                ));
            }
            return Ok(json!({"User": user.user_type()}));
        }
        let mut attrs = attribute_list(input.get("UserAttributes"));
        check_attributes(pool, &attrs, Writer::Admin, Write::Create)?;
        let sub = uuid_like(ctx.rng);
        let username = new_username(pool, given, &sub, &mut attrs, "User account already exists")?;
        let password = match str_of(input, "TemporaryPassword") {
            Some(p) => {
                pool.policy.check(p)?;
                p.to_owned()
            }
            None => temporary_password(&pool.policy, ctx.rng),
        };
        check_required(pool, &attrs)?;
        let force = input.get("ForceAliasCreation").and_then(Value::as_bool) == Some(true);
        claim_aliases(pool, &username, &attrs, force, "UsernameExistsException")?;
        let mut all = vec![("sub".to_owned(), sub)];
        all.extend(attrs);
        let mut user = User::new(username.clone(), all, FORCE_CHANGE_PASSWORD, ctx.now);
        user.password = Some(password);
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
        policy.check_short(password)?;
        // "Permanent: true" CONFIRMED (conf. A/B); "Permanent: false" FORCE_CHANGE_PASSWORD
        // (conf. B).
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

    /// The user must choose a new password: RESET_REQUIRED, with a code sent as ForgotPassword
    /// sends one (AdminResetUserPassword rows).
    fn admin_reset_user_password(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let key = pool.key_of(input)?;
        let user = pool.users.get(&key).ok_or_else(user_not_found)?;
        if !user.enabled {
            // "Disabled user", conf. B (no period).
            return Err(ApiError::not_authorized("User is disabled"));
        }
        if user.status == FORCE_CHANGE_PASSWORD || user.status == UNCONFIRMED {
            // "User in FORCE_CHANGE_PASSWORD", conf. B.
            return Err(ApiError::not_authorized(
                "User password cannot be reset in the current state.",
            ));
        }
        if pool.recovery_delivery(user).is_none() {
            // "No verified email or phone", conf. C.
            return Err(ApiError::invalid_parameter(
                "Cannot reset password for the user as there is no registered/verified email \
                 or phone_number",
            ));
        }
        let user = pool.users.get_mut(&key).ok_or_else(user_not_found)?;
        user.issue_recovery_code(ctx);
        user.status = RESET_REQUIRED.to_owned();
        user.modified = ctx.now;
        Ok(empty())
    }

    fn admin_update_user_attributes(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let key = pool.key_of(input)?;
        let changes = attribute_list(input.get("UserAttributes"));
        check_attributes(pool, &changes, Writer::Admin, Write::Update)?;
        update_attributes(pool, &key, &changes, ctx.now)?;
        // "Pool where email is an alias; new email equals another user's email": no
        // AliasExistsException, the other user's email becomes unverified (conf. A).
        let now_verified: Vec<(String, String)> = {
            let user = pool.users.get(&key).ok_or_else(user_not_found)?;
            user.attributes.clone()
        };
        claim_aliases(pool, &key, &now_verified, true, "AliasExistsException")?;
        Ok(empty())
    }

    fn admin_delete_user_attributes(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let key = pool.key_of(input)?;
        let names = strings(input.get("UserAttributeNames"));
        delete_attributes(pool, &key, &names, ctx.now)?;
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
        if !enabled {
            // Disabling "revokes all access tokens for the user" (model AdminDisableUser,
            // conf. B), and the refresh tokens with them (ops §4 AdminDisableUser "Existing
            // tokens", conf. B).
            let (pool_id, key) = (pool.id.clone(), pool.key_of(input)?);
            self.sign_out(&pool_id, &key);
        }
        Ok(empty())
    }

    fn admin_get_user(&mut self, input: &Value) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let user = pool.user_mut(str_of(input, "Username").unwrap_or_default())?;
        let mut out = json!({
            "Username": user.username,
            "UserAttributes": user.attributes_json(),
            "UserCreateDate": epoch(user.created),
            "UserLastModifiedDate": epoch(user.modified),
            "Enabled": user.enabled,
            "UserStatus": user.status,
        });
        user.mfa.add_settings(&mut out);
        Ok(out)
    }

    fn admin_delete_user(&mut self, input: &Value) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let key = pool.key_of(input)?;
        pool.remove_user(&key);
        Ok(empty())
    }

    /// ListUsers rows: the filter, `AttributesToGet`, pages of `Limit` under `PaginationToken`.
    fn list_users(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let only = input.get("AttributesToGet").map(|v| strings(Some(v)));
        if only.as_ref().is_some_and(|o| o.iter().any(|a| a == "sub")) {
            // "AttributesToGet includes sub", conf. A.
            return Err(ApiError::invalid_parameter(
                "Input fails to satisfy the constraints.",
            ));
        }
        let filter = filter::parse(str_of(input, "Filter").unwrap_or_default())?;
        let items = pool
            .users
            .iter()
            .filter(|(_, u)| filter.as_ref().is_none_or(|f| f.matches(u)))
            .map(|(k, u)| (k.as_str(), u.user_type_with(only.as_deref())));
        page_by("PaginationToken", "Users", items, &pool.id, input, ctx)
    }
}

/// Writes attributes to a stored user. A new e-mail or phone number is unverified unless the
/// same call says otherwise (AdminUpdateUserAttributes "Email changed but not verified", conf.
/// A); an attribute the pool signs users in by may not be taken from another user
/// (AdminUpdateUserAttributes "Pool with UsernameAttributes=[email], email taken", conf. C).
/// Returns the e-mail and phone attributes whose value changed.
pub(super) fn update_attributes(
    pool: &mut Pool,
    key: &str,
    changes: &[(String, String)],
    now: SystemTime,
) -> Result<Vec<String>, ApiError> {
    for attr in &pool.username_attributes {
        if let Some((_, v)) = changes.iter().find(|(k, _)| k == attr) {
            let taken = pool
                .users
                .values()
                .any(|u| u.username != key && u.attr(attr).is_some_and(|x| pool.same_name(x, v)));
            if taken {
                return Err(ApiError::new(
                    "AliasExistsException",
                    format!("An account with the given {attr} already exists."),
                ));
            }
        }
    }
    let user = pool.users.get_mut(key).ok_or_else(user_not_found)?;
    let mut changed = Vec::new();
    for (k, v) in changes {
        let differs = user.attr(k) != Some(v.as_str());
        user.set_attr(k, v);
        if differs && (k == "email" || k == "phone_number") {
            changed.push(k.clone());
            let flag = format!("{k}_verified");
            if !changes.iter().any(|(n, _)| *n == flag) {
                user.set_attr(&flag, "false");
            }
        }
    }
    user.modified = now;
    Ok(changed)
}

/// Deletes attributes of a stored user: names the schema lacks are refused, one line each
/// (AdminDeleteUserAttributes "Attribute not in the schema", moto's form, conf. C); `sub` may
/// not go (conf. C). An e-mail or phone number takes its verification flag with it.
pub(super) fn delete_attributes(
    pool: &mut Pool,
    key: &str,
    names: &[String],
    now: SystemTime,
) -> Result<(), ApiError> {
    let unknown: String = names
        .iter()
        .filter(|n| !pool.has_attribute(n))
        .map(|n| format!("user.{n}: Attribute does not exist in the schema.\n"))
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid user attributes: {unknown}"
        )));
    }
    if names.iter().any(|n| n == "sub") {
        return Err(ApiError::invalid_parameter(
            "Cannot modify the non-mutable attribute sub",
        ));
    }
    let user = pool.users.get_mut(key).ok_or_else(user_not_found)?;
    for n in names {
        user.remove_attr(n);
        if n == "email" || n == "phone_number" {
            user.remove_attr(&format!("{n}_verified"));
        }
    }
    user.modified = now;
    Ok(())
}

/// A temporary password that satisfies the pool's policy (never shown: AdminCreateUser sends
/// no message here).
fn temporary_password(policy: &PasswordPolicy, rng: &mut impl Rng) -> String {
    let mut p = String::from("Aa1!");
    let len = policy.min_length.max(12) as usize;
    p.push_str(&Alphanumeric.sample_string(rng, len.saturating_sub(4)));
    p
}
