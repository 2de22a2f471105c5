//! What hangs off a user pool besides clients and users: its domain, resource servers and
//! identity providers. The operations of this group, registered by name in [`HANDLERS`]; the
//! state they work on is the parent module's. Evidence rows cited here are in
//! `aws-behaviour-ops.md` §2 unless noted.

use super::*;

/// This group's operations and their handlers.
pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("CreateUserPoolDomain", |s, i, _| s.create_domain(i)),
    ("DescribeUserPoolDomain", |s, i, _| s.describe_domain(i)),
    ("UpdateUserPoolDomain", |s, i, _| s.update_domain(i)),
    ("DeleteUserPoolDomain", |s, i, _| s.delete_domain(i)),
    ("CreateResourceServer", |s, i, _| {
        s.create_resource_server(i)
    }),
    ("DescribeResourceServer", |s, i, _| {
        s.describe_resource_server(i)
    }),
    ("UpdateResourceServer", |s, i, _| {
        s.update_resource_server(i)
    }),
    ("ListResourceServers", |s, i, c| {
        s.list_resource_servers(i, c)
    }),
    ("DeleteResourceServer", |s, i, _| {
        s.delete_resource_server(i)
    }),
    ("CreateIdentityProvider", |s, i, c| {
        s.create_identity_provider(i, c)
    }),
    ("DescribeIdentityProvider", |s, i, _| {
        s.describe_identity_provider(i)
    }),
    ("UpdateIdentityProvider", |s, i, c| {
        s.update_identity_provider(i, c)
    }),
    ("ListIdentityProviders", |s, i, c| {
        s.list_identity_providers(i, c)
    }),
    ("DeleteIdentityProvider", |s, i, _| {
        s.delete_identity_provider(i)
    }),
    ("GetIdentityProviderByIdentifier", |s, i, _| {
        s.identity_provider_by_identifier(i)
    }),
];

/// Social providers, whose name must be their type (CreateIdentityProvider "social provider
/// whose name differs from its type", conf. A).
const SOCIAL: &[&str] = &["Google", "Facebook", "LoginWithAmazon", "SignInWithApple"];

impl State {
    /// A prefix is taken across every pool (CreateUserPoolDomain "prefix already used", conf. A).
    fn create_domain(&mut self, input: &Value) -> Result<Value, ApiError> {
        let domain = str_of(input, "Domain").unwrap_or_default().to_owned();
        self.pool_mut(input)?;
        if self.domains.contains_key(&domain) {
            return Err(ApiError::invalid_parameter(
                "Domain already associated with another user pool.",
            ));
        }
        let pool = self.pool_mut(input)?;
        if pool.domain.is_some() {
            // No evidence of the wording; a pool holds one prefix domain.
            return Err(ApiError::invalid_parameter(
                "User pool already has a domain configured.",
            ));
        }
        pool.domain = Some(domain.clone());
        let pool_id = pool.id.clone();
        let custom_certificate = input
            .pointer("/CustomDomainConfig/CertificateArn")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let version = input
            .get("ManagedLoginVersion")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let mut out = json!({"ManagedLoginVersion": version});
        // A prefix domain has no CloudFront domain of its own (CreateUserPoolDomain "prefix-domain
        // success output", conf. A / B).
        if custom_certificate.is_some() {
            out["CloudFrontDomain"] = json!(cloudfront_host(&domain));
        }
        self.domains.insert(
            domain,
            Domain {
                pool_id,
                managed_login_version: version,
                custom_certificate,
            },
        );
        Ok(out)
    }

    /// A domain nobody has is a 200 with an empty description (DescribeUserPoolDomain "domain
    /// that doesn't exist", conf. B).
    fn describe_domain(&mut self, input: &Value) -> Result<Value, ApiError> {
        let name = str_of(input, "Domain").unwrap_or_default();
        let Some(d) = self.domains.get(name) else {
            return Ok(json!({"DomainDescription": {}}));
        };
        let mut desc = json!({
            "UserPoolId": d.pool_id,
            "AWSAccountId": ACCOUNT,
            "Domain": name,
            "S3Bucket": "aws-cognito-prod-iad-assets",
            "CloudFrontDistribution": cloudfront_host(name),
            "Version": "20170601",
            "Status": "ACTIVE",
            "ManagedLoginVersion": d.managed_login_version,
        });
        if let Some(c) = &d.custom_certificate {
            desc["CustomDomainConfig"] = json!({"CertificateArn": c});
        }
        Ok(json!({"DomainDescription": desc}))
    }

    /// The domain of this pool, or not found (no evidence of the wording: ops §11, conf. C).
    fn own_domain(&mut self, input: &Value) -> Result<String, ApiError> {
        let name = str_of(input, "Domain").unwrap_or_default().to_owned();
        let pool = self.pool_mut(input)?;
        if pool.domain.as_deref() != Some(name.as_str()) {
            return Err(ApiError::new(
                "ResourceNotFoundException",
                format!("Domain {name} does not exist in user pool {}.", pool.id),
            ));
        }
        Ok(name)
    }

