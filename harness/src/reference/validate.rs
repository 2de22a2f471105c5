//! The reference target's input pipeline for one awsJson1_1 body: parse, type walk
//! (SerializationException) and constraint validation in the form of the Coral validator
//! (InvalidParameterException). Pure: bytes and the catalogue in, a normalised JSON value or a
//! [`Rejection`] out.
//!
//! Evidence (rows of `aws-behaviour.md`):
//! - §3 "malformed body or wrong headers": a body that is not JSON answers a bare
//!   `{"__type":"SerializationException"}`.
//! - §3 "wrong type: a map is expected": `"Message":"Expected map or null"` (capital `M`).
//! - §3 "wrong type: object where a string is expected": `Start of structure or map found where
//!   not expected.` The other type-mismatch wordings here are ours, in the same short style.
//! - §2 (all rows): `<N> validation error(s) detected: ` + items joined by `"; "`, members in
//!   alphabetical order, length before pattern, the value left out for sensitive members, list
//!   elements as `<list>.<i>.member`, `Value null at '<path>' ... Member must not be null`.
//! - §2 "enum violation": the enum set is printed in `java.util.HashSet` order, not model order
//!   (see [`java_hash_set_order`]).

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::model::{Catalogue, Kind, Member, Operation, Shape};

/// Why an input body was refused before the operation's semantics ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The body could not be read as the input shape: SerializationException, with the
    /// framework's capital-`Message` text when there is one.
    Serialization(Option<String>),
    /// Constraint violations, one item each, in the validator's order.
    Invalid(Vec<String>),
}

impl Rejection {
    /// The InvalidParameterException message for [`Rejection::Invalid`] items.
    pub fn validation_message(items: &[String]) -> String {
        let n = items.len();
        let noun = if n == 1 { "error" } else { "errors" };
        format!("{n} validation {noun} detected: {}", items.join("; "))
    }
}

/// Message for a top-level value that is neither an object nor `null` (§3).
pub const EXPECTED_MAP: &str = "Expected map or null";
/// Message for an object where a scalar or list is expected (§3).
pub const UNEXPECTED_STRUCTURE: &str = "Start of structure or map found where not expected.";
/// Message for an array where something else is expected (our wording, same style).
pub const UNEXPECTED_LIST: &str = "Start of list found where not expected.";

/// Parses, type-checks and validates one input body for `op`. On success the returned value is
/// the body normalised: an object, with `null` members and list entries dropped, unknown members
/// dropped, and everything else as sent.
pub fn check_input(cat: &Catalogue, op: &Operation, body: &[u8]) -> Result<Value, Rejection> {
    let value = parse_body(body)?;
    let Some(root) = op.input.as_deref().and_then(|n| cat.shape(n)) else {
        // An operation without input accepts any object and reads nothing from it.
        return Ok(Value::Object(Map::new()));
    };
    let normalised = walk(cat, root, &value).map_err(|m| Rejection::Serialization(Some(m)))?;
    let mut items = Vec::new();
    if let Kind::Structure { members } = &root.kind {
        check_members(cat, members, &normalised, "", root.sensitive, &mut items);
    }
    if items.is_empty() {
        Ok(normalised)
    } else {
        Err(Rejection::Invalid(items))
    }
}

/// Step 4 of the pipeline: empty or `null` is `{}`; not JSON is a bare SerializationException;
/// anything else that is not an object is "Expected map or null".
pub fn parse_body(body: &[u8]) -> Result<Value, Rejection> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    match serde_json::from_slice::<Value>(body) {
        Err(_) => Err(Rejection::Serialization(None)),
        Ok(Value::Null) => Ok(Value::Object(Map::new())),
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(Rejection::Serialization(Some(EXPECTED_MAP.to_owned()))),
    }
}

