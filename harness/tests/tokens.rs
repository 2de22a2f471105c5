//! The `token` check, caught on fake targets: a wiremock server in front of the embedded
//! reference rewrites the tokens of every sign-in (a signature that no longer matches, another
//! issuer, audience or lifetime, an expired token, a key the JWKS lacks, a claim left out),
//! re-signing them with a key of its own that it adds to the pool's JWKS. The honest proxy passes
//! the sign-in scenario; each tamper fails its sign-in step with the precise reason, and no
//! report text holds a token.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine;
use cognate::check::token::claims;
use cognate::check::{Checker, Status, Verdict};
use cognate::issuer::Issuer;
use cognate::model::Catalogue;
use cognate::reference::{RawRequest, Reference};
use cognate::replay::{self, Client, Signing};
use cognate::scenario::codes::InProcess;
use cognate::scenario::{self, Env};
use cognate::target::Provisioner;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Map, Value};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The kid of the tamperer's own key, which it adds to every JWKS.
const KID: &str = "cognate-tamper";

/// The tamperer's key pair: the signing key and its JWK.
fn key() -> &'static (EncodingKey, Value) {
    static KEY: OnceLock<(EncodingKey, Value)> = OnceLock::new();
    KEY.get_or_init(|| {
        let k = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
        let der = k.to_pkcs1_der().unwrap();
        let b64 = |v: &rsa::BigUint| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_bytes_be())
        };
        let jwk = json!({"kty": "RSA", "alg": "RS256", "use": "sig", "kid": KID,
                         "n": b64(k.n()), "e": b64(k.e())});
        (EncodingKey::from_rsa_der(der.as_bytes()), jwk)
    })
}

/// What the fake target does to the tokens of a sign-in.
#[derive(Clone, Copy)]
enum Tamper {
    None,
    /// The access token's claims changed, its signature kept.
    Signature,
    Issuer,
    Audience,
    /// Valid for a day where the client says an hour.
    Lifetime,
    Expired,
    /// Re-signed under a kid the JWKS does not list.
    UnknownKid,
    /// `jti` left out of the access token.
    NoJti,
}

fn resign(claims: &Map<String, Value>, kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &key().0).unwrap()
}

impl Tamper {
    fn tokens(self, result: &mut Map<String, Value>) {
        let take = |member: &str| {
            let token = result.get(member)?.as_str()?.to_owned();
            Some((token.clone(), claims(&token)?))
        };
        let (Some((access, mut a)), Some((_, mut id))) = (take("AccessToken"), take("IdToken"))
        else {
            return;
        };
        let now = a["iat"].as_i64().unwrap_or_default();
        let (new_access, new_id) = match self {
            Tamper::None => return,
            Tamper::Signature => {
                a.insert("sub".into(), json!("someone-else"));
                let parts: Vec<&str> = access.split('.').collect();
                let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(Value::Object(a).to_string());
                (format!("{}.{payload}.{}", parts[0], parts[2]), None)
            }
            Tamper::Issuer => {
                a.insert(
                    "iss".into(),
                    json!("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Forged"),
                );
                (resign(&a, KID), None)
            }
            Tamper::Audience => {
                id.insert("aud".into(), json!("not-the-client"));
                (resign(&a, KID), Some(resign(&id, KID)))
            }
            Tamper::Lifetime => {
                a.insert("exp".into(), json!(now + 86_400));
                (resign(&a, KID), None)
            }
            Tamper::Expired => {
                a.insert("iat".into(), json!(now - 7200));
                a.insert("exp".into(), json!(now - 3600));
                (resign(&a, KID), None)
            }
            Tamper::UnknownKid => (resign(&a, "cognate-nobody"), None),
            Tamper::NoJti => {
                a.remove("jti");
                (resign(&a, KID), None)
            }
        };
        result.insert("AccessToken".into(), json!(new_access));
        if let Some(id) = new_id {
            result.insert("IdToken".into(), json!(id));
        }
    }
}

/// The reference behind a tampering server.
struct Tampering {
    reference: Arc<Reference>,
    tamper: Tamper,
}

