//! User pools, their app clients, MFA configuration, custom attributes and tags. The operations
//! of this group, registered by name in [`HANDLERS`]; the state they work on is the parent
//! module's. Evidence rows cited here are in `aws-behaviour-ops.md` §1 unless noted.

use super::*;

/// This group's operations and their handlers.
pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("CreateUserPool", |s, i, c| s.create_user_pool(i, c)),
    ("DescribeUserPool", |s, i, _| s.describe_user_pool(i)),
    ("UpdateUserPool", |s, i, c| s.update_user_pool(i, c)),
    ("ListUserPools", |s, i, c| s.list_user_pools(i, c)),
    ("DeleteUserPool", |s, i, _| s.delete_user_pool(i)),
    ("AddCustomAttributes", |s, i, _| s.add_custom_attributes(i)),
    ("GetUserPoolMfaConfig", |s, i, _| s.get_mfa_config(i)),
    ("SetUserPoolMfaConfig", |s, i, _| s.set_mfa_config(i)),
    ("GetSigningCertificate", |s, i, _| s.signing_certificate(i)),
    ("TagResource", |s, i, _| s.tag_resource(i)),
    ("UntagResource", |s, i, _| s.untag_resource(i)),
    ("ListTagsForResource", |s, i, _| s.list_tags(i)),
    ("CreateUserPoolClient", |s, i, c| {
        s.create_user_pool_client(i, c)
    }),
    ("DescribeUserPoolClient", |s, i, _| {
        s.describe_user_pool_client(i)
    }),
    ("UpdateUserPoolClient", |s, i, c| {
        s.update_user_pool_client(i, c)
    }),
    ("ListUserPoolClients", |s, i, c| {
        s.list_user_pool_clients(i, c)
    }),
    ("DeleteUserPoolClient", |s, i, _| {
        s.delete_user_pool_client(i)
    }),
];

