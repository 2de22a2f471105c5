//! Skeletons and input validation for hand-written requests: the JSON an operation takes or
//! answers, with placeholder values, as `aws --generate-cli-skeleton [input|output]` prints it,
//! and the list of every way an input breaks the operation's committed input schema, with
//! member paths in the CLI's dotted form (`UserAttributes[0].Value`). Operation names are
//! resolved here too, so the CLI's kebab-case names (`forgot-password`) work as well.

use std::fmt;

use serde_json::{Map, Value};
use thiserror::Error;

use crate::check::{abbreviate, one_line};
use crate::model::{Catalogue, Kind, Member, Operation, Shape};
use crate::redact;

/// The map key the AWS CLI's skeletons use.
const MAP_KEY: &str = "KeyName";
/// The AWS CLI prints the epoch for a timestamp.
const EPOCH: &str = "1970-01-01T00:00:00";
/// The longest value text (or member name) a violation shows, in characters.
const VALUE_CHARS: usize = 80;
/// A backstop for messages that quote schema text (patterns, enum values) as well as values.
const MESSAGE_CHARS: usize = 240;
/// How far (in edits, case and dashes aside) a name may be from the one suggested for it.
const SUGGEST_DISTANCE: usize = 2;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SkeletonError {
    #[error("no operation {:?} in the schemas{}", .name, did_you_mean(.suggestion))]
    UnknownOperation {
        name: String,
        suggestion: Option<String>,
    },
    #[error("{operation}: the schemas refer to shape {shape} but do not define it")]
    UnknownShape { operation: String, shape: String },
    #[error("the input schema of {operation} does not compile: {reason}")]
    Schema { operation: String, reason: String },
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" (did you mean {s}?)"))
        .unwrap_or_default()
}

/// Which side of an operation a skeleton shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Input,
    Output,
}

impl std::str::FromStr for Which {
    type Err = String;

    /// The values `--generate-cli-skeleton` takes.
    fn from_str(s: &str) -> Result<Which, String> {
        match s {
            "input" => Ok(Which::Input),
            "output" => Ok(Which::Output),
            other => Err(format!("{other:?} is neither \"input\" nor \"output\"")),
        }
    }
}

/// One way an input breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// The member, dotted as the CLI writes it (`UserAttributes[0].Value`, `ClientMetadata.key`);
    /// empty for the input as a whole.
    pub path: String,
    /// Short, one line; a value longer than 80 characters is cut, a sensitive one redacted.
    pub message: String,
    /// The JSON Schema keyword broken (`maxLength`, `required`, `additionalProperties` for a
    /// member the operation does not have), for callers that sort violations by kind.
    pub keyword: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// The operation a name means: its model name, or the AWS CLI's kebab-case name
/// (`forgot-password`, `admin-set-user-mfa-preference`). Any other near miss is an error that
/// suggests the closest operation.
pub fn resolve<'c>(cat: &'c Catalogue, name: &str) -> Result<&'c Operation, SkeletonError> {
    if let Some(op) = cat.operation(name) {
        return Ok(op);
    }
    let wanted = normalise(name);
    // The CLI's names lower-case acronyms (MFA → mfa), so they are matched with case and
    // dashes ignored rather than converted back.
    if name.contains(['-', '_']) {
        let mut matches = cat
            .operations
            .values()
            .filter(|op| normalise(&op.name) == wanted);
        if let (Some(op), None) = (matches.next(), matches.next()) {
            return Ok(op);
        }
    }
    Err(SkeletonError::UnknownOperation {
        name: name.to_owned(),
        suggestion: closest(name, cat.operations.keys().map(String::as_str)).map(str::to_owned),
    })
}

/// The skeleton of an operation's input or output: every member in model order, with the AWS
/// CLI's placeholders. A structure already being filled further up the path is `{}` there, so
/// recursive shapes end.
pub fn skeleton(cat: &Catalogue, operation: &str, which: Which) -> Result<Value, SkeletonError> {
    let op = resolve(cat, operation)?;
    let root = match which {
        Which::Input => op.input.clone(),
        Which::Output => root_shape(&op.output_schema),
    };
    match root {
        Some(root) => fill(cat, &op.name, &root, &mut Vec::new()),
        None => Ok(Value::Object(Map::new())),
    }
}

/// The shape a schema's root `$ref` names, as the model stage reads an input's.
fn root_shape(schema: &Value) -> Option<String> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .map(str::to_owned)
}

