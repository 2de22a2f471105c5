//! The check stage: one [`Exchange`] and the [`Case`] it answers → a [`Verdict`] with a result
//! per named check (DESIGN §4). Pure and synchronous; a contract failure is a verdict, never an
//! `Err`, and no response (HTML, invalid UTF-8, empty, huge) makes it panic.
//!
//! Checks, in report order: `transport`, `no_server_error`, `status`, `exception`, `envelope`,
//! `shape`, `redaction`, then `output` for a case whose expectation names values of the success
//! body ([`apply_output`]) and `message` for one that names the error's message form; `token`
//! ([`token::apply_tokens`]) for an answer that holds tokens, with the pool's keys the caller
//! fetched. The error
//! identity is read by the `protocol` module's awsJson1_1 rules.
//!
//! Skips are decided per operation, not per answer: [`Checker::not_implemented_answer`] reads a
//! probe's answer, the run hands the operations a target lacks to [`Checker::with_lacking`], and
//! their cases become skips unsent ([`unjudged`]). Within an operation the target has, an answer
//! that says "not implemented" is a failure.

mod output;
mod protocol;
mod text;
pub mod token;
mod verdict;

pub use output::{apply_output, OutputCheck};
pub use protocol::*;
pub use text::{abbreviate, one_line};
pub use verdict::*;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use jsonschema::Validator;
use serde_json::Value;

use crate::generate::{Case, Expectation, Expected, Grade};
use crate::model::Catalogue;
use crate::redact;
use crate::replay::{Exchange, Response};

pub use crate::model::wire::JSON_1_1;

/// What our reference target (and any target honest about a gap) answers for an operation it
/// does not implement: HTTP 501 with this identity. To a probe it marks the operation as lacking
/// (its cases are skips); to a case of an operation the target has, it is a failure.
pub const NOT_IMPLEMENTED: &str = "NotImplementedException";

const NO_IDENTITY: &str =
    "no error identity (no x-amzn-errortype header, no code or __type in the body)";

/// The longest body excerpt a reason shows, in characters.
const REASON_BODY_CHARS: usize = 160;
/// The longest message an [`Observed`] keeps, in characters.
const OBSERVED_MESSAGE_CHARS: usize = 500;

/// Why a [`Checker`] could not be built: the run is broken, no case can be judged.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("the output schema of {operation} does not compile: {reason}")]
    OutputSchema { operation: String, reason: String },
}

/// What the checker keeps of one operation.
struct OperationChecks {
    /// The output schema, compiled when first needed or by [`Checker::compile`].
    output: OnceLock<Result<Validator, String>>,
    schema: Arc<Value>,
    /// Paths of sensitive input members (`/Password`, `/UserAttributes/*/Value`).
    sensitive: Vec<String>,
    /// The operation's `X-Amz-Target`.
    target: String,
}

impl OperationChecks {
    fn output(&self) -> &Result<Validator, String> {
        self.output
            .get_or_init(|| jsonschema::draft202012::new(&self.schema).map_err(|e| e.to_string()))
    }
}

/// Judges exchanges. [`Checker::new`] compiles every operation's output schema up front, so a
/// broken schema stops the run before the first request rather than in the middle of it. That
/// is 135 million instructions for all 141 (about 10 ms, release build): a quarter of a
/// 100-case run that checks one operation. Such a run builds it with [`Checker::lazy`] and
/// compiles its operations with [`Checker::compile`]. Any other operation's schema (a scenario
/// step's) is compiled when first needed, and a schema that does not compile then fails that
/// verdict's `shape` check.
pub struct Checker {
    operations: HashMap<String, OperationChecks>,
    /// Exceptions the model marks as server faults (InternalErrorException): answered with 5xx.
    server_faults: HashSet<String>,
    /// Error identities, as the target sends them, by which a target says it does not implement
    /// an operation (a profile's `not_implemented`), besides our own 501 [`NOT_IMPLEMENTED`].
    not_implemented: Vec<String>,
    /// Secrets the run knows besides the request's (the fixture's password, client secrets,
    /// secret hashes): redacted from every text a verdict carries, whether or not it was sent.
    secrets: Vec<String>,
    /// Operations the target lacks, with the reason its probe gave: their cases are skips.
    lacking: HashMap<String, String>,
}

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker")
            .field("operations", &self.operations.len())
            .field("server_faults", &self.server_faults)
            .finish()
    }
}

