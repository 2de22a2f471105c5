//! SigV4 verification for the reference target's admin operations: the Authorization header
//! is read, the signature computed again with `aws-sigv4` over the headers the caller signed and
//! the secret of the access key it names, and the two compared. The answers are the ones real
//! Cognito gives (`aws-behaviour-ops.md` §10): no signature → MissingAuthenticationToken, an
//! access key no account has → UnrecognizedClient, a signature that differs → InvalidSignature.

use std::time::SystemTime;

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

use super::{ApiError, RawRequest};

const SCHEME: &str = "AWS4-HMAC-SHA256 ";

/// Who may sign: the access keys the target knows, with their secrets. `None` checks the form
/// of the header only, for callers that forge requests byte by byte (the fuzz targets).
#[derive(Debug, Clone)]
pub struct Keys(Option<Vec<(String, String)>>);

impl Keys {
    /// The one test account of the harness (`model::wire::TEST_ACCESS_KEY`).
    pub fn test_account() -> Keys {
        Keys(Some(vec![(
            crate::model::wire::TEST_ACCESS_KEY.to_owned(),
            crate::model::wire::TEST_SECRET_KEY.to_owned(),
        )]))
    }

    /// The test account and one more: credentials a caller resolved through the AWS chain
    /// (`cognate serve --access-key`), so that the chain's output is checked end to end.
    pub fn with_account(mut self, access_key: &str, secret_key: &str) -> Keys {
        self.0
            .get_or_insert_with(Vec::new)
            .push((access_key.to_owned(), secret_key.to_owned()));
        self
    }

    /// Any well-formed header passes.
    pub fn form_only() -> Keys {
        Keys(None)
    }

    /// Whether the request is signed by a known key, or the answer real Cognito gives.
    pub fn verify(&self, req: &RawRequest) -> Result<(), ApiError> {
        let missing = || {
            ApiError::new(
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            )
        };
        let header = req.header("Authorization").ok_or_else(missing)?;
        let Some(rest) = header.strip_prefix(SCHEME) else {
            return Err(missing());
        };
        let Some(keys) = &self.0 else {
            return Ok(());
        };
        let parsed = Parsed::from(rest).ok_or_else(incomplete)?;
        let secret = keys
            .iter()
            .find(|(k, _)| *k == parsed.access_key)
            .map(|(_, s)| s.as_str())
            .ok_or_else(|| {
                ApiError::new(
                    "UnrecognizedClientException",
                    "The security token included in the request is invalid.",
                )
            })?;
        let expected = recompute(req, &parsed, secret).ok_or_else(incomplete)?;
        if expected == parsed.signature {
            Ok(())
        } else {
            Err(ApiError::new(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. Consult the service \
                 documentation for details.",
            ))
        }
    }
}

/// Signs `req` as an SDK would, for the reference's in-process callers (tests, benches): a Host
/// header if it has none, X-Amz-Date now, and the Authorization header over the target, the
/// content type and the body.
pub fn sign_request(req: &mut RawRequest, access_key: &str, secret_key: &str) {
    if req.header("Host").is_none() {
        req.headers.push(("Host".into(), "cognate.invalid".into()));
    }
    let host = req.header("Host").unwrap_or_default().to_owned();
    let uri = format!("http://{host}{}", req.path);
    let signed: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(k, _)| {
            k.eq_ignore_ascii_case("x-amz-target") || k.eq_ignore_ascii_case("content-type")
        })
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    let identity =
        aws_credential_types::Credentials::new(access_key, secret_key, None, None, "cognate")
            .into();
    let Ok(params) = v4::SigningParams::builder()
        .identity(&identity)
        .region(crate::model::wire::DEFAULT_REGION)
        .name("cognito-idp")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
    else {
        return;
    };
    let params = params.into();
    let Ok(signable) = SignableRequest::new(
        &req.method,
        &uri,
        signed.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(&req.body),
    ) else {
        return;
    };
    if let Ok(out) = sign(signable, &params) {
        let (instructions, _) = out.into_parts();
        for (k, v) in instructions.headers() {
            req.headers.push((k.to_owned(), v.to_owned()));
        }
    }
}

