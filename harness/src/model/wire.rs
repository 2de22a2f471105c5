//! The facts of the awsJson1_1 wire every stage shares: the media type, the `X-Amz-Target`
//! prefix, and the `SecretHash` a public operation carries for a client with a secret. One
//! definition each, so the harness, the reference target and the fuzzer cannot drift apart.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The awsJson1_1 media type (`Content-Type` parameters are ignored where it is read).
pub const JSON_1_1: &str = "application/x-amz-json-1.1";

/// What every `X-Amz-Target` of the service starts with, the dot included.
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

/// The `X-Amz-Target` of an operation.
pub fn target_of(operation: &str) -> String {
    format!("{TARGET_PREFIX}{operation}")
}

/// `Base64(HMAC-SHA256(key = client secret, message = username + client id))`.
pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The access key the embedded reference target knows, and the harness signs with unless a
/// profile gives others. A public test value, not a secret.
pub const TEST_ACCESS_KEY: &str = "AKIDCOGNATETEST00000";
/// The secret key of [`TEST_ACCESS_KEY`].
pub const TEST_SECRET_KEY: &str = "cognate/test/secret/key/not/a/real/one00";
/// An access key no account has: the signing cases' unknown key.
pub const UNKNOWN_ACCESS_KEY: &str = "AKIDCOGNATEUNKNOWN00";
/// The region the harness signs for when nothing says otherwise.
pub const DEFAULT_REGION: &str = "us-east-1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_is_the_documented_hmac() {
        // HMAC-SHA256(key="secret", "alice" + "client") computed independently (Python hmac).
        assert_eq!(
            secret_hash("secret", "alice", "client"),
            "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0="
        );
        assert_eq!(
            target_of("ForgotPassword"),
            "AWSCognitoIdentityProviderService.ForgotPassword"
        );
    }
}
