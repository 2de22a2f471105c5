//! The network fuzzer behind `cognate fuzz`: structure-aware mutations of valid requests, sent
//! raw over HTTP/1.1 to any endpoint, with findings minimised and saved as reproducers.
//!
//! [`mutate`] draws a valid body for an operation from its input schema and mutates it at the
//! JSON level (types, nesting, duplicate keys, huge numbers, invalid UTF-8, NUL bytes, unpaired
//! surrogates, long strings, unknown members) and at the HTTP level (method, headers,
//! Content-Length mismatches, chunked bodies, empty and huge bodies). [`wire`] sends the bytes on
//! a fresh connection with a deadline. [`classify`] turns what came back into a finding:
//!
//! | kind | when |
//! |---|---|
//! | `server_error` | a 5xx, for any request (but a 501 `NotImplementedException`, a target honest about a gap) |
//! | `envelope` | a well-framed request answered outside the awsJson1_1 envelope: a status other than 200 or 4xx, a Content-Type other than `application/x-amz-json-1.1`, a body that is not a JSON object, an error without an identity, or bytes that are not HTTP |
//! | `hang` | no complete response within the timeout |
//! | `dropped` | a well-framed request whose connection was closed or reset without a response |
//! | `unresponsive` | after a hang or a dropped connection, the target no longer answers a valid request |
//!
//! `hang`, `dropped` and `unresponsive` are *timing* kinds ([`FindingKind::is_timing`]): whether
//! they happen depends on the machine's load and the target's connection handling, not only on
//! the request, so they are reported but never compared with a baseline and never fail a run.
//! The other kinds are a function of the request and the target's version: a run bounded by
//! `max_requests` with a fixed seed draws the same requests and, against the same target,
//! finds the same signatures every time ([`Baseline`] records them).
//!
//! A request with broken framing (a lying Content-Length, a malformed chunk, a control character
//! in a header) or an oversized body may be refused with any 4xx or a closed connection; only a
//! 5xx or a hang counts there. Each finding is minimised (mutations, then body members, then
//! sizes are removed or halved while the same kind of finding reproduces) and saved as a
//! [`Reproducer`]: the raw request bytes and what was observed. `cognate replay --reproducer`
//! sends it again.

pub mod mutate;
pub mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::check::ErrorIdentity;
use crate::model::{Catalogue, Operation};
use crate::redact;

pub use mutate::{Endpoint, Frame, Input, Mutation, Mutator};
pub use wire::{exchange, HttpResponse, Outcome};

/// The `format` of reproducer and summary files.
pub const FORMAT: u32 = 1;
/// The summary file written into the output directory.
pub const SUMMARY_FILE: &str = "fuzz-summary.json";
/// The longest request preview and response excerpt kept, in characters.
const EXCERPT_CHARS: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    ServerError,
    Envelope,
    Hang,
    Dropped,
    Unresponsive,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::ServerError => "server_error",
            FindingKind::Envelope => "envelope",
            FindingKind::Hang => "hang",
            FindingKind::Dropped => "dropped",
            FindingKind::Unresponsive => "unresponsive",
        }
    }

    /// Whether the kind depends on timing (load, timeouts, connection handling) rather than on
    /// the request alone: such findings are reported, never compared with a baseline, and never
    /// fail a run.
    pub fn is_timing(self) -> bool {
        matches!(
            self,
            FindingKind::Hang | FindingKind::Dropped | FindingKind::Unresponsive
        )
    }
}

#[derive(Debug, Error)]
pub enum NetFuzzError {
    #[error("{0:?}: the network fuzzer speaks plain http:// only")]
    Scheme(String),
    #[error("{0:?} is not a URL the fuzzer can send to")]
    BadUrl(String),
    #[error("cannot resolve {host}: {reason}")]
    Resolve { host: String, reason: String },
    #[error("the target at {url} does not answer: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("none of the selected operations has a request the generator can build")]
    NoOperations,
    #[error("{}: not a fuzz baseline or fuzz-summary.json: {reason}", path.display())]
    Baseline { path: PathBuf, reason: String },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Where the fuzzer sends: a resolved address and what the request line and Host header say.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    pub addr: SocketAddr,
    pub endpoint: Endpoint,
}

