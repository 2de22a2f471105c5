//! `{{cognate:NAME}}` placeholders: one grammar and one scope, validated where the data is loaded
//! (packs and scenario files, with the file and line of the mistake) and filled where requests
//! go out ([`fill`]).
//!
//! The names, and where they may stand:
//!
//! | name | value | packs | scenarios |
//! |---|---|---|---|
//! | `pool` | the pool's id | yes | yes |
//! | `pool.arn` | the pool's ARN | yes | yes |
//! | `password` | the users' first password | yes | yes |
//! | `client.<legacy\|enabled\|secret>` | a client id | yes | yes |
//! | `user.<key>` | a username: the fixture's users in packs, the scenario's own in scenarios | yes | yes |
//! | `email.<key>`, `phone.<key>` | a scenario user's e-mail address or phone number | no | yes |
//! | `secret_hash:client.secret:<user>` | the SecretHash over `<user>` (a user reference or a literal username) | yes | yes |
//! | `fresh:<label>` | a name unique to the case (packs) or to the scenario run (scenarios), the same on every run with the same seed | yes | yes |
//! | `code`, `code.<name>` | a code learned by an earlier step (`learn_code`) | no | yes |
//! | `<name>` captured | a value an earlier step captured from its success body (`capture`) | no | yes |
//! | `answer:<pointer>` | in a `creates` request only: the value at that JSON Pointer of the answer that created the thing | yes | yes |
//! | `new-password` | a second password that satisfies the policy | yes | yes |
//! | `srp.a` | the scenario run's SRP_A | no | yes |
//! | `srp.user`, `srp.secret-block` | USER_ID_FOR_SRP and SECRET_BLOCK of the last PASSWORD_VERIFIER challenge | no | yes |
//! | `srp.timestamp`, `srp.claim`, `srp.claim.new`, `srp.claim.wrong` | the TIMESTAMP and the PASSWORD_CLAIM_SIGNATURE for that challenge with `password`, `new-password` or a wrong password | no | yes |
//! | `totp.<capture>` | an RFC 6238 code of the secret captured as `<capture>`, never one given before in the run | no | yes |
//! | `totp-wrong.<capture>` | six digits that are no code of that secret near now | no | yes |

use std::collections::BTreeSet;

use serde_json::Value;

pub const OPEN: &str = "{{cognate:";
pub const CLOSE: &str = "}}";

/// The clients every pool of the run has (see `target::Provisioner`).
pub const CLIENTS: [&str; 3] = ["legacy", "enabled", "secret"];

/// The SRP placeholders (`scenario::signin`).
pub const SRP: [&str; 7] = [
    "srp.a",
    "srp.user",
    "srp.secret-block",
    "srp.timestamp",
    "srp.claim",
    "srp.claim.new",
    "srp.claim.wrong",
];

/// Names a capture may not take: they mean something already.
const RESERVED: [&str; 3] = ["pool", "password", "code"];

/// Turns a placeholder name (`client.legacy`, `secret_hash:client.secret:user.email`) into its
/// value; provided by the target's fixture, a scenario's state, or both.
pub trait Fill: Sync {
    fn fill(&self, name: &str) -> Option<String>;
}

/// No fixture: for requests without placeholders (provisioning itself).
pub struct NoFill;

impl Fill for NoFill {
    fn fill(&self, _: &str) -> Option<String> {
        None
    }
}