/// The pool settings CreateUserPool and UpdateUserPool take and UserPoolType returns under the
/// same name, with what a pool has when a request leaves them out.
fn pool_settings(input: &Value, members: &[&str]) -> Map<String, Value> {
    let mut echo = Map::new();
    for k in members {
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
    echo
}

/// ON or OPTIONAL MFA needs an SMS configuration (row "MfaConfiguration ON or OPTIONAL without
/// an SMS configuration", conf. A), and attributes that must be verified before an update must
/// be ones the pool verifies (UpdateUserPool "evidence of the reset", conf. A).
fn check_pool_settings(echo: &Map<String, Value>) -> Result<(), ApiError> {
    let mfa = echo.get("MfaConfiguration").and_then(Value::as_str);
    let sms = echo
        .get("SmsConfiguration")
        .and_then(|s| s.get("SnsCallerArn"))
        .is_some();
    if matches!(mfa, Some("ON" | "OPTIONAL")) && !sms {
        return Err(ApiError::invalid_parameter(
            "SMS configuration and Auto verification for phone_number are required when MFA is \
             required/optional",
        ));
    }
    let verified = strings(echo.get("AutoVerifiedAttributes"));
    let before_update = strings(
        echo.get("UserAttributeUpdateSettings")
            .and_then(|u| u.get("AttributesRequireVerificationBeforeUpdate")),
    );
    if before_update.iter().any(|a| !verified.contains(a)) {
        return Err(ApiError::invalid_parameter(
            "All attributes in AttributesRequireVerificationBeforeUpdate must exist in \
             AutoVerifiedAttributes",
        ));
    }
    Ok(())
}

/// A custom attribute of a Schema or AddCustomAttributes entry, as SchemaAttributeType, under
/// its stored name (`custom:` prepended, even to a name that has it: AddCustomAttributes "Stored
/// name" and "attribute name already exists", conf. A).
fn custom_attribute(entry: &Value) -> Value {
    let name = str_of(entry, "Name").unwrap_or_default();
    let mut a = json!({
        "Name": format!("custom:{name}"),
        "AttributeDataType": str_of(entry, "AttributeDataType").unwrap_or("String"),
        "DeveloperOnlyAttribute": entry.get("DeveloperOnlyAttribute").and_then(Value::as_bool).unwrap_or(false),
        "Mutable": entry.get("Mutable").and_then(Value::as_bool).unwrap_or(true),
        "Required": false,
    });
    for k in ["StringAttributeConstraints", "NumberAttributeConstraints"] {
        if let Some(c) = entry.get(k) {
            a[k] = c.clone();
        }
    }
    a
}

impl State {
    fn create_user_pool(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let username_attributes = strings(input.get("UsernameAttributes"));
        let alias_attributes = strings(input.get("AliasAttributes"));
        if !username_attributes.is_empty() && !alias_attributes.is_empty() {
            return Err(ApiError::invalid_parameter(
                "Only one of AliasAttributes or UsernameAttributes can be set in a User Pool.",
            ));
        }
        let mut custom_attributes = Vec::new();
        let mut required = Vec::new();
        for entry in input
            .get("Schema")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = str_of(entry, "Name").unwrap_or_default();
            if STANDARD_ATTRIBUTES.iter().any(|(n, _)| *n == name) {
                if entry.get("Required").and_then(Value::as_bool) == Some(true) && name != "sub" {
                    required.push(name.to_owned());
                }
                continue;
            }
            if entry.get("Required").and_then(Value::as_bool) == Some(true) {
                // "Custom attribute with Required: true", conf. A.
                return Err(ApiError::invalid_parameter(
                    "Required custom attributes are not supported currently.",
                ));
            }
            custom_attributes.push(custom_attribute(entry));
        }
        let echo = pool_settings(input, POOL_ECHO);
        check_pool_settings(&echo)?;
        let id = loop {
            let id = format!("{REGION}_{}", Alphanumeric.sample_string(&mut *ctx.rng, 9));
            if !self.pools.contains_key(&id) {
                break id;
            }
        };
        let policies = input.get("Policies");
        let pool = Pool {
            id: id.clone(),
            name: str_of(input, "PoolName").unwrap_or_default().to_owned(),
            created: ctx.now,
            modified: ctx.now,
            policy: PasswordPolicy::from_input(policies.and_then(|p| p.get("PasswordPolicy"))),
            sign_in_policy: policies.and_then(|p| p.get("SignInPolicy")).cloned(),
            username_attributes,
            alias_attributes,
            recovery: recovery_order(input),
            case_sensitive: input
                .pointer("/UsernameConfiguration/CaseSensitive")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            required,
            echo,
            custom_attributes,
            mfa: Map::new(),
            tags: tags_of(input.get("UserPoolTags")),
            domain: None,
            clients: BTreeMap::new(),
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            resource_servers: BTreeMap::new(),
            providers: BTreeMap::new(),
            keys: None,
        };
        let out = json!({"UserPool": pool.to_json()});
        self.pools.insert(id, pool);
        Ok(out)
    }

    fn describe_user_pool(&mut self, input: &Value) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        Ok(json!({"UserPool": pool.to_json()}))
    }

    /// The update replaces: members left out go back to their defaults, except UserPoolTier
    /// (UpdateUserPool "parameters left out", conf. B).
    fn update_user_pool(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let mut echo = pool_settings(input, POOL_UPDATE_ECHO);
        if let Some(tier) = pool
            .echo
            .get("UserPoolTier")
            .filter(|_| !echo.contains_key("UserPoolTier"))
        {
            echo.insert("UserPoolTier".into(), tier.clone());
        }
        // What UpdateUserPool cannot change stays; so do the attributes to verify before an
        // update, which an update that leaves AutoVerifiedAttributes out then contradicts
        // (UpdateUserPool "evidence of the reset", conf. A: ekristen/aws-nuke#477).
        if !echo.contains_key("UserAttributeUpdateSettings") {
            if let Some(v) = pool.echo.get("UserAttributeUpdateSettings") {
                echo.insert("UserAttributeUpdateSettings".into(), v.clone());
            }
        }
        for k in [
            "AliasAttributes",
            "UsernameAttributes",
            "UsernameConfiguration",
        ] {
            if let Some(v) = pool.echo.get(k) {
                echo.insert(k.into(), v.clone());
            }
        }
        check_pool_settings(&echo)?;
        let policies = input.get("Policies");
        pool.policy = PasswordPolicy::from_input(policies.and_then(|p| p.get("PasswordPolicy")));
        pool.sign_in_policy = policies.and_then(|p| p.get("SignInPolicy")).cloned();
        pool.recovery = recovery_order(input);
        if let Some(tags) = input.get("UserPoolTags") {
            pool.tags = tags_of(Some(tags));
        }
        pool.echo = echo;
        pool.modified = ctx.now;
        Ok(empty())
    }

    fn list_user_pools(&mut self, input: &Value, ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
        let items = self.pools.values().map(|p| {
            let mut d = json!({
                "Id": p.id,
                "Name": p.name,
                "LambdaConfig": p.echo.get("LambdaConfig").cloned().unwrap_or_else(|| json!({})),
                "LastModifiedDate": epoch(p.modified),
                "CreationDate": epoch(p.created),
            });
            if let Some(s) = p.echo.get("Status") {
                d["Status"] = s.clone();
            }
            (p.id.as_str(), d)
        });
        page("UserPools", items, "", input, ctx)
    }

    /// Refused while deletion protection is on, or while the pool has a domain (DeleteUserPool
    /// rows, conf. A); otherwise the pool goes with everything in it.
    fn delete_user_pool(&mut self, input: &Value) -> Result<Value, ApiError> {
        let id = str_of(input, "UserPoolId").unwrap_or_default();
        let pool = self.pools.get(id).ok_or_else(|| pool_not_found(id))?;
        if pool.echo.get("DeletionProtection").and_then(Value::as_str) == Some("ACTIVE") {
            return Err(ApiError::invalid_parameter(
                "The user pool cannot be deleted because deletion protection is activated. \
                 Deletion protection must be inactivated first.",
            ));
        }
        if pool.domain.is_some() {
            return Err(ApiError::invalid_parameter(
                "User pool cannot be deleted. It has a domain configured that should be deleted \
                 first.",
            ));
        }
        let pool = self.pools.remove(id).ok_or_else(|| pool_not_found(id))?;
        for client in pool.clients.keys() {
            self.clients.remove(client);
        }
        Ok(empty())
    }

    fn add_custom_attributes(&mut self, input: &Value) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let mut added = Vec::new();
        for entry in input
            .get("CustomAttributes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let a = custom_attribute(entry);
            let name = str_of(&a, "Name").unwrap_or_default().to_owned();
            if pool.has_attribute(&name)
                || added
                    .iter()
                    .any(|b: &Value| str_of(b, "Name") == Some(&name))
            {
                // AddCustomAttributes "attribute name already exists" (message conf. A).
                return Err(ApiError::invalid_parameter(format!(
                    "{name}: Existing attribute already has name {name}."
                )));
            }
            added.push(a);
        }
        pool.custom_attributes.extend(added);
        Ok(empty())
    }

    fn get_mfa_config(&mut self, input: &Value) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let mut out = pool.mfa.clone();
        out.insert(
            "MfaConfiguration".into(),
            pool.echo
                .get("MfaConfiguration")
                .cloned()
                .unwrap_or_else(|| json!("OFF")),
        );
        Ok(Value::Object(out))
    }

    /// SetUserPoolMfaConfig rows (conf. A, go-to-k/cdkd#1923 and anomalyco/sst#5177).
    fn set_mfa_config(&mut self, input: &Value) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let factors = [
            "SmsMfaConfiguration",
            "SoftwareTokenMfaConfiguration",
            "EmailMfaConfiguration",
        ];
        let mode = str_of(input, "MfaConfiguration");
        if mode == Some("OFF")
            && ["SoftwareTokenMfaConfiguration", "EmailMfaConfiguration"]
                .iter()
                .any(|k| input.get(*k).is_some())
        {
            return Err(ApiError::invalid_parameter(
                "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.",
            ));
        }
        let mut next = pool.mfa.clone();
        for k in factors {
            if let Some(v) = input.get(k) {
                next.insert(k.into(), v.clone());
            }
        }
        if input.get("WebAuthnConfiguration").is_some() {
            next.insert(
                "WebAuthnConfiguration".into(),
                input["WebAuthnConfiguration"].clone(),
            );
        }
        // What the pool has after this request: a factor given replaces the one it had. An SMS
        // configuration has no Enabled flag: giving it configures the factor.
        let any_enabled = factors.iter().any(|k| match next.get(*k) {
            Some(v) if *k == "SmsMfaConfiguration" => v.get("SmsConfiguration").is_some(),
            Some(v) => v.get("Enabled").and_then(Value::as_bool) == Some(true),
            None => false,
        });
        let effective = mode
            .map(str::to_owned)
            .or_else(|| {
                pool.echo
                    .get("MfaConfiguration")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| "OFF".to_owned());
        if matches!(effective.as_str(), "ON" | "OPTIONAL") && !any_enabled {
            return Err(ApiError::invalid_parameter(
                "Invalid MFA configuration given, can't disable all MFAs with a required or \
                 optional configuration.",
            ));
        }
        pool.mfa = next;
        pool.echo
            .insert("MfaConfiguration".into(), json!(effective));
        let mut out = pool.mfa.clone();
        out.insert("MfaConfiguration".into(), json!(effective));
        Ok(Value::Object(out))
    }

    /// The pool's signing certificate. Not yet a real X.509 certificate: the reference signs no
    /// tokens with a pool key until it issues JWTs of its own; the value is stable per pool.
    fn signing_certificate(&mut self, input: &Value) -> Result<Value, ApiError> {
        use base64::Engine;
        let pool = self.pool_mut(input)?;
        let der = format!("cognate reference signing certificate for {}", pool.id);
        Ok(json!({
            "Certificate": base64::engine::general_purpose::STANDARD.encode(der),
        }))
    }

    /// The pool a resource ARN names (ops §11 tag rows, conf. C for an unknown one).
    fn pool_by_arn(&mut self, input: &Value) -> Result<&mut Pool, ApiError> {
        let arn = str_of(input, "ResourceArn").unwrap_or_default();
        let id = arn
            .rsplit_once(":userpool/")
            .map(|(_, id)| id)
            .unwrap_or_default()
            .to_owned();
        match self.pools.get_mut(&id) {
            Some(p) if pool_arn(&p.id) == arn => Ok(p),
            _ => Err(ApiError::new(
                "ResourceNotFoundException",
                format!("User pool {id} does not exist."),
            )),
        }
    }

    fn tag_resource(&mut self, input: &Value) -> Result<Value, ApiError> {
        let tags = tags_of(input.get("Tags"));
        let pool = self.pool_by_arn(input)?;
        pool.tags.extend(tags);
        Ok(empty())
    }

    fn untag_resource(&mut self, input: &Value) -> Result<Value, ApiError> {
        let keys = strings(input.get("TagKeys"));
        let pool = self.pool_by_arn(input)?;
        pool.tags.retain(|k, _| !keys.contains(k));
        Ok(empty())
    }

    fn list_tags(&mut self, input: &Value) -> Result<Value, ApiError> {
        let pool = self.pool_by_arn(input)?;
        Ok(json!({"Tags": pool.tags}))
    }

    fn create_user_pool_client(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let taken: Vec<String> = self.clients.keys().cloned().collect();
        let pool = self.pool_mut(input)?;
        check_client(pool, input, "creating")?;
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
        let client = Client {
            id: id.clone(),
            name: str_of(input, "ClientName").unwrap_or_default().to_owned(),
            secret,
            explicit_auth_flows: strings(input.get("ExplicitAuthFlows")),
            // §4: PreventUserExistenceErrors defaults to LEGACY in the API.
            hide_existence: str_of(input, "PreventUserExistenceErrors") == Some("ENABLED"),
            created: ctx.now,
            modified: ctx.now,
            echo: client_settings(input),
        };
        let out = json!({"UserPoolClient": client.to_json(&pool.id)});
        let pool_id = pool.id.clone();
        pool.clients.insert(id.clone(), client);
        self.clients.insert(id, pool_id);
        Ok(out)
    }

    fn pool_client_mut(&mut self, input: &Value) -> Result<(&mut Pool, String), ApiError> {
        let id = str_of(input, "ClientId").unwrap_or_default().to_owned();
        let pool = self.pool_mut(input)?;
        if !pool.clients.contains_key(&id) {
            return Err(client_not_found(&id));
        }
        Ok((pool, id))
    }

    fn describe_user_pool_client(&mut self, input: &Value) -> Result<Value, ApiError> {
        let (pool, id) = self.pool_client_mut(input)?;
        Ok(json!({"UserPoolClient": pool.clients[&id].to_json(&pool.id)}))
    }

    /// The update replaces: settings left out go back to their defaults (UpdateUserPoolClient
    /// "fields left out", conf. B / A); the name, id and secret stay.
    fn update_user_pool_client(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let (pool, id) = self.pool_client_mut(input)?;
        check_client(pool, input, "updating")?;
        let pool_id = pool.id.clone();
        let client = pool
            .clients
            .get_mut(&id)
            .ok_or_else(|| client_not_found(&id))?;
        if let Some(name) = str_of(input, "ClientName") {
            client.name = name.to_owned();
        }
        client.explicit_auth_flows = strings(input.get("ExplicitAuthFlows"));
        client.hide_existence = str_of(input, "PreventUserExistenceErrors") == Some("ENABLED");
        client.echo = client_settings(input);
        client.modified = ctx.now;
        Ok(json!({"UserPoolClient": client.to_json(&pool_id)}))
    }

    fn list_user_pool_clients(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let items = pool.clients.values().map(|c| {
            (
                c.id.as_str(),
                json!({"ClientId": c.id, "UserPoolId": pool.id, "ClientName": c.name}),
            )
        });
        page("UserPoolClients", items, &pool.id, input, ctx)
    }

    fn delete_user_pool_client(&mut self, input: &Value) -> Result<Value, ApiError> {
        let (pool, id) = self.pool_client_mut(input)?;
        pool.clients.remove(&id);
        self.clients.remove(&id);
        Ok(empty())
    }
}

