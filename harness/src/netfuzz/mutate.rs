//! Pure mutators: a valid request for an operation (drawn from its input schema), a list of
//! [`Mutation`]s, and the raw HTTP/1.1 bytes they make. Seeded: the same seed gives the same
//! inputs.
//!
//! Mutations apply in three phases, each in list order: on the JSON value (types, unknown and
//! removed members, long strings), on the JSON text (duplicate keys, huge numbers, deep nesting,
//! invalid UTF-8, NUL bytes, unpaired surrogates, truncation), and on the HTTP frame (headers,
//! method, Content-Length mismatches, chunked bodies, empty and huge bodies).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::generate::values;
use crate::model::{Auth, Catalogue, Operation};

/// The Authorization header sent to SigV4 operations: SigV4 in form, signed by nobody. The
/// fuzzer tests request parsers, not authentication, and carries no credentials.
pub const FAKE_SIGV4: &str = "AWS4-HMAC-SHA256 Credential=AKIDCOGNATEFUZZ00000/20240101/us-east-1/cognito-idp/aws4_request, SignedHeaders=content-type;host;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000";

pub use crate::model::wire::JSON_1_1;

/// One change to a valid request. `member` is a dotted path into the body (`AnalyticsMetadata.
/// AnalyticsEndpointId`); a member the body lacks is added at that path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mutation {
    /// The member holds a value of another JSON type.
    WrongType { member: String, value: Value },
    /// The member is removed.
    RemoveMember { member: String },
    /// A member the schema does not know is added.
    UnknownMember { name: String },
    /// The member holds a string of `len` characters.
    LongString { member: String, len: usize },
    /// The member appears twice in its object, the first time with another value.
    DuplicateKey { member: String },
    /// The member holds a number literal far outside every numeric type.
    HugeNumber { member: String, digits: usize },
    /// The member holds `depth` nested arrays (or objects).
    DeepNesting {
        member: String,
        depth: usize,
        objects: bool,
    },
    /// Bytes that are not UTF-8 inside the member's string.
    InvalidUtf8 { member: String },
    /// A NUL inside the member's string: raw (invalid JSON) or as `\u0000`.
    NulByte { member: String, escaped: bool },
    /// A lone UTF-16 surrogate escape inside the member's string.
    UnpairedSurrogate { member: String, high: bool },
    /// The body cut to its first `keep` bytes.
    Truncate { keep: usize },
    /// Bytes after the JSON value.
    TrailingGarbage,
    /// The HTTP method.
    Method { method: String },
    /// A header left out (`x-amz-target`, `content-type`, `authorization`, `host`).
    DropHeader { name: String },
    /// A header's value replaced.
    HeaderValue { name: String, value: String },
    /// A second header of the same name.
    DuplicateHeader { name: String, value: String },
    /// Content-Length declares the body's length plus `delta` bytes.
    ContentLengthDelta { delta: i64 },
    /// The body sent as chunks of `size` bytes; `malformed` breaks a chunk-size line.
    Chunked { size: usize, malformed: bool },
    /// No body at all.
    EmptyBody,
    /// Whitespace appended until the body has `bytes` bytes.
    HugeBody { bytes: usize },
}

/// How a request is framed, which decides what counts as a finding (see `super::classify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frame {
    /// Well-formed HTTP/1.1: the target's parser must answer, under 500, in the envelope.
    Clean,
    /// Broken framing (a Content-Length mismatch, a bad chunk, a control character in a header):
    /// the target may answer any 4xx or close the connection, but must not answer 5xx or hang.
    Broken,
    /// A body past any reasonable limit: a 4xx (413) or a close is fine, a 5xx or a hang is not.
    Oversize,
}

