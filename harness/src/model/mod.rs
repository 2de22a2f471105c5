//! The model stage: `schemas/` read into a typed [`Catalogue`] of operations, shapes, constraints,
//! documented errors, auth and sensitivity. The committed schemas are embedded in the binary, so
//! it works from any directory; `--schemas DIR` reads another copy instead.

pub mod import;
pub mod wire;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use include_dir::{include_dir, Dir};
use serde_json::Value;
use thiserror::Error;

use crate::dialect::{DialectError, Pattern};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../schemas");

#[derive(Debug, Error)]
pub enum ModelError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not valid JSON: {source}")]
    Json {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
    #[error("{path}: shape {shape}: {source}")]
    Pattern {
        path: String,
        shape: String,
        #[source]
        source: DialectError,
    },
    #[error("{0} holds no operations/*.json: is it a schemas directory?")]
    Empty(String),
}

/// How an operation is authorised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    None,
    Sigv4,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub name: String,
    /// The `X-Amz-Target` header value.
    pub target: String,
    pub auth: Auth,
    /// Documented exception names, in model order.
    pub errors: Vec<String>,
    /// Paths of sensitive input values (`/Password`, `/UserAttributes/*/Value`).
    pub sensitive: Vec<String>,
    /// Root shape of the input; `None` for an operation without input.
    pub input: Option<String>,
    pub input_schema: Value,
    /// Shared, so a checker can compile it when first needed without copying it.
    pub output_schema: Arc<Value>,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub shape: String,
    pub required: bool,
    pub deprecated: bool,
}