/// The body with every `{{cognate:NAME}}` replaced (the value escaped for a JSON string); an
/// unknown name is left as it is, so the request still goes out and the verdict shows it.
pub fn fill(body: &str, fill: &dyn Fill) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        match after.find(CLOSE) {
            Some(end) => {
                let name = &after[..end];
                match fill.fill(name) {
                    Some(v) => out.push_str(&json_escape(&v)),
                    None => out.push_str(&rest[start..start + OPEN.len() + end + CLOSE.len()]),
                }
                rest = &after[end + CLOSE.len()..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A text with every known `{{cognate:NAME}}` replaced by its plain value (not escaped for JSON).
pub fn fill_text(text: &str, fill: &dyn Fill) -> String {
    let mut out = text.to_owned();
    for name in names(text) {
        if let Some(v) = fill.fill(&name) {
            out = out.replace(&format!("{OPEN}{name}{CLOSE}"), &v);
        }
    }
    out
}

/// A value placed inside a JSON string literal.
fn json_escape(v: &str) -> String {
    let quoted = serde_json::to_string(v).expect("a string always serialises");
    quoted[1..quoted.len() - 1].to_owned()
}

/// The placeholder names in one string, in order.
pub fn names(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        match after.find(CLOSE) {
            Some(end) => {
                out.push(after[..end].to_owned());
                rest = &after[end + CLOSE.len()..];
            }
            None => break,
        }
    }
    out
}

/// The placeholder names in every string of a value (keys included).
pub fn names_in(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk_strings(v, &mut |s| out.extend(names(s)));
    out
}

fn walk_strings(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|i| walk_strings(i, f)),
        Value::Object(m) => {
            for (k, i) in m {
                f(k);
                walk_strings(i, f);
            }
        }
        _ => {}
    }
}

/// The 1-based line of `text` where `{{cognate:name}}` first stands, for an error message.
pub fn line_of(text: &str, name: &str) -> Option<usize> {
    let needle = format!("{OPEN}{name}{CLOSE}");
    text.lines()
        .position(|l| l.contains(&needle))
        .map(|i| i + 1)
}

/// `fresh:<label>` → `cognate-<label>-<unique>`: the name a case or scenario run creates
/// something under, so that concurrent creates never collide and the same seed gives the same
/// names (snapshots stay byte-identical).
pub fn fresh_name(label: &str, unique: &str) -> String {
    format!("cognate-{label}-{unique}")
}

/// Replaces every `{{cognate:fresh:<label>}}` of a request body by its fresh name, in place; a
/// body without one (almost every generated case) is left untouched, not copied.
pub fn fill_fresh(body: &mut String, unique: &str) {
    struct Fresh<'a>(&'a str);
    impl Fill for Fresh<'_> {
        fn fill(&self, name: &str) -> Option<String> {
            name.strip_prefix("fresh:").map(|l| fresh_name(l, self.0))
        }
    }
    if body.contains("{{cognate:fresh:") {
        *body = fill(body, &Fresh(unique));
    }
}

/// Replaces every `{{cognate:answer:<pointer>}}` of a `creates` request body by the value at
/// that pointer of the answer that created the thing (a string as it is, anything else as
/// JSON); one the answer lacks is left as it is, so the delete goes out and its failure says so.
pub fn fill_answer(body: &mut String, answer: &Value) {
    struct Answer<'a>(&'a Value);
    impl Fill for Answer<'_> {
        fn fill(&self, name: &str) -> Option<String> {
            match self.0.pointer(name.strip_prefix("answer:")?)? {
                Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            }
        }
    }
    if body.contains("{{cognate:answer:") {
        *body = fill(body, &Answer(answer));
    }
}

/// What a placeholder needs from the steps before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// A learned code: `code` or `code.<name>`.
    Code(String),
    /// A captured value, by name.
    Captured(String),
}

/// Where a row stands, for validation: the users it may name, and what earlier steps learned or
/// captured.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The scenario's user keys; `None` in a pack, where the fixture's users are named.
    pub scenario_users: Option<BTreeSet<String>>,
    /// The fixture's user keys (packs).
    pub fixture_users: BTreeSet<String>,
    /// `learn_code` names of earlier steps.
    pub learned: BTreeSet<String>,
    /// `capture` names of earlier steps.
    pub captured: BTreeSet<String>,
    /// Whether this is a `creates` request, where `answer:<pointer>` names the creating answer.
    pub creates: bool,
}

