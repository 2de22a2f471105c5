//! The awsJson1_1 error identity, read the way `reference/protocol.md` says (the Smithy spec, the
//! Smithy protocol tests and aws-sdk-rust agree on it):
//!
//! - the identity is carried by the `X-Amzn-Errortype` header, a top-level body field `code`, or a
//!   top-level body field `__type`, in that order of precedence; a `__type` nested deeper in the
//!   body (DynamoDB's `ErrorDetails`) is not the error's identity;
//! - every value is sanitised: cut at the first `:`, then keep what follows the first `#`;
//! - the message is the body's `message`, else `Message`, else `errorMessage`.

use serde_json::Value;

use crate::replay::Response;

/// The header that carries the error identity (matched case-insensitively; real Cognito spells it
/// `x-amzn-ErrorType`).
pub const ERROR_TYPE_HEADER: &str = "x-amzn-errortype";

/// The error identity of one response, each part as sent (not sanitised).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorIdentity {
    /// The `X-Amzn-Errortype` header.
    pub header: Option<String>,
    /// The top-level body field `code`, if it is a string.
    pub code: Option<String>,
    /// The top-level body field `__type`, if it is a string.
    pub type_field: Option<String>,
    /// The top-level body field `message`, else `Message`, else `errorMessage`, if a string.
    pub message: Option<String>,
}

/// The shape name inside an error identity: `FooError`,
/// `FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/`,
/// `aws.protocoltests.json#FooError` and
/// `aws.protocoltests.json#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/`
/// all give `FooError`. The cut at `:` comes first, so a `#` inside the URI is never seen.
pub fn sanitize(raw: &str) -> &str {
    let before_colon = raw.split_once(':').map_or(raw, |(head, _)| head);
    before_colon
        .split_once('#')
        .map_or(before_colon, |(_, tail)| tail)
}

/// A raw identity that sanitises to nothing (`""`, `":"`, `"ns#"`) carries no name; the reader
/// then falls through to the next source, as if the field were absent.
fn named(raw: Option<&String>) -> Option<&str> {
    raw.map(|r| sanitize(r)).filter(|n| !n.is_empty())
}

impl ErrorIdentity {
    /// Reads the identity from a response. Never fails: a body that is not a JSON object simply
    /// carries no body identity and no message.
    pub fn read(resp: &Response) -> ErrorIdentity {
        let body = serde_json::from_slice::<Value>(&resp.body).ok();
        ErrorIdentity::read_parsed(resp, body.as_ref())
    }

