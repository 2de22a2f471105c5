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

pub use crate::model::wire::JSON_1_1;
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
    Ok(Generator::new(catalogue, contract, operation, opts)?.collect())
}

/// The cases of one operation as an iterator: the fixed cases are built up front (a few hundred
/// at most), the `extra` property cases one at a time as they are asked for, so a run of a
/// million cases never holds them all.
pub struct Generator<'a> {
    g: Gen<'a>,
    fixed: std::vec::IntoIter<Case>,
    leaves: Vec<Leaf>,
    /// Indices into `leaves` of the optional top-level members nothing depends on: what valid
    /// property cases vary.
    free: Vec<usize>,
    next: usize,
    extra: usize,
}

/// One member path of the input with what property cases need of it, computed once.
struct Leaf {
    path: String,
    shape: Shape,
    /// Valid values, when the generator can draw them.
    valid: Option<values::ValueStrategy>,
    /// The violations of the member that build a value short enough for a property case.
    specs: Vec<Spec>,
}

impl<'a> Generator<'a> {
    pub fn new(
        catalogue: &'a Catalogue,
        contract: &'a Contract,
        operation: &str,
        opts: Options,
    ) -> Result<Generator<'a>, GenerateError> {
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
            fixed_done: false,
        };
        let leaves = g.fixed_cases();
        g.fixed_done = true;
        let fixed = std::mem::take(&mut g.out).into_iter();
        let (leaves, free) = if opts.extra > 0 {
            g.property_leaves(leaves)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Generator {
            g,
            fixed,
            leaves,
            free,
            next: 0,
            extra: opts.extra,
        })
    }

    /// Cases still to come at most (a property case with nothing to vary is left out).
    pub fn planned(&self) -> usize {
        self.fixed.len() + (self.extra - self.next)
    }
}

impl Iterator for Generator<'_> {
    type Item = Case;

    fn next(&mut self) -> Option<Case> {
        if let Some(c) = self.fixed.next() {
            return Some(c);
        }
        while self.next < self.extra {
            let i = self.next;
            self.next += 1;
            if let Some(c) = self.g.property_case(i, &self.leaves, &self.free) {
                return Some(c);
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.fixed.len(), Some(self.planned()))
    }
}

/// The cases of several operations, one after the other, with how many are planned. Every
/// operation's fixed cases are built here, so an unknown operation or a schema without a base
/// request is an error before the first case is sent.
pub fn stream<'a>(
    catalogue: &'a Catalogue,
    contract: &'a Contract,
    operations: &[String],
    opts: Options,
) -> Result<(usize, impl Iterator<Item = Case> + 'a), GenerateError> {
    let gens = operations
        .iter()
        .map(|op| Generator::new(catalogue, contract, op, opts))
        .collect::<Result<Vec<_>, _>>()?;
    let planned = gens.iter().map(Generator::planned).sum();
    Ok((planned, gens.into_iter().flatten()))
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
    /// The fixed cases' ids; property cases only check against them (their labels carry their
    /// index, so they cannot collide with each other but by a 64-bit hash collision).
    ids: BTreeSet<String>,
    fixed_done: bool,
}

impl<'a> Gen<'a> {
    fn request(&self, body: String) -> Request {
        Request {
            target: Some(self.op.target.clone()),
            content_type: Some(JSON_1_1.to_owned()),
            body,
            signed: self.op.auth == Auth::Sigv4,
            forgery: Default::default(),
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
        while self.ids.contains(&id) {
            n += 1;
            id = stable_id(&[&self.op.name, kind.group(), label, &seed, &n.to_string()]);
        }
        if !self.fixed_done {
            self.ids.insert(id.clone());
        }
        // A name the case creates something under is its own: concurrent creates never collide.
        let mut request = request;
        crate::placeholder::fill_fresh(&mut request.body, &id[..8]);
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
            _ => self.member_expectation(&v.path, v.value.as_ref()),
        };
        let mut body = self.base.clone();
        self.set_path(&mut body, &v.path, v.value);
        self.push_body(v.kind, &v.label, Some(&v.path), &body, expectation);
    }

