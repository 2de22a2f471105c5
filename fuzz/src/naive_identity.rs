//! A second, deliberately plain implementation of the awsJson1_1 error identity, written from
//! the text of `reference/protocol.md` (shared with the harness's design notes) rather than from
//! `cognate::check::protocol`. The `error_identity` fuzz target compares the two.
//!
//! The rules, as protocol.md states them:
//! 1. The identity is in the `X-Amzn-Errortype` header (header names are case-insensitive), a
//!    top-level body field `code`, or a top-level body field `__type`; clients check the header
//!    first, then `code` (the protocol tests), then `__type` (aws-sdk-rust). A `__type` nested
//!    deeper is not the identity.
//! 2. Sanitising: if the value contains `:`, keep what is before the first `:`; then, if it
//!    contains `#`, keep what is after the first `#`.
//! 3. The message is `message`, else `Message`, else `errorMessage`.
//! 4. When both the header and the body carry an identity, they are compared.
//!
//! One point protocol.md leaves open, decided the way the harness documents it: a value that
//! sanitises to the empty string names nothing, so the next source is read.

use serde_json::Value;

/// What the naive reader finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NaiveIdentity {
    pub header: Option<String>,
    pub code: Option<String>,
    pub type_field: Option<String>,
    pub message: Option<String>,
    /// The sanitised name, from the first source that names something.
    pub name: Option<String>,
    /// The header's and the body's names, when both name something and they differ.
    pub conflict: Option<(String, String)>,
}

/// Rule 2, character by character.
pub fn naive_sanitize(raw: &str) -> String {
    let mut before_colon = String::new();
    for c in raw.chars() {
        if c == ':' {
            break;
        }
        before_colon.push(c);
    }
    let mut seen_hash = false;
    let mut after_hash = String::new();
    for c in before_colon.chars() {
        if seen_hash {
            after_hash.push(c);
        } else if c == '#' {
            seen_hash = true;
        }
    }
    if seen_hash {
        after_hash
    } else {
        before_colon
    }
}

fn nonempty(v: &Option<String>) -> Option<String> {
    match v {
        Some(raw) => {
            let s = naive_sanitize(raw);
            if s.is_empty() {
                None
            } else {
                Some(s)
            }
        }
        None => None,
    }
}

/// Reads a response the naive way.
pub fn naive_read(headers: &[(String, String)], body: &[u8]) -> NaiveIdentity {
    let mut header = None;
    for (k, v) in headers {
        if k.to_lowercase() == "x-amzn-errortype" {
            header = Some(v.clone());
            break;
        }
    }
    let top: Option<serde_json::Map<String, Value>> = match serde_json::from_slice(body) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    };
    let string_field = |name: &str| -> Option<String> {
        let m = top.as_ref()?;
        match m.get(name) {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        }
    };
    let code = string_field("code");
    let type_field = string_field("__type");
    let mut message = None;
    for key in ["message", "Message", "errorMessage"] {
        if let Some(m) = string_field(key) {
            message = Some(m);
            break;
        }
    }
    let header_name = nonempty(&header);
    let body_name = nonempty(&code).or_else(|| nonempty(&type_field));
    let name = header_name.clone().or_else(|| body_name.clone());
    let conflict = match (header_name, body_name) {
        (Some(h), Some(b)) if h != b => Some((h, b)),
        _ => None,
    };
    NaiveIdentity {
        header,
        code,
        type_field,
        message,
        name,
        conflict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "http://internal.amazon.com/coral/com.amazon.coral.validate/";

    #[test]
    fn protocol_md_examples() {
        for raw in [
            "FooError".to_owned(),
            format!("FooError:{URI}"),
            "aws.protocoltests.restjson#FooError".to_owned(),
            format!("aws.protocoltests.restjson#FooError:{URI}"),
        ] {
            assert_eq!(naive_sanitize(&raw), "FooError", "{raw}");
        }
        assert_eq!(
            naive_sanitize("ExpiredCodeException:"),
            "ExpiredCodeException"
        );
    }

    #[test]
    fn precedence_and_nesting() {
        let h = vec![("x-amzn-ErrorType".to_owned(), "A:".to_owned())];
        let id = naive_read(&h, br#"{"code":"B","__type":"C"}"#);
        assert_eq!(id.name.as_deref(), Some("A"));
        assert_eq!(id.conflict, Some(("A".into(), "B".into())));
        let id = naive_read(&[], br#"{"ErrorDetails":[{"__type":"x#Nested"}]}"#);
        assert_eq!(id.name, None);
        let id = naive_read(&[], br#"{"__type":"InvalidGreeting","Message":"Hi"}"#);
        assert_eq!(id.name.as_deref(), Some("InvalidGreeting"));
        assert_eq!(id.message.as_deref(), Some("Hi"));
    }
}
