//! Redaction: sensitive values (passwords, codes, secret hashes, tokens, usernames the model marks
//! sensitive) never reach a report, snapshot or log.

use serde_json::Value;

pub const REDACTED: &str = "<redacted>";

/// Member names the harness treats as sensitive beyond the model's `sensitive` trait: the model
/// leaves `ConfirmationCode` unmarked, but a live code is a credential.
const EXTRA: &[&str] = &[
    "ConfirmationCode",
    "Password",
    "PreviousPassword",
    "ProposedPassword",
    "SecretHash",
    "ClientSecret",
    "AccessToken",
    "RefreshToken",
    "IdToken",
    "Session",
    "UserCode",
    "TemporaryPassword",
    // RevokeToken's refresh token.
    "Token",
    // A software token's seed, and the sign-in parameters that carry credentials.
    "SecretCode",
    "PASSWORD",
    "NEW_PASSWORD",
    "REFRESH_TOKEN",
    "SECRET_HASH",
    "SOFTWARE_TOKEN_MFA_CODE",
    "PASSWORD_CLAIM_SIGNATURE",
    "PASSWORD_CLAIM_SECRET_BLOCK",
    "SECRET_BLOCK",
];

/// Credentials the service gives back to its caller by design: an identity provider's secrets
/// in ProviderDetails, which DescribeIdentityProvider answers (the model's documentation). They
/// are redacted in reports like the others, but an answer that holds them has leaked nothing.
const ECHOED: &[&str] = &["client_secret", "private_key"];

/// Every string under a sensitive path of the body (model paths such as `/UserAttributes/*/Value`,
/// plus `EXTRA` member names anywhere), longest first so a secret inside another is still found.
pub fn secrets(sensitive_paths: &[String], body: &Value) -> Vec<String> {
    let mut out = model_secrets(sensitive_paths, body);
    out.extend(named_secrets(body));
    tidy(out)
}

/// The strings under the model's sensitive paths only: what the contract itself keeps secret.
pub fn model_secrets(sensitive_paths: &[String], body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for p in sensitive_paths {
        let parts: Vec<&str> = p.split('/').skip(1).collect();
        collect_at(body, &parts, &mut out);
    }
    tidy(out)
}

/// The strings under the credential names of `EXTRA`, wherever they stand.
pub fn named_secrets(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_named(body, false, &[EXTRA, ECHOED], &mut out);
    tidy(out)
}

/// The strings under the credential names an answer must never give back (`EXTRA`, not the
/// identity provider secrets the service returns by design): the redaction check's candidates.
pub fn unechoable_secrets(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_named(body, false, &[EXTRA], &mut out);
    tidy(out)
}

fn tidy(mut out: Vec<String>) -> Vec<String> {
    out.retain(|s| !s.is_empty());
    out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    out.dedup();
    out
}

fn collect_at(v: &Value, parts: &[&str], out: &mut Vec<String>) {
    match parts.split_first() {
        None => collect_all(v, out),
        Some((&"*", rest)) => match v {
            Value::Array(items) => items.iter().for_each(|i| collect_at(i, rest, out)),
            Value::Object(map) => map.values().for_each(|i| collect_at(i, rest, out)),
            _ => {}
        },
        Some((key, rest)) => {
            if let Some(child) = v.get(*key) {
                collect_at(child, rest, out);
            }
        }
    }
}

fn collect_all(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| collect_all(i, out)),
        Value::Object(map) => map.values().for_each(|i| collect_all(i, out)),
        _ => {}
    }
}

fn collect_named(v: &Value, inside: bool, names: &[&[&str]], out: &mut Vec<String>) {
    match v {
        Value::String(s) if inside => out.push(s.clone()),
        Value::Array(items) => items
            .iter()
            .for_each(|i| collect_named(i, inside, names, out)),
        Value::Object(map) => {
            for (k, child) in map {
                let named = names.iter().any(|list| list.contains(&k.as_str()));
                collect_named(child, inside || named, names, out);
            }
        }
        _ => {}
    }
}

/// Request headers that carry a credential (the signature, a session token): never shown.
pub const CREDENTIAL_HEADERS: [&str; 2] = ["authorization", "x-amz-security-token"];

/// An access key as logs and plans may show it: its last four characters (`…MPLE`), which
/// tell keys apart without revealing one.
pub fn key_tail(key: &str) -> String {
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{tail}")
}

/// `text` with every secret replaced by [`REDACTED`]. Secrets shorter than 3 characters are left,
/// since replacing every `a` in a message would make it unreadable and protects nothing.
pub fn redact<S: AsRef<str>>(text: &str, secrets: &[S]) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        let s = s.as_ref();
        // Cheap tests first: most secrets are longer than the short texts they are searched in.
        if s.len() <= out.len() && s.chars().nth(2).is_some() && out.contains(s) {
            out = out.replace(s, REDACTED);
        }
    }
    out
}

/// A JSON body with every sensitive value replaced, for reports that show requests.
pub fn redact_body(sensitive_paths: &[String], body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(v) => redact(body, &secrets(sensitive_paths, &v)),
        // A body that is not JSON carries no member structure; it is shown as is only if short.
        Err(_) if body.len() <= 64 => body.to_owned(),
        Err(_) => format!("<{} bytes, not JSON>", body.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_model_paths_and_extra_names() {
        let body = json!({
            "ClientId": "client123",
            "Username": "alice",
            "ConfirmationCode": "123456",
            "UserAttributes": [{"Name": "email", "Value": "a@example.com"}],
        });
        let s = secrets(
            &[
                "/ClientId".into(),
                "/Username".into(),
                "/UserAttributes/*/Value".into(),
            ],
            &body,
        );
        assert_eq!(s, vec!["a@example.com", "client123", "123456", "alice"]);
        assert_eq!(
            redact("user alice, code 123456", &s),
            "user <redacted>, code <redacted>"
        );
    }

    #[test]
    fn identity_provider_secrets_are_redacted_but_may_come_back() {
        let body = json!({
            "ProviderName": "Google",
            "ProviderDetails": {"client_id": "id-1", "client_secret": "s3cret-value"},
        });
        assert_eq!(named_secrets(&body), ["s3cret-value"]);
        assert!(unechoable_secrets(&body).is_empty());
    }
}