fn token(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "STRING_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::Bool(true) => "TRUE_VALUE",
        Value::Bool(false) => "FALSE_VALUE",
        Value::Null => "NULL_VALUE",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// The type walk: checks every present member against its shape's JSON type and returns the
/// normalised value. The error is the SerializationException message.
fn walk(cat: &Catalogue, shape: &Shape, v: &Value) -> Result<Value, String> {
    let scalar = |target: &str| -> String {
        match v {
            Value::Object(_) => UNEXPECTED_STRUCTURE.to_owned(),
            Value::Array(_) => UNEXPECTED_LIST.to_owned(),
            other => format!("{} can not be converted to {target}", token(other)),
        }
    };
    match &shape.kind {
        Kind::String { .. } => match v {
            Value::String(_) => Ok(v.clone()),
            _ => Err(scalar("a String")),
        },
        Kind::Integer { .. } => match v {
            Value::Number(n) if n.as_i64().is_some() => Ok(v.clone()),
            _ => Err(scalar("an Integer")),
        },
        Kind::Boolean => match v {
            Value::Bool(_) => Ok(v.clone()),
            _ => Err(scalar("a Boolean")),
        },
        Kind::Timestamp => match v {
            Value::Number(_) => Ok(v.clone()),
            _ => Err(scalar("a Date")),
        },
        Kind::Blob { .. } => match v {
            Value::String(s) => {
                if base64::engine::general_purpose::STANDARD
                    .decode(s.as_bytes())
                    .is_ok()
                {
                    Ok(v.clone())
                } else {
                    Err("Base64 encoded value is not valid".to_owned())
                }
            }
            _ => Err(scalar("a ByteBuffer")),
        },
        Kind::Document => Ok(v.clone()),
        Kind::List { member, .. } => {
            let Value::Array(items) = v else {
                return Err(match v {
                    Value::Object(_) => UNEXPECTED_STRUCTURE.to_owned(),
                    _ => "Expected list or null".to_owned(),
                });
            };
            let Some(elem) = cat.shape(member) else {
                return Ok(v.clone());
            };
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if !item.is_null() {
                    out.push(walk(cat, elem, item)?);
                }
            }
            Ok(Value::Array(out))
        }
        Kind::Map { value, .. } => {
            let Value::Object(entries) = v else {
                return Err(match v {
                    Value::Array(_) => UNEXPECTED_LIST.to_owned(),
                    _ => EXPECTED_MAP.to_owned(),
                });
            };
            let Some(val_shape) = cat.shape(value) else {
                return Ok(v.clone());
            };
            let mut out = Map::new();
            for (k, item) in entries {
                if !item.is_null() {
                    out.insert(k.clone(), walk(cat, val_shape, item)?);
                }
            }
            Ok(Value::Object(out))
        }
        Kind::Structure { members } => {
            let Value::Object(entries) = v else {
                return Err(match v {
                    Value::Array(_) => UNEXPECTED_LIST.to_owned(),
                    _ => EXPECTED_MAP.to_owned(),
                });
            };
            let mut out = Map::new();
            for m in members {
                let Some(item) = entries.get(&m.name) else {
                    continue;
                };
                if item.is_null() {
                    continue;
                }
                match cat.shape(&m.shape) {
                    Some(s) => out.insert(m.name.clone(), walk(cat, s, item)?),
                    None => out.insert(m.name.clone(), item.clone()),
                };
            }
            Ok(Value::Object(out))
        }
    }
}

/// `Password` → `password`, `MFAOptions` → `mFAOptions`: the member name with its first letter
/// lower-cased, as the validator writes paths (§2).
pub fn path_name(member: &str) -> String {
    let mut chars = member.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn join(path: &str, part: &str) -> String {
    if path.is_empty() {
        part.to_owned()
    } else {
        format!("{path}.{part}")
    }
}

/// Java's `toString` reading of a value, as the validator quotes it.
fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(display).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}={}", display(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

fn item(value: Option<&Value>, sensitive: bool, path: &str, rule: &str) -> String {
    match value {
        None => format!("Value null at '{path}' failed to satisfy constraint: Member must {rule}"),
        Some(_) if sensitive => {
            format!("Value at '{path}' failed to satisfy constraint: Member must {rule}")
        }
        Some(v) => format!(
            "Value '{}' at '{path}' failed to satisfy constraint: Member must {rule}",
            display(v)
        ),
    }
}

