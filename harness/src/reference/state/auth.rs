//! Signing in: InitiateAuth and AdminInitiateAuth with their flows (password, SRP, refresh),
//! and the challenges that may follow (PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED, MFA_SETUP,
//! SOFTWARE_TOKEN_MFA) answered by RespondToAuthChallenge and AdminRespondToAuthChallenge. The
//! operations of this group, registered by name in [`HANDLERS`]; tokens are minted in `tokens`.
//! Evidence rows cited here are in `aws-behaviour-ops.md` §6 unless noted.

use super::*;

/// This group's operations and their handlers.
pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("InitiateAuth", |s, i, c| s.initiate_auth(i, c, Api::Public)),
    ("AdminInitiateAuth", |s, i, c| {
        s.initiate_auth(i, c, Api::Admin)
    }),
    ("RespondToAuthChallenge", |s, i, c| {
        s.respond_to_auth_challenge(i, c, Api::Public)
    }),
    ("AdminRespondToAuthChallenge", |s, i, c| {
        s.respond_to_auth_challenge(i, c, Api::Admin)
    }),
];

/// Which side of the API a sign-in comes through.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Api {
    Public,
    Admin,
}

/// The `ExplicitAuthFlows` values that allow a flow; an empty list allows SRP, refresh and
/// custom auth (ops §1 CreateUserPoolClient "ExplicitAuthFlows left out", conf. B / A).
fn allowed(client: &Client, flow: &str) -> bool {
    let names: &[&str] = match flow {
        "USER_PASSWORD_AUTH" => &["ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"],
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
            &["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"]
        }
        "USER_SRP_AUTH" => &["ALLOW_USER_SRP_AUTH"],
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => &["ALLOW_REFRESH_TOKEN_AUTH"],
        "CUSTOM_AUTH" => &["ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"],
        "USER_AUTH" => &["ALLOW_USER_AUTH"],
        _ => &[],
    };
    if client.explicit_auth_flows.is_empty() {
        return matches!(
            flow,
            "USER_SRP_AUTH" | "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" | "CUSTOM_AUTH"
        );
    }
    client
        .explicit_auth_flows
        .iter()
        .any(|f| names.contains(&f.as_str()))
}

/// The salt of a user's SRP verifier: stable for the user, as a stored verifier's is.
fn srp_salt(pool_id: &str, username: &str) -> [u8; 16] {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("srp salt\n{pool_id}\n{username}"));
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&d[..16]);
    salt
}

/// A parameter of `AuthParameters` or `ChallengeResponses`.
fn param<'a>(input: &'a Value, member: &str, key: &str) -> Option<&'a str> {
    input
        .get(member)
        .and_then(|p| p.get(key))
        .and_then(Value::as_str)
}

fn missing(name: &str) -> ApiError {
    ApiError::invalid_parameter(format!("Missing required parameter {name}"))
}

fn incorrect() -> ApiError {
    // "Wrong password", conf. A.
    ApiError::not_authorized("Incorrect username or password.")
}

impl State {
    /// The client, and for the admin API the pool it must belong to.
    fn auth_client(&self, input: &Value, api: Api) -> Result<(String, Client), ApiError> {
        if api == Api::Admin {
            let pool_id = str_of(input, "UserPoolId").unwrap_or_default();
            if !self.pools.contains_key(pool_id) {
                return Err(pool_not_found(pool_id));
            }
        }
        let (pool_id, client) = self.client(input)?;
        if api == Api::Admin && str_of(input, "UserPoolId") != Some(pool_id.as_str()) {
            return Err(ApiError::new(
                "ResourceNotFoundException",
                format!("User pool client {} does not exist.", client.id),
            ));
        }
        Ok((pool_id, client))
    }

