//! ListUsers filters: the grammar of the model's `Filter` documentation (ops §4 ListUsers "Filter
//! grammar", "Searchable attributes", conf. B), parsed once and matched against stored users.
//! Pure.

use super::{ApiError, User};

/// The attributes a filter may search.
const SEARCHABLE: &[&str] = &[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

/// `AttributeName Filter-Type "AttributeValue"`: one attribute, `=` (exact) or `^=` (prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Filter {
    attribute: &'static str,
    prefix: bool,
    value: String,
}

/// What AWS answers a filter it cannot read (ops §4 ListUsers "Filter that won't parse", conf.
/// A). A custom or unknown attribute gets the same (its wording was not captured, conf. C).
fn refused() -> ApiError {
    ApiError::invalid_parameter("Error while parsing filter.")
}

/// The filter of a request, `None` for an empty one (every user).
pub(super) fn parse(text: &str) -> Result<Option<Filter>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let name_end = text
        .find(|c: char| c.is_whitespace() || c == '=' || c == '^')
        .ok_or_else(refused)?;
    let name = &text[..name_end];
    let attribute = SEARCHABLE
        .iter()
        .copied()
        .find(|a| *a == name)
        .ok_or_else(refused)?;
    let rest = text[name_end..].trim_start();
    let (prefix, rest) = if let Some(r) = rest.strip_prefix("^=") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (false, r)
    } else {
        return Err(refused());
    };
    let rest = rest.trim_start().strip_prefix('"').ok_or_else(refused)?;
    let mut value = String::new();
    let mut chars = rest.chars();
    loop {
        match chars.next() {
            None => return Err(refused()),
            Some('"') => break,
            Some('\\') => value.push(chars.next().ok_or_else(refused)?),
            Some(c) => value.push(c),
        }
    }
    if !chars.as_str().trim().is_empty() {
        // One attribute per filter: anything after the value (`and ...`) is refused.
        return Err(refused());
    }
    Ok(Some(Filter {
        attribute,
        prefix,
        value,
    }))
}

impl Filter {
    pub(super) fn matches(&self, user: &User) -> bool {
        let status_text;
        let (candidate, fold) = match self.attribute {
            "username" => (Some(user.username.as_str()), false),
            // "case-insensitive" in the model's list.
            "cognito:user_status" => (Some(user.status.as_str()), true),
            "status" => {
                status_text = if user.enabled { "Enabled" } else { "Disabled" };
                (Some(status_text), false)
            }
            other => (user.attr(other), false),
        };
        let Some(candidate) = candidate else {
            return false;
        };
        let (c, v) = if fold {
            (candidate.to_lowercase(), self.value.to_lowercase())
        } else {
            (candidate.to_owned(), self.value.clone())
        };
        if self.prefix {
            c.starts_with(&v)
        } else {
            c == v
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Filter {
        parse(s).unwrap().unwrap()
    }

    #[test]
    fn the_documented_forms() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("   ").unwrap(), None);
        let f = ok(r#"family_name = "Reddy""#);
        assert_eq!(
            (f.attribute, f.prefix, f.value.as_str()),
            ("family_name", false, "Reddy")
        );
        let f = ok(r#"given_name ^= "Jon""#);
        assert!(f.prefix);
        let f = ok(r#"name="a \"quoted\" name""#);
        assert_eq!(f.value, r#"a "quoted" name"#);
        assert_eq!(
            ok(r#"cognito:user_status = "confirmed""#).attribute,
            "cognito:user_status"
        );
    }

    #[test]
    fn what_the_grammar_refuses() {
        for bad in [
            "email",
            "email = cognate",
            r#"email != "x""#,
            r#"email = "x" and name = "y""#,
            r#"custom:flavor = "x""#,
            r#"nickname = "x""#,
            r#"email = "unterminated"#,
            r#"email ~ "x""#,
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(
                e.message.as_deref(),
                Some("Error while parsing filter."),
                "{bad}"
            );
        }
    }
}