fn check_members(
    cat: &Catalogue,
    members: &[Member],
    obj: &Value,
    path: &str,
    sensitive: bool,
    out: &mut Vec<String>,
) {
    let mut sorted: Vec<(String, &Member)> =
        members.iter().map(|m| (path_name(&m.name), m)).collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, m) in sorted {
        let p = join(path, &name);
        let Some(shape) = cat.shape(&m.shape) else {
            continue;
        };
        match obj.get(&m.name) {
            None if m.required => match &shape.kind {
                // A missing required integer is read as 0, then checked against its range
                // (aws-behaviour-ops.md §1 ListUserPools "MaxResults left out", conf. A).
                Kind::Integer { min: Some(min), .. } if *min > 0 => out.push(item(
                    Some(&Value::from(0)),
                    false,
                    &p,
                    &format!("have value greater than or equal to {min}"),
                )),
                _ => out.push(item(None, false, &p, "not be null")),
            },
            None => {}
            Some(v) => check_value(cat, shape, v, &p, sensitive || shape.sensitive, out),
        }
    }
}

/// The length rules of one value: `have length greater/less than or equal to N`.
fn length_rules(len: u64, min: Option<u64>, max: Option<u64>, rules: &mut Vec<String>) {
    if let Some(min) = min {
        if len < min {
            rules.push(format!("have length greater than or equal to {min}"));
        }
    }
    if let Some(max) = max {
        if len > max {
            rules.push(format!("have length less than or equal to {max}"));
        }
    }
}

/// The rules a scalar or a collection's own size breaks, in the validator's order: length,
/// pattern, enum, value range.
fn own_rules(shape: &Shape, v: &Value) -> Vec<String> {
    let mut rules = Vec::new();
    match (&shape.kind, v) {
        (
            Kind::String {
                min,
                max,
                pattern,
                values,
            },
            Value::String(s),
        ) => {
            length_rules(s.chars().count() as u64, *min, *max, &mut rules);
            if let Some(p) = pattern {
                if !p.is_match(s) {
                    rules.push(format!("satisfy regular expression pattern: {}", p.java()));
                }
            }
            if let Some(values) = values {
                if !values.iter().any(|x| x == s) {
                    let shown: Vec<&str> = java_hash_set_order(values);
                    rules.push(format!("satisfy enum value set: [{}]", shown.join(", ")));
                }
            }
        }
        (Kind::Integer { min, max }, Value::Number(n)) => {
            if let Some(n) = n.as_i64() {
                if let Some(min) = min {
                    if n < *min {
                        rules.push(format!("have value greater than or equal to {min}"));
                    }
                }
                if let Some(max) = max {
                    if n > *max {
                        rules.push(format!("have value less than or equal to {max}"));
                    }
                }
            }
        }
        (Kind::Blob { min, max }, Value::String(s)) => {
            let len = base64::engine::general_purpose::STANDARD
                .decode(s.as_bytes())
                .map(|b| b.len() as u64)
                .unwrap_or(0);
            length_rules(len, *min, *max, &mut rules);
        }
        (Kind::List { min, max, .. }, Value::Array(items)) => {
            length_rules(items.len() as u64, *min, *max, &mut rules);
        }
        (Kind::Map { min, max, .. }, Value::Object(entries)) => {
            length_rules(entries.len() as u64, *min, *max, &mut rules);
        }
        _ => {}
    }
    rules
}

/// Java's `String.hashCode`, over UTF-16 code units.
fn java_string_hash(s: &str) -> u32 {
    s.encode_utf16().fold(0u32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(u32::from(unit))
    })
}

/// The iteration order of a `java.util.HashSet` built from `values` (`new HashSet<>(list)`):
/// buckets in index order, insertion order within a bucket.
///
/// The enum set in a validation message is not in model order: aws-behaviour.md §2 "enum
/// violation" (rosberglinhares/CloudFormationCognitoCustomResources#1) quotes
/// `[OPTIONAL, OFF, ON]` for the model's `OFF, ON, OPTIONAL`, which is exactly this order
/// (bucket indexes 0, 14 and 15 of 16). The validator evidently prints a HashSet.
pub fn java_hash_set_order(values: &[String]) -> Vec<&str> {
    // HashSet(Collection): initial capacity max(n / .75f + 1, 16), rounded up to a power of 2.
    let wanted = ((values.len() as f32 / 0.75) as usize + 1).max(16);
    let capacity = wanted.next_power_of_two();
    let bucket = |v: &str| {
        let h = java_string_hash(v);
        ((h ^ (h >> 16)) as usize) & (capacity - 1)
    };
    let mut seen: Vec<&str> = Vec::with_capacity(values.len());
    for v in values {
        if !seen.contains(&v.as_str()) {
            seen.push(v);
        }
    }
    // A stable sort keeps insertion order inside a bucket.
    seen.sort_by_key(|v| bucket(v));
    seen
}

