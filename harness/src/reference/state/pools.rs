//! User pools and their app clients. The operations of this group, registered by name in [`HANDLERS`]; the state they
//! work on is the parent module's.

use super::*;

/// This group's operations and their handlers.
pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("CreateUserPool", |s, i, c| s.create_user_pool(i, c)),
    ("DeleteUserPool", |s, i, _| s.delete_user_pool(i)),
    ("CreateUserPoolClient", |s, i, c| {
        s.create_user_pool_client(i, c)
    }),
];

impl State {
    fn create_user_pool(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let username_attributes = strings(input.get("UsernameAttributes"));
        let alias_attributes = strings(input.get("AliasAttributes"));
        if !username_attributes.is_empty() && !alias_attributes.is_empty() {
            return Err(ApiError::invalid_parameter(
                "Only one of AliasAttributes or UsernameAttributes can be set in a User Pool.",
            ));
        }
        let id = loop {
            let id = format!("{REGION}_{}", Alphanumeric.sample_string(&mut *ctx.rng, 9));
            if !self.pools.contains_key(&id) {
                break id;
            }
        };
        let policies = input.get("Policies");
        let recovery = input
            .pointer("/AccountRecoverySetting/RecoveryMechanisms")
            .and_then(Value::as_array)
            .map(|list| {
                let mut named: Vec<(i64, String)> = list
                    .iter()
                    .filter_map(|m| {
                        Some((
                            m.get("Priority").and_then(Value::as_i64).unwrap_or(0),
                            str_of(m, "Name")?.to_owned(),
                        ))
                    })
                    .collect();
                named.sort_by_key(|(p, _)| *p);
                named.into_iter().map(|(_, n)| n).collect()
            });
        let mut echo = Map::new();
        for k in POOL_ECHO {
            if let Some(v) = input.get(*k) {
                echo.insert((*k).to_owned(), v.clone());
            }
        }
        for (k, v) in [
            ("DeletionProtection", json!("INACTIVE")),
            ("MfaConfiguration", json!("OFF")),
            (
                "AdminCreateUserConfig",
                json!({"AllowAdminCreateUserOnly": false, "UnusedAccountValidityDays": 7}),
            ),
        ] {
            echo.entry(k).or_insert(v);
        }
        let pool = Pool {
            id: id.clone(),
            name: str_of(input, "PoolName").unwrap_or_default().to_owned(),
            created: ctx.now,
            modified: ctx.now,
            policy: PasswordPolicy::from_input(policies.and_then(|p| p.get("PasswordPolicy"))),
            sign_in_policy: policies.and_then(|p| p.get("SignInPolicy")).cloned(),
            username_attributes,
            alias_attributes,
            recovery,
            case_sensitive: input
                .pointer("/UsernameConfiguration/CaseSensitive")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            echo,
            clients: BTreeMap::new(),
            users: BTreeMap::new(),
        };
        let out = json!({"UserPool": pool.to_json()});
        self.pools.insert(id, pool);
        Ok(out)
    }

    fn delete_user_pool(&mut self, input: &Value) -> Result<Value, ApiError> {
        let id = str_of(input, "UserPoolId").unwrap_or_default();
        let pool = self.pools.remove(id).ok_or_else(|| pool_not_found(id))?;
        for client in pool.clients.keys() {
            self.clients.remove(client);
        }
        Ok(empty())
    }

    fn create_user_pool_client(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let taken: Vec<String> = self.clients.keys().cloned().collect();
        let pool = self.pool_mut(input)?;
        let id = loop {
            let id = lowercase_alnum(&mut *ctx.rng, 26);
            if !taken.contains(&id) {
                break id;
            }
        };
        let secret = match str_of(input, "ClientSecret") {
            Some(s) => Some(s.to_owned()),
            None if input.get("GenerateSecret").and_then(Value::as_bool) == Some(true) => {
                Some(lowercase_alnum(&mut *ctx.rng, 51))
            }
            None => None,
        };
        let mut echo = Map::new();
        for k in CLIENT_ECHO {
            if let Some(v) = input.get(*k) {
                echo.insert((*k).to_owned(), v.clone());
            }
        }
        for (k, v) in [
            ("RefreshTokenValidity", json!(30)),
            ("AllowedOAuthFlowsUserPoolClient", json!(false)),
            ("EnableTokenRevocation", json!(true)),
            ("EnablePropagateAdditionalUserContextData", json!(false)),
            ("AuthSessionValidity", json!(3)),
        ] {
            echo.entry(k).or_insert(v);
        }
        let client = Client {
            id: id.clone(),
            name: str_of(input, "ClientName").unwrap_or_default().to_owned(),
            secret,
            explicit_auth_flows: strings(input.get("ExplicitAuthFlows")),
            // §4: PreventUserExistenceErrors defaults to LEGACY in the API.
            hide_existence: str_of(input, "PreventUserExistenceErrors") == Some("ENABLED"),
            created: ctx.now,
            modified: ctx.now,
            echo,
        };
        let out = json!({"UserPoolClient": client.to_json(&pool.id)});
        let pool_id = pool.id.clone();
        pool.clients.insert(id.clone(), client);
        self.clients.insert(id, pool_id);
        Ok(out)
    }
}

/// Members of CreateUserPoolRequest that UserPoolType carries under the same name and shape.
const POOL_ECHO: &[&str] = &[
    "DeletionProtection",
    "LambdaConfig",
    "AutoVerifiedAttributes",
    "AliasAttributes",
    "UsernameAttributes",
    "SmsVerificationMessage",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "VerificationMessageTemplate",
    "SmsAuthenticationMessage",
    "UserAttributeUpdateSettings",
    "MfaConfiguration",
    "DeviceConfiguration",
    "EmailConfiguration",
    "SmsConfiguration",
    "UserPoolTags",
    "AdminCreateUserConfig",
    "UserPoolAddOns",
    "UsernameConfiguration",
    "AccountRecoverySetting",
    "UserPoolTier",
];

/// Members of CreateUserPoolClientRequest that UserPoolClientType carries as given.
const CLIENT_ECHO: &[&str] = &[
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration",
    "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData",
    "AuthSessionValidity",
    "RefreshTokenRotation",
];