    /// The expectation when `path` holds another valid value: the nearest override on it (for
    /// this value, else for any) or an ancestor, else the base's.
    fn member_expectation(&self, path: &str, value: Option<&Value>) -> Expectation {
        let oc = self
            .oc
            .expect("valid variants only for operations with a contract");
        let mut p = path;
        let mut value = value;
        loop {
            if let Some(e) = oc.members.get(p).and_then(|m| m.for_value(value)) {
                return e.clone();
            }
            // An ancestor's per-value rows are about the ancestor's own values.
            value = None;
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

    /// Every violation of one member, in a fixed order (the fixed cases' values depend on it).
    fn invalid_variants(
        &self,
        path: &str,
        member: &Member,
        shape: &Shape,
        r: &mut proptest::test_runner::TestRunner,
    ) -> Vec<Variant> {
        invalid_specs(member, shape)
            .iter()
            .flat_map(|spec| self.build(path, shape, spec, r))
            .collect()
    }

    /// The variants one [`Spec`] makes: none when no value fits, several for near misses.
    fn build(
        &self,
        path: &str,
        shape: &Shape,
        spec: &Spec,
        r: &mut proptest::test_runner::TestRunner,
    ) -> Vec<Variant> {
        let variant = |rule: Rule, label: String, value: Option<Value>| Variant {
            kind: CaseKind::Invalid { rule },
            label,
            path: path.to_owned(),
            value,
        };
        let pattern = match &shape.kind {
            Kind::String { pattern, .. } => pattern.as_ref(),
            _ => None,
        };
        let one = |v| vec![v];
        match spec {
            Spec::Missing => one(variant(
                Rule::MissingRequired,
                format!("{path} missing"),
                None,
            )),
            Spec::Null => one(variant(
                Rule::Null,
                format!("{path} null"),
                Some(Value::Null),
            )),
            Spec::EnumCase(changed) => one(variant(
                Rule::EnumMismatch,
                format!("{path} case changed ({changed})"),
                Some(json!(changed)),
            )),
            Spec::EnumUnknown => one(variant(
                Rule::EnumMismatch,
                format!("{path} unknown value"),
                Some(json!("COGNATE_UNKNOWN_VALUE")),
            )),
            &Spec::BelowMin { n, lo, empty } => {
                // Below a pattern's own minimum (`+` needs one) only the empty string is left,
                // which breaks the pattern too: Cognito reports both (§2).
                let s = if empty {
                    Some(String::new())
                } else {
                    values::string_of_len(pattern, n, Chars::Printable, r)
                };
                s.map(|s| {
                    variant(
                        Rule::BelowMinLength,
                        format!("{path} length {n}, below min {lo}"),
                        Some(json!(s)),
                    )
                })
                .into_iter()
                .collect()
            }
            &Spec::AboveMax { n, hi } => values::string_of_len(pattern, n, Chars::Printable, r)
                .map(|s| {
                    variant(
                        Rule::AboveMaxLength,
                        format!("{path} length {n}, above max {hi}"),
                        Some(json!(s)),
                    )
                })
                .into_iter()
                .collect(),
            Spec::PatternEmpty => one(variant(
                Rule::PatternMismatch,
                format!("{path} empty string"),
                Some(json!("")),
            )),
            &Spec::NearMisses { n } => {
                let (Some(pat), Some(valid)) = (
                    pattern,
                    values::string_of_len(pattern, n, Chars::Printable, r),
                ) else {
                    return Vec::new();
                };
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
                let mut out = Vec::new();
                for (pos, d, c) in tries {
                    if let Some(bad) = values::near_miss(pat, &valid, pos, c) {
                        if seen.insert(bad.clone()) && seen.len() <= 6 {
                            out.push(variant(
                                Rule::PatternMismatch,
                                format!("{path} {d} at {}", pos_name(pos)),
                                Some(json!(bad)),
                            ));
                        }
                    }
                }
                out
            }
            &Spec::WrongType(w) => {
                let (label, value) = match w {
                    Wrong::ObjectForString => ("object instead of string", json!({"cognate": 1})),
                    Wrong::BoolForString => ("boolean instead of string", json!(true)),
                    Wrong::ObjectForNumber => ("object instead of number", json!({"cognate": 1})),
                    Wrong::ObjectForScalar => ("object instead of scalar", json!({"cognate": 1})),
                    Wrong::StringForObject => ("string instead of object", json!("cognate")),
                    Wrong::ObjectForList => ("object instead of list", json!({"cognate": 1})),
                };
                one(variant(
                    Rule::WrongType,
                    format!("{path} {label}"),
                    Some(value),
                ))
            }
            &Spec::Number { n, above } => one(variant(
                Rule::NumberOutOfRange,
                format!(
                    "{path} = {n}, {} {}",
                    if above { "above" } else { "below" },
                    if above { "max" } else { "min" }
                ),
                Some(json!(n)),
            )),
        }
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
        if self.op.auth == Auth::Sigv4 {
            let mut unsigned = self.request(body.clone());
            unsigned.signed = false;
            wire.push((Rule::Unsigned, "sent unsigned", unsigned));
            for (rule, label, forgery) in [
                (
                    Rule::WrongSignature,
                    "signed with the wrong secret key",
                    Forgery::WrongSecret,
                ),
                (
                    Rule::UnknownAccessKey,
                    "signed with an unknown access key",
                    Forgery::UnknownKey,
                ),
            ] {
                let mut req = self.request(body.clone());
                req.forgery = forgery;
                wire.push((rule, label, req));
            }
        }
        for (rule, label, req) in wire {
            let e = self.contract.rule(rule).clone();
            self.push(CaseKind::Invalid { rule }, label, None, req, e);
        }
    }

    /// The fixed cases into `out`: the base request, the contract's cases, boundaries of every
    /// member, one case per violation of every member, the wire cases. Returns the leaves.
    fn fixed_cases(&mut self) -> Vec<(String, Member, Shape)> {
        if let Some(oc) = self.oc {
            self.push_body(
                CaseKind::Valid,
                "base request",
                None,
                &self.base.clone(),
                oc.base.clone(),
            );
            for c in &oc.cases {
                self.push_body(
                    CaseKind::Contract,
                    &c.label,
                    None,
                    &c.request,
                    c.expectation.clone(),
                );
            }
        }
        let leaves = self.leaves();
        if let Some(oc) = self.oc {
            for (path, member, shape) in &leaves {
                if !oc.unvaried(path) {
                    self.valid_variants(path, member, shape);
                }
            }
        }
        for (path, member, shape) in &leaves {
            let mut r = values::runner(self.seed, &[&self.op.name, path, "invalid"]);
            for v in self.invalid_variants(path, member, shape, &mut r) {
                self.push_variant(v);
            }
        }
        self.wire_cases();
        leaves
    }

    /// What property cases draw from, built once: each leaf's valid strategy and short
    /// violations, and which leaves are free to vary.
    fn property_leaves(&self, leaves: Vec<(String, Member, Shape)>) -> (Vec<Leaf>, Vec<usize>) {
        let mut free = Vec::new();
        let out = leaves
            .into_iter()
            .enumerate()
            .map(|(i, (path, member, shape))| {
                let is_free = self.oc.is_some_and(|oc| {
                    !member.required
                        && !path.contains('.')
                        && !self.in_base(&path)
                        && !oc.unvaried(&path)
                        && !oc.members.keys().any(|k| {
                            k == &path
                                || path
                                    .strip_prefix(k.as_str())
                                    .is_some_and(|rest| rest.starts_with('.'))
                        })
                });
                if is_free {
                    free.push(i);
                }
                let specs = invalid_specs(&member, &shape)
                    .into_iter()
                    // A 131,073-character string per case would make the run measure bandwidth:
                    // the fixed cases hold each long boundary once.
                    .filter(|spec| spec.len() <= PROPERTY_LONGEST)
                    .collect();
                Leaf {
                    valid: values::valid(self.cat, &shape),
                    path,
                    shape,
                    specs,
                }
            })
            .collect();
        (out, free)
    }

    /// Property case `i`: even indices vary the optional members nothing depends on (valid),
    /// odd ones break one rule on a member drawn at random. `None` when there is nothing to vary.
    fn property_case(&mut self, i: usize, leaves: &[Leaf], free: &[usize]) -> Option<Case> {
        let index = i.to_string();
        let mut r = values::runner(self.seed, &[&self.op.name, "property", &index]);
        use rand_core_compat::pick;
        if i.is_multiple_of(2) {
            if let Some(oc) = self.oc {
                let mut body = self.base.clone();
                let mut set = Vec::new();
                for leaf in free.iter().map(|&k| &leaves[k]) {
                    if pick(r.rng(), 2) == 0 {
                        continue;
                    }
                    if let Some(v) = leaf.valid.as_ref().and_then(|s| values::draw(s, &mut r)) {
                        self.set_path(&mut body, &leaf.path, Some(v));
                        set.push(leaf.path.as_str());
                    }
                }
                let label = if set.is_empty() {
                    format!("property #{i}: base, no optional member")
                } else {
                    format!("property #{i}: with {}", set.join(", "))
                };
                let e = oc.base.clone();
                self.push_body(CaseKind::Valid, &label, None, &body, e);
                return self.out.pop();
            }
        }
        // A member first, then one of its violations, then one of the values it makes.
        let mut all = Vec::new();
        for _ in 0..8 {
            if leaves.is_empty() {
                break;
            }
            let leaf = &leaves[pick(r.rng(), leaves.len())];
            if leaf.specs.is_empty() {
                continue;
            }
            let spec = &leaf.specs[pick(r.rng(), leaf.specs.len())];
            all = self.build(&leaf.path, &leaf.shape, spec, &mut r);
            if !all.is_empty() {
                break;
            }
        }
        if all.is_empty() {
            return None;
        }
        let k = pick(r.rng(), all.len());
        let mut v = all.swap_remove(k);
        v.label = format!("property #{i}: {}", v.label);
        self.push_variant(v);
        self.out.pop()
    }
}

/// Longest string a property case's violation builds.
const PROPERTY_LONGEST: usize = 4096;

/// One way to break a member, before its value is drawn: property cases pick one and build only
/// that, the fixed cases build them all in this order.
#[derive(Debug, Clone, PartialEq)]
enum Spec {
    Missing,
    Null,
    EnumCase(String),
    EnumUnknown,
    /// `n` characters, below the minimum `lo`; `empty` when only the empty string is shorter
    /// than what the pattern itself needs.
    BelowMin {
        n: usize,
        lo: u64,
        empty: bool,
    },
    AboveMax {
        n: usize,
        hi: u64,
    },
    PatternEmpty,
    /// A valid string of `n` characters with one character swapped for a near miss.
    NearMisses {
        n: usize,
    },
    Number {
        n: i64,
        above: bool,
    },
    WrongType(Wrong),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Wrong {
    ObjectForString,
    BoolForString,
    ObjectForNumber,
    ObjectForScalar,
    StringForObject,
    ObjectForList,
}

impl Spec {
    /// Characters of the string the spec builds (0 for the others).
    fn len(&self) -> usize {
        match *self {
            Spec::BelowMin { n, .. } | Spec::AboveMax { n, .. } | Spec::NearMisses { n } => n,
            _ => 0,
        }
    }
}

/// The violations of a member, in the order the fixed cases list them.
fn invalid_specs(member: &Member, shape: &Shape) -> Vec<Spec> {
    let mut specs = Vec::new();
    if member.required {
        specs.push(Spec::Missing);
        specs.push(Spec::Null);
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
                    specs.push(Spec::EnumCase(changed));
                }
            }
            specs.push(Spec::EnumUnknown);
        }
        Kind::String {
            min, max, pattern, ..
        } => {
            let class_min = values::repeated_class(pattern.as_ref()).map_or(0, |c| c.min);
            if let Some(lo) = min.filter(|&m| m > 0) {
                let n = lo as usize - 1;
                specs.push(Spec::BelowMin {
                    n,
                    lo,
                    empty: n < class_min,
                });
            }
            if let Some(hi) = max.filter(|&m| m < LONGEST_VALUE) {
                specs.push(Spec::AboveMax {
                    n: hi as usize + 1,
                    hi,
                });
            }
            if let Some(pat) = pattern {
                let lo = (min.unwrap_or(0) as usize).max(class_min);
                let n = 8usize.clamp(lo.max(1), max.map_or(usize::MAX, |m| m as usize));
                if lo == 0 && !pat.is_match("") {
                    specs.push(Spec::PatternEmpty);
                }
                specs.push(Spec::NearMisses { n });
            }
            specs.push(Spec::WrongType(Wrong::ObjectForString));
            specs.push(Spec::WrongType(Wrong::BoolForString));
        }
        Kind::Integer { min, max } => {
            if let Some(n) = min.and_then(|m| m.checked_sub(1)) {
                specs.push(Spec::Number { n, above: false });
            }
            if let Some(n) = max.and_then(|m| m.checked_add(1)) {
                specs.push(Spec::Number { n, above: true });
            }
            specs.push(Spec::WrongType(Wrong::ObjectForNumber));
        }
        Kind::Boolean | Kind::Timestamp | Kind::Blob { .. } => {
            specs.push(Spec::WrongType(Wrong::ObjectForScalar))
        }
        Kind::Structure { .. } | Kind::Map { .. } => {
            specs.push(Spec::WrongType(Wrong::StringForObject))
        }
        Kind::List { .. } => specs.push(Spec::WrongType(Wrong::ObjectForList)),
        Kind::Document => {}
    }
    specs
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
