//! The SRP-6a exchange of USER_SRP_AUTH as Cognito and its SDKs do it: the 3072-bit group of
//! RFC 3526 with g = 2, SHA-256, values hashed in their padded hex form, and a
//! `PASSWORD_VERIFIER` answer signed with an HKDF-derived key over the pool name, the user id,
//! the secret block and a timestamp. Both sides live here, pure: the harness as the client
//! ([`Client`]), the reference target as the server ([`Server`]).

use base64::Engine;
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// RFC 3526's 3072-bit MODP group prime, the N every Cognito SDK uses.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// The info string of the HKDF step.
const DERIVED_KEY_INFO: &[u8] = b"Caldera Derived Key";

struct Group {
    n: BigUint,
    g: BigUint,
    /// k = H(pad(N) | pad(g)).
    k: BigUint,
}

fn group() -> &'static Group {
    static GROUP: OnceLock<Group> = OnceLock::new();
    GROUP.get_or_init(|| {
        let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("the RFC 3526 prime parses");
        let g = BigUint::from(2u8);
        let k = hash_hex(&format!("{}{}", padded_hex(&n), padded_hex(&g)));
        Group { n, g, k }
    })
}

/// Lower-case hex of even length, with a leading `00` when the first bit is set: the form the
/// SDKs hash (a positive number in two's complement).
pub fn padded_hex(v: &BigUint) -> String {
    let mut s = v.to_str_radix(16);
    if s.len() % 2 == 1 {
        s.insert(0, '0');
    }
    if matches!(s.as_bytes()[0], b'8'..=b'9' | b'a'..=b'f') {
        s.insert_str(0, "00");
    }
    s
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect()
}

/// SHA-256 of the bytes a hex string spells, as a number.
fn hash_hex(hex: &str) -> BigUint {
    BigUint::from_bytes_be(&Sha256::digest(hex_bytes(hex)))
}

/// SHA-256 as 64 hex digits.
fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A hex number from the wire (`SRP_A`, `SRP_B`, `SALT`), or `None` if it is not one.
pub fn parse_hex(s: &str) -> Option<BigUint> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    BigUint::parse_bytes(s.as_bytes(), 16)
}

/// The pool's name in the SRP hashes: the part of its id after the underscore.
pub fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, name)| name)
}

/// u = H(pad(A) | pad(B)).
fn scrambler(a: &BigUint, b: &BigUint) -> BigUint {
    hash_hex(&format!("{}{}", padded_hex(a), padded_hex(b)))
}

/// x = H(pad(salt) | H(poolName | userId | ":" | password)).
fn private_key(pool_id: &str, user_id: &str, password: &str, salt: &BigUint) -> BigUint {
    let inner = sha256_hex(format!("{}{user_id}:{password}", pool_name(pool_id)).as_bytes());
    hash_hex(&format!("{}{inner}", padded_hex(salt)))
}

/// The 16-byte key both sides derive from the shared secret S and the scrambler u.
fn derived_key(s: &BigUint, u: &BigUint) -> [u8; 16] {
    let hk =
        hkdf::Hkdf::<Sha256>::new(Some(&hex_bytes(&padded_hex(u))), &hex_bytes(&padded_hex(s)));
    let mut key = [0u8; 16];
    hk.expand(DERIVED_KEY_INFO, &mut key)
        .expect("16 bytes is a valid HKDF length");
    key
}

/// The bytes of a `SECRET_BLOCK`, read as leniently as the SDKs read it (amplify-js maps the
/// URL-safe alphabet to the standard one and pads before decoding).
fn secret_block_bytes(block: &str) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let standard: String = block
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    LENIENT.decode(standard).ok()
}