impl Scope {
    /// The scope of a pack row: the fixture's pool, clients and users.
    pub fn pack(fixture_users: impl IntoIterator<Item = impl Into<String>>) -> Scope {
        Scope {
            fixture_users: fixture_users.into_iter().map(Into::into).collect(),
            ..Scope::default()
        }
    }

    /// Whether a row here may use `name`; what it needs from earlier steps if anything.
    pub fn check(&self, name: &str) -> Result<Option<Need>, String> {
        let shown = format!("{OPEN}{name}{CLOSE}");
        if matches!(name, "pool" | "pool.arn" | "password" | "new-password") {
            return Ok(None);
        }
        let stateful = self.scenario_users.is_some();
        if SRP.contains(&name) {
            return if stateful {
                Ok(None)
            } else {
                Err(format!(
                    "{shown}: SRP values come from a scenario's earlier step"
                ))
            };
        }
        if let Some(capture) = name
            .strip_prefix("totp.")
            .or_else(|| name.strip_prefix("totp-wrong."))
        {
            return if self.captured.contains(capture) {
                Ok(Some(Need::Captured(capture.to_owned())))
            } else {
                Err(format!(
                    "{shown}: no earlier step captures {capture:?} (the AssociateSoftwareToken secret)"
                ))
            };
        }
        if let Some(pointer) = name.strip_prefix("answer:") {
            return match (self.creates, pointer.starts_with('/')) {
                (true, true) => Ok(None),
                (true, false) => Err(format!("{shown}: answer:<JSON Pointer>, as answer:/Id")),
                (false, _) => Err(format!(
                    "{shown}: the answer that created something is known in a creates request only"
                )),
            };
        }
        if let Some(c) = name.strip_prefix("client.") {
            return if CLIENTS.contains(&c) {
                Ok(None)
            } else {
                Err(format!("{shown}: the clients are {}", CLIENTS.join(", ")))
            };
        }
        if let Some(label) = name.strip_prefix("fresh:") {
            return if is_label(label) {
                Ok(None)
            } else {
                Err(format!("{shown}: a fresh label is letters, digits and '-'"))
            };
        }
        if name.starts_with("user.") || name.starts_with("email.") || name.starts_with("phone.") {
            self.user_ref(name, &shown)?;
            return Ok(None);
        }
        if let Some(rest) = name.strip_prefix("secret_hash:") {
            let (client, who) = rest
                .split_once(':')
                .ok_or_else(|| format!("{shown}: secret_hash:client.<client>:<user>"))?;
            if client != "client.secret" {
                return Err(format!("{shown}: only client.secret has a secret"));
            }
            if who.contains('.') {
                self.user_ref(who, &shown)?;
            }
            return Ok(None);
        }
        if name == "code" || name.starts_with("code.") {
            if !stateful {
                return Err(format!(
                    "{shown}: codes are learned by scenario steps, not in a pack"
                ));
            }
            return match name.strip_prefix("code.") {
                None if self.learned.is_empty() => Err(format!(
                    "{shown} before any step learns a code (learn_code)"
                )),
                Some(c) if !self.learned.contains(c) => {
                    Err(format!("{shown}: no earlier step has learn_code = {c:?}"))
                }
                _ => Ok(Some(Need::Code(name.to_owned()))),
            };
        }
        if self.captured.contains(name) {
            return Ok(Some(Need::Captured(name.to_owned())));
        }
        Err(format!(
            "unknown placeholder {shown} (known: pool, pool.arn, password, new-password, \
             client.<name>, user.<key>, {}secret_hash:client.secret:<user>, fresh:<label>{})",
            if stateful {
                "email.<key>, phone.<key>, "
            } else {
                ""
            },
            if stateful {
                ", code, code.<name>, srp.<a|user|secret-block|timestamp|claim|claim.new|\
                 claim.wrong>, totp.<capture>, totp-wrong.<capture>, or a name an earlier step \
                 captures"
            } else {
                ""
            }
        ))
    }

