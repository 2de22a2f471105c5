//! The generate stage: valid and invalid [`Case`]s for an operation, each with the expectation the
//! contract data sets for it. Pure and seeded: the same catalogue, contract and seed give the same
//! cases byte for byte.
//!
//! Valid cases are boundaries (exact min and max length, every enum value, optional members
//! present and absent, non-ASCII where the pattern allows it). Invalid cases break one rule each,
//! chosen so the violation reaches the wire. `extra` adds property-generated cases on top.

pub mod case;
pub mod contract;
pub mod values;

pub use case::*;
pub use contract::{Contract, ContractError, OperationContract};

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::model::{Auth, Catalogue, Kind, Member, Operation, Shape};
use values::{Chars, Position};

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// Longest value the fixed cases build; longer maxima (blobs of a megabyte) are skipped.
const LONGEST_VALUE: u64 = 262_144;

#[derive(Debug, Error)]
pub enum GenerateError {
    #[error("no operation {0:?} in the schemas")]
    UnknownOperation(String),
    #[error("{0}: cannot build a valid base request from its schema")]
    NoBase(String),
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub seed: u64,
    /// Property-generated cases added per operation.
    pub extra: usize,
}

/// Every case for one operation, fixed cases first, then `extra` property cases.
pub fn cases(
    catalogue: &Catalogue,
    contract: &Contract,
    operation: &str,
    opts: Options,
) -> Result<Vec<Case>, GenerateError> {
    let op = catalogue
        .operation(operation)
        .ok_or_else(|| GenerateError::UnknownOperation(operation.to_owned()))?;
    let oc = contract.operations.get(operation);
    let base = match oc {
        Some(oc) => oc.base_request.clone(),
        None => synthesised_base(catalogue, op, opts.seed)?,
    };
    let mut g = Gen {
        cat: catalogue,
        contract,
        oc,
        op,
        seed: opts.seed,
        base,
        out: Vec::new(),
        ids: BTreeSet::new(),
    };
    if let Some(oc) = oc {
        g.push_body(
            CaseKind::Valid,
            "base request",
            None,
            &g.base.clone(),
            oc.base.clone(),
        );
        for c in &oc.cases {
            g.push_body(
                CaseKind::Contract,
                &c.label,
                None,
                &c.request,
                c.expectation.clone(),
            );
        }
    }
    let leaves = g.leaves();
    if oc.is_some() {
        for (path, member, shape) in &leaves {
            g.valid_variants(path, member, shape);
        }
    }
    for (path, member, shape) in &leaves {
        let mut r = values::runner(opts.seed, &[operation, path, "invalid"]);
        for v in g.invalid_variants(path, member, shape, &mut r) {
            g.push_variant(v);
        }
    }
    g.wire_cases();
    for i in 0..opts.extra {
        g.property_case(i, &leaves);
    }
    Ok(g.out)
}

/// For an operation the contract data does not cover: a valid request drawn from its schema.
/// Only invalid cases are generated from it, since only their outcome does not depend on state.
fn synthesised_base(
    catalogue: &Catalogue,
    op: &Operation,
    seed: u64,
) -> Result<Map<String, Value>, GenerateError> {
    let Some(root) = op.input.as_deref().and_then(|r| catalogue.shape(r)) else {
        return Ok(Map::new());
    };
    let strategy =
        values::valid(catalogue, root).ok_or_else(|| GenerateError::NoBase(op.name.clone()))?;
    let mut r = values::runner(seed, &[&op.name, "base"]);
    match values::draw(&strategy, &mut r) {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(GenerateError::NoBase(op.name.clone())),
    }
}

/// A case before it is given its id: one member changed in the base request.
struct Variant {
    kind: CaseKind,
    label: String,
    path: String,
    /// The new value; `None` removes the member.
    value: Option<Value>,
}

struct Gen<'a> {
    cat: &'a Catalogue,
    contract: &'a Contract,
    oc: Option<&'a OperationContract>,
    op: &'a Operation,
    seed: u64,
    base: Map<String, Value>,
    out: Vec<Case>,
    ids: BTreeSet<String>,
}

impl<'a> Gen<'a> {
    fn request(&self, body: String) -> Request {
        Request {
            target: Some(self.op.target.clone()),
            content_type: Some(CONTENT_TYPE.to_owned()),
            body,
            signed: self.op.auth == Auth::Sigv4,
        }
    }

