//! Signing in. The operations of this group, registered by name in [`HANDLERS`]; the state they
//! work on is the parent module's.

use super::*;

/// This group's operations and their handlers.
pub(super) const HANDLERS: &[(&str, Handler)] =
    &[("InitiateAuth", |s, i, c| s.initiate_auth(i, c))];

impl State {
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
            // ops §4 AdminDisableUser "Later sign-in", conf. A.
            return Err(ApiError::not_authorized("User is disabled."));
        }
        if user.status == UNCONFIRMED {
            // ops §6 InitiateAuth "Unconfirmed user, even with a wrong password", conf. A.
            return Err(ApiError::new(
                "UserNotConfirmedException",
                "User is not confirmed.",
            ));
        }
        if user.password.as_deref() != Some(password) {
            return Err(incorrect());
        }
        if user.status == RESET_REQUIRED {
            // The model's PasswordResetRequiredException (conf. C: no row gives the message).
            return Err(ApiError::new(
                "PasswordResetRequiredException",
                "Password reset required for the user",
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
        // Kept, so the user's own operations know whose it is.
        self.tokens.insert(
            access.clone(),
            Session {
                pool_id: pool_id.clone(),
                username: key,
            },
        );
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