impl Mutation {
    /// The variant's name, as in the JSON (`nul_byte`).
    pub fn kind(&self) -> &'static str {
        match self {
            Mutation::WrongType { .. } => "wrong_type",
            Mutation::RemoveMember { .. } => "remove_member",
            Mutation::UnknownMember { .. } => "unknown_member",
            Mutation::LongString { .. } => "long_string",
            Mutation::DuplicateKey { .. } => "duplicate_key",
            Mutation::HugeNumber { .. } => "huge_number",
            Mutation::DeepNesting { .. } => "deep_nesting",
            Mutation::InvalidUtf8 { .. } => "invalid_utf8",
            Mutation::NulByte { .. } => "nul_byte",
            Mutation::UnpairedSurrogate { .. } => "unpaired_surrogate",
            Mutation::Truncate { .. } => "truncate",
            Mutation::TrailingGarbage => "trailing_garbage",
            Mutation::Method { .. } => "method",
            Mutation::DropHeader { .. } => "drop_header",
            Mutation::HeaderValue { .. } => "header_value",
            Mutation::DuplicateHeader { .. } => "duplicate_header",
            Mutation::ContentLengthDelta { .. } => "content_length_delta",
            Mutation::Chunked { .. } => "chunked",
            Mutation::EmptyBody => "empty_body",
            Mutation::HugeBody { .. } => "huge_body",
        }
    }

    /// The member path the mutation is about, if any.
    pub fn member(&self) -> Option<&str> {
        match self {
            Mutation::WrongType { member, .. }
            | Mutation::RemoveMember { member }
            | Mutation::LongString { member, .. }
            | Mutation::DuplicateKey { member }
            | Mutation::HugeNumber { member, .. }
            | Mutation::DeepNesting { member, .. }
            | Mutation::InvalidUtf8 { member }
            | Mutation::NulByte { member, .. }
            | Mutation::UnpairedSurrogate { member, .. } => Some(member),
            _ => None,
        }
    }

    /// The same mutation with its size parameter halved, if it has one worth shrinking.
    pub fn halved(&self) -> Option<Mutation> {
        let mut m = self.clone();
        let n = match &mut m {
            Mutation::LongString { len, .. } => len,
            Mutation::HugeNumber { digits, .. } => digits,
            Mutation::DeepNesting { depth, .. } => depth,
            Mutation::HugeBody { bytes } => bytes,
            Mutation::Chunked { size, .. } => size,
            Mutation::Truncate { keep } => keep,
            _ => return None,
        };
        if *n <= 1 {
            return None;
        }
        *n /= 2;
        Some(m)
    }
}

/// One fuzz input: an operation, a valid body for it, and what is done to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub operation: String,
    /// The `X-Amz-Target` of the operation.
    pub target: String,
    /// Whether the operation is SigV4-authenticated (the fake Authorization header is sent).
    pub signed: bool,
    /// The valid body the mutations start from.
    pub base: Map<String, Value>,
    pub mutations: Vec<Mutation>,
}

/// Where the request goes: what the request line and the Host header say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `host:port` as the Host header carries it.
    pub authority: String,
    /// The request path (`/`).
    pub path: String,
}

const MARK: &str = "cognate~mark~";

fn mark(i: usize) -> String {
    format!("{MARK}{i}~")
}

/// The object holding `path`'s last segment, created along the way; and that segment.
fn parent_mut<'a>(
    body: &'a mut Map<String, Value>,
    path: &'a str,
) -> (&'a mut Map<String, Value>, &'a str) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap_or_default();
    let mut cur = body;
    for p in parts {
        let slot = cur.entry(p.to_owned()).or_insert_with(|| json!({}));
        if !slot.is_object() {
            *slot = json!({});
        }
        cur = slot.as_object_mut().expect("made an object");
    }
    (cur, last)
}

fn set(body: &mut Map<String, Value>, path: &str, v: Value) {
    let (parent, key) = parent_mut(body, path);
    parent.insert(key.to_owned(), v);
}

fn get<'a>(body: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut cur = body.get(parts.next()?)?;
    for p in parts {
        cur = cur.get(p)?;
    }
    Some(cur)
}

fn remove(body: &mut Map<String, Value>, path: &str) {
    let (parent, key) = parent_mut(body, path);
    parent.shift_remove(key);
}

/// Where the mutations that put bytes inside a string put them: the char boundary at or before
/// the middle.
pub fn split_point(s: &str) -> usize {
    (0..=s.len() / 2)
        .rev()
        .find(|&k| s.is_char_boundary(k))
        .unwrap_or(0)
}

