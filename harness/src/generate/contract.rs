//! The contract as data: `fixtures/expectations/*.toml` read into [`Contract`]. Each row carries
//! the evidence it rests on; the generator attaches it to every case it judges.

use std::collections::BTreeMap;
use std::path::Path;

use include_dir::{include_dir, Dir};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::case::{Creates, Expectation, Expected, OutputCheck, Rule};
use crate::model::Catalogue;
use crate::placeholder::{self, Scope};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../fixtures/expectations");

/// A pack that cannot be used: the data files' one error type.
pub type ContractError = crate::files::DataError;

/// The expectations for one operation: its pack.
#[derive(Debug, Clone)]
pub struct OperationContract {
    pub operation: String,
    /// The file it came from, for messages.
    pub file: String,
    /// A request the contract judges: placeholders for the fixture's ids.
    pub base_request: Map<String, Value>,
    pub base: Expectation,
    /// What replacing a member (or anything under it) with another valid value leads to.
    pub members: BTreeMap<String, MemberOutcome>,
    /// Named stateless cases.
    pub cases: Vec<ContractCase>,
    /// Members (dotted paths) with no valid variants: only their violations are generated.
    pub unvaried: Vec<String>,
}

impl OperationContract {
    /// Whether valid variants of this member (a dotted path) are left out.
    pub fn unvaried(&self, member: &str) -> bool {
        self.unvaried.iter().any(|u| {
            member == u || (member.starts_with(u.as_str()) && member[u.len()..].starts_with('.'))
        })
    }
}

/// What another valid value of a member leads to: per value where the pack says so
/// (`MessageAction = RESEND` and `SUPPRESS` differ), else the member's own row.
#[derive(Debug, Clone)]
pub struct MemberOutcome {
    /// `None` when the pack gives only per-value rows: other values keep the base outcome.
    pub any: Option<Expectation>,
    pub values: BTreeMap<String, Expectation>,
}

impl MemberOutcome {
    /// The expectation for this value of the member, if the pack has one.
    pub fn for_value(&self, value: Option<&Value>) -> Option<&Expectation> {
        value
            .and_then(Value::as_str)
            .and_then(|v| self.values.get(v))
            .or(self.any.as_ref())
    }
}

#[derive(Debug, Clone)]
pub struct ContractCase {
    pub label: String,
    pub request: Map<String, Value>,
    pub expectation: Expectation,
}

#[derive(Debug, Clone, Default)]
pub struct Contract {
    pub rules: BTreeMap<Rule, Expectation>,
    pub operations: BTreeMap<String, OperationContract>,
}

/// One row of a pack: what a request leads to, and the evidence it rests on. Scenario steps
/// carry the same fields (`scenario::data`), built by the same [`Outcome::expectation`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    #[serde(flatten)]
    outcome: Outcome,
    request: Option<toml::Table>,
    label: Option<String>,
    /// On a member row only: outcomes per value of the member.
    #[serde(default)]
    values: BTreeMap<String, Outcome>,
}

/// The fields every row shares, packs and scenario steps alike.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Outcome {
    /// `"success"`, or absent with `exceptions`.
    pub outcome: Option<String>,
    pub exceptions: Option<Vec<String>>,
    pub status: Option<u16>,
    /// The row of `fixtures/evidence/*.md` the expectation rests on, with its grade.
    #[serde(default)]
    pub evidence: String,
    /// The message form an error answer must carry.
    pub message: Option<String>,
    /// JSON Pointer → the value a success body holds there.
    #[serde(default)]
    pub output: toml::Table,
    /// JSON Pointer → a pattern the string there matches.
    #[serde(default)]
    pub output_matches: BTreeMap<String, String>,
    /// JSON Pointers a success body must not hold.
    #[serde(default)]
    pub output_absent: Vec<String>,
    /// The round trip: every member sent comes back under a pointer of the answer.
    pub echo: Option<EchoRow>,
    /// What a success creates: the request that deletes it at the end of the run.
    pub creates: Option<CreatesRow>,
}

/// `echo = { at = "/Group", except = ["..."] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EchoRow {
    at: String,
    #[serde(default)]
    except: Vec<String>,
}

/// `creates = { operation = "DeleteGroup", request = { ... } }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreatesRow {
    operation: String,
    request: toml::Table,
}

