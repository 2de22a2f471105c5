//! Signing up: SignUp, ConfirmSignUp, ResendConfirmationCode and AdminConfirmSignUp. The
//! operations of this group, registered by name in [`HANDLERS`]; the state they work on is the
//! parent module's. Evidence rows cited here are in `aws-behaviour-ops.md` §5 unless noted.

use super::users::{
    attribute_list, check_attributes, check_required, claim_aliases, new_username, Write, Writer,
};
use super::*;

/// This group's operations and their handlers.
pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("SignUp", |s, i, c| s.sign_up(i, c)),
    ("ConfirmSignUp", |s, i, c| s.confirm_sign_up(i, c)),
    ("ResendConfirmationCode", |s, i, c| {
        s.resend_confirmation_code(i, c)
    }),
    ("AdminConfirmSignUp", |s, i, c| {
        s.admin_confirm_sign_up(i, c)
    }),
];

/// Sign-up codes are valid for 24 hours (the developer guide's figure; conf. C: no row).
const SIGNUP_CODE_VALIDITY: Duration = Duration::from_secs(24 * 3600);

/// ConfirmSignUp "User already CONFIRMED" (conf. A), AdminConfirmSignUp (conf. C).
fn cannot_confirm(status: &str) -> ApiError {
    ApiError::not_authorized(format!(
        "User cannot be confirmed. Current status is {status}"
    ))
}

/// Where a sign-up code goes: the first auto-verified attribute the user has (SignUp "Success,
/// email auto-verified" and "Email auto-verified but no email supplied", conf. A).
fn signup_delivery(pool: &Pool, user: &User) -> Option<Value> {
    let auto = pool.auto_verified();
    if auto.iter().any(|a| a == "email") {
        if let Some(e) = user.attr("email") {
            return Some(delivery("EMAIL", "email", mask_email(e)));
        }
    }
    if auto.iter().any(|a| a == "phone_number") {
        if let Some(p) = user.attr("phone_number") {
            return Some(delivery("SMS", "phone_number", mask_phone(p)));
        }
    }
    None
}

impl State {
    fn sign_up(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let (given, pool_id, _, _) = self.public_caller(input)?;
        let pool = self
            .pools
            .get_mut(&pool_id)
            .ok_or_else(|| pool_not_found(&pool_id))?;
        let mut attrs = attribute_list(input.get("UserAttributes"));
        check_attributes(pool, &attrs, Writer::User, Write::Create)?;
        let sub = uuid_like(ctx.rng);
        // "Username already taken", conf. A (floci fixture): `User already exists`.
        let username = new_username(pool, given, &sub, &mut attrs, "User already exists")?;
        let password = str_of(input, "Password").unwrap_or_default();
        pool.policy.check_short(password)?;
        check_required(pool, &attrs)?;
        let mut all = vec![("sub".to_owned(), sub.clone())];
        all.extend(attrs);
        let mut user = User::new(username.clone(), all, UNCONFIRMED, ctx.now);
        user.password = Some(password.to_owned());
        user.signup_code = Some(user.fresh_code(ctx));
        let mut out = json!({"UserConfirmed": false, "UserSub": sub});
        if let Some(d) = signup_delivery(pool, &user) {
            out["CodeDeliveryDetails"] = d;
        }
        pool.users.insert(username, user);
        Ok(out)
    }

