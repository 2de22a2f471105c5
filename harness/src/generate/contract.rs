//! The contract as data: `fixtures/expectations/*.toml` read into [`Contract`]. Each row carries
//! the evidence it rests on; the generator attaches it to every case it judges.

use std::collections::BTreeMap;
use std::path::Path;

use include_dir::{include_dir, Dir};
use serde::Deserialize;
use serde_json::{Map, Value};
use thiserror::Error;

use super::case::{Expectation, Expected, Rule};
use crate::model::Catalogue;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../fixtures/expectations");

#[derive(Debug, Error)]
pub enum ContractError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Toml {
        path: String,
        #[source]
        source: toml::de::Error,
    },
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
}

/// The expectations for one operation.
#[derive(Debug, Clone)]
pub struct OperationContract {
    pub operation: String,
    /// A request the contract judges: placeholders for the fixture's ids.
    pub base_request: Map<String, Value>,
    pub base: Expectation,
    /// What replacing a member (or anything under it) with another valid value leads to.
    pub members: BTreeMap<String, Expectation>,
    /// Named stateless cases.
    pub cases: Vec<ContractCase>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    outcome: Option<String>,
    exceptions: Option<Vec<String>>,
    status: Option<u16>,
    evidence: String,
    request: Option<toml::Table>,
    label: Option<String>,
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
        let files =
            crate::files::read_dir_with_ext(dir, "toml").map_err(|e| ContractError::Io {
                path: e.path,
                source: e.source,
            })?;
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
                    let e = expectation(&path, &row, catalogue)?;
                    c.rules.insert(rule, e);
                }
            } else {
                let f: OperationFile = toml::from_str(&text).map_err(toml_err)?;
                let op = operation_contract(&path, f, catalogue)?;
                c.operations.insert(op.operation.clone(), op);
            }
        }
        if let Some(missing) = Rule::ALL.iter().find(|r| !c.rules.contains_key(r)) {
            return Err(ContractError::Invalid {
                path: "rules.toml".into(),
                reason: format!("no expectation for rule {missing}"),
            });
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
    let invalid = |reason: String| ContractError::Invalid {
        path: path.to_owned(),
        reason,
    };
    let op = catalogue
        .operation(&f.operation)
        .ok_or_else(|| invalid(format!("no operation {:?} in the schemas", f.operation)))?;
    let root = op.input.clone().unwrap_or_default();
    let base_request =
        request(path, &f.base)?.ok_or_else(|| invalid("[base] has no request".into()))?;
    let mut members = BTreeMap::new();
    for (member, row) in &f.members {
        if catalogue.member_at(&root, member).is_none() {
            return Err(invalid(format!(
                "[members.{member}]: {} has no such member",
                f.operation
            )));
        }
        members.insert(member.clone(), expectation(path, row, catalogue)?);
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
            expectation: expectation(path, row, catalogue)?,
            label,
        });
    }
    Ok(OperationContract {
        operation: f.operation,
        base: expectation(path, &f.base, catalogue)?,
        base_request,
        members,
        cases,
    })
}

fn request(path: &str, row: &Row) -> Result<Option<Map<String, Value>>, ContractError> {
    let Some(t) = &row.request else {
        return Ok(None);
    };
    match serde_json::to_value(t) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        _ => Err(ContractError::Invalid {
            path: path.to_owned(),
            reason: "a request is not a table".into(),
        }),
    }
}

fn expectation(path: &str, row: &Row, catalogue: &Catalogue) -> Result<Expectation, ContractError> {
    expectation_of(
        row.outcome.as_deref(),
        row.exceptions.as_deref(),
        row.status,
        &row.evidence,
        catalogue,
    )
    .map_err(|reason| ContractError::Invalid {
        path: path.to_owned(),
        reason,
    })
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
    Ok(Expectation {
        expected,
        evidence: evidence.to_owned(),
    })
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
    }
}
