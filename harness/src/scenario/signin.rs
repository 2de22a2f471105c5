//! The client side of the sign-in flows a scenario drives: its SRP-6a exchange (`srp.*`
//! placeholders answer the last PASSWORD_VERIFIER challenge) and its TOTP codes (`totp.<capture>`
//! from an AssociateSoftwareToken secret). Before a step goes out, [`SignIn::prepare`] computes
//! the values its request names; after it, [`SignIn::observe`] keeps a new challenge.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::Value;

use crate::placeholder;
use crate::srp;
use crate::target::{NEW_PASSWORD, USER_PASSWORD};
use crate::totp;

/// The password `srp.claim.wrong` signs with: no user of a run has it.
const WRONG_PASSWORD: &str = "Cognate-Wr0ng-Passw0rd!";

/// One scenario run's sign-in state.
pub struct SignIn {
    srp: srp::Client,
    /// The parameters of the last PASSWORD_VERIFIER challenge answered.
    challenge: Option<BTreeMap<String, String>>,
    /// The TOTP steps already used, per secret: a code is given once.
    used: BTreeMap<String, BTreeSet<u64>>,
}

impl SignIn {
    /// A run's state; `seed` makes its SRP secret (the same on every run with the same seed).
    pub fn new(seed: &str) -> SignIn {
        use sha2::{Digest, Sha256};
        let mut secret = Vec::with_capacity(128);
        for i in 0u8..4 {
            secret.extend_from_slice(&Sha256::digest(format!("srp a\n{seed}\n{i}")));
        }
        SignIn {
            srp: srp::Client::new(&secret),
            challenge: None,
            used: BTreeMap::new(),
        }
    }

    /// The values of the `srp.*`, `totp.*` and `totp-wrong.*` placeholders of `request`, or why
    /// one cannot be had. Waits for the next 30-second step when a secret's current code was
    /// given already (AWS refuses a code used once: ops §6 RespondToAuthChallenge "TOTP code
    /// reused", conf. A).
    pub async fn prepare(
        &mut self,
        request: &Value,
        pool_id: &str,
        captured: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, String> {
        let mut out = BTreeMap::new();
        let now = crate::time::now_unix();
        let timestamp = srp::timestamp(now);
        for name in placeholder::names_in(request) {
            let value = if let Some(capture) = name.strip_prefix("totp.") {
                self.code(captured.get(capture).ok_or("no TOTP secret captured")?)
                    .await?
            } else if let Some(capture) = name.strip_prefix("totp-wrong.") {
                wrong_code(captured.get(capture).ok_or("no TOTP secret captured")?)?
            } else if name == "srp.a" {
                self.srp.public_hex()
            } else if name == "srp.timestamp" {
                timestamp.clone()
            } else if let Some(what) = name.strip_prefix("srp.") {
                self.srp_value(what, pool_id, &timestamp)?
            } else {
                continue;
            };
            out.insert(name, value);
        }
        Ok(out)
    }

    fn srp_value(&self, what: &str, pool_id: &str, timestamp: &str) -> Result<String, String> {
        let ch = self.challenge.as_ref().ok_or(
            "no PASSWORD_VERIFIER challenge came before this step (see the step that started \
             USER_SRP_AUTH)",
        )?;
        let param = |k: &str| {
            ch.get(k)
                .map(String::as_str)
                .ok_or_else(|| format!("the PASSWORD_VERIFIER challenge has no {k}"))
        };
        let password = match what {
            "user" => return param("USER_ID_FOR_SRP").map(str::to_owned),
            "secret-block" => return param("SECRET_BLOCK").map(str::to_owned),
            "claim" => USER_PASSWORD,
            "claim.new" => NEW_PASSWORD,
            "claim.wrong" => WRONG_PASSWORD,
            other => return Err(format!("no SRP value {other:?}")),
        };
        let challenge = srp::Challenge {
            srp_b: param("SRP_B")?,
            salt: param("SALT")?,
            secret_block: param("SECRET_BLOCK")?,
        };
        self.srp
            .signature(
                pool_id,
                param("USER_ID_FOR_SRP")?,
                password,
                &challenge,
                timestamp,
            )
            .map_err(|why| format!("the PASSWORD_VERIFIER challenge: {why}"))
    }

    /// A code of `secret` for a step not used before, waiting for the next step if need be.
    async fn code(&mut self, secret: &str) -> Result<String, String> {
        loop {
            let now = crate::time::now_unix() as u64;
            let step = totp::step_of(now);
            let used = self.used.entry(secret.to_owned()).or_default();
            if !used.contains(&step) {
                used.insert(step);
                return totp::code_at(secret, now)
                    .ok_or_else(|| "the captured TOTP secret is not base32".to_owned());
            }
            let next = (step + 1) * totp::STEP;
            tokio::time::sleep(Duration::from_millis((next - now) * 1000 + 200)).await;
        }
    }

    /// Keeps the challenge of a PASSWORD_VERIFIER answer.
    pub fn observe(&mut self, answer: Option<&Value>) {
        let Some(a) = answer else { return };
        if a.get("ChallengeName").and_then(Value::as_str) != Some("PASSWORD_VERIFIER") {
            return;
        }
        let params = a
            .get("ChallengeParameters")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect();
        self.challenge = Some(params);
    }
}

/// Six digits that are the code of no step within a minute and a half of now.
fn wrong_code(secret: &str) -> Result<String, String> {
    let now = crate::time::now_unix() as u64;
    let near: Vec<String> = (0..7)
        .filter_map(|i| totp::code_at(secret, (now + 90).saturating_sub(30 * i)))
        .collect();
    if near.is_empty() {
        return Err("the captured TOTP secret is not base32".into());
    }
    let mut n: u32 = near[0].parse().unwrap_or(0);
    loop {
        n = (n + 500_009) % 1_000_000;
        let code = format!("{n:06}");
        if !near.contains(&code) {
            return Ok(code);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_code_is_no_code_near_now() {
        let secret = totp::encode_secret(b"12345678901234567890");
        let wrong = wrong_code(&secret).unwrap();
        let now = crate::time::now_unix() as u64;
        for t in [now.saturating_sub(30), now, now + 30] {
            assert_ne!(totp::code_at(&secret, t).unwrap(), wrong);
        }
        assert!(wrong_code("!!").is_err());
    }

    #[tokio::test]
    async fn srp_values_need_a_challenge() {
        let mut s = SignIn::new("seed");
        let req = serde_json::json!({"A": "{{cognate:srp.a}}", "C": "{{cognate:srp.claim}}"});
        let e = s.prepare(&req, "us-east-1_x", &BTreeMap::new()).await;
        assert!(e.unwrap_err().contains("no PASSWORD_VERIFIER"));
        let req = serde_json::json!({"A": "{{cognate:srp.a}}"});
        let a = s
            .prepare(&req, "us-east-1_x", &BTreeMap::new())
            .await
            .unwrap();
        assert_eq!(a["srp.a"], SignIn::new("seed").srp.public_hex());
    }
}