    /// [`ErrorIdentity::read`] for a caller that has parsed the body already (`None`: it is not
    /// JSON).
    pub fn read_parsed(resp: &Response, body: Option<&Value>) -> ErrorIdentity {
        let header = resp.header(ERROR_TYPE_HEADER).map(str::to_owned);
        let body = body.and_then(Value::as_object);
        let field = |name: &str| -> Option<String> {
            body.and_then(|m| m.get(name))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        ErrorIdentity {
            header,
            code: field("code"),
            type_field: field("__type"),
            message: field("message")
                .or_else(|| field("Message"))
                .or_else(|| field("errorMessage")),
        }
    }

    /// The sanitised identity from the body alone: `code`, then `__type`.
    pub fn body_name(&self) -> Option<&str> {
        named(self.code.as_ref()).or_else(|| named(self.type_field.as_ref()))
    }

    /// The sanitised identity: the header, then `code`, then `__type`.
    pub fn name(&self) -> Option<&str> {
        named(self.header.as_ref()).or_else(|| self.body_name())
    }

    /// When both the header and the body carry an identity and they sanitise to different names,
    /// a sentence naming both.
    pub fn disagreement(&self) -> Option<String> {
        let header = named(self.header.as_ref())?;
        let body = self.body_name()?;
        if header == body {
            return None;
        }
        let field = if named(self.code.as_ref()).is_some() {
            "code"
        } else {
            "__type"
        };
        Some(format!(
            "header x-amzn-errortype says {header}, body {field} says {body}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "http://internal.amazon.com/coral/com.amazon.coral.validate/";

    fn response(headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status: 400,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn sanitize_spec_examples() {
        assert_eq!(sanitize("FooError"), "FooError");
        assert_eq!(sanitize(&format!("FooError:{URI}")), "FooError");
        assert_eq!(sanitize("aws.protocoltests.restjson#FooError"), "FooError");
        assert_eq!(
            sanitize(&format!("aws.protocoltests.restjson#FooError:{URI}")),
            "FooError"
        );
    }

    #[test]
    fn sanitize_edges() {
        // Real Cognito's header: a trailing colon and nothing after it.
        assert_eq!(sanitize("ExpiredCodeException:"), "ExpiredCodeException");
        assert_eq!(
            sanitize("com.amazon.coral.service#UnknownOperationException"),
            "UnknownOperationException"
        );
        // The colon cut comes first: a '#' in the URI is never reached.
        assert_eq!(sanitize("FooError:http://x/#frag"), "FooError");
        // First '#', not the last (botocore's rsplit would give "c").
        assert_eq!(sanitize("a#b#c"), "b#c");
        assert_eq!(sanitize(""), "");
        assert_eq!(sanitize(":"), "");
    }

    #[test]
    fn header_alone() {
        let id = ErrorIdentity::read(&response(&[("X-Amzn-Errortype", "FooError")], ""));
        assert_eq!(id.header.as_deref(), Some("FooError"));
        assert_eq!(id.name(), Some("FooError"));
        assert_eq!(id.code, None);
        assert_eq!(id.type_field, None);
        assert_eq!(id.disagreement(), None);
    }

    #[test]
    fn header_with_uri() {
        let raw = format!("FooError:{URI}");
        let id = ErrorIdentity::read(&response(&[("X-Amzn-Errortype", &raw)], ""));
        assert_eq!(id.header.as_deref(), Some(raw.as_str()), "kept raw");
        assert_eq!(id.name(), Some("FooError"));
    }

    #[test]
    fn header_with_uri_and_namespace() {
        let raw = format!("aws.protocoltests.json#FooError:{URI}");
        let id = ErrorIdentity::read(&response(&[("X-Amzn-Errortype", &raw)], ""));
        assert_eq!(id.name(), Some("FooError"));
    }

    #[test]
    fn header_name_is_case_insensitive() {
        let r = Response {
            status: 400,
            headers: vec![("X-Amzn-ErrorType".into(), "ExpiredCodeException:".into())],
            body: Vec::new(),
        };
        assert_eq!(ErrorIdentity::read(&r).name(), Some("ExpiredCodeException"));
    }

    #[test]
    fn code_variants() {
        for raw in [
            "FooError".to_owned(),
            "aws.protocoltests.json#FooError".to_owned(),
            format!("aws.protocoltests.json#FooError:{URI}"),
        ] {
            let body = serde_json::json!({ "code": raw }).to_string();
            let id = ErrorIdentity::read(&response(
                &[("Content-Type", "application/x-amz-json-1.1")],
                &body,
            ));
            assert_eq!(id.code.as_deref(), Some(raw.as_str()));
            assert_eq!(id.name(), Some("FooError"), "{raw}");
        }
    }

    #[test]
    fn type_variants() {
        for raw in [
            "FooError".to_owned(),
            "aws.protocoltests.json#FooError".to_owned(),
            format!("aws.protocoltests.json#FooError:{URI}"),
        ] {
            let body = serde_json::json!({ "__type": raw }).to_string();
            let id = ErrorIdentity::read(&response(&[], &body));
            assert_eq!(id.type_field.as_deref(), Some(raw.as_str()));
            assert_eq!(id.name(), Some("FooError"), "{raw}");
        }
    }

    #[test]
    fn nested_type_is_ignored() {
        let body = r#"{
            "__type": "aws.protocoltests.json#FooError",
            "ErrorDetails": [
              { "__type": "com.amazon.internal#ErrorDetails", "reason": "Some reason" }
            ]
        }"#;
        let id = ErrorIdentity::read(&response(&[], body));
        assert_eq!(id.name(), Some("FooError"));
        // Only a nested one: no identity at all.
        let id = ErrorIdentity::read(&response(
            &[],
            r#"{"ErrorDetails":[{"__type":"com.amazon.internal#ErrorDetails"}]}"#,
        ));
        assert_eq!(id.name(), None);
        assert_eq!(id.type_field, None);
    }

    #[test]
    fn real_cognito_error() {
        let id = ErrorIdentity::read(&response(
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("x-amzn-ErrorType", "ExpiredCodeException:"),
                (
                    "x-amzn-ErrorMessage",
                    "Invalid code provided, please request a code again.",
                ),
            ],
            r#"{"__type":"ExpiredCodeException","message":"Invalid code provided, please request a code again."}"#,
        ));
        assert_eq!(id.name(), Some("ExpiredCodeException"));
        assert_eq!(id.disagreement(), None, "trailing colon sanitised away");
        assert_eq!(
            id.message.as_deref(),
            Some("Invalid code provided, please request a code again.")
        );
    }

    #[test]
    fn precedence_header_then_code_then_type() {
        let id = ErrorIdentity::read(&response(
            &[("X-Amzn-Errortype", "FromHeader")],
            r#"{"code":"FromCode","__type":"FromType"}"#,
        ));
        assert_eq!(id.name(), Some("FromHeader"));
        let id = ErrorIdentity::read(&response(&[], r#"{"code":"FromCode","__type":"FromType"}"#));
        assert_eq!(id.name(), Some("FromCode"));
        let id = ErrorIdentity::read(&response(&[], r#"{"__type":"FromType"}"#));
        assert_eq!(id.name(), Some("FromType"));
        // A header that sanitises to nothing falls through to the body.
        let id = ErrorIdentity::read(&response(
            &[("X-Amzn-Errortype", ":http://x/")],
            r#"{"__type":"FromType"}"#,
        ));
        assert_eq!(id.name(), Some("FromType"));
    }

    #[test]
    fn disagreement_names_both() {
        let id = ErrorIdentity::read(&response(
            &[("X-Amzn-Errortype", "CodeMismatchException:")],
            r#"{"__type":"com.amazonaws.cognito#ExpiredCodeException"}"#,
        ));
        assert_eq!(
            id.disagreement().as_deref(),
            Some("header x-amzn-errortype says CodeMismatchException, body __type says ExpiredCodeException")
        );
        let id = ErrorIdentity::read(&response(
            &[("X-Amzn-Errortype", "A")],
            r#"{"code":"B","__type":"A"}"#,
        ));
        assert_eq!(
            id.disagreement().as_deref(),
            Some("header x-amzn-errortype says A, body code says B")
        );
        // Agreement after sanitising both sides.
        let id = ErrorIdentity::read(&response(
            &[("X-Amzn-Errortype", &format!("FooError:{URI}"))],
            r#"{"__type":"aws.protocoltests.json#FooError"}"#,
        ));
        assert_eq!(id.disagreement(), None);
        // Only one side present: nothing to disagree about.
        let id = ErrorIdentity::read(&response(&[("X-Amzn-Errortype", "A")], "{}"));
        assert_eq!(id.disagreement(), None);
    }

    #[test]
    fn message_fields() {
        let m = |body: &str| ErrorIdentity::read(&response(&[], body)).message;
        assert_eq!(
            m(r#"{"__type":"InvalidGreeting","Message":"Hi"}"#).as_deref(),
            Some("Hi")
        );
        assert_eq!(
            m(r#"{"message":"lower","Message":"upper"}"#).as_deref(),
            Some("lower")
        );
        assert_eq!(m(r#"{"errorMessage":"em"}"#).as_deref(), Some("em"));
        assert_eq!(m(r#"{"__type":"SerializationException"}"#), None);
        assert_eq!(m(r#"{"message":42}"#), None, "not a string");
    }

    #[test]
    fn never_fails_on_odd_bodies() {
        for body in [
            &b""[..],
            b"<html>oops</html>",
            b"\xff\xfe\x00",
            b"[1,2]",
            b"\"__type\"",
            b"null",
        ] {
            let r = Response {
                status: 500,
                headers: vec![],
                body: body.to_vec(),
            };
            let id = ErrorIdentity::read(&r);
            assert_eq!(id, ErrorIdentity::default());
            assert_eq!(id.name(), None);
        }
        // A non-string identity is no identity.
        let id = ErrorIdentity::read(&response(&[], r#"{"__type":7,"code":null}"#));
        assert_eq!(id.name(), None);
    }
}