impl Target {
    /// Resolves an `http://host[:port][/path]` URL. Whether the host may be reached at all
    /// (loopback unless `--allow-live`) is the caller's check (`target::check_url`).
    pub async fn resolve(url: &str) -> Result<Target, NetFuzzError> {
        if url.starts_with("https://") {
            return Err(NetFuzzError::Scheme(url.to_owned()));
        }
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| NetFuzzError::BadUrl(url.to_owned()))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() {
            return Err(NetFuzzError::BadUrl(url.to_owned()));
        }
        let has_port = match authority.rfind(']') {
            Some(close) => authority[close..].contains(':'),
            None => authority.contains(':'),
        };
        let hostport = if has_port {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        let addr = tokio::net::lookup_host(hostport.as_str())
            .await
            .map_err(|e| NetFuzzError::Resolve {
                host: authority.to_owned(),
                reason: e.to_string(),
            })?
            .next()
            .ok_or_else(|| NetFuzzError::Resolve {
                host: authority.to_owned(),
                reason: "no address".into(),
            })?;
        Ok(Target {
            url: url.to_owned(),
            addr,
            endpoint: Endpoint {
                authority: authority.to_owned(),
                path: path.to_owned(),
            },
        })
    }
}

/// What a run is bounded by and how it draws.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    pub duration: Duration,
    /// Mutated requests to draw at most. Minimisation (at most [`MINIMISE_TRIES`] requests a
    /// finding) and liveness checks come on top, so that the requests drawn, and with them the
    /// findings, do not depend on what earlier requests led to.
    pub max_requests: u64,
    pub timeout: Duration,
    /// Reproducers saved at most, for timing and other kinds each; further distinct findings
    /// are only counted.
    pub max_findings: usize,
}

/// Requests one finding's minimisation may send at most.
pub const MINIMISE_TRIES: u64 = 200;

/// What came back for a finding's request, redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    pub outcome: String,
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    /// The response body, lossily decoded, sensitive request values redacted, cut short.
    pub body_excerpt: Option<String>,
    pub elapsed_ms: u64,
}

/// One saved finding: enough to send the request again and to know what to look for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reproducer {
    pub format: u32,
    pub kind: FindingKind,
    /// `kind operation mutation+mutation`: what the baseline compares.
    pub signature: String,
    /// Why the answer is a finding.
    pub detail: String,
    pub operation: String,
    pub frame: Frame,
    /// The minimised mutations (the request below is what they render to).
    pub mutations: Vec<Mutation>,
    /// The exact request bytes, base64. They hold only generated values and a fixed, unsigned
    /// Authorization header: no credentials.
    pub request_base64: String,
    /// The request for a person: control characters escaped, sensitive members redacted, cut
    /// short.
    pub request_preview: String,
    pub observed: Observed,
    pub seed: u64,
    /// How many requests the run had sent when it found this.
    pub found_after: u64,
    pub original_request_bytes: usize,
    pub minimised_request_bytes: usize,
    pub timeout_ms: u64,
}

impl Reproducer {
    pub fn request(&self) -> Result<Vec<u8>, base64::DecodeError> {
        base64::engine::general_purpose::STANDARD.decode(&self.request_base64)
    }

    /// Whether the request was a HEAD (its answer has no body).
    pub fn is_head(&self) -> bool {
        self.request().is_ok_and(|r| r.starts_with(b"HEAD "))
    }
}

/// One entry of the summary file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryFinding {
    pub kind: FindingKind,
    pub signature: String,
    pub detail: String,
    /// The reproducer's file name in the output directory.
    pub file: String,
    /// Whether the baseline already lists the signature.
    pub known: bool,
    /// A timing kind ([`FindingKind::is_timing`]): reported, never compared, never fails the
    /// run.
    #[serde(default)]
    pub timing: bool,
}