fn fill<'c>(
    cat: &'c Catalogue,
    operation: &str,
    shape: &str,
    path: &mut Vec<&'c str>,
) -> Result<Value, SkeletonError> {
    let s = cat
        .shape(shape)
        .ok_or_else(|| SkeletonError::UnknownShape {
            operation: operation.to_owned(),
            shape: shape.to_owned(),
        })?;
    Ok(match &s.kind {
        // The CLI leaves enums and blobs empty too, rather than pick a value.
        Kind::String { .. } | Kind::Blob { .. } => Value::String(String::new()),
        Kind::Timestamp => Value::String(EPOCH.to_owned()),
        Kind::Integer { .. } => Value::from(0),
        Kind::Boolean => Value::Bool(true),
        Kind::Document => Value::Object(Map::new()),
        Kind::List { member, .. } => Value::Array(vec![fill(cat, operation, member, path)?]),
        Kind::Map { value, .. } => {
            let mut m = Map::new();
            m.insert(MAP_KEY.to_owned(), fill(cat, operation, value, path)?);
            Value::Object(m)
        }
        Kind::Structure { members } => {
            if path.contains(&s.name.as_str()) {
                return Ok(Value::Object(Map::new()));
            }
            path.push(s.name.as_str());
            let mut m = Map::new();
            for member in members {
                m.insert(
                    member.name.clone(),
                    fill(cat, operation, &member.shape, path)?,
                );
            }
            path.pop();
            Value::Object(m)
        }
    })
}

/// Every way `input` breaks the operation's input schema, sorted by path. The committed schemas
/// leave structures open (unknown members pass them), so the schema is closed first: a member
/// the operation does not have is a violation, as it is to the AWS CLI.
///
/// The schema is compiled per call: `cognate call` checks one input, and the checker's cache
/// holds output schemas only.
pub fn validate_input(
    cat: &Catalogue,
    operation: &str,
    input: &Value,
) -> Result<Vec<Violation>, SkeletonError> {
    let op = resolve(cat, operation)?;
    if !input.is_object() {
        return Ok(vec![Violation {
            path: String::new(),
            message: "the input must be a JSON object".into(),
            keyword: "type".into(),
        }]);
    }
    let schema = if op.input_schema.is_object() {
        closed(&op.input_schema)
    } else {
        serde_json::json!({"type": "object", "additionalProperties": false})
    };
    let validator = jsonschema::draft202012::new(&schema).map_err(|e| SkeletonError::Schema {
        operation: op.name.clone(),
        reason: e.to_string(),
    })?;
    let secrets = redact::secrets(&op.sensitive, input);
    let ctx = Reading {
        cat,
        op,
        input,
        secrets: &secrets,
    };
    let mut out = Vec::new();
    for e in validator.iter_errors(input) {
        ctx.read(&e, &mut out);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.message.cmp(&b.message)));
    out.dedup();
    Ok(out)
}

/// The schema with every structure closed (`additionalProperties: false`). Maps keep theirs:
/// there it is the schema of the values.
fn closed(schema: &Value) -> Value {
    fn close(def: &mut Value) {
        if def.get("x-shape-type").and_then(Value::as_str) == Some("structure") {
            if let Some(m) = def.as_object_mut() {
                m.entry("additionalProperties")
                    .or_insert(Value::Bool(false));
            }
        }
    }
    let mut schema = schema.clone();
    close(&mut schema);
    if let Some(defs) = schema.get_mut("$defs").and_then(Value::as_object_mut) {
        defs.values_mut().for_each(close);
    }
    schema
}

/// What turning validation errors into violations looks at.
struct Reading<'a> {
    cat: &'a Catalogue,
    op: &'a Operation,
    input: &'a Value,
    secrets: &'a [String],
}

