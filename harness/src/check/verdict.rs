//! Verdicts: what the check stage concludes about one exchange.

use serde::{Deserialize, Serialize};

/// The named checks of DESIGN §4, each reported on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    /// A response came back in time.
    Transport,
    /// No 5xx unless one was expected.
    NoServerError,
    /// The status is the expected one.
    Status,
    /// The awsJson1_1 error identity is one of the expected exceptions (header and body agree).
    Exception,
    /// Content-Type, a JSON object body, a string message.
    Envelope,
    /// A 2xx body validates against the output schema.
    Shape,
    /// No sensitive input value comes back in the response.
    Redaction,
    /// The values a scenario step names in the success body (delivery medium, masked
    /// destination, ...) are the expected ones. Only cases whose expectation names values carry it.
    Output,
    /// The error's message is in the expected message form. Only cases whose expectation names a
    /// form carry it; a grade-C form is reported, not failed.
    Message,
    /// A List step's pages, walked to the end (`walk`): each item once, pages within the page
    /// size, the last without a token, the expected items all there. Walk steps only.
    Pagination,
    /// The ID and access tokens of a success verify against the pool's JWKS and carry the
    /// claims client libraries check. Answers with tokens only.
    Token,
}

impl CheckName {
    /// Every check, in declaration order (`ALL[c as usize] == c`).
    pub const ALL: [CheckName; 11] = [
        CheckName::Transport,
        CheckName::NoServerError,
        CheckName::Status,
        CheckName::Exception,
        CheckName::Envelope,
        CheckName::Shape,
        CheckName::Redaction,
        CheckName::Output,
        CheckName::Message,
        CheckName::Pagination,
        CheckName::Token,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckName::Transport => "transport",
            CheckName::NoServerError => "no_server_error",
            CheckName::Status => "status",
            CheckName::Exception => "exception",
            CheckName::Envelope => "envelope",
            CheckName::Shape => "shape",
            CheckName::Redaction => "redaction",
            CheckName::Output => "output",
            CheckName::Message => "message",
            CheckName::Pagination => "pagination",
            CheckName::Token => "token",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", content = "reason", rename_all = "snake_case")]
pub enum CheckOutcome {
    Pass,
    Fail(String),
    Skip(String),
}

impl CheckOutcome {
    /// The `result` reports give it: `pass`, `fail`, `skip`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CheckOutcome::Pass => "pass",
            CheckOutcome::Fail(_) => "fail",
            CheckOutcome::Skip(_) => "skip",
        }
    }

    /// Why it failed or was skipped.
    pub fn reason(&self) -> Option<&str> {
        match self {
            CheckOutcome::Pass => None,
            CheckOutcome::Fail(r) | CheckOutcome::Skip(r) => Some(r),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub check: CheckName,
    #[serde(flatten)]
    pub outcome: CheckOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    /// The target broke the contract.
    Fail,
    /// The run could not judge (timeout, connection refused).
    Error,
    Skip,
}

impl Status {
    /// Every status, in declaration order (`ALL[s as usize] == s`).
    pub const ALL: [Status; 4] = [Status::Pass, Status::Fail, Status::Error, Status::Skip];

    /// The name reports give it: `pass`, `fail`, `error`, `skip`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skip => "skip",
        }
    }
}

/// What the target answered, as far as a report needs it; the message is already redacted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    pub status: Option<u16>,
    pub exception: Option<String>,
    pub message: Option<String>,
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub case_id: String,
    pub operation: String,
    /// `valid`, `contract`, or the rule's name: the summary column.
    pub group: String,
    pub label: String,
    pub status: Status,
    /// One line for a person: the first failing check and what came back.
    pub reason: Option<String>,
    pub checks: Vec<CheckResult>,
    pub observed: Observed,
    /// What was expected, in words (`InvalidParameterException (400)`, `success`).
    pub expected: String,
    pub elapsed_ms: u64,
}