    fn update_domain(&mut self, input: &Value) -> Result<Value, ApiError> {
        let name = self.own_domain(input)?;
        let d = self.domains.get_mut(&name).ok_or_else(|| {
            ApiError::new(
                "ResourceNotFoundException",
                format!("Domain {name} does not exist."),
            )
        })?;
        if let Some(v) = input.get("ManagedLoginVersion").and_then(Value::as_i64) {
            d.managed_login_version = v;
        }
        if let Some(c) = input
            .pointer("/CustomDomainConfig/CertificateArn")
            .and_then(Value::as_str)
        {
            d.custom_certificate = Some(c.to_owned());
        }
        let mut out = json!({"ManagedLoginVersion": d.managed_login_version});
        if d.custom_certificate.is_some() {
            out["CloudFrontDomain"] = json!(cloudfront_host(&name));
        }
        Ok(out)
    }

    fn delete_domain(&mut self, input: &Value) -> Result<Value, ApiError> {
        let name = self.own_domain(input)?;
        self.domains.remove(&name);
        self.pool_mut(input)?.domain = None;
        Ok(empty())
    }

    fn create_resource_server(&mut self, input: &Value) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let identifier = str_of(input, "Identifier").unwrap_or_default().to_owned();
        if pool.resource_servers.contains_key(&identifier) {
            // CreateResourceServer "duplicate identifier": moto's wording (conf. C).
            return Err(ApiError::invalid_parameter(format!(
                "{identifier} already exists in user pool {}.",
                pool.id
            )));
        }
        let server = resource_server(&pool.id, input);
        pool.resource_servers.insert(identifier, server.clone());
        Ok(json!({"ResourceServer": server}))
    }

    fn resource_server_mut(&mut self, input: &Value) -> Result<(&mut Pool, String), ApiError> {
        let identifier = str_of(input, "Identifier").unwrap_or_default().to_owned();
        let pool = self.pool_mut(input)?;
        if !pool.resource_servers.contains_key(&identifier) {
            // DescribeResourceServer "unknown identifier": moto's wording (conf. C).
            return Err(ApiError::new(
                "ResourceNotFoundException",
                format!("Resource server {identifier} does not exist."),
            ));
        }
        Ok((pool, identifier))
    }

    fn describe_resource_server(&mut self, input: &Value) -> Result<Value, ApiError> {
        let (pool, id) = self.resource_server_mut(input)?;
        Ok(json!({"ResourceServer": pool.resource_servers[&id]}))
    }

    /// The name and scopes are replaced; scopes left out are gone (UpdateResourceServer: "If
    /// you don't provide a value for an attribute, it is set to the default value", model).
    fn update_resource_server(&mut self, input: &Value) -> Result<Value, ApiError> {
        let (pool, id) = self.resource_server_mut(input)?;
        let server = resource_server(&pool.id, input);
        pool.resource_servers.insert(id, server.clone());
        Ok(json!({"ResourceServer": server}))
    }

    fn list_resource_servers(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let items = pool
            .resource_servers
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()));
        page("ResourceServers", items, &pool.id, input, ctx)
    }

    fn delete_resource_server(&mut self, input: &Value) -> Result<Value, ApiError> {
        let (pool, id) = self.resource_server_mut(input)?;
        pool.resource_servers.remove(&id);
        Ok(empty())
    }

    fn create_identity_provider(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        let name = str_of(input, "ProviderName").unwrap_or_default().to_owned();
        let kind = str_of(input, "ProviderType").unwrap_or_default().to_owned();
        if SOCIAL.contains(&kind.as_str()) && name != kind {
            return Err(ApiError::invalid_parameter(format!(
                "Provider {name} cannot be of type {kind}."
            )));
        }
        if let Some(key) = missing_detail(&kind, input.get("ProviderDetails")) {
            // The keys each type needs (the model's ProviderDetails documentation, conf. B);
            // the wording is not captured.
            return Err(ApiError::invalid_parameter(format!(
                "ProviderDetails of a {kind} provider need {key}."
            )));
        }
        if pool.providers.contains_key(&name) {
            // CreateIdentityProvider "provider name already in the pool", conf. A.
            return Err(ApiError::new(
                "DuplicateProviderException",
                format!("{name} already exists in user pool {}", pool.id),
            ));
        }
        let provider = Provider {
            name: name.clone(),
            kind,
            details: input
                .get("ProviderDetails")
                .cloned()
                .unwrap_or_else(|| json!({})),
            mapping: input
                .get("AttributeMapping")
                .cloned()
                .unwrap_or_else(|| json!({})),
            identifiers: strings(input.get("IdpIdentifiers")),
            created: ctx.now,
            modified: ctx.now,
        };
        let out = json!({"IdentityProvider": provider.to_json(&pool.id)});
        pool.providers.insert(name, provider);
        Ok(out)
    }

    fn provider_mut(&mut self, input: &Value) -> Result<(&mut Pool, String), ApiError> {
        let name = str_of(input, "ProviderName").unwrap_or_default().to_owned();
        let pool = self.pool_mut(input)?;
        if !pool.providers.contains_key(&name) {
            // DescribeIdentityProvider "provider name that doesn't exist": RNF, message not
            // captured (conf. B).
            return Err(ApiError::new(
                "ResourceNotFoundException",
                format!("Identity provider {name} does not exist."),
            ));
        }
        Ok((pool, name))
    }

    fn describe_identity_provider(&mut self, input: &Value) -> Result<Value, ApiError> {
        let (pool, name) = self.provider_mut(input)?;
        Ok(json!({"IdentityProvider": pool.providers[&name].to_json(&pool.id)}))
    }

    /// The fields given are updated, the others kept (UpdateIdentityProvider "output", conf. B).
    fn update_identity_provider(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let (pool, name) = self.provider_mut(input)?;
        let pool_id = pool.id.clone();
        let p = pool
            .providers
            .get_mut(&name)
            .ok_or_else(|| ApiError::new("ResourceNotFoundException", "no provider"))?;
        if let Some(d) = input.get("ProviderDetails") {
            p.details = d.clone();
        }
        if let Some(m) = input.get("AttributeMapping") {
            p.mapping = m.clone();
        }
        if input.get("IdpIdentifiers").is_some() {
            p.identifiers = strings(input.get("IdpIdentifiers"));
        }
        p.modified = ctx.now;
        Ok(json!({"IdentityProvider": p.to_json(&pool_id)}))
    }

    fn list_identity_providers(
        &mut self,
        input: &Value,
        ctx: &mut Ctx<'_>,
    ) -> Result<Value, ApiError> {
        let pool = self.pool_mut(input)?;
        // No ProviderDetails in a listing (ListIdentityProviders "output", conf. B).
        let items = pool.providers.values().map(|p| {
            (
                p.name.as_str(),
                json!({
                    "ProviderName": p.name,
                    "ProviderType": p.kind,
                    "LastModifiedDate": epoch(p.modified),
                    "CreationDate": epoch(p.created),
                }),
            )
        });
        page("Providers", items, &pool.id, input, ctx)
    }

    fn delete_identity_provider(&mut self, input: &Value) -> Result<Value, ApiError> {
        let (pool, name) = self.provider_mut(input)?;
        pool.providers.remove(&name);
        Ok(empty())
    }

    fn identity_provider_by_identifier(&mut self, input: &Value) -> Result<Value, ApiError> {
        let identifier = str_of(input, "IdpIdentifier").unwrap_or_default();
        let pool = self.pool_mut(input)?;
        let p = pool
            .providers
            .values()
            .find(|p| p.identifiers.iter().any(|i| i == identifier))
            .ok_or_else(|| {
                ApiError::new(
                    "ResourceNotFoundException",
                    format!("Identity provider with identifier {identifier} does not exist."),
                )
            })?;
        Ok(json!({"IdentityProvider": p.to_json(&pool.id)}))
    }
}