fn check_value(
    cat: &Catalogue,
    shape: &Shape,
    v: &Value,
    path: &str,
    sensitive: bool,
    out: &mut Vec<String>,
) {
    for rule in own_rules(shape, v) {
        out.push(item(Some(v), sensitive, path, &rule));
    }
    match (&shape.kind, v) {
        (Kind::List { member, .. }, Value::Array(items)) => {
            if let Some(elem) = cat.shape(member) {
                let sens = sensitive || elem.sensitive;
                for (i, x) in items.iter().enumerate() {
                    let p = format!("{path}.{}.member", i + 1);
                    check_value(cat, elem, x, &p, sens, out);
                }
            }
        }
        (Kind::Map { key, value, .. }, Value::Object(entries)) => {
            let key_shape = cat.shape(key);
            let val_shape = cat.shape(value);
            for (k, x) in entries {
                if let Some(ks) = key_shape {
                    // Coral groups a key's broken rules into one item on the map itself.
                    let rules = own_rules(ks, &Value::String(k.clone()));
                    if !rules.is_empty() {
                        let rules: Vec<String> =
                            rules.iter().map(|r| format!("Member must {r}")).collect();
                        let shown = if sensitive || ks.sensitive {
                            "Value".to_owned()
                        } else {
                            format!("Value '{k}'")
                        };
                        out.push(format!(
                            "{shown} at '{path}' failed to satisfy constraint: Map keys must \
                             satisfy constraint: [{}]",
                            rules.join(", ")
                        ));
                    }
                }
                if let Some(vs) = val_shape {
                    let p = format!("{path}.{k}.member");
                    check_value(cat, vs, x, &p, sensitive || vs.sensitive, out);
                }
            }
        }
        (Kind::Structure { members }, Value::Object(_)) => {
            check_members(cat, members, v, path, sensitive, out);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> &'static Catalogue {
        Catalogue::embedded()
    }

    fn run(op: &str, body: &str) -> Result<Value, Rejection> {
        let c = cat();
        check_input(c, c.operation(op).unwrap(), body.as_bytes())
    }

    fn message(op: &str, body: &str) -> String {
        match run(op, body) {
            Err(Rejection::Invalid(items)) => Rejection::validation_message(&items),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn path_names_lower_the_first_letter_only() {
        assert_eq!(path_name("UserPoolId"), "userPoolId");
        assert_eq!(path_name("MFAOptions"), "mFAOptions");
        assert_eq!(path_name(""), "");
    }

    #[test]
    fn empty_and_null_bodies_are_empty_objects() {
        assert_eq!(parse_body(b"").unwrap(), serde_json::json!({}));
        assert_eq!(parse_body(b"  \n").unwrap(), serde_json::json!({}));
        assert_eq!(parse_body(b"null").unwrap(), serde_json::json!({}));
        assert_eq!(parse_body(b"{"), Err(Rejection::Serialization(None)));
        assert_eq!(
            parse_body(b"[]"),
            Err(Rejection::Serialization(Some(EXPECTED_MAP.into())))
        );
    }

    #[test]
    fn nulls_and_unknown_members_are_dropped() {
        let v = run(
            "ForgotPassword",
            r#"{"ClientId":"abc","Username":"u","SecretHash":null,"Extra":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(v, serde_json::json!({"ClientId":"abc","Username":"u"}));
    }

    #[test]
    fn user_pool_id_pattern_quotes_the_java_text() {
        // The message form of aws-behaviour.md §2 row 1 (anomalyco/guide#127). That row's value,
        // `YOUR_USER_POOL_ID`, matches the current pattern under Java's whole-value reading
        // (`[\w-]+` takes `YOUR_USER_POOL`, `_ID` the rest), so a value without `_` stands in.
        assert!(run(
            "AdminGetUser",
            r#"{"UserPoolId":"YOUR_USER_POOL_ID","Username":"bob"}"#
        )
        .is_ok());
        assert_eq!(
            message(
                "AdminGetUser",
                r#"{"UserPoolId":"YOUR-USER-POOL-ID","Username":"bob"}"#
            ),
            "1 validation error detected: Value 'YOUR-USER-POOL-ID' at 'userPoolId' failed to \
             satisfy constraint: Member must satisfy regular expression pattern: \
             [\\w-]+_[0-9a-zA-Z]+"
        );
    }

    #[test]
    fn nested_list_paths_and_lengths() {
        // aws-behaviour.md §2 "length on a nested list member" (aws/aws-cdk#14699).
        let m = message(
            "CreateUserPool",
            r#"{"PoolName":"p","Schema":[{"Name":"phone_number_verified"}]}"#,
        );
        assert_eq!(
            m,
            "1 validation error detected: Value 'phone_number_verified' at \
             'schema.1.member.name' failed to satisfy constraint: Member must have length less \
             than or equal to 20"
        );
    }

    #[test]
    fn integer_range_and_wrong_types() {
        // aws-behaviour.md §2 "integer range" (boto/boto3#1356).
        assert_eq!(
            message("ListUsers", r#"{"UserPoolId":"us-east-1_abc","Limit":100}"#),
            "1 validation error detected: Value '100' at 'limit' failed to satisfy constraint: \
             Member must have value less than or equal to 60"
        );
        assert!(matches!(
            run("ListUsers", r#"{"UserPoolId":"us-east-1_abc","Limit":1.5}"#),
            Err(Rejection::Serialization(Some(_)))
        ));
        assert_eq!(
            run("ListUsers", r#"{"UserPoolId":{"a":1}}"#),
            Err(Rejection::Serialization(Some(UNEXPECTED_STRUCTURE.into())))
        );
        assert_eq!(
            run("ListUsers", r#"{"UserPoolId":["a"]}"#),
            Err(Rejection::Serialization(Some(UNEXPECTED_LIST.into())))
        );
        assert_eq!(
            run("ListUsers", r#"{"UserPoolId":true}"#),
            Err(Rejection::Serialization(Some(
                "TRUE_VALUE can not be converted to a String".into()
            )))
        );
        assert_eq!(
            run(
                "ListUsers",
                r#"{"UserPoolId":"us-east-1_abc","AttributesToGet":"sub"}"#
            ),
            Err(Rejection::Serialization(Some(
                "Expected list or null".into()
            )))
        );
    }

    #[test]
    fn enum_sets_print_in_java_hash_set_order() {
        let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(java_string_hash("OFF"), 78159);
        assert_eq!(java_string_hash("OPTIONAL"), 703609696);
        // aws-behaviour.md §2 "enum violation".
        assert_eq!(
            java_hash_set_order(&v(&["OFF", "ON", "OPTIONAL"])),
            ["OPTIONAL", "OFF", "ON"]
        );
        assert_eq!(
            message(
                "CreateUserPool",
                r#"{"PoolName":"p","MfaConfiguration":"false"}"#
            ),
            "1 validation error detected: Value 'false' at 'mfaConfiguration' failed to satisfy \
             constraint: Member must satisfy enum value set: [OPTIONAL, OFF, ON]"
        );
    }

    #[test]
    fn map_keys_and_values() {
        let m = message(
            "CreateUserPool",
            r#"{"PoolName":"p","UserPoolTags":{"":"v"}}"#,
        );
        assert_eq!(
            m,
            "1 validation error detected: Value '' at 'userPoolTags' failed to satisfy \
             constraint: Map keys must satisfy constraint: [Member must have length greater \
             than or equal to 1]"
        );
        let long = "x".repeat(257);
        let m = message(
            "CreateUserPool",
            &format!(r#"{{"PoolName":"p","UserPoolTags":{{"k":"{long}"}}}}"#),
        );
        assert!(
            m.contains("at 'userPoolTags.k.member' failed to satisfy constraint: Member must have length less than or equal to 256"),
            "{m}"
        );
    }

    #[test]
    fn blob_must_be_base64() {
        let c = cat();
        // Any operation with a blob input member will do; find one.
        let (op, member) = c
            .operations
            .values()
            .find_map(|op| {
                c.input_members(op).iter().find_map(|m| {
                    c.shape(&m.shape)
                        .filter(|s| matches!(s.kind, Kind::Blob { .. }))
                        .map(|_| (op, m.name.clone()))
                })
            })
            .expect("the model has a blob input member");
        let body = format!(r#"{{"{member}":"***"}}"#);
        assert_eq!(
            check_input(c, op, body.as_bytes()),
            Err(Rejection::Serialization(Some(
                "Base64 encoded value is not valid".into()
            )))
        );
    }
}