/// A client's attribute permissions name attributes of the pool (`sub` is never writable), and
/// its identity providers exist (CreateUserPoolClient rows "WriteAttributes naming an unknown
/// or non-writable attribute", conf. A; "bad ReadAttributes", "SupportedIdentityProviders naming
/// a provider that doesn't exist", conf. B; UpdateUserPoolClient "write permission", conf. A).
fn check_client(pool: &Pool, input: &Value, doing: &str) -> Result<(), ApiError> {
    let writes = strings(input.get("WriteAttributes"));
    if writes.iter().any(|a| a == "sub" || !pool.has_attribute(a)) {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid write attributes specified while {doing} a client"
        )));
    }
    let reads = strings(input.get("ReadAttributes"));
    if reads.iter().any(|a| !pool.has_attribute(a)) {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid read attributes specified while {doing} a client"
        )));
    }
    for p in strings(input.get("SupportedIdentityProviders")) {
        if p != "COGNITO" && !pool.providers.contains_key(&p) {
            return Err(ApiError::invalid_parameter(format!(
                "The provider {p} does not exist for User Pool {}",
                pool.id
            )));
        }
    }
    Ok(())
}

/// The client settings a request gives, with the defaults of a new client (token revocation
/// on, ops §1 CreateUserPoolClient "defaults", conf. B).
fn client_settings(input: &Value) -> Map<String, Value> {
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
    echo
}

fn client_not_found(id: &str) -> ApiError {
    // §0 "Unknown app client (client-scoped operation)", conf. A.
    ApiError::new(
        "ResourceNotFoundException",
        format!("User pool client {id} does not exist."),
    )
}

fn tags_of(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// AccountRecoverySetting mechanism names by priority, when the request sets them.
fn recovery_order(input: &Value) -> Option<Vec<String>> {
    input
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
        })
}

/// Members of CreateUserPoolRequest that UserPoolType carries under the same name and shape
/// (tags are kept apart: TagResource changes them).
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
    "AdminCreateUserConfig",
    "UserPoolAddOns",
    "UsernameConfiguration",
    "AccountRecoverySetting",
    "UserPoolTier",
];

/// The same for UpdateUserPoolRequest.
const POOL_UPDATE_ECHO: &[&str] = &[
    "DeletionProtection",
    "LambdaConfig",
    "AutoVerifiedAttributes",
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
    "AdminCreateUserConfig",
    "UserPoolAddOns",
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
