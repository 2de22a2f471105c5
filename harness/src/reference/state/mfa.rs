//! Software-token MFA: AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference and
//! AdminSetUserMFAPreference, and the TOTP check the SOFTWARE_TOKEN_MFA challenge uses. The
//! operations of this group, registered by name in [`HANDLERS`]. Evidence rows cited here are in
//! `aws-behaviour-ops.md` §6 unless noted.

use super::*;
use crate::totp;

/// This group's operations and their handlers.
pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("AssociateSoftwareToken", |s, i, c| {
        s.associate_software_token(i, c)
    }),
    ("VerifySoftwareToken", |s, i, c| {
        s.verify_software_token(i, c)
    }),
    ("SetUserMFAPreference", |s, i, c| {
        s.set_user_mfa_preference(i, c)
    }),
    ("AdminSetUserMFAPreference", |s, i, _| {
        s.admin_set_user_mfa_preference(i)
    }),
];

/// How many steps either side of now a code may come from (clock drift between a phone and
/// the service).
const DRIFT_STEPS: u64 = 1;

impl UserMfa {
    /// GetUser's and AdminGetUser's MFA members, present only once a factor is enabled
    /// (AdminSetUserMFAPreference "Enabled:false": no MFA fields, conf. A).
    pub(super) fn add_settings(&self, out: &mut Value) {
        if self.enabled {
            out["UserMFASettingList"] = json!(["SOFTWARE_TOKEN_MFA"]);
            if self.preferred {
                out["PreferredMfaSetting"] = json!("SOFTWARE_TOKEN_MFA");
            }
        }
    }

    /// Checks a code against the verified token: a code is good once (RespondToAuthChallenge
    /// "TOTP code reused", ExpiredCodeException, conf. A), a wrong one is a mismatch ("Wrong MFA
    /// code", conf. A).
    pub(super) fn answer(&mut self, code: &str, now: SystemTime) -> Result<(), ApiError> {
        let Some(secret) = &self.secret else {
            return Err(ApiError::new(
                "SoftwareTokenMFANotFoundException",
                "Software Token MFA does not exist for the user.",
            ));
        };
        match matching_step(secret, code, now) {
            Some(step) if self.last_step.is_some_and(|last| step <= last) => Err(ApiError::new(
                "ExpiredCodeException",
                "Your software token has already been used once.",
            )),
            Some(step) => {
                self.last_step = Some(step);
                Ok(())
            }
            None => Err(ApiError::new(
                "CodeMismatchException",
                "Invalid code or auth state for the user.",
            )),
        }
    }
}

/// The step within the drift window whose code `code` is.
fn matching_step(secret: &str, code: &str, now: SystemTime) -> Option<u64> {
    let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let step = totp::step_of(now);
    (step.saturating_sub(DRIFT_STEPS)..=step + DRIFT_STEPS)
        .find(|s| totp::code_at(secret, s * totp::STEP).as_deref() == Some(code))
}

/// Whose token a request names: its access token, or the `Session` of an MFA_SETUP challenge
/// (AssociateSoftwareToken "With the Session from MFA_SETUP", conf. A).
enum Holder {
    Token { pool_id: String, username: String },
    Session(super::tokens::Pending),
}

impl State {
    fn holder(&mut self, input: &Value, now: SystemTime) -> Result<Holder, ApiError> {
        if input.get("AccessToken").is_none() && input.get("Session").is_none() {
            // Both members are optional in the model; one of them names the user (conf. C).
            return Err(ApiError::invalid_parameter(
                "Missing required parameter AccessToken or Session",
            ));
        }
        if input.get("AccessToken").is_some() {
            let (pool, username) = self.session(input, now)?;
            return Ok(Holder::Token {
                pool_id: pool.id.clone(),
                username,
            });
        }
        let session = str_of(input, "Session").unwrap_or_default();
        let invalid = || ApiError::not_authorized("Invalid session for the user.");
        let pending = self.challenges.remove(session).ok_or_else(invalid)?;
        if pending.challenge != "MFA_SETUP" || pending.expires < now {
            return Err(invalid());
        }
        Ok(Holder::Session(pending))
    }