impl Checker {
    /// A checker with every output schema compiled.
    pub fn new(catalogue: &Catalogue) -> Result<Checker, CheckError> {
        let checker = Checker::lazy(catalogue);
        checker.compile(catalogue.operations.keys())?;
        Ok(checker)
    }

    /// A checker that compiles an output schema when it first needs it.
    pub fn lazy(catalogue: &Catalogue) -> Checker {
        let operations = catalogue
            .operations
            .iter()
            .map(|(name, op)| {
                let checks = OperationChecks {
                    output: OnceLock::new(),
                    schema: Arc::clone(&op.output_schema),
                    sensitive: op.sensitive.clone(),
                    target: op.target.clone(),
                };
                (name.clone(), checks)
            })
            .collect();
        let server_faults = catalogue
            .exceptions
            .values()
            .filter(|e| e.server_fault)
            .map(|e| e.name.clone())
            .collect();
        Checker {
            operations,
            server_faults,
            not_implemented: Vec::new(),
            secrets: Vec::new(),
            lacking: HashMap::new(),
        }
    }

    /// Compiles the output schemas of these operations now (an unknown name is ignored: it has
    /// no schema to compile).
    pub fn compile<'o>(
        &self,
        operations: impl IntoIterator<Item = &'o String>,
    ) -> Result<(), CheckError> {
        for name in operations {
            if let Some(op) = self.operations.get(name) {
                if let Err(reason) = op.output() {
                    return Err(CheckError::OutputSchema {
                        operation: name.clone(),
                        reason: reason.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Also redacts these values from every verdict (a target may echo a secret it was never sent
    /// in that request, such as the fixture's password or a client secret).
    pub fn with_secrets(mut self, secrets: Vec<String>) -> Checker {
        self.secrets = secrets;
        self
    }

    /// Also reads these error identities (raw, as sent: `CognitoLocal#Unsupported`, or
    /// sanitised) as "not implemented": a skip, when the request named a real operation.
    pub fn with_not_implemented(mut self, identities: Vec<String>) -> Checker {
        self.not_implemented = identities;
        self
    }

    /// These operations are missing from the target (operation → the reason its probe gave):
    /// [`Checker::lacks`] names them, and the run sends none of their cases.
    pub fn with_lacking(mut self, lacking: HashMap<String, String>) -> Checker {
        self.lacking = lacking;
        self
    }

    /// Why the target lacks this operation, if its probe said so.
    pub fn lacks(&self, operation: &str) -> Option<&str> {
        self.lacking.get(operation).map(String::as_str)
    }

    /// Why the target lacks the operation this case is about: only for a case whose request names
    /// the operation's real `X-Amz-Target`. A case that names another target (an unknown or
    /// missing operation) tests the endpoint's routing, and is sent all the same.
    pub fn lacks_case(&self, case: &Case) -> Option<&str> {
        if self.names_real_target(&case.operation, case.request.target.as_deref()) {
            self.lacks(&case.operation)
        } else {
            None
        }
    }

    /// The operations the target lacks, by name.
    pub fn lacking(&self) -> Vec<String> {
        let mut ops: Vec<String> = self.lacking.keys().cloned().collect();
        ops.sort();
        ops
    }

    /// The reason, when an answer to a request naming `operation`'s real `X-Amz-Target` says the
    /// target does not implement it: HTTP 501 `NotImplementedException`, or one of the profile's
    /// `not_implemented` identities. A request naming another target (an unknown-operation case)
    /// gets `None`: its answer is judged like any other.
    pub fn not_implemented_answer(
        &self,
        operation: &str,
        request_target: Option<&str>,
        resp: &Response,
    ) -> Option<String> {
        if !self.names_real_target(operation, request_target) {
            return None;
        }
        let body_json = serde_json::from_slice::<Value>(&resp.body).ok();
        let id = ErrorIdentity::read_parsed(resp, body_json.as_ref());
        self.says_not_implemented(resp, &id).then(|| {
            let secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
            match id.message.as_deref().filter(|m| !m.is_empty()) {
                Some(m) => format!(
                    "{operation}: {}",
                    text::abbreviate(&text::one_line(&redact::redact(m, &secrets)), 120)
                ),
                None => operation.to_owned(),
            }
        })
    }

    /// Whether a request's `X-Amz-Target` is the operation's own (not an unknown or missing one).
    fn names_real_target(&self, operation: &str, request_target: Option<&str>) -> bool {
        self.operations
            .get(operation)
            .is_some_and(|o| request_target == Some(o.target.as_str()))
    }

    fn says_not_implemented(&self, resp: &Response, id: &ErrorIdentity) -> bool {
        if resp.status == 501 && id.name() == Some(NOT_IMPLEMENTED) {
            return true;
        }
        [&id.header, &id.code, &id.type_field]
            .into_iter()
            .flatten()
            .any(|raw| {
                self.not_implemented
                    .iter()
                    .any(|m| m == raw || m == protocol::sanitize(raw))
            })
    }

    /// The verdict on one exchange.
    pub fn check(&self, case: &Case, exchange: &Exchange) -> Verdict {
        let mut verdict = Verdict {
            case_id: case.id.clone(),
            operation: case.operation.clone(),
            group: case.kind.group().to_owned(),
            label: case.label.clone(),
            status: Status::Pass,
            reason: None,
            checks: Vec::new(),
            observed: Observed::default(),
            expected: describe_expected(&case.expectation.expected),
            elapsed_ms: u64::try_from(exchange.elapsed.as_millis()).unwrap_or(u64::MAX),
        };

        let resp = match &exchange.result {
            Ok(resp) => resp,
            Err(e) => {
                verdict.status = Status::Error;
                verdict.reason = Some(format!("transport: {e}"));
                verdict.checks = skipped_after(
                    CheckResult {
                        check: CheckName::Transport,
                        outcome: CheckOutcome::Fail(e.to_string()),
                    },
                    "no response",
                );
                return verdict;
            }
        };

        let op = self.operations.get(&case.operation);
        let sensitive: &[String] = op.map_or(&[], |o| o.sensitive.as_slice());
        let sent_json = serde_json::from_slice::<Value>(&exchange.sent.body).ok();
        // Reports never show a sensitive value, ClientId included.
        let body_json = serde_json::from_slice::<Value>(&resp.body).ok();
        let sent_secrets = sent_json
            .as_ref()
            .map(|j| redact::secrets(sensitive, j))
            .unwrap_or_default();
        // Credentials the target hands out (AccessToken, IdToken, RefreshToken, Session) are
        // secrets too, though the request never carried them.
        let handed_out = body_json
            .as_ref()
            .map(redact::named_secrets)
            .unwrap_or_default();
        // Borrowed, not cloned: the run's own secrets are the same for every case.
        let mut report_secrets: Vec<&str> = sent_secrets
            .iter()
            .chain(&handed_out)
            .chain(&self.secrets)
            .map(String::as_str)
            .collect();
        // Longest first, as `redact::secrets` orders them: a secret inside another is found.
        report_secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        report_secrets.dedup();

        let id = ErrorIdentity::read_parsed(resp, body_json.as_ref());
        let name = id.name();

        verdict.observed = Observed {
            status: Some(resp.status),
            exception: name.map(|n| redact::redact(n, &report_secrets)),
            message: id.message.as_deref().map(|m| {
                text::abbreviate(&redact::redact(m, &report_secrets), OBSERVED_MESSAGE_CHARS)
            }),
            content_type: resp
                .header("content-type")
                .map(|c| redact::redact(c, &report_secrets)),
        };

        // The operation answered its probe, so a "not implemented" here is a gap inside it.
        let real_target = self.names_real_target(&case.operation, case.request.target.as_deref());
        let unsupported = (real_target && self.says_not_implemented(resp, &id)).then(|| {
            match id.message.as_deref().filter(|m| !m.is_empty()) {
                Some(m) => format!(
                    "target does not support: {}",
                    text::abbreviate(&redact::redact(m, &report_secrets), 120)
                ),
                None => format!(
                    "target does not support this case of {} (it answered {})",
                    case.operation,
                    name.unwrap_or("no error identity")
                ),
            }
        });

        let expected = &case.expectation.expected;
        let ctx = Context {
            case,
            resp,
            id: &id,
            name,
            body_json: body_json.as_ref(),
            report_secrets: &report_secrets,
        };
        verdict.checks = vec![
            CheckResult {
                check: CheckName::Transport,
                outcome: CheckOutcome::Pass,
            },
            self.no_server_error(&ctx, expected),
            self.status(&ctx, expected),
            exception(&ctx, expected),
            envelope(&ctx),
            self.shape(&ctx, op, expected),
            redaction(
                resp,
                body_json.as_ref(),
                sensitive,
                sent_json.as_ref(),
                &report_secrets,
            ),
        ];

        if let Some((check, detail)) = verdict.checks.iter().find_map(|c| match &c.outcome {
            CheckOutcome::Fail(d) => Some((c.check, d)),
            _ => None,
        }) {
            verdict.status = Status::Fail;
            verdict.reason = Some(format!(
                "{}: {detail}; HTTP {}, body: {}",
                check.as_str(),
                resp.status,
                text::report_body(
                    &resp.body,
                    body_json.as_ref(),
                    &report_secrets,
                    REASON_BODY_CHARS
                )
            ));
        }
        // After the others, so a failing status stays the verdict's reason.
        apply_output(&mut verdict, exchange, &case.expectation.output);
        if let Some(result) = message(&ctx, &case.expectation) {
            if let (CheckOutcome::Fail(why), Status::Pass) = (&result.outcome, verdict.status) {
                verdict.status = Status::Fail;
                verdict.reason = Some(format!("message: {why}"));
            }
            verdict.checks.push(result);
        }
        if let Some(why) = unsupported {
            verdict.status = Status::Fail;
            verdict.reason = Some(why);
        }
        verdict
    }

    fn expects_server_fault(&self, expected: &Expected) -> bool {
        match expected {
            Expected::Success => false,
            Expected::Error { exceptions, .. } => {
                exceptions.iter().any(|e| self.server_faults.contains(e))
            }
        }
    }

    fn no_server_error(&self, ctx: &Context, expected: &Expected) -> CheckResult {
        let status = ctx.resp.status;
        let outcome = if status < 500 || self.expects_server_fault(expected) {
            CheckOutcome::Pass
        } else {
            CheckOutcome::Fail(format!(
                "HTTP {status}{}, and no server fault was expected",
                ctx.name_suffix()
            ))
        };
        CheckResult {
            check: CheckName::NoServerError,
            outcome,
        }
    }

    fn status(&self, ctx: &Context, expected: &Expected) -> CheckResult {
        let got = ctx.resp.status;
        let outcome = match expected {
            // Real Cognito answers every success with 200 (no operation is modelled with another
            // code), so a 201 or 204 is a target departing from AWS, not "close enough".
            Expected::Success if got == 200 => CheckOutcome::Pass,
            Expected::Success => CheckOutcome::Fail(format!("HTTP {got}, expected 200")),
            Expected::Error { status, .. } if got == *status => CheckOutcome::Pass,
            // A server fault (InternalErrorException) is documented as a 5xx: when the contract
            // allows one and it came, the 5xx is its documented status, not a departure.
            Expected::Error { exceptions, .. }
                if got >= 500
                    && ctx.name.is_some_and(|n| {
                        self.server_faults.contains(n) && exceptions.iter().any(|e| e == n)
                    }) =>
            {
                CheckOutcome::Pass
            }
            Expected::Error { status, .. } => {
                CheckOutcome::Fail(format!("HTTP {got}, expected {status}"))
            }
        };
        CheckResult {
            check: CheckName::Status,
            outcome,
        }
    }

    fn shape(
        &self,
        ctx: &Context,
        op: Option<&OperationChecks>,
        expected: &Expected,
    ) -> CheckResult {
        let skip = |why: String| CheckResult {
            check: CheckName::Shape,
            outcome: CheckOutcome::Skip(why),
        };
        if *expected != Expected::Success {
            return skip("no success expected".into());
        }
        if !(200..300).contains(&ctx.resp.status) {
            return skip(format!("HTTP {} is not a 2xx", ctx.resp.status));
        }
        let Some(op) = op else {
            return skip(format!("no output schema for {}", ctx.case.operation));
        };
        let Some(body) = ctx.body_json else {
            return skip("the body is not JSON (see envelope)".into());
        };
        let output = match op.output() {
            Ok(output) => output,
            Err(reason) => {
                return CheckResult {
                    check: CheckName::Shape,
                    outcome: CheckOutcome::Fail(format!(
                        "the output schema of {} does not compile: {}",
                        ctx.case.operation,
                        text::one_line(reason)
                    )),
                }
            }
        };
        let outcome = match output.validate(body) {
            Ok(()) => CheckOutcome::Pass,
            Err(e) => {
                let path = e.instance_path().as_str();
                let path = if path.is_empty() {
                    "the top level"
                } else {
                    path
                };
                // The offending value is shown shortened and redacted, so a 100 KB string
                // cannot push the constraint it broke out of the line.
                let value = text::redact_json(e.instance(), ctx.report_secrets).to_string();
                let value = text::abbreviate(&text::one_line(&value), 40);
                let message = e.masked_with(value).to_string();
                let message = redact::redact(&text::one_line(&message), ctx.report_secrets);
                CheckOutcome::Fail(format!(
                    "at {path}: {}",
                    text::abbreviate(&message, REASON_BODY_CHARS)
                ))
            }
        };
        CheckResult {
            check: CheckName::Shape,
            outcome,
        }
    }
}

/// What every check may look at.
struct Context<'a> {
    case: &'a Case,
    resp: &'a Response,
    id: &'a ErrorIdentity,
    name: Option<&'a str>,
    body_json: Option<&'a Value>,
    report_secrets: &'a [&'a str],
}

impl Context<'_> {
    /// ` (SomeException)` when the response carries an identity, for details.
    fn name_suffix(&self) -> String {
        self.name
            .map(|n| {
                format!(
                    " ({})",
                    text::one_line(&redact::redact(n, self.report_secrets))
                )
            })
            .unwrap_or_default()
    }
}

fn exception(ctx: &Context, expected: &Expected) -> CheckResult {
    let shown = |n: &str| text::one_line(&redact::redact(n, ctx.report_secrets));
    let outcome = match expected {
        Expected::Error { exceptions, .. } => {
            if let Some(d) = ctx.id.disagreement() {
                CheckOutcome::Fail(text::one_line(&redact::redact(&d, ctx.report_secrets)))
            } else {
                match ctx.name {
                    None => CheckOutcome::Fail(NO_IDENTITY.into()),
                    Some(n) if exceptions.iter().any(|e| e == n) => CheckOutcome::Pass,
                    Some(n) => CheckOutcome::Fail(format!(
                        "got {}, expected {}",
                        shown(n),
                        describe_exceptions(exceptions)
                    )),
                }
            }
        }
        Expected::Success => match ctx.name {
            None => CheckOutcome::Pass,
            Some(n) => CheckOutcome::Fail(format!("got {}, expected no error", shown(n))),
        },
    };
    CheckResult {
        check: CheckName::Exception,
        outcome,
    }
}

/// Whether a `Content-Type` is the awsJson1_1 media type (parameters ignored, case-insensitive):
/// the envelope's first rule, shared with the network fuzzer's envelope findings.
pub fn is_json_1_1(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or_default().trim();
    media.eq_ignore_ascii_case(JSON_1_1)
}

fn envelope(ctx: &Context) -> CheckResult {
    let mut problems = Vec::new();
    match ctx.resp.header("content-type") {
        None => problems.push(format!("no content-type, expected {JSON_1_1}")),
        Some(ct) => {
            if !is_json_1_1(ct) {
                let shown = text::abbreviate(&text::one_line(ct), 80);
                problems.push(format!("content-type {shown}, expected {JSON_1_1}"));
            }
        }
    }
    // The harness sends no Accept-Encoding: a compressed body is one it never asked for.
    if let Some(enc) = ctx
        .resp
        .header("content-encoding")
        .filter(|e| !e.trim().eq_ignore_ascii_case("identity"))
    {
        let shown = text::abbreviate(&text::one_line(enc), 40);
        problems.push(format!(
            "content-encoding {shown}, which the request did not accept (it sent no Accept-Encoding)"
        ));
    }
    match ctx.body_json {
        _ if ctx.resp.body.is_empty() => {
            problems.push("body is empty, expected a JSON object".into())
        }
        None if std::str::from_utf8(&ctx.resp.body).is_err() => problems.push(format!(
            "body is not UTF-8, so not JSON: {}",
            text::report_body(&ctx.resp.body, None, ctx.report_secrets, 60)
        )),
        None => problems.push(format!(
            "body is not JSON: {}",
            text::report_body(&ctx.resp.body, None, ctx.report_secrets, 60)
        )),
        Some(Value::Object(map)) => {
            for key in ["message", "Message"] {
                match map.get(key) {
                    None | Some(Value::String(_)) => {}
                    Some(other) => {
                        problems.push(format!("{key} is {}, not a string", text::json_kind(other)))
                    }
                }
            }
        }
        Some(other) => problems.push(format!(
            "body is {}, expected a JSON object",
            text::json_kind(other)
        )),
    }
    CheckResult {
        check: CheckName::Envelope,
        outcome: if problems.is_empty() {
            CheckOutcome::Pass
        } else {
            CheckOutcome::Fail(problems.join("; "))
        },
    }
}

/// No sensitive input value comes back. On an error response no value the model marks
/// `sensitive` may come back: the contract's own line, so a non-sensitive member such as
/// `ConfirmationCode` may be quoted in a validation message, as Coral does (aws-behaviour.md §2).
/// A success legitimately returns some model-sensitive data the request named (AdminGetUser
/// answers with the `Username` it was asked about, AdminCreateUser with the attributes it was
/// given), so a 2xx is only searched for the credentials [`redact`] always treats as secret
/// (passwords, codes, secret hashes, tokens, sessions). Reports redact both sets regardless.
///
/// ClientId is exempt in both: real AWS echoes it in documented messages ("User pool client <id>
/// does not exist.", aws-behaviour.md §4).
fn redaction(
    resp: &Response,
    body_json: Option<&Value>,
    sensitive: &[String],
    sent_json: Option<&Value>,
    report_secrets: &[&str],
) -> CheckResult {
    let result = |outcome| CheckResult {
        check: CheckName::Redaction,
        outcome,
    };
    let Some(sent) = sent_json else {
        return result(CheckOutcome::Skip("the sent body is not JSON".into()));
    };
    let candidates = if (200..300).contains(&resp.status) {
        redact::unechoable_secrets(sent)
    } else {
        let paths: Vec<String> = sensitive
            .iter()
            .filter(|p| p.as_str() != "/ClientId")
            .cloned()
            .collect();
        redact::model_secrets(&paths, sent)
    };
    let secrets: Vec<String> = candidates
        .into_iter()
        // The same floor as `redact::redact`: a one- or two-character value turns up everywhere.
        .filter(|s| s.chars().count() >= 3)
        .collect();
    for secret in &secrets {
        if let Some(place) = text::find_secret(resp, body_json, secret) {
            let from =
                text::pointer_of(sent, secret).unwrap_or_else(|| "a sensitive member".into());
            let detail = format!("the value sent at {from} comes back in {place}");
            return result(CheckOutcome::Fail(text::one_line(&redact::redact(
                &detail,
                report_secrets,
            ))));
        }
    }
    result(CheckOutcome::Pass)
}

/// The `message` check, for an expectation that names a message form: the error's message,
/// redacted as reports show it, must be that form. A form resting on grade-C evidence is
/// reported when it differs (a skip with the AWS form beside it), never failed.
fn message(ctx: &Context, expectation: &Expectation) -> Option<CheckResult> {
    let form = expectation.message.as_deref()?;
    let grade = expectation.grade();
    let differs = |got: String| {
        if grade == Grade::C {
            CheckOutcome::Skip(format!("{got}; {INFERRED_FORM}: {form}"))
        } else {
            CheckOutcome::Fail(format!(
                "{got}; the AWS form (grade {}): {form}",
                grade.as_str()
            ))
        }
    };
    let outcome = if (200..300).contains(&ctx.resp.status) {
        CheckOutcome::Skip("no error answer".into())
    } else {
        match ctx.id.message.as_deref() {
            None => differs("no message".into()),
            Some(m) => {
                // Both in the one-line form reports show, so a form may hold a newline (the
                // schema messages end in one).
                let shown = text::one_line(&redact::redact(m, ctx.report_secrets));
                if form_matches(&text::one_line(form), &shown) {
                    CheckOutcome::Pass
                } else {
                    differs("the message differs".into())
                }
            }
        }
    };
    Some(CheckResult {
        check: CheckName::Message,
        outcome,
    })
}

/// How a `message` check's skip names a grade-C form that differs from the answer: reported
/// beside it (snapshots show it as a note), never failed.
pub const INFERRED_FORM: &str = "the AWS form (grade C, inferred, not failed)";

/// Whether `text` is in the message form `form`: literal text, each `<token>` (letters, digits,
/// `.`, `_`, `-`, `:`) standing for a non-empty run of any characters.
pub fn form_matches(form: &str, text: &str) -> bool {
    let mut literals: Vec<&str> = Vec::new();
    let mut rest = form;
    loop {
        let token = rest.find('<').and_then(|i| {
            let close = rest[i..].find('>')? + i;
            let name = &rest[i + 1..close];
            let is_token = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'));
            is_token.then_some((i, close))
        });
        match token {
            Some((open, close)) => {
                literals.push(&rest[..open]);
                rest = &rest[close + 1..];
            }
            None => {
                literals.push(rest);
                break;
            }
        }
    }
    // literals[0] <any> literals[1] <any> ... literals[n]: the first a prefix, the last a
    // suffix, those between found leftmost in order, each wildcard at least one character.
    let (first, last) = (literals[0], literals[literals.len() - 1]);
    if literals.len() == 1 {
        return text == first;
    }
    let Some(mut at) = text.strip_prefix(first).map(|_| first.len()) else {
        return false;
    };
    for lit in &literals[1..literals.len() - 1] {
        let from = at + text[at..].chars().next().map_or(1, char::len_utf8);
        match text.get(from..).and_then(|t| t.find(lit)) {
            Some(i) => at = from + i + lit.len(),
            None => return false,
        }
    }
    let min_end = at + text[at..].chars().next().map_or(1, char::len_utf8);
    text.len() >= min_end + last.len() && text.ends_with(last)
}

/// A verdict for a case that was not sent (its operation is missing from the target, or a
/// scenario step could not run): no checks, the status and why.
pub fn unjudged(case: &Case, status: Status, reason: String) -> Verdict {
    Verdict {
        case_id: case.id.clone(),
        operation: case.operation.clone(),
        group: case.kind.group().to_owned(),
        label: case.label.clone(),
        status,
        reason: Some(reason),
        checks: Vec::new(),
        observed: Observed::default(),
        expected: describe_expected(&case.expectation.expected),
        elapsed_ms: 0,
    }
}

/// `success (200)`, `InvalidParameterException (400)`, `one of A, B (400)`.
pub fn describe_expected(expected: &Expected) -> String {
    match expected {
        Expected::Success => "success (200)".into(),
        Expected::Error { exceptions, status } => {
            format!("{} ({status})", describe_exceptions(exceptions))
        }
    }
}

fn describe_exceptions(exceptions: &[String]) -> String {
    match exceptions {
        [] => "an error".into(),
        [one] => one.clone(),
        many => format!("one of {}", many.join(", ")),
    }
}

/// `first`, then every other check skipped with `why`.
fn skipped_after(first: CheckResult, why: &str) -> Vec<CheckResult> {
    let rest = [
        CheckName::NoServerError,
        CheckName::Status,
        CheckName::Exception,
        CheckName::Envelope,
        CheckName::Shape,
        CheckName::Redaction,
    ];
    std::iter::once(first)
        .chain(rest.into_iter().map(|check| CheckResult {
            check,
            outcome: CheckOutcome::Skip(why.to_owned()),
        }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::form_matches;

    #[test]
    fn message_forms_match_literals_and_tokens() {
        let form = "User pool client <client> does not exist.";
        assert!(form_matches(
            form,
            "User pool client abc123 does not exist."
        ));
        assert!(form_matches(
            form,
            "User pool client <redacted> does not exist."
        ));
        assert!(!form_matches(form, "User pool client  does not exist."));
        assert!(!form_matches(form, "User pool client abc does not exist"));
        assert!(!form_matches(form, "Client abc does not exist."));
        assert!(form_matches(
            "Incorrect username or password.",
            "Incorrect username or password."
        ));
        assert!(!form_matches(
            "Incorrect username or password.",
            "Incorrect username or password"
        ));
        let two = "Value '<value>' at '<member>' failed";
        assert!(form_matches(two, "Value 'x y' at 'username' failed"));
        assert!(!form_matches(two, "Value '' at 'username' failed"));
        // A `<` that opens no token is literal text.
        assert!(form_matches("a < b", "a < b"));
        assert!(form_matches("<x>", "anything"));
        assert!(!form_matches("<x>", ""));
        assert!(form_matches("é <x> ü", "é ß ü"));
    }
}
