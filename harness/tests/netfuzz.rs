//! The network fuzzer end to end: a tiny TCP server with two planted bugs (a 500 for a NUL in
//! the body, a dropped connection for deep nesting) must give exactly those findings, minimised;
//! the reference target must give none; reproducers replay from the binary; a committed
//! baseline makes the known finding pass, a new one fail, and a new timing-kind one pass.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cognate::model::{Catalogue, Operation};
use cognate::netfuzz::{self, FindingKind, Mutation, Reproducer};
use cognate::reference::{self, Reference};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// How often the tiny server's reset endpoint (`POST /cognate-reset`) was called.
static RESETS: AtomicUsize = AtomicUsize::new(0);

/// Reads one request (head, then the body by Content-Length, or whatever comes within a short
/// wait) and answers: 500 for a NUL in the body, nothing at all (the connection dropped) for
/// deep nesting, else an awsJson1_1 error; a POST to /cognate-reset gets a 200.
async fn handle(mut s: TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        match tokio::time::timeout(Duration::from_secs(2), s.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return,
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    if head.starts_with("post /cognate-reset ") {
        RESETS.fetch_add(1, Ordering::SeqCst);
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            .await;
        let _ = s.shutdown().await;
        return;
    }
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    loop {
        if length.is_some_and(|n| buf.len() >= head_end + n) {
            break;
        }
        match tokio::time::timeout(Duration::from_millis(300), s.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    let body = &buf[head_end..];
    let answer: &[u8] = if body.contains(&0) || find(body, b"\\u0000").is_some() {
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 4\r\nConnection: close\r\n\r\noops"
    } else if find(body, b"[[[[").is_some() || find(body, b"{\"a\":{\"a\":{\"a\":{\"a\":").is_some()
    {
        return; // dropped
    } else {
        b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 35\r\nConnection: close\r\n\r\n{\"__type\":\"SerializationException\"}"
    };
    let _ = s.write_all(answer).await;
    let _ = s.shutdown().await;
}

async fn tiny_server() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(handle(s));
        }
    });
    (addr, task)
}

fn ops(names: &[&str]) -> Vec<&'static Operation> {
    let cat = Catalogue::embedded();
    names.iter().map(|n| cat.operation(n).unwrap()).collect()
}