    fn initiate_auth(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
        api: Api,
    ) -> Result<Value, ApiError> {
        let (pool_id, client) = self.auth_client(input, api)?;
        let flow = str_of(input, "AuthFlow").unwrap_or_default();
        let admin_flow = matches!(flow, "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH");
        let user_flow = matches!(flow, "USER_PASSWORD_AUTH" | "USER_SRP_AUTH");
        if (api == Api::Public && admin_flow) || (api == Api::Admin && user_flow) {
            // AdminInitiateAuth "User-only flow on the admin API" (conf. C), and its mirror.
            return Err(ApiError::invalid_parameter(
                "Initiate Auth method not supported",
            ));
        }
        if !allowed(&client, flow) {
            // "Flow not in the client's ExplicitAuthFlows", conf. C.
            return Err(ApiError::invalid_parameter(format!(
                "{flow} flow not enabled for this client"
            )));
        }
        match flow {
            "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
                let token = param(input, "AuthParameters", "REFRESH_TOKEN")
                    .ok_or_else(|| missing("REFRESH_TOKEN"))?;
                let session = self.refresh_session(token, &client.id, ctx.now)?;
                let names = self.names_of(&session.pool_id, &session.username);
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                check_secret(
                    &client,
                    param(input, "AuthParameters", "SECRET_HASH"),
                    &names,
                    HashCarrier::AuthParameter,
                )?;
                self.mint(
                    &session.pool_id,
                    &session.username,
                    &client,
                    Some(session.origin),
                    ctx,
                )
            }
            "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
                let key = self.signing_in(input, &pool_id, &client)?;
                let password = param(input, "AuthParameters", "PASSWORD")
                    .ok_or_else(|| missing("PASSWORD"))?;
                let user = self.user_of(&pool_id, &key)?;
                if user.password.as_deref() != Some(password) {
                    return Err(incorrect());
                }
                self.after_password(&pool_id, &key, &client, ctx)
            }
            "USER_SRP_AUTH" => {
                let key = self.signing_in(input, &pool_id, &client)?;
                let srp_a =
                    param(input, "AuthParameters", "SRP_A").ok_or_else(|| missing("SRP_A"))?;
                let user = self.user_of(&pool_id, &key)?;
                let password = user.password.clone().unwrap_or_default();
                let b: [u8; 32] = ctx.rng.random();
                let server = crate::srp::Server::start(
                    srp_a,
                    &pool_id,
                    &key,
                    &password,
                    &srp_salt(&pool_id, &key),
                    &b,
                )
                .ok_or_else(|| ApiError::invalid_parameter("Invalid SRP_A value"))?;
                let block: [u8; 64] = ctx.rng.random();
                let block =
                    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, block);
                let params = json!({
                    "SALT": server.salt_hex(),
                    "SECRET_BLOCK": block,
                    "SRP_B": server.public_hex(),
                    "USERNAME": key,
                    "USER_ID_FOR_SRP": key,
                });
                self.pend(
                    &pool_id,
                    &key,
                    &client,
                    "PASSWORD_VERIFIER",
                    Some((server, block.clone())),
                    ctx,
                );
                Ok(json!({"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": params}))
            }
            _ => Err(ApiError::not_implemented(&format!("sign-in flow {flow}"))),
        }
    }

    /// The names a user's secret hash may be computed over: the stored username and `sub`.
    fn names_of(&self, pool_id: &str, username: &str) -> Vec<String> {
        let mut names = vec![username.to_owned()];
        if let Some(sub) = self
            .pools
            .get(pool_id)
            .and_then(|p| p.users.get(username))
            .and_then(|u| u.attr("sub"))
        {
            names.push(sub.to_owned());
        }
        names
    }

    fn user_of(&self, pool_id: &str, key: &str) -> Result<&User, ApiError> {
        self.pools
            .get(pool_id)
            .and_then(|p| p.users.get(key))
            .ok_or_else(user_not_found)
    }

    /// The user a sign-in names (`USERNAME`), checked in the order AWS answers: the secret
    /// hash, an unknown user (hidden when the client hides existence, ops §4), a disabled user
    /// (ops §4 AdminDisableUser "Later sign-in", conf. A), an unconfirmed one ("Unconfirmed
    /// user, even with a wrong password", conf. A).
    fn signing_in(
        &mut self,
        input: &Value,
        pool_id: &str,
        client: &Client,
    ) -> Result<String, ApiError> {
        let name = param(input, "AuthParameters", "USERNAME")
            .ok_or_else(|| missing("USERNAME"))?
            .to_owned();
        let (_, _, resolved) = self.public_user(
            input,
            &name,
            param(input, "AuthParameters", "SECRET_HASH"),
            HashCarrier::AuthParameter,
        )?;
        let Some(key) = resolved else {
            return Err(if client.hide_existence {
                incorrect()
            } else {
                user_not_found()
            });
        };
        let user = self.user_of(pool_id, &key)?;
        if !user.enabled {
            return Err(ApiError::not_authorized("User is disabled."));
        }
        if user.status == UNCONFIRMED {
            return Err(ApiError::new(
                "UserNotConfirmedException",
                "User is not confirmed.",
            ));
        }
        Ok(key)
    }

    /// What follows a proven password: a reset or a new password required, an MFA challenge,
    /// or the tokens.
    fn after_password(
        &mut self,
        pool_id: &str,
        key: &str,
        client: &Client,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let pool = self
            .pools
            .get(pool_id)
            .ok_or_else(|| pool_not_found(pool_id))?;
        let user = pool.users.get(key).ok_or_else(user_not_found)?;
        if user.status == RESET_REQUIRED {
            // The model's PasswordResetRequiredException (conf. C: no row gives the message).
            return Err(ApiError::new(
                "PasswordResetRequiredException",
                "Password reset required for the user",
            ));
        }
        if user.status == FORCE_CHANGE_PASSWORD {
            // "User in FORCE_CHANGE_PASSWORD", conf. A; the parameters' form, conf. B.
            let attrs: Map<String, Value> = user
                .attributes
                .iter()
                .filter(|(k, _)| k != "sub" && !k.ends_with("_verified"))
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            let required: Vec<String> = pool
                .required
                .iter()
                .filter(|r| user.attr(r).is_none())
                .map(|r| format!("userAttributes.{r}"))
                .collect();
            let params = json!({
                "USER_ID_FOR_SRP": user.username,
                "requiredAttributes": Value::from(required).to_string(),
                "userAttributes": Value::Object(attrs).to_string(),
            });
            return Ok(self.challenge(pool_id, key, client, "NEW_PASSWORD_REQUIRED", params, ctx));
        }
        let mode = pool
            .echo
            .get("MfaConfiguration")
            .and_then(Value::as_str)
            .unwrap_or("OFF");
        let token_ready = user.mfa.secret.is_some();
        let challenge = match mode {
            // "User enrolled in TOTP" (conf. A); on a pool with MFA ON, a verified token is
            // enough (moto-av::test_user_authentication_flow_mfa_on).
            "ON" if token_ready => Some("SOFTWARE_TOKEN_MFA"),
            // "Pool MFA ON, user not enrolled", conf. A.
            "ON" => Some("MFA_SETUP"),
            "OPTIONAL" if token_ready && user.mfa.enabled => Some("SOFTWARE_TOKEN_MFA"),
            _ => None,
        };
        match challenge {
            Some("MFA_SETUP") => {
                let params = json!({"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]"});
                Ok(self.challenge(pool_id, key, client, "MFA_SETUP", params, ctx))
            }
            Some(name) => {
                let params = json!({"USER_ID_FOR_SRP": key});
                Ok(self.challenge(pool_id, key, client, name, params, ctx))
            }
            None => self.mint(pool_id, key, client, None, ctx),
        }
    }

    fn challenge(
        &mut self,
        pool_id: &str,
        key: &str,
        client: &Client,
        name: &str,
        params: Value,
        ctx: &mut Ctx<'_>,
    ) -> Value {
        let session = self.pend(pool_id, key, client, name, None, ctx);
        json!({"ChallengeName": name, "Session": session, "ChallengeParameters": params})
    }

    /// RespondToAuthChallenge and AdminRespondToAuthChallenge: the answer to the challenge the
    /// Session (or, for PASSWORD_VERIFIER, the secret block) names.
    fn respond_to_auth_challenge(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
        api: Api,
    ) -> Result<Value, ApiError> {
        let (pool_id, client) = self.auth_client(input, api)?;
        let name = str_of(input, "ChallengeName").unwrap_or_default();
        let answer = |k: &str| param(input, "ChallengeResponses", k);
        let pending = if name == "PASSWORD_VERIFIER" {
            let block = answer("PASSWORD_CLAIM_SECRET_BLOCK")
                .ok_or_else(|| missing("PASSWORD_CLAIM_SECRET_BLOCK"))?;
            self.take_pending(Some(block), &client.id, ctx.now)?
        } else {
            self.take_pending(str_of(input, "Session"), &client.id, ctx.now)?
        };
        let invalid = || ApiError::not_authorized("Invalid session for the user.");
        if pending.challenge != name || pending.pool_id != pool_id {
            return Err(invalid());
        }
        let key = pending.username.clone();
        let given = answer("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        let pool = self
            .pools
            .get(&pool_id)
            .ok_or_else(|| pool_not_found(&pool_id))?;
        if pool.resolve(given).as_deref() != Some(key.as_str()) {
            return Err(invalid());
        }
        let names = self.names_of(&pool_id, &key);
        let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
        names.push(given);
        check_secret(
            &client,
            answer("SECRET_HASH"),
            &names,
            HashCarrier::AuthParameter,
        )?;
        match name {
            "PASSWORD_VERIFIER" => {
                let (server, block) = pending.srp.ok_or_else(invalid)?;
                let user = self.user_of(&pool_id, &key)?;
                let proven = server.verify(
                    &pool_id,
                    &key,
                    user.password.as_deref().unwrap_or_default(),
                    &block,
                    answer("TIMESTAMP").ok_or_else(|| missing("TIMESTAMP"))?,
                    answer("PASSWORD_CLAIM_SIGNATURE")
                        .ok_or_else(|| missing("PASSWORD_CLAIM_SIGNATURE"))?,
                );
                if !proven {
                    return Err(incorrect());
                }
                self.after_password(&pool_id, &key, &client, ctx)
            }
            "NEW_PASSWORD_REQUIRED" => {
                let password = answer("NEW_PASSWORD").ok_or_else(|| missing("NEW_PASSWORD"))?;
                let pool = self
                    .pools
                    .get_mut(&pool_id)
                    .ok_or_else(|| pool_not_found(&pool_id))?;
                pool.policy.check_short(password)?;
                let given: Vec<(String, String)> = input
                    .get("ChallengeResponses")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .filter_map(|(k, v)| {
                        Some((
                            k.strip_prefix("userAttributes.")?.to_owned(),
                            v.as_str()?.to_owned(),
                        ))
                    })
                    .collect();
                let required = pool.required.clone();
                let user = pool.users.get_mut(&key).ok_or_else(user_not_found)?;
                if let Some(r) = required
                    .iter()
                    .find(|r| user.attr(r).is_none() && !given.iter().any(|(k, _)| k == *r))
                {
                    // "Required attribute not sent with NEW_PASSWORD", conf. A.
                    return Err(ApiError::invalid_parameter(format!(
                        "Invalid attributes given, {r} is missing"
                    )));
                }
                for (k, v) in given {
                    user.set_attr(&k, &v);
                }
                user.password = Some(password.to_owned());
                user.status = CONFIRMED.to_owned();
                user.modified = ctx.now;
                self.after_password(&pool_id, &key, &client, ctx)
            }
            "SOFTWARE_TOKEN_MFA" => {
                let code = answer("SOFTWARE_TOKEN_MFA_CODE")
                    .ok_or_else(|| missing("SOFTWARE_TOKEN_MFA_CODE"))?;
                let now = ctx.now;
                let pool = self
                    .pools
                    .get_mut(&pool_id)
                    .ok_or_else(|| pool_not_found(&pool_id))?;
                let user = pool.users.get_mut(&key).ok_or_else(user_not_found)?;
                user.mfa.answer(code, now)?;
                self.mint(&pool_id, &key, &client, None, ctx)
            }
            "MFA_SETUP" => {
                // "MFA_SETUP answered ... with the Session from VerifySoftwareToken", conf. A.
                if self.user_of(&pool_id, &key)?.mfa.secret.is_none() {
                    return Err(invalid());
                }
                self.mint(&pool_id, &key, &client, None, ctx)
            }
            other => Err(ApiError::not_implemented(&format!("challenge {other}"))),
        }
    }
}
