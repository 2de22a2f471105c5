//! RFC 6238 codes (six digits, 30-second steps, SHA-1), as authenticator apps and Cognito's
//! software tokens use them: the harness computes them from an AssociateSoftwareToken secret,
//! the reference checks them. The arithmetic is totp-rs's.

use totp_rs::{Algorithm, Secret, TOTP};

/// The length of a time step, in seconds.
pub const STEP: u64 = 30;

fn totp(secret_base32: &str) -> Option<TOTP> {
    // Authenticator apps read a secret case-insensitively (pyotp casefolds).
    let bytes = Secret::Encoded(secret_base32.trim_end_matches('=').to_ascii_uppercase())
        .to_bytes()
        .ok()?;
    // Cognito's secrets are 32 base32 characters (160 bits); shorter ones from other targets
    // still make codes, so the length check of `TOTP::new` is not wanted here.
    Some(TOTP::new_unchecked(Algorithm::SHA1, 6, 1, STEP, bytes))
}

/// The code of `secret_base32` for the step holding `unix_seconds`; `None` when the secret is
/// not base32.
pub fn code_at(secret_base32: &str, unix_seconds: u64) -> Option<String> {
    Some(totp(secret_base32)?.generate(unix_seconds))
}

/// The step number of a time.
pub fn step_of(unix_seconds: u64) -> u64 {
    unix_seconds / STEP
}

/// A new secret: `bytes` (20 in Cognito) as unpadded base32.
pub fn encode_secret(bytes: &[u8]) -> String {
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vectors() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890", last six digits.
        let secret = encode_secret(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(&secret, t).unwrap(), code, "t = {t}");
        }
        assert!(code_at("not base32!", 59).is_none());
        assert_eq!(code_at(&secret.to_lowercase(), 59).unwrap(), "287082");
    }
}
