//! Tokens: minting the RS256 ID and access tokens and the refresh token of a sign-in, the pool's
//! JWKS and discovery document, the sessions of pending challenges, and the operations that end
//! tokens (GlobalSignOut, AdminUserGlobalSignOut, RevokeToken) or renew them
//! (GetTokensFromRefreshToken). Evidence rows cited here are in `aws-behaviour-ops.md` §7 unless
//! noted.

use super::super::keys::{PoolKeys, Use};
use super::*;

/// This group's operations and their handlers.
pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("GlobalSignOut", |s, i, c| s.global_sign_out(i, c)),
    ("AdminUserGlobalSignOut", |s, i, _| {
        s.admin_user_global_sign_out(i)
    }),
    ("RevokeToken", |s, i, _| s.revoke_token(i)),
    ("GetTokensFromRefreshToken", |s, i, c| {
        s.get_tokens_from_refresh_token(i, c)
    }),
];

/// The scope of every access token a user-pool API sign-in gives ("Access token from an admin
/// or SRP flow", conf. A).
const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// A sign-in waiting for the answer to its challenge.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    pub pool_id: String,
    /// The stored username.
    pub username: String,
    pub client_id: String,
    pub challenge: String,
    pub expires: SystemTime,
    /// The SRP exchange of a `PASSWORD_VERIFIER` challenge, and the secret block sent with it.
    pub srp: Option<(crate::srp::Server, String)>,
}

/// The issuer of a pool's tokens.
pub(super) fn issuer(pool_id: &str) -> String {
    format!("https://cognito-idp.{REGION}.amazonaws.com/{pool_id}")
}

/// A token's lifetime from a client's settings: `<Kind>TokenValidity` in the unit
/// `TokenValidityUnits` gives (hours for access and ID tokens, days for refresh tokens, by
/// default: ops §1 CreateUserPoolClient "Defaults", conf. B); one hour, or 30 days for a
/// refresh token, when the client sets none.
pub(super) fn validity(client: &Client, kind: &str) -> Duration {
    let (default_unit, default) = if kind == "RefreshToken" {
        ("days", 30)
    } else {
        ("hours", 1)
    };
    let value = client
        .echo
        .get(&format!("{kind}Validity"))
        .and_then(Value::as_u64)
        .unwrap_or(default);
    let unit = client
        .echo
        .get("TokenValidityUnits")
        .and_then(|u| u.get(kind))
        .and_then(Value::as_str)
        .unwrap_or(default_unit);
    let secs = match unit {
        "seconds" => 1,
        "minutes" => 60,
        "days" => 86_400,
        _ => 3600,
    };
    Duration::from_secs(value.saturating_mul(secs))
}

