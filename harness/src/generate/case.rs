//! The plain data a generator produces: a [`Case`] is one request with the [`Expectation`] the
//! contract sets for it.

use serde::{Deserialize, Serialize};

/// What the contract expects a target to answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Expected {
    /// A 2xx whose body validates against the operation's output schema.
    Success,
    /// One of these exception names, with this HTTP status.
    Error {
        exceptions: Vec<String>,
        status: u16,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expectation {
    #[serde(flatten)]
    pub expected: Expected,
    /// The row of the evidence table (`aws-behaviour.md`) this expectation rests on.
    pub evidence: String,
    /// The message form an error answer must carry (`User pool client <client> does not
    /// exist.`): literal text, each `<token>` standing for any non-empty run of characters.
    /// Checked by the `message` check, strictly when [`Expectation::grade`] is A or B.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Values a success body must hold, checked by the `output` check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output: Vec<OutputCheck>,
    /// What a success creates: the request that deletes it again, sent when the run (or the
    /// scenario) ends, whatever happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creates: Option<Creates>,
}

/// The request that deletes what a success created (`DeleteGroup` for a `CreateGroup`), with the
/// same placeholders as the request that created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Creates {
    pub operation: String,
    pub request: serde_json::Map<String, serde_json::Value>,
}

/// How sure the evidence is (the `conf.` column of the evidence table): A observed, B
/// documented, C inferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grade {
    A,
    B,
    C,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
        }
    }
}

impl Creates {
    /// The delete request as it goes out (placeholders still in it), signed where the operation
    /// is; `None` for an operation the catalogue does not have.
    pub fn request(&self, catalogue: &crate::model::Catalogue) -> Option<Request> {
        let op = catalogue.operation(&self.operation)?;
        Some(Request {
            target: Some(op.target.clone()),
            content_type: Some(crate::model::wire::JSON_1_1.to_owned()),
            body: serde_json::to_string(&self.request).ok()?,
            signed: op.auth == crate::model::Auth::Sigv4,
            forgery: Default::default(),
        })
    }
}

impl Expectation {
    /// An expectation with no message form and no output checks.
    pub fn new(expected: Expected, evidence: impl Into<String>) -> Expectation {
        Expectation {
            expected,
            evidence: evidence.into(),
            message: None,
            output: Vec::new(),
            creates: None,
        }
    }

    /// The weakest grade the evidence cites (`(conf. A)`, `(conf. B/C)`, `(conf. A/C)` is C);
    /// C when it cites none, since an ungraded row is no observation.
    pub fn grade(&self) -> Grade {
        grade_of(&self.evidence)
    }
}

/// The weakest grade among the `(conf. X)` / `(conf. X/Y)` marks of an evidence citation.
pub fn grade_of(evidence: &str) -> Grade {
    let mut weakest: Option<Grade> = None;
    let mut rest = evidence;
    while let Some(i) = rest.find("(conf. ") {
        let after = &rest[i + "(conf. ".len()..];
        let end = after.find(')').unwrap_or(after.len());
        for part in after[..end].split('/') {
            let g = match part.trim() {
                "A" => Grade::A,
                "B" => Grade::B,
                _ => Grade::C,
            };
            weakest = Some(weakest.map_or(g, |w| w.max(g)));
        }
        rest = &after[end..];
    }
    weakest.unwrap_or(Grade::C)
}

/// One expectation on a success body, at a JSON Pointer (`/CodeDeliveryDetails/Destination`;
/// the empty pointer is the whole body). As JSON: `{"check": "matches", "pointer": ...,
/// "pattern": "..."}`, the pattern as its text.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum OutputCheck {
    /// The value there equals this JSON value.
    Equals {
        pointer: String,
        value: serde_json::Value,
    },
    /// The value there is a string matching this pattern (unanchored unless it says `^...$`).
    Matches {
        pointer: String,
        #[serde(with = "pattern_text")]
        pattern: regex::Regex,
    },
    /// Nothing is there.
    Absent { pointer: String },
    /// Every member of the request as sent, but `except`, is there with the sent value (an
    /// object sent is contained in the one answered: defaults may be added).
    Echoes {
        pointer: String,
        except: Vec<String>,
    },
}

impl OutputCheck {
    pub fn pointer(&self) -> &str {
        match self {
            OutputCheck::Equals { pointer, .. }
            | OutputCheck::Matches { pointer, .. }
            | OutputCheck::Absent { pointer }
            | OutputCheck::Echoes { pointer, .. } => pointer,
        }
    }
}

impl PartialEq for OutputCheck {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                OutputCheck::Equals { pointer, value },
                OutputCheck::Equals {
                    pointer: p,
                    value: v,
                },
            ) => pointer == p && value == v,
            (
                OutputCheck::Matches { pointer, pattern },
                OutputCheck::Matches {
                    pointer: p,
                    pattern: q,
                },
            ) => pointer == p && pattern.as_str() == q.as_str(),
            (OutputCheck::Absent { pointer }, OutputCheck::Absent { pointer: p }) => pointer == p,
            (
                OutputCheck::Echoes { pointer, except },
                OutputCheck::Echoes {
                    pointer: p,
                    except: e,
                },
            ) => pointer == p && except == e,
            _ => false,
        }
    }
}

impl Eq for OutputCheck {}