/// `fuzz-summary.json`: a run's numbers and its saved findings. A summary doubles as a
/// baseline (`--baseline`): the signatures it lists are known findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryFile {
    pub format: u32,
    pub target: String,
    pub seed: u64,
    /// Every request sent: mutated ones, minimisation, liveness checks.
    pub requests: u64,
    /// Mutated requests drawn from the seed (what `--max-requests` bounds).
    #[serde(default)]
    pub mutated: u64,
    pub elapsed_ms: u64,
    pub requests_per_second: f64,
    /// Every finding, duplicates included, by kind.
    pub occurrences: BTreeMap<FindingKind, u64>,
    pub findings: Vec<SummaryFinding>,
    /// Distinct findings past `--max-findings`: counted in `occurrences`, neither saved nor
    /// compared with the baseline.
    #[serde(default)]
    pub not_saved: u64,
    /// Signatures the baseline lists that this run did not find (fixed, or not reached).
    #[serde(default)]
    pub baseline_missing: Vec<String>,
    /// Why the run stopped before its time or request budget, if it did.
    pub stopped: Option<String>,
}

impl SummaryFile {
    /// The signatures a summary used as a baseline lists.
    pub fn signatures(&self) -> BTreeSet<String> {
        self.findings.iter().map(|f| f.signature.clone()).collect()
    }

    /// Findings that fail the run: not in the baseline and not of a timing kind.
    pub fn new_findings(&self) -> impl Iterator<Item = &SummaryFinding> {
        self.findings.iter().filter(|f| !f.known && !f.timing)
    }
}

/// A committed baseline (`cognate fuzz --baseline FILE --update` writes it): the signatures of
/// the non-timing findings of one run, sorted, and how that run was bounded. It holds nothing
/// that changes from run to run (no counts, times, paths or response bodies), so re-recording
/// against the same target version rewrites the same file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub format: u32,
    pub target: String,
    pub seed: u64,
    pub max_requests: u64,
    pub findings: Vec<BaselineFinding>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineFinding {
    pub signature: String,
    pub kind: FindingKind,
    pub detail: String,
}

/// What a `--baseline` file is read as: a [`Baseline`] or a `fuzz-summary.json`, both of which
/// list `findings` with a `signature` (other fields are ignored).
#[derive(Debug, Deserialize)]
struct BaselineRead {
    findings: Vec<BaselineEntry>,
    seed: Option<u64>,
    max_requests: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct BaselineEntry {
    signature: String,
    kind: FindingKind,
}

/// The known signatures of a baseline file, and the seed and bound it was recorded with (absent
/// in a summary file). Timing kinds in it are ignored: they are never compared.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub signatures: BTreeSet<String>,
    pub seed: Option<u64>,
    pub max_requests: Option<u64>,
}

