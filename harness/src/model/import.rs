//! `service-2.json` → the files of `schemas/`: one JSON document per operation (input and output
//! as self-contained JSON Schema 2020-12), one for the exceptions, an index, and the model itself
//! with its documentation prose removed. Pure: text in, file contents out.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::dialect::{DialectError, Pattern};

pub const SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";
/// Where the prose-free model copy lives inside `schemas/`.
pub const MODEL_COPY: &str = "model/cognito-idp-2016-04-18.service-2.json";

/// Keys that carry prose, not constraints; they never enter the repository.
const PROSE_KEYS: &[&str] = &["documentation", "deprecatedMessage", "documentationUrl"];

#[derive(Debug, Error)]
pub enum ImportError {
    #[error("the model is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the model has no {0}")]
    Missing(&'static str),
    #[error("shape {shape}: {reason}")]
    Shape { shape: String, reason: String },
    #[error("shape {shape}: {source}")]
    Pattern {
        shape: String,
        #[source]
        source: DialectError,
    },
}

/// Every file `schemas/` holds, by path relative to it, with its exact contents.
pub type Files = BTreeMap<String, String>;

pub fn import(model_text: &str) -> Result<Files, ImportError> {
    let mut model: Value = serde_json::from_str(model_text)?;
    strip_prose(&mut model);
    let shapes = model
        .get("shapes")
        .and_then(Value::as_object)
        .ok_or(ImportError::Missing("shapes"))?;
    let operations = model
        .get("operations")
        .and_then(Value::as_object)
        .ok_or(ImportError::Missing("operations"))?;
    let prefix = model
        .pointer("/metadata/targetPrefix")
        .and_then(Value::as_str)
        .ok_or(ImportError::Missing("metadata.targetPrefix"))?;

    let conv = Converter { shapes };
    let mut files = Files::new();
    let mut index = Vec::new();
    for (name, op) in operations {
        let auth = if op.get("authtype").and_then(Value::as_str) == Some("none") {
            "none"
        } else {
            "sigv4"
        };
        let input = op.pointer("/input/shape").and_then(Value::as_str);
        let output = op.pointer("/output/shape").and_then(Value::as_str);
        let errors: Vec<&str> = op
            .get("errors")
            .and_then(Value::as_array)
            .map(|e| e.iter().filter_map(|e| e["shape"].as_str()).collect())
            .unwrap_or_default();
        let target = format!("{prefix}.{name}");
        let input_schema = match input {
            Some(s) => conv.root_schema(s)?,
            None => empty_object_schema(),
        };
        let sensitive = match input {
            Some(s) => {
                let mut out = Vec::new();
                conv.sensitive_paths(s, String::new(), &mut BTreeSet::new(), &mut out)?;
                out
            }
            None => Vec::new(),
        };
        let output_schema = match output {
            Some(s) => conv.root_schema(s)?,
            None => empty_object_schema(),
        };
        let doc = json!({
            "operation": name,
            "target": target,
            "auth": auth,
            "errors": errors,
            "sensitive": sensitive,
            "input": input_schema,
            "output": output_schema,
        });
        files.insert(format!("operations/{name}.json"), pretty(&doc));
        index.push(json!({"operation": name, "target": target, "auth": auth}));
    }

    let mut exceptions = Map::new();
    for (name, shape) in shapes {
        if shape.get("exception").and_then(Value::as_bool) == Some(true) {
            let fault = shape.get("fault").and_then(Value::as_bool) == Some(true);
            exceptions.insert(
                name.clone(),
                json!({
                    "fault": if fault { "server" } else { "client" },
                    "schema": conv.root_schema(name)?,
                }),
            );
        }
    }
    files.insert("exceptions.json".into(), pretty(&Value::Object(exceptions)));
    files.insert(
        "index.json".into(),
        pretty(&json!({
            "service": model.pointer("/metadata/serviceId"),
            "apiVersion": model.pointer("/metadata/apiVersion"),
            "protocol": model.pointer("/metadata/protocol"),
            "jsonVersion": model.pointer("/metadata/jsonVersion"),
            "targetPrefix": prefix,
            "operations": index,
        })),
    );
    files.insert(MODEL_COPY.into(), pretty(&model));
    Ok(files)
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("a Value always serialises");
    s.push('\n');
    s
}

fn empty_object_schema() -> Value {
    json!({"$schema": SCHEMA_DIALECT, "type": "object", "x-shape-type": "structure", "properties": {}})
}

/// Removes prose everywhere in the model, keeping every constraint.
pub fn strip_prose(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|k, _| !PROSE_KEYS.contains(&k.as_str()));
            map.values_mut().for_each(strip_prose);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_prose),
        _ => {}
    }
}