    fn push(
        &mut self,
        kind: CaseKind,
        label: &str,
        member: Option<&str>,
        request: Request,
        expectation: Expectation,
    ) {
        let seed = self.seed.to_string();
        let mut id = stable_id(&[&self.op.name, kind.group(), label, &seed]);
        // Labels are unique per operation by construction; this guards the invariant anyway.
        let mut n = 1;
        while !self.ids.insert(id.clone()) {
            n += 1;
            id = stable_id(&[&self.op.name, kind.group(), label, &seed, &n.to_string()]);
        }
        self.out.push(Case {
            id,
            operation: self.op.name.clone(),
            kind,
            label: label.to_owned(),
            member: member.map(str::to_owned),
            request,
            expectation,
        });
    }

    fn push_body(
        &mut self,
        kind: CaseKind,
        label: &str,
        member: Option<&str>,
        body: &Map<String, Value>,
        expectation: Expectation,
    ) {
        let text = serde_json::to_string(body).expect("a JSON map always serialises");
        let req = self.request(text);
        self.push(kind, label, member, req, expectation);
    }

    fn push_variant(&mut self, v: Variant) {
        let expectation = match v.kind {
            CaseKind::Invalid { rule } => self.contract.rule(rule).clone(),
            _ => self.member_expectation(&v.path),
        };
        let mut body = self.base.clone();
        self.set_path(&mut body, &v.path, v.value);
        self.push_body(v.kind, &v.label, Some(&v.path), &body, expectation);
    }

    /// The expectation when `path` holds another valid value: the nearest override on it or an
    /// ancestor, else the base's.
    fn member_expectation(&self, path: &str) -> Expectation {
        let oc = self
            .oc
            .expect("valid variants only for operations with a contract");
        let mut p = path;
        loop {
            if let Some(e) = oc.members.get(p) {
                return e.clone();
            }
            match p.rfind('.') {
                Some(i) => p = &p[..i],
                None => return oc.base.clone(),
            }
        }
    }

    /// Every member path of the input, structures entered (lists and maps are leaves).
    fn leaves(&self) -> Vec<(String, Member, Shape)> {
        let mut out = Vec::new();
        if let Some(root) = self.op.input.as_deref() {
            self.walk(root, "", 0, &mut out);
        }
        out
    }

    fn walk(
        &self,
        shape: &str,
        prefix: &str,
        depth: usize,
        out: &mut Vec<(String, Member, Shape)>,
    ) {
        let Some(Shape {
            kind: Kind::Structure { members },
            ..
        }) = self.cat.shape(shape)
        else {
            return;
        };
        for m in members {
            let Some(s) = self.cat.shape(&m.shape) else {
                continue;
            };
            let path = if prefix.is_empty() {
                m.name.clone()
            } else {
                format!("{prefix}.{}", m.name)
            };
            out.push((path.clone(), m.clone(), s.clone()));
            if depth < 3 {
                self.walk(&m.shape, &path, depth + 1, out);
            }
        }
    }

    /// Sets (or with `None` removes) the member at a dotted path, creating parent structures
    /// with their required members where the base lacks them.
    fn set_path(&self, body: &mut Map<String, Value>, path: &str, value: Option<Value>) {
        let root = self.op.input.clone().unwrap_or_default();
        let parts: Vec<&str> = path.split('.').collect();
        let mut cur = body;
        for i in 0..parts.len() - 1 {
            let key = parts[i];
            if !cur.get(key).is_some_and(Value::is_object) {
                let parent_path = parts[..=i].join(".");
                let fresh = self.required_only(&root, &parent_path);
                cur.insert(key.to_owned(), Value::Object(fresh));
            }
            cur = cur
                .get_mut(key)
                .and_then(Value::as_object_mut)
                .expect("made an object above");
        }
        let last = parts[parts.len() - 1];
        match value {
            Some(v) => {
                cur.insert(last.to_owned(), v);
            }
            None => {
                cur.remove(last);
            }
        }
    }

    /// A structure at `path` with only its required members, each a drawn valid value.
    fn required_only(&self, root: &str, path: &str) -> Map<String, Value> {
        let mut m = Map::new();
        let Some((
            _,
            Shape {
                kind: Kind::Structure { members },
                ..
            },
        )) = self.cat.member_at(root, path)
        else {
            return m;
        };
        let mut r = values::runner(self.seed, &[&self.op.name, path, "required"]);
        for member in members.iter().filter(|x| x.required) {
            if let Some(v) = self
                .cat
                .shape(&member.shape)
                .and_then(|s| values::valid(self.cat, s))
                .and_then(|s| values::draw(&s, &mut r))
            {
                m.insert(member.name.clone(), v);
            }
        }
        m
    }