impl Outcome {
    /// The expectation the row states, or why it is not one.
    pub(crate) fn expectation(&self, catalogue: &Catalogue) -> Result<Expectation, String> {
        let mut e = expectation_of(
            self.outcome.as_deref(),
            self.exceptions.as_deref(),
            self.status,
            &self.evidence,
            catalogue,
        )?;
        for (pointer, value) in &self.output {
            check_pointer(pointer)?;
            e.output.push(OutputCheck::Equals {
                pointer: pointer.clone(),
                value: serde_json::to_value(value).map_err(|e| e.to_string())?,
            });
        }
        for (pointer, pattern) in &self.output_matches {
            check_pointer(pointer)?;
            let pattern = regex::Regex::new(pattern)
                .map_err(|e| format!("output_matches {pointer:?}: {e}"))?;
            e.output.push(OutputCheck::Matches {
                pointer: pointer.clone(),
                pattern,
            });
        }
        for pointer in &self.output_absent {
            check_pointer(pointer)?;
            e.output.push(OutputCheck::Absent {
                pointer: pointer.clone(),
            });
        }
        if let Some(echo) = &self.echo {
            check_pointer(&echo.at)?;
            e.output.push(OutputCheck::Echoes {
                pointer: echo.at.clone(),
                except: echo.except.clone(),
            });
        }
        for (pointer, value) in &self.output {
            let value = serde_json::to_value(value).map_err(|e| e.to_string())?;
            if !crate::placeholder::names_in(&value).is_empty() {
                return Err(format!(
                    "output {pointer:?}: placeholders are filled in requests only; compare with echo"
                ));
            }
        }
        if !e.output.is_empty() && e.expected != Expected::Success {
            return Err("output checks look into a success body; this row expects an error".into());
        }
        if let Some(c) = &self.creates {
            if e.expected != Expected::Success {
                return Err(
                    "creates names what a success creates; this row expects an error".into(),
                );
            }
            if catalogue.operation(&c.operation).is_none() {
                return Err(format!(
                    "creates: no operation {:?} in the schemas",
                    c.operation
                ));
            }
            let request = match serde_json::to_value(&c.request) {
                Ok(Value::Object(m)) => m,
                _ => return Err("creates: the request is not a table".into()),
            };
            e.creates = Some(Creates {
                operation: c.operation.clone(),
                request,
            });
        }
        if let Some(form) = &self.message {
            if e.expected == Expected::Success {
                return Err("a message form belongs to an error; this row expects success".into());
            }
            if form.trim().is_empty() {
                return Err("an empty message form".into());
            }
            e.message = Some(form.clone());
        }
        Ok(e)
    }
}

