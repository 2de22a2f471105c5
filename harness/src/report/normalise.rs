//! The message form: what a target said, with every value that changes from run to run (or from
//! machine to machine) replaced by a stable token, so two runs against the same target give the
//! same text and a snapshot records only what the target decided.
//!
//! In order, [`Normaliser::normalise`]:
//! 1. escapes control characters (one line);
//! 2. replaces the fixture's values: the pool id by `<pool>`, client ids by `<client.legacy>`,
//!    usernames by `<user.email>`, and any password, client secret or secret hash of the fixture
//!    by `<redacted>`;
//! 3. replaces the value quoted in a validation message by `<value>`, keeping the structure:
//!    `Value '<value>' at 'username' failed to satisfy constraint: Member must ...` (a value cut
//!    short by the report's length limit becomes `Value '<value>…`);
//! 4. outside the `Member must ...` text of a validation message (which comes from the model and
//!    holds lengths such as 131072), replaces URLs by `<url>`, UUIDs (request ids) by `<uuid>`,
//!    list indices in JSON Pointers by `<i>`, other pool ids by `<pool-id>`, other client ids by
//!    `<client-id>`, a quoted pagination
//!    token by `<token>`, timestamps by `<timestamp>`, hex runs of 16 or more by
//!    `<hex>`, and digit runs of 6 or more (codes, epoch times, counters) by `<digits>`.
//!
//! The text given is already redacted by the check stage; this adds the fixture's secrets on top,
//! so a value the target made up from a fixture secret still cannot reach a snapshot.

use std::sync::LazyLock;

use regex::Regex;

use super::one_line;
use crate::redact::REDACTED;
use crate::target::{secret_hash, Fixture, USER_PASSWORD};

/// The quoted value of a validation message, masked.
pub const VALUE_TOKEN: &str = "<value>";

static CONSTRAINT: LazyLock<Regex> =
    LazyLock::new(|| re(r"failed to satisfy constraint: Member must [^;]*"));
static VALUE_END: LazyLock<Regex> =
    LazyLock::new(|| re(r"^' at '[^']*' failed to satisfy constraint"));

/// Dynamic values outside constraint text, in the order they are replaced.
static TOKENS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    vec![
        (re(r#"\bhttps?://[^\s'"<>)\]]+"#), "<url>"),
        (
            re(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
            "<uuid>",
        ),
        (
            re(r"\b[a-z]{2}(?:-[a-z]+)+-\d+_[0-9A-Za-z]+\b"),
            "<pool-id>",
        ),
        // The index of a list item in a JSON Pointer (`/UserPoolClients/20/ClientName`): which
        // item of a listing is at fault moves with what concurrent cases created.
        (re(r"(/[A-Za-z][A-Za-z0-9]*)/[0-9]+\b"), "$1/<i>"),
        // Page numbers and counts of a pagination walk: on a listing others add to (every
        // pool), where an item turns up moves with what else exists.
        (re(r"\bpages? [0-9]+( and [0-9]+)?\b"), "page <n>"),
        (re(r"\bafter [0-9]+ page\(s\)"), "after <n> page(s)"),
        (re(r"\bholds [0-9]+ items\b"), "holds <n> items"),
        // cognito-local's pool ids (`local_` and 8 letters and digits).
        (re(r"\blocal_[0-9A-Za-z]{8}\b"), "<pool-id>"),
        // App client ids: 26 lower-case letters and digits (aws-behaviour-ops.md §0);
        // cognito-local's have 25.
        (re(r"\b[a-z0-9]{25,26}\b"), "<client-id>"),
        // A pagination token quoted back ("Paging marker <token> is invalid for request ...").
        (re(r"Paging marker \S+"), "Paging marker <token>"),
        (
            re(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"),
            "<timestamp>",
        ),
        (
            re(
                r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\b",
            ),
            "<timestamp>",
        ),
        (re(r"\b[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\b"), "<hex>"),
        (re(r"\b\d{6,}(?:\.\d+)?\b"), "<digits>"),
    ]
});

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the normaliser's patterns compile")
}

/// Turns a target's text into its message form. Build one per run with [`Normaliser::for_fixture`]
/// so the values provisioning made are replaced by their names.
#[derive(Debug, Clone, Default)]
pub struct Normaliser {
    /// (value, token), longest value first so a value inside another is found in the longer one.
    literals: Vec<(String, String)>,
}

impl Normaliser {
    /// A normaliser that knows no fixture: tokens and validation values only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the values of this fixture by their names, and its secrets (the fixture password,
    /// client secrets and the secret hashes of the fixture users) by `<redacted>`.
    pub fn for_fixture(fixture: &Fixture) -> Self {
        let mut n = Self::new().literal(USER_PASSWORD, REDACTED);
        if !fixture.pool_id.is_empty() {
            n = n.literal(&fixture.pool_id, "<pool>");
        }
        for (key, client) in &fixture.clients {
            n = n.literal(&client.id, &format!("<client.{key}>"));
            if let Some(secret) = &client.secret {
                n = n.literal(secret, REDACTED);
                for user in fixture.users.values() {
                    n = n.literal(&secret_hash(secret, user, &client.id), REDACTED);
                }
            }
        }
        for (key, user) in &fixture.users {
            n = n.literal(user, &format!("<user.{key}>"));
        }
        n
    }

    /// Adds one value to replace by `token`. Values shorter than 3 characters are ignored, as
    /// redaction ignores them: replacing every `a` would make a message unreadable.
    pub fn literal(mut self, value: &str, token: &str) -> Self {
        if value.chars().count() >= 3 && !self.literals.iter().any(|(v, _)| v == value) {
            self.literals.push((value.to_owned(), token.to_owned()));
            self.literals
                .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        }
        self
    }

    /// The message form of `text`.
    pub fn normalise(&self, text: &str) -> String {
        let mut out = one_line(text);
        for (value, token) in &self.literals {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), token);
            }
        }
        out = mask_values(&out);
        for (pattern, token) in TOKENS.iter() {
            out = replace_outside_constraints(&out, pattern, token);
        }
        out
    }
}