#[derive(Debug, Clone)]
pub enum Kind {
    String {
        min: Option<u64>,
        max: Option<u64>,
        pattern: Option<Pattern>,
        values: Option<Vec<String>>,
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Boolean,
    Blob {
        min: Option<u64>,
        max: Option<u64>,
    },
    Timestamp,
    List {
        member: String,
        min: Option<u64>,
        max: Option<u64>,
    },
    Map {
        key: String,
        value: String,
        min: Option<u64>,
        max: Option<u64>,
    },
    Structure {
        members: Vec<Member>,
    },
    Document,
}

#[derive(Debug, Clone)]
pub struct Shape {
    pub name: String,
    pub sensitive: bool,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub struct Exception {
    pub name: String,
    /// `true` for a server fault (InternalErrorException), answered with a 5xx.
    pub server_fault: bool,
}

/// Everything the model says, typed.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub operations: BTreeMap<String, Operation>,
    pub exceptions: BTreeMap<String, Exception>,
    pub shapes: HashMap<String, Shape>,
    by_target: HashMap<String, String>,
}

impl Catalogue {
    /// The schemas compiled into the binary, parsed once per process.
    pub fn embedded() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| {
            let files = EMBEDDED
                .find("**/*.json")
                .expect("a literal glob")
                .filter_map(|e| e.as_file())
                .map(|f| {
                    (
                        f.path().to_string_lossy().replace('\\', "/"),
                        f.contents_utf8().unwrap_or_default().to_owned(),
                    )
                });
            Catalogue::from_files(files).expect("the committed schemas load (tested)")
        })
    }

    /// Reads a `schemas/` directory from disk.
    pub fn load_dir(dir: &Path) -> Result<Catalogue, ModelError> {
        let mut files = Vec::new();
        for sub in ["operations", ""] {
            let d = dir.join(sub);
            let entries = std::fs::read_dir(&d).map_err(|source| ModelError::Io {
                path: d.display().to_string(),
                source,
            })?;
            for e in entries {
                let e = e.map_err(|source| ModelError::Io {
                    path: d.display().to_string(),
                    source,
                })?;
                let p = e.path();
                if p.extension().is_some_and(|x| x == "json") && p.is_file() {
                    let text = std::fs::read_to_string(&p).map_err(|source| ModelError::Io {
                        path: p.display().to_string(),
                        source,
                    })?;
                    let rel = if sub.is_empty() {
                        e.file_name().to_string_lossy().into_owned()
                    } else {
                        format!("{sub}/{}", e.file_name().to_string_lossy())
                    };
                    files.push((rel, text));
                }
            }
        }
        let c = Catalogue::from_files(files)?;
        if c.operations.is_empty() {
            return Err(ModelError::Empty(dir.display().to_string()));
        }
        // Patterns compile on first use; a directory from disk has them all checked now, so that
        // a bad one is an error at load and not a value silently rejected later. In name order:
        // of several bad ones, the same is reported each time.
        let mut shapes: Vec<&Shape> = c.shapes.values().collect();
        shapes.sort_by(|a, b| a.name.cmp(&b.name));
        for shape in shapes {
            if let Kind::String {
                pattern: Some(p), ..
            } = &shape.kind
            {
                p.compiled().map_err(|source| ModelError::Pattern {
                    path: dir.display().to_string(),
                    shape: shape.name.clone(),
                    source,
                })?;
            }
        }
        Ok(c)
    }

    /// Builds the catalogue from `(path relative to schemas/, contents)` pairs.
    pub fn from_files(
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Catalogue, ModelError> {
        let mut c = Catalogue::default();
        // Shapes share patterns (64 patterned shapes, 42 patterns): one `Pattern` each.
        let mut patterns = HashMap::new();
        for (path, text) in files {
            let is_op = path.starts_with("operations/");
            if !is_op && path != "exceptions.json" {
                continue;
            }
            let doc: Value = serde_json::from_str(&text).map_err(|source| ModelError::Json {
                path: path.clone(),
                source,
            })?;
            if is_op {
                c.add_operation(&path, doc, &mut patterns)?;
            } else {
                c.add_exceptions(&path, &doc)?;
            }
        }
        Ok(c)
    }

    fn add_operation(
        &mut self,
        path: &str,
        mut doc: Value,
        patterns: &mut HashMap<String, Pattern>,
    ) -> Result<(), ModelError> {
        let invalid = |reason: &str| ModelError::Invalid {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        let s = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_owned);
        let list = |k: &str| -> Vec<String> {
            doc.get(k)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let name = s("operation").ok_or_else(|| invalid("no \"operation\""))?;
        let target = s("target").ok_or_else(|| invalid("no \"target\""))?;
        let auth = match s("auth").as_deref() {
            Some("none") => Auth::None,
            Some("sigv4") => Auth::Sigv4,
            _ => return Err(invalid("\"auth\" is neither \"none\" nor \"sigv4\"")),
        };
        let errors = list("errors");
        let sensitive = list("sensitive");
        let input_schema = doc.get_mut("input").map(Value::take).unwrap_or(Value::Null);
        let output_schema = doc
            .get_mut("output")
            .map(Value::take)
            .unwrap_or(Value::Null);
        let input = input_schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .map(str::to_owned);
        for schema in [&input_schema, &output_schema] {
            if let Some(defs) = schema.get("$defs").and_then(Value::as_object) {
                for (shape, def) in defs {
                    if !self.shapes.contains_key(shape) {
                        let parsed = parse_shape(path, shape, def, patterns)?;
                        self.shapes.insert(shape.clone(), parsed);
                    }
                }
            }
        }
        self.by_target.insert(target.clone(), name.clone());
        self.operations.insert(
            name.clone(),
            Operation {
                errors,
                sensitive,
                name,
                target,
                auth,
                input,
                input_schema,
                output_schema: Arc::new(relax_output(output_schema)),
            },
        );
        Ok(())
    }

    fn add_exceptions(&mut self, path: &str, doc: &Value) -> Result<(), ModelError> {
        let map = doc.as_object().ok_or_else(|| ModelError::Invalid {
            path: path.to_owned(),
            reason: "not an object".into(),
        })?;
        for (name, e) in map {
            self.exceptions.insert(
                name.clone(),
                Exception {
                    name: name.clone(),
                    server_fault: e.get("fault").and_then(Value::as_str) == Some("server"),
                },
            );
        }
        Ok(())
    }

    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.get(name)
    }

    /// The operation an `X-Amz-Target` value names.
    pub fn by_target(&self, target: &str) -> Option<&Operation> {
        self.by_target
            .get(target)
            .and_then(|n| self.operations.get(n))
    }

    pub fn shape(&self, name: &str) -> Option<&Shape> {
        self.shapes.get(name)
    }

    /// The members of the operation's input structure, in model order.
    pub fn input_members(&self, op: &Operation) -> &[Member] {
        match op
            .input
            .as_deref()
            .and_then(|i| self.shape(i))
            .map(|s| &s.kind)
        {
            Some(Kind::Structure { members }) => members,
            _ => &[],
        }
    }

    /// The shape at a dotted member path below a structure (`UserContextData.IpAddress`).
    pub fn member_at(&self, root: &str, path: &str) -> Option<(&Member, &Shape)> {
        let mut shape = self.shape(root)?;
        let mut found = None;
        for part in path.split('.') {
            let Kind::Structure { members } = &shape.kind else {
                return None;
            };
            let m = members.iter().find(|m| m.name == part)?;
            shape = self.shape(&m.shape)?;
            found = Some((m, shape));
        }
        found
    }
}

