//! Text helpers for verdicts: one-line, abbreviated, redacted excerpts of whatever came back,
//! and finding a secret in a response.

use serde_json::Value;

use crate::redact;
use crate::replay::Response;

/// `s` on one line: control characters (newlines, tabs, NUL, escape sequences) written as Rust
/// escapes, so text that came from a target cannot break a line-based format or a reason, nor
/// drive a terminal. The one such helper: reports and checks share it.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// At most `max` characters (not bytes, so never inside a UTF-8 sequence), the last one `…` when
/// something was cut.
pub fn abbreviate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `null`, `a number`, `an array`, ... for "body is an array, expected a JSON object".
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A response body for a report: redacted, one line, at most `max` characters. A JSON body is
/// shown re-serialised with every string (keys too) redacted, which also catches a secret the
/// target wrote with `\u` escapes; anything else is read as lossy UTF-8 and redacted as text,
/// both in its plain and its JSON-escaped spelling.
pub fn report_body<S: AsRef<str>>(
    body: &[u8],
    json: Option<&Value>,
    secrets: &[S],
    max: usize,
) -> String {
    if body.is_empty() {
        return "(empty)".into();
    }
    let text = match json {
        Some(v) => redact_json(v, secrets).to_string(),
        None => {
            // Only the start can be shown; keep enough that no secret straddles the cut.
            let longest = secrets.iter().map(|s| s.as_ref().len()).max().unwrap_or(0);
            let keep = body.len().min(max * 4 + longest * 6 + 16);
            let lossy = String::from_utf8_lossy(&body[..keep]);
            redact::redact(&lossy, &with_escaped(secrets))
        }
    };
    abbreviate(&one_line(&text), max)
}

/// Each secret and, where it differs, its JSON-escaped spelling (`a"b` → `a\"b`).
fn with_escaped<S: AsRef<str>>(secrets: &[S]) -> Vec<String> {
    let mut out: Vec<String> = secrets.iter().map(|s| s.as_ref().to_owned()).collect();
    for s in secrets {
        let s = s.as_ref();
        let quoted = serde_json::to_string(s).unwrap_or_default();
        if let Some(escaped) = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')) {
            if escaped != s {
                out.push(escaped.to_owned());
            }
        }
    }
    out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    out.dedup();
    out
}

/// `v` with every string, object keys included, passed through [`redact::redact`].
pub fn redact_json<S: AsRef<str>>(v: &Value, secrets: &[S]) -> Value {
    match v {
        Value::String(s) => Value::String(redact::redact(s, secrets)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| redact_json(i, secrets)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (redact::redact(k, secrets), redact_json(v, secrets)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Where in the response `secret` comes back: `header x-amzn-errormessage`, `the body at
/// /message`, or `the body` (not JSON). A JSON body is searched after decoding, so an escaped
/// spelling is found too.
pub fn find_secret(resp: &Response, body_json: Option<&Value>, secret: &str) -> Option<String> {
    if let Some((name, _)) = resp.headers.iter().find(|(_, v)| v.contains(secret)) {
        return Some(format!("header {name}"));
    }
    match body_json {
        Some(v) => {
            let mut path = Vec::new();
            find_in_json(v, &mut path, &|s| s.contains(secret)).map(|p| {
                if p.is_empty() {
                    "the body".to_owned()
                } else {
                    format!("the body at {p}")
                }
            })
        }
        None => {
            let haystack = String::from_utf8_lossy(&resp.body);
            (haystack.contains(secret)).then(|| "the body".to_owned())
        }
    }
}

/// The JSON pointer of the first string in `v` equal to `secret`.
pub fn pointer_of(v: &Value, secret: &str) -> Option<String> {
    find_in_json(v, &mut Vec::new(), &|s| s == secret)
}

/// Depth-first: the pointer of the first string (value, or object key) that `hit` accepts.
fn find_in_json(v: &Value, path: &mut Vec<String>, hit: &dyn Fn(&str) -> bool) -> Option<String> {
    match v {
        Value::String(s) if hit(s) => Some(pointer(path)),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            path.push(i.to_string());
            let found = find_in_json(item, path, hit);
            path.pop();
            found
        }),
        Value::Object(map) => map.iter().find_map(|(k, child)| {
            path.push(k.clone());
            let found = if hit(k) {
                Some(format!("{} (a key)", pointer(path)))
            } else {
                find_in_json(child, path, hit)
            };
            path.pop();
            found
        }),
        _ => None,
    }
}

fn pointer(path: &[String]) -> String {
    path.iter()
        .map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviate_counts_characters() {
        assert_eq!(abbreviate("héllo", 5), "héllo");
        assert_eq!(abbreviate("héllo!", 5), "héll…");
        assert_eq!(abbreviate("ééééé", 3).chars().count(), 3);
    }

    #[test]
    fn one_line_escapes_controls() {
        assert_eq!(one_line("a\nb\tc\0"), "a\\nb\\tc\\0");
    }

    #[test]
    fn report_body_redacts_escaped_secrets() {
        let secrets = vec!["pa\"ss\u{e9}word".to_owned()];
        // JSON, with the é written as \u00e9: decoded, then redacted.
        let body = br#"{"message":"bad pa\"ss\u00e9word"}"#;
        let json: Value = serde_json::from_slice(body).unwrap();
        let shown = report_body(body, Some(&json), &secrets, 160);
        assert_eq!(shown, r#"{"message":"bad <redacted>"}"#);
        // Not JSON (truncated), but escaped the JSON way.
        let body = br#"{"message":"bad pa\"ss\u{e9}word"#;
        let body = String::from_utf8_lossy(body).replace("\\u{e9}", "\u{e9}");
        let shown = report_body(body.as_bytes(), None, &secrets, 160);
        assert!(!shown.contains("ss\u{e9}word"), "{shown}");
    }

    #[test]
    fn report_body_survives_anything() {
        assert_eq!(report_body::<&str>(b"", None, &[], 160), "(empty)");
        let bin = report_body::<&str>(b"\xff\xfe\x00abc", None, &[], 160);
        assert_eq!(bin, "\u{fffd}\u{fffd}\\0abc");
        let huge = vec![b'x'; 10_000_000];
        assert_eq!(
            report_body::<&str>(&huge, None, &[], 160).chars().count(),
            160
        );
    }

    #[test]
    fn finds_secrets_and_pointers() {
        let sent = serde_json::json!({"A": [{"Password": "hunter22"}]});
        assert_eq!(
            pointer_of(&sent, "hunter22").as_deref(),
            Some("/A/0/Password")
        );
        let resp = Response {
            status: 400,
            headers: vec![("x-amzn-errormessage".into(), "nope".into())],
            body: br#"{"message":"bad hunter22"}"#.to_vec(),
        };
        let json: Value = serde_json::from_slice(&resp.body).unwrap();
        assert_eq!(
            find_secret(&resp, Some(&json), "hunter22").as_deref(),
            Some("the body at /message")
        );
        assert_eq!(
            find_secret(&resp, Some(&json), "nope").as_deref(),
            Some("header x-amzn-errormessage")
        );
        assert_eq!(find_secret(&resp, Some(&json), "absent"), None);
    }
}