impl Reading<'_> {
    fn read(&self, e: &jsonschema::ValidationError<'_>, out: &mut Vec<Violation>) {
        use jsonschema::error::ValidationErrorKind as K;
        let at = segments(e.instance_path().as_str());
        let member = |name: &str| {
            let mut path = at.clone();
            path.push(name.to_owned());
            self.dotted(&path)
        };
        match e.kind() {
            // One violation per member, at the member, so each sorts and reads on its own.
            K::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    out.push(Violation {
                        path: member(name.as_str()),
                        message: self.unknown_member(&at, name),
                        keyword: "additionalProperties".into(),
                    });
                }
            }
            K::Required { property } => {
                let name = property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_owned);
                out.push(Violation {
                    path: member(name.as_str()),
                    message: "required member is missing".into(),
                    keyword: "required".into(),
                });
            }
            // The inner error judges the name itself; it is reported at the entry it names.
            K::PropertyNames { error } => {
                let name = error
                    .instance()
                    .as_str()
                    .map_or_else(|| error.instance().to_string(), str::to_owned);
                let shown = self.shown(error.instance());
                out.push(Violation {
                    path: member(name.as_str()),
                    message: self.tidy(&format!("key {}", error.masked_with(shown))),
                    keyword: "propertyNames".into(),
                });
            }
            kind => {
                let shown = self.shown(e.instance());
                out.push(Violation {
                    path: self.dotted(&at),
                    message: self.tidy(&e.masked_with(shown).to_string()),
                    keyword: kind.keyword().to_owned(),
                });
            }
        }
    }

    /// A value as a message may quote it: secrets redacted, on one line, at most
    /// [`VALUE_CHARS`] characters.
    fn shown(&self, v: &Value) -> String {
        let text = redacted(v, self.secrets).to_string();
        abbreviate(&one_line(&text), VALUE_CHARS)
    }

    fn tidy(&self, message: &str) -> String {
        abbreviate(
            &one_line(&redact::redact(message, self.secrets)),
            MESSAGE_CHARS,
        )
    }

    fn unknown_member(&self, at: &[String], name: &str) -> String {
        let shown = format!("{:?}", abbreviate(&one_line(name), VALUE_CHARS));
        let structure = self
            .op
            .input
            .as_deref()
            .and_then(|root| shape_at(self.cat, root, at))
            .and_then(|s| match &s.kind {
                Kind::Structure { members } => Some((s.name.as_str(), members.as_slice())),
                _ => None,
            });
        match structure {
            Some((owner, members)) => {
                let hint = closest(name, members.iter().map(|m: &Member| m.name.as_str()))
                    .map(|m| format!(" (did you mean {m:?}?)"))
                    .unwrap_or_default();
                format!("{shown} is not a member of {owner}{hint}")
            }
            None => format!("{shown} is not a member of {}", self.op.name),
        }
    }

    /// Pointer segments in the CLI's form: `[i]` for an array index, `.name` otherwise. The
    /// input decides which a numeric segment is, since a map may have a key `0`.
    fn dotted(&self, path: &[String]) -> String {
        let mut out = String::new();
        let mut at = Some(self.input);
        for seg in path {
            match (at, seg.parse::<usize>()) {
                (Some(Value::Array(items)), Ok(i)) => {
                    out.push_str(&format!("[{i}]"));
                    at = items.get(i);
                }
                _ => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(&abbreviate(&one_line(seg), VALUE_CHARS));
                    at = at.and_then(|v| v.get(seg.as_str()));
                }
            }
        }
        out
    }
}

/// A JSON pointer's segments, unescaped.
fn segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// The shape at these pointer segments below a root shape: members by name, list items and map
/// values whatever the segment.
fn shape_at<'c>(cat: &'c Catalogue, root: &str, path: &[String]) -> Option<&'c Shape> {
    let mut shape = cat.shape(root)?;
    for seg in path {
        let next = match &shape.kind {
            Kind::Structure { members } => &members.iter().find(|m| m.name == *seg)?.shape,
            Kind::List { member, .. } => member,
            Kind::Map { value, .. } => value,
            _ => return None,
        };
        shape = cat.shape(next)?;
    }
    Some(shape)
}

