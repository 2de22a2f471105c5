//! The `output` check: named values of a success body, each equal to a JSON value, matching a
//! pattern (the delivery medium, the masked form of a destination, the presence of a token) or
//! absent, and the round trip (every member sent comes back as sent). Pure, like the other
//! checks.

use serde_json::Value;

use super::{text, CheckName, CheckOutcome, CheckResult, Status, Verdict};
pub use crate::generate::OutputCheck;
use crate::redact;
use crate::replay::Exchange;

/// The longest value a failure shows, in characters.
const SHOWN_VALUE_CHARS: usize = 60;

/// Adds the `output` check to a verdict of the checker: skipped when the verdict is a skip or an
/// error, when no success was answered, or when there is nothing to check; failed (and the verdict
/// with it, if it still passed) at the first value that is missing or differs.
pub fn apply_output(verdict: &mut Verdict, exchange: &Exchange, checks: &[OutputCheck]) {
    if checks.is_empty() {
        return;
    }
    let result = |outcome| CheckResult {
        check: CheckName::Output,
        outcome,
    };
    let outcome = match (&verdict.status, &exchange.result) {
        (Status::Skip | Status::Error, _) | (_, Err(_)) => {
            CheckOutcome::Skip("no answer to look into".into())
        }
        (_, Ok(resp)) if !(200..300).contains(&resp.status) => {
            CheckOutcome::Skip(format!("HTTP {} is not a 2xx", resp.status))
        }
        (_, Ok(resp)) => match serde_json::from_slice::<Value>(&resp.body) {
            Err(_) => CheckOutcome::Skip("the body is not JSON (see envelope)".into()),
            Ok(body) => {
                // Never show a credential: the request's, and any token the answer carries.
                let sent = serde_json::from_slice::<Value>(&exchange.sent.body).ok();
                let mut secrets = sent.as_ref().map(redact::named_secrets).unwrap_or_default();
                secrets.extend(redact::named_secrets(&body));
                // `/@claims/...` pointers read the tokens' claims.
                let view = super::token::with_claims(&body);
                let found = checks
                    .iter()
                    .find_map(|c| mismatch(c, &view, sent.as_ref(), &secrets));
                match found {
                    None => CheckOutcome::Pass,
                    Some(why) => CheckOutcome::Fail(why),
                }
            }
        },
    };
    if let CheckOutcome::Fail(why) = &outcome {
        if verdict.status == Status::Pass {
            verdict.status = Status::Fail;
            verdict.reason = Some(format!("output: {why}"));
        }
    }
    verdict.checks.push(result(outcome));
}

fn mismatch(
    check: &OutputCheck,
    body: &Value,
    sent: Option<&Value>,
    secrets: &[String],
) -> Option<String> {
    let pointer = check.pointer();
    let at = if pointer.is_empty() {
        "the body".to_owned()
    } else {
        pointer.to_owned()
    };
    let shown = |v: &Value| {
        let s = text::redact_json(v, secrets).to_string();
        text::abbreviate(&text::one_line(&s), SHOWN_VALUE_CHARS)
    };
    let got = body.pointer(pointer);
    if let OutputCheck::Absent { .. } = check {
        return got.map(|v| format!("{at} is {}, expected nothing there", shown(v)));
    }
    let Some(got) = got else {
        return Some(format!("{at} is missing"));
    };
    match check {
        OutputCheck::Absent { .. } => None,
        OutputCheck::Echoes { except, .. } => {
            let Some(Value::Object(sent)) = sent else {
                return Some("the request sent was not a JSON object to compare with".into());
            };
            sent.iter()
                .filter(|(k, _)| !except.contains(k))
                .find_map(|(k, v)| match got.get(k) {
                    None => Some(format!("{at}/{k} is missing; it was sent as {}", shown(v))),
                    Some(g) if !contains(g, v) => Some(format!(
                        "{at}/{k} is {}; it was sent as {}",
                        shown(g),
                        shown(v)
                    )),
                    Some(_) => None,
                })
        }
        OutputCheck::Equals { value, .. } if got == value => None,
        OutputCheck::Equals { value, .. } => {
            Some(format!("{at} is {}, expected {}", shown(got), shown(value)))
        }
        OutputCheck::Matches { pattern, .. } => match got.as_str() {
            Some(s) if pattern.is_match(s) => None,
            Some(_) => Some(format!(
                "{at} is {}, which does not match {}",
                shown(got),
                pattern.as_str()
            )),
            None => Some(format!(
                "{at} is {}, expected a string matching {}",
                text::json_kind(got),
                pattern.as_str()
            )),
        },
    }
}

/// Whether `got` holds what was `sent`: objects by their sent members (the answer may add
/// defaults), anything else equal.
fn contains(got: &Value, sent: &Value) -> bool {
    match (got, sent) {
        (Value::Object(g), Value::Object(s)) => s
            .iter()
            .all(|(k, v)| g.get(k).is_some_and(|gv| contains(gv, v))),
        _ => got == sent,
    }
}
