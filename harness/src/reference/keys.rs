//! The reference target's token signing keys: an RS256 pair for the ID tokens and another for
//! the access tokens of each pool (their `kid`s differ, as Cognito's do: ops §7 "Signing"),
//! published as the pool's JWKS.
//!
//! An RSA-2048 key takes about a quarter of a second to generate, so a process keeps a small
//! ring of them and hands each pool the next two in turn: within one target no two pools share
//! a key until the ring wraps, and every pool has its own `kid`s, so a token of one pool never
//! verifies against another pool's JWKS.

use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// How many distinct key pairs a process generates at most.
const RING: usize = 6;
const BITS: usize = 2048;

/// One RSA key pair, ready to sign and to publish.
struct Material {
    encoding: EncodingKey,
    /// The public modulus and exponent, base64url without padding (JWK `n`, `e`).
    n: String,
    e: String,
}

fn ring() -> &'static Mutex<Vec<Arc<Material>>> {
    static KEYS: OnceLock<Mutex<Vec<Arc<Material>>>> = OnceLock::new();
    KEYS.get_or_init(|| Mutex::new(Vec::new()))
}

/// The ring's `i`-th key, generated on first use.
fn material(i: usize) -> Arc<Material> {
    let mut keys = ring().lock().unwrap_or_else(|e| e.into_inner());
    let i = i % RING;
    while keys.len() <= i {
        let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, BITS)
            .expect("RSA key generation with the OS generator succeeds");
        let der = key
            .to_pkcs1_der()
            .expect("a generated key encodes as PKCS#1");
        let b64 = |v: &rsa::BigUint| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_bytes_be())
        };
        keys.push(Arc::new(Material {
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            n: b64(key.n()),
            e: b64(key.e()),
        }));
    }
    keys[i].clone()
}

/// Which token a key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    Id,
    Access,
}

/// One pool's two signing keys.
#[derive(Clone)]
pub struct PoolKeys {
    id: (String, Arc<Material>),
    access: (String, Arc<Material>),
}

impl std::fmt::Debug for PoolKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolKeys")
            .field("id", &self.id.0)
            .field("access", &self.access.0)
            .finish()
    }
}

impl PoolKeys {
    /// The keys of the `n`-th pool of a target that signs tokens.
    pub fn nth(n: usize, pool_id: &str) -> PoolKeys {
        let kid = |u: &str, m: &Material| {
            let digest = Sha256::digest(format!("{pool_id}\n{u}\n{}", m.n));
            base64::engine::general_purpose::STANDARD.encode(digest)
        };
        let (id, access) = (material(2 * n), material(2 * n + 1));
        PoolKeys {
            id: (kid("id", &id), id),
            access: (kid("access", &access), access),
        }
    }

    /// The compact JWS of `claims`, signed RS256 with the key for `use_`.
    pub fn sign(&self, use_: Use, claims: &Value) -> String {
        let (kid, m) = match use_ {
            Use::Id => &self.id,
            Use::Access => &self.access,
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.clone());
        jsonwebtoken::encode(&header, claims, &m.encoding)
            .expect("RS256 signing of a JSON object succeeds")
    }

    /// The pool's `.well-known/jwks.json`.
    pub fn jwks(&self) -> Value {
        let key = |(kid, m): &(String, Arc<Material>)| json!({"alg": "RS256", "e": m.e, "kid": kid, "kty": "RSA", "n": m.n, "use": "sig"});
        json!({"keys": [key(&self.id), key(&self.access)]})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    #[test]
    fn tokens_verify_against_their_own_pool_only() {
        let a = PoolKeys::nth(0, "us-east-1_a");
        let b = PoolKeys::nth(1, "us-east-1_b");
        let token = a.sign(Use::Access, &json!({"sub": "x", "exp": 4_000_000_000u64}));
        let header = jsonwebtoken::decode_header(&token).unwrap();
        let find = |jwks: &Value| {
            jwks["keys"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| Some(k["kid"].as_str().unwrap()) == header.kid.as_deref())
                .cloned()
        };
        let jwk = find(&a.jwks()).expect("the kid is in the pool's JWKS");
        assert!(find(&b.jwks()).is_none());
        let key = DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap(),
            jwk["e"].as_str().unwrap(),
        )
        .unwrap();
        let claims =
            jsonwebtoken::decode::<Value>(&token, &key, &Validation::new(Algorithm::RS256))
                .unwrap()
                .claims;
        assert_eq!(claims["sub"], "x");
        assert_ne!(a.id.0, a.access.0);
    }
}