/// `PASSWORD_CLAIM_SIGNATURE`: base64 of HMAC-SHA256(key, poolName | userId | secretBlock |
/// timestamp). `None` when the secret block is not base64.
fn claim(
    key: &[u8; 16],
    pool_id: &str,
    user_id: &str,
    secret_block: &str,
    timestamp: &str,
) -> Option<String> {
    let block = secret_block_bytes(secret_block)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(pool_name(pool_id).as_bytes());
    mac.update(user_id.as_bytes());
    mac.update(&block);
    mac.update(timestamp.as_bytes());
    Some(base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// The client's side: a secret `a`, the public `A` it sends as `SRP_A`, and the answer to a
/// `PASSWORD_VERIFIER` challenge.
#[derive(Clone)]
pub struct Client {
    a: BigUint,
    big_a: BigUint,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `a` is the client's secret.
        f.debug_struct("srp::Client").finish_non_exhaustive()
    }
}

impl Client {
    /// A client whose secret is the given 32 bytes (random in a run, fixed in a test).
    pub fn new(secret: &[u8]) -> Client {
        let gr = group();
        let a = BigUint::from_bytes_be(secret) % &gr.n;
        let big_a = gr.g.modpow(&a, &gr.n);
        Client { a, big_a }
    }

    /// `SRP_A`, in hex.
    pub fn public_hex(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// `PASSWORD_CLAIM_SIGNATURE` for the challenge's `SRP_B`, `SALT`, `SECRET_BLOCK` and
    /// `USER_ID_FOR_SRP`, or why it cannot be computed (a value that is not hex, B ≡ 0).
    pub fn signature(
        &self,
        pool_id: &str,
        user_id: &str,
        password: &str,
        challenge: &Challenge<'_>,
        timestamp: &str,
    ) -> Result<String, String> {
        let gr = group();
        let b = parse_hex(challenge.srp_b).ok_or("SRP_B is not a hex number")?;
        if (&b % &gr.n) == BigUint::ZERO {
            return Err("SRP_B is zero modulo N".into());
        }
        let salt = parse_hex(challenge.salt).ok_or("SALT is not a hex number")?;
        let u = scrambler(&self.big_a, &b);
        let x = private_key(pool_id, user_id, password, &salt);
        // S = (B - k·g^x)^(a + u·x) mod N, kept positive.
        let kgx = (&gr.k * gr.g.modpow(&x, &gr.n)) % &gr.n;
        let base = ((&b % &gr.n) + &gr.n - kgx) % &gr.n;
        let s = base.modpow(&(&self.a + &u * &x), &gr.n);
        let key = derived_key(&s, &u);
        claim(&key, pool_id, user_id, challenge.secret_block, timestamp)
            .ok_or_else(|| "SECRET_BLOCK is not base64".into())
    }
}

/// The parameters of a `PASSWORD_VERIFIER` challenge the client signs.
#[derive(Debug, Clone, Copy)]
pub struct Challenge<'a> {
    pub srp_b: &'a str,
    pub salt: &'a str,
    pub secret_block: &'a str,
}

/// The server's side of one exchange: what it keeps between `InitiateAuth` and
/// `RespondToAuthChallenge`.
#[derive(Debug, Clone)]
pub struct Server {
    big_a: BigUint,
    b: BigUint,
    big_b: BigUint,
    salt: BigUint,
}

impl Server {
    /// Starts an exchange for a client's `SRP_A` (hex), with the server's random `b` and the
    /// user's salt; `None` when `A` is not hex or is zero modulo N (the exchange would leak).
    pub fn start(
        srp_a: &str,
        pool_id: &str,
        user_id: &str,
        password: &str,
        salt: &[u8],
        secret: &[u8],
    ) -> Option<Server> {
        let gr = group();
        let big_a = parse_hex(srp_a)?;
        if (&big_a % &gr.n) == BigUint::ZERO {
            return None;
        }
        let salt = BigUint::from_bytes_be(salt);
        let v =
            gr.g.modpow(&private_key(pool_id, user_id, password, &salt), &gr.n);
        let b = BigUint::from_bytes_be(secret) % &gr.n;
        // B = k·v + g^b mod N.
        let big_b = (&gr.k * &v + gr.g.modpow(&b, &gr.n)) % &gr.n;
        Some(Server {
            big_a,
            b,
            big_b,
            salt,
        })
    }

    /// `SRP_B`, in hex.
    pub fn public_hex(&self) -> String {
        self.big_b.to_str_radix(16)
    }

    /// `SALT`, in hex.
    pub fn salt_hex(&self) -> String {
        self.salt.to_str_radix(16)
    }

    /// Whether the client's signature proves the password the exchange started with.
    pub fn verify(
        &self,
        pool_id: &str,
        user_id: &str,
        password: &str,
        secret_block: &str,
        timestamp: &str,
        signature: &str,
    ) -> bool {
        let gr = group();
        let u = scrambler(&self.big_a, &self.big_b);
        let v =
            gr.g.modpow(&private_key(pool_id, user_id, password, &self.salt), &gr.n);
        // S = (A · v^u)^b mod N.
        let s = ((&self.big_a * v.modpow(&u, &gr.n)) % &gr.n).modpow(&self.b, &gr.n);
        let key = derived_key(&s, &u);
        claim(&key, pool_id, user_id, secret_block, timestamp).is_some_and(|c| c == signature)
    }
}

/// The `TIMESTAMP` the SDKs send: `Tue Sep 3 08:05:07 UTC 2024` (the day not zero-padded).
pub fn timestamp(unix_seconds: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_seconds.div_euclid(86_400);
    let secs = unix_seconds.rem_euclid(86_400);
    let (y, m, d) = crate::time::civil_from_days(days);
    format!(
        "{} {} {d} {:02}:{:02}:{:02} UTC {y}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const POOL: &str = "us-east-1_AbCdEfGhI";
    const BLOCK: &str = "c2VjcmV0LWJsb2NrLWJ5dGVz";

    fn exchange(client_password: &str) -> bool {
        let client = Client::new(&[7u8; 32]);
        let server = Server::start(
            &client.public_hex(),
            POOL,
            "alice",
            "Right-Passw0rd!",
            &[9u8; 16],
            &[3u8; 32],
        )
        .unwrap();
        let (b, salt) = (server.public_hex(), server.salt_hex());
        let ts = timestamp(1_725_350_707);
        let sig = client
            .signature(
                POOL,
                "alice",
                client_password,
                &Challenge {
                    srp_b: &b,
                    salt: &salt,
                    secret_block: BLOCK,
                },
                &ts,
            )
            .unwrap();
        server.verify(POOL, "alice", "Right-Passw0rd!", BLOCK, &ts, &sig)
    }

    #[test]
    fn client_and_server_agree_on_the_right_password_only() {
        assert!(exchange("Right-Passw0rd!"));
        assert!(!exchange("Wrong-Passw0rd!"));
    }

    /// alexrudd/cognito-srp's `Test_PasswordVerifierChallenge` (Go): a = SALT = SRP_B =
    /// 1234567890, pool `eu-west-1_myPool`, user and password `test`. Its base B - k·g^x is
    /// negative, the case a careless reduction gets wrong.
    #[test]
    fn the_published_go_vector() {
        let client = Client::new(&1_234_567_890u32.to_be_bytes());
        let block = base64::engine::general_purpose::STANDARD.encode("secretssecrestssecrets");
        let sig = client
            .signature(
                "eu-west-1_myPool",
                "test",
                "test",
                &Challenge {
                    srp_b: "499602d2",
                    salt: "499602d2",
                    secret_block: &block,
                },
                "Tue Jul 10 11:01:00 UTC 2018",
            )
            .unwrap();
        assert_eq!(sig, "tdvQu/Li/qWl8Nni0aFPs+MwY4rvKZm0kSMrGIMSUHk=");
        assert_eq!(
            group().k.to_str_radix(16),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );
    }

    #[test]
    fn padding_follows_the_sdks() {
        assert_eq!(padded_hex(&BigUint::from(2u8)), "02");
        assert_eq!(padded_hex(&BigUint::from(0x80u8)), "0080");
        assert_eq!(padded_hex(&BigUint::from(0x1234u16)), "1234");
        assert_eq!(padded_hex(&BigUint::from(0xabcu16)), "0abc");
    }

    #[test]
    fn the_timestamp_has_the_sdk_form() {
        // 2024-09-03T08:05:07Z was a Tuesday.
        assert_eq!(timestamp(1_725_350_707), "Tue Sep 3 08:05:07 UTC 2024");
        assert_eq!(timestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
    }

    #[test]
    fn bad_values_are_refused_not_panicked_on() {
        let client = Client::new(&[1u8; 32]);
        let ch = |b: &'static str, s: &'static str, blk: &'static str| Challenge {
            srp_b: b,
            salt: s,
            secret_block: blk,
        };
        assert!(client
            .signature(POOL, "u", "p", &ch("xyz", "01", BLOCK), "t")
            .is_err());
        assert!(client
            .signature(POOL, "u", "p", &ch("00", "01", BLOCK), "t")
            .is_err());
        assert!(client
            .signature(POOL, "u", "p", &ch("05", "zz", BLOCK), "t")
            .is_err());
        assert!(client
            .signature(POOL, "u", "p", &ch("05", "01", "%%%"), "t")
            .is_err());
        // URL-safe and unpadded blocks are read as the SDKs read them.
        assert_eq!(
            secret_block_bytes("-_8").unwrap(),
            secret_block_bytes("+/8=").unwrap()
        );
        assert!(client
            .signature(POOL, "u", "p", &ch("05", "01", "3f2a-44c1-9d0e"), "t")
            .is_ok());
        assert!(Server::start("", POOL, "u", "p", &[1], &[1]).is_none());
        assert!(Server::start(&N_HEX.to_lowercase(), POOL, "u", "p", &[1], &[1]).is_none());
    }
}