/// Whether `p` is a JSON Pointer (`/A/b`, or empty for the whole body).
pub(crate) fn check_pointer(p: &str) -> Result<(), String> {
    if p.is_empty() || p.starts_with('/') {
        Ok(())
    } else {
        Err(format!(
            "{p:?} is not a JSON Pointer (\"/CodeDeliveryDetails/Destination\", or \"\" for the body)"
        ))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    rules: BTreeMap<Rule, Row>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OperationFile {
    operation: String,
    base: Row,
    #[serde(default)]
    members: BTreeMap<String, Row>,
    #[serde(default)]
    cases: Vec<Row>,
    /// Members whose valid values are not varied (their outcome rests on resources outside
    /// the API, or on nothing known): only their constraint violations are sent.
    #[serde(default)]
    unvaried: Vec<String>,
}

impl Contract {
    /// The expectations compiled into the binary.
    pub fn embedded(catalogue: &Catalogue) -> Result<Contract, ContractError> {
        let files = EMBEDDED
            .files()
            .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
            .map(|f| {
                (
                    f.path().to_string_lossy().into_owned(),
                    f.contents_utf8().unwrap_or_default().to_owned(),
                )
            });
        Contract::from_files(files, catalogue)
    }

    /// Reads every `*.toml` of a directory.
    pub fn load_dir(dir: &Path, catalogue: &Catalogue) -> Result<Contract, ContractError> {
        let files = crate::files::read_dir_with_ext(dir, "toml")?;
        Contract::from_files(files, catalogue)
    }

    pub fn from_files(
        files: impl IntoIterator<Item = (String, String)>,
        catalogue: &Catalogue,
    ) -> Result<Contract, ContractError> {
        let mut c = Contract::default();
        for (path, text) in files {
            let toml_err = |source| ContractError::Toml {
                path: path.clone(),
                source,
            };
            if path.ends_with("rules.toml") {
                let f: RulesFile = toml::from_str(&text).map_err(toml_err)?;
                for (rule, row) in f.rules {
                    let e = expectation(&path, &row.outcome, catalogue)?;
                    c.rules.insert(rule, e);
                }
            } else {
                let f: OperationFile = toml::from_str(&text).map_err(toml_err)?;
                let op = operation_contract(&path, f, catalogue)?;
                check_placeholders(&path, &text, &op)?;
                if let Some(earlier) = c.operations.get(&op.operation) {
                    return Err(ContractError::invalid(
                        path,
                        format!("{} has a pack already, in {}", op.operation, earlier.file),
                    ));
                }
                c.operations.insert(op.operation.clone(), op);
            }
        }
        if let Some(missing) = Rule::ALL.iter().find(|r| !c.rules.contains_key(r)) {
            return Err(ContractError::invalid(
                "rules.toml",
                format!("no expectation for rule {missing}"),
            ));
        }
        Ok(c)
    }

    pub fn rule(&self, rule: Rule) -> &Expectation {
        // from_files refuses a contract that lacks a rule.
        &self.rules[&rule]
    }
}

fn operation_contract(
    path: &str,
    f: OperationFile,
    catalogue: &Catalogue,
) -> Result<OperationContract, ContractError> {
    let invalid = |reason: String| ContractError::invalid(path.to_owned(), reason);
    let op = catalogue
        .operation(&f.operation)
        .ok_or_else(|| invalid(format!("no operation {:?} in the schemas", f.operation)))?;
    let root = op.input.clone().unwrap_or_default();
    let base_request =
        request(path, &f.base)?.ok_or_else(|| invalid("[base] has no request".into()))?;
    // Per-value rows belong to members; anywhere else they would be silently ignored.
    if !f.base.values.is_empty() || f.cases.iter().any(|c| !c.values.is_empty()) {
        return Err(invalid(
            "values rows belong under [members.<member>.values.<value>]".into(),
        ));
    }
    let mut members = BTreeMap::new();
    for (member, row) in &f.members {
        if catalogue.member_at(&root, member).is_none() {
            return Err(invalid(format!(
                "[members.{member}]: {} has no such member",
                f.operation
            )));
        }
        let stated = row.outcome.outcome.is_some() || row.outcome.exceptions.is_some();
        let any = if stated || row.values.is_empty() {
            Some(
                expectation(path, &row.outcome, catalogue)
                    .map_err(|e| invalid(format!("[members.{member}]: {}", reason_of(e))))?,
            )
        } else {
            None
        };
        let mut values = BTreeMap::new();
        for (value, outcome) in &row.values {
            let e = expectation(path, outcome, catalogue).map_err(|e| {
                invalid(format!(
                    "[members.{member}.values.{value}]: {}",
                    reason_of(e)
                ))
            })?;
            values.insert(value.clone(), e);
        }
        members.insert(member.clone(), MemberOutcome { any, values });
    }
    for member in &f.unvaried {
        if catalogue.member_at(&root, member).is_none() {
            return Err(invalid(format!(
                "unvaried: {} has no member {member:?}",
                f.operation
            )));
        }
    }
    let mut cases = Vec::new();
    for row in &f.cases {
        let label = row
            .label
            .clone()
            .ok_or_else(|| invalid("a [[cases]] row has no label".into()))?;
        cases.push(ContractCase {
            request: request(path, row)?
                .ok_or_else(|| invalid(format!("case {label:?} has no request")))?,
            expectation: expectation(path, &row.outcome, catalogue)
                .map_err(|e| invalid(format!("case {label:?}: {}", reason_of(e))))?,
            label,
        });
    }
    Ok(OperationContract {
        operation: f.operation,
        file: path.to_owned(),
        base: expectation(path, &f.base.outcome, catalogue)
            .map_err(|e| invalid(format!("[base]: {}", reason_of(e))))?,
        base_request,
        members,
        cases,
        unvaried: f.unvaried,
    })
}

/// Every placeholder of the pack's requests names something of the fixture: a misspelt one
/// would otherwise go out as literal text. The error names the file and line.
fn check_placeholders(path: &str, text: &str, op: &OperationContract) -> Result<(), ContractError> {
    let scope = Scope::pack(crate::target::fixture_user_keys());
    let cleanups = std::iter::once(("[base]", &op.base))
        .chain(op.cases.iter().map(|c| (c.label.as_str(), &c.expectation)))
        .filter_map(|(row, e)| {
            let c = e.creates.as_ref()?;
            Some((format!("{row}: creates"), &c.request))
        })
        .collect::<Vec<_>>();
    let requests = std::iter::once(("[base]".to_owned(), &op.base_request))
        .chain(
            op.cases
                .iter()
                .map(|c| (format!("case {:?}", c.label), &c.request)),
        )
        .chain(cleanups);
    for (row, request) in requests {
        let scope = Scope {
            creates: row.ends_with(": creates"),
            ..scope.clone()
        };
        for name in placeholder::names_in(&Value::Object(request.clone())) {
            if let Err(why) = scope.check(&name) {
                let line = placeholder::line_of(text, &name)
                    .map_or(String::new(), |l| format!(" (line {l})"));
                return Err(ContractError::invalid(path, format!("{row}: {why}{line}")));
            }
        }
    }
    Ok(())
}

fn request(path: &str, row: &Row) -> Result<Option<Map<String, Value>>, ContractError> {
    let Some(t) = &row.request else {
        return Ok(None);
    };
    match serde_json::to_value(t) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        _ => Err(ContractError::invalid(path, "a request is not a table")),
    }
}

fn expectation(
    path: &str,
    row: &Outcome,
    catalogue: &Catalogue,
) -> Result<Expectation, ContractError> {
    row.expectation(catalogue)
        .map_err(|reason| ContractError::invalid(path.to_owned(), reason))
}

/// The reason of an [`ContractError::Invalid`], or the error's text.
fn reason_of(e: ContractError) -> String {
    match e {
        ContractError::Invalid { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// An expectation from the fields of a data row (`outcome = "success"`, or `exceptions` with an
/// optional `status`, and the `evidence` it rests on), or why the row is not one. Shared by the
/// expectation files and the scenario files.
pub(crate) fn expectation_of(
    outcome: Option<&str>,
    exceptions: Option<&[String]>,
    status: Option<u16>,
    evidence: &str,
    catalogue: &Catalogue,
) -> Result<Expectation, String> {
    let expected = match (outcome, exceptions) {
        (Some("success"), None) => Expected::Success,
        (None, Some(names)) if !names.is_empty() => {
            if let Some(unknown) = names
                .iter()
                .find(|n| !catalogue.exceptions.contains_key(*n) && !is_framework_error(n))
            {
                return Err(format!("unknown exception {unknown:?}"));
            }
            let fault = names
                .iter()
                .any(|n| catalogue.exceptions.get(n).is_some_and(|e| e.server_fault));
            Expected::Error {
                exceptions: names.to_vec(),
                status: status.unwrap_or(if fault { 500 } else { 400 }),
            }
        }
        _ => {
            return Err(format!(
                "a row needs either outcome = \"success\" or a non-empty exceptions list (evidence {evidence:?})"
            ))
        }
    };
    if evidence.trim().is_empty() {
        return Err("a row without evidence".into());
    }
    Ok(Expectation::new(expected, evidence))
}

/// Errors of the service framework (Coral) that the model does not list.
pub fn is_framework_error(name: &str) -> bool {
    matches!(
        name,
        "SerializationException"
            | "UnknownOperationException"
            | "MissingAuthenticationTokenException"
            | "UnrecognizedClientException"
            | "InvalidSignatureException"
            | "AccessDeniedException"
            | "ThrottlingException"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_contract_loads_and_covers_both_operations() {
        let c = Contract::embedded(Catalogue::embedded()).unwrap();
        assert_eq!(c.rules.len(), Rule::ALL.len());
        for op in ["ForgotPassword", "ConfirmForgotPassword"] {
            let oc = &c.operations[op];
            assert!(!oc.cases.is_empty());
            assert!(oc.base.evidence.contains('§'));
        }
        assert_eq!(
            c.rule(Rule::PatternMismatch).expected,
            Expected::Error {
                exceptions: vec!["InvalidParameterException".into()],
                status: 400
            }
        );
    }

    #[test]
    fn rows_are_checked() {
        let cat = Catalogue::embedded();
        let bad = r#"operation = "ForgotPassword"
[base]
request = { ClientId = "x" }
exceptions = ["NoSuchException"]
evidence = "none""#;
        let err = Contract::from_files([("ForgotPassword.toml".into(), bad.into())], cat)
            .unwrap_err()
            .to_string();
        assert!(err.contains("NoSuchException"), "{err}");
        let bad_member = r#"operation = "ForgotPassword"
[base]
request = { ClientId = "x" }
outcome = "success"
evidence = "e"
[members.NoSuchMember]
outcome = "success"
evidence = "e""#;
        let err = Contract::from_files([("ForgotPassword.toml".into(), bad_member.into())], cat)
            .unwrap_err()
            .to_string();
        assert!(err.contains("NoSuchMember"), "{err}");
        let stray_values = r#"operation = "ForgotPassword"
[base]
request = { ClientId = "x" }
outcome = "success"
evidence = "e"
[base.values.X]
outcome = "success"
evidence = "e""#;
        let err = Contract::from_files([("ForgotPassword.toml".into(), stray_values.into())], cat)
            .unwrap_err()
            .to_string();
        assert!(err.contains("values rows belong under"), "{err}");
    }
}
