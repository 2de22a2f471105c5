//! Scenario files (`fixtures/scenarios/*.toml`) read into [`Scenario`]s, and checked: every
//! step names a known operation and known exceptions, cites its evidence, and uses only the
//! placeholders its scenario defines. A bad file is refused with its path, scenario and step.

use std::collections::BTreeMap;
use std::path::Path;

use include_dir::{include_dir, Dir};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::generate::contract::Outcome;
use crate::generate::{stable_id, Expectation};
use crate::model::Catalogue;
use crate::placeholder::{self, Need, Scope};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../fixtures/scenarios");

pub use crate::placeholder::CLIENTS;

/// A scenario file that cannot be used: the data files' one error type.
pub type ScenarioError = crate::files::DataError;

/// A sequence of requests against one set of users, each with its expectation.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// What the scenario shows, for a person.
    pub about: Option<String>,
    /// The file it came from, for messages.
    pub file: String,
    /// The scenario's own users by key, created before its first step.
    /// Kind names of `fixtures/fixture.toml` (`email`, `phone`, `unverified`, ...).
    pub users: BTreeMap<String, String>,
    /// CreateUserPool members for a pool of the scenario's own (with the standard policy and
    /// clients); `None` puts the users in the run's pool.
    pub pool: Option<Map<String, Value>>,
    /// Runs after every other scenario, with none beside it: its steps read state that
    /// concurrent scenarios change (a listing of every pool).
    pub alone: bool,
    pub steps: Vec<Step>,
}

/// One request of a scenario.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    /// Stable across runs: a hash of scenario and step name.
    pub id: String,
    pub operation: String,
    /// The body, with `{{cognate:...}}` placeholders.
    pub request: Map<String, Value>,
    /// What the step must answer, output values and message form included.
    pub expectation: Expectation,
    /// The scenario user the step is about (the only one, unless the file says).
    pub user: Option<String>,
    /// After the step, learn the code the target sent to `user` and keep it as `code.<name>`
    /// (and as `code`, the latest).
    pub learn_code: Option<String>,
    /// The code placeholders the request uses (`code`, `code.first`): the step cannot run
    /// without them.
    pub needs_codes: Vec<String>,
    /// The captured values the request uses: the step cannot run without them either.
    pub needs_captures: Vec<String>,
    /// After a success, the values to keep for later steps: name → JSON Pointer into the body
    /// (`pool = "/UserPool/Id"`, then `{{cognate:pool-id}}`... under the capture's name).
    pub capture: BTreeMap<String, String>,
    /// A List step that follows its pagination token to the last page.
    pub walk: Option<Walk>,
}

/// `walk = { items = "/Groups", key = "/GroupName", token = "NextToken", exactly = [...] }`:
/// the step is sent again with `token` set to the answer's token while the answer has one; the
/// pages together must hold each item once, and the keys the scenario expects.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Walk {
    /// Where a page holds its items.
    pub items: String,
    /// Where an item holds the key that identifies it.
    pub key: String,
    /// The member that carries the token, in the request and in the answer alike.
    pub token: String,
    /// The keys all pages together hold, no more and no fewer (placeholders allowed).
    #[serde(default)]
    pub exactly: Option<Vec<String>>,
    /// Keys all pages together hold among others (a listing others add to, such as pools).
    #[serde(default)]
    pub including: Option<Vec<String>>,
}

impl Walk {
    /// The most items a page may hold: the request's page-size member, if it sets one.
    pub fn page_size(request: &Map<String, Value>) -> Option<u64> {
        ["MaxResults", "Limit"]
            .iter()
            .find_map(|m| request.get(*m).and_then(Value::as_u64))
    }
}

impl Scenario {
    /// `<scenario>: <step>`, the label a step's verdict carries.
    pub fn label(&self, step: &Step) -> String {
        format!("{}: {}", self.name, step.name)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(rename = "scenario", default)]
    scenarios: Vec<RawScenario>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    about: Option<String>,
    #[serde(default)]
    users: BTreeMap<String, String>,
    pool: Option<toml::Table>,
    #[serde(default)]
    alone: bool,
    #[serde(rename = "step", default)]
    steps: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    name: String,
    operation: String,
    request: toml::Table,
    /// The same row fields as a pack's (`generate::contract::Outcome`).
    #[serde(flatten)]
    outcome: Outcome,
    user: Option<String>,
    learn_code: Option<String>,
    #[serde(default)]
    capture: BTreeMap<String, String>,
    walk: Option<Walk>,
}