fn seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl State {
    /// The pool's signing keys, given on first use.
    fn keys_of(&mut self, pool_id: &str) -> Option<PoolKeys> {
        let n = self.signers;
        let pool = self.pools.get_mut(pool_id)?;
        if pool.keys.is_none() {
            pool.keys = Some(PoolKeys::nth(n, pool_id));
            self.signers += 1;
        }
        pool.keys.clone()
    }

    /// `/<pool>/.well-known/jwks.json`.
    pub fn jwks(&mut self, pool_id: &str) -> Option<Value> {
        self.keys_of(pool_id).map(|k| k.jwks())
    }

    /// `/<pool>/.well-known/openid-configuration`: the fields a JWT library reads.
    pub fn openid_configuration(&self, pool_id: &str) -> Option<Value> {
        self.pools.get(pool_id)?;
        let iss = issuer(pool_id);
        Some(json!({
            "issuer": iss,
            "jwks_uri": format!("{iss}/.well-known/jwks.json"),
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["code", "token"],
        }))
    }

    /// A new session for a challenge (ops §6 RespondToAuthChallenge "Session lifetime": the
    /// client's AuthSessionValidity minutes, conf. B), and the name it is kept under: a
    /// PASSWORD_VERIFIER exchange's secret block (its answer carries no Session), else a new
    /// `Session`.
    pub(super) fn pend(
        &mut self,
        pool_id: &str,
        username: &str,
        client: &Client,
        challenge: &str,
        srp: Option<(crate::srp::Server, String)>,
        ctx: &mut Ctx<'_>,
    ) -> String {
        let minutes = client
            .echo
            .get("AuthSessionValidity")
            .and_then(Value::as_u64)
            .unwrap_or(3);
        let session = match &srp {
            Some((_, block)) => block.clone(),
            None => Alphanumeric.sample_string(&mut *ctx.rng, 160),
        };
        self.challenges.insert(
            session.clone(),
            Pending {
                pool_id: pool_id.to_owned(),
                username: username.to_owned(),
                client_id: client.id.clone(),
                challenge: challenge.to_owned(),
                expires: ctx.now + Duration::from_secs(60 * minutes),
                srp,
            },
        );
        session
    }

    /// Takes the pending sign-in a `Session` names, for this client: a session is good once
    /// (ops §6 RespondToAuthChallenge "Bad or reused Session", conf. A).
    pub(super) fn take_pending(
        &mut self,
        session: Option<&str>,
        client_id: &str,
        now: SystemTime,
    ) -> Result<Pending, ApiError> {
        let session = session.ok_or_else(|| {
            // "Session left out where needed", conf. A.
            ApiError::invalid_parameter("Missing required parameter Session")
        })?;
        let invalid = || ApiError::not_authorized("Invalid session for the user.");
        let pending = self.challenges.remove(session).ok_or_else(invalid)?;
        if pending.client_id != client_id || pending.expires < now {
            return Err(invalid());
        }
        Ok(pending)
    }

    /// The tokens of a successful sign-in, or of a refresh (`origin` given: the same
    /// `origin_jti`, and no new refresh token, ops §6 InitiateAuth REFRESH_TOKEN_AUTH, conf. A).
    pub(super) fn mint(
        &mut self,
        pool_id: &str,
        username: &str,
        client: &Client,
        origin: Option<String>,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let keys = self
            .keys_of(pool_id)
            .ok_or_else(|| pool_not_found(pool_id))?;
        let pool = self
            .pools
            .get(pool_id)
            .ok_or_else(|| pool_not_found(pool_id))?;
        let user = pool.users.get(username).ok_or_else(user_not_found)?;
        let sub = user.attr("sub").unwrap_or(username).to_owned();
        let groups: Vec<&str> = pool
            .groups
            .values()
            .filter(|g| g.members.contains(username))
            .map(|g| g.name.as_str())
            .collect();
        let now = seconds(ctx.now);
        let renewed = origin.is_some();
        let origin = origin.unwrap_or_else(|| uuid_like(ctx.rng));
        let event = uuid_like(ctx.rng);
        let access_life = validity(client, "AccessToken");
        let id_life = validity(client, "IdToken");
        let iss = issuer(pool_id);
        let mut access = json!({
            "sub": sub,
            "iss": iss,
            "client_id": client.id,
            "origin_jti": origin,
            "event_id": event,
            "token_use": "access",
            "scope": ADMIN_SCOPE,
            "auth_time": now,
            "exp": now + access_life.as_secs(),
            "iat": now,
            "jti": uuid_like(ctx.rng),
            "username": user.username,
        });
        let mut id = Map::new();
        id.insert("sub".into(), json!(sub));
        // ID tokens carry the user's attributes, the verification flags as JSON booleans
        // ("ID token claims", conf. A).
        for (k, v) in &user.attributes {
            if k == "sub" {
                continue;
            }
            let value = if k.ends_with("_verified") {
                json!(v == "true")
            } else {
                json!(v)
            };
            id.insert(k.clone(), value);
        }
        for (k, v) in [
            ("iss", json!(iss)),
            ("cognito:username", json!(user.username)),
            ("origin_jti", json!(origin)),
            ("aud", json!(client.id)),
            ("event_id", json!(event)),
            ("token_use", json!("id")),
            ("auth_time", json!(now)),
            ("exp", json!(now + id_life.as_secs())),
            ("iat", json!(now)),
            ("jti", json!(uuid_like(ctx.rng))),
        ] {
            id.insert(k.into(), v);
        }
        if !groups.is_empty() {
            access["cognito:groups"] = json!(groups);
            id.insert("cognito:groups".into(), json!(groups));
        }
        let access = keys.sign(Use::Access, &access);
        let id = keys.sign(Use::Id, &Value::Object(id));
        let session = Session {
            pool_id: pool_id.to_owned(),
            username: username.to_owned(),
            client_id: client.id.clone(),
            origin: origin.clone(),
            expires: ctx.now + access_life,
            revoked: false,
        };
        self.tokens.insert(access.clone(), session.clone());
        let mut result = json!({
            "AccessToken": access,
            "ExpiresIn": access_life.as_secs(),
            "TokenType": "Bearer",
            "IdToken": id,
        });
        if !renewed {
            // Refresh tokens are encrypted JWTs (JWE, five parts) at AWS; this one is opaque in
            // the same form.
            let mut part = |n: usize| Alphanumeric.sample_string(&mut *ctx.rng, n);
            let refresh = format!(
                "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.{}.{}.{}.{}",
                part(342),
                part(22),
                part(600),
                part(22)
            );
            self.refresh_tokens.insert(
                refresh.clone(),
                Session {
                    expires: ctx.now + validity(client, "RefreshToken"),
                    ..session
                },
            );
            result["RefreshToken"] = json!(refresh);
        }
        Ok(json!({"ChallengeParameters": {}, "AuthenticationResult": result}))
    }

    /// The sign-in session a refresh token continues, for this client: "Refresh token not
    /// valid" (`Invalid Refresh Token.`, ops §6, conf. A), "Refresh token revoked" (conf. A).
    pub(super) fn refresh_session(
        &self,
        token: &str,
        client_id: &str,
        now: SystemTime,
    ) -> Result<Session, ApiError> {
        let invalid = || ApiError::not_authorized("Invalid Refresh Token.");
        let session = self.refresh_tokens.get(token).ok_or_else(invalid)?;
        if session.client_id != client_id || session.expires < now {
            return Err(invalid());
        }
        if session.revoked {
            return Err(ApiError::not_authorized("Refresh Token has been revoked"));
        }
        let user = self
            .pools
            .get(&session.pool_id)
            .and_then(|p| p.users.get(&session.username))
            .ok_or_else(user_not_found)?;
        if !user.enabled {
            return Err(ApiError::not_authorized("User is disabled."));
        }
        Ok(session.clone())
    }

    /// Every token of a user, revoked (GlobalSignOut "Documented effect", conf. B; AdminDisableUser
    /// in the model, conf. B).
    pub(super) fn sign_out(&mut self, pool_id: &str, username: &str) {
        for s in self
            .tokens
            .values_mut()
            .chain(self.refresh_tokens.values_mut())
        {
            if s.pool_id == pool_id && s.username == username {
                s.revoked = true;
            }
        }
    }

    /// GlobalSignOut "Success" (conf. B); the token used again: `Access Token has been
    /// revoked` (conf. A), which [`State::session`] answers.
    fn global_sign_out(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let (pool, key) = self.session(input, ctx.now)?;
        let pool_id = pool.id.clone();
        self.sign_out(&pool_id, &key);
        Ok(empty())
    }

    /// AdminUserGlobalSignOut "Effect" (conf. B), "Unknown user" (conf. C).
    fn admin_user_global_sign_out(&mut self, input: &Value) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let key = pool.key_of(input)?;
        let pool_id = pool.id.clone();
        self.sign_out(&pool_id, &key);
        Ok(empty())
    }

    /// RevokeToken "Effect": the refresh token and every access token of its sign-in session
    /// (conf. B). A token that is no refresh token of the client: UnsupportedTokenTypeException
    /// (conf. C: the model declares it, no row shows the case); a client with a secret needs
    /// it ("Inputs", conf. B).
    fn revoke_token(&mut self, input: &Value) -> Result<Value, ApiError> {
        let (_, client) = self.client(input)?;
        if let Some(secret) = &client.secret {
            if str_of(input, "ClientSecret") != Some(secret.as_str()) {
                return Err(ApiError::new(
                    "UnauthorizedException",
                    format!("Client {} is configured with secret but the secret was not received or is wrong", client.id),
                ));
            }
        }
        if client.echo.get("EnableTokenRevocation") == Some(&json!(false)) {
            // "Precondition" (conf. B): revocation is a client setting.
            return Err(ApiError::new(
                "UnsupportedOperationException",
                "Token revocation is not enabled for this client",
            ));
        }
        let token = str_of(input, "Token").unwrap_or_default();
        let unsupported = || {
            ApiError::new(
                "UnsupportedTokenTypeException",
                "The token is not a refresh token of this client",
            )
        };
        let session = self.refresh_tokens.get_mut(token).ok_or_else(unsupported)?;
        if session.client_id != client.id {
            return Err(unsupported());
        }
        session.revoked = true;
        let origin = session.origin.clone();
        for s in self.tokens.values_mut().filter(|s| s.origin == origin) {
            s.revoked = true;
        }
        Ok(empty())
    }

    /// GetTokensFromRefreshToken (no row: the model's description, conf. C): as
    /// REFRESH_TOKEN_AUTH, a new ID and access token of the same sign-in session.
    fn get_tokens_from_refresh_token(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let (_, client) = self.client(input)?;
        if let Some(secret) = &client.secret {
            if str_of(input, "ClientSecret") != Some(secret.as_str()) {
                return Err(ApiError::not_authorized(format!(
                    "Client {} is configured with secret but the secret was not received or is wrong",
                    client.id
                )));
            }
        }
        let token = str_of(input, "RefreshToken").unwrap_or_default();
        let session = self.refresh_session(token, &client.id, ctx.now)?;
        let mut out = self.mint(
            &session.pool_id,
            &session.username,
            &client,
            Some(session.origin),
            ctx,
        )?;
        if let Some(o) = out.as_object_mut() {
            o.remove("ChallengeParameters");
        }
        Ok(out)
    }
}