/// The first ProviderDetails key a provider of this type needs and lacks (SAML: either metadata
/// key).
fn missing_detail(kind: &str, details: Option<&Value>) -> Option<&'static str> {
    let has = |k: &str| details.and_then(|d| d.get(k)).is_some();
    let needed: &[&'static str] = match kind {
        "SAML" if has("MetadataURL") || has("MetadataFile") => &[],
        "SAML" => return Some("MetadataURL or MetadataFile"),
        "OIDC" => &[
            "client_id",
            "attributes_request_method",
            "oidc_issuer",
            "authorize_scopes",
        ],
        "SignInWithApple" => &[
            "client_id",
            "team_id",
            "key_id",
            "private_key",
            "authorize_scopes",
        ],
        _ => &["client_id", "client_secret", "authorize_scopes"],
    };
    needed.iter().copied().find(|k| !has(k))
}

/// The CloudFront host name of a domain: a host name, not an ARN (DescribeUserPoolDomain
/// "existing prefix domain", conf. A).
fn cloudfront_host(domain: &str) -> String {
    let h = crate::generate::stable_id(&["cloudfront", domain]);
    format!("d{}.cloudfront.net", &h[..13])
}

/// ResourceServerType of a Create or Update request.
fn resource_server(pool_id: &str, input: &Value) -> Value {
    json!({
        "UserPoolId": pool_id,
        "Identifier": str_of(input, "Identifier").unwrap_or_default(),
        "Name": str_of(input, "Name").unwrap_or_default(),
        "Scopes": input.get("Scopes").cloned().unwrap_or_else(|| json!([])),
    })
}