fn config(seed: u64, duration: Duration, max_requests: u64) -> netfuzz::Config {
    netfuzz::Config {
        seed,
        duration,
        max_requests,
        // Generous: tests run in debug builds, side by side with other tests.
        timeout: Duration::from_secs(5),
        max_findings: 20,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_bugs_are_found_and_minimised() {
    let (addr, server) = tiny_server().await;
    let url = format!("http://{addr}");
    let target = netfuzz::Target::resolve(&url).await.unwrap();
    let result = netfuzz::run(
        &target,
        Catalogue::embedded(),
        &ops(&["ForgotPassword"]),
        &config(1, Duration::from_secs(60), 400),
    )
    .await
    .unwrap();
    assert!(
        result.requests >= 400,
        "{} requests, stopped: {:?}, findings {:#?}",
        result.requests,
        result.stopped,
        result
            .findings
            .iter()
            .map(|f| (&f.signature, &f.detail))
            .collect::<Vec<_>>()
    );
    let kinds: Vec<FindingKind> = result.findings.iter().map(|f| f.kind).collect();
    assert!(
        kinds
            .iter()
            .all(|k| matches!(k, FindingKind::ServerError | FindingKind::Dropped)),
        "only the planted bugs: {kinds:?}"
    );
    let server_error = result
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::ServerError)
        .expect("the NUL finding");
    assert!(
        matches!(
            server_error.mutations.as_slice(),
            [Mutation::NulByte { .. }]
        ),
        "minimised to the NUL alone: {:?}",
        server_error.mutations
    );
    assert_eq!(
        server_error.signature,
        "server_error ForgotPassword nul_byte"
    );
    assert_eq!(server_error.observed.status, Some(500));
    let request = server_error.request().unwrap();
    assert!(request.contains(&0) || find(&request, b"\\u0000").is_some());
    assert!(server_error.minimised_request_bytes <= server_error.original_request_bytes);

    let dropped = result
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Dropped)
        .expect("the deep-nesting finding");
    match dropped.mutations.as_slice() {
        [Mutation::DeepNesting { depth, .. }] => {
            assert!(
                (4..8).contains(depth),
                "depth halved to the least that still drops: {depth}"
            )
        }
        other => panic!("minimised to the nesting alone: {other:?}"),
    }
    assert!(
        dropped.observed.outcome.contains("closed"),
        "{:?}",
        dropped.observed
    );
    // Every finding shows the base body's sensitive members redacted; ForgotPassword has none
    // but its Username, which the model marks sensitive. Values under three characters are
    // left, as everywhere (`redact`): they turn up in any text.
    for f in &result.findings {
        let request = f.request().unwrap();
        let body_at = find(&request, b"\r\n\r\n").map_or(0, |i| i + 4);
        let username = serde_json::from_slice::<serde_json::Value>(&request[body_at..])
            .ok()
            .and_then(|b| b["Username"].as_str().map(str::to_owned));
        if username.is_some_and(|u| u.chars().count() >= 3) {
            assert!(
                f.request_preview.contains("<redacted>"),
                "{}",
                f.request_preview
            );
        }
    }

    // The summary file and the reproducers, and the binary replaying one.
    let dir = tempfile::tempdir().unwrap();
    let summary =
        netfuzz::write_results(dir.path(), &url, 1, &result, &Default::default()).unwrap();
    assert_eq!(summary.findings.len(), result.findings.len());
    assert!(summary.occurrences[&FindingKind::ServerError] >= 1);
    let file = summary
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::ServerError)
        .map(|f| dir.path().join(&f.file))
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let back: Reproducer = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, server_error);
    let out = tokio::task::spawn_blocking({
        let file = file.clone();
        let url = url.clone();
        move || {
            Command::new(env!("CARGO_BIN_EXE_cognate"))
                .args(["replay", "--reproducer"])
                .arg(&file)
                .args(["--target", &url])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("reproduces: server_error"), "{stdout}");

    // A baseline listing every signature: the same findings are known, nothing is new; the
    // dropped connection (a timing kind) is never compared, so never known.
    let baseline = summary.signatures();
    let again = netfuzz::write_results(dir.path(), &url, 1, &result, &baseline).unwrap();
    assert!(again.findings.iter().all(|f| f.known != f.timing));
    assert!(again.findings.iter().any(|f| f.timing));
    assert_eq!(again.new_findings().count(), 0);
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_target_gives_no_findings() {
    let server = reference::spawn(
        Arc::new(Reference::new(Catalogue::embedded()).form_only_signatures()),
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .unwrap();
    let target = netfuzz::Target::resolve(&format!("http://{}", server.addr))
        .await
        .unwrap();
    let all: Vec<&Operation> = Catalogue::embedded().operations.values().collect();
    let result = netfuzz::run(
        &target,
        Catalogue::embedded(),
        &all,
        &config(7, Duration::from_secs(4), 100_000),
    )
    .await
    .unwrap();
    server.shutdown().await;
    assert!(result.requests > 100, "{} requests", result.requests);
    assert!(
        result.findings.is_empty(),
        "{:#?}",
        result
            .findings
            .iter()
            .map(|f| (&f.signature, &f.detail))
            .collect::<Vec<_>>()
    );
}

fn cognate(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cognate"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn the_fuzz_command_exits_0_without_findings_and_refuses_live_targets() {
    let dir = tempfile::tempdir().unwrap();
    let out = cognate(
        &[
            "fuzz",
            "--target",
            "reference",
            "--duration",
            "2s",
            "--out",
            "f",
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("no findings"), "{stdout}");
    assert!(stdout.contains("req/s"), "{stdout}");
    let summary: netfuzz::SummaryFile = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("f/fuzz-summary.json")).unwrap(),
    )
    .unwrap();
    assert!(summary.requests > 0);

    let live = cognate(
        &[
            "fuzz",
            "--target",
            "http://10.0.0.1:5000",
            "--duration",
            "1s",
        ],
        dir.path(),
    );
    assert_eq!(live.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&live.stderr).contains("--allow-live"));
    let tls = cognate(
        &[
            "fuzz",
            "--target",
            "https://127.0.0.1:5000",
            "--duration",
            "1s",
        ],
        dir.path(),
    );
    assert_eq!(
        tls.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&tls.stderr)
    );
    let bad = cognate(&["fuzz", "--duration", "soon"], dir.path());
    assert_eq!(bad.status.code(), Some(1));
    // Nothing listens on port 9 of loopback: a runtime failure, not a finding.
    let down = cognate(
        &["fuzz", "--target", "http://127.0.0.1:9", "--duration", "1s"],
        dir.path(),
    );
    assert_eq!(
        down.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
}

/// The signatures of a run's findings of non-timing kinds.
fn deterministic(result: &netfuzz::RunResult) -> BTreeSet<String> {
    result
        .findings
        .iter()
        .filter(|f| !f.kind.is_timing())
        .map(|f| f.signature.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounded_run_finds_the_same_signatures_every_time() {
    let (addr, server) = tiny_server().await;
    let target = netfuzz::Target::resolve(&format!("http://{addr}"))
        .await
        .unwrap();
    let mut sets = Vec::new();
    for _ in 0..2 {
        let result = netfuzz::run(
            &target,
            Catalogue::embedded(),
            &ops(&["ForgotPassword", "ConfirmForgotPassword"]),
            &config(3, Duration::from_secs(60), 300),
        )
        .await
        .unwrap();
        // The bound counts mutated requests only: minimisation comes on top.
        assert_eq!(result.mutated, 300);
        assert!(result.requests > result.mutated);
        sets.push(deterministic(&result));
    }
    server.abort();
    assert!(
        sets[0].contains("server_error ForgotPassword nul_byte")
            || sets[0].contains("server_error ConfirmForgotPassword nul_byte"),
        "{:?}",
        sets[0]
    );
    assert_eq!(sets[0], sets[1]);
}

/// Runs the binary (off the runtime's threads, since the tiny server runs on them).
async fn cognate_async(args: Vec<String>, dir: &Path) -> std::process::Output {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_cognate"))
            .args(&args)
            .current_dir(dir)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn summary_of(dir: &Path) -> netfuzz::SummaryFile {
    serde_json::from_str(&std::fs::read_to_string(dir.join(netfuzz::SUMMARY_FILE)).unwrap())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_baseline_decides_what_fails_and_timing_kinds_never_do() {
    let (addr, server) = tiny_server().await;
    let dir = tempfile::tempdir().unwrap();
    // A profile for the tiny server, as `cognate.toml` has for the emulators.
    std::fs::write(
        dir.path().join("profiles.toml"),
        format!("[targets.tiny]\nurl = \"http://{addr}\"\nreset = \"/cognate-reset\"\n"),
    )
    .unwrap();
    let args = |out: &str, extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "fuzz",
            "--target",
            "tiny",
            "--config",
            "profiles.toml",
            "--operation",
            "ForgotPassword",
            "--seed",
            "1",
            "--max-requests",
            "400",
            "--timeout-ms",
            "5000",
            "--out",
            out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let show = |o: &std::process::Output| {
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };

    // Record: exit 0 whatever was found; the file lists the NUL finding and not the dropped
    // connection (a timing kind), and nothing that names this machine.
    let resets = RESETS.load(Ordering::SeqCst);
    let rec = cognate_async(
        args("rec", &["--baseline", "base/tiny.json", "--update"]),
        dir.path(),
    )
    .await;
    assert_eq!(rec.status.code(), Some(0), "{}", show(&rec));
    assert!(
        RESETS.load(Ordering::SeqCst) > resets,
        "the profile's reset is called before fuzzing"
    );
    let text = std::fs::read_to_string(dir.path().join("base/tiny.json")).unwrap();
    let baseline: netfuzz::Baseline = serde_json::from_str(&text).unwrap();
    let recorded: Vec<&str> = baseline
        .findings
        .iter()
        .map(|f| f.signature.as_str())
        .collect();
    assert_eq!(recorded, ["server_error ForgotPassword nul_byte"]);
    assert_eq!((baseline.seed, baseline.max_requests), (1, 400));
    assert_eq!(baseline.target, "tiny");
    let root = dir.path().to_string_lossy().into_owned();
    assert!(!text.contains(&root), "{text}");
    for volatile in ["elapsed", "requests_per_second", "found_after", "file"] {
        assert!(!text.contains(volatile), "{volatile} in {text}");
    }
    let rec_summary = summary_of(&dir.path().join("rec"));
    assert!(
        rec_summary
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::Dropped && f.timing),
        "the planted drop is found: {:?}",
        rec_summary.findings
    );

    // Against the baseline: the NUL finding is known, the dropped connection is new but of a
    // timing kind: exit 0.
    let known = cognate_async(args("known", &["--baseline", "base/tiny.json"]), dir.path()).await;
    assert_eq!(known.status.code(), Some(0), "{}", show(&known));
    let s = summary_of(&dir.path().join("known"));
    let nul = s
        .findings
        .iter()
        .find(|f| f.signature == "server_error ForgotPassword nul_byte")
        .unwrap();
    assert!(nul.known && !nul.timing);
    let dropped = s
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Dropped)
        .unwrap();
    assert!(!dropped.known && dropped.timing);
    assert_eq!(s.new_findings().count(), 0);
    assert!(s.baseline_missing.is_empty());
    let stdout = String::from_utf8_lossy(&known.stdout);
    assert!(stdout.contains("0 new, 1 known"), "{stdout}");
    assert!(stdout.contains("timing"), "{stdout}");

    // A baseline that does not list the NUL finding (but lists one that is gone): new, exit 4.
    let stale = netfuzz::Baseline {
        findings: vec![netfuzz::BaselineFinding {
            signature: "server_error ForgotPassword huge_body".into(),
            kind: FindingKind::ServerError,
            detail: "HTTP 500".into(),
        }],
        ..baseline.clone()
    };
    stale.write(&dir.path().join("base/stale.json")).unwrap();
    let new = cognate_async(args("new", &["--baseline", "base/stale.json"]), dir.path()).await;
    assert_eq!(new.status.code(), Some(4), "{}", show(&new));
    let s = summary_of(&dir.path().join("new"));
    let fresh: Vec<&str> = s.new_findings().map(|f| f.signature.as_str()).collect();
    assert_eq!(fresh, ["server_error ForgotPassword nul_byte"]);
    assert_eq!(
        s.baseline_missing,
        ["server_error ForgotPassword huge_body"]
    );
    let stdout = String::from_utf8_lossy(&new.stdout);
    assert!(
        stdout.contains("NEW    server_error  server_error ForgotPassword nul_byte"),
        "{stdout}"
    );

    // A fuzz-summary.json works as a baseline too, and a broken file is bad input.
    let summary_base = cognate_async(
        args("again", &["--baseline", "known/fuzz-summary.json"]),
        dir.path(),
    )
    .await;
    assert_eq!(
        summary_base.status.code(),
        Some(0),
        "{}",
        show(&summary_base)
    );
    std::fs::write(dir.path().join("base/broken.json"), "{\"findings\": 3}").unwrap();
    let broken = cognate_async(
        args("broken", &["--baseline", "base/broken.json"]),
        dir.path(),
    )
    .await;
    assert_eq!(broken.status.code(), Some(2), "{}", show(&broken));
    assert!(
        show(&broken).contains("not a fuzz baseline"),
        "{}",
        show(&broken)
    );
    server.abort();
}

#[test]
fn a_profile_outside_loopback_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cognate.toml"),
        "[targets.far]\nurl = \"http://10.0.0.1:5000\"\n",
    )
    .unwrap();
    let out = cognate(&["fuzz", "--target", "far", "--duration", "1s"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-live"));
    let unknown = cognate(
        &["fuzz", "--target", "nowhere", "--duration", "1s"],
        dir.path(),
    );
    assert_eq!(
        unknown.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
}
