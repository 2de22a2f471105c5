//! The committed schemas against the documented constraints of the password-recovery operations,
//! and the pattern dialect against an independent ECMA reading for every pattern of the model.

use cognate::dialect::Pattern;
use cognate::generate::values::{self, Chars, Position};
use cognate::model::{Auth, Catalogue, Kind};
use proptest::prelude::*;
use serde_json::{json, Value};

fn op_doc(name: &str) -> Value {
    let path = format!(
        "{}/../schemas/operations/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The `$defs` entry a member of the input root refers to.
fn member_def<'a>(schema: &'a Value, root: &str, member: &str) -> &'a Value {
    let r = schema["$defs"][root]["properties"][member]["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("{root} has no member {member}"));
    &schema["$defs"][r.trim_start_matches("#/$defs/")]
}

fn assert_string(def: &Value, min: Option<u64>, max: u64, java: &str) {
    assert_eq!(def["type"], "string");
    assert_eq!(def["minLength"].as_u64(), min, "{def}");
    assert_eq!(def["maxLength"].as_u64(), Some(max), "{def}");
    assert_eq!(def["x-java-pattern"], java, "{def}");
}

#[test]
fn password_recovery_inputs_carry_the_documented_constraints() {
    for (op, root) in [
        ("ForgotPassword", "ForgotPasswordRequest"),
        ("ConfirmForgotPassword", "ConfirmForgotPasswordRequest"),
    ] {
        let doc = op_doc(op);
        assert_eq!(
            doc["target"],
            format!("AWSCognitoIdentityProviderService.{op}")
        );
        assert_eq!(doc["auth"], "none");
        let input = &doc["input"];
        assert_eq!(
            input["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_string(member_def(input, root, "ClientId"), Some(1), 128, r"[\w+]+");
        assert_string(
            member_def(input, root, "SecretHash"),
            Some(1),
            128,
            r"[\w+=/]+",
        );
        assert_string(
            member_def(input, root, "Username"),
            Some(1),
            128,
            r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+",
        );
        let ucd = member_def(input, root, "UserContextData");
        assert_eq!(ucd["type"], "object");
        let keys: Vec<&String> = ucd["properties"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["IpAddress", "EncodedData"]);
        let am = member_def(input, root, "AnalyticsMetadata");
        let keys: Vec<&String> = am["properties"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["AnalyticsEndpointId"]);
        let cm = member_def(input, root, "ClientMetadata");
        assert_eq!(cm["type"], "object");
        assert_eq!(cm["additionalProperties"]["$ref"], "#/$defs/StringType");
        assert_eq!(input["$defs"]["StringType"]["type"], "string");
    }

    let cfp = op_doc("ConfirmForgotPassword");
    let input = &cfp["input"];
    let root = "ConfirmForgotPasswordRequest";
    assert_string(
        member_def(input, root, "ConfirmationCode"),
        Some(1),
        2048,
        r"[\S]+",
    );
    assert_string(member_def(input, root, "Password"), None, 256, r"[\S]+");
    assert_eq!(
        input["$defs"][root]["required"],
        json!(["ClientId", "Username", "ConfirmationCode", "Password"])
    );
    assert_eq!(
        op_doc("ForgotPassword")["input"]["$defs"]["ForgotPasswordRequest"]["required"],
        json!(["ClientId", "Username"])
    );
}

#[test]
fn password_recovery_outputs_errors_and_sensitive_members() {
    let fp = op_doc("ForgotPassword");
    let out = &fp["output"];
    let cdd = member_def(out, "ForgotPasswordResponse", "CodeDeliveryDetails");
    let props = cdd["properties"].as_object().unwrap();
    assert_eq!(
        props.keys().collect::<Vec<_>>(),
        ["Destination", "DeliveryMedium", "AttributeName"]
    );
    let medium = &out["$defs"]["DeliveryMediumType"];
    assert_eq!(medium["enum"], json!(["SMS", "EMAIL"]));
    let attr = &out["$defs"]["AttributeNameType"];
    assert_eq!(
        (attr["minLength"].as_u64(), attr["maxLength"].as_u64()),
        (Some(1), Some(32))
    );

    let cfp = op_doc("ConfirmForgotPassword");
    let root = cfp["output"]["$ref"]
        .as_str()
        .unwrap()
        .trim_start_matches("#/$defs/");
    assert_eq!(cfp["output"]["$defs"][root]["properties"], json!({}));

    let names = |d: &Value| -> Vec<String> {
        d["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_owned())
            .collect()
    };
    let fp_errors = names(&fp);
    let cfp_errors = names(&cfp);
    assert_eq!(fp_errors.len(), 16);
    assert_eq!(cfp_errors.len(), 18);
    for e in [
        "UserNotFoundException",
        "NotAuthorizedException",
        "CodeDeliveryFailureException",
    ] {
        assert!(fp_errors.iter().any(|x| x == e), "{e}");
    }
    for e in [
        "CodeMismatchException",
        "ExpiredCodeException",
        "InvalidPasswordException",
        "PasswordHistoryPolicyViolationException",
        "TooManyFailedAttemptsException",
        "UserNotConfirmedException",
    ] {
        assert!(cfp_errors.iter().any(|x| x == e), "{e}");
    }
    assert_eq!(
        fp["sensitive"],
        json!(["/ClientId", "/SecretHash", "/UserContextData", "/Username"])
    );
    assert_eq!(
        cfp["sensitive"],
        json!([
            "/ClientId",
            "/SecretHash",
            "/Username",
            "/Password",
            "/UserContextData"
        ])
    );
}

#[test]
fn no_documentation_prose_in_schemas() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas");
    let mut stack = vec![std::path::PathBuf::from(root)];
    let mut files = 0;
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(!text.contains("\"documentation\""), "{}", p.display());
            assert!(!text.contains("<p>"), "{}", p.display());
            files += 1;
        }
    }
    assert!(files > 141);
}

#[test]
fn auth_follows_the_model() {
    let cat = Catalogue::embedded();
    let none = cat
        .operations
        .values()
        .filter(|o| o.auth == Auth::None)
        .count();
    assert_eq!(none, 34, "34 operations are documented without SigV4");
    assert_eq!(cat.operation("AdminCreateUser").unwrap().auth, Auth::Sigv4);
}

/// Every distinct pattern of the model, with the string shape's length bounds.
fn model_patterns() -> Vec<(String, Pattern, usize, usize)> {
    let cat = Catalogue::embedded();
    let mut seen = std::collections::BTreeMap::new();
    for shape in cat.shapes.values() {
        if let Kind::String {
            pattern: Some(p),
            min,
            max,
            ..
        } = &shape.kind
        {
            seen.entry(p.java().to_owned()).or_insert_with(|| {
                (
                    p.clone(),
                    min.unwrap_or(0) as usize,
                    max.unwrap_or(64).min(64) as usize,
                )
            });
        }
    }
    seen.into_iter()
        .map(|(j, (p, lo, hi))| (j, p, lo, hi))
        .collect()
}

/// The ECMA reading: the translated pattern as a JSON Schema validator uses it.
fn ecma(p: &Pattern) -> jsonschema::Validator {
    jsonschema::draft202012::new(&json!({"type": "string", "pattern": p.translated()}))
        .unwrap_or_else(|e| panic!("{}: {e}", p.java()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Generated valid values match under the Java reading and the ECMA reading; near misses
    /// fail both.
    #[test]
    fn every_model_pattern_agrees_under_both_readings(seed in any::<u64>()) {
        for (java, p, lo, hi) in model_patterns() {
            let e = ecma(&p);
            let mut r = values::runner(seed, &[&java]);
            let class_min = p.repeated_class().map_or(0, |c| c.min);
            let len = (lo.max(class_min).max(1) + (seed as usize % 8)).min(hi.max(1));
            for mode in [Chars::Printable, Chars::Mixed, Chars::NonAscii] {
                let Some(v) = values::string_of_len(Some(&p), len, mode, &mut r) else { continue };
                prop_assert!(p.is_match(&v), "{java}: generated {v:?} fails the Java reading");
                prop_assert!(e.is_valid(&json!(v)), "{java}: generated {v:?} fails the ECMA reading");
                for pos in [Position::Start, Position::Middle, Position::End] {
                    for &(_, bad) in values::NEAR_MISSES {
                        if let Some(miss) = values::near_miss(&p, &v, pos, bad) {
                            prop_assert!(!e.is_valid(&json!(miss)), "{java}: {miss:?} passes ECMA only");
                        }
                    }
                }
            }
        }
    }

    /// On arbitrary strings the two readings agree (ASCII-heavy and Unicode alike).
    #[test]
    fn java_and_ecma_readings_agree_on_arbitrary_strings(
        s in prop_oneof!["[ -~]{0,12}", "\\PC{0,12}", "[\\s\\S]{0,6}"]
    ) {
        for (java, p, _, _) in model_patterns() {
            prop_assert_eq!(p.is_match(&s), ecma(&p).is_valid(&json!(s)), "{} on {:?}", java, s);
        }
    }
}