    fn in_base(&self, path: &str) -> bool {
        let mut cur = Some(&self.base);
        let parts: Vec<&str> = path.split('.').collect();
        for (i, p) in parts.iter().enumerate() {
            let Some(v) = cur.and_then(|m| m.get(*p)) else {
                return false;
            };
            if i + 1 == parts.len() {
                return true;
            }
            cur = v.as_object();
        }
        false
    }

    fn valid_variants(&mut self, path: &str, member: &Member, shape: &Shape) {
        let mut r = values::runner(self.seed, &[&self.op.name, path, "valid"]);
        let mut vs: Vec<(String, Option<Value>)> = Vec::new();
        if !member.required && self.in_base(path) {
            vs.push((format!("{path} absent"), None));
        }
        match &shape.kind {
            Kind::String {
                values: Some(values),
                ..
            } => {
                for v in values {
                    vs.push((format!("{path} = {v}"), Some(json!(v))));
                }
            }
            Kind::String {
                min, max, pattern, ..
            } => {
                let class_min = values::repeated_class(pattern.as_ref()).map_or(0, |c| c.min);
                let lo = (min.unwrap_or(0) as usize).max(class_min);
                let p = pattern.as_ref();
                if let Some(s) = values::string_of_len(p, lo, Chars::Printable, &mut r) {
                    vs.push((format!("{path} at min length {lo}"), Some(json!(s))));
                }
                if let Some(hi) = max.filter(|&m| m as usize > lo && m <= LONGEST_VALUE) {
                    if let Some(s) = values::string_of_len(p, hi as usize, Chars::Printable, &mut r)
                    {
                        vs.push((format!("{path} at max length {hi}"), Some(json!(s))));
                    }
                }
                let n = 6usize.clamp(lo.max(1), max.map_or(usize::MAX, |m| m as usize));
                if let Some(s) = values::string_of_len(p, n, Chars::NonAscii, &mut r) {
                    vs.push((format!("{path} non-ASCII"), Some(json!(s))));
                }
            }
            Kind::Integer { min, max } => {
                for (what, n) in [("min", min), ("max", max)] {
                    if let Some(n) = n {
                        vs.push((format!("{path} at {what} value {n}"), Some(json!(n))));
                    }
                }
            }
            Kind::Boolean => {
                vs.push((format!("{path} = true"), Some(json!(true))));
                vs.push((format!("{path} = false"), Some(json!(false))));
            }
            Kind::Map { .. } => {
                if let Some(v) =
                    values::valid(self.cat, shape).and_then(|s| values::draw(&s, &mut r))
                {
                    vs.push((format!("{path} with entries"), Some(v)));
                }
                vs.push((format!("{path} empty"), Some(json!({}))));
            }
            _ if !self.in_base(path) => {
                if let Some(v) =
                    values::valid(self.cat, shape).and_then(|s| values::draw(&s, &mut r))
                {
                    vs.push((format!("{path} present"), Some(v)));
                }
            }
            _ => {}
        }
        for (label, value) in vs {
            self.push_variant(Variant {
                kind: CaseKind::Valid,
                label,
                path: path.to_owned(),
                value,
            });
        }
    }