fn parse_shape(
    path: &str,
    name: &str,
    def: &Value,
    patterns: &mut HashMap<String, Pattern>,
) -> Result<Shape, ModelError> {
    let invalid = |reason: String| ModelError::Invalid {
        path: path.to_owned(),
        reason: format!("shape {name}: {reason}"),
    };
    let u = |k: &str| def.get(k).and_then(Value::as_u64);
    let i = |k: &str| def.get(k).and_then(Value::as_i64);
    let reference = |v: Option<&Value>| -> Result<String, ModelError> {
        v.and_then(|v| v.get("$ref"))
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .map(str::to_owned)
            .ok_or_else(|| invalid("missing $ref".into()))
    };
    let ty = def
        .get("x-shape-type")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("no x-shape-type".into()))?;
    let kind = match ty {
        "string" => Kind::String {
            min: u("minLength"),
            max: u("maxLength"),
            pattern: match def.get("x-java-pattern").and_then(Value::as_str) {
                Some(p) => Some(match patterns.get(p) {
                    Some(known) => known.clone(),
                    None => {
                        let new = Pattern::deferred(p).map_err(|source| ModelError::Pattern {
                            path: path.to_owned(),
                            shape: name.to_owned(),
                            source,
                        })?;
                        patterns.insert(p.to_owned(), new.clone());
                        new
                    }
                }),
                None => None,
            },
            values: def.get("enum").and_then(Value::as_array).map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            }),
        },
        "integer" | "long" => Kind::Integer {
            min: i("minimum"),
            max: i("maximum"),
        },
        "boolean" => Kind::Boolean,
        "blob" => Kind::Blob {
            min: u("x-min-bytes"),
            max: u("x-max-bytes"),
        },
        "timestamp" => Kind::Timestamp,
        "list" => Kind::List {
            member: reference(def.get("items"))?,
            min: u("minItems"),
            max: u("maxItems"),
        },
        "map" => Kind::Map {
            key: reference(def.get("propertyNames"))?,
            value: reference(def.get("additionalProperties"))?,
            min: u("minProperties"),
            max: u("maxProperties"),
        },
        "document" => Kind::Document,
        "structure" => {
            let required: Vec<&str> = def
                .get("required")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut members = Vec::new();
            if let Some(props) = def.get("properties").and_then(Value::as_object) {
                for (m, p) in props {
                    members.push(Member {
                        name: m.clone(),
                        shape: reference(Some(p))?,
                        required: required.contains(&m.as_str()),
                        deprecated: p.get("deprecated").and_then(Value::as_bool) == Some(true),
                    });
                }
            }
            Kind::Structure { members }
        }
        other => return Err(invalid(format!("unknown x-shape-type {other:?}"))),
    };
    Ok(Shape {
        name: name.to_owned(),
        sensitive: def.get("x-sensitive").and_then(Value::as_bool) == Some(true),
        kind,
    })
}

