//! Where SigV4 credentials come from. Loopback targets get the public test keys unless the user
//! asks for the chain; live targets (and `--profile`) get the standard AWS chain through
//! aws-config: environment, the shared `credentials` and `config` files with a profile, SSO, web
//! identity (CI OIDC), container and instance metadata. Secrets stay inside [`Signing`]; errors
//! and plans name a key by its last four characters only.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use thiserror::Error;

use crate::redact::key_tail;
use crate::replay::Signing;

#[derive(Debug, Error)]
pub enum CredentialsError {
    /// The chain found nothing, or a provider failed. aws-config's messages name providers and
    /// files, never a secret.
    #[error("no AWS credentials{profile}: {why}")]
    Unresolved { profile: String, why: String },
    #[error(
        "no AWS region: pass --region, or set one in the environment (AWS_REGION) or the profile"
    )]
    NoRegion,
}

/// The chain's answer: credentials and region, and which provider gave them.
pub struct Resolved {
    pub signing: Signing,
    /// The profile asked for, if any.
    pub profile: Option<String>,
    config: SdkConfig,
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolved")
            .field("signing", &self.signing)
            .field("profile", &self.profile)
            .finish()
    }
}

/// Resolves credentials and region through the standard chain. `region` (from `--region`)
/// wins over the chain's.
pub async fn resolve(
    profile: Option<&str>,
    region: Option<&str>,
) -> Result<Resolved, CredentialsError> {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    // The chain's own requests (SSO, STS, metadata) on the same ring provider as the replay
    // client's.
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(https);
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region {
        loader = loader.region(Region::new(r.to_owned()));
    }
    let config = loader.load().await;
    let unresolved = |why: String| CredentialsError::Unresolved {
        profile: profile
            .map(|p| format!(" for profile {p:?}"))
            .unwrap_or_default(),
        why,
    };
    let provider = config
        .credentials_provider()
        .ok_or_else(|| unresolved("the chain has no provider".into()))?;
    let creds = provider
        .provide_credentials()
        .await
        .map_err(|e| unresolved(error_chain(&e)))?;
    let region = config
        .region()
        .map(|r| r.to_string())
        .ok_or(CredentialsError::NoRegion)?;
    let signing = Signing {
        region,
        access_key: creds.access_key_id().to_owned(),
        secret_key: creds.secret_access_key().to_owned(),
        session_token: creds.session_token().map(str::to_owned),
    };
    Ok(Resolved {
        profile: profile.map(str::to_owned),
        signing,
        config,
    })
}

impl Resolved {
    /// The account the credentials belong to, as STS GetCallerIdentity says (the live plan shows
    /// it). Honours `AWS_ENDPOINT_URL_STS` like every SDK.
    pub async fn account(&self) -> Result<String, String> {
        let sts = aws_sdk_sts::Client::new(&self.config);
        let out = sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        out.account()
            .map(str::to_owned)
            .ok_or_else(|| "GetCallerIdentity named no account".to_owned())
    }

    /// `access key …MPLE (profile "ci")`: enough to tell which credentials a run used.
    pub fn describe(&self) -> String {
        let from = match &self.profile {
            Some(p) => format!("profile {p:?}"),
            None => "the AWS chain".to_owned(),
        };
        format!("access key {} ({from})", key_tail(&self.signing.access_key))
    }
}

/// Every cause's message in one line: the SDK's top-level errors say only "dispatch failure".
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(next) = cur {
        let text = next.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = next.source();
    }
    parts.join(": ")
}
