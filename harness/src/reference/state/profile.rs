//! A signed-in user's own profile, reached with the access token InitiateAuth gave: GetUser,
//! UpdateUserAttributes, DeleteUserAttributes, DeleteUser, GetUserAttributeVerificationCode and
//! VerifyUserAttribute. The operations of this group, registered by name in [`HANDLERS`]; the
//! state they work on is the parent module's. Evidence rows cited here are in
//! `aws-behaviour-ops.md` §5 unless noted.

use super::users::{
    attribute_list, check_attributes, delete_attributes, update_attributes, Write, Writer,
};
use super::*;

/// This group's operations and their handlers.
pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("GetUser", |s, i, c| s.get_user(i, c)),
    ("UpdateUserAttributes", |s, i, c| {
        s.update_user_attributes(i, c)
    }),
    ("DeleteUserAttributes", |s, i, c| {
        s.delete_user_attributes(i, c)
    }),
    ("DeleteUser", |s, i, c| s.delete_user(i, c)),
    ("ChangePassword", |s, i, c| s.change_password(i, c)),
    ("GetUserAttributeVerificationCode", |s, i, c| {
        s.get_user_attribute_verification_code(i, c)
    }),
    ("VerifyUserAttribute", |s, i, c| {
        s.verify_user_attribute(i, c)
    }),
];

/// Where a verification code for `attr` of `user` goes, masked.
fn verification_delivery(user: &User, attr: &str) -> Option<Value> {
    let value = user.attr(attr)?;
    match attr {
        "email" => Some(delivery("EMAIL", "email", mask_email(value))),
        "phone_number" => Some(delivery("SMS", "phone_number", mask_phone(value))),
        _ => None,
    }
}

impl State {
    /// The pool and stored username an access token stands for: GetUser "Token that isn't a
    /// valid access token" (NotAuthorizedException `Invalid Access Token`, conf. B; §8 A/B);
    /// "User deleted after the token was issued" (`User does not exist.`, conf. B); a disabled
    /// user's token (conf. C); a signed-out or revoked one (ops §7 GlobalSignOut "Same access
    /// token used again", `Access Token has been revoked`, conf. A); an expired one (conf. C).
    pub(super) fn session(
        &mut self,
        input: &Value,
        now: SystemTime,
    ) -> Result<(&mut Pool, String), ApiError> {
        let token = str_of(input, "AccessToken").unwrap_or_default();
        let invalid = || ApiError::not_authorized("Invalid Access Token");
        let session = self.tokens.get(token).cloned().ok_or_else(invalid)?;
        if session.revoked {
            return Err(ApiError::not_authorized("Access Token has been revoked"));
        }
        if session.expires < now {
            return Err(ApiError::not_authorized("Access Token has expired"));
        }
        let pool = self.pools.get_mut(&session.pool_id).ok_or_else(invalid)?;
        let user = pool
            .users
            .get(&session.username)
            .ok_or_else(user_not_found)?;
        if !user.enabled {
            return Err(ApiError::not_authorized("User is disabled."));
        }
        Ok((pool, session.username))
    }

    fn get_user(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let (pool, key) = self.session(input, ctx.now)?;
        let user = pool.users.get(&key).ok_or_else(user_not_found)?;
        let mut out = json!({
            "Username": user.username,
            "UserAttributes": user.attributes_json(),
        });
        // "Output when the user has no MFA set": no MFA members, conf. A.
        user.mfa.add_settings(&mut out);
        Ok(out)
    }

    /// A changed e-mail or phone number is unverified and gets a code (UpdateUserAttributes
    /// "Email or phone changed", conf. B; "Phone set to its current value": no code, conf. B).
    fn update_user_attributes(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let (pool, key) = self.session(input, ctx.now)?;
        let changes = attribute_list(input.get("UserAttributes"));
        check_attributes(pool, &changes, Writer::User, Write::Update)?;
        let changed = update_attributes(pool, &key, &changes, ctx.now)?;
        let user = pool.users.get_mut(&key).ok_or_else(user_not_found)?;
        let mut list = Vec::new();
        for attr in changed {
            if let Some(d) = verification_delivery(user, &attr) {
                list.push(d);
                let code = user.fresh_code(ctx);
                user.verify_code = Some((attr, code));
            }
        }
        let mut out = Map::new();
        if !list.is_empty() {
            out.insert("CodeDeliveryDetailsList".into(), Value::Array(list));
        }
        Ok(Value::Object(out))
    }

    fn delete_user_attributes(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let (pool, key) = self.session(input, ctx.now)?;
        let names = strings(input.get("UserAttributeNames"));
        delete_attributes(pool, &key, &names, ctx.now)?;
        Ok(empty())
    }

    /// DeleteUser "Success"; the user's tokens then meet `User does not exist.` (conf. B).
    fn delete_user(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let (pool, key) = self.session(input, ctx.now)?;
        pool.remove_user(&key);
        Ok(empty())
    }

    /// GetUserAttributeVerificationCode "Output": a code to the attribute's current value. An
    /// attribute that is not an e-mail or phone number the user has is refused (conf. C).
    fn get_user_attribute_verification_code(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let (pool, key) = self.session(input, ctx.now)?;
        let attr = str_of(input, "AttributeName").unwrap_or_default();
        let user = pool.users.get_mut(&key).ok_or_else(user_not_found)?;
        let details = verification_delivery(user, attr).ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "Cannot send a verification code for {attr}: the user has no such e-mail \
                 address or phone number."
            ))
        })?;
        let code = user.fresh_code(ctx);
        user.verify_code = Some((attr.to_owned(), code));
        Ok(json!({"CodeDeliveryDetails": details}))
    }

    /// VerifyUserAttribute "Success": the attribute's flag becomes true (conf. B); "Wrong code"
    /// (conf. C).
    fn verify_user_attribute(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let (pool, key) = self.session(input, ctx.now)?;
        let attr = str_of(input, "AttributeName").unwrap_or_default();
        let code = str_of(input, "Code").unwrap_or_default();
        let user = pool.users.get_mut(&key).ok_or_else(user_not_found)?;
        match &user.verify_code {
            Some((a, c)) if a == attr && c.value == code => {}
            _ => return Err(code_mismatch()),
        }
        let used = user.verify_code.take().map(|(_, c)| c);
        user.spend(used);
        user.set_attr(&format!("{attr}_verified"), "true");
        user.modified = ctx.now;
        Ok(empty())
    }
}

impl State {
    /// ChangePassword (ops §5): "Wrong previous password" (`Incorrect username or password.`,
    /// conf. A); "Proposed password breaks the policy" (InvalidPasswordException, conf. B, in
    /// the `... with policy: ...` wording of SignUp); "Success" `{}` (conf. B).
    fn change_password(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let (pool, key) = self.session(input, ctx.now)?;
        let previous = str_of(input, "PreviousPassword");
        let proposed = str_of(input, "ProposedPassword").unwrap_or_default();
        let policy = pool.policy.clone();
        let user = pool.users.get_mut(&key).ok_or_else(user_not_found)?;
        if previous.is_none() || user.password.as_deref() != previous {
            return Err(ApiError::not_authorized("Incorrect username or password."));
        }
        policy.check_short(proposed)?;
        user.password = Some(proposed.to_owned());
        user.modified = ctx.now;
        Ok(empty())
    }
}