/// An output schema without the value constraints of its shapes (lengths, patterns, ranges),
/// which the service enforces on input only: clients never check them on output, and real
/// Cognito answers outside them (the standard attribute `phone_number_verified`, 21 characters,
/// in SchemaAttributes whose names the model limits to 20; aws-behaviour-ops.md §1
/// CreateUserPool "default schema entry"). Types, required members and enums stay.
fn relax_output(mut schema: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in [
                    "maxLength",
                    "minLength",
                    "pattern",
                    "x-java-pattern",
                    "minimum",
                    "maximum",
                    "maxItems",
                    "minItems",
                    "maxProperties",
                    "minProperties",
                ] {
                    if m.get(k).is_some_and(|c| c.is_number() || c.is_string()) {
                        m.remove(k);
                    }
                }
                m.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut schema);
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogue_has_every_operation() {
        let c = Catalogue::embedded();
        assert_eq!(c.operations.len(), 141);
        let fp = c.operation("ForgotPassword").unwrap();
        assert_eq!(fp.auth, Auth::None);
        assert_eq!(
            c.by_target("AWSCognitoIdentityProviderService.ForgotPassword")
                .map(|o| o.name.as_str()),
            Some("ForgotPassword")
        );
        assert!(c.exceptions["InternalErrorException"].server_fault);
        assert!(!c.exceptions["InvalidParameterException"].server_fault);
        let (m, s) = c
            .member_at("ForgotPasswordRequest", "UserContextData.IpAddress")
            .unwrap();
        assert!(!m.required);
        assert!(matches!(
            s.kind,
            Kind::String {
                max: Some(131072),
                ..
            }
        ));
    }

    /// The embedded catalogue compiles its patterns on first use; this is where a bad one would
    /// show.
    #[test]
    fn embedded_patterns_compile_and_are_shared() {
        let c = Catalogue::embedded();
        let mut distinct = std::collections::HashSet::new();
        let mut patterned = 0;
        for shape in c.shapes.values() {
            if let Kind::String {
                pattern: Some(p), ..
            } = &shape.kind
            {
                p.compiled()
                    .unwrap_or_else(|e| panic!("{}: {e}", shape.name));
                patterned += 1;
                distinct.insert(p.java().to_owned());
            }
        }
        assert!(patterned > 60, "{patterned} patterned shapes");
        assert!(distinct.len() < patterned, "shapes share patterns");
    }

    #[test]
    fn a_directory_with_a_pattern_that_does_not_compile_is_an_error_at_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("operations")).unwrap();
        std::fs::write(dir.path().join("exceptions.json"), "{}").unwrap();
        // Translates (a repetition bound is plain syntax) but exceeds the regex size limits.
        let op = serde_json::json!({
            "operation": "Op", "target": "T.Op", "auth": "none",
            "input": {"$ref": "#/$defs/OpRequest", "$defs": {
                "OpRequest": {"x-shape-type": "structure", "type": "object", "properties": {
                    "A": {"$ref": "#/$defs/Huge"}}},
                "Huge": {"x-shape-type": "string", "type": "string",
                    "x-java-pattern": "([\\p{L}]{1000}){1000}"}
            }},
            "output": {}
        });
        std::fs::write(dir.path().join("operations/Op.json"), op.to_string()).unwrap();
        let err = Catalogue::load_dir(dir.path()).unwrap_err();
        assert!(
            matches!(&err, ModelError::Pattern { shape, source: DialectError::Compile { .. }, .. }
                if shape == "Huge"),
            "{err}"
        );
    }
}