/// Replaces every occurrence of `from` in `bytes` with `to`.
fn splice(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + to.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

impl Input {
    /// The body bytes after the value and text phases.
    pub fn body(&self) -> Vec<u8> {
        let mut body = self.base.clone();
        // Value phase; text-phase mutations leave a marker where their bytes go.
        let mut text_marks: Vec<(usize, &Mutation)> = Vec::new();
        for (i, m) in self.mutations.iter().enumerate() {
            match m {
                Mutation::WrongType { member, value } => set(&mut body, member, value.clone()),
                Mutation::RemoveMember { member } => remove(&mut body, member),
                Mutation::UnknownMember { name } => {
                    body.insert(name.clone(), json!("cognate"));
                }
                Mutation::LongString { member, len } => {
                    set(&mut body, member, Value::String("a".repeat(*len)))
                }
                Mutation::HugeNumber { member, .. } | Mutation::DeepNesting { member, .. } => {
                    set(&mut body, member, Value::String(mark(i)));
                    text_marks.push((i, m));
                }
                Mutation::InvalidUtf8 { member }
                | Mutation::NulByte { member, .. }
                | Mutation::UnpairedSurrogate { member, .. } => {
                    let old = get(&body, member)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    let mid = split_point(&old);
                    let v = format!("{}{}{}", &old[..mid], mark(i), &old[mid..]);
                    set(&mut body, member, Value::String(v));
                    text_marks.push((i, m));
                }
                _ => {}
            }
        }
        let mut bytes = serde_json::to_vec(&body).expect("a JSON map always serialises");
        for (i, m) in text_marks {
            let quoted = format!("\"{}\"", mark(i));
            bytes = match m {
                Mutation::HugeNumber { digits, .. } => {
                    let n = format!("9{}", "9".repeat(digits.saturating_sub(1)));
                    splice(&bytes, quoted.as_bytes(), n.as_bytes())
                }
                Mutation::DeepNesting { depth, objects, .. } => {
                    let (open, close) = if *objects {
                        ("{\"a\":", "}")
                    } else {
                        ("[", "]")
                    };
                    let n = format!("{}1{}", open.repeat(*depth), close.repeat(*depth));
                    splice(&bytes, quoted.as_bytes(), n.as_bytes())
                }
                Mutation::InvalidUtf8 { .. } => {
                    splice(&bytes, mark(i).as_bytes(), &[0xC3, 0x28, 0xFF])
                }
                Mutation::NulByte { escaped, .. } => {
                    let to: &[u8] = if *escaped { b"\\u0000" } else { b"\0" };
                    splice(&bytes, mark(i).as_bytes(), to)
                }
                Mutation::UnpairedSurrogate { high, .. } => {
                    let to: &[u8] = if *high { b"\\ud800" } else { b"\\udc00x" };
                    splice(&bytes, mark(i).as_bytes(), to)
                }
                _ => bytes,
            };
        }
        for m in &self.mutations {
            match m {
                Mutation::DuplicateKey { member } => {
                    // The first occurrence, at the front of the top-level object.
                    let key = member.split('.').next().unwrap_or(member);
                    let first =
                        format!("{}:12345,", serde_json::to_string(key).unwrap_or_default());
                    if bytes.first() == Some(&b'{') && bytes.len() > 2 {
                        let mut out = b"{".to_vec();
                        out.extend_from_slice(first.as_bytes());
                        out.extend_from_slice(&bytes[1..]);
                        bytes = out;
                    }
                }
                Mutation::Truncate { keep } => bytes.truncate(*keep),
                Mutation::TrailingGarbage => bytes.extend_from_slice(b" }garbage{"),
                Mutation::EmptyBody => bytes.clear(),
                Mutation::HugeBody { bytes: n } if bytes.len() < *n => bytes.resize(*n, b' '),
                _ => {}
            }
        }
        bytes
    }

    /// How the request is framed.
    pub fn frame(&self) -> Frame {
        let mut frame = Frame::Clean;
        for m in &self.mutations {
            match m {
                Mutation::ContentLengthDelta { delta } if *delta != 0 => return Frame::Broken,
                Mutation::Chunked {
                    malformed: true, ..
                } => return Frame::Broken,
                Mutation::HeaderValue { name, value }
                | Mutation::DuplicateHeader { name, value }
                    if !header_safe(name) || !header_safe(value) =>
                {
                    return Frame::Broken
                }
                Mutation::Method { method } if !method.bytes().all(|b| b.is_ascii_alphabetic()) => {
                    return Frame::Broken
                }
                Mutation::DropHeader { name } if name.eq_ignore_ascii_case("host") => {
                    // HTTP/1.1 requires Host; a 400 without envelope is a fair answer.
                    return Frame::Broken;
                }
                Mutation::DuplicateHeader { name, .. }
                    if name.eq_ignore_ascii_case("content-length")
                        || name.eq_ignore_ascii_case("host") =>
                {
                    return Frame::Broken
                }
                Mutation::HugeBody { .. } => frame = Frame::Oversize,
                _ => {}
            }
        }
        frame
    }

    /// The raw HTTP/1.1 request.
    pub fn render(&self, endpoint: &Endpoint) -> Vec<u8> {
        let body = self.body();
        let mut method = "POST".to_owned();
        let mut headers: Vec<(String, String)> = vec![
            ("Host".into(), endpoint.authority.clone()),
            ("X-Amz-Target".into(), self.target.clone()),
            ("Content-Type".into(), JSON_1_1.into()),
        ];
        if self.signed {
            headers.push(("Authorization".into(), FAKE_SIGV4.into()));
        }
        headers.push(("Connection".into(), "close".into()));
        let mut chunked = None;
        let mut delta = 0i64;
        for m in &self.mutations {
            match m {
                Mutation::Method { method: m } => method = m.clone(),
                Mutation::DropHeader { name } => {
                    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
                }
                Mutation::HeaderValue { name, value } => {
                    match headers
                        .iter_mut()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    {
                        Some(h) => h.1 = value.clone(),
                        None => headers.push((name.clone(), value.clone())),
                    }
                }
                Mutation::DuplicateHeader { name, value } => {
                    headers.push((name.clone(), value.clone()))
                }
                Mutation::ContentLengthDelta { delta: d } => delta = *d,
                Mutation::Chunked { size, malformed } => chunked = Some((*size, *malformed)),
                _ => {}
            }
        }
        let mut out = Vec::with_capacity(body.len() + 512);
        out.extend_from_slice(format!("{method} {} HTTP/1.1\r\n", endpoint.path).as_bytes());
        for (k, v) in &headers {
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        match chunked {
            Some((size, malformed)) => {
                out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                // At most 4,096 chunks: smaller chunks on a long body only measure speed.
                let size = size.max(1).max(body.len() / 4096);
                for (n, chunk) in body.chunks(size).enumerate() {
                    if malformed && n == 0 {
                        out.extend_from_slice(b"zz\r\n");
                    } else {
                        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                    }
                    out.extend_from_slice(chunk);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n\r\n");
            }
            None => {
                let declared = (body.len() as i64 + delta).max(0);
                out.extend_from_slice(format!("Content-Length: {declared}\r\n\r\n").as_bytes());
                out.extend_from_slice(&body);
            }
        }
        out
    }
}

/// Whether a header name or value is within what HTTP/1.1 allows in a field (no control
/// characters but tab).
fn header_safe(s: &str) -> bool {
    s.bytes().all(|b| b == b'\t' || (b >= b' ' && b != 0x7f))
}

/// Draws fuzz inputs for a set of operations from a seed.
pub struct Mutator {
    rng: StdRng,
    ops: Vec<Base>,
}

/// A valid request for one operation.
#[derive(Debug, Clone)]
pub struct Base {
    pub operation: String,
    pub target: String,
    pub signed: bool,
    pub body: Map<String, Value>,
    /// Every member path of the body (nested structures entered).
    pub paths: Vec<String>,
}

fn paths(prefix: &str, m: &Map<String, Value>, out: &mut Vec<String>) {
    for (k, v) in m {
        let p = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        out.push(p.clone());
        if let Value::Object(inner) = v {
            paths(&p, inner, out);
        }
    }
}

/// A valid body for `op`, drawn from its input schema with `seed`; `None` when the generator
/// cannot make one.
pub fn base_request(cat: &Catalogue, op: &Operation, seed: u64) -> Option<Base> {
    let body = match op.input.as_deref().and_then(|r| cat.shape(r)) {
        None => Map::new(),
        Some(root) => {
            let strategy = values::valid(cat, root)?;
            let mut r = values::runner(seed, &[&op.name, "netfuzz"]);
            match values::draw(&strategy, &mut r)? {
                Value::Object(m) => m,
                _ => return None,
            }
        }
    };
    let mut p = Vec::new();
    paths("", &body, &mut p);
    Some(Base {
        operation: op.name.clone(),
        target: op.target.clone(),
        signed: op.auth == Auth::Sigv4,
        body,
        paths: p,
    })
}

const WRONG_VALUES: &[&str] = &[
    "0",
    "-1",
    "1.5",
    "true",
    "\"\"",
    "[]",
    "{}",
    "[null]",
    "\"cognate\"",
    "{\"a\":[]}",
];
const METHODS: &[&str] = &[
    "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "post", "BREW",
];
const HEADERS: &[&str] = &["X-Amz-Target", "Content-Type", "Authorization", "Host"];
const HEADER_VALUES: &[&str] = &[
    "",
    "application/json",
    "application/x-amz-json-1.0",
    "APPLICATION/X-AMZ-JSON-1.1; charset=utf-8",
    "AWSCognitoIdentityProviderService.",
    "AWSCognitoIdentityProviderService.CognateNoSuchOperation",
    "x\u{0}y",
    "caf\u{e9}",
    "AWS4-HMAC-SHA256",
];

impl Mutator {
    /// Draws bases for `ops` (operations the generator cannot make a valid body for are left
    /// out) and seeds the mutation stream.
    pub fn new(cat: &Catalogue, ops: &[&Operation], seed: u64) -> Mutator {
        let ops = ops
            .iter()
            .filter_map(|op| base_request(cat, op, seed))
            .collect();
        Mutator {
            rng: StdRng::seed_from_u64(seed),
            ops,
        }
    }

    pub fn bases(&self) -> &[Base] {
        &self.ops
    }

    /// The next input: a base chosen at random and one to three mutations (none, one time in
    /// twenty: a control request).
    pub fn next_input(&mut self) -> Option<Input> {
        if self.ops.is_empty() {
            return None;
        }
        let base = self.ops[self.rng.random_range(0..self.ops.len())].clone();
        let n = if self.rng.random_ratio(1, 20) {
            0
        } else {
            self.rng.random_range(1..=3)
        };
        let mutations = (0..n).map(|_| self.mutation(&base)).collect();
        Some(Input {
            operation: base.operation,
            target: base.target,
            signed: base.signed,
            base: base.body,
            mutations,
        })
    }

    fn member(&mut self, base: &Base) -> String {
        if base.paths.is_empty() || self.rng.random_ratio(1, 10) {
            return "CognateFuzzMember".to_owned();
        }
        base.paths[self.rng.random_range(0..base.paths.len())].clone()
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.rng.random_range(0..from.len())]
    }

    /// One mutation, drawn with weights that favour the JSON level.
    pub fn mutation(&mut self, base: &Base) -> Mutation {
        let member = self.member(base);
        match self.rng.random_range(0..100) {
            0..=14 => Mutation::WrongType {
                member,
                value: serde_json::from_str(self.pick(WRONG_VALUES)).expect("valid JSON"),
            },
            15..=19 => Mutation::RemoveMember { member },
            20..=24 => Mutation::UnknownMember {
                name: format!("CognateUnknown{}", self.rng.random_range(0..100)),
            },
            25..=31 => Mutation::LongString {
                member,
                len: *[300, 2_048, 70_000, 1_100_000]
                    .get(self.rng.random_range(0..4usize))
                    .unwrap_or(&300),
            },
            32..=37 => Mutation::DuplicateKey { member },
            38..=43 => Mutation::HugeNumber {
                member,
                digits: *[20, 400, 5_000]
                    .get(self.rng.random_range(0..3usize))
                    .unwrap_or(&20),
            },
            44..=49 => Mutation::DeepNesting {
                member,
                depth: *[64, 200, 5_000, 100_000]
                    .get(self.rng.random_range(0..4usize))
                    .unwrap_or(&64),
                objects: self.rng.random_bool(0.5),
            },
            50..=55 => Mutation::InvalidUtf8 { member },
            56..=61 => Mutation::NulByte {
                member,
                escaped: self.rng.random_bool(0.5),
            },
            62..=67 => Mutation::UnpairedSurrogate {
                member,
                high: self.rng.random_bool(0.5),
            },
            68..=70 => Mutation::Truncate {
                keep: self.rng.random_range(0..64),
            },
            71..=72 => Mutation::TrailingGarbage,
            73..=75 => Mutation::Method {
                method: self.pick(METHODS).to_owned(),
            },
            76..=78 => Mutation::DropHeader {
                name: self.pick(HEADERS).to_owned(),
            },
            79..=82 => Mutation::HeaderValue {
                name: self.pick(HEADERS).to_owned(),
                value: self.pick(HEADER_VALUES).to_owned(),
            },
            83..=85 => Mutation::DuplicateHeader {
                name: self
                    .pick(&["X-Amz-Target", "Content-Type", "Content-Length"])
                    .to_owned(),
                value: self.pick(HEADER_VALUES).to_owned(),
            },
            86..=90 => Mutation::ContentLengthDelta {
                delta: *[-5, -1, 1, 100]
                    .get(self.rng.random_range(0..4usize))
                    .unwrap_or(&1),
            },
            91..=95 => Mutation::Chunked {
                size: self.rng.random_range(1..64),
                malformed: self.rng.random_ratio(1, 3),
            },
            96..=97 => Mutation::EmptyBody,
            _ => Mutation::HugeBody {
                bytes: if self.rng.random_ratio(1, 4) {
                    9 * 1024 * 1024
                } else {
                    1024 * 1024
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(mutations: Vec<Mutation>) -> Input {
        let mut base = Map::new();
        base.insert("ClientId".into(), json!("abc123"));
        base.insert("Username".into(), json!("alice"));
        base.insert(
            "AnalyticsMetadata".into(),
            json!({"AnalyticsEndpointId": "e1"}),
        );
        Input {
            operation: "ForgotPassword".into(),
            target: "AWSCognitoIdentityProviderService.ForgotPassword".into(),
            signed: false,
            base,
            mutations,
        }
    }

    fn endpoint() -> Endpoint {
        Endpoint {
            authority: "127.0.0.1:9".into(),
            path: "/".into(),
        }
    }

    fn text(m: Mutation) -> String {
        String::from_utf8_lossy(&input(vec![m]).body()).into_owned()
    }

    #[test]
    fn json_level_mutations() {
        assert_eq!(
            text(Mutation::WrongType {
                member: "Username".into(),
                value: json!([1])
            }),
            r#"{"ClientId":"abc123","Username":[1],"AnalyticsMetadata":{"AnalyticsEndpointId":"e1"}}"#
        );
        assert_eq!(
            text(Mutation::RemoveMember {
                member: "AnalyticsMetadata.AnalyticsEndpointId".into()
            }),
            r#"{"ClientId":"abc123","Username":"alice","AnalyticsMetadata":{}}"#
        );
        assert!(text(Mutation::DuplicateKey {
            member: "Username".into()
        })
        .starts_with(r#"{"Username":12345,"ClientId""#));
        assert!(text(Mutation::HugeNumber {
            member: "Username".into(),
            digits: 30
        })
        .contains(&format!(r#""Username":{}"#, "9".repeat(30))));
        let deep = text(Mutation::DeepNesting {
            member: "ClientId".into(),
            depth: 3,
            objects: false,
        });
        assert!(deep.contains(r#""ClientId":[[[1]]]"#), "{deep}");
        assert!(text(Mutation::NulByte {
            member: "Username".into(),
            escaped: true
        })
        .contains(r#""al\u0000ice""#));
        assert!(text(Mutation::UnpairedSurrogate {
            member: "AnalyticsMetadata.AnalyticsEndpointId".into(),
            high: true
        })
        .contains(r#""e\ud8001""#));
        let raw = input(vec![Mutation::InvalidUtf8 {
            member: "Username".into(),
        }])
        .body();
        assert!(std::str::from_utf8(&raw).is_err());
        assert_eq!(
            input(vec![Mutation::Truncate { keep: 5 }]).body(),
            br#"{"Cli"#
        );
        assert_eq!(
            text(Mutation::LongString {
                member: "New.Path".into(),
                len: 3
            }),
            r#"{"ClientId":"abc123","Username":"alice","AnalyticsMetadata":{"AnalyticsEndpointId":"e1"},"New":{"Path":"aaa"}}"#
        );
    }

    #[test]
    fn http_level_mutations() {
        let plain = String::from_utf8(input(vec![]).render(&endpoint())).unwrap();
        assert!(
            plain.starts_with("POST / HTTP/1.1\r\nHost: 127.0.0.1:9\r\n"),
            "{plain}"
        );
        assert!(plain.contains("\r\nContent-Length: 89\r\n\r\n{"), "{plain}");
        assert_eq!(input(vec![]).frame(), Frame::Clean);

        let i = input(vec![Mutation::ContentLengthDelta { delta: 100 }]);
        assert!(String::from_utf8(i.render(&endpoint()))
            .unwrap()
            .contains("Content-Length: 189\r\n"));
        assert_eq!(i.frame(), Frame::Broken);

        let i = input(vec![Mutation::Chunked {
            size: 10,
            malformed: false,
        }]);
        let raw = String::from_utf8(i.render(&endpoint())).unwrap();
        assert!(
            raw.contains("Transfer-Encoding: chunked\r\n\r\na\r\n{\"ClientId\r\n"),
            "{raw}"
        );
        assert!(raw.ends_with("\r\n0\r\n\r\n"));
        assert!(!raw.contains("Content-Length"));
        assert_eq!(i.frame(), Frame::Clean);
        let i = input(vec![Mutation::Chunked {
            size: 10,
            malformed: true,
        }]);
        assert!(String::from_utf8(i.render(&endpoint()))
            .unwrap()
            .contains("\r\n\r\nzz\r\n"));
        assert_eq!(i.frame(), Frame::Broken);

        let i = input(vec![
            Mutation::DropHeader {
                name: "content-type".into(),
            },
            Mutation::Method {
                method: "GET".into(),
            },
        ]);
        let raw = String::from_utf8(i.render(&endpoint())).unwrap();
        assert!(raw.starts_with("GET / HTTP/1.1\r\n") && !raw.contains("Content-Type"));
        assert_eq!(i.frame(), Frame::Clean);

        let i = input(vec![Mutation::HeaderValue {
            name: "X-Amz-Target".into(),
            value: "x\u{0}y".into(),
        }]);
        assert_eq!(i.frame(), Frame::Broken);
        let i = input(vec![Mutation::EmptyBody]);
        assert!(i
            .render(&endpoint())
            .ends_with(b"Content-Length: 0\r\n\r\n"));
        let i = input(vec![Mutation::HugeBody { bytes: 4096 }]);
        assert_eq!(i.body().len(), 4096);
        assert_eq!(i.frame(), Frame::Oversize);
    }

    #[test]
    fn same_seed_same_inputs() {
        let cat = Catalogue::embedded();
        let ops: Vec<&Operation> = ["ForgotPassword", "AdminGetUser", "ListUsers"]
            .iter()
            .map(|n| cat.operation(n).unwrap())
            .collect();
        let draw = |seed| {
            let mut m = Mutator::new(cat, &ops, seed);
            (0..200)
                .map(|_| m.next_input().unwrap())
                .collect::<Vec<_>>()
        };
        let a = draw(7);
        assert_eq!(a, draw(7));
        assert_ne!(a, draw(8));
        // Every kind of mutation comes up within a few hundred inputs.
        let kinds: std::collections::BTreeSet<&str> = a
            .iter()
            .flat_map(|i| i.mutations.iter().map(Mutation::kind))
            .collect();
        assert!(kinds.len() >= 17, "{kinds:?}");
        assert!(a.iter().any(|i| i.mutations.is_empty()), "control requests");
    }

    #[test]
    fn mutations_round_trip_through_json() {
        let cat = Catalogue::embedded();
        let ops = [cat.operation("ConfirmForgotPassword").unwrap()];
        let mut m = Mutator::new(cat, &ops, 3);
        for _ in 0..100 {
            let i = m.next_input().unwrap();
            let text = serde_json::to_string(&i).unwrap();
            let back: Input = serde_json::from_str(&text).unwrap();
            assert_eq!(back, i);
            assert_eq!(back.render(&endpoint()), i.render(&endpoint()));
        }
    }
}