    fn invalid_variants(
        &self,
        path: &str,
        member: &Member,
        shape: &Shape,
        r: &mut proptest::test_runner::TestRunner,
    ) -> Vec<Variant> {
        let mut vs = Vec::new();
        let mut add = |rule: Rule, label: String, value: Option<Value>| {
            vs.push(Variant {
                kind: CaseKind::Invalid { rule },
                label,
                path: path.to_owned(),
                value,
            })
        };
        if member.required {
            add(Rule::MissingRequired, format!("{path} missing"), None);
            add(Rule::Null, format!("{path} null"), Some(Value::Null));
        }
        match &shape.kind {
            Kind::String {
                values: Some(values),
                ..
            } => {
                if let Some(v) = values.first() {
                    let lower = v.to_lowercase();
                    let changed = if lower == *v { v.to_uppercase() } else { lower };
                    if !values.contains(&changed) {
                        add(
                            Rule::EnumMismatch,
                            format!("{path} case changed ({changed})"),
                            Some(json!(changed)),
                        );
                    }
                }
                add(
                    Rule::EnumMismatch,
                    format!("{path} unknown value"),
                    Some(json!("COGNATE_UNKNOWN_VALUE")),
                );
            }
            Kind::String {
                min, max, pattern, ..
            } => {
                let p = pattern.as_ref();
                let class_min = values::repeated_class(p).map_or(0, |c| c.min);
                if let Some(lo) = min.filter(|&m| m > 0) {
                    let n = lo as usize - 1;
                    // Below a pattern's own minimum (`+` needs one) only the empty string is
                    // left, which breaks the pattern too: Cognito reports both (§2).
                    let s = if n < class_min {
                        Some(String::new())
                    } else {
                        values::string_of_len(p, n, Chars::Printable, r)
                    };
                    if let Some(s) = s {
                        add(
                            Rule::BelowMinLength,
                            format!("{path} length {n}, below min {lo}"),
                            Some(json!(s)),
                        );
                    }
                }
                if let Some(hi) = max.filter(|&m| m < LONGEST_VALUE) {
                    let n = hi as usize + 1;
                    if let Some(s) = values::string_of_len(p, n, Chars::Printable, r) {
                        add(
                            Rule::AboveMaxLength,
                            format!("{path} length {n}, above max {hi}"),
                            Some(json!(s)),
                        );
                    }
                }
                if let Some(pat) = p {
                    let lo = (min.unwrap_or(0) as usize).max(class_min);
                    let n = 8usize.clamp(lo.max(1), max.map_or(usize::MAX, |m| m as usize));
                    if lo == 0 && !pat.is_match("") {
                        add(
                            Rule::PatternMismatch,
                            format!("{path} empty string"),
                            Some(json!("")),
                        );
                    }
                    if let Some(valid) = values::string_of_len(p, n, Chars::Printable, r) {
                        let mut seen = BTreeSet::new();
                        let mut tries: Vec<(Position, &str, char)> = Vec::new();
                        for pos in [Position::Start, Position::Middle, Position::End] {
                            if let Some(&(d, c)) = values::NEAR_MISSES
                                .iter()
                                .find(|(_, c)| values::near_miss(pat, &valid, pos, *c).is_some())
                            {
                                tries.push((pos, d, c));
                            }
                        }
                        for &(d, c) in values::NEAR_MISSES {
                            tries.push((Position::Middle, d, c));
                        }
                        for (pos, d, c) in tries {
                            if let Some(bad) = values::near_miss(pat, &valid, pos, c) {
                                if seen.insert(bad.clone()) && seen.len() <= 6 {
                                    add(
                                        Rule::PatternMismatch,
                                        format!("{path} {d} at {}", pos_name(pos)),
                                        Some(json!(bad)),
                                    );
                                }
                            }
                        }
                    }
                }
                add(
                    Rule::WrongType,
                    format!("{path} object instead of string"),
                    Some(json!({"cognate": 1})),
                );
                add(
                    Rule::WrongType,
                    format!("{path} boolean instead of string"),
                    Some(json!(true)),
                );
            }
            Kind::Integer { min, max } => {
                if let Some(n) = min.and_then(|m| m.checked_sub(1)) {
                    add(
                        Rule::NumberOutOfRange,
                        format!("{path} = {n}, below min"),
                        Some(json!(n)),
                    );
                }
                if let Some(n) = max.and_then(|m| m.checked_add(1)) {
                    add(
                        Rule::NumberOutOfRange,
                        format!("{path} = {n}, above max"),
                        Some(json!(n)),
                    );
                }
                add(
                    Rule::WrongType,
                    format!("{path} object instead of number"),
                    Some(json!({"cognate": 1})),
                );
            }
            Kind::Boolean | Kind::Timestamp | Kind::Blob { .. } => add(
                Rule::WrongType,
                format!("{path} object instead of scalar"),
                Some(json!({"cognate": 1})),
            ),
            Kind::Structure { .. } | Kind::Map { .. } => add(
                Rule::WrongType,
                format!("{path} string instead of object"),
                Some(json!("cognate")),
            ),
            Kind::List { .. } => add(
                Rule::WrongType,
                format!("{path} object instead of list"),
                Some(json!({"cognate": 1})),
            ),
            Kind::Document => {}
        }
        vs
    }