/// `v` with every secret in its strings (keys too) redacted.
fn redacted(v: &Value, secrets: &[String]) -> Value {
    match v {
        Value::String(s) => Value::String(redact::redact(s, secrets)),
        Value::Array(items) => Value::Array(items.iter().map(|i| redacted(i, secrets)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, i)| (redact::redact(k, secrets), redacted(i, secrets)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Lower case without dashes or underscores: `forgot-password` and `ForgotPassword` agree.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The candidate `name` most likely means: one equal to it with case and dashes ignored, else
/// the nearest within [`SUGGEST_DISTANCE`] edits (the first of equals, for a stable answer).
fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = normalise(name);
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let d = edit_distance(&wanted, &normalise(c));
        if d == 0 {
            return Some(c);
        }
        if d <= SUGGEST_DISTANCE && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object().unwrap().keys().map(String::as_str).collect()
    }

    fn violations(op: &str, input: Value) -> Vec<Violation> {
        validate_input(Catalogue::embedded(), op, &input).unwrap()
    }

    #[test]
    fn forgot_password_input_has_every_member_in_model_order() {
        let s = skeleton(Catalogue::embedded(), "ForgotPassword", Which::Input).unwrap();
        assert_eq!(
            keys(&s),
            [
                "ClientId",
                "SecretHash",
                "UserContextData",
                "Username",
                "AnalyticsMetadata",
                "ClientMetadata"
            ]
        );
        assert_eq!(s["ClientId"], "");
        assert_eq!(keys(&s["UserContextData"]), ["IpAddress", "EncodedData"]);
        assert_eq!(s["ClientMetadata"], json!({"KeyName": ""}));
        assert_eq!(s["AnalyticsMetadata"], json!({"AnalyticsEndpointId": ""}));
    }

    #[test]
    fn output_skeletons_use_the_cli_placeholders() {
        let cat = Catalogue::embedded();
        let fp = skeleton(cat, "ForgotPassword", Which::Output).unwrap();
        // Compared as text: map equality ignores order.
        assert_eq!(
            fp.to_string(),
            r#"{"CodeDeliveryDetails":{"Destination":"","DeliveryMedium":"","AttributeName":""}}"#
        );
        let user = skeleton(cat, "AdminGetUser", Which::Output).unwrap();
        assert_eq!(user["UserCreateDate"], EPOCH);
        assert_eq!(user["Enabled"], true);
        assert_eq!(user["UserStatus"], "", "an enum is left empty");
        assert_eq!(user["UserAttributes"], json!([{"Name": "", "Value": ""}]));
        assert_eq!(
            skeleton(cat, "DeleteGroup", Which::Output).unwrap(),
            json!({}),
            "an operation without output"
        );
    }

    #[test]
    fn recursive_shapes_end_at_the_second_visit() {
        let op = json!({
            "operation": "Walk", "target": "T.Walk", "auth": "none",
            "input": {"$ref": "#/$defs/WalkRequest", "$defs": {
                "WalkRequest": {"x-shape-type": "structure", "type": "object", "properties": {
                    "Root": {"$ref": "#/$defs/Node"}}},
                "Node": {"x-shape-type": "structure", "type": "object", "properties": {
                    "Name": {"$ref": "#/$defs/Str"},
                    "Next": {"$ref": "#/$defs/Node"},
                    "Children": {"$ref": "#/$defs/Nodes"}}},
                "Nodes": {"x-shape-type": "list", "type": "array",
                    "items": {"$ref": "#/$defs/Node"}},
                "Str": {"x-shape-type": "string", "type": "string"}
            }},
            "output": {}
        });
        let cat =
            Catalogue::from_files([("operations/Walk.json".to_owned(), op.to_string())]).unwrap();
        assert_eq!(
            skeleton(&cat, "Walk", Which::Input).unwrap().to_string(),
            r#"{"Root":{"Name":"","Next":{},"Children":[{}]}}"#
        );
        assert_eq!(skeleton(&cat, "Walk", Which::Output).unwrap(), json!({}));
    }

    #[test]
    fn every_operation_has_both_skeletons() {
        let cat = Catalogue::embedded();
        assert_eq!(cat.operations.len(), 141);
        for name in cat.operations.keys() {
            for which in [Which::Input, Which::Output] {
                let s =
                    skeleton(cat, name, which).unwrap_or_else(|e| panic!("{name} {which:?}: {e}"));
                assert!(s.is_object(), "{name} {which:?}: {s}");
            }
        }
    }

    /// The skeleton and the schema describe the same structure: filling a skeleton in can only
    /// break value constraints (an empty enum, a pattern), never a member or a type.
    #[test]
    fn every_input_skeleton_fits_the_schema_structurally() {
        let cat = Catalogue::embedded();
        for name in cat.operations.keys() {
            let s = skeleton(cat, name, Which::Input).unwrap();
            let structural: Vec<String> = validate_input(cat, name, &s)
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .into_iter()
                .filter(|v| v.keyword == "additionalProperties" || v.keyword == "type")
                .map(|v| v.to_string())
                .collect();
            assert!(structural.is_empty(), "{name}: {structural:?}");
        }
    }

    #[test]
    fn kebab_case_names_are_accepted_and_near_misses_suggested() {
        let cat = Catalogue::embedded();
        assert_eq!(
            skeleton(cat, "forgot-password", Which::Input).unwrap(),
            skeleton(cat, "ForgotPassword", Which::Input).unwrap()
        );
        assert_eq!(
            resolve(cat, "admin-set-user-mfa-preference").unwrap().name,
            "AdminSetUserMFAPreference"
        );
        for (typed, suggested) in [
            ("forgotpassword", Some("ForgotPassword")),
            ("ForgotPasword", Some("ForgotPassword")),
            ("Nonsense", None),
        ] {
            let err = skeleton(cat, typed, Which::Input).unwrap_err();
            assert_eq!(
                err,
                SkeletonError::UnknownOperation {
                    name: typed.to_owned(),
                    suggestion: suggested.map(str::to_owned),
                }
            );
        }
        let err = resolve(cat, "forgotpassword").unwrap_err().to_string();
        assert!(err.contains("did you mean ForgotPassword?"), "{err}");
    }

    #[test]
    fn a_valid_input_has_no_violations() {
        let v = violations(
            "ForgotPassword",
            json!({"ClientId": "abc123", "Username": "alice",
                "ClientMetadata": {"k": "v"}, "UserContextData": {"IpAddress": "1.2.3.4"}}),
        );
        assert!(v.is_empty(), "{v:?}");
        let v = violations(
            "forgot-password",
            json!({"ClientId": "abc123", "Username": "alice"}),
        );
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn a_username_too_long_is_reported_at_username_without_its_value() {
        let long = "a".repeat(129);
        let v = violations(
            "ForgotPassword",
            json!({"ClientId": "abc123", "Username": long}),
        );
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].path, "Username");
        assert_eq!(v[0].keyword, "maxLength");
        assert!(v[0].message.contains("128"), "{}", v[0].message);
        assert!(!v[0].message.contains(&long), "{}", v[0].message);
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        // AttributeType.Name is not sensitive, so it is shown, but shortened.
        let long = "n".repeat(200);
        let v = violations(
            "SignUp",
            json!({"ClientId": "abc123", "Username": "alice",
                "UserAttributes": [{"Name": "email", "Value": "a@example.com"}, {"Name": long}]}),
        );
        let name = v
            .iter()
            .find(|v| v.path == "UserAttributes[1].Name" && v.keyword == "maxLength")
            .unwrap_or_else(|| panic!("{v:?}"));
        assert!(name.message.contains('…'), "{}", name.message);
        assert!(!name.message.contains(&long));
        assert!(
            name.message.chars().count() < 2 * VALUE_CHARS,
            "{}",
            name.message
        );
    }

    #[test]
    fn unknown_members_are_named_with_a_suggestion() {
        let v = violations(
            "ForgotPassword",
            json!({"ClientId": "abc123", "Username": "alice", "Usrname": "x",
                "UserContextData": {"IpAdress": "1.2.3.4"}}),
        );
        let paths: Vec<&str> = v.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(paths, ["UserContextData.IpAdress", "Usrname"], "{v:?}");
        assert!(v.iter().all(|v| v.keyword == "additionalProperties"));
        assert!(v[1].message.contains("\"Usrname\""), "{}", v[1].message);
        assert!(
            v[1].message.contains("ForgotPasswordRequest"),
            "{}",
            v[1].message
        );
        assert!(v[1].message.contains("\"Username\""), "{}", v[1].message);
        assert!(v[0].message.contains("\"IpAddress\""), "{}", v[0].message);
    }

    #[test]
    fn every_violation_is_listed_in_path_order() {
        let v = violations(
            "ForgotPassword",
            json!({"Username": "a".repeat(129), "ClientMetadata": {"key": 5}}),
        );
        let found: Vec<(&str, &str)> = v
            .iter()
            .map(|v| (v.path.as_str(), v.keyword.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("ClientId", "required"),
                ("ClientMetadata.key", "type"),
                ("Username", "maxLength"),
            ],
            "{v:?}"
        );
    }

    #[test]
    fn a_non_object_input_is_one_violation_at_the_top() {
        for input in [json!([]), json!("x"), json!(null)] {
            let v = violations("ForgotPassword", input);
            assert_eq!(v.len(), 1);
            assert_eq!(v[0].path, "");
            assert_eq!(v[0].message, "the input must be a JSON object");
        }
    }

    #[test]
    fn paths_read_array_indexes_from_the_input() {
        let cat = Catalogue::embedded();
        let input = json!({"A": [{"B": 1}], "M": {"0": 1}});
        let op = cat.operation("ForgotPassword").unwrap();
        let r = Reading {
            cat,
            op,
            input: &input,
            secrets: &[],
        };
        assert_eq!(r.dotted(&segments("/A/0/B")), "A[0].B");
        assert_eq!(r.dotted(&segments("/M/0")), "M.0");
        assert_eq!(r.dotted(&segments("")), "");
        assert_eq!(segments("/a~1b/c~0d"), ["a/b", "c~d"]);
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