impl Respond for Tampering {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let headers: Vec<(String, String)> = req
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let res = self.reference.handle(&RawRequest {
            method: req.method.to_string(),
            path: req.url.path().to_owned(),
            headers,
            body: req.body.clone(),
        });
        let mut body: Value = serde_json::from_slice(&res.body).unwrap_or(Value::Null);
        if req.url.path().ends_with("/jwks.json") {
            if let Some(keys) = body.get_mut("keys").and_then(Value::as_array_mut) {
                keys.push(key().1.clone());
            }
        }
        if let Some(Value::Object(result)) = body.get_mut("AuthenticationResult") {
            self.tamper.tokens(result);
        }
        let mut out = ResponseTemplate::new(res.status);
        for (k, v) in &res.headers {
            if !k.eq_ignore_ascii_case("content-type") {
                out = out.insert_header(k.as_str(), v.as_str());
            }
        }
        let content_type = res
            .header("content-type")
            .unwrap_or("application/x-amz-json-1.1")
            .to_owned();
        out.set_body_raw(body.to_string(), &content_type)
    }
}

const SCENARIO: &str = "sign-in: USER_PASSWORD_AUTH and the claims of its tokens";

/// The sign-in scenario against a tampering target: its verdicts, by step name.
async fn sign_in_through(tamper: Tamper) -> Vec<(String, Verdict)> {
    let catalogue = Catalogue::embedded();
    let reference = Arc::new(Reference::new(catalogue));
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(Tampering {
            reference: reference.clone(),
            tamper,
        })
        .mount(&server)
        .await;
    let client = Client::new(
        &server.uri(),
        replay::Config {
            concurrency: 1,
            timeout: Duration::from_secs(10),
            signing: Signing::test_credentials("us-east-1"),
        },
    )
    .unwrap();
    let fixture = Provisioner::new(&client).provision("t1").await.unwrap();
    let checker = Checker::new(catalogue).unwrap();
    let codes = InProcess(reference.clone());
    let env = Env {
        catalogue,
        client: &client,
        checker: &checker,
        fixture: &fixture,
        codes: Some(&codes),
        tag: "t1",
        cleanup: &Default::default(),
        issuer: &Issuer::new(&client, None),
    };
    let all = scenario::data::embedded(catalogue).unwrap();
    let s = all.iter().find(|s| s.name == SCENARIO).unwrap();
    scenario::run_scenario(&env, s)
        .await
        .into_iter()
        .map(|r| {
            let name = r
                .case
                .label
                .rsplit(": ")
                .next()
                .unwrap_or_default()
                .to_owned();
            (name, r.verdict)
        })
        .collect()
}

/// The first failing step is the sign-in, for the `token` check, with `why` in its reason.
async fn caught(tamper: Tamper, why: &str) {
    let runs = sign_in_through(tamper).await;
    let (step, v) = runs
        .iter()
        .find(|(_, v)| v.status != Status::Pass)
        .unwrap_or_else(|| panic!("the tamper went unnoticed ({why})"));
    assert_eq!(step, "sign in", "{:?}", v.reason);
    assert_eq!(v.status, Status::Fail);
    let reason = v.reason.as_deref().unwrap_or_default();
    assert!(reason.starts_with("token: "), "{reason}");
    assert!(reason.contains(why), "{reason}\n  should contain: {why}");
    // Claims may show; a token never does.
    assert!(!reason.contains("eyJ"), "{reason}");
    let check = v
        .checks
        .iter()
        .find(|c| c.check.as_str() == "token")
        .expect("a token check");
    assert_eq!(check.outcome.as_str(), "fail");
}

#[tokio::test(flavor = "multi_thread")]
async fn honest_tokens_pass_every_check() {
    let runs = sign_in_through(Tamper::None).await;
    for (step, v) in &runs {
        assert_eq!(v.status, Status::Pass, "{step}: {:?}", v.reason);
    }
    let checked = runs
        .iter()
        .filter(|(_, v)| v.checks.iter().any(|c| c.check.as_str() == "token"))
        .count();
    assert!(checked >= 2, "{checked} steps had their tokens checked");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_token_fails_its_signature() {
    caught(Tamper::Signature, "access token: bad signature").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn another_issuer_is_caught() {
    caught(
        Tamper::Issuer,
        "access token: iss is \"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Forged\", \
         expected \"https://cognito-idp.us-east-1.amazonaws.com/",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn another_audience_is_caught() {
    caught(Tamper::Audience, "ID token: aud is \"not-the-client\"").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lifetime_the_client_did_not_set_is_caught() {
    caught(
        Tamper::Lifetime,
        "access token: exp - iat is 86400 s, the client's validity is 3600 s",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_token_is_caught() {
    caught(Tamper::Expired, "access token had expired when it arrived").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_missing_from_the_jwks_is_caught() {
    caught(
        Tamper::UnknownKid,
        "access token: unknown kid \"cognate-nobody\"",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_claim_is_caught() {
    caught(Tamper::NoJti, "access token: claim missing: jti").await;
}
