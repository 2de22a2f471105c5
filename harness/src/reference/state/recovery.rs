//! Password recovery: ForgotPassword and ConfirmForgotPassword. The operations of this group, registered by name in [`HANDLERS`]; the state they
//! work on is the parent module's.

use super::*;

/// This group's operations and their handlers.
pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("ForgotPassword", |s, i, c| s.forgot_password(i, c)),
    ("ConfirmForgotPassword", |s, i, c| {
        s.confirm_forgot_password(i, c)
    }),
];

impl State {
    fn forgot_password(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let (name, pool_id, client, resolved) = self.public_caller(input)?;
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
            return Err(combination_not_found());
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
        user.issue_recovery_code(ctx);
        Ok(json!({"CodeDeliveryDetails": details}))
    }

    fn confirm_forgot_password(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let (_, pool_id, client, resolved) = self.public_caller(input)?;
        let Some(key) = resolved else {
            return Err(if client.hide_existence {
                // §4 "ConfirmForgotPassword, unknown user, ENABLED".
                code_mismatch()
            } else {
                // §4 "ConfirmForgotPassword, unknown user, LEGACY" (by analogy).
                combination_not_found()
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
                    return Err(code_expired());
                }
                let password = str_of(input, "Password").unwrap_or_default();
                // The code is not consumed when the new password is refused.
                policy.check(password)?;
                user.password = Some(password.to_owned());
                user.status = CONFIRMED.to_owned();
                user.code = None;
                user.spend(Some(c));
                user.failed_attempts = 0;
                user.modified = ctx.now;
                Ok(empty())
            }
            None if user.spent_codes.contains(code) => Err(code_expired()),
            // Attempts count against an issued code only: with none pending there is nothing to
            // guess, and the outcome of a wrong code stays the same whatever ran before it, which
            // keeps concurrent runs and snapshots deterministic. AWS's counting is undocumented.
            None if user.code.is_none() => Err(code_mismatch()),
            None => {
                user.failed_attempts += 1;
                Err(code_mismatch())
            }
        }
    }
}