struct Converter<'a> {
    shapes: &'a Map<String, Value>,
}

impl Converter<'_> {
    fn shape(&self, name: &str) -> Result<&Map<String, Value>, ImportError> {
        self.shapes
            .get(name)
            .and_then(Value::as_object)
            .ok_or_else(|| ImportError::Shape {
                shape: name.to_owned(),
                reason: "referenced but not defined".into(),
            })
    }

    /// A self-contained schema for `root`: `$ref` to it, and `$defs` for every shape it reaches.
    fn root_schema(&self, root: &str) -> Result<Value, ImportError> {
        let mut defs = Map::new();
        let mut todo = vec![root.to_owned()];
        while let Some(name) = todo.pop() {
            if defs.contains_key(&name) {
                continue;
            }
            let (schema, refs) = self.def(&name)?;
            defs.insert(name, schema);
            todo.extend(refs);
        }
        defs.sort_keys();
        Ok(json!({
            "$schema": SCHEMA_DIALECT,
            "$ref": format!("#/$defs/{root}"),
            "$defs": defs,
        }))
    }

    /// One shape's schema, and the shapes it refers to.
    fn def(&self, name: &str) -> Result<(Value, Vec<String>), ImportError> {
        let s = self.shape(name)?;
        let ty = s.get("type").and_then(Value::as_str).unwrap_or("");
        let bad = |reason: String| ImportError::Shape {
            shape: name.to_owned(),
            reason,
        };
        let num = |k: &str| s.get(k).and_then(Value::as_i64);
        let target = |v: &Value| -> Result<String, ImportError> {
            v.get("shape")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| bad("member without a shape".into()))
        };
        let mut out = Map::new();
        let mut refs = Vec::new();
        out.insert("x-shape-type".into(), json!(ty));
        match ty {
            "string" => {
                out.insert("type".into(), json!("string"));
                if let Some(n) = num("min") {
                    out.insert("minLength".into(), json!(n));
                }
                if let Some(n) = num("max") {
                    out.insert("maxLength".into(), json!(n));
                }
                if let Some(p) = s.get("pattern").and_then(Value::as_str) {
                    let pat = Pattern::new(p).map_err(|source| ImportError::Pattern {
                        shape: name.to_owned(),
                        source,
                    })?;
                    out.insert("pattern".into(), json!(pat.translated()));
                    out.insert("x-java-pattern".into(), json!(p));
                }
                if let Some(e) = s.get("enum") {
                    out.insert("enum".into(), e.clone());
                }
            }
            "integer" | "long" => {
                out.insert("type".into(), json!("integer"));
                if let Some(n) = num("min") {
                    out.insert("minimum".into(), json!(n));
                }
                if let Some(n) = num("max") {
                    out.insert("maximum".into(), json!(n));
                }
            }
            "boolean" => {
                out.insert("type".into(), json!("boolean"));
            }
            "blob" => {
                // Sizes count decoded bytes, which JSON Schema cannot express on base64 text.
                out.insert("type".into(), json!("string"));
                out.insert("contentEncoding".into(), json!("base64"));
                if let Some(n) = num("min") {
                    out.insert("x-min-bytes".into(), json!(n));
                }
                if let Some(n) = num("max") {
                    out.insert("x-max-bytes".into(), json!(n));
                }
            }
            "timestamp" => {
                // awsJson1_1 sends timestamps as epoch seconds.
                out.insert("type".into(), json!("number"));
            }
            "list" => {
                out.insert("type".into(), json!("array"));
                let m = target(
                    s.get("member")
                        .ok_or_else(|| bad("list without member".into()))?,
                )?;
                out.insert("items".into(), json!({"$ref": format!("#/$defs/{m}")}));
                refs.push(m);
                if let Some(n) = num("min") {
                    out.insert("minItems".into(), json!(n));
                }
                if let Some(n) = num("max") {
                    out.insert("maxItems".into(), json!(n));
                }
            }
            "map" => {
                out.insert("type".into(), json!("object"));
                let k = target(s.get("key").ok_or_else(|| bad("map without key".into()))?)?;
                let v = target(
                    s.get("value")
                        .ok_or_else(|| bad("map without value".into()))?,
                )?;
                out.insert(
                    "propertyNames".into(),
                    json!({"$ref": format!("#/$defs/{k}")}),
                );
                out.insert(
                    "additionalProperties".into(),
                    json!({"$ref": format!("#/$defs/{v}")}),
                );
                refs.push(k);
                refs.push(v);
                if let Some(n) = num("min") {
                    out.insert("minProperties".into(), json!(n));
                }
                if let Some(n) = num("max") {
                    out.insert("maxProperties".into(), json!(n));
                }
            }
            "structure" if s.get("document").and_then(Value::as_bool) == Some(true) => {
                out.insert("x-shape-type".into(), json!("document"));
            }
            "structure" => {
                out.insert("type".into(), json!("object"));
                let mut props = Map::new();
                if let Some(members) = s.get("members").and_then(Value::as_object) {
                    for (mname, m) in members {
                        let t = target(m)?;
                        let mut p = Map::new();
                        p.insert("$ref".into(), json!(format!("#/$defs/{t}")));
                        if m.get("deprecated").and_then(Value::as_bool) == Some(true) {
                            p.insert("deprecated".into(), json!(true));
                        }
                        if m.get("box").and_then(Value::as_bool) == Some(true) {
                            p.insert("x-box".into(), json!(true));
                        }
                        props.insert(mname.clone(), Value::Object(p));
                        refs.push(t);
                    }
                }
                out.insert("properties".into(), Value::Object(props));
                if let Some(req) = s.get("required") {
                    out.insert("required".into(), req.clone());
                }
                if s.get("exception").and_then(Value::as_bool) == Some(true) {
                    out.insert("x-exception".into(), json!(true));
                }
            }
            other => return Err(bad(format!("unknown shape type {other:?}"))),
        }
        if s.get("sensitive").and_then(Value::as_bool) == Some(true) {
            out.insert("x-sensitive".into(), json!(true));
        }
        Ok((Value::Object(out), refs))
    }

    /// JSON-pointer-like paths (`*` for any list index or map key) of every sensitive value in
    /// the input, stopping at a sensitive container since everything under it is covered.
    fn sensitive_paths(
        &self,
        name: &str,
        path: String,
        seen: &mut BTreeSet<String>,
        out: &mut Vec<String>,
    ) -> Result<(), ImportError> {
        let s = self.shape(name)?;
        if s.get("sensitive").and_then(Value::as_bool) == Some(true) && !path.is_empty() {
            out.push(path);
            return Ok(());
        }
        // Recursive shapes are walked once per branch.
        if !seen.insert(name.to_owned()) {
            return Ok(());
        }
        let child = |v: Option<&Value>| v.and_then(|m| m["shape"].as_str()).map(str::to_owned);
        match s.get("type").and_then(Value::as_str) {
            Some("structure") => {
                if let Some(members) = s.get("members").and_then(Value::as_object) {
                    for (m, v) in members {
                        if let Some(t) = child(Some(v)) {
                            self.sensitive_paths(&t, format!("{path}/{m}"), seen, out)?;
                        }
                    }
                }
            }
            Some("list") => {
                if let Some(t) = child(s.get("member")) {
                    self.sensitive_paths(&t, format!("{path}/*"), seen, out)?;
                }
            }
            Some("map") => {
                if let Some(t) = child(s.get("value")) {
                    self.sensitive_paths(&t, format!("{path}/*"), seen, out)?;
                }
            }
            _ => {}
        }
        seen.remove(name);
        Ok(())
    }
}