/// A compiled pattern as its source text; text that does not compile is refused when read.
mod pattern_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(r: &regex::Regex, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(r.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<regex::Regex, D::Error> {
        let text = String::deserialize(d)?;
        regex::Regex::new(&text).map_err(serde::de::Error::custom)
    }
}

/// The one rule an invalid case breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    MissingRequired,
    BelowMinLength,
    AboveMaxLength,
    PatternMismatch,
    EnumMismatch,
    NumberOutOfRange,
    WrongType,
    Null,
    MalformedJson,
    EmptyBody,
    BodyNotObject,
    MissingTarget,
    UnknownOperation,
    WrongContentType,
    /// A SigV4 operation sent without a signature.
    Unsigned,
    /// Signed with the wrong secret key.
    WrongSignature,
    /// Signed with an access key the service does not know.
    UnknownAccessKey,
}

impl Rule {
    pub const ALL: &'static [Rule] = &[
        Rule::MissingRequired,
        Rule::BelowMinLength,
        Rule::AboveMaxLength,
        Rule::PatternMismatch,
        Rule::EnumMismatch,
        Rule::NumberOutOfRange,
        Rule::WrongType,
        Rule::Null,
        Rule::MalformedJson,
        Rule::EmptyBody,
        Rule::BodyNotObject,
        Rule::MissingTarget,
        Rule::UnknownOperation,
        Rule::WrongContentType,
        Rule::Unsigned,
        Rule::WrongSignature,
        Rule::UnknownAccessKey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::MissingRequired => "missing_required",
            Rule::BelowMinLength => "below_min_length",
            Rule::AboveMaxLength => "above_max_length",
            Rule::PatternMismatch => "pattern_mismatch",
            Rule::EnumMismatch => "enum_mismatch",
            Rule::NumberOutOfRange => "number_out_of_range",
            Rule::WrongType => "wrong_type",
            Rule::Null => "null",
            Rule::MalformedJson => "malformed_json",
            Rule::EmptyBody => "empty_body",
            Rule::BodyNotObject => "body_not_object",
            Rule::MissingTarget => "missing_target",
            Rule::UnknownOperation => "unknown_operation",
            Rule::WrongContentType => "wrong_content_type",
            Rule::Unsigned => "unsigned",
            Rule::WrongSignature => "wrong_signature",
            Rule::UnknownAccessKey => "unknown_access_key",
        }
    }

    /// Whether the violation is visible to a JSON Schema validator looking at the body alone
    /// (the header and framing rules are not).
    pub fn is_schema_level(self) -> bool {
        !matches!(
            self,
            Rule::MalformedJson
                | Rule::EmptyBody
                | Rule::MissingTarget
                | Rule::UnknownOperation
                | Rule::WrongContentType
                | Rule::Unsigned
                | Rule::WrongSignature
                | Rule::UnknownAccessKey
        )
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseKind {
    /// Within every constraint (boundaries included).
    Valid,
    /// Breaks exactly one rule.
    Invalid { rule: Rule },
    /// A documented business outcome for a stateless request (SecretHash, unknown user, ...).
    Contract,
    /// One step of a stateful scenario (`fixtures/scenarios/`): its outcome depends on the steps
    /// before it.
    Scenario,
    /// One step of a property-generated sequence, judged against the harness's model.
    Sequence,
}

impl CaseKind {
    /// The summary column a case is counted in: `valid`, `contract`, the rule's name,
    /// `scenario` or `sequence`.
    pub fn group(&self) -> &'static str {
        match self {
            CaseKind::Valid => "valid",
            CaseKind::Contract => "contract",
            CaseKind::Scenario => "scenario",
            CaseKind::Sequence => "sequence",
            CaseKind::Invalid { rule } => rule.as_str(),
        }
    }
}

/// The request as it goes on the wire, but for `{{cognate:...}}` placeholders that the replay
/// stage fills in from the provisioned fixture (client ids, usernames, secret hashes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// `X-Amz-Target`; `None` leaves the header out.
    pub target: Option<String>,
    /// `Content-Type`; `None` leaves the header out.
    pub content_type: Option<String>,
    /// The body, byte for byte (UTF-8 here; raw byte cases belong to the fuzzer).
    pub body: String,
    /// Whether the request is SigV4-signed.
    pub signed: bool,
    /// A signature made wrong on purpose (the signing cases); only with `signed`.
    #[serde(default, skip_serializing_if = "Forgery::is_none")]
    pub forgery: Forgery,
}

/// How a signing case spoils its signature.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Forgery {
    /// A true signature.
    #[default]
    None,
    /// Signed with a secret key that is not the access key's.
    WrongSecret,
    /// Signed with an access key no account has.
    UnknownKey,
}

impl Forgery {
    pub fn is_none(&self) -> bool {
        *self == Forgery::None
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Stable across runs: a hash of operation, kind, label and seed.
    pub id: String,
    pub operation: String,
    #[serde(flatten)]
    pub kind: CaseKind,
    /// What the case does, for a person: `Username at max length 128`.
    pub label: String,
    /// The member the case is about (`UserContextData.IpAddress`), if any.
    pub member: Option<String>,
    pub request: Request,
    pub expectation: Expectation,
}

/// The first 64 bits of SHA-256 over the parts, as 16 hex digits: stable across platforms and
/// releases, unlike `std`'s hasher.
pub fn stable_id(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let d = h.finalize();
    d[..8].iter().map(|b| format!("{b:02x}")).collect()
}