/// The scenarios compiled into the binary.
pub fn embedded(catalogue: &Catalogue) -> Result<Vec<Scenario>, ScenarioError> {
    let mut files: Vec<(String, String)> = EMBEDDED
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
        .map(|f| {
            (
                format!("fixtures/scenarios/{}", f.path().display()),
                f.contents_utf8().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    files.sort();
    from_files(files, catalogue)
}

/// Every `*.toml` of a directory, in name order.
pub fn load_dir(dir: &Path, catalogue: &Catalogue) -> Result<Vec<Scenario>, ScenarioError> {
    let files = crate::files::read_dir_with_ext(dir, "toml")?;
    from_files(files, catalogue)
}

/// Parses and checks the files; scenario names are unique across them.
pub fn from_files(
    files: impl IntoIterator<Item = (String, String)>,
    catalogue: &Catalogue,
) -> Result<Vec<Scenario>, ScenarioError> {
    let mut out: Vec<Scenario> = Vec::new();
    for (path, text) in files {
        let raw: RawFile = toml::from_str(&text).map_err(|source| ScenarioError::Toml {
            path: path.clone(),
            source,
        })?;
        for rs in raw.scenarios {
            let s = scenario(&path, &text, rs, catalogue)?;
            if let Some(earlier) = out.iter().find(|o| o.name == s.name) {
                return Err(ScenarioError::Invalid {
                    path,
                    place: format!("scenario {:?}: ", s.name),
                    reason: format!("the name is taken (by a scenario of {})", earlier.file),
                });
            }
            out.push(s);
        }
    }
    Ok(out)
}

fn scenario(
    path: &str,
    text: &str,
    rs: RawScenario,
    catalogue: &Catalogue,
) -> Result<Scenario, ScenarioError> {
    let at = |step: Option<&str>, reason: String| ScenarioError::Invalid {
        path: path.to_owned(),
        place: match step {
            Some(st) => format!("scenario {:?}, step {st:?}: ", rs.name),
            None => format!("scenario {:?}: ", rs.name),
        },
        reason,
    };
    if rs.name.trim().is_empty() {
        return Err(ScenarioError::Invalid {
            path: path.to_owned(),
            place: String::new(),
            reason: "a scenario without a name".into(),
        });
    }
    if rs.steps.is_empty() {
        return Err(at(None, "no steps ([[scenario.step]])".into()));
    }
    let mut users = BTreeMap::new();
    for (key, kind) in &rs.users {
        let kinds = &crate::target::fixture_spec().kinds;
        if !kinds.contains_key(kind) {
            return Err(at(
                None,
                format!(
                    "user {key:?} has kind {kind:?}; the kinds are {}",
                    kinds.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(at(
                None,
                format!("user key {key:?}: use letters, digits and '-'"),
            ));
        }
        users.insert(key.clone(), kind.clone());
    }
    let pool = match &rs.pool {
        None => None,
        Some(t) => match serde_json::to_value(t) {
            Ok(Value::Object(m)) => Some(m),
            _ => return Err(at(None, "pool is not a table".into())),
        },
    };
    let mut steps: Vec<Step> = Vec::new();
    let mut scope = Scope {
        scenario_users: Some(users.keys().cloned().collect()),
        ..Scope::default()
    };
    for raw in rs.steps {
        let err = |reason: String| at(Some(&raw.name), reason);
        if raw.name.trim().is_empty() {
            return Err(at(None, "a step without a name".into()));
        }
        if steps.iter().any(|s| s.name == raw.name) {
            return Err(err("two steps have this name".into()));
        }
        if catalogue.operation(&raw.operation).is_none() {
            return Err(err(format!(
                "no operation {:?} in the schemas",
                raw.operation
            )));
        }
        let expectation = raw.outcome.expectation(catalogue).map_err(&err)?;
        let request = match serde_json::to_value(&raw.request) {
            Ok(Value::Object(m)) => m,
            _ => return Err(err("request is not a table".into())),
        };
        let (mut needs_codes, mut needs_captures) = (Vec::new(), Vec::new());
        for name in placeholder::names_in(&Value::Object(request.clone())) {
            let need = scope.check(&name).map_err(|why| {
                err(match placeholder::line_of(text, &name) {
                    Some(line) => format!("{why} (line {line})"),
                    None => why,
                })
            })?;
            let (list, value) = match need {
                None => continue,
                Some(Need::Code(c)) => (&mut needs_codes, c),
                Some(Need::Captured(c)) => (&mut needs_captures, c),
            };
            if !list.contains(&value) {
                list.push(value);
            }
        }
        let user = match &raw.user {
            Some(u) if users.contains_key(u) => Some(u.clone()),
            Some(u) => {
                return Err(err(format!(
                    "user {u:?} is not one of the scenario's users"
                )))
            }
            None if users.len() == 1 => users.keys().next().cloned(),
            None => None,
        };
        if let Some(name) = &raw.learn_code {
            if user.is_none() {
                return Err(err(
                    "learn_code needs the step's user (user = \"...\"): whose code?".into(),
                ));
            }
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(err(format!(
                    "learn_code {name:?}: use letters, digits and '-'"
                )));
            }
            scope.learned.insert(name.clone());
        }
        for (name, pointer) in &raw.capture {
            placeholder::check_capture_name(name).map_err(&err)?;
            crate::generate::contract::check_pointer(pointer)
                .map_err(|why| err(format!("capture {name:?}: {why}")))?;
            if raw.outcome.outcome.as_deref() != Some("success") {
                return Err(err(format!(
                    "capture {name:?} looks into a success body; this step expects an error"
                )));
            }
            scope.captured.insert(name.clone());
        }
        if let Some(c) = &expectation.creates {
            let scope = Scope {
                creates: true,
                ..scope.clone()
            };
            for name in placeholder::names_in(&Value::Object(c.request.clone())) {
                scope
                    .check(&name)
                    .map_err(|why| err(format!("creates: {why}")))?;
            }
        }
        if let Some(w) = &raw.walk {
            if raw.outcome.outcome.as_deref() != Some("success") {
                return Err(err(
                    "walk follows the pages of a success; this step expects an error".into(),
                ));
            }
            for p in [&w.items, &w.key] {
                crate::generate::contract::check_pointer(p)
                    .map_err(|why| err(format!("walk: {why}")))?;
            }
            let root = catalogue
                .operation(&raw.operation)
                .and_then(|o| o.input.clone())
                .unwrap_or_default();
            if catalogue.member_at(&root, &w.token).is_none() {
                return Err(err(format!(
                    "walk: {} has no member {:?} to carry the token",
                    raw.operation, w.token
                )));
            }
            let keys = match (&w.exactly, &w.including) {
                (Some(k), None) | (None, Some(k)) => k,
                _ => return Err(err("walk: give exactly = [...] or including = [...]".into())),
            };
            for name in keys.iter().flat_map(|k| placeholder::names(k)) {
                match scope
                    .check(&name)
                    .map_err(|why| err(format!("walk: {why}")))?
                {
                    Some(Need::Captured(c)) if !needs_captures.contains(&c) => {
                        needs_captures.push(c)
                    }
                    Some(Need::Code(_)) => return Err(err("walk: a key is not a code".into())),
                    _ => {}
                }
            }
        }
        steps.push(Step {
            id: stable_id(&["scenario", &rs.name, &raw.name]),
            name: raw.name,
            operation: raw.operation,
            request,
            expectation,
            user,
            learn_code: raw.learn_code,
            needs_codes,
            needs_captures,
            capture: raw.capture,
            walk: raw.walk,
        });
    }
    Ok(Scenario {
        name: rs.name,
        about: rs.about,
        file: path.to_owned(),
        users,
        pool,
        alone: rs.alone,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Scenario>, String> {
        from_files(
            [("scenarios/x.toml".to_owned(), text.to_owned())],
            Catalogue::embedded(),
        )
        .map_err(|e| e.to_string())
    }

    const GOOD: &str = r#"
[[scenario]]
name = "reset"
users = { a = "email" }

[[scenario.step]]
name = "ask"
operation = "ForgotPassword"
request = { ClientId = "{{cognate:client.legacy}}", Username = "{{cognate:user.a}}" }
outcome = "success"
output = { "/CodeDeliveryDetails/DeliveryMedium" = "EMAIL" }
output_matches = { "/CodeDeliveryDetails/Destination" = '^c\*{3}@e\*{3}$' }
learn_code = "first"
evidence = "e"

[[scenario.step]]
name = "confirm"
operation = "ConfirmForgotPassword"
request = { ClientId = "{{cognate:client.legacy}}", Username = "{{cognate:user.a}}", ConfirmationCode = "{{cognate:code.first}}", Password = "{{cognate:password}}" }
exceptions = ["CodeMismatchException"]
evidence = "e"
"#;

    #[test]
    fn a_good_file_parses() {
        let s = parse(GOOD).unwrap();
        assert_eq!(s.len(), 1);
        let sc = &s[0];
        assert_eq!(sc.users["a"], "email");
        assert_eq!(sc.steps.len(), 2);
        assert_eq!(sc.steps[0].user.as_deref(), Some("a"));
        assert_eq!(sc.steps[0].learn_code.as_deref(), Some("first"));
        assert_eq!(sc.steps[0].expectation.output.len(), 2);
        assert!(sc.steps[0].needs_codes.is_empty());
        assert_eq!(sc.steps[1].needs_codes, ["code.first"]);
        assert_eq!(sc.label(&sc.steps[1]), "reset: confirm");
        assert_eq!(sc.steps[1].id, stable_id(&["scenario", "reset", "confirm"]));
        assert_ne!(sc.steps[0].id, sc.steps[1].id);
    }

    #[test]
    fn errors_name_file_scenario_and_step() {
        let cases = [
            (
                GOOD.replace("ForgotPassword\"\nrequest", "NoSuchOperation\"\nrequest"),
                "step \"ask\": no operation \"NoSuchOperation\"",
            ),
            (
                GOOD.replace("CodeMismatchException", "NoSuchException"),
                "step \"confirm\": unknown exception \"NoSuchException\"",
            ),
            (
                GOOD.replace("code.first", "code.second"),
                "step \"confirm\": {{cognate:code.second}}: no earlier step",
            ),
            (
                GOOD.replace("user.a}}\" }\noutcome", "user.b}}\" }\noutcome"),
                "step \"ask\": {{cognate:user.b}} names user \"b\"",
            ),
            (
                GOOD.replace("\"{{cognate:password}}\"", "\"{{cognate:nope}}\""),
                "step \"confirm\": unknown placeholder {{cognate:nope}}",
            ),
            (
                GOOD.replace("a = \"email\"", "a = \"robot\""),
                "scenario \"reset\": user \"a\" has kind \"robot\"",
            ),
            (
                GOOD.replace("name = \"confirm\"", "name = \"ask\""),
                "step \"ask\": two steps have this name",
            ),
            (
                GOOD.replace(
                    "evidence = \"e\"\n\n[[scenario.step]]",
                    "evidence = \" \"\n\n[[scenario.step]]",
                ),
                "step \"ask\": a row without evidence",
            ),
            (GOOD.replace("'^c", "'(^c"), "step \"ask\": output_matches"),
            (
                GOOD.replace(
                    "\"/CodeDeliveryDetails/DeliveryMedium\"",
                    "\"CodeDeliveryDetails\"",
                ),
                "is not a JSON Pointer",
            ),
            (
                GOOD.replace(
                    "outcome = \"success\"",
                    "exceptions = [\"UserNotFoundException\"]",
                ),
                "step \"ask\": output checks look into a success body",
            ),
            (
                GOOD.replace("learn_code", "learn_cod"),
                "unknown field `learn_cod`",
            ),
        ];
        for (text, want) in cases {
            let e = parse(&text).unwrap_err();
            assert!(e.starts_with("scenarios/x.toml: "), "{e}");
            assert!(e.contains(want), "{e}\n  should contain: {want}");
        }
        let two_users = GOOD.replace("a = \"email\"", "a = \"email\", b = \"phone\"");
        let e = parse(&two_users).unwrap_err();
        assert!(
            e.contains("step \"ask\": learn_code needs the step's user"),
            "{e}"
        );
        let twice = format!("{GOOD}\n{GOOD}");
        let e = parse(&twice).unwrap_err();
        assert!(e.contains("scenario \"reset\": the name is taken"), "{e}");
    }

    #[test]
    fn placeholders_are_found_in_order() {
        assert_eq!(
            placeholder::names("a{{cognate:x}}b{{cognate:y.z}}{{cognate:"),
            ["x", "y.z"]
        );
    }

    #[test]
    fn the_embedded_scenarios_load() {
        let s = embedded(Catalogue::embedded()).unwrap();
        assert!(s.len() >= 6, "{} scenarios", s.len());
        let mut ids = std::collections::BTreeSet::new();
        for sc in &s {
            for st in &sc.steps {
                assert!(ids.insert(st.id.clone()), "duplicate id {}", st.id);
                assert!(st.expectation.evidence.contains('§'), "{}", sc.label(st));
            }
        }
        // The walk over every pool runs alone, after the others.
        let alone: Vec<&str> = s
            .iter()
            .filter(|sc| sc.alone)
            .map(|sc| sc.name.as_str())
            .collect();
        assert_eq!(alone, ["ListUserPools pagination"]);
        assert!(s
            .iter()
            .any(|sc| sc.steps.iter().any(|st| st.walk.is_some())));
    }
}