/// A header that names the scheme but lacks its parts (no evidence of Cognito's wording; the
/// exception is the one every SigV4 service uses).
fn incomplete() -> ApiError {
    ApiError::new(
        "IncompleteSignatureException",
        "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters, \
         and an X-Amz-Date header.",
    )
}

/// The parts of `Credential=AK/20240101/us-east-1/cognito-idp/aws4_request, SignedHeaders=...,
/// Signature=...`.
struct Parsed {
    access_key: String,
    region: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
}

impl Parsed {
    fn from(rest: &str) -> Option<Parsed> {
        let (mut credential, mut signed, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let (k, v) = part.trim().split_once('=')?;
            match k {
                "Credential" => credential = Some(v),
                "SignedHeaders" => signed = Some(v),
                "Signature" => signature = Some(v),
                _ => {}
            }
        }
        let mut scope = credential?.split('/');
        let access_key = scope.next()?.to_owned();
        let _date = scope.next()?;
        let region = scope.next()?.to_owned();
        let service = scope.next()?.to_owned();
        Some(Parsed {
            access_key,
            region,
            service,
            signed_headers: signed?.split(';').map(str::to_ascii_lowercase).collect(),
            signature: signature?.to_owned(),
        })
    }
}

/// The signature of `req` as its signer should have computed it, or `None` when the request
/// lacks what signing needs (a date, a host).
fn recompute(req: &RawRequest, parsed: &Parsed, secret: &str) -> Option<String> {
    let time = amz_date(req.header("X-Amz-Date")?)?;
    let host = req.header("Host")?;
    let uri = format!("http://{host}{}", req.path);
    // The signer adds these itself, from the URI, the time and the credentials.
    let own = [
        "host",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
    ];
    let mut headers: Vec<(&str, &str)> = Vec::new();
    for name in parsed
        .signed_headers
        .iter()
        .filter(|n| !own.contains(&n.as_str()))
    {
        headers.push((name.as_str(), req.header(name)?));
    }
    let token = req.header("X-Amz-Security-Token").map(str::to_owned);
    let identity = aws_credential_types::Credentials::new(
        &parsed.access_key,
        secret,
        token,
        None,
        "cognate-reference",
    )
    .into();
    let mut settings = SigningSettings::default();
    // Sign exactly the headers the caller listed.
    settings.excluded_headers = None;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&parsed.region)
        .name(&parsed.service)
        .time(time)
        .settings(settings)
        .build()
        .ok()?
        .into();
    let signable = SignableRequest::new(
        &req.method,
        &uri,
        headers.into_iter(),
        SignableBody::Bytes(&req.body),
    )
    .ok()?;
    let (instructions, signature) = sign(signable, &params).ok()?.into_parts();
    drop(instructions);
    Some(signature)
}

/// `20240101T000000Z` as a time.
fn amz_date(s: &str) -> Option<SystemTime> {
    use aws_smithy_types::date_time::{DateTime, Format};
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13],
        &s[13..15]
    );
    SystemTime::try_from(DateTime::from_str(&iso, Format::DateTime).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let t = amz_date("20240101T000102Z").unwrap();
        let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(secs, 1_704_067_262);
        assert!(amz_date("2024-01-01").is_none());
    }

    #[test]
    fn header_parts() {
        let p = Parsed::from(
            " Credential=AK/20240101/us-east-1/cognito-idp/aws4_request, SignedHeaders=Host;x-amz-date, Signature=ab",
        )
        .unwrap();
        assert_eq!(p.access_key, "AK");
        assert_eq!(p.region, "us-east-1");
        assert_eq!(p.signed_headers, ["host", "x-amz-date"]);
        assert_eq!(p.signature, "ab");
        assert!(Parsed::from(" Credential=AK").is_none());
    }
}