    fn user_ref(&self, r: &str, shown: &str) -> Result<(), String> {
        for prefix in ["user.", "email.", "phone."] {
            let Some(k) = r.strip_prefix(prefix) else {
                continue;
            };
            return match &self.scenario_users {
                Some(users) if users.contains(k) => Ok(()),
                Some(users) => Err(format!(
                    "{shown} names user {k:?}, not one of the scenario's users ({})",
                    users.iter().cloned().collect::<Vec<_>>().join(", ")
                )),
                None if prefix == "user." && self.fixture_users.contains(k) => Ok(()),
                None if prefix == "user." => Err(format!(
                    "{shown}: the fixture's users are {}",
                    self.fixture_users
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                None => Err(format!("{shown}: {prefix}<key> names a scenario user")),
            };
        }
        Err(format!(
            "{shown}: {r:?} is not user.<key>, email.<key> or phone.<key>"
        ))
    }
}

/// Whether a capture may take this name.
pub fn check_capture_name(name: &str) -> Result<(), String> {
    if !is_label(name) {
        return Err(format!("capture {name:?}: use letters, digits and '-'"));
    }
    if RESERVED.contains(&name) {
        return Err(format!(
            "capture {name:?}: the name means something already"
        ));
    }
    Ok(())
}

fn is_label(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_name_the_fixture() {
        let s = Scope::pack(["email", "nocode"]);
        for ok in [
            "pool",
            "client.legacy",
            "user.email",
            "secret_hash:client.secret:user.nocode",
            "secret_hash:client.secret:cognate-literal",
            "fresh:group",
            "pool.arn",
        ] {
            assert_eq!(s.check(ok), Ok(None), "{ok}");
        }
        assert!(s.check("answer:/UserPool/Id").is_err());
        let creates = Scope {
            creates: true,
            ..s.clone()
        };
        assert_eq!(creates.check("answer:/UserPool/Id"), Ok(None));
        assert!(creates.check("answer:UserPool").is_err());
        for bad in [
            "user.emial",
            "client.other",
            "email.a",
            "code",
            "fresh:a b",
            "secret_hash:client.legacy:user.email",
            "pol",
        ] {
            assert!(s.check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scenarios_need_earlier_steps() {
        let mut s = Scope {
            scenario_users: Some(["a".to_owned()].into()),
            ..Scope::default()
        };
        assert!(s.check("code").is_err());
        assert!(s.check("poolid").is_err());
        s.learned.insert("first".into());
        s.captured.insert("poolid".into());
        assert_eq!(s.check("code"), Ok(Some(Need::Code("code".into()))));
        assert_eq!(s.check("poolid"), Ok(Some(Need::Captured("poolid".into()))));
        assert!(s.check("code.second").is_err());
        assert!(s.check("user.b").is_err());
        assert_eq!(s.check("email.a"), Ok(None));
        assert!(check_capture_name("pool").is_err());
        assert!(check_capture_name("user.x").is_err());
        assert!(check_capture_name("group-name").is_ok());
    }

    #[test]
    fn fill_and_fresh() {
        let mut body = r#"{"G":"{{cognate:fresh:g}}","P":"{{cognate:pool}}"}"#.to_owned();
        fill_fresh(&mut body, "ab12");
        assert_eq!(body, r#"{"G":"cognate-g-ab12","P":"{{cognate:pool}}"}"#);
        assert_eq!(
            line_of("a\nx = \"{{cognate:user.x}}\"\n", "user.x"),
            Some(2)
        );
        assert_eq!(names("{{cognate:a}} and {{cognate:b}}"), ["a", "b"]);
        let mut delete =
            r#"{"UserPoolId":"{{cognate:answer:/UserPool/Id}}","N":"{{cognate:answer:/N}}"}"#
                .to_owned();
        fill_answer(
            &mut delete,
            &serde_json::json!({"UserPool": {"Id": "us-east-1_x"}, "N": 3}),
        );
        assert_eq!(delete, r#"{"UserPoolId":"us-east-1_x","N":"3"}"#);
    }
}
