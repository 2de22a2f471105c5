//! Users, as administrators manage them. The operations of this group, registered by name in [`HANDLERS`]; the state they
//! work on is the parent module's.

use super::*;

/// This group's operations and their handlers.
pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("AdminCreateUser", |s, i, c| s.admin_create_user(i, c)),
    ("AdminSetUserPassword", |s, i, c| {
        s.admin_set_user_password(i, c)
    }),
    ("AdminUpdateUserAttributes", |s, i, c| {
        s.admin_update_user_attributes(i, c)
    }),
    ("AdminDisableUser", |s, i, c| {
        s.admin_set_enabled(i, false, c)
    }),
    ("AdminEnableUser", |s, i, c| s.admin_set_enabled(i, true, c)),
    ("AdminGetUser", |s, i, _| s.admin_get_user(i)),
    ("AdminDeleteUser", |s, i, _| s.admin_delete_user(i)),
];

impl State {
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
}

/// A temporary password that satisfies the pool's policy (never shown: AdminCreateUser sends
/// no message here).
fn temporary_password(policy: &PasswordPolicy, rng: &mut impl Rng) -> String {
    let mut p = String::from("Aa1!");
    let len = policy.min_length.max(12) as usize;
    p.push_str(&Alphanumeric.sample_string(rng, len.saturating_sub(4)));
    p
}