/// `Value '<anything>' at 'member' failed to satisfy constraint` → `Value '<value>' at ...`; a
/// quoted value that runs to the end of a text cut with `…` → `Value '<value>…`.
fn mask_values(s: &str) -> String {
    const OPEN: &str = "Value '";
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(OPEN) {
        let (before, from) = rest.split_at(i);
        out.push_str(before);
        let value_start = &from[OPEN.len()..];
        // The value ends at the first `' at '...' failed to satisfy constraint` after it.
        let end = value_start
            .match_indices('\'')
            .map(|(j, _)| j)
            .find(|&j| VALUE_END.is_match(&value_start[j..]));
        match end {
            Some(j) => {
                out.push_str(OPEN);
                out.push_str(VALUE_TOKEN);
                rest = &value_start[j..];
            }
            None if value_start.ends_with('…') => {
                out.push_str(OPEN);
                out.push_str(VALUE_TOKEN);
                out.push('…');
                rest = "";
            }
            None => {
                out.push_str(OPEN);
                rest = value_start;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `pattern` replaced by `token` everywhere but inside the `Member must ...` text of a validation
/// message.
fn replace_outside_constraints(s: &str, pattern: &Regex, token: &str) -> String {
    let protected: Vec<(usize, usize)> = CONSTRAINT
        .find_iter(s)
        .map(|m| (m.start(), m.end()))
        .collect();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for m in pattern.find_iter(s) {
        if protected.iter().any(|&(a, b)| m.start() < b && a < m.end()) {
            continue;
        }
        // A hex run must be long; a token never replaces a short word such as `face`.
        if token == "<hex>" && m.as_str().len() < 16 {
            continue;
        }
        out.push_str(&s[last..m.start()]);
        // A token may keep a group of the match (`$1/<i>`).
        out.push_str(&pattern.replace(m.as_str(), token));
        last = m.end();
    }
    out.push_str(&s[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::AppClient;

    fn fixture() -> Fixture {
        let mut f = Fixture {
            pool_id: "us-east-1_AbCdEf123".into(),
            ..Fixture::default()
        };
        f.clients.insert(
            "legacy".into(),
            AppClient {
                id: "3n4b5urk1ft4fl3mg5e62d9ado".into(),
                secret: None,
            },
        );
        f.clients.insert(
            "secret".into(),
            AppClient {
                id: "7a1b2c3d4e5f6a7b8c9d0e1f2a".into(),
                secret: Some("s3cr3t-client-secret-value".into()),
            },
        );
        f.users.insert("email".into(), "cognate-email-s1".into());
        f.users
            .insert("unverified".into(), "cognate-unverified-s1".into());
        f
    }

    fn n() -> Normaliser {
        Normaliser::for_fixture(&fixture())
    }

    #[test]
    fn fixture_values_become_their_names() {
        assert_eq!(
            n().normalise(
                "User cognate-email-s1 in pool us-east-1_AbCdEf123 via 3n4b5urk1ft4fl3mg5e62d9ado"
            ),
            "User <user.email> in pool <pool> via <client.legacy>"
        );
        assert_eq!(
            n().normalise("Unable to verify secret hash for client 7a1b2c3d4e5f6a7b8c9d0e1f2a"),
            "Unable to verify secret hash for client <client.secret>"
        );
        assert_eq!(
            n().normalise("cognate-unverified-s1 has no verified e-mail"),
            "<user.unverified> has no verified e-mail"
        );
    }

    #[test]
    fn secrets_never_survive() {
        let f = fixture();
        let hash = secret_hash(
            "s3cr3t-client-secret-value",
            "cognate-email-s1",
            "7a1b2c3d4e5f6a7b8c9d0e1f2a",
        );
        let text = format!(
            "password {USER_PASSWORD} secret s3cr3t-client-secret-value hash {hash} code 123456"
        );
        let out = n().normalise(&text);
        assert!(!out.contains(USER_PASSWORD), "{out}");
        assert!(!out.contains("s3cr3t"), "{out}");
        assert!(!out.contains(&hash), "{out}");
        assert!(!out.contains("123456"), "{out}");
        assert_eq!(
            out,
            "password <redacted> secret <redacted> hash <redacted> code <digits>"
        );
        // Even with no fixture, the fixture password is always known.
        assert!(!Normaliser::new()
            .literal(USER_PASSWORD, REDACTED)
            .normalise(USER_PASSWORD)
            .contains(USER_PASSWORD));
        assert_eq!(f.users.len(), 2);
    }

    #[test]
    fn uuids_pool_ids_timestamps_urls_and_numbers() {
        let out = Normaliser::new().normalise(
            "request 1b4e28ba-2fa1-11d2-883f-0016d3cca427 pool eu-west-2_Zz9 at 2024-05-01T12:30:00.123Z \
             (Tue, 07 May 2024 10:00:00 GMT) from http://127.0.0.1:43521/x id 0123456789abcdef0123 \
             epoch 1714566600.5 count 42",
        );
        assert_eq!(
            out,
            "request <uuid> pool <pool-id> at <timestamp> (<timestamp>) from <url> id <hex> \
             epoch <digits> count 42"
        );
        // Short words made of hex letters stay.
        assert_eq!(
            Normaliser::new().normalise("a decade of bad faces"),
            "a decade of bad faces"
        );
        // Ids the emulators make, and a pagination token quoted back.
        assert_eq!(
            Normaliser::new().normalise(
                "User Pool local_1bNR6Nts not found; client 5cj9ag4nvskjkv0dg3sade5fd5 and \
                 dxueo3uy8e7rbncm4qe8su1hj; Paging marker eyJzY29wZSI6IiJ9 is invalid; at \
                 /UserPoolClients/20/ClientName"
            ),
            "User Pool <pool-id> not found; client <client-id> and <client-id>; Paging marker \
             <token> is invalid; at /UserPoolClients/<i>/ClientName"
        );
    }

    #[test]
    fn validation_messages_keep_their_structure() {
        let n = n();
        assert_eq!(
            n.normalise(
                "1 validation error detected: Value 'x'y at 'z' at 'username' failed to satisfy \
                 constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"
            ),
            "1 validation error detected: Value '<value>' at 'username' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"
        );
        // Two errors; lengths in the constraint text are the model's and stay.
        assert_eq!(
            n.normalise(
                "2 validation errors detected: Value '' at 'clientId' failed to satisfy constraint: \
                 Member must have length greater than or equal to 1; Value '1234567890' at \
                 'analyticsMetadata.analyticsEndpointId' failed to satisfy constraint: Member must \
                 have length less than or equal to 131072"
            ),
            "2 validation errors detected: Value '<value>' at 'clientId' failed to satisfy constraint: \
             Member must have length greater than or equal to 1; Value '<value>' at \
             'analyticsMetadata.analyticsEndpointId' failed to satisfy constraint: Member must \
             have length less than or equal to 131072"
        );
        // A value left out (sensitive member) or null stays as it is.
        let left_out = "1 validation error detected: Value at 'password' failed to satisfy \
                        constraint: Member must have length less than or equal to 256";
        assert_eq!(n.normalise(left_out), left_out);
        let null = "1 validation error detected: Value null at 'username' failed to satisfy \
                    constraint: Member must not be null";
        assert_eq!(n.normalise(null), null);
        // A redacted value is a value too.
        assert_eq!(
            n.normalise("Value '<redacted>' at 'confirmationCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+"),
            "Value '<value>' at 'confirmationCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+"
        );
        // A value cut by the report's length limit.
        assert_eq!(
            n.normalise("1 validation error detected: Value 'VV,wi'iwW\\BPS(7Y…"),
            "1 validation error detected: Value '<value>…"
        );
        // A fixture username inside the quoted value is masked with it.
        assert_eq!(
            n.normalise("Value 'cognate-email-s1 ' at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+"),
            "Value '<value>' at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+"
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            Normaliser::new().normalise("a\nb\u{1b}[31m"),
            "a\\nb\\u{1b}[31m"
        );
    }

    #[test]
    fn normalising_twice_changes_nothing() {
        let n = n();
        for text in [
            "User <user.email> not found",
            "Value '<value>' at 'username' failed to satisfy constraint: Member must not be null",
            "request <uuid> at <timestamp>",
        ] {
            assert_eq!(n.normalise(text), text);
            assert_eq!(n.normalise(&n.normalise(text)), n.normalise(text));
        }
    }
}