impl Known {
    pub fn read(path: &Path) -> Result<Known, NetFuzzError> {
        let text = std::fs::read_to_string(path).map_err(|source| NetFuzzError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let read: BaselineRead =
            serde_json::from_str(&text).map_err(|e| NetFuzzError::Baseline {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        Ok(Known {
            signatures: read
                .findings
                .into_iter()
                .filter(|f| !f.kind.is_timing())
                .map(|f| f.signature)
                .collect(),
            seed: read.seed,
            max_requests: read.max_requests,
        })
    }
}

impl Baseline {
    /// The baseline a run's summary makes: its non-timing findings, sorted by signature.
    pub fn from_summary(summary: &SummaryFile, max_requests: u64) -> Baseline {
        let mut findings: Vec<BaselineFinding> = summary
            .findings
            .iter()
            .filter(|f| !f.timing)
            .map(|f| BaselineFinding {
                signature: f.signature.clone(),
                kind: f.kind,
                detail: f.detail.clone(),
            })
            .collect();
        findings.sort();
        findings.dedup_by(|a, b| a.signature == b.signature);
        Baseline {
            format: FORMAT,
            target: summary.target.clone(),
            seed: summary.seed,
            max_requests,
            findings,
        }
    }

    pub fn write(&self, path: &Path) -> Result<(), NetFuzzError> {
        let text = serde_json::to_string_pretty(self).expect("a baseline serialises") + "\n";
        crate::files::write(path, text.as_bytes()).map_err(|e| NetFuzzError::Write {
            path: e.path,
            source: e.source,
        })
    }
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub requests: u64,
    /// Mutated requests drawn (what `Config::max_requests` bounds).
    pub mutated: u64,
    /// Distinct findings (by unminimised signature) past `Config::max_findings`, neither
    /// minimised nor saved.
    pub not_saved: u64,
    pub elapsed: Duration,
    pub occurrences: BTreeMap<FindingKind, u64>,
    pub findings: Vec<Reproducer>,
    pub stopped: Option<String>,
}

/// Why an answer to a well-framed request is outside the awsJson1_1 envelope, if it is.
pub fn envelope_problem(r: &HttpResponse, head: bool) -> Option<String> {
    if r.status != 200 && !(400..500).contains(&r.status) && !not_implemented(r) {
        return Some(format!("status {} (expected 200 or 4xx)", r.status));
    }
    if head {
        return None;
    }
    let ct = r.header("content-type").unwrap_or_default();
    if !crate::check::is_json_1_1(ct) {
        return Some(format!("HTTP {} with Content-Type {ct:?}", r.status));
    }
    match serde_json::from_slice::<Value>(&r.body) {
        Ok(Value::Object(_)) => {}
        _ => {
            return Some(format!(
                "HTTP {} with a body that is not a JSON object",
                r.status
            ))
        }
    }
    if r.status != 200 && identity(r).is_none() {
        return Some(format!(
            "HTTP {} without an error identity (no x-amzn-errortype, code or __type)",
            r.status
        ));
    }
    None
}

/// A 501 `NotImplementedException`: a target honest about an operation it does not implement
/// (the reference does this), not a server error.
fn not_implemented(r: &HttpResponse) -> bool {
    r.status == 501 && identity(r).as_deref() == Some(crate::check::NOT_IMPLEMENTED)
}

fn identity(r: &HttpResponse) -> Option<String> {
    let resp = crate::replay::Response {
        status: r.status,
        headers: r.headers.clone(),
        body: r.body.clone(),
    };
    ErrorIdentity::read(&resp).name().map(str::to_owned)
}

/// Whether an outcome is a finding for a request of this framing, and why.
pub fn classify(frame: Frame, head: bool, outcome: &Outcome) -> Option<(FindingKind, String)> {
    let clean = frame == Frame::Clean;
    match outcome {
        Outcome::Response(r) if r.status >= 500 && !not_implemented(r) => {
            Some((FindingKind::ServerError, format!("HTTP {}", r.status)))
        }
        Outcome::Response(r) if clean => {
            envelope_problem(r, head).map(|why| (FindingKind::Envelope, why))
        }
        Outcome::Response(_) => None,
        Outcome::Timeout { .. } => Some((FindingKind::Hang, outcome.describe())),
        Outcome::Closed { .. } | Outcome::Reset(_) if clean => {
            Some((FindingKind::Dropped, outcome.describe()))
        }
        Outcome::Malformed(_) if clean => Some((FindingKind::Envelope, outcome.describe())),
        Outcome::Closed { .. } | Outcome::Reset(_) | Outcome::Malformed(_) => None,
        // Not about this request: the driver checks whether the target is still there.
        Outcome::Connect(_) => None,
    }
}

fn signature(kind: FindingKind, input: &Input) -> String {
    let kinds: BTreeSet<&str> = input.mutations.iter().map(Mutation::kind).collect();
    let kinds: Vec<&str> = kinds.into_iter().collect();
    let kinds = if kinds.is_empty() {
        "none".to_owned()
    } else {
        kinds.join("+")
    };
    format!("{} {} {kinds}", kind.as_str(), input.operation)
}

fn is_head(input: &Input) -> bool {
    input.mutations.iter().rev().find_map(|m| match m {
        Mutation::Method { method } => Some(method.eq_ignore_ascii_case("HEAD")),
        _ => None,
    }) == Some(true)
}

/// Sends one input and classifies the answer.
async fn probe(
    target: &Target,
    input: &Input,
    timeout: Duration,
) -> (Vec<u8>, Outcome, Duration, Option<(FindingKind, String)>) {
    let bytes = input.render(&target.endpoint);
    let frame = input.frame();
    let head = is_head(input);
    let (outcome, elapsed) =
        exchange(target.addr, &bytes, frame != Frame::Clean, head, timeout).await;
    let verdict = classify(frame, head, &outcome);
    (bytes, outcome, elapsed, verdict)
}

/// Sends `request` as it is and classifies the answer as a request of that framing.
pub async fn resend(
    target: &Target,
    request: &[u8],
    frame: Frame,
    head: bool,
    timeout: Duration,
) -> (Outcome, Duration, Option<(FindingKind, String)>) {
    let (outcome, elapsed) =
        exchange(target.addr, request, frame != Frame::Clean, head, timeout).await;
    let verdict = classify(frame, head, &outcome);
    (outcome, elapsed, verdict)
}

/// Whether the target answers a valid request at all (any status), trying a few times.
async fn alive(target: &Target, control: &Input, timeout: Duration, sent: &mut u64) -> bool {
    for attempt in 0..3 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        *sent += 1;
        let (_, outcome, _, _) = probe(target, control, timeout).await;
        // Any answer, even one that is not HTTP, says the target is there.
        if matches!(outcome, Outcome::Response(_) | Outcome::Malformed(_)) {
            return true;
        }
    }
    false
}

async fn reproduces(
    target: &Target,
    input: &Input,
    kind: FindingKind,
    timeout: Duration,
    sent: &mut u64,
) -> bool {
    *sent += 1;
    let (_, _, _, v) = probe(target, input, timeout).await;
    v.is_some_and(|(k, _)| k == kind)
}

/// Shrinks `input` while it still gives a finding of `kind`: tries the valid request alone, then
/// drops mutations, then base members no mutation names, then halves sizes. Bounded by `budget` and a number of attempts. Returns
/// the smallest input found and how many requests it took.
async fn minimise(
    target: &Target,
    input: Input,
    kind: FindingKind,
    timeout: Duration,
    budget: Duration,
    max_tries: u64,
) -> (Input, u64) {
    let until = Instant::now() + budget;
    let mut sent = 0u64;
    let mut best = input;
    let mut tries = 0;
    // 0. None at all: a finding the valid request alone gives is about the operation, and one
    // signature (`kind Operation none`) then stands for it, whatever mutation hit it first.
    if !best.mutations.is_empty() && max_tries > 0 {
        tries += 1;
        let mut c = best.clone();
        c.mutations.clear();
        if reproduces(target, &c, kind, timeout, &mut sent).await {
            return (c, sent);
        }
    }
    // 1. Mutations, one at a time.
    let mut i = 0;
    while i < best.mutations.len() && best.mutations.len() > 1 {
        if Instant::now() > until || tries >= max_tries {
            return (best, sent);
        }
        tries += 1;
        let mut c = best.clone();
        c.mutations.remove(i);
        if reproduces(target, &c, kind, timeout, &mut sent).await {
            best = c;
        } else {
            i += 1;
        }
    }
    // 2. Base members no mutation is about.
    let keys: Vec<String> = best.base.keys().cloned().collect();
    for k in keys {
        if Instant::now() > until || tries >= max_tries {
            return (best, sent);
        }
        let named = best.mutations.iter().any(|m| {
            m.member()
                .is_some_and(|p| p == k || p.starts_with(&format!("{k}.")))
        });
        if named {
            continue;
        }
        tries += 1;
        let mut c = best.clone();
        c.base.shift_remove(&k);
        if reproduces(target, &c, kind, timeout, &mut sent).await {
            best = c;
        }
    }
    // 3. Sizes, halved while the finding holds.
    for idx in 0..best.mutations.len() {
        while let Some(smaller) = best.mutations[idx].halved() {
            if Instant::now() > until || tries >= max_tries {
                return (best, sent);
            }
            tries += 1;
            let mut c = best.clone();
            c.mutations[idx] = smaller;
            if reproduces(target, &c, kind, timeout, &mut sent).await {
                best = c;
            } else {
                break;
            }
        }
    }
    (best, sent)
}

/// Lossy text on one line, secrets redacted, cut to [`EXCERPT_CHARS`].
fn excerpt(bytes: &[u8], secrets: &[String]) -> String {
    let text = crate::report::one_line(&String::from_utf8_lossy(bytes));
    let text = redact::redact(&text, secrets);
    if text.chars().count() > EXCERPT_CHARS {
        let cut: String = text.chars().take(EXCERPT_CHARS).collect();
        format!("{cut}… ({} bytes in all)", bytes.len())
    } else {
        text
    }
}

/// The sensitive values of an input's base body (what redaction hides), as they can appear in
/// the request's text: as they are, JSON-escaped, and in the two halves a mutation that inserts
/// bytes in the middle of a string leaves (`mutate` splits at the same place).
fn secrets_of(cat: &Catalogue, input: &Input) -> Vec<String> {
    let sensitive = cat
        .operation(&input.operation)
        .map(|o| o.sensitive.clone())
        .unwrap_or_default();
    let mut out = Vec::new();
    for s in redact::secrets(&sensitive, &Value::Object(input.base.clone())) {
        let mid = mutate::split_point(&s);
        let (a, b) = s.split_at(mid);
        for part in [s.as_str(), a, b] {
            out.push(part.to_owned());
            let quoted = serde_json::to_string(part).unwrap_or_default();
            out.push(quoted[1..quoted.len().saturating_sub(1).max(1)].to_owned());
        }
    }
    out.retain(|s| !s.is_empty());
    out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    out.dedup();
    out
}

/// What a person may see of an outcome.
pub fn observed(outcome: &Outcome, elapsed: Duration, secrets: &[String]) -> Observed {
    let (status, headers, body_excerpt) = match outcome {
        Outcome::Response(r) => (
            Some(r.status),
            r.headers
                .iter()
                .map(|(k, v)| (k.clone(), redact::redact(v, secrets)))
                .collect(),
            Some(excerpt(&r.body, secrets)),
        ),
        _ => (None, Vec::new(), None),
    };
    Observed {
        outcome: outcome.describe(),
        status,
        headers,
        body_excerpt,
        elapsed_ms: elapsed.as_millis().try_into().unwrap_or(u64::MAX),
    }
}

#[allow(clippy::too_many_arguments)]
fn reproducer(
    cat: &Catalogue,
    kind: FindingKind,
    detail: String,
    input: &Input,
    request: &[u8],
    outcome: &Outcome,
    elapsed: Duration,
    cfg: &Config,
    found_after: u64,
    original_request_bytes: usize,
) -> Reproducer {
    let secrets = secrets_of(cat, input);
    Reproducer {
        format: FORMAT,
        kind,
        signature: signature(kind, input),
        detail: redact::redact(&detail, &secrets),
        operation: input.operation.clone(),
        frame: input.frame(),
        mutations: input.mutations.clone(),
        request_base64: base64::engine::general_purpose::STANDARD.encode(request),
        request_preview: excerpt(request, &secrets),
        observed: observed(outcome, elapsed, &secrets),
        seed: cfg.seed,
        found_after,
        original_request_bytes,
        minimised_request_bytes: request.len(),
        timeout_ms: cfg.timeout.as_millis().try_into().unwrap_or(u64::MAX),
    }
}

/// Runs the fuzzer against `target` for the operations `ops` until the time or request budget
/// is spent, or the target stops answering. Requests go out one at a time.
pub async fn run(
    target: &Target,
    cat: &Catalogue,
    ops: &[&Operation],
    cfg: &Config,
) -> Result<RunResult, NetFuzzError> {
    let started = Instant::now();
    let deadline = started + cfg.duration;
    let mut mutator = Mutator::new(cat, ops, cfg.seed);
    let control = {
        let b = mutator.bases().first().ok_or(NetFuzzError::NoOperations)?;
        Input {
            operation: b.operation.clone(),
            target: b.target.clone(),
            signed: b.signed,
            base: b.body.clone(),
            mutations: Vec::new(),
        }
    };
    // The target must answer before anything it does can be judged.
    let (_, first, _, _) = probe(target, &control, cfg.timeout).await;
    if matches!(
        first,
        Outcome::Connect(_) | Outcome::Timeout { .. } | Outcome::Closed { .. } | Outcome::Reset(_)
    ) {
        return Err(NetFuzzError::Unreachable {
            url: target.url.clone(),
            reason: first.describe(),
        });
    }
    let mut requests = 1u64;
    let mut mutated = 0u64;
    let mut not_saved = 0u64;
    let mut occurrences: BTreeMap<FindingKind, u64> = BTreeMap::new();
    let mut findings: Vec<Reproducer> = Vec::new();
    let mut seen_raw = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut stopped = None;
    while mutated < cfg.max_requests && Instant::now() < deadline {
        let Some(input) = mutator.next_input() else {
            break;
        };
        let (bytes, outcome, elapsed, verdict) = probe(target, &input, cfg.timeout).await;
        requests += 1;
        mutated += 1;
        let suspicious = matches!(outcome, Outcome::Connect(_))
            || matches!(verdict, Some((FindingKind::Hang | FindingKind::Dropped, _)));
        if let Some((kind, detail)) = verdict {
            *occurrences.entry(kind).or_default() += 1;
            // Timing kinds have their own allowance, so that how many hangs a loaded machine
            // sees never crowds a deterministic finding out of the saved (and compared) set.
            let saved = findings
                .iter()
                .filter(|f| f.kind.is_timing() == kind.is_timing())
                .count();
            let fresh = seen_raw.insert(signature(kind, &input));
            if fresh && saved >= cfg.max_findings {
                not_saved += 1;
            } else if fresh {
                // Minimising does not look at the run's deadline (it may run past it by its
                // own budget), so that a finding minimises to the same request however long
                // the run has left; its time budget only stops a target too slow to shrink on.
                let budget = (cfg.timeout * 5).max(Duration::from_secs(10));
                let (small, used) = minimise(
                    target,
                    input.clone(),
                    kind,
                    cfg.timeout,
                    budget,
                    MINIMISE_TRIES,
                )
                .await;
                requests += used;
                // The minimised request, sent once more for what it shows.
                let (small_bytes, small_outcome, small_elapsed, small_verdict) =
                    probe(target, &small, cfg.timeout).await;
                requests += 1;
                let (chosen, req, out, el, why) = match small_verdict {
                    Some((k, d)) if k == kind => {
                        (small, small_bytes, small_outcome, small_elapsed, d)
                    }
                    _ => (
                        input.clone(),
                        bytes.clone(),
                        outcome.clone(),
                        elapsed,
                        detail,
                    ),
                };
                if seen.insert(signature(kind, &chosen)) {
                    findings.push(reproducer(
                        cat,
                        kind,
                        why,
                        &chosen,
                        &req,
                        &out,
                        el,
                        cfg,
                        requests,
                        bytes.len(),
                    ));
                }
            }
        }
        if suspicious && !alive(target, &control, cfg.timeout, &mut requests).await {
            *occurrences.entry(FindingKind::Unresponsive).or_default() += 1;
            let (_, ctl_outcome, ctl_elapsed, _) = probe(target, &control, cfg.timeout).await;
            requests += 1;
            let mut r = reproducer(
                cat,
                FindingKind::Unresponsive,
                format!(
                    "after this request ({}), a valid request gets {}",
                    outcome.describe(),
                    ctl_outcome.describe()
                ),
                &input,
                &bytes,
                &outcome,
                elapsed,
                cfg,
                requests,
                bytes.len(),
            );
            r.observed = observed(&ctl_outcome, ctl_elapsed, &secrets_of(cat, &control));
            findings.push(r);
            stopped = Some("the target stopped answering".to_owned());
            break;
        }
    }
    Ok(RunResult {
        requests,
        mutated,
        not_saved,
        elapsed: started.elapsed(),
        occurrences,
        findings,
        stopped,
    })
}

/// Writes each finding as `finding-NNN-<kind>.json` and the summary into `dir`; returns the
/// summary. `baseline` lists known signatures (see [`Known`]).
pub fn write_results(
    dir: &Path,
    target: &str,
    seed: u64,
    result: &RunResult,
    baseline: &BTreeSet<String>,
) -> Result<SummaryFile, NetFuzzError> {
    let write = |path: PathBuf, text: String| {
        std::fs::write(&path, text).map_err(|source| NetFuzzError::Write { path, source })
    };
    std::fs::create_dir_all(dir).map_err(|source| NetFuzzError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut findings = Vec::new();
    for (i, f) in result.findings.iter().enumerate() {
        let file = format!("finding-{:03}-{}.json", i + 1, f.kind.as_str());
        let text = serde_json::to_string_pretty(f).expect("a reproducer serialises") + "\n";
        write(dir.join(&file), text)?;
        findings.push(SummaryFinding {
            kind: f.kind,
            signature: f.signature.clone(),
            detail: f.detail.clone(),
            file,
            // Timing kinds are never compared, so never "known" either.
            known: !f.kind.is_timing() && baseline.contains(&f.signature),
            timing: f.kind.is_timing(),
        });
    }
    let found: BTreeSet<&str> = findings.iter().map(|f| f.signature.as_str()).collect();
    let baseline_missing = baseline
        .iter()
        .filter(|s| !found.contains(s.as_str()))
        .cloned()
        .collect();
    let secs = result.elapsed.as_secs_f64();
    let summary = SummaryFile {
        format: FORMAT,
        target: target.to_owned(),
        seed,
        requests: result.requests,
        mutated: result.mutated,
        elapsed_ms: result.elapsed.as_millis().try_into().unwrap_or(u64::MAX),
        requests_per_second: if secs > 0.0 {
            (result.requests as f64 / secs * 10.0).round() / 10.0
        } else {
            0.0
        },
        occurrences: result.occurrences.clone(),
        findings,
        not_saved: result.not_saved,
        baseline_missing,
        stopped: result.stopped.clone(),
    };
    let text = serde_json::to_string_pretty(&summary).expect("a summary serialises") + "\n";
    write(dir.join(SUMMARY_FILE), text)?;
    Ok(summary)
}

/// Parses a duration: `500ms`, `10s`, `2m`, `1h`, or a number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (try 10s, 500ms, 2m)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (ms, s, m or h)")),
    };
    if !secs.is_finite() || secs <= 0.0 {
        return Err(format!("{s:?} is not a positive duration"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::wire::JSON_1_1;

    fn resp(status: u16, ct: &str, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), ct.into())],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn classification() {
        let ok = resp(400, JSON_1_1, r#"{"__type":"SerializationException"}"#);
        assert_eq!(
            classify(Frame::Clean, false, &Outcome::Response(ok.clone())),
            None
        );
        let gap = resp(501, JSON_1_1, r#"{"__type":"NotImplementedException"}"#);
        assert_eq!(classify(Frame::Clean, false, &Outcome::Response(gap)), None);
        let other = resp(501, JSON_1_1, r#"{"__type":"InternalErrorException"}"#);
        assert!(classify(Frame::Clean, false, &Outcome::Response(other)).is_some());
        let five = resp(500, "text/html", "<html>");
        assert_eq!(
            classify(Frame::Broken, false, &Outcome::Response(five)).map(|v| v.0),
            Some(FindingKind::ServerError)
        );
        let html = resp(400, "text/html", "<html>");
        assert_eq!(
            classify(Frame::Clean, false, &Outcome::Response(html.clone())).map(|v| v.0),
            Some(FindingKind::Envelope)
        );
        assert_eq!(
            classify(Frame::Broken, false, &Outcome::Response(html)),
            None
        );
        let anonymous = resp(400, JSON_1_1, r#"{"message":"x"}"#);
        assert!(envelope_problem(&anonymous, false)
            .unwrap()
            .contains("without an error identity"));
        assert_eq!(envelope_problem(&resp(200, JSON_1_1, "{}"), false), None);
        assert!(envelope_problem(&resp(200, JSON_1_1, "[]"), false).is_some());
        assert!(envelope_problem(&resp(302, JSON_1_1, "{}"), false).is_some());
        let closed = Outcome::Closed { received: 0 };
        assert_eq!(
            classify(Frame::Clean, false, &closed).map(|v| v.0),
            Some(FindingKind::Dropped)
        );
        assert_eq!(classify(Frame::Broken, false, &closed), None);
        assert_eq!(
            classify(Frame::Oversize, false, &Outcome::Timeout { received: 0 }).map(|v| v.0),
            Some(FindingKind::Hang)
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5d").is_err());
    }
}