    /// Cases about the frame around the input: JSON syntax, the body's type, headers.
    fn wire_cases(&mut self) {
        let body = serde_json::to_string(&self.base).expect("a JSON map always serialises");
        let mut wire: Vec<(Rule, &str, Request)> = Vec::new();
        let mut broken = Vec::new();
        if body.len() > 2 {
            broken.push(("truncated JSON", body[..body.len() - 1].to_owned()));
            broken.push(("trailing comma", format!("{},}}", &body[..body.len() - 1])));
        }
        broken.push(("single-quoted JSON", body.replace('"', "'")));
        broken.push(("not JSON at all", "ClientId=cognate".to_owned()));
        for (label, b) in broken {
            if serde_json::from_str::<Value>(&b).is_err() {
                wire.push((Rule::MalformedJson, label, self.request(b)));
            }
        }
        wire.push((Rule::EmptyBody, "empty body", self.request(String::new())));
        for (label, b) in [
            ("body is a JSON array", "[]"),
            ("body is a JSON string", "\"cognate\""),
            ("body is a JSON number", "42"),
        ] {
            wire.push((Rule::BodyNotObject, label, self.request(b.to_owned())));
        }
        let mut no_target = self.request(body.clone());
        no_target.target = None;
        wire.push((Rule::MissingTarget, "X-Amz-Target absent", no_target));
        let prefix = self
            .op
            .target
            .rsplit_once('.')
            .map_or("", |(p, _)| p)
            .to_owned();
        for (label, target) in [
            (
                "unknown operation name",
                format!("{prefix}.CognateNoSuchOperation"),
            ),
            (
                "operation name in lower case",
                format!("{prefix}.{}", self.op.name.to_lowercase()),
            ),
            (
                "unknown service prefix",
                format!("CognateNoSuchService.{}", self.op.name),
            ),
        ] {
            let mut req = self.request(body.clone());
            req.target = Some(target);
            wire.push((Rule::UnknownOperation, label, req));
        }
        for ct in ["text/plain", "application/x-www-form-urlencoded"] {
            let mut req = self.request(body.clone());
            req.content_type = Some(ct.to_owned());
            wire.push((
                Rule::WrongContentType,
                if ct == "text/plain" {
                    "Content-Type text/plain"
                } else {
                    "Content-Type form-urlencoded"
                },
                req,
            ));
        }
        for (rule, label, req) in wire {
            let e = self.contract.rule(rule).clone();
            self.push(CaseKind::Invalid { rule }, label, None, req, e);
        }
    }

    /// One property case: even indices vary the optional members nothing depends on (valid),
    /// odd ones break one rule on a member drawn at random.
    fn property_case(&mut self, i: usize, leaves: &[(String, Member, Shape)]) {
        let index = i.to_string();
        let mut r = values::runner(self.seed, &[&self.op.name, "property", &index]);
        use rand_core_compat::pick;
        if i % 2 == 0 && self.oc.is_some() {
            let oc = self.oc.expect("checked");
            let free: Vec<&(String, Member, Shape)> = leaves
                .iter()
                .filter(|(p, m, _)| {
                    !m.required
                        && !p.contains('.')
                        && !self.in_base(p)
                        && !oc
                            .members
                            .keys()
                            .any(|k| k == p || p.starts_with(&format!("{k}.")))
                })
                .collect();
            let mut body = self.base.clone();
            let mut set = Vec::new();
            for (path, _, shape) in free {
                if pick(r.rng(), 2) == 0 {
                    continue;
                }
                let v = values::valid(self.cat, shape).and_then(|s| values::draw(&s, &mut r));
                if let Some(v) = v {
                    self.set_path(&mut body, path, Some(v));
                    set.push(path.as_str());
                }
            }
            let label = if set.is_empty() {
                format!("property #{i}: base, no optional member")
            } else {
                format!("property #{i}: with {}", set.join(", "))
            };
            let e = oc.base.clone();
            self.push_body(CaseKind::Valid, &label, None, &body, e);
            return;
        }
        // A member first, then one of its violations: each draw builds one member's variants.
        let mut all = Vec::new();
        for _ in 0..8 {
            if leaves.is_empty() {
                break;
            }
            let (path, member, shape) = &leaves[pick(r.rng(), leaves.len())];
            all = self.invalid_variants(path, member, shape, &mut r);
            if !all.is_empty() {
                break;
            }
        }
        if all.is_empty() {
            return;
        }
        let k = pick(r.rng(), all.len());
        let mut v = all.swap_remove(k);
        v.label = format!("property #{i}: {}", v.label);
        self.push_variant(v);
    }
}

fn pos_name(p: Position) -> &'static str {
    match p {
        Position::Start => "start",
        Position::Middle => "middle",
        Position::End => "end",
    }
}

/// proptest's RNG without naming its `rand` version in our API.
mod rand_core_compat {
    use proptest::test_runner::TestRng;
    pub fn pick(rng: &mut TestRng, n: usize) -> usize {
        use proptest::prelude::Rng as _;
        (rng.next_u64() % n as u64) as usize
    }
}