    fn mfa_of(&mut self, pool_id: &str, username: &str) -> Result<&mut UserMfa, ApiError> {
        self.pools
            .get_mut(pool_id)
            .and_then(|p| p.users.get_mut(username))
            .map(|u| &mut u.mfa)
            .ok_or_else(user_not_found)
    }

    /// The holder's session, passed on under a new `Session` for the next step of MFA_SETUP.
    fn pass_on(&mut self, holder: Holder, out: &mut Value, ctx: &mut Ctx<'_>) {
        if let Holder::Session(pending) = holder {
            let session = Alphanumeric.sample_string(&mut *ctx.rng, 160);
            self.challenges.insert(session.clone(), pending);
            out["Session"] = json!(session);
        }
    }

    /// AssociateSoftwareToken "With the Session" / "With an AccessToken" (conf. A); the secret
    /// is 32 base32 characters ("SecretCode format", conf. B / A).
    fn associate_software_token(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let holder = self.holder(input, ctx.now)?;
        let (pool_id, username) = match &holder {
            Holder::Token { pool_id, username } => (pool_id.clone(), username.clone()),
            Holder::Session(p) => (p.pool_id.clone(), p.username.clone()),
        };
        let bytes: [u8; 20] = ctx.rng.random();
        let secret = totp::encode_secret(&bytes);
        self.mfa_of(&pool_id, &username)?.pending_secret = Some(secret.clone());
        let mut out = json!({"SecretCode": secret});
        self.pass_on(holder, &mut out, ctx);
        Ok(out)
    }

    /// VerifySoftwareToken "Correct code" (Status SUCCESS, a Session on the Session path,
    /// conf. A) and "Wrong code" (EnableSoftwareTokenMFAException, conf. A).
    fn verify_software_token(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let holder = self.holder(input, ctx.now)?;
        let (pool_id, username) = match &holder {
            Holder::Token { pool_id, username } => (pool_id.clone(), username.clone()),
            Holder::Session(p) => (p.pool_id.clone(), p.username.clone()),
        };
        let code = str_of(input, "UserCode").unwrap_or_default();
        let now = ctx.now;
        let mfa = self.mfa_of(&pool_id, &username)?;
        let mismatch = || {
            ApiError::new(
                "EnableSoftwareTokenMFAException",
                "Code mismatch and fail enable Software Token MFA",
            )
        };
        let secret = mfa.pending_secret.clone().ok_or_else(mismatch)?;
        let step = matching_step(&secret, code, now).ok_or_else(mismatch)?;
        mfa.secret = Some(secret);
        mfa.pending_secret = None;
        mfa.last_step = Some(step);
        let mut out = json!({"Status": "SUCCESS"});
        self.pass_on(holder, &mut out, ctx);
        Ok(out)
    }

    /// SetUserMFAPreference rows (conf. A / B).
    fn set_user_mfa_preference(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let (pool, key) = self.session(input, ctx.now)?;
        let user = pool.users.get_mut(&key).ok_or_else(user_not_found)?;
        set_preference(&mut user.mfa, input)
    }

    /// AdminSetUserMFAPreference rows (ops §4, conf. A).
    fn admin_set_user_mfa_preference(&mut self, input: &Value) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let user = pool.user_mut(str_of(input, "Username").unwrap_or_default())?;
        set_preference(&mut user.mfa, input)
    }
}

/// The software token settings of a preference request: enabling it needs a verified token
/// ("Token MFA not yet verified", conf. A on the admin variant). SMS and e-mail settings are
/// accepted and not kept: the reference sends no SMS or e-mail codes.
fn set_preference(mfa: &mut UserMfa, input: &Value) -> Result<Value, ApiError> {
    let Some(settings) = input.get("SoftwareTokenMfaSettings") else {
        return Ok(empty());
    };
    let flag = |k: &str| settings.get(k).and_then(Value::as_bool);
    let enabled = flag("Enabled").unwrap_or(mfa.enabled);
    if enabled && mfa.secret.is_none() {
        return Err(ApiError::invalid_parameter(
            "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA",
        ));
    }
    mfa.enabled = enabled;
    mfa.preferred = enabled && flag("PreferredMfa").unwrap_or(mfa.preferred);
    Ok(empty())
}