    fn confirm_sign_up(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let (_, pool_id, client, resolved) = self.public_caller(input)?;
        let Some(key) = resolved else {
            // The unknown user's answers of ConfirmForgotPassword (conf. C here): under ENABLED, as ConfirmForgotPassword (aws-behaviour.md §4, conf. C here).
            return Err(if client.hide_existence {
                code_mismatch()
            } else {
                combination_not_found()
            });
        };
        let pool = self
            .pools
            .get_mut(&pool_id)
            .ok_or_else(|| pool_not_found(&pool_id))?;
        let auto = pool.auto_verified();
        let user = pool.users.get(&key).ok_or_else(user_not_found)?;
        if user.status != UNCONFIRMED {
            return Err(cannot_confirm(&user.status));
        }
        let code = str_of(input, "ConfirmationCode").unwrap_or_default();
        match user.signup_code.clone() {
            Some(c) if c.value == code => {
                let deadline = c
                    .issued
                    .checked_add(SIGNUP_CODE_VALIDITY)
                    .unwrap_or(c.issued);
                if ctx.now >= deadline {
                    // ConfirmSignUp "Expired code", conf. B.
                    return Err(code_expired());
                }
            }
            // ConfirmSignUp "Wrong code", conf. A.
            _ => return Err(code_mismatch()),
        }
        // The attributes the code went to are verified by it.
        let verified: Vec<String> = auto
            .into_iter()
            .filter(|a| user.attr(a).is_some())
            .collect();
        let mut claimed = user.attributes.clone();
        for a in &verified {
            claimed.push((format!("{a}_verified"), "true".to_owned()));
        }
        // ConfirmSignUp "ForceAliasCreation false, alias owned by someone else", conf. B.
        let force = input.get("ForceAliasCreation").and_then(Value::as_bool) == Some(true);
        claim_aliases(pool, &key, &claimed, force, "AliasExistsException")?;
        let user = pool.users.get_mut(&key).ok_or_else(user_not_found)?;
        for a in &verified {
            user.set_attr(&format!("{a}_verified"), "true");
        }
        let used = user.signup_code.take();
        user.spend(used);
        user.status = CONFIRMED.to_owned();
        user.modified = ctx.now;
        Ok(empty())
    }

    fn resend_confirmation_code(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let (name, pool_id, client, resolved) = self.public_caller(input)?;
        let pool = self
            .pools
            .get_mut(&pool_id)
            .ok_or_else(|| pool_not_found(&pool_id))?;
        if pool.auto_verified().is_empty() {
            // §8 "Cannot resend codes. Auto verification not turned on.", conf. B.
            return Err(ApiError::invalid_parameter(
                "Cannot resend codes. Auto verification not turned on.",
            ));
        }
        let Some(key) = resolved else {
            if client.hide_existence {
                // A simulated delivery, as ForgotPassword's under ENABLED (aws-behaviour.md §4,
                // which says the same of account confirmation; conf. C here).
                let fake = mask_email(&format!("{name}@example.com"));
                return Ok(json!({"CodeDeliveryDetails": delivery("EMAIL", "email", fake)}));
            }
            return Err(combination_not_found());
        };
        let user = pool.users.get(&key).ok_or_else(user_not_found)?;
        if user.status != UNCONFIRMED {
            // Conf. C (no row gives the message).
            return Err(ApiError::invalid_parameter("User is already confirmed."));
        }
        let details = signup_delivery(pool, user).ok_or_else(|| {
            ApiError::invalid_parameter(
                "Cannot resend codes. The user has no e-mail address or phone number to send them \
                 to.",
            )
        })?;
        let user = pool.users.get_mut(&key).ok_or_else(user_not_found)?;
        // The new code replaces the one sent before.
        let old = user.signup_code.take();
        user.spend(old);
        user.signup_code = Some(user.fresh_code(ctx));
        Ok(json!({"CodeDeliveryDetails": details}))
    }

    fn admin_confirm_sign_up(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let user = pool.user_mut(str_of(input, "Username").unwrap_or_default())?;
        // AdminConfirmSignUp "UNCONFIRMED user created by SignUp", conf. A; "User already
        // CONFIRMED", conf. C.
        if user.status != UNCONFIRMED {
            return Err(cannot_confirm(&user.status));
        }
        let pending = user.signup_code.take();
        user.spend(pending);
        user.status = CONFIRMED.to_owned();
        user.modified = ctx.now;
        Ok(empty())
    }
}
